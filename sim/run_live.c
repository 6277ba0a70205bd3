/*
 * Config changes to a running run. run_apply_def compares the effective
 * config with a new, fully checked one key by key (walking the one
 * schema), applies the keys that are safe between two generations, and
 * lists the others as needing a restart. An applied change is a row of
 * changes.csv (generation, tick, key, old, new); the config inside every
 * later checkpoint holds it, and the checkpoint counts the rows it
 * includes. A resumed run reads the rows after that count back and
 * applies each again after the same generation, so a run with changes,
 * killed and resumed, ends where the uninterrupted one ends.
 *
 * Live keys are those the world and the evolution read afresh at every
 * tick or generation and that derive nothing else: food regrowth and
 * seasons, each population's energy costs and gains, fitness weights,
 * the stop and checkpoint settings, and NEAT's mutation rates (open-ended
 * runs mutate with the run's settings; a generational run hands them to its
 * NEAT populations, neat_population_set_rates).
 */
#include "sim/evolve_internal.h"
#include "sim/run_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Key patterns ('*' matches one list index). */
static const char *const live_keys[] = {
    "world.food.regrowth",
    "world.food.season_period",
    "world.food.season_amplitude",
    "world.food.meat_decay",
    "populations.*.energy.metabolism",
    "populations.*.energy.thrust_cost",
    "populations.*.energy.node_cost",
    "populations.*.energy.conn_cost",
    "populations.*.energy.attack_cost",
    "populations.*.energy.reproduce",
    "populations.*.energy.corpse",
    "populations.*.attack.damage",
    "populations.*.attack.gain",
    "populations.*.fitness.*",
    "evolution.generations",
    "evolution.checkpoint_every",
    "stop.when",
    "stop.max_wall_s",
    "neat.weight_mutate_rate",
    "neat.weight_perturb_rate",
    "neat.weight_sigma",
    "neat.bias_mutate_rate",
    "neat.bias_sigma",
    "neat.add_node_rate",
    "neat.add_conn_rate",
    "neat.toggle_conn_rate",
    "neat.activation_mutate_rate",
};

static bool key_matches(const char *pattern, const char *key)
{
    while (*pattern != '\0') {
        if (*pattern == '*') {
            if (pattern[1] == '\0') {
                return *key != '\0'; /* a trailing '*': any rest */
            }
            const char *dot = strchr(key, '.');
            if (dot == NULL) {
                return false;
            }
            key = dot;
            pattern++;
            continue;
        }
        if (*pattern != *key) {
            return false;
        }
        pattern++;
        key++;
    }
    return *key == '\0';
}

static bool key_is_live(const char *key, int mode)
{
    for (size_t i = 0; i < sizeof live_keys / sizeof live_keys[0]; ++i) {
        if (key_matches(live_keys[i], key)) {
            return true;
        }
    }
    (void)mode; /* the same keys are live in both modes */
    return false;
}

/* ------------------------------------------------------------ the walk */

/* The shortest of %.15g, %.16g, %.17g that reads back to v exactly. */
static void double_text(double v, char *out, size_t cap)
{
    for (int digits = 15; digits <= 17; ++digits) {
        snprintf(out, cap, "%.*g", digits, v);
        if (strtod(out, NULL) == v) {
            return;
        }
    }
}

/* A value as text that config_apply_override reads back: YAML scalars,
 * strings double-quoted. */
