// Helpers of the DynamoDB tests; see the header.

#include "dynamodb_test_support.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include "storage/dynamodb/credentials_provider.hpp"
#include "storage/dynamodb/curl_transport.hpp"
#include "storage/dynamodb/dynamodb_settings.hpp"

#ifndef HELLO_DYNALITE_SCRIPT
#define HELLO_DYNALITE_SCRIPT "tests/storage/dynamodb/dynalite.sh"
#endif

namespace hello::testing {

using storage::dynamodb::CredentialsProvider;
using storage::dynamodb::CurlTransport;
using storage::dynamodb::DynamoDbClient;

std::string FixtureEndpoint() {
  const char* url = std::getenv("HELLO_TEST_DYNAMODB_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "HELLO_TEST_DYNAMODB_URL is not set (the dynamodb_server fixture sets it)";
    return "http://127.0.0.1:1";
  }
  auto settings = storage::dynamodb::ParseDynamoDbUrl(url);
  if (!settings) {
    ADD_FAILURE() << "HELLO_TEST_DYNAMODB_URL: " << settings.error();
    return "http://127.0.0.1:1";
  }
  return settings->endpoint;
}

std::string UniqueTableName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

std::string DynamoDbUrl(const std::string& table, const std::string& endpoint) {
  return "dynamodb://" + table + "?region=eu-west-1&endpoint=" + endpoint;
}

std::unique_ptr<DynamoDbClient> MakeRawClient(const std::string& url) {
  auto settings = storage::dynamodb::ParseDynamoDbUrl(url);
  auto source = storage::dynamodb::ResolveCredentialsSource();
  if (!settings || !source) {
    throw std::runtime_error("raw client: bad URL or no credentials in the environment");
  }
  auto transport = std::make_shared<CurlTransport>(CurlTransport::Options{});
  auto credentials = std::make_shared<CredentialsProvider>(std::move(*source), transport,
                                                           std::chrono::milliseconds(5000));
  storage::dynamodb::RetryPolicy policy;
  policy.deadline = std::chrono::milliseconds(10000);
  return std::make_unique<DynamoDbClient>(std::move(*settings), transport, std::move(credentials),
                                          policy);
}

boost::json::object CallOrFail(const DynamoDbClient& client, const std::string& operation,
                               const boost::json::object& request) {
  auto answer = RunSync(client.Call(operation, request));
  if (!answer) {
    ADD_FAILURE() << operation << " failed: " << answer.error().message;
    return {};
  }
  return std::move(*answer);
}

DynaliteProcess::DynaliteProcess(std::uint16_t port, std::string state_dir)
    : port_(port), state_dir_(std::move(state_dir)) {}

DynaliteProcess::~DynaliteProcess() {
  const std::string command =
      std::string(HELLO_DYNALITE_SCRIPT) + " stop --state '" + state_dir_ + "'";
  if (std::system(command.c_str()) != 0) {
    ADD_FAILURE() << "could not stop dynalite: " << command;
  }
}

void DynaliteProcess::Start() {
  const std::string command = std::string(HELLO_DYNALITE_SCRIPT) + " start --port " +
                              std::to_string(port_) + " --state '" + state_dir_ + "' --persist";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("could not start dynalite: " + command);
  }
}

void DynaliteProcess::Stop() {
  const std::string command =
      std::string(HELLO_DYNALITE_SCRIPT) + " stop --state '" + state_dir_ + "' --keep-data";
  if (std::system(command.c_str()) != 0) {
    throw std::runtime_error("could not stop dynalite: " + command);
  }
}

std::string DynaliteProcess::Endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

}  // namespace hello::testing
