/*
 * Fuzzes the JSON genome reader (genome_parse_json, genome/genome_json.c)
 * on text that is not NUL-terminated, as the API allows. Whatever parses
 * must pass genome_validate and round-trip: write JSON, parse it again,
 * and the genome and the text written are the same.
 */
#include "tests/fuzz/fuzz_common.h"

#include "genome/genome.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

static uint64_t digest(const Genome *g)
{
    Hasher h;
    hasher_init(&h);
    genome_hash(g, &h);
    return hasher_digest(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy of exactly size bytes, so that ASan sees a read past
     * the end of the text. */
    char *text = malloc(size > 0 ? size : 1);
    if (text == NULL) {
        abort();
    }
    memcpy(text, data, size);
    Genome g;
    memset(&g, 0, sizeof g);
    PetriError err;
    error_clear(&err);
    if (genome_parse_json(&g, text, size, "fuzz.json", &err) != PETRI_OK) {
        FUZZ_REQUIRE(err.msg[0] != '\0', "refused without a message");
        genome_fini(&g);
        free(text);
        return 0;
    }
    free(text);
    FUZZ_REQUIRE(genome_validate(&g, &err) == PETRI_OK, "parsed genome is invalid: %s", err.msg);
    ByteBuf first, second;
    buf_init(&first);
    buf_init(&second);
    genome_write_json(&g, &first);
    Genome again;
    memset(&again, 0, sizeof again);
    FUZZ_REQUIRE(genome_parse_json(&again, (const char *)first.data, first.len, "written",
                                   &err) == PETRI_OK,
                 "written JSON does not parse: %s", err.msg);
    FUZZ_REQUIRE(digest(&g) == digest(&again), "JSON round trip changed the genome");
    genome_write_json(&again, &second);
    FUZZ_REQUIRE(first.len == second.len && memcmp(first.data, second.data, first.len) == 0,
                 "JSON round trip changed the text written");
    /* The binary format must carry the same genome too. */
    ByteBuf bin;
    buf_init(&bin);
    genome_save_buf(&g, &bin);
    Genome third;
    memset(&third, 0, sizeof third);
    ByteReader r;
    reader_init(&r, bin.data, bin.len);
    FUZZ_REQUIRE(genome_load_buf(&third, &r, &err) == PETRI_OK,
                 "binary save of a JSON genome does not load: %s", err.msg);
    FUZZ_REQUIRE(digest(&g) == digest(&third), "binary round trip changed the genome");
    genome_fini(&third);
    buf_fini(&bin);
    genome_fini(&again);
    genome_fini(&g);
    buf_fini(&first);
    buf_fini(&second);
    return 0;
}
