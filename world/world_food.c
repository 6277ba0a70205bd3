/*
 * Food: plants that grow in patches and meat that rots, on a grid of
 * cells, each with its plant and meat amount (energy units).
 *
 * A cell's capacity is food.capacity at a patch centre, falling linearly
 * to 0 at patch_radius (the highest of the patches that reach it); with
 * no patches every cell holds food.capacity. Each tick a cell grows by
 * regrowth * capacity * season, up to its capacity; seasons swing each
 * patch's growth by a sine, patches out of phase, so the best place to
 * graze keeps moving; drift moves the patches themselves.
 *
 * The environment step is parallel over rows of cells. It draws no
 * random numbers (growth is a pure function of the state and the tick),
 * and its flows are summed per row, then over rows in order: the same
 * sums at every thread count.
 */
#include "world/world_internal.h"

#include <math.h>
#include <string.h>

static void capacity_row(World *w, int iy)
{
    const FoodDef *fd = &w->def.food;
    float cap = (float)fd->capacity;
    float R = (float)fd->patch_radius;
    float cy = ((float)iy + 0.5f) * w->fcell_h;
    for (int ix = 0; ix < w->fx; ++ix) {
        size_t c = (size_t)iy * (size_t)w->fx + (size_t)ix;
        if (w->patch_count == 0) {
            w->capacity[c] = cap;
            w->patch_of[c] = -1;
            continue;
        }
        float cx = ((float)ix + 0.5f) * w->fcell_w;
        float best = 0.0f;
        int16_t owner = -1;
        for (int p = 0; p < w->patch_count; ++p) {
            float dx = world_wrap_dx(w, w->patch_x[p] - cx, w->half_w, w->width);
            float dy = world_wrap_dx(w, w->patch_y[p] - cy, w->half_h, w->height);
            float d2 = dx * dx + dy * dy;
            if (d2 >= R * R) {
                continue;
            }
            float v = cap * (1.0f - sqrtf(d2) / R);
            if (v > best) {
                best = v;
                owner = (int16_t)p;
            }
        }
        w->capacity[c] = best;
        w->patch_of[c] = owner;
    }
}

void world_food_init(World *w)
{
    const FoodDef *fd = &w->def.food;
    w->fx = (int)floor(w->def.size[0] / fd->cell_size + 0.5);
    w->fy = (int)floor(w->def.size[1] / fd->cell_size + 0.5);
    w->fx = w->fx < 1 ? 1 : w->fx;
    w->fy = w->fy < 1 ? 1 : w->fy;
    w->fcell_w = w->width / (float)w->fx;
    w->fcell_h = w->height / (float)w->fy;
    w->finv_w = 1.0f / w->fcell_w;
    w->finv_h = 1.0f / w->fcell_h;
    size_t cells = (size_t)w->fx * (size_t)w->fy;
    w->plant = petri_calloc(cells, sizeof(float));
    w->meat = petri_calloc(cells, sizeof(float));
    w->capacity = petri_calloc(cells, sizeof(float));
    w->patch_of = petri_calloc(cells, sizeof(int16_t));
    w->row_growth = petri_calloc((size_t)w->fy, sizeof(double));
    w->row_decay = petri_calloc((size_t)w->fy, sizeof(double));
    w->patch_count = fd->patches;
    size_t np = (size_t)(w->patch_count > 0 ? w->patch_count : 1);
    w->patch_x = petri_calloc(np, sizeof(float));
    w->patch_y = petri_calloc(np, sizeof(float));
    w->patch_dx = petri_calloc(np, sizeof(float));
    w->patch_dy = petri_calloc(np, sizeof(float));
    w->season = petri_calloc(np + 1, sizeof(float));
    Pcg32 rng = pcg32_stream(w->seed, 1, RNG_PURPOSE_WORLD);
    for (int p = 0; p < w->patch_count; ++p) {
        w->patch_x[p] = pcg32_float(&rng) * w->width;
        w->patch_y[p] = pcg32_float(&rng) * w->height;
        float a = (pcg32_float(&rng) * 2.0f - 1.0f) * WORLD_PI;
        float s, c;
        mathx_sincosf(a, &s, &c);
        w->patch_dx[p] = (float)fd->drift * c;
        w->patch_dy[p] = (float)fd->drift * s;
    }
    w->capacity_dynamic = fd->drift > 0 && w->patch_count > 0;
    for (int iy = 0; iy < w->fy; ++iy) {
        capacity_row(w, iy);
    }
    for (size_t c = 0; c < cells; ++c) {
        w->plant[c] = w->capacity[c] * (float)fd->initial;
        w->ledger.added += (double)w->plant[c];
    }
}

