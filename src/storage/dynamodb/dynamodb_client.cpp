// The DynamoDB JSON protocol over the curl transport, with the retry policy of the AWS SDKs.

#include "storage/dynamodb/dynamodb_client.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "observability/log.hpp"
#include "storage/dynamodb/credentials_provider.hpp"
#include "storage/dynamodb/curl_transport.hpp"

namespace hello::storage::dynamodb {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using observability::Log;
using observability::LogLevel;

constexpr std::string_view kTargetPrefix = "X-Amz-Target: DynamoDB_20120810.";

std::mt19937_64& ThreadRandom() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return random;
}

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  return std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
}

}  // namespace

std::chrono::milliseconds FullJitterDelay(int retry, const RetryPolicy& policy,
                                          std::mt19937_64& random) {
  // Doubling stops well before overflow; the cap applies long before that anyway.
  const int exponent = std::clamp(retry, 0, 30);
  const std::int64_t ceiling =
      std::min<std::int64_t>(policy.max_delay.count(), policy.base_delay.count() << exponent);
  std::uniform_int_distribution<std::int64_t> pick(0, std::max<std::int64_t>(0, ceiling));
  return std::chrono::milliseconds(pick(random));
}

bool IsThrottlingError(std::string_view aws_type) {
  static constexpr std::array<std::string_view, 5> kThrottling = {
      "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
      "LimitExceededException", "Throttling"};
  return std::find(kThrottling.begin(), kThrottling.end(), aws_type) != kThrottling.end();
}

std::string AwsErrorType(std::string_view body) {
  boost::system::error_code ec;
  const json::value document = json::parse(body, ec);
  if (ec || !document.is_object()) {
    return {};
  }
  const json::value* type = document.get_object().if_contains("__type");
  if (type == nullptr || !type->is_string()) {
    return {};
  }
  const std::string_view text = type->get_string();
  const std::size_t hash = text.rfind('#');
  return std::string(hash == std::string_view::npos ? text : text.substr(hash + 1));
}

DynamoDbClient::DynamoDbClient(DynamoDbSettings settings, std::shared_ptr<CurlTransport> transport,
                               std::shared_ptr<CredentialsProvider> credentials, RetryPolicy policy)
    : settings_(std::move(settings)),
      transport_(std::move(transport)),
      credentials_(std::move(credentials)),
      policy_(policy),
      url_(settings_.endpoint + "/"),
      sigv4_provider_("aws:amz:" + settings_.region + ":dynamodb") {}

asio::awaitable<Expected<json::object, CallError>> DynamoDbClient::Call(
    std::string operation, json::object request) const {
  const auto deadline = Clock::now() + policy_.deadline;
  const std::string body = json::serialize(request);
  const std::string& name = operation;

  std::string last_cause = "no attempt started before the deadline";
  bool last_timed_out = false;
  bool refreshed_expired_keys = false;
  int attempts = 0;
  asio::steady_timer pause(co_await asio::this_coro::executor);

  while (attempts < policy_.max_attempts) {
    const std::chrono::milliseconds remaining = Remaining(deadline);
    if (remaining.count() <= 0) {
      break;
    }
    ++attempts;

    // One attempt: credentials, then the signed request.
    auto credentials = co_await credentials_->Get();
    if (!credentials) {
      last_cause = credentials.error();
      last_timed_out = false;
    } else {
      HttpRequest http;
      http.method = HttpRequest::Method::kPost;
      http.url = url_;
      http.body = body;
      http.timeout = remaining;
      http.headers = {"Content-Type: application/x-amz-json-1.0",
                      std::string(kTargetPrefix) + name};
      if (!credentials->session_token.empty()) {
        http.headers.push_back("X-Amz-Security-Token: " + credentials->session_token);
      }
      http.sigv4 =
          SigV4Signing{sigv4_provider_, credentials->access_key_id, credentials->secret_access_key};

      auto result = co_await transport_->Perform(std::move(http));
      if (!result) {
        last_cause = result.error().message;
        last_timed_out = result.error().timed_out;
      } else if (result->status == 200) {
        boost::system::error_code ec;
        json::value answer = json::parse(result->body, ec);
        if (ec || !answer.is_object()) {
          co_return MakeUnexpected(CallError{StorageError::Kind::kInternal,
                                             "dynamodb " + name + " answer is not a JSON object",
                                             {}});
        }
        co_return std::move(answer.get_object());
      } else {
        const std::string type = AwsErrorType(result->body);
        const std::string cause = (type.empty() ? std::string("error") : type) + " (HTTP " +
                                  std::to_string(result->status) + ")";
        last_timed_out = false;
        last_cause = cause;
        if (type == "ExpiredTokenException" && !refreshed_expired_keys) {
          // Keys can expire between the check and the request: fetch new ones once, at once.
          credentials_->Invalidate(credentials->access_key_id);
          refreshed_expired_keys = true;
          continue;
        }
        const bool retryable =
            result->status >= 500 || result->status == 429 || IsThrottlingError(type);
        if (!retryable) {
          co_return MakeUnexpected(CallError{StorageError::Kind::kInternal,
                                             "dynamodb " + name + " rejected: " + cause, type});
        }
      }
    }

    // Pause before the next attempt, unless the pause alone would pass the deadline.
    const auto delay = FullJitterDelay(attempts - 1, policy_, ThreadRandom());
    if (Clock::now() + delay >= deadline) {
      break;
    }
    if (observability::LogEnabled(LogLevel::kDebug)) {
      Log(LogLevel::kDebug, "dynamodb call retried",
          {{"operation", name},
           {"attempt", attempts},
           {"error", last_cause},
           {"delay_ms", static_cast<std::int64_t>(delay.count())}});
    }
    pause.expires_after(delay);
    boost::system::error_code ec;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  const StorageError::Kind kind =
      last_timed_out ? StorageError::Kind::kTimeout : StorageError::Kind::kUnavailable;
  co_return MakeUnexpected(CallError{kind,
                                     "dynamodb " + name + " failed after " +
                                         std::to_string(attempts) + " attempt(s): " + last_cause,
                                     {}});
}

}  // namespace hello::storage::dynamodb
