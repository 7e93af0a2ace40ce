// Start-up order, the I/O threads and the shutdown sequence of the server process.

#include "app/application.hpp"

#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <exception>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "domain/calendar.hpp"
#include "http/api.hpp"
#include "observability/instrumented_store.hpp"
#include "observability/log.hpp"
#include "observability/metrics.hpp"
#include "storage/store_factory.hpp"

namespace hello::app {
namespace {

namespace asio = boost::asio;
using namespace boost::asio::experimental::awaitable_operators;
using observability::Log;
using observability::LogLevel;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// After a forced close, how long sessions get to unwind before the loop stops.
constexpr auto kForcedCloseGrace = std::chrono::milliseconds(1000);

// Each connection holds a descriptor; the usual soft limit of 1024 would cap connections far
// below max_connections while the hard limit allows more.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::string_view SignalName(int signal_number) {
  switch (signal_number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "other";
  }
}

std::int64_t Milliseconds(std::chrono::milliseconds value) { return value.count(); }

}  // namespace

Application::Application(config::Config config)
    : config_(std::move(config)),
      io_context_(static_cast<int>(std::max<std::size_t>(1, config_.server.io_threads))),
      signals_(io_context_, SIGINT, SIGTERM) {}

int Application::Run() {
  RaiseOpenFileLimit();

  // Domain, metrics and storage first: the listener opens only when requests can be served.
  auto calendar = domain::Calendar::Create(config_.time_zone);
  if (!calendar) {
    Log(LogLevel::kError, "invalid configuration",
        {{"setting", "HELLO_TIMEZONE"}, {"error", calendar.error()}});
    return 2;
  }
  observability::Metrics metrics;
  storage::StoreOptions store_options = config_.storage;
  store_options.metrics = &metrics;  // adapters' own families, e.g. the PostgreSQL pool
  auto opened = storage::OpenUserStore(store_options, io_context_.get_executor());
  if (!opened) {
    Log(LogLevel::kError, "storage unavailable", {{"error", opened.error()}});
    return 1;
  }
  auto store = observability::InstrumentStore(std::move(*opened), metrics);

  // The API and the server.
  http::ServiceState state;
  http::Api api(*store, *calendar, metrics, state);
  http::Server server(io_context_, config_.server, api, metrics, state);
  const auto endpoint = server.Listen();
  if (!endpoint) {
    Log(LogLevel::kError, "listen failed", {{"error", endpoint.error()}});
    store->Close();
    return 1;
  }
  Log(LogLevel::kInfo, "listening",
      {{"address", endpoint->address().to_string()},
       {"port", static_cast<unsigned>(endpoint->port())}});
  server.Start();

  // Serve until Lifecycle() stops the loop.
  asio::co_spawn(io_context_, Lifecycle(server, state), [](std::exception_ptr exception) {
    if (exception) {
      Log(LogLevel::kError, "shutdown sequence failed", {{"error", "unexpected exception"}});
    }
  });
  RunIoThreads();

  // No request is running any more: storage can finish its writes and close.
  store->Close();
  Log(LogLevel::kInfo, "stopped", {{"exit_code", exit_code_}});
  return exit_code_;
}

asio::awaitable<void> Application::Lifecycle(http::Server& server, http::ServiceState& state) {
  const auto& config = config_.server;
  auto [error, signal_number] = co_await signals_.async_wait(kUseTuple);
  if (error) {
    co_return;
  }

  // Readiness fails at once; serving goes on so that load balancers can take the instance
  // out of rotation without a client seeing a refused connection.
  Log(LogLevel::kInfo, "draining",
      {{"signal", SignalName(signal_number)},
       {"drain_period_ms", Milliseconds(config.drain_period)},
       {"shutdown_timeout_ms", Milliseconds(config.shutdown_timeout)},
       {"open_connections", server.OpenConnections()}});
  state.StartDraining();
  asio::steady_timer drain_timer(io_context_, config.drain_period);
  co_await (drain_timer.async_wait(kUseTuple) || signals_.async_wait(kUseTuple));

  // Stop accepting, close idle connections, let requests in flight finish.
  Log(LogLevel::kInfo, "stopping", {{"open_connections", server.OpenConnections()}});
  server.Shutdown();
  if (!co_await server.WaitForConnections(config.shutdown_timeout)) {
    const std::size_t cut_off = server.CloseAll();
    Log(cut_off > 0 ? LogLevel::kError : LogLevel::kWarn, "shutdown timed out",
        {{"open_connections", server.OpenConnections()}, {"requests_cut_off", cut_off}});
    if (cut_off > 0) {
      exit_code_ = 1;
    }
    co_await server.WaitForConnections(kForcedCloseGrace);
  }

  // Adapters may keep background work on the context; nothing needs it any more.
  io_context_.stop();
}

void Application::RunIoThreads() {
  const auto run = [this] {
    // Handlers do not throw; should one, log it and keep the thread serving.
    for (;;) {
      try {
        io_context_.run();
        return;
      } catch (const std::exception& exception) {
        Log(LogLevel::kError, "unexpected exception on an I/O thread",
            {{"error", typeid(exception).name()}});
      }
    }
  };
  std::vector<std::thread> threads;
  const std::size_t count = std::max<std::size_t>(1, config_.server.io_threads);
  threads.reserve(count - 1);
  for (std::size_t i = 1; i < count; ++i) {
    threads.emplace_back(run);
  }
  run();
  for (auto& thread : threads) {
    thread.join();
  }
}

}  // namespace hello::app
