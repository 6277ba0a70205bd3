/*
 * Schemas flattened into scopes: one entry per row with its full key path
 * and the offset of its field, list items built per index, and the
 * searches that "did you mean" needs.
 */
#include "core/config_internal.h"

#include <limits.h>
#include <string.h>

enum { PATH_CAP = CONFIG_PATH_CAP };

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
void config_list_slot_default(unsigned char *base, const ConfigScopeEntry *e, int index)
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
void config_scope_list_children(const ConfigScope *sc, const char *rel, char *out, size_t cap)
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

/* Threshold for "did you mean": about a third of the word may differ. */
static int suggest_limit(size_t len)
{
    return len <= 3 ? 1 : (len <= 6 ? 2 : 3);
}

/* Finds the key to suggest for an unknown `key` met under rel: the
 * nearest sibling, else a row elsewhere in the scope (or in a list's
 * items) whose last segment is exactly `key`. Writes the full shown path
 * into out, or "" when nothing is close. */
void config_scope_suggest(const ConfigScope *sc, const char *rel, const char *key,
                          const char *shown_prefix, char *out, size_t cap)
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
