/*
 * Sweeps and summaries: a sweep file expanded into runs (cartesian grid,
 * variants, replicates, seeds, folder names), a bad sweep file reported
 * with every error located, a small sweep run here with two jobs,
 * interrupted with SIGINT, run again to the end and compared with the
 * same sweep run straight, then summarized; the SLURM script checked line
 * by line, and run by hand as SLURM would run a task, warned with USR1
 * (with a stand-in `scontrol` on the PATH).
 *
 * Run from the repository root (tests/run_tests.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "experiments/summarize_internal.h"
#include "experiments/sweep_internal.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

extern char **environ;

static char tmp[256];

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Starts petri with args (NULL-terminated), output to tmp/NAME.out. */
static pid_t start_petri(const char *name, const char *const *args)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)petri_bin();
    for (; *args != NULL; ++args) {
        argv[n++] = (char *)*args;
    }
    argv[n] = NULL;
    char out[512];
    snprintf(out, sizeof out, "%s/%s.out", tmp, name);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

static int wait_status(pid_t pid)
{
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run_petri(const char *name, const char *const *args)
{
    return wait_status(start_petri(name, args));
}

static char *output_of(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.out", tmp, name);
    char *s = slurp(path);
    assert_non_null(s);
    return s;
}

/* A base config whose runs take a second or two. */
static const char tiny_config[] = "name: tiny\n"
                                  "world:\n  size: [64, 64]\n"
                                  "populations:\n  - name: prey\n    count: 16\n"
                                  "evolution:\n  generations: 60\n  episodes: 1\n"
                                  "  episode_ticks: 60\n  checkpoint_every: 10\n";

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/petri_test_sweep_XXXXXX");
    assert_non_null(mkdtemp(tmp));
    write_file(tmp, "tiny.yaml", tiny_config);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char *argv[] = {"rm", "-rf", tmp, NULL};
    pid_t pid;
    if (posix_spawnp(&pid, "rm", NULL, NULL, argv, environ) == 0) {
        waitpid(pid, NULL, 0);
    }
    return 0;
}

/* ------------------------------------------------------------ expansion */

static void test_expand(void **state)
{
    (void)state;
    write_file(tmp, "grid.yaml",
               "base: tiny.yaml\nreplicates: 2\nseed: 9\nout: grid-out\n"
               "grid:\n  populations.0.count: [12, 16]\n"
               "  evolution:\n    episode_ticks: [30, 40, 50]\n"
               "variants:\n  - {}\n  - world: {edges: walls}\n");
    char path[512];
    snprintf(path, sizeof path, "%s/grid.yaml", tmp);
    static Sweep sw;
    PetriError err;
    error_clear(&err);
    assert_int_equal(sweep_load(&sw, path, &err), PETRI_OK);
    /* 2 variants x (2 x 3) grid points x 2 replicates. */
    assert_int_equal(sw.run_count, 24);
    /* The last grid key varies fastest, replicates innermost. */
    const SweepRun *r = &sw.runs[0];
    assert_string_equal(r->name, "count=12_episode_ticks=30_r0");
    assert_string_equal(sw.runs[1].name, "count=12_episode_ticks=30_r1");
    assert_string_equal(sw.runs[2].name, "count=12_episode_ticks=40_r0");
    assert_string_equal(sw.runs[6].name, "count=16_episode_ticks=30_r0");
    assert_string_equal(sw.runs[12].name, "edges=walls_count=12_episode_ticks=30_r0");
    assert_int_equal(sw.runs[12].count, 3);
    assert_string_equal(sw.overrides[sw.runs[12].first]->key, "world.edges");
    assert_string_equal(sw.overrides[sw.runs[12].first]->value, "walls");
    /* Seeds: a function of (sweep seed, index) only, all different. */
    for (int i = 0; i < sw.run_count; ++i) {
        assert_int_equal(sw.runs[i].seed, sweep_run_seed(9, i));
        for (int j = 0; j < i; ++j) {
            assert_true(sw.runs[i].seed != sw.runs[j].seed);
            assert_true(strcmp(sw.runs[i].name, sw.runs[j].name) != 0);
        }
    }
    assert_true(sweep_run_seed(9, 0) != sweep_run_seed(10, 0));
    /* Run folders live in `out`, relative to the working folder. */
    char cwd[512], want[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(want, sizeof want, "%s/grid-out", cwd);
    assert_string_equal(sw.out_dir, want);
    sweep_fini(&sw);
}

static void test_names_are_safe(void **state)
{
    (void)state;
    write_file(tmp, "names.yaml",
               "base: tiny.yaml\nout: names-out\n"
               "grid:\n  stop.when: ['prey.fitness_max >= 10', "
               "'generation >= 20']\n");
    char path[512];
    snprintf(path, sizeof path, "%s/names.yaml", tmp);
    static Sweep sw;
    PetriError err;
    error_clear(&err);
    assert_int_equal(sweep_load(&sw, path, &err), PETRI_OK);
    assert_int_equal(sw.run_count, 2);
    for (int i = 0; i < sw.run_count; ++i) {
        const char *n = sw.runs[i].name;
        assert_true(strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                              "._+=-~") == strlen(n));
    }
    /* The value keeps its quotes for the override: a string with spaces. */
    assert_string_equal(sw.overrides[sw.runs[0].first]->value, "'prey.fitness_max >= 10'");
    assert_string_equal(sw.runs[0].name, "when=prey.fitness_max-=-10_r0");
    sweep_fini(&sw);
}

