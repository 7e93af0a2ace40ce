// The request loop of one connection. Every socket operation runs on the session's strand
// with a deadline, so a slow or stuck client costs a socket and a few kilobytes, never a
// thread.

#include "http/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <ctime>
#include <exception>
#include <string>

#include "http/problem.hpp"
#include "http/request_id.hpp"
#include "observability/log.hpp"

namespace hello::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using observability::Log;
using observability::LogEnabled;
using observability::LogLevel;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadSize = 4096;
// An idle connection gives back a buffer grown by a large request.
constexpr std::size_t kIdleBufferCapacity = 16 * 1024;
// Lingering close: how long and how much of a refused request's rest is read and dropped.
constexpr auto kLingerTime = std::chrono::milliseconds(500);
constexpr std::size_t kLingerBytes = 64 * 1024;
constexpr std::string_view kRequestIdField = "X-Request-Id";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The IMF-fixdate of the current second (RFC 9110 section 5.6.7), formatted once a second
// per thread.
std::string_view HttpDate() {
  thread_local std::time_t cached_second = -1;
  thread_local char text[40];
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm parts{};
    gmtime_r(&now, &parts);
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[parts.tm_wday],
                  parts.tm_mday, kMonths[parts.tm_mon], parts.tm_year + 1900, parts.tm_hour,
                  parts.tm_min, parts.tm_sec);
    cached_second = now;
  }
  return text;
}

void LogConnectionEnd(const beast::error_code& error, std::string_view phase) {
  if (LogEnabled(LogLevel::kDebug)) {
    Log(LogLevel::kDebug, "connection closed", {{"phase", phase}, {"reason", error.message()}});
  }
}

std::string_view AsView(const asio::const_buffer& buffer) {
  return {static_cast<const char*>(buffer.data()), buffer.size()};
}

}  // namespace

Session::Session(asio::ip::tcp::socket socket, const SessionDependencies& dependencies)
    : stream_(std::move(socket)),
      dependencies_(dependencies),
      scanner_(dependencies.config.max_header_bytes) {}

asio::awaitable<void> Session::Run() {
  const auto& config = dependencies_.config;
  auto header_deadline = Clock::now() + config.header_timeout;
  bool first = true;

  while (!stopping_) {
    // Wait for the first byte of the next request unless a pipelined one is buffered.
    if (buffer_.size() == 0) {
      phase_ = Phase::kIdle;
      if (first) {
        stream_.expires_at(header_deadline);
      } else {
        if (buffer_.capacity() > kIdleBufferCapacity) {
          buffer_.shrink_to_fit();
        }
        stream_.expires_after(config.idle_timeout);
      }
      auto [error, n] = co_await stream_.async_read_some(buffer_.prepare(kReadSize), kUseTuple);
      if (error) {
        LogConnectionEnd(error, first ? "waiting for a first request" : "idle");
        break;
      }
      buffer_.commit(n);
    }
    if (!first) {
      header_deadline = Clock::now() + config.header_timeout;
    }
    first = false;

    phase_ = Phase::kReading;
    if (!co_await ServeOne(header_deadline)) {
      break;
    }
  }

  // Send FIN before closing so that a client reading the last response sees a clean end.
  phase_ = Phase::kIdle;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_send, ignored);
  stream_.close();
}

void Session::Stop() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->phase_ == Phase::kIdle) {
      self->stream_.cancel();
    }
  });
}

void Session::ForceClose() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    self->stream_.close();
  });
}

asio::awaitable<bool> Session::ServeOne(Clock::time_point header_deadline) {
  const auto& config = dependencies_.config;
  request_start_ = Clock::now();
  bytes_in_ = 0;

  // The whole header, its raw bytes checked as they arrive.
  if (!co_await ReadHeader(header_deadline)) {
    co_return false;
  }
  const std::size_t header_length = scanner_.HeaderLength();

  // Parse exactly the header; the body, if any, is read below under its own deadline.
  beast_http::request_parser<beast_http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
  parser.body_limit(config.max_body_bytes);
  beast::error_code error;
  parser.put(asio::buffer(buffer_.data().data(), header_length), error);
  buffer_.consume(header_length);
  bytes_in_ = header_length;
  const std::string_view method =
      parser.is_header_done() ? MethodLabel(parser.get().method()) : "OTHER";
  if (error) {
    co_await Reject(RejectionForParseError(error), method);
    co_return false;
  }
  if (auto rejection = CheckRequestHeader(parser.get())) {
    co_await Reject(*rejection, method);
    co_return false;
  }

  // The body. A client that asked first is told to go ahead (RFC 9110 section 10.1.1).
  if (!parser.is_done()) {
    stream_.expires_after(config.body_timeout);
    if (parser.get().version() >= 11 &&
        beast::iequals(parser.get()[beast_http::field::expect], "100-continue")) {
      auto [write_error, written] =
          co_await asio::async_write(stream_, asio::buffer(kContinue), kUseTuple);
      if (write_error) {
        LogConnectionEnd(write_error, "writing 100-continue");
        co_return false;
      }
    }
    auto [read_error, body_bytes] =
        co_await beast_http::async_read(stream_, buffer_, parser, kUseTuple);
    bytes_in_ += body_bytes;
    if (read_error) {
      if (IsParseError(read_error)) {
        co_await Reject(RejectionForParseError(read_error), method);
      } else {
        LogConnectionEnd(read_error, "reading a body");
      }
      co_return false;
    }
  }

  // Hand the request to the API.
  phase_ = Phase::kHandling;
  handling_.store(true, std::memory_order_relaxed);
  Request request = parser.release();
  const bool head = request.method() == beast_http::verb::head;
  const unsigned version = request.version();
  const bool client_keep_alive = request.keep_alive();
  RequestContext context;
  const auto client_id = request[kRequestIdField];
  context.request_id = IsSaneRequestId(client_id) ? std::string(client_id) : NewRequestId();
  if (const auto origin = OriginForm(request.target()); origin.size() != request.target().size()) {
    request.target(std::string(origin));
  }

  dependencies_.metrics.RequestStarted();
  Response response;
  bool handler_failed = false;
  try {
    response = co_await dependencies_.handler.Handle(request, context);
  } catch (const std::exception& exception) {
    // The handler promises not to throw; the type tells an operator where to look, while
    // what() could echo input.
    handler_failed = true;
    Log(LogLevel::kError, "request handler failed",
        {{"request_id", context.request_id}, {"error", typeid(exception).name()}});
  } catch (...) {
    handler_failed = true;
    Log(LogLevel::kError, "request handler failed",
        {{"request_id", context.request_id}, {"error", "unknown exception"}});
  }
  if (handler_failed) {
    response = MakeProblem(beast_http::status::internal_server_error,
                           "the request could not be processed");
  }

  // During a drain, clients are nudged to reconnect elsewhere.
  const bool keep_alive = client_keep_alive && !stopping_ && !dependencies_.state.Draining();
  const bool sent = co_await Send(response, context, method, head, version, keep_alive);
  dependencies_.metrics.RequestFinished();
  handling_.store(false, std::memory_order_relaxed);
  co_return sent&& keep_alive;
}

