/* Schema rows and defaults of the world's settings. */
#include "world/world.h"

#include <stddef.h>

WorldDef world_default_def(void)
{
    WorldDef def = {
        .size = {256.0, 256.0},
        .edges = WORLD_EDGES_TORUS,
    };
    return def;
}

PopulationDef population_default_def(void)
{
    PopulationDef def = {
        .name = "prey",
        .count = 100,
    };
    return def;
}

static const ConfigRow world_rows[] = {
    {.key = "size", .type = CONFIG_VEC2, .offset = offsetof(WorldDef, size), .min = 16, .max = 1e6,
     .doc = "width and height of the world, in world units"},
    {.key = "edges", .type = CONFIG_CHOICE, .offset = offsetof(WorldDef, edges),
     .choices = "torus|walls", .doc = "torus wraps around; walls stop bodies at the border"},
};

static const ConfigRow population_rows[] = {
    {.key = "name", .type = CONFIG_STRING, .offset = offsetof(PopulationDef, name), .max = 32,
     .doc = "name of the population, used in statistics and file names"},
    {.key = "count", .type = CONFIG_INT, .offset = offsetof(PopulationDef, count), .min = 1,
     .max = 1000000, .doc = "number of agents of this population"},
};

const ConfigRow *world_config_rows(int *count)
{
    *count = (int)(sizeof world_rows / sizeof world_rows[0]);
    return world_rows;
}

const ConfigRow *population_config_rows(int *count)
{
    *count = (int)(sizeof population_rows / sizeof population_rows[0]);
    return population_rows;
}