static void test_bad_sweep_located(void **state)
{
    (void)state;
    write_file(tmp, "bad.yaml",
               "base: tiny.yaml\n"
               "replicats: 2\n"
               "seed: -1\n"
               "grid:\n"
               "  populations.0.cont: [12, 16]\n"
               "  neat.add_conn_rate: [2, 0.5]\n"
               "  evolution.generations: []\n"
               "variants:\n"
               "  - world: {edges: wals}\n"
               "  - seed: 3\n");
    char path[512];
    snprintf(path, sizeof path, "%s/bad.yaml", tmp);
    const char *args[] = {"sweep", path, "--dry-run", NULL};
    assert_int_equal(run_petri("bad", args), 2);
    char *out = output_of("bad");
    /* Every error, each at its line and column. */
    const char *want[] = {
        "bad.yaml:2:1: error: unknown key 'replicats'; did you mean 'replicates'?",
        "bad.yaml:3:7: error: 'seed' must be an unsigned 64-bit integer, got '-1'",
        "bad.yaml:5:24: error: unknown key 'populations.0.cont'; did you mean "
        "'populations.0.count'?",
        "bad.yaml:6:24: error: 'neat.add_conn_rate' must be a number in [0, 1], got '2'",
        "bad.yaml:7:26: error: 'evolution.generations' has an empty list of values",
        "bad.yaml:9:20: error: 'world.edges' must be one of torus, walls, got 'wals'",
        "bad.yaml:10:11: error: each run's seed comes from the sweep's 'seed'",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i) {
        if (strstr(out, want[i]) == NULL) {
            fail_msg("missing \"%s\" in:\n%s", want[i], out);
        }
    }
    free(out);

    write_file(tmp, "nobase.yaml", "replicates: 2\n");
    snprintf(path, sizeof path, "%s/nobase.yaml", tmp);
    const char *args2[] = {"sweep", path, "--dry-run", NULL};
    assert_int_equal(run_petri("nobase", args2), 2);
    out = output_of("nobase");
    assert_non_null(strstr(out, "no 'base' config"));
    free(out);

    const char *args3[] = {"sweep", path, "--jobs=0", NULL};
    assert_int_equal(run_petri("badjobs", args3), 2);
    out = output_of("badjobs");
    assert_non_null(strstr(out, "--jobs takes a number"));
    free(out);
}

