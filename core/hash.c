/* CRC32 for file integrity and a 64-bit hasher for state digests. */
#include "core/core.h"

#include <string.h>

/* The CRC table, made by the compiler: entry i is i run through eight
 * steps of the reflected polynomial (shift right, xor 0xEDB88320 when
 * the bit shifted out is 1). A static const table, so no thread ever
 * builds it. */
#define CRC_STEP(c) (((c) >> 1) ^ (0xEDB88320u & (0u - ((c) & 1u))))
#define CRC_ENTRY(i)                                                                             \
    CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP((uint32_t)(i)))))))))
#define CRC_4(i) CRC_ENTRY(i), CRC_ENTRY((i) + 1), CRC_ENTRY((i) + 2), CRC_ENTRY((i) + 3)
#define CRC_16(i) CRC_4(i), CRC_4((i) + 4), CRC_4((i) + 8), CRC_4((i) + 12)
#define CRC_64(i) CRC_16(i), CRC_16((i) + 16), CRC_16((i) + 32), CRC_16((i) + 48)

static const uint32_t crc_table[256] = {CRC_64(0), CRC_64(64), CRC_64(128), CRC_64(192)};

uint32_t crc32_update(uint32_t crc, const void *data, size_t len)
{
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
