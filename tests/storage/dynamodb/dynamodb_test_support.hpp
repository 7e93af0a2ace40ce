#pragma once
// Shared pieces of the DynamoDB tests: running an awaitable to completion, table names that do
// not collide between test processes, and URLs for the dynalite started by the test fixture.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "storage/dynamodb/dynamodb_client.hpp"

namespace hello::testing {

/// Runs `task` on a fresh io_context on this thread and returns its value.
template <typename T>
T RunSync(boost::asio::awaitable<T> task) {
  boost::asio::io_context io;
  std::optional<T> result;
  std::exception_ptr failure;
  auto wrapper = [&result, task = std::move(task)]() mutable -> boost::asio::awaitable<void> {
    result.emplace(co_await std::move(task));
  };
  boost::asio::co_spawn(io, wrapper(), [&failure](std::exception_ptr error) { failure = error; });
  io.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
  return std::move(*result);
}

/// The endpoint of the fixture's dynalite, from HELLO_TEST_DYNAMODB_URL
/// ("http://127.0.0.1:25500"); the test fails when the variable is missing.
std::string FixtureEndpoint();

/// "<prefix>-<pid>-<counter>": unique across the test processes ctest runs in parallel.
std::string UniqueTableName(const std::string& prefix);

/// "dynamodb://<table>?region=eu-west-1&endpoint=<endpoint>".
std::string DynamoDbUrl(const std::string& table, const std::string& endpoint);

/// A client for checks and set-up that bypass the store (raw items, DeleteTable), signed with
/// the environment's keys.
std::unique_ptr<storage::dynamodb::DynamoDbClient> MakeRawClient(const std::string& url);

/// One call through `client`; fails the test on error.
boost::json::object CallOrFail(const storage::dynamodb::DynamoDbClient& client,
                               const std::string& operation, const boost::json::object& request);

/// Starts and stops a dynalite of the test's own through tests/storage/dynamodb/dynalite.sh,
/// with its data in a folder so that a restart keeps the tables.
class DynaliteProcess {
 public:
  DynaliteProcess(std::uint16_t port, std::string state_dir);
  ~DynaliteProcess();
  void Start();
  void Stop();
  std::string Endpoint() const;

 private:
  std::uint16_t port_;
  std::string state_dir_;
};

}  // namespace hello::testing
