/*
 * The command line's one wording for a mistake, shared by every command:
 *
 *   petri CMD: error: unknown option '--bogus'
 *   petri CMD: error: option '--out' needs a value
 *   petri CMD: error: option '--json' takes no value
 *   USAGE
 *   (`petri CMD --help` tells more)
 *
 * and the flag at fault as the user typed it, recovered from getopt_long's
 * state after it refused one.
 */
#include "core/core.h"

#include <getopt.h>
#include <stdarg.h>
#include <string.h>

/* Writes the flag at fault into out; returns true for a long one. */
static bool flag_at_fault(int argc, char **argv, char *out, size_t cap)
{
    /* getopt_long has stepped past the word it refused, unless a short flag
     * sat inside a cluster ("-zq"), where optind still names that word. */
    const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    bool printable = optopt > ' ' && optopt < 127;
    bool in_cluster = printable && optind < argc && argv[optind][0] == '-' &&
                      argv[optind][1] != '-' && strchr(argv[optind] + 1, optopt) != NULL;
    if (printable && (in_cluster || strncmp(word, "--", 2) != 0)) {
        snprintf(out, cap, "-%c", optopt);
        return false;
    }
    /* a long flag: glibc puts 0 (unknown) or its value (known) in optopt */
    snprintf(out, cap, "%.*s", (int)strcspn(word, "="), word);
    return true;
}

void cli_flag_at_fault(int argc, char **argv, char *out, size_t cap)
{
    flag_at_fault(argc, argv, out, cap);
}

int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    fprintf(stderr, "petri %s: error: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (usage != NULL) {
        fputs(usage, stderr);
        if (usage[0] != '\0' && usage[strlen(usage) - 1] != '\n') {
            fputc('\n', stderr);
        }
    }
    fprintf(stderr, "(`petri %s --help` tells more)\n", cmd);
    return 2;
}

int cli_flag_error(const char *cmd, const char *usage, int c, int argc, char **argv)
{
    char flag[64];
    bool is_long = flag_at_fault(argc, argv, flag, sizeof flag);
    if (c == ':') {
        return cli_usage_error(cmd, usage, "option '%s' needs a value", flag);
    }
    if (is_long && optopt != 0) {
        /* a flag getopt knows, given "=VALUE" it does not take */
        return cli_usage_error(cmd, usage, "option '%s' takes no value", flag);
    }
    return cli_usage_error(cmd, usage, "unknown option '%s'", flag);
}
