/*
 * `petri bench [SCENARIO]... [--threads 1,2,4] [--json] [--ticks N] [--warmup N] [--hash]
 *              [--isa scalar|sse2|avx2]`
 *
 * Runs named scenarios (sim/tick.c's table) once per thread count, each
 * from the same fresh state, and reports agent-steps per second (one
 * agent sensing, thinking and acting for one tick), the wall time of
 * each phase per agent-step, the memory per agent beyond brains and the
 * process's peak resident set. Throughput is measured with sense, think
 * and act fused in one loop (how runs go); the phase breakdown comes from
 * a further quarter of the ticks run phase by phase. --hash prints the
 * state hash after the measured ticks: equal at every thread count, code
 * path (--isa) and optimisation level.
 *
 * The text output ends each scenario with its targets (issue 12) and how
 * far this run is from them; `make bench` runs the scenarios that have
 * targets.
 */
#include "experiments/experiments.h"
#include "sim/sim.h"

#include "core/parallel.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_MAX_THREADS 16
#define BENCH_MAX_SCENARIOS 8

/* The targets: standard-3k at one thread, the two-thread speed-up,
 * crowd-100k per thread against standard-3k, crowd-1m at two threads and
 * its memory per agent. */
#define TARGET_STANDARD_1T 4.1e6
#define TARGET_SPEEDUP_2T 1.9
#define TARGET_CROWD_RATIO 1.5
#define TARGET_CROWD_1M_2T 1.5e6
#define TARGET_BYTES_PER_AGENT 1024.0

typedef struct BenchResult {
    int threads;
    double steps_per_s;
    double cpu_steps_per_s; /* agent-steps per CPU-second, times threads */
    double load;            /* CPU seconds / (wall seconds * threads): < 1 on a busy machine */
    double phase[6];        /* ns per agent-step */
    uint64_t hash;
    int agents_end;
    double bytes_per_agent;
    double peak_rss;        /* bytes: the process's peak so far */
    double setup_s;         /* building the scenario's state */
} BenchResult;

static const char *const phase_names[6] = {"sense", "think", "act", "resolve", "environment",
                                           "record"};

static const char bench_usage_line[] =
    "usage: petri bench [SCENARIO]... [--threads 1,2,4] [--json] [--ticks N] [--warmup N] "
    "[--hash] [--isa scalar|sse2|avx2]\n";

static void bench_usage(FILE *out)
{
    int n;
    const TickScenario *sc = tick_scenarios(&n);
    fputs(bench_usage_line, out);
    fprintf(out,
            "\nRuns each SCENARIO (default standard-3k) once per thread count from the same\n"
            "fresh state and prints agent-steps per second, ns per agent-step by phase,\n"
            "bytes per agent beyond brains and the peak resident set, then the targets.\n\n"
            "  -t, --threads LIST  thread counts, comma-separated (default 1)\n"
            "  -n, --ticks N       measured ticks (default: the scenario's)\n"
            "  -w, --warmup N      ticks before measuring (default 10; 0 with --hash)\n"
            "      --hash          print the state hash after exactly --ticks ticks\n"
            "      --isa PATH      the sensor's code path: scalar, sse2 or avx2 (default:\n"
            "                      the best this CPU has, or the environment's PETRI_ISA)\n"
            "  -j, --json          one JSON object per scenario\n"
            "  -h, --help          this text\n"
            "\nscenarios:\n");
    for (int i = 0; i < n; ++i) {
        fprintf(out, "  %-12s %s (%d ticks)\n", sc[i].name, sc[i].doc, sc[i].ticks);
    }
}

static int parse_threads(const char *s, int *out, int max)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 256 || n == max) {
            return -1;
        }
        out[n++] = (int)v;
        p = end;
        if (*p == ',') {
            ++p;
        } else if (*p) {
            return -1;
        }
    }
    return n;
}

static int parse_count(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* CPU seconds of the whole process (every thread). */
static double process_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The process's peak resident set so far, in bytes (Linux: ru_maxrss in KiB). */
static double peak_rss_bytes(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        return 0.0;
    }
    return (double)ru.ru_maxrss * 1024.0;
}

