// Several real server processes on different loopback ports sharing one PostgreSQL database:
// writes seen at once everywhere, concurrent writes spread over instances, and ten instances
// starting together against an empty database.

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <thread>

#include "pg_test_support.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace hello::testing::postgres {
namespace {

using namespace std::chrono_literals;

const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"}};

std::unique_ptr<ServerProcess> StartServer(const std::string& database_url) {
  ServerOptions options;
  options.env["HELLO_DATABASE_URL"] = database_url;
  options.env["HELLO_DB_POOL_SIZE"] = "4";
  options.env["HELLO_IO_THREADS"] = "1";
  options.start_timeout = 20s;
  return std::make_unique<ServerProcess>(std::move(options));
}

int Status(const std::optional<HttpResponse>& response) { return response ? response->status : 0; }

std::string Message(const std::optional<HttpResponse>& response) {
  return response ? response->body : "(no response)";
}

// A name of letters only, distinct for each index.
std::string NameFor(int index) {
  std::string name = "user";
  do {
    name += static_cast<char>('a' + index % 26);
    index /= 26;
  } while (index > 0);
  return name;
}

bool WaitReady(std::uint16_t port, std::chrono::milliseconds timeout) {
  for (auto end = std::chrono::steady_clock::now() + timeout;
       std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(50ms)) {
    if (Status(HttpRequest(port, "GET", "/readyz")) == 200) {
      return true;
    }
  }
  return false;
}

TEST(PostgresInstances, WriteThroughOneIsSeenAtOnceThroughTheOthers) {
  TestDatabase db;
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int i = 0; i < 3; ++i) {
    servers.push_back(StartServer(db.Url()));
  }
  auto port = [&](int i) { return servers[i]->Port(); };
  ASSERT_NE(port(0), port(1));
  ASSERT_NE(port(1), port(2));

  auto put = HttpRequest(port(0), "PUT", "/hello/Alice", R"({"dateOfBirth":"1990-05-17"})", kJson);
  ASSERT_EQ(Status(put), 204) << Message(put);
  for (int i : {1, 2}) {
    auto got = HttpRequest(port(i), "GET", "/hello/alice");
    ASSERT_EQ(Status(got), 200) << Message(got);
    EXPECT_NE(got->body.find("Hello, Alice!"), std::string::npos) << got->body;
  }

  // The latest spelling, written through another instance, is what everyone greets.
  put = HttpRequest(port(2), "PUT", "/hello/ALICE", R"({"dateOfBirth":"1990-05-17"})", kJson);
  ASSERT_EQ(Status(put), 204) << Message(put);
  auto got = HttpRequest(port(0), "GET", "/hello/Alice");
  ASSERT_EQ(Status(got), 200);
  EXPECT_NE(got->body.find("Hello, ALICE!"), std::string::npos) << got->body;

  ASSERT_EQ(Status(HttpRequest(port(1), "DELETE", "/hello/alice")), 204);
  EXPECT_EQ(Status(HttpRequest(port(0), "GET", "/hello/alice")), 404);
  EXPECT_EQ(Status(HttpRequest(port(2), "GET", "/hello/alice")), 404);
}

TEST(PostgresInstances, ExportsConnectionPoolMetrics) {
  TestDatabase db;
  auto server = StartServer(db.Url());
  ASSERT_EQ(Status(HttpRequest(server->Port(), "GET", "/hello/Nobody")), 404);
  const auto metrics = HttpRequest(server->Port(), "GET", "/metrics");
  ASSERT_EQ(Status(metrics), 200);
  for (const char* family : {"db_pool_connections{", "db_pool_waiting", "db_pool_errors_total"}) {
    EXPECT_NE(metrics->body.find(family), std::string::npos) << family;
  }
}

TEST(PostgresInstances, HundredConcurrentPutsOverThreeInstancesLoseNothing) {
  TestDatabase db;
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int i = 0; i < 3; ++i) {
    servers.push_back(StartServer(db.Url()));
  }

  constexpr int kPuts = 100;
  std::latch start(kPuts);
  std::vector<int> statuses(kPuts);
  std::vector<std::thread> clients;
  for (int i = 0; i < kPuts; ++i) {
    clients.emplace_back([&, i] {
      start.arrive_and_wait();
      auto put = HttpRequest(servers[i % 3]->Port(), "PUT", "/hello/" + NameFor(i),
                             R"({"dateOfBirth":"1980-02-29"})", kJson);
      statuses[i] = Status(put);
    });
  }
  for (auto& client : clients) {
    client.join();
  }
  for (int i = 0; i < kPuts; ++i) {
    EXPECT_EQ(statuses[i], 204) << NameFor(i);
  }

  // Every write is readable through an instance other than the one that took it.
  for (int i = 0; i < kPuts; ++i) {
    auto got = HttpRequest(servers[(i + 1) % 3]->Port(), "GET", "/hello/" + NameFor(i));
    EXPECT_EQ(Status(got), 200) << NameFor(i);
  }
  EXPECT_EQ(db.Admin().Count("SELECT count(*) FROM users"), kPuts);
}

// Ten instances started at the same moment against an empty database: all become ready and
// exactly one of them applied the migrations.
TEST(PostgresInstances, TenInstancesStartingAtOnceMigrateOnce) {
  TestDatabase db;
  constexpr int kInstances = 10;
  std::vector<std::unique_ptr<ServerProcess>> servers(kInstances);
  std::vector<std::string> failures(kInstances);
  std::latch start(kInstances);
  std::latch started(kInstances);
  std::latch finished(1);

  // The children die with the thread that started them (parent-death signal), so each
  // launcher thread stays alive until the checks are done.
  std::vector<std::thread> launchers;
  struct JoinAtExit {
    std::latch& finished;
    std::vector<std::thread>& threads;
    ~JoinAtExit() {
      finished.count_down();
      for (auto& thread : threads) {
        thread.join();
      }
    }
  } join_at_exit{finished, launchers};
  for (int i = 0; i < kInstances; ++i) {
    launchers.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        servers[i] = StartServer(db.Url());
      } catch (const std::exception& error) {
        failures[i] = error.what();
      }
      started.count_down();
      finished.wait();
    });
  }
  started.wait();

  int applied = 0;
  for (int i = 0; i < kInstances; ++i) {
    if (!servers[i]) {
      ADD_FAILURE() << "instance " << i << ": " << failures[i];
      continue;
    }
    EXPECT_TRUE(WaitReady(servers[i]->Port(), 10s)) << servers[i]->Output();
    std::string output = servers[i]->Output();
    auto field = output.find("\"migrations_applied\":");
    if (field == std::string::npos) {
      ADD_FAILURE() << output;
      continue;
    }
    applied += std::stoi(output.substr(field + 21));
  }
  auto migrations = db.Admin().Count("SELECT count(*) FROM schema_migrations");
  EXPECT_GT(migrations, 0);
  EXPECT_EQ(applied, migrations);
  EXPECT_EQ(db.Admin().Count("SELECT count(DISTINCT version) FROM schema_migrations"), migrations);
}

}  // namespace
}  // namespace hello::testing::postgres
