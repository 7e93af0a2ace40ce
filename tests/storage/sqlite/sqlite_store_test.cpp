// Tests of the SQLite adapter on real database files: the UserStore contract, durability
// settings, schema versions, start-up errors and Close.

#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_schema.hpp"
#include "storage/sqlite/sqlite_test_support.hpp"

namespace hello::storage::sqlite {
namespace {

using namespace std::chrono_literals;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using testing::OpenStore;
using testing::RawConnection;
using testing::Record;
using testing::RunTask;
using testing::TempFolder;
using testing::TryOpen;
using SqliteStoreTest = testing::StoreTest;

TEST_F(SqliteStoreTest, PutThenGetReturnsTheRecord) {
  ASSERT_TRUE(Put("alice", "Alice", year(1990) / month(4) / day(12)));

  auto found = Get("alice");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->key, "alice");
  EXPECT_EQ((*found)->display_name, "Alice");
  EXPECT_EQ((*found)->date_of_birth, year(1990) / month(4) / day(12));
  EXPECT_EQ(store_->Backend(), "sqlite");
}

TEST_F(SqliteStoreTest, GetOfAnAbsentKeyIsEmpty) {
  auto found = Get("nobody");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_FALSE(found->has_value());
}

TEST_F(SqliteStoreTest, SecondPutReplacesTheFirst) {
  ASSERT_TRUE(Put("alice", "alice", year(1990) / month(4) / day(12)));
  ASSERT_TRUE(Put("alice", "ALICE", year(2001) / month(2) / day(28)));

  auto found = Get("alice");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->display_name, "ALICE");
  EXPECT_EQ((*found)->date_of_birth, year(2001) / month(2) / day(28));
}

TEST_F(SqliteStoreTest, ConcurrentPutsToOneKeyLastSubmittedWins) {
  // Both coroutines submit before either completes; the second submitted must win.
  std::vector<bool> ok;
  for (const char* name : {"First", "Second"}) {
    boost::asio::co_spawn(
        io_,
        [this, name, &ok]() -> boost::asio::awaitable<void> {
          auto result = co_await store_->Put(Record("k", name, year(1980) / month(1) / day(1)));
          ok.push_back(result.has_value());
        },
        boost::asio::detached);
  }
  io_.run();
  ASSERT_EQ(ok, (std::vector<bool>{true, true}));

  auto found = Get("k");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->display_name, "Second");
}

TEST_F(SqliteStoreTest, RemoveDeletesAndSucceedsForAnAbsentKey) {
  ASSERT_TRUE(Put("bob", "Bob", year(1970) / month(1) / day(1)));
  ASSERT_TRUE(Put("carol", "Carol", year(1971) / month(1) / day(1)));

  ASSERT_TRUE(Remove("bob"));
  ASSERT_TRUE(Remove("bob"));
  ASSERT_TRUE(Remove("never-existed"));

  auto bob = Get("bob");
  ASSERT_TRUE(bob);
  EXPECT_FALSE(bob->has_value());
  auto carol = Get("carol");
  ASSERT_TRUE(carol);
  EXPECT_TRUE(carol->has_value());
}

TEST_F(SqliteStoreTest, UnicodeKeysRoundTripByteForByte) {
  // Keys are compared as bytes: the domain layer has already normalised and case-folded them.
  const std::vector<std::pair<std::string, std::string>> people{
      {"zo\u00eb", "Zo\u00eb"},
      {"zoe\u0308", "Zoe\u0308"},
      {"\u0430\u043d\u043d\u0430", "\u0410\u043d\u043d\u0430"},
      {"\u674e", "\u674e"},
      {"\u0142ukasz", "\u0141ukasz"},
  };
  for (const auto& [key, name] : people) {
    ASSERT_TRUE(Put(key, name, year(1985) / month(7) / day(3)));
  }
  for (const auto& [key, name] : people) {
    auto found = Get(key);
    ASSERT_TRUE(found && found->has_value()) << key;
    EXPECT_EQ((*found)->display_name, name);
  }
}

TEST_F(SqliteStoreTest, KeepsYearOneAndLeapDays) {
  ASSERT_TRUE(Put("old", "Old", year(1) / month(1) / day(1)));
  ASSERT_TRUE(Put("leap", "Leap", year(2000) / month(2) / day(29)));

  EXPECT_EQ((*Get("old"))->date_of_birth, year(1) / month(1) / day(1));
  EXPECT_EQ((*Get("leap"))->date_of_birth, year(2000) / month(2) / day(29));
}

