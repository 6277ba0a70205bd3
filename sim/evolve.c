/*
 * Evolution in the world: the state of a run apart from its files.
 *
 * Generational mode. Each population driven by brains has its own NEAT
 * population (co-evolution: prey and predators evolve against each
 * other). A generation runs `episodes` arenas of `episode_ticks` ticks; in
 * every arena each genome of every population is one agent, so agents
 * really compete for the same food and really hunt each other. An agent's
 * fitness is a weighted sum of its counters (FitnessDef), averaged over
 * the episodes in episode order. Arenas are independent: with at least as
 * many episodes as threads they run in parallel (dynamic schedule), else
 * one after the other with the tick parallel inside. Either way every
 * arena's world is seeded from (run seed, generation, episode) alone, so
 * the result does not depend on the thread count.
 *
 * Open-ended mode lives in sim/open_ended.c and shares this struct.
 */
#include "sim/evolve_internal.h"

#include <math.h>
#include "core/parallel.h"
#include <stdlib.h>
#include <string.h>

double fitness_of(const FitnessDef *f, const AgentCounters *c, double energy_final)
{
    return f->energy_plants * c->energy_plants + f->energy_meat * c->energy_meat +
           f->ticks_alive * (double)c->ticks_alive + f->distance * c->distance +
           f->damage * c->damage + f->kills * (double)c->kills +
           f->offspring * (double)c->offspring + f->energy_final * energy_final;
}

double plant_energy_total(const World *w)
{
    int nx, ny;
    int cells = world_food_cells(w, &nx, &ny);
    double sum = 0.0;
    for (int c = 0; c < cells; ++c) {
        sum += world_food_plant(w, c);
    }
    return sum;
}

uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b, uint32_t purpose)
{
    return mix64(mix64(seed ^ mix64(a + 0x9e3779b97f4a7c15ull)) ^ mix64(b + purpose));
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void fitness_summary(const double *fit, int n, double *scratch, double *max, double *mean,
                     double *median)
{
    if (n <= 0) {
        *max = *mean = *median = 0.0;
        return;
    }
    double sum = 0.0, best = fit[0];
    for (int i = 0; i < n; ++i) {
        sum += fit[i];
        best = fit[i] > best ? fit[i] : best;
        scratch[i] = fit[i];
    }
    qsort(scratch, (size_t)n, sizeof *scratch, compare_double);
    *max = best;
    *mean = sum / n;
    *median = n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
}

/* ------------------------------------------------------------ lifetime */

static PetriStatus probe_inputs(Evolution *ev, PetriError *err)
{
    World *probe;
    WorldDef wd = ev->def.world;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    memcpy(pops, ev->def.populations, sizeof pops);
    PetriStatus s = world_create(&wd, pops, ev->pop_count, ev->def.seed, &probe, err);
    if (s != PETRI_OK) {
        return s;
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        ev->inputs[p] = world_input_count(probe, p);
    }
    world_destroy(probe);
    return PETRI_OK;
}

static Evolution *evolution_alloc(const RunDef *def)
{
    Evolution *ev = petri_calloc(1, sizeof *ev);
    ev->def = *def;
    ev->pop_count = def->population_count;
    int total = 0;
    for (int p = 0; p < ev->pop_count; ++p) {
        ev->offset[p] = total;
        total += def->populations[p].count;
    }
    ev->total = total;
    return ev;
}

static bool is_brain_pop(const Evolution *ev, int p)
{
    return ev->def.populations[p].controller == CONTROLLER_BRAIN;
}

static NeatDef pop_neat_def(const Evolution *ev, int p)
{
    NeatDef nd = ev->def.neat;
    nd.population_size = ev->def.populations[p].count;
    return nd;
}

PetriStatus evolution_create(const RunDef *def, Evolution **out, PetriError *err)
{
    *out = NULL;
    Evolution *ev = evolution_alloc(def);
    PetriStatus s = probe_inputs(ev, err);
    if (s != PETRI_OK) {
        petri_free(ev, sizeof *ev);
        return s;
    }
    if (def->evolution.mode == EVOLUTION_OPEN_ENDED) {
        s = open_ended_create(ev, err);
        if (s != PETRI_OK) {
            evolution_destroy(ev);
            return s;
        }
    } else {
        for (int p = 0; p < ev->pop_count; ++p) {
            if (is_brain_pop(ev, p)) {
                NeatDef nd = pop_neat_def(ev, p);
                ev->neat[p] = neat_population_create(
                    &nd, ev->inputs[p], WORLD_OUTPUTS,
                    derive_seed(def->seed, (uint64_t)p, 0, RNG_PURPOSE_POPULATION));
            }
        }
    }
    *out = ev;
    return PETRI_OK;
}

void evolution_destroy(Evolution *ev)
{
    if (ev == NULL) {
        return;
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        neat_population_destroy(ev->neat[p]);
        genome_fini(&ev->chosen[p]);
        genome_fini(&ev->gen_best[p]);
        novelty_archive_fini(&ev->novelty[p]);
    }
    open_ended_fini(ev);
    petri_free(ev, sizeof *ev);
}

void evolution_set_observer(Evolution *ev, EvolutionObserver fn, void *user)
{
    ev->observer = fn;
    ev->observer_user = user;
}

int evolution_inputs(const Evolution *ev, int pop)
{
    return ev->inputs[pop];
}

void evolution_set_def(Evolution *ev, const RunDef *next)
{
    ev->def = *next;
    if (ev->def.evolution.mode != EVOLUTION_OPEN_ENDED) {
        /* Every arena is built from ev->def afresh; the NEAT populations
         * keep their own settings, so hand them the live rates. */
        for (int p = 0; p < ev->pop_count; ++p) {
            if (ev->neat[p] != NULL) {
                NeatDef nd = pop_neat_def(ev, p);
                neat_population_set_rates(ev->neat[p], &nd);
            }
        }
        return;
    }
    world_set_rates(ev->world, &next->world, next->populations);
    /* Brain upkeep is priced per agent: price it again. */
    int n = world_agent_count(ev->world);
    for (int s = 0; s < n; ++s) {
        int32_t b = world_agent_tag(ev->world, s);
        if (b >= 0) {
            world_set_agent_upkeep(ev->world, s,
                                   brain_hidden_count(ev->brains, b) + brain_outputs(ev->brains, b),
                                   brain_conn_count(ev->brains, b));
        }
    }
}

void evolution_inject(Evolution *ev, int pop, const Genome *gs, int n)
{
    if (ev->def.evolution.mode == EVOLUTION_OPEN_ENDED) {
        open_ended_inject(ev, pop, gs, n);
        return;
    }
    if (ev->neat[pop] == NULL) {
        return;
    }
    int size = neat_population_size(ev->neat[pop]);
    for (int i = 0; i < n && i < size; ++i) {
        neat_population_set_genome(ev->neat[pop], i, &gs[i]);
    }
}

uint64_t evolution_generation(const Evolution *ev)
{
    return ev->generation;
}

/* ------------------------------------------------------------ one arena */

/* An agent's behaviour in an episode of `ticks` ticks, as numbers of
 * comparable size (about 0 to 1): world units moved per tick, energy
 * eaten (plants and meat) per tick, the share of the episode it lived,
 * and its kills k as k / (k + 1) (0, 1/2, 2/3, ...: bounded, whatever the
 * episode's length). The spread uses the first three (SPREAD_DIMS); the
 * novelty of a champion all four, so that a predator that learns to kill
 * does something new. */
enum { SPREAD_DIMS = 3 };
static void behaviour_of(const AgentCounters *c, int ticks, double *out)
{
    double t = ticks > 0 ? (double)ticks : 1.0;
    out[0] = c->distance / t;
    out[1] = (c->energy_plants + c->energy_meat) / t;
    out[2] = (double)c->ticks_alive / t;
    out[3] = (double)c->kills / ((double)c->kills + 1.0);
}

/* The spread of a population's behaviour: the square root of the summed
 * variances of the first SPREAD_DIMS descriptors over its n genomes
 * (b[n * BEHAVIOUR_DIMS]). */
static double behaviour_spread(const double *b, int n)
{
    if (n < 2) {
        return 0.0;
    }
    double total = 0.0;
    for (int d = 0; d < SPREAD_DIMS; ++d) {
        double mean = 0.0, ss = 0.0;
        for (int i = 0; i < n; ++i) {
            mean += b[i * BEHAVIOUR_DIMS + d];
        }
        mean /= n;
        for (int i = 0; i < n; ++i) {
            double x = b[i * BEHAVIOUR_DIMS + d] - mean;
            ss += x * x;
        }
        total += ss / (n - 1);
    }
    return sqrt(total);
}

/* Index of id in the sorted array ids[n], or -1. */
static int find_id(const uint32_t *ids, int n, uint32_t id)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (ids[mid] == id) {
            return mid;
        }
        if (ids[mid] < id) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -1;
}

