/*
 * Recording: raw RGB24 frames piped to ffmpeg, which encodes them. ffmpeg
 * is started with posix_spawnp and an argument vector, never through a
 * shell, so no file name is ever parsed as a command.
 */
#include "render/render_internal.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct Recorder {
    pid_t pid;
    int fd;
    int w, h;
    char path[4096];
};

PetriStatus recorder_start(const char *path, int w, int h, int fps, Recorder **out,
                           PetriError *err)
{
    *out = NULL;
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        return error_add(err, PETRI_EIO, "%s: error: cannot make a pipe for ffmpeg: %s", path,
                         strerror(errno));
    }
    char size[32], rate[16];
    snprintf(size, sizeof size, "%dx%d", w, h);
    snprintf(rate, sizeof rate, "%d", fps);
    /* yuv420p needs even sizes: the scale filter rounds down */
    char *const argv[] = {"ffmpeg",   "-loglevel", "error",     "-y",      "-f",
                          "rawvideo", "-pix_fmt",  "rgb24",     "-s",      size,
                          "-r",       rate,        "-i",        "-",       "-vf",
                          "scale=trunc(iw/2)*2:trunc(ih/2)*2",  "-pix_fmt", "yuv420p",
                          (char *)path, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[0], STDIN_FILENO);
    posix_spawn_file_actions_addclose(&fa, pipefd[1]);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, "ffmpeg", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[0]);
    if (rc != 0) {
        close(pipefd[1]);
        if (rc == ENOENT) {
            return error_add(err, PETRI_ENOTFOUND,
                             "%s: error: --record needs ffmpeg, which is not installed; install "
                             "it with `apt-get install ffmpeg` (Debian), or leave out --record",
                             path);
        }
        return error_add(err, PETRI_EIO, "%s: error: cannot start ffmpeg: %s", path,
                         strerror(rc));
    }
    /* a writer to a dead ffmpeg gets EPIPE, not a fatal SIGPIPE */
    signal(SIGPIPE, SIG_IGN);
    Recorder *r = petri_calloc(1, sizeof *r);
    r->pid = pid;
    r->fd = pipefd[1];
    r->w = w;
    r->h = h;
    snprintf(r->path, sizeof r->path, "%s", path);
    *out = r;
    return PETRI_OK;
}

PetriStatus recorder_frame(Recorder *rec, const uint8_t *rgb, PetriError *err)
{
    size_t left = (size_t)rec->w * (size_t)rec->h * 3;
    const uint8_t *p = rgb;
    while (left > 0) {
        ssize_t n = write(rec->fd, p, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return error_add(err, PETRI_EIO, "%s: error: ffmpeg stopped taking frames: %s",
                             rec->path, strerror(errno));
        }
        p += n;
        left -= (size_t)n;
    }
    return PETRI_OK;
}

PetriStatus recorder_finish(Recorder *rec, PetriError *err)
{
    if (rec == NULL) {
        return PETRI_OK;
    }
    close(rec->fd);
    int status = 0;
    pid_t w;
    do {
        w = waitpid(rec->pid, &status, 0);
    } while (w < 0 && errno == EINTR);
    PetriStatus s = PETRI_OK;
    if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        s = error_add(err, PETRI_EIO, "%s: error: ffmpeg failed (exit status %d)", rec->path,
                      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    petri_free(rec, sizeof *rec);
    return s;
}

long recorder_copies(double elapsed_s, int fps, long recorded)
{
    /* slots 0 .. floor(elapsed * fps) have begun by now */
    long due = (long)(elapsed_s * fps) + 1 - recorded;
    if (due < 0) {
        return 0;
    }
    return due > 2L * fps ? 2L * fps : due;
}
