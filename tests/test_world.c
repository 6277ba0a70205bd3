/*
 * The world on hand-placed scenes: sensors (the right sector lights with
 * the right closeness; obstacles occlude), torus wrap and walls, the
 * energy ledger every tick, contested food and attacks resolved the same
 * way at 1 to 4 threads, events and packing, and no allocation in a
 * steady tick.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "world/world_internal.h"

#include <math.h>
#include <omp.h>
#include <string.h>

/* A bare world: no food, no patches, two populations of hand-placed
 * brain-controlled agents whose outputs the test writes. */
static World *bare_world(WorldEdges edges, float size)
{
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = size;
    wd.edges = edges;
    wd.food.patches = 0;
    wd.food.capacity = 0;
    wd.food.initial = 0;
    wd.food.regrowth = 0;
    wd.food.cell_size = 2;
    PopulationDef pops[2] = {population_default_def(), population_default_def()};
    snprintf(pops[1].name, sizeof pops[1].name, "b");
    for (int p = 0; p < 2; ++p) {
        pops[p].count = 0;
        pops[p].senses.sectors = 8;
        pops[p].senses.fov = 180;
        pops[p].senses.range = 8;
        pops[p].lifespan = 0;
        pops[p].metabolism = 0;
        pops[p].thrust_cost = 0;
    }
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, pops, 2, 42, &w, &err), PETRI_OK);
    return w;
}

static uint32_t put(World *w, int pop, float x, float y, float heading)
{
    AgentSpawn sp = {.pop = pop, .x = x, .y = y, .heading = heading, .tag = -1,
                     .parent = WORLD_NO_ID};
    return world_add_agent(w, &sp);
}

/* One tick with the outputs as the test left them. */
static void manual_tick(World *w)
{
    world_tick_begin(w);
    int n = world_agent_count(w);
#pragma omp parallel for
    for (int s = 0; s < n; ++s) {
        world_sense(w, s);
    }
#pragma omp parallel for
    for (int s = 0; s < n; ++s) {
        world_control_baseline(w, s);
        world_act(w, s);
    }
    world_resolve(w);
    world_environment(w);
    world_tick_end(w);
}

static void sense_all(World *w)
{
    world_tick_begin(w);
    for (int s = 0; s < world_agent_count(w); ++s) {
        world_sense(w, s);
    }
    /* leave the tick without changing anything */
    w->in_tick = false;
}

static float vis(World *w, int slot, int kind, int sector)
{
    const InputLayout *L = &w->layout[w->pop[slot]];
    return world_inputs(w, slot)[L->vision + kind * L->sectors + sector];
}

static void test_vision_sectors(void **state)
{
    (void)state;
    World *w = bare_world(WORLD_EDGES_TORUS, 64);
    const float cx = 33, cy = 33; /* the centre of food cell (16, 16) */
    put(w, 0, cx, cy, 0.0f);      /* the observer, heading +x */
    float a = 30.0f * WORLD_PI / 180.0f;
    put(w, 1, cx + 4 * cosf(a), cy + 4 * sinf(a), 0.0f); /* other, 30 deg left, at 4 */
    float b = -60.0f * WORLD_PI / 180.0f;
    put(w, 0, cx + 2 * cosf(b), cy + 2 * sinf(b), 0.0f); /* kin, 60 deg right, at 2 */
    put(w, 1, cx - 3, cy, 0.0f);                          /* behind: not seen */
    world_set_food(w, cx + 6, cy, 3.0f, 0.0f);           /* food straight ahead at 6 */
    sense_all(w);
    /* sectors of 22.5 degrees from -90: +30 is sector 5, -60 is 1, 0 is 4 */
    for (int k = 0; k < 8; ++k) {
        assert_float_equal(vis(w, 0, 2, k), k == 5 ? 0.5f : 0.0f, 1e-5);
        assert_float_equal(vis(w, 0, 1, k), k == 1 ? 0.75f : 0.0f, 1e-5);
        assert_float_equal(vis(w, 0, 0, k), k == 4 ? 0.25f : 0.0f, 1e-5);
        assert_float_equal(vis(w, 0, 3, k), 0.0f, 0.0);
    }
    /* turning the observer by 90 degrees left moves the other to -60: sector 1 */
    world_place_agent(w, 0, cx, cy, WORLD_PI / 2);
    sense_all(w);
    assert_float_equal(vis(w, 0, 2, 1), 0.5f, 1e-5);
    assert_float_equal(vis(w, 0, 2, 5), 0.0f, 0.0);
    world_destroy(w);
}

