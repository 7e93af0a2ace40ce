// A blocking HTTP/1.1 client over a plain socket, lenient enough to observe how the server
// answers malformed input. A connection that cannot be established behaves as one the server
// closed at once: sends are dropped, reads return std::nullopt, WaitForClose returns true.

#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace hello::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) {
    return "";
  }
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

enum class ReadResult { kData, kClosed, kTimeout };

// Appends whatever arrives before `deadline` to `buffer`.
ReadResult ReadSome(int fd, std::string& buffer, Clock::time_point deadline) {
  if (fd < 0) {
    return ReadResult::kClosed;
  }
  for (;;) {
    const auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) {
      return ReadResult::kTimeout;
    }
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(remaining.count()));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      return ready == 0 ? ReadResult::kTimeout : ReadResult::kClosed;
    }
    char chunk[16384];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer.append(chunk, static_cast<std::size_t>(n));
      return ReadResult::kData;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return ReadResult::kClosed;  // EOF or a reset
  }
}

}  // namespace

std::string HttpResponse::Header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpConnection::HttpConnection(std::uint16_t port, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    return;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }

  // Small raw writes (half a header, a slow body) must leave at once.
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

void HttpConnection::SendRaw(const std::string& bytes) {
  std::size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return;  // the server closed; the next read reports it
    }
    sent += static_cast<std::size_t>(n);
  }
}

std::optional<HttpResponse> HttpConnection::ReadResponse(bool head) {
  const auto deadline = Clock::now() + timeout_;

  // Status line and headers.
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (ReadSome(fd_, buffer_, deadline) != ReadResult::kData) {
      return std::nullopt;
    }
  }
  HttpResponse response;
  const std::string head_text = buffer_.substr(0, header_end);
  buffer_.erase(0, header_end + 4);
  std::size_t line_end = head_text.find("\r\n");
  const std::string status_line = head_text.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    return std::nullopt;
  }
  response.status = std::atoi(status_line.c_str() + 9);
  response.reason = status_line.size() > 13 ? status_line.substr(13) : "";
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head_text.find("\r\n", start);
    const std::string line = head_text.substr(start, line_end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      response.headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
    }
  }

  // Body: none, chunked, Content-Length, or everything up to the close.
  const bool no_body =
      head || response.status / 100 == 1 || response.status == 204 || response.status == 304;
  if (no_body) {
    return response;
  }
  if (Lower(response.Header("transfer-encoding")).find("chunked") != std::string::npos) {
    for (;;) {
      std::size_t size_end;
      while ((size_end = buffer_.find("\r\n")) == std::string::npos) {
        if (ReadSome(fd_, buffer_, deadline) != ReadResult::kData) {
          return std::nullopt;
        }
      }
      const std::size_t size = std::strtoul(buffer_.c_str(), nullptr, 16);
      buffer_.erase(0, size_end + 2);
      if (size == 0) {
        // Trailers are not used by the server: expect the final empty line.
        while (buffer_.size() < 2) {
          if (ReadSome(fd_, buffer_, deadline) != ReadResult::kData) {
            return std::nullopt;
          }
        }
        buffer_.erase(0, 2);
        return response;
      }
      while (buffer_.size() < size + 2) {
        if (ReadSome(fd_, buffer_, deadline) != ReadResult::kData) {
          return std::nullopt;
        }
      }
      response.body += buffer_.substr(0, size);
      buffer_.erase(0, size + 2);
    }
  }
  const std::string length_text = response.Header("content-length");
  if (!length_text.empty()) {
    const std::size_t length = std::strtoul(length_text.c_str(), nullptr, 10);
    while (buffer_.size() < length) {
      if (ReadSome(fd_, buffer_, deadline) != ReadResult::kData) {
        return std::nullopt;
      }
    }
    response.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return response;
  }
  for (;;) {
    const ReadResult result = ReadSome(fd_, buffer_, deadline);
    if (result == ReadResult::kTimeout) {
      return std::nullopt;
    }
    if (result == ReadResult::kClosed) {
      response.body = std::move(buffer_);
      buffer_.clear();
      return response;
    }
  }
}

bool HttpConnection::WaitForClose(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    switch (ReadSome(fd_, buffer_, deadline)) {
      case ReadResult::kClosed:
        return true;
      case ReadResult::kTimeout:
        return false;
      case ReadResult::kData:
        break;  // unread response bytes; keep waiting for the end of the stream
    }
  }
}

std::optional<HttpResponse> HttpConnection::Request(
    const std::string& method, const std::string& target, const std::string& body,
    const std::map<std::string, std::string>& headers) {
  std::string request = method + " " + target + " HTTP/1.1\r\n";
  bool has_host = false;
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    const std::string lower = Lower(name);
    has_host = has_host || lower == "host";
    has_length = has_length || lower == "content-length" || lower == "transfer-encoding";
    request += name + ": " + value + "\r\n";
  }
  if (!has_host) {
    request += "Host: 127.0.0.1\r\n";
  }
  if (!has_length && (!body.empty() || method == "PUT" || method == "POST")) {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n";
  request += body;
  SendRaw(request);
  return ReadResponse(method == "HEAD");
}

std::optional<HttpResponse> HttpRequest(std::uint16_t port, const std::string& method,
                                        const std::string& target, const std::string& body,
                                        const std::map<std::string, std::string>& headers) {
  HttpConnection connection(port);
  auto with_close = headers;
  with_close["Connection"] = "close";
  return connection.Request(method, target, body, with_close);
}

}  // namespace hello::testing
