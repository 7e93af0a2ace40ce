#pragma once
// Hands out AWS credentials: environment keys as they are, container keys fetched on first use
// and refreshed in the background before they expire.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/expected.hpp"
#include "storage/dynamodb/aws_credentials.hpp"

namespace hello::storage::dynamodb {

class CurlTransport;

/// Hands out current credentials. Environment keys are returned as they are. Container keys
/// are fetched on first use, then refreshed in the background once RefreshAfter() has passed
/// while callers keep using the current keys; only when there are no unexpired keys do callers
/// wait, all of them for one fetch. Thread-safe; secrets never reach a log.
class CredentialsProvider {
 public:
  /// `transport` carries the container endpoint requests; each is bounded by `fetch_timeout`.
  CredentialsProvider(CredentialsSource source, std::shared_ptr<CurlTransport> transport,
                      std::chrono::milliseconds fetch_timeout);
  ~CredentialsProvider();
  CredentialsProvider(const CredentialsProvider&) = delete;
  CredentialsProvider& operator=(const CredentialsProvider&) = delete;

  /// Unexpired credentials, or why there are none (one line, no secrets).
  boost::asio::awaitable<Expected<AwsCredentials, std::string>> Get();

  /// Forgets the cached container keys with this key id (the service said they expired), so
  /// that the next Get() fetches new ones. No effect on environment keys.
  void Invalidate(std::string_view access_key_id);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace hello::storage::dynamodb
