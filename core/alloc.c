/* The one allocation seam. Every byte goes through these functions, which
 * count calls and live bytes so that tests can check that a steady run
 * stops allocating. Out of memory ends the program: this is an
 * application, not a library. */
#include "core/core.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static _Atomic uint64_t alloc_calls;
static _Atomic int64_t alloc_live;
static _Atomic int64_t alloc_peak;

static void alloc_fail(size_t size)
{
    fprintf(stderr, "petri: out of memory (asked for %zu bytes)\n", size);
    abort();
}

static void alloc_count(int64_t delta, bool is_new)
{
    if (is_new) {
        atomic_fetch_add_explicit(&alloc_calls, 1, memory_order_relaxed);
    }
    int64_t live = atomic_fetch_add_explicit(&alloc_live, delta, memory_order_relaxed) + delta;
    int64_t peak = atomic_load_explicit(&alloc_peak, memory_order_relaxed);
    while (live > peak &&
           !atomic_compare_exchange_weak_explicit(&alloc_peak, &peak, live, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
}

void *petri_alloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL) {
        alloc_fail(size);
    }
    alloc_count((int64_t)size, true);
    return p;
}

void *petri_calloc(size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        alloc_fail(SIZE_MAX);
    }
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL) {
        alloc_fail(count * size);
    }
    alloc_count((int64_t)(count * size), true);
    return p;
}

void *petri_realloc(void *p, size_t old_size, size_t new_size)
{
    if (p == NULL) {
        return petri_alloc(new_size);
    }
    void *q = realloc(p, new_size ? new_size : 1);
    if (q == NULL) {
        alloc_fail(new_size);
    }
    alloc_count((int64_t)new_size - (int64_t)old_size, new_size > old_size);
    return q;
}

void petri_free(void *p, size_t size)
{
    if (p == NULL) {
        return;
    }
    free(p);
    alloc_count(-(int64_t)size, false);
}

char *petri_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = petri_alloc(n);
    memcpy(d, s, n);
    return d;
}

AllocStats petri_alloc_stats(void)
{
    AllocStats s = {
        .allocations = atomic_load(&alloc_calls),
        .live_bytes = atomic_load(&alloc_live),
        .peak_bytes = atomic_load(&alloc_peak),
    };
    return s;
}

void arena_init(Arena *a, size_t cap)
{
    a->base = petri_alloc(cap);
    a->used = 0;
    a->cap = cap;
}

void *arena_alloc(Arena *a, size_t size)
{
    size_t start = (a->used + 15u) & ~(size_t)15u;
    if (start > a->cap || size > a->cap - start) {
        fprintf(stderr, "petri: arena of %zu bytes is full (asked for %zu more)\n", a->cap, size);
        abort();
    }
    a->used = start + size;
    return a->base + start;
}

void arena_reset(Arena *a)
{
    a->used = 0;
}

void arena_fini(Arena *a)
{
    petri_free(a->base, a->cap);
    a->base = NULL;
    a->used = a->cap = 0;
}
