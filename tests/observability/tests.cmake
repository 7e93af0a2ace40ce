# Unit tests of logging, metrics and the storage timing decorator.
hello_add_gtest(NAME hello_observability_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/log_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/instrumented_store_test.cpp
  LINK hello_observability Boost::json
  LABELS unit)

# GCC 12 reports a false maybe-uninitialized inside std::regex under the sanitizers at -O2.
if(HELLO_SANITIZE)
  target_compile_options(hello_observability_test PRIVATE -Wno-maybe-uninitialized)
endif()
