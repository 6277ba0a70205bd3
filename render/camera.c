/*
 * The camera: world units to pixels and back. y is flipped so that the
 * world's angles (counter-clockwise from +x) look counter-clockwise on
 * screen.
 */
#include "render/render_internal.h"

void camera_fit(Camera *c, double w, double h)
{
    double zx = (double)c->vw / (w * 1.04), zy = (double)c->vh / (h * 1.04);
    c->zoom = zx < zy ? zx : zy;
    c->cx = w * 0.5;
    c->cy = h * 0.5;
}

void camera_to_screen(const Camera *c, double x, double y, float *sx, float *sy)
{
    *sx = (float)((x - c->cx) * c->zoom + c->vx + c->vw * 0.5);
    *sy = (float)(-(y - c->cy) * c->zoom + c->vy + c->vh * 0.5);
}

void camera_to_world(const Camera *c, double sx, double sy, double *x, double *y)
{
    *x = (sx - c->vx - c->vw * 0.5) / c->zoom + c->cx;
    *y = -(sy - c->vy - c->vh * 0.5) / c->zoom + c->cy;
}

void camera_zoom_at(Camera *c, double factor, double sx, double sy, double min_zoom,
                    double max_zoom)
{
    double wx, wy;
    camera_to_world(c, sx, sy, &wx, &wy);
    double z = c->zoom * factor;
    z = z < min_zoom ? min_zoom : (z > max_zoom ? max_zoom : z);
    c->zoom = z;
    /* keep (wx, wy) under (sx, sy) */
    c->cx = wx - (sx - c->vx - c->vw * 0.5) / z;
    c->cy = wy + (sy - c->vy - c->vh * 0.5) / z;
}

void camera_pan(Camera *c, double dx, double dy)
{
    c->cx -= dx / c->zoom;
    c->cy += dy / c->zoom;
}
