// Unit tests of the raw request header checks.

#include "http/header_scanner.hpp"

#include <gtest/gtest.h>

#include <string>

namespace hello::http {
namespace {

using Result = HeaderScanner::Result;
using namespace std::string_literals;

Result ScanAll(const std::string& bytes, std::size_t limit = 8192) {
  HeaderScanner scanner(limit);
  return scanner.Scan(bytes);
}

TEST(HeaderScanner, FindsTheEndOfAWellFormedHeader) {
  const std::string header = "GET /healthz HTTP/1.1\r\nHost: a\r\nAccept:\t*/*\r\n\r\n";
  HeaderScanner scanner(8192);
  ASSERT_EQ(scanner.Scan(header + "PUT /next"), Result::kComplete);
  EXPECT_EQ(scanner.HeaderLength(), header.size());
}

TEST(HeaderScanner, ResumesAcrossPartialInput) {
  const std::string header = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  HeaderScanner scanner(8192);
  for (std::size_t length = 1; length < header.size(); ++length) {
    ASSERT_EQ(scanner.Scan(header.substr(0, length)), Result::kNeedMore) << length;
  }
  ASSERT_EQ(scanner.Scan(header), Result::kComplete);
  EXPECT_EQ(scanner.HeaderLength(), header.size());
}

TEST(HeaderScanner, RefusesObsoleteLineFolding) {
  HeaderScanner scanner(8192);
  EXPECT_EQ(scanner.Scan("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"), Result::kMalformed);
  EXPECT_EQ(scanner.Problem(), "obsolete line folding in the request header");
  EXPECT_EQ(ScanAll("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n"), Result::kMalformed);
}

TEST(HeaderScanner, RefusesBareLineEndings) {
  EXPECT_EQ(ScanAll("GET / HTTP/1.1\nHost: a\n\n"), Result::kMalformed);
  EXPECT_EQ(ScanAll("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), Result::kMalformed);
}

TEST(HeaderScanner, RefusesControlCharacters) {
  EXPECT_EQ(ScanAll(std::string("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n")), Result::kMalformed);
  EXPECT_EQ(ScanAll(std::string("GET / HTTP/1.1\r\nX-\x7f: a\r\n\r\n")), Result::kMalformed);
  EXPECT_EQ(ScanAll("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n"s), Result::kMalformed);
  EXPECT_EQ(ScanAll("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), Result::kMalformed);
}

TEST(HeaderScanner, RefusesAnEmptyLineBeforeTheRequestLine) {
  EXPECT_EQ(ScanAll("\r\nGET / HTTP/1.1\r\n\r\n"), Result::kMalformed);
}

TEST(HeaderScanner, AcceptsAHeaderOfExactlyTheLimit) {
  const std::string start = "GET / HTTP/1.1\r\nX: ";
  const std::string end = "\r\n\r\n";
  const std::string header = start + std::string(100 - start.size() - end.size(), 'a') + end;
  ASSERT_EQ(header.size(), 100u);
  EXPECT_EQ(ScanAll(header, 100), Result::kComplete);
  EXPECT_EQ(ScanAll(start + std::string(1, 'a') + header.substr(start.size()), 100),
            Result::kTooLarge);
}

TEST(HeaderScanner, ReportsTooLargeWithoutWaitingForTheEnd) {
  EXPECT_EQ(ScanAll("GET / HTTP/1.1\r\nX: " + std::string(200, 'a'), 100), Result::kTooLarge);
}

TEST(HeaderScanner, ResetStartsOver) {
  HeaderScanner scanner(8192);
  ASSERT_EQ(scanner.Scan("GET / HTTP/1.1\r\n\r\n"), Result::kComplete);
  scanner.Reset();
  EXPECT_EQ(scanner.Scan("GET /"), Result::kNeedMore);
}

}  // namespace
}  // namespace hello::http
