#include "tests/fuzz/fuzz_common.h"

#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char temp_dir[512];

static void remove_temp(void)
{
    if (temp_dir[0] != '\0') {
        char path[700];
        /* Only the files this process wrote: one per name it used. */
        static const char *const names[] = {"config.yaml", "genome.bin", "genome.json",
                                            "checkpoint.bin"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
            snprintf(path, sizeof path, "%s/%s", temp_dir, names[i]);
            unlink(path);
        }
        rmdir(temp_dir);
    }
}

void fuzz_setup(void)
{
    log_set_level(LOG_QUIET);
    omp_set_num_threads(1);
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0') {
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    }
    snprintf(temp_dir, sizeof temp_dir, "%s/petri-fuzz-XXXXXX", base);
    if (mkdtemp(temp_dir) == NULL) {
        perror("petri fuzz: mkdtemp");
        abort();
    }
    atexit(remove_temp);
}

const char *fuzz_write_temp(const char *name, const void *data, size_t len)
{
    static char path[700];
    snprintf(path, sizeof path, "%s/%s", temp_dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        perror("petri fuzz: opening a temporary file");
        abort();
    }
    bool ok = len == 0 || fwrite(data, 1, len, f) == len;
    if (fclose(f) != 0 || !ok) {
        perror("petri fuzz: writing a temporary file");
        abort();
    }
    return path;
}

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fprintf(stderr, "%s:%d: fuzz check failed: %s: ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
