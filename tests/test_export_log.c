/*
 * `petri export` of one generation's champion from a run's champions log
 * (RUNDIR/champions/generations/POP.champions), run as a user runs it:
 * a tiny two-population run made by the real binary ($PETRI_BIN), then
 * every generation of both logs exported as a binary genome and as JSON
 * and compared with the log's own bytes (walked here from the documented
 * layout, docs/outputs.md) and with the log reader; the binary goes into
 * `petri eval` as a genome file. Then each refusal: a log without
 * --generation, a generation outside the log, --generation on a genome or
 * on something else, a damaged, an empty and a torn log.
 *
 * Run from the repository root (tests/run_tests.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmp[256];
static char run[320];

/* $PETRI_BIN made absolute: the refusals run in tmp. */
static const char *petri_bin(void)
{
    static char abs[4096];
    if (abs[0] == '\0') {
        const char *bin = getenv("PETRI_BIN");
        bin = bin != NULL && bin[0] != '\0' ? bin : "build/release/petri";
        if (realpath(bin, abs) == NULL) {
            snprintf(abs, sizeof abs, "%s", bin);
        }
    }
    return abs;
}

/* The exit status of the shell command (128 + signal when killed). */
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

/* The bytes of PATH (NUL-terminated, *len without it), or NULL. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    if (len != NULL) {
        *len = got;
    }
    return s;
}

static char *slurp_text(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    char *s = (char *)slurp(path, NULL);
    assert_non_null(s);
    return s;
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/petri_test_export_log_XXXXXX");
    if (mkdtemp(tmp) == NULL) {
        return -1;
    }
    snprintf(run, sizeof run, "%s/run", tmp);
    char config[300];
    snprintf(config, sizeof config, "%s/tiny.yaml", tmp);
    FILE *f = fopen(config, "w");
    if (f == NULL) {
        return -1;
    }
    /* two evolved populations with different senses, so that each log
     * must be named as its own population */
    fprintf(f, "name: tinyexport\nseed: 9\nworld:\n  size: [48, 48]\npopulations:\n"
               "  - name: prey\n    count: 10\n    controller: brain\n"
               "  - name: predators\n    count: 6\n    controller: brain\n"
               "    diet: {plants: 0.0, meat: 0.9}\n"
               "    attack: {damage: 8, gain: 0.7, range: 0.6}\n"
               "    senses: {sectors: 3}\n"
               "    fitness: {energy_meat: 1, ticks_alive: 0.1}\n"
               "evolution:\n  generations: 4\n  episodes: 1\n  episode_ticks: 40\n"
               "  checkpoint_every: 2\n");
    fclose(f);
    return sh("%s run %s --out %s --quiet --threads 1 >/dev/null 2>&1", petri_bin(), config,
              run) == 0
               ? 0
               : -1;
}

static int teardown(void **state)
{
    (void)state;
    return sh("rm -rf '%s'", tmp) == 0 ? 0 : -1;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The payload of generation gen's record in the log bytes (layout of
 * docs/outputs.md, walked here without the reader), or NULL. */
static const unsigned char *log_payload(const unsigned char *log, size_t len, uint64_t gen,
                                        size_t *plen)
{
    assert_true(len >= 8 && memcmp(log, "PTGC", 4) == 0 && le32(log + 4) == 1);
    for (size_t at = 8; at + 12 <= len;) {
        uint64_t g = le32(log + at) | (uint64_t)le32(log + at + 4) << 32;
        uint32_t n = le32(log + at + 8);
        if (g == gen) {
            *plen = n;
            return log + at + 12;
        }
        at += 12 + (size_t)n + 4;
    }
    return NULL;
}

/* The binary payload of g (genome_save_buf), for comparisons. */
static void payload_of(const Genome *g, ByteBuf *out)
{
    buf_init(out);
    genome_save_buf(g, out);
}

/* Every generation of both logs: --bin gives a genome file whose payload
 * is the log record's, byte for byte, and which loads to the reader's
 * champion; --json gives that genome too, named as its own population
 * (the very text `export FILE.bin --json --config RUNDIR --pop POP`
 * prints); --generation last is the newest. */
