/*
 * The compiled brains' own exponential (brain/brain.c: exp_f32, reached
 * through brain_activation_f32): accurate over the whole float range it
 * clamps to, exact limits far out, NaN kept, and the same bits whatever
 * the build: fixed bits, written down from an -O2 build and checked by
 * make test, test-asan (-O1) and test-O0 (-O0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "brain/brain.h"

#include <math.h>
#include <string.h>

/* exp(-x^2) through the Gaussian activation gives exp of any argument
 * <= 0; the sigmoid reaches the positive side: 1/(1+exp(-x)). */
static void test_gauss_matches_exp(void **state)
{
    (void)state;
    for (int i = 0; i <= 9300; ++i) {
        float x = (float)i * 0.001f; /* exp(-x^2) down to about exp(-86.5) */
        double want = exp(-(double)x * (double)x);
        double got = brain_activation_f32(ACT_GAUSS, x);
        /* relative error about 3e-7, plus the rounding of x*x in float
         * (relative 6e-8 of an argument up to 86) */
        double tol = want * (1e-6 + 2e-7 * (double)x * (double)x);
        if (fabs(got - want) > tol) {
            fail_msg("gauss(%g): %.9g, exp %.9g", (double)x, got, want);
        }
    }
}

static void test_limits(void **state)
{
    (void)state;
    /* far out the activations reach their limits exactly */
    assert_true(brain_activation_f32(ACT_SIGMOID, 200.0f) == 1.0f);
    assert_true(brain_activation_f32(ACT_SIGMOID, -200.0f) >= 0.0f);
    assert_true(brain_activation_f32(ACT_SIGMOID, -200.0f) < 1e-37f);
    assert_true(brain_activation_f32(ACT_TANH, 50.0f) == 1.0f);
    assert_true(brain_activation_f32(ACT_TANH, -50.0f) == -1.0f);
    assert_true(brain_activation_f32(ACT_TANH, INFINITY) == 1.0f);
    assert_true(brain_activation_f32(ACT_TANH, -INFINITY) == -1.0f);
    assert_true(brain_activation_f32(ACT_GAUSS, 20.0f) < 1e-37f);
    assert_true(brain_activation_f32(ACT_GAUSS, 0.0f) == 1.0f);
    assert_true(brain_activation_f32(ACT_SIGMOID, 0.0f) == 0.5f);
    assert_true(brain_activation_f32(ACT_TANH, 0.0f) == 0.0f);
    /* NaN stays NaN */
    assert_true(isnan(brain_activation_f32(ACT_SIGMOID, NAN)));
    assert_true(isnan(brain_activation_f32(ACT_GAUSS, NAN)));
}

/* Fixed points of the polynomial, recorded from an -O2 build and checked
 * equal at -O0 by make test-O0: a change of the constants or of the order
 * of the operations shows here before it shows as a changed state hash. */
static void test_fixed_bits(void **state)
{
    (void)state;
    const float xs[4] = {0.5f, -1.25f, 3.0f, -7.75f};
    const uint32_t sigmoid_bits[4] = {0x3f1f597f, 0x3e640b81, 0x3f73dbe6, 0x39e1bc66};
    const uint32_t gauss_bits[4] = {0x3f707d60, 0x3f2d37e0, 0x3dd7db8c, 0x34a1af14};
    for (int i = 0; i < 4; ++i) {
        float a = brain_activation_f32(ACT_SIGMOID, xs[i]);
        float g = brain_activation_f32(ACT_GAUSS, xs[i] * 0.5f);
        uint32_t ua, ug;
        memcpy(&ua, &a, sizeof ua);
        memcpy(&ug, &g, sizeof ug);
        assert_int_equal(ua, sigmoid_bits[i]);
        assert_int_equal(ug, gauss_bits[i]);
        double want = 1.0 / (1.0 + exp(-(double)xs[i]));
        assert_true(fabs((double)a - want) <= 1e-6 * want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gauss_matches_exp),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_fixed_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
