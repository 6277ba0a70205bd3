/* The plain files of a run folder: CSV tables that can be cut back to a
 * checkpoint, JSON strings, and plots drawn by gnuplot when it is there. */
#include "sim/sim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void json_write_string(ByteBuf *b, const char *s)
{
    buf_put_u8(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
        if (*p == '"' || *p == '\\') {
            buf_printf(b, "\\%c", *p);
        } else if (*p < 0x20) {
            buf_printf(b, "\\u%04x", *p);
        } else {
            buf_put_u8(b, *p);
        }
    }
    buf_put_u8(b, '"');
}

PetriStatus csv_open(const char *dir, const char *name, const char *header, int64_t keep,
                     FILE **out, PetriError *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *out = NULL;
    if (keep >= 0) {
        struct stat st;
        if (stat(path, &st) != 0) {
            return error_at(err, PETRI_EIO, path, 0, 0, "missing: cannot resume the table (%s)",
                            strerror(errno));
        }
        if ((int64_t)st.st_size < keep) {
            return error_at(err, PETRI_EFORMAT, path, 0, 0,
                            "shorter (%lld bytes) than at the checkpoint (%lld bytes)",
                            (long long)st.st_size, (long long)keep);
        }
        if (truncate(path, (off_t)keep) != 0) {
            return error_at(err, PETRI_EIO, path, 0, 0, "cannot cut back to the checkpoint: %s",
                            strerror(errno));
        }
        *out = fopen(path, "ab");
    } else {
        *out = fopen(path, "wb");
        if (*out != NULL) {
            fputs(header, *out);
            fputc('\n', *out);
        }
    }
    if (*out == NULL) {
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot open for writing: %s",
                        strerror(errno));
    }
    return PETRI_OK;
}

int64_t csv_sync(FILE *f)
{
    if (fflush(f) != 0) {
        return -1;
    }
    (void)fsync(fileno(f));
    long pos = ftell(f);
    return pos < 0 ? -1 : (int64_t)pos;
}

PetriStatus csv_replay_rows(const char *path, uint64_t skip, CsvRowFn fn, void *user,
                            uint64_t *rows, size_t *torn_at, PetriError *err)
{
    *rows = 0;
    if (torn_at != NULL) {
        *torn_at = 0;
    }
    if (!file_exists(path)) {
        return PETRI_OK;
    }
    char *text;
    size_t len;
    if (file_read_all(path, 64u << 20, &text, &len, err) != PETRI_OK) {
        return err->code;
    }
    PetriStatus s = PETRI_OK;
    char *line = strchr(text, '\n'); /* past the header */
    size_t whole = line != NULL ? (size_t)(line - text) + 1 : 0;
    uint64_t row = 0;
    int lineno = 1;
    while (s == PETRI_OK && line != NULL && line[1] != '\0') {
        line++;
        lineno++;
        char *end = strchr(line, '\n');
        if (end == NULL) {
            break; /* a row cut by a crash: never applied, since it was not flushed whole */
        }
        *end = '\0';
        whole = (size_t)(end - text) + 1;
        if (row++ >= skip) {
            s = fn(user, line, path, lineno, err);
        }
        line = end;
    }
    petri_free(text, len + 1);
    *rows = row;
    if (torn_at != NULL && s == PETRI_OK && whole > 0 && whole < len) {
        *torn_at = whole;
    }
    return s;
}

PetriStatus csv_cut_torn(const char *path, size_t torn_at, PetriError *err)
{
    if (torn_at > 0 && truncate(path, (off_t)torn_at) != 0) {
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot cut a half-written row: %s",
                        strerror(errno));
    }
    return PETRI_OK;
}

static bool gnuplot_available(void)
{
    const char *path = getenv("PATH");
    if (path == NULL) {
        return false;
    }
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char exe[4200];
        snprintf(exe, sizeof exe, "%s/gnuplot", d);
        if (access(exe, X_OK) == 0) {
            return true;
        }
    }
    return false;
}

/* A population name as a gnuplot title: names are checked to be letters,
 * digits, '-', '_' and '.', and anything else becomes '?' here anyway, so
 * that no text of a config ever reaches gnuplot's parser as code. */
