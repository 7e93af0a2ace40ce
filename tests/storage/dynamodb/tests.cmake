# DynamoDB tests. The fixture dynamodb_server starts dynalite (from the repository's
# package.json) on 127.0.0.1:25500 before the tests that need it, creates the HTTP contract
# suite's table with `hello-birthday migrate`, and stops it afterwards. The outage test runs a
# dynalite of its own on 25501, since it stops it. dynalite does not check signatures, so the
# keys below are placeholders; the SigV4 test checks the signer against AWS's test vectors.
set(HELLO_DDB_DIR ${CMAKE_CURRENT_LIST_DIR})
set(HELLO_DDB_SCRIPT ${HELLO_DDB_DIR}/dynalite.sh)
set(HELLO_DDB_PORT 25500)
set(HELLO_DDB_OUTAGE_PORT 25501)
set(HELLO_DDB_STATE ${CMAKE_CURRENT_BINARY_DIR}/dynalite-${HELLO_DDB_PORT})
set(HELLO_DDB_ENDPOINT "http://127.0.0.1:${HELLO_DDB_PORT}")
set(HELLO_DDB_URL "dynamodb://hello-tests?region=eu-west-1&endpoint=${HELLO_DDB_ENDPOINT}")
set(HELLO_DDB_CONTRACT_URL
    "dynamodb://hello-contract?region=eu-west-1&endpoint=${HELLO_DDB_ENDPOINT}")
set(HELLO_DDB_KEYS
    "AWS_ACCESS_KEY_ID=AKIDLOCALTEST;AWS_SECRET_ACCESS_KEY=local-placeholder-secret")

add_test(NAME dynamodb_server_start
         COMMAND ${HELLO_DDB_SCRIPT} start --port ${HELLO_DDB_PORT} --state ${HELLO_DDB_STATE}
                 --migrate $<TARGET_FILE:hello-birthday> ${HELLO_DDB_CONTRACT_URL})
set_tests_properties(dynamodb_server_start PROPERTIES
  FIXTURES_SETUP dynamodb_server LABELS "dynamodb;http-dynamodb" TIMEOUT 60
  ENVIRONMENT "${HELLO_DDB_KEYS}")
add_test(NAME dynamodb_server_stop COMMAND ${HELLO_DDB_SCRIPT} stop --state ${HELLO_DDB_STATE})
set_tests_properties(dynamodb_server_stop PROPERTIES
  FIXTURES_CLEANUP dynamodb_server LABELS "dynamodb;http-dynamodb" TIMEOUT 60)

# In-process, against loopback servers the tests run themselves: URL, credentials chain and
# refresh, the curl transport, the retry policy, and SigV4 against AWS's test vectors.
set(HELLO_DDB_SUPPORT ${HELLO_DDB_DIR}/loopback_http_server.cpp
                      ${HELLO_DDB_DIR}/dynamodb_test_support.cpp)
hello_add_gtest(NAME hello_storage_dynamodb_unit_test
  SOURCES ${HELLO_DDB_DIR}/dynamodb_settings_test.cpp ${HELLO_DDB_DIR}/aws_credentials_test.cpp
          ${HELLO_DDB_DIR}/curl_transport_test.cpp ${HELLO_DDB_DIR}/dynamodb_client_test.cpp
          ${HELLO_DDB_DIR}/credentials_provider_test.cpp ${HELLO_DDB_DIR}/sigv4_test.cpp
          ${HELLO_DDB_SUPPORT}
  LINK hello_storage_dynamodb
  LABELS unit)
target_compile_definitions(hello_storage_dynamodb_unit_test PRIVATE
  HELLO_SIGV4_REFERENCE="${HELLO_DDB_DIR}/sigv4_reference.py")

# The adapter and the migration against dynalite.
hello_add_gtest(NAME hello_storage_dynamodb_test
  SOURCES ${HELLO_DDB_DIR}/dynamodb_store_test.cpp ${HELLO_DDB_SUPPORT}
  LINK hello_storage hello_storage_dynamodb
  LABELS dynamodb
  PROPERTIES FIXTURES_REQUIRED dynamodb_server)

# The real binary: container credentials refreshed under load, and dynalite stopped and started
# under load.
hello_add_gtest(NAME hello_dynamodb_service_test
  SOURCES ${HELLO_DDB_DIR}/credentials_refresh_test.cpp ${HELLO_DDB_DIR}/outage_test.cpp
          ${HELLO_DDB_SUPPORT}
  LINK hello_storage hello_storage_dynamodb
  LABELS dynamodb
  NEEDS_BINARY
  PROPERTIES FIXTURES_REQUIRED dynamodb_server TIMEOUT 120)
target_compile_definitions(hello_dynamodb_service_test PRIVATE
  HELLO_DYNALITE_SCRIPT="${HELLO_DDB_SCRIPT}"
  HELLO_DDB_OUTAGE_PORT=${HELLO_DDB_OUTAGE_PORT}
  HELLO_DDB_OUTAGE_STATE="${CMAKE_CURRENT_BINARY_DIR}/dynalite-${HELLO_DDB_OUTAGE_PORT}")

# The shared HTTP contract suite, run once more with the server on DynamoDB.
if(TARGET hello_http_contract_test)
  gtest_discover_tests(hello_http_contract_test
    TEST_PREFIX "http-dynamodb."
    TEST_LIST hello_http_dynamodb_TESTS
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS http-dynamodb FIXTURES_REQUIRED dynamodb_server)
endif()

# Properties holding several values (environment variables, labels) cannot pass through
# gtest_discover_tests in CMake 3.25, which splits them into separate arguments. This script
# runs after the discovered tests are defined and sets such a property on each list of tests.
set(HELLO_DDB_TEST_PROPERTIES ${CMAKE_CURRENT_BINARY_DIR}/dynamodb_test_properties.cmake)
file(WRITE ${HELLO_DDB_TEST_PROPERTIES} "")
function(hello_ddb_set_later list property value)
  file(APPEND ${HELLO_DDB_TEST_PROPERTIES}
       "if(${list})\n  set_tests_properties(\${${list}} PROPERTIES ${property} [==[${value}]==])\n"
       "endif()\n")
endfunction()
hello_ddb_set_later(hello_storage_dynamodb_unit_test_TESTS LABELS "unit;dynamodb")
hello_ddb_set_later(hello_storage_dynamodb_test_TESTS ENVIRONMENT
                    "HELLO_TEST_DYNAMODB_URL=${HELLO_DDB_URL};${HELLO_DDB_KEYS}")
hello_ddb_set_later(hello_dynamodb_service_test_TESTS ENVIRONMENT
                    "HELLO_TEST_DYNAMODB_URL=${HELLO_DDB_URL};${HELLO_DDB_KEYS}")
hello_ddb_set_later(hello_http_dynamodb_TESTS ENVIRONMENT
                    "HELLO_TEST_DATABASE_URL=${HELLO_DDB_CONTRACT_URL};${HELLO_DDB_KEYS}")
set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${HELLO_DDB_TEST_PROPERTIES})
