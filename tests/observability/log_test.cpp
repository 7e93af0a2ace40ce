// Tests of the structured logger: line format, escaping, levels, flushing and overflow.

#include "observability/log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace hello::observability {
namespace {

namespace json = boost::json;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    lines.push_back(line);
  }
  return lines;
}

// Runs `body` with stdout captured and returns the lines written, after FlushLogs.
template <typename Body>
std::vector<std::string> Capture(Body body) {
  ::testing::internal::CaptureStdout();
  body();
  FlushLogs();
  return Lines(::testing::internal::GetCapturedStdout());
}

// Parses one line as JSON; Boost.JSON also rejects invalid UTF-8.
json::object ParseLine(const std::string& line) {
  boost::system::error_code error;
  json::value value = json::parse(line, error);
  EXPECT_FALSE(error) << "not JSON: " << line;
  EXPECT_TRUE(value.is_object()) << line;
  return value.is_object() ? value.as_object() : json::object();
}

std::chrono::system_clock::time_point ParseTimestamp(const std::string& ts) {
  std::tm utc{};
  int millis = 0;
  std::istringstream in(ts);
  char dot = 0;
  in >> std::get_time(&utc, "%Y-%m-%dT%H:%M:%S") >> dot >> millis;
  return std::chrono::system_clock::from_time_t(timegm(&utc)) + std::chrono::milliseconds(millis);
}

TEST(Log, JsonLineHasTimestampLevelMessageAndFieldsInOrder) {
  InitLogging(LogLevel::kDebug, LogFormat::kJson);
  const auto lines = Capture([] {
    Log(LogLevel::kInfo, "request",
        {{"method", "GET"},
         {"status", 200},
         {"bytes", std::size_t{57}},
         {"duration_seconds", 0.00125},
         {"keep_alive", true}});
  });

  ASSERT_EQ(lines.size(), 1U);
  const json::object line = ParseLine(lines[0]);
  EXPECT_EQ(line.at("level"), "info");
  EXPECT_EQ(line.at("msg"), "request");
  EXPECT_EQ(line.at("method"), "GET");
  EXPECT_EQ(line.at("status").as_int64(), 200);
  EXPECT_EQ(line.at("bytes").as_int64(), 57);
  EXPECT_DOUBLE_EQ(line.at("duration_seconds").as_double(), 0.00125);
  EXPECT_EQ(line.at("keep_alive"), true);
  EXPECT_EQ(lines[0].rfind("{\"ts\":\"", 0), 0U) << "ts comes first: " << lines[0];
  EXPECT_LT(lines[0].find("\"level\""), lines[0].find("\"msg\""));
  EXPECT_LT(lines[0].find("\"msg\""), lines[0].find("\"method\""));
}

