/* `petri run` and `petri resume` as a user runs them: the same state hash
 * and stats.csv at 1, 2 and 3 threads for both modes; 6 generations
 * straight equal 3, stop, resume to 6; a run killed with SIGKILL and
 * resumed equals one never interrupted; SIGTERM writes a checkpoint and
 * exits cleanly; corrupt checkpoints are refused; outputs parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

static char tmp[256];
static char config[512];
static const char *petri;

/* stats.csv without its last column (wall_s): what must repeat. */
static char *stats_without_time(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    char *s = slurp(path);
    assert_non_null(s);
    char *out = malloc(strlen(s) + 1), *o = out;
    for (char *line = s; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *comma = NULL;
        for (size_t i = 0; i < len; ++i) {
            if (line[i] == ',') {
                comma = line + i;
            }
        }
        size_t keep = comma ? (size_t)(comma - line) : len;
        memcpy(o, line, keep);
        o += keep;
        *o++ = '\n';
        line = end ? end + 1 : line + len;
    }
    *o = '\0';
    free(s);
    return out;
}

static void state_hash(const char *dir, char out[32])
{
    char path[600];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *s = slurp(path);
    assert_non_null(s);
    char *h = strstr(s, "\"state_hash\": \"");
    assert_non_null(h);
    h += strlen("\"state_hash\": \"");
    memcpy(out, h, 16);
    out[16] = '\0';
    free(s);
}

static int setup(void **state)
{
    (void)state;
    petri = petri_bin();
    snprintf(tmp, sizeof tmp, "/tmp/petri_test_run_XXXXXX");
    if (mkdtemp(tmp) == NULL) {
        return -1;
    }
    snprintf(config, sizeof config, "%s/small.yaml", tmp);
    FILE *f = fopen(config, "w");
    fprintf(f, "name: small\n"
               "seed: 7\n"
               "world:\n  size: [64, 64]\n"
               "populations:\n"
               "  - name: prey\n    count: 24\n"
               "  - name: hunters\n    count: 8\n"
               "evolution:\n  generations: 6\n  episodes: 2\n  episode_ticks: 50\n"
               "  epoch_ticks: 50\n  checkpoint_every: 1\n  floor: 4\n");
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return sh("rm -rf '%s'", tmp) == 0 ? 0 : -1;
}

static void run_to(const char *name, const char *extra)
{
    assert_int_equal(sh("%s run %s --out %s/%s --quiet %s >/dev/null 2>&1", petri, config, tmp,
                        name, extra),
                     0);
}

/* The logs of generation champions of runs a and b: both missing (open-
 * ended), or byte for byte the same. */
static void check_same_champions(const char *da, const char *db)
{
    static const char *const pops[] = {"prey", "hunters"};
    for (int p = 0; p < 2; ++p) {
        char pa[700], pb[700];
        snprintf(pa, sizeof pa, "%s/champions/generations/%s.champions", da, pops[p]);
        snprintf(pb, sizeof pb, "%s/champions/generations/%s.champions", db, pops[p]);
        assert_int_equal(access(pa, F_OK) == 0, access(pb, F_OK) == 0);
        if (access(pa, F_OK) == 0) {
            assert_int_equal(sh("cmp -s '%s' '%s'", pa, pb), 0);
        }
    }
}

static void check_same(const char *a, const char *b)
{
    char da[600], db[600], ha[32], hb[32];
    snprintf(da, sizeof da, "%s/%s", tmp, a);
    snprintf(db, sizeof db, "%s/%s", tmp, b);
    state_hash(da, ha);
    state_hash(db, hb);
    assert_string_equal(ha, hb);
    char *sa = stats_without_time(da), *sb = stats_without_time(db);
    assert_string_equal(sa, sb);
    free(sa);
    free(sb);
    check_same_champions(da, db);
}

static void test_threads_give_identical_runs(void **state)
{
    (void)state;
    static const char *modes[] = {"generational", "open_ended"};
    for (int m = 0; m < 2; ++m) {
        char extra[128], name[64], first[64];
        for (int t = 1; t <= 3; ++t) {
            snprintf(extra, sizeof extra, "--threads %d --set evolution.mode=%s", t, modes[m]);
            snprintf(name, sizeof name, "%s-t%d", modes[m], t);
            run_to(name, extra);
            if (t == 1) {
                snprintf(first, sizeof first, "%s", name);
            } else {
                check_same(first, name);
            }
        }
    }
}

static void test_stop_and_resume_equals_straight(void **state)
{
    (void)state;
    run_to("straight", "");
    run_to("split", "--generations 3");
    assert_int_equal(sh("%s resume %s/split --generations 6 --quiet >/dev/null 2>&1", petri, tmp),
                     0);
    check_same("straight", "split");
}

