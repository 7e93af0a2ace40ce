// The API contract, clause by clause, against the real binary. The same suite runs on every
// storage backend: HELLO_TEST_DATABASE_URL selects it (default: a fresh SQLite file).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace hello::testing {
namespace {

namespace json = boost::json;
using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// Shared storage backends are used by parallel tests: every name is unique to its test.
std::string UniqueSuffix() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  std::string suffix;
  for (int i = 0; i < 10; ++i) {
    suffix += static_cast<char>('a' + random() % 26);
  }
  return suffix;
}

// Percent-encodes every byte outside unreserved ASCII, as a client must for UTF-8 names.
std::string Encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

year_month_day TodayUtc() {
  return year_month_day{std::chrono::floor<days>(std::chrono::system_clock::now())};
}

std::string Format(year_month_day date) {
  char text[16];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

// A date of birth whose next birthday is `days_ahead` days from today. Going back 28 years
// keeps the weekday-free calendar identical, leap days included.
std::string BirthdayInDays(int days_ahead) {
  const year_month_day target{sys_days{TodayUtc()} + days{days_ahead}};
  return Format(
      year_month_day{target.year() - std::chrono::years{28}, target.month(), target.day()});
}

std::string DobBody(const std::string& date) { return R"({"dateOfBirth":")" + date + R"("})"; }

const std::map<std::string, std::string> kJson = {{"Content-Type", "application/json"}};

class ContractTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ServerOptions options;
    const char* url = std::getenv("HELLO_TEST_DATABASE_URL");
    if (url != nullptr && *url != '\0') {
      options.env["HELLO_DATABASE_URL"] = url;
    } else {
      directory_ = std::filesystem::temp_directory_path() / ("hello-contract-" + UniqueSuffix());
      options.env["HELLO_DATABASE_URL"] = "sqlite:" + (directory_ / "hello.db").string();
    }
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"}) {
      if (const char* value = std::getenv(name)) {
        options.env[name] = value;
      }
    }
    server_ = std::make_unique<ServerProcess>(std::move(options));
  }

  static void TearDownTestSuite() {
    server_.reset();
    if (!directory_.empty()) {
      std::filesystem::remove_all(directory_);
    }
  }

  static HttpResponse Call(const std::string& method, const std::string& target,
                           const std::string& body = "",
                           const std::map<std::string, std::string>& headers = {}) {
    auto response = HttpRequest(server_->Port(), method, target, body, headers);
    EXPECT_TRUE(response.has_value()) << method << " " << target << " got no response";
    return response.value_or(HttpResponse{});
  }

  static HttpResponse Put(const std::string& encoded_name, const std::string& body) {
    return Call("PUT", "/hello/" + encoded_name, body, kJson);
  }

  static std::string Message(const HttpResponse& response) {
    return json::value_to<std::string>(json::parse(response.body).at("message"));
  }

  // Asserts the RFC 9457 shape and returns the detail.
  static std::string ExpectProblem(const HttpResponse& response, int status) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.Header("content-type"), "application/problem+json");
    const auto body = json::parse(response.body).as_object();
    EXPECT_TRUE(body.contains("type"));
    EXPECT_TRUE(body.contains("title"));
    EXPECT_EQ(body.at("status").as_int64(), status);
    EXPECT_FALSE(body.at("detail").as_string().empty());
    return json::value_to<std::string>(body.at("detail"));
  }

  static inline std::unique_ptr<ServerProcess> server_;
  static inline std::filesystem::path directory_;
};

TEST_F(ContractTest, PutStoresDurablyWithEmptyNoContent) {
  const auto response = Put("Alice" + UniqueSuffix(), DobBody("1990-05-17"));
  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
}

TEST_F(ContractTest, GreetsWithDaysUntilBirthday) {
  const std::string name = "Ada" + UniqueSuffix();
  ASSERT_EQ(Put(name, DobBody(BirthdayInDays(5))).status, 204);
  const auto response = Call("GET", "/hello/" + name);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("content-type"), "application/json");
  EXPECT_EQ(Message(response), "Hello, " + name + "! Your birthday is in 5 days");
}