TEST(Log, TimestampIsUtcRfc3339WithMillisecondsAndCurrent) {
  InitLogging(LogLevel::kInfo, LogFormat::kJson);
  const auto before = std::chrono::system_clock::now();
  const auto lines = Capture([] { Log(LogLevel::kInfo, "tick"); });
  const auto after = std::chrono::system_clock::now();

  ASSERT_EQ(lines.size(), 1U);
  const std::string ts(ParseLine(lines[0]).at("ts").as_string());
  EXPECT_TRUE(std::regex_match(ts, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")))
      << ts;
  const auto logged = ParseTimestamp(ts);
  EXPECT_GE(logged, std::chrono::floor<std::chrono::milliseconds>(before));
  EXPECT_LE(logged, after);
}

TEST(Log, EscapesQuotesBackslashesAndControlCharacters) {
  InitLogging(LogLevel::kInfo, LogFormat::kJson);
  const std::string nasty = std::string("a\"b\\c\nd\re\tf\x01g\x1fh\x7f") + '\0' + "end";
  const auto lines = Capture([&] { Log(LogLevel::kInfo, "line\nbreak", {{"error", nasty}}); });

  ASSERT_EQ(lines.size(), 1U) << "a newline in a value must not split the line";
  const json::object line = ParseLine(lines[0]);
  EXPECT_EQ(line.at("msg"), "line\nbreak");
  EXPECT_EQ(std::string(line.at("error").as_string()), nasty);
}

TEST(Log, ReplacesBytesThatAreNotUtf8AndKeepsValidText) {
  InitLogging(LogLevel::kInfo, LogFormat::kJson);
  const std::string replacement = "\xEF\xBF\xBD";
  const auto lines = Capture([] {
    Log(LogLevel::kInfo, "bytes",
        {{"stray", "ok\xFF"},
         {"truncated", "\xC3("},
         {"overlong", "\xC0\xAF"},
         {"surrogate", "\xED\xA0\x80"},
         {"too_large", "\xF4\x90\x80\x80"},
         {"cut_at_end", "x\xE2\x82"},
         {"valid", "Zo\xC3\xAB \xE6\x9D\x8E \xF0\x9F\x8E\x82"}});
  });

  ASSERT_EQ(lines.size(), 1U);
  const json::object line = ParseLine(lines[0]);
  EXPECT_EQ(std::string(line.at("stray").as_string()), "ok" + replacement);
  EXPECT_EQ(std::string(line.at("truncated").as_string()), replacement + "(");
  EXPECT_EQ(std::string(line.at("overlong").as_string()), replacement + replacement);
  EXPECT_EQ(std::string(line.at("surrogate").as_string()), replacement + replacement + replacement);
  EXPECT_EQ(std::string(line.at("too_large").as_string()),
            replacement + replacement + replacement + replacement);
  EXPECT_EQ(std::string(line.at("cut_at_end").as_string()), "x" + replacement + replacement);
  EXPECT_EQ(std::string(line.at("valid").as_string()), "Zo\xC3\xAB \xE6\x9D\x8E \xF0\x9F\x8E\x82");
}

TEST(Log, NumbersThatJsonCannotHoldBecomeNull) {
  InitLogging(LogLevel::kInfo, LogFormat::kJson);
  const auto lines = Capture([] {
    Log(LogLevel::kInfo, "numbers",
        {{"nan", std::nan("")}, {"inf", HUGE_VAL}, {"tiny", 1e-7}, {"negative", std::int64_t{-5}}});
  });

  ASSERT_EQ(lines.size(), 1U);
  const json::object line = ParseLine(lines[0]);
  EXPECT_TRUE(line.at("nan").is_null());
  EXPECT_TRUE(line.at("inf").is_null());
  EXPECT_DOUBLE_EQ(line.at("tiny").as_double(), 1e-7);
  EXPECT_EQ(line.at("negative").as_int64(), -5);
}

TEST(Log, WritesEachLevelUnderItsName) {
  InitLogging(LogLevel::kDebug, LogFormat::kJson);
  const auto lines = Capture([] {
    Log(LogLevel::kDebug, "one");
    Log(LogLevel::kInfo, "two");
    Log(LogLevel::kWarn, "three");
    Log(LogLevel::kError, "four");
  });

  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(ParseLine(lines[0]).at("level"), "debug");
  EXPECT_EQ(ParseLine(lines[1]).at("level"), "info");
  EXPECT_EQ(ParseLine(lines[2]).at("level"), "warn");
  EXPECT_EQ(ParseLine(lines[3]).at("level"), "error");
}

TEST(Log, SkipsLinesBelowTheConfiguredLevel) {
  InitLogging(LogLevel::kWarn, LogFormat::kJson);
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarn));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));

  const auto lines = Capture([] {
    Log(LogLevel::kInfo, "hidden");
    Log(LogLevel::kError, "shown");
  });
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(ParseLine(lines[0]).at("msg"), "shown");
}

TEST(Log, TextFormatIsOneReadableLine) {
  InitLogging(LogLevel::kInfo, LogFormat::kText);
  const auto lines = Capture([] {
    Log(LogLevel::kWarn, "server started",
        {{"listen", "127.0.0.1:8080"},
         {"threads", 2},
         {"note", "two words"},
         {"empty", ""},
         {"ok", false}});
  });

  ASSERT_EQ(lines.size(), 1U);
  const std::regex expected(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z )"
                            R"(warn  server started listen=127\.0\.0\.1:8080 )"
                            R"(threads=2 note="two words" empty="" ok=false)");
  EXPECT_TRUE(std::regex_match(lines[0], expected)) << lines[0];
}

