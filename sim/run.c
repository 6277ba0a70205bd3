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
#include <fcntl.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
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

/* ------------------------------------------------------------ small files */

static PetriStatus write_text_file(const Run *r, const char *name, const ByteBuf *b,
                                   PetriError *err)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    return file_write_atomic(path, b->data, b->len, err);
}

void run_set_config_text(Run *r)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        fprintf(stderr, "petri: out of memory for the effective config\n");
        abort();
    }
    config_write_yaml(run_schema(), &r->def, mem);
    fclose(mem);
    petri_free(r->config_text, r->config_len + 1);
    r->config_text = petri_alloc(len + 1);
    memcpy(r->config_text, text, len);
    r->config_text[len] = '\0';
    r->config_len = len;
    free(text); /* from open_memstream, not the counting allocator */
}

static void iso_time(char *out, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static PetriStatus write_meta(const Run *r, int argc, char *const *argv, PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    char host[256] = "unknown", when[64];
    gethostname(host, sizeof host - 1);
    iso_time(when, sizeof when);
    buf_printf(&b, "{\n  \"program\": \"petri\",\n  \"version\": \"%s\",\n  \"name\": ",
               PETRI_VERSION);
    json_write_string(&b, r->def.name);
    buf_printf(&b,
               ",\n  \"run_id\": \"%016llx\",\n  \"seed\": %llu,\n  \"threads\": %d,\n"
               "  \"mode\": \"%s\",\n  \"host\": ",
               (unsigned long long)r->id, (unsigned long long)r->def.seed,
               omp_get_max_threads(),
               r->def.evolution.mode == EVOLUTION_OPEN_ENDED ? "open_ended" : "generational");
    json_write_string(&b, host);
    buf_printf(&b, ",\n  \"start_time\": \"%s\",\n  \"command_line\": [", when);
    for (int i = 0; i < argc && argv != NULL; ++i) {
        buf_printf(&b, "%s", i ? ", " : "");
        json_write_string(&b, argv[i]);
    }
    buf_printf(&b, "]\n}\n");
    PetriStatus s = write_text_file(r, "meta.json", &b, err);
    buf_fini(&b);
    return s;
}

/* The run id in DIR/meta.json; 0 when there is none (or no meta.json). */
static uint64_t meta_run_id(const char *dir)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/meta.json", dir);
    char *text;
    size_t len;
    PetriError ignore;
    error_clear(&ignore);
    if (file_read_all(path, 1 << 20, &text, &len, &ignore) != PETRI_OK) {
        return 0;
    }
    uint64_t id = 0;
    const char *at = strstr(text, "\"run_id\": \"");
    if (at != NULL) {
        id = strtoull(at + strlen("\"run_id\": \""), NULL, 16);
    }
    petri_free(text, len + 1);
    return id;
}

/* A run id: time, PID, seed and a counter mixed; unique enough that two
 * runs never share one by chance. */
