/*
 * The checks of a run's settings that involve several keys and the world
 * as a whole: sizes, speeds, ranges and obstacles against the world, and
 * the memory a config will need. They run in run_def_load, so `petri
 * check` and `petri run` refuse the same configs, before any folder is
 * made.
 *
 * Each error is located at the key that brought the problem in: of the
 * keys a rule involves, the one set last (a file's line, or a --set).
 * When none of them was set (defaults only), the error names the source
 * given as the fallback.
 *
 * The limits, each written into the schema's documentation
 * (docs/config.md) and explained there:
 *
 *   body.radius          at most a quarter of the world's smaller side
 *   body.max_speed       at most a quarter of the world's smaller side
 *   senses.range         at most half the world's smaller side
 *   attack reach         (own radius + largest radius + attack.range)
 *                        at most half the world's smaller side
 *   food.cell_size       at most the world's smaller side
 *   random obstacles     radius at most a quarter of the smaller side
 *   listed obstacles     centre inside the world; a circle's radius at
 *                        most half the smaller side, a rect's sides at
 *                        most the world's
 *   energy.start         at most energy.max
 *   memory               the estimate at most RUN_MEMORY_LIMIT bytes (agents
 *                        counted at the start, a population's count; in an
 *                        open world its floor when higher, and grown to the
 *                        world's ceiling, WORLD_GROWTH times that)
 *
 * On a torus the quarter and half limits keep "the nearest copy" of a
 * body well defined: a body, a step or a sense that spans half the world
 * would meet the same neighbour from both sides. The world code stays
 * safe beyond them (it wraps any displacement and clamps any body into
 * the world), so the limits are about meaning, not memory safety; the
 * property test in tests/test_config_property.c checks both.
 */
#include "sim/sim_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct Blame {
    const RunDef *def;
    const ConfigOrigins *origins;
    const char *fallback;
    PetriError *err;
    PetriStatus status;
} Blame;

static size_t off_of(const RunDef *def, const void *field)
{
    return (size_t)((const char *)field - (const char *)def);
}

/* Adds an error located at the latest-set of the n fields. */
static void blame(Blame *b, const void *const *fields, int n, const char *fmt, ...)
    PETRI_PRINTF(4, 5);

static void blame(Blame *b, const void *const *fields, int n, const char *fmt, ...)
{
    const ConfigOrigin *at = NULL;
    for (int i = 0; i < n; ++i) {
        const ConfigOrigin *o = config_origin_find(b->origins, off_of(b->def, fields[i]));
        if (o != NULL && (at == NULL || o->seq > at->seq)) {
            at = o;
        }
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at != NULL) {
        error_at(b->err, PETRI_ECONFIG, config_origin_source(b->origins, at), at->line, at->col,
                 "%s", msg);
    } else {
        error_at(b->err, PETRI_ECONFIG, b->fallback, 0, 0, "%s", msg);
    }
    b->status = PETRI_ECONFIG;
}

/* v as "%g" when that reads back to v, else with every digit needed. */
static void format_double(double v, char *out, size_t cap)
{
    snprintf(out, cap, "%g", v);
    if (strtod(out, NULL) != v) {
        snprintf(out, cap, "%.17g", v);
    }
}

/* "[16, 16]" for the world size in messages. */
static void size_text(const RunDef *def, char *out, size_t cap)
{
    char a[48], b[48];
    format_double(def->world.size[0], a, sizeof a);
    format_double(def->world.size[1], b, sizeof b);
    snprintf(out, cap, "[%s, %s]", a, b);
}

static const char *num(double v, char *out, size_t cap)
{
    format_double(v, out, cap);
    return out;
}

