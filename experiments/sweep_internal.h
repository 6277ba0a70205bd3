/*
 * Shared by experiments/sweep*.c, experiments/summarize*.c and their tests.
 *
 * A sweep is a base config, a grid of overrides (cartesian product), an
 * optional list of explicit variants, a number of replicates and a sweep
 * seed. It expands into runs: run i gets the overrides of its variant and
 * grid point, a seed derived from (sweep seed, i), and a folder named after
 * its overrides and replicate. The runs are ordinary `petri run` processes,
 * spawned here (sweep_local.c) or by SLURM from a job-array script
 * (sweep_slurm.c); a run folder says by itself whether it is finished,
 * interrupted (it has a checkpoint: resume it) or new.
 */
#ifndef PETRI_SWEEP_INTERNAL_H
#define PETRI_SWEEP_INTERNAL_H

#include "core/core.h"

#define SWEEP_PATH_CAP 4096
#define SWEEP_NAME_CAP 160

/* The sweep file's own keys (its schema: sweep_schema). */
typedef struct SweepDef {
    char base[256];     /* base config, relative to the sweep file's folder */
    char name[64];      /* "": the sweep file's name without .yaml */
    char out[256];      /* "": sweeps/NAME, relative to the working folder */
    int replicates;
    uint64_t seed;
    int threads;        /* OpenMP threads of each run; 0: cores / jobs (1 on SLURM) */
} SweepDef;

typedef struct SweepRun {
    int index;          /* 0-based, the SLURM array index */
    int variant, point, replicate;
    uint64_t seed;
    char name[SWEEP_NAME_CAP]; /* folder name, safe characters only */
    int first, count;   /* its overrides: Sweep.overrides[first .. first + count) */
} SweepRun;

typedef struct Sweep {
    SweepDef def;
    char path[SWEEP_PATH_CAP];      /* the sweep file as given */
    char base_path[SWEEP_PATH_CAP]; /* the base config, absolute */
    char out_dir[SWEEP_PATH_CAP];   /* the sweep's folder, absolute */
    ConfigFreeSection grid, variants;
    SweepRun *runs;
    int run_count;
    const ConfigAssignment **overrides;
    int override_count, override_cap;
} Sweep;

/* The seed of run `index`: a pure function of the sweep seed and index. */
uint64_t sweep_run_seed(uint64_t sweep_seed, int index);
/* Loads, checks and expands a sweep file. Every error is located
 * (FILE:LINE:COL) and all are reported at once; a value of the grid or
 * the variants is checked against the base config at its own position. */
PetriStatus sweep_load(Sweep *sw, const char *path, PetriError *err);
void sweep_fini(Sweep *sw);

/* Where a run stands, read from its folder. */
typedef enum SweepRunState {
    SWEEP_RUN_NEW = 0,    /* no folder */
    SWEEP_RUN_STALE,      /* a folder without a checkpoint: started and killed early */
    SWEEP_RUN_PARTIAL,    /* a checkpoint and no final summary: resume it */
    SWEEP_RUN_DONE,       /* summary.json with a final stop reason */
} SweepRunState;
SweepRunState sweep_run_state(const Sweep *sw, const SweepRun *run);
/* The folder of a run: OUT/NAME. */
void sweep_run_dir(const Sweep *sw, const SweepRun *run, char *out, size_t cap);
/* The argument vector of `petri run` (fresh) or `petri resume` for a run,
 * argv[0] = petri. Strings live in `store` (caller's, SWEEP_ARGV_STORE
 * bytes); returns argc, or -1 when something does not fit. */
#define SWEEP_ARGV_MAX 512
#define SWEEP_ARGV_STORE 65536
int sweep_run_argv(const Sweep *sw, const SweepRun *run, bool resume, const char *petri,
                   int threads, char **argv, char *store);

/* The path of the running petri executable (/proc/self/exe). */
bool sweep_self_exe(char *out, size_t cap);

/* Runs what is left of the sweep here, `jobs` runs at a time, each with
 * `threads` OpenMP threads. Returns the exit code: 0 all done, 1 a run
 * failed, 130 interrupted (every running run checkpointed). */
int sweep_run_local(const Sweep *sw, int jobs, int threads);

typedef struct SweepSlurmOptions {
    const char *time;      /* "--time": minutes or [D-]HH:MM:SS */
    const char *partition; /* NULL: the cluster's default */
    int threads;           /* cpus-per-task */
    int signal_s;          /* warning this many seconds before the limit; 0: chosen
                              here (120, or 5/6 of a limit under 12 minutes) */
} SweepSlurmOptions;
/* Writes OUT/sweep.slurm (a job array over every run) and returns its
 * path in script. */
PetriStatus sweep_write_slurm(const Sweep *sw, SweepSlurmOptions *o, const char *petri,
                              char *script, size_t cap, PetriError *err);

#endif
