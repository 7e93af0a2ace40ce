// The dynamodb:// database URL: table, region, endpoint, and the mistakes it rejects.

#include "storage/dynamodb/dynamodb_settings.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace hello::storage::dynamodb {
namespace {

// Clears the region variables for one test and restores them afterwards.
class RegionEnvironment {
 public:
  RegionEnvironment() {
    for (const char* name : kNames) {
      const char* value = std::getenv(name);
      saved_.emplace_back(name,
                          value != nullptr ? std::optional<std::string>(value) : std::nullopt);
      ::unsetenv(name);
    }
  }
  ~RegionEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name, value->c_str(), 1);
      } else {
        ::unsetenv(name);
      }
    }
  }

 private:
  static constexpr const char* kNames[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

TEST(DynamoDbSettings, ParsesTableRegionAndEndpoint) {
  RegionEnvironment environment;

  auto settings =
      ParseDynamoDbUrl("dynamodb://hello-users?region=eu-west-1&endpoint=http://127.0.0.1:8123");

  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->table, "hello-users");
  EXPECT_EQ(settings->region, "eu-west-1");
  EXPECT_EQ(settings->endpoint, "http://127.0.0.1:8123");
}

TEST(DynamoDbSettings, DefaultsToTheRegionalAwsEndpoint) {
  RegionEnvironment environment;

  auto europe = ParseDynamoDbUrl("dynamodb://Users_v2.prod?region=eu-west-1");
  auto china = ParseDynamoDbUrl("dynamodb://users?region=cn-north-1");

  ASSERT_TRUE(europe) << europe.error();
  EXPECT_EQ(europe->table, "Users_v2.prod");
  EXPECT_EQ(europe->endpoint, "https://dynamodb.eu-west-1.amazonaws.com");
  ASSERT_TRUE(china) << china.error();
  EXPECT_EQ(china->endpoint, "https://dynamodb.cn-north-1.amazonaws.com.cn");
}

TEST(DynamoDbSettings, StripsTheEndpointsTrailingSlashAndDecodesIt) {
  RegionEnvironment environment;

  auto settings = ParseDynamoDbUrl(
      "dynamodb://users?region=eu-west-1&endpoint=https%3A%2F%2Flocalhost%3A8000%2F");

  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->endpoint, "https://localhost:8000");
}

TEST(DynamoDbSettings, TakesTheRegionFromTheEnvironmentWhenTheUrlHasNone) {
  RegionEnvironment environment;
  ::setenv("AWS_DEFAULT_REGION", "us-east-2", 1);
  auto from_default = ParseDynamoDbUrl("dynamodb://users");
  ::setenv("AWS_REGION", "ap-southeast-2", 1);
  auto from_region = ParseDynamoDbUrl("dynamodb://users");
  auto from_url = ParseDynamoDbUrl("dynamodb://users?region=eu-central-1");

  ASSERT_TRUE(from_default && from_region && from_url);
  EXPECT_EQ(from_default->region, "us-east-2");
  EXPECT_EQ(from_region->region, "ap-southeast-2");
  EXPECT_EQ(from_url->region, "eu-central-1");
}

TEST(DynamoDbSettings, RejectsEachMistakeWithItsOwnMessage) {
  RegionEnvironment environment;
  const std::pair<const char*, const char*> cases[] = {
      {"dynamodb://users", "needs region"},
      {"dynamodb://ab?region=eu-west-1", "table name"},
      {"dynamodb://user$?region=eu-west-1", "table name"},
      {"dynamodb://users?region=EU_WEST", "region"},
      {"dynamodb://users?region=eu-west-1&endpiont=http://x", "unknown parameter \"endpiont\""},
      {"dynamodb://users?region=eu-west-1&endpoint=ftp://x", "http:// or https://"},
      {"dynamodb://users?region=eu-west-1&endpoint=http://x/path", "without path"},
      {"dynamodb://users/extra?region=eu-west-1", "only a table name"},
      {"dynamodb://users:8000?region=eu-west-1", "only a table name"},
      {"postgres://users", "not dynamodb://"},
  };
  for (const auto& [url, expected] : cases) {
    auto settings = ParseDynamoDbUrl(url);
    ASSERT_FALSE(settings) << url;
    EXPECT_NE(settings.error().find(expected), std::string::npos)
        << url << " -> " << settings.error();
  }
}

}  // namespace
}  // namespace hello::storage::dynamodb
