// Request framing rules beyond what Beast's parser enforces.

#include "http/request_checks.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace hello::http {
namespace {

namespace beast_http = boost::beast::http;

std::string_view Trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         boost::beast::iequals(text.substr(0, prefix.size()), prefix);
}

// Only "chunked" alone is understood; anything else leaves the body length undefined or
// asks for a coding this server does not implement.
std::optional<Rejection> CheckTransferEncoding(const beast_http::request_header<>& header) {
  const auto [first, last] = header.equal_range(beast_http::field::transfer_encoding);
  if (first == last) {
    return std::nullopt;
  }
  if (header.version() < 11) {
    return Rejection{beast_http::status::bad_request, "Transfer-Encoding in an HTTP/1.0 request"};
  }
  if (std::next(first) != last) {
    return Rejection{beast_http::status::bad_request, "several Transfer-Encoding fields"};
  }
  if (!boost::beast::iequals(Trim(first->value()), "chunked")) {
    return Rejection{beast_http::status::bad_request,
                     "unsupported Transfer-Encoding; only chunked is accepted"};
  }
  return std::nullopt;
}

}  // namespace

std::optional<Rejection> CheckRequestHeader(const beast_http::request_header<>& header) {
  if (auto rejection = CheckTransferEncoding(header)) {
    return rejection;
  }

  // RFC 9112 section 3.2: exactly one Host in HTTP/1.1, at most one in HTTP/1.0.
  const auto hosts = header.count(beast_http::field::host);
  if (hosts > 1 || (hosts == 0 && header.version() >= 11)) {
    return Rejection{beast_http::status::bad_request,
                     "an HTTP/1.1 request needs exactly one Host field"};
  }

  if (OriginForm(header.target()).substr(0, 1) != "/") {
    return Rejection{beast_http::status::bad_request, "the request target must be a path"};
  }
  return std::nullopt;
}

Rejection RejectionForParseError(const boost::beast::error_code& error) {
  if (error == beast_http::error::body_limit) {
    return {beast_http::status::payload_too_large, "the request body exceeds the limit"};
  }
  if (error == beast_http::error::header_limit) {
    return {beast_http::status::request_header_fields_too_large,
            "the request header exceeds the limit"};
  }
  if (error == beast_http::error::bad_content_length ||
      error == beast_http::error::multiple_content_length) {
    return {beast_http::status::bad_request, "invalid or conflicting Content-Length"};
  }
  if (error == beast_http::error::bad_transfer_encoding) {
    return {beast_http::status::bad_request, "invalid or conflicting Transfer-Encoding"};
  }
  if (error == beast_http::error::bad_chunk || error == beast_http::error::bad_chunk_extension) {
    return {beast_http::status::bad_request, "malformed chunked body"};
  }
  if (error == beast_http::error::bad_method) {
    return {beast_http::status::bad_request, "malformed method"};
  }
  if (error == beast_http::error::bad_target) {
    return {beast_http::status::bad_request, "malformed request target"};
  }
  if (error == beast_http::error::bad_version) {
    return {beast_http::status::bad_request, "malformed HTTP version"};
  }
  if (error == beast_http::error::bad_field || error == beast_http::error::bad_value) {
    return {beast_http::status::bad_request, "malformed header field"};
  }
  return {beast_http::status::bad_request, "malformed request"};
}

bool IsParseError(const boost::beast::error_code& error) {
  static const auto& category =
      beast_http::make_error_code(beast_http::error::bad_target).category();
  return error.category() == category && error != beast_http::error::end_of_stream &&
         error != beast_http::error::partial_message;
}

std::string_view OriginForm(std::string_view target) {
  std::size_t scheme_length = 0;
  if (StartsWithNoCase(target, "http://")) {
    scheme_length = 7;
  } else if (StartsWithNoCase(target, "https://")) {
    scheme_length = 8;
  } else {
    return target;
  }
  // "http://host?q" yields "?q", which the path check then refuses.
  const auto path = target.find_first_of("/?", scheme_length);
  if (path == std::string_view::npos) {
    return "/";
  }
  return target.substr(path);
}

std::string_view MethodLabel(beast_http::verb method) {
  switch (method) {
    case beast_http::verb::get:
    case beast_http::verb::head:
    case beast_http::verb::put:
    case beast_http::verb::post:
    case beast_http::verb::delete_:
    case beast_http::verb::patch:
    case beast_http::verb::options:
    case beast_http::verb::trace:
    case beast_http::verb::connect: {
      const auto text = beast_http::to_string(method);
      return {text.data(), text.size()};
    }
    default:
      return "OTHER";
  }
}

}  // namespace hello::http
