// DynamoDB items <-> UserRecord, readiness from DescribeTable, and the table migration.

#include "storage/dynamodb/dynamodb_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>
#include <exception>

#include "domain/birthday.hpp"
#include "observability/log.hpp"
#include "storage/dynamodb/credentials_provider.hpp"
#include "storage/dynamodb/curl_transport.hpp"
#include "storage/dynamodb/dynamodb_settings.hpp"

namespace hello::storage::dynamodb {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using observability::Log;
using observability::LogLevel;

constexpr std::string_view kKey = "pk";
constexpr std::string_view kName = "name";
constexpr std::string_view kDateOfBirth = "dob";
constexpr std::string_view kUpdatedAt = "updated_at";

// Migration calls may wait longer than a request: nobody is waiting for an answer.
constexpr std::chrono::milliseconds kMigrateCallDeadline{10000};
constexpr std::chrono::milliseconds kTablePollInterval{200};

StorageError ToStorageError(CallError error) {
  return StorageError{error.kind, std::move(error.message)};
}

json::object StringAttribute(std::string_view value) { return json::object{{"S", value}}; }

// The "S" value of an item attribute, or nullptr.
const json::string* StringOf(const json::object& item, std::string_view name) {
  const json::value* attribute = item.if_contains(name);
  if (attribute == nullptr || !attribute->is_object()) {
    return nullptr;
  }
  const json::value* text = attribute->get_object().if_contains("S");
  return text != nullptr && text->is_string() ? &text->get_string() : nullptr;
}

// "YYYY-MM-DD" exactly, as the adapter writes it.
std::optional<std::chrono::year_month_day> ParseStoredDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  int fields[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (std::size_t i = starts[f]; i < starts[f] + lengths[f]; ++i) {
      if (text[i] < '0' || text[i] > '9') {
        return std::nullopt;
      }
      fields[f] = fields[f] * 10 + (text[i] - '0');
    }
  }
  const std::chrono::year_month_day date{std::chrono::year(fields[0]),
                                         std::chrono::month(static_cast<unsigned>(fields[1])),
                                         std::chrono::day(static_cast<unsigned>(fields[2]))};
  if (!date.ok()) {
    return std::nullopt;
  }
  return date;
}

// UTC now as RFC 3339 with milliseconds: when the item was last written.
std::string UtcTimestamp() {
  const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  const auto day = std::chrono::floor<std::chrono::days>(now);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{now - day};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return text;
}

json::object KeyOf(std::string_view key) { return json::object{{kKey, StringAttribute(key)}}; }

std::string TableStatus(const json::object& answer) {
  const json::value* table = answer.if_contains("Table");
  if (table == nullptr || !table->is_object()) {
    return {};
  }
  const json::value* status = table->get_object().if_contains("TableStatus");
  return status != nullptr && status->is_string() ? std::string(status->get_string())
                                                  : std::string();
}

bool StringEquals(const json::value& object, std::string_view name, std::string_view expected) {
  if (!object.is_object()) {
    return false;
  }
  const json::value* value = object.get_object().if_contains(name);
  return value != nullptr && value->is_string() && value->get_string() == expected;
}

// True when the table's only key is `pk` (HASH) of type S.
bool HasExpectedKeySchema(const json::object& answer) {
  const json::value* table = answer.if_contains("Table");
  if (table == nullptr || !table->is_object()) {
    return false;
  }
  const json::value* schema = table->get_object().if_contains("KeySchema");
  const json::value* definitions = table->get_object().if_contains("AttributeDefinitions");
  if (schema == nullptr || !schema->is_array() || schema->get_array().size() != 1 ||
      definitions == nullptr || !definitions->is_array()) {
    return false;
  }
  const json::value& key = schema->get_array().front();
  if (!StringEquals(key, "AttributeName", kKey) || !StringEquals(key, "KeyType", "HASH")) {
    return false;
  }
  for (const json::value& definition : definitions->get_array()) {
    if (StringEquals(definition, "AttributeName", kKey)) {
      return StringEquals(definition, "AttributeType", "S");
    }
  }
  return false;
}