static void test_vision_all_around(void **state)
{
    (void)state;
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 64;
    wd.food.patches = 0;
    wd.food.capacity = 0;
    wd.food.initial = 0;
    PopulationDef pops[2] = {population_default_def(), population_default_def()};
    snprintf(pops[1].name, sizeof pops[1].name, "b");
    for (int p = 0; p < 2; ++p) {
        pops[p].senses.fov = 360;
        pops[p].senses.sectors = 4; /* [-180,-90) [-90,0) [0,90) [90,180) */
        pops[p].senses.range = 8;
    }
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, pops, 2, 1, &w, &err), PETRI_OK);
    put(w, 0, 30, 30, 0.5f);
    float a = 0.5f + 135.0f * WORLD_PI / 180.0f; /* behind on the left */
    put(w, 1, 30 + 4 * cosf(a), 30 + 4 * sinf(a), 0.0f);
    float b = 0.5f - 45.0f * WORLD_PI / 180.0f; /* ahead on the right */
    put(w, 1, 30 + 2 * cosf(b), 30 + 2 * sinf(b), 0.0f);
    sense_all(w);
    assert_float_equal(vis(w, 0, 2, 3), 0.5f, 1e-5);
    assert_float_equal(vis(w, 0, 2, 1), 0.75f, 1e-5);
    assert_float_equal(vis(w, 0, 2, 0), 0.0f, 0.0);
    assert_float_equal(vis(w, 0, 2, 2), 0.0f, 0.0);
    world_destroy(w);
}

static void test_vision_wraps_on_torus(void **state)
{
    (void)state;
    World *w = bare_world(WORLD_EDGES_TORUS, 64);
    put(w, 0, 62.0f, 10.0f, 0.0f);
    put(w, 1, 2.0f, 10.0f, 0.0f); /* 4 ahead across the seam */
    sense_all(w);
    assert_float_equal(vis(w, 0, 2, 4), 0.5f, 1e-5);
    world_destroy(w);
}

static float input_named(World *w, int slot, const char *name)
{
    int pop = world_agent_pop(w, slot);
    char buf[64];
    for (int i = 0; i < world_input_count(w, pop); ++i) {
        world_input_name(w, pop, i, buf, sizeof buf);
        if (strcmp(buf, name) == 0) {
            return world_inputs(w, slot)[i];
        }
    }
    fail_msg("no input %s", name);
    return 0;
}

static void test_scalar_senses(void **state)
{
    (void)state;
    World *w = bare_world(WORLD_EDGES_TORUS, 64);
    put(w, 0, 20, 20, 0.0f);
    put(w, 1, 20.6f, 20, 0.0f); /* overlapping: touch */
    put(w, 0, 40, 40, 0.0f);    /* alone, with food ahead of it */
    world_set_agent_energy(w, 2, 25.0f);
    world_set_food(w, 43, 41, 4.0f, 0.0f); /* cell (21, 20): ahead */
    w->signal[1] = 1.0f;                    /* the neighbour signals */
    sense_all(w);
    assert_float_equal(input_named(w, 0, "touch"), 1.0f, 0.0);
    assert_float_equal(input_named(w, 2, "touch"), 0.0f, 0.0);
    assert_true(input_named(w, 0, "signal") > 0.9f);
    assert_float_equal(input_named(w, 2, "signal"), 0.0f, 0.0);
    assert_float_equal(input_named(w, 2, "energy"), 25.0f / 100.0f, 1e-6);
    assert_true(input_named(w, 2, "smell.ahead") > 0.0f);
    assert_float_equal(input_named(w, 2, "smell.left"), 0.0f, 1e-6);
    float noise = input_named(w, 2, "noise");
    assert_true(noise >= -1.0f && noise <= 1.0f);
    /* the clock at tick 0: sin 0, cos 1 */
    assert_float_equal(input_named(w, 2, "clock.sin"), 0.0f, 1e-6);
    assert_float_equal(input_named(w, 2, "clock.cos"), 1.0f, 1e-6);
    world_destroy(w);
}

