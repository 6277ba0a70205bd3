/* Shared only by the files of sim/ and the tests. */
#ifndef PETRI_SIM_INTERNAL_H
#define PETRI_SIM_INTERNAL_H

#include "sim/sim.h"

#include <signal.h>

/* ------------------------------------------------------------ settings */

/* The checks of settings_limits.c (sizes, speeds, ranges and obstacles
 * against the world; memory against memory_limit), each error located at
 * the key in origins that brought it in, else at fallback. */
PetriStatus run_def_check_limits(const RunDef *def, const ConfigOrigins *origins,
                                 const char *fallback, uint64_t memory_limit, PetriError *err);
/* Warns (located) of settings that load but are likely a mistake: a brain
 * population whose fitness weights are all 0. */
void run_def_warn(const RunDef *def, const ConfigOrigins *origins, const char *fallback);
/* A population whose name was not given and repeats an earlier one (the
 * item default 'prey', when `--set populations.1.count=5` appends) takes
 * the first free name of pop1, pop2, ... */
void run_def_name_populations(RunDef *def, const ConfigOrigins *origins);

/* ------------------------------------------------------------ run files */

/* Writes s as a JSON string literal (quotes included). */
void json_write_string(ByteBuf *b, const char *s);
/* Opens DIR/NAME for appending. keep < 0: a new file that gets header.
 * keep >= 0: an existing file cut back to keep bytes first (resume), so
 * rows written after the checkpoint are not counted twice. */
PetriStatus csv_open(const char *dir, const char *name, const char *header, int64_t keep,
                     FILE **out, PetriError *err);
/* Flushes and fsyncs f; returns its length in bytes (or -1). */
int64_t csv_sync(FILE *f);
/* The rows of a table that a run appends to and replays after a
 * checkpoint (changes.csv, injections.csv), read by one loop: reads PATH
 * whole and calls fn for each whole row after the header, past the first
 * skip rows (those the checkpoint includes), with the line NUL-terminated
 * and its line number; stops at fn's first error. A last row without its
 * newline was cut by a crash: never passed nor counted. A missing file has
 * no rows. *rows: the whole rows; *torn_at (may be NULL): where the whole
 * rows end when a cut row follows them, else 0. */
typedef PetriStatus (*CsvRowFn)(void *user, char *line, const char *path, int lineno,
                                PetriError *err);
PetriStatus csv_replay_rows(const char *path, uint64_t skip, CsvRowFn fn, void *user,
                            uint64_t *rows, size_t *torn_at, PetriError *err);
/* Cuts PATH back to torn_at bytes (csv_replay_rows' *torn_at; 0: nothing
 * to cut), so that the next row appended starts on a line of its own. */
PetriStatus csv_cut_torn(const char *path, size_t torn_at, PetriError *err);
/* Writes PNG charts into DIR/plots with gnuplot when it is installed; returns the
 * number of plots written (0 without gnuplot). */
int plots_write(const char *dir, const char *const *pop_names, int pop_count, bool open_ended);
/* Runs `gnuplot SCRIPT` (posix_spawnp, no shell) in folder, where the
 * script names only relative files; false when gnuplot is not installed
 * or fails. */
bool plots_gnuplot(const char *folder, const char *script);
/* A population name made safe as a gnuplot title (letters, digits, '-',
 * '_' and '.'; anything else becomes '?'). */
void plot_title(const char *name, char *out, size_t cap);

/* ------------------------------------------------------------ generation champions */

/* champions/generations/POP.champions (champion_log.c): every generation's
 * champion of one population, appended each generation, made durable at
 * each checkpoint like the CSV tables. */
void champion_log_path(const char *run_dir, const char *pop, char *out, size_t cap);
/* Opens PATH for appending (fresh: a new, empty log), its folder made if
 * needed; an empty file gets the header. */
