/*
 * Golden state hashes. Each is the hash of a whole state after a fixed
 * amount of simulation from a fixed seed: the busy world after 1,000
 * ticks, and three generations (epochs) of both evolution modes. The
 * values were written down from a run of this code; CI runs this test in
 * the release (-O2), ASan (-O1) and debug (-O0) builds, so it also checks
 * that the optimiser changes nothing.
 *
 * A change that breaks a golden value is a bug, or a deliberate change of
 * the simulation (or of what is hashed) that updates the value in the
 * same commit and says why in its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/evolve_internal.h"
#include "tests/golden_scenes.h"

#include <omp.h>
#include <stdio.h>
#include <string.h>

static void expect_hash(const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        fail_msg("%s: state hash %016llx, golden %016llx", what, (unsigned long long)got,
                 (unsigned long long)want);
    }
}

static void test_busy_world_golden(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    Habitat *h;
    PetriError err;
    error_clear(&err);
    const TickScenario *sc = tick_scenario_find("busy");
    assert_non_null(sc);
    assert_int_equal(tick_scenario_create(sc, &h, &err), PETRI_OK);
    habitat_step(h, 1000);
    expect_hash("busy world, 1,000 ticks", habitat_hash(h), GOLDEN_BUSY_1000);
    habitat_destroy(h);
}

/* The sensor's code paths (scalar, SSE2, AVX2: world_set_isa, or
 * PETRI_ISA for the binary) must give the same bits: the busy world's
 * golden hash on each, and one hash for a few ticks of standard-3k (a
 * torus, 8 sectors over 180 degrees, dense crowds: every lane of the
 * vector loops busy). A path the CPU lacks is reported, not run. */
static uint64_t scenario_hash(const char *name, int ticks)
{
    Habitat *h;
    PetriError err;
    error_clear(&err);
    const TickScenario *sc = tick_scenario_find(name);
    assert_non_null(sc);
    assert_int_equal(tick_scenario_create(sc, &h, &err), PETRI_OK);
    habitat_step(h, ticks);
    uint64_t v = habitat_hash(h);
    habitat_destroy(h);
    return v;
}

static void test_every_sensor_path_golden(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    static const WorldIsa paths[] = {WORLD_ISA_SCALAR, WORLD_ISA_SSE2, WORLD_ISA_AVX2};
    uint64_t std_hash = 0;
    int ran = 0;
    for (int i = 0; i < 3; ++i) {
        const char *name = world_isa_name(paths[i]);
        if (!world_set_isa(paths[i])) {
            print_message("sensor path %s: this CPU lacks it, not run\n", name);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "busy world, 1,000 ticks, %s path", name);
        expect_hash(what, scenario_hash("busy", 1000), GOLDEN_BUSY_1000);
        uint64_t v = scenario_hash("standard-3k", 8);
        if (ran > 0 && v != std_hash) {
            fail_msg("standard-3k, 8 ticks: %s path %016llx, %s path %016llx", name,
                     (unsigned long long)v, world_isa_name(paths[0]),
                     (unsigned long long)std_hash);
        }
        std_hash = v;
        ++ran;
    }
    assert_true(world_set_isa(WORLD_ISA_AUTO));
    assert_true(ran >= 2); /* scalar and SSE2 exist everywhere */
}

static uint64_t evolve_hash(int mode)
{
    static const char *const sets[] = {
        "seed=42", "world.size=[64,64]", "populations.0.name=prey", "populations.0.count=24",
        "populations.1.name=hunters", "populations.1.count=8", "evolution.episodes=3",
        "evolution.episode_ticks=60", "evolution.epoch_ticks=60", "evolution.floor=4",
    };
    RunDef def;
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_def_load(&def, NULL, sets, (int)(sizeof sets / sizeof sets[0]), &err),
                     PETRI_OK);
    def.evolution.mode = mode;
    omp_set_num_threads(2);
    uint64_t hash = golden_evolve_hash(&def, &err);
    /* the def structs of make test-musl's driver are the same scene */
    RunDef same = golden_evolve_def(mode);
    assert_int_equal(golden_evolve_hash(&same, &err), hash);
    return hash;
}

static void test_generational_golden(void **state)
{
    (void)state;
    expect_hash("generational, 3 generations", evolve_hash(EVOLUTION_GENERATIONAL),
                GOLDEN_GENERATIONAL_3);
}

static void test_open_ended_golden(void **state)
{
    (void)state;
    expect_hash("open-ended, 3 epochs", evolve_hash(EVOLUTION_OPEN_ENDED), GOLDEN_OPEN_ENDED_3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busy_world_golden),
        cmocka_unit_test(test_every_sensor_path_golden),
        cmocka_unit_test(test_generational_golden),
        cmocka_unit_test(test_open_ended_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
