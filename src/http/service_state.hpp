#pragma once
// Process lifecycle flags shared by the shutdown sequence and the readiness endpoint.

#include <atomic>

namespace hello::http {

class ServiceState {
 public:
  /// Readiness turns 503 from now on; the server keeps serving during the drain period.
  void StartDraining() noexcept { draining_.store(true, std::memory_order_relaxed); }
  bool Draining() const noexcept { return draining_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> draining_{false};
};

}  // namespace hello::http
