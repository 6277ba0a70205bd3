/*
 * Genomes put into a running run (RunOptions.genomes, run_inject: `petri
 * view --genome`, a program that embeds the run), and their record.
 *
 * The genomes wait in a queue and go into the population at the start of
 * the next run_step, as one batch. In a run folder each genome of a batch
 * is first saved as injections/NNNNNN.bin (NNNNNN: its row of the table)
 * and recorded as a row of injections.csv:
 *
 *     generation,tick,batch,population,genome
 *
 * (generation: generations completed when it went in; batch: the row of
 * the batch's first genome). Every checkpoint counts the rows its state
 * includes, as it counts the rows of changes.csv. A resumed run loads the
 * rows after that count and puts each batch in again at the start of the
 * step of its generation, so a run with injections, killed and resumed
 * from an older checkpoint, ends where the uninterrupted one ends.
 * injections.csv is never cut (only a row cut short by a crash, which no
 * checkpoint counts), like changes.csv.
 */
#include "sim/evolve_internal.h"
#include "sim/run_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define INJECTIONS_CSV_HEADER "generation,tick,batch,population,genome"

/* ------------------------------------------------------------ the queue */

/* Is gs[n] fit to go into population p? */
static PetriStatus check_injection(const Run *r, int p, const Genome *gs, int n,
                                   const char *const *files, PetriError *err)
{
    if (p < 0 || p >= r->def.population_count ||
        r->def.populations[p].controller != CONTROLLER_BRAIN) {
        return error_add(err, PETRI_EUSAGE,
                         "petri: error: genomes can only go into a population of brains "
                         "(population %d is not one)",
                         p);
    }
    int inputs = evolution_inputs(r->ev, p);
    for (int i = 0; i < n; ++i) {
        if (gs[i].inputs != inputs || gs[i].outputs != WORLD_OUTPUTS) {
            return error_at(err, PETRI_EUSAGE, files != NULL ? files[i] : "genome", 0, 0,
                            "the genome has %d inputs and %d outputs; population '%s' needs %d "
                            "and %d",
                            gs[i].inputs, gs[i].outputs, r->def.populations[p].name, inputs,
                            WORLD_OUTPUTS);
        }
    }
    return PETRI_OK;
}

/* Adds copies of gs[n] to the genomes waiting for the next step. */
static void queue_injection(Run *r, int p, const Genome *gs, int n)
{
    if (r->inject_count > 0 && r->inject_pop != p) {
        run_free_injections(r); /* one population at a time: the newest wins */
    }
    Genome *all = petri_calloc((size_t)(r->inject_count + n), sizeof(Genome));
    if (r->inject_count > 0) {
        memcpy(all, r->inject, (size_t)r->inject_count * sizeof(Genome));
    }
    for (int i = 0; i < n; ++i) {
        genome_copy(&all[r->inject_count + i], &gs[i]);
    }
    petri_free(r->inject, (size_t)r->inject_count * sizeof(Genome));
    r->inject = all;
    r->inject_count += n;
    r->inject_pop = p;
}

PetriStatus run_inject(Run *r, int pop, const Genome *gs, int n, PetriError *err)
{
    if (n <= 0) {
        return PETRI_OK;
    }
    if (check_injection(r, pop, gs, n, NULL, err) != PETRI_OK) {
        return err->code;
    }
    queue_injection(r, pop, gs, n);
    return PETRI_OK;
}

PetriStatus run_load_injections(Run *r, const RunOptions *opt, PetriError *err)
{
    if (opt == NULL || opt->genome_count <= 0) {
        return PETRI_OK;
    }
    int n = opt->genome_count;
    Genome *gs = petri_calloc((size_t)n, sizeof(Genome));
    PetriStatus s = PETRI_OK;
    for (int i = 0; i < n && s == PETRI_OK; ++i) {
        /* binary or JSON (`petri export --json`): the run keeps its own
         * binary copy in injections/, so a resume never reparses text */
        s = genome_load_any(&gs[i], opt->genomes[i], err);
    }
    if (s == PETRI_OK) {
        s = check_injection(r, opt->genome_pop, gs, n, opt->genomes, err);
    }
    if (s == PETRI_OK) {
        queue_injection(r, opt->genome_pop, gs, n);
    }
    for (int i = 0; i < n; ++i) {
        genome_fini(&gs[i]);
    }
    petri_free(gs, (size_t)n * sizeof(Genome));
    return s;
}

