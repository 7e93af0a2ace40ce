// Unit tests of database URL redaction for the start-up log.

#include "app/startup_log.hpp"

#include <gtest/gtest.h>

namespace hello::app {
namespace {

TEST(StartupLog, HidesTheUserinfoPassword) {
  EXPECT_EQ(RedactUrl("postgres://hello:s3cr%40t@db:5432/hello?sslmode=require"),
            "postgres://hello:redacted@db:5432/hello?sslmode=require");
  EXPECT_EQ(RedactUrl("postgresql://u:p@ss@db/x"), "postgresql://u:redacted@db/x");
}

TEST(StartupLog, KeepsUrlsWithoutSecrets) {
  EXPECT_EQ(RedactUrl("sqlite:./data/hello.db"), "sqlite:./data/hello.db");
  EXPECT_EQ(RedactUrl("postgres://hello@db:5432/hello"), "postgres://hello@db:5432/hello");
  EXPECT_EQ(RedactUrl("dynamodb://users?region=eu-west-1&endpoint=http://127.0.0.1:8000"),
            "dynamodb://users?region=eu-west-1&endpoint=http://127.0.0.1:8000");
}

TEST(StartupLog, HidesSecretQueryParameters) {
  EXPECT_EQ(RedactUrl("postgres://db/x?password=a&sslmode=disable&api_token=b&AccessKey=c"),
            "postgres://db/x?password=redacted&sslmode=disable&api_token=redacted"
            "&AccessKey=redacted");
}

}  // namespace
}  // namespace hello::app
