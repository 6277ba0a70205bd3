/*
 * The world's life cycle and its agents: creation from the defs, the
 * per-agent arrays (grown outside ticks only), adding, births, removal,
 * packing of the dead, reading, the energy total and the state hash.
 *
 * Invariant: slots 0..count-1 hold the living agents sorted by id. New
 * agents take the next serial id and are appended, deaths are packed out
 * by moving runs of survivors down, so the order never changes.
 */
#include "world/world_internal.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ fields */

/* A per-agent array that moves with its agent when the dead are packed. */
typedef struct Field {
    void **p;
    size_t size;
} Field;

enum { FIELD_MAX = 48 };

static int packed_fields(World *w, Field *f)
{
    int n = 0;
    f[n++] = (Field){(void **)&w->id, sizeof *w->id};
    f[n++] = (Field){(void **)&w->pop, sizeof *w->pop};
    f[n++] = (Field){(void **)&w->touch, sizeof *w->touch};
    f[n++] = (Field){(void **)&w->x, sizeof *w->x};
    f[n++] = (Field){(void **)&w->y, sizeof *w->y};
    f[n++] = (Field){(void **)&w->heading, sizeof *w->heading};
    f[n++] = (Field){(void **)&w->cos_h, sizeof *w->cos_h};
    f[n++] = (Field){(void **)&w->sin_h, sizeof *w->sin_h};
    f[n++] = (Field){(void **)&w->vx, sizeof *w->vx};
    f[n++] = (Field){(void **)&w->vy, sizeof *w->vy};
    f[n++] = (Field){(void **)&w->energy, sizeof *w->energy};
    f[n++] = (Field){(void **)&w->signal, sizeof *w->signal};
    f[n++] = (Field){(void **)&w->upkeep, sizeof *w->upkeep};
    f[n++] = (Field){(void **)&w->age, sizeof *w->age};
    f[n++] = (Field){(void **)&w->tag, sizeof *w->tag};
    f[n++] = (Field){(void **)&w->rng, sizeof *w->rng};
    f[n++] = (Field){(void **)&w->intent, sizeof *w->intent};
    f[n++] = (Field){(void **)&w->counters, sizeof *w->counters};
    return n;
}

/* Scratch arrays of a tick: sized for cap agents, never packed. */
static int scratch_fields(World *w, Field *f)
{
    int n = 0;
    f[n++] = (Field){(void **)&w->dead, sizeof *w->dead};
    f[n++] = (Field){(void **)&w->target, sizeof *w->target};
    f[n++] = (Field){(void **)&w->target_d2, sizeof *w->target_d2};
    f[n++] = (Field){(void **)&w->eat_cell, sizeof *w->eat_cell};
    f[n++] = (Field){(void **)&w->eat_d2, sizeof *w->eat_d2};
    f[n++] = (Field){(void **)&w->eat_loss, sizeof *w->eat_loss};
    f[n++] = (Field){(void **)&w->killer, sizeof *w->killer};
    f[n++] = (Field){(void **)&w->f_metab, sizeof *w->f_metab};
    f[n++] = (Field){(void **)&w->f_thrust, sizeof *w->f_thrust};
    f[n++] = (Field){(void **)&w->f_brain, sizeof *w->f_brain};
    f[n++] = (Field){(void **)&w->f_overflow, sizeof *w->f_overflow};
    f[n++] = (Field){(void **)&w->gcell_of, sizeof *w->gcell_of};
    f[n++] = (Field){(void **)&w->grank, sizeof *w->grank};
    f[n++] = (Field){(void **)&w->gpx, sizeof *w->gpx};
    f[n++] = (Field){(void **)&w->gpy, sizeof *w->gpy};
    f[n++] = (Field){(void **)&w->gsig, sizeof *w->gsig};
    f[n++] = (Field){(void **)&w->grad, sizeof *w->grad};
    f[n++] = (Field){(void **)&w->gslot, sizeof *w->gslot};
    f[n++] = (Field){(void **)&w->gpop, sizeof *w->gpop};
    f[n++] = (Field){(void **)&w->claims, sizeof *w->claims};
    f[n++] = (Field){(void **)&w->claims_tmp, sizeof *w->claims_tmp};
    f[n++] = (Field){(void **)&w->push_x, sizeof *w->push_x};
    f[n++] = (Field){(void **)&w->push_y, sizeof *w->push_y};
    return n;
}

static int claim_bucket_count(const World *w, int cap)
{
    int cells = w->fx * w->fy;
    return (cap > cells ? cap : cells) + 1;
}

