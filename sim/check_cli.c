/*
 * `petri check CONFIG [--set k=v]...`: validates a config and prints the
 * effective config (every default filled in) to stdout; on any error
 * prints the located lines to stderr and returns 2.
 * `petri check --reference`: prints docs/config.md.
 */
#include "sim/sim.h"

#include <getopt.h>
#include <string.h>

#define CHECK_USAGE "usage: petri check CONFIG [--set KEY=VALUE]... | petri check --reference\n"

static int check_usage_error(const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    return cli_usage_error("check", CHECK_USAGE, "%s", msg);
}

enum { CHECK_OPT_SET = 256, CHECK_OPT_REFERENCE };

int sim_check_main(int argc, char **argv)
{
    const char *path = NULL;
    bool reference = false;
    int override_count = 0;
    /* Overrides point into argv; at most one per remaining argument. */
    const char **overrides = petri_calloc((size_t)argc + 1, sizeof *overrides);
    int rc = 0;
    static const struct option opts[] = {
        {"set", required_argument, NULL, CHECK_OPT_SET},
        {"reference", no_argument, NULL, CHECK_OPT_REFERENCE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0; /* 0: glibc starts over */
    for (;;) {
        optopt = 0;
        int c = getopt_long(argc, argv, ":h", opts, NULL);
        if (c == -1 || rc != 0) {
            break;
        }
        char flag[64];
        cli_flag_at_fault(argc, argv, flag, sizeof flag);
        switch (c) {
        case CHECK_OPT_SET:
            overrides[override_count++] = optarg;
            break;
        case CHECK_OPT_REFERENCE:
            reference = true;
            break;
        case 'h':
            fputs(CHECK_USAGE "\n"
                  "Validates CONFIG against the schema and prints the effective config,\n"
                  "every default filled in, as YAML that loads back to the same settings.\n"
                  "Also checks what needs several keys at once. Errors read\n"
                  "FILE:LINE:COL: error: MESSAGE; the exit code is then 2.\n\n"
                  "  --set KEY=VALUE   override one key (repeatable)\n"
                  "  --reference       print the config reference (docs/config.md)\n"
                  "  -h, --help        this help\n",
                  stdout);
            petri_free(overrides, ((size_t)argc + 1) * sizeof *overrides);
            return 0;
        default:
            rc = c == ':' && strcmp(flag, "--set") == 0
                     ? check_usage_error("option '%s' needs a value: --set KEY=VALUE", flag)
                     : cli_flag_error("check", CHECK_USAGE, c, argc, argv);
        }
    }
    for (int i = optind; rc == 0 && i < argc; ++i) {
        if (path != NULL) {
            rc = check_usage_error("one CONFIG only; '%s' is a second one", argv[i]);
        } else {
            path = argv[i];
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
