/*
 * `petri run` and `petri resume`: the run folder around an Evolution.
 *
 * The loop: step one generation (or epoch), append its rows to the CSV
 * tables, check the stop conditions and the signals, and every
 * checkpoint_every generations write a checkpoint. A checkpoint holds the
 * effective config, the Evolution's whole state, the wall time so far and
 * the byte length of each CSV table at that moment; resuming cuts the
 * tables back to those lengths before appending, so a run killed at any
 * moment (even by SIGKILL) and resumed ends with the same tables and the
 * same state hash as a run never interrupted (timing columns aside).
 */
#include "sim/sim_internal.h"

#include <errno.h>
#include "core/parallel.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct RunOptions {
    const char *config;     /* run: the config file */
    const char *dir;        /* --out, or the run folder for resume */
    const char *checkpoint; /* resume: --checkpoint FILE */
    const char *overrides[64];
    int override_count;
    int threads;            /* 0: OpenMP's default */
    long generations;       /* 0: from the config */
    bool quiet;
} RunOptions;

typedef struct RunState {
    RunDef def;
    char dir[4096];
    Evolution *ev;
    StopExpr stop;
    FILE *stats, *species, *lineage;
    double wall_before;     /* wall seconds of earlier sessions of this run */
    double t0;
    char *config_text;      /* the effective config (petri_alloc, config_len + 1) */
    size_t config_len;
} RunState;

static int usage(const char *cmd, const char *msg, const char *arg)
{
    fprintf(stderr, "petri %s: ", cmd);
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\nusage: %s\n",
            strcmp(cmd, "run") == 0
                ? "petri run CONFIG [--set k=v]... [--out DIR] [--threads N] [--generations N] "
                  "[--quiet]"
                : "petri resume RUNDIR [--generations N] [--threads N] [--checkpoint FILE] "
                  "[--quiet]");
    return 2;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
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

static int parse_options(const char *cmd, int argc, char **argv, RunOptions *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--set") == 0 && strcmp(cmd, "run") == 0) {
            if (!has_value) {
                return usage(cmd, "%s needs key.path=value", a);
            }
            if (o->override_count == 64) {
                return usage(cmd, "too many %s flags (64 at most)", a);
            }
            o->overrides[o->override_count++] = argv[++i];
        } else if (strcmp(a, "--out") == 0 && strcmp(cmd, "run") == 0) {
            if (!has_value) {
                return usage(cmd, "%s needs a folder", a);
            }
            o->dir = argv[++i];
        } else if (strcmp(a, "--checkpoint") == 0 && strcmp(cmd, "resume") == 0) {
            if (!has_value) {
                return usage(cmd, "%s needs a checkpoint file", a);
            }
            o->checkpoint = argv[++i];
        } else if (strcmp(a, "--threads") == 0) {
            long v;
            if (!has_value || !parse_long(argv[i + 1], 1, 4096, &v)) {
                return usage(cmd, "%s needs a number of threads in [1, 4096]", a);
            }
            o->threads = (int)v;
            ++i;
        } else if (strcmp(a, "--generations") == 0) {
            long v;
            if (!has_value || !parse_long(argv[i + 1], 1, 100000000, &v)) {
                return usage(cmd, "%s needs a number in [1, 100000000]", a);
            }
            o->generations = v;
            ++i;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o->quiet = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage(cmd, "unknown flag '%s'", a);
        } else if (strcmp(cmd, "run") == 0 && o->config == NULL) {
            o->config = a;
        } else if (strcmp(cmd, "resume") == 0 && o->dir == NULL) {
            o->dir = a;
        } else {
            return usage(cmd, "unexpected argument '%s'", a);
        }
    }
    if (strcmp(cmd, "run") == 0 && o->config == NULL) {
        return usage(cmd, "%s", "missing CONFIG");
    }
    if (strcmp(cmd, "resume") == 0 && o->dir == NULL) {
        return usage(cmd, "%s", "missing RUNDIR");
    }
    return 0;
}

/* ------------------------------------------------------------ files */

static PetriStatus write_text_file(const char *dir, const char *name, const ByteBuf *b,
                                   PetriError *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return file_write_atomic(path, b->data, b->len, err);
}

