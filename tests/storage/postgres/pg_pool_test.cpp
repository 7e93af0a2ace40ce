// Tests of the bounded connection pool against the real test cluster: the bound, waiting with a
// deadline, hand-over, replacement of broken connections, closing, and the pool metrics.

#include "storage/postgres/pg_pool.hpp"

#include <gtest/gtest.h>

#include <future>
#include <sstream>
#include <thread>

#include "observability/metrics.hpp"
#include "pg_test_support.hpp"
#include "storage/postgres/postgres_store.hpp"

namespace hello::storage::postgres {
namespace {

using hello::testing::postgres::ElapsedMs;
using hello::testing::postgres::EventLoop;
using hello::testing::postgres::TestDatabase;
using Kind = StorageError::Kind;
using namespace std::chrono_literals;

// The value of one sample in the Prometheus text format, or -1 when it is missing.
double Sample(observability::Metrics& metrics, const std::string& series) {
  std::istringstream lines(metrics.Render());
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(series + " ")) {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

// Polls `condition` for up to five seconds.
template <typename Condition>
bool Eventually(Condition condition) {
  for (auto end = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(20ms)) {
    if (condition()) {
      return true;
    }
  }
  return condition();
}

class PgPoolTest : public ::testing::Test {
 protected:
  std::shared_ptr<PgPool> MakePool(std::size_t size, std::string url = "") {
    return PgPool::Create(loop_.Executor(),
                          PgPool::Options{{url.empty() ? db_.Url() : url, ""}, "", size},
                          std::make_shared<PoolMetrics>(&metrics_));
  }

  // Acquires, runs `sql` on the connection, and gives the connection back.
  boost::asio::awaitable<StorageResult<std::string>> UseOnce(std::shared_ptr<PgPool> pool,
                                                             std::string sql,
                                                             std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    auto lease = co_await pool->Acquire(deadline);
    if (!lease) {
      co_return MakeUnexpected(lease.error());
    }
    auto result = co_await (*lease)->Exec("test", sql, deadline);
    if (!result) {
      co_return MakeUnexpected(result.error().error);
    }
    co_return std::string(PQgetvalue(result->get(), 0, 0));
  }

  TestDatabase db_;
  observability::Metrics metrics_;
  EventLoop loop_;
};

// Ten callers, three connections: while a table lock holds every statement, exactly three
// sessions exist and seven callers wait; once it lifts, all ten finish on those three.
TEST_F(PgPoolTest, NeverOpensMoreConnectionsThanItsSize) {
  db_.Admin().Exec("CREATE TABLE gate (x int)");
  hello::testing::postgres::AdminConnection locker(db_.Url());
  locker.Exec("BEGIN; LOCK TABLE gate IN ACCESS EXCLUSIVE MODE");
  auto pool = MakePool(3);

  std::vector<std::future<StorageResult<std::string>>> calls;
  for (int i = 0; i < 10; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      return loop_.Run(UseOnce(pool, "SELECT count(*) FROM gate", 10s));
    }));
  }
  // Places are taken before their connections finish connecting: wait for the sessions.
  ASSERT_TRUE(Eventually([&] { return pool->Stats().waiting == 7; }));
  ASSERT_TRUE(Eventually([&] { return db_.AdapterSessions() == 3; }));
  EXPECT_EQ(pool->Stats().open, 3u);
  EXPECT_EQ(pool->Stats().waiting, 7u);
  EXPECT_EQ(Sample(metrics_, "db_pool_connections{state=\"in_use\"}"), 3);
  EXPECT_EQ(Sample(metrics_, "db_pool_connections{state=\"idle\"}"), 0);
  EXPECT_EQ(Sample(metrics_, "db_pool_waiting"), 7);

  locker.Exec("COMMIT");
  for (auto& call : calls) {
    auto result = call.get();
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(*result, "0");
  }
  EXPECT_EQ(db_.AdapterSessions(), 3);
  EXPECT_EQ(pool->Stats().idle, 3u);
  EXPECT_EQ(Sample(metrics_, "db_pool_connections{state=\"idle\"}"), 3);
  EXPECT_EQ(Sample(metrics_, "db_pool_connections{state=\"in_use\"}"), 0);
  EXPECT_EQ(Sample(metrics_, "db_pool_waiting"), 0);
}

