/*
 * `petri bench [SCENARIO] [--threads 1,2,4] [--json] [--ticks N] [--warmup N] [--hash]`
 *
 * Runs a named scenario (sim/tick.c's table) once per thread count, each
 * from the same fresh state, and reports agent-steps per second (one
 * agent sensing, thinking and acting for one tick) and the wall time of
 * each phase per agent-step. Throughput is measured with sense, think and
 * act fused in one loop (how runs go); the phase breakdown comes from a
 * further quarter of the ticks run phase by phase. --hash prints the
 * state hash after the measured ticks: equal at every thread count and
 * optimisation level.
 */
#include "experiments/experiments.h"
#include "sim/sim.h"

#include "core/parallel.h"
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_MAX_THREADS 16

typedef struct BenchResult {
    int threads;
    double steps_per_s;
    double cpu_steps_per_s; /* agent-steps per CPU-second, times threads */
    double load;            /* CPU seconds / (wall seconds * threads): < 1 on a busy machine */
    double phase[6]; /* ns per agent-step */
    uint64_t hash;
    int agents_end;
    double bytes_per_agent;
} BenchResult;

static const char *const phase_names[6] = {"sense", "think", "act", "resolve", "environment",
                                           "record"};

static void bench_usage(FILE *out)
{
    int n;
    const TickScenario *sc = tick_scenarios(&n);
    fprintf(out, "usage: petri bench [SCENARIO] [--threads 1,2,4] [--json] [--ticks N] "
                 "[--warmup N] [--hash]\n\nscenarios:\n");
    for (int i = 0; i < n; ++i) {
        fprintf(out, "  %-12s %s\n", sc[i].name, sc[i].doc);
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

static PetriStatus bench_one(const TickScenario *sc, int threads, int warmup, int ticks,
                             BenchResult *r, PetriError *err)
{
    omp_set_num_threads(threads);
    int64_t live0 = petri_alloc_stats().live_bytes;
    Habitat *h = NULL;
    PetriStatus st = tick_scenario_create(sc, &h, err);
    if (st != PETRI_OK) {
        return st;
    }
    habitat_step(h, warmup);
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
    habitat_destroy(h);
    return PETRI_OK;
}

int bench_main(int argc, char **argv)
{
    const char *name = "standard-3k";
    int threads[BENCH_MAX_THREADS] = {1};
    int nthreads = 1;
    bool json = false, hash = false;
    int ticks = -1, warmup = 10;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            bench_usage(stdout);
            return 0;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (strcmp(a, "--hash") == 0) {
            hash = true;
        } else if (strcmp(a, "--threads") == 0 && i + 1 < argc) {
            nthreads = parse_threads(argv[++i], threads, BENCH_MAX_THREADS);
            if (nthreads <= 0) {
                fprintf(stderr, "petri bench: --threads wants a list like 1,2,4, got '%s'\n",
                        argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--ticks") == 0 && i + 1 < argc) {
            if (parse_count(argv[++i], 1, 100000000, &ticks) != 0) {
                fprintf(stderr, "petri bench: --ticks wants a count >= 1, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--warmup") == 0 && i + 1 < argc) {
            if (parse_count(argv[++i], 0, 100000000, &warmup) != 0) {
                fprintf(stderr, "petri bench: --warmup wants a count >= 0, got '%s'\n", argv[i]);
                return 2;
            }
        } else if (a[0] == '-') {
            fprintf(stderr, "petri bench: unknown option '%s'\n\n", a);
            bench_usage(stderr);
            return 2;
        } else {
            name = a;
        }
    }
    const TickScenario *sc = tick_scenario_find(name);
    if (sc == NULL) {
        fprintf(stderr, "petri bench: unknown scenario '%s'\n\n", name);
        bench_usage(stderr);
        return 2;
    }
    if (ticks < 0) {
        ticks = sc->ticks;
    }
    if (hash) {
        warmup = 0; /* the hash is of the state after exactly --ticks ticks */
    }
    BenchResult res[BENCH_MAX_THREADS];
    int agents = 0;
    for (int i = 0; i < nthreads; ++i) {
        PetriError err;
        error_clear(&err);
        if (bench_one(sc, threads[i], warmup, ticks, &res[i], &err) != PETRI_OK) {
            error_print(&err, stderr);
            return 2;
        }
        if (i == 0) {
            WorldDef wd;
            PopulationDef pops[WORLD_MAX_POPULATIONS];
            int n;
            sc->build(&wd, pops, &n);
            for (int p = 0; p < n; ++p) {
                agents += pops[p].count;
            }
        }
        if (!json) {
            BenchResult *r = &res[i];
            printf("%s: %d threads: %.3f million agent-steps/s  (ns per agent-step:", sc->name,
                   r->threads, r->steps_per_s / 1e6);
            for (int k = 0; k < 6; ++k) {
                printf(" %s %.1f", phase_names[k], r->phase[k]);
            }
            printf(")  %.0f bytes/agent beyond brains", r->bytes_per_agent);
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
            if (i > 0) {
                printf("  speed-up over %d thread(s): %.2fx\n", res[0].threads,
                       r->steps_per_s / res[0].steps_per_s);
            }
            fflush(stdout);
        }
    }
    if (!json && strcmp(sc->name, "standard-3k") == 0) {
        /* the targets, and how far this run is from them */
        for (int i = 0; i < nthreads; ++i) {
            if (res[i].threads == 1) {
                printf("target: >= 4.10 million agent-steps/s at 1 thread (10x biosim4); "
                       "this run: %.2f million, %.0f%% of it\n",
                       res[i].steps_per_s / 1e6, 100.0 * res[i].steps_per_s / 4.1e6);
            }
            if (res[i].threads == 2 && res[0].threads == 1) {
                printf("target: >= 1.8x at 2 threads; this run: %.2fx%s\n",
                       res[i].steps_per_s / res[0].steps_per_s,
                       res[i].load < 0.9 ? " (the cores were shared: see docs/performance.md)"
                                         : "");
            }
        }
    }
    if (json) {
        printf("{\"scenario\": \"%s\", \"agents\": %d, \"ticks\": %d, \"results\": [", sc->name,
               agents, ticks);
        for (int i = 0; i < nthreads; ++i) {
            BenchResult *r = &res[i];
            printf("%s{\"threads\": %d, \"agent_steps_per_s\": %.0f, \"phase_ns_per_agent_step\": {",
                   i ? ", " : "", r->threads, r->steps_per_s);
            for (int k = 0; k < 6; ++k) {
                printf("%s\"%s\": %.2f", k ? ", " : "", phase_names[k], r->phase[k]);
            }
            printf("}, \"cpu_agent_steps_per_s\": %.0f, \"cpu_share\": %.3f, "
                   "\"bytes_per_agent\": %.0f, \"agents_end\": %d, \"state_hash\": \"%016llx\"}",
                   r->cpu_steps_per_s, r->load, r->bytes_per_agent, r->agents_end,
                   (unsigned long long)r->hash);
        }
        printf("]}\n");
    }
    return 0;
}
