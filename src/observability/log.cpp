// Structured logging on spdlog's asynchronous logger: the calling thread renders the message and
// fields (so no pointer to caller memory crosses threads), one background thread adds the
// timestamp and level and writes the line to stdout.

#include "observability/log.hpp"

#include <spdlog/async_logger.h>
#include <spdlog/details/thread_pool.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

namespace hello::observability {
namespace {

// About 40 ms of the access log at 100k lines/s, far longer than the logging thread needs to
// write a line. Each slot holds a ~400-byte inline buffer, so the queue costs 1.7 MB of the
// resident-memory budget.
constexpr std::size_t kQueueLines = 4096;

// FlushLogs waits this long at most: a blocked stdout must not stop the process from exiting.
constexpr std::chrono::seconds kFlushDeadline{5};

using Buffer = spdlog::memory_buf_t;

void Append(Buffer& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

// Length of the well-formed UTF-8 sequence at the start of [p, p + n), or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not well-formed).
std::size_t Utf8SequenceLength(const unsigned char* p, std::size_t n) {
  const unsigned lead = p[0];
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (n < length) {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if ((p[i] & 0xC0) != 0x80) {
      return 0;
    }
    code_point = (code_point << 6) | (p[i] & 0x3F);
  }
  if (length == 3 && (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF))) {
    return 0;
  }
  if (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) {
    return 0;
  }
  return length;
}

// Appends `text` as the inside of a JSON string: quotes, backslashes and control characters are
// escaped and each byte that is not part of well-formed UTF-8 becomes U+FFFD, so any input
// yields one valid line.
void AppendEscaped(Buffer& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t run_start = 0;
  std::size_t i = 0;
  auto flush_run = [&] { Append(out, text.substr(run_start, i - run_start)); };

  while (i < size) {
    const unsigned char c = bytes[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t length = Utf8SequenceLength(bytes + i, size - i);
      if (length != 0) {
        i += length;
        continue;
      }
      flush_run();
      Append(out, "\\ufffd");
      run_start = ++i;
      continue;
    }
    flush_run();
    switch (c) {
      case '"':
        Append(out, "\\\"");
        break;
      case '\\':
        Append(out, "\\\\");
        break;
      case '\n':
        Append(out, "\\n");
        break;
      case '\r':
        Append(out, "\\r");
        break;
      case '\t':
        Append(out, "\\t");
        break;
      default: {
        const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        Append(out, std::string_view(escape, sizeof(escape)));
      }
    }
    run_start = ++i;
  }
  flush_run();
}

void AppendJsonString(Buffer& out, std::string_view text) {
  out.push_back('"');
  AppendEscaped(out, text);
  out.push_back('"');
}

// A text-format value is written bare when that reads unambiguously, else JSON-quoted.
void AppendTextString(Buffer& out, std::string_view text) {
  bool bare = !text.empty();
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || c == '"' || c == '=' || c == '\\') {
      bare = false;
      break;
    }
  }
  if (bare) {
    Append(out, text);
  } else {
    AppendJsonString(out, text);
  }
}

void AppendNumber(Buffer& out, double value) {
  // JSON has no NaN or infinity.
  if (!std::isfinite(value)) {
    Append(out, "null");
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", value);
}

void AppendValue(Buffer& out, const LogField::Value& value, LogFormat format) {
  if (const auto* text = std::get_if<std::string_view>(&value)) {
    if (format == LogFormat::kJson) {
      AppendJsonString(out, *text);
    } else {
      AppendTextString(out, *text);
    }
  } else if (const auto* integer = std::get_if<std::int64_t>(&value)) {
    fmt::format_to(std::back_inserter(out), "{}", *integer);
  } else if (const auto* real = std::get_if<double>(&value)) {
    AppendNumber(out, *real);
  } else {
    Append(out, std::get<bool>(value) ? "true" : "false");
  }
}

// The part of a line the caller renders: `"msg":...,"key":value` (JSON) or `msg key=value`.
void RenderPayload(Buffer& out, LogFormat format, std::string_view msg,
                   std::initializer_list<LogField> fields) {
  if (format == LogFormat::kJson) {
    Append(out, "\"msg\":");
    AppendJsonString(out, msg);
    for (const LogField& field : fields) {
      out.push_back(',');
      AppendJsonString(out, field.key);
      out.push_back(':');
      AppendValue(out, field.value, format);
    }
    return;
  }
  AppendEscaped(out, msg);
  for (const LogField& field : fields) {
    out.push_back(' ');
    AppendEscaped(out, field.key);
    out.push_back('=');
    AppendValue(out, field.value, format);
  }
}

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    default:
      return "error";
  }
}

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

