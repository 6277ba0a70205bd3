/*
 * The inspector and the brain graph of the selected agent.
 *
 * The graph: inputs on the left (vision inputs as a grid, one row per
 * kind and one column per sector, the other inputs and the bias as a
 * list below it), outputs on the right, hidden nodes in columns between
 * by their depth (the longest feed-forward path from an input).
 * Connections are blue when positive and red when negative, wider and
 * more opaque as |weight| grows; recurrent ones are drawn thinner. A
 * node's fill is its value after the tick; inputs and outputs carry their
 * values as numbers.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const OUTPUT_NAMES[WORLD_OUTPUTS] = {"turn",   "thrust", "eat",
                                                         "attack", "signal", "reproduce"};
static const char *const KIND_NAMES[4] = {"food", "kin", "other", "obstacle"};

static void panel_fill(SDL_Renderer *r, SDL_Rect at)
{
    fill_opaque(r, &at, VIEW_PANEL);
    SDL_SetRenderDrawColor(r, 52, 57, 66, 255);
    SDL_RenderDrawLine(r, at.x, at.y, at.x + at.w - 1, at.y);
    SDL_RenderDrawLine(r, at.x, at.y, at.x, at.y + at.h - 1);
}

void draw_inspector(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s, SDL_Rect at)
{
    panel_fill(r, at);
    ViewFont *f = ui->font;
    int lh = font_height(f);
    int x = at.x + 12, y = at.y + 8;
    int sel = ui->selected != WORLD_NO_ID ? snapshot_find(s, ui->selected) : -1;
    if (sel < 0) {
        font_draw(f, x, y, VIEW_TEXT, "Inspector");
        font_draw(f, x, y + lh + 4, VIEW_DIM,
                  ui->selected != WORLD_NO_ID ? "the selected agent has died"
                                              : "click an agent to inspect it");
        font_draw(f, x, y + 2 * lh + 4, VIEW_DIM, "Tab: the best of each population");
        return;
    }
    const SnapAgent *a = &s->agents[sel];
    const PopulationDef *pd = &s->pops[a->pop];
    SDL_Color pc = view_pop_colour(a->pop);
    int xe = font_drawf(f, x, y, pc, "%s", s->pop_names[a->pop]);
    xe = font_drawf(f, xe + 10, y, VIEW_TEXT, "agent #%u", a->id);
    if (a->species >= 0) {
        font_drawf(f, xe + 10, y, view_species_colour(a->species), "species %d", a->species);
    } else {
        font_draw(f, xe + 10, y, VIEW_DIM, pd->controller == CONTROLLER_BRAIN ? "" : "baseline");
    }
    y += lh + 4;
    font_drawf(f, x, y, VIEW_TEXT, "age %u ticks   energy %.1f / %.0f   fitness %.2f", a->age,
               (double)a->energy, pd->energy_max, (double)a->fitness);
    y += lh;
    const AgentCounters *c = &a->counters;
    font_drawf(f, x, y, VIEW_TEXT, "food: plants %.1f  meat %.1f   distance %.1f",
               c->energy_plants, c->energy_meat, c->distance);
    y += lh;
    font_drawf(f, x, y, VIEW_TEXT, "kills %u   damage %.1f   offspring %u", c->kills, c->damage,
               c->offspring);
    y += lh;
    char parents[160];
    bool known = view_parents_text(s, a, parents, sizeof parents);
    font_drawf(f, x, y, known ? VIEW_TEXT : VIEW_DIM, "%s", parents);
}

/* Value to fill colour: red for negative, green for positive, dark at 0. */
static SDL_Color value_colour(float v)
{
    float t = fabsf(v);
    t = t > 1 ? 1 : t;
    SDL_Color base = {44, 48, 56, 255};
    SDL_Color to = v < 0 ? (SDL_Color){235, 80, 70, 255} : (SDL_Color){90, 220, 120, 255};
    SDL_Color c = {(Uint8)(base.r + (to.r - base.r) * t), (Uint8)(base.g + (to.g - base.g) * t),
                   (Uint8)(base.b + (to.b - base.b) * t), 255};
    return c;
}

static bool vision_name(const char *name, int *kind, int *sector)
{
    if (strncmp(name, "vision.", 7) != 0) {
        return false;
    }
    for (int k = 0; k < 4; ++k) {
        size_t n = strlen(KIND_NAMES[k]);
        if (strncmp(name + 7, KIND_NAMES[k], n) == 0 && name[7 + n] == '.') {
            *kind = k;
            return sscanf(name + 8 + n, "%d", sector) == 1;
        }
    }
    return false;
}

