/*
 * Mutation operators and the innovation registry.
 *
 * The registry hands out connection innovations and hidden node ids. A
 * per-generation cache gives the same ids to the same structural change
 * made by several children of one generation (the same from->to
 * connection, or the split of the same connection), which is what lets
 * crossover align their genes. Children are mutated serially in child
 * order, so the ids never depend on threads.
 *
 * Islands (several runs that trade genomes) give each registry a
 * namespace: island k hands out new ids from k * INNOVATION_NAMESPACE_SPAN
 * on, so the same id never means two different genes. Ids below the span
 * of island 0 that every minimal genome shares stay common. Observing a
 * migrant moves the counters only for ids of the registry's own
 * namespace. Namespace 0 is the plain single-run registry, unchanged.
 */
#include "genome/genome_internal.h"

#include <math.h>
#include <string.h>

enum { CHANGE_CONN = 0, CHANGE_SPLIT = 1 };

typedef struct Change {
    uint32_t kind;      /* CHANGE_CONN: a=from, b=to; CHANGE_SPLIT: a=split innovation */
    uint32_t a, b;
    uint32_t innov1;    /* the connection, or the in-connection of a split */
    uint32_t innov2;    /* the out-connection of a split */
    uint32_t node;      /* the node of a split */
} Change;

struct InnovationRegistry {
    int inputs, outputs;
    uint32_t next_innovation;
    uint32_t next_node;
    uint32_t ns_lo, ns_hi;      /* ids of this registry's namespace: [lo, hi) */
    Change *cache;
    int cache_count, cache_cap;
};

InnovationRegistry *innovation_registry_create(int inputs, int outputs)
{
    InnovationRegistry *reg = petri_calloc(1, sizeof *reg);
    reg->inputs = inputs;
    reg->outputs = outputs;
    /* Minimal genomes use innovations 0 .. (inputs+1)*outputs-1. */
    reg->next_innovation = (uint32_t)((inputs + 1) * outputs);
    reg->next_node = (uint32_t)(inputs + 1 + outputs);
    reg->ns_lo = 0;
    reg->ns_hi = UINT32_MAX; /* a plain run: no namespace */
    return reg;
}

PetriStatus innovation_registry_set_namespace(InnovationRegistry *reg, int ns, PetriError *err)
{
    if (ns < 0 || ns >= INNOVATION_NAMESPACES) {
        return error_add(err, PETRI_EUSAGE, "innovation namespace %d is outside [0, %d)", ns,
                         INNOVATION_NAMESPACES);
    }
    uint32_t lo = (uint32_t)ns * INNOVATION_NAMESPACE_SPAN;
    reg->ns_lo = lo;
    reg->ns_hi = lo + INNOVATION_NAMESPACE_SPAN;
    /* A fresh registry (or one loaded from this island's checkpoint,
     * whose counters already lie in the namespace) starts or stays in it. */
    if (reg->next_innovation < lo) {
        reg->next_innovation = lo;
    }
    if (reg->next_node < lo) {
        reg->next_node = lo;
    }
    if (reg->next_innovation >= reg->ns_hi || reg->next_node >= reg->ns_hi) {
        return error_add(err, PETRI_EFORMAT,
                         "innovation ids %u and node ids %u lie outside namespace %d",
                         reg->next_innovation, reg->next_node, ns);
    }
    return PETRI_OK;
}

void innovation_registry_destroy(InnovationRegistry *reg)
{
    if (reg == NULL) {
        return;
    }
    petri_free(reg->cache, (size_t)reg->cache_cap * sizeof(Change));
    petri_free(reg, sizeof *reg);
}

void innovation_registry_next_generation(InnovationRegistry *reg)
{
    reg->cache_count = 0;
}

void innovation_registry_observe(InnovationRegistry *reg, const Genome *g)
{
    for (int i = 0; i < g->node_count; ++i) {
        uint32_t id = g->nodes[i].id;
        if (id >= reg->next_node && id < reg->ns_hi) {
            reg->next_node = id + 1;
        }
    }
    for (int i = 0; i < g->conn_count; ++i) {
        uint32_t id = g->conns[i].innovation;
        if (id >= reg->next_innovation && id < reg->ns_hi) {
            reg->next_innovation = id + 1;
        }
    }
}

