/*
 * Compiled brains: hand-built networks with known outputs, and the compiled
 * float32 evaluation against a naive double-precision evaluator written
 * here from the documented semantics (brain.h, docs/genome-format.md),
 * straight from the Genome, on thousands of random genomes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "brain/brain.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ building */

/* Genomes built on fixed arrays: brains only read them. */
enum { MAX_NODES = 64, MAX_CONNS = 256 };
typedef struct TestNet {
    NodeGene nodes[MAX_NODES];
    ConnGene conns[MAX_CONNS];
    Genome g;
} TestNet;

static void net_init(TestNet *t, int inputs, int outputs, int out_act)
{
    memset(t, 0, sizeof *t);
    t->g.nodes = t->nodes;
    t->g.conns = t->conns;
    t->g.node_cap = MAX_NODES;
    t->g.conn_cap = MAX_CONNS;
    t->g.inputs = inputs;
    t->g.outputs = outputs;
    for (int i = 0; i < inputs + 1 + outputs; ++i) {
        NodeGene *n = &t->nodes[t->g.node_count++];
        n->id = (uint32_t)i;
        n->kind = i < inputs ? NODE_INPUT : i == inputs ? NODE_BIAS : NODE_OUTPUT;
        n->activation = i > inputs ? (uint8_t)out_act : ACT_IDENTITY;
    }
}

static uint32_t net_hidden(TestNet *t, uint32_t id, int act, float bias)
{
    NodeGene *n = &t->nodes[t->g.node_count++];
    n->id = id;
    n->kind = NODE_HIDDEN;
    n->activation = (uint8_t)act;
    n->bias = bias;
    return id;
}

static void net_conn(TestNet *t, uint32_t from, uint32_t to, float w, bool enabled)
{
    ConnGene *c = &t->conns[t->g.conn_count];
    c->innovation = (uint32_t)t->g.conn_count + 1;
    c->from = from;
    c->to = to;
    c->weight = w;
    c->enabled = enabled;
    t->g.conn_count++;
}

/* ------------------------------------------------------------ hand-built */

