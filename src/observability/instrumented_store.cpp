// The timing decorator around a UserStore: every call lands in
// storage_operation_duration_seconds{operation,backend,outcome}.

#include "observability/instrumented_store.hpp"

#include <chrono>
#include <exception>
#include <utility>

namespace hello::observability {
namespace {

class InstrumentedStore final : public storage::UserStore {
 public:
  InstrumentedStore(std::unique_ptr<storage::UserStore> inner, Metrics& metrics)
      : inner_(std::move(inner)), metrics_(metrics) {}

  std::string_view Backend() const noexcept override { return inner_->Backend(); }

  boost::asio::awaitable<storage::StorageResult<void>> Put(storage::UserRecord record) override {
    co_return co_await Timed("put", inner_->Put(std::move(record)));
  }

  boost::asio::awaitable<storage::StorageResult<std::optional<storage::UserRecord>>> Get(
      std::string key) override {
    co_return co_await Timed("get", inner_->Get(std::move(key)));
  }

  boost::asio::awaitable<storage::StorageResult<void>> Remove(std::string key) override {
    co_return co_await Timed("remove", inner_->Remove(std::move(key)));
  }

  boost::asio::awaitable<storage::StorageResult<void>> CheckReady() override {
    co_return co_await Timed("check_ready", inner_->CheckReady());
  }

  void Close() override { inner_->Close(); }

 private:
  // Awaits `call` and records its duration; an exception counts as an error and is rethrown.
  template <typename Result>
  boost::asio::awaitable<Result> Timed(std::string_view operation,
                                       boost::asio::awaitable<Result> call) {
    const auto start = std::chrono::steady_clock::now();
    std::exception_ptr failure;
    std::optional<Result> result;
    try {
      result.emplace(co_await std::move(call));
    } catch (...) {
      failure = std::current_exception();
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    metrics_.ObserveStorage(operation, inner_->Backend(), !failure && result->has_value(),
                            elapsed.count());
    if (failure) {
      std::rethrow_exception(failure);
    }
    co_return std::move(*result);
  }

  std::unique_ptr<storage::UserStore> inner_;
  Metrics& metrics_;
};

}  // namespace

std::unique_ptr<storage::UserStore> InstrumentStore(std::unique_ptr<storage::UserStore> inner,
                                                    Metrics& metrics) {
  return std::make_unique<InstrumentedStore>(std::move(inner), metrics);
}

}  // namespace hello::observability
