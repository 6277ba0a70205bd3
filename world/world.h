/*
 * world: the 2D world. Geometry and edges, spatial grid, food, bodies,
 * sensors (state to inputs), actuators (outputs to intents), resolution of
 * contested actions, energy, births and deaths as events.
 *
 * The world never calls a brain: sim/ carries inputs from the world to the
 * brains and outputs back. A tick, driven by sim/tick.c, is:
 *
 *   world_tick_begin(w)                      serial: grid by counting sort
 *   for each slot (parallel): world_sense(w, slot)     -> input row
 *   for each slot (parallel): brain or world_control_baseline(w, slot)
 *   for each slot (parallel): world_act(w, slot)       outputs -> intents
 *   world_resolve(w)          attacks, eating, movement, metabolism, deaths
 *   world_environment(w)      food regrowth, drift, seasons, meat decay
 *   world_tick_end(w)         counters, events in id order, packing
 *
 * Agents live in slots 0..count-1, always sorted by id (deaths are packed
 * out preserving order, births are appended with the next serial id), so
 * a slot is valid only until the next world_tick_end or birth: keep ids
 * across ticks, never slots (world_find).
 *
 * Units: lengths in world units, time in ticks, angles in radians
 * (degrees in the config), energy in abstract energy units.
 */
#ifndef PETRI_WORLD_H
#define PETRI_WORLD_H

#include "core/core.h"

#define WORLD_MAX_POPULATIONS 8
#define WORLD_MAX_OBSTACLES 64
#define WORLD_MAX_SECTORS 16
/* Largest input row: 4 kinds per sector plus the scalar senses. */
#define WORLD_MAX_INPUTS (4 * WORLD_MAX_SECTORS + 16)

typedef enum WorldEdges { WORLD_EDGES_TORUS = 0, WORLD_EDGES_WALLS } WorldEdges;
typedef enum ObstacleShape { OBSTACLE_RECT = 0, OBSTACLE_CIRCLE } ObstacleShape;

/* One obstacle (an item of the config list "world.obstacles"). */
typedef struct ObstacleDef {
    int shape;          /* ObstacleShape */
    double center[2];   /* world units */
    double size[2];     /* rect: width, height */
    double radius;      /* circle */
} ObstacleDef;

/* Plant food and meat (config keys "world.food.*"). Food lives on its own
 * grid of square cells, each with a plant and a meat amount. */
typedef struct FoodDef {
    double cell_size;         /* world units per food cell side */
    int patches;              /* patch count; 0: plants grow everywhere */
    double patch_radius;      /* world units; capacity falls off linearly to 0 at it */
    double capacity;          /* plant energy a cell holds at a patch centre */
    double regrowth;          /* per tick, as a fraction of the cell's capacity */
    double initial;           /* fraction of capacity present at the start */
    double drift;             /* world units per tick that patch centres move */
    double season_period;     /* ticks of one season cycle; 0: no seasons */
    double season_amplitude;  /* growth multiplier swings by +-amplitude */
    double meat_decay;        /* fraction of meat lost per tick */
    double bite;              /* most energy (plant + meat) eaten per tick */
    double visible;           /* least edible energy in a cell that vision sees */
} FoodDef;

/* Settings of the world as a whole (config section "world"). */
typedef struct WorldDef {
    double size[2];   /* width, height in world units */
    int edges;        /* WorldEdges */
    FoodDef food;
    ObstacleDef obstacles[WORLD_MAX_OBSTACLES];
    int obstacle_count;
    int random_obstacles;        /* extra circles placed from the seed */
    double random_obstacle_radius;
    bool push_apart;             /* overlapping bodies push each other apart */
} WorldDef;

typedef enum Controller {
    CONTROLLER_BRAIN = 0,   /* an evolved brain, stepped by sim/ */
    CONTROLLER_RANDOM,      /* random turns and thrust from the agent's stream */
    CONTROLLER_FORAGER,     /* steers to the nearest visible food, eats */
    CONTROLLER_CHASER,      /* steers to the nearest other agent, attacks */
    CONTROLLER_FLEER,       /* steers away from other agents, else forages */
    CONTROLLER_COUNT
} Controller;

/* Which senses a population's input row holds. */
typedef struct SensesDef {
    bool vision;
    int sectors;        /* K vision sectors over the field of view */
    double fov;         /* degrees, centred on the heading */
    double range;       /* world units */
    bool touch, smell, energy, speed, age, clock, noise, signal;
    double clock_period; /* ticks */
} SensesDef;

