/*
 * world internals, shared by the files of world/ and the tests.
 *
 * Hot per-agent data are arrays of fields indexed by slot; counters and
 * bookkeeping are apart. Slots stay sorted by agent id. Every array is
 * sized for `cap` agents and grows only outside a tick (world_reserve,
 * births), so a steady tick allocates nothing.
 */
#ifndef PETRI_WORLD_INTERNAL_H
#define PETRI_WORLD_INTERNAL_H

#include "world/world.h"

#include <assert.h>
#include <math.h>

#define PETRI_WORLD_ASSERT(x) assert(x)

#define WORLD_PI 3.14159265358979323846f
#define WORLD_TAU 6.28318530717958647692f
#define WORLD_PBINS 256
/* most parts a step is cut into among obstacles (world_tick.c) */
#define WORLD_MAX_PARTS 64
/* best-distance slots of a sense: 4 kinds x sectors, then a sink that
 * takes the updates of what is not seen (so the update needs no branch) */
#define WORLD_BEST_SINK (4 * WORLD_MAX_SECTORS)
#define WORLD_BEST_SLOTS (WORLD_BEST_SINK + 1)

/* floor() to int for |x| < 2^31, without a libm call. */
static inline int world_floor_int(float x)
{
    int i = (int)x;
    return i - (x < (float)i);
}

/* A pseudo-angle in (-2, 2] of the direction (x ahead, y left): a
 * monotonic function of the angle, 0 ahead, +-1 at the sides, 2 behind. */
static inline float world_pseudo_angle(float x, float y)
{
    /* written without branches (they mispredict in the sensor's loops):
     * (0, 0) reads as straight ahead */
    float sum = fabsf(x) + fabsf(y);
    float zero = (float)(sum == 0.0f);
    float p = 1.0f - (x + zero) / (sum + zero);
    return copysignf(p, y);
}

/* Input layout of one population: offsets into its row, -1 when the sense
 * is switched off. */
typedef struct InputLayout {
    int count;
    int vision;      /* 4 * sectors values: kind-major, kind: plant, same, other, obstacle */
    int touch, smell, energy, speed, age, clock, noise, signal;
    /* derived numbers used by the sensor */
    int sectors;
    float range, range2, inv_range, half_fov, sector_scale;
    /* centre direction of each sector in the agent's frame (x ahead, y left) */
    float sector_c[WORLD_MAX_SECTORS], sector_s[WORLD_MAX_SECTORS];
    float sector_angle[WORLD_MAX_SECTORS];
    /* sector boundaries (K + 1) as unit vectors in the agent's frame; with
     * a field of view up to 180 degrees a direction is binned by the signs
     * of cross products with them, no trigonometry */
    float bound_c[WORLD_MAX_SECTORS + 1], bound_s[WORLD_MAX_SECTORS + 1];
    bool narrow;
    /* the same boundaries as pseudo-angles (world_pseudo_angle), and a
     * table from pseudo-angle bins to the count of boundaries at or below
     * the bin's lower edge: binning costs one division and a lookup */
    float bound_p[WORLD_MAX_SECTORS + 2]; /* [K + 1]: +inf */
    uint8_t pbin[WORLD_PBINS];
    bool one_step; /* every bin holds at most one boundary */
    /* every best-distance slot set to range2: copied at the start of a sense */
    float best_init[WORLD_BEST_SLOTS];
} InputLayout;

/* Per-population numbers the tick reads, in float. */
typedef struct PopParams {
    float radius, max_speed, turn_rate, drag;
    float eat_plants, eat_meat;
    float energy_max, metabolism, thrust_cost, node_cost, conn_cost;
    float attack_cost, attack_damage, attack_gain, attack_reach, corpse;
    float reproduce_energy;
    float inv_energy_max, inv_max_speed, inv_lifespan;
    uint32_t lifespan;
    int controller;
    float clock_omega;
} PopParams;

/* Obstacles in float, with their bounding boxes. */
typedef struct Obstacle {
    int shape;
    float cx, cy;
    float hw, hh;     /* rect half sizes */
    float r, r2;      /* circle */
    float minx, miny, maxx, maxy;
} Obstacle;

/* Intents of one agent, from world_act. */
typedef struct Intent {
    float turn;       /* [-1, 1] */
    float thrust;     /* [-1, 1] */
    float signal;     /* [-1, 1] */
    uint8_t eat, attack, reproduce;
} Intent;

_Static_assert(sizeof(Intent) <= 16, "intents are hot per-agent data");

/* An attack or a meal to resolve. */
typedef struct Claim {
    uint32_t key;     /* target slot or food cell */
    float dist2;
    uint32_t slot;    /* claimant slot (slot order is id order) */
} Claim;
_Static_assert(sizeof(Claim) == 12, "claims are sorted by the thousand each tick");

struct World {
    WorldDef def;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    PopParams pp[WORLD_MAX_POPULATIONS];
    InputLayout layout[WORLD_MAX_POPULATIONS];
    int pop_count;
    uint64_t seed;
    uint64_t tick;
    uint32_t next_id;
    float width, height, half_w, half_h;
    bool torus;
    float qradius[WORLD_MAX_POPULATIONS];  /* neighbour query radius per population */
    float qradius2[WORLD_MAX_POPULATIONS];
    float near2[WORLD_MAX_POPULATIONS];    /* (radius + largest radius + reach)^2 */
    float clock_sin[WORLD_MAX_POPULATIONS], clock_cos[WORLD_MAX_POPULATIONS];

