/* The run object (sim.h run API) as the viewer and the islands embed it:
 * an observer changes nothing; a live config change is applied, recorded
 * and re-applied after a crash so that resume stays exact; keys that need
 * a restart change nothing; the folder lock holds within one process too;
 * checkpoint_parse reads a checkpoint from memory; genomes put into a run
 * arrive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/evolve_internal.h"
#include "sim/run_internal.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

static char tmp[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/petri_test_run_object_XXXXXX");
    if (mkdtemp(tmp) == NULL) {
        return -1;
    }
    omp_set_num_threads(2);
    log_set_level(LOG_WARN);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return sh("rm -rf '%s'", tmp) == 0 ? 0 : -1;
}

static const char *const small_sets[] = {
    "seed=11",
    "world.size=[48,48]",
    "populations.0.name=prey",
    "populations.0.count=16",
    "populations.1.name=hunters",
    "populations.1.count=6",
    "evolution.episodes=2",
    "evolution.episode_ticks=40",
    "evolution.epoch_ticks=40",
    "evolution.floor=3",
    "evolution.checkpoint_every=3",
    "evolution.generations=6",
};
enum { SMALL_SETS = (int)(sizeof small_sets / sizeof small_sets[0]) };

/* The small config with mode set. */
static Run *small_run(const char *mode, const char *dir)
{
    const char *sets[SMALL_SETS + 1];
    memcpy(sets, small_sets, sizeof small_sets);
    char m[64];
    snprintf(m, sizeof m, "evolution.mode=%s", mode);
    sets[SMALL_SETS] = m;
    RunOptions opt = run_default_options();
    opt.in_memory = dir == NULL;
    opt.out_dir = dir;
    Run *r = NULL;
    PetriError err;
    error_clear(&err);
    PetriStatus s = run_create(NULL, sets, SMALL_SETS + 1, &opt, &r, &err);
    if (s != PETRI_OK) {
        error_print(&err, stderr);
    }
    assert_int_equal(s, PETRI_OK);
    return r;
}

static void step_to(Run *r, uint64_t gen)
{
    PetriError err;
    error_clear(&err);
    while (run_stats(r)->generation < gen && !run_done(r, NULL)) {
        assert_int_equal(run_step(r, &err), PETRI_OK);
    }
    assert_int_equal(run_stats(r)->generation, gen);
}

typedef struct Seen {
    uint64_t calls, last_tick, generation;
    int episode, agents_first;
    bool ticks_rise;
} Seen;

static void observer(void *user, const RunView *v)
{
    Seen *s = user;
    if (s->calls > 0 && v->generation == s->generation && v->tick <= s->last_tick) {
        s->ticks_rise = false;
    }
    if (s->calls == 0) {
        s->agents_first = world_agent_count(v->world);
    }
    s->calls++;
    s->last_tick = v->tick;
    s->generation = v->generation;
    s->episode = v->episode;
    assert_non_null(v->brains);
}

static void check_observer(const char *mode, int episode)
{
    Run *a = small_run(mode, NULL);
    step_to(a, 4);
    uint64_t plain = run_hash(a);
    run_close(a, NULL);

    Run *b = small_run(mode, NULL);
    Seen seen = {.ticks_rise = true};
    run_set_observer(b, observer, &seen);
    step_to(b, 4);
    assert_true(run_hash(b) == plain);
    /* Every tick of the observed world: 40 a generation (fewer only when
     * every agent dies first, which this config does not do). */
    assert_int_equal(seen.calls, 4 * 40);
    assert_true(seen.ticks_rise);
    assert_int_equal(seen.generation, 4);
    assert_int_equal(seen.episode, episode);
    run_close(b, NULL);
}

static void test_observer_changes_nothing(void **state)
{
    (void)state;
    check_observer("generational", 0);
    check_observer("open_ended", -1);
}

/* Copies folder a to b, as a crash would leave it (cp -a: the lock file
 * comes along, unlocked, as after a crash). */
static void copy_folder(const char *a, const char *b)
{
    assert_int_equal(sh("cp -a '%s' '%s'", a, b), 0);
}

/* A live change after generation 3 (checkpoints every 3): a run that
 * crashes at generation 5, before any checkpoint holds the change, and is
 * resumed, ends at generation 6 exactly where the run never interrupted
 * ends; and both differ from a run without the change. The change includes
 * a NEAT mutation rate, which a generational run's NEAT populations must
 * take too (they keep their own copy of the settings), also when the
 * change is re-applied on resume. */
