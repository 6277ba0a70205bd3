/* Schema rows and defaults of the world's settings: every world and
 * population setting has a range, a default and a line of documentation. */
#include "world/world.h"

#include <limits.h>
#include <math.h>
#include <stddef.h>

static const ObstacleDef obstacle_default = {
    .shape = OBSTACLE_CIRCLE,
    .center = {0.0, 0.0},
    .size = {8.0, 8.0},
    .radius = 4.0,
};

WorldDef world_default_def(void)
{
    WorldDef def = {
        .size = {256.0, 256.0},
        .edges = WORLD_EDGES_TORUS,
        .food =
            {
                .cell_size = 2.0,
                .patches = 8,
                .patch_radius = 24.0,
                .capacity = 4.0,
                .regrowth = 0.01,
                .initial = 0.5,
                .drift = 0.0,
                .season_period = 0.0,
                .season_amplitude = 0.5,
                .meat_decay = 0.01,
                .bite = 1.0,
                .visible = 0.5,
            },
        .obstacle_count = 0,
        .random_obstacles = 0,
        .random_obstacle_radius = 4.0,
        .push_apart = false,
    };
    for (int i = 0; i < WORLD_MAX_OBSTACLES; ++i) {
        def.obstacles[i] = obstacle_default;
    }
    return def;
}

PopulationDef population_default_def(void)
{
    PopulationDef def = {
        .name = "prey",
        .count = 100,
        .controller = CONTROLLER_BRAIN,
        .radius = 0.5,
        .max_speed = 0.5,
        .turn_rate = 20.0,
        .drag = 0.2,
        .eat_plants = 0.9,
        .eat_meat = 0.1,
        .energy_start = 50.0,
        .energy_max = 100.0,
        .metabolism = 0.05,
        .thrust_cost = 0.05,
        .node_cost = 0.002,
        .conn_cost = 0.0005,
        .attack_cost = 0.5,
        .attack_damage = 5.0,
        .attack_gain = 0.5,
        .attack_range = 0.5,
        .corpse = 10.0,
        .reproduce_energy = 60.0,
        .lifespan = 2000,
        .senses =
            {
                .vision = true,
                .sectors = 8,
                .fov = 180.0,
                .range = 8.0,
                .touch = true,
                .smell = true,
                .energy = true,
                .speed = true,
                .age = true,
                .clock = true,
                .noise = true,
                .signal = true,
                .clock_period = 100.0,
            },
    };
    return def;
}

const char *controller_name(int controller)
{
    static const char *const names[] = {"brain", "random", "forager", "chaser", "fleer"};
    if (controller < 0 || controller >= CONTROLLER_COUNT) {
        return "?";
    }
    return names[controller];
}

#define OBST(f) offsetof(ObstacleDef, f)
static const ConfigRow obstacle_rows[] = {
    {.key = "shape", .type = CONFIG_CHOICE, .offset = OBST(shape), .choices = "rect|circle",
     .doc = "rect (centre and size) or circle (centre and radius)"},
    {.key = "center", .type = CONFIG_VEC2, .offset = OBST(center), .min = -1e6, .max = 1e6,
     .doc = "centre of the obstacle, world units; inside the world"},
    {.key = "size", .type = CONFIG_VEC2, .offset = OBST(size), .min = 0.1, .max = 1e6,
     .doc = "width and height of a rect, world units; at most the world's"},
    {.key = "radius", .type = CONFIG_FLOAT, .offset = OBST(radius), .min = 0.1, .max = 1e6,
     .doc = "radius of a circle, world units; at most half the world's smaller side"},
};
static const ConfigSection obstacle_section = {
    .prefix = "",
    .offset = 0,
    .rows = obstacle_rows,
    .row_count = (int)(sizeof obstacle_rows / sizeof obstacle_rows[0]),
    .doc = "an obstacle: blocks movement and sight",
};

