/* core: PCG32 against the published vectors, streams, CRC32, hashing,
 * atomic writes that fail safely, the allocator's counters, errors and the
 * progress line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_pcg32_reference_vectors(void **state)
{
    (void)state;
    /* O'Neill's pcg32-demo, srandom(42, 54), first six outputs. */
    static const uint32_t expect[6] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                                       0x83d2f293, 0xbfa4784b, 0xcbed606e};
    Pcg32 rng;
    pcg32_seed(&rng, 42u, 54u);
    for (int i = 0; i < 6; ++i) {
        assert_int_equal(pcg32_next(&rng), expect[i]);
    }
}

static void test_pcg32_advance_matches_draws(void **state)
{
    (void)state;
    Pcg32 a, b;
    pcg32_seed(&a, 42u, 54u);
    b = a;
    for (int i = 0; i < 1000; ++i) {
        (void)pcg32_next(&a);
    }
    pcg32_advance(&b, 1000);
    assert_true(a.state == b.state && a.inc == b.inc);
    assert_int_equal(pcg32_next(&a), pcg32_next(&b));

    /* Advancing by -1000 (mod 2^64) returns to the start. */
    Pcg32 start;
    pcg32_seed(&start, 42u, 54u);
    Pcg32 c = start;
    pcg32_advance(&c, 1000);
    pcg32_advance(&c, (uint64_t)0 - 1000u);
    assert_true(c.state == start.state);
    assert_int_equal(pcg32_next(&c), 0xa15c02b7);
}

static void test_pcg32_bounded_is_uniform(void **state)
{
    (void)state;
    /* Chi-square over 10 bins, 100k draws, fixed seed. 9 degrees of
     * freedom: the 0.999 quantile is 27.88. A biased modulo of a bound
     * near 2^32 would fail the second check. */
    Pcg32 rng;
    pcg32_seed(&rng, 12345u, 7u);
    enum { BINS = 10, N = 100000 };
    int count[BINS] = {0};
    for (int i = 0; i < N; ++i) {
        uint32_t r = pcg32_bounded(&rng, BINS);
        assert_true(r < BINS);
        count[r]++;
    }
    double chi = 0.0, expect = (double)N / BINS;
    for (int i = 0; i < BINS; ++i) {
        chi += (count[i] - expect) * (count[i] - expect) / expect;
    }
    assert_true(chi < 27.88);

    /* bound = 3 * 2^30: plain modulo would put values below 2^30 twice as
     * often as the rest (each third should get a third). */
    uint32_t big = 3u << 30;
    int thirds[3] = {0};
    for (int i = 0; i < 30000; ++i) {
        thirds[pcg32_bounded(&rng, big) >> 30]++;
    }
    for (int i = 0; i < 3; ++i) {
        assert_true(thirds[i] > 9000 && thirds[i] < 11000);
    }
    assert_int_equal(pcg32_bounded(&rng, 1), 0);
}

