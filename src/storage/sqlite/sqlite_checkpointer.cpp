// Background checkpoints of the SQLite write-ahead log.

#include "storage/sqlite/sqlite_checkpointer.hpp"

#include <chrono>

namespace hello::storage::sqlite {

Expected<std::unique_ptr<Checkpointer>, std::string> Checkpointer::Start(
    const std::filesystem::path& path) {
  std::unique_ptr<Checkpointer> checkpointer(new Checkpointer());
  auto connection = Connection::Open(path);
  if (!connection) {
    return MakeUnexpected(std::move(connection).error());
  }
  checkpointer->connection_ = std::move(*connection);

  // FULL makes the checkpoint fsync the database file before the log may be reused.
  auto settings = ApplyDurableSettings(checkpointer->connection_, std::chrono::seconds(1));
  if (!settings) {
    return MakeUnexpected(std::move(settings).error());
  }
  checkpointer->thread_ = std::thread([raw = checkpointer.get()] { raw->Run(); });
  return checkpointer;
}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Attach(Connection& writer) {
  sqlite3_wal_hook(writer.get(), &Checkpointer::OnCommit, this);
}

int Checkpointer::OnCommit(void* self, sqlite3*, const char*, int log_pages) noexcept {
  if (log_pages >= kLogPagesThreshold) {
    static_cast<Checkpointer*>(self)->Request();
  }
  return SQLITE_OK;
}

void Checkpointer::Request() noexcept {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_one();
}

void Checkpointer::Run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return requested_ || stopping_; });
      if (stopping_) {
        return;
      }
      requested_ = false;
    }

    // PASSIVE copies what it can without waiting for, or blocking, the writer and readers;
    // the writer restarts the log from the top once everything in it has been copied.
    const int code = sqlite3_wal_checkpoint_v2(connection_.get(), nullptr,
                                               SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    // A failed checkpoint is retried at the next request; commits stay durable in the log.
    if (code == SQLITE_OK) {
      completed_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void Checkpointer::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
  connection_ = Connection();
}

}  // namespace hello::storage::sqlite
