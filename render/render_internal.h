/* Shared only by the files of render/ and the tests. */
#ifndef PETRI_RENDER_INTERNAL_H
#define PETRI_RENDER_INTERNAL_H

#include "render/render.h"
#include "sim/sim.h"

#include <SDL.h>

/* ------------------------------------------------------------ snapshot
 * (render/snapshot.c) A copy of everything the window draws of one tick,
 * made on the simulation's thread (by the run's observer) and read on the
 * main thread. It owns its arrays; capturing again reuses them and grows
 * them only when the world grew. No SDL here. */

#define VIEW_NAME_LEN 24

typedef struct SnapAgent {
    uint32_t id, parent;
    int16_t pop;
    int16_t species; /* -1: unknown */
    int32_t genome;  /* generational: its genome's index in the population; -1 */
    float x, y, heading, energy, radius;
    float fitness;   /* the population's fitness weights over the counters so far */
    uint32_t age;
    AgentCounters counters;
} SnapAgent;

/* The selected agent's brain: its genome and the value of each node (in
 * the genome's node order) after the tick. */
typedef struct SnapBrain {
    bool valid;
    uint32_t agent;
    Genome genome;
    float *values;
    int value_cap;
    uint8_t *recurrent; /* per connection, brain_find_recurrent */
    int recurrent_cap;
} SnapBrain;

/* ------------------------------------------------------------ lineage
 * (render/lineage.c) Who descends from whom, from the run's lineage rows
 * (run_lineage_rows), and the species of open-ended agents. Kept on the
 * simulation's thread; the snapshot copies the selected agent's line. */

enum { LINEAGE_UNKNOWN = 0, LINEAGE_FOUNDER, LINEAGE_BIRTH, LINEAGE_RESEED, LINEAGE_MIGRANT };
#define LINEAGE_MAX_ENTRIES (1 << 18) /* then the oldest quarter goes */
#define LINEAGE_MAX_SPECIES 256       /* per population, as species.csv */
#define VIEW_LINEAGE_DEPTH 12         /* generations shown */

typedef struct LineageEntry {
    uint64_t generation; /* generational: the generation it ran in; open-ended: epoch of birth
                            (0: before the book) */
    uint64_t tick;       /* open-ended: birth tick */
    uint64_t death_tick; /* open-ended, when dead */
    uint32_t id;         /* open-ended: agent id; generational: genome index */
    uint32_t parent1;    /* generational: genome index one generation back; WORLD_NO_ID: none */
    uint32_t parent2;    /* the other parent of a crossover (or mate); WORLD_NO_ID: none */
    int16_t pop;
    int16_t species;     /* -1: none or unknown */
    uint8_t cause;       /* LINEAGE_* */
    bool dead;
    char death[14];      /* cause of death (lineage.csv's) */
} LineageEntry;

typedef struct LineageBook {
    int mode; /* EvolutionMode */
    LineageEntry *e; /* sorted by key */
    int count, cap;
    uint64_t dropped;
    int pop_count;
    char pop_names[WORLD_MAX_POPULATIONS][32];
    size_t parsed; /* bytes of this step's run_lineage_rows read */
    Genome *reps[WORLD_MAX_POPULATIONS]; /* open-ended species representatives */
    int rep_count[WORLD_MAX_POPULATIONS];
} LineageBook;

/* The species of a new open-ended birth (its entry as parsed). */
typedef int (*LineageSpeciesFn)(void *user, const LineageEntry *e);

void lineage_init(LineageBook *b, int mode, const RunDef *def);
void lineage_fini(LineageBook *b);
/* Adds the whole lines of lineage.csv rows in text (len bytes); returns
 * the bytes used (a partial last line is left). species_of (may be NULL)
 * gives each open-ended birth its species. */
size_t lineage_add_rows(LineageBook *b, const char *text, size_t len,
                        LineageSpeciesFn species_of, void *user);
/* Adds the rows of the last max_bytes of a run's lineage.csv (a resumed
 * run's past); a missing file adds none. */
PetriStatus lineage_load_file(LineageBook *b, const char *path, size_t max_bytes,
                              PetriError *err);
/* Generational: generation is the one the genome ran in; open-ended: 0. */
const LineageEntry *lineage_find(const LineageBook *b, uint64_t generation, int pop, uint32_t id);
/* The species of genome g of population pop: the first representative
 * within nd->compat_threshold, else a new one (-1 past 256). */
int lineage_species_assign(LineageBook *b, int pop, const Genome *g, const NeatDef *nd);
void lineage_species_reset(LineageBook *b);
/* Open-ended, between steps (v from run_view_world): species.csv's
 * clustering of the living agents, stored in their entries (added for
 * agents the book has not seen: founders, a resumed run's agents). */
