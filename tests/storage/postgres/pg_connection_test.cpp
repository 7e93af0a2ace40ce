// Tests of one non-blocking libpq connection against the real test cluster: connecting, errors
// and their kinds, deadlines, TLS modes and the password file.

#include "storage/postgres/pg_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "pg_test_support.hpp"

namespace hello::storage::postgres {
namespace {

using hello::testing::postgres::AdminConnection;
using hello::testing::postgres::ClusterDir;
using hello::testing::postgres::ClusterUrl;
using hello::testing::postgres::ElapsedMs;
using hello::testing::postgres::EventLoop;
using hello::testing::postgres::TestDatabase;
using hello::testing::postgres::WithParameter;
using Kind = StorageError::Kind;
using namespace std::chrono_literals;

// Nothing listens here (the postgres test area owns 25400-25499).
constexpr const char* kRefusedUrl = "postgres://postgres@127.0.0.1:25498/postgres";

LibpqParams Params(const std::string& url, const std::string& password_file = "") {
  auto params = MakeLibpqParams({url, password_file});
  if (!params) {
    throw std::runtime_error(params.error());
  }
  return std::move(*params);
}

PgExpected<void> Connect(EventLoop& loop, PgConnection& conn, const std::string& url,
                         std::chrono::milliseconds timeout = 5s,
                         const std::string& password_file = "") {
  LibpqParams params = Params(url, password_file);
  return loop.Run(conn.Connect(params, "", Clock::now() + timeout));
}

PgExpected<PgResult> Query(EventLoop& loop, PgConnection& conn, const std::string& sql,
                           std::chrono::milliseconds timeout = 5s) {
  return loop.Run(conn.Exec("test query", sql, Clock::now() + timeout));
}

std::string Value(const PgExpected<PgResult>& result) {
  if (!result) {
    return "error: " + result.error().error.message;
  }
  return PQgetvalue(result->get(), 0, 0);
}

// A TCP listener that never accepts: the kernel completes the handshake, then nothing answers,
// like a database host that hangs.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::string Url() const {
    return "postgres://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres";
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(PgConnection, ConnectsAndRunsStatements) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  ASSERT_TRUE(Connect(loop, conn, db.Url()));
  EXPECT_TRUE(conn.Usable());
  EXPECT_EQ(Value(Query(loop, conn, "SELECT 41 + 1")), "42");
  EXPECT_EQ(Value(Query(loop, conn, "SHOW client_encoding")), "UTF8");
  EXPECT_EQ(db.AdapterSessions(), 1);
}

TEST(PgConnection, RefusedConnectionFailsUnavailableAtOnce) {
  EventLoop loop;
  PgConnection conn(loop.Executor());
  auto start = std::chrono::steady_clock::now();
  auto connected = Connect(loop, conn, kRefusedUrl, 3s);
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().error.kind, Kind::kUnavailable);
  EXPECT_TRUE(connected.error().broken);
  EXPECT_TRUE(conn.LostServer());
  EXPECT_NE(connected.error().error.message.find("refused"), std::string::npos)
      << connected.error().error.message;
  EXPECT_LT(ElapsedMs(start), 1000);
}

TEST(PgConnection, SilentServerTimesOutAtTheDeadline) {
  SilentServer server;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  auto start = std::chrono::steady_clock::now();
  auto connected = Connect(loop, conn, WithParameter(server.Url(), "sslmode=disable"), 300ms);
  auto elapsed = ElapsedMs(start);
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().error.kind, Kind::kTimeout);
  EXPECT_GE(elapsed, 280);
  EXPECT_LT(elapsed, 1000);
}

TEST(PgConnection, TriesTheNextHostWhenTheFirstRefuses) {
  TestDatabase db;
  std::string url = db.Url();
  url.insert(url.find('@') + 1, "127.0.0.1:25498,");
  EventLoop loop;
  PgConnection conn(loop.Executor());
  auto connected = Connect(loop, conn, url);
  ASSERT_TRUE(connected) << connected.error().error.message;
  EXPECT_EQ(Value(Query(loop, conn, "SELECT current_database()")), db.Name());
}