static void test_patches_drift_and_seasons(void **state)
{
    (void)state;
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 64;
    wd.food.patches = 2;
    wd.food.patch_radius = 10;
    wd.food.initial = 0;
    wd.food.regrowth = 0.01;
    wd.food.drift = 0.5;
    wd.food.season_period = 100;
    wd.food.season_amplitude = 0.9;
    PopulationDef p = population_default_def();
    p.count = 0;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, &p, 1, 11, &w, &err), PETRI_OK);
    float x0 = w->patch_x[0], y0 = w->patch_y[0];
    double grown_first = 0, grown_half = 0;
    for (int t = 0; t < 50; ++t) {
        double g0 = world_ledger(w).growth;
        world_step(w);
        double g = world_ledger(w).growth - g0;
        if (t == 12) {
            grown_first = g; /* patch 0 near its peak season */
        }
        if (t == 37) {
            grown_half = g;
        }
    }
    float dx = w->patch_x[0] - x0, dy = w->patch_y[0] - y0;
    assert_true(dx * dx + dy * dy > 1.0f); /* the patch moved */
    assert_true(grown_first > 0 && grown_half > 0);
    assert_true(fabs(grown_first - grown_half) > 1e-3); /* growth changes with the season */
    int nx, ny;
    int cells = world_food_cells(w, &nx, &ny);
    int with_food = 0;
    for (int c = 0; c < cells; ++c) {
        with_food += world_food_plant(w, c) > 0;
    }
    assert_true(with_food > 0 && with_food < cells); /* in patches, not everywhere */
    world_destroy(w);
}

static World *obstacle_world(bool with_obstacle)
{
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 64;
    wd.food.patches = 0;
    wd.food.capacity = 0;
    wd.food.initial = 0;
    if (with_obstacle) {
        wd.obstacle_count = 1;
        wd.obstacles[0] = (ObstacleDef){.shape = OBSTACLE_CIRCLE, .center = {36, 33}, .radius = 1};
    }
    PopulationDef pops[2] = {population_default_def(), population_default_def()};
    snprintf(pops[1].name, sizeof pops[1].name, "b");
    for (int p = 0; p < 2; ++p) {
        /* nine sectors of 20 degrees: sector 4 is centred on the heading,
         * where the obstacle ray is cast */
        pops[p].senses.sectors = 9;
        pops[p].senses.range = 8;
    }
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, pops, 2, 1, &w, &err), PETRI_OK);
    put(w, 0, 33, 33, 0.0f);
    put(w, 1, 40, 33, 0.0f);
    return w;
}

static void test_obstacle_occludes(void **state)
{
    (void)state;
    World *w = obstacle_world(false);
    sense_all(w);
    assert_float_equal(vis(w, 0, 2, 4), 1.0f - 7.0f / 8.0f, 1e-5);
    assert_float_equal(vis(w, 0, 3, 4), 0.0f, 0.0);
    world_destroy(w);

    w = obstacle_world(true);
    ObstacleDef od[4];
    assert_int_equal(world_obstacles(w, od, 4), 1);
    assert_int_equal(od[0].shape, OBSTACLE_CIRCLE);
    assert_float_equal(od[0].center[0], 36.0, 1e-6);
    assert_float_equal(od[0].radius, 1.0, 1e-6);
    sense_all(w);
    assert_float_equal(vis(w, 0, 2, 4), 0.0f, 0.0);          /* hidden */
    assert_float_equal(vis(w, 0, 3, 4), 1.0f - 2.0f / 8.0f, 1e-4); /* surface at 2 */
    assert_float_equal(vis(w, 0, 3, 0), 0.0f, 0.0);
    world_destroy(w);
}

static void test_walls_are_seen(void **state)
{
    (void)state;
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 32;
    wd.edges = WORLD_EDGES_WALLS;
    wd.food.patches = 0;
    wd.food.capacity = 0;
    wd.food.initial = 0;
    PopulationDef p = population_default_def();
    p.count = 0;
    p.senses.sectors = 9;
    p.senses.range = 8;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, &p, 1, 1, &w, &err), PETRI_OK);
    put(w, 0, 30.0f, 16.0f, 0.0f); /* 2 from the east wall, facing it */
    put(w, 0, 16.0f, 16.0f, 0.0f); /* in the middle: no wall within 8 */
    sense_all(w);
    assert_float_equal(vis(w, 0, 3, 4), 0.75f, 1e-5);
    for (int k = 0; k < 9; ++k) {
        assert_float_equal(vis(w, 1, 3, k), 0.0f, 0.0);
    }
    world_destroy(w);
}

