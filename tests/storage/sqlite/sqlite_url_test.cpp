// Tests of the sqlite:<path> URL and of the database folder creation.

#include "storage/sqlite/sqlite_url.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "storage/sqlite/sqlite_test_support.hpp"

namespace hello::storage::sqlite {
namespace {

TEST(SqliteUrl, TakesRelativeAndAbsolutePaths) {
  EXPECT_EQ(*ParseSqliteUrl("sqlite:./data/hello.db"), std::filesystem::path("./data/hello.db"));
  EXPECT_EQ(*ParseSqliteUrl("sqlite:/data/hello.db"), std::filesystem::path("/data/hello.db"));
  EXPECT_EQ(*ParseSqliteUrl("sqlite:hello.db"), std::filesystem::path("hello.db"));
}

TEST(SqliteUrl, SchemeIsCaseInsensitive) {
  EXPECT_EQ(*ParseSqliteUrl("SQLite:/x.db"), std::filesystem::path("/x.db"));
}

TEST(SqliteUrl, RejectsOtherSchemesAndMissingPaths) {
  EXPECT_FALSE(ParseSqliteUrl("postgres://localhost/db"));
  EXPECT_FALSE(ParseSqliteUrl("sqlite"));
  auto empty = ParseSqliteUrl("sqlite:");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().find("no file path"), std::string::npos) << empty.error();
}

TEST(SqliteUrl, RejectsDatabasesThatWouldNotSurviveARestartOrAreFolders) {
  EXPECT_FALSE(ParseSqliteUrl("sqlite::memory:"));
  EXPECT_FALSE(ParseSqliteUrl("sqlite:file:hello.db?mode=memory"));
  EXPECT_FALSE(ParseSqliteUrl("sqlite:./data/"));
}

TEST(SqliteUrl, CreatesTheParentFolderWhenMissing) {
  testing::TempFolder folder;
  const auto database = folder.path() / "x" / "y" / "hello.db";
  ASSERT_TRUE(EnsureParentFolder(database));
  EXPECT_TRUE(std::filesystem::is_directory(folder.path() / "x" / "y"));

  // Existing folders and bare file names need nothing.
  EXPECT_TRUE(EnsureParentFolder(database));
  EXPECT_TRUE(EnsureParentFolder("hello.db"));
}

TEST(SqliteUrl, NamesTheFolderItCannotCreate) {
  testing::TempFolder folder;
  std::ofstream(folder.path() / "file") << "x";
  auto result = EnsureParentFolder(folder.path() / "file" / "sub" / "hello.db");
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().find((folder.path() / "file" / "sub").string()), std::string::npos)
      << result.error();
}

}  // namespace
}  // namespace hello::storage::sqlite
