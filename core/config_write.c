/*
 * Settings back to text: the effective config as YAML (which config_load
 * reads back to the same bytes) and the config reference as markdown.
 *
 * Rows are written in schema order, except that rows sharing a leading
 * key segment are gathered under one mapping at the place of the first
 * of them: a key is never written twice, so the output always reloads.
 */
#include "core/config_internal.h"

#include <inttypes.h>
#include <string.h>

enum { PATH_CAP = 256 };

/* Writes lines with indentation; the first line after a list item's start
 * gets "- " in the two columns before its indent. */
typedef struct Writer {
    FILE *out;
    bool dash;
} Writer;

static void writer_indent(Writer *w, int indent)
{
    if (w->dash) {
        fprintf(w->out, "%*s- ", indent - 2, "");
        w->dash = false;
    } else {
        fprintf(w->out, "%*s", indent, "");
    }
}

/* A string in double quotes with YAML escapes, so any content reloads
 * byte for byte. */
static void write_quoted(FILE *out, const char *s, size_t max)
{
    fputc('"', out);
    for (size_t i = 0; i < max && s[i] != '\0'; ++i) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                fprintf(out, "\\x%02x", c);
            } else {
                fputc(c, out);
            }
        }
    }
    fputc('"', out);
}

/* The n-th choice of "a|b|c", or NULL. */
static const char *choice_name(const char *choices, int n, char *out, size_t cap)
{
    const char *c = choices;
    for (int i = 0; i < n; ++i) {
        c = strchr(c, '|');
        if (c == NULL) {
            return NULL;
        }
        c++;
    }
    size_t k = strcspn(c, "|");
    if (k >= cap) {
        k = cap - 1;
    }
    memcpy(out, c, k);
    out[k] = '\0';
    return out;
}

/* A scalar row's value as YAML text (not for CONFIG_LIST). */
static void write_value(FILE *out, const ConfigRow *row, const unsigned char *field)
{
    char a[40], b[40];
    switch (row->type) {
    case CONFIG_BOOL:
        fputs(*(const bool *)field ? "true" : "false", out);
        break;
    case CONFIG_INT:
    case CONFIG_CHOICE: {
        int v;
        memcpy(&v, field, sizeof v);
        if (row->type == CONFIG_INT) {
            fprintf(out, "%d", v);
        } else if (choice_name(row->choices, v, a, sizeof a) != NULL && v >= 0) {
            fputs(a, out);
        } else {
            fprintf(out, "%d", v); /* not a choice: reloading says so */
        }
        break;
    }
    case CONFIG_U64: {
        uint64_t v;
        memcpy(&v, field, sizeof v);
        fprintf(out, "%" PRIu64, v);
        break;
    }
    case CONFIG_FLOAT: {
        double v;
        memcpy(&v, field, sizeof v);
        config_format_double(v, a, sizeof a);
        fputs(a, out);
        break;
    }
    case CONFIG_STRING:
        write_quoted(out, (const char *)field, (size_t)row->max);
        break;
    case CONFIG_VEC2: {
        double v[2];
        memcpy(v, field, sizeof v);
        config_format_double(v[0], a, sizeof a);
        config_format_double(v[1], b, sizeof b);
        fprintf(out, "[%s, %s]", a, b);
        break;
    }
    case CONFIG_LIST:
        break;
    }
}

static void write_level(Writer *w, const ConfigScope *sc, const unsigned char *base,
                        const char *rel, int indent);

static void write_list(Writer *w, const ConfigScopeEntry *e, const unsigned char *base, int indent)
{
    int count;
    memcpy(&count, base + e->count_offset, sizeof count);
    if (count <= 0) {
        fputs(" []\n", w->out);
        return;
    }
    fputc('\n', w->out);
    for (int i = 0; i < count && i < (int)e->row->max; ++i) {
        ConfigScope item_scope;
        config_scope_init_item(&item_scope, e, i);
        w->dash = true;
        write_level(w, &item_scope, base, "", indent + 4);
        config_scope_fini(&item_scope);
    }
}

