// The DynamoDB adapter and the table migration against a real DynamoDB-compatible server
// (dynalite, started by the dynamodb_server fixture). Each test uses a table of its own.

#include "storage/dynamodb/dynamodb_store.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <thread>

#include "dynamodb_test_support.hpp"
#include "storage/store_factory.hpp"

namespace hello::storage::dynamodb {
namespace {

using namespace std::chrono_literals;
using hello::testing::CallOrFail;
using hello::testing::DynamoDbUrl;
using hello::testing::FixtureEndpoint;
using hello::testing::MakeRawClient;
using hello::testing::RunSync;
using hello::testing::UniqueTableName;
using std::chrono::year_month_day;
namespace json = boost::json;

constexpr auto kReadyTtl = 2000ms;

year_month_day Date(int y, unsigned m, unsigned d) {
  return year_month_day{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
}

StoreOptions OptionsFor(const std::string& url) {
  StoreOptions options;
  options.database_url = url;
  options.request_timeout = 3000ms;
  return options;
}

class DynamoDbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = UniqueTableName("store");
    url_ = DynamoDbUrl(table_, FixtureEndpoint());
    auto migrated = MigrateStore(OptionsFor(url_));
    ASSERT_TRUE(migrated) << migrated.error();
    auto store = DynamoDbStore::Open(OptionsFor(url_), kReadyTtl);
    ASSERT_TRUE(store) << store.error();
    store_ = std::move(*store);
    raw_ = MakeRawClient(url_);
  }

  void TearDown() override {
    if (store_) {
      store_->Close();
    }
    if (raw_) {
      // Best effort: the table may already be gone in tests that delete it.
      RunSync(raw_->Call("DeleteTable", json::object{{"TableName", table_}}));
    }
  }

  void Put(const std::string& key, const std::string& name, year_month_day date) {
    auto result = RunSync(store_->Put(UserRecord{key, name, date}));
    ASSERT_TRUE(result) << result.error().message;
  }

  std::optional<UserRecord> Get(const std::string& key) {
    auto result = RunSync(store_->Get(key));
    EXPECT_TRUE(result) << result.error().message;
    return result ? *result : std::nullopt;
  }

  json::object RawItem(const std::string& key) {
    const json::object request{{"TableName", table_},
                               {"Key", json::object{{"pk", json::object{{"S", key}}}}},
                               {"ConsistentRead", true}};
    auto answer = CallOrFail(*raw_, "GetItem", request);
    return answer.contains("Item") ? answer.at("Item").as_object() : json::object{};
  }

  std::string table_;
  std::string url_;
  std::unique_ptr<DynamoDbStore> store_;
  std::unique_ptr<DynamoDbClient> raw_;
};

TEST_F(DynamoDbStoreTest, PutThenGetReturnsTheRecord) {
  Put("alice", "Alice", Date(1990, 5, 17));

  const auto record = Get("alice");

  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->key, "alice");
  EXPECT_EQ(record->display_name, "Alice");
  EXPECT_EQ(record->date_of_birth, Date(1990, 5, 17));
}

TEST_F(DynamoDbStoreTest, GetOfAnAbsentKeyIsEmpty) {
  Put("alice", "Alice", Date(1990, 5, 17));

  EXPECT_FALSE(Get("bob").has_value());
}

TEST_F(DynamoDbStoreTest, PutReplacesTheRecordWithTheSameKey) {
  Put("alice", "alice", Date(1990, 5, 17));
  Put("alice", "ALICE", Date(1984, 2, 29));

  const auto record = Get("alice");

  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->display_name, "ALICE");
  EXPECT_EQ(record->date_of_birth, Date(1984, 2, 29));
  const auto scan = CallOrFail(*raw_, "Scan", json::object{{"TableName", table_}});
  EXPECT_EQ(scan.at("Count").as_int64(), 1);
}

TEST_F(DynamoDbStoreTest, RemoveDeletesAndSucceedsWhenAbsent) {
  Put("alice", "Alice", Date(1990, 5, 17));
  Put("bob", "Bob", Date(1991, 6, 18));

  auto removed = RunSync(store_->Remove("alice"));
  auto removed_again = RunSync(store_->Remove("alice"));
  auto removed_never_stored = RunSync(store_->Remove("carol"));

  EXPECT_TRUE(removed) << removed.error().message;
  EXPECT_TRUE(removed_again) << removed_again.error().message;
  EXPECT_TRUE(removed_never_stored) << removed_never_stored.error().message;
  EXPECT_FALSE(Get("alice").has_value());
  EXPECT_TRUE(Get("bob").has_value());
}

