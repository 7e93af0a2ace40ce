// The DynamoDB call and its retry policy against a scripted loopback server: throttling and
// 5xx answers are retried with backoff within the deadline, other errors are not, and the
// outcome maps to the storage error kinds. dynalite cannot throttle or fail on demand.

#include "storage/dynamodb/dynamodb_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "dynamodb_test_support.hpp"
#include "loopback_http_server.hpp"
#include "storage/dynamodb/credentials_provider.hpp"
#include "storage/dynamodb/curl_transport.hpp"

namespace hello::storage::dynamodb {
namespace {

using namespace std::chrono_literals;
using hello::testing::CannedResponse;
using hello::testing::CapturedRequest;
using hello::testing::LoopbackHttpServer;
using hello::testing::RunSync;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

CannedResponse AwsError(int status, const std::string& type) {
  return CannedResponse{status, R"({"__type":"com.amazonaws.dynamodb.v20120810#)" + type +
                                    R"(","message":"the request mentioned zoë"})"};
}

// Answers the scripted responses in order, then repeats the last one.
LoopbackHttpServer::Handler Script(std::vector<CannedResponse> responses) {
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  return [responses = std::move(responses), next](const CapturedRequest&) {
    const std::size_t index = std::min((*next)++, responses.size() - 1);
    return responses[index];
  };
}

std::unique_ptr<DynamoDbClient> ClientFor(std::uint16_t port, RetryPolicy policy,
                                          AwsCredentials keys = {"AKIDTEST", "testsecret", ""}) {
  DynamoDbSettings settings{"users", "eu-west-1", "http://127.0.0.1:" + std::to_string(port)};
  auto transport = std::make_shared<CurlTransport>(CurlTransport::Options{});
  CredentialsSource source;
  source.keys = std::move(keys);
  auto credentials = std::make_shared<CredentialsProvider>(source, transport, 1000ms);
  return std::make_unique<DynamoDbClient>(settings, transport, credentials, policy);
}

RetryPolicy Policy(std::chrono::milliseconds deadline, int attempts = 10) {
  RetryPolicy policy;
  policy.deadline = deadline;
  policy.max_attempts = attempts;
  policy.base_delay = 10ms;
  policy.max_delay = 100ms;
  return policy;
}

// N of "... failed after N attempt(s): ...".
int AttemptsIn(const std::string& message) {
  const std::size_t at = message.find("after ");
  return at == std::string::npos ? 0 : std::atoi(message.c_str() + at + 6);
}

const json::object kGetRequest{{"TableName", "users"},
                               {"Key", json::object{{"pk", json::object{{"S", "zoë"}}}}}};

TEST(FullJitterDelay, StaysWithinTheDoublingCeilingAndVaries) {
  RetryPolicy policy;
  policy.base_delay = 25ms;
  policy.max_delay = 1000ms;
  std::mt19937_64 random(42);
  for (int retry = 0; retry < 40; ++retry) {
    const auto ceiling = std::min<std::chrono::milliseconds>(
        1000ms, std::chrono::milliseconds(25LL << std::min(retry, 30)));
    std::set<std::int64_t> seen;
    std::chrono::milliseconds largest{0};
    for (int sample = 0; sample < 400; ++sample) {
      const auto delay = FullJitterDelay(retry, policy, random);
      ASSERT_GE(delay.count(), 0);
      ASSERT_LE(delay, ceiling) << "retry " << retry;
      seen.insert(delay.count());
      largest = std::max(largest, delay);
    }
    EXPECT_GT(seen.size(), 10u) << "retry " << retry;  // jittered, not a fixed pause
    EXPECT_GE(largest, ceiling * 8 / 10) << "retry " << retry;
  }
}

TEST(AwsErrorType, TakesTheNameAfterTheHash) {
  EXPECT_EQ(AwsErrorType(R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException"})"),
            "ThrottlingException");
  EXPECT_EQ(AwsErrorType(R"({"__type":"ValidationException","message":"x"})"),
            "ValidationException");
  EXPECT_EQ(AwsErrorType("<html>bad gateway</html>"), "");
  EXPECT_EQ(AwsErrorType(R"({"message":"x"})"), "");
}

TEST(IsThrottlingError, KnowsDynamoDbsThrottlingErrors) {
  for (const char* type :
       {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}) {
    EXPECT_TRUE(IsThrottlingError(type)) << type;
  }
  for (const char* type : {"ValidationException", "ResourceNotFoundException", ""}) {
    EXPECT_FALSE(IsThrottlingError(type)) << type;
  }
}

TEST(DynamoDbClient, SendsTheOperationAsATargetOfTheJsonProtocol) {
  LoopbackHttpServer server(Script({CannedResponse{200, R"({"Item":{}})"}}));
  auto client = ClientFor(server.Port(), Policy(1000ms), {"AKIDTEST", "testsecret", "session-1"});

  auto answer = RunSync(client->Call("GetItem", kGetRequest));

  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_TRUE(answer->contains("Item"));
  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/");
  EXPECT_EQ(requests[0].Header("x-amz-target"), "DynamoDB_20120810.GetItem");
  EXPECT_EQ(requests[0].Header("content-type"), "application/x-amz-json-1.0");
  EXPECT_EQ(requests[0].Header("x-amz-security-token"), "session-1");
  EXPECT_EQ(json::parse(requests[0].body), json::value(kGetRequest));
  EXPECT_EQ(requests[0].Header("authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/", 0),
            0u);
}

TEST(DynamoDbClient, RetriesThrottlingAndServerErrorsUntilAnAnswer) {
  LoopbackHttpServer server(Script(
      {AwsError(400, "ProvisionedThroughputExceededException"),
       AwsError(400, "ThrottlingException"), AwsError(400, "RequestLimitExceeded"),
       AwsError(500, "InternalServerError"),
       CannedResponse{503, "Service Unavailable", "text/plain"}, CannedResponse{200, "{}"}}));
  auto client = ClientFor(server.Port(), Policy(5000ms));

  auto answer = RunSync(client->Call("GetItem", kGetRequest));

  ASSERT_TRUE(answer) << answer.error().message;
  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 6u);
  for (const auto& request : requests) {
    EXPECT_EQ(request.body, requests[0].body);
  }
}

