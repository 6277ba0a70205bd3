/* Placeholder until `petri task` is built; it says so and exits 2. */
#include "experiments/experiments.h"

#include <stdio.h>

int task_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "petri task: not built yet\n");
    return 2;
}
