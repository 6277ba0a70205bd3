/*
 * `petri view`: the run on a thread of its own, the window on the main
 * thread.
 *
 * Threads. The simulation thread owns the Run: it steps generations (or
 * epochs) and applies config changes between them. After every tick of
 * the observed world the run calls our observer on the thread that steps
 * that world; the observer copies what is drawn into the `writing`
 * snapshot (only when the main thread asked for one, so that "as fast as
 * possible" costs a copy per drawn frame, not per tick), swaps it with
 * `ready` under the mutex, and then blocks while paused or until the
 * next tick is due at the chosen speed. The main thread swaps `ready`
 * with `drawing` under the mutex and draws without holding it. SDL is
 * only touched on the main thread. The observer reads the world and the
 * brains and changes nothing, so the run is the run it would be
 * headless: only its timing differs.
 *
 * Off-screen (--frames N): frames follow ticks one to one, so frame N
 * shows tick N of the observed world; the picture is the same every
 * time.
 */
#include "render/viewer.h"

#include <SDL_ttf.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------ options */


/* Ticks per second of the speed steps; 0: as fast as possible. */
static const int SPEEDS[] = {1, 2, 5, 10, 20, 30, 60, 120, 240, 480, 960, 1920, 0};
enum { SPEED_COUNT = (int)(sizeof SPEEDS / sizeof SPEEDS[0]), SPEED_NORMAL = 6 };
/* Frames per second drawn as fast as possible. */
#define FASTEST_FPS 5.0
/* Frames per second of a --record video. */
#define RECORD_FPS 60

int viewer_speed_rate(int i)
{
    return i >= 0 && i < SPEED_COUNT ? SPEEDS[i] : -1;
}

static const char USAGE[] =
    "usage: petri view CONFIG|RUNDIR [--set k=v]... [--genome FILE]... [--genome-pop POP]\n"
    "                  [--out DIR] [--force] [--threads N] [--generations N]\n"
    "                  [--speed TICKS_PER_S|fastest] [--size WxH] [--select-best]\n"
    "                  [--frames N] [--screenshot FILE.png] [--record FILE.mp4]\n";

