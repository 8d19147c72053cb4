/* util.h -- error reporting, strict number parsing, growable buffers.
 *
 * Every message a cot tool prints goes through cot_err()/cot_warn(), so the
 * format is the same everywhere:  "cot-extract: FILE:LINE: reason".
 */
#ifndef COT_UTIL_H
#define COT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

#define COT_VERSION "0.1.0"

/* Eight bytes at p as a little-endian number, on every machine (digests
 * and hashes that must not depend on the byte order). */
static inline uint64_t cot_load_le64(const void *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* Documented exit codes, shared by every tool. */
enum {
    COT_EXIT_OK    = 0,  /* success; for gates: all gates passed           */
    COT_EXIT_DATA  = 1,  /* bad input data, or a gate / --exit-status fired */
    COT_EXIT_USAGE = 2,  /* bad command line                                */
    COT_EXIT_IO    = 3   /* I/O error: unreadable file, full disk, ...      */
};

/* Name printed before every message; set once from main(). */
extern const char *cot_prog;

/* Verbosity: 0 = errors only (-q), 1 = default, 2+ = -v. */
extern int cot_verbose;

/* While > 0, cot_err(), cot_warn() and cot_info() print nothing: for a
 * pass over input that a later pass reads again and reports on (cot-judge's
 * first pass), so each message is printed once.  cot_die() always prints. */
extern int cot_mute;

void cot_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cot_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cot_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the error and exit with status `code`. */
void cot_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* A usage mistake: one line, then "Try 'PROG --help'", exit 2. */
void cot_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* Map path read-only for a versioned binary file (profiles, models).
 * Returns the mapping with its size in *n, or NULL after printing
 * "PATH: reason": errno is set for an I/O error, and is 0 for a file too
 * short to hold its hdr-byte header ("truncated WHAT (header incomplete)"
 * when it starts with the 8 bytes of magic, "not a cot WHAT (bad magic)"
 * otherwise).  munmap(ptr, *n) releases it. */
void *cot_map_file(const char *path, size_t hdr, const char *magic, const char *what,
                   size_t *n);

/* Write p[0..n) to path through a temporary file in the same folder
 * (mode 0644), renamed over path on success, so a reader never sees half
 * a file.  Returns 0, or COT_EXIT_IO after printing the error (nothing is
 * left behind). */
int cot_write_file_atomic(const char *path, const void *p, size_t n);

/* Optimal string alignment distance between a[0..n) and b[0..m): the
 * insertions, deletions, substitutions and swaps of two neighbours that
 * turn one into the other (for "did you mean" suggestions; O(n m) time,
 * strings longer than 255 bytes count as far apart). */
size_t cot_edit_distance(const char *a, size_t n, const char *b, size_t m);

/* Allocation that never returns NULL: out of memory exits with status 3. */
void *cot_malloc(size_t n);
void *cot_calloc(size_t n, size_t size);
void *cot_realloc(void *p, size_t n);
char *cot_strdup(const char *s);
char *cot_strndup(const char *s, size_t n);

/* Strict parsing: the whole string must be a number within [lo, hi].
 * Return 0 on success, -1 (value untouched) otherwise. */
int cot_parse_long(const char *s, long lo, long hi, long *out);
int cot_parse_double(const char *s, double lo, double hi, double *out);
/* Like cot_parse_long but accepts K/M/G suffixes (powers of 1024). */
int cot_parse_size(const char *s, size_t *out);

/* A growable byte buffer, always NUL-terminated when len > 0 or after
 * cot_buf_cstr().  Zero-initialise ({0}) before first use. */
typedef struct {
    char  *s;
    size_t len, cap;
} cot_buf_t;

void  cot_buf_reserve(cot_buf_t *b, size_t extra);
void  cot_buf_add(cot_buf_t *b, const void *p, size_t n);
void  cot_buf_addc(cot_buf_t *b, char c);
void  cot_buf_adds(cot_buf_t *b, const char *s);
void  cot_buf_printf(cot_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included (valid UTF-8 assumed). */
void  cot_buf_add_json_str(cot_buf_t *b, const char *s, size_t n);
const char *cot_buf_cstr(cot_buf_t *b);
void  cot_buf_clear(cot_buf_t *b);
void  cot_buf_free(cot_buf_t *b);

/* While b is set, the messages of cot_err(), cot_warn() and cot_info() on
 * the calling thread are appended to b, each "PROG: ...\n", instead of
 * being printed (cot_die() and cot_usage_error() still print); NULL prints
 * again.  Returns the previous buffer.  For lib/workers.c: a worker's
 * messages come out in input order.  cot_msg_print() writes captured text
 * to stderr (stdout flushed first, as for any message). */
cot_buf_t *cot_msg_capture(cot_buf_t *b);
void cot_msg_print(const char *s, size_t n);

/* Return the byte offset of the first invalid UTF-8 sequence in p[0..n),
 * or n when the whole range is valid.  Overlongs and surrogates are invalid. */
size_t cot_utf8_check(const char *p, size_t n);
/* Length of the one valid UTF-8 sequence at p[0..left) when p[0] >= 0x80
 * (2..4), or 0 when it is not valid: the rule cot_utf8_check applies
 * (no overlongs, no surrogates, nothing above U+10FFFF). */
static inline size_t cot_utf8_seq(const unsigned char *p, size_t left)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t len;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;       /* overlong */
        if (c == 0xED) hi = 0x9F;       /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;       /* > U+10FFFF */
    } else return 0;
    if (left < len || p[1] < lo || p[1] > hi) return 0;
    for (size_t k = 2; k < len; k++)
        if ((p[k] & 0xC0) != 0x80) return 0;
    return len;
}


/* Seconds since an arbitrary fixed point (monotonic). */
double cot_now(void);
/* Flush stdout for output written with stdio (--help, --list-*, -c counts):
 * COT_EXIT_OK, or COT_EXIT_IO after printing "(stdout): write error: ...". */
int cot_flush_stdout(void);

/* Read the whole file at path into out (appended).  0, or -1 with
 * "PATH: reason" in err and out freed. */
int cot_read_file(const char *path, cot_buf_t *out, cot_buf_t *err);

#endif
