/*
 * sim: a run. The assembled settings of a run, the tick loop that joins
 * world and brains, the two evolution modes, parallel evaluation,
 * statistics, lineage, checkpoints.
 */
#ifndef PETRI_SIM_H
#define PETRI_SIM_H

#include "brain/brain.h"
#include "core/core.h"
#include "genome/genome.h"
#include "world/world.h"

/* ------------------------------------------------------------ settings */

typedef enum EvolutionMode { EVOLUTION_GENERATIONAL = 0, EVOLUTION_OPEN_ENDED } EvolutionMode;

/* Settings of evolution (config section "evolution"). */
typedef struct EvolutionDef {
    int mode;          /* EvolutionMode */
    int generations;   /* generations, or epochs in open-ended mode */
    int episodes;      /* generational: arenas per generation, fitness averaged */
    int episode_ticks; /* generational: ticks of one episode */
    int epoch_ticks;   /* open-ended: ticks between statistics and checkpoints */
    int checkpoint_every; /* generations (or epochs) between checkpoints */
    double max_wall_s; /* stop after this many seconds of wall clock; 0: no limit */
    char stop_when[256]; /* stop condition on the statistics; "": none */
    int reproduction;  /* open-ended: ReproductionMode */
    double mate_range; /* open-ended, sexual: how near a mate must be, world units */
    double birth_energy; /* open-ended: fraction of the parent's energy given to a child */
    int floor;         /* open-ended: least agents per population before reseeding */
    int hall_of_fame;  /* open-ended: best genomes kept per population for reseeding */
} EvolutionDef;

typedef enum ReproductionMode { REPRODUCTION_ASEXUAL = 0, REPRODUCTION_SEXUAL } ReproductionMode;

/* Fitness of an agent: a weighted sum of its counters (per population). */
typedef struct FitnessDef {
    double energy_plants, energy_meat, ticks_alive, distance, damage, kills, offspring;
    double energy_final; /* energy left at the end of the episode */
} FitnessDef;

/* Where a run writes (config section "output"). */
typedef struct OutputDef {
    char dir[256];
} OutputDef;

/* Islands over MPI (config section "islands"): `mpirun -np K petri run`
 * runs K copies of the run that trade their best genomes around a ring
 * (sim/islands_mpi.c, docs/cluster.md). */
typedef struct IslandsDef {
    int migration_interval; /* generations between migrations; 0: not an islands config */
    int migrants;           /* best genomes of each population sent each time */
} IslandsDef;

/* Everything a run is made of: one struct per module, assembled here. */
typedef struct RunDef {
    char name[64];
    uint64_t seed;
    WorldDef world;
    PopulationDef populations[WORLD_MAX_POPULATIONS];
    int population_count;
    FitnessDef fitness[WORLD_MAX_POPULATIONS]; /* config: populations.N.fitness.* */
    EvolutionDef evolution;
    NeatDef neat;
    OutputDef output;
    IslandsDef islands;
} RunDef;

/* Every default filled in (one population). */
RunDef run_default_def(void);
/* The one schema of a run's config. */
const ConfigSchema *run_schema(void);
/* Loads CONFIG (path may be NULL: defaults only) then applies each
 * "--set" override in order; then checks what needs several keys at once.
 * Errors are located, all of them reported. */
PetriStatus run_def_load(RunDef *def, const char *path, const char *const *overrides,
                         int override_count, PetriError *err);
/* The most memory a run's config may need, estimated from its sizes
 * (run_def_estimate_bytes): 16 GiB. A config above it is refused with
 * the keys that make it large. */
#define RUN_MEMORY_LIMIT (16ull << 30)
/* run_def_load from text (name is used in messages) and with a memory
 * limit of the caller's (tests and fuzzers keep theirs small). */
PetriStatus run_def_load_string(RunDef *def, const char *name, const char *text, size_t len,
                                const char *const *overrides, int override_count,
                                uint64_t memory_limit, PetriError *err);
/* Bytes a run of def needs at its start: one world populated and the
 * brains and genomes of its populations. */
uint64_t run_def_estimate_bytes(const RunDef *def);

/* ------------------------------------------------------------ stop */

