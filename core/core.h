/*
 * core: foundations that know nothing of evolution.
 *
 * Random streams (PCG32), seeding, the counting allocator, result codes and
 * error messages, CRC32 and state hashing, atomic file writes, clocks,
 * logging and the progress line, and the config engine (YAML checked
 * against schema rows).
 *
 * This is the only header other modules include from core/.
 */
#ifndef PETRI_CORE_H
#define PETRI_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PETRI_VERSION "0.1.0"

#if defined(__GNUC__)
#define PETRI_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PETRI_PRINTF(a, b)
#endif

/* ---------------------------------------------------------------- errors */

/* A user's mistake (bad file, bad config, bad flag) is a status plus a
 * message. A programmer's mistake is an assertion. Only main() exits. */
typedef enum PetriStatus {
    PETRI_OK = 0,
    PETRI_EIO,       /* a file could not be read or written */
    PETRI_ECONFIG,   /* a config failed validation */
    PETRI_EFORMAT,   /* a binary or JSON file is malformed */
    PETRI_EUSAGE,    /* a bad command-line flag or argument */
    PETRI_ENOTFOUND, /* a named thing does not exist */
    PETRI_EINTERNAL, /* should not happen; reported rather than crashing */
} PetriStatus;

/* Collects one or more error lines. Each line is complete
 * ("FILE:LINE:COL: error: ..." or "FILE: error: ..."), separated by '\n'.
 * The caller owns the struct (usually on the stack). */
#define PETRI_ERROR_CAP 8192
#define PETRI_ERROR_MAX_LINES 20
typedef struct PetriError {
    PetriStatus code;        /* first non-OK code added */
    int count;               /* lines added (may exceed those stored) */
    size_t len;              /* bytes used in msg */
    char msg[PETRI_ERROR_CAP];
} PetriError;

void error_clear(PetriError *e);
/* Appends one line "MESSAGE"; returns code. */
PetriStatus error_add(PetriError *e, PetriStatus code, const char *fmt, ...) PETRI_PRINTF(3, 4);
/* Appends one line "FILE:LINE:COL: error: MESSAGE" (line/col omitted when
 * <= 0, file omitted when NULL). Returns code. */
PetriStatus error_at(PetriError *e, PetriStatus code, const char *file, int line, int col,
                     const char *fmt, ...) PETRI_PRINTF(6, 7);
/* Prints every stored line to f, and a note if lines were dropped. */
void error_print(const PetriError *e, FILE *f);
const char *status_name(PetriStatus s);

/* ---------------------------------------------------------------- memory */

/* One allocation seam. Out of memory ends the program with a message.
 * petri_free takes the size that was allocated, so live bytes are exact.
 * Counters are atomic: safe from parallel code. */
void *petri_alloc(size_t size);
void *petri_calloc(size_t count, size_t size);
void *petri_realloc(void *p, size_t old_size, size_t new_size);
void petri_free(void *p, size_t size);
char *petri_strdup(const char *s); /* free with petri_free(s, strlen(s) + 1) */

typedef struct AllocStats {
    uint64_t allocations;   /* calls to alloc, calloc and growing realloc, ever */
    int64_t live_bytes;     /* bytes allocated and not yet freed */
    int64_t peak_bytes;
} AllocStats;
AllocStats petri_alloc_stats(void);

/* A bump allocator over one block: cheap scratch memory reset per phase. */
typedef struct Arena {
    unsigned char *base;
    size_t used, cap;
} Arena;
void arena_init(Arena *a, size_t cap);
void *arena_alloc(Arena *a, size_t size); /* 16-byte aligned; aborts when full */
void arena_reset(Arena *a);
void arena_fini(Arena *a);

/* ---------------------------------------------------------------- random */

/* PCG32 (O'Neill 2014): 64-bit LCG state, XSH-RR output to 32 bits. */
typedef struct Pcg32 {
    uint64_t state;
    uint64_t inc; /* always odd */
} Pcg32;

/* The published srandom(initstate, initseq). */
void pcg32_seed(Pcg32 *rng, uint64_t initstate, uint64_t initseq);
uint32_t pcg32_next(Pcg32 *rng);
/* Uniform integer in [0, bound), unbiased (rejects the low remainder).
 * bound must be >= 1. */
