// Tests of "today" in IANA time zones, with injected clocks and the real system tz database.

#include "domain/calendar.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace hello::domain {
namespace {

using std::chrono::day;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::system_clock;
using std::chrono::year;
using std::chrono::year_month_day;

year_month_day Ymd(int y, unsigned m, unsigned d) {
  return year_month_day{year{y}, month{m}, day{d}};
}

system_clock::time_point At(year_month_day date, hours h, minutes m = minutes{0}) {
  return sys_days{date} + h + m;
}

NowFunction FixedClock(system_clock::time_point instant) {
  return [instant] { return instant; };
}

year_month_day TodayIn(std::string_view zone, system_clock::time_point instant) {
  auto calendar = Calendar::Create(zone, FixedClock(instant));
  EXPECT_TRUE(calendar.has_value()) << calendar.error();
  return calendar ? calendar->Today() : year_month_day{};
}

TEST(Calendar, UtcDateOfAnInstant) {
  EXPECT_EQ(TodayIn("UTC", At(Ymd(2024, 2, 29), hours{12})), Ymd(2024, 2, 29));
  EXPECT_EQ(TodayIn("UTC", At(Ymd(2024, 2, 29), hours{23}, minutes{59})), Ymd(2024, 2, 29));
  EXPECT_EQ(TodayIn("UTC", At(Ymd(2024, 3, 1), hours{0})), Ymd(2024, 3, 1));
  EXPECT_EQ(TodayIn("Etc/UTC", At(Ymd(2023, 12, 31), hours{23}, minutes{59})), Ymd(2023, 12, 31));
}

TEST(Calendar, OneInstantIsThreeDatesAroundTheWorld) {
  // 10:30 UTC: 00:30 the next day at UTC+14, 23:30 the previous day at UTC-11.
  const auto instant = At(Ymd(2024, 6, 15), hours{10}, minutes{30});
  EXPECT_EQ(TodayIn("Pacific/Kiritimati", instant), Ymd(2024, 6, 16));
  EXPECT_EQ(TodayIn("UTC", instant), Ymd(2024, 6, 15));
  EXPECT_EQ(TodayIn("Pacific/Pago_Pago", instant), Ymd(2024, 6, 14));
}

TEST(Calendar, AppliesDaylightSavingTime) {
  // 22:30 UTC is 00:30 next day in Paris in summer (UTC+2) but 23:30 in winter (UTC+1).
  EXPECT_EQ(TodayIn("Europe/Paris", At(Ymd(2024, 7, 1), hours{22}, minutes{30})), Ymd(2024, 7, 2));
  EXPECT_EQ(TodayIn("Europe/Paris", At(Ymd(2024, 1, 1), hours{22}, minutes{30})), Ymd(2024, 1, 1));
  // 03:30 UTC is 23:30 the day before in New York in summer (UTC-4), 22:30 in winter (UTC-5).
  EXPECT_EQ(TodayIn("America/New_York", At(Ymd(2024, 7, 2), hours{3}, minutes{30})),
            Ymd(2024, 7, 1));
  EXPECT_EQ(TodayIn("America/New_York", At(Ymd(2024, 1, 2), hours{4}, minutes{30})),
            Ymd(2024, 1, 1));
  EXPECT_EQ(TodayIn("America/New_York", At(Ymd(2024, 1, 2), hours{5}, minutes{30})),
            Ymd(2024, 1, 2));
}

TEST(Calendar, HalfHourAndQuarterHourOffsets) {
  // India is UTC+5:30 and Nepal UTC+5:45 with no daylight saving time.
  EXPECT_EQ(TodayIn("Asia/Kolkata", At(Ymd(2024, 12, 31), hours{18}, minutes{29})),
            Ymd(2024, 12, 31));
  EXPECT_EQ(TodayIn("Asia/Kolkata", At(Ymd(2024, 12, 31), hours{18}, minutes{30})),
            Ymd(2025, 1, 1));
  EXPECT_EQ(TodayIn("Asia/Kathmandu", At(Ymd(2024, 12, 31), hours{18}, minutes{14})),
            Ymd(2024, 12, 31));
  EXPECT_EQ(TodayIn("Asia/Kathmandu", At(Ymd(2024, 12, 31), hours{18}, minutes{15})),
            Ymd(2025, 1, 1));
}

TEST(Calendar, DateChangesWhenTheClockCrossesMidnight) {
  auto instant = std::make_shared<std::atomic<system_clock::rep>>(
      At(Ymd(2024, 12, 31), hours{14}, minutes{59}).time_since_epoch().count());
  NowFunction moving = [instant] {
    return system_clock::time_point{system_clock::duration{instant->load()}};
  };

  // Tokyo is UTC+9: 14:59 UTC is 23:59 local, 15:00 UTC is midnight.
  auto calendar = Calendar::Create("Asia/Tokyo", moving);
  ASSERT_TRUE(calendar.has_value()) << calendar.error();
  EXPECT_EQ(calendar->Today(), Ymd(2024, 12, 31));
  instant->store(At(Ymd(2024, 12, 31), hours{15}).time_since_epoch().count());
  EXPECT_EQ(calendar->Today(), Ymd(2025, 1, 1));
  instant->store(At(Ymd(2025, 1, 1), hours{15}).time_since_epoch().count());
  EXPECT_EQ(calendar->Today(), Ymd(2025, 1, 2));
}

TEST(Calendar, UsesTheSystemClockByDefault) {
  auto calendar = Calendar::Create("UTC");
  ASSERT_TRUE(calendar.has_value()) << calendar.error();

  // Bracket the call so that a run across midnight still passes.
  const year_month_day before{std::chrono::floor<std::chrono::days>(system_clock::now())};
  const year_month_day today = calendar->Today();
  const year_month_day after{std::chrono::floor<std::chrono::days>(system_clock::now())};
  EXPECT_TRUE(today == before || today == after);
}

TEST(Calendar, KeepsTheZoneName) {
  auto calendar = Calendar::Create("Europe/Paris");
  ASSERT_TRUE(calendar.has_value()) << calendar.error();
  EXPECT_EQ(calendar->TimeZoneName(), "Europe/Paris");
}

TEST(Calendar, RejectsUnknownZonesByName) {
  for (const char* name :
       {"Mars/Olympus_Mons", "Europe/paris", "europe/paris", "UTC+2", "CEST", "../../../etc/passwd",
        "/usr/share/zoneinfo/UTC", "localtime", " UTC", "Europe/"}) {
    SCOPED_TRACE(name);
    auto calendar = Calendar::Create(name);
    ASSERT_FALSE(calendar.has_value());
    EXPECT_NE(calendar.error().find(std::string("\"") + name + "\""), std::string::npos)
        << calendar.error();
  }
  auto empty = Calendar::Create("");
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().find("unknown time zone"), std::string::npos);
}

