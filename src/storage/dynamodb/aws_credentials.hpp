#pragma once
// AWS credentials in the order the AWS SDKs look for them: the environment variables, then the
// ECS container credentials endpoint. CredentialsProvider (credentials_provider.hpp) caches them.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace hello::storage::dynamodb {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
};

/// Where the credentials come from, decided once at start-up.
struct CredentialsSource {
  enum class Kind { kEnvironment, kContainer };
  Kind kind = Kind::kEnvironment;
  /// kEnvironment: the keys themselves.
  AwsCredentials keys;
  /// kContainer: the endpoint and its Authorization header value, given directly or as a file
  /// that is read again at each fetch (the agent may rotate it).
  std::string container_url;
  std::string authorization_token;
  std::string authorization_token_file;
};

/// Reads one environment variable; unset and empty are both std::nullopt.
using EnvironmentLookup = std::function<std::optional<std::string>(const char* name)>;

/// The process environment.
std::optional<std::string> ProcessEnvironment(const char* name);

/// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else
/// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on http://169.254.170.2), else
/// AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback or ECS/EKS agent address)
/// with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN.
/// The error names the variable at fault, never a value.
// TODO: the shared credentials file, web identity tokens and EC2 instance metadata are not
// read; outside ECS, keys must come from the environment variables.
Expected<CredentialsSource, std::string> ResolveCredentialsSource(
    const EnvironmentLookup& env = ProcessEnvironment);

/// Keys handed out by the container endpoint, with their expiry when it gave one.
struct ExpiringCredentials {
  AwsCredentials keys;
  std::optional<std::chrono::system_clock::time_point> expiration;
};

/// Parses the endpoint's JSON (AccessKeyId, SecretAccessKey, Token, Expiration in RFC 3339).
Expected<ExpiringCredentials, std::string> ParseContainerCredentials(std::string_view json_text);

/// How long after a fetch to fetch again, for keys valid for `lifetime`: 5 minutes before they
/// expire, or half way through when they live less than 10 minutes.
std::chrono::milliseconds RefreshAfter(std::chrono::milliseconds lifetime);

}  // namespace hello::storage::dynamodb