void world_food_fini(World *w)
{
    size_t cells = (size_t)w->fx * (size_t)w->fy;
    size_t np = (size_t)(w->patch_count > 0 ? w->patch_count : 1);
    petri_free(w->plant, sizeof(float) * cells);
    petri_free(w->meat, sizeof(float) * cells);
    petri_free(w->capacity, sizeof(float) * cells);
    petri_free(w->patch_of, sizeof(int16_t) * cells);
    petri_free(w->row_growth, sizeof(double) * (size_t)w->fy);
    petri_free(w->row_decay, sizeof(double) * (size_t)w->fy);
    petri_free(w->patch_x, sizeof(float) * np);
    petri_free(w->patch_y, sizeof(float) * np);
    petri_free(w->patch_dx, sizeof(float) * np);
    petri_free(w->patch_dy, sizeof(float) * np);
    petri_free(w->season, sizeof(float) * (np + 1));
}

int world_food_cell_of(const World *w, float x, float y)
{
    int ix = (int)(x * w->finv_w);
    int iy = (int)(y * w->finv_h);
    ix = ix < 0 ? 0 : (ix >= w->fx ? w->fx - 1 : ix);
    iy = iy < 0 ? 0 : (iy >= w->fy ? w->fy - 1 : iy);
    return iy * w->fx + ix;
}

float world_food_edible(const World *w, int cell, int pop)
{
    return w->plant[cell] * w->pp[pop].eat_plants + w->meat[cell] * w->pp[pop].eat_meat;
}

static void drift_patches(World *w)
{
    for (int p = 0; p < w->patch_count; ++p) {
        float x = w->patch_x[p] + w->patch_dx[p];
        float y = w->patch_y[p] + w->patch_dy[p];
        if (w->torus) {
            x = x < 0 ? x + w->width : (x >= w->width ? x - w->width : x);
            y = y < 0 ? y + w->height : (y >= w->height ? y - w->height : y);
        } else {
            if (x < 0 || x > w->width) {
                w->patch_dx[p] = -w->patch_dx[p];
                x = x < 0 ? -x : 2 * w->width - x;
            }
            if (y < 0 || y > w->height) {
                w->patch_dy[p] = -w->patch_dy[p];
                y = y < 0 ? -y : 2 * w->height - y;
            }
        }
        w->patch_x[p] = x;
        w->patch_y[p] = y;
    }
}

static void grow_row(World *w, int iy)
{
    const FoodDef *fd = &w->def.food;
    float regrowth = (float)fd->regrowth;
    float keep = 1.0f - (float)fd->meat_decay;
    const float *season = w->season + 1; /* season[-1]: cells of no patch */
    double grown = 0, decayed = 0;
    size_t base = (size_t)iy * (size_t)w->fx;
    for (int ix = 0; ix < w->fx; ++ix) {
        size_t c = base + (size_t)ix;
        float cap = w->capacity[c];
        float pl = w->plant[c];
        if (pl < cap) {
            float np = pl + regrowth * cap * season[w->patch_of[c]];
            np = np > cap ? cap : np;
            w->plant[c] = np;
            grown += (double)np - (double)pl;
        }
        float m = w->meat[c];
        if (m > 0.0f) {
            float nm = m * keep;
            nm = nm < 1e-4f ? 0.0f : nm;
            w->meat[c] = nm;
            decayed += (double)m - (double)nm;
        }
    }
    w->row_growth[iy] = grown;
    w->row_decay[iy] = decayed;
}

void world_environment(World *w)
{
    const FoodDef *fd = &w->def.food;
    /* season multipliers: index 0 is "no patch" */
    int np = w->patch_count;
    double phase = fd->season_period > 0 ? mathx_fmod((double)w->tick, fd->season_period) /
                                               fd->season_period
                                         : 0.0;
    for (int p = -1; p < np; ++p) {
        double m = 1.0;
        if (fd->season_period > 0) {
            double off = p < 0 ? 0.0 : (double)p / (double)np;
            m = 1.0 + fd->season_amplitude * mathx_sin(2.0 * M_PI * (phase + off));
        }
        w->season[p + 1] = (float)m;
    }
    if (w->capacity_dynamic) {
        drift_patches(w);
    }
    int fy = w->fy;
    bool dyn = w->capacity_dynamic;
#pragma omp parallel for schedule(static) if ((int64_t)w->fx * fy > 8192)
    for (int iy = 0; iy < fy; ++iy) {
        if (dyn) {
            capacity_row(w, iy);
        }
        grow_row(w, iy);
    }
    for (int iy = 0; iy < fy; ++iy) {
        w->ledger.growth += w->row_growth[iy];
        w->ledger.decay += w->row_decay[iy];
    }
}

int world_food_cells(const World *w, int *nx, int *ny)
{
    *nx = w->fx;
    *ny = w->fy;
    return w->fx * w->fy;
}

float world_food_plant(const World *w, int cell)
{
    return w->plant[cell];
}

float world_food_meat(const World *w, int cell)
{
    return w->meat[cell];
}

void world_set_food(World *w, float x, float y, float plant, float meat)
{
    int c = world_food_cell_of(w, x, y);
    w->ledger.added += ((double)plant - (double)w->plant[c]) + ((double)meat - (double)w->meat[c]);
    w->plant[c] = plant;
    w->meat[c] = meat;
}
