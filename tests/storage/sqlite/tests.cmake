# Tests of the SQLite adapter and of the store factory, on real database files.
hello_add_gtest(NAME hello_storage_sqlite_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/sqlite_database_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sqlite_reader_pool_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sqlite_url_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sqlite_store_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sqlite_writer_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/store_factory_test.cpp
  LINK hello_storage
  LABELS unit)
