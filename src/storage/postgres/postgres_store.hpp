#pragma once
// The PostgreSQL adapter of the storage port: shared storage for any number of instances.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/postgres/pool_metrics.hpp"
#include "storage/store_options.hpp"
#include "storage/user_store.hpp"

namespace hello::observability {
class Metrics;
}  // namespace hello::observability

namespace hello::storage::postgres {

/// Storage calls never block a thread: libpq runs in non-blocking mode and each call's coroutine
/// waits on the connection's socket in the event loop. This beats a pool of blocking threads:
/// no thread per connection, no hand-off between threads per call, and a deadline that cancels
/// the wait itself instead of abandoning a blocked thread.
///
/// Every call is bounded by the request timeout (waiting for a connection, connecting and the
/// statement together). A call whose connection breaks mid-way is retried once on another
/// connection, which is safe because each statement is idempotent (an upsert on the key, a read,
/// a delete). Connections that failed are replaced lazily, so the store recovers by itself when
/// the database comes back.
class PostgresUserStore final : public UserStore {
 public:
  /// `metrics` may be null; when set, the pool's families are registered on it.
  PostgresUserStore(const StoreOptions& options, boost::asio::any_io_executor executor,
                    observability::Metrics* metrics);
  ~PostgresUserStore() override;

  std::string_view Backend() const noexcept override { return "postgres"; }
  boost::asio::awaitable<StorageResult<void>> Put(UserRecord record) override;
  boost::asio::awaitable<StorageResult<std::optional<UserRecord>>> Get(std::string key) override;
  boost::asio::awaitable<StorageResult<void>> Remove(std::string key) override;
  /// Answers from a cache for about a second, so frequent probes cost one query per second.
  boost::asio::awaitable<StorageResult<void>> CheckReady() override;
  void Close() override;

 private:
  boost::asio::awaitable<StorageResult<PgResult>> Execute(std::string_view operation,
                                                          const char* statement,
                                                          std::vector<PgParam> params);
  void NoteOutcome(const StorageResult<PgResult>& result);

  std::chrono::milliseconds request_timeout_;
  std::shared_ptr<PoolMetrics> metrics_;
  std::shared_ptr<PgPool> pool_;
  std::atomic<bool> available_{true};

  std::mutex ready_mutex_;
  std::optional<Clock::time_point> ready_checked_at_;
  StorageResult<void> ready_result_;
};

/// Validates the URL, applies the schema migrations (at most one instance at a time, under the
/// advisory lock), and returns the store; pool connections then open on first use. `metrics`
/// may be null. The error is one line for the operator, without secrets.
Expected<std::unique_ptr<UserStore>, std::string> OpenPostgresStore(
    const StoreOptions& options, boost::asio::any_io_executor executor,
    observability::Metrics* metrics = nullptr);

/// Applies the schema migrations and returns (the `migrate` command).
Expected<void, std::string> MigratePostgres(const StoreOptions& options);

}  // namespace hello::storage::postgres
