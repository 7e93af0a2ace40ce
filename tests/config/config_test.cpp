// Tests of the configuration: every setting by flag and by variable, precedence, defaults,
// subcommands, --help and --version, and a clear exit-2 line for each kind of bad value.

#include "config/config.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "build_info.hpp"

namespace hello::config {
namespace {

using namespace std::chrono_literals;
using observability::LogFormat;
using observability::LogLevel;

const std::vector<std::string> kVariables = {"HELLO_LISTEN",
                                             "HELLO_DATABASE_URL",
                                             "HELLO_LOG_LEVEL",
                                             "HELLO_LOG_FORMAT",
                                             "HELLO_TIMEZONE",
                                             "HELLO_DRAIN_SECONDS",
                                             "HELLO_SHUTDOWN_TIMEOUT_SECONDS",
                                             "HELLO_IO_THREADS",
                                             "HELLO_MAX_CONNECTIONS",
                                             "HELLO_HEADER_TIMEOUT_MS",
                                             "HELLO_BODY_TIMEOUT_MS",
                                             "HELLO_IDLE_TIMEOUT_MS",
                                             "HELLO_DB_POOL_SIZE",
                                             "HELLO_DB_TIMEOUT_MS",
                                             "HELLO_DB_PASSWORD_FILE"};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& name : kVariables) {
      unsetenv(name.c_str());
    }
    password_file_ = std::filesystem::temp_directory_path() /
                     ("hello-config-test-" + std::to_string(getpid()) + ".secret");
    std::ofstream(password_file_) << "s3cret\n";
    other_password_file_ = password_file_.string() + ".other";
    std::ofstream(other_password_file_) << "other\n";
  }

  void TearDown() override {
    for (const std::string& name : kVariables) {
      unsetenv(name.c_str());
    }
    std::filesystem::remove(password_file_);
    std::filesystem::remove(other_password_file_);
  }

  static std::variant<Invocation, EarlyExit> Parse(std::vector<std::string> args) {
    args.insert(args.begin(), "hello-birthday");
    std::vector<const char*> argv;
    for (const std::string& arg : args) {
      argv.push_back(arg.c_str());
    }
    argv.push_back(nullptr);
    return ParseCommandLine(static_cast<int>(args.size()), argv.data());
  }

  static Invocation ParseOk(std::vector<std::string> args) {
    auto result = Parse(std::move(args));
    if (const auto* exit = std::get_if<EarlyExit>(&result)) {
      ADD_FAILURE() << "unexpected early exit " << exit->exit_code << ": " << exit->output;
      return {};
    }
    return std::get<Invocation>(result);
  }

  static EarlyExit ParseExit(std::vector<std::string> args) {
    auto result = Parse(std::move(args));
    if (!std::holds_alternative<EarlyExit>(result)) {
      ADD_FAILURE() << "expected an early exit";
      return {};
    }
    return std::get<EarlyExit>(result);
  }

  std::filesystem::path password_file_;
  std::filesystem::path other_password_file_;
};

// Expects exit code 2 and exactly one line that starts with "error: <setting>: ".
void ExpectBadValue(const EarlyExit& exit, const std::string& setting, const std::string& rule) {
  EXPECT_EQ(exit.exit_code, 2) << exit.output;
  EXPECT_EQ(exit.output.rfind("error: " + setting + ": ", 0), 0U) << exit.output;
  EXPECT_NE(exit.output.find(rule), std::string::npos) << exit.output;
  ASSERT_FALSE(exit.output.empty());
  EXPECT_EQ(exit.output.find('\n'), exit.output.size() - 1) << "one line: " << exit.output;
}

std::size_t AllowedCores() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  sched_getaffinity(0, sizeof(cpus), &cpus);
  return static_cast<std::size_t>(CPU_COUNT(&cpus));
}

