# Tests of the application: unit tests of its helpers, and its commands on the real binary.
hello_add_gtest(NAME hello_app_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/startup_log_test.cpp
  LINK hello_app
  LABELS unit)

hello_add_gtest(NAME hello_app_main_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/main_entry_test.cpp
  LINK hello_core
  LABELS http-sqlite
  NEEDS_BINARY)
