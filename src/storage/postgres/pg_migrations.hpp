#pragma once
// Versioned PostgreSQL schema migrations, applied at start-up under an advisory lock so that
// any number of instances starting together migrate the database exactly once.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/expected.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/user_store.hpp"

namespace hello::storage::postgres {

/// One schema step. Versions start at 1 and increase by one; an applied step never changes.
struct Migration {
  int version;
  std::string_view description;
  std::string_view sql;
};

/// The steps this release knows, in order.
std::span<const Migration> Migrations();

/// The advisory lock key every instance takes while migrating ("hello-bd" in ASCII).
inline constexpr std::int64_t kMigrationLockKey = 0x68656C6C6F2D6264;

struct MigrationOutcome {
  int schema_version = 0;  // the highest version recorded once done
  int applied = 0;         // steps this call applied (0 when another instance did them)
};

/// In one transaction holding the advisory lock: creates schema_migrations when missing, then
/// applies and records each step of Migrations() not recorded yet. Versions recorded by a newer
/// release are left alone, so an older release keeps starting during a rollback.
boost::asio::awaitable<Expected<MigrationOutcome, StorageError>> ApplyMigrations(
    PgConnection& conn, Clock::time_point deadline);

}  // namespace hello::storage::postgres
