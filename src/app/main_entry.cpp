// Command dispatch: parse the configuration, then serve, migrate or probe.

#include "app/main_entry.hpp"

#include <exception>
#include <iostream>
#include <variant>

#include "app/application.hpp"
#include "app/healthcheck.hpp"
#include "app/startup_log.hpp"
#include "config/config.hpp"
#include "observability/log.hpp"
#include "storage/store_factory.hpp"

namespace hello::app {
namespace {

using observability::Log;
using observability::LogLevel;

int Migrate(const config::Config& config) {
  LogStartup(config, "migrate");
  const auto migrated = storage::MigrateStore(config.storage);
  if (!migrated) {
    Log(LogLevel::kError, "migration failed", {{"error", migrated.error()}});
    return 1;
  }
  Log(LogLevel::kInfo, "migrated");
  return 0;
}

int Serve(const config::Config& config) {
  LogStartup(config, "serve");
  Application application(config);
  return application.Run();
}

}  // namespace

int Main(int argc, const char* const* argv) {
  auto parsed = config::ParseCommandLine(argc, argv);
  if (const auto* early = std::get_if<config::EarlyExit>(&parsed)) {
    auto& stream = early->exit_code == 0 ? std::cout : std::cerr;
    stream << early->output << std::flush;
    return early->exit_code;
  }
  const auto& invocation = std::get<config::Invocation>(parsed);

  // The probe prints only its failure: its output lands in the container's health status.
  if (invocation.command == config::Command::kHealthcheck) {
    return RunHealthcheck(invocation.config.server);
  }

  observability::InitLogging(invocation.config.log_level, invocation.config.log_format);
  int exit_code = 1;
  try {
    exit_code = invocation.command == config::Command::kMigrate ? Migrate(invocation.config)
                                                                : Serve(invocation.config);
  } catch (const std::exception& exception) {
    // Start-up failures only: request handling catches its own. No user data exists yet.
    Log(LogLevel::kError, "fatal error", {{"error", exception.what()}});
  }
  observability::FlushLogs();
  return exit_code;
}

}  // namespace hello::app