/* Fields of a population's statistics that a stop condition can name
 * ("prey.fitness_max"). */
typedef enum StopField {
    STOP_FIELD_POP_COUNT = 0, /* "count": agents alive or evaluated */
    STOP_FIELD_FITNESS_MAX,
    STOP_FIELD_FITNESS_MEAN,
    STOP_FIELD_FITNESS_MEDIAN,
    STOP_FIELD_SPECIES,
    STOP_FIELD_HIDDEN_MEAN,
    STOP_FIELD_CONNS_MEAN,
    STOP_FIELD_BIRTHS,
    STOP_FIELD_DEATHS,
    STOP_FIELD_FOOD,
    /* written after food in stats.csv, wall_s last (docs/outputs.md) */
    STOP_FIELD_RESEEDS,       /* open-ended: agents put back from the hall of fame */
    STOP_FIELD_HIDDEN_MAX,
    STOP_FIELD_CONNS_MAX,
    STOP_FIELD_BEHAVIOUR_SPREAD, /* generational: spread of what the genomes did */
    STOP_FIELD_NOVELTY,          /* generational: the champion's behaviour against earlier ones */
    STOP_FIELD_COUNT
} StopField;

/* Variables of a stop condition: 0 generation, 1 wall_s, then one block
 * of STOP_FIELD_COUNT per population. */
enum { STOP_VAR_GENERATION = 0, STOP_VAR_WALL_S = 1, STOP_VAR_POP0 = 2 };
#define STOP_VAR_COUNT (STOP_VAR_POP0 + WORLD_MAX_POPULATIONS * STOP_FIELD_COUNT)
static inline int stop_var_index(int pop, int field)
{
    return STOP_VAR_POP0 + pop * STOP_FIELD_COUNT + field;
}

#define STOP_MAX_NODES 64
typedef struct StopNode {
    int op;
    double num;
    int a, b;
} StopNode;
/* A compiled stop condition (plain data: no allocation). */
typedef struct StopExpr {
    StopNode nodes[STOP_MAX_NODES];
    int node_count;
    int root; /* -1: no condition */
} StopExpr;

const char *stop_field_name(int field);
/* Compiles text ("prey.fitness_max >= 400 or generation >= 300") against
 * the population names. An empty text compiles to "never". Errors are
 * prefixed with `where` (a file name and position). */
PetriStatus stop_compile(StopExpr *out, const char *text, const char *const *pop_names,
                         int pop_count, const char *where, PetriError *err);
bool stop_eval(const StopExpr *e, const double *vars, int var_count);

/* ------------------------------------------------------------ the run
 * (sim/run.c, run_folder.c, run_live.c; the commands in run_cli.c) A run
 * as an object: the evolving state (populations of
 * genomes, or the persistent open world) together with its run folder
 * (config, CSV tables, checkpoints, champions, summary). `petri run`,
 * `petri resume`, the viewer and the MPI islands all drive a run through
 * this API. A Run is used from one thread at a time; it sets no
 * process-wide state (threads and OpenMP nesting are main's business: see
 * run_process_setup). */

/* Statistics of one population for one generation (or epoch), indexed by
 * StopField. */
typedef struct PopStats {
    double v[STOP_FIELD_COUNT];
} PopStats;

typedef struct Run Run;

typedef struct RunOptions {
    /* run_create: the run folder; NULL: the first free of OUTPUT/NAME,
     * OUTPUT/NAME-2, ... (output.dir of the config). */
    const char *out_dir;
    /* run_create: write into a folder that holds files but is not a
     * run's (never into one that holds a run: resume that instead). */
    bool force;
    /* No folder and no files at all: tests, a viewer that saves nothing.
     * run_checkpoint then does nothing. */
    bool in_memory;
    /* The target in generations (or epochs); 0: evolution.generations of
     * the config. */
    long generations;
    /* run_resume: this checkpoint file instead of the run's newest. */
    const char *checkpoint;
    /* Genome files (binary, as in champions/) put into population
     * genome_pop at the first step: in generational mode they replace the
     * first genomes of that population, in open-ended mode they are born
     * into the world at random free places with the population's starting
     * energy. Each is checked against the population's shape. */
    const char *const *genomes;
    int genome_count;
    int genome_pop;
    /* The command line, recorded in meta.json (may be NULL). */
    int argc;
    char *const *argv;
} RunOptions;