static void test_walls_and_obstacles_hold_bodies(void **state)
{
    (void)state;
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 32;
    wd.edges = WORLD_EDGES_WALLS;
    wd.obstacle_count = 1;
    wd.obstacles[0] = (ObstacleDef){.shape = OBSTACLE_RECT, .center = {16, 16}, .size = {6, 6}};
    PopulationDef p = population_default_def();
    p.count = 80;
    p.controller = CONTROLLER_RANDOM;
    p.max_speed = 1.5;
    p.lifespan = 0;
    p.metabolism = 0;
    p.thrust_cost = 0;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, &p, 1, 3, &w, &err), PETRI_OK);
    world_populate(w);
    for (int t = 0; t < 300; ++t) {
        world_step(w);
        for (int s = 0; s < world_agent_count(w); ++s) {
            float r = (float)p.radius;
            assert_true(w->x[s] >= r - 1e-4f && w->x[s] <= 32 - r + 1e-4f);
            assert_true(w->y[s] >= r - 1e-4f && w->y[s] <= 32 - r + 1e-4f);
            bool inside = fabsf(w->x[s] - 16) < 3 + r - 1e-3f && fabsf(w->y[s] - 16) < 3 + r - 1e-3f;
            assert_false(inside);
        }
    }
    world_destroy(w);
}

static void test_push_apart_separates_bodies(void **state)
{
    (void)state;
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 32;
    wd.push_apart = true;
    wd.food.patches = 0;
    PopulationDef p = population_default_def();
    p.count = 0;
    p.metabolism = 0;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, &p, 1, 1, &w, &err), PETRI_OK);
    put(w, 0, 10.0f, 10.0f, 0.0f);
    put(w, 0, 10.4f, 10.0f, 0.0f); /* overlap 0.6 of radii sum 1.0 */
    put(w, 0, 20.0f, 20.0f, 0.0f);
    put(w, 0, 20.0f, 20.0f, 0.0f); /* coincident */
    manual_tick(w);
    float d01 = fabsf(w->x[1] - w->x[0]);
    assert_float_equal(d01, 1.0f, 1e-4);    /* each moved half the overlap */
    assert_float_equal(w->x[0], 9.7f, 1e-4);
    assert_true(w->x[2] < w->x[3]);          /* the lower id went left */
    assert_float_equal(w->x[3] - w->x[2], 1.0f, 1e-4);
    world_destroy(w);
}

static void test_torus_wraps_movement(void **state)
{
    (void)state;
    World *w = bare_world(WORLD_EDGES_TORUS, 64);
    put(w, 0, 63.8f, 10.0f, 0.0f);
    world_outputs(w, 0)[WORLD_OUT_THRUST] = 1.0f;
    for (int t = 0; t < 10; ++t) {
        manual_tick(w);
    }
    assert_true(w->x[0] >= 0.0f && w->x[0] < 5.0f);
    assert_float_equal(w->y[0], 10.0f, 1e-4);
    world_destroy(w);
}

/* A world with foragers, fleers and chasers that eat, fight, die, rot. */
static World *ecology(uint64_t seed)
{
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 48;
    wd.food.patches = 3;
    wd.food.patch_radius = 12;
    wd.food.season_period = 50;
    wd.food.drift = 0.05;
    PopulationDef pops[3] = {population_default_def(), population_default_def(),
                             population_default_def()};
    snprintf(pops[0].name, 32, "foragers");
    pops[0].count = 60;
    pops[0].controller = CONTROLLER_FORAGER;
    pops[0].lifespan = 150;
    snprintf(pops[1].name, 32, "fleers");
    pops[1].count = 40;
    pops[1].controller = CONTROLLER_FLEER;
    snprintf(pops[2].name, 32, "chasers");
    pops[2].count = 15;
    pops[2].controller = CONTROLLER_CHASER;
    pops[2].eat_meat = 0.9;
    pops[2].attack_damage = 10;
    pops[2].max_speed = 0.7;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, pops, 3, seed, &w, &err), PETRI_OK);
    world_populate(w);
    return w;
}

