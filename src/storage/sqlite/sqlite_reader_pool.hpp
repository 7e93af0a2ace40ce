#pragma once
// The store's read side: a few threads, each with its own SQLite connection, taking read
// tasks from one queue. In WAL mode readers never wait for the writer's commit or fsync.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/expected.hpp"
#include "storage/sqlite/completion.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace hello::storage::sqlite {

/// A connection owned by one reader thread, with its statements prepared once.
struct ReaderConnection {
  Connection connection;
  Statement select_user;  // display_name, date_of_birth of ?1
  Statement probe;        // a trivial read of the users table
  ConnectionSettings settings;
};

/// Work for a reader thread. Exactly one of Run and Fail is called, once.
class ReadTask {
 public:
  virtual ~ReadTask() = default;
  virtual void Run(ReaderConnection& reader) noexcept = 0;
  virtual void Fail(StorageError error) noexcept = 0;
};

namespace detail {

// Runs `work(ReaderConnection&) -> StorageResult<T>` and completes the caller with it.
template <typename T, typename Work>
class ReadTaskFor final : public ReadTask {
 public:
  ReadTaskFor(const char* operation, CompletionPtr<T> completion, Work work)
      : operation_(operation), completion_(std::move(completion)), work_(std::move(work)) {}

  void Run(ReaderConnection& reader) noexcept override {
    StorageResult<T> result = Failure("unexpected exception");
    try {
      result = work_(reader);
    } catch (const std::exception&) {
      // The result stays the failure above: a query must never take a reader thread down.
    }
    completion_->Complete(std::move(result));
  }

  void Fail(StorageError error) noexcept override {
    completion_->Complete(MakeUnexpected(std::move(error)));
  }

 private:
  StorageResult<T> Failure(const char* cause) const {
    return MakeUnexpected(StorageError{StorageError::Kind::kInternal,
                                       std::string("sqlite ") + operation_ + " failed: " + cause});
  }

  const char* operation_;
  CompletionPtr<T> completion_;
  Work work_;
};

}  // namespace detail

class ReaderPool {
 public:
  /// Opens `size` connections to the already migrated database at `path`, read-only at the
  /// SQL level, and starts one thread per connection. A task waiting longer than
  /// `request_timeout` for a thread fails with kTimeout instead of running.
  static Expected<std::unique_ptr<ReaderPool>, std::string> Start(
      const std::filesystem::path& path, std::size_t size,
      std::chrono::milliseconds request_timeout);

  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;
  ~ReaderPool();

  /// Queues `work`, run on a reader thread, whose result completes `completion`. After Stop,
  /// completes at once with kUnavailable. `operation` ("get") names the call in errors.
  template <typename T, typename Work>
  void Submit(const char* operation, CompletionPtr<T> completion, Work work) {
    Submit(operation, std::make_unique<detail::ReadTaskFor<T, Work>>(
                          operation, std::move(completion), std::move(work)));
  }

  /// Runs the tasks already queued, then stops the threads and closes the connections.
  /// Idempotent; later submissions fail with kUnavailable.
  void Stop();

  /// The settings each reader connection reported when it was opened.
  std::vector<ConnectionSettings> Settings() const;

 private:
  using Clock = std::chrono::steady_clock;

  struct Job {
    const char* operation = "";
    Clock::time_point deadline;
    std::unique_ptr<ReadTask> task;
  };

  explicit ReaderPool(std::chrono::milliseconds request_timeout)
      : request_timeout_(request_timeout) {}

  void Submit(const char* operation, std::unique_ptr<ReadTask> task);
  void Run(ReaderConnection& reader);

  const std::chrono::milliseconds request_timeout_;
  std::vector<std::unique_ptr<ReaderConnection>> readers_;
  std::vector<std::thread> threads_;

  std::mutex mutex_;  // guards queue_ and stopping_
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  mutable std::mutex stop_mutex_;  // serialises Stop with itself and with Settings
};

}  // namespace hello::storage::sqlite
