/*
 * The golden state hashes without cmocka or YAML: the driver of make
 * test-musl, built once with the system's C library and once with musl.
 * It computes the three golden scenes of tests/golden_scenes.h at each
 * thread count named on the command line (the musl build has no OpenMP
 * and runs one thread), prints each hash, compares it with the golden
 * value, and ends with the closing line of tests/run_tests.sh:
 * "N passed, N failed, N skipped".
 *
 * Usage: golden_main [THREADS...]   (default: 1)
 */
#include "core/parallel.h"
#include "tests/golden_scenes.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int passed, failed;

static void check(const char *what, int threads, uint64_t got, uint64_t want,
                  const PetriError *err)
{
    if (got == want) {
        ++passed;
        printf("ok   %s at %d thread(s): %016" PRIx64 "\n", what, threads, got);
    } else {
        ++failed;
        printf("FAIL %s at %d thread(s): %016" PRIx64 ", golden %016" PRIx64 "\n", what, threads,
               got, want);
        error_print(err, stdout);
    }
}

int main(int argc, char **argv)
{
    int counts[16] = {1};
    int n = 1;
    if (argc > 1) {
        n = 0;
        for (int i = 1; i < argc && n < 16; ++i) {
            counts[n++] = atoi(argv[i]);
        }
    }
    for (int i = 0; i < n; ++i) {
        int threads = counts[i] > 0 ? counts[i] : 1;
        omp_set_num_threads(threads);
        if (omp_get_max_threads() != threads) {
            printf("note: this build runs %d thread(s), not %d\n", omp_get_max_threads(),
                   threads);
        }
        PetriError err;
        error_clear(&err);
        check("busy world, 1,000 ticks", threads, golden_busy_hash(&err), GOLDEN_BUSY_1000, &err);
        RunDef gen = golden_evolve_def(EVOLUTION_GENERATIONAL);
        check("generational, 3 generations", threads, golden_evolve_hash(&gen, &err),
              GOLDEN_GENERATIONAL_3, &err);
        RunDef oe = golden_evolve_def(EVOLUTION_OPEN_ENDED);
        check("open-ended, 3 epochs", threads, golden_evolve_hash(&oe, &err), GOLDEN_OPEN_ENDED_3,
              &err);
    }
    printf("%d passed, %d failed, 0 skipped\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
