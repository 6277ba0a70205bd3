/* Defaults and schema rows of the genetic algorithm's settings (NeatDef).
 * The defaults are the NEAT paper's (Stanley and Miikkulainen 2002) where
 * the paper gives a value; the others are noted. */
#include "genome/genome.h"

#include <stddef.h>

NeatDef neat_default_def(void)
{
    NeatDef def = {
        .population_size = 150,
        .weight_mutate_rate = 0.8,
        .weight_perturb_rate = 0.9,
        .weight_sigma = 2.0,           /* not in the paper: tuned on XOR */
        .weight_range = 8.0,           /* not in the paper */
        .bias_mutate_rate = 0.0,       /* the paper has only the bias node */
        .bias_sigma = 0.5,
        .add_node_rate = 0.03,
        .add_conn_rate = 0.05,
        .toggle_conn_rate = 0.0,
        .activation_mutate_rate = 0.0, /* the paper has one activation */
        .allow_recurrent = false,
        .hidden_activation = ACT_NEAT_SIGMOID,
        .output_activation = ACT_NEAT_SIGMOID,
        .disabled_inherit_rate = 0.75,
        .mutate_only_rate = 0.25,
        .interspecies_rate = 0.001,
        .c1 = 1.0,
        .c2 = 1.0,
        .c3 = 0.4,
        .compat_normalize = NEAT_NORM_LARGER,
        .compat_threshold = 3.0,
        .target_species = 0,
        .threshold_step = 0.3,
        .stagnation_limit = 15,
        .population_stagnation = 0,    /* NEAT's reference code: 20 (dropoff_age + 5) */
        .population_stagnation_gain = 0.0,
        .elite_min_species_size = 5,
        .survival_rate = 0.2,          /* NEAT's reference code */
        .weight_init_sigma = 1.0,
        .weight_gene_rate = 1.0,       /* the paper: every weight of a mutating genome */
        .initial_connectivity = NEAT_INIT_FULL,
        .initial_conn_fraction = 0.1,
        .keep_champion = true,         /* NEAT's reference code */
        .trait_count = 0,
        .trait_mutate_rate = 0.1,
        .trait_sigma = 0.05,
    };
    return def;
}

#define ACTIVATION_CHOICES "identity|sigmoid|neat_sigmoid|tanh|relu|gauss|sin|abs|step"

