# Unit tests of the domain rules: usernames, dates of birth, request bodies and the calendar.
hello_add_gtest(NAME hello_domain_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/username_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/birthday_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/birthday_request_test.cpp
    ${CMAKE_CURRENT_LIST_DIR}/calendar_test.cpp
  LINK hello_domain
  LABELS unit)
