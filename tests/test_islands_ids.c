/*
 * The innovation and node id namespaces of islands, and the NEAT hooks
 * that migration uses: island k hands out new ids only inside its own
 * namespace, observing a migrant from another island moves no counter,
 * the minimal genomes' ids stay common, a plain registry is unchanged; the
 * best genomes of the generation just evaluated come best first, and
 * migrants take the last slots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "genome/genome.h"
#include "sim/sim.h"

#include <string.h>

/* Fitness: the genome's index (so the best are the last ones). */
static double index_fitness(const Genome *g, int index, void *ctx)
{
    (void)g;
    (void)ctx;
    return (double)index;
}

static NeatDef structural_def(void)
{
    NeatDef def = neat_default_def();
    def.population_size = 30;
    def.add_node_rate = 0.5;
    def.add_conn_rate = 0.5;
    return def;
}

static void test_registry_namespace(void **state)
{
    (void)state;
    PetriError err;
    error_clear(&err);
    InnovationRegistry *plain = innovation_registry_create(2, 1);
    InnovationRegistry *two = innovation_registry_create(2, 1);
    assert_int_equal(innovation_registry_set_namespace(two, 2, &err), PETRI_OK);
    /* Minimal genomes of 2 inputs + bias and 1 output: ids 0..2 and nodes 0..3. */
    assert_int_equal(innovation_registry_next_innovation(plain), 3);
    assert_int_equal(innovation_registry_next_node(plain), 4);
    assert_int_equal(innovation_registry_next_innovation(two), 2 * INNOVATION_NAMESPACE_SPAN);
    assert_int_equal(innovation_registry_next_node(two), 2 * INNOVATION_NAMESPACE_SPAN);

    /* A genome holding ids of namespace 1 (a migrant from island 1). */
    Genome g;
    Pcg32 rng = pcg32_stream(1, 2, RNG_PURPOSE_USER);
    NeatDef def = neat_default_def();
    genome_init_minimal(&g, 2, 1, &def, &rng);
    for (int i = 0; i < g.conn_count; ++i) {
        g.conns[i].innovation += INNOVATION_NAMESPACE_SPAN + 10;
    }
    innovation_registry_observe(two, &g);
    assert_int_equal(innovation_registry_next_innovation(two), 2 * INNOVATION_NAMESPACE_SPAN);
    /* The plain registry takes any id, as before namespaces. */
    innovation_registry_observe(plain, &g);
    assert_int_equal(innovation_registry_next_innovation(plain),
                     INNOVATION_NAMESPACE_SPAN + 10 + 3);
    assert_int_equal(innovation_registry_set_namespace(two, INNOVATION_NAMESPACES, &err),
                     PETRI_EUSAGE);
    /* Loaded from a checkpoint, a registry keeps its namespace: observing
     * the loaded genomes (migrants among them) moves nothing. */
    ByteBuf b;
    buf_init(&b);
    innovation_registry_save(two, &b);
    InnovationRegistry *loaded = innovation_registry_create(2, 1);
    ByteReader rd;
    reader_init(&rd, b.data, b.len);
    assert_int_equal(innovation_registry_load(loaded, &rd, &err), PETRI_OK);
    innovation_registry_observe(loaded, &g);
    assert_int_equal(innovation_registry_next_innovation(loaded), 2 * INNOVATION_NAMESPACE_SPAN);
    assert_int_equal(innovation_registry_set_namespace(loaded, 2, &err), PETRI_OK);
    innovation_registry_destroy(loaded);
    buf_fini(&b);
    genome_fini(&g);
    innovation_registry_destroy(plain);
    innovation_registry_destroy(two);
}

/* Every id of every genome of pop: below the common minimal range, or in
 * namespace ns. */
static void assert_ids_in(const NeatPopulation *pop, int ns, int inputs, int outputs)
{
    uint32_t lo = (uint32_t)ns * INNOVATION_NAMESPACE_SPAN, hi = lo + INNOVATION_NAMESPACE_SPAN;
    uint32_t common_conns = (uint32_t)((inputs + 1) * outputs);
    uint32_t common_nodes = (uint32_t)(inputs + 1 + outputs);
    int fresh = 0;
    for (int i = 0; i < neat_population_size(pop); ++i) {
        const Genome *g = neat_population_genome(pop, i);
        for (int c = 0; c < g->conn_count; ++c) {
            uint32_t id = g->conns[c].innovation;
            assert_true(id < common_conns || (id >= lo && id < hi));
            fresh += id >= common_conns;
        }
        for (int n = 0; n < g->node_count; ++n) {
            uint32_t id = g->nodes[n].id;
            assert_true(id < common_nodes || (id >= lo && id < hi));
        }
    }
    assert_true(fresh > 0); /* the test means something: structure was added */
}

