/*
 * Genome lifetime, queries, validity and the evaluation order.
 *
 * Invariants every operator keeps (genome_check says which one broke):
 * nodes sorted by id with inputs 0..I-1, the bias node I and outputs
 * I+1..I+O first, hidden nodes after them; connections sorted by
 * innovation, each from->to pair at most once, every endpoint a node of
 * the genome, no connection into an input or the bias node.
 */
#include "genome/genome_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- memory */

void genome_reserve_nodes(Genome *g, int n)
{
    if (n <= g->node_cap) {
        return;
    }
    int cap = g->node_cap > 0 ? g->node_cap : 8;
    while (cap < n) {
        cap *= 2;
    }
    g->nodes = petri_realloc(g->nodes, (size_t)g->node_cap * sizeof(NodeGene),
                             (size_t)cap * sizeof(NodeGene));
    g->node_cap = cap;
}

void genome_reserve_conns(Genome *g, int n)
{
    if (n <= g->conn_cap) {
        return;
    }
    int cap = g->conn_cap > 0 ? g->conn_cap : 8;
    while (cap < n) {
        cap *= 2;
    }
    g->conns = petri_realloc(g->conns, (size_t)g->conn_cap * sizeof(ConnGene),
                             (size_t)cap * sizeof(ConnGene));
    g->conn_cap = cap;
}

void genome_push_node(Genome *g, NodeGene n)
{
    genome_reserve_nodes(g, g->node_count + 1);
    g->nodes[g->node_count++] = n;
}

void genome_push_conn(Genome *g, ConnGene c)
{
    genome_reserve_conns(g, g->conn_count + 1);
    g->conns[g->conn_count++] = c;
}

int genome_insert_node(Genome *g, NodeGene n)
{
    genome_reserve_nodes(g, g->node_count + 1);
    int i = g->node_count;
    while (i > 0 && g->nodes[i - 1].id > n.id) {
        g->nodes[i] = g->nodes[i - 1];
        --i;
    }
    g->nodes[i] = n;
    g->node_count++;
    return i;
}

int genome_insert_conn(Genome *g, ConnGene c)
{
    genome_reserve_conns(g, g->conn_count + 1);
    int i = g->conn_count;
    while (i > 0 && g->conns[i - 1].innovation > c.innovation) {
        g->conns[i] = g->conns[i - 1];
        --i;
    }
    g->conns[i] = c;
    g->conn_count++;
    return i;
}

float genome_clampf(double v, double range)
{
    if (v > range) {
        v = range;
    } else if (v < -range) {
        v = -range;
    }
    return (float)v;
}

/* ---------------------------------------------------------------- lifetime */

void genome_clear(Genome *g, int inputs, int outputs)
{
    g->node_count = 0;
    g->conn_count = 0;
    g->inputs = inputs;
    g->outputs = outputs;
    g->trait_count = 0;
    memset(g->traits, 0, sizeof g->traits);
    genome_reserve_nodes(g, inputs + 1 + outputs);
    for (int i = 0; i < inputs + 1 + outputs; ++i) {
        NodeGene n = {.id = (uint32_t)i, .kind = NODE_INPUT, .activation = ACT_IDENTITY};
        if (i == inputs) {
            n.kind = NODE_BIAS;
        } else if (i > inputs) {
            n.kind = NODE_OUTPUT;
            n.activation = ACT_NEAT_SIGMOID;
        }
        g->nodes[g->node_count++] = n;
    }
}

void genome_init(Genome *g, int inputs, int outputs)
{
    memset(g, 0, sizeof *g);
    genome_clear(g, inputs, outputs);
}

void genome_fini(Genome *g)
{
    petri_free(g->nodes, (size_t)g->node_cap * sizeof(NodeGene));
    petri_free(g->conns, (size_t)g->conn_cap * sizeof(ConnGene));
    memset(g, 0, sizeof *g);
}

