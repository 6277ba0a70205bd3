/*
 * The config engine: the catalogue of bad configs (tests/bad_configs, each
 * NAME.yaml and/or NAME.set with the error lines NAME.expect, where
 * "{...}" stands for any text), the configs
 * that must load, round trips of the effective config, overrides, and the
 * engine on a schema of its own that exercises every row type.
 *
 * Run from the repository root (tests/run_tests.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/config_internal.h"
#include "sim/sim.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* Reads a whole small file into a petri_alloc'd NUL-terminated buffer;
 * *cap receives the bytes to free. NULL when it does not exist. */
static char *read_text(const char *path, size_t *len, size_t *cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    *cap = 1 << 16;
    char *buf = petri_alloc(*cap);
    *len = fread(buf, 1, *cap - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Everything written to a FILE, as a petri_alloc'd string. */
typedef struct Captured {
    char *text;
    size_t len, cap;
} Captured;

static Captured capture_begin(FILE **f)
{
    *f = tmpfile();
    assert_non_null(*f);
    return (Captured){0};
}

static void capture_end(Captured *c, FILE *f)
{
    long n = ftell(f);
    assert_true(n >= 0);
    c->cap = (size_t)n + 1;
    c->text = petri_alloc(c->cap);
    rewind(f);
    c->len = fread(c->text, 1, (size_t)n, f);
    c->text[c->len] = '\0';
    fclose(f);
}

static void capture_free(Captured *c)
{
    petri_free(c->text, c->cap);
}

static RunDef zeroed_defaults(void)
{
    RunDef def;
    memset(&def, 0, sizeof def);
    def = run_default_def();
    return def;
}

/* Marks the bytes of every field that the rows of sc describe (list
 * items: every slot, used or not). */
static void mark_fields(unsigned char *mask, const ConfigScope *sc)
{
    for (int i = 0; i < sc->count; ++i) {
        const ConfigScopeEntry *e = &sc->entries[i];
        size_t size = 0;
        switch (e->row->type) {
        case CONFIG_BOOL: size = sizeof(bool); break;
        case CONFIG_INT:
        case CONFIG_CHOICE: size = sizeof(int); break;
        case CONFIG_U64: size = sizeof(uint64_t); break;
        case CONFIG_FLOAT: size = sizeof(double); break;
        case CONFIG_STRING: size = (size_t)e->row->max; break;
        case CONFIG_VEC2: size = 2 * sizeof(double); break;
        case CONFIG_LIST: {
            memset(mask + e->count_offset, 1, sizeof(int));
            for (int k = 0; k < (int)e->row->max; ++k) {
                ConfigScope item;
                config_scope_init_item(&item, e, k);
                mark_fields(mask, &item);
                config_scope_fini(&item);
            }
            break;
        }
        }
        memset(mask + e->offset, 1, size);
    }
}

/* Compares two RunDefs byte for byte over every field of the schema.
 * Padding is left out: modules return their defaults by value, and the
 * padding of such a copy is unspecified. Returns the first differing
 * offset, or -1. */
static long settings_differ(const RunDef *a, const RunDef *b)
{
    static unsigned char mask[sizeof(RunDef)];
    static bool ready;
    if (!ready) {
        ConfigScope sc;
        config_scope_init_schema(&sc, run_schema());
        mark_fields(mask, &sc);
        config_scope_fini(&sc);
        ready = true;
    }
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    for (size_t i = 0; i < sizeof(RunDef); ++i) {
        if (mask[i] && pa[i] != pb[i]) {
            return (long)i;
        }
    }
    return -1;
}

/* Writes def as YAML, loads it over fresh defaults, and checks that the
 * result has the same bytes in every field. */
static void assert_round_trip(const RunDef *def)
{
    FILE *f;
    Captured yaml = capture_begin(&f);
    config_write_yaml(run_schema(), def, f);
    capture_end(&yaml, f);
    RunDef back = zeroed_defaults();
    PetriError err;
    error_clear(&err);
    PetriStatus st = config_load_string(run_schema(), &back, "effective.yaml", yaml.text,
                                        yaml.len, &err);
    if (st != PETRI_OK) {
        fprintf(stderr, "%s\n--- yaml:\n%s", err.msg, yaml.text);
    }
    assert_int_equal(st, PETRI_OK);
    long at = settings_differ(&back, def);
    if (at >= 0) {
        fprintf(stderr, "round trip differs at byte %ld of %zu; yaml:\n%s", at, sizeof back,
                yaml.text);
        fail();
    }
    capture_free(&yaml);
}

/* ---------------------------------------------------------- catalogue */

enum { MAX_LINES = 64, LINE_CAP = 1024 };

/* True when got contains want, where "{...}" in want stands for any text
 * (for lists that other modules grow, such as the known keys). */
static bool line_matches(const char *got, const char *want)
{
    const char *at = got;
    for (;;) {
        const char *gap = strstr(want, "{...}");
        size_t n = gap ? (size_t)(gap - want) : strlen(want);
        char piece[LINE_CAP];
        if (n >= sizeof piece) {
            return false;
        }
        memcpy(piece, want, n);
        piece[n] = '\0';
        const char *found = strstr(at, piece);
        if (found == NULL) {
            return false;
        }
        at = found + n;
        if (gap == NULL) {
            return true;
        }
        want = gap + 5;
    }
}

static int split_lines(char *text, char **lines)
{
    int n = 0;
    for (char *s = text; *s != '\0' && n < MAX_LINES;) {
        char *nl = strchr(s, '\n');
        lines[n++] = s;
        if (nl == NULL) {
            break;
        }
        *nl = '\0';
        s = nl + 1;
    }
    return n;
}

/* One catalogue entry: loads NAME.yaml (if any) with the overrides of
 * NAME.set (if any) and compares the error lines with NAME.expect: as
 * many lines, each containing its expected text. Returns false (and says
 * why) on a mismatch. */
static bool catalogue_entry(const char *name)
{
    char path[160], set_path[160], expect_path[160];
    snprintf(path, sizeof path, "%.120s.yaml", name);
    snprintf(set_path, sizeof set_path, "%.120s.set", name);
    snprintf(expect_path, sizeof expect_path, "%.120s.expect", name);

    size_t expect_len, expect_cap;
    char *expect = read_text(expect_path, &expect_len, &expect_cap);
    if (expect == NULL) {
        fprintf(stderr, "%s: missing\n", expect_path);
        return false;
    }
    size_t set_len = 0, set_cap = 0;
    char *sets = read_text(set_path, &set_len, &set_cap);
    char *set_lines[MAX_LINES];
    int set_count = sets ? split_lines(sets, set_lines) : 0;

    RunDef def;
    PetriError err;
    error_clear(&err);
    bool has_yaml = access(path, F_OK) == 0;
    PetriStatus st = run_def_load(&def, has_yaml ? path : NULL, (const char *const *)set_lines,
                                  set_count, &err);
    bool ok = true;
    if (st == PETRI_OK) {
        fprintf(stderr, "%s: loaded without error\n", name);
        ok = false;
    } else {
        char *want[MAX_LINES], *got[MAX_LINES];
        int nwant = split_lines(expect, want);
        while (nwant > 0 && want[nwant - 1][0] == '\0') {
            nwant--;
        }
        int ngot = split_lines(err.msg, got);
        while (ngot > 0 && got[ngot - 1][0] == '\0') {
            ngot--;
        }
        if (ngot != nwant) {
            ok = false;
        }
        for (int i = 0; i < nwant && i < ngot; ++i) {
            if (!line_matches(got[i], want[i])) {
                ok = false;
            }
        }
        if (!ok) {
            fprintf(stderr, "%s: expected %d line(s):\n", name, nwant);
            for (int i = 0; i < nwant; ++i) {
                fprintf(stderr, "  want: %s\n", want[i]);
            }
            for (int i = 0; i < ngot; ++i) {
                fprintf(stderr, "  got:  %s\n", got[i]);
            }
        }
    }
    petri_free(expect, expect_cap);
    if (sets != NULL) {
        petri_free(sets, set_cap);
    }
    return ok;
}

static void test_catalogue(void **state)
{
    (void)state;
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    /* Paths in messages are relative to the catalogue, so they are the
     * same wherever the repository is. */
    assert_int_equal(chdir("tests/bad_configs"), 0);
    DIR *d = opendir(".");
    assert_non_null(d);
    char names[256][128];
    int count = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL && count < 256) {
        size_t n = strlen(ent->d_name);
        if (n > 7 && n < 120 && strcmp(ent->d_name + n - 7, ".expect") == 0) {
            memcpy(names[count], ent->d_name, n - 7);
            names[count][n - 7] = '\0';
            count++;
        }
    }
    closedir(d);
    int failed = 0;
    for (int i = 0; i < count; ++i) {
        if (!catalogue_entry(names[i])) {
            failed++;
        }
    }
    assert_int_equal(chdir(cwd), 0);
    fprintf(stderr, "catalogue: %d entries, %d failed\n", count, failed);
    assert_true(count >= 25);
    assert_int_equal(failed, 0);
}

/* Every catalogue file has its expectation, and every expectation names
 * something to load. */
static void test_catalogue_complete(void **state)
{
    (void)state;
    DIR *d = opendir("tests/bad_configs");
    assert_non_null(d);
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        size_t n = strlen(ent->d_name);
        const char *dot = strrchr(ent->d_name, '.');
        if (ent->d_name[0] == '.' || dot == NULL) {
            continue;
        }
        char expect[512];
        snprintf(expect, sizeof expect, "tests/bad_configs/%.*s.expect",
                 (int)(dot - ent->d_name), ent->d_name);
        if (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".set") == 0) {
            if (access(expect, F_OK) != 0) {
                fprintf(stderr, "%s has no .expect\n", ent->d_name);
                fail();
            }
        }
        (void)n;
    }
    closedir(d);
}

