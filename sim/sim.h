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
} EvolutionDef;

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

#endif