RunOptions run_default_options(void);

/* One row of a run's history: the statistics of a generation (or epoch). */
typedef struct RunRow {
    uint64_t generation;   /* 1 for the first generation */
    double wall_s;         /* wall time of the run when it ended */
    PopStats pop[WORLD_MAX_POPULATIONS];
} RunRow;

typedef struct RunStats {
    uint64_t generation;        /* generations (or epochs) completed */
    uint64_t target;            /* the generation the run stops at */
    uint64_t session_start;     /* generation at run_create / run_resume */
    int pop_count;
    PopStats pop[WORLD_MAX_POPULATIONS]; /* of the last generation (zeros before one) */
    double wall_s;              /* wall time of the run, every session */
    double session_wall_s;      /* wall time since run_create / run_resume */
    /* Every generation of the run so far, oldest first (after run_resume
     * those before it are read back from stats.csv). Valid until the
     * next run_step. */
    const RunRow *history;
    int history_len;
} RunStats;

/* What an observer sees after each tick of the observed world. */
typedef struct RunView {
    const World *world;
    /* The brains of the world's agents: the agent tagged b (world_agent_tag)
     * runs brain b; its node values (inputs, hidden, outputs) are those of
     * the tick just done (read them through brain/brain.h). */
    const BrainPool *brains;
    uint64_t generation;   /* the generation (or epoch) running: completed + 1 */
    uint64_t tick;         /* ticks of this world so far (world_tick) */
    int episode;           /* generational: 0, the observed arena; open-ended: -1 */
} RunView;

/* Called after every tick of the observed world: in generational mode
 * episode 0 of each generation (a fresh world every generation), in
 * open-ended mode the persistent world (after the tick's births).
 * Contract: it runs on whichever thread steps that world (an OpenMP
 * worker when arenas run in parallel), during run_step; it may read
 * everything in the view but change nothing; it MAY BLOCK for as long as
 * it likes (a viewer pauses the simulation this way, and should copy what
 * it draws rather than keep pointers past its return). A run with an
 * observer ends with the same state hash as one without. */
typedef void (*RunObserver)(void *user, const RunView *v);

/* A new run from CONFIG (NULL: defaults) and "--set" overrides, checked
 * whole before any folder is made. Makes the run folder (unless
 * opt->in_memory), locks it for the life of the Run (a second process
 * gets an error naming the holder's PID), and writes config.yaml and
 * meta.json (with a fresh run id). Errors: PETRI_ECONFIG (bad config),
 * PETRI_EIO (the folder), and the like; *out is NULL then. */
PetriStatus run_create(const char *config_path, const char *const *overrides, int n,
                       const RunOptions *opt, Run **out, PetriError *err);
/* Continues the run in folder dir from its newest checkpoint (or
 * opt->checkpoint, which must belong to this run: same run id). Locks the
 * folder; cuts the CSV tables back to the checkpoint; re-applies the
 * config changes and genomes recorded after it (changes.csv,
 * injections.csv) at the same steps. */
PetriStatus run_resume(const char *dir, const RunOptions *opt, Run **out, PetriError *err);
/* Runs one generation (or epoch): the observer's ticks, the CSV rows, the
 * stop checks and a periodic checkpoint. Does nothing once run_done. */
PetriStatus run_step(Run *r, PetriError *err);
/* Has the run stopped? reason: "generations", "stop.when", "wall_time",
 * "extinction", "signal (SIGTERM)", ... or NULL while running. */
bool run_done(const Run *r, const char **reason);
/* Stops the run now with this reason ("signal (SIGTERM)"): writes a
 * checkpoint unless the newest one holds the current state. Later
 * run_steps do nothing. */
