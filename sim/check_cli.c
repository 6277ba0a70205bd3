/*
 * `petri check CONFIG [--set k=v]...`: validates a config and prints the
 * effective config (every default filled in) to stdout; on any error
 * prints the located lines to stderr and returns 2.
 * `petri check --reference`: prints docs/config.md.
 */
#include "sim/sim.h"

#include <string.h>

#define CHECK_USAGE "usage: petri check CONFIG [--set KEY=VALUE]... | petri check --reference\n"

static int check_usage_error(const char *fmt, const char *arg)
{
    fputs("petri check: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\n" CHECK_USAGE, stderr);
    return 2;
}

int sim_check_main(int argc, char **argv)
{
    const char *path = NULL;
    bool reference = false;
    int override_count = 0;
    /* Overrides point into argv; at most one per remaining argument. */
    const char **overrides = petri_calloc((size_t)argc + 1, sizeof *overrides);
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(CHECK_USAGE, stdout);
            petri_free(overrides, ((size_t)argc + 1) * sizeof *overrides);
            return 0;
        } else if (strcmp(a, "--reference") == 0) {
            reference = true;
        } else if (strcmp(a, "--set") == 0) {
            if (i + 1 >= argc) {
                rc = check_usage_error("--set needs KEY=VALUE%s", "");
            } else {
                overrides[override_count++] = argv[++i];
            }
        } else if (strncmp(a, "--set=", 6) == 0) {
            overrides[override_count++] = a + 6;
        } else if (a[0] == '-' && a[1] != '\0') {
            rc = check_usage_error("unknown option '%s'", a);
        } else if (path != NULL) {
            rc = check_usage_error("one CONFIG only; '%s' is a second one", a);
        } else {
            path = a;
        }
    }
    if (rc == 0 && reference && (path != NULL || override_count > 0)) {
        rc = check_usage_error("--reference takes no CONFIG or --set%s", "");
    }
    if (rc == 0 && !reference && path == NULL) {
        rc = check_usage_error("missing CONFIG%s", "");
    }
    if (rc == 0 && reference) {
        RunDef defaults = run_default_def();
        config_write_reference(run_schema(), &defaults, stdout);
    } else if (rc == 0) {
        RunDef def;
        PetriError err;
        error_clear(&err);
        if (run_def_load(&def, path, overrides, override_count, &err) != PETRI_OK) {
            error_print(&err, stderr);
            rc = 2;
        } else {
            printf("# Effective config of %s (petri %s)\n", path, PETRI_VERSION);
            config_write_yaml(run_schema(), &def, stdout);
        }
    }
    petri_free(overrides, ((size_t)argc + 1) * sizeof *overrides);
    if (fflush(stdout) != 0 && rc == 0) {
        fprintf(stderr, "petri check: cannot write the output\n");
        rc = 1;
    }
    return rc;
}