TEST_F(ConfigTest, DefaultsServeOnLoopbackWithSqlite) {
  const Invocation invocation = ParseOk({});
  const Config& config = invocation.config;
  EXPECT_EQ(invocation.command, Command::kServe);
  EXPECT_EQ(config.server.listen_host, "127.0.0.1");
  EXPECT_EQ(config.server.listen_port, 8080);
  EXPECT_EQ(config.server.io_threads, AllowedCores());
  EXPECT_EQ(config.server.max_connections, 10000U);
  EXPECT_EQ(config.server.max_header_bytes, 8192U);
  EXPECT_EQ(config.server.max_body_bytes, 4096U);
  EXPECT_EQ(config.server.header_timeout, 10s);
  EXPECT_EQ(config.server.body_timeout, 10s);
  EXPECT_EQ(config.server.idle_timeout, 60s);
  EXPECT_EQ(config.server.drain_period, 5s);
  EXPECT_EQ(config.server.shutdown_timeout, 10s);
  EXPECT_EQ(config.storage.database_url, "sqlite:./data/hello.db");
  EXPECT_EQ(config.storage.pool_size, 8U);
  EXPECT_EQ(config.storage.request_timeout, 2s);
  EXPECT_EQ(config.storage.password_file, "");
  EXPECT_EQ(config.log_level, LogLevel::kInfo);
  EXPECT_EQ(config.log_format, LogFormat::kJson);
  EXPECT_EQ(config.time_zone, "UTC");
}

TEST_F(ConfigTest, IoThreadsDefaultToTheCoresThisProcessMayUse) {
  cpu_set_t original;
  ASSERT_EQ(sched_getaffinity(0, sizeof(original), &original), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &original)) {
      CPU_SET(cpu, &one);
      break;
    }
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
  const std::size_t threads = ParseOk({}).config.server.io_threads;
  sched_setaffinity(0, sizeof(original), &original);
  EXPECT_EQ(threads, 1U);
}

/// One setting: its flag, its variable, two valid values and a check that a value was applied.
struct SettingCase {
  std::string flag;
  std::string env;
  std::string value;
  std::string other_value;
  std::function<void(const Config&, const std::string&)> expect;
};