static int usage_error(const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    return cli_usage_error("view", USAGE, "%s", msg);
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Returns -1 when the options are fine, else the exit code. */
int view_parse_options(int argc, char **argv, ViewOptions *o)
{
    memset(o, 0, sizeof *o);
    o->width = 1280;
    o->height = 720;
    o->speed = SPEED_NORMAL;
    o->overrides = petri_calloc((size_t)argc + 1, sizeof *o->overrides);
    o->genomes = petri_calloc((size_t)argc + 1, sizeof *o->genomes);
    enum { O_SET = 256, O_GENOME, O_GENOME_POP, O_OUT, O_FORCE, O_THREADS, O_GENERATIONS,
           O_FRAMES, O_SCREENSHOT, O_RECORD, O_SIZE, O_SPEED, O_SELECT_BEST };
    static const struct option opts[] = {
        {"set", required_argument, NULL, O_SET},
        {"genome", required_argument, NULL, O_GENOME},
        {"genome-pop", required_argument, NULL, O_GENOME_POP},
        {"out", required_argument, NULL, O_OUT},
        {"force", no_argument, NULL, O_FORCE},
        {"threads", required_argument, NULL, O_THREADS},
        {"generations", required_argument, NULL, O_GENERATIONS},
        {"frames", required_argument, NULL, O_FRAMES},
        {"screenshot", required_argument, NULL, O_SCREENSHOT},
        {"record", required_argument, NULL, O_RECORD},
        {"size", required_argument, NULL, O_SIZE},
        {"speed", required_argument, NULL, O_SPEED},
        {"select-best", no_argument, NULL, O_SELECT_BEST},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0; /* 0: a full restart of getopt, whatever main parsed before */
    opterr = 0;
    for (;;) {
        optopt = 0;
        int c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1) {
            break;
        }
        long v;
        switch (c) {
        case 'h':
            printf("%s", USAGE);
            return 0;
        case O_SET:
            o->overrides[o->override_count++] = optarg;
            break;
        case O_GENOME:
            o->genomes[o->genome_count++] = optarg;
            break;
        case O_GENOME_POP:
            o->genome_pop = optarg;
            break;
        case O_OUT:
            o->out_dir = optarg;
            break;
        case O_FORCE:
            o->force = true;
            break;
        case O_THREADS:
            if (!parse_long(optarg, 0, 4096, &v)) {
                return usage_error("--threads wants a whole number from 0 to 4096, not '%s'",
                                   optarg);
            }
            o->threads = (int)v;
            break;
        case O_GENERATIONS:
            if (!parse_long(optarg, 1, 1000000000L, &v)) {
                return usage_error("--generations wants a whole number of at least 1, not '%s'",
                                   optarg);
            }
            o->generations = v;
            break;
        case O_FRAMES:
            if (!parse_long(optarg, 1, 100000000L, &v)) {
                return usage_error("--frames wants a whole number of at least 1, not '%s'",
                                   optarg);
            }
            o->frames = v;
            break;
        case O_SCREENSHOT:
            o->screenshot = optarg;
            break;
        case O_RECORD:
            o->record = optarg;
            break;
        case O_SIZE:
            if (sscanf(optarg, "%dx%d", &o->width, &o->height) != 2 || o->width < 320 ||
                o->height < 240 || o->width > 8192 || o->height > 8192) {
                return usage_error("--size wants WIDTHxHEIGHT between 320x240 and 8192x8192, "
                                   "not '%s'",
                                   optarg);
            }
            break;
        case O_SPEED:
            if (strcmp(optarg, "fastest") == 0) {
                o->speed = SPEED_COUNT - 1;
            } else if (parse_long(optarg, 1, 1000000, &v)) {
                o->speed = 0;
                while (o->speed < SPEED_COUNT - 2 && SPEEDS[o->speed] < v) {
                    o->speed++;
                }
            } else {
                return usage_error("--speed wants ticks per second or 'fastest', not '%s'",
                                   optarg);
            }
            break;
        case O_SELECT_BEST:
            o->select_best = true;
            break;
        default:
            return cli_flag_error("view", USAGE, c, argc, argv);
        }
    }
    if (optind >= argc) {
        return usage_error("%s", "name a CONFIG file or a RUNDIR to continue");
    }
    if (optind + 1 < argc) {
        return usage_error("one CONFIG or RUNDIR only; '%s' is one too many", argv[optind + 1]);
    }
    o->target = argv[optind];
    o->resume = is_dir(o->target);
    if (o->resume && o->override_count > 0) {
        return usage_error("--set changes a new run; to change '%s', edit its config while it "
                           "runs (the window applies the live keys)",
                           o->target);
    }
    if (o->screenshot != NULL && o->frames == 0) {
        o->frames = 1; /* a screenshot of the first frame, off-screen */
    }
    return -1;
}

/* ------------------------------------------------------------ shared state */



static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The species of each agent (open-ended: the book's, species.csv's
 * numbering; generational: NEAT's), the genome index, and the selected
 * agent's line of descent. */
static void capture_lineage(Shared *sh, const RunView *v, ViewSnapshot *s)
{
    bool open = v->episode < 0;
    for (int i = 0; i < s->agent_count; ++i) {
        SnapAgent *a = &s->agents[i];
        if (open) {
            const LineageEntry *e = lineage_find(&sh->book, 0, a->pop, a->id);
            a->species = e != NULL ? e->species : -1;
        } else {
            a->species = (int16_t)run_view_species(sh->run, v, i);
            a->genome = run_view_genome_index(sh->run, v, i);
        }
    }
    s->lineage_count = 0;
    int sel = sh->selected != WORLD_NO_ID ? snapshot_find(s, sh->selected) : -1;
    if (sel >= 0 && (open || s->agents[sel].genome >= 0)) {
        const SnapAgent *a = &s->agents[sel];
        s->lineage_count = lineage_chain(&sh->book, open ? 0 : v->generation, a->pop,
                                         open ? a->id : (uint32_t)a->genome, s->lineage,
                                         VIEW_LINEAGE_DEPTH);
    }
}

static void capture(Shared *sh, const RunView *v)
{
    ViewSnapshot *s = sh->writing;
    snapshot_capture_world(s, v->world, sh->def->fitness);
    capture_lineage(sh, v, s);
    s->generation = v->generation > 0 ? v->generation - 1 : 0;
    s->mode = sh->def->evolution.mode;
    int sel = sh->selected != WORLD_NO_ID ? world_find(v->world, sh->selected) : -1;
    int32_t tag = sel >= 0 ? world_agent_tag(v->world, sel) : -1;
    if (sel >= 0 && tag >= 0 && v->brains != NULL && tag < brain_pool_count(v->brains)) {
        snapshot_capture_brain_pool(s, sh->selected, v->brains, tag);
    } else {
        snapshot_capture_brain(s, sh->selected, NULL, NULL);
    }
    sh->writing = sh->ready;
    sh->ready = s;
    sh->fresh = true;
    sh->want = false;
}

typedef struct NewbornCtx {
    Shared *sh;
    const RunView *v;
} NewbornCtx;

static int newborn_species(void *user, const LineageEntry *e)
{
    const NewbornCtx *c = user;
    int slot = world_find(c->v->world, e->id);
    const Genome *g = slot >= 0 ? run_view_genome(c->sh->run, c->v, slot) : NULL;
    return lineage_species_assign(&c->sh->book, e->pop, g, &c->sh->def->neat);
}

/* Open-ended: every tick, the rows of the tick's births and deaths go
 * into the book (each newborn gets its species), so the book does not
 * depend on which ticks are drawn. */
static void book_tick(Shared *sh, const RunView *v)
{
    if (v->episode >= 0) {
        return;
    }
    size_t len;
    const char *rows = run_lineage_rows(sh->run, &len);
    if (len < sh->book.parsed) {
        sh->book.parsed = 0;
    }
    NewbornCtx c = {sh, v};
    sh->book.parsed += lineage_add_rows(&sh->book, rows + sh->book.parsed,
                                        len - sh->book.parsed, newborn_species, &c);
}

/* Between steps: the rest of the step's rows (generational: the next
 * generation's parents; open-ended: reseeds), then the open-ended
 * species of the living, as species.csv counts them. */
static void book_step(Shared *sh)
{
    size_t len;
    const char *rows = run_lineage_rows(sh->run, &len);
    if (sh->book.parsed < len) {
        lineage_add_rows(&sh->book, rows + sh->book.parsed, len - sh->book.parsed, NULL, NULL);
    }
    sh->book.parsed = len;
    RunView v;
    if (run_view_world(sh->run, &v)) {
        lineage_cluster_world(&sh->book, sh->run, &v);
    }
}

/* The observer: runs on the thread that steps the observed world. */
static void observe(void *user, const RunView *v)
{
    Shared *sh = user;
    book_tick(sh, v);
    SDL_LockMutex(sh->mu);
    sh->ticks++;
    if (sh->quit) {
        SDL_UnlockMutex(sh->mu);
        return;
    }
    if (sh->lockstep) {
        /* off-screen: wait until the previous frame is drawn, then hand
         * over this tick */
        while (!sh->want && !sh->quit) {
            SDL_CondWait(sh->cv, sh->mu);
        }
        if (!sh->quit) {
            capture(sh, v);
            SDL_CondBroadcast(sh->cv);
        }
        SDL_UnlockMutex(sh->mu);
        return;
    }
    if (sh->want || sh->paused) {
        capture(sh, v);
    }
    if (sh->step_ticks > 0) {
        sh->step_ticks--;
    }
    while (sh->paused && sh->step_ticks == 0 && !sh->step_generation && !sh->quit) {
        sh->waiting = true;
        SDL_CondWait(sh->cv, sh->mu);
        sh->waiting = false;
        if (sh->want) {
            capture(sh, v); /* a new selection while paused */
        }
    }
    /* pacing: the next tick is due 1/speed after this one */
    for (;;) {
        int rate = SPEEDS[sh->speed];
        if (rate == 0 || sh->quit || sh->step_generation || (sh->paused && sh->step_ticks > 0)) {
            sh->next_due = 0;
            break;
        }
        double t = now_s();
        if (sh->next_due == 0 || sh->next_due < t - 0.25) {
            sh->next_due = t; /* start, or too far behind: do not rush to catch up */
        }
        if (t >= sh->next_due) {
            sh->next_due += 1.0 / rate;
            break;
        }
        SDL_CondWaitTimeout(sh->cv, sh->mu, (Uint32)((sh->next_due - t) * 1000.0) + 1);
    }
    SDL_UnlockMutex(sh->mu);
}

static int sim_thread(void *user)
{
    Shared *sh = user;
    Run *run = sh->run;
    PetriError err;
    error_clear(&err);
    PetriStatus st = PETRI_OK;
    book_step(sh); /* the founders' species, or a resumed world's */
    for (;;) {
        SDL_LockMutex(sh->mu);
        bool quit = sh->quit;
        bool have = sh->have_def;
        RunDef next;
        if (have) {
            next = sh->next_def;
            sh->have_def = false;
        }
        SDL_UnlockMutex(sh->mu);
        if (quit || run_done(run, NULL)) {
            break;
        }
        if (have) {
            RunChange ch[64];
            int n = 0;
            PetriError aerr;
            error_clear(&aerr);
            PetriStatus as = run_apply_def(run, &next, ch, 64, &n, &aerr);
            SDL_LockMutex(sh->mu);
            sh->change_count = as == PETRI_OK ? (n < 64 ? n : 64) : 0;
            memcpy(sh->changes, ch, sizeof(RunChange) * (size_t)sh->change_count);
            sh->apply_err = aerr;
            sh->changes_news = true;
            SDL_UnlockMutex(sh->mu);
        }
        sh->book.parsed = 0; /* run_step starts its rows afresh */
        st = run_step(run, &err);
        if (st != PETRI_OK) {
            break;
        }
        book_step(sh);
        const RunStats *rs = run_stats(run);
        SDL_LockMutex(sh->mu);
        if (rs->history_len > 0 && sh->pending.count < 64) {
            const RunRow *rr = &rs->history[rs->history_len - 1];
            PlotRow *pr = &sh->pending.plot[sh->pending.count];
            plot_row_from_stats(pr, rr->pop, sh->def->population_count);
            size_t len;
            const char *rows = run_species_rows(run, &len);
            plot_row_add_species(pr, rows, len, sh->def->populations[sh->species_pop].name);
            sh->pending.rows[sh->pending.count++] = *rr;
        }
        sh->generation_now = rs->generation;
        if (sh->step_generation) {
            sh->step_generation = false;
            sh->paused = true;
        }
        SDL_UnlockMutex(sh->mu);
    }
    SDL_LockMutex(sh->mu);
    sh->finished = true;
    sh->status = st;
    sh->err = err;
    SDL_CondBroadcast(sh->cv);
    SDL_UnlockMutex(sh->mu);
    return 0;
}

/* ------------------------------------------------------------ the window */


static void set_message(Viewer *v, bool error, double seconds, const char *text)
{
    size_t n = strnlen(text, sizeof v->ui.message - 1);
    memcpy(v->ui.message, text, n);
    v->ui.message[n] = '\0';
    v->ui.message_error = error;
    v->message_until = seconds > 0 ? now_s() + seconds : 0;
}

static void take_rows(Viewer *v, const PendingRows *p)
{
    const RunDef *def = v->sh.def;
    for (int i = 0; i < p->count; ++i) {
        const RunRow *rr = &p->rows[i];
        plot_history_add(&v->plots, &p->plot[i]);
        /* the generation's figures, shown for a few seconds, a line each */
        int n = snprintf(v->ui.banner, sizeof v->ui.banner, "%s %llu done",
                         def->evolution.mode == EVOLUTION_OPEN_ENDED ? "epoch" : "generation",
                         (unsigned long long)rr->generation);
        for (int k = 0; k < def->population_count && n < (int)sizeof v->ui.banner; ++k) {
            const double *st = rr->pop[k].v;
            n += snprintf(v->ui.banner + n, sizeof v->ui.banner - (size_t)n,
                          "\n%-10s best %8.1f  mean %8.1f", def->populations[k].name,
                          st[STOP_FIELD_FITNESS_MAX], st[STOP_FIELD_FITNESS_MEAN]);
            if (def->populations[k].controller == CONTROLLER_BRAIN && n < (int)sizeof v->ui.banner) {
                n += snprintf(v->ui.banner + n, sizeof v->ui.banner - (size_t)n, "  species %d",
                              (int)st[STOP_FIELD_SPECIES]);
            }
        }
        /* off-screen, time is frames: the picture must not depend on the clock */
        v->banner_until = v->sh.lockstep ? (double)v->frames + 240 : now_s() + 4.0;
    }
}

/* The config file changed: check it whole; a good one goes to the
 * simulation thread, applied at the next step boundary. */
static void config_changed(Viewer *v)
{
    RunDef def;
    PetriError err;
    error_clear(&err);
    const char *const *ov = v->o->resume ? NULL : v->o->overrides;
    int n = v->o->resume ? 0 : v->o->override_count;
    if (run_def_load(&def, v->config_path, ov, n, &err) != PETRI_OK) {
        char text[sizeof err.msg + 128];
        snprintf(text, sizeof text, "config not applied (the run goes on with the last good one):\n%s",
                 err.msg);
        set_message(v, true, 0, text);
        fprintf(stderr, "petri view: %s\n", text);
        return;
    }
    SDL_LockMutex(v->sh.mu);
    v->sh.next_def = def;
    v->sh.have_def = true;
    SDL_CondBroadcast(v->sh.cv);
    SDL_UnlockMutex(v->sh.mu);
    set_message(v, false, 0, "config changed: applied at the end of this generation");
}

static void show_changes(Viewer *v)
{
    char text[sizeof v->sh.apply_err.msg + 128];
    int n = 0;
    if (v->sh.apply_err.count > 0) {
        snprintf(text, sizeof text, "config not applied:\n%s", v->sh.apply_err.msg);
        set_message(v, true, 0, text);
        return;
    }
    int applied = 0, restart = 0;
    for (int i = 0; i < v->sh.change_count; ++i) {
        applied += v->sh.changes[i].applied;
        restart += !v->sh.changes[i].applied;
    }
    n += snprintf(text + n, sizeof text - (size_t)n, "config: %d applied, %d need a restart", applied,
                  restart);
    for (int i = 0; i < v->sh.change_count && n < (int)sizeof text - 1; ++i) {
        const RunChange *c = &v->sh.changes[i];
        n += snprintf(text + n, sizeof text - (size_t)n, "\n%s %s: %s -> %s",
                      c->applied ? "applied" : "restart", c->key, c->old_value, c->new_value);
    }
    if (v->sh.change_count == 0) {
        snprintf(text + n, sizeof text - (size_t)n, "\n(no key differs)");
    }
    set_message(v, false, 12, text);
    fprintf(stderr, "petri view: %s\n", text);
}

static void select_agent(Viewer *v, uint32_t id)
{
    v->ui.selected = id;
    SDL_LockMutex(v->sh.mu);
    v->sh.selected = id;
    if (!v->sh.lockstep) {
        v->sh.want = true; /* off-screen, frames keep to ticks one to one */
    }
    SDL_CondBroadcast(v->sh.cv);
    SDL_UnlockMutex(v->sh.mu);
}

/* A click's outcome on stderr, with the tick shown: a log of what the
 * user picked (and what the real-window test checks). */
static void say_click(const Viewer *v, int x, int y, int i)
{
    const ViewSnapshot *s = v->drawing;
    if (i < 0) {
        fprintf(stderr, "petri view: click at (%d, %d), tick %llu: no agent there\n", x, y,
                (unsigned long long)s->tick);
        return;
    }
    const SnapAgent *a = &s->agents[i];
    fprintf(stderr, "petri view: click at (%d, %d), tick %llu: selected %s #%u\n", x, y,
            (unsigned long long)s->tick, s->pop_names[a->pop], a->id);
}

static void screenshot(Viewer *v, const char *path)
{
    uint8_t *rgb = image_read_rgb(v->r, v->ui.width, v->ui.height);
    PetriError err;
    error_clear(&err);
    if (rgb == NULL) {
        set_message(v, true, 5, "screenshot failed: cannot read the pixels");
        return;
    }
    if (image_write_png(path, rgb, v->ui.width, v->ui.height, &err) != PETRI_OK) {
        set_message(v, true, 8, err.msg);
    } else {
        char text[512];
        snprintf(text, sizeof text, "screenshot: %.480s", path);
        set_message(v, false, 4, text);
        fprintf(stderr, "petri view: wrote %s\n", path);
    }
    petri_free(rgb, (size_t)v->ui.width * (size_t)v->ui.height * 3);
}

static void cycle_best(Viewer *v, bool next_population)
{
    const ViewSnapshot *s = v->drawing;
    if (s->pop_count == 0) {
        return;
    }
    int cur = v->ui.selected != WORLD_NO_ID ? snapshot_find(s, v->ui.selected) : -1;
    int pop = cur >= 0 ? s->agents[cur].pop : -1;
    for (int k = 0; k < s->pop_count; ++k) {
        int p = next_population ? (pop + 1 + k) % s->pop_count : (pop < 0 ? 0 : pop);
        int i = snapshot_best(s, p, next_population || cur < 0 ? WORLD_NO_ID : v->ui.selected);
        if (i >= 0) {
            select_agent(v, s->agents[i].id);
            return;
        }
        if (!next_population) {
            break;
        }
    }
}

static void key(Viewer *v, const SDL_KeyboardEvent *k)
{
    Shared *sh = &v->sh;
    SDL_Keycode c = k->keysym.sym;
    SDL_LockMutex(sh->mu);
    switch (c) {
    case SDLK_ESCAPE:
    case SDLK_q:
        v->quit = true;
        break;
    case SDLK_SPACE:
    case SDLK_p:
        sh->paused = !sh->paused;
        sh->next_due = 0;
        fprintf(stderr, "petri view: %s\n", sh->paused ? "paused" : "going on");
        break;
    case SDLK_PERIOD:
        sh->paused = true;
        sh->step_ticks++;
        break;
    case SDLK_g:
        sh->step_generation = true;
        break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
        sh->speed = sh->speed == SPEED_COUNT - 1 ? SPEED_COUNT - 2 : (sh->speed > 0 ? sh->speed - 1 : 0);
        break;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS:
        sh->speed = sh->speed < SPEED_COUNT - 1 ? sh->speed + 1 : sh->speed;
        break;
    case SDLK_x:
        sh->speed = sh->speed == SPEED_COUNT - 1 ? SPEED_NORMAL : SPEED_COUNT - 1;
        break;
    default:
        break;
    }
    SDL_CondBroadcast(sh->cv);
    SDL_UnlockMutex(sh->mu);
    switch (c) {
    case SDLK_h:
    case SDLK_QUESTION:
    case SDLK_SLASH:
        v->ui.help = !v->ui.help;
        break;
    case SDLK_f:
        v->ui.follow = !v->ui.follow;
        break;
    case SDLK_l:
        v->ui.lineage = !v->ui.lineage;
        break;
    case SDLK_c:
        v->ui.colour_by = v->ui.colour_by == COLOUR_BY_POPULATION ? COLOUR_BY_SPECIES
                                                                  : COLOUR_BY_POPULATION;
        set_message(v, false, 4,
                    v->ui.colour_by == COLOUR_BY_POPULATION ? "colour: by population"
                    : v->drawing->mode == EVOLUTION_OPEN_ENDED
                        ? "colour: by species (species.csv's of the last epoch; baselines grey)"
                        : "colour: by species (baselines grey)");
        break;
    case SDLK_TAB:
        cycle_best(v, true);
        break;
    case SDLK_n:
        cycle_best(v, false);
        break;
    case SDLK_HOME:
    case SDLK_0:
        v->ui.follow = false;
        camera_fit(&v->ui.cam, v->drawing->size[0], v->drawing->size[1]);
        break;
    case SDLK_s: {
        char path[4200];
        snprintf(path, sizeof path, "%s/petri-%llu.png", v->shot_dir != NULL ? v->shot_dir : ".",
                 (unsigned long long)v->drawing->tick);
        screenshot(v, path);
        break;
    }
    default:
        break;
    }
}

void viewer_event(Viewer *v, const SDL_Event *ev)
{
    const SDL_Event e = *ev;
    {
        switch (e.type) {
        case SDL_QUIT:
            v->quit = true;
            break;
        case SDL_KEYDOWN:
            key(v, &e.key);
            break;
        case SDL_MOUSEBUTTONDOWN:
            if (e.button.button == SDL_BUTTON_LEFT) {
                v->dragging = true;
                v->moved = false;
                v->drag_x = e.button.x;
                v->drag_y = e.button.y;
            }
            break;
        case SDL_MOUSEMOTION:
            if (v->dragging) {
                int dx = e.motion.x - v->drag_x, dy = e.motion.y - v->drag_y;
                if (v->moved || abs(dx) + abs(dy) > 3) {
                    v->moved = true;
                    v->ui.follow = false;
                    camera_pan(&v->ui.cam, dx, dy);
                    v->drag_x = e.motion.x;
                    v->drag_y = e.motion.y;
                }
            }
            break;
        case SDL_MOUSEBUTTONUP:
            if (e.button.button == SDL_BUTTON_LEFT && v->dragging) {
                v->dragging = false;
                SDL_Rect w = {v->ui.cam.vx, v->ui.cam.vy, v->ui.cam.vw, v->ui.cam.vh};
                SDL_Point p = {e.button.x, e.button.y};
                if (!v->moved && SDL_PointInRect(&p, &w)) {
                    double wx, wy;
                    camera_to_world(&v->ui.cam, p.x, p.y, &wx, &wy);
                    /* within 6 pixels of a body */
                    int i = snapshot_pick(v->drawing, wx, wy, 6.0 / v->ui.cam.zoom);
                    select_agent(v, i >= 0 ? v->drawing->agents[i].id : WORLD_NO_ID);
                    say_click(v, p.x, p.y, i);
                }
            }
            break;
        case SDL_MOUSEWHEEL: {
            /* where the pointer was when the wheel turned */
            int mx, my;
#if SDL_VERSION_ATLEAST(2, 26, 0)
            mx = e.wheel.mouseX;
            my = e.wheel.mouseY;
#else
            SDL_GetMouseState(&mx, &my);
#endif
            double f = pow(1.15, e.wheel.preciseY != 0 ? e.wheel.preciseY : e.wheel.y);
            double fit = fmin(v->ui.cam.vw / v->drawing->size[0], v->ui.cam.vh / v->drawing->size[1]);
            camera_zoom_at(&v->ui.cam, f, mx, my, fit * 0.25, fit * 200.0);
            break;
        }
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
                SDL_GetRendererOutputSize(v->r, &v->ui.width, &v->ui.height);
            }
            break;
        default:
            break;
        }
    }
}

static void events(Viewer *v)
{
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
        viewer_event(v, &e);
    }
}

