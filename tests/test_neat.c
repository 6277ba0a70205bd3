/* The population engine: XOR gets solved, results are bit-identical at 1
 * and 4 threads, a checkpoint resumes exactly, every genome stays valid,
 * external fitness works, a corrupt state is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "genome/genome_internal.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* The reference evaluator of docs/genome-format.md, one step, double
 * precision. prev holds the previous step's node values (by node index). */
static void reference_step(const Genome *g, const double *in, double *values, double *prev,
                           double *out)
{
    int order[64];
    uint8_t rec[256];
    assert_true(g->node_count <= 64 && g->conn_count <= 256);
    genome_eval_order(g, order, rec);
    for (int k = 0; k < g->node_count; ++k) {
        int i = order[k];
        const NodeGene *n = &g->nodes[i];
        if (n->kind == NODE_INPUT) {
            values[i] = in[i];
            continue;
        }
        if (n->kind == NODE_BIAS) {
            values[i] = 1.0;
            continue;
        }
        double sum = n->bias;
        for (int c = 0; c < g->conn_count; ++c) {
            const ConnGene *cg = &g->conns[c];
            if (cg->enabled && cg->to == n->id) {
                int s = genome_find_node(g, cg->from);
                sum += (double)cg->weight * (rec[c] ? prev[s] : values[s]);
            }
        }
        values[i] = activation_apply((Activation)n->activation, sum);
    }
    for (int k = 0; k < g->outputs; ++k) {
        out[k] = values[g->inputs + 1 + k];
    }
    memcpy(prev, values, (size_t)g->node_count * sizeof(double));
}

