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
 * an array of items; each item is walked against a ConfigScope of the item rows
 * with its own base pointer.
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

enum { PATH_CAP = 256 };

/* ---------------------------------------------------------------- scopes */

static void scope_add(ConfigScope *sc, const char *prefix, const ConfigRow *row, size_t base)
{
    if (sc->count == sc->cap) {
        int cap = sc->cap ? sc->cap * 2 : 32;
        sc->entries = petri_realloc(sc->entries, (size_t)sc->cap * sizeof *sc->entries,
                                    (size_t)cap * sizeof *sc->entries);
        sc->cap = cap;
    }
    char path[PATH_CAP];
    if (prefix != NULL && prefix[0] != '\0') {
        snprintf(path, sizeof path, "%s.%s", prefix, row->key);
    } else {
        snprintf(path, sizeof path, "%s", row->key);
    }
    ConfigScopeEntry *e = &sc->entries[sc->count++];
    e->path = petri_strdup(path);
    e->row = row;
    e->offset = base + row->offset;
    e->count_offset = base + row->count_offset;
    e->extra_offset = base + row->item_extra_offset;
}

/* Adds the rows of s; base is the offset of the struct that holds the
 * section's struct (0 for a schema, an item's slot for list items). */
static void scope_add_section(ConfigScope *sc, const ConfigSection *s, size_t base)
{
    for (int i = 0; i < s->row_count; ++i) {
        scope_add(sc, s->prefix, &s->rows[i], base + s->offset);
    }
}

void config_scope_init_schema(ConfigScope *sc, const ConfigSchema *schema)
{
    memset(sc, 0, sizeof *sc);
    for (int i = 0; i < schema->section_count; ++i) {
        scope_add_section(sc, &schema->sections[i], 0);
    }
}

void config_scope_init_item(ConfigScope *sc, const ConfigScopeEntry *list, int index)
{
    memset(sc, 0, sizeof *sc);
    const ConfigRow *row = list->row;
    scope_add_section(sc, row->item, list->offset + (size_t)index * row->item_size);
    if (row->item_extra != NULL) {
        scope_add_section(sc, row->item_extra,
                          list->extra_offset + (size_t)index * row->item_extra_size);
    }
}

/* Copies the item defaults into slot index of a list (both arrays). */
static void list_slot_default(unsigned char *base, const ConfigScopeEntry *e, int index)
{
    const ConfigRow *row = e->row;
    memcpy(base + e->offset + (size_t)index * row->item_size, row->item_default, row->item_size);
    if (row->item_extra != NULL) {
        memcpy(base + e->extra_offset + (size_t)index * row->item_extra_size,
               row->item_extra_default, row->item_extra_size);
    }
}

void config_scope_fini(ConfigScope *sc)
{
    for (int i = 0; i < sc->count; ++i) {
        petri_free(sc->entries[i].path, strlen(sc->entries[i].path) + 1);
    }
    petri_free(sc->entries, (size_t)sc->cap * sizeof *sc->entries);
    memset(sc, 0, sizeof *sc);
}

const ConfigScopeEntry *config_scope_find(const ConfigScope *sc, const char *path)
{
    for (int i = 0; i < sc->count; ++i) {
        if (strcmp(sc->entries[i].path, path) == 0) {
            return &sc->entries[i];
        }
    }
    return NULL;
}

/* True when some row lies below `path` ("world" for "world.size"). */
bool config_scope_has_below(const ConfigScope *sc, const char *path)
{
    size_t n = strlen(path);
    for (int i = 0; i < sc->count; ++i) {
        const char *p = sc->entries[i].path;
        if (strncmp(p, path, n) == 0 && p[n] == '.') {
            return true;
        }
    }
    return false;
}

/* The key segment that follows `rel` in entry i (rel "" gives the first
 * segment), copied into out; false when entry i is not below rel. */
bool config_scope_child(const ConfigScope *sc, int i, const char *rel, char *out, size_t cap)
{
    const char *p = sc->entries[i].path;
    size_t n = strlen(rel);
    if (n > 0) {
        if (strncmp(p, rel, n) != 0 || p[n] != '.') {
            return false;
        }
        p += n + 1;
    }
    size_t k = strcspn(p, ".");
    if (k >= cap) {
        k = cap - 1;
    }
    memcpy(out, p, k);
    out[k] = '\0';
    return true;
}