/* Swaps in the newest snapshot and takes the simulation's news. Returns
 * whether a new snapshot came. */
static bool take_news(Viewer *v, uint64_t *ticks, bool *finished)
{
    Shared *sh = &v->sh;
    PendingRows rows;
    bool fresh, changes;
    SDL_LockMutex(sh->mu);
    fresh = sh->fresh;
    if (fresh) {
        ViewSnapshot *t = v->drawing;
        v->drawing = sh->ready;
        sh->ready = t;
        sh->fresh = false;
    }
    if (!sh->lockstep) {
        sh->want = true;
    }
    rows = sh->pending;
    sh->pending.count = 0;
    changes = sh->changes_news;
    sh->changes_news = false;
    *ticks = sh->ticks;
    *finished = sh->finished;
    v->ui.paused = sh->paused;
    int rate = SPEEDS[sh->speed];
    if (rate == 0) {
        snprintf(v->speed_text, sizeof v->speed_text, "fastest");
    } else {
        snprintf(v->speed_text, sizeof v->speed_text, "%d ticks/s", rate);
    }
    v->ui.speed_text = sh->lockstep ? "off-screen" : v->speed_text;
    SDL_UnlockMutex(sh->mu);
    take_rows(v, &rows);
    if (changes) {
        show_changes(v);
    }
    return fresh;
}

