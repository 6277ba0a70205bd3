/* Genome operators: validity under thousands of random operator sequences,
 * the innovation registry, crossover, distance, evaluation order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "genome/genome_internal.h"

#include <math.h>
#include <string.h>

static void assert_valid(const Genome *g, bool allow_recurrent)
{
    PetriError err;
    error_clear(&err);
    PetriStatus st = genome_check(g, allow_recurrent, &err);
    if (st != PETRI_OK) {
        fprintf(stderr, "%s\n", err.msg);
    }
    assert_int_equal(st, PETRI_OK);
}

static void test_activations(void **state)
{
    (void)state;
    for (int a = 0; a < ACT_COUNT; ++a) {
        assert_int_equal(activation_from_name(activation_name((Activation)a)), a);
    }
    assert_int_equal(activation_from_name("nope"), ACT_COUNT);
    assert_true(fabs(activation_apply(ACT_SIGMOID, 0.0) - 0.5) < 1e-15);
    assert_true(fabs(activation_apply(ACT_NEAT_SIGMOID, 1.0) - 1.0 / (1.0 + exp(-4.9))) < 1e-15);
    assert_true(activation_apply(ACT_STEP, 0.0) == 0.0);
    assert_true(activation_apply(ACT_STEP, 1e-9) == 1.0);
    assert_true(activation_apply(ACT_RELU, -2.0) == 0.0);
    assert_true(activation_apply(ACT_GAUSS, 0.0) == 1.0);
    assert_true(fabs(activation_apply(ACT_GAUSS, 2.0) - exp(-4.0)) < 1e-15);
    assert_true(activation_apply(ACT_ABS, -3.0) == 3.0);
    assert_true(activation_apply(ACT_IDENTITY, -3.5) == -3.5);
    assert_true(fabs(activation_apply(ACT_TANH, 0.5) - tanh(0.5)) < 1e-15);
    assert_true(fabs(activation_apply(ACT_SIN, 0.5) - sin(0.5)) < 1e-15);
}

static void test_defaults_and_rows(void **state)
{
    (void)state;
    NeatDef d = neat_default_def();
    assert_int_equal(d.population_size, 150);
    assert_true(d.c1 == 1.0 && d.c2 == 1.0 && d.c3 == 0.4 && d.compat_threshold == 3.0);
    assert_true(d.add_node_rate == 0.03 && d.add_conn_rate == 0.05);
    assert_true(d.disabled_inherit_rate == 0.75 && d.mutate_only_rate == 0.25);
    assert_true(d.interspecies_rate == 0.001 && d.weight_mutate_rate == 0.8);
    assert_int_equal(d.stagnation_limit, 15);
    assert_int_equal(d.elite_min_species_size, 5);
    assert_int_equal(d.hidden_activation, ACT_NEAT_SIGMOID);
    int n = 0;
    const ConfigRow *rows = neat_config_rows(&n);
    assert_true(n >= 25);
    for (int i = 0; i < n; ++i) {
        assert_non_null(rows[i].key);
        assert_non_null(rows[i].doc);
        assert_true(rows[i].offset < sizeof(NeatDef));
    }
}

static void test_minimal(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Pcg32 rng = pcg32_stream(1, 0, RNG_PURPOSE_USER);
    Genome g;
    genome_init_minimal(&g, 3, 2, &def, &rng);
    assert_int_equal(g.node_count, 6);
    assert_int_equal(g.conn_count, 8);
    for (int i = 0; i < g.conn_count; ++i) {
        assert_int_equal(g.conns[i].innovation, (uint32_t)i);
        assert_int_equal(g.conns[i].from, (uint32_t)(i / 2));
        assert_int_equal(g.conns[i].to, (uint32_t)(4 + i % 2));
    }
    assert_int_equal(genome_hidden_count(&g), 0);
    assert_int_equal(genome_enabled_count(&g), 8);
    assert_valid(&g, false);
    genome_fini(&g);
}

/* Sparse and empty founders, and an add-connection mutation that adds a
 * founder's input->output connection: it gets the founder's innovation
 * (f * outputs + k), so genomes that grew it separately still align. */
