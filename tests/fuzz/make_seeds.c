/*
 * Writes the small genome seeds of tests/fuzz/corpus/ with the project's
 * own writers (genome_save, genome_save_json): a minimal genome, a random
 * feed-forward one with hidden nodes, a recurrent one, and one with
 * traits. Not part of any build; run it by hand when the formats change:
 *   make && cc -std=c17 -D_GNU_SOURCE -I. -fopenmp tests/fuzz/make_seeds.c \
 *      build/release/libpetri.a -lyaml -lm -o /tmp/make_seeds && /tmp/make_seeds
 * The binary corpus of fuzz_genome_bin starts each file with its mode byte
 * (0: a whole file, 1 and 2: a payload); the JSON corpus is the JSON text.
 */
#include "genome/genome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *path, const void *prefix, size_t plen, const void *data,
                       size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(prefix, 1, plen, f) != plen || fwrite(data, 1, len, f) != len ||
        fclose(f) != 0) {
        fprintf(stderr, "make_seeds: cannot write %s\n", path);
    }
}

static void emit(const Genome *g, const char *name)
{
    char path[256];
    PetriError err;
    error_clear(&err);
    ByteBuf payload;
    buf_init(&payload);
    genome_save_buf(g, &payload);
    /* mode 1: the payload alone */
    unsigned char mode = 1;
    snprintf(path, sizeof path, "tests/fuzz/corpus/genome_bin/%s-payload", name);
    write_file(path, &mode, 1, payload.data, payload.len);
    /* mode 2: the payload, wrapped by the fuzzer in a correct container */
    mode = 2;
    snprintf(path, sizeof path, "tests/fuzz/corpus/genome_bin/%s-wrapped", name);
    write_file(path, &mode, 1, payload.data, payload.len);
    /* mode 0: the whole file as genome_save writes it */
    char tmp[] = "/tmp/make_seeds_XXXXXX";
    int fd = mkstemp(tmp);
    if (fd >= 0 && genome_save(g, tmp, &err) == PETRI_OK) {
        FILE *f = fopen(tmp, "rb");
        unsigned char data[1 << 16];
        size_t n = fread(data, 1, sizeof data, f);
        fclose(f);
        mode = 0;
        snprintf(path, sizeof path, "tests/fuzz/corpus/genome_bin/%s-file", name);
        write_file(path, &mode, 1, data, n);
    }
    if (fd >= 0) {
        close(fd);
    }
    remove(tmp);
    ByteBuf json;
    buf_init(&json);
    genome_write_json(g, &json);
    snprintf(path, sizeof path, "tests/fuzz/corpus/genome_json/%s.json", name);
    write_file(path, "", 0, json.data, json.len);
    buf_fini(&json);
    buf_fini(&payload);
}

int main(void)
{
    Pcg32 rng;
    pcg32_seed(&rng, 42, 54);
    NeatDef def = neat_default_def();
    Genome g;
    memset(&g, 0, sizeof g);
    genome_init_minimal(&g, 2, 1, &def, &rng);
    emit(&g, "minimal-2x1");
    genome_fini(&g);
    genome_init_random(&g, 3, 2, 3, 8, false, &rng);
    emit(&g, "random-3x2");
    genome_fini(&g);
    genome_init_random(&g, 2, 2, 2, 8, true, &rng);
    emit(&g, "recurrent-2x2");
    genome_fini(&g);
    def.trait_count = 3;
    genome_init_minimal(&g, 1, 1, &def, &rng);
    emit(&g, "traits-1x1");
    genome_fini(&g);
    return 0;
}
