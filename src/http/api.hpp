#pragma once
// The API routes: /hello/{username}, /healthz, /readyz, /metrics and /openapi.json.

#include <memory>

#include "domain/calendar.hpp"
#include "domain/username.hpp"
#include "http/request_handler.hpp"
#include "http/service_state.hpp"
#include "observability/metrics.hpp"
#include "storage/user_store.hpp"

namespace hello::http {

/// Routes requests to handlers. The referenced objects must outlive the Api.
class Api final : public RequestHandler {
 public:
  Api(storage::UserStore& store, const domain::Calendar& calendar, observability::Metrics& metrics,
      const ServiceState& state);

  boost::asio::awaitable<Response> Handle(const Request& request, RequestContext& context) override;

 private:
  boost::asio::awaitable<Response> PutUser(const Request& request, domain::Username username,
                                           RequestContext& context);
  boost::asio::awaitable<Response> GetUser(domain::Username username, RequestContext& context,
                                           unsigned version);
  boost::asio::awaitable<Response> Readiness(unsigned version);

  storage::UserStore& store_;
  const domain::Calendar& calendar_;
  observability::Metrics& metrics_;
  const ServiceState& state_;
};

}  // namespace hello::http
