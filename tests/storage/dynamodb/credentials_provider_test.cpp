// The credentials provider against a loopback server playing the ECS credentials endpoint:
// one fetch for many callers, the token sent, background refresh, expiry and invalidation.

#include "storage/dynamodb/credentials_provider.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "dynamodb_test_support.hpp"
#include "loopback_http_server.hpp"
#include "storage/dynamodb/curl_transport.hpp"

namespace hello::storage::dynamodb {
namespace {

using namespace std::chrono_literals;
using hello::testing::CannedResponse;
using hello::testing::CapturedRequest;
using hello::testing::LoopbackHttpServer;
using hello::testing::RunSync;

std::string Rfc3339(std::chrono::system_clock::time_point when) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
  const auto day = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{seconds - day};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return text;
}

// The ECS endpoint: hands out key "AKID<n>" for the n-th fetch, valid for `lifetime`.
class EcsEndpoint {
 public:
  explicit EcsEndpoint(std::chrono::milliseconds lifetime, std::chrono::milliseconds delay = 0ms)
      : server_([this, lifetime, delay](const CapturedRequest&) {
          const int n = ++fetches_;
          if (failing_.load()) {
            return CannedResponse{500, "{}", "application/json"};
          }
          const auto expiration = std::chrono::system_clock::now() + lifetime;
          const std::string body = R"({"AccessKeyId":"AKID)" + std::to_string(n) +
                                   R"(","SecretAccessKey":"secret)" + std::to_string(n) +
                                   R"(","Token":"token)" + std::to_string(n) +
                                   R"(","Expiration":")" + Rfc3339(expiration) + R"("})";
          return CannedResponse{200, body, "application/json", delay};
        }) {}

  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(server_.Port()) + "/creds";
  }
  int Fetches() const { return fetches_.load(); }
  void Fail() { failing_ = true; }
  std::vector<CapturedRequest> Requests() const { return server_.Requests(); }

 private:
  std::atomic<int> fetches_{0};
  std::atomic<bool> failing_{false};
  LoopbackHttpServer server_;
};

CredentialsSource ContainerSource(const std::string& url, const std::string& token) {
  CredentialsSource source;
  source.kind = CredentialsSource::Kind::kContainer;
  source.container_url = url;
  source.authorization_token = token;
  return source;
}

std::shared_ptr<CurlTransport> Transport() {
  return std::make_shared<CurlTransport>(CurlTransport::Options{});
}

TEST(CredentialsProvider, ReturnsEnvironmentKeysWithoutFetching) {
  CredentialsSource source;
  source.keys = AwsCredentials{"AKIDENV", "envsecret", ""};
  CredentialsProvider provider(source, Transport(), 1000ms);

  auto keys = RunSync(provider.Get());

  ASSERT_TRUE(keys) << keys.error();
  EXPECT_EQ(keys->access_key_id, "AKIDENV");
}

TEST(CredentialsProvider, ConcurrentCallersShareOneFetchThatSendsTheToken) {
  EcsEndpoint endpoint(1h, 200ms);
  CredentialsProvider provider(ContainerSource(endpoint.Url(), "Bearer s3cr3t"), Transport(),
                               2000ms);
  boost::asio::io_context io;
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) {
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          auto got = co_await provider.Get();
          keys.push_back(got ? got->access_key_id + "/" + got->session_token : got.error());
        },
        boost::asio::detached);
  }

  io.run();

  EXPECT_EQ(endpoint.Fetches(), 1);
  ASSERT_EQ(keys.size(), 20u);
  for (const auto& key : keys) {
    EXPECT_EQ(key, "AKID1/token1");
  }
  const auto requests = endpoint.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/creds");
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer s3cr3t");
}

