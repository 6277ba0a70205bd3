/*
 * The binary genome format (docs/genome-format.md).
 *
 * File: "PTRG", u32 version, u32 payload length, payload, u32 CRC32 of
 * every byte before it. Payload, little-endian:
 *   u32 inputs, u32 outputs, u32 trait_count, f32 traits[trait_count],
 *   u32 node_count, node_count x (u32 id, u8 kind, u8 activation, f32 bias),
 *   u32 conn_count, conn_count x (u32 innovation, u32 from, u32 to,
 *                                 f32 weight, u8 enabled).
 * The loader trusts no count: each is checked against its limit and
 * against the bytes that remain before anything is allocated, and the
 * result must pass genome_validate.
 */
#include "genome/genome_internal.h"

#include <math.h>
#include <string.h>

#define GENOME_MAGIC "PTRG"
#define GENOME_VERSION 1u
#define NODE_BYTES 10u
#define CONN_BYTES 17u
#define GENOME_FILE_MAX ((size_t)1 << 30)

void genome_save_buf(const Genome *g, ByteBuf *out)
{
    buf_put_u32(out, (uint32_t)g->inputs);
    buf_put_u32(out, (uint32_t)g->outputs);
    buf_put_u32(out, (uint32_t)g->trait_count);
    for (int i = 0; i < g->trait_count; ++i) {
        buf_put_f32(out, g->traits[i]);
    }
    buf_put_u32(out, (uint32_t)g->node_count);
    for (int i = 0; i < g->node_count; ++i) {
        const NodeGene *n = &g->nodes[i];
        buf_put_u32(out, n->id);
        buf_put_u8(out, n->kind);
        buf_put_u8(out, n->activation);
        buf_put_f32(out, n->bias);
    }
    buf_put_u32(out, (uint32_t)g->conn_count);
    for (int i = 0; i < g->conn_count; ++i) {
        const ConnGene *c = &g->conns[i];
        buf_put_u32(out, c->innovation);
        buf_put_u32(out, c->from);
        buf_put_u32(out, c->to);
        buf_put_f32(out, c->weight);
        buf_put_u8(out, c->enabled);
    }
}

/* Loads the payload; `name` prefixes every message. */
static PetriStatus load_payload(Genome *g, ByteReader *r, const char *name, PetriError *err)
{
    uint32_t inputs, outputs, traits, nodes, conns;
    if (!reader_u32(r, &inputs) || !reader_u32(r, &outputs) || !reader_u32(r, &traits)) {
        return error_add(err, PETRI_EFORMAT, "%s: truncated genome header", name);
    }
    if (inputs > GENOME_MAX_IO || outputs < 1 || outputs > GENOME_MAX_IO) {
        return error_add(err, PETRI_EFORMAT, "%s: bad shape: %u inputs, %u outputs (max %d)",
                         name, inputs, outputs, GENOME_MAX_IO);
    }
    if (traits > GENOME_MAX_TRAITS) {
        return error_add(err, PETRI_EFORMAT, "%s: %u traits, at most %d", name, traits,
                         GENOME_MAX_TRAITS);
    }
    genome_clear(g, (int)inputs, (int)outputs);
    g->node_count = 0;
    g->trait_count = (int)traits;
    for (uint32_t i = 0; i < traits; ++i) {
        if (!reader_f32(r, &g->traits[i])) {
            return error_add(err, PETRI_EFORMAT, "%s: truncated in the traits", name);
        }
        if (!(g->traits[i] >= 0.0f && g->traits[i] <= 1.0f)) {
            return error_add(err, PETRI_EFORMAT, "%s: trait %u is not a number in [0, 1]", name,
                             i);
        }
    }
    if (!reader_u32(r, &nodes)) {
        return error_add(err, PETRI_EFORMAT, "%s: truncated before the node count", name);
    }
    if (nodes > GENOME_MAX_NODES || nodes < inputs + 1 + outputs ||
        (size_t)nodes > (r->len - r->pos) / NODE_BYTES) {
        return error_add(err, PETRI_EFORMAT,
                         "%s: node count %u is impossible (needs %u fixed nodes, %zu bytes remain)",
                         name, nodes, inputs + 1 + outputs, r->len - r->pos);
    }
    genome_reserve_nodes(g, (int)nodes);
    for (uint32_t i = 0; i < nodes; ++i) {
        NodeGene n;
        reader_u32(r, &n.id);
        reader_u8(r, &n.kind);
        reader_u8(r, &n.activation);
        reader_f32(r, &n.bias);
        if (n.kind > NODE_OUTPUT) {
            return error_add(err, PETRI_EFORMAT, "%s: node %u has unknown kind %u", name, n.id,
                             n.kind);
        }
        if (n.activation >= ACT_COUNT) {
            return error_add(err, PETRI_EFORMAT, "%s: node %u has unknown activation %u", name,
                             n.id, n.activation);
        }
        if (!isfinite(n.bias)) {
            return error_add(err, PETRI_EFORMAT, "%s: node %u has a non-finite bias", name, n.id);
        }
        g->nodes[g->node_count++] = n;
    }
    if (!reader_u32(r, &conns)) {
        return error_add(err, PETRI_EFORMAT, "%s: truncated before the connection count", name);
    }
    if (conns > GENOME_MAX_CONNS || (size_t)conns > (r->len - r->pos) / CONN_BYTES) {
        return error_add(err, PETRI_EFORMAT,
                         "%s: connection count %u is impossible (%zu bytes remain)", name, conns,
                         r->len - r->pos);
    }
    genome_reserve_conns(g, (int)conns);
    for (uint32_t i = 0; i < conns; ++i) {
        ConnGene c;
        reader_u32(r, &c.innovation);
        reader_u32(r, &c.from);
        reader_u32(r, &c.to);
        reader_f32(r, &c.weight);
        reader_u8(r, &c.enabled);
        if (!isfinite(c.weight)) {
            return error_add(err, PETRI_EFORMAT, "%s: connection %u has a non-finite weight", name,
                             c.innovation);
        }
        if (c.enabled > 1) {
            return error_add(err, PETRI_EFORMAT, "%s: connection %u has enabled flag %u", name,
                             c.innovation, c.enabled);
        }
        g->conns[g->conn_count++] = c;
    }
    if (r->bad) {
        return error_add(err, PETRI_EFORMAT, "%s: truncated genome", name);
    }
    PetriError why;
    error_clear(&why);
    if (genome_validate(g, &why) != PETRI_OK) {
        return error_add(err, PETRI_EFORMAT, "%s: %s", name, why.msg);
    }
    return PETRI_OK;
}

