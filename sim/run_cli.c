/*
 * `petri run` and `petri resume`: thin wrappers over the run object
 * (sim/run.c). They parse flags (getopt_long: --flag=value and
 * --flag value alike), set the process-wide thread count, install the
 * signal handlers, draw the progress line, step the run until it is done,
 * and print the summary table. `petri run --watch` re-reads its config
 * between generations and applies what may change mid-run.
 */
#include "sim/run_internal.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RUN_USAGE                                                                            \
    "usage: petri run CONFIG [--set KEY=VALUE]... [--out DIR] [--force] [--threads N]\n"    \
    "                 [--generations N] [--watch] [--quiet]\n"
#define RESUME_USAGE                                                                         \
    "usage: petri resume RUNDIR [--generations N] [--threads N] [--checkpoint FILE] "       \
    "[--quiet]\n"

#define RUN_HELP                                                                             \
    "Loads CONFIG, applies each --set override, checks the whole config, and evolves.\n"    \
    "The run folder (default output.dir/NAME) gets the effective config, statistics,\n"     \
    "champions, checkpoints and summary.json; it is locked while the run lives.\n\n"        \
    "  --set KEY=VALUE   override one key (repeatable): --set populations.0.count=50\n"     \
    "  --out DIR         the run folder (refused if it holds files of something else)\n"    \
    "  --force           write into a non-empty --out folder that holds no run\n"           \
    "  --threads N       OpenMP threads (results are the same at any count)\n"              \
    "  --generations N   stop after N generations (epochs) instead of the config's\n"       \
    "  --watch           re-read CONFIG between generations and apply the keys that may\n"  \
    "                    change mid-run (docs/outputs.md lists them)\n"                     \
    "  -q, --quiet       no progress line (the summary table is always printed)\n"          \
    "  -h, --help        this help\n\n"                                                     \
    "Ctrl-C, SIGTERM, SIGHUP and SIGUSR1 write a checkpoint and stop (exit 130);\n"         \
    "`petri resume RUNDIR` carries on.\n"

#define RESUME_HELP                                                                          \
    "Continues a run exactly where its newest checkpoint left it.\n\n"                      \
    "  --generations N   the new target (default: the config's evolution.generations)\n"   \
    "  --checkpoint FILE resume from this checkpoint of the run instead of the newest\n"    \
    "  --threads N       OpenMP threads (results are the same at any count)\n"              \
    "  -q, --quiet       no progress line\n"                                                \
    "  -h, --help        this help\n\n"                                                     \
    "A run already at its target, or finished by its stop condition, is left as it is.\n"

typedef struct CliOptions {
    const char *config;     /* run: the config file */
    const char *dir;        /* --out, or the run folder for resume */
    const char *checkpoint; /* resume: --checkpoint FILE */
    const char **overrides; /* into argv */
    int override_count;
    int threads;            /* 0: OpenMP's default */
    long generations;       /* 0: from the config */
    bool quiet, force, watch, help;
} CliOptions;

static int usage_error(const char *cmd, const char *usage, const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    return cli_usage_error(cmd, usage, "%s", msg);
}

static bool cli_parse_long(const char *s, long lo, long hi, long *out)
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

enum { OPT_SET = 256, OPT_OUT, OPT_FORCE, OPT_THREADS, OPT_GENERATIONS, OPT_WATCH,
       OPT_CHECKPOINT };

/* Parses the flags of `petri run` (is_run) or `petri resume`. 0, or the
 * exit code of an error (2), or -1 for --help (printed). */
