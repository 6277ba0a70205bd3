/*
 * The viewer's lineage book: who descends from whom, read from the rows
 * of lineage.csv as the run produces them (run_lineage_rows), and the
 * species of open-ended agents, which the run does not keep per agent.
 *
 * Keys. Generational: (generation run in, population, genome index), the
 * birth row of generation G naming the genomes that run in G + 1.
 * Open-ended: the agent id (ids only grow, so rows come in key order).
 *
 * Open-ended species follow species.csv's rule (sim/open_ended.c): at the
 * end of each epoch the living agents of a population are taken in slot
 * (id) order, each joining the first representative within
 * neat.compat_threshold (genome_distance) or founding a new one, at most
 * 256; the species id is the representative's rank, so the window's
 * colours are the plot's. An agent born during the epoch joins the
 * epoch's representatives the same way (a new one gets the next id). The
 * book is kept on the simulation's thread and sees every tick, so the
 * result depends on the run only, never on which ticks were drawn.
 */
#include "render/render_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lineage_init(LineageBook *b, int mode, const RunDef *def)
{
    memset(b, 0, sizeof *b);
    b->mode = mode;
    b->pop_count = def->population_count;
    for (int p = 0; p < def->population_count; ++p) {
        snprintf(b->pop_names[p], sizeof b->pop_names[p], "%s", def->populations[p].name);
    }
}

static void reps_clear(LineageBook *b)
{
    for (int p = 0; p < WORLD_MAX_POPULATIONS; ++p) {
        for (int k = 0; k < b->rep_count[p]; ++k) {
            genome_fini(&b->reps[p][k]);
        }
        b->rep_count[p] = 0;
    }
}

void lineage_fini(LineageBook *b)
{
    reps_clear(b);
    for (int p = 0; p < WORLD_MAX_POPULATIONS; ++p) {
        if (b->reps[p] != NULL) {
            petri_free(b->reps[p], sizeof(Genome) * LINEAGE_MAX_SPECIES);
        }
    }
    petri_free(b->e, sizeof(LineageEntry) * (size_t)b->cap);
    memset(b, 0, sizeof *b);
}

/* Is a before b in the book's order? */
static int key_cmp(const LineageBook *b, const LineageEntry *x, uint64_t generation, int pop,
                   uint32_t id)
{
    if (b->mode == EVOLUTION_GENERATIONAL) {
        if (x->generation != generation) {
            return x->generation < generation ? -1 : 1;
        }
        if (x->pop != pop) {
            return x->pop < pop ? -1 : 1;
        }
    }
    return x->id == id ? 0 : (x->id < id ? -1 : 1);
}

/* The first index whose key is not below the key. */
static int lower_bound(const LineageBook *b, uint64_t generation, int pop, uint32_t id)
{
    int lo = 0, hi = b->count;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (key_cmp(b, &b->e[mid], generation, pop, id) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

const LineageEntry *lineage_find(const LineageBook *b, uint64_t generation, int pop, uint32_t id)
{
    int i = lower_bound(b, generation, pop, id);
    return i < b->count && key_cmp(b, &b->e[i], generation, pop, id) == 0 ? &b->e[i] : NULL;
}

/* The entry of the key, added (cause LINEAGE_UNKNOWN, no parents) when
 * missing. A full book drops its oldest quarter first. */
static LineageEntry *find_or_add(LineageBook *b, uint64_t generation, int pop, uint32_t id)
{
    int i = lower_bound(b, generation, pop, id);
    if (i < b->count && key_cmp(b, &b->e[i], generation, pop, id) == 0) {
        return &b->e[i];
    }
    if (b->count == LINEAGE_MAX_ENTRIES) {
        int drop = LINEAGE_MAX_ENTRIES / 4;
        memmove(b->e, b->e + drop, sizeof(LineageEntry) * (size_t)(b->count - drop));
        b->count -= drop;
        b->dropped += (uint64_t)drop;
        i = i > drop ? i - drop : 0;
    }
    if (b->count == b->cap) {
        int cap = b->cap > 0 ? b->cap * 2 : 1024;
        cap = cap > LINEAGE_MAX_ENTRIES ? LINEAGE_MAX_ENTRIES : cap;
        b->e = petri_realloc(b->e, sizeof(LineageEntry) * (size_t)b->cap,
                             sizeof(LineageEntry) * (size_t)cap);
        b->cap = cap;
    }
    memmove(b->e + i + 1, b->e + i, sizeof(LineageEntry) * (size_t)(b->count - i));
    b->count++;
    LineageEntry *e = &b->e[i];
    memset(e, 0, sizeof *e);
    e->generation = generation;
    e->pop = (int16_t)pop;
    e->id = id;
    e->parent1 = e->parent2 = WORLD_NO_ID;
    e->species = -1;
    e->cause = LINEAGE_UNKNOWN;
    return e;
}

/* ------------------------------------------------------------ rows */

enum { COL_GENERATION, COL_TICK, COL_EVENT, COL_POP, COL_ID, COL_PARENT1, COL_PARENT2,
       COL_SPECIES, COL_CAUSE, COL_COUNT = 11 };

/* Splits one line (no newline) into its fields, in place; false unless
 * it has LINEAGE_CSV_HEADER's 11. */
static bool split(char *line, char **f)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p != '\0'; ++p) {
        if (*p == ',') {
            *p = '\0';
            if (n == COL_COUNT) {
                return false;
            }
            f[n++] = p + 1;
        }
    }
    return n == COL_COUNT;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s == '\0') {
        return false;
    }
    unsigned long long v = strtoull(s, &end, 10);
    *out = v;
    return *end == '\0';
}

