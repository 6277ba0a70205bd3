/*
 * The tick that joins world and brains: the state hash of the busy
 * scenario after 1,000 ticks is identical at 1, 2, 3 and 4 threads and
 * equal to what `petri bench busy --hash` prints (make test-O0 runs this
 * test built at -O0 against the -O2 binary, so the two levels are
 * compared); standard-3k, large enough for the world's parallel passes,
 * has one hash at 1 to 4 threads; the ledger balances with brains aboard;
 * a steady habitat allocates nothing; the scenario is really busy
 * (births, deaths, kills).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sim/sim.h"

#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { HASH_TICKS = 1000 };

static Habitat *scenario(const char *name)
{
    const TickScenario *sc = tick_scenario_find(name);
    assert_non_null(sc);
    Habitat *h = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(tick_scenario_create(sc, &h, &err), PETRI_OK);
    return h;
}

static Habitat *busy(void)
{
    return scenario("busy");
}

static uint64_t scenario_hash(const char *name, int threads, int ticks)
{
    omp_set_num_threads(threads);
    Habitat *h = scenario(name);
    habitat_step(h, ticks);
    uint64_t hash = habitat_hash(h);
    habitat_destroy(h);
    return hash;
}

static uint64_t busy_hash(int threads, int ticks)
{
    return scenario_hash("busy", threads, ticks);
}

static void test_hash_same_at_1_to_4_threads(void **state)
{
    (void)state;
    uint64_t h1 = busy_hash(1, HASH_TICKS);
    for (int t = 2; t <= 4; ++t) {
        uint64_t ht = busy_hash(t, HASH_TICKS);
        if (ht != h1) {
            fail_msg("hash at %d threads %016" PRIx64 " != %016" PRIx64 " at 1", t, ht, h1);
        }
    }
    omp_set_num_threads(1);
}

/* The busy world is too small for the world's parallel passes (the
 * grid's copy, the meals by food cell, movement: more than 2,048
 * agents); standard-3k (3,000 agents) takes them. Its hash after 30
 * ticks must be the same at 1 to 4 threads. The value is a change
 * detector written down from a run of this code, not derived. */
static void test_parallel_passes_same_bits_at_1_to_4_threads(void **state)
{
    (void)state;
    const uint64_t serial = UINT64_C(0x1199318ed4b83763);
    for (int t = 1; t <= 4; ++t) {
        uint64_t ht = scenario_hash("standard-3k", t, 30);
        if (ht != serial) {
            fail_msg("standard-3k at %d threads: %016" PRIx64 " != %016" PRIx64, t, ht, serial);
        }
    }
    omp_set_num_threads(1);
}

static void test_phase_timing_changes_nothing(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    Habitat *h = busy();
    habitat_set_phase_timing(h, true);
    habitat_step(h, 300);
    const TickTimes *tt = habitat_times(h);
    assert_true(tt->sense > 0 && tt->think > 0 && tt->agents == 0);
    uint64_t phased = habitat_hash(h);
    habitat_destroy(h);
    assert_true(phased == busy_hash(2, 300));
    omp_set_num_threads(1);
}

static void test_hash_matches_petri_binary(void **state)
{
    (void)state;
    const char *bin = getenv("PETRI_BIN");
    if (bin == NULL || bin[0] == '\0') {
        skip();
    }
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s bench busy --ticks %d --hash --threads 2 --json", bin,
             HASH_TICKS);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char out[4096];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    const char *at = strstr(out, "\"state_hash\": \"");
    assert_non_null(at);
    uint64_t theirs = strtoull(at + strlen("\"state_hash\": \""), NULL, 16);
    uint64_t ours = busy_hash(1, HASH_TICKS);
    if (theirs != ours) {
        fail_msg("petri bench busy --hash: %016" PRIx64 ", in-process %016" PRIx64, theirs, ours);
    }
    omp_set_num_threads(1);
}

