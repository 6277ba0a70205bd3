/*
 * brain: compiled networks in one pool.
 *
 * Invariants of the pool, which the inner loop relies on:
 *
 * - A brain of N nodes owns a value block of N floats. Node slot s is the
 *   node's index in the genome's node array (sorted by id), so inputs are
 *   slots 0..I-1, the bias node is slot I and outputs are slots I+1..I+O.
 * - Every node that is computed (hidden and output) has one BrainOp, and the
 *   ops of a brain are in evaluation order: a topological order of its
 *   feed-forward connections. The op's connections (both kinds) are the
 *   BrainConn entries from the previous op's conn_end to its own, in
 *   innovation order, each naming its source slot.
 * - A recurrent connection u -> v exists only where v already reaches u
 *   through feed-forward connections (or u == v), so v is computed before u
 *   in every evaluation order: when v reads slot u, u still holds the
 *   previous step's value (0 after brain_reset). One value block therefore
 *   serves both kinds of read, with no copy per step, and the inner loop is
 *   one branch-free dot product per node.
 * - A step writes inputs and the bias, then runs the ops in order. Nothing
 *   is allocated and nothing outside the brain's own value block is
 *   written, so different brains step in parallel.
 *
 * Which connections are recurrent (the rule docs/genome-format.md states):
 * walk the enabled connections in innovation order; a self-loop is
 * recurrent; any other connection is recurrent when its target already
 * reaches its source through the connections accepted as feed-forward
 * before it; otherwise it is accepted as feed-forward. The connection that
 * closes a loop latest in innovation order (usually the newest mutation)
 * is the one that reads the previous step. Connections into input or bias
 * nodes are ignored (they cannot change those nodes' values).
 */
#include "brain/brain.h"

#include <assert.h>
#include <math.h>
#include <string.h>

typedef struct BrainInfo {
    int inputs, outputs, hidden;
    int node_count;    /* N: the value block is N floats (then op_count of scratch) */
    int op_count;      /* computed nodes (hidden + output) */
    int conn_count;    /* compiled (enabled) connections */
    int recurrent;     /* connections that read the previous step */
    int from_inputs;   /* the first connections: each op's leading ones from inputs */
    size_t op_off, conn_off, value_off;
} BrainInfo;

typedef struct BrainOp {
    int32_t slot;      /* where the value is written */
    int32_t conn_end;  /* end of this op's connections, relative to the brain's conn_off */
    float bias;
    int32_t act;       /* Activation */
} BrainOp;

typedef struct BrainConn {
    int32_t src;       /* source slot in the brain's value block */
    float weight;
} BrainConn;

_Static_assert(sizeof(BrainOp) == 16, "BrainOp is 16 bytes");
_Static_assert(sizeof(BrainConn) == 8, "BrainConn is 8 bytes");

struct BrainPool {
    BrainInfo *brains;
    int brain_count, brain_cap;
    BrainOp *ops;
    size_t op_len, op_cap;
    BrainConn *conns;
    size_t conn_len, conn_cap;
    int32_t *conn_op;  /* per leading connection from an input: the op it feeds */
    size_t conn_op_cap;
    float *values;
    size_t value_len, value_cap;
    /* scratch for compiling, reused between calls (brain_pool_add is serial) */
    unsigned char *scratch;
    size_t scratch_cap;
};

/* ------------------------------------------------------------ activations */

/* exp(x) in float, written out so that it gives the same bits at every
 * optimisation level and on every libm: x = n ln2 + r with n the nearest
 * integer to x / ln2 (rounded by adding and subtracting 1.5 * 2^23),
 * ln2 split in two so that n * ln2_hi is exact, |r| <= ln2 / 2, then
 * exp(r) by its Taylor polynomial of degree 6 (truncation below 1.2e-7)
 * and 2^n put into the exponent bits. Relative error about 3e-7 over
 * [-87, 88]; arguments beyond are clamped (exp(-87) is 1.6e-38, exp(88)
 * is 1.7e38), NaN is returned as is. */
