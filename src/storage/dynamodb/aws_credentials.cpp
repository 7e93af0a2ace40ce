// The credentials chain (environment, then the ECS container endpoint), the endpoint's answer
// and the refresh schedule.

#include "storage/dynamodb/aws_credentials.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/url/ipv6_address.hpp>
#include <boost/url/parse.hpp>
#include <cstdlib>

namespace hello::storage::dynamodb {
namespace {

namespace json = boost::json;

// The ECS agent's address for AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.
constexpr std::string_view kEcsAgentOrigin = "http://169.254.170.2";

// Plain http is allowed only where the token cannot leave the host or the task: loopback and
// the link-local addresses of the ECS and EKS agents.
bool AllowedFullUri(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return false;
  }
  const auto& url = *parsed;
  if (url.scheme() == "https") {
    return !url.encoded_host().empty();
  }
  if (url.scheme() != "http") {
    return false;
  }
  switch (url.host_type()) {
    case boost::urls::host_type::ipv4: {
      const auto address = url.host_ipv4_address();
      return address.is_loopback() || address.to_uint() == 0xA9FEAA02u ||  // 169.254.170.2
             address.to_uint() == 0xA9FEAA17u;                             // 169.254.170.23
    }
    case boost::urls::host_type::ipv6: {
      const auto address = url.host_ipv6_address();
      auto eks_agent = boost::urls::parse_ipv6_address("fd00:ec2::23");
      return address.is_loopback() || (eks_agent && address == *eks_agent);
    }
    case boost::urls::host_type::name:
      return url.encoded_host() == "localhost";
    default:
      return false;
  }
}

// Reads `count` decimal digits at `pos`.
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// RFC 3339 date-time: "2024-05-01T12:00:00Z", with optional fraction and numeric offset.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text) {
  const auto year = Digits(text, 0, 4);
  const auto month = Digits(text, 5, 2);
  const auto day = Digits(text, 8, 2);
  const auto hour = Digits(text, 11, 2);
  const auto minute = Digits(text, 14, 2);
  const auto second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':' || *hour > 23 ||
      *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) {
    return std::nullopt;
  }

  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ++pos;  // sub-second precision does not matter for a refresh schedule
    }
  }
  std::chrono::minutes offset{0};
  if (pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    // UTC
  } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') &&
             text[pos + 3] == ':') {
    const auto offset_hours = Digits(text, pos + 1, 2);
    const auto offset_minutes = Digits(text, pos + 4, 2);
    if (!offset_hours || !offset_minutes) {
      return std::nullopt;
    }
    offset = std::chrono::hours(*offset_hours) + std::chrono::minutes(*offset_minutes);
    if (text[pos] == '-') {
      offset = -offset;
    }
  } else {
    return std::nullopt;
  }
  return std::chrono::sys_days(date) + std::chrono::hours(*hour) + std::chrono::minutes(*minute) +
         std::chrono::seconds(*second) - offset;
}

std::string StringMember(const json::object& object, std::string_view name) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr || !value->is_string()) {
    return {};
  }
  return std::string(value->get_string());
}

}  // namespace

std::optional<std::string> ProcessEnvironment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

Expected<CredentialsSource, std::string> ResolveCredentialsSource(const EnvironmentLookup& env) {
  CredentialsSource source;
  const auto key_id = env("AWS_ACCESS_KEY_ID");
  const auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (key_id || secret) {
    // Half a key pair is a deployment mistake: say so rather than fall through silently.
    if (!key_id) {
      return MakeUnexpected(
          std::string("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"));
    }
    if (!secret) {
      return MakeUnexpected(
          std::string("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"));
    }
    source.kind = CredentialsSource::Kind::kEnvironment;
    source.keys = AwsCredentials{*key_id, *secret, env("AWS_SESSION_TOKEN").value_or("")};
    return source;
  }

  source.kind = CredentialsSource::Kind::kContainer;
  source.authorization_token_file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").value_or("");
  source.authorization_token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or("");
  if (const auto relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    if (relative->front() != '/') {
      return MakeUnexpected(
          std::string("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with a slash"));
    }
    source.container_url = std::string(kEcsAgentOrigin) + *relative;
    return source;
  }
  if (const auto full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    if (!AllowedFullUri(*full)) {
      return MakeUnexpected(std::string(
          "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or "
          "the ECS/EKS agent (169.254.170.2, 169.254.170.23, fd00:ec2::23)"));
    }
    source.container_url = *full;
    return source;
  }
  return MakeUnexpected(std::string(
      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run as an ECS "
      "task (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI)"));
}

Expected<ExpiringCredentials, std::string> ParseContainerCredentials(std::string_view json_text) {
  boost::system::error_code ec;
  const json::value document = json::parse(json_text, ec);
  if (ec || !document.is_object()) {
    return MakeUnexpected(std::string("credentials endpoint answer is not a JSON object"));
  }
  const json::object& object = document.get_object();
  ExpiringCredentials result;
  result.keys.access_key_id = StringMember(object, "AccessKeyId");
  result.keys.secret_access_key = StringMember(object, "SecretAccessKey");
  result.keys.session_token = StringMember(object, "Token");
  if (result.keys.access_key_id.empty() || result.keys.secret_access_key.empty()) {
    return MakeUnexpected(
        std::string("credentials endpoint answer lacks AccessKeyId or SecretAccessKey"));
  }
  const std::string expiration = StringMember(object, "Expiration");
  if (!expiration.empty()) {
    result.expiration = ParseRfc3339(expiration);
    if (!result.expiration) {
      return MakeUnexpected(std::string("credentials endpoint Expiration is not RFC 3339"));
    }
  }
  return result;
}

std::chrono::milliseconds RefreshAfter(std::chrono::milliseconds lifetime) {
  const std::chrono::milliseconds lead =
      std::min<std::chrono::milliseconds>(std::chrono::minutes(5), lifetime / 2);
  return lifetime - lead;
}

}  // namespace hello::storage::dynamodb