/* The add-node rate prey's genomes mutate with (generational: the NEAT
 * population's own copy; open-ended: the run's settings). */
static double prey_add_node_rate(const Run *r)
{
    if (r->ev->neat[0] != NULL) {
        return neat_population_def(r->ev->neat[0])->add_node_rate;
    }
    return run_def(r)->neat.add_node_rate;
}

static void check_change_resume(const char *mode)
{
    const bool generational = strcmp(mode, "generational") == 0;
    char straight[400], crashed[400];
    snprintf(straight, sizeof straight, "%s/%s-straight", tmp, mode);
    snprintf(crashed, sizeof crashed, "%s/%s-crashed", tmp, mode);
    Run *plain = small_run(mode, NULL);
    step_to(plain, 6);
    uint64_t unchanged = run_hash(plain);
    run_close(plain, NULL);

    Run *a = small_run(mode, straight);
    step_to(a, 3);
    RunDef next = *run_def(a);
    next.world.food.regrowth *= 3.0;
    next.populations[0].metabolism *= 2.0;
    assert_true(next.neat.add_node_rate != 0.5);
    next.neat.add_node_rate = 0.5;
    RunChange ch[8];
    int count = 0;
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_apply_def(a, &next, ch, 8, &count, &err), PETRI_OK);
    assert_int_equal(count, 3);
    assert_true(ch[0].applied && ch[1].applied && ch[2].applied);
    assert_true(run_def(a)->world.food.regrowth == next.world.food.regrowth);
    assert_true(prey_add_node_rate(a) == 0.5);
    assert_true(!generational || a->ev->neat[0] != NULL);
    step_to(a, 5);
    copy_folder(straight, crashed); /* the crash: no checkpoint since 3 */
    step_to(a, 6);
    uint64_t changed = run_hash(a);
    assert_true(changed != unchanged);
    assert_int_equal(run_close(a, &err), PETRI_OK);

    char path[600];
    snprintf(path, sizeof path, "%s/changes.csv", straight);
    char *text = slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "generation,tick,key,old_value,new_value\n3,"));
    assert_non_null(strstr(text, "\"world.food.regrowth\""));
    assert_non_null(strstr(text, "\"populations.0.energy.metabolism\""));
    assert_non_null(strstr(text, "\"neat.add_node_rate\""));
    free(text);

    /* A crash in the middle of recording a change leaves half a row: it
     * was never applied, and resume cuts it off. */
    static const char torn_row[] = "4,0,\"world.food.regr";
    snprintf(path, sizeof path, "%s/changes.csv", crashed);
    FILE *tf = fopen(path, "ab");
    assert_non_null(tf);
    fputs(torn_row, tf);
    fclose(tf);

    Run *b = NULL;
    assert_int_equal(run_resume(crashed, NULL, &b, &err), PETRI_OK);
    const RunStats *st = run_stats(b);
    assert_int_equal(st->generation, 3);
    /* The checkpoint at 3 predates the change: the loaded population
     * holds the old rate until the first step re-applies the change. */
    assert_true(prey_add_node_rate(b) != 0.5);
    /* The history before the resume is read back from stats.csv. */
    assert_int_equal(st->history_len, 3);
    for (int i = 0; i < 3; ++i) {
        assert_int_equal(st->history[i].generation, i + 1);
        assert_true(st->history[i].pop[0].v[STOP_FIELD_POP_COUNT] > 0);
    }
    assert_memory_equal(st->pop, st->history[2].pop, sizeof st->pop);
    step_to(b, 6);
    assert_int_equal(run_stats(b)->history_len, 6);
    assert_true(run_hash(b) == changed);
    assert_true(run_def(b)->world.food.regrowth == next.world.food.regrowth);
    assert_true(prey_add_node_rate(b) == 0.5);
    assert_int_equal(run_close(b, &err), PETRI_OK);
    /* The resumed run wrote no second copy of the change, and the half
     * row is gone. */
    snprintf(path, sizeof path, "%s/changes.csv", crashed);
    text = slurp(path);
    assert_null(strstr(text, torn_row));
    assert_true(text[strlen(text) - 1] == '\n');
    int rows = 0;
    for (char *p = text; *p; ++p) {
        rows += *p == '\n';
    }
    assert_int_equal(rows, 4);
    free(text);
}

static void test_live_change_survives_a_crash_and_resume(void **state)
{
    (void)state;
    check_change_resume("generational");
    check_change_resume("open_ended");
}

