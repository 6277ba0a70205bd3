/*
 * The tick that joins the world and the brains, and the named scenarios.
 *
 * A Habitat owns one World and one BrainPool; each agent's brain index
 * travels with it as the world's tag, so packing the world's arrays never
 * loses track of a brain. One tick:
 *
 *   begin        serial     grid by counting sort
 *   sense        parallel   world_sense: own input row, own stream
 *   think        parallel   brain_step on the row, or the baseline
 *   act          parallel   outputs -> intents, nothing shared written
 *   resolve      world      contested claims serially by (distance, id),
 *                           movement and metabolism parallel per slot
 *   environment  world      parallel over rows of food cells
 *   record       serial     ledger sums, deaths and kills in id order,
 *                           packing, then baseline births in id order
 *
 * Parallel loops write only their own slot, random draws come from each
 * agent's own stream, and every float sum runs in a fixed order, so the
 * state after a tick is the same at every thread count (tested by hash).
 */
#include "sim/sim.h"

#include <assert.h>
#include <math.h>
#include "core/parallel.h"
#include <string.h>

struct Habitat {
    World *world;
    BrainPool *brains;
    uint64_t seed;
    Pcg32 spawn[WORLD_MAX_POPULATIONS];
    bool baseline_births;
    bool phase_timing;
    HabitatEventSink sink;
    void *sink_user;
    TickTimes times;
    /* locality: brains laid out in grid order every HABITAT_RELAYOUT_TICKS */
    int32_t *brain_order;
    int brain_order_cap;
    int ticks_since_layout;
    int relayout_ticks;
    size_t relayout_min_bytes;
};

/* How often the brains' storage follows the agents' grid order: agents
 * move a fraction of a cell per tick, so the order stays good for a
 * while, and a relayout costs about one brain copy per agent. */
#define HABITAT_RELAYOUT_TICKS 16
/* A pool smaller than this stays in the caches whatever its order
 * (standard-3k's 3,000 brains take 2 MB), so it is left as it is. */
#define HABITAT_RELAYOUT_MIN_BYTES ((size_t)8 << 20)

PetriStatus habitat_create(const WorldDef *world, const PopulationDef *pops, int pop_count,
                           uint64_t seed, Habitat **out, PetriError *err)
{
    *out = NULL;
    World *w = NULL;
    PetriStatus st = world_create(world, pops, pop_count, seed, &w, err);
    if (st != PETRI_OK) {
        return st;
    }
    *out = habitat_adopt(w, seed);
    return PETRI_OK;
}

Habitat *habitat_adopt(World *w, uint64_t seed)
{
    Habitat *h = petri_calloc(1, sizeof *h);
    h->world = w;
    h->brains = brain_pool_create();
    h->seed = seed;
    h->relayout_ticks = HABITAT_RELAYOUT_TICKS;
    h->relayout_min_bytes = HABITAT_RELAYOUT_MIN_BYTES;
    for (int p = 0; p < world_population_count(w); ++p) {
        h->spawn[p] = pcg32_stream(seed, (uint64_t)p, RNG_PURPOSE_SPAWN);
    }
    return h;
}

void habitat_destroy(Habitat *h)
{
    if (h == NULL) {
        return;
    }
    world_destroy(h->world);
    brain_pool_destroy(h->brains);
    petri_free(h->brain_order, (size_t)h->brain_order_cap * sizeof *h->brain_order);
    petri_free(h, sizeof *h);
}

World *habitat_world(Habitat *h)
{
    return h->world;
}

BrainPool *habitat_brains(Habitat *h)
{
    return h->brains;
}

bool habitat_genome_fits(const Habitat *h, int pop, const Genome *g)
{
    return g != NULL && g->inputs == world_input_count(h->world, pop) &&
           g->outputs == WORLD_OUTPUTS;
}

/* Compiles g (if any) and fills the brain part of a spawn. */
static void spawn_brain(Habitat *h, int pop, const Genome *g, AgentSpawn *sp)
{
    sp->pop = pop;
    sp->tag = -1;
    sp->brain_nodes = 0;
    sp->brain_conns = 0;
    if (g == NULL) {
        return;
    }
    assert(habitat_genome_fits(h, pop, g) && "genome shape does not fit the population's senses");
    int b = brain_pool_add(h->brains, g);
    sp->tag = b;
    sp->brain_nodes = brain_hidden_count(h->brains, b) + brain_outputs(h->brains, b);
    sp->brain_conns = brain_conn_count(h->brains, b);
}

