/*
 * `petri eval RUNDIR --ciao`: co-evolution made visible.
 *
 * A CIAO table (Current Individual vs Ancestral Opponents; D. Cliff and
 * G. F. Miller, "Tracking the Red Queen", 1995) plays each generation's
 * champion of one evolved population against the champions of earlier
 * generations of the other. Here the two populations A and B of a
 * generational run (in config order) keep their generation champions in
 * champions/generations/POP.champions (champion_log.c: the best genome by
 * training fitness of each generation). For n sampled generations, every pair
 * (A of generation g[i], B of generation g[j]) plays `seeds` held-out
 * episodes (the seeds of `petri eval`, never a training arena's): every
 * agent of A is a clone of A's champion, every agent of B one of B's,
 * baseline populations keep their rules. One episode scores both sides
 * (each side's own fitness function, per agent), so the n x n grid gives
 * both tables: A's is the cells j <= i (A current, B ancestral), B's the
 * cells i <= j. Cells are independent episodes run in parallel; each
 * writes only its own slots, so the tables do not depend on the thread
 * count.
 */
#include "sim/eval_internal.h"
#include "sim/evolve_internal.h"

#include <string.h>
#include <unistd.h>

int ciao_sample(int last, int want, int *out)
{
    int n = want < last ? want : last;
    if (n <= 0) {
        return 0;
    }
    if (n == 1) {
        out[0] = last;
        return 1;
    }
    /* g_k = 1 + round(k (last - 1) / (n - 1)): steps of at least 1, so
     * distinct and ascending, from 1 to last. */
    for (int k = 0; k < n; ++k) {
        long num = (long)k * (last - 1);
        out[k] = 1 + (int)((num + (n - 1) / 2) / (n - 1));
    }
    return n;
}

double ciao_progress(const double *m, int n)
{
    double wins = 0.0;
    long pairs = 0;
    for (int j = 0; j < n; ++j) {
        for (int i1 = j; i1 < n; ++i1) {
            for (int i2 = i1 + 1; i2 < n; ++i2) {
                double a = m[i2 * n + j], b = m[i1 * n + j];
                wins += a > b ? 1.0 : a == b ? 0.5 : 0.0;
                pairs++;
            }
        }
    }
    return pairs > 0 ? wins / (double)pairs : 0.5;
}

/* The generation champions of side s: the log of the population
 * (champions/generations/POP.champions), else, for runs made before the
 * log, one file per generation (POP-gGGGGGGGG.bin); a run resumed across
 * the change has some of each. */
typedef struct CiaoChampions {
    ChampionLog log[2];
    const char *pop[2];
    const char *run_dir;
} CiaoChampions;

static void old_champion_path(const char *run_dir, const char *pop, int gen, char *out,
                              size_t cap)
{
    snprintf(out, cap, "%s/champions/generations/%s-g%08d.bin", run_dir, pop, gen);
}

static bool champion_there(const CiaoChampions *c, int s, int gen)
{
    if (champion_log_has(&c->log[s], (uint64_t)gen)) {
        return true;
    }
    char path[1400];
    old_champion_path(c->run_dir, c->pop[s], gen, path, sizeof path);
    return access(path, R_OK) == 0;
}

static PetriStatus champion_load(const CiaoChampions *c, int s, int gen, Genome *g,
                                 PetriError *err)
{
    if (champion_log_has(&c->log[s], (uint64_t)gen)) {
        return champion_log_genome(&c->log[s], (uint64_t)gen, g, err);
    }
    char path[1400];
    old_champion_path(c->run_dir, c->pop[s], gen, path, sizeof path);
    return genome_load_any(g, path, err);
}

/* The last generation G such that both populations' champions of every
 * generation 1..G are in the run folder. */
static int last_generation(const CiaoChampions *c)
{
    int g = 0;
    while (champion_there(c, 0, g + 1) && champion_there(c, 1, g + 1)) {
        g++;
    }
    return g;
}

static void grid_alloc(CiaoGrid *g)
{
    size_t cells = (size_t)g->n * (size_t)g->n * (size_t)g->seeds;
    for (int s = 0; s < 2; ++s) {
        g->fitness[s] = petri_calloc(cells, sizeof(double));
        g->kills[s] = petri_calloc(cells, sizeof(double));
        g->survival[s] = petri_calloc(cells, sizeof(double));
    }
}

