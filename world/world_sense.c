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

/* AVX2 is chosen at run time on x86-64 (gcc's target pragma). */
#if defined(__x86_64__) && defined(__GNUC__)
#define WORLD_HAVE_AVX2 1
#else
#define WORLD_HAVE_AVX2 0
#endif

typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static inline v4f v4f_load(const float *p)
{
    v4f v;
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

static inline int sense_wrap_index(int i, int n)
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

/* Food cells buffered for the vector pass: room for a last block of 8. */
#define CAND_MAX 128

typedef struct Cands {
    float dx[CAND_MAX + 8], dy[CAND_MAX + 8];
    float val[CAND_MAX + 8];   /* edible energy */
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

/* One sense's numbers, shared by every code path. */
typedef struct SenseBase {
    const World *w;
    const InputLayout *L;
    int pop;
    float x, y, c, s;
    float myr, reach, qr2, range2, inv_range2;
    float near2; /* (own radius + largest radius + reach)^2: touch and attack */
    bool vision, occl, full;
    int nb; /* sector boundaries: K + 1 */
} SenseBase;

static void sense_base_init(SenseBase *k, const World *w, int s)
{
    const int p = w->pop[s];
    const InputLayout *L = &w->layout[p];
    const PopParams *pp = &w->pp[p];
    k->w = w;
    k->L = L;
    k->pop = p;
    k->x = w->x[s];
    k->y = w->y[s];
    k->c = w->cos_h[s];
    k->s = w->sin_h[s];
    k->myr = pp->radius;
    k->reach = pp->attack_reach;
    k->qr2 = w->qradius2[p];
    k->near2 = w->near2[p];
    k->range2 = L->range2;
    k->inv_range2 = 1.0f / L->range2;
    k->vision = L->vision >= 0;
    k->occl = w->gobst[w->gcell_of[s]] != 0;
    k->full = L->half_fov >= WORLD_PI * 0.9999f;
    k->nb = L->sectors + 1;
}

static void sense_acc_init(SenseAcc *a, const World *w, int s, const InputLayout *L)
{
    memcpy(a->best, L->best_init, sizeof a->best);
    a->sig = (v4f){0, 0, 0, 0};
    a->touch = w->touch[s];
    a->target = -1;
    a->target_d2 = INFINITY;
}

/* Within touch or attack reach of a candidate (rare): the exact tests;
 * the target is the nearest in front, ties to the lower slot. */
static void sense_near_one(const SenseBase *k, SenseAcc *a, int32_t slot, float radius, float dx,
                           float dy, float d2)
{
    float rr = k->myr + radius;
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

static void sense_finish(World *w, int s, const SenseBase *kb, const SenseAcc *acc);

/* ------------------------------------------------------------ the code paths */

#define K_(n) n##_scalar
#define VW 1
#include "world/world_sense_kernel.h"
#undef VW
#undef K_

#define K_(n) n##_sse2
#define VW 4
#include "world/world_sense_kernel.h"
#undef VW
#undef K_

#if WORLD_HAVE_AVX2
/* every function of this copy compiled for AVX2 (gcc's pragma, or
 * clang's, for the fuzz build) */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
#define K_(n) n##_avx2
#define VW 8
#include "world/world_sense_kernel.h"
#undef VW
#undef K_
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

/* The path in use: the widest at start-up (sense_isa_init), changed only
 * outside ticks (world_set_isa). */
static WorldIsa sense_isa = WORLD_ISA_SSE2;
static void (*sense_fn)(World *w, int s) = sense_sse2;

static bool isa_supported(WorldIsa isa)
{
    switch (isa) {
    case WORLD_ISA_SCALAR:
    case WORLD_ISA_SSE2:
        return true;
    case WORLD_ISA_AVX2:
#if WORLD_HAVE_AVX2
        __builtin_cpu_init(); /* may run before the constructors of libgcc */
        return __builtin_cpu_supports("avx2") != 0;
#else
        return false;
#endif
    default:
        return false;
    }
}

bool world_set_isa(WorldIsa isa)
{
    if (isa == WORLD_ISA_AUTO) {
        isa = isa_supported(WORLD_ISA_AVX2) ? WORLD_ISA_AVX2 : WORLD_ISA_SSE2;
    }
    if (!isa_supported(isa)) {
        return false;
    }
    switch (isa) {
    case WORLD_ISA_SCALAR:
        sense_fn = sense_scalar;
        break;
#if WORLD_HAVE_AVX2
    case WORLD_ISA_AVX2:
        sense_fn = sense_avx2;
        break;
#endif
    default:
        sense_fn = sense_sse2;
        break;
    }
    sense_isa = isa;
    return true;
}

/* At start-up, before any thread: the widest path this CPU has. */
__attribute__((constructor)) static void sense_isa_init(void)
{
    world_set_isa(WORLD_ISA_AUTO);
}

WorldIsa world_isa(void)
{
    return sense_isa;
}

bool world_isa_supported(WorldIsa isa)
{
    return isa == WORLD_ISA_AUTO || isa_supported(isa);
}

const char *world_isa_name(WorldIsa isa)
{
    switch (isa) {
    case WORLD_ISA_SCALAR:
        return "scalar";
    case WORLD_ISA_SSE2:
        return "sse2";
    case WORLD_ISA_AVX2:
        return "avx2";
    default:
        return "auto";
    }
}

bool world_isa_parse(const char *name, WorldIsa *out)
{
    for (int i = WORLD_ISA_AUTO; i <= WORLD_ISA_AVX2; ++i) {
        if (strcmp(name, world_isa_name((WorldIsa)i)) == 0) {
            *out = (WorldIsa)i;
            return true;
        }
    }
    return false;
}

void world_prefetch_agent(const World *w, int s)
{
    const float *row = w->inputs + (size_t)s * (size_t)w->stride;
    for (int i = 0; i < w->stride; i += 16) {
        __builtin_prefetch(row + i, 1);
    }
    __builtin_prefetch(w->outputs + (size_t)s * WORLD_OUTPUTS, 1);
    __builtin_prefetch(w->x + s);
    __builtin_prefetch(w->y + s);
    __builtin_prefetch(w->cos_h + s);
    __builtin_prefetch(w->sin_h + s);
    __builtin_prefetch(w->tag + s);
    __builtin_prefetch(w->energy + s);
    __builtin_prefetch(w->rng + s, 1);
    __builtin_prefetch(w->intent + s, 1);
}

void world_sense(World *w, int s)
{
    sense_fn(w, s);
}

static float food_edible_at(const World *w, int ix, int iy, float ep, float em)
{
    if (w->torus) {
        ix = sense_wrap_index(ix, w->fx);
        iy = sense_wrap_index(iy, w->fy);
    } else {
        ix = ix < 0 ? 0 : (ix >= w->fx ? w->fx - 1 : ix);
        iy = iy < 0 ? 0 : (iy >= w->fy ? w->fy - 1 : iy);
    }
    size_t c = (size_t)iy * (size_t)w->fx + (size_t)ix;
    return w->plant[c] * ep + w->meat[c] * em;
}

/* The rest of the row, the same for every code path: the vision row from
 * the nearest distances, obstacle rays, touch, smell and the scalars. */
static void sense_finish(World *w, int s, const SenseBase *kb, const SenseAcc *acc)
{
    const SenseBase *k = kb;
    const SenseAcc *a = acc;
    const int p = k->pop;
    const InputLayout *L = k->L;
    const PopParams *pp = &w->pp[p];
    const int K = L->sectors;
    w->target[s] = a->target;
    w->target_d2[s] = a->target_d2;
    float *row = w->inputs + (size_t)s * (size_t)w->stride;
    if (k->vision) {
        float *v = row + L->vision;
        /* a slot below range2 saw something (slots start at range2 and
         * take only distances below it); masked, not branched: seen or
         * not is a coin toss */
        const v4f r2 = {k->range2, k->range2, k->range2, k->range2};
        const v4f inv = {L->inv_range, L->inv_range, L->inv_range, L->inv_range};
        for (int kind = 0; kind < 3; ++kind) {
            /* fixed-size stores (a copy of K floats would be a libc call) */
            float *dst = v + kind * K;
            for (int i = 0; i < K; i += 4) {
                v4f b = v4f_load(a->best + kind * WORLD_MAX_SECTORS + i);
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
        float *ob = v + 3 * K;
        if (!k->occl) {
            /* no wall or obstacle within reach of this grid cell (most) */
            const v4f z = {0, 0, 0, 0};
            for (int i = 0; i + 4 <= K; i += 4) {
                memcpy(ob + i, &z, sizeof z);
            }
            for (int i = K & ~3; i < K; ++i) {
                ob[i] = 0.0f;
            }
        } else {
            for (int i = 0; i < K; ++i) {
                float o = 0.0f;
                float ux = L->sector_c[i] * k->c - L->sector_s[i] * k->s;
                float uy = L->sector_c[i] * k->s + L->sector_s[i] * k->c;
                float d = world_ray_distance(w, k->x, k->y, ux, uy, L->range);
                if (d < L->range) {
                    o = 1.0f - sqrtf(d * d) * L->inv_range;
                }
                ob[i] = o;
            }
        }
    }
    if (L->touch >= 0) {
        row[L->touch] = (float)a->touch;
    }
    if (L->smell >= 0) {
        int ix = world_floor_int(k->x * w->finv_w), iy = world_floor_int(k->y * w->finv_h);
        float ep = pp->eat_plants, em = pp->eat_meat;
        float gx = food_edible_at(w, ix + 1, iy, ep, em) - food_edible_at(w, ix - 1, iy, ep, em);
        float gy = food_edible_at(w, ix, iy + 1, ep, em) - food_edible_at(w, ix, iy - 1, ep, em);
        /* a difference of a full cell across two cells reads 1 */
        float cap = (float)w->def.food.capacity;
        float inv = 0.5f / (cap > 1.0f ? cap : 1.0f);
        row[L->smell] = clamp1((gx * k->c + gy * k->s) * inv);
        row[L->smell + 1] = clamp1((gy * k->c - gx * k->s) * inv);
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
        row[L->signal] = clamp1((a->sig[0] + a->sig[1]) + (a->sig[2] + a->sig[3]));
    }
}
