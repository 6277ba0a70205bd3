/*
 * `petri task NAME [--runs N] [--seed S] [--json] [--out DIR] [--threads N]
 *                  [--generations N] [--set KEY=VALUE]... [--quiet]`
 *
 * Flags take their value as `--runs 5` or `--runs=5` (getopt_long), in
 * any order around the task's name; -h or --help prints the usage.
 *
 * Runs a classic benchmark task many times with the NEAT population
 * engine and reports how quickly it was solved. A run evolves until a
 * genome of the current generation solves the task (the task says what
 * that means) or a generation cap; its evaluations are the genomes
 * evaluated up to and including the solving generation (whole
 * generations, as the NEAT paper counts them).
 *
 * Runs are independent: run r is seeded from (seed, r) and runs get
 * spread over threads (each run's own evaluation is then serial: nested
 * parallel regions are inactive), so the table is the same at any thread
 * count; a single run evaluates its generations in parallel instead.
 */
#include "experiments/experiments.h"
#include "experiments/tasks_internal.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include "core/parallel.h"
#endif

static const TaskSpec *const all_tasks[] = {&task_xor, &task_pole2, &task_pole2_novel};
enum { TASK_COUNT = (int)(sizeof all_tasks / sizeof all_tasks[0]) };

const TaskSpec *task_find(const char *name)
{
    for (int i = 0; i < TASK_COUNT; ++i) {
        if (strcmp(all_tasks[i]->name, name) == 0) {
            return all_tasks[i];
        }
    }
    return NULL;
}

const TaskSpec *task_list(int *count)
{
    *count = TASK_COUNT;
    return all_tasks[0];
}

/* ------------------------------------------------------------ one run */

uint64_t task_run_seed(uint64_t seed, int run)
{
    return mix64(seed * 0x9E3779B97F4A7C15ull + (uint64_t)run + 1u);
}

void task_run_one(const TaskSpec *t, const NeatDef *def, uint64_t seed, int max_generations,
                  TaskRun *r)
{
    double start = clock_seconds();
    NeatPopulation *pop = neat_population_create(def, t->inputs, t->outputs, seed);
    const int size = neat_population_size(pop);
    memset(r, 0, sizeof *r);
    int solution = -1;
    TaskCheck check = {0};
    for (int gen = 0; gen < max_generations; ++gen) {
        neat_population_evaluate(pop, t->eval, NULL);
        r->evaluations += (uint64_t)size;
        r->generations = gen + 1;
        check.generation = gen + 1;
        solution = t->find_solution(pop, &check);
        if (solution >= 0) {
            break;
        }
        neat_population_epoch(pop);
    }
    if (solution >= 0) {
        r->solved = true;
        r->best_fitness = neat_population_fitness(pop, solution);
        genome_copy(&r->champion, neat_population_genome(pop, solution));
    } else {
        const Genome *best = neat_population_best_ever(pop, &r->best_fitness);
        genome_copy(&r->champion, best);
    }
    if (check.state != NULL) {
        petri_free(check.state, check.state_bytes);
    }
    r->refused = check.refused;
    r->first_refused = check.first_refused;
    r->hidden = genome_hidden_count(&r->champion);
    r->conns = genome_enabled_count(&r->champion);
    neat_population_destroy(pop);
    r->seconds = clock_seconds() - start;
}

/* ------------------------------------------------------------ summary */

