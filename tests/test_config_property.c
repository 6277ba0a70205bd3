/*
 * Property: every config drawn inside the schema's ranges is either
 * refused by the checker with errors located at file:line:col, or runs
 * (a generation of one 20-tick episode, or a 20-tick epoch of the open
 * world) without a sanitizer report. Run under ASan and UBSan by `make
 * test-asan`, where any out-of-bounds access aborts the binary.
 *
 * Configs are drawn by walking the schema's rows: each key is present
 * with probability 1/5 (more, and nearly every config breaks a rule); a number is its minimum, its maximum, a value a
 * hair inside either, or (half of the time) a value spread over the
 * range on a log scale, so that the extremes and the boundaries come up
 * often; in half of the configs the keys that a rule holds against the
 * world are drawn again the same way up to the rule's limit, so that the
 * limits themselves come up often too; enums and booleans are uniform; populations are lists of 1 to 8
 * items, obstacles (in one config of four) of 0 to 8 or 64. The text is written as a YAML file's would
 * be (nested mappings), so the errors' lines and columns are checked.
 *
 * Only the run's length is set by the harness (one episode of 20 ticks,
 * or an epoch of 20) and the checker is given a memory limit of
 * PROPERTY_MEMORY bytes instead of RUN_MEMORY_LIMIT, so that each config
 * that passes runs in milliseconds; the limit is the same check, smaller.
 *
 * PETRI_PROPERTY_CONFIGS sets the number of configs (default below);
 * PETRI_PROPERTY_SEED the first seed. The closing line gives the counts.
 *
 * The world code is also driven directly, past the checker, with the
 * configs of the issue that crashed it (a body faster than a quarter of
 * the world, larger than the world, obstacles covering it): the world
 * must be safe whatever the checker lets through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/sim_internal.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROPERTY_DEFAULT_CONFIGS 300
#define PROPERTY_MEMORY (6ull << 20)
#define PROPERTY_TICKS 20

/* ------------------------------------------------------------ drawing */

typedef struct Entry {
    char path[160];
    char value[200];
} Entry;

typedef struct Draw {
    Pcg32 rng;
    Entry *e;
    int n, cap;
} Draw;

static void put(Draw *d, const char *path, const char *fmt, ...) PETRI_PRINTF(3, 4);

static void put(Draw *d, const char *path, const char *fmt, ...)
{
    for (int i = 0; i < d->n; ++i) {
        if (strcmp(d->e[i].path, path) == 0) {
            return; /* drawn already (an item's first key) */
        }
    }
    if (d->n == d->cap) {
        int cap = d->cap ? d->cap * 2 : 64;
        d->e = realloc(d->e, (size_t)cap * sizeof *d->e);
        assert_non_null(d->e);
        d->cap = cap;
    }
    Entry *e = &d->e[d->n++];
    snprintf(e->path, sizeof e->path, "%s", path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->value, sizeof e->value, fmt, ap);
    va_end(ap);
}

static double unit(Draw *d)
{
    return (double)pcg32_next(&d->rng) / 4294967296.0;
}

static uint32_t below(Draw *d, uint32_t n)
{
    return pcg32_next(&d->rng) % n;
}

/* A number in [lo, hi]: the ends, a hair inside them, or spread on a log
 * scale (linear when the range is small or crosses zero). */
static double draw_number(Draw *d, double lo, double hi, bool integer)
{
    double v;
    switch (below(d, 10)) {
    case 0:
    case 1:
        return lo;
    case 2:
    case 3:
        return hi;
    case 4:
        v = integer ? lo + 1 : lo + (hi - lo) * 1e-6;
        break;
    case 5:
        v = integer ? hi - 1 : hi - (hi - lo) * 1e-6;
        break;
    default:
        if (lo > 0 && hi / lo > 100) {
            v = lo * pow(hi / lo, unit(d));
        } else if (lo >= 0 && hi > 100) {
            v = (lo + 1) * pow((hi + 1) / (lo + 1), unit(d)) - 1;
        } else {
            v = lo + (hi - lo) * unit(d);
        }
        break;
    }
    if (integer) {
        v = floor(v);
    }
    return v < lo ? lo : (v > hi ? hi : v);
}

