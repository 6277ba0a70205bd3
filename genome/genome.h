/*
 * genome: the heritable description and the genetic algorithm over it.
 *
 * A genome is a list of node genes and a list of connection genes, both kept
 * sorted (nodes by id, connections by innovation id) so that crossover and
 * compatibility distance are linear merges. Node ids: inputs are
 * 0..inputs-1, the bias node is `inputs`, outputs follow
 * (inputs+1 .. inputs+outputs), hidden nodes get ids from the innovation
 * registry.
 *
 * The population engine (NEAT: speciation, fitness sharing, stagnation,
 * elitism, crossover, mutation) also lives here.
 */
#ifndef PETRI_GENOME_H
#define PETRI_GENOME_H

#include "core/core.h"

typedef enum NodeKind { NODE_INPUT = 0, NODE_BIAS, NODE_HIDDEN, NODE_OUTPUT } NodeKind;

typedef enum Activation {
    ACT_IDENTITY = 0,
    ACT_SIGMOID,      /* 1/(1+exp(-x)) */
    ACT_NEAT_SIGMOID, /* 1/(1+exp(-4.9x)) */
    ACT_TANH,
    ACT_RELU,
    ACT_GAUSS,        /* exp(-x^2) */
    ACT_SIN,
    ACT_ABS,
    ACT_STEP,         /* 1 if x > 0 else 0 */
    ACT_COUNT
} Activation;

const char *activation_name(Activation a);
/* Returns ACT_COUNT for an unknown name. */
Activation activation_from_name(const char *name);
/* Reference (double precision) activation. */
double activation_apply(Activation a, double x);

typedef struct NodeGene {
    uint32_t id;
    uint8_t kind;       /* NodeKind */
    uint8_t activation; /* Activation */
    float bias;
} NodeGene;

typedef struct ConnGene {
    uint32_t innovation;
    uint32_t from, to;  /* node ids */
    float weight;
    uint8_t enabled;
} ConnGene;

#define GENOME_MAX_TRAITS 8

typedef struct Genome {
    NodeGene *nodes;    /* sorted by id */
    int node_count, node_cap;
    ConnGene *conns;    /* sorted by innovation */
    int conn_count, conn_cap;
    int inputs, outputs;
    int trait_count;                 /* body traits, each in [0, 1] */
    float traits[GENOME_MAX_TRAITS];
} Genome;

/* Settings of the genetic algorithm; defaults are the NEAT paper's. */
typedef struct NeatDef {
    int population_size;
    /* mutation */
    double weight_mutate_rate;     /* fraction of offspring whose weights mutate: 0.8 */
    double weight_perturb_rate;    /* per weight: perturb 0.9, else replace */
    double weight_sigma;           /* Gaussian perturbation sigma */
    double weight_range;           /* |weight| clamp and replacement range */
    double bias_mutate_rate;
    double bias_sigma;
    double add_node_rate;          /* 0.03 */
    double add_conn_rate;          /* 0.05 */
    double toggle_conn_rate;
    double activation_mutate_rate;
    bool allow_recurrent;
    int hidden_activation;         /* Activation for new hidden nodes */
    int output_activation;         /* Activation of output nodes */
    /* crossover and speciation */
    double disabled_inherit_rate;  /* 0.75 */
    double mutate_only_rate;       /* 0.25 */
    double interspecies_rate;      /* 0.001 */
    double c1, c2, c3;             /* 1.0, 1.0, 0.4 */
    double compat_threshold;       /* 3.0 */
    int target_species;            /* 0: fixed threshold */
    double threshold_step;         /* 0.3 */
    int stagnation_limit;          /* 15 */
    int elite_min_species_size;    /* champion copied when species has > this: 5 */
    double survival_rate;          /* fraction of each species allowed to breed */
} NeatDef;

NeatDef neat_default_def(void);
/* Schema rows for NeatDef (offsets inside NeatDef). */
const ConfigRow *neat_config_rows(int *count);

/* Hands out innovation ids and hidden node ids. Within one generation the
 * same structural change (same from/to, or the same connection split) gets
 * the same ids; callers mutate children in child order, serially, so ids
 * never depend on threads. */
typedef struct InnovationRegistry InnovationRegistry;

/* ---- lifetime */
void genome_init(Genome *g, int inputs, int outputs);
void genome_fini(Genome *g);
void genome_copy(Genome *dst, const Genome *src); /* dst initialised or zeroed */

/* A random genome of the given shape: inputs + bias + outputs, `hidden`
 * hidden nodes and up to `conns` enabled connections (feed-forward unless
 * recurrent is set), weights and biases drawn from rng. Used by benchmarks
 * and tests; node ids and innovations are local to the genome. */
void genome_init_random(Genome *g, int inputs, int outputs, int hidden, int conns,
                        bool recurrent, Pcg32 *rng);

/* `petri export GENOME --json|--dot [-o FILE]` */
int genome_export_main(int argc, char **argv);

#endif