static void test_busy_is_busy_and_balanced(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    Habitat *h = busy();
    World *w = habitat_world(h);
    double total0 = world_energy_total(w);
    EnergyLedger l0 = world_ledger(w);
    double net0 = ledger_net(&l0);
    int births = 0, deaths = 0, kills = 0;
    double moved = 0;
    for (int t = 0; t < 400; ++t) {
        habitat_step(h, 1);
        int n;
        const WorldEvent *ev = world_events(w, &n);
        for (int i = 0; i < n; ++i) {
            births += ev[i].kind == EVENT_BIRTH;
            deaths += ev[i].kind == EVENT_DEATH;
            kills += ev[i].kind == EVENT_KILL;
        }
        double total = world_energy_total(w);
        EnergyLedger l = world_ledger(w);
        double net = ledger_net(&l);
        assert_true(fabs((total - total0) - (net - net0)) <= 1e-3 + 1e-6 * fabs(total));
        total0 = total;
        net0 = net;
        if (t != 200) {
            continue;
        }
        for (int s = 0; s < world_agent_count(w); ++s) {
            AgentView v;
            world_agent(w, s, &v);
            if (world_population_def(w, v.pop)->controller == CONTROLLER_BRAIN) {
                moved += v.counters.distance;
                assert_true(v.tag >= 0 && v.tag < brain_pool_count(habitat_brains(h)));
            }
        }
    }
    assert_true(births > 0);
    assert_true(deaths > 0);
    assert_true(kills > 0);
    assert_true(moved > 0); /* brains drive their bodies */
    const TickTimes *tt = habitat_times(h);
    assert_int_equal(tt->ticks, 400);
    assert_true(tt->agent_steps > 0);
    habitat_destroy(h);
    omp_set_num_threads(1);
}

/* Laying the brains out in grid order (locality) changes no result: the
 * busy world relaid every tick, every 3 ticks and never, at 1 and 2
 * threads, ends with one hash. */
static void test_brain_relayout_keeps_hash(void **state)
{
    (void)state;
    const int every[3] = {0, 1, 3};
    uint64_t hashes[3][2];
    for (int e = 0; e < 3; ++e) {
        for (int t = 1; t <= 2; ++t) {
            omp_set_num_threads(t);
            Habitat *h = busy();
            habitat_set_brain_relayout(h, every[e], 0);
            habitat_step(h, HASH_TICKS);
            hashes[e][t - 1] = habitat_hash(h);
            habitat_destroy(h);
        }
    }
    for (int e = 0; e < 3; ++e) {
        for (int t = 0; t < 2; ++t) {
            if (hashes[e][t] != hashes[0][0]) {
                fail_msg("relayout every %d ticks at %d threads: %016" PRIx64 " != %016" PRIx64,
                         every[e], t + 1, hashes[e][t], hashes[0][0]);
            }
        }
    }
    omp_set_num_threads(1);
}

static void test_steady_habitat_allocates_nothing(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    for (int relayout = 0; relayout < 2; ++relayout) {
        Habitat *h = busy();
        if (relayout) {
            habitat_set_brain_relayout(h, 1, 0); /* its spare buffer is kept */
        }
        habitat_step(h, 20);
        uint64_t before = petri_alloc_stats().allocations;
        habitat_step(h, 200);
        assert_true(petri_alloc_stats().allocations == before);
        habitat_destroy(h);
    }
    omp_set_num_threads(1);
}

static void test_scenarios_are_named(void **state)
{
    (void)state;
    assert_non_null(tick_scenario_find("standard-3k"));
    assert_non_null(tick_scenario_find("crowd-100k"));
    assert_null(tick_scenario_find("nope"));
    int n;
    const TickScenario *all = tick_scenarios(&n);
    for (int i = 0; i < n; ++i) {
        WorldDef wd;
        PopulationDef pops[WORLD_MAX_POPULATIONS];
        int np = 0;
        all[i].build(&wd, pops, &np);
        assert_true(np >= 1 && np <= WORLD_MAX_POPULATIONS);
    }
}

static void count_deaths(void *user, const World *w, const WorldEvent *ev, int n)
{
    (void)w;
    for (int i = 0; i < n; ++i) {
        *(int *)user += ev[i].kind == EVENT_DEATH;
    }
}

static void test_event_sink_sees_every_tick(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    Habitat *h = busy();
    int by_sink = 0;
    habitat_set_event_sink(h, count_deaths, &by_sink);
    habitat_step(h, 300);
    habitat_destroy(h);
    h = busy();
    int by_tick = 0;
    for (int t = 0; t < 300; ++t) {
        habitat_step(h, 1);
        int n;
        const WorldEvent *ev = world_events(habitat_world(h), &n);
        count_deaths(&by_tick, habitat_world(h), ev, n);
    }
    habitat_destroy(h);
    assert_true(by_sink > 0);
    assert_int_equal(by_sink, by_tick);
    omp_set_num_threads(1);
}

enum { REBUILD_AGENTS = 40 };
typedef struct GenomeBank {
    Genome g[REBUILD_AGENTS];
    uint32_t id[REBUILD_AGENTS];
} GenomeBank;

static const Genome *bank_genome(void *user, uint32_t id)
{
    GenomeBank *b = user;
    for (int i = 0; i < REBUILD_AGENTS; ++i) {
        if (b->id[i] == id) {
            return &b->g[i];
        }
    }
    return NULL;
}

