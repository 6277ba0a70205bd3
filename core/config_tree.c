/*
 * YAML text to a located tree of nodes: the one file that includes libyaml.
 *
 * libyaml's event API is used rather than its document API so that what a
 * config never needs is refused the moment it appears, before it costs
 * anything: an anchor or an alias (so an alias bomb cannot expand), a tag,
 * a second document, nesting deeper than CONFIG_MAX_DEPTH. The bytes are
 * checked for NUL and invalid UTF-8 by config_check_utf8 before libyaml
 * sees them (the caller does that), so every error here is a located one.
 */
#include "core/config_internal.h"

#include <string.h>
#include <yaml.h>

static int tree_new_node(ConfigTree *t, int kind, const yaml_mark_t *mark)
{
    if (t->node_count == t->node_cap) {
        int cap = t->node_cap ? t->node_cap * 2 : 64;
        t->nodes = petri_realloc(t->nodes, (size_t)t->node_cap * sizeof *t->nodes,
                                 (size_t)cap * sizeof *t->nodes);
        t->node_cap = cap;
    }
    ConfigNode *n = &t->nodes[t->node_count];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = (int)mark->line + 1;
    n->col = (int)mark->column + 1;
    n->first = n->last = n->next = -1;
    return t->node_count++;
}

static size_t tree_add_string(ConfigTree *t, const char *s, size_t len)
{
    if (t->str_len + len + 1 > t->str_cap) {
        size_t cap = t->str_cap ? t->str_cap : 1024;
        while (cap < t->str_len + len + 1) {
            cap *= 2;
        }
        t->strings = petri_realloc(t->strings, t->str_cap, cap);
        t->str_cap = cap;
    }
    size_t at = t->str_len;
    if (len > 0) {
        memcpy(t->strings + at, s, len);
    }
    t->strings[at + len] = '\0';
    t->str_len += len + 1;
    return at;
}

void config_tree_fini(ConfigTree *t)
{
    petri_free(t->nodes, (size_t)t->node_cap * sizeof *t->nodes);
    petri_free(t->strings, t->str_cap);
    memset(t, 0, sizeof *t);
    t->root = -1;
}

/* Attaches node `child` to the open container on top of the stack, or
 * makes it the root. */
static void tree_attach(ConfigTree *t, const int *stack, int depth, int child)
{
    if (depth == 0) {
        t->root = child;
        return;
    }
    ConfigNode *parent = &t->nodes[stack[depth - 1]];
    if (parent->last < 0) {
        parent->first = child;
    } else {
        t->nodes[parent->last].next = child;
    }
    parent->last = child;
    parent->count++;
}

typedef struct TreeError {
    PetriError *err;
    const char *name;
    bool located;
    const char *text; /* the input, to place errors given as byte offsets */
    size_t len;
} TreeError;

static PetriStatus tree_fail(const TreeError *te, const yaml_mark_t *mark, const char *fmt,
                             const char *arg)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    int line = te->located ? (int)mark->line + 1 : 0;
    int col = te->located ? (int)mark->column + 1 : 0;
    return error_at(te->err, PETRI_ECONFIG, te->name, line, col, "%s", msg);
}

/* Copies a name from libyaml (anchor, alias or tag) with only printable
 * ASCII, so the error stays one clean line. */
static const char *tree_clean(const yaml_char_t *s, char *out, size_t cap)
{
    size_t n = 0;
    for (; s != NULL && *s != '\0' && n + 4 < cap; ++s) {
        out[n++] = (*s >= 0x20 && *s < 0x7f) ? (char)*s : '?';
    }
    if (s != NULL && *s != '\0') {
        out[n++] = '.';
        out[n++] = '.';
        out[n++] = '.';
    }
    out[n] = '\0';
    return out;
}

/* Refuses anchors and tags on a node event. Returns true when refused. */
static bool tree_refuse_extras(const TreeError *te, const yaml_event_t *ev, const yaml_char_t *anchor,
                               const yaml_char_t *tag)
{
    char name[80];
    if (anchor != NULL) {
        tree_fail(te, &ev->start_mark,
                  "anchors and aliases are not supported (found anchor '&%s'); write each value out",
                  tree_clean(anchor, name, sizeof name));
        return true;
    }
    if (tag != NULL) {
        tree_fail(te, &ev->start_mark, "YAML tags are not supported (found '%s')",
                  tree_clean(tag, name, sizeof name));
        return true;
    }
    return false;
}

