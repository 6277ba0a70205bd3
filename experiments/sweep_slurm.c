/*
 * A sweep as a SLURM job array: one array task per run.
 *
 * The script is bash. Each task looks up its run by SLURM_ARRAY_TASK_ID,
 * skips it when the folder already holds a finished run, resumes it when
 * the folder holds a checkpoint, and starts it otherwise. SLURM's warning
 * before the time limit (--signal=B:USR1@N) goes to the batch shell only
 * (B:), so the script traps USR1 and forwards it to petri, which writes a
 * checkpoint and exits 130; the task then requeues itself with
 * `scontrol requeue` and, when it runs again, resumes from that
 * checkpoint. Every path is written in single quotes; a run's overrides
 * are the same argument vector `petri sweep --jobs` would spawn.
 */
#include "experiments/sweep_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* s in single quotes, each ' written as '\''. */
static void sh_quote(ByteBuf *b, const char *s)
{
    buf_put_u8(b, '\'');
    for (; *s != '\0'; ++s) {
        if (*s == '\'') {
            buf_printf(b, "'\\''");
        } else {
            buf_put_u8(b, (uint8_t)*s);
        }
    }
    buf_put_u8(b, '\'');
}

/* Seconds of a SLURM time limit: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S;
 * -1 when it is not one. */
static long slurm_time_seconds(const char *t)
{
    long days = 0, f[3] = {0, 0, 0};
    int n = 0;
    const char *p = t;
    const char *dash = strchr(t, '-');
    if (dash != NULL) {
        char *end;
        days = strtol(t, &end, 10);
        if (end != dash || end == t || days < 0 || days > 365) {
            return -1;
        }
        p = dash + 1;
    }
    while (*p != '\0') {
        if (n == 3 || !isdigit((unsigned char)*p)) {
            return -1;
        }
        char *end;
        f[n++] = strtol(p, &end, 10);
        if (f[n - 1] > 100000) {
            return -1;
        }
        p = end;
        if (*p == ':') {
            ++p;
            if (*p == '\0') {
                return -1;
            }
        } else if (*p != '\0') {
            return -1;
        }
    }
    if (n == 0) {
        return -1;
    }
    if (dash != NULL) { /* D-H, D-H:M, D-H:M:S */
        return days * 86400 + f[0] * 3600 + f[1] * 60 + f[2];
    }
    if (n == 1) {
        return f[0] * 60;
    }
    if (n == 2) {
        return f[0] * 60 + f[1];
    }
    return f[0] * 3600 + f[1] * 60 + f[2];
}

/* A path that an #SBATCH line can hold: no spaces, quotes or '%'. */
static bool sbatch_safe(const char *s)
{
    return strpbrk(s, " \t\n'\"%\\$`") == NULL;
}