static void check_population(Blame *b, int i, double side, int widest)
{
    const RunDef *def = b->def;
    const PopulationDef *p = &def->populations[i];
    char size[128], v[48], lim[48];
    size_text(def, size, sizeof size);
    const void *size_f = def->world.size;
    if (p->radius > side / 4) {
        const void *f[] = {size_f, &p->radius};
        blame(b, f, 2,
              "'populations.%d.body.radius' is %s, more than a quarter of the smaller side of "
              "'world.size' %s: at most %s",
              i, num(p->radius, v, sizeof v), size, num(side / 4, lim, sizeof lim));
    }
    if (p->max_speed > side / 4) {
        const void *f[] = {size_f, &p->max_speed};
        blame(b, f, 2,
              "'populations.%d.body.max_speed' is %s world units per tick, more than a quarter "
              "of the smaller side of 'world.size' %s: at most %s",
              i, num(p->max_speed, v, sizeof v), size, num(side / 4, lim, sizeof lim));
    }
    if (p->senses.range > side / 2) {
        const void *f[] = {size_f, &p->senses.range};
        blame(b, f, 2,
              "'populations.%d.senses.range' is %s, more than half the smaller side of "
              "'world.size' %s: at most %s",
              i, num(p->senses.range, v, sizeof v), size, num(side / 2, lim, sizeof lim));
    }
    double rmax = def->populations[widest].radius;
    double reach = p->radius + rmax + p->attack_range;
    if (p->radius <= side / 4 && rmax <= side / 4 && reach > side / 2) {
        const void *f[] = {size_f, &p->attack_range, &p->radius,
                           &def->populations[widest].radius};
        blame(b, f, 4,
              "'populations.%d.attack.range' %s reaches %s from the body's centre (with its "
              "'body.radius' and the largest, of 'populations.%d'), more than half the smaller "
              "side of 'world.size' %s: at most %s",
              i, num(p->attack_range, v, sizeof v), num(reach, lim, sizeof lim), widest, size,
              num(side / 2 - p->radius - rmax, (char[48]){0}, 48));
    }
    if (p->energy_start > p->energy_max) {
        const void *f[] = {&p->energy_max, &p->energy_start};
        blame(b, f, 2,
              "'populations.%d.energy.start' is %s, more than 'populations.%d.energy.max' %s: a "
              "body holds at most energy.max",
              i, num(p->energy_start, v, sizeof v), i, num(p->energy_max, lim, sizeof lim));
    }
}

static void check_obstacles(Blame *b, double side)
{
    const RunDef *def = b->def;
    const WorldDef *wd = &def->world;
    char size[128], v[48], lim[48];
    size_text(def, size, sizeof size);
    if (wd->random_obstacles > 0 && wd->random_obstacle_radius > side / 4) {
        const void *f[] = {wd->size, &wd->random_obstacles, &wd->random_obstacle_radius};
        blame(b, f, 3,
              "'world.random_obstacle_radius' is %s, more than a quarter of the smaller side of "
              "'world.size' %s (with 'world.random_obstacles' %d): at most %s",
              num(wd->random_obstacle_radius, v, sizeof v), size, wd->random_obstacles,
              num(side / 4, lim, sizeof lim));
    }
    for (int i = 0; i < wd->obstacle_count; ++i) {
        const ObstacleDef *o = &wd->obstacles[i];
        if (!(o->center[0] >= 0 && o->center[0] <= wd->size[0] && o->center[1] >= 0 &&
              o->center[1] <= wd->size[1])) {
            const void *f[] = {wd->size, o->center};
            char x[48], y[48];
            blame(b, f, 2,
                  "'world.obstacles.%d.center' [%s, %s] lies outside the world ('world.size' "
                  "%s): obstacles are placed inside it",
                  i, num(o->center[0], x, sizeof x), num(o->center[1], y, sizeof y), size);
        }
        if (o->shape == OBSTACLE_CIRCLE && o->radius > side / 2) {
            const void *f[] = {wd->size, &o->radius, &o->shape};
            blame(b, f, 3,
                  "'world.obstacles.%d.radius' is %s, more than half the smaller side of "
                  "'world.size' %s: at most %s",
                  i, num(o->radius, v, sizeof v), size, num(side / 2, lim, sizeof lim));
        }
        if (o->shape == OBSTACLE_RECT && (o->size[0] > wd->size[0] || o->size[1] > wd->size[1])) {
            const void *f[] = {wd->size, o->size, &o->shape};
            char x[48], y[48];
            blame(b, f, 3,
                  "'world.obstacles.%d.size' [%s, %s] is larger than the world ('world.size' %s)",
                  i, num(o->size[0], x, sizeof x), num(o->size[1], y, sizeof y), size);
        }
    }
}

