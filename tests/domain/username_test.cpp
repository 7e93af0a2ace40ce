// Tests of username validation, NFC normalisation, case folding and path-segment decoding.

#include "domain/username.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace hello::domain {
namespace {

std::string Repeat(std::string_view piece, std::size_t times) {
  std::string result;
  for (std::size_t i = 0; i < times; ++i) {
    result.append(piece);
  }
  return result;
}

std::string KeyOf(std::string_view name) {
  auto username = ValidateUsername(name);
  EXPECT_TRUE(username.has_value()) << "expected a valid name";
  return username ? username->key : std::string();
}

std::string ErrorOf(std::string_view name) {
  auto username = ValidateUsername(name);
  EXPECT_FALSE(username.has_value()) << "expected a rejected name";
  return username ? std::string() : username.error().detail;
}

std::string SegmentErrorOf(std::string_view segment) {
  auto username = ParseUsernameSegment(segment);
  EXPECT_FALSE(username.has_value()) << "expected a rejected segment";
  return username ? std::string() : username.error().detail;
}

const std::string kNotLetters =
    "The username may contain only letters and combining marks: no digits, spaces, "
    "punctuation, symbols, emoji or control characters.";
const std::string kTooLong = "The username must have at most 64 characters.";
const std::string kBadUtf8 = "The username is not valid UTF-8.";
const std::string kEmpty = "The username must not be empty.";

TEST(Username, AcceptsNamesInManyScripts) {
  // Wrapped by hand: clang-format counts display columns, the line-length check counts bytes.
  // clang-format off
  const std::vector<std::string> names = {
      "Zoë", "José", "Łukasz", "Анна", "李", "李小龍", "Ελένη", "محمد",
      "मीनाक्षी", "प्रिया", "김민준", "Þórunn", "Nguyễn",
      "สมชาย", "דוד", "さくら", "ნინო", "Արամ", "Ἀφροδίτη",
      "Øyvind", "Ærøskøbing", "ǅemal", "Björk", "Şükrü", "Dvořák", "Ngũgĩ", "ʻOhana",
      "Μαρκος"};
  // clang-format on
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    auto username = ValidateUsername(name);
    ASSERT_TRUE(username.has_value()) << username.error().detail;
    EXPECT_EQ(username->display, name);
  }
}

TEST(Username, DevanagariCombiningMarksFollowLetters) {
  // "प्रिया": PA, VIRAMA (Mn), RA, VOWEL SIGN I (Mc), YA, VOWEL SIGN AA (Mc).
  const std::string name = "\u092A\u094D\u0930\u093F\u092F\u093E";
  auto username = ValidateUsername(name);
  ASSERT_TRUE(username.has_value()) << username.error().detail;
  EXPECT_EQ(username->display, "प्रिया");
  EXPECT_EQ(username->key, "प्रिया");
}

TEST(Username, ModifierLetterApostropheIsALetter) {
  // U+02BC is General Category Lm, used in Ukrainian names instead of the punctuation mark.
  EXPECT_TRUE(ValidateUsername("Мар\u02BCяна").has_value());
}

TEST(Username, NormalisesNfdToNfc) {
  auto username = ValidateUsername("Zoe\u0308");
  ASSERT_TRUE(username.has_value());
  EXPECT_EQ(username->display, "Zo\u00EB");
  EXPECT_EQ(username->display.size(), 4u);
}

TEST(Username, NfcAndNfdSpellingsShareOneKey) {
  EXPECT_EQ(KeyOf("Zo\u00EB"), KeyOf("Zoe\u0308"));
  EXPECT_EQ(KeyOf("Jos\u00E9"), KeyOf("Jose\u0301"));
  EXPECT_EQ(KeyOf("\u00C5sa"), KeyOf("A\u030Asa"));
  // ANGSTROM SIGN is a singleton that NFC maps to A WITH RING ABOVE.
  EXPECT_EQ(KeyOf("\u212Bsa"), KeyOf("\u00C5sa"));
  EXPECT_EQ(ValidateUsername("\u212Bsa")->display, "\u00C5sa");
}

TEST(Username, CanonicalOrderOfMarksDoesNotMatter) {
  // DOT BELOW (class 220) and CIRCUMFLEX (class 230) in either order compose to U+1EAD.
  auto first = ValidateUsername("Tra\u0323\u0302n");
  auto second = ValidateUsername("Tra\u0302\u0323n");
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->display, "Tr\u1EADn");
  EXPECT_EQ(second->display, "Tr\u1EADn");
  EXPECT_EQ(first->key, second->key);
}

