/*
 * The population engine's whole state, for checkpoints: save, load and
 * hash. Loading trusts nothing: every count is checked against the bytes
 * that remain, every genome against the population's shape and def, every
 * species id against the species read; a state that loads continues
 * exactly as the saved population would have.
 */
#include "genome/genome_internal.h"

#include <float.h>
#include <math.h>

#define NEAT_STATE_MAGIC 0x50414e4eu /* "NNAP" little-endian */
#define NEAT_STATE_VERSION 2u /* 2: the population stagnation clock */

uint64_t neat_population_hash(const NeatPopulation *pop)
{
    Hasher hs;
    hasher_init(&hs);
    hasher_u64(&hs, (uint64_t)pop->size);
    hasher_u64(&hs, (uint64_t)pop->generation);
    hasher_u64(&hs, pop->evaluations);
    hasher_f64(&hs, pop->threshold);
    hasher_u64(&hs, pop->rng.state);
    hasher_u64(&hs, pop->rng.inc);
    hasher_u64(&hs, innovation_registry_next_innovation(pop->reg));
    hasher_u64(&hs, innovation_registry_next_node(pop->reg));
    for (int i = 0; i < pop->size; ++i) {
        genome_hash(&pop->genomes[i], &hs);
        hasher_f64(&hs, pop->fitness[i]);
        hasher_u64(&hs, pop->species_of[i]);
    }
    hasher_u64(&hs, (uint64_t)pop->species_count);
    for (int s = 0; s < pop->species_count; ++s) {
        const Species *sp = &pop->species[s];
        hasher_u64(&hs, sp->id);
        hasher_u64(&hs, (uint64_t)sp->created);
        hasher_u64(&hs, (uint64_t)sp->last_improved);
        hasher_f64(&hs, sp->best_fitness);
        genome_hash(&sp->rep, &hs);
    }
    if (pop->has_best) {
        hasher_f64(&hs, pop->best_fitness);
        genome_hash(&pop->best, &hs);
    }
    /* the population stagnation clock steers evolution only when the
     * setting is on; leaving it out otherwise keeps the hashes of runs
     * without it as they were before the clock existed */
    if (pop->def.population_stagnation > 0) {
        hasher_f64(&hs, pop->stagnation_best);
        hasher_u64(&hs, (uint64_t)pop->stagnation_since);
    }
    return hasher_digest(&hs);
}

void neat_population_save(const NeatPopulation *pop, ByteBuf *out)
{
    buf_put_u32(out, NEAT_STATE_MAGIC);
    buf_put_u32(out, NEAT_STATE_VERSION);
    buf_put_u32(out, (uint32_t)pop->inputs);
    buf_put_u32(out, (uint32_t)pop->outputs);
    buf_put_u64(out, pop->seed);
    buf_put_u32(out, (uint32_t)pop->size);
    buf_put_u32(out, (uint32_t)pop->generation);
    buf_put_u64(out, pop->evaluations);
    buf_put_u8(out, pop->evaluated);
    buf_put_f64(out, pop->threshold);
    buf_put_u64(out, pop->rng.state);
    buf_put_u64(out, pop->rng.inc);
    buf_put_u32(out, pop->next_species_id);
    buf_put_f64(out, pop->stagnation_best);
    buf_put_u32(out, (uint32_t)pop->stagnation_since);
    innovation_registry_save(pop->reg, out);
    buf_put_u8(out, pop->has_best);
    if (pop->has_best) {
        buf_put_f64(out, pop->best_fitness);
        genome_save_buf(&pop->best, out);
    }
    buf_put_u32(out, (uint32_t)pop->species_count);
    for (int s = 0; s < pop->species_count; ++s) {
        const Species *sp = &pop->species[s];
        buf_put_u32(out, sp->id);
        buf_put_u32(out, (uint32_t)sp->created);
        buf_put_u32(out, (uint32_t)sp->last_improved);
        buf_put_f64(out, sp->best_fitness);
        genome_save_buf(&sp->rep, out);
    }
    for (int i = 0; i < pop->size; ++i) {
        genome_save_buf(&pop->genomes[i], out);
        buf_put_f64(out, pop->fitness[i]);
        buf_put_u32(out, pop->species_of[i]);
    }
}

static PetriStatus load_genome(const NeatPopulation *pop, Genome *g, ByteReader *r,
                               PetriError *err, const char *what, int index)
{
    if (genome_load_buf(g, r, err) != PETRI_OK) {
        return error_add(err, PETRI_EFORMAT, "population state: %s %d is corrupt", what, index);
    }
    if (g->inputs != pop->inputs || g->outputs != pop->outputs) {
        return error_add(err, PETRI_EFORMAT,
                         "population state: %s %d has %d inputs and %d outputs, expected %d and %d",
                         what, index, g->inputs, g->outputs, pop->inputs, pop->outputs);
    }
    if (genome_check(g, pop->def.allow_recurrent, err) != PETRI_OK) {
        return error_add(err, PETRI_EFORMAT, "population state: %s %d is invalid", what, index);
    }
    return PETRI_OK;
}

