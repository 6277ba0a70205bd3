/* Placeholder until `petri export` is built; it says so and exits 2. */
#include "genome/genome.h"

int genome_export_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "petri export: not built yet\n");
    return 2;
}
