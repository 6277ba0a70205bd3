/*
 * The selected agent's parents (in the inspector) and its line of
 * descent (the lineage panel, `l`): the agent, its first parent, that
 * one's first parent, ... each line naming both parents, its species,
 * and when it was born (and died).
 */
#include "render/render_internal.h"

#include <stdio.h>
#include <string.h>

/* "#a + #b", "#a", or "" into out. */
static void parent_ids(uint32_t a, uint32_t b, char *out, size_t cap)
{
    if (a == WORLD_NO_ID) {
        out[0] = '\0';
    } else if (b == WORLD_NO_ID) {
        snprintf(out, cap, "#%u", a);
    } else {
        snprintf(out, cap, "#%u + #%u", a, b);
    }
}

/* The lineage entry of the selected agent a, when the snapshot has it. */
static const LineageEntry *own_entry(const ViewSnapshot *s, const SnapAgent *a)
{
    if (s->lineage_count == 0) {
        return NULL;
    }
    const LineageEntry *e = &s->lineage[0];
    bool generational = s->mode == EVOLUTION_GENERATIONAL;
    return e->pop == a->pop && e->id == (generational ? (uint32_t)a->genome : a->id) ? e : NULL;
}

bool view_parents_text(const ViewSnapshot *s, const SnapAgent *a, char *out, size_t cap)
{
    const LineageEntry *e = own_entry(s, a);
    char ids[64];
    if (s->mode == EVOLUTION_GENERATIONAL) {
        if (a->genome < 0) {
            /* no genome of the population's: born during this episode */
            parent_ids(a->parent, WORLD_NO_ID, ids, sizeof ids);
            snprintf(out, cap, "born in this episode, parent %s", ids[0] ? ids : "none");
            return a->parent != WORLD_NO_ID;
        }
        unsigned long long g = (unsigned long long)s->generation + 1;
        if (e == NULL || e->cause == LINEAGE_UNKNOWN) {
            snprintf(out, cap, "genome #%d   parents: not recorded (gen %llu)", a->genome, g - 1);
            return false;
        }
        if (e->cause == LINEAGE_FOUNDER || e->parent1 == WORLD_NO_ID) {
            snprintf(out, cap, "genome #%d   parents: none (%s)", a->genome,
                     e->cause == LINEAGE_MIGRANT ? "a migrant" : "a founder");
            return true;
        }
        parent_ids(e->parent1, e->parent2, ids, sizeof ids);
        snprintf(out, cap, "genome #%d   %s %s (gen %llu%s)", a->genome,
                 e->parent2 == WORLD_NO_ID ? "parent" : "parents", ids, g - 1,
                 e->parent2 == WORLD_NO_ID ? ", copied" : "");
        return true;
    }
    uint32_t mate = e != NULL ? e->parent2 : WORLD_NO_ID;
    if (a->parent == WORLD_NO_ID) {
        snprintf(out, cap, "parents: none (%s)   born tick %llu",
                 e != NULL && e->cause == LINEAGE_RESEED ? "reseeded from the hall of fame"
                                                         : "a founder",
                 (unsigned long long)a->counters.birth_tick);
        return true;
    }
    parent_ids(a->parent, mate, ids, sizeof ids);
    snprintf(out, cap, "parents %s   born tick %llu", ids,
             (unsigned long long)a->counters.birth_tick);
    return true;
}

