// libcurl's multi-socket interface on an Asio event loop: libcurl says which sockets to watch
// and when it wants a timeout; Asio waits for readiness and calls libcurl back, all on the
// transport's one thread, so the multi handle needs no lock.

#include "storage/dynamodb/curl_transport.hpp"

#include <curl/curl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace hello::storage::dynamodb {
namespace {

namespace asio = boost::asio;
using Handler = asio::any_completion_handler<void(HttpResult)>;

void InitCurlOnce() {
  // curl_global_init is not thread-safe in every build; a function-local static runs it once.
  static const CURLcode result = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (result != CURLE_OK) {
    throw std::runtime_error(std::string("curl_global_init: ") + curl_easy_strerror(result));
  }
}

TransportError StoppedError() { return TransportError{0, false, "http transport stopped"}; }

}  // namespace

class CurlTransport::Impl {
 public:
  explicit Impl(Options options);
  ~Impl();

  void Start(HttpRequest request, Handler handler, asio::any_io_executor caller);
  void Stop();

 private:
  // A descriptor libcurl asked us to watch. `owned` ones were opened through our
  // CURLOPT_OPENSOCKETFUNCTION and are closed by us; others (the threaded resolver's wake-up
  // pipe) belong to libcurl, which may close them before it says it no longer needs them.
  struct Socket {
    explicit Socket(asio::io_context& io) : descriptor(io) {}
    asio::posix::stream_descriptor descriptor;
    int wanted = 0;  // CURL_POLL_IN / CURL_POLL_OUT bits
    bool read_pending = false;
    bool write_pending = false;
    bool owned = false;
    bool closed = false;
  };

  struct Transfer {
    // The handler is move-constructed, never move-assigned: Boost 1.81's
    // any_completion_handler move assignment recurses without end.
    explicit Transfer(Handler completion) : handler(std::move(completion)) {}
    ~Transfer() {
      if (headers != nullptr) {
        curl_slist_free_all(headers);
      }
      if (easy != nullptr) {
        curl_easy_cleanup(easy);
      }
    }
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    HttpRequest request;
    std::string response;
    std::size_t max_response_bytes = 0;
    Handler handler;
    asio::any_io_executor caller;  // tracks work, so the caller's context waits for us
    char error[CURL_ERROR_SIZE] = {};
  };

  static int OnSocket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int OnTimer(CURLM* multi, long timeout_ms, void* self);
  static curl_socket_t OnOpenSocket(void* self, curlsocktype purpose, curl_sockaddr* address);
  static int OnCloseSocket(void* self, curl_socket_t fd);
  static std::size_t OnData(char* data, std::size_t size, std::size_t count, void* transfer);

  void Add(std::unique_ptr<Transfer> transfer);
  CURLcode Configure(Transfer& transfer);
  void Watch(curl_socket_t fd, int what);
  void Arm(const std::shared_ptr<Socket>& socket, curl_socket_t fd);
  void OnReady(const std::shared_ptr<Socket>& socket, curl_socket_t fd, int direction,
               boost::system::error_code ec);
  void SetTimer(long timeout_ms);
  curl_socket_t OpenSocket(curlsocktype purpose, const curl_sockaddr& address);
  int CloseSocket(curl_socket_t fd);
  void Forget(curl_socket_t fd);
  void CollectFinished();
  void Complete(std::unique_ptr<Transfer> transfer, HttpResult result);
  void Shutdown();

