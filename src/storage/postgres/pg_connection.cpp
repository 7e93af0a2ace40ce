// A libpq connection on the Asio event loop: connect, send, flush and collect results while the
// coroutine waits for socket readiness with a deadline.

#include "storage/postgres/pg_connection.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <tuple>

namespace hello::storage::postgres {
namespace {

namespace asio = boost::asio;
using WaitType = asio::posix::stream_descriptor::wait_type;
using Kind = StorageError::Kind;

std::string Describe(std::string_view operation, std::string_view cause) {
  std::string message(operation);
  message.append(": ").append(cause);
  return message;
}

// Maps a failed result to an error kind. Only the SQLSTATE goes into the message: the server's
// text can quote values (names, dates) from the statement.
PgFailure ClassifyResult(std::string_view operation, const PGresult* result, PGconn* conn) {
  const char* field = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string_view state = field != nullptr ? field : "";
  bool lost = PQstatus(conn) == CONNECTION_BAD;

  // Class 08 is a connection failure; 57P01-57P03 a server shutting down or starting up;
  // 25006 a read-only server, which after a failover means we reached a replica.
  bool broken = lost || state.starts_with("08") || state == "57P01" || state == "57P02" ||
                state == "57P03" || state == "25006";
  if (broken) {
    std::string cause = state.empty() ? "connection lost" : "connection lost, SQLSTATE ";
    cause.append(state);
    return PgFailure{{Kind::kUnavailable, Describe(operation, cause)}, true};
  }

  Kind kind = Kind::kInternal;
  if (state == "57014") {
    kind = Kind::kTimeout;  // statement_timeout cancelled it
  } else if (state.starts_with("53") || state == "40001" || state == "40P01" || state == "55P03") {
    kind = Kind::kUnavailable;  // out of resources, or a conflict that clears by itself
  }
  std::string cause = state.empty() ? "client error " + FirstLineOf(PQresultErrorMessage(result))
                                    : "server error SQLSTATE " + std::string(state);
  return PgFailure{{kind, Describe(operation, cause)}, false};
}

}  // namespace

PgConnection::PgConnection(asio::any_io_executor executor)
    : socket_(executor), timer_(std::move(executor)) {}

PgConnection::~PgConnection() {
  // Our duplicate first, then libpq's own socket (PQfinish says goodbye to the server).
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (conn_ != nullptr) {
    PQfinish(conn_);
  }
}

bool PgConnection::Usable() const noexcept { return connected_ && !broken_; }

PgFailure PgConnection::Broken(std::string_view operation, std::string_view cause) {
  broken_ = true;
  lost_ = true;
  std::string text(cause);
  if (conn_ != nullptr) {
    text.append(": ").append(FirstLineOf(PQerrorMessage(conn_)));
  }
  return PgFailure{{Kind::kUnavailable, Describe(operation, text)}, true};
}

bool PgConnection::AttachSocket() {
  int fd = PQsocket(conn_);
  if (fd < 0) {
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return false;
  }

  // libpq may open a new socket while connecting (another address, a retry without TLS).
  if (socket_.is_open() && info.st_dev == socket_device_ && info.st_ino == socket_inode_) {
    return true;
  }
  boost::system::error_code ec;
  socket_.close(ec);
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) {
    return false;
  }
  socket_.assign(copy, ec);
  if (ec) {
    ::close(copy);
    return false;
  }
  socket_device_ = info.st_dev;
  socket_inode_ = info.st_ino;
  return true;
}

asio::awaitable<PgExpected<void>> PgConnection::Wait(WaitType type, std::string_view operation,
                                                     Clock::time_point deadline) {
  if (Clock::now() >= deadline) {
    broken_ = true;
    co_return MakeUnexpected(PgFailure{{Kind::kTimeout, Describe(operation, "timed out")}, true});
  }

  // Whichever comes first, readiness or the deadline, cancels the other.
  timer_.expires_at(deadline);
  auto [order, socket_ec, timer_ec] =
      co_await asio::experimental::make_parallel_group(socket_.async_wait(type, asio::deferred),
                                                       timer_.async_wait(asio::deferred))
          .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  (void)timer_ec;

  if (order[0] == 1) {
    broken_ = true;
    co_return MakeUnexpected(PgFailure{{Kind::kTimeout, Describe(operation, "timed out")}, true});
  }
  if (socket_ec) {
    co_return MakeUnexpected(Broken(operation, "socket wait failed " + socket_ec.message()));
  }
  co_return Expected<void, PgFailure>{};
}