void world_grow_agents(World *w, int cap)
{
    if (cap <= w->cap) {
        return;
    }
    int old = w->cap;
    Field f[FIELD_MAX];
    int n = packed_fields(w, f);
    n += scratch_fields(w, f + n);
    for (int i = 0; i < n; ++i) {
        *f[i].p = petri_realloc(*f[i].p, f[i].size * (size_t)old, f[i].size * (size_t)cap);
        memset((char *)*f[i].p + f[i].size * (size_t)old, 0, f[i].size * (size_t)(cap - old));
    }
    w->inputs = petri_realloc(w->inputs, sizeof(float) * (size_t)w->stride * (size_t)old,
                              sizeof(float) * (size_t)w->stride * (size_t)cap);
    w->outputs = petri_realloc(w->outputs, sizeof(float) * WORLD_OUTPUTS * (size_t)old,
                               sizeof(float) * WORLD_OUTPUTS * (size_t)cap);
    memset(w->outputs + (size_t)old * WORLD_OUTPUTS, 0,
           sizeof(float) * WORLD_OUTPUTS * (size_t)(cap - old));
    int nb_old = w->claim_buckets;
    int nb = claim_bucket_count(w, cap);
    w->claim_count = petri_realloc(w->claim_count, sizeof(int32_t) * (size_t)nb_old,
                                   sizeof(int32_t) * (size_t)nb);
    w->claim_buckets = nb;
    /* a death and its kill per agent at most fit, so that a steady tick
     * never grows the event list (births between ticks may) */
    int ev_cap = cap + cap / 2 + 64;
    w->events = petri_realloc(w->events, sizeof(WorldEvent) * (size_t)w->event_cap,
                              sizeof(WorldEvent) * (size_t)ev_cap);
    w->event_cap = ev_cap;
    w->cap = cap;
}

void world_reserve(World *w, int n)
{
    world_grow_agents(w, n);
}

/* ------------------------------------------------------------ create */

static void layout_init(InputLayout *L, const PopulationDef *p)
{
    const SensesDef *s = &p->senses;
    int n = 0;
    L->sectors = s->sectors;
    L->vision = s->vision ? n : -1;
    n += s->vision ? 4 * s->sectors : 0;
    L->touch = s->touch ? n++ : -1;
    L->smell = s->smell ? n : -1;
    n += s->smell ? 2 : 0;
    L->energy = s->energy ? n++ : -1;
    L->speed = s->speed ? n++ : -1;
    L->age = s->age ? n++ : -1;
    L->clock = s->clock ? n : -1;
    n += s->clock ? 2 : 0;
    L->noise = s->noise ? n++ : -1;
    L->signal = s->signal ? n++ : -1;
    L->count = n;
    L->range = (float)s->range;
    L->range2 = L->range * L->range;
    L->inv_range = 1.0f / L->range;
    L->half_fov = (float)(s->fov * 0.5 * M_PI / 180.0);
    L->sector_scale = (float)s->sectors / (2.0f * L->half_fov);
    float width = 2.0f * L->half_fov / (float)s->sectors;
    for (int k = 0; k < s->sectors; ++k) {
        float a = -L->half_fov + ((float)k + 0.5f) * width;
        mathx_sincosf(a, &L->sector_s[k], &L->sector_c[k]);
        L->sector_angle[k] = a;
    }
    for (int k = 0; k <= s->sectors; ++k) {
        float a = -L->half_fov + (float)k * width;
        mathx_sincosf(a, &L->bound_s[k], &L->bound_c[k]);
    }
    L->narrow = s->fov <= 180.0;
    for (int k = 0; k <= s->sectors; ++k) {
        L->bound_p[k] = world_pseudo_angle(L->bound_c[k], L->bound_s[k]);
    }
    if (s->fov >= 360.0) {
        L->bound_p[0] = -2.0f;
        L->bound_p[s->sectors] = 2.0f;
    }
    for (int b = 0; b < WORLD_PBINS; ++b) {
        float lo = -2.0f + 4.0f * (float)b / (float)WORLD_PBINS;
        int j = 0;
        while (j <= s->sectors && lo >= L->bound_p[j]) {
            ++j;
        }
        L->pbin[b] = (uint8_t)j;
    }
    L->bound_p[s->sectors + 1] = INFINITY;
    L->one_step = true;
    for (int b = 0; b < WORLD_PBINS; ++b) {
        float lo = -2.0f + 4.0f * (float)b / (float)WORLD_PBINS;
        float hi = -2.0f + 4.0f * (float)(b + 1) / (float)WORLD_PBINS;
        int inside = 0;
        for (int k = 0; k <= s->sectors; ++k) {
            inside += L->bound_p[k] > lo && L->bound_p[k] <= hi;
        }
        L->one_step = L->one_step && inside <= 1;
    }
    for (int i = 0; i < WORLD_BEST_SLOTS; ++i) {
        L->best_init[i] = L->range2;
    }
}