static void test_initial_connectivity(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Pcg32 rng = pcg32_stream(3, 0, RNG_PURPOSE_USER);
    Genome g;
    memset(&g, 0, sizeof g);
    def.initial_connectivity = NEAT_INIT_NONE;
    genome_init_minimal(&g, 3, 2, &def, &rng);
    assert_int_equal(g.conn_count, 0);
    assert_valid(&g, false);
    InnovationRegistry *reg = innovation_registry_create(3, 2);
    for (int i = 0; i < 300; ++i) {
        genome_mutate_add_conn(&g, &def, reg, &rng);
    }
    /* all 8 input->output connections, and at most one between the two
     * outputs (either way round, not both: that would be a cycle) */
    int founders = 0, others = 0;
    for (int i = 0; i < g.conn_count; ++i) {
        const ConnGene *c = &g.conns[i];
        if (c->from <= 3u) {
            assert_int_equal(c->innovation, c->from * 2u + (c->to - 4u));
            ++founders;
        } else {
            assert_true(c->innovation >= 8u);
            ++others;
        }
    }
    assert_int_equal(founders, 8);
    assert_true(others <= 1);
    assert_int_equal(innovation_registry_next_innovation(reg), (uint32_t)(8 + others));
    assert_valid(&g, false);
    innovation_registry_destroy(reg);

    /* sparse: 43 x 6 possible connections, each with 0.25 */
    def.initial_connectivity = NEAT_INIT_SPARSE;
    def.initial_conn_fraction = 0.25;
    int total = 0;
    for (int rep = 0; rep < 40; ++rep) {
        genome_fini(&g); /* genome_init_minimal makes new arrays */
        genome_init_minimal(&g, 42, 6, &def, &rng);
        assert_valid(&g, false);
        for (int i = 0; i < g.conn_count; ++i) {
            const ConnGene *c = &g.conns[i];
            assert_int_equal(c->innovation, c->from * 6u + (c->to - 43u));
        }
        total += g.conn_count;
    }
    /* mean 64.5 per genome; 40 genomes: sd of the total about 27 */
    assert_true(total > 40 * 64.5 - 150 && total < 40 * 64.5 + 150);
    def.initial_conn_fraction = 1.0;
    genome_fini(&g);
    genome_init_minimal(&g, 42, 6, &def, &rng);
    assert_int_equal(g.conn_count, 43 * 6);
    genome_fini(&g);
}

/* weight_gene_rate below 1 changes only some weights; at 1 every one. */
static void test_weight_gene_rate(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Pcg32 rng = pcg32_stream(4, 0, RNG_PURPOSE_USER);
    Genome g, h;
    genome_init_minimal(&g, 42, 6, &def, &rng);
    memset(&h, 0, sizeof h);
    int changed[2] = {0, 0};
    double rates[2] = {1.0, 0.1};
    for (int r = 0; r < 2; ++r) {
        def.weight_gene_rate = rates[r];
        genome_copy(&h, &g);
        genome_mutate_weights(&h, &def, &rng);
        for (int i = 0; i < g.conn_count; ++i) {
            changed[r] += h.conns[i].weight != g.conns[i].weight;
        }
    }
    assert_int_equal(changed[0], 258);
    /* binomial(258, 0.1): mean 25.8, sd 4.8 */
    assert_true(changed[1] >= 8 && changed[1] <= 45);
    genome_fini(&g);
    genome_fini(&h);
}

static void test_random_genomes_valid(void **state)
{
    (void)state;
    Pcg32 rng = pcg32_stream(2, 0, RNG_PURPOSE_USER);
    for (int t = 0; t < 2000; ++t) {
        Genome g;
        bool rec = t % 2;
        genome_init_random(&g, 1 + (int)pcg32_bounded(&rng, 6), 1 + (int)pcg32_bounded(&rng, 4),
                           (int)pcg32_bounded(&rng, 8), (int)pcg32_bounded(&rng, 40), rec, &rng);
        assert_valid(&g, rec);
        if (!rec) {
            assert_true(genome_is_acyclic(&g));
        }
        genome_fini(&g);
    }
}

