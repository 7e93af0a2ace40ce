#pragma once
// Structured logging: one JSON object per line on stdout (or a readable text line).
// Messages are fixed lowercase phrases; user data (names, dates of birth, bodies, raw paths)
// never goes into a field.

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <variant>

namespace hello::observability {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kJson, kText };

/// One key/value pair of a log line. Integers, floating point, booleans and strings.
struct LogField {
  using Value = std::variant<std::string_view, std::int64_t, double, bool>;

  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, std::int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(static_cast<std::int64_t>(v)) {}
  LogField(std::string_view k, unsigned v) : key(k), value(static_cast<std::int64_t>(v)) {}
  LogField(std::string_view k, std::size_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}

  std::string_view key;
  Value value;
};

/// Configures the process-wide logger; call once at start-up before other threads log.
/// Writing is asynchronous so that the access log does not slow request handling.
void InitLogging(LogLevel level, LogFormat format);

/// True when a line at `level` would be written; lets callers skip building fields.
bool LogEnabled(LogLevel level);

/// Writes one line with `ts` (UTC, RFC 3339 with milliseconds), `level`, `msg` and `fields`.
void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});

/// Blocks until every line logged so far is written; call before the process exits.
void FlushLogs();

}  // namespace hello::observability
