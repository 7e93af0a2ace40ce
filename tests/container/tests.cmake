# Container tests: the image, one container, and the local stack (HAProxy, 3 replicas,
# PostgreSQL, Prometheus) through a rolling deploy, a refused release, a SIGKILL and a rollback,
# all under load. They publish ports on 127.0.0.1 only. "container.engine" starts dockerd when
# none answers (scripts/ensure-docker.sh) and "container.engine-stop" stops it again after the
# last step, whatever the steps in between did. The stack steps share one compose project:
# "container.up" sets it up, "container.down" removes it even when a step in between failed.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(hello_container_test ${CMAKE_CURRENT_LIST_DIR}/stack_test.py)
set(hello_container_state ${CMAKE_BINARY_DIR}/container-tests)

# hello_container_step(<step> <timeout seconds> [NEEDS <fixture>] [ctest properties...])
# Every step but the engine's own needs the container_engine fixture besides its NEEDS.
function(hello_container_step step timeout)
  cmake_parse_arguments(ARG "" "NEEDS" "" ${ARGN})
  add_test(NAME container.${step} COMMAND ${Python3_EXECUTABLE} ${hello_container_test} ${step})
  if(NOT step MATCHES "^engine")
    list(APPEND ARG_NEEDS container_engine)
  endif()
  if(ARG_NEEDS)
    set_tests_properties(container.${step} PROPERTIES FIXTURES_REQUIRED "${ARG_NEEDS}")
  endif()
  set_tests_properties(container.${step} PROPERTIES
    LABELS container
    TIMEOUT ${timeout}
    RESOURCE_LOCK docker_stack
    ENVIRONMENT "HELLO_CONTAINER_STATE_DIR=${hello_container_state};PYTHONUNBUFFERED=1"
    ${ARG_UNPARSED_ARGUMENTS})
endfunction()

add_test(NAME container.lint
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/lint.sh)
set_tests_properties(container.lint PROPERTIES LABELS "container;lint" TIMEOUT 120)

# The image build compiles the service and runs its unit tests: minutes on a cold cache, with
# both cores busy, so it runs alone. So do the steps under load: their latency figures and the
# balancer's 1 s check timeout should not depend on what else the suite runs at that moment.
hello_container_step(engine 900 FIXTURES_SETUP container_engine)
hello_container_step(image 3000 FIXTURES_SETUP container_image RUN_SERIAL TRUE)
hello_container_step(run 180 NEEDS container_image)
hello_container_step(up 1800 NEEDS container_image FIXTURES_SETUP container_stack)
hello_container_step(prometheus 120 NEEDS container_stack DEPENDS container.up)
hello_container_step(rollout 300 RUN_SERIAL TRUE
  NEEDS container_stack DEPENDS container.prometheus)
hello_container_step(bad-release 300 RUN_SERIAL TRUE
  NEEDS container_stack DEPENDS container.rollout)
hello_container_step(sigkill 300 RUN_SERIAL TRUE
  NEEDS container_stack DEPENDS container.bad-release)
hello_container_step(rollback 300 RUN_SERIAL TRUE
  NEEDS container_stack DEPENDS container.sigkill)
hello_container_step(down 300 FIXTURES_CLEANUP container_stack DEPENDS container.rollback)
hello_container_step(engine-stop 120 FIXTURES_CLEANUP container_engine DEPENDS container.down)