typedef struct ArenaResult {
    double *fitness;   /* [total]: this episode's fitness of every agent */
    double *behaviour; /* [total * BEHAVIOUR_DIMS]: what every agent did (behaviour_of) */
    ByteBuf deaths_csv; /* lineage rows of this arena's deaths */
    int deaths[WORLD_MAX_POPULATIONS];
    double food;       /* plant energy left at the end */
} ArenaResult;

static void run_arena(const Evolution *ev, int episode, ArenaResult *res)
{
    const RunDef *def = &ev->def;
    PetriError err;
    error_clear(&err);
    uint64_t seed = derive_seed(def->seed, ev->generation, (uint64_t)episode, RNG_PURPOSE_ARENA);
    WorldDef wd = def->world;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    memcpy(pops, def->populations, sizeof pops);
    Habitat *h;
    if (habitat_create(&wd, pops, ev->pop_count, seed, &h, &err) != PETRI_OK) {
        /* The same defs made the probe world: this cannot fail. */
        error_print(&err, stderr);
        abort();
    }
    World *w = habitat_world(h);
    /* Population by population, genome k of population p becomes the
     * k-th agent of p, at a random place from p's spawn stream. */
    int max_count = 0;
    for (int p = 0; p < ev->pop_count; ++p) {
        max_count = def->populations[p].count > max_count ? def->populations[p].count : max_count;
    }
    const Genome **gs = petri_alloc((size_t)max_count * sizeof *gs);
    for (int p = 0; p < ev->pop_count; ++p) {
        int count = def->populations[p].count;
        if (ev->neat[p] != NULL) {
            for (int k = 0; k < count; ++k) {
                gs[k] = neat_population_genome(ev->neat[p], k);
            }
            habitat_populate(h, p, gs, count, count);
        } else {
            habitat_populate(h, p, NULL, 0, count);
        }
    }
    petri_free(gs, (size_t)max_count * sizeof *gs);
    int seen[WORLD_MAX_POPULATIONS] = {0};
    int n = world_agent_count(w);
    /* Founders' ids, sorted (slots are in id order), with the global
     * genome index of each, to credit counters to the right genome. */
    uint32_t *ids = petri_alloc((size_t)n * sizeof *ids);
    int *gidx = petri_alloc((size_t)n * sizeof *gidx);
    int *fpop = petri_alloc((size_t)n * sizeof *fpop);
    for (int s = 0; s < n; ++s) {
        int p = world_agent_pop(w, s);
        ids[s] = world_agent_id(w, s);
        gidx[s] = ev->offset[p] + seen[p]++;
        fpop[s] = p;
    }
    int founders = n; /* res arrives zeroed (calloc) */
    bool observed = episode == 0 && ev->observer != NULL;
    for (int t = 0; t < def->evolution.episode_ticks && world_agent_count(w) > 0; ++t) {
        habitat_step(h, 1);
        if (observed) {
            ev->observer(ev->observer_user, w, habitat_brains(h), ev->generation + 1, 0);
        }
        int ne;
        const WorldEvent *evs = world_events(w, &ne);
        for (int i = 0; i < ne; ++i) {
            if (evs[i].kind != EVENT_DEATH) {
                continue;
            }
            int p = evs[i].pop;
            res->deaths[p]++;
            int f = find_id(ids, founders, evs[i].id);
            if (f >= 0) {
                res->fitness[gidx[f]] = fitness_of(&def->fitness[p], &evs[i].counters, 0.0);
                behaviour_of(&evs[i].counters, def->evolution.episode_ticks,
                             &res->behaviour[(size_t)gidx[f] * BEHAVIOUR_DIMS]);
                buf_printf(&res->deaths_csv, "%llu,%llu,death,%s,%d,,,,%s,",
                           (unsigned long long)ev->generation + 1,
                           (unsigned long long)evs[i].tick, def->populations[p].name,
                           gidx[f] - ev->offset[p], death_cause_name((int)evs[i].cause));
                /* the killer, as a genome index and population */
                int k = evs[i].other != WORLD_NO_ID ? find_id(ids, founders, evs[i].other) : -1;
                if (k >= 0) {
                    buf_printf(&res->deaths_csv, "%d,%s", gidx[k] - ev->offset[fpop[k]],
                               def->populations[fpop[k]].name);
                } else {
                    buf_printf(&res->deaths_csv, ",");
                }
                buf_put(&res->deaths_csv, "\n", 1);
            }
        }
    }
    n = world_agent_count(w);
    for (int s = 0; s < n; ++s) {
        AgentView a;
        world_agent(w, s, &a);
        int f = find_id(ids, founders, a.id);
        if (f >= 0) {
            res->fitness[gidx[f]] = fitness_of(&def->fitness[a.pop], &a.counters, a.energy);
            behaviour_of(&a.counters, def->evolution.episode_ticks,
                         &res->behaviour[(size_t)gidx[f] * BEHAVIOUR_DIMS]);
        }
    }
    petri_free(ids, (size_t)founders * sizeof *ids);
    petri_free(gidx, (size_t)founders * sizeof *gidx);
    petri_free(fpop, (size_t)founders * sizeof *fpop);
    res->food = plant_energy_total(w);
    habitat_destroy(h);
}

