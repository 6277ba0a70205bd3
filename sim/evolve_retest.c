/*
 * Champions chosen by re-evaluation, not by one lucky score.
 *
 * A genome's training fitness is its mean over `episodes` arenas shared
 * with the rest of its generation: noisy, and the best of 150 noisy
 * scores is biased up (a generation-50 champion could replay worse than
 * the generation-30 one). Every checkpoint_every generations each evolved
 * population's top RETEST_CANDIDATES genomes by training fitness, and the
 * champion chosen before, are re-tested: each fills its population's slot
 * as clones in RETEST_EPISODES fresh episodes (seeds from their own
 * stream, never a training arena's or petri eval's), the other evolved
 * populations being clones of their generation's best by training
 * fitness. The best mean wins; both of its scores are kept (summary.json).
 * Everything here runs between generations, the candidates' episodes
 * side by side (or each tick in parallel when there are more threads than
 * episodes): the result is the same at any thread count.
 */
#include "sim/eval_internal.h"
#include "sim/evolve_internal.h"

#include <omp.h>
#include <string.h>

#define RETEST_PURPOSE (RNG_PURPOSE_USER + 10)

/* Index of the best of fit[n] not in taken[k], ties to the lower index. */
static int best_untaken(const double *fit, int n, const int *taken, int k)
{
    int best = -1;
    for (int i = 0; i < n; ++i) {
        bool used = false;
        for (int j = 0; j < k; ++j) {
            used |= taken[j] == i;
        }
        if (!used && (best < 0 || fit[i] > fit[best])) {
            best = i;
        }
    }
    return best;
}

void evolution_retest(Evolution *ev, int p, const double *const *fit)
{
    const RunDef *def = &ev->def;
    int n = neat_population_size(ev->neat[p]);
    const Genome *others[WORLD_MAX_POPULATIONS] = {NULL};
    for (int q = 0; q < ev->pop_count; ++q) {
        if (ev->neat[q] != NULL) {
            int b = best_untaken(fit[q], neat_population_size(ev->neat[q]), NULL, 0);
            others[q] = neat_population_genome(ev->neat[q], b);
        }
    }
    int idx[RETEST_CANDIDATES + 1], k = 0;
    const Genome *cand[RETEST_CANDIDATES + 1];
    double train[RETEST_CANDIDATES + 1];
    if (ev->has_chosen[p]) {
        cand[k] = &ev->chosen[p];
        train[k] = ev->chosen_train[p];
        idx[k++] = -1;
    }
    int taken[RETEST_CANDIDATES], nt = 0;
    for (int c = 0; c < RETEST_CANDIDATES && c < n; ++c) {
        int b = best_untaken(fit[p], n, taken, nt);
        taken[nt++] = b;
        cand[k] = neat_population_genome(ev->neat[p], b);
        train[k] = fit[p][b];
        idx[k++] = b;
    }
    /* Every (candidate, episode) is a whole episode of its own: with at
     * least as many of them as threads, one thread each (a small world's
     * tick is too short to share); else each tick in parallel. Either way
     * each episode's result is the same, and they are summed below in
     * (candidate, episode) order. */
    double scores[(RETEST_CANDIDATES + 1) * RETEST_EPISODES];
    const int jobs = k * RETEST_EPISODES;
#pragma omp parallel for schedule(dynamic, 1) if (jobs >= omp_get_max_threads())
    for (int j = 0; j < jobs; ++j) {
        int c = j / RETEST_EPISODES, e = j % RETEST_EPISODES;
        uint64_t seed = derive_seed(def->seed, ev->generation, (uint64_t)e, RETEST_PURPOSE);
        EvalMetrics m;
        eval_episode(def, p, CONTROLLER_BRAIN, &cand[c], 1, others, seed, &m);
        scores[j] = m.fitness;
    }
    int win = -1;
    double win_score = 0.0;
    for (int c = 0; c < k; ++c) {
        double sum = 0.0;
        for (int e = 0; e < RETEST_EPISODES; ++e) {
            sum += scores[c * RETEST_EPISODES + e]; /* episode order: deterministic */
        }
        double score = sum / RETEST_EPISODES;
        if (win < 0 || score > win_score) {
            win = c;
            win_score = score;
        }
    }
    if (idx[win] >= 0) {
        genome_copy(&ev->chosen[p], cand[win]);
        ev->chosen_train[p] = train[win];
        ev->chosen_generation[p] = ev->generation + 1;
    }
    ev->chosen_retest[p] = win_score;
    ev->has_chosen[p] = true;
}

#define RETEST_MAGIC 0x54455452u /* "RTET" */

void evolution_retest_save(const Evolution *ev, ByteBuf *out)
{
    buf_put_u32(out, RETEST_MAGIC);
    for (int p = 0; p < ev->pop_count; ++p) {
        buf_put_u8(out, ev->has_chosen[p]);
        if (ev->has_chosen[p]) {
            buf_put_f64(out, ev->chosen_train[p]);
            buf_put_f64(out, ev->chosen_retest[p]);
            buf_put_u64(out, ev->chosen_generation[p]);
            genome_save_buf(&ev->chosen[p], out);
        }
    }
}

PetriStatus evolution_retest_load(Evolution *ev, ByteReader *r, PetriError *err)
{
    if (r->pos >= r->len) {
        return PETRI_OK; /* a checkpoint from before champions were re-tested */
    }
    uint32_t magic = 0;
    reader_u32(r, &magic);
    if (r->bad || magic != RETEST_MAGIC) {
        return error_add(err, PETRI_EFORMAT, "checkpoint: error: bad champion state");
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        uint8_t has = 0;
        reader_u8(r, &has);
        if (r->bad || has > 1 || (has && ev->neat[p] == NULL)) {
            return error_add(err, PETRI_EFORMAT, "checkpoint: error: bad champion state");
        }
        if (!has) {
            continue;
        }
        reader_f64(r, &ev->chosen_train[p]);
        reader_f64(r, &ev->chosen_retest[p]);
        reader_u64(r, &ev->chosen_generation[p]);
        if (r->bad || genome_load_buf(&ev->chosen[p], r, err) != PETRI_OK) {
            return error_add(err, PETRI_EFORMAT, "checkpoint: error: bad champion genome");
        }
        if (ev->chosen[p].inputs != ev->inputs[p] || ev->chosen[p].outputs != WORLD_OUTPUTS) {
            return error_add(err, PETRI_EFORMAT,
                             "checkpoint: error: the champion of population %d does not fit", p);
        }
        ev->has_chosen[p] = true;
    }
    return PETRI_OK;
}

void evolution_retest_hash(const Evolution *ev, Hasher *hs)
{
    for (int p = 0; p < ev->pop_count; ++p) {
        if (ev->has_chosen[p]) {
            genome_hash(&ev->chosen[p], hs);
            hasher_bytes(hs, &ev->chosen_retest[p], sizeof(double));
            hasher_u64(hs, ev->chosen_generation[p]);
        }
    }
}

bool evolution_champion_scores(const Evolution *ev, int pop, double *train, double *retest,
                               uint64_t *generation)
{
    if (pop < 0 || pop >= ev->pop_count || !ev->has_chosen[pop]) {
        return false;
    }
    *train = ev->chosen_train[pop];
    *retest = ev->chosen_retest[pop];
    *generation = ev->chosen_generation[pop];
    return true;
}
