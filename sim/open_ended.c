/*
 * Open-ended evolution: one persistent world. An agent whose brain asks to
 * reproduce, with enough energy, gives part of its energy to a child whose
 * genome is its own mutated (asexual) or a crossover with the nearest
 * member of its population within mate_range, then mutated (sexual).
 * Agents die of hunger, age or attack. Every epoch of epoch_ticks ticks
 * the statistics are gathered, the brain pool is compacted to the living
 * agents (their recurrent state starts again from zero, in an
 * uninterrupted run and in a resumed one alike), the hall of fame is
 * updated, and a population below its floor is reseeded from its hall of
 * fame, which the log says.
 *
 * Determinism: births are handled serially in id order after each tick,
 * with each population's own mutation stream and innovation registry, so
 * ids and genomes do not depend on threads.
 */
#include "sim/evolve_internal.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------ genomes */

static int genome_slot_add(Evolution *ev, const Genome *g)
{
    if (ev->genome_count == ev->genome_cap) {
        int ncap = ev->genome_cap ? ev->genome_cap * 2 : 256;
        ev->genomes = petri_realloc(ev->genomes, (size_t)ev->genome_cap * sizeof(Genome),
                                    (size_t)ncap * sizeof(Genome));
        memset(ev->genomes + ev->genome_cap, 0, (size_t)(ncap - ev->genome_cap) * sizeof(Genome));
        ev->genome_cap = ncap;
    }
    Genome *dst = &ev->genomes[ev->genome_count];
    genome_copy(dst, g);
    return ev->genome_count++;
}

static void genomes_clear(Evolution *ev)
{
    for (int i = 0; i < ev->genome_count; ++i) {
        genome_fini(&ev->genomes[i]);
    }
    ev->genome_count = 0;
}

/* Gives the agent in slot its brain: compiles g, tags the agent. */
static void agent_attach(Evolution *ev, int slot, const Genome *g)
{
    int b = brain_pool_add(ev->brains, g);
    int gi = genome_slot_add(ev, g);
    (void)gi; /* gi == b: both grow together */
    world_set_agent_tag(ev->world, slot, b);
    world_set_agent_upkeep(ev->world, slot, brain_hidden_count(ev->brains, b) + g->outputs,
                           brain_conn_count(ev->brains, b));
}

/* ------------------------------------------------------------ hall of fame */

static void fame_offer(Evolution *ev, int p, const Genome *g, double fitness)
{
    HallOfFame *h = &ev->fame[p];
    int cap = ev->def.evolution.hall_of_fame;
    if (cap <= 0) {
        return;
    }
    if (h->cap == 0) {
        h->genomes = petri_calloc((size_t)cap, sizeof(Genome));
        h->fitness = petri_calloc((size_t)cap, sizeof(double));
        h->cap = cap;
    }
    /* Sorted by fitness, best first; ties keep the earlier entry. */
    int at = h->count;
    while (at > 0 && fitness > h->fitness[at - 1]) {
        at--;
    }
    if (at >= cap) {
        return;
    }
    if (h->count == cap) {
        genome_fini(&h->genomes[cap - 1]);
        memset(&h->genomes[cap - 1], 0, sizeof(Genome));
        h->count--;
    }
    memmove(&h->genomes[at + 1], &h->genomes[at], (size_t)(h->count - at) * sizeof(Genome));
    memmove(&h->fitness[at + 1], &h->fitness[at], (size_t)(h->count - at) * sizeof(double));
    memset(&h->genomes[at], 0, sizeof(Genome));
    genome_copy(&h->genomes[at], g);
    h->fitness[at] = fitness;
    h->count++;
    if (!ev->has_best[p] || fitness > ev->best_fitness[p]) {
        if (ev->has_best[p]) {
            genome_fini(&ev->best[p]);
        }
        memset(&ev->best[p], 0, sizeof(Genome));
        genome_copy(&ev->best[p], g);
        ev->best_fitness[p] = fitness;
        ev->has_best[p] = true;
    }
}

/* ------------------------------------------------------------ lifetime */

static NeatDef oe_neat(const Evolution *ev)
{
    return ev->def.neat;
}