static const ConfigRow neat_rows[] = {
    {.key = "population_size", .type = CONFIG_INT, .offset = offsetof(NeatDef, population_size),
     .min = 2, .max = 1000000, .doc = "genomes per population"},
    {.key = "weight_mutate_rate", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, weight_mutate_rate), .min = 0, .max = 1,
     .doc = "fraction of offspring whose connection weights mutate"},
    {.key = "weight_perturb_rate", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, weight_perturb_rate), .min = 0, .max = 1,
     .doc = "per weight of a mutating genome: chance to be perturbed, else replaced"},
    {.key = "weight_sigma", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, weight_sigma),
     .min = 0, .max = 100, .doc = "standard deviation of a Gaussian weight perturbation"},
    {.key = "weight_range", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, weight_range),
     .min = 0.01, .max = 1e6, .doc = "weights and biases are clamped to [-range, range]"},
    {.key = "weight_init_sigma", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, weight_init_sigma), .min = 0, .max = 100,
     .doc = "standard deviation of initial and replacement weights"},
    {.key = "weight_gene_rate", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, weight_gene_rate), .min = 0, .max = 1,
     .doc = "per connection of a genome whose weights mutate: chance that its weight changes "
            "(1: every weight, as the NEAT paper)"},
    {.key = "initial_connectivity", .type = CONFIG_CHOICE,
     .offset = offsetof(NeatDef, initial_connectivity), .choices = "full|sparse|none",
     .doc = "founders' input->output connections: all (the NEAT paper), each with "
            "initial_conn_fraction, or none"},
    {.key = "initial_conn_fraction", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, initial_conn_fraction), .min = 0, .max = 1,
     .doc = "sparse founders: chance of each input->output connection"},
    {.key = "bias_mutate_rate", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, bias_mutate_rate),
     .min = 0, .max = 1, .doc = "chance that a genome's node biases are perturbed"},
    {.key = "bias_sigma", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, bias_sigma), .min = 0,
     .max = 100, .doc = "standard deviation of a Gaussian bias perturbation"},
    {.key = "add_node_rate", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, add_node_rate),
     .min = 0, .max = 1, .doc = "chance of an add-node mutation (splits a connection)"},
    {.key = "add_conn_rate", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, add_conn_rate),
     .min = 0, .max = 1, .doc = "chance of an add-connection mutation"},
    {.key = "toggle_conn_rate", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, toggle_conn_rate),
     .min = 0, .max = 1, .doc = "chance to enable or disable one connection"},
    {.key = "activation_mutate_rate", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, activation_mutate_rate), .min = 0, .max = 1,
     .doc = "chance to change the activation of one hidden node"},
    {.key = "allow_recurrent", .type = CONFIG_BOOL, .offset = offsetof(NeatDef, allow_recurrent),
     .doc = "allow connections that close a loop (they read the previous step's value)"},
    {.key = "hidden_activation", .type = CONFIG_CHOICE,
     .offset = offsetof(NeatDef, hidden_activation), .choices = ACTIVATION_CHOICES,
     .doc = "activation of new hidden nodes"},
    {.key = "output_activation", .type = CONFIG_CHOICE,
     .offset = offsetof(NeatDef, output_activation), .choices = ACTIVATION_CHOICES,
     .doc = "activation of output nodes"},
    {.key = "disabled_inherit_rate", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, disabled_inherit_rate), .min = 0, .max = 1,
     .doc = "chance that a gene disabled in either parent stays disabled in the child"},
    {.key = "mutate_only_rate", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, mutate_only_rate),
     .min = 0, .max = 1, .doc = "fraction of offspring made by mutation without crossover"},
    {.key = "interspecies_rate", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, interspecies_rate), .min = 0, .max = 1,
     .doc = "chance that a crossover takes its second parent from another species"},
    {.key = "c1", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, c1), .min = 0, .max = 1000,
     .doc = "compatibility weight of excess genes"},
    {.key = "c2", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, c2), .min = 0, .max = 1000,
     .doc = "compatibility weight of disjoint genes"},
    {.key = "c3", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, c3), .min = 0, .max = 1000,
     .doc = "compatibility weight of the mean weight difference of matching genes"},
    {.key = "compat_normalize", .type = CONFIG_CHOICE,
     .offset = offsetof(NeatDef, compat_normalize), .choices = "larger|none",
     .doc = "divide the excess and disjoint counts by the larger genome's connection count "
            "(1 below 20: the NEAT paper) or by nothing (a new gene weighs the same in a large "
            "genome)"},
    {.key = "compat_threshold", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, compat_threshold),
     .min = 0.01, .max = 1e6, .doc = "genomes closer than this to a representative join its species"},
    {.key = "target_species", .type = CONFIG_INT, .offset = offsetof(NeatDef, target_species),
     .min = 0, .max = 100000, .doc = "move the threshold toward this many species (0: fixed threshold)"},
    {.key = "threshold_step", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, threshold_step),
     .min = 0, .max = 1000, .doc = "how far the threshold moves per generation"},
    {.key = "stagnation_limit", .type = CONFIG_INT, .offset = offsetof(NeatDef, stagnation_limit),
     .min = 1, .max = 1000000,
     .doc = "generations without improvement after which a species stops reproducing"},
    {.key = "population_stagnation", .type = CONFIG_INT,
     .offset = offsetof(NeatDef, population_stagnation), .min = 0, .max = 1000000,
     .doc = "generations without a new population best after which only the two best species "
            "reproduce, from their champions, half the offspring each; when set, the best "
            "genome's species is no longer spared by stagnation_limit (0: off)"},
    {.key = "population_stagnation_gain", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, population_stagnation_gain), .min = 0, .max = 1000,
     .doc = "how much the population's best must rise, as a fraction of its last best, to "
            "restart the population_stagnation clock (0: any rise)"},
    {.key = "elite_min_species_size", .type = CONFIG_INT,
     .offset = offsetof(NeatDef, elite_min_species_size), .min = 0, .max = 1000000,
     .doc = "a species with more members than this keeps its champion unchanged"},
    {.key = "keep_champion", .type = CONFIG_BOOL, .offset = offsetof(NeatDef, keep_champion),
     .doc = "copy the best genome of each generation unchanged, even from a small species"},
    {.key = "trait_count", .type = CONFIG_INT, .offset = offsetof(NeatDef, trait_count), .min = 0,
     .max = GENOME_MAX_TRAITS, .doc = "body traits of initial genomes, each uniform in [0, 1]"},
    {.key = "trait_mutate_rate", .type = CONFIG_FLOAT,
     .offset = offsetof(NeatDef, trait_mutate_rate), .min = 0, .max = 1,
     .doc = "chance that a genome's body traits are perturbed"},
    {.key = "trait_sigma", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, trait_sigma), .min = 0,
     .max = 1, .doc = "standard deviation of a trait perturbation (traits stay in [0, 1])"},
    {.key = "survival_rate", .type = CONFIG_FLOAT, .offset = offsetof(NeatDef, survival_rate),
     .min = 0.01, .max = 1, .doc = "fraction of each species (the fittest) allowed to breed"},
};

const ConfigRow *neat_config_rows(int *count)
{
    *count = (int)(sizeof neat_rows / sizeof neat_rows[0]);
    return neat_rows;
}