TEST(CredentialsProvider, RefreshesInTheBackgroundWhileHandingOutCurrentKeys) {
  // Keys live 4 s, so they are refreshed after 2 s; the endpoint takes 300 ms to answer.
  EcsEndpoint endpoint(4000ms, 300ms);
  CredentialsProvider provider(ContainerSource(endpoint.Url(), "tok"), Transport(), 2000ms);
  ASSERT_EQ(RunSync(provider.Get())->access_key_id, "AKID1");

  std::this_thread::sleep_for(2200ms);
  // Timed inside the loop: the loop itself runs on until the background fetch is done.
  boost::asio::io_context io;
  std::optional<Expected<AwsCredentials, std::string>> during_refresh;
  std::chrono::steady_clock::duration waited{};
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        const auto started = std::chrono::steady_clock::now();
        during_refresh.emplace(co_await provider.Get());
        waited = std::chrono::steady_clock::now() - started;
      },
      boost::asio::detached);
  io.run();
  std::this_thread::sleep_for(600ms);
  auto after_refresh = RunSync(provider.Get());

  ASSERT_TRUE(during_refresh.has_value() && *during_refresh && after_refresh);
  EXPECT_EQ((*during_refresh)->access_key_id, "AKID1");
  EXPECT_LT(waited, 150ms) << "the caller waited for the background refresh";
  EXPECT_EQ(after_refresh->access_key_id, "AKID2");
  EXPECT_EQ(endpoint.Fetches(), 2);
}

TEST(CredentialsProvider, NeverHandsOutExpiredKeys) {
  EcsEndpoint endpoint(1500ms);
  CredentialsProvider provider(ContainerSource(endpoint.Url(), "tok"), Transport(), 1000ms);
  ASSERT_TRUE(RunSync(provider.Get()));
  endpoint.Fail();

  std::this_thread::sleep_for(1700ms);
  auto expired = RunSync(provider.Get());

  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().find("HTTP 500"), std::string::npos) << expired.error();
}

TEST(CredentialsProvider, RejectsKeysThatExpiredBeforeTheyArrived) {
  EcsEndpoint endpoint(-5000ms);
  CredentialsProvider provider(ContainerSource(endpoint.Url(), "tok"), Transport(), 1000ms);

  auto keys = RunSync(provider.Get());

  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().find("expired keys"), std::string::npos) << keys.error();
}

TEST(CredentialsProvider, InvalidateFetchesNewKeysAndRereadsTheTokenFile) {
  EcsEndpoint endpoint(1h);
  const auto token_file =
      std::filesystem::temp_directory_path() / ("ddb-token-" + std::to_string(::getpid()));
  std::ofstream(token_file) << "first-token\n";
  CredentialsSource source = ContainerSource(endpoint.Url(), "");
  source.authorization_token_file = token_file.string();
  CredentialsProvider provider(source, Transport(), 1000ms);

  auto first = RunSync(provider.Get());
  std::ofstream(token_file) << "second-token";
  auto cached = RunSync(provider.Get());
  provider.Invalidate("AKID-not-current");
  auto still_cached = RunSync(provider.Get());
  provider.Invalidate("AKID1");
  auto refetched = RunSync(provider.Get());
  std::filesystem::remove(token_file);

  ASSERT_TRUE(first && cached && still_cached && refetched);
  EXPECT_EQ(cached->access_key_id, "AKID1");
  EXPECT_EQ(still_cached->access_key_id, "AKID1");
  EXPECT_EQ(refetched->access_key_id, "AKID2");
  const auto requests = endpoint.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].Header("authorization"), "first-token");
  EXPECT_EQ(requests[1].Header("authorization"), "second-token");
}

TEST(CredentialsProvider, ReportsAnUnreachableEndpoint) {
  // A port that was free a moment ago: nothing listens there.
  std::uint16_t port;
  {
    LoopbackHttpServer closed([](const CapturedRequest&) { return CannedResponse{}; });
    port = closed.Port();
  }
  CredentialsProvider provider(
      ContainerSource("http://127.0.0.1:" + std::to_string(port) + "/creds", "tok"), Transport(),
      1000ms);

  auto keys = RunSync(provider.Get());

  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().find("credentials endpoint unreachable"), std::string::npos)
      << keys.error();
}

}  // namespace
}  // namespace hello::storage::dynamodb
