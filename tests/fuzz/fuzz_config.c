/*
 * Fuzzes the config loader through the entry `petri check` and `petri run`
 * use: run_def_load (YAML file, then each --set, then the checks that need
 * several keys), and the stop condition compiled from it.
 *
 * Input: YAML text up to the first NUL byte, then up to 8 NUL-separated
 * --set strings ("key.path=value"). A config that loads must load the same
 * again from the effective YAML it writes (config_write_yaml), the way a
 * run's config.yaml is read back by `petri resume`.
 */
#include "tests/fuzz/fuzz_common.h"

#include "sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_SETS 8

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    run_schema();
    return 0;
}

/* The effective YAML of def (free with free()). */
static char *effective_yaml(const RunDef *def, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (f == NULL) {
        abort();
    }
    config_write_yaml(run_schema(), def, f);
    fclose(f);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *bytes = (const char *)data;
    const char *nul = memchr(bytes, '\0', size);
    size_t yaml_len = nul != NULL ? (size_t)(nul - bytes) : size;
    const char *path = fuzz_write_temp("config.yaml", bytes, yaml_len);

    /* The --set strings, each copied so that it ends in a NUL. */
    char *sets[FUZZ_MAX_SETS];
    int set_count = 0;
    size_t pos = yaml_len + 1;
    while (pos <= size && nul != NULL && set_count < FUZZ_MAX_SETS) {
        const char *start = bytes + pos;
        const char *end = memchr(start, '\0', size - pos);
        size_t n = end != NULL ? (size_t)(end - start) : size - pos;
        sets[set_count] = malloc(n + 1);
        memcpy(sets[set_count], start, n);
        sets[set_count][n] = '\0';
        set_count++;
        pos += n + 1;
    }

    static RunDef def, again;
    PetriError err;
    error_clear(&err);
    PetriStatus s = run_def_load(&def, path, (const char *const *)sets, set_count, &err);
    if (s != PETRI_OK) {
        FUZZ_REQUIRE(err.msg[0] != '\0', "refused without a message");
    } else {
        const char *names[WORLD_MAX_POPULATIONS];
        for (int p = 0; p < def.population_count; ++p) {
            names[p] = def.populations[p].name;
        }
        StopExpr stop;
        PetriError serr;
        error_clear(&serr);
        bool stop_ok = stop_compile(&stop, def.evolution.stop_when, names, def.population_count,
                                    "stop.when", &serr) == PETRI_OK;
        size_t len1 = 0, len2 = 0;
        char *yaml1 = effective_yaml(&def, &len1);
        const char *path2 = fuzz_write_temp("config.yaml", yaml1, len1);
        error_clear(&err);
        FUZZ_REQUIRE(run_def_load(&again, path2, NULL, 0, &err) == PETRI_OK,
                     "the effective config does not load: %s\n%s", err.msg, yaml1);
        char *yaml2 = effective_yaml(&again, &len2);
        FUZZ_REQUIRE(len1 == len2 && memcmp(yaml1, yaml2, len1) == 0,
                     "the effective config changes when loaded again:\n%s\n----\n%s", yaml1,
                     yaml2);
        if (stop_ok) {
            for (int p = 0; p < again.population_count; ++p) {
                names[p] = again.populations[p].name;
            }
            error_clear(&serr);
            FUZZ_REQUIRE(stop_compile(&stop, again.evolution.stop_when, names,
                                      again.population_count, "stop.when",
                                      &serr) == PETRI_OK,
                         "stop.when compiles once but not from the effective config: %s",
                         serr.msg);
        }
        free(yaml1);
        free(yaml2);
    }
    for (int i = 0; i < set_count; ++i) {
        free(sets[i]);
    }
    return 0;
}
