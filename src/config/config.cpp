// Command line and environment parsing. CLI11 reads the flags and subcommands; each value is
// then taken from its flag, else its HELLO_* variable, else the default, and checked here so that
// a bad value yields one line naming the setting and what it accepts.

#include "config/config.hpp"

#include <arpa/inet.h>
#include <sched.h>

#include <CLI/CLI.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

#include "build_info.hpp"
#include "domain/calendar.hpp"

namespace hello::config {
namespace {

constexpr std::size_t kMaxIoThreads = 1024;
constexpr std::size_t kMaxConnections = 1'000'000;
constexpr std::size_t kMaxPoolSize = 1024;
constexpr std::int64_t kMaxTimeoutMs = 3'600'000;
constexpr double kMaxPeriodSeconds = 3600;

/// A value as given, with the name it was given under (the flag or the variable).
struct RawValue {
  std::string source;
  std::string text;
  bool from_flag = false;
};

using Problem = std::string;

/// The value echoed in an error: one line, printable, short.
std::string Quoted(std::string_view text) {
  constexpr std::size_t kMaxShown = 64;
  std::string shown = "\"";
  for (std::size_t i = 0; i < text.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    shown += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  if (text.size() > kMaxShown) {
    shown += "...";
  }
  return shown + "\"";
}

std::string BadValue(const RawValue& raw, std::string_view rule) {
  return "error: " + raw.source + ": " + Quoted(raw.text) + " " + std::string(rule);
}

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

Expected<std::uint64_t, Problem> ParseInteger(const RawValue& raw, std::uint64_t min,
                                              std::uint64_t max) {
  const std::optional<std::uint64_t> value = ParseUnsigned(raw.text);
  if (!value || *value < min || *value > max) {
    return MakeUnexpected(BadValue(
        raw, "is not an integer from " + std::to_string(min) + " to " + std::to_string(max)));
  }
  return *value;
}

Expected<std::chrono::milliseconds, Problem> ParseMilliseconds(const RawValue& raw) {
  auto value = ParseInteger(raw, 1, kMaxTimeoutMs);
  if (!value) {
    return MakeUnexpected(std::move(value).error());
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(*value));
}

// Seconds may have a fraction ("0.5") so that tests and small deployments can drain quickly.
Expected<std::chrono::milliseconds, Problem> ParseSeconds(const RawValue& raw) {
  double seconds = -1;
  const auto* end = raw.text.data() + raw.text.size();
  const auto [ptr, ec] = std::from_chars(raw.text.data(), end, seconds, std::chars_format::fixed);
  if (raw.text.empty() || ec != std::errc() || ptr != end || !(seconds >= 0) ||
      seconds > kMaxPeriodSeconds) {
    return MakeUnexpected(BadValue(raw, "is not a number of seconds from 0 to 3600"));
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000));
}

Expected<observability::LogLevel, Problem> ParseLogLevel(const RawValue& raw) {
  using observability::LogLevel;
  if (raw.text == "debug") return LogLevel::kDebug;
  if (raw.text == "info") return LogLevel::kInfo;
  if (raw.text == "warn") return LogLevel::kWarn;
  if (raw.text == "error") return LogLevel::kError;
  return MakeUnexpected(BadValue(raw, "is not one of debug, info, warn, error"));
}

Expected<observability::LogFormat, Problem> ParseLogFormat(const RawValue& raw) {
  if (raw.text == "json") return observability::LogFormat::kJson;
  if (raw.text == "text") return observability::LogFormat::kText;
  return MakeUnexpected(BadValue(raw, "is not one of json, text"));
}

bool IsIpv4(const std::string& host) {
  in_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr address{};
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// "127.0.0.1:8080", "0.0.0.0:0" or "[::1]:8080"; the host is stored without brackets.
Problem ParseListen(const RawValue& raw, ServerConfig& server) {
  const std::string_view text = raw.text;
  std::string host;
  std::string_view port;
  bool valid = false;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close != std::string_view::npos) {
      host = std::string(text.substr(1, close - 1));
      port = text.substr(close + 2);
      valid = IsIpv6(host);
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    valid = IsIpv4(host);
  }
  const std::optional<std::uint64_t> port_number = ParseUnsigned(port);
  if (!valid || !port_number || *port_number > 65535) {
    return BadValue(raw,
                    "is not host:port with an IPv4 address or a bracketed IPv6 address and a "
                    "port from 0 to 65535 (e.g. 127.0.0.1:8080, [::1]:8080)");
  }
  server.listen_host = std::move(host);
  server.listen_port = static_cast<std::uint16_t>(*port_number);
  return {};
}

// Only the form is checked here; each adapter checks its own options when it opens. The value
// is never echoed, as it may hold a password.
Problem CheckDatabaseUrl(const RawValue& raw) {
  const std::string_view url = raw.text;
  const std::string usage =
      "error: " + raw.source +
      ": is not a supported database URL (sqlite:<path>, postgres://user@host:port/db, "
      "postgresql://..., dynamodb://<table>?region=<region>)";
  if (url.starts_with("sqlite:")) {
    return url.size() > 7 ? Problem() : usage;
  }
  const bool postgres = url.starts_with("postgres://") || url.starts_with("postgresql://");
  if (!postgres && !url.starts_with("dynamodb://")) {
    return usage;
  }
  if (postgres) {
    // libpq's URI grammar goes beyond RFC 3986 (several hosts, or none with PGHOST set), so
    // libpq itself validates the rest when the store opens.
    const auto authority = url.substr(url.find("://") + 3);
    const auto userinfo_end = authority.substr(0, authority.find_first_of("/?")).rfind('@');
    const bool has_password = userinfo_end != std::string_view::npos &&
                              authority.substr(0, userinfo_end).find(':') != std::string_view::npos;
    // A password on the command line is visible to every user of the machine (ps, /proc).
    if (raw.from_flag && has_password) {
      return "error: " + raw.source +
             ": must not contain a password; put it in a file named by --db-password-file or "
             "HELLO_DB_PASSWORD_FILE";
    }
    return {};
  }
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->encoded_host().empty()) {
    return usage;
  }
  return {};
}

Problem CheckReadableFile(const RawValue& raw) {
  std::error_code error;
  std::ifstream file(raw.text);
  if (raw.text.empty() || !std::filesystem::is_regular_file(raw.text, error) || !file) {
    return BadValue(raw, "is not a readable file");
  }
  return {};
}

Problem CheckTimeZone(const RawValue& raw) {
  if (!domain::Calendar::Create(raw.text)) {
    return BadValue(raw, "is not a known IANA time zone (e.g. UTC, Europe/Paris)");
  }
  return {};
}

// The cores this process may run on (taskset and cgroup cpusets included), at least one.
std::size_t AvailableCores() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0) {
    const int count = CPU_COUNT(&cpus);
    if (count > 0) {
      return static_cast<std::size_t>(count);
    }
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

/// One setting: its flag, its variable, what --help says, and how its value is applied.
struct Setting {
  std::string flag;
  std::string env;
  std::string value_name;
  std::string help;
  std::function<Problem(const RawValue&, Config&)> apply;
  std::string flag_value{};
  CLI::Option* option = nullptr;
};

// Wraps a parser returning Expected<T> and a setter into Setting::apply.
template <typename Parse, typename Assign>
std::function<Problem(const RawValue&, Config&)> Apply(Parse parse, Assign assign) {
  return [parse, assign](const RawValue& raw, Config& config) -> Problem {
    auto value = parse(raw);
    if (!value) {
      return std::move(value).error();
    }
    assign(config, *value);
    return {};
  };
}

std::vector<Setting> Settings() {
  using std::chrono::milliseconds;
  const auto count = [](std::uint64_t max) {
    return [max](const RawValue& raw) { return ParseInteger(raw, 1, max); };
  };
  std::vector<Setting> settings;
  settings.push_back({"--listen", "HELLO_LISTEN", "HOST:PORT",
                      "Address to serve on; [::1]:PORT for IPv6, port 0 picks a free port "
                      "(default 127.0.0.1:8080)",
                      [](const RawValue& raw, Config& c) { return ParseListen(raw, c.server); }});
  settings.push_back({"--database-url", "HELLO_DATABASE_URL", "URL",
                      "sqlite:<path>, postgres://user@host:port/db?sslmode=... or "
                      "dynamodb://<table>?region=<region>[&endpoint=<url>] "
                      "(default sqlite:./data/hello.db)",
                      [](const RawValue& raw, Config& c) {
                        Problem problem = CheckDatabaseUrl(raw);
                        if (problem.empty()) c.storage.database_url = raw.text;
                        return problem;
                      }});
  settings.push_back({"--log-level", "HELLO_LOG_LEVEL", "LEVEL",
                      "debug, info, warn or error (default info)",
                      Apply(ParseLogLevel, [](Config& c, auto v) { c.log_level = v; })});
  settings.push_back({"--log-format", "HELLO_LOG_FORMAT", "FORMAT",
                      "json (one object per line) or text (default json)",
                      Apply(ParseLogFormat, [](Config& c, auto v) { c.log_format = v; })});
  settings.push_back({"--timezone", "HELLO_TIMEZONE", "ZONE",
                      "IANA time zone that decides the current date (default UTC)",
                      [](const RawValue& raw, Config& c) {
                        Problem problem = CheckTimeZone(raw);
                        if (problem.empty()) c.time_zone = raw.text;
                        return problem;
                      }});
  settings.push_back({"--drain-seconds", "HELLO_DRAIN_SECONDS", "SECONDS",
                      "After SIGTERM, keep serving with /readyz at 503 this long (default 5)",
                      Apply(ParseSeconds, [](Config& c, auto v) { c.server.drain_period = v; })});
  settings.push_back(
      {"--shutdown-timeout-seconds", "HELLO_SHUTDOWN_TIMEOUT_SECONDS", "SECONDS",
       "After the drain, wait this long at most for requests in flight (default 10)",
       Apply(ParseSeconds, [](Config& c, auto v) { c.server.shutdown_timeout = v; })});
  settings.push_back(
      {"--io-threads", "HELLO_IO_THREADS", "N",
       "Threads serving HTTP (default: the cores this process may use)",
       Apply(count(kMaxIoThreads), [](Config& c, auto v) { c.server.io_threads = v; })});
  settings.push_back(
      {"--max-connections", "HELLO_MAX_CONNECTIONS", "N",
       "Open client connections at most; more are answered 503 and closed (default 10000)",
       Apply(count(kMaxConnections), [](Config& c, auto v) { c.server.max_connections = v; })});
  settings.push_back(
      {"--header-timeout-ms", "HELLO_HEADER_TIMEOUT_MS", "MS",
       "Time allowed to receive a request's header (default 10000)",
       Apply(ParseMilliseconds, [](Config& c, milliseconds v) { c.server.header_timeout = v; })});
  settings.push_back(
      {"--body-timeout-ms", "HELLO_BODY_TIMEOUT_MS", "MS",
       "Time allowed to receive a request's body (default 10000)",
       Apply(ParseMilliseconds, [](Config& c, milliseconds v) { c.server.body_timeout = v; })});
  settings.push_back(
      {"--idle-timeout-ms", "HELLO_IDLE_TIMEOUT_MS", "MS",
       "Time an idle keep-alive connection stays open (default 60000)",
       Apply(ParseMilliseconds, [](Config& c, milliseconds v) { c.server.idle_timeout = v; })});
  settings.push_back(
      {"--db-pool-size", "HELLO_DB_POOL_SIZE", "N",
       "Database connections (PostgreSQL) or storage worker threads (default 8)",
       Apply(count(kMaxPoolSize), [](Config& c, auto v) { c.storage.pool_size = v; })});
  settings.push_back(
      {"--db-timeout-ms", "HELLO_DB_TIMEOUT_MS", "MS",
       "Upper bound of one storage call, retries included (default 2000)",
       Apply(ParseMilliseconds, [](Config& c, milliseconds v) { c.storage.request_timeout = v; })});
  settings.push_back({"--db-password-file", "HELLO_DB_PASSWORD_FILE", "PATH",
                      "File holding the PostgreSQL password, which keeps it off the command line",
                      [](const RawValue& raw, Config& c) {
                        Problem problem = CheckReadableFile(raw);
                        if (problem.empty()) c.storage.password_file = raw.text;
                        return problem;
                      }});
  return settings;
}

// The flag wins; an unset or empty variable counts as not given.
std::optional<RawValue> FindValue(const Setting& setting) {
  if (setting.option->count() > 0) {
    return RawValue{setting.flag, setting.flag_value, true};
  }
  const char* env = std::getenv(setting.env.c_str());
  if (env != nullptr && *env != '\0') {
    return RawValue{setting.env, env, false};
  }
  return std::nullopt;
}

std::string VersionLine() {
  return std::string("hello-birthday ") + build::kVersion + " (" + build::kGitRevision + ")\n";
}

}  // namespace

