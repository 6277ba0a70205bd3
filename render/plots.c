/*
 * Live plots, drawn with SDL itself: best (solid) and mean (thin) fitness
 * per population over generations or epochs, population sizes, and the
 * species of one population as a stacked area.
 */
#include "render/render_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void plot_history_init(PlotHistory *h)
{
    memset(h, 0, sizeof *h);
}

void plot_history_fini(PlotHistory *h)
{
    petri_free(h->rows, sizeof(PlotRow) * (size_t)h->cap);
    memset(h, 0, sizeof *h);
}

void plot_history_add(PlotHistory *h, const PlotRow *row)
{
    if (h->count == h->cap) {
        int cap = h->cap > 0 ? h->cap * 2 : 256;
        h->rows = petri_realloc(h->rows, sizeof(PlotRow) * (size_t)h->cap,
                                sizeof(PlotRow) * (size_t)cap);
        h->cap = cap;
    }
    h->rows[h->count++] = *row;
}

typedef struct Frame {
    SDL_Rect box;    /* the plotting area */
    double y0, y1;   /* value range */
    int n;           /* points */
} Frame;

static float fx(const Frame *f, int i)
{
    return (float)f->box.x + (f->n > 1 ? (float)f->box.w * (float)i / (float)(f->n - 1) : 0.0f);
}

static float fy(const Frame *f, double v)
{
    double t = f->y1 > f->y0 ? (v - f->y0) / (f->y1 - f->y0) : 0.0;
    return (float)(f->box.y + f->box.h) - (float)(t * f->box.h);
}

static void nice_range(double *lo, double *hi)
{
    if (!(*hi > *lo)) {
        *hi = *lo + 1.0;
    }
    double span = *hi - *lo;
    *hi += span * 0.15; /* headroom: the top label sits above the lines */
    if (*lo < 0) {
        *lo -= span * 0.05;
    }
}

static void frame_draw(SDL_Renderer *r, const ViewUi *ui, const Frame *f, const char *title,
                       int gens)
{
    ViewFont *font = ui->small;
    int lh = font_height(font);
    fill_opaque(r, &f->box, (SDL_Color){20, 22, 27, 255});
    SDL_SetRenderDrawColor(r, 60, 65, 75, 255);
    SDL_RenderDrawRect(r, &f->box);
    font_draw(font, f->box.x, f->box.y - lh - 2, VIEW_TEXT, title);
    char lab[32];
    snprintf(lab, sizeof lab, "%.4g", f->y1);
    font_draw(font, f->box.x + 3, f->box.y + 2, VIEW_DIM, lab);
    snprintf(lab, sizeof lab, "%.4g", f->y0);
    font_draw(font, f->box.x + 3, f->box.y + f->box.h - lh - 1, VIEW_DIM, lab);
    snprintf(lab, sizeof lab, "%d", gens);
    font_draw(font, f->box.x + f->box.w - font_width(font, lab), f->box.y + f->box.h + 1,
              VIEW_DIM, lab);
}

static void series(SDL_Renderer *r, const Frame *f, const PlotHistory *h, int which, int pop,
                   float width, SDL_Color c)
{
    for (int i = 1; i < h->count; ++i) {
        const PlotRow *a = &h->rows[i - 1], *b = &h->rows[i];
        const double *va = which == 0 ? a->best : (which == 1 ? a->mean : a->count);
        const double *vb = which == 0 ? b->best : (which == 1 ? b->mean : b->count);
        draw_line_w(r, fx(f, i - 1), fy(f, va[pop]), fx(f, i), fy(f, vb[pop]), width, c);
    }
}