/* Input row length of a population: mirrors the world's input layout. */
static int input_count(const PopulationDef *p)
{
    const SensesDef *s = &p->senses;
    return (s->vision ? 4 * s->sectors : 0) + s->touch + 2 * s->smell + s->energy + s->speed +
           s->age + 2 * s->clock + s->noise + s->signal;
}

/* Agents of population i a run holds at its start: its count, or in an
 * open world its floor when that is higher (a population below its floor
 * is reseeded up to it). */
static int start_agents(const RunDef *def, int i)
{
    int n = def->populations[i].count;
    if (def->evolution.mode == EVOLUTION_OPEN_ENDED && def->evolution.floor > n) {
        n = def->evolution.floor;
    }
    return n;
}

uint64_t run_def_estimate_bytes(const RunDef *def)
{
    PopulationDef pops[WORLD_MAX_POPULATIONS];
    int64_t total = 0;
    for (int i = 0; i < def->population_count; ++i) {
        pops[i] = def->populations[i];
        pops[i].count = start_agents(def, i);
        total += pops[i].count;
    }
    /* births may grow an open world to the world's ceiling: count every
     * population grown in proportion (a generational arena lasts an
     * episode, and only baselines breed in it) */
    bool open = def->evolution.mode == EVOLUTION_OPEN_ENDED;
    double growth =
        open && total > 0 ? (double)world_agent_ceiling(total) / (double)total : 1.0;
    for (int i = 0; i < def->population_count; ++i) {
        double grown = (double)pops[i].count * growth;
        pops[i].count = grown > 1e9 ? 1000000000 : (int)grown;
    }
    double bytes = (double)world_estimate_bytes(&def->world, pops, def->population_count);
    for (int i = 0; i < def->population_count; ++i) {
        const PopulationDef *p = &pops[i];
        if (p->controller != CONTROLLER_BRAIN) {
            continue;
        }
        /* Each brain agent: its genome, a child's and a kept one (the
         * population, the next generation, elites or the hall of fame),
         * fully connected from the inputs and bias to the outputs as they
         * start, and its compiled brain. Brains grow as they evolve: this
         * is the size at the start. */
        double in = input_count(p), out = WORLD_OUTPUTS;
        double nodes = in + 1 + out, conns = (in + 1) * out;
        double genome = (double)sizeof(Genome) + nodes * (double)sizeof(NodeGene) +
                        conns * (double)sizeof(ConnGene);
        double brain = nodes * 16.0 + conns * 8.0;
        bytes += (double)p->count * (3.0 * genome + brain);
    }
    return bytes >= 1.8e19 ? UINT64_MAX : (uint64_t)bytes;
}

static void check_memory(Blame *b, uint64_t limit)
{
    const RunDef *def = b->def;
    uint64_t need = run_def_estimate_bytes(def);
    if (need <= limit) {
        return;
    }
    const void *f[4 + WORLD_MAX_POPULATIONS];
    int n = 0;
    f[n++] = def->world.size;
    f[n++] = &def->world.food.cell_size;
    bool floor_counts = false;
    for (int i = 0; i < def->population_count; ++i) {
        floor_counts = floor_counts || start_agents(def, i) != def->populations[i].count;
    }
    if (floor_counts) {
        f[n++] = &def->evolution.floor;
        f[n++] = &def->evolution.mode;
    }
    for (int i = 0; i < def->population_count; ++i) {
        f[n++] = &def->populations[i].count;
    }
    char size[128], cell[48];
    size_text(def, size, sizeof size);
    int fx = 0, fy = 0;
    world_food_grid_size(&def->world, &fx, &fy);
    int agents = 0;
    for (int i = 0; i < def->population_count; ++i) {
        agents += start_agents(def, i);
    }
    char floor_text[96] = "";
    if (floor_counts) {
        snprintf(floor_text, sizeof floor_text, " (with 'evolution.floor' %d)",
                 def->evolution.floor);
    }
    blame(b, f, n,
          "this config needs about %.1f GiB of memory, more than the limit of %.0f GiB: "
          "'world.size' %s with 'world.food.cell_size' %s makes %d x %d food cells, and the "
          "populations' counts%s make %d agents; make the world smaller, the food cells "
          "larger or the populations smaller",
          (double)need / 1073741824.0, (double)limit / 1073741824.0, size,
          num(def->world.food.cell_size, cell, sizeof cell), fx, fy, floor_text, agents);
}