PetriStatus champion_log_open(const char *path, bool fresh, FILE **out, PetriError *err);
/* Appends the record of one generation (unsynced: csv_sync makes it durable). */
void champion_log_append(FILE *f, uint64_t generation, const Genome *g);
/* Resume: cuts PATH back to its intact records of generations <= generation,
 * dropping what a kill left after the checkpoint. A missing file stays missing. */
PetriStatus champion_log_cut(const char *path, uint64_t generation, PetriError *err);

/* A log opened for reading: generations first .. first + count - 1. */
typedef struct ChampionLog {
    FILE *f;
    char path[4096];
    uint64_t first, count;
    long *at; /* offset of each record */
    size_t at_cap;
    bool torn; /* bytes follow the last intact record (what a kill can leave) */
} ChampionLog;
/* True when PATH begins with a log's magic or is named *.champions (so
 * that a damaged or missing log is reported as one). */
bool champion_log_claims(const char *path);
/* PETRI_ENOTFOUND when PATH is missing; PETRI_EFORMAT when it is not a log. */
PetriStatus champion_log_read(ChampionLog *log, const char *path, PetriError *err);
bool champion_log_has(const ChampionLog *log, uint64_t generation); /* false for a zeroed log */
/* Loads generation's champion into g (initialised or zeroed). */
PetriStatus champion_log_genome(const ChampionLog *log, uint64_t generation, Genome *g,
                                PetriError *err);
void champion_log_close(ChampionLog *log); /* a zeroed log too */

/* ------------------------------------------------------------ checkpoints */

/* A checkpoint file: magic "PTRC", version, payload length, payload, CRC32
 * of everything before it. Written atomically as
 * DIR/checkpoints/ckpt-GGGGGGGG.bin; DIR/checkpoints/LATEST names the
 * newest. The last CHECKPOINT_KEEP files are kept. */
#define CHECKPOINT_MAGIC "PTRC"
#define CHECKPOINT_VERSION 2u /* 2: the payload starts with the run id */
#define CHECKPOINT_KEEP 3
#define CHECKPOINT_MAX_BYTES (1ull << 32)
PetriStatus checkpoint_write(const char *dir, uint64_t generation, const ByteBuf *payload,
                             PetriError *err);
/* Reads and verifies a checkpoint file; *payload is from petri_alloc
 * (free with petri_free(*payload, *len + 1)). */
PetriStatus checkpoint_read_file(const char *path, char **payload, size_t *len, PetriError *err);
/* The same from the bytes of a checkpoint file in memory; where names it
 * in errors. */
PetriStatus checkpoint_decode(const char *where, const void *bytes, size_t n, char **payload,
                              size_t *len, PetriError *err);
/* Finds the newest checkpoint of a run (LATEST, else the newest file).
 * On a corrupt newest checkpoint: the error names it, what is wrong, and
 * the newest intact older one to resume from with --checkpoint. */
PetriStatus checkpoint_read_latest(const char *dir, char *path_out, size_t cap, char **payload,
                                   size_t *len, PetriError *err);

/* ------------------------------------------------------------ evolution */

/* The evolving state of a run, apart from its files: populations of
 * genomes (generational) or the persistent world (open-ended), and every
 * random stream. Stepping it is deterministic at any thread count. */
typedef struct Evolution Evolution;

PetriStatus evolution_create(const RunDef *def, Evolution **out, PetriError *err);
void evolution_destroy(Evolution *ev);
/* Runs one generation (or epoch) and fills stats[pop]. Appends the rows of
 * lineage.csv and species.csv that it produced to the two buffers. */
void evolution_step(Evolution *ev, PopStats *stats, ByteBuf *lineage_rows, ByteBuf *species_rows);
/* Generations (or epochs) completed. */
uint64_t evolution_generation(const Evolution *ev);
/* Hash over everything that determines the future of the run. */
uint64_t evolution_hash(const Evolution *ev);
/* A population's champion (NULL for baseline populations) and its
 * training fitness: in generational mode the one chosen by re-evaluation
 * (sim/evolve_retest.c) once there is one, before that and in open-ended
 * mode the best genome so far. */
