/*
 * The sensor's vision kernel, written once for a lane count. world_sense.c
 * includes this file once per code path, with
 *
 *   VW     lanes: 1 (scalar), 4 (SSE2) or 8 (AVX2, under a target pragma)
 *   K_(n)  the name n with the path's suffix
 *
 * Every path computes the same bits: each lane is plain IEEE float
 * arithmetic (no fused multiply-add: -ffp-contract=off), the per-sector
 * minimum does not depend on order, and the signal is summed into four
 * lanes where lane i takes the candidates 4j + i of each run, in order,
 * whatever the width (eight lanes add their low half, then their high
 * half; one lane adds into lane t mod 4). Lanes that are masked out add
 * +0, which leaves a sum that starts at +0 unchanged.
 */

typedef float K_(vf) __attribute__((vector_size(4 * VW)));
typedef int32_t K_(vi) __attribute__((vector_size(4 * VW)));
#define VF K_(vf)
#define VI K_(vi)

static inline VF K_(load)(const float *p)
{
    VF v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline VI K_(loadi)(const int32_t *p)
{
    VI v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline VF K_(splat)(float x)
{
    return x - (VF){0}; /* x - +0 is x, -0 included */
}

static inline VI K_(splati)(int32_t x)
{
    return x + (VI){0};
}

static inline VF K_(and)(VF a, VI m)
{
    return (VF)((VI)a & m);
}

/* Is any lane of the mask set? */
static inline int K_(any)(VI m)
{
#if VW == 8
    return __builtin_ia32_movmskps256((VF)m);
#elif VW == 4 && defined(__SSE__)
    return __builtin_ia32_movmskps((VF)m);
#else
    int32_t r = 0;
    for (int l = 0; l < VW; ++l) {
        r |= m[l];
    }
    return r;
#endif
}

static inline VI K_(lanes)(void)
{
    VI v;
    for (int l = 0; l < VW; ++l) {
        v[l] = l;
    }
    return v;
}

typedef struct K_(Ctx) {
    SenseBase b;
    /* the base's numbers broadcast to the lanes, once per sense */
    VF vc, vs, vqr2, vnear2, vrange2, vinv_range2;
    VI vself, vpop;
    VF bound[WORLD_MAX_SECTORS + 1]; /* L->bound_p, padded with +inf */
} K_(Ctx);

/* How many of the nb boundaries (ascending, padded with +inf to
 * WORLD_MAX_SECTORS + 1) lie at or below p, lane by lane: unrolled for
 * the usual sector counts, so the boundaries stay in registers. */
__attribute__((always_inline)) static inline VI K_(sector_count)(const VF *restrict bound, VF p,
                                                                 int nb)
{
    VI cnt = {0};
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

/* Bins VW directions (dx, dy) at squared distances d2 into their
 * best-distance slots kb + sector, for the lanes of `valid`; keeps the
 * nearest per slot. The sector is the count of boundaries (pseudo-angles,
 * ascending) at or below the direction's pseudo-angle, minus one. */
__attribute__((always_inline)) static inline void K_(bin)(const K_(Ctx) *restrict k,
                                                          float *restrict best, VF dx, VF dy,
                                                          VF d2, VI valid, VI kb)
{
    const VI abs_mask = K_(splati)(INT32_MAX);
    const VI one_bits = K_(splati)(0x3f800000);
    VF fx = dx * k->vc + dy * k->vs;
    VF fy = dy * k->vc - dx * k->vs;
    /* world_pseudo_angle, lane by lane */
    VF sum = K_(and)(fx, abs_mask) + K_(and)(fy, abs_mask);
    VF zero = (VF)((sum == 0.0f) & one_bits);
    VF p = 1.0f - (fx + zero) / (sum + zero);
    p = (VF)(((VI)p & abs_mask) | ((VI)fy & ~abs_mask));
    const int nb = k->b.nb;
    VI sec = K_(sector_count)(k->bound, p, nb) - 1;
    const int K = nb - 1;
    if (k->b.full) {
        sec &= sec > 0;
        VI top = K_(splati)(K - 1);
        sec ^= (sec ^ top) & (sec > top);
    } else {
        valid &= (sec >= 0) & (sec < K);
    }
    VI idx = WORLD_BEST_SINK + ((kb + sec - WORLD_BEST_SINK) & valid);
    if (!k->b.occl) {
#pragma GCC unroll 8
        for (int l = 0; l < VW; ++l) {
            float d = d2[l];
            float *b = best + idx[l];
            float old = *b;
            *b = d < old ? d : old; /* minss: no branch */
        }
        return;
    }
    for (int l = 0; l < VW; ++l) {
        float d = d2[l];
        float *b = best + idx[l];
        if (idx[l] != WORLD_BEST_SINK && d < *b &&
            !world_segment_blocked(k->b.w, k->b.x, k->b.y, dx[l], dy[l])) {
            *b = d;
        }
    }
}

/* The pass over buffered food cells (val: edible energy). */
static void K_(flush_food)(const K_(Ctx) *restrict k, SenseAcc *restrict a,
                           Cands *restrict cb, float visible)
{
    int n = cb->n;
    /* one block of zeros past the end: never visible (e > 0 fails); a
     * fixed-size store, where a loop to the next multiple would be three
     * calls of memset */
    const VF z = {0};
    memcpy(cb->dx + n, &z, sizeof z);
    memcpy(cb->dy + n, &z, sizeof z);
    memcpy(cb->val + n, &z, sizeof z);
    const VI kb = {0};
    for (int i = 0; i < n; i += VW) {
        VF dx = K_(load)(cb->dx + i), dy = K_(load)(cb->dy + i);
        VF e = K_(load)(cb->val + i);
        VF d2 = dx * dx + dy * dy;
        VI valid = (e >= visible) & (e > 0.0f) & (d2 < k->vrange2);
        K_(bin)(k, a->best, dx, dy, d2, valid, kb);
    }
    cb->n = 0;
}

/* The agents of the grid items [i, end), VW at a time; (ox, oy) is the
 * observer's position minus the offset of the copy of the plane the run
 * lies in (torus), so no wrap is needed. With `wrap` (a range that spans
 * the whole world) each offset is wrapped instead. Lanes past the run's
 * end hold other items (or zeros past the last item) and are masked
 * out. */
__attribute__((always_inline)) static inline void K_(scan_run)(const K_(Ctx) *restrict k,
                                                               SenseAcc *restrict a, int i,
                                                               int end, float ox, float oy,
                                                               bool wrap)
{
    const World *w = k->b.w;
    const int last = w->count; /* items past it are not to be read */
    const VI lane = K_(lanes)();
    const VF vox = K_(splat)(ox), voy = K_(splat)(oy);
    v4f sig = a->sig;
    for (int t = 0; i + t < end; t += VW) {
        const int j = i + t;
        VF px, py, ps;
        VI slot, pop;
        if (VW == 1 || j + VW <= last) {
            px = K_(load)(w->gpx + j);
            py = K_(load)(w->gpy + j);
            ps = K_(load)(w->gsig + j);
            slot = K_(loadi)(w->gslot + j);
            pop = K_(loadi)(w->gpop + j);
        } else {
            px = py = ps = (VF){0};
            slot = pop = (VI){0};
            for (int l = 0; l < last - j; ++l) {
                px[l] = w->gpx[j + l];
                py[l] = w->gpy[j + l];
                ps[l] = w->gsig[j + l];
                slot[l] = w->gslot[j + l];
                pop[l] = w->gpop[j + l];
            }
        }
        VF dx = px - vox;
        VF dy = py - voy;
        if (wrap) {
            const VF hw = K_(splat)(w->half_w), hh = K_(splat)(w->half_h);
            const VF fw = K_(splat)(w->width), fh = K_(splat)(w->height);
            dx -= K_(and)(fw, dx > hw);
            dx += K_(and)(fw, dx < -hw);
            dy -= K_(and)(fh, dy > hh);
            dy += K_(and)(fh, dy < -hh);
        }
        VF d2 = dx * dx + dy * dy;
        VI inq = (d2 <= k->vqr2) & (slot != k->vself) & (lane < end - j);
        VI near = (d2 <= k->vnear2) & inq;
        if (K_(any)(near)) {
            for (int l = 0; l < VW; ++l) {
                if (near[l]) {
                    sense_near_one(&k->b, a, slot[l], w->grad[j + l], dx[l], dy[l], d2[l]);
                }
            }
        }
        VI in = (d2 < k->vrange2) & inq;
        /* masked to +0: the same as adding the neighbours in range only */
        VF add = K_(and)(ps * (1.0f - d2 * k->vinv_range2), in);
#if VW == 1
        sig[t & 3] += add[0];
#elif VW == 4
        sig += add;
#else
        v4f lo, hi;
        memcpy(&lo, &add, sizeof lo);
        memcpy(&hi, (const char *)&add + sizeof lo, sizeof hi);
        sig += lo;
        sig += hi;
#endif
        if (k->b.vision && K_(any)(in)) {
            /* kin: kind 1, other populations: kind 2 */
            VI kb = WORLD_MAX_SECTORS + ((pop != k->vpop) & WORLD_MAX_SECTORS);
            K_(bin)(k, a->best, dx, dy, d2, in, kb);
        }
    }
    a->sig = sig;
}

static void K_(scan_items)(const K_(Ctx) *k, SenseAcc *a, int i, int end, float ox, float oy)
{
    K_(scan_run)(k, a, i, end, ox, oy, false);
}

static void K_(scan_items_wrapped)(const K_(Ctx) *k, SenseAcc *a, int i, int end)
{
    K_(scan_run)(k, a, i, end, k->b.x, k->b.y, true);
}

static void K_(scan_agents)(const K_(Ctx) *k, SenseAcc *a, float radius)
{
    const World *w = k->b.w;
    const float x = k->b.x, y = k->b.y;
    int ix0 = world_floor_int((x - radius) * w->ginv_w);
    int ix1 = world_floor_int((x + radius) * w->ginv_w);
    int iy0 = world_floor_int((y - radius) * w->ginv_h);
    int iy1 = world_floor_int((y + radius) * w->ginv_h);
    const int32_t *gs = w->gstart;
    if (!w->torus) {
        ix0 = ix0 < 0 ? 0 : ix0;
        iy0 = iy0 < 0 ? 0 : iy0;
        ix1 = ix1 >= w->gx ? w->gx - 1 : ix1;
        iy1 = iy1 >= w->gy ? w->gy - 1 : iy1;
        for (int iy = iy0; iy <= iy1; ++iy) {
            float y0 = (float)iy * w->gcell_h, y1 = y0 + w->gcell_h;
            float dyr = y0 - y > y - y1 ? y0 - y : y - y1; /* maxss: no branch */
            dyr = dyr > 0.0f ? dyr : 0.0f;
            float half = sqrtf(radius * radius - dyr * dyr);
            if (!(half >= 0.0f)) {
                continue;
            }
            int jx0 = world_floor_int((x - half) * w->ginv_w);
            int jx1 = world_floor_int((x + half) * w->ginv_w);
            jx0 = jx0 < ix0 ? ix0 : jx0;
            jx1 = jx1 > ix1 ? ix1 : jx1;
            int row = iy * w->gx;
            K_(scan_items)(k, a, gs[row + jx0], gs[row + jx1 + 1], x, y);
        }
        return;
    }
    if (ix1 - ix0 + 1 >= w->gx || iy1 - iy0 + 1 >= w->gy) {
        /* the range spans the world: every cell once, offsets wrapped */
        K_(scan_items_wrapped)(k, a, 0, gs[w->gx * w->gy]);
        return;
    }
    const float r2 = radius * radius;
    for (int iy = iy0; iy <= iy1; ++iy) {
        /* only the cells that meet the chord of the circle in this row */
        float y0 = (float)iy * w->gcell_h, y1 = y0 + w->gcell_h;
        float dyr = y0 - y > y - y1 ? y0 - y : y - y1; /* maxss: no branch */
        dyr = dyr > 0.0f ? dyr : 0.0f;
        float half = sqrtf(r2 - dyr * dyr);
        if (!(half >= 0.0f)) {
            continue;
        }
        int jx0 = world_floor_int((x - half) * w->ginv_w);
        int jx1 = world_floor_int((x + half) * w->ginv_w);
        jx0 = jx0 < ix0 ? ix0 : jx0;
        jx1 = jx1 > ix1 ? ix1 : jx1;
        int wy = iy < 0 ? iy + w->gy : (iy >= w->gy ? iy - w->gy : iy);
        int row = wy * w->gx;
        /* a row past the edge is the far row of the next copy of the plane */
        float oy = iy < 0 ? y + w->height : (iy >= w->gy ? y - w->height : y);
        /* the cells of one row are contiguous in the sorted items: at most
         * two runs when the range wraps around the edge */
        int a0 = jx0 < 0 ? jx0 + w->gx : (jx0 >= w->gx ? jx0 - w->gx : jx0);
        int a1 = jx1 < 0 ? jx1 + w->gx : (jx1 >= w->gx ? jx1 - w->gx : jx1);
        if (a0 <= a1) {
            float ox = jx0 < 0 ? x + w->width : (jx0 >= w->gx ? x - w->width : x);
            K_(scan_items)(k, a, gs[row + a0], gs[row + a1 + 1], ox, oy);
        } else {
            /* [a0, gx) is left of 0 when jx0 < 0; [0, a1] is right of gx otherwise */
            float left = jx0 < 0 ? x + w->width : x;
            float right = jx0 < 0 ? x : x - w->width;
            K_(scan_items)(k, a, gs[row + a0], gs[row + w->gx], left, oy);
            K_(scan_items)(k, a, gs[row], gs[row + a1 + 1], right, oy);
        }
    }
}

static void K_(scan_food)(const K_(Ctx) *k, SenseAcc *a, Cands *cb)
{
    const World *w = k->b.w;
    const PopParams *pp = &w->pp[k->b.pop];
    const float x = k->b.x, y = k->b.y, range2 = k->b.range2;
    float ep = pp->eat_plants, em = pp->eat_meat;
    float vis = (float)w->def.food.visible;
    float r = k->b.L->range;
    int ix0 = world_floor_int((x - r) * w->finv_w), ix1 = world_floor_int((x + r) * w->finv_w);
    int iy0 = world_floor_int((y - r) * w->finv_h), iy1 = world_floor_int((y + r) * w->finv_h);
    if (!w->torus) {
        ix0 = ix0 < 0 ? 0 : ix0;
        iy0 = iy0 < 0 ? 0 : iy0;
        ix1 = ix1 >= w->fx ? w->fx - 1 : ix1;
        iy1 = iy1 >= w->fy ? w->fy - 1 : iy1;
    }
    for (int iy = iy0; iy <= iy1; ++iy) {
        /* unwrapped indices give the cell centre in the agent's own copy
         * of the plane, so no wrap of the offset is needed */
        float dy = ((float)iy + 0.5f) * w->fcell_h - y;
        float dy2 = dy * dy;
        if (dy2 >= range2) {
            continue;
        }
        /* only the cells whose centres can lie within the chord of this row */
        float half = sqrtf(range2 - dy2);
        /* in cell units the centres within the chord are t0 < ix < t1; a
         * margin of 1/64 cell keeps every cell that rounding could admit
         * (the vector pass makes the exact test d2 < range2) */
        float t0 = (x - half) * w->finv_w - 0.5f, t1 = (x + half) * w->finv_w - 0.5f;
        int jx0 = -world_floor_int(-(t0 - 0.015625f));
        int jx1 = world_floor_int(t1 + 0.015625f);
        jx0 = jx0 < ix0 ? ix0 : jx0;
        jx1 = jx1 > ix1 ? ix1 : jx1;
        size_t rbase = (size_t)sense_wrap_index(iy, w->fy) * (size_t)w->fx;
        const float *prow = w->plant + rbase;
        const float *mrow = w->meat + rbase;
        int cx = w->torus ? sense_wrap_index(jx0, w->fx) : jx0;
        for (int ix = jx0; ix <= jx1; ++ix, ++cx) {
            if (cx == w->fx) {
                cx = 0;
            }
            if (cb->n == CAND_MAX) {
                K_(flush_food)(k, a, cb, vis);
            }
            int i = cb->n++;
            cb->dx[i] = ((float)ix + 0.5f) * w->fcell_w - x;
            cb->dy[i] = dy;
            cb->val[i] = prow[cx] * ep + mrow[cx] * em;
        }
    }
    K_(flush_food)(k, a, cb, vis);
}

/* Vision, touch, the attack target and the signal of the agent in slot
 * s; then the rest of the row (sense_finish). */
static void K_(sense)(World *w, int s)
{
    K_(Ctx) k; /* every field set below: no zeroing of the whole */
    sense_base_init(&k.b, w, s);
    k.vc = K_(splat)(k.b.c);
    k.vs = K_(splat)(k.b.s);
    k.vqr2 = K_(splat)(k.b.qr2);
    k.vnear2 = K_(splat)(k.b.near2);
    k.vrange2 = K_(splat)(k.b.range2);
    k.vinv_range2 = K_(splat)(k.b.inv_range2);
    k.vself = K_(splati)(s);
    k.vpop = K_(splati)(k.b.pop);
    const InputLayout *L = k.b.L;
    int K = L->sectors;
    /* as many as sector_count reads: 5, 9 or 17 */
    int nbound = K + 1 <= 5 ? 5 : (K + 1 <= 9 ? 9 : WORLD_MAX_SECTORS + 1);
    for (int j = 0; j < nbound; ++j) {
        k.bound[j] = K_(splat)(j <= K ? L->bound_p[j] : INFINITY);
    }
    SenseAcc a;
    sense_acc_init(&a, w, s, L);
    K_(scan_agents)(&k, &a, w->qradius[k.b.pop]);
    if (k.b.vision) {
        Cands cb;
        cb.n = 0;
        K_(scan_food)(&k, &a, &cb);
    }
    sense_finish(w, s, &k.b, &a);
}

#undef VF
#undef VI
