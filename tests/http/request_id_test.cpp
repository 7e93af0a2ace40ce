// Unit tests of request id validation and generation.

#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace hello::http {
namespace {

TEST(RequestId, AcceptsSaneTokens) {
  EXPECT_TRUE(IsSaneRequestId("abc-DEF_012.9"));
  EXPECT_TRUE(IsSaneRequestId(std::string(64, 'a')));
}

TEST(RequestId, RefusesAnythingElse) {
  EXPECT_FALSE(IsSaneRequestId(""));
  EXPECT_FALSE(IsSaneRequestId(std::string(65, 'a')));
  EXPECT_FALSE(IsSaneRequestId("a b"));
  EXPECT_FALSE(IsSaneRequestId("a\"b"));
  EXPECT_FALSE(IsSaneRequestId("Zo\xc3\xab"));
  EXPECT_FALSE(IsSaneRequestId("a/b"));
}

TEST(RequestId, GeneratesDistinctSaneIds) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const auto id = NewRequestId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_TRUE(IsSaneRequestId(id)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace hello::http
