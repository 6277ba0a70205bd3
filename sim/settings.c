/*
 * The settings of a run: RunDef's defaults, the one schema assembled from
 * every module's rows, and loading (defaults, then the file, then each
 * --set override in order, then the checks that need several keys).
 *
 * Checks that need several keys come in three kinds. Those attached to a
 * row (ConfigRow.check: unique population names, a stop condition naming
 * real populations) run inside the config engine, which knows where the
 * value was written and so gives a located error. run_def_check repeats
 * what must hold whatever set it and is blamed on the file or the
 * override that brought the problem in. The rules between keys and the
 * world as a whole (settings_limits.c: sizes, speeds, ranges, obstacles,
 * memory) run once everything is in, each located at the key set last
 * among those it involves, from the origins the engine notes.
 *
 * A population appended without a name (`--set populations.1.count=5`)
 * takes pop1, pop2, ... when the item default 'prey' is taken.
 */
#include "sim/sim_internal.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

/* Item defaults of the populations list, and of its parallel fitness
 * array; filled when the schema is built. */
static PopulationDef population_item_default;
static FitnessDef fitness_item_default;

static FitnessDef fitness_default_def(void)
{
    FitnessDef f;
    memset(&f, 0, sizeof f);
    /* Energy gathered: the simplest measure of doing well in the world. */
    f.energy_plants = 1.0;
    f.energy_meat = 1.0;
    return f;
}