/* ------------------------------------------------------ good configs */

static void test_default_config_loads(void **state)
{
    (void)state;
    RunDef def;
    PetriError err;
    error_clear(&err);
    PetriStatus st = run_def_load(&def, "configs/default.yaml", NULL, 0, &err);
    if (st != PETRI_OK) {
        error_print(&err, stderr);
    }
    assert_int_equal(st, PETRI_OK);
    assert_true(def.population_count >= 1);
}

/* Every ready world under configs/ loads cleanly (an islands config only
 * in an MPI build: a build without MPI refuses it, at its key). */
static void test_all_configs_load(void **state)
{
    (void)state;
    DIR *d = opendir("configs");
    assert_non_null(d);
    struct dirent *ent;
    int loaded = 0;
    while ((ent = readdir(d)) != NULL) {
        size_t n = strlen(ent->d_name);
        if (n < 6 || strcmp(ent->d_name + n - 5, ".yaml") != 0) {
            continue;
        }
        char path[512];
        snprintf(path, sizeof path, "configs/%s", ent->d_name);
        RunDef def;
        PetriError err;
        error_clear(&err);
        PetriStatus st = run_def_load(&def, path, NULL, 0, &err);
#if !PETRI_MPI
        if (st != PETRI_OK && strstr(err.msg, "'islands.migration_interval' makes this an "
                                              "islands config, but this petri was built "
                                              "without MPI") != NULL) {
            continue;
        }
#endif
        if (st != PETRI_OK) {
            error_print(&err, stderr);
            fail();
        }
        loaded++;
    }
    closedir(d);
    assert_true(loaded >= 1);
}

