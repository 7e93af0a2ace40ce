// The database fails under a steady load of GETs and PUTs against the real server: first frozen
// (it accepts connections but never answers), then stopped outright, then started again. The
// service must answer every request within its storage timeout plus a margin, with 503 and
// Retry-After while the database is away, keep /healthz at 200, and serve again by itself.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "pg_test_support.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace hello::testing::postgres {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kStorageTimeoutMs = 1000;
// What a client may wait at most: the storage bound plus HTTP handling and a loaded machine.
constexpr long long kAnswerBoundMs = 1500;

// A cluster of its own, so that stopping it disturbs no other test.
class OutageCluster {
 public:
  OutageCluster() { Run("start --port " + std::to_string(HELLO_PG_OUTAGE_PORT)); }
  ~OutageCluster() {
    // Thaw first: a frozen server cannot stop. Failures are reported, never thrown.
    Command("thaw");
    Command("stop");
  }
  std::string Url() const {
    return "postgres://postgres@127.0.0.1:" + std::to_string(HELLO_PG_OUTAGE_PORT) +
           "/postgres?sslmode=disable";
  }
  void Run(const std::string& arguments) {
    if (Command(arguments) != 0) {
      throw std::runtime_error("pg-cluster.sh " + arguments + " failed");
    }
  }

 private:
  static int Command(const std::string& arguments) {
    std::string command = std::string(HELLO_PG_CLUSTER_SCRIPT) + " " + arguments + " --state " +
                          HELLO_PG_OUTAGE_STATE_FILE + " >&2";
    return std::system(command.c_str());
  }
};

struct Sample {
  std::string phase;      // when the request was sent
  std::string end_phase;  // when its answer came
  std::string method;
  int status = 0;  // 0: no answer before the client's timeout, or the connection closed
  long long elapsed_ms = 0;
  std::string retry_after;
  std::string content_type;
};

