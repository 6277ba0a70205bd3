/* The Run struct and what the files of the run object share
 * (sim/run.c, sim/run_live.c, sim/run_cli.c) with the tests. */
#ifndef PETRI_RUN_INTERNAL_H
#define PETRI_RUN_INTERNAL_H

#include "sim/sim_internal.h"

#define RUN_PATH_CAP 4096
#define CHANGES_CSV_HEADER "generation,tick,key,old_value,new_value"

/* A change read back from changes.csv, to apply again after a resume. */
typedef struct RunPending {
    uint64_t generation; /* applied after this many generations */
    char key[96];
    char value[272];
} RunPending;

/* A batch of genomes read back from injections.csv (sim/run_inject.c). */
typedef struct RunReplay RunReplay;

struct Run {
    RunDef def;
    bool files;                 /* false: in memory, no folder */
    char dir[RUN_PATH_CAP];
    int lock_fd;
    uint64_t id;
    Evolution *ev;
    StopExpr stop;
    FILE *stats, *species, *lineage, *changes;
    FILE *champion_logs[WORLD_MAX_POPULATIONS]; /* opened at the first generation champion */
    bool champion_logs_fresh;   /* a new run: its logs start empty */
    double wall_before;         /* wall seconds of earlier sessions of this run */
    double t0;                  /* clock at create / resume */
    char *config_text;          /* the effective config (petri_alloc, config_len + 1) */
    size_t config_len;
    uint64_t target;
    bool target_from_option;    /* --generations: a config change does not move it */
    uint64_t session_start;
    const char *reason;         /* NULL while running */
    char reason_buf[64];
    bool saved;                 /* the newest checkpoint holds the current state */
    bool dirty;                 /* this session wrote something: summary at the end */
    bool stepped;
    bool finished_before;       /* resume of a finished run: change nothing */
    PopStats last[WORLD_MAX_POPULATIONS];
    RunStats pub;
    RunRow *history;
    int history_len, history_cap;
    ByteBuf lineage_rows, species_rows;
    RunObserver observer;
    void *observer_user;
    uint64_t changes_applied;   /* rows of changes.csv that the state includes */
    RunPending *pending;        /* rows after the checkpoint, to apply again */
    int pending_count, pending_next;
    Genome *inject;             /* the queue: genomes for the next step */
    int inject_count, inject_pop;
    FILE *injections;           /* injections.csv, opened at the first injection */
    uint64_t injections_applied; /* rows of injections.csv that the state includes */
    uint64_t injection_rows;    /* rows in injections.csv */
    RunReplay *replay;          /* batches after the checkpoint, to put in again */
    int replay_count, replay_next;
    uint64_t replay_last_batch;
    bool auto_checkpoint_off;   /* islands: the driver checkpoints (run_islands.c) */
};

/* What a checkpoint payload holds before the Evolution's state. */
typedef struct RunPayload {
    uint64_t id;
    const char *config;         /* into the payload */
    size_t config_len;
    uint64_t changes_applied;
    uint64_t injections_applied; /* 0 in checkpoints written before the record */
    double wall;
    uint64_t lens[3];           /* stats, species, lineage */
    size_t state_pos;           /* where the Evolution's state starts */
} RunPayload;
PetriStatus run_payload_parse(const char *where, const char *payload, size_t len,
                              RunPayload *out, PetriError *err);

/* sim/run_folder.c */
PetriStatus run_write_text_file(const Run *r, const char *name, const ByteBuf *b,
                                PetriError *err);
PetriStatus run_write_meta(const Run *r, int argc, char *const *argv, PetriError *err);
/* The run id in DIR/meta.json; 0 when there is none. */
uint64_t run_meta_run_id(const char *dir);
uint64_t run_new_run_id(uint64_t seed);
/* Locks DIR/lock for the Run's life; the error names the holder's PID. */
PetriStatus run_lock_folder(Run *r, PetriError *err);
/* Refuses (EUSAGE, naming the PID) when another process holds DIR's lock;
 * PETRI_OK when none does (or DIR has no lock file). Takes no lock. */
PetriStatus run_folder_check_unlocked(const char *dir, PetriError *err);
PetriStatus run_write_summary(Run *r, PetriError *err);
/* Appends the generation just run to champions/generations/POP.champions. */
PetriStatus run_write_generation_champions(Run *r, PetriError *err);
/* The def and the Evolution of a checkpoint payload (all validated). */
PetriStatus run_load_payload(const char *where, const char *payload, size_t len,
                             RunPayload *pl, RunDef *def, Evolution **ev, PetriError *err);

/* r->config_text from r->def. */
void run_set_config_text(Run *r);
double run_wall(const Run *r);
bool run_summary_final(const Run *r);

/* sim/run_inject.c: genomes put into the run, their record and replay. */
/* Reads opt's genome files into the queue (checked against the population). */
PetriStatus run_load_injections(Run *r, const RunOptions *opt, PetriError *err);
void run_free_injections(Run *r);
/* Resume: the batches of injections.csv after r->injections_applied. */
PetriStatus run_injections_load(Run *r, PetriError *err);
/* At the start of run_step: the recorded batches of this generation, then
 * the queue (recorded first). */
PetriStatus run_injections_apply(Run *r, PetriError *err);
/* Frees the replay and the queue, closes injections.csv. */
void run_injections_free(Run *r);
/* Writes what the end of a session writes: a checkpoint if the state is
 * newer than the last one, the tables flushed, summary.json, the plots.
 * *plots: how many plots were drawn (0 without gnuplot). Idempotent. */
PetriStatus run_finish(Run *r, int *plots, PetriError *err);

/* sim/run_live.c: changes.csv read back (resume), replayed (run_step). */
PetriStatus run_changes_load(Run *r, PetriError *err);
PetriStatus run_changes_replay(Run *r, PetriError *err);
void run_changes_free(Run *r);

#endif