PetriStatus run_stop(Run *r, const char *reason, PetriError *err);
const RunStats *run_stats(const Run *r);
/* The effective config, with every change applied so far. */
const RunDef *run_def(const Run *r);
/* The run folder ("" in memory). */
const char *run_dir(const Run *r);
/* Hash over everything that determines the future of the run. */
uint64_t run_hash(const Run *r);
/* The run's identity, made at run_create, kept in every checkpoint. */
uint64_t run_id(const Run *r);
/* Best genome of a population so far (NULL for baselines) and its fitness. */
const Genome *run_champion(const Run *r, int pop, double *fitness);
/* Puts copies of genomes gs[n] into population pop at the next run_step,
 * as RunOptions.genomes does (islands' migrants, a viewer's genome). Each
 * must fit the population (PETRI_EUSAGE otherwise, nothing changes). In a
 * run folder they are recorded (injections.csv, injections/) and counted by
 * every later checkpoint, so a resume from an older checkpoint puts them in
 * again at the same step. Between steps. */
PetriStatus run_inject(Run *r, int pop, const Genome *gs, int n, PetriError *err);
/* fn NULL: no observer. Between steps. */
void run_set_observer(Run *r, RunObserver fn, void *user);
/* For the viewer. The species of the agent in `slot` of the observed
 * world, from the observer (v as it got it): in generational runs the
 * NEAT species of the agent's genome; -1 for baselines, agents born
 * during the episode, and open-ended runs (which count species per epoch
 * and keep none per agent). */
int run_view_species(const Run *r, const RunView *v, int slot);
/* The species.csv rows (SPECIES_CSV_HEADER's columns) of the last
 * run_step; valid until the next run_step. */
const char *run_species_rows(const Run *r, size_t *len);
/* For the viewer (sim/run_view.c), all read-only. The genome that drives
 * the agent in `slot` of the observed world (v as the observer got it, or
 * from run_view_world): open-ended, the agent's own; generational, its
 * genome in the population (run_view_genome_index). NULL for baselines
 * and agents born during an episode. Valid while v is. */
const Genome *run_view_genome(const Run *r, const RunView *v, int slot);
/* Generational: the index of the agent's genome in its population in the
 * generation being run (the `id` of its lineage.csv birth row, written
 * one generation earlier); -1 otherwise. */
int run_view_genome_index(const Run *r, const RunView *v, int slot);
/* Between steps: the persistent world of an open-ended run as an
 * observer sees it (episode -1); false in generational runs, which keep
 * no world between steps. */
bool run_view_world(const Run *r, RunView *out);
/* The lineage.csv rows (LINEAGE_CSV_HEADER's columns) that the current
 * run_step has produced so far (read from the observer) or that the last
 * one produced (between steps); valid until the next append: copy what
 * is needed. */
const char *run_lineage_rows(const Run *r, size_t *len);

/* One key that run_apply_def looked at. */
typedef struct RunChange {
    char key[96];
    char old_value[272], new_value[272];
    bool applied; /* false: needs a restart */
} RunChange;
/* Between steps: applies the checked config `next` (from run_def_load),
 * in effect from the next step. The keys that are safe mid-run ("live":
 * food regrowth and seasons, energy costs, fitness weights, the stop and
 * checkpoint settings, and NEAT's mutation rates in both modes;
 * docs/outputs.md lists them) are applied; any other difference is listed
 * as needing a restart and changes nothing. Each applied key is recorded
 * in changes.csv (generation, tick, key, old, new) and in every later
 * checkpoint, so a resumed run re-applies it at the same step. Up to cap
 * differences are written to changes[] (may be NULL), their number to
 * *count. On error nothing changes. */
PetriStatus run_apply_def(Run *r, const RunDef *next, RunChange *changes, int cap, int *count,
                          PetriError *err);
/* Writes a checkpoint now (the CSV tables are flushed first). */
PetriStatus run_checkpoint(Run *r, PetriError *err);
/* Writes a last checkpoint if needed, summary.json and the plots (unless
 * in memory, or a resume that found the run finished and changed
 * nothing), closes the files, releases the lock and frees the run. NULL
 * is fine. Returns the first
 * error of writing the summary (the run is freed anyway). */
PetriStatus run_close(Run *r, PetriError *err);

/* ---- islands (sim/run_islands.c): what sim/islands_mpi.c needs.
 * Generational mode only. */