TEST(Username, HangulJamoComposeToSyllables) {
  auto username = ValidateUsername("\u1100\u1161\u11A8");
  ASSERT_TRUE(username.has_value());
  EXPECT_EQ(username->display, "\uAC01");
  EXPECT_EQ(username->key, KeyOf("\uAC01"));
}

TEST(Username, KeyIsCaseInsensitiveAndDisplayKeepsSpelling) {
  auto mixed = ValidateUsername("Alice");
  ASSERT_TRUE(mixed.has_value());
  EXPECT_EQ(mixed->display, "Alice");
  EXPECT_EQ(mixed->key, "alice");
  EXPECT_EQ(KeyOf("ALICE"), "alice");
  EXPECT_EQ(KeyOf("alice"), "alice");
  EXPECT_EQ(ValidateUsername("ALICE")->display, "ALICE");
}

TEST(Username, CaseFoldingCoversNonLatinScripts) {
  EXPECT_EQ(KeyOf("ZOË"), KeyOf("zoë"));
  EXPECT_EQ(KeyOf("ZOE\u0308"), KeyOf("zo\u00EB"));
  EXPECT_EQ(KeyOf("АННА"), KeyOf("анна"));
  EXPECT_EQ(KeyOf("ŁUKASZ"), KeyOf("łukasz"));
  EXPECT_EQ(KeyOf("ÆRØ"), KeyOf("ærø"));
  EXPECT_NE(KeyOf("Анна"), KeyOf("Anna"));  // Cyrillic and Latin letters stay distinct.
}

TEST(Username, GermanSharpSFoldsToDoubleS) {
  EXPECT_EQ(KeyOf("Straße"), "strasse");
  EXPECT_EQ(KeyOf("STRASSE"), "strasse");
  EXPECT_EQ(KeyOf("STRA\u1E9EE"), "strasse");  // Capital sharp s.
  EXPECT_EQ(ValidateUsername("Straße")->display, "Straße");
}

TEST(Username, GreekSigmaFormsFoldToOneKey) {
  // Final sigma, small sigma and capital sigma are one letter for identity.
  EXPECT_EQ(KeyOf("Οδυσσεύς"), KeyOf("ΟΔΥΣΣΕΎΣ"));
  EXPECT_EQ(KeyOf("Οδυσσεύς"), KeyOf("οδυσσεύσ"));
  EXPECT_EQ(KeyOf("ΣΊΣΥΦΟΣ"), KeyOf("σίσυφος"));
  EXPECT_EQ(KeyOf("ς"), "σ");
}

TEST(Username, IotaSubscriptFoldsConsistently) {
  // U+0345 folds to a letter; folding works on the full decomposition, so every spelling of
  // alpha with ypogegrammeni folds to alpha iota.
  EXPECT_EQ(KeyOf("\u1FBC"), "\u03B1\u03B9");
  EXPECT_EQ(KeyOf("\u1FB3"), "\u03B1\u03B9");
  EXPECT_EQ(KeyOf("\u0391\u0345"), "\u03B1\u03B9");
  EXPECT_EQ(KeyOf("\u03B1\u0345"), "\u03B1\u03B9");
}

TEST(Username, KeyIsNfcAndStableUnderRefolding) {
  const std::vector<std::string> names = {"Zoe\u0308", "İstanbul", "ΣΊΣΥΦΟΣ", "\u1F88",
                                          "Straße",    "ǅemal",    "Ǆ",       "\u0130\u0301"};
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    const std::string key = KeyOf(name);
    auto refolded = ValidateUsername(key);
    ASSERT_TRUE(refolded.has_value()) << refolded.error().detail;
    EXPECT_EQ(refolded->display, key);  // Already NFC.
    EXPECT_EQ(refolded->key, key);      // Folding is idempotent.
  }
}

TEST(Username, FoldedKeyIsRecomposed) {
  // Some letters fold to a decomposed sequence (U+01F0 to j + caron); the key is NFC again.
  EXPECT_EQ(KeyOf("\u01F0"), "\u01F0");
  EXPECT_EQ(KeyOf("J\u030C"), "\u01F0");
  EXPECT_EQ(KeyOf("\u0390"), "\u0390");
  EXPECT_EQ(KeyOf("\u1E96"), "\u1E96");
}

TEST(Username, DottedCapitalIUsesDefaultNotTurkishFolding) {
  EXPECT_EQ(KeyOf("\u0130"), "i\u0307");
  EXPECT_EQ(KeyOf("I"), "i");
}

TEST(Username, AcceptsExactly64CodePoints) {
  const std::string two_byte = Repeat("ë", 64);
  auto username = ValidateUsername(two_byte);
  ASSERT_TRUE(username.has_value()) << username.error().detail;
  EXPECT_EQ(username->display, two_byte);

  const std::string four_byte = Repeat("\U00020000", 64);  // CJK Extension B, Lo.
  EXPECT_TRUE(ValidateUsername(four_byte).has_value());
  EXPECT_TRUE(ValidateUsername(Repeat("a", 64)).has_value());
}

