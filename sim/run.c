/*
 * The run object: an Evolution together with its run folder.
 *
 * run_step steps one generation (or epoch), appends its rows to the CSV
 * tables, checks the stop conditions, and every checkpoint_every
 * generations writes a checkpoint. A checkpoint holds the run id, the
 * effective config (with every live change applied so far), the number of
 * changes applied, the wall time so far, the byte length of each CSV
 * table at that moment, and the Evolution's whole state; resuming cuts
 * the tables back to those lengths before appending, and re-applies the
 * changes recorded after it (changes.csv is never cut), so a run killed
 * at any moment (even by SIGKILL) and resumed ends with the same tables
 * and the same state hash as a run never interrupted (timing columns
 * aside).
 *
 * The folder is locked (flock on DIR/lock) for the Run's lifetime, so a
 * second process can neither run nor resume into it.
 */
#include "sim/run_internal.h"

#include <dirent.h>
#include <errno.h>
#include "core/parallel.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

RunOptions run_default_options(void)
{
    RunOptions o;
    memset(&o, 0, sizeof o);
    return o;
}

int run_process_setup(int threads)
{
    if (threads > 0) {
        omp_set_num_threads(threads);
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cores > 0 && threads > cores) {
            log_warn("--threads %d is more than the %ld cores here: the threads will take turns, "
                     "which is slower than --threads %ld (results are the same)",
                     threads, cores, cores);
        }
    }
    /* Arenas in parallel run their ticks serially: one level only. */
    omp_set_max_active_levels(1);
    return omp_get_max_threads();
}

/* ------------------------------------------------------------ lifetime */

static Run *run_alloc(const RunOptions *opt)
{
    Run *r = petri_calloc(1, sizeof *r);
    r->lock_fd = -1;
    r->files = opt == NULL || !opt->in_memory;
    r->t0 = clock_seconds();
    buf_init(&r->lineage_rows);
    buf_init(&r->species_rows);
    return r;
}

static PetriStatus compile_stop(Run *r, PetriError *err)
{
    const char *names[WORLD_MAX_POPULATIONS];
    for (int p = 0; p < r->def.population_count; ++p) {
        names[p] = r->def.populations[p].name;
    }
    return stop_compile(&r->stop, r->def.evolution.stop_when, names, r->def.population_count,
                        "stop.when", err);
}

static void open_changes(Run *r, PetriError *err)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/changes.csv", r->dir);
    bool fresh = !file_exists(path);
    r->changes = fopen(path, "ab");
    if (r->changes == NULL) {
        error_at(err, PETRI_EIO, path, 0, 0, "cannot open for writing: %s", strerror(errno));
        return;
    }
    if (fresh) {
        fputs(CHANGES_CSV_HEADER "\n", r->changes);
    }
}

/* Is DIR a folder with anything in it (or not a folder at all)? */
static bool folder_has_files(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        return true;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return false;
    }
    bool any = false;
    struct dirent *e;
    while (!any && (e = readdir(d)) != NULL) {
        any = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    }
    closedir(d);
    return any;
}

static void history_push(Run *r, uint64_t gen, const PopStats *st, double wall)
{
    if (r->history_len == r->history_cap) {
        int ncap = r->history_cap ? r->history_cap * 2 : 64;
        r->history = petri_realloc(r->history, (size_t)r->history_cap * sizeof(RunRow),
                                   (size_t)ncap * sizeof(RunRow));
        r->history_cap = ncap;
    }
    RunRow *row = &r->history[r->history_len++];
    memset(row, 0, sizeof *row);
    row->generation = gen;
    row->wall_s = wall;
    memcpy(row->pop, st, (size_t)r->def.population_count * sizeof *st);
}

/* The history of the generations before a resume, read back from the
 * first len bytes of DIR/stats.csv (what the checkpoint counts), so that
 * run_stats' history covers the whole run; also the last row's stats. */
