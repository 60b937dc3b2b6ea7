# Task Management API: FastCGI application in C.
# `make` builds build/taskapi; `make asan` builds build/asan/taskapi with ASan+UBSan (and
# TASKAPI_DEBUG: a misused statement, see HACKING.md, aborts instead of answering 500).
# `make run` / `make stop` start and stop the whole local service; `make test` runs every test.
# `make fuzz FUZZ_SECONDS=N` runs each libFuzzer target (tests/fuzz/) for N seconds.
# `make install PREFIX=/usr DESTDIR=...` and `make deb`: see dist/install.mk.
# `make docs-site` builds /openapi.json, /docs and /redoc into build/apidocs (needs `make deps`).
# `make check` is the fast check (unit tests, fuzz replays, include cycles, golden SQL,
# format); `make format` applies .clang-format. HACKING.md says when to run which.

CC      ?= cc
PKGS    := json-c libjwt libpq libcrypto libcurl
OPT     ?= -O2 -g
CFLAGS  += $(OPT) $(SAN_FLAGS) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := -lfcgi $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljson-c -ljwt -lpq -lcrypto -lcurl) -lcrypt
# The build id served by GET /health; `make BUILD_ID=x OUT=dir` builds a tagged copy apart.
BUILD_ID ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
CFLAGS  += -DTASKAPI_BUILD_ID='"$(BUILD_ID)"'

SRC      := $(wildcard src/*.c)
LIB_SRC  := $(filter-out src/main.c,$(SRC))
UNIT_SRC := $(wildcard tests/unit/test_*.c)

OUT      ?= build
OBJ      := $(SRC:src/%.c=$(OUT)/obj/%.o)
LIB_OBJ  := $(LIB_SRC:src/%.c=$(OUT)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(OUT)/unit/%)

# libFuzzer targets: the modules built by clang with ASan+UBSan and coverage, one binary each.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -DTASKAPI_BUILD_ID='"$(BUILD_ID)"'
FUZZ_TARGETS := json query router time token list
FUZZ_OBJ     := $(LIB_SRC:src/%.c=build/fuzz/obj/%.o)
FUZZ_BIN     := $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

.PHONY: all asan unit deps run stop test test-cluster test-jobs test-fault test-backup clean check format format-check fuzz fuzz-build docs-site
all: $(OUT)/taskapi

$(OUT)/taskapi: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/obj/%.o: src/%.c $(wildcard include/*.h) | $(OUT)/obj
	$(CC) $(CFLAGS) -c -o $@ $<

$(OUT)/unit/%: tests/unit/%.c $(LIB_OBJ) | $(OUT)/unit
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

# Handler tests (tests/unit/test_handlers_*.c) share a harness: the fake statement runner.
HT_SRC := tests/unit/handler_test.c tests/unit/handler_test.h
$(OUT)/unit/test_handlers_%: tests/unit/test_handlers_%.c $(HT_SRC) $(LIB_OBJ) | $(OUT)/unit
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< tests/unit/handler_test.c $(LIB_OBJ) $(LDLIBS) -lcmocka

$(OUT)/obj $(OUT)/unit:
	mkdir -p $@

unit: $(UNIT_BIN)

build/fuzz/obj/%.o: src/%.c $(wildcard include/*.h) | build/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

build/fuzz/obj:
	mkdir -p $@

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) -s fuzz-build
	@scripts/fuzz $(FUZZ_SECONDS)

asan:
	$(MAKE) OUT=build/asan OPT="-O1 -g" \
	        SAN_FLAGS="-fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all -DTASKAPI_DEBUG" \
	        build/asan/taskapi

deps:
	@scripts/install-deps

docs-site:
	@scripts/build-docs build/apidocs

# deps first, then a fresh make: pkg-config only answers once the packages are there.
run: deps
	@$(MAKE) -s all docs-site
	@scripts/run

stop:
	@scripts/stop

test: deps
	@scripts/test

# The scale-out tests in full: read routing, failover under load, rolling deploy,
# per-service pools, with the measured figures (`make test` runs a short version).
test-cluster: deps
	@scripts/test-cluster

# The job queue's loss/duplication tests in full: 100,000 jobs, three PostgreSQL restarts
# (`make test` runs them with 10,000 jobs and one restart).
test-jobs: deps
	@$(MAKE) -s all
	@JOBS_FULL=1 tests/jobs/run

check:
	@scripts/check

format:
	@scripts/format-check --fix

# Reliability in full: the fault suite's long scenarios (10-minute soak, a minute of worker
# kills...) and backup/point-in-time recovery (`make test` runs the fault suite short).
test-fault: deps
	@$(MAKE) -s all
	@tests/fault/run && tests/backup/test_pitr.sh

test-backup: deps
	@$(MAKE) -s all
	@tests/backup/test_pitr.sh

format-check:
	@scripts/format-check

clean:
	rm -rf build

# make install, make deb
include dist/install.mk