    /* agents: hot arrays of fields, by slot */
    int count, cap;
    int ceiling;          /* most agents births may make (world_agent_ceiling) */
    uint32_t *id;
    uint8_t *pop;
    uint8_t *dead;        /* DeathCause marked this tick */
    uint8_t *touch;       /* touched a wall or obstacle on the last move */
    float *x, *y, *heading, *cos_h, *sin_h, *vx, *vy;
    float *energy, *signal, *upkeep;
    uint32_t *age;
    int32_t *tag;
    Pcg32 *rng;
    Intent *intent;
    int32_t *target;      /* slot in front within reach, -1: none (sense) */
    float *target_d2;
    int32_t *eat_cell;    /* food cell under the agent (act) */
    float *eat_d2;        /* squared distance to its centre (act) */
    double *eat_loss;     /* digestion loss of each meal claim (resolve) */
    uint32_t *killer;     /* id of the killer, WORLD_NO_ID */
    float *inputs;        /* cap * stride */
    float *outputs;       /* cap * WORLD_OUTPUTS */
    int stride;
    /* per-agent flows of this tick, summed in slot order at tick end */
    float *f_metab, *f_thrust, *f_brain, *f_overflow;
    float *push_x, *push_y;  /* push_apart: displacement of this tick */
    /* cold */
    AgentCounters *counters;

    /* spatial grid, rebuilt each tick by counting sort */
    int gx, gy;
    float gcell_w, gcell_h, ginv_w, ginv_h;
    int32_t *gstart;      /* gx * gy + 1 */
    int32_t *gcount;      /* gx * gy (scratch) */
    int32_t *gcell_of;    /* cap: cell of each slot */
    int32_t *grank;       /* cap: rank of each slot within its cell (scratch) */
    /* the agents as the neighbour loop streams them, copied in cell
     * order as arrays of fields (cap each): loaded four or eight at a
     * time with no transposition */
    float *gpx, *gpy, *gsig, *grad;
    int32_t *gslot, *gpop;
    uint8_t *gobst;       /* per grid cell: obstacle or wall within reach of vision */

    /* obstacles */
    Obstacle obst[WORLD_MAX_OBSTACLES * 2];
    int obst_count;

    /* food */
    int fx, fy;
    float fcell_w, fcell_h, finv_w, finv_h;
    float *season;        /* growth multiplier per patch this tick (+1 slot for "no patch") */
    float *plant, *meat, *capacity;
    int16_t *patch_of;    /* patch that gives each cell its capacity, -1: none */
    float *patch_x, *patch_y, *patch_dx, *patch_dy;
    int patch_count;
    double *row_growth, *row_decay; /* fy: per-row flows, summed in row order */
    bool capacity_dynamic;

    /* contested actions (cap each) */
    Claim *claims, *claims_tmp;
    int32_t *claim_count;  /* counting sort buckets, max(cap, cells) + 1 */
    int claim_buckets;

    /* events of the last tick */
    WorldEvent *events;
    int event_count, event_cap;

    EnergyLedger ledger;
    bool in_tick;
};

/* world.c */
void world_grow_agents(World *w, int cap);
void world_pack(World *w);
#define assert_not_in_tick(w) PETRI_WORLD_ASSERT(!(w)->in_tick)
/* world_grid.c */
void world_grid_build(World *w);
void world_grid_init(World *w, float cell);
int world_grid_cell_of(const World *w, float x, float y);
/* world_food.c */
void world_food_init(World *w);
void world_food_fini(World *w);
float world_food_edible(const World *w, int cell, int pop);
int world_food_cell_of(const World *w, float x, float y);
/* world_geom.c */
void world_obstacles_init(World *w);
/* Pushes a body of radius r at (x, y) out of walls and obstacles; returns
 * true when it touched one. */
bool world_collide_static(const World *w, float *x, float *y, float r);
/* Does the segment from (ax, ay) along (dx, dy) cross an obstacle? */
bool world_segment_blocked(const World *w, float ax, float ay, float dx, float dy);
/* Distance along a ray from (ax, ay) in direction (ux, uy) (unit) to the
 * first wall or obstacle, or `range` when none is nearer. */
float world_ray_distance(const World *w, float ax, float ay, float ux, float uy, float range);
/* Wrap a displacement for the torus (no-op with walls). */
static inline float world_wrap_dx(const World *w, float d, float half, float full)
{
    if (w->torus) {
        if (d > half) {
            d -= full;
        } else if (d < -half) {
            d += full;
        }
    }
    return d;
}
/* Brings a position into the world, whatever it is: on a torus a
 * coordinate is wrapped by as many widths as it lies outside (a step may
 * be longer than the world), with walls it is clamped to [r, size - r],
 * or to the centre when a body of radius r is wider than the world. A
 * position already inside is left as it is, to the bit. NaN becomes 0. */
static inline float world_fit_coord(float v, float full, float r, bool torus)
{
    if (!(v == v)) {
        return 0.0f;
    }
    if (torus) {
        if (v < 0.0f || v >= full) {
            v -= floorf(v / full) * full;
            /* rounding may leave v at full, or a hair below 0 */
            v = v >= full || v < 0.0f ? 0.0f : v;
        }
        return v;
    }
    float lo = r, hi = full - r;
    if (hi < lo) {
        lo = hi = full * 0.5f;
    }
    return v < lo ? lo : (v > hi ? hi : v);
}
/* world_event.c */
void world_event_push(World *w, const WorldEvent *e);

#endif
