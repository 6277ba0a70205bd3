/* PCG32 (O'Neill 2014): a 64-bit linear congruential generator whose
 * output is permuted by XSH-RR (xorshift high, random rotate) down to 32
 * bits. Streams are selected by the odd increment. Every stream in Petri
 * belongs to an agent, a cell, an arena or a purpose, never to a thread. */
#include "core/core.h"

#include <math.h>

#define PCG32_MULT 6364136223846793005ULL

void pcg32_seed(Pcg32 *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0;
    rng->inc = (initseq << 1u) | 1u;
    (void)pcg32_next(rng);
    rng->state += initstate;
    (void)pcg32_next(rng);
}

uint32_t pcg32_next(Pcg32 *rng)
{
    uint64_t old = rng->state;
    rng->state = old * PCG32_MULT + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

uint32_t pcg32_bounded(Pcg32 *rng, uint32_t bound)
{
    /* Reject draws below 2^32 mod bound so that every residue is equally
     * likely. */
    uint32_t threshold = (-bound) % bound;
    for (;;) {
        uint32_t r = pcg32_next(rng);
        if (r >= threshold) {
            return r % bound;
        }
    }
}

float pcg32_float(Pcg32 *rng)
{
    return (float)(pcg32_next(rng) >> 8) * 0x1.0p-24f;
}

double pcg32_double(Pcg32 *rng)
{
    uint64_t hi = pcg32_next(rng) >> 5; /* 27 bits */
    uint64_t lo = pcg32_next(rng) >> 6; /* 26 bits */
    return (double)((hi << 26) | lo) * 0x1.0p-53;
}

double pcg32_normal(Pcg32 *rng)
{
    double u1 = pcg32_double(rng);
    double u2 = pcg32_double(rng);
    /* 1 - u1 is in (0, 1], so the log is finite. The log and cosine are
     * core/mathx.c's, the same bits on every libm; sqrt is IEEE's,
     * correctly rounded everywhere. */
    double r = sqrt(-2.0 * mathx_log(1.0 - u1));
    return r * mathx_cos(6.283185307179586 * u2);
}

void pcg32_advance(Pcg32 *rng, uint64_t delta)
{
    /* Brown's method: compose the affine step x -> a x + c with itself
     * by squaring, O(log delta). */
    uint64_t cur_mult = PCG32_MULT, cur_plus = rng->inc;
    uint64_t acc_mult = 1, acc_plus = 0;
    while (delta > 0) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1u;
    }
    rng->state = acc_mult * rng->state + acc_plus;
}

uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

Pcg32 pcg32_stream(uint64_t seed, uint64_t id, uint32_t purpose)
{
    /* Chain the mixer so that each of (seed, id, purpose) changes every
     * bit of both the state and the stream selector. */
    uint64_t a = mix64(seed ^ mix64(((uint64_t)purpose << 32) ^ 0x5045545249ULL));
    uint64_t b = mix64(a ^ mix64(id + 0x243f6a8885a308d3ULL));
    uint64_t initstate = mix64(b ^ 0x13198a2e03707344ULL);
    uint64_t initseq = mix64(b + 0xa4093822299f31d0ULL);
    Pcg32 rng;
    pcg32_seed(&rng, initstate, initseq);
    return rng;
}