// Clients sending GET and PUT in a loop until stopped, each request tagged with the phase the
// test is in when it starts.
class Load {
 public:
  Load(std::uint16_t port, int clients) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, port, c] { Loop(port, c); });
    }
  }
  ~Load() { Stop(); }

  void SetPhase(const std::string& phase) {
    std::lock_guard lock(mutex_);
    phase_ = phase;
  }
  void Stop() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) {
        thread.join();
      }
    }
  }
  std::vector<Sample> Samples() {
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  void Loop(std::uint16_t port, int client) {
    const std::string target =
        "/hello/loadclient" + std::string(1, static_cast<char>('a' + client));
    for (int i = 0; !stop_; ++i) {
      Sample sample;
      {
        std::lock_guard lock(mutex_);
        sample.phase = phase_;
      }
      sample.method = i % 2 == 0 ? "PUT" : "GET";
      auto start = Clock::now();
      auto response = sample.method == "PUT"
                          ? HttpRequest(port, "PUT", target, R"({"dateOfBirth":"1991-03-04"})",
                                        {{"Content-Type", "application/json"}})
                          : HttpRequest(port, "GET", target);
      sample.elapsed_ms = ElapsedMs(start);
      {
        std::lock_guard lock(mutex_);
        sample.end_phase = phase_;
      }
      if (response) {
        sample.status = response->status;
        sample.retry_after = response->Header("retry-after");
        sample.content_type = response->Header("content-type");
      }
      std::lock_guard lock(mutex_);
      samples_.push_back(sample);
    }
  }

  std::mutex mutex_;
  std::string phase_ = "healthy";
  std::vector<Sample> samples_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

int Status(std::uint16_t port, const std::string& path) {
  auto response = HttpRequest(port, "GET", path);
  return response ? response->status : 0;
}

// Polls until `path` answers `status`; returns the milliseconds it took, or -1.
long long MsUntilStatus(std::uint16_t port, const std::string& path, int status,
                        std::chrono::milliseconds timeout) {
  auto start = Clock::now();
  while (Clock::now() - start < timeout) {
    if (Status(port, path) == status) {
      return ElapsedMs(start);
    }
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

TEST(PostgresOutage, AnswersWithinTheBoundAndRecoversWithoutRestart) {
  OutageCluster cluster;
  ServerOptions options;
  options.env["HELLO_DATABASE_URL"] = cluster.Url();
  options.env["HELLO_DB_TIMEOUT_MS"] = std::to_string(kStorageTimeoutMs);
  options.env["HELLO_DB_POOL_SIZE"] = "4";
  options.env["HELLO_IO_THREADS"] = "2";
  ServerProcess server(std::move(options));
  const std::uint16_t port = server.Port();
  ASSERT_GE(MsUntilStatus(port, "/readyz", 200, 5s), 0);

  Load load(port, 4);
  std::this_thread::sleep_for(1s);

  // Frozen: connections open, nothing answers. Calls run into the storage timeout.
  load.SetPhase("freezing");
  cluster.Run("freeze");
  load.SetPhase("frozen");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(Status(port, "/healthz"), 200);
  EXPECT_GE(MsUntilStatus(port, "/readyz", 503, 5s), 0);
  std::this_thread::sleep_for(2s);
  load.SetPhase("thawing");
  cluster.Run("thaw");
  std::this_thread::sleep_for(1s);

  // Stopped: connections refused. Calls fail at once.
  load.SetPhase("stopping");
  cluster.Run("kill");
  load.SetPhase("stopped");
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(Status(port, "/healthz"), 200);
  EXPECT_GE(MsUntilStatus(port, "/readyz", 503, 5s), 0);
  std::this_thread::sleep_for(2s);

  // Back: the same process serves again within seconds.
  load.SetPhase("restarting");
  auto restart = Clock::now();
  cluster.Run("resume");
  const long long database_up_ms = ElapsedMs(restart);
  const long long serving_ms = MsUntilStatus(port, "/hello/loadclienta", 200, 10s);
  const long long service_back_ms = ElapsedMs(restart);
  load.SetPhase("recovered");
  std::this_thread::sleep_for(1s);
  load.Stop();
  EXPECT_GE(serving_ms, 0) << "the service did not serve again";
  EXPECT_LT(service_back_ms - database_up_ms, 5000);
  EXPECT_EQ(MsUntilStatus(port, "/readyz", 200, 3s) >= 0, true);
  EXPECT_TRUE(server.Running());

  // Every answer in time; only 503 (problem+json, Retry-After) besides success; none missing.
  std::map<std::string, std::map<int, int>> counts;
  std::map<std::string, long long> slowest;
  std::map<std::string, int> successes_within;  // sent and answered in the same phase
  for (const Sample& s : load.Samples()) {
    ++counts[s.phase][s.status];
    slowest[s.phase] = std::max(slowest[s.phase], s.elapsed_ms);
    EXPECT_NE(s.status, 0) << s.phase << " " << s.method << " got no answer after " << s.elapsed_ms
                           << " ms";
    EXPECT_LE(s.elapsed_ms, kAnswerBoundMs) << s.phase << " " << s.method;
    bool ok = s.status == 200 || s.status == 204;
    EXPECT_TRUE(ok || s.status == 503) << s.phase << " " << s.method << " " << s.status;
    if (s.status == 503) {
      EXPECT_EQ(s.retry_after, "1") << s.phase;
      EXPECT_NE(s.content_type.find("application/problem+json"), std::string::npos);
    }
    if (s.phase == "healthy" || s.phase == "recovered") {
      EXPECT_TRUE(ok) << s.phase << " " << s.method << " " << s.status;
    }
    if (ok && s.phase == s.end_phase) {
      ++successes_within[s.phase];
    }
  }
  // A request sent while the database was away may still succeed once it is back (a frozen
  // server that thaws in time), but none may succeed while it is away.
  for (const char* phase : {"frozen", "stopped"}) {
    EXPECT_GT(counts[phase][503], 0) << phase;
    EXPECT_EQ(successes_within[phase], 0) << phase;
  }

  // The figures, for the record.
  for (const auto& [phase, statuses] : counts) {
    std::cout << "phase " << phase << ": slowest " << slowest[phase] << " ms;";
    for (const auto& [status, count] : statuses) {
      std::cout << " " << status << " x" << count;
    }
    std::cout << "\n";
  }
  std::cout << "database up " << database_up_ms << " ms after start; service serving "
            << service_back_ms << " ms after start\n";
}

}  // namespace
}  // namespace hello::testing::postgres
