#pragma once
// Helpers for the SQLite storage tests: a temporary folder removed afterwards, a way to run
// one awaitable to completion on an io_context, and a fixture holding an open store.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "storage/sqlite/sqlite_store.hpp"

namespace hello::storage::sqlite::testing {

/// A fresh folder under the system temporary folder, deleted with everything in it.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hello-sqlite-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
    }
    path_ = pattern;
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }

  /// "sqlite:<folder>/<name>".
  std::string Url(const std::string& name = "hello.db") const {
    return "sqlite:" + (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

/// Runs `task` on `io` (on this thread) until it completes and returns its value. io.run()
/// returns only when no work is outstanding, so a store that forgot to keep the caller's
/// io_context busy while a call is in flight fails here with "did not complete".
template <typename T>
T RunTask(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> result;
  boost::asio::co_spawn(
      io,
      [&result, task = std::move(task)]() mutable -> boost::asio::awaitable<void> {
        result.emplace(co_await std::move(task));
      },
      [](std::exception_ptr error) {
        if (error) {
          std::rethrow_exception(error);
        }
      });
  io.restart();
  io.run();
  if (!result) {
    throw std::runtime_error("the awaitable did not complete");
  }
  return std::move(*result);
}

/// Builds a record in a plain function: see the note on braced temporaries in sqlite_store.cpp.
inline UserRecord Record(std::string key, std::string name, std::chrono::year_month_day date) {
  return UserRecord{std::move(key), std::move(name), date};
}

/// Opens a store with two readers; a failure is reported to gtest and gives nullptr.
inline std::unique_ptr<SqliteStore> OpenStore(
    const std::string& url, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
  StoreOptions options;
  options.database_url = url;
  options.request_timeout = timeout;
  options.pool_size = 2;
  auto store = SqliteStore::Open(options);
  if (!store) {
    ADD_FAILURE() << store.error();
    return nullptr;
  }
  return std::move(*store);
}

inline Expected<std::unique_ptr<SqliteStore>, std::string> TryOpen(const std::string& url) {
  StoreOptions options;
  options.database_url = url;
  return SqliteStore::Open(options);
}

// A second connection to the same file, as another process would have.
inline Connection RawConnection(const std::filesystem::path& path) {
  auto connection = Connection::Open(path);
  EXPECT_TRUE(connection) << (connection ? "" : connection.error());
  sqlite3_busy_timeout(connection->get(), 2000);
  return std::move(*connection);
}

/// An open store on a fresh file (two readers, 2 s timeout) and an io_context to call it from.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenStore(folder_.Url());
    ASSERT_NE(store_, nullptr);
  }

  StorageResult<void> Put(std::string key, std::string name, std::chrono::year_month_day date) {
    return RunTask(io_, store_->Put(Record(std::move(key), std::move(name), date)));
  }
  StorageResult<std::optional<UserRecord>> Get(std::string key) {
    return RunTask(io_, store_->Get(std::move(key)));
  }
  StorageResult<void> Remove(std::string key) {
    return RunTask(io_, store_->Remove(std::move(key)));
  }

  TempFolder folder_;
  boost::asio::io_context io_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace hello::storage::sqlite::testing
