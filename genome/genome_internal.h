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

#endif
