# Plaza: `make run` sets up and starts the site; `make test` builds and runs every test suite.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD_RELEASE := build
BUILD_DEBUG := build-debug
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: run test build debug web bootstrap bench fmt clean

bootstrap:
	@bash scripts/bootstrap.sh

build: bootstrap
	@[ -f $(BUILD_RELEASE)/CMakeCache.txt ] || cmake -S . -B $(BUILD_RELEASE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DPLAZA_TESTS=OFF
	@cmake --build $(BUILD_RELEASE) -j $(JOBS) --target plaza

# The sanitizer build (AddressSanitizer + UndefinedBehaviorSanitizer) that every test suite uses.
debug: bootstrap
	@[ -f $(BUILD_DEBUG)/CMakeCache.txt ] || cmake -S . -B $(BUILD_DEBUG) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DPLAZA_SANITIZE=ON -DPLAZA_TESTS=ON
	@cmake --build $(BUILD_DEBUG) -j $(JOBS)

web: bootstrap
	@bash scripts/build_web.sh

run: build web
	@mkdir -p data
	./$(BUILD_RELEASE)/plaza serve

test: debug web
	@bash tests/run.sh

bench: build
	@PLAZA_BENCH=1 bash scripts/bootstrap.sh
	@cmake --build $(BUILD_RELEASE) -j $(JOBS) --target plaza-fake-upstream plaza-loadgen
	@bash bench/run.sh

fmt:
	@find src tests -name '*.cpp' -o -name '*.hpp' | grep -v node_modules | xargs clang-format -i

clean:
	rm -rf $(BUILD_RELEASE) $(BUILD_DEBUG) web/dist