void run_free_injections(Run *r)
{
    for (int i = 0; i < r->inject_count; ++i) {
        genome_fini(&r->inject[i]);
    }
    petri_free(r->inject, (size_t)r->inject_count * sizeof(Genome));
    r->inject = NULL;
    r->inject_count = 0;
}

/* ------------------------------------------------------------ the record */

static PetriStatus open_record(Run *r, PetriError *err)
{
    if (r->injections != NULL) {
        return PETRI_OK;
    }
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/injections", r->dir);
    if (file_make_dirs(path, err) != PETRI_OK) {
        return err->code;
    }
    snprintf(path, sizeof path, "%s/injections.csv", r->dir);
    bool fresh = !file_exists(path);
    r->injections = fopen(path, "ab");
    if (r->injections == NULL) {
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot open for writing: %s",
                        strerror(errno));
    }
    if (fresh) {
        fputs(INJECTIONS_CSV_HEADER "\n", r->injections);
    }
    return PETRI_OK;
}

/* Saves the queue's genomes and their rows (before they go in, so that
 * no state ever includes a genome the record lacks). */
static PetriStatus record_queue(Run *r, PetriError *err)
{
    if (open_record(r, err) != PETRI_OK) {
        return err->code;
    }
    uint64_t gen = evolution_generation(r->ev), batch = r->injection_rows;
    uint64_t tick = r->def.evolution.mode == EVOLUTION_OPEN_ENDED ? world_tick(r->ev->world) : 0;
    for (int i = 0; i < r->inject_count; ++i) {
        char name[64], path[RUN_PATH_CAP + 64];
        snprintf(name, sizeof name, "injections/%06llu.bin",
                 (unsigned long long)r->injection_rows);
        snprintf(path, sizeof path, "%s/%s", r->dir, name);
        if (genome_save(&r->inject[i], path, err) != PETRI_OK) {
            return err->code;
        }
        fprintf(r->injections, "%llu,%llu,%llu,%s,%s\n", (unsigned long long)gen,
                (unsigned long long)tick, (unsigned long long)batch,
                r->def.populations[r->inject_pop].name, name);
        r->injection_rows++;
    }
    if (fflush(r->injections) != 0) {
        return error_at(err, PETRI_EIO, r->dir, 0, 0, "cannot write injections.csv: %s",
                        strerror(errno));
    }
    return PETRI_OK;
}

/* A batch read back from injections.csv, to put in again. */
struct RunReplay {
    uint64_t generation;
    int pop;
    int count;
    Genome *genomes;
};

static void replay_add(Run *r, uint64_t gen, uint64_t batch, int pop, Genome *g)
{
    RunReplay *last = r->replay_count > 0 ? &r->replay[r->replay_count - 1] : NULL;
    if (last == NULL || r->replay_last_batch != batch) {
        r->replay = petri_realloc(r->replay, (size_t)r->replay_count * sizeof *r->replay,
                                  (size_t)(r->replay_count + 1) * sizeof *r->replay);
        last = &r->replay[r->replay_count++];
        memset(last, 0, sizeof *last);
        last->generation = gen;
        last->pop = pop;
        r->replay_last_batch = batch;
    }
    last->genomes = petri_realloc(last->genomes, (size_t)last->count * sizeof(Genome),
                                  (size_t)(last->count + 1) * sizeof(Genome));
    last->genomes[last->count++] = *g; /* takes g's arrays */
}

static int pop_by_name(const Run *r, const char *name)
{
    for (int p = 0; p < r->def.population_count; ++p) {
        if (strcmp(r->def.populations[p].name, name) == 0) {
            return p;
        }
    }
    return -1;
}

/* One row: "generation,tick,batch,population,genome" (no quotes: the
 * names are letters, digits, '-', '_' and '.'). */
