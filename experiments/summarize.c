/*
 * `petri summarize DIR... [--by KEY] [--out DIR]`: run folders gathered
 * into one table, and the spread across replicates plotted.
 *
 * A DIR is a run folder (it holds summary.json) or a folder of run
 * folders (a sweep's). What a run was asked to be is read back from its
 * own files: the overrides from meta.json's command line (its --set
 * arguments), the rest from summary.json and stats.csv, so any runs can
 * be summarized, not only a sweep's. Runs with the same overrides but the
 * seed (replicates), or the same value of --by KEY, form a group; per
 * group and population, the median and interquartile range of the best
 * fitness of each generation go to a data file that gnuplot draws
 * (summarize_plot.c).
 */
#include "experiments/experiments.h"
#include "experiments/summarize_internal.h"

#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char summarize_usage[] = "usage: petri summarize DIR... [--by KEY] [--out DIR]\n";

static void series_push(SumSeries *s, int generation, double v)
{
    if (s->count == s->cap) {
        int cap = s->cap ? s->cap * 2 : 64;
        s->gen = petri_realloc(s->gen, (size_t)s->cap * sizeof *s->gen, (size_t)cap * sizeof *s->gen);
        s->val = petri_realloc(s->val, (size_t)s->cap * sizeof *s->val, (size_t)cap * sizeof *s->val);
        s->cap = cap;
    }
    s->gen[s->count] = generation;
    s->val[s->count] = v;
    s->count++;
}

int summary_pop_index(Summary *sm, const char *name)
{
    for (int i = 0; i < sm->pop_count; ++i) {
        if (strcmp(sm->pops[i], name) == 0) {
            return i;
        }
    }
    if (sm->pop_count == SUM_MAX_POPS) {
        return -1;
    }
    snprintf(sm->pops[sm->pop_count], sizeof sm->pops[0], "%s", name);
    return sm->pop_count++;
}

static int key_index(Summary *sm, const char *key)
{
    for (int i = 0; i < sm->key_count; ++i) {
        if (strcmp(sm->keys[i], key) == 0) {
            return i;
        }
    }
    if (sm->key_count == SUM_MAX_KEYS) {
        return -1;
    }
    snprintf(sm->keys[sm->key_count], sizeof sm->keys[0], "%s", key);
    return sm->key_count++;
}

/* stats.csv: generation,population,count,fitness_max,... */
static void read_stats(Summary *sm, SumRun *run)
{
    char path[SUM_PATH_CAP + 16];
    snprintf(path, sizeof path, "%s/stats.csv", run->dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return;
    }
    char line[4096];
    bool header = true;
    while (fgets(line, sizeof line, f) != NULL) {
        if (header) {
            header = false;
            continue;
        }
        char *save = NULL;
        char *gen = strtok_r(line, ",", &save);
        char *pop = strtok_r(NULL, ",", &save);
        char *count = strtok_r(NULL, ",", &save);
        char *fmax = strtok_r(NULL, ",", &save);
        if (gen == NULL || pop == NULL || count == NULL || fmax == NULL) {
            continue;
        }
        int p = summary_pop_index(sm, pop);
        if (p < 0) {
            continue;
        }
        series_push(&run->best[p], atoi(gen), strtod(fmax, NULL));
        run->final[p] = strtod(fmax, NULL);
        run->has_final[p] = true;
    }
    fclose(f);
}

