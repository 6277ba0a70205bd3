/*
 * The viewer's state (render/view.c), shared with the tests that drive it
 * off-screen: its options, what the simulation's thread and the main
 * thread share, and the window's side.
 */
#ifndef PETRI_VIEWER_H
#define PETRI_VIEWER_H

#include "render/render_internal.h"

typedef struct ViewOptions {
    const char *target;          /* CONFIG or RUNDIR */
    bool resume;
    const char **overrides;
    int override_count;
    const char **genomes;
    int genome_count;
    const char *genome_pop;      /* name or index; NULL: 0 */
    const char *out_dir;
    bool force;
    int threads;
    long generations;
    long frames;                 /* off-screen: stop after N frames; 0: a window */
    const char *screenshot;
    const char *record;
    int width, height;
    int speed;                   /* index into SPEEDS */
    bool select_best;
} ViewOptions;

/* The statistics rows of the steps since the main thread last looked. */
typedef struct PendingRows {
    RunRow rows[64];
    PlotRow plot[64];
    int count;
} PendingRows;

/* Between the simulation's thread and the main thread; the fields under
 * "main -> simulation" and "simulation -> main" are guarded by mu. */
typedef struct Shared {
    SDL_mutex *mu;
    SDL_cond *cv;
    /* main -> simulation */
    bool quit;
    bool paused;
    int step_ticks;            /* ticks to run while paused */
    bool step_generation;      /* run to the end of this generation, then pause */
    int speed;                 /* index into SPEEDS */
    bool lockstep;             /* off-screen: one frame per tick */
    bool want;                 /* the main thread wants a fresh snapshot */
    uint32_t selected;
    bool have_def;             /* a checked config to apply between steps */
    RunDef next_def;
    /* simulation -> main */
    ViewSnapshot snaps[3];
    ViewSnapshot *writing, *ready;
    bool fresh;
    uint64_t ticks;            /* observed ticks so far */
    uint64_t generation_now;
    PendingRows pending;
    RunChange changes[64];
    int change_count;
    bool changes_news;
    PetriError apply_err;
    bool finished;
    bool waiting;              /* the observer is holding the run (paused) */
    PetriStatus status;
    PetriError err;
    double next_due;           /* when the next tick may run, seconds (pacing) */
    const RunDef *def;         /* the run's effective config (read on the sim thread) */
    int species_pop;           /* the population whose species are plotted */
    Run *run;
    /* who descends from whom, and open-ended species: the simulation's
     * thread only (between steps, and in the observer) */
    LineageBook book;
} Shared;

typedef struct Viewer {
    ViewOptions *o;
    Shared sh;
    SDL_Window *win;
    SDL_Surface *surface;   /* off-screen target */
    SDL_Renderer *r;
    ViewUi ui;
    char speed_text[32];    /* what ui.speed_text points to */
    ViewSnapshot *drawing;
    PlotHistory plots;
    FileWatch *watch;
    Recorder *rec;
    bool dragging, moved;
    int drag_x, drag_y;
    double banner_until;    /* seconds; off-screen: a frame count */
    long frames;
    uint64_t shown_generation; /* of the snapshot drawn last */
    double message_until;
    bool fitted;
    char config_path[4096];
    const char *shot_dir;   /* where the screenshot key writes; NULL: "." */
    SDL_Thread *thread;     /* the simulation's */
    bool quit, finished;
    int rc;
    double fps_t0, started, next_frame;
    uint64_t ticks0;
    int fps_frames;
    long recorded;          /* video frames written */
    double record_t0;       /* when the first was drawn */
} Viewer;

/* Parses `petri view` arguments; -1 when they are fine, else the exit
 * code (usage printed). view_options_fini frees what it allocated. */
int view_parse_options(int argc, char **argv, ViewOptions *o);
void view_options_fini(ViewOptions *o, int argc);
/* Opens the window (a hidden one under SDL's offscreen driver, or the
 * off-screen surface with o->frames), then the run, then the
 * simulation's thread. NULL with *rc the exit code when there is nothing
 * to show or something failed (everything is closed again). */
Viewer *viewer_open(ViewOptions *o, int argc, char **argv, int *rc);
/* One pass of the main loop: events, the newest snapshot, one frame
 * (paced to 60 per second, FASTEST_FPS as fast as possible). false: stop. */
bool viewer_frame(Viewer *v);
/* What the window does with one event (keys, clicks, drags, the wheel). */
void viewer_event(Viewer *v, const SDL_Event *e);
/* Ticks per second of speed step i; 0: as fast as possible. */
int viewer_speed_rate(int i);
/* Stops the simulation's thread (the run writes its checkpoint), closes
 * the run, the window and SDL, and frees v. Returns the exit code. */
int viewer_close(Viewer *v);

#endif
