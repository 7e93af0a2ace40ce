// Runs the server binary as a child process and collects its output.
// The child writes into an unlinked temporary file rather than a pipe: a pipe nobody drains
// fills up after a few hundred access-log lines and would stall the server under test.

#include "support/server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#ifndef HELLO_BINARY_PATH
#define HELLO_BINARY_PATH "hello-birthday"
#endif

namespace hello::testing {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(5);

// PATH, TZ and HOME from the test's own environment, then the defaults, then the caller's.
std::map<std::string, std::string> ChildEnvironment(const ServerOptions& options) {
  std::map<std::string, std::string> env;
  for (const char* name : {"PATH", "TZ", "HOME"}) {
    if (const char* value = std::getenv(name)) {
      env[name] = value;
    }
  }
  env["HELLO_LISTEN"] = "127.0.0.1:0";
  env["HELLO_LOG_FORMAT"] = "json";
  for (const auto& [name, value] : options.env) {
    env[name] = value;
  }
  return env;
}

// The port of the first `"msg":"listening"` line, or 0 when there is none yet.
std::uint16_t FindListeningPort(const std::string& output) {
  std::size_t line_start = 0;
  while (line_start < output.size()) {
    const std::size_t line_end = output.find('\n', line_start);
    if (line_end == std::string::npos) {
      return 0;  // an incomplete line may still be being written
    }
    const std::string line = output.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (line.find("\"msg\":\"listening\"") == std::string::npos) {
      continue;
    }
    const std::size_t key = line.find("\"port\":");
    if (key == std::string::npos) {
      continue;
    }
    const long port = std::strtol(line.c_str() + key + 7, nullptr, 10);
    if (port > 0 && port < 65536) {
      return static_cast<std::uint16_t>(port);
    }
  }
  return 0;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return -1;
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
  if (options_.binary.empty()) {
    options_.binary = HELLO_BINARY_PATH;
  }

  // One file, two descriptors: the child appends through its own, we read through ours.
  char path[] = "/tmp/hello-server-output-XXXXXX";
  const int write_fd = ::mkstemp(path);
  if (write_fd < 0) {
    throw std::runtime_error(std::string("mkstemp: ") + std::strerror(errno));
  }
  output_fd_ = ::open(path, O_RDONLY | O_CLOEXEC);
  ::unlink(path);
  if (output_fd_ < 0) {
    ::close(write_fd);
    throw std::runtime_error(std::string("open output: ") + std::strerror(errno));
  }

  // Build argv and envp before fork: the child may only call async-signal-safe functions.
  std::vector<std::string> arg_strings{options_.binary};
  arg_strings.insert(arg_strings.end(), options_.args.begin(), options_.args.end());
  std::vector<char*> argv;
  for (auto& arg : arg_strings) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : ChildEnvironment(options_)) {
    env_strings.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (auto& entry : env_strings) {
    envp.push_back(entry.data());
  }
  envp.push_back(nullptr);

  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(write_fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    // The server must not outlive a crashed test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    ::dup2(write_fd, STDOUT_FILENO);
    ::dup2(write_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(write_fd);

  if (!options_.wait_until_listening) {
    return;
  }

  // Wait for the "listening" line, which carries the port actually bound.
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    ReadAvailable();
    port_ = FindListeningPort(output_);
    if (port_ != 0) {
      return;
    }
    if (!Running()) {
      throw std::runtime_error("server exited with " + std::to_string(exit_status_) +
                               " before listening; output:\n" + output_);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  throw std::runtime_error("server did not log \"listening\" in time; output:\n" + output_);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (output_fd_ >= 0) {
    ::close(output_fd_);
  }
}

void ServerProcess::Signal(int signal_number) {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, signal_number);
  }
}

int ServerProcess::WaitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return -1;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return exit_status_;
}

bool ServerProcess::Running() {
  if (pid_ <= 0 || exited_) {
    return false;
  }
  int status = 0;
  const pid_t result = ::waitpid(pid_, &status, WNOHANG);
  if (result == pid_) {
    exited_ = true;
    exit_status_ = DecodeStatus(status);
    return false;
  }
  return result == 0;
}

std::string ServerProcess::Output() {
  ReadAvailable();
  return output_;
}

void ServerProcess::ReadAvailable() {
  char chunk[8192];
  for (;;) {
    const ssize_t n = ::read(output_fd_, chunk, sizeof chunk);
    if (n > 0) {
      output_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return;  // end of what was written so far
  }
}

}  // namespace hello::testing