/* Is r an OpenGL renderer whose GL is a CPU rasteriser? An explicit
 * SDL_RENDER_DRIVER is the user's choice and is kept. */
static bool gl_in_software(SDL_Renderer *r)
{
    const char *forced = SDL_GetHint(SDL_HINT_RENDER_DRIVER);
    SDL_RendererInfo info;
    if ((forced != NULL && forced[0] != '\0') || SDL_GetRendererInfo(r, &info) != 0 ||
        strncmp(info.name, "opengl", 6) != 0) {
        return false;
    }
    typedef const unsigned char *(*GetString)(unsigned int);
    GetString get = (GetString)(uintptr_t)SDL_GL_GetProcAddress("glGetString");
    const char *name = get != NULL ? (const char *)get(0x1F01 /* GL_RENDERER */) : NULL;
    return name != NULL && (strstr(name, "llvmpipe") != NULL || strstr(name, "softpipe") != NULL ||
                            strstr(name, "Software") != NULL);
}

static PetriStatus open_renderer(Viewer *v, PetriError *err)
{
    ViewOptions *o = v->o;
    v->ui.width = o->width;
    v->ui.height = o->height;
    if (o->frames > 0) {
        /* off-screen: a software renderer on a surface; no display needed */
        if (SDL_Init(0) != 0) {
            return error_add(err, PETRI_EIO, "petri view: error: cannot start SDL: %s",
                             SDL_GetError());
        }
        v->surface = SDL_CreateRGBSurfaceWithFormat(0, o->width, o->height, 32,
                                                    SDL_PIXELFORMAT_ARGB8888);
        v->r = v->surface != NULL ? SDL_CreateSoftwareRenderer(v->surface) : NULL;
    } else {
        if (SDL_Init(SDL_INIT_VIDEO) != 0) {
            return error_add(err, PETRI_EIO,
                             "petri view: error: cannot open a window: %s (no display? try "
                             "--frames N --screenshot FILE.png, which needs none)",
                             SDL_GetError());
        }
        const char *drv = SDL_GetCurrentVideoDriver();
        const char *asked = getenv("SDL_VIDEODRIVER");
        if (drv != NULL && (strcmp(drv, "offscreen") == 0 || strcmp(drv, "dummy") == 0) &&
            (asked == NULL || asked[0] == '\0')) {
            /* SDL falls back to an invisible window when there is no display */
            return error_add(err, PETRI_EIO,
                             "petri view: error: no display to open a window on (DISPLAY or "
                             "WAYLAND_DISPLAY is not set); run it in a desktop session, under "
                             "Xvfb, or off-screen with --frames N --screenshot FILE.png");
        }
        char title[128];
        const char *base = strrchr(o->target, '/');
        snprintf(title, sizeof title, "Petri: %s", base != NULL && base[1] != '\0' ? base + 1 : o->target);
        v->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o->width,
                                  o->height, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
        if (v->win == NULL) {
            return error_add(err, PETRI_EIO, "petri view: error: cannot open a window: %s",
                             SDL_GetError());
        }
        SDL_SetWindowMinimumSize(v->win, 800, 500);
        v->r = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
        if (v->r != NULL && gl_in_software(v->r)) {
            /* OpenGL drawn by the CPU (Mesa's llvmpipe: Xvfb, machines
             * without a GPU) is slower than SDL's own software renderer.
             * The window goes too, and the window surface must not be
             * presented through OpenGL either (framebuffer acceleration),
             * or llvmpipe's threads keep two cores busy. */
            SDL_DestroyRenderer(v->r);
            v->r = NULL;
            SDL_DestroyWindow(v->win);
            SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
            v->win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                      o->width, o->height,
                                      SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
            if (v->win == NULL) {
                return error_add(err, PETRI_EIO, "petri view: error: cannot open a window: %s",
                                 SDL_GetError());
            }
            SDL_SetWindowMinimumSize(v->win, 800, 500);
        }
        if (v->r == NULL) {
            v->r = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
        }
        SDL_RendererInfo info;
        if (v->r != NULL && SDL_GetRendererInfo(v->r, &info) == 0) {
            fprintf(stderr, "petri view: drawing with SDL's %s renderer\n", info.name);
        }
        if (v->r != NULL) {
            SDL_GetRendererOutputSize(v->r, &v->ui.width, &v->ui.height);
        }
    }
    if (v->r == NULL) {
        return error_add(err, PETRI_EIO, "petri view: error: cannot make a renderer: %s",
                         SDL_GetError());
    }
    char ferr[1024];
    v->ui.font = font_create(v->r, 15, ferr, sizeof ferr);
    v->ui.small = v->ui.font != NULL ? font_create(v->r, 12, ferr, sizeof ferr) : NULL;
    if (v->ui.small == NULL) {
        return error_add(err, PETRI_EIO, "petri view: error: %s", ferr);
    }
    return PETRI_OK;
}

