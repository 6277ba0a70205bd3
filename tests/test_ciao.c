/*
 * Co-evolution made visible, and the novelty of generation champions:
 * the sampling of generations, the "later beats earlier" share and the
 * novelty score on data whose answers are known; then a tiny
 * predator-and-prey run made and evaluated by the real binary
 * ($PETRI_BIN): it keeps every generation's champions (the same after a
 * resume), and `petri eval --ciao` writes a CIAO table of the right shape
 * (cells j <= i only), the same at 1 and 2 threads, and its heat map.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_sample(void **state)
{
    (void)state;
    int g[CIAO_MAX_GENS];
    /* 1 + round(k * 5 / 3), k = 0..3 */
    assert_int_equal(ciao_sample(6, 4, g), 4);
    assert_int_equal(g[0], 1);
    assert_int_equal(g[1], 3);
    assert_int_equal(g[2], 4);
    assert_int_equal(g[3], 6);
    /* fewer generations than asked: all of them */
    assert_int_equal(ciao_sample(5, 20, g), 5);
    for (int k = 0; k < 5; ++k) {
        assert_int_equal(g[k], k + 1);
    }
    assert_int_equal(ciao_sample(1, 20, g), 1);
    assert_int_equal(g[0], 1);
    assert_int_equal(ciao_sample(9, 1, g), 1);
    assert_int_equal(g[0], 9);
    /* 100 into 20: from 1 to 100, strictly rising, steps 5 or 6 */
    assert_int_equal(ciao_sample(100, 20, g), 20);
    assert_int_equal(g[0], 1);
    assert_int_equal(g[19], 100);
    for (int k = 1; k < 20; ++k) {
        assert_true(g[k] - g[k - 1] == 5 || g[k] - g[k - 1] == 6);
    }
    /* never repeats, whatever the sizes */
    for (int last = 1; last < 120; ++last) {
        for (int want = 1; want <= 40; ++want) {
            int n = ciao_sample(last, want, g);
            assert_int_equal(n, want < last ? want : last);
            assert_int_equal(g[n - 1], last);
            for (int k = 1; k < n; ++k) {
                assert_true(g[k] > g[k - 1]);
            }
        }
    }
}

static void test_progress(void **state)
{
    (void)state;
    /* 3 x 3, cell (i, j) = own generation i against opponent j, j <= i.
     * Rising down every column: every later champion beats the earlier
     * one against the same opponent. Pairs: column 0 (0,1) (0,2) (1,2),
     * column 1 (1,2): 4. */
    double up[9] = {1, 0, 0, 2, 5, 0, 3, 6, 9};
    assert_true(ciao_progress(up, 3) == 1.0);
    double down[9] = {3, 0, 0, 2, 6, 0, 1, 5, 9};
    assert_true(ciao_progress(down, 3) == 0.0);
    /* all equal: ties count half */
    double flat[9] = {4, 0, 0, 4, 4, 0, 4, 4, 4};
    assert_true(ciao_progress(flat, 3) == 0.5);
    /* column 0: 1 < 2 (win), 1 > 0 (loss), 2 > 0 (loss); column 1: 5 = 5
     * (half): 1.5 of 4 */
    double mixed[9] = {1, 0, 0, 2, 5, 0, 0, 5, 7};
    assert_true(fabs(ciao_progress(mixed, 3) - 0.375) < 1e-12);
    /* one generation: no pair */
    double one[1] = {3};
    assert_true(ciao_progress(one, 1) == 0.5);
}

