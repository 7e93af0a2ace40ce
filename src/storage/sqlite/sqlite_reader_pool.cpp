// The store's read side: reader threads with one SQLite connection each.

#include "storage/sqlite/sqlite_reader_pool.hpp"

#include <algorithm>

namespace hello::storage::sqlite {
namespace {

constexpr std::string_view kSelectUser =
    "SELECT display_name, date_of_birth FROM users WHERE key = ?1";
constexpr std::string_view kProbe = "SELECT 1 FROM users LIMIT 1";

Expected<std::unique_ptr<ReaderConnection>, std::string> OpenReader(
    const std::filesystem::path& path, std::chrono::milliseconds busy_timeout) {
  // Open with the same durability settings as the writer; the WAL switch is a no-op here.
  auto connection = Connection::Open(path);
  if (!connection) {
    return MakeUnexpected(std::move(connection).error());
  }
  auto reader = std::make_unique<ReaderConnection>();
  reader->connection = std::move(*connection);
  auto settings = ApplyDurableSettings(reader->connection, busy_timeout);
  if (!settings) {
    return MakeUnexpected(std::move(settings).error());
  }
  reader->settings = std::move(*settings);

  // Readers only read: query_only turns a stray write into an error instead of a second writer.
  int code = reader->connection.Exec("PRAGMA query_only=ON");
  if (code == SQLITE_OK) {
    code = reader->connection.Prepare(kSelectUser, reader->select_user);
  }
  if (code == SQLITE_OK) {
    code = reader->connection.Prepare(kProbe, reader->probe);
  }
  if (code != SQLITE_OK) {
    return MakeUnexpected("cannot prepare the sqlite reader: " + DescribeCode(code));
  }
  return reader;
}

}  // namespace

Expected<std::unique_ptr<ReaderPool>, std::string> ReaderPool::Start(
    const std::filesystem::path& path, std::size_t size,
    std::chrono::milliseconds request_timeout) {
  std::unique_ptr<ReaderPool> pool(new ReaderPool(request_timeout));

  // Open every connection before starting any thread, so a failure leaves nothing running.
  for (std::size_t i = 0; i < std::max<std::size_t>(size, 1); ++i) {
    auto reader = OpenReader(path, request_timeout);
    if (!reader) {
      return MakeUnexpected(std::move(reader).error());
    }
    pool->readers_.push_back(std::move(*reader));
  }

  // Start the threads.
  for (auto& reader : pool->readers_) {
    pool->threads_.emplace_back(
        [raw = pool.get(), connection = reader.get()] { raw->Run(*connection); });
  }
  return pool;
}

ReaderPool::~ReaderPool() { Stop(); }

void ReaderPool::Submit(const char* operation, std::unique_ptr<ReadTask> task) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Job{operation, Clock::now() + request_timeout_, std::move(task)});
    }
  }
  if (task) {
    task->Fail(StorageError{StorageError::Kind::kUnavailable,
                            std::string("sqlite ") + operation + " failed: the store is closed"});
    return;
  }
  wake_.notify_one();
}

void ReaderPool::Run(ReaderConnection& reader) {
  for (;;) {
    // Take the oldest job; leave once stopping and nothing is left.
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) {
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
    }

    // A job that queued past its deadline has already failed for the caller's purposes.
    if (Clock::now() > job.deadline) {
      job.task->Fail(StorageError{StorageError::Kind::kTimeout,
                                  std::string("sqlite ") + job.operation +
                                      " failed: no reader became free within the request timeout"});
      continue;
    }
    job.task->Run(reader);
  }
}

void ReaderPool::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }

  // Statements first, then connections: the threads are gone, so nothing uses them any more.
  readers_.clear();
}

std::vector<ConnectionSettings> ReaderPool::Settings() const {
  std::vector<ConnectionSettings> settings;
  std::lock_guard lock(stop_mutex_);
  for (const auto& reader : readers_) {
    settings.push_back(reader->settings);
  }
  return settings;
}

}  // namespace hello::storage::sqlite