/* ------------------------------------------------------------ local runs */

static bool any_checkpoint(const char *out_dir)
{
    const char *names[] = {"count=12_r0", "count=16_r0"};
    for (int i = 0; i < 2; ++i) {
        char p[768];
        snprintf(p, sizeof p, "%s/%s/checkpoints/LATEST", out_dir, names[i]);
        if (access(p, F_OK) == 0) {
            return true;
        }
    }
    return false;
}

/* summary.json's state_hash of a run folder. */
static void state_hash(const char *dir, char *out, size_t cap)
{
    char p[768];
    snprintf(p, sizeof p, "%s/summary.json", dir);
    char *s = slurp(p);
    assert_non_null(s);
    const char *h = strstr(s, "\"state_hash\": \"");
    assert_non_null(h);
    h += strlen("\"state_hash\": \"");
    snprintf(out, cap, "%.16s", h);
    free(s);
}

static void test_local_interrupt_resume_summarize(void **state)
{
    (void)state;
    char sweep[512], straight[512], out_dir[512], straight_dir[512];
    snprintf(out_dir, sizeof out_dir, "%s/local", tmp);
    snprintf(straight_dir, sizeof straight_dir, "%s/straight", tmp);
    char text[1024];
    snprintf(text, sizeof text,
             "base: tiny.yaml\nseed: 5\nout: %s\ngrid:\n  populations.0.count: [12, 16]\n",
             out_dir);
    write_file(tmp, "local.yaml", text);
    snprintf(text, sizeof text,
             "base: tiny.yaml\nseed: 5\nout: %s\ngrid:\n  populations.0.count: [12, 16]\n",
             straight_dir);
    write_file(tmp, "straight.yaml", text);
    snprintf(sweep, sizeof sweep, "%s/local.yaml", tmp);
    snprintf(straight, sizeof straight, "%s/straight.yaml", tmp);

    /* Interrupted once both runs are under way and one has a checkpoint. */
    const char *args[] = {"sweep", sweep, "--jobs", "2", "--threads=1", NULL};
    pid_t pid = start_petri("local1", args);
    for (int i = 0; i < 4000 && !any_checkpoint(out_dir); ++i) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(any_checkpoint(out_dir));
    assert_int_equal(kill(pid, SIGINT), 0);
    int rc = wait_status(pid);
    char *out = output_of("local1");
    if (rc != 130) {
        fail_msg("the interrupted sweep exited %d:\n%s", rc, out);
    }
    assert_non_null(strstr(out, "run the same `petri sweep` again to finish"));
    free(out);

    /* The dry run sees what is left: no run is finished. */
    const char *dry[] = {"sweep", sweep, "--dry-run", NULL};
    assert_int_equal(run_petri("dry", dry), 0);
    out = output_of("dry");
    assert_null(strstr(out, "\tdone\t"));
    assert_true(strstr(out, "\tresume\t") != NULL);
    free(out);

    /* Again, to the end. */
    assert_int_equal(run_petri("local2", args), 0);
    out = output_of("local2");
    assert_non_null(strstr(out, "2 of 2 runs finished, 0 failed, 0 left"));
    free(out);
    /* A third time there is nothing to do. */
    assert_int_equal(run_petri("local3", args), 0);
    out = output_of("local3");
    assert_non_null(strstr(out, "2 finished already, 0 to resume, 0 to start"));
    free(out);

    /* Each run equals the same run done straight. */
    const char *args_straight[] = {"sweep", straight, "--jobs", "2", NULL};
    assert_int_equal(run_petri("straight", args_straight), 0);
    const char *names[] = {"count=12_r0", "count=16_r0"};
    for (int i = 0; i < 2; ++i) {
        char a[768], b[768], ha[32], hb[32];
        snprintf(a, sizeof a, "%s/%s", out_dir, names[i]);
        snprintf(b, sizeof b, "%s/%s", straight_dir, names[i]);
        state_hash(a, ha, sizeof ha);
        state_hash(b, hb, sizeof hb);
        assert_string_equal(ha, hb);
    }

    /* Summarized: one row per run, the overrides as columns. */
    const char *sum[] = {"summarize", out_dir, NULL};
    assert_int_equal(run_petri("sum", sum), 0);
    char csv_path[768];
    snprintf(csv_path, sizeof csv_path, "%s/summary/summary.csv", out_dir);
    char *csv = slurp(csv_path);
    assert_non_null(csv);
    assert_true(strncmp(csv,
                        "run,populations.0.count,seed,generations,stop_reason,prey.best,"
                        "prey.final,wall_s,state_hash\n",
                        strlen("run,populations.0.count,seed,generations,stop_reason,prey.best,"
                               "prey.final,wall_s,state_hash\n")) == 0);
    int lines = 0;
    for (const char *c = csv; *c; ++c) {
        lines += *c == '\n';
    }
    assert_int_equal(lines, 3);
    char row[256];
    snprintf(row, sizeof row, "/count=12_r0,12,%llu,60,generations,",
             (unsigned long long)sweep_run_seed(5, 0));
    if (strstr(csv, row) == NULL) {
        fail_msg("no row with \"%s\" in:\n%s", row, csv);
    }
    free(csv);
    char dat[768];
    snprintf(dat, sizeof dat, "%s/summary/fitness-0.dat", out_dir);
    char *d = slurp(dat);
    assert_non_null(d);
    assert_non_null(strstr(d, "# group 0: populations.0.count=12"));
    assert_non_null(strstr(d, "# group 1: populations.0.count=16"));
    free(d);

    const char *by[] = {"summarize", out_dir, "--by", "world.edges", NULL};
    assert_int_equal(run_petri("sumby", by), 2);
    out = output_of("sumby");
    assert_non_null(strstr(out, "--by world.edges: no run sets 'world.edges'"));
    free(out);
}

