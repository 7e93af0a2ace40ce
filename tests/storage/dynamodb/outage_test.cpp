// The real binary on a dynalite of the test's own, which is stopped for a few seconds and
// started again under load: requests during the outage get 503 with Retry-After within the
// storage deadline, readiness turns 503, and the service recovers without a restart.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "dynamodb_test_support.hpp"
#include "storage/store_factory.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

#ifndef HELLO_DDB_OUTAGE_PORT
#define HELLO_DDB_OUTAGE_PORT 25501
#endif
#ifndef HELLO_DDB_OUTAGE_STATE
#define HELLO_DDB_OUTAGE_STATE "/tmp/hello-dynalite-outage"
#endif

namespace hello::storage::dynamodb {
namespace {

using namespace std::chrono_literals;
using hello::testing::DynaliteProcess;
using hello::testing::DynamoDbUrl;
using hello::testing::HttpConnection;
using hello::testing::HttpRequest;
using hello::testing::ServerOptions;
using hello::testing::ServerProcess;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 1000ms;
// The deadline bounds the storage call; the HTTP round trip on loopback adds a little.
constexpr auto kSlack = 500ms;
constexpr auto kOutage = 6s;  // longer than the 5 s readiness cache, so readiness must notice
constexpr auto kRecoveryLimit = 5s;

struct Sample {
  Clock::time_point started;
  Clock::time_point finished;
  int status = 0;  // 0: no answer
  bool retry_after = false;
  bool problem_json = false;
};

class Recorder {
 public:
  void Add(Sample sample) {
    std::lock_guard lock(mutex_);
    samples_.push_back(sample);
  }
  std::vector<Sample> Samples() const {
    std::lock_guard lock(mutex_);
    return samples_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Sample> samples_;
};

Sample Timed(HttpConnection& connection, const std::string& method, const std::string& target,
             const std::string& body = "") {
  Sample sample;
  sample.started = Clock::now();
  std::map<std::string, std::string> headers;
  if (!body.empty()) {
    headers["Content-Type"] = "application/json";
  }
  auto response = connection.Request(method, target, body, headers);
  sample.finished = Clock::now();
  if (response) {
    sample.status = response->status;
    sample.retry_after = !response->Header("retry-after").empty();
    sample.problem_json = response->Header("content-type") == "application/problem+json";
  }
  return sample;
}

std::map<std::string, std::string> KeysFromEnvironment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
    if (const char* value = std::getenv(name)) {
      env[name] = value;
    }
  }
  return env;
}

TEST(DynamoDbOutage, ServiceAnswers503WithinTheDeadlineAndRecoversByItself) {
  DynaliteProcess dynalite(HELLO_DDB_OUTAGE_PORT, HELLO_DDB_OUTAGE_STATE);
  dynalite.Start();
  const std::string url = DynamoDbUrl("outage-users", dynalite.Endpoint());
  StoreOptions migrate_options;
  migrate_options.database_url = url;
  auto migrated = MigrateStore(migrate_options);
  ASSERT_TRUE(migrated) << migrated.error();

  ServerOptions options;
  options.env = KeysFromEnvironment();
  options.env["HELLO_DATABASE_URL"] = url;
  options.env["HELLO_DB_TIMEOUT_MS"] = std::to_string(kDeadline.count());
  ServerProcess server(std::move(options));
  auto stored = HttpRequest(server.Port(), "PUT", "/hello/dora", R"({"dateOfBirth":"1980-01-01"})",
                            {{"Content-Type", "application/json"}});
  ASSERT_TRUE(stored && stored->status == 204);

  // Load: four clients writing and reading, one probing readiness.
  Recorder requests;
  Recorder probes;
  std::atomic<bool> running{true};
  std::vector<std::thread> threads;
  for (const std::string name : {"alice", "bob", "carol", "dave"}) {
    threads.emplace_back([&, name] {
      auto connection = std::make_unique<HttpConnection>(server.Port());
      while (running.load()) {
        for (const Sample& sample :
             {Timed(*connection, "PUT", "/hello/" + name, R"({"dateOfBirth":"1990-05-17"})"),
              Timed(*connection, "GET", "/hello/" + name)}) {
          requests.Add(sample);
          if (sample.status == 0) {
            connection = std::make_unique<HttpConnection>(server.Port());
          }
        }
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  threads.emplace_back([&] {
    while (running.load()) {
      HttpConnection connection(server.Port());
      probes.Add(Timed(connection, "GET", "/readyz"));
      std::this_thread::sleep_for(200ms);
    }
  });

  // Healthy, then down, then up again.
  std::this_thread::sleep_for(2s);
  const auto stopping = Clock::now();
  dynalite.Stop();
  const auto down = Clock::now();
  std::this_thread::sleep_for(kOutage);
  const auto starting = Clock::now();
  dynalite.Start();
  const auto up = Clock::now();
  std::this_thread::sleep_for(kRecoveryLimit + 3s);
  running = false;
  for (auto& thread : threads) {
    thread.join();
  }

  const auto samples = requests.Samples();
  int healthy_ok = 0;
  int outage_503 = 0;
  int recovered_ok = 0;
  for (const Sample& sample : samples) {
    // Every answer is a success or a 503 problem with Retry-After, and none waits past the
    // deadline.
    ASSERT_NE(sample.status, 0) << "a request got no answer";
    EXPECT_LE(sample.finished - sample.started, kDeadline + kSlack);
    const bool success = sample.status == 200 || sample.status == 204;
    if (!success) {
      EXPECT_EQ(sample.status, 503);
      EXPECT_TRUE(sample.retry_after) << "a 503 without Retry-After";
      EXPECT_TRUE(sample.problem_json);
    }
    if (sample.finished < stopping) {
      EXPECT_TRUE(success) << "failed before the outage: " << sample.status;
      healthy_ok += success;
    } else if (sample.started > down && sample.finished < starting) {
      EXPECT_EQ(sample.status, 503) << "answered while dynalite was down";
      outage_503 += sample.status == 503;
    } else if (sample.started > up + kRecoveryLimit) {
      EXPECT_TRUE(success) << "not recovered " << kRecoveryLimit.count() << " s after restart";
      recovered_ok += success;
    }
  }
  std::chrono::steady_clock::duration slowest_503{};
  std::optional<Clock::time_point> last_failure;
  for (const Sample& sample : samples) {
    if (sample.status == 503) {
      slowest_503 = std::max(slowest_503, sample.finished - sample.started);
      last_failure = std::max(last_failure.value_or(sample.finished), sample.finished);
    }
  }
  const auto ms = [](auto duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  };
  std::cout << "requests=" << samples.size() << " healthy_ok=" << healthy_ok
            << " outage_503=" << outage_503 << " recovered_ok=" << recovered_ok
            << " slowest_503_ms=" << ms(slowest_503)
            << " last_503_after_restart_ms=" << (last_failure ? ms(*last_failure - up) : 0) << "\n";
  EXPECT_GT(healthy_ok, 10);
  EXPECT_GT(outage_503, 10);
  EXPECT_GT(recovered_ok, 10);

  // Readiness turned 503 during the outage and 200 again after it.
  const auto readiness = probes.Samples();
  bool unready_during_outage = false;
  bool ready_after = false;
  for (const Sample& probe : readiness) {
    unready_during_outage |=
        probe.started > down && probe.finished < starting && probe.status == 503;
    ready_after |= probe.started > up + kRecoveryLimit && probe.status == 200;
  }
  EXPECT_TRUE(unready_during_outage);
  EXPECT_TRUE(ready_after);

  // Data written before the outage is still there.
  auto dora = HttpRequest(server.Port(), "GET", "/hello/dora");
  ASSERT_TRUE(dora.has_value());
  EXPECT_EQ(dora->status, 200);
}

}  // namespace
}  // namespace hello::storage::dynamodb