static void history_read(Run *r, uint64_t len)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/stats.csv", r->dir);
    char *text;
    size_t n;
    PetriError ignore;
    error_clear(&ignore);
    if (file_read_all(path, 1u << 30, &text, &n, &ignore) != PETRI_OK) {
        return;
    }
    if (len < n) {
        text[len] = '\0';
    }
    PopStats row[WORLD_MAX_POPULATIONS];
    memset(row, 0, sizeof row);
    uint64_t row_gen = 0;
    double row_wall = 0.0;
    char *line = strchr(text, '\n'); /* past the header */
    while (line != NULL && line[1] != '\0') {
        line++;
        char *end = strchr(line, '\n');
        if (end == NULL) {
            break;
        }
        *end = '\0';
        char *save = NULL, *tok = strtok_r(line, ",", &save);
        uint64_t gen = tok != NULL ? strtoull(tok, NULL, 10) : 0;
        const char *name = strtok_r(NULL, ",", &save);
        int p = -1;
        for (int q = 0; name != NULL && q < r->def.population_count; ++q) {
            if (strcmp(r->def.populations[q].name, name) == 0) {
                p = q;
            }
        }
        if (p >= 0 && gen > 0) {
            if (gen != row_gen && row_gen != 0) {
                history_push(r, row_gen, row, row_wall);
                memset(row, 0, sizeof row);
            }
            row_gen = gen;
            for (int f = 0; f < STOP_FIELD_COUNT && (tok = strtok_r(NULL, ",", &save)); ++f) {
                row[p].v[f] = strtod(tok, NULL);
            }
            tok = strtok_r(NULL, ",", &save);
            row_wall = tok != NULL ? strtod(tok, NULL) : 0.0;
        }
        line = end;
    }
    if (row_gen != 0) {
        history_push(r, row_gen, row, row_wall);
        memcpy(r->last, row, sizeof r->last);
    }
    petri_free(text, n + 1);
}

PetriStatus run_create(const char *config_path, const char *const *overrides, int n,
                       const RunOptions *opt, Run **out, PetriError *err)
{
    *out = NULL;
    RunOptions none = run_default_options();
    if (opt == NULL) {
        opt = &none;
    }
    Run *r = run_alloc(opt);
    if (run_def_load(&r->def, config_path, overrides, n, err) != PETRI_OK ||
        compile_stop(r, err) != PETRI_OK) {
        run_close(r, NULL);
        return err->code;
    }
    if (opt->generations > 0) {
        r->def.evolution.generations = (int)opt->generations;
    }
    r->target = (uint64_t)r->def.evolution.generations;
    /* Everything that can fail on the config fails before any folder. */
    if (evolution_create(&r->def, &r->ev, err) != PETRI_OK ||
        run_load_injections(r, opt, err) != PETRI_OK) {
        run_close(r, NULL);
        return err->code;
    }
    r->id = run_new_run_id(r->def.seed);
    run_set_config_text(r);
    if (r->files) {
        if (opt->out_dir != NULL) {
            snprintf(r->dir, sizeof r->dir, "%s", opt->out_dir);
        } else {
            /* The default folder never overwrites an earlier run: the
             * first free one of NAME, NAME-2, NAME-3, ... */
            snprintf(r->dir, sizeof r->dir, "%s/%s", r->def.output.dir, r->def.name);
            for (int k = 2; file_exists(r->dir) && k < 100000; ++k) {
                snprintf(r->dir, sizeof r->dir, "%s/%s-%d", r->def.output.dir, r->def.name, k);
            }
        }
        /* A run going on there (perhaps just started, with no checkpoint
         * yet): name its process rather than its files. */
        if (run_folder_check_unlocked(r->dir, err) != PETRI_OK) {
            run_close(r, NULL);
            return err->code;
        }
        char probe[RUN_PATH_CAP + 64];
        snprintf(probe, sizeof probe, "%s/checkpoints", r->dir);
        if (file_exists(probe)) {
            error_add(err, PETRI_EUSAGE,
                      "petri run: error: %s already holds a run; continue it with `petri resume "
                      "%s`, or choose another folder with --out DIR",
                      r->dir, r->dir);
            run_close(r, NULL);
            return err->code;
        }
        if (folder_has_files(r->dir) && !opt->force) {
            error_add(err, PETRI_EUSAGE,
                      "petri run: error: %s is not empty and holds no run of petri; choose "
                      "another folder with --out DIR, or add --force to write into it (files of "
                      "the same names are replaced)",
                      r->dir);
            run_close(r, NULL);
            return err->code;
        }
        if (file_make_dirs(r->dir, err) != PETRI_OK || run_lock_folder(r, err) != PETRI_OK) {
            run_close(r, NULL);
            return err->code;
        }
        /* A second process may have made the run in between: now that we
         * hold the lock, look again. */
        if (file_exists(probe)) {
            error_add(err, PETRI_EUSAGE, "petri run: error: %s already holds a run", r->dir);
            run_close(r, NULL);
            return err->code;
        }
        ByteBuf cfg = {.data = (unsigned char *)r->config_text, .len = r->config_len};
        char changes[RUN_PATH_CAP + 64];
        snprintf(changes, sizeof changes, "%s/changes.csv", r->dir);
        unlink(changes); /* --force: no changes or injections of another run */
        snprintf(changes, sizeof changes, "%s/injections.csv", r->dir);
        unlink(changes);
        if (run_write_text_file(r, "config.yaml", &cfg, err) != PETRI_OK ||
            run_write_meta(r, opt->argc, opt->argv, err) != PETRI_OK ||
            csv_open(r->dir, "stats.csv", STATS_CSV_HEADER, -1, &r->stats, err) != PETRI_OK ||
            csv_open(r->dir, "species.csv", SPECIES_CSV_HEADER, -1, &r->species, err) !=
                PETRI_OK ||
            csv_open(r->dir, "lineage.csv", LINEAGE_CSV_HEADER, -1, &r->lineage, err) !=
                PETRI_OK) {
            run_close(r, NULL);
            return err->code;
        }
        open_changes(r, err);
        if (r->changes == NULL) {
            run_close(r, NULL);
            return err->code;
        }
        r->champion_logs_fresh = true;
    }
    r->dirty = true;
    r->saved = false;
    *out = r;
    return PETRI_OK;
}

