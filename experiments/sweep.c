/*
 * `petri sweep SWEEP.yaml`: list the runs of a sweep (--dry-run), run
 * them here (--jobs N), or write a SLURM job array for them (--slurm).
 */
#include "experiments/experiments.h"
#include "experiments/sweep_internal.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char sweep_usage[] =
    "usage: petri sweep SWEEP.yaml [--dry-run] [--jobs N] [--threads N]\n"
    "       petri sweep SWEEP.yaml --slurm [--time T] [--partition P] [--signal S] "
    "[--threads N]\n";

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

static const char *state_name(SweepRunState s)
{
    switch (s) {
    case SWEEP_RUN_NEW:
        return "new";
    case SWEEP_RUN_STALE:
        return "restart";
    case SWEEP_RUN_PARTIAL:
        return "resume";
    case SWEEP_RUN_DONE:
        return "done";
    }
    return "?";
}

static void print_runs(const Sweep *sw)
{
    for (int i = 0; i < sw->run_count; ++i) {
        const SweepRun *r = &sw->runs[i];
        printf("%d\t%s\t%s\tseed=%llu", r->index, state_name(sweep_run_state(sw, r)), r->name,
               (unsigned long long)r->seed);
        for (int k = 0; k < r->count; ++k) {
            const ConfigAssignment *a = sw->overrides[r->first + k];
            printf("\t%s=%s", a->key, a->value);
        }
        putchar('\n');
    }
    fprintf(stderr, "%d runs of %s into %s\n", sw->run_count, sw->base_path, sw->out_dir);
}

int sweep_main(int argc, char **argv)
{
    enum { OPT_TIME = 256, OPT_PARTITION, OPT_SIGNAL };
    static const struct option opts[] = {
        {"dry-run", no_argument, NULL, 'n'},   {"jobs", required_argument, NULL, 'j'},
        {"threads", required_argument, NULL, 't'}, {"slurm", no_argument, NULL, 's'},
        {"time", required_argument, NULL, OPT_TIME},
        {"partition", required_argument, NULL, OPT_PARTITION},
        {"signal", required_argument, NULL, OPT_SIGNAL},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    bool dry = false, slurm = false;
    long jobs = 1, threads = 0, signal_s = -1;
    const char *time_limit = NULL, *partition = NULL;
    opterr = 0;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":hnj:t:s", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(sweep_usage, stdout);
            return 0;
        case 'n':
            dry = true;
            break;
        case 's':
            slurm = true;
            break;
        case 'j':
            if (!parse_int(optarg, 1, 1024, &jobs)) {
                fprintf(stderr, "petri sweep: error: --jobs takes a number of runs at a time "
                                "from 1 to 1024, got '%s'\n", optarg);
                return 2;
            }
            break;
        case 't':
            if (!parse_int(optarg, 1, 4096, &threads)) {
                fprintf(stderr, "petri sweep: error: --threads takes a number from 1 to 4096, "
                                "got '%s'\n", optarg);
                return 2;
            }
            break;
        case OPT_TIME:
            time_limit = optarg;
            break;
        case OPT_PARTITION:
            partition = optarg;
            break;
        case OPT_SIGNAL:
            if (!parse_int(optarg, 1, 86400, &signal_s)) {
                fprintf(stderr, "petri sweep: error: --signal takes seconds before the time "
                                "limit, from 1 to 86400, got '%s'\n", optarg);
                return 2;
            }
            break;
        default:
            return cli_flag_error("sweep", sweep_usage, c, argc, argv);
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "petri sweep: error: %s\n%s",
                optind >= argc ? "name one sweep file" : "name only one sweep file",
                sweep_usage);
        return 2;
    }
    if (!slurm && (time_limit != NULL || partition != NULL || signal_s > 0)) {
        fprintf(stderr, "petri sweep: error: --time, --partition and --signal go with --slurm\n");
        return 2;
    }
    static Sweep sw;
    PetriError err;
    error_clear(&err);
    if (sweep_load(&sw, argv[optind], &err) != PETRI_OK) {
        error_print(&err, stderr);
        sweep_fini(&sw);
        return 2;
    }
    int rc = 0;
    if (dry) {
        print_runs(&sw);
    } else if (slurm) {
        char petri[PATH_MAX], script[SWEEP_PATH_CAP + 32];
        if (!sweep_self_exe(petri, sizeof petri)) {
            fprintf(stderr, "petri sweep: error: cannot find the petri executable\n");
            sweep_fini(&sw);
            return 1;
        }
        SweepSlurmOptions o = {
            .time = time_limit != NULL ? time_limit : "1:00:00",
            .partition = partition,
            .threads = threads > 0 ? (int)threads : (sw.def.threads > 0 ? sw.def.threads : 1),
            .signal_s = (int)(signal_s > 0 ? signal_s : 0),
        };
        if (sweep_write_slurm(&sw, &o, petri, script, sizeof script, &err) != PETRI_OK) {
            error_print(&err, stderr);
            rc = 2;
        } else {
            printf("wrote %s: a job array of %d runs, time limit %s, %d CPU%s per run, warned %d s "
                   "before the limit\n",
                   script, sw.run_count, o.time, o.threads, o.threads == 1 ? "" : "s",
                   o.signal_s);
            printf("submit it with:  sbatch %s\n", script);
            printf("watch it with:   squeue --me\n");
            printf("then:            petri summarize %s\n", sw.out_dir);
        }
    } else {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cores < 1) {
            cores = 1;
        }
        int t = threads > 0 ? (int)threads
                            : (sw.def.threads > 0 ? sw.def.threads
                                                  : (int)(cores / jobs > 0 ? cores / jobs : 1));
        rc = sweep_run_local(&sw, (int)jobs, t);
    }
    sweep_fini(&sw);
    return rc;
}