TEST_F(DynamoDbStoreTest, UnicodeKeysRoundTripAndStayDistinct) {
  const std::vector<std::tuple<std::string, std::string, year_month_day>> people = {
      {"zoë", "Zoë", Date(1990, 1, 2)},        {"zoe", "Zoe", Date(1991, 3, 4)},
      {"анна", "Анна", Date(1992, 5, 6)},      {"李", "李", Date(1993, 7, 8)},
      {"łukasz", "Łukasz", Date(1994, 9, 10)}, {"strasse", "Straße", Date(1995, 11, 12)},
      {"josé", "José", Date(1, 1, 1)},
  };
  for (const auto& [key, name, date] : people) {
    Put(key, name, date);
  }

  for (const auto& [key, name, date] : people) {
    const auto record = Get(key);
    ASSERT_TRUE(record.has_value()) << key;
    EXPECT_EQ(record->key, key);
    EXPECT_EQ(record->display_name, name);
    EXPECT_EQ(record->date_of_birth, date) << key;
  }
}

TEST_F(DynamoDbStoreTest, StoresOneItemKeyedByThePkWithNameDateAndUpdateTime) {
  const auto before = std::chrono::system_clock::now();
  Put("zoë", "Zoë", Date(1990, 2, 28));

  const json::object item = RawItem("zoë");

  ASSERT_FALSE(item.empty());
  EXPECT_EQ(item.at("pk").at("S").as_string(), "zoë");
  EXPECT_EQ(item.at("name").at("S").as_string(), "Zoë");
  EXPECT_EQ(item.at("dob").at("S").as_string(), "1990-02-28");
  const std::string updated(item.at("updated_at").at("S").as_string());
  ASSERT_EQ(updated.size(), 24u) << updated;  // 2024-05-01T12:00:00.000Z
  EXPECT_EQ(updated.back(), 'Z');
  const auto minute = std::chrono::floor<std::chrono::minutes>(before);
  const auto day = std::chrono::floor<std::chrono::days>(minute);
  const year_month_day today{day};
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%04d-%02u-%02u", static_cast<int>(today.year()),
                static_cast<unsigned>(today.month()), static_cast<unsigned>(today.day()));
  EXPECT_EQ(updated.substr(0, 10), prefix);
}

TEST_F(DynamoDbStoreTest, ItemWithoutAValidDateIsAnInternalError) {
  const json::object item{{"pk", json::object{{"S", "broken"}}},
                          {"name", json::object{{"S", "Broken"}}},
                          {"dob", json::object{{"S", "1990-02-30"}}}};
  CallOrFail(*raw_, "PutItem", json::object{{"TableName", table_}, {"Item", item}});

  auto result = RunSync(store_->Get("broken"));

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, StorageError::Kind::kInternal);
  EXPECT_EQ(result.error().message.find("Broken"), std::string::npos);
}

TEST_F(DynamoDbStoreTest, ReadyWhileTheTableIsActive) {
  auto ready = RunSync(store_->CheckReady());

  EXPECT_TRUE(ready) << ready.error().message;
}

TEST_F(DynamoDbStoreTest, ReadinessAnswerIsReusedUntilItsTtlPasses) {
  ASSERT_TRUE(RunSync(store_->CheckReady()));

  // The table disappears; a probe within the TTL still gets the cached answer.
  CallOrFail(*raw_, "DeleteTable", json::object{{"TableName", table_}});
  const json::object describe{{"TableName", table_}};
  while (RunSync(raw_->Call("DescribeTable", describe))) {
    std::this_thread::sleep_for(20ms);  // dynalite deletes after deleteTableMs
  }
  const auto cached = RunSync(store_->CheckReady());
  std::this_thread::sleep_for(kReadyTtl + 100ms);
  const auto fresh = RunSync(store_->CheckReady());

  EXPECT_TRUE(cached) << "the second probe within the TTL called DynamoDB again";
  ASSERT_FALSE(fresh);
  EXPECT_EQ(fresh.error().kind, StorageError::Kind::kInternal);
  EXPECT_NE(fresh.error().message.find("ResourceNotFoundException"), std::string::npos)
      << fresh.error().message;
}