static void test_empty_file_is_defaults(void **state)
{
    (void)state;
    const char *texts[] = {"", "# only a comment\n", "---\n", "\n\n", "~\n"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; ++i) {
        RunDef def = zeroed_defaults();
        RunDef want = zeroed_defaults();
        PetriError err;
        error_clear(&err);
        assert_int_equal(config_load_string(run_schema(), &def, "empty.yaml", texts[i],
                                            strlen(texts[i]), &err),
                         PETRI_OK);
        assert_int_equal(settings_differ(&def, &want), -1);
    }
}

/* A byte order mark and CRLF line ends, as some editors write. */
static void test_bom_and_crlf(void **state)
{
    (void)state;
    const char text[] = "\xEF\xBB\xBF# from an editor\r\nseed: 9\r\nworld:\r\n  edges: walls\r\n";
    RunDef def = zeroed_defaults();
    PetriError err;
    error_clear(&err);
    assert_int_equal(config_load_string(run_schema(), &def, "bom.yaml", text, sizeof text - 1, &err),
                     PETRI_OK);
    assert_true(def.seed == 9);
    assert_int_equal(def.world.edges, WORLD_EDGES_WALLS);
    /* Positions are counted after the mark. */
    const char bad[] = "\xEF\xBB\xBFseed: x\r\n";
    error_clear(&err);
    assert_int_equal(config_load_string(run_schema(), &def, "bom.yaml", bad, sizeof bad - 1, &err),
                     PETRI_ECONFIG);
    assert_non_null(strstr(err.msg, "bom.yaml:1:7: error: 'seed'"));
}

static void test_file_too_large(void **state)
{
    (void)state;
    size_t len = CONFIG_MAX_FILE_BYTES + 10;
    char *text = petri_alloc(len);
    memset(text, '#', len);
    RunDef def = zeroed_defaults();
    PetriError err;
    error_clear(&err);
    assert_int_equal(config_load_string(run_schema(), &def, "big.yaml", text, len, &err),
                     PETRI_ECONFIG);
    assert_non_null(strstr(err.msg, "big.yaml: error: the file is larger than 1048576 bytes"));
    petri_free(text, len);

    /* The same through a file on disk. */
    char path[] = "/tmp/petri_test_big_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    for (size_t i = 0; i < len / 32; ++i) {
        fputs("# padding padding padding padding padding padding padding pad\n", f);
    }
    fclose(f);
    error_clear(&err);
    assert_int_equal(config_load(run_schema(), &def, path, &err), PETRI_ECONFIG);
    assert_non_null(strstr(err.msg, "is larger than"));
    unlink(path);
}

static void test_missing_file(void **state)
{
    (void)state;
    RunDef def;
    PetriError err;
    error_clear(&err);
    assert_int_not_equal(run_def_load(&def, "no/such/file.yaml", NULL, 0, &err), PETRI_OK);
    assert_non_null(strstr(err.msg, "no/such/file.yaml: error: cannot open"));
}

/* ------------------------------------------------------ round trips */

static void test_round_trip_defaults(void **state)
{
    (void)state;
    RunDef def = zeroed_defaults();
    assert_round_trip(&def);
}

static void test_round_trip_overrides(void **state)
{
    (void)state;
    const char *sets[] = {
        "seed=18446744073709551615",
        "name=run-7.b",
        "world.size=[100.1, 3e5]",
        "world.edges=walls",
        "populations.0.name=\"q.u-o_te\"",
        "populations.1={name: hunter, count: 7}",
        "populations.2.name=third",
        "evolution.mode=open_ended",
        "evolution.generations=2147483",
        "output.dir=\"out \\\"dir\\\\/ünïcode\"",
    };
    RunDef def;
    PetriError err;
    error_clear(&err);
    PetriStatus st = run_def_load(&def, NULL, sets, (int)(sizeof sets / sizeof sets[0]), &err);
    if (st != PETRI_OK) {
        error_print(&err, stderr);
    }
    assert_int_equal(st, PETRI_OK);
    assert_int_equal(def.population_count, 3);
    assert_string_equal(def.populations[0].name, "q.u-o_te");
    assert_string_equal(def.output.dir, "out \"dir\\/ünïcode");
    assert_string_equal(def.populations[1].name, "hunter");
    assert_int_equal(def.populations[1].count, 7);
    assert_string_equal(def.populations[2].name, "third");
    assert_int_equal(def.populations[2].count, def.populations[0].count); /* item default */
    assert_true(def.seed == UINT64_MAX);
    assert_true(def.world.size[0] == 100.1 && def.world.size[1] == 3e5);
    assert_int_equal(def.world.edges, WORLD_EDGES_WALLS);
    assert_int_equal(def.evolution.mode, EVOLUTION_OPEN_ENDED);
    assert_round_trip(&def);
}