#define WD(f) offsetof(WorldDef, f)
static const ConfigRow world_rows[] = {
    {.key = "size", .type = CONFIG_VEC2, .offset = WD(size), .min = 16, .max = 1e6,
     .doc = "width and height of the world, in world units"},
    {.key = "edges", .type = CONFIG_CHOICE, .offset = WD(edges), .choices = "torus|walls",
     .doc = "torus wraps around; walls stop bodies at the border"},
    {.key = "push_apart", .type = CONFIG_BOOL, .offset = WD(push_apart),
     .doc = "overlapping bodies push each other apart (else they may overlap and touch)"},
    {.key = "food.cell_size", .type = CONFIG_FLOAT, .offset = WD(food.cell_size), .min = 0.25,
     .max = 1000,
     .doc = "side of a food cell, world units (an agent eats the cell under it); at most the "
            "world's smaller side"},
    {.key = "food.patches", .type = CONFIG_INT, .offset = WD(food.patches), .min = 0,
     .max = 1024, .doc = "number of plant patches; 0: plants grow everywhere"},
    {.key = "food.patch_radius", .type = CONFIG_FLOAT, .offset = WD(food.patch_radius),
     .min = 0.5, .max = 1e6, .doc = "radius of a patch; capacity falls linearly to 0 at it"},
    {.key = "food.capacity", .type = CONFIG_FLOAT, .offset = WD(food.capacity), .min = 0,
     .max = 1e6, .doc = "plant energy a cell holds at a patch centre"},
    {.key = "food.regrowth", .type = CONFIG_FLOAT, .offset = WD(food.regrowth), .min = 0,
     .max = 1, .doc = "plant growth per tick as a fraction of the cell's capacity"},
    {.key = "food.initial", .type = CONFIG_FLOAT, .offset = WD(food.initial), .min = 0,
     .max = 1, .doc = "fraction of capacity present at the start"},
    {.key = "food.drift", .type = CONFIG_FLOAT, .offset = WD(food.drift), .min = 0, .max = 10,
     .doc = "speed at which patch centres drift, world units per tick (0: fixed)"},
    {.key = "food.season_period", .type = CONFIG_FLOAT, .offset = WD(food.season_period),
     .min = 0, .max = 1e9, .doc = "ticks of one season cycle; 0: no seasons"},
    {.key = "food.season_amplitude", .type = CONFIG_FLOAT, .offset = WD(food.season_amplitude),
     .min = 0, .max = 1, .doc = "growth of each patch swings by +-amplitude, patches out of phase"},
    {.key = "food.meat_decay", .type = CONFIG_FLOAT, .offset = WD(food.meat_decay), .min = 0,
     .max = 1, .doc = "fraction of meat that rots away per tick"},
    {.key = "food.bite", .type = CONFIG_FLOAT, .offset = WD(food.bite), .min = 0, .max = 1e6,
     .doc = "most energy (plant and meat) an agent eats per tick"},
    {.key = "food.visible", .type = CONFIG_FLOAT, .offset = WD(food.visible), .min = 0,
     .max = 1e6, .doc = "least edible energy in a cell for vision to see it as food"},
    {.key = "obstacles", .type = CONFIG_LIST, .offset = WD(obstacles), .min = 0,
     .max = WORLD_MAX_OBSTACLES, .doc = "obstacles (rect or circle) that block movement and sight",
     .item = &obstacle_section, .item_size = sizeof(ObstacleDef),
     .count_offset = WD(obstacle_count), .item_default = &obstacle_default},
    {.key = "random_obstacles", .type = CONFIG_INT, .offset = WD(random_obstacles), .min = 0,
     .max = WORLD_MAX_OBSTACLES, .doc = "extra circular obstacles placed from the run seed"},
    {.key = "random_obstacle_radius", .type = CONFIG_FLOAT, .offset = WD(random_obstacle_radius),
     .min = 0.1, .max = 1e6, .doc = "radius of each random obstacle, world units; at most a quarter of the world's "
            "smaller side"},
};