/* Settings of one population (an item of the config list "populations"). */
typedef struct PopulationDef {
    char name[32];
    int count;
    int controller;       /* Controller */
    /* body */
    double radius;        /* world units */
    double max_speed;     /* world units per tick */
    double turn_rate;     /* degrees per tick at full turn output */
    double drag;          /* fraction of velocity lost per tick */
    /* diet: fraction of eaten energy that is digested (the rest is lost) */
    double eat_plants, eat_meat;
    /* energy */
    double energy_start, energy_max;
    double metabolism;     /* per tick */
    double thrust_cost;    /* per tick at full thrust */
    double node_cost;      /* per brain node (hidden + output) per tick */
    double conn_cost;      /* per enabled brain connection per tick */
    double attack_cost;    /* per attack */
    double attack_damage;  /* energy taken from the target per attack */
    double attack_gain;    /* fraction of the damage the attacker digests */
    double attack_range;   /* reach beyond both radii, world units */
    double corpse;         /* meat a body leaves beyond its remaining energy */
    double reproduce_energy; /* least energy for the reproduce intent to count */
    int lifespan;          /* ticks; 0: unlimited */
    SensesDef senses;
} PopulationDef;

WorldDef world_default_def(void);
PopulationDef population_default_def(void);
/* Schema rows, offsets inside WorldDef and PopulationDef. */
const ConfigRow *world_config_rows(int *count);
const ConfigRow *population_config_rows(int *count);
const char *controller_name(int controller);
/* Food cells across and down that a world of def has. */
void world_food_grid_size(const WorldDef *def, int *fx, int *fy);
/* Bytes a world of these defs holds once populated (the food grid, the
 * agent grid and the per-agent arrays), estimated from the sizes alone
 * without allocating: what the config checks hold against a limit. */
uint64_t world_estimate_bytes(const WorldDef *def, const PopulationDef *pops, int pop_count);

/* ---------------------------------------------------------------- agents */

/* Outputs every agent's controller writes, in this order, each in [-1, 1]
 * (brains' outputs are clamped). Eat, attack and reproduce act when > 0. */
enum {
    WORLD_OUT_TURN = 0,
    WORLD_OUT_THRUST,
    WORLD_OUT_EAT,
    WORLD_OUT_ATTACK,
    WORLD_OUT_SIGNAL,
    WORLD_OUT_REPRODUCE,
    WORLD_OUTPUTS
};

typedef enum DeathCause {
    DEATH_NONE = 0,
    DEATH_STARVED,
    DEATH_OLD_AGE,
    DEATH_KILLED,
    DEATH_REMOVED,   /* world_remove_agent */
    DEATH_CAUSE_COUNT
} DeathCause;
const char *death_cause_name(int cause);

/* Per-agent counters for fitness and statistics (cold data). */
typedef struct AgentCounters {
    double energy_plants;  /* digested energy from plants */
    double energy_meat;    /* digested energy from meat and attacks */
    double distance;       /* world units travelled */
    double damage;         /* damage dealt */
    uint32_t ticks_alive;
    uint32_t kills;
    uint32_t offspring;
    uint32_t cause;        /* DeathCause; DEATH_NONE while alive */
    uint32_t parent;       /* parent id; WORLD_NO_ID for founders */
    uint64_t birth_tick;
} AgentCounters;

#define WORLD_NO_ID UINT32_MAX

/* What world_add_agent needs. */
typedef struct AgentSpawn {
    int pop;
    float x, y, heading;  /* heading in radians */
    float energy;         /* <= 0: the population's energy_start */
    int32_t tag;          /* opaque to the world (sim: brain index); moves with the agent */
    uint32_t parent;      /* WORLD_NO_ID for founders */
    int brain_nodes, brain_conns; /* priced by node_cost and conn_cost */
} AgentSpawn;

typedef enum WorldEventKind { EVENT_BIRTH = 0, EVENT_DEATH, EVENT_KILL } WorldEventKind;

/* One event. Births: id, other = parent. Deaths: id,
 * cause, other = killer (or WORLD_NO_ID), counters = final counters.
 * Kills: id = killer, other = victim. */
typedef struct WorldEvent {
    uint32_t kind;   /* WorldEventKind */
    uint32_t id;
    uint32_t other;
    int32_t pop;
    int32_t tag;
    uint32_t cause;
    uint64_t tick;
    AgentCounters counters;
} WorldEvent;

/* Energy flows, summed in id or cell order (doubles). Between any two
 * moments outside a tick, world_energy_total changes by ledger_net's
 * change (in float tolerance): the ledger balances every tick (tested). */
