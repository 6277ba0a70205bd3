/*
 * Scalars of a config, read strictly: integers (decimal only, with
 * overflow checks), finite numbers, booleans and choices; and the words
 * that say what a row accepts, for error messages.
 */
#include "core/config_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PATH_CAP = CONFIG_PATH_CAP };

/* Strict unsigned integer: decimal digits, nothing else, and no leading
 * zero ("010" is octal to some YAML readers and 10 to others, "0x10" hex
 * to some: one rule for every integer key is clearer than either).
 * Returns false on any other text or on overflow of uint64_t. */
bool config_parse_u64(const char *s, uint64_t *out)
{
    if (*s == '\0' || (s[0] == '0' && s[1] != '\0')) {
        return false;
    }
    uint64_t v = 0;
    for (; *s != '\0'; ++s) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool config_integer_hint(const char *s)
{
    if (*s == '-' || *s == '+') {
        s++;
    }
    if (s[0] != '0' || s[1] == '\0') {
        return false;
    }
    /* "0x1f", "010": the digits a reader may have meant */
    const char *d = s + ((s[1] == 'x' || s[1] == 'X') ? 2 : 1);
    if (*d == '\0') {
        return false;
    }
    for (; *d != '\0'; ++d) {
        bool hex = (*d >= 'a' && *d <= 'f') || (*d >= 'A' && *d <= 'F');
        if (!(*d >= '0' && *d <= '9') && !(hex && (s[1] == 'x' || s[1] == 'X'))) {
            return false;
        }
    }
    return true;
}

/* Strict signed integer: an optional sign then config_parse_u64's form; false
 * on overflow of long long. */
bool config_parse_i64(const char *s, long long *out)
{
    bool neg = false;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
    }
    uint64_t mag;
    if (!config_parse_u64(s, &mag)) {
        return false;
    }
    if (neg) {
        if (mag > (uint64_t)LLONG_MAX + 1) {
            return false;
        }
        *out = mag == (uint64_t)LLONG_MAX + 1 ? LLONG_MIN : -(long long)mag;
    } else {
        if (mag > (uint64_t)LLONG_MAX) {
            return false;
        }
        *out = (long long)mag;
    }
    return true;
}

/* Strict finite number: strtod must consume everything; nan, inf and
 * overflow are refused (as are leading spaces, which strtod would skip). */
bool config_parse_double(const char *s, double *out)
{
    if (*s == '\0' || *s == ' ' || *s == '\t') {
        return false;
    }
    /* strtod knows "nan", "inf", "infinity"; a config never means them. */
    for (const char *c = s; *c != '\0'; ++c) {
        if (*c == 'n' || *c == 'N' || *c == 'i' || *c == 'I') {
            return false;
        }
    }
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v)) {
        return false;
    }
    if (errno == ERANGE && fabs(v) > 1.0) {
        return false; /* overflow; gradual underflow to tiny values is fine */
    }
    *out = v;
    return true;
}

bool config_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES",  "on",   "On",   "ON"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No",
                                     "NO",    "off",   "Off",   "OFF"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; ++i) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Index of s among "a|b|c", or -1. */
int config_choice_index(const char *choices, const char *s)
{
    size_t n = strlen(s);
    int index = 0;
    for (const char *c = choices;; ++index) {
        size_t k = strcspn(c, "|");
        if (k == n && strncmp(c, s, n) == 0) {
            return index;
        }
        if (c[k] == '\0') {
            return -1;
        }
        c += k + 1;
    }
}

/* The choice nearest to s (for "did you mean"), or empty. */
void config_choice_nearest(const char *choices, const char *s, char *out, size_t cap)
{
    out[0] = '\0';
    int best = INT_MAX;
    for (const char *c = choices;;) {
        size_t k = strcspn(c, "|");
        char word[PATH_CAP];
        if (k < sizeof word) {
            memcpy(word, c, k);
            word[k] = '\0';
            int d = config_edit_distance(s, word);
            int limit = (int)k <= 3 ? 1 : ((int)k <= 6 ? 2 : 3);
            if (d < best && d <= limit && d > 0) {
                best = d;
                snprintf(out, cap, "%s", word);
            }
        }
        if (c[k] == '\0') {
            return;
        }
        c += k + 1;
    }
}

/* Range bound for messages: integers as integers, other numbers in their
 * shortest form ("1e+06"). */
void config_format_bound(double v, bool integer, char *out, size_t cap)
{
    if (integer && fabs(v) < 1e15) {
        snprintf(out, cap, "%.0f", v);
    } else {
        config_format_double(v, out, cap);
    }
}

/* What a row accepts, as the end of "'KEY' must be ...". */
void config_describe_row(const ConfigRow *row, char *out, size_t cap)
{
    char lo[40], hi[40];
    switch (row->type) {
    case CONFIG_BOOL:
        snprintf(out, cap, "true or false");
        break;
    case CONFIG_INT:
        config_format_bound(row->min, true, lo, sizeof lo);
        config_format_bound(row->max, true, hi, sizeof hi);
        snprintf(out, cap, "an integer in [%s, %s]", lo, hi);
        break;
    case CONFIG_U64:
        if (row->min <= 0 && row->max <= 0) {
            snprintf(out, cap, "an unsigned 64-bit integer");
        } else if (row->max <= 0) {
            config_format_bound(row->min, true, lo, sizeof lo);
            snprintf(out, cap, "an unsigned 64-bit integer >= %s", lo);
        } else {
            config_format_bound(row->min, true, lo, sizeof lo);
            config_format_bound(row->max, true, hi, sizeof hi);
            snprintf(out, cap, "an unsigned integer in [%s, %s]", lo, hi);
        }
        break;
    case CONFIG_FLOAT:
        config_format_bound(row->min, false, lo, sizeof lo);
        config_format_bound(row->max, false, hi, sizeof hi);
        snprintf(out, cap, "a number in [%s, %s]", lo, hi);
        break;
    case CONFIG_STRING:
        snprintf(out, cap, "a string of at most %d bytes", (int)row->max - 1);
        break;
    case CONFIG_CHOICE: {
        size_t used = (size_t)snprintf(out, cap, "one of ");
        for (const char *c = row->choices; *c != '\0' && used + 2 < cap; ++c) {
            if (*c == '|') {
                used += (size_t)snprintf(out + used, cap - used, ", ");
            } else {
                out[used++] = *c;
                out[used] = '\0';
            }
        }
        break;
    }
    case CONFIG_VEC2:
        config_format_bound(row->min, false, lo, sizeof lo);
        config_format_bound(row->max, false, hi, sizeof hi);
        snprintf(out, cap, "two numbers in [%s, %s]", lo, hi);
        break;
    case CONFIG_LIST:
        config_format_bound(row->min, true, lo, sizeof lo);
        config_format_bound(row->max, true, hi, sizeof hi);
        snprintf(out, cap, "a list of %s to %s mappings", lo, hi);
        break;
    }
}
