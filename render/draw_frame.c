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
    "space or p       pause / go on",
    ".                one tick (when paused)",
    "g                to the end of this generation (epoch)",
    "- and +          slower / faster",
    "x                as fast as possible (draws some frames)",
    "s                screenshot (petri-TICK.png)",
    "h or ?           this help",
    "Esc or q         quit (writes a checkpoint)",
};

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
    SDL_SetRenderDrawColor(r, VIEW_PANEL.r, VIEW_PANEL.g, VIEW_PANEL.b, 255);
    SDL_RenderFillRect(r, &l.status);
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
        int bw = font_width(f, ui->banner) + 20;
        SDL_Rect bb = {w->x + (w->w - bw) / 2, w->y + w->h - 2 * lh - 16, bw, lh + 10};
        box(r, bb, 210);
        font_draw(f, bb.x + 10, bb.y + 5, VIEW_TEXT, ui->banner);
    }
    if (ui->message[0] != '\0') {
        int lines = 1, widest = 0, cur = 0;
        for (const char *p = ui->message; *p != '\0'; ++p) {
            if (*p == '\n') {
                ++lines;
                cur = 0;
            } else {
                ++cur;
            }
            widest = cur > widest ? cur : widest;
        }
        int cw = font_width(ui->small, "M");
        int mw = widest * cw + 20;
        mw = mw > w->w - 16 ? w->w - 16 : mw;
        SDL_Rect mb = {w->x + w->w - mw - 8, w->y + 8, mw,
                       lines * font_height(ui->small) + 12};
        box(r, mb, 220);
        SDL_Color c = ui->message_error ? (SDL_Color){255, 120, 100, 255}
                                        : (SDL_Color){150, 230, 150, 255};
        SDL_RenderSetClipRect(r, &mb);
        font_draw(ui->small, mb.x + 10, mb.y + 6, c, ui->message);
        SDL_RenderSetClipRect(r, NULL);
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
    draw_overlay(r, ui, s);
    draw_inspector(r, ui, s, lay.inspector);
    draw_brain(r, ui, s, lay.brain);
    draw_plots(r, ui, h, lay.plots);
}