/* Reads one run folder; false when it is not one. */
static bool read_run(Summary *sm, const char *dir, SumRun *run, PetriError *err)
{
    memset(run, 0, sizeof *run);
    snprintf(run->dir, sizeof run->dir, "%s", dir);
    char path[SUM_PATH_CAP + 16];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    /* Numbers as doubles: a seed may exceed jansson's 63-bit integers;
     * the exact seed is read from config.yaml below. */
    json_t *root = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
    if (root == NULL) {
        error_add(err, PETRI_EFORMAT, "%s:%d:%d: error: %s", path, jerr.line, jerr.column,
                  jerr.text);
        return false;
    }
    run->seed = (unsigned long long)json_number_value(json_object_get(root, "seed"));
    run->generations = (long)json_number_value(json_object_get(root, "generations"));
    const char *reason = json_string_value(json_object_get(root, "stop_reason"));
    snprintf(run->stop_reason, sizeof run->stop_reason, "%s", reason ? reason : "");
    run->wall_s = json_number_value(json_object_get(root, "wall_s"));
    const char *hash = json_string_value(json_object_get(root, "state_hash"));
    snprintf(run->state_hash, sizeof run->state_hash, "%s", hash ? hash : "");
    const char *pop;
    json_t *value;
    json_object_foreach(json_object_get(root, "best_fitness"), pop, value)
    {
        int p = summary_pop_index(sm, pop);
        if (p >= 0 && json_is_number(value)) {
            run->best_ever[p] = json_number_value(value);
            run->has_best[p] = true;
        }
    }
    json_decref(root);
    /* The exact seed: the top-level "seed: N" of the effective config. */
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    FILE *cf = fopen(path, "r");
    char line[512];
    while (cf != NULL && fgets(line, sizeof line, cf) != NULL) {
        if (strncmp(line, "seed: ", 6) == 0) {
            run->seed = strtoull(line + 6, NULL, 10);
            break;
        }
    }
    if (cf != NULL) {
        fclose(cf);
    }
    /* The overrides: the --set arguments of the command that made it. */
    snprintf(path, sizeof path, "%s/meta.json", dir);
    root = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
    json_t *cmd = root ? json_object_get(root, "command_line") : NULL;
    for (size_t i = 0; cmd != NULL && i + 1 < json_array_size(cmd); ++i) {
        const char *a = json_string_value(json_array_get(cmd, i));
        const char *v = json_string_value(json_array_get(cmd, i + 1));
        if (a == NULL || v == NULL || strcmp(a, "--set") != 0 || strchr(v, '=') == NULL) {
            continue;
        }
        char key[SUM_KEY_CAP];
        snprintf(key, sizeof key, "%.*s", (int)(strchr(v, '=') - v), v);
        if (strcmp(key, "seed") == 0) {
            continue;
        }
        int k = key_index(sm, key);
        if (k >= 0) {
            snprintf(run->values[k], sizeof run->values[k], "%s", strchr(v, '=') + 1);
            run->has_value[k] = true;
        }
        ++i;
    }
    if (root != NULL) {
        json_decref(root);
    }
    read_stats(sm, run);
    return true;
}

static void add_run(Summary *sm, const char *dir, PetriError *err)
{
    if (sm->run_count == sm->run_cap) {
        int cap = sm->run_cap ? sm->run_cap * 2 : 16;
        sm->runs = petri_realloc(sm->runs, (size_t)sm->run_cap * sizeof *sm->runs,
                                 (size_t)cap * sizeof *sm->runs);
        sm->run_cap = cap;
    }
    if (read_run(sm, dir, &sm->runs[sm->run_count], err)) {
        sm->run_count++;
    }
}

