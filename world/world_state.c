/*
 * Saving and loading the state of a world between ticks, for the
 * checkpoints of open-ended runs. The settings are not saved: the loader
 * makes the world from the same defs and seed (which the checkpoint keeps
 * as the effective config), then overwrites everything a tick changes.
 * A loaded world continues exactly as the saved one would have: its
 * world_hash is equal, and so is every later tick.
 *
 * The loader trusts no count: agent count, food cells and patches must
 * match what the defs make, and every float must be finite.
 */
#include "world/world_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define WORLD_STATE_MAGIC 0x444c5257u /* "WRLD" */
#define WORLD_STATE_VERSION 1u

static void put_f32s(ByteBuf *b, const float *v, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        buf_put_f32(b, v[i]);
    }
}

static bool get_f32s(ByteReader *r, float *v, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (!reader_f32(r, &v[i]) || !isfinite(v[i])) {
            r->bad = true;
            return false;
        }
    }
    return true;
}

void world_save(const World *w, ByteBuf *out)
{
    PETRI_WORLD_ASSERT(!w->in_tick);
    buf_put_u32(out, WORLD_STATE_MAGIC);
    buf_put_u32(out, WORLD_STATE_VERSION);
    buf_put_u64(out, w->tick);
    buf_put_u32(out, w->next_id);
    buf_put_u32(out, (uint32_t)w->count);
    size_t n = (size_t)w->count;
    for (size_t s = 0; s < n; ++s) {
        buf_put_u32(out, w->id[s]);
        buf_put_u8(out, w->pop[s]);
        buf_put_u8(out, w->touch[s]);
        buf_put_u32(out, w->age[s]);
        buf_put_u32(out, (uint32_t)w->tag[s]);
        buf_put_u64(out, w->rng[s].state);
        buf_put_u64(out, w->rng[s].inc);
        const float f[] = {w->x[s], w->y[s], w->heading[s], w->cos_h[s], w->sin_h[s],
                           w->vx[s], w->vy[s], w->energy[s], w->signal[s], w->upkeep[s]};
        put_f32s(out, f, sizeof f / sizeof f[0]);
        const Intent *it = &w->intent[s];
        buf_put_f32(out, it->turn);
        buf_put_f32(out, it->thrust);
        buf_put_f32(out, it->signal);
        buf_put_u8(out, it->eat);
        buf_put_u8(out, it->attack);
        buf_put_u8(out, it->reproduce);
        put_f32s(out, w->outputs + s * WORLD_OUTPUTS, WORLD_OUTPUTS);
        const AgentCounters *c = &w->counters[s];
        buf_put_f64(out, c->energy_plants);
        buf_put_f64(out, c->energy_meat);
        buf_put_f64(out, c->distance);
        buf_put_f64(out, c->damage);
        buf_put_u32(out, c->ticks_alive);
        buf_put_u32(out, c->kills);
        buf_put_u32(out, c->offspring);
        buf_put_u32(out, c->cause);
        buf_put_u32(out, c->parent);
        buf_put_u64(out, c->birth_tick);
    }
    size_t cells = (size_t)w->fx * (size_t)w->fy;
    buf_put_u32(out, (uint32_t)cells);
    put_f32s(out, w->plant, cells);
    put_f32s(out, w->meat, cells);
    put_f32s(out, w->capacity, cells);
    buf_put_u32(out, (uint32_t)w->patch_count);
    for (int p = 0; p < w->patch_count; ++p) {
        const float f[] = {w->patch_x[p], w->patch_y[p], w->patch_dx[p], w->patch_dy[p]};
        put_f32s(out, f, 4);
    }
    put_f32s(out, w->season, (size_t)w->patch_count + 1);
    const double *ld = &w->ledger.added;
    for (size_t i = 0; i < sizeof w->ledger / sizeof(double); ++i) {
        buf_put_f64(out, ld[i]);
    }
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* No two agents step one brain: the tags >= 0 are all different. */
static bool tags_unique(const World *w)
{
    if (w->count < 2) {
        return true;
    }
    int32_t *t = petri_alloc((size_t)w->count * sizeof *t);
    memcpy(t, w->tag, (size_t)w->count * sizeof *t);
    qsort(t, (size_t)w->count, sizeof *t, cmp_i32);
    bool ok = true;
    for (int i = 1; i < w->count && ok; ++i) {
        ok = t[i] < 0 || t[i] != t[i - 1];
    }
    petri_free(t, (size_t)w->count * sizeof *t);
    return ok;
}

static PetriStatus bad(PetriError *err, const char *what)
{
    return error_add(err, PETRI_EFORMAT, "checkpoint: error: world state: %s", what);
}

PetriStatus world_load(const WorldDef *def, const PopulationDef *pops, int pop_count,
                       uint64_t seed, ByteReader *r, World **out, PetriError *err)
{
    *out = NULL;
    uint32_t magic = 0, version = 0, next_id = 0, count = 0;
    uint64_t tick = 0;
    reader_u32(r, &magic);
    reader_u32(r, &version);
    reader_u64(r, &tick);
    reader_u32(r, &next_id);
    reader_u32(r, &count);
    if (r->bad || magic != WORLD_STATE_MAGIC) {
        return bad(err, "missing or corrupt");
    }
    if (version != WORLD_STATE_VERSION) {
        return bad(err, "unsupported version");
    }
    /* Each agent takes at least 100 bytes: a count beyond what is left is
     * a lie, refused before any allocation. */
    if (count > (r->len - r->pos) / 100 || count > 100000000u) {
        return bad(err, "agent count larger than the data");
    }
    World *w;
    PetriStatus s = world_create(def, pops, pop_count, seed, &w, err);
    if (s != PETRI_OK) {
        return s;
    }
    world_grow_agents(w, (int)count + 1);
    w->tick = tick;
    w->next_id = next_id;
    w->count = (int)count;
    uint32_t prev_id = 0;
    for (size_t i = 0; i < count && !r->bad; ++i) {
        uint32_t tag = 0;
        reader_u32(r, &w->id[i]);
        reader_u8(r, &w->pop[i]);
        reader_u8(r, &w->touch[i]);
        reader_u32(r, &w->age[i]);
        reader_u32(r, &tag);
        w->tag[i] = (int32_t)tag;
        reader_u64(r, &w->rng[i].state);
        reader_u64(r, &w->rng[i].inc);
        float f[10];
        get_f32s(r, f, 10);
        w->x[i] = f[0];
        w->y[i] = f[1];
        w->heading[i] = f[2];
        w->cos_h[i] = f[3];
        w->sin_h[i] = f[4];
        w->vx[i] = f[5];
        w->vy[i] = f[6];
        w->energy[i] = f[7];
        w->signal[i] = f[8];
        w->upkeep[i] = f[9];
        Intent *it = &w->intent[i];
        reader_f32(r, &it->turn);
        reader_f32(r, &it->thrust);
        reader_f32(r, &it->signal);
        reader_u8(r, &it->eat);
        reader_u8(r, &it->attack);
        reader_u8(r, &it->reproduce);
        get_f32s(r, w->outputs + i * WORLD_OUTPUTS, WORLD_OUTPUTS);
        AgentCounters *c = &w->counters[i];
        reader_f64(r, &c->energy_plants);
        reader_f64(r, &c->energy_meat);
        reader_f64(r, &c->distance);
        reader_f64(r, &c->damage);
        reader_u32(r, &c->ticks_alive);
        reader_u32(r, &c->kills);
        reader_u32(r, &c->offspring);
        reader_u32(r, &c->cause);
        reader_u32(r, &c->parent);
        reader_u64(r, &c->birth_tick);
        w->dead[i] = 0;
        w->killer[i] = WORLD_NO_ID;
        bool ok = w->pop[i] < pop_count && (i == 0 || w->id[i] > prev_id) &&
                  w->id[i] < next_id && (w->rng[i].inc & 1u) && c->cause < DEATH_CAUSE_COUNT &&
                  w->x[i] >= 0.0f && w->x[i] <= w->width && w->y[i] >= 0.0f &&
                  w->y[i] <= w->height;
        for (int k = 2; k < 10; ++k) {
            ok = ok && isfinite(f[k]);
        }
        if (!ok && !r->bad) {
            world_destroy(w);
            return bad(err, "an agent is out of range (id order, population, position)");
        }
        /* A tag is a brain index: baselines have none (-1), and a brain
         * agent's tag is checked for duplicates below. */
        bool baseline = w->pop[i] < pop_count && pops[w->pop[i]].controller != CONTROLLER_BRAIN;
        if (!r->bad && (w->tag[i] < -1 || (baseline && w->tag[i] != -1))) {
            world_destroy(w);
            return bad(err, "an agent has a brain tag it cannot have (a baseline with a brain, "
                            "or a negative tag)");
        }
        prev_id = w->id[i];
    }
    if (!r->bad && !tags_unique(w)) {
        world_destroy(w);
        return bad(err, "two agents share one brain tag");
    }
    uint32_t cells = 0, patches = 0;
    reader_u32(r, &cells);
    if (!r->bad && cells != (uint32_t)(w->fx * w->fy)) {
        world_destroy(w);
        return bad(err, "food cells do not match the config");
    }
    get_f32s(r, w->plant, cells);
    get_f32s(r, w->meat, cells);
    get_f32s(r, w->capacity, cells);
    reader_u32(r, &patches);
    if (!r->bad && patches != (uint32_t)w->patch_count) {
        world_destroy(w);
        return bad(err, "food patches do not match the config");
    }
    for (uint32_t p = 0; p < patches && !r->bad; ++p) {
        float f[4];
        get_f32s(r, f, 4);
        w->patch_x[p] = f[0];
        w->patch_y[p] = f[1];
        w->patch_dx[p] = f[2];
        w->patch_dy[p] = f[3];
    }
    get_f32s(r, w->season, (size_t)patches + 1);
    double *ld = &w->ledger.added;
    for (size_t i = 0; i < sizeof w->ledger / sizeof(double); ++i) {
        reader_f64(r, &ld[i]);
    }
    if (r->bad) {
        world_destroy(w);
        return bad(err, "truncated");
    }
    *out = w;
    return PETRI_OK;
}