PetriStatus sweep_write_slurm(const Sweep *sw, SweepSlurmOptions *o, const char *petri,
                              char *script, size_t cap, PetriError *err)
{
    long limit = slurm_time_seconds(o->time);
    if (limit <= 0) {
        return error_add(err, PETRI_EUSAGE,
                         "petri sweep: error: --time '%s' is not a SLURM time limit (minutes, "
                         "MM:SS, HH:MM:SS or D-HH:MM:SS)",
                         o->time);
    }
    if (o->signal_s <= 0) {
        /* Two minutes before the end; a short limit (a test, a debug
         * queue) is warned after a sixth of it: --time=1 at 50 s. */
        o->signal_s = limit >= 720 ? 120 : (int)(limit * 5 / 6);
    }
    if (o->signal_s >= limit) {
        return error_add(err, PETRI_EUSAGE,
                         "petri sweep: error: the warning (%d s before the limit) must come "
                         "after the start: the time limit is %ld s",
                         o->signal_s, limit);
    }
    if (!sbatch_safe(sw->out_dir)) {
        return error_add(err, PETRI_EUSAGE,
                         "petri sweep: error: the sweep's folder %s holds a space, quote, '%%', "
                         "'$' or '\\', which an #SBATCH --output line cannot hold; choose "
                         "another 'out'",
                         sw->out_dir);
    }
    if (o->partition != NULL && !sbatch_safe(o->partition)) {
        return error_add(err, PETRI_EUSAGE, "petri sweep: error: bad --partition '%s'",
                         o->partition);
    }
    char slurm_dir[SWEEP_PATH_CAP + 16];
    snprintf(slurm_dir, sizeof slurm_dir, "%s/slurm", sw->out_dir);
    if (file_make_dirs(slurm_dir, err) != PETRI_OK) {
        return err->code;
    }
    ByteBuf b;
    buf_init(&b);
    buf_printf(&b,
               "#!/bin/bash\n"
               "# Written by `petri sweep %s --slurm`: one array task per run of the sweep\n"
               "# '%s' (%d runs). Submit it with: sbatch %s/sweep.slurm\n",
               sw->path, sw->def.name, sw->run_count, sw->out_dir);
    buf_printf(&b, "#SBATCH --job-name=petri-%s\n", sw->def.name);
    buf_printf(&b, "#SBATCH --array=0-%d\n", sw->run_count - 1);
    buf_printf(&b, "#SBATCH --time=%s\n", o->time);
    buf_printf(&b, "#SBATCH --cpus-per-task=%d\n", o->threads);
    buf_printf(&b, "#SBATCH --ntasks=1\n");
    buf_printf(&b, "#SBATCH --output=%s/slurm/%%A_%%a.out\n", sw->out_dir);
    buf_printf(&b, "#SBATCH --open-mode=append\n");
    buf_printf(&b, "#SBATCH --signal=B:USR1@%d\n", o->signal_s);
    buf_printf(&b, "#SBATCH --requeue\n");
    if (o->partition != NULL) {
        buf_printf(&b, "#SBATCH --partition=%s\n", o->partition);
    }
    buf_printf(&b, "set -u\npetri=");
    sh_quote(&b, petri);
    buf_printf(&b, "\nthreads=%d\nexport OMP_NUM_THREADS=$threads\n", o->threads);
    buf_printf(&b, "i=${SLURM_ARRAY_TASK_ID:?this script is a SLURM job array}\n");
    buf_printf(&b, "case $i in\n");
    static char *argv[SWEEP_ARGV_MAX + 1];
    static char store[SWEEP_ARGV_STORE];
    for (int r = 0; r < sw->run_count; ++r) {
        const SweepRun *run = &sw->runs[r];
        char dir[SWEEP_PATH_CAP];
        sweep_run_dir(sw, run, dir, sizeof dir);
        int argc = sweep_run_argv(sw, run, false, petri, o->threads, argv, store);
        if (argc < 0) {
            buf_fini(&b);
            return error_add(err, PETRI_EUSAGE, "petri sweep: error: run %s has too long a "
                                                "command line", run->name);
        }
        buf_printf(&b, "%d) dir=", r);
        sh_quote(&b, dir);
        buf_printf(&b, "; run=(");
        /* argv[0] is petri, and the last three are --threads N --quiet,
         * which the script adds to both run and resume. */
        for (int k = 1; k < argc - 3; ++k) {
            if (k > 1) {
                buf_put_u8(&b, ' ');
            }
            sh_quote(&b, argv[k]);
        }
        buf_printf(&b, ") ;;\n");
    }
    buf_printf(&b, "*) echo \"petri sweep: no run $i in this sweep\" >&2; exit 2 ;;\nesac\n");
    buf_printf(
        &b,
        "# A finished run is skipped, an interrupted one resumed; a folder without a\n"
        "# checkpoint was killed before its first one and starts again.\n"
        "finished() {\n"
        "    local reason\n"
        "    reason=$(sed -n 's/^ *\"stop_reason\": \"\\(.*\\)\",*$/\\1/p' "
        "\"$dir/summary.json\" 2>/dev/null)\n"
        "    case $reason in '' | interrupted* | signal*) return 1 ;; esac\n"
        "    echo \"run $i ($dir) is finished: $reason\"\n"
        "}\n"
        "finished && exit 0\n"
        "if [ -e \"$dir/checkpoints/LATEST\" ]; then\n"
        "    cmd=(resume \"$dir\")\n"
        "else\n"
        "    [ -e \"$dir\" ] && rm -rf -- \"$dir\"\n"
        "    cmd=(\"${run[@]}\")\n"
        "fi\n"
        "# SLURM warns the batch shell (B:USR1) before the time limit; petri\n"
        "# checkpoints and exits 130 on SIGUSR1, so forward it.\n"
        "warned=0\n"
        "child=\n"
        "trap 'warned=1; [ -n \"$child\" ] && kill -USR1 \"$child\" 2>/dev/null' USR1\n"
        "echo \"run $i: petri ${cmd[0]} $dir (job ${SLURM_JOB_ID:-?}, $(date -u +%%FT%%TZ))\"\n"
        "\"$petri\" \"${cmd[@]}\" --threads \"$threads\" --quiet &\n"
        "child=$!\n"
        "wait \"$child\"; rc=$?\n"
        "# The trap ends wait early: wait again while petri writes its checkpoint.\n"
        "while [ \"$rc\" -gt 128 ] && kill -0 \"$child\" 2>/dev/null; do wait \"$child\"; "
        "rc=$?; done\n"
        "if [ \"$warned\" -eq 1 ] && ! finished; then\n"
        "    echo \"run $i: checkpointed before the time limit; requeueing job $SLURM_JOB_ID\"\n"
        "    scontrol requeue \"$SLURM_JOB_ID\"\n"
        "    exit 0\n"
        "fi\n"
        "exit \"$rc\"\n");
    int n = snprintf(script, cap, "%s/sweep.slurm", sw->out_dir);
    PetriStatus st = PETRI_OK;
    if (n < 0 || (size_t)n >= cap) {
        st = error_add(err, PETRI_EIO, "petri sweep: error: the script's path is too long");
    } else {
        st = file_write_atomic(script, b.data, b.len, err);
    }
    buf_fini(&b);
    return st;
}
