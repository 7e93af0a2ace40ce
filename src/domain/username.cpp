// Username rules: percent-decoding of the path segment, UTF-8 checks, NFC normalisation with
// utf8proc, the letter/mark rule and the case-folded storage key.

#include "domain/username.hpp"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>
#include <optional>

namespace hello::domain {

namespace {

// Every code point is at most 4 bytes and NFC composes at most 4 code points (the longest
// canonical decomposition) into one, so a longer input cannot have 64 code points after NFC.
// Rejecting it early keeps normalisation work bounded on hostile input.
constexpr std::size_t kMaxUsernameInputBytes = kMaxUsernameCodePoints * 4 * 4;

ValidationError Invalid(const char* detail) { return ValidationError{detail}; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

struct FreeDeleter {
  void operator()(utf8proc_uint8_t* p) const { std::free(p); }
};

// Runs utf8proc_map over `text`; nullopt when the input is not valid UTF-8 or allocation fails.
std::optional<std::string> MapUtf8(std::string_view text, int options) {
  utf8proc_uint8_t* raw = nullptr;
  const utf8proc_ssize_t length = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
      static_cast<utf8proc_ssize_t>(text.size()), &raw, static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, FreeDeleter> owned(raw);
  if (length < 0) {
    return std::nullopt;
  }
  return std::string(reinterpret_cast<const char*>(owned.get()), static_cast<std::size_t>(length));
}

bool IsLetter(utf8proc_category_t category) {
  return category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LL ||
         category == UTF8PROC_CATEGORY_LT || category == UTF8PROC_CATEGORY_LM ||
         category == UTF8PROC_CATEGORY_LO;
}

bool IsMark(utf8proc_category_t category) {
  return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC ||
         category == UTF8PROC_CATEGORY_ME;
}

// Checks the letter/mark rule and the length on an NFC string known to be valid UTF-8.
std::optional<ValidationError> CheckCodePoints(std::string_view nfc) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(nfc.data());
  const auto size = static_cast<utf8proc_ssize_t>(nfc.size());
  std::size_t count = 0;
  for (utf8proc_ssize_t offset = 0; offset < size;) {
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t advance = utf8proc_iterate(bytes + offset, size - offset, &code_point);
    if (advance <= 0) {
      return Invalid("The username is not valid UTF-8.");
    }
    offset += advance;

    // The first code point is a letter, so a mark anywhere later follows a letter or a mark
    // that itself (transitively) follows a letter.
    const utf8proc_category_t category = utf8proc_category(code_point);
    if (count == 0 && IsMark(category)) {
      return Invalid("The username must start with a letter, not a combining mark.");
    }
    if (!IsLetter(category) && !IsMark(category)) {
      return Invalid(
          "The username may contain only letters and combining marks: no digits, spaces, "
          "punctuation, symbols, emoji or control characters.");
    }
    if (++count > kMaxUsernameCodePoints) {
      return Invalid("The username must have at most 64 characters.");
    }
  }
  return std::nullopt;
}

}  // namespace

Expected<Username, ValidationError> ParseUsernameSegment(std::string_view raw_segment) {
  if (raw_segment.empty()) {
    return MakeUnexpected(Invalid("The username must not be empty."));
  }

  // A literal slash never reaches here from a router; refuse it like its encoded form.
  std::string decoded;
  decoded.reserve(raw_segment.size());
  for (std::size_t i = 0; i < raw_segment.size(); ++i) {
    const char c = raw_segment[i];
    if (c == '/') {
      return MakeUnexpected(Invalid("The username must not contain a slash."));
    }
    if (c != '%') {
      decoded.push_back(c);
      continue;
    }
    const int high = i + 2 < raw_segment.size() ? HexValue(raw_segment[i + 1]) : -1;
    const int low = high >= 0 ? HexValue(raw_segment[i + 2]) : -1;
    if (low < 0) {
      return MakeUnexpected(
          Invalid("The username contains a malformed percent-escape: '%' must be followed by "
                  "two hexadecimal digits."));
    }
    const char byte = static_cast<char>(high * 16 + low);
    if (byte == '/') {
      return MakeUnexpected(Invalid("The username must not contain an encoded slash."));
    }
    decoded.push_back(byte);
    i += 2;
  }
  return ValidateUsername(decoded);
}

Expected<Username, ValidationError> ValidateUsername(std::string_view utf8_name) {
  if (utf8_name.empty()) {
    return MakeUnexpected(Invalid("The username must not be empty."));
  }
  if (utf8_name.size() > kMaxUsernameInputBytes) {
    return MakeUnexpected(Invalid("The username must have at most 64 characters."));
  }

  // utf8proc rejects malformed sequences, overlong forms, surrogates and values past U+10FFFF.
  auto nfc = MapUtf8(utf8_name, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
  if (!nfc) {
    return MakeUnexpected(Invalid("The username is not valid UTF-8."));
  }
  if (auto error = CheckCodePoints(*nfc)) {
    return MakeUnexpected(std::move(*error));
  }

  // utf8proc folds each code point of the full canonical decomposition and recomposes the
  // result, so the key is itself NFC and equal for every canonically equivalent spelling.
  auto key = MapUtf8(*nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
  if (!key) {
    return MakeUnexpected(Invalid("The username is not valid UTF-8."));
  }
  return Username{std::move(*nfc), std::move(*key)};
}

}  // namespace hello::domain
