// Database URL handling for the PostgreSQL adapter: validation, redaction and libpq parameters.

#include "storage/postgres/pg_conninfo.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>

namespace hello::storage::postgres {
namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

bool ContainsNoCase(std::string_view text, std::string_view needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

// Query parameters whose name mentions a password (password, sslpassword) are hidden.
std::string RedactQuery(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::string_view name = item.substr(0, item.find('='));
    if (!out.empty()) {
      out += '&';
    }
    if (ContainsNoCase(name, "password")) {
      out.append(name).append("=redacted");
    } else {
      out.append(item);
    }
  }
  return out;
}

}  // namespace

std::string FirstLineOf(const char* libpq_message) {
  std::string text = libpq_message != nullptr ? libpq_message : "";
  text = text.substr(0, text.find('\n'));
  return text.empty() ? "unknown error" : text;
}

bool IsPostgresUrl(std::string_view url) {
  return StartsWithNoCase(url, "postgres://") || StartsWithNoCase(url, "postgresql://");
}

std::string RedactUrl(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "(not a URL)";
  }
  std::string out(url.substr(0, scheme_end + 3));
  std::string_view rest = url.substr(scheme_end + 3);

  // Credentials end at the first '@' before any '/', the same rule libpq applies.
  auto at_or_slash = rest.find_first_of("@/");
  if (at_or_slash != std::string_view::npos && rest[at_or_slash] == '@') {
    std::string_view userinfo = rest.substr(0, at_or_slash);
    auto colon = userinfo.find(':');
    out.append(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) {
      out.append(":redacted");
    }
    out += '@';
    rest = rest.substr(at_or_slash + 1);
  }

  auto question = rest.find('?');
  out.append(rest.substr(0, question));
  if (question != std::string_view::npos) {
    out += '?';
    out += RedactQuery(rest.substr(question + 1));
  }
  return out;
}

void LibpqParams::Add(std::string keyword, std::string value) {
  entries_.emplace_back(std::move(keyword), std::move(value));

  // Rebuild both arrays: the strings may have moved when entries_ grew.
  keywords_.clear();
  values_.clear();
  for (const auto& [k, v] : entries_) {
    keywords_.push_back(k.c_str());
    values_.push_back(v.c_str());
  }
  keywords_.push_back(nullptr);
  values_.push_back(nullptr);
}

Expected<void, std::string> ValidateUrl(std::string_view url) {
  if (!IsPostgresUrl(url)) {
    return MakeUnexpected(
        std::string("the database URL must start with postgres:// or "
                    "postgresql://"));
  }
  char* error = nullptr;
  std::string text(url);
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  if (options == nullptr) {
    std::string message = "invalid PostgreSQL URL " + RedactUrl(url) + ": " + FirstLineOf(error);
    PQfreemem(error);
    return MakeUnexpected(std::move(message));
  }
  PQconninfoFree(options);
  return {};
}

Expected<LibpqParams, std::string> MakeLibpqParams(const ConnectionSettings& settings) {
  LibpqParams params;
  params.Add("dbname", settings.url);

  if (!settings.password_file.empty()) {
    std::ifstream file(settings.password_file, std::ios::binary);
    if (!file.is_open()) {
      return MakeUnexpected("cannot open the database password file " + settings.password_file);
    }
    std::string password((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (file.bad()) {
      return MakeUnexpected("cannot read the database password file " + settings.password_file);
    }

    // Editors and `echo` end the file with a newline that is not part of the secret.
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
    if (password.empty()) {
      return MakeUnexpected("the database password file " + settings.password_file + " is empty");
    }
    params.Add("password", std::move(password));
  }

  params.Add("client_encoding", "UTF8");
  params.Add("fallback_application_name", "hello-birthday");
  return params;
}

}  // namespace hello::storage::postgres