static void test_export_each_generation(void **state)
{
    (void)state;
    const char *pops[2] = {"prey", "predators"};
    int input_counts[2];
    for (int p = 0; p < 2; ++p) {
        char log_path[700];
        champion_log_path(run, pops[p], log_path, sizeof log_path);
        size_t log_len = 0;
        unsigned char *log_bytes = slurp(log_path, &log_len);
        assert_non_null(log_bytes);
        ChampionLog log;
        PetriError err;
        error_clear(&err);
        assert_int_equal(champion_log_read(&log, log_path, &err), PETRI_OK);
        assert_int_equal(log.first, 1);
        assert_int_equal(log.count, 4);
        assert_false(log.torn);
        for (uint64_t gen = 1; gen <= 4; ++gen) {
            assert_int_equal(sh("%s export %s --generation %llu --bin --out %s/g.bin "
                                ">%s/out.txt 2>%s/err.txt",
                                petri_bin(), log_path, (unsigned long long)gen, tmp, tmp, tmp),
                             0);
            char *out = slurp_text("out.txt"), *errs = slurp_text("err.txt");
            assert_string_equal(out, "");
            assert_string_equal(errs, "");
            free(out);
            free(errs);
            /* the file's payload (between its 12-byte head and its CRC) is
             * the record's */
            char bin[400];
            snprintf(bin, sizeof bin, "%s/g.bin", tmp);
            size_t bin_len = 0, plen = 0;
            unsigned char *bin_bytes = slurp(bin, &bin_len);
            assert_non_null(bin_bytes);
            const unsigned char *rec = log_payload(log_bytes, log_len, gen, &plen);
            assert_non_null(rec);
            assert_int_equal(bin_len, plen + 16);
            assert_memory_equal(bin_bytes, "PTRG", 4);
            assert_memory_equal(bin_bytes + 12, rec, plen);
            free(bin_bytes);
            /* and loads to what the reader returns */
            Genome want, got;
            genome_init(&want, 0, 1);
            genome_init(&got, 0, 1);
            assert_int_equal(champion_log_genome(&log, gen, &want, &err), PETRI_OK);
            assert_int_equal(genome_load(&got, bin, &err), PETRI_OK);
            ByteBuf a, b;
            payload_of(&want, &a);
            payload_of(&got, &b);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.data, b.data, a.len);
            buf_fini(&b);
            input_counts[p] = want.inputs;
            /* JSON: the same genome, named as population p */
            assert_int_equal(sh("%s export %s --generation %llu --json > %s/log.json 2>%s/err.txt",
                                petri_bin(), log_path, (unsigned long long)gen, tmp, tmp),
                             0);
            assert_int_equal(sh("%s export %s/g.bin --json --config %s --pop %s > %s/named.json",
                                petri_bin(), tmp, run, pops[p], tmp),
                             0);
            char *from_log = slurp_text("log.json"), *named = slurp_text("named.json");
            errs = slurp_text("err.txt");
            assert_string_equal(errs, "");
            assert_non_null(strstr(from_log, "\"version\": 2"));
            assert_non_null(strstr(from_log, "\"name\": \"energy\""));
            assert_string_equal(from_log, named);
            GenomeNames names;
            genome_names_init(&names);
            assert_int_equal(genome_parse_json_named(&got, &names, from_log, strlen(from_log),
                                                     "log.json", &err),
                             PETRI_OK);
            assert_int_equal(names.inputs, want.inputs);
            payload_of(&got, &b);
            assert_int_equal(a.len, b.len);
            assert_memory_equal(a.data, b.data, a.len);
            genome_names_fini(&names);
            free(from_log);
            free(named);
            free(errs);
            buf_fini(&a);
            buf_fini(&b);
            genome_fini(&want);
            genome_fini(&got);
        }
        /* last: the newest generation, 4 */
        assert_int_equal(sh("%s export %s --generation last --bin --out %s/last.bin && "
                            "%s export %s --generation 4 --bin --out %s/four.bin && "
                            "cmp -s %s/last.bin %s/four.bin",
                            petri_bin(), log_path, tmp, petri_bin(), log_path, tmp, tmp, tmp),
                         0);
        champion_log_close(&log);
        free(log_bytes);
    }
    /* the populations see differently: the names came from each one */
    assert_int_not_equal(input_counts[0], input_counts[1]);
}