static void test_energy_ledger_balances(void **state)
{
    (void)state;
    World *w = ecology(5);
    double total0 = world_energy_total(w);
    EnergyLedger l0 = world_ledger(w);
    double net0 = ledger_net(&l0);
    int deaths = 0, kills = 0;
    for (int t = 0; t < 300; ++t) {
        world_step(w);
        double total = world_energy_total(w);
        EnergyLedger l = world_ledger(w);
        double net = ledger_net(&l);
        double diff = (total - total0) - (net - net0);
        assert_true(fabs(diff) <= 1e-3 + 1e-6 * fabs(total));
        total0 = total;
        net0 = net;
        int n;
        const WorldEvent *ev = world_events(w, &n);
        uint32_t last = 0;
        for (int i = 0; i < n; ++i) {
            if (ev[i].kind == EVENT_DEATH) {
                assert_true(ev[i].id >= last); /* deaths in id order */
                last = ev[i].id;
                assert_true(ev[i].cause > DEATH_NONE && ev[i].cause < DEATH_CAUSE_COUNT);
                deaths++;
            } else if (ev[i].kind == EVENT_KILL) {
                kills++;
            }
        }
        for (int s = 1; s < world_agent_count(w); ++s) {
            assert_true(w->id[s - 1] < w->id[s]); /* slots sorted by id */
        }
    }
    assert_true(deaths > 0);
    assert_true(kills > 0);
    EnergyLedger l = world_ledger(w);
    assert_true(l.growth > 0 && l.corpses > 0 && l.decay > 0 && l.attack_loss > 0);
    world_destroy(w);
}

static void test_contested_food(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 4; ++threads) {
        omp_set_num_threads(threads);
        World *w = bare_world(WORLD_EDGES_TORUS, 64);
        /* cell (5, 5) spans [10, 12)^2, centre (11, 11); one bite of food */
        uint32_t far = put(w, 0, 10.2f, 10.2f, 0.0f);
        uint32_t near = put(w, 0, 11.1f, 11.0f, 0.0f);
        /* cell (10, 5): two at the same distance, the lower id wins */
        uint32_t lo = put(w, 0, 20.5f, 11.0f, 0.0f);
        uint32_t hi = put(w, 1, 21.5f, 11.0f, 0.0f);
        world_set_food(w, 11, 11, 1.0f, 0.0f);
        world_set_food(w, 21, 11, 1.0f, 0.0f);
        for (int s = 0; s < 4; ++s) {
            world_outputs(w, s)[WORLD_OUT_EAT] = 1.0f;
        }
        float e0 = world_agent_energy(w, 0);
        manual_tick(w);
        float gain = 1.0f * (float)w->pops[0].eat_plants;
        assert_float_equal(world_agent_energy(w, world_find(w, near)) - e0, gain, 1e-4);
        assert_float_equal(world_agent_energy(w, world_find(w, far)) - e0, 0.0f, 1e-4);
        assert_float_equal(world_agent_energy(w, world_find(w, lo)) - e0, gain, 1e-4);
        assert_float_equal(world_agent_energy(w, world_find(w, hi)) - e0, 0.0f, 1e-4);
        assert_float_equal(w->counters[world_find(w, near)].energy_plants, gain, 1e-4);
        world_destroy(w);
    }
    omp_set_num_threads(1);
}

static void test_contested_attack(void **state)
{
    (void)state;
    uint64_t first_hash = 0;
    for (int threads = 1; threads <= 4; ++threads) {
        omp_set_num_threads(threads);
        World *w = bare_world(WORLD_EDGES_TORUS, 64);
        w->pp[0].attack_damage = 10.0f;
        w->pp[0].attack_reach = 2.0f;
        uint32_t victim = put(w, 1, 30.0f, 30.0f, 0.0f);
        /* two attackers facing the victim: the nearer strikes first */
        uint32_t far = put(w, 0, 27.5f, 30.0f, 0.0f);
        uint32_t near = put(w, 0, 30.0f, 31.2f, -WORLD_PI / 2);
        world_set_agent_energy(w, world_find(w, victim), 6.0f);
        for (int s = 0; s < 3; ++s) {
            if (world_agent_id(w, s) != victim) {
                world_outputs(w, s)[WORLD_OUT_ATTACK] = 1.0f;
            }
        }
        manual_tick(w);
        int nev;
        const WorldEvent *ev = world_events(w, &nev);
        assert_int_equal(world_find(w, victim), -1);
        bool saw_death = false, saw_kill = false;
        for (int i = 0; i < nev; ++i) {
            if (ev[i].kind == EVENT_DEATH) {
                assert_int_equal(ev[i].id, victim);
                assert_int_equal(ev[i].cause, DEATH_KILLED);
                assert_int_equal(ev[i].other, near);
                saw_death = true;
            }
            if (ev[i].kind == EVENT_KILL) {
                assert_int_equal(ev[i].id, near);
                saw_kill = true;
            }
        }
        assert_true(saw_death && saw_kill);
        assert_int_equal(w->counters[world_find(w, near)].kills, 1);
        assert_int_equal(w->counters[world_find(w, far)].kills, 0);
        assert_float_equal(w->counters[world_find(w, near)].damage, 6.0, 1e-5);
        assert_float_equal(w->counters[world_find(w, far)].damage, 0.0, 0.0);
        uint64_t h = world_hash(w);
        if (threads == 1) {
            first_hash = h;
        }
        assert_true(h == first_hash);
        world_destroy(w);
    }
    omp_set_num_threads(1);
}