static inline float exp_f32(float x)
{
    if (x != x) {
        return x;
    }
    x = x > 88.0f ? 88.0f : x;
    x = x < -87.0f ? -87.0f : x;
    float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline float act_f32(int act, float x)
{
    switch (act) {
    case ACT_IDENTITY:
        return x;
    case ACT_SIGMOID:
        return 1.0f / (1.0f + exp_f32(-x));
    case ACT_NEAT_SIGMOID:
        return 1.0f / (1.0f + exp_f32(-4.9f * x));
    case ACT_TANH:
        /* tanh(x) = 1 - 2/(exp(2x)+1): exact limits (exp_f32 clamps its
         * argument); near 0 the subtraction cancels, so the series
         * x - x^3/3 there */
        if (fabsf(x) < 0.01f) {
            return x - x * x * x * (1.0f / 3.0f);
        }
        return 1.0f - 2.0f / (exp_f32(2.0f * x) + 1.0f);
    case ACT_RELU: {
        /* masked, not branched: the sign of a sum is a coin toss */
        uint32_t u;
        memcpy(&u, &x, sizeof u);
        u &= -(uint32_t)(x > 0.0f);
        memcpy(&x, &u, sizeof x);
        return x;
    }
    case ACT_GAUSS:
        return exp_f32(-x * x);
    case ACT_SIN:
        return mathx_sinf(x);
    case ACT_ABS:
        return fabsf(x);
    case ACT_STEP:
        return (float)(x > 0.0f);
    default:
        assert(!"unknown activation");
        return x;
    }
}

float brain_activation_f32(int act, float x)
{
    assert(act >= 0 && act < ACT_COUNT);
    return act_f32(act, x);
}

/* ------------------------------------------------------------ pool */

BrainPool *brain_pool_create(void)
{
    BrainPool *pool = petri_calloc(1, sizeof *pool);
    return pool;
}

void brain_pool_destroy(BrainPool *pool)
{
    if (pool == NULL) {
        return;
    }
    petri_free(pool->brains, (size_t)pool->brain_cap * sizeof *pool->brains);
    petri_free(pool->ops, pool->op_cap * sizeof *pool->ops);
    petri_free(pool->conns, pool->conn_cap * sizeof *pool->conns);
    petri_free(pool->conn_op, pool->conn_op_cap * sizeof *pool->conn_op);
    petri_free(pool->values, pool->value_cap * sizeof *pool->values);
    petri_free(pool->scratch, pool->scratch_cap);
    petri_free(pool, sizeof *pool);
}

void brain_pool_clear(BrainPool *pool)
{
    pool->brain_count = 0;
    pool->op_len = 0;
    pool->conn_len = 0;
    pool->value_len = 0;
}

int brain_pool_count(const BrainPool *pool)
{
    return pool->brain_count;
}

size_t brain_pool_bytes(const BrainPool *pool)
{
    return sizeof *pool + (size_t)pool->brain_cap * sizeof *pool->brains +
           pool->op_cap * sizeof *pool->ops + pool->conn_cap * sizeof *pool->conns +
           pool->conn_op_cap * sizeof *pool->conn_op +
           pool->value_cap * sizeof *pool->values + pool->scratch_cap;
}

/* Grows an array to hold at least need items (doubling), keeping contents. */
/* Never returns NULL, even for need 0: the compiler offsets every array
 * by its length, and NULL + 0 is undefined (a pool of brains without a
 * connection has no connection array otherwise). */
static void *grow(void *p, size_t *cap, size_t need, size_t item)
{
    if (need <= *cap && p != NULL) {
        return p;
    }
    size_t n = *cap < 16 ? 16 : *cap;
    while (n < need) {
        n *= 2;
    }
    p = petri_realloc(p, *cap * item, n * item);
    *cap = n;
    return p;
}

static void *scratch_take(BrainPool *pool, size_t *used, size_t bytes)
{
    size_t at = (*used + 15u) & ~(size_t)15u;
    *used = at + bytes;
    assert(*used <= pool->scratch_cap);
    return pool->scratch + at;
}


/* Does `from` reach `target` through the accepted edges? Depth-first with
 * an explicit stack; seen[] holds `stamp` for nodes visited in this search. */
static bool graph_reaches(int from, int target, const int *head, const int *next,
                          const int *dst, int *seen, int stamp, int *stack)
{
    int top = 0;
    stack[top++] = from;
    seen[from] = stamp;
    while (top > 0) {
        int u = stack[--top];
        if (u == target) {
            return true;
        }
        for (int e = head[u]; e >= 0; e = next[e]) {
            int v = dst[e];
            if (seen[v] != stamp) {
                seen[v] = stamp;
                stack[top++] = v;
            }
        }
    }
    return false;
}

int brain_find_recurrent(const Genome *g, uint8_t *recurrent)
{
    /* Standalone version of the rule for callers outside the pool (tests,
     * the viewer): allocates its own scratch. */
    int n = g->node_count, m = g->conn_count;
    size_t ints = (size_t)(3 * n + 2 * m + 1);
    int *mem = petri_alloc(ints * sizeof(int));
    int *head = mem, *seen = mem + n, *stack = mem + 2 * n;
    int *next = mem + 3 * n, *dst = mem + 3 * n + m;
    for (int i = 0; i < n; ++i) {
        head[i] = -1;
        seen[i] = 0;
    }
    int found = 0;
    for (int c = 0; c < m; ++c) {
        const ConnGene *cg = &g->conns[c];
        recurrent[c] = 0;
        if (!cg->enabled) {
            continue;
        }
        int u = genome_find_node(g, cg->from), v = genome_find_node(g, cg->to);
        assert(u >= 0 && v >= 0);
        uint8_t kind = g->nodes[v].kind;
        if (kind == NODE_INPUT || kind == NODE_BIAS) {
            continue;
        }
        if (u == v || graph_reaches(v, u, head, next, dst, seen, c + 1, stack)) {
            recurrent[c] = 1;
            ++found;
            continue;
        }
        dst[c] = v;
        next[c] = head[u];
        head[u] = c;
    }
    petri_free(mem, ints * sizeof(int));
    return found;
}

int brain_pool_add(BrainPool *pool, const Genome *g)
{
    const int n = g->node_count, m = g->conn_count;
    const int in = g->inputs, out = g->outputs;
    assert(n >= in + 1 + out);
    /* The genome's id convention puts inputs, bias, outputs first. */
    for (int i = 0; i < in + 1 + out; ++i) {
        assert(g->nodes[i].kind == (i < in ? NODE_INPUT : i == in ? NODE_BIAS : NODE_OUTPUT));
    }

    /* scratch: per node head, seen, stack, indeg, order, first;
     * per conn next, dst, src, recurrent flag (as int), keep flag */
    size_t need = (size_t)(6 * n + 5 * m + 8) * sizeof(int) + 256;
    if (need > pool->scratch_cap) {
        petri_free(pool->scratch, pool->scratch_cap);
        pool->scratch = petri_alloc(need);
        pool->scratch_cap = need;
    }
    size_t used = 0;
    int *head = scratch_take(pool, &used, (size_t)n * sizeof(int));
    int *seen = scratch_take(pool, &used, (size_t)n * sizeof(int));
    int *stack = scratch_take(pool, &used, (size_t)(n + 1) * sizeof(int));
    int *indeg = scratch_take(pool, &used, (size_t)n * sizeof(int));
    int *order = scratch_take(pool, &used, (size_t)n * sizeof(int));
    int *first = scratch_take(pool, &used, (size_t)(n + 1) * sizeof(int));
    int *next = scratch_take(pool, &used, (size_t)m * sizeof(int) + 1);
    int *dst = scratch_take(pool, &used, (size_t)m * sizeof(int) + 1);
    int *src = scratch_take(pool, &used, (size_t)m * sizeof(int) + 1);
    int *rec = scratch_take(pool, &used, (size_t)m * sizeof(int) + 1);

    for (int i = 0; i < n; ++i) {
        head[i] = -1;
        seen[i] = 0;
        indeg[i] = 0;
    }

    /* 1. classify connections: -1 ignored, 0 feed-forward, 1 recurrent */
    int compiled = 0;
    int any_rec = 0;
    for (int c = 0; c < m; ++c) {
        const ConnGene *cg = &g->conns[c];
        rec[c] = -1;
        if (!cg->enabled) {
            continue;
        }
        int u = genome_find_node(g, cg->from), v = genome_find_node(g, cg->to);
        assert(u >= 0 && v >= 0);
        uint8_t kind = g->nodes[v].kind;
        if (kind == NODE_INPUT || kind == NODE_BIAS) {
            continue;
        }
        src[c] = u;
        dst[c] = v;
        ++compiled;
        if (u == v || graph_reaches(v, u, head, next, dst, seen, c + 1, stack)) {
            rec[c] = 1;
            ++any_rec;
            continue;
        }
        rec[c] = 0;
        next[c] = head[u];
        head[u] = c;
        indeg[v]++;
    }

    /* 2. evaluation order: Kahn's algorithm over feed-forward edges, seeded
     * in slot order (any topological order gives the same values). Among
     * the nodes ready, one with the activation of the node just placed
     * goes first, so that runs of equal activations form and the step's
     * jump on the activation is predicted. A node without inputs counts
     * as identity (it becomes a constant). */
    int *inc = stack; /* free after step 1: compiled inputs per node */
    for (int i = 0; i < n; ++i) {
        inc[i] = 0;
    }
    for (int c = 0; c < m; ++c) {
        if (rec[c] >= 0) {
            inc[dst[c]]++;
        }
    }
#define BRAIN_EFF_ACT(u) (inc[u] > 0 ? (int)g->nodes[u].activation : (int)ACT_IDENTITY)
    int qh = 0, qt = 0;
    for (int i = 0; i < n; ++i) {
        if (indeg[i] == 0) {
            order[qt++] = i;
        }
    }
    int last = -1;
    while (qh < qt) {
        int pick = qh;
        for (int j = qh; j < qt && last >= 0; ++j) {
            if (order[j] > in && BRAIN_EFF_ACT(order[j]) == last) {
                pick = j;
                break;
            }
        }
        int u = order[pick];
        order[pick] = order[qh];
        order[qh++] = u;
        if (u > in) {
            last = BRAIN_EFF_ACT(u);
        }
        for (int e = head[u]; e >= 0; e = next[e]) {
            if (--indeg[dst[e]] == 0) {
                order[qt++] = dst[e];
            }
        }
    }
#undef BRAIN_EFF_ACT
    assert(qt == n);

    /* 3. connections grouped by target (CSR), innovation order inside a
     * group: count, prefix sum, stable fill. */
    for (int i = 0; i <= n; ++i) {
        first[i] = 0;
    }
    for (int c = 0; c < m; ++c) {
        if (rec[c] >= 0) {
            first[dst[c] + 1]++;
        }
    }
    for (int i = 0; i < n; ++i) {
        first[i + 1] += first[i];
    }
    int *fill = seen; /* reuse: per-node cursor */
    for (int i = 0; i < n; ++i) {
        fill[i] = first[i];
    }
    /* conns of the brain laid out by slot first (temporary), then copied in
     * evaluation order below; the temporary lives in the pool's tail. */
    const int hidden = n - in - 1 - out;
    const int op_count = n - in - 1;
    BrainInfo info = {
        .inputs = in,
        .outputs = out,
        .hidden = hidden,
        .node_count = n,
        .op_count = op_count,
        .conn_count = compiled,
        .recurrent = any_rec,
        .op_off = pool->op_len,
        .conn_off = pool->conn_len,
        .value_off = pool->value_len,
    };
    if (pool->brain_count == pool->brain_cap) {
        int cap = pool->brain_cap < 16 ? 16 : pool->brain_cap * 2;
        pool->brains = petri_realloc(pool->brains, (size_t)pool->brain_cap * sizeof *pool->brains,
                                     (size_t)cap * sizeof *pool->brains);
        pool->brain_cap = cap;
    }
    pool->ops = grow(pool->ops, &pool->op_cap, pool->op_len + (size_t)op_count, sizeof *pool->ops);
    /* 2 * compiled: the second half is the slot-ordered temporary */
    pool->conns = grow(pool->conns, &pool->conn_cap, pool->conn_len + 2 * (size_t)compiled,
                       sizeof *pool->conns);
    pool->conn_op = grow(pool->conn_op, &pool->conn_op_cap, pool->conn_len + (size_t)compiled,
                         sizeof *pool->conn_op);
    /* the value block, then one partial sum per op (scratch of a step) */
    pool->values = grow(pool->values, &pool->value_cap,
                        pool->value_len + (size_t)n + (size_t)op_count, sizeof *pool->values);

    BrainConn *tmp = pool->conns + pool->conn_len + compiled;
    for (int c = 0; c < m; ++c) {
        if (rec[c] < 0) {
            continue;
        }
        BrainConn bc = {.src = src[c], .weight = g->conns[c].weight};
        tmp[fill[dst[c]]++] = bc;
    }
    /* Each op's leading connections from inputs and bias (before its
     * first one from a computed node, in innovation order) come first, all
     * ops together, in evaluation order: the step sums them in one flat
     * loop, since they read nothing the step computes, and then goes on
     * per op with the rest. Every sum keeps its order (bias, then
     * innovation order), so the values are those of one loop per op; only
     * the loop exits that mispredict are fewer. */
    BrainOp *ops = pool->ops + pool->op_len;
    BrainConn *conns = pool->conns + pool->conn_len;
    int32_t *conn_op = pool->conn_op + pool->conn_len;
    int *lead_end = indeg; /* free after step 2 */
    int k = 0, o = 0;
    for (int i = 0; i < n; ++i) {
        int s = order[i];
        if (s <= in) {
            continue;
        }
        int j = first[s];
        for (; j < first[s + 1] && tmp[j].src <= in; ++j) {
            conn_op[k] = o;
            conns[k++] = tmp[j];
        }
        lead_end[s] = j;
        ++o;
    }
    info.from_inputs = k;
    o = 0;
    for (int i = 0; i < n; ++i) {
        int s = order[i];
        if (s <= in) {
            continue; /* inputs and bias are written, not computed */
        }
        for (int j = lead_end[s]; j < first[s + 1]; ++j) {
            conns[k++] = tmp[j];
        }
        BrainOp op = {
            .slot = s, .conn_end = k, .bias = g->nodes[s].bias, .act = g->nodes[s].activation};
        if (first[s] == first[s + 1]) {
            /* no inputs: the value is activation(bias), computed once;
             * identity then copies it */
            op.bias = act_f32(op.act, op.bias);
            op.act = ACT_IDENTITY;
        }
        ops[o++] = op;
    }
    assert(o == op_count && k == compiled);
    memset(pool->values + pool->value_len, 0,
           ((size_t)n + (size_t)op_count) * sizeof *pool->values);

    pool->op_len += (size_t)op_count;
    pool->conn_len += (size_t)compiled;
    pool->value_len += (size_t)n + (size_t)op_count;
    pool->brains[pool->brain_count] = info;
    return pool->brain_count++;
}

/* ------------------------------------------------------------ queries */

static const BrainInfo *info_of(const BrainPool *pool, int brain)
{
    assert(brain >= 0 && brain < pool->brain_count);
    return &pool->brains[brain];
}

int brain_inputs(const BrainPool *pool, int brain)
{
    return info_of(pool, brain)->inputs;
}

int brain_outputs(const BrainPool *pool, int brain)
{
    return info_of(pool, brain)->outputs;
}

int brain_hidden_count(const BrainPool *pool, int brain)
{
    return info_of(pool, brain)->hidden;
}

int brain_conn_count(const BrainPool *pool, int brain)
{
    return info_of(pool, brain)->conn_count;
}

int brain_node_count(const BrainPool *pool, int brain)
{
    return info_of(pool, brain)->node_count;
}

const float *brain_node_values(const BrainPool *pool, int brain)
{
    return pool->values + info_of(pool, brain)->value_off;
}

void brain_to_genome(const BrainPool *pool, int brain, Genome *out, uint8_t *recurrent)
{
    const BrainInfo *b = info_of(pool, brain);
    const int n = b->node_count, in = b->inputs, out_n = b->outputs, m = b->conn_count;
    if (out->node_cap < n) {
        out->nodes = petri_realloc(out->nodes, (size_t)out->node_cap * sizeof(NodeGene),
                                   (size_t)n * sizeof(NodeGene));
        out->node_cap = n;
    }
    if (out->conn_cap < m) {
        out->conns = petri_realloc(out->conns, (size_t)out->conn_cap * sizeof(ConnGene),
                                   (size_t)m * sizeof(ConnGene));
        out->conn_cap = m;
    }
    out->inputs = in;
    out->outputs = out_n;
    out->trait_count = 0;
    out->node_count = n;
    for (int s = 0; s < n; ++s) {
        uint8_t kind = s < in ? NODE_INPUT
                              : (s == in ? NODE_BIAS : (s <= in + out_n ? NODE_OUTPUT : NODE_HIDDEN));
        out->nodes[s] = (NodeGene){.id = (uint32_t)s, .kind = kind, .activation = ACT_IDENTITY};
    }
    const BrainOp *ops = pool->ops + b->op_off;
    const BrainConn *c = pool->conns + b->conn_off;
    const int32_t *co = pool->conn_op + b->conn_off;
    /* position of each slot in evaluation order: inputs and bias first */
    int *pos = petri_alloc((size_t)(n > 0 ? n : 1) * sizeof(int));
    for (int s = 0; s < n; ++s) {
        pos[s] = -1;
    }
    for (int o = 0; o < b->op_count; ++o) {
        pos[ops[o].slot] = o;
        out->nodes[ops[o].slot].activation = (uint8_t)ops[o].act;
        out->nodes[ops[o].slot].bias = ops[o].bias;
    }
    /* the leading connections from inputs name their op in conn_op; the
     * rest follow op by op up to each op's conn_end */
    int k = 0, o = 0;
    for (; k < m; ++k) {
        int op = k < b->from_inputs ? co[k] : -1;
        if (op < 0) {
            while (o < b->op_count && ops[o].conn_end <= k) {
                ++o;
            }
            op = o;
        }
        int dst = ops[op].slot, src = c[k].src;
        out->conns[k] = (ConnGene){.innovation = (uint32_t)k, .from = (uint32_t)src,
                                   .to = (uint32_t)dst, .weight = c[k].weight, .enabled = 1};
        if (recurrent != NULL) {
            recurrent[k] = (uint8_t)(pos[src] >= 0 && pos[src] >= op);
        }
    }
    out->conn_count = m;
    petri_free(pos, (size_t)(n > 0 ? n : 1) * sizeof(int));
}

void brain_reset(BrainPool *pool, int brain)
{
    const BrainInfo *b = info_of(pool, brain);
    memset(pool->values + b->value_off, 0, (size_t)b->node_count * sizeof(float));
}

/* ------------------------------------------------------------ stepping */

/* Copies n floats in blocks of four and then one by one. A plain loop
 * or memcpy of a length known only at run time becomes a call into libc,
 * whose dispatch costs more than the few dozen floats of a brain's rows. */
static inline void copy_floats(float *restrict dst, const float *restrict src, int n)
{
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        float t[4];
        memcpy(t, src + i, sizeof t);
        memcpy(dst + i, t, sizeof t);
        __asm__("" ::: "memory"); /* keeps gcc from folding the loop back into memcpy */
    }
    for (; i < n; ++i) {
        dst[i] = src[i];
        __asm__("" ::: "memory");
    }
}