enum { BRAIN_MAX_NODES = 1024 };

/* The enabled connections, weakest first so that strong ones lie on top,
 * shifted by (dx, dy). */
static void draw_connections(SDL_Renderer *r, const Genome *g, const uint8_t *recurrent, int n,
                             const float *px, const float *py, float dx, float dy)
{
    float wmax = 0;
    for (int c = 0; c < g->conn_count; ++c) {
        float w = fabsf(g->conns[c].weight);
        wmax = g->conns[c].enabled && w > wmax ? w : wmax;
    }
    wmax = wmax > 0 ? wmax : 1;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    for (int pass = 0; pass < 2; ++pass) {
        for (int c = 0; c < g->conn_count; ++c) {
            const ConnGene *cg = &g->conns[c];
            if (!cg->enabled) {
                continue;
            }
            float t = fabsf(cg->weight) / wmax;
            if ((pass == 0) != (t < 0.5f)) {
                continue;
            }
            int from = genome_find_node(g, cg->from), to = genome_find_node(g, cg->to);
            if (from < 0 || to < 0 || from >= n || to >= n) {
                continue;
            }
            SDL_Color col = cg->weight >= 0 ? (SDL_Color){80, 150, 255, 255}
                                            : (SDL_Color){255, 90, 70, 255};
            col.a = (Uint8)(60 + 180 * t);
            float width = 0.8f + 3.2f * t;
            if (recurrent[c]) {
                width *= 0.6f;
                if (from == to) {
                    draw_ring(r, px[to] + dx + 6, py[to] + dy - 6, 6, col);
                    continue;
                }
            }
            draw_line_w(r, px[from] + dx, py[from] + dy, px[to] + dx, py[to] + dy, width, col);
        }
    }
}



