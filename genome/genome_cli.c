/* `petri export GENOME --json|--dot [-o FILE]`: prints a genome file
 * (binary or JSON) as JSON or Graphviz DOT. A bad file or flag is a
 * message on stderr and exit code 2. */
#include "genome/genome.h"

#include <getopt.h>
#include <string.h>

#define EXPORT_USAGE "usage: petri export GENOME --json|--dot [-o FILE]\n"
#define EXPORT_HELP                                                                          \
    "Prints a genome (binary .ptrg or JSON) as JSON (docs/genome-format.md) or as\n"       \
    "Graphviz DOT, on stdout or into FILE.\n\n"                                             \
    "  --json            JSON, the petri-genome format\n"                                   \
    "  --dot             Graphviz DOT\n"                                                    \
    "  -o, --out FILE    write FILE (atomically) instead of stdout\n"                        \
    "  -h, --help        this help\n"

/* "petri export: MESSAGE", the usage, exit code 2. */
static int export_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "petri export: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s(`petri export --help` tells more)\n", EXPORT_USAGE);
    return 2;
}

enum { OPT_JSON = 256, OPT_DOT };

int genome_export_main(int argc, char **argv)
{
    const char *path = NULL, *out_path = NULL;
    int format = 0; /* 1 json, 2 dot */
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"dot", no_argument, NULL, OPT_DOT},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0; /* 0: glibc starts over (a second call in one process) */
    for (;;) {
        int c = getopt_long(argc, argv, ":ho:", opts, NULL);
        if (c == -1) {
            break;
        }
        /* The flag at fault. A long one sits just before optind (getopt
         * has permuted it there); getopt names a short one in optopt. */
        const char *last = argv[optind - 1];
        bool is_long = strncmp(last, "--", 2) == 0 &&
                       (optopt == 0 || optopt >= 256 || c == ':' || strchr("ho", optopt) != NULL);
        char short_flag[3] = {'-', (char)optopt, '\0'};
        const char *flag = is_long ? last : short_flag;
        switch (c) {
        case OPT_JSON:
        case OPT_DOT: {
            int f = c == OPT_JSON ? 1 : 2;
            if (format != 0 && format != f) {
                return export_error("choose one of --json and --dot%s", "");
            }
            format = f;
            break;
        }
        case 'o':
            out_path = optarg;
            break;
        case 'h':
            printf("%s\n%s", EXPORT_USAGE, EXPORT_HELP);
            return 0;
        case ':':
            return export_error("option '%s' needs a file name", flag);
        default:
            return export_error("unknown option '%s'", flag);
        }
    }
    for (int i = optind; i < argc; ++i) {
        if (path == NULL) {
            path = argv[i];
        } else {
            return export_error("one genome at a time ('%s' is extra)", argv[i]);
        }
    }
    if (path == NULL) {
        return export_error("missing GENOME%s", "");
    }
    if (format == 0) {
        return export_error("choose a format: --json or --dot%s", "");
    }
    Genome g;
    genome_init(&g, 0, 1);
    PetriError err;
    error_clear(&err);
    if (genome_load_any(&g, path, &err) != PETRI_OK) {
        error_print(&err, stderr);
        genome_fini(&g);
        return 2;
    }
    ByteBuf b;
    buf_init(&b);
    if (format == 1) {
        genome_write_json(&g, &b);
    } else {
        genome_write_dot(&g, &b);
    }
    int rc = 0;
    if (out_path != NULL) {
        if (file_write_atomic(out_path, b.data, b.len, &err) != PETRI_OK) {
            error_print(&err, stderr);
            rc = 2;
        }
    } else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0) {
        fprintf(stderr, "petri export: cannot write to stdout\n");
        rc = 2;
    }
    buf_fini(&b);
    genome_fini(&g);
    return rc;
}
