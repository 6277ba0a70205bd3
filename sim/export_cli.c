/* `petri export`'s hooks: genome/ parses the command and draws the
 * genome; the names of a population's inputs and outputs come from here,
 * since only a world of the config knows which senses a population has
 * (docs/brain-io.md), and so do the champions of a run's champions logs
 * (champion_log.c). */
#include "sim/sim_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* Names for g, the champion of the log at PATH, when the log lies where
 * a run keeps it (RUNDIR/champions/generations/POP.champions) and
 * RUNDIR/config.yaml is there: those of population POP. A config that
 * cannot name them leaves them out, with a note. */
static void log_names(const char *path, const Genome *g, GenomeNames *out)
{
    static const char ext[] = ".champions", tail[] = "champions/generations";
    char dir[PATH_MAX]; /* absolute: "prey.champions" inside the folder works too */
    if (realpath(path, dir) == NULL) {
        return;
    }
    char *slash = strrchr(dir, '/');
    const char *base = slash != NULL ? slash + 1 : dir;
    size_t n = strlen(base), e = sizeof ext - 1, t = sizeof tail - 1;
    if (slash == NULL || n <= e || strcmp(base + n - e, ext) != 0) {
        return;
    }
    char pop[256];
    snprintf(pop, sizeof pop, "%.*s", (int)(n - e), base);
    *slash = '\0'; /* dir: the log's folder */
    size_t d = strlen(dir);
    if (d < t || strcmp(dir + d - t, tail) != 0 || (d > t && dir[d - t - 1] != '/')) {
        return;
    }
    char rundir[PATH_MAX];
    snprintf(rundir, sizeof rundir, "%.*s", d > t + 1 ? (int)(d - t - 1) : 0, dir);
    if (rundir[0] == '\0') {
        snprintf(rundir, sizeof rundir, "/");
    }
    char config[PATH_MAX + 16];
    snprintf(config, sizeof config, "%s/config.yaml", rundir);
    if (access(config, F_OK) != 0) {
        return;
    }
    PetriError why;
    error_clear(&why);
    if (config_names(rundir, pop, g, out, &why) != PETRI_OK) {
        fprintf(stderr, "petri export: note: the inputs and outputs stay unnamed:\n");
        error_print(&why, stderr);
    }
}

/* GenomeLogReader: a run's champions log (champion_log.c). */
static PetriStatus read_champion_log(const char *path, uint64_t generation, Genome *g,
                                     GenomeNames *names, GenomeLogSpan *span, PetriError *err)
{
    memset(span, 0, sizeof *span);
    if (!champion_log_claims(path)) {
        return PETRI_OK;
    }
    span->is_log = true;
    ChampionLog log;
    PetriStatus s = champion_log_read(&log, path, err);
    if (s != PETRI_OK) {
        return s;
    }
    span->first = log.first;
    span->count = log.count;
    span->torn = log.torn;
    if (generation != 0) {
        s = champion_log_genome(&log, generation, g, err);
        if (s == PETRI_OK && names != NULL) {
            log_names(path, g, names);
        }
    }
    champion_log_close(&log);
    return s;
}

int sim_export_main(int argc, char **argv)
{
    static const GenomeExportHooks hooks = {config_names, read_champion_log};
    return genome_export_run(argc, argv, &hooks);
}