// Creates the table if needed, then waits until it is ACTIVE.
asio::awaitable<Expected<void, std::string>> EnsureTable(const DynamoDbClient& client,
                                                         std::chrono::milliseconds active_timeout) {
  const std::string& table = client.Settings().table;
  const json::object describe{{"TableName", table}};

  auto described = co_await client.Call("DescribeTable", describe);
  if (!described && described.error().aws_type == "ResourceNotFoundException") {
    const json::object create{
        {"TableName", table},
        {"AttributeDefinitions",
         json::array{json::object{{"AttributeName", kKey}, {"AttributeType", "S"}}}},
        {"KeySchema", json::array{json::object{{"AttributeName", kKey}, {"KeyType", "HASH"}}}},
        {"BillingMode", "PAY_PER_REQUEST"}};
    auto created = co_await client.Call("CreateTable", create);
    // Another migrate may have created it in between; the wait below covers both cases.
    if (!created && created.error().aws_type != "ResourceInUseException") {
      co_return MakeUnexpected(created.error().message);
    }
    if (created) {
      Log(LogLevel::kInfo, "dynamodb table created", {{"table", table}});
    }
  } else if (!described) {
    co_return MakeUnexpected(described.error().message);
  }

  const auto give_up = std::chrono::steady_clock::now() + active_timeout;
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    described = co_await client.Call("DescribeTable", describe);
    if (!described) {
      co_return MakeUnexpected(described.error().message);
    }
    if (!HasExpectedKeySchema(*described)) {
      co_return MakeUnexpected("dynamodb table " + table +
                               " exists with another key schema (expected pk, HASH, type S)");
    }
    const std::string status = TableStatus(*described);
    if (status == "ACTIVE") {
      Log(LogLevel::kInfo, "dynamodb table ready", {{"table", table}});
      co_return Expected<void, std::string>{};
    }
    if (status != "CREATING" && status != "UPDATING") {
      co_return MakeUnexpected("dynamodb table " + table + " is " +
                               (status.empty() ? std::string("of unknown status") : status));
    }
    if (std::chrono::steady_clock::now() + kTablePollInterval > give_up) {
      co_return MakeUnexpected("dynamodb table " + table + " did not become ACTIVE in time");
    }
    pause.expires_after(kTablePollInterval);
    boost::system::error_code ec;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

struct Parts {
  std::shared_ptr<CurlTransport> transport;
  std::unique_ptr<DynamoDbClient> client;
};

Expected<Parts, std::string> MakeClient(const StoreOptions& options, RetryPolicy policy) {
  auto settings = ParseDynamoDbUrl(options.database_url);
  if (!settings) {
    return MakeUnexpected(settings.error());
  }
  auto source = ResolveCredentialsSource();
  if (!source) {
    return MakeUnexpected(source.error());
  }
  try {
    Parts parts;
    CurlTransport::Options transport_options;
    transport_options.max_host_connections = options.pool_size;
    parts.transport = std::make_shared<CurlTransport>(transport_options);
    auto credentials = std::make_shared<CredentialsProvider>(std::move(*source), parts.transport,
                                                             options.request_timeout);
    parts.client = std::make_unique<DynamoDbClient>(std::move(*settings), parts.transport,
                                                    std::move(credentials), policy);
    return parts;
  } catch (const std::exception& error) {
    return MakeUnexpected(std::string("dynamodb client: ") + error.what());
  }
}

}  // namespace

Expected<std::unique_ptr<DynamoDbStore>, std::string> DynamoDbStore::Open(
    const StoreOptions& options, std::chrono::milliseconds ready_cache_ttl) {
  RetryPolicy policy;
  policy.deadline = options.request_timeout;
  auto parts = MakeClient(options, policy);
  if (!parts) {
    return MakeUnexpected(parts.error());
  }
  return std::make_unique<DynamoDbStore>(std::move(parts->transport), std::move(*parts->client),
                                         ready_cache_ttl);
}

DynamoDbStore::DynamoDbStore(std::shared_ptr<CurlTransport> transport, DynamoDbClient client,
                             std::chrono::milliseconds ready_cache_ttl)
    : transport_(std::move(transport)),
      client_(std::move(client)),
      ready_cache_ttl_(ready_cache_ttl) {}

DynamoDbStore::~DynamoDbStore() { Close(); }

asio::awaitable<StorageResult<void>> DynamoDbStore::Put(UserRecord record) {
  const json::object request{
      {"TableName", client_.Settings().table},
      {"Item", json::object{
                   {kKey, StringAttribute(record.key)},
                   {kName, StringAttribute(record.display_name)},
                   {kDateOfBirth, StringAttribute(domain::FormatDate(record.date_of_birth))},
                   {kUpdatedAt, StringAttribute(UtcTimestamp())},
               }}};
  auto answer = co_await client_.Call("PutItem", request);
  if (!answer) {
    co_return MakeUnexpected(ToStorageError(std::move(answer).error()));
  }
  co_return StorageResult<void>{};
}

