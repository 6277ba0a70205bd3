/* Placeholders until `petri run` and `petri resume` are built. */
#include "sim/sim.h"

int sim_run_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "petri run: not built yet\n");
    return 2;
}

int sim_resume_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "petri resume: not built yet\n");
    return 2;
}
