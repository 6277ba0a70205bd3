/*
 * JSON for genomes (docs/genome-format.md).
 *
 * The writer prints floats with %.9g, which identifies a float32 exactly,
 * and the reader converts them with strtof, so a genome survives a round
 * trip bit for bit. The reader is a small strict JSON parser (RFC 8259
 * syntax, no comments, no trailing commas, no duplicate keys, no unknown
 * keys) that builds a tree of spans into the text, then a checker that
 * turns the tree into a genome and runs genome_validate on it.
 */
#include "genome/genome_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Version 1: no names; version 2 adds an optional "name" to input and
 * output nodes. The writer writes 1 when it has no names, so files
 * without names read in every Petri. */
#define GENOME_JSON_VERSION 2
#define JSON_MAX_DEPTH 16

static const char *const kind_names[] = {"input", "bias", "hidden", "output"};

/* ---------------------------------------------------------------- writer */

/* The name of node i of g (fixed nodes only), or NULL. */
static const char *node_name(const Genome *g, const GenomeNames *names, int i)
{
    if (i < g->inputs) {
        return genome_names_input(names, i);
    }
    return i > g->inputs && i <= g->inputs + g->outputs
               ? genome_names_output(names, i - g->inputs - 1)
               : NULL;
}

void genome_write_json(const Genome *g, ByteBuf *out)
{
    genome_write_json_named(g, NULL, out);
}

void genome_write_json_named(const Genome *g, const GenomeNames *names, ByteBuf *out)
{
    if (names != NULL && genome_names_check(names, g, "names", NULL) != PETRI_OK) {
        names = NULL; /* names that do not fit are left out, never half written */
    }
    buf_printf(out, "{\n  \"format\": \"petri-genome\",\n  \"version\": %d,\n",
               names != NULL ? GENOME_JSON_VERSION : 1);
    buf_printf(out, "  \"inputs\": [");
    for (int i = 0; i < g->inputs; ++i) {
        buf_printf(out, "%s%d", i ? ", " : "", i);
    }
    buf_printf(out, "],\n  \"bias\": %d,\n  \"outputs\": [", g->inputs);
    for (int k = 0; k < g->outputs; ++k) {
        buf_printf(out, "%s%d", k ? ", " : "", g->inputs + 1 + k);
    }
    buf_printf(out, "],\n  \"traits\": [");
    for (int t = 0; t < g->trait_count; ++t) {
        buf_printf(out, "%s%.9g", t ? ", " : "", (double)g->traits[t]);
    }
    buf_printf(out, "],\n  \"nodes\": [\n");
    for (int i = 0; i < g->node_count; ++i) {
        const NodeGene *n = &g->nodes[i];
        const char *name = node_name(g, names, i);
        buf_printf(out, "    {\"id\": %u, \"kind\": \"%s\", ", n->id,
                   n->kind <= NODE_OUTPUT ? kind_names[n->kind] : "unknown");
        if (name != NULL) {
            buf_printf(out, "\"name\": \"%s\", ", name);
        }
        buf_printf(out, "\"activation\": \"%s\", \"bias\": %.9g}%s\n",
                   activation_name((Activation)n->activation), (double)n->bias,
                   i + 1 < g->node_count ? "," : "");
    }
    buf_printf(out, "  ],\n  \"connections\": [\n");
    for (int i = 0; i < g->conn_count; ++i) {
        const ConnGene *c = &g->conns[i];
        buf_printf(out,
                   "    {\"innovation\": %u, \"from\": %u, \"to\": %u, \"weight\": %.9g, "
                   "\"enabled\": %s}%s\n",
                   c->innovation, c->from, c->to, (double)c->weight,
                   c->enabled ? "true" : "false", i + 1 < g->conn_count ? "," : "");
    }
    buf_printf(out, "  ]\n}\n");
}

PetriStatus genome_save_json(const Genome *g, const char *path, PetriError *err)
{
    return genome_save_json_named(g, NULL, path, err);
}