/* Doubles that need all 17 digits survive. */
static void test_round_trip_awkward_doubles(void **state)
{
    (void)state;
    RunDef def = zeroed_defaults();
    def.world.size[0] = 20 + 0.1 + 0.2;
    def.world.size[1] = 1000.0 / 3.0;
    assert_round_trip(&def);
    char buf[40];
    config_format_double(0.1 + 0.2, buf, sizeof buf);
    assert_true(strtod(buf, NULL) == 0.1 + 0.2);
    config_format_double(1e6, buf, sizeof buf);
    assert_string_equal(buf, "1e+06");
    config_format_double(256, buf, sizeof buf);
    assert_string_equal(buf, "256");
}

/* --------------------------------------------------------- overrides */

static void test_override_append_and_range(void **state)
{
    (void)state;
    RunDef def = zeroed_defaults();
    PetriError err;
    error_clear(&err);
    assert_int_equal(config_apply_override(run_schema(), &def, "populations.1.count=50", &err),
                     PETRI_OK);
    assert_int_equal(def.population_count, 2);
    assert_int_equal(def.populations[1].count, 50);
    assert_string_equal(def.populations[1].name, def.populations[0].name);
    assert_int_equal(config_apply_override(run_schema(), &def, "populations.3.count=5", &err),
                     PETRI_ECONFIG);
    assert_non_null(strstr(err.msg, "--set populations.3.count=5: error: 'populations.3' is out "
                                    "of range: 'populations' has 2 items"));
    assert_int_equal(def.population_count, 2);

    /* Fill to the limit; one more is refused. */
    for (int i = 2; i < WORLD_MAX_POPULATIONS; ++i) {
        char set[64];
        snprintf(set, sizeof set, "populations.%d.name=p%d", i, i);
        assert_int_equal(config_apply_override(run_schema(), &def, set, &err), PETRI_OK);
    }
    char set[64];
    snprintf(set, sizeof set, "populations.%d.name=x", WORLD_MAX_POPULATIONS);
    error_clear(&err);
    assert_int_equal(config_apply_override(run_schema(), &def, set, &err), PETRI_ECONFIG);
    assert_int_equal(def.population_count, WORLD_MAX_POPULATIONS);
}

static void test_override_values(void **state)
{
    (void)state;
    RunDef def = zeroed_defaults();
    PetriError err;
    error_clear(&err);
    const ConfigSchema *s = run_schema();
    assert_int_equal(config_apply_override(s, &def, "seed=16", &err), PETRI_OK);
    assert_true(def.seed == 16);
    assert_int_equal(config_apply_override(s, &def, "world.size=[ 20 , 3.5e2 ]", &err), PETRI_OK);
    assert_true(def.world.size[0] == 20 && def.world.size[1] == 350);
    assert_int_equal(config_apply_override(s, &def, "world={edges: walls}", &err), PETRI_OK);
    assert_int_equal(def.world.edges, WORLD_EDGES_WALLS);
    assert_int_equal(config_apply_override(s, &def, "populations=[{name: a}, {name: b}]", &err),
                     PETRI_OK);
    assert_int_equal(def.population_count, 2);
    assert_string_equal(def.populations[1].name, "b");
    assert_int_equal(err.count, 0);

    /* Values are checked as in a file, with the override as the place. */
    const char *bad[] = {"seed=-3", "seed=1.0", "seed=", "world.size=[1e400, 20]",
                         "world.size=[inf, 20]", "evolution.generations=0x", "seed=0x10",
                         "evolution.generations=99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        error_clear(&err);
        assert_int_equal(config_apply_override(s, &def, bad[i], &err), PETRI_ECONFIG);
        char prefix[128];
        snprintf(prefix, sizeof prefix, "--set %s: error: '", bad[i]);
        assert_ptr_equal(strstr(err.msg, prefix), err.msg);
        assert_int_equal(err.count, 1);
    }
}

/* ------------------------------------------------------- error cap */

static void test_error_cap(void **state)
{
    (void)state;
    char text[4096];
    size_t len = 0;
    for (int i = 0; i < 100; ++i) {
        len += (size_t)snprintf(text + len, sizeof text - len, "bogus_%d: %d\n", i, i);
    }
    RunDef def = zeroed_defaults();
    PetriError err;
    error_clear(&err);
    assert_int_equal(config_load_string(run_schema(), &def, "many.yaml", text, len, &err),
                     PETRI_ECONFIG);
    assert_int_equal(err.count, CONFIG_MAX_ERRORS);
    assert_non_null(strstr(err.msg, "too many errors"));
}

/* --------------------------------------------------------- reference */

