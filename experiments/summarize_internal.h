/*
 * Shared by experiments/summarize*.c: the runs read back from their
 * folders, and their groups.
 */
#ifndef PETRI_SUMMARIZE_INTERNAL_H
#define PETRI_SUMMARIZE_INTERNAL_H

#include "core/core.h"

#define SUM_PATH_CAP 4096
#define SUM_MAX_POPS 8
#define SUM_MAX_KEYS 32
#define SUM_KEY_CAP 256
#define SUM_VALUE_CAP 256
#define SUM_NAME_CAP 64
#define SUM_LABEL_CAP 512

/* Best fitness of each generation of one population of one run. */
typedef struct SumSeries {
    int *gen;
    double *val;
    int count, cap;
} SumSeries;

typedef struct SumRun {
    char dir[SUM_PATH_CAP];
    unsigned long long seed;
    long generations;
    char stop_reason[64];
    double wall_s;
    char state_hash[32];
    char values[SUM_MAX_KEYS][SUM_VALUE_CAP]; /* override values, by Summary.keys */
    bool has_value[SUM_MAX_KEYS];
    double best_ever[SUM_MAX_POPS], final[SUM_MAX_POPS]; /* by Summary.pops */
    bool has_best[SUM_MAX_POPS], has_final[SUM_MAX_POPS];
    SumSeries best[SUM_MAX_POPS];
} SumRun;

typedef struct Summary {
    SumRun *runs;
    int run_count, run_cap;
    char keys[SUM_MAX_KEYS][SUM_KEY_CAP]; /* override keys, in order of first appearance */
    int key_count;
    char pops[SUM_MAX_POPS][SUM_NAME_CAP];
    int pop_count;
    char (*groups)[SUM_LABEL_CAP]; /* group labels */
    int group_count;
    int *group_of;                 /* per run */
} Summary;

int summary_pop_index(Summary *sm, const char *name);
/* Writes OUT/fitness-P.dat (per population: one block per group, with
 * generation, first quartile, median, third quartile and runs) and, with
 * gnuplot on the PATH, OUT/plots.gp and OUT/fitness-P.png. Returns the
 * plots drawn (0 without gnuplot), -1 on an error (in err). */
int summary_plot(const Summary *sm, const char *out_dir, PetriError *err);
/* The q-quantile (0..1) of v[0..n) sorted in place: linear interpolation
 * between the closest ranks (R's type 7). n >= 1. */
double summary_quantile(double *v, int n, double q);

#endif
