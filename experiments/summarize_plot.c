/*
 * The spread across replicates: per population and group of runs, the
 * median and interquartile band of the best fitness of each generation.
 *
 * The numbers go to data files; gnuplot reads them through a script file,
 * and is started with posix_spawnp, an argument vector and the output
 * folder as its working folder, so the script names only fixed relative
 * file names and no path passes through a shell or into the script.
 * Group and population names appear in titles as gnuplot strings, with
 * their quotes doubled.
 */
#include "experiments/summarize_internal.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double summary_quantile(double *v, int n, double q)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double h = (double)(n - 1) * q;
    int lo = (int)h;
    if (lo >= n - 1) {
        return v[n - 1];
    }
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

static bool gnuplot_on_path(void)
{
    const char *path = getenv("PATH");
    if (path == NULL) {
        return false;
    }
    char buf[8192];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char exe[8300];
        snprintf(exe, sizeof exe, "%s/gnuplot", d);
        if (access(exe, X_OK) == 0) {
            return true;
        }
    }
    return false;
}

/* s as a gnuplot single-quoted string ('' for a quote; one line). */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; ++s) {
        if (*s == '\'') {
            fputc('\'', f);
        }
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('\'', f);
}

/* The per-generation band of population p for group g into f. */
static void write_band(const Summary *sm, int p, int g, FILE *f)
{
    int max_gen = 0, members = 0;
    for (int i = 0; i < sm->run_count; ++i) {
        const SumSeries *s = &sm->runs[i].best[p];
        if (sm->group_of[i] == g) {
            members++;
            for (int k = 0; k < s->count; ++k) {
                max_gen = s->gen[k] > max_gen ? s->gen[k] : max_gen;
            }
        }
    }
    double *v = petri_alloc(((size_t)members + 1) * sizeof *v);
    int *cursor = petri_calloc((size_t)sm->run_count + 1, sizeof *cursor);
    fprintf(f, "# group %d: %s\n# generation q1 median q3 runs\n", g, sm->groups[g]);
    for (int gen = 1; gen <= max_gen; ++gen) {
        int n = 0;
        for (int i = 0; i < sm->run_count; ++i) {
            const SumSeries *s = &sm->runs[i].best[p];
            if (sm->group_of[i] != g) {
                continue;
            }
            /* Rows come in generation order; a resume never repeats one. */
            while (cursor[i] < s->count && s->gen[cursor[i]] < gen) {
                cursor[i]++;
            }
            if (cursor[i] < s->count && s->gen[cursor[i]] == gen) {
                v[n++] = s->val[cursor[i]];
            }
        }
        if (n > 0) {
            double q1 = summary_quantile(v, n, 0.25);
            double med = summary_quantile(v, n, 0.5);
            double q3 = summary_quantile(v, n, 0.75);
            fprintf(f, "%d %.9g %.9g %.9g %d\n", gen, q1, med, q3, n);
        }
    }
    fputs("\n\n", f);
    petri_free(cursor, ((size_t)sm->run_count + 1) * sizeof *cursor);
    petri_free(v, ((size_t)members + 1) * sizeof *v);
}

static int run_gnuplot(const char *out_dir, PetriError *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, out_dir);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {"gnuplot", "plots.gp", NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        error_add(err, PETRI_EIO, "petri summarize: error: cannot start gnuplot: %s",
                  strerror(rc));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        error_add(err, PETRI_EIO, "petri summarize: error: gnuplot failed; see %s/gnuplot.log",
                  out_dir);
        return -1;
    }
    return 0;
}

int summary_plot(const Summary *sm, const char *out_dir, PetriError *err)
{
    for (int p = 0; p < sm->pop_count; ++p) {
        char path[SUM_PATH_CAP + 32];
        snprintf(path, sizeof path, "%s/fitness-%d.dat", out_dir, p);
        FILE *f = fopen(path, "w");
        if (f == NULL) {
            error_add(err, PETRI_EIO, "petri summarize: error: cannot write %s", path);
            return -1;
        }
        fprintf(f, "# population %s: best fitness per generation across the runs of a group\n",
                sm->pops[p]);
        for (int g = 0; g < sm->group_count; ++g) {
            write_band(sm, p, g, f);
        }
        if (fclose(f) != 0) {
            error_add(err, PETRI_EIO, "petri summarize: error: cannot write %s", path);
            return -1;
        }
    }
    if (!gnuplot_on_path()) {
        return 0;
    }
    char script[SUM_PATH_CAP + 16];
    snprintf(script, sizeof script, "%s/plots.gp", out_dir);
    FILE *f = fopen(script, "w");
    if (f == NULL) {
        error_add(err, PETRI_EIO, "petri summarize: error: cannot write %s", script);
        return -1;
    }
    fprintf(f, "# Written by petri summarize; run `gnuplot plots.gp` in this folder.\n"
               "set terminal pngcairo size 1000,560 noenhanced\n"
               "set key below\nset grid\nset xlabel 'generation'\n"
               "set ylabel 'best fitness'\nset style fill transparent solid 0.2 noborder\n");
    for (int p = 0; p < sm->pop_count; ++p) {
        fprintf(f, "set output 'fitness-%d.png'\nset title ", p);
        char title[SUM_NAME_CAP + 96];
        snprintf(title, sizeof title, "%s: best fitness, median and interquartile range",
                 sm->pops[p]);
        gp_string(f, title);
        fputs("\nplot ", f);
        for (int g = 0; g < sm->group_count; ++g) {
            fprintf(f,
                    "%s'fitness-%d.dat' index %d using 1:2:4 with filledcurves lc %d notitle, "
                    "'' index %d using 1:3 with lines lw 2 lc %d title ",
                    g ? ", \\\n     " : "", p, g, g + 1, g, g + 1);
            gp_string(f, sm->groups[g]);
        }
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        error_add(err, PETRI_EIO, "petri summarize: error: cannot write %s", script);
        return -1;
    }
    return run_gnuplot(out_dir, err) == 0 ? sm->pop_count : -1;
}
