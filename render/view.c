/* `petri view`: placeholder until the run object lands. */
#include "render/render_internal.h"

#include <stdio.h>

int view_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "petri view: not built yet in this version\n");
    return 2;
}
