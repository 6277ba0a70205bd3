/*
 * Watching the config file with inotify. Editors save in different ways:
 * some write the file in place (IN_CLOSE_WRITE), others write a new file
 * and rename it over the old one (IN_MOVED_TO), or delete and create it.
 * Watching the folder for the file's name sees all of them.
 */
#include "render/render_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

struct FileWatch {
    int fd;
    int wd;
    char name[256];
};

PetriStatus file_watch_create(const char *path, FileWatch **out, PetriError *err)
{
    *out = NULL;
    char dir[4096], base[4096];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(base, sizeof base, "%s", path);
    const char *d = dirname(dir);
    const char *b = basename(base);
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
        return error_add(err, PETRI_EIO, "%s: cannot watch the file: %s", path, strerror(errno));
    }
    int wd = inotify_add_watch(fd, d, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
    if (wd < 0) {
        int e = errno;
        close(fd);
        return error_add(err, PETRI_EIO, "%s: cannot watch its folder: %s", path, strerror(e));
    }
    FileWatch *fw = petri_calloc(1, sizeof *fw);
    fw->fd = fd;
    fw->wd = wd;
    snprintf(fw->name, sizeof fw->name, "%s", b);
    *out = fw;
    return PETRI_OK;
}

void file_watch_destroy(FileWatch *fw)
{
    if (fw == NULL) {
        return;
    }
    close(fw->fd);
    petri_free(fw, sizeof *fw);
}

bool file_watch_changed(FileWatch *fw)
{
    bool changed = false;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(fw->fd, buf, sizeof buf);
        if (n <= 0) {
            break; /* EAGAIN: nothing more */
        }
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if (e->len > 0 && strcmp(e->name, fw->name) == 0 &&
                (e->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0) {
                changed = true;
            }
            p += sizeof *e + e->len;
        }
    }
    return changed;
}
