# Tests of the HTTP layer. Unit tests run in-process; the http-sqlite tests start the real
# binary on an ephemeral loopback port with a fresh SQLite file.

hello_add_gtest(NAME hello_http_unit_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/header_scanner_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/request_checks_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/request_id_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/session_test.cpp
  LINK hello_http
  LABELS unit)

hello_add_gtest(NAME hello_http_server_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/server_test.cpp
  LINK hello_core
  LABELS http-sqlite
  NEEDS_BINARY)

hello_add_gtest(NAME hello_http_shutdown_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/shutdown_test.cpp
  LINK hello_core
  LABELS http-sqlite
  NEEDS_BINARY)

hello_add_gtest(NAME hello_http_durability_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/durability_test.cpp
  LINK hello_core
  LABELS http-sqlite
  NEEDS_BINARY)

# The API contract suite. Registered here against SQLite; the storage areas register the same
# executable again against their backends (HELLO_TEST_DATABASE_URL selects the backend).
hello_add_gtest(NAME hello_http_contract_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/contract_test.cpp
  LINK Boost::json
  LABELS http-sqlite
  NEEDS_BINARY)

# GCC 12 reports a false maybe-uninitialized inside std::regex under the sanitizers at -O2.
if(HELLO_SANITIZE)
  target_compile_options(hello_http_server_test PRIVATE -Wno-maybe-uninitialized)
endif()