static uint64_t rebuild_run(GenomeBank *bank, bool rebuild)
{
    const TickScenario *sc = tick_scenario_find("busy");
    WorldDef wd;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    int np;
    sc->build(&wd, pops, &np);
    Habitat *h = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(habitat_create(&wd, pops, np, 3, &h, &err), PETRI_OK);
    World *w = habitat_world(h);
    for (int i = 0; i < REBUILD_AGENTS; ++i) {
        Pcg32 rng = pcg32_stream(5, (uint64_t)i, RNG_PURPOSE_USER);
        genome_init_random(&bank->g[i], world_input_count(w, 0), WORLD_OUTPUTS, 3, 14, false,
                           &rng);
        bank->id[i] = habitat_add(h, 0, &bank->g[i], NULL);
    }
    habitat_populate(h, 2, NULL, 0, 4); /* hunters thin the brains out */
    habitat_step(h, 150);
    if (rebuild) {
        habitat_rebuild_brains(h, bank_genome, bank);
        int brains = 0;
        for (int s = 0; s < world_agent_count(w); ++s) {
            brains += world_agent_tag(w, s) >= 0;
        }
        assert_int_equal(brain_pool_count(habitat_brains(h)), brains);
        assert_true(brains < REBUILD_AGENTS);
    }
    habitat_step(h, 100);
    uint64_t hash = habitat_hash(h);
    habitat_destroy(h);
    for (int i = 0; i < REBUILD_AGENTS; ++i) {
        genome_fini(&bank->g[i]);
    }
    return hash;
}

static void test_rebuild_brains_keeps_only_the_living(void **state)
{
    (void)state;
    GenomeBank *bank = malloc(sizeof *bank);
    assert_non_null(bank);
    omp_set_num_threads(1);
    uint64_t a = rebuild_run(bank, true);
    omp_set_num_threads(3);
    uint64_t b = rebuild_run(bank, true);
    assert_true(a == b);
    free(bank);
    omp_set_num_threads(1);
}

/* Every shipped world loads, makes a habitat and runs a few ticks. */
static void test_shipped_configs_run(void **state)
{
    (void)state;
    static const char *const files[] = {"configs/default.yaml", "configs/foraging.yaml",
                                        "configs/predator_prey.yaml", "configs/crowd.yaml"};
    omp_set_num_threads(2);
    for (size_t f = 0; f < sizeof files / sizeof files[0]; ++f) {
        RunDef *def = malloc(sizeof *def);
        assert_non_null(def);
        PetriError err;
        error_clear(&err);
        if (run_def_load(def, files[f], NULL, 0, &err) != PETRI_OK) {
            error_print(&err, stderr);
            fail_msg("%s does not load", files[f]);
        }
        Habitat *h = NULL;
        if (habitat_create(&def->world, def->populations, def->population_count, def->seed, &h,
                           &err) != PETRI_OK) {
            error_print(&err, stderr);
            fail_msg("%s does not make a world", files[f]);
        }
        World *w = habitat_world(h);
        for (int p = 0; p < def->population_count; ++p) {
            if (def->populations[p].controller != CONTROLLER_BRAIN) {
                habitat_populate(h, p, NULL, 0, def->populations[p].count);
                continue;
            }
            Pcg32 rng = pcg32_stream(1, (uint64_t)p, RNG_PURPOSE_USER);
            Genome g;
            genome_init_random(&g, world_input_count(w, p), WORLD_OUTPUTS, 2, 12, false, &rng);
            const Genome *gs[1] = {&g};
            habitat_populate(h, p, gs, 1, def->populations[p].count);
            genome_fini(&g);
        }
        habitat_step(h, 5);
        assert_true(world_agent_count(w) > 0);
        habitat_destroy(h);
        free(def);
    }
    omp_set_num_threads(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_same_at_1_to_4_threads),
        cmocka_unit_test(test_parallel_passes_same_bits_at_1_to_4_threads),
        cmocka_unit_test(test_phase_timing_changes_nothing),
        cmocka_unit_test(test_hash_matches_petri_binary),
        cmocka_unit_test(test_busy_is_busy_and_balanced),
        cmocka_unit_test(test_brain_relayout_keeps_hash),
        cmocka_unit_test(test_steady_habitat_allocates_nothing),
        cmocka_unit_test(test_scenarios_are_named),
        cmocka_unit_test(test_shipped_configs_run),
        cmocka_unit_test(test_event_sink_sees_every_tick),
        cmocka_unit_test(test_rebuild_brains_keeps_only_the_living),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
