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

/* `petri check CONFIG [--set k=v]... [--reference]` */
int sim_check_main(int argc, char **argv);
/* `petri run CONFIG ...` */
int sim_run_main(int argc, char **argv);
/* `petri resume RUNDIR ...` */
int sim_resume_main(int argc, char **argv);

#endif
