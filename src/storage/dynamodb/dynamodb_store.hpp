#pragma once
// The UserStore adapter for DynamoDB, and the `migrate` step that creates its table.
// One item per person: pk (the case-folded name), name, dob (YYYY-MM-DD), updated_at.

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/expected.hpp"
#include "storage/dynamodb/dynamodb_client.hpp"
#include "storage/store_options.hpp"
#include "storage/user_store.hpp"

namespace hello::storage::dynamodb {

class CurlTransport;

/// How long a readiness answer is reused, so that frequent probes cost one DescribeTable.
inline constexpr std::chrono::milliseconds kReadyCacheTtl{5000};

class DynamoDbStore final : public UserStore {
 public:
  /// Parses the URL, resolves the credentials source and starts the transport; does not call
  /// DynamoDB (a table that is unreachable at start-up shows in readiness, not as a crash).
  static Expected<std::unique_ptr<DynamoDbStore>, std::string> Open(
      const StoreOptions& options, std::chrono::milliseconds ready_cache_ttl = kReadyCacheTtl);

  DynamoDbStore(std::shared_ptr<CurlTransport> transport, DynamoDbClient client,
                std::chrono::milliseconds ready_cache_ttl);
  ~DynamoDbStore() override;

  std::string_view Backend() const noexcept override { return "dynamodb"; }
  boost::asio::awaitable<StorageResult<void>> Put(UserRecord record) override;
  boost::asio::awaitable<StorageResult<std::optional<UserRecord>>> Get(std::string key) override;
  boost::asio::awaitable<StorageResult<void>> Remove(std::string key) override;
  /// DescribeTable: ready while the table is ACTIVE (or UPDATING, which still serves reads and
  /// writes). The answer, good or bad, is reused for `ready_cache_ttl`.
  boost::asio::awaitable<StorageResult<void>> CheckReady() override;
  void Close() override;

 private:
  std::shared_ptr<CurlTransport> transport_;
  DynamoDbClient client_;
  std::chrono::milliseconds ready_cache_ttl_;

  std::mutex ready_mutex_;
  std::optional<std::chrono::steady_clock::time_point> ready_checked_at_;
  StorageResult<void> ready_answer_;
};

/// Creates the table when it is missing (key pk of type S, on-demand billing), waits until it
/// is ACTIVE, and checks that an existing table has that key. Blocks; for `migrate` only: the
/// service never creates its table.
Expected<void, std::string> MigrateDynamoDbTable(
    const StoreOptions& options,
    std::chrono::milliseconds active_timeout = std::chrono::minutes(2));

/// The store factory's entry points. The adapter resumes callers on their own executors and
/// runs its network work on a thread of its own, so it does not use `executor`.
Expected<std::unique_ptr<UserStore>, std::string> OpenDynamoDbStore(
    const StoreOptions& options, boost::asio::any_io_executor executor);
Expected<void, std::string> MigrateDynamoDb(const StoreOptions& options);

}  // namespace hello::storage::dynamodb