void plot_title(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = name; *p != '\0' && n + 1 < cap; ++p) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
        out[n++] = ok ? *p : '?';
    }
    out[n] = '\0';
}

/* Splits DIR/stats.csv into one data file per population, DIR/plots/pop-P.dat
 * (whitespace-separated columns 1..13 of stats.csv without the name), so
 * that the script names only fixed, relative file names. */
static bool split_stats(const char *dir, const char *plots, const char *const *pop_names,
                        int pop_count)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/stats.csv", dir);
    FILE *in = fopen(path, "rb");
    if (in == NULL) {
        return false;
    }
    FILE *out[WORLD_MAX_POPULATIONS] = {NULL};
    bool ok = true;
    for (int p = 0; p < pop_count && ok; ++p) {
        snprintf(path, sizeof path, "%s/pop-%d.dat", plots, p);
        out[p] = fopen(path, "wb");
        ok = out[p] != NULL;
    }
    char line[1024];
    bool header = true;
    while (ok && fgets(line, sizeof line, in) != NULL) {
        if (header) {
            header = false;
            continue;
        }
        char *c1 = strchr(line, ',');
        if (c1 == NULL) {
            continue;
        }
        char *c2 = strchr(c1 + 1, ',');
        if (c2 == NULL) {
            continue;
        }
        *c1 = '\0';
        *c2 = '\0';
        for (int p = 0; p < pop_count; ++p) {
            if (strcmp(c1 + 1, pop_names[p]) == 0) {
                fprintf(out[p], "%s ", line);
                for (char *q = c2 + 1; *q != '\0'; ++q) {
                    fputc(*q == ',' ? ' ' : *q, out[p]);
                }
                break;
            }
        }
    }
    fclose(in);
    for (int p = 0; p < pop_count; ++p) {
        if (out[p] != NULL && fclose(out[p]) != 0) {
            ok = false;
        }
    }
    return ok;
}

/* The last generation in DIR/plots/pop-0.dat (0 when empty). */
static int last_generation(const char *plots)
{
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/pop-0.dat", plots);
    FILE *f = fopen(path, "rb");
    int last = 0;
    if (f == NULL) {
        return 0;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        int g = atoi(line);
        last = g > last ? g : last;
    }
    fclose(f);
    return last;
}

/* Whole-number tick steps, about ten ticks over 1..last: 1, 2, 5, 10, ... */
static int nice_step(int last)
{
    static const int steps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
    int n = (int)(sizeof steps / sizeof steps[0]);
    for (int i = 0; i < n; ++i) {
        if (last / steps[i] <= 10) {
            return steps[i];
        }
    }
    return steps[n - 1] * (last / (10 * steps[n - 1]) + 1);
}

enum { STACK_MAX_CELLS = 8 * 1024 * 1024 }; /* species ids x generations */

/* DIR/plots/species-P.dat for every population with species rows: one
 * block (two blank lines apart) per species id in id order, holding for
 * every generation from the first to the last of the run "generation lo
 * hi", the band the species fills when the sizes of the species are
 * stacked in id order. False when species.csv is missing or holds no
 * species (or more than the plot can show). */
