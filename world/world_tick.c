/*
 * The world's side of a tick: begin (grid), resolve (attacks, eating,
 * movement, metabolism, deaths marked), end (ledger, corpses, events,
 * packing).
 *
 * Contested outcomes never depend on threads. Attacks and meals are
 * gathered as claims in slot (= id) order, counting-sorted by target or
 * food cell (stable, so slot order survives) and insertion-sorted by
 * distance inside each group: the nearest claimant is served first, ties
 * go to the lower id. They are then applied serially. Movement and
 * metabolism write only their own slot and run in parallel. Every flow of
 * energy is kept per slot and summed in slot order at the end of the
 * tick, so the ledger is the same at every thread count.
 */
#include "world/world_internal.h"

#include <math.h>
#include <string.h>

void world_tick_begin(World *w)
{
    assert_not_in_tick(w);
    w->in_tick = true;
    w->event_count = 0;
    for (int p = 0; p < w->pop_count; ++p) {
        double period = w->pops[p].senses.clock_period;
        double ph = 2.0 * M_PI * mathx_fmod((double)w->tick, period) / period;
        double s, c;
        mathx_sincos(ph, &s, &c);
        w->clock_sin[p] = (float)s;
        w->clock_cos[p] = (float)c;
    }
    world_grid_build(w);
}

/* Counting sort of claims by key (stable): afterwards claims_tmp holds
 * them by key and claim_count[k] is the end of key k's group (the start
 * of key k + 1's). */
static void count_sort_claims(World *w, int n, int keys)
{
    int32_t *cnt = w->claim_count;
    memset(cnt, 0, sizeof(int32_t) * (size_t)(keys + 1));
    for (int i = 0; i < n; ++i) {
        cnt[w->claims[i].key + 1] += 1;
    }
    for (int k = 0; k < keys; ++k) {
        cnt[k + 1] += cnt[k];
    }
    for (int i = 0; i < n; ++i) {
        w->claims_tmp[cnt[w->claims[i].key]++] = w->claims[i];
    }
}

/* Insertion sort of one group [g, e) by distance (stable: equal
 * distances keep slot order). */
static void sort_group(Claim *c, int g, int e)
{
    for (int i = g + 1; i < e; ++i) {
        Claim t = c[i];
        int j = i - 1;
        while (j >= g && c[j].dist2 > t.dist2) {
            c[j + 1] = c[j];
            --j;
        }
        c[j + 1] = t;
    }
}

/* Counting sort of claims by key, then each key's group by distance. */
static void sort_claims(World *w, int n, int keys)
{
    count_sort_claims(w, n, keys);
    Claim *c = w->claims_tmp;
    int g = 0;
    while (g < n) {
        int e = g + 1;
        while (e < n && c[e].key == c[g].key) {
            ++e;
        }
        sort_group(c, g, e);
        g = e;
    }
}

static void resolve_attacks(World *w)
{
    int n = 0;
    for (int s = 0; s < w->count; ++s) {
        if (!w->intent[s].attack) {
            continue;
        }
        const PopParams *pp = &w->pp[w->pop[s]];
        w->energy[s] -= pp->attack_cost;
        w->ledger.attack_cost += (double)pp->attack_cost;
        if (w->target[s] >= 0) {
            w->claims[n++] = (Claim){(uint32_t)w->target[s], w->target_d2[s], (uint32_t)s};
        }
    }
    if (n == 0) {
        return;
    }
    sort_claims(w, n, w->count);
    for (int i = 0; i < n; ++i) {
        const Claim *c = &w->claims_tmp[i];
        int t = (int)c->key, a = (int)c->slot;
        if (w->dead[t]) {
            continue;
        }
        const PopParams *pp = &w->pp[w->pop[a]];
        float before = w->energy[t];
        float dmg = before > 0 ? fminf(pp->attack_damage, before) : 0.0f;
        w->energy[t] = before - dmg;
        double taken = (double)before - (double)w->energy[t];
        float gain = (float)taken * pp->attack_gain * pp->eat_meat;
        float eb = w->energy[a];
        w->energy[a] = eb + gain;
        double got = (double)w->energy[a] - (double)eb;
        w->ledger.attack_loss += taken - got;
        w->counters[a].damage += taken;
        w->counters[a].energy_meat += got;
        if (w->energy[t] <= 0.0f) {
            w->dead[t] = DEATH_KILLED;
            w->killer[t] = w->id[a];
            w->counters[a].kills += 1;
        }
    }
}