TEST(Username, Rejects65CodePoints) {
  EXPECT_EQ(ErrorOf(Repeat("ë", 65)), kTooLong);
  EXPECT_EQ(ErrorOf(Repeat("\U00020000", 65)), kTooLong);
  EXPECT_EQ(ErrorOf(Repeat("a", 65)), kTooLong);
  EXPECT_EQ(ErrorOf(Repeat("a", 5000)), kTooLong);
}

TEST(Username, CountsCodePointsAfterNfc) {
  // 128 code points as sent, 64 after composition.
  auto username = ValidateUsername(Repeat("e\u0308", 64));
  ASSERT_TRUE(username.has_value()) << username.error().detail;
  EXPECT_EQ(username->display, Repeat("ë", 64));
  EXPECT_EQ(ErrorOf(Repeat("e\u0308", 65)), kTooLong);

  // Marks that do not compose count on their own: 63 letters + 1 mark = 64, one more = 65.
  EXPECT_TRUE(ValidateUsername(Repeat("a", 63) + "\u0337").has_value());
  EXPECT_EQ(ErrorOf(Repeat("a", 64) + "\u0337"), kTooLong);
}

TEST(Username, RejectsEmpty) {
  EXPECT_EQ(ErrorOf(""), kEmpty);
  EXPECT_EQ(SegmentErrorOf(""), kEmpty);
}

TEST(Username, RejectsEveryNonLetterClass) {
  const std::vector<std::string> rejected = {
      "alice1",                      // ASCII digit
      "\u0663",                      // Arabic-Indic digit (Nd)
      "Louis\u216B",                 // Roman numeral (Nl)
      "Anna Maria",                  // space
      "Anna\u00A0B",                 // no-break space
      "Jean-Luc",                    // hyphen
      "Jean\u2010L",                 // Unicode hyphen
      "O'Brien",                     // apostrophe
      "O\u2019Brien",                // right single quotation mark
      "J.R",                         // full stop
      "ali_ce",                      // underscore
      "alice@home",                  // at sign
      "a+b",                         // plus
      "price\u20AC",                 // euro sign
      "\u00A9",                      // copyright sign
      "Anna\U0001F600",              // emoji
      "\U0001F468\u200D\U0001F469",  // emoji with zero width joiner
      "ab\u200Dc",                   // zero width joiner alone
      "tab\tbed",                    // control character
      "del\x7F",                     // DEL
      "\u0085next",                  // C1 control
      "\uE000",                      // private use
      "a\u0378",                     // unassigned
      "\u2028",                      // line separator
      "a\u00AD",                     // soft hyphen (Cf)
  };
  for (const auto& name : rejected) {
    SCOPED_TRACE(name);
    EXPECT_EQ(ErrorOf(name), kNotLetters);
  }
  EXPECT_EQ(ErrorOf(std::string("nul\0byte", 8)), kNotLetters);
}

TEST(Username, RejectsMarkWithoutALetterBefore) {
  const std::string starts_with_mark =
      "The username must start with a letter, not a combining mark.";
  EXPECT_EQ(ErrorOf("\u0301a"), starts_with_mark);
  EXPECT_EQ(ErrorOf("\u093F"), starts_with_mark);
  EXPECT_EQ(ErrorOf("1\u0301"), kNotLetters);
  EXPECT_EQ(ErrorOf("a b\u0301"), kNotLetters);
  EXPECT_EQ(ErrorOf("a-\u0301"), kNotLetters);
  // Several marks in a row after a letter are fine; so is an enclosing mark.
  EXPECT_TRUE(ValidateUsername("a\u0301\u0337\u0338").has_value());
  EXPECT_TRUE(ValidateUsername("a\u20DD").has_value());
}

TEST(Username, RejectsInvalidUtf8) {
  const std::vector<std::string> invalid = {
      "\xFF",    // never valid
      "Zo\xC3",  // truncated sequence
      "\x80"
      "abc",               // lone continuation byte
      "\xC0\xAF",          // overlong slash
      "\xE0\x80\xAF",      // overlong, three bytes
      "\xED\xA0\x80",      // UTF-16 surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "a\xC3(",            // bad continuation
  };
  for (const auto& name : invalid) {
    EXPECT_EQ(ErrorOf(name), kBadUtf8);
  }
}

