#pragma once
// The error returned when client input breaks a rule of the API contract (HTTP 400).

#include <string>

namespace hello::domain {

/// `detail` is a complete sentence for the client, naming the rule that failed. It never
/// repeats the rejected value, so it is safe to log.
struct ValidationError {
  std::string detail;
};

}  // namespace hello::domain