static void test_novelty(void **state)
{
    (void)state;
    double zero[BEHAVIOUR_DIMS] = {0};
    /* an empty archive: nothing to be new against */
    assert_true(novelty_score(NULL, 0, zero, NOVELTY_K) == 0.0);
    /* archive at distances 3, 5 (3-4-5), 1 and 13 (5-12-13) from 0 */
    double archive[4 * BEHAVIOUR_DIMS] = {0};
    archive[0 * BEHAVIOUR_DIMS + 0] = 3.0;
    archive[1 * BEHAVIOUR_DIMS + 1] = 3.0;
    archive[1 * BEHAVIOUR_DIMS + 2] = 4.0;
    archive[2 * BEHAVIOUR_DIMS + 3] = 1.0;
    archive[3 * BEHAVIOUR_DIMS + 0] = 5.0;
    archive[3 * BEHAVIOUR_DIMS + 3] = 12.0;
    assert_true(fabs(novelty_score(archive, 4, zero, 1) - 1.0) < 1e-12);
    assert_true(fabs(novelty_score(archive, 4, zero, 2) - 2.0) < 1e-12);  /* (1 + 3) / 2 */
    assert_true(fabs(novelty_score(archive, 4, zero, 3) - 3.0) < 1e-12);  /* (1 + 3 + 5) / 3 */
    assert_true(fabs(novelty_score(archive, 4, zero, 10) - 5.5) < 1e-12); /* all four */
    /* a point of the archive itself: its own distance 0 counts */
    double self[BEHAVIOUR_DIMS] = {3.0, 0, 0, 0};
    assert_true(fabs(novelty_score(archive, 4, self, 2) - (0.0 + sqrt(10.0)) / 2.0) < 1e-12);
    /* the archive grows in order and keeps what it was given */
    NoveltyArchive a = {0};
    for (int i = 0; i < 100; ++i) {
        double d[BEHAVIOUR_DIMS] = {(double)i, 0, 0, 0};
        novelty_archive_add(&a, d);
    }
    assert_int_equal(a.count, 100);
    assert_true(a.desc[57 * BEHAVIOUR_DIMS] == 57.0);
    /* from 99.5: nearest 99, 98, ..., 90, at distances
     * 0.5, 1.5, ..., 9.5, mean 5 */
    double far[BEHAVIOUR_DIMS] = {99.5, 0, 0, 0};
    assert_true(fabs(novelty_score(a.desc, a.count, far, 10) - 5.0) < 1e-12);
    novelty_archive_fini(&a);
    assert_null(a.desc);
}

/* ------------------------------------------------------------ the binary */

static char tmp[256];
static char config[512];

static const char *petri_bin(void)
{
    const char *bin = getenv("PETRI_BIN");
    return bin != NULL && bin[0] != '\0' ? bin : "build/release/petri";
}

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

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/petri_test_ciao_XXXXXX");
    if (mkdtemp(tmp) == NULL) {
        return -1;
    }
    snprintf(config, sizeof config, "%s/tiny.yaml", tmp);
    FILE *f = fopen(config, "w");
    if (f == NULL) {
        return -1;
    }
    /* predator_prey in miniature: two evolved populations and a rule */
    fprintf(f, "name: tinypp\nseed: 5\nworld:\n  size: [48, 48]\npopulations:\n"
               "  - name: prey\n    count: 12\n    controller: brain\n"
               "  - name: predators\n    count: 6\n    controller: brain\n"
               "    diet: {plants: 0.0, meat: 0.9}\n"
               "    attack: {damage: 8, gain: 0.7, range: 0.6}\n"
               "    fitness: {energy_meat: 1, ticks_alive: 0.1}\n"
               "  - name: fleers\n    count: 4\n    controller: fleer\n"
               "evolution:\n  generations: 5\n  episodes: 2\n  episode_ticks: 50\n"
               "  checkpoint_every: 2\n");
    fclose(f);
    if (sh("%s run %s --out %s/run --quiet --threads 1 >/dev/null 2>&1", petri_bin(), config,
           tmp) != 0) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return sh("rm -rf '%s'", tmp) == 0 ? 0 : -1;
}

static bool same_file(const char *a, const char *b)
{
    return sh("cmp -s '%s' '%s'", a, b) == 0;
}

/* The generations first .. first + count - 1 in a run's log of pop. */
static void log_span(const char *run, const char *pop, uint64_t *first, uint64_t *count)
{
    char path[700];
    champion_log_path(run, pop, path, sizeof path);
    ChampionLog log;
    PetriError err;
    error_clear(&err);
    assert_int_equal(champion_log_read(&log, path, &err), PETRI_OK);
    *first = log.first;
    *count = log.count;
    champion_log_close(&log);
}

/* Every generation's champion of both evolved populations, in one log
 * each, none for the rule; a run stopped at 3 and resumed to 5 keeps the
 * same ones and the same novelty column, and so does one whose logs hold
 * what a kill leaves after the checkpoint (a torn record; records of
 * later generations): resume cuts them back first. */
