/*
 * The novelty of each generation's champion (generational mode).
 *
 * After a generation is evaluated, the best genome of each evolved
 * population by training fitness is its generation champion; its
 * behaviour descriptor (behaviour_of in sim/evolve.c, averaged over the
 * episodes) is compared with the archive of the earlier generation
 * champions' descriptors: the mean distance to the NOVELTY_K nearest is
 * its novelty (stats.csv, column `novelty`), and then it joins the
 * archive. High novelty: the champion does something the lineage of
 * champions has not done before; near 0: it repeats an old behaviour.
 * The archive is a measurement only (nothing in evolution reads it) and
 * is saved in checkpoints so that a resumed run writes the same column.
 */
#include "sim/evolve_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double novelty_score(const double *archive, int n, const double *d, int k)
{
    if (n <= 0 || k <= 0) {
        return 0.0;
    }
    double *dist = petri_alloc((size_t)n * sizeof *dist);
    for (int i = 0; i < n; ++i) {
        double ss = 0.0;
        for (int j = 0; j < BEHAVIOUR_DIMS; ++j) {
            double x = archive[(size_t)i * BEHAVIOUR_DIMS + j] - d[j];
            ss += x * x;
        }
        dist[i] = sqrt(ss);
    }
    qsort(dist, (size_t)n, sizeof *dist, compare_double);
    int m = k < n ? k : n;
    double sum = 0.0;
    for (int i = 0; i < m; ++i) {
        sum += dist[i]; /* nearest first: the same sum on every machine */
    }
    petri_free(dist, (size_t)n * sizeof *dist);
    return sum / m;
}

void novelty_archive_add(NoveltyArchive *a, const double *d)
{
    if (a->count == a->cap) {
        int ncap = a->cap ? a->cap * 2 : 64;
        a->desc = petri_realloc(a->desc, (size_t)a->cap * BEHAVIOUR_DIMS * sizeof(double),
                                (size_t)ncap * BEHAVIOUR_DIMS * sizeof(double));
        a->cap = ncap;
    }
    memcpy(&a->desc[(size_t)a->count * BEHAVIOUR_DIMS], d, BEHAVIOUR_DIMS * sizeof(double));
    a->count++;
}

void novelty_archive_fini(NoveltyArchive *a)
{
    petri_free(a->desc, (size_t)a->cap * BEHAVIOUR_DIMS * sizeof(double));
    memset(a, 0, sizeof *a);
}

#define NOVELTY_MAGIC 0x4c564f4eu /* "NOVL" */

void evolution_novelty_save(const Evolution *ev, ByteBuf *out)
{
    buf_put_u32(out, NOVELTY_MAGIC);
    buf_put_u32(out, BEHAVIOUR_DIMS);
    for (int p = 0; p < ev->pop_count; ++p) {
        const NoveltyArchive *a = &ev->novelty[p];
        buf_put_u32(out, (uint32_t)a->count);
        for (size_t i = 0; i < (size_t)a->count * BEHAVIOUR_DIMS; ++i) {
            buf_put_f64(out, a->desc[i]);
        }
    }
}

PetriStatus evolution_novelty_load(Evolution *ev, ByteReader *r, PetriError *err)
{
    if (r->pos >= r->len) {
        return PETRI_OK; /* a checkpoint from before novelty was measured */
    }
    uint32_t magic = 0, dims = 0;
    reader_u32(r, &magic);
    reader_u32(r, &dims);
    if (r->bad || magic != NOVELTY_MAGIC || dims != BEHAVIOUR_DIMS) {
        return error_add(err, PETRI_EFORMAT, "checkpoint: error: bad novelty archive");
    }
    for (int p = 0; p < ev->pop_count; ++p) {
        uint32_t count = 0;
        reader_u32(r, &count);
        /* one entry per generation: never more than the generations run,
         * and each needs BEHAVIOUR_DIMS doubles of what is left */
        if (r->bad || count > ev->generation ||
            (uint64_t)count * BEHAVIOUR_DIMS * sizeof(double) > r->len - r->pos) {
            return error_add(err, PETRI_EFORMAT,
                             "checkpoint: error: bad novelty archive of population %d", p);
        }
        for (uint32_t i = 0; i < count; ++i) {
            double d[BEHAVIOUR_DIMS];
            for (int j = 0; j < BEHAVIOUR_DIMS; ++j) {
                reader_f64(r, &d[j]);
            }
            if (r->bad) {
                return error_add(err, PETRI_EFORMAT,
                                 "checkpoint: error: bad novelty archive of population %d", p);
            }
            novelty_archive_add(&ev->novelty[p], d);
        }
    }
    return PETRI_OK;
}