PetriStatus open_ended_create(Evolution *ev, PetriError *err)
{
    const RunDef *def = &ev->def;
    WorldDef wd = def->world;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    memcpy(pops, def->populations, sizeof pops);
    PetriStatus s = habitat_create(&wd, pops, ev->pop_count,
                                   derive_seed(def->seed, 0, 0, RNG_PURPOSE_WORLD), &ev->habitat,
                                   err);
    if (s != PETRI_OK) {
        return s;
    }
    ev->world = habitat_world(ev->habitat);
    ev->brains = habitat_brains(ev->habitat);
    for (int p = 0; p < ev->pop_count; ++p) {
        habitat_populate(ev->habitat, p, NULL, 0, def->populations[p].count);
    }
    NeatDef nd = oe_neat(ev);
    for (int p = 0; p < ev->pop_count; ++p) {
        ev->registry[p] = innovation_registry_create(ev->inputs[p], WORLD_OUTPUTS);
        ev->mutation_rng[p] = pcg32_stream(def->seed, (uint64_t)p, RNG_PURPOSE_MUTATION);
    }
    int n = world_agent_count(ev->world);
    for (int slot = 0; slot < n; ++slot) {
        int p = world_agent_pop(ev->world, slot);
        if (def->populations[p].controller != CONTROLLER_BRAIN) {
            continue;
        }
        Genome g;
        memset(&g, 0, sizeof g);
        genome_init_minimal(&g, ev->inputs[p], WORLD_OUTPUTS, &nd, &ev->mutation_rng[p]);
        agent_attach(ev, slot, &g);
        genome_fini(&g);
    }
    world_reserve(ev->world, n * 2 + 64);
    return PETRI_OK;
}

void open_ended_fini(Evolution *ev)
{
    if (ev->habitat == NULL) {
        return;
    }
    genomes_clear(ev);
    petri_free(ev->genomes, (size_t)ev->genome_cap * sizeof(Genome));
    ev->genomes = NULL;
    ev->genome_cap = 0;
    for (int p = 0; p < ev->pop_count; ++p) {
        innovation_registry_destroy(ev->registry[p]);
        HallOfFame *h = &ev->fame[p];
        for (int i = 0; i < h->count; ++i) {
            genome_fini(&h->genomes[i]);
        }
        petri_free(h->genomes, (size_t)h->cap * sizeof(Genome));
        petri_free(h->fitness, (size_t)h->cap * sizeof(double));
        if (ev->has_best[p]) {
            genome_fini(&ev->best[p]);
        }
    }
    habitat_destroy(ev->habitat);
    ev->habitat = NULL;
    ev->world = NULL;
    ev->brains = NULL;
}

/* ------------------------------------------------------------ births */

/* A random free place for a genome put into the world (up to 64 tries,
 * as the first agents get). Drawn from the population's mutation stream,
 * which checkpoints hold, not from the habitat's spawn stream, which they
 * do not: an injection put in again after a resume lands where it landed
 * the first time. */
static void inject_place(Evolution *ev, int pop, AgentSpawn *sp)
{
    const WorldDef *wd = world_def(ev->world);
    Pcg32 *rng = &ev->mutation_rng[pop];
    float r = (float)ev->def.populations[pop].radius;
    float W = (float)wd->size[0], H = (float)wd->size[1];
    for (int tries = 0; tries < 64; ++tries) {
        sp->x = r + pcg32_float(rng) * (W - 2 * r);
        sp->y = r + pcg32_float(rng) * (H - 2 * r);
        if (world_point_free(ev->world, sp->x, sp->y, r)) {
            break;
        }
    }
    sp->heading = (pcg32_float(rng) * 2.0f - 1.0f) * 3.14159265f;
}

void open_ended_inject(Evolution *ev, int pop, const Genome *gs, int n)
{
    const PopulationDef *pd = &ev->def.populations[pop];
    for (int i = 0; i < n; ++i) {
        AgentSpawn sp = {.parent = WORLD_NO_ID};
        inject_place(ev, pop, &sp);
        uint32_t id = habitat_add(ev->habitat, pop, NULL, &sp);
        int slot = world_find(ev->world, id);
        if (slot < 0) {
            continue;
        }
        world_set_agent_energy(ev->world, slot, (float)pd->energy_start);
        agent_attach(ev, slot, &gs[i]);
    }
}

