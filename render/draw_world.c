/*
 * The world viewport: ground, plants by amount and meat (one texel per
 * food cell, scaled), obstacles, walls, agents as oriented bodies, and
 * the selected agent's vision: its sectors, and in each the nearest food,
 * kin, other agent and obstacle it sees, at the distance its inputs say.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The food texture's format: the window's where it is 32-bit RGB (SDL's
 * software renderer then copies it scaled by a plain stretch, without
 * converting each pixel), else ARGB8888 (the off-screen surface's). The
 * pixels are written alike for both. */
static Uint32 food_format(SDL_Renderer *r)
{
    SDL_Window *w = SDL_RenderGetWindow(r);
    Uint32 f = w != NULL ? SDL_GetWindowPixelFormat(w) : SDL_PIXELFORMAT_ARGB8888;
    return f == SDL_PIXELFORMAT_RGB888 ? f : SDL_PIXELFORMAT_ARGB8888;
}

static void draw_food(SDL_Renderer *r, struct DrawCache *c, const ViewUi *ui,
                      const ViewSnapshot *s)
{
    int nx = s->food_nx, ny = s->food_ny;
    if (nx <= 0 || ny <= 0) {
        return;
    }
    if (c->food == NULL || c->food_w != nx || c->food_h != ny) {
        if (c->food != NULL) {
            SDL_DestroyTexture(c->food);
        }
        /* opaque, and a scaled copy without blending */
        c->food = SDL_CreateTexture(r, food_format(r), SDL_TEXTUREACCESS_STREAMING, nx, ny);
        if (c->food == NULL) {
            return;
        }
        SDL_SetTextureBlendMode(c->food, SDL_BLENDMODE_NONE);
        SDL_SetTextureScaleMode(c->food, SDL_ScaleModeNearest);
        c->food_w = nx;
        c->food_h = ny;
    }
    void *pixels = NULL;
    int pitch = 0;
    if (SDL_LockTexture(c->food, NULL, &pixels, &pitch) != 0) {
        return;
    }
    float inv = s->food_capacity > 0 ? (float)(1.0 / s->food_capacity) : 1.0f;
    for (int y = 0; y < ny; ++y) {
        /* texture rows top-down: world row ny-1 first (y up on screen) */
        Uint32 *row = (Uint32 *)((Uint8 *)pixels + (size_t)(ny - 1 - y) * (size_t)pitch);
        for (int x = 0; x < nx; ++x) {
            int cell = y * nx + x;
            SDL_Color col = view_plant_colour(s->plant[cell] * inv);
            float meat = s->meat[cell] * inv;
            if (meat > 0.01f) {
                float t = meat > 1 ? 1 : meat;
                t = 0.35f + 0.65f * t;
                col.r = (Uint8)((float)col.r + ((float)VIEW_MEAT.r - (float)col.r) * t);
                col.g = (Uint8)((float)col.g + ((float)VIEW_MEAT.g - (float)col.g) * t);
                col.b = (Uint8)((float)col.b + ((float)VIEW_MEAT.b - (float)col.b) * t);
            }
            row[x] = 0xFF000000u | (Uint32)col.r << 16 | (Uint32)col.g << 8 | col.b;
        }
    }
    SDL_UnlockTexture(c->food);
    float x0, y0, x1, y1;
    camera_to_screen(&ui->cam, 0, s->size[1], &x0, &y0);
    camera_to_screen(&ui->cam, s->size[0], 0, &x1, &y1);
    SDL_FRect dst = {x0, y0, x1 - x0, y1 - y0};
    SDL_RenderCopyF(r, c->food, NULL, &dst);
}

static void draw_obstacles(SDL_Renderer *r, DrawBatch *c, const ViewUi *ui,
                           const ViewSnapshot *s)
{
    for (int i = 0; i < s->obstacle_count; ++i) {
        const ObstacleDef *o = &s->obstacles[i];
        float sx, sy;
        camera_to_screen(&ui->cam, o->center[0], o->center[1], &sx, &sy);
        if (o->shape == OBSTACLE_CIRCLE) {
            batch_disc(c, sx, sy, (float)(o->radius * ui->cam.zoom), VIEW_OBSTACLE);
        } else {
            float hw = (float)(o->size[0] * 0.5 * ui->cam.zoom);
            float hh = (float)(o->size[1] * 0.5 * ui->cam.zoom);
            batch_tri(c, sx - hw, sy - hh, sx + hw, sy - hh, sx + hw, sy + hh, VIEW_OBSTACLE);
            batch_tri(c, sx - hw, sy - hh, sx + hw, sy + hh, sx - hw, sy + hh, VIEW_OBSTACLE);
        }
    }
    batch_flush(r, c);
}

