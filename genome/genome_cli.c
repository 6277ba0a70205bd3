/* `petri export GENOME --json|--dot [-o FILE]`: prints a genome file
 * (binary or JSON) as JSON or Graphviz DOT. A bad file or flag is a
 * message on stderr and exit code 2. */
#include "genome/genome.h"

#include <string.h>

static int export_usage(void)
{
    fprintf(stderr, "usage: petri export GENOME --json|--dot [-o FILE]\n");
    return 2;
}

int genome_export_main(int argc, char **argv)
{
    const char *path = NULL, *out_path = NULL;
    int format = 0; /* 1 json, 2 dot */
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "--dot") == 0) {
            int f = argv[i][2] == 'j' ? 1 : 2;
            if (format != 0 && format != f) {
                fprintf(stderr, "petri export: choose one of --json and --dot\n");
                return 2;
            }
            format = f;
        } else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "petri export: %s needs a file name\n", argv[i]);
                return 2;
            }
            out_path = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: petri export GENOME --json|--dot [-o FILE]\n\n"
                   "Prints a genome (binary .ptrg or JSON) as JSON (docs/genome-format.md) or as\n"
                   "Graphviz DOT, on stdout or into FILE.\n");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "petri export: unknown flag '%s'\n", argv[i]);
            return export_usage();
        } else if (path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "petri export: one genome at a time ('%s' is extra)\n", argv[i]);
            return 2;
        }
    }
    if (path == NULL || format == 0) {
        return export_usage();
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
