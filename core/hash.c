/* CRC32 for file integrity and a 64-bit hasher for state digests. */
#include "core/core.h"

#include <string.h>

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) {
            c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[i] = c;
    }
    crc_ready = 1;
}

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
    /* The table is built on first use; building it twice from two threads
     * writes the same values, so the race is benign, but keep the first
     * call serial when it matters (main calls crc32_of early). */
    if (!crc_ready) {
        crc_init();
    }
    const unsigned char *p = data;
    uint32_t c = ~crc;
    for (size_t i = 0; i < len; ++i) {
        c = crc_table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
    }
    return ~c;
}

uint32_t crc32_of(const void *data, size_t len)
{
    return crc32_update(0, data, len);
}

/* The hasher folds 8-byte words through mix64, with the running length
 * mixed in, so that order and length both matter. */
void hasher_init(Hasher *hs)
{
    hs->h = 0x50455452495f4831ULL; /* "PETRI_H1" */
    hs->n = 0;
}

void hasher_u64(Hasher *hs, uint64_t v)
{
    hs->h = mix64(hs->h ^ mix64(v + hs->n));
    hs->n++;
}

void hasher_bytes(Hasher *hs, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        hasher_u64(hs, w);
        p += 8;
        len -= 8;
    }
    uint64_t tail = (uint64_t)len << 56;
    for (size_t i = 0; i < len; ++i) {
        tail |= (uint64_t)p[i] << (8 * i);
    }
    hasher_u64(hs, tail);
}

void hasher_f32(Hasher *hs, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    hasher_u64(hs, bits);
}

void hasher_f64(Hasher *hs, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    hasher_u64(hs, bits);
}

uint64_t hasher_digest(const Hasher *hs)
{
    return mix64(hs->h ^ hs->n);
}
