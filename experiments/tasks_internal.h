/*
 * The classic benchmark tasks behind `petri task`: what each task is (its
 * network shape, its NEAT settings, its fitness and its test of a
 * solution) and the double-pole physics. Shared by experiments/task*.c,
 * xor.c, pole.c and the tests only.
 */
#ifndef PETRI_TASKS_INTERNAL_H
#define PETRI_TASKS_INTERNAL_H

#include "brain/brain.h"
#include "genome/genome.h"

/* What a run's tests of candidate solutions record; zeroed at the run's
 * start, passed to every find_solution call of the run. */
typedef struct TaskCheck {
    int refused;          /* candidates that solved the task with the float32
                           * network but failed the double-precision recheck */
    int first_refused;    /* generation (1-based) of the first; 0: none */
    int generation;       /* the generation being tested (1-based), set by the run */
    void *state;          /* the task's own record across a run's calls (petri_alloc'd
                           * by the task, state_bytes long; the run frees it) */
    size_t state_bytes;
} TaskCheck;

/* One benchmark task. */
typedef struct TaskSpec {
    const char *name;
    const char *summary;
    int inputs, outputs;
    int max_generations;      /* a run that has not solved by then fails */
    double paper_evaluations; /* the NEAT paper's mean evaluations to solve */
    /* The task's NEAT settings (starting from neat_default_def()). */
    void (*tune)(NeatDef *def);
    /* Fitness of one genome; thread-safe, a pure function of the genome. */
    NeatEvalFn eval;
    /* After a generation has been evaluated: the index of a genome that
     * solves the task, or -1. Called serially. A task whose solutions are
     * rechecked in double precision (has_recheck) counts a candidate only
     * when it passes both, and records the refused ones in check. */
    int (*find_solution)(const NeatPopulation *pop, TaskCheck *check);
    bool has_recheck;
} TaskSpec;

/* The outcome of one run of a task. */
typedef struct TaskRun {
    bool solved;
    int generations;       /* generations evaluated */
    uint64_t evaluations;  /* genomes evaluated */
    int hidden, conns;     /* of the champion */
    double best_fitness;
    double seconds;
    int refused;           /* float32 solutions refused by the double-precision recheck */
    int first_refused;     /* generation of the first refusal, 0 if none */
    Genome champion;       /* the solution, or the best genome ever; genome_fini it */
} TaskRun;

/* The seed of run `run` of a task started with `seed`. */
uint64_t task_run_seed(uint64_t seed, int run);
/* Evolves until a genome solves the task or max_generations have been
 * evaluated; fills r (r->champion is initialised here). */
void task_run_one(const TaskSpec *t, const NeatDef *def, uint64_t seed, int max_generations,
                  TaskRun *r);

/* NULL for an unknown name. */
const TaskSpec *task_find(const char *name);
/* All tasks, for the usage text. */
const TaskSpec *task_list(int *count);

extern const TaskSpec task_xor;
extern const TaskSpec task_pole2;
extern const TaskSpec task_pole2_novel;

/* XOR: the sum of absolute output errors over the four cases, and whether
 * every case is on the right side of 0.5 (the NEAT paper's criterion). */
double xor_error(const Genome *g, bool *all_correct);

/* ---- double pole balancing (Wieland 1991; NEAT and ESP's constants) */

#define POLE_TRACK 2.4              /* m: the cart fails beyond +-this */
#define POLE_FAIL_ANGLE 0.6283185307179586 /* rad (36 degrees) */
#define POLE_FORCE 10.0             /* N: the largest push either way */
#define POLE_DT 0.01                /* s per step, one RK4 step */
#define POLE_SOLVE_STEPS 100000     /* steps a solution balances */

/* x (m), dx (m/s), then per pole angle (rad from upright, positive
 * toward +x) and angular velocity (rad/s): long pole first. */
typedef struct PoleState {
    double x, dx;
    double theta1, dtheta1;
    double theta2, dtheta2;
} PoleState;

/* The usual start: centred cart at rest, long pole at 1 degree. */
PoleState pole_start_state(void);
/* Advances one POLE_DT step under force (N, positive toward +x) with
 * fourth-order Runge-Kutta. */
void pole_step(PoleState *s, double force);
/* Cart off the track or a pole past the failure angle. */
bool pole_failed(const PoleState *s);
/* The time derivative of the state (exposed for tests). */
PoleState pole_derivative(const PoleState *s, double force);

/* Steps a compiled brain balances from `start` (up to max_steps), with
 * velocities in the inputs (6 inputs) or without (3 inputs, recurrent
 * networks). When jiggle is not NULL it receives the sum over the last
 * 100 steps of |x| + |dx| + |theta1| + |dtheta1| (Gruau's stability term;
 * only meaningful when at least 100 steps were balanced). */
int pole_balance(BrainPool *pool, int brain, const PoleState *start, bool velocities,
                 int max_steps, double *jiggle);
/* Gruau et al.'s generalisation test for the no-velocity task: from 625
 * start states (x, dx, theta1, dtheta1 each at 5 points of their range,
 * short pole upright), how many are balanced for 1,000 steps. */
int pole_generalisation(BrainPool *pool, int brain);
#define POLE_GENERALISE_STARTS 625
/* Start state i (0..624) of the generalisation test. */
PoleState pole_generalisation_start(int i);

/* ---- the double-precision recheck: the same network with double sums
 * and activations (the genome's float weights and biases promoted), the
 * same double-precision physics. A solution of pole2 or pole2-novel
 * counts only if it balances here too, so that none balances only thanks
 * to float32 rounding. */
typedef struct PoleNet64 PoleNet64;
PoleNet64 *pole_net64_create(const Genome *g);
void pole_net64_destroy(PoleNet64 *net);
void pole_net64_reset(PoleNet64 *net);
void pole_net64_step(PoleNet64 *net, const double *inputs, double *outputs);
/* pole_balance and pole_generalisation with the double network. */
int pole_balance64(PoleNet64 *net, const PoleState *start, bool velocities, int max_steps);
int pole_generalisation64(PoleNet64 *net);
/* The task's solve criterion, run with the double network: pole2 (velocities)
 * balances 100,000 steps from pole_start_state; pole2-novel balances
 * 100,000 steps from its 0.07 rad start and 200 of the 625 generalisation
 * starts. */
bool pole2_recheck(const Genome *g);
bool pole2_novel_recheck(const Genome *g);

#endif