  Options options_;
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer timer_;
  CURLM* multi_ = nullptr;
  std::unordered_map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers_;
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

CurlTransport::Impl::Impl(Options options)
    : options_(options), work_(io_.get_executor()), timer_(io_) {
  InitCurlOnce();
  multi_ = curl_multi_init();
  if (multi_ == nullptr) {
    throw std::runtime_error("curl_multi_init failed");
  }
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &Impl::OnSocket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &Impl::OnTimer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  const long connections =
      static_cast<long>(std::max<std::size_t>(1, options_.max_host_connections));
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  // Keep every connection of the per-host limit (plus the credentials endpoint's) for reuse.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, connections + 2);
  thread_ = std::thread([this] { io_.run(); });
}

CurlTransport::Impl::~Impl() {
  Stop();
  if (multi_ != nullptr) {
    curl_multi_cleanup(multi_);
  }
}

void CurlTransport::Impl::Start(HttpRequest request, Handler handler,
                                asio::any_io_executor caller) {
  auto transfer = std::make_unique<Transfer>(std::move(handler));
  transfer->request = std::move(request);
  transfer->max_response_bytes = options_.max_response_bytes;
  transfer->caller = asio::prefer(caller, asio::execution::outstanding_work.tracked);
  if (stopped_.load()) {
    Complete(std::move(transfer), MakeUnexpected(StoppedError()));
    return;
  }
  asio::post(io_, [this, transfer = std::move(transfer)]() mutable { Add(std::move(transfer)); });
}

void CurlTransport::Impl::Stop() {
  if (stopped_.exchange(true)) {
    return;
  }
  asio::post(io_, [this] { Shutdown(); });
  if (thread_.joinable()) {
    thread_.join();
  }
}

void CurlTransport::Impl::Add(std::unique_ptr<Transfer> transfer) {
  if (multi_ == nullptr) {
    Complete(std::move(transfer), MakeUnexpected(StoppedError()));
    return;
  }
  const CURLcode configured = Configure(*transfer);
  if (configured != CURLE_OK) {
    Complete(std::move(transfer),
             MakeUnexpected(TransportError{configured, false, curl_easy_strerror(configured)}));
    return;
  }
  const CURLMcode added = curl_multi_add_handle(multi_, transfer->easy);
  if (added != CURLM_OK) {
    Complete(std::move(transfer),
             MakeUnexpected(TransportError{0, false, curl_multi_strerror(added)}));
    return;
  }
  CURL* easy = transfer->easy;
  transfers_.emplace(easy, std::move(transfer));
}

CURLcode CurlTransport::Impl::Configure(Transfer& transfer) {
  transfer.easy = curl_easy_init();
  if (transfer.easy == nullptr) {
    return CURLE_OUT_OF_MEMORY;
  }
  CURL* easy = transfer.easy;
  const HttpRequest& request = transfer.request;
  CURLcode rc = CURLE_OK;
  const auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) {
      rc = curl_easy_setopt(easy, option, value);
    }
  };

  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, request.timeout.count())));
  set(CURLOPT_ERRORBUFFER, transfer.error);
  set(CURLOPT_PRIVATE, static_cast<void*>(&transfer));
  set(CURLOPT_WRITEFUNCTION, &Impl::OnData);
  set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
  set(CURLOPT_OPENSOCKETFUNCTION, &Impl::OnOpenSocket);
  set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(this));
  set(CURLOPT_CLOSESOCKETFUNCTION, &Impl::OnCloseSocket);
  set(CURLOPT_CLOSESOCKETDATA, static_cast<void*>(this));
  set(CURLOPT_USERAGENT, "hello-birthday");

  if (request.method == HttpRequest::Method::kPost) {
    set(CURLOPT_POST, 1L);
    set(CURLOPT_POSTFIELDS, request.body.data());
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }

  // Headers go in as given and nothing else: libcurl's SigV4 signs every header set here,
  // including removal lines such as "Expect:" that are never sent, which AWS would reject.
  // (libcurl 7.88 adds no Expect header to bodies under 1 MiB, and DynamoDB's are smaller.)
  for (const std::string& header : request.headers) {
    curl_slist* appended = curl_slist_append(transfer.headers, header.c_str());
    if (appended == nullptr) {
      return CURLE_OUT_OF_MEMORY;
    }
    transfer.headers = appended;
  }
  set(CURLOPT_HTTPHEADER, transfer.headers);

  if (request.sigv4) {
    set(CURLOPT_AWS_SIGV4, request.sigv4->provider.c_str());
    set(CURLOPT_USERNAME, request.sigv4->access_key_id.c_str());
    set(CURLOPT_PASSWORD, request.sigv4->secret_access_key.c_str());
  }
  return rc;
}

int CurlTransport::Impl::OnSocket(CURL* /*easy*/, curl_socket_t fd, int what, void* self,
                                  void* /*socketp*/) {
  static_cast<Impl*>(self)->Watch(fd, what);
  return 0;
}