static void test_generation_champions(void **state)
{
    (void)state;
    char a[700], b[700], run[600];
    snprintf(run, sizeof run, "%s/run", tmp);
    const char *pops[2] = {"prey", "predators"};
    for (int p = 0; p < 2; ++p) {
        uint64_t first, count;
        log_span(run, pops[p], &first, &count);
        assert_int_equal(first, 1);
        assert_int_equal(count, 5);
    }
    champion_log_path(run, "fleers", a, sizeof a);
    assert_int_not_equal(access(a, F_OK), 0);
    /* one file per population, not one per generation */
    assert_int_equal(sh("test $(ls %s/champions/generations | wc -l) -eq 2", run), 0);
    assert_int_equal(sh("%s run %s --out %s/split --generations 3 --quiet --threads 2 "
                        ">/dev/null 2>&1",
                        petri_bin(), config, tmp),
                     0);
    assert_int_equal(sh("cp -r %s/split %s/torn", tmp, tmp), 0);
    assert_int_equal(
        sh("%s resume %s/split --generations 5 --quiet >/dev/null 2>&1", petri_bin(), tmp), 0);
    for (int p = 0; p < 2; ++p) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/split", tmp);
        champion_log_path(run, pops[p], a, sizeof a);
        champion_log_path(dir, pops[p], b, sizeof b);
        assert_true(same_file(a, b));
    }
    /* torn: prey's log ends in half a record, predators' holds the
     * generations 4 and 5 of the straight run and then garbage */
    char torn[600];
    snprintf(torn, sizeof torn, "%s/torn", tmp);
    champion_log_path(torn, "prey", a, sizeof a);
    assert_int_equal(sh("printf '\\004\\000\\000\\000\\000\\000\\000\\000\\377' >> %s", a), 0);
    champion_log_path(run, "predators", a, sizeof a);
    champion_log_path(torn, "predators", b, sizeof b);
    assert_int_equal(sh("cp %s %s && head -c 100 %s >> %s", a, b, a, b), 0);
    assert_int_equal(
        sh("%s resume %s --generations 5 --quiet >/dev/null 2>&1", petri_bin(), torn), 0);
    for (int p = 0; p < 2; ++p) {
        champion_log_path(run, pops[p], a, sizeof a);
        champion_log_path(torn, pops[p], b, sizeof b);
        assert_true(same_file(a, b));
    }
    /* stats.csv without wall_s (the last column): the same, novelty too */
    assert_int_equal(sh("cut -d, -f1-17 %s/run/stats.csv > %s/a.csv && cut -d, -f1-17 "
                        "%s/split/stats.csv > %s/b.csv",
                        tmp, tmp, tmp, tmp),
                     0);
    snprintf(a, sizeof a, "%s/a.csv", tmp);
    snprintf(b, sizeof b, "%s/b.csv", tmp);
    assert_true(same_file(a, b));
    /* novelty: 0 at generation 1 (empty archive), never negative, and
     * not 0 everywhere after it */
    char *s = slurp(a);
    assert_non_null(s);
    assert_non_null(strstr(s, ",behaviour_spread,novelty\n"));
    int rows = 0, nonzero = 0;
    for (char *line = strchr(s, '\n') + 1; *line != '\0'; ++rows) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        char *last = strrchr(line, ',');
        double nov = strtod(last + 1, NULL);
        int gen = atoi(line);
        assert_true(nov >= 0.0);
        if (gen == 1 || strstr(line, ",fleers,") != NULL) {
            assert_true(nov == 0.0);
        } else {
            nonzero += nov > 0.0;
        }
        line = end + 1;
    }
    assert_int_equal(rows, 15);
    assert_true(nonzero > 0);
    free(s);
}