static void test_xor_network(void **state)
{
    (void)state;
    TestNet t;
    net_init(&t, 2, 1, ACT_STEP);
    t.nodes[3].bias = -0.5f; /* out = step(or - and - 0.5) */
    uint32_t h_or = net_hidden(&t, 4, ACT_STEP, -0.5f);
    uint32_t h_and = net_hidden(&t, 5, ACT_STEP, -1.5f);
    net_conn(&t, 0, h_or, 1.0f, true);
    net_conn(&t, 1, h_or, 1.0f, true);
    net_conn(&t, 0, h_and, 1.0f, true);
    net_conn(&t, 1, h_and, 1.0f, true);
    net_conn(&t, h_or, 3, 1.0f, true);
    net_conn(&t, h_and, 3, -1.0f, true);
    net_conn(&t, 0, 3, 5.0f, false); /* disabled: must not count */

    BrainPool *pool = brain_pool_create();
    int b = brain_pool_add(pool, &t.g);
    assert_int_equal(b, 0);
    assert_int_equal(brain_inputs(pool, b), 2);
    assert_int_equal(brain_outputs(pool, b), 1);
    assert_int_equal(brain_hidden_count(pool, b), 2);
    assert_int_equal(brain_conn_count(pool, b), 6);
    const float in[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    const float want[4] = {0, 1, 1, 0};
    for (int i = 0; i < 4; ++i) {
        float out = -1.0f;
        brain_step(pool, b, in[i], &out);
        assert_true(out == want[i]);
    }
    brain_pool_destroy(pool);
}

static void test_recurrent_counter(void **state)
{
    (void)state;
    /* out(t) = 1 + out(t-1) through a self-loop: counts steps. */
    TestNet t;
    net_init(&t, 1, 1, ACT_IDENTITY);
    t.nodes[2].bias = 1.0f;
    net_conn(&t, 2, 2, 1.0f, true);
    uint8_t rec[1];
    assert_int_equal(brain_find_recurrent(&t.g, rec), 1);
    assert_int_equal(rec[0], 1);

    BrainPool *pool = brain_pool_create();
    int b = brain_pool_add(pool, &t.g);
    float in = 0.0f, out = 0.0f;
    for (int i = 1; i <= 10; ++i) {
        brain_step(pool, b, &in, &out);
        assert_true(out == (float)i);
    }
    brain_reset(pool, b);
    brain_step(pool, b, &in, &out);
    assert_true(out == 1.0f);
    brain_pool_destroy(pool);
}

static void test_loop_newest_is_recurrent(void **state)
{
    (void)state;
    /* in -> A -> B -> out, and B -> A added later: B -> A reads the previous
     * step. With identity activations: A(t) = in(t) + B(t-1), B(t) = A(t). */
    TestNet t;
    net_init(&t, 1, 1, ACT_IDENTITY);
    uint32_t a = net_hidden(&t, 10, ACT_IDENTITY, 0.0f);
    uint32_t bb = net_hidden(&t, 11, ACT_IDENTITY, 0.0f);
    net_conn(&t, 0, a, 1.0f, true);
    net_conn(&t, a, bb, 1.0f, true);
    net_conn(&t, bb, 2, 1.0f, true);
    net_conn(&t, bb, a, 1.0f, true);
    net_conn(&t, 2, 0, 1.0f, true); /* into an input: ignored */
    uint8_t rec[5];
    assert_int_equal(brain_find_recurrent(&t.g, rec), 1);
    assert_int_equal(rec[0], 0);
    assert_int_equal(rec[1], 0);
    assert_int_equal(rec[2], 0);
    assert_int_equal(rec[3], 1);
    assert_int_equal(rec[4], 0);

    BrainPool *pool = brain_pool_create();
    int b = brain_pool_add(pool, &t.g);
    assert_int_equal(brain_conn_count(pool, b), 4);
    const float ins[4] = {1.0f, 2.0f, 0.0f, 5.0f};
    const float want[4] = {1.0f, 3.0f, 3.0f, 8.0f}; /* running sums */
    for (int i = 0; i < 4; ++i) {
        float out;
        brain_step(pool, b, &ins[i], &out);
        assert_true(out == want[i]);
    }
    brain_pool_destroy(pool);
}

static void test_activations_match_reference(void **state)
{
    (void)state;
    for (int a = 0; a < ACT_COUNT; ++a) {
        for (int i = -2000; i <= 2000; ++i) {
            float x = (float)i * 0.01f;
            double want = activation_apply((Activation)a, (double)x);
            double got = brain_activation_f32(a, x);
            if (a == ACT_STEP && x == 0.0f) {
                assert_true(got == 0.0);
            }
            if (fabs(got - want) > 2e-6 * fmax(1.0, fabs(want))) {
                fail_msg("activation %s(%g): %.9g, reference %.9g", activation_name((Activation)a),
                         (double)x, got, want);
            }
        }
    }
}

/* ------------------------------------------------------------ reference */

/* The documented recurrence rule, written independently of brain.c with a
 * reachability matrix: walk enabled connections in list order; self-loops
 * and connections whose target reaches their source through those accepted
 * so far are recurrent. */
static void ref_classify(const Genome *g, const int *from, const int *to, int *kind)
{
    static bool reach[MAX_NODES][MAX_NODES]; /* reach[a][b]: a reaches b */
    int n = g->node_count;
    for (int a = 0; a < n; ++a) {
        for (int b = 0; b < n; ++b) {
            reach[a][b] = a == b;
        }
    }
    for (int c = 0; c < g->conn_count; ++c) {
        kind[c] = -1; /* ignored */
        if (!g->conns[c].enabled || g->nodes[to[c]].kind == NODE_INPUT ||
            g->nodes[to[c]].kind == NODE_BIAS) {
            continue;
        }
        if (reach[to[c]][from[c]]) {
            kind[c] = 1;
            continue;
        }
        kind[c] = 0;
        /* everything that reaches from[c] now reaches all that to[c] reaches */
        for (int a = 0; a < n; ++a) {
            if (!reach[a][from[c]]) {
                continue;
            }
            for (int b = 0; b < n; ++b) {
                if (reach[to[c]][b]) {
                    reach[a][b] = true;
                }
            }
        }
    }
}

/* Naive evaluator: each step, computes nodes whose feed-forward sources are
 * all known, over and over until none is left. */
typedef struct RefNet {
    const Genome *g;
    int from[MAX_CONNS], to[MAX_CONNS], kind[MAX_CONNS];
    double prev[MAX_NODES], cur[MAX_NODES];
} RefNet;

static int ref_index(const Genome *g, uint32_t id)
{
    for (int i = 0; i < g->node_count; ++i) {
        if (g->nodes[i].id == id) {
            return i;
        }
    }
    return -1;
}

static void ref_init(RefNet *r, const Genome *g)
{
    r->g = g;
    for (int c = 0; c < g->conn_count; ++c) {
        r->from[c] = ref_index(g, g->conns[c].from);
        r->to[c] = ref_index(g, g->conns[c].to);
    }
    ref_classify(g, r->from, r->to, r->kind);
    memset(r->prev, 0, sizeof r->prev);
    memset(r->cur, 0, sizeof r->cur);
}

static void ref_step(RefNet *r, const float *inputs, double *outputs)
{
    const Genome *g = r->g;
    bool done[MAX_NODES] = {false};
    for (int i = 0; i < g->node_count; ++i) {
        r->prev[i] = r->cur[i];
    }
    for (int i = 0; i < g->node_count; ++i) {
        if (g->nodes[i].kind == NODE_INPUT) {
            r->cur[i] = inputs[i];
            done[i] = true;
        } else if (g->nodes[i].kind == NODE_BIAS) {
            r->cur[i] = 1.0;
            done[i] = true;
        }
    }
    bool progress = true;
    while (progress) {
        progress = false;
        for (int i = 0; i < g->node_count; ++i) {
            if (done[i]) {
                continue;
            }
            bool ready = true;
            double sum = g->nodes[i].bias;
            for (int c = 0; c < g->conn_count && ready; ++c) {
                if (r->to[c] != i || r->kind[c] < 0) {
                    continue;
                }
                if (r->kind[c] == 1) {
                    sum += (double)g->conns[c].weight * r->prev[r->from[c]];
                } else if (done[r->from[c]]) {
                    sum += (double)g->conns[c].weight * r->cur[r->from[c]];
                } else {
                    ready = false;
                }
            }
            if (ready) {
                r->cur[i] = activation_apply((Activation)g->nodes[i].activation, sum);
                done[i] = true;
                progress = true;
            }
        }
    }
    for (int i = 0; i < g->node_count; ++i) {
        assert_true(done[i]);
    }
    for (int o = 0; o < g->outputs; ++o) {
        outputs[o] = r->cur[g->inputs + 1 + o];
    }
}

/* A random genome on fixed arrays: hidden ids increase with gaps, random
 * activations (all kinds) and biases, random connections (some disabled,
 * some into inputs). Feed-forward only when !recurrent: then connections
 * go from a lower to a higher rank, where rank orders inputs and bias,
 * then hidden nodes in a shuffled order, then outputs. */
static void random_net(TestNet *t, Pcg32 *rng, bool recurrent)
{
    int inputs = 1 + (int)pcg32_bounded(rng, 6);
    int outputs = 1 + (int)pcg32_bounded(rng, 4);
    net_init(&t[0], inputs, outputs, ACT_IDENTITY);
    Genome *g = &t->g;
    for (int o = 0; o < outputs; ++o) {
        NodeGene *n = &t->nodes[inputs + 1 + o];
        n->activation = (uint8_t)pcg32_bounded(rng, ACT_COUNT);
        n->bias = (float)(pcg32_double(rng) * 2.0 - 1.0);
    }
    int hidden = (int)pcg32_bounded(rng, 12);
    uint32_t id = (uint32_t)(inputs + 1 + outputs);
    for (int h = 0; h < hidden; ++h) {
        id += 1 + pcg32_bounded(rng, 5);
        net_hidden(t, id, (int)pcg32_bounded(rng, ACT_COUNT),
                   (float)(pcg32_double(rng) * 2.0 - 1.0));
    }
    int n = g->node_count;
    int rank[MAX_NODES];
    for (int i = 0; i < n; ++i) {
        rank[i] = i;
    }
    /* hidden ranks shuffled among themselves, then outputs last */
    int hb = inputs + 1 + outputs;
    for (int i = 0; i < hidden; ++i) {
        rank[hb + i] = inputs + 1 + i;
    }
    for (int i = hidden - 1; i > 0; --i) {
        int j = (int)pcg32_bounded(rng, (uint32_t)i + 1);
        int tmp = rank[hb + i];
        rank[hb + i] = rank[hb + j];
        rank[hb + j] = tmp;
    }
    for (int o = 0; o < outputs; ++o) {
        rank[inputs + 1 + o] = inputs + 1 + hidden + o;
    }
    int conns = (int)pcg32_bounded(rng, 40);
    for (int c = 0; c < conns; ++c) {
        int a = (int)pcg32_bounded(rng, (uint32_t)n);
        int b = (int)pcg32_bounded(rng, (uint32_t)n);
        if (!recurrent) {
            if (rank[a] == rank[b] || rank[b] <= inputs) {
                continue;
            }
            if (rank[a] > rank[b]) {
                int tmp = a;
                a = b;
                b = tmp;
            }
        }
        float w = (float)(pcg32_double(rng) * 4.0 - 2.0);
        net_conn(t, t->nodes[a].id, t->nodes[b].id, w, pcg32_bounded(rng, 8) != 0);
    }
}

static int compare_random(bool recurrent, int genomes, int steps, uint64_t seed)
{
    Pcg32 rng = pcg32_stream(seed, 0, RNG_PURPOSE_USER);
    BrainPool *pool = brain_pool_create();
    int compared = 0;
    static TestNet nets[64];
    static RefNet refs[64];
    for (int batch = 0; batch < genomes / 64; ++batch) {
        brain_pool_clear(pool);
        for (int i = 0; i < 64; ++i) {
            random_net(&nets[i], &rng, recurrent);
            ref_init(&refs[i], &nets[i].g);
            assert_int_equal(brain_pool_add(pool, &nets[i].g), i);
        }
        for (int s = 0; s < steps; ++s) {
            for (int i = 0; i < 64; ++i) {
                float in[8];
                float out[8];
                double want[8];
                for (int k = 0; k < nets[i].g.inputs; ++k) {
                    in[k] = (float)(pcg32_double(&rng) * 2.0 - 1.0);
                }
                brain_step(pool, i, in, out);
                ref_step(&refs[i], in, want);
                for (int o = 0; o < nets[i].g.outputs; ++o) {
                    double tol = 1e-4 * fmax(1.0, fabs(want[o]));
                    if (!(fabs((double)out[o] - want[o]) <= tol) &&
                        !(isinf(want[o]) && (double)out[o] == want[o])) {
                        fail_msg("batch %d genome %d step %d output %d: %.9g, reference %.9g",
                                 batch, i, s, o, (double)out[o], want[o]);
                    }
                    ++compared;
                }
            }
        }
    }
    brain_pool_destroy(pool);
    return compared;
}

static void test_random_feedforward_matches_reference(void **state)
{
    (void)state;
    assert_true(compare_random(false, 4096, 3, 11) > 4096);
}

static void test_random_recurrent_matches_reference(void **state)
{
    (void)state;
    assert_true(compare_random(true, 4096, 6, 12) > 4096);
}

static void test_step_range_matches_single_steps(void **state)
{
    (void)state;
    enum { COUNT = 300 };
    static TestNet nets[COUNT];
    Pcg32 rng = pcg32_stream(5, 0, RNG_PURPOSE_USER);
    BrainPool *a = brain_pool_create();
    BrainPool *b = brain_pool_create();
    for (int i = 0; i < COUNT; ++i) {
        random_net(&nets[i], &rng, true);
        brain_pool_add(a, &nets[i].g);
        brain_pool_add(b, &nets[i].g);
    }
    static float in[COUNT][8], out_a[COUNT][8], out_b[COUNT][8];
    for (int s = 0; s < 5; ++s) {
        for (int i = 0; i < COUNT; ++i) {
            for (int k = 0; k < 8; ++k) {
                in[i][k] = (float)pcg32_double(&rng);
            }
        }
        AllocStats before = petri_alloc_stats();
        brain_step_range(a, 0, COUNT, &in[0][0], 8, &out_a[0][0], 8);
        for (int i = 0; i < COUNT; ++i) {
            brain_step(b, i, in[i], out_b[i]);
        }
        AllocStats after = petri_alloc_stats();
        assert_true(after.allocations == before.allocations); /* stepping never allocates */
        for (int i = 0; i < COUNT; ++i) {
            assert_memory_equal(out_a[i], out_b[i], sizeof(float) * (size_t)nets[i].g.outputs);
        }
    }
    assert_true(brain_pool_bytes(a) > 0);
    brain_pool_destroy(a);
    brain_pool_destroy(b);
}

/* genome/ states the same recurrence rule (genome_eval_order): both must
 * agree on genomes from genome_init_random, and compiled brains of those
 * genomes must match the reference evaluator. */
static void test_agrees_with_genome_eval_order(void **state)
{
    (void)state;
    Pcg32 rng = pcg32_stream(77, 0, RNG_PURPOSE_USER);
    BrainPool *pool = brain_pool_create();
    for (int i = 0; i < 2000; ++i) {
        Genome g;
        bool recurrent = i % 2 == 1;
        int hidden = (int)pcg32_bounded(&rng, 10);
        genome_init_random(&g, 1 + (int)pcg32_bounded(&rng, 5), 1 + (int)pcg32_bounded(&rng, 3),
                           hidden, (int)pcg32_bounded(&rng, 30), recurrent, &rng);
        int order[256];
        uint8_t rec_g[512], rec_b[512];
        assert_true(g.node_count <= 256 && g.conn_count <= 512);
        genome_eval_order(&g, order, rec_g);
        int found = brain_find_recurrent(&g, rec_b);
        int count_g = 0;
        for (int c = 0; c < g.conn_count; ++c) {
            assert_int_equal(rec_g[c], rec_b[c]);
            count_g += rec_g[c];
        }
        assert_int_equal(found, count_g);
        if (!recurrent) {
            assert_int_equal(found, 0);
        }
        if (g.node_count <= MAX_NODES && g.conn_count <= MAX_CONNS) {
            brain_pool_clear(pool);
            int b = brain_pool_add(pool, &g);
            assert_int_equal(brain_hidden_count(pool, b), genome_hidden_count(&g));
            assert_int_equal(brain_conn_count(pool, b), genome_enabled_count(&g));
            static RefNet ref;
            ref_init(&ref, &g);
            for (int s = 0; s < 4; ++s) {
                float in[8], out[8];
                double want[8];
                for (int k = 0; k < g.inputs; ++k) {
                    in[k] = (float)(pcg32_double(&rng) * 2.0 - 1.0);
                }
                brain_step(pool, b, in, out);
                ref_step(&ref, in, want);
                for (int o = 0; o < g.outputs; ++o) {
                    assert_true(fabs((double)out[o] - want[o]) <= 1e-4 * fmax(1.0, fabs(want[o])));
                }
            }
        }
        genome_fini(&g);
    }
    brain_pool_destroy(pool);
}

/* The compiled layout (levels, ops sorted by activation, one flat array
 * of connections) read back: every enabled connection once, and exactly
 * the recurrence rule's connections flagged as reading the previous
 * step, on genomes deep enough for many levels. */
static void test_levels_keep_recurrence(void **state)
{
    (void)state;
    Pcg32 rng = pcg32_stream(78, 0, RNG_PURPOSE_USER);
    BrainPool *pool = brain_pool_create();
    Genome back;
    genome_init(&back, 0, 0);
    for (int i = 0; i < 500; ++i) {
        Genome g;
        genome_init_random(&g, 1 + (int)pcg32_bounded(&rng, 4), 1 + (int)pcg32_bounded(&rng, 4),
                           (int)pcg32_bounded(&rng, 12), (int)pcg32_bounded(&rng, 60), i % 2 == 1,
                           &rng);
        uint8_t rec_g[512], rec_b[512];
        assert_true(g.conn_count <= 512);
        int found = brain_find_recurrent(&g, rec_g);
        int b = brain_pool_add(pool, &g);
        brain_to_genome(pool, b, &back, rec_b);
        assert_int_equal(back.conn_count, brain_conn_count(pool, b));
        int flagged = 0;
        for (int c = 0; c < back.conn_count; ++c) {
            flagged += rec_b[c];
        }
        assert_int_equal(flagged, found);
        genome_fini(&g);
    }
    genome_fini(&back);
    brain_pool_destroy(pool);
}

/* Relocating brains in memory (locality) changes no index and no bit:
 * two pools of the same brains, one relocated in a scrambled order
 * between steps (recurrent state included), step alike. */
static void test_relocate_keeps_bits(void **state)
{
    (void)state;
    enum { N = 40, IN = 5, OUT = 3 };
    Pcg32 rng = pcg32_stream(79, 0, RNG_PURPOSE_USER);
    BrainPool *a = brain_pool_create(), *b = brain_pool_create();
    for (int i = 0; i < N; ++i) {
        Genome g;
        genome_init_random(&g, IN, OUT, (int)pcg32_bounded(&rng, 8), 30, true, &rng);
        assert_int_equal(brain_pool_add(a, &g), i);
        assert_int_equal(brain_pool_add(b, &g), i);
        genome_fini(&g);
    }
    int32_t order[N + 2];
    for (int step = 0; step < 6; ++step) {
        for (int i = 0; i < N; ++i) {
            order[i] = (int32_t)((i * 7 + step * 3) % N); /* a permutation */
        }
        order[N] = -1; /* skipped */
        order[N + 1] = order[0]; /* named twice: skipped */
        brain_pool_relocate(b, order, step % 2 == 0 ? N + 2 : N / 2);
        for (int i = 0; i < N; ++i) {
            float in[IN], oa[OUT], ob[OUT];
            for (int k = 0; k < IN; ++k) {
                in[k] = pcg32_float(&rng) * 2.0f - 1.0f;
            }
            brain_step(a, i, in, oa);
            brain_step(b, i, in, ob);
            assert_memory_equal(oa, ob, sizeof oa);
            assert_memory_equal(brain_node_values(a, i), brain_node_values(b, i),
                                sizeof(float) * (size_t)brain_node_count(a, i));
        }
    }
    brain_pool_destroy(a);
    brain_pool_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xor_network),
        cmocka_unit_test(test_recurrent_counter),
        cmocka_unit_test(test_loop_newest_is_recurrent),
        cmocka_unit_test(test_activations_match_reference),
        cmocka_unit_test(test_random_feedforward_matches_reference),
        cmocka_unit_test(test_random_recurrent_matches_reference),
        cmocka_unit_test(test_step_range_matches_single_steps),
        cmocka_unit_test(test_agrees_with_genome_eval_order),
        cmocka_unit_test(test_levels_keep_recurrence),
        cmocka_unit_test(test_relocate_keeps_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