std::vector<SettingCase> SettingCases(const std::string& password_file,
                                      const std::string& other_password_file) {
  using std::chrono::milliseconds;
  const auto ms = [](const std::string& text) { return milliseconds(std::stoll(text)); };
  const auto number = [](const std::string& text) { return std::stoull(text); };
  return {
      {"--listen", "HELLO_LISTEN", "0.0.0.0:9000", "127.0.0.1:0",
       [](const Config& c, const std::string& v) {
         EXPECT_EQ(c.server.listen_host + ":" + std::to_string(c.server.listen_port), v);
       }},
      {"--database-url", "HELLO_DATABASE_URL", "sqlite:/tmp/a.db",
       "postgres://app@127.0.0.1:5432/hello?sslmode=disable",
       [](const Config& c, const std::string& v) { EXPECT_EQ(c.storage.database_url, v); }},
      {"--log-level", "HELLO_LOG_LEVEL", "debug", "error",
       [](const Config& c, const std::string& v) {
         EXPECT_EQ(c.log_level, v == "debug" ? LogLevel::kDebug : LogLevel::kError);
       }},
      {"--log-format", "HELLO_LOG_FORMAT", "text", "json",
       [](const Config& c, const std::string& v) {
         EXPECT_EQ(c.log_format, v == "text" ? LogFormat::kText : LogFormat::kJson);
       }},
      {"--timezone", "HELLO_TIMEZONE", "Europe/Paris", "America/New_York",
       [](const Config& c, const std::string& v) { EXPECT_EQ(c.time_zone, v); }},
      {"--drain-seconds", "HELLO_DRAIN_SECONDS", "0.25", "30",
       [](const Config& c, const std::string& v) {
         EXPECT_EQ(c.server.drain_period, milliseconds(std::llround(std::stod(v) * 1000)));
       }},
      {"--shutdown-timeout-seconds", "HELLO_SHUTDOWN_TIMEOUT_SECONDS", "2", "0",
       [](const Config& c, const std::string& v) {
         EXPECT_EQ(c.server.shutdown_timeout, milliseconds(std::stoll(v) * 1000));
       }},
      {"--io-threads", "HELLO_IO_THREADS", "3", "16",
       [number](const Config& c, const std::string& v) {
         EXPECT_EQ(c.server.io_threads, number(v));
       }},
      {"--max-connections", "HELLO_MAX_CONNECTIONS", "50", "200000",
       [number](const Config& c, const std::string& v) {
         EXPECT_EQ(c.server.max_connections, number(v));
       }},
      {"--header-timeout-ms", "HELLO_HEADER_TIMEOUT_MS", "250", "1",
       [ms](const Config& c, const std::string& v) { EXPECT_EQ(c.server.header_timeout, ms(v)); }},
      {"--body-timeout-ms", "HELLO_BODY_TIMEOUT_MS", "300", "3600000",
       [ms](const Config& c, const std::string& v) { EXPECT_EQ(c.server.body_timeout, ms(v)); }},
      {"--idle-timeout-ms", "HELLO_IDLE_TIMEOUT_MS", "400", "5000",
       [ms](const Config& c, const std::string& v) { EXPECT_EQ(c.server.idle_timeout, ms(v)); }},
      {"--db-pool-size", "HELLO_DB_POOL_SIZE", "2", "64",
       [number](const Config& c, const std::string& v) {
         EXPECT_EQ(c.storage.pool_size, number(v));
       }},
      {"--db-timeout-ms", "HELLO_DB_TIMEOUT_MS", "150", "9000",
       [ms](const Config& c, const std::string& v) {
         EXPECT_EQ(c.storage.request_timeout, ms(v));
       }},
      {"--db-password-file", "HELLO_DB_PASSWORD_FILE", password_file, other_password_file,
       [](const Config& c, const std::string& v) { EXPECT_EQ(c.storage.password_file, v); }},
  };
}

TEST_F(ConfigTest, EverySettingIsReadFromItsFlag) {
  for (const SettingCase& setting : SettingCases(password_file_, other_password_file_)) {
    SCOPED_TRACE(setting.flag);
    setting.expect(ParseOk({setting.flag, setting.value}).config, setting.value);
    setting.expect(ParseOk({setting.flag + "=" + setting.other_value}).config, setting.other_value);
  }
}

TEST_F(ConfigTest, EverySettingIsReadFromItsVariable) {
  for (const SettingCase& setting : SettingCases(password_file_, other_password_file_)) {
    SCOPED_TRACE(setting.env);
    setenv(setting.env.c_str(), setting.value.c_str(), 1);
    setting.expect(ParseOk({}).config, setting.value);
    unsetenv(setting.env.c_str());
  }
}

TEST_F(ConfigTest, FlagsWinOverVariables) {
  for (const SettingCase& setting : SettingCases(password_file_, other_password_file_)) {
    SCOPED_TRACE(setting.flag);
    setenv(setting.env.c_str(), setting.other_value.c_str(), 1);
    setting.expect(ParseOk({setting.flag, setting.value}).config, setting.value);
    unsetenv(setting.env.c_str());
  }
}

TEST_F(ConfigTest, AnEmptyVariableCountsAsUnset) {
  setenv("HELLO_LOG_LEVEL", "", 1);
  setenv("HELLO_LISTEN", "", 1);
  const Config config = ParseOk({}).config;
  EXPECT_EQ(config.log_level, LogLevel::kInfo);
  EXPECT_EQ(config.server.listen_port, 8080);
}

TEST_F(ConfigTest, ARepeatedFlagTakesTheLastValue) {
  EXPECT_EQ(ParseOk({"--log-level", "debug", "--log-level", "warn"}).config.log_level,
            LogLevel::kWarn);
}

