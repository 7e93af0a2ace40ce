#pragma once
// Turns the database URL and the password file into libpq connection parameters, and gives the
// URL a form that is safe to log.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/expected.hpp"

namespace hello::storage::postgres {

/// True for "postgres://" and "postgresql://" URLs (the scheme is case-insensitive).
bool IsPostgresUrl(std::string_view url);

/// The URL without its password (in the user part or as a "password" query parameter), for logs
/// and error messages.
std::string RedactUrl(std::string_view url);

/// The first line of a libpq message (the hint lines after it dropped), for one-line logs.
std::string FirstLineOf(const char* libpq_message);

/// Keyword/value arrays for PQconnectStartParams, kept alive together.
class LibpqParams {
 public:
  void Add(std::string keyword, std::string value);

  /// Null-terminated arrays; valid until the next Add or until this object is gone.
  const char* const* Keywords() const { return keywords_.data(); }
  const char* const* Values() const { return values_.data(); }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<const char*> keywords_{nullptr};
  std::vector<const char*> values_{nullptr};
};

/// Where and how to connect: the URL as configured and the optional password file.
struct ConnectionSettings {
  std::string url;
  std::string password_file;
};

/// Checks that libpq accepts the URL; the error names the problem without the URL's secrets.
Expected<void, std::string> ValidateUrl(std::string_view url);

/// The parameters for one new connection, with expand_dbname on: the URL comes first so that
/// the entries after it win: the password read from the password file now (so a rotated secret
/// is used by the next connection), UTF-8 as client encoding, and an application name unless
/// the URL sets one. Anything the URL leaves out falls back to libpq's PG* environment variables.
Expected<LibpqParams, std::string> MakeLibpqParams(const ConnectionSettings& settings);

}  // namespace hello::storage::postgres
