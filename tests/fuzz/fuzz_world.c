/*
 * Fuzzes the world with configs the fuzzer chooses. The bytes are read as
 * a list of settings: each picks a key of the "world" section or of a
 * population (the schema's own rows, so new keys are fuzzed as they are
 * added) and a value inside that key's documented range, extremes
 * included, written as a --set string. The config is then either refused
 * by the checker (run_def_load, as `petri check` and `petri run` use it)
 * with an error, or built (habitat_create, every population populated,
 * brains from random genomes) and run for 20 ticks; ASan and UBSan watch.
 *
 * To keep an input near a millisecond the harness, not the schema, caps
 * the world at 32 x 32, a population at 8 agents, food patches at 16 and
 * random obstacles at 32 (the caps table); every other key ranges over
 * its whole schema range.
 */
#include "tests/fuzz/fuzz_common.h"

#include "sim/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_SETS 48
#define FUZZ_WORLD_MAX 32.0
#define FUZZ_COUNT_MAX 8
#define FUZZ_TICKS 20

/* Reads bytes; past the end every read is 0. */
typedef struct Bytes {
    const uint8_t *p;
    size_t n, pos;
} Bytes;

static uint32_t take(Bytes *b, int count)
{
    uint32_t v = 0;
    for (int i = 0; i < count; ++i) {
        v = v << 8 | (b->pos < b->n ? b->p[b->pos] : 0);
        b->pos++;
    }
    return v;
}

static const ConfigSection *world_section, *population_section;
static const ConfigRow *population_list;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    const ConfigSchema *s = run_schema();
    for (int i = 0; i < s->section_count; ++i) {
        const ConfigSection *sec = &s->sections[i];
        if (strcmp(sec->prefix, "world") == 0) {
            world_section = sec;
        }
        for (int r = 0; r < sec->row_count; ++r) {
            if (strcmp(sec->prefix, "") == 0 && strcmp(sec->rows[r].key, "populations") == 0) {
                population_list = &sec->rows[r];
                population_section = sec->rows[r].item;
            }
        }
    }
    if (world_section == NULL || population_section == NULL) {
        fprintf(stderr, "fuzz_world: the schema has no world or populations section\n");
        return 1;
    }
    return 0;
}

/* A number in [lo, hi] drawn from the bytes: an end, uniform, log-uniform
 * or a small whole number. */
static double draw_number(Bytes *b, double lo, double hi)
{
    uint32_t how = take(b, 1) % 6;
    double u = take(b, 2) / 65535.0;
    double x;
    switch (how) {
    case 0: x = lo; break;
    case 1: x = hi; break;
    case 2: x = lo + (hi - lo) * u; break;
    case 3: {
        double a = lo > 1e-3 ? lo : 1e-3;
        x = hi > a ? a * pow(hi / a, u) : lo;
        break;
    }
    case 4: x = floor(u * 64.0); break;
    default: x = lo + (hi - lo) * u * u * u * u; break;
    }
    return x < lo ? lo : x > hi ? hi : x;
}

/* The harness's caps (upper bounds below the schema's), for speed: every
 * cost of a tick grows with these, and the bugs do not need them large. */
static const struct {
    bool world; /* a world key, else a population key */
    const char *key;
    double max;
} caps[] = {
    {true, "size", FUZZ_WORLD_MAX},
    {true, "food.patches", 16},
    {true, "random_obstacles", 32},
    {false, "count", FUZZ_COUNT_MAX},
};

/* Writes "PREFIX.KEY=VALUE" for row into out; false for a row not fuzzed. */
static bool draw_setting(Bytes *b, const char *prefix, const ConfigRow *row, char *out,
                         size_t cap)
{
    double lo = row->min, hi = row->max;
    bool world_key = strcmp(prefix, "world") == 0;
    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; ++i) {
        if (caps[i].world == world_key && strcmp(row->key, caps[i].key) == 0 && hi > caps[i].max) {
            hi = caps[i].max;
        }
    }
    switch (row->type) {
    case CONFIG_BOOL:
        snprintf(out, cap, "%s.%s=%s", prefix, row->key, take(b, 1) & 1 ? "true" : "false");
        return true;
    case CONFIG_INT:
        snprintf(out, cap, "%s.%s=%.0f", prefix, row->key, floor(draw_number(b, lo, hi)));
        return true;
    case CONFIG_FLOAT:
        snprintf(out, cap, "%s.%s=%.9g", prefix, row->key, draw_number(b, lo, hi));
        return true;
    case CONFIG_VEC2: {
        double x = draw_number(b, lo, hi), y = draw_number(b, lo, hi);
        snprintf(out, cap, "%s.%s=[%.9g, %.9g]", prefix, row->key, x, y);
        return true;
    }
    case CONFIG_CHOICE: {
        const char *c = row->choices;
        int n = 1;
        for (const char *q = c; *q != '\0'; ++q) {
            n += *q == '|';
        }
        int k = (int)(take(b, 1) % (uint32_t)n);
        while (k-- > 0) {
            c = strchr(c, '|') + 1;
        }
        int len = (int)strcspn(c, "|");
        snprintf(out, cap, "%s.%s=%.*s", prefix, row->key, len, c);
        return true;
    }
    default:
        return false; /* names, seeds, nested lists: not what this target is about */
    }
}

