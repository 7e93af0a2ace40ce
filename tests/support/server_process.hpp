#pragma once
// Starts the real hello-birthday binary as a child process on an ephemeral loopback port.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hello::testing {

struct ServerOptions {
  /// Passed to the child on top of a minimal environment (PATH, TZ, HOME). HELLO_LISTEN
  /// defaults to 127.0.0.1:0 and HELLO_LOG_FORMAT to json; the port is read from the
  /// "listening" log line.
  std::map<std::string, std::string> env;
  std::vector<std::string> args;  // extra command-line arguments
  std::string binary;             // defaults to HELLO_BINARY_PATH
  std::chrono::milliseconds start_timeout{10000};
  bool wait_until_listening = true;
};

/// Owns one child process; the destructor kills it (SIGKILL) if it is still running.
/// Everything the child prints on stdout and stderr is kept and can be read with Output().
class ServerProcess {
 public:
  explicit ServerProcess(ServerOptions options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t Port() const { return port_; }
  pid_t Pid() const { return pid_; }

  void Signal(int signal_number);
  /// Waits for the child to exit; returns its exit code, 128+signal when killed, or -1 on
  /// timeout (the child keeps running).
  int WaitForExit(std::chrono::milliseconds timeout);
  bool Running();

  /// Everything the child wrote so far (stdout and stderr interleaved).
  std::string Output();

 private:
  void ReadAvailable();

  ServerOptions options_;
  pid_t pid_ = -1;
  int output_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string output_;
  int exit_status_ = -1;
  bool exited_ = false;
};

}  // namespace hello::testing
