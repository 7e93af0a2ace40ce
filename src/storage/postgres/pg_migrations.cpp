// The PostgreSQL schema, as an append-only list of versioned steps, and the runner that applies
// the missing ones under an advisory lock.

#include "storage/postgres/pg_migrations.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>
#include <string>

namespace hello::storage::postgres {
namespace {

namespace asio = boost::asio;
using Kind = StorageError::Kind;

// Rolling deploys run the previous release and this one side by side against one database, and
// the migrations run when the first new instance starts, so every step must be "expand, then
// contract":
//   * A step may only add: a table, a column that is nullable or has a default, an index, a
//     constraint that the previous release's writes already satisfy. The previous release's
//     statements must keep working unchanged on the new schema.
//   * Renaming, retyping or dropping something the previous release uses takes three releases:
//     N adds the new shape and writes both; N+1 reads and writes only the new shape; N+2 drops
//     the old shape, once no instance of N is left. Never in one step.
//   * Steps are append-only: never edit or reorder one that has shipped; fix forward with a new
//     version. A database that holds versions this release does not know (a rollback after a
//     newer release migrated) is accepted as is, which the rules above make safe.
//   * Each run is one transaction, so a step must be transactional DDL (no CREATE INDEX
//     CONCURRENTLY); a long step on a large table needs its own plan before it ships.
constexpr std::array kMigrations = {
    Migration{1, "users table",
              "CREATE TABLE users ("
              " user_key text PRIMARY KEY,"
              " display_name text NOT NULL,"
              " date_of_birth date NOT NULL)"},
    // An expand step: the default fills existing rows, and writers unaware of the column (the
    // previous release) still insert valid rows.
    Migration{2, "users.updated_at",
              "ALTER TABLE users ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()"},
};

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " description text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

std::string Quote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c;
    if (c == '\'') {
      quoted += '\'';
    }
  }
  return quoted + "'";
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

asio::awaitable<Expected<MigrationOutcome, StorageError>> ApplyMigrations(
    PgConnection& conn, Clock::time_point deadline) {
  // The server gives up at our deadline too, so a lock wait never outlives the caller.
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (remaining.count() <= 0) {
    co_return MakeUnexpected(StorageError{Kind::kTimeout, "postgres migration: timed out"});
  }

  // Only one instance at a time gets past the lock; the others then find the work done. The
  // transaction-scoped lock is released by COMMIT, or by the server if this process dies.
  std::string begin = "BEGIN; SET LOCAL statement_timeout = " + std::to_string(remaining.count()) +
                      "; SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) +
                      "); " + std::string(kCreateMigrationsTable);
  auto locked = co_await conn.Exec("postgres migration lock", begin, deadline);
  if (!locked) {
    co_return MakeUnexpected(std::move(locked).error().error);
  }

  auto recorded = co_await conn.Exec("postgres migration read",
                                     "SELECT version FROM schema_migrations", deadline);
  if (!recorded) {
    co_return MakeUnexpected(std::move(recorded).error().error);
  }
  std::set<int> done;
  for (int row = 0; row < PQntuples(recorded->get()); ++row) {
    std::string_view text = PQgetvalue(recorded->get(), row, 0);
    int version = 0;
    std::from_chars(text.data(), text.data() + text.size(), version);
    done.insert(version);
  }

  MigrationOutcome outcome;
  for (const Migration& step : kMigrations) {
    if (done.contains(step.version)) {
      continue;
    }
    std::string sql = std::string(step.sql) +
                      "; INSERT INTO schema_migrations (version, description) VALUES (" +
                      std::to_string(step.version) + ", " + Quote(step.description) + ")";
    std::string operation = "postgres migration " + std::to_string(step.version);
    auto applied = co_await conn.Exec(operation, sql, deadline);
    if (!applied) {
      co_return MakeUnexpected(std::move(applied).error().error);
    }
    done.insert(step.version);
    ++outcome.applied;
  }

  auto committed = co_await conn.Exec("postgres migration commit", "COMMIT", deadline);
  if (!committed) {
    co_return MakeUnexpected(std::move(committed).error().error);
  }
  outcome.schema_version = done.empty() ? 0 : *done.rbegin();
  co_return outcome;
}

}  // namespace hello::storage::postgres
