// A one-request HTTP client bounded by a single deadline.

#include "app/healthcheck.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <iostream>
#include <string>

namespace hello::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using asio::ip::tcp;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// A wildcard listen address accepts on loopback too; a specific one must be used as given.
std::string ProbeHost(const std::string& listen_host) {
  if (listen_host.empty() || listen_host == "0.0.0.0") {
    return "127.0.0.1";
  }
  if (listen_host == "::" || listen_host == "[::]") {
    return "::1";
  }
  return listen_host;
}

// Returns an empty string on a 200, else why the probe failed.
asio::awaitable<std::string> Probe(std::string host, std::uint16_t port,
                                   std::chrono::milliseconds timeout) {
  const auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_error, endpoints] =
      co_await resolver.async_resolve(host, std::to_string(port), kUseTuple);
  if (resolve_error) {
    co_return "cannot resolve " + host + ": " + resolve_error.message();
  }

  // One deadline for connect, write and read together.
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, kUseTuple);
  if (connect_error) {
    co_return "cannot connect to " + host + ":" + std::to_string(port) + ": " +
        connect_error.message();
  }
  beast_http::request<beast_http::empty_body> request{beast_http::verb::get, "/healthz", 11};
  request.set(beast_http::field::host, host);
  request.set(beast_http::field::user_agent, "hello-birthday-healthcheck");
  request.keep_alive(false);
  auto [write_error, written] = co_await beast_http::async_write(stream, request, kUseTuple);
  if (write_error) {
    co_return "cannot send the request: " + write_error.message();
  }
  beast::flat_buffer buffer;
  beast_http::response<beast_http::string_body> response;
  auto [read_error, read] = co_await beast_http::async_read(stream, buffer, response, kUseTuple);
  if (read_error) {
    co_return "no response: " + read_error.message();
  }
  if (response.result() != beast_http::status::ok) {
    co_return "GET /healthz answered " + std::to_string(response.result_int());
  }
  co_return std::string();
}

}  // namespace

int RunHealthcheck(const config::ServerConfig& config, std::chrono::milliseconds timeout) {
  asio::io_context io_context(1);
  std::string failure = "no answer within " + std::to_string(timeout.count()) + " ms";
  asio::co_spawn(io_context, Probe(ProbeHost(config.listen_host), config.listen_port, timeout),
                 [&failure](std::exception_ptr exception, std::string result) {
                   failure = exception ? "the probe failed unexpectedly" : std::move(result);
                 });

  // The resolver has no deadline of its own: stop waiting shortly after the stream's deadline,
  // which reports a timeout more precisely.
  io_context.run_for(timeout + std::chrono::milliseconds(200));
  if (!failure.empty()) {
    std::cerr << "healthcheck: " << failure << '\n';
    return 1;
  }
  return 0;
}

}  // namespace hello::app
