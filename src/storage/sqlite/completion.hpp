#pragma once
// Hands the result of work done on the store's own threads back to the awaiting coroutine,
// on the coroutine's executor, without ever running the coroutine on a store thread.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <utility>

#include "storage/user_store.hpp"

namespace hello::storage::sqlite {

/// The receiving end of one storage call. Complete must be called exactly once, from any
/// thread; it never throws and never runs the caller's code inline.
template <typename T>
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void Complete(StorageResult<T> result) noexcept = 0;
};

template <typename T>
using CompletionPtr = std::unique_ptr<Completion<T>>;

namespace detail {

// Wraps an Asio completion handler. Holding outstanding work on the handler's executor keeps
// the caller's io_context running while the call is in flight on a store thread.
template <typename T, typename Handler>
class HandlerCompletion final : public Completion<T> {
 public:
  explicit HandlerCompletion(Handler handler)
      : handler_(std::move(handler)),
        work_(boost::asio::prefer(boost::asio::get_associated_executor(handler_),
                                  boost::asio::execution::outstanding_work.tracked)) {}

  void Complete(StorageResult<T> result) noexcept override {
    try {
      boost::asio::post(work_,
                        [handler = std::move(handler_), result = std::move(result)]() mutable {
                          std::move(handler)(std::move(result));
                        });
    } catch (...) {
      // Posting only fails when memory runs out; the awaiting coroutine is then abandoned
      // (its frame is destroyed with the handler) rather than resumed on this thread.
    }
  }

 private:
  Handler handler_;
  decltype(boost::asio::prefer(boost::asio::get_associated_executor(std::declval<Handler&>()),
                               boost::asio::execution::outstanding_work.tracked)) work_;
};

}  // namespace detail

/// Suspends the calling coroutine and calls `submit(CompletionPtr<T>)`, which passes the
/// completion to a store thread (or completes it at once when the store refuses the work).
/// The coroutine resumes on its own executor with the result.
template <typename T, typename Submit>
boost::asio::awaitable<StorageResult<T>> AwaitCompletion(Submit submit) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>, void(StorageResult<T>)>(
      [submit = std::move(submit)](auto handler) mutable {
        using Handler = decltype(handler);
        submit(CompletionPtr<T>(
            std::make_unique<detail::HandlerCompletion<T, Handler>>(std::move(handler))));
      },
      boost::asio::use_awaitable);
}

}  // namespace hello::storage::sqlite
