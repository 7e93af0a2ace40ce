// libcurl's SigV4 signer, which the adapter relies on and dynalite does not check: first on
// AWS's published test vectors, then on the adapter's own DynamoDB requests, captured by a
// loopback server and re-signed by an independent reference (sigv4_reference.py).

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>
#include <vector>

#include "dynamodb_test_support.hpp"
#include "loopback_http_server.hpp"
#include "storage/dynamodb/credentials_provider.hpp"
#include "storage/dynamodb/curl_transport.hpp"
#include "storage/dynamodb/dynamodb_client.hpp"

#ifndef HELLO_SIGV4_REFERENCE
#define HELLO_SIGV4_REFERENCE "sigv4_reference.py"
#endif

namespace hello::storage::dynamodb {
namespace {

using namespace std::chrono_literals;
using hello::testing::CannedResponse;
using hello::testing::CapturedRequest;
using hello::testing::LoopbackHttpServer;
using hello::testing::RunSync;
namespace json = boost::json;

// The key pair of AWS's SigV4 test suite.
constexpr const char* kVectorKeyId = "AKIDEXAMPLE";
constexpr const char* kVectorSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Authorization {
  std::string key_id, date, region, service, signed_headers, signature;
};

// Splits "AWS4-HMAC-SHA256 Credential=K/D/R/S/aws4_request, SignedHeaders=..., Signature=...".
std::optional<Authorization> ParseAuthorization(const std::string& header) {
  constexpr std::string_view kPrefix = "AWS4-HMAC-SHA256 Credential=";
  const std::size_t signed_at = header.find(", SignedHeaders=");
  const std::size_t signature_at = header.find(", Signature=");
  if (!header.starts_with(kPrefix) || signed_at == std::string::npos ||
      signature_at == std::string::npos || signature_at < signed_at) {
    return std::nullopt;
  }
  std::vector<std::string> scope;
  std::string credential = header.substr(kPrefix.size(), signed_at - kPrefix.size());
  for (std::size_t slash; (slash = credential.find('/')) != std::string::npos;) {
    scope.push_back(credential.substr(0, slash));
    credential.erase(0, slash + 1);
  }
  scope.push_back(credential);
  Authorization parsed;
  parsed.signed_headers = header.substr(signed_at + 16, signature_at - signed_at - 16);
  parsed.signature = header.substr(signature_at + 12);
  if (scope.size() != 5 || scope[4] != "aws4_request" || scope[1].size() != 8 ||
      parsed.signature.size() != 64 ||
      parsed.signature.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  parsed.key_id = scope[0];
  parsed.date = scope[1];
  parsed.region = scope[2];
  parsed.service = scope[3];
  return parsed;
}

// The signature sigv4_reference.py computes for a captured request.
std::string ReferenceSignature(const CapturedRequest& request, const std::string& signed_headers,
                               const std::string& secret, const std::string& region,
                               const std::string& service) {
  json::array headers;
  for (const auto& [name, value] : request.header_lines) {
    headers.push_back(json::array{name, value});
  }
  const std::size_t question = request.target.find('?');
  const json::object input{
      {"method", request.method},
      {"path", request.target.substr(0, question)},
      {"query", question == std::string::npos ? "" : request.target.substr(question + 1)},
      {"headers", headers},
      {"signed_headers", signed_headers},
      {"body", request.body},
      {"secret", secret},
      {"region", region},
      {"service", service}};
  const auto path =
      std::filesystem::temp_directory_path() /
      ("sigv4-" + std::to_string(::getpid()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ".json");
  std::ofstream(path) << json::serialize(input);
  const std::string command =
      "python3 '" + std::string(HELLO_SIGV4_REFERENCE) + "' '" + path.string() + "'";
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
      output += buffer;
    }
    const int status = ::pclose(pipe);
    EXPECT_EQ(status, 0) << command << " printed: " << output;
  }
  std::filesystem::remove(path);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) {
    output.pop_back();
  }
  return output;
}

std::size_t DiscardBody(char*, std::size_t size, std::size_t count, void*) { return size * count; }

// One request signed by libcurl for the host example.amazonaws.com, delivered to `server`.
void CurlSignedRequest(const LoopbackHttpServer& server, bool post) {
  CURL* curl = curl_easy_init();
  ASSERT_NE(curl, nullptr);
  const std::string connect_to =
      "example.amazonaws.com:80:127.0.0.1:" + std::to_string(server.Port());
  curl_slist* connect = curl_slist_append(nullptr, connect_to.c_str());
  // Only X-Amz-Date is set by hand: libcurl signs every header given to it, and the vectors
  // sign host and x-amz-date alone.
  curl_slist* headers = curl_slist_append(nullptr, "X-Amz-Date: 20150830T123600Z");
  curl_easy_setopt(curl, CURLOPT_URL, "http://example.amazonaws.com/");
  curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, "aws:amz:us-east-1:service");
  curl_easy_setopt(curl, CURLOPT_USERNAME, kVectorKeyId);
  curl_easy_setopt(curl, CURLOPT_PASSWORD, kVectorSecret);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &DiscardBody);
  if (post) {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "POST");  // no body, no Content-Type
  }
  const CURLcode result = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_slist_free_all(connect);
  curl_easy_cleanup(curl);
  ASSERT_EQ(result, CURLE_OK) << curl_easy_strerror(result);
}

