/*
 * Running a sweep on this machine: `jobs` petri processes at a time.
 *
 * Each run is a child process started with posix_spawn from an argument
 * vector (no shell), in a process group of its own, its output appended
 * to OUT/logs/NAME.log. Because the children are not in the terminal's
 * process group, a Ctrl-C reaches only the sweep, which forwards it once
 * to every child: each writes a checkpoint and exits 130 (a second Ctrl-C
 * is forwarded too, and ends them without one, as for a single run). No
 * new run starts after a signal. Re-running the sweep skips finished
 * runs, resumes the interrupted ones and starts again those that died
 * before their first checkpoint.
 */
#include "experiments/sweep_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t sweep_signal;
static volatile sig_atomic_t sweep_signal_count;

static void on_signal(int sig)
{
    sweep_signal = sig;
    sweep_signal_count++;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : -1;
}

typedef struct Slot {
    pid_t pid;      /* 0: free */
    int run;
    bool resumed;
} Slot;

static bool spawn_run(const Sweep *sw, const SweepRun *run, bool resume, const char *petri,
                      int threads, pid_t *pid)
{
    static char *argv[SWEEP_ARGV_MAX + 1];
    static char store[SWEEP_ARGV_STORE];
    if (sweep_run_argv(sw, run, resume, petri, threads, argv, store) < 0) {
        log_error("sweep: the command line of run %s is too long", run->name);
        return false;
    }
    char log_path[SWEEP_PATH_CAP + SWEEP_NAME_CAP + 16];
    snprintf(log_path, sizeof log_path, "%s/logs/%s.log", sw->out_dir, run->name);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGUSR1);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(pid, petri, &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        log_error("sweep: cannot start %s: %s", petri, strerror(rc));
        return false;
    }
    return true;
}

/* The runs still to do and the children running them. */
typedef struct Pool {
    const Sweep *sw;
    const char *petri;
    int jobs, threads;
    int *todo;     /* indices into sw->runs, in order */
    bool *resume;  /* per todo entry: resume from its checkpoint */
    int todo_count, finished, to_resume;
    Slot *slots;   /* jobs of them */
    int next, running, done, failed, interrupted, forwarded;
} Pool;

/* Sorts the sweep's runs: finished ones are skipped, partial ones resumed,
 * stale ones (a folder without a checkpoint) cleared and started again. */
static void pool_plan(Pool *p)
{
    const Sweep *sw = p->sw;
    for (int i = 0; i < sw->run_count; ++i) {
        SweepRunState st = sweep_run_state(sw, &sw->runs[i]);
        if (st == SWEEP_RUN_DONE) {
            p->finished++;
            continue;
        }
        if (st == SWEEP_RUN_STALE) {
            char dir[SWEEP_PATH_CAP];
            sweep_run_dir(sw, &sw->runs[i], dir, sizeof dir);
            if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
                log_warn("sweep: cannot clear %s, which holds no checkpoint: %s", dir,
                         strerror(errno));
            }
        }
        p->resume[p->todo_count] = st == SWEEP_RUN_PARTIAL;
        p->to_resume += st == SWEEP_RUN_PARTIAL;
        p->todo[p->todo_count++] = i;
    }
}

/* Fills free slots with the next runs, unless a signal came. */
static void pool_start(Pool *p)
{
    while (p->running < p->jobs && p->next < p->todo_count && sweep_signal_count == 0) {
        int s = 0;
        while (p->slots[s].pid != 0) {
            s++;
        }
        const SweepRun *run = &p->sw->runs[p->todo[p->next]];
        pid_t pid;
        if (spawn_run(p->sw, run, p->resume[p->next], p->petri, p->threads, &pid)) {
            p->slots[s] = (Slot){
                .pid = pid, .run = p->todo[p->next], .resumed = p->resume[p->next]};
            p->running++;
        } else {
            p->failed++;
        }
        p->next++;
    }
}

