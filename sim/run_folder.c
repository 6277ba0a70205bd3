/*
 * The files of a run folder that the run object writes apart from the
 * CSV tables: meta.json with the run id, champions, checkpoints (the
 * payload around the Evolution's state, and checkpoint_parse for
 * fuzzers), the lock, and summary.json.
 */
#include "sim/run_internal.h"

#include <errno.h>
#include <fcntl.h>
#include "core/parallel.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ small files */

PetriStatus run_write_text_file(const Run *r, const char *name, const ByteBuf *b,
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

PetriStatus run_write_meta(const Run *r, int argc, char *const *argv, PetriError *err)
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
    PetriStatus s = run_write_text_file(r, "meta.json", &b, err);
    buf_fini(&b);
    return s;
}

/* The run id in DIR/meta.json; 0 when there is none (or no meta.json). */
uint64_t run_meta_run_id(const char *dir)
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
uint64_t run_new_run_id(uint64_t seed)
{
    static _Atomic uint64_t counter; /* runs may be created from several threads */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t id = mix64((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
    id = mix64(id ^ ((uint64_t)getpid() << 32) ^ clock_ns());
    id = mix64(id ^ seed ^ (atomic_fetch_add(&counter, 1) + 1));
    return id != 0 ? id : 1;
}

/* Each population's best genome so far, at every checkpoint: binary (for
 * `petri view --genome` and islands), JSON (docs/genome-format.md) and
 * DOT, as POP-gGGGGGGGG.* and POP-best.* (the newest). The JSON and DOT
 * name the inputs and outputs (docs/brain-io.md). */
static PetriStatus write_champions(Run *r, PetriError *err)
{
    GenomeNames names;
    genome_names_init(&names);
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
        if (run_def_genome_names(&r->def, p, &names, err) != PETRI_OK) {
            return err->code;
        }
        GenomeDotOptions dot = genome_dot_default_options();
        dot.names = &names;
        char tag[2][32];
        snprintf(tag[0], sizeof tag[0], "g%08llu",
                 (unsigned long long)evolution_generation(r->ev));
        snprintf(tag[1], sizeof tag[1], "best");
        for (int t = 0; t < 2; ++t) {
            char base[RUN_PATH_CAP + 200], path[RUN_PATH_CAP + 300];
            snprintf(base, sizeof base, "%s/%s-%s", folder, r->def.populations[p].name, tag[t]);
            snprintf(path, sizeof path, "%s.bin", base);
            PetriStatus s = genome_save(g, path, err);
            snprintf(path, sizeof path, "%s.json", base);
            if (s == PETRI_OK) {
                s = genome_save_json_named(g, &names, path, err);
            }
            snprintf(path, sizeof path, "%s.dot", base);
            if (s == PETRI_OK) {
                s = genome_save_dot_with(g, &dot, path, err);
            }
            if (s != PETRI_OK) {
                genome_names_fini(&names);
                return s;
            }
        }
    }
    genome_names_fini(&names);
    return PETRI_OK;
}

/* Generational: every generation's champion of every evolved population
 * (the best by training fitness, before breeding), appended to
 * champions/generations/POP.champions for `petri eval --ciao`. Like the
 * CSV tables, without fsync: run_checkpoint makes the logs durable, and
 * a resumed run cuts them back to its checkpoint (run_resume) before it
 * writes the generations after it again, the same genomes. */
PetriStatus run_write_generation_champions(Run *r, PetriError *err)
{
    for (int p = 0; p < r->def.population_count; ++p) {
        const Genome *g = evolution_generation_champion(r->ev, p);
        if (g == NULL) {
            continue;
        }
        if (r->champion_logs[p] == NULL) {
            char path[RUN_PATH_CAP + 300];
            champion_log_path(r->dir, r->def.populations[p].name, path, sizeof path);
            if (champion_log_open(path, r->champion_logs_fresh, &r->champion_logs[p], err) !=
                PETRI_OK) {
                return err->code;
            }
        }
        champion_log_append(r->champion_logs[p], evolution_generation(r->ev), g);
    }
    return PETRI_OK;
}

/* ------------------------------------------------------------ checkpoints */

/* The payload: "RUN3", run id, config, rows of changes.csv applied, rows
 * of injections.csv applied, wall time, CSV lengths, then the Evolution's
 * state. "RUN2" (written before injections were recorded) lacks the
 * injections' count and is still read. */
#define RUN_PAYLOAD_MAGIC "RUN3"
#define RUN_PAYLOAD_MAGIC_2 "RUN2"

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
    if (r->injections != NULL && csv_sync(r->injections) < 0) {
        return error_at(err, PETRI_EIO, r->dir, 0, 0, "cannot flush injections.csv");
    }
    for (int p = 0; p < r->def.population_count; ++p) {
        if (r->champion_logs[p] != NULL && csv_sync(r->champion_logs[p]) < 0) {
            return error_at(err, PETRI_EIO, r->dir, 0, 0,
                            "cannot flush champions/generations/%s.champions",
                            r->def.populations[p].name);
        }
    }
    ByteBuf b;
    buf_init(&b);
    buf_put(&b, RUN_PAYLOAD_MAGIC, 4);
    buf_put_u64(&b, r->id);
    buf_put_u64(&b, r->config_len);
    buf_put(&b, r->config_text, r->config_len);
    buf_put_u64(&b, r->changes_applied);
    buf_put_u64(&b, r->injections_applied);
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
    bool v2 = false;
    if (!reader_get(&rd, magic, 4) ||
        (memcmp(magic, RUN_PAYLOAD_MAGIC, 4) != 0 &&
         !(v2 = memcmp(magic, RUN_PAYLOAD_MAGIC_2, 4) == 0))) {
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
    if (!v2) {
        reader_u64(&rd, &out->injections_applied);
    }
    reader_f64(&rd, &out->wall);
    for (int i = 0; i < 3; ++i) {
        reader_u64(&rd, &out->lens[i]);
    }
    if (rd.bad || !(out->wall >= 0.0) || out->lens[0] > INT64_MAX || out->lens[1] > INT64_MAX ||
        out->lens[2] > INT64_MAX || out->changes_applied > (1u << 30) ||
        out->injections_applied > (1u << 30)) {
        return error_at(err, PETRI_EFORMAT, where, 0, 0, "truncated or corrupt checkpoint header");
    }
    out->state_pos = rd.pos;
    return PETRI_OK;
}

/* Builds the def and the Evolution of a checkpoint payload. */
PetriStatus run_load_payload(const char *where, const char *payload, size_t len,
                                RunPayload *pl, RunDef *def, Evolution **ev, PetriError *err)
{
    *ev = NULL;
    if (run_payload_parse(where, payload, len, pl, err) != PETRI_OK) {
        return err->code;
    }
    /* The config inside passes the same checks as a new run's: a corrupt
     * or forged one must not build a world it cannot hold. */
    if (run_def_load_string(def, "checkpoint config", pl->config, pl->config_len, NULL, 0,
                            RUN_MEMORY_LIMIT, err) != PETRI_OK) {
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
    PetriStatus s = run_load_payload("checkpoint", payload, plen, &pl, def, &ev, err);
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

/* The PID written in the lock file fd, or "" when it cannot be read. */
static void lock_holder(int fd, char *pid, size_t cap)
{
    ssize_t n;
    do {
        n = pread(fd, pid, cap - 1, 0);
    } while (n < 0 && errno == EINTR);
    pid[n > 0 ? n : 0] = '\0';
    pid[strcspn(pid, "\r\n")] = '\0';
}

static PetriStatus in_use_error(const char *dir, const char *pid, PetriError *err)
{
    return error_add(err, PETRI_EUSAGE,
                     "petri: error: %s is in use by another petri process (PID %s); "
                     "wait for it to end, or stop it (kill %s) and resume",
                     dir, pid[0] ? pid : "unknown", pid[0] ? pid : "PID");
}

PetriStatus run_folder_check_unlocked(const char *dir, PetriError *err)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/lock", dir);
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return PETRI_OK; /* no lock file: nobody holds the folder */
    }
    int rc;
    do {
        rc = flock(fd, LOCK_SH | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    PetriStatus s = PETRI_OK;
    if (rc != 0 && errno == EWOULDBLOCK) {
        char pid[32];
        lock_holder(fd, pid, sizeof pid);
        s = in_use_error(dir, pid, err);
    }
    close(fd); /* drops the shared lock, if taken */
    return s;
}

/* Locks DIR/lock for the life of the Run (flock: released by the kernel
 * when the process ends, however it ends). The file holds the PID. */
PetriStatus run_lock_folder(Run *r, PetriError *err)
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
        char pid[32];
        lock_holder(fd, pid, sizeof pid);
        close(fd);
        if (e == EWOULDBLOCK) {
            return in_use_error(r->dir, pid, err);
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

/* ------------------------------------------------------------ summary */

PetriStatus run_write_summary(Run *r, PetriError *err)
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
    if (r->lineage != NULL) {
        fflush(r->lineage);
    }
    lineage_count_reseeds(r->dir, &r->def, reseeds);
    buf_printf(&b, "\n  },\n  \"reseeds\": {");
    for (int p = 0; p < r->def.population_count; ++p) {
        buf_printf(&b, "%s\n    ", p ? "," : "");
        json_write_string(&b, r->def.populations[p].name);
        buf_printf(&b, ": %d", reseeds[p]);
    }
    buf_printf(&b, "\n  },\n  \"wall_s\": %.3f,\n  \"state_hash\": \"%016llx\"\n}\n", run_wall(r),
               (unsigned long long)evolution_hash(r->ev));
    PetriStatus s = run_write_text_file(r, "summary.json", &b, err);
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