static bool species_stacks(const char *dir, const char *plots, const char *const *pop_names,
                           int pop_count, bool *has)
{
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/species.csv", dir);
    bool any = false;
    for (int p = 0; p < pop_count; ++p) {
        has[p] = false;
        FILE *in = fopen(path, "rb");
        if (in == NULL) {
            return false;
        }
        /* pass 1: the generations and the species ids */
        int gmax = 0;
        long smax = -1;
        while (fgets(line, sizeof line, in) != NULL) {
            char pop[128];
            int g, size;
            long sp;
            if (sscanf(line, "%d,%127[^,],%ld,%d", &g, pop, &sp, &size) == 4 &&
                strcmp(pop, pop_names[p]) == 0) {
                gmax = g > gmax ? g : gmax;
                smax = sp > smax ? sp : smax;
            }
        }
        if (smax < 0 || (smax + 1) * (long)(gmax + 1) > STACK_MAX_CELLS) {
            fclose(in);
            continue;
        }
        int ns = (int)smax + 1;
        int *size = petri_calloc((size_t)ns * (size_t)(gmax + 1), sizeof(int));
        rewind(in);
        while (fgets(line, sizeof line, in) != NULL) {
            char pop[128];
            int g, sz;
            long sp;
            if (sscanf(line, "%d,%127[^,],%ld,%d", &g, pop, &sp, &sz) == 4 &&
                strcmp(pop, pop_names[p]) == 0 && g >= 0 && sp >= 0) {
                size[(size_t)sp * (size_t)(gmax + 1) + (size_t)g] = sz;
            }
        }
        fclose(in);
        char out_path[4300];
        snprintf(out_path, sizeof out_path, "%s/species-%d.dat", plots, p);
        FILE *out = fopen(out_path, "wb");
        if (out != NULL) {
            int *below = petri_calloc((size_t)gmax + 1, sizeof(int));
            for (int s = 0; s < ns; ++s) {
                const int *row = &size[(size_t)s * (size_t)(gmax + 1)];
                int first = -1, lastg = -1;
                for (int g = 1; g <= gmax; ++g) {
                    if (row[g] > 0) {
                        first = first < 0 ? g : first;
                        lastg = g;
                    }
                }
                if (first < 0) {
                    continue;
                }
                for (int g = first; g <= lastg; ++g) {
                    fprintf(out, "%d %d %d\n", g, below[g], below[g] + row[g]);
                    below[g] += row[g];
                }
                fprintf(out, "\n\n");
                any = has[p] = true;
            }
            petri_free(below, ((size_t)gmax + 1) * sizeof(int));
            fclose(out);
        }
        petri_free(size, (size_t)ns * (size_t)(gmax + 1) * sizeof(int));
    }
    return any;
}

/* measures.png (generational): the measures of open-endedness over time,
 * three panels sharing the generation axis: genome complexity (enabled
 * connections, max solid, mean dashed), behaviour spread, and the novelty
 * of each generation's champion (pop-P.dat columns 14, 8, 15, 16). */
/* Does DIR/plots/pop-P.dat hold a genome (connections_max, column 14, above
 * 0 in some row)? Baseline rules have none: their lines would only flatten
 * the measures' scales. */
static bool pop_has_genomes(const char *plots, int p)
{
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/pop-%d.dat", plots, p);
    FILE *in = fopen(path, "rb");
    bool any = false;
    while (in != NULL && !any && fgets(line, sizeof line, in) != NULL) {
        char *q = line;
        for (int col = 1; col < 14 && q != NULL; ++col) {
            q = strchr(q, ' ');
            q = q != NULL ? q + 1 : NULL;
        }
        any = q != NULL && strtod(q, NULL) > 0.0;
    }
    if (in != NULL) {
        fclose(in);
    }
    return any;
}

static void write_measures_chart(FILE *f, const char *plots, const char *const *pop_names,
                                 int pop_count)
{
    bool show[WORLD_MAX_POPULATIONS] = {false};
    for (int p = 0; p < pop_count; ++p) {
        show[p] = pop_has_genomes(plots, p);
    }
    fprintf(f, "set terminal pngcairo size 900,1000 noenhanced\nset output 'measures.png'\n"
               "unset y2label\nunset y2tics\n"
               "set multiplot layout 3,1 title 'Complexity, diversity and novelty over time'\n");
    static const char *const panels[3][3] = {
        {"Genome complexity: enabled connections, max (solid) and mean (dashed)", "connections",
         "14"},
        {"Behavioural diversity: spread of what the genomes did", "behaviour spread", "15"},
        {"Novelty of the generation champion against earlier champions", "novelty", "16"},
    };
    for (int k = 0; k < 3; ++k) {
        fprintf(f, "set title '%s'\nset ylabel '%s'\nplot ", panels[k][0], panels[k][1]);
        bool first = true;
        for (int p = 0; p < pop_count; ++p) {
            if (!show[p]) {
                continue;
            }
            char title[64];
            plot_title(pop_names[p], title, sizeof title);
            fprintf(f, "%s'pop-%d.dat' using 1:%s with lines lw 2 lc %d dt 1 title '%s'",
                    first ? "" : ", ", p, panels[k][2], p + 1, title);
            first = false;
            if (k == 0) {
                fprintf(f, ", 'pop-%d.dat' using 1:8 with lines lw 2 lc %d dt 2 notitle", p,
                        p + 1);
            }
        }
        if (first) {
            fprintf(f, "0 notitle"); /* no evolved population: an empty panel */
        }
        fputc('\n', f);
    }
    fprintf(f, "unset multiplot\n");
}