PetriStatus run_resume(const char *dir, const RunOptions *opt, Run **out, PetriError *err)
{
    *out = NULL;
    RunOptions none = run_default_options();
    if (opt == NULL) {
        opt = &none;
    }
    struct stat st;
    if (stat(dir, &st) != 0) {
        return error_at(err, PETRI_ENOTFOUND, dir, 0, 0, "no such run folder: %s",
                        strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
        return error_at(err, PETRI_EUSAGE, dir, 0, 0,
                        "is a file, not a run folder; `petri resume` takes the folder a run "
                        "writes into (the one holding checkpoints/), with --checkpoint FILE to "
                        "choose a checkpoint in it");
    }
    char probe[RUN_PATH_CAP + 64];
    snprintf(probe, sizeof probe, "%s/checkpoints", dir);
    if (!file_exists(probe) && !file_exists(opt->checkpoint != NULL ? opt->checkpoint : probe)) {
        /* A run just started there (no checkpoint yet): name its process. */
        if (run_folder_check_unlocked(dir, err) != PETRI_OK) {
            return err->code;
        }
        /* Not a run folder: leave it as it is (no lock file either). */
        return error_at(err, PETRI_ENOTFOUND, dir, 0, 0,
                        "holds no run (no checkpoints/ folder); `petri resume` takes the folder "
                        "that `petri run` wrote");
    }
    Run *r = run_alloc(opt);
    r->files = true;
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    if (run_lock_folder(r, err) != PETRI_OK) {
        run_close(r, NULL);
        return err->code;
    }
    char path[RUN_PATH_CAP + 64];
    char *payload = NULL;
    size_t len = 0;
    PetriStatus s;
    if (opt->checkpoint != NULL) {
        snprintf(path, sizeof path, "%s", opt->checkpoint);
        s = checkpoint_read_file(path, &payload, &len, err);
    } else {
        s = checkpoint_read_latest(dir, path, sizeof path, &payload, &len, err);
    }
    if (s != PETRI_OK) {
        run_close(r, NULL);
        return s;
    }
    RunPayload pl;
    s = run_load_payload(path, payload, len, &pl, &r->def, &r->ev, err);
    if (s == PETRI_OK) {
        r->id = pl.id;
        uint64_t mine = run_meta_run_id(dir);
        if (mine != 0 && mine != pl.id) {
            s = error_at(err, PETRI_EUSAGE, path, 0, 0,
                         "belongs to another run (run id %016llx; %s is run %016llx); nothing "
                         "was changed",
                         (unsigned long long)pl.id, dir, (unsigned long long)mine);
        }
    }
    if (s == PETRI_OK) {
        r->config_text = petri_alloc(pl.config_len + 1);
        memcpy(r->config_text, pl.config, pl.config_len);
        r->config_text[pl.config_len] = '\0';
        r->config_len = pl.config_len;
        r->wall_before = pl.wall;
        r->changes_applied = pl.changes_applied;
        r->injections_applied = pl.injections_applied;
        s = compile_stop(r, err);
    }
    petri_free(payload, len + 1);
    if (s != PETRI_OK) {
        run_close(r, NULL);
        return s;
    }
    r->target_from_option = opt->generations > 0;
    r->target = opt->generations > 0 ? (uint64_t)opt->generations
                                     : (uint64_t)r->def.evolution.generations;
    r->session_start = evolution_generation(r->ev);
    /* Changes and genomes recorded after the checkpoint are applied again
     * at their step. */
    if (run_changes_load(r, err) != PETRI_OK || run_injections_load(r, err) != PETRI_OK ||
        run_load_injections(r, opt, err) != PETRI_OK) {
        run_close(r, NULL);
        return err->code;
    }
    /* A finished run stays as it is: no table is cut, nothing written. */
    if (evolution_generation(r->ev) >= r->target || run_summary_final(r)) {
        r->reason = evolution_generation(r->ev) >= r->target ? "already at its target"
                                                             : "already finished";
        r->finished_before = true;
        *out = r;
        return PETRI_OK;
    }
    if (csv_open(dir, "stats.csv", STATS_CSV_HEADER, (int64_t)pl.lens[0], &r->stats, err) !=
            PETRI_OK ||
        csv_open(dir, "species.csv", SPECIES_CSV_HEADER, (int64_t)pl.lens[1], &r->species,
                 err) != PETRI_OK ||
        csv_open(dir, "lineage.csv", LINEAGE_CSV_HEADER, (int64_t)pl.lens[2], &r->lineage,
                 err) != PETRI_OK) {
        run_close(r, NULL);
        return err->code;
    }
    open_changes(r, err);
    if (r->changes == NULL) {
        run_close(r, NULL);
        return err->code;
    }
    for (int p = 0; p < r->def.population_count; ++p) {
        char log[RUN_PATH_CAP + 300];
        champion_log_path(dir, r->def.populations[p].name, log, sizeof log);
        if (champion_log_cut(log, evolution_generation(r->ev), err) != PETRI_OK) {
            run_close(r, NULL);
            return err->code;
        }
    }
    history_read(r, pl.lens[0]);
    r->saved = true;
    *out = r;
    return PETRI_OK;
}

/* ------------------------------------------------------------ stepping */

static void write_stats_rows(Run *r, uint64_t gen, const PopStats *st, double wall)
{
    for (int p = 0; p < r->def.population_count; ++p) {
        const double *v = st[p].v;
        fprintf(r->stats, "%llu,%s,%.0f,%.9g,%.9g,%.9g,%.0f,%.9g,%.9g,%.0f,%.0f,%.9g",
                (unsigned long long)gen, r->def.populations[p].name, v[STOP_FIELD_POP_COUNT],
                v[STOP_FIELD_FITNESS_MAX], v[STOP_FIELD_FITNESS_MEAN],
                v[STOP_FIELD_FITNESS_MEDIAN], v[STOP_FIELD_SPECIES], v[STOP_FIELD_HIDDEN_MEAN],
                v[STOP_FIELD_CONNS_MEAN], v[STOP_FIELD_BIRTHS], v[STOP_FIELD_DEATHS],
                v[STOP_FIELD_FOOD]);
        for (int f = STOP_FIELD_RESEEDS; f < STOP_FIELD_COUNT; ++f) {
            fprintf(r->stats, ",%.9g", v[f]);
        }
        fprintf(r->stats, ",%.3f\n", wall); /* wall_s stays the last column */
    }
}

static void observe(void *user, const World *w, const BrainPool *brains, uint64_t generation,
                    int episode)
{
    Run *r = user;
    RunView v = {.world = w,
                 .brains = brains,
                 .generation = generation,
                 .tick = world_tick(w),
                 .episode = episode};
    r->observer(r->observer_user, &v);
}

void run_set_observer(Run *r, RunObserver fn, void *user)
{
    r->observer = fn;
    r->observer_user = user;
    if (r->ev != NULL) {
        evolution_set_observer(r->ev, fn != NULL ? observe : NULL, fn != NULL ? r : NULL);
    }
}

double run_wall(const Run *r)
{
    return r->wall_before + (clock_seconds() - r->t0);
}

PetriStatus run_step(Run *r, PetriError *err)
{
    if (r->reason != NULL) {
        return PETRI_OK;
    }
    if (run_changes_replay(r, err) != PETRI_OK) {
        return err->code;
    }
    if (evolution_generation(r->ev) >= r->target) {
        r->reason = "generations";
        return r->saved ? PETRI_OK : run_checkpoint(r, err);
    }
    if (run_injections_apply(r, err) != PETRI_OK) {
        return err->code;
    }
    r->lineage_rows.len = r->species_rows.len = 0;
    PopStats *st = r->last;
    evolution_step(r->ev, st, &r->lineage_rows, &r->species_rows);
    r->dirty = true;
    r->saved = false;
    r->stepped = true;
    uint64_t gen = evolution_generation(r->ev);
    double wall = run_wall(r);
    history_push(r, gen, st, wall);
    if (r->files) {
        write_stats_rows(r, gen, st, wall);
        if (r->lineage_rows.len > 0) {
            fwrite(r->lineage_rows.data, 1, r->lineage_rows.len, r->lineage);
        }
        if (r->species_rows.len > 0) {
            fwrite(r->species_rows.data, 1, r->species_rows.len, r->species);
        }
        if (run_write_generation_champions(r, err) != PETRI_OK) {
            return err->code;
        }
    }
    double vars[STOP_VAR_COUNT] = {0};
    vars[STOP_VAR_GENERATION] = (double)gen;
    vars[STOP_VAR_WALL_S] = wall;
    int alive = 0;
    for (int p = 0; p < r->def.population_count; ++p) {
        memcpy(&vars[stop_var_index(p, 0)], st[p].v, sizeof st[p].v);
        /* the count at the end of the epoch, then the agents put back at
         * the floor (open-ended): extinction only when both are 0 */
        alive += st[p].v[STOP_FIELD_POP_COUNT] + st[p].v[STOP_FIELD_RESEEDS] > 0;
    }
    if (stop_eval(&r->stop, vars, STOP_VAR_COUNT)) {
        r->reason = "stop.when";
    } else if (r->def.evolution.max_wall_s > 0 && wall >= r->def.evolution.max_wall_s) {
        r->reason = "wall_time";
    } else if (alive == 0) {
        r->reason = "extinction";
    } else if (gen >= r->target) {
        r->reason = "generations";
    }
    int every = r->def.evolution.checkpoint_every > 0 ? r->def.evolution.checkpoint_every : 10;
    if (r->reason != NULL || (!r->auto_checkpoint_off && gen % (uint64_t)every == 0)) {
        return run_checkpoint(r, err);
    }
    return PETRI_OK;
}

bool run_done(const Run *r, const char **reason)
{
    if (reason != NULL) {
        *reason = r->reason;
    }
    return r->reason != NULL;
}

PetriStatus run_stop(Run *r, const char *reason, PetriError *err)
{
    if (r->reason == NULL) {
        snprintf(r->reason_buf, sizeof r->reason_buf, "%s", reason);
        r->reason = r->reason_buf;
    }
    if (r->finished_before || r->saved) {
        return PETRI_OK;
    }
    return run_checkpoint(r, err);
}

const RunStats *run_stats(const Run *r)
{
    RunStats *s = (RunStats *)&r->pub;
    s->generation = r->ev != NULL ? evolution_generation(r->ev) : 0;
    s->target = r->target;
    s->session_start = r->session_start;
    s->pop_count = r->def.population_count;
    memcpy(s->pop, r->last, sizeof s->pop);
    s->wall_s = run_wall(r);
    s->session_wall_s = clock_seconds() - r->t0;
    s->history = r->history;
    s->history_len = r->history_len;
    return s;
}

const RunDef *run_def(const Run *r)
{
    return &r->def;
}

const char *run_dir(const Run *r)
{
    return r->files ? r->dir : "";
}

uint64_t run_hash(const Run *r)
{
    return evolution_hash(r->ev);
}

uint64_t run_id(const Run *r)
{
    return r->id;
}

const Genome *run_champion(const Run *r, int pop, double *fitness)
{
    return evolution_champion(r->ev, pop, fitness);
}

int run_view_species(const Run *r, const RunView *v, int slot)
{
    return v->episode == 0 ? evolution_species_of(r->ev, v->world, slot) : -1;
}

const char *run_species_rows(const Run *r, size_t *len)
{
    *len = r->species_rows.len;
    return r->species_rows.len > 0 ? (const char *)r->species_rows.data : "";
}

/* ------------------------------------------------------------ closing */

PetriStatus run_finish(Run *r, int *plots, PetriError *err)
{
    if (plots != NULL) {
        *plots = 0;
    }
    if (!r->files || !r->dirty || r->ev == NULL || r->stats == NULL) {
        return PETRI_OK;
    }
    if (!r->saved && run_checkpoint(r, err) != PETRI_OK) {
        return err->code;
    }
    csv_sync(r->stats);
    csv_sync(r->species);
    csv_sync(r->lineage);
    if (run_write_summary(r, err) != PETRI_OK) {
        return err->code;
    }
    r->dirty = false;
    const char *names[WORLD_MAX_POPULATIONS];
    for (int p = 0; p < r->def.population_count; ++p) {
        names[p] = r->def.populations[p].name;
    }
    int n = plots_write(r->dir, names, r->def.population_count,
                        r->def.evolution.mode == EVOLUTION_OPEN_ENDED);
    if (plots != NULL) {
        *plots = n;
    }
    return PETRI_OK;
}

PetriStatus run_close(Run *r, PetriError *err)
{
    if (r == NULL) {
        return PETRI_OK;
    }
    PetriError local;
    error_clear(&local);
    if (err == NULL) {
        err = &local;
    }
    PetriStatus s = run_finish(r, NULL, err);
    if (r->stats) fclose(r->stats);
    if (r->species) fclose(r->species);
    if (r->lineage) fclose(r->lineage);
    if (r->changes) fclose(r->changes);
    for (int p = 0; p < WORLD_MAX_POPULATIONS; ++p) {
        if (r->champion_logs[p]) fclose(r->champion_logs[p]);
    }
    if (r->lock_fd >= 0) {
        close(r->lock_fd); /* releases the flock */
    }
    evolution_destroy(r->ev);
    petri_free(r->config_text, r->config_len + 1);
    petri_free(r->history, (size_t)r->history_cap * sizeof(RunRow));
    run_changes_free(r);
    run_injections_free(r);
    buf_fini(&r->lineage_rows);
    buf_fini(&r->species_rows);
    petri_free(r, sizeof *r);
    return s;
}
