#pragma once
// Copies the write-ahead log back into the database file on a thread of its own, so that the
// writer's commits never pay for a checkpoint (SQLite's default runs it inside a commit).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/expected.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace hello::storage::sqlite {

class Checkpointer {
 public:
  /// The log size, in pages, past which the writer asks for a checkpoint (SQLite's default).
  static constexpr int kLogPagesThreshold = 1000;

  /// Opens a connection of its own to the migrated database at `path` and starts the thread.
  static Expected<std::unique_ptr<Checkpointer>, std::string> Start(
      const std::filesystem::path& path);

  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;
  ~Checkpointer();

  /// Installs the commit hook on the writer's connection: once the log holds
  /// kLogPagesThreshold pages, a commit wakes this thread. This replaces SQLite's automatic
  /// checkpoint on that connection. The checkpointer must outlive the writer's use of it.
  void Attach(Connection& writer);

  /// Asks for a checkpoint soon; cheap, never blocks on I/O.
  void Request() noexcept;

  /// Stops the thread and closes the connection. Idempotent.
  void Stop();

  /// Checkpoints completed since Start.
  std::uint64_t Completed() const noexcept { return completed_.load(std::memory_order_relaxed); }

 private:
  Checkpointer() = default;

  void Run();
  static int OnCommit(void* self, sqlite3* db, const char* name, int log_pages) noexcept;

  Connection connection_;  // used by the checkpoint thread only
  std::thread thread_;

  std::mutex mutex_;  // guards requested_ and stopping_
  std::condition_variable wake_;
  bool requested_ = false;
  bool stopping_ = false;
  std::mutex stop_mutex_;

  std::atomic<std::uint64_t> completed_{0};
};

}  // namespace hello::storage::sqlite
