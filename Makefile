# Petri: build, run, test, bench.
#
#   make              build ./petri
#   make run          install missing packages, build, run the default evolution
#   make test         build and run every test (prints "N passed, N failed, N skipped")
#   make test-asan    the same tests under AddressSanitizer and UBSan
#   make test-O0      the golden state hashes and fixed bits in a -O0 build
#   make test-musl    the golden state hashes built with musl equal glibc's
#   make test-slurm   a sweep's job array on a local single-node SLURM (root)
#   make test-mpi     MPI islands on two ranks (Open MPI)
#   make test-xvfb    the viewer in a real X window under Xvfb, driven by xdotool
#   make bench        throughput benchmark (agent-steps per second)
#   make deps         install missing Debian packages (as root) or print the command
#   make docs         regenerate docs/config.md from the schema
#   make clean
#
# Knobs: SDL=0|1 (default: 1 where SDL2 is installed), MPI=0|1 (default 0),
#        MODE=release|debug|asan, STATIC=1 (a static binary, for machines
#        without the libraries), WERROR=0 to let warnings pass.

MODE   ?= release
MPI    ?= 0
STATIC ?= 0
WERROR ?= 1
SDL_FOUND := $(shell pkg-config --exists sdl2 SDL2_ttf libpng 2>/dev/null && echo 1 || echo 0)
SDL    ?= $(SDL_FOUND)
ifeq ($(STATIC),1)
SDL := 0
endif

CC      ?= cc
ifeq ($(MPI),1)
CC      := mpicc
endif

# Each combination of knobs builds in its own folder (build/release,
# build/release-static, build/release-mpi, build/debug-nosdl, ...), so that
# no object is reused across knobs; within a folder, a change of compiler
# or flags (CC=, CFLAGS=) rebuilds everything (see BUILD/flags below).
VARIANT := $(if $(filter 1,$(STATIC)),-static)$(if $(filter 1,$(MPI)),-mpi)
ifneq ($(STATIC),1)
ifneq ($(SDL),$(SDL_FOUND))
VARIANT := $(VARIANT)$(if $(filter 1,$(SDL)),-sdl,-nosdl)
endif
endif
BUILD   := build/$(MODE)$(VARIANT)
WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wvla -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN    += -Werror
endif
CFLAGS_BASE := -std=c17 -D_GNU_SOURCE -I. -fopenmp -ffp-contract=off -fno-fast-math \
               -MMD -MP $(WARN)
ifeq ($(MODE),release)
OPT := -O2 -g
else ifeq ($(MODE),debug)
OPT := -O0 -g
else ifeq ($(MODE),asan)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
else
$(error MODE must be release, debug or asan)
endif

LIBS := -lyaml -ljansson -lm
DEFS := -DPETRI_SDL=$(SDL) -DPETRI_MPI=$(MPI)
ifeq ($(SDL),1)
CFLAGS_SDL := $(shell pkg-config --cflags sdl2 SDL2_ttf libpng)
LIBS       += $(shell pkg-config --libs sdl2 SDL2_ttf libpng)
endif
LDFLAGS_X :=
ifeq ($(STATIC),1)
LDFLAGS_X += -static
endif

CFLAGS_ALL = $(CFLAGS_BASE) $(OPT) $(DEFS) $(CFLAGS) $(CPPFLAGS)
LDFLAGS_ALL = $(OPT) -fopenmp $(LDFLAGS_X) $(LDFLAGS)

MODULES := core genome brain world sim experiments
ifeq ($(SDL),1)
MODULES += render
endif
SRCS := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
ifneq ($(MPI),1)
SRCS := $(filter-out %_mpi.c,$(SRCS))
endif
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
LIB  := $(BUILD)/libpetri.a

TEST_SRCS := $(wildcard tests/test_*.c)
ifneq ($(SDL),1)
TEST_SRCS := $(filter-out tests/test_render%,$(TEST_SRCS))
endif
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)

PETRI := $(BUILD)/petri

.PHONY: all petri run test test-asan test-O0 test-musl bench deps deps-test docs clean check-docs
.PHONY: test-slurm deps-slurm test-mpi test-xvfb deps-xvfb
all: petri

petri: $(PETRI)
ifeq ($(MODE),release)
	@ln -sf $(PETRI) petri
endif

# BUILD/flags holds the compiler and flags of the last build in BUILD; it
# is rewritten (and every object becomes stale) only when they change.
BUILD_FLAGS := $(CC) $(CFLAGS_ALL) $(CFLAGS_SDL) | $(LDFLAGS_ALL) | $(LIBS)
ifneq ($(file <$(BUILD)/flags),$(BUILD_FLAGS))
$(shell mkdir -p $(BUILD))
$(file >$(BUILD)/flags,$(BUILD_FLAGS))
endif

