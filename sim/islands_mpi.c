/*
 * Islands over MPI: `mpirun -np K petri run CONFIG` runs K copies of a
 * generational run, one per rank, with OpenMP inside each, that trade
 * their best genomes around a ring. The only file that includes MPI.
 *
 * Each island is an ordinary run (the run object of sim.h) in
 * TOP/island-R, with the seed mix64(seed + R + 1) and its own namespace of
 * innovation and node ids (namespace R: new ids from R * 2^25; see
 * genome/genome_mutate.c), so that a migrant's genes never share an id
 * with different genes of its new island. One iteration of every rank:
 *
 *   1. run_step: one generation, stats and lineage rows, no checkpoint;
 *   2. a collective decision (MPI_Allreduce): stop if any island stopped
 *      (stop.when, extinction, wall time, the target) or got a signal; the
 *      reason is the lowest such rank's;
 *   3. every islands.migration_interval generations, the best
 *      islands.migrants genomes of each population go to island R+1 mod K
 *      in the binary genome format (MPI_Sendrecv), and those of R-1 take
 *      the last slots of the next generation (a `migrant` row in
 *      lineage.csv each);
 *   4. every evolution.checkpoint_every generations, and when stopping, a
 *      checkpoint on every island: after the migration, so a resume
 *      (`mpirun -np K petri resume TOP`) starts exactly where a straight
 *      run would be.
 *
 * The islands step in lockstep, so all of them stop and checkpoint at the
 * same generation. Rank 0 writes TOP/islands.json (K, the base seed),
 * TOP/summary.json, whose state_hash hashes the islands' state hashes in
 * rank order, and TOP/stats.csv: every island's rows with an `island`
 * column. For a given seed and K the result is the same run to run, at
 * any thread count and across a resume.
 */
#include "sim/run_internal.h"

#include <errno.h>
#include <jansson.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ISLANDS_TOP_CAP 3000

typedef struct Island {
    int rank, size;
    uint64_t seed;           /* the base seed; island R runs island_seed(seed, R) */
    char top[ISLANDS_TOP_CAP];
    char dir[ISLANDS_TOP_CAP + 32];
    Run *run;
} Island;

static uint64_t island_seed(uint64_t seed, int rank)
{
    return mix64(seed + (uint64_t)rank + 1);
}

/* True on every rank when any rank's flag is true. */
static bool any_rank(bool flag)
{
    int in = flag ? 1 : 0, out = 0;
    MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return out != 0;
}

/* The top folder: --out, else the first free output.dir/NAME[-k]. Rank 0
 * decides; every rank gets it. */
static void choose_top(Island *is, const IslandsArgs *a, const RunDef *def)
{
    if (is->rank == 0) {
        if (a->dir != NULL) {
            snprintf(is->top, sizeof is->top, "%s", a->dir);
        } else {
            snprintf(is->top, sizeof is->top, "%s/%s", def->output.dir, def->name);
            for (int k = 2; file_exists(is->top) && k < 100000; ++k) {
                snprintf(is->top, sizeof is->top, "%s/%s-%d", def->output.dir, def->name, k);
            }
        }
    }
    MPI_Bcast(is->top, (int)sizeof is->top, MPI_CHAR, 0, MPI_COMM_WORLD);
}

static void island_dir(Island *is)
{
    snprintf(is->dir, sizeof is->dir, "%s/island-%d", is->top, is->rank);
}

/* ------------------------------------------------------------ migration */

/* The buffer a population sends: u32 count, then per genome u32 index
 * (in its generation) and the genome's binary form (u32 length first). */
static void pack_best(const Run *r, int pop, int k, ByteBuf *b)
{
    const Genome *best[RUN_MIGRANTS_MAX];
    int index[RUN_MIGRANTS_MAX];
    int n = run_best_genomes(r, pop, k, best, index);
    buf_put_u32(b, (uint32_t)n);
    for (int i = 0; i < n; ++i) {
        ByteBuf g;
        buf_init(&g);
        genome_save_buf(best[i], &g);
        buf_put_u32(b, (uint32_t)index[i]);
        buf_put_u32(b, (uint32_t)g.len);
        buf_put(b, g.data, g.len);
        buf_fini(&g);
    }
}

