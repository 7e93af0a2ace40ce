#pragma once
// A small blocking HTTP/1.1 client for tests, able to send raw (even malformed) bytes.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace hello::testing {

struct HttpResponse {
  int status = 0;
  std::string reason;
  /// Header names lower-cased; a repeated header keeps its last value.
  std::map<std::string, std::string> headers;
  std::string body;

  std::string Header(const std::string& lower_name) const;
};

/// One TCP connection to 127.0.0.1:port; keeps it open across requests (keep-alive).
class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Sends bytes exactly as given.
  void SendRaw(const std::string& bytes);
  /// Reads one response (Content-Length or chunked body; none for HEAD when head=true).
  /// std::nullopt when the server closed the connection or the timeout passed first.
  std::optional<HttpResponse> ReadResponse(bool head = false);
  /// True when the server has closed the connection (reads EOF within the timeout).
  bool WaitForClose(std::chrono::milliseconds timeout);

  /// Sends a well-formed request and reads its response.
  std::optional<HttpResponse> Request(const std::string& method, const std::string& target,
                                      const std::string& body = "",
                                      const std::map<std::string, std::string>& headers = {});

 private:
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
};

/// Opens a connection, sends one request with "Connection: close", returns the response.
std::optional<HttpResponse> HttpRequest(std::uint16_t port, const std::string& method,
                                        const std::string& target, const std::string& body = "",
                                        const std::map<std::string, std::string>& headers = {});

}  // namespace hello::testing