/* Distinct keys allowed directly under rel, joined by ", ", for messages. */
static void scope_list_children(const ConfigScope *sc, const char *rel, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < sc->count; ++i) {
        char seg[PATH_CAP];
        if (!config_scope_child(sc, i, rel, seg, sizeof seg)) {
            continue;
        }
        bool seen = false;
        for (int j = 0; j < i && !seen; ++j) {
            char other[PATH_CAP];
            seen = config_scope_child(sc, j, rel, other, sizeof other) && strcmp(other, seg) == 0;
        }
        if (seen) {
            continue;
        }
        int w = snprintf(out + used, cap - used, "%s%s", used ? ", " : "", seg);
        if (w < 0 || (size_t)w >= cap - used) {
            if (cap > 4) {
                strcpy(out + (used + 4 < cap ? used : cap - 4), "...");
            }
            return;
        }
        used += (size_t)w;
    }
}

/* --------------------------------------------------------------- loader */

typedef struct Loader {
    const ConfigTree *tree;
    const char *name;   /* file name, or "--set KEY=VALUE" */
    bool located;       /* messages carry line:col */
    PetriError *err;
    int errors;
    bool stopped;       /* CONFIG_MAX_ERRORS reached */
    void *settings;     /* the whole settings struct, for ConfigRow.check */
    struct LoaderCheck *checks; /* values stored for rows with a check */
    int check_count, check_cap;
} Loader;

/* A value stored for a row that has a check, run once all is loaded. */
typedef struct LoaderCheck {
    const ConfigRow *row;
    const void *field;
    const ConfigNode *at;
    char path[256];
} LoaderCheck;

static void loader_error(Loader *ld, const ConfigNode *at, const char *fmt, ...) PETRI_PRINTF(3, 4);

