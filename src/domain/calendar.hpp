#pragma once
// "Today" as a calendar date in the configured IANA time zone, read from a clock on each call.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/expected.hpp"

namespace date {
class time_zone;
}  // namespace date

namespace hello::domain {

/// Source of the current instant; tests inject a fixed or moving one.
using NowFunction = std::function<std::chrono::system_clock::time_point()>;

class Calendar {
 public:
  /// Looks `time_zone_name` up in the system tz database ("UTC", "Europe/Paris", ...).
  /// Returns an error message naming the zone when it is unknown.
  static Expected<Calendar, std::string> Create(std::string_view time_zone_name,
                                                NowFunction now = nullptr);

  /// The calendar date in the zone at this instant; cheap enough to call per request.
  std::chrono::year_month_day Today() const;

  const std::string& TimeZoneName() const { return time_zone_name_; }

 private:
  Calendar(const date::time_zone* zone, std::string name, NowFunction now);

  const date::time_zone* zone_;
  std::string time_zone_name_;
  NowFunction now_;
};

}  // namespace hello::domain
