/*
 * brain: compiled networks in one pool.
 *
 * Invariants of the pool, which the inner loop relies on:
 *
 * - A brain of N nodes owns a value block of N floats. Node slot s is the
 *   node's index in the genome's node array (sorted by id), so inputs are
 *   slots 0..I-1, the bias node is slot I and outputs are slots I+1..I+O.
 * - Every node that is computed (hidden and output) has one BrainOp. Its
 *   level is 1 above the highest level among its feed-forward sources
 *   (inputs and bias are level 0, a node with none is level 1). The ops
 *   of a brain are in evaluation order: by level, then by activation.
 * - The connections of a brain (both kinds) are one flat array in
 *   evaluation order: by target op, and in innovation order for each op;
 *   each names its source slot and its target op. A BrainLevel marks
 *   where each level's ops and connections end.
 * - A recurrent connection u -> v exists only where v already reaches u
 *   through feed-forward connections (or u == v), so u lies on a level
 *   above v's (or is v): when v's connections are summed, slot u still
 *   holds the previous step's value (0 after brain_reset). One value
 *   block therefore serves both kinds of read, with no copy per step.
 * - A step writes inputs and the bias, sets each op's sum to its bias,
 *   then per level adds the level's connections into their sums in one
 *   flat loop and applies the level's activations. Each sum adds the same
 *   terms in the same order as a loop per node would (bias, then
 *   innovation order), so the bits do not depend on the layout. Nothing
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
    int node_count;    /* N: the value block is N floats, a sink, then op_slots sums */
    int op_count;      /* computed nodes (hidden + output) */
    int op_slots;      /* ops with each level padded to a multiple of BRAIN_LANES */
    int conn_count;    /* compiled (enabled) connections */
    int recurrent;     /* connections that read the previous step */
    int level_count;   /* topological levels of the computed nodes */
    size_t op_off, conn_off, value_off, level_off;
} BrainInfo;

/* Each level's ops could be padded to a multiple of BRAIN_LANES with ops
 * that write into the sink slot (node_count) of the value block, for
 * activations applied several at a time; 1: no padding. */
#define BRAIN_LANES 1

/* A computed node, in evaluation order: by level, then activation. */
typedef struct BrainOp {
    int32_t slot;      /* where the value is written */
    float bias;
    int32_t act;       /* Activation */
    int32_t level;     /* its level (1, 2, ...), for brain_to_genome */
} BrainOp;

/* A connection, in evaluation order: by its target's place in the ops,
 * then innovation order. */
typedef struct BrainConn {
    int32_t src;       /* source slot in the brain's value block */
    int32_t op;        /* target: index of its op (and of its sum) */
    float weight;
} BrainConn;

/* The end of one level: its connections end before conn_end, its ops
 * before op_end (relative to the brain's own arrays). */
typedef struct BrainLevel {
    int32_t conn_end, op_end;
} BrainLevel;

_Static_assert(sizeof(BrainOp) == 16, "BrainOp is 16 bytes");
_Static_assert(sizeof(BrainConn) == 12, "BrainConn is 12 bytes");

struct BrainPool {
    BrainInfo *brains;
    int brain_count, brain_cap;
    BrainOp *ops;
    size_t op_len, op_cap;
    BrainConn *conns;
    size_t conn_len, conn_cap;
    BrainLevel *levels;
    size_t level_len, level_cap;
    float *values;
    size_t value_len, value_cap;
    /* brain_pool_relocate's scratch, kept so that a steady run allocates
     * nothing: one array's new layout, and the brains' order and marks */
    unsigned char *spare;
    size_t spare_cap;
    int32_t *placed;
    uint8_t *placed_seen;
    size_t *new_off;
    size_t placed_cap;
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
    petri_free(pool->levels, pool->level_cap * sizeof *pool->levels);
    petri_free(pool->values, pool->value_cap * sizeof *pool->values);
    petri_free(pool->scratch, pool->scratch_cap);
    petri_free(pool->spare, pool->spare_cap);
    petri_free(pool->placed, pool->placed_cap * sizeof *pool->placed);
    petri_free(pool->placed_seen, pool->placed_cap);
    petri_free(pool->new_off, pool->placed_cap * sizeof *pool->new_off);
    petri_free(pool, sizeof *pool);
}

