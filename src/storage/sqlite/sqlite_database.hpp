#pragma once
// Thin RAII wrappers over the SQLite C API (connections and prepared statements), and the
// mapping from SQLite result codes to StorageError.

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "storage/user_store.hpp"

namespace hello::storage::sqlite {

/// "SQLITE_BUSY" for any code whose primary code is SQLITE_BUSY; "SQLITE_<n>" when unknown.
std::string_view PrimaryCodeName(int code) noexcept;

/// "SQLITE_IOERR (extended code 1034: disk I/O error)": the code and SQLite's generic text for
/// it, never the connection's message (which may quote SQL).
std::string DescribeCode(int code);

/// Maps a failed call to a StorageError: lock contention is kTimeout, I/O, space, permission
/// and open problems are kUnavailable, everything else kInternal. `what` names the operation.
StorageError ToStorageError(std::string_view what, int code);

/// One prepared statement, reset after each use so that it can be reused.
class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* statement) noexcept : statement_(statement) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  sqlite3_stmt* get() const noexcept { return statement_; }

  /// Binds UTF-8 text to the 1-based parameter; SQLite copies it.
  int BindText(int index, std::string_view text) noexcept;

  /// Steps once: SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() noexcept { return sqlite3_step(statement_); }

  /// The column as UTF-8 text ("" for NULL).
  std::string_view ColumnText(int column) const noexcept;

  /// Clears bindings and rewinds, ready for the next use.
  void Reset() noexcept;

 private:
  sqlite3_stmt* statement_ = nullptr;
};

/// One connection, used by a single thread at a time (opened with SQLITE_OPEN_NOMUTEX).
class Connection {
 public:
  /// Opens (and creates when missing) the database file with extended result codes.
  /// The error names the file and SQLite's code.
  static Expected<Connection, std::string> Open(const std::filesystem::path& path);

  Connection() = default;
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  sqlite3* get() const noexcept { return db_; }

  /// Runs statements that return no rows we need; returns the SQLite code.
  int Exec(const char* sql) noexcept;

  /// Prepares a statement meant to be kept and reused; returns the SQLite code.
  int Prepare(std::string_view sql, Statement& out) noexcept;

  /// Runs a single-row PRAGMA query and returns its first column as text.
  Expected<std::string, int> QueryText(const char* sql) noexcept;

  /// Runs a single-row query whose first column is an integer.
  Expected<int, int> QueryInt(const char* sql) noexcept;

  /// True between BEGIN and COMMIT/ROLLBACK (SQLite may roll back by itself on I/O errors).
  bool InTransaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

 private:
  explicit Connection(sqlite3* db) noexcept : db_(db) {}

  sqlite3* db_ = nullptr;
};

/// Durability settings every connection of the store must run with, read back after setting.
struct ConnectionSettings {
  std::string journal_mode;  // "wal"
  int synchronous = -1;      // 2 = FULL
  int busy_timeout_ms = -1;  // 0 when the connection uses its own busy handler
};

/// Puts the connection into WAL mode with synchronous=FULL and the busy timeout, then reads
/// the settings back and fails when SQLite did not apply them (e.g. a read-only medium).
Expected<ConnectionSettings, std::string> ApplyDurableSettings(
    Connection& connection, std::chrono::milliseconds busy_timeout);

}  // namespace hello::storage::sqlite
