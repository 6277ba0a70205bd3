/*
 * `petri eval`'s arithmetic and episodes.
 *
 * A champion's training fitness is one noisy score from the arenas it was
 * bred in. Here it is put back into its world on held-out seeds: every
 * agent of its population slot is a clone of it, the other evolved
 * populations are clones of their own champions, the baseline
 * populations keep their rules. The same slot is then filled with each
 * baseline rule (same body, senses, count and fitness function) on the
 * same seeds, so champion and baseline are compared seed by seed (paired
 * samples: the world's layout and food are the same for both).
 */
#include "sim/eval_internal.h"
#include "sim/evolve_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EVAL_PURPOSE (RNG_PURPOSE_USER + 9)

/* ------------------------------------------------------------ statistics */

double eval_t975(int df)
{
    /* Student's t, two-sided 95% (the 0.975 quantile), df 1..30. */
    static const double table[31] = {
        0.0,   12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
        2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
        2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
    };
    if (df < 1) {
        df = 1;
    }
    if (df <= 30) {
        return table[df];
    }
    /* Cornish-Fisher expansion of t around the normal quantile z. */
    const double z = 1.959963984540054;
    double z2 = z * z, n = (double)df;
    double g1 = (z2 + 1.0) * z / 4.0;
    double g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    double g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    double g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    return z + g1 / n + g2 / (n * n) + g3 / (n * n * n) + g4 / (n * n * n * n);
}

EvalInterval eval_interval(const double *x, int n)
{
    EvalInterval r = {0};
    r.n = n;
    if (n <= 0) {
        return r;
    }
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
        sum += x[i];
    }
    r.mean = sum / n;
    double ss = 0.0;
    for (int i = 0; i < n; ++i) {
        ss += (x[i] - r.mean) * (x[i] - r.mean);
    }
    r.sd = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    double half = n > 1 ? eval_t975(n - 1) * r.sd / sqrt((double)n) : 0.0;
    r.lo = r.mean - half;
    r.hi = r.mean + half;
    return r;
}

EvalInterval eval_paired_diff(const double *a, const double *b, int n)
{
    double *d = petri_alloc((size_t)(n > 0 ? n : 1) * sizeof *d);
    for (int i = 0; i < n; ++i) {
        d[i] = a[i] - b[i];
    }
    EvalInterval r = eval_interval(d, n);
    petri_free(d, (size_t)(n > 0 ? n : 1) * sizeof *d);
    return r;
}

uint64_t eval_seed(uint64_t run_seed, int k)
{
    return derive_seed(run_seed, (uint64_t)k, 0, EVAL_PURPOSE);
}

/* ------------------------------------------------------------ episodes */

typedef struct EpisodeTally {
    int slot;
    const FitnessDef *fitness;
    double fit, food, survival, kills;
    int dead;
} EpisodeTally;

static void add_agent(EpisodeTally *t, const AgentCounters *c, double energy)
{
    t->fit += fitness_of(t->fitness, c, energy);
    double eaten = c->energy_plants + c->energy_meat;
    t->food += c->ticks_alive > 0 ? eaten / (double)c->ticks_alive : 0.0;
    t->kills += (double)c->kills;
}

static void tally_deaths(void *user, const World *w, const WorldEvent *evs, int count)
{
    (void)w;
    EpisodeTally *t = user;
    for (int i = 0; i < count; ++i) {
        if (evs[i].kind == EVENT_DEATH && evs[i].pop == t->slot) {
            add_agent(t, &evs[i].counters, 0.0);
            t->dead++;
        }
    }
}