TEST_F(ContractTest, SaysOneDayInSingular) {
  const std::string name = "Bob" + UniqueSuffix();
  ASSERT_EQ(Put(name, DobBody(BirthdayInDays(1))).status, 204);
  EXPECT_EQ(Message(Call("GET", "/hello/" + name)),
            "Hello, " + name + "! Your birthday is in 1 day");
}

TEST_F(ContractTest, WishesHappyBirthdayOnTheDay) {
  const std::string name = "Cleo" + UniqueSuffix();
  ASSERT_EQ(Put(name, DobBody(BirthdayInDays(0))).status, 204);
  EXPECT_EQ(Message(Call("GET", "/hello/" + name)), "Hello, " + name + "! Happy birthday!");
}

TEST_F(ContractTest, CountsUpTo365DaysForYesterdaysBirthday) {
  const std::string name = "Dora" + UniqueSuffix();
  const year_month_day yesterday{sys_days{TodayUtc()} - days{1}};
  const year_month_day birth{yesterday.year() - std::chrono::years{28}, yesterday.month(),
                             yesterday.day()};
  ASSERT_EQ(Put(name, DobBody(Format(birth))).status, 204);
  const year_month_day next{yesterday.year() + std::chrono::years{1}, yesterday.month(),
                            yesterday.day()};
  const auto expected = (sys_days{next} - sys_days{TodayUtc()}).count();
  EXPECT_EQ(Message(Call("GET", "/hello/" + name)),
            "Hello, " + name + "! Your birthday is in " + std::to_string(expected) + " days");
}

