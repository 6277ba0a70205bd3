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

/* atan2 to about 1e-5 radians: a minimax polynomial on [0, 1] folded to
 * every octant. Only binning depends on it, so the accuracy is ample. */
float world_atan2(float y, float x)
{
    float ax = fabsf(x), ay = fabsf(y);
    float mx = ax > ay ? ax : ay;
    float mn = ax > ay ? ay : ax;
    if (mx == 0.0f) {
        return 0.0f;
    }
    float a = mn / mx;
    float s = a * a;
    float r = ((-0.0464964749f * s + 0.15931422f) * s - 0.327622764f) * s * a + a;
    if (ay > ax) {
        r = 1.57079637f - r;
    }
    if (x < 0) {
        r = 3.14159274f - r;
    }
    return y < 0 ? -r : r;
}

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
    float best[4][WORLD_MAX_SECTORS];
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
    bool vision, signal, occl, full;
} SenseCtx;

/* Sector of a direction (fx ahead, fy left) in the field of view, or -1. */
static inline int sector_of(const SenseCtx *k, float fx, float fy)
{
    const InputLayout *L = k->L;
    if (L->narrow) {
        /* inside the cone between the first and last boundary, then a
         * binary search on the side of the inner boundaries */
        int K = L->sectors;
        if (L->bound_c[0] * fy - L->bound_s[0] * fx < 0.0f ||
            L->bound_c[K] * fy - L->bound_s[K] * fx > 0.0f) {
            return -1;
        }
        int lo = 0, hi = K - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >> 1;
            if (L->bound_c[mid] * fy - L->bound_s[mid] * fx >= 0.0f) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
    float ang = world_atan2(fy, fx);
    if (!k->full && (ang < -L->half_fov || ang > L->half_fov)) {
        return -1;
    }
    int sec = (int)((ang + L->half_fov) * L->sector_scale);
    return sec < 0 ? 0 : (sec >= L->sectors ? L->sectors - 1 : sec);
}

static inline void see(const SenseCtx *k, SenseAcc *a, int kind, float dx, float dy, float d2)
{
    float fx = dx * k->c + dy * k->s;
    float fy = dy * k->c - dx * k->s;
    int sec = sector_of(k, fx, fy);
    if (sec < 0) {
        return;
    }
    if (d2 < a->best[kind][sec] &&
        (!k->occl || !world_segment_blocked(k->w, k->x, k->y, dx, dy))) {
        a->best[kind][sec] = d2;
    }
}

static void scan_items(const SenseCtx *k, SenseAcc *a, const GridItem *it, const GridItem *end)
{
    const World *w = k->w;
    for (; it < end; ++it) {
        if (it->slot == k->self) {
            continue;
        }
        float dx = world_wrap_dx(w, it->x - k->x, w->half_w, w->width);
        float dy = world_wrap_dx(w, it->y - k->y, w->half_h, w->height);
        float d2 = dx * dx + dy * dy;
        if (d2 > k->qr2) {
            continue;
        }
        float rr = k->myr + it->radius;
        if (d2 < rr * rr) {
            a->touch = 1;
        }
        float reach = rr + k->reach;
        if (d2 <= reach * reach) {
            float fx = dx * k->c + dy * k->s;
            float fy = dy * k->c - dx * k->s;
            /* within 45 degrees of the heading; ties to the lower slot */
            if (fx >= fabsf(fy) &&
                (d2 < a->target_d2 || (d2 == a->target_d2 && (int32_t)it->slot < a->target))) {
                a->target = (int32_t)it->slot;
                a->target_d2 = d2;
            }
        }
        if (d2 >= k->range2) {
            continue;
        }
        if (k->signal) {
            a->sig += it->signal * (1.0f - d2 * k->inv_range2);
        }
        if (k->vision) {
            see(k, a, (int)it->pop == k->pop ? 1 : 2, dx, dy, d2);
        }
    }
}

static void scan_agents(const SenseCtx *k, SenseAcc *a, float radius)
{
    const World *w = k->w;
    int ix0 = (int)floorf((k->x - radius) * w->ginv_w);
    int ix1 = (int)floorf((k->x + radius) * w->ginv_w);
    int iy0 = (int)floorf((k->y - radius) * w->ginv_h);
    int iy1 = (int)floorf((k->y + radius) * w->ginv_h);
    if (w->torus) {
        if (ix1 - ix0 + 1 > w->gx) {
            ix0 = 0;
            ix1 = w->gx - 1;
        }
        if (iy1 - iy0 + 1 > w->gy) {
            iy0 = 0;
            iy1 = w->gy - 1;
        }
    } else {
        ix0 = ix0 < 0 ? 0 : ix0;
        iy0 = iy0 < 0 ? 0 : iy0;
        ix1 = ix1 >= w->gx ? w->gx - 1 : ix1;
        iy1 = iy1 >= w->gy ? w->gy - 1 : iy1;
    }
    for (int iy = iy0; iy <= iy1; ++iy) {
        int row = wrap_index(iy, w->gy) * w->gx;
        /* the cells of one row are contiguous in the sorted items: at most
         * two runs when the range wraps around the edge */
        int a0 = wrap_index(ix0, w->gx);
        int a1 = wrap_index(ix1, w->gx);
        if (a0 <= a1) {
            scan_items(k, a, w->gitems + w->gstart[row + a0], w->gitems + w->gstart[row + a1 + 1]);
        } else {
            scan_items(k, a, w->gitems + w->gstart[row + a0], w->gitems + w->gstart[row + w->gx]);
            scan_items(k, a, w->gitems + w->gstart[row], w->gitems + w->gstart[row + a1 + 1]);
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
    int ix0 = (int)floorf((k->x - r) * w->finv_w), ix1 = (int)floorf((k->x + r) * w->finv_w);
    int iy0 = (int)floorf((k->y - r) * w->finv_h), iy1 = (int)floorf((k->y + r) * w->finv_h);
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
        int jx0 = (int)floorf((k->x - half) * w->finv_w - 0.5f);
        int jx1 = (int)floorf((k->x + half) * w->finv_w - 0.5f) + 1;
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
            if (e < vis || e <= 0.0f) {
                continue;
            }
            float dx = ((float)ix + 0.5f) * w->fcell_w - k->x;
            float d2 = dx * dx + dy2;
            if (d2 >= k->range2) {
                continue;
            }
            see(k, a, 0, dx, dy, d2);
        }
    }
}

static float food_edible_at(const World *w, int ix, int iy, float ep, float em)
{
    if (w->torus) {
        ix = wrap_index(ix, w->fx);
        iy = wrap_index(iy, w->fy);
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
        .range2 = L->range2,
        .inv_range2 = 1.0f / L->range2,
        .vision = L->vision >= 0,
        .signal = L->signal >= 0,
        .occl = w->gobst[w->gcell_of[s]] != 0,
        .full = L->half_fov >= WORLD_PI * 0.9999f,
    };
    SenseAcc a;
    int K = L->sectors;
    for (int kind = 0; kind < 4; ++kind) {
        for (int i = 0; i < K; ++i) {
            a.best[kind][i] = L->range2;
        }
    }
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
                    a.best[3][i] = d * d;
                }
            }
        }
        float *v = row + L->vision;
        for (int kind = 0; kind < 4; ++kind) {
            for (int i = 0; i < K; ++i) {
                float d2 = a.best[kind][i];
                v[kind * K + i] = d2 < L->range2 ? 1.0f - sqrtf(d2) * L->inv_range : 0.0f;
            }
        }
    }
    if (L->touch >= 0) {
        row[L->touch] = (float)a.touch;
    }
    if (L->smell >= 0) {
        int ix = (int)floorf(k.x * w->finv_w), iy = (int)floorf(k.y * w->finv_h);
        float ep = pp->eat_plants, em = pp->eat_meat;
        float gx = food_edible_at(w, ix + 1, iy, ep, em) - food_edible_at(w, ix - 1, iy, ep, em);
        float gy = food_edible_at(w, ix, iy + 1, ep, em) - food_edible_at(w, ix, iy - 1, ep, em);
        float cap = (float)w->def.food.capacity;
        float inv = cap > 0 ? 0.5f / cap : 0.0f;
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