/* One line of the panel for entry e into out. */
static void entry_line(const ViewSnapshot *s, const LineageEntry *e, char *out, size_t cap)
{
    char ids[64];
    parent_ids(e->parent1, e->parent2, ids, sizeof ids);
    char sp[24] = "";
    if (e->species >= 0) {
        snprintf(sp, sizeof sp, "species %d", e->species);
    }
    if (s->mode == EVOLUTION_GENERATIONAL) {
        unsigned long long g = (unsigned long long)e->generation;
        switch (e->cause) {
        case LINEAGE_FOUNDER:
            snprintf(out, cap, "gen %-5llu #%-5u a founder", g, e->id);
            return;
        case LINEAGE_UNKNOWN:
            snprintf(out, cap, "gen %-5llu #%-5u (older: not in this session's rows)", g, e->id);
            return;
        default:
            snprintf(out, cap, "gen %-5llu #%-5u %-11s %s %s", g, e->id, sp,
                     e->parent1 == WORLD_NO_ID   ? "no parents (a migrant)"
                     : e->parent2 == WORLD_NO_ID ? "parent"
                                                 : "parents",
                     ids);
            return;
        }
    }
    char born[48];
    if (e->generation > 0) {
        snprintf(born, sizeof born, "born epoch %llu tick %llu", (unsigned long long)e->generation,
                 (unsigned long long)e->tick);
    } else {
        snprintf(born, sizeof born, "born tick %llu", (unsigned long long)e->tick);
    }
    char died[48] = "";
    if (e->dead) {
        snprintf(died, sizeof died, "  died tick %llu (%s)", (unsigned long long)e->death_tick,
                 e->death);
    }
    switch (e->cause) {
    case LINEAGE_UNKNOWN:
        snprintf(out, cap, "#%-6u (older: not kept by the viewer)", e->id);
        return;
    case LINEAGE_FOUNDER:
        snprintf(out, cap, "#%-6u a founder, %s %s%s", e->id, born, sp, died);
        return;
    case LINEAGE_RESEED:
        snprintf(out, cap, "#%-6u reseeded, %s %s%s", e->id, born, sp, died);
        return;
    default:
        snprintf(out, cap, "#%-6u %s %s  %s %s%s", e->id, born, sp,
                 e->parent2 == WORLD_NO_ID ? "parent" : "parents", ids, died);
        return;
    }
}

SDL_Rect lineage_panel_rect(const ViewUi *ui, int lines, int text_w)
{
    int lh = font_height(ui->small);
    int h = (lines + 2) * lh + 16;
    int w = text_w + 20;
    w = w > ui->cam.vw - 20 ? ui->cam.vw - 20 : w;
    /* top left: the banner and the help take the bottom and the middle,
     * messages the top right */
    return (SDL_Rect){ui->cam.vx + 10, ui->cam.vy + 8, w, h};
}

void draw_lineage(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s)
{
    ViewFont *f = ui->small;
    int lh = font_height(f);
    int sel = ui->selected != WORLD_NO_ID ? snapshot_find(s, ui->selected) : -1;
    int lines = sel >= 0 ? (s->lineage_count > 0 ? s->lineage_count : 1) : 1;
    char text[VIEW_LINEAGE_DEPTH][256];
    int text_w = font_width(f, "M") * 64; /* the title's */
    for (int i = 0; sel >= 0 && i < s->lineage_count; ++i) {
        entry_line(s, &s->lineage[i], text[i], sizeof text[i]);
        int tw = font_width(f, text[i]);
        text_w = tw > text_w ? tw : text_w;
    }
    SDL_Rect b = lineage_panel_rect(ui, lines, text_w);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, 10, 12, 16, 225);
    SDL_RenderFillRect(r, &b);
    SDL_SetRenderDrawColor(r, 80, 86, 98, 255);
    SDL_RenderDrawRect(r, &b);
    int x = b.x + 10, y = b.y + 8;
    if (sel < 0) {
        font_draw(f, x, y, VIEW_TEXT, "Lineage");
        font_draw(f, x, y + lh, VIEW_DIM, "click an agent to see its line of descent");
        return;
    }
    const SnapAgent *a = &s->agents[sel];
    int xe = font_drawf(f, x, y, VIEW_TEXT, "Lineage of ");
    xe = font_drawf(f, xe, y, view_pop_colour(a->pop), "%s", s->pop_names[a->pop]);
    font_drawf(f, xe, y, VIEW_DIM, " #%u: first parents back, newest first (l: close)", a->id);
    y += lh + 4;
    if (s->lineage_count == 0) {
        font_draw(f, x, y, VIEW_DIM,
                  s->pops[a->pop].controller == CONTROLLER_BRAIN
                      ? "born during this episode: no genome of its own in the population"
                      : "a baseline: no genomes, no lineage");
        return;
    }
    for (int i = 0; i < s->lineage_count; ++i) {
        const LineageEntry *e = &s->lineage[i];
        const char *line = text[i];
        SDL_Color c = e->cause == LINEAGE_UNKNOWN ? VIEW_DIM
                      : e->species >= 0           ? view_species_colour(e->species)
                                                  : VIEW_TEXT;
        font_draw(f, x, y, i == 0 ? VIEW_TEXT : c, line);
        y += lh;
    }
}
