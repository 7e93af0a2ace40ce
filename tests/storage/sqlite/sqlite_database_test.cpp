// Tests of the SQLite wrappers: error mapping, durable settings and schema migrations.

#include "storage/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>

#include "storage/sqlite/sqlite_schema.hpp"
#include "storage/sqlite/sqlite_test_support.hpp"

namespace hello::storage::sqlite {
namespace {

using namespace std::chrono_literals;

Connection OpenFile(const std::filesystem::path& path) {
  auto connection = Connection::Open(path);
  EXPECT_TRUE(connection) << (connection ? "" : connection.error());
  return std::move(*connection);
}

TEST(SqliteErrors, MapLockContentionToTimeout) {
  EXPECT_EQ(ToStorageError("put commit", SQLITE_BUSY).kind, StorageError::Kind::kTimeout);
  EXPECT_EQ(ToStorageError("put commit", SQLITE_BUSY_SNAPSHOT).kind, StorageError::Kind::kTimeout);
  EXPECT_EQ(ToStorageError("get", SQLITE_LOCKED).kind, StorageError::Kind::kTimeout);
}

TEST(SqliteErrors, MapDiskProblemsToUnavailable) {
  EXPECT_EQ(ToStorageError("put commit", SQLITE_IOERR_FSYNC).kind,
            StorageError::Kind::kUnavailable);
  EXPECT_EQ(ToStorageError("put write", SQLITE_FULL).kind, StorageError::Kind::kUnavailable);
  EXPECT_EQ(ToStorageError("put write", SQLITE_READONLY).kind, StorageError::Kind::kUnavailable);
  EXPECT_EQ(ToStorageError("get", SQLITE_CANTOPEN).kind, StorageError::Kind::kUnavailable);
}

TEST(SqliteErrors, MapEverythingElseToInternal) {
  EXPECT_EQ(ToStorageError("get", SQLITE_CORRUPT).kind, StorageError::Kind::kInternal);
  EXPECT_EQ(ToStorageError("get", SQLITE_MISUSE).kind, StorageError::Kind::kInternal);
}

TEST(SqliteErrors, MessageNamesTheOperationAndTheCode) {
  const StorageError error = ToStorageError("put commit", SQLITE_IOERR_FSYNC);
  EXPECT_EQ(error.message,
            "sqlite put commit failed: SQLITE_IOERR (extended code 1034: disk I/O error)");
}

TEST(SqliteConnection, DurableSettingsAreAppliedAndReadBack) {
  testing::TempFolder folder;
  Connection connection = OpenFile(folder.path() / "a.db");
  auto settings = ApplyDurableSettings(connection, 1234ms);
  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->journal_mode, "wal");
  EXPECT_EQ(settings->synchronous, 2);
  EXPECT_EQ(settings->busy_timeout_ms, 1234);

  // WAL mode is recorded in the file, so another connection finds it without asking.
  Connection other = OpenFile(folder.path() / "a.db");
  EXPECT_EQ(*other.QueryText("PRAGMA journal_mode"), "wal");
}

TEST(SqliteSchema, VersionsAreConsecutiveFromOne) {
  int expected = 1;
  for (const Migration& migration : Migrations()) {
    EXPECT_EQ(migration.version, expected++);
  }
  EXPECT_EQ(LatestSchemaVersion(), expected - 1);
}

TEST(SqliteSchema, MigratesAFreshDatabaseOnceAndRecordsTheVersion) {
  testing::TempFolder folder;
  Connection connection = OpenFile(folder.path() / "a.db");
  auto first = ApplyMigrations(connection);
  ASSERT_TRUE(first) << first.error();
  EXPECT_EQ(*first, 0);
  EXPECT_EQ(*ReadSchemaVersion(connection), LatestSchemaVersion());

  // A second run finds the latest version and changes nothing.
  auto second = ApplyMigrations(connection);
  ASSERT_TRUE(second) << second.error();
  EXPECT_EQ(*second, LatestSchemaVersion());
  EXPECT_FALSE(connection.InTransaction());
}

TEST(SqliteSchema, UsersTableHasTheExpectedColumns) {
  testing::TempFolder folder;
  Connection connection = OpenFile(folder.path() / "a.db");
  ASSERT_TRUE(ApplyMigrations(connection));
  auto columns = connection.QueryText(
      "SELECT group_concat(name || ':' || type || ':' || pk, ',') FROM pragma_table_info('users')");
  ASSERT_TRUE(columns);
  EXPECT_EQ(*columns, "key:TEXT:1,display_name:TEXT:0,date_of_birth:TEXT:0,updated_at:TEXT:0");
}

TEST(SqliteSchema, ANewerDatabaseIsLeftUntouched) {
  testing::TempFolder folder;
  Connection connection = OpenFile(folder.path() / "a.db");
  ASSERT_EQ(connection.Exec("PRAGMA user_version=42"), SQLITE_OK);
  auto result = ApplyMigrations(connection);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().find("version 42"), std::string::npos) << result.error();
  EXPECT_FALSE(connection.InTransaction());
  EXPECT_EQ(*connection.QueryInt("SELECT count(*) FROM sqlite_schema"), 0);
}

}  // namespace
}  // namespace hello::storage::sqlite
