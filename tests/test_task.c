/*
 * `petri task`: small XOR and pole runs solve (pole2-novel too), the same
 * seed gives the same table at any thread count, champions written with
 * --out load back and solve, and bad arguments are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "experiments/tasks_internal.h"
#include "genome/genome_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_xor_runs_solve(void **state)
{
    (void)state;
    const TaskSpec *t = task_find("xor");
    assert_non_null(t);
    NeatDef def = neat_default_def();
    t->tune(&def);
    for (int r = 0; r < 3; ++r) {
        TaskRun run;
        task_run_one(t, &def, task_run_seed(1, r), t->max_generations, &run);
        assert_true(run.solved);
        assert_true(run.evaluations == (uint64_t)run.generations * (uint64_t)def.population_size);
        bool ok = false;
        xor_error(&run.champion, &ok);
        assert_true(ok);
        assert_int_equal(run.hidden, genome_hidden_count(&run.champion));
        assert_true(run.conns >= 3); /* XOR needs a hidden node or more links */
        genome_fini(&run.champion);
    }
}

static void test_pole2_run_solves(void **state)
{
    (void)state;
    const TaskSpec *t = task_find("pole2");
    assert_non_null(t);
    NeatDef def = neat_default_def();
    t->tune(&def);
    TaskRun run;
    task_run_one(t, &def, task_run_seed(3, 0), t->max_generations, &run);
    assert_true(run.solved);
    BrainPool *pool = brain_pool_create();
    int b = brain_pool_add(pool, &run.champion);
    PoleState start = pole_start_state();
    assert_int_equal(pole_balance(pool, b, &start, true, POLE_SOLVE_STEPS, NULL), POLE_SOLVE_STEPS);
    /* a solution balances in double precision too */
    assert_true(pole2_recheck(&run.champion));
    PoleNet64 *net = pole_net64_create(&run.champion);
    assert_int_equal(pole_balance64(net, &start, true, POLE_SOLVE_STEPS), POLE_SOLVE_STEPS);
    pole_net64_destroy(net);
    brain_pool_destroy(pool);
    genome_fini(&run.champion);
    assert_null(task_find("no-such-task"));
}

/* A controller that balances only thanks to float32 rounding: a
 * solution, plus a hidden node whose sum is 1 + 1e8 - 1e8 (bias, then two
 * connections from the bias node). In float32, 1 + 1e8 rounds to 1e8 and
 * the node is 0, so the output is the solution's; in double it is 1, and
 * its connection of weight 30 pins the output to one side. */
static void add_float_only_offset(Genome *g)
{
    uint32_t node = 0, innov = 0;
    for (int i = 0; i < g->node_count; ++i) {
        node = g->nodes[i].id >= node ? g->nodes[i].id + 1 : node;
    }
    for (int i = 0; i < g->conn_count; ++i) {
        innov = g->conns[i].innovation >= innov ? g->conns[i].innovation + 1 : innov;
    }
    uint32_t bias = (uint32_t)g->inputs, out = (uint32_t)g->inputs + 1;
    genome_insert_node(g, (NodeGene){.id = node, .kind = NODE_HIDDEN,
                                     .activation = ACT_IDENTITY, .bias = 1.0f});
    genome_insert_conn(g, (ConnGene){.innovation = innov, .from = bias, .to = node,
                                     .weight = 1e8f, .enabled = 1});
    genome_insert_conn(g, (ConnGene){.innovation = innov + 1, .from = bias, .to = node,
                                     .weight = -1e8f, .enabled = 1});
    genome_insert_conn(g, (ConnGene){.innovation = innov + 2, .from = node, .to = out,
                                     .weight = 30.0f, .enabled = 1});
}

/* A fitness that claims every genome balanced all 100,000 steps. */
static double claim_solved(const Genome *g, int index, void *ctx)
{
    (void)g;
    (void)index;
    (void)ctx;
    return (double)POLE_SOLVE_STEPS;
}

