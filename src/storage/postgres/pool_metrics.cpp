// Registers and updates the connection pool's Prometheus families.

#include "storage/postgres/pool_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "observability/metrics.hpp"

namespace hello::storage::postgres {

PoolMetrics::PoolMetrics(observability::Metrics* metrics) {
  if (metrics == nullptr) {
    return;
  }
  prometheus::Registry& registry = metrics->Registry();

  auto& connections = prometheus::BuildGauge()
                          .Name("db_pool_connections")
                          .Help("Open PostgreSQL connections in the pool, by state")
                          .Register(registry);
  in_use_ = &connections.Add({{"state", "in_use"}});
  idle_ = &connections.Add({{"state", "idle"}});

  waiting_ = &prometheus::BuildGauge()
                  .Name("db_pool_waiting")
                  .Help("Storage calls waiting for a free PostgreSQL connection")
                  .Register(registry)
                  .Add({});

  // Every kind is created up front so that dashboards see zeros rather than missing series.
  auto& errors = prometheus::BuildCounter()
                     .Name("db_pool_errors_total")
                     .Help("PostgreSQL pool errors by kind: connect, broken, timeout, server")
                     .Register(registry);
  errors_[static_cast<int>(PoolErrorKind::kConnect)] = &errors.Add({{"kind", "connect"}});
  errors_[static_cast<int>(PoolErrorKind::kBroken)] = &errors.Add({{"kind", "broken"}});
  errors_[static_cast<int>(PoolErrorKind::kTimeout)] = &errors.Add({{"kind", "timeout"}});
  errors_[static_cast<int>(PoolErrorKind::kServer)] = &errors.Add({{"kind", "server"}});
}

void PoolMetrics::SetConnections(double in_use, double idle, double waiting) {
  if (in_use_ == nullptr) {
    return;
  }
  in_use_->Set(in_use);
  idle_->Set(idle);
  waiting_->Set(waiting);
}

void PoolMetrics::CountError(PoolErrorKind kind) {
  if (prometheus::Counter* counter = errors_[static_cast<int>(kind)]) {
    counter->Increment();
  }
}

}  // namespace hello::storage::postgres