PetriStatus genome_load_buf(Genome *g, ByteReader *r, PetriError *err)
{
    PetriStatus st = load_payload(g, r, "genome", err);
    if (st != PETRI_OK) {
        genome_clear(g, 0, 0);
        g->node_count = 0;
    }
    return st;
}

PetriStatus genome_save(const Genome *g, const char *path, PetriError *err)
{
    ByteBuf payload, file;
    buf_init(&payload);
    buf_init(&file);
    genome_save_buf(g, &payload);
    buf_put(&file, GENOME_MAGIC, 4);
    buf_put_u32(&file, GENOME_VERSION);
    buf_put_u32(&file, (uint32_t)payload.len);
    buf_put(&file, payload.data, payload.len);
    buf_put_u32(&file, crc32_of(file.data, file.len));
    PetriStatus st = file_write_atomic(path, file.data, file.len, err);
    buf_fini(&payload);
    buf_fini(&file);
    return st;
}

/* Checks the container around the payload of a binary genome in data. */
static PetriStatus load_binary(Genome *g, const unsigned char *data, size_t len,
                               const char *path, PetriError *err)
{
    if (len < 4 || memcmp(data, GENOME_MAGIC, 4) != 0) {
        return error_add(err, PETRI_EFORMAT, "%s: error: not a Petri genome (no PTRG magic)",
                         path);
    }
    if (len < 16) {
        return error_add(err, PETRI_EFORMAT,
                         "%s: error: truncated: %zu bytes, a genome file has at least 16", path,
                         len);
    }
    ByteReader r;
    reader_init(&r, data, len);
    uint32_t version, plen;
    r.pos = 4;
    reader_u32(&r, &version);
    reader_u32(&r, &plen);
    if (version != GENOME_VERSION) {
        return error_add(err, PETRI_EFORMAT, "%s: error: genome format version %u, expected %u",
                         path, version, GENOME_VERSION);
    }
    if ((size_t)plen != len - 16) {
        return error_add(err, PETRI_EFORMAT,
                         "%s: error: truncated or padded: header says %u payload bytes, file "
                         "holds %zu",
                         path, plen, len - 16);
    }
    uint32_t stored;
    ByteReader tail;
    reader_init(&tail, data + len - 4, 4);
    reader_u32(&tail, &stored);
    uint32_t actual = crc32_of(data, len - 4);
    if (stored != actual) {
        return error_add(err, PETRI_EFORMAT,
                         "%s: error: CRC32 mismatch (stored %08x, computed %08x): the file is "
                         "corrupt",
                         path, stored, actual);
    }
    ByteReader payload;
    reader_init(&payload, data + 12, plen);
    char name[512];
    snprintf(name, sizeof name, "%s: error", path);
    PetriStatus st = load_payload(g, &payload, name, err);
    if (st == PETRI_OK && payload.pos != payload.len) {
        st = error_add(err, PETRI_EFORMAT, "%s: error: %zu stray bytes after the genome", path,
                       payload.len - payload.pos);
    }
    return st;
}

PetriStatus genome_load(Genome *g, const char *path, PetriError *err)
{
    char *data = NULL;
    size_t len = 0;
    PetriStatus st = file_read_all(path, GENOME_FILE_MAX, &data, &len, err);
    if (st != PETRI_OK) {
        return st;
    }
    st = load_binary(g, (const unsigned char *)data, len, path, err);
    petri_free(data, len + 1);
    if (st != PETRI_OK) {
        genome_clear(g, 0, 0);
        g->node_count = 0;
    }
    return st;
}

PetriStatus genome_load_any(Genome *g, const char *path, PetriError *err)
{
    return genome_load_any_named(g, NULL, path, err);
}

PetriStatus genome_load_any_named(Genome *g, GenomeNames *names, const char *path,
                                  PetriError *err)
{
    if (names != NULL) {
        genome_names_fini(names); /* a binary genome carries no names */
    }
    char *data = NULL;
    size_t len = 0;
    PetriStatus st = file_read_all(path, GENOME_FILE_MAX, &data, &len, err);
    if (st != PETRI_OK) {
        return st;
    }
    if (len >= 4 && memcmp(data, GENOME_MAGIC, 4) == 0) {
        st = load_binary(g, (const unsigned char *)data, len, path, err);
    } else {
        size_t i = 0;
        while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' ||
                           data[i] == '\r')) {
            ++i;
        }
        if (i < len && data[i] == '{') {
            st = genome_parse_json_named(g, names, data, len, path, err);
        } else {
            st = error_add(err, PETRI_EFORMAT,
                           "%s: error: neither a binary genome (PTRG) nor a JSON genome", path);
        }
    }
    petri_free(data, len + 1);
    if (st != PETRI_OK) {
        genome_clear(g, 0, 0);
        g->node_count = 0;
    }
    return st;
}
