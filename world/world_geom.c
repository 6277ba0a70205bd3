/*
 * Static geometry: walls and obstacles. Bodies are pushed out of them
 * after each move; sight stops at them. Obstacles do not wrap around a
 * torus's edges (place them inside the plane).
 */
#include "world/world_internal.h"

#include <math.h>

static void obstacle_bounds(Obstacle *o)
{
    float ex = o->shape == OBSTACLE_RECT ? o->hw : o->r;
    float ey = o->shape == OBSTACLE_RECT ? o->hh : o->r;
    o->minx = o->cx - ex;
    o->maxx = o->cx + ex;
    o->miny = o->cy - ey;
    o->maxy = o->cy + ey;
}

void world_obstacles_init(World *w)
{
    const WorldDef *d = &w->def;
    w->obst_count = 0;
    for (int i = 0; i < d->obstacle_count; ++i) {
        const ObstacleDef *od = &d->obstacles[i];
        Obstacle *o = &w->obst[w->obst_count++];
        o->shape = od->shape;
        o->cx = (float)od->center[0];
        o->cy = (float)od->center[1];
        o->hw = (float)(od->size[0] * 0.5);
        o->hh = (float)(od->size[1] * 0.5);
        o->r = (float)od->radius;
        o->r2 = o->r * o->r;
        obstacle_bounds(o);
    }
    Pcg32 rng = pcg32_stream(w->seed, 0, RNG_PURPOSE_WORLD);
    for (int i = 0; i < d->random_obstacles; ++i) {
        Obstacle *o = &w->obst[w->obst_count++];
        o->shape = OBSTACLE_CIRCLE;
        o->r = (float)d->random_obstacle_radius;
        o->r2 = o->r * o->r;
        o->cx = o->r + pcg32_float(&rng) * (w->width - 2 * o->r);
        o->cy = o->r + pcg32_float(&rng) * (w->height - 2 * o->r);
        o->hw = o->hh = 0;
        obstacle_bounds(o);
    }
}

bool world_collide_static(const World *w, float *px, float *py, float r)
{
    bool hit = false;
    float x = *px, y = *py;
    for (int i = 0; i < w->obst_count; ++i) {
        const Obstacle *o = &w->obst[i];
        if (x < o->minx - r || x > o->maxx + r || y < o->miny - r || y > o->maxy + r) {
            continue;
        }
        if (o->shape == OBSTACLE_CIRCLE) {
            float dx = x - o->cx, dy = y - o->cy;
            float rr = o->r + r;
            float d2 = dx * dx + dy * dy;
            if (d2 >= rr * rr) {
                continue;
            }
            float d = sqrtf(d2);
            if (d < 1e-6f) {
                dx = 1;
                dy = 0;
                d = 1;
            }
            x = o->cx + dx / d * rr;
            y = o->cy + dy / d * rr;
        } else {
            /* inside the rect grown by r: leave by the shortest way */
            float left = x - (o->minx - r), right = (o->maxx + r) - x;
            float down = y - (o->miny - r), up = (o->maxy + r) - y;
            float m = fminf(fminf(left, right), fminf(down, up));
            if (m == left) {
                x = o->minx - r;
            } else if (m == right) {
                x = o->maxx + r;
            } else if (m == down) {
                y = o->miny - r;
            } else {
                y = o->maxy + r;
            }
        }
        hit = true;
    }
    if (!w->torus) {
        /* a body wider than the world (which the config checks refuse)
         * sits at its centre */
        float lox = r, hix = w->width - r, loy = r, hiy = w->height - r;
        if (hix < lox) {
            lox = hix = w->width * 0.5f;
        }
        if (hiy < loy) {
            loy = hiy = w->height * 0.5f;
        }
        if (x < lox) {
            x = lox;
            hit = true;
        } else if (x > hix) {
            x = hix;
            hit = true;
        }
        if (y < loy) {
            y = loy;
            hit = true;
        } else if (y > hiy) {
            y = hiy;
            hit = true;
        }
    }
    *px = x;
    *py = y;
    return hit;
}