uint32_t pcg32_bounded(Pcg32 *rng, uint32_t bound);
/* Uniform float in [0, 1) with 24 random bits. */
float pcg32_float(Pcg32 *rng);
/* Uniform double in [0, 1) with 53 random bits (two draws). */
double pcg32_double(Pcg32 *rng);
/* Standard normal variate (Box-Muller on two doubles, no cached spare,
 * so the stream position is a pure function of the number of calls). */
double pcg32_normal(Pcg32 *rng);
/* Jumps the stream by delta steps in O(log delta); a "negative" delta
 * (2^64 - k) goes back by k. */
void pcg32_advance(Pcg32 *rng, uint64_t delta);

/* splitmix64 finaliser: a good 64-bit mixer. */
uint64_t mix64(uint64_t x);

/* Purposes of random streams. Streams are derived from (run seed, id,
 * purpose) so that no stream is owned by a thread. */
typedef enum RngPurpose {
    RNG_PURPOSE_AGENT = 1,
    RNG_PURPOSE_CELL,
    RNG_PURPOSE_ARENA,
    RNG_PURPOSE_WORLD,
    RNG_PURPOSE_POPULATION,
    RNG_PURPOSE_MUTATION,
    RNG_PURPOSE_TASK,
    RNG_PURPOSE_SPAWN,
    RNG_PURPOSE_ISLAND,
    RNG_PURPOSE_USER = 100, /* modules may use USER + k */
} RngPurpose;

/* A stream seeded from (seed, id, purpose) through mix64. Distinct
 * triples give statistically independent streams. */
Pcg32 pcg32_stream(uint64_t seed, uint64_t id, uint32_t purpose);

/* ---------------------------------------------------------------- math */

/* Exact-bits math (core/mathx.c): the same bits on every libm, compiler
 * and optimisation level, for everything the simulation computes. Use
 * these, never libm's sin, cos, log or fmod, anywhere a result can reach
 * a state hash; sqrt and sqrtf are fine (IEEE rounds them correctly, so
 * every libm agrees). Pure functions of their arguments, safe in a tick
 * and from any thread. NaN and infinite arguments give NaN (log(+inf) is
 * +inf, log(0) is -inf); sin keeps the sign of zero. Accuracy: sin, cos
 * within 1 ulp in double and 0.51 ulp in float at any finite argument
 * (huge ones are reduced with 1,280 digits of 2/pi); log within 1 ulp;
 * fmod exact, as IEEE's. */
double mathx_sin(double x);
double mathx_cos(double x);
void mathx_sincos(double x, double *s, double *c);
float mathx_sinf(float x);
float mathx_cosf(float x);
void mathx_sincosf(float x, float *s, float *c);
double mathx_log(double x);
double mathx_fmod(double x, double y);

/* ---------------------------------------------------------------- hashing */

/* CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320). crc32("123456789") is
 * 0xCBF43926. Start with crc = 0; feed chunks with crc32_update. */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);
uint32_t crc32_of(const void *data, size_t len);

/* 64-bit state hasher for determinism tests. Order-sensitive. Floats are
 * hashed by their bit patterns. */
typedef struct Hasher {
    uint64_t h;
    uint64_t n;
} Hasher;
void hasher_init(Hasher *hs);
void hasher_bytes(Hasher *hs, const void *data, size_t len);
void hasher_u64(Hasher *hs, uint64_t v);
void hasher_f32(Hasher *hs, float v);
void hasher_f64(Hasher *hs, double v);
uint64_t hasher_digest(const Hasher *hs);

/* ---------------------------------------------------------------- files */

/* Writes data to path atomically: a temporary file in the same folder,
 * fsync, rename over path, fsync of the folder. On failure path is left
 * as it was, the temporary is removed and err says what failed. */
PetriStatus file_write_atomic(const char *path, const void *data, size_t len, PetriError *err);
/* fsync of a folder, so that the names created in it (files, renames)
 * survive a crash; best effort: some file systems refuse it. */
void file_sync_folder(const char *dir);
/* Reads a whole file into a buffer from petri_alloc (free with
 * petri_free(*data, *len + 1); the buffer is NUL-terminated). Files larger
 * than max_len are refused. */
PetriStatus file_read_all(const char *path, size_t max_len, char **data, size_t *len,
                          PetriError *err);