/* Keys that need a restart are listed as not applied and change nothing;
 * a change that fails (a stop condition naming no population) changes
 * nothing at all, not even the live keys that came with it. */
static void test_restart_keys_change_nothing(void **state)
{
    (void)state;
    Run *r = small_run("generational", NULL);
    step_to(r, 1);
    RunDef before = *run_def(r);
    RunDef next = before;
    next.world.size[0] = 64;
    next.populations[0].count = 20;
    RunChange ch[8];
    int count = 0;
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_apply_def(r, &next, ch, 8, &count, &err), PETRI_OK);
    assert_int_equal(count, 2);
    assert_false(ch[0].applied);
    assert_false(ch[1].applied);
    assert_memory_equal(run_def(r), &before, sizeof before);
    /* A stop condition that does not compile: an error, nothing changes. */
    next = before;
    next.evolution.max_wall_s = 100;
    snprintf(next.evolution.stop_when, sizeof next.evolution.stop_when, "nobody.count < 1");
    assert_int_not_equal(run_apply_def(r, &next, ch, 8, &count, &err), PETRI_OK);
    assert_memory_equal(run_def(r), &before, sizeof before);
    run_close(r, NULL);
}

/* A new run onto dir refused because the folder is in use, naming pid. */
static void check_new_run_locked_out(const char *dir, const char *pid)
{
    RunOptions opt = run_default_options();
    opt.out_dir = dir;
    Run *c = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_create(NULL, small_sets, SMALL_SETS, &opt, &c, &err), PETRI_EUSAGE);
    assert_null(c);
    assert_non_null(strstr(err.msg, "in use by another petri process"));
    assert_non_null(strstr(err.msg, pid));
}

/* The lock: a second Run on the same folder is refused, naming our PID,
 * also a new run or a resume onto it before the first checkpoint (as when
 * two `petri run --out D` start together). */
static void test_folder_lock_names_the_holder(void **state)
{
    (void)state;
    char dir[400];
    snprintf(dir, sizeof dir, "%s/locked", tmp);
    Run *a = small_run("generational", dir);
    char pid[32];
    snprintf(pid, sizeof pid, "PID %ld", (long)getpid());
    check_new_run_locked_out(dir, pid);
    /* A resume before the first checkpoint is told who holds the folder,
     * not that it holds no run. */
    Run *b = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_resume(dir, NULL, &b, &err), PETRI_EUSAGE);
    assert_null(b);
    assert_non_null(strstr(err.msg, pid));
    step_to(a, 1);
    error_clear(&err);
    assert_int_equal(run_checkpoint(a, &err), PETRI_OK);
    check_new_run_locked_out(dir, pid);
    assert_int_equal(run_resume(dir, NULL, &b, &err), PETRI_EUSAGE);
    assert_null(b);
    assert_non_null(strstr(err.msg, pid));
    run_close(a, NULL);
    error_clear(&err);
    assert_int_equal(run_resume(dir, NULL, &b, &err), PETRI_OK);
    run_close(b, NULL);
}

/* checkpoint_parse: a real checkpoint file from memory; every truncation
 * of it refused. */
static void test_checkpoint_parse_from_memory(void **state)
{
    (void)state;
    char dir[400], path[600];
    snprintf(dir, sizeof dir, "%s/parse", tmp);
    Run *r = small_run("open_ended", dir);
    step_to(r, 3); /* checkpoint at 3 */
    uint64_t id = run_id(r);
    run_close(r, NULL);
    snprintf(path, sizeof path, "%s/checkpoints/ckpt-00000003.bin", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static unsigned char buf[1 << 22];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 0 && n < sizeof buf);
    uint64_t gen = 0, got_id = 0;
    PetriError err;
    error_clear(&err);
    assert_int_equal(checkpoint_parse(buf, n, &gen, &got_id, &err), PETRI_OK);
    assert_int_equal(gen, 3);
    assert_true(got_id == id && id != 0);
    for (size_t cut = 0; cut < n; cut += 1 + n / 53) {
        error_clear(&err);
        assert_int_not_equal(checkpoint_parse(buf, cut, NULL, NULL, &err), PETRI_OK);
    }
}

static void count_first(void *user, const RunView *v)
{
    int *first = user;
    if (*first < 0) {
        *first = world_population_size(v->world, 0);
    }
}

/* Genomes put into a run, binary or JSON files alike: in the open world
 * they are born before the first tick; in generational mode they replace
 * the first genomes. */
