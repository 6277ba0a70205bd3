/* Files: atomic writes (temporary, fsync, rename, fsync of the folder),
 * whole-file reads with a size cap, mkdir -p, and the byte buffers that
 * binary formats are built from and read back with bounds checks. */
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(out, cap, ".");
    } else if (slash == path) {
        snprintf(out, cap, "/");
    } else {
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
    }
}

PetriStatus file_write_atomic(const char *path, const void *data, size_t len, PetriError *err)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp) {
        return error_at(err, PETRI_EIO, path, 0, 0, "path too long");
    }
    /* Every call retries EINTR: a signal (SLURM's SIGUSR1 on a network
     * file system) in the middle of a checkpoint must not lose it. close
     * is not retried: on Linux the descriptor is gone even on EINTR. */
    int fd;
    do {
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot create '%s': %s", tmp,
                        strerror(errno));
    }
    const unsigned char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            close(fd);
            unlink(tmp);
            return error_at(err, PETRI_EIO, path, 0, 0, "write failed: %s (the old file is kept)",
                            strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    int rc;
    do {
        rc = fsync(fd);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return error_at(err, PETRI_EIO, path, 0, 0, "fsync failed: %s (the old file is kept)",
                        strerror(e));
    }
    if (close(fd) != 0 && errno != EINTR) {
        int e = errno;
        unlink(tmp);
        return error_at(err, PETRI_EIO, path, 0, 0, "close failed: %s (the old file is kept)",
                        strerror(e));
    }
    do {
        rc = rename(tmp, path);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int e = errno;
        unlink(tmp);
        return error_at(err, PETRI_EIO, path, 0, 0, "rename failed: %s (the old file is kept)",
                        strerror(e));
    }
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    file_sync_folder(dir);
    return PETRI_OK;
}

void file_sync_folder(const char *dir)
{
    int dfd;
    do {
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (dfd < 0 && errno == EINTR);
    if (dfd >= 0) {
        int rc;
        do {
            rc = fsync(dfd); /* some file systems refuse fsync on folders: harmless */
        } while (rc != 0 && errno == EINTR);
        close(dfd);
    }
}

PetriStatus file_read_all(const char *path, size_t max_len, char **data, size_t *len,
                          PetriError *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return error_at(err, errno == ENOENT ? PETRI_ENOTFOUND : PETRI_EIO, path, 0, 0,
                        "cannot open: %s", strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return error_at(err, PETRI_EIO, path, 0, 0, "is a folder, not a file");
    }
    size_t cap = 4096, used = 0;
    char *buf = petri_alloc(cap + 1);
    for (;;) {
        if (used == cap) {
            if (cap >= max_len + 1) {
                break;
            }
            size_t ncap = cap * 2 > max_len + 1 ? max_len + 1 : cap * 2;
            buf = petri_realloc(buf, cap + 1, ncap + 1);
            cap = ncap;
        }
        size_t r = fread(buf + used, 1, cap - used, f);
        used += r;
        if (r == 0) {
            break;
        }
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        petri_free(buf, cap + 1);
        return error_at(err, PETRI_EIO, path, 0, 0, "read failed");
    }
    if (used > max_len) {
        petri_free(buf, cap + 1);
        return error_at(err, PETRI_EIO, path, 0, 0, "file is larger than the limit of %zu bytes",
                        max_len);
    }
    /* Shrink so that the caller frees exactly len + 1 bytes. */
    buf = petri_realloc(buf, cap + 1, used + 1);
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return PETRI_OK;
}

PetriStatus file_make_dirs(const char *path, PetriError *err)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s", path);
    if (n < 0 || (size_t)n >= sizeof buf) {
        return error_at(err, PETRI_EIO, path, 0, 0, "path too long");
    }
    for (char *p = buf + 1; *p; ++p) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                return error_at(err, PETRI_EIO, buf, 0, 0, "cannot create folder: %s",
                                strerror(errno));
            }
            *p = '/';
        }
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        return error_at(err, PETRI_EIO, buf, 0, 0, "cannot create folder: %s", strerror(errno));
    }
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return error_at(err, PETRI_EIO, buf, 0, 0, "exists and is not a folder");
    }
    return PETRI_OK;
}

bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---------------------------------------------------------------- ByteBuf */

void buf_init(ByteBuf *b)
{
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_fini(ByteBuf *b)
{
    petri_free(b->data, b->cap);
    buf_init(b);
}

static void buf_reserve(ByteBuf *b, size_t extra)
{
    if (b->len + extra <= b->cap) {
        return;
    }
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < b->len + extra) {
        ncap *= 2;
    }
    b->data = petri_realloc(b->data, b->cap, ncap);
    b->cap = ncap;
}

void buf_put(ByteBuf *b, const void *data, size_t len)
{
    if (len == 0) {
        return; /* an empty buffer has no data yet: NULL + 0 is undefined */
    }
    buf_reserve(b, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

void buf_put_u8(ByteBuf *b, uint8_t v)
{
    buf_put(b, &v, 1);
}

void buf_put_u32(ByteBuf *b, uint32_t v)
{
    unsigned char o[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    buf_put(b, o, 4);
}

void buf_put_u64(ByteBuf *b, uint64_t v)
{
    buf_put_u32(b, (uint32_t)v);
    buf_put_u32(b, (uint32_t)(v >> 32));
}

void buf_put_f32(ByteBuf *b, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    buf_put_u32(b, bits);
}

void buf_put_f64(ByteBuf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    buf_put_u64(b, bits);
}

void buf_printf(ByteBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        buf_reserve(b, (size_t)n + 1);
        vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

/* ---------------------------------------------------------------- ByteReader */

void reader_init(ByteReader *r, const void *data, size_t len)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->bad = false;
}

bool reader_get(ByteReader *r, void *out, size_t len)
{
    if (r->bad || len > r->len - r->pos) {
        r->bad = true;
        memset(out, 0, len);
        return false;
    }
    memcpy(out, r->data + r->pos, len);
    r->pos += len;
    return true;
}

bool reader_u8(ByteReader *r, uint8_t *v)
{
    return reader_get(r, v, 1);
}

bool reader_u32(ByteReader *r, uint32_t *v)
{
    unsigned char b[4];
    if (!reader_get(r, b, 4)) {
        *v = 0;
        return false;
    }
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

bool reader_u64(ByteReader *r, uint64_t *v)
{
    uint32_t lo, hi;
    bool ok = reader_u32(r, &lo) && reader_u32(r, &hi);
    *v = ok ? ((uint64_t)hi << 32 | lo) : 0;
    return ok;
}

bool reader_f32(ByteReader *r, float *v)
{
    uint32_t bits;
    bool ok = reader_u32(r, &bits);
    memcpy(v, &bits, 4);
    return ok;
}

bool reader_f64(ByteReader *r, double *v)
{
    uint64_t bits;
    bool ok = reader_u64(r, &bits);
    memcpy(v, &bits, 8);
    return ok;
}