TEST(Username, DetailsAreSentencesWithoutTheValue) {
  const std::vector<std::string> values = {"Secretname1", "Secret Name", "\xFFSecret",
                                           Repeat("Secret", 20)};
  for (const auto& value : values) {
    const std::string detail = ErrorOf(value);
    EXPECT_EQ(detail.find("Secret"), std::string::npos) << detail;
    ASSERT_FALSE(detail.empty());
    EXPECT_TRUE(detail.front() >= 'A' && detail.front() <= 'Z') << detail;
    EXPECT_EQ(detail.back(), '.') << detail;
  }
  const std::string segment_detail = SegmentErrorOf("Secret%2Fname");
  EXPECT_EQ(segment_detail.find("Secret"), std::string::npos);
}

TEST(Username, DecodesPercentEscapes) {
  auto upper_hex = ParseUsernameSegment("Zo%C3%AB");
  ASSERT_TRUE(upper_hex.has_value());
  EXPECT_EQ(upper_hex->display, "Zoë");

  auto lower_hex = ParseUsernameSegment("zo%c3%ab");
  ASSERT_TRUE(lower_hex.has_value());
  EXPECT_EQ(lower_hex->display, "zoë");
  EXPECT_EQ(lower_hex->key, upper_hex->key);

  EXPECT_EQ(ParseUsernameSegment("%41lice")->display, "Alice");
  EXPECT_EQ(ParseUsernameSegment("%D0%90%D0%BD%D0%BD%D0%B0")->display, "Анна");
  EXPECT_EQ(ParseUsernameSegment("%E6%9D%8E")->display, "李");
}

TEST(Username, SegmentDecodingNormalisesNfd) {
  auto username = ParseUsernameSegment("Zoe%CC%88");
  ASSERT_TRUE(username.has_value());
  EXPECT_EQ(username->display, "Zo\u00EB");
  EXPECT_EQ(username->key, KeyOf("zoë"));
}

TEST(Username, AcceptsRawUtf8InSegment) {
  auto username = ParseUsernameSegment("Łukasz");
  ASSERT_TRUE(username.has_value());
  EXPECT_EQ(username->display, "Łukasz");
}

TEST(Username, RejectsEncodedSlash) {
  const std::string encoded_slash = "The username must not contain an encoded slash.";
  EXPECT_EQ(SegmentErrorOf("%2F"), encoded_slash);
  EXPECT_EQ(SegmentErrorOf("%2f"), encoded_slash);
  EXPECT_EQ(SegmentErrorOf("ali%2Fce"), encoded_slash);
  EXPECT_EQ(SegmentErrorOf("ali/ce"), "The username must not contain a slash.");
}

TEST(Username, RejectsMalformedEscapes) {
  const std::string malformed =
      "The username contains a malformed percent-escape: '%' must be followed by two "
      "hexadecimal digits.";
  for (const char* segment : {"%", "abc%", "%4", "ab%4", "%G1", "%1G", "%%41", "a% 1", "%-1"}) {
    SCOPED_TRACE(segment);
    EXPECT_EQ(SegmentErrorOf(segment), malformed);
  }
}

TEST(Username, DecodedBytesAreValidatedLikeAnyName) {
  EXPECT_EQ(SegmentErrorOf("%FF"), kBadUtf8);
  EXPECT_EQ(SegmentErrorOf("Zo%C3"), kBadUtf8);
  EXPECT_EQ(SegmentErrorOf("%C0%AF"), kBadUtf8);
  EXPECT_EQ(SegmentErrorOf("ali%00ce"), kNotLetters);
  EXPECT_EQ(SegmentErrorOf("Anna%20Maria"), kNotLetters);
  EXPECT_EQ(SegmentErrorOf("a+b"), kNotLetters);
  EXPECT_EQ(SegmentErrorOf("%F0%9F%98%80"), kNotLetters);
  EXPECT_EQ(SegmentErrorOf(Repeat("%C3%AB", 65)), kTooLong);
  EXPECT_TRUE(ParseUsernameSegment(Repeat("%C3%AB", 64)).has_value());
}

TEST(Username, DecodesOnlyOnce) {
  // "%2541" is an escaped '%' followed by "41", not a doubly escaped 'A'.
  EXPECT_EQ(SegmentErrorOf("%2541lice"), kNotLetters);
  EXPECT_EQ(SegmentErrorOf("a%252F"), kNotLetters);
}

TEST(Username, DistinctRulesHaveDistinctDetails) {
  std::set<std::string> details = {
      SegmentErrorOf(""), SegmentErrorOf("%2F"),    SegmentErrorOf("%G0"), SegmentErrorOf("a/b"),
      ErrorOf("\xFF"),    ErrorOf(Repeat("a", 65)), ErrorOf("\u0301"),     ErrorOf("a1")};
  EXPECT_EQ(details.size(), 8u);
}

}  // namespace
}  // namespace hello::domain