static uint32_t parse_id(const char *s)
{
    uint64_t v;
    return parse_u64(s, &v) && v < WORLD_NO_ID ? (uint32_t)v : WORLD_NO_ID;
}

static int pop_index(const LineageBook *b, const char *name)
{
    for (int p = 0; p < b->pop_count; ++p) {
        if (strcmp(b->pop_names[p], name) == 0) {
            return p;
        }
    }
    return -1;
}

static void add_row(LineageBook *b, char **f, LineageSpeciesFn species_of, void *user)
{
    int pop = pop_index(b, f[COL_POP]);
    uint64_t g = 0, tick = 0;
    uint32_t id = parse_id(f[COL_ID]);
    if (pop < 0 || id == WORLD_NO_ID || !parse_u64(f[COL_GENERATION], &g)) {
        return;
    }
    bool has_tick = parse_u64(f[COL_TICK], &tick);
    bool birth = strcmp(f[COL_EVENT], "birth") == 0;
    if (b->mode == EVOLUTION_GENERATIONAL) {
        /* generation G's birth rows are the genomes that run in G + 1;
         * an arena's deaths name agents of one episode only */
        if (!birth) {
            return;
        }
        LineageEntry *e = find_or_add(b, g + 1, pop, id);
        e->parent1 = parse_id(f[COL_PARENT1]);
        e->parent2 = parse_id(f[COL_PARENT2]);
        uint64_t sp;
        e->species = parse_u64(f[COL_SPECIES], &sp) && sp < 32767 ? (int16_t)sp : -1;
        e->cause = strcmp(f[COL_CAUSE], "") == 0 ? LINEAGE_BIRTH : LINEAGE_MIGRANT;
        return;
    }
    LineageEntry *e = find_or_add(b, 0, pop, id);
    if (birth) {
        e->generation = g;
        e->tick = has_tick ? tick : 0;
        e->parent1 = parse_id(f[COL_PARENT1]);
        e->parent2 = parse_id(f[COL_PARENT2]);
        e->cause = strcmp(f[COL_CAUSE], "reseed") == 0 ? LINEAGE_RESEED : LINEAGE_BIRTH;
        if (species_of != NULL) {
            e->species = (int16_t)species_of(user, e);
        }
    } else if (strcmp(f[COL_EVENT], "death") == 0) {
        e->death_tick = has_tick ? tick : 0;
        e->dead = true;
        snprintf(e->death, sizeof e->death, "%s", f[COL_CAUSE]);
    }
}

size_t lineage_add_rows(LineageBook *b, const char *text, size_t len,
                        LineageSpeciesFn species_of, void *user)
{
    size_t used = 0;
    char line[512];
    while (used < len) {
        const char *nl = memchr(text + used, '\n', len - used);
        if (nl == NULL) {
            break; /* a partial last line waits for the rest */
        }
        size_t n = (size_t)(nl - (text + used));
        if (n < sizeof line) {
            memcpy(line, text + used, n);
            line[n] = '\0';
            char *f[COL_COUNT];
            if (split(line, f)) {
                add_row(b, f, species_of, user);
            }
        }
        used += n + 1;
    }
    return used;
}

