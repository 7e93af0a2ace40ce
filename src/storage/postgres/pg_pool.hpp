#pragma once
// A bounded pool of PostgreSQL connections, opened lazily: callers wait for a free connection
// up to their deadline, and connections found broken are replaced on the next use.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/expected.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_conninfo.hpp"
#include "storage/postgres/pool_metrics.hpp"
#include "storage/user_store.hpp"

namespace hello::storage::postgres {

struct PoolStats {
  std::size_t open = 0;  // connected or being connected
  std::size_t idle = 0;
  std::size_t waiting = 0;
};

class PgPool : public std::enable_shared_from_this<PgPool> {
 public:
  struct Options {
    ConnectionSettings connection;
    std::string setup_sql;  // run on every new connection (session settings, PREPARE)
    std::size_t size = 8;   // at most this many connections, in use or idle
  };

  /// Exclusive use of one connection; gives it back to the pool when destroyed. A connection
  /// that reported itself broken is discarded instead, freeing its place for a new one.
  class Lease {
   public:
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&& other) noexcept = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    friend class PgPool;
    Lease(std::shared_ptr<PgPool> pool, std::unique_ptr<PgConnection> conn)
        : pool_(std::move(pool)), conn_(std::move(conn)) {}

    std::shared_ptr<PgPool> pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  static std::shared_ptr<PgPool> Create(boost::asio::any_io_executor executor, Options options,
                                        std::shared_ptr<PoolMetrics> metrics);

  /// A connected, usable connection. kTimeout when none frees up or connecting does not finish
  /// by `deadline`; kUnavailable when connecting fails or the pool is closed.
  boost::asio::awaitable<Expected<Lease, StorageError>> Acquire(Clock::time_point deadline);

  /// Closes idle connections and fails waiting callers; leased connections close on return.
  void Close();

  PoolStats Stats() const;

 private:
  struct Waiter {
    explicit Waiter(boost::asio::any_io_executor executor) : timer(std::move(executor)) {}
    boost::asio::steady_timer timer;
    bool granted = false;
    std::unique_ptr<PgConnection> conn;  // null: a free place, to be connected by the waiter
  };

  PgPool(boost::asio::any_io_executor executor, Options options,
         std::shared_ptr<PoolMetrics> metrics);

  bool TakePlaceLocked(std::unique_ptr<PgConnection>* conn);
  void Release(std::unique_ptr<PgConnection> conn);
  void PublishLocked();

  // Completes with a place in the pool (a connection, or null for a free place), with
  // error::timed_out at `deadline`, or with error::operation_aborted when the pool closes.
  // The waiter's timer fires in every case, so the handler runs exactly once, from the timer.
  auto AsyncWaitForPlace(Clock::time_point deadline) {
    auto token = boost::asio::as_tuple(boost::asio::use_awaitable);
    return boost::asio::async_initiate<decltype(token), void(boost::system::error_code,
                                                             std::unique_ptr<PgConnection>)>(
        [self = shared_from_this(), deadline](auto handler) {
          self->StartWait(std::move(handler), deadline);
        },
        token);
  }

  template <typename Handler>
  void StartWait(Handler handler, Clock::time_point deadline) {
    auto waiter =
        std::make_shared<Waiter>(boost::asio::get_associated_executor(handler, executor_));
    std::lock_guard lock(mutex_);

    // A place may have freed up since the caller looked; closed pools answer at once too.
    if (closed_) {
      waiter->timer.expires_at(Clock::now());
    } else if (TakePlaceLocked(&waiter->conn)) {
      waiter->granted = true;
      waiter->timer.expires_at(Clock::now());
    } else {
      waiter->timer.expires_at(deadline);
      waiters_.push_back(waiter);
      PublishLocked();
    }
    waiter->timer.async_wait([self = shared_from_this(), waiter,
                              handler = std::move(handler)](boost::system::error_code) mutable {
      boost::system::error_code result;
      std::unique_ptr<PgConnection> conn;
      {
        std::lock_guard lock(self->mutex_);
        if (waiter->granted) {
          conn = std::move(waiter->conn);
        } else {
          self->waiters_.remove(waiter);
          self->PublishLocked();
          result =
              self->closed_ ? boost::asio::error::operation_aborted : boost::asio::error::timed_out;
        }
      }
      std::move(handler)(result, std::move(conn));
    });
  }

  boost::asio::any_io_executor executor_;
  Options options_;
  std::shared_ptr<PoolMetrics> metrics_;

  mutable std::mutex mutex_;
  bool closed_ = false;
  std::size_t open_ = 0;
  std::uint64_t breaks_ = 0;  // how often a connection lost the server
  std::vector<std::unique_ptr<PgConnection>> idle_;
  std::list<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace hello::storage::postgres
