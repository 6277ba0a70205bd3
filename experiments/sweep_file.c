/*
 * The sweep file: its schema, loading, the checks of every run it makes,
 * and its expansion into runs with their seeds and folder names.
 *
 * The sweep's own keys (base, name, out, replicates, seed, threads) are
 * schema rows of the config engine; `grid:` and `variants:` are free
 * sections (config_load_free) whose keys are key paths of a run's config.
 * Every run the sweep makes is then loaded as `petri run` would load it
 * (run_def_load: the base config, then its overrides as --set), and an
 * error an override causes is reported at the override's place in the
 * sweep file, once, however many runs share it.
 */
#include "experiments/sweep_internal.h"
#include "sim/sim.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- schema */

static const ConfigRow sweep_rows[] = {
    {.key = "base", .type = CONFIG_STRING, .offset = offsetof(SweepDef, base), .max = 256,
     .doc = "the base config of every run, relative to the sweep file's folder"},
    {.key = "name", .type = CONFIG_STRING, .offset = offsetof(SweepDef, name), .max = 64,
     .doc = "the sweep's name; empty: the sweep file's name without .yaml"},
    {.key = "out", .type = CONFIG_STRING, .offset = offsetof(SweepDef, out), .max = 256,
     .doc = "folder of the run folders; empty: sweeps/NAME"},
    {.key = "replicates", .type = CONFIG_INT, .offset = offsetof(SweepDef, replicates), .min = 1,
     .max = 100000, .doc = "runs of each combination of overrides, each with its own seed"},
    {.key = "seed", .type = CONFIG_U64, .offset = offsetof(SweepDef, seed),
     .doc = "the sweep seed: run i's seed is derived from it and i"},
    {.key = "threads", .type = CONFIG_INT, .offset = offsetof(SweepDef, threads), .min = 0,
     .max = 4096, .doc = "OpenMP threads of each run; 0: cores / jobs here, 1 on SLURM"},
};

static const ConfigSection sweep_sections[] = {
    {.prefix = "", .offset = 0, .rows = sweep_rows,
     .row_count = (int)(sizeof sweep_rows / sizeof sweep_rows[0]), .doc = "A sweep"},
};

static const ConfigSchema sweep_schema = {.sections = sweep_sections, .section_count = 1};

static SweepDef sweep_default_def(void)
{
    SweepDef d;
    memset(&d, 0, sizeof d);
    d.replicates = 1;
    d.seed = 1;
    return d;
}

uint64_t sweep_run_seed(uint64_t sweep_seed, int index)
{
    /* Two rounds of mixing: neighbouring indices and neighbouring sweep
     * seeds give unrelated run seeds. 53 bits, so that any JSON reader
     * (they read numbers as doubles) reads summary.json's seed exactly. */
    return mix64(mix64(sweep_seed) + (uint64_t)index) >> 11;
}

/* ---------------------------------------------------------------- paths */

/* dir of path (with its trailing '/'), or "" for a bare name. */
static void path_dir(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(out, cap, "%.*s", (int)n, path);
}

/* path made absolute against the working folder (not resolved: it may
 * not exist yet). */
static bool path_absolute(const char *path, char *out, size_t cap)
{
    if (path[0] == '/') {
        return (size_t)snprintf(out, cap, "%s", path) < cap;
    }
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL) {
        return false;
    }
    const char *rel = path;
    while (rel[0] == '.' && rel[1] == '/') {
        rel += 2;
    }
    return (size_t)snprintf(out, cap, "%s/%s", cwd, rel) < cap;
}

/* ---------------------------------------------------------------- names */

/* The shortest tail of key's segments that no other key of the sweep
 * shares ("add_conn_rate" for neat.add_conn_rate; "0.count" and
 * "1.count" for populations.0.count and populations.1.count). */
static const char *key_short(const Sweep *sw, const char *key)
{
    for (const char *p = key + strlen(key); p > key; --p) {
        if (p[-1] != '.') {
            continue;
        }
        const char *tail = p;
        bool unique = true;
        const ConfigFreeSection *secs[2] = {&sw->grid, &sw->variants};
        for (int s = 0; s < 2 && unique; ++s) {
            for (int i = 0; i < secs[s]->count && unique; ++i) {
                const char *other = secs[s]->items[i].key;
                size_t lo = strlen(other), lt = strlen(tail);
                if (strcmp(other, key) != 0 && lo >= lt && strcmp(other + lo - lt, tail) == 0 &&
                    (lo == lt || other[lo - lt - 1] == '.')) {
                    unique = false;
                }
            }
        }
        if (unique) {
            return tail;
        }
    }
    return key;
}