/* One meal: the claimant takes up to a bite from its cell, the better
 * digested kind first. Returns the energy lost in digestion. */
static double eat_one(World *w, const Claim *cl, float bite)
{
    int s = (int)cl->slot;
    int c = (int)cl->key;
    const PopParams *pp = &w->pp[w->pop[s]];
    float left = bite;
    double took_p = 0, took_m = 0;
    for (int pass = 0; pass < 2 && left > 0; ++pass) {
        bool meat_first = pp->eat_meat > pp->eat_plants;
        bool meat = (pass == 0) == meat_first;
        float eff = meat ? pp->eat_meat : pp->eat_plants;
        float *amount = meat ? &w->meat[c] : &w->plant[c];
        if (eff <= 0.0f || *amount <= 0.0f) {
            continue;
        }
        float old = *amount;
        float take = old < left ? old : left;
        *amount = old - take;
        double took = (double)old - (double)*amount;
        left -= (float)took;
        if (meat) {
            took_m += took;
        } else {
            took_p += took;
        }
    }
    if (took_p <= 0 && took_m <= 0) {
        return 0.0;
    }
    float eb = w->energy[s];
    float gp = (float)took_p * pp->eat_plants;
    float gm = (float)took_m * pp->eat_meat;
    w->energy[s] = eb + gp + gm;
    double got = (double)w->energy[s] - (double)eb;
    /* split what was got in proportion, for the counters */
    double gsum = (double)gp + (double)gm;
    double share_p = gsum > 0 ? got * (double)gp / gsum : 0.0;
    w->counters[s].energy_plants += share_p;
    w->counters[s].energy_meat += got - share_p;
    return took_p + took_m - got;
}

static void resolve_eating(World *w)
{
    int n = 0;
    for (int s = 0; s < w->count; ++s) {
        if (!w->intent[s].eat || w->dead[s]) {
            continue;
        }
        /* cell and distance from world_act, in parallel */
        w->claims[n++] = (Claim){(uint32_t)w->eat_cell[s], w->eat_d2[s], (uint32_t)s};
    }
    if (n == 0) {
        return;
    }
    /* Meals at different food cells touch different cells and agents
     * (an agent makes one claim), so the cells' groups are served in
     * parallel, each in (distance, slot) order; each claim's digestion
     * loss is kept and the ledger sums them in claim order afterwards,
     * as a serial loop would. */
    const int keys = w->fx * w->fy;
    count_sort_claims(w, n, keys);
    const float bite = (float)w->def.food.bite;
    const int32_t *end = w->claim_count;
    Claim *claims = w->claims_tmp;
    double *loss = w->eat_loss;
#pragma omp parallel for schedule(dynamic, 256) if (n > 2048)
    for (int k = 0; k < keys; ++k) {
        int g0 = k > 0 ? end[k - 1] : 0, g1 = end[k];
        if (g1 - g0 > 1) {
            sort_group(claims, g0, g1);
        }
        for (int i = g0; i < g1; ++i) {
            loss[i] = eat_one(w, &claims[i], bite);
        }
    }
    double sum = w->ledger.digestion_loss;
    for (int i = 0; i < n; ++i) {
        sum += loss[i]; /* +0 for a claim that got nothing: no change */
    }
    w->ledger.digestion_loss = sum;
}

