// The credentials cache: one fetch at a time, shared by every caller that needs it, and a
// background refresh while the current keys are still valid.

#include "storage/dynamodb/credentials_provider.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "observability/log.hpp"
#include "storage/dynamodb/curl_transport.hpp"

namespace hello::storage::dynamodb {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using observability::Log;
using observability::LogLevel;

// After a failed background refresh, callers keep the current keys this long before the next
// attempt, so that a down endpoint is not asked once per request.
constexpr auto kRefreshRetryInterval = std::chrono::seconds(1);

// The Authorization header value for the container endpoint, if one is configured. The token
// file is small and local, and read once per fetch (minutes apart), so reading it inline on
// the caller's thread costs nothing noticeable.
Expected<std::string, std::string> AuthorizationToken(const CredentialsSource& source) {
  std::string token = source.authorization_token;
  if (!source.authorization_token_file.empty()) {
    std::ifstream file(source.authorization_token_file);
    std::stringstream contents;
    contents << file.rdbuf();
    if (!file) {
      return MakeUnexpected(std::string("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
    }
    token = contents.str();
  }
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.find_first_of("\r\n") != std::string::npos) {
    return MakeUnexpected(std::string("container authorization token contains a line break"));
  }
  return token;
}

}  // namespace

struct CredentialsProvider::State {
  using Waiter = asio::any_completion_handler<void()>;

  CredentialsSource source;
  std::shared_ptr<CurlTransport> transport;
  std::chrono::milliseconds fetch_timeout;

  std::mutex mutex;  // guards everything below
  std::optional<AwsCredentials> cached;
  Clock::time_point refresh_at = Clock::time_point::max();
  Clock::time_point expires_at = Clock::time_point::max();
  Clock::time_point retry_not_before = Clock::time_point::min();
  bool fetching = false;
  std::string last_error = "aws credentials not fetched yet";
  std::vector<std::pair<asio::any_io_executor, Waiter>> waiters;