/* mkdir -p. */
PetriStatus file_make_dirs(const char *path, PetriError *err);
bool file_exists(const char *path);

/* A growable byte buffer for building files in memory, then writing them
 * atomically. Little-endian helpers for binary formats. */
typedef struct ByteBuf {
    unsigned char *data;
    size_t len, cap;
} ByteBuf;
void buf_init(ByteBuf *b);
void buf_fini(ByteBuf *b);
void buf_put(ByteBuf *b, const void *data, size_t len);
void buf_put_u8(ByteBuf *b, uint8_t v);
void buf_put_u32(ByteBuf *b, uint32_t v);
void buf_put_u64(ByteBuf *b, uint64_t v);
void buf_put_f32(ByteBuf *b, float v);
void buf_put_f64(ByteBuf *b, double v);
void buf_printf(ByteBuf *b, const char *fmt, ...) PETRI_PRINTF(2, 3);

/* A bounds-checked reader over bytes: every get fails cleanly (returns
 * false and sets r->bad) past the end, so loaders trust no length. */
typedef struct ByteReader {
    const unsigned char *data;
    size_t len, pos;
    bool bad;
} ByteReader;
void reader_init(ByteReader *r, const void *data, size_t len);
bool reader_get(ByteReader *r, void *out, size_t len);
bool reader_u8(ByteReader *r, uint8_t *v);
bool reader_u32(ByteReader *r, uint32_t *v);
bool reader_u64(ByteReader *r, uint64_t *v);
bool reader_f32(ByteReader *r, float *v);
bool reader_f64(ByteReader *r, double *v);

/* ---------------------------------------------------------------- command line */

/* Every command words a mistake on its command line the same way:
 * "petri CMD: error: MESSAGE", then USAGE (if not NULL) and a pointer to
 * `petri CMD --help`, on stderr; returns 2, the exit code of a usage error. */
int cli_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    PETRI_PRINTF(3, 4);
/* After getopt_long (opterr = 0, optstring starting with ':') returned '?'
 * or ':': "unknown option 'X'", "option 'X' needs a value" or "option 'X'
 * takes no value", X being the flag as typed ("--bogus", "-z", "--out").
 * Returns 2. */
int cli_flag_error(const char *cmd, const char *usage, int c, int argc, char **argv);
/* The flag getopt_long just refused, as typed (without any "=VALUE"). */
void cli_flag_at_fault(int argc, char **argv, char *out, size_t cap);

/* ---------------------------------------------------------------- time */

double clock_seconds(void); /* monotonic, seconds */
uint64_t clock_ns(void);    /* monotonic, nanoseconds */
/* "1h02m", "3m05s", "12.3s" */
void format_duration(double seconds, char *out, size_t cap);

/* ---------------------------------------------------------------- logging */

typedef enum LogLevel { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_QUIET } LogLevel;
void log_set_level(LogLevel level);
LogLevel log_get_level(void);
/* Messages go to stderr, one line each, prefixed with the level (and
 * erasing a live progress line first). */
void log_msg(LogLevel level, const char *fmt, ...) PETRI_PRINTF(2, 3);
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* The progress line. On a terminal: one line redrawn in place with done,
 * total, rate and ETA. On a pipe or file: a plain line at most every
 * `interval` seconds (and at the end). */
typedef struct Progress {
    FILE *out;
    bool tty;
    bool active;         /* a live line is on screen */
    char label[32];
    const char *unit;    /* "gen", "tick", ... */
    uint64_t total;      /* 0: unknown */
    uint64_t done;
    uint64_t printed;    /* done + 1 of the last plain line, 0: none yet */
    double start, last_print, interval;
    uint64_t first;      /* done at the start: the rate counts only what follows */
} Progress;
void progress_begin(Progress *p, FILE *out, const char *label, const char *unit, uint64_t total);
/* detail: extra text for the line, such as the best fitness; may be NULL. */
void progress_update(Progress *p, uint64_t done, const char *detail);
void progress_end(Progress *p, const char *detail);
/* Builds the text of a progress line (used by progress_update, exposed
 * for tests). */
void progress_format(const Progress *p, double now, const char *detail, char *out, size_t cap);

/* ---------------------------------------------------------------- config */

