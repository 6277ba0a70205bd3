/*
 * brain: turns genomes into compiled networks in flat arrays and runs them,
 * one step at a time, for many agents.
 *
 * All brains of a pool live in one contiguous float32 pool: nodes in
 * evaluation order, connections grouped by target. Feed-forward
 * connections read this step's values; a connection that closes a loop
 * reads the previous step's value. Stepping allocates nothing.
 */
#ifndef PETRI_BRAIN_H
#define PETRI_BRAIN_H

#include "core/core.h"
#include "genome/genome.h"

typedef struct BrainPool BrainPool;

BrainPool *brain_pool_create(void);
void brain_pool_destroy(BrainPool *pool);
/* Removes every brain, keeping the memory for reuse. */
void brain_pool_clear(BrainPool *pool);
/* Compiles g into the pool; returns the brain's index (0, 1, 2, ...).
 * Not to be called while brains of the same pool are stepping. */
int brain_pool_add(BrainPool *pool, const Genome *g);
int brain_pool_count(const BrainPool *pool);
int brain_inputs(const BrainPool *pool, int brain);
int brain_outputs(const BrainPool *pool, int brain);
/* Hidden nodes and enabled connections of a compiled brain. */
int brain_hidden_count(const BrainPool *pool, int brain);
int brain_conn_count(const BrainPool *pool, int brain);
/* Zeroes the recurrent state (the previous step's values). */
void brain_reset(BrainPool *pool, int brain);
/* One step of one brain: reads inputs[brain_inputs], writes
 * outputs[brain_outputs]. Different brains may step in parallel. */
void brain_step(BrainPool *pool, int brain, const float *inputs, float *outputs);
/* Bytes held by the pool (for memory reports). */
size_t brain_pool_bytes(const BrainPool *pool);

#endif
