// Accept loop, connection limit and connection registry of the HTTP server.

#include "http/server.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <vector>

#include "observability/log.hpp"

namespace hello::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using observability::Log;
using observability::LogLevel;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// After a failed accept (out of file descriptors, typically), wait before retrying instead
// of spinning on the error.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
constexpr auto kRefusalTimeout = std::chrono::seconds(1);
constexpr auto kConnectionPollInterval = std::chrono::milliseconds(10);

// A fixed answer for connections over the limit: cheaper than a session, and it tells a
// client to come back rather than leaving it to guess from a reset.
const std::string& OverloadedResponse() {
  static const std::string response = [] {
    const std::string body =
        R"({"type":"https://httpwg.org/specs/rfc9110.html#status.503",)"
        R"("title":"Service Unavailable","status":503,"detail":"too many connections"})";
    return "HTTP/1.1 503 Service Unavailable\r\n"
           "Content-Type: application/problem+json\r\n"
           "Retry-After: 1\r\n"
           "Connection: close\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  return response;
}

prometheus::Gauge& OpenConnectionsGauge(observability::Metrics& metrics) {
  return prometheus::BuildGauge()
      .Name("http_connections_open")
      .Help("HTTP connections currently open")
      .Register(metrics.Registry())
      .Add({});
}

prometheus::Counter& RefusedConnectionsCounter(observability::Metrics& metrics) {
  return prometheus::BuildCounter()
      .Name("http_connections_refused_total")
      .Help("HTTP connections answered 503 and closed because the connection limit was reached")
      .Register(metrics.Registry())
      .Add({});
}

// The listen address: an IP literal, or a name resolved once (e.g. "localhost").
Expected<tcp::endpoint, std::string> ResolveListenAddress(asio::io_context& io_context,
                                                          const config::ServerConfig& config) {
  boost::system::error_code error;
  const auto address = asio::ip::make_address(config.listen_host, error);
  if (!error) {
    return tcp::endpoint(address, config.listen_port);
  }
  tcp::resolver resolver(io_context);
  const auto results = resolver.resolve(config.listen_host, std::to_string(config.listen_port),
                                        tcp::resolver::passive, error);
  if (error || results.empty()) {
    return MakeUnexpected("cannot resolve listen host " + config.listen_host + ": " +
                          (error ? error.message() : std::string("no address")));
  }
  return results.begin()->endpoint();
}

}  // namespace

Server::Server(asio::io_context& io_context, const config::ServerConfig& config,
               RequestHandler& handler, observability::Metrics& metrics, const ServiceState& state)
    : io_context_(io_context),
      config_(config),
      dependencies_{config, handler, metrics, state},
      acceptor_strand_(asio::make_strand(io_context)),
      acceptor_(acceptor_strand_),
      open_connections_gauge_(OpenConnectionsGauge(metrics)),
      refused_connections_(RefusedConnectionsCounter(metrics)) {}

Server::~Server() {
  std::lock_guard lock(sessions_mutex_);
  sessions_.clear();
}

Expected<tcp::endpoint, std::string> Server::Listen() {
  auto endpoint = ResolveListenAddress(io_context_, config_);
  if (!endpoint) {
    return MakeUnexpected(endpoint.error());
  }

  // Each step names itself in the error so that the operator sees which one failed.
  boost::system::error_code error;
  const auto fail = [&](std::string_view step) {
    return MakeUnexpected(std::string(step) + " " + endpoint->address().to_string() + ":" +
                          std::to_string(endpoint->port()) + ": " + error.message());
  };
  acceptor_.open(endpoint->protocol(), error);
  if (error) {
    return fail("cannot open a socket for");
  }
  acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (error) {
    return fail("cannot set SO_REUSEADDR on");
  }
  acceptor_.bind(*endpoint, error);
  if (error) {
    return fail("cannot bind");
  }
  acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return fail("cannot listen on");
  }
  const auto bound = acceptor_.local_endpoint(error);
  if (error) {
    return fail("cannot read the bound address of");
  }
  return bound;
}

void Server::Start() {
  asio::co_spawn(acceptor_strand_, AcceptLoop(), [](std::exception_ptr exception) {
    if (exception) {
      Log(LogLevel::kError, "accept loop failed", {{"error", "unexpected exception"}});
    }
  });
}

void Server::Shutdown() {
  asio::post(acceptor_strand_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });

  // Connections accepted from now on are stopped by Track().
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(sessions_mutex_);
    shutting_down_ = true;
    for (const auto& [key, session] : sessions_) {
      sessions.push_back(session);
    }
  }
  for (const auto& session : sessions) {
    session->Stop();
  }
}

asio::awaitable<bool> Server::WaitForConnections(std::chrono::milliseconds timeout) {
  // Polling keeps the sessions free of any shutdown bookkeeping; it only runs while stopping.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (OpenConnections() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return false;
    }
    timer.expires_after(kConnectionPollInterval);
    co_await timer.async_wait(kUseTuple);
  }
  co_return true;
}

std::size_t Server::CloseAll() {
  std::size_t handling = 0;
  std::lock_guard lock(sessions_mutex_);
  for (const auto& [key, session] : sessions_) {
    if (session->Handling()) {
      ++handling;
    }
    session->ForceClose();
  }
  return handling;
}

asio::awaitable<void> Server::AcceptLoop() {
  for (;;) {
    // Each connection gets its own strand: its operations never run concurrently, while
    // different connections use every I/O thread.
    auto strand = asio::make_strand(io_context_);
    auto [error, socket] = co_await acceptor_.async_accept(strand, kUseTuple);
    if (!acceptor_.is_open()) {
      co_return;
    }
    if (error) {
      Log(LogLevel::kWarn, "accept failed", {{"error", error.message()}});
      asio::steady_timer timer(strand, kAcceptRetryDelay);
      co_await timer.async_wait(kUseTuple);
      continue;
    }

    // Over the limit: a fixed 503, then close.
    if (OpenConnections() >= config_.max_connections) {
      refused_connections_.Increment();
      Log(LogLevel::kDebug, "connection refused",
          {{"reason", "connection limit"}, {"open_connections", OpenConnections()}});
      asio::co_spawn(strand, RefuseConnection(std::move(socket)), asio::detached);
      continue;
    }

    // Responses are written whole; Nagle's algorithm would only delay them.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(std::move(socket), dependencies_);
    Track(session);
    asio::co_spawn(strand, session->Run(), [this, session](std::exception_ptr exception) {
      if (exception) {
        Log(LogLevel::kError, "connection failed", {{"error", "unexpected exception"}});
      }
      Forget(session.get());
    });
  }
}

asio::awaitable<void> Server::RefuseConnection(tcp::socket socket) {
  boost::beast::tcp_stream stream(std::move(socket));
  stream.expires_after(kRefusalTimeout);
  // Whether the client read it changes nothing: the connection closes either way.
  co_await asio::async_write(stream, asio::buffer(OverloadedResponse()), kUseTuple);
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

void Server::Track(const std::shared_ptr<Session>& session) {
  open_connections_.fetch_add(1, std::memory_order_relaxed);
  open_connections_gauge_.Increment();
  bool stop = false;
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.emplace(session.get(), session);
    stop = shutting_down_;
  }
  if (stop) {
    session->Stop();
  }
}

void Server::Forget(const Session* session) {
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
  }
  open_connections_gauge_.Decrement();
  open_connections_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace hello::http
