/* `petri eval`: replays a run's champions in its world on held-out seeds,
 * beside baseline rules put into the same population slot, and reports
 * means with 95% confidence intervals (sim/eval.c, sim/eval_cli.c). */
#ifndef PETRI_EVAL_INTERNAL_H
#define PETRI_EVAL_INTERNAL_H

#include "sim/sim_internal.h"

enum { CIAO_MAX_GENS = 200, CIAO_DEFAULT_GENS = 20, CIAO_DEFAULT_SEEDS = 3 };

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

/* One episode with every brain population p playing clones of genomes[p]
 * (one genome each; unused for baseline populations) and every baseline
 * population its rule: out[p] for every population. As eval_episode,
 * deterministic at any thread count. */
void eval_episode_all(const RunDef *def, const Genome *const *genomes, uint64_t seed,
                      EvalMetrics *out);

/* ------------------------------------------------------------ CIAO (sim/ciao.c)
 * Current Individual vs Ancestral Opponents (after Cliff and Miller,
 * 1995), for generational runs with two evolved populations A and B:
 * the generation champions of sampled generations g[0] < ... < g[n-1]
 * (champions/generations/) play each other on held-out seeds. */

/* n generations of 1..last, evenly spaced, ascending, distinct, the first
 * 1 and the last `last` (n = min(want, last)); returns n. */
int ciao_sample(int last, int want, int *out);

/* The CIAO scores: score[s][(i * n + j) * seeds + k] is side s's (0: A,
 * 1: B) mean fitness per agent when A plays its generation g[i] champion
 * and B its generation g[j] one, on held-out seed k (the full n x n grid:
 * side A's table is the cells j <= i, side B's the cells i <= j). kills
 * and survival likewise. */
typedef struct CiaoGrid {
    int n, seeds;
    int gen[CIAO_MAX_GENS];
    int pop[2];
    double *fitness[2], *kills[2], *survival[2];
} CiaoGrid;

/* "Later beats earlier": over every opponent generation j and every pair
 * of own generations i1 < i2 with j <= i1, the share in which the i2
 * champion scores more against j than the i1 one (ties count half); 0.5
 * when there is no pair. cell(i, j) is the mean score of own generation i
 * against opponent generation j, m[i * n + j]. */
double ciao_progress(const double *m, int n);

/* `petri eval RUNDIR --ciao`: plays the grid, writes OUT/ciao.csv and
 * OUT/plots/ciao.png (gnuplot, when installed), prints the two tables.
 * Returns the exit status (0, or 2 with the error printed). */
int ciao_main(const char *run_dir, const RunDef *def, int want_gens, int seeds,
              const char *out_dir);

#endif