static void random_place(Habitat *h, int pop, AgentSpawn *sp)
{
    const WorldDef *wd = world_def(h->world);
    const PopulationDef *pd = world_population_def(h->world, pop);
    Pcg32 *rng = &h->spawn[pop];
    float r = (float)pd->radius;
    float W = (float)wd->size[0], H = (float)wd->size[1];
    for (int tries = 0; tries < 64; ++tries) {
        sp->x = r + pcg32_float(rng) * (W - 2 * r);
        sp->y = r + pcg32_float(rng) * (H - 2 * r);
        if (world_point_free(h->world, sp->x, sp->y, r)) {
            break;
        }
    }
    sp->heading = (pcg32_float(rng) * 2.0f - 1.0f) * 3.14159265f;
}

uint32_t habitat_add(Habitat *h, int pop, const Genome *g, const AgentSpawn *spawn)
{
    AgentSpawn sp = {.parent = WORLD_NO_ID};
    if (spawn != NULL) {
        sp = *spawn;
    } else {
        random_place(h, pop, &sp);
    }
    spawn_brain(h, pop, g, &sp);
    return world_add_agent(h->world, &sp);
}

void habitat_populate(Habitat *h, int pop, const Genome *const *genomes, int genome_count,
                      int count)
{
    world_reserve(h->world, world_agent_count(h->world) + count);
    for (int i = 0; i < count; ++i) {
        const Genome *g = genome_count > 0 ? genomes[i % genome_count] : NULL;
        habitat_add(h, pop, g, NULL);
    }
}

uint32_t habitat_birth(Habitat *h, uint32_t parent_id, const Genome *g, float energy)
{
    World *w = h->world;
    int ps = world_find(w, parent_id);
    if (ps < 0 || !(energy > 0) || world_agent_energy(w, ps) <= energy) {
        return WORLD_NO_ID;
    }
    AgentView pv;
    world_agent(w, ps, &pv);
    const WorldDef *wd = world_def(w);
    const PopulationDef *pd = world_population_def(w, pv.pop);
    /* the child appears touching the parent, in a direction drawn from a
     * stream of (seed, parent, offspring count): no shared generator */
    Pcg32 rng = pcg32_stream(h->seed, (uint64_t)parent_id << 20 ^ pv.counters.offspring,
                             RNG_PURPOSE_USER + 1);
    float a = (pcg32_float(&rng) * 2.0f - 1.0f) * 3.14159265f;
    float r = (float)pd->radius;
    float W = (float)wd->size[0], H = (float)wd->size[1];
    AgentSpawn sp = {.parent = parent_id, .energy = energy};
    float sa, ca;
    mathx_sincosf(a, &sa, &ca);
    sp.x = pv.x + 2.0f * r * ca;
    sp.y = pv.y + 2.0f * r * sa;
    if (wd->edges == WORLD_EDGES_TORUS) {
        sp.x = sp.x < 0 ? sp.x + W : (sp.x >= W ? sp.x - W : sp.x);
        sp.y = sp.y < 0 ? sp.y + H : (sp.y >= H ? sp.y - H : sp.y);
    } else {
        sp.x = fminf(fmaxf(sp.x, r), W - r);
        sp.y = fminf(fmaxf(sp.y, r), H - r);
    }
    if (!world_point_free(w, sp.x, sp.y, r)) {
        sp.x = pv.x;
        sp.y = pv.y;
    }
    sp.heading = a;
    spawn_brain(h, pv.pop, g, &sp);
    return world_birth(w, parent_id, &sp);
}

void habitat_set_baseline_births(Habitat *h, bool on)
{
    h->baseline_births = on;
}

static void baseline_births(Habitat *h)
{
    World *w = h->world;
    int n = world_agent_count(w);
    for (int s = 0; s < n; ++s) {
        int pop = world_agent_pop(w, s);
        if (world_population_def(w, pop)->controller == CONTROLLER_BRAIN ||
            !world_agent_wants_reproduce(w, s)) {
            continue;
        }
        /* births append after slot n, so slots below n stay put */
        habitat_birth(h, world_agent_id(w, s), NULL, world_agent_energy(w, s) * 0.5f);
    }
}