static void test_genomes_put_into_a_run(void **state)
{
    (void)state;
    char dir[400], gpath[600];
    snprintf(dir, sizeof dir, "%s/champ", tmp);
    Run *r = small_run("generational", dir);
    step_to(r, 3);
    run_close(r, NULL);
    snprintf(gpath, sizeof gpath, "%s/champions/prey-best.bin", dir);
    char jpath[600];
    snprintf(jpath, sizeof jpath, "%s/prey-best.json", dir);
    {
        Genome g;
        memset(&g, 0, sizeof g);
        PetriError e;
        error_clear(&e);
        assert_int_equal(genome_load(&g, gpath, &e), PETRI_OK);
        assert_int_equal(genome_save_json(&g, jpath, &e), PETRI_OK);
        genome_fini(&g);
    }
    const char *files[3] = {gpath, jpath, gpath};
    RunOptions opt = run_default_options();
    opt.in_memory = true;
    opt.genomes = files;
    opt.genome_count = 3;
    opt.genome_pop = 0;
    const char *sets[SMALL_SETS + 1];
    memcpy(sets, small_sets, sizeof small_sets);
    sets[SMALL_SETS] = "evolution.mode=open_ended";
    PetriError err;
    error_clear(&err);
    Run *oe = NULL;
    assert_int_equal(run_create(NULL, sets, SMALL_SETS + 1, &opt, &oe, &err), PETRI_OK);
    int first = -1;
    run_set_observer(oe, count_first, &first);
    assert_int_equal(run_step(oe, &err), PETRI_OK);
    assert_int_equal(first, 16 + 3); /* no birth or death in the first tick */
    run_close(oe, NULL);
    /* A genome of the wrong shape is refused with the population named. */
    sets[SMALL_SETS] = "populations.0.senses.sectors=3";
    assert_int_not_equal(run_create(NULL, sets, SMALL_SETS + 1, &opt, &oe, &err), PETRI_OK);
    assert_non_null(strstr(err.msg, "population 'prey' needs"));
}

typedef struct BrainSeen {
    int calls;
    int conns[3];
} BrainSeen;

static void see_brains(void *user, const RunView *v)
{
    BrainSeen *b = user;
    if (b->calls++ == 0) {
        for (int i = 0; i < 3; ++i) {
            b->conns[i] = brain_conn_count(v->brains, i);
        }
    }
}

/* run_inject between steps, generational: the genomes replace the first
 * genomes of the population in the next generation (seen in its arena 0:
 * prey genome k is brain k). A genome of the wrong shape is refused. */
static void test_run_inject_between_steps(void **state)
{
    (void)state;
    Run *r = small_run("generational", NULL);
    step_to(r, 1);
    int inputs = r->ev->inputs[0];
    Genome g;
    genome_init(&g, inputs, WORLD_OUTPUTS); /* no connection at all */
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_inject(r, 0, &g, 1, &err), PETRI_OK);
    BrainSeen seen = {0};
    run_set_observer(r, see_brains, &seen);
    assert_int_equal(run_step(r, &err), PETRI_OK);
    assert_int_equal(seen.conns[0], 0);
    assert_true(seen.conns[1] > 0); /* the others keep their connections */
    genome_fini(&g);
    genome_init(&g, inputs + 1, WORLD_OUTPUTS);
    assert_int_equal(run_inject(r, 0, &g, 1, &err), PETRI_EUSAGE);
    assert_int_equal(run_inject(r, 1, &g, 1, &err), PETRI_EUSAGE);
    genome_fini(&g);
    run_close(r, NULL);
}

/* A genome put into a run after generation 4 (checkpoints every 3): the
 * run crashes at generation 5, before any checkpoint holds the genome,
 * and is resumed from the checkpoint at 3; the injection is put in again
 * from injections.csv at the same step, so the run ends at generation 6
 * with the uninterrupted run's state hash (and both differ from a run
 * without it). A record whose genome file is gone stops the resume,
 * located, and changes nothing. */