TEST_F(DynamoDbStoreTest, MissingTableIsAnInternalErrorWithoutUserData) {
  auto store = DynamoDbStore::Open(OptionsFor(DynamoDbUrl("no-such-table", FixtureEndpoint())));
  ASSERT_TRUE(store) << store.error();

  const auto put = RunSync((*store)->Put(UserRecord{"secretkey", "SecretName", Date(1990, 1, 1)}));
  const auto get = RunSync((*store)->Get("secretkey"));
  const auto ready = RunSync((*store)->CheckReady());

  for (const auto* result : {&put, &ready}) {
    ASSERT_FALSE(*result);
    EXPECT_EQ(result->error().kind, StorageError::Kind::kInternal);
  }
  ASSERT_FALSE(get);
  EXPECT_EQ(get.error().kind, StorageError::Kind::kInternal);
  EXPECT_NE(get.error().message.find("GetItem rejected: ResourceNotFoundException"),
            std::string::npos)
      << get.error().message;
  for (const std::string& message : {put.error().message, get.error().message}) {
    EXPECT_EQ(message.find("secretkey"), std::string::npos) << message;
    EXPECT_EQ(message.find("SecretName"), std::string::npos) << message;
    EXPECT_EQ(message.find("1990"), std::string::npos) << message;
  }
  (*store)->Close();
}

TEST_F(DynamoDbStoreTest, FactoryOpensTheDynamoDbAdapter) {
  boost::asio::io_context io;

  auto store = OpenUserStore(OptionsFor(url_), io.get_executor());
  auto bad = OpenUserStore(OptionsFor("dynamodb://x?region=eu-west-1"), io.get_executor());

  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ((*store)->Backend(), "dynamodb");
  auto ready = RunSync((*store)->CheckReady());
  EXPECT_TRUE(ready) << ready.error().message;
  (*store)->Close();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("table name"), std::string::npos) << bad.error();
}

// Migration: a table of its own, created by the test.
class DynamoDbMigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = UniqueTableName("migrate");
    url_ = DynamoDbUrl(table_, FixtureEndpoint());
    raw_ = MakeRawClient(url_);
  }
  void TearDown() override {
    RunSync(raw_->Call("DeleteTable", json::object{{"TableName", table_}}));
  }

  Expected<json::object, CallError> Describe() {
    return RunSync(raw_->Call("DescribeTable", json::object{{"TableName", table_}}));
  }

  std::string table_;
  std::string url_;
  std::unique_ptr<DynamoDbClient> raw_;
};

TEST_F(DynamoDbMigrateTest, CreatesTheTableOnceAndIsIdempotent) {
  auto missing = Describe();
  ASSERT_FALSE(missing);
  ASSERT_EQ(missing.error().aws_type, "ResourceNotFoundException");

  auto first = MigrateStore(OptionsFor(url_));
  ASSERT_TRUE(first) << first.error();
  auto described = Describe();
  ASSERT_TRUE(described) << described.error().message;
  const json::object& table = described->at("Table").as_object();
  EXPECT_EQ(table.at("TableStatus").as_string(), "ACTIVE");
  EXPECT_EQ(json::serialize(table.at("KeySchema")), R"([{"AttributeName":"pk","KeyType":"HASH"}])");
  EXPECT_EQ(json::serialize(table.at("AttributeDefinitions")),
            R"([{"AttributeName":"pk","AttributeType":"S"}])");
  EXPECT_EQ(table.at("BillingModeSummary").at("BillingMode").as_string(), "PAY_PER_REQUEST");
  const json::value created_at = table.at("CreationDateTime");

  // Data written between two migrations survives the second one.
  auto store = DynamoDbStore::Open(OptionsFor(url_));
  ASSERT_TRUE(store) << store.error();
  ASSERT_TRUE(RunSync((*store)->Put(UserRecord{"alice", "Alice", Date(1990, 5, 17)})));
  auto second = MigrateStore(OptionsFor(url_));
  ASSERT_TRUE(second) << second.error();

  auto again = Describe();
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->at("Table").at("CreationDateTime"), created_at);
  auto record = RunSync((*store)->Get("alice"));
  ASSERT_TRUE(record) << record.error().message;
  EXPECT_TRUE(record->has_value());
  (*store)->Close();
}

TEST_F(DynamoDbMigrateTest, RejectsATableWithAnotherKeySchema) {
  const json::object create{
      {"TableName", table_},
      {"AttributeDefinitions",
       json::array{json::object{{"AttributeName", "id"}, {"AttributeType", "S"}}}},
      {"KeySchema", json::array{json::object{{"AttributeName", "id"}, {"KeyType", "HASH"}}}},
      {"BillingMode", "PAY_PER_REQUEST"}};
  CallOrFail(*raw_, "CreateTable", create);

  auto migrated = MigrateStore(OptionsFor(url_));

  ASSERT_FALSE(migrated);
  EXPECT_NE(migrated.error().find("another key schema"), std::string::npos) << migrated.error();
}

}  // namespace
}  // namespace hello::storage::dynamodb
