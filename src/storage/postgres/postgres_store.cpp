// The PostgreSQL adapter: prepared statements over the pool, one retry on a lost connection,
// a cached readiness probe, and start-up migrations.

#include "storage/postgres/postgres_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <exception>
#include <utility>

#include "observability/log.hpp"
#include "storage/postgres/pg_conninfo.hpp"
#include "storage/postgres/pg_migrations.hpp"

namespace hello::storage::postgres {
namespace {

namespace asio = boost::asio;
using observability::Log;
using observability::LogLevel;
using Kind = StorageError::Kind;

// Migrations wait for other instances holding the lock; connecting alone gets less.
constexpr std::chrono::seconds kMigrationTimeout{60};
constexpr std::chrono::seconds kMinMigrationConnectTimeout{5};
constexpr std::chrono::seconds kReadyCacheTime{1};

// PostgreSQL's binary date: days since 2000-01-01 as a big-endian 32-bit integer. Binary
// results do not depend on the server's DateStyle.
constexpr std::chrono::sys_days kPgEpoch{std::chrono::year{2000} / 1 / 1};

std::string EncodeDate(std::chrono::year_month_day date) {
  auto days = static_cast<std::uint32_t>(
      static_cast<std::int32_t>((std::chrono::sys_days{date} - kPgEpoch).count()));
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) {
    bytes[i] = static_cast<char>((days >> (24 - 8 * i)) & 0xFF);
  }
  return bytes;
}

std::chrono::year_month_day DecodeDate(const char* bytes) {
  std::uint32_t days = 0;
  for (int i = 0; i < 4; ++i) {
    days = (days << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return std::chrono::year_month_day{kPgEpoch + std::chrono::days{static_cast<std::int32_t>(days)}};
}

// Session settings and the statements every pool connection prepares once. The server-side
// statement timeout stops a statement whose caller gave up (its connection is then dropped).
std::string SetupSql(std::chrono::milliseconds request_timeout) {
  return "SET statement_timeout = " +
         std::to_string(std::max<std::int64_t>(1, request_timeout.count())) +
         ";"
         "PREPARE hello_put (text, text, date) AS"
         " INSERT INTO users (user_key, display_name, date_of_birth, updated_at)"
         " VALUES ($1, $2, $3, now())"
         " ON CONFLICT (user_key) DO UPDATE SET display_name = EXCLUDED.display_name,"
         " date_of_birth = EXCLUDED.date_of_birth, updated_at = EXCLUDED.updated_at;"
         "PREPARE hello_get (text) AS"
         " SELECT display_name, date_of_birth FROM users WHERE user_key = $1;"
         "PREPARE hello_remove (text) AS DELETE FROM users WHERE user_key = $1;"
         "PREPARE hello_ready AS SELECT 1";
}

StorageError ExceptionError(std::string_view operation, const std::exception& error) {
  return StorageError{Kind::kInternal, std::string(operation) + ": " + error.what()};
}

// Connects one connection of its own and applies the migrations, on a private event loop: this
// runs once at start-up (or as the migrate command), before the service takes traffic.
Expected<MigrationOutcome, std::string> RunMigrations(const StoreOptions& options) {
  auto valid = ValidateUrl(options.database_url);
  if (!valid) {
    return MakeUnexpected(valid.error());
  }
  auto params = MakeLibpqParams({options.database_url, options.password_file});
  if (!params) {
    return MakeUnexpected(params.error());
  }

  std::string where = "PostgreSQL at " + RedactUrl(options.database_url) + ": ";
  Expected<MigrationOutcome, std::string> outcome =
      MakeUnexpected(where + "migration did not finish");
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        try {
          auto start = Clock::now();
          PgConnection conn(io.get_executor());
          auto connect_timeout =
              std::max<Clock::duration>(options.request_timeout, kMinMigrationConnectTimeout);
          auto connected = co_await conn.Connect(*params, "", start + connect_timeout);
          if (!connected) {
            outcome = MakeUnexpected(where + connected.error().error.message);
            co_return;
          }
          auto migrated = co_await ApplyMigrations(conn, start + kMigrationTimeout);
          if (!migrated) {
            outcome = MakeUnexpected(where + migrated.error().message);
            co_return;
          }
          outcome = *migrated;
        } catch (const std::exception& error) {
          outcome = MakeUnexpected(where + "migration failed: " + error.what());
        }
      },
      asio::detached);
  io.run();
  return outcome;
}

}  // namespace

PostgresUserStore::PostgresUserStore(const StoreOptions& options, asio::any_io_executor executor,
                                     observability::Metrics* metrics)
    : request_timeout_(options.request_timeout),
      metrics_(std::make_shared<PoolMetrics>(metrics)),
      pool_(PgPool::Create(std::move(executor),
                           PgPool::Options{{options.database_url, options.password_file},
                                           SetupSql(options.request_timeout),
                                           options.pool_size},
                           metrics_)) {}

PostgresUserStore::~PostgresUserStore() { pool_->Close(); }

void PostgresUserStore::Close() { pool_->Close(); }