uint32_t innovation_registry_next_innovation(const InnovationRegistry *reg)
{
    return reg->next_innovation;
}

uint32_t innovation_registry_next_node(const InnovationRegistry *reg)
{
    return reg->next_node;
}

static void registry_remember(InnovationRegistry *reg, Change c)
{
    if (reg->cache_count == reg->cache_cap) {
        int cap = reg->cache_cap > 0 ? reg->cache_cap * 2 : 64;
        reg->cache = petri_realloc(reg->cache, (size_t)reg->cache_cap * sizeof(Change),
                                   (size_t)cap * sizeof(Change));
        reg->cache_cap = cap;
    }
    reg->cache[reg->cache_count++] = c;
}

static const Change *registry_find(const InnovationRegistry *reg, uint32_t kind, uint32_t a,
                                   uint32_t b)
{
    for (int i = 0; i < reg->cache_count; ++i) {
        const Change *c = &reg->cache[i];
        if (c->kind == kind && c->a == a && c->b == b) {
            return c;
        }
    }
    return NULL;
}

void innovation_registry_save(const InnovationRegistry *reg, ByteBuf *out)
{
    buf_put_u32(out, (uint32_t)reg->inputs);
    buf_put_u32(out, (uint32_t)reg->outputs);
    buf_put_u32(out, reg->next_innovation);
    buf_put_u32(out, reg->next_node);
    buf_put_u32(out, (uint32_t)reg->cache_count);
    for (int i = 0; i < reg->cache_count; ++i) {
        const Change *c = &reg->cache[i];
        buf_put_u32(out, c->kind);
        buf_put_u32(out, c->a);
        buf_put_u32(out, c->b);
        buf_put_u32(out, c->innov1);
        buf_put_u32(out, c->innov2);
        buf_put_u32(out, c->node);
    }
}

PetriStatus innovation_registry_load(InnovationRegistry *reg, ByteReader *r, PetriError *err)
{
    uint32_t inputs, outputs, next_innov, next_node, count;
    if (!reader_u32(r, &inputs) || !reader_u32(r, &outputs) || !reader_u32(r, &next_innov) ||
        !reader_u32(r, &next_node) || !reader_u32(r, &count)) {
        return error_add(err, PETRI_EFORMAT, "innovation registry: truncated");
    }
    if ((int)inputs != reg->inputs || (int)outputs != reg->outputs) {
        return error_add(err, PETRI_EFORMAT,
                         "innovation registry: shape %u x %u, expected %d x %d", inputs, outputs,
                         reg->inputs, reg->outputs);
    }
    if (next_node < (uint32_t)(reg->inputs + 1 + reg->outputs) ||
        next_innov < (uint32_t)((reg->inputs + 1) * reg->outputs)) {
        return error_add(err, PETRI_EFORMAT, "innovation registry: counters below the minimum");
    }
    if ((size_t)count > (r->len - r->pos) / 24) {
        return error_add(err, PETRI_EFORMAT, "innovation registry: %u cached changes do not fit "
                         "in the remaining bytes", count);
    }
    reg->next_innovation = next_innov;
    reg->next_node = next_node;
    /* The namespace is where the saved counters lie: the genomes loaded
     * next may hold migrants' ids of other namespaces, which observing
     * them must not take in (a plain run's counters lie in namespace 0,
     * and all its ids below them). */
    reg->ns_lo = next_innov / INNOVATION_NAMESPACE_SPAN * INNOVATION_NAMESPACE_SPAN;
    reg->ns_hi = reg->ns_lo + INNOVATION_NAMESPACE_SPAN;
    reg->cache_count = 0;
    for (uint32_t i = 0; i < count; ++i) {
        Change c;
        reader_u32(r, &c.kind);
        reader_u32(r, &c.a);
        reader_u32(r, &c.b);
        reader_u32(r, &c.innov1);
        reader_u32(r, &c.innov2);
        reader_u32(r, &c.node);
        if (c.kind > CHANGE_SPLIT || c.innov1 >= next_innov || c.innov2 >= next_innov ||
            (c.kind == CHANGE_SPLIT && c.node >= next_node)) {
            return error_add(err, PETRI_EFORMAT, "innovation registry: cached change %u is invalid",
                             i);
        }
        registry_remember(reg, c);
    }
    if (r->bad) {
        return error_add(err, PETRI_EFORMAT, "innovation registry: truncated");
    }
    return PETRI_OK;
}

