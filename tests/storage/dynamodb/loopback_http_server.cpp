// Blocking sockets and one thread per connection: simple, and plenty for a test's load.

#include "loopback_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace hello::testing {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

bool SendAll(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string CapturedRequest::Header(const std::string& name) const {
  const std::string wanted = Lower(name);
  for (const auto& [key, value] : header_lines) {
    if (Lower(key) == wanted) {
      return value;
    }
  }
  return {};
}

namespace {

// Reads one request (head, then a Content-Length body) from `buffer` and the socket;
// std::nullopt when the peer closed the connection first.
std::optional<CapturedRequest> ReadRequest(int fd, std::string& buffer) {
  char chunk[4096];
  const auto read_more = [&]() {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  };

  std::size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!read_more()) {
      return std::nullopt;
    }
  }
  CapturedRequest request;
  const std::string head = buffer.substr(0, head_end);
  buffer.erase(0, head_end + 4);
  std::size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const std::size_t space1 = request_line.find(' ');
  const std::size_t space2 = request_line.find(' ', space1 + 1);
  request.method = request_line.substr(0, space1);
  request.target = request_line.substr(space1 + 1, space2 - space1 - 1);
  std::size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    line_end = head.find("\r\n", pos);
    const std::string line =
        head.substr(pos, line_end == std::string::npos ? std::string::npos : line_end - pos);
    pos = line_end == std::string::npos ? head.size() : line_end + 2;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    request.header_lines.emplace_back(line.substr(0, colon), value);
  }

  // Body: Content-Length only (the clients under test never send chunked bodies).
  const std::string length_text = request.Header("content-length");
  const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
  while (buffer.size() < length) {
    if (!read_more()) {
      return std::nullopt;
    }
  }
  request.body = buffer.substr(0, length);
  buffer.erase(0, length);
  request.received_at = std::chrono::steady_clock::now();
  return request;
}

}  // namespace

LoopbackHttpServer::LoopbackHttpServer(Handler handler, std::uint16_t port)
    : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    const std::string error = std::strerror(errno);
    ::close(listen_fd_);
    throw std::runtime_error("bind/listen on 127.0.0.1: " + error);
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

LoopbackHttpServer::~LoopbackHttpServer() { Stop(); }

void LoopbackHttpServer::Stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  ::shutdown(listen_fd_, SHUT_RDWR);
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (const int fd : open_fds_) {
      ::shutdown(fd, SHUT_RDWR);  // unblocks the connection's read
    }
    threads.swap(threads_);
  }
  for (auto& thread : threads) {
    thread.join();
  }
}

std::vector<CapturedRequest> LoopbackHttpServer::Requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void LoopbackHttpServer::AcceptLoop() {
  while (!stopping_.load()) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      return;  // the listener was shut down
    }
    const std::uint64_t connection = ++connections_;
    std::lock_guard lock(mutex_);
    if (stopping_.load()) {
      ::close(fd);
      return;
    }
    open_fds_.push_back(fd);
    threads_.emplace_back([this, fd, connection] { Serve(fd, connection); });
  }
}

void LoopbackHttpServer::Serve(int fd, std::uint64_t connection) {
  std::string buffer;
  while (!stopping_.load()) {
    std::optional<CapturedRequest> request = ReadRequest(fd, buffer);
    if (!request) {
      break;
    }
    request->connection = connection;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(*request);
    }

    const CannedResponse response = handler_(*request);
    if (response.hang) {
      while (!stopping_.load()) {
        pollfd waiting{fd, POLLIN, 0};
        ::poll(&waiting, 1, 50);
      }
      break;
    }
    if (response.delay.count() > 0) {
      std::this_thread::sleep_for(response.delay);
    }
    const std::string bytes =
        "HTTP/1.1 " + std::to_string(response.status) + " " + ReasonPhrase(response.status) +
        "\r\nContent-Type: " + response.content_type +
        "\r\nContent-Length: " + std::to_string(response.body.size()) + "\r\n\r\n" + response.body;
    if (!SendAll(fd, bytes)) {
      break;
    }
  }
  std::lock_guard lock(mutex_);
  open_fds_.erase(std::remove(open_fds_.begin(), open_fds_.end(), fd), open_fds_.end());
  ::close(fd);
}

}  // namespace hello::testing