asio::awaitable<StorageResult<PgResult>> PostgresUserStore::Execute(std::string_view operation,
                                                                    const char* statement,
                                                                    std::vector<PgParam> params) {
  const auto deadline = Clock::now() + request_timeout_;
  for (int attempt = 1;; ++attempt) {
    auto lease = co_await pool_->Acquire(deadline);
    if (!lease) {
      co_return MakeUnexpected(std::move(lease).error());
    }
    auto result = co_await (*lease)->ExecPrepared(operation, statement, params, deadline);
    if (result) {
      co_return std::move(*result);
    }

    PgFailure failure = std::move(result).error();
    if (failure.error.kind == Kind::kTimeout) {
      metrics_->CountError(PoolErrorKind::kTimeout);
    } else {
      metrics_->CountError(failure.broken ? PoolErrorKind::kBroken : PoolErrorKind::kServer);
    }

    // The connection was lost mid-call. Every statement here is idempotent (an upsert on the
    // key, a read, a delete), so running it again on another connection is safe. The lease
    // drops the broken connection at the end of this iteration.
    if (failure.broken && failure.error.kind == Kind::kUnavailable && attempt == 1 &&
        Clock::now() < deadline) {
      continue;
    }
    co_return MakeUnexpected(std::move(failure.error));
  }
}

// Logs the transitions between "database answers" and "database unavailable" once each, not
// once per failing request.
void PostgresUserStore::NoteOutcome(const StorageResult<PgResult>& result) {
  if (result) {
    if (!available_.exchange(true)) {
      Log(LogLevel::kInfo, "database available again", {{"backend", "postgres"}});
    }
    return;
  }
  const StorageError& error = result.error();
  if (error.kind != Kind::kInternal && available_.exchange(false)) {
    Log(LogLevel::kWarn, "database unavailable",
        {{"backend", "postgres"}, {"error", std::string_view(error.message)}});
  }
}

asio::awaitable<StorageResult<void>> PostgresUserStore::Put(UserRecord record) {
  try {
    std::vector<PgParam> params;
    params.push_back(PgParam{std::move(record.key), false});
    params.push_back(PgParam{std::move(record.display_name), false});
    params.push_back(PgParam{EncodeDate(record.date_of_birth), true});
    auto result = co_await Execute("postgres put", "hello_put", std::move(params));
    NoteOutcome(result);
    if (!result) {
      co_return MakeUnexpected(std::move(result).error());
    }
    co_return StorageResult<void>{};
  } catch (const std::exception& error) {
    co_return MakeUnexpected(ExceptionError("postgres put", error));
  }
}

asio::awaitable<StorageResult<std::optional<UserRecord>>> PostgresUserStore::Get(std::string key) {
  try {
    std::vector<PgParam> params(1, PgParam{key, false});
    auto result = co_await Execute("postgres get", "hello_get", std::move(params));
    NoteOutcome(result);
    if (!result) {
      co_return MakeUnexpected(std::move(result).error());
    }
    const PGresult* rows = result->get();
    if (PQntuples(rows) == 0) {
      co_return std::optional<UserRecord>();
    }
    if (PQnfields(rows) != 2 || PQgetlength(rows, 0, 1) != 4) {
      co_return MakeUnexpected(
          StorageError{Kind::kInternal, "postgres get: unexpected result shape"});
    }
    UserRecord record;
    record.key = std::move(key);
    record.display_name.assign(PQgetvalue(rows, 0, 0),
                               static_cast<std::size_t>(PQgetlength(rows, 0, 0)));
    record.date_of_birth = DecodeDate(PQgetvalue(rows, 0, 1));
    co_return std::optional<UserRecord>(std::move(record));
  } catch (const std::exception& error) {
    co_return MakeUnexpected(ExceptionError("postgres get", error));
  }
}

asio::awaitable<StorageResult<void>> PostgresUserStore::Remove(std::string key) {
  try {
    std::vector<PgParam> params(1, PgParam{std::move(key), false});
    auto result = co_await Execute("postgres remove", "hello_remove", std::move(params));
    NoteOutcome(result);
    if (!result) {
      co_return MakeUnexpected(std::move(result).error());
    }
    co_return StorageResult<void>{};
  } catch (const std::exception& error) {
    co_return MakeUnexpected(ExceptionError("postgres remove", error));
  }
}

asio::awaitable<StorageResult<void>> PostgresUserStore::CheckReady() {
  try {
    {
      std::lock_guard lock(ready_mutex_);
      if (ready_checked_at_ && Clock::now() - *ready_checked_at_ < kReadyCacheTime) {
        co_return ready_result_;
      }
    }
    std::vector<PgParam> no_params;
    auto result = co_await Execute("postgres ready", "hello_ready", std::move(no_params));
    NoteOutcome(result);
    StorageResult<void> ready;
    if (!result) {
      ready = MakeUnexpected(std::move(result).error());
    }
    std::lock_guard lock(ready_mutex_);
    ready_checked_at_ = Clock::now();
    ready_result_ = ready;
    co_return ready;
  } catch (const std::exception& error) {
    co_return MakeUnexpected(ExceptionError("postgres ready", error));
  }
}

Expected<std::unique_ptr<UserStore>, std::string> OpenPostgresStore(
    const StoreOptions& options, asio::any_io_executor executor, observability::Metrics* metrics) {
  auto migrated = RunMigrations(options);
  if (!migrated) {
    return MakeUnexpected(migrated.error());
  }
  Log(LogLevel::kInfo, "postgres store opened",
      {{"url", std::string_view(RedactUrl(options.database_url))},
       {"schema_version", migrated->schema_version},
       {"migrations_applied", migrated->applied},
       {"pool_size", options.pool_size}});
  return std::unique_ptr<UserStore>(
      std::make_unique<PostgresUserStore>(options, std::move(executor), metrics));
}

Expected<void, std::string> MigratePostgres(const StoreOptions& options) {
  auto migrated = RunMigrations(options);
  if (!migrated) {
    return MakeUnexpected(migrated.error());
  }
  Log(LogLevel::kInfo, "postgres schema migrated",
      {{"url", std::string_view(RedactUrl(options.database_url))},
       {"schema_version", migrated->schema_version},
       {"migrations_applied", migrated->applied}});
  return {};
}

}  // namespace hello::storage::postgres