// "20240501T120000Z" as a time point.
std::chrono::system_clock::time_point AmzDateToTime(const std::string& text) {
  const auto number = [&text](std::size_t pos, std::size_t count) {
    return std::stoi(text.substr(pos, count));
  };
  const std::chrono::year_month_day date{std::chrono::year(number(0, 4)),
                                         std::chrono::month(static_cast<unsigned>(number(4, 2))),
                                         std::chrono::day(static_cast<unsigned>(number(6, 2)))};
  return std::chrono::sys_days(date) + std::chrono::hours(number(9, 2)) +
         std::chrono::minutes(number(11, 2)) + std::chrono::seconds(number(13, 2));
}

LoopbackHttpServer::Handler AnswerEmptyObject() {
  return [](const CapturedRequest&) { return CannedResponse{200, "{}"}; };
}

TEST(SigV4, LibcurlMatchesTheAwsGetVanillaVector) {
  LoopbackHttpServer server(AnswerEmptyObject());

  CurlSignedRequest(server, false);

  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, LibcurlMatchesTheAwsPostVanillaVector) {
  LoopbackHttpServer server(AnswerEmptyObject());

  CurlSignedRequest(server, true);

  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].Header("authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4, ReferenceReproducesTheAwsVectors) {
  // The reference must be right before it can judge anything else.
  LoopbackHttpServer server(AnswerEmptyObject());
  CurlSignedRequest(server, false);
  CurlSignedRequest(server, true);
  auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  // curl repeats a user-supplied X-Amz-Date; the vectors have it once.
  for (auto& request : requests) {
    bool seen = false;
    std::erase_if(request.header_lines, [&seen](const auto& header) {
      const bool duplicate = header.first == "X-Amz-Date" && seen;
      seen = seen || header.first == "X-Amz-Date";
      return duplicate;
    });
  }

  EXPECT_EQ(
      ReferenceSignature(requests[0], "host;x-amz-date", kVectorSecret, "us-east-1", "service"),
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(
      ReferenceSignature(requests[1], "host;x-amz-date", kVectorSecret, "us-east-1", "service"),
      "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4, AdapterRequestsCarryASignatureTheReferenceAgreesWith) {
  LoopbackHttpServer server(AnswerEmptyObject());
  const std::string secret = "s3cr3t/With+Base64=Chars";
  DynamoDbSettings settings{"users", "eu-west-1",
                            "http://127.0.0.1:" + std::to_string(server.Port())};
  auto transport = std::make_shared<CurlTransport>(CurlTransport::Options{});
  CredentialsSource source;
  source.keys = AwsCredentials{"ASIATESTKEY", secret, "session/token+value=="};
  auto credentials = std::make_shared<CredentialsProvider>(source, transport, 1000ms);
  DynamoDbClient client(settings, transport, credentials, RetryPolicy{});

  const json::object get{{"TableName", "users"},
                         {"Key", json::object{{"pk", json::object{{"S", "zoë"}}}}},
                         {"ConsistentRead", true}};
  const json::object put{
      {"TableName", "users"},
      {"Item", json::object{{"pk", json::object{{"S", "李"}}},
                            {"name", json::object{{"S", "李 \"quoted\"  spaced"}}}}}};
  ASSERT_TRUE(RunSync(client.Call("GetItem", get)));
  ASSERT_TRUE(RunSync(client.Call("PutItem", put)));

  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& request : requests) {
    const auto authorization = ParseAuthorization(request.Header("authorization"));
    ASSERT_TRUE(authorization.has_value()) << request.Header("authorization");
    EXPECT_EQ(authorization->key_id, "ASIATESTKEY");
    EXPECT_EQ(authorization->region, "eu-west-1");
    EXPECT_EQ(authorization->service, "dynamodb");
    EXPECT_EQ(authorization->signed_headers,
              "content-type;host;x-amz-date;x-amz-security-token;x-amz-target");
    EXPECT_EQ(request.Header("x-amz-security-token"), "session/token+value==");

    // Signed now: X-Amz-Date is the current UTC time, and the scope names its day.
    const std::string amz_date = request.Header("x-amz-date");
    ASSERT_EQ(amz_date.size(), 16u) << amz_date;
    EXPECT_EQ(amz_date.substr(0, 8), authorization->date);
    const auto signed_at = AmzDateToTime(amz_date);
    EXPECT_LT(std::chrono::abs(signed_at - std::chrono::system_clock::now()), 5min) << amz_date;

    EXPECT_EQ(
        ReferenceSignature(request, authorization->signed_headers, secret, "eu-west-1", "dynamodb"),
        authorization->signature)
        << request.Header("x-amz-target");
  }
}

TEST(SigV4, ReferenceTellsAWrongSecretOrAnAlteredBodyApart) {
  // The comparison above can fail: the reference differs as soon as anything signed changes.
  LoopbackHttpServer server(AnswerEmptyObject());
  DynamoDbSettings settings{"users", "eu-west-1",
                            "http://127.0.0.1:" + std::to_string(server.Port())};
  auto transport = std::make_shared<CurlTransport>(CurlTransport::Options{});
  CredentialsSource source;
  source.keys = AwsCredentials{"AKIDTEST", "right-secret", ""};
  auto credentials = std::make_shared<CredentialsProvider>(source, transport, 1000ms);
  DynamoDbClient client(settings, transport, credentials, RetryPolicy{});
  ASSERT_TRUE(RunSync(client.Call("DescribeTable", json::object{{"TableName", "users"}})));
  const auto request = server.Requests().at(0);
  const auto authorization = ParseAuthorization(request.Header("authorization"));
  ASSERT_TRUE(authorization.has_value());
  EXPECT_EQ(authorization->signed_headers, "content-type;host;x-amz-date;x-amz-target");

  CapturedRequest altered = request;
  altered.body = R"({"TableName":"other"})";

  const auto signed_headers = authorization->signed_headers;
  EXPECT_EQ(ReferenceSignature(request, signed_headers, "right-secret", "eu-west-1", "dynamodb"),
            authorization->signature);
  EXPECT_NE(ReferenceSignature(request, signed_headers, "wrong-secret", "eu-west-1", "dynamodb"),
            authorization->signature);
  EXPECT_NE(ReferenceSignature(altered, signed_headers, "right-secret", "eu-west-1", "dynamodb"),
            authorization->signature);
  EXPECT_NE(ReferenceSignature(request, signed_headers, "right-secret", "us-east-1", "dynamodb"),
            authorization->signature);
}

}  // namespace
}  // namespace hello::storage::dynamodb