typedef struct TaskSummary {
    int runs, successes;
    double mean_generations, median_generations, worst_generations;
    double mean_evaluations, median_evaluations, sd_evaluations;
    double mean_hidden, mean_conns;
} TaskSummary;

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Statistics over the successful runs (sums in run order). */
static TaskSummary task_summarize(const TaskRun *runs, int n)
{
    TaskSummary s = {.runs = n};
    double *gens = petri_alloc((size_t)n * sizeof(double) + 1);
    double *evals = petri_alloc((size_t)n * sizeof(double) + 1);
    for (int i = 0; i < n; ++i) {
        if (!runs[i].solved) {
            continue;
        }
        gens[s.successes] = runs[i].generations;
        evals[s.successes] = (double)runs[i].evaluations;
        s.mean_generations += runs[i].generations;
        s.mean_evaluations += (double)runs[i].evaluations;
        s.mean_hidden += runs[i].hidden;
        s.mean_conns += runs[i].conns;
        if (runs[i].generations > s.worst_generations) {
            s.worst_generations = runs[i].generations;
        }
        s.successes++;
    }
    if (s.successes > 0) {
        double k = s.successes;
        s.mean_generations /= k;
        s.mean_evaluations /= k;
        s.mean_hidden /= k;
        s.mean_conns /= k;
        double var = 0.0;
        for (int i = 0; i < s.successes; ++i) {
            var += (evals[i] - s.mean_evaluations) * (evals[i] - s.mean_evaluations);
        }
        s.sd_evaluations = s.successes > 1 ? sqrt(var / (k - 1.0)) : 0.0;
        s.median_generations = median_of(gens, s.successes);
        s.median_evaluations = median_of(evals, s.successes);
    }
    petri_free(gens, (size_t)n * sizeof(double) + 1);
    petri_free(evals, (size_t)n * sizeof(double) + 1);
    return s;
}

/* The double-precision recheck's line of the table: every solution passed
 * it (a run counts as solved only then); candidates that solved in
 * float32 and failed it, and the runs that had them. */
static void print_recheck(FILE *out, const TaskSummary *s, const TaskRun *runs)
{
    int refused = 0, runs_with = 0, unsolved = 0;
    for (int i = 0; i < s->runs; ++i) {
        refused += runs[i].refused;
        runs_with += runs[i].refused > 0;
        unsolved += runs[i].refused > 0 && !runs[i].solved;
    }
    fprintf(out, "  double recheck    %d of %d solutions passed; %d float32-only candidate%s refused",
            s->successes, s->successes, refused, refused == 1 ? "" : "s");
    if (runs_with > 0) {
        fprintf(out, " (run");
        for (int i = 0; i < s->runs; ++i) {
            if (runs[i].refused > 0) {
                fprintf(out, " %d%s", i, runs[i].solved ? "" : "*");
            }
        }
        fprintf(out, unsolved > 0 ? "; * never solved)" : ")");
    }
    fprintf(out, "\n");
}

static void print_table(FILE *out, const TaskSpec *t, const NeatDef *def, const TaskSummary *s,
                        const TaskRun *runs, uint64_t seed, int threads, double wall)
{
    char dur[32];
    format_duration(wall, dur, sizeof dur);
    fprintf(out, "task %s: %s\n", t->name, t->summary);
    fprintf(out, "  %d runs, seed %" PRIu64 ", population %d, %d thread%s, wall time %s\n", s->runs,
            seed, def->population_size, threads, threads == 1 ? "" : "s", dur);
    fprintf(out, "  solved            %d of %d (%.0f%%)\n", s->successes, s->runs,
            100.0 * s->successes / (s->runs > 0 ? s->runs : 1));
    if (t->has_recheck) {
        print_recheck(out, s, runs);
    }
    if (s->successes == 0) {
        fprintf(out, "  no run solved the task\n");
        return;
    }
    fprintf(out, "  (over the solved runs)    mean      median       sd     worst\n");
    fprintf(out, "  generations         %10.1f  %10.1f            %8.0f\n", s->mean_generations,
            s->median_generations, s->worst_generations);
    fprintf(out, "  evaluations         %10.0f  %10.0f  %7.0f\n", s->mean_evaluations,
            s->median_evaluations, s->sd_evaluations);
    fprintf(out, "  hidden nodes        %10.2f\n", s->mean_hidden);
    fprintf(out, "  enabled connections %10.2f\n", s->mean_conns);
    if (t->paper_evaluations > 0) {
        fprintf(out, "  NEAT paper: %.0f evaluations on average (this run: %.2fx)\n",
                t->paper_evaluations, s->mean_evaluations / t->paper_evaluations);
    }
}