static int genome_pop_index(const RunDef *def, const char *name, PetriError *err)
{
    if (name == NULL) {
        for (int p = 0; p < def->population_count; ++p) {
            if (def->populations[p].controller == CONTROLLER_BRAIN) {
                return p;
            }
        }
        return 0;
    }
    for (int p = 0; p < def->population_count; ++p) {
        if (strcmp(def->populations[p].name, name) == 0) {
            return p;
        }
    }
    long v;
    if (parse_long(name, 0, def->population_count - 1, &v)) {
        return (int)v;
    }
    error_add(err, PETRI_EUSAGE, "petri view: error: --genome-pop: no population '%s'", name);
    return -1;
}

/* Finds the run's config file to watch: CONFIG itself, or RUNDIR's
 * config.yaml. */
static void watch_path(const ViewOptions *o, char *out, size_t cap)
{
    if (o->resume) {
        snprintf(out, cap, "%s/config.yaml", o->target);
    } else {
        snprintf(out, cap, "%s", o->target);
    }
}

Viewer *viewer_open(ViewOptions *o, int argc, char **argv, int *rc_out)
{
    PetriError err;
    error_clear(&err);
    Viewer *v = petri_calloc(1, sizeof *v);
    v->o = o;
    v->ui.selected = WORLD_NO_ID;
    plot_history_init(&v->plots);
    Shared *sh = &v->sh;
    for (int i = 0; i < 3; ++i) {
        snapshot_init(&sh->snaps[i]);
    }
    sh->writing = &sh->snaps[0];
    sh->ready = &sh->snaps[1];
    v->drawing = &sh->snaps[2];
    sh->selected = WORLD_NO_ID;
    sh->speed = o->speed;
    sh->want = true;
    sh->lockstep = o->frames > 0;

    run_process_setup(o->threads);
    RunOptions ro = run_default_options();
    ro.out_dir = o->out_dir;
    ro.force = o->force;
    ro.generations = o->generations;
    ro.argc = argc;
    ro.argv = argv;
    Run *run = NULL;
    PetriStatus s;
    int rc = 0;
    /* --genome needs the population, which needs the config: load it first */
    RunDef probe;
    if (o->genome_count > 0) {
        if (o->resume) {
            char cfg[4096];
            snprintf(cfg, sizeof cfg, "%s/config.yaml", o->target);
            s = run_def_load(&probe, cfg, NULL, 0, &err);
        } else {
            s = run_def_load(&probe, o->target, o->overrides, o->override_count, &err);
        }
        if (s != PETRI_OK) {
            error_print(&err, stderr);
            rc = 2;
            goto fail;
        }
        const char *pop_name = o->genome_pop;
        char from_file[64] = "";
        if (pop_name == NULL) {
            /* champions/NAME-best.bin: the population is in the name */
            const char *base = strrchr(o->genomes[0], '/');
            base = base != NULL ? base + 1 : o->genomes[0];
            size_t k = strcspn(base, "-.");
            snprintf(from_file, sizeof from_file, "%.*s", (int)(k < 63 ? k : 63), base);
            for (int p = 0; p < probe.population_count; ++p) {
                if (strcmp(probe.populations[p].name, from_file) == 0) {
                    pop_name = from_file;
                }
            }
        }
        int gp = genome_pop_index(&probe, pop_name, &err);
        if (gp < 0) {
            error_print(&err, stderr);
            rc = 2;
            goto fail;
        }
        ro.genomes = o->genomes;
        ro.genome_count = o->genome_count;
        ro.genome_pop = gp;
    }
    if (!o->resume) {
        /* a bad config is reported before a window opens */
        s = run_def_load(&probe, o->target, o->overrides, o->override_count, &err);
        if (s != PETRI_OK) {
            error_print(&err, stderr);
            rc = 2;
            goto fail;
        }
    }
    /* the window and ffmpeg before the run, so that a missing display or
     * ffmpeg leaves no run folder behind */
    if (open_renderer(v, &err) != PETRI_OK) {
        error_print(&err, stderr);
        rc = 1;
        goto fail;
    }
    if (o->record != NULL) {
        if (recorder_start(o->record, v->ui.width, v->ui.height, RECORD_FPS, &v->rec, &err) !=
            PETRI_OK) {
            error_print(&err, stderr);
            rc = 2;
            goto fail;
        }
    }
    if (o->resume) {
        s = run_resume(o->target, &ro, &run, &err);
    } else {
        s = run_create(o->target, o->overrides, o->override_count, &ro, &run, &err);
    }
    if (s != PETRI_OK) {
        error_print(&err, stderr);
        rc = s == PETRI_EIO ? 1 : 2;
        goto fail;
    }
    sh->run = run;
    sh->def = run_def(run);
    lineage_init(&sh->book, sh->def->evolution.mode, sh->def);
    if (o->resume) {
        /* the parents of the generations before this session */
        char path[4200];
        snprintf(path, sizeof path, "%s/lineage.csv", run_dir(run));
        PetriError lerr;
        error_clear(&lerr);
        if (lineage_load_file(&sh->book, path, 16u << 20, &lerr) != PETRI_OK) {
            fprintf(stderr, "petri view: warning: ");
            error_print(&lerr, stderr);
        }
    }
    const char *why = NULL;
    if (run_done(run, &why)) {
        printf("%s: %s at generation %llu (target %llu); nothing to show. Give a higher target "
               "with --generations N to go on.\n",
               run_dir(run), why, (unsigned long long)run_stats(run)->generation,
               (unsigned long long)run_stats(run)->target);
        goto fail;
    }
    v->plots.pop_count = sh->def->population_count;
    for (int p = 0; p < sh->def->population_count; ++p) {
        snprintf(v->plots.pop_names[p], sizeof v->plots.pop_names[p], "%s",
                 sh->def->populations[p].name);
    }
    sh->species_pop = 0;
    for (int p = sh->def->population_count - 1; p >= 0; --p) {
        if (sh->def->populations[p].controller == CONTROLLER_BRAIN) {
            sh->species_pop = p;
        }
    }
    v->plots.species_pop = sh->species_pop;
    if (o->resume) {
        /* the plots start with the generations before this session */
        plot_history_load(&v->plots, run_dir(run), sh->def, run_stats(run)->generation);
    }
    watch_path(o, v->config_path, sizeof v->config_path);
    if (file_watch_create(v->config_path, &v->watch, &err) != PETRI_OK) {
        fprintf(stderr, "petri view: warning: ");
        error_print(&err, stderr);
        fprintf(stderr, "petri view: editing the config will not change the run\n");
        error_clear(&err);
    }
    sh->mu = SDL_CreateMutex();
    sh->cv = SDL_CreateCond();
    run_set_observer(run, observe, sh);
    fprintf(stderr, "petri view: run folder %s (h in the window: help)\n", run_dir(run));
    v->thread = SDL_CreateThread(sim_thread, "petri-sim", sh);
    if (v->thread == NULL) {
        fprintf(stderr, "petri view: error: cannot start the simulation thread: %s\n",
                SDL_GetError());
        rc = 1;
        goto fail;
    }
    v->fps_t0 = now_s();
    v->started = v->fps_t0;
    v->next_frame = v->fps_t0;
    *rc_out = 0;
    return v;
fail:
    v->rc = rc;
    *rc_out = viewer_close(v);
    return NULL;
}

