// Tests of the versioned migrations against the real test cluster: recording, idempotence, the
// advisory lock with ten instances at once, newer and partial schemas, and atomicity.

#include "storage/postgres/pg_migrations.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "pg_test_support.hpp"
#include "storage/postgres/postgres_store.hpp"

namespace hello::storage::postgres {
namespace {

using hello::testing::postgres::AdminConnection;
using hello::testing::postgres::ElapsedMs;
using hello::testing::postgres::EventLoop;
using hello::testing::postgres::TestDatabase;
using Kind = StorageError::Kind;
using namespace std::chrono_literals;

std::string RecordedVersions(TestDatabase& db) {
  return db.Admin()
      .Scalar("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations")
      .value_or("");
}

std::string AllVersions() {
  std::string versions;
  for (const Migration& step : Migrations()) {
    versions += (versions.empty() ? "" : ",") + std::to_string(step.version);
  }
  return versions;
}

std::unique_ptr<PgConnection> Connected(EventLoop& loop, const std::string& url) {
  auto conn = std::make_unique<PgConnection>(loop.Executor());
  auto params = MakeLibpqParams({url, ""});
  auto connected = loop.Run(conn->Connect(*params, "", Clock::now() + 5s));
  if (!connected) {
    throw std::runtime_error(connected.error().error.message);
  }
  return conn;
}

TEST(PgMigrations, VersionsStartAtOneAndIncreaseByOne) {
  int expected = 1;
  for (const Migration& step : Migrations()) {
    EXPECT_EQ(step.version, expected++);
    EXPECT_FALSE(step.description.empty());
  }
}

TEST(PgMigrations, CreatesTheSchemaAndRecordsEachVersion) {
  TestDatabase db;
  StoreOptions options;
  options.database_url = db.Url();
  ASSERT_TRUE(MigratePostgres(options));

  EXPECT_EQ(RecordedVersions(db), AllVersions());
  EXPECT_EQ(db.Admin().Scalar("SELECT string_agg(column_name, ',' ORDER BY ordinal_position) "
                              "FROM information_schema.columns WHERE table_name = 'users'"),
            "user_key,display_name,date_of_birth,updated_at");
  EXPECT_EQ(db.Admin().Count("SELECT count(*) FROM information_schema.table_constraints "
                             "WHERE table_name = 'users' AND constraint_type = 'PRIMARY KEY'"),
            1);
}

TEST(PgMigrations, SecondRunAppliesNothing) {
  TestDatabase db;
  EventLoop loop;
  auto conn = Connected(loop, db.Url());
  auto first = loop.Run(ApplyMigrations(*conn, Clock::now() + 10s));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->applied, static_cast<int>(Migrations().size()));
  auto applied_at = db.Admin().Scalar("SELECT max(applied_at)::text FROM schema_migrations");

  auto second = loop.Run(ApplyMigrations(*conn, Clock::now() + 10s));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->applied, 0);
  EXPECT_EQ(second->schema_version, Migrations().back().version);
  EXPECT_EQ(RecordedVersions(db), AllVersions());
  EXPECT_EQ(db.Admin().Scalar("SELECT max(applied_at)::text FROM schema_migrations"), applied_at);
}

