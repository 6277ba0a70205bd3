/*
 * champions/generations/POP.champions: every generation's champion of one
 * evolved population, in one append-only file kept like the CSV tables. A
 * record is appended each generation without fsync; each checkpoint makes
 * the file durable (one fsync, run_checkpoint); a resumed run first cuts
 * it back to the checkpoint's generation (champion_log_cut) and then
 * writes the generations after it again, the same genomes (the run is
 * deterministic). One file per population instead of one per generation
 * spares a run two fsyncs and a new file per generation.
 *
 * Layout, little-endian: "PTGC", u32 version 1; then one record per
 * generation: u64 generation, u32 payload length, the genome's payload
 * (genome_save_buf: the payload of a binary genome file,
 * docs/genome-format.md), u32 CRC32 of the record's bytes before it.
 * Generations ascend by one. Readers take the records up to the first
 * one that is torn, corrupt or out of order: what a kill can leave after
 * the last checkpoint.
 */
#include "sim/sim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define LOG_MAGIC "PTGC"
#define LOG_VERSION 1u
#define LOG_HEADER 8
#define RECORD_HEAD 12                  /* generation, payload length */
#define RECORD_MAX_PAYLOAD (64u << 20)  /* far above any genome a config allows */

void champion_log_path(const char *run_dir, const char *pop, char *out, size_t cap)
{
    snprintf(out, cap, "%s/champions/generations/%s.champions", run_dir, pop);
}

/* Reads the next record of f into rec (head, payload, CRC); false at the
 * end of the file or at a torn or corrupt record. */
static bool read_record(FILE *f, ByteBuf *rec, uint64_t *generation)
{
    rec->len = 0;
    unsigned char head[RECORD_HEAD];
    if (fread(head, 1, sizeof head, f) != sizeof head) {
        return false;
    }
    ByteReader rd;
    reader_init(&rd, head, sizeof head);
    uint32_t plen = 0;
    reader_u64(&rd, generation);
    reader_u32(&rd, &plen);
    if (plen > RECORD_MAX_PAYLOAD) {
        return false;
    }
    buf_put(rec, head, sizeof head);
    unsigned char chunk[4096];
    for (size_t left = (size_t)plen + 4; left > 0;) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        if (fread(chunk, 1, n, f) != n) {
            return false;
        }
        buf_put(rec, chunk, n);
        left -= n;
    }
    rec->len -= 4; /* the CRC, read from just past the end */
    ByteReader crc_rd;
    reader_init(&crc_rd, rec->data + rec->len, 4);
    uint32_t crc = 0;
    reader_u32(&crc_rd, &crc);
    return crc == crc32_of(rec->data, rec->len);
}

/* Walks the records of f from its start: *first and *count the run of
 * generations that are intact and ascend by one, up to generation upto;
 * returns the offset just past the last of them (LOG_HEADER when there
 * are none; 0 when the header is not a log's). at (or NULL) gets each
 * record's offset, *at_cap grown as needed. */
static long scan(FILE *f, uint64_t upto, uint64_t *first, uint64_t *count, long **at,
                 size_t *at_cap)
{
    *first = *count = 0;
    unsigned char header[LOG_HEADER];
    rewind(f);
    if (fread(header, 1, sizeof header, f) != sizeof header ||
        memcmp(header, LOG_MAGIC, 4) != 0) {
        return 0;
    }
    ByteReader rd;
    reader_init(&rd, header + 4, 4);
    uint32_t version = 0;
    reader_u32(&rd, &version);
    if (version != LOG_VERSION) {
        return 0;
    }
    ByteBuf rec;
    buf_init(&rec);
    long end = LOG_HEADER;
    for (;;) {
        uint64_t g = 0;
        if (!read_record(f, &rec, &g) || g > upto || (*count > 0 && g != *first + *count) ||
            g == 0) {
            break;
        }
        if (*count == 0) {
            *first = g;
        }
        if (at != NULL) {
            if (*count == *at_cap) {
                size_t ncap = *at_cap ? *at_cap * 2 : 256;
                *at = petri_realloc(*at, *at_cap * sizeof **at, ncap * sizeof **at);
                *at_cap = ncap;
            }
            (*at)[*count] = end;
        }
        (*count)++;
        end += (long)rec.len + 4;
    }
    buf_fini(&rec);
    return end;
}

PetriStatus champion_log_cut(const char *path, uint64_t generation, PetriError *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return errno == ENOENT ? PETRI_OK
                               : error_at(err, PETRI_EIO, path, 0, 0, "cannot open: %s",
                                          strerror(errno));
    }
    uint64_t first, count;
    long keep = scan(f, generation, &first, &count, NULL, NULL);
    fclose(f);
    /* keep 0 (not a log): emptied, and champion_log_open writes a header */
    if (truncate(path, (off_t)keep) != 0) {
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot cut back to the checkpoint: %s",
                        strerror(errno));
    }
    return PETRI_OK;
}