static PetriStatus effective_config(RunState *rs, PetriError *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        return error_add(err, PETRI_EIO, "petri run: error: out of memory for the config");
    }
    config_write_yaml(run_schema(), &rs->def, mem);
    fclose(mem);
    rs->config_text = petri_alloc(len + 1);
    memcpy(rs->config_text, text, len);
    rs->config_text[len] = '\0';
    rs->config_len = len;
    free(text); /* from open_memstream, not the counting allocator */
    return PETRI_OK;
}

static void free_config(RunState *rs)
{
    petri_free(rs->config_text, rs->config_len + 1);
    rs->config_text = NULL;
    rs->config_len = 0;
}

static void iso_time(char *out, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static PetriStatus write_meta(const RunState *rs, int argc, char **argv, PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    char host[256] = "unknown", when[64];
    gethostname(host, sizeof host - 1);
    iso_time(when, sizeof when);
    buf_printf(&b, "{\n  \"program\": \"petri\",\n  \"version\": \"%s\",\n  \"name\": ",
               PETRI_VERSION);
    json_write_string(&b, rs->def.name);
    buf_printf(&b, ",\n  \"seed\": %llu,\n  \"threads\": %d,\n  \"mode\": \"%s\",\n  \"host\": ",
               (unsigned long long)rs->def.seed, omp_get_max_threads(),
               rs->def.evolution.mode == EVOLUTION_OPEN_ENDED ? "open_ended" : "generational");
    json_write_string(&b, host);
    buf_printf(&b, ",\n  \"start_time\": \"%s\",\n  \"command_line\": [", when);
    for (int i = 0; i < argc; ++i) {
        buf_printf(&b, "%s", i ? ", " : "");
        json_write_string(&b, argv[i]);
    }
    buf_printf(&b, "]\n}\n");
    PetriStatus s = write_text_file(rs->dir, "meta.json", &b, err);
    buf_fini(&b);
    return s;
}

/* Each population's best genome so far, at every checkpoint: binary (for
 * `petri view --genome` and islands), JSON (docs/genome-format.md) and
 * DOT, as POP-gGGGGGGGG.* and POP-best.* (the newest). */
static PetriStatus write_champions(RunState *rs, PetriError *err)
{
    char folder[4200];
    snprintf(folder, sizeof folder, "%s/champions", rs->dir);
    if (file_make_dirs(folder, err) != PETRI_OK) {
        return err->code;
    }
    for (int p = 0; p < rs->def.population_count; ++p) {
        double f = 0.0;
        const Genome *g = evolution_champion(rs->ev, p, &f);
        if (g == NULL) {
            continue;
        }
        char tag[2][32];
        snprintf(tag[0], sizeof tag[0], "g%08llu",
                 (unsigned long long)evolution_generation(rs->ev));
        snprintf(tag[1], sizeof tag[1], "best");
        for (int t = 0; t < 2; ++t) {
            char base[4400], path[4500];
            snprintf(base, sizeof base, "%s/%s-%s", folder, rs->def.populations[p].name, tag[t]);
            snprintf(path, sizeof path, "%s.bin", base);
            if (genome_save(g, path, err) != PETRI_OK) {
                return err->code;
            }
            snprintf(path, sizeof path, "%s.json", base);
            if (genome_save_json(g, path, err) != PETRI_OK) {
                return err->code;
            }
            snprintf(path, sizeof path, "%s.dot", base);
            if (genome_save_dot(g, path, err) != PETRI_OK) {
                return err->code;
            }
        }
    }
    return PETRI_OK;
}

/* ------------------------------------------------------------ checkpoints */

static PetriStatus save_checkpoint(RunState *rs, PetriError *err)
{
    int64_t lens[3] = {csv_sync(rs->stats), csv_sync(rs->species), csv_sync(rs->lineage)};
    if (lens[0] < 0 || lens[1] < 0 || lens[2] < 0) {
        return error_at(err, PETRI_EIO, rs->dir, 0, 0, "cannot flush the CSV tables");
    }
    ByteBuf b;
    buf_init(&b);
    buf_put_u64(&b, rs->config_len);
    buf_put(&b, rs->config_text, rs->config_len);
    buf_put_f64(&b, rs->wall_before + (clock_seconds() - rs->t0));
    for (int i = 0; i < 3; ++i) {
        buf_put_u64(&b, (uint64_t)lens[i]);
    }
    evolution_save(rs->ev, &b);
    PetriStatus s = checkpoint_write(rs->dir, evolution_generation(rs->ev), &b, err);
    buf_fini(&b);
    if (s == PETRI_OK) {
        s = write_champions(rs, err);
    }
    return s;
}

/* ------------------------------------------------------------ the loop */

static const char *pop_name(const RunState *rs, int p)
{
    return rs->def.populations[p].name;
}

static void write_stats_rows(RunState *rs, uint64_t gen, const PopStats *st, double wall)
{
    for (int p = 0; p < rs->def.population_count; ++p) {
        const double *v = st[p].v;
        fprintf(rs->stats, "%llu,%s,%.0f,%.9g,%.9g,%.9g,%.0f,%.9g,%.9g,%.0f,%.0f,%.9g,%.3f\n",
                (unsigned long long)gen, pop_name(rs, p), v[STOP_FIELD_POP_COUNT],
                v[STOP_FIELD_FITNESS_MAX], v[STOP_FIELD_FITNESS_MEAN],
                v[STOP_FIELD_FITNESS_MEDIAN], v[STOP_FIELD_SPECIES], v[STOP_FIELD_HIDDEN_MEAN],
                v[STOP_FIELD_CONNS_MEAN], v[STOP_FIELD_BIRTHS], v[STOP_FIELD_DEATHS],
                v[STOP_FIELD_FOOD], wall);
    }
}

static void progress_detail(const RunState *rs, const PopStats *st, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int p = 0; p < rs->def.population_count && n + 1 < cap; ++p) {
        int w = snprintf(out + n, cap - n, "%s%s best %.4g mean %.4g sp %.0f", p ? " | " : "",
                         pop_name(rs, p), st[p].v[STOP_FIELD_FITNESS_MAX],
                         st[p].v[STOP_FIELD_FITNESS_MEAN], st[p].v[STOP_FIELD_SPECIES]);
        if (w < 0) {
            break;
        }
        n += (size_t)w;
    }
}