static void params_init(PopParams *pp, const PopulationDef *p)
{
    pp->radius = (float)p->radius;
    pp->max_speed = (float)p->max_speed;
    pp->turn_rate = (float)(p->turn_rate * M_PI / 180.0);
    pp->drag = (float)p->drag;
    pp->eat_plants = (float)p->eat_plants;
    pp->eat_meat = (float)p->eat_meat;
    pp->energy_max = (float)p->energy_max;
    pp->metabolism = (float)p->metabolism;
    pp->thrust_cost = (float)p->thrust_cost;
    pp->node_cost = (float)p->node_cost;
    pp->conn_cost = (float)p->conn_cost;
    pp->attack_cost = (float)p->attack_cost;
    pp->attack_damage = (float)p->attack_damage;
    pp->attack_gain = (float)p->attack_gain;
    pp->attack_reach = (float)p->attack_range;
    pp->corpse = (float)p->corpse;
    pp->reproduce_energy = (float)p->reproduce_energy;
    pp->inv_energy_max = 1.0f / (float)p->energy_max;
    pp->inv_max_speed = p->max_speed > 0 ? 1.0f / (float)p->max_speed : 0.0f;
    pp->lifespan = (uint32_t)p->lifespan;
    pp->inv_lifespan = p->lifespan > 0 ? 1.0f / (float)p->lifespan : 0.0f;
    pp->controller = p->controller;
    pp->clock_omega = (float)(2.0 * M_PI / p->senses.clock_period);
}

static PetriStatus check_defs(const WorldDef *def, const PopulationDef *pops, int pop_count,
                              PetriError *err)
{
    PetriStatus st = PETRI_OK;
    if (pop_count < 1 || pop_count > WORLD_MAX_POPULATIONS) {
        return error_add(err, PETRI_ECONFIG, "world: %d populations, expected 1 to %d",
                         pop_count, WORLD_MAX_POPULATIONS);
    }
    if (!(def->size[0] >= 16 && def->size[1] >= 16 && def->size[0] <= 1e6 &&
          def->size[1] <= 1e6)) {
        st = error_add(err, PETRI_ECONFIG, "world.size must be two numbers in [16, 1e6]");
    }
    if (!(def->food.cell_size >= 0.25 && def->food.cell_size <= def->size[0] &&
          def->food.cell_size <= def->size[1])) {
        st = error_add(err, PETRI_ECONFIG,
                       "world.food.cell_size must be in [0.25, world size], got %g",
                       def->food.cell_size);
    }
    if (def->obstacle_count < 0 || def->obstacle_count > WORLD_MAX_OBSTACLES) {
        st = error_add(err, PETRI_ECONFIG, "world.obstacles: at most %d", WORLD_MAX_OBSTACLES);
    }
    for (int p = 0; p < pop_count; ++p) {
        const PopulationDef *d = &pops[p];
        if (d->count < 0 || d->count > 1000000) {
            st = error_add(err, PETRI_ECONFIG, "populations.%d.count must be in [0, 1e6]", p);
        }
        if (d->controller < 0 || d->controller >= CONTROLLER_COUNT) {
            st = error_add(err, PETRI_ECONFIG, "populations.%d.controller is unknown", p);
        }
        if (!(d->radius > 0) || !(d->drag > 0 && d->drag <= 1) || !(d->energy_max > 0)) {
            st = error_add(err, PETRI_ECONFIG,
                           "populations.%d: body.radius, body.drag and energy.max must be > 0", p);
        }
        if (d->senses.sectors < 1 || d->senses.sectors > WORLD_MAX_SECTORS ||
            !(d->senses.fov >= 1 && d->senses.fov <= 360) || !(d->senses.range > 0) ||
            !(d->senses.clock_period >= 1)) {
            st = error_add(err, PETRI_ECONFIG,
                           "populations.%d.senses: sectors in [1, %d], fov in [1, 360], range > 0",
                           p, WORLD_MAX_SECTORS);
        }
        if (d->senses.range * 2 > def->size[0] || d->senses.range * 2 > def->size[1]) {
            st = error_add(err, PETRI_ECONFIG,
                           "populations.%d.senses.range %g must be at most half the world size",
                           p, d->senses.range);
        }
        for (int q = 0; q < p; ++q) {
            if (strcmp(pops[q].name, d->name) == 0) {
                st = error_add(err, PETRI_ECONFIG, "populations.%d.name '%s' is used twice", p,
                               d->name);
            }
        }
    }
    return st;
}