typedef struct EnergyLedger {
    double added;          /* energy of agents added from outside (founders) */
    double growth;         /* plant growth */
    double corpses;        /* meat bodies leave beyond their energy */
    double metabolism;     /* base metabolism */
    double thrust;         /* thrust cost */
    double brain;          /* brain upkeep */
    double attack_cost;
    double attack_loss;    /* damage not digested by attackers */
    double digestion_loss; /* food eaten but not digested */
    double decay;          /* meat decay */
    double removed;        /* energy of agents removed from outside */
    double overflow;       /* energy beyond energy_max that is discarded */
    double debt;           /* costs charged beyond what a dying body had, given back */
} EnergyLedger;
/* The net flow: added + growth + corpses + debt - every loss. */
double ledger_net(const EnergyLedger *l);

typedef struct World World;

/* ---------------------------------------------------------------- life */

/* Checks every setting (and what needs several at once) and makes a world
 * without agents. seed drives obstacles, patches and agent streams. */
PetriStatus world_create(const WorldDef *def, const PopulationDef *pops, int pop_count,
                         uint64_t seed, World **out, PetriError *err);
void world_destroy(World *w);
/* Changes the rates of a running world that nothing else derives from:
 * the food keys regrowth, season_period, season_amplitude and meat_decay,
 * and each population's energy costs and gains (metabolism, thrust_cost,
 * node_cost, conn_cost, attack_cost, attack damage and gain, corpse,
 * reproduce). Every other field of def and pops is ignored. An agent's
 * brain upkeep is priced when it is set (world_set_agent_upkeep): call
 * that again for each agent after a change of node_cost or conn_cost.
 * Between ticks. */
void world_set_rates(World *w, const WorldDef *def, const PopulationDef *pops);
/* Adds each population's count agents at random free places, ids
 * serially, tags -1. Not during a tick. */
void world_populate(World *w);
/* Adds one agent from outside (its energy counts as "added"); returns its
 * id. Not during a tick. */
uint32_t world_add_agent(World *w, const AgentSpawn *spawn);
/* A world holds at most WORLD_GROWTH times the agents its populations
 * start with (and at least WORLD_GROWTH_MIN): births past it wait for
 * deaths. Without a bound a population that breeds every tick doubles
 * every tick, past any memory (found by the random-config test). */
#define WORLD_GROWTH 8
#define WORLD_GROWTH_MIN 1024
/* Agents a world of populations starting with `total` agents may hold. */
int world_agent_ceiling(int64_t total);
/* A birth: the child's energy (spawn->energy, > 0) is taken from the
 * parent (ledger-neutral), the parent's offspring counter grows, a birth
 * event is recorded. Returns the child's id, or WORLD_NO_ID when the
 * parent is not found or too poor, or the world is at its ceiling
 * (world_agent_ceiling). Between ticks only; call in id order. */
uint32_t world_birth(World *w, uint32_t parent_id, const AgentSpawn *spawn);
/* Removes an agent now (energy counts as "removed"). Between ticks. */
void world_remove_agent(World *w, uint32_t id);
/* Reserves room for n agents, so that births up to n do not allocate. */
void world_reserve(World *w, int n);

/* ---------------------------------------------------------------- tick */

void world_tick_begin(World *w);
/* Writes the input row of the agent in slot. Parallel over slots. */
void world_sense(World *w, int slot);
/* The sensor's code paths: every one gives the same bits. AUTO is the
 * widest this CPU has (AVX2, else SSE2). */
typedef enum WorldIsa {
    WORLD_ISA_AUTO = 0,
    WORLD_ISA_SCALAR,
    WORLD_ISA_SSE2,
    WORLD_ISA_AVX2,
} WorldIsa;
/* Chooses the sensor's code path for every world of the process; false
 * (and nothing changed) when this CPU lacks it. Not during a tick. */
bool world_set_isa(WorldIsa isa);
/* The path in use (AUTO resolved). */
WorldIsa world_isa(void);
bool world_isa_supported(WorldIsa isa);
/* "scalar", "sse2", "avx2" ("auto" for AUTO), and back. */
const char *world_isa_name(WorldIsa isa);
bool world_isa_parse(const char *name, WorldIsa *out);
/* The k-th slot in grid order (valid after world_tick_begin): sensing in
 * this order reads neighbours that are near in memory, which matters for
 * large worlds. */
int world_grid_slot(const World *w, int k);
/* Asks the CPU to start loading the per-agent data a sense, think and
 * act of this slot read and write (its rows and hot fields): a hint for
 * loops in grid order, which changes no result. */
void world_prefetch_agent(const World *w, int slot);
/* Runs the built-in controller of the agent's population: input row to
 * output row. Parallel over slots; brain agents are left alone. */
void world_control_baseline(World *w, int slot);
/* Turns the output row into intents. Parallel over slots. */
void world_act(World *w, int slot);
/* Attacks, eating, movement and collisions, metabolism, deaths marked.
 * Serial where contested, parallel inside where not. */