bool world_point_free(const World *w, float x, float y, float r)
{
    float px = x, py = y;
    if (world_collide_static(w, &px, &py, r)) {
        return false;
    }
    return true;
}

/* Entry distance of a ray (origin a, unit direction u) into a box, or
 * INFINITY. Starting inside gives 0. */
static float ray_box(float ax, float ay, float ux, float uy, const Obstacle *o)
{
    float t0 = 0, t1 = INFINITY;
    float lo[2] = {o->minx, o->miny}, hi[2] = {o->maxx, o->maxy};
    float a[2] = {ax, ay}, u[2] = {ux, uy};
    for (int k = 0; k < 2; ++k) {
        if (fabsf(u[k]) < 1e-12f) {
            if (a[k] < lo[k] || a[k] > hi[k]) {
                return INFINITY;
            }
            continue;
        }
        float inv = 1.0f / u[k];
        float ta = (lo[k] - a[k]) * inv, tb = (hi[k] - a[k]) * inv;
        if (ta > tb) {
            float t = ta;
            ta = tb;
            tb = t;
        }
        t0 = fmaxf(t0, ta);
        t1 = fminf(t1, tb);
        if (t0 > t1) {
            return INFINITY;
        }
    }
    return t0;
}

static float ray_circle(float ax, float ay, float ux, float uy, const Obstacle *o)
{
    float mx = ax - o->cx, my = ay - o->cy;
    float c = mx * mx + my * my - o->r2;
    if (c <= 0) {
        return 0;
    }
    float b = mx * ux + my * uy;
    if (b > 0) {
        return INFINITY;
    }
    float disc = b * b - c;
    if (disc < 0) {
        return INFINITY;
    }
    return -b - sqrtf(disc);
}

static float ray_obstacle(float ax, float ay, float ux, float uy, const Obstacle *o)
{
    return o->shape == OBSTACLE_CIRCLE ? ray_circle(ax, ay, ux, uy, o)
                                       : ray_box(ax, ay, ux, uy, o);
}

bool world_segment_blocked(const World *w, float ax, float ay, float dx, float dy)
{
    float len2 = dx * dx + dy * dy;
    if (len2 <= 0) {
        return false;
    }
    float len = sqrtf(len2);
    float ux = dx / len, uy = dy / len;
    float bx0 = fminf(ax, ax + dx), bx1 = fmaxf(ax, ax + dx);
    float by0 = fminf(ay, ay + dy), by1 = fmaxf(ay, ay + dy);
    for (int i = 0; i < w->obst_count; ++i) {
        const Obstacle *o = &w->obst[i];
        if (o->maxx < bx0 || o->minx > bx1 || o->maxy < by0 || o->miny > by1) {
            continue;
        }
        if (ray_obstacle(ax, ay, ux, uy, o) < len) {
            return true;
        }
    }
    return false;
}

float world_ray_distance(const World *w, float ax, float ay, float ux, float uy, float range)
{
    float best = range;
    for (int i = 0; i < w->obst_count; ++i) {
        const Obstacle *o = &w->obst[i];
        if (o->maxx < ax - range || o->minx > ax + range || o->maxy < ay - range ||
            o->miny > ay + range) {
            continue;
        }
        float t = ray_obstacle(ax, ay, ux, uy, o);
        if (t < best) {
            best = t;
        }
    }
    if (!w->torus) {
        if (ux > 0) {
            best = fminf(best, (w->width - ax) / ux);
        } else if (ux < 0) {
            best = fminf(best, -ax / ux);
        }
        if (uy > 0) {
            best = fminf(best, (w->height - ay) / uy);
        } else if (uy < 0) {
            best = fminf(best, -ay / uy);
        }
    }
    return best < 0 ? 0 : best;
}

int world_obstacles(const World *w, ObstacleDef *out, int cap)
{
    for (int i = 0; i < w->obst_count && out != NULL && i < cap; ++i) {
        const Obstacle *o = &w->obst[i];
        out[i] = (ObstacleDef){.shape = o->shape,
                               .center = {o->cx, o->cy},
                               .size = {2.0 * o->hw, 2.0 * o->hh},
                               .radius = o->r};
    }
    return w->obst_count;
}