/* Starts `petri run` into dir in the background (extra: one more flag or
 * NULL; its output to log, or NULL) and returns once its first checkpoint
 * exists (or after 5 s). */
static pid_t start_run_logged(const char *dir, const char *generations, const char *extra,
                              const char *log)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen(log != NULL ? log : "/dev/null", "w", stdout);
        dup2(fileno(stdout), 2);
        execl(petri, petri, "run", config, "--out", dir, "--generations", generations,
              "--quiet", extra, (char *)NULL);
        _exit(127);
    }
    char latest[700];
    snprintf(latest, sizeof latest, "%s/checkpoints/LATEST", dir);
    for (int i = 0; i < 5000 && access(latest, F_OK) != 0; ++i) {
        usleep(1000);
    }
    return pid;
}

static pid_t start_run(const char *dir, const char *generations)
{
    return start_run_logged(dir, generations, NULL, NULL);
}

/* Waits (up to 20 s) until dir/stats.csv holds the rows of generation
 * gen, which are flushed with that generation's checkpoint. */
static bool wait_for_generation(const char *dir, int gen)
{
    char path[700], row[32];
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    snprintf(row, sizeof row, "\n%d,", gen);
    for (int i = 0; i < 20000; ++i) {
        char *s = slurp(path);
        bool found = s != NULL && strstr(s, row) != NULL;
        free(s);
        if (found) {
            return true;
        }
        usleep(1000);
    }
    return false;
}

static void test_sigkill_then_resume_equals_straight(void **state)
{
    (void)state;
    run_to("straight-k", "--generations 6");
    /* Kill right after generation 1, 2 and 3 are written; every resume
     * must end where the straight run ends. */
    for (int attempt = 0; attempt < 3; ++attempt) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/killed%d", tmp, attempt);
        pid_t pid = start_run(dir, "6");
        assert_true(wait_for_generation(dir, attempt + 1));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        /* Killed by the signal: it was still running when it landed. */
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
        assert_int_equal(sh("%s resume %s --generations 6 --quiet >/dev/null 2>&1", petri, dir),
                         0);
        char name[64];
        snprintf(name, sizeof name, "killed%d", attempt);
        check_same("straight-k", name);
    }
    /* Checkpoints every 3 generations: a kill lands among generations
     * whose champions are in the logs but not in a checkpoint; the
     * resumed run cuts them back and writes them again, and every
     * generation's champion is there once, as in the straight run. */
    run_to("straight-k3", "--generations 8 --set evolution.checkpoint_every=3");
    char dir[600], log[700];
    snprintf(dir, sizeof dir, "%s/killed-k3", tmp);
    pid_t pid = start_run_logged(dir, "8", "--set=evolution.checkpoint_every=3", NULL);
    assert_true(wait_for_generation(dir, 4));
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(sh("%s resume %s --generations 8 --quiet >/dev/null 2>&1", petri, dir), 0);
    snprintf(log, sizeof log, "%s/champions/generations/prey.champions", dir);
    assert_int_equal(access(log, R_OK), 0);
    check_same("straight-k3", "killed-k3");
}

/* SIGINT, SIGTERM and SIGHUP each write a checkpoint and exit 130; the
 * closing line says why in words ("stopped: signal (SIGTERM)"). */
static void check_signal_stops(int sig, const char *name, const char *reason)
{
    char dir[600], log[700];
    snprintf(dir, sizeof dir, "%s/%s", tmp, name);
    snprintf(log, sizeof log, "%s/%s.log", tmp, name);
    pid_t pid = start_run_logged(dir, "1000", NULL, log);
    assert_true(wait_for_generation(dir, 1));
    kill(pid, sig);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);
    char path[700];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *s = slurp(path);
    assert_non_null(s);
    char want[128];
    snprintf(want, sizeof want, "\"stop_reason\": \"%s\"", reason);
    assert_non_null(strstr(s, want));
    free(s);
    s = slurp(log);
    assert_non_null(s);
    snprintf(want, sizeof want, ", stopped: %s, ", reason);
    assert_non_null(strstr(s, want));
    free(s);
    /* And it resumes. */
    assert_int_equal(sh("%s resume %s --generations 8 --quiet >/dev/null 2>&1", petri, dir), 0);
}

static void test_sigterm_checkpoints_and_exits_cleanly(void **state)
{
    (void)state;
    check_signal_stops(SIGTERM, "termed", "signal (SIGTERM)");
    check_signal_stops(SIGINT, "interrupted", "interrupted (SIGINT)");
    check_signal_stops(SIGHUP, "hupped", "signal (SIGHUP)");
}

/* A storm of SIGUSR1 (one every millisecond for half a second): the
 * calls on the checkpoint path are interrupted again and again, and still
 * the run writes its checkpoint, exits 130, and resumes. */