static void loader_error(Loader *ld, const ConfigNode *at, const char *fmt, ...)
{
    if (ld->stopped) {
        return;
    }
    int line = ld->located && at != NULL ? at->line : 0;
    int col = ld->located && at != NULL ? at->col : 0;
    if (ld->errors == CONFIG_MAX_ERRORS - 1) {
        error_at(ld->err, PETRI_ECONFIG, ld->name, line, col,
                 "too many errors, stopping after %d", ld->errors);
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
static const char *describe_node(const Loader *ld, const ConfigNode *n, char *out, size_t cap)
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

/* Range bound for messages: integers as integers, other numbers in their
 * shortest form ("1e+06"). */
static void format_bound(double v, bool integer, char *out, size_t cap)
{
    if (integer && fabs(v) < 1e15) {
        snprintf(out, cap, "%.0f", v);
    } else {
        config_format_double(v, out, cap);
    }
}

/* What a row accepts, as the end of "'KEY' must be ...". */
static void describe_row(const ConfigRow *row, char *out, size_t cap)
{
    char lo[40], hi[40];
    switch (row->type) {
    case CONFIG_BOOL:
        snprintf(out, cap, "true or false");
        break;
    case CONFIG_INT:
        format_bound(row->min, true, lo, sizeof lo);
        format_bound(row->max, true, hi, sizeof hi);
        snprintf(out, cap, "an integer in [%s, %s]", lo, hi);
        break;
    case CONFIG_U64:
        if (row->min <= 0 && row->max <= 0) {
            snprintf(out, cap, "an unsigned 64-bit integer");
        } else if (row->max <= 0) {
            format_bound(row->min, true, lo, sizeof lo);
            snprintf(out, cap, "an unsigned 64-bit integer >= %s", lo);
        } else {
            format_bound(row->min, true, lo, sizeof lo);
            format_bound(row->max, true, hi, sizeof hi);
            snprintf(out, cap, "an unsigned integer in [%s, %s]", lo, hi);
        }
        break;
    case CONFIG_FLOAT:
        format_bound(row->min, false, lo, sizeof lo);
        format_bound(row->max, false, hi, sizeof hi);
        snprintf(out, cap, "a number in [%s, %s]", lo, hi);
        break;
    case CONFIG_STRING:
        snprintf(out, cap, "a string of at most %d bytes", (int)row->max - 1);
        break;
    case CONFIG_CHOICE: {
        size_t used = (size_t)snprintf(out, cap, "one of ");
        for (const char *c = row->choices; *c != '\0' && used + 2 < cap; ++c) {
            if (*c == '|') {
                used += (size_t)snprintf(out + used, cap - used, ", ");
            } else {
                out[used++] = *c;
                out[used] = '\0';
            }
        }
        break;
    }
    case CONFIG_VEC2:
        format_bound(row->min, false, lo, sizeof lo);
        format_bound(row->max, false, hi, sizeof hi);
        snprintf(out, cap, "two numbers in [%s, %s]", lo, hi);
        break;
    case CONFIG_LIST:
        format_bound(row->min, true, lo, sizeof lo);
        format_bound(row->max, true, hi, sizeof hi);
        snprintf(out, cap, "a list of %s to %s mappings", lo, hi);
        break;
    }
}

static void error_expected(Loader *ld, const ConfigNode *at, const ConfigRow *row,
                           const char *path, const ConfigNode *got)
{
    char want[256], found[160];
    describe_row(row, want, sizeof want);
    loader_error(ld, at, "'%s' must be %s, got %s", path, want, describe_node(ld, got, found,
                                                                              sizeof found));
}

/* ------------------------------------------------------- scalar parsing */

/* Strict unsigned integer: decimal digits or 0x hex digits, nothing else.
 * Returns false on any other text or on overflow of uint64_t. */
static bool parse_u64(const char *s, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0') {
        return false;
    }
    uint64_t v = 0;
    for (; *s != '\0'; ++s) {
        unsigned d;
        if (*s >= '0' && *s <= '9') {
            d = (unsigned)(*s - '0');
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            d = (unsigned)(*s - 'a' + 10);
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            d = (unsigned)(*s - 'A' + 10);
        } else {
            return false;
        }
        if (v > (UINT64_MAX - d) / base) {
            return false;
        }
        v = v * base + d;
    }
    *out = v;
    return true;
}

/* Strict signed integer: an optional sign then parse_u64's forms; false
 * on overflow of long long. */
static bool parse_i64(const char *s, long long *out)
{
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    uint64_t mag;
    if (!parse_u64(s, &mag)) {
        return false;
    }
    if (neg) {
        if (mag > (uint64_t)LLONG_MAX + 1) {
            return false;
        }
        *out = mag == (uint64_t)LLONG_MAX + 1 ? LLONG_MIN : -(long long)mag;
    } else {
        if (mag > (uint64_t)LLONG_MAX) {
            return false;
        }
        *out = (long long)mag;
    }
    return true;
}

/* Strict finite number: strtod must consume everything; nan, inf and
 * overflow are refused (as are leading spaces, which strtod would skip). */
static bool parse_double(const char *s, double *out)
{
    if (*s == '\0' || *s == ' ' || *s == '\t') {
        return false;
    }
    /* strtod knows "nan", "inf", "infinity"; a config never means them. */
    for (const char *c = s; *c != '\0'; ++c) {
        if (*c == 'n' || *c == 'N' || *c == 'i' || *c == 'I') {
            return false;
        }
    }
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v)) {
        return false;
    }
    if (errno == ERANGE && fabs(v) > 1.0) {
        return false; /* overflow; gradual underflow to tiny values is fine */
    }
    *out = v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; ++i) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Index of s among "a|b|c", or -1. */
static int choice_index(const char *choices, const char *s)
{
    size_t n = strlen(s);
    int index = 0;
    for (const char *c = choices;; ++index) {
        size_t k = strcspn(c, "|");
        if (k == n && strncmp(c, s, n) == 0) {
            return index;
        }
        if (c[k] == '\0') {
            return -1;
        }
        c += k + 1;
    }
}

