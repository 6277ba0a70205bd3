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
/* Asks the CPU to start loading what brain_step of this brain reads (its
 * ops, connections and values): a hint for loops that step brains in an
 * order other than the pool's, which changes no result. */
void brain_prefetch(const BrainPool *pool, int brain);
/* Lays the brains' storage (ops, connections, values) out in memory in
 * the order given: order[0..count) names brains (a negative
 * entry, or a brain named before, is skipped), which are placed first, in that
 * order; brains not named follow in index order. Indexes, values and
 * results do not change: only which brains lie near each other, so that
 * a loop stepping brains in `order` streams through memory. Copies
 * through a spare buffer as large as the largest array, kept in the pool
 * (allocated only when the pool has grown). Not while brains of the pool
 * step. */
void brain_pool_relocate(BrainPool *pool, const int32_t *order, int count);
/* Bytes held by the pool (for memory reports). */
size_t brain_pool_bytes(const BrainPool *pool);

/* Steps brains first..first+count-1 at once, in parallel (OpenMP) when
 * count is large: brain first+i reads inputs + i*input_stride and writes
 * outputs + i*output_stride (strides in floats). Allocates nothing;
 * results do not depend on the thread count. */
void brain_step_range(BrainPool *pool, int first, int count, const float *inputs,
                      int input_stride, float *outputs, int output_stride);

/* The float32 activation used by compiled brains (Activation values);
 * within about 1e-6 of activation_apply for moderate x. */
float brain_activation_f32(int act, float x);

/* Reading a compiled brain back, for the viewer; not while it steps.
 * brain_node_values: its node_count values after its last step (0 after
 * brain_reset), in the genome's node order (inputs, bias, outputs, then
 * hidden nodes by id). brain_to_genome: the brain as a genome with the
 * same nodes in the same order (node ids are those indexes; activations
 * and biases as compiled) and its compiled connections, all enabled, in
 * evaluation order (innovation ids 0, 1, ...); recurrent (may be NULL,
 * else brain_conn_count long) gets 1 for a connection that reads the
 * previous step. out is initialised or zeroed; its arrays are reused. */
int brain_node_count(const BrainPool *pool, int brain);
const float *brain_node_values(const BrainPool *pool, int brain);
void brain_to_genome(const BrainPool *pool, int brain, Genome *out, uint8_t *recurrent);

/* The recurrence rule, exposed for the viewer and tests: walk the enabled
 * connections in innovation order (the genome's order); a self-loop is
 * recurrent; any other connection is recurrent when its target already
 * reaches its source through the connections accepted as feed-forward
 * before it; otherwise it is accepted as feed-forward. Connections into
 * input or bias nodes are ignored (never read). Writes recurrent[i] = 1 or
 * 0 for each g->conns[i] (0 for disabled ones) and returns the number of
 * recurrent connections. A recurrent connection reads its source's value
 * from the previous step (0 after brain_reset). */
int brain_find_recurrent(const Genome *g, uint8_t *recurrent);

#endif