/* One gnuplot script draws every plot. It lives in DIR/plots and names
 * only relative files there (pop-P.dat, *.png); gnuplot is started with
 * posix_spawnp (no shell) in that folder, so the run folder's name, which
 * may hold anything, is never part of a command or a script. */
int plots_write(const char *dir, const char *const *pop_names, int pop_count, bool open_ended)
{
    if (!gnuplot_available()) {
        return 0;
    }
    char plots[4096], script[4200];
    snprintf(plots, sizeof plots, "%s/plots", dir);
    PetriError err;
    error_clear(&err);
    if (file_make_dirs(plots, &err) != PETRI_OK || !split_stats(dir, plots, pop_names, pop_count)) {
        return 0;
    }
    snprintf(script, sizeof script, "%s/plots.gp", plots);
    FILE *f = fopen(script, "w");
    if (f == NULL) {
        return 0;
    }
    const char *x = open_ended ? "epoch" : "generation";
    int last = last_generation(plots);
    bool has_stack[WORLD_MAX_POPULATIONS] = {false};
    bool stacks = species_stacks(dir, plots, pop_names, pop_count, has_stack);
    /* Columns of pop-P.dat: stats.csv's without the name: 1 generation,
     * 2 count, 3 fitness_max, 4 fitness_mean, 6 species, 7 and 13 hidden
     * nodes mean and max, 8 and 14 enabled connections mean and max, 10
     * deaths, 12 reseeds, 15 behaviour_spread, 16 novelty. Each population
     * keeps one colour (linecolor P+1) in every chart: the max solid, the
     * mean dashed. */
    fprintf(f, "set terminal pngcairo size 900,500 noenhanced\n"
               "set key outside right top\nset grid\nset xlabel '%s'\n"
               "set xtics %d\nset format x '%%.0f'\nset xrange [1:%d]\n",
               x, nice_step(last), last > 1 ? last : 2);
    int charts = 0;
    /* fitness: max solid, mean dashed, one colour per population */
    fprintf(f, "set output 'fitness.png'\nset title 'Best (solid) and mean (dashed) fitness'\n"
               "set ylabel 'fitness'\nplot ");
    for (int p = 0; p < pop_count; ++p) {
        char title[64];
        plot_title(pop_names[p], title, sizeof title);
        fprintf(f, "%s'pop-%d.dat' using 1:3 with lines lw 2 lc %d dt 1 title '%s max', "
                   "'pop-%d.dat' using 1:4 with lines lw 2 lc %d dt 2 title '%s mean'",
                p ? ", " : "", p, p + 1, title, p, p + 1, title);
    }
    fputc('\n', f);
    charts++;
    /* open-ended: the agents alive, which change; generational: the
     * counts are fixed, so the deaths in the episodes instead */
    fprintf(f, "set output 'population.png'\nset title '%s'\nset ylabel '%s'\nplot ",
            open_ended ? "Agents per population" : "Deaths per generation (all episodes)",
            open_ended ? "agents" : "deaths");
    for (int p = 0; p < pop_count; ++p) {
        char title[64];
        plot_title(pop_names[p], title, sizeof title);
        fprintf(f, "%s'pop-%d.dat' using 1:%d with lines lw 2 lc %d title '%s'", p ? ", " : "",
                p, open_ended ? 2 : 10, p + 1, title);
    }
    fputc('\n', f);
    charts++;
    /* species: a stacked area per evolved population (species-P.dat: one
     * block per species, its lower and upper edge each generation) */
    for (int p = 0; p < pop_count && stacks; ++p) {
        if (!has_stack[p]) {
            continue;
        }
        char title[64];
        plot_title(pop_names[p], title, sizeof title);
        fprintf(f, "set output 'species-%d.png'\nset title 'Species of %s (stacked sizes)'\n"
                   "set ylabel 'genomes'\nunset key\n"
                   "plot for [i=0:*] 'species-%d.dat' index i using 1:2:3 with filledcurves "
                   "fs solid 0.8 border lc rgb '#404040' lc (i %% 8) + 1\nset key\n",
                p, title, p);
        charts++;
    }
    fprintf(f, "set output 'species.png'\nset title 'Species'\nset ylabel 'species'\nplot ");
    for (int p = 0; p < pop_count; ++p) {
        char title[64];
        plot_title(pop_names[p], title, sizeof title);
        fprintf(f, "%s'pop-%d.dat' using 1:6 with lines lw 2 lc %d title '%s'", p ? ", " : "", p,
                p + 1, title);
    }
    fputc('\n', f);
    charts++;
    /* complexity: connections (left axis) and hidden nodes (right axis),
     * max solid, mean dashed */
    fprintf(f, "set output 'complexity.png'\nset title 'Genome complexity: max (solid), mean "
               "(dashed)'\nset ylabel 'enabled connections'\nset y2label 'hidden nodes'\n"
               "set y2tics\nplot ");
    for (int p = 0; p < pop_count; ++p) {
        char title[64];
        plot_title(pop_names[p], title, sizeof title);
        fprintf(f, "%s'pop-%d.dat' using 1:14 with lines lw 2 lc %d dt 1 title '%s connections', "
                   "'pop-%d.dat' using 1:8 with lines lw 2 lc %d dt 2 notitle, "
                   "'pop-%d.dat' using 1:13 axes x1y2 with lines lw 1 lc %d dt 1 title '%s hidden', "
                   "'pop-%d.dat' using 1:7 axes x1y2 with lines lw 1 lc %d dt 2 notitle",
                p ? ", " : "", p, p + 1, title, p, p + 1, p, p + 1, title, p, p + 1);
    }
    fputc('\n', f);
    charts++;
    if (!open_ended) {
        /* behavioural diversity (generational: open-ended rows hold 0) */
        fprintf(f, "unset y2label\nunset y2tics\nset output 'diversity.png'\n"
                   "set title 'Behavioural diversity (spread of movement, eating, survival)'\n"
                   "set ylabel 'behaviour spread'\nplot ");
        for (int p = 0; p < pop_count; ++p) {
            char title[64];
            plot_title(pop_names[p], title, sizeof title);
            fprintf(f, "%s'pop-%d.dat' using 1:15 with lines lw 2 lc %d title '%s'",
                    p ? ", " : "", p, p + 1, title);
        }
        fputc('\n', f);
        charts++;
        write_measures_chart(f, plots, pop_names, pop_count);
        charts++;
    }
    if (fclose(f) != 0) {
        return 0;
    }
    return plots_gnuplot(plots, "plots.gp") ? charts : 0;
}

