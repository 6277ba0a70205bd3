/*
 * The command line, run as a user runs it: $PETRI_BIN with arguments,
 * its exit status, stdout and stderr. --help, --version, help COMMAND,
 * unknown commands and flags, `petri check` on good and bad configs (the
 * whole catalogue of tests/bad_configs), overrides, the round trip of the
 * printed config, docs/config.md against `petri check --reference`, and
 * `petri export`'s flags (its champions logs: tests/test_export_log.c).
 *
 * Run from the repository root (tests/run_tests.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct Result {
    int status;      /* exit status; 128 + signal when killed */
    char *out, *err; /* petri_alloc'd, NUL-terminated */
    size_t out_cap, err_cap;
} Result;

static const char *petri_bin(void)
{
    const char *bin = getenv("PETRI_BIN");
    return bin != NULL && bin[0] != '\0' ? bin : "build/release/petri";
}

static char *slurp(FILE *f, size_t *cap)
{
    long n = ftell(f);
    if (n < 0) {
        n = 0;
    }
    *cap = (size_t)n + 1;
    char *buf = petri_alloc(*cap);
    rewind(f);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* Runs petri with args (NULL-terminated, without argv[0]). */
static Result run_petri(const char *const *args)
{
    const char *argv[64];
    int argc = 0;
    argv[argc++] = petri_bin();
    for (; *args != NULL && argc < 63; ++args) {
        argv[argc++] = *args;
    }
    argv[argc] = NULL;
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(fileno(out), 1);
        dup2(fileno(err), 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int wstatus = 0;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    Result r;
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    fseek(out, 0, SEEK_END);
    fseek(err, 0, SEEK_END);
    r.out = slurp(out, &r.out_cap);
    r.err = slurp(err, &r.err_cap);
    return r;
}

static void result_free(Result *r)
{
    petri_free(r->out, r->out_cap);
    petri_free(r->err, r->err_cap);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s != '\0'; ++s) {
        n += *s == '\n';
    }
    return n;
}

/* Runs petri and checks its exit status; returns the result for more. */
#define RUN(expect_status, ...)                                                                 \
    run_expect((expect_status), (const char *const[]){__VA_ARGS__, NULL})

static Result run_expect(int status, const char *const *args)
{
    Result r = run_petri(args);
    if (r.status != status) {
        fprintf(stderr, "petri");
        for (const char *const *a = args; *a != NULL; ++a) {
            fprintf(stderr, " %s", *a);
        }
        fprintf(stderr, ": exit %d, expected %d\nstdout:\n%s\nstderr:\n%s\n", r.status, status,
                r.out, r.err);
        fail();
    }
    return r;
}

/* ------------------------------------------------------------- basics */

static void test_help_and_version(void **state)
{
    (void)state;
    Result r = RUN(0, "--help");
    assert_non_null(strstr(r.out, "usage:"));
    assert_non_null(strstr(r.out, "petri check CONFIG"));
    result_free(&r);

    r = RUN(0, "--version");
    assert_non_null(strstr(r.out, "petri " PETRI_VERSION));
    result_free(&r);

    r = RUN(0, "help", "check");
    assert_non_null(strstr(r.out, "usage: petri check"));
    result_free(&r);

    r = RUN(0, "check", "--help");
    assert_non_null(strstr(r.out, "usage: petri check"));
    result_free(&r);
}

static void test_usage_errors(void **state)
{
    (void)state;
    Result r = RUN(2, "frobnicate");
    assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
    result_free(&r);

    r = RUN(2, "help", "frobnicate");
    result_free(&r);

    r = RUN(2, "check");
    assert_non_null(strstr(r.err, "missing CONFIG"));
    assert_non_null(strstr(r.err, "usage: petri check"));
    result_free(&r);

    r = RUN(2, "check", "configs/default.yaml", "--bogus");
    assert_non_null(strstr(r.err, "unknown option '--bogus'"));
    assert_non_null(strstr(r.err, "usage: petri check"));
    assert_string_equal(r.out, "");
    result_free(&r);

    r = RUN(2, "check", "configs/default.yaml", "--set");
    assert_non_null(strstr(r.err, "option '--set' needs a value: --set KEY=VALUE"));
    result_free(&r);

    r = RUN(2, "check", "configs/default.yaml", "configs/default.yaml");
    result_free(&r);

    r = RUN(2, "check", "--reference", "configs/default.yaml");
    result_free(&r);
}

/* ------------------------------------------------------------- check */

static void test_check_default(void **state)
{
    (void)state;
    Result r = RUN(0, "check", "configs/default.yaml");
    assert_non_null(strstr(r.out, "\nseed: "));
    assert_non_null(strstr(r.out, "\nworld:\n  size: ["));
    assert_non_null(strstr(r.out, "\npopulations:\n  - name: "));
    assert_string_equal(r.err, "");
    result_free(&r);
}

static void test_check_overrides(void **state)
{
    (void)state;
    Result r = RUN(0, "check", "configs/default.yaml", "--set", "seed=77", "--set=world.size=[300,200]",
                   "--set", "populations.1={name: hunter, count: 9}");
    assert_non_null(strstr(r.out, "\nseed: 77\n"));
    assert_non_null(strstr(r.out, "  size: [300, 200]\n"));
    assert_non_null(strstr(r.out, "  - name: \"hunter\"\n    count: 9\n"));
    result_free(&r);

    r = RUN(2, "check", "configs/default.yaml", "--set", "populations.0.count=abc");
    assert_string_equal(r.err, "--set populations.0.count=abc: error: 'populations.0.count' must "
                               "be an integer in [1, 1000000], got 'abc'\n");
    assert_string_equal(r.out, "");
    result_free(&r);
}

/* The printed config is a config: checking it prints it again. */
static void test_check_round_trip(void **state)
{
    (void)state;
    Result first = RUN(0, "check", "configs/default.yaml", "--set", "seed=123456789012345",
                       "--set", "world.edges=walls", "--set", "populations.1.name=second");
    char path[] = "/tmp/petri_test_cli_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    fputs(first.out, f);
    fclose(f);
    Result second = RUN(0, "check", path);
    /* Only the first comment line (naming the file) differs. */
    const char *a = strchr(first.out, '\n');
    const char *b = strchr(second.out, '\n');
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    unlink(path);
    result_free(&first);
    result_free(&second);
}

/* Every bad config of the catalogue (those without overrides) fails with
 * exit 2, nothing on stdout, and its expected located lines on stderr. */
static void test_check_catalogue(void **state)
{
    (void)state;
    DIR *d = opendir("tests/bad_configs");
    assert_non_null(d);
    struct dirent *ent;
    int checked = 0;
    while ((ent = readdir(d)) != NULL) {
        size_t n = strlen(ent->d_name);
        if (n < 6 || n > 100 || strcmp(ent->d_name + n - 5, ".yaml") != 0) {
            continue;
        }
        char base[160], yaml[200], set[200], expect[200];
        snprintf(base, sizeof base, "tests/bad_configs/%.*s", (int)(n - 5), ent->d_name);
        snprintf(set, sizeof set, "%s.set", base);
        if (access(set, F_OK) == 0) {
            continue; /* overrides: tested in process by test_config */
        }
        snprintf(yaml, sizeof yaml, "%s.yaml", base);
        snprintf(expect, sizeof expect, "%s.expect", base);
        FILE *f = fopen(expect, "rb");
        assert_non_null(f);
        char want[1024] = "";
        assert_non_null(fgets(want, sizeof want, f));
        int want_lines = 1;
        char rest[1024];
        while (fgets(rest, sizeof rest, f) != NULL) {
            want_lines++;
        }
        fclose(f);
        want[strcspn(want, "\n")] = '\0';
        /* The first line up to any "{...}" must appear in the output. */
        char *gap = strstr(want, "{...}");
        if (gap != NULL) {
            *gap = '\0';
        }
        Result r = RUN(2, "check", yaml);
        if (strstr(r.err, want) == NULL || count_lines(r.err) != want_lines || r.out[0] != '\0') {
            fprintf(stderr, "%s: want %d line(s) with '%s', got:\n%s", yaml, want_lines, want,
                    r.err);
            fail();
        }
        result_free(&r);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 25);
}

/* --------------------------------------------------------------- docs */

/* docs/config.md is what `petri check --reference` prints: run `make docs`
 * after changing a schema row. */
static void test_docs_config_md_fresh(void **state)
{
    (void)state;
    /* The repository root: the working directory or a folder above it. */
    char root[1024];
    assert_non_null(getcwd(root, sizeof root));
    char docs[1200];
    for (;;) {
        snprintf(docs, sizeof docs, "%s/docs/config.md", root);
        if (access(docs, F_OK) == 0) {
            break;
        }
        char *slash = strrchr(root, '/');
        if (slash == NULL || slash == root) {
            fprintf(stderr, "docs/config.md not found above the working directory\n");
            fail();
        }
        *slash = '\0';
    }
    FILE *f = fopen(docs, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size_t cap;
    char *want = slurp(f, &cap);
    Result r = RUN(0, "check", "--reference");
    bool fresh = strcmp(r.out, want) == 0;
    petri_free(want, cap);
    result_free(&r);
    if (!fresh) {
        fprintf(stderr, "%s is stale: run `make docs` and commit it\n", docs);
        fail();
    }
}

/* ------------------------------------------------------------- export */

/* A genome written by genome_save_json (tests/fuzz/make_seeds.c). */
#define EXPORT_GENOME "tests/fuzz/corpus/genome_json/minimal-2x1.json"

static char *read_text(const char *path, size_t *cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    return slurp(f, cap);
}

static void test_export_flags(void **state)
{
    (void)state;
    Result r = RUN(0, "export", EXPORT_GENOME, "--json");
    assert_non_null(strstr(r.out, "\"format\": \"petri-genome\""));
    char dir[] = "/tmp/petri-test-cli-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[128], b[128], c[128], eq[160];
    snprintf(a, sizeof a, "%s/a.json", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    snprintf(c, sizeof c, "%s/c.dot", dir);
    snprintf(eq, sizeof eq, "--out=%s", a);
    /* --flag=value, --flag value and -o value, flags before or after GENOME */
    Result w = RUN(0, "export", EXPORT_GENOME, eq, "--json");
    assert_string_equal(w.out, "");
    result_free(&w);
    w = RUN(0, "export", "--json", "--out", b, EXPORT_GENOME);
    result_free(&w);
    w = RUN(0, "export", "-o", c, "--dot", EXPORT_GENOME);
    result_free(&w);
    size_t ca, cb, cc;
    char *ta = read_text(a, &ca), *tb = read_text(b, &cb), *tc = read_text(c, &cc);
    assert_string_equal(ta, r.out);
    assert_string_equal(tb, r.out);
    assert_non_null(strstr(tc, "digraph"));
    /* --bin: a binary genome file that exports back to the same JSON */
    char d[128];
    snprintf(d, sizeof d, "%s/d.bin", dir);
    w = RUN(0, "export", EXPORT_GENOME, "--bin", "--out", d);
    assert_string_equal(w.out, "");
    result_free(&w);
    w = RUN(0, "export", d, "--json");
    assert_string_equal(w.out, r.out);
    result_free(&w);
    unlink(d);
    petri_free(ta, ca);
    petri_free(tb, cb);
    petri_free(tc, cc);
    unlink(a);
    unlink(b);
    unlink(c);
    rmdir(dir);
    result_free(&r);

    r = RUN(0, "export", "-h");
    assert_non_null(strstr(r.out, "usage: petri export GENOME"));
    assert_non_null(strstr(r.out, "--out FILE"));
    result_free(&r);

    /* every mistake: "petri export: error: ...", the usage, exit 2, nothing on stdout */
    static const struct {
        const char *args[5];
        const char *says;
    } bad[] = {
        {{"export", EXPORT_GENOME, "--bogus"}, "petri export: error: unknown option '--bogus'"},
        {{"export", EXPORT_GENOME, "--json", "--out"}, "petri export: error: option '--out' needs"},
        {{"export", EXPORT_GENOME, "--json", "-o"}, "petri export: error: option '-o' needs"},
        {{"export", "--json"}, "petri export: error: missing GENOME"},
        {{"export", EXPORT_GENOME}, "petri export: error: choose a format"},
        {{"export", EXPORT_GENOME, "--json", "--dot"}, "petri export: error: choose one of"},
        {{"export", EXPORT_GENOME, EXPORT_GENOME, "--json"}, "petri export: error: one genome at a"},
        {{"export", EXPORT_GENOME, "--json", "--bin"},
         "petri export: error: choose one of --json, --dot and --bin"},
        {{"export", EXPORT_GENOME, "--bin"},
         "petri export: error: --bin writes a binary genome file: name it with --out FILE"},
        {{"export", EXPORT_GENOME, "--json", "--generation", "x"},
         "petri export: error: --generation needs a generation number >= 1 or 'last' (got 'x')"},
        {{"export", EXPORT_GENOME, "--json", "--generation=3"},
         "petri export: error: " EXPORT_GENOME " is one genome, not a champions log"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        r = run_expect(2, bad[i].args);
        if (strstr(r.err, bad[i].says) == NULL) {
            fprintf(stderr, "expected '%s' in:\n%s", bad[i].says, r.err);
            fail();
        }
        assert_non_null(strstr(r.err, "usage: petri export GENOME"));
        assert_string_equal(r.out, "");
        result_free(&r);
    }
}

/* Every command words a flag it does not know, or a flag missing its
 * value, the same way (core/cli.c): "petri CMD: error: unknown option 'X'"
 * or "petri CMD: error: option 'X' needs a value", X as typed, then the
 * command's usage and where to read more; exit 2, nothing on stdout.
 * (petri view's flags are in test_render, which the viewer build runs.) */
static void test_flag_errors_one_wording(void **state)
{
    (void)state;
    static const struct {
        const char *cmd, *value_flag, *short_flag;
    } cmds[] = {
        {"run", "--out", "-z"},          {"resume", "--checkpoint", "-z"},
        {"check", "--reference=1", "-z"}, {"export", "--out", "-z"},
        {"eval", "--seeds", "-z"},       {"sweep", "--jobs", "-z"},
        {"summarize", "--by", "-z"},     {"task", "--runs", "-z"},
        {"bench", "--ticks", "-z"},
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; ++i) {
        const char *cmd = cmds[i].cmd;
        const char *tries[][2] = {
            {"--bogus", "unknown option '--bogus'"},
            {"--bogus=3", "unknown option '--bogus'"},
            {cmds[i].short_flag, "unknown option '-z'"},
            {cmds[i].value_flag, NULL},
        };
        for (size_t k = 0; k < sizeof tries / sizeof tries[0]; ++k) {
            char want[160], usage[64], more[64];
            if (tries[k][1] != NULL) {
                snprintf(want, sizeof want, "petri %s: error: %s\n", cmd, tries[k][1]);
            } else if (strchr(tries[k][0], '=') != NULL) {
                /* a flag that takes no value, given one */
                snprintf(want, sizeof want, "petri %s: error: option '%.*s' takes no value\n", cmd,
                         (int)strcspn(tries[k][0], "="), tries[k][0]);
            } else {
                snprintf(want, sizeof want, "petri %s: error: option '%s' needs a value\n", cmd,
                         tries[k][0]);
            }
            snprintf(usage, sizeof usage, "usage: petri %s", cmd);
            snprintf(more, sizeof more, "(`petri %s --help` tells more)\n", cmd);
            const char *args[] = {cmd, tries[k][0], NULL};
            Result r = run_expect(2, args);
            if (strncmp(r.err, want, strlen(want)) != 0 || strstr(r.err, usage) == NULL ||
                strstr(r.err, more) == NULL) {
                fprintf(stderr, "petri %s %s: expected '%s' first, then the usage, in:\n%s", cmd,
                        tries[k][0], want, r.err);
                fail();
            }
            assert_string_equal(r.out, "");
            result_free(&r);
        }
    }
    const char *top[] = {"--bogus", NULL};
    Result r = run_expect(2, top);
    assert_non_null(strstr(r.err, "petri: error: unknown option '--bogus'\n"));
    result_free(&r);
    const char *top_short[] = {"-z", NULL};
    r = run_expect(2, top_short);
    assert_non_null(strstr(r.err, "petri: error: unknown option '-z'\n"));
    result_free(&r);
}

/* What `make -n -B ARGS petri` would do (a dry run: nothing is compiled;
 * -B lists every command, even where that folder is already built). */
static char *make_dry_run(const char *args)
{
    char cmd[256];
    /* Not the knobs of a make this test may run under. */
    snprintf(cmd, sizeof cmd,
             "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -n -B --no-print-directory %s petri 2>&1",
             args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t got;
    while ((got = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (len + 1 == cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    out[len] = '\0';
    assert_int_equal(pclose(p), 0);
    return out;
}

/* Each combination of build knobs has its own build folder, so that a
 * knob never reuses objects of another: after `make`, `make STATIC=1`
 * compiles into build/release-static and links with -static (it once said
 * there was nothing to do and left the dynamic binary), and `MPI=1`
 * compiles with mpicc into build/release-mpi. */
static void test_build_knobs_have_their_own_folders(void **state)
{
    (void)state;
    char *out = make_dry_run("STATIC=1");
    assert_non_null(strstr(out, "-c main.c -o build/release-static/main.o"));
    assert_non_null(strstr(out, " -static "));
    assert_non_null(strstr(out, "-o build/release-static/petri build/release-static/main.o"));
    free(out);
    out = make_dry_run("MPI=1");
    assert_non_null(strstr(out, "mpicc "));
    assert_non_null(strstr(out, "-c main.c -o build/release-mpi/main.o"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_check_default),
        cmocka_unit_test(test_check_overrides),
        cmocka_unit_test(test_check_round_trip),
        cmocka_unit_test(test_check_catalogue),
        cmocka_unit_test(test_docs_config_md_fresh),
        cmocka_unit_test(test_export_flags),
        cmocka_unit_test(test_flag_errors_one_wording),
        cmocka_unit_test(test_build_knobs_have_their_own_folders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
