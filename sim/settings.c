/*
 * The settings of a run: RunDef's defaults, the one schema assembled from
 * every module's rows, and loading (defaults, then the file, then each
 * --set override in order, then the checks that need several keys).
 */
#include "sim/sim.h"

#include <stddef.h>
#include <string.h>

static PopulationDef population_item_default;

RunDef run_default_def(void)
{
    RunDef def;
    /* Zero every byte, padding included, so that equal settings are equal
     * bytes (the round-trip test compares structs with memcmp). */
    memset(&def, 0, sizeof def);
    snprintf(def.name, sizeof def.name, "%s", "default");
    def.seed = 1;
    def.world = world_default_def();
    /* Every slot, used or not, holds the item default: the bytes a
     * config's list leaves there (see CONFIG_LIST in core.h). */
    run_schema();
    for (int i = 0; i < WORLD_MAX_POPULATIONS; ++i) {
        memcpy(&def.populations[i], &population_item_default, sizeof def.populations[i]);
    }
    def.population_count = 1;
    def.evolution.mode = EVOLUTION_GENERATIONAL;
    def.evolution.generations = 100;
    def.neat = neat_default_def();
    snprintf(def.output.dir, sizeof def.output.dir, "%s", "runs");
    return def;
}

/* ---------------------------------------------------------------- schema */

static const ConfigRow evolution_rows[] = {
    {.key = "mode", .type = CONFIG_CHOICE, .offset = offsetof(EvolutionDef, mode),
     .choices = "generational|open_ended",
     .doc = "generational: populations are evaluated in episodes and bred by NEAT each "
            "generation; open_ended: one persistent world where agents reproduce"},
    {.key = "generations", .type = CONFIG_INT, .offset = offsetof(EvolutionDef, generations),
     .min = 1, .max = 1000000000, .doc = "generations to run (epochs in open-ended mode)"},
};

static const ConfigRow output_rows[] = {
    {.key = "dir", .type = CONFIG_STRING, .offset = offsetof(OutputDef, dir),
     .max = sizeof(((OutputDef *)0)->dir),
     .doc = "folder that holds run folders: a run writes DIR/NAME (--out overrides it)"},
};

enum { ROOT_ROWS = 3, SECTIONS = 6 };

/* Built on first use: the rows of other modules come from functions. */
static ConfigRow root_rows[ROOT_ROWS];
static ConfigSection population_section;
static ConfigSection sections[SECTIONS];
static ConfigSchema schema;
static bool schema_ready;

/* The item default with every byte set, padding included (see
 * run_default_def). */
static PopulationDef population_item(void)
{
    PopulationDef p;
    memset(&p, 0, sizeof p);
    p = population_default_def();
    return p;
}

static void schema_build(void)
{
    population_item_default = population_item();
    population_section = (ConfigSection){
        .prefix = "",
        .offset = 0,
        .doc = "one population of agents",
    };
    population_section.rows = population_config_rows(&population_section.row_count);

    root_rows[0] = (ConfigRow){
        .key = "name", .type = CONFIG_STRING, .offset = offsetof(RunDef, name),
        .max = sizeof(((RunDef *)0)->name),
        .doc = "name of the run: its folder is output.dir/NAME; letters, digits, '-', '_' "
               "and '.'"};
    root_rows[1] = (ConfigRow){
        .key = "seed", .type = CONFIG_U64, .offset = offsetof(RunDef, seed),
        .doc = "seed of every random stream: the same config and seed give the same run"};
    root_rows[2] = (ConfigRow){
        .key = "populations", .type = CONFIG_LIST, .offset = offsetof(RunDef, populations),
        .min = 1, .max = WORLD_MAX_POPULATIONS,
        .doc = "the populations that share the world (prey, predators, ...); a list in a "
               "file replaces the default list",
        .item = &population_section, .item_size = sizeof(PopulationDef),
        .count_offset = offsetof(RunDef, population_count),
        .item_default = &population_item_default};

    int n = 0;
    sections[n++] = (ConfigSection){.prefix = "", .offset = 0, .rows = root_rows,
                                    .row_count = ROOT_ROWS, .doc = "The run as a whole."};
    sections[n] = (ConfigSection){.prefix = "world", .offset = offsetof(RunDef, world),
                                  .doc = "The 2D world: its size, edges, food and obstacles."};
    sections[n].rows = world_config_rows(&sections[n].row_count);
    n++;
    sections[n++] = (ConfigSection){
        .prefix = "evolution", .offset = offsetof(RunDef, evolution), .rows = evolution_rows,
        .row_count = (int)(sizeof evolution_rows / sizeof evolution_rows[0]),
        .doc = "How the populations evolve."};
    sections[n] = (ConfigSection){
        .prefix = "neat", .offset = offsetof(RunDef, neat),
        .doc = "The genetic algorithm (NEAT): mutation, crossover, speciation. Defaults are "
               "the NEAT paper's."};
    sections[n].rows = neat_config_rows(&sections[n].row_count);
    n++;
    sections[n++] = (ConfigSection){
        .prefix = "output", .offset = offsetof(RunDef, output), .rows = output_rows,
        .row_count = (int)(sizeof output_rows / sizeof output_rows[0]),
        .doc = "Where a run writes its files."};
    schema.sections = sections;
    schema.section_count = n;
}

