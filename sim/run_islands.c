/*
 * What the MPI islands (sim/islands_mpi.c) need of a run, apart from the
 * run API every driver uses: a namespace for new innovation and node ids,
 * the best genomes of the generation just evaluated, migrants put in place
 * of the last genomes of the next generation (noted in lineage.csv), and
 * periodic checkpoints left to the driver, so that every island writes its
 * checkpoint after the migration of that generation. Generational mode
 * only: the islands refuse an open-ended config.
 */
#include "sim/evolve_internal.h"
#include "sim/run_internal.h"

#include <string.h>

void run_set_auto_checkpoint(Run *r, bool on)
{
    r->auto_checkpoint_off = !on;
}

PetriStatus run_set_id_namespace(Run *r, int ns, PetriError *err)
{
    for (int p = 0; p < r->ev->pop_count; ++p) {
        if (r->ev->neat[p] != NULL &&
            neat_population_set_id_namespace(r->ev->neat[p], ns, err) != PETRI_OK) {
            return err->code;
        }
    }
    return PETRI_OK;
}

int run_best_genomes(const Run *r, int pop, int k, const Genome **out, int *index)
{
    if (pop < 0 || pop >= r->ev->pop_count || r->ev->neat[pop] == NULL) {
        return 0;
    }
    return neat_population_previous_best(r->ev->neat[pop], k, out, index);
}

PetriStatus run_immigrate(Run *r, int pop, const Genome *gs, int n, int from_island,
                          const int *from_index, PetriError *err)
{
    if (pop < 0 || pop >= r->ev->pop_count || r->ev->neat[pop] == NULL || n <= 0) {
        return PETRI_OK;
    }
    for (int i = 0; i < n; ++i) {
        if (gs[i].inputs != r->ev->inputs[pop] || gs[i].outputs != WORLD_OUTPUTS) {
            return error_add(err, PETRI_EFORMAT,
                             "a migrant for population '%s' has %d inputs and %d outputs, "
                             "expected %d and %d",
                             r->def.populations[pop].name, gs[i].inputs, gs[i].outputs,
                             r->ev->inputs[pop], WORLD_OUTPUTS);
        }
    }
    int slots[RUN_MIGRANTS_MAX];
    if (n > RUN_MIGRANTS_MAX) {
        n = RUN_MIGRANTS_MAX;
    }
    neat_population_replace_last(r->ev->neat[pop], gs, n, slots);
    n = n < neat_population_size(r->ev->neat[pop]) ? n : neat_population_size(r->ev->neat[pop]);
    if (r->files) {
        for (int i = 0; i < n; ++i) {
            fprintf(r->lineage, "%llu,,migrant,%s,%d,%d,,,island %d\n",
                    (unsigned long long)evolution_generation(r->ev),
                    r->def.populations[pop].name, slots[i],
                    from_index != NULL ? from_index[i] : -1, from_island);
        }
    }
    r->saved = false;
    r->dirty = true;
    return PETRI_OK;
}

bool islands_config_wanted(const char *config, const char *const *overrides, int n)
{
    RunDef *def = petri_alloc(sizeof *def);
    PetriError err;
    error_clear(&err);
    bool wanted = run_def_load(def, config, overrides, n, &err) == PETRI_OK &&
                  def->islands.migration_interval > 0;
    petri_free(def, sizeof *def);
    return wanted;
}