/* NEAT's XOR fitness: (4 - sum of |error|)^2. */
static double xor_fitness(const Genome *g, int index, void *ctx)
{
    (void)index;
    (void)ctx;
    static const double cases[4][3] = {{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
    double err = 0.0;
    for (int c = 0; c < 4; ++c) {
        double values[64], prev[64] = {0}, out;
        reference_step(g, cases[c], values, prev, &out);
        err += fabs(out - cases[c][2]);
    }
    return (4.0 - err) * (4.0 - err);
}

static bool xor_solved(const Genome *g)
{
    static const double cases[4][3] = {{0, 0, 0}, {0, 1, 1}, {1, 0, 1}, {1, 1, 0}};
    for (int c = 0; c < 4; ++c) {
        double values[64], prev[64] = {0}, out;
        reference_step(g, cases[c], values, prev, &out);
        if ((out > 0.5) != (cases[c][2] > 0.5)) {
            return false;
        }
    }
    return true;
}

static void assert_all_valid(const NeatPopulation *pop)
{
    for (int i = 0; i < neat_population_size(pop); ++i) {
        PetriError err;
        error_clear(&err);
        PetriStatus st = genome_check(neat_population_genome(pop, i),
                                      neat_population_def(pop)->allow_recurrent, &err);
        if (st != PETRI_OK) {
            fprintf(stderr, "genome %d: %s\n", i, err.msg);
        }
        assert_int_equal(st, PETRI_OK);
    }
}

static void test_create(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    NeatPopulation *pop = neat_population_create(&def, 2, 1, 42);
    assert_int_equal(neat_population_size(pop), 150);
    assert_all_valid(pop);
    NeatStats st = neat_population_stats(pop);
    assert_int_equal(st.generation, 0);
    assert_true(st.species_count >= 1);
    assert_true(st.mean_hidden_nodes == 0.0);
    assert_true(st.mean_enabled_conns == 3.0);
    assert_null(neat_population_best_ever(pop, NULL));
    neat_population_destroy(pop);
}

/* Runs XOR until solved or `limit` generations; returns evaluations used
 * (0 when not solved). */
static uint64_t run_xor(uint64_t seed, int limit, int *hidden, int *conns)
{
    NeatDef def = neat_default_def();
    NeatPopulation *pop = neat_population_create(&def, 2, 1, seed);
    uint64_t evals = 0;
    for (int gen = 0; gen < limit && evals == 0; ++gen) {
        neat_population_evaluate(pop, xor_fitness, NULL);
        for (int i = 0; i < neat_population_size(pop); ++i) {
            if (xor_solved(neat_population_genome(pop, i))) {
                evals = (uint64_t)gen * (uint64_t)neat_population_size(pop) + (uint64_t)i + 1;
                *hidden = genome_hidden_count(neat_population_genome(pop, i));
                *conns = genome_enabled_count(neat_population_genome(pop, i));
                break;
            }
        }
        if (evals == 0) {
            neat_population_epoch(pop);
            assert_all_valid(pop);
        }
    }
    neat_population_destroy(pop);
    return evals;
}

static void test_xor_solves(void **state)
{
    (void)state;
    int solved = 0;
    double sum = 0, hsum = 0, csum = 0;
    int runs = 5;
    for (int r = 0; r < runs; ++r) {
        int h = 0, c = 0;
        uint64_t e = run_xor(1000 + (uint64_t)r, 300, &h, &c);
        if (e > 0) {
            ++solved;
            sum += (double)e;
            hsum += h;
            csum += c;
        }
    }
    fprintf(stderr, "xor: %d/%d solved, mean evaluations %.0f, hidden %.2f, enabled %.2f\n",
            solved, runs, solved ? sum / solved : 0.0, solved ? hsum / solved : 0.0,
            solved ? csum / solved : 0.0);
    assert_int_equal(solved, runs);
}

static uint64_t evolve_hash(int threads, int generations, bool recurrent)
{
    omp_set_num_threads(threads);
    NeatDef def = neat_default_def();
    def.allow_recurrent = recurrent;
    def.add_conn_rate = 0.3;
    def.add_node_rate = 0.1;
    def.target_species = 8;
    NeatPopulation *pop = neat_population_create(&def, 2, 1, 7);
    for (int g = 0; g < generations; ++g) {
        neat_population_evaluate(pop, xor_fitness, NULL);
        neat_population_epoch(pop);
        assert_all_valid(pop);
    }
    neat_population_evaluate(pop, xor_fitness, NULL);
    uint64_t h = neat_population_hash(pop);
    neat_population_destroy(pop);
    return h;
}

static void test_threads_bit_identical(void **state)
{
    (void)state;
    int saved = omp_get_max_threads();
    uint64_t h1 = evolve_hash(1, 15, false);
    uint64_t h4 = evolve_hash(4, 15, false);
    assert_true(h1 == h4);
    assert_true(evolve_hash(1, 10, true) == evolve_hash(4, 10, true));
    omp_set_num_threads(saved);
}

static void test_checkpoint_resume_exact(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    def.add_conn_rate = 0.3;
    def.add_node_rate = 0.1;
    def.target_species = 6;
    def.allow_recurrent = true;
    NeatPopulation *a = neat_population_create(&def, 2, 1, 99);
    for (int g = 0; g < 6; ++g) {
        neat_population_evaluate(a, xor_fitness, NULL);
        neat_population_epoch(a);
    }
    ByteBuf buf;
    buf_init(&buf);
    neat_population_save(a, &buf);
    ByteReader r;
    reader_init(&r, buf.data, buf.len);
    PetriError err;
    error_clear(&err);
    NeatPopulation *b = neat_population_load(&def, &r, &err);
    if (b == NULL) {
        error_print(&err, stderr);
    }
    assert_non_null(b);
    assert_int_equal(r.pos, r.len);
    assert_true(neat_population_hash(a) == neat_population_hash(b));
    for (int g = 0; g < 6; ++g) {
        neat_population_evaluate(a, xor_fitness, NULL);
        neat_population_epoch(a);
        neat_population_evaluate(b, xor_fitness, NULL);
        neat_population_epoch(b);
    }
    assert_true(neat_population_hash(a) == neat_population_hash(b));
    NeatStats sa = neat_population_stats(a), sb = neat_population_stats(b);
    assert_int_equal(sa.generation, 12);
    assert_int_equal(sb.generation, 12);
    assert_true(sa.evaluations == sb.evaluations);
    assert_true(sa.evaluations == 12u * 150u);

    /* every truncation is refused cleanly */
    for (size_t cut = 0; cut < buf.len; cut += 1 + cut / 8) {
        reader_init(&r, buf.data, cut);
        error_clear(&err);
        NeatPopulation *c = neat_population_load(&def, &r, &err);
        assert_null(c);
        assert_true(err.count > 0);
    }
    buf_fini(&buf);
    neat_population_destroy(a);
    neat_population_destroy(b);
}

static double constant_index_fitness(const Genome *g, int index, void *ctx)
{
    (void)g;
    (void)ctx;
    return (double)index;
}

static void test_external_fitness_and_elitism(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    def.population_size = 60;
    def.elite_min_species_size = 5;
    NeatPopulation *pop = neat_population_create(&def, 3, 2, 5);
    for (int gen = 0; gen < 20; ++gen) {
        int n = neat_population_size(pop);
        assert_int_equal(n, 60);
        for (int i = 0; i < n; ++i) {
            neat_population_set_fitness(pop, i, gen % 3 == 0 ? -5.0 + i : (double)(i % 7));
        }
        NeatStats st = neat_population_stats(pop);
        Genome champ;
        memset(&champ, 0, sizeof champ);
        genome_copy(&champ, neat_population_genome(pop, st.best_index));
        uint32_t species = neat_population_species_of(pop, st.best_index);
        int members = 0;
        for (int i = 0; i < n; ++i) {
            members += neat_population_species_of(pop, i) == species;
        }
        neat_population_epoch(pop);
        assert_all_valid(pop);
        if (members > def.elite_min_species_size || def.keep_champion) {
            /* the champion of a large species survives unchanged, and with
             * keep_champion the generation's best always does */
            Hasher h1, h2;
            hasher_init(&h1);
            genome_hash(&champ, &h1);
            bool found = false;
            for (int i = 0; i < n && !found; ++i) {
                hasher_init(&h2);
                genome_hash(neat_population_genome(pop, i), &h2);
                found = hasher_digest(&h1) == hasher_digest(&h2);
            }
            assert_true(found);
        }
        genome_fini(&champ);
    }
    /* a genome from elsewhere can be seeded; later ids stay above its ids */
    Genome seedg;
    Pcg32 rng = pcg32_stream(8, 0, RNG_PURPOSE_USER);
    genome_init_minimal(&seedg, 3, 2, &def, &rng);
    NodeGene far = {.id = 5000, .kind = NODE_HIDDEN, .activation = ACT_TANH};
    genome_insert_node(&seedg, far);
    ConnGene fc = {.innovation = 9000, .from = 0, .to = 5000, .weight = 1, .enabled = 1};
    genome_insert_conn(&seedg, fc);
    neat_population_set_genome(pop, 0, &seedg);
    genome_fini(&seedg);
    NeatStats st = neat_population_stats(pop);
    assert_int_equal(st.generation, 20);
    assert_true(st.evaluations == 20u * 60u);
    neat_population_evaluate(pop, constant_index_fitness, NULL);
    st = neat_population_stats(pop);
    assert_int_equal(st.best_index, 59);
    assert_true(st.best_fitness == 59.0);
    double best = 0;
    assert_non_null(neat_population_best_ever(pop, &best));
    assert_true(best == 59.0);
    for (int g = 0; g < 5; ++g) {
        neat_population_evaluate(pop, constant_index_fitness, NULL);
        neat_population_epoch(pop);
        assert_all_valid(pop);
    }
    neat_population_destroy(pop);
}

/* Fitness that never improves: 1 + index / 1000. */
static double flat_fitness(const Genome *g, int index, void *ctx)
{
    (void)g;
    (void)ctx;
    return 1.0 + index / 1000.0;
}

/* Population stagnation: once the best has not risen for the configured
 * generations, only the two species with the best champions reproduce,
 * half the children each, all from their champions; the next epoch
 * reproduces normally again; the clock is saved and loaded exactly. */
static void test_population_stagnation(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    def.population_size = 100;
    def.target_species = 8;
    def.stagnation_limit = 1000;
    def.population_stagnation = 3;
    NeatPopulation *pop = neat_population_create(&def, 2, 1, 17);
    int deltas = 0;
    for (int gen = 0; gen < 12; ++gen) {
        neat_population_evaluate(pop, flat_fitness, NULL);
        int n = neat_population_size(pop);
        /* the two best species by champion (ties cannot happen here) */
        NeatSpeciesInfo info[128];
        int ns = neat_population_species(pop, info, 128);
        assert_true(ns <= 128);
        int champ[128];
        for (int s = 0; s < ns; ++s) {
            champ[s] = -1;
        }
        for (int i = 0; i < n; ++i) {
            int s = 0;
            while (info[s].id != neat_population_species_of(pop, i)) {
                ++s;
            }
            if (champ[s] < 0 || neat_population_fitness(pop, i) >
                                    neat_population_fitness(pop, champ[s])) {
                champ[s] = i;
            }
        }
        int first = -1, second = -1;
        for (int s = 0; s < ns; ++s) {
            double f = neat_population_fitness(pop, champ[s]);
            if (first < 0 || f > neat_population_fitness(pop, champ[first])) {
                second = first;
                first = s;
            } else if (second < 0 || f > neat_population_fitness(pop, champ[second])) {
                second = s;
            }
        }
        /* best at generation 0, never beaten: delta at 3, 6, 9 (the clock
         * restarts with each) */
        bool expect_delta = gen > 0 && gen % 3 == 0;
        neat_population_epoch(pop);
        assert_all_valid(pop);
        int from_first = 0, from_second = 0, crossed = 0;
        for (int i = 0; i < n; ++i) {
            int a, b;
            neat_population_parents(pop, i, &a, &b);
            from_first += a == champ[first];
            from_second += second >= 0 && a == champ[second];
            crossed += b >= 0;
        }
        if (expect_delta) {
            assert_true(ns >= 2);
            assert_int_equal(crossed, 0);
            assert_int_equal(from_first, n - n / 2);
            assert_int_equal(from_second, n / 2);
            ++deltas;
        } else if (gen > 0) {
            assert_true(crossed > 0);
        }
    }
    assert_int_equal(deltas, 3);

    /* the clock survives a checkpoint: both copies stay identical through
     * the next delta step */
    neat_population_evaluate(pop, flat_fitness, NULL);
    neat_population_epoch(pop);
    ByteBuf buf;
    buf_init(&buf);
    neat_population_save(pop, &buf);
    ByteReader r;
    reader_init(&r, buf.data, buf.len);
    PetriError err;
    error_clear(&err);
    NeatPopulation *copy = neat_population_load(&def, &r, &err);
    assert_non_null(copy);
    assert_true(neat_population_hash(pop) == neat_population_hash(copy));
    for (int g = 0; g < 4; ++g) {
        neat_population_evaluate(pop, flat_fitness, NULL);
        neat_population_epoch(pop);
        neat_population_evaluate(copy, flat_fitness, NULL);
        neat_population_epoch(copy);
    }
    assert_true(neat_population_hash(pop) == neat_population_hash(copy));
    buf_fini(&buf);
    neat_population_destroy(copy);

    /* off (0), the same seed never restricts reproduction that way */
    def.population_stagnation = 0;
    NeatPopulation *off = neat_population_create(&def, 2, 1, 17);
    for (int gen = 0; gen < 4; ++gen) {
        neat_population_evaluate(off, flat_fitness, NULL);
        neat_population_epoch(off);
    }
    int crossed = 0;
    for (int i = 0; i < neat_population_size(off); ++i) {
        int a, b;
        neat_population_parents(off, i, &a, &b);
        crossed += b >= 0;
    }
    assert_true(crossed > 0);
    neat_population_destroy(off);
    neat_population_destroy(pop);
}

/* A fitness whose best creeps up by 0.1% a generation (*ctx is the
 * generation). */
static double creeping_fitness(const Genome *g, int index, void *ctx)
{
    (void)g;
    return (1.0 + index / 1000.0) * (1.0 + 0.001 * *(const int *)ctx);
}

/* Delta steps (no crossover at all in an epoch) over 10 generations of a
 * population whose best creeps up by 0.1% a generation. */
static int creeping_delta_steps(double gain)
{
    NeatDef def = neat_default_def();
    def.population_size = 100;
    def.target_species = 8;
    def.stagnation_limit = 1000;
    def.population_stagnation = 3;
    def.population_stagnation_gain = gain;
    NeatPopulation *pop = neat_population_create(&def, 2, 1, 17);
    int deltas = 0;
    for (int gen = 0; gen < 10; ++gen) {
        neat_population_evaluate(pop, creeping_fitness, &gen);
        neat_population_epoch(pop);
        int crossed = 0;
        for (int i = 0; i < neat_population_size(pop); ++i) {
            int a, b;
            neat_population_parents(pop, i, &a, &b);
            crossed += b >= 0;
        }
        deltas += crossed == 0;
    }
    neat_population_destroy(pop);
    return deltas;
}

/* population_stagnation_gain: tiny rises restart the clock when it is 0
 * (no delta step ever), not when a rise must be 1%: then the delta steps
 * come every 3 generations, as for a flat best. */
static void test_population_stagnation_gain(void **state)
{
    (void)state;
    assert_int_equal(creeping_delta_steps(0.0), 0);
    assert_int_equal(creeping_delta_steps(0.01), 3);
    /* a 0.05% gain is less than the creep: the clock restarts again */
    assert_int_equal(creeping_delta_steps(0.0005), 0);
}

static void test_threshold_moves(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    def.target_species = 10;
    def.add_conn_rate = 0.3;
    NeatPopulation *pop = neat_population_create(&def, 2, 1, 3);
    double prev = neat_population_stats(pop).compat_threshold;
    int most = 0;
    for (int g = 0; g < 12; ++g) {
        neat_population_evaluate(pop, xor_fitness, NULL);
        neat_population_epoch(pop);
        NeatStats st = neat_population_stats(pop);
        /* the threshold moves by one step toward the target */
        if (st.species_count < 10) {
            assert_true(fabs(st.compat_threshold - fmax(prev - 0.3, 0.3)) < 1e-9);
        } else if (st.species_count > 10) {
            assert_true(fabs(st.compat_threshold - (prev + 0.3)) < 1e-9);
        }
        prev = st.compat_threshold;
        most = st.species_count > most ? st.species_count : most;
        /* the species table adds up to the population, sorted by id */
        NeatSpeciesInfo info[200];
        int count = neat_population_species(pop, info, 200);
        assert_int_equal(count, st.species_count);
        int total = 0;
        for (int k = 0; k < count; ++k) {
            assert_true(info[k].size > 0);
            assert_true(k == 0 || info[k].id > info[k - 1].id);
            assert_true(info[k].created <= st.generation);
            total += info[k].size;
        }
        assert_int_equal(total, neat_population_size(pop));
        assert_int_equal(neat_population_species(pop, NULL, 0), count);
    }
    assert_true(most > 1);
    neat_population_destroy(pop);
}

/* Damaged states (no CRC at this level): refused, or loaded into a
 * population that keeps working with valid genomes. */
static void test_state_fuzz(void **state)
{
    (void)state;
    NeatDef def = neat_default_def();
    def.population_size = 30;
    def.add_conn_rate = 0.3;
    def.add_node_rate = 0.2;
    NeatPopulation *a = neat_population_create(&def, 2, 1, 4);
    for (int g = 0; g < 5; ++g) {
        neat_population_evaluate(a, xor_fitness, NULL);
        neat_population_epoch(a);
    }
    ByteBuf buf;
    buf_init(&buf);
    neat_population_save(a, &buf);
    Pcg32 rng = pcg32_stream(12, 0, RNG_PURPOSE_USER);
    int loaded = 0;
    for (int t = 0; t < 400; ++t) {
        ByteBuf copy;
        buf_init(&copy);
        buf_put(&copy, buf.data, buf.len);
        int hits = 1 + (int)pcg32_bounded(&rng, 3);
        for (int k = 0; k < hits; ++k) {
            copy.data[pcg32_bounded(&rng, (uint32_t)copy.len)] ^= (unsigned char)(1u << pcg32_bounded(&rng, 8));
        }
        ByteReader r;
        reader_init(&r, copy.data, copy.len);
        PetriError err;
        error_clear(&err);
        NeatPopulation *b = neat_population_load(&def, &r, &err);
        if (b != NULL) {
            ++loaded;
            assert_all_valid(b);
            neat_population_evaluate(b, xor_fitness, NULL);
            neat_population_epoch(b);
            assert_all_valid(b);
            neat_population_destroy(b);
        } else {
            assert_true(err.count > 0);
        }
        buf_fini(&copy);
    }
    assert_true(loaded > 0);
    buf_fini(&buf);
    neat_population_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_xor_solves),
        cmocka_unit_test(test_threads_bit_identical),
        cmocka_unit_test(test_checkpoint_resume_exact),
        cmocka_unit_test(test_external_fitness_and_elitism),
        cmocka_unit_test(test_population_stagnation),
        cmocka_unit_test(test_population_stagnation_gain),
        cmocka_unit_test(test_threshold_moves),
        cmocka_unit_test(test_state_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
