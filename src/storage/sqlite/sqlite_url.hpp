#pragma once
// The `sqlite:<path>` database URL: parsing it and preparing the folder the file lives in.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace hello::storage::sqlite {

/// The file path of "sqlite:<path>" (scheme case-insensitive), relative paths staying relative
/// to the working directory. Fails on another scheme, an empty path, a folder path (ending in
/// '/') and ":memory:", whose data would not survive a restart.
Expected<std::filesystem::path, std::string> ParseSqliteUrl(std::string_view url);

/// Creates the parent folder of `database` when it is missing; the error names the folder.
Expected<void, std::string> EnsureParentFolder(const std::filesystem::path& database);

}  // namespace hello::storage::sqlite