PetriStatus genome_save_json_named(const Genome *g, const GenomeNames *names, const char *path,
                                   PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    genome_write_json_named(g, names, &b);
    PetriStatus st = file_write_atomic(path, b.data, b.len, err);
    buf_fini(&b);
    return st;
}

/* ---------------------------------------------------------------- parser */

typedef enum JsonType { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonNode {
    JsonType type;
    size_t start, len;       /* the value's text (strings: without quotes) */
    size_t key_start, key_len; /* key inside the parent object */
    int first, next;         /* first child, next sibling (-1: none) */
    int count;               /* children */
} JsonNode;

typedef struct JsonParser {
    const char *text;
    size_t len, pos;
    JsonNode *nodes;
    int count, cap;
    const char *name;
    PetriError *err;
    bool failed;
} JsonParser;

static void json_position(const JsonParser *p, size_t pos, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < pos && i < p->len; ++i) {
        if (p->text[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

static void json_fail(JsonParser *p, size_t pos, const char *what)
{
    if (p->failed) {
        return;
    }
    p->failed = true;
    int line, col;
    json_position(p, pos, &line, &col);
    error_at(p->err, PETRI_EFORMAT, p->name, line, col, "%s", what);
}

static int json_new(JsonParser *p, JsonType type, size_t start)
{
    if (p->count == p->cap) {
        int cap = p->cap > 0 ? p->cap * 2 : 256;
        p->nodes = petri_realloc(p->nodes, (size_t)p->cap * sizeof(JsonNode),
                                 (size_t)cap * sizeof(JsonNode));
        p->cap = cap;
    }
    JsonNode *n = &p->nodes[p->count];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->start = start;
    n->first = -1;
    n->next = -1;
    return p->count++;
}

static void json_skip_ws(JsonParser *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            break;
        }
        p->pos++;
    }
}

static bool json_string_span(JsonParser *p, size_t *start, size_t *len)
{
    if (p->pos >= p->len || p->text[p->pos] != '"') {
        json_fail(p, p->pos, "expected a string");
        return false;
    }
    p->pos++;
    *start = p->pos;
    while (p->pos < p->len && p->text[p->pos] != '"') {
        unsigned char c = (unsigned char)p->text[p->pos];
        if (c < 0x20) {
            json_fail(p, p->pos, "control character inside a string");
            return false;
        }
        if (c == '\\') {
            p->pos++;
            if (p->pos >= p->len || strchr("\"\\/bfnrtu", p->text[p->pos]) == NULL) {
                json_fail(p, p->pos, "bad escape in a string");
                return false;
            }
        }
        p->pos++;
    }
    if (p->pos >= p->len) {
        json_fail(p, *start, "unterminated string");
        return false;
    }
    *len = p->pos - *start;
    p->pos++;
    return true;
}

static int json_value(JsonParser *p, int depth);

static int json_container(JsonParser *p, int depth, bool object)
{
    int self = json_new(p, object ? JSON_OBJECT : JSON_ARRAY, p->pos);
    char close = object ? '}' : ']';
    p->pos++;
    json_skip_ws(p);
    int last = -1;
    if (p->pos < p->len && p->text[p->pos] == close) {
        p->pos++;
        return self;
    }
    for (;;) {
        size_t ks = 0, kl = 0;
        json_skip_ws(p);
        if (object) {
            size_t at = p->pos;
            if (!json_string_span(p, &ks, &kl)) {
                return -1;
            }
            /* no duplicate keys */
            for (int c = p->nodes[self].first; c >= 0; c = p->nodes[c].next) {
                if (p->nodes[c].key_len == kl &&
                    memcmp(p->text + p->nodes[c].key_start, p->text + ks, kl) == 0) {
                    json_fail(p, at, "duplicate key");
                    return -1;
                }
            }
            json_skip_ws(p);
            if (p->pos >= p->len || p->text[p->pos] != ':') {
                json_fail(p, p->pos, "expected ':' after a key");
                return -1;
            }
            p->pos++;
        }
        int child = json_value(p, depth + 1);
        if (child < 0) {
            return -1;
        }
        p->nodes[child].key_start = ks;
        p->nodes[child].key_len = kl;
        if (last < 0) {
            p->nodes[self].first = child;
        } else {
            p->nodes[last].next = child;
        }
        last = child;
        p->nodes[self].count++;
        json_skip_ws(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == close) {
            p->pos++;
            return self;
        }
        if (p->pos >= p->len) {
            json_fail(p, p->pos, "unexpected end of the text (truncated?)");
        } else {
            json_fail(p, p->pos, object ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        return -1;
    }
}

static int json_value(JsonParser *p, int depth)
{
    json_skip_ws(p);
    if (depth > JSON_MAX_DEPTH) {
        json_fail(p, p->pos, "nested too deeply");
        return -1;
    }
    if (p->pos >= p->len) {
        json_fail(p, p->pos, "unexpected end of the text");
        return -1;
    }
    char c = p->text[p->pos];
    if (c == '{' || c == '[') {
        return json_container(p, depth, c == '{');
    }
    if (c == '"') {
        int n = json_new(p, JSON_STRING, 0);
        size_t s, l;
        if (!json_string_span(p, &s, &l)) {
            return -1;
        }
        p->nodes[n].start = s;
        p->nodes[n].len = l;
        return n;
    }
    static const struct { const char *word; JsonType type; } words[] = {
        {"true", JSON_BOOL}, {"false", JSON_BOOL}, {"null", JSON_NULL}};
    for (int i = 0; i < 3; ++i) {
        size_t wl = strlen(words[i].word);
        if (p->len - p->pos >= wl && memcmp(p->text + p->pos, words[i].word, wl) == 0) {
            int n = json_new(p, words[i].type, p->pos);
            p->nodes[n].len = wl;
            p->pos += wl;
            return n;
        }
    }
    /* number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
    size_t s = p->pos, i = p->pos;
    const char *t = p->text;
    if (i < p->len && t[i] == '-') {
        ++i;
    }
    size_t digits = i;
    if (i < p->len && t[i] == '0') {
        ++i;
    } else {
        while (i < p->len && t[i] >= '0' && t[i] <= '9') {
            ++i;
        }
    }
    if (i == digits) {
        json_fail(p, s, "expected a value");
        return -1;
    }
    if (i < p->len && t[i] == '.') {
        ++i;
        size_t f = i;
        while (i < p->len && t[i] >= '0' && t[i] <= '9') {
            ++i;
        }
        if (i == f) {
            json_fail(p, s, "bad number");
            return -1;
        }
    }
    if (i < p->len && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < p->len && (t[i] == '+' || t[i] == '-')) {
            ++i;
        }
        size_t e = i;
        while (i < p->len && t[i] >= '0' && t[i] <= '9') {
            ++i;
        }
        if (i == e) {
            json_fail(p, s, "bad number");
            return -1;
        }
    }
    int n = json_new(p, JSON_NUMBER, s);
    p->nodes[n].len = i - s;
    p->pos = i;
    return n;
}

/* ---------------------------------------------------------------- checker */

static bool json_is(const JsonParser *p, const JsonNode *n, const char *s)
{
    size_t l = strlen(s);
    return n->len == l && memcmp(p->text + n->start, s, l) == 0;
}

static bool json_key_is(const JsonParser *p, const JsonNode *n, const char *s)
{
    size_t l = strlen(s);
    return n->key_len == l && memcmp(p->text + n->key_start, s, l) == 0;
}

/* Child of object `obj` with key `key`, or -1. */
static int json_get(const JsonParser *p, int obj, const char *key)
{
    for (int c = p->nodes[obj].first; c >= 0; c = p->nodes[c].next) {
        if (json_key_is(p, &p->nodes[c], key)) {
            return c;
        }
    }
    return -1;
}

/* Fails on a key of obj that is not in the NULL-terminated list. */
static bool json_only_keys(JsonParser *p, int obj, const char *const *keys, const char *where)
{
    for (int c = p->nodes[obj].first; c >= 0; c = p->nodes[c].next) {
        bool known = false;
        for (int k = 0; keys[k] != NULL && !known; ++k) {
            known = json_key_is(p, &p->nodes[c], keys[k]);
        }
        if (!known) {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown key '%.*s' in %s", (int)p->nodes[c].key_len,
                     p->text + p->nodes[c].key_start, where);
            json_fail(p, p->nodes[c].key_start, msg);
            return false;
        }
    }
    return true;
}

static int json_need(JsonParser *p, int obj, const char *key, JsonType type, const char *where)
{
    int c = json_get(p, obj, key);
    char msg[160];
    if (c < 0) {
        snprintf(msg, sizeof msg, "%s lacks the key '%s'", where, key);
        json_fail(p, p->nodes[obj].start, msg);
        return -1;
    }
    if (p->nodes[c].type != type) {
        static const char *const tn[] = {"null", "a boolean", "a number", "a string", "an array",
                                         "an object"};
        snprintf(msg, sizeof msg, "'%s' in %s must be %s", key, where, tn[type]);
        json_fail(p, p->nodes[c].start, msg);
        return -1;
    }
    return c;
}

/* An unsigned integer below `limit`. */
static bool json_uint(JsonParser *p, int n, uint64_t limit, uint32_t *out, const char *what)
{
    const JsonNode *v = &p->nodes[n];
    char buf[32];
    char msg[160];
    bool ok = v->type == JSON_NUMBER && v->len < sizeof buf;
    if (ok) {
        memcpy(buf, p->text + v->start, v->len);
        buf[v->len] = 0;
        ok = strspn(buf, "0123456789") == v->len;
    }
    unsigned long long x = 0;
    if (ok) {
        errno = 0;
        x = strtoull(buf, NULL, 10);
        ok = errno == 0 && x < limit;
    }
    if (!ok) {
        snprintf(msg, sizeof msg, "%s must be a whole number in [0, %llu)", what,
                 (unsigned long long)limit);
        json_fail(p, v->start, msg);
        return false;
    }
    *out = (uint32_t)x;
    return true;
}

static bool json_float(JsonParser *p, int n, float *out, const char *what)
{
    const JsonNode *v = &p->nodes[n];
    char buf[64];
    char msg[160];
    bool ok = v->type == JSON_NUMBER && v->len < sizeof buf;
    if (ok) {
        memcpy(buf, p->text + v->start, v->len);
        buf[v->len] = 0;
        errno = 0;
        *out = strtof(buf, NULL);
        ok = isfinite(*out);
    }
    if (!ok) {
        snprintf(msg, sizeof msg, "%s must be a finite number within float range", what);
        json_fail(p, v->start, msg);
        return false;
    }
    return true;
}

static int cmp_node(const void *a, const void *b)
{
    uint32_t x = ((const NodeGene *)a)->id, y = ((const NodeGene *)b)->id;
    return x < y ? -1 : x > y;
}

static int cmp_conn(const void *a, const void *b)
{
    uint32_t x = ((const ConnGene *)a)->innovation, y = ((const ConnGene *)b)->innovation;
    return x < y ? -1 : x > y;
}

/* Checks that array `arr` lists first, first+1, ... */
static bool json_id_list(JsonParser *p, int arr, int first, const char *what)
{
    int expect = first;
    for (int c = p->nodes[arr].first; c >= 0; c = p->nodes[c].next, ++expect) {
        uint32_t id;
        if (!json_uint(p, c, (uint64_t)GENOME_MAX_NODES, &id, what)) {
            return false;
        }
        if (id != (uint32_t)expect) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s must be the ids %d, %d, ... in order (got %u)", what,
                     first, first + 1, id);
            json_fail(p, p->nodes[c].start, msg);
            return false;
        }
    }
    return true;
}

/* The "name" of a fixed node (child `nm` of a node object) into its slot
 * of names: input id i at i, output id inputs+1+k at inputs+k. Counts
 * the names given in *named. */
static bool json_node_name(JsonParser *p, int nm, const NodeGene *n, const Genome *g,
                           uint32_t version, GenomeNames *names, int *named)
{
    const JsonNode *v = &p->nodes[nm];
    if (version < 2) {
        json_fail(p, v->start, "a node's 'name' needs \"version\": 2");
        return false;
    }
    char text[GENOME_NAME_CAP];
    bool fits = v->type == JSON_STRING && v->len < sizeof text;
    if (fits) {
        memcpy(text, p->text + v->start, v->len);
        text[v->len] = '\0';
    }
    if (!fits || !genome_name_valid(text)) {
        json_fail(p, v->start,
                  "a node's 'name' must be a string of 1 to 31 of A-Z a-z 0-9 . _ - + : / ( ) [ ]");
        return false;
    }
    int slot = -1;
    if (n->kind == NODE_INPUT && n->id < (uint32_t)g->inputs) {
        slot = (int)n->id;
    } else if (n->kind == NODE_OUTPUT && n->id > (uint32_t)g->inputs &&
               n->id <= (uint32_t)(g->inputs + g->outputs)) {
        slot = (int)n->id - 1; /* output k: id inputs+1+k, slot inputs+k */
    }
    if (slot < 0) {
        json_fail(p, v->start, "only input and output nodes have a 'name'");
        return false;
    }
    if (names->name == NULL) { /* the first name: room for all */
        genome_names_resize(names, g->inputs, g->outputs);
    }
    memcpy(names->name[slot], text, sizeof text);
    ++*named;
    return true;
}

static bool json_to_genome(JsonParser *p, int root, Genome *g, GenomeNames *names)
{
    static const char *const top_keys[] = {"format", "version", "inputs", "bias", "outputs",
                                           "traits", "nodes", "connections", NULL};
    static const char *const node_keys[] = {"id", "kind", "name", "activation", "bias", NULL};
    static const char *const conn_keys[] = {"innovation", "from", "to", "weight", "enabled",
                                            NULL};
    if (p->nodes[root].type != JSON_OBJECT) {
        json_fail(p, p->nodes[root].start, "a genome must be a JSON object");
        return false;
    }
    if (!json_only_keys(p, root, top_keys, "the genome")) {
        return false;
    }
    int f = json_need(p, root, "format", JSON_STRING, "the genome");
    if (f < 0) {
        return false;
    }
    if (!json_is(p, &p->nodes[f], "petri-genome")) {
        json_fail(p, p->nodes[f].start, "'format' must be \"petri-genome\"");
        return false;
    }
    int v = json_need(p, root, "version", JSON_NUMBER, "the genome");
    uint32_t version;
    if (v < 0 || !json_uint(p, v, 1000, &version, "'version'")) {
        return false;
    }
    if (version < 1 || version > GENOME_JSON_VERSION) {
        json_fail(p, p->nodes[v].start,
                  "unsupported 'version' (this Petri reads versions 1 and 2)");
        return false;
    }
    int ins = json_need(p, root, "inputs", JSON_ARRAY, "the genome");
    int outs = json_need(p, root, "outputs", JSON_ARRAY, "the genome");
    int nodes = json_need(p, root, "nodes", JSON_ARRAY, "the genome");
    int conns = json_need(p, root, "connections", JSON_ARRAY, "the genome");
    if (ins < 0 || outs < 0 || nodes < 0 || conns < 0) {
        return false;
    }
    int inputs = p->nodes[ins].count, outputs = p->nodes[outs].count;
    if (inputs > GENOME_MAX_IO || outputs < 1 || outputs > GENOME_MAX_IO) {
        json_fail(p, p->nodes[outs].start, "a genome needs 1 to 65536 outputs and at most 65536 inputs");
        return false;
    }
    if (!json_id_list(p, ins, 0, "'inputs'") ||
        !json_id_list(p, outs, inputs + 1, "'outputs'")) {
        return false;
    }
    int b = json_get(p, root, "bias");
    if (b >= 0) {
        uint32_t bias_id;
        if (!json_uint(p, b, (uint64_t)GENOME_MAX_NODES, &bias_id, "'bias'")) {
            return false;
        }
        if (bias_id != (uint32_t)inputs) {
            json_fail(p, p->nodes[b].start, "'bias' must be the id after the inputs");
            return false;
        }
    }
    genome_clear(g, inputs, outputs);
    g->node_count = 0;
    int named = 0;
    int tr = json_get(p, root, "traits");
    if (tr >= 0) {
        if (p->nodes[tr].type != JSON_ARRAY || p->nodes[tr].count > GENOME_MAX_TRAITS) {
            json_fail(p, p->nodes[tr].start, "'traits' must be an array of at most 8 numbers");
            return false;
        }
        for (int c = p->nodes[tr].first; c >= 0; c = p->nodes[c].next) {
            float t;
            if (!json_float(p, c, &t, "a trait")) {
                return false;
            }
            if (!(t >= 0.0f && t <= 1.0f)) {
                json_fail(p, p->nodes[c].start, "a trait must be in [0, 1]");
                return false;
            }
            g->traits[g->trait_count++] = t;
        }
    }
    if (p->nodes[nodes].count > GENOME_MAX_NODES || p->nodes[conns].count > GENOME_MAX_CONNS) {
        json_fail(p, p->nodes[nodes].start, "too many nodes or connections");
        return false;
    }
    genome_reserve_nodes(g, p->nodes[nodes].count);
    for (int c = p->nodes[nodes].first; c >= 0; c = p->nodes[c].next) {
        if (p->nodes[c].type != JSON_OBJECT) {
            json_fail(p, p->nodes[c].start, "each node must be an object");
            return false;
        }
        if (!json_only_keys(p, c, node_keys, "a node")) {
            return false;
        }
        int id = json_need(p, c, "id", JSON_NUMBER, "a node");
        int kind = json_need(p, c, "kind", JSON_STRING, "a node");
        int act = json_need(p, c, "activation", JSON_STRING, "a node");
        int bias = json_need(p, c, "bias", JSON_NUMBER, "a node");
        NodeGene n = {0};
        if (id < 0 || kind < 0 || act < 0 || bias < 0 ||
            !json_uint(p, id, (uint64_t)UINT32_MAX, &n.id, "a node's 'id'") ||
            !json_float(p, bias, &n.bias, "a node's 'bias'")) {
            return false;
        }
        int k = 0;
        while (k < 4 && !json_is(p, &p->nodes[kind], kind_names[k])) {
            ++k;
        }
        if (k == 4) {
            json_fail(p, p->nodes[kind].start,
                      "'kind' must be one of input, bias, hidden, output");
            return false;
        }
        n.kind = (uint8_t)k;
        int a = 0;
        while (a < ACT_COUNT && !json_is(p, &p->nodes[act], activation_name((Activation)a))) {
            ++a;
        }
        if (a == ACT_COUNT) {
            json_fail(p, p->nodes[act].start,
                      "unknown 'activation' (identity, sigmoid, neat_sigmoid, tanh, relu, gauss, "
                      "sin, abs, step)");
            return false;
        }
        n.activation = (uint8_t)a;
        int nm = json_get(p, c, "name");
        if (nm >= 0 && !json_node_name(p, nm, &n, g, version, names, &named)) {
            return false;
        }
        g->nodes[g->node_count++] = n;
    }
    genome_reserve_conns(g, p->nodes[conns].count);
    int with_innov = 0;
    for (int c = p->nodes[conns].first; c >= 0; c = p->nodes[c].next) {
        if (p->nodes[c].type != JSON_OBJECT) {
            json_fail(p, p->nodes[c].start, "each connection must be an object");
            return false;
        }
        if (!json_only_keys(p, c, conn_keys, "a connection")) {
            return false;
        }
        int from = json_need(p, c, "from", JSON_NUMBER, "a connection");
        int to = json_need(p, c, "to", JSON_NUMBER, "a connection");
        int w = json_need(p, c, "weight", JSON_NUMBER, "a connection");
        int en = json_need(p, c, "enabled", JSON_BOOL, "a connection");
        ConnGene cg = {.innovation = (uint32_t)g->conn_count};
        if (from < 0 || to < 0 || w < 0 || en < 0 ||
            !json_uint(p, from, (uint64_t)UINT32_MAX, &cg.from, "'from'") ||
            !json_uint(p, to, (uint64_t)UINT32_MAX, &cg.to, "'to'") ||
            !json_float(p, w, &cg.weight, "'weight'")) {
            return false;
        }
        cg.enabled = json_is(p, &p->nodes[en], "true");
        int in = json_get(p, c, "innovation");
        if (in >= 0) {
            ++with_innov;
            if (!json_uint(p, in, (uint64_t)UINT32_MAX, &cg.innovation, "'innovation'")) {
                return false;
            }
        }
        g->conns[g->conn_count++] = cg;
    }
    if (with_innov != 0 && with_innov != g->conn_count) {
        json_fail(p, p->nodes[conns].start,
                  "either every connection has an 'innovation' or none has");
        return false;
    }
    if (g->node_count > 1) {
        qsort(g->nodes, (size_t)g->node_count, sizeof(NodeGene), cmp_node);
    }
    if (g->conn_count > 1) {
        qsort(g->conns, (size_t)g->conn_count, sizeof(ConnGene), cmp_conn);
    }
    PetriError why;
    error_clear(&why);
    if (genome_validate(g, &why) != PETRI_OK) {
        json_fail(p, p->nodes[root].start, why.msg);
        return false;
    }
    /* valid: each fixed id once, so `named` counts distinct slots */
    if (named != 0 && named != inputs + outputs) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "%d of the %d input and output nodes have a 'name': give every one a name, or "
                 "none",
                 named, inputs + outputs);
        json_fail(p, p->nodes[nodes].start, msg);
        return false;
    }
    if (named == 0) {
        genome_names_fini(names);
    }
    return true;
}

