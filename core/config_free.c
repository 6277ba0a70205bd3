/*
 * Free sections of a document: top-level keys whose keys are key paths of
 * some other settings, read as located assignments.
 *
 * A sweep file names a base config and, under `grid:` and `variants:`,
 * keys of a run's config with the values to try. Those keys are not rows
 * of the sweep's schema, so the tree is walked here: the free sections are
 * unlinked from the root mapping, which the engine then walks against the
 * schema as config_load would, and each free section is flattened into
 * (key path, value as YAML flow text, line, col). Nested mappings join
 * their keys with '.', and a key may be written dotted, since a sweep
 * names keys the way `--set` does. The caller checks each assignment with
 * config_apply_override and reports at the assignment's position, so a
 * sweep's errors read like a config's.
 */
#include "core/config_internal.h"

#include <assert.h>
#include <string.h>

enum { KEY_CAP = CONFIG_ASSIGN_KEY_CAP, VALUE_CAP = CONFIG_ASSIGN_VALUE_CAP };

typedef struct FreeWalk {
    ConfigLoader *ld;
    ConfigFreeSection *s;
} FreeWalk;

static void text_put(char *out, size_t cap, size_t *n, const char *s, size_t len, bool *full)
{
    if (*n + len + 1 > cap) {
        *full = true;
        return;
    }
    memcpy(out + *n, s, len);
    *n += len;
    out[*n] = '\0';
}

/* Writes node n as YAML flow text. Returns false (with an error) for what
 * a one-line value cannot hold. */
static bool flow_text(FreeWalk *fw, const ConfigNode *n, char *out, size_t cap, size_t *len,
                      bool *full)
{
    const ConfigTree *t = fw->ld->tree;
    if (n->kind == CONFIG_NODE_SCALAR) {
        const char *s = config_node_text(t, n);
        for (size_t i = 0; i < n->len; ++i) {
            if ((unsigned char)s[i] < 0x20) {
                config_loader_error(fw->ld, n, "a value here is one line of text, got a "
                                               "control character or a line break");
                return false;
            }
        }
        if (!n->quoted) {
            text_put(out, cap, len, s, n->len, full);
            return true;
        }
        text_put(out, cap, len, "'", 1, full);
        for (size_t i = 0; i < n->len; ++i) {
            text_put(out, cap, len, s[i] == '\'' ? "''" : s + i, 1 + (s[i] == '\''), full);
        }
        text_put(out, cap, len, "'", 1, full);
        return true;
    }
    bool map = n->kind == CONFIG_NODE_MAP;
    text_put(out, cap, len, map ? "{" : "[", 1, full);
    int i = 0;
    for (int c = n->first; c >= 0; c = t->nodes[c].next, ++i) {
        if (i > 0) {
            text_put(out, cap, len, map && i % 2 == 1 ? ": " : ", ", 2, full);
        }
        if (!flow_text(fw, &t->nodes[c], out, cap, len, full)) {
            return false;
        }
    }
    text_put(out, cap, len, map ? "}" : "]", 1, full);
    return true;
}

static void add_assignment(FreeWalk *fw, const char *key, const ConfigNode *value, int group)
{
    if (value->kind == CONFIG_NODE_SCALAR && value->len == 0 && !value->quoted) {
        config_loader_error(fw->ld, value, "'%s' has an empty value", key);
        return;
    }
    ConfigFreeSection *s = fw->s;
    if (s->count == s->cap) {
        int cap = s->cap ? s->cap * 2 : 16;
        s->items = petri_realloc(s->items, (size_t)s->cap * sizeof *s->items,
                                 (size_t)cap * sizeof *s->items);
        s->cap = cap;
    }
    ConfigAssignment *a = &s->items[s->count];
    memset(a, 0, sizeof *a);
    size_t len = 0;
    bool full = false;
    if (!flow_text(fw, value, a->value, sizeof a->value, &len, &full)) {
        return;
    }
    if (full) {
        config_loader_error(fw->ld, value, "the value of '%s' is longer than %d characters", key,
                            VALUE_CAP - 1);
        return;
    }
    snprintf(a->key, sizeof a->key, "%s", key);
    a->group = group;
    a->line = value->line;
    a->col = value->col;
    s->count++;
}

