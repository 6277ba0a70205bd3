/*
 * `petri eval`: the interval arithmetic on data whose answers are known
 * (Student's t quantiles from published tables, intervals worked by hand),
 * the held-out seeds, and the --json schema on a tiny run made and
 * evaluated by the real binary ($PETRI_BIN, as tests/test_cli.c runs it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/eval_internal.h"
#include "sim/evolve_internal.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_t_quantiles(void **state)
{
    (void)state;
    /* two-sided 95% points of Student's t, from the usual printed tables */
    assert_true(fabs(eval_t975(1) - 12.706) < 1e-3);
    assert_true(fabs(eval_t975(2) - 4.303) < 1e-3);
    assert_true(fabs(eval_t975(19) - 2.093) < 1e-3);
    assert_true(fabs(eval_t975(30) - 2.042) < 1e-3);
    /* past the table: the expansion */
    assert_true(fabs(eval_t975(40) - 2.021) < 1e-3);
    assert_true(fabs(eval_t975(60) - 2.000) < 1e-3);
    assert_true(fabs(eval_t975(120) - 1.980) < 1e-3);
    assert_true(fabs(eval_t975(1000000) - 1.960) < 1e-3);
    /* it falls with df */
    for (int df = 1; df < 200; ++df) {
        assert_true(eval_t975(df + 1) < eval_t975(df));
    }
}

static void test_intervals(void **state)
{
    (void)state;
    /* 1..5: mean 3, sd sqrt(2.5); half-width t(4) * sd / sqrt(5) */
    double x[5] = {1, 2, 3, 4, 5};
    EvalInterval iv = eval_interval(x, 5);
    double half = 2.7764 * sqrt(2.5) / sqrt(5.0);
    assert_true(fabs(iv.mean - 3.0) < 1e-12);
    assert_true(fabs(iv.sd - sqrt(2.5)) < 1e-12);
    assert_true(fabs(iv.lo - (3.0 - half)) < 1e-4);
    assert_true(fabs(iv.hi - (3.0 + half)) < 1e-4);
    assert_int_equal(iv.n, 5);
    /* constant data: no width */
    double c[4] = {2.5, 2.5, 2.5, 2.5};
    iv = eval_interval(c, 4);
    assert_true(iv.lo == 2.5 && iv.hi == 2.5);
    /* one sample: the value, no interval */
    iv = eval_interval(x, 1);
    assert_true(iv.mean == 1.0 && iv.lo == 1.0 && iv.hi == 1.0);
    /* paired: a - b = 2, 3, 4 (mean 3, sd 1) whatever the spread of a and
     * b themselves; half-width t(2) / sqrt(3) */
    double a[3] = {103, 5, 57}, b[3] = {101, 2, 53};
    iv = eval_paired_diff(a, b, 3);
    assert_true(fabs(iv.mean - 3.0) < 1e-12);
    assert_true(fabs(iv.sd - 1.0) < 1e-12);
    assert_true(fabs(iv.lo - (3.0 - 4.3027 / sqrt(3.0))) < 1e-4);
    assert_true(fabs(iv.hi - (3.0 + 4.3027 / sqrt(3.0))) < 1e-4);
    /* the unpaired interval of a is far wider and holds 0 */
    EvalInterval ia = eval_interval(a, 3);
    assert_true(ia.lo < 0.0 && ia.hi > 100.0);
}

static void test_held_out_seeds(void **state)
{
    (void)state;
    /* distinct from each other and from every training arena seed of the
     * first 200 generations of 8 episodes */
    for (int k = 0; k < 50; ++k) {
        uint64_t s = eval_seed(1, k);
        for (int j = 0; j < k; ++j) {
            assert_true(eval_seed(1, j) != s);
        }
        for (uint64_t g = 0; g < 200; ++g) {
            for (uint64_t e = 0; e < 8; ++e) {
                assert_true(derive_seed(1, g, e, RNG_PURPOSE_ARENA) != s);
            }
        }
    }
}

/* ------------------------------------------------------------ the binary */

static const char *petri_bin(void)
{
    const char *bin = getenv("PETRI_BIN");
    return bin != NULL && bin[0] != '\0' ? bin : "build/release/petri";
}

