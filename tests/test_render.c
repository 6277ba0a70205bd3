/*
 * The viewer's drawing, off-screen (a software renderer on a surface, no
 * display): a fixed scene drawn at a fixed frame has the window's size,
 * the expected colours where a known agent, plant and obstacle are, and
 * the same pixels from run to run; the inspector, the brain and the plots
 * appear in their parts of the window; the camera keeps the point under
 * the cursor when zooming; capturing snapshots and drawing them leaves
 * the simulation's state hash as it is headless. The controls are driven
 * in a window on SDL's dummy video driver (events pushed, the viewer's own
 * loop); species, lineage and --record are checked against the run's own
 * tables and ffprobe.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "render/render_internal.h"
#include "render/viewer.h"

#include <SDL_ttf.h>
#include <sys/stat.h>
#include <time.h>

#include <math.h>
#include <omp.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { W = 1280, H = 720 };

typedef struct Canvas {
    SDL_Surface *surface;
    SDL_Renderer *r;
    ViewUi ui;
} Canvas;

static void canvas_open(Canvas *c)
{
    memset(c, 0, sizeof *c);
    c->surface = SDL_CreateRGBSurfaceWithFormat(0, W, H, 32, SDL_PIXELFORMAT_ARGB8888);
    assert_non_null(c->surface);
    c->r = SDL_CreateSoftwareRenderer(c->surface);
    assert_non_null(c->r);
    char err[512];
    c->ui.font = font_create(c->r, 15, err, sizeof err);
    if (c->ui.font == NULL) {
        fail_msg("%s", err);
    }
    c->ui.small = font_create(c->r, 12, err, sizeof err);
    assert_non_null(c->ui.small);
    c->ui.width = W;
    c->ui.height = H;
    c->ui.selected = WORLD_NO_ID;
    c->ui.speed_text = "60 ticks/s";
}

static void canvas_close(Canvas *c)
{
    view_ui_fini(&c->ui);
    SDL_DestroyRenderer(c->r);
    SDL_FreeSurface(c->surface);
}

static SDL_Color pixel(const Canvas *c, int x, int y)
{
    assert_true(x >= 0 && x < W && y >= 0 && y < H);
    const Uint32 *row = (const Uint32 *)((const Uint8 *)c->surface->pixels + y * c->surface->pitch);
    SDL_Color out;
    SDL_GetRGB(row[x], c->surface->format, &out.r, &out.g, &out.b);
    out.a = 255;
    return out;
}

static void assert_colour(const Canvas *c, float x, float y, SDL_Color want, const char *what)
{
    SDL_Color got = pixel(c, (int)lrintf(x), (int)lrintf(y));
    if (abs(got.r - want.r) > 2 || abs(got.g - want.g) > 2 || abs(got.b - want.b) > 2) {
        fail_msg("%s at (%.0f, %.0f): got %d,%d,%d, want %d,%d,%d", what, (double)x, (double)y,
                 got.r, got.g, got.b, want.r, want.g, want.b);
    }
}

/* A 40 x 30 walled world: one brain agent at (10, 15) heading +x, one
 * full plant cell at (30.5, 20.5), a circle obstacle at (25, 6), no other
 * food. */
static World *scene(Genome *g)
{
    WorldDef wd = world_default_def();
    wd.size[0] = 40;
    wd.size[1] = 30;
    wd.edges = WORLD_EDGES_WALLS;
    wd.food.cell_size = 1;
    wd.food.patches = 0;
    wd.food.initial = 0;
    wd.food.regrowth = 0;
    wd.obstacle_count = 1;
    wd.obstacles[0].shape = OBSTACLE_CIRCLE;
    wd.obstacles[0].center[0] = 25;
    wd.obstacles[0].center[1] = 6;
    wd.obstacles[0].radius = 3;
    PopulationDef pd = population_default_def();
    snprintf(pd.name, sizeof pd.name, "prey");
    pd.count = 0;
    pd.radius = 1.5;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    if (world_create(&wd, &pd, 1, 7, &w, &err) != PETRI_OK) {
        fail_msg("%s", err.msg);
    }
    AgentSpawn sp = {.pop = 0, .x = 10, .y = 15, .heading = 0, .energy = 50, .tag = -1,
                     .parent = WORLD_NO_ID};
    world_add_agent(w, &sp);
    world_set_food(w, 30.5f, 20.5f, (float)wd.food.capacity, 0);
    Pcg32 rng;
    pcg32_seed(&rng, 3, 5);
    genome_init_random(g, world_input_count(w, 0), WORLD_OUTPUTS, 3, 12, false, &rng);
    return w;
}

static uint8_t *draw_scene(Canvas *c, bool select)
{
    Genome g;
    memset(&g, 0, sizeof g);
    World *w = scene(&g);
    ViewSnapshot s;
    snapshot_init(&s);
    snapshot_capture_world(&s, w, NULL);
    float values[256];
    for (int i = 0; i < g.node_count && i < 256; ++i) {
        values[i] = (float)((i % 7) - 3) / 3.0f;
    }
    snapshot_capture_brain(&s, s.agents[0].id, &g, values);
    PlotHistory h;
    plot_history_init(&h);
    h.pop_count = 1;
    snprintf(h.pop_names[0], sizeof h.pop_names[0], "prey");
    for (int i = 0; i < 10; ++i) {
        PlotRow row;
        memset(&row, 0, sizeof row);
        row.best[0] = 10 + i;
        row.mean[0] = 5 + i * 0.5;
        row.count[0] = 50;
        row.species_count = 2;
        row.species_id[0] = 1;
        row.species_size[0] = 30 - i;
        row.species_id[1] = 2;
        row.species_size[1] = 20 + i;
        plot_history_add(&h, &row);
    }
    ViewLayout l = view_layout(W, H);
    c->ui.cam.vx = l.world.x;
    c->ui.cam.vy = l.world.y;
    c->ui.cam.vw = l.world.w;
    c->ui.cam.vh = l.world.h;
    camera_fit(&c->ui.cam, s.size[0], s.size[1]);
    c->ui.selected = select ? s.agents[0].id : WORLD_NO_ID;
    view_draw_frame(c->r, &c->ui, &s, &h);
    SDL_RenderPresent(c->r);
    uint8_t *rgb = image_read_rgb(c->r, W, H);
    assert_non_null(rgb);
    plot_history_fini(&h);
    snapshot_fini(&s);
    genome_fini(&g);
    world_destroy(w);
    return rgb;
}

static void test_scene_colours(void **state)
{
    (void)state;
    Canvas c;
    canvas_open(&c);
    uint8_t *rgb = draw_scene(&c, false);
    petri_free(rgb, (size_t)W * H * 3);
    assert_int_equal(c.surface->w, W);
    assert_int_equal(c.surface->h, H);
    float x, y;
    /* the agent's body, beside its nose (which points along +x) */
    camera_to_screen(&c.ui.cam, 10, 15 + 0.9, &x, &y);
    assert_colour(&c, x, y, view_pop_colour(0), "agent");
    /* the full plant cell */
    camera_to_screen(&c.ui.cam, 30.5, 20.5, &x, &y);
    assert_colour(&c, x, y, view_plant_colour(1.0f), "plant");
    /* the obstacle */
    camera_to_screen(&c.ui.cam, 25, 6, &x, &y);
    assert_colour(&c, x, y, VIEW_OBSTACLE, "obstacle");
    /* bare ground, and the wall on the left edge */
    camera_to_screen(&c.ui.cam, 20, 25, &x, &y);
    assert_colour(&c, x, y, VIEW_GROUND, "ground");
    camera_to_screen(&c.ui.cam, 0, 25, &x, &y);
    assert_colour(&c, x, y, VIEW_WALL, "wall");
    canvas_close(&c);
}