/* ------------------------------------------------------------ a generation */

static void species_rows(const Evolution *ev, int p, const double *fit, ByteBuf *out)
{
    const NeatPopulation *np = ev->neat[p];
    int n = neat_population_size(np);
    /* Species ids are serial; gather (id, fitness) pairs and walk them
     * sorted by id. n is small (hundreds): a simple selection suffices. */
    uint32_t last = 0;
    bool first = true;
    for (;;) {
        uint32_t next = UINT32_MAX;
        for (int i = 0; i < n; ++i) {
            uint32_t sp = neat_population_species_of(np, i);
            if ((first || sp > last) && sp < next) {
                next = sp;
            }
        }
        if (next == UINT32_MAX) {
            break;
        }
        int size = 0;
        double best = -INFINITY, sum = 0.0;
        for (int i = 0; i < n; ++i) {
            if (neat_population_species_of(np, i) == next) {
                size++;
                sum += fit[i];
                best = fit[i] > best ? fit[i] : best;
            }
        }
        buf_printf(out, "%llu,%s,%u,%d,%.9g,%.9g\n", (unsigned long long)ev->generation + 1,
                   ev->def.populations[p].name, next, size, best, sum / size);
        last = next;
        first = false;
    }
}

/* Lineage rows of the genomes just bred: id is the genome's index in its
 * generation, parents are indices in the generation before. */
static void birth_rows(const Evolution *ev, int p, ByteBuf *out)
{
    const NeatPopulation *np = ev->neat[p];
    int n = neat_population_size(np);
    for (int i = 0; i < n; ++i) {
        int a, b;
        neat_population_parents(np, i, &a, &b);
        buf_printf(out, "%llu,,birth,%s,%d,%d,", (unsigned long long)ev->generation + 1,
                   ev->def.populations[p].name, i, a);
        if (b >= 0) {
            buf_printf(out, "%d", b);
        }
        buf_printf(out, ",%u,,,\n", neat_population_species_of(np, i));
    }
}