static void test_pcg32_float_and_normal(void **state)
{
    (void)state;
    Pcg32 rng = pcg32_stream(1, 2, RNG_PURPOSE_TASK);
    double sum = 0, sum2 = 0;
    enum { N = 200000 };
    for (int i = 0; i < N; ++i) {
        float f = pcg32_float(&rng);
        assert_true(f >= 0.0f && f < 1.0f);
        double d = pcg32_double(&rng);
        assert_true(d >= 0.0 && d < 1.0);
        double z = pcg32_normal(&rng);
        assert_true(isfinite(z));
        sum += z;
        sum2 += z * z;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    assert_true(fabs(mean) < 0.01);
    assert_true(fabs(var - 1.0) < 0.02);
}

static void test_streams_differ_and_repeat(void **state)
{
    (void)state;
    Pcg32 a = pcg32_stream(7, 0, RNG_PURPOSE_AGENT);
    Pcg32 b = pcg32_stream(7, 1, RNG_PURPOSE_AGENT);
    Pcg32 c = pcg32_stream(7, 0, RNG_PURPOSE_CELL);
    Pcg32 d = pcg32_stream(8, 0, RNG_PURPOSE_AGENT);
    Pcg32 a2 = pcg32_stream(7, 0, RNG_PURPOSE_AGENT);
    assert_true(a.inc != b.inc && a.inc != c.inc && a.inc != d.inc);
    int same_ab = 0;
    for (int i = 0; i < 1000; ++i) {
        uint32_t x = pcg32_next(&a);
        same_ab += x == pcg32_next(&b);
        assert_int_equal(x, pcg32_next(&a2));
    }
    assert_true(same_ab < 3);
    /* Neighbouring ids must not give correlated first draws: count equal
     * top bits across 4096 consecutive ids. */
    int ones = 0;
    for (uint64_t id = 0; id < 4096; ++id) {
        Pcg32 s = pcg32_stream(99, id, RNG_PURPOSE_AGENT);
        ones += (int)(pcg32_next(&s) >> 31);
    }
    assert_true(ones > 1900 && ones < 2200);
}

static void test_crc32_check_value(void **state)
{
    (void)state;
    assert_int_equal(crc32_of("123456789", 9), 0xCBF43926u);
    assert_int_equal(crc32_of("", 0), 0);
    uint32_t c = crc32_update(0, "1234", 4);
    c = crc32_update(c, "56789", 5);
    assert_int_equal(c, 0xCBF43926u);
    /* the table against the definition, bit by bit, over random bytes */
    Pcg32 rng = pcg32_stream(1, 1, 1);
    unsigned char data[1000];
    for (size_t i = 0; i < sizeof data; ++i) {
        data[i] = (unsigned char)pcg32_next(&rng);
    }
    uint32_t want = 0xFFFFFFFFu;
    for (size_t i = 0; i < sizeof data; ++i) {
        want ^= data[i];
        for (int k = 0; k < 8; ++k) {
            want = (want & 1u) ? (want >> 1) ^ 0xEDB88320u : want >> 1;
        }
    }
    assert_int_equal(crc32_of(data, sizeof data), ~want);
}

static void test_hasher_order_and_bits(void **state)
{
    (void)state;
    Hasher a, b, c;
    hasher_init(&a);
    hasher_init(&b);
    hasher_init(&c);
    hasher_u64(&a, 1);
    hasher_u64(&a, 2);
    hasher_u64(&b, 2);
    hasher_u64(&b, 1);
    assert_true(hasher_digest(&a) != hasher_digest(&b));
    hasher_f32(&c, 0.0f);
    Hasher d;
    hasher_init(&d);
    hasher_f32(&d, -0.0f);
    assert_true(hasher_digest(&c) != hasher_digest(&d));
    Hasher e, f;
    hasher_init(&e);
    hasher_init(&f);
    hasher_bytes(&e, "abc", 3);
    hasher_bytes(&f, "abc\0", 4);
    assert_true(hasher_digest(&e) != hasher_digest(&f));
}

static char tmpdir[256];

static int setup_tmp(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/petri_test_core_XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_tmp(void **state)
{
    (void)state;
    char cmd[512];
    chmod(tmpdir, 0755);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_atomic_write_and_read(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/a.bin", tmpdir);
    PetriError err;
    error_clear(&err);
    assert_int_equal(file_write_atomic(path, "hello", 5, &err), PETRI_OK);
    assert_int_equal(file_write_atomic(path, "world!", 6, &err), PETRI_OK);
    char *data;
    size_t len;
    assert_int_equal(file_read_all(path, 1024, &data, &len, &err), PETRI_OK);
    assert_int_equal(len, 6);
    assert_string_equal(data, "world!");
    petri_free(data, len + 1);
    /* Over the size cap: refused. */
    assert_int_equal(file_read_all(path, 3, &data, &len, &err), PETRI_EIO);
    assert_null(data);
    assert_non_null(strstr(err.msg, "larger than"));
    /* A missing file. */
    error_clear(&err);
    snprintf(path, sizeof path, "%s/missing", tmpdir);
    assert_int_equal(file_read_all(path, 1024, &data, &len, &err), PETRI_ENOTFOUND);
    assert_non_null(strstr(err.msg, "missing: error: cannot open"));
}

static void test_atomic_write_failure_keeps_old(void **state)
{
    (void)state;
    char sub[512], path[600];
    snprintf(sub, sizeof sub, "%s/ro", tmpdir);
    PetriError err;
    error_clear(&err);
    assert_int_equal(file_make_dirs(sub, &err), PETRI_OK);
    snprintf(path, sizeof path, "%s/keep.txt", sub);
    assert_int_equal(file_write_atomic(path, "old", 3, &err), PETRI_OK);
    chmod(sub, 0555);
    bool root_bypasses = access(sub, W_OK) == 0; /* root ignores mode bits */
    if (!root_bypasses) {
        assert_int_equal(file_write_atomic(path, "new", 3, &err), PETRI_EIO);
        assert_non_null(strstr(err.msg, "keep.txt: error: cannot create"));
    }
    chmod(sub, 0755);
    char *data;
    size_t len;
    assert_int_equal(file_read_all(path, 100, &data, &len, &err), PETRI_OK);
    assert_string_equal(data, "old");
    petri_free(data, len + 1);

    /* A folder that does not exist: a clear error, nothing created. */
    error_clear(&err);
    snprintf(path, sizeof path, "%s/no/such/folder/x", tmpdir);
    assert_int_equal(file_write_atomic(path, "x", 1, &err), PETRI_EIO);
    assert_non_null(strstr(err.msg, "cannot create"));
    assert_false(file_exists(path));
}

static void test_atomic_write_onto_full_device(void **state)
{
    (void)state;
    /* A write that fails half-way (the device is full) must leave the
     * old file intact. A full device is simulated with a file size limit
     * in a child process, which also works as root. */
    char path[512];
    snprintf(path, sizeof path, "%s/limit.bin", tmpdir);
    PetriError err;
    error_clear(&err);
    assert_int_equal(file_write_atomic(path, "old", 3, &err), PETRI_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* In the child: limit file size to 1 KiB, ignore SIGXFSZ so write
         * returns EFBIG, then try to write 64 KiB. */
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {1024, 1024};
        setrlimit(RLIMIT_FSIZE, &rl);
        static char big[65536];
        PetriError e2;
        error_clear(&e2);
        PetriStatus s = file_write_atomic(path, big, sizeof big, &e2);
        _exit(s == PETRI_EIO && strstr(e2.msg, "old file is kept") != NULL ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *data;
    size_t len;
    assert_int_equal(file_read_all(path, 100000, &data, &len, &err), PETRI_OK);
    assert_string_equal(data, "old");
    petri_free(data, len + 1);
}

static void test_byte_reader_trusts_no_length(void **state)
{
    (void)state;
    ByteBuf b;
    buf_init(&b);
    buf_put_u32(&b, 0xdeadbeef);
    buf_put_u64(&b, 0x0102030405060708ull);
    buf_put_f32(&b, 1.5f);
    buf_put_f64(&b, -2.25);
    assert_int_equal(b.data[0], 0xef); /* little-endian */
    ByteReader r;
    reader_init(&r, b.data, b.len);
    uint32_t u;
    uint64_t v;
    float f;
    double d;
    assert_true(reader_u32(&r, &u) && u == 0xdeadbeef);
    assert_true(reader_u64(&r, &v) && v == 0x0102030405060708ull);
    assert_true(reader_f32(&r, &f) && f == 1.5f);
    assert_true(reader_f64(&r, &d) && d == -2.25);
    assert_false(reader_u32(&r, &u));
    assert_true(r.bad);
    ByteReader t;
    reader_init(&t, b.data, 6);
    assert_true(reader_u32(&t, &u));
    assert_false(reader_u32(&t, &u));
    assert_int_equal(u, 0);
    buf_fini(&b);
}

static void test_allocator_counts(void **state)
{
    (void)state;
    AllocStats s0 = petri_alloc_stats();
    void *p = petri_alloc(1000);
    void *q = petri_calloc(10, 10);
    p = petri_realloc(p, 1000, 2000);
    AllocStats s1 = petri_alloc_stats();
    assert_int_equal(s1.allocations - s0.allocations, 3);
    assert_int_equal(s1.live_bytes - s0.live_bytes, 2100);
    assert_true(s1.peak_bytes >= s1.live_bytes);
    petri_free(p, 2000);
    petri_free(q, 100);
    AllocStats s2 = petri_alloc_stats();
    assert_int_equal(s2.live_bytes, s0.live_bytes);

    Arena a;
    arena_init(&a, 256);
    char *x = arena_alloc(&a, 10);
    char *y = arena_alloc(&a, 10);
    assert_true(((uintptr_t)y & 15u) == 0);
    assert_true(y >= x + 10);
    arena_reset(&a);
    assert_ptr_equal(arena_alloc(&a, 1), x);
    arena_fini(&a);
}

static void test_error_lines(void **state)
{
    (void)state;
    PetriError e;
    error_clear(&e);
    assert_int_equal(e.code, PETRI_OK);
    error_at(&e, PETRI_ECONFIG, "w.yaml", 12, 5, "'%s' bad", "world.size");
    error_at(&e, PETRI_EIO, "w.yaml", 0, 0, "second");
    assert_int_equal(e.code, PETRI_ECONFIG);
    assert_int_equal(e.count, 2);
    assert_string_equal(e.msg, "w.yaml:12:5: error: 'world.size' bad\nw.yaml: error: second\n");
    for (int i = 0; i < 50; ++i) {
        error_add(&e, PETRI_ECONFIG, "line %d", i);
    }
    assert_int_equal(e.count, 52);
    assert_true(e.len < PETRI_ERROR_CAP);
}

static void test_progress_format(void **state)
{
    (void)state;
    Progress p;
    memset(&p, 0, sizeof p);
    snprintf(p.label, sizeof p.label, "run");
    p.unit = "gen";
    p.total = 100;
    p.done = 25;
    p.start = 0.0;
    char line[256];
    progress_format(&p, 10.0, "best 3.5", line, sizeof line);
    assert_string_equal(line,
                        "run gen 25/100 (25%) 2.5 gen/s elapsed 10.0s ETA 30.0s | best 3.5");
    p.total = 0;
    progress_format(&p, 10.0, NULL, line, sizeof line);
    assert_string_equal(line, "run gen 25 2.5 gen/s elapsed 10.0s");
    char d[32];
    format_duration(3725.0, d, sizeof d);
    assert_string_equal(d, "1h02m");
    format_duration(185.0, d, sizeof d);
    assert_string_equal(d, "3m05s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcg32_reference_vectors),
        cmocka_unit_test(test_pcg32_advance_matches_draws),
        cmocka_unit_test(test_pcg32_bounded_is_uniform),
        cmocka_unit_test(test_pcg32_float_and_normal),
        cmocka_unit_test(test_streams_differ_and_repeat),
        cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_hasher_order_and_bits),
        cmocka_unit_test_setup_teardown(test_atomic_write_and_read, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_atomic_write_failure_keeps_old, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test_setup_teardown(test_atomic_write_onto_full_device, setup_tmp,
                                        teardown_tmp),
        cmocka_unit_test(test_byte_reader_trusts_no_length),
        cmocka_unit_test(test_allocator_counts),
        cmocka_unit_test(test_error_lines),
        cmocka_unit_test(test_progress_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
