/*
 * Fuzzes the binary genome loader (genome/genome_io.c). The first byte
 * picks how the rest is fed:
 *   0: as a whole file to genome_load and genome_load_any (container,
 *      CRC and payload; the CRC stops most mutations at the door),
 *   1: as a payload to genome_load_buf (what checkpoints use),
 *   2: as a payload wrapped here in a container with a correct header and
 *      CRC, then written to a file and loaded with genome_load.
 * Whatever loads must pass genome_validate and round-trip: save, load
 * again, and the second save is byte for byte the first.
 */
#include "tests/fuzz/fuzz_common.h"

#include "genome/genome.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

/* g loaded: it is valid, and save -> load -> save gives the same bytes. */
static void check_round_trip(const Genome *g)
{
    PetriError err;
    error_clear(&err);
    FUZZ_REQUIRE(genome_validate(g, &err) == PETRI_OK, "loaded genome is invalid: %s", err.msg);
    ByteBuf first, second;
    buf_init(&first);
    buf_init(&second);
    genome_save_buf(g, &first);
    Genome again;
    memset(&again, 0, sizeof again);
    ByteReader r;
    reader_init(&r, first.data, first.len);
    FUZZ_REQUIRE(genome_load_buf(&again, &r, &err) == PETRI_OK, "saved genome does not load: %s",
                 err.msg);
    FUZZ_REQUIRE(r.pos == r.len, "saved genome leaves %zu bytes", r.len - r.pos);
    genome_save_buf(&again, &second);
    FUZZ_REQUIRE(first.len == second.len && memcmp(first.data, second.data, first.len) == 0,
                 "load -> save -> load changed the genome");
    Hasher a, b;
    hasher_init(&a);
    hasher_init(&b);
    genome_hash(g, &a);
    genome_hash(&again, &b);
    FUZZ_REQUIRE(hasher_digest(&a) == hasher_digest(&b), "round trip changed the genome hash");
    genome_fini(&again);
    buf_fini(&first);
    buf_fini(&second);
}

/* "PTRG", version 1, length, payload, CRC: as genome_save writes it. */
static void wrap(ByteBuf *file, const uint8_t *payload, size_t len)
{
    buf_put(file, "PTRG", 4);
    buf_put_u32(file, 1u);
    buf_put_u32(file, (uint32_t)len);
    buf_put(file, payload, len);
    buf_put_u32(file, crc32_of(file->data, file->len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    int mode = data[0] % 3;
    data++;
    size--;
    Genome g;
    memset(&g, 0, sizeof g);
    PetriError err;
    error_clear(&err);
    if (mode == 1) {
        ByteReader r;
        reader_init(&r, data, size);
        if (genome_load_buf(&g, &r, &err) == PETRI_OK) {
            check_round_trip(&g);
        } else {
            FUZZ_REQUIRE(err.msg[0] != '\0', "refused without a message");
        }
        genome_fini(&g);
        return 0;
    }
    const char *path;
    ByteBuf file;
    buf_init(&file);
    if (mode == 0) {
        path = fuzz_write_temp("genome.bin", data, size);
    } else {
        wrap(&file, data, size);
        path = fuzz_write_temp("genome.bin", file.data, file.len);
    }
    buf_fini(&file);
    PetriStatus s = genome_load(&g, path, &err);
    if (s == PETRI_OK) {
        check_round_trip(&g);
    } else {
        FUZZ_REQUIRE(err.msg[0] != '\0', "refused without a message");
    }
    genome_fini(&g);
    if (mode == 0) {
        Genome h;
        memset(&h, 0, sizeof h);
        error_clear(&err);
        if (genome_load_any(&h, path, &err) == PETRI_OK) {
            check_round_trip(&h);
        }
        genome_fini(&h);
    }
    return 0;
}