/* The generation champion of population p (the best of fit[n] by training
 * fitness, ties to the lower index; b: the descriptors of its genomes):
 * kept for CIAO (champions/generations/), its novelty against the
 * archive of earlier champions into stats, then it joins the archive. */
static void generation_champion(Evolution *ev, int p, const double *fit, const double *b,
                                PopStats *st)
{
    int n = neat_population_size(ev->neat[p]), best = 0;
    for (int i = 1; i < n; ++i) {
        best = fit[i] > fit[best] ? i : best;
    }
    genome_copy(&ev->gen_best[p], neat_population_genome(ev->neat[p], best));
    ev->has_gen_best[p] = true;
    const double *d = &b[(size_t)best * BEHAVIOUR_DIMS];
    NoveltyArchive *a = &ev->novelty[p];
    st->v[STOP_FIELD_NOVELTY] = novelty_score(a->desc, a->count, d, NOVELTY_K);
    novelty_archive_add(a, d);
}

static void generational_step(Evolution *ev, PopStats *stats, ByteBuf *lineage,
                              ByteBuf *species)
{
    const RunDef *def = &ev->def;
    int episodes = def->evolution.episodes;
    ArenaResult *res = petri_calloc((size_t)episodes, sizeof *res);
    for (int e = 0; e < episodes; ++e) {
        res[e].fitness = petri_calloc((size_t)ev->total, sizeof(double));
        res[e].behaviour = petri_calloc((size_t)ev->total * BEHAVIOUR_DIMS, sizeof(double));
        buf_init(&res[e].deaths_csv);
    }
    if (episodes >= omp_get_max_threads() && episodes > 1) {
#pragma omp parallel for schedule(dynamic, 1)
        for (int e = 0; e < episodes; ++e) {
            run_arena(ev, e, &res[e]);
        }
    } else {
        for (int e = 0; e < episodes; ++e) {
            run_arena(ev, e, &res[e]);
        }
    }
    double *fit = petri_calloc((size_t)ev->total, sizeof(double));
    double *scratch = petri_calloc((size_t)ev->total, sizeof(double));
    for (int i = 0; i < ev->total; ++i) {
        double sum = 0.0;
        for (int e = 0; e < episodes; ++e) {
            sum += res[e].fitness[i]; /* episode order: deterministic */
        }
        fit[i] = sum / episodes;
    }
    double food = 0.0;
    for (int e = 0; e < episodes; ++e) {
        food += res[e].food;
        if (res[e].deaths_csv.len > 0) {
            buf_put(lineage, res[e].deaths_csv.data, res[e].deaths_csv.len);
        }
        buf_fini(&res[e].deaths_csv);
    }
    food /= episodes;
    if ((ev->generation + 1) % (uint64_t)def->evolution.checkpoint_every == 0) {
        const double *slices[WORLD_MAX_POPULATIONS];
        for (int p = 0; p < ev->pop_count; ++p) {
            slices[p] = fit + ev->offset[p];
        }
        for (int p = 0; p < ev->pop_count; ++p) {
            if (ev->neat[p] != NULL) {
                evolution_retest(ev, p, slices);
            }
        }
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        int n = def->populations[p].count;
        const double *f = fit + ev->offset[p];
        PopStats *st = &stats[p];
        memset(st, 0, sizeof *st);
        st->v[STOP_FIELD_POP_COUNT] = n;
        fitness_summary(f, n, scratch, &st->v[STOP_FIELD_FITNESS_MAX],
                        &st->v[STOP_FIELD_FITNESS_MEAN], &st->v[STOP_FIELD_FITNESS_MEDIAN]);
        int deaths = 0;
        for (int e = 0; e < episodes; ++e) {
            deaths += res[e].deaths[p];
        }
        st->v[STOP_FIELD_DEATHS] = deaths;
        st->v[STOP_FIELD_FOOD] = food;
        if (ev->neat[p] != NULL) {
            for (int i = 0; i < n; ++i) {
                neat_population_set_fitness(ev->neat[p], i, f[i]);
            }
            NeatStats ns = neat_population_stats(ev->neat[p]);
            st->v[STOP_FIELD_SPECIES] = ns.species_count;
            st->v[STOP_FIELD_HIDDEN_MEAN] = ns.mean_hidden_nodes;
            st->v[STOP_FIELD_CONNS_MEAN] = ns.mean_enabled_conns;
            /* each genome's behaviour, averaged over the episodes in order */
            double *b = petri_calloc((size_t)n * BEHAVIOUR_DIMS, sizeof(double));
            for (int e = 0; e < episodes; ++e) {
                const double *src = res[e].behaviour + (size_t)ev->offset[p] * BEHAVIOUR_DIMS;
                for (int k = 0; k < n * BEHAVIOUR_DIMS; ++k) {
                    b[k] += src[k] / episodes;
                }
            }
            st->v[STOP_FIELD_BEHAVIOUR_SPREAD] = behaviour_spread(b, n);
            generation_champion(ev, p, f, b, st);
            petri_free(b, (size_t)n * BEHAVIOUR_DIMS * sizeof(double));
            for (int i = 0; i < n; ++i) {
                const Genome *g = neat_population_genome(ev->neat[p], i);
                double h = genome_hidden_count(g), c = genome_enabled_count(g);
                st->v[STOP_FIELD_HIDDEN_MAX] = fmax(st->v[STOP_FIELD_HIDDEN_MAX], h);
                st->v[STOP_FIELD_CONNS_MAX] = fmax(st->v[STOP_FIELD_CONNS_MAX], c);
            }
            st->v[STOP_FIELD_BIRTHS] = n; /* the next generation's genomes */
            species_rows(ev, p, f, species);
            /* Keep the best genome ever, then breed the next generation. */
            neat_population_epoch(ev->neat[p]);
            birth_rows(ev, p, lineage);
        }
    }
    petri_free(scratch, (size_t)ev->total * sizeof(double));
    petri_free(fit, (size_t)ev->total * sizeof(double));
    for (int e = 0; e < episodes; ++e) {
        petri_free(res[e].fitness, (size_t)ev->total * sizeof(double));
        petri_free(res[e].behaviour, (size_t)ev->total * BEHAVIOUR_DIMS * sizeof(double));
    }
    petri_free(res, (size_t)episodes * sizeof *res);
    ev->generation++;
}

