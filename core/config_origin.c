/*
 * Where each value of a settings struct came from: a file position or a
 * --set, noted as values are stored, so that the checks that involve
 * several keys can point at the key that brought a problem in.
 */
#include "core/config_internal.h"

#include <string.h>

void config_origins_fini(ConfigOrigins *o)
{
    for (int i = 0; i < o->source_count; ++i) {
        petri_free(o->sources[i], strlen(o->sources[i]) + 1);
    }
    petri_free(o->sources, (size_t)o->source_cap * sizeof *o->sources);
    petri_free(o->items, (size_t)o->cap * sizeof *o->items);
    memset(o, 0, sizeof *o);
}

const ConfigOrigin *config_origin_find(const ConfigOrigins *o, size_t offset)
{
    for (int i = 0; o != NULL && i < o->count; ++i) {
        if (o->items[i].offset == offset) {
            return &o->items[i];
        }
    }
    return NULL;
}

const char *config_origin_source(const ConfigOrigins *o, const ConfigOrigin *at)
{
    return o->sources[at->source];
}

void config_loader_trace_begin(ConfigLoader *ld)
{
    ConfigOrigins *o = ld->origins;
    if (o == NULL) {
        return;
    }
    if (o->source_count == o->source_cap) {
        int cap = o->source_cap ? o->source_cap * 2 : 8;
        o->sources = petri_realloc(o->sources, (size_t)o->source_cap * sizeof *o->sources,
                                   (size_t)cap * sizeof *o->sources);
        o->source_cap = cap;
    }
    ld->source = o->source_count;
    o->sources[o->source_count++] = petri_strdup(ld->name);
}

void config_loader_trace(ConfigLoader *ld, size_t offset, const ConfigNode *n)
{
    ConfigOrigins *o = ld->origins;
    if (o == NULL) {
        return;
    }
    ConfigOrigin *at = (ConfigOrigin *)config_origin_find(o, offset);
    if (at == NULL) {
        if (o->count == o->cap) {
            int cap = o->cap ? o->cap * 2 : 64;
            o->items = petri_realloc(o->items, (size_t)o->cap * sizeof *o->items,
                                     (size_t)cap * sizeof *o->items);
            o->cap = cap;
        }
        at = &o->items[o->count++];
    }
    at->offset = offset;
    at->source = ld->source;
    at->line = ld->located ? n->line : 0;
    at->col = ld->located ? n->col : 0;
    at->seq = ++o->seq;
}

void config_loader_trace_forget(ConfigLoader *ld, size_t begin, size_t end)
{
    ConfigOrigins *o = ld->origins;
    if (o == NULL) {
        return;
    }
    int kept = 0;
    for (int i = 0; i < o->count; ++i) {
        if (o->items[i].offset < begin || o->items[i].offset >= end) {
            o->items[kept++] = o->items[i];
        }
    }
    o->count = kept;
}