/* ---------------------------------------------------------------- weights */

void genome_mutate_weights(Genome *g, const NeatDef *def, Pcg32 *rng)
{
    bool every = def->weight_gene_rate >= 1.0; /* no draw: the paper's stream */
    for (int i = 0; i < g->conn_count; ++i) {
        ConnGene *c = &g->conns[i];
        if (!every && pcg32_double(rng) >= def->weight_gene_rate) {
            continue;
        }
        double w;
        if (pcg32_double(rng) < def->weight_perturb_rate) {
            w = (double)c->weight + pcg32_normal(rng) * def->weight_sigma;
        } else {
            w = pcg32_normal(rng) * def->weight_init_sigma;
        }
        c->weight = genome_clampf(w, def->weight_range);
    }
}

void genome_mutate_biases(Genome *g, const NeatDef *def, Pcg32 *rng)
{
    for (int i = g->inputs + 1; i < g->node_count; ++i) {
        NodeGene *n = &g->nodes[i];
        n->bias = genome_clampf((double)n->bias + pcg32_normal(rng) * def->bias_sigma,
                                def->weight_range);
    }
}

void genome_mutate_traits(Genome *g, const NeatDef *def, Pcg32 *rng)
{
    for (int t = 0; t < g->trait_count; ++t) {
        double v = (double)g->traits[t] + pcg32_normal(rng) * def->trait_sigma;
        g->traits[t] = (float)(v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
    }
}

bool genome_mutate_toggle(Genome *g, Pcg32 *rng)
{
    if (g->conn_count == 0) {
        return false;
    }
    ConnGene *c = &g->conns[pcg32_bounded(rng, (uint32_t)g->conn_count)];
    c->enabled = !c->enabled;
    return true;
}

bool genome_mutate_activation(Genome *g, Pcg32 *rng)
{
    int hidden = genome_hidden_count(g);
    if (hidden == 0) {
        return false;
    }
    int fixed = g->inputs + 1 + g->outputs;
    NodeGene *n = &g->nodes[fixed + (int)pcg32_bounded(rng, (uint32_t)hidden)];
    /* A different activation, uniformly among the others. */
    int a = (int)pcg32_bounded(rng, ACT_COUNT - 1);
    if (a >= n->activation) {
        ++a;
    }
    n->activation = (uint8_t)a;
    return true;
}

/* ---------------------------------------------------------------- structure */

bool genome_mutate_add_node(Genome *g, const NeatDef *def, InnovationRegistry *reg, Pcg32 *rng)
{
    /* Candidates: enabled connections, preferring those not from the bias
     * node (a node fed only by the bias is a constant). */
    uint32_t bias_id = (uint32_t)g->inputs;
    int enabled = 0, nonbias = 0;
    for (int i = 0; i < g->conn_count; ++i) {
        if (g->conns[i].enabled) {
            ++enabled;
            nonbias += g->conns[i].from != bias_id;
        }
    }
    if (enabled == 0) {
        return false;
    }
    bool skip_bias = nonbias > 0;
    int pick = (int)pcg32_bounded(rng, (uint32_t)(skip_bias ? nonbias : enabled));
    int ci = -1;
    for (int i = 0; i < g->conn_count; ++i) {
        if (g->conns[i].enabled && !(skip_bias && g->conns[i].from == bias_id) && pick-- == 0) {
            ci = i;
            break;
        }
    }
    ConnGene old = g->conns[ci];
    g->conns[ci].enabled = 0;

    uint32_t node, in_innov, out_innov;
    const Change *cached = registry_find(reg, CHANGE_SPLIT, old.innovation, 0);
    if (cached != NULL && genome_find_node(g, cached->node) < 0) {
        node = cached->node;
        in_innov = cached->innov1;
        out_innov = cached->innov2;
    } else {
        node = reg->next_node++;
        in_innov = reg->next_innovation++;
        out_innov = reg->next_innovation++;
        if (cached == NULL) {
            Change c = {CHANGE_SPLIT, old.innovation, 0, in_innov, out_innov, node};
            registry_remember(reg, c);
        }
    }
    NodeGene n = {.id = node, .kind = NODE_HIDDEN, .activation = (uint8_t)def->hidden_activation};
    genome_insert_node(g, n);
    ConnGene a = {.innovation = in_innov, .from = old.from, .to = node, .weight = 1.0f,
                  .enabled = 1};
    ConnGene b = {.innovation = out_innov, .from = node, .to = old.to, .weight = old.weight,
                  .enabled = 1};
    genome_insert_conn(g, a);
    genome_insert_conn(g, b);
    return true;
}

bool genome_mutate_add_conn(Genome *g, const NeatDef *def, InnovationRegistry *reg, Pcg32 *rng)
{
    int first_target = g->inputs + 1;
    int targets = g->node_count - first_target;
    if (targets <= 0) {
        return false;
    }
    for (int attempt = 0; attempt < 20; ++attempt) {
        int a = (int)pcg32_bounded(rng, (uint32_t)g->node_count);
        int b = first_target + (int)pcg32_bounded(rng, (uint32_t)targets);
        uint32_t from = g->nodes[a].id, to = g->nodes[b].id;
        if (genome_find_conn(g, from, to) >= 0) {
            continue;
        }
        if (!def->allow_recurrent && genome_path_exists(g, b, a)) {
            continue; /* b already reaches a (or a == b): from->to closes a cycle */
        }
        /* An input (or bias) -> output connection has the innovation that
         * genome_init_minimal gives it, whether or not founders had it. */
        bool founder = from <= (uint32_t)g->inputs && to > (uint32_t)g->inputs &&
                       to <= (uint32_t)(g->inputs + g->outputs);
        const Change *cached = founder ? NULL : registry_find(reg, CHANGE_CONN, from, to);
        uint32_t innov = founder ? from * (uint32_t)g->outputs + (to - (uint32_t)g->inputs - 1)
                         : cached != NULL ? cached->innov1 : reg->next_innovation++;
        if (!founder && cached == NULL) {
            Change c = {CHANGE_CONN, from, to, innov, 0, 0};
            registry_remember(reg, c);
        }
        ConnGene c = {
            .innovation = innov,
            .from = from,
            .to = to,
            .weight = genome_clampf(pcg32_normal(rng) * def->weight_init_sigma, def->weight_range),
            .enabled = 1,
        };
        genome_insert_conn(g, c);
        return true;
    }
    return false;
}

void genome_mutate(Genome *g, const NeatDef *def, InnovationRegistry *reg, Pcg32 *rng)
{
    if (pcg32_double(rng) < def->add_node_rate) {
        genome_mutate_add_node(g, def, reg, rng);
        return;
    }
    if (pcg32_double(rng) < def->add_conn_rate) {
        genome_mutate_add_conn(g, def, reg, rng);
        return;
    }
    if (pcg32_double(rng) < def->weight_mutate_rate) {
        genome_mutate_weights(g, def, rng);
    }
    if (pcg32_double(rng) < def->toggle_conn_rate) {
        genome_mutate_toggle(g, rng);
    }
    if (pcg32_double(rng) < def->activation_mutate_rate) {
        genome_mutate_activation(g, rng);
    }
    if (pcg32_double(rng) < def->bias_mutate_rate) {
        genome_mutate_biases(g, def, rng);
    }
    /* drawn only for genomes with traits, so that trait-less runs keep
     * their stream */
    if (g->trait_count > 0 && pcg32_double(rng) < def->trait_mutate_rate) {
        genome_mutate_traits(g, def, rng);
    }
}