/* The choice nearest to s (for "did you mean"), or empty. */
static void choice_nearest(const char *choices, const char *s, char *out, size_t cap)
{
    out[0] = '\0';
    int best = INT_MAX;
    for (const char *c = choices;;) {
        size_t k = strcspn(c, "|");
        char word[PATH_CAP];
        if (k < sizeof word) {
            memcpy(word, c, k);
            word[k] = '\0';
            int d = config_edit_distance(s, word);
            int limit = (int)k <= 3 ? 1 : ((int)k <= 6 ? 2 : 3);
            if (d < best && d <= limit && d > 0) {
                best = d;
                snprintf(out, cap, "%s", word);
            }
        }
        if (c[k] == '\0') {
            return;
        }
        c += k + 1;
    }
}

/* A plain (unquoted) scalar, as numbers and booleans must be; NULL when
 * the node is anything else. */
static const char *plain_text(const Loader *ld, const ConfigNode *n)
{
    if (n->kind != CONFIG_NODE_SCALAR || n->quoted || n->len == 0) {
        return NULL;
    }
    return config_node_text(ld->tree, n);
}

static bool number_in_range(const Loader *ld, const ConfigNode *n, const ConfigRow *row, double *v)
{
    const char *s = plain_text(ld, n);
    return s != NULL && parse_double(s, v) && *v >= row->min && *v <= row->max;
}

/* ------------------------------------------------------------- walking */

static void walk_mapping(Loader *ld, const ConfigScope *sc, unsigned char *base, const ConfigNode *map,
                         const char *rel, const char *shown_prefix);

static void apply_list(Loader *ld, const ConfigScopeEntry *e, unsigned char *base, const ConfigNode *n,
                       const char *path)
{
    const ConfigRow *row = e->row;
    if (n->kind != CONFIG_NODE_SEQ || n->count < row->min || n->count > row->max) {
        error_expected(ld, n, row, path, n);
        return;
    }
    for (int c = n->first; c >= 0; c = ld->tree->nodes[c].next) {
        if (ld->tree->nodes[c].kind != CONFIG_NODE_MAP) {
            char found[160];
            loader_error(ld, &ld->tree->nodes[c], "each item of '%s' must be a mapping of keys, got %s",
                         path, describe_node(ld, &ld->tree->nodes[c], found, sizeof found));
            return;
        }
    }
    /* The file's list replaces the current one. Every slot starts as the
     * item default, the unused ones too (as a module's default def leaves
     * them), so equal settings are equal bytes. */
    for (int i = 0; i < (int)row->max; ++i) {
        list_slot_default(base, e, i);
    }
    int *count = (int *)(void *)(base + e->count_offset);
    *count = n->count;
    int index = 0;
    for (int c = n->first; c >= 0; c = ld->tree->nodes[c].next, ++index) {
        ConfigScope item_scope;
        config_scope_init_item(&item_scope, e, index);
        char prefix[PATH_CAP];
        snprintf(prefix, sizeof prefix, "%s.%d.", path, index);
        walk_mapping(ld, &item_scope, base, &ld->tree->nodes[c], "", prefix);
        config_scope_fini(&item_scope);
    }
}

/* Checks node n against the row of entry e and stores it at base. path is
 * the key path shown in messages. */