static PetriStatus tree_syntax_error(const TreeError *te, const yaml_parser_t *p)
{
    char msg[512];
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->context != NULL) {
        snprintf(msg, sizeof msg, "invalid YAML: %s (%s)", problem, p->context);
    } else {
        snprintf(msg, sizeof msg, "invalid YAML: %s", problem);
    }
    int line = 0, col = 0;
    if (te->located && p->error != YAML_READER_ERROR) {
        line = (int)p->problem_mark.line + 1;
        col = (int)p->problem_mark.column + 1;
    } else if (te->located) {
        /* The reader (a control character, say) gives a byte offset:
         * count lines and characters up to it. */
        size_t end = p->problem_offset < te->len ? p->problem_offset : te->len;
        line = 1;
        col = 1;
        for (size_t i = 0; i < end; ++i) {
            unsigned char c = (unsigned char)te->text[i];
            if (c == '\n') {
                line++;
                col = 1;
            } else if ((c & 0xC0) != 0x80) {
                col++; /* not a UTF-8 continuation byte */
            }
        }
    }
    return error_at(te->err, PETRI_ECONFIG, te->name, line, col, "%s", msg);
}

PetriStatus config_tree_parse(ConfigTree *t, const char *name, bool located, const char *text,
                              size_t len, PetriError *err)
{
    memset(t, 0, sizeof *t);
    t->root = -1;
    TreeError te = {err, name, located, text, len};

    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        return error_at(err, PETRI_EINTERNAL, name, 0, 0, "cannot start the YAML parser");
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

    int stack[CONFIG_MAX_DEPTH + 1];
    int depth = 0;
    int documents = 0;
    PetriStatus status = PETRI_OK;
    bool done = false;
    while (!done && status == PETRI_OK) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            status = tree_syntax_error(&te, &parser);
            break;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1) {
                status = tree_fail(&te, &ev.start_mark,
                                   "a config holds one YAML document; found a second one%s", "");
            }
            break;
        case YAML_ALIAS_EVENT: {
            char alias[80];
            status = tree_fail(&te, &ev.start_mark,
                               "anchors and aliases are not supported (found alias '*%s'); write "
                               "each value out",
                               tree_clean(ev.data.alias.anchor, alias, sizeof alias));
            break;
        }
        case YAML_SCALAR_EVENT: {
            if (tree_refuse_extras(&te, &ev, ev.data.scalar.anchor, ev.data.scalar.tag)) {
                status = PETRI_ECONFIG;
                break;
            }
            int n = tree_new_node(t, CONFIG_NODE_SCALAR, &ev.start_mark);
            t->nodes[n].quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
            t->nodes[n].len = ev.data.scalar.length;
            t->nodes[n].text =
                tree_add_string(t, (const char *)ev.data.scalar.value, ev.data.scalar.length);
            tree_attach(t, stack, depth, n);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT: {
            bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
            const yaml_char_t *anchor = seq ? ev.data.sequence_start.anchor
                                            : ev.data.mapping_start.anchor;
            const yaml_char_t *tag = seq ? ev.data.sequence_start.tag : ev.data.mapping_start.tag;
            if (tree_refuse_extras(&te, &ev, anchor, tag)) {
                status = PETRI_ECONFIG;
                break;
            }
            if (depth >= CONFIG_MAX_DEPTH) {
                char limit[16];
                snprintf(limit, sizeof limit, "%d", CONFIG_MAX_DEPTH);
                status = tree_fail(&te, &ev.start_mark,
                                   "nesting is deeper than %s levels; a config never needs that",
                                   limit);
                break;
            }
            int n = tree_new_node(t, seq ? CONFIG_NODE_SEQ : CONFIG_NODE_MAP, &ev.start_mark);
            tree_attach(t, stack, depth, n);
            stack[depth++] = n;
            break;
        }
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0) {
                depth--;
            }
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (status == PETRI_OK && t->root < 0) {
        /* An empty stream (empty file, only comments) reads as an empty
         * plain scalar: every key keeps its default. */
        yaml_mark_t start = {0, 0, 0};
        t->root = tree_new_node(t, CONFIG_NODE_SCALAR, &start);
        t->nodes[t->root].text = tree_add_string(t, "", 0);
    }
    return status;
}