void genome_copy(Genome *dst, const Genome *src)
{
    if (dst == src) {
        return;
    }
    genome_reserve_nodes(dst, src->node_count);
    genome_reserve_conns(dst, src->conn_count);
    if (src->node_count > 0) {
        memcpy(dst->nodes, src->nodes, (size_t)src->node_count * sizeof(NodeGene));
    }
    if (src->conn_count > 0) {
        memcpy(dst->conns, src->conns, (size_t)src->conn_count * sizeof(ConnGene));
    }
    dst->node_count = src->node_count;
    dst->conn_count = src->conn_count;
    dst->inputs = src->inputs;
    dst->outputs = src->outputs;
    dst->trait_count = src->trait_count;
    memcpy(dst->traits, src->traits, sizeof dst->traits);
}

void genome_init_minimal(Genome *g, int inputs, int outputs, const NeatDef *def, Pcg32 *rng)
{
    genome_init(g, inputs, outputs);
    for (int k = 0; k < outputs; ++k) {
        g->nodes[inputs + 1 + k].activation = (uint8_t)def->output_activation;
    }
    genome_reserve_conns(g, (inputs + 1) * outputs);
    for (int f = 0; f <= inputs; ++f) {
        for (int k = 0; k < outputs; ++k) {
            if (def->initial_connectivity == NEAT_INIT_NONE ||
                (def->initial_connectivity == NEAT_INIT_SPARSE &&
                 pcg32_double(rng) >= def->initial_conn_fraction)) {
                continue;
            }
            ConnGene c = {
                .innovation = (uint32_t)(f * outputs + k),
                .from = (uint32_t)f,
                .to = (uint32_t)(inputs + 1 + k),
                .weight = genome_clampf(pcg32_normal(rng) * def->weight_init_sigma,
                                        def->weight_range),
                .enabled = 1,
            };
            g->conns[g->conn_count++] = c;
        }
    }
    g->trait_count = def->trait_count;
    for (int t = 0; t < def->trait_count; ++t) {
        g->traits[t] = pcg32_float(rng);
    }
}

void genome_init_random(Genome *g, int inputs, int outputs, int hidden, int conns,
                        bool recurrent, Pcg32 *rng)
{
    genome_init(g, inputs, outputs);
    int fixed = inputs + 1 + outputs;
    for (int h = 0; h < hidden; ++h) {
        NodeGene n = {.id = (uint32_t)(fixed + h), .kind = NODE_HIDDEN};
        genome_push_node(g, n);
    }
    int n_nodes = g->node_count;
    /* Random activations and biases for hidden and output nodes. */
    for (int i = inputs + 1; i < n_nodes; ++i) {
        g->nodes[i].activation = (uint8_t)pcg32_bounded(rng, ACT_COUNT);
        g->nodes[i].bias = (float)(pcg32_double(rng) * 2.0 - 1.0);
    }
    /* A random rank for every node that can be a target; feed-forward
     * connections go from a lower rank to a higher one. Inputs and the bias
     * node have rank 0. */
    int *rank = petri_calloc((size_t)n_nodes, sizeof(int));
    int targets = n_nodes - (inputs + 1);
    for (int i = 0; i < targets; ++i) {
        rank[inputs + 1 + i] = i + 1;
    }
    for (int i = targets - 1; i > 0; --i) { /* Fisher-Yates over target ranks */
        int j = (int)pcg32_bounded(rng, (uint32_t)(i + 1));
        int t = rank[inputs + 1 + i];
        rank[inputs + 1 + i] = rank[inputs + 1 + j];
        rank[inputs + 1 + j] = t;
    }
    int tries = conns * 4 + 16;
    for (int t = 0; t < tries && g->conn_count < conns && targets > 0; ++t) {
        int a = (int)pcg32_bounded(rng, (uint32_t)n_nodes);
        int b = inputs + 1 + (int)pcg32_bounded(rng, (uint32_t)targets);
        if (!recurrent && rank[a] >= rank[b]) {
            continue;
        }
        if (genome_find_conn(g, (uint32_t)a, (uint32_t)b) >= 0) {
            continue;
        }
        ConnGene c = {
            .innovation = (uint32_t)g->conn_count,
            .from = g->nodes[a].id,
            .to = g->nodes[b].id,
            .weight = (float)(pcg32_double(rng) * 4.0 - 2.0),
            .enabled = 1,
        };
        genome_push_conn(g, c);
    }
    petri_free(rank, (size_t)n_nodes * sizeof(int));
}