static void test_signal_storm_still_checkpoints(void **state)
{
    (void)state;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/storm", tmp);
    pid_t pid = start_run(dir, "1000");
    assert_true(wait_for_generation(dir, 1));
    for (int i = 0; i < 500; ++i) {
        if (kill(pid, SIGUSR1) != 0) {
            break;
        }
        usleep(1000);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);
    char path[700];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *s = slurp(path);
    assert_non_null(s);
    assert_non_null(strstr(s, "\"stop_reason\": \"signal (SIGUSR1)\""));
    free(s);
    assert_int_equal(sh("%s resume %s --generations 4 --quiet >/dev/null 2>&1", petri, dir), 0);
}

static void test_corrupt_checkpoint_is_refused(void **state)
{
    (void)state;
    run_to("corrupt", "--generations 4");
    char dir[600], latest[700], log[700];
    snprintf(dir, sizeof dir, "%s/corrupt", tmp);
    snprintf(latest, sizeof latest, "%s/checkpoints/ckpt-00000004.bin", dir);
    snprintf(log, sizeof log, "%s/corrupt.log", tmp);
    /* Flip one byte in the middle. */
    FILE *f = fopen(latest, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, n / 2, SEEK_SET);
    int c = fgetc(f);
    fseek(f, n / 2, SEEK_SET);
    fputc(c ^ 0x55, f);
    fclose(f);
    assert_int_equal(sh("%s resume %s --generations 6 >%s 2>&1", petri, dir, log), 2);
    char *out = slurp(log);
    assert_non_null(strstr(out, "ckpt-00000004.bin: error: CRC mismatch"));
    assert_non_null(strstr(out, "ckpt-00000003.bin is intact"));
    free(out);
    /* The offered checkpoint works. */
    assert_int_equal(sh("%s resume %s --checkpoint %s/checkpoints/ckpt-00000003.bin "
                        "--generations 6 --quiet >/dev/null 2>&1",
                        petri, dir, dir),
                     0);
    /* A truncated checkpoint is refused too. */
    assert_int_equal(sh("truncate -s 20 %s/checkpoints/ckpt-00000006.bin && %s resume %s "
                        "--checkpoint %s/checkpoints/ckpt-00000006.bin >%s 2>&1",
                        dir, petri, dir, dir, log),
                     2);
    out = slurp(log);
    assert_non_null(strstr(out, "truncated or wrong length"));
    free(out);
}

static void test_outputs_parse(void **state)
{
    (void)state;
    run_to("outputs", "--generations 2");
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/outputs", tmp);
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    char *s = slurp(path);
    assert_non_null(s);
    assert_memory_equal(s,
                        "generation,population,count,fitness_max,fitness_mean,fitness_median,"
                        "species,hidden_nodes_mean,connections_mean,births,deaths,food,reseeds,"
                        "hidden_nodes_max,connections_max,behaviour_spread,novelty,wall_s\n",
                        strlen("generation,population,count,fitness_max,fitness_mean,"
                               "fitness_median,species,hidden_nodes_mean,connections_mean,"
                               "births,deaths,food,reseeds,hidden_nodes_max,connections_max,"
                               "behaviour_spread,novelty,wall_s\n"));
    /* 2 generations x 2 populations, 18 columns each. */
    int lines = 0;
    for (char *line = strchr(s, '\n') + 1; *line; ++lines) {
        int commas = 0;
        char *end = strchr(line, '\n');
        assert_non_null(end);
        for (char *c = line; c < end; ++c) {
            commas += *c == ',';
        }
        assert_int_equal(commas, 17);
        line = end + 1;
    }
    assert_int_equal(lines, 4);
    free(s);
    static const char *files[] = {"config.yaml",      "meta.json",        "species.csv",
                                  "lineage.csv",      "summary.json",     "champions/prey-best.json",
                                  "champions/prey-best.bin", "champions/prey-best.dot"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        assert_int_equal(access(path, R_OK), 0);
    }
    /* JSON files parse (python3's json module, where present). */
    if (sh("command -v python3 >/dev/null") == 0) {
        assert_int_equal(sh("python3 -c 'import json,sys; [json.load(open(p)) for p in "
                            "sys.argv[1:]]' %s/summary.json %s/meta.json "
                            "%s/champions/prey-best.json",
                            dir, dir, dir),
                         0);
    }
    /* The effective config loads back. */
    assert_int_equal(sh("%s check %s/config.yaml >/dev/null", petri, dir), 0);
    /* An existing run folder is not overwritten. */
    assert_int_equal(sh("%s run %s --out %s --quiet >/dev/null 2>&1", petri, config, dir), 2);
}

/* A stop condition on the statistics ends the run, and the reason is
 * recorded; sexual reproduction in the open-ended world records both
 * parents. */
