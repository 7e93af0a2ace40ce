# Style checks over the whole tree: formatting, shell scripts and line length.
foreach(check IN ITEMS clang-format shell-lint line-length)
  add_test(NAME lint.${check}
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/check-style.sh ${check})
  set_tests_properties(lint.${check} PROPERTIES LABELS "unit;lint")
endforeach()
