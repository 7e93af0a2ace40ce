// Tests of reading "dateOfBirth" from the JSON body of PUT /hello/{username}.

#include "domain/birthday_request.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace hello::domain {
namespace {

const std::string kNotJson = "The request body is not valid JSON.";
const std::string kNotObject = "The request body must be a JSON object.";
const std::string kMissing = "The request body must have a dateOfBirth member.";
const std::string kDuplicate = "The request body must have only one dateOfBirth member.";
const std::string kNotString = "The dateOfBirth member must be a string.";
const std::string kTooDeep = "The request body is nested too deeply.";

std::string ErrorOf(std::string_view body) {
  auto result = ExtractDateOfBirth(body);
  EXPECT_FALSE(result.has_value()) << "expected a rejected body, got " << *result;
  return result ? std::string() : result.error().detail;
}

std::string Nested(std::size_t depth, std::string_view inner) {
  std::string body;
  for (std::size_t i = 0; i < depth; ++i) {
    body += "[";
  }
  body += inner;
  for (std::size_t i = 0; i < depth; ++i) {
    body += "]";
  }
  return body;
}

TEST(BirthdayRequest, ExtractsTheDate) {
  auto result = ExtractDateOfBirth(R"({"dateOfBirth": "2000-01-01"})");
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(*result, "2000-01-01");
}

TEST(BirthdayRequest, AllowsWhitespaceAroundTokens) {
  auto result = ExtractDateOfBirth(" \r\n\t{ \"dateOfBirth\" :\n \"1990-05-17\" } \n");
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(*result, "1990-05-17");
}

TEST(BirthdayRequest, IgnoresUnknownMembers) {
  auto result = ExtractDateOfBirth(
      R"({"name":"x","dateOfBirth":"2000-01-01","extra":{"a":[1,2,{"b":null}]},"n":1.5e3,)"
      R"("t":true})");
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(*result, "2000-01-01");
}

TEST(BirthdayRequest, IgnoresNestedDateOfBirthMembers) {
  // Only a member of the top-level object counts, so nested ones neither satisfy nor duplicate.
  auto result =
      ExtractDateOfBirth(R"({"profile":{"dateOfBirth":"1999-09-09"},"dateOfBirth":"2000-01-01",)"
                         R"("list":[{"dateOfBirth":5}]})");
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(*result, "2000-01-01");
  EXPECT_EQ(ErrorOf(R"({"profile":{"dateOfBirth":"1999-09-09"}})"), kMissing);
}

TEST(BirthdayRequest, ReturnsTheTextUnchecked) {
  EXPECT_EQ(*ExtractDateOfBirth(R"({"dateOfBirth":"not a date"})"), "not a date");
  EXPECT_EQ(*ExtractDateOfBirth(R"({"dateOfBirth":""})"), "");
}

TEST(BirthdayRequest, UnescapesKeysAndValues) {
  EXPECT_EQ(*ExtractDateOfBirth(R"({"dateOf\u0042irth":"2000\u002d01-01"})"), "2000-01-01");
  EXPECT_EQ(*ExtractDateOfBirth(R"({"dateOfBirth":"caf\u00e9"})"), "caf\xC3\xA9");
}

TEST(BirthdayRequest, RejectsADuplicatedMember) {
  EXPECT_EQ(ErrorOf(R"({"dateOfBirth":"2000-01-01","dateOfBirth":"2001-01-01"})"), kDuplicate);
  EXPECT_EQ(ErrorOf(R"({"dateOfBirth":"2000-01-01","dateOfBirth":"2000-01-01"})"), kDuplicate);
  EXPECT_EQ(ErrorOf(R"({"dateOfBirth":"2000-01-01","x":1,"dateOfBirth":null})"), kDuplicate);
  EXPECT_EQ(ErrorOf(R"({"dateOfBirth":{},"dateOfBirth":"2000-01-01"})"), kDuplicate);
  // An escaped spelling of the same key is the same member.
  EXPECT_EQ(ErrorOf(R"({"dateOfBirth":"2000-01-01","dateOf\u0042irth":"2001-01-01"})"), kDuplicate);
}

TEST(BirthdayRequest, RejectsAMissingMember) {
  EXPECT_EQ(ErrorOf("{}"), kMissing);
  EXPECT_EQ(ErrorOf(R"({"dateofbirth":"2000-01-01"})"), kMissing);
  EXPECT_EQ(ErrorOf(R"({"DateOfBirth":"2000-01-01"})"), kMissing);
  EXPECT_EQ(ErrorOf(R"({"dateOf":"2000-01-01"})"), kMissing);
  EXPECT_EQ(ErrorOf(R"({"dateOfBirthday":"2000-01-01"})"), kMissing);
  EXPECT_EQ(ErrorOf(R"({"date_of_birth":"2000-01-01"})"), kMissing);
  EXPECT_EQ(ErrorOf(R"({"x":"dateOfBirth"})"), kMissing);
}

TEST(BirthdayRequest, RejectsANonStringMember) {
  for (const char* body :
       {R"({"dateOfBirth":20000101})", R"({"dateOfBirth":-1})", R"({"dateOfBirth":1.5})",
        R"({"dateOfBirth":18446744073709551615})", R"({"dateOfBirth":null})",
        R"({"dateOfBirth":true})", R"({"dateOfBirth":false})", R"({"dateOfBirth":{"y":2000}})",
        R"({"dateOfBirth":["2000-01-01"]})"}) {
    SCOPED_TRACE(body);
    EXPECT_EQ(ErrorOf(body), kNotString);
  }
}

TEST(BirthdayRequest, RejectsBodiesThatAreNotJson) {
  const std::vector<std::string> bodies = {
      "",
      " ",
      "{",
      R"({"dateOfBirth":"2000-01-01")",
      R"({"dateOfBirth":"2000-01-01",})",
      R"({"dateOfBirth":"2000-01-01"} x)",
      R"({"dateOfBirth":"2000-01-01"}{})",
      R"({'dateOfBirth':'2000-01-01'})",
      R"({dateOfBirth:"2000-01-01"})",
      R"({"dateOfBirth":"2000-01-01" /* c */})",
      "{\"dateOfBirth\":\"2000-01-01\"} // c",
      R"({"dateOfBirth":NaN})",
      "{\"dateOfBirth\":\"2000\n01-01\"}",
      "{\"dateOfBirth\":\"\xFF\"}",
      "\xEF\xBB\xBF{\"dateOfBirth\":\"2000-01-01\"}",
      "dateOfBirth=2000-01-01",
      std::string("{\"dateOfBirth\":\"2000-01-01\"}\0", 29),
  };
  for (const auto& body : bodies) {
    SCOPED_TRACE(body);
    EXPECT_EQ(ErrorOf(body), kNotJson);
  }
}

TEST(BirthdayRequest, RejectsJsonThatIsNotAnObject) {
  for (const char* body :
       {"[]", R"("2000-01-01")", "null", "42", "true", R"([{"dateOfBirth":"2000-01-01"}])"}) {
    SCOPED_TRACE(body);
    EXPECT_EQ(ErrorOf(body), kNotObject);
  }
}

TEST(BirthdayRequest, RejectsDeepNesting) {
  EXPECT_EQ(ErrorOf(Nested(100000, "")), kTooDeep);
  EXPECT_EQ(ErrorOf(R"({"dateOfBirth":"2000-01-01","x":)" + Nested(40, "1") + "}"), kTooDeep);
}

TEST(BirthdayRequest, AcceptsModerateNesting) {
  auto result = ExtractDateOfBirth(R"({"dateOfBirth":"2000-01-01","x":)" + Nested(20, "1") + "}");
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(*result, "2000-01-01");
}

TEST(BirthdayRequest, HandlesLargeBodiesQuickly) {
  std::string body = R"({"padding":[)";
  for (int i = 0; i < 100000; ++i) {
    body += R"("abcdefghij",)";
  }
  body += R"(0],"dateOfBirth":"2000-01-01","long":")" + std::string(1 << 20, 'z') + "\"}";

  const auto start = std::chrono::steady_clock::now();
  auto result = ExtractDateOfBirth(body);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(result.has_value()) << result.error().detail;
  EXPECT_EQ(*result, "2000-01-01");
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(BirthdayRequest, KeepsALongDateValueWhole) {
  const std::string value(10000, '1');
  EXPECT_EQ(*ExtractDateOfBirth(R"({"dateOfBirth":")" + value + "\"}"), value);
}

TEST(BirthdayRequest, EachRuleHasItsOwnDetail) {
  std::set<std::string> details = {ErrorOf("{"),
                                   ErrorOf("[]"),
                                   ErrorOf("{}"),
                                   ErrorOf(R"({"dateOfBirth":"a","dateOfBirth":"b"})"),
                                   ErrorOf(R"({"dateOfBirth":1})"),
                                   ErrorOf(Nested(64, ""))};
  EXPECT_EQ(details.size(), 6u);
}

}  // namespace
}  // namespace hello::domain