static void grid_free(CiaoGrid *g)
{
    size_t cells = (size_t)g->n * (size_t)g->n * (size_t)g->seeds;
    for (int s = 0; s < 2; ++s) {
        petri_free(g->fitness[s], cells * sizeof(double));
        petri_free(g->kills[s], cells * sizeof(double));
        petri_free(g->survival[s], cells * sizeof(double));
    }
}

/* Plays every (cell, seed) of the grid: A's genomes ga[n], B's gb[n]. */
static void grid_play(const RunDef *def, CiaoGrid *g, const Genome *ga, const Genome *gb)
{
    int jobs = g->n * g->n * g->seeds;
#pragma omp parallel for schedule(dynamic, 1)
    for (int job = 0; job < jobs; ++job) {
        int cell = job / g->seeds, k = job % g->seeds;
        int i = cell / g->n, j = cell % g->n;
        const Genome *gs[WORLD_MAX_POPULATIONS] = {NULL};
        gs[g->pop[0]] = &ga[i];
        gs[g->pop[1]] = &gb[j];
        EvalMetrics m[WORLD_MAX_POPULATIONS];
        eval_episode_all(def, gs, eval_seed(def->seed, k), m);
        for (int s = 0; s < 2; ++s) {
            g->fitness[s][job] = m[g->pop[s]].fitness;
            g->kills[s][job] = m[g->pop[s]].kills;
            g->survival[s][job] = m[g->pop[s]].survival;
        }
    }
}

/* Side s's mean over the seeds of its table cell (own i, opponent j). */
static double cell_mean(const CiaoGrid *g, const double *v, int s, int i, int j)
{
    int a = s == 0 ? i : j, b = s == 0 ? j : i; /* A's index, B's index */
    const double *x = &v[((size_t)a * (size_t)g->n + (size_t)b) * (size_t)g->seeds];
    double sum = 0.0;
    for (int k = 0; k < g->seeds; ++k) {
        sum += x[k];
    }
    return sum / g->seeds;
}

/* OUT/ciao.csv: one row per table cell, j <= i, both sides. */
static PetriStatus write_csv(const char *out_dir, const RunDef *def, const CiaoGrid *g,
                             PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    buf_printf(&b, "population,generation,opponent,opponent_generation,fitness,fitness_lo,"
                   "fitness_hi,kills,survival,seeds\n");
    for (int s = 0; s < 2; ++s) {
        const char *me = def->populations[g->pop[s]].name;
        const char *them = def->populations[g->pop[1 - s]].name;
        for (int i = 0; i < g->n; ++i) {
            for (int j = 0; j <= i; ++j) {
                int a = s == 0 ? i : j, c = s == 0 ? j : i;
                const double *x =
                    &g->fitness[s][((size_t)a * (size_t)g->n + (size_t)c) * (size_t)g->seeds];
                EvalInterval iv = eval_interval(x, g->seeds);
                buf_printf(&b, "%s,%d,%s,%d,%.9g,%.9g,%.9g,%.9g,%.9g,%d\n", me, g->gen[i], them,
                           g->gen[j], iv.mean, iv.lo, iv.hi, cell_mean(g, g->kills[s], s, i, j),
                           cell_mean(g, g->survival[s], s, i, j), g->seeds);
            }
        }
    }
    char path[1400];
    snprintf(path, sizeof path, "%s/ciao.csv", out_dir);
    PetriStatus st = file_write_atomic(path, b.data, b.len, err);
    buf_fini(&b);
    return st;
}

/* OUT/plots/ciao-S.dat ("column row fitness" by cell index) and ciao.gp:
 * two heat maps side by side, rows the champion's generation (up: later),
 * columns the opponent's; returns whether gnuplot drew ciao.png. */
