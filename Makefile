# hello-birthday: the commands a developer and CI use. Run `make help` for the list.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD_DIR := build/release
BINARY := $(BUILD_DIR)/hello-birthday
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)
export CHECKPOINT_DISABLE := 1

.PHONY: help deps deps-test build run test check test-sanitize bench
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

test: deps-test ## Run every test: sanitizer build first, then the full release suite
	@$(MAKE) --no-print-directory test-sanitize
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@ctest --preset release -j $(JOBS) --timeout 600

check: deps-test ## Fast inner loop: unit tests and the SQLite HTTP suite on the release build
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@ctest --preset release -j $(JOBS) -L 'unit|http-sqlite'

test-sanitize: deps-test ## Unit and HTTP tests under AddressSanitizer and UBSan
	@cmake --preset sanitize >/dev/null
	@cmake --build --preset sanitize -j $(JOBS)
	@ctest --preset sanitize -j $(JOBS) -L 'unit|http-sqlite' --timeout 600

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