static void test_ciao_table(void **state)
{
    (void)state;
    /* 3 of the 5 generations (1, 3, 5), 2 seeds, at 1 and 2 threads */
    for (int t = 1; t <= 2; ++t) {
        assert_int_equal(sh("%s eval %s/run --ciao --ciao-gens 3 --seeds 2 --threads %d --out "
                            "%s/ciao%d >%s/ciao%d.txt 2>&1",
                            petri_bin(), tmp, t, tmp, t, tmp, t),
                         0);
    }
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/ciao1/ciao.csv", tmp);
    snprintf(b, sizeof b, "%s/ciao2/ciao.csv", tmp);
    assert_true(same_file(a, b));
    char *s = slurp(a);
    assert_non_null(s);
    const char *header = "population,generation,opponent,opponent_generation,fitness,"
                         "fitness_lo,fitness_hi,kills,survival,seeds\n";
    assert_memory_equal(s, header, strlen(header));
    /* each side: the cells j <= i of 3 generations, 6 rows */
    int rows[2] = {0, 0};
    int seen[2][3][3] = {{{0}}};
    for (char *line = s + strlen(header); *line != '\0';) {
        char *end = strchr(line, '\n');
        assert_non_null(end);
        *end = '\0';
        char me[32], them[32];
        int g, og, seeds;
        double fit, lo, hi, kills, surv;
        assert_int_equal(sscanf(line, "%31[^,],%d,%31[^,],%d,%lf,%lf,%lf,%lf,%lf,%d", me, &g,
                                them, &og, &fit, &lo, &hi, &kills, &surv, &seeds),
                         10);
        int side = strcmp(me, "prey") == 0 ? 0 : 1;
        assert_string_equal(me, side == 0 ? "prey" : "predators");
        assert_string_equal(them, side == 0 ? "predators" : "prey");
        assert_true(og <= g);
        assert_true((g == 1 || g == 3 || g == 5) && (og == 1 || og == 3 || og == 5));
        assert_true(lo <= fit && fit <= hi);
        assert_true(surv >= 0.0 && surv <= 1.0 && kills >= 0.0);
        assert_int_equal(seeds, 2);
        seen[side][g / 2][og / 2]++;
        rows[side]++;
        line = end + 1;
    }
    assert_int_equal(rows[0], 6);
    assert_int_equal(rows[1], 6);
    for (int side = 0; side < 2; ++side) {
        for (int i = 0; i < 3; ++i) {
            for (int j = 0; j < 3; ++j) {
                assert_int_equal(seen[side][i][j], j <= i ? 1 : 0);
            }
        }
    }
    free(s);
    /* the terminal report names the generations and the summary */
    snprintf(a, sizeof a, "%s/ciao1.txt", tmp);
    char *txt = slurp(a);
    assert_non_null(txt);
    assert_non_null(strstr(txt, "generations 1 3 5 of 5"));
    assert_non_null(strstr(txt, "later beats earlier"));
    free(txt);
    /* the heat map (gnuplot is installed wherever the tests run in CI) */
    if (sh("command -v gnuplot >/dev/null 2>&1") != 0) {
        skip();
    }
    snprintf(a, sizeof a, "%s/ciao1/plots/ciao.png", tmp);
    char *png = slurp(a);
    assert_non_null(png);
    assert_memory_equal(png, "\x89PNG", 4);
    free(png);
}

/* Runs made before the logs kept one file per generation
 * (POP-gGGGGGGGG.bin), and a run resumed across the change has files for
 * the generations up to its checkpoint and a log after it: the table is
 * the same from either as from the logs. */
static void test_ciao_reads_older_layouts(void **state)
{
    (void)state;
    char run[600], path[700];
    snprintf(run, sizeof run, "%s/run", tmp);
    assert_int_equal(sh("cp -r %s %s/files && cp -r %s %s/mixed", run, tmp, run, tmp), 0);
    const char *pops[2] = {"prey", "predators"};
    for (int p = 0; p < 2; ++p) {
        ChampionLog log;
        PetriError err;
        error_clear(&err);
        champion_log_path(run, pops[p], path, sizeof path);
        assert_int_equal(champion_log_read(&log, path, &err), PETRI_OK);
        FILE *tail = NULL;
        snprintf(path, sizeof path, "%s/mixed/champions/generations/%s.champions", tmp,
                 pops[p]);
        assert_int_equal(champion_log_open(path, true, &tail, &err), PETRI_OK);
        for (uint64_t g = 1; g <= 5; ++g) {
            Genome gen;
            memset(&gen, 0, sizeof gen);
            assert_int_equal(champion_log_genome(&log, g, &gen, &err), PETRI_OK);
            snprintf(path, sizeof path, "%s/files/champions/generations/%s-g%08llu.bin", tmp,
                     pops[p], (unsigned long long)g);
            assert_int_equal(genome_save(&gen, path, &err), PETRI_OK);
            if (g <= 2) {
                snprintf(path, sizeof path, "%s/mixed/champions/generations/%s-g%08llu.bin",
                         tmp, pops[p], (unsigned long long)g);
                assert_int_equal(genome_save(&gen, path, &err), PETRI_OK);
            } else {
                champion_log_append(tail, g, &gen);
            }
            genome_fini(&gen);
        }
        assert_int_equal(fclose(tail), 0);
        champion_log_close(&log);
        snprintf(path, sizeof path, "%s/files/champions/generations/%s.champions", tmp, pops[p]);
        assert_int_equal(unlink(path), 0);
    }
    const char *names[3] = {"run", "files", "mixed"};
    for (int k = 0; k < 3; ++k) {
        assert_int_equal(sh("%s eval %s/%s --ciao --ciao-gens 3 --seeds 2 --threads 1 --out "
                            "%s/layout-%s >%s/layout-%s.txt 2>&1",
                            petri_bin(), tmp, names[k], tmp, names[k], tmp, names[k]),
                         0);
    }
    char a[700], b[700];
    snprintf(a, sizeof a, "%s/layout-run/ciao.csv", tmp);
    for (int k = 1; k < 3; ++k) {
        snprintf(b, sizeof b, "%s/layout-%s/ciao.csv", tmp, names[k]);
        assert_true(same_file(a, b));
    }
    snprintf(a, sizeof a, "%s/layout-files.txt", tmp);
    char *txt = slurp(a);
    assert_non_null(txt);
    assert_non_null(strstr(txt, "generations 1 3 5 of 5"));
    free(txt);
}

