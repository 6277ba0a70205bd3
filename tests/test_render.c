/*
 * The viewer's drawing, off-screen (a software renderer on a surface, no
 * display): a fixed scene drawn at a fixed frame has the window's size,
 * the expected colours where a known agent, plant and obstacle are, and
 * the same pixels from run to run; the inspector, the brain and the plots
 * appear in their parts of the window; the camera keeps the point under
 * the cursor when zooming; capturing snapshots and drawing them leaves
 * the simulation's state hash as it is headless.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "render/render_internal.h"

#include <SDL_ttf.h>

#include <math.h>
#include <omp.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scene_colours),
        cmocka_unit_test(test_same_pixels_every_time),
        cmocka_unit_test(test_panel_parts_where_expected),
        cmocka_unit_test(test_camera_zoom_keeps_cursor_point),
        cmocka_unit_test(test_drawing_leaves_the_hash),
        cmocka_unit_test(test_brain_read_back),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    TTF_Quit();
    return rc;
}