RunDef run_default_def(void)
{
    RunDef def;
    /* Zero every byte, padding included, so that equal settings are equal
     * bytes wherever this file decides them. */
    memset(&def, 0, sizeof def);
    snprintf(def.name, sizeof def.name, "%s", "default");
    def.seed = 1;
    def.world = world_default_def();
    /* Every slot, used or not, holds the item default: the bytes a
     * config's list leaves there (see CONFIG_LIST in core.h). */
    run_schema();
    for (int i = 0; i < WORLD_MAX_POPULATIONS; ++i) {
        memcpy(&def.populations[i], &population_item_default, sizeof def.populations[i]);
        memcpy(&def.fitness[i], &fitness_item_default, sizeof def.fitness[i]);
    }
    def.population_count = 1;
    def.islands.migrants = 2;
    def.evolution.mode = EVOLUTION_GENERATIONAL;
    def.evolution.generations = 100;
    def.evolution.episodes = 2;
    def.evolution.episode_ticks = 400;
    def.evolution.epoch_ticks = 1000;
    def.evolution.checkpoint_every = 10;
    def.evolution.max_wall_s = 0.0;
    def.evolution.stop_when[0] = '\0';
    def.evolution.reproduction = REPRODUCTION_ASEXUAL;
    def.evolution.mate_range = 8.0;
    def.evolution.birth_energy = 0.5;
    def.evolution.floor = 10;
    def.evolution.hall_of_fame = 20;
    def.neat = neat_default_def();
    /* The world reads every output in [-1, 1]: turn left or right, thrust
     * forward or back, and eat, attack and reproduce only above 0. The
     * NEAT paper's sigmoid (0 to 1) would leave an agent always turning
     * one way and always attacking, so a world's brains answer in tanh. */
    def.neat.output_activation = ACT_TANH;
    /* World brains are large (a 42-input prey starts with 258
     * connections): each child changes about a tenth of its weights by a
     * small step, where the paper's defaults (tuned on 10-gene XOR nets)
     * change every weight by sigma 2; a new gene counts whole in the
     * distance (divided by 258 it vanished and every run had one
     * species); and the threshold moves toward 8 species. Measured in
     * docs/benchmarks.md ("NEAT in the worlds"). */
    def.neat.weight_gene_rate = 0.1;
    def.neat.weight_sigma = 0.5;
    def.neat.compat_normalize = NEAT_NORM_NONE;
    def.neat.target_species = 8;
    snprintf(def.output.dir, sizeof def.output.dir, "%s", "runs");
    return def;
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

#define NAME_RULE "a non-empty name of letters, digits, '-', '_' and '.'"

static bool check_run_name(const void *settings, const void *field, char *why, size_t cap)
{
    (void)settings;
    if (name_is_safe(field)) {
        return true;
    }
    snprintf(why, cap, "must be " NAME_RULE " (it names the run folder), got '%.64s'",
             (const char *)field);
    return false;
}

static bool check_output_dir(const void *settings, const void *field, char *why, size_t cap)
{
    (void)settings;
    if (((const char *)field)[0] != '\0') {
        return true;
    }
    snprintf(why, cap, "must not be empty (use \".\" for the current folder)");
    return false;
}

/* Population i's name: safe for file names and unique among the
 * populations before it (so that of two equal names the later one is
 * blamed). */
static bool population_name_ok(const RunDef *def, int i, char *why, size_t cap)
{
    const char *name = def->populations[i].name;
    if (!name_is_safe(name)) {
        snprintf(why, cap, "must be " NAME_RULE " (it names files and statistics), got '%.32s'",
                 name);
        return false;
    }
    for (int j = 0; j < i; ++j) {
        if (strcmp(def->populations[j].name, name) == 0) {
            snprintf(why, cap,
                     "repeats the name '%.32s' of 'populations.%d.name'; population names "
                     "must be unique",
                     name, j);
            return false;
        }
    }
    return true;
}

static bool check_population_name(const void *settings, const void *field, char *why,
                                  size_t cap)
{
    const RunDef *def = settings;
    size_t at = (size_t)((const char *)field - (const char *)def->populations);
    int i = (int)(at / sizeof(PopulationDef));
    if (i >= def->population_count) {
        return true; /* an unused slot */
    }
    return population_name_ok(def, i, why, cap);
}

/* The stop condition compiles against the population names. */
static bool check_stop_when(const void *settings, const void *field, char *why, size_t cap)
{
    const RunDef *def = settings;
    const char *names[WORLD_MAX_POPULATIONS];
    for (int i = 0; i < def->population_count; ++i) {
        names[i] = def->populations[i].name;
    }
    StopExpr expr;
    PetriError err;
    error_clear(&err);
    if (stop_compile(&expr, field, names, def->population_count, "@", &err) == PETRI_OK) {
        return true;
    }
    /* stop_compile writes "@: error: 'stop.when' MESSAGE"; keep MESSAGE. */
    const char *msg = strstr(err.msg, "'stop.when' ");
    msg = msg != NULL ? msg + strlen("'stop.when' ") : err.msg;
    snprintf(why, cap, "%.*s", (int)strcspn(msg, "\n"), msg);
    return false;
}

/* What must hold however it was set. `where` names what is blamed. */
static PetriStatus run_def_check(const RunDef *def, const char *where, PetriError *err)
{
    PetriStatus status = PETRI_OK;
    char why[512];
    if (!check_run_name(def, def->name, why, sizeof why)) {
        status = error_at(err, PETRI_ECONFIG, where, 0, 0, "'name' %s", why);
    }
    if (!check_output_dir(def, def->output.dir, why, sizeof why)) {
        status = error_at(err, PETRI_ECONFIG, where, 0, 0, "'output.dir' %s", why);
    }
    for (int i = 0; i < def->population_count; ++i) {
        if (!population_name_ok(def, i, why, sizeof why)) {
            status = error_at(err, PETRI_ECONFIG, where, 0, 0, "'populations.%d.name' %s", i, why);
        }
    }
    if (status == PETRI_OK && !check_stop_when(def, def->evolution.stop_when, why, sizeof why)) {
        status = error_at(err, PETRI_ECONFIG, where, 0, 0, "'stop.when' %s", why);
    }
    return status;
}

/* ---------------------------------------------------------------- schema */

static const ConfigRow evolution_rows[] = {
    {.key = "mode", .type = CONFIG_CHOICE, .offset = offsetof(EvolutionDef, mode),
     .choices = "generational|open_ended",
     .doc = "generational: populations are evaluated in episodes and bred by NEAT each "
            "generation; open_ended: one persistent world where agents reproduce"},
    {.key = "generations", .type = CONFIG_INT, .offset = offsetof(EvolutionDef, generations),
     .min = 1, .max = 1000000000, .doc = "generations to run (epochs in open-ended mode)"},
    {.key = "episodes", .type = CONFIG_INT, .offset = offsetof(EvolutionDef, episodes), .min = 1,
     .max = 10000,
     .doc = "generational: arenas per generation; each genome's fitness is averaged over them"},
    {.key = "episode_ticks", .type = CONFIG_INT, .offset = offsetof(EvolutionDef, episode_ticks),
     .min = 1, .max = 100000000, .doc = "generational: ticks of one episode"},
    {.key = "epoch_ticks", .type = CONFIG_INT, .offset = offsetof(EvolutionDef, epoch_ticks),
     .min = 1, .max = 100000000,
     .doc = "open_ended: ticks of one epoch (statistics and checkpoints come every epoch)"},
    {.key = "checkpoint_every", .type = CONFIG_INT,
     .offset = offsetof(EvolutionDef, checkpoint_every), .min = 1, .max = 1000000000,
     .doc = "generations (or epochs) between checkpoints; one is also written at the end and on "
            "SIGINT, SIGTERM and SIGUSR1"},
    {.key = "reproduction", .type = CONFIG_CHOICE,
     .offset = offsetof(EvolutionDef, reproduction), .choices = "asexual|sexual",
     .doc = "open_ended: a parent alone with mutation, or with a nearby mate of its population"},
    {.key = "mate_range", .type = CONFIG_FLOAT, .offset = offsetof(EvolutionDef, mate_range),
     .min = 0, .max = 1e6, .doc = "open_ended, sexual: how near a mate must be, world units"},
    {.key = "birth_energy", .type = CONFIG_FLOAT, .offset = offsetof(EvolutionDef, birth_energy),
     .min = 0, .max = 1, .doc = "open_ended: fraction of the parent's energy given to a child"},
    {.key = "floor", .type = CONFIG_INT, .offset = offsetof(EvolutionDef, floor), .min = 0,
     .max = 1000000,
     .doc = "open_ended: fewest agents of a population before it is reseeded from its hall of "
            "fame"},
    {.key = "hall_of_fame", .type = CONFIG_INT, .offset = offsetof(EvolutionDef, hall_of_fame),
     .min = 1, .max = 10000, .doc = "open_ended: best genomes kept per population for reseeding"},
};

static const ConfigRow stop_rows[] = {
    {.key = "when", .type = CONFIG_STRING, .offset = offsetof(EvolutionDef, stop_when),
     .max = sizeof(((EvolutionDef *)0)->stop_when), .check = check_stop_when,
     .doc = "stop when this holds, e.g. \"prey.fitness_max >= 400 or generation >= 300\"; "
            "empty: never"},
    {.key = "max_wall_s", .type = CONFIG_FLOAT, .offset = offsetof(EvolutionDef, max_wall_s),
     .min = 0, .max = 1e9, .doc = "stop after this many seconds of wall-clock time; 0: no limit"},
};

#define FITNESS_ROW(field, text)                                                                \
    {.key = #field, .type = CONFIG_FLOAT, .offset = offsetof(FitnessDef, field), .min = -1e6,   \
     .max = 1e6, .doc = text}

static const ConfigRow fitness_rows[] = {
    FITNESS_ROW(energy_plants, "weight of the energy digested from plants"),
    FITNESS_ROW(energy_meat, "weight of the energy digested from meat"),
    FITNESS_ROW(ticks_alive, "weight of the ticks the agent lived"),
    FITNESS_ROW(distance, "weight of the distance travelled, world units"),
    FITNESS_ROW(damage, "weight of the damage dealt to others"),
    FITNESS_ROW(kills, "weight of the agents killed"),
    FITNESS_ROW(offspring, "weight of the children born (open_ended)"),
    FITNESS_ROW(energy_final, "weight of the energy left at the end of the episode"),
};

static const ConfigRow output_rows[] = {
    {.key = "dir", .type = CONFIG_STRING, .offset = offsetof(OutputDef, dir),
     .max = sizeof(((OutputDef *)0)->dir), .check = check_output_dir,
     .doc = "folder that holds run folders: a run writes DIR/NAME (--out overrides it)"},
};

/* An islands config runs under MPI, in generational mode. */
static bool check_islands(const void *settings, const void *field, char *why, size_t cap)
{
    const RunDef *def = settings;
    if (*(const int *)field == 0) {
        return true;
    }
#if !PETRI_MPI
    (void)def;
    snprintf(why, cap,
             "makes this an islands config, but this petri was built without MPI: build it "
             "with `make MPI=1` (`make deps MPI=1` installs Open MPI) and start it with "
             "`mpirun -np K petri run CONFIG`");
    return false;
#else
    if (def->evolution.mode != EVOLUTION_GENERATIONAL) {
        snprintf(why, cap, "needs evolution.mode: generational (islands trade genomes between "
                           "generations)");
        return false;
    }
    return true;
#endif
}

static const ConfigRow islands_rows[] = {
    {.key = "migration_interval", .type = CONFIG_INT,
     .offset = offsetof(IslandsDef, migration_interval), .min = 0, .max = 1000000,
     .check = check_islands,
     .doc = "islands (mpirun -np K, an MPI build): generations between migrations of the best "
            "genomes around the ring of islands; 0: not an islands config"},
    {.key = "migrants", .type = CONFIG_INT, .offset = offsetof(IslandsDef, migrants), .min = 1,
     .max = RUN_MIGRANTS_MAX,
     .doc = "islands: best genomes of each population sent to the next island at each migration"},
};

enum { ROOT_ROWS = 3, SECTIONS = 8, POPULATION_ROWS_MAX = 128, NEAT_ROWS_MAX = 128 };

static const ConfigRetired retired_keys[] = {
    {"neat.population_size",
     "in a world run each population's size is its count; set 'populations.N.count' "
     "instead"},
};

/* Built on first use: the rows of other modules come from functions. */
static ConfigRow root_rows[ROOT_ROWS];
static ConfigRow population_rows[POPULATION_ROWS_MAX];
static ConfigRow neat_rows[NEAT_ROWS_MAX];
static ConfigSection population_section;
static ConfigSection fitness_section;
static ConfigSection sections[SECTIONS];
static ConfigSchema schema;
static pthread_once_t schema_once = PTHREAD_ONCE_INIT;

static void schema_build(void)
{
    /* Item defaults with every byte set, padding included. */
    memset(&population_item_default, 0, sizeof population_item_default);
    population_item_default = population_default_def();
    fitness_item_default = fitness_default_def();

    /* The world's population rows, copied so that the name gets its check. */
    int count = 0;
    const ConfigRow *rows = population_config_rows(&count);
    if (count > POPULATION_ROWS_MAX) {
        count = POPULATION_ROWS_MAX;
    }
    for (int i = 0; i < count; ++i) {
        population_rows[i] = rows[i];
        if (strcmp(rows[i].key, "name") == 0 && rows[i].check == NULL) {
            population_rows[i].check = check_population_name;
        }
    }
    population_section = (ConfigSection){
        .prefix = "", .offset = 0, .rows = population_rows, .row_count = count,
        .doc = "one population of agents"};
    fitness_section = (ConfigSection){
        .prefix = "fitness", .offset = 0, .rows = fitness_rows,
        .row_count = (int)(sizeof fitness_rows / sizeof fitness_rows[0]),
        .doc = "fitness of an agent: a weighted sum of its counters"};

    root_rows[0] = (ConfigRow){
        .key = "name", .type = CONFIG_STRING, .offset = offsetof(RunDef, name),
        .max = sizeof(((RunDef *)0)->name), .check = check_run_name,
        .doc = "name of the run: its folder is output.dir/NAME; letters, digits, '-', '_' "
               "and '.'"};
    root_rows[1] = (ConfigRow){
        .key = "seed", .type = CONFIG_U64, .offset = offsetof(RunDef, seed),
        .doc = "seed of every random stream: the same config and seed give the same run"};
    root_rows[2] = (ConfigRow){
        .key = "populations", .type = CONFIG_LIST, .offset = offsetof(RunDef, populations),
        .min = 1, .max = WORLD_MAX_POPULATIONS,
        .doc = "the populations that share the world (prey, predators, ...); a list in a "
               "file replaces the default list; an item without a name takes pop1, pop2, ... "
               "when 'prey' is taken",
        .item = &population_section, .item_size = sizeof(PopulationDef),
        .count_offset = offsetof(RunDef, population_count),
        .item_default = &population_item_default,
        .item_extra = &fitness_section, .item_extra_offset = offsetof(RunDef, fitness),
        .item_extra_size = sizeof(FitnessDef), .item_extra_default = &fitness_item_default};

    int n = 0;
    sections[n++] = (ConfigSection){.prefix = "", .offset = 0, .rows = root_rows,
                                    .row_count = ROOT_ROWS, .doc = "The run as a whole."};
    sections[n] = (ConfigSection){.prefix = "world", .offset = offsetof(RunDef, world),
                                  .doc = "The 2D world: its size, edges, food and obstacles. Keys that meet the "
                                         "world's size are checked against it (each key says "
                                         "its limit), and so is memory: a config whose world, "
                                         "agents and brains need more than 16 GiB, estimated "
                                         "from their sizes at the start, is refused with the "
                                         "keys that make it large."};
    sections[n].rows = world_config_rows(&sections[n].row_count);
    n++;
    sections[n++] = (ConfigSection){
        .prefix = "evolution", .offset = offsetof(RunDef, evolution), .rows = evolution_rows,
        .row_count = (int)(sizeof evolution_rows / sizeof evolution_rows[0]),
        .doc = "How the populations evolve."};
    sections[n++] = (ConfigSection){
        .prefix = "stop", .offset = offsetof(RunDef, evolution), .rows = stop_rows,
        .row_count = (int)(sizeof stop_rows / sizeof stop_rows[0]),
        .doc = "When a run ends before evolution.generations: a condition on the statistics "
               "(fields of stats.csv as POPULATION.FIELD, and generation, wall_s), or a time "
               "limit."};
    sections[n] = (ConfigSection){
        .prefix = "neat", .offset = offsetof(RunDef, neat),
        .doc = "The genetic algorithm (NEAT): mutation, crossover, speciation. Defaults are "
               "the NEAT paper's."};
    /* neat.population_size has no say in a world run (each population's
     * count is its size): the row is left out, and named as retired so
     * that a file or --set that sets it hears why. */
    int neat_count = 0;
    const ConfigRow *neat = neat_config_rows(&neat_count);
    int kept = 0;
    for (int i = 0; i < neat_count && kept < NEAT_ROWS_MAX; ++i) {
        if (strcmp(neat[i].key, "population_size") != 0) {
            neat_rows[kept++] = neat[i];
        }
    }
    sections[n].rows = neat_rows;
    sections[n].row_count = kept;
    n++;
    sections[n++] = (ConfigSection){
        .prefix = "output", .offset = offsetof(RunDef, output), .rows = output_rows,
        .row_count = (int)(sizeof output_rows / sizeof output_rows[0]),
        .doc = "Where a run writes its files."};
    sections[n++] = (ConfigSection){
        .prefix = "islands", .offset = offsetof(RunDef, islands), .rows = islands_rows,
        .row_count = (int)(sizeof islands_rows / sizeof islands_rows[0]),
        .doc = "Islands over MPI: K runs (one per MPI rank) that trade their best genomes "
               "around a ring (docs/cluster.md)."};
    schema.sections = sections;
    schema.section_count = n;
    schema.retired = retired_keys;
    schema.retired_count = (int)(sizeof retired_keys / sizeof retired_keys[0]);
}

const ConfigSchema *run_schema(void)
{
    /* Built once, whichever thread asks first (a program may create runs
     * from several threads); read-only after. */
    pthread_once(&schema_once, schema_build);
    return &schema;
}

/* ---------------------------------------------------------------- loading */

/* The file (or text), then each override, then the checks of several
 * keys. path and text are not both given; name names text in messages. */
static PetriStatus load(RunDef *def, const char *path, const char *name, const char *text,
                        size_t len, const char *const *overrides, int override_count,
                        uint64_t memory_limit, PetriError *err)
{
    *def = run_default_def();
    const ConfigSchema *s = run_schema();
    ConfigOrigins origins;
    memset(&origins, 0, sizeof origins);
    PetriStatus status = PETRI_OK;
    const char *source = path != NULL ? path : name;
    /* run_def_check runs after the file and again after each override, so
     * that a problem is blamed on what brought it in. Once one is found it
     * stops (one cause is enough); overrides are still applied so that
     * their own errors are reported too. */
    bool checking = true;
    if (source != NULL) {
        status = path != NULL ? config_load_traced(s, def, path, &origins, err)
                              : config_load_string_traced(s, def, name, text, len, &origins, err);
        if (status == PETRI_OK) {
            run_def_name_populations(def, &origins);
        }
        checking = status == PETRI_OK && run_def_check(def, source, err) == PETRI_OK;
        if (!checking && status == PETRI_OK) {
            status = PETRI_ECONFIG;
        }
    }
    for (int i = 0; i < override_count; ++i) {
        PetriStatus st = config_apply_override_traced(s, def, overrides[i], &origins, err);
        if (st == PETRI_OK && checking) {
            char where[320];
            snprintf(where, sizeof where, "--set %.300s", overrides[i]);
            run_def_name_populations(def, &origins);
            st = run_def_check(def, where, err);
            checking = st == PETRI_OK;
        } else if (st != PETRI_OK) {
            checking = false;
        }
        if (status == PETRI_OK) {
            status = st;
        }
    }
    if (source == NULL && override_count == 0) {
        status = run_def_check(def, "defaults", err);
    }
    /* What involves the world as a whole, once everything is in. */
    const char *fallback = source != NULL ? source : "defaults";
    if (status == PETRI_OK) {
        status = run_def_check_limits(def, &origins, fallback, memory_limit, err);
    }
    if (status == PETRI_OK) {
        run_def_warn(def, &origins, fallback);
    }
    config_origins_fini(&origins);
    return status;
}

PetriStatus run_def_load(RunDef *def, const char *path, const char *const *overrides,
                         int override_count, PetriError *err)
{
    return load(def, path, NULL, NULL, 0, overrides, override_count, RUN_MEMORY_LIMIT, err);
}

PetriStatus run_def_load_string(RunDef *def, const char *name, const char *text, size_t len,
                                const char *const *overrides, int override_count,
                                uint64_t memory_limit, PetriError *err)
{
    return load(def, NULL, name, text, len, overrides, override_count, memory_limit, err);
}
