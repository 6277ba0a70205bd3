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

/* Longest key path the engine handles ("populations.3.fitness.kills"). */
#define CONFIG_PATH_CAP 256

/* Every item slot of the list of entry e (both arrays when the list has
 * item_extra) gets the item defaults: slot `index` only. */
void config_list_slot_default(unsigned char *base, const ConfigScopeEntry *e, int index);
/* Distinct keys allowed directly under rel, joined by ", " (cut short
 * with "..."), for messages. */
void config_scope_list_children(const ConfigScope *sc, const char *rel, char *out, size_t cap);
/* The key to suggest for an unknown `key` met under rel: the nearest
 * sibling, else a row elsewhere (or in a list's items) whose last segment
 * is `key`. Writes the full shown path, or "" when nothing is close. */
void config_scope_suggest(const ConfigScope *sc, const char *rel, const char *key,
                          const char *shown_prefix, char *out, size_t cap);

/* ---- strict scalars (config_value.c) */

/* Decimal digits without a leading zero, nothing else; false on
 * overflow. Integers are decimal only: see config_value.c. */
bool config_parse_u64(const char *s, uint64_t *out);
/* True when s is an integer in a form refused by that rule (a leading
 * zero, 0x hex), so the message can say the rule. */
bool config_integer_hint(const char *s);
/* An optional sign, then config_parse_u64's forms; false on overflow. */
bool config_parse_i64(const char *s, long long *out);
/* A finite number that strtod reads whole; nan, inf and overflow refused. */
bool config_parse_double(const char *s, double *out);
/* true/false, yes/no, on/off (also capitalised). */
bool config_parse_bool(const char *s, bool *out);
/* Index of s among "a|b|c", or -1. */
int config_choice_index(const char *choices, const char *s);
/* The choice close enough to s to suggest, or "". */
void config_choice_nearest(const char *choices, const char *s, char *out, size_t cap);
/* A range bound for messages: integers as integers, others as "%g". */
void config_format_bound(double v, bool integer, char *out, size_t cap);
/* What a row accepts, the end of "'KEY' must be ..." ("an integer in [1, 5]"). */
void config_describe_row(const ConfigRow *row, char *out, size_t cap);

/* ---- walking a tree against a scope (config.c) */

typedef struct ConfigLoader {
    const ConfigTree *tree;
    const char *name;   /* file name, or "--set KEY=VALUE" */
    bool located;       /* messages carry line:col */
    PetriError *err;
    int errors;
    bool stopped;       /* CONFIG_MAX_ERRORS reached */
    void *settings;     /* the whole settings struct, for ConfigRow.check */
    struct ConfigLoaderCheck *checks; /* values stored for rows with a check */
    int check_count, check_cap;
    const ConfigSchema *schema;  /* for its retired keys; may be NULL */
    ConfigOrigins *origins;      /* may be NULL */
    int source;                  /* this loader's index in origins->sources */
} ConfigLoader;

/* Adds ld->name to ld->origins' sources (when there are origins). */
void config_loader_trace_begin(ConfigLoader *ld);
/* Notes that the field at offset was set from node n. */
void config_loader_trace(ConfigLoader *ld, size_t offset, const ConfigNode *n);
/* Forgets the origins of fields in [begin, end) (a list replaced whole). */
void config_loader_trace_forget(ConfigLoader *ld, size_t begin, size_t end);

/* A value stored for a row that has a check, run once all is loaded. */
typedef struct ConfigLoaderCheck {
    const ConfigRow *row;
    const void *field;
    const ConfigNode *at;
    char path[256];
} ConfigLoaderCheck;

/* Adds one error line located at node `at` (or at the override), until
 * CONFIG_MAX_ERRORS; the last line then says there were too many. */
void config_loader_error(ConfigLoader *ld, const ConfigNode *at, const char *fmt, ...)
    PETRI_PRINTF(3, 4);
/* A node for "got ...": "'text'", "an empty value", "a list of 3 items". */
const char *config_describe_node(const ConfigLoader *ld, const ConfigNode *n, char *out,
                                 size_t cap);
/* Checks node n against the row of entry e and stores it (base: the
 * settings); path is the key path shown in messages. */
void config_apply_row(ConfigLoader *ld, const ConfigScopeEntry *e, unsigned char *base,
                      const ConfigNode *n, const char *path);
/* Walks a mapping whose keys lie below rel ("" at the top of a scope);
 * shown_prefix goes before paths in messages ("populations.0."). */
void config_walk_mapping(ConfigLoader *ld, const ConfigScope *sc, unsigned char *base,
                         const ConfigNode *map, const char *rel, const char *shown_prefix);
void config_error_unknown_key(ConfigLoader *ld, const ConfigNode *at, const ConfigScope *sc,
                              const char *rel, const char *key, const char *shown_prefix);
/* Runs ConfigRow.check for the values stored (when nothing else failed)
 * and frees the list. */
void config_loader_run_checks(ConfigLoader *ld);

/* v as "%g" when that reads back (strtod) to exactly v, else in the
 * shortest "%.Ng" form that does. */
void config_format_double(double v, char *out, size_t cap);

#endif