/* The key path of key node k under prefix, or false (with an error). */
static bool key_path(FreeWalk *fw, const ConfigNode *k, const char *prefix, char *out)
{
    const ConfigTree *t = fw->ld->tree;
    const char *text = config_node_text(t, k);
    if (k->kind != CONFIG_NODE_SCALAR || k->len == 0 || k->len > 100 ||
        strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") !=
            k->len ||
        text[0] == '.' || text[k->len - 1] == '.' || strstr(text, "..") != NULL) {
        char found[160];
        config_loader_error(fw->ld, k,
                            "a key here is a key path of the run's config such as "
                            "'populations.0.count', got %s",
                            config_describe_node(fw->ld, k, found, sizeof found));
        return false;
    }
    if (snprintf(out, KEY_CAP, "%s%s%s", prefix, prefix[0] ? "." : "", text) >= KEY_CAP) {
        config_loader_error(fw->ld, k, "the key path '%s.%s' is too long", prefix, text);
        return false;
    }
    return true;
}

/* A key already given: anywhere in a grid, in the same variant otherwise. */
static const ConfigAssignment *find_key(const ConfigFreeSection *s, const char *key, bool any,
                                        int group)
{
    for (int i = 0; i < s->count; ++i) {
        if ((any || s->items[i].group == group) && strcmp(s->items[i].key, key) == 0) {
            return &s->items[i];
        }
    }
    return NULL;
}

/* A mapping of keys; nested mappings extend the prefix. GRID: each leaf
 * is a list of values (or one value), and a new group. VARIANTS: each
 * leaf is one value of the variant `group`. */
static void walk_keys(FreeWalk *fw, const ConfigNode *map, const char *prefix, int group)
{
    const ConfigTree *t = fw->ld->tree;
    for (int k = map->first; k >= 0 && !fw->ld->stopped; k = t->nodes[k].next) {
        int v = t->nodes[k].next;
        if (v < 0) {
            break;
        }
        const ConfigNode *key = &t->nodes[k];
        const ConfigNode *value = &t->nodes[v];
        k = v;
        char path[KEY_CAP];
        if (!key_path(fw, key, prefix, path)) {
            continue;
        }
        if (value->kind == CONFIG_NODE_MAP) {
            walk_keys(fw, value, path, group);
            continue;
        }
        int g = fw->s->shape == CONFIG_FREE_GRID ? fw->s->groups : group;
        const ConfigAssignment *prev = find_key(fw->s, path, fw->s->shape == CONFIG_FREE_GRID, g);
        if (prev != NULL) {
            config_loader_error(fw->ld, key, "duplicate key '%s' (first given at line %d)", path,
                                prev->line);
            continue;
        }
        if (fw->s->shape == CONFIG_FREE_VARIANTS) {
            add_assignment(fw, path, value, g);
            continue;
        }
        if (value->kind == CONFIG_NODE_SEQ) {
            if (value->count == 0) {
                config_loader_error(fw->ld, value, "'%s' has an empty list of values", path);
                continue;
            }
            for (int c = value->first; c >= 0; c = t->nodes[c].next) {
                add_assignment(fw, path, &t->nodes[c], g);
            }
        } else {
            add_assignment(fw, path, value, g);
        }
        fw->s->groups++;
    }
}

static void walk_section(ConfigLoader *ld, ConfigFreeSection *s, const ConfigNode *value)
{
    FreeWalk fw = {.ld = ld, .s = s};
    const ConfigTree *t = ld->tree;
    char found[160];
    if (value->kind == CONFIG_NODE_SCALAR && value->len == 0 && !value->quoted) {
        return; /* "grid:" with nothing under it */
    }
    if (s->shape == CONFIG_FREE_GRID) {
        if (value->kind != CONFIG_NODE_MAP) {
            config_loader_error(ld, value,
                                "'%s' must be a mapping of key paths to lists of values "
                                "('populations.0.count: [50, 100]'), got %s",
                                s->key, config_describe_node(ld, value, found, sizeof found));
            return;
        }
        walk_keys(&fw, value, "", 0);
        return;
    }
    if (value->kind != CONFIG_NODE_SEQ) {
        config_loader_error(ld, value,
                            "'%s' must be a list of mappings of key paths to values "
                            "('- {populations.0.count: 50}'), got %s",
                            s->key, config_describe_node(ld, value, found, sizeof found));
        return;
    }
    for (int c = value->first; c >= 0; c = t->nodes[c].next) {
        const ConfigNode *item = &t->nodes[c];
        if (item->kind != CONFIG_NODE_MAP) {
            config_loader_error(ld, item,
                                "each item of '%s' must be a mapping of key paths to values, "
                                "got %s",
                                s->key, config_describe_node(ld, item, found, sizeof found));
        } else {
            walk_keys(&fw, item, "", s->groups);
        }
        s->groups++;
    }
}

