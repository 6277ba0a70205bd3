/* `petri export GENOME --json|--dot [-o FILE] [--config CONFIG [--pop NAME]]
 * [--all] [--min-weight W]`: prints a genome file (binary or JSON) as
 * JSON or Graphviz DOT, with the names of its inputs and outputs when
 * the file holds them or a config gives them. A bad file or flag is a
 * message on stderr and exit code 2. */
#include "genome/genome.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_USAGE                                                                         \
    "usage: petri export GENOME --json|--dot [-o FILE] [--config CONFIG|RUNDIR [--pop NAME]]\n" \
    "                    [--all] [--min-weight W]\n"
#define EXPORT_HELP                                                                          \
    "Prints a genome (binary .ptrg or JSON) as JSON (docs/genome-format.md) or as\n"       \
    "Graphviz DOT, on stdout or into FILE. Inputs and outputs carry names\n"                \
    "(vision.food.3, energy, turn, ...; docs/brain-io.md) when the JSON file holds\n"       \
    "them, as the champions a run writes do, or when --config gives them.\n\n"           \
    "  --json              JSON, the petri-genome format\n"                                 \
    "  --dot               Graphviz DOT: inputs left, outputs right, edge width by\n"       \
    "                      |weight|, blue positive, red negative\n"                         \
    "  -o, --out FILE      write FILE (atomically) instead of stdout\n"                      \
    "  --config CONFIG     name the inputs and outputs as a brain of CONFIG's population\n" \
    "                      (a run folder: its config.yaml); the counts must match\n"        \
    "  --pop NAME          that population (default: the one that evolves)\n"              \
    "  --all               DOT: also disabled and faint connections, and every input\n"     \
    "  --min-weight W      DOT: leave out enabled connections with |weight| < W\n"          \
    "                      (default 0.5; 0 with --all)\n"                                                 \
    "  -h, --help          this help\n"

/* "petri export: MESSAGE", the usage, exit code 2. */
static int export_error(const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    return cli_usage_error("export", EXPORT_USAGE, "%s", msg);
}

enum { OPT_JSON = 256, OPT_DOT, OPT_CONFIG, OPT_POP, OPT_ALL, OPT_MIN_WEIGHT };

typedef struct ExportArgs {
    const char *path, *out_path, *config, *pop;
    int format; /* 1 json, 2 dot */
    bool all, min_weight_set;
    double min_weight;
} ExportArgs;

/* Parses argv into a: 0 to go on, -1 when --help was printed (exit 0),
 * else the exit code 2 after the message. */
static int export_parse(int argc, char **argv, ExportArgs *a)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"dot", no_argument, NULL, OPT_DOT},
        {"out", required_argument, NULL, 'o'},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"pop", required_argument, NULL, OPT_POP},
        {"all", no_argument, NULL, OPT_ALL},
        {"min-weight", required_argument, NULL, OPT_MIN_WEIGHT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optind = 0; /* 0: glibc starts over (a second call in one process) */
    for (;;) {
        optopt = 0;
        int c = getopt_long(argc, argv, ":ho:", opts, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        case OPT_JSON:
        case OPT_DOT: {
            int f = c == OPT_JSON ? 1 : 2;
            if (a->format != 0 && a->format != f) {
                return export_error("choose one of --json and --dot%s", "");
            }
            a->format = f;
            break;
        }
        case 'o': a->out_path = optarg; break;
        case OPT_CONFIG: a->config = optarg; break;
        case OPT_POP: a->pop = optarg; break;
        case OPT_ALL: a->all = true; break;
        case OPT_MIN_WEIGHT: {
            char *end = NULL;
            a->min_weight = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !isfinite(a->min_weight) || a->min_weight < 0) {
                return export_error("--min-weight needs a number >= 0 (got '%s')", optarg);
            }
            a->min_weight_set = true;
            break;
        }
        case 'h':
            printf("%s\n%s", EXPORT_USAGE, EXPORT_HELP);
            return -1;
        default:
            return cli_flag_error("export", EXPORT_USAGE, c, argc, argv);
        }
    }
    for (int i = optind; i < argc; ++i) {
        if (a->path == NULL) {
            a->path = argv[i];
        } else {
            return export_error("one genome at a time ('%s' is extra)", argv[i]);
        }
    }
    if (a->path == NULL) {
        return export_error("missing GENOME%s", "");
    }
    if (a->format == 0) {
        return export_error("choose a format: --json or --dot%s", "");
    }
    if (a->pop != NULL && a->config == NULL) {
        return export_error("--pop names a population of --config CONFIG: give the config%s",
                            "");
    }
    if (a->format == 1 && (a->all || a->min_weight_set)) {
        return export_error("--all and --min-weight shape the drawing: use them with --dot%s",
                            "");
    }
    return 0;
}

/* The genome as JSON or DOT into b. */
static void export_render(const Genome *g, const GenomeNames *names, const ExportArgs *a,
                          ByteBuf *b)
{
    if (a->format == 1) {
        genome_write_json_named(g, names, b);
        return;
    }
    GenomeDotOptions opt = genome_dot_default_options();
    opt.names = names;
    opt.all = a->all;
    if (a->min_weight_set) {
        opt.min_weight = a->min_weight;
    } else if (a->all) {
        opt.min_weight = 0.0;
    }
    genome_write_dot_with(g, &opt, b);
}

static int export_write(const ByteBuf *b, const char *out_path, PetriError *err)
{
    if (out_path != NULL) {
        if (file_write_atomic(out_path, b->data, b->len, err) != PETRI_OK) {
            error_print(err, stderr);
            return 2;
        }
    } else if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
        fprintf(stderr, "petri export: cannot write to stdout\n");
        return 2;
    }
    return 0;
}

int genome_export_run(int argc, char **argv, GenomeNamer namer)
{
    ExportArgs a = {0};
    int rc = export_parse(argc, argv, &a);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    if (a.config != NULL && namer == NULL) {
        return export_error("--config is not available in this build%s", "");
    }
    Genome g;
    genome_init(&g, 0, 1);
    GenomeNames names;
    genome_names_init(&names);
    PetriError err;
    error_clear(&err);
    PetriStatus st = genome_load_any_named(&g, &names, a.path, &err);
    if (st == PETRI_OK && a.config != NULL) {
        st = namer(a.config, a.pop, &g, &names, &err);
    }
    if (st != PETRI_OK) {
        error_print(&err, stderr);
        rc = 2;
    } else {
        ByteBuf b;
        buf_init(&b);
        export_render(&g, &names, &a, &b);
        rc = export_write(&b, a.out_path, &err);
        buf_fini(&b);
    }
    genome_names_fini(&names);
    genome_fini(&g);
    return rc;
}

int genome_export_main(int argc, char **argv)
{
    return genome_export_run(argc, argv, NULL);
}