static void check_inject_resume(const char *mode)
{
    char straight[400], crashed[400], broken[400], path[600];
    snprintf(straight, sizeof straight, "%s/%s-inj-straight", tmp, mode);
    snprintf(crashed, sizeof crashed, "%s/%s-inj-crashed", tmp, mode);
    snprintf(broken, sizeof broken, "%s/%s-inj-broken", tmp, mode);
    Run *plain = small_run(mode, NULL);
    step_to(plain, 6);
    uint64_t without = run_hash(plain);
    run_close(plain, NULL);

    Run *a = small_run(mode, straight);
    step_to(a, 4);
    Genome g;
    genome_init(&g, a->ev->inputs[0], WORLD_OUTPUTS); /* no connection at all */
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_inject(a, 0, &g, 1, &err), PETRI_OK);
    assert_int_equal(run_inject(a, 0, &g, 1, &err), PETRI_OK); /* two in one batch */
    genome_fini(&g);
    step_to(a, 5);
    copy_folder(straight, crashed); /* the crash: no checkpoint since 3 */
    copy_folder(straight, broken);
    step_to(a, 6);
    uint64_t with = run_hash(a);
    assert_true(with != without);
    assert_int_equal(run_close(a, &err), PETRI_OK);

    snprintf(path, sizeof path, "%s/injections.csv", straight);
    char *text = slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "generation,tick,batch,population,genome\n4,"));
    assert_non_null(strstr(text, ",0,prey,injections/000000.bin\n"));
    assert_non_null(strstr(text, ",0,prey,injections/000001.bin\n"));
    free(text);

    Run *b = NULL;
    assert_int_equal(run_resume(crashed, NULL, &b, &err), PETRI_OK);
    assert_int_equal(run_stats(b)->generation, 3);
    step_to(b, 6);
    assert_true(run_hash(b) == with);
    assert_int_equal(run_close(b, &err), PETRI_OK);
    /* The resumed run recorded no second copy. */
    snprintf(path, sizeof path, "%s/injections.csv", crashed);
    text = slurp(path);
    int rows = 0;
    for (char *p = text; *p; ++p) {
        rows += *p == '\n';
    }
    assert_int_equal(rows, 3);
    free(text);

    snprintf(path, sizeof path, "%s/injections/000001.bin", broken);
    assert_int_equal(unlink(path), 0);
    char stats[600];
    snprintf(stats, sizeof stats, "%s/stats.csv", broken);
    char *before = slurp(stats);
    error_clear(&err);
    assert_int_equal(run_resume(broken, NULL, &b, &err), PETRI_ENOTFOUND);
    assert_null(b);
    assert_non_null(strstr(err.msg, "injections.csv:3:1: error: cannot put this genome in again"));
    char *after = slurp(stats);
    assert_string_equal(before, after);
    free(after);
    /* A genome file that is there but corrupt: the same. */
    assert_int_equal(sh("printf 'PTRGgarbage' > '%s'", path), 0);
    error_clear(&err);
    assert_int_not_equal(run_resume(broken, NULL, &b, &err), PETRI_OK);
    assert_null(b);
    assert_non_null(strstr(err.msg, "injections.csv:3:1: error: cannot put this genome in again"));
    after = slurp(stats);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void test_injections_survive_a_crash_and_resume(void **state)
{
    (void)state;
    check_inject_resume("generational");
    check_inject_resume("open_ended");
}

static void track_most(void *user, const RunView *v)
{
    int *most = user;
    int n = world_agent_count(v->world);
    *most = n > *most ? n : *most;
}

/* energy.reproduce: 0 in the open world (every agent with any energy may
 * split at every tick) is allowed: the world caps the births. 22 agents
 * that pay nothing to live fill the world to its ceiling (8 times the
 * start, at least WORLD_GROWTH_MIN = 1,024) within an epoch and never go
 * past it; without the cap they would double at every tick. */
static void test_reproduce_zero_stops_at_the_ceiling(void **state)
{
    (void)state;
    const char *sets[SMALL_SETS + 8];
    memcpy(sets, small_sets, sizeof small_sets);
    int n = SMALL_SETS;
    sets[n++] = "evolution.mode=open_ended";
    sets[n++] = "populations.0.energy.reproduce=0";
    sets[n++] = "populations.1.energy.reproduce=0";
    sets[n++] = "populations.0.energy.metabolism=0";
    sets[n++] = "populations.0.energy.thrust_cost=0";
    sets[n++] = "populations.0.energy.node_cost=0";
    sets[n++] = "populations.0.energy.conn_cost=0";
    sets[n++] = "evolution.epoch_ticks=60";
    RunOptions opt = run_default_options();
    opt.in_memory = true;
    Run *r = NULL;
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_create(NULL, sets, n, &opt, &r, &err), PETRI_OK);
    int most = 0;
    run_set_observer(r, track_most, &most);
    step_to(r, 2);
    assert_int_equal(world_agent_ceiling(16 + 6), WORLD_GROWTH_MIN);
    assert_int_equal(most, WORLD_GROWTH_MIN);
    assert_true(run_stats(r)->pop[0].v[STOP_FIELD_BIRTHS] > 0);
    run_close(r, NULL);
}