/* Slot of the nearest living member of population p within range of the
 * agent in slot (not itself), ties to the lower id; -1 when none. The
 * torus is taken into account. */
static int nearest_mate(const Evolution *ev, int slot, int p, double range)
{
    const World *w = ev->world;
    AgentView me;
    world_agent(w, slot, &me);
    const WorldDef *wd = world_def(w);
    int best = -1;
    double best_d2 = range * range;
    int n = world_agent_count(w);
    for (int s = 0; s < n; ++s) {
        if (s == slot || world_agent_pop(w, s) != p || world_agent_tag(w, s) < 0) {
            continue;
        }
        AgentView o;
        world_agent(w, s, &o);
        if (o.dead) {
            continue;
        }
        double dx = o.x - me.x, dy = o.y - me.y;
        if (wd->edges == WORLD_EDGES_TORUS) {
            if (dx > wd->size[0] / 2) dx -= wd->size[0];
            if (dx < -wd->size[0] / 2) dx += wd->size[0];
            if (dy > wd->size[1] / 2) dy -= wd->size[1];
            if (dy < -wd->size[1] / 2) dy += wd->size[1];
        }
        double d2 = dx * dx + dy * dy;
        if (d2 < best_d2) {
            best_d2 = d2;
            best = s;
        }
    }
    return best;
}

static float wrap_coord(double v, double size, bool torus, double margin)
{
    if (torus) {
        v = mathx_fmod(v, size);
        if (v < 0) v += size;
    } else {
        if (v < margin) v = margin;
        if (v > size - margin) v = size - margin;
    }
    return (float)v;
}

static void handle_births(Evolution *ev, ByteBuf *lineage)
{
    World *w = ev->world;
    const RunDef *def = &ev->def;
    NeatDef nd = oe_neat(ev);
    int n = world_agent_count(w);
    /* Only the n agents alive before any birth may reproduce: a birth
     * appends its child after them (ids only grow) and moves no slot, so
     * slots below n stay valid and are visited in id order. */
    for (int slot = 0; slot < n; ++slot) {
        if (!world_agent_wants_reproduce(w, slot)) {
            continue;
        }
        int32_t tag = world_agent_tag(w, slot);
        if (tag < 0) {
            continue;
        }
        int p = world_agent_pop(w, slot);
        AgentView a;
        world_agent(w, slot, &a);
        if (a.dead) {
            continue;
        }
        Pcg32 *rng = &ev->mutation_rng[p];
        Genome child;
        memset(&child, 0, sizeof child);
        uint32_t mate_id = WORLD_NO_ID;
        if (def->evolution.reproduction == REPRODUCTION_SEXUAL) {
            int m = nearest_mate(ev, slot, p, def->evolution.mate_range);
            if (m < 0) {
                continue; /* no mate in range: no child */
            }
            AgentView mate;
            world_agent(w, m, &mate);
            mate_id = mate.id;
            const Genome *ga = &ev->genomes[tag];
            const Genome *gb = &ev->genomes[world_agent_tag(w, m)];
            bool a_fitter = a.energy > mate.energy || (a.energy == mate.energy && a.id < mate.id);
            genome_crossover(&child, a_fitter ? ga : gb, a_fitter ? gb : ga, &nd, rng);
        } else {
            genome_copy(&child, &ev->genomes[tag]);
        }
        genome_mutate(&child, &nd, ev->registry[p], rng);
        const PopulationDef *pd = &def->populations[p];
        const WorldDef *wd = world_def(w);
        bool torus = wd->edges == WORLD_EDGES_TORUS;
        double angle = pcg32_double(rng) * 6.283185307179586;
        double dist = pd->radius * 2.5;
        double sa, ca;
        mathx_sincos(angle, &sa, &ca);
        AgentSpawn sp = {
            .pop = p,
            .x = wrap_coord(a.x + dist * ca, wd->size[0], torus, pd->radius),
            .y = wrap_coord(a.y + dist * sa, wd->size[1], torus, pd->radius),
            .heading = (float)(pcg32_double(rng) * 6.283185307179586),
            .energy = (float)(def->evolution.birth_energy * a.energy),
            .tag = -1,
            .parent = a.id,
        };
        uint32_t id = world_birth(w, a.id, &sp);
        if (id == WORLD_NO_ID) {
            genome_fini(&child);
            continue;
        }
        int cs = world_find(w, id);
        agent_attach(ev, cs, &child);
        genome_fini(&child);
        buf_printf(lineage, "%llu,%llu,birth,%s,%u,%u,", (unsigned long long)ev->generation + 1,
                   (unsigned long long)world_tick(w), pd->name, id, a.id);
        if (mate_id != WORLD_NO_ID) {
            buf_printf(lineage, "%u", mate_id);
        }
        buf_printf(lineage, ",,,,\n");
    }
}

