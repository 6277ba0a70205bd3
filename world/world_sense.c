/*
 * Sensors: the frozen state of the tick to one input row per agent.
 *
 * Vision is one pass over the neighbours within range (from the grid),
 * each binned into its sector by its angle in the agent's frame; per
 * sector and kind the nearest one is kept as squared distance, and only
 * at the end turned into closeness 1 - d / range (0: nothing seen). Food
 * is seen as food cells whose edible energy (plants and meat weighted by
 * the population's diet) is at least food.visible, at the cell centre.
 * Obstacles and walls are found by one ray per sector, and occlude other
 * objects, only in grid cells flagged as near one (most cells are not).
 *
 * world_sense writes only its own slot (input row, target, stream), so
 * it runs in parallel over slots. Neighbour order is the grid's, which
 * depends only on the state, so float sums (the signal) are the same at
 * every thread count.
 */
#include "world/world_internal.h"

#include <math.h>
#include <string.h>

static inline int wrap_index(int i, int n)
{
    i %= n;
    return i < 0 ? i + n : i;
}

static inline float clamp1(float v)
{
    return v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
}

/* What the neighbour pass gathers. */
typedef struct SenseAcc {
    float best[WORLD_BEST_SLOTS]; /* [kind * WORLD_MAX_SECTORS + sector], then the sink */
    uint64_t seen; /* bit kind * WORLD_MAX_SECTORS + sector: something seen there */
    float sig;
    int touch;
    int32_t target;
    float target_d2;
} SenseAcc;

typedef struct SenseCtx {
    const World *w;
    const InputLayout *L;
    uint32_t self;
    int pop;
    float x, y, c, s;
    float myr, reach, qr2, range2, inv_range2;
    float near2; /* (own radius + largest radius + reach)^2: touch and attack */
    bool vision, occl, full;
} SenseCtx;

/* The best-distance slot of a direction (fx ahead, fy left) for a kind:
 * kind * WORLD_MAX_SECTORS + sector, or WORLD_BEST_SINK outside the
 * field of view. Branch-free but for a bin holding several boundaries
 * (a constant of the layout): directions fall left, right, ahead and
 * behind at random, and mispredicted branches cost more than arithmetic. */
__attribute__((always_inline)) static inline int view_slot(const InputLayout *restrict L,
                                                           bool full, int kind, float fx,
                                                           float fy)
{
    float p = world_pseudo_angle(fx, fy);
    int b = (int)((p + 2.0f) * (float)(WORLD_PBINS / 4));
    b = b < WORLD_PBINS - 1 ? b : WORLD_PBINS - 1;
    int j = L->pbin[b];
    if (L->one_step) {
        j += p >= L->bound_p[j]; /* bound_p[K + 1] is +inf */
    } else {
        while (j <= L->sectors && p >= L->bound_p[j]) {
            ++j;
        }
    }
    int sec = j - 1;
    int K = L->sectors;
    if (full) {
        sec = sec > 0 ? sec : 0;
        sec = sec < K - 1 ? sec : K - 1;
        return kind * WORLD_MAX_SECTORS + sec;
    }
    int ok = (unsigned)sec < (unsigned)K;
    int idx = kind * WORLD_MAX_SECTORS + sec;
    return WORLD_BEST_SINK + ((idx - WORLD_BEST_SINK) & -ok);
}

/* Keeps d2 as the nearest of its (kind, direction) slot when nearer and
 * `valid`; the sink takes the rest. */
__attribute__((always_inline)) static inline void see_update(const SenseCtx *restrict k,
                                                             float *restrict best,
                                                             uint64_t *seen, int kind, float dx,
                                                             float dy, float d2, int valid)
{
    float fx = dx * k->c + dy * k->s;
    float fy = dy * k->c - dx * k->s;
    int idx = view_slot(k->L, k->full, kind, fx, fy);
    idx = WORLD_BEST_SINK + ((idx - WORLD_BEST_SINK) & -valid);
    float old = best[idx];
    float keep = d2 < old ? d2 : old; /* minss: no branch */
    int better = (d2 < old) & (idx != WORLD_BEST_SINK);
    if (k->occl && better && world_segment_blocked(k->w, k->x, k->y, dx, dy)) {
        better = 0;
        keep = old;
    }
    best[idx] = keep;
    *seen |= (uint64_t)better << (idx & 63);
}

/* Items of one run of cells; (ox, oy) is the observer's position minus
 * the offset of the copy of the plane the run lies in (torus), so the
 * loop needs no wrap. With `wrap` (a range that spans the whole world)
 * each offset is wrapped instead. The context is copied into locals and
 * the accumulators kept in registers: stores into the best-distance
 * table could otherwise alias them and force reloads. */
