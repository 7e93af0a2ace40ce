#pragma once
// The store's write side: one thread and one connection that commit every queued write in a
// single transaction (group commit), so concurrent PUTs share one fsync.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/expected.hpp"
#include "storage/sqlite/completion.hpp"
#include "storage/sqlite/sqlite_checkpointer.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace hello::storage::sqlite {

/// One upsert or delete, completed once its transaction is durable (or has failed).
struct WriteRequest {
  enum class Kind { kUpsert, kDelete };
  Kind kind = Kind::kUpsert;
  std::string key;
  std::string display_name;   // upserts only
  std::string date_of_birth;  // upserts only, "YYYY-MM-DD"
  CompletionPtr<void> completion;
};

/// Counters of committed work, for metrics and tests: writes / transactions is the mean
/// group size.
struct WriteStats {
  std::uint64_t transactions = 0;
  std::uint64_t writes = 0;
};

class Writer {
 public:
  /// Takes an open, migrated connection with durable settings applied, and leaves its
  /// checkpoints to `checkpointer` (which must outlive the writer). A request waiting longer
  /// than `request_timeout` (for the queue or for another process's lock) fails with kTimeout
  /// and is not written.
  static Expected<std::unique_ptr<Writer>, std::string> Start(
      Connection connection, std::chrono::milliseconds request_timeout, Checkpointer& checkpointer);

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer();

  /// Queues the request. Requests queued together are applied in queue order (the last
  /// writer wins) in one transaction. After Stop, completes at once with kUnavailable.
  void Submit(WriteRequest request);

  /// Commits everything already queued, completes its waiters, stops the thread and closes
  /// the connection. Idempotent; later submissions fail with kUnavailable.
  void Stop();

  WriteStats Stats() const noexcept;

  /// The settings of the writer connection, read back after the busy handler was installed.
  ConnectionSettings Settings() const;

 private:
  using Clock = std::chrono::steady_clock;

  struct Pending {
    WriteRequest request;
    Clock::time_point deadline;
  };

  explicit Writer(std::chrono::milliseconds request_timeout) : request_timeout_(request_timeout) {}

  void Run();
  void CommitBatch(std::vector<Pending>& batch);
  void FailAll(std::vector<Pending>& batch, const char* stage, int code);
  int Apply(WriteRequest& request) noexcept;
  static int OnBusy(void* self, int attempts) noexcept;

  const std::chrono::milliseconds request_timeout_;

  // Used by the writer thread only (and by Start/Stop while it is not running).
  Connection connection_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement upsert_;
  Statement remove_;
  ConnectionSettings settings_;
  Clock::time_point busy_deadline_;
  std::thread thread_;

  std::mutex mutex_;  // guards queue_ and stopping_
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::mutex stop_mutex_;  // serialises Stop callers around the join

  std::atomic<std::uint64_t> transactions_{0};
  std::atomic<std::uint64_t> writes_{0};
};

}  // namespace hello::storage::sqlite