/* One part of a step, already added to (x, y): wraps it on a torus and
 * pushes the body out of walls and obstacles, stopping its velocity
 * along a blocked direction. Returns true when it touched one. */
static bool move_part(const World *w, const PopParams *pp, float *px, float *py, float *vx,
                      float *vy)
{
    float x = *px, y = *py;
    bool hit = false;
    if (w->torus) {
        x = x < 0.0f ? x + w->width : (x >= w->width ? x - w->width : x);
        y = y < 0.0f ? y + w->height : (y >= w->height ? y - w->height : y);
        /* x + width may round up to width itself */
        x = x >= w->width ? 0.0f : x;
        y = y >= w->height ? 0.0f : y;
        /* a step longer than the world (the config checks keep it under a
         * quarter of it; this keeps any step safe) */
        x = world_fit_coord(x, w->width, 0.0f, true);
        y = world_fit_coord(y, w->height, 0.0f, true);
    }
    if (!w->torus || w->obst_count > 0) {
        float ox = x, oy = y;
        hit = world_collide_static(w, &x, &y, pp->radius);
        if (hit) {
            /* the body stops along the blocked direction */
            if (ox != x) {
                *vx = 0.0f;
            }
            if (oy != y) {
                *vy = 0.0f;
            }
            /* pushed out of an obstacle across a torus's edge: wrap */
            x = world_fit_coord(x, w->width, pp->radius, w->torus);
            y = world_fit_coord(y, w->height, pp->radius, w->torus);
        }
    }
    *px = x;
    *py = y;
    return hit;
}

/* Movement, static collisions, metabolism, ageing and death marks of one
 * slot; writes only that slot. */
static void move_one(World *w, int s)
{
    if (w->dead[s]) {
        w->f_metab[s] = w->f_thrust[s] = w->f_brain[s] = w->f_overflow[s] = 0.0f;
        return;
    }
    const PopParams *pp = &w->pp[w->pop[s]];
    const Intent *it = &w->intent[s];
    if (it->turn != 0.0f) {
        float h = w->heading[s] + it->turn * pp->turn_rate;
        h = h >= WORLD_PI ? h - WORLD_TAU : (h < -WORLD_PI ? h + WORLD_TAU : h);
        w->heading[s] = h;
        mathx_sincosf(h, &w->sin_h[s], &w->cos_h[s]);
    }
    float keep = 1.0f - pp->drag;
    float push = it->thrust * pp->max_speed * pp->drag;
    float vx = w->vx[s] * keep + w->cos_h[s] * push;
    float vy = w->vy[s] * keep + w->sin_h[s] * push;
    float v2 = vx * vx + vy * vy;
    float vmax2 = pp->max_speed * pp->max_speed;
    float speed;
    if (v2 > vmax2) {
        speed = sqrtf(v2);
        float k = pp->max_speed / speed;
        vx *= k;
        vy *= k;
        speed = pp->max_speed;
    } else {
        speed = sqrtf(v2);
    }
    /* A step longer than the body's radius could jump over a thin
     * obstacle: with obstacles it is taken in parts no longer than the
     * radius (at most WORLD_MAX_PARTS of them), each pushed out of what it
     * meets, and the body stops at the first part that hits. Ordinary
     * speeds (at most the radius) take one part, as without obstacles. */
    int parts = 1;
    if (w->obst_count > 0 && speed > pp->radius) {
        float n = ceilf(speed / pp->radius);
        parts = n < (float)WORLD_MAX_PARTS ? (int)n : WORLD_MAX_PARTS;
    }
    float x = w->x[s], y = w->y[s];
    bool hit = false;
    for (int k = 0; k < parts && !hit; ++k) {
        if (parts == 1) {
            x += vx;
            y += vy;
        } else {
            x += vx / (float)parts;
            y += vy / (float)parts;
        }
        hit = move_part(w, pp, &x, &y, &vx, &vy);
    }
    w->x[s] = x;
    w->y[s] = y;
    w->vx[s] = vx;
    w->vy[s] = vy;
    w->touch[s] = hit;
    w->signal[s] = it->signal;
    w->counters[s].distance += (double)speed;

    float metab = pp->metabolism;
    float thrust = fabsf(it->thrust) * pp->thrust_cost;
    float brain = w->upkeep[s];
    float e = w->energy[s] - metab - thrust - brain;
    float over = 0.0f;
    if (e > pp->energy_max) {
        over = e - pp->energy_max;
        e = pp->energy_max;
    }
    w->energy[s] = e;
    w->f_metab[s] = metab;
    w->f_thrust[s] = thrust;
    w->f_brain[s] = brain;
    w->f_overflow[s] = over;
    w->age[s] += 1;
    /* here, in the parallel loop, rather than in a serial one at tick end
     * (the dead of this tick get the same value there) */
    w->counters[s].ticks_alive = w->age[s];
    if (e <= 0.0f) {
        w->dead[s] = DEATH_STARVED;
    } else if (pp->lifespan > 0 && w->age[s] >= pp->lifespan) {
        w->dead[s] = DEATH_OLD_AGE;
    }
}

