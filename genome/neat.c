/*
 * The NEAT population engine: speciation, explicit fitness sharing,
 * stagnation, elitism, selection inside species, crossover and mutation.
 *
 * Determinism: evaluation is the only parallel part and each genome writes
 * only its own fitness slot. Everything else (offspring counts, parent
 * choices, crossover, mutation, innovation ids, speciation) runs serially
 * in a fixed order (species by id, then child order) and draws from the
 * population's own stream, so a seed gives the same populations at any
 * thread count.
 *
 * One epoch, given the fitness slots of generation g:
 *  1. species statistics: each species' best fitness; a species that has
 *     not improved on its best for stagnation_limit generations is dropped,
 *     unless it holds the best genome of the generation (with
 *     population_stagnation set, it is dropped all the same, as in NEAT's
 *     reference code, unless every species would be);
 *  2. fitness sharing: a species' share is the mean of its members'
 *     fitness (shifted up by the lowest fitness when that is negative), and
 *     the population_size children are divided in proportion to the
 *     shares, rounding by largest remainder (ties to the older species);
 *  3. each species with more than elite_min_species_size members keeps its
 *     champion unchanged (with keep_champion, so does the species holding
 *     the generation's best genome, whatever its size, and it gets at least
 *     that one child); the other children come from the best survival_rate
 *     of the species: mutation of one parent (mutate_only_rate) or
 *     crossover of two (the second from another species with
 *     interspecies_rate) followed by mutation;
 *  4. each surviving species takes a random member of generation g as its
 *     representative; each child joins the first species (by id) whose
 *     representative is closer than the threshold, or founds a new one;
 *     empty species disappear;
 *  5. with target_species set, the threshold moves by threshold_step toward
 *     that number of species.
 *
 * Population stagnation (NEAT reference code's "delta coding"): with
 * population_stagnation set, when the population's best fitness has not
 * risen for that many generations, step 2 is replaced for one epoch: only
 * the two species with the best champions (ties to the older) reproduce,
 * half the children each (the first gets the odd one out; a lone species
 * gets them all), every child a mutation of its species' champion, each
 * species keeping its champion unchanged; both species' own stagnation
 * clocks and the population's clock restart, the other species die out.
 */
#include "genome/genome_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- species */

Species *neat_species_add(NeatPopulation *pop, const Genome *rep, int generation)
{
    if (pop->species_count == pop->species_cap) {
        int cap = pop->species_cap > 0 ? pop->species_cap * 2 : 16;
        pop->species = petri_realloc(pop->species, (size_t)pop->species_cap * sizeof(Species),
                                     (size_t)cap * sizeof(Species));
        pop->species_cap = cap;
    }
    Species *s = &pop->species[pop->species_count++];
    memset(s, 0, sizeof *s);
    s->id = pop->next_species_id++;
    s->created = generation;
    s->last_improved = generation;
    s->best_fitness = -DBL_MAX;
    genome_copy(&s->rep, rep);
    return s;
}

