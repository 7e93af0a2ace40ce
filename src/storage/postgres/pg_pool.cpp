// The PostgreSQL connection pool: places, waiting callers, lazy connects and discards.

#include "storage/postgres/pg_pool.hpp"

#include <utility>

namespace hello::storage::postgres {

namespace asio = boost::asio;
using Kind = StorageError::Kind;

PgPool::Lease::~Lease() {
  if (pool_) {
    pool_->Release(std::move(conn_));
  }
}

std::shared_ptr<PgPool> PgPool::Create(asio::any_io_executor executor, Options options,
                                       std::shared_ptr<PoolMetrics> metrics) {
  return std::shared_ptr<PgPool>(
      new PgPool(std::move(executor), std::move(options), std::move(metrics)));
}

PgPool::PgPool(asio::any_io_executor executor, Options options,
               std::shared_ptr<PoolMetrics> metrics)
    : executor_(std::move(executor)), options_(std::move(options)), metrics_(std::move(metrics)) {
  if (options_.size == 0) {
    options_.size = 1;
  }
  std::lock_guard lock(mutex_);
  PublishLocked();
}

void PgPool::PublishLocked() {
  metrics_->SetConnections(static_cast<double>(open_ - idle_.size()),
                           static_cast<double>(idle_.size()), static_cast<double>(waiters_.size()));
}

// The most recently used idle connection first (its server side is warm), else a free place.
bool PgPool::TakePlaceLocked(std::unique_ptr<PgConnection>* conn) {
  if (!idle_.empty()) {
    *conn = std::move(idle_.back());
    idle_.pop_back();
    PublishLocked();
    return true;
  }
  if (open_ < options_.size) {
    ++open_;
    conn->reset();
    PublishLocked();
    return true;
  }
  return false;
}

asio::awaitable<Expected<PgPool::Lease, StorageError>> PgPool::Acquire(Clock::time_point deadline) {
  std::unique_ptr<PgConnection> conn;
  bool placed = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) {
      co_return MakeUnexpected(StorageError{Kind::kUnavailable, "postgres: store closed"});
    }
    placed = TakePlaceLocked(&conn);
  }

  // All connections are busy: queue for the next one returned, up to the deadline.
  if (!placed) {
    auto [ec, granted] = co_await AsyncWaitForPlace(deadline);
    if (ec == asio::error::timed_out) {
      metrics_->CountError(PoolErrorKind::kTimeout);
      co_return MakeUnexpected(
          StorageError{Kind::kTimeout, "postgres: no free connection before the deadline"});
    }
    if (ec) {
      co_return MakeUnexpected(StorageError{Kind::kUnavailable, "postgres: store closed"});
    }
    conn = std::move(granted);
  }
  Lease lease(shared_from_this(), std::move(conn));

  // An idle connection older than the last lost server is likely dead too: replace it rather
  // than spend the caller's one retry on it.
  if (lease.conn_) {
    std::uint64_t breaks = 0;
    {
      std::lock_guard lock(mutex_);
      breaks = breaks_;
    }
    if (!lease.conn_->Usable() || lease.conn_->generation < breaks) {
      lease.conn_.reset();
    }
  }
  if (lease.conn_) {
    co_return std::move(lease);
  }

  // A free place: open a new connection in it. On failure the lease frees the place again.
  auto params = MakeLibpqParams(options_.connection);
  if (!params) {
    metrics_->CountError(PoolErrorKind::kConnect);
    co_return MakeUnexpected(StorageError{Kind::kUnavailable, "postgres: " + params.error()});
  }
  auto fresh = std::make_unique<PgConnection>(executor_);
  auto connected = co_await fresh->Connect(*params, options_.setup_sql, deadline);
  if (!connected) {
    StorageError error = std::move(connected).error().error;
    metrics_->CountError(error.kind == Kind::kTimeout ? PoolErrorKind::kTimeout
                                                      : PoolErrorKind::kConnect);
    lease.conn_ = std::move(fresh);
    co_return MakeUnexpected(std::move(error));
  }
  {
    std::lock_guard lock(mutex_);
    fresh->generation = breaks_;
  }
  lease.conn_ = std::move(fresh);
  co_return std::move(lease);
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  std::unique_ptr<PgConnection> discard;
  {
    std::lock_guard lock(mutex_);
    if (conn && conn->LostServer()) {
      ++breaks_;
    }
    bool healthy = conn && conn->Usable() && !closed_;
    if (healthy) {
      conn->generation = breaks_;
    } else {
      discard = std::move(conn);
    }

    // Hand the place straight to the longest waiting caller, with the connection if healthy.
    if (!waiters_.empty()) {
      std::shared_ptr<Waiter> waiter = std::move(waiters_.front());
      waiters_.pop_front();
      waiter->granted = true;
      waiter->conn = std::move(conn);
      waiter->timer.cancel();
    } else if (healthy) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    PublishLocked();
  }
  // `discard` closes here, outside the lock.
}

void PgPool::Close() {
  std::vector<std::unique_ptr<PgConnection>> idle;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    idle.swap(idle_);
    open_ -= idle.size();
    for (const auto& waiter : waiters_) {
      waiter->timer.cancel();
    }
    waiters_.clear();
    PublishLocked();
  }
}

PoolStats PgPool::Stats() const {
  std::lock_guard lock(mutex_);
  return PoolStats{open_, idle_.size(), waiters_.size()};
}

}  // namespace hello::storage::postgres
