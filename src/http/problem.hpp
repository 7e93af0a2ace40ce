#pragma once
// RFC 9457 problem details: the single place where an error becomes an HTTP response.

#include <boost/beast/http/status.hpp>
#include <string_view>

#include "http/request_handler.hpp"

namespace hello::http {

/// A response with Content-Type application/problem+json and a body holding `type`, `title`
/// (the standard reason phrase), `status` and `detail`. `detail` must hold no user data.
Response MakeProblem(boost::beast::http::status status, std::string_view detail,
                     unsigned http_version = 11);

}  // namespace hello::http