/* pole2's solution search rechecks every genome whose float32 fitness
 * says it solved: founders with random weights fail in double precision,
 * so each is refused and counted, and the generation has no solution. */
static void test_find_solution_counts_refusals(void **state)
{
    (void)state;
    const TaskSpec *t = task_find("pole2");
    NeatDef def = neat_default_def();
    t->tune(&def);
    NeatPopulation *pop = neat_population_create(&def, t->inputs, t->outputs, 5);
    neat_population_evaluate(pop, claim_solved, NULL);
    TaskCheck check = {.generation = 1};
    assert_int_equal(t->find_solution(pop, &check), -1);
    assert_int_equal(check.refused, def.population_size);
    assert_int_equal(check.first_refused, 1);
    neat_population_destroy(pop);
}

static void test_recheck_refuses_a_float_only_solution(void **state)
{
    (void)state;
    const TaskSpec *t = task_find("pole2");
    NeatDef def = neat_default_def();
    t->tune(&def);
    TaskRun run;
    task_run_one(t, &def, task_run_seed(3, 0), t->max_generations, &run);
    assert_true(run.solved);
    assert_int_equal(run.refused, 0);
    Genome marginal = {0};
    genome_copy(&marginal, &run.champion);
    add_float_only_offset(&marginal);
    BrainPool *pool = brain_pool_create();
    int b = brain_pool_add(pool, &marginal);
    PoleState start = pole_start_state();
    /* float32: still a solution */
    assert_int_equal(pole_balance(pool, b, &start, true, POLE_SOLVE_STEPS, NULL), POLE_SOLVE_STEPS);
    /* double: the cart is pushed one way and fails within a second */
    PoleNet64 *net = pole_net64_create(&marginal);
    assert_true(pole_balance64(net, &start, true, POLE_SOLVE_STEPS) < 100);
    pole_net64_destroy(net);
    assert_false(pole2_recheck(&marginal));
    brain_pool_destroy(pool);
    genome_fini(&marginal);
    genome_fini(&run.champion);
}

/* Runs the petri binary with a shell command line; returns the exit code
 * and the first `cap` bytes of stdout in out. */