/* Writes every row below rel, gathering rows by their next key segment. */
static void write_level(Writer *w, const ConfigScope *sc, const unsigned char *base,
                        const char *rel, int indent)
{
    for (int i = 0; i < sc->count; ++i) {
        char seg[PATH_CAP];
        if (!config_scope_child(sc, i, rel, seg, sizeof seg)) {
            continue;
        }
        bool written = false;
        for (int j = 0; j < i && !written; ++j) {
            char other[PATH_CAP];
            written = config_scope_child(sc, j, rel, other, sizeof other) &&
                      strcmp(other, seg) == 0;
        }
        if (written) {
            continue;
        }
        char path[PATH_CAP * 2];
        snprintf(path, sizeof path, "%s%s%s", rel, rel[0] ? "." : "", seg);
        const ConfigScopeEntry *e = config_scope_find(sc, path);
        writer_indent(w, indent);
        fprintf(w->out, "%s:", seg);
        if (e == NULL) {
            fputc('\n', w->out);
            write_level(w, sc, base, path, indent + 2);
        } else if (e->row->type == CONFIG_LIST) {
            write_list(w, e, base, indent);
        } else {
            fputc(' ', w->out);
            write_value(w->out, e->row, base + e->offset);
            fputc('\n', w->out);
        }
    }
}

void config_write_yaml(const ConfigSchema *schema, const void *settings, FILE *out)
{
    ConfigScope sc;
    config_scope_init_schema(&sc, schema);
    Writer w = {out, false};
    write_level(&w, &sc, settings, "", 0);
    config_scope_fini(&sc);
}

/* ------------------------------------------------------------ reference */

static const char *type_name(ConfigType t)
{
    switch (t) {
    case CONFIG_BOOL: return "bool";
    case CONFIG_INT: return "integer";
    case CONFIG_U64: return "unsigned 64-bit integer";
    case CONFIG_FLOAT: return "number";
    case CONFIG_STRING: return "string";
    case CONFIG_CHOICE: return "choice";
    case CONFIG_VEC2: return "two numbers";
    case CONFIG_LIST: return "list of mappings";
    }
    return "?";
}

/* Text for a markdown table cell: '|' escaped, newlines as spaces. */
static void write_cell(FILE *out, const char *s)
{
    for (; s != NULL && *s != '\0'; ++s) {
        if (*s == '|') {
            fputs("\\|", out);
        } else if (*s == '\n') {
            fputc(' ', out);
        } else {
            fputc(*s, out);
        }
    }
}

static void write_range(FILE *out, const ConfigRow *row)
{
    char lo[40], hi[40];
    switch (row->type) {
    case CONFIG_BOOL:
        fputs("`true`, `false`", out);
        break;
    case CONFIG_INT:
    case CONFIG_FLOAT:
    case CONFIG_VEC2:
        config_format_bound(row->min, row->type == CONFIG_INT, lo, sizeof lo);
        config_format_bound(row->max, row->type == CONFIG_INT, hi, sizeof hi);
        fprintf(out, "%s[%s, %s]", row->type == CONFIG_VEC2 ? "each in " : "", lo, hi);
        break;
    case CONFIG_U64:
        if (row->max <= 0) {
            config_format_bound(row->min, true, lo, sizeof lo);
            fprintf(out, "[%s, 2^64-1]", lo);
        } else {
            config_format_bound(row->min, true, lo, sizeof lo);
            config_format_bound(row->max, true, hi, sizeof hi);
            fprintf(out, "[%s, %s]", lo, hi);
        }
        break;
    case CONFIG_STRING:
        fprintf(out, "at most %d bytes", (int)row->max - 1);
        break;
    case CONFIG_CHOICE:
        fputc('`', out);
        for (const char *c = row->choices; *c != '\0'; ++c) {
            if (*c == '|') {
                fputs("`, `", out);
            } else {
                fputc(*c, out);
            }
        }
        fputc('`', out);
        break;
    case CONFIG_LIST:
        config_format_bound(row->min, true, lo, sizeof lo);
        config_format_bound(row->max, true, hi, sizeof hi);
        fprintf(out, "%s to %s items", lo, hi);
        break;
    }
}

static void write_table_head(FILE *out)
{
    fputs("| key | type | range or choices | default | description |\n", out);
    fputs("|---|---|---|---|---|\n", out);
}