static bool apply_value(Loader *ld, const ConfigScopeEntry *e, unsigned char *base, const ConfigNode *n,
                      const char *path)
{
    const ConfigRow *row = e->row;
    void *field = base + e->offset;
    const char *s = plain_text(ld, n);
    switch (row->type) {
    case CONFIG_BOOL: {
        bool v;
        if (s == NULL || !parse_bool(s, &v)) {
            error_expected(ld, n, row, path, n);
            return false;
        }
        *(bool *)field = v;
        return true;
    }
    case CONFIG_INT: {
        long long v;
        if (s == NULL || !parse_i64(s, &v) || (double)v < row->min || (double)v > row->max ||
            v < INT_MIN || v > INT_MAX) {
            error_expected(ld, n, row, path, n);
            return false;
        }
        *(int *)field = (int)v;
        return true;
    }
    case CONFIG_U64: {
        uint64_t v;
        if (s == NULL || !parse_u64(s, &v) || (double)v < row->min ||
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
            loader_error(ld, n, "'%s' must not contain a NUL character", path);
            return false;
        }
        if ((double)n->len + 1 > row->max) {
            char want[64];
            describe_row(row, want, sizeof want);
            loader_error(ld, n, "'%s' must be %s, got %zu bytes", path, want, n->len);
            return false;
        }
        memset(field, 0, (size_t)row->max);
        memcpy(field, text, n->len);
        return true;
    }
    case CONFIG_CHOICE: {
        const char *text = config_node_text(ld->tree, n);
        int index = n->kind == CONFIG_NODE_SCALAR ? choice_index(row->choices, text) : -1;
        if (index < 0) {
            char want[256], found[160], near[PATH_CAP] = "";
            describe_row(row, want, sizeof want);
            if (n->kind == CONFIG_NODE_SCALAR) {
                choice_nearest(row->choices, text, near, sizeof near);
            }
            loader_error(ld, n, "'%s' must be %s, got %s%s%s%s", path, want,
                         describe_node(ld, n, found, sizeof found),
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
static void apply_row(Loader *ld, const ConfigScopeEntry *e, unsigned char *base,
                      const ConfigNode *n, const char *path)
{
    if (!apply_value(ld, e, base, n, path) || e->row->check == NULL) {
        return;
    }
    if (ld->check_count == ld->check_cap) {
        int cap = ld->check_cap ? ld->check_cap * 2 : 8;
        ld->checks = petri_realloc(ld->checks, (size_t)ld->check_cap * sizeof *ld->checks,
                                   (size_t)cap * sizeof *ld->checks);
        ld->check_cap = cap;
    }
    LoaderCheck *c = &ld->checks[ld->check_count++];
    c->row = e->row;
    c->field = base + e->offset;
    c->at = n;
    snprintf(c->path, sizeof c->path, "%s", path);
}

/* Runs the checks of the rows whose values were stored, when nothing else
 * failed (a check may read other keys, which must be sound), and frees
 * the list. */
static void loader_run_checks(Loader *ld)
{
    bool sound = ld->errors == 0;
    for (int i = 0; i < ld->check_count && sound; ++i) {
        const LoaderCheck *c = &ld->checks[i];
        char why[512];
        if (!c->row->check(ld->settings, c->field, why, sizeof why)) {
            loader_error(ld, c->at, "'%s' %s", c->path, why);
        }
    }
    petri_free(ld->checks, (size_t)ld->check_cap * sizeof *ld->checks);
    ld->checks = NULL;
    ld->check_count = ld->check_cap = 0;
}

/* Threshold for "did you mean": about a third of the word may differ. */
static int suggest_limit(size_t len)
{
    return len <= 3 ? 1 : (len <= 6 ? 2 : 3);
}

/* Finds the key to suggest for an unknown `key` met under rel: the
 * nearest sibling, else a row elsewhere in the scope (or in a list's
 * items) whose last segment is exactly `key`. Writes the full shown path
 * into out, or "" when nothing is close. */
static void suggest_key(const ConfigScope *sc, const char *rel, const char *key, const char *shown_prefix,
                        char *out, size_t cap)
{
    out[0] = '\0';
    int best = INT_MAX;
    char best_seg[PATH_CAP] = "";
    for (int i = 0; i < sc->count; ++i) {
        char seg[PATH_CAP];
        if (!config_scope_child(sc, i, rel, seg, sizeof seg)) {
            continue;
        }
        int d = config_edit_distance(key, seg);
        if (d < best) {
            best = d;
            snprintf(best_seg, sizeof best_seg, "%s", seg);
        }
    }
    if (best_seg[0] != '\0' && best <= suggest_limit(strlen(key))) {
        snprintf(out, cap, "%s%s%s%s", shown_prefix, rel, rel[0] ? "." : "", best_seg);
        return;
    }
    for (int i = 0; i < sc->count; ++i) {
        const char *p = sc->entries[i].path;
        const char *last = strrchr(p, '.');
        last = last ? last + 1 : p;
        if (strcmp(last, key) == 0) {
            snprintf(out, cap, "%s%s", shown_prefix, p);
            return;
        }
        if (sc->entries[i].row->type == CONFIG_LIST) {
            ConfigScope item;
            config_scope_init_item(&item, &sc->entries[i], 0);
            for (int k = 0; k < item.count; ++k) {
                const char *ikey = item.entries[k].path;
                const char *ilast = strrchr(ikey, '.');
                if (strcmp(ilast ? ilast + 1 : ikey, key) == 0) {
                    snprintf(out, cap, "%s%s.N.%s", shown_prefix, p, ikey);
                    config_scope_fini(&item);
                    return;
                }
            }
            config_scope_fini(&item);
        }
    }
}

static void error_unknown_key(Loader *ld, const ConfigNode *at, const ConfigScope *sc, const char *rel,
                              const char *key, const char *shown_prefix)
{
    char near[PATH_CAP * 2];
    suggest_key(sc, rel, key, shown_prefix, near, sizeof near);
    char shown[PATH_CAP * 2];
    snprintf(shown, sizeof shown, "%s%s%s%.100s", shown_prefix, rel, rel[0] ? "." : "", key);
    if (near[0] != '\0') {
        loader_error(ld, at, "unknown key '%s'; did you mean '%s'?", shown, near);
    } else {
        char known[200];
        scope_list_children(sc, rel, known, sizeof known);
        loader_error(ld, at, "unknown key '%s'; known keys here: %s", shown, known);
    }
}

/* A mapping where rows lie below rel (rel "" at the top of a scope). */
static void walk_mapping(Loader *ld, const ConfigScope *sc, unsigned char *base, const ConfigNode *map,
                         const char *rel, const char *shown_prefix)
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
            loader_error(ld, key, "a key must be a plain word, got %s",
                         describe_node(ld, key, found, sizeof found));
            continue;
        }
        const char *text = config_node_text(ld->tree, key);
        char path[PATH_CAP];
        if (key->len == 0 || key->len > 100 || memchr(text, '\0', key->len) != NULL) {
            char found[160];
            loader_error(ld, key, "a key must be a plain word, got %s",
                         describe_node(ld, key, found, sizeof found));
            continue;
        }
        snprintf(path, sizeof path, "%s%s%s", rel, rel[0] ? "." : "", text);
        char shown[PATH_CAP * 2];
        snprintf(shown, sizeof shown, "%s%s", shown_prefix, path);

        const ConfigScopeEntry *e = config_scope_find(sc, path);
        bool below = e == NULL && config_scope_has_below(sc, path);
        if (e == NULL && !below) {
            error_unknown_key(ld, key, sc, rel, text, shown_prefix);
            continue;
        }
        bool duplicate = false;
        for (int i = 0; i < seen_count && !duplicate; ++i) {
            const ConfigNode *prev = &nodes[seen[i]];
            if (strcmp(config_node_text(ld->tree, prev), text) == 0) {
                loader_error(ld, key, "duplicate key '%s' (first given at line %d)", shown,
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
            apply_row(ld, e, base, value, shown);
        } else if (value->kind == CONFIG_NODE_MAP) {
            walk_mapping(ld, sc, base, value, path, shown_prefix);
        } else if (value->kind == CONFIG_NODE_SCALAR && value->len == 0 && !value->quoted) {
            /* "world:" with nothing under it: every key keeps its value. */
        } else {
            char known[200], found[160];
            scope_list_children(sc, path, known, sizeof known);
            loader_error(ld, value, "'%s' must be a mapping of keys (%s), got %s", shown, known,
                         describe_node(ld, value, found, sizeof found));
        }
    }
    petri_free(seen, (size_t)seen_cap * sizeof *seen);
}

/* The root of a document: a mapping, or nothing at all. */
static void walk_root(Loader *ld, const ConfigScope *sc, void *settings)
{
    const ConfigNode *root = &ld->tree->nodes[ld->tree->root];
    if (root->kind == CONFIG_NODE_MAP) {
        walk_mapping(ld, sc, settings, root, "", "");
        return;
    }
    if (root->kind == CONFIG_NODE_SCALAR && !root->quoted &&
        (root->len == 0 || strcmp(config_node_text(ld->tree, root), "~") == 0 ||
         strcmp(config_node_text(ld->tree, root), "null") == 0)) {
        return; /* an empty document: all defaults */
    }
    char found[160];
    loader_error(ld, root, "the top level of a config must be a mapping of keys (such as "
                           "'seed: 42'), got %s",
                 describe_node(ld, root, found, sizeof found));
}

/* ---------------------------------------------------------------- loading */

PetriStatus config_load_string(const ConfigSchema *schema, void *settings, const char *name,
                               const char *text, size_t len, PetriError *err)
{
    if (len > CONFIG_MAX_FILE_BYTES) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0,
                        "the file is larger than %u bytes, the most a config may be",
                        (unsigned)CONFIG_MAX_FILE_BYTES);
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
        Loader ld = {.tree = &tree, .name = name, .located = true, .err = err,
                     .settings = settings};
        walk_root(&ld, &sc, settings);
        loader_run_checks(&ld);
        config_scope_fini(&sc);
        status = ld.errors > 0 ? PETRI_ECONFIG : PETRI_OK;
    }
    config_tree_fini(&tree);
    return status;
}

PetriStatus config_load(const ConfigSchema *schema, void *settings, const char *path,
                        PetriError *err)
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
            size_t grown = cap * 2 > CONFIG_MAX_FILE_BYTES + 2 ? CONFIG_MAX_FILE_BYTES + 2 : cap * 2;
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
        status = config_load_string(schema, settings, path, text, len, err);
    }
    petri_free(text, cap);
    return status;
}

