/*
 * A micro benchmark of compiled brains that runs with the tests: prints
 * nanoseconds per brain step and per connection for a pool of brains the
 * size of the world's (3,000 brains, 21 inputs, 16 outputs, 5 hidden nodes,
 * 24 connections, as in biosim4's world: docs/performance.md), on one thread and through
 * brain_step_range on all threads. It asserts only behaviour (finite
 * outputs, the same outputs either way), never a time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "brain/brain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

enum { BRAINS = 3000, INPUTS = 21, OUTPUTS = 16, HIDDEN = 5, CONNS = 24, STEPS = 100 };

static void run_speed(bool recurrent, int act)
{
    BrainPool *pool = brain_pool_create();
    Pcg32 rng = pcg32_stream(42, 0, RNG_PURPOSE_USER);
    long conns = 0;
    for (int i = 0; i < BRAINS; ++i) {
        Genome g;
        genome_init_random(&g, INPUTS, OUTPUTS, HIDDEN, CONNS, recurrent, &rng);
        for (int n = 0; n < g.node_count; ++n) {
            if (g.nodes[n].kind == NODE_HIDDEN || g.nodes[n].kind == NODE_OUTPUT) {
                g.nodes[n].activation = (uint8_t)act;
            }
        }
        int b = brain_pool_add(pool, &g);
        conns += brain_conn_count(pool, b);
        genome_fini(&g);
    }
    static float in[BRAINS][INPUTS], out1[BRAINS][OUTPUTS], out2[BRAINS][OUTPUTS];
    for (int i = 0; i < BRAINS; ++i) {
        for (int k = 0; k < INPUTS; ++k) {
            in[i][k] = pcg32_float(&rng) * 2.0f - 1.0f;
        }
    }
    /* one thread */
    uint64_t t0 = clock_ns();
    for (int s = 0; s < STEPS; ++s) {
        for (int i = 0; i < BRAINS; ++i) {
            brain_step(pool, i, in[i], out1[i]);
        }
    }
    uint64_t t1 = clock_ns();
    for (int i = 0; i < BRAINS; ++i) {
        brain_reset(pool, i);
    }
    uint64_t t2 = clock_ns();
    for (int s = 0; s < STEPS; ++s) {
        brain_step_range(pool, 0, BRAINS, &in[0][0], INPUTS, &out2[0][0], OUTPUTS);
    }
    uint64_t t3 = clock_ns();
    for (int i = 0; i < BRAINS; ++i) {
        for (int o = 0; o < OUTPUTS; ++o) {
            assert_true(isfinite(out1[i][o]));
        }
    }
    assert_memory_equal(out1, out2, sizeof out1);
    double steps = (double)BRAINS * STEPS;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    printf("brain speed (%s, %s, %.1f connections per brain): one thread %.1f ns/step "
           "%.2f ns/connection; brain_step_range on %d threads %.1f ns/step\n",
           recurrent ? "recurrent" : "feed-forward", activation_name((Activation)act),
           (double)conns / BRAINS, (double)(t1 - t0) / steps,
           (double)(t1 - t0) / ((double)conns * STEPS), threads, (double)(t3 - t2) / steps);
    brain_pool_destroy(pool);
}

static void test_speed_feedforward(void **state)
{
    (void)state;
    run_speed(false, ACT_TANH);
    run_speed(false, ACT_NEAT_SIGMOID);
}

static void test_speed_recurrent(void **state)
{
    (void)state;
    run_speed(true, ACT_TANH);
    run_speed(true, ACT_NEAT_SIGMOID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_speed_feedforward),
        cmocka_unit_test(test_speed_recurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
