#pragma once
// Where the DynamoDB adapter sends its calls: the table, the region and the endpoint, parsed
// from a `dynamodb://<table>?region=<region>[&endpoint=<url>]` database URL.

#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace hello::storage::dynamodb {

struct DynamoDbSettings {
  std::string table;
  std::string region;
  /// Scheme, host and port without a trailing slash, e.g.
  /// "https://dynamodb.eu-west-1.amazonaws.com".
  std::string endpoint;
};

/// Parses the database URL. The region comes from `region=`, else from AWS_REGION or
/// AWS_DEFAULT_REGION; without `endpoint=` the regional AWS endpoint is used. Unknown
/// parameters are rejected so that a misspelt one does not silently fall back to AWS.
/// The error is one line naming what is wrong (the URL carries no secrets).
Expected<DynamoDbSettings, std::string> ParseDynamoDbUrl(std::string_view url);

/// The public endpoint of DynamoDB in `region` ("https://dynamodb.<region>.amazonaws.com",
/// ".amazonaws.com.cn" for the China regions).
std::string RegionalEndpoint(std::string_view region);

}  // namespace hello::storage::dynamodb