TEST(Log, TextFormatEscapesLineBreaks) {
  InitLogging(LogLevel::kInfo, LogFormat::kText);
  const auto lines = Capture([] { Log(LogLevel::kInfo, "a\nb", {{"error", "x\ny"}}); });

  ASSERT_EQ(lines.size(), 1U);
  EXPECT_NE(lines[0].find(R"(a\nb error="x\ny")"), std::string::npos) << lines[0];
}

TEST(Log, FlushWritesEveryLineFromManyThreads) {
  InitLogging(LogLevel::kInfo, LogFormat::kJson);
  constexpr int kThreads = 4;
  constexpr int kLinesPerThread = 900;  // 3600 lines fit the queue: none may be dropped
  const auto lines = Capture([] {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLinesPerThread; ++i) {
          Log(LogLevel::kInfo, "request", {{"thread", t}, {"index", i}});
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
  });

  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesPerThread));
  std::vector<int> next(kThreads, 0);
  for (const std::string& text : lines) {
    const json::object line = ParseLine(text);
    const auto thread = static_cast<int>(line.at("thread").as_int64());
    EXPECT_EQ(line.at("index").as_int64(), next[thread]++) << "lines of one thread stay in order";
  }
}

// With stdout stuck (a pipe nobody reads), logging must keep returning: lines are dropped and
// the number dropped is reported once output flows again.
TEST(Log, FullQueueDropsLinesInsteadOfBlockingTheCaller) {
  InitLogging(LogLevel::kInfo, LogFormat::kJson);
  std::fflush(stdout);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const int saved_stdout = dup(STDOUT_FILENO);
  ASSERT_EQ(dup2(pipe_fds[1], STDOUT_FILENO), STDOUT_FILENO);

  constexpr int kLines = 40000;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < kLines; ++i) {
      Log(LogLevel::kInfo, "request", {{"index", i}, {"padding", std::string(100, 'x')}});
    }
    done = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const bool finished_while_stuck = done;

  // Unblock the logging thread, collect everything, then restore stdout.
  std::string output;
  std::thread reader([&] {
    char buffer[65536];
    ssize_t n = 0;
    while ((n = read(pipe_fds[0], buffer, sizeof(buffer))) > 0) {
      output.append(buffer, static_cast<std::size_t>(n));
    }
  });
  writer.join();
  FlushLogs();
  std::fflush(stdout);
  dup2(saved_stdout, STDOUT_FILENO);
  close(saved_stdout);
  close(pipe_fds[1]);
  reader.join();
  close(pipe_fds[0]);

  EXPECT_TRUE(finished_while_stuck) << "Log blocked while stdout was not read";
  const auto lines = Lines(output);
  EXPECT_LT(lines.size(), static_cast<std::size_t>(kLines));
  bool reported = false;
  for (const std::string& text : lines) {
    const json::object line = ParseLine(text);
    if (line.at("msg") == "log lines dropped") {
      reported = true;
      EXPECT_EQ(line.at("level"), "warn");
      EXPECT_GT(line.at("count").as_int64(), 0);
    }
  }
  EXPECT_TRUE(reported);
}

TEST(Log, AClosedStdoutCostsLinesNotTheProcess) {
  InitLogging(LogLevel::kInfo, LogFormat::kJson);
  std::fflush(stdout);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  close(pipe_fds[0]);
  const int saved_stdout = dup(STDOUT_FILENO);
  ASSERT_EQ(dup2(pipe_fds[1], STDOUT_FILENO), STDOUT_FILENO);
  close(pipe_fds[1]);

  Log(LogLevel::kInfo, "nobody reads this");
  FlushLogs();
  std::fflush(stdout);
  clearerr(stdout);
  dup2(saved_stdout, STDOUT_FILENO);
  close(saved_stdout);

  const auto lines = Capture([] { Log(LogLevel::kInfo, "still alive"); });
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(ParseLine(lines[0]).at("msg"), "still alive");
}

}  // namespace
}  // namespace hello::observability