static int name_order(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* DIR is a run, or holds runs one level down (in name order). */
static void add_dir(Summary *sm, const char *dir, PetriError *err)
{
    char path[SUM_PATH_CAP + 16];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if (file_exists(path)) {
        add_run(sm, dir, err);
        return;
    }
    struct dirent **list = NULL;
    int n = scandir(dir, &list, NULL, name_order);
    if (n < 0) {
        error_add(err, PETRI_ENOTFOUND, "petri summarize: error: %s: cannot read the folder",
                  dir);
        return;
    }
    int found = 0;
    for (int i = 0; i < n; ++i) {
        if (list[i]->d_name[0] != '.') {
            char sub[SUM_PATH_CAP];
            snprintf(sub, sizeof sub, "%s/%s", dir, list[i]->d_name);
            snprintf(path, sizeof path, "%s/summary.json", sub);
            if (file_exists(path)) {
                add_run(sm, sub, err);
                found++;
            }
        }
        free(list[i]);
    }
    free(list);
    if (found == 0) {
        error_add(err, PETRI_ENOTFOUND,
                  "petri summarize: error: %s holds no run (no summary.json in it or in its "
                  "folders)",
                  dir);
    }
}

/* Does key k take more than one value (or go unset) among the runs? */
static bool key_varies(const Summary *sm, int k)
{
    for (int i = 1; i < sm->run_count; ++i) {
        const SumRun *a = &sm->runs[0], *b = &sm->runs[i];
        if (a->has_value[k] != b->has_value[k] ||
            (a->has_value[k] && strcmp(a->values[k], b->values[k]) != 0)) {
            return true;
        }
    }
    return false;
}

/* The group label of a run: --by KEY's value, or every override that
 * varies among the runs (replicates differ only by seed). */
static void group_label(const Summary *sm, const SumRun *r, const char *by, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int k = 0; k < sm->key_count && n + 1 < cap; ++k) {
        if (!r->has_value[k] || (by != NULL && strcmp(sm->keys[k], by) != 0) ||
            (by == NULL && !key_varies(sm, k))) {
            continue;
        }
        int w = snprintf(out + n, cap - n, "%s%s=%s", n ? " " : "", sm->keys[k], r->values[k]);
        n = w > 0 ? n + (size_t)w : n;
    }
    if (out[0] == '\0') {
        snprintf(out, cap, "%s", by != NULL ? "(not set)" : "all runs");
    }
}

static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; ++s) {
        if (*s == '"') {
            fputc('"', f);
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

static PetriStatus write_csv(const Summary *sm, const char *path, PetriError *err)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return error_add(err, PETRI_EIO, "petri summarize: error: cannot write %s", path);
    }
    fputs("run", f);
    for (int k = 0; k < sm->key_count; ++k) {
        fputc(',', f);
        csv_field(f, sm->keys[k]);
    }
    fputs(",seed,generations,stop_reason", f);
    for (int p = 0; p < sm->pop_count; ++p) {
        char col[SUM_NAME_CAP + 16];
        snprintf(col, sizeof col, "%s.best", sm->pops[p]);
        fputc(',', f);
        csv_field(f, col);
        snprintf(col, sizeof col, "%s.final", sm->pops[p]);
        fputc(',', f);
        csv_field(f, col);
    }
    fputs(",wall_s,state_hash\n", f);
    for (int i = 0; i < sm->run_count; ++i) {
        const SumRun *r = &sm->runs[i];
        csv_field(f, r->dir);
        for (int k = 0; k < sm->key_count; ++k) {
            fputc(',', f);
            csv_field(f, r->has_value[k] ? r->values[k] : "");
        }
        fprintf(f, ",%llu,%ld,", r->seed, r->generations);
        csv_field(f, r->stop_reason);
        for (int p = 0; p < sm->pop_count; ++p) {
            if (r->has_best[p]) {
                fprintf(f, ",%.9g", r->best_ever[p]);
            } else {
                fputc(',', f);
            }
            if (r->has_final[p]) {
                fprintf(f, ",%.9g", r->final[p]);
            } else {
                fputc(',', f);
            }
        }
        fprintf(f, ",%.3f,%s\n", r->wall_s, r->state_hash);
    }
    bool bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    return bad ? error_add(err, PETRI_EIO, "petri summarize: error: cannot write %s", path)
               : PETRI_OK;
}

static void summary_fini(Summary *sm)
{
    for (int i = 0; i < sm->run_count; ++i) {
        for (int p = 0; p < SUM_MAX_POPS; ++p) {
            SumSeries *s = &sm->runs[i].best[p];
            petri_free(s->gen, (size_t)s->cap * sizeof *s->gen);
            petri_free(s->val, (size_t)s->cap * sizeof *s->val);
        }
    }
    petri_free(sm->runs, (size_t)sm->run_cap * sizeof *sm->runs);
    petri_free(sm->group_of, (size_t)(sm->run_count + 1) * sizeof *sm->group_of);
    petri_free(sm->groups, (size_t)(sm->run_count + 1) * sizeof *sm->groups);
}