void lineage_cluster_world(LineageBook *b, const Run *run, const RunView *v);
/* The line of descent of (generation, pop, id), following first parents:
 * the agent, its parent, grandparent, ... up to cap entries. A missing
 * ancestor ends the line with an entry of cause LINEAGE_FOUNDER
 * (generation 1's genomes) or LINEAGE_UNKNOWN. Returns the count. */
int lineage_chain(const LineageBook *b, uint64_t generation, int pop, uint32_t id,
                  LineageEntry *out, int cap);

typedef struct ViewSnapshot {
    uint64_t tick;        /* the world's tick */
    uint64_t generation;  /* generations (epochs) completed */
    int mode;             /* EvolutionMode */
    double size[2];
    int edges;            /* WorldEdges */
    int pop_count;
    char pop_names[WORLD_MAX_POPULATIONS][32];
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    FitnessDef fitness[WORLD_MAX_POPULATIONS];
    int pop_size[WORLD_MAX_POPULATIONS];
    /* input names of each population, pop * WORLD_MAX_INPUTS + i */
    char (*input_names)[VIEW_NAME_LEN];
    int input_count[WORLD_MAX_POPULATIONS];
    /* food */
    int food_nx, food_ny;
    double food_capacity;
    float *plant, *meat;
    int food_cap;
    ObstacleDef obstacles[WORLD_MAX_OBSTACLES + 64];
    int obstacle_count;
    /* agents, sorted by id */
    SnapAgent *agents;
    int agent_count, agent_cap;
    SnapBrain brain;
    /* the selected agent's line of descent (lineage_chain), itself first */
    LineageEntry lineage[VIEW_LINEAGE_DEPTH];
    int lineage_count;
} ViewSnapshot;

void snapshot_init(ViewSnapshot *s);
void snapshot_fini(ViewSnapshot *s);
/* Copies the world (agents, food, obstacles, populations); species of
 * agents stay -1 until snapshot_set_species. fitness may be NULL (all
 * weights 0 but energy_plants and energy_meat 1). Not during a tick. */
void snapshot_capture_world(ViewSnapshot *s, const World *w, const FitnessDef *fitness);
/* The selected agent's brain: g and its node values (g->node_count
 * floats, genome order); g NULL: no brain (a baseline agent). */
void snapshot_capture_brain(ViewSnapshot *s, uint32_t agent, const Genome *g,
                            const float *values);
/* The same from a compiled brain (brain_to_genome, brain_node_values):
 * what the observer has. */
void snapshot_capture_brain_pool(ViewSnapshot *s, uint32_t agent, const BrainPool *pool,
                                 int brain);
/* Index into s->agents of id, or -1. */
int snapshot_find(const ViewSnapshot *s, uint32_t id);
/* Index of the agent nearest to (x, y) in world units within `reach`
 * beyond its radius, or -1. */
int snapshot_pick(const ViewSnapshot *s, double x, double y, double reach);
/* Index of the agent of pop with the highest fitness, or -1; `after`
 * (an id, or WORLD_NO_ID) picks the best below that agent's fitness
 * instead, to cycle. */
int snapshot_best(const ViewSnapshot *s, int pop, uint32_t after);

/* ------------------------------------------------------------ plots
 * (render/plots.c) The history the plots draw: one row per generation
 * (epoch). Kept on the main thread. */

#define PLOT_MAX_SPECIES 16 /* species drawn per population; the rest as "other" */

typedef struct PlotRow {
    double best[WORLD_MAX_POPULATIONS];
    double mean[WORLD_MAX_POPULATIONS];
    double count[WORLD_MAX_POPULATIONS];
    /* species sizes of population 0 (the first brain population): the
     * sizes of its largest species, sorted by species id */
    int species_id[PLOT_MAX_SPECIES];
    double species_size[PLOT_MAX_SPECIES];
    int species_count;
} PlotRow;

typedef struct PlotHistory {
    PlotRow *rows;
    int count, cap;
    int pop_count;
    char pop_names[WORLD_MAX_POPULATIONS][32];
    int species_pop; /* the population whose species are stacked */
} PlotHistory;

void plot_history_init(PlotHistory *h);
void plot_history_fini(PlotHistory *h);
void plot_history_add(PlotHistory *h, const PlotRow *row);
/* A row's fitness and counts from a step's statistics (stats[pop]). */
void plot_row_from_stats(PlotRow *row, const PopStats *stats, int pop_count);
/* Adds the species sizes of population `pop_name` from species.csv rows
 * (text, len bytes: generation,population,species,size,...): the
 * largest PLOT_MAX_SPECIES, sorted by species id. */