static void test_stop_condition_and_sexual_births(void **state)
{
    (void)state;
    run_to("stopped", "--set 'stop.when=prey.fitness_max > 0 and generation >= 2'");
    char path[700];
    snprintf(path, sizeof path, "%s/stopped/summary.json", tmp);
    char *s = slurp(path);
    assert_non_null(s);
    assert_non_null(strstr(s, "\"stop_reason\": \"stop.when\""));
    assert_non_null(strstr(s, "\"generations\": 2,"));
    free(s);

    run_to("sexual", "--set evolution.mode=open_ended --set evolution.reproduction=sexual "
                     "--set evolution.epoch_ticks=300 --set populations.0.energy.reproduce=20 "
                     "--generations 2");
    snprintf(path, sizeof path, "%s/sexual/lineage.csv", tmp);
    s = slurp(path);
    assert_non_null(s);
    /* A birth row with a mate: "...,birth,prey,ID,PARENT,MATE,,". */
    int with_mate = 0;
    for (char *line = strstr(s, ",birth,"); line != NULL; line = strstr(line + 1, ",birth,")) {
        int id, a, b;
        if (sscanf(line, ",birth,prey,%d,%d,%d,", &id, &a, &b) == 3 && a != b) {
            with_mate++;
        }
    }
    assert_true(with_mate > 0);
    free(s);
}

/* Runs argv (argv[0] is looked up in PATH) in folder cwd with output to
 * log (may be NULL); the exit status. No shell: the names may hold
 * anything. */
static int run_in(const char *cwd, const char *log, const char *const *argv)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (chdir(cwd) != 0) {
            _exit(126);
        }
        freopen(log != NULL ? log : "/dev/null", "w", stdout);
        dup2(fileno(stdout), 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Are the two folders' files byte for byte the same (the lock file, which
 * holds the PID of the last process that held the folder, aside)? */
static bool same_tree(const char *a, const char *b)
{
    return sh("diff -r -x lock '%s' '%s' >/dev/null 2>&1", a, b) == 0;
}

/* A second process can neither run nor resume into a folder in use; the
 * error names the PID that holds it. */
static void test_second_process_is_locked_out(void **state)
{
    (void)state;
    char dir[600], log[700], pid_text[32];
    snprintf(dir, sizeof dir, "%s/busy", tmp);
    snprintf(log, sizeof log, "%s/busy.log", tmp);
    pid_t pid = start_run(dir, "1000");
    assert_true(wait_for_generation(dir, 1));
    snprintf(pid_text, sizeof pid_text, "PID %ld", (long)pid);
    assert_int_equal(sh("%s resume %s --quiet >%s 2>&1", petri, dir, log), 2);
    char *out = slurp(log);
    assert_non_null(strstr(out, "in use by another petri process"));
    assert_non_null(strstr(out, pid_text));
    free(out);
    assert_int_equal(sh("%s run %s --out %s --force --quiet >%s 2>&1", petri, config, dir, log),
                     2);
    out = slurp(log);
    assert_true(strstr(out, pid_text) != NULL || strstr(out, "already holds a run") != NULL);
    free(out);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);
    /* Once it has ended, the folder is free again. */
    assert_int_equal(sh("%s resume %s --generations 3 --quiet >/dev/null 2>&1", petri, dir), 0);
}

/* `petri resume A --checkpoint B/...` with B another run: refused, and
 * not a byte of A changes. */
static void test_checkpoint_of_another_run_is_refused(void **state)
{
    (void)state;
    run_to("ida", "--generations 3");
    run_to("idb", "--generations 4");
    char a[600], copy[600], log[700];
    snprintf(a, sizeof a, "%s/ida", tmp);
    snprintf(copy, sizeof copy, "%s/ida-before", tmp);
    snprintf(log, sizeof log, "%s/id.log", tmp);
    assert_int_equal(sh("cp -a %s %s", a, copy), 0);
    assert_int_equal(sh("%s resume %s --checkpoint %s/idb/checkpoints/ckpt-00000004.bin "
                        "--generations 6 >%s 2>&1",
                        petri, a, tmp, log),
                     2);
    char *out = slurp(log);
    assert_non_null(strstr(out, "belongs to another run"));
    free(out);
    assert_true(same_tree(a, copy));
    /* meta.json, every checkpoint and summary.json carry the same id. */
    char path[700];
    snprintf(path, sizeof path, "%s/meta.json", a);
    char *meta = slurp(path);
    snprintf(path, sizeof path, "%s/summary.json", a);
    char *summary = slurp(path);
    char *at = strstr(meta, "\"run_id\": \"");
    assert_non_null(at);
    char id[40];
    memcpy(id, at, 28);
    id[28] = '\0';
    assert_non_null(strstr(summary, id));
    free(meta);
    free(summary);
}