/* The radius within which an agent of pop p looks at other agents. */
static float query_radius(const World *w, int p)
{
    const PopParams *pp = &w->pp[p];
    float rmax = 0;
    for (int q = 0; q < w->pop_count; ++q) {
        rmax = fmaxf(rmax, w->pp[q].radius);
    }
    float r = pp->radius + rmax + pp->attack_reach;
    const SensesDef *s = &w->pops[p].senses;
    if (s->vision || s->signal) {
        r = fmaxf(r, (float)s->range);
    }
    if (w->def.push_apart) {
        r = fmaxf(r, pp->radius + rmax);
    }
    return r;
}

PetriStatus world_create(const WorldDef *def, const PopulationDef *pops, int pop_count,
                         uint64_t seed, World **out, PetriError *err)
{
    *out = NULL;
    PetriStatus st = check_defs(def, pops, pop_count, err);
    if (st != PETRI_OK) {
        return st;
    }
    World *w = petri_calloc(1, sizeof *w);
    w->def = *def;
    w->pop_count = pop_count;
    w->seed = seed;
    w->width = (float)def->size[0];
    w->height = (float)def->size[1];
    w->half_w = w->width * 0.5f;
    w->half_h = w->height * 0.5f;
    w->torus = def->edges == WORLD_EDGES_TORUS;
    w->stride = 1;
    for (int p = 0; p < pop_count; ++p) {
        w->pops[p] = pops[p];
        layout_init(&w->layout[p], &pops[p]);
        params_init(&w->pp[p], &pops[p]);
        if (w->layout[p].count > w->stride) {
            w->stride = w->layout[p].count;
        }
    }
    float cell = 0.5f;
    for (int p = 0; p < pop_count; ++p) {
        w->qradius[p] = query_radius(w, p);
        w->qradius2[p] = w->qradius[p] * w->qradius[p];
        float rmax = 0;
        for (int q = 0; q < pop_count; ++q) {
            rmax = fmaxf(rmax, w->pp[q].radius);
        }
        float near = w->pp[p].radius + rmax + w->pp[p].attack_reach;
        w->near2[p] = near * near;
        /* cells of a quarter of the query radius: with the chord of the
         * circle per row, the cells scanned cover little more than it */
        cell = fmaxf(cell, w->qradius[p] * 0.5f);
    }
    world_food_init(w);
    world_obstacles_init(w);
    world_grid_init(w, cell);
    int total = 0;
    for (int p = 0; p < pop_count; ++p) {
        total += pops[p].count;
    }
    world_grow_agents(w, total > 16 ? total : 16);
    w->ceiling = world_agent_ceiling(total);
    *out = w;
    return PETRI_OK;
}

void world_destroy(World *w)
{
    if (w == NULL) {
        return;
    }
    Field f[FIELD_MAX];
    int n = packed_fields(w, f);
    n += scratch_fields(w, f + n);
    for (int i = 0; i < n; ++i) {
        petri_free(*f[i].p, f[i].size * (size_t)w->cap);
    }
    petri_free(w->inputs, sizeof(float) * (size_t)w->stride * (size_t)w->cap);
    petri_free(w->outputs, sizeof(float) * WORLD_OUTPUTS * (size_t)w->cap);
    petri_free(w->claim_count, sizeof(int32_t) * (size_t)w->claim_buckets);
    petri_free(w->events, sizeof(WorldEvent) * (size_t)w->event_cap);
    size_t cells = (size_t)w->gx * (size_t)w->gy;
    petri_free(w->gstart, sizeof(int32_t) * (cells + 1));
    petri_free(w->gcount, sizeof(int32_t) * cells);
    petri_free(w->gobst, cells);
    world_food_fini(w);
    petri_free(w, sizeof *w);
}

/* ------------------------------------------------------------ agents */

static void set_heading(World *w, int s, float heading)
{
    if (!(fabsf(heading) <= 1e4f)) {
        heading = 0.0f; /* NaN, or so many turns that the loops below would spin */
    }
    while (heading >= WORLD_PI) {
        heading -= WORLD_TAU;
    }
    while (heading < -WORLD_PI) {
        heading += WORLD_TAU;
    }
    w->heading[s] = heading;
    mathx_sincosf(heading, &w->sin_h[s], &w->cos_h[s]);
}