asio::awaitable<PgExpected<void>> PgConnection::Connect(const LibpqParams& params,
                                                        std::string_view setup_sql,
                                                        Clock::time_point deadline) {
  conn_ = PQconnectStartParams(params.Keywords(), params.Values(), 1);
  if (conn_ == nullptr) {
    broken_ = true;
    lost_ = true;
    co_return MakeUnexpected(
        PgFailure{{Kind::kUnavailable, "postgres connect: out of memory"}, true});
  }
  if (PQstatus(conn_) == CONNECTION_BAD) {
    co_return MakeUnexpected(Broken("postgres connect", "failed"));
  }

  // libpq prints server notices ("already exists, skipping") on stderr by default; they are
  // not errors, and their text may quote statement values, so they are dropped.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);

  // libpq's connection state machine: wait for what PQconnectPoll asks for, then call it again.
  // It starts as if it had asked to write.
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED) {
      co_return MakeUnexpected(Broken("postgres connect", "failed"));
    }
    if (!AttachSocket()) {
      co_return MakeUnexpected(Broken("postgres connect", "no socket"));
    }
    auto waited =
        co_await Wait(poll == PGRES_POLLING_READING ? WaitType::wait_read : WaitType::wait_write,
                      "postgres connect", deadline);
    if (!waited) {
      co_return MakeUnexpected(std::move(waited).error());
    }
    poll = PQconnectPoll(conn_);
  }
  if (!AttachSocket()) {
    co_return MakeUnexpected(Broken("postgres connect", "no socket"));
  }
  if (PQsetnonblocking(conn_, 1) != 0) {
    co_return MakeUnexpected(Broken("postgres connect", "cannot switch to non-blocking mode"));
  }
  connected_ = true;

  if (!setup_sql.empty()) {
    auto setup = co_await Exec("postgres session set-up", setup_sql, deadline);
    if (!setup) {
      broken_ = true;
      co_return MakeUnexpected(std::move(setup).error());
    }
  }
  co_return Expected<void, PgFailure>{};
}

asio::awaitable<PgExpected<PgResult>> PgConnection::Collect(std::string_view operation,
                                                            Clock::time_point deadline) {
  // Send everything libpq has buffered. Our statements are small, so this almost never waits.
  for (;;) {
    int flushed = PQflush(conn_);
    if (flushed == 0) {
      break;
    }
    if (flushed < 0) {
      co_return MakeUnexpected(Broken(operation, "send failed"));
    }
    auto waited = co_await Wait(WaitType::wait_write, operation, deadline);
    if (!waited) {
      co_return MakeUnexpected(std::move(waited).error());
    }
    if (PQconsumeInput(conn_) == 0) {
      co_return MakeUnexpected(Broken(operation, "receive failed"));
    }
  }

  // Read until libpq has every result of the command; keep the first error, else the last one.
  PgResult last;
  PgResult first_error;
  for (;;) {
    if (PQconsumeInput(conn_) == 0) {
      co_return MakeUnexpected(Broken(operation, "receive failed"));
    }
    while (PQisBusy(conn_) == 0) {
      PgResult result(PQgetResult(conn_));
      if (!result) {
        if (first_error) {
          PgFailure failure = ClassifyResult(operation, first_error.get(), conn_);
          if (failure.broken) {
            broken_ = true;
            lost_ = true;
          }
          co_return MakeUnexpected(std::move(failure));
        }
        if (!last) {
          co_return MakeUnexpected(Broken(operation, "no result"));
        }
        co_return std::move(last);
      }
      ExecStatusType status = PQresultStatus(result.get());
      bool ok =
          status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
      if (!ok && !first_error) {
        first_error = std::move(result);
      } else if (ok) {
        last = std::move(result);
      }
    }
    auto waited = co_await Wait(WaitType::wait_read, operation, deadline);
    if (!waited) {
      co_return MakeUnexpected(std::move(waited).error());
    }
  }
}

asio::awaitable<PgExpected<PgResult>> PgConnection::ExecPrepared(std::string_view operation,
                                                                 const char* statement,
                                                                 const std::vector<PgParam>& params,
                                                                 Clock::time_point deadline) {
  if (!Usable()) {
    co_return MakeUnexpected(
        PgFailure{{Kind::kUnavailable, Describe(operation, "connection not usable")}, true});
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const PgParam& param : params) {
    values.push_back(param.bytes.data());
    lengths.push_back(static_cast<int>(param.bytes.size()));
    formats.push_back(param.binary ? 1 : 0);
  }
  if (PQsendQueryPrepared(conn_, statement, static_cast<int>(params.size()), values.data(),
                          lengths.data(), formats.data(), 1) == 0) {
    co_return MakeUnexpected(Broken(operation, "send failed"));
  }
  co_return co_await Collect(operation, deadline);
}

asio::awaitable<PgExpected<PgResult>> PgConnection::Exec(std::string_view operation,
                                                         std::string_view sql,
                                                         Clock::time_point deadline) {
  if (!Usable()) {
    co_return MakeUnexpected(
        PgFailure{{Kind::kUnavailable, Describe(operation, "connection not usable")}, true});
  }
  std::string text(sql);
  if (PQsendQuery(conn_, text.c_str()) == 0) {
    co_return MakeUnexpected(Broken(operation, "send failed"));
  }
  co_return co_await Collect(operation, deadline);
}

}  // namespace hello::storage::postgres