// Runs on the logging thread: adds `ts` and `level` around the rendered payload.
class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, Buffer& dest) override {
    if (format_ == LogFormat::kJson) {
      Append(dest, "{\"ts\":\"");
      AppendTimestamp(msg.time, dest);
      Append(dest, "\",\"level\":\"");
      Append(dest, LevelName(msg.level));
      Append(dest, "\",");
      Append(dest, std::string_view(msg.payload.data(), msg.payload.size()));
      Append(dest, "}\n");
      return;
    }
    AppendTimestamp(msg.time, dest);
    const std::string_view level = LevelName(msg.level);
    dest.push_back(' ');
    Append(dest, level);
    Append(dest, std::string_view("      ", 6 - level.size()));
    Append(dest, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

  LogFormat Format() const { return format_; }

 private:
  // RFC 3339 in UTC with milliseconds; the part up to the second changes at most once a second,
  // so it is cached.
  void AppendTimestamp(spdlog::log_clock::time_point time, Buffer& dest) {
    const auto since_epoch = time.time_since_epoch();
    const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    if (seconds.count() != cached_second_) {
      const std::time_t t = static_cast<std::time_t>(seconds.count());
      std::tm utc{};
      gmtime_r(&t, &utc);
      cached_length_ = std::strftime(cached_, sizeof(cached_), "%Y-%m-%dT%H:%M:%S", &utc);
      cached_second_ = seconds.count();
    }
    Append(dest, std::string_view(cached_, cached_length_));
    fmt::format_to(std::back_inserter(dest), ".{:03}Z", millis);
  }

  LogFormat format_;
  std::int64_t cached_second_ = -1;
  char cached_[32] = {};
  std::size_t cached_length_ = 0;
};

// Writes lines to stdout through stdio's buffer, which is flushed whenever the queue runs empty:
// lines appear at once when the service is quiet and are written in large blocks under load.
// A message at level `off` is a flush marker carrying a ticket number (see FlushLogs).
class StdoutSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  StdoutSink(spdlog::details::thread_pool& pool, LogFormat format)
      : pool_(pool), warning_formatter_(format) {}

  /// Waits until the marker with `ticket` (or a later one) was handled, or `deadline` passed.
  bool WaitFlushed(std::uint64_t ticket, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(flushed_mutex_);
    return flushed_cv_.wait_until(lock, deadline, [&] { return flushed_ticket_ >= ticket; });
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level == spdlog::level::off) {
      HandleFlushMarker(msg);
      return;
    }
    Buffer line;
    formatter_->format(msg, line);
    // A failed write (closed stdout) cannot be reported anywhere useful; the line is lost.
    std::fwrite(line.data(), 1, line.size(), stdout);
    if (pool_.queue_size() == 0) {
      ReportDroppedLines();
      std::fflush(stdout);
    }
  }

  void flush_() override { std::fflush(stdout); }

 private:
  void HandleFlushMarker(const spdlog::details::log_msg& msg) {
    std::uint64_t ticket = 0;
    if (msg.payload.size() == sizeof(ticket)) {
      std::memcpy(&ticket, msg.payload.data(), sizeof(ticket));
    }
    ReportDroppedLines();
    std::fflush(stdout);
    {
      std::lock_guard lock(flushed_mutex_);
      flushed_ticket_ = std::max(flushed_ticket_, ticket);
    }
    flushed_cv_.notify_all();
  }

  // Lines dropped on overflow are otherwise invisible, so their count is written as a warning.
  void ReportDroppedLines() {
    const std::size_t dropped = pool_.overrun_counter();
    if (dropped == reported_dropped_) {
      return;
    }
    Buffer payload;
    RenderPayload(payload, warning_formatter_.Format(), "log lines dropped",
                  {{"count", dropped - reported_dropped_}});
    reported_dropped_ = dropped;
    const spdlog::details::log_msg warning(spdlog::log_clock::now(), spdlog::source_loc{}, "hello",
                                           spdlog::level::warn,
                                           spdlog::string_view_t(payload.data(), payload.size()));
    Buffer line;
    warning_formatter_.format(warning, line);
    std::fwrite(line.data(), 1, line.size(), stdout);
  }

  spdlog::details::thread_pool& pool_;
  LineFormatter warning_formatter_;
  std::size_t reported_dropped_ = 0;
  std::mutex flushed_mutex_;
  std::condition_variable flushed_cv_;
  std::uint64_t flushed_ticket_ = 0;
};

