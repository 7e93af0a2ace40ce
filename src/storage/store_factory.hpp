#pragma once
// Chooses and opens the storage adapter named by the database URL's scheme.

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "common/expected.hpp"
#include "storage/store_options.hpp"
#include "storage/user_store.hpp"

namespace hello::storage {

/// Opens the store for `options.database_url`, applying SQLite and PostgreSQL schema migrations
/// first. `executor` is the I/O context adapters may use for their own non-blocking work.
/// The error is one line for the operator, without secrets.
Expected<std::unique_ptr<UserStore>, std::string> OpenUserStore(
    const StoreOptions& options, boost::asio::any_io_executor executor);

/// Applies the schema of the backend the URL names and returns (the `migrate` command): SQLite
/// and PostgreSQL migrations, or the DynamoDB table when it is missing.
Expected<void, std::string> MigrateStore(const StoreOptions& options);

}  // namespace hello::storage
