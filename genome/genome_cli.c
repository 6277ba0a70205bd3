/* `petri export GENOME|LOG --json|--dot|--bin [-o FILE] [--generation N]
 * [--config CONFIG [--pop NAME]] [--all] [--min-weight W]`: prints a
 * genome file (binary or JSON), or one generation's champion from a run's
 * champions log, as JSON or Graphviz DOT with the names of its inputs and
 * outputs when the file holds them or a config gives them, or writes it
 * as a binary genome file (what `petri view --genome` reads). A bad file
 * or flag is a message on stderr and exit code 2. */
#include "genome/genome.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_USAGE                                                                         \
    "usage: petri export GENOME|LOG --json|--dot|--bin [-o FILE] [--generation N|last]\n"     \
    "                    [--config CONFIG|RUNDIR [--pop NAME]] [--all] [--min-weight W]\n"
#define EXPORT_HELP                                                                          \
    "Prints a genome (binary .ptrg/.bin or JSON) as JSON (docs/genome-format.md) or\n"     \
    "as Graphviz DOT, on stdout or into FILE, or writes it as a binary genome file.\n"      \
    "Inputs and outputs carry names (vision.food.3, energy, turn, ...;\n"                   \
    "docs/brain-io.md) when the JSON file holds them, as the champions a run writes\n"     \
    "do, or when --config gives them.\n\n"                                                  \
    "LOG is a run's RUNDIR/champions/generations/POP.champions, every generation's\n"      \
    "champion of population POP: --generation N picks one (without it, export says\n"     \
    "which generations the log holds). Its inputs and outputs are named from\n"           \
    "RUNDIR/config.yaml.\n\n"                                                               \
    "  --json              JSON, the petri-genome format\n"                                 \
    "  --dot               Graphviz DOT: inputs left, outputs right, edge width by\n"       \
    "                      |weight|, blue positive, red negative\n"                         \
    "  --bin               a binary genome file, as `petri view --genome FILE` and\n"       \
    "                      `petri eval FILE` take it (no names); needs --out\n"            \
    "  -o, --out FILE      write FILE (atomically) instead of stdout\n"                      \
    "  --generation N      from LOG, the champion of generation N (last: the newest)\n"     \
    "  --config CONFIG     name the inputs and outputs as a brain of CONFIG's population\n" \
    "                      (a run folder: its config.yaml); the counts must match\n"        \
    "  --pop NAME          that population (default: the one that evolves)\n"              \
    "  --all               DOT: also disabled and faint connections, and every input\n"     \
    "  --min-weight W      DOT: leave out enabled connections with |weight| < W\n"          \
    "                      (default 0.5; 0 with --all)\n"                                   \
    "  -h, --help          this help\n"

/* "petri export: MESSAGE", the usage, exit code 2. */
static int export_error(const char *fmt, const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    return cli_usage_error("export", EXPORT_USAGE, "%s", msg);
}

enum { OPT_JSON = 256, OPT_DOT, OPT_BIN, OPT_CONFIG, OPT_POP, OPT_ALL, OPT_MIN_WEIGHT, OPT_GEN };

enum { FORMAT_NONE, FORMAT_JSON, FORMAT_DOT, FORMAT_BIN };

typedef struct ExportArgs {
    const char *path, *out_path, *config, *pop;
    int format; /* FORMAT_* */
    bool all, min_weight_set;
    double min_weight;
    const char *generation_arg; /* --generation as typed, NULL without it */
    uint64_t generation;        /* 0: last */
} ExportArgs;

/* --generation N (N >= 1) or "last" into *out (0 for last). */
static bool parse_generation(const char *s, uint64_t *out)
{
    if (strcmp(s, "last") == 0) {
        *out = 0;
        return true;
    }
    if (s[0] < '0' || s[0] > '9') {
        return false;
    }
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0) {
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

/* Parses argv into a: 0 to go on, -1 when --help was printed (exit 0),
 * else the exit code 2 after the message. */
static int export_parse(int argc, char **argv, ExportArgs *a)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"dot", no_argument, NULL, OPT_DOT},
        {"bin", no_argument, NULL, OPT_BIN},
        {"out", required_argument, NULL, 'o'},
        {"generation", required_argument, NULL, OPT_GEN},
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
        case OPT_DOT:
        case OPT_BIN: {
            int f = c == OPT_JSON ? FORMAT_JSON : c == OPT_DOT ? FORMAT_DOT : FORMAT_BIN;
            if (a->format != FORMAT_NONE && a->format != f) {
                return export_error("choose one of --json, --dot and --bin%s", "");
            }
            a->format = f;
            break;
        }
        case 'o': a->out_path = optarg; break;
        case OPT_GEN:
            if (!parse_generation(optarg, &a->generation)) {
                return export_error("--generation needs a generation number >= 1 or 'last' "
                                    "(got '%s')",
                                    optarg);
            }
            a->generation_arg = optarg;
            break;
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
    /* the format is checked once the file is known: a log without
     * --generation first says which generations it holds */
    if (a->pop != NULL && a->config == NULL) {
        return export_error("--pop names a population of --config CONFIG: give the config%s",
                            "");
    }
    if (a->format != FORMAT_DOT && a->format != FORMAT_NONE && (a->all || a->min_weight_set)) {
        return export_error("--all and --min-weight shape the drawing: use them with --dot%s",
                            "");
    }
    if (a->format == FORMAT_BIN && a->out_path == NULL) {
        return export_error("--bin writes a binary genome file: name it with --out FILE%s", "");
    }
    return 0;
}

