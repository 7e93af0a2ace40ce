// Start-up logging with secrets removed from the database URL.

#include "app/startup_log.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>

#include "build_info.hpp"
#include "observability/log.hpp"

namespace hello::app {
namespace {

using observability::Log;
using observability::LogLevel;

bool LooksSecret(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::string_view, 5> kHints = {"password", "secret", "token", "key",
                                                             "credential"};
  return std::any_of(kHints.begin(), kHints.end(),
                     [&](std::string_view hint) { return lower.find(hint) != std::string::npos; });
}

std::string RedactQuery(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    const auto end = query.find('&');
    const auto pair = query.substr(0, end);
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && LooksSecret(pair.substr(0, equals))) {
      out.append(pair.substr(0, equals)).append("=redacted");
    } else {
      out.append(pair);
    }
    if (end == std::string_view::npos) {
      break;
    }
    out += '&';
    query.remove_prefix(end + 1);
  }
  return out;
}

std::string_view LevelName(observability::LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::int64_t Milliseconds(std::chrono::milliseconds value) { return value.count(); }

}  // namespace

std::string RedactUrl(std::string_view url) {
  // Split off the query (and fragment, which a database URL should not have).
  std::string_view query;
  if (const auto question = url.find('?'); question != std::string_view::npos) {
    query = url.substr(question + 1);
    url = url.substr(0, question);
  }

  // scheme://user:password@host/...: keep the user, hide the password.
  std::string out(url);
  if (const auto scheme_end = url.find("://"); scheme_end != std::string_view::npos) {
    const auto authority_start = scheme_end + 3;
    const auto authority_end = std::min(url.find('/', authority_start), url.size());
    const auto at = url.rfind('@', authority_end - 1);
    if (at != std::string_view::npos && at >= authority_start) {
      const auto colon = url.find(':', authority_start);
      if (colon != std::string_view::npos && colon < at) {
        out = std::string(url.substr(0, colon + 1)) + "redacted" + std::string(url.substr(at));
      }
    }
  }
  if (!query.empty()) {
    out += '?';
    out += RedactQuery(query);
  }
  return out;
}

void LogStartup(const config::Config& config, std::string_view command) {
  const auto& server = config.server;
  const std::string database_url = RedactUrl(config.storage.database_url);
  Log(LogLevel::kInfo, "starting",
      {{"version", build::kVersion},
       {"git_revision", build::kGitRevision},
       {"command", command},
       {"listen_host", server.listen_host},
       {"listen_port", static_cast<unsigned>(server.listen_port)},
       {"io_threads", server.io_threads},
       {"max_connections", server.max_connections},
       {"max_header_bytes", server.max_header_bytes},
       {"max_body_bytes", server.max_body_bytes},
       {"header_timeout_ms", Milliseconds(server.header_timeout)},
       {"body_timeout_ms", Milliseconds(server.body_timeout)},
       {"idle_timeout_ms", Milliseconds(server.idle_timeout)},
       {"drain_period_ms", Milliseconds(server.drain_period)},
       {"shutdown_timeout_ms", Milliseconds(server.shutdown_timeout)},
       {"database_url", database_url},
       {"database_password_file_set", !config.storage.password_file.empty()},
       {"db_pool_size", config.storage.pool_size},
       {"db_timeout_ms", Milliseconds(config.storage.request_timeout)},
       {"log_level", LevelName(config.log_level)},
       {"time_zone", config.time_zone}});
}

}  // namespace hello::app
