#pragma once
// The "starting" log line: the effective configuration, minus anything secret.

#include <string>
#include <string_view>

#include "config/config.hpp"

namespace hello::app {

/// `url` with the userinfo password and the values of query parameters whose names suggest a
/// secret (password, secret, token, key, credential) replaced by "redacted".
std::string RedactUrl(std::string_view url);

/// Logs msg "starting" at info with the version, the command and every setting.
void LogStartup(const config::Config& config, std::string_view command);

}  // namespace hello::app