static uint64_t new_run_id(uint64_t seed)
{
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t id = mix64((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
    id = mix64(id ^ ((uint64_t)getpid() << 32) ^ clock_ns());
    id = mix64(id ^ seed ^ ++counter);
    return id != 0 ? id : 1;
}

/* Each population's best genome so far, at every checkpoint: binary (for
 * `petri view --genome` and islands), JSON (docs/genome-format.md) and
 * DOT, as POP-gGGGGGGGG.* and POP-best.* (the newest). */
static PetriStatus write_champions(Run *r, PetriError *err)
{
    char folder[RUN_PATH_CAP + 64];
    snprintf(folder, sizeof folder, "%s/champions", r->dir);
    if (file_make_dirs(folder, err) != PETRI_OK) {
        return err->code;
    }
    for (int p = 0; p < r->def.population_count; ++p) {
        double f = 0.0;
        const Genome *g = evolution_champion(r->ev, p, &f);
        if (g == NULL) {
            continue;
        }
        char tag[2][32];
        snprintf(tag[0], sizeof tag[0], "g%08llu",
                 (unsigned long long)evolution_generation(r->ev));
        snprintf(tag[1], sizeof tag[1], "best");
        for (int t = 0; t < 2; ++t) {
            char base[RUN_PATH_CAP + 200], path[RUN_PATH_CAP + 300];
            snprintf(base, sizeof base, "%s/%s-%s", folder, r->def.populations[p].name, tag[t]);
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

/* The payload: "RUN2", run id, config, changes applied, wall time, CSV
 * lengths, then the Evolution's state. */
#define RUN_PAYLOAD_MAGIC "RUN2"

PetriStatus run_checkpoint(Run *r, PetriError *err)
{
    if (!r->files) {
        r->saved = true;
        return PETRI_OK;
    }
    int64_t lens[3] = {csv_sync(r->stats), csv_sync(r->species), csv_sync(r->lineage)};
    if (lens[0] < 0 || lens[1] < 0 || lens[2] < 0) {
        return error_at(err, PETRI_EIO, r->dir, 0, 0, "cannot flush the CSV tables");
    }
    if (r->changes != NULL && csv_sync(r->changes) < 0) {
        return error_at(err, PETRI_EIO, r->dir, 0, 0, "cannot flush changes.csv");
    }
    ByteBuf b;
    buf_init(&b);
    buf_put(&b, RUN_PAYLOAD_MAGIC, 4);
    buf_put_u64(&b, r->id);
    buf_put_u64(&b, r->config_len);
    buf_put(&b, r->config_text, r->config_len);
    buf_put_u64(&b, r->changes_applied);
    buf_put_f64(&b, r->wall_before + (clock_seconds() - r->t0));
    for (int i = 0; i < 3; ++i) {
        buf_put_u64(&b, (uint64_t)lens[i]);
    }
    evolution_save(r->ev, &b);
    PetriStatus s = checkpoint_write(r->dir, evolution_generation(r->ev), &b, err);
    buf_fini(&b);
    if (s == PETRI_OK) {
        s = write_champions(r, err);
    }
    if (s == PETRI_OK) {
        r->saved = true;
    }
    return s;
}

PetriStatus run_payload_parse(const char *where, const char *payload, size_t len,
                              RunPayload *out, PetriError *err)
{
    memset(out, 0, sizeof *out);
    ByteReader rd;
    reader_init(&rd, payload, len);
    char magic[4];
    uint64_t clen = 0;
    if (!reader_get(&rd, magic, 4) || memcmp(magic, RUN_PAYLOAD_MAGIC, 4) != 0) {
        return error_at(err, PETRI_EFORMAT, where, 0, 0,
                        "not a checkpoint of this version of petri (no run header)");
    }
    reader_u64(&rd, &out->id);
    if (!reader_u64(&rd, &clen) || clen > len - rd.pos) {
        return error_at(err, PETRI_EFORMAT, where, 0, 0, "bad config length in checkpoint");
    }
    out->config = payload + rd.pos;
    out->config_len = (size_t)clen;
    rd.pos += (size_t)clen;
    reader_u64(&rd, &out->changes_applied);
    reader_f64(&rd, &out->wall);
    for (int i = 0; i < 3; ++i) {
        reader_u64(&rd, &out->lens[i]);
    }
    if (rd.bad || !(out->wall >= 0.0) || out->lens[0] > INT64_MAX || out->lens[1] > INT64_MAX ||
        out->lens[2] > INT64_MAX || out->changes_applied > (1u << 30)) {
        return error_at(err, PETRI_EFORMAT, where, 0, 0, "truncated or corrupt checkpoint header");
    }
    out->state_pos = rd.pos;
    return PETRI_OK;
}

/* Builds the def and the Evolution of a checkpoint payload. */
static PetriStatus load_payload(const char *where, const char *payload, size_t len,
                                RunPayload *pl, RunDef *def, Evolution **ev, PetriError *err)
{
    *ev = NULL;
    if (run_payload_parse(where, payload, len, pl, err) != PETRI_OK) {
        return err->code;
    }
    if (run_def_load(def, NULL, NULL, 0, err) != PETRI_OK ||
        config_load_string(run_schema(), def, "checkpoint config", pl->config, pl->config_len,
                           err) != PETRI_OK) {
        return err->code;
    }
    ByteReader rd;
    reader_init(&rd, payload, len);
    rd.pos = pl->state_pos;
    if (evolution_load(def, &rd, ev, err) != PETRI_OK) {
        return err->code;
    }
    if (rd.pos != rd.len) {
        evolution_destroy(*ev);
        *ev = NULL;
        return error_at(err, PETRI_EFORMAT, where, 0, 0, "%zu unexpected bytes after the state",
                        rd.len - rd.pos);
    }
    return PETRI_OK;
}

PetriStatus checkpoint_parse(const void *buf, size_t len, uint64_t *generation,
                             uint64_t *run_id_out, PetriError *err)
{
    char *payload;
    size_t plen;
    if (checkpoint_decode("checkpoint", buf, len, &payload, &plen, err) != PETRI_OK) {
        return err->code;
    }
    RunPayload pl;
    RunDef *def = petri_alloc(sizeof *def);
    Evolution *ev;
    PetriStatus s = load_payload("checkpoint", payload, plen, &pl, def, &ev, err);
    if (s == PETRI_OK) {
        if (generation != NULL) {
            *generation = evolution_generation(ev);
        }
        if (run_id_out != NULL) {
            *run_id_out = pl.id;
        }
        evolution_destroy(ev);
    }
    petri_free(def, sizeof *def);
    petri_free(payload, plen + 1);
    return s;
}

/* ------------------------------------------------------------ the lock */

/* Locks DIR/lock for the life of the Run (flock: released by the kernel
 * when the process ends, however it ends). The file holds the PID. */
static PetriStatus lock_folder(Run *r, PetriError *err)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/lock", r->dir);
    int fd;
    do {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot open the run's lock file: %s",
                        strerror(errno));
    }
    int rc;
    do {
        rc = flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n;
        do {
            n = pread(fd, pid, sizeof pid - 1, 0);
        } while (n < 0 && errno == EINTR);
        close(fd);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\r\n")] = '\0';
        if (e == EWOULDBLOCK) {
            return error_add(err, PETRI_EUSAGE,
                             "petri: error: %s is in use by another petri process (PID %s); "
                             "wait for it to end, or stop it (kill %s) and resume",
                             r->dir, pid[0] ? pid : "unknown", pid[0] ? pid : "PID");
        }
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot lock: %s", strerror(e));
    }
    char line[32];
    int n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != n) {
        log_warn("cannot write the PID into %s: %s", path, strerror(errno));
    }
    r->lock_fd = fd;
    return PETRI_OK;
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

/* Reads opt's genome files and checks them against population genome_pop. */
static PetriStatus load_injections(Run *r, const RunOptions *opt, PetriError *err)
{
    if (opt == NULL || opt->genome_count <= 0) {
        return PETRI_OK;
    }
    int p = opt->genome_pop;
    if (p < 0 || p >= r->def.population_count ||
        r->def.populations[p].controller != CONTROLLER_BRAIN) {
        return error_add(err, PETRI_EUSAGE,
                         "petri: error: genomes can only go into a population of brains "
                         "(population %d is not one)",
                         p);
    }
    r->inject = petri_calloc((size_t)opt->genome_count, sizeof(Genome));
    r->inject_count = opt->genome_count;
    r->inject_pop = p;
    for (int i = 0; i < opt->genome_count; ++i) {
        if (genome_load(&r->inject[i], opt->genomes[i], err) != PETRI_OK) {
            return err->code;
        }
        int inputs = evolution_inputs(r->ev, p);
        if (r->inject[i].inputs != inputs || r->inject[i].outputs != WORLD_OUTPUTS) {
            return error_at(err, PETRI_EUSAGE, opt->genomes[i], 0, 0,
                            "the genome has %d inputs and %d outputs; population '%s' needs %d "
                            "and %d",
                            r->inject[i].inputs, r->inject[i].outputs,
                            r->def.populations[p].name, inputs, WORLD_OUTPUTS);
        }
    }
    return PETRI_OK;
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
        load_injections(r, opt, err) != PETRI_OK) {
        run_close(r, NULL);
        return err->code;
    }
    r->id = new_run_id(r->def.seed);
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
        if (file_make_dirs(r->dir, err) != PETRI_OK || lock_folder(r, err) != PETRI_OK) {
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
        unlink(changes); /* --force: no changes of another run */
        if (write_text_file(r, "config.yaml", &cfg, err) != PETRI_OK ||
            write_meta(r, opt->argc, opt->argv, err) != PETRI_OK ||
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
    Run *r = run_alloc(opt);
    r->files = true;
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    if (lock_folder(r, err) != PETRI_OK) {
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
    s = load_payload(path, payload, len, &pl, &r->def, &r->ev, err);
    if (s == PETRI_OK) {
        r->id = pl.id;
        uint64_t mine = meta_run_id(dir);
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
    /* Changes recorded after the checkpoint are re-applied at their step. */
    if (run_changes_load(r, err) != PETRI_OK || load_injections(r, opt, err) != PETRI_OK) {
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
    if (r->inject_count > 0) {
        evolution_inject(r->ev, r->inject_pop, r->inject, r->inject_count);
        log_info("%d genome%s put into population '%s'", r->inject_count,
                 r->inject_count == 1 ? "" : "s", r->def.populations[r->inject_pop].name);
        run_free_injections(r);
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
    }
    double vars[STOP_VAR_COUNT] = {0};
    vars[STOP_VAR_GENERATION] = (double)gen;
    vars[STOP_VAR_WALL_S] = wall;
    int alive = 0;
    for (int p = 0; p < r->def.population_count; ++p) {
        memcpy(&vars[stop_var_index(p, 0)], st[p].v, sizeof st[p].v);
        alive += st[p].v[STOP_FIELD_POP_COUNT] > 0;
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
    if (r->reason != NULL || gen % (uint64_t)every == 0) {
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

/* ------------------------------------------------------------ closing */

static PetriStatus write_summary(Run *r, PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    buf_printf(&b, "{\n  \"name\": ");
    json_write_string(&b, r->def.name);
    buf_printf(&b,
               ",\n  \"run_id\": \"%016llx\",\n  \"mode\": \"%s\",\n  \"seed\": %llu,\n"
               "  \"generations\": %llu,\n  \"stop_reason\": ",
               (unsigned long long)r->id,
               r->def.evolution.mode == EVOLUTION_OPEN_ENDED ? "open_ended" : "generational",
               (unsigned long long)r->def.seed, (unsigned long long)evolution_generation(r->ev));
    if (r->reason != NULL) {
        json_write_string(&b, r->reason);
    } else {
        buf_printf(&b, "null");
    }
    buf_printf(&b, ",\n  \"best_fitness\": {");
    for (int p = 0; p < r->def.population_count; ++p) {
        double f = 0.0;
        const Genome *g = evolution_champion(r->ev, p, &f);
        buf_printf(&b, "%s\n    ", p ? "," : "");
        json_write_string(&b, r->def.populations[p].name);
        if (g != NULL || f != 0.0) {
            buf_printf(&b, ": %.9g", f);
        } else {
            buf_printf(&b, ": null");
        }
    }
    /* The champions chosen by re-evaluation: both scores. */
    buf_printf(&b, "\n  },\n  \"champion\": {");
    int shown = 0;
    for (int p = 0; p < r->def.population_count; ++p) {
        double train = 0.0, retest = 0.0;
        uint64_t gen = 0;
        if (!evolution_champion_scores(r->ev, p, &train, &retest, &gen)) {
            continue;
        }
        buf_printf(&b, "%s\n    ", shown++ ? "," : "");
        json_write_string(&b, r->def.populations[p].name);
        buf_printf(&b, ": {\"generation\": %llu, \"training_fitness\": %.9g, "
                       "\"retest_fitness\": %.9g}", (unsigned long long)gen, train, retest);
    }
    /* Agents put back at the floor (open-ended), counted from lineage.csv
     * so that every session of a resumed run counts. */
    int reseeds[WORLD_MAX_POPULATIONS] = {0};
    fflush(r->lineage);
    lineage_count_reseeds(r->dir, &r->def, reseeds);
    buf_printf(&b, "\n  },\n  \"reseeds\": {");
    for (int p = 0; p < r->def.population_count; ++p) {
        buf_printf(&b, "%s\n    ", p ? "," : "");
        json_write_string(&b, r->def.populations[p].name);
        buf_printf(&b, ": %d", reseeds[p]);
    }
    buf_printf(&b, "\n  },\n  \"wall_s\": %.3f,\n  \"state_hash\": \"%016llx\"\n}\n", run_wall(r),
               (unsigned long long)evolution_hash(r->ev));
    PetriStatus s = write_text_file(r, "summary.json", &b, err);
    buf_fini(&b);
    return s;
}

/* Did an earlier session end this run for good (stop.when, wall_time,
 * extinction)? Runs stopped by a signal or by their target can go on. */
bool run_summary_final(const Run *r)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/summary.json", r->dir);
    char *text;
    size_t len;
    PetriError ignore;
    error_clear(&ignore);
    if (file_read_all(path, 1 << 20, &text, &len, &ignore) != PETRI_OK) {
        return false;
    }
    bool final = false;
    char gen[64];
    snprintf(gen, sizeof gen, "\"generations\": %llu,",
             (unsigned long long)evolution_generation(r->ev));
    if (strstr(text, gen) != NULL) {
        final = strstr(text, "\"stop_reason\": \"stop.when\"") != NULL ||
                strstr(text, "\"stop_reason\": \"wall_time\"") != NULL ||
                strstr(text, "\"stop_reason\": \"extinction\"") != NULL;
    }
    petri_free(text, len + 1);
    return final;
}

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
    if (write_summary(r, err) != PETRI_OK) {
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

void run_free_injections(Run *r)
{
    for (int i = 0; i < r->inject_count; ++i) {
        genome_fini(&r->inject[i]);
    }
    petri_free(r->inject, (size_t)r->inject_count * sizeof(Genome));
    r->inject = NULL;
    r->inject_count = 0;
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
    if (r->lock_fd >= 0) {
        close(r->lock_fd); /* releases the flock */
    }
    evolution_destroy(r->ev);
    petri_free(r->config_text, r->config_len + 1);
    petri_free(r->history, (size_t)r->history_cap * sizeof(RunRow));
    run_changes_free(r);
    run_free_injections(r);
    buf_fini(&r->lineage_rows);
    buf_fini(&r->species_rows);
    petri_free(r, sizeof *r);
    return s;
}