static void test_validate_catches(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Pcg32 rng = pcg32_stream(3, 0, RNG_PURPOSE_USER);
    Genome g, h;
    genome_init_minimal(&g, 2, 1, &def, &rng);
    memset(&h, 0, sizeof h);
    PetriError err;

    genome_copy(&h, &g);
    h.conns[1].innovation = 0; /* unsorted */
    error_clear(&err);
    assert_int_equal(genome_validate(&h, &err), PETRI_EFORMAT);
    assert_non_null(strstr(err.msg, "innovations"));

    genome_copy(&h, &g);
    h.conns[1].to = 99; /* dangling */
    error_clear(&err);
    assert_int_equal(genome_validate(&h, &err), PETRI_EFORMAT);
    assert_non_null(strstr(err.msg, "missing node"));

    genome_copy(&h, &g);
    h.conns[1].from = h.conns[0].from; /* duplicate from->to */
    error_clear(&err);
    assert_int_equal(genome_validate(&h, &err), PETRI_EFORMAT);
    assert_non_null(strstr(err.msg, "twice"));

    genome_copy(&h, &g);
    h.conns[0].to = 1; /* into an input */
    error_clear(&err);
    assert_int_equal(genome_validate(&h, &err), PETRI_EFORMAT);

    genome_copy(&h, &g);
    h.conns[0].weight = NAN;
    assert_int_equal(genome_validate(&h, NULL), PETRI_EFORMAT);

    genome_copy(&h, &g);
    h.nodes[3].activation = ACT_COUNT;
    assert_int_equal(genome_validate(&h, NULL), PETRI_EFORMAT);

    genome_copy(&h, &g);
    h.nodes[3].kind = NODE_HIDDEN;
    assert_int_equal(genome_validate(&h, NULL), PETRI_EFORMAT);

    /* a self-loop on the output is fine with recurrence, not without */
    genome_copy(&h, &g);
    ConnGene c = {.innovation = 10, .from = 3, .to = 3, .weight = 1, .enabled = 0};
    genome_insert_conn(&h, c);
    assert_int_equal(genome_check(&h, true, NULL), PETRI_OK);
    error_clear(&err);
    assert_int_equal(genome_check(&h, false, &err), PETRI_EFORMAT);
    assert_non_null(strstr(err.msg, "cycle"));
    genome_fini(&g);
    genome_fini(&h);
}

/* Feed-forward connections go forward in the order; recurrent flags only
 * on enabled connections; without recurrence nothing is recurrent. */
static void check_order(const Genome *g, bool acyclic)
{
    int order[256];
    uint8_t rec[512];
    int pos[256];
    assert_true(g->node_count <= 256 && g->conn_count <= 512);
    genome_eval_order(g, order, rec);
    for (int i = 0; i < g->node_count; ++i) {
        pos[i] = -1;
    }
    for (int i = 0; i < g->node_count; ++i) {
        assert_true(order[i] >= 0 && order[i] < g->node_count);
        assert_int_equal(pos[order[i]], -1);
        pos[order[i]] = i;
    }
    for (int c = 0; c < g->conn_count; ++c) {
        const ConnGene *cg = &g->conns[c];
        int a = genome_find_node(g, cg->from), b = genome_find_node(g, cg->to);
        if (!cg->enabled) {
            assert_int_equal(rec[c], 0);
        } else if (!rec[c]) {
            assert_true(pos[a] < pos[b]);
        } else {
            assert_false(acyclic);
            assert_true(pos[a] >= pos[b]); /* reads the previous step */
        }
    }
}

static void test_eval_order(void **state)
{
    (void)state;
    Pcg32 rng = pcg32_stream(4, 0, RNG_PURPOSE_USER);
    for (int t = 0; t < 2000; ++t) {
        Genome g;
        bool rec = t % 2;
        genome_init_random(&g, 1 + (int)pcg32_bounded(&rng, 5), 1 + (int)pcg32_bounded(&rng, 3),
                           (int)pcg32_bounded(&rng, 10), (int)pcg32_bounded(&rng, 50), rec, &rng);
        check_order(&g, !rec);
        genome_fini(&g);
    }
    /* A 2-cycle: innovation order decides which connection is recurrent. */
    Genome g;
    genome_init(&g, 1, 1);
    NodeGene h = {.id = 3, .kind = NODE_HIDDEN, .activation = ACT_TANH};
    genome_insert_node(&g, h);
    ConnGene c0 = {.innovation = 0, .from = 0, .to = 3, .weight = 1, .enabled = 1};
    ConnGene c1 = {.innovation = 1, .from = 3, .to = 2, .weight = 1, .enabled = 1};
    ConnGene c2 = {.innovation = 2, .from = 2, .to = 3, .weight = 1, .enabled = 1};
    genome_insert_conn(&g, c0);
    genome_insert_conn(&g, c1);
    genome_insert_conn(&g, c2);
    int order[4];
    uint8_t rec[3];
    genome_eval_order(&g, order, rec);
    assert_int_equal(rec[0], 0);
    assert_int_equal(rec[1], 0);
    assert_int_equal(rec[2], 1);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 3); /* hidden (index 3) before the output (index 2) */
    assert_int_equal(order[3], 2);
    genome_fini(&g);
}