static PetriStatus bench_one(const TickScenario *sc, int threads, int warmup, int ticks,
                             BenchResult *r, PetriError *err)
{
    omp_set_num_threads(threads);
    int64_t live0 = petri_alloc_stats().live_bytes;
    Habitat *h = NULL;
    double s0 = clock_seconds();
    PetriStatus st = tick_scenario_create(sc, &h, err);
    if (st != PETRI_OK) {
        return st;
    }
    habitat_step(h, warmup);
    r->setup_s = clock_seconds() - s0;
    World *w = habitat_world(h);
    int64_t live = petri_alloc_stats().live_bytes - live0;
    int agents = world_agent_count(w);
    size_t brains = brain_pool_bytes(habitat_brains(h));
    r->bytes_per_agent = agents > 0 ? (double)((size_t)live - brains) / agents : 0.0;
    habitat_reset_times(h);
    double c0 = process_cpu_seconds();
    double t0 = clock_seconds();
    habitat_step(h, ticks);
    double wall = clock_seconds() - t0;
    double cpu = process_cpu_seconds() - c0;
    const TickTimes *tt = habitat_times(h);
    double steps = (double)tt->agent_steps;
    r->threads = threads;
    r->steps_per_s = wall > 0 ? steps / wall : 0.0;
    r->cpu_steps_per_s = cpu > 0 ? steps / cpu * threads : 0.0;
    r->load = wall > 0 ? cpu / (wall * threads) : 0.0;
    r->hash = habitat_hash(h);
    r->agents_end = world_agent_count(w);
    /* the breakdown: a further run with sense, think and act as three
     * timed loops (a little slower than the fused loop measured above) */
    int more = ticks / 4 > 5 ? ticks / 4 : 5;
    habitat_reset_times(h);
    habitat_set_phase_timing(h, true);
    habitat_step(h, more);
    tt = habitat_times(h);
    double psteps = (double)tt->agent_steps;
    uint64_t ph[6] = {tt->sense, tt->think, tt->act, tt->resolve, tt->environment, tt->record};
    for (int i = 0; i < 6; ++i) {
        r->phase[i] = psteps > 0 ? (double)ph[i] / psteps : 0.0;
    }
    r->peak_rss = peak_rss_bytes();
    habitat_destroy(h);
    return PETRI_OK;
}

static void print_result(const TickScenario *sc, const BenchResult *r, const BenchResult *first,
                         bool hash)
{
    printf("%s: %d threads: %.3f million agent-steps/s  (ns per agent-step:", sc->name,
           r->threads, r->steps_per_s / 1e6);
    for (int k = 0; k < 6; ++k) {
        printf(" %s %.1f", phase_names[k], r->phase[k]);
    }
    printf(")  %.0f bytes/agent beyond brains, peak RSS %.0f MiB, setup %.1f s",
           r->bytes_per_agent, r->peak_rss / (1024.0 * 1024.0), r->setup_s);
    if (r->load < 0.9) {
        /* the machine is shared: say what the CPU time implies */
        printf("  [busy machine: got %.0f%% of %d core(s); %.3f million per "
               "CPU-second x threads]",
               r->load * 100, r->threads, r->cpu_steps_per_s / 1e6);
    }
    if (hash) {
        printf("  hash %016llx", (unsigned long long)r->hash);
    }
    printf("\n");
    if (r != first) {
        printf("  speed-up over %d thread(s): %.2fx\n", first->threads,
               r->steps_per_s / first->steps_per_s);
    }
    fflush(stdout);
}

static const BenchResult *with_threads(const BenchResult *res, int n, int threads)
{
    for (int i = 0; i < n; ++i) {
        if (res[i].threads == threads) {
            return &res[i];
        }
    }
    return NULL;
}

static const char *shared_note(const BenchResult *r)
{
    return r->load < 0.9 ? " (the cores were shared: read cpu_share)" : "";
}

/* The targets for this scenario and how far this run is from
 * them; std1: standard-3k's one-thread result in this invocation, if any. */
