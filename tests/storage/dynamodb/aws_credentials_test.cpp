// The credentials chain and the container endpoint's answer: which source wins, which
// endpoints are trusted with the token, and how the answer and the refresh time are read.

#include "storage/dynamodb/aws_credentials.hpp"

#include <gtest/gtest.h>

#include <map>

namespace hello::storage::dynamodb {
namespace {

using namespace std::chrono_literals;

EnvironmentLookup Env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

TEST(ResolveCredentialsSource, PrefersEnvironmentKeys) {
  auto source = ResolveCredentialsSource(Env({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                              {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                              {"AWS_SESSION_TOKEN", "envtoken"},
                                              {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2"}}));

  ASSERT_TRUE(source) << source.error();
  EXPECT_EQ(source->kind, CredentialsSource::Kind::kEnvironment);
  EXPECT_EQ(source->keys.access_key_id, "AKIDENV");
  EXPECT_EQ(source->keys.secret_access_key, "envsecret");
  EXPECT_EQ(source->keys.session_token, "envtoken");
}

TEST(ResolveCredentialsSource, RejectsHalfAKeyPairNamingTheMissingVariable) {
  auto no_secret = ResolveCredentialsSource(Env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}}));
  auto no_key = ResolveCredentialsSource(Env({{"AWS_SECRET_ACCESS_KEY", "envsecret"}}));

  ASSERT_FALSE(no_secret);
  EXPECT_NE(no_secret.error().find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos);
  ASSERT_FALSE(no_key);
  EXPECT_NE(no_key.error().find("AWS_ACCESS_KEY_ID is not"), std::string::npos);
  EXPECT_EQ(no_key.error().find("envsecret"), std::string::npos);
}

TEST(ResolveCredentialsSource, UsesTheEcsAgentForARelativeUri) {
  auto source = ResolveCredentialsSource(
      Env({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
           {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/ignored"}}));
  auto no_slash =
      ResolveCredentialsSource(Env({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/creds"}}));

  ASSERT_TRUE(source) << source.error();
  EXPECT_EQ(source->kind, CredentialsSource::Kind::kContainer);
  EXPECT_EQ(source->container_url, "http://169.254.170.2/v2/credentials/abc");
  ASSERT_FALSE(no_slash);
}

TEST(ResolveCredentialsSource, AcceptsAFullUriOnlyWhereTheTokenCannotLeak) {
  for (const char* allowed :
       {"http://127.0.0.1:8080/creds", "http://127.1.2.3/creds", "http://localhost/creds",
        "http://[::1]:80/creds", "http://169.254.170.2/v1", "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1", "https://credentials.example.com/v1"}) {
    auto source = ResolveCredentialsSource(Env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed},
                                                {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok"}}));
    ASSERT_TRUE(source) << allowed << ": " << source.error();
    EXPECT_EQ(source->container_url, allowed);
    EXPECT_EQ(source->authorization_token, "tok");
  }
  for (const char* refused : {"http://credentials.example.com/v1", "http://10.0.0.1/creds",
                              "http://169.254.169.254/latest", "ftp://127.0.0.1/x", "not a url"}) {
    auto source = ResolveCredentialsSource(Env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", refused}}));
    EXPECT_FALSE(source) << refused;
  }
}

TEST(ResolveCredentialsSource, ReadsTheTokenFileSetting) {
  auto source = ResolveCredentialsSource(
      Env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds"},
           {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/run/token"}}));

  ASSERT_TRUE(source) << source.error();
  EXPECT_EQ(source->authorization_token_file, "/run/token");
}

TEST(ResolveCredentialsSource, ExplainsWhenThereAreNoCredentials) {
  auto source = ResolveCredentialsSource(Env({}));

  ASSERT_FALSE(source);
  EXPECT_NE(source.error().find("no AWS credentials"), std::string::npos);
}

TEST(ParseContainerCredentials, ReadsKeysTokenAndExpiration) {
  auto parsed = ParseContainerCredentials(
      R"({"RoleArn":"arn:aws:iam::1:role/x","AccessKeyId":"ASIA1","SecretAccessKey":"s",)"
      R"("Token":"t","Expiration":"2030-01-02T03:04:05Z"})");

  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->keys.access_key_id, "ASIA1");
  EXPECT_EQ(parsed->keys.secret_access_key, "s");
  EXPECT_EQ(parsed->keys.session_token, "t");
  ASSERT_TRUE(parsed->expiration.has_value());
  const auto expected = std::chrono::sys_days{std::chrono::year(2030) / 1 / 2} + 3h + 4min + 5s;
  EXPECT_EQ(*parsed->expiration, expected);
}

TEST(ParseContainerCredentials, AcceptsFractionsAndOffsets) {
  auto fraction = ParseContainerCredentials(
      R"({"AccessKeyId":"a","SecretAccessKey":"s","Expiration":"2030-01-02T03:04:05.123Z"})");
  auto offset = ParseContainerCredentials(
      R"({"AccessKeyId":"a","SecretAccessKey":"s","Expiration":"2030-01-02T05:04:05+02:00"})");
  auto no_expiry = ParseContainerCredentials(R"({"AccessKeyId":"a","SecretAccessKey":"s"})");

  ASSERT_TRUE(fraction && offset && no_expiry);
  EXPECT_EQ(*fraction->expiration, *offset->expiration);
  EXPECT_FALSE(no_expiry->expiration.has_value());
}

TEST(ParseContainerCredentials, RejectsIncompleteAnswersWithoutEchoingThem) {
  for (const char* body :
       {"", "[]", R"({"AccessKeyId":"a"})", R"({"SecretAccessKey":"hidden"})",
        R"({"AccessKeyId":"a","SecretAccessKey":"hidden","Expiration":"tomorrow"})",
        R"({"AccessKeyId":"a","SecretAccessKey":"hidden","Expiration":"2030-02-30T00:00:00Z"})"}) {
    auto parsed = ParseContainerCredentials(body);
    ASSERT_FALSE(parsed) << body;
    EXPECT_EQ(parsed.error().find("hidden"), std::string::npos);
  }
}

TEST(RefreshAfter, LeavesFiveMinutesOrHalfTheLifetime) {
  EXPECT_EQ(RefreshAfter(std::chrono::hours(6)), std::chrono::hours(6) - std::chrono::minutes(5));
  EXPECT_EQ(RefreshAfter(std::chrono::minutes(10)), std::chrono::minutes(5));
  EXPECT_EQ(RefreshAfter(std::chrono::minutes(4)), std::chrono::minutes(2));
  EXPECT_EQ(RefreshAfter(6000ms), 3000ms);
}

}  // namespace
}  // namespace hello::storage::dynamodb
