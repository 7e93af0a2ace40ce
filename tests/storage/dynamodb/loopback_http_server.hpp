#pragma once
// A small HTTP/1.1 server on 127.0.0.1 for the DynamoDB tests: it records every request and
// answers what the test's handler says (a scripted DynamoDB, an ECS credentials endpoint, a
// recording proxy in front of dynalite).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hello::testing {

struct CapturedRequest {
  std::string method;
  std::string target;
  /// In the order received, names as sent.
  std::vector<std::pair<std::string, std::string>> header_lines;
  std::string body;
  std::uint64_t connection = 0;  // 1 for the first accepted connection, 2 for the next, ...
  std::chrono::steady_clock::time_point received_at;

  /// The value of a header (name compared without case), or "" when absent.
  std::string Header(const std::string& name) const;
};

struct CannedResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/x-amz-json-1.0";
  /// Sleep this long before answering.
  std::chrono::milliseconds delay{0};
  /// Never answer; the connection stays open until the server stops.
  bool hang = false;
};

class LoopbackHttpServer {
 public:
  using Handler = std::function<CannedResponse(const CapturedRequest&)>;

  /// Listens on 127.0.0.1 on a free port, or on `port` when it is not 0.
  explicit LoopbackHttpServer(Handler handler, std::uint16_t port = 0);
  ~LoopbackHttpServer();
  LoopbackHttpServer(const LoopbackHttpServer&) = delete;
  LoopbackHttpServer& operator=(const LoopbackHttpServer&) = delete;

  std::uint16_t Port() const { return port_; }
  std::vector<CapturedRequest> Requests() const;
  std::uint64_t Connections() const { return connections_.load(); }
  /// Closes the listener and every connection, and joins the threads.
  void Stop();

 private:
  void AcceptLoop();
  void Serve(int fd, std::uint64_t connection);

  Handler handler_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> connections_{0};
  mutable std::mutex mutex_;
  std::vector<CapturedRequest> requests_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace hello::testing
