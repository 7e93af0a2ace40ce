// Tests of the PostgreSQL UserStore against the real test cluster: the port's contract, the
// retry on a lost connection, deadlines, readiness, outages and what reaches the log.

#include "storage/postgres/postgres_store.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "pg_test_support.hpp"

namespace hello::storage::postgres {
namespace {

using hello::testing::postgres::AdminConnection;
using hello::testing::postgres::ClusterUrl;
using hello::testing::postgres::ElapsedMs;
using hello::testing::postgres::EventLoop;
using hello::testing::postgres::TestDatabase;
using Kind = StorageError::Kind;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using namespace std::chrono_literals;

constexpr const char* kRefusedUrl = "postgres://postgres@127.0.0.1:25498/postgres";

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

UserRecord Record(std::string key, std::string name, std::chrono::year_month_day date) {
  return UserRecord{std::move(key), std::move(name), date};
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(); }
  void TearDown() override {
    if (store_) {
      store_->Close();
    }
  }

  std::unique_ptr<UserStore> Open(std::size_t pool_size = 4,
                                  std::chrono::milliseconds timeout = 2000ms) {
    StoreOptions options;
    options.database_url = db_.Url();
    options.pool_size = pool_size;
    options.request_timeout = timeout;
    auto store = OpenPostgresStore(options, loop_.Executor(), &metrics_);
    if (!store) {
      throw std::runtime_error(store.error());
    }
    return std::move(*store);
  }

  StorageResult<void> Put(UserStore& store, UserRecord record) {
    return loop_.Run(store.Put(std::move(record)));
  }
  StorageResult<std::optional<UserRecord>> Get(UserStore& store, std::string key) {
    return loop_.Run(store.Get(std::move(key)));
  }

  TestDatabase db_;
  observability::Metrics metrics_;
  EventLoop loop_;
  std::unique_ptr<UserStore> store_;
};

TEST_F(PostgresStoreTest, NamesItsBackend) { EXPECT_EQ(store_->Backend(), "postgres"); }

TEST_F(PostgresStoreTest, GetReturnsWhatPutStored) {
  ASSERT_TRUE(Put(*store_, Record("alice", "Alice", year{1990} / month{5} / day{17})));
  auto got = Get(*store_, "alice");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->key, "alice");
  EXPECT_EQ((*got)->display_name, "Alice");
  EXPECT_EQ((*got)->date_of_birth, year{1990} / month{5} / day{17});
}

TEST_F(PostgresStoreTest, GetOfAnUnknownKeyIsEmpty) {
  auto got = Get(*store_, "nobody");
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value());
}

TEST_F(PostgresStoreTest, PutReplacesTheRecordWithTheSameKey) {
  ASSERT_TRUE(Put(*store_, Record("alice", "Alice", year{1990} / month{5} / day{17})));
  ASSERT_TRUE(Put(*store_, Record("alice", "ALICE", year{1985} / month{1} / day{2})));
  auto got = Get(*store_, "alice");
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->display_name, "ALICE");
  EXPECT_EQ((*got)->date_of_birth, year{1985} / month{1} / day{2});
  EXPECT_EQ(db_.Admin().Count("SELECT count(*) FROM users"), 1);
}

TEST_F(PostgresStoreTest, RemoveDeletesAndSucceedsWhenNothingIsThere) {
  ASSERT_TRUE(Put(*store_, Record("bob", "Bob", year{2000} / month{2} / day{29})));
  ASSERT_TRUE(loop_.Run(store_->Remove("bob")));
  auto got = Get(*store_, "bob");
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(loop_.Run(store_->Remove("bob")));
  EXPECT_TRUE(loop_.Run(store_->Remove("never-existed")));
}

// Names in many scripts and dates at the ends of the range survive the round trip byte for byte
// (binary dates: no DateStyle dependence, years below 1000 included).
TEST_F(PostgresStoreTest, KeepsUnicodeNamesAndEdgeDatesExactly) {
  std::vector<UserRecord> records = {
      Record("zoë", "Zoë", year{1} / month{1} / day{1}),
      Record("łukasz", "Łukasz", year{999} / month{12} / day{31}),
      Record("анна", "Анна", year{2000} / month{2} / day{29}),
      Record("李", "李", year{1999} / month{12} / day{31}),
      Record("josé", "Jose\xCC\x81", year{2024} / month{2} / day{29}),
  };
  for (const auto& record : records) {
    ASSERT_TRUE(Put(*store_, record));
  }
  for (const auto& record : records) {
    auto got = Get(*store_, record.key);
    ASSERT_TRUE(got && got->has_value()) << record.key;
    EXPECT_EQ((*got)->display_name, record.display_name);
    EXPECT_EQ((*got)->date_of_birth, record.date_of_birth) << record.key;
  }
  EXPECT_EQ(db_.Admin().Scalar("SELECT date_of_birth::text FROM users WHERE user_key = 'zoë'"),
            "0001-01-01");
}

