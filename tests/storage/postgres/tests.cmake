# PostgreSQL tests. The fixture postgres_server starts a throwaway PostgreSQL 15 cluster on
# 127.0.0.1:25432 (initdb in a temporary folder, TLS on) before the tests that need it and
# deletes it afterwards. The outage test runs a cluster of its own on 25433, since it stops it.
set(HELLO_PG_DIR ${CMAKE_CURRENT_LIST_DIR})
set(HELLO_PG_SCRIPT ${HELLO_PG_DIR}/pg-cluster.sh)
set(HELLO_PG_PORT 25432)
set(HELLO_PG_OUTAGE_PORT 25433)
set(HELLO_PG_STATE ${CMAKE_CURRENT_BINARY_DIR}/postgres-${HELLO_PG_PORT}.state)
set(HELLO_PG_URL "postgres://postgres@127.0.0.1:${HELLO_PG_PORT}/postgres")

add_test(NAME postgres_server_start
         COMMAND ${HELLO_PG_SCRIPT} start --state ${HELLO_PG_STATE} --port ${HELLO_PG_PORT})
set_tests_properties(postgres_server_start PROPERTIES
  FIXTURES_SETUP postgres_server LABELS "postgres;http-postgres" TIMEOUT 60)
add_test(NAME postgres_server_stop COMMAND ${HELLO_PG_SCRIPT} stop --state ${HELLO_PG_STATE})
set_tests_properties(postgres_server_stop PROPERTIES
  FIXTURES_CLEANUP postgres_server LABELS "postgres;http-postgres" TIMEOUT 60)

# URL handling, without a server.
hello_add_gtest(NAME hello_storage_postgres_unit_test
  SOURCES ${HELLO_PG_DIR}/pg_conninfo_test.cpp
  LINK hello_storage_postgres
  LABELS unit)

# The adapter against the real server: each test creates a database of its own.
set(HELLO_PG_SUPPORT ${HELLO_PG_DIR}/pg_test_support.cpp)
hello_add_gtest(NAME hello_storage_postgres_test
  SOURCES ${HELLO_PG_DIR}/pg_connection_test.cpp ${HELLO_PG_DIR}/pg_pool_test.cpp
          ${HELLO_PG_DIR}/pg_migrations_test.cpp ${HELLO_PG_DIR}/postgres_store_test.cpp
          ${HELLO_PG_SUPPORT}
  LINK hello_storage hello_storage_postgres PostgreSQL::PostgreSQL
  LABELS postgres
  PROPERTIES FIXTURES_REQUIRED postgres_server ENVIRONMENT HELLO_TEST_POSTGRES_URL=${HELLO_PG_URL})
target_compile_definitions(hello_storage_postgres_test PRIVATE
  HELLO_PG_STATE_FILE="${HELLO_PG_STATE}")

# Several real server processes sharing one database.
hello_add_gtest(NAME hello_postgres_instances_test
  SOURCES ${HELLO_PG_DIR}/multi_instance_test.cpp ${HELLO_PG_SUPPORT}
  LINK hello_core PostgreSQL::PostgreSQL
  LABELS postgres
  NEEDS_BINARY
  PROPERTIES FIXTURES_REQUIRED postgres_server ENVIRONMENT HELLO_TEST_POSTGRES_URL=${HELLO_PG_URL})

# The database stopped under load and started again: a cluster of its own, driven by the test.
hello_add_gtest(NAME hello_postgres_outage_test
  SOURCES ${HELLO_PG_DIR}/outage_test.cpp ${HELLO_PG_SUPPORT}
  LINK hello_core PostgreSQL::PostgreSQL
  LABELS postgres
  NEEDS_BINARY
  PROPERTIES TIMEOUT 120)
target_compile_definitions(hello_postgres_outage_test PRIVATE
  HELLO_PG_CLUSTER_SCRIPT="${HELLO_PG_SCRIPT}"
  HELLO_PG_OUTAGE_PORT=${HELLO_PG_OUTAGE_PORT}
  HELLO_PG_OUTAGE_STATE_FILE="${CMAKE_CURRENT_BINARY_DIR}/postgres-${HELLO_PG_OUTAGE_PORT}.state")

# The shared HTTP contract suite, run once more with every server instance on PostgreSQL.
if(TARGET hello_http_contract_test)
  gtest_discover_tests(hello_http_contract_test
    TEST_PREFIX "http-postgres."
    DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS http-postgres FIXTURES_REQUIRED postgres_server
               ENVIRONMENT "HELLO_TEST_DATABASE_URL=${HELLO_PG_URL}")
endif()