int CurlTransport::Impl::OnTimer(CURLM* /*multi*/, long timeout_ms, void* self) {
  static_cast<Impl*>(self)->SetTimer(timeout_ms);
  return 0;
}

curl_socket_t CurlTransport::Impl::OnOpenSocket(void* self, curlsocktype purpose,
                                                curl_sockaddr* address) {
  return static_cast<Impl*>(self)->OpenSocket(purpose, *address);
}

int CurlTransport::Impl::OnCloseSocket(void* self, curl_socket_t fd) {
  return static_cast<Impl*>(self)->CloseSocket(fd);
}

std::size_t CurlTransport::Impl::OnData(char* data, std::size_t size, std::size_t count,
                                        void* transfer_ptr) {
  auto* transfer = static_cast<Transfer*>(transfer_ptr);
  const std::size_t bytes = size * count;
  if (transfer->response.size() + bytes > transfer->max_response_bytes) {
    return 0;  // libcurl fails the transfer with CURLE_WRITE_ERROR
  }
  transfer->response.append(data, bytes);
  return bytes;
}

void CurlTransport::Impl::Watch(curl_socket_t fd, int what) {
  auto it = sockets_.find(fd);
  if (what == CURL_POLL_REMOVE) {
    if (it == sockets_.end()) {
      return;
    }
    it->second->wanted = 0;
    // libcurl may already have closed its own descriptor; drop it before the number is reused.
    if (!it->second->owned) {
      Forget(fd);
    }
    return;
  }

  if (it == sockets_.end()) {
    auto socket = std::make_shared<Socket>(io_);
    boost::system::error_code ec;
    socket->descriptor.assign(fd, ec);
    if (ec) {
      return;  // libcurl times the transfer out; nothing else can watch this descriptor
    }
    it = sockets_.emplace(fd, std::move(socket)).first;
  }
  it->second->wanted = what;
  Arm(it->second, fd);
}

void CurlTransport::Impl::Arm(const std::shared_ptr<Socket>& socket, curl_socket_t fd) {
  using Wait = asio::posix::descriptor_base::wait_type;
  if ((socket->wanted & CURL_POLL_IN) != 0 && !socket->read_pending) {
    socket->read_pending = true;
    socket->descriptor.async_wait(Wait::wait_read,
                                  [this, socket, fd](boost::system::error_code ec) {
                                    OnReady(socket, fd, CURL_POLL_IN, ec);
                                  });
  }
  if ((socket->wanted & CURL_POLL_OUT) != 0 && !socket->write_pending) {
    socket->write_pending = true;
    socket->descriptor.async_wait(Wait::wait_write,
                                  [this, socket, fd](boost::system::error_code ec) {
                                    OnReady(socket, fd, CURL_POLL_OUT, ec);
                                  });
  }
}

void CurlTransport::Impl::OnReady(const std::shared_ptr<Socket>& socket, curl_socket_t fd,
                                  int direction, boost::system::error_code ec) {
  (direction == CURL_POLL_IN ? socket->read_pending : socket->write_pending) = false;
  if (socket->closed || multi_ == nullptr) {
    return;
  }

  // A wait that fired after libcurl lost interest in this direction is dropped.
  if (ec != asio::error::operation_aborted && (socket->wanted & direction) != 0) {
    int flags = direction == CURL_POLL_IN ? CURL_CSELECT_IN : CURL_CSELECT_OUT;
    if (ec) {
      flags = CURL_CSELECT_ERR;
    }
    int running = 0;
    curl_multi_socket_action(multi_, fd, flags, &running);
    CollectFinished();
  }

  // libcurl may have closed the socket or changed what it waits for during the call.
  if (!socket->closed) {
    Arm(socket, fd);
  }
}

void CurlTransport::Impl::SetTimer(long timeout_ms) {
  if (timeout_ms < 0) {
    timer_.cancel();
    return;
  }
  // libcurl must not be re-entered from its own callback, so even 0 ms goes through the loop.
  timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || multi_ == nullptr) {
      return;
    }
    int running = 0;
    curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    CollectFinished();
  });
}