static void value_text(const ConfigRow *row, const unsigned char *field, char *out, size_t cap)
{
    switch (row->type) {
    case CONFIG_BOOL:
        snprintf(out, cap, "%s", *(const bool *)field ? "true" : "false");
        break;
    case CONFIG_INT:
        snprintf(out, cap, "%d", *(const int *)field);
        break;
    case CONFIG_U64:
        snprintf(out, cap, "%llu", (unsigned long long)*(const uint64_t *)field);
        break;
    case CONFIG_FLOAT:
        double_text(*(const double *)field, out, cap);
        break;
    case CONFIG_VEC2: {
        char a[40], b[40];
        double_text(((const double *)field)[0], a, sizeof a);
        double_text(((const double *)field)[1], b, sizeof b);
        snprintf(out, cap, "[%s, %s]", a, b);
        break;
    }
    case CONFIG_CHOICE: {
        int v = *(const int *)field, k = 0;
        const char *c = row->choices;
        while (k < v && c != NULL) {
            c = strchr(c, '|');
            c = c != NULL ? c + 1 : NULL;
            k++;
        }
        if (c == NULL) {
            snprintf(out, cap, "%d", v);
        } else {
            snprintf(out, cap, "%.*s", (int)strcspn(c, "|"), c);
        }
        break;
    }
    case CONFIG_STRING: {
        size_t n = 0;
        if (cap > 0) {
            out[n++] = '"';
        }
        for (const char *p = (const char *)field; *p != '\0' && n + 3 < cap; ++p) {
            if (*p == '"' || *p == '\\') {
                out[n++] = '\\';
            }
            out[n++] = *p;
        }
        if (n + 1 < cap) {
            out[n++] = '"';
        }
        out[n < cap ? n : cap - 1] = '\0';
        break;
    }
    default:
        snprintf(out, cap, "?");
    }
}

static size_t row_size(const ConfigRow *row)
{
    switch (row->type) {
    case CONFIG_BOOL:
        return sizeof(bool);
    case CONFIG_INT:
    case CONFIG_CHOICE:
        return sizeof(int);
    case CONFIG_U64:
        return sizeof(uint64_t);
    case CONFIG_FLOAT:
        return sizeof(double);
    case CONFIG_VEC2:
        return 2 * sizeof(double);
    case CONFIG_STRING:
        return (size_t)row->max;
    default:
        return 0;
    }
}

typedef struct Diff {
    RunChange *out;
    int cap, count;
    int mode;
} Diff;

static void diff_add(Diff *d, const char *key, const ConfigRow *row, const unsigned char *a,
                     const unsigned char *b)
{
    if (d->count < d->cap && d->out != NULL) {
        RunChange *c = &d->out[d->count];
        snprintf(c->key, sizeof c->key, "%.*s", (int)sizeof c->key - 1, key);
        if (row != NULL) {
            value_text(row, a, c->old_value, sizeof c->old_value);
            value_text(row, b, c->new_value, sizeof c->new_value);
        } else {
            c->old_value[0] = c->new_value[0] = '\0';
        }
        c->applied = row != NULL && key_is_live(key, d->mode);
    }
    d->count++;
}

static bool row_equal(const ConfigRow *row, const unsigned char *a, const unsigned char *b)
{
    if (row->type == CONFIG_STRING) {
        return strncmp((const char *)a, (const char *)b, (size_t)row->max) == 0;
    }
    if (row->type == CONFIG_FLOAT) {
        double x = *(const double *)a, y = *(const double *)b;
        return x == y || (isnan(x) && isnan(y));
    }
    return memcmp(a, b, row_size(row)) == 0;
}

static void diff_section(Diff *d, const ConfigSection *sec, const char *prefix,
                         const unsigned char *a, const unsigned char *b)
{
    for (int i = 0; i < sec->row_count; ++i) {
        const ConfigRow *row = &sec->rows[i];
        char key[160];
        snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", row->key);
        if (row->type != CONFIG_LIST) {
            if (!row_equal(row, a + row->offset, b + row->offset)) {
                diff_add(d, key, row, a + row->offset, b + row->offset);
            }
            continue;
        }
        int na = *(const int *)(a + row->count_offset);
        int nb = *(const int *)(b + row->count_offset);
        if (na != nb) {
            diff_add(d, key, NULL, NULL, NULL); /* items added or removed */
            continue;
        }
        for (int k = 0; k < na; ++k) {
            char item[192];
            snprintf(item, sizeof item, "%s.%d", key, k);
            size_t at = row->offset + (size_t)k * row->item_size;
            diff_section(d, row->item, item, a + at, b + at);
            if (row->item_extra != NULL) {
                char extra[224];
                snprintf(extra, sizeof extra, "%s%s%s", item,
                         row->item_extra->prefix[0] ? "." : "", row->item_extra->prefix);
                size_t ex = row->item_extra_offset + (size_t)k * row->item_extra_size;
                diff_section(d, row->item_extra, extra, a + ex, b + ex);
            }
        }
    }
}

