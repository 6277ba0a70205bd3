/* OpenMP, or its serial stand-in. Files that call omp_* include this
 * instead of <omp.h>, so that the whole simulation also builds without
 * OpenMP (the musl build of make test-musl has no OpenMP runtime); the
 * stand-in runs everything on one thread, and the results are the same
 * bits, since nothing in Petri depends on the thread count. */
#ifndef PETRI_PARALLEL_H
#define PETRI_PARALLEL_H

#ifdef _OPENMP
#include <omp.h>
#else
static inline int omp_get_max_threads(void)
{
    return 1;
}
static inline int omp_get_thread_num(void)
{
    return 0;
}
static inline int omp_get_num_threads(void)
{
    return 1;
}
static inline void omp_set_num_threads(int n)
{
    (void)n;
}
static inline void omp_set_max_active_levels(int n)
{
    (void)n;
}
#endif

#endif
