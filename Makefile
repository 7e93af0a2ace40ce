# hello-birthday: the commands a developer and CI use. Run `make help` for the list.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD_DIR := build/release
BINARY := $(BUILD_DIR)/hello-birthday
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)
export CHECKPOINT_DISABLE := 1

.PHONY: help deps deps-test build run test test-container check test-sanitize bench
.PHONY: format format-check lint tidy clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

deps: ## Install the Debian packages needed to build and run
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

build: deps ## Build the release binary at build/release/hello-birthday
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build ## Build, then serve on 127.0.0.1:8080 with the embedded SQLite store
	$(BINARY) --listen $(LISTEN) --log-format text

# The release suite includes the container tests (label "container"): they start dockerd when
# none runs, build the image, and roll the local stack under load; ctest's summary ends the run.
test: deps-test ## Run every test: sanitizer build first, then the release and container suites
	@$(MAKE) --no-print-directory test-sanitize
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@ctest --preset release -j $(JOBS) --timeout 600 --no-tests=error

test-container: deps-test ## Only the image, container and local-stack tests (starts dockerd)
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@ctest --preset release --timeout 3000 -L container

check: deps-test ## Fast inner loop: unit tests and the SQLite HTTP suite on the release build
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@ctest --preset release -j $(JOBS) -L 'unit|http-sqlite'

# The sanitizer build covers the in-process unit tests and the HTTP suites on SQLite; the
# backend and container suites run on the release build only, to keep `make test` short.
SANITIZE_TARGETS := hello-birthday hello_domain_test hello_storage_sqlite_test \
	hello_observability_test hello_config_test hello_http_unit_test hello_http_server_test \
	hello_http_shutdown_test hello_http_durability_test hello_http_contract_test
space := $(subst x, ,x)
SANITIZE_TESTS := ^($(subst $(space),|,$(filter-out hello-birthday,$(SANITIZE_TARGETS))))\.

test-sanitize: deps-test ## Unit and HTTP tests under AddressSanitizer and UBSan
	@cmake --preset sanitize >/dev/null
	@cmake --build --preset sanitize -j $(JOBS) --target $(SANITIZE_TARGETS)
	@ctest --preset sanitize -j $(JOBS) --timeout 600 -R '$(SANITIZE_TESTS)'


bench: build ## Throughput, latency, memory and start-up against an nginx ceiling
	@scripts/bench.sh

format: ## Apply clang-format to every C++ file
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check: ## Fail when a C++ file is not clang-formatted
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

tidy: build ## Run clang-tidy on every source file
	@git ls-files 'src/*.cpp' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean: ## Remove build outputs
	rm -rf build

##### Container image and the local stack (deploy/compose.yaml) #####
# TAG names an image tag of hello-birthday; empty means the default of each script.
TAG ?=

.PHONY: image up down deploy rollback stack-status

image: ## Build the container image hello-birthday:TAG (default tag: version-revision)
	@scripts/docker-image.sh $(TAG)

up: ## Start HAProxy, 3 replicas, PostgreSQL and Prometheus on 127.0.0.1:25680
	@scripts/stack.sh up $(TAG)

down: ## Stop the local stack (the database volume stays; VOLUMES=1 removes it)
	@scripts/stack.sh down $(if $(filter 1,$(VOLUMES)),--volumes)

deploy: ## Roll the replicas to hello-birthday:TAG one at a time: make deploy TAG=...
	@test -n "$(TAG)" || { echo "error: make deploy needs TAG=..." >&2; exit 2; }
	@scripts/stack.sh deploy $(TAG)

rollback: ## Roll the replicas back to the previously deployed tag
	@scripts/stack.sh rollback

stack-status: ## Show the replicas, their images and their state at the balancer
	@scripts/stack.sh status

##############################################################################################
# Infrastructure, pipeline and system diagram (infra/, .github/, docs/diagrams/)
##############################################################################################

.PHONY: diagram infra-check infra-docs

diagram: ## Re-render docs/diagrams/*.dot to SVG and PNG (Graphviz)
	@for src in docs/diagrams/*.dot; do \
	  dot -Tsvg "$$src" -o "$${src%.dot}.svg" && \
	  dot -Tpng -Gdpi=110 "$$src" -o "$${src%.dot}.png" && \
	  echo "rendered $${src%.dot}.svg and .png"; \
	done

# terraform-validate.sh exits 77 (skipped) where no local provider mirror exists.
infra-check: ## Offline infra checks: HCL, fmt, policies + mutations, workflows, diagram, validate
	@tests/infra/ensure-node-tools.sh
	@node --test tests/infra/*.test.mjs
	@tests/infra/terraform-validate.sh || [ $$? -eq 77 ]

infra-docs: ## Regenerate the inputs and outputs tables of every infra/ README
	@node infra/tools/terraform-docs.mjs