PetriStatus champion_log_open(const char *path, bool fresh, FILE **out, PetriError *err)
{
    char folder[4096];
    snprintf(folder, sizeof folder, "%s", path);
    char *slash = strrchr(folder, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    if (file_make_dirs(folder, err) != PETRI_OK) {
        return err->code;
    }
    *out = fopen(path, fresh ? "wb" : "ab");
    if (*out == NULL) {
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot open for writing: %s",
                        strerror(errno));
    }
    if (ftell(*out) == 0) {
        ByteBuf h;
        buf_init(&h);
        buf_put(&h, LOG_MAGIC, 4);
        buf_put_u32(&h, LOG_VERSION);
        fwrite(h.data, 1, h.len, *out);
        buf_fini(&h);
    }
    /* The file's name in its folder is made durable now, once; its bytes
     * at each checkpoint. */
    file_sync_folder(folder);
    return PETRI_OK;
}

void champion_log_append(FILE *f, uint64_t generation, const Genome *g)
{
    ByteBuf rec, payload;
    buf_init(&rec);
    buf_init(&payload);
    genome_save_buf(g, &payload);
    buf_put_u64(&rec, generation);
    buf_put_u32(&rec, (uint32_t)payload.len);
    buf_put(&rec, payload.data, payload.len);
    buf_put_u32(&rec, crc32_of(rec.data, rec.len));
    fwrite(rec.data, 1, rec.len, f); /* a failure shows at the checkpoint's flush */
    buf_fini(&payload);
    buf_fini(&rec);
}

/* ------------------------------------------------------------ reading */

PetriStatus champion_log_read(ChampionLog *log, const char *path, PetriError *err)
{
    memset(log, 0, sizeof *log);
    log->f = fopen(path, "rb");
    if (log->f == NULL) {
        return error_at(err, errno == ENOENT ? PETRI_ENOTFOUND : PETRI_EIO, path, 0, 0,
                        "cannot open: %s", strerror(errno));
    }
    snprintf(log->path, sizeof log->path, "%s", path);
    long end = scan(log->f, UINT64_MAX, &log->first, &log->count, &log->at, &log->at_cap);
    if (end == 0) {
        champion_log_close(log);
        return error_at(err, PETRI_EFORMAT, path, 0, 0,
                        "not a log of generation champions (no PTGC header of version %u)",
                        LOG_VERSION);
    }
    log->torn = fseek(log->f, 0, SEEK_END) == 0 && ftell(log->f) > end;
    return PETRI_OK;
}

bool champion_log_claims(const char *path)
{
    size_t n = strlen(path), suffix = strlen(".champions");
    if (n >= suffix && strcmp(path + n - suffix, ".champions") == 0) {
        return true;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return false;
    }
    char magic[4];
    bool is = fread(magic, 1, sizeof magic, f) == sizeof magic &&
              memcmp(magic, LOG_MAGIC, 4) == 0;
    fclose(f);
    return is;
}

bool champion_log_has(const ChampionLog *log, uint64_t generation)
{
    return log->f != NULL && log->count > 0 && generation >= log->first &&
           generation - log->first < log->count;
}

PetriStatus champion_log_genome(const ChampionLog *log, uint64_t generation, Genome *g,
                                PetriError *err)
{
    if (!champion_log_has(log, generation)) {
        return error_at(err, PETRI_ENOTFOUND, log->path, 0, 0, "no champion of generation %llu",
                        (unsigned long long)generation);
    }
    ByteBuf rec;
    buf_init(&rec);
    uint64_t at_gen = 0;
    bool ok = fseek(log->f, log->at[generation - log->first], SEEK_SET) == 0 &&
              read_record(log->f, &rec, &at_gen) && at_gen == generation;
    PetriStatus s = PETRI_OK;
    if (!ok) {
        s = error_at(err, PETRI_EFORMAT, log->path, 0, 0,
                     "the champion of generation %llu changed while read",
                     (unsigned long long)generation);
    } else {
        ByteReader rd;
        reader_init(&rd, rec.data + RECORD_HEAD, rec.len - RECORD_HEAD);
        PetriError why;
        error_clear(&why);
        if (genome_load_buf(g, &rd, &why) != PETRI_OK || rd.pos != rd.len) {
            s = error_at(err, PETRI_EFORMAT, log->path, 0, 0, "generation %llu: %s",
                         (unsigned long long)generation,
                         why.msg[0] ? why.msg : "bytes after the genome");
        }
    }
    buf_fini(&rec);
    return s;
}

void champion_log_close(ChampionLog *log)
{
    if (log->f != NULL) {
        fclose(log->f);
    }
    petri_free(log->at, log->at_cap * sizeof *log->at);
    memset(log, 0, sizeof *log);
}
