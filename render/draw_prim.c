/*
 * Drawing primitives on SDL_RenderGeometry: discs, rings, thick lines and
 * triangles, gathered in a batch so that a frame of thousands of agents
 * is a few draw calls. Colours and the window's layout live here too.
 */
#include "render/render_internal.h"

#include <math.h>

const SDL_Color VIEW_BG = {16, 18, 22, 255};
const SDL_Color VIEW_PANEL = {26, 29, 35, 255};
const SDL_Color VIEW_GROUND = {34, 38, 44, 255};
const SDL_Color VIEW_WALL = {150, 156, 166, 255};
const SDL_Color VIEW_OBSTACLE = {112, 116, 126, 255};
const SDL_Color VIEW_MEAT = {196, 62, 52, 255};
const SDL_Color VIEW_TEXT = {226, 230, 236, 255};
const SDL_Color VIEW_DIM = {140, 146, 158, 255};

static Uint8 mix8(Uint8 a, Uint8 b, float t)
{
    return (Uint8)lrintf((float)a + ((float)b - (float)a) * t);
}

SDL_Color view_plant_colour(float fraction)
{
    float t = fraction < 0 ? 0 : (fraction > 1 ? 1 : fraction);
    SDL_Color full = {66, 168, 78, 255};
    SDL_Color c = {mix8(VIEW_GROUND.r, full.r, t), mix8(VIEW_GROUND.g, full.g, t),
                   mix8(VIEW_GROUND.b, full.b, t), 255};
    return c;
}

SDL_Color view_pop_colour(int pop)
{
    static const SDL_Color pal[WORLD_MAX_POPULATIONS] = {
        {90, 170, 255, 255},  {255, 150, 40, 255}, {230, 90, 200, 255}, {250, 230, 80, 255},
        {80, 220, 210, 255},  {180, 130, 255, 255}, {255, 255, 255, 255}, {150, 220, 90, 255},
    };
    return pal[(unsigned)pop % WORLD_MAX_POPULATIONS];
}

SDL_Color view_species_colour(int species)
{
    if (species < 0) {
        SDL_Color grey = {170, 170, 170, 255};
        return grey;
    }
    /* golden-angle hues from blue: neighbouring ids get distant colours */
    float h = fmodf((float)species * 137.50776f + 200.0f, 360.0f) / 60.0f;
    float x = 1.0f - fabsf(fmodf(h, 2.0f) - 1.0f);
    float r = 0, g = 0, b = 0;
    switch ((int)h) {
    case 0: r = 1, g = x; break;
    case 1: r = x, g = 1; break;
    case 2: g = 1, b = x; break;
    case 3: g = x, b = 1; break;
    case 4: r = x, b = 1; break;
    default: r = 1, b = x; break;
    }
    SDL_Color c = {(Uint8)(70 + 185 * r), (Uint8)(70 + 185 * g), (Uint8)(70 + 185 * b), 255};
    return c;
}

ViewLayout view_layout(int width, int height)
{
    ViewLayout l;
    int panel = width * 2 / 5;
    panel = panel < 460 ? 460 : (panel > 760 ? 760 : panel);
    if (panel > width - 200) {
        panel = width - 200;
    }
    int bar = 30;
    l.status = (SDL_Rect){0, 0, width - panel, bar};
    l.world = (SDL_Rect){0, bar, width - panel, height - bar};
    int px = width - panel;
    int insp = 150;
    int plots = height * 30 / 100;
    plots = plots < 170 ? 170 : plots;
    l.inspector = (SDL_Rect){px, 0, panel, insp};
    l.brain = (SDL_Rect){px, insp, panel, height - insp - plots};
    l.plots = (SDL_Rect){px, height - plots, panel, plots};
    return l;
}

static SDL_Vertex vtx(float x, float y, SDL_Color c)
{
    SDL_Vertex v = {{x, y}, c, {0, 0}};
    return v;
}

void fill_opaque(SDL_Renderer *r, const SDL_Rect *at, SDL_Color c)
{
    SDL_BlendMode mode;
    SDL_GetRenderDrawBlendMode(r, &mode);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
    SDL_RenderFillRect(r, at);
    SDL_SetRenderDrawBlendMode(r, mode);
}

void draw_triangle(SDL_Renderer *r, const float *xy, SDL_Color c)
{
    SDL_Vertex v[3] = {vtx(xy[0], xy[1], c), vtx(xy[2], xy[3], c), vtx(xy[4], xy[5], c)};
    SDL_RenderGeometry(r, NULL, v, 3, NULL, 0);
}

enum { DISC_SEGMENTS = 20 };

void draw_disc(SDL_Renderer *r, float x, float y, float radius, SDL_Color c)
{
    SDL_Vertex v[DISC_SEGMENTS * 3];
    int seg = radius < 3 ? 8 : DISC_SEGMENTS;
    float px = x + radius, py = y;
    for (int i = 1; i <= seg; ++i) {
        float a = 2.0f * (float)M_PI * (float)i / (float)seg;
        float qx = x + radius * cosf(a), qy = y + radius * sinf(a);
        v[3 * (i - 1)] = vtx(x, y, c);
        v[3 * (i - 1) + 1] = vtx(px, py, c);
        v[3 * (i - 1) + 2] = vtx(qx, qy, c);
        px = qx;
        py = qy;
    }
    SDL_RenderGeometry(r, NULL, v, seg * 3, NULL, 0);
}