static int append_agent(World *w, const AgentSpawn *sp, float energy)
{
    assert_not_in_tick(w);
    if (w->count == w->cap) {
        world_grow_agents(w, w->cap * 2);
    }
    int s = w->count++;
    const PopParams *pp = &w->pp[sp->pop];
    uint32_t id = w->next_id++;
    w->id[s] = id;
    w->pop[s] = (uint8_t)sp->pop;
    w->touch[s] = 0;
    w->dead[s] = 0;
    /* a spawn outside the world (a torus's far side, a body wider than
     * the world) is brought inside: every position the tick reads is */
    w->x[s] = world_fit_coord(sp->x, w->width, pp->radius, w->torus);
    w->y[s] = world_fit_coord(sp->y, w->height, pp->radius, w->torus);
    set_heading(w, s, sp->heading);
    w->vx[s] = 0;
    w->vy[s] = 0;
    w->energy[s] = energy;
    w->signal[s] = 0;
    w->upkeep[s] = pp->node_cost * (float)sp->brain_nodes + pp->conn_cost * (float)sp->brain_conns;
    w->age[s] = 0;
    w->tag[s] = sp->tag;
    w->rng[s] = pcg32_stream(w->seed, id, RNG_PURPOSE_AGENT);
    memset(&w->intent[s], 0, sizeof w->intent[s]);
    memset(&w->counters[s], 0, sizeof w->counters[s]);
    w->counters[s].parent = sp->parent;
    w->counters[s].birth_tick = w->tick;
    memset(w->outputs + (size_t)s * WORLD_OUTPUTS, 0, sizeof(float) * WORLD_OUTPUTS);
    return s;
}

static float spawn_energy(const World *w, const AgentSpawn *sp)
{
    const PopParams *pp = &w->pp[sp->pop];
    float e = sp->energy > 0 ? sp->energy : (float)w->pops[sp->pop].energy_start;
    return e < pp->energy_max ? e : pp->energy_max;
}

uint32_t world_add_agent(World *w, const AgentSpawn *sp)
{
    PETRI_WORLD_ASSERT(sp->pop >= 0 && sp->pop < w->pop_count);
    float e = spawn_energy(w, sp);
    int s = append_agent(w, sp, e);
    w->ledger.added += (double)e;
    return w->id[s];
}

uint32_t world_birth(World *w, uint32_t parent_id, const AgentSpawn *sp)
{
    PETRI_WORLD_ASSERT(sp->pop >= 0 && sp->pop < w->pop_count);
    int ps = world_find(w, parent_id);
    if (ps < 0 || !(sp->energy > 0) || w->energy[ps] <= sp->energy || w->count >= w->ceiling) {
        return WORLD_NO_ID;
    }
    float e = spawn_energy(w, sp);
    /* the parent pays exactly what the child gets; the child's cap may
     * trim sp->energy, so the parent pays the trimmed amount */
    w->energy[ps] -= e;
    w->counters[ps].offspring += 1;
    AgentSpawn child = *sp;
    child.parent = parent_id;
    int s = append_agent(w, &child, e);
    WorldEvent ev = {.kind = EVENT_BIRTH,
                     .id = w->id[s],
                     .other = parent_id,
                     .pop = sp->pop,
                     .tag = sp->tag,
                     .tick = w->tick};
    world_event_push(w, &ev);
    return w->id[s];
}

int world_agent_ceiling(int64_t total)
{
    int64_t c = total * WORLD_GROWTH;
    c = c < WORLD_GROWTH_MIN ? WORLD_GROWTH_MIN : c;
    return c > INT32_MAX / 2 ? INT32_MAX / 2 : (int)c;
}

int world_find(const World *w, uint32_t id)
{
    int lo = 0, hi = w->count - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (w->id[mid] == id) {
            return mid;
        }
        if (w->id[mid] < id) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -1;
}

/* Moves runs of survivors down over the dead, field by field. */
void world_pack(World *w)
{
    int n = w->count;
    int dst = 0;
    Field f[FIELD_MAX];
    int nf = packed_fields(w, f);
    int s = 0;
    while (s < n) {
        if (w->dead[s]) {
            ++s;
            continue;
        }
        int run = s;
        while (s < n && !w->dead[s]) {
            ++s;
        }
        int len = s - run;
        if (dst != run) {
            for (int i = 0; i < nf; ++i) {
                char *base = *f[i].p;
                memmove(base + f[i].size * (size_t)dst, base + f[i].size * (size_t)run,
                        f[i].size * (size_t)len);
            }
        }
        dst += len;
    }
    w->count = dst;
    memset(w->dead, 0, (size_t)n);
}