static void test_same_pixels_every_time(void **state)
{
    (void)state;
    Canvas a, b;
    canvas_open(&a);
    uint8_t *pa = draw_scene(&a, true);
    /* PETRI_TEST_PNG=FILE keeps the scene to look at */
    const char *keep = getenv("PETRI_TEST_PNG");
    if (keep != NULL && keep[0] != '\0') {
        PetriError err;
        error_clear(&err);
        assert_int_equal(image_write_png(keep, pa, W, H, &err), PETRI_OK);
    }
    canvas_close(&a);
    canvas_open(&b);
    uint8_t *pb = draw_scene(&b, true);
    canvas_close(&b);
    assert_memory_equal(pa, pb, (size_t)W * H * 3);
    petri_free(pa, (size_t)W * H * 3);
    petri_free(pb, (size_t)W * H * 3);
}

/* Pixels of colour c (within 2 per channel) inside rect. */
static int count_colour(const Canvas *cv, SDL_Rect at, SDL_Color c)
{
    int n = 0;
    for (int y = at.y; y < at.y + at.h; ++y) {
        for (int x = at.x; x < at.x + at.w; ++x) {
            SDL_Color p = pixel(cv, x, y);
            n += abs(p.r - c.r) <= 2 && abs(p.g - c.g) <= 2 && abs(p.b - c.b) <= 2;
        }
    }
    return n;
}

static void test_panel_parts_where_expected(void **state)
{
    (void)state;
    Canvas c;
    canvas_open(&c);
    ViewLayout l = view_layout(W, H);
    /* the panel lies right of the world, the three parts stacked */
    assert_true(l.world.x + l.world.w == l.inspector.x);
    assert_true(l.inspector.y + l.inspector.h == l.brain.y);
    assert_true(l.brain.y + l.brain.h == l.plots.y && l.plots.y + l.plots.h == H);
    uint8_t *rgb = draw_scene(&c, true);
    petri_free(rgb, (size_t)W * H * 3);
    /* the inspector names the population in its colour */
    assert_true(count_colour(&c, l.inspector, view_pop_colour(0)) > 20);
    /* the brain: node outlines, and blue or red connections */
    SDL_Color ring = {170, 176, 188, 255};
    assert_true(count_colour(&c, l.brain, ring) > 50);
    /* the plots: the population's colour in the first two frames
     * (fitness, population), species colours in the third */
    SDL_Rect fit = {l.plots.x, l.plots.y + 40, l.plots.w / 3, l.plots.h - 40};
    assert_true(count_colour(&c, fit, view_pop_colour(0)) > 30);
    SDL_Rect sp = {l.plots.x + 2 * l.plots.w / 3, l.plots.y + 40, l.plots.w / 3, l.plots.h - 40};
    SDL_Color s1 = view_species_colour(1);
    int s1n = 0;
    for (int y = sp.y; y < sp.y + sp.h; ++y) {
        for (int x = sp.x; x < sp.x + sp.w; ++x) {
            SDL_Color p = pixel(&c, x, y);
            /* blended at alpha 220 over the frame: close to the species colour */
            s1n += abs(p.r - s1.r) < 30 && abs(p.g - s1.g) < 30 && abs(p.b - s1.b) < 30;
        }
    }
    assert_true(s1n > 200);
    /* none of those colours in the panel when nothing is selected and
     * there is no history: the inspector says so in dim text */
    canvas_close(&c);
}

static void test_camera_zoom_keeps_cursor_point(void **state)
{
    (void)state;
    Camera cam = {.vx = 0, .vy = 0, .vw = 800, .vh = 600};
    camera_fit(&cam, 100, 50);
    double wx0, wy0, wx1, wy1;
    camera_to_world(&cam, 200, 150, &wx0, &wy0);
    camera_zoom_at(&cam, 2.0, 200, 150, 0.1, 1000);
    camera_to_world(&cam, 200, 150, &wx1, &wy1);
    assert_true(fabs(wx0 - wx1) < 1e-9 && fabs(wy0 - wy1) < 1e-9);
    float sx, sy;
    camera_to_screen(&cam, wx1, wy1, &sx, &sy);
    assert_true(fabsf(sx - 200) < 1e-3f && fabsf(sy - 150) < 1e-3f);
    /* y grows upwards: a higher world point is higher on screen */
    float sy_up;
    camera_to_screen(&cam, wx1, wy1 + 1, &sx, &sy_up);
    assert_true(sy_up < sy);
}

static void test_drawing_leaves_the_hash(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    const TickScenario *sc = tick_scenario_find("busy");
    assert_non_null(sc);
    PetriError err;
    error_clear(&err);
    Habitat *plain = NULL, *drawn = NULL;
    assert_int_equal(tick_scenario_create(sc, &plain, &err), PETRI_OK);
    assert_int_equal(tick_scenario_create(sc, &drawn, &err), PETRI_OK);
    habitat_step(plain, 120);
    Canvas c;
    canvas_open(&c);
    ViewSnapshot s;
    snapshot_init(&s);
    PlotHistory h;
    plot_history_init(&h);
    for (int t = 0; t < 120; ++t) {
        habitat_step(drawn, 1);
        snapshot_capture_world(&s, habitat_world(drawn), NULL);
        if (t == 0) {
            ViewLayout l = view_layout(W, H);
            c.ui.cam = (Camera){.vx = l.world.x, .vy = l.world.y, .vw = l.world.w, .vh = l.world.h};
            camera_fit(&c.ui.cam, s.size[0], s.size[1]);
            c.ui.selected = s.agents[0].id;
        }
        view_draw_frame(c.r, &c.ui, &s, &h);
    }
    assert_true(habitat_hash(plain) == habitat_hash(drawn));
    plot_history_fini(&h);
    snapshot_fini(&s);
    canvas_close(&c);
    habitat_destroy(plain);
    habitat_destroy(drawn);
}

/* brain_to_genome gives back every enabled connection of the genome
 * (same ends, same weight), in slot order, with the recurrence the
 * genome's rule gives; the node values are the step's. */