/* --out onto a folder that holds something else: refused without
 * --force, which writes into it and leaves the other files alone. */
static void test_out_onto_a_non_empty_folder_needs_force(void **state)
{
    (void)state;
    char dir[600], log[700], path[700];
    snprintf(dir, sizeof dir, "%s/notes", tmp);
    snprintf(log, sizeof log, "%s/notes.log", tmp);
    assert_int_equal(sh("mkdir -p %s && echo mine > %s/notes.txt && echo 1,2 > %s/stats.csv",
                        dir, dir, dir),
                     0);
    assert_int_equal(
        sh("%s run %s --out %s --generations 2 --quiet >%s 2>&1", petri, config, dir, log), 2);
    char *out = slurp(log);
    assert_non_null(strstr(out, "is not empty"));
    assert_non_null(strstr(out, "--force"));
    free(out);
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    out = slurp(path);
    assert_string_equal(out, "1,2\n");
    free(out);
    assert_int_equal(
        sh("%s run %s --out=%s --generations=2 --force -q >/dev/null 2>&1", petri, config, dir),
        0);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    out = slurp(path);
    assert_string_equal(out, "mine\n");
    free(out);
}

/* A config that check refuses for a limit between keys (a sense range
 * longer than half a 16x16 world) is refused by run the same way, located
 * and naming the keys, before any folder exists: no stub folder is left,
 * neither at --out nor at the default output.dir/NAME. */
static void test_refused_config_leaves_no_folder(void **state)
{
    (void)state;
    char dir[600], out_dir[600], log[700];
    snprintf(dir, sizeof dir, "%s/refused", tmp);
    snprintf(out_dir, sizeof out_dir, "%s/refused-default", tmp);
    snprintf(log, sizeof log, "%s/refused.log", tmp);
    const char *bad = "--set world.size=[16,16] --set populations.0.senses.range=1000";
    assert_int_equal(sh("%s check %s %s >%s 2>&1", petri, config, bad, log), 2);
    char *out = slurp(log);
    assert_non_null(strstr(out, "--set populations.0.senses.range=1000: error: "
                                "'populations.0.senses.range' is 1000"));
    assert_non_null(strstr(out, "'world.size' [16, 16]"));
    free(out);
    assert_int_equal(sh("%s run %s %s --out %s --quiet >%s 2>&1", petri, config, bad, dir, log),
                     2);
    out = slurp(log);
    assert_non_null(strstr(out, "'populations.0.senses.range' is 1000"));
    free(out);
    assert_int_equal(sh("test -e %s", dir), 1);
    assert_int_equal(sh("%s run %s %s --set output.dir=%s --quiet >%s 2>&1", petri, config, bad,
                        out_dir, log),
                     2);
    assert_int_equal(sh("test -e %s", out_dir), 1);
}

/* Resuming a run that is done (at its target, or ended by its stop
 * condition) says so, exits 0 and changes nothing. */
static void test_resume_of_a_finished_run_changes_nothing(void **state)
{
    (void)state;
    run_to("done", "--generations 2");
    run_to("done-stop", "--set 'stop.when=generation >= 2'");
    static const char *names[] = {"done", "done-stop"};
    for (int i = 0; i < 2; ++i) {
        char dir[600], copy[600], log[700];
        snprintf(dir, sizeof dir, "%s/%s", tmp, names[i]);
        snprintf(copy, sizeof copy, "%s/%s-before", tmp, names[i]);
        snprintf(log, sizeof log, "%s/%s.log", tmp, names[i]);
        assert_int_equal(sh("cp -a %s %s", dir, copy), 0);
        assert_int_equal(sh("%s resume %s >%s 2>&1", petri, dir, log), 0);
        char *out = slurp(log);
        assert_non_null(strstr(out, "nothing changed"));
        free(out);
        assert_true(same_tree(dir, copy));
    }
    /* A target below where the run is: "past" it, and nothing changes. */
    char dir[600], copy[600], log[700];
    snprintf(dir, sizeof dir, "%s/done", tmp);
    snprintf(copy, sizeof copy, "%s/done-before", tmp);
    snprintf(log, sizeof log, "%s/done-past.log", tmp);
    assert_int_equal(sh("%s resume %s --generations 1 >%s 2>&1", petri, dir, log), 0);
    char *out = slurp(log);
    assert_non_null(strstr(out, "already past its target (generation 2, target 1); nothing to do, "
                                "nothing changed"));
    free(out);
    assert_true(same_tree(dir, copy));
}

/* A FIFO as checkpoints/LATEST is refused at once (no hang), and a file
 * given as the run folder is named as such. */