/* Every difference between a and b, live or not. */
static int def_diff(const RunDef *a, const RunDef *b, int mode, RunChange *out, int cap)
{
    Diff d = {.out = out, .cap = cap, .count = 0, .mode = mode};
    const ConfigSchema *s = run_schema();
    for (int i = 0; i < s->section_count; ++i) {
        const ConfigSection *sec = &s->sections[i];
        diff_section(&d, sec, sec->prefix, (const unsigned char *)a + sec->offset,
                     (const unsigned char *)b + sec->offset);
    }
    return d.count;
}

/* ------------------------------------------------------------ applying */

static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; ++s) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static uint64_t current_tick(const Run *r)
{
    if (r->def.evolution.mode == EVOLUTION_OPEN_ENDED && r->ev != NULL && r->ev->world != NULL) {
        return world_tick(r->ev->world);
    }
    return 0;
}

/* Takes next as the run's settings (only live keys differ from them). */
static PetriStatus take_def(Run *r, const RunDef *next, PetriError *err)
{
    StopExpr old_stop = r->stop;
    RunDef old = r->def;
    r->def = *next;
    const char *names[WORLD_MAX_POPULATIONS];
    for (int p = 0; p < r->def.population_count; ++p) {
        names[p] = r->def.populations[p].name;
    }
    if (stop_compile(&r->stop, r->def.evolution.stop_when, names, r->def.population_count,
                     "stop.when", err) != PETRI_OK) {
        r->def = old;
        r->stop = old_stop;
        return err->code;
    }
    evolution_set_def(r->ev, &r->def);
    if (!r->target_from_option) {
        r->target = (uint64_t)r->def.evolution.generations;
    }
    run_set_config_text(r);
    r->saved = false;
    return PETRI_OK;
}

PetriStatus run_apply_def(Run *r, const RunDef *next, RunChange *changes, int cap, int *count,
                          PetriError *err)
{
    enum { MAX_DIFF = 256 };
    RunChange *all = petri_calloc(MAX_DIFF, sizeof *all);
    int mode = r->def.evolution.mode;
    int n = def_diff(&r->def, next, mode, all, MAX_DIFF);
    int kept = n < MAX_DIFF ? n : MAX_DIFF;
    /* The new settings: the old ones with only the live keys of next. */
    RunDef *merged = petri_alloc(sizeof *merged);
    *merged = r->def;
    PetriStatus s = PETRI_OK;
    int applied = 0;
    for (int i = 0; i < kept && s == PETRI_OK; ++i) {
        if (!all[i].applied) {
            continue;
        }
        char assignment[400];
        snprintf(assignment, sizeof assignment, "%s=%s", all[i].key, all[i].new_value);
        s = config_apply_override(run_schema(), merged, assignment, err);
        applied++;
    }
    if (s == PETRI_OK && applied > 0) {
        s = take_def(r, merged, err);
    }
    if (s == PETRI_OK && applied > 0) {
        uint64_t gen = evolution_generation(r->ev), tick = current_tick(r);
        for (int i = 0; i < kept; ++i) {
            if (!all[i].applied) {
                continue;
            }
            if (r->changes != NULL) {
                fprintf(r->changes, "%llu,%llu,", (unsigned long long)gen,
                        (unsigned long long)tick);
                csv_field(r->changes, all[i].key);
                fputc(',', r->changes);
                csv_field(r->changes, all[i].old_value);
                fputc(',', r->changes);
                csv_field(r->changes, all[i].new_value);
                fputc('\n', r->changes);
            }
            r->changes_applied++;
        }
        if (r->changes != NULL) {
            fflush(r->changes);
        }
    }
    if (s == PETRI_OK) {
        if (changes != NULL) {
            memcpy(changes, all, (size_t)(kept < cap ? kept : cap) * sizeof *all);
        }
        if (count != NULL) {
            *count = n;
        }
    }
    petri_free(merged, sizeof *merged);
    petri_free(all, MAX_DIFF * sizeof *all);
    return s;
}

/* ------------------------------------------------------------ resume */

