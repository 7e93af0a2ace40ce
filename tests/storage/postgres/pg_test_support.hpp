#pragma once
// Helpers for the PostgreSQL tests: a blocking admin connection to the test cluster, a fresh
// database per test, and running adapter coroutines from a test body.

#include <libpq-fe.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hello::testing::postgres {

/// The cluster the ctest fixture started: HELLO_TEST_POSTGRES_URL, by default
/// postgres://postgres@127.0.0.1:25432/postgres.
std::string ClusterUrl();

/// `url` with its database name replaced by `database` (query parameters kept).
std::string WithDatabase(const std::string& url, const std::string& database);

/// `url` with `parameter` appended to its query string.
std::string WithParameter(const std::string& url, const std::string& parameter);

/// The folder of a cluster started by pg-cluster.sh, read from its state file.
std::string ClusterDir(const std::string& state_file);

/// A blocking libpq connection for test set-up and inspection. Throws on any failure.
class AdminConnection {
 public:
  explicit AdminConnection(const std::string& url);
  ~AdminConnection();
  AdminConnection(const AdminConnection&) = delete;
  AdminConnection& operator=(const AdminConnection&) = delete;

  void Exec(const std::string& sql);
  /// The first column of the first row, or std::nullopt when there is no row (or it is NULL).
  std::optional<std::string> Scalar(const std::string& sql);
  long long Count(const std::string& sql);

 private:
  PGconn* conn_ = nullptr;
};

/// A database of its own for one test, dropped (with its sessions) when the test ends.
class TestDatabase {
 public:
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& Name() const { return name_; }
  const std::string& Url() const { return url_; }
  AdminConnection& Admin();

  /// Server sessions the adapter opened on this database (application_name hello-birthday).
  long long AdapterSessions();

 private:
  std::string name_;
  std::string url_;
  std::optional<AdminConnection> admin_;
};

/// An event loop on `threads` threads, like the server's I/O threads.
class EventLoop {
 public:
  explicit EventLoop(int threads = 2);
  ~EventLoop();

  boost::asio::io_context& Context() { return io_; }
  boost::asio::any_io_executor Executor() { return io_.get_executor(); }

  /// Runs `task` on the loop and waits for its result; throws if it takes over `timeout`.
  template <typename T>
  T Run(boost::asio::awaitable<T> task,
        std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto promise = std::make_shared<std::promise<T>>();
    auto future = promise->get_future();
    boost::asio::co_spawn(
        io_,
        [promise, task = std::move(task)]() mutable -> boost::asio::awaitable<void> {
          try {
            promise->set_value(co_await std::move(task));
          } catch (...) {
            promise->set_exception(std::current_exception());
          }
        },
        boost::asio::detached);
    if (future.wait_for(timeout) != std::future_status::ready) {
      throw std::runtime_error("coroutine did not finish in time");
    }
    return future.get();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

/// Milliseconds elapsed since `start`.
long long ElapsedMs(std::chrono::steady_clock::time_point start);

}  // namespace hello::testing::postgres