// Many callers at once on a small pool: nothing is lost, and the pool stays within its size.
TEST_F(PostgresStoreTest, ConcurrentPutsAllLand) {
  auto store = Open(3);
  std::vector<std::future<StorageResult<void>>> puts;
  for (int t = 0; t < 4; ++t) {
    puts.push_back(std::async(std::launch::async, [&, t] {
      for (int i = 0; i < 50; ++i) {
        auto key = "user" + std::to_string(t * 50 + i);
        auto put =
            Put(*store,
                Record(key, key, year{1980} / month{1} / day{static_cast<unsigned>(1 + i % 28)}));
        if (!put) {
          return put;
        }
      }
      return StorageResult<void>{};
    }));
  }
  for (auto& put : puts) {
    auto done = put.get();
    EXPECT_TRUE(done) << done.error().message;
  }
  EXPECT_EQ(db_.Admin().Count("SELECT count(*) FROM users"), 200);
  EXPECT_LE(db_.AdapterSessions(), 3 + 4);  // this store's three and the fixture's store
}

// Every pool connection dies (a failover, a restarted server): the next call finds its
// connection broken and succeeds on a new one, invisibly to the caller.
TEST_F(PostgresStoreTest, RetriesOnceWhenTheConnectionIsLost) {
  ASSERT_TRUE(Put(*store_, Record("carol", "Carol", year{1970} / month{7} / day{7})));
  db_.Admin().Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE application_name = 'hello-birthday' AND datname = '" +
      db_.Name() + "'");
  for (int i = 0; i < 100 && db_.AdapterSessions() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }

  auto got = Get(*store_, "carol");
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(Sample(metrics_, "db_pool_errors_total{kind=\"broken\"}"), 1);
  EXPECT_TRUE(Put(*store_, Record("carol", "Carol", year{1971} / month{7} / day{7})));
}

// A statement stuck behind a lock: callers get kTimeout at the request timeout, those waiting
// for the only connection too, and once the lock lifts the store serves again by itself.
TEST_F(PostgresStoreTest, StuckStatementTimesOutAndTheStoreRecovers) {
  auto store = Open(1, 300ms);
  ASSERT_TRUE(Put(*store, Record("dave", "Dave", year{1960} / month{3} / day{3})));
  AdminConnection locker(db_.Url());
  locker.Exec("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE");

  auto start = std::chrono::steady_clock::now();
  auto first = std::async(std::launch::async, [&] { return Get(*store, "dave"); });
  auto second = std::async(std::launch::async, [&] { return Get(*store, "dave"); });
  auto a = first.get();
  auto b = second.get();
  auto elapsed = ElapsedMs(start);
  ASSERT_FALSE(a);
  ASSERT_FALSE(b);
  EXPECT_EQ(a.error().kind, Kind::kTimeout);
  EXPECT_EQ(b.error().kind, Kind::kTimeout);
  EXPECT_LT(elapsed, 1000);

  locker.Exec("ROLLBACK");
  auto later = Get(*store, "dave");
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_TRUE(later->has_value());
}

TEST_F(PostgresStoreTest, ReadinessFollowsTheDatabase) {
  EXPECT_TRUE(loop_.Run(store_->CheckReady()));

  StoreOptions options;
  options.database_url = kRefusedUrl;
  PostgresUserStore down(options, loop_.Executor(), nullptr);
  auto ready = loop_.Run(down.CheckReady());
  ASSERT_FALSE(ready);
  EXPECT_EQ(ready.error().kind, Kind::kUnavailable);
  down.Close();
}

// Probes within a second reuse the last answer instead of opening a connection each time.
TEST_F(PostgresStoreTest, ReadinessAnswerIsCachedForASecond) {
  observability::Metrics metrics;
  StoreOptions options;
  options.database_url = kRefusedUrl;
  PostgresUserStore down(options, loop_.Executor(), &metrics);
  EXPECT_FALSE(loop_.Run(down.CheckReady()));
  EXPECT_FALSE(loop_.Run(down.CheckReady()));
  EXPECT_FALSE(loop_.Run(down.CheckReady()));
  EXPECT_EQ(Sample(metrics, "db_pool_errors_total{kind=\"connect\"}"), 1);

  std::this_thread::sleep_for(1100ms);
  EXPECT_FALSE(loop_.Run(down.CheckReady()));
  EXPECT_EQ(Sample(metrics, "db_pool_errors_total{kind=\"connect\"}"), 2);
  down.Close();
}

