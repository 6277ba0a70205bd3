/* Genome files: binary and JSON round trips, corrupt and truncated files
 * refused with clear errors, DOT, `petri export`, and the names of a world
 * brain's inputs and outputs in the JSON and DOT exports. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "genome/genome_internal.h"
#include "sim/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/petri_test_genome_io_XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static uint64_t ghash(const Genome *g)
{
    Hasher h;
    hasher_init(&h);
    genome_hash(g, &h);
    return hasher_digest(&h);
}

static void make_genome(Genome *g, uint64_t seed, bool rec)
{
    Pcg32 rng = pcg32_stream(seed, 0, RNG_PURPOSE_USER);
    genome_init_random(g, 1 + (int)pcg32_bounded(&rng, 5), 1 + (int)pcg32_bounded(&rng, 3),
                       (int)pcg32_bounded(&rng, 6), (int)pcg32_bounded(&rng, 30), rec, &rng);
    for (int i = 0; i < g->conn_count; i += 3) {
        g->conns[i].enabled = 0;
    }
    g->trait_count = (int)(seed % 4);
    for (int t = 0; t < g->trait_count; ++t) {
        g->traits[t] = pcg32_float(&rng);
    }
    /* awkward floats: tiny, huge, negative zero */
    if (g->conn_count > 2) {
        g->conns[0].weight = 1e-38f;
        g->conns[1].weight = -3.4e38f;
        g->conns[2].weight = -0.0f;
    }
}

static void test_binary_round_trip(void **state)
{
    (void)state;
    char path[300];
    snprintf(path, sizeof path, "%s/g.ptrg", tmpdir);
    for (uint64_t s = 0; s < 200; ++s) {
        Genome g, h;
        make_genome(&g, s, s % 2);
        genome_init(&h, 0, 1);
        PetriError err;
        error_clear(&err);
        if (s % 10 == 0) { /* files are fsynced: a few suffice */
            assert_int_equal(genome_save(&g, path, &err), PETRI_OK);
            assert_int_equal(genome_load(&h, path, &err), PETRI_OK);
            assert_true(ghash(&g) == ghash(&h));
        }
        /* buffer level */
        ByteBuf b;
        buf_init(&b);
        genome_save_buf(&g, &b);
        ByteReader r;
        reader_init(&r, b.data, b.len);
        assert_int_equal(genome_load_buf(&h, &r, &err), PETRI_OK);
        assert_int_equal(r.pos, b.len);
        assert_true(ghash(&g) == ghash(&h));
        buf_fini(&b);
        genome_fini(&g);
        genome_fini(&h);
    }
}