static inline void scan_run(const SenseCtx *restrict k, SenseAcc *restrict a,
                            const GridItem *restrict it, const GridItem *end, float ox, float oy,
                            bool wrap)
{
    const World *w = k->w;
    const uint32_t self = k->self;
    const uint32_t pop = (uint32_t)k->pop;
    const float c = k->c, sn = k->s;
    const float qr2 = k->qr2, near2 = k->near2, range2 = k->range2, inv_range2 = k->inv_range2;
    const float myr = k->myr, reach = k->reach;
    const bool vision = k->vision;
    float sig = a->sig;
    int touch = a->touch;
    int32_t target = a->target;
    float target_d2 = a->target_d2;
    float *restrict best = a->best;
    uint64_t seen = a->seen;
    for (; it < end; ++it) {
        float dx = it->x - ox;
        float dy = it->y - oy;
        if (wrap) {
            dx = world_wrap_dx(w, dx, w->half_w, w->width);
            dy = world_wrap_dx(w, dy, w->half_h, w->height);
        }
        float d2 = dx * dx + dy * dy;
        if (d2 > qr2) {
            continue;
        }
        if (d2 <= near2 && it->slot != self) {
            /* within touch or reach of some body: the exact tests */
            float rr = myr + it->radius;
            touch |= d2 < rr * rr;
            float rch = rr + reach;
            if (d2 <= rch * rch) {
                float fx = dx * c + dy * sn;
                float fy = dy * c - dx * sn;
                /* within 45 degrees of the heading; ties to the lower slot */
                if (fx >= fabsf(fy) &&
                    (d2 < target_d2 || (d2 == target_d2 && (int32_t)it->slot < target))) {
                    target = (int32_t)it->slot;
                    target_d2 = d2;
                }
            }
        }
        int in = (d2 < range2) & (it->slot != self);
        /* times 1 or 0: the same sum as adding the neighbours in range only */
        sig += it->signal * (1.0f - d2 * inv_range2) * (float)in;
        if (vision) {
            see_update(k, best, &seen, 1 + (it->pop != pop), dx, dy, d2, in);
        }
    }
    a->seen = seen;
    a->sig = sig;
    a->touch = touch;
    a->target = target;
    a->target_d2 = target_d2;
}

static void scan_items(const SenseCtx *k, SenseAcc *a, const GridItem *it, const GridItem *end,
                       float ox, float oy)
{
    scan_run(k, a, it, end, ox, oy, false);
}

static void scan_items_wrapped(const SenseCtx *k, SenseAcc *a, const GridItem *it,
                               const GridItem *end)
{
    scan_run(k, a, it, end, k->x, k->y, true);
}

static void scan_agents(const SenseCtx *k, SenseAcc *a, float radius)
{
    const World *w = k->w;
    int ix0 = world_floor_int((k->x - radius) * w->ginv_w);
    int ix1 = world_floor_int((k->x + radius) * w->ginv_w);
    int iy0 = world_floor_int((k->y - radius) * w->ginv_h);
    int iy1 = world_floor_int((k->y + radius) * w->ginv_h);
    const GridItem *g = w->gitems;
    if (!w->torus) {
        ix0 = ix0 < 0 ? 0 : ix0;
        iy0 = iy0 < 0 ? 0 : iy0;
        ix1 = ix1 >= w->gx ? w->gx - 1 : ix1;
        iy1 = iy1 >= w->gy ? w->gy - 1 : iy1;
        for (int iy = iy0; iy <= iy1; ++iy) {
            float y0 = (float)iy * w->gcell_h, y1 = y0 + w->gcell_h;
            float dyr = k->y < y0 ? y0 - k->y : (k->y > y1 ? k->y - y1 : 0.0f);
            float half = sqrtf(radius * radius - dyr * dyr);
            if (!(half >= 0.0f)) {
                continue;
            }
            int jx0 = world_floor_int((k->x - half) * w->ginv_w);
            int jx1 = world_floor_int((k->x + half) * w->ginv_w);
            jx0 = jx0 < ix0 ? ix0 : jx0;
            jx1 = jx1 > ix1 ? ix1 : jx1;
            int row = iy * w->gx;
            scan_items(k, a, g + w->gstart[row + jx0], g + w->gstart[row + jx1 + 1], k->x, k->y);
        }
        return;
    }
    if (ix1 - ix0 + 1 >= w->gx || iy1 - iy0 + 1 >= w->gy) {
        /* the range spans the world: every cell once, offsets wrapped */
        scan_items_wrapped(k, a, g, g + w->gstart[w->gx * w->gy]);
        return;
    }
    const float r2 = radius * radius;
    for (int iy = iy0; iy <= iy1; ++iy) {
        /* only the cells that meet the chord of the circle in this row */
        float y0 = (float)iy * w->gcell_h, y1 = y0 + w->gcell_h;
        float dyr = k->y < y0 ? y0 - k->y : (k->y > y1 ? k->y - y1 : 0.0f);
        float half = sqrtf(r2 - dyr * dyr);
        if (!(half >= 0.0f)) {
            continue;
        }
        int jx0 = world_floor_int((k->x - half) * w->ginv_w);
        int jx1 = world_floor_int((k->x + half) * w->ginv_w);
        jx0 = jx0 < ix0 ? ix0 : jx0;
        jx1 = jx1 > ix1 ? ix1 : jx1;
        int wy = iy < 0 ? iy + w->gy : (iy >= w->gy ? iy - w->gy : iy);
        int row = wy * w->gx;
        /* a row past the edge is the far row of the next copy of the plane */
        float oy = iy < 0 ? k->y + w->height : (iy >= w->gy ? k->y - w->height : k->y);
        /* the cells of one row are contiguous in the sorted items: at most
         * two runs when the range wraps around the edge */
        int a0 = jx0 < 0 ? jx0 + w->gx : (jx0 >= w->gx ? jx0 - w->gx : jx0);
        int a1 = jx1 < 0 ? jx1 + w->gx : (jx1 >= w->gx ? jx1 - w->gx : jx1);
        if (a0 <= a1) {
            float ox = jx0 < 0 ? k->x + w->width : (jx0 >= w->gx ? k->x - w->width : k->x);
            scan_items(k, a, g + w->gstart[row + a0], g + w->gstart[row + a1 + 1], ox, oy);
        } else {
            /* [a0, gx) is left of 0 when jx0 < 0; [0, a1] is right of gx otherwise */
            float left = jx0 < 0 ? k->x + w->width : k->x;
            float right = jx0 < 0 ? k->x : k->x - w->width;
            scan_items(k, a, g + w->gstart[row + a0], g + w->gstart[row + w->gx], left, oy);
            scan_items(k, a, g + w->gstart[row], g + w->gstart[row + a1 + 1], right, oy);
        }
    }
}

