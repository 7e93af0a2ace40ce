// The API routes: matches a request to a route, validates input through the domain layer,
// calls storage and shapes every outcome into a response.

#include "http/api.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "domain/birthday.hpp"
#include "domain/birthday_request.hpp"
#include "domain/username.hpp"
#include "http/problem.hpp"
#include "observability/log.hpp"

namespace hello::http {

// Defined in the source generated from api/openapi.json at build time.
std::string_view OpenApiDocument();

namespace {

namespace beast_http = boost::beast::http;
using beast_http::status;
using beast_http::verb;
using observability::LogLevel;

constexpr std::string_view kHelloPrefix = "/hello/";
constexpr std::string_view kHelloRoute = "/hello/{username}";
constexpr std::string_view kUnmatchedRoute = "unmatched";
// Seconds a client should wait before retrying while storage is unavailable.
constexpr std::string_view kRetryAfterSeconds = "1";

// The path without its query string; routing ignores queries.
std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

bool IsGetOrHead(verb method) { return method == verb::get || method == verb::head; }

Response JsonResponse(status code, std::string body, unsigned version) {
  Response response{code, version};
  response.set(beast_http::field::content_type, "application/json");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response NoContent(unsigned version) {
  Response response{status::no_content, version};
  response.prepare_payload();
  return response;
}

Response MethodNotAllowed(std::string_view allow, unsigned version) {
  Response response =
      MakeProblem(status::method_not_allowed,
                  "This method is not supported on this resource; see Allow.", version);
  response.set(beast_http::field::allow, allow);
  return response;
}

// True for "application/json" with optional parameters, compared case-insensitively.
bool IsJsonContentType(std::string_view value) {
  const auto media_type = value.substr(0, value.find(';'));
  const auto first = media_type.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return false;
  }
  const auto last = media_type.find_last_not_of(" \t");
  const auto trimmed = media_type.substr(first, last - first + 1);
  constexpr std::string_view kJson = "application/json";
  if (trimmed.size() != kJson.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kJson.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(trimmed[i])) != kJson[i]) {
      return false;
    }
  }
  return true;
}

// Maps a storage failure to its response and logs it without user data.
Response StorageFailure(const storage::StorageError& error, std::string_view operation,
                        std::string_view request_id, unsigned version) {
  using Kind = storage::StorageError::Kind;
  const bool transient = error.kind != Kind::kInternal;
  observability::Log(LogLevel::kError, "storage call failed",
                     {{"operation", operation},
                      {"request_id", request_id},
                      {"error", error.message},
                      {"transient", transient}});
  if (!transient) {
    return MakeProblem(status::internal_server_error,
                       "The request could not be completed because of an internal error.", version);
  }
  Response response = MakeProblem(status::service_unavailable,
                                  "Storage is temporarily unavailable; retry later.", version);
  response.set(beast_http::field::retry_after, kRetryAfterSeconds);
  return response;
}

Response BadRequest(const domain::ValidationError& error, unsigned version) {
  return MakeProblem(status::bad_request, error.detail, version);
}

}  // namespace

Api::Api(storage::UserStore& store, const domain::Calendar& calendar,
         observability::Metrics& metrics, const ServiceState& state)
    : store_(store), calendar_(calendar), metrics_(metrics), state_(state) {}

