/*
 * The whole frame: the world, the panel (inspector, brain, plots) and the
 * overlays (status line, the last generation's figures, config messages,
 * help).
 */
#include "render/render_internal.h"

#include <stdio.h>
#include <string.h>

static const char *const HELP[] = {
    "Controls",
    "",
    "drag             pan            wheel       zoom at the cursor",
    "click            select an agent",
    "Tab              the best agent of the next population",
    "n                the next best of the same population",
    "f                follow the selected agent",
    "Home or 0        show the whole world",
    "c                colour by population / by species",
    "l                lineage of the selected agent",
    "space or p       pause / go on",
    ".                one tick (when paused)",
    "g                to the end of this generation (epoch)",
    "- and +          slower / faster",
    "x                as fast as possible (draws some frames)",
    "s                screenshot (petri-TICK.png)",
    "h or ?           this help",
    "Esc or q         quit (writes a checkpoint)",
};

/* Lines of text and the longest line, in characters. */
static void text_extent(const char *text, int *lines, int *widest)
{
    int cur = 0;
    *lines = 1;
    *widest = 0;
    for (const char *p = text; *p != '\0'; ++p) {
        if (*p == '\n') {
            ++*lines;
            cur = 0;
        } else {
            ++cur;
        }
        *widest = cur > *widest ? cur : *widest;
    }
}

/* Copies text into out breaking lines longer than cols (at a space when
 * there is one in the line's last third), keeping at most max_lines;
 * trailing newlines are dropped. */
static void wrap_text(const char *text, int cols, char *out, size_t cap, int max_lines)
{
    cols = cols < 20 ? 20 : cols;
    size_t n = 0;
    int lines = 1, col = 0;
    const char *p = text;
    while (*p != '\0' && n + 2 < cap) {
        if (*p == '\n') {
            if (p[1] == '\0' || lines == max_lines) {
                break;
            }
            out[n++] = '\n';
            ++lines;
            col = 0;
            ++p;
            continue;
        }
        if (col == cols) {
            /* break at the last space of the line if it is near the end */
            size_t back = n;
            while (back > 0 && out[back - 1] != ' ' && out[back - 1] != '\n' &&
                   n - back < (size_t)cols / 3) {
                --back;
            }
            if (lines == max_lines) {
                break;
            }
            if (back > 0 && out[back - 1] == ' ') {
                out[back - 1] = '\n';
                col = (int)(n - back);
            } else {
                out[n++] = '\n';
                col = 0;
            }
            ++lines;
        }
        out[n++] = *p++;
        ++col;
    }
    out[n] = '\0';
}

static void box(SDL_Renderer *r, SDL_Rect b, Uint8 alpha)
{
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, 10, 12, 16, alpha);
    SDL_RenderFillRect(r, &b);
    SDL_SetRenderDrawColor(r, 80, 86, 98, 255);
    SDL_RenderDrawRect(r, &b);
}

void draw_overlay(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s)
{
    ViewFont *f = ui->font;
    int lh = font_height(f);
    const SDL_Rect *w = &(SDL_Rect){ui->cam.vx, ui->cam.vy, ui->cam.vw, ui->cam.vh};
    /* the status bar above the world: where the run is, then the
     * population counts in their colours */
    ViewLayout l = view_layout(ui->width, ui->height);
    fill_opaque(r, &l.status, VIEW_PANEL);
    char line[256];
    const char *unit = s->mode == EVOLUTION_OPEN_ENDED ? "epoch" : "gen";
    char speed[64];
    if (ui->paused) {
        snprintf(speed, sizeof speed, "PAUSED");
    } else if (ui->speed_text != NULL && strcmp(ui->speed_text, "fastest") == 0) {
        snprintf(speed, sizeof speed, "fastest: %.0f ticks/s", ui->tps);
    } else {
        snprintf(speed, sizeof speed, "%s", ui->speed_text != NULL ? ui->speed_text : "");
    }
    int used = snprintf(line, sizeof line, "%s %llu  tick %llu  %s", unit,
                     (unsigned long long)s->generation + 1, (unsigned long long)s->tick, speed);
    if (ui->fps > 0) {
        snprintf(line + used, sizeof line - (size_t)used, "  %.0f fps", ui->fps);
    }
    int ty = l.status.y + (l.status.h - lh) / 2;
    int x = font_draw(f, l.status.x + 10, ty, ui->paused ? (SDL_Color){255, 210, 90, 255} : VIEW_TEXT,
                      line);
    for (int p = 0; p < s->pop_count; ++p) {
        snprintf(line, sizeof line, "%s %d", s->pop_names[p], s->pop_size[p]);
        x = font_draw(f, x + 16, ty, view_pop_colour(p), line);
    }
    font_draw(ui->small, w->x + 10, w->y + w->h - font_height(ui->small) - 6, VIEW_DIM,
              "h: help");
    if (ui->banner[0] != '\0') {
        int lines, widest;
        text_extent(ui->banner, &lines, &widest);
        int bw = widest * font_width(f, "M") + 24;
        int bh = lines * lh + 14;
        SDL_Rect bb = {w->x + (w->w - bw) / 2, w->y + w->h - bh - 28, bw, bh};
        box(r, bb, 215);
        font_draw(f, bb.x + 12, bb.y + 7, VIEW_TEXT, ui->banner);
    }
    if (ui->message[0] != '\0') {
        /* wrapped to the box, at most 14 lines */
        ViewFont *sf = ui->small;
        int cw = font_width(sf, "M");
        int maxw = w->w - 36;
        int cols = maxw / cw;
        char wrapped[2048];
        wrap_text(ui->message, cols, wrapped, sizeof wrapped, 14);
        int lines, widest;
        text_extent(wrapped, &lines, &widest);
        SDL_Rect mb = {w->x + w->w - widest * cw - 28, w->y + 8, widest * cw + 20,
                       lines * font_height(sf) + 12};
        box(r, mb, 225);
        SDL_Color c = ui->message_error ? (SDL_Color){255, 120, 100, 255}
                                        : (SDL_Color){150, 230, 150, 255};
        font_draw(sf, mb.x + 10, mb.y + 6, c, wrapped);
    }
    if (ui->help) {
        int n = (int)(sizeof HELP / sizeof HELP[0]);
        int hw = 0;
        for (int i = 0; i < n; ++i) {
            int tw = font_width(f, HELP[i]);
            hw = tw > hw ? tw : hw;
        }
        SDL_Rect hb = {w->x + (w->w - hw - 40) / 2, w->y + (w->h - n * lh - 30) / 2, hw + 40,
                       n * lh + 30};
        box(r, hb, 235);
        for (int i = 0; i < n; ++i) {
            font_draw(f, hb.x + 20, hb.y + 15 + i * lh, i == 0 ? VIEW_TEXT : VIEW_DIM, HELP[i]);
        }
    }
}

void view_draw_frame(SDL_Renderer *r, ViewUi *ui, const ViewSnapshot *s, const PlotHistory *h)
{
    ViewLayout lay = view_layout(ui->width, ui->height);
    ui->cam.vx = lay.world.x;
    ui->cam.vy = lay.world.y;
    ui->cam.vw = lay.world.w;
    ui->cam.vh = lay.world.h;
    SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r, VIEW_BG.r, VIEW_BG.g, VIEW_BG.b, 255);
    SDL_RenderClear(r);
    draw_world(r, ui, s);
    if (ui->lineage) {
        draw_lineage(r, ui, s);
    }
    draw_overlay(r, ui, s);
    draw_inspector(r, ui, s, lay.inspector);
    draw_brain(r, ui, s, lay.brain);
    draw_plots(r, ui, h, lay.plots);
}
