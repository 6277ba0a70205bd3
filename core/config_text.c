/* Small text helpers of the config engine: the UTF-8 check done before
 * libyaml sees any byte, edit distance for "did you mean", and the
 * shortest round-tripping form of a double. */
#include "core/config_internal.h"

#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at s[0] (at most `left` bytes
 * available), or 0 when it is not valid: overlong forms, surrogates and
 * code points above U+10FFFF are refused. */
static size_t utf8_sequence(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        return 1;
    }
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) {
            lo = 0xA0; /* overlong */
        } else if (c == 0xED) {
            hi = 0x9F; /* surrogates */
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) {
            lo = 0x90; /* overlong */
        } else if (c == 0xF4) {
            hi = 0x8F; /* above U+10FFFF */
        }
    } else {
        return 0;
    }
    if (left < n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; ++i) {
        if (s[i] < 0x80 || s[i] > 0xBF) {
            return 0;
        }
    }
    return n;
}

size_t config_check_utf8(const char *text, size_t len, int *line, int *col)
{
    const unsigned char *s = (const unsigned char *)text;
    int ln = 1, cl = 1;
    size_t i = 0;
    while (i < len) {
        size_t n = s[i] == 0 ? 0 : utf8_sequence(s + i, len - i);
        if (n == 0) {
            *line = ln;
            *col = cl;
            return i;
        }
        if (s[i] == '\n') {
            ln++;
            cl = 1;
        } else {
            cl++;
        }
        i += n;
    }
    *line = ln;
    *col = cl;
    return len;
}

int config_edit_distance(const char *a, const char *b)
{
    enum { MAXLEN = 64 };
    size_t la = strlen(a), lb = strlen(b);
    if (la > MAXLEN || lb > MAXLEN) {
        return MAXLEN * 2;
    }
    int prev[MAXLEN + 1], cur[MAXLEN + 1];
    for (size_t j = 0; j <= lb; ++j) {
        prev[j] = (int)j;
    }
    for (size_t i = 1; i <= la; ++i) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; ++j) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1;
            int ins = cur[j - 1] + 1;
            int best = sub < del ? sub : del;
            cur[j] = best < ins ? best : ins;
        }
        memcpy(prev, cur, (lb + 1) * sizeof prev[0]);
    }
    return prev[lb];
}

void config_format_double(double v, char *out, size_t cap)
{
    /* "%g" first: it reads best ("100", "1e+06", "0.8"); more digits only
     * when six are not enough to read back the same double. */
    snprintf(out, cap, "%g", v);
    if (strtod(out, NULL) == v) {
        return;
    }
    for (int precision = 7; precision <= 17; ++precision) {
        snprintf(out, cap, "%.*g", precision, v);
        if (strtod(out, NULL) == v) {
            break;
        }
    }
    /* -0 must stay -0 so that a written config loads back bit for bit;
     * "%g" already prints "-0", and strtod("-0") gives -0. */
}