/* A wide line as parallel one-pixel lines: SDL's software renderer fills
 * a triangle by testing every pixel of its bounding box, so a long thin
 * diagonal as two triangles costs as much as a filled rectangle, while
 * a one-pixel line costs its length. */
void draw_line_w(SDL_Renderer *r, float x0, float y0, float x1, float y1, float width,
                 SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0;
    float len = sqrtf(dx * dx + dy * dy);
    if (len < 1e-6f) {
        return;
    }
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    int n = (int)lrintf(width);
    n = n < 1 ? 1 : n;
    float nx = -dy / len, ny = dx / len;
    for (int k = 0; k < n; ++k) {
        float o = (float)k - (float)(n - 1) * 0.5f;
        SDL_RenderDrawLineF(r, x0 + nx * o, y0 + ny * o, x1 + nx * o, y1 + ny * o);
    }
}

void draw_ring(SDL_Renderer *r, float x, float y, float radius, SDL_Color c)
{
    SDL_FPoint p[DISC_SEGMENTS * 2 + 1];
    int seg = DISC_SEGMENTS * 2;
    for (int i = 0; i <= seg; ++i) {
        float a = 2.0f * (float)M_PI * (float)i / (float)seg;
        p[i].x = x + radius * cosf(a);
        p[i].y = y + radius * sinf(a);
    }
    SDL_SetRenderDrawColor(r, c.r, c.g, c.b, c.a);
    SDL_RenderDrawLinesF(r, p, seg + 1);
}

struct DrawCache *view_cache(const ViewUi *ui)
{
    ViewUi *mut = (ViewUi *)ui; /* the cache is not part of what is shown */
    if (mut->cache == NULL) {
        mut->cache = petri_calloc(1, sizeof *mut->cache);
    }
    return mut->cache;
}

DrawBatch *view_batch(const ViewUi *ui)
{
    return &view_cache(ui)->batch;
}

void view_ui_fini(ViewUi *ui)
{
    struct DrawCache *c = ui->cache;
    if (c != NULL) {
        if (c->food != NULL) {
            SDL_DestroyTexture(c->food);
        }
        if (c->brain_tex != NULL) {
            SDL_DestroyTexture(c->brain_tex);
        }
        petri_free(c->batch.v, sizeof(SDL_Vertex) * (size_t)c->batch.cap);
        petri_free(c, sizeof *c);
        ui->cache = NULL;
    }
    font_destroy(ui->font);
    font_destroy(ui->small);
    ui->font = ui->small = NULL;
}

void batch_tri(DrawBatch *b, float x0, float y0, float x1, float y1, float x2, float y2,
               SDL_Color c)
{
    if (b->count + 3 > b->cap) {
        int cap = b->cap > 0 ? b->cap * 2 : 4096;
        b->v = petri_realloc(b->v, sizeof(SDL_Vertex) * (size_t)b->cap,
                             sizeof(SDL_Vertex) * (size_t)cap);
        b->cap = cap;
    }
    SDL_Vertex *v = b->v + b->count;
    v[0] = vtx(x0, y0, c);
    v[1] = vtx(x1, y1, c);
    v[2] = vtx(x2, y2, c);
    b->count += 3;
}

void batch_disc(DrawBatch *b, float x, float y, float radius, SDL_Color c)
{
    int seg = radius < 2.5f ? 6 : (radius < 8 ? 12 : 20);
    float px = x + radius, py = y;
    for (int i = 1; i <= seg; ++i) {
        float a = 2.0f * (float)M_PI * (float)i / (float)seg;
        float qx = x + radius * cosf(a), qy = y + radius * sinf(a);
        batch_tri(b, x, y, px, py, qx, qy, c);
        px = qx;
        py = qy;
    }
}

void batch_line(DrawBatch *b, float x0, float y0, float x1, float y1, float width, SDL_Color c)
{
    float dx = x1 - x0, dy = y1 - y0;
    float len = sqrtf(dx * dx + dy * dy);
    if (len < 1e-6f) {
        return;
    }
    width = width < 1.0f ? 1.0f : width;
    float nx = -dy / len * width * 0.5f, ny = dx / len * width * 0.5f;
    batch_tri(b, x0 + nx, y0 + ny, x1 + nx, y1 + ny, x1 - nx, y1 - ny, c);
    batch_tri(b, x0 + nx, y0 + ny, x1 - nx, y1 - ny, x0 - nx, y0 - ny, c);
}

void batch_flush(SDL_Renderer *r, DrawBatch *b)
{
    if (b->count > 0) {
        SDL_RenderGeometry(r, NULL, b->v, b->count, NULL, 0);
    }
    b->count = 0;
}