void draw_brain(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s, SDL_Rect at)
{
    panel_fill(r, at);
    ViewFont *f = ui->small;
    int lh = font_height(f);
    int sel = ui->selected != WORLD_NO_ID ? snapshot_find(s, ui->selected) : -1;
    const SnapBrain *b = &s->brain;
    font_draw(ui->font, at.x + 12, at.y + 6, VIEW_TEXT, "Brain");
    if (sel < 0 || !b->valid || b->agent != ui->selected) {
        font_draw(f, at.x + 80, at.y + 9, VIEW_DIM,
                  sel < 0 ? "(no agent selected)" : "(a built-in controller: no brain)");
        return;
    }
    const Genome *g = &b->genome;
    int n = g->node_count < BRAIN_MAX_NODES ? g->node_count : BRAIN_MAX_NODES;
    int hidden = 0, enabled = 0;
    for (int i = 0; i < n; ++i) {
        hidden += g->nodes[i].kind == NODE_HIDDEN;
    }
    for (int i = 0; i < g->conn_count; ++i) {
        enabled += g->conns[i].enabled != 0;
    }
    const int pop = s->agents[sel].pop;
    float px[BRAIN_MAX_NODES], py[BRAIN_MAX_NODES];
    int depth[BRAIN_MAX_NODES];
    int top = at.y + 34 + lh, bottom = at.y + at.h - 10;
    int label_w = font_width(f, "obstacle ");
    for (int i = 0; i < s->input_count[pop] && i < WORLD_MAX_INPUTS; ++i) {
        int kind, sector;
        const char *name = s->input_names[pop * WORLD_MAX_INPUTS + i];
        if (!vision_name(name, &kind, &sector)) {
            int tw = font_width(f, name) + font_width(f, " ");
            label_w = tw > label_w ? tw : label_w;
        }
    }
    int value_w = font_width(f, "-0.00 ");
    int left = at.x + 12 + label_w + value_w;
    int right = at.x + at.w - 12 - font_width(f, "reproduce -0.00");
    /* inputs: the vision grid, then a list */
    int sectors = s->pops[pop].senses.vision ? s->pops[pop].senses.sectors : 0;
    int cell_w = sectors > 0 ? (int)((double)(at.w * 0.42 - label_w) / sectors) : 0;
    cell_w = cell_w > 30 ? 30 : cell_w;
    int row_h = lh + 6;
    int grid_bottom = sectors > 0 ? top + 4 * row_h : top;
    int scalars = 0;
    for (int i = 0; i < n; ++i) {
        int kind, sector;
        if (g->nodes[i].kind == NODE_BIAS ||
            (g->nodes[i].kind == NODE_INPUT &&
             !vision_name(s->input_names[pop * WORLD_MAX_INPUTS + i], &kind, &sector))) {
            ++scalars;
        }
    }
    float list_step = scalars > 0 ? (float)(bottom - grid_bottom - 8) / (float)scalars : 0;
    list_step = list_step > (float)row_h ? (float)row_h : list_step;
    int grid_right = left + (sectors > 0 ? sectors * cell_w : 0);
    int k_scalar = 0;
    for (int i = 0; i < n; ++i) {
        const NodeGene *ng = &g->nodes[i];
        depth[i] = 0;
        if (ng->kind != NODE_INPUT && ng->kind != NODE_BIAS) {
            continue;
        }
        int kind, sector;
        const char *name = ng->kind == NODE_BIAS ? "bias" : s->input_names[pop * WORLD_MAX_INPUTS + i];
        if (ng->kind == NODE_INPUT && vision_name(name, &kind, &sector)) {
            px[i] = (float)(left + sector * cell_w + cell_w / 2);
            py[i] = (float)(top + kind * row_h + row_h / 2);
        } else {
            px[i] = (float)(left + 6);
            py[i] = (float)grid_bottom + 8 + ((float)k_scalar + 0.5f) * list_step;
            ++k_scalar;
        }
    }
    /* depth: longest feed-forward path from an input (relaxation) */
    for (int pass = 0; pass < n; ++pass) {
        bool changed = false;
        for (int c = 0; c < g->conn_count; ++c) {
            const ConnGene *cg = &g->conns[c];
            if (!cg->enabled || b->recurrent[c]) {
                continue;
            }
            int from = genome_find_node(g, cg->from), to = genome_find_node(g, cg->to);
            if (from < 0 || to < 0 || from >= n || to >= n) {
                continue;
            }
            if (g->nodes[to].kind == NODE_HIDDEN && depth[to] < depth[from] + 1) {
                depth[to] = depth[from] + 1;
                changed = true;
            }
        }
        if (!changed) {
            break;
        }
    }
    int max_depth = 0;
    for (int i = 0; i < n; ++i) {
        max_depth = g->nodes[i].kind == NODE_HIDDEN && depth[i] > max_depth ? depth[i] : max_depth;
    }
    int cols_left = grid_right + 40, cols_right = right - 40;
    int per_col[BRAIN_MAX_NODES / 4 + 1];
    int at_col[BRAIN_MAX_NODES / 4 + 1];
    memset(per_col, 0, sizeof per_col);
    memset(at_col, 0, sizeof at_col);
    for (int i = 0; i < n; ++i) {
        if (g->nodes[i].kind == NODE_HIDDEN) {
            int d = depth[i] > BRAIN_MAX_NODES / 4 ? BRAIN_MAX_NODES / 4 : depth[i];
            depth[i] = d;
            per_col[d]++;
        }
    }
    int out_k = 0;
    for (int i = 0; i < n; ++i) {
        const NodeGene *ng = &g->nodes[i];
        if (ng->kind == NODE_OUTPUT) {
            float step = (float)(bottom - top) / (float)(g->outputs > 0 ? g->outputs : 1);
            px[i] = (float)right;
            py[i] = (float)top + ((float)out_k + 0.5f) * step;
            ++out_k;
        } else if (ng->kind == NODE_HIDDEN) {
            int d = depth[i];
            float x = max_depth <= 1 ? (float)(cols_left + cols_right) * 0.5f
                                     : (float)cols_left + (float)(cols_right - cols_left) *
                                                              (float)(d - 1) /
                                                              (float)(max_depth - 1);
            float step = (float)(bottom - top) / (float)per_col[d];
            px[i] = x;
            /* stagger alternate columns so that straight lines do not hide nodes */
            py[i] = (float)top + ((float)at_col[d] + 0.5f) * step + (float)(d % 2) * 4.0f;
            at_col[d]++;
        }
    }
    /* the connections change only with the agent: drawn once into a
     * texture (with the panel under them), copied each frame */
    struct DrawCache *cache = view_cache(ui);
    bool copied = false;
    if (SDL_RenderTargetSupported(r)) {
        bool same = cache->brain_tex != NULL && cache->brain_agent == b->agent &&
                    cache->brain_generation == s->generation &&
                    cache->brain_conns == g->conn_count && cache->brain_nodes == n &&
                    cache->brain_w == at.w && cache->brain_h == at.h;
        if (!same) {
            if (cache->brain_tex != NULL && (cache->brain_w != at.w || cache->brain_h != at.h)) {
                SDL_DestroyTexture(cache->brain_tex);
                cache->brain_tex = NULL;
            }
            if (cache->brain_tex == NULL) {
                cache->brain_tex = SDL_CreateTexture(r, SDL_PIXELFORMAT_ARGB8888,
                                                     SDL_TEXTUREACCESS_TARGET, at.w, at.h);
            }
            SDL_Texture *old = SDL_GetRenderTarget(r);
            if (cache->brain_tex != NULL && SDL_SetRenderTarget(r, cache->brain_tex) == 0) {
                panel_fill(r, (SDL_Rect){0, 0, at.w, at.h});
                draw_connections(r, g, b->recurrent, n, px, py, (float)-at.x, (float)-at.y);
                SDL_SetRenderTarget(r, old);
                cache->brain_agent = b->agent;
                cache->brain_generation = s->generation;
                cache->brain_conns = g->conn_count;
                cache->brain_nodes = n;
                cache->brain_w = at.w;
                cache->brain_h = at.h;
                same = true;
            }
        }
        if (same) {
            SDL_SetTextureBlendMode(cache->brain_tex, SDL_BLENDMODE_NONE);
            SDL_RenderCopy(r, cache->brain_tex, NULL, &at);
            copied = true;
        }
    }
    if (!copied) {
        draw_connections(r, g, b->recurrent, n, px, py, 0, 0);
    }
    font_draw(ui->font, at.x + 12, at.y + 6, VIEW_TEXT, "Brain");
    font_drawf(f, at.x + 80, at.y + 9, VIEW_DIM, "%d inputs, %d hidden, %d outputs, %d connections",
               g->inputs, hidden, g->outputs, enabled);
    DrawBatch *batch = view_batch(ui);
    /* nodes and labels */
    SDL_Color ring = {170, 176, 188, 255};
    for (int i = 0; i < n; ++i) {
        const NodeGene *ng = &g->nodes[i];
        float v = b->values[i];
        float rad = ng->kind == NODE_HIDDEN ? 6.0f : 5.0f;
        batch_disc(batch, px[i], py[i], rad + 1, ring);
        batch_disc(batch, px[i], py[i], rad, value_colour(v));
        if (ng->kind == NODE_OUTPUT) {
            int k = (int)(ng->id - (uint32_t)g->inputs - 1);
            font_drawf(f, (int)px[i] + 10, (int)py[i] - lh / 2, VIEW_TEXT, "%s",
                       k >= 0 && k < WORLD_OUTPUTS ? OUTPUT_NAMES[k] : "out");
            font_drawf(f, (int)px[i] + 10, (int)py[i] + lh / 2 - 2, value_colour(v).g > 150 || v < 0
                                                                    ? value_colour(v)
                                                                    : VIEW_DIM,
                       "%+.2f", (double)v);
        }
    }
    batch_flush(r, batch);
    /* input labels: vision rows, then the list with values */
    if (sectors > 0) {
        for (int k = 0; k < 4; ++k) {
            font_draw(f, at.x + 12, top + k * row_h + (row_h - lh) / 2, VIEW_DIM, KIND_NAMES[k]);
        }
        font_drawf(f, left, top - lh - 1, VIEW_DIM, "vision, sectors 0..%d", sectors - 1);
    }
    for (int i = 0; i < n; ++i) {
        const NodeGene *ng = &g->nodes[i];
        int kind, sector;
        if (ng->kind != NODE_INPUT && ng->kind != NODE_BIAS) {
            continue;
        }
        const char *name = ng->kind == NODE_BIAS ? "bias" : s->input_names[pop * WORLD_MAX_INPUTS + i];
        if (ng->kind == NODE_INPUT && vision_name(name, &kind, &sector)) {
            continue;
        }
        if (list_step >= (float)lh - 2) {
            font_draw(f, at.x + 12, (int)py[i] - lh / 2, VIEW_DIM, name);
            font_drawf(f, at.x + 12 + label_w, (int)py[i] - lh / 2, VIEW_TEXT, "%+.2f",
                       (double)b->values[i]);
        }
    }
}
