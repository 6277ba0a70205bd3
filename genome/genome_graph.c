/*
 * Graph questions about a genome's connections: does a path exist, is the
 * whole graph acyclic, and the evaluation order every evaluator follows
 * (docs/genome-format.md). Scratch memory is allocated per call: these run
 * when genomes are mutated or compiled, never inside a tick.
 */
#include "genome/genome_internal.h"

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