void evolution_step(Evolution *ev, PopStats *stats, ByteBuf *lineage_rows, ByteBuf *species_rows)
{
    if (ev->def.evolution.mode == EVOLUTION_OPEN_ENDED) {
        open_ended_step(ev, stats, lineage_rows, species_rows);
    } else {
        generational_step(ev, stats, lineage_rows, species_rows);
    }
}

int evolution_species_of(const Evolution *ev, const World *w, int slot)
{
    int p = world_agent_pop(w, slot);
    if (ev->def.evolution.mode == EVOLUTION_OPEN_ENDED || ev->neat[p] == NULL) {
        return -1;
    }
    /* founders get ids 0, 1, ... population by population */
    uint32_t first = 0;
    for (int q = 0; q < p; ++q) {
        first += (uint32_t)ev->def.populations[q].count;
    }
    uint32_t id = world_agent_id(w, slot);
    if (id < first || id - first >= (uint32_t)ev->def.populations[p].count) {
        return -1;
    }
    return (int)neat_population_species_of(ev->neat[p], (int)(id - first));
}

const Genome *evolution_generation_champion(const Evolution *ev, int pop)
{
    if (pop < 0 || pop >= ev->pop_count || !ev->has_gen_best[pop]) {
        return NULL;
    }
    return &ev->gen_best[pop];
}