/* ------------------------------------------------------------ an epoch */

typedef struct EpochTally {
    double *fitness[WORLD_MAX_POPULATIONS];
    int count[WORLD_MAX_POPULATIONS], cap[WORLD_MAX_POPULATIONS];
    int births[WORLD_MAX_POPULATIONS], deaths[WORLD_MAX_POPULATIONS];
} EpochTally;

static void tally_push(EpochTally *t, int p, double f)
{
    if (t->count[p] == t->cap[p]) {
        int ncap = t->cap[p] ? t->cap[p] * 2 : 256;
        t->fitness[p] = petri_realloc(t->fitness[p], (size_t)t->cap[p] * sizeof(double),
                                      (size_t)ncap * sizeof(double));
        t->cap[p] = ncap;
    }
    t->fitness[p][t->count[p]++] = f;
}

/* Rebuilds the brain pool and genome table with the living agents, in
 * slot (id) order. */
static void compact(Evolution *ev)
{
    World *w = ev->world;
    int n = world_agent_count(w);
    Genome *old = ev->genomes;
    int old_count = ev->genome_count, old_cap = ev->genome_cap;
    ev->genomes = NULL;
    ev->genome_count = ev->genome_cap = 0;
    brain_pool_clear(ev->brains);
    for (int s = 0; s < n; ++s) {
        int32_t tag = world_agent_tag(w, s);
        if (tag >= 0) {
            agent_attach(ev, s, &old[tag]);
        }
    }
    for (int i = 0; i < old_count; ++i) {
        genome_fini(&old[i]);
    }
    petri_free(old, (size_t)old_cap * sizeof(Genome));
}

/* Tops population p up to the floor from its hall of fame (mutated
 * copies; founders when the hall is empty). Each agent put back gets a
 * lineage birth row with cause `reseed` (its parent: none); returns how
 * many (stats.csv's reseeds). */
static int reseed(Evolution *ev, int p, ByteBuf *lineage)
{
    const RunDef *def = &ev->def;
    World *w = ev->world;
    int have = world_population_size(w, p);
    int need = def->evolution.floor - have;
    if (need <= 0 || def->populations[p].controller != CONTROLLER_BRAIN) {
        return 0;
    }
    NeatDef nd = oe_neat(ev);
    Pcg32 *rng = &ev->mutation_rng[p];
    const WorldDef *wd = world_def(w);
    HallOfFame *h = &ev->fame[p];
    for (int i = 0; i < need; ++i) {
        Genome g;
        memset(&g, 0, sizeof g);
        if (h->count > 0) {
            genome_copy(&g, &h->genomes[i % h->count]);
            genome_mutate(&g, &nd, ev->registry[p], rng);
        } else {
            genome_init_minimal(&g, ev->inputs[p], WORLD_OUTPUTS, &nd, rng);
        }
        AgentSpawn sp = {
            .pop = p,
            .x = (float)(pcg32_double(rng) * wd->size[0]),
            .y = (float)(pcg32_double(rng) * wd->size[1]),
            .heading = (float)(pcg32_double(rng) * 6.283185307179586),
            .energy = 0.0f,
            .tag = -1,
            .parent = WORLD_NO_ID,
        };
        uint32_t id = world_add_agent(w, &sp);
        agent_attach(ev, world_find(w, id), &g);
        genome_fini(&g);
        buf_printf(lineage, "%llu,%llu,birth,%s,%u,,,,reseed,,\n",
                   (unsigned long long)ev->generation, (unsigned long long)world_tick(w),
                   def->populations[p].name, id);
    }
    char from[96];
    if (h->count > 0) {
        snprintf(from, sizeof from, "from its hall of fame (%d genome%s)", h->count,
                 h->count == 1 ? "" : "s");
    } else {
        snprintf(from, sizeof from, "with new minimal genomes (its hall of fame is empty)");
    }
    log_info("epoch %llu: population '%s' fell to %d agent%s (floor %d): reseeded %d %s",
             (unsigned long long)ev->generation, def->populations[p].name, have,
             have == 1 ? "" : "s", def->evolution.floor, need, from);
    return need;
}

