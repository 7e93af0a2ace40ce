#pragma once
// Service configuration from command-line flags and the matching HELLO_* environment variables.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "observability/log.hpp"
#include "storage/store_options.hpp"

namespace hello::config {

struct ServerConfig {
  std::string listen_host = "127.0.0.1";  // HELLO_LISTEN=host:port; port 0 picks a free one
  std::uint16_t listen_port = 8080;
  std::size_t io_threads = 0;  // 0 = the number of cores (resolved by the parser)
  std::size_t max_connections = 10000;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 4 * 1024;
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds drain_period{5000};       // HELLO_DRAIN_SECONDS
  std::chrono::milliseconds shutdown_timeout{10000};  // HELLO_SHUTDOWN_TIMEOUT_SECONDS
};

struct Config {
  ServerConfig server;
  storage::StoreOptions storage;
  observability::LogLevel log_level = observability::LogLevel::kInfo;
  observability::LogFormat log_format = observability::LogFormat::kJson;
  std::string time_zone = "UTC";
};

/// `serve` (the default), `migrate` (apply the storage schema and exit) or `healthcheck`
/// (probe /healthz of the server this configuration describes; exit 0 when it answers 200).
enum class Command { kServe, kMigrate, kHealthcheck };

struct Invocation {
  Command command = Command::kServe;
  Config config;
};

/// What the process should do instead of running: print `output` and exit with `exit_code`
/// (0 for --help and --version, 2 for a bad value; `output` then names the setting).
struct EarlyExit {
  int exit_code = 0;
  std::string output;
};

/// Flags win over environment variables, which win over defaults.
std::variant<Invocation, EarlyExit> ParseCommandLine(int argc, const char* const* argv);

}  // namespace hello::config