// Ten instances migrating an empty database at the same moment: all succeed and each step is
// applied by exactly one of them. Without the lock, concurrent CREATE TABLE calls collide.
TEST(PgMigrations, TenConcurrentRunsApplyEachStepOnce) {
  TestDatabase db;
  EventLoop loop(2);
  std::vector<std::unique_ptr<PgConnection>> conns;
  for (int i = 0; i < 10; ++i) {
    conns.push_back(Connected(loop, db.Url()));
  }

  std::latch start(10);
  std::atomic<int> applied{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> instances;
  for (auto& conn : conns) {
    instances.emplace_back([&, c = conn.get()] {
      start.arrive_and_wait();
      auto outcome = loop.Run(ApplyMigrations(*c, Clock::now() + 20s));
      if (outcome) {
        applied += outcome->applied;
      } else {
        ++failures;
        ADD_FAILURE() << outcome.error().message;
      }
    });
  }
  for (auto& instance : instances) {
    instance.join();
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(applied, static_cast<int>(Migrations().size()));
  EXPECT_EQ(RecordedVersions(db), AllVersions());
}

// The same through the public entry point, each "instance" with its own event loop, as ten
// processes would.
TEST(PgMigrations, TenStoresOpeningAtOnceAllSucceed) {
  TestDatabase db;
  EventLoop loop(1);
  StoreOptions options;
  options.database_url = db.Url();

  std::latch start(10);
  std::atomic<int> opened{0};
  std::vector<std::thread> instances;
  for (int i = 0; i < 10; ++i) {
    instances.emplace_back([&] {
      start.arrive_and_wait();
      auto store = OpenPostgresStore(options, loop.Executor());
      if (store) {
        ++opened;
        (*store)->Close();
      } else {
        ADD_FAILURE() << store.error();
      }
    });
  }
  for (auto& instance : instances) {
    instance.join();
  }
  EXPECT_EQ(opened, 10);
  EXPECT_EQ(RecordedVersions(db), AllVersions());
}

// While another session holds the project's lock, a migration waits, and gives up at its
// deadline; once the lock is free it proceeds.
TEST(PgMigrations, WaitsForTheAdvisoryLockWithinItsDeadline) {
  TestDatabase db;
  AdminConnection holder(db.Url());
  holder.Exec("SELECT pg_advisory_lock(" + std::to_string(kMigrationLockKey) + ")");
  EventLoop loop;
  auto conn = Connected(loop, db.Url());

  auto start = std::chrono::steady_clock::now();
  auto blocked = loop.Run(ApplyMigrations(*conn, Clock::now() + 300ms));
  auto elapsed = ElapsedMs(start);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().kind, Kind::kTimeout);
  EXPECT_GE(elapsed, 250);
  EXPECT_LT(elapsed, 1500);
  EXPECT_EQ(db.Admin().Scalar("SELECT to_regclass('schema_migrations')::text"), std::nullopt);

  holder.Exec("SELECT pg_advisory_unlock(" + std::to_string(kMigrationLockKey) + ")");
  auto fresh = Connected(loop, db.Url());
  auto done = loop.Run(ApplyMigrations(*fresh, Clock::now() + 10s));
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_EQ(RecordedVersions(db), AllVersions());
}

// An older release started after a newer one migrated (a rollback) must still start.
TEST(PgMigrations, LeavesVersionsOfANewerReleaseAlone) {
  TestDatabase db;
  EventLoop loop;
  auto conn = Connected(loop, db.Url());
  ASSERT_TRUE(loop.Run(ApplyMigrations(*conn, Clock::now() + 10s)));
  db.Admin().Exec(
      "INSERT INTO schema_migrations (version, description) VALUES (99, 'a newer release')");

  auto again = loop.Run(ApplyMigrations(*conn, Clock::now() + 10s));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->applied, 0);
  EXPECT_EQ(again->schema_version, 99);
}

TEST(PgMigrations, CompletesAPartlyMigratedDatabase) {
  TestDatabase db;
  db.Admin().Exec(
      "CREATE TABLE schema_migrations (version integer PRIMARY KEY, description text NOT NULL, "
      "applied_at timestamptz NOT NULL DEFAULT now())");
  db.Admin().Exec(std::string(Migrations()[0].sql));
  db.Admin().Exec("INSERT INTO schema_migrations (version, description) VALUES (1, 'old')");
  db.Admin().Exec("INSERT INTO users VALUES ('zoë', 'Zoë', '1990-05-17')");

  EventLoop loop;
  auto conn = Connected(loop, db.Url());
  auto outcome = loop.Run(ApplyMigrations(*conn, Clock::now() + 10s));
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcome->applied, static_cast<int>(Migrations().size()) - 1);
  EXPECT_EQ(RecordedVersions(db), AllVersions());
  EXPECT_EQ(db.Admin().Scalar("SELECT description FROM schema_migrations WHERE version = 1"),
            "old");
  EXPECT_EQ(db.Admin().Count("SELECT count(*) FROM users WHERE updated_at IS NOT NULL"), 1);
}

// A failing step leaves nothing behind: not even schema_migrations, created in the same
// transaction.
TEST(PgMigrations, FailedRunRollsBackEntirely) {
  TestDatabase db;
  db.Admin().Exec("CREATE TABLE users (something_else int)");
  EventLoop loop;
  auto conn = Connected(loop, db.Url());
  auto outcome = loop.Run(ApplyMigrations(*conn, Clock::now() + 10s));
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().kind, Kind::kInternal);
  EXPECT_NE(outcome.error().message.find("SQLSTATE 42P07"), std::string::npos)
      << outcome.error().message;
  EXPECT_EQ(db.Admin().Scalar("SELECT to_regclass('schema_migrations')::text"), std::nullopt);
}

}  // namespace
}  // namespace hello::storage::postgres
