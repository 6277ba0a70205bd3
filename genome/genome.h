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

/* How founders are wired: every input and the bias node to every output
 * (the NEAT paper), each of those connections with initial_conn_fraction,
 * or none (structure comes only from add-connection mutations). */
typedef enum NeatInitConn { NEAT_INIT_FULL = 0, NEAT_INIT_SPARSE, NEAT_INIT_NONE } NeatInitConn;

/* What the excess and disjoint counts of the distance are divided by:
 * the larger genome's connection count, 1 below 20 (the paper and NEAT's
 * reference code), or nothing, so that one new node or connection weighs
 * the same in a genome of 300 genes as in one of 10. */
typedef enum NeatCompatNorm { NEAT_NORM_LARGER = 0, NEAT_NORM_NONE } NeatCompatNorm;

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
    int compat_normalize;          /* NeatCompatNorm: how E and D are normalised */
    double compat_threshold;       /* 3.0 */
    int target_species;            /* 0: fixed threshold */
    double threshold_step;         /* 0.3 */
    int stagnation_limit;          /* 15 */
    int population_stagnation;     /* generations without a new population best before
                                    * only the two best species reproduce (0: off) */
    double population_stagnation_gain; /* relative rise of the population's best that restarts
                                        * that clock (0: any rise, as NEAT's reference code) */
    int elite_min_species_size;    /* champion copied when species has > this: 5 */
    double survival_rate;          /* fraction of each species allowed to breed */
    double weight_init_sigma;      /* sigma of initial and replacement weights */
    double weight_gene_rate;       /* per connection of a mutating genome: chance its weight
                                      changes (1: every weight, as the paper) */
    int initial_connectivity;      /* NeatInitConn of founders: full (the paper), sparse, none */
    double initial_conn_fraction;  /* sparse: chance of each input->output connection */
    bool keep_champion;            /* the generation's best genome is always copied */
    /* body traits (each in [0, 1]; none unless trait_count > 0) */
    int trait_count;               /* traits of initial genomes, drawn uniformly */
    double trait_mutate_rate;      /* chance that a genome's traits are perturbed */
    double trait_sigma;            /* Gaussian perturbation, then clamped to [0, 1] */
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
/* A genome with only its fixed nodes: inputs 0..inputs-1 and the bias
 * node (identity), outputs (neat_sigmoid, bias 0); no connection. The
 * caller owns g; genome_fini frees its arrays (safe on a zeroed genome). */
void genome_init(Genome *g, int inputs, int outputs);
void genome_fini(Genome *g);
/* Deep copy reusing dst's arrays; dst initialised or zeroed. */
void genome_copy(Genome *dst, const Genome *src);

/* A random genome of the given shape: inputs + bias + outputs, `hidden`
 * hidden nodes and up to `conns` enabled connections (feed-forward unless
 * recurrent is set; recurrent ones include self-loops), drawn from rng:
 * weights uniform in [-2, 2], hidden and output biases uniform in [-1, 1],
 * hidden and output activations uniform over all of them. Used by
 * benchmarks and tests; node ids and innovations are local to the genome. */
void genome_init_random(Genome *g, int inputs, int outputs, int hidden, int conns,
                        bool recurrent, Pcg32 *rng);

/* Minimal NEAT genome: no hidden node; every input and the bias node
 * connected to every output (def->initial_connectivity full), each such
 * connection present with def->initial_conn_fraction (sparse), or none.
 * Innovation of the connection from node f (0..inputs) to output k
 * (0..outputs-1) is f * outputs + k, the same in every genome of this
 * shape (add-connection mutations reuse it); weights from
 * N(0, def->weight_init_sigma), biases 0, output activation
 * def->output_activation, def->trait_count traits uniform in [0, 1]. */
void genome_init_minimal(Genome *g, int inputs, int outputs, const NeatDef *def, Pcg32 *rng);

/* ---- queries */
/* Index of node `id` in g->nodes, or -1 (binary search). */
int genome_find_node(const Genome *g, uint32_t id);
/* Index of the connection from -> to in g->conns, or -1 (linear scan). */
int genome_find_conn(const Genome *g, uint32_t from, uint32_t to);
int genome_hidden_count(const Genome *g);
int genome_enabled_count(const Genome *g);
/* Hash of everything heritable (shape, nodes, connections, traits). */
void genome_hash(const Genome *g, Hasher *hs);

