# Container tests: the image, one container, and the local stack (HAProxy, 3 replicas,
# PostgreSQL, Prometheus) through a rolling deploy, a refused release, a SIGKILL and a rollback,
# all under load. They start dockerd themselves (scripts/ensure-docker.sh) and publish ports on
# 127.0.0.1 only. The stack steps share one compose project: "container.up" sets it up,
# "container.down" removes it even when a step in between failed.
find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(hello_container_test ${CMAKE_CURRENT_LIST_DIR}/stack_test.py)
set(hello_container_state ${CMAKE_BINARY_DIR}/container-tests)

# hello_container_step(<step> <timeout seconds> [ctest properties...])
function(hello_container_step step timeout)
  add_test(NAME container.${step} COMMAND ${Python3_EXECUTABLE} ${hello_container_test} ${step})
  set_tests_properties(container.${step} PROPERTIES
    LABELS container
    TIMEOUT ${timeout}
    RESOURCE_LOCK docker_stack
    ENVIRONMENT "HELLO_CONTAINER_STATE_DIR=${hello_container_state};PYTHONUNBUFFERED=1"
    ${ARGN})
endfunction()

add_test(NAME container.lint
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/lint.sh)
set_tests_properties(container.lint PROPERTIES LABELS "container;lint" TIMEOUT 120)

# The image build compiles the service and runs its unit tests: minutes on a cold cache, with
# both cores busy, so it runs alone. So do the steps under load: their latency figures and the
# balancer's 1 s check timeout should not depend on what else the suite runs at that moment.
hello_container_step(image 3000 FIXTURES_SETUP container_image RUN_SERIAL TRUE)
hello_container_step(run 180 FIXTURES_REQUIRED container_image)
hello_container_step(up 1800
  FIXTURES_REQUIRED container_image FIXTURES_SETUP container_stack)
hello_container_step(prometheus 120 FIXTURES_REQUIRED container_stack DEPENDS container.up)
hello_container_step(rollout 300 RUN_SERIAL TRUE
  FIXTURES_REQUIRED container_stack DEPENDS container.prometheus)
hello_container_step(bad-release 300 RUN_SERIAL TRUE
  FIXTURES_REQUIRED container_stack DEPENDS container.rollout)
hello_container_step(sigkill 300 RUN_SERIAL TRUE
  FIXTURES_REQUIRED container_stack DEPENDS container.bad-release)
hello_container_step(rollback 300 RUN_SERIAL TRUE
  FIXTURES_REQUIRED container_stack DEPENDS container.sigkill)
hello_container_step(down 300 FIXTURES_CLEANUP container_stack DEPENDS container.rollback)