static void test_quantiles(void **state)
{
    (void)state;
    /* Worked by hand: ranks at (n - 1) q, linear between neighbours. */
    double v[] = {4, 1, 3, 2};
    assert_true(summary_quantile(v, 4, 0.25) == 1.75);
    assert_true(summary_quantile(v, 4, 0.5) == 2.5);
    assert_true(summary_quantile(v, 4, 0.75) == 3.25);
    double one[] = {7};
    assert_true(summary_quantile(one, 1, 0.25) == 7.0);
}

/* ------------------------------------------------------------ SLURM */

static char lines[40][2048];
static int n;

static void add_line(const char *fmt, ...) PETRI_PRINTF(1, 2);
static void add_line(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lines[n++], sizeof lines[0], fmt, ap);
    va_end(ap);
}

static void test_slurm_script(void **state)
{
    (void)state;
    char sweep[512], out_dir[512], text[1024];
    snprintf(out_dir, sizeof out_dir, "%s/slurm-out", tmp);
    snprintf(text, sizeof text,
             "base: tiny.yaml\nseed: 3\nout: %s\nreplicates: 2\ngrid:\n"
             "  populations.0.count: [12]\n  stop.when: ['generation >= 30']\n",
             out_dir);
    write_file(tmp, "slurm.yaml", text);
    snprintf(sweep, sizeof sweep, "%s/slurm.yaml", tmp);
    const char *args[] = {"sweep",  sweep, "--slurm", "--time=1", "--partition", "debug",
                          "--threads", "2", NULL};
    assert_int_equal(run_petri("slurm", args), 0);
    char *out = output_of("slurm");
    char want[1024];
    snprintf(want, sizeof want, "submit it with:  sbatch %s/sweep.slurm", out_dir);
    assert_non_null(strstr(out, want));
    free(out);

    char script_path[768];
    snprintf(script_path, sizeof script_path, "%s/sweep.slurm", out_dir);
    char *script = slurp(script_path);
    assert_non_null(script);
    char petri_abs[4096];
    assert_non_null(realpath(petri_bin(), petri_abs));
    char base_abs[1024];
    snprintf(base_abs, sizeof base_abs, "%s/tiny.yaml", tmp);
    /* Line by line: the header, the directives, the runs. */
    n = 0;
    add_line("#!/bin/bash");
    add_line("#SBATCH --job-name=petri-slurm");
    add_line("#SBATCH --array=0-1");
    add_line("#SBATCH --time=1");
    add_line("#SBATCH --cpus-per-task=2");
    add_line("#SBATCH --ntasks=1");
    add_line("#SBATCH --output=%s/slurm/%%A_%%a.out", out_dir);
    add_line("#SBATCH --open-mode=append");
    /* --time=1 is 60 s: warned after a sixth of it, 50 s before the end. */
    add_line("#SBATCH --signal=B:USR1@50");
    add_line("#SBATCH --requeue");
    add_line("#SBATCH --partition=debug");
    add_line("petri='%s'", petri_abs);
    add_line("threads=2");
    add_line("export OMP_NUM_THREADS=$threads");
    for (int r = 0; r < 2; ++r) {
        add_line("%d) dir='%s/r%d'; run=('run' '%s' "
                 "'--out' '%s/r%d' '--set' "
                 "'populations.0.count=12' '--set' 'stop.when='\\''generation >= "
                 "30'\\''' '--set' 'seed=%llu') ;;",
                 r, out_dir, r, base_abs, out_dir, r, (unsigned long long)sweep_run_seed(3, r));
    }
    add_line("trap 'warned=1; [ -n \"$child\" ] && kill -USR1 \"$child\" 2>/dev/null' USR1");
    add_line("\"$petri\" \"${cmd[@]}\" --threads \"$threads\" --quiet &");
    add_line("    scontrol requeue \"$SLURM_JOB_ID\"");
    /* Each line whole, in this order. */
    const char *at = script;
    for (int i = 0; i < n; ++i) {
        char needle[sizeof lines[0] + 2];
        needle[0] = '\n';
        memcpy(needle + 1, lines[i], strlen(lines[i]));
        memcpy(needle + 1 + strlen(lines[i]), "\n", 2);
        if (i == 0) {
            memmove(needle, needle + 1, strlen(needle));
        }
        const char *hit = i == 0 ? (strncmp(script, needle, strlen(needle)) == 0 ? script : NULL)
                                 : strstr(at, needle);
        if (hit == NULL) {
            fail_msg("line \"%s\" missing or out of order in:\n%s", lines[i], script);
        }
        at = hit + strlen(needle) - 1;
    }
    free(script);

    /* bash reads it. */
    char *argv[] = {"bash", "-n", script_path, NULL};
    pid_t pid;
    assert_int_equal(posix_spawnp(&pid, "bash", NULL, NULL, argv, environ), 0);
    assert_int_equal(wait_status(pid), 0);

    /* --time that SLURM would not take; a warning after the end. */
    const char *bad[] = {"sweep", sweep, "--slurm", "--time", "1:xx", NULL};
    assert_int_equal(run_petri("slurm-bad", bad), 2);
    out = output_of("slurm-bad");
    assert_non_null(strstr(out, "is not a SLURM time limit"));
    free(out);
    const char *late[] = {"sweep", sweep, "--slurm", "--time", "2", "--signal", "130", NULL};
    assert_int_equal(run_petri("slurm-late", late), 2);
    const char *stray[] = {"sweep", sweep, "--time", "2", NULL};
    assert_int_equal(run_petri("slurm-stray", stray), 2);
}

