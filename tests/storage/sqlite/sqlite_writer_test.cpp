// Tests of the SQLite writer through the store: group commit, queue order, Close draining the
// queue, lock timeouts and background checkpoints.

#include "storage/sqlite/sqlite_writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite/sqlite_test_support.hpp"

namespace hello::storage::sqlite {
namespace {

using namespace std::chrono_literals;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using testing::OpenStore;
using testing::RawConnection;
using testing::Record;
using testing::RunTask;
using testing::TempFolder;
using SqliteWriterTest = testing::StoreTest;

TEST_F(SqliteWriterTest, ManyConcurrentPutsLandAndShareCommits) {
  // Four threads run 400 coroutines that each write one user at the same time.
  constexpr int kPuts = 400;
  const WriteStats before = store_->GetWriteStats();
  std::atomic<int> succeeded{0};
  for (int i = 0; i < kPuts; ++i) {
    boost::asio::co_spawn(
        io_,
        [this, i, &succeeded]() -> boost::asio::awaitable<void> {
          auto result = co_await store_->Put(
              Record("user" + std::to_string(i), "User", year(1950 + i % 50) / month(3) / day(1)));
          if (result) {
            ++succeeded;
          }
        },
        boost::asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([this] { io_.run(); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  ASSERT_EQ(succeeded.load(), kPuts);

  // Every write is there, and far fewer transactions than writes were committed.
  for (int i = 0; i < kPuts; ++i) {
    auto found = Get("user" + std::to_string(i));
    ASSERT_TRUE(found && found->has_value()) << i;
  }
  const WriteStats after = store_->GetWriteStats();
  EXPECT_EQ(after.writes - before.writes, static_cast<std::uint64_t>(kPuts));
  EXPECT_LE((after.transactions - before.transactions) * 4, after.writes - before.writes)
      << "transactions: " << after.transactions - before.transactions;
}

TEST_F(SqliteWriterTest, CheckpointsRunOnTheirOwnThread) {
  // Enough data for the log to pass the checkpoint threshold many times over.
  constexpr int kPuts = 3000;
  const std::string long_name(2000, 'n');
  int succeeded = 0;
  for (int i = 0; i < kPuts; ++i) {
    boost::asio::co_spawn(
        io_,
        [this, i, &long_name, &succeeded]() -> boost::asio::awaitable<void> {
          auto result = co_await store_->Put(
              Record("c" + std::to_string(i), long_name, year(1990) / month(1) / day(1)));
          succeeded += result ? 1 : 0;
        },
        boost::asio::detached);
  }
  io_.run();
  ASSERT_EQ(succeeded, kPuts);

  // The commits woke the checkpoint thread (SQLite's own in-commit checkpoint is replaced).
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (store_->GetCheckpointCount() == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GT(store_->GetCheckpointCount(), 0U);
  auto found = Get("c" + std::to_string(kPuts - 1));
  ASSERT_TRUE(found && found->has_value());
}

TEST_F(SqliteWriterTest, WritesQueuedBehindALockShareOneCommitInQueueOrder) {
  // Another process holds the write lock, so every write queues behind the first one.
  Connection raw = RawConnection(folder_.path() / "hello.db");
  ASSERT_EQ(raw.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  const WriteStats before = store_->GetWriteStats();

  constexpr int kWrites = 50;
  int done = 0;
  for (int i = 0; i < kWrites; ++i) {
    boost::asio::co_spawn(
        io_,
        [this, i, &done]() -> boost::asio::awaitable<void> {
          const std::string key = i <= kWrites - 2 ? "same" : "other";
          StorageResult<void> result;
          if (i == kWrites - 2) {
            result = co_await store_->Remove(key);
          } else {
            result = co_await store_->Put(
                Record(key, "N" + std::to_string(i), year(1990) / month(1) / day(1)));
          }
          EXPECT_TRUE(result) << result.error().message;
          ++done;
        },
        boost::asio::detached);
  }
  io_.poll();
  EXPECT_EQ(done, 0);

  // Release the lock: at most the first batch taken and the rest commit, in order.
  ASSERT_EQ(raw.Exec("COMMIT"), SQLITE_OK);
  io_.run();
  EXPECT_EQ(done, kWrites);
  const WriteStats after = store_->GetWriteStats();
  EXPECT_EQ(after.writes - before.writes, static_cast<std::uint64_t>(kWrites));
  EXPECT_LE(after.transactions - before.transactions, 2U);
  auto same = Get("same");
  ASSERT_TRUE(same);
  EXPECT_FALSE(same->has_value());  // the remove came after every put of "same"
  auto other = Get("other");
  ASSERT_TRUE(other && other->has_value());
  EXPECT_EQ((*other)->display_name, "N" + std::to_string(kWrites - 1));
}

TEST_F(SqliteWriterTest, CloseCommitsPendingWritesBeforeReturning) {
  // Hold the lock so that the writes are still pending when Close starts.
  Connection raw = RawConnection(folder_.path() / "hello.db");
  ASSERT_EQ(raw.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  constexpr int kWrites = 20;
  int succeeded = 0;
  for (int i = 0; i < kWrites; ++i) {
    boost::asio::co_spawn(
        io_,
        [this, i, &succeeded]() -> boost::asio::awaitable<void> {
          auto result = co_await store_->Put(
              Record("p" + std::to_string(i), "P", year(1990) / month(1) / day(1)));
          EXPECT_TRUE(result) << result.error().message;
          succeeded += result ? 1 : 0;
        },
        boost::asio::detached);
  }
  io_.poll();

  // Close waits for the lock and the commit.
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    store_->Close();
    closed = true;
  });
  std::this_thread::sleep_for(150ms);
  EXPECT_FALSE(closed.load());
  ASSERT_EQ(raw.Exec("COMMIT"), SQLITE_OK);
  closer.join();

  // Every caller got success, and every write is in the file.
  io_.run();
  EXPECT_EQ(succeeded, kWrites);
  auto count = raw.QueryInt("SELECT count(*) FROM users");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, kWrites);
}

TEST_F(SqliteWriterTest, PutFailsWithTimeoutWhileAnotherProcessHoldsTheLock) {
  store_.reset();
  store_ = OpenStore(folder_.Url(), 300ms);
  ASSERT_NE(store_, nullptr);
  Connection raw = RawConnection(folder_.path() / "hello.db");
  ASSERT_EQ(raw.Exec("BEGIN IMMEDIATE"), SQLITE_OK);

  // Two writes 30 ms apart: each fails at about its own deadline, not one after the other.
  std::vector<std::pair<StorageError::Kind, std::chrono::milliseconds>> outcomes(2);
  for (int i = 0; i < 2; ++i) {
    boost::asio::co_spawn(
        io_,
        [this, i, &outcomes]() -> boost::asio::awaitable<void> {
          if (i == 1) {
            boost::asio::steady_timer timer(io_, 30ms);
            co_await timer.async_wait(boost::asio::use_awaitable);
          }
          const auto start = std::chrono::steady_clock::now();
          auto result = co_await store_->Put(Record("t", "T", year(1990) / month(1) / day(1)));
          const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start);
          outcomes[i] = {result ? StorageError::Kind::kInternal : result.error().kind, elapsed};
        },
        boost::asio::detached);
  }
  io_.run();
  for (const auto& [kind, elapsed] : outcomes) {
    EXPECT_EQ(kind, StorageError::Kind::kTimeout);
    EXPECT_GE(elapsed, 250ms);
    EXPECT_LE(elapsed, 480ms);  // waiting a full timeout behind the first would take ~570 ms
  }

  // Once the lock is free the store writes again.
  ASSERT_EQ(raw.Exec("COMMIT"), SQLITE_OK);
  EXPECT_TRUE(Put("t", "T", year(1990) / month(1) / day(1)));
}

}  // namespace
}  // namespace hello::storage::sqlite