static void print_json(FILE *out, const TaskSpec *t, const NeatDef *def, const TaskSummary *s,
                       const TaskRun *runs, uint64_t seed, int threads, double wall)
{
    fprintf(out, "{\"task\": \"%s\", \"runs\": %d, \"seed\": %" PRIu64
                 ", \"population\": %d, \"threads\": %d, \"successes\": %d, \"success_rate\": %.4f",
            t->name, s->runs, seed, def->population_size, threads, s->successes,
            s->runs > 0 ? (double)s->successes / s->runs : 0.0);
    if (s->successes > 0) {
        fprintf(out,
                ", \"mean_generations\": %.3f, \"median_generations\": %.1f"
                ", \"worst_generations\": %.0f, \"mean_evaluations\": %.3f"
                ", \"median_evaluations\": %.1f, \"sd_evaluations\": %.3f"
                ", \"mean_hidden_nodes\": %.4f, \"mean_enabled_connections\": %.4f",
                s->mean_generations, s->median_generations, s->worst_generations,
                s->mean_evaluations, s->median_evaluations, s->sd_evaluations, s->mean_hidden,
                s->mean_conns);
    } else {
        fprintf(out, ", \"mean_generations\": null, \"median_generations\": null"
                     ", \"worst_generations\": null, \"mean_evaluations\": null"
                     ", \"median_evaluations\": null, \"sd_evaluations\": null"
                     ", \"mean_hidden_nodes\": null, \"mean_enabled_connections\": null");
    }
    fprintf(out, ", \"paper_mean_evaluations\": %.0f, \"wall_seconds\": %.3f, \"per_run\": [",
            t->paper_evaluations, wall);
    for (int i = 0; i < s->runs; ++i) {
        fprintf(out,
                "%s{\"run\": %d, \"solved\": %s, \"generations\": %d, \"evaluations\": %" PRIu64
                ", \"hidden_nodes\": %d, \"enabled_connections\": %d, \"fitness\": %.6g",
                i ? ", " : "", i, runs[i].solved ? "true" : "false", runs[i].generations,
                runs[i].evaluations, runs[i].hidden, runs[i].conns, runs[i].best_fitness);
        if (t->has_recheck) {
            /* passed: the solution balanced in double precision too;
             * refused: candidates solved in float32 only and none passed;
             * none: no candidate solved even in float32 */
            const char *recheck = runs[i].solved ? "passed" : runs[i].refused > 0 ? "refused" : "none";
            fprintf(out, ", \"recheck\": \"%s\", \"recheck_refused\": %d", recheck,
                    runs[i].refused);
        } else {
            fprintf(out, ", \"recheck\": null, \"recheck_refused\": 0");
        }
        fprintf(out, "}");
    }
    fprintf(out, "]}\n");
}

/* ------------------------------------------------------------ command line */

static const char TASK_USAGE[] =
    "usage: petri task NAME [--runs N] [--seed S] [--json] [--out DIR] [--threads N]\n"
    "                  [--generations N] [--set KEY=VALUE]... [--quiet]\n";

static void task_usage(FILE *out)
{
    fputs(TASK_USAGE, out);
    fprintf(out, "\n--set changes one NEAT setting (a key of the neat section, such as\n"
                 "add_conn_rate=0.1) over the task's own settings.\n\ntasks:\n");
    for (int i = 0; i < TASK_COUNT; ++i) {
        fprintf(out, "  %-12s %s\n", all_tasks[i]->name, all_tasks[i]->summary);
    }
}

static bool parse_int(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || x < lo || x > hi) {
        return false;
    }
    *v = x;
    return true;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    if (*s == '-') {
        return false;
    }
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        return false;
    }
    *v = x;
    return true;
}

/* Index of word in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *word)
{
    size_t len = strlen(word);
    int index = 0;
    for (const char *p = choices; p != NULL; ++index) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, word, n) == 0) {
            return index;
        }
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

/* Applies "KEY=VALUE" to a NeatDef field named by its schema row; prints
 * a message and returns false on a bad key or value. */