// With the database gone every call fails kUnavailable at once: no hang, no crash.
TEST_F(PostgresStoreTest, CallsFailFastWhenTheDatabaseIsDown) {
  StoreOptions options;
  options.database_url = kRefusedUrl;
  options.request_timeout = 2000ms;
  PostgresUserStore down(options, loop_.Executor(), nullptr);
  auto start = std::chrono::steady_clock::now();
  auto put = loop_.Run(down.Put(Record("erin", "Erin", year{1990} / month{1} / day{1})));
  auto got = loop_.Run(down.Get("erin"));
  auto removed = loop_.Run(down.Remove("erin"));
  ASSERT_FALSE(put);
  ASSERT_FALSE(got);
  ASSERT_FALSE(removed);
  EXPECT_EQ(put.error().kind, Kind::kUnavailable);
  EXPECT_EQ(got.error().kind, Kind::kUnavailable);
  EXPECT_EQ(removed.error().kind, Kind::kUnavailable);
  EXPECT_LT(ElapsedMs(start), 1000);
  down.Close();
}

TEST_F(PostgresStoreTest, OpenFailsWithAMessageWithoutThePassword) {
  StoreOptions options;
  options.database_url = "postgres://app:hunter2@127.0.0.1:25498/hello";
  auto store = OpenPostgresStore(options, loop_.Executor());
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().find("127.0.0.1"), std::string::npos) << store.error();
  EXPECT_EQ(store.error().find("hunter2"), std::string::npos) << store.error();

  options.database_url = "postgres://app:hunter2@127.0.0.1:25498/hello?bogus_option=1";
  store = OpenPostgresStore(options, loop_.Executor());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().find("hunter2"), std::string::npos) << store.error();
}

TEST_F(PostgresStoreTest, CloseReleasesConnectionsAndRefusesLaterCalls) {
  ASSERT_TRUE(Put(*store_, Record("frank", "Frank", year{1990} / month{1} / day{1})));
  ASSERT_GT(db_.AdapterSessions(), 0);
  store_->Close();
  for (int i = 0; i < 100 && db_.AdapterSessions() > 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(db_.AdapterSessions(), 0);
  auto got = Get(*store_, "frank");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().kind, Kind::kUnavailable);
}

// Captures what the process writes on stdout while `action` runs.
template <typename Action>
std::string CaptureStdout(Action action) {
  std::fflush(stdout);
  auto path = std::filesystem::temp_directory_path() /
              ("hello-pg-log-" + std::to_string(::getpid()) + ".txt");
  int saved = ::dup(STDOUT_FILENO);
  int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(file, STDOUT_FILENO);
  action();
  observability::FlushLogs();
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(file);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  return text;
}

TEST_F(PostgresStoreTest, LogsTheUrlWithoutItsPassword) {
  std::string role = "hello_log_" + std::to_string(::getpid());
  AdminConnection admin(ClusterUrl());
  admin.Exec("DROP ROLE IF EXISTS " + role);
  admin.Exec("CREATE ROLE " + role + " LOGIN PASSWORD 'Tr0ub4dor' IN ROLE password_login");
  db_.Admin().Exec("GRANT ALL ON SCHEMA public TO " + role);
  db_.Admin().Exec("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + role);
  std::string url = db_.Url();
  url.replace(url.find("://") + 3, url.find('@') - url.find("://") - 3, role + ":Tr0ub4dor");

  std::string log = CaptureStdout([&] {
    StoreOptions options;
    options.database_url = url;
    auto store = OpenPostgresStore(options, loop_.Executor());
    ASSERT_TRUE(store) << store.error();
    (*store)->Close();
  });
  EXPECT_NE(log.find("postgres store opened"), std::string::npos) << log;
  EXPECT_NE(log.find(role + ":redacted@"), std::string::npos) << log;
  EXPECT_EQ(log.find("Tr0ub4dor"), std::string::npos) << log;
  db_.Admin().Exec("DROP OWNED BY " + role);
  admin.Exec("DROP ROLE " + role);
}

// One "database unavailable" warning per outage, not one per failing call, and its message
// names no secret.
TEST_F(PostgresStoreTest, LogsAnOutageOnce) {
  std::string log = CaptureStdout([&] {
    StoreOptions options;
    options.database_url = "postgres://app:hunter2@127.0.0.1:25498/hello";
    PostgresUserStore down(options, loop_.Executor(), nullptr);
    for (int i = 0; i < 5; ++i) {
      EXPECT_FALSE(loop_.Run(down.Get("x")));
    }
    down.Close();
  });
  std::size_t count = 0;
  for (auto at = log.find("database unavailable"); at != std::string::npos;
       at = log.find("database unavailable", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 1u) << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
}

}  // namespace
}  // namespace hello::storage::postgres
