/*
 * Exact-bits math: sine, cosine, logarithm and remainder written out so
 * that the simulation gives the same bits on every libm (glibc picks a
 * different sinf for CPUs with FMA; musl and macOS differ in the last
 * bits) and at every optimisation level.
 *
 * The rules that make the bits fixed. Only +, -, *, / and conversions,
 * each correctly rounded by IEEE 754 in double precision (x86-64 and
 * AArch64 have no excess precision), evaluated in the order written
 * (-ffp-contract=off forbids fused multiply-adds, -fno-fast-math forbids
 * reassociation). No table is computed at run time; the constants are
 * hexadecimal literals or quotients of exact integers, which every
 * compiler rounds the same way.
 *
 * Sine and cosine. x = k pi/2 + r with |r| <= pi/4 (a little more when the
 * rounding of k falls the other way), then sin or cos of r by its Taylor
 * polynomial chosen by k mod 4. The reduction: for |x| < 2^20 (Cody and
 * Waite) pi/2 is split into parts short enough that k times each is exact
 * (pi/2 = P1 + P2 + P3 to 2^-120); beyond, x is a 53-bit integer times a
 * power of two, multiplied exactly by a 192-bit window of the binary digits
 * of 2/pi (Payne and Hanek) so that even a huge argument is reduced to
 * full precision. The float functions reduce and evaluate in double and
 * round once at the end.
 *
 * Accuracy (tests/test_mathx.c measures it against long double libm over
 * millions of arguments and asserts the bound): sin and cos in double
 * within 1 ulp (0.78 measured), in float within 0.51 ulp (0.50: the
 * float result is the double one rounded); log within 1 ulp (0.78).
 *
 * The Payne-Hanek product uses unsigned __int128 (GCC and Clang on every
 * 64-bit target Petri builds for).
 */
#include "core/core.h"

#include <math.h>
#include <string.h>

/* The binary digits of 2/pi after the point, 1,280 of them, enough for the
 * largest double's reduction. Obtained from mpmath at 2,000 bits
 * (floor(2/pi * 2^1280)); the first word is the well-known a2f9836e... */
static const uint64_t TWO_OVER_PI[20] = {
    0xa2f9836e4e441529ull, 0xfc2757d1f534ddc0ull, 0xdb6295993c439041ull, 0xfe5163abdebbc561ull,
    0xb7246e3a424dd2e0ull, 0x06492eea09d1921cull, 0xfe1deb1cb129a73eull, 0xe88235f52ebb4484ull,
    0xe99c7026b45f7e41ull, 0x3991d639835339f4ull, 0x9c845f8bbdf9283bull, 0x1ff897ffde05980full,
    0xef2f118b5a0a6d1full, 0x6d367ecf27cb09b7ull, 0x4f463f669e5fea2dull, 0x7527bac7ebe5f17bull,
    0x3d0739f78a5292eaull, 0x6bfb5fb11f8d5d08ull, 0x56033046fc7b6babull, 0xf0cfbc209af4361dull,
};

/* pi/2 in parts for the reduction: P1 and P2 have 33 significant bits,
 * so k * P1 and k * P2 are exact for |k| < 2^20; P3 is the next 53 bits
 * (pi/2 - P1 - P2 - P3 is 1e-37). PIO2_HI + PIO2_LO is pi/2 to 2^-107.
 * All from mpmath. */
#define MATHX_P1 0x1.921fb544p+0
#define MATHX_P2 0x1.0b4611a6p-34
#define MATHX_P3 0x1.3198a2e037073p-69
#define MATHX_P2F 0x1.0b4611a626331p-34 /* the float path: P1 + P2F to 4e-27 */
#define MATHX_PIO2_HI 0x1.921fb54442d18p+0
#define MATHX_PIO2_LO 0x1.1a62633145c07p-54
#define MATHX_TWO_OVER_PI 0x1.45f306dc9c883p-1
#define MATHX_ROUND 0x1.8p52 /* adding and subtracting it rounds to an integer */
#define MATHX_CW_LIMIT 0x1p20

__extension__ typedef unsigned __int128 MathxU128;

