/* The Evolution struct, shared by the two evolution modes (sim/evolve.c,
 * sim/open_ended.c) and the tests. */
#ifndef PETRI_EVOLVE_INTERNAL_H
#define PETRI_EVOLVE_INTERNAL_H

#include "brain/brain.h"
#include "sim/sim_internal.h"

/* Open-ended mode: the best genomes of a population, kept for reseeding. */
typedef struct HallOfFame {
    Genome *genomes;
    double *fitness;
    int count, cap;
} HallOfFame;

/* Behaviour descriptors (generational mode, sim/evolve.c): world units
 * moved per tick, energy eaten per tick, share of the episode alive,
 * kills k as k / (k + 1); each averaged over a genome's episodes. */
enum { BEHAVIOUR_DIMS = 4, NOVELTY_K = 10 };

/* The descriptors of a population's earlier generation champions, in
 * generation order: the archive a champion's novelty is measured against.
 * Part of the checkpoint, so that a resumed run's novelty column repeats. */
typedef struct NoveltyArchive {
    double *desc; /* [count * BEHAVIOUR_DIMS] */
    int count, cap;
} NoveltyArchive;

/* The novelty of descriptor d against archive[n * BEHAVIOUR_DIMS]: the
 * mean Euclidean distance to its k nearest (all n when n < k); 0 when the
 * archive is empty. Distances are summed nearest first: deterministic. */
double novelty_score(const double *archive, int n, const double *d, int k);
void novelty_archive_add(NoveltyArchive *a, const double *d);
void novelty_archive_fini(NoveltyArchive *a);

struct Evolution {
    RunDef def;
    int pop_count;
    int inputs[WORLD_MAX_POPULATIONS];  /* input row length of each population */
    int offset[WORLD_MAX_POPULATIONS];  /* generational: first global genome index */
    int total;                          /* generational: genomes of all populations */
    uint64_t generation;                /* generations (or epochs) completed */
    /* generational */
    NeatPopulation *neat[WORLD_MAX_POPULATIONS]; /* NULL for baseline populations */
    /* the champion chosen by re-evaluation (evolve_retest.c): its training
     * fitness, its mean over the fresh episodes, and its generation */
    Genome chosen[WORLD_MAX_POPULATIONS];
    double chosen_train[WORLD_MAX_POPULATIONS], chosen_retest[WORLD_MAX_POPULATIONS];
    uint64_t chosen_generation[WORLD_MAX_POPULATIONS];
    bool has_chosen[WORLD_MAX_POPULATIONS];
    /* the best genome of the generation just evaluated, by training
     * fitness (before breeding): what CIAO plays (champions/generations/) */
    Genome gen_best[WORLD_MAX_POPULATIONS];
    bool has_gen_best[WORLD_MAX_POPULATIONS];
    NoveltyArchive novelty[WORLD_MAX_POPULATIONS];
    /* open-ended */
    Habitat *habitat;       /* the persistent world and its brains */
    World *world;           /* habitat_world(habitat) */
    BrainPool *brains;      /* habitat_brains(habitat): brain b is the agent tagged b */
    Genome *genomes;        /* genomes[b]: the genome of brain b */
    int genome_count, genome_cap;
    InnovationRegistry *registry[WORLD_MAX_POPULATIONS];
    Pcg32 mutation_rng[WORLD_MAX_POPULATIONS];
    HallOfFame fame[WORLD_MAX_POPULATIONS];
    double best_fitness[WORLD_MAX_POPULATIONS];
    Genome best[WORLD_MAX_POPULATIONS];
    bool has_best[WORLD_MAX_POPULATIONS];
    /* Sees every tick of episode 0 (generational) or of the world. */
    EvolutionObserver observer;
    void *observer_user;
};

/* Fitness of an agent from its counters (energy_final: energy left). */
double fitness_of(const FitnessDef *f, const AgentCounters *c, double energy_final);
/* Plant energy in the world, summed in cell order. */
double plant_energy_total(const World *w);
/* A seed for (a, b, purpose) derived from the run seed. */
uint64_t derive_seed(uint64_t seed, uint64_t a, uint64_t b, uint32_t purpose);
/* max, mean and median of fit[n] (scratch holds n doubles). */
void fitness_summary(const double *fit, int n, double *scratch, double *max, double *mean,
                     double *median);

/* Champions by re-evaluation (generational mode, sim/evolve_retest.c):
 * every checkpoint_every generations, the top RETEST_CANDIDATES genomes
 * of population p by this generation's fitness (fit[], the population's
 * slice) and the champion chosen before are each put, as clones, into
 * RETEST_EPISODES fresh episodes; the best mean becomes the champion.
 * Called before the population breeds. */
enum { RETEST_CANDIDATES = 3, RETEST_EPISODES = 3 };
void evolution_retest(Evolution *ev, int p, const double *const *fit);
/* Its part of the state: saved after everything else, optional on load
 * (checkpoints from before it have none). */
void evolution_retest_save(const Evolution *ev, ByteBuf *out);
PetriStatus evolution_retest_load(Evolution *ev, ByteReader *r, PetriError *err);
void evolution_retest_hash(const Evolution *ev, Hasher *hs);
/* The novelty archives: saved after the champions' state, optional on
 * load (older checkpoints have none: the archive starts empty). */
void evolution_novelty_save(const Evolution *ev, ByteBuf *out);
PetriStatus evolution_novelty_load(Evolution *ev, ByteReader *r, PetriError *err);

PetriStatus open_ended_create(Evolution *ev, PetriError *err);
void open_ended_fini(Evolution *ev);
void open_ended_step(Evolution *ev, PopStats *stats, ByteBuf *lineage, ByteBuf *species);
const Genome *open_ended_champion(const Evolution *ev, int pop, double *fitness);
uint64_t open_ended_hash(const Evolution *ev);
void open_ended_save(const Evolution *ev, ByteBuf *out);
PetriStatus open_ended_load(Evolution *ev, ByteReader *r, PetriError *err);
/* Births of genomes gs[n] of population pop at free places. */
void open_ended_inject(Evolution *ev, int pop, const Genome *gs, int n);

#endif