void world_resolve(World *w);
/* Food regrowth, patch drift, seasons, meat decay: parallel over rows of
 * cells. */
void world_environment(World *w);
/* Counters, events (deaths, kills) in id order, packing of the dead. */
void world_tick_end(World *w);
/* The whole tick with baseline controllers only (brain agents' outputs
 * stay as they were); threads follow OpenMP's setting. */
void world_step(World *w);

/* ---------------------------------------------------------------- reading */

int world_agent_count(const World *w);
int world_population_count(const World *w);
int world_population_size(const World *w, int pop); /* living agents of pop */
const PopulationDef *world_population_def(const World *w, int pop);
const WorldDef *world_def(const World *w);
uint64_t world_tick(const World *w);
uint64_t world_seed(const World *w);
/* Input row length of a population (depends on its senses) and the
 * name of input i ("vision.plant.3", "energy", ...) into out. */
int world_input_count(const World *w, int pop);
void world_input_name(const World *w, int pop, int i, char *out, size_t cap);
/* Name of output i of every population ("turn", "thrust", ...; the
 * WORLD_OUT_ order) into out; "" outside [0, WORLD_OUTPUTS). */
void world_output_name(const World *w, int pop, int i, char *out, size_t cap);
/* Row pointers of the agent in slot: inputs are world_input_count long,
 * outputs WORLD_OUTPUTS. Rows are scratch of the tick: they hold what
 * world_sense and the controller wrote for the agent in this slot until
 * world_tick_end packs out the dead (rows do not move with agents). */
float *world_inputs(World *w, int slot);
float *world_outputs(World *w, int slot);

/* A read-only view of an agent, by slot. */
typedef struct AgentView {
    uint32_t id;
    int pop;
    int32_t tag;
    float x, y, heading, vx, vy, energy, signal;
    uint32_t age;
    bool reproduce;       /* the reproduce intent of the last act, with enough energy */
    bool dead;            /* marked during this tick, packed at tick end */
    AgentCounters counters;
} AgentView;
void world_agent(const World *w, int slot, AgentView *out);
uint32_t world_agent_id(const World *w, int slot);
int32_t world_agent_tag(const World *w, int slot);
int world_agent_pop(const World *w, int slot);
float world_agent_energy(const World *w, int slot);
bool world_agent_wants_reproduce(const World *w, int slot);
/* Slot of id, or -1 (binary search: slots are sorted by id). */
int world_find(const World *w, uint32_t id);
/* Moves an agent (tests, hand-placed scenes). Between ticks. */
void world_place_agent(World *w, int slot, float x, float y, float heading);
void world_set_agent_energy(World *w, int slot, float energy);
/* Sets the opaque tag (sim: brain index) and the brain upkeep of an agent. */
void world_set_agent_tag(World *w, int slot, int32_t tag);
void world_set_agent_upkeep(World *w, int slot, int brain_nodes, int brain_conns);
const AgentCounters *world_agent_counters(const World *w, int slot);

/* Events since the last world_tick_begin: the tick's deaths (each
 * followed by its kill, if any) in id order, then births made by
 * world_birth after the tick, in call order. */
const WorldEvent *world_events(const World *w, int *count);

/* Food: cells, amounts, and a setter for hand-placed scenes. */
int world_food_cells(const World *w, int *nx, int *ny);
float world_food_plant(const World *w, int cell);
float world_food_meat(const World *w, int cell);
/* Obstacles as placed, the seed's random ones included (for drawing):
 * returns the count, copies up to cap of them into out (may be NULL). */
int world_obstacles(const World *w, ObstacleDef *out, int cap);
/* Is a body of radius r at (x, y) clear of walls and obstacles? */
bool world_point_free(const World *w, float x, float y, float r);
/* Sets the plant and meat of the cell holding (x, y) (ledger: "added"). */
void world_set_food(World *w, float x, float y, float plant, float meat);

/* Energy: the world's total (agents + plants + meat) and the flows. */
double world_energy_total(const World *w);
EnergyLedger world_ledger(const World *w);

/* A hash of the whole state: tick, ids, every agent field and stream,
 * counters, food, patches and ledger. Equal hashes: equal worlds. */
uint64_t world_hash(const World *w);

/* The state a tick changes, for checkpoints (world/world_state.c). Between
 * ticks only. world_load makes the world from the same defs and seed, then
 * restores the state; the loaded world hashes and continues exactly as the
 * saved one. Every count and float is checked. */
void world_save(const World *w, ByteBuf *out);
PetriStatus world_load(const WorldDef *def, const PopulationDef *pops, int pop_count,
                       uint64_t seed, ByteReader *r, World **out, PetriError *err);

/* Bytes the world holds (for memory reports). */
size_t world_bytes(const World *w);

#endif