/* One array task run by hand as SLURM runs it: warned with USR1, it
 * forwards the warning to petri, which checkpoints; the task requeues
 * itself (a stand-in scontrol records the call) and a second run of the
 * task resumes the run to the end. */
static void test_slurm_task_requeues(void **state)
{
    (void)state;
    char sweep[512], out_dir[512], text[1024], bin_dir[512];
    snprintf(out_dir, sizeof out_dir, "%s/task-out", tmp);
    snprintf(text, sizeof text, "base: tiny.yaml\nseed: 3\nout: %s\ngrid:\n"
                                "  evolution.generations: [200]\n", out_dir);
    write_file(tmp, "task.yaml", text);
    snprintf(sweep, sizeof sweep, "%s/task.yaml", tmp);
    const char *args[] = {"sweep", sweep, "--slurm", "--time=1", NULL};
    assert_int_equal(run_petri("task-script", args), 0);
    snprintf(bin_dir, sizeof bin_dir, "%s/bin", tmp);
    mkdir(bin_dir, 0755);
    snprintf(text, sizeof text, "#!/bin/sh\necho \"$@\" >> '%s/scontrol.calls'\n", tmp);
    write_file(bin_dir, "scontrol", text);
    char scontrol[600];
    snprintf(scontrol, sizeof scontrol, "%s/scontrol", bin_dir);
    chmod(scontrol, 0755);

    char script[768], path_env[4096], log[768];
    snprintf(script, sizeof script, "%s/sweep.slurm", out_dir);
    snprintf(path_env, sizeof path_env, "PATH=%s:%s", bin_dir, getenv("PATH"));
    snprintf(log, sizeof log, "%s/task.log", tmp);
    char *env[] = {path_env, "SLURM_ARRAY_TASK_ID=0", "SLURM_JOB_ID=4242", NULL};
    char *argv[] = {"bash", script, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    assert_int_equal(posix_spawnp(&pid, "bash", &fa, NULL, argv, env), 0);
    char latest[768];
    snprintf(latest, sizeof latest, "%s/r0/checkpoints/LATEST", out_dir);
    for (int i = 0; i < 6000 && access(latest, F_OK) != 0; ++i) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(access(latest, F_OK), 0);
    assert_int_equal(kill(pid, SIGUSR1), 0); /* what --signal=B:USR1 does */
    int rc = wait_status(pid);
    char *out = slurp(log);
    if (rc != 0 || strstr(out, "requeueing job 4242") == NULL) {
        fail_msg("the task exited %d:\n%s", rc, out);
    }
    free(out);
    char calls_path[600];
    snprintf(calls_path, sizeof calls_path, "%s/scontrol.calls", tmp);
    char *calls = slurp(calls_path);
    assert_non_null(calls);
    assert_string_equal(calls, "requeue 4242\n");
    free(calls);
    char summary[768];
    snprintf(summary, sizeof summary, "%s/r0/summary.json", out_dir);
    char *s = slurp(summary);
    assert_non_null(strstr(s, "\"stop_reason\": \"signal (SIGUSR1)\""));
    free(s);

    /* Requeued, the task resumes; done, a third start skips the run. */
    posix_spawn_file_actions_destroy(&fa);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    assert_int_equal(posix_spawnp(&pid, "bash", &fa, NULL, argv, env), 0);
    assert_int_equal(wait_status(pid), 0);
    out = slurp(log);
    assert_non_null(strstr(out, "petri resume"));
    free(out);
    s = slurp(summary);
    assert_non_null(strstr(s, "\"stop_reason\": \"generations\""));
    assert_non_null(strstr(s, "\"generations\": 200"));
    free(s);
    assert_int_equal(posix_spawnp(&pid, "bash", &fa, NULL, argv, env), 0);
    assert_int_equal(wait_status(pid), 0);
    out = slurp(log);
    assert_non_null(strstr(out, "is finished: generations"));
    free(out);
    posix_spawn_file_actions_destroy(&fa);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_names_are_safe),
        cmocka_unit_test(test_bad_sweep_located),
        cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_local_interrupt_resume_summarize),
        cmocka_unit_test(test_slurm_script),
        cmocka_unit_test(test_slurm_task_requeues),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
