// Request id validation and generation.

#include "http/request_id.hpp"

#include <algorithm>
#include <cstdint>
#include <random>

namespace hello::http {

bool IsSaneRequestId(std::string_view id) {
  constexpr std::size_t kMaxLength = 64;
  if (id.empty() || id.size() > kMaxLength) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string NewRequestId() {
  // One generator per I/O thread: no lock, and ids need to be unique, not unpredictable.
  thread_local std::mt19937_64 generator{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  constexpr char kDigits[] = "0123456789abcdef";
  std::string id(32, '0');
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = generator();
    for (std::size_t i = 0; i < 16; ++i) {
      id[half * 16 + i] = kDigits[bits & 0xf];
      bits >>= 4;
    }
  }
  return id;
}

}  // namespace hello::http