/* The config engine. A schema is a list of sections; each section is a
 * list of rows that a module contributes for its own settings struct.
 * One schema drives loading, validation, `petri check`, the effective
 * config saved with a run and docs/config.md. */
typedef enum ConfigType {
    CONFIG_BOOL,    /* bool */
    CONFIG_INT,     /* int, range [min, max] */
    CONFIG_U64,     /* uint64_t, range [min, max] as doubles (max 0: full range) */
    CONFIG_FLOAT,   /* double, range [min, max] */
    CONFIG_STRING,  /* char[max]: max is the buffer size including NUL */
    CONFIG_CHOICE,  /* int index into choices ("torus|walls") */
    CONFIG_VEC2,    /* double[2], each in [min, max] */
    CONFIG_LIST,    /* a list of mappings: see item fields */
} ConfigType;

typedef struct ConfigSection ConfigSection;

typedef struct ConfigRow {
    const char *key;      /* relative to the section prefix: "size", "food.regrowth" */
    ConfigType type;
    size_t offset;        /* of the field inside the section's struct */
    double min, max;      /* numbers: range; STRING: buffer size; LIST: item count range */
    const char *choices;  /* CONFIG_CHOICE: "a|b|c" */
    const char *doc;      /* one line of documentation */
    /* CONFIG_LIST only: */
    const ConfigSection *item;   /* rows of each item (item->offset is 0) */
    size_t item_size;            /* bytes per item in the array */
    size_t count_offset;         /* offset of the int item count in the section's struct */
    const void *item_default;    /* an item with every default filled in */
    /* max is also the array's capacity. A list in a file replaces the
     * current one and sets every slot, unused ones too, to item_default:
     * a default def should hold item_default in its unused slots. */
    /* CONFIG_LIST, optional: more keys of each item kept in a parallel
     * array of another struct (populations.N.fitness.* in RunDef.fitness[N]);
     * item_extra->prefix is prepended to their keys. */
    const ConfigSection *item_extra;
    size_t item_extra_offset;    /* of the parallel array in the section's struct */
    size_t item_extra_size;      /* bytes per parallel item */
    const void *item_extra_default;
    /* Optional, any type: a check that needs other keys, run on a value
     * the file (or a --set) gave once the whole file (or the --set) is
     * loaded. settings is the whole settings struct, field this row's
     * field. On failure it writes the end of "'KEY' ..." into why
     * ("repeats the name 'prey' of 'populations.0.name'") and returns false;
     * the error is located at the value. */
    bool (*check)(const void *settings, const void *field, char *why, size_t cap);
} ConfigRow;

struct ConfigSection {
    const char *prefix;   /* "world" (keys become world.KEY), "" for the root */
    size_t offset;        /* of the section's struct inside the settings */
    const ConfigRow *rows;
    int row_count;
    const char *doc;      /* heading text for docs/config.md */
};

/* A key that a schema no longer has, with the reason given when a file
 * or a --set names it ("each population's size is its count"). */
typedef struct ConfigRetired {
    const char *path;  /* "neat.population_size" */
    const char *why;   /* the end of "'PATH' is not a key here: ..." */
} ConfigRetired;

typedef struct ConfigSchema {
    const ConfigSection *sections;
    int section_count;
    const ConfigRetired *retired; /* optional */
    int retired_count;
} ConfigSchema;

/* Limits on input that config_load refuses quickly. */
#define CONFIG_MAX_FILE_BYTES (1u << 20)
#define CONFIG_MAX_DEPTH 32
#define CONFIG_MAX_ERRORS 20

/* Loads path over settings (which the caller has filled with defaults):
 * only keys present in the file are changed. Reports every error of the
 * file (up to CONFIG_MAX_ERRORS) as "FILE:LINE:COL: error: ...". On error
 * settings may be partly written; the caller must not run with them. */
PetriStatus config_load(const ConfigSchema *schema, void *settings, const char *path,
                        PetriError *err);
/* Same, from a string; name is used in messages. */
PetriStatus config_load_string(const ConfigSchema *schema, void *settings, const char *name,
                               const char *text, size_t len, PetriError *err);
/* Applies "key.path=value" (YAML scalar or flow value; list items by index:
 * populations.0.count=50). Errors read "--set KEY=VALUE: error: ...". */