std::variant<Invocation, EarlyExit> ParseCommandLine(int argc, const char* const* argv) {
  CLI::App app(
      "hello-birthday: an HTTP API that stores birthdays and greets people.\n"
      "Each flag can also be set by the environment variable shown; flags win.",
      "hello-birthday");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.fallthrough();
  app.require_subcommand(0, 1);
  bool show_version = false;
  app.add_flag("--version", show_version, "Print the version and exit");

  std::vector<Setting> settings = Settings();
  for (Setting& setting : settings) {
    setting.option = app.add_option(setting.flag, setting.flag_value,
                                    setting.help + " [env " + setting.env + "]");
    setting.option->type_name(setting.value_name);
  }
  CLI::App* serve = app.add_subcommand("serve", "Serve HTTP (the default)");
  CLI::App* migrate = app.add_subcommand("migrate", "Apply the storage schema, then exit");
  CLI::App* healthcheck = app.add_subcommand(
      "healthcheck", "Exit 0 when the server on --listen answers GET /healthz with 200");
  for (CLI::App* command : {serve, migrate, healthcheck}) {
    command->footer("Every option of `hello-birthday --help` applies here too.");
  }

  // Steps: read the command line, answer --help and --version, then resolve each setting.
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return EarlyExit{0, app.help()};
  } catch (const CLI::CallForAllHelp&) {
    return EarlyExit{0, app.help("", CLI::AppFormatMode::All)};
  } catch (const CLI::ParseError& error) {
    return EarlyExit{2, std::string("error: ") + error.what() + " (see --help)\n"};
  }
  if (show_version) {
    return EarlyExit{0, VersionLine()};
  }

  Invocation invocation;
  invocation.config.server.io_threads = AvailableCores();
  for (const Setting& setting : settings) {
    const std::optional<RawValue> raw = FindValue(setting);
    if (!raw) {
      continue;
    }
    Problem problem = setting.apply(*raw, invocation.config);
    if (!problem.empty()) {
      return EarlyExit{2, std::move(problem) + "\n"};
    }
  }

  if (migrate->parsed()) {
    invocation.command = Command::kMigrate;
  } else if (healthcheck->parsed()) {
    invocation.command = Command::kHealthcheck;
  } else {
    invocation.command = Command::kServe;  // `serve` or no subcommand
  }
  return invocation;
}

}  // namespace hello::config