/* Refusals: one evolved population, no generation champions, flags that
 * need a run folder. Nothing is written. */
static void test_ciao_refusals(void **state)
{
    (void)state;
    assert_int_equal(sh("%s run configs/default.yaml --out %s/one --generations 1 --quiet "
                        "--threads 1 --set populations.0.count=8 --set populations.1.count=4 "
                        "--set evolution.episode_ticks=20 >/dev/null 2>&1",
                        petri_bin(), tmp),
                     0);
    assert_int_equal(sh("%s eval %s/one --ciao >/dev/null 2>%s/err.txt", petri_bin(), tmp, tmp),
                     2);
    char path[700];
    snprintf(path, sizeof path, "%s/err.txt", tmp);
    char *err = slurp(path);
    assert_non_null(err);
    assert_non_null(strstr(err, "exactly two evolved populations"));
    free(err);
    snprintf(path, sizeof path, "%s/one/ciao.csv", tmp);
    assert_int_not_equal(access(path, F_OK), 0);
    /* a copy of the run without its generation champions */
    assert_int_equal(sh("cp -r %s/run %s/old && rm -r %s/old/champions/generations", tmp, tmp,
                        tmp),
                     0);
    assert_int_equal(sh("%s eval %s/old --ciao >/dev/null 2>%s/err.txt", petri_bin(), tmp, tmp),
                     2);
    snprintf(path, sizeof path, "%s/err.txt", tmp);
    err = slurp(path);
    assert_non_null(err);
    assert_non_null(strstr(err, "no generation champions"));
    free(err);
    /* a log that is not one */
    assert_int_equal(sh("cp -r %s/run %s/bad && echo garbage > "
                        "%s/bad/champions/generations/prey.champions",
                        tmp, tmp, tmp),
                     0);
    assert_int_equal(sh("%s eval %s/bad --ciao >/dev/null 2>%s/err.txt", petri_bin(), tmp, tmp),
                     2);
    err = slurp(path);
    assert_non_null(err);
    assert_non_null(strstr(err, "prey.champions"));
    assert_non_null(strstr(err, "not a log of generation champions"));
    free(err);
    assert_int_equal(sh("%s eval %s/run/champions/prey-best.bin --ciao >/dev/null 2>&1",
                        petri_bin(), tmp),
                     2);
    assert_int_equal(sh("%s eval %s/run --ciao --ciao-gens 0 >/dev/null 2>&1", petri_bin(), tmp),
                     2);
    assert_int_equal(sh("%s eval %s/run --out %s/x >/dev/null 2>&1", petri_bin(), tmp, tmp), 2);
    assert_int_equal(sh("%s eval %s/run --ciao --json >/dev/null 2>&1", petri_bin(), tmp), 2);
    snprintf(path, sizeof path, "%s/x", tmp);
    assert_int_not_equal(access(path, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_novelty),
        cmocka_unit_test(test_generation_champions),
        cmocka_unit_test(test_ciao_table),
        cmocka_unit_test(test_ciao_reads_older_layouts),
        cmocka_unit_test(test_ciao_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