/* One CSV field (quoted or not) from *p into out; advances *p past the
 * comma. */
static bool csv_next(const char **p, char *out, size_t cap)
{
    const char *s = *p;
    size_t n = 0;
    if (*s == '"') {
        s++;
        for (;;) {
            if (*s == '\0' || *s == '\n') {
                return false;
            }
            if (*s == '"') {
                if (s[1] == '"') {
                    s++;
                } else {
                    s++;
                    break;
                }
            }
            if (n + 1 < cap) {
                out[n++] = *s;
            }
            s++;
        }
    } else {
        while (*s != ',' && *s != '\n' && *s != '\0') {
            if (n + 1 < cap) {
                out[n++] = *s;
            }
            s++;
        }
    }
    out[n] = '\0';
    if (*s == ',') {
        s++;
    }
    *p = s;
    return true;
}

static PetriStatus change_row(void *user, char *line, const char *path, int lineno,
                              PetriError *err)
{
    Run *r = user;
    char gen[32], tick[32], key[96], old_value[272], value[272];
    const char *p = line;
    if (!csv_next(&p, gen, sizeof gen) || !csv_next(&p, tick, sizeof tick) ||
        !csv_next(&p, key, sizeof key) || !csv_next(&p, old_value, sizeof old_value) ||
        !csv_next(&p, value, sizeof value)) {
        return error_at(err, PETRI_EFORMAT, path, lineno, 1, "malformed row");
    }
    if (r->pending_count % 16 == 0) {
        r->pending = petri_realloc(r->pending, (size_t)r->pending_count * sizeof(RunPending),
                                   (size_t)(r->pending_count + 16) * sizeof(RunPending));
    }
    RunPending *pd = &r->pending[r->pending_count++];
    pd->generation = strtoull(gen, NULL, 10);
    snprintf(pd->key, sizeof pd->key, "%s", key);
    snprintf(pd->value, sizeof pd->value, "%s", value);
    return PETRI_OK;
}

PetriStatus run_changes_load(Run *r, PetriError *err)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/changes.csv", r->dir);
    uint64_t rows;
    size_t torn_at = 0;
    PetriStatus s = csv_replay_rows(path, r->changes_applied, change_row, r, &rows, &torn_at, err);
    /* a row half-written by a crash was never applied: cut it, so that the
     * next change recorded starts on a line of its own */
    return s == PETRI_OK ? csv_cut_torn(path, torn_at, err) : s;
}

PetriStatus run_changes_replay(Run *r, PetriError *err)
{
    uint64_t gen = evolution_generation(r->ev);
    if (r->pending_next >= r->pending_count || r->pending[r->pending_next].generation > gen) {
        return PETRI_OK;
    }
    RunDef *next = petri_alloc(sizeof *next);
    *next = r->def;
    PetriStatus s = PETRI_OK;
    int first = r->pending_next;
    while (s == PETRI_OK && r->pending_next < r->pending_count &&
           r->pending[r->pending_next].generation <= gen) {
        const RunPending *pd = &r->pending[r->pending_next++];
        char assignment[400];
        snprintf(assignment, sizeof assignment, "%s=%s", pd->key, pd->value);
        if (!key_is_live(pd->key, r->def.evolution.mode)) {
            s = error_add(err, PETRI_EFORMAT,
                          "%s/changes.csv: error: '%s' cannot change during a run", r->dir,
                          pd->key);
        } else {
            s = config_apply_override(run_schema(), next, assignment, err);
        }
    }
    if (s == PETRI_OK) {
        s = take_def(r, next, err);
    }
    if (s == PETRI_OK) {
        /* Already rows of changes.csv: counted, not written again. */
        r->changes_applied += (uint64_t)(r->pending_next - first);
        log_info("re-applied %d config change%s recorded after the checkpoint",
                 r->pending_next - first, r->pending_next - first == 1 ? "" : "s");
    }
    petri_free(next, sizeof *next);
    return s;
}

void run_changes_free(Run *r)
{
    int cap = (r->pending_count + 15) / 16 * 16;
    petri_free(r->pending, (size_t)cap * sizeof(RunPending));
    r->pending = NULL;
    r->pending_count = r->pending_next = 0;
}