static void scan_food(const SenseCtx *k, SenseAcc *a)
{
    const World *w = k->w;
    const PopParams *pp = &w->pp[k->pop];
    float ep = pp->eat_plants, em = pp->eat_meat;
    float vis = (float)w->def.food.visible;
    float r = k->L->range;
    int ix0 = world_floor_int((k->x - r) * w->finv_w), ix1 = world_floor_int((k->x + r) * w->finv_w);
    int iy0 = world_floor_int((k->y - r) * w->finv_h), iy1 = world_floor_int((k->y + r) * w->finv_h);
    if (!w->torus) {
        ix0 = ix0 < 0 ? 0 : ix0;
        iy0 = iy0 < 0 ? 0 : iy0;
        ix1 = ix1 >= w->fx ? w->fx - 1 : ix1;
        iy1 = iy1 >= w->fy ? w->fy - 1 : iy1;
    }
    for (int iy = iy0; iy <= iy1; ++iy) {
        /* unwrapped indices give the cell centre in the agent's own copy
         * of the plane, so no wrap of the offset is needed */
        float dy = ((float)iy + 0.5f) * w->fcell_h - k->y;
        float dy2 = dy * dy;
        if (dy2 >= k->range2) {
            continue;
        }
        /* only the cells whose centres can lie within the chord of this row */
        float half = sqrtf(k->range2 - dy2);
        int jx0 = world_floor_int((k->x - half) * w->finv_w - 0.5f);
        int jx1 = world_floor_int((k->x + half) * w->finv_w - 0.5f) + 1;
        jx0 = jx0 < ix0 ? ix0 : jx0;
        jx1 = jx1 > ix1 ? ix1 : jx1;
        size_t rbase = (size_t)wrap_index(iy, w->fy) * (size_t)w->fx;
        const float *prow = w->plant + rbase;
        const float *mrow = w->meat + rbase;
        int cx = w->torus ? wrap_index(jx0, w->fx) : jx0;
        for (int ix = jx0; ix <= jx1; ++ix, ++cx) {
            if (cx == w->fx) {
                cx = 0;
            }
            float e = prow[cx] * ep + mrow[cx] * em;
            float dx = ((float)ix + 0.5f) * w->fcell_w - k->x;
            float d2 = dx * dx + dy2;
            int valid = (e >= vis) & (e > 0.0f) & (d2 < k->range2);
            see_update(k, a->best, &a->seen, 0, dx, dy, d2, valid);
        }
    }
}

