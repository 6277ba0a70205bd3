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

/* ---------------------------------------------------------------- graphs */

/* Connections as node indices in CSR form (outgoing edges per node). */
typedef struct Adjacency {
    int n, m;
    int *start; /* n + 1 */
    int *dst;   /* m */
} Adjacency;

static void adjacency_build(Adjacency *adj, const Genome *g, bool enabled_only)
{
    adj->n = g->node_count;
    adj->m = 0;
    adj->start = petri_calloc((size_t)adj->n + 1, sizeof(int));
    int *src = petri_alloc((size_t)(g->conn_count > 0 ? g->conn_count : 1) * sizeof(int));
    int *dsti = petri_alloc((size_t)(g->conn_count > 0 ? g->conn_count : 1) * sizeof(int));
    for (int i = 0; i < g->conn_count; ++i) {
        if (enabled_only && !g->conns[i].enabled) {
            continue;
        }
        int a = genome_find_node(g, g->conns[i].from);
        int b = genome_find_node(g, g->conns[i].to);
        if (a < 0 || b < 0) {
            continue;
        }
        src[adj->m] = a;
        dsti[adj->m] = b;
        adj->m++;
        adj->start[a + 1]++;
    }
    for (int i = 0; i < adj->n; ++i) {
        adj->start[i + 1] += adj->start[i];
    }
    adj->dst = petri_alloc((size_t)(adj->m > 0 ? adj->m : 1) * sizeof(int));
    int *fill = petri_alloc((size_t)(adj->n > 0 ? adj->n : 1) * sizeof(int));
    for (int i = 0; i < adj->n; ++i) {
        fill[i] = adj->start[i];
    }
    for (int e = 0; e < adj->m; ++e) {
        adj->dst[fill[src[e]]++] = dsti[e];
    }
    petri_free(fill, (size_t)(adj->n > 0 ? adj->n : 1) * sizeof(int));
    petri_free(src, (size_t)(g->conn_count > 0 ? g->conn_count : 1) * sizeof(int));
    petri_free(dsti, (size_t)(g->conn_count > 0 ? g->conn_count : 1) * sizeof(int));
}

static void adjacency_free(Adjacency *adj)
{
    petri_free(adj->start, ((size_t)adj->n + 1) * sizeof(int));
    petri_free(adj->dst, (size_t)(adj->m > 0 ? adj->m : 1) * sizeof(int));
}

bool genome_path_exists(const Genome *g, int src_idx, int dst_idx)
{
    if (src_idx == dst_idx) {
        return true;
    }
    Adjacency adj;
    adjacency_build(&adj, g, false);
    size_t n = (size_t)(adj.n > 0 ? adj.n : 1);
    uint8_t *seen = petri_calloc(n, 1);
    int *stack = petri_alloc(n * sizeof(int));
    int top = 0;
    bool found = false;
    stack[top++] = src_idx;
    seen[src_idx] = 1;
    while (top > 0 && !found) {
        int v = stack[--top];
        for (int e = adj.start[v]; e < adj.start[v + 1]; ++e) {
            int w = adj.dst[e];
            if (w == dst_idx) {
                found = true;
                break;
            }
            if (!seen[w]) {
                seen[w] = 1;
                stack[top++] = w;
            }
        }
    }
    petri_free(seen, n);
    petri_free(stack, n * sizeof(int));
    adjacency_free(&adj);
    return found;
}

bool genome_is_acyclic(const Genome *g)
{
    Adjacency adj;
    adjacency_build(&adj, g, false);
    size_t n = (size_t)(adj.n > 0 ? adj.n : 1);
    int *indeg = petri_calloc(n, sizeof(int));
    int *queue = petri_alloc(n * sizeof(int));
    for (int e = 0; e < adj.m; ++e) {
        indeg[adj.dst[e]]++;
    }
    int head = 0, tail = 0;
    for (int i = 0; i < adj.n; ++i) {
        if (indeg[i] == 0) {
            queue[tail++] = i;
        }
    }
    while (head < tail) {
        int v = queue[head++];
        for (int e = adj.start[v]; e < adj.start[v + 1]; ++e) {
            if (--indeg[adj.dst[e]] == 0) {
                queue[tail++] = adj.dst[e];
            }
        }
    }
    bool ok = tail == adj.n;
    petri_free(indeg, n * sizeof(int));
    petri_free(queue, n * sizeof(int));
    adjacency_free(&adj);
    return ok;
}