static void draw_row(Draw *d, const char *path, const ConfigRow *row)
{
    char buf[64];
    switch (row->type) {
    case CONFIG_BOOL:
        put(d, path, "%s", below(d, 2) ? "true" : "false");
        break;
    case CONFIG_INT:
        put(d, path, "%.0f", draw_number(d, row->min, row->max, true));
        break;
    case CONFIG_U64:
        put(d, path, "%llu",
            (unsigned long long)((uint64_t)pcg32_next(&d->rng) << 32 | pcg32_next(&d->rng)));
        break;
    case CONFIG_FLOAT:
        snprintf(buf, sizeof buf, "%.17g", draw_number(d, row->min, row->max, false));
        put(d, path, "%s", buf);
        break;
    case CONFIG_VEC2: {
        double a = draw_number(d, row->min, row->max, false);
        /* half of the time a square world, as most are */
        double b = below(d, 2) ? a : draw_number(d, row->min, row->max, false);
        put(d, path, "[%.17g, %.17g]", a, b);
        break;
    }
    case CONFIG_CHOICE: {
        int n = 1;
        for (const char *c = row->choices; *c; ++c) {
            n += *c == '|';
        }
        int k = (int)below(d, (uint32_t)n);
        const char *c = row->choices;
        for (int i = 0; i < k; ++i) {
            c = strchr(c, '|') + 1;
        }
        put(d, path, "%.*s", (int)strcspn(c, "|"), c);
        break;
    }
    case CONFIG_STRING:
        /* names and folders: valid ones (their own checks have the
         * catalogue); stop conditions: none, or a simple one */
        if (strcmp(path, "stop.when") == 0) {
            put(d, path, "%s", below(d, 4) == 0 ? "\"generation >= 5\"" : "\"\"");
        } else if (strcmp(path, "output.dir") != 0) {
            put(d, path, "r%u", below(d, 1000));
        }
        break;
    case CONFIG_LIST:
        break;
    }
}

static void draw_section_rows(Draw *d, const char *prefix, const ConfigSection *sec)
{
    for (int r = 0; r < sec->row_count; ++r) {
        const ConfigRow *row = &sec->rows[r];
        if (row->type == CONFIG_LIST || below(d, 5) != 0) {
            continue; /* each key in one config of five: most configs then run */
        }
        char path[160];
        const char *sp = sec->prefix != NULL ? sec->prefix : "";
        snprintf(path, sizeof path, "%s%s%s%s%s", prefix, sp, sp[0] ? "." : "", "", row->key);
        if (strcmp(row->key, "name") == 0 && prefix[0] != '\0') {
            continue; /* population names: drawn by the list */
        }
        draw_row(d, path, row);
    }
}

static void draw_list(Draw *d, const char *path, const ConfigRow *row, int count)
{
    for (int i = 0; i < count; ++i) {
        char prefix[128];
        snprintf(prefix, sizeof prefix, "%.96s.%d.", path, i);
        char name_path[160];
        snprintf(name_path, sizeof name_path, "%sname", prefix);
        if (strcmp(path, "populations") == 0 && below(d, 4) != 0) {
            put(d, name_path, "p%d", i); /* else the default, or pop1, pop2... */
        }
        /* an item always has one key, so that it is a mapping */
        if (row->item->row_count > 0) {
            const ConfigRow *first = &row->item->rows[strcmp(row->item->rows[0].key, "name") == 0];
            char fp[160];
            snprintf(fp, sizeof fp, "%.100s%.50s", prefix, first->key);
            draw_row(d, fp, first);
        }
        draw_section_rows(d, prefix, row->item);
        if (row->item_extra != NULL) {
            draw_section_rows(d, prefix, row->item_extra);
        }
    }
}

/* Walks the schema: every row, lists with 1..8 populations and 0..8
 * obstacles. */
