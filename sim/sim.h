/*
 * sim: a run. The assembled settings of a run, the tick loop that joins
 * world and brains, the two evolution modes, parallel evaluation,
 * statistics, lineage, checkpoints.
 */
#ifndef PETRI_SIM_H
#define PETRI_SIM_H

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

/* `petri check CONFIG [--set k=v]... [--reference]` */
int sim_check_main(int argc, char **argv);
/* `petri run CONFIG ...` */
int sim_run_main(int argc, char **argv);
/* `petri resume RUNDIR ...` */
int sim_resume_main(int argc, char **argv);

/* ------------------------------------------------------------ tick
 * (sim/tick.c) A Habitat is one world plus the brains of its agents: the
 * tick that joins them (sense -> think -> act -> resolve -> environment
 * -> record, DESIGN.md section 2), OpenMP over agents in sense, think and
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