bool plots_gnuplot(const char *folder, const char *script)
{
    if (!gnuplot_available()) {
        return false;
    }
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        return false;
    }
    posix_spawn_file_actions_addchdir_np(&fa, folder);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char arg0[] = "gnuplot", arg1[256];
    snprintf(arg1, sizeof arg1, "%s", script);
    char *args[] = {arg0, arg1, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        return false;
    }
    int status;
    pid_t w;
    do {
        w = waitpid(pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    return w >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void lineage_count_reseeds(const char *dir, const RunDef *def, int *out)
{
    for (int p = 0; p < def->population_count; ++p) {
        out[p] = 0;
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/lineage.csv", dir);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        /* generation,tick,birth,POP,id,,,,reseed,, */
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        if (n < 9 || strcmp(line + n - 9, ",reseed,,") != 0) {
            continue;
        }
        char *a = strchr(line, ',');
        char *b = a ? strchr(a + 1, ',') : NULL;
        char *c = b ? strchr(b + 1, ',') : NULL;
        char *d = c ? strchr(c + 1, ',') : NULL;
        if (d == NULL || strncmp(b + 1, "birth,", 6) != 0) {
            continue;
        }
        *d = '\0';
        for (int p = 0; p < def->population_count; ++p) {
            if (strcmp(c + 1, def->populations[p].name) == 0) {
                out[p]++;
            }
        }
    }
    fclose(f);
}