static void draw_config(Draw *d, const ConfigSchema *s)
{
    d->n = 0;
    for (int i = 0; i < s->section_count; ++i) {
        const ConfigSection *sec = &s->sections[i];
        draw_section_rows(d, "", sec);
        for (int r = 0; r < sec->row_count; ++r) {
            const ConfigRow *row = &sec->rows[r];
            if (row->type != CONFIG_LIST) {
                continue;
            }
            char path[96];
            snprintf(path, sizeof path, "%s%s%s", sec->prefix, sec->prefix[0] ? "." : "", row->key);
            bool pops = strcmp(path, "populations") == 0;
            int n = pops ? 1 + (int)below(d, (uint32_t)row->max)
                         : (below(d, 4) == 0 ? (int)row->max : (int)below(d, 9));
            if (!pops && below(d, 4) != 0) {
                continue;
            }
            draw_list(d, path, row, n);
        }
    }
}

/* The value drawn for path, or NULL. */
static const char *drawn(const Draw *d, const char *path)
{
    for (int i = 0; i < d->n; ++i) {
        if (strcmp(d->e[i].path, path) == 0) {
            return d->e[i].value;
        }
    }
    return NULL;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* In half of the configs, the keys that a rule holds against the world
 * (or against another key) are drawn again up to that rule's limit, with
 * the same weight on its ends: the limits themselves come up often, and
 * more configs pass to be run. */
static void fit_to_rules(Draw *d)
{
    double w = 256, h = 256;
    const char *size = drawn(d, "world.size");
    if (size != NULL) {
        assert_int_equal(sscanf(size, "[%lf, %lf]", &w, &h), 2);
    }
    double side = w < h ? w : h;
    for (int i = 0; i < d->n; ++i) {
        Entry *e = &d->e[i];
        double lo = 0, hi = -1;
        if (ends_with(e->path, ".body.radius")) {
            lo = 0.05, hi = side / 4;
        } else if (ends_with(e->path, ".body.max_speed")) {
            hi = side / 4;
        } else if (ends_with(e->path, ".senses.range")) {
            lo = 0.5, hi = side / 2;
        } else if (ends_with(e->path, ".attack.range")) {
            /* half the world less two radii: the radii are not known
             * here, so up to a quarter of it */
            hi = side / 4 > 100 ? 100 : side / 4;
        } else if (strcmp(e->path, "world.random_obstacle_radius") == 0) {
            lo = 0.1, hi = side / 4;
        } else if (strcmp(e->path, "world.food.cell_size") == 0) {
            lo = 0.25, hi = side;
        } else if (ends_with(e->path, ".energy.start")) {
            char max_path[160];
            snprintf(max_path, sizeof max_path, "%.*senergy.max",
                     (int)(strlen(e->path) - strlen("energy.start")), e->path);
            const char *m = drawn(d, max_path);
            lo = 0.001, hi = m != NULL ? strtod(m, NULL) : 100;
        } else if (ends_with(e->path, ".energy.max")) {
            char start_path[160];
            snprintf(start_path, sizeof start_path, "%.*senergy.start",
                     (int)(strlen(e->path) - strlen("energy.max")), e->path);
            const char *m = drawn(d, start_path);
            lo = m != NULL ? strtod(m, NULL) : 50, hi = 1e9;
        } else if (strncmp(e->path, "populations.", 12) == 0 && ends_with(e->path, ".count")) {
            lo = 1, hi = 400; /* the rule is memory: within the harness's limit */
            snprintf(e->value, sizeof e->value, "%.0f", draw_number(d, lo, hi, true));
            continue;
        } else if (strstr(e->path, "world.obstacles.") != NULL && ends_with(e->path, ".center")) {
            snprintf(e->value, sizeof e->value, "[%.17g, %.17g]",
                     draw_number(d, 0, w, false), draw_number(d, 0, h, false));
            continue;
        } else if (strstr(e->path, "world.obstacles.") != NULL && ends_with(e->path, ".size")) {
            snprintf(e->value, sizeof e->value, "[%.17g, %.17g]",
                     draw_number(d, 0.1, w, false), draw_number(d, 0.1, h, false));
            continue;
        } else if (strstr(e->path, "world.obstacles.") != NULL && ends_with(e->path, ".radius")) {
            lo = 0.1, hi = side / 2;
        }
        if (hi >= lo) {
            snprintf(e->value, sizeof e->value, "%.17g", draw_number(d, lo, hi, false));
        }
    }
}

/* ------------------------------------------------------------ YAML */

/* Segment i of a dotted path, into out; false past the end. */
static bool segment(const char *path, int i, char *out, size_t cap)
{
    const char *s = path;
    for (int k = 0; k < i; ++k) {
        s = strchr(s, '.');
        if (s == NULL) {
            return false;
        }
        s++;
    }
    size_t n = strcspn(s, ".");
    snprintf(out, cap, "%.*s", (int)n, s);
    return true;
}

static int segments(const char *path)
{
    int n = 1;
    for (const char *c = path; *c; ++c) {
        n += *c == '.';
    }
    return n;
}

static bool is_index(const char *s)
{
    return s[0] >= '0' && s[0] <= '9';
}

/* Writes the entries as a YAML file would hold them: nested mappings,
 * list items as "- " blocks. The schema walk draws the keys of each
 * mapping one after another, so they need no sorting. */
static size_t write_yaml(const Entry *e, int n, char *out, size_t cap)
{
    size_t len = 0;
    for (int i = 0; i < n; ++i) {
        int common = 0;
        if (i > 0) {
            char a[64], b[64];
            while (segment(e[i].path, common, a, sizeof a) &&
                   segment(e[i - 1].path, common, b, sizeof b) && strcmp(a, b) == 0) {
                ++common;
            }
            if (common == segments(e[i].path)) {
                common--; /* a repeated key: never drawn */
            }
        }
        int nseg = segments(e[i].path);
        /* indentation: two spaces per mapping level, list items add two */
        int indent = 0;
        bool item_open = false;
        for (int k = 0; k < nseg; ++k) {
            char seg[64];
            segment(e[i].path, k, seg, sizeof seg);
            if (is_index(seg)) {
                item_open = k >= common;
                continue;
            }
            if (k >= common) {
                const char *dash = item_open ? "- " : "";
                int pad = item_open ? indent - 2 : indent;
                len += (size_t)snprintf(out + len, cap - len, "%*s%s%s:", pad, "", dash, seg);
                item_open = false;
                if (k == nseg - 1) {
                    len += (size_t)snprintf(out + len, cap - len, " %s\n", e[i].value);
                } else {
                    len += (size_t)snprintf(out + len, cap - len, "\n");
                }
            }
            indent += 2;
            if (k + 1 < nseg) {
                char next[64];
                segment(e[i].path, k + 1, next, sizeof next);
                if (is_index(next)) {
                    indent += 2;
                }
            }
        }
        assert_true(len < cap);
    }
    return len;
}

/* ------------------------------------------------------------ running */

typedef struct Tally {
    int tried, refused, ran;
} Tally;

/* Every error line reads NAME:LINE:COL: error: ... */
static void expect_located(const PetriError *err, const char *name, const char *text)
{
    const char *s = err->msg;
    size_t nl = strlen(name);
    int lines = 0;
    while (*s != '\0') {
        const char *end = strchr(s, '\n');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        int line = 0, col = 0;
        bool ok = len > nl && strncmp(s, name, nl) == 0 &&
                  sscanf(s + nl, ":%d:%d: error: ", &line, &col) == 2 && line > 0 && col > 0;
        if (!ok && strncmp(s, "...", 3) != 0) {
            fail_msg("an error without file:line:col:\n%.*s\nconfig:\n%s", (int)len, s, text);
        }
        lines++;
        s += len + (end != NULL);
    }
    assert_true(lines > 0);
}

static void run_config(const RunDef *drawn)
{
    RunDef def = *drawn;
    /* the harness sets the length of the run only */
    def.evolution.episodes = 1;
    def.evolution.episode_ticks = PROPERTY_TICKS;
    def.evolution.epoch_ticks = PROPERTY_TICKS;
    PetriError err;
    error_clear(&err);
    Evolution *ev = NULL;
    PetriStatus st = evolution_create(&def, &ev, &err);
    if (st != PETRI_OK) {
        fail_msg("a config the checker accepts is refused when the run is made:\n%s", err.msg);
    }
    PopStats stats[WORLD_MAX_POPULATIONS];
    ByteBuf lin, sp;
    buf_init(&lin);
    buf_init(&sp);
    evolution_step(ev, stats, &lin, &sp);
    buf_fini(&lin);
    buf_fini(&sp);
    evolution_destroy(ev);
}

static void one_config(Draw *d, Tally *t, char *text, size_t cap, uint64_t seed)
{
    d->rng = pcg32_stream(seed, 0, RNG_PURPOSE_USER);
    draw_config(d, run_schema());
    if (below(d, 2) == 0) {
        fit_to_rules(d);
    }
    size_t len = write_yaml(d->e, d->n, text, cap);
    char name[48];
    snprintf(name, sizeof name, "random-%llu.yaml", (unsigned long long)seed);
    RunDef def;
    PetriError err;
    error_clear(&err);
    t->tried++;
    if (getenv("PETRI_PROPERTY_SHOW") != NULL) {
        fprintf(stderr, "---- %s\n%s", name, text);
    }
    if (run_def_load_string(&def, name, text, len, NULL, 0, PROPERTY_MEMORY, &err) != PETRI_OK) {
        expect_located(&err, name, text);
        if (getenv("PETRI_PROPERTY_WHY") != NULL) {
            fprintf(stderr, "%s", err.msg);
        }
        t->refused++;
        return;
    }
    run_config(&def);
    t->ran++;
}

static void test_random_configs(void **state)
{
    (void)state;
    const char *env = getenv("PETRI_PROPERTY_CONFIGS");
    long count = env != NULL ? strtol(env, NULL, 10) : PROPERTY_DEFAULT_CONFIGS;
    const char *seed_env = getenv("PETRI_PROPERTY_SEED");
    uint64_t first = seed_env != NULL ? strtoull(seed_env, NULL, 10) : 1;
    assert_true(count > 0);
    log_set_level(LOG_ERROR); /* warnings of drawn configs (zero fitness) are expected */
    omp_set_num_threads(1);
    Draw d = {0};
    static char text[1 << 16];
    Tally t = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < count; ++i) {
        one_config(&d, &t, text, sizeof text, first + (uint64_t)i);
        if ((i + 1) % 1000 == 0 && i + 1 < count) {
            /* progress of a long run, so that its figures survive a stop */
            printf("  %d tried, %d refused, %d ran\n", t.tried, t.refused, t.ran);
            fflush(stdout);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    free(d.e);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("random configs: %d tried, %d refused with a located error, %d ran %d ticks, "
           "0 reports, %.1f s\n",
           t.tried, t.refused, t.ran, PROPERTY_TICKS, wall);
    /* both outcomes must come up, or the drawing is broken */
    assert_true(t.refused > 0);
    assert_true(t.ran > 0);
    assert_int_equal(t.refused + t.ran, t.tried);
}

/* ------------------------------------------------------------ past the checker */

static void step_world(const WorldDef *wd, const PopulationDef *pops, int n)
{
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(wd, pops, n, 7, &w, &err), PETRI_OK);
    world_populate(w);
    for (int t = 0; t < PROPERTY_TICKS; ++t) {
        for (int s = 0; s < world_agent_count(w); ++s) {
            float *out = world_outputs(w, s);
            out[WORLD_OUT_TURN] = 1.0f;
            out[WORLD_OUT_THRUST] = 1.0f; /* flat out: the longest steps */
            out[WORLD_OUT_EAT] = 1.0f;
            out[WORLD_OUT_ATTACK] = 1.0f;
        }
        world_step(w);
        /* every body stays inside the world */
        for (int s = 0; s < world_agent_count(w); ++s) {
            AgentView v;
            world_agent(w, s, &v);
            assert_true(v.x >= 0 && v.x <= wd->size[0] && v.y >= 0 && v.y <= wd->size[1]);
        }
    }
    world_destroy(w);
}

/* The configs of the issue that crashed the world, given to it directly:
 * the checker refuses them, and the world must be safe anyway. */
static void test_world_past_the_checker(void **state)
{
    (void)state;
    omp_set_num_threads(1);
    PopulationDef pops[2] = {population_default_def(), population_default_def()};
    snprintf(pops[1].name, sizeof pops[1].name, "b");
    pops[0].controller = CONTROLLER_RANDOM;
    pops[1].controller = CONTROLLER_CHASER;
    pops[0].count = pops[1].count = 40;

    /* a 64x64 torus, bodies at 100 units per tick */
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 64;
    pops[0].max_speed = pops[1].max_speed = 100;
    step_world(&wd, pops, 2);
    wd.edges = WORLD_EDGES_WALLS;
    step_world(&wd, pops, 2);

    /* a 16x16 world, bodies of radius 100, on a torus and with walls */
    wd = world_default_def();
    wd.size[0] = wd.size[1] = 16;
    pops[0].max_speed = pops[1].max_speed = 0.5;
    pops[0].radius = 100;
    for (int e = 0; e < 2; ++e) {
        wd.edges = e;
        wd.push_apart = e == 0;
        step_world(&wd, pops, 2);
    }

    /* 64 random obstacles of radius 16, 100 and 1e6 in a 16x16 world */
    pops[0].radius = 0.5;
    for (int e = 0; e < 2; ++e) {
        const double radii[] = {16, 100, 1e6};
        for (int k = 0; k < 3; ++k) {
            wd = world_default_def();
            wd.size[0] = wd.size[1] = 16;
            wd.edges = e;
            wd.random_obstacles = 64;
            wd.random_obstacle_radius = radii[k];
            step_world(&wd, pops, 2);
        }
    }
}

/* A body faster than its radius per tick does not jump over an obstacle
 * in its way: the step is cut into parts (world_tick.c), and it stops at
 * the obstacle. Hand-computed: from x = 10 at 16 units per tick toward a
 * circle of radius 2 at x = 20, a body of radius 0.5 stops where it first
 * meets it, at x = 17.5 (one part of 0.5 past 17.5 is pushed back), where
 * one unbroken step would have left it at 26, past the circle. */
static void test_fast_body_stops_at_obstacle(void **state)
{
    (void)state;
    WorldDef wd = world_default_def();
    wd.size[0] = wd.size[1] = 64;
    wd.edges = WORLD_EDGES_WALLS;
    wd.obstacle_count = 1;
    wd.obstacles[0] = (ObstacleDef){.shape = OBSTACLE_CIRCLE, .center = {20, 32}, .radius = 2};
    PopulationDef pop = population_default_def();
    pop.count = 0;
    pop.max_speed = 16;
    pop.drag = 1; /* full speed at once */
    pop.metabolism = 0;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, &pop, 1, 3, &w, &err), PETRI_OK);
    AgentSpawn sp = {.pop = 0, .x = 10, .y = 32, .heading = 0, .tag = -1, .parent = WORLD_NO_ID};
    world_add_agent(w, &sp);
    world_outputs(w, 0)[WORLD_OUT_THRUST] = 1.0f;
    world_step(w);
    AgentView v;
    world_agent(w, 0, &v);
    assert_float_equal(v.x, 17.5f, 1e-4f);
    assert_float_equal(v.y, 32.0f, 1e-4f);
    world_destroy(w);
}

