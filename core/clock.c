/* Monotonic clocks and human-readable durations. */
#include "core/core.h"

#include <time.h>

uint64_t clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

double clock_seconds(void)
{
    return (double)clock_ns() * 1e-9;
}

void format_duration(double seconds, char *out, size_t cap)
{
    if (!(seconds >= 0.0)) {
        snprintf(out, cap, "?");
    } else if (seconds < 60.0) {
        snprintf(out, cap, "%.1fs", seconds);
    } else if (seconds < 3600.0) {
        long s = (long)(seconds + 0.5);
        snprintf(out, cap, "%ldm%02lds", s / 60, s % 60);
    } else {
        long m = (long)(seconds / 60.0 + 0.5);
        snprintf(out, cap, "%ldh%02ldm", m / 60, m % 60);
    }
}