/* ---------------------------------------------------------------- --set */

/* Resolves the key path of an override one segment at a time (list
 * indices included) and applies the parsed value where it lands. */
static void override_resolve(Loader *ld, const ConfigScope *root_scope, unsigned char *settings,
                             const char *key, const ConfigNode *value)
{
    const ConfigScope *sc = root_scope;
    ConfigScope item_scope = {0};
    unsigned char *base = settings;
    char rel[PATH_CAP] = "";
    char shown_prefix[PATH_CAP] = "";
    const char *seg = key;
    for (;;) {
        size_t n = strcspn(seg, ".");
        bool last = seg[n] == '\0';
        if (n == 0 || n >= 100) {
            loader_error(ld, NULL, "'%s' is not a key path such as 'world.size' or "
                                   "'populations.0.count'", key);
            break;
        }
        char word[PATH_CAP];
        memcpy(word, seg, n);
        word[n] = '\0';
        char path[PATH_CAP];
        if (snprintf(path, sizeof path, "%s%s%s", rel, rel[0] ? "." : "", word) >= PATH_CAP) {
            loader_error(ld, NULL, "the key '%.100s...' is too long", key);
            break;
        }
        char shown[PATH_CAP * 2];
        snprintf(shown, sizeof shown, "%s%s", shown_prefix, path);
        const ConfigScopeEntry *e = config_scope_find(sc, path);
        if (e != NULL && last) {
            apply_row(ld, e, base, value, shown);
            break;
        }
        if (e != NULL && e->row->type == CONFIG_LIST) {
            /* The next segment is an item index; the current count
             * appends an item that starts from the item default. */
            const char *idx_text = seg + n + 1;
            size_t m = strcspn(idx_text, ".");
            char idx_word[32];
            uint64_t idx = UINT64_MAX;
            if (m > 0 && m < sizeof idx_word) {
                memcpy(idx_word, idx_text, m);
                idx_word[m] = '\0';
                if (idx_word[0] < '0' || idx_word[0] > '9' || !parse_u64(idx_word, &idx)) {
                    idx = UINT64_MAX;
                }
            }
            int *count = (int *)(void *)(base + e->count_offset);
            if (idx == UINT64_MAX) {
                loader_error(ld, NULL, "'%s' is a list: an item index must follow, such as "
                                       "'%s.0'", shown, shown);
                break;
            }
            if (idx > (uint64_t)*count || (idx == (uint64_t)*count && *count >= (int)e->row->max)) {
                loader_error(ld, NULL, "'%s.%s' is out of range: '%s' has %d item%s (index %d "
                                       "appends one, up to %d)", shown, idx_word, shown, *count,
                             *count == 1 ? "" : "s", *count, (int)e->row->max);
                break;
            }
            if (idx == (uint64_t)*count) {
                list_slot_default(base, e, (int)idx);
                (*count)++;
            }
            char next_prefix[PATH_CAP * 2];
            if (snprintf(next_prefix, sizeof next_prefix, "%s.%s.", shown, idx_word) >= PATH_CAP) {
                loader_error(ld, NULL, "the key '%.100s...' is too long", key);
                break;
            }
            memcpy(shown_prefix, next_prefix, strlen(next_prefix) + 1);
            /* Item rows have offsets from the same base as the list. e
             * may live in item_scope: read what is needed of it first. */
            const char *first_key =
                e->row->item->row_count > 0 ? e->row->item->rows[0].key : "key";
            ConfigScope next_scope;
            config_scope_init_item(&next_scope, e, (int)idx);
            config_scope_fini(&item_scope);
            item_scope = next_scope;
            sc = &item_scope;
            rel[0] = '\0';
            if (idx_text[m] == '\0') {
                /* "populations.1={name: b, count: 5}": the whole item. */
                if (value->kind != CONFIG_NODE_MAP) {
                    char found[160];
                    loader_error(ld, NULL, "'%s.%s' is an item of a list: its value must be a "
                                           "mapping such as {%s: ...}, got %s",
                                 shown, idx_word, first_key, describe_node(ld, value, found, sizeof found));
                } else {
                    walk_mapping(ld, sc, base, value, "", shown_prefix);
                }
                break;
            }
            seg = idx_text + m + 1;
            continue;
        }
        if (e == NULL && config_scope_has_below(sc, path)) {
            if (last) {
                if (value->kind == CONFIG_NODE_MAP) {
                    walk_mapping(ld, sc, base, value, path, shown_prefix);
                } else {
                    char known[200], found[160];
                    scope_list_children(sc, path, known, sizeof known);
                    loader_error(ld, NULL, "'%s' must be a mapping of keys (%s), got %s", shown,
                                 known, describe_node(ld, value, found, sizeof found));
                }
                break;
            }
            snprintf(rel, sizeof rel, "%s", path);
            seg += n + 1;
            continue;
        }
        if (e != NULL) {
            loader_error(ld, NULL, "unknown key '%s%s': '%s' has no keys below it", shown,
                         seg + n, shown);
            break;
        }
        error_unknown_key(ld, NULL, sc, rel, word, shown_prefix);
        break;
    }
    config_scope_fini(&item_scope);
}

