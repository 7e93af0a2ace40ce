// Durability on the real binary: SIGKILL straight after a burst of concurrent PUTs; after a
// restart on the same SQLite file every acknowledged write is there with its date.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace hello::testing {
namespace {

using namespace std::chrono_literals;
using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr int kClients = 8;
constexpr int kPutsPerClient = 50;
// The kill comes while the burst is still running, so some PUTs are cut off mid-flight.
constexpr int kKillAfterAcknowledged = kClients * kPutsPerClient * 3 / 4;

// Names are letters only: "Dur" then the index written in base 26.
std::string NameFor(int index) {
  std::string name = "Dur";
  do {
    name += static_cast<char>('a' + index % 26);
    index /= 26;
  } while (index > 0);
  return name;
}

// Dates in 1990 (not a leap year), so no birthday falls on 29 February.
year_month_day DateFor(int index) {
  return year_month_day{sys_days{std::chrono::year{1990} / 1 / 1} + days{(index * 37) % 365}};
}

std::string Format(year_month_day date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

// The greeting the service must give today for this name and date of birth.
std::string ExpectedMessage(const std::string& name, year_month_day birth) {
  const year_month_day today{std::chrono::floor<days>(std::chrono::system_clock::now())};
  year_month_day next{today.year(), birth.month(), birth.day()};
  if (sys_days{next} < sys_days{today}) {
    next = year_month_day{today.year() + std::chrono::years{1}, birth.month(), birth.day()};
  }
  const auto count = (sys_days{next} - sys_days{today}).count();
  if (count == 0) {
    return "Hello, " + name + "! Happy birthday!";
  }
  return "Hello, " + name + "! Your birthday is in " + std::to_string(count) +
         (count == 1 ? " day" : " days");
}

TEST(Durability, EveryAcknowledgedPutSurvivesSigkill) {
  std::mt19937_64 random{std::random_device{}()};
  const auto directory =
      std::filesystem::temp_directory_path() / ("hello-durability-" + std::to_string(random()));
  std::filesystem::create_directories(directory);
  ServerOptions options;
  options.env = {{"HELLO_DATABASE_URL", "sqlite:" + (directory / "hello.db").string()}};

  // The burst: concurrent keep-alive clients; the server is killed while they still send.
  std::mutex mutex;
  std::vector<int> acknowledged;
  {
    ServerProcess server(options);
    std::atomic<int> count{0};
    std::vector<std::thread> clients;
    for (int client = 0; client < kClients; ++client) {
      clients.emplace_back([&, client] {
        HttpConnection connection(server.Port());
        for (int i = 0; i < kPutsPerClient; ++i) {
          const int index = client * kPutsPerClient + i;
          const auto response =
              connection.Request("PUT", "/hello/" + NameFor(index),
                                 R"({"dateOfBirth":")" + Format(DateFor(index)) + R"("})",
                                 {{"Content-Type", "application/json"}});
          if (!response) {
            return;  // killed
          }
          if (response->status == 204) {
            std::lock_guard lock(mutex);
            acknowledged.push_back(index);
          }
          ++count;
        }
      });
    }
    while (count < kKillAfterAcknowledged && server.Running()) {
      std::this_thread::sleep_for(1ms);
    }
    server.Signal(SIGKILL);
    EXPECT_EQ(server.WaitForExit(5s), 128 + SIGKILL);
    for (auto& thread : clients) {
      thread.join();
    }
  }
  ASSERT_GE(static_cast<int>(acknowledged.size()), kKillAfterAcknowledged);

  // After a restart, each acknowledged write reads back with its own date.
  ServerProcess restarted(options);
  HttpConnection connection(restarted.Port());
  int missing = 0;
  for (const int index : acknowledged) {
    const auto response = connection.Request("GET", "/hello/" + NameFor(index));
    ASSERT_TRUE(response.has_value());
    if (response->status != 200) {
      ++missing;
      continue;
    }
    EXPECT_NE(response->body.find(ExpectedMessage(NameFor(index), DateFor(index))),
              std::string::npos)
        << response->body;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged writes";
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace hello::testing