void draw_plots(SDL_Renderer *r, const ViewUi *ui, const PlotHistory *h, SDL_Rect at)
{
    fill_opaque(r, &at, VIEW_PANEL);
    SDL_SetRenderDrawColor(r, 52, 57, 66, 255);
    SDL_RenderDrawLine(r, at.x, at.y, at.x + at.w - 1, at.y);
    SDL_RenderDrawLine(r, at.x, at.y, at.x, at.y + at.h - 1);
    ViewFont *font = ui->small;
    int lh = font_height(font);
    int pad = 12, gap = 14;
    int w = (at.w - 2 * pad - 2 * gap) / 3;
    int top = at.y + 8 + lh + 2 + lh + 4;
    int hgt = at.y + at.h - top - lh - 6;
    /* legend: one colour per population */
    int lx = at.x + pad;
    for (int p = 0; p < h->pop_count; ++p) {
        SDL_Color c = view_pop_colour(p);
        SDL_Rect sw = {lx, at.y + 8 + lh / 2 - 4, 10, 8};
        SDL_SetRenderDrawColor(r, c.r, c.g, c.b, 255);
        SDL_RenderFillRect(r, &sw);
        lx = font_draw(font, lx + 14, at.y + 8, VIEW_TEXT, h->pop_names[p]) + 14;
    }
    font_draw(font, lx, at.y + 8, VIEW_DIM, "(best solid, mean thin)");
    if (h->count == 0) {
        font_draw(font, at.x + pad, top + hgt / 2, VIEW_DIM,
                  "the plots start after the first generation (or epoch)");
        return;
    }
    Frame f[3];
    for (int k = 0; k < 3; ++k) {
        f[k].box = (SDL_Rect){at.x + pad + k * (w + gap), top, w, hgt};
        f[k].n = h->count;
        f[k].y0 = INFINITY;
        f[k].y1 = -INFINITY;
    }
    for (int i = 0; i < h->count; ++i) {
        const PlotRow *row = &h->rows[i];
        for (int p = 0; p < h->pop_count; ++p) {
            f[0].y0 = fmin(f[0].y0, fmin(row->best[p], row->mean[p]));
            f[0].y1 = fmax(f[0].y1, fmax(row->best[p], row->mean[p]));
            f[1].y1 = fmax(f[1].y1, row->count[p]);
        }
        double tot = 0;
        for (int k = 0; k < row->species_count; ++k) {
            tot += row->species_size[k];
        }
        f[2].y1 = fmax(f[2].y1, tot);
    }
    f[0].y0 = fmin(f[0].y0, 0.0);
    f[1].y0 = 0;
    f[2].y0 = 0;
    for (int k = 0; k < 3; ++k) {
        nice_range(&f[k].y0, &f[k].y1);
    }
    char title[64];
    int gens = h->count;
    frame_draw(r, ui, &f[0], "fitness", gens);
    frame_draw(r, ui, &f[1], "population", gens);
    snprintf(title, sizeof title, "species of %s", h->pop_names[h->species_pop]);
    frame_draw(r, ui, &f[2], title, gens);
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    DrawBatch *batch = view_batch(ui);
    for (int p = 0; p < h->pop_count; ++p) {
        SDL_Color c = view_pop_colour(p);
        SDL_Color dim = c;
        dim.a = 170;
        series(r, &f[0], h, 1, p, 1.0f, dim);
        series(r, &f[0], h, 0, p, 2.0f, c);
        series(r, &f[1], h, 2, p, 2.0f, c);
    }
    /* species: stacked bands, each species in its own colour, band k of a
     * generation between the sums of the sizes of species before it */
    for (int i = 1; i < h->count; ++i) {
        const PlotRow *a = &h->rows[i - 1], *b = &h->rows[i];
        double base_a = 0, base_b = 0;
        /* walk species ids present in either row in id order */
        int ia = 0, ib = 0;
        while (ia < a->species_count || ib < b->species_count) {
            int ida = ia < a->species_count ? a->species_id[ia] : INT32_MAX;
            int idb = ib < b->species_count ? b->species_id[ib] : INT32_MAX;
            int id = ida < idb ? ida : idb;
            double sa = ida == id ? a->species_size[ia++] : 0;
            double sb = idb == id ? b->species_size[ib++] : 0;
            SDL_Color c = view_species_colour(id);
            c.a = 220;
            float x0 = fx(&f[2], i - 1), x1 = fx(&f[2], i);
            float q[12] = {x0, fy(&f[2], base_a), x1, fy(&f[2], base_b), x1,
                           fy(&f[2], base_b + sb), x0, fy(&f[2], base_a), x1,
                           fy(&f[2], base_b + sb), x0, fy(&f[2], base_a + sa)};
            batch_tri(batch, q[0], q[1], q[2], q[3], q[4], q[5], c);
            batch_tri(batch, q[6], q[7], q[8], q[9], q[10], q[11], c);
            base_a += sa;
            base_b += sb;
        }
    }
    batch_flush(r, batch);
}