const ConfigSchema *run_schema(void)
{
    /* Built once, from the main thread, before any parallel code runs. */
    if (!schema_ready) {
        schema_build();
        schema_ready = true;
    }
    return &schema;
}

/* ------------------------------------------------------------- checks */

/* A name that becomes part of a file or folder name. */
static bool name_is_safe(const char *s)
{
    if (s[0] == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
        return false;
    }
    for (; *s != '\0'; ++s) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* What needs several keys at once. `where` names the config (the file, or
 * "--set" when only overrides were given). */
static PetriStatus run_def_check(const RunDef *def, const char *where, PetriError *err)
{
    PetriStatus status = PETRI_OK;
    if (!name_is_safe(def->name)) {
        status = error_at(err, PETRI_ECONFIG, where, 0, 0,
                          "'name' must be a non-empty name of letters, digits, '-', '_' and "
                          "'.' (it names the run folder), got '%s'",
                          def->name);
    }
    if (def->output.dir[0] == '\0') {
        status = error_at(err, PETRI_ECONFIG, where, 0, 0,
                          "'output.dir' must not be empty (use \".\" for the current folder)");
    }
    for (int i = 0; i < def->population_count; ++i) {
        const char *name = def->populations[i].name;
        if (!name_is_safe(name)) {
            status = error_at(err, PETRI_ECONFIG, where, 0, 0,
                              "'populations.%d.name' must be a non-empty name of letters, "
                              "digits, '-', '_' and '.' (it names files and statistics), got '%s'",
                              i, name);
            continue;
        }
        for (int j = 0; j < i; ++j) {
            if (strcmp(def->populations[j].name, name) == 0) {
                status = error_at(err, PETRI_ECONFIG, where, 0, 0,
                                  "'populations.%d.name' repeats the name '%s' of "
                                  "'populations.%d.name'; population names must be unique",
                                  i, name, j);
                break;
            }
        }
    }
    return status;
}

PetriStatus run_def_load(RunDef *def, const char *path, const char *const *overrides,
                         int override_count, PetriError *err)
{
    *def = run_default_def();
    const ConfigSchema *s = run_schema();
    PetriStatus status = PETRI_OK;
    /* The checks of several keys run after the file and again after each
     * override, so that a problem is blamed on what brought it in. Once
     * one is found they stop (one cause is enough); overrides are still
     * applied so that their own errors are reported too. */
    bool checking = true;
    if (path != NULL) {
        status = config_load(s, def, path, err);
        checking = status == PETRI_OK && run_def_check(def, path, err) == PETRI_OK;
        if (!checking && status == PETRI_OK) {
            status = PETRI_ECONFIG;
        }
    }
    for (int i = 0; i < override_count; ++i) {
        PetriStatus st = config_apply_override(s, def, overrides[i], err);
        if (st == PETRI_OK && checking) {
            char where[320];
            snprintf(where, sizeof where, "--set %.300s", overrides[i]);
            st = run_def_check(def, where, err);
            checking = st == PETRI_OK;
        } else if (st != PETRI_OK) {
            checking = false;
        }
        if (status == PETRI_OK) {
            status = st;
        }
    }
    if (path == NULL && override_count == 0) {
        status = run_def_check(def, "defaults", err);
    }
    return status;
}
