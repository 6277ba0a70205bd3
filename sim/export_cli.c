/* `petri export` with a config: genome/ parses the command and draws the
 * genome; the names of a population's inputs and outputs come from here,
 * since only a world of the config knows which senses a population has
 * (docs/brain-io.md). */
#include "sim/sim.h"

#include <string.h>
#include <sys/stat.h>

PetriStatus run_def_genome_names(const RunDef *def, int pop, GenomeNames *out, PetriError *err)
{
    genome_names_fini(out);
    if (pop < 0 || pop >= def->population_count) {
        return error_add(err, PETRI_EINTERNAL, "error: no population %d (the config has %d)", pop,
                         def->population_count);
    }
    WorldDef wd = def->world;
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    memcpy(pops, def->populations, sizeof pops);
    World *probe; /* a world only to read its input layout */
    PetriStatus s = world_create(&wd, pops, def->population_count, def->seed, &probe, err);
    if (s != PETRI_OK) {
        return s;
    }
    genome_names_resize(out, world_input_count(probe, pop), WORLD_OUTPUTS);
    for (int i = 0; i < out->inputs; ++i) {
        world_input_name(probe, pop, i, out->name[i], GENOME_NAME_CAP);
    }
    for (int k = 0; k < out->outputs; ++k) {
        world_output_name(probe, pop, k, out->name[out->inputs + k], GENOME_NAME_CAP);
    }
    world_destroy(probe);
    return PETRI_OK;
}

/* The population that --pop names, or without it the one population the
 * config evolves; -1 with the reason in err. */
static int choose_pop(const RunDef *def, const char *path, const char *pop, PetriError *err)
{
    char list[WORLD_MAX_POPULATIONS * 40] = "";
    int brains = 0, brain = -1;
    for (int p = 0; p < def->population_count; ++p) {
        const char *name = def->populations[p].name;
        if (pop != NULL && strcmp(pop, name) == 0) {
            return p;
        }
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", p ? ", " : "", name);
        if (def->populations[p].controller == CONTROLLER_BRAIN) {
            ++brains;
            brain = p;
        }
    }
    if (pop != NULL) {
        error_add(err, PETRI_EUSAGE, "%s: error: no population '%s' (it has %s)", path, pop,
                  list);
        return -1;
    }
    if (brains != 1) {
        error_add(err, PETRI_EUSAGE,
                  "%s: error: %d populations evolve brains (populations: %s): choose one with "
                  "--pop NAME",
                  path, brains, list);
        return -1;
    }
    return brain;
}

/* GenomeNamer: names for g from population pop of CONFIG (or of
 * RUNDIR/config.yaml), refused when the shapes differ. */
static PetriStatus config_names(const char *config, const char *pop, const Genome *g,
                                GenomeNames *out, PetriError *err)
{
    char path[1200];
    struct stat st;
    if (stat(config, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(path, sizeof path, "%s/config.yaml", config);
    } else {
        snprintf(path, sizeof path, "%s", config);
    }
    RunDef def;
    PetriStatus s = run_def_load(&def, path, NULL, 0, err);
    if (s != PETRI_OK) {
        return s;
    }
    int p = choose_pop(&def, path, pop, err);
    if (p < 0) {
        return PETRI_EUSAGE;
    }
    s = run_def_genome_names(&def, p, out, err);
    if (s != PETRI_OK) {
        return s;
    }
    if (out->inputs != g->inputs || out->outputs != g->outputs) {
        s = error_add(err, PETRI_EFORMAT,
                      "%s: error: the genome has %d inputs and %d outputs, but population '%s' "
                      "has %d inputs and %d outputs (its senses set the inputs): not a genome "
                      "of this population",
                      path, g->inputs, g->outputs, def.populations[p].name, out->inputs,
                      out->outputs);
        genome_names_fini(out);
    }
    return s;
}

int sim_export_main(int argc, char **argv)
{
    return genome_export_run(argc, argv, config_names);
}