static void test_registry_shares_ids(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Pcg32 rng = pcg32_stream(5, 0, RNG_PURPOSE_USER);
    InnovationRegistry *reg = innovation_registry_create(2, 1);
    assert_int_equal(innovation_registry_next_innovation(reg), 3);
    assert_int_equal(innovation_registry_next_node(reg), 4);
    Genome a, b;
    genome_init_minimal(&a, 2, 1, &def, &rng);
    genome_init_minimal(&b, 2, 1, &def, &rng);
    /* Only connection 0 enabled so both split the same one. */
    a.conns[1].enabled = a.conns[2].enabled = 0;
    b.conns[1].enabled = b.conns[2].enabled = 0;
    assert_true(genome_mutate_add_node(&a, &def, reg, &rng));
    assert_true(genome_mutate_add_node(&b, &def, reg, &rng));
    assert_int_equal(a.node_count, 5);
    assert_int_equal(a.nodes[4].id, 4);
    assert_int_equal(b.nodes[4].id, 4);
    assert_int_equal(a.conn_count, 5);
    for (int i = 0; i < 5; ++i) {
        assert_int_equal(a.conns[i].innovation, b.conns[i].innovation);
        assert_int_equal(a.conns[i].from, b.conns[i].from);
        assert_int_equal(a.conns[i].to, b.conns[i].to);
    }
    assert_int_equal(innovation_registry_next_innovation(reg), 5);
    /* A new generation: the same split elsewhere gets new ids. */
    innovation_registry_next_generation(reg);
    Genome c;
    genome_init_minimal(&c, 2, 1, &def, &rng);
    c.conns[1].enabled = c.conns[2].enabled = 0;
    assert_true(genome_mutate_add_node(&c, &def, reg, &rng));
    assert_int_equal(c.nodes[4].id, 5);
    assert_int_equal(innovation_registry_next_innovation(reg), 7);
    /* save and load */
    ByteBuf buf;
    buf_init(&buf);
    innovation_registry_save(reg, &buf);
    InnovationRegistry *r2 = innovation_registry_create(2, 1);
    ByteReader rd;
    reader_init(&rd, buf.data, buf.len);
    PetriError err;
    error_clear(&err);
    assert_int_equal(innovation_registry_load(r2, &rd, &err), PETRI_OK);
    assert_int_equal(innovation_registry_next_innovation(r2), 7);
    assert_int_equal(innovation_registry_next_node(r2), 6);
    buf_fini(&buf);
    innovation_registry_destroy(r2);
    genome_fini(&a);
    genome_fini(&b);
    genome_fini(&c);
    innovation_registry_destroy(reg);
}

static void test_add_node_avoids_bias(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Pcg32 rng = pcg32_stream(9, 0, RNG_PURPOSE_USER);
    for (int t = 0; t < 500; ++t) {
        InnovationRegistry *reg = innovation_registry_create(2, 1);
        Genome g;
        genome_init_minimal(&g, 2, 1, &def, &rng);
        assert_true(genome_mutate_add_node(&g, &def, reg, &rng));
        assert_true(g.conns[2].enabled); /* the bias connection (innovation 2) */
        assert_int_equal(genome_enabled_count(&g), 4);
        /* only the bias connection left: it is split */
        g.conns[0].enabled = g.conns[1].enabled = 0;
        for (int i = 3; i < g.conn_count; ++i) {
            g.conns[i].enabled = 0;
        }
        assert_true(genome_mutate_add_node(&g, &def, reg, &rng));
        assert_false(g.conns[2].enabled);
        assert_valid(&g, false);
        genome_fini(&g);
        innovation_registry_destroy(reg);
    }
}