static PetriStatus write_summary(RunState *rs, const char *reason, double wall, PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    buf_printf(&b, "{\n  \"name\": ");
    json_write_string(&b, rs->def.name);
    buf_printf(&b,
               ",\n  \"mode\": \"%s\",\n  \"seed\": %llu,\n  \"generations\": %llu,\n"
               "  \"stop_reason\": \"%s\",\n  \"best_fitness\": {",
               rs->def.evolution.mode == EVOLUTION_OPEN_ENDED ? "open_ended" : "generational",
               (unsigned long long)rs->def.seed,
               (unsigned long long)evolution_generation(rs->ev), reason);
    for (int p = 0; p < rs->def.population_count; ++p) {
        double f = 0.0;
        const Genome *g = evolution_champion(rs->ev, p, &f);
        buf_printf(&b, "%s\n    ", p ? "," : "");
        json_write_string(&b, pop_name(rs, p));
        if (g != NULL || f != 0.0) {
            buf_printf(&b, ": %.9g", f);
        } else {
            buf_printf(&b, ": null");
        }
    }
    buf_printf(&b, "\n  },\n  \"wall_s\": %.3f,\n  \"state_hash\": \"%016llx\"\n}\n", wall,
               (unsigned long long)evolution_hash(rs->ev));
    PetriStatus s = write_text_file(rs->dir, "summary.json", &b, err);
    buf_fini(&b);
    return s;
}

