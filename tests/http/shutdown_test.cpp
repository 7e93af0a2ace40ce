// Graceful shutdown of the real binary: SIGTERM with requests in flight, the drain period,
// refused connections afterwards, the exit code and the shutdown timeout.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace hello::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"}};

class ShutdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 random{std::random_device{}()};
    directory_ =
        std::filesystem::temp_directory_path() / ("hello-shutdown-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
  }

  void TearDown() override { std::filesystem::remove_all(directory_); }

  ServerOptions Options(const std::map<std::string, std::string>& env) const {
    ServerOptions options;
    options.env = env;
    options.env["HELLO_DATABASE_URL"] = "sqlite:" + (directory_ / "hello.db").string();
    return options;
  }

  // Polls until `path` answers `status` on a new connection, for up to `timeout`.
  static bool EventuallyAnswers(std::uint16_t port, const std::string& path, int status,
                                std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const auto response = HttpRequest(port, "GET", path);
      if (response && response->status == status) {
        return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  std::filesystem::path directory_;
};

TEST_F(ShutdownTest, DrainsThenFinishesRequestsInFlightAndExitsZero) {
  ServerProcess server(Options({{"HELLO_DRAIN_SECONDS", "1"},
                                {"HELLO_SHUTDOWN_TIMEOUT_SECONDS", "5"},
                                {"HELLO_BODY_TIMEOUT_MS", "8000"}}));
  const auto port = server.Port();

  // An idle keep-alive connection, and a PUT whose body is only half sent.
  HttpConnection idle(port);
  ASSERT_EQ(idle.Request("GET", "/healthz")->status, 200);
  const std::string body = R"({"dateOfBirth":"1980-02-03"})";
  HttpConnection slow(port);
  slow.SendRaw(
      "PUT /hello/Inflight HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));

  // Concurrent clients keep sending during the drain; each request must get its answer.
  std::atomic<bool> stop_load{false};
  std::atomic<int> sent{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> load;
  for (int client = 0; client < 6; ++client) {
    load.emplace_back([&, client] {
      const std::string name = "Load" + std::string(1, static_cast<char>('a' + client));
      while (!stop_load) {
        ++sent;
        const auto response =
            HttpRequest(port, "PUT", "/hello/" + name, R"({"dateOfBirth":"1970-01-01"})", kJson);
        if (response && response->status == 204) {
          ++answered;
        }
      }
    });
  }
  std::this_thread::sleep_for(100ms);

  // SIGTERM: readiness fails at once, everything else goes on.
  const auto signalled = Clock::now();
  server.Signal(SIGTERM);
  EXPECT_TRUE(EventuallyAnswers(port, "/readyz", 503, 500ms));
  EXPECT_EQ(HttpRequest(port, "GET", "/healthz")->status, 200);
  EXPECT_EQ(HttpRequest(port, "PUT", "/hello/Duringdrain", R"({"dateOfBirth":"1981-04-05"})", kJson)
                ->status,
            204);
  EXPECT_FALSE(idle.WaitForClose(200ms)) << "idle connections stay usable during the drain";

  std::this_thread::sleep_for(600ms - (Clock::now() - signalled));
  stop_load = true;
  for (auto& thread : load) {
    thread.join();
  }
  EXPECT_GT(sent.load(), 10);
  EXPECT_EQ(answered.load(), sent.load());

  // After the drain period: idle connections closed, new ones refused.
  EXPECT_TRUE(idle.WaitForClose(3s));
  EXPECT_GE(Clock::now() - signalled, 1s - 50ms);
  bool refused = false;
  for (const auto deadline = Clock::now() + 2s; !refused && Clock::now() < deadline;) {
    refused = !HttpRequest(port, "GET", "/healthz").has_value();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(server.Running());

  // The request in flight completes, told that the connection closes.
  slow.SendRaw(body.substr(10));
  const auto response = slow.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 204);
  EXPECT_EQ(response->Header("connection"), "close");

  EXPECT_EQ(server.WaitForExit(5s), 0) << server.Output();
  EXPECT_LT(Clock::now() - signalled, 1s + 5s);
  const auto output = server.Output();
  for (const char* event :
       {"\"msg\":\"draining\"", "\"msg\":\"stopping\"", "\"msg\":\"stopped\""}) {
    EXPECT_NE(output.find(event), std::string::npos) << event;
  }
  EXPECT_EQ(output.find("shutdown timed out"), std::string::npos);

  // The write that finished during the shutdown is stored.
  ServerProcess restarted(Options({}));
  const auto stored = HttpRequest(restarted.Port(), "GET", "/hello/inflight");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->status, 200);
}

TEST_F(ShutdownTest, SecondSignalEndsTheDrainEarly) {
  ServerProcess server(Options({{"HELLO_DRAIN_SECONDS", "30"}}));
  server.Signal(SIGTERM);
  EXPECT_TRUE(EventuallyAnswers(server.Port(), "/readyz", 503, 1s));
  const auto second = Clock::now();
  server.Signal(SIGINT);
  EXPECT_EQ(server.WaitForExit(5s), 0) << server.Output();
  EXPECT_LT(Clock::now() - second, 3s);
}

TEST_F(ShutdownTest, ClientStillSendingIsClosedAtTheShutdownTimeout) {
  ServerProcess server(Options({{"HELLO_DRAIN_SECONDS", "0.2"},
                                {"HELLO_SHUTDOWN_TIMEOUT_SECONDS", "0.5"},
                                {"HELLO_BODY_TIMEOUT_MS", "30000"}}));
  HttpConnection stalled(server.Port());
  stalled.SendRaw(
      "PUT /hello/Stalled HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 40\r\n\r\n{");
  std::this_thread::sleep_for(100ms);

  const auto signalled = Clock::now();
  server.Signal(SIGTERM);
  EXPECT_TRUE(stalled.WaitForClose(5s));
  // Nothing the server had accepted was lost: the exit code stays 0.
  EXPECT_EQ(server.WaitForExit(5s), 0) << server.Output();
  EXPECT_LT(Clock::now() - signalled, 200ms + 500ms + 2s);
  EXPECT_NE(server.Output().find("\"msg\":\"shutdown timed out\""), std::string::npos);
}

TEST_F(ShutdownTest, SigintStopsLikeSigterm) {
  ServerProcess server(Options({{"HELLO_DRAIN_SECONDS", "0"}}));
  ASSERT_EQ(HttpRequest(server.Port(), "GET", "/healthz")->status, 200);
  server.Signal(SIGINT);
  EXPECT_EQ(server.WaitForExit(5s), 0) << server.Output();
  EXPECT_NE(server.Output().find("\"signal\":\"SIGINT\""), std::string::npos);
}

}  // namespace
}  // namespace hello::testing