TEST(DynamoDbClient, DoesNotRetryRequestsDynamoDbRejects) {
  for (const char* type : {"ValidationException", "ResourceNotFoundException",
                           "AccessDeniedException", "ConditionalCheckFailedException"}) {
    LoopbackHttpServer server(Script({AwsError(400, type), CannedResponse{200, "{}"}}));
    auto client = ClientFor(server.Port(), Policy(5000ms));

    auto answer = RunSync(client->Call("PutItem", kGetRequest));

    ASSERT_FALSE(answer) << type;
    EXPECT_EQ(answer.error().kind, StorageError::Kind::kInternal) << type;
    EXPECT_EQ(answer.error().aws_type, type);
    EXPECT_EQ(answer.error().message,
              std::string("dynamodb PutItem rejected: ") + type + " (HTTP 400)");
    EXPECT_EQ(server.Requests().size(), 1u) << type;
  }
}

TEST(DynamoDbClient, GivesUpOnPersistentThrottlingAtTheDeadline) {
  LoopbackHttpServer server(Script({AwsError(400, "ProvisionedThroughputExceededException")}));
  auto client = ClientFor(server.Port(), Policy(400ms, 1000));

  const auto started = Clock::now();
  auto answer = RunSync(client->Call("GetItem", kGetRequest));
  const auto elapsed = Clock::now() - started;

  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().kind, StorageError::Kind::kUnavailable);
  EXPECT_NE(answer.error().message.find("ProvisionedThroughputExceededException"),
            std::string::npos);
  EXPECT_EQ(answer.error().message.find("zoë"), std::string::npos);
  EXPECT_GE(server.Requests().size(), 3u);
  EXPECT_LE(elapsed, 400ms + 250ms);
}