void plot_row_from_stats(PlotRow *row, const PopStats *stats, int pop_count)
{
    memset(row, 0, sizeof *row);
    for (int k = 0; k < pop_count && k < WORLD_MAX_POPULATIONS; ++k) {
        row->best[k] = stats[k].v[STOP_FIELD_FITNESS_MAX];
        row->mean[k] = stats[k].v[STOP_FIELD_FITNESS_MEAN];
        row->count[k] = stats[k].v[STOP_FIELD_POP_COUNT];
    }
}

/* Splits one CSV line (no quoting: names are plain words) into up to cap
 * fields; returns the count. line is changed. */
static int csv_fields(char *line, char **f, int cap)
{
    int n = 0;
    char *p = line;
    while (n < cap) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (c == NULL) {
            break;
        }
        *c = '\0';
        p = c + 1;
    }
    return n;
}

void plot_row_add_species(PlotRow *row, const char *text, size_t len, const char *pop_name)
{
    size_t at = 0;
    while (at < len) {
        size_t end = at;
        while (end < len && text[end] != '\n') {
            ++end;
        }
        char line[512];
        size_t n = end - at < sizeof line - 1 ? end - at : sizeof line - 1;
        memcpy(line, text + at, n);
        line[n] = '\0';
        at = end + 1;
        char *f[6];
        if (csv_fields(line, f, 6) < 4 || strcmp(f[1], pop_name) != 0) {
            continue;
        }
        int id = atoi(f[2]);
        double size = atof(f[3]);
        /* keep the largest: replace the smallest kept when full */
        int k = row->species_count;
        if (k == PLOT_MAX_SPECIES) {
            int small = 0;
            for (int i = 1; i < k; ++i) {
                small = row->species_size[i] < row->species_size[small] ? i : small;
            }
            if (row->species_size[small] >= size) {
                continue;
            }
            for (int i = small; i + 1 < k; ++i) {
                row->species_id[i] = row->species_id[i + 1];
                row->species_size[i] = row->species_size[i + 1];
            }
            k = --row->species_count;
        }
        /* insert sorted by id */
        int i = k;
        while (i > 0 && row->species_id[i - 1] > id) {
            row->species_id[i] = row->species_id[i - 1];
            row->species_size[i] = row->species_size[i - 1];
            --i;
        }
        row->species_id[i] = id;
        row->species_size[i] = size;
        row->species_count++;
    }
}

void plot_history_load(PlotHistory *h, const char *dir, const RunDef *def, uint64_t upto)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL || upto == 0) {
        if (f != NULL) {
            fclose(f);
        }
        return;
    }
    int start = h->count;
    for (uint64_t g = 0; g < upto; ++g) {
        PlotRow row;
        memset(&row, 0, sizeof row);
        plot_history_add(h, &row);
    }
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *fl[16];
        if (csv_fields(line, fl, 16) < 5) {
            continue;
        }
        long g = atol(fl[0]);
        if (g < 1 || (uint64_t)g > upto) {
            continue; /* the header, or past the checkpoint */
        }
        for (int p = 0; p < def->population_count; ++p) {
            if (strcmp(def->populations[p].name, fl[1]) == 0) {
                PlotRow *row = &h->rows[start + g - 1];
                row->count[p] = atof(fl[2]);
                row->best[p] = atof(fl[3]);
                row->mean[p] = atof(fl[4]);
            }
        }
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/species.csv", dir);
    f = fopen(path, "r");
    if (f == NULL) {
        return;
    }
    const char *name = def->populations[h->species_pop].name;
    while (fgets(line, sizeof line, f) != NULL) {
        long g = atol(line);
        if (g >= 1 && (uint64_t)g <= upto) {
            plot_row_add_species(&h->rows[start + g - 1], line, strcspn(line, "\r\n"), name);
        }
    }
    fclose(f);
}
