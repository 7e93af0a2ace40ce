// Tests of the Prometheus metrics: request and storage families, build info, process metrics,
// concurrency and the allocation-free hot path.

#include "observability/metrics.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <new>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "build_info.hpp"

namespace {

// Counts heap allocations made by the current thread while counting is on.
thread_local bool g_counting = false;
thread_local std::size_t g_allocations = 0;

}  // namespace

void* operator new(std::size_t size) {
  if (g_counting) {
    ++g_allocations;
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) {
    return memory;
  }
  throw std::bad_alloc();
}

void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace hello::observability {
namespace {

// The value of the sample whose name and labels are exactly `series`, if it is present.
std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

constexpr const char* kRoute = "/hello/{username}";

TEST(Metrics, CountsRequestsByMethodRouteAndStatus) {
  Metrics metrics;
  metrics.ObserveRequest("GET", kRoute, 200, 0.001);
  metrics.ObserveRequest("GET", kRoute, 200, 0.002);
  metrics.ObserveRequest("GET", kRoute, 404, 0.001);
  metrics.ObserveRequest("PUT", kRoute, 204, 0.003);

  const std::string text = metrics.Render();
  EXPECT_EQ(
      Sample(text, R"(http_requests_total{method="GET",route="/hello/{username}",status="200"})"),
      2);
  EXPECT_EQ(
      Sample(text, R"(http_requests_total{method="GET",route="/hello/{username}",status="404"})"),
      1);
  EXPECT_EQ(
      Sample(text, R"(http_requests_total{method="PUT",route="/hello/{username}",status="204"})"),
      1);
  EXPECT_NE(text.find("# TYPE http_requests_total counter"), std::string::npos);
}

TEST(Metrics, RecordsRequestDurationsInBucketsPerMethodAndRoute) {
  Metrics metrics;
  metrics.ObserveRequest("GET", kRoute, 200, 0.0003);
  metrics.ObserveRequest("GET", kRoute, 404, 0.003);
  metrics.ObserveRequest("GET", kRoute, 200, 7.0);

  const std::string text = metrics.Render();
  const std::string prefix =
      R"(http_request_duration_seconds_bucket{method="GET",route="/hello/{username}",le=")";
  EXPECT_EQ(Sample(text, prefix + R"(0.0005"})"), 1);
  EXPECT_EQ(Sample(text, prefix + R"(0.0025"})"), 1);
  EXPECT_EQ(Sample(text, prefix + R"(0.005"})"), 2);
  EXPECT_EQ(Sample(text, prefix + R"(5"})"), 2);
  EXPECT_EQ(Sample(text, prefix + R"(+Inf"})"), 3);
  EXPECT_EQ(
      Sample(text,
             R"(http_request_duration_seconds_count{method="GET",route="/hello/{username}"})"),
      3);
  EXPECT_NEAR(
      *Sample(text, R"(http_request_duration_seconds_sum{method="GET",route="/hello/{username}"})"),
      7.0033, 1e-9);
  EXPECT_NE(text.find("# TYPE http_request_duration_seconds histogram"), std::string::npos);
}

TEST(Metrics, UnknownMethodsShareOneLabelValue) {
  Metrics metrics;
  metrics.ObserveRequest("BREW", kRoute, 405, 0.001);
  metrics.ObserveRequest("X-ANYTHING", kRoute, 405, 0.001);

  const std::string text = metrics.Render();
  EXPECT_EQ(
      Sample(text, R"(http_requests_total{method="OTHER",route="/hello/{username}",status="405"})"),
      2);
  EXPECT_EQ(text.find("BREW"), std::string::npos);
}

TEST(Metrics, TracksRequestsInFlight) {
  Metrics metrics;
  EXPECT_EQ(Sample(metrics.Render(), "http_requests_in_flight"), 0);
  metrics.RequestStarted();
  metrics.RequestStarted();
  metrics.RequestFinished();
  EXPECT_EQ(Sample(metrics.Render(), "http_requests_in_flight"), 1);
}

TEST(Metrics, RecordsStorageDurationsByOperationBackendAndOutcome) {
  Metrics metrics;
  metrics.ObserveStorage("get", "sqlite", true, 0.0002);
  metrics.ObserveStorage("get", "sqlite", true, 0.0004);
  metrics.ObserveStorage("put", "sqlite", false, 2.0);

  const std::string text = metrics.Render();
  const std::string family = "storage_operation_duration_seconds";
  const std::string get_ok = R"({backend="sqlite",operation="get",outcome="ok")";
  const std::string put_error = R"({backend="sqlite",operation="put",outcome="error")";
  const std::string put_ok = R"({backend="sqlite",operation="put",outcome="ok")";
  EXPECT_EQ(Sample(text, family + "_count" + get_ok + "}"), 2);
  EXPECT_EQ(Sample(text, family + "_count" + put_error + "}"), 1);
  EXPECT_EQ(Sample(text, family + "_bucket" + put_error + R"(,le="1"})"), 0);
  EXPECT_EQ(Sample(text, family + "_bucket" + put_error + R"(,le="2.5"})"), 1);
  EXPECT_FALSE(Sample(text, family + "_count" + put_ok + "}"));
}

TEST(Metrics, ExposesBuildInfo) {
  Metrics metrics;
  const std::string series = std::string("hello_build_info{revision=\"") + build::kGitRevision +
                             "\",version=\"" + build::kVersion + "\"}";
  EXPECT_EQ(Sample(metrics.Render(), series), 1) << metrics.Render();
}

TEST(Metrics, ExposesProcessMemoryCpuAndFiles) {
  Metrics metrics;
  const std::string before = metrics.Render();
  const double fds_before = *Sample(before, "process_open_fds");
  const double cpu_before = *Sample(before, "process_cpu_seconds_total");

  // Open three files and burn some CPU, then scrape again.
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) {
    fds.push_back(open("/dev/null", O_RDONLY));
  }
  // Spin until this process has used 100 ms of CPU (wall time varies with the machine's load).
  const auto cpu_now = [] {
    timespec now{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
  };
  const double cpu_start = cpu_now();
  volatile std::uint64_t spin = 0;
  while (cpu_now() - cpu_start < 0.1) {
    spin = spin + 1;
  }
  const std::string after = metrics.Render();
  for (const int fd : fds) {
    close(fd);
  }

  EXPECT_EQ(*Sample(after, "process_open_fds"), fds_before + 3);
  EXPECT_GE(*Sample(after, "process_cpu_seconds_total"), cpu_before + 0.05);
  const double resident = *Sample(after, "process_resident_memory_bytes");
  EXPECT_GT(resident, 1e6);
  EXPECT_GT(*Sample(after, "process_virtual_memory_bytes"), resident);
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  EXPECT_EQ(*Sample(after, "process_max_fds"), static_cast<double>(files.rlim_cur));
  const double start = *Sample(after, "process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 600);
  EXPECT_NE(after.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
}

TEST(Metrics, AdaptersCanRegisterTheirOwnFamilies) {
  Metrics metrics;
  prometheus::BuildCounter()
      .Name("storage_pool_errors_total")
      .Help("test family")
      .Register(metrics.Registry())
      .Add({})
      .Increment(3);
  EXPECT_EQ(Sample(metrics.Render(), "storage_pool_errors_total"), 3);
}

TEST(Metrics, CountsEveryObservationFromConcurrentThreads) {
  Metrics metrics;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kPerThread; ++i) {
        metrics.ObserveRequest(i % 2 ? "GET" : "PUT", kRoute, (t % 2) ? 200 : 204, 0.001);
        metrics.RequestStarted();
        metrics.RequestFinished();
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }

  const std::string text = metrics.Render();
  double total = 0;
  for (const char* method : {"GET", "PUT"}) {
    for (const char* status : {"200", "204"}) {
      total += Sample(text, std::string("http_requests_total{method=\"") + method +
                                "\",route=\"/hello/{username}\",status=\"" + status + "\"}")
                   .value_or(0);
    }
  }
  EXPECT_EQ(total, kThreads * kPerThread);
  EXPECT_EQ(Sample(text, "http_requests_in_flight"), 0);
}

TEST(Metrics, ObservingAKnownSeriesDoesNotAllocate) {
  Metrics metrics;
  metrics.ObserveRequest("GET", kRoute, 200, 0.001);
  metrics.ObserveStorage("get", "sqlite", true, 0.001);

  g_allocations = 0;
  g_counting = true;
  for (int i = 0; i < 1000; ++i) {
    metrics.ObserveRequest("GET", kRoute, 200, 0.001);
    metrics.ObserveStorage("get", "sqlite", true, 0.001);
    metrics.RequestStarted();
    metrics.RequestFinished();
  }
  g_counting = false;
  EXPECT_EQ(g_allocations, 0U);
}

// promtool is the reference parser of the exposition format; it is installed with the test
// tools (scripts/install-deps.sh test).
TEST(Metrics, RenderPassesPromtoolCheck) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (scripts/install-deps.sh test installs it)";
  }
  Metrics metrics;
  metrics.ObserveRequest("GET", kRoute, 200, 0.001);
  metrics.ObserveStorage("put", "sqlite", true, 0.001);
  char path[] = "/tmp/hello-metrics-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string text = metrics.Render();
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);

  const std::string command = std::string("promtool check metrics < ") + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string report;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    report += buffer;
  }
  const int status = pclose(pipe);
  unlink(path);
  EXPECT_EQ(status, 0) << report;
}

}  // namespace
}  // namespace hello::observability
