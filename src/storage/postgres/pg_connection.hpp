#pragma once
// One PostgreSQL connection, driven by libpq in non-blocking mode on the Asio event loop:
// the caller's coroutine waits for socket readiness instead of blocking a thread.

#include <libpq-fe.h>
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "storage/postgres/pg_conninfo.hpp"
#include "storage/user_store.hpp"

namespace hello::storage::postgres {

using Clock = std::chrono::steady_clock;

/// A failed call. `broken`: the connection cannot be used again and must be discarded (the
/// server went away, the socket failed, or the call timed out with a statement in flight).
struct PgFailure {
  StorageError error;
  bool broken = false;
};

template <typename T>
using PgExpected = Expected<T, PgFailure>;

struct PgResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

/// One statement parameter: text, or binary in PostgreSQL's network format.
struct PgParam {
  std::string bytes;
  bool binary = false;
};

/// Used by one coroutine at a time (the pool leases it out exclusively). Reference arguments
/// must stay alive until the returned awaitable completes, which co_await guarantees.
///
/// Asio watches a duplicate of libpq's socket, never libpq's own descriptor. libpq closes its
/// socket by itself (a lost server, a retry on another address while connecting); had Asio
/// registered that descriptor, releasing it afterwards could deregister an unrelated socket that
/// reused the number. The duplicate is ours alone: Asio closes it, libpq closes the original.
class PgConnection {
 public:
  explicit PgConnection(boost::asio::any_io_executor executor);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// Connects with `params` (expand_dbname on), then runs `setup_sql` (session settings and
  /// PREPARE statements) with the simple query protocol. Fails kTimeout at `deadline`, or
  /// kUnavailable when the server refuses or cannot be reached.
  boost::asio::awaitable<PgExpected<void>> Connect(const LibpqParams& params,
                                                   std::string_view setup_sql,
                                                   Clock::time_point deadline);

  /// Runs a statement prepared by the set-up SQL; the result comes in binary format.
  /// `operation` names the call in error messages.
  boost::asio::awaitable<PgExpected<PgResult>> ExecPrepared(std::string_view operation,
                                                            const char* statement,
                                                            const std::vector<PgParam>& params,
                                                            Clock::time_point deadline);

  /// Runs one or more SQL statements with the simple query protocol; returns the last result.
  boost::asio::awaitable<PgExpected<PgResult>> Exec(std::string_view operation,
                                                    std::string_view sql,
                                                    Clock::time_point deadline);

  /// True when connected and no call has reported the connection broken.
  bool Usable() const noexcept;

  /// True when a call failed because the server was lost or refused us (not a mere timeout):
  /// other connections to it are then suspect too.
  bool LostServer() const noexcept { return lost_; }

  /// Pool bookkeeping: the pool's break count when this connection last proved healthy.
  std::uint64_t generation = 0;

 private:
  bool AttachSocket();
  boost::asio::awaitable<PgExpected<void>> Wait(
      boost::asio::posix::stream_descriptor::wait_type type, std::string_view operation,
      Clock::time_point deadline);
  boost::asio::awaitable<PgExpected<PgResult>> Collect(std::string_view operation,
                                                       Clock::time_point deadline);
  PgFailure Broken(std::string_view operation, std::string_view cause);

  PGconn* conn_ = nullptr;
  boost::asio::posix::stream_descriptor socket_;
  dev_t socket_device_ = 0;
  ino_t socket_inode_ = 0;
  boost::asio::steady_timer timer_;
  bool connected_ = false;
  bool broken_ = false;
  bool lost_ = false;
};

}  // namespace hello::storage::postgres
