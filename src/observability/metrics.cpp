// Prometheus metrics of the service on prometheus-cpp core. Per-request series are looked up
// through a small cache so that the hot path takes a shared lock and does not allocate.

#include "observability/metrics.hpp"

#include <dirent.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "build_info.hpp"

namespace hello::observability {
namespace {

// From half a millisecond (a cached read) to five seconds (a storage timeout and more).
const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0};
  return kBuckets;
}

// A client may send any method token; only the standard ones become label values, so a hostile
// client cannot create unbounded series.
std::string_view MethodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kKnown = {
      "GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"};
  for (const std::string_view known : kKnown) {
    if (method == known) {
      return known;
    }
  }
  return "OTHER";
}

// The key of one cached series: two strings and a number (method, route, status or operation,
// backend, outcome). Lookups use the view form, so finding a cached series allocates nothing.
struct SeriesKeyView {
  std::string_view first;
  std::string_view second;
  int number = 0;
};

struct SeriesKey {
  std::string first;
  std::string second;
  int number = 0;

  SeriesKeyView View() const { return {first, second, number}; }
};

struct SeriesKeyHash {
  using is_transparent = void;
  std::size_t operator()(const SeriesKeyView& key) const {
    const std::size_t a = std::hash<std::string_view>{}(key.first);
    const std::size_t b = std::hash<std::string_view>{}(key.second);
    return (a * 31 + b) * 31 + static_cast<std::size_t>(key.number);
  }
  std::size_t operator()(const SeriesKey& key) const { return (*this)(key.View()); }
};

struct SeriesKeyEqual {
  using is_transparent = void;
  static bool Same(const SeriesKeyView& a, const SeriesKeyView& b) {
    return a.number == b.number && a.first == b.first && a.second == b.second;
  }
  bool operator()(const SeriesKeyView& a, const SeriesKey& b) const { return Same(a, b.View()); }
  bool operator()(const SeriesKey& a, const SeriesKeyView& b) const { return Same(a.View(), b); }
  bool operator()(const SeriesKey& a, const SeriesKey& b) const { return Same(a.View(), b.View()); }
};

// Maps a key to the metric objects of its series. The set of series is small and fixed after
// warm-up, so readers share a lock and only a first sighting takes it exclusively.
template <typename Series>
class SeriesCache {
 public:
  template <typename Create>
  Series Find(const SeriesKeyView& key, Create&& create) {
    {
      std::shared_lock lock(mutex_);
      if (const auto it = series_.find(key); it != series_.end()) {
        return it->second;
      }
    }
    std::unique_lock lock(mutex_);
    if (const auto it = series_.find(key); it != series_.end()) {
      return it->second;
    }
    Series series = create();
    series_.emplace(SeriesKey{std::string(key.first), std::string(key.second), key.number}, series);
    return series;
  }

 private:
  std::shared_mutex mutex_;
  std::unordered_map<SeriesKey, Series, SeriesKeyHash, SeriesKeyEqual> series_;
};

struct RequestSeries {
  prometheus::Counter* count = nullptr;
  prometheus::Histogram* duration = nullptr;
};

// Reads a whole small /proc file; empty when it cannot be read.
std::string ReadProcFile(const char* path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Fields of /proc/self/stat after the command name, which may itself contain spaces and ')'.
std::vector<std::string_view> StatFields(std::string_view stat) {
  std::vector<std::string_view> fields;
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos) {
    return fields;
  }
  stat.remove_prefix(close + 1);
  constexpr std::string_view kSpace = " \n";
  while (true) {
    const auto start = stat.find_first_not_of(kSpace);
    if (start == std::string_view::npos) {
      break;
    }
    stat.remove_prefix(start);
    const auto end = std::min(stat.find_first_of(kSpace), stat.size());
    fields.push_back(stat.substr(0, end));
    stat.remove_prefix(end);
  }
  return fields;
}

double FieldNumber(const std::vector<std::string_view>& fields, std::size_t index) {
  unsigned long long value = 0;
  if (index < fields.size()) {
    std::from_chars(fields[index].data(), fields[index].data() + fields[index].size(), value);
  }
  return static_cast<double>(value);
}

// Indexes into StatFields(): field N of proc(5) is at N - 3.
constexpr std::size_t kUtime = 14 - 3;
constexpr std::size_t kStime = 15 - 3;
constexpr std::size_t kStartTime = 22 - 3;
constexpr std::size_t kVirtualSize = 23 - 3;
constexpr std::size_t kResidentPages = 24 - 3;

std::optional<double> BootTimeSeconds() {
  std::istringstream stat(ReadProcFile("/proc/stat"));
  std::string line;
  while (std::getline(stat, line)) {
    if (line.rfind("btime ", 0) == 0) {
      return std::stod(line.substr(6));
    }
  }
  return std::nullopt;
}

double OpenFileDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) {
    return 0;
  }
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') {
      ++count;
    }
  }
  closedir(dir);
  // The directory being listed holds a descriptor of its own.
  return count - 1;
}