boost::asio::awaitable<Response> Api::Handle(const Request& request, RequestContext& context) {
  const unsigned version = request.version();
  const verb method = request.method();
  const std::string_view path = PathOf(request.target());

  // The greeting resource: one path segment after /hello/.
  if (path.starts_with(kHelloPrefix) &&
      path.find('/', kHelloPrefix.size()) == std::string_view::npos) {
    context.route = kHelloRoute;
    if (!IsGetOrHead(method) && method != verb::put && method != verb::delete_) {
      co_return MethodNotAllowed("GET, HEAD, PUT, DELETE", version);
    }

    auto username = domain::ParseUsernameSegment(path.substr(kHelloPrefix.size()));
    if (!username) {
      co_return BadRequest(username.error(), version);
    }

    if (method == verb::put) {
      co_return co_await PutUser(request, std::move(*username), context);
    }
    if (method == verb::delete_) {
      std::string key = std::move(username->key);
      auto removed = co_await store_.Remove(std::move(key));
      if (!removed) {
        co_return StorageFailure(removed.error(), "remove", context.request_id, version);
      }
      co_return NoContent(version);
    }
    co_return co_await GetUser(std::move(*username), context, version);
  }

  // Operational endpoints: read-only.
  if (path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/openapi.json") {
    context.route = path == "/healthz"   ? std::string_view("/healthz")
                    : path == "/readyz"  ? std::string_view("/readyz")
                    : path == "/metrics" ? std::string_view("/metrics")
                                         : std::string_view("/openapi.json");
    if (!IsGetOrHead(method)) {
      co_return MethodNotAllowed("GET, HEAD", version);
    }
    if (path == "/healthz") {
      co_return JsonResponse(status::ok, R"({"status":"ok"})", version);
    }
    if (path == "/readyz") {
      co_return co_await Readiness(version);
    }
    if (path == "/metrics") {
      Response response{status::ok, version};
      response.set(beast_http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response.body() = metrics_.Render();
      response.prepare_payload();
      co_return response;
    }
    co_return JsonResponse(status::ok, std::string(OpenApiDocument()), version);
  }

  context.route = kUnmatchedRoute;
  co_return MakeProblem(status::not_found, "No resource exists at this path.", version);
}

boost::asio::awaitable<Response> Api::PutUser(const Request& request, domain::Username username,
                                              RequestContext& context) {
  const unsigned version = request.version();

  // The media type comes first: a body of another type is not ours to interpret.
  const auto content_type = request.find(beast_http::field::content_type);
  if (content_type == request.end() || !IsJsonContentType(content_type->value())) {
    co_return MakeProblem(status::unsupported_media_type,
                          "The request body must be sent as Content-Type: application/json.",
                          version);
  }

  auto date_text = domain::ExtractDateOfBirth(request.body());
  if (!date_text) {
    co_return BadRequest(date_text.error(), version);
  }

  auto date_of_birth = domain::ParseDateOfBirth(*date_text, calendar_.Today());
  if (!date_of_birth) {
    co_return BadRequest(date_of_birth.error(), version);
  }

  // A named value, not a braced temporary: GCC 12 destroys such a temporary inside a
  // co_await expression twice.
  storage::UserRecord record{std::move(username.key), std::move(username.display), *date_of_birth};
  auto stored = co_await store_.Put(std::move(record));
  if (!stored) {
    co_return StorageFailure(stored.error(), "put", context.request_id, version);
  }
  co_return NoContent(version);
}

boost::asio::awaitable<Response> Api::GetUser(domain::Username username, RequestContext& context,
                                              unsigned version) {
  std::string key = std::move(username.key);
  auto record = co_await store_.Get(std::move(key));
  if (!record) {
    co_return StorageFailure(record.error(), "get", context.request_id, version);
  }
  if (!record->has_value()) {
    co_return MakeProblem(status::not_found, "No date of birth is stored for this username.",
                          version);
  }

  // "Today" is read per request so that a process running over midnight switches dates.
  const auto& user = **record;
  const int days = domain::DaysUntilBirthday(user.date_of_birth, calendar_.Today());
  boost::json::object body;
  body["message"] = domain::GreetingMessage(user.display_name, days);
  Response response = JsonResponse(status::ok, boost::json::serialize(body), version);
  response.set(beast_http::field::cache_control, "no-store");
  co_return response;
}

boost::asio::awaitable<Response> Api::Readiness(unsigned version) {
  if (state_.Draining()) {
    co_return MakeProblem(status::service_unavailable, "The service is shutting down.", version);
  }
  auto ready = co_await store_.CheckReady();
  if (!ready) {
    Response response =
        MakeProblem(status::service_unavailable, "Storage is not answering.", version);
    response.set(beast_http::field::retry_after, kRetryAfterSeconds);
    co_return response;
  }
  co_return JsonResponse(status::ok, R"({"status":"ready"})", version);
}

}  // namespace hello::http