/* Each 64-byte line of [p, p + bytes). */
static inline void prefetch_lines(const void *p, size_t bytes)
{
    const char *c = p;
    for (size_t i = 0; i < bytes; i += 64) {
        __builtin_prefetch(c + i);
    }
}

void brain_prefetch(const BrainPool *pool, int brain)
{
    const BrainInfo *b = info_of(pool, brain);
    prefetch_lines(pool->ops + b->op_off, sizeof(BrainOp) * (size_t)b->op_count);
    prefetch_lines(pool->conns + b->conn_off, sizeof(BrainConn) * (size_t)b->conn_count);
    prefetch_lines(pool->conn_op + b->conn_off, sizeof(int32_t) * (size_t)b->from_inputs);
    prefetch_lines(pool->values + b->value_off,
                   sizeof(float) * (size_t)(b->node_count + b->op_count));
}

void brain_step(BrainPool *pool, int brain, const float *inputs, float *outputs)
{
    const BrainInfo *b = info_of(pool, brain);
    float *restrict v = pool->values + b->value_off;
    const int in = b->inputs;
    copy_floats(v, inputs, in);
    v[in] = 1.0f;
    const BrainOp *ops = pool->ops + b->op_off;
    const BrainConn *restrict c = pool->conns + b->conn_off;
    const int32_t *restrict co = pool->conn_op + b->conn_off;
    /* the leading connections from inputs of every op in one loop, into
     * per-op partial sums; then each op goes on from its partial sum */
    float *restrict acc = v + b->node_count;
    const int op_count = b->op_count;
    for (int o = 0; o < op_count; ++o) {
        acc[o] = ops[o].bias;
    }
    const int lead = b->from_inputs;
    for (int k = 0; k < lead; ++k) {
        acc[co[k]] += c[k].weight * v[c[k].src];
    }
    int k = lead;
    for (int o = 0; o < op_count; ++o) {
        const BrainOp op = ops[o];
        float s = acc[o];
        for (; k < op.conn_end; ++k) {
            s += c[k].weight * v[c[k].src];
        }
        v[op.slot] = act_f32(op.act, s);
    }
    copy_floats(outputs, v + in + 1, b->outputs);
}

void brain_step_range(BrainPool *pool, int first, int count, const float *inputs,
                      int input_stride, float *outputs, int output_stride)
{
    assert(first >= 0 && count >= 0 && first + count <= pool->brain_count);
#pragma omp parallel for schedule(static) if (count >= 64)
    for (int i = 0; i < count; ++i) {
        brain_step(pool, first + i, inputs + (size_t)i * (size_t)input_stride,
                   outputs + (size_t)i * (size_t)output_stride);
    }
}