/* ---------------------------------------------------------------- queries */

int genome_find_node(const Genome *g, uint32_t id)
{
    int lo = 0, hi = g->node_count - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        uint32_t m = g->nodes[mid].id;
        if (m == id) {
            return mid;
        }
        if (m < id) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -1;
}

int genome_find_conn(const Genome *g, uint32_t from, uint32_t to)
{
    for (int i = 0; i < g->conn_count; ++i) {
        if (g->conns[i].from == from && g->conns[i].to == to) {
            return i;
        }
    }
    return -1;
}

int genome_hidden_count(const Genome *g)
{
    int n = 0;
    for (int i = 0; i < g->node_count; ++i) {
        n += g->nodes[i].kind == NODE_HIDDEN;
    }
    return n;
}

int genome_enabled_count(const Genome *g)
{
    int n = 0;
    for (int i = 0; i < g->conn_count; ++i) {
        n += g->conns[i].enabled != 0;
    }
    return n;
}

void genome_hash(const Genome *g, Hasher *hs)
{
    hasher_u64(hs, (uint64_t)g->inputs);
    hasher_u64(hs, (uint64_t)g->outputs);
    hasher_u64(hs, (uint64_t)g->node_count);
    for (int i = 0; i < g->node_count; ++i) {
        const NodeGene *n = &g->nodes[i];
        hasher_u64(hs, ((uint64_t)n->id << 16) | ((uint64_t)n->kind << 8) | n->activation);
        hasher_f32(hs, n->bias);
    }
    hasher_u64(hs, (uint64_t)g->conn_count);
    for (int i = 0; i < g->conn_count; ++i) {
        const ConnGene *c = &g->conns[i];
        hasher_u64(hs, c->innovation);
        hasher_u64(hs, ((uint64_t)c->from << 32) | c->to);
        hasher_f32(hs, c->weight);
        hasher_u64(hs, c->enabled);
    }
    hasher_u64(hs, (uint64_t)g->trait_count);
    for (int i = 0; i < g->trait_count; ++i) {
        hasher_f32(hs, g->traits[i]);
    }
}

