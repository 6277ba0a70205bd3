/*
 * Petri's entry: parses the first word of the command line and hands each
 * subcommand to the module that owns it. Only main() exits.
 */
#include "core/core.h"
#include "experiments/experiments.h"
#include "genome/genome.h"
#include "sim/sim.h"
#if PETRI_SDL
#include "render/render.h"
#endif

#include <getopt.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Command {
    const char *name;
    int (*main)(int argc, char **argv); /* NULL: not built yet */
    const char *usage;
    const char *summary;
    const char *help;
} Command;

#if !PETRI_SDL
/* This petri was built without SDL2: say how to get the viewer. */
static int view_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "petri view: this petri was built without the viewer (SDL=0, or SDL2 was not\n"
                    "installed when it was built). To get it: `make deps` (installs libsdl2-dev,\n"
                    "libsdl2-ttf-dev, fonts-dejavu-core and libpng-dev), then `make clean && make`.\n"
                    "Everything else runs headless: petri run CONFIG.\n");
    return 2;
}
#endif

static const Command commands[] = {
    {"run", sim_run_main,
     "petri run CONFIG [--set k=v]... [--out DIR] [--force] [--threads N] [--generations N] "
     "[--watch] [--quiet]",
     "evolve the populations of a world, headless",
     "Loads CONFIG, applies each --set override, and evolves. The run folder\n"
     "(default runs/NAME) gets the effective config, statistics, champions,\n"
     "checkpoints and summary.json; it is locked while the run lives. Ctrl-C\n"
     "writes a checkpoint and stops; `petri resume RUNDIR` carries on.\n"
     "`petri run --help` lists every flag (--force, --watch, ...)."},
    {"resume", sim_resume_main,
     "petri resume RUNDIR [--generations N] [--threads N] [--checkpoint FILE] [--quiet]",
     "continue a run from its newest checkpoint",
     "Continues a run exactly where its newest checkpoint left it; a run that\n"
     "is already done is left as it is. `petri resume --help` lists the flags."},
    {"view", view_main,
     "petri view CONFIG|RUNDIR [--set k=v]... [--genome FILE]... [--frames N] "
     "[--screenshot F.png] [--record F.mp4]",
     "watch a world in a window, inspect agents, edit the config live",
     "Runs CONFIG (writing its run folder as `petri run` does), or continues\n"
     "RUNDIR from its newest checkpoint, and shows it in an SDL2 window: the\n"
     "world, the selected agent and its brain, live plots. Editing the config\n"
     "file applies its live keys between generations. --genome drops champion\n"
     "genomes into the world. Off-screen: --frames N --screenshot F.png writes a\n"
     "PNG of frame N (tick N), --record F.mp4 pipes frames to ffmpeg.\n"
     "docs/viewer.md lists the keys; press h in the window."},
    {"check", sim_check_main, "petri check CONFIG [--set k=v]... | petri check --reference",
     "validate a config and print the effective config",
     "Validates CONFIG against the schema and prints the effective config, every\n"
     "default filled in, as YAML that loads back to the same settings. Every\n"
     "error is reported as FILE:LINE:COL: error: MESSAGE; the exit code is 2.\n"
     "--reference prints the config reference (docs/config.md)."},
    {"eval", sim_eval_main,
     "petri eval RUNDIR | GENOME... [--seeds N] [--against forager,random,...] [--json]",
     "replay champions on held-out seeds beside baseline rules",
     "Puts each evolved population's champion back into the run's world on N\n"
     "held-out seeds (default 20, never seeds used in training), then each\n"
     "rule of --against (default forager,random) in the same slot on the same\n"
     "seeds, and prints fitness, food per tick, survival and kills with 95%\n"
     "intervals, and champion minus rule paired by seed. GENOME files play\n"
     "population --pop of --config (default configs/default.yaml).\n"
     "--population adds the run's final population (newest checkpoint).\n"
     "--ciao [--ciao-gens N] [--out DIR]: generation champions of the two\n"
     "evolved populations against each other's earlier ones (a CIAO table):\n"
     "ciao.csv and plots/ciao.png.\n"
     "docs/outputs.md gives the --json schema and how to read CIAO."},
    {"bench", bench_main,
     "petri bench [SCENARIO]... [--threads 1,2,4] [--json] [--ticks N] [--warmup N] [--hash] "
     "[--isa scalar|sse2|avx2]",
     "measure agent-steps per second", "Runs a named throughput scenario."},
    {"task", task_main,
     "petri task NAME [--runs N] [--seed S] [--json] [--out DIR] [--threads N] "
     "[--generations N] [--set KEY=VALUE]...",
     "run a classic benchmark task (xor, pole2, pole2-novel)",
     "Runs a classic neuroevolution task many times and prints a table."},
    {"export", sim_export_main,
     "petri export GENOME|LOG --json|--dot|--bin [-o FILE] [--generation N|last] "
     "[--config CONFIG [--pop NAME]] [--all] [--min-weight W]",
     "print a genome or a generation's champion as JSON, DOT or binary",
     "Converts a binary or JSON genome file, or one generation's champion of a\n"
     "run's champions log (RUNDIR/champions/generations/POP.champions, with\n"
     "--generation N), to JSON, DOT or a binary genome file (--bin --out FILE)\n"
     "that `petri view --genome` and `petri eval` take. `petri export --help`\n"
     "lists every flag."},
    {"sweep", sweep_main,
     "petri sweep SWEEP.yaml [--dry-run] [--jobs N] [--threads N] "
     "[--slurm [--time T] [--partition P] [--signal S]]",
     "run a grid of configs and replicates, here or as a SLURM job array",
     "Expands a sweep file (a base config, a grid of overrides, variants,\n"
     "replicates, a sweep seed) into runs, each with its own seed and folder.\n"
     "--dry-run lists them; --jobs N runs them here N at a time (finished runs\n"
     "are skipped, interrupted ones resumed; Ctrl-C checkpoints every run);\n"
     "--slurm writes a job array that checkpoints and requeues itself at the\n"
     "time limit. See docs/cluster.md."},
    {"summarize", summarize_main, "petri summarize DIR... [--by KEY] [--out DIR]",
     "join runs into one table, and plot the spread across replicates",
     "Gathers run folders (or sweep folders holding them) into summary.csv:\n"
     "one row per run with its overrides, seed, generations, stop reason, best\n"
     "and final fitness per population and wall time. With gnuplot, plots the\n"
     "median and interquartile band of the best fitness per group of runs\n"
     "(same overrides, or same --by KEY value). See docs/cluster.md."},
};
enum { COMMAND_COUNT = (int)(sizeof commands / sizeof commands[0]) };

