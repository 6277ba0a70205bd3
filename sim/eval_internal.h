/* `petri eval`: replays a run's champions in its world on held-out seeds,
 * beside baseline rules put into the same population slot, and reports
 * means with 95% confidence intervals (sim/eval.c, sim/eval_cli.c). */
#ifndef PETRI_EVAL_INTERNAL_H
#define PETRI_EVAL_INTERNAL_H

#include "sim/sim_internal.h"

/* Two-sided 95% quantile of Student's t with df degrees of freedom
 * (t such that P(|T| <= t) = 0.95); df >= 1. A table to df 30, then
 * the Cornish-Fisher expansion in 1/df (error under 1e-4). */
double eval_t975(int df);

/* Mean of x[n] and its 95% t-interval (mean +- t975(n-1) * sd / sqrt(n),
 * sd with n-1). n = 1 gives lo = hi = the value: no interval can be
 * computed from one sample. */
typedef struct EvalInterval {
    double mean, lo, hi, sd;
    int n;
} EvalInterval;
EvalInterval eval_interval(const double *x, int n);
/* The interval of the differences a[i] - b[i] (paired samples). */
EvalInterval eval_paired_diff(const double *a, const double *b, int n);

/* What one episode says about the agents of one population slot: means
 * over the slot's agents. */
typedef struct EvalMetrics {
    double fitness;        /* the population's fitness function */
    double food_per_tick;  /* energy eaten (plants + meat) per tick alive */
    double survival;       /* share of the agents alive at the episode's end */
    double kills;          /* kills per agent */
} EvalMetrics;

/* The seed of held-out episode k of a run with seed `run_seed`: drawn
 * from a stream (RNG_PURPOSE_EVAL) that training never draws from;
 * training arenas are derive_seed(seed, generation, episode, ARENA). */
uint64_t eval_seed(uint64_t run_seed, int k);

/* Runs one episode of def's world (episode_ticks ticks, as training) from
 * `seed`: population `slot` gets `controller` (CONTROLLER_BRAIN: the
 * genomes slot_genomes[0..slot_count-1], reused cyclically over the
 * slot's agents; a baseline rule: no genome), every other brain
 * population the genomes others[p] (one genome, cloned; must be set for
 * every brain population but slot), baseline populations their rule.
 * Fills *out for the slot. Uses omp_get_max_threads() threads inside the
 * tick; deterministic. */
void eval_episode(const RunDef *def, int slot, int controller, const Genome *const *slot_genomes,
                  int slot_count, const Genome *const *others, uint64_t seed, EvalMetrics *out);

#endif
