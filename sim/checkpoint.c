/*
 * Checkpoint files. The container is small and strict: magic, version,
 * payload length, payload, CRC32 of everything before the CRC. It is
 * written atomically (temporary, fsync, rename, fsync of the folder), and
 * a pointer file LATEST, also written atomically, names the newest one;
 * so a run killed at any moment leaves either the old or the new
 * checkpoint, never half of one. The payload's meaning belongs to the
 * evolution code (sim/evolve.c), which checks every field it reads.
 */
#include "sim/sim_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void checkpoint_name(uint64_t generation, char *out, size_t cap)
{
    snprintf(out, cap, "ckpt-%08llu.bin", (unsigned long long)generation);
}

static int cmp_names_desc(const void *a, const void *b)
{
    return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of checkpoint files in DIR/checkpoints, newest first. */
static int checkpoint_list(const char *dir, char names[][64], int cap)
{
    char folder[4096];
    snprintf(folder, sizeof folder, "%s/checkpoints", dir);
    DIR *d = opendir(folder);
    if (d == NULL) {
        return 0;
    }
    char *tmp[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512) {
        size_t len = strlen(e->d_name);
        if (len == 17 && strncmp(e->d_name, "ckpt-", 5) == 0 &&
            strcmp(e->d_name + 13, ".bin") == 0) {
            tmp[n++] = petri_strdup(e->d_name);
        }
    }
    closedir(d);
    qsort(tmp, (size_t)n, sizeof tmp[0], cmp_names_desc);
    int out = 0;
    for (int i = 0; i < n; ++i) {
        if (out < cap) {
            snprintf(names[out++], 64, "%s", tmp[i]);
        }
        petri_free(tmp[i], strlen(tmp[i]) + 1);
    }
    return out;
}

PetriStatus checkpoint_write(const char *dir, uint64_t generation, const ByteBuf *payload,
                             PetriError *err)
{
    char folder[4096], name[64], path[4200];
    snprintf(folder, sizeof folder, "%s/checkpoints", dir);
    if (file_make_dirs(folder, err) != PETRI_OK) {
        return err->code;
    }
    ByteBuf b;
    buf_init(&b);
    buf_put(&b, CHECKPOINT_MAGIC, 4);
    buf_put_u32(&b, CHECKPOINT_VERSION);
    buf_put_u64(&b, payload->len);
    buf_put(&b, payload->data, payload->len);
    buf_put_u32(&b, crc32_of(b.data, b.len));
    checkpoint_name(generation, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", folder, name);
    PetriStatus s = file_write_atomic(path, b.data, b.len, err);
    buf_fini(&b);
    if (s != PETRI_OK) {
        return s;
    }
    char latest[4200], line[80];
    snprintf(latest, sizeof latest, "%s/LATEST", folder);
    int n = snprintf(line, sizeof line, "%s\n", name);
    s = file_write_atomic(latest, line, (size_t)n, err);
    if (s != PETRI_OK) {
        return s;
    }
    /* Keep the newest few, so that a corrupt newest one has a fallback. */
    char names[64][64];
    int count = checkpoint_list(dir, names, 64);
    for (int i = CHECKPOINT_KEEP; i < count; ++i) {
        snprintf(path, sizeof path, "%s/%s", folder, names[i]);
        unlink(path);
    }
    return PETRI_OK;
}

/* Reads a whole regular file of at most max bytes, EINTR-safe. The type
 * is checked on the open descriptor before any read (O_NONBLOCK: opening
 * a FIFO does not wait for a writer), so a FIFO, a device or a folder
 * in place of a checkpoint is an error, never a hang. */
static PetriStatus read_regular(const char *path, size_t max, char **data, size_t *len,
                                PetriError *err)
{
    *data = NULL;
    *len = 0;
    int fd;
    do {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return error_at(err, errno == ENOENT ? PETRI_ENOTFOUND : PETRI_EIO, path, 0, 0,
                        "cannot open: %s", strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return error_at(err, PETRI_EFORMAT, path, 0, 0,
                        "not a regular file (a FIFO, device or folder): refused");
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return error_at(err, PETRI_EFORMAT, path, 0, 0, "too large (%lld bytes, %zu at most)",
                        (long long)st.st_size, max);
    }
    size_t cap = (size_t)st.st_size;
    char *buf = petri_alloc(cap + 1);
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int e = errno;
            close(fd);
            petri_free(buf, cap + 1);
            return error_at(err, PETRI_EIO, path, 0, 0, "read failed: %s", strerror(e));
        }
        if (n == 0) {
            break; /* shrank while reading: what was read is checked below */
        }
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    if (got != cap) {
        char *smaller = petri_alloc(got + 1);
        memcpy(smaller, buf, got + 1);
        petri_free(buf, cap + 1);
        buf = smaller;
    }
    *data = buf;
    *len = got;
    return PETRI_OK;
}

PetriStatus checkpoint_decode(const char *where, const void *bytes, size_t n, char **payload,
                              size_t *len, PetriError *err)
{
    *payload = NULL;
    *len = 0;
    const char *data = bytes;
    ByteReader r;
    reader_init(&r, data, n);
    char magic[4];
    uint32_t version = 0, crc = 0;
    uint64_t plen = 0;
    const char *why = NULL;
    if (!reader_get(&r, magic, 4) || memcmp(magic, CHECKPOINT_MAGIC, 4) != 0) {
        why = "not a Petri checkpoint (bad magic)";
    } else if (!reader_u32(&r, &version) || version != CHECKPOINT_VERSION) {
        why = "unsupported checkpoint version (written by another version of petri)";
    } else if (!reader_u64(&r, &plen) || plen > n - r.pos || n - r.pos - plen != 4) {
        why = "truncated or wrong length";
    } else {
        const unsigned char *c = (const unsigned char *)data + r.pos + plen;
        crc = (uint32_t)c[0] | (uint32_t)c[1] << 8 | (uint32_t)c[2] << 16 | (uint32_t)c[3] << 24;
        if (crc != crc32_of(data, r.pos + plen)) {
            why = "CRC mismatch: the file is corrupt";
        }
    }
    if (why != NULL) {
        return error_at(err, PETRI_EFORMAT, where, 0, 0, "%s", why);
    }
    char *out = petri_alloc(plen + 1);
    memcpy(out, data + 16, plen);
    out[plen] = '\0';
    *payload = out;
    *len = plen;
    return PETRI_OK;
}

PetriStatus checkpoint_read_file(const char *path, char **payload, size_t *len, PetriError *err)
{
    *payload = NULL;
    *len = 0;
    char *data;
    size_t n;
    PetriStatus s = read_regular(path, CHECKPOINT_MAX_BYTES, &data, &n, err);
    if (s != PETRI_OK) {
        return s;
    }
    s = checkpoint_decode(path, data, n, payload, len, err);
    petri_free(data, n + 1);
    return s;
}

PetriStatus checkpoint_read_latest(const char *dir, char *path_out, size_t cap, char **payload,
                                   size_t *len, PetriError *err)
{
    char latest[4200], name[64] = "";
    snprintf(latest, sizeof latest, "%s/checkpoints/LATEST", dir);
    char *text;
    size_t tlen;
    PetriError ignore;
    error_clear(&ignore);
    struct stat lst;
    if (lstat(latest, &lst) == 0 && !S_ISREG(lst.st_mode)) {
        return error_at(err, PETRI_EFORMAT, latest, 0, 0,
                        "not a regular file (a FIFO, device, link or folder): refused; remove "
                        "it, or resume with --checkpoint FILE");
    }
    if (read_regular(latest, 256, &text, &tlen, &ignore) == PETRI_OK) {
        snprintf(name, sizeof name, "%.*s", (int)strcspn(text, "\r\n"), text);
        petri_free(text, tlen + 1);
    }
    char names[64][64];
    int count = checkpoint_list(dir, names, 64);
    if (name[0] == '\0' || strchr(name, '/') != NULL) {
        if (count == 0) {
            return error_at(err, PETRI_ENOTFOUND, dir, 0, 0,
                            "no checkpoint found in %s/checkpoints", dir);
        }
        snprintf(name, sizeof name, "%s", names[0]);
    }
    snprintf(path_out, cap, "%s/checkpoints/%s", dir, name);
    PetriError first;
    error_clear(&first);
    if (checkpoint_read_file(path_out, payload, len, &first) == PETRI_OK) {
        return PETRI_OK;
    }
    /* Offer the newest older checkpoint that is intact. */
    for (int i = 0; i < count; ++i) {
        if (strcmp(names[i], name) >= 0) {
            continue;
        }
        char other[4200], *p;
        size_t plen;
        snprintf(other, sizeof other, "%s/checkpoints/%s", dir, names[i]);
        PetriError e2;
        error_clear(&e2);
        if (checkpoint_read_file(other, &p, &plen, &e2) == PETRI_OK) {
            petri_free(p, plen + 1);
            first.msg[strcspn(first.msg, "\n")] = '\0';
            return error_add(err, PETRI_EFORMAT,
                             "%s\nnote: the previous checkpoint %s is intact; resume from it "
                             "with: petri resume %s --checkpoint %s",
                             first.msg, other, dir, other);
        }
    }
    first.msg[strcspn(first.msg, "\n")] = '\0';
    return error_add(err, PETRI_EFORMAT, "%s\nnote: no intact older checkpoint was found",
                     first.msg);
}