asio::awaitable<bool> Session::ReadHeader(Clock::time_point deadline) {
  scanner_.Reset();
  stream_.expires_at(deadline);
  for (;;) {
    const std::string_view received = AsView(buffer_.data());
    switch (scanner_.Scan(received)) {
      case HeaderScanner::Result::kComplete:
        co_return true;
      case HeaderScanner::Result::kTooLarge:
        bytes_in_ = received.size();
        co_await Reject({beast_http::status::request_header_fields_too_large,
                         "the request header exceeds the size limit"},
                        "OTHER");
        co_return false;
      case HeaderScanner::Result::kMalformed:
        bytes_in_ = received.size();
        co_await Reject({beast_http::status::bad_request, scanner_.Problem()}, "OTHER");
        co_return false;
      case HeaderScanner::Result::kNeedMore:
        break;
    }

    auto [error, n] = co_await stream_.async_read_some(buffer_.prepare(kReadSize), kUseTuple);
    if (error) {
      LogConnectionEnd(error, "reading a header");
      co_return false;
    }
    buffer_.commit(n);
  }
}

asio::awaitable<void> Session::Reject(const Rejection& rejection, std::string_view method) {
  dependencies_.metrics.RequestStarted();
  RequestContext context;
  context.request_id = NewRequestId();
  auto response = MakeProblem(rejection.status, rejection.detail);
  const bool sent = co_await Send(response, context, method, false, 11, false);
  dependencies_.metrics.RequestFinished();
  if (sent) {
    co_await LingeringClose();
  }
}

asio::awaitable<bool> Session::Send(Response& response, const RequestContext& context,
                                    std::string_view method, bool head, unsigned version,
                                    bool keep_alive) {
  // Framing and the headers the server owns.
  response.version(version >= 11 ? 11 : 10);
  response.keep_alive(keep_alive);
  response.set(kRequestIdField, context.request_id);
  response.set(beast_http::field::date, HttpDate());
  if (head && !response.body().empty()) {
    // HEAD: the length of the body a GET would get, and no body.
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  } else if (!head || !response.has_content_length()) {
    response.prepare_payload();
  }

  // Count it before writing: a client that has its response then sees it in /metrics. The
  // duration runs from the request's first byte to its response being ready.
  const int status = response.result_int();
  const double seconds = std::chrono::duration<double>(Clock::now() - request_start_).count();
  dependencies_.metrics.ObserveRequest(method, context.route, status, seconds);

  // Write it; a client that does not read gets the body timeout.
  stream_.expires_after(dependencies_.config.body_timeout);
  auto [error, bytes_out] = co_await beast_http::async_write(stream_, response, kUseTuple);

  // Log it: the route template only, never the path.
  if (LogEnabled(LogLevel::kInfo)) {
    Log(LogLevel::kInfo, "request",
        {{"request_id", context.request_id},
         {"method", method},
         {"route", context.route},
         {"status", status},
         {"duration_seconds", seconds},
         {"bytes_in", bytes_in_},
         {"bytes_out", bytes_out}});
  }
  if (error) {
    LogConnectionEnd(error, "writing a response");
    co_return false;
  }
  co_return true;
}

asio::awaitable<void> Session::LingeringClose() {
  beast::error_code error;
  stream_.socket().shutdown(asio::socket_base::shutdown_send, error);
  if (error) {
    co_return;
  }
  stream_.expires_after(kLingerTime);
  std::size_t discarded = 0;
  while (discarded < kLingerBytes) {
    auto [read_error, n] = co_await stream_.async_read_some(buffer_.prepare(kReadSize), kUseTuple);
    if (read_error) {
      break;
    }
    discarded += n;
  }
  buffer_.clear();
}

}  // namespace hello::http
