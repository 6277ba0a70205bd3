/*
 * Actuators and baseline controllers.
 *
 * world_act turns an output row into intents; outputs are clamped to
 * [-1, 1] (NaN reads as 0) so that no brain can push a body beyond its
 * limits. The baselines read the same input rows a brain gets and write
 * the same output rows: they are the yardstick an evolved brain must
 * beat. Both write only their own slot.
 */
#include "world/world_internal.h"

#include <math.h>

static inline float clamp_out(float v)
{
    if (!(v == v)) {
        return 0.0f;
    }
    return v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
}

void world_act(World *w, int s)
{
    const float *out = w->outputs + (size_t)s * WORLD_OUTPUTS;
    const PopParams *pp = &w->pp[w->pop[s]];
    Intent *it = &w->intent[s];
    it->turn = clamp_out(out[WORLD_OUT_TURN]);
    it->thrust = clamp_out(out[WORLD_OUT_THRUST]);
    it->signal = clamp_out(out[WORLD_OUT_SIGNAL]);
    it->eat = out[WORLD_OUT_EAT] > 0.0f;
    it->attack = out[WORLD_OUT_ATTACK] > 0.0f;
    it->reproduce = out[WORLD_OUT_REPRODUCE] > 0.0f && w->energy[s] >= pp->reproduce_energy;
    /* the food cell under the agent and the squared distance to its
     * centre, for a meal's claim: here in the parallel loop, not in the
     * serial resolution (world_food_cell_of, unrolled) */
    float x = w->x[s], y = w->y[s];
    int ix = (int)(x * w->finv_w);
    int iy = (int)(y * w->finv_h);
    ix = ix < 0 ? 0 : (ix >= w->fx ? w->fx - 1 : ix);
    iy = iy < 0 ? 0 : (iy >= w->fy ? w->fy - 1 : iy);
    float dx = x - ((float)ix + 0.5f) * w->fcell_w;
    float dy = y - ((float)iy + 0.5f) * w->fcell_h;
    w->eat_cell[s] = iy * w->fx + ix;
    w->eat_d2[s] = dx * dx + dy * dy;
}

/* The sector with the highest closeness of a kind, or -1. */
static int best_sector(const float *v, int K, float *closeness)
{
    int best = -1;
    float bv = 0.0f;
    for (int i = 0; i < K; ++i) {
        if (v[i] > bv) {
            bv = v[i];
            best = i;
        }
    }
    *closeness = bv;
    return best;
}

/* Turn output that points the heading at angle a (radians, left > 0). */
static float steer_to(const PopParams *pp, float a)
{
    if (pp->turn_rate <= 0.0f) {
        return 0.0f;
    }
    return clamp_out(a / pp->turn_rate);
}

static void wander(World *w, int s, float *out)
{
    out[WORLD_OUT_TURN] = (pcg32_float(&w->rng[s]) * 2.0f - 1.0f) * 0.5f;
    out[WORLD_OUT_THRUST] = 0.6f;
}

static void forage(World *w, int s, const float *in, float *out)
{
    const InputLayout *L = &w->layout[w->pop[s]];
    const PopParams *pp = &w->pp[w->pop[s]];
    float cl;
    int k = L->vision >= 0 ? best_sector(in + L->vision, L->sectors, &cl) : -1;
    out[WORLD_OUT_EAT] = 1.0f;
    if (k >= 0) {
        out[WORLD_OUT_TURN] = steer_to(pp, L->sector_angle[k]);
        /* slow down on top of the food: closeness near 1 */
        out[WORLD_OUT_THRUST] = cl > 0.85f ? 0.1f : 1.0f;
    } else if (L->smell >= 0 && (in[L->smell] != 0.0f || in[L->smell + 1] != 0.0f)) {
        out[WORLD_OUT_TURN] = clamp_out(in[L->smell + 1] * 4.0f);
        out[WORLD_OUT_THRUST] = 1.0f;
    } else {
        wander(w, s, out);
    }
}

void world_control_baseline(World *w, int s)
{
    const int p = w->pop[s];
    const PopParams *pp = &w->pp[p];
    if (pp->controller == CONTROLLER_BRAIN) {
        return;
    }
    const InputLayout *L = &w->layout[p];
    const float *in = w->inputs + (size_t)s * (size_t)w->stride;
    float *out = w->outputs + (size_t)s * WORLD_OUTPUTS;
    for (int i = 0; i < WORLD_OUTPUTS; ++i) {
        out[i] = 0.0f;
    }
    out[WORLD_OUT_REPRODUCE] = 1.0f;
    int K = L->sectors;
    float cl;
    switch (pp->controller) {
    case CONTROLLER_RANDOM:
        out[WORLD_OUT_TURN] = pcg32_float(&w->rng[s]) * 2.0f - 1.0f;
        out[WORLD_OUT_THRUST] = pcg32_float(&w->rng[s]);
        out[WORLD_OUT_EAT] = 1.0f;
        break;
    case CONTROLLER_FORAGER:
        forage(w, s, in, out);
        break;
    case CONTROLLER_CHASER: {
        int k = L->vision >= 0 ? best_sector(in + L->vision + 2 * K, K, &cl) : -1;
        out[WORLD_OUT_EAT] = 1.0f;
        if (k >= 0) {
            out[WORLD_OUT_TURN] = steer_to(pp, L->sector_angle[k]);
            out[WORLD_OUT_THRUST] = 1.0f;
            /* attack when the prey is about within reach */
            float reach = 2.0f * pp->radius + pp->attack_reach;
            out[WORLD_OUT_ATTACK] = cl >= 1.0f - reach * L->inv_range ? 1.0f : -1.0f;
        } else {
            forage(w, s, in, out);
            out[WORLD_OUT_EAT] = 1.0f;
        }
        break;
    }
    case CONTROLLER_FLEER: {
        int k = L->vision >= 0 ? best_sector(in + L->vision + 2 * K, K, &cl) : -1;
        if (k >= 0) {
            float a = L->sector_angle[k];
            /* turn away from the threat, flat out */
            out[WORLD_OUT_TURN] = a > 0.0f ? -1.0f : 1.0f;
            out[WORLD_OUT_THRUST] = 1.0f;
            out[WORLD_OUT_EAT] = 1.0f;
        } else {
            forage(w, s, in, out);
        }
        break;
    }
    default:
        break;
    }
}