/* What export writes is a genome file as `petri eval GENOME` takes it
 * (and `petri view --genome`, which reads the same binary files); a log
 * copied out of its run folder exports too, unnamed. */
static void test_exported_genome_plays(void **state)
{
    (void)state;
    char log_path[700];
    champion_log_path(run, "prey", log_path, sizeof log_path);
    /* eval plays a genome file in a world where one population evolves:
     * the prey alone */
    char config[400];
    snprintf(config, sizeof config, "%s/prey_only.yaml", tmp);
    FILE *f = fopen(config, "w");
    assert_non_null(f);
    fprintf(f, "name: preyonly\nseed: 9\nworld:\n  size: [48, 48]\npopulations:\n"
               "  - name: prey\n    count: 10\n    controller: brain\n"
               "evolution:\n  episode_ticks: 40\n");
    fclose(f);
    int rc = sh("%s export %s --generation 2 --bin -o %s/prey2.bin && %s eval %s/prey2.bin "
                "--config %s --seeds 2 --against random --threads 1 > %s/eval.txt 2>&1",
                petri_bin(), log_path, tmp, petri_bin(), tmp, config, tmp);
    char *eval = slurp_text("eval.txt");
    if (rc != 0) {
        fprintf(stderr, "%s", eval);
    }
    assert_int_equal(rc, 0);
    assert_non_null(strstr(eval, "prey         champion"));
    free(eval);
    assert_int_equal(sh("cp %s %s/loose.champions && %s export %s/loose.champions "
                        "--generation 2 --json > %s/loose.json 2>%s/err.txt",
                        log_path, tmp, petri_bin(), tmp, tmp, tmp),
                     0);
    char *loose = slurp_text("loose.json"), *errs = slurp_text("err.txt");
    assert_string_equal(errs, "");
    assert_non_null(strstr(loose, "\"version\": 1"));
    assert_null(strstr(loose, "\"name\""));
    free(errs);
    /* in a run folder whose config cannot name it (predators' log where
     * prey of other senses live): the same genome, unnamed, and a note */
    char predators[700];
    champion_log_path(run, "predators", predators, sizeof predators);
    assert_int_equal(sh("mkdir -p %s/other/champions/generations && cp %s %s/other/config.yaml "
                        "&& cp %s %s/other/champions/generations/prey.champions && "
                        "cp %s %s/loose.champions",
                        tmp, config, tmp, predators, tmp, predators, tmp),
                     0);
    assert_int_equal(sh("%s export %s/other/champions/generations/prey.champions --generation 2 "
                        "--json > %s/other.json 2>%s/err.txt && %s export %s/loose.champions "
                        "--generation 2 --json > %s/loose.json",
                        petri_bin(), tmp, tmp, tmp, petri_bin(), tmp, tmp),
                     0);
    char *other = slurp_text("other.json");
    free(loose);
    loose = slurp_text("loose.json");
    errs = slurp_text("err.txt");
    assert_string_equal(other, loose);
    assert_non_null(strstr(errs, "petri export: note: the inputs and outputs stay unnamed"));
    assert_non_null(strstr(errs, "the genome has"));
    free(other);
    free(loose);
    free(errs);
}

/* Each mistake: exit 2, nothing on stdout, a message that names the file
 * and what to do. */