TEST_F(PgPoolTest, WaitingCallerTimesOutAtItsDeadline) {
  auto pool = MakePool(1);
  auto held = loop_.Run(pool->Acquire(Clock::now() + 5s));
  ASSERT_TRUE(held);

  auto start = std::chrono::steady_clock::now();
  auto waited = loop_.Run(pool->Acquire(Clock::now() + 200ms));
  auto elapsed = ElapsedMs(start);
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().kind, Kind::kTimeout);
  EXPECT_GE(elapsed, 190);
  EXPECT_LT(elapsed, 1000);
  EXPECT_EQ(pool->Stats().waiting, 0u);
  EXPECT_EQ(Sample(metrics_, "db_pool_errors_total{kind=\"timeout\"}"), 1);
}

TEST_F(PgPoolTest, ReturnedConnectionGoesToTheWaiter) {
  auto pool = MakePool(1);
  std::optional<Expected<PgPool::Lease, StorageError>> held;
  held.emplace(loop_.Run(pool->Acquire(Clock::now() + 5s)));
  ASSERT_TRUE(*held);

  auto waiter =
      std::async(std::launch::async, [&] { return loop_.Run(UseOnce(pool, "SELECT 7", 5s)); });
  ASSERT_TRUE(Eventually([&] { return pool->Stats().waiting == 1; }));
  auto start = std::chrono::steady_clock::now();
  held.reset();
  auto result = waiter.get();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(*result, "7");
  EXPECT_LT(ElapsedMs(start), 1000);
  EXPECT_EQ(db_.AdapterSessions(), 1);
}

// After the server drops every session, the first call finds its connection broken; the next
// call must not be handed the other dead idle connection but a new one.
TEST_F(PgPoolTest, ReplacesIdleConnectionsAfterTheServerWasLost) {
  auto pool = MakePool(2);
  {
    auto first = loop_.Run(pool->Acquire(Clock::now() + 5s));
    auto second = loop_.Run(pool->Acquire(Clock::now() + 5s));
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
  }
  ASSERT_EQ(pool->Stats().idle, 2u);
  db_.Admin().Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'hello-birthday' AND datname = '" +
      db_.Name() + "'");
  ASSERT_TRUE(Eventually([&] { return db_.AdapterSessions() == 0; }));

  auto broken = loop_.Run(UseOnce(pool, "SELECT 1", 5s));
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().kind, Kind::kUnavailable);

  auto next = loop_.Run(UseOnce(pool, "SELECT 2", 5s));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(*next, "2");
}

TEST_F(PgPoolTest, CloseFailsWaitersAndClosesConnections) {
  auto pool = MakePool(1);
  std::optional<Expected<PgPool::Lease, StorageError>> held;
  held.emplace(loop_.Run(pool->Acquire(Clock::now() + 5s)));
  ASSERT_TRUE(*held);
  auto waiter =
      std::async(std::launch::async, [&] { return loop_.Run(pool->Acquire(Clock::now() + 10s)); });
  ASSERT_TRUE(Eventually([&] { return pool->Stats().waiting == 1; }));

  auto start = std::chrono::steady_clock::now();
  pool->Close();
  auto failed = waiter.get();
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().kind, Kind::kUnavailable);
  EXPECT_LT(ElapsedMs(start), 1000);

  held.reset();
  EXPECT_EQ(pool->Stats().open, 0u);
  EXPECT_TRUE(Eventually([&] { return db_.AdapterSessions() == 0; }));
  auto after = loop_.Run(pool->Acquire(Clock::now() + 1s));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().kind, Kind::kUnavailable);
}

// A failed connect must give its place back, or an outage would leave the pool full of
// phantom connections and every later call would time out instead of failing fast.
TEST_F(PgPoolTest, FailedConnectFreesItsPlace) {
  auto pool = MakePool(1, "postgres://postgres@127.0.0.1:25498/postgres");
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto failed = loop_.Run(pool->Acquire(Clock::now() + 2s));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().kind, Kind::kUnavailable);
    EXPECT_LT(ElapsedMs(start), 1000);
  }
  EXPECT_EQ(pool->Stats().open, 0u);
  EXPECT_EQ(Sample(metrics_, "db_pool_errors_total{kind=\"connect\"}"), 3);
}

}  // namespace
}  // namespace hello::storage::postgres
