#pragma once
// The storage port: what the service needs from any backend (SQLite, PostgreSQL, DynamoDB).
// Storage never sees HTTP types; adapters never block the calling I/O thread.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace hello::storage {

/// One person. `key` is the case-folded NFC name (the identity); `display_name` the NFC name
/// as given in the latest PUT.
struct UserRecord {
  std::string key;
  std::string display_name;
  std::chrono::year_month_day date_of_birth;
};

/// Why a storage call failed. kUnavailable and kTimeout become 503 with Retry-After;
/// kInternal becomes 500. `message` names the operation and the cause and never contains
/// user data or secrets, so it may be logged.
struct StorageError {
  enum class Kind { kUnavailable, kTimeout, kInternal };
  Kind kind = Kind::kInternal;
  std::string message;
};

template <typename T>
using StorageResult = Expected<T, StorageError>;

/// Each call may be awaited from any I/O thread; the adapter runs the blocking or network part
/// elsewhere (its own threads or non-blocking sockets) and resumes the caller on the caller's
/// executor. Calls are safe to make concurrently.
class UserStore {
 public:
  virtual ~UserStore() = default;

  /// "sqlite", "postgres" or "dynamodb": used as a metric label and in logs.
  virtual std::string_view Backend() const noexcept = 0;

  /// Inserts or replaces the record with the same key (last writer wins). Completes only once
  /// the write is durable.
  virtual boost::asio::awaitable<StorageResult<void>> Put(UserRecord record) = 0;

  /// The record for `key`, or std::nullopt when there is none.
  virtual boost::asio::awaitable<StorageResult<std::optional<UserRecord>>> Get(std::string key) = 0;

  /// Deletes the record for `key`; succeeds whether or not it existed.
  virtual boost::asio::awaitable<StorageResult<void>> Remove(std::string key) = 0;

  /// Succeeds when the backend answers; used by /readyz. Adapters may cache the answer for a
  /// few seconds so that frequent probes stay cheap.
  virtual boost::asio::awaitable<StorageResult<void>> CheckReady() = 0;

  /// Finishes pending writes and releases connections and files. Called once, after the HTTP
  /// server has stopped; no call is made afterwards.
  virtual void Close() = 0;
};

}  // namespace hello::storage
