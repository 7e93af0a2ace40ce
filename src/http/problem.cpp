// Builds RFC 9457 problem+json responses.

#include "http/problem.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <string>

namespace hello::http {

namespace beast_http = boost::beast::http;

Response MakeProblem(beast_http::status status, std::string_view detail, unsigned http_version) {
  const auto reason = beast_http::obsolete_reason(status);

  // The type URI names the status; clients switch on `status`, people read `title`.
  boost::json::object body;
  body["type"] = "https://httpwg.org/specs/rfc9110.html#status." +
                 std::to_string(static_cast<unsigned>(status));
  body["title"] = std::string_view(reason.data(), reason.size());
  body["status"] = static_cast<unsigned>(status);
  body["detail"] = detail;

  Response response{status, http_version};
  response.set(beast_http::field::content_type, "application/problem+json");
  response.body() = boost::json::serialize(body);
  response.prepare_payload();
  return response;
}

}  // namespace hello::http