PetriStatus genome_parse_json(Genome *g, const char *text, size_t len, const char *name,
                              PetriError *err)
{
    return genome_parse_json_named(g, NULL, text, len, name, err);
}

PetriStatus genome_parse_json_named(Genome *g, GenomeNames *names, const char *text, size_t len,
                                    const char *name, PetriError *err)
{
    GenomeNames found; /* the file's names, checked even when the caller wants none */
    genome_names_init(&found);
    JsonParser p = {.text = text, .len = len, .name = name, .err = err};
    int root = json_value(&p, 0);
    if (root >= 0) {
        json_skip_ws(&p);
        if (p.pos != p.len) {
            json_fail(&p, p.pos, "unexpected text after the genome");
        }
    }
    bool ok = !p.failed && json_to_genome(&p, root, g, &found);
    petri_free(p.nodes, (size_t)p.cap * sizeof(JsonNode));
    if (names != NULL) {
        genome_names_fini(names);
        if (ok) {
            *names = found;
            genome_names_init(&found);
        }
    }
    genome_names_fini(&found);
    if (!ok) {
        if (!p.failed) {
            error_at(err, PETRI_EFORMAT, name, 0, 0, "invalid genome");
        }
        genome_clear(g, 0, 0);
        g->node_count = 0;
        return PETRI_EFORMAT;
    }
    return PETRI_OK;
}

PetriStatus genome_load_json(Genome *g, const char *path, PetriError *err)
{
    char *data = NULL;
    size_t len = 0;
    PetriStatus st = file_read_all(path, (size_t)1 << 30, &data, &len, err);
    if (st != PETRI_OK) {
        return st;
    }
    st = genome_parse_json(g, data, len, path, err);
    petri_free(data, len + 1);
    return st;
}