void brain_pool_clear(BrainPool *pool)
{
    pool->brain_count = 0;
    pool->op_len = 0;
    pool->conn_len = 0;
    pool->level_len = 0;
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
           pool->level_cap * sizeof *pool->levels +
           pool->value_cap * sizeof *pool->values + pool->scratch_cap + pool->spare_cap +
           pool->placed_cap * (sizeof *pool->placed + 1 + sizeof *pool->new_off);
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

/* Scratch of one compilation (brain_pool_add), in the pool's scratch. */
typedef struct Compile {
    const Genome *g;
    int n, m, in;
    /* per node */
    int *head, *seen, *stack, *indeg, *level, *order, *first, *count;
    /* per connection: -1 ignored, 0 feed-forward, 1 recurrent; ends */
    int *rec, *src, *dst, *next;
    int compiled, recurrent, max_level;
} Compile;

static void compile_scratch(BrainPool *pool, const Genome *g, Compile *cx)
{
    const int n = g->node_count, m = g->conn_count;
    /* node arrays n + ACT_COUNT + 2 long: count[] also counts activations */
    size_t nodes = (size_t)(n + ACT_COUNT + 2) * sizeof(int), conns = (size_t)m * sizeof(int) + 1;
    size_t need = 8 * nodes + 4 * conns + 12 * 16;
    if (need > pool->scratch_cap) {
        petri_free(pool->scratch, pool->scratch_cap);
        pool->scratch = petri_alloc(need);
        pool->scratch_cap = need;
    }
    size_t used = 0;
    *cx = (Compile){.g = g, .n = n, .m = m, .in = g->inputs};
    cx->head = scratch_take(pool, &used, nodes);
    cx->seen = scratch_take(pool, &used, nodes);
    cx->stack = scratch_take(pool, &used, nodes);
    cx->indeg = scratch_take(pool, &used, nodes);
    cx->level = scratch_take(pool, &used, nodes);
    cx->order = scratch_take(pool, &used, nodes);
    cx->first = scratch_take(pool, &used, nodes);
    cx->count = scratch_take(pool, &used, nodes);
    cx->rec = scratch_take(pool, &used, conns);
    cx->src = scratch_take(pool, &used, conns);
    cx->dst = scratch_take(pool, &used, conns);
    cx->next = scratch_take(pool, &used, conns);
}

/* 1. Which connections are compiled, and which of them are recurrent
 * (the rule at the top of this file); counts each node's compiled
 * inputs in first[] and its feed-forward ones in indeg[]. */
static void classify_conns(Compile *cx)
{
    const Genome *g = cx->g;
    for (int i = 0; i <= cx->n; ++i) {
        cx->head[i] = -1;
        cx->seen[i] = 0;
        cx->indeg[i] = 0;
        cx->first[i] = 0;
    }
    for (int c = 0; c < cx->m; ++c) {
        const ConnGene *cg = &g->conns[c];
        cx->rec[c] = -1;
        if (!cg->enabled) {
            continue;
        }
        int u = genome_find_node(g, cg->from), v = genome_find_node(g, cg->to);
        assert(u >= 0 && v >= 0);
        uint8_t kind = g->nodes[v].kind;
        if (kind == NODE_INPUT || kind == NODE_BIAS) {
            continue;
        }
        cx->src[c] = u;
        cx->dst[c] = v;
        cx->first[v + 1]++;
        ++cx->compiled;
        if (u == v ||
            graph_reaches(v, u, cx->head, cx->next, cx->dst, cx->seen, c + 1, cx->stack)) {
            cx->rec[c] = 1;
            ++cx->recurrent;
            continue;
        }
        cx->rec[c] = 0;
        cx->next[c] = cx->head[u];
        cx->head[u] = c;
        cx->indeg[v]++;
    }
}

/* 2. Levels: inputs and bias 0, a computed node one more than the
 * highest of its feed-forward sources (at least 1), by Kahn's algorithm.
 * A recurrent connection's source lies on a level above its target's or
 * is the target itself (its target reaches it), so it is written after
 * the target has read it: it reads the previous step's value. */
static void node_levels(Compile *cx)
{
    int *queue = cx->stack;
    int qh = 0, qt = 0;
    for (int i = 0; i < cx->n; ++i) {
        cx->level[i] = i <= cx->in ? 0 : 1;
        if (cx->indeg[i] == 0) {
            queue[qt++] = i;
        }
    }
    cx->max_level = 0;
    while (qh < qt) {
        int u = queue[qh++];
        cx->max_level = cx->level[u] > cx->max_level ? cx->level[u] : cx->max_level;
        for (int e = cx->head[u]; e >= 0; e = cx->next[e]) {
            int v = cx->dst[e];
            cx->level[v] = cx->level[v] > cx->level[u] + 1 ? cx->level[v] : cx->level[u] + 1;
            if (--cx->indeg[v] == 0) {
                queue[qt++] = v;
            }
        }
    }
    assert(qt == cx->n);
}

/* A node without compiled inputs is a constant: activation(bias), kept
 * with the identity. Reads first[] as counts (before lay_out's sums). */
static int effective_act(const Compile *cx, int s)
{
    return cx->first[s + 1] > 0 ? (int)cx->g->nodes[s].activation : (int)ACT_IDENTITY;
}

/* 3. Evaluation order of the computed nodes: by level, then activation
 * (runs of one activation keep the jump on it predicted), then slot; two
 * stable counting sorts. Any order in which every level follows the
 * ones below gives the same values. order[] gets the op_count slots. */
static void eval_order(Compile *cx)
{
    const int ops = cx->n - cx->in - 1;
    int *tmp = cx->seen; /* free after classify_conns */
    int *cnt = cx->count;
    int keys = ACT_COUNT > cx->max_level + 1 ? ACT_COUNT : cx->max_level + 1;
    assert(keys <= cx->n + ACT_COUNT + 1);
    for (int pass = 0; pass < 2; ++pass) {
        for (int k = 0; k <= keys; ++k) {
            cnt[k] = 0;
        }
        for (int i = 0; i < ops; ++i) {
            int s = pass == 0 ? cx->in + 1 + i : tmp[i];
            cnt[(pass == 0 ? effective_act(cx, s) : cx->level[s]) + 1]++;
        }
        for (int k = 0; k < keys; ++k) {
            cnt[k + 1] += cnt[k];
        }
        for (int i = 0; i < ops; ++i) {
            int s = pass == 0 ? cx->in + 1 + i : tmp[i];
            int key = pass == 0 ? effective_act(cx, s) : cx->level[s];
            (pass == 0 ? tmp : cx->order)[cnt[key]++] = s;
        }
    }
}

/* Makes room in the pool for one more brain of these sizes. */
static void pool_reserve(BrainPool *pool, int ops, int conns, int values, int levels)
{
    if (pool->brain_count == pool->brain_cap) {
        int cap = pool->brain_cap < 16 ? 16 : pool->brain_cap * 2;
        pool->brains = petri_realloc(pool->brains, (size_t)pool->brain_cap * sizeof *pool->brains,
                                     (size_t)cap * sizeof *pool->brains);
        pool->brain_cap = cap;
    }
    pool->ops = grow(pool->ops, &pool->op_cap, pool->op_len + (size_t)ops, sizeof *pool->ops);
    pool->conns =
        grow(pool->conns, &pool->conn_cap, pool->conn_len + (size_t)conns, sizeof *pool->conns);
    pool->levels = grow(pool->levels, &pool->level_cap, pool->level_len + (size_t)levels,
                        sizeof *pool->levels);
    pool->values = grow(pool->values, &pool->value_cap, pool->value_len + (size_t)values,
                        sizeof *pool->values);
}

/* 4. The brain's ops, connections and levels into the pool: for each op
 * in evaluation order its connections in innovation order (so every sum
 * adds the same terms in the same order as one loop per node). */
static void lay_out(BrainPool *pool, Compile *cx, const BrainInfo *info)
{
    const int n = cx->n, ops_n = info->op_count;
    int *first = cx->first;
    for (int i = 0; i < n; ++i) {
        first[i + 1] += first[i];
    }
    int *by_target = cx->next; /* free after node_levels: connections by target */
    for (int i = 0; i < n; ++i) {
        cx->count[i] = first[i];
    }
    for (int c = 0; c < cx->m; ++c) {
        if (cx->rec[c] >= 0) {
            by_target[cx->count[cx->dst[c]]++] = c;
        }
    }
    BrainOp *ops = pool->ops + info->op_off;
    BrainConn *conns = pool->conns + info->conn_off;
    BrainLevel *levels = pool->levels + info->level_off;
    int k = 0, lv = 0, slot = 0; /* slot: the op's index with padding */
    for (int o = 0; o < ops_n; ++o) {
        int s = cx->order[o];
        for (int j = first[s]; j < first[s + 1]; ++j) {
            int c = by_target[j];
            conns[k++] =
                (BrainConn){.src = cx->src[c], .op = slot, .weight = cx->g->conns[c].weight};
        }
        int act = cx->g->nodes[s].activation;
        BrainOp op = {.slot = s, .bias = cx->g->nodes[s].bias, .act = act, .level = cx->level[s]};
        if (first[s] == first[s + 1]) {
            op.bias = act_f32(act, op.bias); /* a constant (effective_act) */
            op.act = ACT_IDENTITY;
        }
        ops[slot++] = op;
        if (o + 1 == ops_n || cx->level[cx->order[o + 1]] != op.level) {
            for (; slot % BRAIN_LANES != 0; ++slot) {
                ops[slot] = (BrainOp){.slot = n, .act = ACT_IDENTITY, .level = op.level};
            }
            levels[lv++] = (BrainLevel){.conn_end = k, .op_end = slot};
        }
    }
    assert(k == info->conn_count && lv == info->level_count && slot == info->op_slots);
}

int brain_pool_add(BrainPool *pool, const Genome *g)
{
    const int n = g->node_count, in = g->inputs, out = g->outputs;
    assert(n >= in + 1 + out);
    /* The genome's id convention puts inputs, bias, outputs first. */
    for (int i = 0; i < in + 1 + out; ++i) {
        assert(g->nodes[i].kind == (i < in ? NODE_INPUT : i == in ? NODE_BIAS : NODE_OUTPUT));
    }
    Compile cx;
    compile_scratch(pool, g, &cx);
    classify_conns(&cx);
    node_levels(&cx);
    eval_order(&cx);
    const int op_count = n - in - 1;
    int level_count = 0, op_slots = 0;
    for (int o = 0, run = 0; o < op_count; ++o) {
        ++run;
        if (o + 1 == op_count || cx.level[cx.order[o + 1]] != cx.level[cx.order[o]]) {
            ++level_count;
            op_slots += (run + BRAIN_LANES - 1) / BRAIN_LANES * BRAIN_LANES;
            run = 0;
        }
    }
    BrainInfo info = {
        .inputs = in,
        .outputs = out,
        .hidden = n - in - 1 - out,
        .node_count = n,
        .op_count = op_count,
        .op_slots = op_slots,
        .conn_count = cx.compiled,
        .recurrent = cx.recurrent,
        .level_count = level_count,
        .op_off = pool->op_len,
        .conn_off = pool->conn_len,
        .value_off = pool->value_len,
        .level_off = pool->level_len,
    };
    /* the value block, the sink, then one sum per op (scratch of a step) */
    const size_t values = (size_t)n + 1 + (size_t)op_slots;
    pool_reserve(pool, op_slots, cx.compiled, (int)values, level_count);
    lay_out(pool, &cx, &info);
    memset(pool->values + pool->value_len, 0, values * sizeof *pool->values);
    pool->op_len += (size_t)op_slots;
    pool->conn_len += (size_t)cx.compiled;
    pool->level_len += (size_t)level_count;
    pool->value_len += values;
    pool->brains[pool->brain_count] = info;
    return pool->brain_count++;
}

/* ------------------------------------------------------------ layout */

/* The order in which brain_pool_relocate lays brains out: the brains
 * named (first time only), then the rest by index. Writes brain_count
 * indexes into placed (whose marks it uses as scratch). */
static void relocation_order(const BrainPool *pool, const int32_t *order, int count,
                             int32_t *placed, uint8_t *seen)
{
    memset(seen, 0, (size_t)pool->brain_count);
    int k = 0;
    for (int i = 0; i < count; ++i) {
        int b = order[i];
        if (b >= 0 && b < pool->brain_count && !seen[b]) {
            seen[b] = 1;
            placed[k++] = b;
        }
    }
    for (int b = 0; b < pool->brain_count; ++b) {
        if (!seen[b]) {
            placed[k++] = b;
        }
    }
    assert(k == pool->brain_count);
}

/* Copies each brain's block of one array into the spare buffer in the
 * order placed[] (new offsets by a serial prefix sum, the copies in
 * parallel: brains share nothing), then back over the array, and moves
 * the offsets. */
#define BRAIN_RELOCATE(pool, arr, len, off, size_of)                                            \
    do {                                                                                       \
        __typeof__(pool->arr) fresh = (__typeof__(pool->arr))(void *)pool->spare;             \
        const int nb = pool->brain_count;                                                      \
        size_t at = 0;                                                                         \
        for (int i = 0; i < nb; ++i) {                                                         \
            const BrainInfo *bi = &pool->brains[pool->placed[i]];                              \
            pool->new_off[i] = at;                                                             \
            at += (size_t)(size_of);                                                           \
        }                                                                                      \
        assert(at == pool->len);                                                               \
        _Pragma("omp parallel for schedule(static) if (nb > 4096)")                           \
        for (int i = 0; i < nb; ++i) {                                                         \
            const BrainInfo *bi = &pool->brains[pool->placed[i]];                              \
            copy_items(fresh + pool->new_off[i], pool->arr + bi->off,                         \
                       (size_t)(size_of) * sizeof *pool->arr);                                 \
        }                                                                                      \
        copy_parallel(pool->arr, fresh, at * sizeof *pool->arr);                               \
        for (int i = 0; i < nb; ++i) {                                                         \
            pool->brains[pool->placed[i]].off = pool->new_off[i];                              \
        }                                                                                      \
    } while (0)

/* memcpy that accepts 0 bytes from anywhere. */
static inline void copy_items(void *dst, const void *src, size_t bytes)
{
    if (bytes > 0) {
        memcpy(dst, src, bytes);
    }
}

/* memcpy in 64 parts on all threads (large pools). */
static void copy_parallel(void *dst, const void *src, size_t bytes)
{
    enum { PARTS = 64 };
    size_t part = (bytes / PARTS + 63u) & ~(size_t)63u;
#pragma omp parallel for schedule(static) if (bytes > ((size_t)1 << 20))
    for (int p = 0; p < PARTS; ++p) {
        size_t lo = (size_t)p * part;
        size_t hi = lo + part < bytes ? lo + part : bytes;
        if (lo < hi) {
            memcpy((char *)dst + lo, (const char *)src + lo, hi - lo);
        }
    }
}

/* The spare buffer and the order arrays grown to the capacities of the
 * pool's arrays (so they grow only when those grow: by doubling). */
static void relocation_scratch(BrainPool *pool)
{
    size_t bytes = pool->op_cap * sizeof *pool->ops;
    size_t more[3] = {pool->conn_cap * sizeof *pool->conns,
                      pool->level_cap * sizeof *pool->levels,
                      pool->value_cap * sizeof *pool->values};
    for (int i = 0; i < 3; ++i) {
        bytes = more[i] > bytes ? more[i] : bytes;
    }
    pool->spare = grow(pool->spare, &pool->spare_cap, bytes, 1);
    size_t nb = (size_t)pool->brain_cap, cap = pool->placed_cap, cap2 = pool->placed_cap;
    pool->placed = grow(pool->placed, &pool->placed_cap, nb, sizeof *pool->placed);
    pool->placed_seen = grow(pool->placed_seen, &cap, nb, 1);
    pool->new_off = grow(pool->new_off, &cap2, nb, sizeof *pool->new_off);
}

void brain_pool_relocate(BrainPool *pool, const int32_t *order, int count)
{
    if (pool->brain_count == 0) {
        return;
    }
    relocation_scratch(pool);
    relocation_order(pool, order, count, pool->placed, pool->placed_seen);
    BRAIN_RELOCATE(pool, ops, op_len, op_off, bi->op_slots);
    BRAIN_RELOCATE(pool, conns, conn_len, conn_off, bi->conn_count);
    BRAIN_RELOCATE(pool, levels, level_len, level_off, bi->level_count);
    BRAIN_RELOCATE(pool, values, value_len, value_off, bi->node_count + 1 + bi->op_slots);
}

#undef BRAIN_RELOCATE

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
    /* the level of each slot: inputs and bias 0 */
    int *level = petri_alloc((size_t)(n > 0 ? n : 1) * sizeof(int));
    for (int s = 0; s < n; ++s) {
        level[s] = 0;
    }
    for (int o = 0; o < b->op_slots; ++o) {
        if (ops[o].slot == n) {
            continue; /* padding */
        }
        level[ops[o].slot] = ops[o].level;
        out->nodes[ops[o].slot].activation = (uint8_t)ops[o].act;
        out->nodes[ops[o].slot].bias = ops[o].bias;
    }
    for (int k = 0; k < m; ++k) {
        const BrainOp *op = &ops[c[k].op];
        int src = c[k].src;
        out->conns[k] = (ConnGene){.innovation = (uint32_t)k, .from = (uint32_t)src,
                                   .to = (uint32_t)op->slot, .weight = c[k].weight, .enabled = 1};
        if (recurrent != NULL) {
            /* a source on the target's level or above is written after the read */
            recurrent[k] = (uint8_t)(level[src] >= op->level);
        }
    }
    out->conn_count = m;
    petri_free(level, (size_t)(n > 0 ? n : 1) * sizeof(int));
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
    prefetch_lines(pool->ops + b->op_off, sizeof(BrainOp) * (size_t)b->op_slots);
    prefetch_lines(pool->conns + b->conn_off, sizeof(BrainConn) * (size_t)b->conn_count);
    prefetch_lines(pool->levels + b->level_off, sizeof(BrainLevel) * (size_t)b->level_count);
    prefetch_lines(pool->values + b->value_off,
                   sizeof(float) * (size_t)(b->node_count + 1 + b->op_slots));
}