static void test_births_and_removal(void **state)
{
    (void)state;
    World *w = bare_world(WORLD_EDGES_TORUS, 64);
    uint32_t a = put(w, 0, 10, 10, 0);
    uint32_t b = put(w, 1, 20, 10, 0);
    float ea = world_agent_energy(w, 0);
    AgentSpawn sp = {.pop = 0, .x = 11, .y = 10, .energy = 10, .tag = 7};
    uint32_t c = world_birth(w, a, &sp);
    assert_int_equal(c, b + 1);
    assert_float_equal(world_agent_energy(w, 0), ea - 10, 1e-5);
    assert_int_equal(world_agent_tag(w, world_find(w, c)), 7);
    assert_int_equal(w->counters[0].offspring, 1);
    assert_int_equal(w->counters[world_find(w, c)].parent, a);
    world_remove_agent(w, b);
    assert_int_equal(world_agent_count(w), 2);
    assert_int_equal(world_find(w, b), -1);
    assert_int_equal(world_find(w, c), 1);
    /* too poor: refused */
    AgentSpawn big = {.pop = 0, .energy = 1e6f};
    assert_int_equal(world_birth(w, a, &big), WORLD_NO_ID);
    world_destroy(w);
}

static void test_no_allocation_in_steady_ticks(void **state)
{
    (void)state;
    World *w = ecology(9);
    for (int t = 0; t < 20; ++t) {
        world_step(w);
    }
    uint64_t before = petri_alloc_stats().allocations;
    for (int t = 0; t < 200; ++t) {
        world_step(w);
    }
    assert_true(petri_alloc_stats().allocations == before);
    world_destroy(w);
}

static void test_input_names(void **state)
{
    (void)state;
    World *w = bare_world(WORLD_EDGES_TORUS, 64);
    int n = world_input_count(w, 0);
    assert_int_equal(n, 4 * 8 + 10);
    char name[64];
    world_input_name(w, 0, 0, name, sizeof name);
    assert_string_equal(name, "vision.food.0");
    world_input_name(w, 0, 8 * 2 + 3, name, sizeof name);
    assert_string_equal(name, "vision.other.3");
    for (int i = 0; i < n; ++i) {
        world_input_name(w, 0, i, name, sizeof name);
        assert_true(name[0] != '\0');
    }
    world_destroy(w);
}

static void test_bad_defs_are_refused(void **state)
{
    (void)state;
    WorldDef wd = world_default_def();
    PopulationDef p[2] = {population_default_def(), population_default_def()};
    p[0].senses.sectors = 0;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, p, 2, 1, &w, &err), PETRI_ECONFIG);
    assert_null(w);
    assert_non_null(strstr(err.msg, "sectors"));
    assert_non_null(strstr(err.msg, "used twice"));
}

int main(void)
{
    omp_set_num_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vision_sectors),
        cmocka_unit_test(test_vision_all_around),
        cmocka_unit_test(test_vision_wraps_on_torus),
        cmocka_unit_test(test_scalar_senses),
        cmocka_unit_test(test_patches_drift_and_seasons),
        cmocka_unit_test(test_obstacle_occludes),
        cmocka_unit_test(test_walls_are_seen),
        cmocka_unit_test(test_walls_and_obstacles_hold_bodies),
        cmocka_unit_test(test_torus_wraps_movement),
        cmocka_unit_test(test_push_apart_separates_bodies),
        cmocka_unit_test(test_energy_ledger_balances),
        cmocka_unit_test(test_contested_food),
        cmocka_unit_test(test_contested_attack),
        cmocka_unit_test(test_births_and_removal),
        cmocka_unit_test(test_no_allocation_in_steady_ticks),
        cmocka_unit_test(test_input_names),
        cmocka_unit_test(test_bad_defs_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