/* The reference names every key of the schema, however many modules add. */
static void test_reference_lists_every_key(void **state)
{
    (void)state;
    RunDef defaults = zeroed_defaults();
    FILE *f;
    Captured ref = capture_begin(&f);
    config_write_reference(run_schema(), &defaults, f);
    capture_end(&ref, f);
    ConfigScope sc;
    config_scope_init_schema(&sc, run_schema());
    assert_true(sc.count > 8);
    for (int i = 0; i < sc.count; ++i) {
        char key[300];
        snprintf(key, sizeof key, "| `%s` |", sc.entries[i].path);
        if (strstr(ref.text, key) == NULL) {
            fprintf(stderr, "reference lacks %s\n", key);
            fail();
        }
        assert_non_null(sc.entries[i].row->doc);
    }
    config_scope_fini(&sc);
    assert_non_null(strstr(ref.text, "| `populations.N.count` |"));
    capture_free(&ref);
}

/* ------------------------------------------- an engine-only schema */

typedef struct Inner {
    char label[8];
    double weight;
    int pick;
} Inner;

typedef struct Outer {
    bool flag;
    int level;
    uint64_t big;
    uint64_t bounded;
    double ratio;
    double pos[2];
    char text[16];
    int mode;
    Inner inners[3];
    int inner_count;
} Outer;

static const ConfigRow inner_rows[] = {
    {.key = "label", .type = CONFIG_STRING, .offset = offsetof(Inner, label), .max = 8,
     .doc = "a label"},
    {.key = "deep.weight", .type = CONFIG_FLOAT, .offset = offsetof(Inner, weight), .min = -1,
     .max = 1, .doc = "a weight"},
    {.key = "deep.pick", .type = CONFIG_CHOICE, .offset = offsetof(Inner, pick),
     .choices = "red|green|blue", .doc = "a colour"},
};
static const ConfigSection inner_section = {.prefix = "", .rows = inner_rows, .row_count = 3};
static const Inner inner_default = {.label = "in", .weight = 0.5, .pick = 1};

static const ConfigRow outer_rows[] = {
    {.key = "flag", .type = CONFIG_BOOL, .offset = offsetof(Outer, flag), .doc = "a flag"},
    {.key = "a.level", .type = CONFIG_INT, .offset = offsetof(Outer, level), .min = -5, .max = 5,
     .doc = "a level"},
    {.key = "big", .type = CONFIG_U64, .offset = offsetof(Outer, big), .doc = "a u64"},
    {.key = "a.b.bounded", .type = CONFIG_U64, .offset = offsetof(Outer, bounded), .min = 10,
     .max = 20, .doc = "a bounded u64"},
    {.key = "ratio", .type = CONFIG_FLOAT, .offset = offsetof(Outer, ratio), .min = 0, .max = 1,
     .doc = "a ratio"},
    {.key = "a.pos", .type = CONFIG_VEC2, .offset = offsetof(Outer, pos), .min = -10, .max = 10,
     .doc = "a position"},
    {.key = "text", .type = CONFIG_STRING, .offset = offsetof(Outer, text), .max = 16,
     .doc = "some text"},
    {.key = "a.b.mode", .type = CONFIG_CHOICE, .offset = offsetof(Outer, mode),
     .choices = "one|two", .doc = "a mode"},
    {.key = "inners", .type = CONFIG_LIST, .offset = offsetof(Outer, inners), .min = 0, .max = 3,
     .item = &inner_section, .item_size = sizeof(Inner),
     .count_offset = offsetof(Outer, inner_count), .item_default = &inner_default,
     .doc = "a list"},
};

static const ConfigSection outer_sections[] = {
    {.prefix = "top", .offset = 0, .rows = outer_rows, .row_count = 9, .doc = "all types"},
};
static const ConfigSchema outer_schema = {.sections = outer_sections, .section_count = 1};

static Outer outer_defaults(void)
{
    Outer o;
    memset(&o, 0, sizeof o);
    o.level = 1;
    o.big = 7;
    o.bounded = 12;
    o.ratio = 0.25;
    snprintf(o.text, sizeof o.text, "hi");
    for (int i = 0; i < 3; ++i) {
        o.inners[i] = inner_default; /* unused slots hold the item default */
    }
    return o;
}

static void test_engine_all_types(void **state)
{
    (void)state;
    const char *text = "top:\n"
                       "  flag: yes\n"
                       "  a:\n"
                       "    level: -5\n"
                       "    pos: [-10, 9.5]\n"
                       "    b: {bounded: 20, mode: two}\n"
                       "  big: 18446744073709551615\n"
                       "  ratio: 1e-3\n"
                       "  text: 'it''s: #1'\n"
                       "  inners:\n"
                       "    - label: x\n"
                       "      deep: {weight: -1, pick: blue}\n"
                       "    - deep:\n"
                       "        pick: red\n";
    Outer o = outer_defaults();
    PetriError err;
    error_clear(&err);
    PetriStatus st = config_load_string(&outer_schema, &o, "t.yaml", text, strlen(text), &err);
    if (st != PETRI_OK) {
        error_print(&err, stderr);
    }
    assert_int_equal(st, PETRI_OK);
    assert_true(o.flag);
    assert_int_equal(o.level, -5);
    assert_true(o.pos[0] == -10 && o.pos[1] == 9.5);
    assert_true(o.bounded == 20);
    assert_int_equal(o.mode, 1);
    assert_true(o.big == UINT64_MAX);
    assert_true(o.ratio == 1e-3);
    assert_string_equal(o.text, "it's: #1");
    assert_int_equal(o.inner_count, 2);
    assert_string_equal(o.inners[0].label, "x");
    assert_true(o.inners[0].weight == -1);
    assert_int_equal(o.inners[0].pick, 2);
    assert_string_equal(o.inners[1].label, "in");
    assert_true(o.inners[1].weight == 0.5);
    assert_int_equal(o.inners[1].pick, 0);

    /* Round trip through the writer, nested keys gathered once. */
    FILE *f;
    Captured yaml = capture_begin(&f);
    config_write_yaml(&outer_schema, &o, f);
    capture_end(&yaml, f);
    Outer back = outer_defaults();
    error_clear(&err);
    st = config_load_string(&outer_schema, &back, "w.yaml", yaml.text, yaml.len, &err);
    if (st != PETRI_OK) {
        fprintf(stderr, "%s%s", err.msg, yaml.text);
    }
    assert_int_equal(st, PETRI_OK);
    assert_memory_equal(&back, &o, sizeof o);
    capture_free(&yaml);

    /* An empty list is written as [] and reads back. */
    o.inner_count = 0;
    for (int i = 0; i < 3; ++i) {
        o.inners[i] = inner_default;
    }
    yaml = capture_begin(&f);
    config_write_yaml(&outer_schema, &o, f);
    capture_end(&yaml, f);
    assert_non_null(strstr(yaml.text, "inners: []"));
    back = outer_defaults();
    error_clear(&err);
    assert_int_equal(config_load_string(&outer_schema, &back, "w.yaml", yaml.text, yaml.len,
                                        &err),
                     PETRI_OK);
    assert_memory_equal(&back, &o, sizeof o);
    capture_free(&yaml);
}

