/*
 * The exact-bits math of core/mathx.c: accuracy against the host's long
 * double libm over millions of arguments in every range (the maximum
 * error in ulps is measured, printed and asserted), the special values,
 * and a table of fixed bits. The fixed bits are change detectors: they
 * were written down from this code (release build, x86-64, glibc) and are
 * checked again in every build, -O0 included (make test-O0), and by the
 * musl build's golden hashes indirectly; each was also checked to lie
 * within the stated ulps of long double libm when it was written down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Error of got against the exact value ref, in ulps of the double
 * nearest ref (the ulp of a normal number; tiny refs use the smallest
 * normal's ulp). */
static double ulps_d(double got, long double ref)
{
    double r = (double)ref;
    int e = r == 0.0 ? -1022 : ilogb(r);
    if (e < -1022) {
        e = -1022;
    }
    return (double)(fabsl((long double)got - ref) / ldexpl(1.0L, e - 52));
}

static double ulps_f(float got, long double ref)
{
    float r = (float)ref;
    int e = r == 0.0f ? -126 : ilogbf(r);
    if (e < -126) {
        e = -126;
    }
    return (double)(fabsl((long double)got - ref) / ldexpl(1.0L, e - 23));
}

/* A deterministic stream of doubles: uniform in [lo, hi), or spread over
 * the binades of [lo, hi) when log_scale. */
static double draw(Pcg32 *rng, double lo, double hi, int log_scale)
{
    double u = pcg32_double(rng);
    if (log_scale) {
        return exp(log(lo) + u * (log(hi) - log(lo))) * (pcg32_next(rng) & 1 ? -1.0 : 1.0);
    }
    return lo + u * (hi - lo);
}

typedef struct Range {
    double lo, hi;
    int log_scale;
} Range;

static const Range TRIG_RANGES[] = {
    {-0.7853981633974483, 0.7853981633974483, 0},
    {-10.0, 10.0, 0},
    {-1000.0, 1000.0, 0},
    {-1.5e6, 1.5e6, 0}, /* across the switch of reduction at 2^20 */
    {1e-300, 1e-3, 1},
    {1e6, 1e300, 1},
};
enum { TRIG_DRAWS = 200000 };

static void test_sin_cos_double_within_1_ulp(void **state)
{
    (void)state;
    double worst = 0.0, worst_x = 0.0;
    Pcg32 rng = pcg32_stream(1, 2, 3);
    for (size_t g = 0; g < sizeof TRIG_RANGES / sizeof TRIG_RANGES[0]; ++g) {
        const Range *R = &TRIG_RANGES[g];
        for (int i = 0; i < TRIG_DRAWS; ++i) {
            double x = draw(&rng, R->lo, R->hi, R->log_scale);
            double s, c;
            mathx_sincos(x, &s, &c);
            double es = ulps_d(mathx_sin(x), sinl((long double)x));
            double ec = ulps_d(mathx_cos(x), cosl((long double)x));
            if (s != mathx_sin(x) || c != mathx_cos(x)) {
                fail_msg("sincos(%a) differs from sin and cos", x);
            }
            if (es > worst || ec > worst) {
                worst = es > ec ? es : ec;
                worst_x = x;
            }
        }
    }
    printf("mathx_sin/cos (double): max error %.3f ulp at %a over %d arguments\n", worst,
           worst_x, (int)(TRIG_DRAWS * (sizeof TRIG_RANGES / sizeof TRIG_RANGES[0])));
    assert_true(worst <= 1.0);
}

static void test_sin_cos_float_within_half_ulp(void **state)
{
    (void)state;
    double worst = 0.0;
    float worst_x = 0.0f;
    Pcg32 rng = pcg32_stream(4, 5, 6);
    /* every float in [-4, 4] with 16 low bits in common, and random bit
     * patterns over the whole range */
    for (int i = 0; i < 2 * TRIG_DRAWS; ++i) {
        uint32_t u = i < TRIG_DRAWS ? pcg32_next(&rng) : pcg32_next(&rng) % 0x40800000u;
        float x;
        memcpy(&x, &u, sizeof x);
        if (!isfinite(x)) {
            continue;
        }
        float s, c;
        mathx_sincosf(x, &s, &c);
        float s1 = mathx_sinf(x), c1 = mathx_cosf(x);
        if (memcmp(&s, &s1, 4) != 0 || memcmp(&c, &c1, 4) != 0) {
            fail_msg("sincosf(%a) differs from sinf and cosf", (double)x);
        }
        double es = ulps_f(s1, sinl((long double)x));
        double ec = ulps_f(c1, cosl((long double)x));
        if (es > worst || ec > worst) {
            worst = es > ec ? es : ec;
            worst_x = x;
        }
    }
    printf("mathx_sinf/cosf: max error %.4f ulp at %a\n", worst, (double)worst_x);
    assert_true(worst <= 0.51);
}