$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_ALL) $(if $(findstring render/,$<),$(CFLAGS_SDL)) -c $< -o $@

$(LIB): $(OBJS)
	@rm -f $@
	@echo "  AR    $@"
	@ar rcs $@ $(OBJS)

$(PETRI): $(BUILD)/main.o $(LIB) $(BUILD)/flags
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $(BUILD)/main.o $(LIB) $(LIBS)

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST  $@"
	@$(CC) $(CFLAGS_ALL) $(if $(findstring test_render,$<),$(CFLAGS_SDL)) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LIBS) -lcmocka

tests: $(TEST_BINS) petri

# --- packages --------------------------------------------------------------
PKGS_BUILD := gcc make pkg-config libyaml-dev libjansson-dev
PKGS_TEST  := libcmocka-dev
# the viewer: SDL2, SDL2_ttf with DejaVu Sans Mono, libpng for screenshots
PKGS_VIEW  := libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core libpng-dev
# its tests: --record read back with ffprobe
PKGS_VIEW_TEST := ffmpeg
PKGS_RUN   := gnuplot-nox
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "petri: installing Debian packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$$missing) || exit 1; \
	  else \
	    echo "petri: these Debian packages are missing:$$missing"; \
	    echo "petri: install them with: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

PKGS_MPI := libopenmpi-dev openmpi-bin
deps:
	$(call install_missing,$(PKGS_BUILD) $(PKGS_TEST) $(PKGS_RUN) $(PKGS_VIEW) $(if $(filter 1,$(MPI)),$(PKGS_MPI)))

deps-test:
	$(call install_missing,$(PKGS_BUILD) $(PKGS_TEST) $(PKGS_RUN) $(PKGS_VIEW) $(if $(filter 1,$(SDL)),$(PKGS_VIEW_TEST)))

# --- what users run ----------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory petri
	./petri run configs/default.yaml

test: deps-test
	@$(MAKE) --no-print-directory tests
	@tests/run_tests.sh $(BUILD)

test-asan: deps-test
	@$(MAKE) --no-print-directory MODE=asan tests
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/run_tests.sh build/asan$(VARIANT)

# The golden state hashes again at -O0: the optimiser must change nothing.
# Also at -O0: the fixed bits of the brain's exp and of core/mathx.c, and
# test_tick, whose -O0 in-process hash is compared with the -O2 binary's.
test-O0: deps-test
	@$(MAKE) --no-print-directory MODE=debug tests
	@$(MAKE) --no-print-directory petri
	@PETRI_BIN=build/release$(VARIANT)/petri tests/run_tests.sh build/debug$(VARIANT) \
	  "test_golden test_brain_exp test_mathx test_tick"

