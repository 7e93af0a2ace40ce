// Tests of the reader pool: results, the queueing deadline, and Stop.

#include "storage/sqlite/sqlite_reader_pool.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "storage/sqlite/sqlite_schema.hpp"
#include "storage/sqlite/sqlite_test_support.hpp"

namespace hello::storage::sqlite {
namespace {

using namespace std::chrono_literals;

// Receives a result on whatever thread completes it.
template <typename T>
class PromiseCompletion final : public Completion<T> {
 public:
  explicit PromiseCompletion(std::promise<StorageResult<T>>& promise) : promise_(promise) {}
  void Complete(StorageResult<T> result) noexcept override {
    promise_.set_value(std::move(result));
  }

 private:
  std::promise<StorageResult<T>>& promise_;
};

class ReaderPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The pool expects a migrated database.
    auto connection = Connection::Open(folder_.path() / "r.db");
    ASSERT_TRUE(connection);
    ASSERT_TRUE(ApplyDurableSettings(*connection, 1000ms));
    ASSERT_TRUE(ApplyMigrations(*connection));
  }

  std::unique_ptr<ReaderPool> StartPool(std::size_t size, std::chrono::milliseconds timeout) {
    auto pool = ReaderPool::Start(folder_.path() / "r.db", size, timeout);
    EXPECT_TRUE(pool) << (pool ? "" : pool.error());
    return pool ? std::move(*pool) : nullptr;
  }

  testing::TempFolder folder_;
};

TEST_F(ReaderPoolTest, RunsWorkOnItsOwnThreadAndReturnsTheResult) {
  auto pool = StartPool(2, 1000ms);
  ASSERT_NE(pool, nullptr);
  std::promise<StorageResult<std::thread::id>> promise;
  pool->Submit<std::thread::id>("test",
                                std::make_unique<PromiseCompletion<std::thread::id>>(promise),
                                [](ReaderConnection&) -> StorageResult<std::thread::id> {
                                  return std::this_thread::get_id();
                                });
  auto result = promise.get_future().get();
  ASSERT_TRUE(result);
  EXPECT_NE(*result, std::this_thread::get_id());
}

TEST_F(ReaderPoolTest, ReadersCannotWrite) {
  auto pool = StartPool(1, 1000ms);
  ASSERT_NE(pool, nullptr);
  std::promise<StorageResult<int>> promise;
  pool->Submit<int>("test", std::make_unique<PromiseCompletion<int>>(promise),
                    [](ReaderConnection& reader) -> StorageResult<int> {
                      return reader.connection.Exec("DELETE FROM users");
                    });
  auto code = promise.get_future().get();
  ASSERT_TRUE(code);
  EXPECT_EQ(*code & 0xff, SQLITE_READONLY);
}

TEST_F(ReaderPoolTest, WorkQueuedPastTheTimeoutFailsWithoutRunning) {
  // One reader, kept busy for longer than the timeout by the first task.
  auto pool = StartPool(1, 100ms);
  ASSERT_NE(pool, nullptr);
  std::promise<StorageResult<int>> slow;
  std::promise<StorageResult<int>> queued;
  bool queued_ran = false;
  pool->Submit<int>("test", std::make_unique<PromiseCompletion<int>>(slow),
                    [](ReaderConnection&) -> StorageResult<int> {
                      std::this_thread::sleep_for(250ms);
                      return 1;
                    });
  pool->Submit<int>("get", std::make_unique<PromiseCompletion<int>>(queued),
                    [&queued_ran](ReaderConnection&) -> StorageResult<int> {
                      queued_ran = true;
                      return 2;
                    });

  EXPECT_TRUE(slow.get_future().get());
  auto result = queued.get_future().get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, StorageError::Kind::kTimeout);
  EXPECT_NE(result.error().message.find("sqlite get failed"), std::string::npos);
  EXPECT_FALSE(queued_ran);
}

TEST_F(ReaderPoolTest, AnExceptionInWorkBecomesAnInternalError) {
  auto pool = StartPool(1, 1000ms);
  ASSERT_NE(pool, nullptr);
  std::promise<StorageResult<int>> promise;
  pool->Submit<int>(
      "get", std::make_unique<PromiseCompletion<int>>(promise),
      [](ReaderConnection&) -> StorageResult<int> { throw std::runtime_error("boom"); });
  auto result = promise.get_future().get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, StorageError::Kind::kInternal);
}

TEST_F(ReaderPoolTest, StopRunsQueuedWorkThenRefusesMore) {
  auto pool = StartPool(1, 5000ms);
  ASSERT_NE(pool, nullptr);
  std::promise<StorageResult<int>> first;
  std::promise<StorageResult<int>> second;
  pool->Submit<int>("test", std::make_unique<PromiseCompletion<int>>(first),
                    [](ReaderConnection&) -> StorageResult<int> {
                      std::this_thread::sleep_for(100ms);
                      return 1;
                    });
  pool->Submit<int>("test", std::make_unique<PromiseCompletion<int>>(second),
                    [](ReaderConnection&) -> StorageResult<int> { return 2; });
  pool->Stop();
  EXPECT_EQ(*first.get_future().get(), 1);
  EXPECT_EQ(*second.get_future().get(), 2);

  std::promise<StorageResult<int>> late;
  pool->Submit<int>("get", std::make_unique<PromiseCompletion<int>>(late),
                    [](ReaderConnection&) -> StorageResult<int> { return 3; });
  auto result = late.get_future().get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, StorageError::Kind::kUnavailable);
}

}  // namespace
}  // namespace hello::storage::sqlite