/* The activations of ops [o, end) from their sums into their slots. The
 * ops of a level are sorted by activation, so the jump on it is taken the
 * same way as for the op before more often than in slot order. (Four ops
 * at a time without a branch, all activations formed and picked by
 * masks, cost more than the jumps' mispredictions: random brains of
 * `standard-3k` have about seven levels of one or two ops, so four
 * lanes ran 30 lane-slots for 11 ops, 1,402 instructions per step
 * against 1,036; docs/performance.md.) */
static inline void activate_ops(const BrainOp *restrict ops, const float *restrict acc,
                                float *restrict v, int o, int end)
{
    for (; o < end; ++o) {
        v[ops[o].slot] = act_f32(ops[o].act, acc[o]);
    }
}

/* One step: every op's sum starts at its bias; then level by level the
 * level's connections add into their ops' sums in one flat loop (in
 * innovation order per op, so each sum's bits are those of one loop per
 * node) and the level's activations are applied. No loop per node. */
void brain_step(BrainPool *pool, int brain, const float *inputs, float *outputs)
{
    const BrainInfo *b = info_of(pool, brain);
    float *restrict v = pool->values + b->value_off;
    const int in = b->inputs;
    copy_floats(v, inputs, in);
    v[in] = 1.0f;
    const BrainOp *restrict ops = pool->ops + b->op_off;
    const BrainConn *restrict c = pool->conns + b->conn_off;
    const BrainLevel *restrict levels = pool->levels + b->level_off;
    float *restrict acc = v + b->node_count + 1;
    const int op_slots = b->op_slots;
    for (int o = 0; o < op_slots; ++o) {
        acc[o] = ops[o].bias;
    }
    int k = 0, o = 0;
    for (int l = 0; l < b->level_count; ++l) {
        const BrainLevel lv = levels[l];
        for (; k < lv.conn_end; ++k) {
            acc[c[k].op] += c[k].weight * v[c[k].src];
        }
        activate_ops(ops, acc, v, o, lv.op_end);
        o = lv.op_end;
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
