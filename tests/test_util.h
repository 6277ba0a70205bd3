/* Small helpers that the tests which drive petri as a user does share
 * (test_run.c, test_run_object.c, test_sweep.c). Header only: each test
 * is one source file linked with libpetri (see the Makefile), and an
 * unused static inline function costs nothing. */
#ifndef PETRI_TEST_UTIL_H
#define PETRI_TEST_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

/* The petri binary the tests start: $PETRI_BIN, by default the release
 * build's (tests/run_tests.sh sets it). */
static inline const char *petri_bin(void)
{
    const char *bin = getenv("PETRI_BIN");
    return bin != NULL && bin[0] != '\0' ? bin : "build/release/petri";
}

/* Runs a shell command made from fmt; its exit status, or 128 + the
 * signal that ended it. Only for names the test made itself: a name that
 * may hold anything goes through an argument vector instead. */
static inline int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof cmd) {
        fprintf(stderr, "sh: command too long: %.80s...\n", cmd);
        return -1;
    }
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

/* The whole file as a NUL-terminated string (malloc'd); NULL when it
 * cannot be read. */
static inline char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    char *s = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        n = ftell(f);
    }
    if (n >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        s = malloc((size_t)n + 1);
    }
    if (s != NULL) {
        size_t got = fread(s, 1, (size_t)n, f);
        s[got] = '\0';
    }
    fclose(f);
    return s;
}

#endif
