#pragma once
// The versioned SQLite schema: an ordered list of migrations, applied at start-up in one
// transaction, with the version kept in the database header (PRAGMA user_version).

#include <span>
#include <string>

#include "common/expected.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace hello::storage::sqlite {

/// One step of the schema; `version` is the user_version the database has after it.
struct Migration {
  int version;
  const char* sql;
};

/// Every migration, oldest first; versions are 1, 2, 3, ... with no gaps.
std::span<const Migration> Migrations() noexcept;

/// The version a fully migrated database has.
int LatestSchemaVersion() noexcept;

/// Brings the database to LatestSchemaVersion() inside one BEGIN IMMEDIATE transaction, so
/// that concurrent starters apply each step once. Returns the version found before migrating.
/// Fails, changing nothing, when the database is newer than this build knows.
Expected<int, std::string> ApplyMigrations(Connection& connection);

/// Reads PRAGMA user_version.
Expected<int, std::string> ReadSchemaVersion(Connection& connection);

}  // namespace hello::storage::sqlite
