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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmp[256];
static char config[512];
static const char *petri;

static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

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
    petri = getenv("PETRI_BIN");
    if (petri == NULL) {
        petri = "build/release/petri";
    }
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

/* Starts `petri run` into dir in the background and returns once its
 * first checkpoint exists (or after 5 s), so a signal lands mid-run. */
static pid_t start_run(const char *dir, const char *generations)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(petri, petri, "run", config, "--out", dir, "--generations", generations,
              "--quiet", (char *)NULL);
        _exit(127);
    }
    char latest[700];
    snprintf(latest, sizeof latest, "%s/checkpoints/LATEST", dir);
    for (int i = 0; i < 5000 && access(latest, F_OK) != 0; ++i) {
        usleep(1000);
    }
    return pid;
}

static void test_sigkill_then_resume_equals_straight(void **state)
{
    (void)state;
    run_to("straight-k", "--generations 6");
    /* Kill at several moments; every resume must end where the straight
     * run ends. */
    for (int attempt = 0; attempt < 3; ++attempt) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/killed%d", tmp, attempt);
        /* After the first checkpoint, then a little later each time. */
        pid_t pid = start_run(dir, "6");
        usleep((useconds_t)(attempt * 7000));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_int_equal(sh("%s resume %s --generations 6 --quiet >/dev/null 2>&1", petri, dir),
                         0);
        char name[64];
        snprintf(name, sizeof name, "killed%d", attempt);
        check_same("straight-k", name);
    }
}

static void test_sigterm_checkpoints_and_exits_cleanly(void **state)
{
    (void)state;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/termed", tmp);
    pid_t pid = start_run(dir, "1000");
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 130);
    char path[700];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *s = slurp(path);
    assert_non_null(s);
    assert_non_null(strstr(s, "\"stop_reason\": \"signal (SIGTERM)\""));
    free(s);
    /* And it resumes. */
    assert_int_equal(sh("%s resume %s --generations 8 --quiet >/dev/null 2>&1", petri, dir), 0);
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
                        "hidden_nodes_max,connections_max,wall_s\n",
                        strlen("generation,population,count,fitness_max,fitness_mean,"
                               "fitness_median,species,hidden_nodes_mean,connections_mean,"
                               "births,deaths,food,reseeds,hidden_nodes_max,connections_max,"
                               "wall_s\n"));
    /* 2 generations x 2 populations, 16 columns each. */
    int lines = 0;
    for (char *line = strchr(s, '\n') + 1; *line; ++lines) {
        int commas = 0;
        char *end = strchr(line, '\n');
        assert_non_null(end);
        for (char *c = line; c < end; ++c) {
            commas += *c == ',';
        }
        assert_int_equal(commas, 15);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_give_identical_runs),
        cmocka_unit_test(test_stop_and_resume_equals_straight),
        cmocka_unit_test(test_sigkill_then_resume_equals_straight),
        cmocka_unit_test(test_sigterm_checkpoints_and_exits_cleanly),
        cmocka_unit_test(test_corrupt_checkpoint_is_refused),
        cmocka_unit_test(test_outputs_parse),
        cmocka_unit_test(test_stop_condition_and_sexual_births),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