TEST_F(ConfigTest, ListenAcceptsIpv6InBracketsAndPortZero) {
  const Config v6 = ParseOk({"--listen", "[::1]:8443"}).config;
  EXPECT_EQ(v6.server.listen_host, "::1");
  EXPECT_EQ(v6.server.listen_port, 8443);
  const Config any = ParseOk({"--listen", "[::]:0"}).config;
  EXPECT_EQ(any.server.listen_host, "::");
  EXPECT_EQ(any.server.listen_port, 0);
}

TEST_F(ConfigTest, BadListenAddressesAreRejected) {
  for (const std::string bad :
       {"localhost:80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
        "127.0.0.1:80x", "::1:80", "[::1]80", "[127.0.0.1]:80", "[::1]:", "999.0.0.1:80", ":80"}) {
    SCOPED_TRACE(bad);
    ExpectBadValue(ParseExit({"--listen", bad}), "--listen",
                   "\"" + bad + "\" is not host:port with an IPv4 address or a bracketed IPv6");
  }
}

/// One bad value for a setting and the words that list what is allowed.
struct BadCase {
  std::string flag;
  std::string env;
  std::string value;
  std::string rule;
};

std::vector<BadCase> BadCases() {
  return {
      {"--log-level", "HELLO_LOG_LEVEL", "loud", "is not one of debug, info, warn, error"},
      {"--log-level", "HELLO_LOG_LEVEL", "INFO", "is not one of debug, info, warn, error"},
      {"--log-format", "HELLO_LOG_FORMAT", "xml", "is not one of json, text"},
      {"--timezone", "HELLO_TIMEZONE", "Mars/Olympus_Mons", "is not a known IANA time zone"},
      {"--drain-seconds", "HELLO_DRAIN_SECONDS", "-1", "is not a number of seconds from 0 to 3600"},
      {"--drain-seconds", "HELLO_DRAIN_SECONDS", "soon", "is not a number of seconds"},
      {"--drain-seconds", "HELLO_DRAIN_SECONDS", "1e3", "is not a number of seconds"},
      {"--shutdown-timeout-seconds", "HELLO_SHUTDOWN_TIMEOUT_SECONDS", "3601",
       "is not a number of seconds from 0 to 3600"},
      {"--shutdown-timeout-seconds", "HELLO_SHUTDOWN_TIMEOUT_SECONDS", "nan",
       "is not a number of seconds"},
      {"--io-threads", "HELLO_IO_THREADS", "0", "is not an integer from 1 to 1024"},
      {"--io-threads", "HELLO_IO_THREADS", "1.5", "is not an integer from 1 to 1024"},
      {"--io-threads", "HELLO_IO_THREADS", "1025", "is not an integer from 1 to 1024"},
      {"--max-connections", "HELLO_MAX_CONNECTIONS", "-5", "is not an integer from 1 to 1000000"},
      {"--max-connections", "HELLO_MAX_CONNECTIONS", "99999999999999999999999",
       "is not an integer from 1 to 1000000"},
      {"--header-timeout-ms", "HELLO_HEADER_TIMEOUT_MS", "0",
       "is not an integer from 1 to 3600000"},
      {"--body-timeout-ms", "HELLO_BODY_TIMEOUT_MS", " 5", "is not an integer from 1 to 3600000"},
      {"--idle-timeout-ms", "HELLO_IDLE_TIMEOUT_MS", "10s", "is not an integer from 1 to 3600000"},
      {"--db-pool-size", "HELLO_DB_POOL_SIZE", "0", "is not an integer from 1 to 1024"},
      {"--db-timeout-ms", "HELLO_DB_TIMEOUT_MS", "3600001", "is not an integer from 1 to 3600000"},
      {"--db-password-file", "HELLO_DB_PASSWORD_FILE", "/nonexistent/secret",
       "is not a readable file"},
      {"--db-password-file", "HELLO_DB_PASSWORD_FILE", "/tmp", "is not a readable file"},
      {"--listen", "HELLO_LISTEN", "example.com:80", "is not host:port"},
  };
}