void world_remove_agent(World *w, uint32_t id)
{
    assert_not_in_tick(w);
    int s = world_find(w, id);
    if (s < 0) {
        return;
    }
    w->ledger.removed += (double)w->energy[s];
    w->counters[s].cause = DEATH_REMOVED;
    w->counters[s].ticks_alive = w->age[s];
    WorldEvent ev = {.kind = EVENT_DEATH,
                     .id = id,
                     .other = WORLD_NO_ID,
                     .pop = w->pop[s],
                     .tag = w->tag[s],
                     .cause = DEATH_REMOVED,
                     .tick = w->tick,
                     .counters = w->counters[s]};
    world_event_push(w, &ev);
    memset(w->dead, 0, (size_t)w->count);
    w->dead[s] = 1;
    world_pack(w);
}

void world_populate(World *w)
{
    for (int p = 0; p < w->pop_count; ++p) {
        Pcg32 rng = pcg32_stream(w->seed, (uint64_t)p, RNG_PURPOSE_SPAWN);
        float r = w->pp[p].radius;
        for (int i = 0; i < w->pops[p].count; ++i) {
            AgentSpawn sp = {.pop = p, .tag = -1, .parent = WORLD_NO_ID};
            for (int tries = 0; tries < 64; ++tries) {
                sp.x = pcg32_float(&rng) * w->width;
                sp.y = pcg32_float(&rng) * w->height;
                if (!w->torus) {
                    sp.x = r + (w->width - 2 * r) * (sp.x / w->width);
                    sp.y = r + (w->height - 2 * r) * (sp.y / w->height);
                }
                if (world_point_free(w, sp.x, sp.y, r)) {
                    break;
                }
            }
            sp.heading = (pcg32_float(&rng) * 2.0f - 1.0f) * WORLD_PI;
            world_add_agent(w, &sp);
        }
    }
}

void world_place_agent(World *w, int slot, float x, float y, float heading)
{
    PETRI_WORLD_ASSERT(slot >= 0 && slot < w->count);
    float r = w->pp[w->pop[slot]].radius;
    w->x[slot] = world_fit_coord(x, w->width, r, w->torus);
    w->y[slot] = world_fit_coord(y, w->height, r, w->torus);
    set_heading(w, slot, heading);
}

void world_set_agent_energy(World *w, int slot, float energy)
{
    PETRI_WORLD_ASSERT(slot >= 0 && slot < w->count);
    w->ledger.added += (double)energy - (double)w->energy[slot];
    w->energy[slot] = energy;
}

void world_set_agent_upkeep(World *w, int slot, int brain_nodes, int brain_conns)
{
    PETRI_WORLD_ASSERT(slot >= 0 && slot < w->count);
    const PopParams *pp = &w->pp[w->pop[slot]];
    w->upkeep[slot] = pp->node_cost * (float)brain_nodes + pp->conn_cost * (float)brain_conns;
}

void world_set_agent_tag(World *w, int slot, int32_t tag)
{
    PETRI_WORLD_ASSERT(slot >= 0 && slot < w->count);
    w->tag[slot] = tag;
}

/* ------------------------------------------------------------ events */

void world_event_push(World *w, const WorldEvent *e)
{
    if (w->event_count == w->event_cap) {
        /* only reached when more than 3 events per agent slot pile up
         * between ticks: grow outside the steady state */
        int cap = w->event_cap * 2;
        w->events = petri_realloc(w->events, sizeof(WorldEvent) * (size_t)w->event_cap,
                                  sizeof(WorldEvent) * (size_t)cap);
        w->event_cap = cap;
    }
    w->events[w->event_count++] = *e;
}

const WorldEvent *world_events(const World *w, int *count)
{
    *count = w->event_count;
    return w->events;
}

const char *death_cause_name(int cause)
{
    static const char *const names[] = {"alive", "starved", "old_age", "killed", "removed"};
    if (cause < 0 || cause >= DEATH_CAUSE_COUNT) {
        return "?";
    }
    return names[cause];
}

/* ------------------------------------------------------------ reading */

int world_agent_count(const World *w)
{
    return w->count;
}

int world_population_count(const World *w)
{
    return w->pop_count;
}

int world_population_size(const World *w, int pop)
{
    int n = 0;
    for (int s = 0; s < w->count; ++s) {
        n += w->pop[s] == pop;
    }
    return n;
}

const PopulationDef *world_population_def(const World *w, int pop)
{
    PETRI_WORLD_ASSERT(pop >= 0 && pop < w->pop_count);
    return &w->pops[pop];
}

