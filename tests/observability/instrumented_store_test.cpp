// Tests of the timing decorator: every call is forwarded unchanged and lands in
// storage_operation_duration_seconds with its operation, the inner backend and the outcome.

#include "observability/instrumented_store.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

namespace hello::observability {
namespace {

using storage::StorageError;
using storage::StorageResult;
using storage::UserRecord;

// The decorator's collaborator: an in-memory store that can be told to fail, throw or wait.
class ScriptedStore final : public storage::UserStore {
 public:
  std::string_view Backend() const noexcept override { return "scripted"; }

  boost::asio::awaitable<StorageResult<void>> Put(UserRecord record) override {
    co_await Step();
    if (fail) co_return MakeUnexpected(Failure());
    records[record.key] = record;
    co_return StorageResult<void>();
  }

  boost::asio::awaitable<StorageResult<std::optional<UserRecord>>> Get(std::string key) override {
    co_await Step();
    if (fail) co_return MakeUnexpected(Failure());
    const auto it = records.find(key);
    co_return it == records.end() ? std::nullopt : std::optional<UserRecord>(it->second);
  }

  boost::asio::awaitable<StorageResult<void>> Remove(std::string key) override {
    co_await Step();
    if (fail) co_return MakeUnexpected(Failure());
    records.erase(key);
    co_return StorageResult<void>();
  }

  boost::asio::awaitable<StorageResult<void>> CheckReady() override {
    co_await Step();
    if (fail) co_return MakeUnexpected(Failure());
    co_return StorageResult<void>();
  }

  void Close() override { closed = true; }

  bool fail = false;
  bool fail_by_throwing = false;
  std::chrono::milliseconds delay{0};
  bool closed = false;
  std::map<std::string, UserRecord> records;

 private:
  boost::asio::awaitable<void> Step() {
    if (delay.count() > 0) {
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
      co_await timer.async_wait(boost::asio::use_awaitable);
    }
    if (fail_by_throwing) {
      throw std::runtime_error("driver exploded");
    }
  }

  static StorageError Failure() {
    return StorageError{StorageError::Kind::kUnavailable, "put: connection refused"};
  }
};

// Runs one awaitable to completion on a fresh io_context and returns its result; an exception
// thrown by the awaitable is rethrown here.
template <typename T>
T RunToCompletion(boost::asio::awaitable<T> work) {
  boost::asio::io_context io;
  std::optional<T> result;
  auto done = boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { result.emplace(co_await std::move(work)); },
      boost::asio::use_future);
  io.run();
  done.get();
  return std::move(*result);
}

std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(series + " ", 0) == 0) {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

std::string Series(const std::string& suffix, const std::string& operation,
                   const std::string& outcome) {
  return "storage_operation_duration_seconds_" + suffix + "{backend=\"scripted\",operation=\"" +
         operation + "\",outcome=\"" + outcome + "\"}";
}

UserRecord Record(std::string key) {
  using namespace std::chrono;
  return UserRecord{key, "Display", year_month_day{year{1990}, month{5}, day{17}}};
}

TEST(InstrumentedStore, ForwardsEveryCallAndTimesIt) {
  Metrics metrics;
  auto owned = std::make_unique<ScriptedStore>();
  ScriptedStore& inner = *owned;
  auto store = InstrumentStore(std::move(owned), metrics);

  EXPECT_EQ(store->Backend(), "scripted");
  EXPECT_TRUE(RunToCompletion(store->Put(Record("alice"))).has_value());
  const auto found = RunToCompletion(store->Get("alice"));
  ASSERT_TRUE(found.has_value());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->display_name, "Display");
  EXPECT_FALSE(RunToCompletion(store->Get("nobody"))->has_value());
  EXPECT_TRUE(RunToCompletion(store->Remove("alice")).has_value());
  EXPECT_TRUE(inner.records.empty());
  EXPECT_TRUE(RunToCompletion(store->CheckReady()).has_value());
  store->Close();
  EXPECT_TRUE(inner.closed);

  const std::string text = metrics.Render();
  EXPECT_EQ(Sample(text, Series("count", "put", "ok")), 1);
  EXPECT_EQ(Sample(text, Series("count", "get", "ok")), 2) << "a miss is a successful call";
  EXPECT_EQ(Sample(text, Series("count", "remove", "ok")), 1);
  EXPECT_EQ(Sample(text, Series("count", "check_ready", "ok")), 1);
}

TEST(InstrumentedStore, PassesErrorsThroughAndCountsThemAsErrors) {
  Metrics metrics;
  auto owned = std::make_unique<ScriptedStore>();
  owned->fail = true;
  auto store = InstrumentStore(std::move(owned), metrics);

  const auto put = RunToCompletion(store->Put(Record("alice")));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().kind, StorageError::Kind::kUnavailable);
  EXPECT_EQ(put.error().message, "put: connection refused");
  EXPECT_FALSE(RunToCompletion(store->Get("alice")).has_value());
  EXPECT_FALSE(RunToCompletion(store->Remove("alice")).has_value());
  EXPECT_FALSE(RunToCompletion(store->CheckReady()).has_value());

  const std::string text = metrics.Render();
  for (const char* operation : {"put", "get", "remove", "check_ready"}) {
    EXPECT_EQ(Sample(text, Series("count", operation, "error")), 1) << operation;
    EXPECT_FALSE(Sample(text, Series("count", operation, "ok"))) << operation;
  }
}

TEST(InstrumentedStore, CountsAnExceptionAsAnErrorAndRethrowsIt) {
  Metrics metrics;
  auto owned = std::make_unique<ScriptedStore>();
  owned->fail_by_throwing = true;
  auto store = InstrumentStore(std::move(owned), metrics);

  EXPECT_THROW(RunToCompletion(store->Get("alice")), std::runtime_error);
  EXPECT_EQ(Sample(metrics.Render(), Series("count", "get", "error")), 1);
}

TEST(InstrumentedStore, MeasuresTheTimeTheInnerCallTakes) {
  Metrics metrics;
  auto owned = std::make_unique<ScriptedStore>();
  owned->delay = std::chrono::milliseconds(30);
  auto store = InstrumentStore(std::move(owned), metrics);

  ASSERT_TRUE(RunToCompletion(store->Put(Record("alice"))).has_value());
  const std::string text = metrics.Render();
  EXPECT_GE(*Sample(text, Series("sum", "put", "ok")), 0.030);
  EXPECT_LT(*Sample(text, Series("sum", "put", "ok")), 5.0);
  EXPECT_EQ(Sample(text, R"(storage_operation_duration_seconds_bucket{backend="scripted",)"
                         R"(operation="put",outcome="ok",le="0.025"})"),
            0);
}

}  // namespace
}  // namespace hello::observability