static bool task_apply_set(NeatDef *def, const char *assignment)
{
    const char *eq = strchr(assignment, '=');
    int count;
    const ConfigRow *rows = neat_config_rows(&count);
    size_t klen = eq ? (size_t)(eq - assignment) : 0;
    if (strncmp(assignment, "neat.", 5) == 0 && klen > 5) {
        assignment += 5; /* the config file's spelling works too */
        klen -= 5;
    }
    const ConfigRow *row = NULL;
    for (int i = 0; eq != NULL && i < count; ++i) {
        if (strlen(rows[i].key) == klen && strncmp(rows[i].key, assignment, klen) == 0) {
            row = &rows[i];
        }
    }
    if (row == NULL) {
        fprintf(stderr, "petri task: --set %s: error: expected KEY=VALUE with a NEAT key:",
                assignment);
        for (int i = 0; i < count; ++i) {
            fprintf(stderr, " %s", rows[i].key);
        }
        fprintf(stderr, "\n");
        return false;
    }
    const char *value = eq + 1;
    char *field = (char *)def + row->offset;
    char *end = NULL;
    bool ok = false;
    switch (row->type) {
    case CONFIG_FLOAT: {
        double v = strtod(value, &end);
        ok = end != value && *end == '\0' && v >= row->min && v <= row->max;
        if (ok) {
            memcpy(field, &v, sizeof v);
        }
        break;
    }
    case CONFIG_INT: {
        long v;
        ok = parse_int(value, (long)row->min, (long)row->max, &v);
        if (ok) {
            int iv = (int)v;
            memcpy(field, &iv, sizeof iv);
        }
        break;
    }
    case CONFIG_BOOL: {
        bool v = strcmp(value, "true") == 0;
        ok = v || strcmp(value, "false") == 0;
        if (ok) {
            memcpy(field, &v, sizeof v);
        }
        break;
    }
    case CONFIG_CHOICE: {
        int v = choice_index(row->choices, value);
        ok = v >= 0;
        if (ok) {
            memcpy(field, &v, sizeof v);
        }
        break;
    }
    default:
        break;
    }
    if (!ok) {
        if (row->type == CONFIG_CHOICE) {
            fprintf(stderr, "petri task: --set %s: error: '%s' must be one of %s\n", assignment,
                    row->key, row->choices);
        } else if (row->type == CONFIG_BOOL) {
            fprintf(stderr, "petri task: --set %s: error: '%s' must be true or false\n",
                    assignment, row->key);
        } else {
            fprintf(stderr, "petri task: --set %s: error: '%s' must be a number in [%g, %g]\n",
                    assignment, row->key, row->min, row->max);
        }
    }
    return ok;
}

/* Names of a task's inputs and outputs for the champions' JSON
 * (docs/brain-io.md): XOR's two bits, the cart and poles' state as
 * experiments/pole.c scales it, the force. None for a task of another
 * shape. */
static void task_names(const TaskSpec *t, GenomeNames *names)
{
    static const char *const xor_names[] = {"x1", "x2", "y"};
    static const char *const pole6[] = {"cart.x",      "cart.velocity",  "pole1.angle",
                                        "pole1.velocity", "pole2.angle", "pole2.velocity",
                                        "force"};
    static const char *const pole3[] = {"cart.x", "pole1.angle", "pole2.angle", "force"};
    const char *const *list = strcmp(t->name, "xor") == 0 ? xor_names
                              : t->inputs == 6            ? pole6
                                                          : pole3;
    int count = list == xor_names ? 3 : (list == pole6 ? 7 : 4);
    genome_names_fini(names);
    if (t->outputs == 1 && t->inputs + 1 == count) {
        genome_names_resize(names, t->inputs, 1);
        for (int i = 0; i < count; ++i) {
            snprintf(names->name[i], GENOME_NAME_CAP, "%s", list[i]);
        }
    }
}

