// In-process tests of the server's connection handling with a scripted RequestHandler: what
// the real API cannot stage on demand (a request stuck in its handler, a handler that throws).

#include "http/session.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include "http/server.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "support/http_client.hpp"

namespace hello::http {
namespace {

namespace asio = boost::asio;
using hello::testing::HttpConnection;
using namespace std::chrono_literals;

// /slow waits 300 ms (or until the server stops the loop), /stuck 30 s, /throw throws,
// anything else answers 200 at once.
class ScriptedHandler final : public RequestHandler {
 public:
  asio::awaitable<Response> Handle(const Request& request, RequestContext& context) override {
    context.route = "/scripted";
    const auto target = request.target();
    if (target == "/throw") {
      throw std::runtime_error("scripted failure");
    }
    if (target == "/slow" || target == "/stuck") {
      asio::steady_timer timer(co_await asio::this_coro::executor, target == "/slow" ? 300ms : 30s);
      co_await timer.async_wait(asio::use_awaitable);
    }
    Response response{boost::beast::http::status::ok, request.version()};
    response.body() = "done";
    co_return response;
  }
};

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    observability::InitLogging(observability::LogLevel::kWarn, observability::LogFormat::kJson);
  }

  void SetUp() override {
    config_.listen_host = "127.0.0.1";
    config_.listen_port = 0;
    server_ = std::make_unique<Server>(io_context_, config_, handler_, metrics_, state_);
    const auto endpoint = server_->Listen();
    ASSERT_TRUE(endpoint.has_value()) << endpoint.error();
    port_ = endpoint->port();
    server_->Start();
    thread_ = std::thread([this] { io_context_.run(); });
  }

  void TearDown() override {
    io_context_.stop();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  // Runs Shutdown() and WaitForConnections() on the loop and returns the latter's result.
  bool ShutdownAndWait(std::chrono::milliseconds timeout) {
    std::promise<bool> drained;
    asio::co_spawn(
        io_context_,
        [&]() -> asio::awaitable<void> {
          server_->Shutdown();
          drained.set_value(co_await server_->WaitForConnections(timeout));
        },
        asio::detached);
    return drained.get_future().get();
  }

  config::ServerConfig config_;
  asio::io_context io_context_{1};
  ScriptedHandler handler_;
  observability::Metrics metrics_;
  ServiceState state_;
  std::unique_ptr<Server> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(SessionTest, HandlerExceptionBecomesA500AndTheConnectionGoesOn) {
  HttpConnection connection(port_);
  const auto failed = connection.Request("GET", "/throw");
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->Header("content-type"), "application/problem+json");
  const auto next = connection.Request("GET", "/fast");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
}

TEST_F(SessionTest, ShutdownClosesIdleConnectionsAndFinishesBusyOnes) {
  HttpConnection idle(port_);
  ASSERT_TRUE(idle.Request("GET", "/fast").has_value());
  HttpConnection busy(port_);
  busy.SendRaw("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(50ms);

  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(ShutdownAndWait(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(idle.WaitForClose(1s));
  const auto response = busy.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(busy.WaitForClose(1s));
  EXPECT_EQ(server_->OpenConnections(), 0u);
}

TEST_F(SessionTest, ShutdownRefusesNewConnections) {
  EXPECT_TRUE(ShutdownAndWait(1s));
  HttpConnection late(port_);
  EXPECT_FALSE(late.Request("GET", "/fast").has_value());
}

TEST_F(SessionTest, CloseAllCountsRequestsCutOffInTheirHandler) {
  HttpConnection stuck(port_);
  stuck.SendRaw("GET /stuck HTTP/1.1\r\nHost: t\r\n\r\n");
  HttpConnection receiving(port_);
  receiving.SendRaw("GET /fast HTTP/1.1\r\nHost: t\r\n");  // header not finished
  std::this_thread::sleep_for(100ms);

  EXPECT_FALSE(ShutdownAndWait(200ms));
  EXPECT_EQ(server_->CloseAll(), 1u);
  EXPECT_TRUE(stuck.WaitForClose(1s));
  EXPECT_TRUE(receiving.WaitForClose(1s));
}

TEST_F(SessionTest, DrainingAsksClientsToReconnect) {
  HttpConnection connection(port_);
  state_.StartDraining();
  const auto response = connection.Request("GET", "/fast");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(connection.WaitForClose(1s));
}

}  // namespace
}  // namespace hello::http