TEST_F(SqliteStoreTest, RejectsADateTheSchemaCannotHold) {
  auto result = Put("x", "X", year(2001) / month(2) / day(29));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, StorageError::Kind::kInternal);
}

TEST_F(SqliteStoreTest, ResumesTheCallerOnItsOwnThread) {
  // The store's threads must hand results back, never run the caller's coroutine themselves.
  const std::thread::id caller = std::this_thread::get_id();
  std::vector<std::thread::id> seen;
  RunTask(io_, [&]() -> boost::asio::awaitable<int> {
    co_await store_->Put(Record("t", "T", year(1999) / month(9) / day(9)));
    seen.push_back(std::this_thread::get_id());
    co_await store_->Get("t");
    seen.push_back(std::this_thread::get_id());
    co_await store_->Remove("t");
    seen.push_back(std::this_thread::get_id());
    co_await store_->CheckReady();
    seen.push_back(std::this_thread::get_id());
    co_return 0;
  }());
  EXPECT_EQ(seen, std::vector<std::thread::id>(4, caller));
}

TEST_F(SqliteStoreTest, CheckReadySucceedsWhileOpen) {
  auto ready = RunTask(io_, store_->CheckReady());
  EXPECT_TRUE(ready) << ready.error().message;
}

TEST_F(SqliteStoreTest, ConnectionsRunInWalModeWithFullSynchronous) {
  // What every connection of the store reported after its settings were applied.
  const auto settings = store_->GetConnectionSettings();
  ASSERT_EQ(settings.size(), 3U);  // the writer and two readers
  for (const ConnectionSettings& connection : settings) {
    EXPECT_EQ(connection.journal_mode, "wal");
    EXPECT_EQ(connection.synchronous, 2);
  }
  EXPECT_EQ(settings[0].busy_timeout_ms, 0);  // the writer's own deadline-aware busy handler
  EXPECT_EQ(settings[1].busy_timeout_ms, 2000);

  // WAL is a property of the file: a fresh connection that sets nothing finds it.
  Connection raw = RawConnection(folder_.path() / "hello.db");
  auto mode = raw.QueryText("PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  EXPECT_EQ(*mode, "wal");
}

TEST_F(SqliteStoreTest, AWriteIsVisibleToOtherConnectionsWhenAcknowledged) {
  ASSERT_TRUE(Put("dora", "Dora", year(1960) / month(6) / day(6)));

  Connection raw = RawConnection(folder_.path() / "hello.db");
  auto name = raw.QueryText("SELECT display_name || ' ' || date_of_birth FROM users");
  ASSERT_TRUE(name);
  EXPECT_EQ(*name, "Dora 1960-06-06");
}

TEST_F(SqliteStoreTest, CallsAfterCloseFailUnavailable) {
  ASSERT_TRUE(Put("a", "A", year(1990) / month(1) / day(1)));
  store_->Close();
  store_->Close();  // idempotent

  auto put = Put("b", "B", year(1990) / month(1) / day(1));
  auto get = Get("a");
  auto remove = Remove("a");
  auto ready = RunTask(io_, store_->CheckReady());
  ASSERT_FALSE(put);
  ASSERT_FALSE(get);
  ASSERT_FALSE(remove);
  ASSERT_FALSE(ready);
  for (const StorageError* error : {&put.error(), &get.error(), &remove.error(), &ready.error()}) {
    EXPECT_EQ(error->kind, StorageError::Kind::kUnavailable);
    EXPECT_NE(error->message.find("closed"), std::string::npos) << error->message;
  }
}

TEST(SqliteStore, CreatesTheMissingParentFolders) {
  TempFolder folder;
  const auto nested = folder.path() / "a" / "b" / "c";
  auto store = TryOpen("sqlite:" + (nested / "hello.db").string());
  ASSERT_TRUE(store) << store.error();
  EXPECT_TRUE(std::filesystem::is_directory(nested));
  EXPECT_TRUE(std::filesystem::exists(nested / "hello.db"));
}

TEST(SqliteStore, RecordsTheSchemaVersionAndReopensAnExistingDatabase) {
  TempFolder folder;
  boost::asio::io_context io;
  {
    auto store = OpenStore(folder.Url());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(RunTask(io, store->Put(Record("eve", "Eve", year(1975) / month(5) / day(5)))));
  }

  // The version is in the file; reopening migrates nothing and keeps the data.
  Connection raw = RawConnection(folder.path() / "hello.db");
  EXPECT_EQ(*ReadSchemaVersion(raw), LatestSchemaVersion());
  auto store = OpenStore(folder.Url());
  ASSERT_NE(store, nullptr);
  auto found = RunTask(io, store->Get("eve"));
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ((*found)->display_name, "Eve");
  EXPECT_EQ(*ReadSchemaVersion(raw), LatestSchemaVersion());
}

TEST(SqliteStore, AcknowledgedPutsSurviveSigkill) {
  TempFolder folder;
  const std::string url = folder.Url();
  int acks[2];
  ASSERT_EQ(pipe(acks), 0);

  // A child process writes users and reports each acknowledgement; it is killed mid-stream.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(acks[0]);
    StoreOptions options;
    options.database_url = url;
    auto store = SqliteStore::Open(options);
    if (!store) {
      _exit(3);
    }
    boost::asio::io_context io;
    for (int i = 0; i < 8; ++i) {
      boost::asio::co_spawn(
          io,
          [&store, i, fd = acks[1]]() -> boost::asio::awaitable<void> {
            for (int n = i;; n += 8) {
              auto result = co_await (*store)->Put(
                  Record("k" + std::to_string(n), "K", year(1990) / month(1) / day(1)));
              if (!result) {
                _exit(4);
              }
              const std::string line = std::to_string(n) + "\n";
              if (write(fd, line.data(), line.size()) < 0) {
                _exit(5);
              }
            }
          },
          boost::asio::detached);
    }
    io.run();
    _exit(6);
  }
  close(acks[1]);

  // Read acknowledgements until 300 arrived, then kill the child without warning.
  std::vector<int> acknowledged;
  FILE* stream = fdopen(acks[0], "r");
  int key = 0;
  while (acknowledged.size() < 300 && std::fscanf(stream, "%d", &key) == 1) {
    acknowledged.push_back(key);
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  std::fclose(stream);
  ASSERT_EQ(acknowledged.size(), 300U) << "child exit status " << status;

  // Every acknowledged write is in the database.
  auto store = OpenStore(url);
  ASSERT_NE(store, nullptr);
  boost::asio::io_context io;
  for (int n : acknowledged) {
    auto found = RunTask(io, store->Get("k" + std::to_string(n)));
    ASSERT_TRUE(found && found->has_value()) << n;
  }
}

TEST(SqliteStore, UnopenablePathsGiveAClearError) {
  TempFolder folder;

  // The parent "folder" is a regular file.
  std::ofstream(folder.path() / "plain") << "x";
  auto under_file = TryOpen("sqlite:" + (folder.path() / "plain" / "hello.db").string());
  ASSERT_FALSE(under_file);
  EXPECT_NE(under_file.error().find("cannot create the folder"), std::string::npos)
      << under_file.error();

  // The path is a folder.
  std::filesystem::create_directory(folder.path() / "dir");
  auto folder_path = TryOpen("sqlite:" + (folder.path() / "dir").string());
  ASSERT_FALSE(folder_path);
  EXPECT_NE(folder_path.error().find("cannot open sqlite database"), std::string::npos)
      << folder_path.error();
  EXPECT_NE(folder_path.error().find("SQLITE_CANTOPEN"), std::string::npos) << folder_path.error();

  // The file is not a database.
  std::ofstream(folder.path() / "text.db") << std::string(4096, 'x');
  auto not_database = TryOpen("sqlite:" + (folder.path() / "text.db").string());
  ASSERT_FALSE(not_database);
  EXPECT_NE(not_database.error().find("SQLITE_NOTADB"), std::string::npos) << not_database.error();
  EXPECT_NE(not_database.error().find("text.db"), std::string::npos) << not_database.error();
}

TEST(SqliteStore, RefusesADatabaseFromANewerVersion) {
  TempFolder folder;
  {
    Connection raw = RawConnection(folder.path() / "hello.db");
    ASSERT_EQ(raw.Exec("PRAGMA user_version=99"), SQLITE_OK);
  }
  auto store = TryOpen(folder.Url());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("newer"), std::string::npos) << store.error();
}

TEST(SqliteStore, MigrateCreatesTheSchemaAndIsIdempotent) {
  TempFolder folder;
  StoreOptions options;
  options.database_url = folder.Url("sub/hello.db");
  ASSERT_TRUE(MigrateSqlite(options));
  ASSERT_TRUE(MigrateSqlite(options));

  Connection raw = RawConnection(folder.path() / "sub" / "hello.db");
  EXPECT_EQ(*ReadSchemaVersion(raw), LatestSchemaVersion());
  EXPECT_EQ(*raw.QueryInt("SELECT count(*) FROM sqlite_schema WHERE name = 'users'"), 1);
}

}  // namespace
}  // namespace hello::storage::sqlite