static PetriStatus unpack_and_immigrate(Run *r, int pop, const unsigned char *data, size_t len,
                                        int from, PetriError *err)
{
    ByteReader rd;
    reader_init(&rd, data, len);
    uint32_t n = 0;
    if (!reader_u32(&rd, &n) || n > RUN_MIGRANTS_MAX) {
        return error_add(err, PETRI_EFORMAT, "islands: a bad migration message from island %d",
                         from);
    }
    Genome gs[RUN_MIGRANTS_MAX];
    int index[RUN_MIGRANTS_MAX];
    memset(gs, 0, sizeof gs);
    PetriStatus s = PETRI_OK;
    uint32_t got = 0;
    for (; got < n && s == PETRI_OK; ++got) {
        uint32_t idx = 0, glen = 0;
        if (!reader_u32(&rd, &idx) || !reader_u32(&rd, &glen) || glen > rd.len - rd.pos) {
            s = error_add(err, PETRI_EFORMAT, "islands: a truncated migrant from island %d",
                          from);
            break;
        }
        ByteReader gr;
        reader_init(&gr, rd.data + rd.pos, glen);
        rd.pos += glen;
        index[got] = (int)idx;
        s = genome_load_buf(&gs[got], &gr, err);
    }
    if (s == PETRI_OK) {
        s = run_immigrate(r, pop, gs, (int)n, from, index, err);
    }
    for (uint32_t i = 0; i < got; ++i) {
        genome_fini(&gs[i]);
    }
    return s;
}

/* Sends this island's best genomes of every population to the next island
 * and takes the previous island's. */
