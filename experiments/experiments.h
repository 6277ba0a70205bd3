/*
 * experiments: what is run many times. The classic benchmark tasks (XOR,
 * pole balancing) and the throughput benchmark scenarios.
 */
#ifndef PETRI_EXPERIMENTS_H
#define PETRI_EXPERIMENTS_H

/* `petri task NAME [--runs N] [--seed S] [--json] [--out DIR]` */
int task_main(int argc, char **argv);
/* `petri bench [SCENARIO] [--threads 1,2,4] [--json]` */
int bench_main(int argc, char **argv);
/* `petri sweep SWEEP.yaml [--dry-run] [--jobs N] [--slurm ...]` */
int sweep_main(int argc, char **argv);
/* `petri summarize DIR... [--by KEY] [--out DIR]` */
int summarize_main(int argc, char **argv);

#endif
