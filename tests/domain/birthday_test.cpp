// Tests of date-of-birth parsing, date formatting, the day count and the greeting text.

#include "domain/birthday.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace hello::domain {
namespace {

using std::chrono::day;
using std::chrono::days;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

year_month_day Ymd(int y, unsigned m, unsigned d) {
  return year_month_day{year{y}, month{m}, day{d}};
}

const year_month_day kToday = Ymd(2024, 3, 1);

const std::string kFormat =
    "The dateOfBirth must have the form YYYY-MM-DD: a 4-digit year, a 2-digit month and a "
    "2-digit day.";
const std::string kNotReal =
    "The dateOfBirth is not a real calendar date (check the month and day).";
const std::string kYearZero = "The dateOfBirth must have a year of 0001 or later.";
const std::string kNotBeforeToday = "The dateOfBirth must be a date before today.";

std::string ParseError(std::string_view text, year_month_day today = kToday) {
  auto parsed = ParseDateOfBirth(text, today);
  EXPECT_FALSE(parsed.has_value()) << "expected a rejected date";
  return parsed ? std::string() : parsed.error().detail;
}

TEST(Birthday, ParsesAValidDate) {
  auto parsed = ParseDateOfBirth("1990-05-17", kToday);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().detail;
  EXPECT_EQ(*parsed, Ymd(1990, 5, 17));
}

TEST(Birthday, RejectsEveryMalformedShape) {
  const std::vector<std::string> malformed = {
      "",
      "1990",
      "1990-05",
      "1990-5-17",
      "1990-05-7",
      "90-05-17",
      "19900-05-17",
      "01990-05-17",
      "1990/05/17",
      "1990.05.17",
      "19900517",
      "1990-05-17T00:00:00",
      "1990-05-17Z",
      " 1990-05-17",
      "1990-05-17 ",
      "1990-05-17\n",
      "+1990-05-17",
      "-1990-05-17",
      "-990-05-17",
      "+990-05-17",
      "1990-+5-17",
      "1990--5-17",
      "1990-05--7",
      "199O-05-17",
      "1990-05-1a",
      "1990-0A-17",
      "17-05-1990",
      "\xEF\xBC\x91\xEF\xBC\x99\xEF\xBC\x99\xEF\xBC\x90-05-17",  // Fullwidth digits.
      "\xD9\xA1\xD9\xA9\xD9\xA9\xD9\xA0-05-17",                  // Arabic-Indic digits.
      "1990_05_17",
      "1990-05-17-",
      "yyyy-mm-dd",
  };
  for (const auto& text : malformed) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ParseError(text), kFormat);
  }
  EXPECT_EQ(ParseError(std::string_view("1990-05-1\0", 10)), kFormat);
}

TEST(Birthday, RejectsDatesThatDoNotExist) {
  for (const char* text :
       {"1990-02-30", "1990-02-31", "1990-13-01", "1990-00-10", "1990-04-31", "1990-06-31",
        "1990-01-00", "1990-01-32", "1990-99-99", "2023-02-29", "1900-02-29", "2100-02-29"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(ParseError(text, Ymd(2200, 1, 1)), kNotReal);
  }
}

TEST(Birthday, AcceptsLeapDayInLeapYears) {
  EXPECT_EQ(*ParseDateOfBirth("2000-02-29", kToday), Ymd(2000, 2, 29));  // Divisible by 400.
  EXPECT_EQ(*ParseDateOfBirth("2020-02-29", kToday), Ymd(2020, 2, 29));
  EXPECT_EQ(*ParseDateOfBirth("1996-02-29", kToday), Ymd(1996, 2, 29));
  EXPECT_EQ(*ParseDateOfBirth("0004-02-29", kToday), Ymd(4, 2, 29));  // Proleptic Gregorian.
}

TEST(Birthday, AcceptsYearOneAndRejectsYearZero) {
  EXPECT_EQ(*ParseDateOfBirth("0001-01-01", kToday), Ymd(1, 1, 1));
  EXPECT_EQ(*ParseDateOfBirth("0999-12-31", kToday), Ymd(999, 12, 31));
  EXPECT_EQ(ParseError("0000-01-01"), kYearZero);
  EXPECT_EQ(ParseError("0000-12-31"), kYearZero);
}

TEST(Birthday, RejectsTodayAndLaterAcceptsYesterday) {
  EXPECT_EQ(ParseError("2024-03-01"), kNotBeforeToday);
  EXPECT_EQ(ParseError("2024-03-02"), kNotBeforeToday);
  EXPECT_EQ(ParseError("2025-01-01"), kNotBeforeToday);
  EXPECT_EQ(ParseError("9999-12-31"), kNotBeforeToday);
  EXPECT_EQ(*ParseDateOfBirth("2024-02-29", kToday), Ymd(2024, 2, 29));
}

TEST(Birthday, TodayAcrossAYearEnd) {
  const year_month_day new_year = Ymd(2025, 1, 1);
  EXPECT_EQ(*ParseDateOfBirth("2024-12-31", new_year), Ymd(2024, 12, 31));
  EXPECT_EQ(ParseError("2025-01-01", new_year), kNotBeforeToday);
}

TEST(Birthday, EachRuleHasItsOwnDetail) {
  std::set<std::string> details = {kFormat, kNotReal, kYearZero, kNotBeforeToday};
  EXPECT_EQ(details.size(), 4u);
  for (const auto& detail : details) {
    EXPECT_EQ(detail.back(), '.');
    EXPECT_EQ(detail.find("1990"), std::string::npos);
  }
}

TEST(Birthday, FormatsWithFourDigitYears) {
  EXPECT_EQ(FormatDate(Ymd(1990, 5, 17)), "1990-05-17");
  EXPECT_EQ(FormatDate(Ymd(1, 1, 1)), "0001-01-01");
  EXPECT_EQ(FormatDate(Ymd(999, 12, 31)), "0999-12-31");
  EXPECT_EQ(FormatDate(Ymd(2024, 2, 29)), "2024-02-29");
}

TEST(Birthday, FormatAndParseRoundTrip) {
  for (const char* text : {"0001-01-01", "0042-07-04", "1970-01-01", "2000-02-29", "2023-12-31"}) {
    auto parsed = ParseDateOfBirth(text, kToday);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(FormatDate(*parsed), text);
  }
}

TEST(Birthday, CountsZeroOnTheBirthday) {
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 5, 17), Ymd(2024, 5, 17)), 0);
  EXPECT_EQ(DaysUntilBirthday(Ymd(2023, 5, 17), Ymd(2024, 5, 17)), 0);
}