static int run_petri(const char *args, char *out, size_t cap)
{
    const char *bin = getenv("PETRI_BIN");
    if (bin == NULL) {
        bin = "build/release/petri";
    }
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s 2>/dev/null", bin, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Drops the fields that may differ between thread counts. */
static void strip_field(char *json, const char *key)
{
    char *at = strstr(json, key);
    if (at == NULL) {
        return;
    }
    char *end = strchr(at, ',');
    assert_non_null(end);
    memmove(at, end + 1, strlen(end + 1) + 1);
}

static void test_cli_json_is_thread_independent(void **state)
{
    (void)state;
    static char a[1 << 16], b[1 << 16];
    assert_int_equal(run_petri("task xor --runs 4 --seed 9 --json --threads 1", a, sizeof a), 0);
    assert_int_equal(run_petri("task xor --runs 4 --seed 9 --json --threads 2", b, sizeof b), 0);
    assert_non_null(strstr(a, "\"success_rate\": 1.0000"));
    assert_non_null(strstr(a, "\"mean_evaluations\""));
    assert_non_null(strstr(a, "\"median_evaluations\""));
    assert_non_null(strstr(a, "\"mean_hidden_nodes\""));
    assert_non_null(strstr(a, "\"mean_enabled_connections\""));
    strip_field(a, "\"threads\"");
    strip_field(b, "\"threads\"");
    strip_field(a, "\"wall_seconds\"");
    strip_field(b, "\"wall_seconds\"");
    assert_string_equal(a, b);
}

static void test_cli_out_writes_champions(void **state)
{
    (void)state;
    char dir[] = "/tmp/petri-test-task-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char args[512], out[8192];
    snprintf(args, sizeof args, "task xor --runs 2 --seed 4 --out %s/champs --quiet", dir);
    assert_int_equal(run_petri(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "solved            2 of 2"));
    for (int r = 0; r < 2; ++r) {
        char path[512];
        snprintf(path, sizeof path, "%s/champs/xor-run%03d.json", dir, r);
        Genome g = {0};
        PetriError err;
        error_clear(&err);
        assert_int_equal(genome_load_json(&g, path, &err), PETRI_OK);
        bool ok = false;
        xor_error(&g, &ok);
        assert_true(ok);
        genome_fini(&g);
        remove(path);
    }
    char sub[512];
    snprintf(sub, sizeof sub, "%s/champs", dir);
    rmdir(sub);
    rmdir(dir);
}

/* pole2-novel: a run that solves has a champion that balances 100,000
 * steps from the task's start (long pole at 0.07 rad) and 200 or more of
 * the 625 generalisation starts; the choice of the tested champion keeps
 * per-run state, and the table stays the same at any thread count. */
static void test_pole2_novel_solves_and_is_thread_independent(void **state)
{
    (void)state;
    const TaskSpec *t = task_find("pole2-novel");
    assert_non_null(t);
    NeatDef def = neat_default_def();
    t->tune(&def);
    assert_int_equal(def.population_stagnation, 20);
    TaskRun run;
    task_run_one(t, &def, task_run_seed(1, 1), 40, &run);
    assert_true(run.solved);
    BrainPool *pool = brain_pool_create();
    int b = brain_pool_add(pool, &run.champion);
    PoleState start = pole_start_state();
    start.theta1 = 0.07;
    assert_int_equal(pole_balance(pool, b, &start, false, POLE_SOLVE_STEPS, NULL),
                     POLE_SOLVE_STEPS);
    assert_true(pole_generalisation(pool, b) >= 200);
    assert_true(pole2_novel_recheck(&run.champion));
    brain_pool_destroy(pool);
    genome_fini(&run.champion);

    static char a[1 << 16], c[1 << 16];
    const char *args = "task pole2-novel --runs 2 --generations 40 --seed 1 --json";
    char cmd[256];
    snprintf(cmd, sizeof cmd, "%s --threads 1", args);
    assert_int_equal(run_petri(cmd, a, sizeof a), 0);
    snprintf(cmd, sizeof cmd, "%s --threads 2", args);
    assert_int_equal(run_petri(cmd, c, sizeof c), 0);
    assert_non_null(strstr(a, "\"successes\": 1"));
    assert_non_null(strstr(a, "\"recheck\": \"passed\""));
    assert_non_null(strstr(a, "\"recheck_refused\": 0"));
    strip_field(a, "\"threads\"");
    strip_field(c, "\"threads\"");
    strip_field(a, "\"wall_seconds\"");
    strip_field(c, "\"wall_seconds\"");
    assert_string_equal(a, c);
}

static void test_cli_refuses_bad_arguments(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(run_petri("task", out, sizeof out), 2);
    assert_int_equal(run_petri("task nope", out, sizeof out), 2);
    assert_int_equal(run_petri("task xor --runs 0", out, sizeof out), 2);
    assert_int_equal(run_petri("task xor --runs", out, sizeof out), 2);
    assert_int_equal(run_petri("task xor --seed -3", out, sizeof out), 2);
    assert_int_equal(run_petri("task xor --bogus", out, sizeof out), 2);
    assert_int_equal(run_petri("task xor --set nope=1", out, sizeof out), 2);
    assert_int_equal(run_petri("task xor --set c3=many", out, sizeof out), 2);
    assert_int_equal(run_petri("task --help", out, sizeof out), 0);
    assert_non_null(strstr(out, "pole2-novel"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xor_runs_solve),
        cmocka_unit_test(test_pole2_run_solves),
        cmocka_unit_test(test_recheck_refuses_a_float_only_solution),
        cmocka_unit_test(test_find_solution_counts_refusals),
        cmocka_unit_test(test_cli_json_is_thread_independent),
        cmocka_unit_test(test_cli_out_writes_champions),
        cmocka_unit_test(test_pole2_novel_solves_and_is_thread_independent),
        cmocka_unit_test(test_cli_refuses_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