static void test_brain_read_back(void **state)
{
    (void)state;
    Pcg32 rng;
    pcg32_seed(&rng, 11, 13);
    for (int trial = 0; trial < 50; ++trial) {
        Genome g;
        genome_init_random(&g, 9, WORLD_OUTPUTS, 1 + trial % 7, 6 + trial, trial % 2 == 1, &rng);
        BrainPool *pool = brain_pool_create();
        int b = brain_pool_add(pool, &g);
        float in[9], out[WORLD_OUTPUTS];
        for (int i = 0; i < 9; ++i) {
            in[i] = (float)i / 9.0f - 0.4f;
        }
        brain_step(pool, b, in, out);
        assert_int_equal(brain_node_count(pool, b), g.node_count);
        const float *values = brain_node_values(pool, b);
        for (int i = 0; i < 9; ++i) {
            assert_true(values[i] == in[i]);
        }
        for (int k = 0; k < WORLD_OUTPUTS; ++k) {
            assert_true(values[9 + 1 + k] == out[k]);
        }
        Genome back;
        memset(&back, 0, sizeof back);
        uint8_t rec[512];
        brain_to_genome(pool, b, &back, rec);
        assert_int_equal(back.node_count, g.node_count);
        uint8_t want_rec[512];
        brain_find_recurrent(&g, want_rec);
        int enabled = 0;
        for (int c = 0; c < g.conn_count; ++c) {
            const ConnGene *cg = &g.conns[c];
            int from = genome_find_node(&g, cg->from), to = genome_find_node(&g, cg->to);
            if (!cg->enabled || g.nodes[to].kind == NODE_INPUT || g.nodes[to].kind == NODE_BIAS) {
                continue;
            }
            ++enabled;
            int found = -1;
            for (int k = 0; k < back.conn_count; ++k) {
                if (back.conns[k].from == (uint32_t)from && back.conns[k].to == (uint32_t)to) {
                    found = k;
                }
            }
            assert_true(found >= 0);
            assert_true(back.conns[found].weight == cg->weight);
            assert_int_equal(rec[found], want_rec[c]);
        }
        assert_int_equal(back.conn_count, enabled);
        for (int i = 0; i < g.node_count; ++i) {
            assert_int_equal(back.nodes[i].kind, g.nodes[i].kind);
        }
        genome_fini(&back);
        genome_fini(&g);
        brain_pool_destroy(pool);
    }
}

/* species.csv rows to a plot row: only the named population, the 16
 * largest species, sorted by id. */
static void test_species_rows_to_plot(void **state)
{
    (void)state;
    char text[4096];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n, "3,other,1,500,,\n");
    for (int id = 0; id < 20; ++id) {
        /* sizes 20..1 for ids 0..19: the 16 largest are ids 0..15 */
        n += (size_t)snprintf(text + n, sizeof text - n, "3,prey,%d,%d,1.5,0.5\n", 19 - id, id + 1);
    }
    PlotRow row;
    memset(&row, 0, sizeof row);
    plot_row_add_species(&row, text, n, "prey");
    assert_int_equal(row.species_count, PLOT_MAX_SPECIES);
    for (int k = 0; k < PLOT_MAX_SPECIES; ++k) {
        assert_int_equal(row.species_id[k], k);
        assert_true(row.species_size[k] == 20.0 - k);
    }
}

/* Tab's order: the fittest of a population first, then down, then round. */
static void test_best_agent_cycle(void **state)
{
    (void)state;
    ViewSnapshot s;
    snapshot_init(&s);
    s.agent_cap = 8;
    s.agents = petri_calloc(8, sizeof(SnapAgent));
    const float fit[5] = {3, 9, 1, 9, 5};
    const int pop[5] = {0, 0, 1, 0, 0};
    for (int i = 0; i < 5; ++i) {
        s.agents[i].id = (uint32_t)(10 + i);
        s.agents[i].fitness = fit[i];
        s.agents[i].pop = (int16_t)pop[i];
    }
    s.agent_count = 5;
    int order[5], i = snapshot_best(&s, 0, WORLD_NO_ID);
    for (int k = 0; k < 5; ++k) {
        order[k] = i;
        i = snapshot_best(&s, 0, s.agents[i].id);
    }
    /* ids 11 and 13 (fitness 9, lower id first), 14 (5), 10 (3), then 11 again */
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 3);
    assert_int_equal(order[2], 4);
    assert_int_equal(order[3], 0);
    assert_int_equal(order[4], 1);
    assert_int_equal(snapshot_best(&s, 1, WORLD_NO_ID), 2);
    assert_int_equal(snapshot_best(&s, 2, WORLD_NO_ID), -1);
    /* clicks: the nearest body within reach of its edge */
    for (int k = 0; k < 5; ++k) {
        s.agents[k].x = (float)(10 * k);
        s.agents[k].radius = 1;
    }
    assert_int_equal(snapshot_pick(&s, 21.5, 0.5, 1.0), 2);
    assert_int_equal(snapshot_pick(&s, 25, 0, 1.0), -1);
    snapshot_fini(&s);
}

/* ------------------------------------------------ the petri binary */

extern char **environ;

static const char *petri_bin(void)
{
    const char *bin = getenv("PETRI_BIN");
    if (bin == NULL || bin[0] == '\0') {
        fail_msg("PETRI_BIN is not set (tests/run_tests.sh sets it)");
    }
    return bin;
}

