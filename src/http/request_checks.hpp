#pragma once
// Checks of a parsed request header that Beast leaves to the server (RFC 9112 framing rules),
// and the mapping of Beast parser errors to HTTP statuses.

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <optional>
#include <string_view>

namespace hello::http {

/// Why a request is refused: the status to answer and a fixed phrase for `detail`. The
/// connection is closed after the answer.
struct Rejection {
  boost::beast::http::status status;
  std::string_view detail;
};

/// Transfer-Encoding, Host and target checks on a header Beast has parsed. (Beast itself
/// refuses versions other than HTTP/1.0 and HTTP/1.1.)
std::optional<Rejection> CheckRequestHeader(const boost::beast::http::request_header<>& header);

/// The answer to a Beast parser error: 413 for the body limit, 431 for the header limit,
/// 400 for the rest.
Rejection RejectionForParseError(const boost::beast::error_code& error);

/// True when `error` comes from Beast's HTTP parser (bad input) rather than from the socket.
bool IsParseError(const boost::beast::error_code& error);

/// The origin-form of an absolute-form target ("http://host/a?b" -> "/a?b"); other targets
/// are returned unchanged.
std::string_view OriginForm(std::string_view target);

/// The method as a bounded label for logs and metrics: a registered verb or "OTHER".
std::string_view MethodLabel(boost::beast::http::verb method);

}  // namespace hello::http