/* One pass of the window's loop: events, the newest snapshot, a frame
 * drawn (and recorded, or written as the screenshot). false: stop. */
bool viewer_frame(Viewer *v)
{
    ViewOptions *o = v->o;
    Shared *sh = &v->sh;
    PetriError err;
    error_clear(&err);
    if (v->quit) {
        return false;
    }
    if (v->win != NULL) {
        events(v);
    }
    if (!sh->lockstep) {
        /* at most 60 frames per second even without vsync (Xvfb), and
         * as fast as possible only FASTEST_FPS, so that drawing leaves
         * the cores to the run; events stay answered meanwhile */
        double wait = v->next_frame - now_s();
        if (wait > 0) {
            SDL_Delay((Uint32)(fmin(wait, 0.016) * 1000.0) + 1);
            return !v->quit;
        }
        SDL_LockMutex(sh->mu);
        bool fastest = SPEEDS[sh->speed] == 0;
        SDL_UnlockMutex(sh->mu);
        v->next_frame += fastest ? 1.0 / FASTEST_FPS : 1.0 / 60.0;
        if (v->next_frame < now_s() - 0.1) {
            v->next_frame = now_s();
        }
    }
    uint64_t ticks = 0;
    bool fresh;
    if (sh->lockstep) {
        /* wait for the tick of this frame (or the end of the run) */
        SDL_LockMutex(sh->mu);
        while (!sh->fresh && !sh->finished) {
            SDL_CondWait(sh->cv, sh->mu);
        }
        SDL_UnlockMutex(sh->mu);
    }
    fresh = take_news(v, &ticks, &v->finished);
    if (v->watch != NULL && file_watch_changed(v->watch)) {
        config_changed(v);
    }
    if (v->finished && !fresh && sh->lockstep) {
        if (o->frames > 0 && v->frames < o->frames && v->frames > 0) {
            fprintf(stderr, "petri view: the run ended at frame %ld, before frame %ld\n",
                    v->frames, o->frames);
            if (o->screenshot != NULL) {
                uint8_t *rgb = image_read_rgb(v->r, v->ui.width, v->ui.height);
                if (rgb != NULL &&
                    image_write_png(o->screenshot, rgb, v->ui.width, v->ui.height, &err) ==
                        PETRI_OK) {
                    fprintf(stderr, "petri view: wrote %s (the last frame, tick %llu)\n",
                            o->screenshot, (unsigned long long)v->drawing->tick);
                } else {
                    error_print(&err, stderr);
                    v->rc = 1;
                }
                if (rgb != NULL) {
                    petri_free(rgb, (size_t)v->ui.width * (size_t)v->ui.height * 3);
                }
            }
        }
        return false;
    }
    if (v->drawing->pop_count == 0) {
        /* nothing to draw yet */
        if (v->finished) {
            return false;
        }
        SDL_Delay(5);
        return !v->quit;
    }
    if (!v->fitted) {
        ViewLayout l = view_layout(v->ui.width, v->ui.height);
        v->ui.cam = (Camera){.vx = l.world.x, .vy = l.world.y, .vw = l.world.w, .vh = l.world.h};
        camera_fit(&v->ui.cam, v->drawing->size[0], v->drawing->size[1]);
        v->fitted = true;
        if (o->select_best) {
            cycle_best(v, true);
        }
    }
    if (v->drawing->mode == EVOLUTION_GENERATIONAL && v->drawing->generation != v->shown_generation) {
        /* a new generation is a new arena: its ids name other agents */
        v->shown_generation = v->drawing->generation;
        if (v->ui.selected != WORLD_NO_ID) {
            select_agent(v, WORLD_NO_ID);
            if (v->ui.follow) {
                v->ui.follow = false; /* nothing to follow: back to the whole world */
                camera_fit(&v->ui.cam, v->drawing->size[0], v->drawing->size[1]);
            }
        }
    }
    if (o->select_best && v->drawing->agent_count > 0 &&
        (v->ui.selected == WORLD_NO_ID || snapshot_find(v->drawing, v->ui.selected) < 0)) {
        /* --select-best: keeps a living best agent in the inspector */
        v->ui.selected = WORLD_NO_ID;
        cycle_best(v, true);
    }
    if (v->ui.follow && v->ui.selected != WORLD_NO_ID) {
        int i = snapshot_find(v->drawing, v->ui.selected);
        if (i >= 0) {
            v->ui.cam.cx = v->drawing->agents[i].x;
            v->ui.cam.cy = v->drawing->agents[i].y;
        }
    }
    double t = now_s();
    if (v->banner_until > 0 && (sh->lockstep ? (double)v->frames : t) > v->banner_until) {
        v->ui.banner[0] = '\0';
        v->banner_until = 0;
    }
    if (v->message_until > 0 && t > v->message_until) {
        v->ui.message[0] = '\0';
        v->message_until = 0;
    }
    if (t - v->fps_t0 >= 0.5 && !sh->lockstep) {
        v->ui.fps = v->fps_frames / (t - v->fps_t0);
        v->ui.tps = (double)(ticks - v->ticks0) / (t - v->fps_t0);
        v->fps_t0 = t;
        v->fps_frames = 0;
        v->ticks0 = ticks;
    }
    view_draw_frame(v->r, &v->ui, v->drawing, &v->plots);
    ++v->frames;
    ++v->fps_frames;
    if (v->rec != NULL) {
        /* off-screen: one frame per tick; in a window: wall-clock time */
        long copies = 1;
        if (!sh->lockstep) {
            double t_now = now_s();
            if (v->recorded == 0) {
                v->record_t0 = t_now;
            }
            copies = recorder_copies(t_now - v->record_t0, RECORD_FPS, v->recorded);
        }
        uint8_t *rgb = copies > 0 ? image_read_rgb(v->r, v->ui.width, v->ui.height) : NULL;
        bool ok = copies == 0 || rgb != NULL;
        for (long k = 0; k < copies && ok; ++k) {
            ok = recorder_frame(v->rec, rgb, &err) == PETRI_OK;
            v->recorded += ok;
        }
        if (!ok) {
            if (rgb == NULL) {
                error_add(&err, PETRI_EIO, "petri view: error: cannot read the frame");
            }
            error_print(&err, stderr);
            v->rc = 1;
            v->quit = true;
        }
        if (rgb != NULL) {
            petri_free(rgb, (size_t)v->ui.width * (size_t)v->ui.height * 3);
        }
    }
    if (o->frames > 0 && v->frames >= o->frames) {
        if (o->screenshot != NULL) {
            uint8_t *rgb = image_read_rgb(v->r, v->ui.width, v->ui.height);
            if (rgb == NULL ||
                image_write_png(o->screenshot, rgb, v->ui.width, v->ui.height, &err) != PETRI_OK) {
                if (rgb == NULL) {
                    error_add(&err, PETRI_EIO, "petri view: error: cannot read the frame");
                }
                error_print(&err, stderr);
                v->rc = 1;
            } else {
                fprintf(stderr, "petri view: wrote %s (frame %ld, tick %llu)\n",
                        o->screenshot, v->frames, (unsigned long long)v->drawing->tick);
            }
            if (rgb != NULL) {
                petri_free(rgb, (size_t)v->ui.width * (size_t)v->ui.height * 3);
            }
        }
        v->quit = true;
    }
    if (sh->lockstep) {
        SDL_LockMutex(sh->mu);
        sh->want = true;
        SDL_CondBroadcast(sh->cv);
        SDL_UnlockMutex(sh->mu);
    } else {
        SDL_RenderPresent(v->r);
    }
    if (v->finished && !sh->lockstep && v->win == NULL) {
        return false;
    }
    return !v->quit;
}