const Genome *evolution_champion(const Evolution *ev, int pop, double *fitness);
/* Generational: the best genome by training fitness of the generation
 * just evaluated (the generation champion CIAO plays); NULL before the
 * first step of this process, for baseline populations and open-ended. */
const Genome *evolution_generation_champion(const Evolution *ev, int pop);
/* The scores of a champion chosen by re-evaluation: its training fitness,
 * its mean over the re-test episodes, the generation it was bred in;
 * false while there is none (open-ended mode, early generations). */
bool evolution_champion_scores(const Evolution *ev, int pop, double *train, double *retest,
                               uint64_t *generation);
/* Generational: the NEAT species of the founder in slot of an arena's
 * world (genome k of population p is p's k-th founder); -1 otherwise. */
int evolution_species_of(const Evolution *ev, const World *w, int slot);
void evolution_save(const Evolution *ev, ByteBuf *out);
PetriStatus evolution_load(const RunDef *def, ByteReader *r, Evolution **out, PetriError *err);
/* Called after every tick of the observed world (see RunObserver):
 * episode is 0 in generational mode (the first arena), -1 in open-ended. */
typedef void (*EvolutionObserver)(void *user, const World *w, const BrainPool *brains,
                                  uint64_t generation, int episode);
void evolution_set_observer(Evolution *ev, EvolutionObserver fn, void *user);
/* Replaces the settings with next, which differs from them only in keys
 * that are safe mid-run (sim/run_live.c decides which). Between steps. */
void evolution_set_def(Evolution *ev, const RunDef *next);
/* Puts genomes gs[n] (each fits population pop) into the run: generational,
 * they replace the first genomes of pop; open-ended, they are born at
 * free places with the population's starting energy. Between steps. */
void evolution_inject(Evolution *ev, int pop, const Genome *gs, int n);
/* Input row length of population pop's brains. */
int evolution_inputs(const Evolution *ev, int pop);

#define STATS_CSV_HEADER                                                                     \
    "generation,population,count,fitness_max,fitness_mean,fitness_median,species,"           \
    "hidden_nodes_mean,connections_mean,births,deaths,food,reseeds,hidden_nodes_max,"       \
    "connections_max,behaviour_spread,novelty,wall_s"
/* Birth rows of lineage.csv with cause `reseed`, per population of def
 * (out[pop_count], zeroed first); a missing file counts none. */
void lineage_count_reseeds(const char *dir, const RunDef *def, int *out);
#define LINEAGE_CSV_HEADER                                                                   \
    "generation,tick,event,population,id,parent1,parent2,species,cause,killer,"             \
    "killer_population"
#define SPECIES_CSV_HEADER "generation,population,species,size,fitness_max,fitness_mean"

/* ------------------------------------------------------------ signals */

/* Set by SIGINT, SIGTERM, SIGHUP and SIGUSR1: write a checkpoint and stop. */
extern volatile sig_atomic_t sim_stop_signal;
void signals_install(void);
void signals_restore(void);

/* ------------------------------------------------------------ islands */

/* What `petri run` and `petri resume` hand to the MPI islands
 * (sim/islands_mpi.c, built with MPI=1 only). */
typedef struct IslandsArgs {
    bool resume;
    const char *config;              /* run: CONFIG */
    const char *const *overrides;    /* run: --set values */
    int override_count;
    const char *dir;                 /* run: --out (may be NULL); resume: the top folder */
    bool force;
    long generations;                /* 0: the config's */
    int argc;
    char *const *argv;
} IslandsArgs;
/* The file an islands run writes at the top of its folder (rank 0). */
#define ISLANDS_FILE "islands.json"
/* Is CONFIG with these overrides an islands config (a valid one with
 * islands.migration_interval > 0)? */
bool islands_config_wanted(const char *config, const char *const *overrides, int n);
/* Runs or resumes the islands: MPI_Init to MPI_Finalize. The exit code. */
int islands_main(const IslandsArgs *a);

#endif
