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
 * How it runs: the grid cells in range are copied, as offsets from the
 * observer, into a small buffer of arrays of fields (Cands); the buffer
 * is then processed four candidates at a time with gcc's vector
 * extensions (plain IEEE float lanes: the same bits at any optimisation
 * level, no fused multiply-add): distance, range masks, the signal sum,
 * the pseudo-angle and the sector as the count of sector boundaries at
 * or below it. Only the per-sector minimum is a scalar step per lane,
 * and lanes that are not seen go to a sink slot, so nothing branches on
 * the data but the rare touch/attack test and occlusion.
 *
 * world_sense writes only its own slot (input row, target, stream), so
 * it runs in parallel over slots. Neighbour order is the grid's, which
 * depends only on the state; the signal is summed in four lanes (lane i
 * takes candidates 4j + i of each buffer) added in a fixed order at the
 * end, so it is the same at every thread count.
 */
#include "world/world_internal.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static inline v4f v4f_load(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline v4i v4i_load(const int32_t *p)
{
    v4i v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline v4f v4f_and(v4f a, v4i m)
{
    return (v4f)((v4i)a & m);
}

/* Square roots of four lanes, correctly rounded like sqrtf. */
static inline v4f v4f_sqrt(v4f x)
{
#if defined(__SSE__)
    return __builtin_ia32_sqrtps(x);
#else
    v4f r;
    for (int l = 0; l < 4; ++l) {
        r[l] = sqrtf(x[l]);
    }
    return r;
#endif
}

static inline int wrap_index(int i, int n)
{
    if ((unsigned)i < (unsigned)n) {
        return i; /* the usual case: no division */
    }
    i %= n;
    return i < 0 ? i + n : i;
}

static inline float clamp1(float v)
{
    return v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
}

/* Food cells buffered for the vector pass: a multiple of 4. */
#define CAND_MAX 128

typedef struct Cands {
    float dx[CAND_MAX + 4], dy[CAND_MAX + 4];
    float val[CAND_MAX + 4];   /* edible energy */
    int n;
} Cands;

/* What the neighbour pass gathers. */
typedef struct SenseAcc {
    float best[WORLD_BEST_SLOTS]; /* [kind * WORLD_MAX_SECTORS + sector], then the sink */
    v4f sig;   /* signal sum, per lane */
    int touch;
    int32_t target;
    float target_d2;
} SenseAcc;

typedef struct SenseCtx {
    const World *w;
    const InputLayout *L;
    int32_t self;
    int pop;
    float x, y, c, s;
    float myr, reach, qr2, range2, inv_range2;
    float near2; /* (own radius + largest radius + reach)^2: touch and attack */
    bool vision, occl, full;
    int nb; /* sector boundaries: K + 1 */
    /* the same numbers broadcast to four lanes, once per sense */
    v4f vc, vs, vqr2, vnear2, vrange2, vinv_range2;
    v4i vself, vpop;
    v4f bound[WORLD_MAX_SECTORS + 1]; /* L->bound_p broadcast */
} SenseCtx;

/* How many of the nb boundaries (ascending, padded with +inf to
 * WORLD_MAX_SECTORS + 1) lie at or below p, lane by lane: unrolled for
 * the usual sector counts, so the boundaries stay in registers. */
__attribute__((always_inline)) static inline v4i sector_count(const v4f *restrict bound, v4f p,
                                                               int nb)
{
    v4i cnt = {0, 0, 0, 0};
    if (nb <= 5) {
#pragma GCC unroll 5
        for (int j = 0; j < 5; ++j) {
            cnt -= p >= bound[j];
        }
    } else if (nb <= 9) {
#pragma GCC unroll 9
        for (int j = 0; j < 9; ++j) {
            cnt -= p >= bound[j];
        }
    } else {
#pragma GCC unroll 17
        for (int j = 0; j < WORLD_MAX_SECTORS + 1; ++j) {
            cnt -= p >= bound[j];
        }
    }
    return cnt;
}

/* Bins four directions (dx, dy) at squared distances d2 into their
 * best-distance slots kb + sector, for the lanes of `valid`; keeps the
 * nearest per slot. The sector is the count of boundaries (pseudo-angles,
 * ascending) at or below the direction's pseudo-angle, minus one. */
__attribute__((always_inline)) static inline void bin_block(const SenseCtx *restrict k,
                                                            float *restrict best, v4f dx, v4f dy,
                                                            v4f d2, v4i valid, v4i kb)
{
    const v4i abs_mask = {INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX};
    const v4i one_bits = {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000};
    v4f fx = dx * k->vc + dy * k->vs;
    v4f fy = dy * k->vc - dx * k->vs;
    /* world_pseudo_angle, lane by lane */
    v4f sum = v4f_and(fx, abs_mask) + v4f_and(fy, abs_mask);
    v4f zero = (v4f)((sum == 0.0f) & one_bits);
    v4f p = 1.0f - (fx + zero) / (sum + zero);
    p = (v4f)(((v4i)p & abs_mask) | ((v4i)fy & ~abs_mask));
    v4i sec = sector_count(k->bound, p, k->nb) - 1;
    const int K = k->nb - 1;
    if (k->full) {
        sec &= sec > 0;
        v4i top = {K - 1, K - 1, K - 1, K - 1};
        sec ^= (sec ^ top) & (sec > top);
    } else {
        valid &= (sec >= 0) & (sec < K);
    }
    v4i idx = WORLD_BEST_SINK + ((kb + sec - WORLD_BEST_SINK) & valid);
    if (!k->occl) {
#pragma GCC unroll 4
        for (int l = 0; l < 4; ++l) {
            float d = d2[l];
            float *b = best + idx[l];
            float old = *b;
            *b = d < old ? d : old; /* minss: no branch */
        }
        return;
    }
    for (int l = 0; l < 4; ++l) {
        float d = d2[l];
        float *b = best + idx[l];
        if (idx[l] != WORLD_BEST_SINK && d < *b &&
            !world_segment_blocked(k->w, k->x, k->y, dx[l], dy[l])) {
            *b = d;
        }
    }
}

/* The vector pass over buffered food cells (val: edible energy). */
static void flush_food(const SenseCtx *restrict k, SenseAcc *restrict a, Cands *restrict cb,
                       float visible)
{
    int n = cb->n;
    for (int i = n; i < ((n + 3) & ~3); ++i) {
        cb->dx[i] = 0;
        cb->dy[i] = 0;
        cb->val[i] = 0; /* never visible: e > 0 fails */
    }
    const v4i kb = {0, 0, 0, 0};
    for (int i = 0; i < n; i += 4) {
        v4f dx = v4f_load(cb->dx + i), dy = v4f_load(cb->dy + i);
        v4f e = v4f_load(cb->val + i);
        v4f d2 = dx * dx + dy * dy;
        v4i valid = (e >= visible) & (e > 0.0f) & (d2 < k->vrange2);
        bin_block(k, a->best, dx, dy, d2, valid, kb);
    }
    cb->n = 0;
}

/* Within touch or attack reach of a candidate (rare): the exact tests;
 * the target is the nearest in front, ties to the lower slot. */
static void near_one(const SenseCtx *k, SenseAcc *a, const GridItem *it, float dx, float dy,
                     float d2)
{
    int32_t slot = (int32_t)it->slot;
    float rr = k->myr + it->radius;
    a->touch |= d2 < rr * rr;
    float rch = rr + k->reach;
    if (d2 <= rch * rch) {
        float fx = dx * k->c + dy * k->s;
        float fy = dy * k->c - dx * k->s;
        /* within 45 degrees of the heading; ties to the lower slot */
        if (fx >= fabsf(fy) && (d2 < a->target_d2 || (d2 == a->target_d2 && slot < a->target))) {
            a->target = slot;
            a->target_d2 = d2;
        }
    }
}

/* Four grid items (24 bytes each) as arrays of fields: six loads and
 * eleven shuffles. */
typedef struct ItemBlock {
    v4f x, y, sig;
    v4i slot, pop;
} ItemBlock;

_Static_assert(offsetof(GridItem, x) == 0 && offsetof(GridItem, y) == 4 &&
                   offsetof(GridItem, signal) == 8 && offsetof(GridItem, radius) == 12 &&
                   offsetof(GridItem, slot) == 16 && offsetof(GridItem, pop) == 20,
               "load_block's shuffles follow GridItem's layout");

static inline ItemBlock load_block(const GridItem *it)
{
    const float *f = (const float *)(const void *)it;
    v4f A = v4f_load(f), B = v4f_load(f + 4), C = v4f_load(f + 8);
    v4f D = v4f_load(f + 12), E = v4f_load(f + 16), F = v4f_load(f + 20);
    /* A = x0 y0 s0 r0, B = t0 p0 x1 y1, C = s1 r1 t1 p1 (t slot, p pop) */
    v4f xy01 = __builtin_shufflevector(A, B, 0, 1, 6, 7);
    v4f xy23 = __builtin_shufflevector(D, E, 0, 1, 6, 7);
    v4f sr01 = __builtin_shufflevector(A, C, 2, 3, 4, 5);
    v4f sr23 = __builtin_shufflevector(D, F, 2, 3, 4, 5);
    v4f tp01 = __builtin_shufflevector(B, C, 0, 1, 6, 7);
    v4f tp23 = __builtin_shufflevector(E, F, 0, 1, 6, 7);
    ItemBlock b = {
        .x = __builtin_shufflevector(xy01, xy23, 0, 2, 4, 6),
        .y = __builtin_shufflevector(xy01, xy23, 1, 3, 5, 7),
        .sig = __builtin_shufflevector(sr01, sr23, 0, 2, 4, 6),
        .slot = (v4i)__builtin_shufflevector(tp01, tp23, 0, 2, 4, 6),
        .pop = (v4i)__builtin_shufflevector(tp01, tp23, 1, 3, 5, 7),
    };
    return b;
}

/* The agents of one run of cells, four at a time; (ox, oy) is the
 * observer's position minus the offset of the copy of the plane the run
 * lies in (torus), so no wrap is needed. With `wrap` (a range that spans
 * the whole world) each offset is wrapped instead. Lanes past the run's
 * end hold other items (or zeros at the end of the array) and are
 * masked out. */
static inline void scan_run(const SenseCtx *restrict k, SenseAcc *restrict a,
                            const GridItem *restrict it, const GridItem *end, float ox, float oy,
                            bool wrap)
{
    const World *w = k->w;
    const GridItem *last = w->gitems + w->count; /* items past it are not to be read */
    const v4i lane = {0, 1, 2, 3};
    v4f sig = a->sig;
    for (; it < end; it += 4) {
        ItemBlock bl;
        if (it + 4 <= last) {
            bl = load_block(it);
        } else {
            GridItem tmp[4];
            memset(tmp, 0, sizeof tmp);
            memcpy(tmp, it, sizeof(GridItem) * (size_t)(last - it));
            bl = load_block(tmp);
        }
        v4f dx = bl.x - ox;
        v4f dy = bl.y - oy;
        if (wrap) {
            const v4f hw = {w->half_w, w->half_w, w->half_w, w->half_w};
            const v4f hh = {w->half_h, w->half_h, w->half_h, w->half_h};
            dx -= v4f_and((v4f){w->width, w->width, w->width, w->width}, dx > hw);
            dx += v4f_and((v4f){w->width, w->width, w->width, w->width}, dx < -hw);
            dy -= v4f_and((v4f){w->height, w->height, w->height, w->height}, dy > hh);
            dy += v4f_and((v4f){w->height, w->height, w->height, w->height}, dy < -hh);
        }
        v4f d2 = dx * dx + dy * dy;
        v4i inq = (d2 <= k->vqr2) & (bl.slot != k->vself) & (lane < (int32_t)(end - it));
        v4i near = (d2 <= k->vnear2) & inq;
        v4i any = near | __builtin_shufflevector(near, near, 2, 3, 0, 1);
        any |= __builtin_shufflevector(any, any, 1, 0, 3, 2);
        if (any[0]) {
            for (int l = 0; l < 4; ++l) {
                if (near[l]) {
                    near_one(k, a, it + l, dx[l], dy[l], d2[l]);
                }
            }
        }
        v4i in = (d2 < k->vrange2) & inq;
        /* masked to +0: the same as adding the neighbours in range only */
        sig += v4f_and(bl.sig * (1.0f - d2 * k->vinv_range2), in);
        v4i any_in = in | __builtin_shufflevector(in, in, 2, 3, 0, 1);
        any_in |= __builtin_shufflevector(any_in, any_in, 1, 0, 3, 2);
        if (k->vision && any_in[0]) {
            /* kin: kind 1, other populations: kind 2 */
            v4i kb = WORLD_MAX_SECTORS + ((bl.pop != k->vpop) & WORLD_MAX_SECTORS);
            bin_block(k, a->best, dx, dy, d2, in, kb);
        }
    }
    a->sig = sig;
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
            float dyr = y0 - k->y > k->y - y1 ? y0 - k->y : k->y - y1; /* maxss: no branch */
        dyr = dyr > 0.0f ? dyr : 0.0f;
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
        float dyr = y0 - k->y > k->y - y1 ? y0 - k->y : k->y - y1; /* maxss: no branch */
        dyr = dyr > 0.0f ? dyr : 0.0f;
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

static void scan_food(const SenseCtx *k, SenseAcc *a, Cands *cb)
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
        /* in cell units the centres within the chord are t0 < ix < t1; a
         * margin of 1/64 cell keeps every cell that rounding could admit
         * (the vector pass makes the exact test d2 < range2) */
        float t0 = (k->x - half) * w->finv_w - 0.5f, t1 = (k->x + half) * w->finv_w - 0.5f;
        int jx0 = -world_floor_int(-(t0 - 0.015625f));
        int jx1 = world_floor_int(t1 + 0.015625f);
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
            if (cb->n == CAND_MAX) {
                flush_food(k, a, cb, vis);
            }
            int i = cb->n++;
            cb->dx[i] = ((float)ix + 0.5f) * w->fcell_w - k->x;
            cb->dy[i] = dy;
            cb->val[i] = prow[cx] * ep + mrow[cx] * em;
        }
    }
    flush_food(k, a, cb, vis);
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
    SenseCtx k; /* every field set below: no zeroing of the whole */
    k.w = w;
    k.L = L;
    k.self = (int32_t)s;
    k.pop = p;
    k.x = w->x[s];
    k.y = w->y[s];
    k.c = w->cos_h[s];
    k.s = w->sin_h[s];
    k.myr = pp->radius;
    k.reach = pp->attack_reach;
    k.qr2 = w->qradius2[p];
    k.near2 = w->near2[p];
    k.range2 = L->range2;
    k.inv_range2 = 1.0f / L->range2;
    k.vision = L->vision >= 0;
    k.occl = w->gobst[w->gcell_of[s]] != 0;
    k.full = L->half_fov >= WORLD_PI * 0.9999f;
    k.nb = L->sectors + 1;
    k.vc = (v4f){k.c, k.c, k.c, k.c};
    k.vs = (v4f){k.s, k.s, k.s, k.s};
    k.vqr2 = (v4f){k.qr2, k.qr2, k.qr2, k.qr2};
    k.vnear2 = (v4f){k.near2, k.near2, k.near2, k.near2};
    k.vrange2 = (v4f){k.range2, k.range2, k.range2, k.range2};
    k.vinv_range2 = (v4f){k.inv_range2, k.inv_range2, k.inv_range2, k.inv_range2};
    k.vself = (v4i){s, s, s, s};
    k.vpop = (v4i){p, p, p, p};
    int K = L->sectors;
    /* as many as sector_count reads: 5, 9 or 17 */
    int nbound = K + 1 <= 5 ? 5 : (K + 1 <= 9 ? 9 : WORLD_MAX_SECTORS + 1);
    for (int j = 0; j < nbound; ++j) {
        float b = j <= K ? L->bound_p[j] : INFINITY;
        k.bound[j] = (v4f){b, b, b, b};
    }
    SenseAcc a;
    Cands cb;
    cb.n = 0;
    memcpy(a.best, L->best_init, sizeof a.best);
    a.sig = (v4f){0, 0, 0, 0};
    a.touch = w->touch[s];
    a.target = -1;
    a.target_d2 = INFINITY;
    scan_agents(&k, &a, w->qradius[p]);
    w->target[s] = a.target;
    w->target_d2[s] = a.target_d2;

    float *row = w->inputs + (size_t)s * (size_t)w->stride;
    if (k.vision) {
        scan_food(&k, &a, &cb);
        float *v = row + L->vision;
        /* a slot below range2 saw something (slots start at range2 and
         * take only distances below it); masked, not branched: seen or
         * not is a coin toss */
        const v4f r2 = k.vrange2;
        const v4f inv = {L->inv_range, L->inv_range, L->inv_range, L->inv_range};
        for (int kind = 0; kind < 3; ++kind) {
            /* fixed-size stores (a copy of K floats would be a libc call) */
            float *dst = v + kind * K;
            for (int i = 0; i < K; i += 4) {
                v4f b = v4f_load(a.best + kind * WORLD_MAX_SECTORS + i);
                v4f x = v4f_and(1.0f - v4f_sqrt(b) * inv, b < r2);
                if (i + 4 <= K) {
                    memcpy(dst + i, &x, sizeof x);
                } else {
                    for (int l = 0; l < K - i; ++l) {
                        dst[i + l] = x[l];
                    }
                }
            }
        }
        for (int i = 0; i < K; ++i) {
            float o = 0.0f;
            if (k.occl) {
                float ux = L->sector_c[i] * k.c - L->sector_s[i] * k.s;
                float uy = L->sector_c[i] * k.s + L->sector_s[i] * k.c;
                float d = world_ray_distance(w, k.x, k.y, ux, uy, L->range);
                if (d < L->range) {
                    o = 1.0f - sqrtf(d * d) * L->inv_range;
                }
            }
            v[3 * K + i] = o;
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
        row[L->signal] = clamp1((a.sig[0] + a.sig[1]) + (a.sig[2] + a.sig[3]));
    }
}
