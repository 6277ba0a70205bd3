/*
 * The fuzzers' findings (tests/fuzz/regressions/TARGET/), each replayed
 * through the same entry as its fuzz target and held to what must happen
 * instead of the crash. `make fuzz-smoke` replays every reproducer under
 * libFuzzer too; these run in `make test` and `make test-asan` without
 * clang. docs/reliability.md lists the findings.
 *
 * Run from the repository root (tests/run_tests.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/sim.h"
#include "sim/sim_internal.h"

#include <string.h>

/* A reproducer of fuzz_checkpoint: its first byte is the mode (1: the
 * rest is a payload the fuzzer wraps in a container with a correct CRC). */
static PetriStatus parse_checkpoint_input(const char *path, PetriError *err)
{
    char *data;
    size_t n;
    assert_int_equal(file_read_all(path, (size_t)1 << 26, &data, &n, err), PETRI_OK);
    assert_true(n > 1 && data[0] == 1);
    ByteBuf file;
    buf_init(&file);
    buf_put(&file, CHECKPOINT_MAGIC, 4);
    buf_put_u32(&file, CHECKPOINT_VERSION);
    buf_put_u64(&file, n - 1);
    buf_put(&file, data + 1, n - 1);
    buf_put_u32(&file, crc32_of(file.data, file.len));
    PetriStatus s = checkpoint_parse(file.data, file.len, NULL, NULL, err);
    buf_fini(&file);
    petri_free(data, n + 1);
    return s;
}

/* A checkpoint whose config asks for a 1e6 x 1e6 world (in the schema's
 * range, far past the memory limit): the loader built it and ended out of
 * memory. Now its config passes the same checks as a new run's. */
static void test_checkpoint_config_is_checked(void **state)
{
    (void)state;
    PetriError err;
    error_clear(&err);
    PetriStatus s =
        parse_checkpoint_input("tests/fuzz/regressions/checkpoint/config-world-1e6", &err);
    assert_int_not_equal(s, PETRI_OK);
    assert_non_null(strstr(err.msg, "checkpoint config:"));
    assert_non_null(strstr(err.msg, "'world.size'"));
    assert_non_null(strstr(err.msg, "memory"));
}

int main(void)
{
    log_set_level(LOG_QUIET);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint_config_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
