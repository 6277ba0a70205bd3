/* Placeholder until `petri check` is built. */
#include "sim/sim.h"

int sim_check_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "petri check: not built yet\n");
    return 2;
}