static void test_traits(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    def.trait_count = 3;
    def.trait_mutate_rate = 1.0;
    def.trait_sigma = 0.5;
    Pcg32 rng = pcg32_stream(10, 0, RNG_PURPOSE_USER);
    InnovationRegistry *reg = innovation_registry_create(2, 1);
    Genome a, b, c;
    genome_init_minimal(&a, 2, 1, &def, &rng);
    genome_init_minimal(&b, 2, 1, &def, &rng);
    memset(&c, 0, sizeof c);
    assert_int_equal(a.trait_count, 3);
    bool moved = false;
    for (int t = 0; t < 200; ++t) {
        float before = a.traits[0];
        genome_mutate(&a, &def, reg, &rng);
        moved = moved || a.traits[0] != before;
        for (int k = 0; k < 3; ++k) {
            assert_true(a.traits[k] >= 0.0f && a.traits[k] <= 1.0f);
        }
        genome_crossover(&c, &a, &b, &def, &rng);
        for (int k = 0; k < 3; ++k) {
            assert_true(c.traits[k] == a.traits[k] || c.traits[k] == b.traits[k]);
        }
        assert_valid(&c, false);
    }
    assert_true(moved);
    genome_fini(&a);
    genome_fini(&b);
    genome_fini(&c);
    innovation_registry_destroy(reg);
}

static void test_distance(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Genome a, b;
    genome_init(&a, 1, 1);
    genome_init(&b, 1, 1);
    /* a: innovations 0, 1, 2, 5 ; b: 0, 1, 3 */
    uint32_t ia[] = {0, 1, 2, 5}, ib[] = {0, 1, 3};
    float wa[] = {1.0f, 0.5f, 0, 0}, wb[] = {0.0f, 1.5f, 0};
    for (int i = 0; i < 4; ++i) {
        ConnGene c = {.innovation = ia[i], .from = 0, .to = 2, .weight = wa[i], .enabled = 1};
        genome_push_conn(&a, c);
    }
    for (int i = 0; i < 3; ++i) {
        ConnGene c = {.innovation = ib[i], .from = 0, .to = 2, .weight = wb[i], .enabled = 1};
        genome_push_conn(&b, c);
    }
    /* matching 0, 1 (W = (1 + 1) / 2 = 1); disjoint 2, 3; excess 5; N = 1 */
    double d = genome_distance(&a, &b, &def);
    assert_true(fabs(d - (1.0 * 1 + 1.0 * 2 + 0.4 * 1.0)) < 1e-12);
    assert_true(fabs(genome_distance(&b, &a, &def) - d) < 1e-12);
    assert_true(genome_distance(&a, &a, &def) == 0.0);
    /* 20 more matching genes (weights equal): N = 24 under the paper's
     * normalisation, 1 without; W = 2 / 22 */
    for (uint32_t k = 10; k < 30; ++k) {
        ConnGene c = {.innovation = k, .from = 0, .to = 2, .weight = 0.25f, .enabled = 1};
        genome_push_conn(&a, c);
        genome_push_conn(&b, c);
    }
    /* now 5 is disjoint in a too, and the excess are b's none, a's none:
     * a = 0,1,2,5,10..29 (24), b = 0,1,3,10..29 (23); D = 2, 3, 5 = 3 */
    double w = 2.0 / 22.0;
    assert_true(fabs(genome_distance(&a, &b, &def) - (3.0 / 24.0 + 0.4 * w)) < 1e-12);
    def.compat_normalize = NEAT_NORM_NONE;
    assert_true(fabs(genome_distance(&a, &b, &def) - (3.0 + 0.4 * w)) < 1e-12);
    genome_fini(&a);
    genome_fini(&b);
}

/* Evolves small groups with every operator, recurrence off and on, and
 * checks every genome after every operation. */
