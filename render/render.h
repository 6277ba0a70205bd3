/*
 * render: the SDL2 viewer (`petri view`). The only module that includes
 * SDL. The simulation runs on a thread of its own through the run object;
 * an observer copies what is drawn into a snapshot after each observed
 * tick, and the main thread draws the newest snapshot. Drawing never
 * changes the simulation: a run with the window ends with the same state
 * hash as the same run headless.
 */
#ifndef PETRI_RENDER_H
#define PETRI_RENDER_H

/* `petri view CONFIG|RUNDIR [--set k=v]... [--genome FILE]... [--frames N]
 * [--screenshot FILE.png] [--record FILE.mp4] ...`; returns the exit code. */
int view_main(int argc, char **argv);

#endif
