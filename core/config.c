/*
 * The config engine: a parsed YAML tree (config_tree.c) checked against
 * schema rows and written into a settings struct.
 *
 * A schema is flattened into a ConfigScope: one entry per row with its full key
 * path ("world.size") and the byte offset of its field in the settings.
 * A mapping of the file is walked with the path walked so far; each key
 * either names a row (its value is checked and stored), or is a prefix of
 * some rows (its value must be a mapping, walked in turn), or is unknown
 * (an error that suggests the nearest known key). A CONFIG_LIST row holds
 * an array of items; each item is walked against the scope of its own
 * index (config_scope_init_item), whose offsets are from the same base.
 * A row with a check (ConfigRow.check) is noted when stored, and checked
 * once the whole file is in.
 *
 * Errors never stop the walk (all of a file's errors are reported) until
 * CONFIG_MAX_ERRORS lines have been written. Nothing is stored for a value
 * that fails its check.
 */
#include "core/config_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { PATH_CAP = CONFIG_PATH_CAP };

/* --------------------------------------------------------------- errors */

void config_loader_error(ConfigLoader *ld, const ConfigNode *at, const char *fmt, ...)
{
    if (ld->stopped) {
        return;
    }
    int line = ld->located && at != NULL ? at->line : 0;
    int col = ld->located && at != NULL ? at->col : 0;
    if (ld->errors == CONFIG_MAX_ERRORS - 1) {
        error_at(ld->err, PETRI_ECONFIG, ld->name, line, col, "too many errors, stopping after %d",
                 ld->errors);
        ld->errors++;
        ld->stopped = true;
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    error_at(ld->err, PETRI_ECONFIG, ld->name, line, col, "%s", msg);
    ld->errors++;
}

/* What a node is, for "got ...": a scalar in quotes (escaped, cut short),
 * "an empty value", "a list of 3 items", "a mapping". */
const char *config_describe_node(const ConfigLoader *ld, const ConfigNode *n, char *out, size_t cap)
{
    if (n->kind == CONFIG_NODE_MAP) {
        snprintf(out, cap, "a mapping");
        return out;
    }
    if (n->kind == CONFIG_NODE_SEQ) {
        snprintf(out, cap, "a list of %d item%s", n->count, n->count == 1 ? "" : "s");
        return out;
    }
    if (n->len == 0 && !n->quoted) {
        snprintf(out, cap, "an empty value");
        return out;
    }
    const unsigned char *s = (const unsigned char *)config_node_text(ld->tree, n);
    size_t used = 0;
    const char *open = n->quoted ? "the quoted string '" : "'";
    used = (size_t)snprintf(out, cap, "%s", open);
    size_t shown = 0;
    for (size_t i = 0; i < n->len && used + 8 < cap; ++i, ++shown) {
        if (shown == 40) {
            used += (size_t)snprintf(out + used, cap - used, "...");
            break;
        }
        unsigned char c = s[i];
        if (c == '\n') {
            used += (size_t)snprintf(out + used, cap - used, "\\n");
        } else if (c == '\t') {
            used += (size_t)snprintf(out + used, cap - used, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            used += (size_t)snprintf(out + used, cap - used, "\\x%02x", c);
        } else {
            out[used++] = (char)c;
            out[used] = '\0';
        }
    }
    if (used + 2 <= cap) {
        out[used++] = '\'';
        out[used] = '\0';
    }
    return out;
}

/* A plain (unquoted) scalar, as numbers and booleans must be; NULL when
 * the node is anything else. */
static const char *plain_text(const ConfigLoader *ld, const ConfigNode *n)
{
    if (n->kind != CONFIG_NODE_SCALAR || n->quoted || n->len == 0) {
        return NULL;
    }
    return config_node_text(ld->tree, n);
}

static void error_expected(ConfigLoader *ld, const ConfigNode *at, const ConfigRow *row,
                           const char *path, const ConfigNode *got)
{
    char want[256], found[160];
    config_describe_row(row, want, sizeof want);
    const char *s = plain_text(ld, got);
    bool hint = (row->type == CONFIG_INT || row->type == CONFIG_U64) && s != NULL &&
                config_integer_hint(s);
    config_loader_error(ld, at, "'%s' must be %s, got %s%s", path, want,
                        config_describe_node(ld, got, found, sizeof found),
                        hint ? " (integers are written in decimal, without a leading zero or "
                               "0x)"
                             : "");
}

static bool number_in_range(const ConfigLoader *ld, const ConfigNode *n, const ConfigRow *row,
                            double *v)
{
    const char *s = plain_text(ld, n);
    return s != NULL && config_parse_double(s, v) && *v >= row->min && *v <= row->max;
}

/* ------------------------------------------------------------- walking */

void config_walk_mapping(ConfigLoader *ld, const ConfigScope *sc, unsigned char *base,
                         const ConfigNode *map, const char *rel, const char *shown_prefix);

static void apply_list(ConfigLoader *ld, const ConfigScopeEntry *e, unsigned char *base,
                       const ConfigNode *n, const char *path)
{
    const ConfigRow *row = e->row;
    if (n->kind != CONFIG_NODE_SEQ || n->count < row->min || n->count > row->max) {
        error_expected(ld, n, row, path, n);
        return;
    }
    for (int c = n->first; c >= 0; c = ld->tree->nodes[c].next) {
        if (ld->tree->nodes[c].kind != CONFIG_NODE_MAP) {
            char found[160];
            config_loader_error(ld, &ld->tree->nodes[c],
                                "each item of '%s' must be a mapping of keys, got %s", path,
                                config_describe_node(ld, &ld->tree->nodes[c], found, sizeof found));
            return;
        }
    }
    /* The file's list replaces the current one. Every slot starts as the
     * item default, the unused ones too (as a module's default def leaves
     * them), so equal settings are equal bytes. */
    for (int i = 0; i < (int)row->max; ++i) {
        config_list_slot_default(base, e, i);
    }
    size_t settings_at = (size_t)(base - (unsigned char *)ld->settings);
    config_loader_trace_forget(ld, settings_at + e->offset,
                               settings_at + e->offset + (size_t)row->max * row->item_size);
    if (row->item_extra != NULL) {
        config_loader_trace_forget(ld, settings_at + e->extra_offset,
                                   settings_at + e->extra_offset +
                                       (size_t)row->max * row->item_extra_size);
    }
    int *count = (int *)(void *)(base + e->count_offset);
    *count = n->count;
    int index = 0;
    for (int c = n->first; c >= 0; c = ld->tree->nodes[c].next, ++index) {
        ConfigScope item_scope;
        config_scope_init_item(&item_scope, e, index);
        char prefix[PATH_CAP];
        snprintf(prefix, sizeof prefix, "%s.%d.", path, index);
        config_walk_mapping(ld, &item_scope, base, &ld->tree->nodes[c], "", prefix);
        config_scope_fini(&item_scope);
    }
}

/* Checks node n against the row of entry e and stores it at base. path is
 * the key path shown in messages. */
static bool apply_value(ConfigLoader *ld, const ConfigScopeEntry *e, unsigned char *base,
                        const ConfigNode *n, const char *path)
{
    const ConfigRow *row = e->row;
    void *field = base + e->offset;
    const char *s = plain_text(ld, n);
    switch (row->type) {
    case CONFIG_BOOL: {
        bool v;
        if (s == NULL || !config_parse_bool(s, &v)) {
            error_expected(ld, n, row, path, n);
            return false;
        }
        *(bool *)field = v;
        return true;
    }
    case CONFIG_INT: {
        long long v;
        if (s == NULL || !config_parse_i64(s, &v) || (double)v < row->min || (double)v > row->max ||
            v < INT_MIN || v > INT_MAX) {
            error_expected(ld, n, row, path, n);
            return false;
        }
        *(int *)field = (int)v;
        return true;
    }
    case CONFIG_U64: {
        uint64_t v;
        if (s == NULL || !config_parse_u64(s, &v) || (double)v < row->min ||
            (row->max > 0 && (double)v > row->max)) {
            error_expected(ld, n, row, path, n);
            return false;
        }
        memcpy(field, &v, sizeof v);
        return true;
    }
    case CONFIG_FLOAT: {
        double v;
        if (!number_in_range(ld, n, row, &v)) {
            error_expected(ld, n, row, path, n);
            return false;
        }
        memcpy(field, &v, sizeof v);
        return true;
    }
    case CONFIG_STRING: {
        const char *text = config_node_text(ld->tree, n);
        if (n->kind != CONFIG_NODE_SCALAR) {
            error_expected(ld, n, row, path, n);
            return false;
        }
        if (memchr(text, '\0', n->len) != NULL) {
            config_loader_error(ld, n, "'%s' must not contain a NUL character", path);
            return false;
        }
        if ((double)n->len + 1 > row->max) {
            char want[64];
            config_describe_row(row, want, sizeof want);
            config_loader_error(ld, n, "'%s' must be %s, got %zu bytes", path, want, n->len);
            return false;
        }
        memset(field, 0, (size_t)row->max);
        memcpy(field, text, n->len);
        return true;
    }
    case CONFIG_CHOICE: {
        const char *text = config_node_text(ld->tree, n);
        int index = n->kind == CONFIG_NODE_SCALAR ? config_choice_index(row->choices, text) : -1;
        if (index < 0) {
            char want[256], found[160], near[PATH_CAP] = "";
            config_describe_row(row, want, sizeof want);
            if (n->kind == CONFIG_NODE_SCALAR) {
                config_choice_nearest(row->choices, text, near, sizeof near);
            }
            config_loader_error(ld, n, "'%s' must be %s, got %s%s%s%s", path, want,
                                config_describe_node(ld, n, found, sizeof found),
                                near[0] ? "; did you mean '" : "", near, near[0] ? "'?" : "");
            return false;
        }
        *(int *)field = index;
        return true;
    }
    case CONFIG_VEC2: {
        if (n->kind != CONFIG_NODE_SEQ || n->count != 2) {
            error_expected(ld, n, row, path, n);
            return false;
        }
        double v[2];
        int i = 0;
        bool ok = true;
        for (int c = n->first; c >= 0; c = ld->tree->nodes[c].next, ++i) {
            const ConfigNode *item = &ld->tree->nodes[c];
            if (!number_in_range(ld, item, row, &v[i])) {
                error_expected(ld, item, row, path, item);
                ok = false;
            }
        }
        if (ok) {
            memcpy(field, v, sizeof v);
        }
        return ok;
    }
    case CONFIG_LIST:
        apply_list(ld, e, base, n, path);
        return false; /* lists have no check of their own */
    }
    return false;
}

/* Stores node n into the field of entry e; a row with a check is noted
 * so that the check runs once everything is loaded. */
void config_apply_row(ConfigLoader *ld, const ConfigScopeEntry *e, unsigned char *base,
                      const ConfigNode *n, const char *path)
{
    if (!apply_value(ld, e, base, n, path)) {
        return;
    }
    config_loader_trace(ld, (size_t)(base - (unsigned char *)ld->settings) + e->offset, n);
    if (e->row->check == NULL) {
        return;
    }
    if (ld->check_count == ld->check_cap) {
        int cap = ld->check_cap ? ld->check_cap * 2 : 8;
        ld->checks = petri_realloc(ld->checks, (size_t)ld->check_cap * sizeof *ld->checks,
                                   (size_t)cap * sizeof *ld->checks);
        ld->check_cap = cap;
    }
    ConfigLoaderCheck *c = &ld->checks[ld->check_count++];
    c->row = e->row;
    c->field = base + e->offset;
    c->at = n;
    snprintf(c->path, sizeof c->path, "%s", path);
}

/* Runs the checks of the rows whose values were stored, when nothing else
 * failed (a check may read other keys, which must be sound), and frees
 * the list. */
void config_loader_run_checks(ConfigLoader *ld)
{
    bool sound = ld->errors == 0;
    for (int i = 0; i < ld->check_count && sound; ++i) {
        const ConfigLoaderCheck *c = &ld->checks[i];
        char why[512];
        if (!c->row->check(ld->settings, c->field, why, sizeof why)) {
            config_loader_error(ld, c->at, "'%s' %s", c->path, why);
        }
    }
    petri_free(ld->checks, (size_t)ld->check_cap * sizeof *ld->checks);
    ld->checks = NULL;
    ld->check_count = ld->check_cap = 0;
}

void config_error_unknown_key(ConfigLoader *ld, const ConfigNode *at, const ConfigScope *sc,
                              const char *rel, const char *key, const char *shown_prefix)
{
    char near[PATH_CAP * 2];
    config_scope_suggest(sc, rel, key, shown_prefix, near, sizeof near);
    char shown[PATH_CAP * 2];
    snprintf(shown, sizeof shown, "%s%s%s%.100s", shown_prefix, rel, rel[0] ? "." : "", key);
    for (int i = 0; ld->schema != NULL && i < ld->schema->retired_count; ++i) {
        if (strcmp(ld->schema->retired[i].path, shown) == 0) {
            config_loader_error(ld, at, "'%s' is not a key here: %s", shown,
                                ld->schema->retired[i].why);
            return;
        }
    }
    if (near[0] != '\0') {
        config_loader_error(ld, at, "unknown key '%s'; did you mean '%s'?", shown, near);
    } else {
        char known[200];
        config_scope_list_children(sc, rel, known, sizeof known);
        config_loader_error(ld, at, "unknown key '%s'; known keys here: %s", shown, known);
    }
}

/* A mapping where rows lie below rel (rel "" at the top of a scope). */
void config_walk_mapping(ConfigLoader *ld, const ConfigScope *sc, unsigned char *base,
                         const ConfigNode *map, const char *rel, const char *shown_prefix)
{
    /* Keys accepted so far in this mapping, for duplicate detection. Only
     * known keys are kept, so there are at most sc->count of them. */
    int seen_cap = sc->count + 1;
    int *seen = petri_alloc((size_t)seen_cap * sizeof *seen);
    int seen_count = 0;
    const ConfigNode *nodes = ld->tree->nodes;
    for (int k = map->first; k >= 0 && !ld->stopped; k = nodes[k].next) {
        int v = nodes[k].next;
        if (v < 0) {
            break; /* libyaml always pairs keys with values */
        }
        const ConfigNode *key = &nodes[k];
        const ConfigNode *value = &nodes[v];
        k = v;
        if (key->kind != CONFIG_NODE_SCALAR) {
            char found[160];
            config_loader_error(ld, key, "a key must be a plain word, got %s",
                                config_describe_node(ld, key, found, sizeof found));
            continue;
        }
        const char *text = config_node_text(ld->tree, key);
        char path[PATH_CAP];
        if (key->len == 0 || key->len > 100 || memchr(text, '\0', key->len) != NULL) {
            char found[160];
            config_loader_error(ld, key, "a key must be a plain word, got %s",
                                config_describe_node(ld, key, found, sizeof found));
            continue;
        }
        snprintf(path, sizeof path, "%s%s%s", rel, rel[0] ? "." : "", text);
        char shown[PATH_CAP * 2];
        snprintf(shown, sizeof shown, "%s%s", shown_prefix, path);
        if (strchr(text, '.') != NULL) {
            /* "world.size: ..." would dodge duplicate detection against a
             * "world:" mapping; a file spells paths as nested mappings. */
            config_loader_error(ld, key,
                                "a key in a file holds no '.': write '%s' as nested mappings "
                                "('%.*s:' with '%s:' indented below it)",
                                shown, (int)strcspn(text, "."), text, strchr(text, '.') + 1);
            continue;
        }

        const ConfigScopeEntry *e = config_scope_find(sc, path);
        bool below = e == NULL && config_scope_has_below(sc, path);
        if (e == NULL && !below) {
            config_error_unknown_key(ld, key, sc, rel, text, shown_prefix);
            continue;
        }
        bool duplicate = false;
        for (int i = 0; i < seen_count && !duplicate; ++i) {
            const ConfigNode *prev = &nodes[seen[i]];
            if (strcmp(config_node_text(ld->tree, prev), text) == 0) {
                config_loader_error(ld, key, "duplicate key '%s' (first given at line %d)", shown,
                                    prev->line);
                duplicate = true;
            }
        }
        if (duplicate) {
            continue;
        }
        if (seen_count < seen_cap) {
            seen[seen_count++] = (int)(key - nodes);
        }
        if (e != NULL) {
            config_apply_row(ld, e, base, value, shown);
        } else if (value->kind == CONFIG_NODE_MAP) {
            config_walk_mapping(ld, sc, base, value, path, shown_prefix);
        } else if (value->kind == CONFIG_NODE_SCALAR && value->len == 0 && !value->quoted) {
            /* "world:" with nothing under it: every key keeps its value. */
        } else {
            char known[200], found[160];
            config_scope_list_children(sc, path, known, sizeof known);
            config_loader_error(ld, value, "'%s' must be a mapping of keys (%s), got %s", shown,
                                known, config_describe_node(ld, value, found, sizeof found));
        }
    }
    petri_free(seen, (size_t)seen_cap * sizeof *seen);
}

/* The root of a document: a mapping, or nothing at all. */
static void walk_root(ConfigLoader *ld, const ConfigScope *sc, void *settings)
{
    const ConfigNode *root = &ld->tree->nodes[ld->tree->root];
    if (root->kind == CONFIG_NODE_MAP) {
        config_walk_mapping(ld, sc, settings, root, "", "");
        return;
    }
    if (root->kind == CONFIG_NODE_SCALAR && !root->quoted &&
        (root->len == 0 || strcmp(config_node_text(ld->tree, root), "~") == 0 ||
         strcmp(config_node_text(ld->tree, root), "null") == 0)) {
        return; /* an empty document: all defaults */
    }
    char found[160];
    config_loader_error(ld, root,
                        "the top level of a config must be a mapping of keys (such as "
                        "'seed: 42'), got %s",
                        config_describe_node(ld, root, found, sizeof found));
}
/* ---------------------------------------------------------------- loading */

static PetriStatus load_string(const ConfigSchema *schema, void *settings, const char *name,
                               const char *text, size_t len, ConfigOrigins *origins,
                               PetriError *err)
{
    if (len > CONFIG_MAX_FILE_BYTES) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0,
                        "the file is larger than %u bytes, the most a config may be",
                        (unsigned)CONFIG_MAX_FILE_BYTES);
    }
    /* A UTF-8 byte order mark is allowed and skipped: libyaml, told the
     * encoding, would read it as text. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    int line, col;
    size_t bad = config_check_utf8(text, len, &line, &col);
    if (bad < len) {
        unsigned char c = (unsigned char)text[bad];
        if (c == 0) {
            return error_at(err, PETRI_ECONFIG, name, line, col,
                            "NUL byte in the file; a config is UTF-8 text");
        }
        return error_at(err, PETRI_ECONFIG, name, line, col,
                        "invalid UTF-8 (byte 0x%02x); a config is UTF-8 text", c);
    }
    ConfigTree tree;
    PetriStatus status = config_tree_parse(&tree, name, true, text, len, err);
    if (status == PETRI_OK) {
        ConfigScope sc;
        config_scope_init_schema(&sc, schema);
        ConfigLoader ld = {.tree = &tree,
                           .name = name,
                           .located = true,
                           .err = err,
                           .settings = settings,
                           .schema = schema,
                           .origins = origins};
        config_loader_trace_begin(&ld);
        walk_root(&ld, &sc, settings);
        config_loader_run_checks(&ld);
        config_scope_fini(&sc);
        status = ld.errors > 0 ? PETRI_ECONFIG : PETRI_OK;
    }
    config_tree_fini(&tree);
    return status;
}

PetriStatus config_load_string(const ConfigSchema *schema, void *settings, const char *name,
                               const char *text, size_t len, PetriError *err)
{
    return load_string(schema, settings, name, text, len, NULL, err);
}

PetriStatus config_load_string_traced(const ConfigSchema *schema, void *settings,
                                      const char *name, const char *text, size_t len,
                                      ConfigOrigins *origins, PetriError *err)
{
    return load_string(schema, settings, name, text, len, origins, err);
}

PetriStatus config_load(const ConfigSchema *schema, void *settings, const char *path,
                        PetriError *err)
{
    return config_load_traced(schema, settings, path, NULL, err);
}

PetriStatus config_load_traced(const ConfigSchema *schema, void *settings, const char *path,
                               ConfigOrigins *origins, PetriError *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return error_at(err, PETRI_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    }
    /* Read at most one byte more than allowed: enough to refuse a file
     * that is too large without reading all of it. */
    size_t cap = 4096, len = 0;
    char *text = petri_alloc(cap);
    for (;;) {
        if (len == cap) {
            size_t grown =
                cap * 2 > CONFIG_MAX_FILE_BYTES + 2 ? CONFIG_MAX_FILE_BYTES + 2 : cap * 2;
            if (grown == cap) {
                break;
            }
            text = petri_realloc(text, cap, grown);
            cap = grown;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            break;
        }
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    PetriStatus status;
    if (failed) {
        status = error_at(err, PETRI_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
    } else {
        status = load_string(schema, settings, path, text, len, origins, err);
    }
    petri_free(text, cap);
    return status;
}
