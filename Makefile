# Petri: build, run, test, bench.
#
#   make              build ./petri
#   make run          install missing packages, build, run the default evolution
#   make test         build and run every test (prints "N passed, N failed")
#   make test-asan    the same tests under AddressSanitizer and UBSan
#   make test-O0      the golden state hashes in a -O0 build
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
SDL    ?= $(shell pkg-config --exists sdl2 2>/dev/null && echo 1 || echo 0)
ifeq ($(STATIC),1)
SDL := 0
endif

CC      ?= cc
ifeq ($(MPI),1)
CC      := mpicc
endif

BUILD   := build/$(MODE)
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

LIBS := -lyaml -lm
DEFS := -DPETRI_SDL=$(SDL) -DPETRI_MPI=$(MPI)
ifeq ($(SDL),1)
CFLAGS_SDL := $(shell pkg-config --cflags sdl2)
LIBS       += $(shell pkg-config --libs sdl2)
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
TEST_BINS := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)

PETRI := $(BUILD)/petri

.PHONY: all run test test-asan test-O0 bench deps deps-test docs clean check-docs
all: petri

petri: $(PETRI)
ifeq ($(MODE),release)
	@ln -sf $(PETRI) petri
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS_ALL) $(if $(findstring render/,$<),$(CFLAGS_SDL)) -c $< -o $@

$(LIB): $(OBJS)
	@rm -f $@
	@echo "  AR    $@"
	@ar rcs $@ $(OBJS)

$(PETRI): $(BUILD)/main.o $(LIB)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $(BUILD)/main.o $(LIB) $(LIBS)

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST  $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(LIB) $(LIBS) -lcmocka

tests: $(TEST_BINS) petri

# --- packages --------------------------------------------------------------
PKGS_BUILD := gcc make pkg-config libyaml-dev
PKGS_TEST  := libcmocka-dev
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

deps:
	$(call install_missing,$(PKGS_BUILD) $(PKGS_TEST) $(PKGS_RUN))

deps-test:
	$(call install_missing,$(PKGS_BUILD) $(PKGS_TEST) $(PKGS_RUN))

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
	  tests/run_tests.sh build/asan

# The golden state hashes again at -O0: the optimiser must change nothing.
test-O0: deps-test
	@$(MAKE) --no-print-directory MODE=debug tests
	@tests/run_tests.sh build/debug test_golden

bench: deps
	@$(MAKE) --no-print-directory petri
	./petri bench standard-3k crowd-100k --threads 1,2
	./petri bench crowd-1m --threads 2

docs: petri
	./petri check --reference > docs/config.md

clean:
	rm -rf build petri

-include $(OBJS:.o=.d) $(BUILD)/main.d