TEST(Birthday, CountsDaysAhead) {
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 5, 18), Ymd(2024, 5, 17)), 1);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 6, 17), Ymd(2024, 5, 17)), 31);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 12, 25), Ymd(2023, 1, 1)), 358);
}

TEST(Birthday, PassedBirthdayCountsToNextYear) {
  // 2023-06-15 -> 2024-06-14 crosses 29 February 2024; 2022 -> 2023 does not.
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 6, 14), Ymd(2023, 6, 15)), 365);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 6, 14), Ymd(2022, 6, 15)), 364);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 1, 1), Ymd(2023, 12, 31)), 1);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 12, 31), Ymd(2024, 1, 1)), 365);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 12, 31), Ymd(2023, 1, 1)), 364);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 12, 31), Ymd(2023, 12, 31)), 0);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 1, 1), Ymd(2024, 1, 1)), 0);
}

TEST(Birthday, LeapDayBirthdayFallsOnFebruary28InCommonYears) {
  const year_month_day leap_day = Ymd(2000, 2, 29);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2023, 2, 28)), 0);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2023, 2, 27)), 1);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2023, 2, 1)), 27);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2100, 2, 28)), 0);  // 2100 is not a leap year.
}

TEST(Birthday, LeapDayBirthdayFallsOnFebruary29InLeapYears) {
  const year_month_day leap_day = Ymd(2000, 2, 29);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2024, 2, 29)), 0);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2024, 2, 28)), 1);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2024, 2, 1)), 28);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2000, 2, 29)), 0);
}

TEST(Birthday, LeapDayBirthdayAfterItPassed) {
  const year_month_day leap_day = Ymd(2000, 2, 29);
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2023, 3, 1)), 365);  // To 2024-02-29.
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2024, 3, 1)), 364);  // To 2025-02-28.
  EXPECT_EQ(DaysUntilBirthday(leap_day, Ymd(2022, 12, 31)), 59);
}

TEST(Birthday, NeighboursOfTheLeapDay) {
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 2, 28), Ymd(2024, 2, 29)), 365);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 3, 1), Ymd(2024, 2, 28)), 2);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 3, 1), Ymd(2023, 2, 28)), 1);
  EXPECT_EQ(DaysUntilBirthday(Ymd(1990, 3, 1), Ymd(2024, 2, 29)), 1);
}

// Walks forward one day at a time to the first day that is the birthday, as a reference.
int ReferenceDaysUntil(year_month_day date_of_birth, year_month_day today) {
  for (int offset = 0;; ++offset) {
    const year_month_day candidate{sys_days{today} + days{offset}};
    const bool same_day =
        candidate.month() == date_of_birth.month() && candidate.day() == date_of_birth.day();
    const bool moved_leap_day = date_of_birth.month() == month{2} &&
                                date_of_birth.day() == day{29} && !candidate.year().is_leap() &&
                                candidate.month() == month{2} && candidate.day() == day{28};
    if (same_day || moved_leap_day) {
      return offset;
    }
  }
}

TEST(Birthday, MatchesADayByDayWalkOverTwoYears) {
  const std::vector<year_month_day> births = {
      Ymd(1990, 1, 1),  Ymd(1990, 1, 31), Ymd(1992, 2, 28),  Ymd(1992, 2, 29), Ymd(1990, 3, 1),
      Ymd(1990, 6, 30), Ymd(1990, 7, 1),  Ymd(1990, 12, 30), Ymd(1990, 12, 31)};
  int maximum = 0;
  for (sys_days today = sys_days{Ymd(2023, 1, 1)}; today <= sys_days{Ymd(2024, 12, 31)};
       today += days{1}) {
    for (const auto& birth : births) {
      const int count = DaysUntilBirthday(birth, year_month_day{today});
      ASSERT_EQ(count, ReferenceDaysUntil(birth, year_month_day{today}))
          << FormatDate(birth) << " on " << FormatDate(year_month_day{today});
      ASSERT_GE(count, 0);
      ASSERT_LE(count, 365);
      maximum = std::max(maximum, count);
    }
  }
  EXPECT_EQ(maximum, 365);
}

TEST(Birthday, GreetsOnTheDay) {
  EXPECT_EQ(GreetingMessage("Zoë", 0), "Hello, Zoë! Happy birthday!");
}

TEST(Birthday, GreetsWithOneDaySingular) {
  EXPECT_EQ(GreetingMessage("Alice", 1), "Hello, Alice! Your birthday is in 1 day");
}

TEST(Birthday, GreetsWithDaysPlural) {
  EXPECT_EQ(GreetingMessage("Alice", 2), "Hello, Alice! Your birthday is in 2 days");
  EXPECT_EQ(GreetingMessage("李", 365), "Hello, 李! Your birthday is in 365 days");
}

}  // namespace
}  // namespace hello::domain
