// The commands of the real binary: --version, bad settings, migrate, start-up failures and the
// secrets the start-up log must not show.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "support/server_process.hpp"

namespace hello::testing {
namespace {

using namespace std::chrono_literals;

class MainEntryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 random{std::random_device{}()};
    directory_ =
        std::filesystem::temp_directory_path() / ("hello-main-" + std::to_string(random()));
    std::filesystem::create_directories(directory_);
  }

  void TearDown() override { std::filesystem::remove_all(directory_); }

  // Runs the binary to completion; returns its exit code and leaves its output in `output`.
  static int RunCommand(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env, std::string& output) {
    ServerOptions options;
    options.args = args;
    options.env = env;
    options.wait_until_listening = false;
    ServerProcess process(options);
    const int code = process.WaitForExit(10s);
    output = process.Output();
    return code;
  }

  std::filesystem::path directory_;
};

TEST_F(MainEntryTest, VersionGoesToStdoutWithExitZero) {
  std::string output;
  EXPECT_EQ(RunCommand({"--version"}, {}, output), 0);
  EXPECT_NE(output.find("1."), std::string::npos) << output;
}

TEST_F(MainEntryTest, BadSettingExitsTwoNamingIt) {
  std::string output;
  EXPECT_EQ(RunCommand({}, {{"HELLO_IO_THREADS", "many"}}, output), 2);
  EXPECT_NE(output.find("HELLO_IO_THREADS"), std::string::npos) << output;
}

TEST_F(MainEntryTest, MigrateCreatesTheSchemaAndExitsZero) {
  const auto database = directory_ / "migrated.db";
  std::string output;
  EXPECT_EQ(
      RunCommand({"migrate"}, {{"HELLO_DATABASE_URL", "sqlite:" + database.string()}}, output), 0)
      << output;
  EXPECT_TRUE(std::filesystem::exists(database));
  EXPECT_NE(output.find("\"msg\":\"migrated\""), std::string::npos) << output;
}

TEST_F(MainEntryTest, MigrateFailureExitsOne) {
  // A regular file where the database folder should be.
  const auto blocker = directory_ / "file";
  { std::ofstream(blocker) << "x"; }
  std::string output;
  EXPECT_EQ(
      RunCommand({"migrate"}, {{"HELLO_DATABASE_URL", "sqlite:" + (blocker / "hello.db").string()}},
                 output),
      1)
      << output;
  EXPECT_NE(output.find("\"msg\":\"migration failed\""), std::string::npos) << output;
}

TEST_F(MainEntryTest, PortInUseExitsOne) {
  ServerOptions first;
  first.env = {{"HELLO_DATABASE_URL", "sqlite:" + (directory_ / "a.db").string()}};
  ServerProcess running(first);

  std::string output;
  EXPECT_EQ(RunCommand({},
                       {{"HELLO_DATABASE_URL", "sqlite:" + (directory_ / "b.db").string()},
                        {"HELLO_LISTEN", "127.0.0.1:" + std::to_string(running.Port())}},
                       output),
            1)
      << output;
  EXPECT_NE(output.find("\"msg\":\"listen failed\""), std::string::npos) << output;
}

TEST_F(MainEntryTest, StartupLogHidesTheDatabasePassword) {
  // Nothing listens on port 1: storage fails to open, after the start-up line is written.
  std::string output;
  const int code = RunCommand(
      {},
      {{"HELLO_DATABASE_URL", "postgres://hello:s3cretpw@127.0.0.1:1/hello?password=s3cretpw"},
       {"HELLO_DB_TIMEOUT_MS", "500"}},
      output);
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("\"msg\":\"starting\""), std::string::npos) << output;
  EXPECT_NE(output.find("postgres://hello:redacted@127.0.0.1:1/hello"), std::string::npos)
      << output;
  EXPECT_EQ(output.find("s3cretpw"), std::string::npos) << output;
}

}  // namespace
}  // namespace hello::testing
