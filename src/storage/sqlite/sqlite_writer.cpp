// The store's write side: a single writer thread with group commit.

#include "storage/sqlite/sqlite_writer.hpp"

#include <algorithm>
#include <string_view>

namespace hello::storage::sqlite {
namespace {

// Bounds one transaction so a flood of writes cannot hold the lock (and every waiter) for long.
constexpr std::size_t kMaxBatch = 1024;

constexpr std::string_view kUpsert =
    "INSERT INTO users (key, display_name, date_of_birth, updated_at)"
    " VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
    " ON CONFLICT (key) DO UPDATE SET display_name = excluded.display_name,"
    " date_of_birth = excluded.date_of_birth, updated_at = excluded.updated_at";
constexpr std::string_view kRemove = "DELETE FROM users WHERE key = ?1";

const char* OperationName(WriteRequest::Kind kind) {
  return kind == WriteRequest::Kind::kUpsert ? "put" : "remove";
}

// Runs a statement that returns no rows and rewinds it for the next use.
int StepOnce(Statement& statement) noexcept {
  const int code = statement.Step();
  statement.Reset();
  return code == SQLITE_DONE ? SQLITE_OK : code;
}

}  // namespace

Expected<std::unique_ptr<Writer>, std::string> Writer::Start(
    Connection connection, std::chrono::milliseconds request_timeout, Checkpointer& checkpointer) {
  std::unique_ptr<Writer> writer(new Writer(request_timeout));
  writer->connection_ = std::move(connection);

  // Prepare every statement once; they are reused for the life of the store.
  Connection& db = writer->connection_;
  int code = db.Prepare("BEGIN IMMEDIATE", writer->begin_);
  if (code == SQLITE_OK) {
    code = db.Prepare("COMMIT", writer->commit_);
  }
  if (code == SQLITE_OK) {
    code = db.Prepare("ROLLBACK", writer->rollback_);
  }
  if (code == SQLITE_OK) {
    code = db.Prepare(kUpsert, writer->upsert_);
  }
  if (code == SQLITE_OK) {
    code = db.Prepare(kRemove, writer->remove_);
  }
  if (code != SQLITE_OK) {
    return MakeUnexpected("cannot prepare the sqlite writer: " + DescribeCode(code));
  }

  // Waiting for another process's lock is bounded by the oldest request's deadline, not by a
  // fixed timeout, so no request waits much past its own bound.
  sqlite3_busy_handler(db.get(), &Writer::OnBusy, writer.get());

  // Checkpoints run on their own thread; the log file is cut back to 64 MiB after a restart.
  checkpointer.Attach(db);
  code = db.Exec("PRAGMA journal_size_limit=67108864");
  if (code != SQLITE_OK) {
    return MakeUnexpected("cannot limit the sqlite log size: " + DescribeCode(code));
  }
  auto mode = db.QueryText("PRAGMA journal_mode");
  auto synchronous = db.QueryInt("PRAGMA synchronous");
  auto timeout = db.QueryInt("PRAGMA busy_timeout");
  if (!mode || !synchronous || !timeout) {
    return MakeUnexpected(std::string("cannot read the sqlite writer settings back"));
  }
  writer->settings_ = ConnectionSettings{*mode, *synchronous, *timeout};

  writer->thread_ = std::thread([raw = writer.get()] { raw->Run(); });
  return writer;
}

Writer::~Writer() { Stop(); }

void Writer::Submit(WriteRequest request) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(request), Clock::now() + request_timeout_});
    }
  }
  if (request.completion) {
    request.completion->Complete(MakeUnexpected(StorageError{
        StorageError::Kind::kUnavailable,
        std::string("sqlite ") + OperationName(request.kind) + " failed: the store is closed"}));
    return;
  }
  wake_.notify_one();
}

