/* SIGINT, SIGTERM, SIGHUP (a closed terminal or ssh session) and SIGUSR1
 * (which SLURM can send before a time limit) only set a flag; the run loop checks it between generations or epochs,
 * writes a checkpoint and stops cleanly. A second SIGINT exits at once. */
#include "sim/sim_internal.h"

#include <string.h>
#include <unistd.h>

volatile sig_atomic_t sim_stop_signal;

static struct sigaction old_int, old_term, old_usr1, old_hup;

static void on_signal(int sig)
{
    if (sim_stop_signal != 0 && sig == SIGINT) {
        static const char msg[] = "\npetri: second interrupt, exiting without a checkpoint\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(130);
    }
    sim_stop_signal = sig;
}

void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* SA_RESTART: a signal in the middle of a checkpoint's write, fsync or
     * rename restarts the call rather than failing it (and the calls on
     * the checkpoint path also retry EINTR themselves). */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGHUP, &sa, &old_hup);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGUSR1, &sa, &old_usr1);
    sim_stop_signal = 0;
}

void signals_restore(void)
{
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGUSR1, &old_usr1, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
}