static bool write_heatmap(const char *out_dir, const RunDef *def, const CiaoGrid *g)
{
    char plots[1400], path[1500];
    snprintf(plots, sizeof plots, "%s/plots", out_dir);
    PetriError err;
    error_clear(&err);
    if (file_make_dirs(plots, &err) != PETRI_OK) {
        return false;
    }
    for (int s = 0; s < 2; ++s) {
        ByteBuf b;
        buf_init(&b);
        for (int i = 0; i < g->n; ++i) {
            for (int j = 0; j <= i; ++j) {
                buf_printf(&b, "%d %d %.9g\n", j, i, cell_mean(g, g->fitness[s], s, i, j));
            }
        }
        snprintf(path, sizeof path, "%s/ciao-%d.dat", plots, s);
        PetriStatus st = file_write_atomic(path, b.data, b.len, &err);
        buf_fini(&b);
        if (st != PETRI_OK) {
            return false;
        }
    }
    ByteBuf t;
    buf_init(&t);
    /* generation labels, at most about ten per axis */
    int every = (g->n + 9) / 10;
    ByteBuf tics;
    buf_init(&tics);
    buf_printf(&tics, "(");
    for (int i = 0, first = 1; i < g->n; ++i) {
        if (i % every == 0 || i == g->n - 1) {
            buf_printf(&tics, "%s'%d' %d", first ? "" : ", ", g->gen[i], i);
            first = 0;
        }
    }
    buf_printf(&tics, ")");
    buf_put_u8(&tics, '\0');
    buf_printf(&t, "set terminal pngcairo size 1300,600 noenhanced\nset output 'ciao.png'\n"
                   "set multiplot layout 1,2 title 'CIAO: generation champions against "
                   "ancestral opponents (mean fitness per agent, %d held-out seeds)'\n"
                   "set size ratio -1\nset xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\n"
                   "set xtics %s rotate by 45 right\nset ytics %s\n"
                   "set palette defined (0 '#30123b', 1 '#4686fb', 2 '#1be5b5', 3 '#a4fc3c', "
                   "4 '#fb8022', 5 '#7a0403')\nset cbtics\nunset key\n",
               g->seeds, g->n - 1, g->n - 1, (const char *)tics.data, (const char *)tics.data);
    for (int s = 0; s < 2; ++s) {
        char me[64], them[64];
        plot_title(def->populations[g->pop[s]].name, me, sizeof me);
        plot_title(def->populations[g->pop[1 - s]].name, them, sizeof them);
        buf_printf(&t, "set title '%s champion vs earlier %s'\nset xlabel '%s generation'\n"
                       "set ylabel '%s generation'\nset cblabel '%s fitness'\n"
                       "plot 'ciao-%d.dat' using 1:2:(0.5):(0.5):3 with boxxyerror "
                       "fs solid 1.0 noborder lc palette\n",
                   me, them, them, me, me, s);
    }
    buf_printf(&t, "unset multiplot\n");
    snprintf(path, sizeof path, "%s/ciao.gp", plots);
    PetriStatus st = file_write_atomic(path, t.data, t.len, &err);
    buf_fini(&t);
    buf_fini(&tics);
    return st == PETRI_OK && plots_gnuplot(plots, "ciao.gp");
}

static void print_tables(const RunDef *def, const CiaoGrid *g)
{
    for (int s = 0; s < 2; ++s) {
        const char *me = def->populations[g->pop[s]].name;
        const char *them = def->populations[g->pop[1 - s]].name;
        printf("\n%s champion (rows: its generation) vs %s champion (columns: its generation); "
               "mean fitness per agent of the %s over %d held-out seeds\n%7s", me, them, me, g->seeds,
               "");
        for (int j = 0; j < g->n; ++j) {
            printf(" %7d", g->gen[j]);
        }
        printf("\n");
        double *m = petri_calloc((size_t)g->n * (size_t)g->n, sizeof(double));
        for (int i = 0; i < g->n; ++i) {
            printf("%7d", g->gen[i]);
            for (int j = 0; j <= i; ++j) {
                m[i * g->n + j] = cell_mean(g, g->fitness[s], s, i, j);
                printf(" %7.2f", m[i * g->n + j]);
            }
            printf("\n");
        }
        printf("later beats earlier (share of same-opponent pairs in which the later %s "
               "champion scores more; 0.5: no progress): %.3f\n",
               me, ciao_progress(m, g->n));
        petri_free(m, (size_t)g->n * (size_t)g->n * sizeof(double));
    }
}