  static void FinishFetch(const std::shared_ptr<State>& state,
                          Expected<ExpiringCredentials, std::string> outcome);
  static asio::awaitable<void> Fetch(std::shared_ptr<State> state);
  static asio::awaitable<void> WaitForFetch(std::shared_ptr<State> state);
};

// Records the outcome of one fetch and wakes every caller waiting for it.
void CredentialsProvider::State::FinishFetch(const std::shared_ptr<State>& state,
                                             Expected<ExpiringCredentials, std::string> outcome) {
  const auto now = Clock::now();
  // Keys already expired on arrival would send every caller back for another fetch at once.
  if (outcome && outcome->expiration && *outcome->expiration <= std::chrono::system_clock::now()) {
    outcome = MakeUnexpected(std::string("credentials endpoint handed out expired keys"));
  }
  std::vector<std::pair<asio::any_io_executor, State::Waiter>> waiters;
  std::optional<std::int64_t> expires_in_seconds;
  {
    std::lock_guard lock(state->mutex);
    if (outcome) {
      state->cached = std::move(outcome->keys);
      if (outcome->expiration) {
        const auto lifetime = std::chrono::duration_cast<std::chrono::milliseconds>(
            *outcome->expiration - std::chrono::system_clock::now());
        state->expires_at = now + lifetime;
        state->refresh_at = now + RefreshAfter(std::max(lifetime, std::chrono::milliseconds(0)));
        expires_in_seconds = std::chrono::duration_cast<std::chrono::seconds>(lifetime).count();
      } else {
        state->expires_at = Clock::time_point::max();
        state->refresh_at = Clock::time_point::max();
      }
    } else {
      state->last_error = outcome.error();
      state->retry_not_before = now + kRefreshRetryInterval;
    }
    state->fetching = false;
    waiters.swap(state->waiters);
  }

  if (outcome) {
    Log(LogLevel::kInfo, "aws credentials refreshed",
        {{"source", "container"}, {"expires_in_seconds", expires_in_seconds.value_or(-1)}});
  } else {
    Log(LogLevel::kWarn, "aws credentials refresh failed", {{"error", outcome.error()}});
  }
  for (auto& [executor, waiter] : waiters) {
    asio::post(executor, std::move(waiter));
  }
}

// One request to the container endpoint; always ends in FinishFetch.
asio::awaitable<void> CredentialsProvider::State::Fetch(std::shared_ptr<State> state) {
  Expected<ExpiringCredentials, std::string> outcome =
      MakeUnexpected(std::string("credentials endpoint: unexpected failure"));
  try {
    auto token = AuthorizationToken(state->source);
    if (!token) {
      outcome = MakeUnexpected(token.error());
    } else {
      HttpRequest request;
      request.url = state->source.container_url;
      request.timeout = state->fetch_timeout;
      if (!token->empty()) {
        request.headers.push_back("Authorization: " + *token);
      }
      request.headers.push_back("Accept: application/json");
      auto response = co_await state->transport->Perform(std::move(request));
      if (!response) {
        outcome = MakeUnexpected("credentials endpoint unreachable: " + response.error().message);
      } else if (response->status != 200) {
        outcome = MakeUnexpected("credentials endpoint answered HTTP " +
                                 std::to_string(response->status));
      } else {
        outcome = ParseContainerCredentials(response->body);
      }
    }
  } catch (const std::exception& error) {
    outcome = MakeUnexpected(std::string("credentials fetch failed: ") + error.what());
  }
  FinishFetch(state, std::move(outcome));
}

// Suspends until the fetch in progress (if any) has finished.
asio::awaitable<void> CredentialsProvider::State::WaitForFetch(std::shared_ptr<State> state) {
  auto initiate = [state](auto handler) {
    asio::any_io_executor executor = asio::get_associated_executor(handler);
    std::unique_lock lock(state->mutex);
    if (!state->fetching) {
      lock.unlock();
      asio::post(executor, std::move(handler));
      return;
    }
    state->waiters.emplace_back(asio::prefer(executor, asio::execution::outstanding_work.tracked),
                                State::Waiter(std::move(handler)));
  };
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(initiate,
                                                                        asio::use_awaitable);
}

CredentialsProvider::CredentialsProvider(CredentialsSource source,
                                         std::shared_ptr<CurlTransport> transport,
                                         std::chrono::milliseconds fetch_timeout)
    : state_(std::make_shared<State>()) {
  state_->source = std::move(source);
  state_->transport = std::move(transport);
  state_->fetch_timeout = fetch_timeout;
}

CredentialsProvider::~CredentialsProvider() = default;

asio::awaitable<Expected<AwsCredentials, std::string>> CredentialsProvider::Get() {
  std::shared_ptr<State> state = state_;
  if (state->source.kind == CredentialsSource::Kind::kEnvironment) {
    co_return state->source.keys;
  }

  bool start_fetch = false;
  std::optional<AwsCredentials> current;
  {
    std::lock_guard lock(state->mutex);
    const auto now = Clock::now();
    if (state->cached && now < state->expires_at) {
      current = *state->cached;
      start_fetch = now >= state->refresh_at && !state->fetching && now >= state->retry_not_before;
    } else {
      start_fetch = !state->fetching;
    }
    if (start_fetch) {
      state->fetching = true;
    }
  }

  // Keys still valid: use them, and refresh in the background when due.
  if (current) {
    if (start_fetch) {
      asio::co_spawn(co_await asio::this_coro::executor, State::Fetch(state), asio::detached);
    }
    co_return std::move(*current);
  }

  // No valid keys: every caller waits for the same fetch.
  if (start_fetch) {
    co_await State::Fetch(state);
  } else {
    co_await State::WaitForFetch(state);
  }
  std::lock_guard lock(state->mutex);
  if (state->cached && Clock::now() < state->expires_at) {
    co_return *state->cached;
  }
  co_return MakeUnexpected(state->last_error);
}

void CredentialsProvider::Invalidate(std::string_view access_key_id) {
  std::lock_guard lock(state_->mutex);
  if (state_->cached && state_->cached->access_key_id == access_key_id) {
    state_->cached.reset();
  }
}

}  // namespace hello::storage::dynamodb
