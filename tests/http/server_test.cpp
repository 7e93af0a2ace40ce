// The HTTP server on the real binary: keep-alive, pipelining, limits, timeouts, hostile input,
// request ids, HEAD and the access log.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace hello::testing {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kHeaderTimeout = 400ms;
constexpr auto kBodyTimeout = 400ms;
constexpr auto kIdleTimeout = 700ms;
// Room for a loaded (or sanitizer) build to notice a timeout and close.
constexpr auto kSlack = 1500ms;

const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"}};

std::filesystem::path FreshDirectory(const std::string& prefix) {
  std::mt19937_64 random{std::random_device{}()};
  auto path = std::filesystem::temp_directory_path() / (prefix + std::to_string(random()));
  std::filesystem::create_directories(path);
  return path;
}

std::string Ms(std::chrono::milliseconds value) { return std::to_string(value.count()); }

std::string ChunkedPut(const std::string& name, const std::vector<std::string>& chunks) {
  std::string request = "PUT /hello/" + name +
                        " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                        "Transfer-Encoding: chunked\r\n\r\n";
  for (const auto& chunk : chunks) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", chunk.size());
    request += std::string(size) + "\r\n" + chunk + "\r\n";
  }
  return request + "0\r\n\r\n";
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    directory_ = FreshDirectory("hello-server-test-");
    ServerOptions options;
    options.env = {{"HELLO_DATABASE_URL", "sqlite:" + (directory_ / "hello.db").string()},
                   {"HELLO_HEADER_TIMEOUT_MS", Ms(kHeaderTimeout)},
                   {"HELLO_BODY_TIMEOUT_MS", Ms(kBodyTimeout)},
                   {"HELLO_IDLE_TIMEOUT_MS", Ms(kIdleTimeout)},
                   {"HELLO_IO_THREADS", "2"}};
    server_ = std::make_unique<ServerProcess>(std::move(options));
  }

  static void TearDownTestSuite() {
    server_.reset();
    std::filesystem::remove_all(directory_);
  }

  static std::uint16_t Port() { return server_->Port(); }

  // Sends `raw` on a new connection; expects a problem+json `status`, then the close.
  static void ExpectRejected(const std::string& raw, int status) {
    HttpConnection connection(Port());
    connection.SendRaw(raw);
    const auto response = connection.ReadResponse();
    ASSERT_TRUE(response.has_value()) << "no response to: " << raw;
    EXPECT_EQ(response->status, status) << raw;
    EXPECT_EQ(response->Header("content-type"), "application/problem+json") << raw;
    EXPECT_NE(response->body.find("\"status\":" + std::to_string(status)), std::string::npos);
    EXPECT_EQ(response->Header("connection"), "close") << raw;
    EXPECT_TRUE(connection.WaitForClose(2s)) << "still open after: " << raw;
  }

  static inline std::filesystem::path directory_;
  static inline std::unique_ptr<ServerProcess> server_;
};

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  HttpConnection connection(Port());
  ASSERT_EQ(connection.Request("PUT", "/hello/Keepalive", R"({"dateOfBirth":"1990-01-02"})", kJson)
                ->status,
            204);
  for (int i = 0; i < 5; ++i) {
    const auto response = connection.Request("GET", "/hello/keepalive");
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_NE(response->Header("connection"), "close");
  }
  EXPECT_FALSE(connection.WaitForClose(100ms));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  HttpConnection connection(Port());
  const std::string body = R"({"dateOfBirth":"1991-03-04"})";
  connection.SendRaw(
      "PUT /hello/Pipelined HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body +
      "GET /hello/pipelined HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /hello/Nobodyhere HTTP/1.1\r\nHost: t\r\n\r\n"
      "HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::vector<int> statuses;
  for (bool head : {false, false, false, true, false}) {
    const auto response = connection.ReadResponse(head);
    ASSERT_TRUE(response.has_value());
    statuses.push_back(response->status);
    if (statuses.size() == 2) {
      EXPECT_NE(response->body.find("Pipelined"), std::string::npos);
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{204, 200, 404, 200, 200}));
  EXPECT_TRUE(connection.WaitForClose(2s));
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  HttpConnection plain(Port());
  plain.SendRaw("GET /healthz HTTP/1.0\r\n\r\n");
  const auto first = plain.ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_TRUE(plain.WaitForClose(2s));

  HttpConnection kept(Port());
  for (int i = 0; i < 2; ++i) {
    kept.SendRaw("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    const auto response = kept.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->Header("connection"), "keep-alive");
  }
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  HttpConnection connection(Port());
  const auto response = connection.Request("GET", "/healthz", "", {{"Connection", "close"}});
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("connection"), "close");
  EXPECT_TRUE(connection.WaitForClose(2s));
}

