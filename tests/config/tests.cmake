# Unit tests of the command line and environment configuration.
hello_add_gtest(NAME hello_config_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/config_test.cpp
  LINK hello_config hello_domain
  LABELS unit)