static void draw_edges(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s)
{
    float x0, y0, x1, y1;
    camera_to_screen(&ui->cam, 0, s->size[1], &x0, &y0);
    camera_to_screen(&ui->cam, s->size[0], 0, &x1, &y1);
    if (s->edges == WORLD_EDGES_WALLS) {
        float w = (float)(ui->cam.zoom * 0.6);
        w = w < 3 ? 3 : w;
        draw_line_w(r, x0 - w / 2, y0, x1 + w / 2, y0, w, VIEW_WALL);
        draw_line_w(r, x0 - w / 2, y1, x1 + w / 2, y1, w, VIEW_WALL);
        draw_line_w(r, x0, y0, x0, y1, w, VIEW_WALL);
        draw_line_w(r, x1, y0, x1, y1, w, VIEW_WALL);
    } else {
        /* a torus: a thin dashed border, the world goes on across it */
        SDL_SetRenderDrawColor(r, VIEW_DIM.r, VIEW_DIM.g, VIEW_DIM.b, 160);
        for (float x = x0; x < x1; x += 12) {
            float e = x + 6 < x1 ? x + 6 : x1;
            SDL_RenderDrawLineF(r, x, y0, e, y0);
            SDL_RenderDrawLineF(r, x, y1, e, y1);
        }
        for (float y = y0; y < y1; y += 12) {
            float e = y + 6 < y1 ? y + 6 : y1;
            SDL_RenderDrawLineF(r, x0, y, x0, e);
            SDL_RenderDrawLineF(r, x1, y, x1, e);
        }
    }
}

static SDL_Color lighter(SDL_Color c)
{
    SDL_Color l = {(Uint8)(c.r + (255 - c.r) / 2), (Uint8)(c.g + (255 - c.g) / 2),
                   (Uint8)(c.b + (255 - c.b) / 2), 255};
    return l;
}

static SDL_Color agent_colour(const ViewUi *ui, const SnapAgent *a)
{
    return ui->colour_by == COLOUR_BY_SPECIES && a->species >= 0 ? view_species_colour(a->species)
                                                                 : view_pop_colour(a->pop);
}

static void draw_agents(SDL_Renderer *r, DrawBatch *c, const ViewUi *ui,
                        const ViewSnapshot *s)
{
    const SDL_Rect *vp = &(SDL_Rect){ui->cam.vx, ui->cam.vy, ui->cam.vw, ui->cam.vh};
    for (int i = 0; i < s->agent_count; ++i) {
        const SnapAgent *a = &s->agents[i];
        float sx, sy;
        camera_to_screen(&ui->cam, a->x, a->y, &sx, &sy);
        float rad = (float)(a->radius * ui->cam.zoom);
        if (rad < 2.5f) {
            rad = 2.5f; /* to scale, but never smaller than can be seen */
        }
        if (sx + 2 * rad < vp->x || sx - 2 * rad > vp->x + vp->w || sy + 2 * rad < vp->y ||
            sy - 2 * rad > vp->y + vp->h) {
            continue;
        }
        SDL_Color col = agent_colour(ui, a);
        batch_disc(c, sx, sy, rad, col);
        /* the nose: a triangle ahead of the centre (screen y is flipped) */
        float hx = cosf(a->heading), hy = -sinf(a->heading);
        float tip = 1.7f * rad, back = 0.2f * rad, half = 0.75f * rad;
        batch_tri(c, sx + hx * tip, sy + hy * tip, sx + hx * back - hy * half,
                  sy + hy * back + hx * half, sx + hx * back + hy * half,
                  sy + hy * back - hx * half, lighter(col));
    }
    batch_flush(r, c);
}

/* Parses an input name "vision.KIND.SECTOR" into kind (0 food, 1 kin,
 * 2 other, 3 obstacle) and sector; false for other inputs. */
static bool vision_input(const char *name, int *kind, int *sector)
{
    static const char *const kinds[] = {"food", "kin", "other", "obstacle"};
    if (strncmp(name, "vision.", 7) != 0) {
        return false;
    }
    for (int k = 0; k < 4; ++k) {
        size_t n = strlen(kinds[k]);
        if (strncmp(name + 7, kinds[k], n) == 0 && name[7 + n] == '.') {
            *kind = k;
            return sscanf(name + 8 + n, "%d", sector) == 1;
        }
    }
    return false;
}

static const SDL_Color VIEW_SEEN[4] = {
    {110, 230, 110, 255}, /* food */
    {120, 200, 255, 255}, /* kin */
    {255, 90, 90, 255},   /* other */
    {220, 220, 220, 255}, /* obstacle */
};

