#pragma once
// The `healthcheck` command: probes GET /healthz of a running server, for container health
// checks in images that carry no HTTP client.

#include <chrono>

#include "config/config.hpp"

namespace hello::app {

/// Connects to the configured listen address (loopback when it is a wildcard), sends
/// GET /healthz and returns 0 when the answer is 200 within `timeout`, else 1 with a reason
/// on stderr.
int RunHealthcheck(const config::ServerConfig& config,
                   std::chrono::milliseconds timeout = std::chrono::seconds(2));

}  // namespace hello::app
