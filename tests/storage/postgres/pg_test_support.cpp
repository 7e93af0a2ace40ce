// Test helpers for the PostgreSQL suites: admin connection, per-test databases, event loop.

#include "pg_test_support.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

namespace hello::testing::postgres {

std::string ClusterUrl() {
  const char* url = std::getenv("HELLO_TEST_POSTGRES_URL");
  return url != nullptr && *url != '\0' ? url : "postgres://postgres@127.0.0.1:25432/postgres";
}

std::string WithDatabase(const std::string& url, const std::string& database) {
  auto authority = url.find("://") + 3;
  auto path = url.find_first_of("/?", authority);
  std::string query;
  if (path != std::string::npos) {
    auto question = url.find('?', path);
    if (question != std::string::npos) {
      query = url.substr(question);
    }
  }
  return url.substr(0, path) + "/" + database + query;
}

std::string WithParameter(const std::string& url, const std::string& parameter) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + parameter;
}

std::string ClusterDir(const std::string& state_file) {
  std::ifstream file(state_file);
  std::string dir;
  std::getline(file, dir);
  if (dir.empty()) {
    throw std::runtime_error("no cluster recorded in " + state_file);
  }
  return dir;
}

AdminConnection::AdminConnection(const std::string& url) {
  const char* keywords[] = {"dbname", "application_name", "sslmode", nullptr};
  const char* values[] = {url.c_str(), "hello-tests", "disable", nullptr};
  conn_ = PQconnectdbParams(keywords, values, 1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("admin connection failed: " + message);
  }
  // "role does not exist, skipping" and the like would only clutter the test output.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

AdminConnection::~AdminConnection() { PQfinish(conn_); }

void AdminConnection::Exec(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  std::string message = PQresultErrorMessage(result);
  PQclear(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("admin statement failed: " + message + " in: " + sql);
  }
}

std::optional<std::string> AdminConnection::Scalar(const std::string& sql) {
  PGresult* result = PQexec(conn_, sql.c_str());
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    std::string message = PQresultErrorMessage(result);
    PQclear(result);
    throw std::runtime_error("admin query failed: " + message + " in: " + sql);
  }
  std::optional<std::string> value;
  if (PQntuples(result) > 0 && PQgetisnull(result, 0, 0) == 0) {
    value = PQgetvalue(result, 0, 0);
  }
  PQclear(result);
  return value;
}

long long AdminConnection::Count(const std::string& sql) {
  auto value = Scalar(sql);
  return value ? std::stoll(*value) : 0;
}

TestDatabase::TestDatabase() {
  static std::atomic<int> counter{0};
  name_ = "hello_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  AdminConnection(ClusterUrl()).Exec("CREATE DATABASE " + name_);
  url_ = WithDatabase(ClusterUrl(), name_);
}

TestDatabase::~TestDatabase() {
  admin_.reset();
  try {
    AdminConnection(ClusterUrl()).Exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The cluster is thrown away after the run; a database left behind costs nothing.
  }
}

AdminConnection& TestDatabase::Admin() {
  if (!admin_) {
    admin_.emplace(url_);
  }
  return *admin_;
}

long long TestDatabase::AdapterSessions() {
  return Admin().Count(
      "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hello-birthday' AND "
      "datname = '" +
      name_ + "'");
}

EventLoop::EventLoop(int threads) : work_(io_.get_executor()) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
}

EventLoop::~EventLoop() {
  work_.reset();
  io_.stop();
  for (auto& thread : threads_) {
    thread.join();
  }
}

long long ElapsedMs(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace hello::testing::postgres