int summarize_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"by", required_argument, NULL, 'b'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *by = NULL, *out = NULL;
    opterr = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":hb:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(summarize_usage, stdout);
            return 0;
        case 'b':
            by = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        default:
            return cli_flag_error("summarize", summarize_usage, c, argc, argv);
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "petri summarize: error: name at least one run or sweep folder\n%s",
                summarize_usage);
        return 2;
    }
    static Summary sm;
    memset(&sm, 0, sizeof sm);
    PetriError err;
    error_clear(&err);
    for (int i = optind; i < argc; ++i) {
        add_dir(&sm, argv[i], &err);
    }
    if (err.code != PETRI_OK) {
        error_print(&err, stderr);
        summary_fini(&sm);
        return 2;
    }
    bool by_known = false;
    for (int k = 0; k < sm.key_count && by != NULL; ++k) {
        for (int i = 0; i < sm.run_count; ++i) {
            by_known |= strcmp(sm.keys[k], by) == 0 && sm.runs[i].has_value[k];
        }
    }
    if (by != NULL && !by_known) {
        fprintf(stderr, "petri summarize: error: --by %s: no run sets '%s'; the runs set:", by,
                by);
        for (int k = 0; k < sm.key_count; ++k) {
            if (strcmp(sm.keys[k], by) != 0) {
                fprintf(stderr, " %s", sm.keys[k]);
            }
        }
        fprintf(stderr, "%s\n", sm.key_count == 0 ? " nothing (no --set)" : "");
        summary_fini(&sm);
        return 2;
    }
    char out_dir[SUM_PATH_CAP];
    snprintf(out_dir, sizeof out_dir, "%s", out != NULL ? out : argv[optind]);
    if (out == NULL) {
        strncat(out_dir, "/summary", sizeof out_dir - strlen(out_dir) - 1);
    }
    if (file_make_dirs(out_dir, &err) != PETRI_OK) {
        error_print(&err, stderr);
        summary_fini(&sm);
        return 1;
    }
    /* Groups, in order of first appearance. */
    sm.group_of = petri_calloc((size_t)sm.run_count + 1, sizeof *sm.group_of);
    sm.groups = petri_calloc((size_t)sm.run_count + 1, sizeof *sm.groups);
    for (int i = 0; i < sm.run_count; ++i) {
        char label[SUM_LABEL_CAP];
        group_label(&sm, &sm.runs[i], by, label, sizeof label);
        int g = 0;
        while (g < sm.group_count && strcmp(sm.groups[g], label) != 0) {
            g++;
        }
        if (g == sm.group_count) {
            snprintf(sm.groups[sm.group_count++], sizeof sm.groups[0], "%s", label);
        }
        sm.group_of[i] = g;
    }
    char csv[SUM_PATH_CAP + 16];
    snprintf(csv, sizeof csv, "%s/summary.csv", out_dir);
    if (write_csv(&sm, csv, &err) != PETRI_OK) {
        error_print(&err, stderr);
        summary_fini(&sm);
        return 1;
    }
    printf("wrote %s: %d runs in %d group%s\n", csv, sm.run_count, sm.group_count,
           sm.group_count == 1 ? "" : "s");
    int plots = summary_plot(&sm, out_dir, &err);
    if (plots < 0) {
        error_print(&err, stderr);
    } else if (plots == 0) {
        printf("plots: none (install gnuplot-nox to get them); the data is in %s/fitness-*.dat\n",
               out_dir);
    } else {
        printf("plots: %s/fitness-*.png (%d), median and interquartile band of the best "
               "fitness per group\n",
               out_dir, plots);
    }
    summary_fini(&sm);
    return 0;
}