/* After a resume the progress rate counts only the generations run in
 * this process: 2 generations in 1 s is 2 gen/s, whatever came before. */
static void test_progress_rate_counts_this_session(void **state)
{
    (void)state;
    FILE *devnull = fopen("/dev/null", "w");
    assert_non_null(devnull);
    Progress p;
    progress_begin(&p, devnull, "run", "gen", 20);
    p.first = 10;
    p.done = 12;
    char line[256];
    progress_format(&p, p.start + 1.0, NULL, line, sizeof line);
    assert_non_null(strstr(line, "gen 12/20 (60%) 2 gen/s"));
    fclose(devnull);
}

/* What csv_replay_rows passed to its row function. */
typedef struct SeenRows {
    char text[256];
    int calls, fail_at;
} SeenRows;

static PetriStatus note_row(void *user, char *line, const char *path, int lineno,
                            PetriError *err)
{
    SeenRows *seen = user;
    seen->calls++;
    size_t n = strlen(seen->text);
    snprintf(seen->text + n, sizeof seen->text - n, "%d:%s|", lineno, line);
    if (seen->calls == seen->fail_at) {
        return error_at(err, PETRI_EFORMAT, path, lineno, 1, "malformed row");
    }
    return PETRI_OK;
}

/* The one reader of changes.csv and injections.csv rows: skips the rows
 * a checkpoint includes, never passes (nor counts) a row cut by a crash,
 * says where the whole rows end, and stops at the first error. */
static void test_csv_replay_rows(void **state)
{
    (void)state;
    char path[400];
    snprintf(path, sizeof path, "%s/rows.csv", tmp);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    const char *whole = "a,b\n1,x\n2,y\n3,z\n";
    fputs(whole, f);
    fputs("4,cut", f);
    fclose(f);
    SeenRows seen = {.fail_at = 0};
    uint64_t rows = 99;
    size_t torn = 0;
    PetriError err;
    error_clear(&err);
    assert_int_equal(csv_replay_rows(path, 1, note_row, &seen, &rows, &torn, &err), PETRI_OK);
    assert_string_equal(seen.text, "3:2,y|4:3,z|");
    assert_int_equal(rows, 3);
    assert_int_equal(torn, strlen(whole));
    /* the error of the second row passed stops the loop; nothing is cut */
    SeenRows failing = {.fail_at = 2};
    assert_int_equal(csv_replay_rows(path, 0, note_row, &failing, &rows, &torn, &err),
                     PETRI_EFORMAT);
    assert_string_equal(failing.text, "2:1,x|3:2,y|");
    assert_int_equal(torn, 0);
    assert_non_null(strstr(err.msg, "rows.csv:3:1: error: malformed row"));
    /* whole rows only: nothing to cut; a missing file has no rows */
    f = fopen(path, "wb");
    fputs(whole, f);
    fclose(f);
    SeenRows all = {.fail_at = 0};
    error_clear(&err);
    assert_int_equal(csv_replay_rows(path, 0, note_row, &all, &rows, &torn, &err), PETRI_OK);
    assert_int_equal(all.calls, 3);
    assert_int_equal(torn, 0);
    snprintf(path, sizeof path, "%s/none.csv", tmp);
    assert_int_equal(csv_replay_rows(path, 0, note_row, &all, &rows, NULL, &err), PETRI_OK);
    assert_int_equal(rows, 0);
    assert_int_equal(all.calls, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_observer_changes_nothing),
        cmocka_unit_test(test_live_change_survives_a_crash_and_resume),
        cmocka_unit_test(test_restart_keys_change_nothing),
        cmocka_unit_test(test_folder_lock_names_the_holder),
        cmocka_unit_test(test_checkpoint_parse_from_memory),
        cmocka_unit_test(test_genomes_put_into_a_run),
        cmocka_unit_test(test_progress_rate_counts_this_session),
        cmocka_unit_test(test_run_inject_between_steps),
        cmocka_unit_test(test_injections_survive_a_crash_and_resume),
        cmocka_unit_test(test_reproduce_zero_stops_at_the_ceiling),
        cmocka_unit_test(test_csv_replay_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
