/* Logging and the progress line. A terminal gets one line redrawn in
 * place; a pipe or a log file (a batch job) gets plain periodic lines, so
 * that a SLURM log stays readable. Log messages erase a live progress line
 * first so the two never interleave on one line. */
#include "core/core.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

static LogLevel log_level = LOG_INFO;
static Progress *live_progress; /* the progress line now on screen, if any */

void log_set_level(LogLevel level)
{
    log_level = level;
}

LogLevel log_get_level(void)
{
    return log_level;
}

static void progress_erase(void)
{
    if (live_progress != NULL && live_progress->tty && live_progress->active) {
        fputs("\r\033[K", live_progress->out);
        live_progress->active = false;
    }
}

void log_msg(LogLevel level, const char *fmt, ...)
{
    if (level < log_level) {
        return;
    }
    static const char *names[] = {"debug", "info", "warning", "error", ""};
    progress_erase();
    if (level != LOG_INFO) {
        fprintf(stderr, "petri: %s: ", names[level]);
    } else {
        fputs("petri: ", stderr);
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void progress_begin(Progress *p, FILE *out, const char *label, const char *unit, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = isatty(fileno(out)) != 0;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->unit = unit;
    p->total = total;
    p->start = clock_seconds();
    p->last_print = p->start;
    p->interval = p->tty ? 0.1 : 10.0;
    live_progress = p;
}

void progress_format(const Progress *p, double now, const char *detail, char *out, size_t cap)
{
    double elapsed = now - p->start;
    uint64_t run = p->done > p->first ? p->done - p->first : 0;
    double rate = elapsed > 0.0 ? (double)run / elapsed : 0.0;
    char el[32], eta[32];
    format_duration(elapsed, el, sizeof el);
    int n;
    if (p->total > 0) {
        double pct = 100.0 * (double)p->done / (double)p->total;
        if (rate > 0.0 && p->done <= p->total) {
            format_duration((double)(p->total - p->done) / rate, eta, sizeof eta);
        } else {
            snprintf(eta, sizeof eta, "?");
        }
        n = snprintf(out, cap, "%s %s %llu/%llu (%.0f%%) %.3g %s/s elapsed %s ETA %s", p->label,
                     p->unit, (unsigned long long)p->done, (unsigned long long)p->total, pct,
                     rate, p->unit, el, eta);
    } else {
        n = snprintf(out, cap, "%s %s %llu %.3g %s/s elapsed %s", p->label, p->unit,
                     (unsigned long long)p->done, rate, p->unit, el);
    }
    if (detail != NULL && detail[0] != '\0' && n >= 0 && (size_t)n < cap) {
        snprintf(out + n, cap - (size_t)n, " | %s", detail);
    }
}

void progress_update(Progress *p, uint64_t done, const char *detail)
{
    p->done = done;
    double now = clock_seconds();
    if (now - p->last_print < p->interval || log_level > LOG_INFO) {
        return;
    }
    p->last_print = now;
    char line[512];
    progress_format(p, now, detail, line, sizeof line);
    if (p->tty) {
        fprintf(p->out, "\r\033[K%s", line);
        p->active = true;
    } else {
        fprintf(p->out, "%s\n", line);
        p->printed = done + 1;
    }
    fflush(p->out);
}

void progress_end(Progress *p, const char *detail)
{
    bool repeat = !p->tty && p->printed == p->done + 1; /* that line is already out */
    if (log_level <= LOG_INFO && !repeat) {
        char line[512];
        progress_format(p, clock_seconds(), detail, line, sizeof line);
        if (p->tty) {
            fprintf(p->out, "\r\033[K%s\n", line);
        } else {
            fprintf(p->out, "%s\n", line);
        }
        fflush(p->out);
    }
    p->active = false;
    if (live_progress == p) {
        live_progress = NULL;
    }
}