static void test_export_log_refusals(void **state)
{
    (void)state;
    char log_path[700];
    champion_log_path(run, "prey", log_path, sizeof log_path);
    /* a damaged copy (not a log), an empty log (its header only), a torn
     * one (half a record after generation 4), junk, a plain genome */
    assert_int_equal(sh("cd %s && echo garbage > bad.champions && printf "
                        "'PTGC\\001\\000\\000\\000' > empty.champions && "
                        "cp %s torn.champions && "
                        "printf '\\005\\000\\000\\000\\000\\000\\000\\000\\377' "
                        ">> torn.champions && "
                        "echo junk > junk.txt",
                        tmp, log_path),
                     0);
    char genome[400];
    snprintf(genome, sizeof genome, "%s/champions/prey-best.bin", run);
    static const struct {
        const char *file; /* LOG: the prey log; else a name in tmp or GENOME */
        const char *flags;
        const char *says[2];
        bool usage;
    } bad[] = {
        {"LOG", "",
         {"is a champions log of generations 1..4: choose one with --generation N"}, true},
        {"LOG", "--json", {"is a champions log of generations 1..4", "--generation last"}, true},
        {"LOG", "--json --generation 5", {"--generation 5: ", "holds generations 1..4"}, true},
        {"LOG", "--dot --generation 0", {"--generation needs a generation number >= 1"}, true},
        {"LOG", "--dot --generation 2x", {"(got '2x')"}, true},
        {"LOG", "--generation 2", {"choose a format"}, true},
        {"LOG", "--generation 2 --bin", {"--bin writes a binary genome file", "--out FILE"}, true},
        {"LOG", "--generation 2 --bin --all -o x.bin", {"use them with --dot"}, true},
        {"GENOME", "--json --generation 2", {"prey-best.bin is one genome, not a champions log"},
         true},
        {"junk.txt", "--json --generation 2", {"junk.txt: error: not a champions log"}, false},
        {"bad.champions", "--json --generation 2",
         {"bad.champions: error: not a log of generation champions"}, false},
        {"bad.champions", "--json", {"bad.champions: error: not a log of generation champions"},
         false},
        {"missing.champions", "--json --generation 1",
         {"missing.champions: error: cannot open"}, false},
        {"empty.champions", "--json --generation 1",
         {"empty.champions: error: a champions log that holds no generation yet"}, false},
        {"torn.champions", "--json --generation 5",
         {"holds generations 1..4", "the bytes after its last one are torn or corrupt"}, true},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        char file[800];
        if (strcmp(bad[i].file, "LOG") == 0) {
            snprintf(file, sizeof file, "%s", log_path);
        } else if (strcmp(bad[i].file, "GENOME") == 0) {
            snprintf(file, sizeof file, "%s", genome);
        } else {
            snprintf(file, sizeof file, "%s/%s", tmp, bad[i].file);
        }
        int rc = sh("cd %s && %s export %s %s >%s/out.txt 2>%s/err.txt", tmp, petri_bin(), file,
                    bad[i].flags, tmp, tmp);
        char *out = slurp_text("out.txt"), *errs = slurp_text("err.txt");
        bool ok = rc == 2 && out[0] == '\0';
        for (int k = 0; k < 2 && bad[i].says[k] != NULL; ++k) {
            ok = ok && strstr(errs, bad[i].says[k]) != NULL;
        }
        bool has_usage = strstr(errs, "usage: petri export GENOME|LOG") != NULL;
        ok = ok && has_usage == bad[i].usage;
        if (bad[i].usage) {
            ok = ok && strncmp(errs, "petri export: error: ", 21) == 0;
        }
        if (!ok) {
            fprintf(stderr, "export %s %s: exit %d, stdout '%s', stderr:\n%s", bad[i].file,
                    bad[i].flags, rc, out, errs);
        }
        free(out);
        free(errs);
        assert_true(ok);
    }
    /* the torn log still gives its intact generations */
    assert_int_equal(sh("%s export %s/torn.champions --generation 4 --bin -o %s/t4.bin && %s "
                        "export %s --generation 4 --bin -o %s/l4.bin && cmp -s %s/t4.bin "
                        "%s/l4.bin",
                        petri_bin(), tmp, tmp, petri_bin(), log_path, tmp, tmp, tmp),
                     0);
    /* nothing was written by the refusals */
    char x[400];
    snprintf(x, sizeof x, "%s/x.bin", tmp);
    assert_int_not_equal(access(x, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_each_generation),
        cmocka_unit_test(test_exported_genome_plays),
        cmocka_unit_test(test_export_log_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