curl_socket_t CurlTransport::Impl::OpenSocket(curlsocktype purpose, const curl_sockaddr& address) {
  if (purpose != CURLSOCKTYPE_IPCXN) {
    return CURL_SOCKET_BAD;
  }
  const int fd = ::socket(address.family, address.socktype | SOCK_CLOEXEC, address.protocol);
  if (fd < 0) {
    return CURL_SOCKET_BAD;
  }
  // The number may belong to a descriptor libcurl closed itself without telling us yet.
  if (sockets_.contains(fd)) {
    Forget(fd);
  }
  auto socket = std::make_shared<Socket>(io_);
  socket->owned = true;
  boost::system::error_code ec;
  socket->descriptor.assign(fd, ec);
  if (ec) {
    ::close(fd);
    return CURL_SOCKET_BAD;
  }
  sockets_.emplace(fd, std::move(socket));
  return fd;
}

int CurlTransport::Impl::CloseSocket(curl_socket_t fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) {
    return ::close(fd);
  }
  std::shared_ptr<Socket> socket = std::move(it->second);
  sockets_.erase(it);
  socket->closed = true;
  boost::system::error_code ec;
  socket->descriptor.close(ec);  // cancels the waits, deregisters and closes the descriptor
  return ec ? -1 : 0;
}

void CurlTransport::Impl::Forget(curl_socket_t fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) {
    return;
  }
  std::shared_ptr<Socket> socket = std::move(it->second);
  sockets_.erase(it);
  socket->closed = true;
  boost::system::error_code ec;
  socket->descriptor.cancel(ec);
  socket->descriptor.release();  // deregisters without closing: the descriptor is libcurl's
}

void CurlTransport::Impl::CollectFinished() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) {
      continue;
    }
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) {
      continue;
    }
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(multi_, easy);

    if (code != CURLE_OK) {
      std::string message_text = transfer->error[0] != '\0' ? std::string(transfer->error)
                                                            : std::string(curl_easy_strerror(code));
      const bool timed_out = code == CURLE_OPERATION_TIMEDOUT;
      Complete(std::move(transfer),
               MakeUnexpected(TransportError{code, timed_out, std::move(message_text)}));
      continue;
    }
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    HttpResponse response{status, std::move(transfer->response)};
    Complete(std::move(transfer), std::move(response));
  }
}

void CurlTransport::Impl::Complete(std::unique_ptr<Transfer> transfer, HttpResult result) {
  asio::any_io_executor caller = std::move(transfer->caller);
  asio::post(caller,
             [handler = std::move(transfer->handler), result = std::move(result)]() mutable {
               std::move(handler)(std::move(result));
             });
}

void CurlTransport::Impl::Shutdown() {
  for (auto& [easy, transfer] : transfers_) {
    curl_multi_remove_handle(multi_, easy);
    Complete(std::move(transfer), MakeUnexpected(StoppedError()));
  }
  transfers_.clear();

  // Closes the cached connections through CloseSocket.
  curl_multi_cleanup(multi_);
  multi_ = nullptr;

  for (auto& [fd, socket] : sockets_) {
    socket->closed = true;
    boost::system::error_code ec;
    socket->descriptor.cancel(ec);
    if (socket->owned) {
      socket->descriptor.close(ec);
    } else {
      socket->descriptor.release();
    }
  }
  sockets_.clear();
  timer_.cancel();
  work_.reset();
  io_.stop();
}

CurlTransport::CurlTransport(Options options) : impl_(std::make_shared<Impl>(options)) {}

CurlTransport::~CurlTransport() { impl_->Stop(); }

void CurlTransport::Stop() { impl_->Stop(); }

boost::asio::awaitable<HttpResult> CurlTransport::Perform(HttpRequest request) {
  auto initiate = [impl = impl_.get()](auto handler, HttpRequest request) {
    asio::any_io_executor caller = asio::get_associated_executor(handler);
    impl->Start(std::move(request), Handler(std::move(handler)), std::move(caller));
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(HttpResult)>(
      initiate, asio::use_awaitable, std::move(request));
}

}  // namespace hello::storage::dynamodb
