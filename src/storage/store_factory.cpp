// Chooses the storage adapter from the database URL's scheme.

#include "storage/store_factory.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "storage/dynamodb/dynamodb_store.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace hello::storage {
namespace {

using OpenFunction = Expected<std::unique_ptr<UserStore>, std::string> (*)(
    const StoreOptions& options, boost::asio::any_io_executor executor);
using MigrateFunction = Expected<void, std::string> (*)(const StoreOptions& options);

Expected<std::unique_ptr<UserStore>, std::string> OpenSqlite(const StoreOptions& options,
                                                             boost::asio::any_io_executor) {
  // The SQLite adapter runs on threads of its own and needs no executor.
  auto store = sqlite::SqliteStore::Open(options);
  if (!store) {
    return MakeUnexpected(std::move(store).error());
  }
  return std::unique_ptr<UserStore>(std::move(*store));
}

Expected<std::unique_ptr<UserStore>, std::string> OpenPostgres(
    const StoreOptions& options, boost::asio::any_io_executor executor) {
  return postgres::OpenPostgresStore(options, std::move(executor), options.metrics);
}

// One row per backend: the URL schemes it accepts (lower case) and how to open and migrate it.
// Adding a backend is one row here plus its include.
struct Backend {
  std::string_view usage;  // how the URL looks, for the error listing the accepted schemes
  std::array<std::string_view, 2> schemes;  // unused entries stay empty
  OpenFunction open;
  MigrateFunction migrate;
};

const Backend kBackends[] = {
    {"sqlite:<path>", {"sqlite"}, &OpenSqlite, &sqlite::MigrateSqlite},
    {"postgres://<user>@<host>:<port>/<db>",
     {"postgres", "postgresql"},
     &OpenPostgres,
     &postgres::MigratePostgres},
    {"dynamodb://<table>?region=<region>",
     {"dynamodb"},
     &dynamodb::OpenDynamoDbStore,
     &dynamodb::MigrateDynamoDb},
};

// The scheme of `url` in lower case (RFC 3986: letters, digits, '+', '-', '.', starting with a
// letter), or "" when the URL does not start with one.
std::string SchemeOf(std::string_view url) {
  const std::size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return {};
  }
  std::string scheme;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    const bool allowed =
        std::isalpha(c) || (i > 0 && (std::isdigit(c) || c == '+' || c == '-' || c == '.'));
    if (!allowed) {
      return {};
    }
    scheme.push_back(static_cast<char>(std::tolower(c)));
  }
  return scheme;
}

// The error for a URL no backend accepts. It shows the scheme at most: the rest of a URL may
// hold a password.
std::string UnsupportedUrl(const std::string& scheme) {
  std::string message = scheme.empty()
                            ? std::string("the database URL has no scheme")
                            : "the database URL scheme \"" + scheme + "\" is not supported";
  message += "; expected ";
  for (std::size_t i = 0; i < std::size(kBackends); ++i) {
    if (i > 0) {
      message += i + 1 == std::size(kBackends) ? " or " : ", ";
    }
    message += kBackends[i].usage;
  }
  return message;
}

const Backend* FindBackend(const std::string& scheme) {
  if (scheme.empty()) {
    return nullptr;
  }
  for (const Backend& backend : kBackends) {
    if (std::find(backend.schemes.begin(), backend.schemes.end(), scheme) !=
        backend.schemes.end()) {
      return &backend;
    }
  }
  return nullptr;
}

}  // namespace

Expected<std::unique_ptr<UserStore>, std::string> OpenUserStore(
    const StoreOptions& options, boost::asio::any_io_executor executor) {
  const std::string scheme = SchemeOf(options.database_url);
  const Backend* backend = FindBackend(scheme);
  if (backend == nullptr) {
    return MakeUnexpected(UnsupportedUrl(scheme));
  }
  return backend->open(options, std::move(executor));
}

Expected<void, std::string> MigrateStore(const StoreOptions& options) {
  const std::string scheme = SchemeOf(options.database_url);
  const Backend* backend = FindBackend(scheme);
  if (backend == nullptr) {
    return MakeUnexpected(UnsupportedUrl(scheme));
  }
  return backend->migrate(options);
}

}  // namespace hello::storage