/* Collects the children that ended; returns whether any did. */
static bool pool_reap(Pool *p)
{
    bool reaped = false;
    for (int s = 0; s < p->jobs; ++s) {
        if (p->slots[s].pid == 0) {
            continue;
        }
        int status;
        if (waitpid(p->slots[s].pid, &status, WNOHANG) != p->slots[s].pid) {
            continue;
        }
        reaped = true;
        const SweepRun *run = &p->sw->runs[p->slots[s].run];
        p->slots[s].pid = 0;
        p->running--;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            p->done++;
        } else if ((WIFEXITED(status) && WEXITSTATUS(status) == 130) ||
                   (WIFSIGNALED(status) && p->forwarded > 0 && WTERMSIG(status) == sweep_signal)) {
            /* Checkpointed, or ended by the forwarded signal before petri
             * could catch it (just started): left for next time. */
            p->interrupted++;
        } else {
            p->failed++;
            log_error("sweep: run %s failed (%s %d); its output is in %s/logs/%s.log", run->name,
                      WIFEXITED(status) ? "exit" : "signal",
                      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), p->sw->out_dir,
                      run->name);
        }
    }
    return reaped;
}

/* Runs the pool to its end, or to the end of the runs a signal reached. */
static void pool_drive(Pool *p)
{
    Progress prog;
    progress_begin(&prog, stderr, "sweep", "runs", (uint64_t)p->todo_count);
    char detail[128];
    while (p->next < p->todo_count || p->running > 0) {
        pool_start(p);
        if (sweep_signal_count != p->forwarded) {
            p->forwarded = sweep_signal_count;
            for (int s = 0; s < p->jobs; ++s) {
                if (p->slots[s].pid != 0) {
                    kill(p->slots[s].pid, sweep_signal);
                }
            }
        }
        if (sweep_signal_count > 0 && p->running == 0) {
            break;
        }
        bool reaped = pool_reap(p);
        snprintf(detail, sizeof detail, "%d done, %d running, %d left", p->done, p->running,
                 p->todo_count - p->next + p->running);
        if (p->todo_count > 0) {
            progress_update(&prog, (uint64_t)p->done, detail);
        }
        if (!reaped) {
            struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    snprintf(detail, sizeof detail, "%d done, %d running, %d left", p->done, p->running,
             p->todo_count - p->done - p->failed);
    if (p->todo_count > 0) {
        progress_end(&prog, detail);
    }
}

int sweep_run_local(const Sweep *sw, int jobs, int threads)
{
    char petri[PATH_MAX];
    if (!sweep_self_exe(petri, sizeof petri)) {
        log_error("sweep: cannot find the petri executable (/proc/self/exe)");
        return 1;
    }
    PetriError err;
    error_clear(&err);
    char logs[SWEEP_PATH_CAP + 8];
    snprintf(logs, sizeof logs, "%s/logs", sw->out_dir);
    if (file_make_dirs(logs, &err) != PETRI_OK) {
        error_print(&err, stderr);
        return 1;
    }
    Pool p = {.sw = sw, .petri = petri, .jobs = jobs, .threads = threads};
    p.todo = petri_alloc((size_t)sw->run_count * sizeof *p.todo);
    p.resume = petri_calloc((size_t)sw->run_count, sizeof *p.resume);
    p.slots = petri_calloc((size_t)jobs, sizeof *p.slots);
    pool_plan(&p);
    log_info("sweep %s: %d runs, %d finished already, %d to resume, %d to start; %d at a time, "
             "%d thread%s each",
             sw->def.name, sw->run_count, p.finished, p.to_resume, p.todo_count - p.to_resume,
             jobs, threads, threads == 1 ? "" : "s");

    struct sigaction sa, old_int, old_term, old_usr1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sweep_signal = 0;
    sweep_signal_count = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGUSR1, &sa, &old_usr1);
    pool_drive(&p);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGUSR1, &old_usr1, NULL);

    int left = p.todo_count - p.done - p.failed;
    printf("sweep %s: %d of %d runs finished, %d failed, %d left (%d interrupted); folder %s\n",
           sw->def.name, p.finished + p.done, sw->run_count, p.failed, left, p.interrupted,
           sw->out_dir);
    int rc = 0;
    if (p.failed > 0) {
        rc = 1;
    } else if (left > 0) {
        printf("interrupted: every running run wrote a checkpoint; run the same `petri sweep` "
               "again to finish\n");
        rc = 130;
    } else {
        printf("summarize with: petri summarize %s\n", sw->out_dir);
    }
    petri_free(p.slots, (size_t)jobs * sizeof *p.slots);
    petri_free(p.resume, (size_t)sw->run_count * sizeof *p.resume);
    petri_free(p.todo, (size_t)sw->run_count * sizeof *p.todo);
    return rc;
}
