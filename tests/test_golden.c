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
        cmocka_unit_test(test_generational_golden),
        cmocka_unit_test(test_open_ended_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