int ciao_main(const char *run_dir, const RunDef *def, int want_gens, int seeds,
              const char *out_dir)
{
    CiaoGrid g;
    memset(&g, 0, sizeof g);
    g.seeds = seeds;
    int found = 0;
    for (int p = 0; p < def->population_count; ++p) {
        if (def->populations[p].controller == CONTROLLER_BRAIN) {
            if (found < 2) {
                g.pop[found] = p;
            }
            found++;
        }
    }
    if (def->evolution.mode != EVOLUTION_GENERATIONAL || found != 2) {
        fprintf(stderr, "petri eval: error: --ciao needs a generational run with exactly two "
                        "evolved populations (%s has %d%s)\n",
                run_dir, found, def->evolution.mode != EVOLUTION_GENERATIONAL ? ", open-ended"
                                                                              : "");
        return 2;
    }
    CiaoChampions champs;
    memset(&champs, 0, sizeof champs);
    champs.run_dir = run_dir;
    PetriError err;
    error_clear(&err);
    for (int s = 0; s < 2; ++s) {
        champs.pop[s] = def->populations[g.pop[s]].name;
        char path[1400];
        champion_log_path(run_dir, champs.pop[s], path, sizeof path);
        PetriStatus st = champion_log_read(&champs.log[s], path, &err);
        if (st != PETRI_OK && st != PETRI_ENOTFOUND) {
            error_print(&err, stderr);
            champion_log_close(&champs.log[0]);
            return 2;
        }
        error_clear(&err);
    }
    int last = last_generation(&champs);
    if (last < 1) {
        char path[1400];
        champion_log_path(run_dir, champs.pop[0], path, sizeof path);
        fprintf(stderr, "petri eval: error: %s: no generation champions (%s is missing or "
                        "empty; runs keep them in champions/generations/ since CIAO exists)\n",
                run_dir, path);
        champion_log_close(&champs.log[0]);
        champion_log_close(&champs.log[1]);
        return 2;
    }
    g.n = ciao_sample(last, want_gens, g.gen);
    Genome *gen_genomes[2];
    int status = 0;
    Habitat *probe = NULL;
    if (habitat_create(&def->world, def->populations, def->population_count, def->seed, &probe,
                       &err) != PETRI_OK) {
        error_print(&err, stderr);
        champion_log_close(&champs.log[0]);
        champion_log_close(&champs.log[1]);
        return 2;
    }
    for (int s = 0; s < 2; ++s) {
        gen_genomes[s] = petri_calloc((size_t)g.n, sizeof(Genome));
    }
    for (int s = 0; s < 2 && status == 0; ++s) {
        for (int i = 0; i < g.n && status == 0; ++i) {
            if (champion_load(&champs, s, g.gen[i], &gen_genomes[s][i], &err) != PETRI_OK) {
                error_print(&err, stderr);
                status = 2;
            } else if (!habitat_genome_fits(probe, g.pop[s], &gen_genomes[s][i])) {
                fprintf(stderr,
                        "petri eval: error: %s: the champion of generation %d does not fit "
                        "population '%s'\n",
                        run_dir, g.gen[i], def->populations[g.pop[s]].name);
                status = 2;
            }
        }
    }
    habitat_destroy(probe);
    champion_log_close(&champs.log[0]);
    champion_log_close(&champs.log[1]);
    if (status == 0) {
        grid_alloc(&g);
        grid_play(def, &g, gen_genomes[0], gen_genomes[1]);
        printf("CIAO of %s: generations", run_dir);
        for (int i = 0; i < g.n; ++i) {
            printf(" %d", g.gen[i]);
        }
        printf(" of %d; %d held-out seeds, %d ticks each\n", last, seeds,
               def->evolution.episode_ticks);
        print_tables(def, &g);
        if (file_make_dirs(out_dir, &err) != PETRI_OK ||
            write_csv(out_dir, def, &g, &err) != PETRI_OK) {
            error_print(&err, stderr);
            status = 2;
        } else {
            printf("\ntable: %s/ciao.csv\n", out_dir);
            if (write_heatmap(out_dir, def, &g)) {
                printf("heat map: %s/plots/ciao.png\n", out_dir);
            } else {
                printf("heat map: not drawn (gnuplot is missing or failed)\n");
            }
        }
        grid_free(&g);
    }
    for (int s = 0; s < 2; ++s) {
        for (int i = 0; i < g.n; ++i) {
            genome_fini(&gen_genomes[s][i]);
        }
        petri_free(gen_genomes[s], (size_t)g.n * sizeof(Genome));
    }
    return status;
}
