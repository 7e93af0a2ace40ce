// Tests of the store factory: dispatch on the database URL scheme.

#include "storage/store_factory.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "storage/sqlite/sqlite_database.hpp"
#include "storage/sqlite/sqlite_schema.hpp"
#include "storage/sqlite/sqlite_test_support.hpp"

namespace hello::storage {
namespace {

StoreOptions WithUrl(std::string url) {
  StoreOptions options;
  options.database_url = std::move(url);
  return options;
}

TEST(StoreFactory, OpensSqliteForTheSqliteScheme) {
  sqlite::testing::TempFolder folder;
  boost::asio::io_context io;
  auto store = OpenUserStore(WithUrl(folder.Url()), io.get_executor());
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ((*store)->Backend(), "sqlite");
  auto ready = sqlite::testing::RunTask(io, (*store)->CheckReady());
  EXPECT_TRUE(ready);
  (*store)->Close();
}

TEST(StoreFactory, SchemeMatchingIgnoresCase) {
  sqlite::testing::TempFolder folder;
  boost::asio::io_context io;
  auto store =
      OpenUserStore(WithUrl("SQLITE:" + (folder.path() / "x.db").string()), io.get_executor());
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ((*store)->Backend(), "sqlite");
}

TEST(StoreFactory, RejectsAnUnknownSchemeNamingTheAcceptedOnes) {
  boost::asio::io_context io;
  auto store = OpenUserStore(WithUrl("mysql://admin:s3cret@db.internal/app"), io.get_executor());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("\"mysql\""), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("sqlite:<path>"), std::string::npos) << store.error();
  EXPECT_EQ(store.error().find("s3cret"), std::string::npos) << store.error();
  EXPECT_EQ(store.error().find('\n'), std::string::npos);
}

TEST(StoreFactory, RejectsAUrlWithoutAScheme) {
  boost::asio::io_context io;
  for (const char* url : {"hello.db", "", ":memory:", "./data:x/hello.db"}) {
    auto store = OpenUserStore(WithUrl(url), io.get_executor());
    ASSERT_FALSE(store) << url;
    EXPECT_NE(store.error().find("sqlite:<path>"), std::string::npos) << store.error();
  }
}

TEST(StoreFactory, ReportsTheSqliteOpenError) {
  boost::asio::io_context io;
  auto store = OpenUserStore(WithUrl("sqlite:"), io.get_executor());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("no file path"), std::string::npos) << store.error();
}

TEST(StoreFactory, MigratesSqliteAndRejectsUnknownSchemes) {
  sqlite::testing::TempFolder folder;
  auto migrated = MigrateStore(WithUrl(folder.Url("m/hello.db")));
  ASSERT_TRUE(migrated) << migrated.error();
  auto connection = sqlite::Connection::Open(folder.path() / "m" / "hello.db");
  ASSERT_TRUE(connection);
  EXPECT_EQ(*sqlite::ReadSchemaVersion(*connection), sqlite::LatestSchemaVersion());

  auto unknown = MigrateStore(WithUrl("redis://localhost"));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("\"redis\""), std::string::npos) << unknown.error();
}

}  // namespace
}  // namespace hello::storage