int task_main(int argc, char **argv)
{
    const char *name = NULL, *out_dir = NULL;
    long runs = 10, threads = 0, generations = 0;
    uint64_t seed = 1;
    bool json = false, quiet = false;
    const char *sets[64];
    int set_count = 0;
    /* getopt_long: --flag value and --flag=value alike, -h; the task's
     * name is the one operand. */
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},          {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},         {"runs", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'}, {"generations", required_argument, NULL, 'g'},
        {"seed", required_argument, NULL, 's'},    {"set", required_argument, NULL, 'S'},
        {"out", required_argument, NULL, 'o'},     {NULL, 0, NULL, 0},
    };
    optind = 0; /* 0: glibc starts afresh, permuting operands after flags */
    opterr = 0;
    int opt, li = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, &li)) != -1) {
        bool ok = true;
        const char *want = "a positive integer";
        switch (opt) {
        case 'h': task_usage(stdout); return 0;
        case 'j': json = true; break;
        case 'q': quiet = true; break;
        case 'r': ok = parse_int(optarg, 1, 1000000, &runs); break;
        case 't': ok = parse_int(optarg, 1, 4096, &threads); break;
        case 'g': ok = parse_int(optarg, 1, 1000000, &generations); break;
        case 's':
            ok = parse_u64(optarg, &seed);
            want = "a non-negative integer";
            break;
        case 'S':
            ok = set_count < 64;
            want = "KEY=VALUE (at most 64 of them)";
            if (ok) {
                sets[set_count++] = optarg;
            }
            break;
        case 'o': out_dir = optarg; break;
        default:
            return cli_flag_error("task", TASK_USAGE, opt, argc, argv);
        }
        if (!ok) {
            return cli_usage_error("task", TASK_USAGE, "--%s needs %s, got '%s'",
                                   longopts[li].name, want, optarg);
        }
    }
    if (optind < argc) {
        name = argv[optind++];
    }
    if (optind < argc) {
        return cli_usage_error("task", TASK_USAGE, "one task at a time; '%s' is a second one",
                               argv[optind]);
    }
    if (name == NULL) {
        int rc = cli_usage_error("task", NULL, "name a task%s", "");
        task_usage(stderr);
        return rc;
    }
    const TaskSpec *t = task_find(name);
    if (t == NULL) {
        int rc = cli_usage_error("task", NULL, "unknown task '%s'", name);
        task_usage(stderr);
        return rc;
    }
    if (out_dir != NULL) {
        PetriError err;
        error_clear(&err);
        if (file_make_dirs(out_dir, &err) != PETRI_OK) {
            error_print(&err, stderr);
            return 1;
        }
    }
#ifdef _OPENMP
    if (threads > 0) {
        omp_set_num_threads((int)threads);
    }
    int nthreads = omp_get_max_threads();
#else
    int nthreads = 1;
#endif
    NeatDef def = neat_default_def();
    t->tune(&def);
    for (int i = 0; i < set_count; ++i) {
        if (!task_apply_set(&def, sets[i])) {
            return 2;
        }
    }
    int max_gen = generations > 0 ? (int)generations : t->max_generations;
    const int n = (int)runs;

    TaskRun *results = petri_calloc((size_t)n, sizeof *results);
    Progress progress;
    if (!quiet) {
        progress_begin(&progress, stderr, t->name, "run", (uint64_t)n);
    }
    int done = 0, solved = 0;
    double start = clock_seconds();
#pragma omp parallel for schedule(dynamic, 1) if (n > 1)
    for (int r = 0; r < n; ++r) {
        task_run_one(t, &def, task_run_seed(seed, r), max_gen, &results[r]);
#pragma omp critical(task_progress)
        {
            ++done;
            solved += results[r].solved;
            if (!quiet) {
                char detail[64];
                snprintf(detail, sizeof detail, "%d solved", solved);
                progress_update(&progress, (uint64_t)done, detail);
            }
        }
    }
    double wall = clock_seconds() - start;
    if (!quiet) {
        progress_end(&progress, NULL);
    }

    int rc = 0;
    if (out_dir != NULL) {
        for (int r = 0; r < n; ++r) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s-run%03d.json", out_dir, t->name, r);
            PetriError err;
            error_clear(&err);
            GenomeNames names;
            genome_names_init(&names);
            task_names(t, &names);
            PetriStatus saved = genome_save_json_named(&results[r].champion, &names, path, &err);
            genome_names_fini(&names);
            if (saved != PETRI_OK) {
                error_print(&err, stderr);
                rc = 1;
                break;
            }
        }
    }
    TaskSummary s = task_summarize(results, n);
    if (json) {
        print_json(stdout, t, &def, &s, results, seed, nthreads, wall);
    } else {
        print_table(stdout, t, &def, &s, results, seed, nthreads, wall);
    }
    for (int r = 0; r < n; ++r) {
        genome_fini(&results[r].champion);
    }
    petri_free(results, (size_t)n * sizeof *results);
    return rc;
}
