#pragma once
// The HTTP listener: accepts connections up to a limit, runs one Session per connection and
// takes part in the graceful shutdown (stop accepting, finish in-flight, close the rest).

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/expected.hpp"
#include "config/config.hpp"
#include "http/request_handler.hpp"
#include "http/service_state.hpp"
#include "http/session.hpp"
#include "observability/metrics.hpp"

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace hello::http {

/// Every referenced object must outlive the Server, and the Server must outlive the last
/// run() of `io_context`.
class Server {
 public:
  Server(boost::asio::io_context& io_context, const config::ServerConfig& config,
         RequestHandler& handler, observability::Metrics& metrics, const ServiceState& state);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds listen_host:listen_port and listens. Returns the bound endpoint (the actual port
  /// when the configured one is 0) or a one-line error for the operator.
  Expected<boost::asio::ip::tcp::endpoint, std::string> Listen();

  /// Starts accepting connections on the I/O threads. Call after Listen() succeeded.
  void Start();

  /// Closes the listening socket and asks every connection to finish: idle ones close now,
  /// busy ones after their current response, which carries `Connection: close`. Thread-safe.
  void Shutdown();

  /// Completes once no connection is open, or when `timeout` has passed; true in the first
  /// case.
  boost::asio::awaitable<bool> WaitForConnections(std::chrono::milliseconds timeout);

  /// Closes every open connection at once. Returns how many were handling a request, whose
  /// responses are lost. Thread-safe.
  std::size_t CloseAll();

  std::size_t OpenConnections() const noexcept {
    return open_connections_.load(std::memory_order_relaxed);
  }

 private:
  boost::asio::awaitable<void> AcceptLoop();

  // Answers a connection over the limit with 503 and closes it.
  static boost::asio::awaitable<void> RefuseConnection(boost::asio::ip::tcp::socket socket);

  void Track(const std::shared_ptr<Session>& session);
  void Forget(const Session* session);

  boost::asio::io_context& io_context_;
  const config::ServerConfig& config_;
  SessionDependencies dependencies_;
  boost::asio::strand<boost::asio::io_context::executor_type> acceptor_strand_;
  boost::asio::ip::tcp::acceptor acceptor_;

  std::atomic<std::size_t> open_connections_{0};
  std::mutex sessions_mutex_;
  std::unordered_map<const Session*, std::shared_ptr<Session>> sessions_;
  bool shutting_down_ = false;  // guarded by sessions_mutex_

  prometheus::Gauge& open_connections_gauge_;
  prometheus::Counter& refused_connections_;
};

}  // namespace hello::http