/* Appends s with quotes and brackets dropped, and every other character
 * outside [A-Za-z0-9._+=] as one '-' (a run of them as one). */
static void name_append(char *out, size_t cap, size_t *n, const char *s)
{
    for (; *s != '\0' && *n + 1 < cap; ++s) {
        char c = *s;
        if (strchr("'\"[]{}", c) != NULL) {
            continue;
        }
        bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '+' || c == '=';
        if (!safe && *n > 0 && out[*n - 1] == '-') {
            continue;
        }
        out[(*n)++] = safe ? c : '-';
    }
    out[*n] = '\0';
}

static int grid_group_size(const ConfigFreeSection *g, int group)
{
    int n = 0;
    for (int i = 0; i < g->count; ++i) {
        n += g->items[i].group == group;
    }
    return n;
}

static void run_name(const Sweep *sw, SweepRun *run)
{
    char name[SWEEP_NAME_CAP * 2];
    size_t n = 0;
    name[0] = '\0';
    for (int i = 0; i < run->count; ++i) {
        const ConfigAssignment *a = sw->overrides[run->first + i];
        bool in_grid = a >= sw->grid.items && a < sw->grid.items + sw->grid.count;
        if (in_grid && grid_group_size(&sw->grid, a->group) == 1) {
            continue; /* the same for every run: it tells runs nothing */
        }
        if (n > 0) {
            name_append(name, sizeof name, &n, "_");
        }
        name_append(name, sizeof name, &n, key_short(sw, a->key));
        name_append(name, sizeof name, &n, "=");
        name_append(name, sizeof name, &n, a->value);
    }
    char rep[32];
    snprintf(rep, sizeof rep, "%sr%d", n > 0 ? "_" : "", run->replicate);
    if (n + strlen(rep) + 1 > SWEEP_NAME_CAP - 16) {
        n = SWEEP_NAME_CAP - 16 - strlen(rep) - 1;
        name[n] = '\0';
        char idx[16];
        snprintf(idx, sizeof idx, "~%d", run->index);
        name_append(name, sizeof name, &n, idx);
    }
    name_append(name, sizeof name, &n, rep);
    if (snprintf(run->name, sizeof run->name, "%s", name) >= (int)sizeof run->name) {
        run->name[sizeof run->name - 1] = '\0'; /* cannot happen: cut above */
    }
}

/* ---------------------------------------------------------------- expansion */

static const ConfigAssignment *grid_value(const ConfigFreeSection *g, int group, int k)
{
    for (int i = 0; i < g->count; ++i) {
        if (g->items[i].group == group && k-- == 0) {
            return &g->items[i];
        }
    }
    return NULL;
}

static PetriStatus expand(Sweep *sw, PetriError *err)
{
    long points = 1;
    for (int g = 0; g < sw->grid.groups; ++g) {
        points *= grid_group_size(&sw->grid, g);
        if (points > 1000000) {
            break;
        }
    }
    long variants = sw->variants.groups > 0 ? sw->variants.groups : 1;
    long total = points * variants * sw->def.replicates;
    if (total > 100000) {
        return error_at(err, PETRI_ECONFIG, sw->path, 0, 0,
                        "the sweep makes %ld runs or more; at most 100000 are allowed", total);
    }
    sw->run_count = (int)total;
    sw->runs = petri_calloc((size_t)total, sizeof *sw->runs);
    int per_run = sw->grid.groups;
    for (int v = 0; v < sw->variants.groups; ++v) {
        int n = 0;
        for (int i = 0; i < sw->variants.count; ++i) {
            n += sw->variants.items[i].group == v;
        }
        per_run = n + sw->grid.groups > per_run ? n + sw->grid.groups : per_run;
    }
    sw->override_cap = (int)(total * per_run + 1);
    sw->overrides = petri_calloc((size_t)sw->override_cap, sizeof *sw->overrides);
    int index = 0;
    for (long v = 0; v < variants; ++v) {
        for (long p = 0; p < points; ++p) {
            for (int r = 0; r < sw->def.replicates; ++r, ++index) {
                SweepRun *run = &sw->runs[index];
                run->index = index;
                run->variant = (int)v;
                run->point = (int)p;
                run->replicate = r;
                run->seed = sweep_run_seed(sw->def.seed, index);
                run->first = sw->override_count;
                for (int i = 0; i < sw->variants.count; ++i) {
                    if (sw->variants.items[i].group == v) {
                        sw->overrides[sw->override_count++] = &sw->variants.items[i];
                    }
                }
                /* The last key of the grid varies fastest. */
                long rest = p;
                int first_grid = sw->override_count;
                sw->override_count += sw->grid.groups;
                for (int g = sw->grid.groups - 1; g >= 0; --g) {
                    int size = grid_group_size(&sw->grid, g);
                    sw->overrides[first_grid + g] = grid_value(&sw->grid, g, (int)(rest % size));
                    rest /= size;
                }
                run->count = sw->override_count - run->first;
            }
        }
    }
    for (int i = 0; i < sw->run_count; ++i) {
        run_name(sw, &sw->runs[i]);
    }
    /* Names that sanitising made equal ("a b" and "a-b") get the index. */
    for (int i = 0; i < sw->run_count; ++i) {
        for (int j = 0; j < i; ++j) {
            if (strcmp(sw->runs[i].name, sw->runs[j].name) == 0) {
                char name[SWEEP_NAME_CAP];
                snprintf(name, sizeof name, "%.120s~%d", sw->runs[i].name, i);
                snprintf(sw->runs[i].name, sizeof sw->runs[i].name, "%s", name);
                break;
            }
        }
    }
    return PETRI_OK;
}