/* The genome as JSON or DOT into b. */
static void export_render(const Genome *g, const GenomeNames *names, const ExportArgs *a,
                          ByteBuf *b)
{
    if (a->format == FORMAT_JSON) {
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

/* The champion of --generation from the champions log at a->path (span
 * already read) into g and names: 0, else the exit code after the message. */
static int export_load_log(const ExportArgs *a, GenomeLogReader read_log, GenomeLogSpan *span,
                           Genome *g, GenomeNames *names, PetriError *err)
{
    const char *path = a->path;
    if (span->count == 0) {
        fprintf(stderr,
                "%s: error: a champions log that holds no generation yet%s: nothing to export\n",
                path, span->torn ? " (its first record is torn or corrupt)" : "");
        return 2;
    }
    uint64_t first = span->first, last = span->first + span->count - 1;
    const char *tail = span->torn ? "; the bytes after its last one are torn or corrupt" : "";
    if (a->generation_arg == NULL) {
        return cli_usage_error("export", EXPORT_USAGE,
                               "%s is a champions log of generations %" PRIu64 "..%" PRIu64
                               "%s: choose one with --generation N (or --generation last)",
                               path, first, last, tail);
    }
    uint64_t gen = a->generation == 0 ? last : a->generation;
    if (gen < first || gen > last) {
        return cli_usage_error("export", EXPORT_USAGE,
                               "--generation %" PRIu64 ": %s holds generations %" PRIu64
                               "..%" PRIu64 "%s",
                               gen, path, first, last, tail);
    }
    if (a->format == FORMAT_NONE) {
        return export_error("choose a format: --json, --dot or --bin%s", "");
    }
    if (read_log(path, gen, g, a->config == NULL ? names : NULL, span, err) != PETRI_OK) {
        error_print(err, stderr);
        return 2;
    }
    return 0;
}

/* The genome that a names (a file, or a generation of a log) into g and
 * names: 0, else the exit code after the message. */
static int export_load(const ExportArgs *a, const GenomeExportHooks *hooks, Genome *g,
                       GenomeNames *names, PetriError *err)
{
    GenomeLogReader read_log = hooks != NULL ? hooks->read_log : NULL;
    GenomeLogSpan span = {0};
    if (read_log != NULL) {
        if (read_log(a->path, 0, NULL, NULL, &span, err) != PETRI_OK) {
            error_print(err, stderr);
            return 2;
        }
        if (span.is_log) {
            return export_load_log(a, read_log, &span, g, names, err);
        }
    }
    if (a->generation_arg != NULL) {
        if (read_log == NULL) {
            return export_error("--generation is not available in this build%s", "");
        }
        /* not a log: say what the file is instead */
        PetriError why;
        error_clear(&why);
        if (genome_load_any(g, a->path, &why) == PETRI_OK) {
            return export_error("%s is one genome, not a champions log: --generation picks a "
                                "generation's champion from RUNDIR/champions/generations/"
                                "POP.champions",
                                a->path);
        }
        if (why.code == PETRI_EFORMAT) {
            fprintf(stderr,
                    "%s: error: not a champions log (no PTGC header) nor a genome: "
                    "--generation reads RUNDIR/champions/generations/POP.champions\n",
                    a->path);
        } else {
            error_print(&why, stderr);
        }
        return 2;
    }
    if (a->format == FORMAT_NONE) {
        return export_error("choose a format: --json, --dot or --bin%s", "");
    }
    if (genome_load_any_named(g, names, a->path, err) != PETRI_OK) {
        error_print(err, stderr);
        return 2;
    }
    return 0;
}

int genome_export_run(int argc, char **argv, const GenomeExportHooks *hooks)
{
    ExportArgs a = {0};
    int rc = export_parse(argc, argv, &a);
    if (rc != 0) {
        return rc < 0 ? 0 : rc;
    }
    GenomeNamer namer = hooks != NULL ? hooks->namer : NULL;
    if (a.config != NULL && namer == NULL) {
        return export_error("--config is not available in this build%s", "");
    }
    Genome g;
    genome_init(&g, 0, 1);
    GenomeNames names;
    genome_names_init(&names);
    PetriError err;
    error_clear(&err);
    rc = export_load(&a, hooks, &g, &names, &err);
    if (rc == 0 && a.config != NULL && namer(a.config, a.pop, &g, &names, &err) != PETRI_OK) {
        error_print(&err, stderr);
        rc = 2;
    }
    if (rc == 0 && a.format == FORMAT_BIN) {
        if (genome_save(&g, a.out_path, &err) != PETRI_OK) {
            error_print(&err, stderr);
            rc = 2;
        }
    } else if (rc == 0) {
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
