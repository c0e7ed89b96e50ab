# The two commands of the README. Both install what is missing first.
#   make run    build, then count syscalls by process for 5 seconds
#   make check  build, then run every test (unit and end-to-end), then the
#               sanitizer job (make check-asan)
BUILD ?= build
JOBS ?= $(shell nproc)
PACKAGES = build-essential cmake pkg-config llvm-19-dev libbpf-dev libelf-dev libdw-dev zlib1g-dev \
	libreadline-dev re2c bison libcmocka-dev systemtap-sdt-dev bpftool bpftrace tmux procps bc dpkg-dev groff-base man-db \
	libmicrohttpd-dev prometheus curl chromium libxml2-utils python3 perl file \
	iproute2 iputils-ping less

.PHONY: all deps build run check check-asan asan fuzz bench install deb clean

all: build

deps:
	@missing=$$(for p in $(PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then echo "run as root to install packages" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j$(JOBS)

run: build
	$(BUILD)/xtrace -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); } interval:s:5 { exit(); }'

check: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	$(MAKE) --no-print-directory check-asan

# The sanitizer job (make check, CI): ASan+UBSan build in build-asan, then the
# unit tests, the fuzz corpora replays and a fast set of end-to-end tests
# under the sanitizers. Reports are written to build-asan/sanitizer/, not to
# stderr: a report there fails the job, whatever the test made of the exit
# status (a test that only reads stdout would not notice one).
# (test_hostile and test_runtime_stops time their cases: 10,000 probes, a
# 1 MB program and a compile cut by SIGTERM take minutes under ASan.)
ASAN_TESTS ?= ^(test_.*|fuzz_replay_.*|e2e_test_(foundation|cli_input|located_messages|repl_stdin|values))$$
SAN_DIR = $(CURDIR)/build-asan/sanitizer
check-asan: deps
	cmake -S . -B build-asan -DXT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j$(JOBS)
	rm -rf $(SAN_DIR) && mkdir -p $(SAN_DIR)
	cd build-asan && ASAN_OPTIONS=log_path=$(SAN_DIR)/asan:detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=log_path=$(SAN_DIR)/ubsan:print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j$(JOBS) -R '$(ASAN_TESTS)'; rc=$$?; \
		reports=$$(ls $(SAN_DIR)); \
		if [ -n "$$reports" ]; then echo "sanitizer reports in $(SAN_DIR):"; head -c 20000 $(SAN_DIR)/*; exit 1; fi; \
		exit $$rc

asan: deps
	cmake -S . -B build-asan -DXT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS)

# make fuzz [FUZZ_SECONDS=60]: the libFuzzer harnesses (tests/fuzz/), built
# with clang in two trees: build-fuzz with ASan and UBSan (memory errors,
# leaks, undefined behaviour), each harness run for FUZZ_SECONDS; and
# build-fuzz-fast with the fuzzer's coverage and LeakSanitizer alone (-O2;
# LSan costs no measurable time), where the FUZZ_FAST harnesses run for
# FUZZ_SECONDS too: the rate and the long runs (docs/reliability.md).
FUZZ_SECONDS ?= 60
FUZZ_FAST ?= sema
fuzz: deps
	@dpkg-query -W clang-19 libclang-rt-19-dev >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang-19 libclang-rt-19-dev >/dev/null)
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-19 -DXT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target fuzz_sema fuzz_codegen fuzz_printf fuzz_elf fuzz_usdt fuzz_dwarf fuzz_emit
	cmake -S . -B build-fuzz-fast -DCMAKE_C_COMPILER=clang-19 -DXT_FUZZ=ON -DXT_FUZZ_SANITIZERS=leak \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build-fuzz-fast -j$(JOBS) --target $(addprefix fuzz_,$(FUZZ_FAST))
	@echo "== ASan+UBSan (build-fuzz)"
	@tests/fuzz/run.sh $(FUZZ_SECONDS); a=$$?; \
	echo "== LeakSanitizer only (build-fuzz-fast)"; \
	XT_FUZZ_BUILD=$(CURDIR)/build-fuzz-fast tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_FAST); b=$$?; \
	exit $$((a | b))

bench: build
	bench/run

# make install [DESTDIR=...] [PREFIX=/usr/local]
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# make deb: build/xtrace_<version>_<arch>.deb
deb: build
	cd $(BUILD) && cpack -G DEB >/dev/null && ls $(CURDIR)/$(BUILD)/xtrace_*.deb

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-fuzz-fast