static int species_count(const Evolution *ev, int p, ByteBuf *species, const EpochTally *t)
{
    const World *w = ev->world;
    const NeatDef *nd = &ev->def.neat;
    int n = world_agent_count(w);
    int reps[256], sizes[256], nrep = 0;
    for (int s = 0; s < n; ++s) {
        if (world_agent_pop(w, s) != p || world_agent_tag(w, s) < 0) {
            continue;
        }
        const Genome *g = &ev->genomes[world_agent_tag(w, s)];
        int k = 0;
        for (; k < nrep; ++k) {
            if (genome_distance(g, &ev->genomes[reps[k]], nd) < nd->compat_threshold) {
                break;
            }
        }
        if (k == nrep && nrep < 256) {
            reps[nrep] = world_agent_tag(w, s);
            sizes[nrep++] = 0;
        }
        if (k < nrep) {
            sizes[k]++;
        }
    }
    for (int k = 0; k < nrep; ++k) {
        buf_printf(species, "%llu,%s,%d,%d,,\n", (unsigned long long)ev->generation + 1,
                   ev->def.populations[p].name, k, sizes[k]);
    }
    (void)t;
    return nrep;
}

void open_ended_step(Evolution *ev, PopStats *stats, ByteBuf *lineage, ByteBuf *species)
{
    const RunDef *def = &ev->def;
    World *w = ev->world;
    EpochTally t;
    memset(&t, 0, sizeof t);
    for (int p = 0; p < ev->pop_count; ++p) {
        innovation_registry_next_generation(ev->registry[p]);
    }
    for (int tick = 0; tick < def->evolution.epoch_ticks; ++tick) {
        habitat_step(ev->habitat, 1);
        int ne;
        const WorldEvent *evs = world_events(w, &ne);
        for (int i = 0; i < ne; ++i) {
            const WorldEvent *e = &evs[i];
            if (e->kind != EVENT_DEATH) {
                continue;
            }
            int p = e->pop;
            double f = fitness_of(&def->fitness[p], &e->counters, 0.0);
            tally_push(&t, p, f);
            t.deaths[p]++;
            if (e->tag >= 0 && e->tag < ev->genome_count) {
                fame_offer(ev, p, &ev->genomes[e->tag], f);
            }
            buf_printf(lineage, "%llu,%llu,death,%s,%u,,,,%s,",
                       (unsigned long long)ev->generation + 1, (unsigned long long)e->tick,
                       def->populations[p].name, e->id, death_cause_name((int)e->cause));
            /* the killer: alive, or dead in this same tick */
            int kp = -1;
            if (e->other != WORLD_NO_ID) {
                int ks = world_find(w, e->other);
                kp = ks >= 0 ? world_agent_pop(w, ks) : -1;
                for (int j = 0; j < ne && kp < 0; ++j) {
                    if (evs[j].kind == EVENT_DEATH && evs[j].id == e->other) {
                        kp = evs[j].pop;
                    }
                }
            }
            if (kp >= 0) {
                buf_printf(lineage, "%u,%s\n", e->other, def->populations[kp].name);
            } else {
                buf_printf(lineage, ",\n");
            }
        }
        int before = world_agent_count(w);
        handle_births(ev, lineage);
        int after = world_agent_count(w);
        for (int s = before; s < after; ++s) {
            t.births[world_agent_pop(w, s)]++;
        }
        if (ev->observer != NULL) {
            ev->observer(ev->observer_user, w, ev->brains, ev->generation + 1, -1);
        }
    }
    /* The living count with what they did so far. */
    int n = world_agent_count(w);
    for (int s = 0; s < n; ++s) {
        AgentView a;
        world_agent(w, s, &a);
        double f = fitness_of(&def->fitness[a.pop], &a.counters, a.energy);
        tally_push(&t, a.pop, f);
        if (a.tag >= 0) {
            fame_offer(ev, a.pop, &ev->genomes[a.tag], f);
        }
    }
    compact(ev);
    double food = plant_energy_total(w);
    for (int p = 0; p < ev->pop_count; ++p) {
        PopStats *st = &stats[p];
        memset(st, 0, sizeof *st);
        int alive = world_population_size(w, p);
        st->v[STOP_FIELD_POP_COUNT] = alive;
        double *scratch = petri_alloc((size_t)(t.count[p] + 1) * sizeof(double));
        fitness_summary(t.fitness[p], t.count[p], scratch, &st->v[STOP_FIELD_FITNESS_MAX],
                        &st->v[STOP_FIELD_FITNESS_MEAN], &st->v[STOP_FIELD_FITNESS_MEDIAN]);
        petri_free(scratch, (size_t)(t.count[p] + 1) * sizeof(double));
        st->v[STOP_FIELD_BIRTHS] = t.births[p];
        st->v[STOP_FIELD_DEATHS] = t.deaths[p];
        st->v[STOP_FIELD_FOOD] = food;
        double hidden = 0.0, conns = 0.0;
        int brains = 0;
        for (int s = 0; s < world_agent_count(w); ++s) {
            int32_t tag = world_agent_tag(w, s);
            if (world_agent_pop(w, s) == p && tag >= 0) {
                double h = genome_hidden_count(&ev->genomes[tag]);
                double c = genome_enabled_count(&ev->genomes[tag]);
                hidden += h;
                conns += c;
                st->v[STOP_FIELD_HIDDEN_MAX] = fmax(st->v[STOP_FIELD_HIDDEN_MAX], h);
                st->v[STOP_FIELD_CONNS_MAX] = fmax(st->v[STOP_FIELD_CONNS_MAX], c);
                brains++;
            }
        }
        st->v[STOP_FIELD_HIDDEN_MEAN] = brains ? hidden / brains : 0.0;
        st->v[STOP_FIELD_CONNS_MEAN] = brains ? conns / brains : 0.0;
        st->v[STOP_FIELD_SPECIES] = brains ? species_count(ev, p, species, &t) : 0;
        petri_free(t.fitness[p], (size_t)t.cap[p] * sizeof(double));
    }
    ev->generation++;
    /* A population below its floor is reseeded, even when every
     * population died out: that is what the floor is for. Said aloud, not
     * started over silently; the run ends (extinction) only when nothing
     * is alive after the reseeds: no floor, or only rule-driven
     * populations (they have nothing to reseed from). */
    bool reseedable = false;
    for (int p = 0; p < ev->pop_count; ++p) {
        reseedable = reseedable || def->populations[p].controller == CONTROLLER_BRAIN;
    }
    if (world_agent_count(w) == 0 && def->evolution.floor > 0 && reseedable) {
        log_info("epoch %llu: every population died out; evolution.floor (%d) reseeds them and "
                 "the run goes on",
                 (unsigned long long)ev->generation, def->evolution.floor);
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        stats[p].v[STOP_FIELD_RESEEDS] = reseed(ev, p, lineage);
    }
}