/* push_apart: each body moves by half of every overlap with the bodies
 * around it (Jacobi: from the positions after movement, all at once). */
static void push_apart(World *w)
{
    world_grid_build(w);
    int n = w->count;
#pragma omp parallel for schedule(static) if (n > 2048)
    for (int s = 0; s < n; ++s) {
        float px = 0, py = 0;
        if (!w->dead[s]) {
            float r = w->pp[w->pop[s]].radius;
            float x = w->x[s], y = w->y[s];
            float reach = w->qradius[w->pop[s]];
            int ix0 = (int)floorf((x - reach) * w->ginv_w), ix1 = (int)floorf((x + reach) * w->ginv_w);
            int iy0 = (int)floorf((y - reach) * w->ginv_h), iy1 = (int)floorf((y + reach) * w->ginv_h);
            for (int iy = iy0; iy <= iy1; ++iy) {
                if (!w->torus && (iy < 0 || iy >= w->gy)) {
                    continue;
                }
                int cy = ((iy % w->gy) + w->gy) % w->gy;
                for (int ix = ix0; ix <= ix1; ++ix) {
                    if (!w->torus && (ix < 0 || ix >= w->gx)) {
                        continue;
                    }
                    int cx = ((ix % w->gx) + w->gx) % w->gx;
                    int cell = cy * w->gx + cx;
                    for (int k = w->gstart[cell]; k < w->gstart[cell + 1]; ++k) {
                        int32_t o = w->gslot[k];
                        if (o == s || w->dead[o]) {
                            continue;
                        }
                        float dx = world_wrap_dx(w, x - w->gpx[k], w->half_w, w->width);
                        float dy = world_wrap_dx(w, y - w->gpy[k], w->half_h, w->height);
                        float d2 = dx * dx + dy * dy;
                        float rr = r + w->grad[k];
                        if (d2 >= rr * rr) {
                            continue;
                        }
                        float d = sqrtf(d2);
                        float ux, uy;
                        if (d < 1e-6f) {
                            /* coincident: the lower slot goes left */
                            ux = o < s ? 1.0f : -1.0f;
                            uy = 0.0f;
                        } else {
                            ux = dx / d;
                            uy = dy / d;
                        }
                        float push = 0.5f * (rr - d);
                        px += ux * push;
                        py += uy * push;
                    }
                }
            }
        }
        w->push_x[s] = px;
        w->push_y[s] = py;
    }
#pragma omp parallel for schedule(static) if (n > 2048)
    for (int s = 0; s < n; ++s) {
        if (w->push_x[s] == 0.0f && w->push_y[s] == 0.0f) {
            continue;
        }
        float x = w->x[s] + w->push_x[s], y = w->y[s] + w->push_y[s];
        if (w->torus) {
            x = x < 0.0f ? x + w->width : (x >= w->width ? x - w->width : x);
            y = y < 0.0f ? y + w->height : (y >= w->height ? y - w->height : y);
            x = x >= w->width ? 0.0f : x;
            y = y >= w->height ? 0.0f : y;
        }
        if (!w->torus || w->obst_count > 0) {
            world_collide_static(w, &x, &y, w->pp[w->pop[s]].radius);
        }
        /* a push longer than the world, or out of an obstacle across a
         * torus's edge: back inside */
        x = world_fit_coord(x, w->width, w->pp[w->pop[s]].radius, w->torus);
        y = world_fit_coord(y, w->height, w->pp[w->pop[s]].radius, w->torus);
        w->x[s] = x;
        w->y[s] = y;
    }
}