/* A min-heap of node indices, for the tie rule of the evaluation order. */
static void heap_push(int *heap, int *size, int v)
{
    int i = (*size)++;
    heap[i] = v;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (heap[p] <= heap[i]) {
            break;
        }
        int t = heap[p];
        heap[p] = heap[i];
        heap[i] = t;
        i = p;
    }
}

static int heap_pop(int *heap, int *size)
{
    int top = heap[0];
    heap[0] = heap[--(*size)];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < *size && heap[l] < heap[m]) {
            m = l;
        }
        if (r < *size && heap[r] < heap[m]) {
            m = r;
        }
        if (m == i) {
            break;
        }
        int t = heap[m];
        heap[m] = heap[i];
        heap[i] = t;
        i = m;
    }
    return top;
}

void genome_eval_order(const Genome *g, int *node_order, uint8_t *conn_recurrent)
{
    int n = g->node_count;
    int m = g->conn_count;
    size_t ns = (size_t)(n > 0 ? n : 1);
    size_t ms = (size_t)(m > 0 ? m : 1);
    /* Accepted feed-forward edges as linked lists, grown one by one. */
    int *head = petri_alloc(ns * sizeof(int));
    int *next = petri_alloc(ms * sizeof(int));
    int *dst = petri_alloc(ms * sizeof(int));
    int *stamp = petri_calloc(ns, sizeof(int));
    int *stack = petri_alloc(ns * sizeof(int));
    int *indeg = petri_calloc(ns, sizeof(int));
    for (int i = 0; i < n; ++i) {
        head[i] = -1;
    }
    int edges = 0;
    int visit = 0;
    for (int c = 0; c < m; ++c) {
        conn_recurrent[c] = 0;
        if (!g->conns[c].enabled) {
            continue;
        }
        int a = genome_find_node(g, g->conns[c].from);
        int b = genome_find_node(g, g->conns[c].to);
        /* Recurrent when b already reaches a through accepted edges. */
        bool cycle = a == b;
        if (!cycle) {
            ++visit;
            int top = 0;
            stack[top++] = b;
            stamp[b] = visit;
            while (top > 0 && !cycle) {
                int v = stack[--top];
                for (int e = head[v]; e >= 0; e = next[e]) {
                    int w = dst[e];
                    if (w == a) {
                        cycle = true;
                        break;
                    }
                    if (stamp[w] != visit) {
                        stamp[w] = visit;
                        stack[top++] = w;
                    }
                }
            }
        }
        if (cycle) {
            conn_recurrent[c] = 1;
            continue;
        }
        dst[edges] = b;
        next[edges] = head[a];
        head[a] = edges;
        edges++;
        indeg[b]++;
    }
    /* Kahn's algorithm, lowest node index first among the ready nodes. */
    int *heap = stack; /* reuse: at most n entries */
    int hs = 0;
    for (int i = 0; i < n; ++i) {
        if (indeg[i] == 0) {
            heap_push(heap, &hs, i);
        }
    }
    int out = 0;
    while (hs > 0) {
        int v = heap_pop(heap, &hs);
        node_order[out++] = v;
        for (int e = head[v]; e >= 0; e = next[e]) {
            if (--indeg[dst[e]] == 0) {
                heap_push(heap, &hs, dst[e]);
            }
        }
    }
    petri_free(head, ns * sizeof(int));
    petri_free(next, ms * sizeof(int));
    petri_free(dst, ms * sizeof(int));
    petri_free(stamp, ns * sizeof(int));
    petri_free(stack, ns * sizeof(int));
    petri_free(indeg, ns * sizeof(int));
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