asio::awaitable<StorageResult<std::optional<UserRecord>>> DynamoDbStore::Get(std::string key) {
  const json::object request{
      {"TableName", client_.Settings().table}, {"Key", KeyOf(key)}, {"ConsistentRead", true}};
  auto answer = co_await client_.Call("GetItem", request);
  if (!answer) {
    co_return MakeUnexpected(ToStorageError(std::move(answer).error()));
  }
  const json::value* item = answer->if_contains("Item");
  if (item == nullptr) {
    co_return std::optional<UserRecord>{};
  }

  const json::string* name = item->is_object() ? StringOf(item->get_object(), kName) : nullptr;
  const json::string* date =
      item->is_object() ? StringOf(item->get_object(), kDateOfBirth) : nullptr;
  const auto date_of_birth = date != nullptr ? ParseStoredDate(*date) : std::nullopt;
  if (name == nullptr || !date_of_birth) {
    co_return MakeUnexpected(StorageError{
        StorageError::Kind::kInternal,
        std::string("dynamodb GetItem returned an item without a valid name or dob attribute")});
  }
  co_return std::optional<UserRecord>{
      UserRecord{std::move(key), std::string(*name), *date_of_birth}};
}

asio::awaitable<StorageResult<void>> DynamoDbStore::Remove(std::string key) {
  const json::object request{{"TableName", client_.Settings().table}, {"Key", KeyOf(key)}};
  auto answer = co_await client_.Call("DeleteItem", request);
  if (!answer) {
    co_return MakeUnexpected(ToStorageError(std::move(answer).error()));
  }
  co_return StorageResult<void>{};
}

asio::awaitable<StorageResult<void>> DynamoDbStore::CheckReady() {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(ready_mutex_);
    if (ready_checked_at_ && now - *ready_checked_at_ < ready_cache_ttl_) {
      co_return ready_answer_;
    }
    // Concurrent probes meanwhile reuse the previous answer rather than call too.
    if (ready_checked_at_) {
      ready_checked_at_ = now;
    }
  }

  StorageResult<void> outcome;
  const json::object request{{"TableName", client_.Settings().table}};
  auto answer = co_await client_.Call("DescribeTable", request);
  if (!answer) {
    outcome = MakeUnexpected(ToStorageError(std::move(answer).error()));
  } else {
    const std::string status = TableStatus(*answer);
    if (status != "ACTIVE" && status != "UPDATING") {
      outcome = MakeUnexpected(StorageError{
          StorageError::Kind::kUnavailable,
          "dynamodb table is " + (status.empty() ? std::string("of unknown status") : status)});
    }
  }

  std::lock_guard lock(ready_mutex_);
  ready_checked_at_ = std::chrono::steady_clock::now();
  ready_answer_ = outcome;
  co_return outcome;
}

void DynamoDbStore::Close() { transport_->Stop(); }

Expected<void, std::string> MigrateDynamoDbTable(const StoreOptions& options,
                                                 std::chrono::milliseconds active_timeout) {
  RetryPolicy policy;
  policy.deadline = std::max(options.request_timeout, kMigrateCallDeadline);
  auto parts = MakeClient(options, policy);
  if (!parts) {
    return MakeUnexpected(parts.error());
  }

  asio::io_context io;
  Expected<void, std::string> outcome = MakeUnexpected(std::string("migrate did not finish"));
  asio::co_spawn(io, EnsureTable(*parts->client, active_timeout),
                 [&outcome](std::exception_ptr error, Expected<void, std::string> result) {
                   if (error) {
                     outcome = MakeUnexpected(std::string("migrate failed unexpectedly"));
                   } else {
                     outcome = std::move(result);
                   }
                 });
  io.run();
  parts->transport->Stop();
  return outcome;
}

Expected<std::unique_ptr<UserStore>, std::string> OpenDynamoDbStore(
    const StoreOptions& options, boost::asio::any_io_executor /*executor*/) {
  auto store = DynamoDbStore::Open(options);
  if (!store) {
    return MakeUnexpected(std::move(store).error());
  }
  return std::unique_ptr<UserStore>(std::move(*store));
}

Expected<void, std::string> MigrateDynamoDb(const StoreOptions& options) {
  return MigrateDynamoDbTable(options);
}

}  // namespace hello::storage::dynamodb
