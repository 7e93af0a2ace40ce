#pragma once
// Dates of birth: parsing, the day count to the next birthday and the greeting text.

#include <chrono>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "domain/validation_error.hpp"

namespace hello::domain {

/// Parses exactly "YYYY-MM-DD": a real proleptic-Gregorian date with year >= 1 that lies
/// strictly before `today`. The error's detail names the rule that failed.
Expected<std::chrono::year_month_day, ValidationError> ParseDateOfBirth(
    std::string_view text, std::chrono::year_month_day today);

/// Formats a date as "YYYY-MM-DD" (years below 1000 are zero-padded to four digits).
std::string FormatDate(std::chrono::year_month_day date);

/// Days from `today` to the next occurrence of the birthday, 0 to 365. A 29 February
/// birthday falls on 28 February in non-leap years.
int DaysUntilBirthday(std::chrono::year_month_day date_of_birth, std::chrono::year_month_day today);

/// "Hello, <name>! Happy birthday!" for 0 days, "... is in 1 day" and "... is in N days".
std::string GreetingMessage(std::string_view display_name, int days_until_birthday);

}  // namespace hello::domain
