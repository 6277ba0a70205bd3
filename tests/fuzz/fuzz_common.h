/*
 * Shared by the libFuzzer targets in tests/fuzz/: quiet logging, one
 * OpenMP thread, a private temporary folder for the loaders that read a
 * path, and the check that turns a broken promise into a crash that
 * libFuzzer reports.
 */
#ifndef PETRI_FUZZ_COMMON_H
#define PETRI_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Quiet logs, one thread; call once from LLVMFuzzerInitialize. */
void fuzz_setup(void);
/* Writes data to a file in this process's private temporary folder and
 * returns its path (the same path every call; overwritten each time). */
const char *fuzz_write_temp(const char *name, const void *data, size_t len);
/* Aborts with a message when cond is false: libFuzzer keeps the input. */
#define FUZZ_REQUIRE(cond, ...)                                                             \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                               \
        }                                                                                    \
    } while (0)
_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    PETRI_PRINTF(4, 5);

#endif