void plot_row_add_species(PlotRow *row, const char *text, size_t len, const char *pop_name);
/* Loads the rows of generations 1..upto from DIR/stats.csv and
 * DIR/species.csv (a resumed run's history); missing files: no rows. */
void plot_history_load(PlotHistory *h, const char *dir, const RunDef *def, uint64_t upto);

/* ------------------------------------------------------------ camera
 * (render/camera.c) World to screen: screen = (world - centre) * zoom +
 * viewport centre, with y flipped so that y grows upwards as in the
 * world's equations. */

typedef struct Camera {
    double cx, cy;     /* world point at the viewport centre */
    double zoom;       /* pixels per world unit */
    int vx, vy, vw, vh; /* viewport on screen, pixels */
} Camera;

/* Shows a whole world of size w x h in the viewport, with a margin. */
void camera_fit(Camera *c, double w, double h);
void camera_to_screen(const Camera *c, double x, double y, float *sx, float *sy);
void camera_to_world(const Camera *c, double sx, double sy, double *x, double *y);
/* Zooms by factor keeping the world point under the screen point
 * (sx, sy) where it is; zoom stays within [min_zoom, max_zoom]. */
void camera_zoom_at(Camera *c, double factor, double sx, double sy, double min_zoom,
                    double max_zoom);
/* Moves by a drag of (dx, dy) pixels. */
void camera_pan(Camera *c, double dx, double dy);

/* ------------------------------------------------------------ text
 * (render/font.c) Monospaced text from an atlas of DejaVu Sans Mono
 * glyphs (SDL2_ttf, Debian's fonts-dejavu-core), made once per renderer. */

typedef struct ViewFont ViewFont;

/* Opens the font (PETRI_FONT, else Debian's DejaVu Sans Mono) at px pixels
 * and builds its atlas on r. NULL with a message in err when the font
 * file is missing. */
ViewFont *font_create(SDL_Renderer *r, int px, char *err, size_t cap);
void font_destroy(ViewFont *f);
int font_height(const ViewFont *f);
int font_width(const ViewFont *f, const char *text); /* pixels */
/* Draws text with its top-left corner at (x, y); returns the x after it. */
int font_draw(ViewFont *f, int x, int y, SDL_Color c, const char *text);
int font_drawf(ViewFont *f, int x, int y, SDL_Color c, const char *fmt, ...)
    PETRI_PRINTF(5, 6);

/* ------------------------------------------------------------ drawing
 * (render/draw_*.c) Everything drawn from a snapshot onto a renderer. The
 * same code draws into the window and off-screen. */

typedef enum ColourBy { COLOUR_BY_POPULATION = 0, COLOUR_BY_SPECIES } ColourBy;

/* What the window shows besides the snapshot: chosen by the user on the
 * main thread. */
typedef struct ViewUi {
    Camera cam;
    int width, height;       /* window, pixels */
    int colour_by;           /* ColourBy */
    uint32_t selected;       /* agent id, WORLD_NO_ID: none */
    bool follow;
    bool help;
    bool lineage;            /* the lineage panel */
    bool paused;
    const char *speed_text;  /* "60 ticks/s", "fastest" */
    double fps, tps;         /* measured frames and ticks per second */
    char banner[256];        /* the last generation's figures */
    char message[512];       /* config changes and errors, one per line */
    bool message_error;
    ViewFont *font, *small;
    struct DrawCache *cache; /* textures and vertex buffers, made on first use */
} ViewUi;

/* Frees what drawing cached in ui (textures, buffers) and the fonts. */
void view_ui_fini(ViewUi *ui);

/* The layout of the window: the world on the left, the panel (inspector,
 * brain, plots) on the right. */
typedef struct ViewLayout {
    SDL_Rect status, world, inspector, brain, plots;
} ViewLayout;
ViewLayout view_layout(int width, int height);

/* Colours, shared by the drawing and the tests. */
extern const SDL_Color VIEW_BG, VIEW_PANEL, VIEW_GROUND, VIEW_WALL, VIEW_OBSTACLE, VIEW_MEAT,
    VIEW_TEXT, VIEW_DIM;
SDL_Color view_plant_colour(float fraction);        /* fraction of capacity, 0..1 */
SDL_Color view_pop_colour(int pop);
SDL_Color view_species_colour(int species);

/* The world viewport: ground, food, obstacles, walls, agents, the
 * selected agent's vision. */
void draw_world(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s);
/* The inspector: the selected agent's figures. */
void draw_inspector(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s, SDL_Rect at);
/* The selected agent's brain as a graph in `at`. */
void draw_brain(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s, SDL_Rect at);
/* The plots: fitness, population sizes, species. */
void draw_plots(SDL_Renderer *r, const ViewUi *ui, const PlotHistory *h, SDL_Rect at);
/* The status line, the banner, messages and the help overlay. */
void draw_overlay(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s);
/* The selected agent's lineage panel (ui->lineage), top left of the
 * world, and its rectangle for `lines` entries text_w pixels wide. */
