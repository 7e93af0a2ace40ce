#pragma once
// Settings every storage adapter receives, parsed from the configuration.

#include <chrono>
#include <cstddef>
#include <string>

namespace hello::observability {
class Metrics;
}  // namespace hello::observability

namespace hello::storage {

struct StoreOptions {
  /// "sqlite:<path>", "postgres://..." / "postgresql://..." or "dynamodb://<table>?...".
  std::string database_url = "sqlite:./data/hello.db";
  /// Upper bound for one storage call, including retries; past it the call fails kTimeout.
  std::chrono::milliseconds request_timeout{2000};
  /// Connections (PostgreSQL) or worker threads (SQLite readers, DynamoDB transfers).
  std::size_t pool_size = 8;
  /// PostgreSQL password read from this file when set (never from the command line).
  std::string password_file;
  /// Registry for an adapter's own metrics (connection pool gauges); null registers none.
  /// Must outlive the store.
  observability::Metrics* metrics = nullptr;
};

}  // namespace hello::storage