TEST_F(ConfigTest, ABadFlagValueExitsWithTwoNamingTheFlagAndTheAllowedValues) {
  for (const BadCase& bad : BadCases()) {
    SCOPED_TRACE(bad.flag + " " + bad.value);
    ExpectBadValue(ParseExit({bad.flag, bad.value}), bad.flag, "\"" + bad.value + "\" " + bad.rule);
  }
}

TEST_F(ConfigTest, ABadVariableValueExitsWithTwoNamingTheVariableAndTheAllowedValues) {
  for (const BadCase& bad : BadCases()) {
    SCOPED_TRACE(bad.env + "=" + bad.value);
    setenv(bad.env.c_str(), bad.value.c_str(), 1);
    ExpectBadValue(ParseExit({}), bad.env, "\"" + bad.value + "\" " + bad.rule);
    unsetenv(bad.env.c_str());
  }
}

TEST_F(ConfigTest, TheLogLevelErrorReadsAsOneClearLine) {
  setenv("HELLO_LOG_LEVEL", "loud", 1);
  EXPECT_EQ(ParseExit({}).output,
            "error: HELLO_LOG_LEVEL: \"loud\" is not one of debug, info, warn, error\n");
}

TEST_F(ConfigTest, AValidFlagHidesABadVariable) {
  setenv("HELLO_LOG_LEVEL", "loud", 1);
  EXPECT_EQ(ParseOk({"--log-level", "warn"}).config.log_level, LogLevel::kWarn);
}

TEST_F(ConfigTest, ControlCharactersInAnEchoedValueDoNotBreakTheLine) {
  setenv("HELLO_LOG_FORMAT", "js\non\x1b[31m", 1);
  const EarlyExit exit = ParseExit({});
  ExpectBadValue(exit, "HELLO_LOG_FORMAT", "\"js?on?[31m\" is not one of json, text");
}

TEST_F(ConfigTest, DatabaseUrlsOfEachBackendAreAccepted) {
  for (const std::string url :
       {"sqlite:./data/hello.db", "sqlite:/var/lib/hello/hello.db",
        "postgres://app@db.internal:5432/hello?sslmode=verify-full",
        "postgresql://app@127.0.0.1/hello", "dynamodb://users?region=eu-west-1",
        "dynamodb://users?region=us-east-1&endpoint=http://127.0.0.1:25590"}) {
    SCOPED_TRACE(url);
    EXPECT_EQ(ParseOk({"--database-url", url}).config.storage.database_url, url);
  }
}

TEST_F(ConfigTest, AnUnsupportedDatabaseUrlIsRejectedWithoutEchoingIt) {
  for (const std::string url :
       {"mysql://root:hunter2@db/hello", "sqlite:", "dynamodb://?region=eu-west-1", "hunter2"}) {
    SCOPED_TRACE(url);
    const EarlyExit exit = ParseExit({"--database-url", url});
    ExpectBadValue(exit, "--database-url", "is not a supported database URL (sqlite:<path>");
    EXPECT_EQ(exit.output.find("hunter2"), std::string::npos) << exit.output;

    setenv("HELLO_DATABASE_URL", url.c_str(), 1);
    ExpectBadValue(ParseExit({}), "HELLO_DATABASE_URL", "is not a supported database URL");
    unsetenv("HELLO_DATABASE_URL");
  }
}

TEST_F(ConfigTest, APasswordInTheDatabaseUrlFlagIsRejected) {
  const EarlyExit exit = ParseExit({"--database-url", "postgres://app:hunter2@db/hello"});
  ExpectBadValue(exit, "--database-url", "must not contain a password");
  EXPECT_NE(exit.output.find("HELLO_DB_PASSWORD_FILE"), std::string::npos);
  EXPECT_EQ(exit.output.find("hunter2"), std::string::npos) << exit.output;

  // The environment is readable only by the process owner, so a URL there may carry one.
  setenv("HELLO_DATABASE_URL", "postgres://app:hunter2@db/hello", 1);
  EXPECT_EQ(ParseOk({}).config.storage.database_url, "postgres://app:hunter2@db/hello");
}