static PetriStatus migrate(Island *is, PetriError *err)
{
    const RunDef *def = run_def(is->run);
    int next = (is->rank + 1) % is->size, prev = (is->rank + is->size - 1) % is->size;
    PetriStatus s = PETRI_OK;
    for (int p = 0; p < def->population_count; ++p) {
        if (def->populations[p].controller != CONTROLLER_BRAIN) {
            continue;
        }
        ByteBuf out;
        buf_init(&out);
        pack_best(is->run, p, def->islands.migrants, &out);
        unsigned long long out_len = out.len, in_len = 0;
        MPI_Sendrecv(&out_len, 1, MPI_UNSIGNED_LONG_LONG, next, 2 * p, &in_len, 1,
                     MPI_UNSIGNED_LONG_LONG, prev, 2 * p, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        unsigned char *in = petri_alloc(in_len + 1);
        MPI_Sendrecv(out.data, (int)out_len, MPI_UNSIGNED_CHAR, next, 2 * p + 1, in, (int)in_len,
                     MPI_UNSIGNED_CHAR, prev, 2 * p + 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (s == PETRI_OK) {
            s = unpack_and_immigrate(is->run, p, in, in_len, prev, err);
        }
        petri_free(in, in_len + 1);
        buf_fini(&out);
    }
    return s;
}

/* ------------------------------------------------------------ the top folder */

static PetriStatus write_islands_json(const Island *is, const RunDef *def, PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    buf_printf(&b,
               "{\n  \"islands\": %d,\n  \"seed\": %llu,\n  \"migration_interval\": %d,\n"
               "  \"migrants\": %d\n}\n",
               is->size, (unsigned long long)def->seed, def->islands.migration_interval,
               def->islands.migrants);
    char path[ISLANDS_TOP_CAP + 32];
    snprintf(path, sizeof path, "%s/%s", is->top, ISLANDS_FILE);
    PetriStatus s = file_write_atomic(path, b.data, b.len, err);
    buf_fini(&b);
    return s;
}

/* TOP/stats.csv: every island's stats.csv with an island column. */
static PetriStatus merge_stats(const Island *is, PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    buf_printf(&b, "island,%s\n", STATS_CSV_HEADER);
    for (int k = 0; k < is->size; ++k) {
        char path[ISLANDS_TOP_CAP + 64];
        snprintf(path, sizeof path, "%s/island-%d/stats.csv", is->top, k);
        char *text = NULL;
        size_t len = 0;
        if (file_read_all(path, (size_t)1 << 30, &text, &len, err) != PETRI_OK) {
            buf_fini(&b);
            return err->code;
        }
        const char *line = strchr(text, '\n'); /* skip the header */
        while (line != NULL && line[1] != '\0') {
            const char *start = line + 1;
            const char *end = strchr(start, '\n');
            size_t n = end != NULL ? (size_t)(end - start) : strlen(start);
            buf_printf(&b, "%d,", k);
            buf_put(&b, start, n);
            buf_put_u8(&b, '\n');
            line = end;
        }
        petri_free(text, len + 1);
    }
    char out[ISLANDS_TOP_CAP + 32];
    snprintf(out, sizeof out, "%s/stats.csv", is->top);
    PetriStatus s = file_write_atomic(out, b.data, b.len, err);
    buf_fini(&b);
    return s;
}

/* TOP/summary.json, from every island's hash, best fitness and wall time. */
static PetriStatus write_summary(const Island *is, const char *reason, PetriError *err)
{
    const RunDef *def = run_def(is->run);
    int pops = def->population_count;
    unsigned long long hash = run_hash(is->run);
    unsigned long long *hashes = petri_calloc((size_t)is->size, sizeof *hashes);
    MPI_Gather(&hash, 1, MPI_UNSIGNED_LONG_LONG, hashes, 1, MPI_UNSIGNED_LONG_LONG, 0,
               MPI_COMM_WORLD);
    double best[WORLD_MAX_POPULATIONS], best_all[WORLD_MAX_POPULATIONS];
    for (int p = 0; p < pops; ++p) {
        double f = 0.0;
        best[p] = run_champion(is->run, p, &f) != NULL ? f : -1e300;
    }
    MPI_Reduce(best, best_all, pops, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    double wall = run_stats(is->run)->wall_s, wall_max = 0.0;
    MPI_Reduce(&wall, &wall_max, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    PetriStatus s = PETRI_OK;
    if (is->rank == 0) {
        Hasher hs;
        hasher_init(&hs);
        for (int k = 0; k < is->size; ++k) {
            hasher_u64(&hs, hashes[k]);
        }
        ByteBuf b;
        buf_init(&b);
        buf_printf(&b, "{\n  \"name\": ");
        json_write_string(&b, def->name);
        buf_printf(&b,
                   ",\n  \"mode\": \"generational\",\n  \"seed\": %llu,\n  \"islands\": %d,\n"
                   "  \"generations\": %llu,\n  \"stop_reason\": \"%s\",\n  \"best_fitness\": {",
                   (unsigned long long)is->seed, is->size,
                   (unsigned long long)run_stats(is->run)->generation, reason);
        for (int p = 0; p < pops; ++p) {
            buf_printf(&b, "%s\n    ", p ? "," : "");
            json_write_string(&b, def->populations[p].name);
            if (best_all[p] > -1e300) {
                buf_printf(&b, ": %.9g", best_all[p]);
            } else {
                buf_printf(&b, ": null");
            }
        }
        buf_printf(&b, "\n  },\n  \"wall_s\": %.3f,\n  \"island_hashes\": [", wall_max);
        for (int k = 0; k < is->size; ++k) {
            buf_printf(&b, "%s\"%016llx\"", k ? ", " : "", hashes[k]);
        }
        buf_printf(&b, "],\n  \"state_hash\": \"%016llx\"\n}\n",
                   (unsigned long long)hasher_digest(&hs));
        char path[ISLANDS_TOP_CAP + 32];
        snprintf(path, sizeof path, "%s/summary.json", is->top);
        s = file_write_atomic(path, b.data, b.len, err);
        buf_fini(&b);
        if (s == PETRI_OK) {
            s = merge_stats(is, err);
        }
        if (s == PETRI_OK) {
            printf("\n%s: %d islands, %llu generations, stopped by %s, %.1f s\n", def->name,
                   is->size, (unsigned long long)run_stats(is->run)->generation, reason,
                   wall_max);
            for (int p = 0; p < pops; ++p) {
                if (best_all[p] > -1e300) {
                    printf("%-16s best ever %.4g (over every island)\n", def->populations[p].name,
                           best_all[p]);
                }
            }
            printf("state hash %016llx\n", (unsigned long long)hasher_digest(&hs));
            printf("run folder: %s (summary.json, stats.csv with an island column, island-*/)\n",
                   is->top);
        }
    }
    petri_free(hashes, (size_t)is->size * sizeof *hashes);
    return s;
}

/* ------------------------------------------------------------ the loop */

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

/* The reason of the lowest rank that stopped, on every rank. */
static void agree_reason(const Island *is, const char *mine, char *out, size_t cap)
{
    int me = mine != NULL ? is->rank : is->size, lowest = 0;
    MPI_Allreduce(&me, &lowest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    char buf[64] = "";
    if (is->rank == lowest && mine != NULL) {
        snprintf(buf, sizeof buf, "%s", mine);
    }
    MPI_Bcast(buf, (int)sizeof buf, MPI_CHAR, lowest < is->size ? lowest : 0, MPI_COMM_WORLD);
    snprintf(out, cap, "%s", buf);
}

static int island_loop(Island *is)
{
    PetriError err;
    error_clear(&err);
    Run *r = is->run;
    const RunDef *def = run_def(r);
    int every = def->evolution.checkpoint_every > 0 ? def->evolution.checkpoint_every : 10;
    char reason[64] = "";
    bool failed = false;
    for (;;) {
        const char *mine = NULL;
        PetriStatus s = run_step(r, &err);
        failed = any_rank(s != PETRI_OK);
        if (failed) {
            break;
        }
        run_done(r, &mine);
        int sig = sim_stop_signal;
        int sig_any = 0;
        MPI_Allreduce(&sig, &sig_any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        bool stop = any_rank(mine != NULL) || sig_any != 0;
        if (stop) {
            agree_reason(is, sig_any != 0 ? NULL : mine, reason, sizeof reason);
            if (sig_any != 0) {
                snprintf(reason, sizeof reason, "%s", signal_reason(sig_any));
            }
        }
        uint64_t gen = run_stats(r)->generation;
        if (is->size > 1 && gen % (uint64_t)def->islands.migration_interval == 0) {
            failed = any_rank(migrate(is, &err) != PETRI_OK);
            if (failed) {
                break;
            }
        }
        if (stop) {
            /* Every island ends with this reason, checkpointed after the
             * migration of this generation. */
            s = run_stop(r, reason, &err);
            if (s == PETRI_OK) {
                s = run_checkpoint(r, &err);
            }
            failed = any_rank(s != PETRI_OK);
            break;
        }
        if (gen % (uint64_t)every == 0) {
            failed = any_rank(run_checkpoint(r, &err) != PETRI_OK);
            if (failed) {
                break;
            }
        }
    }
    if (failed && err.count > 0) {
        fprintf(stderr, "island %d: ", is->rank);
        error_print(&err, stderr);
    }
    int plots = 0;
    PetriStatus s = failed ? PETRI_EIO : run_finish(r, &plots, &err);
    if (any_rank(s != PETRI_OK)) {
        if (s != PETRI_OK && !failed) {
            error_print(&err, stderr);
        }
        return 1;
    }
    if (write_summary(is, reason[0] ? reason : "generations", &err) != PETRI_OK) {
        error_print(&err, stderr);
    }
    if (sim_stop_signal != 0 || strncmp(reason, "signal", 6) == 0 ||
        strncmp(reason, "interrupted", 11) == 0) {
        if (is->rank == 0) {
            printf("resume with: mpirun -np %d petri resume %s\n", is->size, is->top);
        }
        return 130;
    }
    return 0;
}

/* ------------------------------------------------------------ entry */

static int islands_begin(Island *is)
{
    int provided = 0;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &is->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &is->size);
    if (is->size > INNOVATION_NAMESPACES) {
        if (is->rank == 0) {
            fprintf(stderr, "petri: error: at most %d islands (mpirun -np %d)\n",
                    INNOVATION_NAMESPACES, is->size);
        }
        return 2;
    }
    if (is->rank != 0) {
        log_set_level(LOG_WARN); /* one voice: rank 0's */
    }
    return 0;
}

static int islands_end(Island *is, int rc)
{
    PetriError err;
    error_clear(&err);
    if (is->run != NULL && run_close(is->run, &err) != PETRI_OK && rc == 0) {
        error_print(&err, stderr);
        rc = 1;
    }
    int worst = 0;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return worst;
}

static int islands_run(Island *is, const IslandsArgs *a)
{
    PetriError err;
    error_clear(&err);
    RunDef *def = petri_alloc(sizeof *def);
    PetriStatus s = run_def_load(def, a->config, a->overrides, a->override_count, &err);
    if (s != PETRI_OK) {
        if (is->rank == 0) {
            error_print(&err, stderr);
        }
        petri_free(def, sizeof *def);
        return 2;
    }
    choose_top(is, a, def);
    island_dir(is);
    is->seed = def->seed;
    /* This island's seed, after the user's overrides. */
    const char **sets = petri_alloc(((size_t)a->override_count + 1) * sizeof *sets);
    for (int i = 0; i < a->override_count; ++i) {
        sets[i] = a->overrides[i];
    }
    char seed_set[64];
    snprintf(seed_set, sizeof seed_set, "seed=%llu",
             (unsigned long long)island_seed(def->seed, is->rank));
    sets[a->override_count] = seed_set;
    RunOptions opt = run_default_options();
    opt.out_dir = is->dir;
    opt.force = a->force;
    opt.generations = a->generations;
    opt.argc = a->argc;
    opt.argv = a->argv;
    if (is->rank == 0) {
        s = file_make_dirs(is->top, &err);
        if (s == PETRI_OK) {
            s = write_islands_json(is, def, &err);
        }
    }
    if (!any_rank(s != PETRI_OK)) {
        s = run_create(a->config, sets, a->override_count + 1, &opt, &is->run, &err);
    }
    if (s == PETRI_OK) {
        s = run_set_id_namespace(is->run, is->rank, &err);
        run_set_auto_checkpoint(is->run, false);
    }
    petri_free(sets, ((size_t)a->override_count + 1) * sizeof *sets);
    int rc = 0;
    if (any_rank(s != PETRI_OK)) {
        if (s != PETRI_OK) {
            fprintf(stderr, "island %d: ", is->rank);
            error_print(&err, stderr);
        }
        rc = 2;
    } else {
        log_info("islands %s: %d islands, %d generations, migrating %d genomes every %d, "
                 "writing to %s",
                 def->name, is->size, (int)run_stats(is->run)->target, def->islands.migrants,
                 def->islands.migration_interval, is->top);
        rc = island_loop(is);
    }
    petri_free(def, sizeof *def);
    return rc;
}

static int islands_resume(Island *is, const IslandsArgs *a)
{
    PetriError err;
    error_clear(&err);
    snprintf(is->top, sizeof is->top, "%s", a->dir);
    island_dir(is);
    char path[ISLANDS_TOP_CAP + 32];
    snprintf(path, sizeof path, "%s/%s", is->top, ISLANDS_FILE);
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
    int k = root != NULL ? (int)json_number_value(json_object_get(root, "islands")) : -1;
    if (root != NULL) {
        /* The exact seed from the text: a JSON number may exceed a double. */
        json_decref(root);
        char *text = NULL;
        size_t len = 0;
        if (file_read_all(path, 1 << 16, &text, &len, &err) == PETRI_OK) {
            const char *at = strstr(text, "\"seed\": ");
            is->seed = at != NULL ? strtoull(at + 8, NULL, 10) : 0;
            petri_free(text, len + 1);
        }
    }
    if (k != is->size) {
        if (is->rank == 0) {
            if (k < 0) {
                fprintf(stderr, "petri resume: error: %s: cannot read it: %s\n", path, jerr.text);
            } else {
                fprintf(stderr,
                        "petri resume: error: %s holds %d islands; resume it with "
                        "`mpirun -np %d petri resume %s`\n",
                        is->top, k, k, is->top);
            }
        }
        return 2;
    }
    RunOptions opt = run_default_options();
    opt.generations = a->generations;
    PetriStatus s = run_resume(is->dir, &opt, &is->run, &err);
    if (s == PETRI_OK) {
        s = run_set_id_namespace(is->run, is->rank, &err);
        run_set_auto_checkpoint(is->run, false);
    }
    if (any_rank(s != PETRI_OK)) {
        if (s != PETRI_OK) {
            fprintf(stderr, "island %d: ", is->rank);
            error_print(&err, stderr);
        }
        return 2;
    }
    const char *reason = NULL;
    if (any_rank(run_done(is->run, &reason))) {
        if (is->rank == 0) {
            printf("%s: every island is at its target or stopped (%s); nothing to do, nothing "
                   "changed. Give a higher target with --generations N to go on.\n",
                   is->top, reason != NULL ? reason : "done");
        }
        return 0;
    }
    log_info("resuming %d islands of %s at generation %llu", is->size, is->top,
             (unsigned long long)run_stats(is->run)->generation);
    return island_loop(is);
}

int islands_main(const IslandsArgs *a)
{
    Island is;
    memset(&is, 0, sizeof is);
    int rc = islands_begin(&is);
    if (rc == 0) {
        rc = a->resume ? islands_resume(&is, a) : islands_run(&is, a);
    }
    return islands_end(&is, rc);
}