TEST_F(ServerTest, HeaderOverTheLimitGets431) {
  ExpectRejected(
      "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n", 431);
  // Many small fields add up the same way.
  std::string fields;
  for (int i = 0; i < 600; ++i) {
    fields += "X-Field-" + std::to_string(i) + ": value\r\n";
  }
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: t\r\n" + fields + "\r\n", 431);
}

TEST_F(ServerTest, HeaderJustUnderTheLimitIsServed) {
  const std::string start = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: ";
  const std::string end = "\r\n\r\n";
  HttpConnection connection(Port());
  connection.SendRaw(start + std::string(8192 - start.size() - end.size(), 'a') + end);
  const auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

TEST_F(ServerTest, BodyOverTheLimitGets413) {
  const std::string big = R"({"dateOfBirth":"1990-01-01","pad":")" + std::string(5000, 'a') + "\"}";
  ExpectRejected(
      "PUT /hello/Big HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
          std::to_string(big.size()) + "\r\n\r\n" + big,
      413);
  ExpectRejected(ChunkedPut("Big", {big.substr(0, 3000), big.substr(3000)}), 413);
  // Announced only: refused before any body byte is read.
  ExpectRejected("PUT /hello/Big HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000000000\r\n\r\n",
                 413);
}

TEST_F(ServerTest, BodyOfExactlyTheLimitIsRead) {
  std::string body = R"({"dateOfBirth":"1992-05-06","pad":")";
  body += std::string(4096 - body.size() - 2, 'a') + "\"}";
  ASSERT_EQ(body.size(), 4096u);
  const auto response = HttpRequest(Port(), "PUT", "/hello/Exactlimit", body, kJson);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 204);
}

TEST_F(ServerTest, ChunkedBodyIsAccepted) {
  HttpConnection connection(Port());
  connection.SendRaw(ChunkedPut("Chunky", {R"({"dateOf)", R"(Birth":"1993-07-08"})"}));
  const auto put = connection.ReadResponse();
  ASSERT_TRUE(put.has_value());
  EXPECT_EQ(put->status, 204);
  const auto get = connection.Request("GET", "/hello/chunky");
  ASSERT_TRUE(get.has_value());
  EXPECT_EQ(get->status, 200);
  EXPECT_NE(get->body.find("Chunky"), std::string::npos);
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  HttpConnection connection(Port());
  const std::string body = R"({"dateOfBirth":"1994-09-10"})";
  connection.SendRaw(
      "PUT /hello/Continued HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  const auto interim = connection.ReadResponse();
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->status, 100);
  connection.SendRaw(body);
  const auto final_response = connection.ReadResponse();
  ASSERT_TRUE(final_response.has_value());
  EXPECT_EQ(final_response->status, 204);
}