/* Structural validity: counts and capacities consistent, inputs, bias and
 * outputs present with the fixed ids and kinds, nodes strictly sorted by
 * id, connections strictly sorted by innovation, no duplicate from->to, no
 * dangling node id, targets never an input or the bias node, enums in
 * range, floats finite. With allow_recurrent false also no cycle among
 * all connections (enabled and disabled). Returns PETRI_OK or
 * PETRI_EFORMAT with one line in err saying what is wrong (err may be NULL). */
PetriStatus genome_check(const Genome *g, bool allow_recurrent, PetriError *err);
/* genome_check with cycles allowed. */
PetriStatus genome_validate(const Genome *g, PetriError *err);
/* True when the connections (enabled and disabled) have no cycle. */
bool genome_is_acyclic(const Genome *g);

/* The evaluation order every evaluator follows (docs/genome-format.md).
 * Enabled connections are taken in array (innovation) order; one is
 * recurrent when it is a self-loop or when the enabled connections accepted
 * before it already hold a path from its target to its source; the others
 * are feed-forward. Nodes are then ordered topologically over the
 * feed-forward connections, ties going to the lower node index (Kahn's
 * algorithm with a min-heap). Writes node_order[g->node_count] (indices
 * into g->nodes) and conn_recurrent[g->conn_count] (1 for an enabled
 * recurrent connection, else 0). Allocates scratch internally. */
void genome_eval_order(const Genome *g, int *node_order, uint8_t *conn_recurrent);

/* ---- innovations and mutation */
InnovationRegistry *innovation_registry_create(int inputs, int outputs);
void innovation_registry_destroy(InnovationRegistry *reg);
/* Starts a new generation: forgets the cache of this generation's changes. */
void innovation_registry_next_generation(InnovationRegistry *reg);
/* Makes sure ids handed out later are above every id used in g (for
 * genomes loaded from files or made elsewhere) that lies in the
 * registry's namespace; ids of other namespaces (migrants from other
 * islands) are left to their own registries. */
void innovation_registry_observe(InnovationRegistry *reg, const Genome *g);
/* Islands: ids of island k are handed out from k * SPAN on, so no two
 * islands give one id to different genes (the ids of minimal genomes,
 * below the span, are common to all). Namespace 0 is a plain run. */
#define INNOVATION_NAMESPACE_SPAN (1u << 25)
#define INNOVATION_NAMESPACES 64
PetriStatus innovation_registry_set_namespace(InnovationRegistry *reg, int ns, PetriError *err);
uint32_t innovation_registry_next_innovation(const InnovationRegistry *reg);
uint32_t innovation_registry_next_node(const InnovationRegistry *reg);
void innovation_registry_save(const InnovationRegistry *reg, ByteBuf *out);
PetriStatus innovation_registry_load(InnovationRegistry *reg, ByteReader *r, PetriError *err);

/* One NEAT mutation step (as NEAT's reference code): add a node with
 * add_node_rate, else add a connection with add_conn_rate, else the
 * non-structural mutations (weights with weight_mutate_rate, then toggle,
 * activation, bias each with its rate). Then, for a genome with traits,
 * the traits with trait_mutate_rate. Keeps g valid. */
void genome_mutate(Genome *g, const NeatDef *def, InnovationRegistry *reg, Pcg32 *rng);
/* Each weight (each with weight_gene_rate when it is below 1) perturbed
 * by N(0, weight_sigma) with weight_perturb_rate, else replaced by
 * N(0, weight_init_sigma); clamped to +-weight_range. */
void genome_mutate_weights(Genome *g, const NeatDef *def, Pcg32 *rng);
/* Perturbs each hidden and output bias by N(0, bias_sigma), clamped. */
void genome_mutate_biases(Genome *g, const NeatDef *def, Pcg32 *rng);
/* Splits a random enabled connection a->b (one not from the bias node
 * when there is one, as NEAT's reference code does: a node fed only by the
 * bias is a constant): disables it, adds node n and connections a->n
 * (weight 1) and n->b (the old weight). False when there is no enabled
 * connection. */
bool genome_mutate_add_node(Genome *g, const NeatDef *def, InnovationRegistry *reg, Pcg32 *rng);
/* Adds a new connection between two random nodes (a few tries), never a
 * duplicate, never into an input or the bias node, and never closing a
 * cycle unless def->allow_recurrent. False when no place was found. */
