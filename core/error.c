/* Result codes and error messages: a user's mistake becomes lines of text
 * that name the file, line and column, collected until main prints them. */
#include "core/core.h"

#include <stdarg.h>
#include <string.h>

void error_clear(PetriError *e)
{
    e->code = PETRI_OK;
    e->count = 0;
    e->len = 0;
    e->msg[0] = '\0';
}

static void error_vappend(PetriError *e, PetriStatus code, const char *prefix, const char *fmt,
                          va_list ap)
{
    if (e->code == PETRI_OK) {
        e->code = code;
    }
    e->count++;
    if (e->count > PETRI_ERROR_MAX_LINES) {
        return;
    }
    size_t room = sizeof e->msg - e->len;
    if (room < 2) {
        return;
    }
    char *at = e->msg + e->len;
    int n = snprintf(at, room, "%s", prefix);
    if (n < 0 || (size_t)n >= room) {
        e->len = sizeof e->msg - 1;
        return;
    }
    int m = vsnprintf(at + n, room - (size_t)n, fmt, ap);
    size_t used = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (used >= room - 1) {
        used = room - 2; /* truncated: keep room for the newline */
    }
    at[used] = '\n';
    at[used + 1] = '\0';
    e->len += used + 1;
}

PetriStatus error_add(PetriError *e, PetriStatus code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vappend(e, code, "", fmt, ap);
    va_end(ap);
    return code;
}

PetriStatus error_at(PetriError *e, PetriStatus code, const char *file, int line, int col,
                     const char *fmt, ...)
{
    char prefix[512];
    if (file != NULL && line > 0 && col > 0) {
        snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", file, line, col);
    } else if (file != NULL && line > 0) {
        snprintf(prefix, sizeof prefix, "%s:%d: error: ", file, line);
    } else if (file != NULL) {
        snprintf(prefix, sizeof prefix, "%s: error: ", file);
    } else {
        snprintf(prefix, sizeof prefix, "error: ");
    }
    va_list ap;
    va_start(ap, fmt);
    error_vappend(e, code, prefix, fmt, ap);
    va_end(ap);
    return code;
}

void error_print(const PetriError *e, FILE *f)
{
    if (e->len > 0) {
        fputs(e->msg, f);
    }
    if (e->count > PETRI_ERROR_MAX_LINES) {
        fprintf(f, "note: %d more errors not shown\n", e->count - PETRI_ERROR_MAX_LINES);
    }
}

const char *status_name(PetriStatus s)
{
    switch (s) {
    case PETRI_OK: return "ok";
    case PETRI_EIO: return "i/o error";
    case PETRI_ECONFIG: return "config error";
    case PETRI_EFORMAT: return "format error";
    case PETRI_EUSAGE: return "usage error";
    case PETRI_ENOTFOUND: return "not found";
    case PETRI_EINTERNAL: return "internal error";
    }
    return "unknown error";
}