static void draw_vision(SDL_Renderer *r, DrawBatch *c, const ViewUi *ui,
                        const ViewSnapshot *s, const SnapAgent *a)
{
    const SensesDef *sn = &s->pops[a->pop].senses;
    if (!sn->vision || sn->sectors <= 0) {
        return;
    }
    float sx, sy;
    camera_to_screen(&ui->cam, a->x, a->y, &sx, &sy);
    float range = (float)(sn->range * ui->cam.zoom);
    float half = (float)(sn->fov * 0.5 * M_PI / 180.0);
    float width = 2.0f * half / (float)sn->sectors;
    /* what each sector sees, from the brain's input values */
    float seen[4][WORLD_MAX_SECTORS];
    memset(seen, 0, sizeof seen);
    const SnapBrain *b = &s->brain;
    bool have = b->valid && b->agent == a->id;
    if (have) {
        int n = s->input_count[a->pop];
        for (int i = 0; i < n && i < b->genome.node_count; ++i) {
            int kind, sector;
            if (vision_input(s->input_names[a->pop * WORLD_MAX_INPUTS + i], &kind, &sector) &&
                sector >= 0 && sector < WORLD_MAX_SECTORS) {
                seen[kind][sector] = b->values[i];
            }
        }
    }
    for (int k = 0; k < sn->sectors; ++k) {
        float a0 = a->heading - half + (float)k * width;
        float a1 = a0 + width;
        float any = 0;
        for (int kind = 0; kind < 4; ++kind) {
            any = seen[kind][k] > any ? seen[kind][k] : any;
        }
        SDL_Color fill = {255, 255, 255, (Uint8)(any > 0 ? 46 : 20)};
        int steps = 6;
        for (int j = 0; j < steps; ++j) {
            float b0 = a0 + (a1 - a0) * (float)j / (float)steps;
            float b1 = a0 + (a1 - a0) * (float)(j + 1) / (float)steps;
            batch_tri(c, sx, sy, sx + range * cosf(b0), sy - range * sinf(b0),
                      sx + range * cosf(b1), sy - range * sinf(b1), fill);
        }
    }
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    batch_flush(r, c);
    SDL_Color edge = {255, 255, 255, 90};
    for (int k = 0; k <= sn->sectors; ++k) {
        float ang = a->heading - half + (float)k * width;
        draw_line_w(r, sx, sy, sx + range * cosf(ang), sy - range * sinf(ang), 1, edge);
    }
    /* the nearest thing of each kind per sector: a mark at its distance */
    for (int k = 0; k < sn->sectors; ++k) {
        float ang = a->heading - half + ((float)k + 0.5f) * width;
        for (int kind = 0; kind < 4; ++kind) {
            float v = seen[kind][k];
            if (v <= 0) {
                continue;
            }
            float d = (1.0f - v) * range;
            /* kinds side by side across the sector so that they do not hide each other */
            float off = ((float)kind - 1.5f) * width * 0.18f;
            float px = sx + d * cosf(ang + off), py = sy - d * sinf(ang + off);
            SDL_Color lc = VIEW_SEEN[kind];
            lc.a = 150;
            draw_line_w(r, sx, sy, px, py, 1, lc);
            batch_disc(c, px, py, 3.0f, VIEW_SEEN[kind]);
        }
    }
    batch_flush(r, c);
}

void draw_world(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s)
{
    DrawBatch *c = view_batch(ui);
    SDL_Rect vp = {ui->cam.vx, ui->cam.vy, ui->cam.vw, ui->cam.vh};
    SDL_RenderSetClipRect(r, &vp);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    fill_opaque(r, &vp, VIEW_BG);
    draw_food(r, view_cache(ui), ui, s);
    draw_obstacles(r, c, ui, s);
    draw_edges(r, ui, s);
    int sel = ui->selected != WORLD_NO_ID ? snapshot_find(s, ui->selected) : -1;
    if (sel >= 0) {
        draw_vision(r, c, ui, s, &s->agents[sel]);
    }
    draw_agents(r, c, ui, s);
    if (sel >= 0) {
        const SnapAgent *a = &s->agents[sel];
        float sx, sy;
        camera_to_screen(&ui->cam, a->x, a->y, &sx, &sy);
        float rad = (float)(a->radius * ui->cam.zoom);
        SDL_Color ring = {255, 255, 255, 255};
        draw_ring(r, sx, sy, (rad < 4 ? 4 : rad) + 3, ring);
        draw_ring(r, sx, sy, (rad < 4 ? 4 : rad) + 4, ring);
    }
    SDL_RenderSetClipRect(r, NULL);
}