TEST_F(ContractTest, IdentityIsCaseInsensitiveAndGreetsWithLatestSpelling) {
  const std::string suffix = UniqueSuffix();
  ASSERT_EQ(Put("alice" + suffix, DobBody("1990-01-01")).status, 204);
  std::string upper = "ALICE" + suffix;
  for (auto& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const auto first = Call("GET", "/hello/" + upper);
  ASSERT_EQ(first.status, 200);
  EXPECT_TRUE(Message(first).starts_with("Hello, alice" + suffix + "!"));

  ASSERT_EQ(Put(upper, DobBody("1990-01-01")).status, 204);
  EXPECT_TRUE(Message(Call("GET", "/hello/Alice" + suffix)).starts_with("Hello, " + upper + "!"));
}

TEST_F(ContractTest, NfcAndNfdSpellingsAreOneUserGreetedInNfc) {
  const std::string suffix = UniqueSuffix();
  const std::string nfd = "Zoe\xCC\x88" + suffix;  // e + COMBINING DIAERESIS
  const std::string nfc = "Zo\xC3\xAB" + suffix;   // LATIN SMALL LETTER E WITH DIAERESIS
  ASSERT_EQ(Put(Encode(nfd), DobBody("1985-03-03")).status, 204);
  const auto response = Call("GET", "/hello/" + Encode(nfc));
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(Message(response).starts_with("Hello, " + nfc + "!")) << response.body;
}

TEST_F(ContractTest, AcceptsNamesInManyScripts) {
  for (const std::string base :
       {"Jos\xC3\xA9", "\xC5\x81ukasz", "\xD0\x90\xD0\xBD\xD0\xBD\xD0\xB0", "\xE6\x9D\x8E"}) {
    const std::string name = base + UniqueSuffix();
    ASSERT_EQ(Put(Encode(name), DobBody("2000-02-29")).status, 204) << base;
    const auto response = Call("GET", "/hello/" + Encode(name));
    ASSERT_EQ(response.status, 200);
    EXPECT_TRUE(Message(response).starts_with("Hello, " + name + "!"));
  }
}

TEST_F(ContractTest, RejectsInvalidUsernamesOnEveryMethod) {
  const std::string sixty_five(65, 'a');
  for (const std::string& bad :
       {std::string("abc1"), std::string("a%20b"), std::string("a-b"), std::string("o%27hara"),
        std::string("a.b"), std::string("%F0%9F%98%80"), std::string("%FF%FE"),
        std::string("a%2Fb"), std::string(""), sixty_five, std::string("%E2%82%AC"),
        std::string("%CC%88a"), std::string("a%2"), std::string("a%00b")}) {
    ExpectProblem(Put(bad, DobBody("1990-01-01")), 400);
    ExpectProblem(Call("GET", "/hello/" + bad), 400);
    ExpectProblem(Call("DELETE", "/hello/" + bad), 400);
  }
  EXPECT_EQ(Put(std::string(64, 'a') + "", DobBody("1990-01-01")).status, 204);
}

TEST_F(ContractTest, RejectsEachBrokenDateRuleWithItsOwnDetail) {
  const std::string name = "Eve" + UniqueSuffix();
  const std::string today = Format(TodayUtc());
  const std::string tomorrow = Format(year_month_day{sys_days{TodayUtc()} + days{1}});
  std::set<std::string> details;
  for (const std::string& date :
       {today, tomorrow, std::string("1990-2-03"), std::string("1990-02-30"),
        std::string("0000-01-01"), std::string("90-01-01"), std::string("1990/01/01"),
        std::string(" 1990-01-01"), std::string("1990-13-01")}) {
    details.insert(ExpectProblem(Put(name, DobBody(date)), 400));
  }
  EXPECT_GE(details.size(), 4U) << "details should say which rule failed";
  EXPECT_EQ(Call("GET", "/hello/" + name).status, 404) << "nothing may be stored";
}

TEST_F(ContractTest, RejectsBodiesThatAreNotTheExpectedJson) {
  const std::string name = "Finn" + UniqueSuffix();
  for (const std::string& body :
       {std::string("not json"), std::string("[]"), std::string("\"1990-01-01\""),
        std::string("{}"), std::string(R"({"dateOfBirth":19900101})"),
        std::string(R"({"dateOfBirth":null})"),
        std::string(R"({"dateOfBirth":"1990-01-01","dateOfBirth":"1991-01-01"})"),
        std::string(R"({"dateOfBirth":"1990-01-01")"), std::string("")}) {
    ExpectProblem(Put(name, body), 400);
  }
  EXPECT_EQ(Put(name, R"({"dateOfBirth":"1990-01-01","nickname":"x","n":[1,{}]})").status, 204);
}

TEST_F(ContractTest, RequiresJsonContentType) {
  const std::string name = "Gus" + UniqueSuffix();
  const std::string body = DobBody("1990-01-01");
  ExpectProblem(Call("PUT", "/hello/" + name, body), 415);
  ExpectProblem(Call("PUT", "/hello/" + name, body, {{"Content-Type", "text/plain"}}), 415);
  ExpectProblem(Call("PUT", "/hello/" + name, body, {{"Content-Type", "application/jsonx"}}), 415);
  EXPECT_EQ(
      Call("PUT", "/hello/" + name, body, {{"Content-Type", "application/json; charset=utf-8"}})
          .status,
      204);
  EXPECT_EQ(Call("PUT", "/hello/" + name, body, {{"Content-Type", "Application/JSON"}}).status,
            204);
}

TEST_F(ContractTest, RejectsBodiesOver4KiB) {
  // JSON allows any amount of whitespace, so the same document can sit right at the limit.
  const std::string head = R"({"dateOfBirth":"1990-01-01")";
  const std::string at_limit = head + std::string(4096 - head.size() - 1, ' ') + "}";
  ASSERT_EQ(at_limit.size(), 4096U);
  EXPECT_EQ(Put("Hal" + UniqueSuffix(), at_limit).status, 204);
  const std::string over_limit = head + std::string(4097 - head.size() - 1, ' ') + "}";
  ExpectProblem(Put("Hal" + UniqueSuffix(), over_limit), 413);
}

TEST_F(ContractTest, LastWriterWins) {
  const std::string name = "Ida" + UniqueSuffix();
  ASSERT_EQ(Put(name, DobBody(BirthdayInDays(10))).status, 204);
  ASSERT_EQ(Put(name, DobBody(BirthdayInDays(20))).status, 204);
  EXPECT_EQ(Message(Call("GET", "/hello/" + name)),
            "Hello, " + name + "! Your birthday is in 20 days");
}

TEST_F(ContractTest, UnknownUserIsNotFound) {
  ExpectProblem(Call("GET", "/hello/Nobody" + UniqueSuffix()), 404);
}

TEST_F(ContractTest, DeleteErasesAndIsIdempotent) {
  const std::string name = "Jon" + UniqueSuffix();
  ASSERT_EQ(Put(name, DobBody("1970-07-07")).status, 204);
  const auto erased = Call("DELETE", "/hello/" + name);
  EXPECT_EQ(erased.status, 204);
  EXPECT_TRUE(erased.body.empty());
  ExpectProblem(Call("GET", "/hello/" + name), 404);
  EXPECT_EQ(Call("DELETE", "/hello/" + name).status, 204);
}

TEST_F(ContractTest, HeadMirrorsGetWithoutBody) {
  const std::string name = "Kai" + UniqueSuffix();
  ASSERT_EQ(Put(name, DobBody("1990-01-01")).status, 204);
  const auto get = Call("GET", "/hello/" + name);
  HttpConnection connection(server_->Port());
  connection.SendRaw("HEAD /hello/" + name + " HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto head = connection.ReadResponse(/*head=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
  EXPECT_EQ(head->Header("content-length"), std::to_string(get.body.size()));
  ExpectProblem(Call("GET", "/hello/Nobody" + UniqueSuffix()), 404);
}

TEST_F(ContractTest, OtherMethodsGet405WithAllow) {
  const auto post = Call("POST", "/hello/Lea" + UniqueSuffix(), DobBody("1990-01-01"), kJson);
  ExpectProblem(post, 405);
  EXPECT_EQ(post.Header("allow"), "GET, HEAD, PUT, DELETE");
  for (const std::string path : {"/healthz", "/readyz", "/metrics", "/openapi.json"}) {
    const auto response = Call("POST", path);
    ExpectProblem(response, 405);
    EXPECT_EQ(response.Header("allow"), "GET, HEAD") << path;
  }
  ExpectProblem(Call("PATCH", "/hello/Max" + UniqueSuffix()), 405);
}

TEST_F(ContractTest, UnknownPathsAreNotFoundProblems) {
  for (const std::string path : {"/", "/hello", "/hello/a/b", "/helloworld", "/HEALTHZ"}) {
    ExpectProblem(Call("GET", path), 404);
  }
}

TEST_F(ContractTest, HealthAndReadinessAnswer) {
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  const auto ready = Call("GET", "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
}

TEST_F(ContractTest, MetricsCountRequestsByRouteTemplateWithoutNames) {
  const std::string name = "Ned" + UniqueSuffix();
  const auto count = [&] {
    const auto body = Call("GET", "/metrics").body;
    std::istringstream lines(body);
    double total = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("http_requests_total{") &&
          line.find("route=\"/hello/{username}\"") != std::string::npos &&
          line.find("status=\"404\"") != std::string::npos) {
        total += std::stod(line.substr(line.rfind(' ') + 1));
      }
    }
    return total;
  };
  const double before = count();
  ExpectProblem(Call("GET", "/hello/" + name), 404);
  ExpectProblem(Call("GET", "/hello/" + name), 404);
  EXPECT_EQ(count(), before + 2);
  const auto metrics = Call("GET", "/metrics");
  EXPECT_TRUE(metrics.Header("content-type").starts_with("text/plain"));
  EXPECT_EQ(metrics.body.find(name), std::string::npos);
  for (const char* family : {"http_request_duration_seconds_bucket", "http_requests_in_flight",
                             "storage_operation_duration_seconds", "hello_build_info",
                             "process_resident_memory_bytes", "process_open_fds"}) {
    EXPECT_NE(metrics.body.find(family), std::string::npos) << family;
  }
}

TEST_F(ContractTest, EchoesOrGeneratesRequestIds) {
  const auto echoed = Call("GET", "/healthz", "", {{"X-Request-Id", "trace-42.a_b"}});
  EXPECT_EQ(echoed.Header("x-request-id"), "trace-42.a_b");
  const auto generated = Call("GET", "/healthz");
  EXPECT_FALSE(generated.Header("x-request-id").empty());
}

TEST_F(ContractTest, LogsNeitherNamesNorDatesOfBirth) {
  const std::string name = "Quintessa" + UniqueSuffix();
  const std::string date = "1961-04-12";
  ASSERT_EQ(Put(name, DobBody(date)).status, 204);
  ASSERT_EQ(Call("GET", "/hello/" + name).status, 200);
  ExpectProblem(Put(name + "1", DobBody(date)), 400);

  // Access lines are written asynchronously: wait until this test's lines are out.
  std::string output;
  for (int i = 0; i < 100; ++i) {
    output = server_->Output();
    if (output.find("\"route\":\"/hello/{username}\"") != std::string::npos &&
        output.find("\"status\":400") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(output.find("\"route\":\"/hello/{username}\""), std::string::npos);
  EXPECT_EQ(output.find(name), std::string::npos);
  EXPECT_EQ(output.find(date), std::string::npos);
  EXPECT_EQ(output.find("1961"), std::string::npos);
}

// Every route and status the server produces must be described in the OpenAPI document, and
// the served document must be the one kept in the repository.
TEST_F(ContractTest, OpenApiDocumentDescribesEveryProducedStatus) {
  const auto served = Call("GET", "/openapi.json");
  ASSERT_EQ(served.status, 200);
  std::ifstream file(std::string(HELLO_SOURCE_DIR) + "/api/openapi.json");
  const std::string kept((std::istreambuf_iterator<char>(file)), {});
  EXPECT_EQ(json::parse(served.body), json::parse(kept));
  const auto doc = json::parse(kept).as_object();
  const auto& paths = doc.at("paths").as_object();

  const std::string name = "Omar" + UniqueSuffix();
  struct Case {
    std::string method, target, route, body;
    std::map<std::string, std::string> headers;
  };
  const std::string big(5000, ' ');
  const std::vector<Case> cases = {
      {"PUT", "/hello/" + name, "/hello/{username}", DobBody("1990-01-01"), kJson},
      {"GET", "/hello/" + name, "/hello/{username}", "", {}},
      {"HEAD", "/hello/" + name, "/hello/{username}", "", {}},
      {"DELETE", "/hello/" + name, "/hello/{username}", "", {}},
      {"GET", "/hello/" + name, "/hello/{username}", "", {}},
      {"GET", "/hello/1", "/hello/{username}", "", {}},
      {"PUT", "/hello/" + name, "/hello/{username}", DobBody("1990-01-01"), {}},
      {"PUT", "/hello/" + name, "/hello/{username}", "{" + big + "}", kJson},
      {"POST", "/hello/" + name, "/hello/{username}", "", {}},
      {"GET", "/healthz", "/healthz", "", {}},
      {"GET", "/readyz", "/readyz", "", {}},
      {"GET", "/metrics", "/metrics", "", {}},
      {"GET", "/openapi.json", "/openapi.json", "", {}},
      {"DELETE", "/metrics", "/metrics", "", {}},
      {"GET", "/hello/" + name, "/hello/{username}", "", {{"X-Big", std::string(9000, 'x')}}},
  };
  for (const auto& c : cases) {
    HttpConnection connection(server_->Port());
    std::string raw = c.method + " " + c.target + " HTTP/1.1\r\nHost: t\r\n";
    for (const auto& [key, value] : c.headers) {
      raw += key + ": " + value + "\r\n";
    }
    raw += "Content-Length: " + std::to_string(c.body.size()) + "\r\n\r\n" + c.body;
    connection.SendRaw(raw);
    const auto response = connection.ReadResponse(c.method == "HEAD");
    ASSERT_TRUE(response.has_value()) << c.method << " " << c.target;
    std::string method = c.method;
    for (auto& ch : method) {
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    ASSERT_TRUE(paths.contains(c.route)) << c.route;
    const auto& item = paths.at(c.route).as_object();
    const std::string status = std::to_string(response->status);
    // 405 is documented on the operations that exist; other methods have none to carry it.
    const auto* operation = item.if_contains(method);
    if (operation == nullptr) {
      ASSERT_EQ(response->status, 405) << c.method << " " << c.route;
      ASSERT_TRUE(item.at("get").at("responses").as_object().contains("405"));
      continue;
    }
    EXPECT_TRUE(operation->at("responses").as_object().contains(status))
        << c.method << " " << c.route << " produced " << status << " which is undocumented";
  }
  EXPECT_TRUE(doc.at("components").at("responses").as_object().contains("NotFound"));
}

}  // namespace
}  // namespace hello::testing
