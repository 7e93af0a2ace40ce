#pragma once
// Prometheus metrics of the service. Labels are route templates, methods, status codes,
// operations and backends only: never a name or a date.

#include <memory>
#include <string>
#include <string_view>

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace hello::observability {

class Metrics {
 public:
  /// Registers every family, including build info (version, git revision) and the process
  /// collectors (resident memory, CPU seconds, open file descriptors, start time).
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// http_requests_total{method,route,status} and
  /// http_request_duration_seconds{method,route} (histogram). Thread-safe and cheap: called
  /// once per request on the I/O threads.
  void ObserveRequest(std::string_view method, std::string_view route, int status,
                      double duration_seconds);

  /// http_requests_in_flight.
  void RequestStarted();
  void RequestFinished();

  /// storage_operation_duration_seconds{operation,backend,outcome} (histogram);
  /// outcome is "ok" or "error".
  void ObserveStorage(std::string_view operation, std::string_view backend, bool ok,
                      double duration_seconds);

  /// For adapters' own families (connection pool gauges, retries, ...).
  prometheus::Registry& Registry();

  /// The Prometheus text exposition format (version 0.0.4) of every family.
  std::string Render();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hello::observability