TEST_F(ConfigTest, PostgresUrlsBeyondRfc3986AreLeftToLibpq) {
  // Several hosts for failover, or no host at all when PGHOST names it.
  for (const std::string url : {"postgres://app@h1:5432,h2:5433/hello?target_session_attrs=any",
                                "postgresql:///hello", "postgres://"}) {
    SCOPED_TRACE(url);
    EXPECT_EQ(ParseOk({"--database-url", url}).config.storage.database_url, url);
  }
  const EarlyExit exit = ParseExit({"--database-url", "postgres://app:hunter2@h1,h2/hello"});
  ExpectBadValue(exit, "--database-url", "must not contain a password");
}

TEST_F(ConfigTest, SubcommandsSelectTheCommand) {
  EXPECT_EQ(ParseOk({}).command, Command::kServe);
  EXPECT_EQ(ParseOk({"serve"}).command, Command::kServe);
  EXPECT_EQ(ParseOk({"migrate"}).command, Command::kMigrate);
  EXPECT_EQ(ParseOk({"healthcheck"}).command, Command::kHealthcheck);
}

TEST_F(ConfigTest, FlagsWorkBeforeAndAfterTheSubcommand) {
  const Invocation after = ParseOk({"migrate", "--database-url", "sqlite:/tmp/m.db"});
  EXPECT_EQ(after.command, Command::kMigrate);
  EXPECT_EQ(after.config.storage.database_url, "sqlite:/tmp/m.db");
  const Invocation before = ParseOk({"--listen", "127.0.0.1:9999", "healthcheck"});
  EXPECT_EQ(before.command, Command::kHealthcheck);
  EXPECT_EQ(before.config.server.listen_port, 9999);
}

TEST_F(ConfigTest, HelpListsEveryFlagAndVariableAndExitsZero) {
  const EarlyExit exit = ParseExit({"--help"});
  EXPECT_EQ(exit.exit_code, 0);
  for (const SettingCase& setting : SettingCases(password_file_, other_password_file_)) {
    EXPECT_NE(exit.output.find(setting.flag), std::string::npos) << setting.flag;
    EXPECT_NE(exit.output.find(setting.env), std::string::npos) << setting.env;
  }
  for (const char* command : {"serve", "migrate", "healthcheck", "--version"}) {
    EXPECT_NE(exit.output.find(command), std::string::npos) << command;
  }
  EXPECT_EQ(ParseExit({"-h"}).exit_code, 0);
  EXPECT_EQ(ParseExit({"migrate", "--help"}).exit_code, 0);
}

TEST_F(ConfigTest, VersionPrintsNameVersionAndRevision) {
  const EarlyExit exit = ParseExit({"--version"});
  EXPECT_EQ(exit.exit_code, 0);
  EXPECT_EQ(exit.output,
            std::string("hello-birthday ") + build::kVersion + " (" + build::kGitRevision + ")\n");
}

TEST_F(ConfigTest, UnknownFlagsAndArgumentsExitWithTwo) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--no-such-flag"}, {"--listen"}, {"frobnicate"}, {"serve", "migrate"}, {"-x"}}) {
    const EarlyExit exit = ParseExit(args);
    EXPECT_EQ(exit.exit_code, 2) << args[0];
    EXPECT_EQ(exit.output.rfind("error: ", 0), 0U) << exit.output;
    EXPECT_EQ(exit.output.find('\n'), exit.output.size() - 1) << "one line: " << exit.output;
  }
  EXPECT_NE(ParseExit({"--no-such-flag"}).output.find("--no-such-flag"), std::string::npos);
}

}  // namespace
}  // namespace hello::config