static double pow2(int n) /* 2^n for n in [-1022, 1023] */
{
    uint64_t bits = (uint64_t)(n + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* 64 digits of 2/pi starting at digit j (0 is the first after the point);
 * digits before the point are 0. */
static uint64_t two_over_pi_bits(int j)
{
    if (j <= -64) {
        return 0;
    }
    if (j < 0) {
        return TWO_OVER_PI[0] >> -j;
    }
    int w = j / 64, s = j % 64;
    uint64_t hi = TWO_OVER_PI[w] << s;
    return s == 0 ? hi : hi | TWO_OVER_PI[w + 1] >> (64 - s);
}

/* a * b = p + e exactly (Dekker; no fused multiply-add needed). */
static double two_prod(double a, double b, double *e)
{
    double p = a * b;
    double ca = 134217729.0 * a, cb = 134217729.0 * b; /* 2^27 + 1 */
    double ah = ca - (ca - a), al = a - ah;
    double bh = cb - (cb - b), bl = b - bh;
    *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return p;
}

/* Payne-Hanek: x (finite, |x| >= 2^20) = k pi/2 + (*rh + *rl); returns
 * k mod 4. */
static int reduce_huge(double x, double *rh, double *rl)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int ex = (int)((bits >> 52) & 0x7ff) - 1075; /* x = m 2^ex, m < 2^53 */
    uint64_t m = (bits & 0xfffffffffffffull) | 0x10000000000000ull;
    /* Digits of 2/pi before i0 give multiples of 4 once multiplied by
     * m 2^ex: drop them. The window's first digit is worth 2 after the
     * product, so the product P = m * W holds x * 2/pi mod 4 as P 2^-190. */
    int i0 = ex - 2; /* 0-based digit index of 2^-(ex-1) */
    uint64_t w0 = two_over_pi_bits(i0), w1 = two_over_pi_bits(i0 + 64),
             w2 = two_over_pi_bits(i0 + 128);
    MathxU128 a = (MathxU128)m * w2;
    uint64_t p3 = (uint64_t)a;
    a = (MathxU128)m * w1 + (a >> 64);
    uint64_t p2 = (uint64_t)a;
    a = (MathxU128)m * w0 + (a >> 64);
    uint64_t p1 = (uint64_t)a;
    int q = (int)(p1 >> 62);
    MathxU128 f = (MathxU128)(p1 << 2 | p2 >> 62) << 64 | (p2 << 2 | p3 >> 62);
    double sign = 1.0;
    if (f >> 127) { /* fraction >= 1/2: round k up, r negative */
        f = -f;
        q += 1;
        sign = -1.0;
    }
    if (f == 0) {
        *rh = *rl = 0.0;
        return (int)((unsigned)q & 3u);
    }
    int lz = 0;
    while (!(f >> 127)) {
        f <<= 1;
        ++lz;
    }
    double fh = (double)(uint64_t)(f >> 75) * pow2(-53 - lz);
    double fl = (double)(uint64_t)(f >> 11) * pow2(-117 - lz);
    /* fh holds the top 53 bits of the fraction, fl the next 64 (rounded):
     * fh + fl is the fraction to about 2^-110 relative */
    double e;
    double p = two_prod(fh, MATHX_PIO2_HI, &e);
    e = e + (fh * MATHX_PIO2_LO + fl * MATHX_PIO2_HI);
    double h = p + e;
    double l = e - (h - p);
    if (x < 0) {
        sign = -sign;
        q = -q;
    }
    *rh = sign * h;
    *rl = sign * l;
    return (int)((unsigned)q & 3u);
}

/* x = k pi/2 + (*rh + *rl), |*rh| <= pi/4 or a little more; returns k mod
 * 4. x is finite. */
static int reduce(double x, double *rh, double *rl)
{
    if (!(x > -MATHX_CW_LIMIT && x < MATHX_CW_LIMIT)) {
        return reduce_huge(x, rh, rl);
    }
    double k = (x * MATHX_TWO_OVER_PI + MATHX_ROUND) - MATHX_ROUND;
    double t = x - k * MATHX_P1; /* exact: k P1 is exact and close to x */
    double w = k * MATHX_P2;     /* exact */
    double y = t - w;
    double err = (t - y) - w; /* exact: what the subtraction lost */
    double c = err - k * MATHX_P3;
    double h = y + c;
    *rh = h;
    *rl = c - (h - y);
    return (int)((uint64_t)(int64_t)k & 3u);
}

/* sin(rh + rl) for |rh| <= pi/4 + a little: the Taylor polynomial to
 * r^17 (the first term left out, r^19/19!, is below 1e-19), plus rl's
 * first-order term. */
static double sin_poly(double rh, double rl)
{
    double z = rh * rh;
    double s = 1.0 / 355687428096000.0; /* 1/17! */
    s = s * z - 1.0 / 1307674368000.0;  /* 1/15! */
    s = s * z + 1.0 / 6227020800.0;     /* 1/13! */
    s = s * z - 1.0 / 39916800.0;       /* 1/11! */
    s = s * z + 1.0 / 362880.0;
    s = s * z - 1.0 / 5040.0;
    s = s * z + 1.0 / 120.0;
    s = s * z - 1.0 / 6.0;
    return rh + (rl * (1.0 - 0.5 * z) + rh * z * s);
}

/* cos(rh + rl) for |rh| <= pi/4 + a little: Taylor to r^16 (the first
 * term left out, r^18/18!, is below 3e-18); 1 - z/2 is split so that its
 * rounding error is kept. */
static double cos_poly(double rh, double rl)
{
    double z = rh * rh;
    double c = 1.0 / 20922789888000.0; /* 1/16! */
    c = c * z - 1.0 / 87178291200.0;   /* 1/14! */
    c = c * z + 1.0 / 479001600.0;     /* 1/12! */
    c = c * z - 1.0 / 3628800.0;
    c = c * z + 1.0 / 40320.0;
    c = c * z - 1.0 / 720.0;
    c = c * z + 1.0 / 24.0;
    double hz = 0.5 * z;
    double w = 1.0 - hz;
    return w + (((1.0 - w) - hz) + (z * z * c - rh * rl));
}

void mathx_sincos(double x, double *s, double *c)
{
    if (!(x - x == 0.0)) { /* NaN or infinite */
        *s = *c = x - x;
        return;
    }
    if (x == 0.0) {
        *s = x; /* keeps the sign of zero */
        *c = 1.0;
        return;
    }
    double rh, rl;
    int q = reduce(x, &rh, &rl);
    double sr = sin_poly(rh, rl), cr = cos_poly(rh, rl);
    switch (q) {
    case 0: *s = sr; *c = cr; break;
    case 1: *s = cr; *c = -sr; break;
    case 2: *s = -sr; *c = -cr; break;
    default: *s = -cr; *c = sr; break;
    }
}

double mathx_sin(double x)
{
    if (!(x - x == 0.0)) { /* NaN or infinite */
        return x - x;
    }
    if (x == 0.0) {
        return x;
    }
    double rh, rl;
    int q = reduce(x, &rh, &rl);
    double v = (q & 1) ? cos_poly(rh, rl) : sin_poly(rh, rl);
    return q & 2 ? -v : v;
}

double mathx_cos(double x)
{
    if (!(x - x == 0.0)) { /* NaN or infinite */
        return x - x;
    }
    double rh, rl;
    int q = reduce(x, &rh, &rl);
    double v = (q & 1) ? sin_poly(rh, rl) : cos_poly(rh, rl);
    return (q + 1) & 2 ? -v : v;
}

/* The float path: |x| < 2^20 reduced with P1 + P2F in double (error far
 * below a float's precision), shorter polynomials (to r^11 and r^12,
 * truncation below 1e-11), rounded to float once. */
static inline int reduce_f(double x, double *r)
{
    if (!(x > -MATHX_CW_LIMIT && x < MATHX_CW_LIMIT)) {
        double rl;
        int q = reduce_huge(x, r, &rl);
        *r += rl;
        return q;
    }
    double k = (x * MATHX_TWO_OVER_PI + MATHX_ROUND) - MATHX_ROUND;
    *r = (x - k * MATHX_P1) - k * MATHX_P2F;
    return (int)((uint64_t)(int64_t)k & 3u);
}

static inline double sin_poly_f(double r)
{
    double z = r * r;
    double s = -1.0 / 39916800.0;
    s = s * z + 1.0 / 362880.0;
    s = s * z - 1.0 / 5040.0;
    s = s * z + 1.0 / 120.0;
    s = s * z - 1.0 / 6.0;
    return r + r * z * s;
}

static inline double cos_poly_f(double r)
{
    double z = r * r;
    double c = 1.0 / 479001600.0;
    c = c * z - 1.0 / 3628800.0;
    c = c * z + 1.0 / 40320.0;
    c = c * z - 1.0 / 720.0;
    c = c * z + 1.0 / 24.0;
    return (1.0 - 0.5 * z) + z * z * c;
}

void mathx_sincosf(float x, float *s, float *c)
{
    if (!(x - x == 0.0f)) { /* NaN or infinite */
        *s = *c = x - x;
        return;
    }
    if (x == 0.0f) {
        *s = x;
        *c = 1.0f;
        return;
    }
    double r;
    int q = reduce_f((double)x, &r);
    double sr = sin_poly_f(r), cr = cos_poly_f(r);
    switch (q) {
    case 0: *s = (float)sr; *c = (float)cr; break;
    case 1: *s = (float)cr; *c = (float)-sr; break;
    case 2: *s = (float)-sr; *c = (float)-cr; break;
    default: *s = (float)-cr; *c = (float)sr; break;
    }
}

float mathx_sinf(float x)
{
    if (!(x - x == 0.0f)) { /* NaN or infinite */
        return x - x;
    }
    if (x == 0.0f) {
        return x;
    }
    double r;
    int q = reduce_f((double)x, &r);
    double v = (q & 1) ? cos_poly_f(r) : sin_poly_f(r);
    return (float)(q & 2 ? -v : v);
}

float mathx_cosf(float x)
{
    if (!(x - x == 0.0f)) { /* NaN or infinite */
        return x - x;
    }
    double r;
    int q = reduce_f((double)x, &r);
    double v = (q & 1) ? sin_poly_f(r) : cos_poly_f(r);
    return (float)((q + 1) & 2 ? -v : v);
}

/* log(x) = e ln2 + log(m), m in [sqrt(2)/2, sqrt(2)), and with f = m - 1,
 * s = f / (2 + f): log(1 + f) = 2 atanh(s) = f - (f^2/2 - s (f^2/2 + R))
 * where R = 2s^2/3 + 2s^4/5 + ... + 2s^20/21 (|s| < 0.172, so the first
 * term left out is below 1e-18 of the result). ln2 is split so that
 * e ln2_hi is exact, and the last two sums keep their rounding errors
 * (e ln2 and log(m) cancel in part when e is -1), so that only the final
 * addition rounds at full weight. */
double mathx_log(double x)
{
    if (x != x || x < 0.0) {
        return NAN;
    }
    if (x == 0.0) {
        return -INFINITY;
    }
    if (x - x != 0.0) {
        return x; /* +inf */
    }
    int e = 0;
    if (x < 0x1p-1022) { /* subnormal: scale into the normal range */
        x *= 0x1p54;
        e = -54;
    }
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    e += (int)(bits >> 52) - 1023;
    bits = (bits & 0xfffffffffffffull) | 0x3ff0000000000000ull; /* m in [1, 2) */
    double m;
    memcpy(&m, &bits, sizeof m);
    if (m > 1.4142135623730951) {
        m *= 0.5; /* exact */
        e += 1;
    }
    double f = m - 1.0; /* exact (Sterbenz) */
    double s = f / (2.0 + f);
    double z = s * s;
    double r = 2.0 / 21.0;
    r = r * z + 2.0 / 19.0;
    r = r * z + 2.0 / 17.0;
    r = r * z + 2.0 / 15.0;
    r = r * z + 2.0 / 13.0;
    r = r * z + 2.0 / 11.0;
    r = r * z + 2.0 / 9.0;
    r = r * z + 2.0 / 7.0;
    r = r * z + 2.0 / 5.0;
    r = r * z + 2.0 / 3.0;
    r = r * z;
    double hfsq = 0.5 * f * f;
    double t = hfsq - s * (hfsq + r); /* |t| < |f| / 4 */
    double lh = f - t;
    double ll = (f - lh) - t; /* exact: what f - t lost */
    double de = (double)e;
    double a = de * 0x1.62e42feep-1; /* exact */
    double sum = a + lh;
    double bb = sum - a;
    double err = (a - (sum - bb)) + (lh - bb); /* exact: what a + lh lost */
    return sum + (err + (ll + de * 0x1.a39ef35793c76p-33));
}

/* Subtracts from |x| the largest multiples |y| 2^j that fit, j falling:
 * each subtraction has t <= x < 2t, so it is exact (Sterbenz), and so is
 * the result, as IEEE fmod is. */
double mathx_fmod(double x, double y)
{
    if (x != x || y != y || y == 0.0 || x - x != 0.0) {
        return NAN;
    }
    double ax = x < 0 ? -x : x, ay = y < 0 ? -y : y;
    if (ay - ay != 0.0 || ax < ay) {
        return x; /* y infinite, or nothing to take away */
    }
    double t = ay;
    while (t <= ax * 0.5) {
        t *= 2.0;
    }
    while (t >= ay) {
        if (ax >= t) {
            ax -= t;
        }
        t *= 0.5;
    }
    return x < 0 ? -ax : ax;
}