PetriStatus run_def_check_limits(const RunDef *def, const ConfigOrigins *origins,
                                 const char *fallback, uint64_t memory_limit, PetriError *err)
{
    Blame b = {def, origins, fallback, err, PETRI_OK};
    const WorldDef *wd = &def->world;
    double side = wd->size[0] < wd->size[1] ? wd->size[0] : wd->size[1];
    int widest = 0;
    for (int i = 1; i < def->population_count; ++i) {
        widest = def->populations[i].radius > def->populations[widest].radius ? i : widest;
    }
    if (wd->food.cell_size > side) {
        const void *f[] = {wd->size, &wd->food.cell_size};
        char size[128], v[48];
        size_text(def, size, sizeof size);
        blame(&b, f, 2,
              "'world.food.cell_size' is %s, more than the smaller side of 'world.size' %s: a "
              "food cell fits in the world",
              num(wd->food.cell_size, v, sizeof v), size);
    }
    for (int i = 0; i < def->population_count; ++i) {
        check_population(&b, i, side, widest);
    }
    check_obstacles(&b, side);
    if (b.status == PETRI_OK) {
        check_memory(&b, memory_limit);
    }
    return b.status;
}

void run_def_warn(const RunDef *def, const ConfigOrigins *origins, const char *fallback)
{
    for (int i = 0; i < def->population_count; ++i) {
        const FitnessDef *f = &def->fitness[i];
        if (def->populations[i].controller != CONTROLLER_BRAIN) {
            continue;
        }
        const double *w = &f->energy_plants;
        bool all_zero = true;
        const ConfigOrigin *at = NULL;
        for (size_t k = 0; k < sizeof *f / sizeof(double); ++k) {
            all_zero = all_zero && w[k] == 0.0;
            const ConfigOrigin *o = config_origin_find(origins, off_of(def, &w[k]));
            if (o != NULL && (at == NULL || o->seq > at->seq)) {
                at = o;
            }
        }
        if (!all_zero) {
            continue;
        }
        char where[400];
        if (at != NULL && at->line > 0) {
            snprintf(where, sizeof where, "%s:%d:%d", config_origin_source(origins, at),
                     at->line, at->col);
        } else {
            snprintf(where, sizeof where, "%s",
                     at != NULL ? config_origin_source(origins, at) : fallback);
        }
        log_warn("%s: every weight of 'populations.%d.fitness' is 0: every genome of '%s' "
                 "scores 0 and selection is blind; give a counter a weight",
                 where, i, def->populations[i].name);
    }
}

void run_def_name_populations(RunDef *def, const ConfigOrigins *origins)
{
    for (int i = 1; i < def->population_count; ++i) {
        char *name = def->populations[i].name;
        if (config_origin_find(origins, off_of(def, name)) != NULL) {
            continue; /* named by the user: a repeat is their error to see */
        }
        bool taken = false;
        for (int j = 0; j < i && !taken; ++j) {
            taken = strcmp(def->populations[j].name, name) == 0;
        }
        if (!taken) {
            continue;
        }
        /* pop1, pop2, ...: the first that no population holds */
        char fresh[32];
        for (int k = i;; ++k) {
            snprintf(fresh, sizeof fresh, "pop%d", k);
            bool used = false;
            for (int j = 0; j < def->population_count && !used; ++j) {
                used = j != i && strcmp(def->populations[j].name, fresh) == 0;
            }
            if (!used) {
                break;
            }
        }
        memset(name, 0, sizeof def->populations[i].name);
        memcpy(name, fresh, strlen(fresh));
    }
}
