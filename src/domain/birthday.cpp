// Date-of-birth parsing, the day count to the next birthday and the greeting text.

#include "domain/birthday.hpp"

#include <cstdio>

namespace hello::domain {

namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;
using std::chrono::year_month_day_last;

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `count` ASCII digits starting at `offset`; the caller has checked they are digits.
int ReadNumber(std::string_view text, std::size_t offset, std::size_t count) {
  int value = 0;
  for (std::size_t i = offset; i < offset + count; ++i) {
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool HasDateShape(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i != 4 && i != 7 && !IsAsciiDigit(text[i])) {
      return false;
    }
  }
  return true;
}

// The birthday in `target_year`; a day the month lacks there (29 February) moves to the
// month's last day.
sys_days BirthdayIn(year target_year, year_month_day date_of_birth) {
  const year_month_day_last last_day{target_year,
                                     std::chrono::month_day_last{date_of_birth.month()}};
  if (date_of_birth.day() > last_day.day()) {
    return sys_days{last_day};
  }
  return sys_days{year_month_day{target_year, date_of_birth.month(), date_of_birth.day()}};
}

}  // namespace

Expected<year_month_day, ValidationError> ParseDateOfBirth(std::string_view text,
                                                           year_month_day today) {
  if (!HasDateShape(text)) {
    return MakeUnexpected(ValidationError{
        "The dateOfBirth must have the form YYYY-MM-DD: a 4-digit year, a 2-digit month and a "
        "2-digit day."});
  }

  const int year_number = ReadNumber(text, 0, 4);
  const auto month_number = static_cast<unsigned>(ReadNumber(text, 5, 2));
  const auto day_number = static_cast<unsigned>(ReadNumber(text, 8, 2));
  const year_month_day date{year{year_number}, month{month_number}, day{day_number}};
  if (!date.ok()) {
    return MakeUnexpected(
        ValidationError{"The dateOfBirth is not a real calendar date (check the month and day)."});
  }
  if (year_number < 1) {
    return MakeUnexpected(ValidationError{"The dateOfBirth must have a year of 0001 or later."});
  }
  if (date >= today) {
    return MakeUnexpected(ValidationError{"The dateOfBirth must be a date before today."});
  }
  return date;
}

std::string FormatDate(year_month_day date) {
  char buffer[32];
  const int length =
      std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", static_cast<int>(date.year()),
                    static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return std::string(buffer, static_cast<std::size_t>(length));
}

int DaysUntilBirthday(year_month_day date_of_birth, year_month_day today) {
  const sys_days today_days{today};
  sys_days next = BirthdayIn(today.year(), date_of_birth);
  if (next < today_days) {
    next = BirthdayIn(today.year() + std::chrono::years{1}, date_of_birth);
  }
  return static_cast<int>((next - today_days).count());
}

std::string GreetingMessage(std::string_view display_name, int days_until_birthday) {
  std::string message = "Hello, ";
  message.append(display_name);
  if (days_until_birthday == 0) {
    message.append("! Happy birthday!");
  } else if (days_until_birthday == 1) {
    message.append("! Your birthday is in 1 day");
  } else {
    message.append("! Your birthday is in ");
    message.append(std::to_string(days_until_birthday));
    message.append(" days");
  }
  return message;
}

}  // namespace hello::domain