static inline void think_one(World *w, BrainPool *pool, int s)
{
    int32_t b = world_agent_tag(w, s);
    if (b >= 0) {
        brain_step(pool, b, world_inputs(w, s), world_outputs(w, s));
    } else {
        world_control_baseline(w, s);
    }
}

/* Sense, think and act of one agent read only the frozen state and its
 * own rows, so by default they run as one loop without barriers between
 * them (dynamic chunks balance dense and sparse parts of the world). With
 * phase timing on, they run as three loops, each timed. */
static uint64_t agents_phases(Habitat *h, int n, uint64_t t0, uint64_t *t1, uint64_t *t2)
{
    World *w = h->world;
    BrainPool *pool = h->brains;
    if (!h->phase_timing) {
#pragma omp parallel for schedule(dynamic, 32)
        for (int k = 0; k < n; ++k) {
            int s = world_grid_slot(w, k);
            if (k + 2 < n) {
                /* grid order is not slot order: in a large world the next
                 * agents' rows and brain are far apart in memory */
                int next = world_grid_slot(w, k + 2);
                world_prefetch_agent(w, next);
                int32_t b = world_agent_tag(w, next);
                if (b >= 0) {
                    brain_prefetch(pool, b);
                }
            }
            world_sense(w, s);
            think_one(w, pool, s);
            world_act(w, s);
        }
        *t1 = *t2 = t0;
        return clock_ns();
    }
    uint64_t a = t0, b = t0;
#pragma omp parallel
    {
#pragma omp for schedule(dynamic, 32)
        for (int k = 0; k < n; ++k) {
            world_sense(w, world_grid_slot(w, k));
        }
#pragma omp master
        a = clock_ns();
#pragma omp for schedule(dynamic, 32)
        for (int s = 0; s < n; ++s) {
            think_one(w, pool, s);
        }
#pragma omp master
        b = clock_ns();
#pragma omp for schedule(static)
        for (int s = 0; s < n; ++s) {
            world_act(w, s);
        }
    }
    *t1 = a;
    *t2 = b;
    return clock_ns();
}

/* Lays the brains out in the order in which the fused loop steps them
 * (grid order: by cell, then slot, which is id order), so that a large
 * world streams through the pool instead of jumping around it. Only the
 * memory layout changes: brain indexes, values and results stay. */
static void relayout_brains(Habitat *h, int n)
{
    if (h->relayout_ticks <= 0) {
        return;
    }
    int due = h->ticks_since_layout == 0;
    h->ticks_since_layout = (h->ticks_since_layout + 1) % h->relayout_ticks;
    if (!due || brain_pool_bytes(h->brains) < h->relayout_min_bytes) {
        return;
    }
    if (n > h->brain_order_cap) {
        petri_free(h->brain_order, (size_t)h->brain_order_cap * sizeof *h->brain_order);
        h->brain_order = petri_alloc((size_t)n * sizeof *h->brain_order);
        h->brain_order_cap = n;
    }
    for (int k = 0; k < n; ++k) {
        h->brain_order[k] = world_agent_tag(h->world, world_grid_slot(h->world, k));
    }
    brain_pool_relocate(h->brains, h->brain_order, n);
}

void habitat_step(Habitat *h, int ticks)
{
    World *w = h->world;
    for (int t = 0; t < ticks; ++t) {
        uint64_t t0 = clock_ns();
        world_tick_begin(w);
        const int n = world_agent_count(w);
        relayout_brains(h, n);
        uint64_t t1, t2;
        uint64_t t3 = agents_phases(h, n, t0, &t1, &t2);
        world_resolve(w);
        uint64_t t4 = clock_ns();
        world_environment(w);
        uint64_t t5 = clock_ns();
        world_tick_end(w);
        if (h->baseline_births) {
            baseline_births(h);
        }
        if (h->sink != NULL) {
            int count;
            const WorldEvent *ev = world_events(w, &count);
            h->sink(h->sink_user, w, ev, count);
        }
        uint64_t t6 = clock_ns();
        TickTimes *tt = &h->times;
        if (h->phase_timing) {
            tt->sense += t1 - t0;
            tt->think += t2 - t1;
            tt->act += t3 - t2;
        } else {
            tt->agents += t3 - t0;
        }
        tt->resolve += t4 - t3;
        tt->environment += t5 - t4;
        tt->record += t6 - t5;
        tt->ticks += 1;
        tt->agent_steps += (uint64_t)n;
    }
}