static void print_usage(FILE *out)
{
    fprintf(out, "Petri %s: a neuroevolution sandbox\n\nusage:\n", PETRI_VERSION);
    for (int i = 0; i < COMMAND_COUNT; ++i) {
        fprintf(out, "  %s\n", commands[i].usage);
    }
    fprintf(out, "\ncommands:\n");
    for (int i = 0; i < COMMAND_COUNT; ++i) {
        fprintf(out, "  %-10s %s%s\n", commands[i].name, commands[i].summary,
                commands[i].main ? "" : " (not built yet)");
    }
    fprintf(out, "\n`petri help COMMAND` tells more; `petri --version` prints the version.\n");
}

/* PETRI_ISA=scalar|sse2|avx2 forces the sensor's code path (all give the
 * same results); 0 when unset or valid, else 2 with a message. */
static int apply_isa_env(void)
{
    const char *v = getenv("PETRI_ISA");
    if (v == NULL || *v == '\0') {
        return 0;
    }
    WorldIsa isa;
    if (!world_isa_parse(v, &isa)) {
        fprintf(stderr, "petri: PETRI_ISA=%s: expected scalar, sse2, avx2 or auto\n", v);
        return 2;
    }
    if (!world_set_isa(isa)) {
        fprintf(stderr, "petri: PETRI_ISA=%s: this CPU does not have it\n", v);
        return 2;
    }
    return 0;
}

static const Command *find_command(const char *name)
{
    for (int i = 0; i < COMMAND_COUNT; ++i) {
        if (strcmp(commands[i].name, name) == 0) {
            return &commands[i];
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    /* Process-wide: one level of OpenMP parallelism (arenas that run in
     * parallel step their ticks serially). --threads is set by the
     * commands that take it. */
    omp_set_max_active_levels(1);
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    /* Options before the command ("+": stop at the first word that is not
     * one, so each command parses its own). */
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    optopt = 0;
    int opt = getopt_long(argc, argv, "+:hV", opts, NULL);
    if (opt == 'h') {
        print_usage(stdout);
        return 0;
    }
    if (opt == 'V') {
        printf("petri %s\n", PETRI_VERSION);
        return 0;
    }
    if (opt != -1) {
        char flag[64];
        cli_flag_at_fault(argc, argv, flag, sizeof flag);
        fprintf(stderr, "petri: error: unknown option '%s'\n\n", flag);
        print_usage(stderr);
        return 2;
    }
    const char *word = argv[1];
    if (strcmp(word, "version") == 0) {
        printf("petri %s\n", PETRI_VERSION);
        return 0;
    }
    if (strcmp(word, "help") == 0) {
        if (argc < 3) {
            print_usage(stdout);
            return 0;
        }
        const Command *c = find_command(argv[2]);
        if (c == NULL) {
            fprintf(stderr, "petri: unknown command '%s'\n\n", argv[2]);
            print_usage(stderr);
            return 2;
        }
        if (c->main == bench_main) {
            /* the full option list and the scenario table */
            char *args[] = {argv[2], "--help", NULL};
            return bench_main(2, args);
        }
        printf("usage: %s\n\n%s\n", c->usage, c->help);
        if (c->main == NULL) {
            printf("\n(not built yet in this version)\n");
        }
        return 0;
    }
    const Command *c = find_command(word);
    if (c == NULL) {
        fprintf(stderr, "petri: unknown command '%s'\n\n", word);
        print_usage(stderr);
        return 2;
    }
    if (c->main == NULL) {
        fprintf(stderr, "petri %s: not built yet in this version\n", c->name);
        return 2;
    }
    if (apply_isa_env() != 0) {
        return 2;
    }
    return c->main(argc - 1, argv + 1);
}