void world_resolve(World *w)
{
    PETRI_WORLD_ASSERT(w->in_tick);
    resolve_attacks(w);
    resolve_eating(w);
    int n = w->count;
#pragma omp parallel for schedule(static) if (n > 2048)
    for (int s = 0; s < n; ++s) {
        move_one(w, s);
    }
    if (w->def.push_apart) {
        push_apart(w);
    }
}

void world_tick_end(World *w)
{
    PETRI_WORLD_ASSERT(w->in_tick);
    EnergyLedger *l = &w->ledger;
    double metab = 0, thrust = 0, brain = 0, over = 0;
    for (int s = 0; s < w->count; ++s) {
        metab += (double)w->f_metab[s];
        thrust += (double)w->f_thrust[s];
        brain += (double)w->f_brain[s];
        over += (double)w->f_overflow[s];
    }
    l->metabolism += metab;
    l->thrust += thrust;
    l->brain += brain;
    l->overflow += over;
    bool any_dead = false;
    for (int s = 0; s < w->count; ++s) {
        if (!w->dead[s]) {
            continue;
        }
        any_dead = true;
        /* the body becomes meat: its energy (never below 0) and corpse */
        float e = w->energy[s];
        double ed = e > 0.0f ? (double)e : 0.0;
        if (e < 0.0f) {
            l->debt += -(double)e;
        }
        int c = world_food_cell_of(w, w->x[s], w->y[s]);
        float old = w->meat[c];
        w->meat[c] = old + (float)ed + w->pp[w->pop[s]].corpse;
        l->corpses += ((double)w->meat[c] - (double)old) - ed;
        AgentCounters *ct = &w->counters[s];
        ct->ticks_alive = w->age[s];
        ct->cause = w->dead[s];
        uint32_t killer = w->dead[s] == DEATH_KILLED ? w->killer[s] : WORLD_NO_ID;
        WorldEvent ev = {.kind = EVENT_DEATH,
                         .id = w->id[s],
                         .other = killer,
                         .pop = w->pop[s],
                         .tag = w->tag[s],
                         .cause = w->dead[s],
                         .tick = w->tick,
                         .counters = *ct};
        world_event_push(w, &ev);
        if (killer != WORLD_NO_ID) {
            WorldEvent kv = {.kind = EVENT_KILL,
                             .id = killer,
                             .other = w->id[s],
                             .pop = w->pop[s],
                             .tag = w->tag[s],
                             .tick = w->tick};
            world_event_push(w, &kv);
        }
    }
    if (any_dead) {
        world_pack(w);
    }
    w->tick += 1;
    w->in_tick = false;
}

void world_step(World *w)
{
    world_tick_begin(w);
    int n = w->count;
#pragma omp parallel
    {
#pragma omp for schedule(static)
        for (int s = 0; s < n; ++s) {
            world_sense(w, s);
        }
#pragma omp for schedule(static)
        for (int s = 0; s < n; ++s) {
            world_control_baseline(w, s);
            world_act(w, s);
        }
    }
    world_resolve(w);
    world_environment(w);
    world_tick_end(w);
}