/* Stops the simulation's thread (the run writes its checkpoint), closes
 * the run, the window and SDL; frees v. Returns the exit code. */
int viewer_close(Viewer *v)
{
    ViewOptions *o = v->o;
    Shared *sh = &v->sh;
    Run *run = sh->run;
    PetriError err;
    error_clear(&err);
    if (v->thread != NULL) {
        double shown = now_s() - v->started;
        SDL_LockMutex(sh->mu);
        sh->quit = true;
        uint64_t observed = sh->ticks;
        SDL_CondBroadcast(sh->cv);
        SDL_UnlockMutex(sh->mu);
        SDL_WaitThread(v->thread, NULL);
        v->thread = NULL;
        fprintf(stderr,
                "petri view: %ld frames in %.1f s (%.1f frames/s), %llu ticks observed (%.0f/s)\n",
                v->frames, shown, shown > 0 ? (double)v->frames / shown : 0.0,
                (unsigned long long)observed, shown > 0 ? (double)observed / shown : 0.0);
        if (sh->status != PETRI_OK) {
            error_print(&sh->err, stderr);
            v->rc = 1;
        }
        const char *reason = NULL;
        if (!run_done(run, &reason)) {
            PetriError serr;
            error_clear(&serr);
            if (run_stop(run, "viewer closed", &serr) != PETRI_OK) {
                error_print(&serr, stderr);
                v->rc = 1;
            }
        }
        if (v->rec != NULL) {
            PetriError rerr;
            error_clear(&rerr);
            if (recorder_finish(v->rec, &rerr) != PETRI_OK) {
                error_print(&rerr, stderr);
                v->rc = 1;
            } else {
                fprintf(stderr, "petri view: wrote %s (%ld frames at %d frames/s: %.2f s)\n",
                        o->record, v->recorded, RECORD_FPS, (double)v->recorded / RECORD_FPS);
            }
            v->rec = NULL;
        }
    }
    if (run != NULL) {
        PetriError cerr;
        error_clear(&cerr);
        fprintf(stderr, "petri view: generation %llu, state %016llx; continue with: petri view %s\n",
                (unsigned long long)run_stats(run)->generation, (unsigned long long)run_hash(run),
                run_dir(run));
        if (run_close(run, &cerr) != PETRI_OK) {
            error_print(&cerr, stderr);
            v->rc = v->rc != 0 ? v->rc : 1;
        }
    }
    if (v->rec != NULL) {
        PetriError rerr;
        error_clear(&rerr);
        recorder_finish(v->rec, &rerr);
    }
    file_watch_destroy(v->watch);
    view_ui_fini(&v->ui);
    if (v->r != NULL) {
        SDL_DestroyRenderer(v->r);
    }
    if (v->surface != NULL) {
        SDL_FreeSurface(v->surface);
    }
    if (v->win != NULL) {
        SDL_DestroyWindow(v->win);
    }
    if (sh->cv != NULL) {
        SDL_DestroyCond(sh->cv);
    }
    if (sh->mu != NULL) {
        SDL_DestroyMutex(sh->mu);
    }
    for (int i = 0; i < 3; ++i) {
        snapshot_fini(&sh->snaps[i]);
    }
    lineage_fini(&sh->book);
    plot_history_fini(&v->plots);
    int rc = v->rc;
    petri_free(v, sizeof *v);
    if (TTF_WasInit()) {
        TTF_Quit();
    }
    SDL_Quit();
    return rc;
}

void view_options_fini(ViewOptions *o, int argc)
{
    petri_free(o->overrides, ((size_t)argc + 1) * sizeof *o->overrides);
    petri_free(o->genomes, ((size_t)argc + 1) * sizeof *o->genomes);
    o->overrides = NULL;
    o->genomes = NULL;
}

static int view_run(ViewOptions *o, int argc, char **argv)
{
    int rc = 0;
    Viewer *v = viewer_open(o, argc, argv, &rc);
    if (v == NULL) {
        return rc;
    }
    while (viewer_frame(v)) {
    }
    return viewer_close(v);
}

int view_main(int argc, char **argv)
{
    ViewOptions o;
    int rc = view_parse_options(argc, argv, &o);
    if (rc < 0) {
        rc = view_run(&o, argc, argv);
    }
    view_options_fini(&o, argc);
    return rc;
}
