#pragma once
// Finds the end of a request header in raw bytes and refuses framing that Beast's parser would
// accept but that RFC 9112 forbids (obsolete line folding, bare CR or LF, control characters).

#include <cstddef>
#include <string_view>

namespace hello::http {

/// Scans the bytes of one request header as they arrive. Each call resumes where the previous
/// one stopped, so a client trickling bytes costs linear time. Reset() before the next request.
class HeaderScanner {
 public:
  enum class Result { kNeedMore, kComplete, kTooLarge, kMalformed };

  /// `limit`: the largest header accepted, request line and final blank line included.
  explicit HeaderScanner(std::size_t limit) : limit_(limit) {}

  /// `data` holds every byte received for this request so far, starting at the request line;
  /// it may extend past the header (a pipelined body or request).
  Result Scan(std::string_view data);

  /// The header's length including the blank line; valid after kComplete.
  std::size_t HeaderLength() const { return header_length_; }

  /// A fixed phrase saying what was wrong; valid after kMalformed.
  std::string_view Problem() const { return problem_; }

  void Reset();

 private:
  Result Fail(std::string_view problem);

  std::size_t limit_;
  std::size_t position_ = 0;    // next byte to examine
  std::size_t line_start_ = 0;  // first byte of the line being examined
  std::size_t line_count_ = 0;  // complete lines seen so far
  std::size_t header_length_ = 0;
  std::string_view problem_;
};

}  // namespace hello::http