void habitat_set_event_sink(Habitat *h, HabitatEventSink sink, void *user)
{
    h->sink = sink;
    h->sink_user = user;
}

void habitat_rebuild_brains(Habitat *h, const Genome *(*genome_of)(void *user, uint32_t id),
                            void *user)
{
    World *w = h->world;
    brain_pool_clear(h->brains);
    int n = world_agent_count(w);
    for (int s = 0; s < n; ++s) {
        if (world_agent_tag(w, s) < 0) {
            continue;
        }
        const Genome *g = genome_of(user, world_agent_id(w, s));
        assert(g != NULL && habitat_genome_fits(h, world_agent_pop(w, s), g));
        int b = brain_pool_add(h->brains, g);
        world_set_agent_tag(w, s, b);
    }
}

void habitat_set_brain_relayout(Habitat *h, int every_ticks, size_t min_bytes)
{
    h->relayout_ticks = every_ticks;
    h->relayout_min_bytes = min_bytes;
    h->ticks_since_layout = 0;
}

void habitat_set_phase_timing(Habitat *h, bool on)
{
    h->phase_timing = on;
}

const TickTimes *habitat_times(const Habitat *h)
{
    return &h->times;
}

void habitat_reset_times(Habitat *h)
{
    memset(&h->times, 0, sizeof h->times);
}

uint64_t habitat_hash(const Habitat *h)
{
    return world_hash(h->world);
}

/* ------------------------------------------------------------ scenarios */

/* One population that lives off plants and does not die during a
 * benchmark: the steady load of a world at this density. */
static void grazers(PopulationDef *p, const char *name, int count)
{
    *p = population_default_def();
    snprintf(p->name, sizeof p->name, "%s", name);
    p->count = count;
    p->controller = CONTROLLER_BRAIN;
    p->energy_start = 150;
    p->energy_max = 200;
    p->metabolism = 0.02;
    p->thrust_cost = 0.02;
    p->node_cost = 0.001;
    p->conn_cost = 0.0002;
    p->lifespan = 0;
    p->senses.sectors = 8;
    p->senses.fov = 180;
    p->senses.range = 6;
    /* random brains attack often: light blows keep the crowd alive */
    p->attack_damage = 0.2;
    p->attack_cost = 0.02;
}

static void build_standard(WorldDef *wd, PopulationDef *pops, int *n)
{
    *wd = world_default_def();
    wd->size[0] = wd->size[1] = 128;
    /* plenty of food: growth keeps up with the grazing of 3,000 */
    wd->food.patches = 16;
    wd->food.patch_radius = 18;
    wd->food.cell_size = 4;
    wd->food.capacity = 12;
    wd->food.regrowth = 0.1;
    wd->food.bite = 0.2;
    wd->food.initial = 1.0;
    grazers(&pops[0], "agents", 3000);
    *n = 1;
}

static void build_crowd(WorldDef *wd, PopulationDef *pops, int *n)
{
    build_standard(wd, pops, n);
    /* the density of standard-3k: 3000 / 128^2 */
    wd->size[0] = wd->size[1] = 740;
    wd->food.patches = 400;
    pops[0].count = 100000;
}

static void build_crowd_1m(WorldDef *wd, PopulationDef *pops, int *n)
{
    build_standard(wd, pops, n);
    /* standard-3k's density again: sqrt(1e6 * 128^2 / 3000) = 2337 */
    wd->size[0] = wd->size[1] = 2340;
    /* the most patches a config allows, twice as wide: about the share
     * of the world under food of crowd-100k (three quarters) */
    wd->food.patches = 1024;
    wd->food.patch_radius = 36;
    pops[0].count = 1000000;
}

