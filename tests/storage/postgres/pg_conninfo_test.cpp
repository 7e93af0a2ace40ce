// Unit tests of the database URL handling: scheme check, redaction, validation and the libpq
// parameters (password file, fixed settings and their order).

#include "storage/postgres/pg_conninfo.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace hello::storage::postgres {
namespace {

std::vector<std::pair<std::string, std::string>> Entries(const LibpqParams& params) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; params.Keywords()[i] != nullptr; ++i) {
    entries.emplace_back(params.Keywords()[i], params.Values()[i]);
  }
  EXPECT_EQ(params.Values()[entries.size()], nullptr);
  return entries;
}

class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    path_ = std::filesystem::temp_directory_path() /
            ("hello-pg-secret-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string Path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(PgConninfo, RecognisesBothSchemesCaseInsensitively) {
  EXPECT_TRUE(IsPostgresUrl("postgres://u@h/db"));
  EXPECT_TRUE(IsPostgresUrl("postgresql://u@h/db"));
  EXPECT_TRUE(IsPostgresUrl("PostgreSQL://h"));
  EXPECT_FALSE(IsPostgresUrl("sqlite:./data/hello.db"));
  EXPECT_FALSE(IsPostgresUrl("dynamodb://table"));
  EXPECT_FALSE(IsPostgresUrl("postgres:/h"));
  EXPECT_FALSE(IsPostgresUrl("host=h dbname=db"));
}

TEST(PgConninfo, RedactsThePasswordInTheUserPart) {
  EXPECT_EQ(RedactUrl("postgres://app:s3cr%40t@db.example:5432/hello?sslmode=require"),
            "postgres://app:redacted@db.example:5432/hello?sslmode=require");
}

TEST(PgConninfo, RedactsPasswordQueryParameters) {
  std::string redacted = RedactUrl(
      "postgresql://db/hello?user=app&password=s3cret&sslpassword=k3y&sslmode=verify-full");
  EXPECT_EQ(redacted,
            "postgresql://db/hello?user=app&password=redacted&sslpassword=redacted&"
            "sslmode=verify-full");
}

TEST(PgConninfo, KeepsUrlsWithoutSecretsIntact) {
  EXPECT_EQ(RedactUrl("postgres://app@127.0.0.1:25432/hello"),
            "postgres://app@127.0.0.1:25432/hello");
  EXPECT_EQ(RedactUrl("postgres://h1:5432,h2:5433/hello?target_session_attrs=read-write"),
            "postgres://h1:5432,h2:5433/hello?target_session_attrs=read-write");
  EXPECT_EQ(RedactUrl("postgres://"), "postgres://");
}

// libpq takes everything up to the first '@' before any '/' as credentials, even a '?' in an
// unencoded password; redaction must cut at the same place or the tail would leak.
TEST(PgConninfo, RedactsUnencodedSpecialCharactersInThePassword) {
  std::string redacted = RedactUrl("postgres://app:pa?ss=w&rd@db/hello");
  EXPECT_EQ(redacted, "postgres://app:redacted@db/hello");
  EXPECT_EQ(redacted.find("ss=w"), std::string::npos);
}

TEST(PgConninfo, DoesNotEchoSomethingThatIsNotAUrl) {
  EXPECT_EQ(RedactUrl("host=db password=s3cret"), "(not a URL)");
}

TEST(PgConninfo, KeepsTheFirstLineOfALibpqMessage) {
  EXPECT_EQ(FirstLineOf("connection refused\n\tIs the server running?\n"), "connection refused");
  EXPECT_EQ(FirstLineOf(""), "unknown error");
  EXPECT_EQ(FirstLineOf(nullptr), "unknown error");
}

TEST(PgConninfo, ValidatesSchemeAndParameters) {
  EXPECT_TRUE(ValidateUrl("postgres://app@127.0.0.1:25432/hello?sslmode=require"));

  auto wrong_scheme = ValidateUrl("mysql://app@h/db");
  ASSERT_FALSE(wrong_scheme);
  EXPECT_NE(wrong_scheme.error().find("postgres://"), std::string::npos);

  auto unknown = ValidateUrl("postgres://app:s3cret@h/db?no_such_option=1");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("no_such_option"), std::string::npos);
  EXPECT_EQ(unknown.error().find("s3cret"), std::string::npos);
}

TEST(PgConninfo, PutsTheUrlFirstAndFixedSettingsAfterIt) {
  auto params = MakeLibpqParams({"postgres://app@h/db", ""});
  ASSERT_TRUE(params);
  auto entries = Entries(*params);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0], std::make_pair(std::string("dbname"), std::string("postgres://app@h/db")));
  EXPECT_EQ(entries[1], std::make_pair(std::string("client_encoding"), std::string("UTF8")));
  EXPECT_EQ(entries[2], std::make_pair(std::string("fallback_application_name"),
                                       std::string("hello-birthday")));
}

// The password comes after the URL so that it wins over one in the URL, and the trailing
// newline an editor adds is not part of it.
TEST(PgConninfo, ReadsThePasswordFileAfterTheUrl) {
  TempFile secret("pa ss\tword\r\n");
  auto params = MakeLibpqParams({"postgres://app:old@h/db", secret.Path()});
  ASSERT_TRUE(params);
  auto entries = Entries(*params);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[0].first, "dbname");
  EXPECT_EQ(entries[1], std::make_pair(std::string("password"), std::string("pa ss\tword")));
}

TEST(PgConninfo, RereadsThePasswordFileForEachConnection) {
  TempFile secret("first\n");
  auto before = MakeLibpqParams({"postgres://app@h/db", secret.Path()});
  std::ofstream(secret.Path(), std::ios::binary | std::ios::trunc) << "second\n";
  auto after = MakeLibpqParams({"postgres://app@h/db", secret.Path()});
  ASSERT_TRUE(before);
  ASSERT_TRUE(after);
  EXPECT_EQ(Entries(*before)[1].second, "first");
  EXPECT_EQ(Entries(*after)[1].second, "second");
}

TEST(PgConninfo, RejectsMissingOrEmptyPasswordFiles) {
  auto missing = MakeLibpqParams({"postgres://app@h/db", "/nonexistent/hello-secret"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("/nonexistent/hello-secret"), std::string::npos);

  TempFile empty("\n");
  auto blank = MakeLibpqParams({"postgres://app@h/db", empty.Path()});
  ASSERT_FALSE(blank);
  EXPECT_NE(blank.error().find("empty"), std::string::npos);
}

}  // namespace
}  // namespace hello::storage::postgres
