/* The plain files of a run folder: CSV tables that can be cut back to a
 * checkpoint, JSON strings, and plots drawn by gnuplot when it is there. */
#include "sim/sim_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* One gnuplot script draws every plot; stats.csv holds one row per
 * generation and population, so each population is a filtered series. */
int plots_write(const char *dir, const char *const *pop_names, int pop_count, bool open_ended)
{
    if (!gnuplot_available()) {
        return 0;
    }
    char plots[4096], script[4200];
    snprintf(plots, sizeof plots, "%s/plots", dir);
    PetriError err;
    error_clear(&err);
    if (file_make_dirs(plots, &err) != PETRI_OK) {
        return 0;
    }
    snprintf(script, sizeof script, "%s/plots.gp", plots);
    FILE *f = fopen(script, "w");
    if (f == NULL) {
        return 0;
    }
    const char *x = open_ended ? "epoch" : "generation";
    static const struct {
        const char *file, *title, *ylabel;
        int column; /* of stats.csv, 1-based */
        bool with_mean;
    } charts[] = {
        {"fitness.png", "Best and mean fitness", "fitness", 4, true},
        {"population.png", "Agents per population", "agents", 3, false},
        {"species.png", "Species", "species", 7, false},
        {"complexity.png", "Mean enabled connections", "connections", 9, false},
    };
    fprintf(f, "set datafile separator ','\nset terminal pngcairo size 900,500 noenhanced\n"
               "set key outside right top\nset grid\nset xlabel '%s'\n", x);
    for (size_t c = 0; c < sizeof charts / sizeof charts[0]; ++c) {
        fprintf(f, "set output '%s/%s'\nset title '%s'\nset ylabel '%s'\nplot ", plots,
                charts[c].file, charts[c].title, charts[c].ylabel);
        for (int p = 0; p < pop_count; ++p) {
            /* Rows of one population, through awk: a filtered series in
             * gnuplot itself would break its lines at the other rows. */
            fprintf(f,
                    "%s\"< awk -F, '$2==\\\"%s\\\"' '%s/stats.csv'\" using 1:%d with lines lw 2 "
                    "title '%s%s'",
                    p ? ", " : "", pop_names[p], dir, charts[c].column, pop_names[p],
                    charts[c].with_mean ? " max" : "");
            if (charts[c].with_mean) {
                fprintf(f,
                        ", \"< awk -F, '$2==\\\"%s\\\"' '%s/stats.csv'\" using 1:5 with lines "
                        "dt 2 title '%s mean'",
                        pop_names[p], dir, pop_names[p]);
            }
        }
        fputc('\n', f);
    }
    fclose(f);
    char cmd[8600];
    snprintf(cmd, sizeof cmd, "gnuplot '%s' >/dev/null 2>&1", script);
    if (system(cmd) != 0) {
        return 0;
    }
    return (int)(sizeof charts / sizeof charts[0]);
}