TEST(DynamoDbClient, StopsAfterTheMostAttempts) {
  LoopbackHttpServer server(Script({AwsError(500, "InternalServerError")}));
  auto client = ClientFor(server.Port(), Policy(10000ms, 4));

  auto answer = RunSync(client->Call("DeleteItem", kGetRequest));

  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().kind, StorageError::Kind::kUnavailable);
  EXPECT_NE(answer.error().message.find("after 4 attempt(s)"), std::string::npos)
      << answer.error().message;
  EXPECT_EQ(server.Requests().size(), 4u);
}

TEST(DynamoDbClient, SilentServerIsATimeoutAtTheDeadline) {
  LoopbackHttpServer server([](const CapturedRequest&) {
    CannedResponse response;
    response.hang = true;
    return response;
  });
  auto client = ClientFor(server.Port(), Policy(400ms));

  const auto started = Clock::now();
  auto answer = RunSync(client->Call("GetItem", kGetRequest));
  const auto elapsed = Clock::now() - started;

  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().kind, StorageError::Kind::kTimeout) << answer.error().message;
  EXPECT_GE(elapsed, 390ms);
  EXPECT_LE(elapsed, 400ms + 250ms);
}

TEST(DynamoDbClient, RetriesRefusedConnectionsThenReportsUnavailable) {
  std::uint16_t port;
  {
    LoopbackHttpServer closed([](const CapturedRequest&) { return CannedResponse{}; });
    port = closed.Port();
  }
  auto client = ClientFor(port, Policy(300ms));

  const auto started = Clock::now();
  auto answer = RunSync(client->Call("GetItem", kGetRequest));
  const auto elapsed = Clock::now() - started;

  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().kind, StorageError::Kind::kUnavailable) << answer.error().message;
  EXPECT_GE(AttemptsIn(answer.error().message), 2) << answer.error().message;
  EXPECT_LE(elapsed, 300ms + 250ms);
}

TEST(DynamoDbClient, ExpiredKeysAreReplacedAndTheCallRepeatedAtOnce) {
  std::atomic<int> fetches{0};
  LoopbackHttpServer ecs([&](const CapturedRequest&) {
    const std::string n = std::to_string(++fetches);
    return CannedResponse{200,
                          R"({"AccessKeyId":"AKID)" + n + R"(","SecretAccessKey":"s)" + n +
                              R"(","Token":"token)" + n +
                              R"(","Expiration":"2100-01-01T00:00:00Z"})",
                          "application/json"};
  });
  LoopbackHttpServer dynamodb(
      Script({AwsError(400, "ExpiredTokenException"), CannedResponse{200, "{}"}}));
  DynamoDbSettings settings{"users", "eu-west-1",
                            "http://127.0.0.1:" + std::to_string(dynamodb.Port())};
  auto transport = std::make_shared<CurlTransport>(CurlTransport::Options{});
  CredentialsSource source;
  source.kind = CredentialsSource::Kind::kContainer;
  source.container_url = "http://127.0.0.1:" + std::to_string(ecs.Port()) + "/";
  auto credentials = std::make_shared<CredentialsProvider>(source, transport, 1000ms);
  DynamoDbClient client(settings, transport, credentials, Policy(2000ms));

  auto answer = RunSync(client.Call("GetItem", kGetRequest));

  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(fetches.load(), 2);
  const auto requests = dynamodb.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(requests[0].Header("authorization").find("Credential=AKID1/"), std::string::npos);
  EXPECT_EQ(requests[0].Header("x-amz-security-token"), "token1");
  EXPECT_NE(requests[1].Header("authorization").find("Credential=AKID2/"), std::string::npos);
  EXPECT_EQ(requests[1].Header("x-amz-security-token"), "token2");
}

TEST(DynamoDbClient, AnAnswerThatIsNotJsonIsAnInternalError) {
  LoopbackHttpServer server(Script({CannedResponse{200, "not json"}}));
  auto client = ClientFor(server.Port(), Policy(1000ms));

  auto answer = RunSync(client->Call("GetItem", kGetRequest));

  ASSERT_FALSE(answer);
  EXPECT_EQ(answer.error().kind, StorageError::Kind::kInternal);
}

}  // namespace
}  // namespace hello::storage::dynamodb
