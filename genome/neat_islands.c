/*
 * What islands need of a NEAT population: a namespace for its new
 * innovation and node ids, and the best genomes of the generation just
 * evaluated, to send to the next island.
 *
 * Right after neat_population_epoch the evaluated generation is still in
 * pop->next (the two arrays swap) with its cleaned fitness in pop->fit;
 * both are scratch that the next epoch overwrites, and neither is saved,
 * so the best genomes can be read only between an epoch and the next
 * evaluation. Callers (the MPI islands) read them right after a step.
 */
#include "genome/genome_internal.h"

#include <stdlib.h>

PetriStatus neat_population_set_id_namespace(NeatPopulation *pop, int ns, PetriError *err)
{
    return innovation_registry_set_namespace(pop->reg, ns, err);
}

int neat_population_previous_best(const NeatPopulation *pop, int k, const Genome **out,
                                  int *index)
{
    if (pop->generation == 0 || k <= 0) {
        return 0; /* no epoch yet: nothing was evaluated and bred from */
    }
    int n = k < pop->size ? k : pop->size;
    /* Selection of the n best, by fitness then by index: n is small. */
    for (int j = 0; j < n; ++j) {
        int best = -1;
        for (int i = 0; i < pop->size; ++i) {
            bool taken = false;
            for (int t = 0; t < j && !taken; ++t) {
                taken = index[t] == i;
            }
            if (!taken && (best < 0 || pop->fit[i] > pop->fit[best])) {
                best = i;
            }
        }
        index[j] = best;
        out[j] = &pop->next[best];
    }
    return n;
}

void neat_population_replace_last(NeatPopulation *pop, const Genome *gs, int n, int *slots)
{
    if (n > pop->size) {
        n = pop->size;
    }
    for (int i = 0; i < n; ++i) {
        int slot = pop->size - n + i;
        genome_copy(&pop->genomes[slot], &gs[i]);
        innovation_registry_observe(pop->reg, &gs[i]);
        if (slots != NULL) {
            slots[i] = slot;
        }
    }
}