static int run_loop(RunState *rs, uint64_t target)
{
    PetriError err;
    error_clear(&err);
    PopStats st[WORLD_MAX_POPULATIONS];
    memset(st, 0, sizeof st);
    ByteBuf lineage, species;
    buf_init(&lineage);
    buf_init(&species);
    signals_install();
    rs->t0 = clock_seconds();
    Progress prog;
    progress_begin(&prog, stderr, rs->def.name,
                   rs->def.evolution.mode == EVOLUTION_OPEN_ENDED ? "epoch" : "gen", target);
    prog.done = evolution_generation(rs->ev);
    if (!prog.tty) {
        prog.interval = 0.0; /* a batch log gets a plain line per generation */
    }
    const char *reason = NULL;
    int every = rs->def.evolution.checkpoint_every > 0 ? rs->def.evolution.checkpoint_every : 10;
    bool saved = true;
    char detail[512] = "";
    for (;;) {
        uint64_t gen = evolution_generation(rs->ev);
        if (gen >= target) {
            reason = "generations";
            break;
        }
        lineage.len = species.len = 0;
        evolution_step(rs->ev, st, &lineage, &species);
        gen = evolution_generation(rs->ev);
        double wall = rs->wall_before + (clock_seconds() - rs->t0);
        write_stats_rows(rs, gen, st, wall);
        if (lineage.len > 0) {
            fwrite(lineage.data, 1, lineage.len, rs->lineage);
        }
        if (species.len > 0) {
            fwrite(species.data, 1, species.len, rs->species);
        }
        saved = false;
        progress_detail(rs, st, detail, sizeof detail);
        progress_update(&prog, gen, detail);

        double vars[STOP_VAR_COUNT] = {0};
        vars[STOP_VAR_GENERATION] = (double)gen;
        vars[STOP_VAR_WALL_S] = wall;
        int alive = 0;
        for (int p = 0; p < rs->def.population_count; ++p) {
            memcpy(&vars[stop_var_index(p, 0)], st[p].v, sizeof st[p].v);
            alive += st[p].v[STOP_FIELD_POP_COUNT] > 0;
        }
        if (stop_eval(&rs->stop, vars, STOP_VAR_COUNT)) {
            reason = "stop.when";
        } else if (rs->def.evolution.max_wall_s > 0 && wall >= rs->def.evolution.max_wall_s) {
            reason = "wall_time";
        } else if (alive == 0) {
            reason = "extinction";
        } else if (sim_stop_signal != 0) {
            reason = sim_stop_signal == SIGINT    ? "interrupted (SIGINT)"
                     : sim_stop_signal == SIGUSR1 ? "signal (SIGUSR1)"
                                                  : "signal (SIGTERM)";
        } else if (gen >= target) {
            reason = "generations";
        }
        if (reason != NULL || gen % (uint64_t)every == 0) {
            if (save_checkpoint(rs, &err) != PETRI_OK) {
                break;
            }
            saved = true;
        }
        if (reason != NULL) {
            break;
        }
    }
    if (!saved && err.code == PETRI_OK) {
        save_checkpoint(rs, &err);
    }
    progress_end(&prog, detail);
    signals_restore();
    buf_fini(&lineage);
    buf_fini(&species);
    if (err.code != PETRI_OK) {
        error_print(&err, stderr);
        return 1;
    }
    double wall = rs->wall_before + (clock_seconds() - rs->t0);
    csv_sync(rs->stats);
    csv_sync(rs->species);
    csv_sync(rs->lineage);
    if (write_summary(rs, reason, wall, &err) != PETRI_OK) {
        error_print(&err, stderr);
        return 1;
    }
    const char *names[WORLD_MAX_POPULATIONS];
    for (int p = 0; p < rs->def.population_count; ++p) {
        names[p] = pop_name(rs, p);
    }
    int plots = plots_write(rs->dir, names, rs->def.population_count,
                            rs->def.evolution.mode == EVOLUTION_OPEN_ENDED);
    /* The summary table: always printed, even with --quiet. */
    FILE *out = stdout;
    fprintf(out, "\n%s: %llu %s, stopped by %s, %.1f s\n", rs->def.name,
            (unsigned long long)evolution_generation(rs->ev),
            rs->def.evolution.mode == EVOLUTION_OPEN_ENDED ? "epochs" : "generations", reason,
            wall);
    fprintf(out, "%-16s %12s %12s %12s %8s %8s %8s\n", "population", "best ever", "best now",
            "mean now", "species", "hidden", "conns");
    for (int p = 0; p < rs->def.population_count; ++p) {
        double best = 0.0;
        char best_text[32] = "-"; /* baselines do not evolve */
        if (evolution_champion(rs->ev, p, &best) != NULL) {
            snprintf(best_text, sizeof best_text, "%.4g", best);
        }
        fprintf(out, "%-16s %12s %12.4g %12.4g %8.0f %8.2f %8.2f\n", pop_name(rs, p), best_text,
                st[p].v[STOP_FIELD_FITNESS_MAX], st[p].v[STOP_FIELD_FITNESS_MEAN],
                st[p].v[STOP_FIELD_SPECIES], st[p].v[STOP_FIELD_HIDDEN_MEAN],
                st[p].v[STOP_FIELD_CONNS_MEAN]);
    }
    fprintf(out, "state hash %016llx\n", (unsigned long long)evolution_hash(rs->ev));
    fprintf(out, "run folder: %s (stats.csv, lineage.csv, species.csv, champions/, summary.json)\n",
            rs->dir);
    if (plots > 0) {
        fprintf(out, "plots: %s/plots/fitness.png and %d more\n", rs->dir, plots - 1);
    } else {
        fprintf(out, "plots: none (install gnuplot-nox to get them)\n");
    }
    if (sim_stop_signal != 0) {
        fprintf(out, "resume with: petri resume %s\n", rs->dir);
    }
    return sim_stop_signal != 0 ? 130 : 0;
}