static void print_targets(const TickScenario *sc, const BenchResult *res, int n,
                          const BenchResult *std1)
{
    const BenchResult *t1 = with_threads(res, n, 1), *t2 = with_threads(res, n, 2);
    if (strcmp(sc->name, "standard-3k") == 0) {
        if (t1 != NULL) {
            printf("target: standard-3k >= %.2f million agent-steps/s at 1 thread; "
                   "this run %.2f million, %.0f%% of it%s\n",
                   TARGET_STANDARD_1T / 1e6, t1->steps_per_s / 1e6,
                   100.0 * t1->steps_per_s / TARGET_STANDARD_1T, shared_note(t1));
        }
        if (t1 != NULL && t2 != NULL) {
            printf("target: 2 threads >= %.1fx 1 thread; this run %.2fx%s\n", TARGET_SPEEDUP_2T,
                   t2->steps_per_s / t1->steps_per_s, shared_note(t2));
        }
    } else if (strcmp(sc->name, "crowd-100k") == 0) {
        if (std1 != NULL && t1 != NULL) {
            double ratio = std1->steps_per_s / t1->steps_per_s;
            printf("target: crowd-100k per thread within %.1fx of standard-3k; this run "
                   "%.2fx slower (%.2f against %.2f million at 1 thread)%s\n",
                   TARGET_CROWD_RATIO, ratio, t1->steps_per_s / 1e6, std1->steps_per_s / 1e6,
                   shared_note(t1));
        } else {
            printf("target: crowd-100k per thread within %.1fx of standard-3k: run both at "
                   "1 thread in one invocation to compare\n",
                   TARGET_CROWD_RATIO);
        }
    } else if (strcmp(sc->name, "crowd-1m") == 0) {
        if (t2 != NULL) {
            printf("target: crowd-1m >= %.1f million agent-steps/s at 2 threads; this run "
                   "%.2f million, %.0f%% of it%s\n",
                   TARGET_CROWD_1M_2T / 1e6, t2->steps_per_s / 1e6,
                   100.0 * t2->steps_per_s / TARGET_CROWD_1M_2T, shared_note(t2));
        }
        printf("target: crowd-1m < %.0f bytes per agent beyond brains; this run %.0f "
               "(%s), peak RSS %.0f MiB\n",
               TARGET_BYTES_PER_AGENT, res[0].bytes_per_agent,
               res[0].bytes_per_agent < TARGET_BYTES_PER_AGENT ? "met" : "not met",
               res[n - 1].peak_rss / (1024.0 * 1024.0));
    }
}

static void print_json(const TickScenario *sc, int agents, int ticks, const BenchResult *res,
                       int n)
{
    printf("{\"scenario\": \"%s\", \"agents\": %d, \"ticks\": %d, \"isa\": \"%s\", "
           "\"results\": [",
           sc->name, agents, ticks, world_isa_name(world_isa()));
    for (int i = 0; i < n; ++i) {
        const BenchResult *r = &res[i];
        printf("%s{\"threads\": %d, \"agent_steps_per_s\": %.0f, \"phase_ns_per_agent_step\": {",
               i ? ", " : "", r->threads, r->steps_per_s);
        for (int k = 0; k < 6; ++k) {
            printf("%s\"%s\": %.2f", k ? ", " : "", phase_names[k], r->phase[k]);
        }
        printf("}, \"cpu_agent_steps_per_s\": %.0f, \"cpu_share\": %.3f, "
               "\"bytes_per_agent\": %.0f, \"peak_rss_bytes\": %.0f, \"setup_s\": %.2f, "
               "\"agents_end\": %d, \"state_hash\": \"%016llx\"}",
               r->cpu_steps_per_s, r->load, r->bytes_per_agent, r->peak_rss, r->setup_s,
               r->agents_end, (unsigned long long)r->hash);
    }
    printf("]}\n");
}

enum { OPT_HASH = 256, OPT_ISA };