TEST(Calendar, ConcurrentCalendarsAgree) {
  // Several threads create calendars and read today at once, as request threads do.
  const auto instant = At(Ymd(2024, 6, 15), hours{10}, minutes{30});
  struct Case {
    const char* zone;
    year_month_day expected;
  };
  const std::vector<Case> cases = {{"Pacific/Kiritimati", Ymd(2024, 6, 16)},
                                   {"Pacific/Pago_Pago", Ymd(2024, 6, 14)},
                                   {"Australia/Sydney", Ymd(2024, 6, 15)},
                                   {"America/Los_Angeles", Ymd(2024, 6, 15)}};
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (const auto& test_case : cases) {
    threads.emplace_back([&, test_case] {
      auto calendar = Calendar::Create(test_case.zone, FixedClock(instant));
      if (!calendar) {
        ++mismatches;
        return;
      }
      for (int i = 0; i < 20000; ++i) {
        if (calendar->Today() != test_case.expected) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Calendar, TodayIsCheap) {
  // Reading the zone file per call would take tens of microseconds; a lookup takes well under
  // one, so 100,000 calls stay far below this bound even in a sanitizer build.
  auto calendar = Calendar::Create("Europe/Paris");
  ASSERT_TRUE(calendar.has_value()) << calendar.error();
  const auto start = std::chrono::steady_clock::now();
  year_month_day last{};
  for (int i = 0; i < 100000; ++i) {
    last = calendar->Today();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(last.ok());
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace hello::domain