// The server's message would quote the bad value; only the SQLSTATE may reach a log.
TEST(PgConnection, ServerErrorIsInternalAndQuotesNoData) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  ASSERT_TRUE(Connect(loop, conn, db.Url()));
  auto failed = Query(loop, conn, "SELECT 'Zoë'::int");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().error.kind, Kind::kInternal);
  EXPECT_FALSE(failed.error().broken);
  EXPECT_NE(failed.error().error.message.find("SQLSTATE 22P02"), std::string::npos);
  EXPECT_EQ(failed.error().error.message.find("Zo"), std::string::npos);
  EXPECT_TRUE(conn.Usable());
  EXPECT_EQ(Value(Query(loop, conn, "SELECT 1")), "1");
}

TEST(PgConnection, DoesNotPrintServerNotices) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  ASSERT_TRUE(Connect(loop, conn, db.Url()));

  std::fflush(stderr);
  auto path = std::filesystem::temp_directory_path() /
              ("hello-pg-stderr-" + std::to_string(::getpid()) + ".txt");
  int saved = ::dup(STDERR_FILENO);
  int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(file, STDERR_FILENO);
  auto created = Query(loop, conn, "CREATE TABLE IF NOT EXISTS t (x int)");
  auto again = Query(loop, conn, "CREATE TABLE IF NOT EXISTS t (x int)");
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(file);
  std::ifstream in(path);
  std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);

  EXPECT_TRUE(created);
  EXPECT_TRUE(again);
  EXPECT_EQ(printed, "");
}

TEST(PgConnection, TerminatedSessionIsReportedBroken) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  ASSERT_TRUE(Connect(loop, conn, db.Url()));
  std::string pid = Value(Query(loop, conn, "SELECT pg_backend_pid()"));
  db.Admin().Exec("SELECT pg_terminate_backend(" + pid + ")");

  auto failed = Query(loop, conn, "SELECT 1");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().error.kind, Kind::kUnavailable);
  EXPECT_TRUE(failed.error().broken);
  EXPECT_TRUE(conn.LostServer());
  EXPECT_FALSE(conn.Usable());
}

TEST(PgConnection, ServerStatementTimeoutIsATimeout) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  ASSERT_TRUE(Connect(loop, conn, db.Url()));
  auto failed = Query(loop, conn, "SET statement_timeout = 50; SELECT pg_sleep(2)");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().error.kind, Kind::kTimeout);
  EXPECT_FALSE(failed.error().broken);
  EXPECT_TRUE(conn.Usable());
}

// The deadline cancels the wait on the socket; the connection, with a statement still running,
// is not reusable.
TEST(PgConnection, DeadlineCutsASlowStatement) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  ASSERT_TRUE(Connect(loop, conn, db.Url()));
  auto start = std::chrono::steady_clock::now();
  auto failed = Query(loop, conn, "SELECT pg_sleep(5)", 200ms);
  auto elapsed = ElapsedMs(start);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().error.kind, Kind::kTimeout);
  EXPECT_TRUE(failed.error().broken);
  EXPECT_FALSE(conn.LostServer());
  EXPECT_FALSE(conn.Usable());
  EXPECT_GE(elapsed, 190);
  EXPECT_LT(elapsed, 1000);
}

TEST(PgConnection, RunsTheSetUpStatementsOnConnect) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  LibpqParams params = Params(db.Url());
  auto connected = loop.Run(conn.Connect(
      params, "SET statement_timeout = 1234; PREPARE answer AS SELECT 42", Clock::now() + 5s));
  ASSERT_TRUE(connected);
  EXPECT_EQ(Value(Query(loop, conn, "SHOW statement_timeout")), "1234ms");
  auto prepared = loop.Run(conn.ExecPrepared("test", "answer", {}, Clock::now() + 5s));
  ASSERT_TRUE(prepared);
  // Binary result format: a big-endian int4.
  ASSERT_EQ(PQgetlength(prepared->get(), 0, 0), 4);
  EXPECT_EQ(static_cast<unsigned char>(PQgetvalue(prepared->get(), 0, 0)[3]), 42);
}