const Genome *open_ended_champion(const Evolution *ev, int pop, double *fitness)
{
    *fitness = ev->has_best[pop] ? ev->best_fitness[pop] : 0.0;
    return ev->has_best[pop] ? &ev->best[pop] : NULL;
}

uint64_t open_ended_hash(const Evolution *ev)
{
    Hasher hs;
    hasher_init(&hs);
    hasher_u64(&hs, world_hash(ev->world));
    hasher_u64(&hs, (uint64_t)ev->genome_count);
    for (int i = 0; i < ev->genome_count; ++i) {
        genome_hash(&ev->genomes[i], &hs);
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        hasher_u64(&hs, ev->mutation_rng[p].state);
        hasher_u64(&hs, innovation_registry_next_innovation(ev->registry[p]));
        hasher_u64(&hs, innovation_registry_next_node(ev->registry[p]));
        hasher_u64(&hs, (uint64_t)ev->fame[p].count);
        for (int i = 0; i < ev->fame[p].count; ++i) {
            hasher_f64(&hs, ev->fame[p].fitness[i]);
            genome_hash(&ev->fame[p].genomes[i], &hs);
        }
    }
    return hasher_digest(&hs);
}

/* ------------------------------------------------------------ checkpoints */

/* Saved right after an epoch's compaction: brain b is genome b, so the
 * pool is rebuilt by compiling the genomes in order (recurrent state
 * starts from zero, as it does after every compaction). */