static void test_engine_errors(void **state)
{
    (void)state;
    struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"top: {flag: maybe}", "t.yaml:1:13: error: 'top.flag' must be true or false, got 'maybe'"},
        {"top: {a: {level: 6}}", "'top.a.level' must be an integer in [-5, 5], got '6'"},
        {"top: {a: {level: 9223372036854775808}}", "'top.a.level' must be an integer in [-5, 5]"},
        {"top: {a: {b: {bounded: 9}}}", "'top.a.b.bounded' must be an unsigned integer in [10, 20], got '9'"},
        {"top: {a: {b: {mode: twoo}}}", "'top.a.b.mode' must be one of one, two, got 'twoo'; did you mean 'two'?"},
        {"top: {a: {b: {mode: three}}}", "'top.a.b.mode' must be one of one, two, got 'three'"},
        {"top: {a: {lvel: 1}}", "unknown key 'top.a.lvel'; did you mean 'top.a.level'?"},
        {"top: {a: {zzz: 1}}", "unknown key 'top.a.zzz'; known keys here: level, b, pos"},
        {"top: {inners: [{deep: {wieght: 1}}]}", "unknown key 'top.inners.0.deep.wieght'; did you mean 'top.inners.0.deep.weight'?"},
        {"top: {inners: [{}, {label: toolongforit}]}", "'top.inners.1.label' must be a string of at most 7 bytes, got 12 bytes"},
        {"top: {text: \"a\\0b\"}", "'top.text' must not contain a NUL character"},
        {"top: {ratio: 0x1p-2}", NULL}, /* hex float: fine */
        {"top: {ratio: 1_0}", "'top.ratio' must be a number in [0, 1], got '1_0'"},
        {"top: {a: {pos: [1, [2]]}}", "'top.a.pos' must be two numbers in [-10, 10], got a list of 1 item"},
        {"pick: red", "unknown key 'pick'; did you mean 'top.inners.N.deep.pick'?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        Outer o = outer_defaults();
        PetriError err;
        error_clear(&err);
        PetriStatus st = config_load_string(&outer_schema, &o, "t.yaml", cases[i].text,
                                            strlen(cases[i].text), &err);
        if (cases[i].want == NULL) {
            assert_int_equal(st, PETRI_OK);
            continue;
        }
        if (st == PETRI_OK || strstr(err.msg, cases[i].want) == NULL) {
            fprintf(stderr, "case %zu: %s\n  want: %s\n  got:  %s\n", i, cases[i].text,
                    cases[i].want, err.msg);
            fail();
        }
        assert_int_equal(err.count, 1);
    }
}

/* --------------------------------------------------------- helpers */

static void test_utf8_check(void **state)
{
    (void)state;
    int line, col;
    const char ok[] = "a: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n";
    assert_int_equal(config_check_utf8(ok, sizeof ok - 1, &line, &col), sizeof ok - 1);
    const char *bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\x80",
                         "\xf8\x88\x80\x80\x80", "\xe0\x80\xaf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        char text[32];
        int n = snprintf(text, sizeof text, "k:\n é%s", bad[i]);
        assert_int_equal(config_check_utf8(text, (size_t)n, &line, &col), 6);
        assert_int_equal(line, 2);
        assert_int_equal(col, 3);
    }
    const char nul[] = "ab\0c";
    assert_int_equal(config_check_utf8(nul, 4, &line, &col), 2);
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(config_edit_distance("seed", "seed"), 0);
    assert_int_equal(config_edit_distance("sede", "seed"), 2);
    assert_int_equal(config_edit_distance("size", "sise"), 1);
    assert_int_equal(config_edit_distance("", "abc"), 3);
    assert_int_equal(config_edit_distance("kitten", "sitting"), 3);
}

/* Random damage to a good config never crashes the engine: each load
 * either succeeds or reports lines of the form "fuzz.yaml...: error: ".
 * Under ASan and UBSan this is a small fuzz run. */
