// Unit tests of the framing checks on parsed request headers.

#include "http/request_checks.hpp"

#include <gtest/gtest.h>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace hello::http {
namespace {

namespace beast_http = boost::beast::http;

beast_http::request_header<> Header(unsigned version = 11) {
  beast_http::request_header<> header;
  header.method(beast_http::verb::get);
  header.target("/hello/a");
  header.version(version);
  header.set(beast_http::field::host, "example");
  return header;
}

TEST(RequestChecks, AcceptsAPlainRequest) {
  EXPECT_FALSE(CheckRequestHeader(Header()).has_value());
  auto chunked = Header();
  chunked.set(beast_http::field::transfer_encoding, "chunked");
  EXPECT_FALSE(CheckRequestHeader(chunked).has_value());
}

TEST(RequestChecks, RefusesTransferCodingsOtherThanChunked) {
  for (const char* coding : {"gzip", "gzip, chunked", "chunked, gzip", "identity"}) {
    auto header = Header();
    header.set(beast_http::field::transfer_encoding, coding);
    const auto rejection = CheckRequestHeader(header);
    ASSERT_TRUE(rejection.has_value()) << coding;
    EXPECT_EQ(rejection->status, beast_http::status::bad_request);
  }
}

TEST(RequestChecks, RefusesSeveralTransferEncodingFields) {
  auto header = Header();
  header.insert(beast_http::field::transfer_encoding, "gzip");
  header.insert(beast_http::field::transfer_encoding, "chunked");
  EXPECT_TRUE(CheckRequestHeader(header).has_value());
}

TEST(RequestChecks, RefusesTransferEncodingInHttp10) {
  auto header = Header(10);
  header.set(beast_http::field::transfer_encoding, "chunked");
  EXPECT_TRUE(CheckRequestHeader(header).has_value());
}

TEST(RequestChecks, NeedsExactlyOneHostInHttp11) {
  auto missing = Header();
  missing.erase(beast_http::field::host);
  EXPECT_TRUE(CheckRequestHeader(missing).has_value());
  auto twice = Header();
  twice.insert(beast_http::field::host, "other");
  EXPECT_TRUE(CheckRequestHeader(twice).has_value());
  auto http10 = Header(10);
  http10.erase(beast_http::field::host);
  EXPECT_FALSE(CheckRequestHeader(http10).has_value());
}

TEST(RequestChecks, NeedsAPathTarget) {
  auto star = Header();
  star.target("*");
  EXPECT_TRUE(CheckRequestHeader(star).has_value());
  auto absolute = Header();
  absolute.target("http://example/hello/a");
  EXPECT_FALSE(CheckRequestHeader(absolute).has_value());
}

TEST(RequestChecks, TurnsAbsoluteFormIntoOriginForm) {
  EXPECT_EQ(OriginForm("http://example:8080/hello/a?b=c"), "/hello/a?b=c");
  EXPECT_EQ(OriginForm("HTTPS://example"), "/");
  EXPECT_EQ(OriginForm("http://example?x"), "?x");
  EXPECT_EQ(OriginForm("/healthz"), "/healthz");
}

TEST(RequestChecks, MapsParserErrorsToStatuses) {
  EXPECT_EQ(RejectionForParseError(beast_http::error::body_limit).status,
            beast_http::status::payload_too_large);
  EXPECT_EQ(RejectionForParseError(beast_http::error::header_limit).status,
            beast_http::status::request_header_fields_too_large);
  EXPECT_EQ(RejectionForParseError(beast_http::error::multiple_content_length).status,
            beast_http::status::bad_request);
  EXPECT_EQ(RejectionForParseError(beast_http::error::bad_chunk).status,
            beast_http::status::bad_request);
}

TEST(RequestChecks, TellsParseErrorsFromConnectionErrors) {
  EXPECT_TRUE(IsParseError(beast_http::error::bad_chunk));
  EXPECT_FALSE(IsParseError(beast_http::error::end_of_stream));
  EXPECT_FALSE(IsParseError(beast_http::error::partial_message));
  EXPECT_FALSE(IsParseError(boost::asio::error::connection_reset));
}

TEST(RequestChecks, LabelsMethodsWithABoundedSet) {
  EXPECT_EQ(MethodLabel(beast_http::verb::get), "GET");
  EXPECT_EQ(MethodLabel(beast_http::verb::delete_), "DELETE");
  EXPECT_EQ(MethodLabel(beast_http::verb::propfind), "OTHER");
  EXPECT_EQ(MethodLabel(beast_http::verb::unknown), "OTHER");
}

}  // namespace
}  // namespace hello::http
