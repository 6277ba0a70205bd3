/* Placeholder until `petri bench` is built; it says so and exits 2. */
#include "experiments/experiments.h"

#include <stdio.h>

int bench_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "petri bench: not built yet\n");
    return 2;
}
