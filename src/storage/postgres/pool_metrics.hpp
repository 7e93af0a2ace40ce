#pragma once
// Prometheus families of the PostgreSQL connection pool: connections by state, callers waiting
// for one, and errors by kind.

#include <string_view>

namespace prometheus {
class Counter;
class Gauge;
}  // namespace prometheus

namespace hello::observability {
class Metrics;
}  // namespace hello::observability

namespace hello::storage::postgres {

/// Error kinds of db_pool_errors_total.
enum class PoolErrorKind {
  kConnect,  // a new connection failed (refused, unreachable, authentication)
  kBroken,   // a connection was lost during a call
  kTimeout,  // a call reached its deadline (waiting for a connection, connecting or querying)
  kServer,   // PostgreSQL answered a statement with an error
};

/// db_pool_connections{state="in_use"|"idle"}, db_pool_waiting and
/// db_pool_errors_total{kind="connect"|"broken"|"timeout"|"server"}. Without a registry every
/// call does nothing, so the adapter works the same when metrics are not wired. Thread-safe.
class PoolMetrics {
 public:
  explicit PoolMetrics(observability::Metrics* metrics);

  void SetConnections(double in_use, double idle, double waiting);
  void CountError(PoolErrorKind kind);

 private:
  prometheus::Gauge* in_use_ = nullptr;
  prometheus::Gauge* idle_ = nullptr;
  prometheus::Gauge* waiting_ = nullptr;
  prometheus::Counter* errors_[4] = {};
};

}  // namespace hello::storage::postgres