TEST(PgConnection, SslModeRequireEncrypts) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  ASSERT_TRUE(Connect(loop, conn, WithParameter(db.Url(), "sslmode=require")));
  EXPECT_EQ(Value(Query(loop, conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")),
            "t");
}

TEST(PgConnection, SslModeDisableStaysPlain) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  ASSERT_TRUE(Connect(loop, conn, WithParameter(db.Url(), "sslmode=disable")));
  EXPECT_EQ(Value(Query(loop, conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")),
            "f");
}

TEST(PgConnection, SslModeVerifyFullAcceptsTheServerCertificate) {
  TestDatabase db;
  std::string ca = ClusterDir(HELLO_PG_STATE_FILE) + "/ca.crt";
  EventLoop loop;
  PgConnection conn(loop.Executor());
  auto connected =
      Connect(loop, conn, WithParameter(db.Url(), "sslmode=verify-full&sslrootcert=" + ca));
  ASSERT_TRUE(connected) << connected.error().error.message;
  EXPECT_EQ(Value(Query(loop, conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")),
            "t");
}

TEST(PgConnection, SslModeVerifyFullRejectsAnUntrustedCertificate) {
  TestDatabase db;
  EventLoop loop;
  PgConnection conn(loop.Executor());
  auto connected =
      Connect(loop, conn,
              WithParameter(db.Url(),
                            "sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt"));
  ASSERT_FALSE(connected);
  EXPECT_EQ(connected.error().error.kind, Kind::kUnavailable);
  EXPECT_NE(connected.error().error.message.find("certificate"), std::string::npos)
      << connected.error().error.message;
}

class PasswordRole {
 public:
  explicit PasswordRole(const std::string& password) {
    name_ = "hello_pw_" + std::to_string(::getpid());
    AdminConnection admin(ClusterUrl());
    admin.Exec("DROP ROLE IF EXISTS " + name_);
    admin.Exec("CREATE ROLE " + name_ + " LOGIN PASSWORD '" + password +
               "' IN ROLE password_login");
  }
  ~PasswordRole() {
    try {
      AdminConnection(ClusterUrl()).Exec("DROP ROLE IF EXISTS " + name_);
    } catch (const std::exception&) {
      // Still owns sessions of a failed test; the cluster is thrown away after the run.
    }
  }
  const std::string& Name() const { return name_; }

 private:
  std::string name_;
};

// A password file, deleted when the object goes.
class Secret {
 public:
  explicit Secret(const std::string& content)
      : path_(std::filesystem::temp_directory_path() /
              ("hello-pg-test-secret-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter_++))) {
    std::ofstream(path_, std::ios::trunc) << content;
  }
  ~Secret() { std::filesystem::remove(path_); }
  std::string Path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

TEST(PgConnection, AuthenticatesWithThePasswordFile) {
  TestDatabase db;
  PasswordRole role("c0rrect-horse");
  std::string url = db.Url();
  url.replace(url.find("://") + 3, url.find('@') - url.find("://") - 3, role.Name());
  EventLoop loop;

  PgConnection right(loop.Executor());
  auto accepted = Connect(loop, right, url, 5s, Secret("c0rrect-horse\n").Path());
  ASSERT_TRUE(accepted) << accepted.error().error.message;
  EXPECT_EQ(Value(Query(loop, right, "SELECT current_user")), role.Name());

  PgConnection wrong(loop.Executor());
  auto refused = Connect(loop, wrong, url, 5s, Secret("wrong\n").Path());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().error.message.find("password authentication failed"), std::string::npos)
      << refused.error().error.message;

  PgConnection none(loop.Executor());
  EXPECT_FALSE(Connect(loop, none, url, 5s));
}

// The file's password is placed after the URL's, so it wins.
TEST(PgConnection, PasswordFileWinsOverAPasswordInTheUrl) {
  TestDatabase db;
  PasswordRole role("from-the-file");
  std::string url = db.Url();
  url.replace(url.find("://") + 3, url.find('@') - url.find("://") - 3, role.Name() + ":stale");
  EventLoop loop;
  PgConnection conn(loop.Executor());
  auto accepted = Connect(loop, conn, url, 5s, Secret("from-the-file").Path());
  ASSERT_TRUE(accepted) << accepted.error().error.message;
}

}  // namespace
}  // namespace hello::storage::postgres
