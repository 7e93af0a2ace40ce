// The versioned SQLite schema and the code that applies it.

#include "storage/sqlite/sqlite_schema.hpp"

#include <array>
#include <string>

namespace hello::storage::sqlite {
namespace {

// Keys are the case-folded NFC names and compare bytewise (BINARY collation), which is what
// identity needs. WITHOUT ROWID stores each row once, in key order.
constexpr std::array<Migration, 1> kMigrations{{
    {1,
     "CREATE TABLE users ("
     " key TEXT NOT NULL PRIMARY KEY,"
     " display_name TEXT NOT NULL,"
     " date_of_birth TEXT NOT NULL CHECK (length(date_of_birth) = 10),"
     " updated_at TEXT NOT NULL"
     ") WITHOUT ROWID"},
}};

// Rolls back unless committed, so that every early return leaves the database unchanged.
class TransactionGuard {
 public:
  explicit TransactionGuard(Connection& connection) : connection_(connection) {}
  TransactionGuard(const TransactionGuard&) = delete;
  TransactionGuard& operator=(const TransactionGuard&) = delete;
  ~TransactionGuard() {
    if (connection_.InTransaction()) {
      connection_.Exec("ROLLBACK");
    }
  }

 private:
  Connection& connection_;
};

}  // namespace

std::span<const Migration> Migrations() noexcept { return kMigrations; }

int LatestSchemaVersion() noexcept { return kMigrations.back().version; }

Expected<int, std::string> ReadSchemaVersion(Connection& connection) {
  auto version = connection.QueryInt("PRAGMA user_version");
  if (!version) {
    return MakeUnexpected("cannot read the schema version: " + DescribeCode(version.error()));
  }
  return *version;
}

Expected<int, std::string> ApplyMigrations(Connection& connection) {
  // IMMEDIATE takes the write lock before reading the version, so two processes starting
  // together cannot both apply the same step.
  int code = connection.Exec("BEGIN IMMEDIATE");
  if (code != SQLITE_OK) {
    return MakeUnexpected("cannot start the schema migration: " + DescribeCode(code));
  }
  TransactionGuard guard(connection);

  // Read the version under the lock.
  auto found = ReadSchemaVersion(connection);
  if (!found) {
    return found;
  }
  const int initial_version = *found;
  if (initial_version > LatestSchemaVersion()) {
    return MakeUnexpected("the database schema is version " + std::to_string(initial_version) +
                          ", newer than the " + std::to_string(LatestSchemaVersion()) +
                          " this build supports");
  }

  // Apply the missing steps; user_version is transactional, so it moves with the tables.
  for (const Migration& migration : kMigrations) {
    if (migration.version <= initial_version) {
      continue;
    }
    code = connection.Exec(migration.sql);
    if (code != SQLITE_OK) {
      return MakeUnexpected("schema migration " + std::to_string(migration.version) +
                            " failed: " + DescribeCode(code));
    }
    const std::string set_version = "PRAGMA user_version=" + std::to_string(migration.version);
    code = connection.Exec(set_version.c_str());
    if (code != SQLITE_OK) {
      return MakeUnexpected("cannot record schema version " + std::to_string(migration.version) +
                            ": " + DescribeCode(code));
    }
  }

  // Commit; the guard rolls back if this fails.
  code = connection.Exec("COMMIT");
  if (code != SQLITE_OK) {
    return MakeUnexpected("cannot commit the schema migration: " + DescribeCode(code));
  }
  return initial_version;
}

}  // namespace hello::storage::sqlite