/* ---------------------------------------------------------------- checks */

/* Each override checked as it will be applied: every run loaded as
 * `petri run` loads it. An error line "--set K=V: error: MSG" is moved to
 * the place of the assignment in the sweep file; each line once. */
static void check_runs(Sweep *sw, PetriError *err)
{
    RunDef *def = petri_alloc(sizeof *def);
    char(*sets)[CONFIG_ASSIGN_KEY_CAP + CONFIG_ASSIGN_VALUE_CAP + 2] =
        petri_alloc(((size_t)sw->grid.groups + (size_t)sw->variants.count + 1) * sizeof *sets);
    const char **set_ptrs =
        petri_alloc(((size_t)sw->grid.groups + (size_t)sw->variants.count + 1) * sizeof *set_ptrs);
    for (int i = 0; i < sw->run_count && err->count < PETRI_ERROR_MAX_LINES; ++i) {
        const SweepRun *run = &sw->runs[i];
        for (int k = 0; k < run->count; ++k) {
            const ConfigAssignment *a = sw->overrides[run->first + k];
            snprintf(sets[k], sizeof sets[k], "%s=%s", a->key, a->value);
            set_ptrs[k] = sets[k];
        }
        PetriError e;
        error_clear(&e);
        if (run_def_load(def, sw->base_path, set_ptrs, run->count, &e) == PETRI_OK) {
            continue;
        }
        /* Split e into lines and relocate those of an override. */
        for (char *line = e.msg; line != NULL && *line != '\0';) {
            char *end = strchr(line, '\n');
            if (end != NULL) {
                *end = '\0';
            }
            const ConfigAssignment *at = NULL;
            const char *msg = line;
            for (int k = 0; k < run->count && at == NULL; ++k) {
                char prefix[sizeof sets[0] + 16];
                snprintf(prefix, sizeof prefix, "--set %s: error: ", sets[k]);
                if (strncmp(line, prefix, strlen(prefix)) == 0) {
                    at = sw->overrides[run->first + k];
                    msg = line + strlen(prefix);
                }
            }
            char full[1200];
            int w;
            if (at != NULL) {
                w = snprintf(full, sizeof full, "%s:%d:%d: error: %s", sw->path, at->line,
                             at->col, msg);
            } else {
                w = snprintf(full, sizeof full, "%s", line);
            }
            if (w < 0) {
                full[0] = '\0';
            }
            /* Once per message: a bad key shared by several values (or
             * runs) is told at its first place. */
            if (strstr(err->msg, at != NULL ? msg : full) == NULL) {
                error_add(err, PETRI_ECONFIG, "%s", full);
            }
            line = end != NULL ? end + 1 : NULL;
        }
        if (e.code != PETRI_OK && e.count > 0 && strstr(e.msg, "--set") == NULL) {
            break; /* the base config itself is wrong: once is enough */
        }
    }
    petri_free(set_ptrs,
               ((size_t)sw->grid.groups + (size_t)sw->variants.count + 1) * sizeof *set_ptrs);
    petri_free(sets, ((size_t)sw->grid.groups + (size_t)sw->variants.count + 1) * sizeof *sets);
    petri_free(def, sizeof *def);
}