void Writer::Run() {
  std::vector<Pending> batch;
  batch.reserve(kMaxBatch);
  for (;;) {
    // Take everything queued (up to the cap); requests left from a busy attempt go first.
    {
      std::unique_lock lock(mutex_);
      if (batch.empty()) {
        wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
        if (queue_.empty()) {
          return;
        }
      }
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
  }
}

void Writer::CommitBatch(std::vector<Pending>& batch) {
  // Fail requests past their deadline without writing them; the rest keep queue order.
  const Clock::time_point now = Clock::now();
  auto expired = std::stable_partition(batch.begin(), batch.end(),
                                       [now](const Pending& p) { return p.deadline >= now; });
  for (auto it = expired; it != batch.end(); ++it) {
    it->request.completion->Complete(MakeUnexpected(
        StorageError{StorageError::Kind::kTimeout,
                     std::string("sqlite ") + OperationName(it->request.kind) +
                         " failed: the write lock was not free within the request timeout"}));
  }
  batch.erase(expired, batch.end());
  if (batch.empty()) {
    return;
  }

  // Take the write lock; on SQLITE_BUSY keep the batch and retry, failing expired ones first.
  busy_deadline_ = std::min_element(batch.begin(), batch.end(), [](const auto& a, const auto& b) {
                     return a.deadline < b.deadline;
                   })->deadline;
  int code = StepOnce(begin_);
  if ((code & 0xff) == SQLITE_BUSY) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return;
  }
  if (code != SQLITE_OK) {
    FailAll(batch, "begin", code);
    return;
  }

  // Apply in queue order, so the last write to a key wins.
  for (Pending& pending : batch) {
    code = Apply(pending.request);
    if (code != SQLITE_OK) {
      FailAll(batch, "write", code);
      return;
    }
  }

  // One commit, one fsync of the log (synchronous=FULL), for the whole batch.
  code = StepOnce(commit_);
  if (code != SQLITE_OK) {
    FailAll(batch, "commit", code);
    return;
  }
  transactions_.fetch_add(1, std::memory_order_relaxed);
  writes_.fetch_add(batch.size(), std::memory_order_relaxed);
  for (Pending& pending : batch) {
    pending.request.completion->Complete({});
  }
  batch.clear();
}

void Writer::FailAll(std::vector<Pending>& batch, const char* stage, int code) {
  // Nothing of a failed batch may survive: roll back if SQLite has not done so already.
  if (connection_.InTransaction()) {
    StepOnce(rollback_);
  }
  for (Pending& pending : batch) {
    const std::string what = std::string(OperationName(pending.request.kind)) + " " + stage;
    pending.request.completion->Complete(MakeUnexpected(ToStorageError(what, code)));
  }
  batch.clear();
}

int Writer::Apply(WriteRequest& request) noexcept {
  Statement& statement = request.kind == WriteRequest::Kind::kUpsert ? upsert_ : remove_;
  int code = statement.BindText(1, request.key);
  if (code == SQLITE_OK && request.kind == WriteRequest::Kind::kUpsert) {
    code = statement.BindText(2, request.display_name);
    if (code == SQLITE_OK) {
      code = statement.BindText(3, request.date_of_birth);
    }
  }
  if (code != SQLITE_OK) {
    statement.Reset();
    return code;
  }
  return StepOnce(statement);
}

int Writer::OnBusy(void* self, int attempts) noexcept {
  // Back off from 1 ms up to 10 ms, giving up once the oldest request's deadline has passed.
  const auto* writer = static_cast<const Writer*>(self);
  const Clock::time_point now = Clock::now();
  if (now >= writer->busy_deadline_) {
    return 0;
  }
  const auto pause = std::min<std::chrono::nanoseconds>(
      std::chrono::milliseconds(std::min(attempts + 1, 10)), writer->busy_deadline_ - now);
  std::this_thread::sleep_for(pause);
  return 1;
}

void Writer::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }

  // The thread has drained the queue; finalize the statements, then close the connection.
  begin_ = Statement();
  commit_ = Statement();
  rollback_ = Statement();
  upsert_ = Statement();
  remove_ = Statement();
  connection_ = Connection();
}

WriteStats Writer::Stats() const noexcept {
  return WriteStats{transactions_.load(std::memory_order_relaxed),
                    writes_.load(std::memory_order_relaxed)};
}

ConnectionSettings Writer::Settings() const { return settings_; }

}  // namespace hello::storage::sqlite
