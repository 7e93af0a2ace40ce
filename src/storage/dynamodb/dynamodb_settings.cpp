// Parsing of the dynamodb:// database URL.

#include "storage/dynamodb/dynamodb_settings.hpp"

#include <boost/url/parse.hpp>
#include <cstdlib>

namespace hello::storage::dynamodb {
namespace {

// DynamoDB's own rule: 3 to 255 of [a-zA-Z0-9_.-].
bool ValidTableName(std::string_view name) {
  if (name.size() < 3 || name.size() > 255) {
    return false;
  }
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// Region names are lowercase words joined by hyphens ("eu-west-1", "us-gov-west-1").
bool ValidRegion(std::string_view region) {
  if (region.empty() || region.front() == '-' || region.back() == '-') {
    return false;
  }
  for (const char c : region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  return true;
}

// Accepts "http(s)://host[:port][/]" and returns it without the trailing slash.
Expected<std::string, std::string> NormaliseEndpoint(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return MakeUnexpected(std::string("dynamodb endpoint is not a URL"));
  }
  const auto& url = *parsed;
  if (url.scheme() != "http" && url.scheme() != "https") {
    return MakeUnexpected(std::string("dynamodb endpoint must start with http:// or https://"));
  }
  if (url.encoded_host().empty() || url.has_userinfo() || url.has_query() || url.has_fragment() ||
      (!url.encoded_path().empty() && url.encoded_path() != "/")) {
    return MakeUnexpected(
        std::string("dynamodb endpoint must be scheme://host[:port] without path or query"));
  }
  std::string endpoint =
      std::string(url.scheme()) + "://" + std::string(url.encoded_host_and_port());
  return endpoint;
}

std::string EnvOrEmpty(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

}  // namespace

std::string RegionalEndpoint(std::string_view region) {
  const std::string_view suffix =
      region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  return "https://dynamodb." + std::string(region) + std::string(suffix);
}

Expected<DynamoDbSettings, std::string> ParseDynamoDbUrl(std::string_view text) {
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed || parsed->scheme() != "dynamodb") {
    return MakeUnexpected(std::string("database URL is not dynamodb://<table>?region=<region>"));
  }
  const auto& url = *parsed;
  if (url.has_userinfo() || url.has_port() || url.has_fragment() ||
      (!url.encoded_path().empty() && url.encoded_path() != "/")) {
    return MakeUnexpected(std::string("dynamodb URL takes only a table name and query parameters"));
  }

  DynamoDbSettings settings;
  settings.table = std::string(url.encoded_host());
  if (!ValidTableName(settings.table)) {
    return MakeUnexpected(
        std::string("dynamodb table name must be 3 to 255 of the characters a-z A-Z 0-9 _ . -"));
  }

  std::string endpoint;
  for (const auto& param : url.params()) {
    if (param.key == "region") {
      settings.region = param.value;
    } else if (param.key == "endpoint") {
      endpoint = param.value;
    } else {
      return MakeUnexpected("dynamodb URL has an unknown parameter \"" + param.key +
                            "\" (allowed: region, endpoint)");
    }
  }

  // The AWS SDKs read the region from these variables; ECS sets AWS_REGION in tasks.
  if (settings.region.empty()) {
    settings.region = EnvOrEmpty("AWS_REGION");
  }
  if (settings.region.empty()) {
    settings.region = EnvOrEmpty("AWS_DEFAULT_REGION");
  }
  if (settings.region.empty()) {
    return MakeUnexpected(
        std::string("dynamodb URL needs region=<region> (or AWS_REGION in the environment)"));
  }
  if (!ValidRegion(settings.region)) {
    return MakeUnexpected(std::string("dynamodb region is not a region name like eu-west-1"));
  }

  if (endpoint.empty()) {
    settings.endpoint = RegionalEndpoint(settings.region);
  } else {
    auto normalised = NormaliseEndpoint(endpoint);
    if (!normalised) {
      return MakeUnexpected(normalised.error());
    }
    settings.endpoint = std::move(*normalised);
  }
  return settings;
}

}  // namespace hello::storage::dynamodb
