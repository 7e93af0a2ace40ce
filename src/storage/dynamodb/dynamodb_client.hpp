#pragma once
// Calls to the DynamoDB JSON API: SigV4-signed POSTs, retried with exponential backoff and full
// jitter on throttling, 5xx answers and network errors, all within one deadline per call.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "storage/dynamodb/dynamodb_settings.hpp"
#include "storage/user_store.hpp"

namespace hello::storage::dynamodb {

class CurlTransport;
class CredentialsProvider;

/// A failed call. `aws_type` is DynamoDB's error type ("ResourceNotFoundException") when it
/// answered with one, so callers can react to a specific error.
struct CallError {
  StorageError::Kind kind = StorageError::Kind::kInternal;
  std::string message;  // names the operation and cause; no user data, no secrets
  std::string aws_type;
};

struct RetryPolicy {
  /// The whole call, every attempt and pause included.
  std::chrono::milliseconds deadline{2000};
  int max_attempts = 10;
  std::chrono::milliseconds base_delay{25};
  std::chrono::milliseconds max_delay{1000};
};

/// The pause before retry number `retry` (0 for the first retry): uniformly random between
/// zero and min(max_delay, base_delay * 2^retry) ("full jitter").
std::chrono::milliseconds FullJitterDelay(int retry, const RetryPolicy& policy,
                                          std::mt19937_64& random);

/// True for DynamoDB's throttling errors, which are worth retrying after a pause.
bool IsThrottlingError(std::string_view aws_type);

/// DynamoDB's error type from an error body ({"__type":"com.amazonaws...#Type", ...}); empty
/// when the body does not name one.
std::string AwsErrorType(std::string_view body);

class DynamoDbClient {
 public:
  DynamoDbClient(DynamoDbSettings settings, std::shared_ptr<CurlTransport> transport,
                 std::shared_ptr<CredentialsProvider> credentials, RetryPolicy policy);

  /// Sends `request` to the operation ("GetItem", "PutItem", ...) and returns the JSON answer.
  /// Past the deadline or the attempts the error is kTimeout (the last attempt timed out) or
  /// kUnavailable; an answer that retrying cannot fix (validation, missing table) is kInternal.
  /// Both arguments are taken by value: the call outlives the caller's full expression.
  boost::asio::awaitable<Expected<boost::json::object, CallError>> Call(
      std::string operation, boost::json::object request) const;

  const DynamoDbSettings& Settings() const { return settings_; }
  const RetryPolicy& Policy() const { return policy_; }

 private:
  DynamoDbSettings settings_;
  std::shared_ptr<CurlTransport> transport_;
  std::shared_ptr<CredentialsProvider> credentials_;
  RetryPolicy policy_;
  std::string url_;
  std::string sigv4_provider_;
};

}  // namespace hello::storage::dynamodb