NeatPopulation *neat_population_load(const NeatDef *def, ByteReader *r, PetriError *err)
{
    uint32_t magic, version, inputs, outputs, size, generation, next_species, stagnation_since;
    uint64_t seed, evaluations, state, inc;
    uint8_t evaluated;
    double threshold, stagnation_best;
    if (!reader_u32(r, &magic) || !reader_u32(r, &version) || !reader_u32(r, &inputs) ||
        !reader_u32(r, &outputs) || !reader_u64(r, &seed) || !reader_u32(r, &size) ||
        !reader_u32(r, &generation) || !reader_u64(r, &evaluations) ||
        !reader_u8(r, &evaluated) || !reader_f64(r, &threshold) || !reader_u64(r, &state) ||
        !reader_u64(r, &inc) || !reader_u32(r, &next_species) ||
        !reader_f64(r, &stagnation_best) || !reader_u32(r, &stagnation_since)) {
        error_add(err, PETRI_EFORMAT, "population state: truncated header");
        return NULL;
    }
    if (magic != NEAT_STATE_MAGIC || version != NEAT_STATE_VERSION) {
        error_add(err, PETRI_EFORMAT, "population state: bad magic or version %u", version);
        return NULL;
    }
    if (inputs > GENOME_MAX_IO || outputs < 1 || outputs > GENOME_MAX_IO || size < 2 ||
        size > (r->len - r->pos) / 16 || generation > INT32_MAX || evaluated > 1 ||
        !isfinite(threshold) || threshold <= 0.0 || (inc & 1u) == 0 ||
        !isfinite(stagnation_best) || stagnation_since > generation) {
        error_add(err, PETRI_EFORMAT,
                  "population state: implausible header (inputs %u, outputs %u, size %u)", inputs,
                  outputs, size);
        return NULL;
    }
    NeatPopulation *pop = neat_population_alloc(def, (int)inputs, (int)outputs, seed, (int)size);
    pop->generation = (int)generation;
    pop->evaluations = evaluations;
    pop->evaluated = evaluated != 0;
    pop->threshold = threshold;
    pop->rng.state = state;
    pop->rng.inc = inc;
    pop->next_species_id = next_species;
    pop->stagnation_best = stagnation_best;
    pop->stagnation_since = (int)stagnation_since;
    uint8_t has_best = 0;
    uint32_t species_count = 0;
    if (innovation_registry_load(pop->reg, r, err) != PETRI_OK || !reader_u8(r, &has_best) ||
        has_best > 1) {
        error_add(err, PETRI_EFORMAT, "population state: bad registry or best genome flag");
        goto fail;
    }
    pop->has_best = has_best != 0;
    if (pop->has_best) {
        if (!reader_f64(r, &pop->best_fitness) || !isfinite(pop->best_fitness) ||
            load_genome(pop, &pop->best, r, err, "best genome", 0) != PETRI_OK) {
            error_add(err, PETRI_EFORMAT, "population state: bad best genome");
            goto fail;
        }
    }
    if (!reader_u32(r, &species_count) || species_count > size) {
        error_add(err, PETRI_EFORMAT, "population state: bad species count");
        goto fail;
    }
    for (uint32_t s = 0; s < species_count; ++s) {
        uint32_t id, created, improved;
        double best;
        if (!reader_u32(r, &id) || !reader_u32(r, &created) || !reader_u32(r, &improved) ||
            !reader_f64(r, &best) || id >= next_species ||
            (s > 0 && id <= pop->species[s - 1].id) || created > generation ||
            improved > generation || isnan(best)) {
            error_add(err, PETRI_EFORMAT, "population state: species %u is corrupt", s);
            goto fail;
        }
        Genome empty;
        genome_init(&empty, (int)inputs, (int)outputs);
        Species *sp = neat_species_add(pop, &empty, 0);
        genome_fini(&empty);
        sp->id = id;
        sp->created = (int)created;
        sp->last_improved = (int)improved;
        sp->best_fitness = best;
        if (load_genome(pop, &sp->rep, r, err, "species representative", (int)s) != PETRI_OK) {
            goto fail;
        }
    }
    pop->next_species_id = next_species;
    for (uint32_t i = 0; i < size; ++i) {
        uint32_t sid;
        if (load_genome(pop, &pop->genomes[i], r, err, "genome", (int)i) != PETRI_OK) {
            goto fail;
        }
        if (!reader_f64(r, &pop->fitness[i]) || !reader_u32(r, &sid) ||
            neat_species_index(pop, sid) < 0) {
            error_add(err, PETRI_EFORMAT, "population state: genome %u has a bad fitness or species",
                      i);
            goto fail;
        }
        pop->species_of[i] = sid;
        innovation_registry_observe(pop->reg, &pop->genomes[i]);
    }
    return pop;
fail:
    neat_population_destroy(pop);
    return NULL;
}