PetriStatus config_apply_override(const ConfigSchema *schema, void *settings,
                                  const char *assignment, PetriError *err);
/* Where each value of a settings struct was last set, for the checks that
 * involve several keys (a body radius against the world size): such an
 * error is located at the key that brought the problem in. Filled by
 * config_load_traced and config_apply_override_traced; a field never set
 * (a default) has no origin. */
typedef struct ConfigOrigin {
    size_t offset;   /* of the field from the settings' base */
    int source;      /* index into ConfigOrigins.sources */
    int line, col;   /* 1-based; 0 for a --set */
    unsigned seq;    /* values set later have larger numbers */
} ConfigOrigin;

typedef struct ConfigOrigins {
    ConfigOrigin *items;
    int count, cap;
    char **sources;  /* file names and "--set KEY=VALUE" strings, owned */
    int source_count, source_cap;
    unsigned seq;
} ConfigOrigins;

/* Frees what the origins hold and leaves them empty (a zeroed struct is
 * empty too). */
void config_origins_fini(ConfigOrigins *o);
/* The origin of the field at offset from the settings' base, or NULL
 * when it keeps its default. */
const ConfigOrigin *config_origin_find(const ConfigOrigins *o, size_t offset);
/* The file name or "--set ..." string of an origin. */
const char *config_origin_source(const ConfigOrigins *o, const ConfigOrigin *at);
/* config_load and config_apply_override that also note in origins where
 * each value they store came from (origins may be NULL). */
PetriStatus config_load_traced(const ConfigSchema *schema, void *settings, const char *path,
                               ConfigOrigins *origins, PetriError *err);
PetriStatus config_load_string_traced(const ConfigSchema *schema, void *settings,
                                      const char *name, const char *text, size_t len,
                                      ConfigOrigins *origins, PetriError *err);
PetriStatus config_apply_override_traced(const ConfigSchema *schema, void *settings,
                                         const char *assignment, ConfigOrigins *origins,
                                         PetriError *err);
/* Writes the effective config as YAML that loads back to the same settings. */
void config_write_yaml(const ConfigSchema *schema, const void *settings, FILE *out);
/* Writes the reference for docs/config.md: every key, type, range or
 * choices, default (read from defaults) and its line of documentation. */
void config_write_reference(const ConfigSchema *schema, const void *defaults, FILE *out);


/* Free sections: top-level keys of a document whose keys are not rows of
 * its schema but key paths of some other settings (a sweep's grid and
 * variants name keys of a run's config). The loader hands them back as
 * located assignments, for the caller to check with config_apply_override
 * against those settings and to report at the assignment's line:col. */
typedef enum ConfigFreeShape {
    CONFIG_FREE_GRID,     /* KEY: [V1, V2, ...] (a single value is a list of one) */
    CONFIG_FREE_VARIANTS, /* a list of mappings KEY: VALUE */
} ConfigFreeShape;

#define CONFIG_ASSIGN_KEY_CAP 256
#define CONFIG_ASSIGN_VALUE_CAP 512
typedef struct ConfigAssignment {
    char key[CONFIG_ASSIGN_KEY_CAP];     /* "neat.population_size" (nested keys joined by '.') */
    char value[CONFIG_ASSIGN_VALUE_CAP]; /* YAML flow text: "50", "[32, 32]", "'a b'" */
    int group;      /* GRID: index of the key; VARIANTS: index of the variant */
    int line, col;  /* of the value */
} ConfigAssignment;

typedef struct ConfigFreeSection {
    const char *key;       /* the top-level key ("grid"); set by the caller */
    int shape;             /* ConfigFreeShape; set by the caller */
    ConfigAssignment *items; /* filled by the loader, in document order */
    int count, cap;
    int groups;            /* keys (GRID) or variants (VARIANTS) */
    int line, col;         /* of the key in the file; 0 when absent */
} ConfigFreeSection;

/* config_load, but the top-level keys named by sections are read as free
 * sections instead of schema rows. All errors of the file, located. */
PetriStatus config_load_free(const ConfigSchema *schema, void *settings, const char *path,
                             ConfigFreeSection *sections, int section_count, PetriError *err);
void config_free_section_fini(ConfigFreeSection *s);

#endif