/* One setting: a world key, an obstacle's key, or a population's key. */
static bool draw_any(Bytes *b, int pops, char *out, size_t cap)
{
    uint32_t pick = take(b, 1);
    char prefix[96];
    if (pick & 1) {
        const ConfigRow *row = &world_section->rows[(pick >> 1) % (uint32_t)world_section->row_count];
        if (row->type == CONFIG_LIST) {
            const ConfigSection *item = row->item;
            int index = (int)(take(b, 1) % 3);
            snprintf(prefix, sizeof prefix, "world.%s.%d", row->key, index);
            return draw_setting(b, prefix, &item->rows[take(b, 1) % (uint32_t)item->row_count],
                                out, cap);
        }
        return draw_setting(b, "world", row, out, cap);
    }
    int p = (int)(take(b, 1) % (uint32_t)pops);
    snprintf(prefix, sizeof prefix, "populations.%d", p);
    const ConfigRow *row =
        &population_section->rows[(pick >> 1) % (uint32_t)population_section->row_count];
    return draw_setting(b, prefix, row, out, cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Bytes b = {data, size, 0};
    static char text[FUZZ_MAX_SETS][160];
    const char *sets[FUZZ_MAX_SETS];
    int n = 0;
    uint64_t seed = take(&b, 2);
    int pops = 1 + (int)(take(&b, 1) % (uint32_t)(population_list->max < 4 ? population_list->max : 4));
    /* Small worlds by default: the harness's caps apply to what it draws. */
    snprintf(text[n], sizeof text[n], "world.size=[32, 32]");
    sets[n] = text[n];
    n++;
    for (int p = 0; p < pops; ++p) {
        snprintf(text[n], sizeof text[n], "populations.%d.name=pop%d", p, p);
        sets[n] = text[n];
        n++;
        snprintf(text[n], sizeof text[n], "populations.%d.count=%d", p, 1 + (int)(take(&b, 1) % FUZZ_COUNT_MAX));
        sets[n] = text[n];
        n++;
    }
    while (b.pos < b.n && n < FUZZ_MAX_SETS) {
        if (draw_any(&b, pops, text[n], sizeof text[n])) {
            sets[n] = text[n];
            n++;
        }
    }
    if (getenv("PETRI_FUZZ_PRINT") != NULL) {
        /* the config as petri's flags: PETRI_FUZZ_PRINT=1 fuzz_world INPUT */
        for (int i = 0; i < n; ++i) {
            fprintf(stderr, " --set '%s'", sets[i]);
        }
        fprintf(stderr, "\n");
    }
    static RunDef def;
    PetriError err;
    error_clear(&err);
    if (run_def_load(&def, NULL, sets, n, &err) != PETRI_OK) {
        FUZZ_REQUIRE(err.msg[0] != '\0', "refused without a message");
        return 0;
    }
    def.seed = seed;
    Habitat *h = NULL;
    PetriStatus s = habitat_create(&def.world, def.populations, def.population_count, def.seed, &h,
                                   &err);
    FUZZ_REQUIRE(s == PETRI_OK, "the checker accepts a config that the world refuses: %s",
                 err.msg);
    World *w = habitat_world(h);
    for (int p = 0; p < def.population_count; ++p) {
        if (def.populations[p].controller != CONTROLLER_BRAIN) {
            habitat_populate(h, p, NULL, 0, def.populations[p].count);
            continue;
        }
        Pcg32 rng = pcg32_stream(seed, (uint64_t)p, RNG_PURPOSE_USER);
        Genome g;
        memset(&g, 0, sizeof g);
        genome_init_random(&g, world_input_count(w, p), WORLD_OUTPUTS, (int)(seed % 4),
                           (int)(seed % 23), (seed & 64) != 0, &rng);
        const Genome *gp = &g;
        habitat_populate(h, p, &gp, 1, def.populations[p].count);
        genome_fini(&g);
    }
    habitat_set_baseline_births(h, (seed & 128) != 0);
    habitat_step(h, FUZZ_TICKS);
    (void)habitat_hash(h);
    habitat_destroy(h);
    return 0;
}