/* Index of species `id` in pop->species (sorted by id), or -1. */
int neat_species_index(const NeatPopulation *pop, uint32_t id)
{
    int lo = 0, hi = pop->species_count - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (pop->species[mid].id == id) {
            return mid;
        }
        if (pop->species[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -1;
}

/* Removes species with alive == false, keeping the id order. */
static void species_compact(NeatPopulation *pop)
{
    int w = 0;
    for (int i = 0; i < pop->species_count; ++i) {
        if (pop->species[i].alive) {
            pop->species[w++] = pop->species[i];
        } else {
            genome_fini(&pop->species[i].rep);
        }
    }
    pop->species_count = w;
}

/* Assigns every genome to the first species (by id) whose representative
 * is within the threshold, founding new species as needed; drops species
 * left empty.
 *
 * The distances to the species that exist before the call (the bulk of
 * the work) are computed in parallel: a genome's first match among them
 * depends only on the genome and those fixed representatives. Genomes
 * with none are then assigned serially, in index order, to the species
 * founded during the call (which come after the old ones in id order),
 * exactly as a serial pass would: bit-identical at any thread count. */
static void speciate(NeatPopulation *pop, int generation)
{
    const int old_count = pop->species_count;
    for (int s = 0; s < old_count; ++s) {
        pop->species[s].size = 0;
    }
    const int n = pop->size;
    int *first = petri_alloc((size_t)n * sizeof(int));
    const Genome *genomes = pop->genomes;
    const Species *species = pop->species;
    const NeatDef *def = &pop->def;
    const double threshold = pop->threshold;
#pragma omp parallel for schedule(dynamic, 16)
    for (int i = 0; i < n; ++i) {
        int found = -1;
        for (int s = 0; s < old_count; ++s) {
            if (genome_distance(&genomes[i], &species[s].rep, def) < threshold) {
                found = s;
                break;
            }
        }
        first[i] = found;
    }
    for (int i = 0; i < n; ++i) {
        const Genome *g = &pop->genomes[i];
        int found = first[i];
        for (int s = old_count; found < 0 && s < pop->species_count; ++s) {
            if (genome_distance(g, &pop->species[s].rep, &pop->def) < pop->threshold) {
                found = s;
            }
        }
        if (found < 0) {
            neat_species_add(pop, g, generation);
            found = pop->species_count - 1;
        }
        pop->species[found].size++;
        pop->species_of[i] = pop->species[found].id;
    }
    petri_free(first, (size_t)n * sizeof(int));
    for (int s = 0; s < pop->species_count; ++s) {
        pop->species[s].alive = pop->species[s].size > 0;
    }
    species_compact(pop);
}

/* ---------------------------------------------------------------- lifetime */

NeatPopulation *neat_population_alloc(const NeatDef *def, int inputs, int outputs,
                                      uint64_t seed, int size)
{
    NeatPopulation *pop = petri_calloc(1, sizeof *pop);
    pop->def = *def;
    pop->def.population_size = size;
    pop->inputs = inputs;
    pop->outputs = outputs;
    pop->seed = seed;
    pop->size = size;
    pop->genomes = petri_calloc((size_t)size, sizeof(Genome));
    pop->next = petri_calloc((size_t)size, sizeof(Genome));
    pop->fitness = petri_calloc((size_t)size, sizeof(double));
    pop->species_of = petri_calloc((size_t)size, sizeof(uint32_t));
    pop->parent_a = petri_alloc((size_t)size * sizeof(int32_t));
    pop->parent_b = petri_alloc((size_t)size * sizeof(int32_t));
    for (int i = 0; i < size; ++i) {
        pop->parent_a[i] = pop->parent_b[i] = -1;
    }
    pop->order = petri_calloc((size_t)size, sizeof(int));
    pop->fit = petri_calloc((size_t)size, sizeof(double));
    pop->reg = innovation_registry_create(inputs, outputs);
    pop->rng = pcg32_stream(seed, 0, RNG_PURPOSE_POPULATION);
    pop->threshold = def->compat_threshold;
    pop->stagnation_best = -DBL_MAX;
    return pop;
}

NeatPopulation *neat_population_create(const NeatDef *def, int inputs, int outputs,
                                       uint64_t seed)
{
    NeatPopulation *pop = neat_population_alloc(def, inputs, outputs, seed, def->population_size);
    for (int i = 0; i < pop->size; ++i) {
        genome_init_minimal(&pop->genomes[i], inputs, outputs, def, &pop->rng);
    }
    speciate(pop, 0);
    return pop;
}

void neat_population_destroy(NeatPopulation *pop)
{
    if (pop == NULL) {
        return;
    }
    size_t n = (size_t)pop->size;
    for (int i = 0; i < pop->size; ++i) {
        genome_fini(&pop->genomes[i]);
        genome_fini(&pop->next[i]);
    }
    for (int s = 0; s < pop->species_count; ++s) {
        genome_fini(&pop->species[s].rep);
    }
    genome_fini(&pop->best);
    petri_free(pop->species, (size_t)pop->species_cap * sizeof(Species));
    petri_free(pop->genomes, n * sizeof(Genome));
    petri_free(pop->next, n * sizeof(Genome));
    petri_free(pop->fitness, n * sizeof(double));
    petri_free(pop->species_of, n * sizeof(uint32_t));
    petri_free(pop->parent_a, n * sizeof(int32_t));
    petri_free(pop->parent_b, n * sizeof(int32_t));
    petri_free(pop->order, n * sizeof(int));
    petri_free(pop->fit, n * sizeof(double));
    innovation_registry_destroy(pop->reg);
    petri_free(pop, sizeof *pop);
}

/* ---------------------------------------------------------------- access */

int neat_population_size(const NeatPopulation *pop)
{
    return pop->size;
}

const NeatDef *neat_population_def(const NeatPopulation *pop)
{
    return &pop->def;
}

void neat_population_set_rates(NeatPopulation *pop, const NeatDef *def)
{
    pop->def.weight_mutate_rate = def->weight_mutate_rate;
    pop->def.weight_perturb_rate = def->weight_perturb_rate;
    pop->def.weight_sigma = def->weight_sigma;
    pop->def.bias_mutate_rate = def->bias_mutate_rate;
    pop->def.bias_sigma = def->bias_sigma;
    pop->def.add_node_rate = def->add_node_rate;
    pop->def.add_conn_rate = def->add_conn_rate;
    pop->def.toggle_conn_rate = def->toggle_conn_rate;
    pop->def.activation_mutate_rate = def->activation_mutate_rate;
}

const Genome *neat_population_genome(const NeatPopulation *pop, int index)
{
    return &pop->genomes[index];
}

void neat_population_set_genome(NeatPopulation *pop, int index, const Genome *g)
{
    genome_copy(&pop->genomes[index], g);
    innovation_registry_observe(pop->reg, g);
}

double neat_population_fitness(const NeatPopulation *pop, int index)
{
    return pop->fitness[index];
}

void neat_population_set_fitness(NeatPopulation *pop, int index, double fitness)
{
    pop->fitness[index] = fitness;
}

uint32_t neat_population_species_of(const NeatPopulation *pop, int index)
{
    return pop->species_of[index];
}

int neat_population_species(const NeatPopulation *pop, NeatSpeciesInfo *out, int cap)
{
    int n = pop->species_count < cap ? pop->species_count : cap;
    for (int s = 0; s < n; ++s) {
        const Species *sp = &pop->species[s];
        out[s] = (NeatSpeciesInfo){
            .id = sp->id,
            .created = sp->created,
            .last_improved = sp->last_improved,
            .best_fitness = sp->best_fitness,
        };
    }
    for (int i = 0; i < pop->size && n > 0; ++i) {
        int s = neat_species_index(pop, pop->species_of[i]);
        if (s >= 0 && s < n) {
            out[s].size++;
        }
    }
    return pop->species_count;
}

void neat_population_parents(const NeatPopulation *pop, int index, int *a, int *b)
{
    *a = pop->parent_a[index];
    *b = pop->parent_b[index];
}

const Genome *neat_population_best_ever(const NeatPopulation *pop, double *fitness)
{
    if (!pop->has_best) {
        return NULL;
    }
    if (fitness != NULL) {
        *fitness = pop->best_fitness;
    }
    return &pop->best;
}

/* A fitness the engine can rank: non-finite values count as 0. */
static double clean_fitness(double f)
{
    return isfinite(f) ? f : 0.0;
}

/* Best genome of the current slots: highest fitness, ties to the lower index. */
static int best_index(const NeatPopulation *pop)
{
    int best = 0;
    for (int i = 1; i < pop->size; ++i) {
        if (clean_fitness(pop->fitness[i]) > clean_fitness(pop->fitness[best])) {
            best = i;
        }
    }
    return best;
}

static void update_best_ever(NeatPopulation *pop)
{
    int b = best_index(pop);
    double f = clean_fitness(pop->fitness[b]);
    if (!pop->has_best || f > pop->best_fitness) {
        pop->has_best = true;
        pop->best_fitness = f;
        genome_copy(&pop->best, &pop->genomes[b]);
    }
}

void neat_population_evaluate(NeatPopulation *pop, NeatEvalFn fn, void *ctx)
{
    int n = pop->size;
    const Genome *genomes = pop->genomes;
    double *fitness = pop->fitness;
#pragma omp parallel for schedule(dynamic)
    for (int i = 0; i < n; ++i) {
        fitness[i] = fn(&genomes[i], i, ctx);
    }
    if (!pop->evaluated) {
        pop->evaluations += (uint64_t)n;
        pop->evaluated = true;
    }
    update_best_ever(pop);
}

NeatStats neat_population_stats(const NeatPopulation *pop)
{
    NeatStats st = {
        .generation = pop->generation,
        .evaluations = pop->evaluations,
        .species_count = pop->species_count,
        .compat_threshold = pop->threshold,
    };
    double sum = 0.0, hidden = 0.0, conns = 0.0;
    for (int i = 0; i < pop->size; ++i) {
        sum += clean_fitness(pop->fitness[i]);
        hidden += genome_hidden_count(&pop->genomes[i]);
        conns += genome_enabled_count(&pop->genomes[i]);
    }
    st.best_index = best_index(pop);
    st.best_fitness = clean_fitness(pop->fitness[st.best_index]);
    st.mean_fitness = sum / pop->size;
    st.mean_hidden_nodes = hidden / pop->size;
    st.mean_enabled_conns = conns / pop->size;
    st.best_ever_fitness = pop->has_best ? pop->best_fitness : st.best_fitness;
    return st;
}

/* ---------------------------------------------------------------- epoch */

/* A sort key per genome, so that the comparison needs no context (qsort
 * has none in C17, and populations may reproduce on several threads). */
typedef struct MemberKey {
    int species;  /* position in pop->species */
    int index;
    double fit;
} MemberKey;

/* By species position, then fitness descending, then index. */
static int cmp_member(const void *pa, const void *pb)
{
    const MemberKey *a = pa, *b = pb;
    if (a->species != b->species) {
        return a->species < b->species ? -1 : 1;
    }
    if (a->fit != b->fit) {
        return a->fit > b->fit ? -1 : 1;
    }
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorts pop->order by (species, fitness descending, index) and sets each
 * species' start and size in it. */
static void sort_members(NeatPopulation *pop)
{
    MemberKey *keys = petri_alloc((size_t)pop->size * sizeof(MemberKey));
    for (int i = 0; i < pop->size; ++i) {
        keys[i].species = neat_species_index(pop, pop->species_of[i]);
        keys[i].index = i;
        keys[i].fit = pop->fit[i];
    }
    qsort(keys, (size_t)pop->size, sizeof(MemberKey), cmp_member);
    for (int i = 0; i < pop->size; ++i) {
        pop->order[i] = keys[i].index;
    }
    petri_free(keys, (size_t)pop->size * sizeof(MemberKey));
    for (int s = 0; s < pop->species_count; ++s) {
        pop->species[s].size = 0;
        pop->species[s].start = 0;
    }
    for (int k = 0; k < pop->size; ++k) {
        Species *s = &pop->species[neat_species_index(pop, pop->species_of[pop->order[k]])];
        if (s->size == 0) {
            s->start = k;
        }
        s->size++;
    }
}

/* Divides pop->size children among the alive species in proportion to
 * share[s], by largest remainder; ties go to the lower species position. */
static void assign_offspring(NeatPopulation *pop, const double *share)
{
    int n = pop->species_count;
    double total = 0.0;
    int alive = 0;
    for (int s = 0; s < n; ++s) {
        pop->species[s].offspring = 0;
        if (pop->species[s].alive) {
            total += share[s];
            ++alive;
        }
    }
    double *frac = petri_alloc((size_t)n * sizeof(double));
    int given = 0;
    for (int s = 0; s < n; ++s) {
        frac[s] = -1.0;
        if (!pop->species[s].alive) {
            continue;
        }
        /* an overflowing total (absurd fitness values) falls back to equal shares */
        bool proportional = total > 0.0 && isfinite(total);
        double q = proportional ? pop->size * share[s] / total : (double)pop->size / alive;
        double f = floor(q);
        pop->species[s].offspring = (int)f;
        frac[s] = q - f;
        given += (int)f;
    }
    while (given < pop->size) {
        int pick = -1;
        for (int s = 0; s < n; ++s) {
            if (pop->species[s].alive && (pick < 0 || frac[s] > frac[pick])) {
                pick = s;
            }
        }
        pop->species[pick].offspring++;
        frac[pick] = -1.0;
        ++given;
        if (given < pop->size) {
            /* more remainders than species can happen only through
             * rounding: start the round again */
            bool any = false;
            for (int s = 0; s < n; ++s) {
                any = any || (pop->species[s].alive && frac[s] >= 0.0);
            }
            if (!any) {
                for (int s = 0; s < n; ++s) {
                    frac[s] = pop->species[s].alive ? 0.0 : -1.0;
                }
            }
        }
    }
    petri_free(frac, (size_t)n * sizeof(double));
}

/* Makes one child of species s into *child; *a and *b get its parents
 * (b is -1 for a child by mutation alone). */
static void make_child(NeatPopulation *pop, const Species *s, int pool, Genome *child,
                       int32_t *a, int32_t *b)
{
    const NeatDef *def = &pop->def;
    Pcg32 *rng = &pop->rng;
    int p1 = pop->order[s->start + (int)pcg32_bounded(rng, (uint32_t)pool)];
    *a = p1;
    *b = -1;
    if (pool == 1 || pcg32_double(rng) < def->mutate_only_rate) {
        genome_copy(child, &pop->genomes[p1]);
    } else {
        int p2;
        int alive_other = 0;
        for (int k = 0; k < pop->species_count; ++k) {
            alive_other += pop->species[k].alive && &pop->species[k] != s;
        }
        if (alive_other > 0 && pcg32_double(rng) < def->interspecies_rate) {
            /* the champion of another alive species, chosen uniformly */
            int pick = (int)pcg32_bounded(rng, (uint32_t)alive_other);
            const Species *o = NULL;
            for (int k = 0; k < pop->species_count; ++k) {
                if (pop->species[k].alive && &pop->species[k] != s && pick-- == 0) {
                    o = &pop->species[k];
                    break;
                }
            }
            p2 = pop->order[o->start];
        } else {
            p2 = pop->order[s->start + (int)pcg32_bounded(rng, (uint32_t)pool)];
        }
        /* the fitter parent gives the structure; ties to the lower index */
        bool first = pop->fit[p1] > pop->fit[p2] || (pop->fit[p1] == pop->fit[p2] && p1 <= p2);
        const Genome *fitter = &pop->genomes[first ? p1 : p2];
        const Genome *other = &pop->genomes[first ? p2 : p1];
        genome_crossover(child, fitter, other, def, rng);
        *a = first ? p1 : p2;
        *b = first ? p2 : p1;
    }
    genome_mutate(child, def, pop->reg, rng);
}

/* Population stagnation: the two alive species with the best champions
 * (ties to the lower position) get half the children each and restart
 * their stagnation clocks; the others die out. Species that stagnated on
 * their own still compete for the two places, as in NEAT's reference code.
 * Restarts the population's clock. */
/* Whether the population's best rose enough to restart its stagnation
 * clock: by more than gain times its last best (a strict rise when gain
 * is 0, exactly the comparison before the setting existed). */
static bool population_improved(double top, double last, double gain)
{
    if (gain <= 0.0 || last <= -DBL_MAX) {
        return top > last; /* -DBL_MAX: no best yet */
    }
    return top > last + gain * fabs(last);
}

static void delta_offspring(NeatPopulation *pop)
{
    int first = -1, second = -1;
    for (int s = 0; s < pop->species_count; ++s) {
        Species *sp = &pop->species[s];
        sp->offspring = 0;
        if (sp->size == 0) {
            continue;
        }
        double top = pop->fit[pop->order[sp->start]];
        if (first < 0 || top > pop->fit[pop->order[pop->species[first].start]]) {
            second = first;
            first = s;
        } else if (second < 0 || top > pop->fit[pop->order[pop->species[second].start]]) {
            second = s;
        }
    }
    for (int s = 0; s < pop->species_count; ++s) {
        pop->species[s].alive = s == first || s == second;
    }
    if (second < 0) {
        pop->species[first].offspring = pop->size;
    } else {
        pop->species[second].offspring = pop->size / 2;
        pop->species[first].offspring = pop->size - pop->size / 2;
        pop->species[second].last_improved = pop->generation;
    }
    pop->species[first].last_improved = pop->generation;
    pop->stagnation_since = pop->generation;
}

void neat_population_epoch(NeatPopulation *pop)
{
    const NeatDef *def = &pop->def;
    if (!pop->evaluated) {
        pop->evaluations += (uint64_t)pop->size;
        pop->evaluated = true;
    }
    update_best_ever(pop);
    double lowest = DBL_MAX;
    for (int i = 0; i < pop->size; ++i) {
        pop->fit[i] = clean_fitness(pop->fitness[i]);
        lowest = fmin(lowest, pop->fit[i]);
    }
    int best = best_index(pop);
    sort_members(pop);
    /* the population's stagnation clock (only the epochs' own view of the
     * best: evaluate() may also see generations that never reach epoch) */
    if (population_improved(pop->fit[best], pop->stagnation_best,
                            def->population_stagnation_gain)) {
        pop->stagnation_best = pop->fit[best];
        pop->stagnation_since = pop->generation;
    }
    bool delta = def->population_stagnation > 0 &&
                 pop->generation - pop->stagnation_since >= def->population_stagnation;

    /* 1. stagnation */
    int n = pop->species_count;
    double *share = petri_calloc((size_t)n, sizeof(double));
    double shift = lowest < 0.0 ? -lowest : 0.0;
    for (int s = 0; s < n; ++s) {
        Species *sp = &pop->species[s];
        sp->alive = sp->size > 0;
        if (!sp->alive) {
            continue;
        }
        double top = pop->fit[pop->order[sp->start]];
        if (top > sp->best_fitness) {
            sp->best_fitness = top;
            sp->last_improved = pop->generation;
        }
        /* with population stagnation on, as in NEAT's reference code, the
         * best genome's species is not spared: a population stuck on a
         * plateau loses it, and the delta step keeps the population alive */
        bool spared = sp->id == pop->species_of[best] && def->population_stagnation == 0;
        if (pop->generation - sp->last_improved >= def->stagnation_limit && !spared) {
            sp->alive = false;
            continue;
        }
        /* 2. explicit fitness sharing: the sum of f / size over members */
        double sum = 0.0;
        for (int k = 0; k < sp->size; ++k) {
            sum += pop->fit[pop->order[sp->start + k]] + shift;
        }
        share[s] = sum / sp->size;
    }
    int home = neat_species_index(pop, pop->species_of[best]);
    bool any_alive = false;
    for (int s = 0; s < n; ++s) {
        any_alive = any_alive || pop->species[s].alive;
    }
    if (!any_alive) {
        /* every species stagnated at once: the best genome's lives on */
        pop->species[home].alive = true;
        const Species *sp = &pop->species[home];
        double sum = 0.0;
        for (int k = 0; k < sp->size; ++k) {
            sum += pop->fit[pop->order[sp->start + k]] + shift;
        }
        share[home] = sum / sp->size;
    }
    if (delta) {
        delta_offspring(pop);
    } else {
        assign_offspring(pop, share);
    }
    if (def->keep_champion && !delta && pop->species[home].alive) {
        /* the champion's species gets at least its champion's copy, taken
         * from the species with the most children (the first on ties) */
        if (pop->species[home].offspring == 0) {
            int most = 0;
            for (int s = 1; s < n; ++s) {
                if (pop->species[s].offspring > pop->species[most].offspring) {
                    most = s;
                }
            }
            pop->species[most].offspring--;
            pop->species[home].offspring++;
        }
    }
    petri_free(share, (size_t)n * sizeof(double));

    /* 3. reproduction, serially in child order */
    innovation_registry_next_generation(pop->reg);
    int c = 0;
    for (int s = 0; s < n; ++s) {
        Species *sp = &pop->species[s];
        if (!sp->alive || sp->offspring == 0) {
            continue;
        }
        int k = sp->offspring;
        if (delta || sp->size > def->elite_min_species_size ||
            (def->keep_champion && s == home)) {
            pop->parent_a[c] = pop->order[sp->start];
            pop->parent_b[c] = -1;
            genome_copy(&pop->next[c++], &pop->genomes[pop->order[sp->start]]);
            --k;
        }
        int pool = (int)ceil(def->survival_rate * sp->size);
        pool = pool < 1 || delta ? 1 : pool > sp->size ? sp->size : pool;
        for (; k > 0; --k) {
            make_child(pop, sp, pool, &pop->next[c], &pop->parent_a[c], &pop->parent_b[c]);
            c++;
        }
    }

    /* 4. representatives from generation g, then speciation of g + 1 */
    for (int s = 0; s < n; ++s) {
        Species *sp = &pop->species[s];
        if (sp->alive) {
            int m = pop->order[sp->start + (int)pcg32_bounded(&pop->rng, (uint32_t)sp->size)];
            genome_copy(&sp->rep, &pop->genomes[m]);
        }
    }
    species_compact(pop);
    Genome *t = pop->genomes;
    pop->genomes = pop->next;
    pop->next = t;
    pop->generation++;
    speciate(pop, pop->generation);

    /* 5. threshold moving */
    if (def->target_species > 0) {
        if (pop->species_count < def->target_species) {
            pop->threshold -= def->threshold_step;
        } else if (pop->species_count > def->target_species) {
            pop->threshold += def->threshold_step;
        }
        double floor_t = def->threshold_step > 0.01 ? def->threshold_step : 0.01;
        if (pop->threshold < floor_t) {
            pop->threshold = floor_t;
        }
    }
    for (int i = 0; i < pop->size; ++i) {
        pop->fitness[i] = 0.0;
    }
    pop->evaluated = false;
}