static void test_random_damage(void **state)
{
    (void)state;
    size_t len, cap;
    char *good = read_text("configs/default.yaml", &len, &cap);
    assert_non_null(good);
    static const char alphabet[] = ":-[]{}&*!|>'\"#\n\t ,.?%@`~0123456789aeiouxyz\\";
    Pcg32 rng = pcg32_stream(12345, 0, RNG_PURPOSE_USER + 1);
    char *text = petri_alloc(len + 64);
    int64_t before = petri_alloc_stats().live_bytes;
    int ok = 0, bad = 0;
    /* PETRI_FUZZ_ROUNDS=200000 makes a longer fuzz run by hand. */
    const char *env = getenv("PETRI_FUZZ_ROUNDS");
    int rounds = env != NULL && atoi(env) > 0 ? atoi(env) : 3000;
    for (int round = 0; round < rounds; ++round) {
        memcpy(text, good, len);
        size_t n = len;
        int edits = 1 + (int)pcg32_bounded(&rng, 4);
        for (int k = 0; k < edits && n > 0; ++k) {
            size_t at = pcg32_bounded(&rng, (uint32_t)n);
            uint32_t what = pcg32_bounded(&rng, 4);
            char c = alphabet[pcg32_bounded(&rng, (uint32_t)(sizeof alphabet - 1))];
            if (what == 0) {
                text[at] = c; /* replace */
            } else if (what == 1 && n < len + 60) {
                memmove(text + at + 1, text + at, n - at); /* insert */
                text[at] = c;
                n++;
            } else if (what == 2) {
                memmove(text + at, text + at + 1, n - at - 1); /* delete */
                n--;
            } else {
                text[at] = (char)(pcg32_next(&rng) & 0xff); /* any byte */
            }
        }
        RunDef def = zeroed_defaults();
        PetriError err;
        error_clear(&err);
        PetriStatus st = config_load_string(run_schema(), &def, "fuzz.yaml", text, n, &err);
        if (st == PETRI_OK) {
            ok++;
            assert_int_equal(err.count, 0);
            continue;
        }
        bad++;
        assert_int_equal(st, PETRI_ECONFIG);
        assert_true(err.count >= 1 && err.count <= CONFIG_MAX_ERRORS);
        char *lines[MAX_LINES];
        int count = split_lines(err.msg, lines);
        for (int i = 0; i < count; ++i) {
            if (lines[i][0] == '\0') {
                continue;
            }
            if (strncmp(lines[i], "fuzz.yaml", 9) != 0 || strstr(lines[i], ": error: ") == NULL) {
                fprintf(stderr, "round %d: odd line '%s'\n", round, lines[i]);
                fail();
            }
        }
    }
    assert_int_equal(petri_alloc_stats().live_bytes, before);
    fprintf(stderr, "random damage: %d loaded, %d refused\n", ok, bad);
    assert_true(ok > 0 && bad > 0);
    petri_free(text, len + 64);
    petri_free(good, cap);
}

/* Random overrides: the same promise. */
static void test_random_overrides(void **state)
{
    (void)state;
    static const char *const keys[] = {"seed", "name", "world.size", "world", "populations",
                                       "populations.0", "populations.1.count", "populations.9",
                                       "evolution.mode", "stop.when", "neat.c1", "nope", "",
                                       "populations.0.fitness.kills", "world.food"};
    static const char *const values[] = {"1", "-1", "[1,2]", "[20, 30]", "{}", "{a: 1}", "",
                                         "\"x\"", "[", "}", "&a b", "*a", "!!int 3", "yes",
                                         "1e999", "0x", "walls", "[{name: z}]", "a: b: c"};
    Pcg32 rng = pcg32_stream(777, 0, RNG_PURPOSE_USER + 2);
    int64_t before = petri_alloc_stats().live_bytes;
    for (int round = 0; round < 2000; ++round) {
        char set[256];
        snprintf(set, sizeof set, "%s=%s",
                 keys[pcg32_bounded(&rng, (uint32_t)(sizeof keys / sizeof keys[0]))],
                 values[pcg32_bounded(&rng, (uint32_t)(sizeof values / sizeof values[0]))]);
        RunDef def = zeroed_defaults();
        PetriError err;
        error_clear(&err);
        if (config_apply_override(run_schema(), &def, set, &err) != PETRI_OK) {
            char prefix[300];
            snprintf(prefix, sizeof prefix, "--set %s: error: ", set);
            if (strncmp(err.msg, prefix, strlen(prefix)) != 0) {
                fprintf(stderr, "odd error for %s: %s\n", set, err.msg);
                fail();
            }
        }
    }
    assert_int_equal(petri_alloc_stats().live_bytes, before);
}

/* Nothing the engine allocates outlives a load, good or bad. */
static void test_no_leaks(void **state)
{
    (void)state;
    int64_t before = petri_alloc_stats().live_bytes;
    RunDef def;
    PetriError err;
    error_clear(&err);
    const char *sets[] = {"populations.1.count=5", "nope=1", "world.size=[1,"};
    (void)run_def_load(&def, "configs/default.yaml", sets, 3, &err);
    (void)run_def_load(&def, "tests/bad_configs/many_errors.yaml", NULL, 0, &err);
    (void)run_def_load(&def, "tests/bad_configs/alias_bomb.yaml", NULL, 0, &err);
    assert_int_equal(petri_alloc_stats().live_bytes, before);
}