static void build_busy(WorldDef *wd, PopulationDef *pops, int *n)
{
    *wd = world_default_def();
    wd->size[0] = wd->size[1] = 64;
    wd->edges = WORLD_EDGES_WALLS;
    wd->push_apart = true;
    wd->food.patches = 4;
    wd->food.patch_radius = 14;
    wd->food.regrowth = 0.03;
    wd->food.drift = 0.02;
    wd->food.season_period = 200;
    wd->obstacle_count = 2;
    wd->obstacles[0] = (ObstacleDef){.shape = OBSTACLE_RECT, .center = {20, 40}, .size = {10, 3}};
    wd->obstacles[1] = (ObstacleDef){.shape = OBSTACLE_CIRCLE, .center = {44, 20}, .radius = 4};
    wd->random_obstacles = 2;
    wd->random_obstacle_radius = 2;
    grazers(&pops[0], "prey", 150);
    pops[0].energy_start = 70;
    pops[0].energy_max = 80;
    pops[0].metabolism = 0.05;
    pops[0].lifespan = 0;
    pops[0].senses.range = 6;
    pops[1] = population_default_def();
    snprintf(pops[1].name, sizeof pops[1].name, "grazers");
    pops[1].count = 60;
    pops[1].controller = CONTROLLER_FLEER;
    pops[1].energy_start = 40;
    pops[1].reproduce_energy = 70;
    pops[1].lifespan = 500;
    pops[1].senses.range = 5;
    pops[2] = population_default_def();
    snprintf(pops[2].name, sizeof pops[2].name, "hunters");
    pops[2].count = 8;
    pops[2].controller = CONTROLLER_CHASER;
    pops[2].radius = 0.7;
    pops[2].max_speed = 0.45;
    pops[2].metabolism = 0.15;
    pops[2].eat_plants = 0.1;
    pops[2].eat_meat = 0.9;
    pops[2].attack_damage = 3;
    pops[2].attack_cost = 0.3;
    pops[2].energy_start = 60;
    pops[2].reproduce_energy = 95;
    pops[2].senses.range = 7;
    pops[2].senses.fov = 120;
    pops[2].senses.sectors = 5;
    *n = 3;
}

static const TickScenario scenarios[] = {
    {"standard-3k",
     "3,000 brain agents (5 hidden, 24 connections, 8 vision sectors) in biosim4's 128x128 world",
     build_standard, 5, 24, 1, 300, false},
    {"crowd-100k", "100,000 brain agents at standard-3k's density in one 740x740 world",
     build_crowd, 5, 24, 1, 20, false},
    {"crowd-1m", "1,000,000 brain agents at standard-3k's density in one 2340x2340 world",
     build_crowd_1m, 5, 24, 1, 5, false},
    {"busy",
     "a small walled world with obstacles, drifting patches, seasons, brains, grazers that "
     "breed and hunters that kill: for determinism tests",
     build_busy, 3, 16, 7, 1000, true},
};

const TickScenario *tick_scenarios(int *count)
{
    *count = (int)(sizeof scenarios / sizeof scenarios[0]);
    return scenarios;
}

const TickScenario *tick_scenario_find(const char *name)
{
    int n;
    const TickScenario *all = tick_scenarios(&n);
    for (int i = 0; i < n; ++i) {
        if (strcmp(all[i].name, name) == 0) {
            return &all[i];
        }
    }
    return NULL;
}

PetriStatus tick_scenario_create(const TickScenario *sc, Habitat **out, PetriError *err)
{
    WorldDef wd;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    int n = 0;
    sc->build(&wd, pops, &n);
    Habitat *h = NULL;
    PetriStatus st = habitat_create(&wd, pops, n, sc->seed, &h, err);
    if (st != PETRI_OK) {
        return st;
    }
    int total = 0;
    for (int p = 0; p < n; ++p) {
        total += pops[p].count;
    }
    /* room for the births of a breeding scenario, so that its ticks
     * allocate nothing */
    world_reserve(h->world, sc->baseline_births ? total * 2 : total);
    for (int p = 0; p < n; ++p) {
        if (pops[p].controller != CONTROLLER_BRAIN) {
            habitat_populate(h, p, NULL, 0, pops[p].count);
            continue;
        }
        int inputs = world_input_count(h->world, p);
        for (int i = 0; i < pops[p].count; ++i) {
            Pcg32 rng = pcg32_stream(sc->seed, (uint64_t)p << 32 | (uint64_t)i, RNG_PURPOSE_USER + 2);
            Genome g;
            genome_init_random(&g, inputs, WORLD_OUTPUTS, sc->hidden, sc->conns, false, &rng);
            habitat_add(h, p, &g, NULL);
            genome_fini(&g);
        }
    }
    habitat_set_baseline_births(h, sc->baseline_births);
    *out = h;
    return PETRI_OK;
}