void open_ended_save(const Evolution *ev, ByteBuf *out)
{
    world_save(ev->world, out);
    buf_put_u32(out, (uint32_t)ev->genome_count);
    for (int i = 0; i < ev->genome_count; ++i) {
        genome_save_buf(&ev->genomes[i], out);
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        innovation_registry_save(ev->registry[p], out);
        buf_put_u64(out, ev->mutation_rng[p].state);
        buf_put_u64(out, ev->mutation_rng[p].inc);
        const HallOfFame *h = &ev->fame[p];
        buf_put_u32(out, (uint32_t)h->count);
        for (int i = 0; i < h->count; ++i) {
            buf_put_f64(out, h->fitness[i]);
            genome_save_buf(&h->genomes[i], out);
        }
        buf_put_u8(out, ev->has_best[p]);
        if (ev->has_best[p]) {
            buf_put_f64(out, ev->best_fitness[p]);
            genome_save_buf(&ev->best[p], out);
        }
    }
}

static PetriStatus load_genome(Genome *g, ByteReader *r, int inputs, PetriError *err)
{
    memset(g, 0, sizeof *g);
    if (genome_load_buf(g, r, err) != PETRI_OK) {
        return PETRI_EFORMAT;
    }
    if (g->inputs != inputs || g->outputs != WORLD_OUTPUTS) {
        return error_add(err, PETRI_EFORMAT,
                         "checkpoint: error: a genome has %d inputs and %d outputs, the config "
                         "gives %d and %d",
                         g->inputs, g->outputs, inputs, WORLD_OUTPUTS);
    }
    return PETRI_OK;
}

/* A (fitness, genome) pair as open_ended_save writes it. */
static PetriStatus load_scored_genome(Genome *g, double *f, ByteReader *r, int inputs,
                                      PetriError *err)
{
    memset(g, 0, sizeof *g);
    *f = 0.0;
    reader_f64(r, f);
    if (r->bad || !isfinite(*f) || load_genome(g, r, inputs, err) != PETRI_OK) {
        genome_fini(g);
        return PETRI_EFORMAT;
    }
    return PETRI_OK;
}