const Genome *evolution_champion(const Evolution *ev, int pop, double *fitness)
{
    *fitness = 0.0;
    if (pop < 0 || pop >= ev->pop_count) {
        return NULL;
    }
    if (ev->def.evolution.mode == EVOLUTION_OPEN_ENDED) {
        return open_ended_champion(ev, pop, fitness);
    }
    if (ev->neat[pop] == NULL) {
        return NULL;
    }
    if (ev->has_chosen[pop]) {
        *fitness = ev->chosen_train[pop];
        return &ev->chosen[pop];
    }
    return neat_population_best_ever(ev->neat[pop], fitness);
}

uint64_t evolution_hash(const Evolution *ev)
{
    Hasher hs;
    hasher_init(&hs);
    hasher_u64(&hs, ev->generation);
    for (int p = 0; p < ev->pop_count; ++p) {
        hasher_u64(&hs, ev->neat[p] != NULL ? neat_population_hash(ev->neat[p]) : 0);
    }
    if (ev->def.evolution.mode == EVOLUTION_OPEN_ENDED) {
        hasher_u64(&hs, open_ended_hash(ev));
    }
    evolution_retest_hash(ev, &hs);
    return hasher_digest(&hs);
}

/* ------------------------------------------------------------ checkpoints */

#define EVOLUTION_STATE_MAGIC 0x50455645u /* "EVEP" */

void evolution_save(const Evolution *ev, ByteBuf *out)
{
    buf_put_u32(out, EVOLUTION_STATE_MAGIC);
    buf_put_u32(out, (uint32_t)ev->def.evolution.mode);
    buf_put_u32(out, (uint32_t)ev->pop_count);
    buf_put_u64(out, ev->generation);
    for (int p = 0; p < ev->pop_count; ++p) {
        buf_put_u8(out, ev->neat[p] != NULL);
        if (ev->neat[p] != NULL) {
            neat_population_save(ev->neat[p], out);
        }
    }
    if (ev->def.evolution.mode == EVOLUTION_OPEN_ENDED) {
        open_ended_save(ev, out);
    }
    evolution_retest_save(ev, out);
    evolution_novelty_save(ev, out);
}

PetriStatus evolution_load(const RunDef *def, ByteReader *r, Evolution **out, PetriError *err)
{
    *out = NULL;
    uint32_t magic = 0, mode = 0, pops = 0;
    uint64_t gen = 0;
    reader_u32(r, &magic);
    reader_u32(r, &mode);
    reader_u32(r, &pops);
    reader_u64(r, &gen);
    if (r->bad || magic != EVOLUTION_STATE_MAGIC) {
        return error_add(err, PETRI_EFORMAT, "checkpoint: error: no evolution state found");
    }
    if ((int)mode != def->evolution.mode || (int)pops != def->population_count) {
        return error_add(err, PETRI_EFORMAT,
                         "checkpoint: error: state does not match its config (mode %u, %u "
                         "populations)",
                         mode, pops);
    }
    Evolution *ev = evolution_alloc(def);
    ev->generation = gen;
    PetriStatus s = probe_inputs(ev, err);
    for (int p = 0; s == PETRI_OK && p < ev->pop_count; ++p) {
        uint8_t has = 0;
        reader_u8(r, &has);
        if (r->bad || has != (is_brain_pop(ev, p) && mode == EVOLUTION_GENERATIONAL)) {
            s = error_add(err, PETRI_EFORMAT,
                          "checkpoint: error: population %d: state does not match its config",
                          p);
            break;
        }
        if (has) {
            NeatDef nd = pop_neat_def(ev, p);
            ev->neat[p] = neat_population_load(&nd, r, err);
            if (ev->neat[p] == NULL) {
                s = PETRI_EFORMAT;
            }
        }
    }
    if (s == PETRI_OK && def->evolution.mode == EVOLUTION_OPEN_ENDED) {
        s = open_ended_load(ev, r, err);
    }
    if (s == PETRI_OK) {
        s = evolution_retest_load(ev, r, err);
    }
    if (s == PETRI_OK) {
        s = evolution_novelty_load(ev, r, err);
    }
    if (s != PETRI_OK) {
        evolution_destroy(ev);
        return s;
    }
    *out = ev;
    return PETRI_OK;
}