#define PD(f) offsetof(PopulationDef, f)
static const ConfigRow population_rows[] = {
    {.key = "name", .type = CONFIG_STRING, .offset = PD(name), .max = 32,
     .doc = "name of the population, used in statistics and file names"},
    {.key = "count", .type = CONFIG_INT, .offset = PD(count), .min = 1, .max = 1000000,
     .doc = "number of agents of this population"},
    {.key = "controller", .type = CONFIG_CHOICE, .offset = PD(controller),
     .choices = "brain|random|forager|chaser|fleer",
     .doc = "evolved brain, or a built-in baseline to compare brains with"},
    {.key = "body.radius", .type = CONFIG_FLOAT, .offset = PD(radius), .min = 0.05, .max = 100,
     .doc = "body radius, world units; at most a quarter of the world's smaller side (a body "
            "larger than the world is clamped to its centre)"},
    {.key = "body.max_speed", .type = CONFIG_FLOAT, .offset = PD(max_speed), .min = 0,
     .max = 100,
     .doc = "top speed, world units per tick; at most a quarter of the world's smaller side "
            "(a step past an edge of a torus wraps, however long)"},
    {.key = "body.turn_rate", .type = CONFIG_FLOAT, .offset = PD(turn_rate), .min = 0,
     .max = 180, .doc = "turn per tick at full turn output, degrees"},
    {.key = "body.drag", .type = CONFIG_FLOAT, .offset = PD(drag), .min = 0.01, .max = 1,
     .doc = "fraction of velocity lost per tick; thrust reaches max_speed"},
    {.key = "diet.plants", .type = CONFIG_FLOAT, .offset = PD(eat_plants), .min = 0, .max = 1,
     .doc = "fraction of eaten plant energy digested (herbivores near 1)"},
    {.key = "diet.meat", .type = CONFIG_FLOAT, .offset = PD(eat_meat), .min = 0, .max = 1,
     .doc = "fraction of eaten meat and attack damage digested (carnivores near 1)"},
    {.key = "energy.start", .type = CONFIG_FLOAT, .offset = PD(energy_start), .min = 0.001,
     .max = 1e9, .doc = "energy of a founder; at most energy.max"},
    {.key = "energy.max", .type = CONFIG_FLOAT, .offset = PD(energy_max), .min = 0.001,
     .max = 1e9, .doc = "most energy a body holds; more is discarded"},
    {.key = "energy.metabolism", .type = CONFIG_FLOAT, .offset = PD(metabolism), .min = 0,
     .max = 1e6, .doc = "energy spent per tick just living"},
    {.key = "energy.thrust_cost", .type = CONFIG_FLOAT, .offset = PD(thrust_cost), .min = 0,
     .max = 1e6, .doc = "energy per tick at full thrust (scales with |thrust|)"},
    {.key = "energy.node_cost", .type = CONFIG_FLOAT, .offset = PD(node_cost), .min = 0,
     .max = 1e6, .doc = "energy per tick per brain node (hidden and output)"},
    {.key = "energy.conn_cost", .type = CONFIG_FLOAT, .offset = PD(conn_cost), .min = 0,
     .max = 1e6, .doc = "energy per tick per enabled brain connection"},
    {.key = "energy.attack_cost", .type = CONFIG_FLOAT, .offset = PD(attack_cost), .min = 0,
     .max = 1e6, .doc = "energy spent per attack"},
    {.key = "energy.reproduce", .type = CONFIG_FLOAT, .offset = PD(reproduce_energy), .min = 0,
     .max = 1e9, .doc = "least energy for the reproduce intent to count (open-ended mode)"},
    {.key = "energy.corpse", .type = CONFIG_FLOAT, .offset = PD(corpse), .min = 0, .max = 1e9,
     .doc = "meat a dead body leaves beyond its remaining energy"},
    {.key = "attack.damage", .type = CONFIG_FLOAT, .offset = PD(attack_damage), .min = 0,
     .max = 1e9, .doc = "energy taken from the target per attack"},
    {.key = "attack.gain", .type = CONFIG_FLOAT, .offset = PD(attack_gain), .min = 0, .max = 1,
     .doc = "fraction of the damage the attacker gains (times diet.meat)"},
    {.key = "attack.range", .type = CONFIG_FLOAT, .offset = PD(attack_range), .min = 0,
     .max = 100, .doc = "reach beyond both radii, world units, within 45 degrees of the heading; the "
            "radius, the largest radius and the range reach at most half the world's smaller "
            "side"},
    {.key = "lifespan", .type = CONFIG_INT, .offset = PD(lifespan), .min = 0, .max = 1000000000,
     .doc = "ticks an agent lives at most; 0: unlimited"},
    {.key = "senses.vision", .type = CONFIG_BOOL, .offset = PD(senses.vision),
     .doc = "vision: per sector, closeness of the nearest food, kin, other and obstacle"},
    {.key = "senses.sectors", .type = CONFIG_INT, .offset = PD(senses.sectors), .min = 1,
     .max = WORLD_MAX_SECTORS, .doc = "vision sectors over the field of view"},
    {.key = "senses.fov", .type = CONFIG_FLOAT, .offset = PD(senses.fov), .min = 1, .max = 360,
     .doc = "field of view, degrees, centred on the heading"},
    {.key = "senses.range", .type = CONFIG_FLOAT, .offset = PD(senses.range), .min = 0.5,
     .max = 1000,
     .doc = "vision and signal range, world units; at most half the world's smaller side"},
    {.key = "senses.touch", .type = CONFIG_BOOL, .offset = PD(senses.touch),
     .doc = "touch: 1 when overlapping another body or pressed on a wall or obstacle"},
    {.key = "senses.smell", .type = CONFIG_BOOL, .offset = PD(senses.smell),
     .doc = "smell: food gradient ahead and to the left (two inputs)"},
    {.key = "senses.energy", .type = CONFIG_BOOL, .offset = PD(senses.energy),
     .doc = "own energy as a fraction of energy.max"},
    {.key = "senses.speed", .type = CONFIG_BOOL, .offset = PD(senses.speed),
     .doc = "own speed as a fraction of body.max_speed"},
    {.key = "senses.age", .type = CONFIG_BOOL, .offset = PD(senses.age),
     .doc = "own age as a fraction of lifespan (0 when unlimited)"},
    {.key = "senses.clock", .type = CONFIG_BOOL, .offset = PD(senses.clock),
     .doc = "clock: sine and cosine of the tick over clock_period (two inputs)"},
    {.key = "senses.clock_period", .type = CONFIG_FLOAT, .offset = PD(senses.clock_period),
     .min = 1, .max = 1e9, .doc = "ticks of one clock cycle"},
    {.key = "senses.noise", .type = CONFIG_BOOL, .offset = PD(senses.noise),
     .doc = "noise: uniform in [-1, 1] from the agent's own stream"},
    {.key = "senses.signal", .type = CONFIG_BOOL, .offset = PD(senses.signal),
     .doc = "signals of agents in range, weighted by closeness, clamped to [-1, 1]"},
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

void world_food_grid_size(const WorldDef *def, int *fx, int *fy)
{
    /* as world_food_init makes it */
    double nx = floor(def->size[0] / def->food.cell_size + 0.5);
    double ny = floor(def->size[1] / def->food.cell_size + 0.5);
    *fx = nx < 1 ? 1 : (nx > INT_MAX ? INT_MAX : (int)nx);
    *fy = ny < 1 ? 1 : (ny > INT_MAX ? INT_MAX : (int)ny);
}

uint64_t world_estimate_bytes(const WorldDef *def, const PopulationDef *pops, int pop_count)
{
    int fx, fy;
    world_food_grid_size(def, &fx, &fy);
    /* plant, meat, capacity, patch owner; row flows */
    double bytes = (double)fx * (double)fy * (3.0 * sizeof(float) + sizeof(int16_t)) +
                   (double)fy * 2.0 * sizeof(double);
    /* the agent grid: cells of half the largest query radius, at most
     * 2^22 of them (as world_create and world_grid_init make it) */
    double rmax = 0, cell = 0.5, agents = 0;
    for (int p = 0; p < pop_count; ++p) {
        rmax = pops[p].radius > rmax ? pops[p].radius : rmax;
        agents += pops[p].count;
    }
    for (int p = 0; p < pop_count; ++p) {
        double q = pops[p].radius + rmax + pops[p].attack_range;
        q = pops[p].senses.range > q ? pops[p].senses.range : q;
        cell = q * 0.5 > cell ? q * 0.5 : cell;
    }
    double gx = floor(def->size[0] / cell), gy = floor(def->size[1] / cell);
    gx = gx < 1 ? 1 : gx;
    gy = gy < 1 ? 1 : gy;
    double cells = gx * gy > (double)(1 << 22) ? (double)(1 << 22) : gx * gy;
    bytes += cells * (2.0 * sizeof(int32_t) + 1.0);
    /* per agent: the hot and scratch arrays, input and output rows, events
     * and claim buckets */
    int stride = 1;
    for (int p = 0; p < pop_count; ++p) {
        const SensesDef *s = &pops[p].senses;
        int n = (s->vision ? 4 * s->sectors : 0) + s->touch + 2 * s->smell + s->energy +
                s->speed + s->age + 2 * s->clock + s->noise + s->signal;
        stride = n > stride ? n : stride;
    }
    double per_agent = 4 + 1 + 1 + 1 + 7 * 4 + 3 * 4 + 4 + 4 + sizeof(Pcg32) + 16 +
                       sizeof(AgentCounters) + 4 + 4 + 4 + 4 * 4 + 4 + 24 + 2 * 12 + 2 * 4 +
                       4.0 * (stride + WORLD_OUTPUTS) + 1.5 * sizeof(WorldEvent) + 4;
    bytes += (agents > 16 ? agents : 16) * per_agent + (double)fx * (double)fy * 4.0;
    return bytes >= 1.8e19 ? UINT64_MAX : (uint64_t)bytes;
}