void draw_lineage(SDL_Renderer *r, const ViewUi *ui, const ViewSnapshot *s);
SDL_Rect lineage_panel_rect(const ViewUi *ui, int lines, int text_w);
/* The inspector's parents line for agent a of s; false when they are
 * not known (drawn dim). */
bool view_parents_text(const ViewSnapshot *s, const SnapAgent *a, char *out, size_t cap);
/* The whole frame. */
void view_draw_frame(SDL_Renderer *r, ViewUi *ui, const ViewSnapshot *s, const PlotHistory *h);

/* Triangles gathered for one SDL_RenderGeometry call: a frame of
 * thousands of bodies and connections is a few draw calls. */
typedef struct DrawBatch {
    SDL_Vertex *v;
    int count, cap;
} DrawBatch;
void batch_tri(DrawBatch *b, float x0, float y0, float x1, float y1, float x2, float y2,
               SDL_Color c);
void batch_disc(DrawBatch *b, float x, float y, float radius, SDL_Color c);
void batch_line(DrawBatch *b, float x0, float y0, float x1, float y1, float width, SDL_Color c);
void batch_flush(SDL_Renderer *r, DrawBatch *b);

/* What drawing keeps between frames (in ViewUi). */
struct DrawCache {
    SDL_Texture *food;
    int food_w, food_h;
    DrawBatch batch;
    /* the brain's connections, drawn once per agent */
    SDL_Texture *brain_tex;
    uint32_t brain_agent;
    uint64_t brain_generation;
    int brain_conns, brain_nodes, brain_w, brain_h;
};
struct DrawCache *view_cache(const ViewUi *ui);
DrawBatch *view_batch(const ViewUi *ui);

/* Filled circle, ring, thick line, filled triangle (SDL_RenderGeometry). */
void draw_disc(SDL_Renderer *r, float x, float y, float radius, SDL_Color c);
void draw_ring(SDL_Renderer *r, float x, float y, float radius, SDL_Color c);
void draw_line_w(SDL_Renderer *r, float x0, float y0, float x1, float y1, float width,
                 SDL_Color c);
void draw_triangle(SDL_Renderer *r, const float *xy, SDL_Color c);
/* An opaque rectangle, written without blending: SDL's software renderer
 * blends a fill pixel by pixel even where alpha is 255 (the same pixels,
 * several times the work). Leaves the draw colour c and the blend mode
 * as they were. */
void fill_opaque(SDL_Renderer *r, const SDL_Rect *at, SDL_Color c);

/* ------------------------------------------------------------ images
 * (render/image.c) */

/* Reads the renderer's pixels (w x h) as RGB24 into a buffer from
 * petri_alloc (free with petri_free(p, w * h * 3)); NULL on failure. */
uint8_t *image_read_rgb(SDL_Renderer *r, int w, int h);
/* Writes RGB24 pixels as a PNG (libpng). */
PetriStatus image_write_png(const char *path, const uint8_t *rgb, int w, int h,
                            PetriError *err);

/* ------------------------------------------------------------ recording
 * (render/record.c) Frames piped to ffmpeg, started with posix_spawnp and
 * an argument vector (no shell). */

typedef struct Recorder Recorder;
/* Starts ffmpeg writing path from w x h RGB24 frames at fps. A clear
 * error when ffmpeg is not installed. */
PetriStatus recorder_start(const char *path, int w, int h, int fps, Recorder **out,
                           PetriError *err);
PetriStatus recorder_frame(Recorder *rec, const uint8_t *rgb, PetriError *err);
/* With a window, a video second is a second of the window: the frame
 * drawn elapsed_s after the first is written as many times as the
 * 1/fps slots it covers that have no frame yet (0 when it came early; at
 * most 2 s worth, after a stall). `recorded`: frames written so far. */
long recorder_copies(double elapsed_s, int fps, long recorded);
/* Closes the pipe and waits for ffmpeg; its exit status decides. */
PetriStatus recorder_finish(Recorder *rec, PetriError *err);

/* ------------------------------------------------------------ watching
 * (render/watch.c) inotify on a config file. Editors replace a file
 * (write a new one, rename it over), so the folder is watched for the
 * file's name. */

typedef struct FileWatch FileWatch;
PetriStatus file_watch_create(const char *path, FileWatch **out, PetriError *err);
void file_watch_destroy(FileWatch *fw);
/* True when the file changed since the last call; never blocks. */
bool file_watch_changed(FileWatch *fw);

#endif
