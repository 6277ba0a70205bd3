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
static void plot_title(const char *name, char *out, size_t cap)
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
                fprintf(out[p], "%s", line);
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
    /* Columns of pop-P.dat: stats.csv's without the name, so fitness_max
     * is 3, fitness_mean 4, count 2, species 6, connections_mean 8. */
    static const struct {
        const char *file, *title, *ylabel;
        int column;
        bool with_mean;
    } charts[] = {
        {"fitness.png", "Best and mean fitness", "fitness", 3, true},
        {"population.png", "Agents per population", "agents", 2, false},
        {"species.png", "Species", "species", 6, false},
        {"complexity.png", "Mean enabled connections", "connections", 8, false},
    };
    fprintf(f, "set terminal pngcairo size 900,500 noenhanced\n"
               "set key outside right top\nset grid\nset xlabel '%s'\n", x);
    for (size_t c = 0; c < sizeof charts / sizeof charts[0]; ++c) {
        fprintf(f, "set output '%s'\nset title '%s'\nset ylabel '%s'\nplot ", charts[c].file,
                charts[c].title, charts[c].ylabel);
        for (int p = 0; p < pop_count; ++p) {
            char title[64];
            plot_title(pop_names[p], title, sizeof title);
            fprintf(f, "%s'pop-%d.dat' using 1:%d with lines lw 2 title '%s%s'", p ? ", " : "",
                    p, charts[c].column, title, charts[c].with_mean ? " max" : "");
            if (charts[c].with_mean) {
                fprintf(f, ", 'pop-%d.dat' using 1:4 with lines dt 2 title '%s mean'", p, title);
            }
        }
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        return 0;
    }
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        return 0;
    }
    posix_spawn_file_actions_addchdir_np(&fa, plots);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char arg0[] = "gnuplot", arg1[] = "plots.gp";
    char *args[] = {arg0, arg1, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        return 0;
    }
    int status;
    pid_t w;
    do {
        w = waitpid(pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return 0;
    }
    return (int)(sizeof charts / sizeof charts[0]);
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