static PetriStatus compile_stop(RunState *rs, PetriError *err)
{
    const char *names[WORLD_MAX_POPULATIONS];
    for (int p = 0; p < rs->def.population_count; ++p) {
        names[p] = pop_name(rs, p);
    }
    return stop_compile(&rs->stop, rs->def.evolution.stop_when, names, rs->def.population_count,
                        "stop.when", err);
}

static void close_tables(RunState *rs)
{
    if (rs->stats) fclose(rs->stats);
    if (rs->species) fclose(rs->species);
    if (rs->lineage) fclose(rs->lineage);
    rs->stats = rs->species = rs->lineage = NULL;
}

/* Parses the flags of `cmd` and applies --quiet and --threads. */
static int begin_command(const char *cmd, int argc, char **argv, RunOptions *o)
{
    int rc = parse_options(cmd, argc, argv, o);
    if (rc != 0) {
        return rc;
    }
    if (o->quiet) {
        log_set_level(LOG_WARN);
    }
    if (o->threads > 0) {
        omp_set_num_threads(o->threads);
    }
    return 0;
}

/* Closes what a run or resume opened; returns rc. */
static int run_state_end(RunState *rs, int rc)
{
    close_tables(rs);
    evolution_destroy(rs->ev);
    rs->ev = NULL;
    free_config(rs);
    return rc;
}

int sim_run_main(int argc, char **argv)
{
    RunOptions o;
    int rc = begin_command("run", argc, argv, &o);
    if (rc != 0) {
        return rc;
    }
    static RunState rs; /* large: keep it off the stack */
    memset(&rs, 0, sizeof rs);
    PetriError err;
    error_clear(&err);
    if (run_def_load(&rs.def, o.config, o.overrides, o.override_count, &err) != PETRI_OK ||
        compile_stop(&rs, &err) != PETRI_OK) {
        error_print(&err, stderr);
        return 2;
    }
    if (o.generations > 0) {
        rs.def.evolution.generations = (int)o.generations;
    }
    if (o.dir != NULL) {
        snprintf(rs.dir, sizeof rs.dir, "%s", o.dir);
    } else {
        /* The default folder never overwrites an earlier run: the first
         * free one of NAME, NAME-2, NAME-3, ... */
        snprintf(rs.dir, sizeof rs.dir, "%s/%s", rs.def.output.dir, rs.def.name);
        for (int k = 2; file_exists(rs.dir) && k < 100000; ++k) {
            snprintf(rs.dir, sizeof rs.dir, "%s/%s-%d", rs.def.output.dir, rs.def.name, k);
        }
    }
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/checkpoints", rs.dir);
    if (file_exists(probe)) {
        fprintf(stderr,
                "petri run: error: %s already holds a run; continue it with `petri resume %s`, "
                "or choose another folder with --out DIR\n",
                rs.dir, rs.dir);
        return 2;
    }
    if (file_make_dirs(rs.dir, &err) != PETRI_OK) {
        error_print(&err, stderr);
        return 1;
    }
    if (effective_config(&rs, &err) != PETRI_OK) {
        error_print(&err, stderr);
        return 1;
    }
    ByteBuf cfg = {.data = (unsigned char *)rs.config_text, .len = rs.config_len};
    if (write_text_file(rs.dir, "config.yaml", &cfg, &err) != PETRI_OK ||
        write_meta(&rs, argc + 1, argv - 1, &err) != PETRI_OK) {
        error_print(&err, stderr);
        return run_state_end(&rs, 1);
    }
    if (evolution_create(&rs.def, &rs.ev, &err) != PETRI_OK) {
        error_print(&err, stderr);
        return run_state_end(&rs, 2);
    }
    if (csv_open(rs.dir, "stats.csv", STATS_CSV_HEADER, -1, &rs.stats, &err) != PETRI_OK ||
        csv_open(rs.dir, "species.csv", SPECIES_CSV_HEADER, -1, &rs.species, &err) !=
            PETRI_OK ||
        csv_open(rs.dir, "lineage.csv", LINEAGE_CSV_HEADER, -1, &rs.lineage, &err) !=
            PETRI_OK) {
        error_print(&err, stderr);
        return run_state_end(&rs, 1);
    }
    log_info("run %s: %d %s, seed %llu, %d threads, writing to %s", rs.def.name,
             rs.def.evolution.generations,
             rs.def.evolution.mode == EVOLUTION_OPEN_ENDED ? "epochs" : "generations",
             (unsigned long long)rs.def.seed, omp_get_max_threads(), rs.dir);
    rc = run_loop(&rs, (uint64_t)rs.def.evolution.generations);
    return run_state_end(&rs, rc);
}