# The golden state hashes with musl (Debian's musl-gcc, no OpenMP, no
# libyaml: tests/golden_main.c builds the scenes from def structs) must
# equal glibc's: the simulation's floating point depends on no libm.
MUSL_BUILD := build/musl
# (sweeps and summaries read JSON with jansson, which musl has not: left out)
MUSL_SRCS  := $(filter-out %_mpi.c experiments/sweep%.c experiments/summarize%.c,\
                $(foreach m,core genome brain world sim experiments,$(wildcard $(m)/*.c)))
MUSL_OBJS  := $(MUSL_SRCS:%.c=$(MUSL_BUILD)/%.o)
MUSL_FLAGS := -std=c17 -D_GNU_SOURCE -I. -I$(MUSL_BUILD)/include -ffp-contract=off -fno-fast-math \
              -O2 -DPETRI_SDL=0 -DPETRI_MPI=0 -MMD -MP $(WARN) -Wno-unknown-pragmas

$(MUSL_BUILD)/include/yaml.h: /usr/include/yaml.h
	@mkdir -p $(dir $@)
	@cp $< $@

$(MUSL_BUILD)/%.o: %.c $(MUSL_BUILD)/include/yaml.h
	@mkdir -p $(dir $@)
	@echo "  MUSL  $<"
	@musl-gcc $(MUSL_FLAGS) -c $< -o $@

$(MUSL_BUILD)/golden_main: tests/golden_main.c tests/golden_scenes.h tests/musl/yaml_absent.c \
                           $(MUSL_OBJS)
	@echo "  LD    $@"
	@musl-gcc $(MUSL_FLAGS) -static -o $@ tests/golden_main.c tests/musl/yaml_absent.c \
	  $(MUSL_OBJS) -lm

$(BUILD)/golden_main: tests/golden_main.c tests/golden_scenes.h $(LIB)
	@echo "  LD    $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ tests/golden_main.c $(LIB) $(LIBS)

test-musl: deps-test
	$(call install_missing,musl-tools)
	@$(MAKE) --no-print-directory $(MUSL_BUILD)/golden_main $(BUILD)/golden_main
	@echo "== glibc, $(BUILD), 1 2 3 threads"
	@$(BUILD)/golden_main 1 2 3
	@echo "== musl, $(MUSL_BUILD), static"
	@file $(MUSL_BUILD)/golden_main | grep -q "statically linked" || \
	  { echo "$(MUSL_BUILD)/golden_main is not a static musl binary"; exit 1; }
	@$(MUSL_BUILD)/golden_main 1

# A sweep's SLURM job array on a real single-node SLURM started here (as
# root): warned tasks checkpoint, requeue and resume; results equal local runs.
PKGS_SLURM := munge slurm-wlm
deps-slurm:
	$(call install_missing,$(PKGS_SLURM))

test-slurm: deps-test deps-slurm
	@$(MAKE) --no-print-directory petri
	@tests/slurm_test.sh $(BUILD)

# MPI islands on two ranks: the same hash twice, migrants in the lineage,
# stopped and resumed equal to straight (an MPI=1 build of its own).
test-mpi: deps-test
	$(call install_missing,$(PKGS_MPI))
	@$(MAKE) --no-print-directory MPI=1 build/$(MODE)-mpi/petri
	@tests/mpi_test.sh build/$(MODE)-mpi

# The viewer in a real X window: an Xvfb the test starts on a free display
# and stops, real input through xdotool, the window read back with xwd;
# opens, draws, pauses, selects on a click, applies a saved YAML, closes on
# SIGTERM with the headless run's state (tests/xvfb_test.sh).
PKGS_XVFB := xvfb xdotool x11-utils x11-apps python3
deps-xvfb:
	$(call install_missing,$(PKGS_XVFB))

test-xvfb: deps-test deps-xvfb
	@$(MAKE) --no-print-directory petri
	@tests/xvfb_test.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory petri
	./petri bench standard-3k crowd-100k --threads 1,2
	./petri bench crowd-1m --threads 2

docs: petri
	./petri check --reference > docs/config.md

clean:
	rm -rf build petri

-include $(OBJS:.o=.d) $(BUILD)/main.d $(TEST_BINS:=.d) $(MUSL_OBJS:.o=.d)

# --- fuzzing (tests/fuzz/) ---------------------------------------------------
# libFuzzer targets, built with clang, ASan and UBSan into build/fuzz (its
# own objects; the gcc builds are untouched). `make fuzz` builds them,
# `make fuzz-smoke` runs each for FUZZ_SECONDS on the committed corpus and
# replays every committed reproducer. Longer runs: docs/reliability.md.
# (clang, unlike gcc, warns about unused static inline helpers.)
FUZZ_CC      := clang
FUZZ_BUILD   := build/fuzz
FUZZ_SECONDS ?= 12
FUZZ_TARGETS := config genome_bin genome_json checkpoint world
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -std=c17 -D_GNU_SOURCE -I. -fopenmp -ffp-contract=off -fno-fast-math -MMD -MP \
                $(WARN) -Wno-unused-function -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -DPETRI_SDL=0 -DPETRI_MPI=0
FUZZ_SRCS    := $(filter-out %_mpi.c,$(foreach m,core genome brain world sim experiments,$(wildcard $(m)/*.c)))
FUZZ_OBJS    := $(FUZZ_SRCS:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
# The tick's inner loops parse nothing: tracing their compares only slows
# fuzz_world down (a third of its time), so they keep the edge counters only.
FUZZ_HOT     := world/world_sense.c world/world_tick.c brain/brain.c
PKGS_FUZZ    := clang libclang-rt-14-dev libomp-dev libyaml-dev

.PHONY: fuzz fuzz-smoke deps-fuzz
deps-fuzz:
	$(call install_missing,$(PKGS_FUZZ))

fuzz: deps-fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(if $(filter $<,$(FUZZ_HOT)),-fno-sanitize-coverage=trace-cmp) -c $< -o $@

$(FUZZ_BUILD)/libpetri.a: $(FUZZ_OBJS)
	@rm -f $@
	@ar rcs $@ $(FUZZ_OBJS)

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/tests/fuzz/fuzz_common.o \
                      $(FUZZ_BUILD)/libpetri.a
	@echo "  FUZZ  $@"
	@$(FUZZ_CC) -fopenmp -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lyaml -lm

.SECONDARY: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/tests/fuzz/fuzz_%.o) $(FUZZ_BUILD)/tests/fuzz/fuzz_common.o

fuzz-smoke: fuzz
	@tests/fuzz/smoke.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

-include $(FUZZ_OBJS:.o=.d) $(FUZZ_BUILD)/tests/fuzz/fuzz_common.d \
         $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/tests/fuzz/fuzz_%.d)
