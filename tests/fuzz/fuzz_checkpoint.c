/*
 * Fuzzes the checkpoint loader through checkpoint_parse (sim/run.c), the
 * entry `petri resume` uses, from memory: the container (magic, version,
 * length, CRC), the run's payload (run id, config, tables, recorded
 * changes) and the evolution state, every index and tag of it checked.
 * The first byte picks how the rest is fed:
 *   0: as a whole checkpoint file (the CRC stops most mutations at the
 *      door, which is what it is for),
 *   1: as a payload wrapped here in a container with a correct CRC, so
 *      the mutations reach the payload and state parsers.
 * A checkpoint that loads must load again to the same generation and run
 * id (nothing may depend on earlier inputs).
 */
#include "tests/fuzz/fuzz_common.h"

#include "sim/sim.h"
#include "sim/sim_internal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    run_schema();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    int mode = data[0] % 2;
    data++;
    size--;
    ByteBuf file;
    buf_init(&file);
    if (mode == 0) {
        buf_put(&file, data, size);
    } else {
        buf_put(&file, CHECKPOINT_MAGIC, 4);
        buf_put_u32(&file, CHECKPOINT_VERSION);
        buf_put_u64(&file, size);
        buf_put(&file, data, size);
        buf_put_u32(&file, crc32_of(file.data, file.len));
    }
    PetriError err;
    error_clear(&err);
    uint64_t gen = 0, id = 0;
    if (checkpoint_parse(file.data, file.len, &gen, &id, &err) != PETRI_OK) {
        FUZZ_REQUIRE(err.msg[0] != '\0', "refused without a message");
        if (getenv("PETRI_FUZZ_PRINT") != NULL) {
            error_print(&err, stderr); /* why: PETRI_FUZZ_PRINT=1 fuzz_checkpoint INPUT */
        }
    } else {
        uint64_t gen2 = 1, id2 = 1;
        error_clear(&err);
        FUZZ_REQUIRE(checkpoint_parse(file.data, file.len, &gen2, &id2, &err) == PETRI_OK,
                     "a checkpoint loads once but not twice: %s", err.msg);
        FUZZ_REQUIRE(gen == gen2 && id == id2, "a checkpoint loads differently the second time");
    }
    buf_fini(&file);
    return 0;
}