int sim_resume_main(int argc, char **argv)
{
    RunOptions o;
    int rc = begin_command("resume", argc, argv, &o);
    if (rc != 0) {
        return rc;
    }
    static RunState rs;
    memset(&rs, 0, sizeof rs);
    snprintf(rs.dir, sizeof rs.dir, "%s", o.dir);
    PetriError err;
    error_clear(&err);
    char path[4200];
    char *payload = NULL;
    size_t len = 0;
    PetriStatus s;
    if (o.checkpoint != NULL) {
        snprintf(path, sizeof path, "%s", o.checkpoint);
        s = checkpoint_read_file(path, &payload, &len, &err);
    } else {
        s = checkpoint_read_latest(rs.dir, path, sizeof path, &payload, &len, &err);
    }
    if (s != PETRI_OK) {
        error_print(&err, stderr);
        return 2;
    }
    ByteReader r;
    reader_init(&r, payload, len);
    uint64_t clen = 0, lens[3] = {0, 0, 0};
    double wall = 0.0;
    rc = 2;
    if (!reader_u64(&r, &clen) || clen > len - r.pos) {
        error_at(&err, PETRI_EFORMAT, path, 0, 0, "bad config length in checkpoint");
        goto fail;
    }
    rs.config_text = petri_alloc(clen + 1);
    reader_get(&r, rs.config_text, clen);
    rs.config_text[clen] = '\0';
    rs.config_len = clen;
    reader_f64(&r, &wall);
    for (int i = 0; i < 3; ++i) {
        reader_u64(&r, &lens[i]);
    }
    if (r.bad || !(wall >= 0.0) || lens[0] > INT64_MAX || lens[1] > INT64_MAX ||
        lens[2] > INT64_MAX) {
        error_at(&err, PETRI_EFORMAT, path, 0, 0, "truncated or corrupt checkpoint header");
        goto fail;
    }
    rs.wall_before = wall;
    if (run_def_load(&rs.def, NULL, NULL, 0, &err) != PETRI_OK ||
        config_load_string(run_schema(), &rs.def, "checkpoint config", rs.config_text, clen,
                           &err) != PETRI_OK ||
        compile_stop(&rs, &err) != PETRI_OK) {
        goto fail;
    }
    if (evolution_load(&rs.def, &r, &rs.ev, &err) != PETRI_OK) {
        goto fail;
    }
    if (r.pos != r.len) {
        error_at(&err, PETRI_EFORMAT, path, 0, 0, "%zu unexpected bytes after the state",
                 r.len - r.pos);
        goto fail;
    }
    petri_free(payload, len + 1);
    payload = NULL;
    if (csv_open(rs.dir, "stats.csv", STATS_CSV_HEADER, (int64_t)lens[0], &rs.stats, &err) !=
            PETRI_OK ||
        csv_open(rs.dir, "species.csv", SPECIES_CSV_HEADER, (int64_t)lens[1], &rs.species,
                 &err) != PETRI_OK ||
        csv_open(rs.dir, "lineage.csv", LINEAGE_CSV_HEADER, (int64_t)lens[2], &rs.lineage,
                 &err) != PETRI_OK) {
        error_print(&err, stderr);
        return run_state_end(&rs, 1);
    }
    uint64_t target = o.generations > 0 ? (uint64_t)o.generations
                                        : (uint64_t)rs.def.evolution.generations;
    log_info("resuming %s from %s at %s %llu, running to %llu", rs.dir, path,
             rs.def.evolution.mode == EVOLUTION_OPEN_ENDED ? "epoch" : "generation",
             (unsigned long long)evolution_generation(rs.ev), (unsigned long long)target);
    rc = run_loop(&rs, target);
    return run_state_end(&rs, rc);
fail:
    if (payload != NULL) {
        petri_free(payload, len + 1);
    }
    error_print(&err, stderr);
    return run_state_end(&rs, rc);
}
