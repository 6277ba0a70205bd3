/*
 * Shared by core/config*.c and tests/test_config.c only.
 *
 * The config engine works in two steps. config_tree.c (the one file that
 * includes libyaml) turns YAML text into a small tree of nodes that
 * remember their line and column, refusing what a config never needs
 * (anchors, aliases, tags, several documents, deep nesting). config.c then
 * walks that tree against the schema and fills the settings struct;
 * config_write.c prints settings back as YAML and the reference as
 * markdown.
 */
#ifndef PETRI_CONFIG_INTERNAL_H
#define PETRI_CONFIG_INTERNAL_H

#include "core/core.h"

typedef enum ConfigNodeKind { CONFIG_NODE_SCALAR, CONFIG_NODE_SEQ, CONFIG_NODE_MAP } ConfigNodeKind;

/* One node of a parsed document. Children form a singly linked list by
 * index (-1 ends it); a mapping's children alternate key, value. */
typedef struct ConfigNode {
    int kind;          /* ConfigNodeKind */
    bool quoted;       /* scalar written in quotes (or as a block literal) */
    int line, col;     /* 1-based, of the node's first character */
    size_t text, len;  /* scalar: bytes at tree->strings + text (NUL-terminated) */
    int first, last;   /* first and last child, -1 when none */
    int next;          /* next sibling, -1 when none */
    int count;         /* children */
} ConfigNode;

typedef struct ConfigTree {
    ConfigNode *nodes;
    int node_count, node_cap;
    char *strings;
    size_t str_len, str_cap;
    int root;          /* always a node after a successful parse */
} ConfigTree;

/* Parses one YAML document. name prefixes error lines; when located is
 * false (a --set value) lines and columns are left out. On success the
 * tree has a root (an empty document gives an empty plain scalar). On
 * failure one line is added to err and PETRI_ECONFIG returned; the tree
 * must still be released with config_tree_fini. */
PetriStatus config_tree_parse(ConfigTree *t, const char *name, bool located, const char *text,
                              size_t len, PetriError *err);
void config_tree_fini(ConfigTree *t);

static inline const char *config_node_text(const ConfigTree *t, const ConfigNode *n)
{
    return t->strings + n->text;
}

/* Checks that text is UTF-8 without NUL bytes. Returns the byte offset of
 * the first offending byte, or len when all is well; *line and *col
 * (1-based, columns in characters) locate it. */
size_t config_check_utf8(const char *text, size_t len, int *line, int *col);

/* Levenshtein distance between two short strings (each capped at 64
 * bytes; longer strings count as far apart). */
int config_edit_distance(const char *a, const char *b);

/* A schema (or a list's item rows) flattened: one entry per row with its
 * full key path ("world.size", "food.regrowth") and the byte offset of its
 * field from the settings' base (list items included: an item's scope is
 * built for one index). */
typedef struct ConfigScopeEntry {
    char *path;           /* petri_strdup'd */
    const ConfigRow *row;
    size_t offset;        /* of the field from the scope's base */
    size_t count_offset;  /* CONFIG_LIST: of the int item count */
    size_t extra_offset;  /* CONFIG_LIST: of the parallel item array (item_extra) */
} ConfigScopeEntry;

typedef struct ConfigScope {
    ConfigScopeEntry *entries;
    int count, cap;
} ConfigScope;

void config_scope_init_schema(ConfigScope *sc, const ConfigSchema *schema);
/* The scope of item `index` of the list of entry `list`: its rows (and
 * item_extra rows) with offsets from the same base as the list's own. */
void config_scope_init_item(ConfigScope *sc, const ConfigScopeEntry *list, int index);
void config_scope_fini(ConfigScope *sc);
const ConfigScopeEntry *config_scope_find(const ConfigScope *sc, const char *path);
/* True when some row lies below path ("world" for "world.size"). */
bool config_scope_has_below(const ConfigScope *sc, const char *path);
/* The key segment that follows rel in entry i's path (rel "" gives the
 * first segment), copied into out; false when entry i is not below rel. */
bool config_scope_child(const ConfigScope *sc, int i, const char *rel, char *out, size_t cap);

/* v as "%g" when that reads back (strtod) to exactly v, else in the
 * shortest "%.Ng" form that does. */
void config_format_double(double v, char *out, size_t cap);

#endif