/* Arguments whose reduction is hardest: the double nearest a multiple of
 * pi/2 (6381956970095103 * 2^797, the classic worst case), large powers
 * of ten, and the largest double. */
static void test_hard_reductions(void **state)
{
    (void)state;
    const double xs[] = {
        ldexp(6381956970095103.0, 797), 1e22, -1e22, 1e300, DBL_MAX, -DBL_MAX, 0x1p20,
        -0x1p20, 0x1.fffffffffffffp19, 1048576.5, 3.141592653589793, 1.5707963267948966,
        4.71238898038469, 355.0, 103993.0,
    };
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
        double es = ulps_d(mathx_sin(xs[i]), sinl((long double)xs[i]));
        double ec = ulps_d(mathx_cos(xs[i]), cosl((long double)xs[i]));
        if (es > 1.0 || ec > 1.0) {
            fail_msg("at %a: sin %.3f ulp, cos %.3f ulp", xs[i], es, ec);
        }
        float xf = (float)xs[i];
        double fs = ulps_f(mathx_sinf(xf), sinl((long double)xf));
        double fc = ulps_f(mathx_cosf(xf), cosl((long double)xf));
        if (fs > 0.51 || fc > 0.51) {
            fail_msg("at %a (float): sin %.3f ulp, cos %.3f ulp", (double)xf, fs, fc);
        }
    }
}

static void test_trig_special_values(void **state)
{
    (void)state;
    assert_true(mathx_sin(0.0) == 0.0 && !signbit(mathx_sin(0.0)));
    assert_true(mathx_sin(-0.0) == 0.0 && signbit(mathx_sin(-0.0)));
    assert_true(mathx_sinf(-0.0f) == 0.0f && signbit(mathx_sinf(-0.0f)));
    assert_true(mathx_cos(0.0) == 1.0 && mathx_cos(-0.0) == 1.0);
    assert_true(mathx_cosf(-0.0f) == 1.0f);
    assert_true(isnan(mathx_sin(INFINITY)) && isnan(mathx_cos(-INFINITY)));
    assert_true(isnan(mathx_sinf(INFINITY)) && isnan(mathx_cosf(-INFINITY)));
    assert_true(isnan(mathx_sin(NAN)) && isnan(mathx_cosf(NAN)));
    double s, c;
    mathx_sincos(INFINITY, &s, &c);
    assert_true(isnan(s) && isnan(c));
    /* tiny arguments: sin x = x, cos x = 1 */
    assert_true(mathx_sin(1e-300) == 1e-300 && mathx_cos(1e-300) == 1.0);
    assert_true(mathx_sin(0x1p-1074) == 0x1p-1074);
    assert_true(mathx_sinf(1e-30f) == 1e-30f && mathx_cosf(1e-30f) == 1.0f);
    /* the values are bounded everywhere */
    Pcg32 rng = pcg32_stream(7, 8, 9);
    for (int i = 0; i < 100000; ++i) {
        uint64_t u = (uint64_t)pcg32_next(&rng) << 32 | pcg32_next(&rng);
        double x;
        memcpy(&x, &u, sizeof x);
        if (isfinite(x) && !(fabs(mathx_sin(x)) <= 1.0 && fabs(mathx_cos(x)) <= 1.0)) {
            fail_msg("sin or cos of %a out of [-1, 1]", x);
        }
    }
}

static void test_log_within_1_ulp(void **state)
{
    (void)state;
    static const Range ranges[] = {
        {0.5, 2.0, 0}, {1e-300, 1e300, 1}, {0.999, 1.001, 0}, {0x1p-1074, 0x1p-1022, 1},
    };
    double worst = 0.0, worst_x = 0.0;
    Pcg32 rng = pcg32_stream(10, 11, 12);
    for (size_t g = 0; g < sizeof ranges / sizeof ranges[0]; ++g) {
        for (int i = 0; i < TRIG_DRAWS; ++i) {
            double x = fabs(draw(&rng, ranges[g].lo, ranges[g].hi, ranges[g].log_scale));
            double e = ulps_d(mathx_log(x), logl((long double)x));
            if (e > worst) {
                worst = e;
                worst_x = x;
            }
        }
    }
    /* what pcg32_normal feeds it: 1 - u for u a multiple of 2^-53 */
    for (int i = 0; i < TRIG_DRAWS; ++i) {
        double x = 1.0 - pcg32_double(&rng);
        double e = ulps_d(mathx_log(x), logl((long double)x));
        if (e > worst) {
            worst = e;
            worst_x = x;
        }
    }
    printf("mathx_log: max error %.3f ulp at %a\n", worst, worst_x);
    assert_true(worst <= 1.0);
}

