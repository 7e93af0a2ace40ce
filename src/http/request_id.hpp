#pragma once
// Request ids: a client's X-Request-Id is reused when it is a sane token, otherwise the server
// makes a random one, so logs can be correlated across services without trusting input.

#include <string>
#include <string_view>

namespace hello::http {

/// 1 to 64 characters of [A-Za-z0-9._-].
bool IsSaneRequestId(std::string_view id);

/// 32 random lowercase hex digits.
std::string NewRequestId();

}  // namespace hello::http