static PetriStatus read_row(Run *r, char *line, const char *path, int lineno, PetriError *err)
{
    char *save = NULL;
    char *f[5];
    for (int i = 0; i < 5; ++i) {
        f[i] = strtok_r(i == 0 ? line : NULL, ",", &save);
        if (f[i] == NULL) {
            return error_at(err, PETRI_EFORMAT, path, lineno, 1,
                            "malformed row (want " INJECTIONS_CSV_HEADER ")");
        }
    }
    char *end;
    errno = 0;
    uint64_t gen = strtoull(f[0], &end, 10);
    bool bad = errno != 0 || *end != '\0';
    uint64_t batch = strtoull(f[2], &end, 10);
    bad = bad || *end != '\0';
    int pop = pop_by_name(r, f[3]);
    if (bad || pop < 0 || strstr(f[4], "..") != NULL || strncmp(f[4], "injections/", 11) != 0) {
        return error_at(err, PETRI_EFORMAT, path, lineno, 1,
                        "malformed row (want " INJECTIONS_CSV_HEADER
                        ", a population of this run and a file in injections/)");
    }
    char gpath[RUN_PATH_CAP + 300];
    snprintf(gpath, sizeof gpath, "%s/%s", r->dir, f[4]);
    Genome g;
    memset(&g, 0, sizeof g);
    if (genome_load(&g, gpath, err) != PETRI_OK) {
        genome_fini(&g); /* a failed load may keep its arrays */
        return error_at(err, PETRI_EFORMAT, path, lineno, 1,
                        "cannot put this genome in again, so the run cannot resume exactly");
    }
    if (check_injection(r, pop, &g, 1, NULL, err) != PETRI_OK) {
        genome_fini(&g);
        return error_at(err, PETRI_EFORMAT, path, lineno, 1, "the genome does not fit");
    }
    replay_add(r, gen, batch, pop, &g);
    return PETRI_OK;
}

static PetriStatus injection_row(void *user, char *line, const char *path, int lineno,
                                 PetriError *err)
{
    return read_row(user, line, path, lineno, err);
}

PetriStatus run_injections_load(Run *r, PetriError *err)
{
    char path[RUN_PATH_CAP + 64];
    snprintf(path, sizeof path, "%s/injections.csv", r->dir);
    size_t torn_at = 0;
    PetriStatus s = csv_replay_rows(path, r->injections_applied, injection_row, r,
                                    &r->injection_rows, &torn_at, err);
    return s == PETRI_OK ? csv_cut_torn(path, torn_at, err) : s;
}

/* ------------------------------------------------------------ going in */

PetriStatus run_injections_apply(Run *r, PetriError *err)
{
    uint64_t gen = evolution_generation(r->ev);
    while (r->replay_next < r->replay_count && r->replay[r->replay_next].generation <= gen) {
        const RunReplay *b = &r->replay[r->replay_next++];
        evolution_inject(r->ev, b->pop, b->genomes, b->count);
        r->injections_applied += (uint64_t)b->count;
        log_info("put %d recorded genome%s into population '%s' again", b->count,
                 b->count == 1 ? "" : "s", r->def.populations[b->pop].name);
    }
    if (r->inject_count == 0) {
        return PETRI_OK;
    }
    if (r->files && record_queue(r, err) != PETRI_OK) {
        return err->code;
    }
    evolution_inject(r->ev, r->inject_pop, r->inject, r->inject_count);
    r->injections_applied += (uint64_t)r->inject_count;
    log_info("%d genome%s put into population '%s'", r->inject_count,
             r->inject_count == 1 ? "" : "s", r->def.populations[r->inject_pop].name);
    run_free_injections(r);
    return PETRI_OK;
}

void run_injections_free(Run *r)
{
    for (int i = 0; i < r->replay_count; ++i) {
        RunReplay *b = &r->replay[i];
        for (int k = 0; k < b->count; ++k) {
            genome_fini(&b->genomes[k]);
        }
        petri_free(b->genomes, (size_t)b->count * sizeof(Genome));
    }
    petri_free(r->replay, (size_t)r->replay_count * sizeof *r->replay);
    r->replay = NULL;
    r->replay_count = r->replay_next = 0;
    if (r->injections != NULL) {
        fclose(r->injections);
        r->injections = NULL;
    }
    run_free_injections(r);
}