static void test_log_special_values(void **state)
{
    (void)state;
    assert_true(mathx_log(1.0) == 0.0 && !signbit(mathx_log(1.0)));
    assert_true(mathx_log(0.0) == -INFINITY && mathx_log(-0.0) == -INFINITY);
    assert_true(mathx_log(INFINITY) == INFINITY);
    assert_true(isnan(mathx_log(-1.0)) && isnan(mathx_log(-INFINITY)) && isnan(mathx_log(NAN)));
    assert_true(mathx_log(2.0) == 0x1.62e42fefa39efp-1); /* ln 2 rounded */
    assert_true(fabs(mathx_log(0x1p-1074) - -744.4400719213812) < 1e-12);
}

static void test_fmod_exact(void **state)
{
    (void)state;
    Pcg32 rng = pcg32_stream(13, 14, 15);
    for (int i = 0; i < TRIG_DRAWS; ++i) {
        double x = draw(&rng, 1e-5, 1e18, 1);
        double y = draw(&rng, 1e-3, 1e6, 1);
        double want = fmod(x, y); /* exact in every IEEE libm */
        double got = mathx_fmod(x, y);
        if (memcmp(&want, &got, sizeof got) != 0) {
            fail_msg("fmod(%a, %a): %a, want %a", x, y, got, want);
        }
    }
    /* ticks against a period: what the world clock does */
    for (uint64_t t = 0; t < 5000; t += 7) {
        assert_true(mathx_fmod((double)t, 100.0) == (double)(t % 100));
        assert_true(mathx_fmod((double)t, 12.5) == fmod((double)t, 12.5));
    }
    assert_true(isnan(mathx_fmod(1.0, 0.0)) && isnan(mathx_fmod(INFINITY, 2.0)));
    assert_true(isnan(mathx_fmod(NAN, 2.0)) && isnan(mathx_fmod(2.0, NAN)));
    assert_true(mathx_fmod(5.0, INFINITY) == 5.0);
    assert_true(signbit(mathx_fmod(-4.0, 2.0)) && mathx_fmod(-5.0, 2.0) == -1.0);
}

static uint64_t bits_d(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static uint32_t bits_f(float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

/* Change detectors: bits written down from this code (see the top of the
 * file). A failure here means the polynomials, the constants or the order
 * of operations changed, which changes every golden state hash. */
static void test_fixed_bits(void **state)
{
    (void)state;
    const double xd[4] = {0.5, -2.75, 100.0, 1e22};
    const uint64_t sin_bits[4] = {0x3fdeaee8744b05f0ull, 0xbfd86d2239c183fcull, 0xbfe03425b78c4db8ull,
                                   0xbfeb453ab76bf397ull};
    const uint64_t cos_bits[4] = {0x3fec1528065b7d50ull, 0xbfed93e294faed14ull, 0x3feb981dbf665fdfull,
                                   0x3fe0be2cef01c8f4ull};
    const float xf[4] = {0.5f, -2.75f, 3.14159265f, 1e6f};
    const uint32_t sinf_bits[4] = {0x3ef57744u, 0xbec36912u, 0xb3bbbd2eu, 0xbeb33259u};
    const uint32_t cosf_bits[4] = {0x3f60a940u, 0xbf6c9f15u, 0xbf800000u, 0x3f6fcefdu};
    const double xl[4] = {0.1, 0.75, 1.0 - 0x1p-53, 0x1p-53};
    const uint64_t log_bits[4] = {0xc0026bb1bbb55515ull, 0xbfd269621134db92ull, 0xbca0000000000000ull,
                                   0xc0425e4f7b2737faull};
    for (int i = 0; i < 4; ++i) {
        assert_int_equal(bits_d(mathx_sin(xd[i])), sin_bits[i]);
        assert_int_equal(bits_d(mathx_cos(xd[i])), cos_bits[i]);
        assert_int_equal(bits_f(mathx_sinf(xf[i])), sinf_bits[i]);
        assert_int_equal(bits_f(mathx_cosf(xf[i])), cosf_bits[i]);
        assert_int_equal(bits_d(mathx_log(xl[i])), log_bits[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sin_cos_double_within_1_ulp),
        cmocka_unit_test(test_sin_cos_float_within_half_ulp),
        cmocka_unit_test(test_hard_reductions),
        cmocka_unit_test(test_trig_special_values),
        cmocka_unit_test(test_log_within_1_ulp),
        cmocka_unit_test(test_log_special_values),
        cmocka_unit_test(test_fmod_exact),
        cmocka_unit_test(test_fixed_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
