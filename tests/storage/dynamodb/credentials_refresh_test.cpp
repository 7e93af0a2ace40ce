// The real binary on DynamoDB with keys from an ECS container credentials endpoint that expire
// after a few seconds: under steady load it fetches new keys before the old ones expire, signs
// every call with unexpired keys, and no request fails.

#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "dynamodb_test_support.hpp"
#include "loopback_http_server.hpp"
#include "storage/store_factory.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace hello::storage::dynamodb {
namespace {

using namespace std::chrono_literals;
using hello::testing::CannedResponse;
using hello::testing::CapturedRequest;
using hello::testing::DynamoDbUrl;
using hello::testing::FixtureEndpoint;
using hello::testing::HttpConnection;
using hello::testing::LoopbackHttpServer;
using hello::testing::ServerOptions;
using hello::testing::ServerProcess;
using hello::testing::UniqueTableName;
using Clock = std::chrono::steady_clock;

constexpr auto kKeyLifetime = 4s;
constexpr auto kLoadDuration = 10s;

std::string RandomHex(std::size_t length) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::string text;
  for (std::size_t i = 0; i < length; ++i) {
    text.push_back("0123456789abcdef"[random() % 16]);
  }
  return text;
}

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

// Plays the ECS credentials endpoint: a new key pair and session token on every fetch.
class CredentialsEndpoint {
 public:
  struct Issued {
    std::string secret;
    std::string token;
    Clock::time_point issued_at;
    Clock::time_point expires_at;
  };

  CredentialsEndpoint()
      : server_([this](const CapturedRequest& request) { return Issue(request); }) {}

  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(server_.Port()) + "/creds";
  }
  std::map<std::string, Issued> IssuedKeys() const {
    std::lock_guard lock(mutex_);
    return issued_;
  }
  std::vector<CapturedRequest> Requests() const { return server_.Requests(); }

 private:
  CannedResponse Issue(const CapturedRequest&) {
    std::lock_guard lock(mutex_);
    const std::string key = "ASIA" + std::to_string(issued_.size() + 1) + "X" + RandomHex(8);
    // Whole seconds on the wire: expire at the start of the second, never later than stated.
    const auto expiration =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() + kKeyLifetime);
    const auto lifetime = expiration - std::chrono::system_clock::now();
    Issued issued{RandomHex(40), "IQoJ" + RandomHex(60), Clock::now(),
                  Clock::now() + std::chrono::duration_cast<Clock::duration>(lifetime)};
    issued_[key] = issued;
    return CannedResponse{200,
                          R"({"AccessKeyId":")" + key + R"(","SecretAccessKey":")" + issued.secret +
                              R"(","Token":")" + issued.token + R"(","Expiration":")" +
                              Rfc3339(expiration) + R"("})",
                          "application/json"};
  }

  mutable std::mutex mutex_;
  std::map<std::string, Issued> issued_;
  LoopbackHttpServer server_;
};

// Forwards every request to dynalite and remembers which key signed it, and when.
class RecordingProxy {
 public:
  struct Use {
    std::string key_id;
    std::string session_token;
    Clock::time_point at;
  };

  explicit RecordingProxy(std::uint16_t upstream_port)
      : upstream_port_(upstream_port),
        server_([this](const CapturedRequest& request) { return Forward(request); }) {}

  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(server_.Port()); }
  std::vector<Use> Uses() const {
    std::lock_guard lock(mutex_);
    return uses_;
  }

 private:
  CannedResponse Forward(const CapturedRequest& request) {
    const std::string authorization = request.Header("authorization");
    const std::size_t start = authorization.find("Credential=");
    const std::string key_id =
        start == std::string::npos
            ? std::string()
            : authorization.substr(start + 11, authorization.find('/', start) - start - 11);
    {
      std::lock_guard lock(mutex_);
      uses_.push_back(Use{key_id, request.Header("x-amz-security-token"), request.received_at});
    }

    std::string bytes = request.method + " " + request.target + " HTTP/1.1\r\n";
    for (const auto& [name, value] : request.header_lines) {
      bytes += name + ": " + value + "\r\n";
    }
    bytes += "\r\n" + request.body;
    // One upstream connection per proxied connection (each runs on a thread of its own).
    thread_local std::unique_ptr<HttpConnection> upstream;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!upstream) {
        upstream = std::make_unique<HttpConnection>(upstream_port_, 5000ms);
      }
      upstream->SendRaw(bytes);
      auto response = upstream->ReadResponse();
      if (response) {
        return CannedResponse{response->status, response->body, response->Header("content-type")};
      }
      upstream.reset();  // dynalite closed an idle connection: reconnect once
    }
    return CannedResponse{502, "{}", "application/json"};
  }

  std::uint16_t upstream_port_;
  mutable std::mutex mutex_;
  std::vector<Use> uses_;
  LoopbackHttpServer server_;
};

std::uint16_t PortOf(const std::string& endpoint) {
  return static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
}