/* Births stop at the world's ceiling: one founder of a population that
 * starts with one agent may fill the world up to WORLD_GROWTH_MIN (1,024)
 * agents, and no more. */
static void test_births_stop_at_ceiling(void **state)
{
    (void)state;
    WorldDef wd = world_default_def();
    PopulationDef pop = population_default_def();
    pop.count = 1;
    pop.energy_max = 1e9;
    World *w = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(world_create(&wd, &pop, 1, 5, &w, &err), PETRI_OK);
    AgentSpawn sp = {.pop = 0, .x = 10, .y = 10, .energy = 1e8f, .tag = -1,
                     .parent = WORLD_NO_ID};
    uint32_t founder = world_add_agent(w, &sp);
    AgentSpawn child = sp;
    child.energy = 1.0f;
    int born = 0;
    while (world_birth(w, founder, &child) != WORLD_NO_ID && born < 5000) {
        born++;
    }
    assert_int_equal(world_agent_ceiling(1), WORLD_GROWTH_MIN);
    assert_int_equal(born, WORLD_GROWTH_MIN - 1);
    assert_int_equal(world_agent_count(w), WORLD_GROWTH_MIN);
    world_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_world_past_the_checker),
        cmocka_unit_test(test_fast_body_stops_at_obstacle),
        cmocka_unit_test(test_births_stop_at_ceiling),
        cmocka_unit_test(test_random_configs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