static float food_edible_at(const World *w, int ix, int iy, float ep, float em)
{
    if (w->torus) {
        /* one cell past an edge at most */
        ix = ix < 0 ? ix + w->fx : (ix >= w->fx ? ix - w->fx : ix);
        iy = iy < 0 ? iy + w->fy : (iy >= w->fy ? iy - w->fy : iy);
    } else {
        ix = ix < 0 ? 0 : (ix >= w->fx ? w->fx - 1 : ix);
        iy = iy < 0 ? 0 : (iy >= w->fy ? w->fy - 1 : iy);
    }
    size_t c = (size_t)iy * (size_t)w->fx + (size_t)ix;
    return w->plant[c] * ep + w->meat[c] * em;
}

void world_sense(World *w, int s)
{
    const int p = w->pop[s];
    const InputLayout *L = &w->layout[p];
    const PopParams *pp = &w->pp[p];
    SenseCtx k = {
        .w = w,
        .L = L,
        .self = (uint32_t)s,
        .pop = p,
        .x = w->x[s],
        .y = w->y[s],
        .c = w->cos_h[s],
        .s = w->sin_h[s],
        .myr = pp->radius,
        .reach = pp->attack_reach,
        .qr2 = w->qradius2[p],
        .near2 = w->near2[p],
        .range2 = L->range2,
        .inv_range2 = 1.0f / L->range2,
        .vision = L->vision >= 0,
        .occl = w->gobst[w->gcell_of[s]] != 0,
        .full = L->half_fov >= WORLD_PI * 0.9999f,
    };
    SenseAcc a;
    int K = L->sectors;
    memcpy(a.best, L->best_init, sizeof a.best);
    a.seen = 0;
    a.sig = 0;
    a.touch = w->touch[s];
    a.target = -1;
    a.target_d2 = INFINITY;
    scan_agents(&k, &a, w->qradius[p]);
    w->target[s] = a.target;
    w->target_d2[s] = a.target_d2;

    float *row = w->inputs + (size_t)s * (size_t)w->stride;
    if (k.vision) {
        scan_food(&k, &a);
        if (k.occl) {
            for (int i = 0; i < K; ++i) {
                float ux = L->sector_c[i] * k.c - L->sector_s[i] * k.s;
                float uy = L->sector_c[i] * k.s + L->sector_s[i] * k.c;
                float d = world_ray_distance(w, k.x, k.y, ux, uy, L->range);
                if (d < L->range) {
                    a.best[3 * WORLD_MAX_SECTORS + i] = d * d;
                    a.seen |= 1ull << (3 * WORLD_MAX_SECTORS + i);
                }
            }
        }
        float *v = row + L->vision;
        memset(v, 0, sizeof(float) * 4 * (size_t)K);
        uint64_t seen = a.seen;
        while (seen) {
            int bit = __builtin_ctzll(seen);
            seen &= seen - 1;
            int kind = bit / WORLD_MAX_SECTORS, i = bit % WORLD_MAX_SECTORS;
            v[kind * K + i] = 1.0f - sqrtf(a.best[bit]) * L->inv_range;
        }
    }
    if (L->touch >= 0) {
        row[L->touch] = (float)a.touch;
    }
    if (L->smell >= 0) {
        int ix = world_floor_int(k.x * w->finv_w), iy = world_floor_int(k.y * w->finv_h);
        float ep = pp->eat_plants, em = pp->eat_meat;
        float gx = food_edible_at(w, ix + 1, iy, ep, em) - food_edible_at(w, ix - 1, iy, ep, em);
        float gy = food_edible_at(w, ix, iy + 1, ep, em) - food_edible_at(w, ix, iy - 1, ep, em);
        /* a difference of a full cell across two cells reads 1 */
        float cap = (float)w->def.food.capacity;
        float inv = 0.5f / (cap > 1.0f ? cap : 1.0f);
        row[L->smell] = clamp1((gx * k.c + gy * k.s) * inv);
        row[L->smell + 1] = clamp1((gy * k.c - gx * k.s) * inv);
    }
    if (L->energy >= 0) {
        float e = w->energy[s] * pp->inv_energy_max;
        row[L->energy] = e < 0 ? 0 : (e > 1 ? 1 : e);
    }
    if (L->speed >= 0) {
        float v = sqrtf(w->vx[s] * w->vx[s] + w->vy[s] * w->vy[s]) * pp->inv_max_speed;
        row[L->speed] = v > 1 ? 1 : v;
    }
    if (L->age >= 0) {
        float g = (float)w->age[s] * pp->inv_lifespan;
        row[L->age] = g > 1 ? 1 : g;
    }
    if (L->clock >= 0) {
        row[L->clock] = w->clock_sin[p];
        row[L->clock + 1] = w->clock_cos[p];
    }
    if (L->noise >= 0) {
        row[L->noise] = pcg32_float(&w->rng[s]) * 2.0f - 1.0f;
    }
    if (L->signal >= 0) {
        row[L->signal] = clamp1(a.sig);
    }
}