TEST(CredentialsRefresh, ServiceRefreshesContainerKeysBeforeTheyExpireUnderLoad) {
  // A table of its own in the fixture's dynalite, created with the environment's keys.
  const std::string table = UniqueTableName("creds");
  StoreOptions migrate_options;
  migrate_options.database_url = DynamoDbUrl(table, FixtureEndpoint());
  auto migrated = MigrateStore(migrate_options);
  ASSERT_TRUE(migrated) << migrated.error();

  CredentialsEndpoint credentials;
  RecordingProxy proxy(PortOf(FixtureEndpoint()));
  const std::string authorization_token = "Bearer " + RandomHex(32);
  ServerOptions options;
  options.env = {{"HELLO_DATABASE_URL", DynamoDbUrl(table, proxy.Endpoint())},
                 {"HELLO_DB_TIMEOUT_MS", "2000"},
                 {"AWS_CONTAINER_CREDENTIALS_FULL_URI", credentials.Url()},
                 {"AWS_CONTAINER_AUTHORIZATION_TOKEN", authorization_token}};
  ServerProcess server(std::move(options));

  // Steady load: three clients, each writing and reading its own person.
  std::atomic<int> requests{0};
  std::atomic<int> failures{0};
  std::mutex failure_mutex;
  std::string first_failure;
  std::vector<std::thread> clients;
  const auto stop_at = Clock::now() + kLoadDuration;
  for (const std::string name : {"alice", "bob", "carol"}) {
    clients.emplace_back([&, name] {
      auto connection = std::make_unique<HttpConnection>(server.Port());
      const std::map<std::string, std::string> json = {{"Content-Type", "application/json"}};
      while (Clock::now() < stop_at) {
        auto put =
            connection->Request("PUT", "/hello/" + name, R"({"dateOfBirth":"1990-05-17"})", json);
        auto get = connection->Request("GET", "/hello/" + name);
        requests += 2;
        const bool ok = put && put->status == 204 && get && get->status == 200 &&
                        get->body.find("Hello, " + name + "!") != std::string::npos;
        if (!ok) {
          ++failures;
          std::lock_guard lock(failure_mutex);
          if (first_failure.empty()) {
            first_failure = (put ? std::to_string(put->status) + " " + put->body : "no answer") +
                            " / " + (get ? std::to_string(get->status) + " " + get->body : "-");
          }
          connection = std::make_unique<HttpConnection>(server.Port());
        }
      }
    });
  }
  for (auto& client : clients) {
    client.join();
  }

  std::cout << "requests=" << requests.load() << " failures=" << failures.load()
            << " credential_fetches=" << credentials.IssuedKeys().size()
            << " dynamodb_calls=" << proxy.Uses().size() << "\n";

  // No request failed, and the load was real.
  EXPECT_EQ(failures.load(), 0) << "first failure: " << first_failure;
  EXPECT_GE(requests.load(), 60);

  // Keys were fetched again and again, each time with the authorization token.
  const auto issued = credentials.IssuedKeys();
  EXPECT_GE(issued.size(), 3u) << "keys living 4 s over 10 s of load";
  for (const auto& fetch : credentials.Requests()) {
    EXPECT_EQ(fetch.Header("authorization"), authorization_token);
  }

  // Every DynamoDB call was signed with issued, unexpired keys and carried their token; the
  // keys in use changed, each new key before the previous one expired.
  const auto uses = proxy.Uses();
  ASSERT_FALSE(uses.empty());
  std::map<std::string, Clock::time_point> first_use;
  for (const auto& use : uses) {
    const auto key = issued.find(use.key_id);
    ASSERT_NE(key, issued.end()) << "a call was signed with unknown key " << use.key_id;
    EXPECT_LT(use.at, key->second.expires_at) << "a call used expired key " << use.key_id;
    EXPECT_EQ(use.session_token, key->second.token);
    first_use.emplace(use.key_id, use.at);
  }
  EXPECT_GE(first_use.size(), 3u);
  std::vector<std::pair<Clock::time_point, std::string>> by_issue;
  for (const auto& [key, details] : issued) {
    by_issue.emplace_back(details.issued_at, key);
  }
  std::sort(by_issue.begin(), by_issue.end());
  for (std::size_t i = 0; i + 1 < by_issue.size(); ++i) {
    const auto next = first_use.find(by_issue[i + 1].second);
    if (next == first_use.end()) {
      continue;  // fetched at the very end of the load
    }
    EXPECT_LT(next->second, issued.at(by_issue[i].second).expires_at)
        << by_issue[i + 1].second << " came into use after " << by_issue[i].second
        << " had expired";
  }

  // Secrets never reach the service's output.
  const std::string output = server.Output();
  EXPECT_EQ(output.find(authorization_token.substr(7)), std::string::npos);
  for (const auto& [key, details] : issued) {
    EXPECT_EQ(output.find(details.secret), std::string::npos);
    EXPECT_EQ(output.find(details.token), std::string::npos);
  }
}

}  // namespace
}  // namespace hello::storage::dynamodb