static void test_islands_never_share_ids(void **state)
{
    (void)state;
    NeatDef def = structural_def();
    PetriError err;
    error_clear(&err);
    NeatPopulation *a = neat_population_create(&def, 2, 1, 5);
    NeatPopulation *b = neat_population_create(&def, 2, 1, 5);
    assert_int_equal(neat_population_set_id_namespace(a, 0, &err), PETRI_OK);
    assert_int_equal(neat_population_set_id_namespace(b, 3, &err), PETRI_OK);
    for (int gen = 0; gen < 6; ++gen) {
        neat_population_evaluate(a, index_fitness, NULL);
        neat_population_evaluate(b, index_fitness, NULL);
        neat_population_epoch(a);
        neat_population_epoch(b);
        /* The best two of b's evaluated generation migrate into a. */
        const Genome *best[2];
        int index[2];
        assert_int_equal(neat_population_previous_best(b, 2, best, index), 2);
        /* Fitness is the index: the best are the last two, best first. */
        assert_int_equal(index[0], def.population_size - 1);
        assert_int_equal(index[1], def.population_size - 2);
        Genome copies[2];
        for (int i = 0; i < 2; ++i) {
            genome_init(&copies[i], 2, 1);
            genome_copy(&copies[i], best[i]);
        }
        int slots[2];
        neat_population_replace_last(a, copies, 2, slots);
        assert_int_equal(slots[0], def.population_size - 2);
        assert_int_equal(slots[1], def.population_size - 1);
        for (int i = 0; i < 2; ++i) {
            genome_fini(&copies[i]);
        }
    }
    /* b's own genomes stay in namespace 3; a's new structure in 0. */
    assert_ids_in(b, 3, 2, 1);
    /* a holds its own ids (namespace 0) and migrants' (namespace 3),
     * nothing else: no id was handed out twice for different genes. */
    int own = 0, migrant = 0;
    for (int i = 0; i < neat_population_size(a); ++i) {
        const Genome *g = neat_population_genome(a, i);
        for (int c = 0; c < g->conn_count; ++c) {
            uint32_t id = g->conns[c].innovation;
            assert_true(id < INNOVATION_NAMESPACE_SPAN ||
                        (id >= 3 * INNOVATION_NAMESPACE_SPAN && id < 4 * INNOVATION_NAMESPACE_SPAN));
            own += id >= 3 && id < INNOVATION_NAMESPACE_SPAN;
            migrant += id >= 3 * INNOVATION_NAMESPACE_SPAN;
        }
    }
    assert_true(own > 0);
    assert_true(migrant > 0);
    neat_population_destroy(a);
    neat_population_destroy(b);
}

static void test_no_best_before_an_epoch(void **state)
{
    (void)state;
    NeatDef def = structural_def();
    NeatPopulation *a = neat_population_create(&def, 2, 1, 5);
    const Genome *best[2];
    int index[2];
    assert_int_equal(neat_population_previous_best(a, 2, best, index), 0);
    neat_population_destroy(a);
}

/* An islands config: refused by a build without MPI, at its key. */
static void test_islands_config_needs_mpi(void **state)
{
    (void)state;
    RunDef *def = petri_alloc(sizeof *def);
    PetriError err;
    error_clear(&err);
    const char *sets[] = {"islands.migration_interval=5"};
    PetriStatus s = run_def_load(def, NULL, sets, 1, &err);
#if PETRI_MPI
    assert_int_equal(s, PETRI_OK);
    assert_int_equal(def->islands.migration_interval, 5);
    assert_int_equal(def->islands.migrants, 2);
#else
    assert_int_equal(s, PETRI_ECONFIG);
    assert_non_null(strstr(err.msg, "--set islands.migration_interval=5: error: "
                                    "'islands.migration_interval' makes this an islands config, "
                                    "but this petri was built without MPI"));
#endif
    /* Not an islands config: every build takes it. */
    error_clear(&err);
    const char *plain[] = {"islands.migration_interval=0"};
    assert_int_equal(run_def_load(def, NULL, plain, 1, &err), PETRI_OK);
    petri_free(def, sizeof *def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_namespace),
        cmocka_unit_test(test_islands_never_share_ids),
        cmocka_unit_test(test_no_best_before_an_epoch),
        cmocka_unit_test(test_islands_config_needs_mpi),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