static void write_table_row(FILE *out, const char *path, const ConfigRow *row,
                            const unsigned char *field, const unsigned char *base,
                            size_t count_offset)
{
    fprintf(out, "| `%s` | %s | ", path, type_name(row->type));
    write_range(out, row);
    fputs(" | ", out);
    if (row->type == CONFIG_LIST) {
        int count;
        memcpy(&count, base + count_offset, sizeof count);
        fprintf(out, "%d item%s", count, count == 1 ? "" : "s");
    } else {
        fputc('`', out);
        write_value(out, row, field);
        fputc('`', out);
    }
    fputs(" | ", out);
    write_cell(out, row->doc);
    fputs(" |\n", out);
}

/* Table rows of a list's items: "LIST.N.KEY", defaults read from item. */
static void write_item_rows(FILE *out, const char *list_path, const ConfigSection *sec,
                            const void *item)
{
    const unsigned char *base = (const unsigned char *)item + sec->offset;
    bool prefixed = sec->prefix != NULL && sec->prefix[0] != '\0';
    for (int k = 0; k < sec->row_count; ++k) {
        const ConfigRow *row = &sec->rows[k];
        char path[PATH_CAP * 2];
        snprintf(path, sizeof path, "%s.N.%s%s%s", list_path, prefixed ? sec->prefix : "",
                 prefixed ? "." : "", row->key);
        write_table_row(out, path, row, base + row->offset, base, row->count_offset);
    }
}

void config_write_reference(const ConfigSchema *schema, const void *defaults, FILE *out)
{
    const unsigned char *base = defaults;
    fputs("# Config reference\n\n"
          "Every key a Petri config may hold: its type, the values it accepts, its default\n"
          "and what it does. A config is a YAML file; a key path such as `world.size` is\n"
          "written as nested mappings (`world:` then `size:` indented below it) and on the\n"
          "command line as `--set world.size=[300,200]`. Items of a list are addressed by\n"
          "index: `--set populations.0.count=50` (the index equal to the item count appends\n"
          "an item). Keys that a file leaves out keep their default.\n\n"
          "Integers are written in decimal without a leading zero: `010` and `0x10` are\n"
          "refused (YAML readers disagree on what they mean).\n\n"
          "This file is generated from the schema in the code by `petri check --reference`\n"
          "(`make docs`); a test fails when it is stale. Do not edit it by hand.\n",
          out);
    for (int s = 0; s < schema->section_count; ++s) {
        const ConfigSection *sec = &schema->sections[s];
        bool root = sec->prefix == NULL || sec->prefix[0] == '\0';
        fprintf(out, "\n## %s\n\n", root ? "Top level" : sec->prefix);
        if (sec->doc != NULL && sec->doc[0] != '\0') {
            fprintf(out, "%s\n\n", sec->doc);
        }
        write_table_head(out);
        for (int r = 0; r < sec->row_count; ++r) {
            const ConfigRow *row = &sec->rows[r];
            char path[PATH_CAP];
            snprintf(path, sizeof path, "%s%s%s", root ? "" : sec->prefix, root ? "" : ".",
                     row->key);
            const unsigned char *sbase = base + sec->offset;
            write_table_row(out, path, row, sbase + row->offset, sbase, row->count_offset);
        }
        /* Items of each list get their own table, defaults from the
         * list's item default. */
        for (int r = 0; r < sec->row_count; ++r) {
            const ConfigRow *row = &sec->rows[r];
            if (row->type != CONFIG_LIST || row->item == NULL) {
                continue;
            }
            char path[PATH_CAP];
            snprintf(path, sizeof path, "%s%s%s", root ? "" : sec->prefix, root ? "" : ".",
                     row->key);
            fprintf(out, "\nEach item of `%s` (`%s.N.KEY`):", path, path);
            if (row->item->doc != NULL && row->item->doc[0] != '\0') {
                fprintf(out, " %s", row->item->doc);
            }
            fputs("\n\n", out);
            write_table_head(out);
            write_item_rows(out, path, row->item, row->item_default);
            if (row->item_extra != NULL) {
                write_item_rows(out, path, row->item_extra, row->item_extra_default);
            }
        }
    }
}
