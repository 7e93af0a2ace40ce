// The curl transport against loopback servers: answers, keep-alive, concurrency on one thread,
// the per-host connection limit, timeouts, refused connections, and stopping mid-transfer.

#include "storage/dynamodb/curl_transport.hpp"

#include <gtest/gtest.h>
#include <netdb.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <thread>

#include "dynamodb_test_support.hpp"
#include "loopback_http_server.hpp"

namespace hello::storage::dynamodb {
namespace {

using namespace std::chrono_literals;
using hello::testing::CannedResponse;
using hello::testing::CapturedRequest;
using hello::testing::LoopbackHttpServer;
using hello::testing::RunSync;
using Clock = std::chrono::steady_clock;

std::string UrlOf(const LoopbackHttpServer& server, const std::string& path = "/") {
  return "http://127.0.0.1:" + std::to_string(server.Port()) + path;
}

HttpRequest Post(const std::string& url, std::string body) {
  HttpRequest request;
  request.method = HttpRequest::Method::kPost;
  request.url = url;
  request.body = std::move(body);
  request.headers = {"Content-Type: application/x-amz-json-1.0", "X-Test: yes"};
  return request;
}

// Runs `count` requests at once on one io_context and returns the results in completion order.
std::vector<HttpResult> RunConcurrently(CurlTransport& transport, const HttpRequest& request,
                                        int count) {
  boost::asio::io_context io;
  std::vector<HttpResult> results;
  for (int i = 0; i < count; ++i) {
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          results.push_back(co_await transport.Perform(request));
        },
        boost::asio::detached);
  }
  io.run();
  return results;
}

TEST(CurlTransport, ReturnsStatusAndBodyOfGetAndPost) {
  LoopbackHttpServer server([](const CapturedRequest& request) {
    if (request.method == "GET") {
      return CannedResponse{404, R"({"missing":true})"};
    }
    return CannedResponse{200, "echo:" + request.body};
  });
  CurlTransport transport({});

  HttpRequest get;
  get.url = UrlOf(server, "/path?q=1");
  auto got = RunSync(transport.Perform(get));
  auto posted = RunSync(transport.Perform(Post(UrlOf(server), R"({"k":"zoë"})")));

  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, 404);
  EXPECT_EQ(got->body, R"({"missing":true})");
  ASSERT_TRUE(posted) << posted.error().message;
  EXPECT_EQ(posted->status, 200);
  EXPECT_EQ(posted->body, R"(echo:{"k":"zoë"})");
  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/path?q=1");
  EXPECT_EQ(requests[1].method, "POST");
  EXPECT_EQ(requests[1].Header("x-test"), "yes");
  EXPECT_EQ(requests[1].Header("content-type"), "application/x-amz-json-1.0");
}

TEST(CurlTransport, KeepsTheConnectionAliveAcrossRequests) {
  LoopbackHttpServer server([](const CapturedRequest&) { return CannedResponse{200, "{}"}; });
  CurlTransport transport({});

  for (int i = 0; i < 20; ++i) {
    auto result = RunSync(transport.Perform(Post(UrlOf(server), "{}")));
    ASSERT_TRUE(result) << result.error().message;
  }

  EXPECT_EQ(server.Requests().size(), 20u);
  EXPECT_EQ(server.Connections(), 1u);
}

TEST(CurlTransport, RunsTransfersConcurrentlyAndResumesCallersOnTheirOwnThreads) {
  LoopbackHttpServer server([](const CapturedRequest&) {
    return CannedResponse{200, "{}", "application/json", 300ms};
  });
  CurlTransport transport(CurlTransport::Options{40, 1024 * 1024});
  boost::asio::io_context io;
  std::atomic<int> ok{0};
  std::atomic<int> foreign_thread{0};
  const auto caller_thread = std::this_thread::get_id();

  const auto started = Clock::now();
  for (int i = 0; i < 40; ++i) {
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          auto result = co_await transport.Perform(Post(UrlOf(server), "{}"));
          ok += result && result->status == 200;
          foreign_thread += std::this_thread::get_id() != caller_thread;
        },
        boost::asio::detached);
  }
  io.run();
  const auto elapsed = Clock::now() - started;

  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(foreign_thread.load(), 0);
  // 40 answers of 300 ms each: one after another they would take 12 s.
  EXPECT_LT(elapsed, 2500ms);
}

