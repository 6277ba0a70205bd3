/*
 * world: the 2D world. Geometry and edges, spatial grid, food, bodies,
 * sensors (state to inputs), actuators (outputs to intents), resolution of
 * contested actions, energy, births and deaths as events.
 *
 * The world never calls a brain: sim/ carries inputs from the world to the
 * brains and outputs back.
 */
#ifndef PETRI_WORLD_H
#define PETRI_WORLD_H

#include "core/core.h"

#define WORLD_MAX_POPULATIONS 8

typedef enum WorldEdges { WORLD_EDGES_TORUS = 0, WORLD_EDGES_WALLS } WorldEdges;

/* Settings of the world as a whole (config section "world"). */
typedef struct WorldDef {
    double size[2];   /* width, height in world units */
    int edges;        /* WorldEdges */
} WorldDef;

/* Settings of one population (an item of the config list "populations"). */
typedef struct PopulationDef {
    char name[32];
    int count;
} PopulationDef;

WorldDef world_default_def(void);
PopulationDef population_default_def(void);
/* Schema rows, offsets inside WorldDef and PopulationDef. */
const ConfigRow *world_config_rows(int *count);
const ConfigRow *population_config_rows(int *count);

#endif