static void write_raw(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_binary_corrupt_refused(void **state)
{
    (void)state;
    char path[300], bad[300];
    snprintf(path, sizeof path, "%s/c.ptrg", tmpdir);
    snprintf(bad, sizeof bad, "%s/bad.ptrg", tmpdir);
    Genome g, h;
    make_genome(&g, 7, false);
    genome_init(&h, 0, 1);
    PetriError err;
    error_clear(&err);
    assert_int_equal(genome_save(&g, path, &err), PETRI_OK);
    char *data;
    size_t len;
    assert_int_equal(file_read_all(path, 1 << 20, &data, &len, &err), PETRI_OK);
    /* every truncation */
    for (size_t cut = 0; cut < len; ++cut) {
        write_raw(bad, data, cut);
        error_clear(&err);
        assert_int_equal(genome_load(&h, bad, &err), PETRI_EFORMAT);
        assert_non_null(strstr(err.msg, bad));
    }
    /* every single-bit flip */
    for (size_t i = 0; i < len; ++i) {
        for (int bit = 0; bit < 8; bit += 3) {
            data[i] ^= (char)(1 << bit);
            write_raw(bad, data, len);
            error_clear(&err);
            assert_int_equal(genome_load(&h, bad, &err), PETRI_EFORMAT);
            data[i] ^= (char)(1 << bit);
        }
    }
    /* messages say what is wrong */
    data[len - 1] ^= 0x55;
    write_raw(bad, data, len);
    error_clear(&err);
    assert_int_equal(genome_load(&h, bad, &err), PETRI_EFORMAT);
    assert_non_null(strstr(err.msg, "CRC32"));
    write_raw(bad, data, len - 3);
    error_clear(&err);
    assert_int_equal(genome_load(&h, bad, &err), PETRI_EFORMAT);
    assert_non_null(strstr(err.msg, "truncated"));
    write_raw(bad, "hello world, not a genome", 25);
    error_clear(&err);
    assert_int_equal(genome_load(&h, bad, &err), PETRI_EFORMAT);
    assert_non_null(strstr(err.msg, "magic"));
    error_clear(&err);
    snprintf(bad, sizeof bad, "%s/missing.ptrg", tmpdir);
    assert_int_not_equal(genome_load(&h, bad, &err), PETRI_OK);
    petri_free(data, len + 1);
    genome_fini(&g);
    genome_fini(&h);
}

/* Random damage to a payload (no CRC to catch it): the loader either
 * refuses or returns a valid genome; it never crashes. */
static void test_payload_fuzz(void **state)
{
    (void)state;
    Pcg32 rng = pcg32_stream(11, 0, RNG_PURPOSE_USER);
    Genome g, h;
    genome_init(&h, 0, 1);
    int refused = 0;
    for (int t = 0; t < 3000; ++t) {
        make_genome(&g, (uint64_t)t % 50, t % 2);
        ByteBuf b;
        buf_init(&b);
        genome_save_buf(&g, &b);
        int hits = 1 + (int)pcg32_bounded(&rng, 4);
        for (int k = 0; k < hits; ++k) {
            size_t at = pcg32_bounded(&rng, (uint32_t)b.len);
            b.data[at] = (unsigned char)pcg32_next(&rng);
        }
        size_t len = pcg32_bounded(&rng, 4) == 0 ? pcg32_bounded(&rng, (uint32_t)b.len) : b.len;
        ByteReader r;
        reader_init(&r, b.data, len);
        PetriError err;
        error_clear(&err);
        if (genome_load_buf(&h, &r, &err) == PETRI_OK) {
            assert_int_equal(genome_validate(&h, NULL), PETRI_OK);
        } else {
            ++refused;
            assert_true(err.count > 0);
        }
        buf_fini(&b);
        genome_fini(&g);
    }
    assert_true(refused > 1000);
    genome_fini(&h);
}

static void test_json_round_trip(void **state)
{
    (void)state;
    for (uint64_t s = 0; s < 300; ++s) {
        Genome g, h;
        make_genome(&g, s, s % 2);
        genome_init(&h, 0, 1);
        ByteBuf b;
        buf_init(&b);
        genome_write_json(&g, &b);
        PetriError err;
        error_clear(&err);
        PetriStatus st = genome_parse_json(&h, (const char *)b.data, b.len, "mem.json", &err);
        if (st != PETRI_OK) {
            error_print(&err, stderr);
        }
        assert_int_equal(st, PETRI_OK);
        assert_true(ghash(&g) == ghash(&h)); /* bit-exact floats */
        buf_fini(&b);
        genome_fini(&g);
        genome_fini(&h);
    }
}

static const char *const good_json =
    "{\"format\": \"petri-genome\", \"version\": 1, \"inputs\": [0, 1], \"bias\": 2,\n"
    " \"outputs\": [3],\n"
    " \"nodes\": [{\"id\": 0, \"kind\": \"input\", \"activation\": \"identity\", \"bias\": 0},\n"
    "   {\"id\": 1, \"kind\": \"input\", \"activation\": \"identity\", \"bias\": 0},\n"
    "   {\"id\": 2, \"kind\": \"bias\", \"activation\": \"identity\", \"bias\": 0},\n"
    "   {\"id\": 3, \"kind\": \"output\", \"activation\": \"sigmoid\", \"bias\": 0.5},\n"
    "   {\"id\": 7, \"kind\": \"hidden\", \"activation\": \"tanh\", \"bias\": -1e-3}],\n"
    " \"connections\": [{\"innovation\": 0, \"from\": 0, \"to\": 7, \"weight\": 1.5, \"enabled\": true},\n"
    "   {\"innovation\": 4, \"from\": 7, \"to\": 3, \"weight\": -2, \"enabled\": false}]}\n";

static void expect_json_error(const char *text, const char *needle)
{
    Genome h;
    genome_init(&h, 0, 1);
    PetriError err;
    error_clear(&err);
    assert_int_equal(genome_parse_json(&h, text, strlen(text), "bad.json", &err), PETRI_EFORMAT);
    if (strstr(err.msg, needle) == NULL || strstr(err.msg, "bad.json") == NULL) {
        fprintf(stderr, "expected '%s' in: %s\n", needle, err.msg);
        fail();
    }
    genome_fini(&h);
}

static char *replace(const char *text, const char *from, const char *to)
{
    static char out[4096];
    const char *at = strstr(text, from);
    assert_non_null(at);
    snprintf(out, sizeof out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return out;
}

static void test_json_import_and_errors(void **state)
{
    (void)state;
    Genome h;
    genome_init(&h, 0, 1);
    PetriError err;
    error_clear(&err);
    assert_int_equal(genome_parse_json(&h, good_json, strlen(good_json), "good.json", &err),
                     PETRI_OK);
    assert_int_equal(h.inputs, 2);
    assert_int_equal(h.outputs, 1);
    assert_int_equal(h.node_count, 5);
    assert_int_equal(h.conn_count, 2);
    assert_int_equal(h.nodes[4].activation, ACT_TANH);
    assert_true(h.conns[1].weight == -2.0f && !h.conns[1].enabled);
    genome_fini(&h);

    expect_json_error("", "unexpected end");
    expect_json_error("[1, 2]", "must be a JSON object");
    expect_json_error(replace(good_json, "petri-genome", "other"), "format");
    expect_json_error(replace(good_json, "\"version\": 1", "\"version\": 3"), "version");
    expect_json_error(replace(good_json, "\"bias\": 2,", "\"bias\": 2, \"bias\": 2,"),
                      "duplicate key");
    expect_json_error(replace(good_json, "\"bias\": 2,", "\"colour\": 2,"), "unknown key 'colour'");
    expect_json_error(replace(good_json, "\"tanh\"", "\"swish\""), "activation");
    expect_json_error(replace(good_json, "\"hidden\"", "\"middle\""), "kind");
    expect_json_error(replace(good_json, "\"weight\": 1.5", "\"weight\": 1e999"), "finite");
    expect_json_error(replace(good_json, "\"weight\": 1.5", "\"weight\": \"1.5\""), "number");
    expect_json_error(replace(good_json, "\"to\": 7", "\"to\": 9"), "missing node");
    expect_json_error(replace(good_json, "\"to\": 7", "\"to\": 1"), "input or bias");
    expect_json_error(replace(good_json, "\"from\": 0, \"to\": 7", "\"from\": 7, \"to\": 3"),
                      "twice");
    expect_json_error(replace(good_json, "\"inputs\": [0, 1]", "\"inputs\": [1, 0]"), "inputs");
    expect_json_error(replace(good_json, "\"enabled\": true}", "\"enabled\": true},]"), "value");
    expect_json_error(replace(good_json, "\"from\": 0,", "\"from\": -1,"), "whole number");
    expect_json_error(replace(good_json, "\"innovation\": 4, ", ""), "innovation");
    expect_json_error(replace(good_json, "]}\n", "]} x"), "after the genome");
    /* the line and column are reported */
    expect_json_error(replace(good_json, "\"tanh\"", "\"swish\""), "bad.json:7:");
}

/* Random damage to JSON text: refused with a message or parsed into a
 * valid genome; never a crash (run under ASan). */
static void test_json_fuzz(void **state)
{
    (void)state;
    Pcg32 rng = pcg32_stream(13, 0, RNG_PURPOSE_USER);
    static const char alphabet[] = "{}[],:\"0123456789.-eE truefalsnl\\\n";
    Genome g, h;
    genome_init(&h, 0, 1);
    int refused = 0;
    for (int t = 0; t < 3000; ++t) {
        make_genome(&g, (uint64_t)t % 40, t % 2);
        ByteBuf b;
        buf_init(&b);
        genome_write_json(&g, &b);
        int hits = 1 + (int)pcg32_bounded(&rng, 3);
        for (int k = 0; k < hits; ++k) {
            b.data[pcg32_bounded(&rng, (uint32_t)b.len)] =
                (unsigned char)alphabet[pcg32_bounded(&rng, sizeof alphabet - 1)];
        }
        size_t len = pcg32_bounded(&rng, 5) == 0 ? pcg32_bounded(&rng, (uint32_t)b.len) : b.len;
        PetriError err;
        error_clear(&err);
        if (genome_parse_json(&h, (const char *)b.data, len, "fuzz.json", &err) == PETRI_OK) {
            assert_int_equal(genome_validate(&h, NULL), PETRI_OK);
        } else {
            ++refused;
            assert_non_null(strstr(err.msg, "fuzz.json"));
        }
        buf_fini(&b);
        genome_fini(&g);
    }
    assert_true(refused > 1000);
    genome_fini(&h);
}

static void test_dot(void **state)
{
    (void)state;
    Genome g;
    genome_init(&g, 0, 1);
    PetriError err;
    error_clear(&err);
    assert_int_equal(genome_parse_json(&g, good_json, strlen(good_json), "good.json", &err),
                     PETRI_OK);
    ByteBuf b;
    buf_init(&b);
    genome_write_dot(&g, &b);
    buf_put_u8(&b, 0);
    const char *dot = (const char *)b.data;
    assert_non_null(strstr(dot, "digraph genome"));
    assert_non_null(strstr(dot, "rank=source"));
    assert_non_null(strstr(dot, "rank=sink"));
    assert_non_null(strstr(dot, "n0 -> n7 [label=\"1.5\", penwidth=4.00, color=\"#2166ac\""));
    /* disabled: left out by default, dashed with --all */
    assert_null(strstr(dot, "n7 -> n3"));
    assert_non_null(strstr(dot, "1 disabled connections"));
    b.len = 0;
    GenomeDotOptions opt = genome_dot_default_options();
    opt.all = true;
    opt.min_weight = 0.0;
    genome_write_dot_with(&g, &opt, &b);
    buf_put_u8(&b, 0);
    dot = (const char *)b.data;
    assert_non_null(strstr(dot, "n7 -> n3 [label=\"-2\", penwidth=0.50, color=\"gray60\", "
                                "style=dashed"));
    assert_null(strstr(dot, "not drawn"));
    buf_fini(&b);
    genome_fini(&g);
}

/* ------------------------------------------------------ named exports */

/* The names of population 0 of configs/default.yaml and a minimal
 * genome of that shape. */
static void world_genome(Genome *g, GenomeNames *names)
{
    RunDef def;
    PetriError err;
    error_clear(&err);
    assert_int_equal(run_def_load(&def, "configs/default.yaml", NULL, 0, &err), PETRI_OK);
    genome_names_init(names);
    assert_int_equal(run_def_genome_names(&def, 0, names, &err), PETRI_OK);
    assert_int_equal(names->outputs, WORLD_OUTPUTS);
    NeatDef nd = neat_default_def();
    Pcg32 rng = pcg32_stream(3, 0, RNG_PURPOSE_USER);
    genome_init_minimal(g, names->inputs, names->outputs, &nd, &rng);
}

static void expect_in(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL) {
        fprintf(stderr, "expected '%s' in:\n%.2000s\n", needle, text);
        fail();
    }
}

static void test_named_json_round_trip(void **state)
{
    (void)state;
    Genome g, h;
    GenomeNames names, back;
    world_genome(&g, &names);
    genome_init(&h, 0, 1);
    genome_names_init(&back);
    ByteBuf b, b2;
    buf_init(&b);
    buf_init(&b2);
    genome_write_json_named(&g, &names, &b);
    buf_put_u8(&b, 0);
    const char *json = (const char *)b.data;
    expect_in(json, "\"version\": 2");
    expect_in(json, "{\"id\": 3, \"kind\": \"input\", \"name\": \"vision.food.3\"");
    expect_in(json, "\"name\": \"touch\"");
    expect_in(json, "\"name\": \"energy\"");
    char out0[80], out1[80];
    snprintf(out0, sizeof out0, "{\"id\": %d, \"kind\": \"output\", \"name\": \"turn\"",
             g.inputs + 1);
    snprintf(out1, sizeof out1, "{\"id\": %d, \"kind\": \"output\", \"name\": \"thrust\"",
             g.inputs + 2);
    expect_in(json, out0);
    expect_in(json, out1);
    /* back: the same genome, the same names, the same text */
    PetriError err;
    error_clear(&err);
    assert_int_equal(genome_parse_json_named(&h, &back, json, b.len - 1, "named.json", &err),
                     PETRI_OK);
    assert_true(ghash(&g) == ghash(&h));
    assert_int_equal(back.inputs, names.inputs);
    assert_int_equal(back.outputs, names.outputs);
    for (int i = 0; i < names.inputs + names.outputs; ++i) {
        assert_string_equal(back.name[i], names.name[i]);
    }
    genome_write_json_named(&h, &back, &b2);
    buf_put_u8(&b2, 0);
    assert_string_equal((const char *)b2.data, json);
    /* without names: version 1, as before names existed */
    b2.len = 0;
    genome_write_json(&g, &b2);
    buf_put_u8(&b2, 0);
    expect_in((const char *)b2.data, "\"version\": 1");
    assert_null(strstr((const char *)b2.data, "\"name\""));
    /* a file with no names gives none back */
    assert_int_equal(genome_parse_json_named(&h, &back, (const char *)b2.data, b2.len - 1,
                                             "plain.json", &err),
                     PETRI_OK);
    assert_false(genome_names_present(&back));
    buf_fini(&b);
    buf_fini(&b2);
    genome_names_fini(&names);
    genome_names_fini(&back);
    genome_fini(&g);
    genome_fini(&h);
}

static void test_named_dot(void **state)
{
    (void)state;
    Genome g;
    GenomeNames names;
    world_genome(&g, &names);
    /* one strong connection from vision.food.3 to turn; every other faint */
    for (int i = 0; i < g.conn_count; ++i) {
        g.conns[i].weight = 0.01f;
    }
    int strong = genome_find_conn(&g, 3, (uint32_t)g.inputs + 1);
    assert_true(strong >= 0);
    g.conns[strong].weight = -1.5f;
    ByteBuf b;
    buf_init(&b);
    GenomeDotOptions opt = genome_dot_default_options();
    opt.names = &names;
    genome_write_dot_with(&g, &opt, &b);
    buf_put_u8(&b, 0);
    const char *dot = (const char *)b.data;
    expect_in(dot, "n3 [label=\"vision.food.3\", shape=box]");
    char out[2][80];
    snprintf(out[0], sizeof out[0], "n%d [label=\"turn\\nneat_sigmoid\"", g.inputs + 1);
    snprintf(out[1], sizeof out[1], "n%d [label=\"thrust\\nneat_sigmoid\"", g.inputs + 2);
    expect_in(dot, out[0]);
    expect_in(dot, out[1]);
    char edge[80];
    snprintf(edge, sizeof edge, "n3 -> n%d [label=\"-1.5\", penwidth=4.00, color=\"#b2182b\"",
             g.inputs + 1);
    expect_in(dot, edge);
    /* faint edges and the inputs they leave idle: out, and said so */
    char faint_edge[40];
    snprintf(faint_edge, sizeof faint_edge, "n0 -> n%d [", g.inputs + 1);
    assert_null(strstr(dot, "n0 ["));
    assert_null(strstr(dot, faint_edge));
    char note[120];
    snprintf(note, sizeof note, "%d with |weight| < 0.5; %d inputs left with no drawn connection",
             g.conn_count - 1, g.inputs - 1);
    expect_in(dot, note);
    expect_in(dot, "vision.food.0, vision.food.1");
    /* --min-weight 0 draws the faint ones; --all also every input */
    b.len = 0;
    opt.min_weight = 0.0;
    genome_write_dot_with(&g, &opt, &b);
    buf_put_u8(&b, 0);
    dot = (const char *)b.data;
    expect_in(dot, "n0 [label=\"vision.food.0\", shape=box]");
    expect_in(dot, faint_edge);
    assert_null(strstr(dot, "not drawn"));
    /* --all with a threshold: every input drawn, faint edges still out */
    b.len = 0;
    opt.all = true;
    opt.min_weight = 0.5;
    genome_write_dot_with(&g, &opt, &b);
    buf_put_u8(&b, 0);
    dot = (const char *)b.data;
    expect_in(dot, "n0 [label=\"vision.food.0\", shape=box]");
    assert_null(strstr(dot, faint_edge));
    assert_null(strstr(dot, "inputs left with no drawn connection"));
    opt.all = false;
    opt.min_weight = 0.0;
    /* names that do not fit the genome are left out, not half used */
    names.inputs -= 1;
    b.len = 0;
    genome_write_dot_with(&g, &opt, &b);
    buf_put_u8(&b, 0);
    expect_in((const char *)b.data, "n0 [label=\"in 0\"");
    names.inputs += 1;
    buf_fini(&b);
    genome_names_fini(&names);
    genome_fini(&g);
}

static const char *const named_json =
    "{\"format\": \"petri-genome\", \"version\": 2, \"inputs\": [0, 1], \"bias\": 2,\n"
    " \"outputs\": [3],\n"
    " \"nodes\": [{\"id\": 0, \"kind\": \"input\", \"name\": \"x1\", \"activation\": \"identity\", "
    "\"bias\": 0},\n"
    "   {\"id\": 1, \"kind\": \"input\", \"name\": \"x2\", \"activation\": \"identity\", \"bias\": 0},\n"
    "   {\"id\": 2, \"kind\": \"bias\", \"activation\": \"identity\", \"bias\": 0},\n"
    "   {\"id\": 3, \"kind\": \"output\", \"name\": \"y\", \"activation\": \"sigmoid\", \"bias\": 0},\n"
    "   {\"id\": 7, \"kind\": \"hidden\", \"activation\": \"tanh\", \"bias\": 0}],\n"
    " \"connections\": [{\"innovation\": 0, \"from\": 0, \"to\": 7, \"weight\": 1.5, \"enabled\": true}]}\n";

static void test_names_refused(void **state)
{
    (void)state;
    Genome h;
    genome_init(&h, 0, 1);
    GenomeNames names;
    genome_names_init(&names);
    PetriError err;
    error_clear(&err);
    assert_int_equal(genome_parse_json_named(&h, &names, named_json, strlen(named_json),
                                             "named.json", &err),
                     PETRI_OK);
    assert_string_equal(genome_names_input(&names, 1), "x2");
    assert_string_equal(genome_names_output(&names, 0), "y");
    expect_json_error(replace(named_json, "\"name\": \"y\", ", ""),
                      "2 of the 3 input and output nodes have a 'name'");
    expect_json_error(replace(named_json, "\"kind\": \"hidden\", ",
                              "\"kind\": \"hidden\", \"name\": \"h\", "),
                      "only input and output nodes");
    expect_json_error(replace(named_json, "\"kind\": \"bias\", ",
                              "\"kind\": \"bias\", \"name\": \"b\", "),
                      "only input and output nodes");
    expect_json_error(replace(named_json, "\"x1\"", "\"x 1\""), "a node's 'name' must be");
    expect_json_error(replace(named_json, "\"x1\"", "\"\""), "a node's 'name' must be");
    expect_json_error(replace(named_json, "\"x1\"", "\"x\\\"1\""), "a node's 'name' must be");
    expect_json_error(replace(named_json, "\"x1\"", "\"abcdefghijklmnopqrstuvwxyz0123456\""),
                      "a node's 'name' must be");
    expect_json_error(replace(named_json, "\"x1\"", "7"), "a node's 'name' must be");
    expect_json_error(replace(named_json, "\"version\": 2", "\"version\": 1"),
                      "needs \"version\": 2");
    /* names of another shape: the counts of both in the message */
    Genome g;
    genome_init(&g, 3, 1);
    error_clear(&err);
    assert_int_equal(genome_names_check(&names, &g, "where", &err), PETRI_EFORMAT);
    expect_in(err.msg, "where: error: names for 2 inputs and 1 outputs, but the genome has 3 "
                       "inputs and 1 outputs");
    assert_int_equal(genome_names_check(&names, &h, "where", NULL), PETRI_OK);
    genome_fini(&g);
    genome_names_fini(&names);
    genome_fini(&h);
}

/* Runs cmd (sh) and returns its exit code with stdout and stderr in the
 * files tmpdir/out and tmpdir/err. */
static int run_sh(const char *cmd);
static char *slurp_file(const char *name);

static void test_cli_export_names(void **state)
{
    (void)state;
    const char *bin = getenv("PETRI_BIN");
    if (bin == NULL || access(bin, X_OK) != 0) {
        skip();
    }
    Genome g, bad;
    GenomeNames names;
    world_genome(&g, &names);
    genome_init(&bad, g.inputs - 2, WORLD_OUTPUTS);
    char bare[300], wrong[300], cmd[1400];
    snprintf(bare, sizeof bare, "%s/bare.ptrg", tmpdir);
    snprintf(wrong, sizeof wrong, "%s/wrong.ptrg", tmpdir);
    PetriError err;
    error_clear(&err);
    assert_int_equal(genome_save(&g, bare, &err), PETRI_OK);
    assert_int_equal(genome_save(&bad, wrong, &err), PETRI_OK);
    /* a bare binary genome, named from a config */
    snprintf(cmd, sizeof cmd, "'%s' export '%s' --json --config configs/default.yaml", bin, bare);
    assert_int_equal(run_sh(cmd), 0);
    char *out = slurp_file("out");
    expect_in(out, "\"name\": \"vision.food.3\"");
    expect_in(out, "\"name\": \"reproduce\"");
    free(out);
    snprintf(cmd, sizeof cmd,
             "'%s' export '%s' --dot --config configs/default.yaml --pop prey --min-weight 0", bin,
             bare);
    assert_int_equal(run_sh(cmd), 0);
    out = slurp_file("out");
    expect_in(out, "[label=\"energy\", shape=box]");
    expect_in(out, "[label=\"thrust\\n");
    free(out);
    /* without a config: no names */
    snprintf(cmd, sizeof cmd, "'%s' export '%s' --dot --all", bin, bare);
    assert_int_equal(run_sh(cmd), 0);
    out = slurp_file("out");
    expect_in(out, "[label=\"in 3\", shape=box]");
    free(out);
    /* refusals, each with its reason */
    char shape_says[160];
    snprintf(shape_says, sizeof shape_says,
             "the genome has %d inputs and 6 outputs, but population 'prey' has %d inputs and 6 "
             "outputs",
             g.inputs - 2, g.inputs);
    const struct {
        const char *args, *says;
    } refused[] = {
        {"'%s' export '%s' --json --config configs/default.yaml", shape_says},
        {"'%s' export '%s' --json --config configs/default.yaml --pop nobody",
         "no population 'nobody' (it has prey, foragers)"},
        {"'%s' export '%s' --json --config configs/predator_prey.yaml",
         "2 populations evolve brains"},
        {"'%s' export '%s' --json --pop prey", "--pop names a population of --config"},
        {"'%s' export '%s' --json --all", "use them with --dot"},
        {"'%s' export '%s' --dot --min-weight -1", "--min-weight needs a number >= 0"},
        {"'%s' export '%s' --dot --config", "option '--config' needs a value"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; ++i) {
        snprintf(cmd, sizeof cmd, refused[i].args, bin, i == 0 ? wrong : bare);
        assert_int_equal(run_sh(cmd), 2);
        char *e = slurp_file("err");
        expect_in(e, refused[i].says);
        free(e);
        out = slurp_file("out");
        assert_string_equal(out, "");
        free(out);
    }
    genome_names_fini(&names);
    genome_fini(&g);
    genome_fini(&bad);
}

/* A run writes its champions with names: a short one of the default
 * world, then its prey champion's JSON and DOT. */
static void test_run_champions_named(void **state)
{
    (void)state;
    const char *bin = getenv("PETRI_BIN");
    if (bin == NULL || access(bin, X_OK) != 0) {
        skip();
    }
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "'%s' run configs/default.yaml --out '%s/run' --generations 1 --threads 1 -q "
             "--set populations.0.count=6 "
             "--set evolution.episode_ticks=20 --set evolution.episodes=1",
             bin, tmpdir);
    if (run_sh(cmd) != 0) {
        char *e = slurp_file("err");
        fprintf(stderr, "%s\n", e);
        free(e);
        fail();
    }
    char *json = slurp_file("run/champions/prey-best.json");
    expect_in(json, "\"name\": \"vision.obstacle.7\"");
    expect_in(json, "\"name\": \"attack\"");
    free(json);
    char *dot = slurp_file("run/champions/prey-best.dot");
    expect_in(dot, "\\ntanh");
    assert_null(strstr(dot, "label=\"in "));
    free(dot);
    /* and export reads the names back from the JSON */
    snprintf(cmd, sizeof cmd, "'%s' export '%s/run/champions/prey-best.json' --dot --all", bin,
             tmpdir);
    assert_int_equal(run_sh(cmd), 0);
    char *out = slurp_file("out");
    expect_in(out, "[label=\"smell.ahead\", shape=box]");
    free(out);
}

static int run_cmd(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int run_sh(const char *cmd)
{
    char full[2000];
    snprintf(full, sizeof full, "%s >'%s/out' 2>'%s/err'", cmd, tmpdir, tmpdir);
    return run_cmd(full);
}

/* The whole of tmpdir/name, NUL-terminated (free()). */
static char *slurp_file(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        fail();
    }
    size_t cap = 1 << 16, len = 0, got;
    char *text = malloc(cap);
    assert_non_null(text);
    while ((got = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            cap *= 2;
            text = realloc(text, cap);
            assert_non_null(text);
        }
    }
    text[len] = '\0';
    fclose(f);
    return text;
}

static void test_cli_export(void **state)
{
    (void)state;
    const char *bin = getenv("PETRI_BIN");
    if (bin == NULL || access(bin, X_OK) != 0) {
        skip();
    }
    char path[300], json[300], cmd[1200];
    snprintf(path, sizeof path, "%s/cli.ptrg", tmpdir);
    snprintf(json, sizeof json, "%s/cli.json", tmpdir);
    Genome g, h;
    make_genome(&g, 5, true);
    genome_init(&h, 0, 1);
    PetriError err;
    error_clear(&err);
    assert_int_equal(genome_save(&g, path, &err), PETRI_OK);
    snprintf(cmd, sizeof cmd, "'%s' export '%s' --json > '%s'", bin, path, json);
    assert_int_equal(run_cmd(cmd), 0);
    assert_int_equal(genome_load_json(&h, json, &err), PETRI_OK);
    assert_true(ghash(&g) == ghash(&h));
    /* JSON in, DOT out */
    snprintf(cmd, sizeof cmd, "'%s' export '%s' --dot | grep -q digraph", bin, json);
    assert_int_equal(run_cmd(cmd), 0);
    /* bad file and bad flags: exit 2 with a message */
    snprintf(cmd, sizeof cmd, "printf 'PTRGjunk' > '%s/junk'; '%s' export '%s/junk' --json "
             "2>'%s/err' >/dev/null", tmpdir, bin, tmpdir, tmpdir);
    assert_int_equal(run_cmd(cmd), 2);
    snprintf(cmd, sizeof cmd, "grep -q 'junk' '%s/err'", tmpdir);
    assert_int_equal(run_cmd(cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' export '%s' 2>/dev/null", bin, path);
    assert_int_equal(run_cmd(cmd), 2);
    snprintf(cmd, sizeof cmd, "'%s' export '%s/nope' --dot 2>/dev/null", bin, tmpdir);
    assert_int_equal(run_cmd(cmd), 2);
    genome_fini(&g);
    genome_fini(&h);
}

/* Double-precision evaluation of docs/genome-format.md, step by step;
 * prev and values hold node values by index. */
static void reference_step(const Genome *g, const double *in, double *values, double *prev,
                           double *out)
{
    int order[64];
    uint8_t rec[256];
    genome_eval_order(g, order, rec);
    memcpy(prev, values, (size_t)g->node_count * sizeof(double));
    for (int k = 0; k < g->node_count; ++k) {
        int i = order[k];
        const NodeGene *n = &g->nodes[i];
        if (n->kind == NODE_INPUT || n->kind == NODE_BIAS) {
            values[i] = n->kind == NODE_INPUT ? in[i] : 1.0;
            continue;
        }
        double sum = n->bias;
        for (int c = 0; c < g->conn_count; ++c) {
            const ConnGene *cg = &g->conns[c];
            if (cg->enabled && cg->to == n->id) {
                int src = genome_find_node(g, cg->from);
                sum += (double)cg->weight * (rec[c] ? prev[src] : values[src]);
            }
        }
        values[i] = activation_apply((Activation)n->activation, sum);
    }
    for (int k = 0; k < g->outputs; ++k) {
        out[k] = values[g->inputs + 1 + k];
    }
}

/* The evaluator printed in docs/genome-format.md, run by python3 on
 * random recurrent genomes, agrees with the reference. */
static void test_documented_evaluator(void **state)
{
    (void)state;
    char *doc;
    size_t len;
    PetriError err;
    error_clear(&err);
    if (system("python3 -c 'import json' >/dev/null 2>&1") != 0 ||
        file_read_all("docs/genome-format.md", 1 << 20, &doc, &len, &err) != PETRI_OK) {
        skip();
    }
    const char *start = strstr(doc, "```python\n");
    assert_non_null(start);
    start += strlen("```python\n");
    const char *end = strstr(start, "```");
    assert_non_null(end);
    char script[300];
    snprintf(script, sizeof script, "%s/evaluate.py", tmpdir);
    write_raw(script, start, (size_t)(end - start));
    petri_free(doc, len + 1);
    for (uint64_t s = 0; s < 4; ++s) {
        Genome g;
        Pcg32 rng = pcg32_stream(s, 1, RNG_PURPOSE_USER);
        genome_init_random(&g, 3, 2, 5, 20, true, &rng);
        char json[300], inputs[300], outputs[300], cmd[1400];
        snprintf(json, sizeof json, "%s/eval.json", tmpdir);
        snprintf(inputs, sizeof inputs, "%s/in.txt", tmpdir);
        snprintf(outputs, sizeof outputs, "%s/out.txt", tmpdir);
        assert_int_equal(genome_save_json(&g, json, &err), PETRI_OK);
        FILE *f = fopen(inputs, "w");
        assert_non_null(f);
        double in[5][3];
        for (int t = 0; t < 5; ++t) {
            for (int k = 0; k < 3; ++k) {
                in[t][k] = pcg32_double(&rng) * 4.0 - 2.0;
                fprintf(f, "%.17g ", in[t][k]);
            }
            fprintf(f, "\n");
        }
        fclose(f);
        snprintf(cmd, sizeof cmd, "python3 '%s' '%s' < '%s' > '%s'", script, json, inputs,
                 outputs);
        assert_int_equal(system(cmd), 0);
        f = fopen(outputs, "r");
        assert_non_null(f);
        double values[64] = {0}, prev[64] = {0}, out[2];
        for (int t = 0; t < 5; ++t) {
            reference_step(&g, in[t], values, prev, out);
            for (int k = 0; k < 2; ++k) {
                double py;
                assert_int_equal(fscanf(f, "%lf", &py), 1);
                if (!(fabs(py - out[k]) <= 1e-6 * (1.0 + fabs(out[k])))) {
                    fprintf(stderr, "genome %d step %d output %d: python %.17g, petri %.17g\n",
                            (int)s, t, k, py, out[k]);
                    fail();
                }
            }
        }
        fclose(f);
        genome_fini(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_round_trip),
        cmocka_unit_test(test_binary_corrupt_refused),
        cmocka_unit_test(test_payload_fuzz),
        cmocka_unit_test(test_json_round_trip),
        cmocka_unit_test(test_json_import_and_errors),
        cmocka_unit_test(test_json_fuzz),
        cmocka_unit_test(test_dot),
        cmocka_unit_test(test_cli_export),
        cmocka_unit_test(test_named_json_round_trip),
        cmocka_unit_test(test_named_dot),
        cmocka_unit_test(test_names_refused),
        cmocka_unit_test(test_cli_export_names),
        cmocka_unit_test(test_run_champions_named),
        cmocka_unit_test(test_documented_evaluator),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