PetriStatus open_ended_load(Evolution *ev, ByteReader *r, PetriError *err)
{
    const RunDef *def = &ev->def;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    memcpy(pops, def->populations, sizeof pops);
    uint64_t seed = derive_seed(def->seed, 0, 0, RNG_PURPOSE_WORLD);
    World *w;
    PetriStatus s = world_load(&def->world, pops, ev->pop_count, seed, r, &w, err);
    if (s != PETRI_OK) {
        return s;
    }
    /* Open-ended runs place every agent themselves (from the mutation
     * streams), so the habitat's spawn streams never matter. */
    ev->habitat = habitat_adopt(w, seed);
    ev->world = w;
    ev->brains = habitat_brains(ev->habitat);
    for (int p = 0; p < ev->pop_count; ++p) {
        ev->registry[p] = innovation_registry_create(ev->inputs[p], WORLD_OUTPUTS);
    }
    uint32_t count = 0;
    reader_u32(r, &count);
    if (r->bad || count > (uint32_t)world_agent_count(ev->world)) {
        return error_add(err, PETRI_EFORMAT, "checkpoint: error: bad genome count");
    }
    /* The population of genome i is that of the agent tagged i. */
    int *pop_of = petri_alloc(((size_t)count + 1) * sizeof(int));
    for (uint32_t i = 0; i < count; ++i) {
        pop_of[i] = -1;
    }
    for (int slot = 0; slot < world_agent_count(ev->world); ++slot) {
        int32_t tag = world_agent_tag(ev->world, slot);
        if (tag >= 0 && (uint32_t)tag < count) {
            pop_of[tag] = world_agent_pop(ev->world, slot);
        }
    }
    for (uint32_t i = 0; i < count; ++i) {
        Genome g;
        int p = pop_of[i];
        if (p < 0) {
            petri_free(pop_of, ((size_t)count + 1) * sizeof(int));
            return error_add(err, PETRI_EFORMAT,
                             "checkpoint: error: genome %u belongs to no agent", i);
        }
        if (load_genome(&g, r, ev->inputs[p], err) != PETRI_OK) {
            genome_fini(&g);
            petri_free(pop_of, ((size_t)count + 1) * sizeof(int));
            return PETRI_EFORMAT;
        }
        brain_pool_add(ev->brains, &g);
        genome_slot_add(ev, &g);
        genome_fini(&g);
    }
    petri_free(pop_of, ((size_t)count + 1) * sizeof(int));
    /* Every agent of a brain population runs exactly one brain: tags are
     * unique (world_load checks that) and inside the pool, baselines have
     * none (world_load), and no brain agent is without one. */
    for (int slot = 0; slot < world_agent_count(ev->world); ++slot) {
        int32_t tag = world_agent_tag(ev->world, slot);
        int p = world_agent_pop(ev->world, slot);
        if (tag >= (int32_t)count) {
            return error_add(err, PETRI_EFORMAT,
                             "checkpoint: error: an agent's brain %d is missing", tag);
        }
        if (tag < 0 && def->populations[p].controller == CONTROLLER_BRAIN) {
            return error_add(err, PETRI_EFORMAT,
                             "checkpoint: error: agent %u of population '%s' has no brain",
                             world_agent_id(ev->world, slot), def->populations[p].name);
        }
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        if (innovation_registry_load(ev->registry[p], r, err) != PETRI_OK) {
            return PETRI_EFORMAT;
        }
        reader_u64(r, &ev->mutation_rng[p].state);
        reader_u64(r, &ev->mutation_rng[p].inc);
        uint32_t n = 0;
        reader_u32(r, &n);
        if (r->bad || (ev->mutation_rng[p].inc & 1u) == 0 ||
            (int64_t)n > (int64_t)def->evolution.hall_of_fame) {
            return error_add(err, PETRI_EFORMAT, "checkpoint: error: bad hall of fame");
        }
        for (uint32_t i = 0; i < n; ++i) {
            double f;
            Genome g;
            if (load_scored_genome(&g, &f, r, ev->inputs[p], err) != PETRI_OK) {
                return error_add(err, PETRI_EFORMAT, "checkpoint: error: bad hall of fame");
            }
            /* Entries were saved best first: offering them in order
             * rebuilds the same list (and the same best). */
            fame_offer(ev, p, &g, f);
            genome_fini(&g);
        }
        uint8_t has = 0;
        reader_u8(r, &has);
        if (has) {
            double f;
            Genome g;
            if (load_scored_genome(&g, &f, r, ev->inputs[p], err) != PETRI_OK) {
                return error_add(err, PETRI_EFORMAT, "checkpoint: error: bad champion");
            }
            if (ev->has_best[p]) {
                genome_fini(&ev->best[p]);
            }
            memset(&ev->best[p], 0, sizeof(Genome));
            genome_copy(&ev->best[p], &g);
            genome_fini(&g);
            ev->best_fitness[p] = f;
            ev->has_best[p] = true;
        }
    }
    if (r->bad) {
        return error_add(err, PETRI_EFORMAT, "checkpoint: error: truncated open-ended state");
    }
    return PETRI_OK;
}