PetriStatus lineage_load_file(LineageBook *b, const char *path, size_t max_bytes,
                              PetriError *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return PETRI_OK; /* no table yet: nothing to read */
    }
    long size = 0;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
        fclose(f);
        return error_add(err, PETRI_EIO, "%s: error: cannot read it", path);
    }
    size_t take = (size_t)size < max_bytes ? (size_t)size : max_bytes;
    char *buf = petri_alloc(take + 1);
    bool ok = fseek(f, size - (long)take, SEEK_SET) == 0 && fread(buf, 1, take, f) == take;
    fclose(f);
    if (!ok) {
        petri_free(buf, take + 1);
        return error_add(err, PETRI_EIO, "%s: error: cannot read it", path);
    }
    /* the tail of a long table starts inside a row: skip to the next */
    size_t start = 0;
    if (take < (size_t)size || (take > 0 && buf[0] == 'g')) {
        const char *nl = memchr(buf, '\n', take);
        start = nl != NULL ? (size_t)(nl - buf) + 1 : take;
    }
    lineage_add_rows(b, buf + start, take - start, NULL, NULL);
    petri_free(buf, take + 1);
    return PETRI_OK;
}

/* ------------------------------------------------------------ species */

int lineage_species_assign(LineageBook *b, int pop, const Genome *g, const NeatDef *nd)
{
    if (g == NULL || pop < 0 || pop >= WORLD_MAX_POPULATIONS) {
        return -1;
    }
    int n = b->rep_count[pop];
    for (int k = 0; k < n; ++k) {
        if (genome_distance(g, &b->reps[pop][k], nd) < nd->compat_threshold) {
            return k;
        }
    }
    if (n == LINEAGE_MAX_SPECIES) {
        return -1; /* species.csv counts no more either */
    }
    if (b->reps[pop] == NULL) {
        b->reps[pop] = petri_calloc(LINEAGE_MAX_SPECIES, sizeof(Genome));
    }
    memset(&b->reps[pop][n], 0, sizeof(Genome));
    genome_copy(&b->reps[pop][n], g);
    b->rep_count[pop] = n + 1;
    return n;
}

void lineage_species_reset(LineageBook *b)
{
    reps_clear(b);
}

void lineage_cluster_world(LineageBook *b, const Run *run, const RunView *v)
{
    const NeatDef *nd = &run_def(run)->neat;
    lineage_species_reset(b);
    int n = world_agent_count(v->world);
    for (int s = 0; s < n; ++s) {
        AgentView a;
        world_agent(v->world, s, &a);
        const Genome *g = run_view_genome(run, v, s);
        LineageEntry *e = find_or_add(b, 0, a.pop, a.id);
        if (e->cause == LINEAGE_UNKNOWN) {
            /* alive before the book: a founder, or born before this session */
            e->parent1 = a.counters.parent;
            e->tick = a.counters.birth_tick;
            e->cause = a.counters.parent == WORLD_NO_ID ? LINEAGE_FOUNDER : LINEAGE_BIRTH;
            e->generation = 0;
        }
        e->species = g != NULL ? (int16_t)lineage_species_assign(b, a.pop, g, nd) : -1;
    }
}

/* ------------------------------------------------------------ a line of descent */

int lineage_chain(const LineageBook *b, uint64_t generation, int pop, uint32_t id,
                  LineageEntry *out, int cap)
{
    int n = 0;
    bool generational = b->mode == EVOLUTION_GENERATIONAL;
    while (n < cap && id != WORLD_NO_ID) {
        const LineageEntry *e = lineage_find(b, generational ? generation : 0, pop, id);
        if (e != NULL) {
            out[n++] = *e;
        } else {
            LineageEntry *u = &out[n++];
            memset(u, 0, sizeof *u);
            u->id = id;
            u->pop = (int16_t)pop;
            u->generation = generational ? generation : 0;
            u->parent1 = u->parent2 = WORLD_NO_ID;
            u->species = -1;
            /* generation 1's genomes are the founders; any other missing
             * entry is older than what the book holds */
            u->cause = generational && generation == 1 ? LINEAGE_FOUNDER : LINEAGE_UNKNOWN;
            break;
        }
        id = e->parent1;
        if (generational) {
            if (generation <= 1) {
                break;
            }
            generation--;
        }
    }
    return n;
}
