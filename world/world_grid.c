/*
 * The uniform spatial grid, rebuilt every tick by a counting sort of the
 * agents by cell. Within a cell agents keep slot order (the sort is
 * stable), so every neighbour loop visits neighbours in an order that
 * depends only on the state, never on threads.
 *
 * Each cell's agents are copied in cell order into arrays of fields
 * (position, signal, radius, slot, population), so the sensors stream
 * contiguous memory, several agents per vector load, instead of
 * gathering from the per-slot arrays.
 */
#include "world/world_internal.h"

#include <math.h>
#include <string.h>

void world_grid_init(World *w, float cell)
{
    w->gx = (int)floorf(w->width / cell);
    w->gy = (int)floorf(w->height / cell);
    if (w->gx < 1) {
        w->gx = 1;
    }
    if (w->gy < 1) {
        w->gy = 1;
    }
    /* cap the cell count so that huge sparse worlds stay small */
    while ((int64_t)w->gx * w->gy > (1 << 22)) {
        w->gx = (w->gx + 1) / 2;
        w->gy = (w->gy + 1) / 2;
    }
    w->gcell_w = w->width / (float)w->gx;
    w->gcell_h = w->height / (float)w->gy;
    w->ginv_w = 1.0f / w->gcell_w;
    w->ginv_h = 1.0f / w->gcell_h;
    size_t cells = (size_t)w->gx * (size_t)w->gy;
    w->gstart = petri_calloc(cells + 1, sizeof(int32_t));
    w->gcount = petri_calloc(cells, sizeof(int32_t));
    w->gobst = petri_calloc(cells, 1);
    float reach = 0;
    for (int p = 0; p < w->pop_count; ++p) {
        reach = fmaxf(reach, w->qradius[p]);
    }
    /* a cell is flagged when an agent in it may see or touch a wall or an
     * obstacle: only flagged cells pay for occlusion and obstacle rays */
    for (int iy = 0; iy < w->gy; ++iy) {
        for (int ix = 0; ix < w->gx; ++ix) {
            float x0 = (float)ix * w->gcell_w - reach, x1 = (float)(ix + 1) * w->gcell_w + reach;
            float y0 = (float)iy * w->gcell_h - reach, y1 = (float)(iy + 1) * w->gcell_h + reach;
            uint8_t flag = 0;
            if (!w->torus && (x0 < 0 || y0 < 0 || x1 > w->width || y1 > w->height)) {
                flag = 1;
            }
            for (int i = 0; i < w->obst_count && !flag; ++i) {
                const Obstacle *o = &w->obst[i];
                if (!(o->maxx < x0 || o->minx > x1 || o->maxy < y0 || o->miny > y1)) {
                    flag = 1;
                }
            }
            w->gobst[(size_t)iy * (size_t)w->gx + (size_t)ix] = flag;
        }
    }
}

static inline int grid_cell_of(const World *w, float x, float y)
{
    int ix = (int)(x * w->ginv_w);
    int iy = (int)(y * w->ginv_h);
    ix = ix < 0 ? 0 : (ix >= w->gx ? w->gx - 1 : ix);
    iy = iy < 0 ? 0 : (iy >= w->gy ? w->gy - 1 : iy);
    return iy * w->gx + ix;
}

int world_grid_cell_of(const World *w, float x, float y)
{
    return grid_cell_of(w, x, y);
}

/* Serial only where it must be: the count per cell and each agent's rank
 * in its cell (slot order), then the prefix sum over cells. The cell of
 * each agent and the copy into the arrays of fields (each agent to its
 * own position) run in parallel; the result is the same at any thread
 * count. */
void world_grid_build(World *w)
{
    const int cells = w->gx * w->gy, n = w->count;
    int32_t *count = w->gcount;
    int32_t *cell_of = w->gcell_of, *rank = w->grank;
#pragma omp parallel for schedule(static) if (n > 2048)
    for (int s = 0; s < n; ++s) {
        cell_of[s] = grid_cell_of(w, w->x[s], w->y[s]);
    }
    memset(count, 0, sizeof(int32_t) * (size_t)cells);
    for (int s = 0; s < n; ++s) {
        rank[s] = count[cell_of[s]]++;
    }
    int32_t sum = 0;
    for (int c = 0; c < cells; ++c) {
        w->gstart[c] = sum;
        sum += count[c];
    }
    w->gstart[cells] = sum;
#pragma omp parallel for schedule(static) if (n > 2048)
    for (int s = 0; s < n; ++s) {
        int pos = w->gstart[cell_of[s]] + rank[s];
        w->gpx[pos] = w->x[s];
        w->gpy[pos] = w->y[s];
        w->gsig[pos] = w->signal[s];
        w->grad[pos] = w->pp[w->pop[s]].radius;
        w->gslot[pos] = s;
        w->gpop[pos] = w->pop[s];
    }
}

int world_grid_slot(const World *w, int k)
{
    return w->gslot[k];
}