void eval_episode(const RunDef *def, int slot, int controller, const Genome *const *slot_genomes,
                  int slot_count, const Genome *const *others, uint64_t seed, EvalMetrics *out)
{
    PetriError err;
    error_clear(&err);
    WorldDef wd = def->world;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    memcpy(pops, def->populations, sizeof pops);
    pops[slot].controller = controller;
    Habitat *h;
    if (habitat_create(&wd, pops, def->population_count, seed, &h, &err) != PETRI_OK) {
        /* the run's own settings with a rule in one slot: cannot fail */
        error_print(&err, stderr);
        abort();
    }
    for (int p = 0; p < def->population_count; ++p) {
        int count = pops[p].count;
        if (p == slot) {
            habitat_populate(h, p, controller == CONTROLLER_BRAIN ? slot_genomes : NULL,
                             controller == CONTROLLER_BRAIN ? slot_count : 0, count);
        } else if (pops[p].controller == CONTROLLER_BRAIN) {
            habitat_populate(h, p, &others[p], 1, count);
        } else {
            habitat_populate(h, p, NULL, 0, count);
        }
    }
    EpisodeTally t = {.slot = slot, .fitness = &def->fitness[slot]};
    habitat_set_event_sink(h, tally_deaths, &t);
    World *w = habitat_world(h);
    for (int k = 0; k < def->evolution.episode_ticks && world_agent_count(w) > 0; ++k) {
        habitat_step(h, 1);
    }
    int n = world_agent_count(w), alive = 0;
    for (int s = 0; s < n; ++s) {
        AgentView a;
        world_agent(w, s, &a);
        if (a.pop == slot && !a.dead) {
            add_agent(&t, &a.counters, a.energy);
            alive++;
        }
    }
    int agents = pops[slot].count > 0 ? pops[slot].count : 1;
    out->fitness = t.fit / agents;
    out->food_per_tick = t.food / agents;
    out->survival = (double)alive / agents;
    out->kills = t.kills / agents;
    habitat_destroy(h);
}

/* ------------------------------------------------------------ every population */

typedef struct AllTally {
    const RunDef *def;
    double fit[WORLD_MAX_POPULATIONS], food[WORLD_MAX_POPULATIONS];
    double kills[WORLD_MAX_POPULATIONS];
} AllTally;

static void all_add(AllTally *t, int p, const AgentCounters *c, double energy)
{
    t->fit[p] += fitness_of(&t->def->fitness[p], c, energy);
    double eaten = c->energy_plants + c->energy_meat;
    t->food[p] += c->ticks_alive > 0 ? eaten / (double)c->ticks_alive : 0.0;
    t->kills[p] += (double)c->kills;
}

static void all_deaths(void *user, const World *w, const WorldEvent *evs, int count)
{
    (void)w;
    AllTally *t = user;
    for (int i = 0; i < count; ++i) {
        if (evs[i].kind == EVENT_DEATH && evs[i].pop >= 0 &&
            evs[i].pop < t->def->population_count) {
            all_add(t, evs[i].pop, &evs[i].counters, 0.0);
        }
    }
}

void eval_episode_all(const RunDef *def, const Genome *const *genomes, uint64_t seed,
                      EvalMetrics *out)
{
    PetriError err;
    error_clear(&err);
    WorldDef wd = def->world;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    memcpy(pops, def->populations, sizeof pops);
    Habitat *h;
    if (habitat_create(&wd, pops, def->population_count, seed, &h, &err) != PETRI_OK) {
        /* the run's own settings: cannot fail */
        error_print(&err, stderr);
        abort();
    }
    for (int p = 0; p < def->population_count; ++p) {
        bool brain = pops[p].controller == CONTROLLER_BRAIN;
        habitat_populate(h, p, brain ? &genomes[p] : NULL, brain ? 1 : 0, pops[p].count);
    }
    AllTally t = {.def = def};
    habitat_set_event_sink(h, all_deaths, &t);
    World *w = habitat_world(h);
    for (int k = 0; k < def->evolution.episode_ticks && world_agent_count(w) > 0; ++k) {
        habitat_step(h, 1);
    }
    int alive[WORLD_MAX_POPULATIONS] = {0};
    int n = world_agent_count(w);
    for (int s = 0; s < n; ++s) {
        AgentView a;
        world_agent(w, s, &a);
        if (!a.dead && a.pop >= 0 && a.pop < def->population_count) {
            all_add(&t, a.pop, &a.counters, a.energy);
            alive[a.pop]++;
        }
    }
    for (int p = 0; p < def->population_count; ++p) {
        int agents = pops[p].count > 0 ? pops[p].count : 1;
        out[p].fitness = t.fit[p] / agents;
        out[p].food_per_tick = t.food[p] / agents;
        out[p].survival = (double)alive[p] / agents;
        out[p].kills = t.kills[p] / agents;
    }
    habitat_destroy(h);
}
