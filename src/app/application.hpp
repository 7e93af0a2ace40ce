#pragma once
// The `serve` command: wires storage, the API and the HTTP server onto the I/O threads, and
// runs the graceful shutdown on SIGTERM or SIGINT.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "config/config.hpp"
#include "http/server.hpp"
#include "http/service_state.hpp"

namespace hello::app {

/// Shutdown: the first signal starts the drain (/readyz answers 503, serving goes on for the
/// drain period; a second signal cuts the drain short), then the listener closes, idle
/// connections close, and requests in flight get up to the shutdown timeout to finish.
/// Exit code: 0 when every request was answered; 1 when the timeout cut off a request that
/// was being handled (connections still receiving a request are closed without counting).
class Application {
 public:
  explicit Application(config::Config config);
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  /// Serves until stopped; returns the process exit code (1 when storage or the listener
  /// cannot be opened).
  int Run();

 private:
  boost::asio::awaitable<void> Lifecycle(http::Server& server, http::ServiceState& state);
  void RunIoThreads();

  config::Config config_;
  boost::asio::io_context io_context_;
  boost::asio::signal_set signals_;
  int exit_code_ = 0;
};

}  // namespace hello::app
