#pragma once
// Validation and normalisation of the {username} path segment.

#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "domain/validation_error.hpp"

namespace hello::domain {

/// A valid username: `display` is the NFC form as the client spelled it; `key` is the Unicode
/// default case folding of `display`, the identity used by storage.
struct Username {
  std::string display;
  std::string key;
};

inline constexpr std::size_t kMaxUsernameCodePoints = 64;

/// Percent-decodes a raw path segment, then validates it as ValidateUsername does.
/// An encoded slash ("%2F"), a malformed escape or invalid UTF-8 is a ValidationError.
Expected<Username, ValidationError> ParseUsernameSegment(std::string_view raw_segment);

/// Validates an already decoded UTF-8 name: normalised to NFC, 1 to 64 code points, each a
/// letter (General Category L*) or a combining mark (M*) that follows a letter.
Expected<Username, ValidationError> ValidateUsername(std::string_view utf8_name);

}  // namespace hello::domain
