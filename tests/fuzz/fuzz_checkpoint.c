/*
 * Fuzzes the checkpoint loader as `petri resume` uses it: the container
 * (sim/checkpoint.c: magic, version, length, CRC), then the payload
 * (config text, wall time, CSV lengths, then evolution_load's state). The
 * first byte picks how the rest is fed:
 *   0: as a whole checkpoint file (the CRC stops most mutations at the
 *      door, which is what it is for),
 *   1: as a payload wrapped here in a container with a correct CRC, so
 *      the mutations reach the state parser.
 * The config inside goes through run_def_load, the checker every config
 * passes before a run. A state that loads is saved again; loading that
 * gives the same state (hash and bytes). In an open-ended state every
 * agent of a brain population steps its own brain and no other agent
 * steps one (the tick steps brain b for the agent tagged b, in parallel:
 * two agents with one tag would race).
 */
#include "tests/fuzz/fuzz_common.h"

#include "sim/evolve_internal.h"
#include "sim/sim.h"

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

static void check_tags(const Evolution *ev)
{
    if (ev->world == NULL) {
        return;
    }
    int brains = brain_pool_count(ev->brains);
    uint8_t *seen = calloc((size_t)brains + 1, 1);
    for (int s = 0; s < world_agent_count(ev->world); ++s) {
        int32_t tag = world_agent_tag(ev->world, s);
        int pop = world_agent_pop(ev->world, s);
        bool brain = ev->def.populations[pop].controller == CONTROLLER_BRAIN;
        FUZZ_REQUIRE(brain == (tag >= 0), "agent in slot %d of population %d has brain tag %d",
                     s, pop, (int)tag);
        if (tag >= 0) {
            FUZZ_REQUIRE(tag < brains, "agent in slot %d has brain %d of %d", s, (int)tag,
                         brains);
            FUZZ_REQUIRE(!seen[tag], "two agents step brain %d", (int)tag);
            seen[tag] = 1;
        }
    }
    free(seen);
}

static void check_state(const RunDef *def, Evolution *ev)
{
    check_tags(ev);
    ByteBuf first, second;
    buf_init(&first);
    buf_init(&second);
    evolution_save(ev, &first);
    ByteReader r;
    reader_init(&r, first.data, first.len);
    Evolution *again = NULL;
    PetriError err;
    error_clear(&err);
    FUZZ_REQUIRE(evolution_load(def, &r, &again, &err) == PETRI_OK,
                 "a saved state does not load: %s", err.msg);
    FUZZ_REQUIRE(r.pos == r.len, "a saved state leaves %zu bytes", r.len - r.pos);
    FUZZ_REQUIRE(evolution_hash(ev) == evolution_hash(again), "save -> load changed the state");
    evolution_save(again, &second);
    FUZZ_REQUIRE(first.len == second.len && memcmp(first.data, second.data, first.len) == 0,
                 "save -> load -> save changed the bytes");
    evolution_destroy(again);
    buf_fini(&first);
    buf_fini(&second);
}

/* The payload as sim_resume_main reads it. */
static void parse_payload(const char *payload, size_t len)
{
    ByteReader r;
    reader_init(&r, payload, len);
    uint64_t clen = 0, lens[3] = {0, 0, 0};
    double wall = 0.0;
    if (!reader_u64(&r, &clen) || clen > len - r.pos) {
        return;
    }
    const char *config = payload + r.pos;
    r.pos += (size_t)clen;
    reader_f64(&r, &wall);
    for (int i = 0; i < 3; ++i) {
        reader_u64(&r, &lens[i]);
    }
    if (r.bad || !(wall >= 0.0)) {
        return;
    }
    static RunDef def;
    PetriError err;
    error_clear(&err);
    const char *path = fuzz_write_temp("config.yaml", config, (size_t)clen);
    if (run_def_load(&def, path, NULL, 0, &err) != PETRI_OK) {
        return;
    }
    const char *names[WORLD_MAX_POPULATIONS];
    for (int p = 0; p < def.population_count; ++p) {
        names[p] = def.populations[p].name;
    }
    StopExpr stop;
    if (stop_compile(&stop, def.evolution.stop_when, names, def.population_count, "stop.when",
                     &err) != PETRI_OK) {
        return;
    }
    Evolution *ev = NULL;
    if (evolution_load(&def, &r, &ev, &err) != PETRI_OK) {
        FUZZ_REQUIRE(err.msg[0] != '\0', "refused without a message");
        return;
    }
    if (r.pos == r.len) {
        check_state(&def, ev);
    }
    evolution_destroy(ev);
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
    const char *path = fuzz_write_temp("checkpoint.bin", file.data, file.len);
    buf_fini(&file);
    char *payload = NULL;
    size_t len = 0;
    PetriError err;
    error_clear(&err);
    if (checkpoint_read_file(path, &payload, &len, &err) != PETRI_OK) {
        FUZZ_REQUIRE(err.msg[0] != '\0', "refused without a message");
        return 0;
    }
    parse_payload(payload, len);
    petri_free(payload, len + 1);
    return 0;
}