/* Runs petri with args (NULL-terminated); stdout into out[cap]. */
static int run_petri(const char *const *args, char *out, size_t cap)
{
    const char *argv[40];
    int argc = 0;
    argv[argc++] = petri_bin();
    for (; *args != NULL && argc < 39; ++args) {
        argv[argc++] = *args;
    }
    argv[argc] = NULL;
    FILE *f = tmpfile();
    assert_non_null(f);
    fflush(stdout);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(fileno(f), 1);
        dup2(devnull, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    rewind(f);
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    fclose(f);
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
}

/* The number after "key": at or after p, or NAN. */
static double number_after(const char *p, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *q = strstr(p, pat);
    return q != NULL ? strtod(q + strlen(pat), NULL) : NAN;
}

static void test_json_schema(void **state)
{
    (void)state;
    char dir[] = "/tmp/petri-test-eval-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out_dir[256];
    snprintf(out_dir, sizeof out_dir, "%s/run", dir);
    static char buf[1 << 16];
    const char *run_args[] = {"run", "configs/default.yaml", "--out", out_dir, "--quiet",
                              "--generations", "2", "--set", "populations.0.count=12",
                              "--set", "populations.1.count=4", "--set",
                              "evolution.episode_ticks=40", "--threads", "1", NULL};
    assert_int_equal(run_petri(run_args, buf, sizeof buf), 0);
    const char *eval_args[] = {"eval", out_dir, "--seeds", "4", "--against=forager,random",
                               "--json", "--threads", "1", NULL};
    assert_int_equal(run_petri(eval_args, buf, sizeof buf), 0);
    assert_non_null(strstr(buf, "\"format\": \"petri-eval\""));
    assert_true(number_after(buf, "seeds") == 4.0);
    const char *results = strstr(buf, "\"results\": [");
    assert_non_null(results);
    /* three rows: champion, forager, random, each with every field */
    const char *controllers[3] = {"champion", "forager", "random"};
    const char *p = results;
    for (int i = 0; i < 3; ++i) {
        p = strstr(p, "{\"population\": \"prey\", \"controller\": \"");
        assert_non_null(p);
        p += strlen("{\"population\": \"prey\", \"controller\": \"");
        assert_memory_equal(p, controllers[i], strlen(controllers[i]));
        const char *end = strchr(p, '}');
        const char *next = strstr(p, "{\"population\"");
        double mean = number_after(p, "mean");
        const char *ci = strstr(p, "\"ci95\": [");
        assert_non_null(ci);
        assert_true(next == NULL || ci < next);
        double lo = strtod(ci + 9, NULL);
        double hi = strtod(strchr(ci, ',') + 1, NULL);
        assert_true(lo <= mean && mean <= hi);
        assert_true(number_after(p, "n") == 4.0);
        for (int k = 0; k < 3; ++k) {
            const char *keys[3] = {"\"food_per_tick\": {", "\"survival\": {", "\"kills\": {"};
            const char *q = strstr(p, keys[k]);
            assert_non_null(q);
            assert_true(next == NULL || q < next);
        }
        const char *diff = strstr(p, "\"champion_minus_this\"");
        assert_true(i == 0 ? (diff == NULL || (next != NULL && diff > next))
                           : (diff != NULL && (next == NULL || diff < next)));
        assert_non_null(end);
    }
    assert_null(strstr(p, "{\"population\""));
    /* bad flags: exit 2 */
    const char *bad[] = {"eval", out_dir, "--seeds", "1", NULL};
    assert_int_equal(run_petri(bad, buf, sizeof buf), 2);
    const char *bad_rule[] = {"eval", out_dir, "--against", "hunter", NULL};
    assert_int_equal(run_petri(bad_rule, buf, sizeof buf), 2);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* --population: a row for the final population (the newest checkpoint's
 * genomes), after the champion's, with the paired difference; refused
 * for genome files. */
static void test_population_rows(void **state)
{
    (void)state;
    char dir[] = "/tmp/petri-test-evalpop-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char out_dir[256];
    snprintf(out_dir, sizeof out_dir, "%s/run", dir);
    static char buf[1 << 16];
    const char *run_args[] = {"run", "configs/default.yaml", "--out", out_dir, "--quiet",
                              "--generations", "2", "--set", "populations.0.count=12",
                              "--set", "populations.1.count=4", "--set",
                              "evolution.episode_ticks=40", "--threads", "1", NULL};
    assert_int_equal(run_petri(run_args, buf, sizeof buf), 0);
    const char *eval_args[] = {"eval", out_dir, "--seeds", "3", "--against=forager",
                               "--population", "--json", "--threads", "1", NULL};
    assert_int_equal(run_petri(eval_args, buf, sizeof buf), 0);
    const char *c = strstr(buf, "\"controller\": \"champion\"");
    const char *pop = strstr(buf, "\"controller\": \"population\"");
    const char *rule = strstr(buf, "\"controller\": \"forager\"");
    assert_non_null(c);
    assert_non_null(pop);
    assert_non_null(rule);
    assert_true(c < pop && pop < rule);
    /* it names the checkpoint it read, and is compared with the champion */
    const char *ck = strstr(pop, "\"checkpoint\": \"");
    assert_non_null(ck);
    assert_true(ck < rule);
    assert_non_null(strstr(ck, "/checkpoints/ckpt-00000002.bin\""));
    const char *diff = strstr(pop, "\"champion_minus_this\"");
    assert_true(diff != NULL && diff < rule);
    assert_true(number_after(pop, "n") == 3.0);
    /* genome files have no final population */
    char genome[400];
    snprintf(genome, sizeof genome, "%s/champions/prey-best.bin", out_dir);
    const char *bad[] = {"eval", genome, "--population", NULL};
    assert_int_equal(run_petri(bad, buf, sizeof buf), 2);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_t_quantiles),
        cmocka_unit_test(test_intervals),
        cmocka_unit_test(test_held_out_seeds),
        cmocka_unit_test(test_json_schema),
        cmocka_unit_test(test_population_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
