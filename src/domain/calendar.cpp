// "Today" in an IANA time zone from the system tz database (/usr/share/zoneinfo), read through
// Howard Hinnant's date/tz library.

#include "domain/calendar.hpp"

#include <date/tz.h>

#include <exception>
#include <utility>

namespace hello::domain {

// TODO: date/tz 3.0.1 reads only the transitions listed in the zone files (up to 2037), not their
// trailing rule; from 2038 a zone with daylight saving time keeps its last offset all year, so
// "today" can be wrong for an hour around local midnight during half of each year.

Expected<Calendar, std::string> Calendar::Create(std::string_view time_zone_name, NowFunction now) {
  const std::string name(time_zone_name);
  const std::string quoted = "\"" + name + "\"";

  // "localtime" is the host's own zone file, not an IANA name: the result would depend on
  // whatever machine or image the service runs on.
  if (name.empty() || name == "localtime") {
    return MakeUnexpected("unknown time zone " + quoted + " (not an IANA time zone name)");
  }

  // The zone list is read once per process (a thread-safe static); each zone's file is loaded
  // on first use, so it is loaded here and a broken file fails at start-up, not in a request.
  try {
    date::get_tzdb();
  } catch (const std::exception& error) {
    return MakeUnexpected(std::string("cannot read the system tz database: ") + error.what());
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(name);
  } catch (const std::exception&) {
    return MakeUnexpected("unknown time zone " + quoted + " (not in the system tz database)");
  }
  try {
    zone->get_info(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  } catch (const std::exception& error) {
    return MakeUnexpected("cannot load time zone " + quoted + ": " + error.what());
  }

  if (!now) {
    now = [] { return std::chrono::system_clock::now(); };
  }
  return Calendar(zone, name, std::move(now));
}

Calendar::Calendar(const date::time_zone* zone, std::string name, NowFunction now)
    : zone_(zone), time_zone_name_(std::move(name)), now_(std::move(now)) {}

std::chrono::year_month_day Calendar::Today() const {
  // One binary search in the zone's transition table; the zone object is immutable once loaded.
  const auto local = zone_->to_local(now_());
  const auto local_day = std::chrono::floor<std::chrono::days>(local);
  return std::chrono::year_month_day{std::chrono::sys_days{local_day.time_since_epoch()}};
}

}  // namespace hello::domain