PetriStatus config_apply_override(const ConfigSchema *schema, void *settings,
                                  const char *assignment, PetriError *err)
{
    char name[320];
    snprintf(name, sizeof name, "--set %.300s", assignment);
    const char *eq = strchr(assignment, '=');
    if (eq == NULL || eq == assignment) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0,
                        "expected KEY=VALUE, such as seed=42 or populations.0.count=50");
    }
    size_t key_len = (size_t)(eq - assignment);
    if (key_len >= PATH_CAP) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0, "the key is too long to be a key");
    }
    char key[PATH_CAP];
    memcpy(key, assignment, key_len);
    key[key_len] = '\0';
    const char *value_text = eq + 1;
    size_t value_len = strlen(value_text);
    int line, col;
    if (config_check_utf8(assignment, strlen(assignment), &line, &col) < strlen(assignment)) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0, "invalid UTF-8 in the override");
    }
    if (value_len > CONFIG_MAX_FILE_BYTES) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0, "the value is too long");
    }
    ConfigTree tree;
    PetriStatus status = config_tree_parse(&tree, name, false, value_text, value_len, err);
    if (status == PETRI_OK) {
        ConfigScope sc;
        config_scope_init_schema(&sc, schema);
        Loader ld = {.tree = &tree, .name = name, .located = false, .err = err,
                     .settings = settings};
        override_resolve(&ld, &sc, settings, key, &tree.nodes[tree.root]);
        loader_run_checks(&ld);
        config_scope_fini(&sc);
        status = ld.errors > 0 ? PETRI_ECONFIG : PETRI_OK;
    }
    config_tree_fini(&tree);
    return status;
}