/* ---------------------------------------------------------------- validity */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static PetriStatus invalid(PetriError *err, const char *fmt, ...) PETRI_PRINTF(2, 3);
static PetriStatus invalid(PetriError *err, const char *fmt, ...)
{
    if (err != NULL) {
        char line[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        error_add(err, PETRI_EFORMAT, "invalid genome: %s", line);
    }
    return PETRI_EFORMAT;
}

PetriStatus genome_check(const Genome *g, bool allow_recurrent, PetriError *err)
{
    if (g->inputs < 0 || g->inputs > GENOME_MAX_IO || g->outputs < 1 ||
        g->outputs > GENOME_MAX_IO) {
        return invalid(err, "shape %d inputs and %d outputs (outputs must be >= 1)", g->inputs,
                       g->outputs);
    }
    int fixed = g->inputs + 1 + g->outputs;
    if (g->node_count < fixed || g->node_count > g->node_cap || g->conn_count < 0 ||
        g->conn_count > g->conn_cap) {
        return invalid(err, "%d nodes for %d fixed nodes (or counts above capacity)",
                       g->node_count, fixed);
    }
    if (g->trait_count < 0 || g->trait_count > GENOME_MAX_TRAITS) {
        return invalid(err, "%d traits (max %d)", g->trait_count, GENOME_MAX_TRAITS);
    }
    for (int i = 0; i < g->trait_count; ++i) {
        if (!(g->traits[i] >= 0.0f && g->traits[i] <= 1.0f)) {
            return invalid(err, "trait %d is not in [0, 1]", i);
        }
    }
    for (int i = 0; i < g->node_count; ++i) {
        const NodeGene *nd = &g->nodes[i];
        int want = i < g->inputs ? NODE_INPUT
                   : i == g->inputs ? NODE_BIAS
                   : i < fixed      ? NODE_OUTPUT
                                    : NODE_HIDDEN;
        if (i < fixed && nd->id != (uint32_t)i) {
            return invalid(err, "node %d has id %u (fixed nodes take ids 0..inputs+outputs)", i,
                           nd->id);
        }
        if (i > 0 && nd->id <= g->nodes[i - 1].id) {
            return invalid(err, "node ids not strictly increasing at index %d (id %u)", i, nd->id);
        }
        if (nd->kind != want) {
            return invalid(err, "node %u has kind %d, not the one its id implies (%d)", nd->id,
                           nd->kind, want);
        }
        if (nd->activation >= ACT_COUNT) {
            return invalid(err, "node %u has unknown activation %d", nd->id, nd->activation);
        }
        if (!isfinite(nd->bias)) {
            return invalid(err, "node %u has a non-finite bias", nd->id);
        }
        if ((want == NODE_INPUT || want == NODE_BIAS) &&
            (nd->activation != ACT_IDENTITY || nd->bias != 0.0f)) {
            return invalid(err, "node %u (input or bias) must have identity activation and bias 0",
                           nd->id);
        }
    }
    size_t ks = (size_t)(g->conn_count > 0 ? g->conn_count : 1);
    uint64_t *keys = petri_alloc(ks * sizeof(uint64_t));
    PetriStatus st = PETRI_OK;
    for (int i = 0; i < g->conn_count && st == PETRI_OK; ++i) {
        const ConnGene *c = &g->conns[i];
        if (i > 0 && c->innovation <= g->conns[i - 1].innovation) {
            st = invalid(err, "connection innovations not strictly increasing at index %d (%u)", i,
                         c->innovation);
        } else if (genome_find_node(g, c->from) < 0 || genome_find_node(g, c->to) < 0) {
            st = invalid(err, "connection %u (%u -> %u) refers to a missing node", c->innovation,
                         c->from, c->to);
        } else if (c->to < (uint32_t)g->inputs + 1) {
            st = invalid(err, "connection %u goes into input or bias node %u", c->innovation, c->to);
        } else if (!isfinite(c->weight)) {
            st = invalid(err, "connection %u has a non-finite weight", c->innovation);
        } else if (c->enabled > 1) {
            st = invalid(err, "connection %u has enabled flag %d (must be 0 or 1)", c->innovation,
                         c->enabled);
        }
        keys[i] = ((uint64_t)c->from << 32) | c->to;
    }
    if (st == PETRI_OK && g->conn_count > 1) {
        qsort(keys, (size_t)g->conn_count, sizeof(uint64_t), cmp_u64);
        for (int i = 1; i < g->conn_count; ++i) {
            if (keys[i] == keys[i - 1]) {
                st = invalid(err, "connection from %u to %u appears twice",
                             (unsigned)(keys[i] >> 32), (unsigned)(keys[i] & 0xffffffffu));
                break;
            }
        }
    }
    petri_free(keys, ks * sizeof(uint64_t));
    if (st == PETRI_OK && !allow_recurrent && !genome_is_acyclic(g)) {
        st = invalid(err, "the connections hold a cycle where recurrence is off");
    }
    return st;
}

PetriStatus genome_validate(const Genome *g, PetriError *err)
{
    return genome_check(g, true, err);
}
