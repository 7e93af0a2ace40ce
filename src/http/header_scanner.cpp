// Byte-level checks of a request header, run before Beast parses it.

#include "http/header_scanner.hpp"

namespace hello::http {

HeaderScanner::Result HeaderScanner::Scan(std::string_view data) {
  for (; position_ < data.size(); ++position_) {
    if (position_ >= limit_) {
      return Result::kTooLarge;
    }
    const auto c = static_cast<unsigned char>(data[position_]);
    const bool after_cr = position_ > 0 && data[position_ - 1] == '\r';

    // CR must introduce CRLF; LF must end it. Lenient line endings enable request smuggling.
    if (after_cr && c != '\n') {
      return Fail("bare CR in the request header");
    }
    if (c == '\r') {
      continue;
    }
    if (c == '\n') {
      if (!after_cr) {
        return Fail("bare LF in the request header");
      }
      const std::size_t line_length = position_ - 1 - line_start_;
      if (line_length == 0) {
        if (line_count_ == 0) {
          return Fail("empty line before the request line");
        }
        header_length_ = position_ + 1;
        return Result::kComplete;
      }

      // A field line starting with whitespace continues the previous one (obs-fold).
      const char first = data[line_start_];
      if (line_count_ > 0 && (first == ' ' || first == '\t')) {
        return Fail("obsolete line folding in the request header");
      }
      ++line_count_;
      line_start_ = position_ + 1;
      continue;
    }

    // HTAB is allowed in field values; every other control character and DEL is not.
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      return Fail("control character in the request header");
    }
    if (c == '\t' && line_count_ == 0) {
      return Fail("control character in the request line");
    }
  }
  if (position_ >= limit_) {
    return Result::kTooLarge;
  }
  return Result::kNeedMore;
}

void HeaderScanner::Reset() {
  position_ = 0;
  line_start_ = 0;
  line_count_ = 0;
  header_length_ = 0;
  problem_ = {};
}

HeaderScanner::Result HeaderScanner::Fail(std::string_view problem) {
  problem_ = problem;
  return Result::kMalformed;
}

}  // namespace hello::http