bool genome_mutate_add_conn(Genome *g, const NeatDef *def, InnovationRegistry *reg, Pcg32 *rng);
/* Flips the enabled flag of a random connection. */
bool genome_mutate_toggle(Genome *g, Pcg32 *rng);
/* Gives a random hidden node a different random activation. */
bool genome_mutate_activation(Genome *g, Pcg32 *rng);
/* Perturbs every trait by N(0, trait_sigma), clamped to [0, 1]. */
void genome_mutate_traits(Genome *g, const NeatDef *def, Pcg32 *rng);

/* Crossover of aligned genes. The child's structure is the fitter
 * parent's (disjoint and excess genes come from it); matching genes take
 * weight and enabled flag from either parent at random; a gene disabled in
 * either parent is disabled in the child with disabled_inherit_rate.
 * Matching hidden nodes take activation and bias from either parent.
 * child must be initialised (or zeroed); it is overwritten. */
void genome_crossover(Genome *child, const Genome *fitter, const Genome *other,
                      const NeatDef *def, Pcg32 *rng);
/* c1*E/N + c2*D/N + c3*W: E excess and D disjoint connection genes, W the
 * mean absolute weight difference of matching genes, N the connection
 * count of the larger genome (N = 1 when both have fewer than 20 genes,
 * as in NEAT's reference code), or N = 1 always with compat_normalize
 * none. */
double genome_distance(const Genome *a, const Genome *b, const NeatDef *def);

/* ---- names of inputs and outputs (docs/genome-format.md, docs/brain-io.md)
 * A genome knows how many inputs and outputs it has, not what they mean:
 * that depends on where it lives (a world population's senses, a task).
 * Names travel beside the genome, in its JSON and DOT files; never in the
 * binary file, the hash or anything heritable. A name is 1 to 31 of the
 * characters A-Z a-z 0-9 . _ - + : / ( ) [ ]. */
#define GENOME_NAME_CAP 32
typedef struct GenomeNames {
    int inputs, outputs;           /* 0 and 0: no names */
    char (*name)[GENOME_NAME_CAP]; /* inputs first, then outputs */
} GenomeNames;

/* Zeroed names (none); fini frees them. */
void genome_names_init(GenomeNames *n);
void genome_names_fini(GenomeNames *n);
/* Room for inputs + outputs names, each "". */
void genome_names_resize(GenomeNames *n, int inputs, int outputs);
bool genome_names_present(const GenomeNames *n); /* false for NULL */
/* Name of input i or output k, or NULL when there are none. */
const char *genome_names_input(const GenomeNames *n, int i);
const char *genome_names_output(const GenomeNames *n, int k);
bool genome_name_valid(const char *s);
/* PETRI_OK when n names exactly g's inputs and outputs, each name valid;
 * else PETRI_EFORMAT with the counts of both, prefixed with `where`
 * (err may be NULL). */
PetriStatus genome_names_check(const GenomeNames *n, const Genome *g, const char *where,
                               PetriError *err);

/* ---- files (docs/genome-format.md) */
/* Binary payload only (no header, no CRC): for containers such as
 * checkpoints. The loader checks every count, id, enum and float. g must
 * be initialised (or zeroed); on failure it is left empty but valid to fini. */
void genome_save_buf(const Genome *g, ByteBuf *out);
PetriStatus genome_load_buf(Genome *g, ByteReader *r, PetriError *err);
/* Binary file: "PTRG", u32 version, u32 payload length, payload, u32 CRC32
 * of everything before it. Written atomically. */
PetriStatus genome_save(const Genome *g, const char *path, PetriError *err);
PetriStatus genome_load(Genome *g, const char *path, PetriError *err);
/* JSON: the "petri-genome" format. Version 1 without names; with names
 * that fit g (genome_names_check), version 2, which gives each input and
 * output node a "name". */
void genome_write_json(const Genome *g, ByteBuf *out);
void genome_write_json_named(const Genome *g, const GenomeNames *names, ByteBuf *out);
/* Parses JSON text (version 1 or 2); name is used in error messages. The
 * _named form also returns the names the file holds (none: 0 and 0);
 * names may be NULL. */
PetriStatus genome_parse_json(Genome *g, const char *text, size_t len, const char *name,
                              PetriError *err);
PetriStatus genome_parse_json_named(Genome *g, GenomeNames *names, const char *text, size_t len,
                                    const char *name, PetriError *err);