/* Unlinks the free sections from the root mapping, so that the rest is
 * a plain config for the engine; values[i] gets section i's value node
 * (-1 when absent). */
static void take_sections(ConfigLoader *ld, ConfigTree *t, ConfigFreeSection *sections,
                          int section_count, int *values)
{
    ConfigNode *root = &t->nodes[t->root];
    int prev_value = -1;
    for (int k = root->first; k >= 0;) {
        int v = t->nodes[k].next;
        if (v < 0) {
            break;
        }
        int after = t->nodes[v].next;
        const ConfigNode *key = &t->nodes[k];
        ConfigFreeSection *s = NULL;
        for (int i = 0; i < section_count && key->kind == CONFIG_NODE_SCALAR; ++i) {
            if (strcmp(config_node_text(t, key), sections[i].key) == 0) {
                s = &sections[i];
            }
        }
        if (s == NULL) {
            prev_value = v;
            k = after;
            continue;
        }
        if (s->line > 0) {
            config_loader_error(ld, key, "duplicate key '%s' (first given at line %d)", s->key,
                                s->line);
        } else {
            s->line = key->line;
            s->col = key->col;
            values[s - sections] = v;
        }
        if (prev_value < 0) {
            root->first = after;
        } else {
            t->nodes[prev_value].next = after;
        }
        if (root->last == v) {
            root->last = prev_value;
        }
        root->count -= 2;
        k = after;
    }
}

PetriStatus config_load_free(const ConfigSchema *schema, void *settings, const char *path,
                             ConfigFreeSection *sections, int section_count, PetriError *err)
{
    for (int i = 0; i < section_count; ++i) {
        sections[i].items = NULL;
        sections[i].count = sections[i].cap = sections[i].groups = 0;
        sections[i].line = sections[i].col = 0;
    }
    char *text = NULL;
    size_t len = 0;
    PetriStatus status = file_read_all(path, CONFIG_MAX_FILE_BYTES, &text, &len, err);
    if (status != PETRI_OK) {
        return status;
    }
    const char *body = text;
    size_t body_len = len;
    if (body_len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        body += 3;
        body_len -= 3;
    }
    int line, col;
    size_t bad = config_check_utf8(body, body_len, &line, &col);
    ConfigTree tree;
    memset(&tree, 0, sizeof tree);
    if (bad < body_len) {
        status = error_at(err, PETRI_ECONFIG, path, line, col,
                          "invalid UTF-8 or a NUL byte (0x%02x); the file is UTF-8 text",
                          (unsigned char)body[bad]);
    } else {
        status = config_tree_parse(&tree, path, true, body, body_len, err);
    }
    if (status == PETRI_OK) {
        ConfigScope sc;
        config_scope_init_schema(&sc, schema);
        ConfigLoader ld = {
            .tree = &tree, .name = path, .located = true, .err = err, .settings = settings};
        const ConfigNode *root = &tree.nodes[tree.root];
        if (root->kind == CONFIG_NODE_MAP) {
            int values[8];
            assert(section_count <= 8);
            for (int i = 0; i < section_count; ++i) {
                values[i] = -1;
            }
            take_sections(&ld, &tree, sections, section_count, values);
            config_walk_mapping(&ld, &sc, settings, &tree.nodes[tree.root], "", "");
            /* After the schema's keys, so that errors come roughly in
             * the order of a file that puts its grid last. */
            for (int i = 0; i < section_count; ++i) {
                if (values[i] >= 0) {
                    walk_section(&ld, &sections[i], &tree.nodes[values[i]]);
                }
            }
        } else {
            char found[160];
            config_loader_error(&ld, root, "the top level must be a mapping of keys, got %s",
                                config_describe_node(&ld, root, found, sizeof found));
        }
        config_loader_run_checks(&ld);
        config_scope_fini(&sc);
        status = ld.errors > 0 ? PETRI_ECONFIG : PETRI_OK;
    }
    if (bad >= body_len) {
        config_tree_fini(&tree);
    }
    petri_free(text, len + 1);
    return status;
}

void config_free_section_fini(ConfigFreeSection *s)
{
    petri_free(s->items, (size_t)s->cap * sizeof *s->items);
    s->items = NULL;
    s->count = s->cap = s->groups = 0;
}
