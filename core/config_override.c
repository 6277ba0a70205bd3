/*
 * `--set KEY=VALUE`: the key path is resolved one segment at a time
 * through sections, nested keys and list indices (the index equal to a
 * list's count appends an item from the item default), and the value,
 * parsed as YAML (a scalar, or a flow sequence or mapping), is checked and
 * stored as a file's value would be. Errors name the override instead of
 * a file position.
 */
#include "core/config_internal.h"

#include <string.h>

enum { PATH_CAP = CONFIG_PATH_CAP };

/* Resolves the key path of an override one segment at a time (list
 * indices included) and applies the parsed value where it lands. */
static void override_resolve(ConfigLoader *ld, const ConfigScope *root_scope,
                             unsigned char *settings, const char *key, const ConfigNode *value)
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
            config_loader_error(ld, NULL,
                                "'%s' is not a key path such as 'world.size' or "
                                "'populations.0.count'",
                                key);
            break;
        }
        char word[PATH_CAP];
        memcpy(word, seg, n);
        word[n] = '\0';
        char path[PATH_CAP];
        if (snprintf(path, sizeof path, "%s%s%s", rel, rel[0] ? "." : "", word) >= PATH_CAP) {
            config_loader_error(ld, NULL, "the key '%.100s...' is too long", key);
            break;
        }
        char shown[PATH_CAP * 2];
        snprintf(shown, sizeof shown, "%s%s", shown_prefix, path);
        const ConfigScopeEntry *e = config_scope_find(sc, path);
        if (e != NULL && last) {
            config_apply_row(ld, e, base, value, shown);
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
                if (idx_word[0] < '0' || idx_word[0] > '9' || !config_parse_u64(idx_word, &idx)) {
                    idx = UINT64_MAX;
                }
            }
            int *count = (int *)(void *)(base + e->count_offset);
            if (idx == UINT64_MAX) {
                config_loader_error(ld, NULL,
                                    "'%s' is a list: an item index must follow, such as "
                                    "'%s.0'",
                                    shown, shown);
                break;
            }
            if (idx > (uint64_t)*count || (idx == (uint64_t)*count && *count >= (int)e->row->max)) {
                config_loader_error(ld, NULL,
                                    "'%s.%s' is out of range: '%s' has %d item%s (index %d "
                                    "appends one, up to %d)",
                                    shown, idx_word, shown, *count, *count == 1 ? "" : "s", *count,
                                    (int)e->row->max);
                break;
            }
            if (idx == (uint64_t)*count) {
                config_list_slot_default(base, e, (int)idx);
                (*count)++;
            }
            char next_prefix[PATH_CAP * 2];
            if (snprintf(next_prefix, sizeof next_prefix, "%s.%s.", shown, idx_word) >= PATH_CAP) {
                config_loader_error(ld, NULL, "the key '%.100s...' is too long", key);
                break;
            }
            memcpy(shown_prefix, next_prefix, strlen(next_prefix) + 1);
            /* Item rows have offsets from the same base as the list. e
             * may live in item_scope: read what is needed of it first. */
            const char *first_key = e->row->item->row_count > 0 ? e->row->item->rows[0].key : "key";
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
                    config_loader_error(ld, NULL,
                                        "'%s.%s' is an item of a list: its value must be a "
                                        "mapping such as {%s: ...}, got %s",
                                        shown, idx_word, first_key,
                                        config_describe_node(ld, value, found, sizeof found));
                } else {
                    config_walk_mapping(ld, sc, base, value, "", shown_prefix);
                }
                break;
            }
            seg = idx_text + m + 1;
            continue;
        }
        if (e == NULL && config_scope_has_below(sc, path)) {
            if (last) {
                if (value->kind == CONFIG_NODE_MAP) {
                    config_walk_mapping(ld, sc, base, value, path, shown_prefix);
                } else {
                    char known[200], found[160];
                    config_scope_list_children(sc, path, known, sizeof known);
                    config_loader_error(ld, NULL, "'%s' must be a mapping of keys (%s), got %s",
                                        shown, known,
                                        config_describe_node(ld, value, found, sizeof found));
                }
                break;
            }
            snprintf(rel, sizeof rel, "%s", path);
            seg += n + 1;
            continue;
        }
        if (e != NULL) {
            config_loader_error(ld, NULL, "unknown key '%s%s': '%s' has no keys below it", shown,
                                seg + n, shown);
            break;
        }
        config_error_unknown_key(ld, NULL, sc, rel, word, shown_prefix);
        break;
    }
    config_scope_fini(&item_scope);
}

PetriStatus config_apply_override(const ConfigSchema *schema, void *settings,
                                  const char *assignment, PetriError *err)
{
    return config_apply_override_traced(schema, settings, assignment, NULL, err);
}

PetriStatus config_apply_override_traced(const ConfigSchema *schema, void *settings,
                                         const char *assignment, ConfigOrigins *origins,
                                         PetriError *err)
{
    char name[320];
    snprintf(name, sizeof name, "--set %.300s", assignment);
    const char *eq = strchr(assignment, '=');
    if (eq == NULL || eq == assignment) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0,
                        "expected KEY=VALUE, such as seed=42 or populations.0.count=50");
    }
    /* Spaces around the key ("seed = 5", quoted in a shell) are dropped. */
    const char *key_start = assignment;
    while (*key_start == ' ' || *key_start == '\t') {
        key_start++;
    }
    size_t key_len = (size_t)(eq - key_start);
    while (key_len > 0 && (key_start[key_len - 1] == ' ' || key_start[key_len - 1] == '\t')) {
        key_len--;
    }
    if (key_len == 0) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0,
                        "expected KEY=VALUE, such as seed=42 or populations.0.count=50");
    }
    if (key_len >= PATH_CAP) {
        return error_at(err, PETRI_ECONFIG, name, 0, 0, "the key is too long to be a key");
    }
    char key[PATH_CAP];
    memcpy(key, key_start, key_len);
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
        ConfigLoader ld = {.tree = &tree,
                           .name = name,
                           .located = false,
                           .err = err,
                           .settings = settings,
                           .schema = schema,
                           .origins = origins};
        config_loader_trace_begin(&ld);
        override_resolve(&ld, &sc, settings, key, &tree.nodes[tree.root]);
        config_loader_run_checks(&ld);
        config_scope_fini(&sc);
        status = ld.errors > 0 ? PETRI_ECONFIG : PETRI_OK;
    }
    config_tree_fini(&tree);
    return status;
}