#define RUN_MIGRANTS_MAX 64
/* on false: run_step writes no periodic checkpoint (it still writes one
 * when the run stops); the driver calls run_checkpoint itself. */
void run_set_auto_checkpoint(Run *r, bool on);
/* New innovation and node ids of every population from namespace ns
 * (innovation_registry_set_namespace). After run_create or run_resume. */
PetriStatus run_set_id_namespace(Run *r, int ns, PetriError *err);
/* The k best genomes of population pop in the generation run_step just
 * evaluated, best first, and their indices in it; valid until the next
 * run_step. Returns how many (0 before a step of this session). */
int run_best_genomes(const Run *r, int pop, int k, const Genome **out, int *index);
/* Puts migrants gs[n] (n <= RUN_MIGRANTS_MAX) in place of the last n
 * genomes of population pop's next generation, each noted in lineage.csv
 * as a `migrant` row (id: its slot, parent1: its index on island
 * from_island, cause: "island K"). Between steps. */
PetriStatus run_immigrate(Run *r, int pop, const Genome *gs, int n, int from_island,
                          const int *from_index, PetriError *err);

/* Loads a checkpoint from memory (the bytes of a checkpoint file:
 * container and CRC checked) without touching any file: the config, the
 * state and every index and tag in it are validated, then freed. On
 * success *generation and *run_id_out (each may be NULL) say what it
 * holds. For fuzzers and checks. */
PetriStatus checkpoint_parse(const void *buf, size_t len, uint64_t *generation,
                             uint64_t *run_id_out, PetriError *err);

/* Process-wide settings for running: OpenMP threads (0: the default) and
 * one level of parallelism (arenas in parallel run their ticks serially).
 * Only main and the command wrappers call this. Returns the thread count;
 * warns when it is above the cores available. */
int run_process_setup(int threads);

/* `petri check CONFIG [--set k=v]... [--reference]` */
int sim_check_main(int argc, char **argv);
/* `petri run CONFIG ...` */
int sim_run_main(int argc, char **argv);
/* `petri resume RUNDIR ...` */
int sim_resume_main(int argc, char **argv);
/* `petri eval RUNDIR|GENOME... [--seeds N] [--against RULES] [--json]` (sim/eval_cli.c). */
int sim_eval_main(int argc, char **argv);
/* Names of the inputs and outputs of population pop's brains in a world
 * of def (world_input_name, world_output_name): what the champions' JSON
 * and DOT files and `petri export --config` print (sim/export_cli.c). */
PetriStatus run_def_genome_names(const RunDef *def, int pop, GenomeNames *out, PetriError *err);
/* `petri export GENOME --json|--dot [--config CONFIG|RUNDIR [--pop NAME]]`. */
int sim_export_main(int argc, char **argv);

/* ------------------------------------------------------------ tick
 * (sim/tick.c) A Habitat is one world plus the brains of its agents: the
 * tick that joins them (sense -> think -> act -> resolve -> environment
 * -> record, docs/architecture.md section 2), OpenMP over agents in sense, think and
 * act and over food rows in the environment. Agents carry their brain
 * index as the world's tag. The same state gives the same next state at
 * every thread count. */

#include "brain/brain.h"

typedef struct Habitat Habitat;

/* Cumulative wall time of each phase, ns, and the agent-steps done (the
 * sum over ticks of the agents alive at the tick's start). Sense, think
 * and act are timed apart only with phase timing on; otherwise they run
 * fused, timed together in `agents` (begin's grid build included). */
typedef struct TickTimes {
    uint64_t sense, think, act, resolve, environment, record;
    uint64_t agents;
    uint64_t ticks, agent_steps;
} TickTimes;

/* A world without agents and an empty brain pool. */
PetriStatus habitat_create(const WorldDef *world, const PopulationDef *pops, int pop_count,
                           uint64_t seed, Habitat **out, PetriError *err);
/* A habitat around an existing world (a world loaded from a checkpoint),
 * which it now owns, with an empty brain pool and fresh spawn streams. */
