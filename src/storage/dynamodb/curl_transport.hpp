#pragma once
// An asynchronous HTTP/1.1 client: libcurl's multi interface driven by an Asio event loop on
// one thread of its own, with keep-alive connections and optional AWS SigV4 signing by libcurl.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/expected.hpp"

namespace hello::storage::dynamodb {

/// Makes libcurl sign the request with AWS Signature Version 4.
struct SigV4Signing {
  /// CURLOPT_AWS_SIGV4 value, e.g. "aws:amz:eu-west-1:dynamodb".
  std::string provider;
  std::string access_key_id;
  std::string secret_access_key;
};

struct HttpRequest {
  enum class Method { kGet, kPost };
  Method method = Method::kGet;
  std::string url;
  /// "Name: value" lines sent as given (and signed by SigV4 when `sigv4` is set).
  std::vector<std::string> headers;
  std::string body;
  std::optional<SigV4Signing> sigv4;
  /// The whole transfer, from queueing to the last byte of the answer.
  std::chrono::milliseconds timeout{2000};
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

/// The request produced no HTTP answer: connection refused or reset, name resolution, timeout.
struct TransportError {
  int curl_code = 0;
  bool timed_out = false;
  /// libcurl's description; names the host at most, never a header or a body.
  std::string message;
};

using HttpResult = Expected<HttpResponse, TransportError>;

/// All libcurl work happens on the transport's own thread: a multi handle is not thread-safe,
/// and a single event loop carries many concurrent transfers without a thread each. Callers
/// on any executor await Perform() and are resumed on their own executor.
class CurlTransport {
 public:
  struct Options {
    /// Connections kept open per host; further transfers queue inside libcurl.
    std::size_t max_host_connections = 8;
    /// Larger answers fail the transfer (DynamoDB answers here are small).
    std::size_t max_response_bytes = 1024 * 1024;
  };

  explicit CurlTransport(Options options);
  ~CurlTransport();
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  /// Runs one request. Never throws; a transfer that produced no HTTP answer is an error.
  boost::asio::awaitable<HttpResult> Perform(HttpRequest request);

  /// Fails the transfers still running, closes the connections and joins the thread.
  /// Idempotent; Perform() fails at once afterwards.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace hello::storage::dynamodb