/* Keys a sweep decides itself may not be overridden. */
static void check_reserved(const Sweep *sw, PetriError *err)
{
    const ConfigFreeSection *secs[2] = {&sw->grid, &sw->variants};
    for (int s = 0; s < 2; ++s) {
        for (int i = 0; i < secs[s]->count; ++i) {
            const ConfigAssignment *a = &secs[s]->items[i];
            if (strcmp(a->key, "seed") == 0) {
                error_at(err, PETRI_ECONFIG, sw->path, a->line, a->col,
                         "each run's seed comes from the sweep's 'seed' and the run's index; "
                         "use 'replicates' for more seeds");
            } else if (strcmp(a->key, "output.dir") == 0) {
                error_at(err, PETRI_ECONFIG, sw->path, a->line, a->col,
                         "each run's folder is chosen by the sweep; set the sweep's 'out'");
            }
        }
    }
}

PetriStatus sweep_load(Sweep *sw, const char *path, PetriError *err)
{
    memset(sw, 0, sizeof *sw);
    sw->def = sweep_default_def();
    snprintf(sw->path, sizeof sw->path, "%s", path);
    sw->grid.key = "grid";
    sw->grid.shape = CONFIG_FREE_GRID;
    sw->variants.key = "variants";
    sw->variants.shape = CONFIG_FREE_VARIANTS;
    ConfigFreeSection secs[2] = {sw->grid, sw->variants};
    PetriStatus st = config_load_free(&sweep_schema, &sw->def, path, secs, 2, err);
    sw->grid = secs[0];
    sw->variants = secs[1];
    /* A file that failed to parse has nothing more to check; otherwise
     * the runs are checked too, so that every error comes at once. */
    if (st != PETRI_OK && sw->grid.line == 0 && sw->variants.line == 0 &&
        sw->def.base[0] == '\0') {
        return st;
    }
    if (sw->def.base[0] == '\0') {
        return error_at(err, PETRI_ECONFIG, path, 0, 0,
                        "no 'base' config: name the config every run starts from "
                        "('base: ../configs/default.yaml')");
    }
    char dir[SWEEP_PATH_CAP], rel[SWEEP_PATH_CAP * 2];
    path_dir(path, dir, sizeof dir);
    if (sw->def.base[0] == '/') {
        snprintf(rel, sizeof rel, "%s", sw->def.base);
    } else {
        snprintf(rel, sizeof rel, "%s%s", dir, sw->def.base);
    }
    char resolved[PATH_MAX];
    if (realpath(rel, resolved) != NULL) {
        snprintf(rel, sizeof rel, "%s", resolved);
    }
    if (!path_absolute(rel, sw->base_path, sizeof sw->base_path)) {
        return error_at(err, PETRI_EIO, path, 0, 0, "the path of the base config is too long");
    }
    struct stat stb;
    errno = 0;
    if (stat(sw->base_path, &stb) != 0 || !S_ISREG(stb.st_mode)) {
        return error_at(err, PETRI_ECONFIG, path, 0, 0, "'base': cannot read %s: %s", rel,
                        errno ? strerror(errno) : "not a file");
    }
    if (sw->def.name[0] == '\0') {
        const char *stem = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        size_t n = strcspn(stem, ".");
        snprintf(sw->def.name, sizeof sw->def.name, "%.*s", (int)(n < 60 ? n : 60), stem);
    }
    char out[SWEEP_PATH_CAP];
    if (sw->def.out[0] != '\0') {
        snprintf(out, sizeof out, "%s", sw->def.out);
    } else {
        snprintf(out, sizeof out, "sweeps/%s", sw->def.name);
    }
    if (!path_absolute(out, sw->out_dir, sizeof sw->out_dir - SWEEP_NAME_CAP - 64)) {
        return error_at(err, PETRI_EIO, path, 0, 0, "the sweep's folder path is too long");
    }
    check_reserved(sw, err);
    if (expand(sw, err) != PETRI_OK) {
        return err->code;
    }
    check_runs(sw, err);
    return err->code;
}

void sweep_fini(Sweep *sw)
{
    config_free_section_fini(&sw->grid);
    config_free_section_fini(&sw->variants);
    if (sw->runs != NULL) {
        petri_free(sw->runs, (size_t)sw->run_count * sizeof *sw->runs);
    }
    if (sw->overrides != NULL) {
        petri_free(sw->overrides, (size_t)sw->override_cap * sizeof *sw->overrides);
    }
    sw->runs = NULL;
    sw->overrides = NULL;
}