/* A population appended without a name (`--set populations.1.count=5`,
 * or a file's list that names none) takes pop1, pop2, ...: the item
 * default 'prey' is the first population's. A name the user gives is
 * kept, and a repeat of it is still an error (the catalogue's
 * set_duplicate_name). */
static void test_unnamed_populations(void **state)
{
    (void)state;
    RunDef def;
    PetriError err;
    error_clear(&err);
    const char *sets[] = {"populations.1.count=5", "populations.2.count=6"};
    assert_int_equal(run_def_load(&def, NULL, sets, 2, &err), PETRI_OK);
    assert_int_equal(def.population_count, 3);
    assert_string_equal(def.populations[0].name, "prey");
    assert_string_equal(def.populations[1].name, "pop1");
    assert_string_equal(def.populations[2].name, "pop2");
    assert_int_equal(def.populations[2].count, 6);

    const char *text = "populations:\n  - count: 10\n  - count: 20\n  - name: pop1\n";
    assert_int_equal(run_def_load_string(&def, "t.yaml", text, strlen(text), NULL, 0,
                                         RUN_MEMORY_LIMIT, &err),
                     PETRI_OK);
    /* pop1 is taken by the third, so the second takes the next free name */
    assert_string_equal(def.populations[1].name, "pop2");
    assert_string_equal(def.populations[2].name, "pop1");
    assert_int_equal(err.count, 0);
}

/* A rule between keys is blamed on the key set last, wherever it was
 * set: the file's line, or the --set that brought the problem in. */
static void test_limits_located(void **state)
{
    (void)state;
    RunDef def;
    PetriError err;
    error_clear(&err);
    const char *text = "world:\n  size: [16, 16]\n";
    const char *fine[] = {"populations.0.senses.range=8"};
    assert_int_equal(run_def_load_string(&def, "t.yaml", text, strlen(text), fine, 1,
                                         RUN_MEMORY_LIMIT, &err),
                     PETRI_OK);
    const char *bad[] = {"populations.0.senses.range=8.5"};
    assert_int_equal(run_def_load_string(&def, "t.yaml", text, strlen(text), bad, 1,
                                         RUN_MEMORY_LIMIT, &err),
                     PETRI_ECONFIG);
    assert_non_null(strstr(err.msg, "--set populations.0.senses.range=8.5: error: "
                                    "'populations.0.senses.range' is 8.5"));
    /* the default range (8) against a world set later: the world is blamed */
    error_clear(&err);
    const char *small[] = {"world.size=[15.5, 100]"};
    assert_int_equal(run_def_load(&def, NULL, small, 1, &err), PETRI_ECONFIG);
    assert_non_null(strstr(err.msg, "--set world.size=[15.5, 100]: error: "));
    /* a caller's memory limit: the default world needs more than 1 KiB */
    error_clear(&err);
    assert_int_equal(run_def_load_string(&def, "t.yaml", text, strlen(text), NULL, 0, 1024, &err),
                     PETRI_ECONFIG);
    assert_non_null(strstr(err.msg, "t.yaml:2:9: error: this config needs about"));
    assert_true(run_def_estimate_bytes(&def) > 1024);
}

/* All-zero fitness weights of a brain population load, with a warning
 * located at the weight set last; a baseline population's do not warn
 * (its fitness is only reported). stderr is caught in a temporary file. */
static void test_zero_fitness_warns(void **state)
{
    (void)state;
    char path[] = "/tmp/petri-warn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    RunDef def;
    PetriError err;
    error_clear(&err);
    const char *text = "populations:\n"
                       "  - name: a\n"
                       "    fitness: {energy_plants: 0,\n"
                       "              energy_meat: 0}\n"
                       "  - name: b\n"
                       "    controller: forager\n"
                       "    fitness: {energy_plants: 0, energy_meat: 0}\n";
    PetriStatus st =
        run_def_load_string(&def, "w.yaml", text, strlen(text), NULL, 0, RUN_MEMORY_LIMIT, &err);
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    assert_int_equal(st, PETRI_OK);
    char buf[2048] = "";
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "w.yaml:4:28: every weight of 'populations.0.fitness' is 0"));
    assert_null(strstr(buf, "populations.1.fitness"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_catalogue_complete),
        cmocka_unit_test(test_default_config_loads),
        cmocka_unit_test(test_all_configs_load),
        cmocka_unit_test(test_empty_file_is_defaults),
        cmocka_unit_test(test_bom_and_crlf),
        cmocka_unit_test(test_file_too_large),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_round_trip_defaults),
        cmocka_unit_test(test_round_trip_overrides),
        cmocka_unit_test(test_round_trip_awkward_doubles),
        cmocka_unit_test(test_override_append_and_range),
        cmocka_unit_test(test_override_values),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_reference_lists_every_key),
        cmocka_unit_test(test_engine_all_types),
        cmocka_unit_test(test_engine_errors),
        cmocka_unit_test(test_utf8_check),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_random_damage),
        cmocka_unit_test(test_random_overrides),
        cmocka_unit_test(test_no_leaks),
        cmocka_unit_test(test_unnamed_populations),
        cmocka_unit_test(test_limits_located),
        cmocka_unit_test(test_zero_fitness_warns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