static void test_strange_files_are_refused(void **state)
{
    (void)state;
    run_to("fifo", "--generations 2");
    char dir[600], log[700];
    snprintf(dir, sizeof dir, "%s/fifo", tmp);
    snprintf(log, sizeof log, "%s/fifo.log", tmp);
    assert_int_equal(sh("rm %s/checkpoints/LATEST && mkfifo %s/checkpoints/LATEST", dir, dir), 0);
    assert_int_equal(
        sh("timeout 20 %s resume %s --generations 3 >%s 2>&1", petri, dir, log), 2);
    char *out = slurp(log);
    assert_non_null(strstr(out, "LATEST: error: not a regular file"));
    free(out);
    assert_int_equal(sh("%s resume %s/summary.json >%s 2>&1", petri, dir, log), 2);
    out = slurp(log);
    assert_non_null(strstr(out, "is a file, not a run folder"));
    free(out);
}

/* Run folders named with quotes, spaces, ';', '$()' and UTF-8 work end to
 * end (plots included), and no part of a name is ever run as a command.
 * gnuplot-nox comes with `make deps` and `make test`. */
static void test_odd_folder_names_are_safe(void **state)
{
    (void)state;
    if (sh("command -v gnuplot >/dev/null") != 0) {
        fail_msg("gnuplot is not installed: `make deps` installs gnuplot-nox");
    }
    static const char *names[] = {
        "x';touch PWNED;'",
        "we ird \"q\" $(touch PWNED2) `touch PWNED3` ; touch PWNED4 \xc3\xa9t\xc3\xa9",
    };
    char cwd[600], exe[4096];
    snprintf(cwd, sizeof cwd, "%s/odd", tmp);
    assert_int_equal(sh("mkdir -p %s", cwd), 0);
    assert_non_null(realpath(petri, exe));
    for (int i = 0; i < 2; ++i) {
        const char *argv[] = {exe, "run", config, "--out", names[i], "--generations", "2",
                              "--quiet", NULL};
        assert_int_equal(run_in(cwd, NULL, argv), 0);
        char path[1400];
        snprintf(path, sizeof path, "%s/%s/plots/fitness.png", cwd, names[i]);
        assert_int_equal(access(path, R_OK), 0);
        snprintf(path, sizeof path, "%s/%s", cwd, names[i]);
        const char *resume[] = {exe, "resume", path, "--generations", "3", "-q", NULL};
        assert_int_equal(run_in(cwd, NULL, resume), 0);
    }
    static const char *pwned[] = {"PWNED", "PWNED2", "PWNED3", "PWNED4"};
    for (int i = 0; i < 4; ++i) {
        char path[700];
        snprintf(path, sizeof path, "%s/%s", cwd, pwned[i]);
        assert_int_not_equal(access(path, F_OK), 0);
        snprintf(path, sizeof path, "%s/%s", tmp, pwned[i]);
        assert_int_not_equal(access(path, F_OK), 0);
    }
}

/* Flags: --flag=value and --flag value alike; -h everywhere; one style of
 * error; wording of the summary line. */
static void test_flags_and_wording(void **state)
{
    (void)state;
    char log[700];
    snprintf(log, sizeof log, "%s/flags.log", tmp);
    assert_int_equal(sh("%s run %s --out=%s/eq --generations=1 --threads=2 >%s 2>&1", petri,
                        config, tmp, log),
                     0);
    char *out = slurp(log);
    assert_non_null(strstr(out, ": 1 generation, stopped: reached its target"));
    free(out);
    /* `petri help bench` lists the scenarios it can run. */
    assert_int_equal(sh("%s help bench >%s 2>&1", petri, log), 0);
    out = slurp(log);
    static const char *scenarios[] = {"standard-3k", "crowd-100k", "crowd-1m", "busy"};
    assert_non_null(strstr(out, "scenarios:"));
    for (int i = 0; i < 4; ++i) {
        assert_non_null(strstr(out, scenarios[i]));
    }
    free(out);
    static const char *cmds[] = {"run", "resume", "check"};
    for (int i = 0; i < 3; ++i) {
        assert_int_equal(sh("%s %s -h >%s 2>&1", petri, cmds[i], log), 0);
        out = slurp(log);
        assert_non_null(strstr(out, "usage: petri"));
        free(out);
        assert_int_equal(sh("%s %s x --bogus >%s 2>&1", petri, cmds[i], log), 2);
        out = slurp(log);
        assert_non_null(strstr(out, "unknown option '--bogus'"));
        free(out);
    }
    assert_int_equal(sh("%s run %s --threads >%s 2>&1", petri, config, log), 2);
    out = slurp(log);
    assert_non_null(strstr(out, "option '--threads' needs a value"));
    free(out);
    /* More threads than cores: a warning, and the run goes on. 512 is
     * above the cores of any machine this runs on, and far cheaper to
     * start than 4096 threads. */
    assert_int_equal(sh("%s run %s --out %s/many --generations 1 --threads 512 >%s 2>&1", petri,
                        config, tmp, log),
                     0);
    out = slurp(log);
    assert_non_null(strstr(out, "warning: --threads 512 is more than the"));
    free(out);
}

