#pragma once
// The UserStore adapter for an embedded SQLite 3 database: one writer thread with group
// commit for durable writes, a pool of reader threads, a versioned schema.

#include <memory>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "storage/sqlite/sqlite_checkpointer.hpp"
#include "storage/sqlite/sqlite_database.hpp"
#include "storage/sqlite/sqlite_reader_pool.hpp"
#include "storage/sqlite/sqlite_writer.hpp"
#include "storage/store_options.hpp"
#include "storage/user_store.hpp"

namespace hello::storage::sqlite {

class SqliteStore final : public UserStore {
 public:
  /// Opens the `sqlite:<path>` database of `options`: creates its folder and file when
  /// missing, enables WAL and synchronous=FULL, applies the schema migrations, then starts one
  /// writer thread and `options.pool_size` reader threads. The error is one line naming the
  /// file and the cause. Log checkpoints run on one more thread.
  static Expected<std::unique_ptr<SqliteStore>, std::string> Open(const StoreOptions& options);

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  ~SqliteStore() override;  // Closes.

  std::string_view Backend() const noexcept override { return "sqlite"; }
  boost::asio::awaitable<StorageResult<void>> Put(UserRecord record) override;
  boost::asio::awaitable<StorageResult<std::optional<UserRecord>>> Get(std::string key) override;
  boost::asio::awaitable<StorageResult<void>> Remove(std::string key) override;
  boost::asio::awaitable<StorageResult<void>> CheckReady() override;

  /// Commits the queued writes and completes their callers, runs the queued reads, then
  /// closes every connection. Idempotent; afterwards every call fails with kUnavailable.
  void Close() override;

  /// Committed transactions and the writes they carried, since Open.
  WriteStats GetWriteStats() const noexcept { return writer_->Stats(); }

  /// Background checkpoints of the write-ahead log completed since Open.
  std::uint64_t GetCheckpointCount() const noexcept { return checkpointer_->Completed(); }

  /// The settings of every connection as SQLite reported them: the writer's first.
  std::vector<ConnectionSettings> GetConnectionSettings() const;

 private:
  SqliteStore(std::unique_ptr<Checkpointer> checkpointer, std::unique_ptr<Writer> writer,
              std::unique_ptr<ReaderPool> readers)
      : checkpointer_(std::move(checkpointer)),
        writer_(std::move(writer)),
        readers_(std::move(readers)) {}

  std::unique_ptr<Checkpointer> checkpointer_;  // declared first: the writer uses it
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<ReaderPool> readers_;
};

/// Applies the schema migrations to the `sqlite:<path>` database of `options` and returns
/// (the `migrate` command). Creates the folder and the file when missing.
Expected<void, std::string> MigrateSqlite(const StoreOptions& options);

}  // namespace hello::storage::sqlite
