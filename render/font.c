/*
 * Text: DejaVu Sans Mono (Debian's fonts-dejavu-core) through SDL2_ttf,
 * rendered once per printable ASCII character into one atlas texture;
 * drawing a string copies glyph rectangles, tinted by colour modulation.
 * The font is monospaced, so a string's width is its length times the
 * advance.
 */
#include "render/render_internal.h"

#include <SDL_ttf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define FONT_FIRST 32
#define FONT_LAST 126
#define FONT_DEFAULT_PATH "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

struct ViewFont {
    SDL_Renderer *r;
    SDL_Texture *atlas;
    int advance, height;
};

ViewFont *font_create(SDL_Renderer *r, int px, char *err, size_t cap)
{
    const char *path = getenv("PETRI_FONT");
    if (path == NULL || path[0] == '\0') {
        path = FONT_DEFAULT_PATH;
    }
    if (!TTF_WasInit() && TTF_Init() != 0) {
        snprintf(err, cap, "cannot start SDL2_ttf: %s", TTF_GetError());
        return NULL;
    }
    TTF_Font *tf = TTF_OpenFont(path, px);
    if (tf == NULL) {
        snprintf(err, cap,
                 "%s: cannot open the viewer's font (%s); install it with `make deps` "
                 "(Debian package fonts-dejavu-core) or name a .ttf file in PETRI_FONT",
                 path, TTF_GetError());
        return NULL;
    }
    TTF_SetFontHinting(tf, TTF_HINTING_LIGHT);
    int adv = 0;
    TTF_GlyphMetrics(tf, 'M', NULL, NULL, NULL, NULL, &adv);
    int height = TTF_FontLineSkip(tf);
    int count = FONT_LAST - FONT_FIRST + 1;
    SDL_Surface *sheet =
        SDL_CreateRGBSurfaceWithFormat(0, adv * count, height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (sheet == NULL) {
        snprintf(err, cap, "cannot make the font atlas: %s", SDL_GetError());
        TTF_CloseFont(tf);
        return NULL;
    }
    SDL_FillRect(sheet, NULL, SDL_MapRGBA(sheet->format, 255, 255, 255, 0));
    SDL_Color white = {255, 255, 255, 255};
    for (int c = FONT_FIRST; c <= FONT_LAST; ++c) {
        SDL_Surface *g = TTF_RenderGlyph_Blended(tf, (Uint16)c, white);
        if (g == NULL) {
            continue;
        }
        SDL_SetSurfaceBlendMode(g, SDL_BLENDMODE_NONE);
        SDL_Rect src = {0, 0, g->w < adv ? g->w : adv, g->h < height ? g->h : height};
        SDL_Rect dst = {(c - FONT_FIRST) * adv, 0, src.w, src.h};
        SDL_BlitSurface(g, &src, sheet, &dst);
        SDL_FreeSurface(g);
    }
    TTF_CloseFont(tf);
    SDL_Texture *t = SDL_CreateTextureFromSurface(r, sheet);
    SDL_FreeSurface(sheet);
    if (t == NULL) {
        snprintf(err, cap, "cannot make the font texture: %s", SDL_GetError());
        return NULL;
    }
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    ViewFont *f = petri_alloc(sizeof *f);
    f->r = r;
    f->atlas = t;
    f->advance = adv;
    f->height = height;
    return f;
}

void font_destroy(ViewFont *f)
{
    if (f == NULL) {
        return;
    }
    SDL_DestroyTexture(f->atlas);
    petri_free(f, sizeof *f);
}

int font_height(const ViewFont *f)
{
    return f->height;
}

int font_width(const ViewFont *f, const char *text)
{
    int n = 0;
    for (const char *p = text; *p != '\0' && *p != '\n'; ++p) {
        ++n;
    }
    return n * f->advance;
}

int font_draw(ViewFont *f, int x, int y, SDL_Color c, const char *text)
{
    SDL_SetTextureColorMod(f->atlas, c.r, c.g, c.b);
    SDL_SetTextureAlphaMod(f->atlas, c.a);
    int x0 = x;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; ++p) {
        if (*p == '\n') {
            x = x0;
            y += f->height;
            continue;
        }
        int ch = (*p >= FONT_FIRST && *p <= FONT_LAST) ? *p : '?';
        if (ch != ' ') {
            SDL_Rect src = {(ch - FONT_FIRST) * f->advance, 0, f->advance, f->height};
            SDL_Rect dst = {x, y, f->advance, f->height};
            SDL_RenderCopy(f->r, f->atlas, &src, &dst);
        }
        x += f->advance;
    }
    return x;
}

int font_drawf(ViewFont *f, int x, int y, SDL_Color c, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return font_draw(f, x, y, c, buf);
}