/* Writes text to path atomically (a temporary file renamed over it), as
 * an editor saves. */
static void write_atomically(const char *path, const char *text)
{
    char part[800];
    snprintf(part, sizeof part, "%s.part", path);
    FILE *f = fopen(part, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(part, path), 0);
}

static int count_lines_of(const char *path)
{
    char *s = slurp(path);
    int n = 0;
    for (char *p = s; p != NULL && *p; ++p) {
        n += *p == '\n';
    }
    free(s);
    return n;
}

/* Waits (up to 20 s) until path holds text. */
static bool wait_for_text(const char *path, const char *text)
{
    for (int i = 0; i < 20000; ++i) {
        char *s = slurp(path);
        bool found = s != NULL && strstr(s, text) != NULL;
        free(s);
        if (found) {
            return true;
        }
        usleep(1000);
    }
    return false;
}

/* `petri run --watch`: a changed config is applied between generations
 * (live keys), keys that need a restart are named and not applied, and a
 * config with errors is reported, located, while the run goes on. */
static void test_watch_applies_live_keys(void **state)
{
    (void)state;
    char cfg[600], dir[600], log[700], changes[700], stats[700];
    snprintf(cfg, sizeof cfg, "%s/watched.yaml", tmp);
    snprintf(dir, sizeof dir, "%s/watched", tmp);
    snprintf(log, sizeof log, "%s/watched.log", tmp);
    snprintf(changes, sizeof changes, "%s/changes.csv", dir);
    snprintf(stats, sizeof stats, "%s/stats.csv", dir);
    static const char body[] = "populations:\n"
                               "  - name: prey\n    count: 24\n"
                               "  - name: hunters\n    count: 8\n"
                               "evolution:\n  episodes: 2\n  episode_ticks: 50\n";
    char text[1024];
    snprintf(text, sizeof text, "name: small\nseed: 7\nworld:\n  size: [64, 64]\n%s", body);
    write_atomically(cfg, text);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen(log, "w", stderr);
        execl(petri, petri, "run", cfg, "--out", dir, "--generations", "100000", "--watch",
              (char *)NULL);
        _exit(127);
    }
    assert_true(wait_for_generation(dir, 1));
    /* A live key and a key that needs a restart. */
    snprintf(text, sizeof text,
             "name: small\nseed: 7\nworld:\n  size: [70, 64]\n  food:\n    regrowth: 0.05\n%s",
             body);
    write_atomically(cfg, text);
    assert_true(wait_for_text(changes, "\"world.food.regrowth\",\"0.01\",\"0.05\""));
    /* A config with errors: reported, located, and the run goes on. */
    snprintf(text, sizeof text, "name: small\nseed: banana\nworld:\n  size: [64, 64]\n%s", body);
    write_atomically(cfg, text);
    assert_true(wait_for_text(log, "watched.yaml:2:7: error: 'seed'"));
    int before = count_lines_of(stats);
    bool more = false;
    for (int i = 0; i < 20000 && !more; ++i) {
        more = count_lines_of(stats) > before;
        usleep(1000);
    }
    assert_true(more);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);
    assert_int_equal(count_lines_of(changes), 2); /* the header and the one live key */
    char *s = slurp(log);
    assert_non_null(strstr(s, "world.food.regrowth: 0.01 -> 0.05"));
    assert_non_null(strstr(s, "world.size: [64, 64] -> [70, 64] needs a restart"));
    free(s);
}

/* The reseed line of an open world counts in words that agree with the
 * numbers: one agent that neither dies nor breeds, and a floor of 3, is
 * "fell to 1 agent (floor 3): reseeded 2 ... (1 genome)"; two are "2
 * agents", "reseeded 1", "(2 genomes)". */
static void test_reseed_wording(void **state)
{
    (void)state;
    char cfg[600], log[700];
    snprintf(cfg, sizeof cfg, "%s/loner.yaml", tmp);
    snprintf(log, sizeof log, "%s/loner.log", tmp);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fprintf(f, "name: loner\nseed: 3\nworld:\n  size: [32, 32]\n"
               "populations:\n  - name: loner\n    count: 1\n    energy:\n"
               "      metabolism: 0\n      thrust_cost: 0\n      node_cost: 0\n"
               "      conn_cost: 0\n      attack_cost: 0\n      reproduce: 1000000000\n"
               "evolution:\n  mode: open_ended\n  epoch_ticks: 10\n  floor: 3\n"
               "  generations: 1\n");
    fclose(f);
    static const struct {
        const char *count, *want;
    } cases[] = {
        {"1", "petri: epoch 1: population 'loner' fell to 1 agent (floor 3): reseeded 2 from "
              "its hall of fame (1 genome)\n"},
        {"2", "petri: epoch 1: population 'loner' fell to 2 agents (floor 3): reseeded 1 from "
              "its hall of fame (2 genomes)\n"},
    };
    for (int i = 0; i < 2; ++i) {
        assert_int_equal(sh("%s run %s --set populations.0.count=%s --out %s/loner%d >%s 2>&1",
                            petri, cfg, cases[i].count, tmp, i, log),
                         0);
        char *out = slurp(log);
        assert_non_null(out);
        if (strstr(out, cases[i].want) == NULL) {
            fail_msg("want \"%s\" in:\n%s", cases[i].want, out);
        }
        free(out);
    }
}

