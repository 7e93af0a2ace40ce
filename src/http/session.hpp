#pragma once
// One HTTP/1.1 connection: reads requests (keep-alive and pipelined) under size limits and
// timeouts, hands them to the RequestHandler, writes the responses in order.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <memory>
#include <string_view>

#include "config/config.hpp"
#include "http/header_scanner.hpp"
#include "http/request_checks.hpp"
#include "http/request_handler.hpp"
#include "http/service_state.hpp"
#include "observability/metrics.hpp"

namespace hello::http {

/// What every connection shares; owned by the Server and outliving all its sessions.
struct SessionDependencies {
  const config::ServerConfig& config;
  RequestHandler& handler;
  observability::Metrics& metrics;
  const ServiceState& state;
};

/// Runs on its own strand: the socket's executor. Timeouts: the first request's header must
/// arrive within header_timeout of the accept; later requests may wait idle_timeout for their
/// first byte, then header_timeout for the rest of the header; a body gets body_timeout, and
/// so does writing a response (a client that does not read cannot pin the connection).
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, const SessionDependencies& dependencies);

  /// Serves requests until the client closes, a limit or timeout ends the connection, or
  /// Stop()/ForceClose() is called.
  boost::asio::awaitable<void> Run();

  /// Asks the connection to end gracefully: at once when no byte of a request has arrived
  /// (including a new connection that has sent nothing yet), otherwise after the current
  /// response, which then carries `Connection: close`. Thread-safe.
  void Stop();

  /// Closes the socket now, abandoning any request in progress. Thread-safe.
  void ForceClose();

  /// True while a complete request is being handled or its response written.
  bool Handling() const noexcept { return handling_.load(std::memory_order_relaxed); }

 private:
  enum class Phase { kIdle, kReading, kHandling };
  using Clock = std::chrono::steady_clock;

  // Reads, handles and answers one request whose first byte is in buffer_. Returns false when
  // the connection must close afterwards.
  boost::asio::awaitable<bool> ServeOne(Clock::time_point header_deadline);

  // Reads until buffer_ holds a complete header; false (after answering when there is
  // something to answer) when the connection must close.
  boost::asio::awaitable<bool> ReadHeader(Clock::time_point deadline);

  // Answers bad input with problem+json, then closes gracefully.
  boost::asio::awaitable<void> Reject(const Rejection& rejection, std::string_view method);

  // Completes `response` (version, length, keep-alive, id, date), writes it, then logs and
  // counts it. Returns false when the write failed.
  boost::asio::awaitable<bool> Send(Response& response, const RequestContext& context,
                                    std::string_view method, bool head, unsigned version,
                                    bool keep_alive);

  // Stops sending, then reads and discards what the client still sends for a moment, so that
  // closing does not reset the connection before the client has read the response.
  boost::asio::awaitable<void> LingeringClose();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  const SessionDependencies& dependencies_;
  HeaderScanner scanner_;
  Phase phase_ = Phase::kIdle;
  bool stopping_ = false;
  std::atomic<bool> handling_{false};

  // Per-request bookkeeping for the access log.
  Clock::time_point request_start_;
  std::size_t bytes_in_ = 0;
};

}  // namespace hello::http
