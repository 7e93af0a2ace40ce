# Offline checks of infra/ (Terraform policy tests and their mutation test), the GitHub
# workflows, the deploy scripts and the system diagram: node:test files in this folder, run by
# Node.js with the npm tools of package.json (installed by the infra.node_tools fixture).
find_program(HELLO_NODE NAMES node nodejs)
if(NOT HELLO_NODE)
  # Registered anyway, so a machine without Node.js fails these tests instead of hiding them.
  set(HELLO_NODE node)
endif()

add_test(NAME infra.node_tools COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/ensure-node-tools.sh)
set_tests_properties(infra.node_tools PROPERTIES
  LABELS infra
  FIXTURES_SETUP infra_node_tools
  TIMEOUT 600)

foreach(suite terraform policy mutation workflows diagram scripts)
  add_test(NAME infra.${suite}
    COMMAND ${HELLO_NODE} --test ${CMAKE_CURRENT_LIST_DIR}/${suite}.test.mjs
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(infra.${suite} PROPERTIES
    LABELS infra
    FIXTURES_REQUIRED infra_node_tools
    ENVIRONMENT "CHECKPOINT_DISABLE=1"
    TIMEOUT 300)
endforeach()

# The smoke test of the deploy pipeline runs against the real service binary.
set_tests_properties(infra.scripts PROPERTIES
  ENVIRONMENT "CHECKPOINT_DISABLE=1;HELLO_BINARY=$<TARGET_FILE:hello-birthday>")

# terraform init/validate/test against a local provider mirror and the committed lock files;
# skipped (exit 77) where no mirror holds the locked provider. The self-test proves that a
# broken module fails it.
set(hello_terraform_validate ${CMAKE_CURRENT_LIST_DIR}/terraform-validate.sh)
add_test(NAME infra.terraform_validate COMMAND ${hello_terraform_validate})
add_test(NAME infra.terraform_validate_self_test COMMAND ${hello_terraform_validate} --self-test)
set_tests_properties(infra.terraform_validate infra.terraform_validate_self_test PROPERTIES
  LABELS infra
  SKIP_RETURN_CODE 77
  TIMEOUT 600)