/* Open-ended: every population dies in the first epoch (they starve in
 * 10 ticks). With a floor the populations are put back, the run says so
 * and goes on to its target; without one it stops, saying why. */
static void test_extinction_and_the_floor(void **state)
{
    (void)state;
    char cfg[600], log[700], path[700];
    snprintf(cfg, sizeof cfg, "%s/doom.yaml", tmp);
    snprintf(log, sizeof log, "%s/doom.log", tmp);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fprintf(f, "name: doom\nseed: 3\nworld:\n  size: [32, 32]\n"
               "populations:\n  - name: doomed\n    count: 4\n    energy:\n"
               "      start: 1\n      metabolism: 10\n"
               "evolution:\n  mode: open_ended\n  epoch_ticks: 10\n  floor: 3\n"
               "  generations: 3\n");
    fclose(f);
    static const struct {
        const char *floor, *want, *reason, *generations;
    } cases[] = {
        {"3",
         "petri: epoch 1: every population died out; evolution.floor (3) reseeds them and the "
         "run goes on\npetri: epoch 1: population 'doomed' fell to 0 agents (floor 3): "
         "reseeded 3 from its hall of fame",
         "\"stop_reason\": \"generations\"", "\"generations\": 3,"},
        {"0", "doom: 1 epoch, stopped: every population died out",
         "\"stop_reason\": \"extinction\"", "\"generations\": 1,"},
    };
    for (int i = 0; i < 2; ++i) {
        assert_int_equal(sh("%s run %s --set evolution.floor=%s --out %s/doom%d >%s 2>&1", petri,
                            cfg, cases[i].floor, tmp, i, log),
                         0);
        char *out = slurp(log);
        assert_non_null(out);
        if (strstr(out, cases[i].want) == NULL) {
            fail_msg("want \"%s\" in:\n%s", cases[i].want, out);
        }
        /* the floor's run never says it died out in its closing line */
        assert_int_equal(strstr(out, "stopped: every population died out") != NULL, i == 1);
        free(out);
        snprintf(path, sizeof path, "%s/doom%d/summary.json", tmp, i);
        char *summary = slurp(path);
        assert_non_null(summary);
        assert_non_null(strstr(summary, cases[i].reason));
        assert_non_null(strstr(summary, cases[i].generations));
        free(summary);
    }
    /* stats.csv: 0 alive at the end of epoch 1, 3 put back */
    snprintf(path, sizeof path, "%s/doom0/stats.csv", tmp);
    char *stats = slurp(path);
    assert_non_null(stats);
    assert_non_null(strstr(stats, "\n1,doomed,0,"));
    free(stats);
    snprintf(path, sizeof path, "%s/doom0/lineage.csv", tmp);
    assert_int_equal(sh("test $(grep -c ',reseed,,$' %s) -eq 9", path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_give_identical_runs),
        cmocka_unit_test(test_stop_and_resume_equals_straight),
        cmocka_unit_test(test_sigkill_then_resume_equals_straight),
        cmocka_unit_test(test_sigterm_checkpoints_and_exits_cleanly),
        cmocka_unit_test(test_signal_storm_still_checkpoints),
        cmocka_unit_test(test_corrupt_checkpoint_is_refused),
        cmocka_unit_test(test_outputs_parse),
        cmocka_unit_test(test_stop_condition_and_sexual_births),
        cmocka_unit_test(test_second_process_is_locked_out),
        cmocka_unit_test(test_checkpoint_of_another_run_is_refused),
        cmocka_unit_test(test_out_onto_a_non_empty_folder_needs_force),
        cmocka_unit_test(test_refused_config_leaves_no_folder),
        cmocka_unit_test(test_resume_of_a_finished_run_changes_nothing),
        cmocka_unit_test(test_strange_files_are_refused),
        cmocka_unit_test(test_odd_folder_names_are_safe),
        cmocka_unit_test(test_flags_and_wording),
        cmocka_unit_test(test_watch_applies_live_keys),
        cmocka_unit_test(test_reseed_wording),
        cmocka_unit_test(test_extinction_and_the_floor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