Habitat *habitat_adopt(World *w, uint64_t seed);
void habitat_destroy(Habitat *h);
World *habitat_world(Habitat *h);
BrainPool *habitat_brains(Habitat *h);
/* Does g fit the brains of pop: world_input_count inputs, WORLD_OUTPUTS
 * outputs? */
bool habitat_genome_fits(const Habitat *h, int pop, const Genome *g);
/* Adds one agent of pop: g (must fit; NULL for a baseline population) is
 * compiled into the pool, its nodes and connections priced by the
 * population's energy costs. spawn gives place, heading and energy
 * (spawn->pop and tag are set here); NULL: a random free place from the
 * population's spawn stream. Returns the agent's id. Between ticks. */
uint32_t habitat_add(Habitat *h, int pop, const Genome *g, const AgentSpawn *spawn);
/* Adds `count` agents of pop with genomes[i] (genomes may be NULL for a
 * baseline population; genome_count < count reuses them cyclically). */
void habitat_populate(Habitat *h, int pop, const Genome *const *genomes, int genome_count,
                      int count);
/* A birth in the world: the child (genome g, NULL for baselines) appears
 * next to the parent with `energy` taken from it. WORLD_NO_ID when the
 * parent is gone or too poor. Between ticks, in id order. */
uint32_t habitat_birth(Habitat *h, uint32_t parent_id, const Genome *g, float energy);
/* Baseline populations reproduce by themselves when set: after each tick,
 * every agent of a baseline population whose reproduce intent holds gives
 * half its energy to a child, in id order (tests and benchmarks). */
void habitat_set_baseline_births(Habitat *h, bool on);
/* Phase timing (default off): sense, think and act as three timed loops
 * with barriers between them, for the benchmark's breakdown; off, they
 * run as one loop, which is faster. Results are the same either way. */
void habitat_set_phase_timing(Habitat *h, bool on);
/* Locality: every `every_ticks` ticks (0: never), when the brain pool
 * holds at least min_bytes, the brains' storage is laid out in the order
 * the tick steps them (grid order). Changes no result. Default: every 16
 * ticks from 8 MiB. */
void habitat_set_brain_relayout(Habitat *h, int every_ticks, size_t min_bytes);
/* Called after every tick (after baseline births) with that tick's
 * events (world_events): deaths with their final counters, kills and
 * births, in id order. It may read the world but not change it. The
 * world keeps only the last tick's events, so a caller that steps many
 * ticks at once and needs every death (fitness of the dead) sets a sink. */
typedef void (*HabitatEventSink)(void *user, const World *w, const WorldEvent *events,
                                 int count);
void habitat_set_event_sink(Habitat *h, HabitatEventSink sink, void *user);
/* Rebuilds the brain pool from the living brain agents only (open-ended
 * runs add a brain per birth and the pool never shrinks otherwise):
 * genome_of(user, id) gives each agent's genome, compiled again in slot
 * order and retagged; recurrent state restarts at 0. Between ticks; the
 * result depends only on the state, so it is deterministic when called at
 * fixed ticks. */
void habitat_rebuild_brains(Habitat *h, const Genome *(*genome_of)(void *user, uint32_t id),
                            void *user);
/* Runs `ticks` ticks with omp_get_max_threads() threads. */
void habitat_step(Habitat *h, int ticks);
const TickTimes *habitat_times(const Habitat *h);
void habitat_reset_times(Habitat *h);
/* world_hash of the habitat's world. */
uint64_t habitat_hash(const Habitat *h);

/* The named scenarios shared by the benchmark, the tests and the viewer. */
typedef struct TickScenario {
    const char *name;
    const char *doc;
    void (*build)(WorldDef *world, PopulationDef *pops, int *pop_count);
    int hidden, conns;     /* shape of the random brains of brain populations */
    uint64_t seed;
    int ticks;             /* default ticks of a benchmark run */
    bool baseline_births;
} TickScenario;
const TickScenario *tick_scenarios(int *count);
const TickScenario *tick_scenario_find(const char *name);
/* The scenario's habitat, populated: brain populations get random
 * genomes (genome_init_random with the scenario's shape, each from its
 * own stream). */
PetriStatus tick_scenario_create(const TickScenario *sc, Habitat **out, PetriError *err);

#endif