PetriStatus genome_save_json(const Genome *g, const char *path, PetriError *err);
PetriStatus genome_save_json_named(const Genome *g, const GenomeNames *names, const char *path,
                                   PetriError *err);
PetriStatus genome_load_json(Genome *g, const char *path, PetriError *err);

/* Graphviz DOT, drawn to stay readable for a brain of a hundred inputs:
 * inputs in one rank on the left, outputs in one on the right, hidden
 * nodes between; edge width grows with |weight|, blue positive, red
 * negative. By default disabled connections and those with |weight| below
 * min_weight are left out, and so are inputs and hidden nodes left with
 * no drawn connection; a note at the bottom counts what was left out. */
#define GENOME_DOT_MIN_WEIGHT 0.5
typedef struct GenomeDotOptions {
    const GenomeNames *names; /* NULL or none: "in 3", "out 1" */
    bool all;                 /* also disabled connections, and every input and hidden node */
    double min_weight;        /* enabled connections below |weight| are left out */
} GenomeDotOptions;
/* No names, not all, GENOME_DOT_MIN_WEIGHT. */
GenomeDotOptions genome_dot_default_options(void);
void genome_write_dot(const Genome *g, ByteBuf *out);
void genome_write_dot_with(const Genome *g, const GenomeDotOptions *opt, ByteBuf *out);
PetriStatus genome_save_dot(const Genome *g, const char *path, PetriError *err);
PetriStatus genome_save_dot_with(const Genome *g, const GenomeDotOptions *opt, const char *path,
                                 PetriError *err);
/* Loads a binary or JSON genome (detected from the first bytes); the
 * _named form also returns a JSON file's names (names may be NULL). */
PetriStatus genome_load_any(Genome *g, const char *path, PetriError *err);
PetriStatus genome_load_any_named(Genome *g, GenomeNames *names, const char *path,
                                  PetriError *err);

/* ---- the population engine (NEAT) */
typedef struct NeatPopulation NeatPopulation;

/* Fitness of genome `index`; higher is better; called in parallel. */
typedef double (*NeatEvalFn)(const Genome *g, int index, void *ctx);

typedef struct NeatStats {
    int generation;            /* epochs done so far (0 for the first population) */
    uint64_t evaluations;      /* fitness values gathered so far, this generation included
                                  once it has been evaluated */
    int species_count;
    int best_index;            /* best genome of the current generation */
    double best_fitness;
    double mean_fitness;
    double best_ever_fitness;  /* over all generations evaluated */
    double mean_hidden_nodes;
    double mean_enabled_conns;
    double compat_threshold;
} NeatStats;

/* A population of def->population_size minimal genomes with random
 * weights, speciated. The def is copied. Random draws come from streams
 * derived from seed. */
NeatPopulation *neat_population_create(const NeatDef *def, int inputs, int outputs,
                                       uint64_t seed);
void neat_population_destroy(NeatPopulation *pop);
int neat_population_size(const NeatPopulation *pop);
const NeatDef *neat_population_def(const NeatPopulation *pop);
/* Takes the mutation rates of def (weights, biases, structure, activations:
 * the keys a running run may change) for the epochs to come; every other
 * setting stays as the population was made with. */
void neat_population_set_rates(NeatPopulation *pop, const NeatDef *def);
const Genome *neat_population_genome(const NeatPopulation *pop, int index);
/* Replaces genome `index` (for seeding from files or a hall of fame);
 * g must have the population's shape and be valid for its def. */
void neat_population_set_genome(NeatPopulation *pop, int index, const Genome *g);
/* Fitness slots: evaluate fills them, or an external evaluator sets them. */
double neat_population_fitness(const NeatPopulation *pop, int index);
void neat_population_set_fitness(NeatPopulation *pop, int index, double fitness);
/* Species id of genome `index` (ids are serial, never reused). */
uint32_t neat_population_species_of(const NeatPopulation *pop, int index);

typedef struct NeatSpeciesInfo {
    uint32_t id;
    int size;             /* members in the current generation */
    int created;          /* generation it was founded in */
    int last_improved;    /* generation its best fitness last rose */
    double best_fitness;  /* best fitness of a member so far (-DBL_MAX: none yet) */
} NeatSpeciesInfo;
/* The current species, by id: fills out[0 .. min(count, cap)) and returns
 * the count (call with cap 0 to size the array). */
