/*
 * The golden scenes and their state hashes, shared by tests/test_golden.c
 * and tests/golden_main.c (the driver of make test-musl). The hashes are
 * change detectors: written down from a run of this code (release build,
 * glibc, x86-64) and compared in every build, at several thread counts
 * and, through the driver, in a musl build. They change only with a
 * deliberate change of the simulation, in the same commit, which says
 * why.
 */
#ifndef PETRI_TESTS_GOLDEN_SCENES_H
#define PETRI_TESTS_GOLDEN_SCENES_H

#include "sim/evolve_internal.h"

#include <string.h>

#define GOLDEN_BUSY_1000 0xf684537ce81870deull
#define GOLDEN_GENERATIONAL_3 0xac7750c5f59acf29ull
#define GOLDEN_OPEN_ENDED_3 0xe3ce78eaed51999dull

/* The evolution scene as def structs, without the YAML loader (the musl
 * build has no libyaml): the same def as these overrides, which
 * tests/test_golden.c loads through run_def_load and checks equal:
 * seed=42 world.size=[64,64] populations.0.name=prey
 * populations.0.count=24 populations.1.name=hunters populations.1.count=8
 * evolution.episodes=3 evolution.episode_ticks=60 evolution.epoch_ticks=60
 * evolution.floor=4 */
static inline RunDef golden_evolve_def(int mode)
{
    RunDef def = run_default_def();
    def.seed = 42;
    def.world.size[0] = 64;
    def.world.size[1] = 64;
    def.population_count = 2;
    snprintf(def.populations[0].name, sizeof def.populations[0].name, "prey");
    def.populations[0].count = 24;
    snprintf(def.populations[1].name, sizeof def.populations[1].name, "hunters");
    def.populations[1].count = 8;
    def.evolution.episodes = 3;
    def.evolution.episode_ticks = 60;
    def.evolution.epoch_ticks = 60;
    def.evolution.floor = 4;
    def.evolution.mode = mode;
    return def;
}

/* Three generations (epochs) of def: the evolution's state hash folded
 * with the lineage and species rows and the statistics. */
static inline uint64_t golden_evolve_hash(const RunDef *def, PetriError *err)
{
    Evolution *ev;
    if (evolution_create(def, &ev, err) != PETRI_OK) {
        return 0;
    }
    ByteBuf lin, sp;
    buf_init(&lin);
    buf_init(&sp);
    PopStats st[WORLD_MAX_POPULATIONS];
    for (int g = 0; g < 3; ++g) {
        evolution_step(ev, st, &lin, &sp);
    }
    Hasher hs;
    hasher_init(&hs);
    hasher_u64(&hs, evolution_hash(ev));
    hasher_bytes(&hs, lin.data, lin.len);
    hasher_bytes(&hs, sp.data, sp.len);
    for (int p = 0; p < def->population_count; ++p) {
        hasher_bytes(&hs, st[p].v, sizeof st[p].v);
    }
    buf_fini(&lin);
    buf_fini(&sp);
    evolution_destroy(ev);
    return hasher_digest(&hs);
}

/* The busy scenario after 1,000 ticks. */
static inline uint64_t golden_busy_hash(PetriError *err)
{
    const TickScenario *sc = tick_scenario_find("busy");
    Habitat *h;
    if (sc == NULL || tick_scenario_create(sc, &h, err) != PETRI_OK) {
        return 0;
    }
    habitat_step(h, 1000);
    uint64_t hash = habitat_hash(h);
    habitat_destroy(h);
    return hash;
}

#endif