static int parse_cli(bool is_run, int argc, char **argv, CliOptions *o)
{
    const char *cmd = is_run ? "run" : "resume";
    const char *usage = is_run ? RUN_USAGE : RESUME_USAGE;
    memset(o, 0, sizeof *o);
    o->overrides = petri_calloc((size_t)argc + 1, sizeof *o->overrides);
    static const struct option run_opts[] = {
        {"set", required_argument, NULL, OPT_SET},
        {"out", required_argument, NULL, OPT_OUT},
        {"force", no_argument, NULL, OPT_FORCE},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"generations", required_argument, NULL, OPT_GENERATIONS},
        {"watch", no_argument, NULL, OPT_WATCH},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct option resume_opts[] = {
        {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"generations", required_argument, NULL, OPT_GENERATIONS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0; /* 0: glibc starts over (a second call in one process) */
    for (;;) {
        optopt = 0;
        int c = getopt_long(argc, argv, ":qh", is_run ? run_opts : resume_opts, NULL);
        if (c == -1) {
            break;
        }
        long v;
        switch (c) {
        case OPT_SET:
            o->overrides[o->override_count++] = optarg;
            break;
        case OPT_OUT:
            o->dir = optarg;
            break;
        case OPT_FORCE:
            o->force = true;
            break;
        case OPT_WATCH:
            o->watch = true;
            break;
        case OPT_CHECKPOINT:
            o->checkpoint = optarg;
            break;
        case OPT_THREADS:
            if (!cli_parse_long(optarg, 1, 4096, &v)) {
                return usage_error(cmd, usage, "--threads needs a number in [1, 4096], not '%s'",
                                   optarg);
            }
            o->threads = (int)v;
            break;
        case OPT_GENERATIONS:
            if (!cli_parse_long(optarg, 1, 100000000, &v)) {
                return usage_error(cmd, usage,
                                   "--generations needs a number in [1, 100000000], not '%s'",
                                   optarg);
            }
            o->generations = v;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            fputs(usage, stdout);
            fputs("\n", stdout);
            fputs(is_run ? RUN_HELP : RESUME_HELP, stdout);
            return -1;
        default:
            return cli_flag_error(cmd, usage, c, argc, argv);
        }
    }
    for (int i = optind; i < argc; ++i) {
        if (is_run && o->config == NULL) {
            o->config = argv[i];
        } else if (!is_run && o->dir == NULL) {
            o->dir = argv[i];
        } else {
            return usage_error(cmd, usage, "unexpected argument '%s'", argv[i]);
        }
    }
    if (is_run && o->config == NULL) {
        return usage_error(cmd, usage, "missing CONFIG%s", "");
    }
    if (!is_run && o->dir == NULL) {
        return usage_error(cmd, usage, "missing RUNDIR%s", "");
    }
    return 0;
}

/* ------------------------------------------------------------ the loop */

static const char *unit_of(const Run *r, uint64_t n)
{
    bool oe = run_def(r)->evolution.mode == EVOLUTION_OPEN_ENDED;
    return n == 1 ? (oe ? "epoch" : "generation") : (oe ? "epochs" : "generations");
}

/* The stop reason as the end of "stopped: ...". */
static const char *reason_phrase(const char *reason, char *buf, size_t cap)
{
    if (strcmp(reason, "generations") == 0) {
        return "reached its target";
    }
    if (strcmp(reason, "stop.when") == 0) {
        return "its stop condition (stop.when) held";
    }
    if (strcmp(reason, "wall_time") == 0) {
        return "its time limit (stop.max_wall_s)";
    }
    if (strcmp(reason, "extinction") == 0) {
        return "every population died out";
    }
    snprintf(buf, cap, "%s", reason);
    return buf;
}

static void progress_detail(const Run *r, char *out, size_t cap)
{
    const RunStats *st = run_stats(r);
    const RunDef *def = run_def(r);
    size_t n = 0;
    out[0] = '\0';
    for (int p = 0; p < def->population_count && n + 1 < cap; ++p) {
        int w = snprintf(out + n, cap - n, "%s%s best %.4g mean %.4g sp %.0f", p ? " | " : "",
                         def->populations[p].name, st->pop[p].v[STOP_FIELD_FITNESS_MAX],
                         st->pop[p].v[STOP_FIELD_FITNESS_MEAN], st->pop[p].v[STOP_FIELD_SPECIES]);
        if (w < 0) {
            break;
        }
        n += (size_t)w;
    }
}

static void print_table(const Run *r, const char *reason, double wall, int plots)
{
    const RunStats *st = run_stats(r);
    const RunDef *def = run_def(r);
    FILE *out = stdout;
    char buf[96];
    fprintf(out, "\n%s: %llu %s, stopped: %s, %.1f s\n", def->name,
            (unsigned long long)st->generation, unit_of(r, st->generation),
            reason_phrase(reason, buf, sizeof buf), wall);
    fprintf(out, "%-16s %12s %12s %12s %8s %8s %8s\n", "population", "best ever", "best now",
            "mean now", "species", "hidden", "conns");
    for (int p = 0; p < def->population_count; ++p) {
        double best = 0.0;
        char best_text[32] = "-"; /* baselines do not evolve */
        if (run_champion(r, p, &best) != NULL) {
            snprintf(best_text, sizeof best_text, "%.4g", best);
        }
        const double *v = st->pop[p].v;
        fprintf(out, "%-16s %12s %12.4g %12.4g %8.0f %8.2f %8.2f\n", def->populations[p].name,
                best_text, v[STOP_FIELD_FITNESS_MAX], v[STOP_FIELD_FITNESS_MEAN],
                v[STOP_FIELD_SPECIES], v[STOP_FIELD_HIDDEN_MEAN], v[STOP_FIELD_CONNS_MEAN]);
    }
    fprintf(out, "state hash %016llx\n", (unsigned long long)run_hash(r));
    fprintf(out, "run folder: %s (stats.csv, lineage.csv, species.csv, champions/, summary.json)\n",
            run_dir(r));
    if (plots > 0) {
        fprintf(out, "plots: %s/plots/fitness.png and %d more\n", run_dir(r), plots - 1);
    } else {
        fprintf(out, "plots: none (install gnuplot-nox to get them)\n");
    }
}

/* --watch: the config file's identity when last read. */
typedef struct Watch {
    const CliOptions *o;
    struct stat seen;
    bool have;
} Watch;

static bool file_changed(Watch *w)
{
    struct stat st;
    if (stat(w->o->config, &st) != 0) {
        return false; /* gone for a moment (an editor saving): look again later */
    }
    bool changed = !w->have || st.st_mtim.tv_sec != w->seen.st_mtim.tv_sec ||
                   st.st_mtim.tv_nsec != w->seen.st_mtim.tv_nsec || st.st_size != w->seen.st_size ||
                   st.st_ino != w->seen.st_ino;
    w->seen = st;
    w->have = true;
    return changed;
}

static void watch_apply(Run *r, Watch *w)
{
    if (!file_changed(w)) {
        return;
    }
    const CliOptions *o = w->o;
    RunDef *next = petri_alloc(sizeof *next);
    PetriError err;
    error_clear(&err);
    if (run_def_load(next, o->config, o->overrides, o->override_count, &err) != PETRI_OK) {
        fprintf(stderr, "petri run --watch: %s changed but has errors; going on with the last "
                        "good config:\n",
                o->config);
        error_print(&err, stderr);
        petri_free(next, sizeof *next);
        return;
    }
    if (o->generations > 0) {
        next->evolution.generations = (int)o->generations;
    }
    enum { CAP = 64 };
    RunChange changes[CAP];
    int count = 0;
    if (run_apply_def(r, next, changes, CAP, &count, &err) != PETRI_OK) {
        fprintf(stderr, "petri run --watch: %s: not applied:\n", o->config);
        error_print(&err, stderr);
    } else {
        for (int i = 0; i < count && i < CAP; ++i) {
            if (changes[i].applied) {
                fprintf(stderr, "petri run --watch: after generation %llu: %s: %s -> %s\n",
                        (unsigned long long)run_stats(r)->generation, changes[i].key,
                        changes[i].old_value, changes[i].new_value);
            } else if (changes[i].old_value[0] != '\0') {
                fprintf(stderr,
                        "petri run --watch: %s: %s -> %s needs a restart (not applied)\n",
                        changes[i].key, changes[i].old_value, changes[i].new_value);
            } else {
                fprintf(stderr, "petri run --watch: %s: items added or removed: needs a "
                                "restart (not applied)\n",
                        changes[i].key);
            }
        }
        if (count > CAP) {
            fprintf(stderr, "petri run --watch: and %d more differences\n", count - CAP);
        }
    }
    petri_free(next, sizeof *next);
}

static const char *signal_reason(int sig)
{
    switch (sig) {
    case SIGINT:
        return "interrupted (SIGINT)";
    case SIGUSR1:
        return "signal (SIGUSR1)";
    case SIGHUP:
        return "signal (SIGHUP)";
    default:
        return "signal (SIGTERM)";
    }
}

/* Steps r until it is done; prints the table. The exit code. */
static int drive(Run *r, const CliOptions *o)
{
    PetriError err;
    error_clear(&err);
    const RunDef *def = run_def(r);
    const RunStats *st = run_stats(r);
    Progress prog;
    progress_begin(&prog, stderr, def->name,
                   def->evolution.mode == EVOLUTION_OPEN_ENDED ? "epoch" : "gen", st->target);
    prog.done = st->generation;
    prog.first = st->generation; /* the rate counts this session only */
    if (!prog.tty) {
        prog.interval = 0.0; /* a batch log gets a plain line per generation */
    }
    Watch watch = {.o = o};
    if (o->watch) {
        file_changed(&watch);
    }
    char detail[512] = "";
    const char *reason = NULL;
    PetriStatus s = PETRI_OK;
    while (s == PETRI_OK && !run_done(r, &reason)) {
        if (o->watch) {
            watch_apply(r, &watch);
            prog.total = run_stats(r)->target;
        }
        s = run_step(r, &err);
        if (s != PETRI_OK) {
            break;
        }
        progress_detail(r, detail, sizeof detail);
        progress_update(&prog, run_stats(r)->generation, detail);
        if (sim_stop_signal != 0 && !run_done(r, NULL)) {
            s = run_stop(r, signal_reason(sim_stop_signal), &err);
        }
    }
    progress_end(&prog, detail);
    int plots = 0;
    double wall = run_stats(r)->wall_s;
    if (s == PETRI_OK) {
        s = run_finish(r, &plots, &err);
    }
    if (s != PETRI_OK) {
        error_print(&err, stderr);
        return 1;
    }
    run_done(r, &reason);
    print_table(r, reason != NULL ? reason : "generations", wall, plots);
    if (sim_stop_signal != 0) {
        fprintf(stdout, "resume with: petri resume %s\n", run_dir(r));
        return 130;
    }
    return 0;
}

static int exit_code_of(PetriStatus s)
{
    return s == PETRI_EIO || s == PETRI_EINTERNAL ? 1 : 2;
}

static int finish(Run *r, int rc, CliOptions *o, int argc)
{
    PetriError err;
    error_clear(&err);
    if (run_close(r, &err) != PETRI_OK && rc == 0) {
        error_print(&err, stderr);
        rc = 1;
    }
    /* The handlers stay until the process ends: a signal that arrives
     * after the last checkpoint (SLURM may send several) must not kill it
     * before it exits with its status. */
    petri_free(o->overrides, ((size_t)argc + 1) * sizeof *o->overrides);
    return rc;
}

int sim_run_main(int argc, char **argv)
{
    CliOptions o;
    int rc = parse_cli(true, argc, argv, &o);
    if (rc != 0) {
        petri_free(o.overrides, ((size_t)argc + 1) * sizeof *o.overrides);
        return rc < 0 ? 0 : rc;
    }
    if (o.quiet) {
        log_set_level(LOG_WARN);
    }
    int threads = run_process_setup(o.threads);
    RunOptions opt = run_default_options();
    opt.out_dir = o.dir;
    opt.force = o.force;
    opt.generations = o.generations;
    opt.argc = argc + 1;
    opt.argv = argv - 1; /* "petri" too */
    Run *r;
    PetriError err;
    error_clear(&err);
    signals_install();
#if PETRI_MPI
    if (islands_config_wanted(o.config, o.overrides, o.override_count)) {
        IslandsArgs ia = {.config = o.config, .overrides = o.overrides,
                          .override_count = o.override_count, .dir = o.dir, .force = o.force,
                          .generations = o.generations, .argc = opt.argc, .argv = opt.argv};
        return finish(NULL, islands_main(&ia), &o, argc);
    }
#endif
    PetriStatus s = run_create(o.config, o.overrides, o.override_count, &opt, &r, &err);
    if (s != PETRI_OK) {
        error_print(&err, stderr);
        return finish(NULL, exit_code_of(s), &o, argc);
    }
    const RunDef *def = run_def(r);
    uint64_t target = run_stats(r)->target;
    log_info("run %s: %llu %s, seed %llu, %d thread%s, writing to %s", def->name,
             (unsigned long long)target, unit_of(r, target), (unsigned long long)def->seed,
             threads, threads == 1 ? "" : "s", run_dir(r));
    return finish(r, drive(r, &o), &o, argc);
}

int sim_resume_main(int argc, char **argv)
{
    CliOptions o;
    int rc = parse_cli(false, argc, argv, &o);
    if (rc != 0) {
        petri_free(o.overrides, ((size_t)argc + 1) * sizeof *o.overrides);
        return rc < 0 ? 0 : rc;
    }
    if (o.quiet) {
        log_set_level(LOG_WARN);
    }
    run_process_setup(o.threads);
    RunOptions opt = run_default_options();
    opt.checkpoint = o.checkpoint;
    opt.generations = o.generations;
    Run *r;
    PetriError err;
    error_clear(&err);
    signals_install();
    char islands_file[4200];
    snprintf(islands_file, sizeof islands_file, "%s/%s", o.dir, ISLANDS_FILE);
    if (file_exists(islands_file)) {
#if PETRI_MPI
        IslandsArgs ia = {.resume = true, .dir = o.dir, .generations = o.generations};
        return finish(NULL, islands_main(&ia), &o, argc);
#else
        fprintf(stderr,
                "petri resume: error: %s holds MPI islands; resume them with `mpirun -np K "
                "petri resume %s` in a petri built with `make MPI=1`\n",
                o.dir, o.dir);
        return finish(NULL, 2, &o, argc);
#endif
    }
    PetriStatus s = run_resume(o.dir, &opt, &r, &err);
    if (s != PETRI_OK) {
        error_print(&err, stderr);
        return finish(NULL, exit_code_of(s), &o, argc);
    }
    const RunStats *st = run_stats(r);
    const char *reason = NULL;
    if (run_done(r, &reason)) {
        if (st->generation >= st->target) {
            /* "generation 3 of 2" reads as a slip: a lower target is "past" */
            printf("%s: already %s its target (%s %llu, target %llu); nothing to do, nothing "
                   "changed. Give a higher target with --generations N to go on.\n",
                   run_dir(r), st->generation > st->target ? "past" : "at", unit_of(r, 1),
                   (unsigned long long)st->generation, (unsigned long long)st->target);
        } else {
            printf("%s: already finished at %s %llu (see summary.json's stop_reason); nothing "
                   "to do, nothing changed.\n",
                   run_dir(r), unit_of(r, 1), (unsigned long long)st->generation);
        }
        return finish(r, 0, &o, argc);
    }
    log_info("resuming %s at %s %llu, running to %llu", run_dir(r), unit_of(r, 1),
             (unsigned long long)st->generation, (unsigned long long)st->target);
    return finish(r, drive(r, &o), &o, argc);
}