/* Runs argv with stdout and stderr to /dev/null; returns the exit code. */
static int run_argv(char *const *argv)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    int status = 0;
    assert_true(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static char *read_text(const char *path, size_t *len)
{
    char *data = NULL;
    PetriError err;
    error_clear(&err);
    if (file_read_all(path, 1u << 26, &data, len, &err) != PETRI_OK) {
        fail_msg("%s", err.msg);
    }
    return data;
}

/* The "state_hash" of DIR/summary.json. */
static void summary_hash(const char *dir, char *out, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    size_t len;
    char *text = read_text(path, &len);
    const char *at = strstr(text, "\"state_hash\": \"");
    assert_non_null(at);
    at += strlen("\"state_hash\": \"");
    snprintf(out, cap, "%.*s", (int)strcspn(at, "\""), at);
    petri_free(text, len + 1);
}

/* Runs argv with stderr into a file; returns the exit code and the text
 * (malloc'd through read_text) in *err. */
static int run_argv_err(char *const *argv, char **err, size_t *len)
{
    char path[] = "/tmp/petri-view-err-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, path, O_WRONLY | O_TRUNC, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(rc, 0);
    int status = 0;
    assert_true(waitpid(pid, &status, 0) == pid);
    *err = read_text(path, len);
    unlink(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A usage error names the flag the user typed (not the command, as it
 * once did), in the wording every command uses (core/cli.c; the other
 * commands' are in test_cli), exits 2 and opens no window. */
static void test_view_usage_errors_name_the_flag(void **state)
{
    (void)state;
    static const struct {
        const char *flag;
        const char *says;
    } cases[] = {
        {"--bogus", "petri view: error: unknown option '--bogus'\n"},
        {"--bogus=3", "petri view: error: unknown option '--bogus'\n"},
        {"-z", "petri view: error: unknown option '-z'\n"},
        {"--speed", "petri view: error: option '--speed' needs a value\n"},
        {"--force=1", "petri view: error: option '--force' takes no value\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        char *argv[] = {(char *)petri_bin(), "view", "configs/default.yaml",
                        (char *)cases[i].flag, NULL};
        char *err;
        size_t len;
        assert_int_equal(run_argv_err(argv, &err, &len), 2);
        if (strstr(err, cases[i].says) == NULL || strstr(err, "usage: petri view") == NULL) {
            fail_msg("petri view %s: expected '%s' and the usage in:\n%s", cases[i].flag,
                     cases[i].says, err);
        }
        petri_free(err, len + 1);
    }
}

#define SMALL_RUN                                                                           \
    "--set", "evolution.generations=2", "--set", "evolution.episode_ticks=60", "--set",     \
        "populations.0.count=40", "--set", "world.size=[48,48]"

/* A run shown in the window (off-screen, every tick drawn, the best agent
 * inspected) ends with the state hash of the same run headless. */
static void test_view_same_hash_as_headless(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/petri-view-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/headless", tmpl);
    snprintf(b, sizeof b, "%s/viewed", tmpl);
    char *bin = (char *)petri_bin();
    char *run[] = {bin, "run", "configs/default.yaml", SMALL_RUN, "--out", a, "--quiet", NULL};
    assert_int_equal(run_argv(run), 0);
    char *view[] = {bin,  "view", "configs/default.yaml", SMALL_RUN, "--out", b,
                    "--frames", "100000", "--select-best", NULL};
    assert_int_equal(run_argv(view), 0);
    char ha[64], hb[64];
    summary_hash(a, ha, sizeof ha);
    summary_hash(b, hb, sizeof hb);
    assert_true(strlen(ha) == 16);
    assert_string_equal(ha, hb);
    char *rm[] = {"/bin/rm", "-rf", tmpl, NULL};
    assert_int_equal(run_argv(rm), 0);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* --frames N --screenshot F.png: a PNG of the window's size, the same
 * bytes from run to run. */
static void test_view_screenshot_file(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/petri-view-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char *bin = (char *)petri_bin();
    char png[2][512], out[2][512];
    for (int k = 0; k < 2; ++k) {
        snprintf(png[k], sizeof png[k], "%s/shot%d.png", tmpl, k);
        snprintf(out[k], sizeof out[k], "%s/run%d", tmpl, k);
        char *view[] = {bin,      "view", "configs/default.yaml", SMALL_RUN, "--out", out[k],
                        "--frames", "12",   "--select-best", "--size", "1300x740",
                        "--screenshot", png[k], NULL};
        assert_int_equal(run_argv(view), 0);
    }
    size_t la, lb;
    char *pa = read_text(png[0], &la), *pb = read_text(png[1], &lb);
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_true(la > 33 && memcmp(pa, sig, 8) == 0 && memcmp(pa + 12, "IHDR", 4) == 0);
    assert_int_equal(be32((const uint8_t *)pa + 16), 1300);
    assert_int_equal(be32((const uint8_t *)pa + 20), 740);
    assert_int_equal(la, lb);
    assert_memory_equal(pa, pb, la);
    petri_free(pa, la + 1);
    petri_free(pb, lb + 1);
    char *rm[] = {"/bin/rm", "-rf", tmpl, NULL};
    assert_int_equal(run_argv(rm), 0);
}

/* ------------------------------------------------ the controls, driven
 * A real window on SDL's dummy video driver (no display needed), the
 * run on its thread as in `petri view`, events pushed as SDL_PushEvent
 * would deliver them and taken by viewer_frame. Every wait is bounded:
 * a control that does nothing fails the test instead of hanging it. */

typedef struct Driven {
    Viewer *v;
    ViewOptions o;
    char tmp[64];
    char out[128];
    char *argv[48];
    int argc;
} Driven;

static void drive_open(Driven *d, const char *const *args, int n)
{
    memset(d, 0, sizeof *d);
    snprintf(d->tmp, sizeof d->tmp, "/tmp/petri-drive-XXXXXX");
    assert_non_null(mkdtemp(d->tmp));
    snprintf(d->out, sizeof d->out, "%s/run", d->tmp);
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    /* SDL's own software renderer, as the viewer picks where GL runs on
     * the CPU; the dummy driver and no GL load none of the system
     * libraries (EGL, D-Bus) whose allocations ASan reports as leaks */
    setenv("SDL_RENDER_DRIVER", "software", 1);
    d->argc = 0;
    d->argv[d->argc++] = "view";
    for (int i = 0; i < n; ++i) {
        d->argv[d->argc++] = (char *)args[i];
    }
    d->argv[d->argc++] = "--out";
    d->argv[d->argc++] = d->out;
    d->argv[d->argc] = NULL;
    assert_int_equal(view_parse_options(d->argc, d->argv, &d->o), -1);
    int rc = -1;
    d->v = viewer_open(&d->o, d->argc, d->argv, &rc);
    if (d->v == NULL) {
        fail_msg("the viewer did not open (exit %d)", rc);
    }
    assert_non_null(d->v->win); /* a window, not the off-screen surface */
    d->v->shot_dir = d->tmp;
}

static void drive_close(Driven *d)
{
    assert_int_equal(viewer_close(d->v), 0);
    view_options_fini(&d->o, d->argc);
    char *rm[] = {"/bin/rm", "-rf", d->tmp, NULL};
    assert_int_equal(run_argv(rm), 0);
    unsetenv("SDL_VIDEODRIVER");
    unsetenv("SDL_RENDER_DRIVER");
}

static double clock_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* What the test waits for, read under the viewer's mutex. */
typedef bool (*DrivePred)(Viewer *v, const void *arg);

/* Runs frames until pred holds (checked after each frame); fails after
 * 60 s of wall clock, which only a broken control takes. */
static void drive_until(Driven *d, DrivePred pred, const void *arg, const char *what)
{
    double until = clock_s() + 60.0;
    for (;;) {
        assert_true(viewer_frame(d->v));
        SDL_LockMutex(d->v->sh.mu);
        bool ok = pred(d->v, arg);
        SDL_UnlockMutex(d->v->sh.mu);
        if (ok) {
            return;
        }
        if (clock_s() > until) {
            fail_msg("waited 60 s for: %s", what);
        }
    }
}

static bool frames_at_least(Viewer *v, const void *arg)
{
    return v->frames >= *(const long *)arg;
}

/* n more frames drawn. */
static void drive_frames(Driven *d, long n)
{
    long target = d->v->frames + n;
    drive_until(d, frames_at_least, &target, "frames drawn");
}

static bool ticks_at_least(Viewer *v, const void *arg)
{
    return v->sh.ticks >= *(const uint64_t *)arg && v->drawing->agent_count > 0;
}

static bool held(Viewer *v, const void *arg)
{
    (void)arg;
    return v->sh.waiting && !v->sh.fresh;
}

static void push_key(SDL_Keycode k)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.keysym.sym = k;
    assert_int_equal(SDL_PushEvent(&e), 1);
}

static void push_button(Uint32 type, int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.state = type == SDL_MOUSEBUTTONDOWN ? SDL_PRESSED : SDL_RELEASED;
    e.button.x = x;
    e.button.y = y;
    assert_int_equal(SDL_PushEvent(&e), 1);
}

static void push_motion(int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = x;
    e.motion.y = y;
    assert_int_equal(SDL_PushEvent(&e), 1);
}

static uint64_t ticks_now(Viewer *v)
{
    SDL_LockMutex(v->sh.mu);
    uint64_t t = v->sh.ticks;
    SDL_UnlockMutex(v->sh.mu);
    return t;
}

/* Pauses and waits until the run is held and the window shows the
 * tick it is held at. */
static void drive_pause(Driven *d)
{
    push_key(SDLK_SPACE);
    drive_until(d, held, NULL, "the run held by pause");
    drive_frames(d, 2);
}

#define DRIVE_RUN                                                                           \
    "configs/default.yaml", "--set", "evolution.generations=50", "--set",                    \
        "evolution.episode_ticks=400", "--set", "populations.0.count=40", "--set",          \
        "world.size=[48,48]", "--threads", "1"

/* Space holds the run: no tick passes while paused; `.` runs exactly
 * one; `+`, `-` and `x` change the speed. */
static void test_controls_pause_step_speed(void **state)
{
    (void)state;
    static const char *const args[] = {DRIVE_RUN};
    Driven d;
    drive_open(&d, args, (int)(sizeof args / sizeof args[0]));
    uint64_t some = 5;
    drive_until(&d, ticks_at_least, &some, "the first ticks");
    drive_pause(&d);
    assert_true(d.v->ui.paused);
    uint64_t t0 = ticks_now(d.v), shown = d.v->drawing->tick;
    drive_frames(&d, 20); /* a third of a second of frames */
    assert_true(ticks_now(d.v) == t0);
    assert_true(d.v->drawing->tick == shown);
    for (int k = 1; k <= 3; ++k) {
        push_key(SDLK_PERIOD);
        uint64_t want = t0 + (uint64_t)k;
        drive_until(&d, ticks_at_least, &want, "one tick");
        drive_until(&d, held, NULL, "the run held again after one tick");
        drive_frames(&d, 5);
        assert_true(ticks_now(d.v) == want);
    }
    /* the speed: 60 ticks/s, one step up, two down, fastest and back */
    assert_int_equal(viewer_speed_rate(d.v->sh.speed), 60);
    push_key(SDLK_PLUS);
    drive_frames(&d, 1);
    assert_int_equal(viewer_speed_rate(d.v->sh.speed), 120);
    assert_string_equal(d.v->ui.speed_text, "120 ticks/s");
    push_key(SDLK_MINUS);
    push_key(SDLK_MINUS);
    drive_frames(&d, 1);
    assert_int_equal(viewer_speed_rate(d.v->sh.speed), 30);
    assert_string_equal(d.v->ui.speed_text, "30 ticks/s");
    push_key(SDLK_x);
    drive_frames(&d, 1);
    assert_int_equal(viewer_speed_rate(d.v->sh.speed), 0);
    assert_string_equal(d.v->ui.speed_text, "fastest");
    /* pause, then go on: ticks pass again */
    push_key(SDLK_SPACE);
    drive_frames(&d, 1);
    assert_false(d.v->ui.paused);
    uint64_t later = ticks_now(d.v) + 20;
    drive_until(&d, ticks_at_least, &later, "ticks after going on");
    push_key(SDLK_x);
    drive_frames(&d, 1);
    assert_int_equal(viewer_speed_rate(d.v->sh.speed), 60);
    push_key(SDLK_q);
    assert_false(viewer_frame(d.v));
    drive_close(&d);
}

/* An agent far enough from the others that a click on it can only mean
 * it; -1 when there is none. */
static int lonely_agent(const ViewSnapshot *s)
{
    for (int i = 0; i < s->agent_count; ++i) {
        bool alone = true;
        for (int j = 0; j < s->agent_count && alone; ++j) {
            float dx = s->agents[i].x - s->agents[j].x, dy = s->agents[i].y - s->agents[j].y;
            alone = j == i || sqrtf(dx * dx + dy * dy) > 4 * s->agents[i].radius + 2;
        }
        if (alone) {
            return i;
        }
    }
    return -1;
}

static bool png_of_size(const char *path, int w, int h)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    uint8_t head[24];
    bool ok = fread(head, 1, sizeof head, f) == sizeof head && memcmp(head + 1, "PNG", 3) == 0 &&
              memcmp(head + 12, "IHDR", 4) == 0 && be32(head + 16) == (uint32_t)w &&
              be32(head + 20) == (uint32_t)h;
    fclose(f);
    return ok;
}

/* Click, follow, Tab and n, colour, help, lineage, screenshot, wheel,
 * drag: each control's effect on what the window shows. */
static void test_controls_select_follow_view(void **state)
{
    (void)state;
    static const char *const args[] = {DRIVE_RUN};
    Driven d;
    drive_open(&d, args, (int)(sizeof args / sizeof args[0]));
    uint64_t some = 5;
    drive_until(&d, ticks_at_least, &some, "the first ticks");
    drive_pause(&d);
    Viewer *v = d.v;
    const ViewSnapshot *s = v->drawing;
    /* a click on an agent selects it */
    int i = lonely_agent(s);
    assert_true(i >= 0);
    uint32_t id = s->agents[i].id;
    float sx, sy;
    camera_to_screen(&v->ui.cam, s->agents[i].x, s->agents[i].y, &sx, &sy);
    push_button(SDL_MOUSEBUTTONDOWN, (int)lrintf(sx), (int)lrintf(sy));
    push_button(SDL_MOUSEBUTTONUP, (int)lrintf(sx), (int)lrintf(sy));
    drive_frames(&d, 2);
    assert_true(v->ui.selected == id);
    /* a click on bare ground clears it */
    push_button(SDL_MOUSEBUTTONDOWN, v->ui.cam.vx + 2, v->ui.cam.vy + 2);
    push_button(SDL_MOUSEBUTTONUP, v->ui.cam.vx + 2, v->ui.cam.vy + 2);
    drive_frames(&d, 1);
    assert_true(v->ui.selected == WORLD_NO_ID);
    /* Tab: the fittest agent of the first population; n: the next */
    push_key(SDLK_TAB);
    drive_frames(&d, 2);
    s = v->drawing;
    int b = snapshot_find(s, v->ui.selected);
    assert_true(b >= 0);
    for (int k = 0; k < s->agent_count; ++k) {
        if (s->agents[k].pop == s->agents[b].pop) {
            assert_true(s->agents[k].fitness <= s->agents[b].fitness);
        }
    }
    uint32_t best = v->ui.selected;
    push_key(SDLK_n);
    drive_frames(&d, 2);
    s = v->drawing;
    int nb = snapshot_find(s, v->ui.selected);
    assert_true(nb >= 0 && v->ui.selected != best);
    assert_true(s->agents[nb].fitness <= s->agents[snapshot_find(s, best)].fitness);
    /* f: the camera follows the selected agent, tick after tick */
    push_key(SDLK_f);
    for (int k = 0; k < 3; ++k) {
        uint64_t want = ticks_now(v) + 1;
        push_key(SDLK_PERIOD);
        drive_until(&d, ticks_at_least, &want, "one tick");
        drive_until(&d, held, NULL, "held");
        drive_frames(&d, 2);
        s = v->drawing;
        int f = snapshot_find(s, v->ui.selected);
        assert_true(f >= 0);
        assert_true(v->ui.follow);
        assert_true(v->ui.cam.cx == s->agents[f].x && v->ui.cam.cy == s->agents[f].y);
    }
    /* c: colour by species and back */
    push_key(SDLK_c);
    drive_frames(&d, 1);
    assert_int_equal(v->ui.colour_by, COLOUR_BY_SPECIES);
    assert_non_null(strstr(v->ui.message, "by species"));
    push_key(SDLK_c);
    drive_frames(&d, 1);
    assert_int_equal(v->ui.colour_by, COLOUR_BY_POPULATION);
    /* h and l: the help and the lineage panel, on and off */
    push_key(SDLK_h);
    push_key(SDLK_l);
    drive_frames(&d, 1);
    assert_true(v->ui.help && v->ui.lineage);
    assert_true(v->drawing->lineage_count >= 1);
    push_key(SDLK_h);
    push_key(SDLK_l);
    drive_frames(&d, 1);
    assert_true(!v->ui.help && !v->ui.lineage);
    /* s: a PNG of the window, named after the tick */
    char shot[256];
    snprintf(shot, sizeof shot, "%s/petri-%llu.png", d.tmp, (unsigned long long)v->drawing->tick);
    push_key(SDLK_s);
    drive_frames(&d, 1);
    assert_true(png_of_size(shot, v->ui.width, v->ui.height));
    /* the wheel zooms keeping the world point under the pointer */
    push_key(SDLK_f); /* stop following, which would move the camera */
    drive_frames(&d, 1);
    assert_false(v->ui.follow);
    int mx = v->ui.cam.vx + v->ui.cam.vw / 3, my = v->ui.cam.vy + v->ui.cam.vh / 4;
    double wx0, wy0, wx1, wy1, zoom0 = v->ui.cam.zoom;
    camera_to_world(&v->ui.cam, mx, my, &wx0, &wy0);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEWHEEL;
    e.wheel.y = 2;
    e.wheel.preciseY = 2.0f;
    e.wheel.mouseX = mx;
    e.wheel.mouseY = my;
    assert_int_equal(SDL_PushEvent(&e), 1);
    drive_frames(&d, 1);
    camera_to_world(&v->ui.cam, mx, my, &wx1, &wy1);
    assert_true(fabs(v->ui.cam.zoom / zoom0 - 1.15 * 1.15) < 1e-9);
    assert_true(fabs(wx1 - wx0) < 1e-9 && fabs(wy1 - wy0) < 1e-9);
    /* a drag pans by the pointer's move and selects nothing */
    uint32_t sel = v->ui.selected;
    double cx = v->ui.cam.cx, cy = v->ui.cam.cy;
    push_button(SDL_MOUSEBUTTONDOWN, mx, my);
    push_motion(mx + 50, my + 20);
    push_button(SDL_MOUSEBUTTONUP, mx + 50, my + 20);
    drive_frames(&d, 1);
    assert_true(fabs(v->ui.cam.cx - (cx - 50 / v->ui.cam.zoom)) < 1e-9);
    assert_true(fabs(v->ui.cam.cy - (cy + 20 / v->ui.cam.zoom)) < 1e-9);
    assert_true(v->ui.selected == sel);
    push_key(SDLK_ESCAPE);
    assert_false(viewer_frame(v));
    drive_close(&d);
}

/* ------------------------------------------------ species and lineage */

/* Open-ended: the viewer's species of the living at an epoch's end are
 * species.csv's (same ids, same sizes), from the run's own genomes. */
static void test_open_ended_species_are_species_csv(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    static const char *const ov[] = {"evolution.epoch_ticks=60", "evolution.floor=0",
                                     "neat.compat_threshold=0.1", "world.size=[64,64]",
                                     "populations.0.count=60", "populations.1.count=12"};
    RunOptions ro = run_default_options();
    ro.in_memory = true;
    Run *run = NULL;
    PetriError err;
    error_clear(&err);
    if (run_create("configs/open_world.yaml", ov, 6, &ro, &run, &err) != PETRI_OK) {
        fail_msg("%s", err.msg);
    }
    LineageBook b;
    lineage_init(&b, EVOLUTION_OPEN_ENDED, run_def(run));
    for (int step = 0; step < 2; ++step) {
        assert_int_equal(run_step(run, &err), PETRI_OK);
        RunView v;
        assert_true(run_view_world(run, &v));
        lineage_cluster_world(&b, run, &v);
        /* sizes per (population, species) from the book */
        int sizes[WORLD_MAX_POPULATIONS][LINEAGE_MAX_SPECIES];
        memset(sizes, 0, sizeof sizes);
        for (int s = 0; s < world_agent_count(v.world); ++s) {
            AgentView a;
            world_agent(v.world, s, &a);
            const LineageEntry *e = lineage_find(&b, 0, a.pop, a.id);
            assert_non_null(e);
            assert_true(e->species >= 0 && e->species < LINEAGE_MAX_SPECIES);
            sizes[a.pop][e->species]++;
        }
        /* every species.csv row of this epoch, and no other species */
        size_t len;
        const char *rows = run_species_rows(run, &len);
        int listed = 0, total = 0;
        for (const char *p = rows; p < rows + len; p = strchr(p, '\n') + 1) {
            unsigned long long g;
            char pop[32];
            int sp, size;
            assert_int_equal(sscanf(p, "%llu,%31[^,],%d,%d", &g, pop, &sp, &size), 4);
            int pi = strcmp(pop, "grazers") == 0 ? 0 : 1;
            assert_int_equal(sizes[pi][sp], size);
            ++listed;
            total += size;
        }
        assert_true(listed >= 2);
        assert_int_equal(total, world_agent_count(v.world));
        assert_int_equal(b.rep_count[0] + b.rep_count[1], listed);
        if (step == 1) {
            /* the threshold makes more than one species somewhere */
            assert_true(b.rep_count[0] + b.rep_count[1] > 2);
        }
    }
    lineage_fini(&b);
    assert_int_equal(run_close(run, &err), PETRI_OK);
}

/* The rows of lineage.csv into the book: a generational birth names the
 * genomes of the next generation, an open-ended one the newborn; the line
 * of descent follows the first parents back to a founder. */
static void test_lineage_rows_and_chain(void **state)
{
    (void)state;
    RunDef def = run_default_def();
    snprintf(def.populations[0].name, sizeof def.populations[0].name, "prey");
    LineageBook g;
    lineage_init(&g, EVOLUTION_GENERATIONAL, &def);
    const char gen_rows[] = "1,,birth,prey,0,4,,2,,,\n1,,birth,prey,1,4,7,3,,,\n"
                            "1,,death,prey,3,,,,starved,,\n"
                            "2,,birth,prey,0,1,0,3,,,\n2,,birth,prey,1,0,,2,,,\n2,,birth,pr";
    size_t used = lineage_add_rows(&g, gen_rows, sizeof gen_rows - 1, NULL, NULL);
    assert_int_equal(used, sizeof gen_rows - 1 - strlen("2,,birth,pr"));
    /* genome 0 of generation 3: parents 1 + 0 of gen 2, whose genome 1
     * came from 4 + 7 of gen 1, a founder */
    LineageEntry line[VIEW_LINEAGE_DEPTH];
    int n = lineage_chain(&g, 3, 0, 0, line, VIEW_LINEAGE_DEPTH);
    assert_int_equal(n, 3);
    assert_true(line[0].generation == 3 && line[0].parent1 == 1 && line[0].parent2 == 0);
    assert_int_equal(line[0].species, 3);
    assert_true(line[1].generation == 2 && line[1].id == 1 && line[1].parent1 == 4 &&
                line[1].parent2 == 7);
    assert_true(line[2].generation == 1 && line[2].id == 4 && line[2].cause == LINEAGE_FOUNDER);
    /* a generation the book has no rows of is "not recorded" */
    n = lineage_chain(&g, 9, 0, 0, line, VIEW_LINEAGE_DEPTH);
    assert_int_equal(n, 1);
    assert_int_equal(line[0].cause, LINEAGE_UNKNOWN);
    lineage_fini(&g);

    LineageBook o;
    lineage_init(&o, EVOLUTION_OPEN_ENDED, &def);
    const char oe_rows[] = "1,10,birth,prey,50,3,,,,,\n1,12,birth,prey,51,50,9,,,,\n"
                           "1,15,death,prey,50,,,,starved,,\n2,100,birth,prey,60,,,,reseed,,\n"
                           "2,140,birth,prey,61,51,,,,,\n";
    lineage_add_rows(&o, oe_rows, sizeof oe_rows - 1, NULL, NULL);
    n = lineage_chain(&o, 0, 0, 61, line, VIEW_LINEAGE_DEPTH);
    assert_int_equal(n, 4);
    assert_true(line[0].id == 61 && line[0].tick == 140 && line[0].generation == 2);
    assert_true(line[1].id == 51 && line[1].parent1 == 50 && line[1].parent2 == 9);
    assert_true(line[2].id == 50 && line[2].dead && line[2].death_tick == 15);
    assert_string_equal(line[2].death, "starved");
    assert_true(line[3].id == 3 && line[3].cause == LINEAGE_UNKNOWN);
    const LineageEntry *r = lineage_find(&o, 0, 0, 60);
    assert_true(r != NULL && r->cause == LINEAGE_RESEED && r->parent1 == WORLD_NO_ID);
    lineage_fini(&o);
}

/* The window on a generational run: the inspected genome's parents are
 * its lineage.csv row's, and the line goes back to generation 1. */
static void test_view_generational_parents(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/petri-view-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char out[256];
    snprintf(out, sizeof out, "%s/run", tmpl);
    /* generation 3, tick 20: frame 2 * 60 + 20 */
    char *argv[] = {"view", "configs/default.yaml", SMALL_RUN, "--set",
                    "evolution.generations=3", "--out", out, "--frames", "140",
                    "--select-best", NULL};
    int argc = (int)(sizeof argv / sizeof argv[0]) - 1;
    ViewOptions o;
    assert_int_equal(view_parse_options(argc, argv, &o), -1);
    int rc = -1;
    Viewer *v = viewer_open(&o, argc, argv, &rc);
    assert_non_null(v);
    while (viewer_frame(v)) {
    }
    const ViewSnapshot *s = v->drawing;
    assert_true(s->generation == 2); /* two done: generation 3 shown */
    int sel = snapshot_find(s, v->ui.selected);
    assert_true(sel >= 0 && s->agents[sel].genome >= 0);
    int genome = s->agents[sel].genome;
    assert_int_equal(s->lineage_count, 3);
    LineageEntry me = s->lineage[0];
    assert_true(me.id == (uint32_t)genome && me.generation == 3 && me.parent1 != WORLD_NO_ID);
    assert_true(s->lineage[1].id == me.parent1 && s->lineage[1].generation == 2);
    assert_int_equal(s->lineage[2].cause, LINEAGE_FOUNDER);
    char text[160];
    assert_true(view_parents_text(s, &s->agents[sel], text, sizeof text));
    assert_true(strstr(text, "parents #") != NULL || strstr(text, "parent #") != NULL);
    assert_int_equal(viewer_close(v), 0);
    view_options_fini(&o, argc);
    /* the row of generation 2's breeding that named this genome */
    char path[512], want[128];
    snprintf(path, sizeof path, "%s/lineage.csv", out);
    size_t len;
    char *csv = read_text(path, &len);
    snprintf(want, sizeof want, "\n2,,birth,prey,%d,%u,", genome, me.parent1);
    assert_non_null(strstr(csv, want));
    petri_free(csv, len + 1);
    char *rm[] = {"/bin/rm", "-rf", tmpl, NULL};
    assert_int_equal(run_argv(rm), 0);
}

/* Runs argv with stdout to the file out; returns the exit code. */
static int run_argv_to(char *const *argv, const char *out)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        return 127;
    }
    int status = 0;
    assert_true(waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* --record: the video has one frame per drawn frame off-screen, at 60
 * frames per second, as ffprobe reads it back; in a window a frame is
 * repeated for the 1/60 s slots it covered. */
static void test_record_frames_and_rate(void **state)
{
    (void)state;
    /* a window's frames: wall-clock slots */
    assert_int_equal(recorder_copies(0.0, 60, 0), 1);
    assert_int_equal(recorder_copies(0.010, 60, 1), 0);  /* early: none */
    assert_int_equal(recorder_copies(0.0167, 60, 1), 1); /* on time */
    assert_int_equal(recorder_copies(0.2, 60, 2), 11);   /* 5 fps: repeated */
    assert_int_equal(recorder_copies(100.0, 60, 2), 120); /* a stall: at most 2 s */
    char tmpl[] = "/tmp/petri-view-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char out[256], mp4[256], probe[256];
    snprintf(out, sizeof out, "%s/run", tmpl);
    snprintf(mp4, sizeof mp4, "%s/v.mp4", tmpl);
    snprintf(probe, sizeof probe, "%s/probe.txt", tmpl);
    char *bin = (char *)petri_bin();
    char *view[] = {bin,  "view", "configs/default.yaml", SMALL_RUN, "--out", out,
                    "--frames", "45", "--size", "640x360", "--record", mp4, NULL};
    assert_int_equal(run_argv(view), 0);
    char *ffprobe[] = {"ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                       "-show_entries", "stream=nb_read_frames,r_frame_rate,width,height",
                       "-of", "csv=p=0", mp4, NULL};
    int rc = run_argv_to(ffprobe, probe);
    if (rc == 127) {
        fail_msg("ffprobe is not installed: `make deps` installs ffmpeg, which --record needs");
    }
    assert_int_equal(rc, 0);
    size_t len;
    char *text = read_text(probe, &len);
    /* width,height,r_frame_rate,nb_read_frames */
    assert_non_null(strstr(text, "640,360,60/1,45"));
    petri_free(text, len + 1);
    char *rm[] = {"/bin/rm", "-rf", tmpl, NULL};
    assert_int_equal(run_argv(rm), 0);
}

/* The watcher sees a write in place and a rename over the file (how
 * editors save), and not a change to another file of the folder. */
static void test_file_watch_sees_edits(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/petri-view-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char path[512], other[512], tmp[512];
    snprintf(path, sizeof path, "%s/world.yaml", tmpl);
    snprintf(other, sizeof other, "%s/other.yaml", tmpl);
    snprintf(tmp, sizeof tmp, "%s/.world.yaml.swp", tmpl);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("seed: 1\n", f);
    fclose(f);
    FileWatch *fw = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(file_watch_create(path, &fw, &err), PETRI_OK);
    assert_false(file_watch_changed(fw));
    f = fopen(other, "w");
    fputs("x\n", f);
    fclose(f);
    assert_false(file_watch_changed(fw));
    f = fopen(path, "w");
    fputs("seed: 2\n", f);
    fclose(f);
    assert_true(file_watch_changed(fw));
    assert_false(file_watch_changed(fw));
    f = fopen(tmp, "w");
    fputs("seed: 3\n", f);
    fclose(f);
    assert_int_equal(rename(tmp, path), 0);
    assert_true(file_watch_changed(fw));
    file_watch_destroy(fw);
    char *rm[] = {"/bin/rm", "-rf", tmpl, NULL};
    assert_int_equal(run_argv(rm), 0);
}

static void write_config(const char *path, const char *regrowth)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fprintf(f,
            "name: live\nseed: 5\nworld:\n  size: [40, 40]\n  food:\n    regrowth: %s\n"
            "populations:\n  - name: prey\n    count: 30\nevolution:\n  generations: 4\n"
            "  episodes: 1\n  episode_ticks: 40\n  checkpoint_every: 1\n",
            regrowth);
    fclose(f);
    assert_int_equal(rename(tmp, path), 0); /* as an editor saves */
}

/* What the window does when the config changes: the watcher sees the
 * save, the whole file is checked, the live key is applied between
 * generations and recorded in changes.csv; a restart key is listed, not
 * applied; a run stopped after the change and resumed ends with the
 * state of the run that went on without stopping. */
static void test_live_change_applied_recorded_reapplied(void **state)
{
    (void)state;
    omp_set_num_threads(2);
    char tmpl[] = "/tmp/petri-view-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    char cfg[512], dirs[2][512];
    snprintf(cfg, sizeof cfg, "%s/live.yaml", tmpl);
    char hashes[2][32];
    for (int k = 0; k < 2; ++k) {
        snprintf(dirs[k], sizeof dirs[k], "%s/run%d", tmpl, k);
        write_config(cfg, "0.01");
        FileWatch *fw = NULL;
        PetriError err;
        error_clear(&err);
        assert_int_equal(file_watch_create(cfg, &fw, &err), PETRI_OK);
        RunOptions ro = run_default_options();
        ro.out_dir = dirs[k];
        Run *run = NULL;
        if (run_create(cfg, NULL, 0, &ro, &run, &err) != PETRI_OK) {
            fail_msg("%s", err.msg);
        }
        assert_int_equal(run_step(run, &err), PETRI_OK);
        /* the user saves a new regrowth and a new world size */
        write_config(cfg, "0.05");
        assert_true(file_watch_changed(fw));
        char *text = NULL;
        size_t len = 0;
        text = read_text(cfg, &len);
        char *at = strstr(text, "[40, 40]");
        assert_non_null(at);
        memcpy(at, "[44, 44]", 8);
        FILE *f = fopen(cfg, "w");
        fwrite(text, 1, len, f);
        fclose(f);
        petri_free(text, len + 1);
        assert_true(file_watch_changed(fw));
        RunDef next;
        assert_int_equal(run_def_load(&next, cfg, NULL, 0, &err), PETRI_OK);
        RunChange ch[16];
        int n = 0;
        assert_int_equal(run_apply_def(run, &next, ch, 16, &n, &err), PETRI_OK);
        bool regrowth = false, size = false;
        for (int i = 0; i < n && i < 16; ++i) {
            if (strcmp(ch[i].key, "world.food.regrowth") == 0) {
                regrowth = ch[i].applied;
            }
            if (strncmp(ch[i].key, "world.size", 10) == 0) {
                size = !ch[i].applied;
            }
        }
        assert_true(regrowth && size);
        assert_true(fabs(run_def(run)->world.food.regrowth - 0.05) < 1e-12);
        assert_true(run_def(run)->world.size[0] == 40);
        assert_int_equal(run_step(run, &err), PETRI_OK);
        if (k == 1) {
            /* stop here, resume, and go on */
            assert_int_equal(run_close(run, &err), PETRI_OK);
            run = NULL;
            if (run_resume(dirs[k], &ro, &run, &err) != PETRI_OK) {
                fail_msg("%s", err.msg);
            }
            assert_true(fabs(run_def(run)->world.food.regrowth - 0.05) < 1e-12);
        }
        while (!run_done(run, NULL)) {
            assert_int_equal(run_step(run, &err), PETRI_OK);
        }
        snprintf(hashes[k], sizeof hashes[k], "%016llx", (unsigned long long)run_hash(run));
        assert_int_equal(run_close(run, &err), PETRI_OK);
        file_watch_destroy(fw);
        /* changes.csv holds the applied key, once */
        char path[1100];
        snprintf(path, sizeof path, "%s/changes.csv", dirs[k]);
        char *csv = read_text(path, &len);
        const char *row = strstr(csv, "world.food.regrowth");
        assert_non_null(row);
        assert_null(strstr(row + 1, "world.food.regrowth"));
        assert_null(strstr(csv, "world.size"));
        petri_free(csv, len + 1);
    }
    assert_string_equal(hashes[0], hashes[1]);
    char *rm[] = {"/bin/rm", "-rf", tmpl, NULL};
    assert_int_equal(run_argv(rm), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scene_colours),
        cmocka_unit_test(test_same_pixels_every_time),
        cmocka_unit_test(test_panel_parts_where_expected),
        cmocka_unit_test(test_camera_zoom_keeps_cursor_point),
        cmocka_unit_test(test_drawing_leaves_the_hash),
        cmocka_unit_test(test_brain_read_back),
        cmocka_unit_test(test_species_rows_to_plot),
        cmocka_unit_test(test_best_agent_cycle),
        cmocka_unit_test(test_view_usage_errors_name_the_flag),
        cmocka_unit_test(test_view_same_hash_as_headless),
        cmocka_unit_test(test_view_screenshot_file),
        cmocka_unit_test(test_file_watch_sees_edits),
        cmocka_unit_test(test_live_change_applied_recorded_reapplied),
        cmocka_unit_test(test_open_ended_species_are_species_csv),
        cmocka_unit_test(test_lineage_rows_and_chain),
        cmocka_unit_test(test_view_generational_parents),
        cmocka_unit_test(test_record_frames_and_rate),
        cmocka_unit_test(test_controls_pause_step_speed),
        cmocka_unit_test(test_controls_select_follow_view),
    };
    /* PETRI_TEST_ONLY=PATTERN runs the matching tests only (while working) */
    const char *only = getenv("PETRI_TEST_ONLY");
    if (only != NULL && only[0] != '\0') {
        cmocka_set_test_filter(only);
    }
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    TTF_Quit();
    return rc;
}