const WorldDef *world_def(const World *w)
{
    return &w->def;
}

uint64_t world_tick(const World *w)
{
    return w->tick;
}

uint64_t world_seed(const World *w)
{
    return w->seed;
}

int world_input_count(const World *w, int pop)
{
    PETRI_WORLD_ASSERT(pop >= 0 && pop < w->pop_count);
    return w->layout[pop].count;
}

void world_input_name(const World *w, int pop, int i, char *out, size_t cap)
{
    static const char *const kinds[] = {"food", "kin", "other", "obstacle"};
    const InputLayout *L = &w->layout[pop];
    out[0] = '\0';
    if (L->vision >= 0 && i >= L->vision && i < L->vision + 4 * L->sectors) {
        int k = i - L->vision;
        snprintf(out, cap, "vision.%s.%d", kinds[k / L->sectors], k % L->sectors);
        return;
    }
    struct {
        int at, n;
        const char *name[2];
    } one[] = {
        {L->touch, 1, {"touch", ""}},          {L->smell, 2, {"smell.ahead", "smell.left"}},
        {L->energy, 1, {"energy", ""}},        {L->speed, 1, {"speed", ""}},
        {L->age, 1, {"age", ""}},              {L->clock, 2, {"clock.sin", "clock.cos"}},
        {L->noise, 1, {"noise", ""}},          {L->signal, 1, {"signal", ""}},
    };
    for (size_t j = 0; j < sizeof one / sizeof one[0]; ++j) {
        if (one[j].at >= 0 && i >= one[j].at && i < one[j].at + one[j].n) {
            snprintf(out, cap, "%s", one[j].name[i - one[j].at]);
            return;
        }
    }
}

void world_output_name(const World *w, int pop, int i, char *out, size_t cap)
{
    static const char *const names[WORLD_OUTPUTS] = {"turn",   "thrust", "eat",
                                                     "attack", "signal", "reproduce"};
    (void)w; /* every population has the same outputs */
    (void)pop;
    PETRI_WORLD_ASSERT(pop >= 0 && pop < w->pop_count);
    snprintf(out, cap, "%s", i >= 0 && i < WORLD_OUTPUTS ? names[i] : "");
}

float *world_inputs(World *w, int slot)
{
    return w->inputs + (size_t)slot * (size_t)w->stride;
}

float *world_outputs(World *w, int slot)
{
    return w->outputs + (size_t)slot * WORLD_OUTPUTS;
}

void world_agent(const World *w, int s, AgentView *out)
{
    PETRI_WORLD_ASSERT(s >= 0 && s < w->count);
    out->id = w->id[s];
    out->pop = w->pop[s];
    out->tag = w->tag[s];
    out->x = w->x[s];
    out->y = w->y[s];
    out->heading = w->heading[s];
    out->vx = w->vx[s];
    out->vy = w->vy[s];
    out->energy = w->energy[s];
    out->signal = w->signal[s];
    out->age = w->age[s];
    out->reproduce = w->intent[s].reproduce != 0;
    out->dead = w->dead[s] != 0;
    out->counters = w->counters[s];
    out->counters.ticks_alive = w->age[s];
}

uint32_t world_agent_id(const World *w, int slot)
{
    return w->id[slot];
}

int32_t world_agent_tag(const World *w, int slot)
{
    return w->tag[slot];
}

int world_agent_pop(const World *w, int slot)
{
    return w->pop[slot];
}

float world_agent_energy(const World *w, int slot)
{
    return w->energy[slot];
}

bool world_agent_wants_reproduce(const World *w, int slot)
{
    return w->intent[slot].reproduce != 0;
}

const AgentCounters *world_agent_counters(const World *w, int slot)
{
    return &w->counters[slot];
}

double world_energy_total(const World *w)
{
    double sum = 0;
    for (int s = 0; s < w->count; ++s) {
        if (!w->dead[s]) {
            sum += (double)w->energy[s];
        }
    }
    int cells = w->fx * w->fy;
    for (int c = 0; c < cells; ++c) {
        sum += (double)w->plant[c] + (double)w->meat[c];
    }
    return sum;
}

EnergyLedger world_ledger(const World *w)
{
    return w->ledger;
}

double ledger_net(const EnergyLedger *l)
{
    return l->added + l->growth + l->corpses + l->debt - l->metabolism - l->thrust - l->brain -
           l->attack_cost - l->attack_loss - l->digestion_loss - l->decay - l->removed -
           l->overflow;
}

