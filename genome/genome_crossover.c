/*
 * Crossover and compatibility distance: linear merges over connection
 * genes sorted by innovation.
 *
 * The child takes the fitter parent's structure (its nodes and its
 * connection genes, disjoint and excess included), so a valid fitter
 * parent gives a valid child: no duplicate, no dangling node, and no new
 * cycle, because the set of from->to pairs is exactly the fitter parent's.
 */
#include "genome/genome_internal.h"

#include <math.h>

void genome_crossover(Genome *child, const Genome *fitter, const Genome *other,
                      const NeatDef *def, Pcg32 *rng)
{
    genome_copy(child, fitter);
    /* Nodes present in both: activation and bias from either parent. */
    for (int i = fitter->inputs + 1; i < child->node_count; ++i) {
        int j = genome_find_node(other, child->nodes[i].id);
        if (j >= 0 && (pcg32_next(rng) & 1u)) {
            child->nodes[i].activation = other->nodes[j].activation;
            child->nodes[i].bias = other->nodes[j].bias;
        }
    }
    int j = 0;
    for (int i = 0; i < child->conn_count; ++i) {
        ConnGene *c = &child->conns[i];
        while (j < other->conn_count && other->conns[j].innovation < c->innovation) {
            ++j;
        }
        bool disabled = !c->enabled;
        if (j < other->conn_count && other->conns[j].innovation == c->innovation) {
            const ConnGene *o = &other->conns[j];
            if (pcg32_next(rng) & 1u) {
                c->weight = o->weight;
            }
            disabled = disabled || !o->enabled;
        }
        if (disabled) {
            c->enabled = pcg32_double(rng) < def->disabled_inherit_rate ? 0 : 1;
        }
    }
    /* Traits: each from either parent when both have it. */
    for (int t = 0; t < child->trait_count && t < other->trait_count; ++t) {
        if (pcg32_next(rng) & 1u) {
            child->traits[t] = other->traits[t];
        }
    }
}

double genome_distance(const Genome *a, const Genome *b, const NeatDef *def)
{
    int i = 0, j = 0;
    int matching = 0, disjoint = 0, excess = 0;
    double wdiff = 0.0;
    uint32_t amax = a->conn_count > 0 ? a->conns[a->conn_count - 1].innovation : 0;
    uint32_t bmax = b->conn_count > 0 ? b->conns[b->conn_count - 1].innovation : 0;
    while (i < a->conn_count || j < b->conn_count) {
        if (i < a->conn_count && j < b->conn_count &&
            a->conns[i].innovation == b->conns[j].innovation) {
            wdiff += fabs((double)a->conns[i].weight - (double)b->conns[j].weight);
            ++matching;
            ++i;
            ++j;
        } else if (j >= b->conn_count ||
                   (i < a->conn_count && a->conns[i].innovation < b->conns[j].innovation)) {
            if (b->conn_count == 0 || a->conns[i].innovation > bmax) {
                ++excess;
            } else {
                ++disjoint;
            }
            ++i;
        } else {
            if (a->conn_count == 0 || b->conns[j].innovation > amax) {
                ++excess;
            } else {
                ++disjoint;
            }
            ++j;
        }
    }
    int larger = a->conn_count > b->conn_count ? a->conn_count : b->conn_count;
    double n = larger < 20 || def->compat_normalize == NEAT_NORM_NONE ? 1.0 : (double)larger;
    double w = matching > 0 ? wdiff / matching : 0.0;
    return def->c1 * excess / n + def->c2 * disjoint / n + def->c3 * w;
}