prometheus::MetricFamily OneValueFamily(std::string name, std::string help,
                                        prometheus::MetricType type, double value) {
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  return prometheus::MetricFamily{std::move(name), std::move(help), type, {metric}};
}

// The standard process_* families, read from /proc at each scrape.
std::vector<prometheus::MetricFamily> CollectProcess(double start_time_seconds) {
  using prometheus::MetricType;
  const std::string stat = ReadProcFile("/proc/self/stat");
  const std::vector<std::string_view> fields = StatFields(stat);
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_size = static_cast<double>(sysconf(_SC_PAGESIZE));
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);

  std::vector<prometheus::MetricFamily> families;
  families.push_back(OneValueFamily(
      "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
      MetricType::Counter, (FieldNumber(fields, kUtime) + FieldNumber(fields, kStime)) / ticks));
  families.push_back(OneValueFamily("process_resident_memory_bytes",
                                    "Resident memory size in bytes.", MetricType::Gauge,
                                    FieldNumber(fields, kResidentPages) * page_size));
  families.push_back(OneValueFamily("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                                    MetricType::Gauge, FieldNumber(fields, kVirtualSize)));
  families.push_back(OneValueFamily("process_open_fds", "Number of open file descriptors.",
                                    MetricType::Gauge, OpenFileDescriptors()));
  families.push_back(OneValueFamily("process_max_fds", "Maximum number of open file descriptors.",
                                    MetricType::Gauge, static_cast<double>(files.rlim_cur)));
  families.push_back(OneValueFamily("process_start_time_seconds",
                                    "Start time of the process since unix epoch in seconds.",
                                    MetricType::Gauge, start_time_seconds));
  return families;
}

double ProcessStartTimeSeconds() {
  const std::string stat = ReadProcFile("/proc/self/stat");
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const std::optional<double> boot = BootTimeSeconds();
  return boot.value_or(0) + FieldNumber(StatFields(stat), kStartTime) / ticks;
}

}  // namespace

struct Metrics::Impl {
  Impl()
      : requests_total(prometheus::BuildCounter()
                           .Name("http_requests_total")
                           .Help("HTTP requests answered, by method, route template and status.")
                           .Register(registry)),
        request_duration(prometheus::BuildHistogram()
                             .Name("http_request_duration_seconds")
                             .Help("Time from reading a request to writing its response.")
                             .Register(registry)),
        in_flight(prometheus::BuildGauge()
                      .Name("http_requests_in_flight")
                      .Help("HTTP requests being handled.")
                      .Register(registry)
                      .Add({})),
        storage_duration(prometheus::BuildHistogram()
                             .Name("storage_operation_duration_seconds")
                             .Help("Duration of storage calls, by operation, backend and outcome.")
                             .Register(registry)),
        start_time_seconds(ProcessStartTimeSeconds()) {
    prometheus::BuildGauge()
        .Name("hello_build_info")
        .Help("Always 1; the labels name the version and git revision of this build.")
        .Register(registry)
        .Add({{"version", build::kVersion}, {"revision", build::kGitRevision}})
        .Set(1);
  }

  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests_total;
  prometheus::Family<prometheus::Histogram>& request_duration;
  prometheus::Gauge& in_flight;
  prometheus::Family<prometheus::Histogram>& storage_duration;
  const double start_time_seconds;
  SeriesCache<RequestSeries> request_series;
  SeriesCache<prometheus::Histogram*> storage_series;
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}

Metrics::~Metrics() = default;

void Metrics::ObserveRequest(std::string_view method, std::string_view route, int status,
                             double duration_seconds) {
  const std::string_view method_label = MethodLabel(method);
  const RequestSeries series = impl_->request_series.Find({method_label, route, status}, [&] {
    const std::string method_text(method_label);
    const std::string route_text(route);
    return RequestSeries{
        &impl_->requests_total.Add(
            {{"method", method_text}, {"route", route_text}, {"status", std::to_string(status)}}),
        &impl_->request_duration.Add({{"method", method_text}, {"route", route_text}},
                                     DurationBuckets())};
  });
  series.count->Increment();
  series.duration->Observe(duration_seconds);
}

void Metrics::RequestStarted() { impl_->in_flight.Increment(); }

void Metrics::RequestFinished() { impl_->in_flight.Decrement(); }

void Metrics::ObserveStorage(std::string_view operation, std::string_view backend, bool ok,
                             double duration_seconds) {
  prometheus::Histogram* histogram =
      impl_->storage_series.Find({operation, backend, ok ? 1 : 0}, [&] {
        return &impl_->storage_duration.Add({{"operation", std::string(operation)},
                                             {"backend", std::string(backend)},
                                             {"outcome", ok ? "ok" : "error"}},
                                            DurationBuckets());
      });
  histogram->Observe(duration_seconds);
}

prometheus::Registry& Metrics::Registry() { return impl_->registry; }

std::string Metrics::Render() {
  std::vector<prometheus::MetricFamily> families = impl_->registry.Collect();
  for (prometheus::MetricFamily& family : CollectProcess(impl_->start_time_seconds)) {
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace hello::observability