struct LoggerState {
  LoggerState(LogLevel level, LogFormat log_format) : format(log_format) {
    pool = std::make_shared<spdlog::details::thread_pool>(kQueueLines, 1);
    sink = std::make_shared<StdoutSink>(*pool, format);
    sink->set_formatter(std::make_unique<LineFormatter>(format));
    // Overflow policy: when stdout cannot keep up and the queue is full, the oldest queued line
    // is dropped rather than blocking the request thread. A stuck stdout reader then costs log
    // lines (reported as a warning once the queue drains), never the service's availability.
    logger = std::make_shared<spdlog::async_logger>("hello", sink, pool,
                                                    spdlog::async_overflow_policy::overrun_oldest);
    // Lines are filtered by LogEnabled; the flush markers use level `off`, which always passes.
    logger->set_level(ToSpdlog(level));
  }

  // The logger goes first: the pool's destructor drains the queue and joins the thread.
  ~LoggerState() {
    logger.reset();
    pool.reset();
  }

  LogFormat format;
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::shared_ptr<StdoutSink> sink;
  std::shared_ptr<spdlog::async_logger> logger;
  // Tickets enter the queue in increasing order, so once the sink handled ticket N every line
  // queued before it has been written, even if an earlier marker was dropped on overflow.
  std::mutex flush_order_mutex;
  std::uint64_t flush_tickets = 0;
};

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<LoggerState*> g_state{nullptr};
std::once_flag g_default_once;

// Lines logged before InitLogging go to a default logger (JSON, info). States are never freed
// while the process runs except by InitLogging, which the contract calls before any other
// thread logs; the last one lives until exit so late log calls stay safe.
LoggerState& State() {
  LoggerState* state = g_state.load(std::memory_order_acquire);
  if (state != nullptr) {
    return *state;
  }
  std::call_once(g_default_once, [] {
    LoggerState* expected = nullptr;
    auto* fresh = new LoggerState(LogLevel::kInfo, LogFormat::kJson);
    if (!g_state.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
      delete fresh;
    }
  });
  return *g_state.load(std::memory_order_acquire);
}

}  // namespace

void InitLogging(LogLevel level, LogFormat format) {
  // A stdout whose reader has gone (a closed pipe) must cost log lines, not the process, which
  // SIGPIPE would end. Sockets are unaffected: Asio sends with MSG_NOSIGNAL.
  std::signal(SIGPIPE, SIG_IGN);
  auto* fresh = new LoggerState(level, format);
  g_min_level.store(static_cast<int>(level), std::memory_order_relaxed);
  LoggerState* previous = g_state.exchange(fresh, std::memory_order_acq_rel);
  if (previous != nullptr) {
    delete previous;
    std::fflush(stdout);
  }
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed);
}

void Log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) {
    return;
  }
  LoggerState& state = State();
  Buffer payload;
  RenderPayload(payload, state.format, msg, fields);
  state.logger->log(ToSpdlog(level), spdlog::string_view_t(payload.data(), payload.size()));
}

void FlushLogs() {
  LoggerState& state = State();
  const auto deadline = std::chrono::steady_clock::now() + kFlushDeadline;

  // A marker can itself be dropped when the queue overflows, so a new one is sent until one is
  // handled or the deadline passes.
  while (std::chrono::steady_clock::now() < deadline) {
    std::uint64_t ticket = 0;
    {
      std::lock_guard lock(state.flush_order_mutex);
      ticket = ++state.flush_tickets;
      char marker[sizeof(ticket)];
      std::memcpy(marker, &ticket, sizeof(ticket));
      state.logger->log(spdlog::level::off, spdlog::string_view_t(marker, sizeof(marker)));
    }
    const auto retry_at =
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
    if (state.sink->WaitFlushed(ticket, retry_at)) {
      return;
    }
  }
}

}  // namespace hello::observability
