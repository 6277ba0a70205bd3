/* Shared by the genome module's files and the tests only. */
#ifndef PETRI_GENOME_INTERNAL_H
#define PETRI_GENOME_INTERNAL_H

#include "genome/genome.h"

/* Limits that loaders enforce before allocating anything. */
#define GENOME_MAX_IO 65536      /* inputs or outputs */
#define GENOME_MAX_NODES (1 << 22)
#define GENOME_MAX_CONNS (1 << 24)

/* Empties g keeping its memory. */
void genome_clear(Genome *g, int inputs, int outputs);
/* Grows capacity to at least n nodes / n connections. */
void genome_reserve_nodes(Genome *g, int n);
void genome_reserve_conns(Genome *g, int n);
/* Inserts a node keeping the id order; the id must not exist yet.
 * Returns its index. */
int genome_insert_node(Genome *g, NodeGene n);
/* Inserts a connection keeping innovation order; the innovation must not
 * exist yet. Returns its index. */
int genome_insert_conn(Genome *g, ConnGene c);
/* Appends without sorting (the caller keeps the order). */
void genome_push_node(Genome *g, NodeGene n);
void genome_push_conn(Genome *g, ConnGene c);
/* True when node `to_idx` can reach node `from_idx` through the
 * connections (enabled and disabled), that is, when from->to would close
 * a cycle. Indices into g->nodes. */
bool genome_path_exists(const Genome *g, int src_idx, int dst_idx);

float genome_clampf(double v, double range);

/* ---- the population engine, shared by neat.c and neat_state.c */
typedef struct Species {
    uint32_t id;
    int created;        /* generation it was founded in */
    int last_improved;  /* generation its best fitness last rose */
    double best_fitness;
    Genome rep;
    /* scratch of one epoch */
    int size, start;    /* members in order[start .. start+size) */
    int offspring;
    bool alive;
} Species;

struct NeatPopulation {
    NeatDef def;
    int inputs, outputs;
    uint64_t seed;
    int size;
    Genome *genomes;
    Genome *next;       /* the next generation while it is being made */
    double *fitness;
    uint32_t *species_of;
    Species *species;
    int species_count, species_cap;
    uint32_t next_species_id;
    InnovationRegistry *reg;
    Pcg32 rng;
    int generation;
    uint64_t evaluations;
    bool evaluated;     /* this generation's evaluations are counted */
    double threshold;
    bool has_best;
    double best_fitness;
    Genome best;
    /* population stagnation clock: the best fitness seen by the epochs
     * (-DBL_MAX before the first) and the generation it was last beaten */
    double stagnation_best;
    int stagnation_since;
    /* parents of each genome of this generation, as indices into the
     * previous one (-1: none); not saved: read right after an epoch */
    int32_t *parent_a, *parent_b;
    /* scratch */
    int *order;
    double *fit;
};

/* An empty population of `size` zeroed genomes (no species yet). */
NeatPopulation *neat_population_alloc(const NeatDef *def, int inputs, int outputs,
                                      uint64_t seed, int size);
/* Appends a species founded in `generation` with a copy of rep. */
Species *neat_species_add(NeatPopulation *pop, const Genome *rep, int generation);
/* Index of species `id` in pop->species (sorted by id), or -1. */
int neat_species_index(const NeatPopulation *pop, uint32_t id);

#endif
