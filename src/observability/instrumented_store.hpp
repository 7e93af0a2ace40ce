#pragma once
// A UserStore decorator that times every call into storage_operation_duration_seconds.

#include <memory>

#include "observability/metrics.hpp"
#include "storage/user_store.hpp"

namespace hello::observability {

/// Wraps `inner`; `metrics` must outlive the returned store.
std::unique_ptr<storage::UserStore> InstrumentStore(std::unique_ptr<storage::UserStore> inner,
                                                    Metrics& metrics);

}  // namespace hello::observability
