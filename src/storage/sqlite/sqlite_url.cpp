// The `sqlite:<path>` database URL: parsing it and preparing the folder the file lives in.

#include "storage/sqlite/sqlite_url.hpp"

#include <cctype>
#include <system_error>

namespace hello::storage::sqlite {
namespace {

constexpr std::string_view kScheme = "sqlite:";

bool StartsWithSchemeIgnoringCase(std::string_view url) {
  if (url.size() < kScheme.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

Expected<std::filesystem::path, std::string> ParseSqliteUrl(std::string_view url) {
  if (!StartsWithSchemeIgnoringCase(url)) {
    return MakeUnexpected(std::string("a sqlite database URL starts with \"sqlite:\""));
  }
  const std::string_view path = url.substr(kScheme.size());
  if (path.empty()) {
    return MakeUnexpected(std::string("the sqlite database URL has no file path (sqlite:<path>)"));
  }
  if (path == ":memory:" || path.starts_with("file:")) {
    return MakeUnexpected(
        std::string("the sqlite database URL must name a file path (sqlite:<path>), not an "
                    "in-memory or URI database"));
  }
  if (path.back() == '/') {
    return MakeUnexpected("the sqlite database path " + std::string(path) +
                          " names a folder, not a file");
  }
  return std::filesystem::path(path);
}

Expected<void, std::string> EnsureParentFolder(const std::filesystem::path& database) {
  const std::filesystem::path folder = database.parent_path();
  if (folder.empty()) {
    return {};
  }
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) {
    return MakeUnexpected("cannot create the folder " + folder.string() +
                          " for the sqlite database: " + error.message());
  }
  return {};
}

}  // namespace hello::storage::sqlite