TEST(CurlTransport, OpensNoMoreConnectionsPerHostThanItsLimit) {
  LoopbackHttpServer server([](const CapturedRequest&) {
    return CannedResponse{200, "{}", "application/json", 50ms};
  });
  CurlTransport transport(CurlTransport::Options{2, 1024 * 1024});

  const auto results = RunConcurrently(transport, Post(UrlOf(server), "{}"), 12);

  ASSERT_EQ(results.size(), 12u);
  for (const auto& result : results) {
    EXPECT_TRUE(result) << result.error().message;
  }
  EXPECT_LE(server.Connections(), 2u);
}

TEST(CurlTransport, TimesOutASilentServerWithinTheTimeout) {
  LoopbackHttpServer server([](const CapturedRequest&) {
    CannedResponse response;
    response.hang = true;
    return response;
  });
  CurlTransport transport({});
  HttpRequest request = Post(UrlOf(server), "{}");
  request.timeout = 300ms;

  const auto started = Clock::now();
  auto result = RunSync(transport.Perform(request));
  const auto elapsed = Clock::now() - started;

  ASSERT_FALSE(result);
  EXPECT_TRUE(result.error().timed_out) << result.error().message;
  EXPECT_GE(elapsed, 290ms);
  EXPECT_LT(elapsed, 800ms);
}

TEST(CurlTransport, ReportsARefusedConnectionAtOnce) {
  std::uint16_t port;
  {
    LoopbackHttpServer closed([](const CapturedRequest&) { return CannedResponse{}; });
    port = closed.Port();
  }
  CurlTransport transport({});
  HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/";

  const auto started = Clock::now();
  auto result = RunSync(transport.Perform(request));

  ASSERT_FALSE(result);
  EXPECT_FALSE(result.error().timed_out);
  EXPECT_FALSE(result.error().message.empty());
  EXPECT_LT(Clock::now() - started, 500ms);
}

TEST(CurlTransport, FailsAnAnswerLargerThanTheLimit) {
  LoopbackHttpServer server([](const CapturedRequest&) {
    return CannedResponse{200, std::string(5000, 'x')};
  });
  CurlTransport transport(CurlTransport::Options{8, 4096});

  auto result = RunSync(transport.Perform(Post(UrlOf(server), "{}")));

  EXPECT_FALSE(result);
}

TEST(CurlTransport, ResolvesHostNamesWithoutBlockingItsLoop) {
  // A name from /etc/hosts goes through libcurl's threaded resolver and its wake-up pipe.
  char hostname[256] = {};
  ::gethostname(hostname, sizeof hostname - 1);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (::getaddrinfo(hostname, nullptr, &hints, &found) != 0) {
    GTEST_SKIP() << "this machine's host name (" << hostname << ") does not resolve";
  }
  const auto* address = reinterpret_cast<sockaddr_in*>(found->ai_addr);
  const bool loopback = (ntohl(address->sin_addr.s_addr) >> 24) == 127;
  ::freeaddrinfo(found);
  if (!loopback) {
    GTEST_SKIP() << "this machine's host name does not resolve to a loopback address";
  }
  LoopbackHttpServer server([](const CapturedRequest&) { return CannedResponse{200, "{}"}; });
  CurlTransport transport({});
  HttpRequest request;
  request.url = "http://" + std::string(hostname) + ":" + std::to_string(server.Port()) + "/";

  for (int round = 0; round < 3; ++round) {
    const auto results = RunConcurrently(transport, request, 5);
    for (const auto& result : results) {
      ASSERT_TRUE(result) << result.error().message;
      EXPECT_EQ(result->status, 200);
    }
  }
  EXPECT_EQ(server.Requests().size(), 15u);
}

TEST(CurlTransport, StopFailsTransfersInFlightAndLaterCalls) {
  LoopbackHttpServer server([](const CapturedRequest&) {
    CannedResponse response;
    response.hang = true;
    return response;
  });
  CurlTransport transport({});
  HttpRequest request = Post(UrlOf(server), "{}");
  request.timeout = 10000ms;

  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    transport.Stop();
  });
  const auto started = Clock::now();
  auto in_flight = RunSync(transport.Perform(request));
  const auto elapsed = Clock::now() - started;
  stopper.join();
  auto after_stop = RunSync(transport.Perform(request));

  ASSERT_FALSE(in_flight);
  EXPECT_NE(in_flight.error().message.find("stopped"), std::string::npos);
  EXPECT_LT(elapsed, 2000ms);
  ASSERT_FALSE(after_stop);
  EXPECT_NE(after_stop.error().message.find("stopped"), std::string::npos);
}

}  // namespace
}  // namespace hello::storage::dynamodb