static void run_operator_property(bool recurrent, uint64_t seed)
{
    NeatDef def = neat_default_def();
    def.allow_recurrent = recurrent;
    def.add_node_rate = 0.2;
    def.add_conn_rate = 0.5;
    def.toggle_conn_rate = 0.2;
    def.activation_mutate_rate = 0.2;
    def.bias_mutate_rate = 0.3;
    Pcg32 rng = pcg32_stream(seed, 0, RNG_PURPOSE_USER);
    enum { N = 24 };
    int inputs = 3, outputs = 2;
    InnovationRegistry *reg = innovation_registry_create(inputs, outputs);
    Genome pop[N], next[N];
    for (int i = 0; i < N; ++i) {
        genome_init_minimal(&pop[i], inputs, outputs, &def, &rng);
        memset(&next[i], 0, sizeof next[i]);
    }
    for (int gen = 0; gen < 60; ++gen) {
        innovation_registry_next_generation(reg);
        for (int i = 0; i < N; ++i) {
            const Genome *p1 = &pop[pcg32_bounded(&rng, N)];
            const Genome *p2 = &pop[pcg32_bounded(&rng, N)];
            genome_crossover(&next[i], p1, p2, &def, &rng);
            assert_valid(&next[i], recurrent);
            /* structure is the fitter (first) parent's */
            assert_int_equal(next[i].conn_count, p1->conn_count);
            assert_int_equal(next[i].node_count, p1->node_count);
            int op = (int)pcg32_bounded(&rng, 7);
            switch (op) {
            case 0: genome_mutate_add_node(&next[i], &def, reg, &rng); break;
            case 1: genome_mutate_add_conn(&next[i], &def, reg, &rng); break;
            case 2: genome_mutate_toggle(&next[i], &rng); break;
            case 3: genome_mutate_activation(&next[i], &rng); break;
            case 4: genome_mutate_biases(&next[i], &def, &rng); break;
            case 5: genome_mutate_weights(&next[i], &def, &rng); break;
            default: genome_mutate(&next[i], &def, reg, &rng); break;
            }
            assert_valid(&next[i], recurrent);
            assert_true(genome_distance(&next[i], p1, &def) >= 0.0);
        }
        for (int i = 0; i < N; ++i) {
            Genome t = pop[i];
            pop[i] = next[i];
            next[i] = t;
        }
    }
    for (int i = 0; i < N; ++i) {
        check_order(&pop[i], !recurrent);
        genome_fini(&pop[i]);
        genome_fini(&next[i]);
    }
    innovation_registry_destroy(reg);
}

static void test_operators_keep_validity(void **state)
{
    (void)state;
    for (uint64_t s = 0; s < 4; ++s) {
        run_operator_property(false, 100 + s);
        run_operator_property(true, 200 + s);
    }
}

static void test_add_conn_respects_recurrence(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Pcg32 rng = pcg32_stream(6, 0, RNG_PURPOSE_USER);
    /* Without recurrence a chain of hidden nodes must stay acyclic under
     * thousands of add-connection attempts. */
    InnovationRegistry *reg = innovation_registry_create(2, 2);
    Genome g;
    genome_init_minimal(&g, 2, 2, &def, &rng);
    for (int i = 0; i < 10; ++i) {
        genome_mutate_add_node(&g, &def, reg, &rng);
    }
    for (int i = 0; i < 2000; ++i) {
        genome_mutate_add_conn(&g, &def, reg, &rng);
    }
    assert_valid(&g, false);
    /* complete: no feed-forward connection can be added any more */
    int before = g.conn_count;
    for (int i = 0; i < 200; ++i) {
        genome_mutate_add_conn(&g, &def, reg, &rng);
    }
    assert_int_equal(g.conn_count, before);
    def.allow_recurrent = true;
    for (int i = 0; i < 2000; ++i) {
        genome_mutate_add_conn(&g, &def, reg, &rng);
    }
    assert_true(g.conn_count > before);
    assert_valid(&g, true);
    assert_false(genome_is_acyclic(&g));
    genome_fini(&g);
    innovation_registry_destroy(reg);
}

static void test_crossover_disabled_rate(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    Pcg32 rng = pcg32_stream(7, 0, RNG_PURPOSE_USER);
    Genome a, b, c;
    genome_init_minimal(&a, 3, 1, &def, &rng);
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    genome_copy(&b, &a);
    b.conns[0].enabled = 0;
    int disabled = 0, trials = 20000;
    for (int t = 0; t < trials; ++t) {
        genome_crossover(&c, &a, &b, &def, &rng);
        disabled += !c.conns[0].enabled;
        for (int i = 1; i < c.conn_count; ++i) {
            assert_true(c.conns[i].enabled);
            assert_true(c.conns[i].weight == a.conns[i].weight ||
                        c.conns[i].weight == b.conns[i].weight);
        }
    }
    double rate = (double)disabled / trials;
    assert_true(fabs(rate - 0.75) < 0.02);
    genome_fini(&a);
    genome_fini(&b);
    genome_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activations),
        cmocka_unit_test(test_defaults_and_rows),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_initial_connectivity),
        cmocka_unit_test(test_weight_gene_rate),
        cmocka_unit_test(test_random_genomes_valid),
        cmocka_unit_test(test_validate_catches),
        cmocka_unit_test(test_eval_order),
        cmocka_unit_test(test_registry_shares_ids),
        cmocka_unit_test(test_add_node_avoids_bias),
        cmocka_unit_test(test_traits),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_operators_keep_validity),
        cmocka_unit_test(test_add_conn_respects_recurrence),
        cmocka_unit_test(test_crossover_disabled_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
