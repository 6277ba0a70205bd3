/* Stop conditions: parsing, names, precedence and located errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/sim.h"

#include <string.h>

static const char *const pops[] = {"prey", "predators"};

static bool eval_text(const char *text, const double *vars)
{
    StopExpr e;
    PetriError err;
    error_clear(&err);
    assert_int_equal(stop_compile(&e, text, pops, 2, "t.yaml", &err), PETRI_OK);
    return stop_eval(&e, vars, STOP_VAR_COUNT);
}

static void test_stop_evaluates(void **state)
{
    (void)state;
    double v[STOP_VAR_COUNT] = {0};
    v[STOP_VAR_GENERATION] = 10;
    v[stop_var_index(0, STOP_FIELD_FITNESS_MAX)] = 350;
    v[stop_var_index(1, STOP_FIELD_POP_COUNT)] = 0;
    assert_false(eval_text("prey.fitness_max >= 400 or generation >= 300", v));
    v[stop_var_index(0, STOP_FIELD_FITNESS_MAX)] = 400;
    assert_true(eval_text("prey.fitness_max >= 400 or generation >= 300", v));
    assert_true(eval_text("predators.count == 0", v));
    assert_false(eval_text("not (predators.count == 0)", v));
    /* 'and' binds tighter than 'or'. */
    assert_true(eval_text("generation > 100 and generation < 5 or generation == 10", v));
    assert_false(eval_text("generation > 100 and (generation < 5 or generation == 10)", v));
    assert_true(eval_text("prey.fitness_max - 50 > 300 + -1", v));
    assert_true(eval_text("epoch >= 10", v));
    /* Empty: never stops. */
    assert_false(eval_text("   ", v));
}

static void test_stop_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"prey.fitnes_max > 3", "t.yaml: error: 'stop.when' at column 6: unknown field 'fitnes_max'"},
        {"wolves.count > 3", "at column 1: unknown name 'wolves.count'"},
        {"generation >", "at column 13: unexpected end of expression"},
        {"generation >= 3 prey.count", "at column 17: unexpected 'p'"},
        {"(generation >= 3", "expected ')'"},
        {"generation ? 3", "unexpected '?'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        StopExpr e;
        PetriError err;
        error_clear(&err);
        assert_int_equal(stop_compile(&e, bad[i].text, pops, 2, "t.yaml", &err), PETRI_ECONFIG);
        if (strstr(err.msg, bad[i].expect) == NULL) {
            fail_msg("'%s': got '%s', expected '%s'", bad[i].text, err.msg, bad[i].expect);
        }
        assert_int_equal(err.count, 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_evaluates),
        cmocka_unit_test(test_stop_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
