/*
 * One run of a sweep as a process: where it stands (read from its folder),
 * and the argument vector that starts or resumes it.
 *
 * A run folder tells by itself what is left to do, so a sweep can be
 * re-run after a crash, a Ctrl-C or a SLURM time limit: summary.json with
 * a final stop reason (not "interrupted" or "signal") is a finished run;
 * checkpoints/LATEST is a run to resume; a folder with neither was killed
 * before its first checkpoint and starts again.
 */
#include "experiments/sweep_internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

void sweep_run_dir(const Sweep *sw, const SweepRun *run, char *out, size_t cap)
{
    if (snprintf(out, cap, "%s/%s", sw->out_dir, run->name) >= (int)cap) {
        out[0] = '\0'; /* out_dir is checked to leave room when the sweep loads */
    }
}

/* The stop reason of summary.json, or "" when there is none. */
static void summary_stop_reason(const char *dir, char *out, size_t cap)
{
    char path[SWEEP_PATH_CAP + 32];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    out[0] = '\0';
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
    if (root == NULL) {
        return;
    }
    const char *reason = json_string_value(json_object_get(root, "stop_reason"));
    if (reason != NULL) {
        snprintf(out, cap, "%s", reason);
    }
    json_decref(root);
}

SweepRunState sweep_run_state(const Sweep *sw, const SweepRun *run)
{
    char dir[SWEEP_PATH_CAP], probe[SWEEP_PATH_CAP + 64];
    sweep_run_dir(sw, run, dir, sizeof dir);
    if (!file_exists(dir)) {
        return SWEEP_RUN_NEW;
    }
    char reason[128];
    summary_stop_reason(dir, reason, sizeof reason);
    if (reason[0] != '\0' && strncmp(reason, "interrupted", 11) != 0 &&
        strncmp(reason, "signal", 6) != 0) {
        return SWEEP_RUN_DONE;
    }
    snprintf(probe, sizeof probe, "%s/checkpoints/LATEST", dir);
    return file_exists(probe) ? SWEEP_RUN_PARTIAL : SWEEP_RUN_STALE;
}

bool sweep_self_exe(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1) {
        return false;
    }
    out[n] = '\0';
    return true;
}

typedef struct ArgStore {
    char **argv;
    int argc;
    char *store;
    size_t used;
    bool full;
} ArgStore;

static void arg_push(ArgStore *a, const char *fmt, ...) PETRI_PRINTF(2, 3);
static void arg_push(ArgStore *a, const char *fmt, ...)
{
    if (a->full || a->argc + 1 >= SWEEP_ARGV_MAX) {
        a->full = true;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(a->store + a->used, SWEEP_ARGV_STORE - a->used, fmt, ap);
    va_end(ap);
    if (n < 0 || a->used + (size_t)n + 1 > SWEEP_ARGV_STORE) {
        a->full = true;
        return;
    }
    a->argv[a->argc++] = a->store + a->used;
    a->used += (size_t)n + 1;
}

int sweep_run_argv(const Sweep *sw, const SweepRun *run, bool resume, const char *petri,
                   int threads, char **argv, char *store)
{
    ArgStore a = {.argv = argv, .store = store};
    char dir[SWEEP_PATH_CAP];
    sweep_run_dir(sw, run, dir, sizeof dir);
    arg_push(&a, "%s", petri);
    if (resume) {
        arg_push(&a, "resume");
        arg_push(&a, "%s", dir);
    } else {
        arg_push(&a, "run");
        arg_push(&a, "%s", sw->base_path);
        arg_push(&a, "--out");
        arg_push(&a, "%s", dir);
        for (int k = 0; k < run->count; ++k) {
            const ConfigAssignment *o = sw->overrides[run->first + k];
            arg_push(&a, "--set");
            arg_push(&a, "%s=%s", o->key, o->value);
        }
        arg_push(&a, "--set");
        arg_push(&a, "seed=%llu", (unsigned long long)run->seed);
    }
    arg_push(&a, "--threads");
    arg_push(&a, "%d", threads);
    arg_push(&a, "--quiet");
    argv[a.argc] = NULL;
    return a.full ? -1 : a.argc;
}