TEST_F(ServerTest, ConflictingFramingIsRefused) {
  const std::string put =
      "PUT /hello/Smuggle HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";
  ExpectRejected(put + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
  ExpectRejected(put + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400);
  ExpectRejected(put + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef", 400);
  ExpectRejected(put + "Content-Length: 5, 6\r\n\r\nabcdef", 400);
  ExpectRejected(put + "Content-Length: 99999999999999999999999999\r\n\r\n", 400);
  ExpectRejected(put + "Content-Length: -1\r\n\r\n", 400);
  ExpectRejected(put + "Content-Length: 0x10\r\n\r\n", 400);
  ExpectRejected(put + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 400);
  ExpectRejected(put + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
  ExpectRejected("PUT /hello/Smuggle HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400);
}

TEST_F(ServerTest, BadChunksAreRefused) {
  const std::string put =
      "PUT /hello/Chunks HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  ExpectRejected(put + "zz\r\nabc\r\n0\r\n\r\n", 400);
  ExpectRejected(put + "-5\r\nabc\r\n0\r\n\r\n", 400);
  ExpectRejected(put + "FFFFFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n", 400);
  ExpectRejected(put + "3\r\nabcdef\r\n0\r\n\r\n", 400);
}

TEST_F(ServerTest, MalformedHeadersAreRefused) {
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n b\r\n\r\n", 400);
  ExpectRejected(std::string("GET /healthz HTTP/1.1\r\nHost: t\r\nX-\x01"
                             "Bad: a\r\n\r\n"),
                 400);
  ExpectRejected(std::string("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Bad: a\x7f\r\n\r\n"), 400);
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Nul: a\0b\r\n\r\n"s, 400);
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: t\r\nX Space: a\r\n\r\n", 400);
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Colon : a\r\n\r\n", 400);
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: t\r\n: empty name\r\n\r\n", 400);
  ExpectRejected("GET /healthz HTTP/1.1\nHost: t\n\n", 400);
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", 400);
  ExpectRejected("GET /healthz HTTP/1.1\r\n\r\n", 400);  // no Host
  ExpectRejected("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

TEST_F(ServerTest, MalformedRequestLinesAreRefused) {
  ExpectRejected(std::string("GET /hello/a\x01z HTTP/1.1\r\nHost: t\r\n\r\n"), 400);
  ExpectRejected(std::string("GET /hello/a\x7fz HTTP/1.1\r\nHost: t\r\n\r\n"), 400);
  ExpectRejected("GET /hello/a z HTTP/1.1\r\nHost: t\r\n\r\n", 400);
  ExpectRejected("G(T /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400);
  ExpectRejected(" GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400);
  ExpectRejected("GET healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400);
  ExpectRejected("GET /healthz HTTP/1.x\r\nHost: t\r\n\r\n", 400);
  ExpectRejected("GET /healthz HTTX/1.1\r\nHost: t\r\n\r\n", 400);
  ExpectRejected("GET /healthz\r\nHost: t\r\n\r\n", 400);
  ExpectRejected("\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400);
}

TEST_F(ServerTest, VersionsOtherThanHttp10And11AreRefused) {
  for (const char* version : {"HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/11.1"}) {
    ExpectRejected(std::string("GET /healthz ") + version + "\r\nHost: t\r\n\r\n", 400);
  }
}

TEST_F(ServerTest, AbsoluteFormTargetIsServed) {
  HttpConnection connection(Port());
  connection.SendRaw("GET http://example.test/healthz HTTP/1.1\r\nHost: example.test\r\n\r\n");
  const auto response = connection.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

TEST_F(ServerTest, HalfAHeaderIsCutOffWithinTheHeaderTimeout) {
  HttpConnection connection(Port());
  const auto start = Clock::now();
  connection.SendRaw("GET /healthz HTTP/1.1\r\nHost: t\r\n");
  EXPECT_TRUE(connection.WaitForClose(kHeaderTimeout + kSlack));
  EXPECT_GE(Clock::now() - start, kHeaderTimeout - 50ms);
}

TEST_F(ServerTest, TricklingAHeaderDoesNotExtendTheHeaderTimeout) {
  HttpConnection connection(Port());
  const std::string header =
      "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: " + std::string(100, 'a') + "\r\n\r\n";
  const auto start = Clock::now();
  bool closed = false;
  for (char c : header) {
    connection.SendRaw(std::string(1, c));
    if (connection.WaitForClose(20ms)) {
      closed = true;
      break;
    }
  }
  EXPECT_TRUE(closed || connection.WaitForClose(kSlack));
  EXPECT_LT(Clock::now() - start, kHeaderTimeout + kSlack);
}

TEST_F(ServerTest, SilentConnectionIsClosedAfterTheHeaderTimeout) {
  HttpConnection connection(Port());
  EXPECT_TRUE(connection.WaitForClose(kHeaderTimeout + kSlack));
}

TEST_F(ServerTest, StalledBodyIsCutOffWithinTheBodyTimeout) {
  HttpConnection connection(Port());
  const auto start = Clock::now();
  connection.SendRaw(
      "PUT /hello/Stalled HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 40\r\n\r\n{\"dateOf");
  EXPECT_TRUE(connection.WaitForClose(kBodyTimeout + kSlack));
  EXPECT_GE(Clock::now() - start, kBodyTimeout - 50ms);
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpConnection connection(Port());
  ASSERT_TRUE(connection.Request("GET", "/healthz").has_value());
  const auto start = Clock::now();
  EXPECT_TRUE(connection.WaitForClose(kIdleTimeout + kSlack));
  EXPECT_GE(Clock::now() - start, kIdleTimeout - 50ms);
}

TEST_F(ServerTest, ConnectionStaysOpenWithinTheIdleTimeout) {
  HttpConnection connection(Port());
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(kIdleTimeout / 2);
    const auto response = connection.Request("GET", "/healthz");
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->status, 200);
  }
}

TEST_F(ServerTest, ClientThatDoesNotReadIsCutOffByTheWriteTimeout) {
  // Far more response bytes than socket buffers hold; the client never reads them.
  HttpConnection silent(Port());
  std::string requests;
  for (int i = 0; i < 2000; ++i) {
    requests += "GET /openapi.json HTTP/1.1\r\nHost: t\r\n\r\n";
  }
  silent.SendRaw(requests);

  // Only the connection asking for /metrics stays open once the write has timed out.
  const std::regex only_one("\nhttp_connections_open 1\n");
  bool closed = false;
  for (const auto deadline = Clock::now() + kBodyTimeout + kSlack + 1s;
       !closed && Clock::now() < deadline;) {
    std::this_thread::sleep_for(50ms);
    const auto metrics = HttpRequest(Port(), "GET", "/metrics");
    closed = metrics && std::regex_search(metrics->body, only_one);
  }
  EXPECT_TRUE(closed);
}

TEST_F(ServerTest, SaneRequestIdIsEchoed) {
  const auto response = HttpRequest(Port(), "GET", "/healthz", "", {{"X-Request-Id", "abc-1.2_Z"}});
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Header("x-request-id"), "abc-1.2_Z");
}

TEST_F(ServerTest, MissingOrUnsafeRequestIdIsReplaced) {
  const std::regex generated("[0-9a-f]{32}");
  std::set<std::string> ids;
  for (const std::string& given : {std::string(), std::string("has space"), std::string(65, 'a'),
                                   std::string("\"quoted\""), std::string("Zo\xc3\xab")}) {
    std::map<std::string, std::string> headers;
    if (!given.empty()) {
      headers["X-Request-Id"] = given;
    }
    const auto response = HttpRequest(Port(), "GET", "/healthz", "", headers);
    ASSERT_TRUE(response.has_value()) << given;
    const auto id = response->Header("x-request-id");
    EXPECT_TRUE(std::regex_match(id, generated)) << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 5u);
  // Rejected requests carry an id too.
  HttpConnection connection(Port());
  connection.SendRaw("GET /healthz HTTP/1.1\r\n\r\n");
  const auto rejected = connection.ReadResponse();
  ASSERT_TRUE(rejected.has_value());
  EXPECT_TRUE(std::regex_match(rejected->Header("x-request-id"), generated));
}

TEST_F(ServerTest, HeadHasTheLengthOfGetAndNoBody) {
  ASSERT_EQ(HttpRequest(Port(), "PUT", "/hello/Headcount", R"({"dateOfBirth":"1995-11-12"})", kJson)
                ->status,
            204);
  HttpConnection connection(Port());
  const auto get = connection.Request("GET", "/hello/headcount");
  ASSERT_TRUE(get.has_value());
  const auto head = connection.Request("HEAD", "/hello/headcount");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("content-length"), std::to_string(get->body.size()));
  EXPECT_TRUE(head->body.empty());
  // Had a body been sent, it would now be read as the next response's status line.
  const auto after = connection.Request("GET", "/healthz");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->status, 200);
  const auto missing = connection.Request("HEAD", "/hello/Nobodyhere");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  EXPECT_NE(missing->Header("content-length"), "0");
}

TEST_F(ServerTest, ResponsesCarryADate) {
  const auto response = HttpRequest(Port(), "GET", "/healthz");
  ASSERT_TRUE(response.has_value());
  EXPECT_TRUE(std::regex_match(
      response->Header("date"),
      std::regex("[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT")))
      << response->Header("date");
}

TEST_F(ServerTest, AccessLogHasOneLinePerRequestWithoutUserData) {
  ASSERT_EQ(HttpRequest(Port(), "PUT", "/hello/Secretperson", R"({"dateOfBirth":"1987-06-05"})",
                        {{"Content-Type", "application/json"}, {"X-Request-Id", "access-log-1"}})
                ->status,
            204);
  ASSERT_TRUE(
      HttpRequest(Port(), "GET", "/hello/secretperson", "", {{"X-Request-Id", "access-log-2"}})
          .has_value());

  // The logger writes asynchronously; give it a moment.
  std::string put_line;
  std::string get_line;
  for (int attempt = 0; attempt < 100 && (put_line.empty() || get_line.empty()); ++attempt) {
    std::this_thread::sleep_for(20ms);
    std::istringstream lines(server_->Output());
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"access-log-1\"") != std::string::npos) put_line = line;
      if (line.find("\"access-log-2\"") != std::string::npos) get_line = line;
    }
  }
  ASSERT_FALSE(put_line.empty());
  ASSERT_FALSE(get_line.empty());
  for (const auto& line : {put_line, get_line}) {
    EXPECT_NE(line.find("\"msg\":\"request\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"route\":\"/hello/{username}\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"duration_seconds\":"), std::string::npos) << line;
    EXPECT_NE(line.find("\"bytes_in\":"), std::string::npos) << line;
    EXPECT_NE(line.find("\"bytes_out\":"), std::string::npos) << line;
  }
  EXPECT_NE(put_line.find("\"method\":\"PUT\""), std::string::npos);
  EXPECT_NE(put_line.find("\"status\":204"), std::string::npos);
  EXPECT_NE(get_line.find("\"status\":200"), std::string::npos);
  const auto output = server_->Output();
  EXPECT_EQ(output.find("ecretperson"), std::string::npos);
  EXPECT_EQ(output.find("1987-06-05"), std::string::npos);
}

TEST_F(ServerTest, HealthcheckCommandProbesTheServer) {
  ServerOptions probe;
  probe.args = {"healthcheck"};
  probe.env = {{"HELLO_LISTEN", "127.0.0.1:" + std::to_string(Port())}};
  probe.wait_until_listening = false;
  ServerProcess healthy(probe);
  EXPECT_EQ(healthy.WaitForExit(5s), 0) << healthy.Output();

  // Nothing listens on a port this test just closed.
  std::uint16_t closed_port = 0;
  {
    ServerOptions other;
    other.env = {{"HELLO_DATABASE_URL", "sqlite:" + (directory_ / "other.db").string()}};
    ServerProcess temporary(other);
    closed_port = temporary.Port();
  }
  probe.env["HELLO_LISTEN"] = "127.0.0.1:" + std::to_string(closed_port);
  ServerProcess unhealthy(probe);
  EXPECT_EQ(unhealthy.WaitForExit(5s), 1);
  EXPECT_NE(unhealthy.Output().find("healthcheck:"), std::string::npos);
}

// A server of its own: two connections at most.
TEST(ServerLimits, ConnectionsOverTheLimitGet503) {
  const auto directory = FreshDirectory("hello-limit-test-");
  ServerOptions options;
  options.env = {{"HELLO_DATABASE_URL", "sqlite:" + (directory / "hello.db").string()},
                 {"HELLO_MAX_CONNECTIONS", "2"}};
  ServerProcess server(std::move(options));

  auto first = std::make_unique<HttpConnection>(server.Port());
  HttpConnection second(server.Port());
  ASSERT_TRUE(first->Request("GET", "/healthz").has_value());
  ASSERT_TRUE(second.Request("GET", "/healthz").has_value());

  HttpConnection third(server.Port());
  third.SendRaw("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto refused = third.ReadResponse();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Header("retry-after"), "1");
  EXPECT_EQ(refused->Header("content-type"), "application/problem+json");
  EXPECT_TRUE(third.WaitForClose(2s));

  // A freed place is usable again, and the refusal was counted.
  first.reset();
  std::optional<HttpResponse> metrics;
  for (int attempt = 0; attempt < 50; ++attempt) {
    metrics = HttpRequest(server.Port(), "GET", "/metrics");
    if (metrics && metrics->status == 200) {
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(metrics.has_value());
  ASSERT_EQ(metrics->status, 200);
  // Retries above may have been refused too: at least the first refusal is counted.
  EXPECT_TRUE(
      std::regex_search(metrics->body, std::regex("\nhttp_connections_refused_total [1-9]")))
      << metrics->body;
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace hello::testing