int bench_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"threads", required_argument, NULL, 't'}, {"ticks", required_argument, NULL, 'n'},
        {"warmup", required_argument, NULL, 'w'},  {"json", no_argument, NULL, 'j'},
        {"hash", no_argument, NULL, OPT_HASH},      {"isa", required_argument, NULL, OPT_ISA},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int threads[BENCH_MAX_THREADS] = {1};
    int nthreads = 1;
    bool json = false, hash = false;
    int ticks = -1, warmup = 10;
    optind = 0; /* 0: glibc starts over (a second call in one process) */
    opterr = 0; /* the messages below name the command */
    int c;
    while ((c = getopt_long(argc, argv, ":t:n:w:jh", longopts, NULL)) != -1) {
        switch (c) {
        case 'h':
            bench_usage(stdout);
            return 0;
        case 'j':
            json = true;
            break;
        case OPT_HASH:
            hash = true;
            break;
        case 't':
            nthreads = parse_threads(optarg, threads, BENCH_MAX_THREADS);
            if (nthreads <= 0) {
                return cli_usage_error("bench", bench_usage_line,
                                       "--threads wants a list like 1,2,4 (at most %d), got '%s'",
                                       BENCH_MAX_THREADS, optarg);
            }
            break;
        case 'n':
            if (parse_count(optarg, 1, 100000000, &ticks) != 0) {
                return cli_usage_error("bench", bench_usage_line,
                                       "--ticks wants a count >= 1, got '%s'", optarg);
            }
            break;
        case 'w':
            if (parse_count(optarg, 0, 100000000, &warmup) != 0) {
                return cli_usage_error("bench", bench_usage_line,
                                       "--warmup wants a count >= 0, got '%s'", optarg);
            }
            break;
        case OPT_ISA: {
            WorldIsa isa;
            if (!world_isa_parse(optarg, &isa)) {
                return cli_usage_error("bench", bench_usage_line,
                                       "--isa wants scalar, sse2 or avx2, got '%s'", optarg);
            }
            if (!world_set_isa(isa)) {
                return cli_usage_error("bench", bench_usage_line,
                                       "--isa %s: this CPU does not have it", optarg);
            }
            break;
        }
        default:
            return cli_flag_error("bench", bench_usage_line, c, argc, argv);
        }
    }
    const TickScenario *scs[BENCH_MAX_SCENARIOS];
    int nsc = 0;
    for (int i = optind; i < argc; ++i) {
        const TickScenario *sc = tick_scenario_find(argv[i]);
        if (sc == NULL) {
            int rc = cli_usage_error("bench", NULL, "unknown scenario '%s'", argv[i]);
            bench_usage(stderr);
            return rc;
        }
        if (nsc == BENCH_MAX_SCENARIOS) {
            return cli_usage_error("bench", bench_usage_line, "at most %d scenarios at once",
                                   BENCH_MAX_SCENARIOS);
        }
        scs[nsc++] = sc;
    }
    if (nsc == 0) {
        scs[nsc++] = tick_scenario_find("standard-3k");
    }
    if (hash) {
        warmup = 0; /* the hash is of the state after exactly --ticks ticks */
    }
    if (!json) {
        printf("sensor code path: %s\n", world_isa_name(world_isa()));
    }
    BenchResult std1 = {0};
    bool have_std1 = false;
    for (int si = 0; si < nsc; ++si) {
        const TickScenario *sc = scs[si];
        int sticks = ticks < 0 ? sc->ticks : ticks;
        BenchResult res[BENCH_MAX_THREADS];
        int agents = 0;
        WorldDef wd;
        PopulationDef pops[WORLD_MAX_POPULATIONS];
        int np;
        sc->build(&wd, pops, &np);
        for (int p = 0; p < np; ++p) {
            agents += pops[p].count;
        }
        for (int i = 0; i < nthreads; ++i) {
            PetriError err;
            error_clear(&err);
            if (bench_one(sc, threads[i], warmup, sticks, &res[i], &err) != PETRI_OK) {
                error_print(&err, stderr);
                return 2;
            }
            if (!json) {
                print_result(sc, &res[i], &res[0], hash);
            }
        }
        if (json) {
            print_json(sc, agents, sticks, res, nthreads);
            continue;
        }
        const BenchResult *t1 = with_threads(res, nthreads, 1);
        if (strcmp(sc->name, "standard-3k") == 0 && t1 != NULL) {
            std1 = *t1;
            have_std1 = true;
        }
        print_targets(sc, res, nthreads, have_std1 ? &std1 : NULL);
    }
    return 0;
}