int neat_population_species(const NeatPopulation *pop, NeatSpeciesInfo *out, int cap);
/* Calls fn for every genome in parallel (OpenMP, schedule(dynamic)) and
 * stores each result in its own slot; fn must be thread-safe and must not
 * depend on which thread runs it. */
void neat_population_evaluate(NeatPopulation *pop, NeatEvalFn fn, void *ctx);
/* Makes the next generation from the fitness slots: fitness sharing,
 * stagnation, elitism, offspring counts, selection, crossover, mutation
 * (serially in child order), speciation, threshold moving. Fitness slots
 * are reset to 0. Bit-identical for a given seed at any thread count. */
void neat_population_epoch(NeatPopulation *pop);
/* Statistics of the current generation (fitness as currently set). */
NeatStats neat_population_stats(const NeatPopulation *pop);
/* Parents of genome `index` of the current generation, as indices into
 * the previous generation: a is the parent that gave the structure (or
 * the one copied), b the other parent of a crossover or -1. Both are -1 in
 * the first generation and after a load. */
void neat_population_parents(const NeatPopulation *pop, int index, int *a, int *b);
/* The best genome evaluated so far (NULL before the first epoch or
 * evaluate) and its fitness. */
const Genome *neat_population_best_ever(const NeatPopulation *pop, double *fitness);
/* Islands (genome/neat_islands.c). New innovation and node ids of this
 * population from namespace ns (see innovation_registry_set_namespace). */
PetriStatus neat_population_set_id_namespace(NeatPopulation *pop, int ns, PetriError *err);
/* The k best genomes (by fitness, then index) of the generation that the
 * last epoch bred from, best first, with their indices in it. Valid only
 * between an epoch and the next evaluation (a resumed population has none
 * until its first epoch: returns 0). Returns how many (<= k). */
int neat_population_previous_best(const NeatPopulation *pop, int k, const Genome **out,
                                  int *index);
/* Puts gs[n] (migrants) in place of the last n genomes of the generation
 * to evaluate, the slots they took in slots[n] (may be NULL). Between an
 * epoch and the next evaluation. */
void neat_population_replace_last(NeatPopulation *pop, const Genome *gs, int n, int *slots);
/* Hash of the whole state (genomes, fitness, species, rng, counters). */
uint64_t neat_population_hash(const NeatPopulation *pop);
/* Whole state for checkpoints. Loading takes the def of the run; loading
 * then continuing gives exactly what never stopping gives. */
void neat_population_save(const NeatPopulation *pop, ByteBuf *out);
NeatPopulation *neat_population_load(const NeatDef *def, ByteReader *r, PetriError *err);

/* `petri export GENOME|LOG --json|--dot|--bin`. genome/ knows neither
 * configs nor run folders, so sim/ lends it two hooks; a NULL hook
 * refuses what it serves.
 *
 * namer: with --config, the names of population `pop` (NULL: let the
 * namer choose) of the config at `config` for g. */
typedef PetriStatus (*GenomeNamer)(const char *config, const char *pop, const Genome *g,
                                   GenomeNames *out, PetriError *err);
/* What a champions log (RUNDIR/champions/generations/POP.champions) holds. */
typedef struct GenomeLogSpan {
    bool is_log;           /* false: PATH is something else (a genome, or unreadable) */
    uint64_t first, count; /* its generations: first .. first + count - 1 */
    bool torn;             /* bytes follow the last intact record */
} GenomeLogSpan;
/* read_log: fills span for PATH (is_log false, PETRI_OK, when it is not a
 * log); and when generation is not 0 and the log holds it, loads that
 * generation's champion into g (initialised) and, names not NULL, the
 * names of its population from the run folder the log lies in (none when
 * the log lies elsewhere). A log that is damaged before its first record
 * is an error naming PATH. */
typedef PetriStatus (*GenomeLogReader)(const char *path, uint64_t generation, Genome *g,
                                       GenomeNames *names, GenomeLogSpan *span,
                                       PetriError *err);
typedef struct GenomeExportHooks {
    GenomeNamer namer;        /* --config */
    GenomeLogReader read_log; /* LOG --generation N */
} GenomeExportHooks;
/* The command; hooks may be NULL (neither). Returns the exit code. */
int genome_export_run(int argc, char **argv, const GenomeExportHooks *hooks);
int genome_export_main(int argc, char **argv);

#endif