size_t world_bytes(const World *w)
{
    Field f[FIELD_MAX];
    int n = packed_fields((World *)w, f);
    n += scratch_fields((World *)w, f + n);
    size_t per = 0;
    for (int i = 0; i < n; ++i) {
        per += f[i].size;
    }
    per += sizeof(float) * ((size_t)w->stride + WORLD_OUTPUTS);
    size_t cells = (size_t)w->gx * (size_t)w->gy;
    size_t fcells = (size_t)w->fx * (size_t)w->fy;
    return sizeof *w + per * (size_t)w->cap + sizeof(int32_t) * (size_t)w->claim_buckets +
           sizeof(WorldEvent) * (size_t)w->event_cap + cells * (2 * sizeof(int32_t) + 1) +
           fcells * (3 * sizeof(float) + sizeof(int16_t)) + (size_t)w->fy * 2 * sizeof(double);
}

/* ------------------------------------------------------------ hash */

uint64_t world_hash(const World *w)
{
    Hasher h;
    hasher_init(&h);
    hasher_u64(&h, w->tick);
    hasher_u64(&h, w->next_id);
    hasher_u64(&h, (uint64_t)w->count);
    size_t n = (size_t)w->count;
    hasher_bytes(&h, w->id, n * sizeof *w->id);
    hasher_bytes(&h, w->pop, n);
    hasher_bytes(&h, w->touch, n);
    hasher_bytes(&h, w->x, n * sizeof(float));
    hasher_bytes(&h, w->y, n * sizeof(float));
    hasher_bytes(&h, w->heading, n * sizeof(float));
    hasher_bytes(&h, w->vx, n * sizeof(float));
    hasher_bytes(&h, w->vy, n * sizeof(float));
    hasher_bytes(&h, w->energy, n * sizeof(float));
    hasher_bytes(&h, w->signal, n * sizeof(float));
    hasher_bytes(&h, w->upkeep, n * sizeof(float));
    hasher_bytes(&h, w->age, n * sizeof(uint32_t));
    hasher_bytes(&h, w->tag, n * sizeof(int32_t));
    for (size_t s = 0; s < n; ++s) {
        hasher_u64(&h, w->rng[s].state);
        hasher_u64(&h, w->rng[s].inc);
        const Intent *it = &w->intent[s];
        hasher_f32(&h, it->turn);
        hasher_f32(&h, it->thrust);
        hasher_f32(&h, it->signal);
        hasher_u64(&h, (uint64_t)it->eat | (uint64_t)it->attack << 8 |
                           (uint64_t)it->reproduce << 16);
        const AgentCounters *c = &w->counters[s];
        hasher_f64(&h, c->energy_plants);
        hasher_f64(&h, c->energy_meat);
        hasher_f64(&h, c->distance);
        hasher_f64(&h, c->damage);
        hasher_u64(&h, c->kills);
        hasher_u64(&h, c->offspring);
        hasher_u64(&h, c->parent);
        hasher_u64(&h, c->birth_tick);
    }
    size_t cells = (size_t)w->fx * (size_t)w->fy;
    hasher_bytes(&h, w->plant, cells * sizeof(float));
    hasher_bytes(&h, w->meat, cells * sizeof(float));
    for (int p = 0; p < w->patch_count; ++p) {
        hasher_f32(&h, w->patch_x[p]);
        hasher_f32(&h, w->patch_y[p]);
    }
    const EnergyLedger *l = &w->ledger;
    const double *ld = &l->added;
    for (size_t i = 0; i < sizeof *l / sizeof(double); ++i) {
        hasher_f64(&h, ld[i]);
    }
    return hasher_digest(&h);
}

void world_set_rates(World *w, const WorldDef *def, const PopulationDef *pops)
{
    FoodDef *f = &w->def.food;
    f->regrowth = def->food.regrowth;
    f->season_period = def->food.season_period;
    f->season_amplitude = def->food.season_amplitude;
    f->meat_decay = def->food.meat_decay;
    for (int p = 0; p < w->pop_count; ++p) {
        PopulationDef *d = &w->pops[p];
        const PopulationDef *n = &pops[p];
        d->metabolism = n->metabolism;
        d->thrust_cost = n->thrust_cost;
        d->node_cost = n->node_cost;
        d->conn_cost = n->conn_cost;
        d->attack_cost = n->attack_cost;
        d->attack_damage = n->attack_damage;
        d->attack_gain = n->attack_gain;
        d->corpse = n->corpse;
        d->reproduce_energy = n->reproduce_energy;
        params_init(&w->pp[p], d);
    }
}
