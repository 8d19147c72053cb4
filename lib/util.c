/* util.c -- see util.h */
#include "util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *cot_prog = "cot";
int cot_verbose = 1;
int cot_mute;

/* cot_msg_capture(): this thread's messages go there instead of stderr. */
static _Thread_local cot_buf_t *capture;

cot_buf_t *cot_msg_capture(cot_buf_t *b)
{
    cot_buf_t *old = capture;
    capture = b;
    return old;
}

void cot_msg_print(const char *s, size_t n)
{
    if (!n) return;
    fflush(stdout);
    fwrite(s, 1, n, stderr);
}

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    if (capture) {
        va_list aq;
        va_copy(aq, ap);
        int n = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        cot_buf_printf(capture, "%s: %s", cot_prog, kind);
        if (n > 0) {
            cot_buf_reserve(capture, (size_t)n);
            vsnprintf(capture->s + capture->len, (size_t)n + 1, fmt, ap);
            capture->len += (size_t)n;
        }
        cot_buf_addc(capture, '\n');
        return;
    }
    fflush(stdout);
    fprintf(stderr, "%s: %s", cot_prog, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cot_err(const char *fmt, ...)
{
    if (cot_mute > 0) return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void cot_warn(const char *fmt, ...)
{
    if (cot_verbose < 1 || cot_mute > 0) return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning: ", fmt, ap);
    va_end(ap);
}

void cot_info(const char *fmt, ...)
{
    if (cot_verbose < 2 || cot_mute > 0) return;
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
}

void cot_die(int code, const char *fmt, ...)
{
    capture = NULL;   /* never captured: the process ends here */
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
    exit(code);
}

void cot_usage_error(const char *fmt, ...)
{
    capture = NULL;
    va_list ap;
    va_start(ap, fmt);
    vmsg("", fmt, ap);
    va_end(ap);
    fprintf(stderr, "Try '%s --help'\n", cot_prog);
    exit(COT_EXIT_USAGE);
}

static void *oom(size_t n)
{
    cot_die(COT_EXIT_IO, "out of memory (allocating %zu bytes)", n);
}

void *cot_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    return p ? p : oom(n);
}

void *cot_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : oom(n * size);
}

void *cot_realloc(void *q, size_t n)
{
    void *p = realloc(q, n ? n : 1);
    return p ? p : oom(n);
}

char *cot_strndup(const char *s, size_t n)
{
    char *p = cot_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *cot_strdup(const char *s) { return cot_strndup(s, strlen(s)); }

int cot_parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!s || !*s) return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cot_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    if (!s || !*s) return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cot_parse_size(const char *s, size_t *out)
{
    char *end;
    if (!s || !*s || *s == '-') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    int shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case '\0': break;
    default: return -1;
    }
    if (*end || v > (SIZE_MAX >> shift)) return -1;
    *out = (size_t)v << shift;
    return 0;
}

void cot_buf_reserve(cot_buf_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap += cap / 2 + 64;
    b->s = cot_realloc(b->s, cap);
    b->cap = cap;
}

void cot_buf_add(cot_buf_t *b, const void *p, size_t n)
{
    cot_buf_reserve(b, n);
    if (n == 0) { b->s[b->len] = '\0'; return; }   /* p may be NULL */
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void cot_buf_addc(cot_buf_t *b, char c) { cot_buf_add(b, &c, 1); }
void cot_buf_adds(cot_buf_t *b, const char *s) { cot_buf_add(b, s, strlen(s)); }

void cot_buf_printf(cot_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    cot_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the prefix of s[0..n) that a JSON string can hold as is; eight
 * bytes at a time (has-byte-less-than and has-byte-equal word tricks). */
static size_t json_clean_run(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    size_t i = 0;
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1F);
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* v <= 0x1F (unsigned) exactly when max(v, 0x1F) == 0x1F */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                 _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return i + (size_t)__builtin_ctz(mask);
    }
#endif
    for (; i + 8 <= n; i += 8) {
        uint64_t v, q, e;
        memcpy(&v, s + i, 8);
        q = v ^ (ones * '"');
        e = v ^ (ones * '\\');
        if ((((v - ones * 0x20) & ~v) | ((q - ones) & ~q) | ((e - ones) & ~e)) & high)
            break;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == '"' || c == '\\') break;
    }
    return i;
}

void cot_buf_add_json_str(cot_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    /* Room for the clean text and quotes up front; each escape makes sure
     * of its own 6 bytes on top.  No per-piece bookkeeping. */
    cot_buf_reserve(b, n + 2 + 6);
    char *o = b->s + b->len;
    *o++ = '"';
    for (size_t i = 0;;) {
        size_t r = json_clean_run(s + i, n - i);
        memcpy(o, s + i, r);
        o += r;
        if ((i += r) == n) break;
        b->len = (size_t)(o - b->s);
        cot_buf_reserve(b, (n - i) + 2 + 6);
        o = b->s + b->len;
        unsigned char c = (unsigned char)s[i++];
        *o++ = '\\';
        switch (c) {
        case '"':  *o++ = '"';  break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n';  break;
        case '\r': *o++ = 'r';  break;
        case '\t': *o++ = 't';  break;
        case '\b': *o++ = 'b';  break;
        case '\f': *o++ = 'f';  break;
        default:
            memcpy(o, "u00", 3);
            o[3] = hex[c >> 4];
            o[4] = hex[c & 15];
            o += 5;
        }
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->s);
}

const char *cot_buf_cstr(cot_buf_t *b)
{
    cot_buf_reserve(b, 0);
    b->s[b->len] = '\0';
    return b->s;
}

void cot_buf_clear(cot_buf_t *b) { b->len = 0; if (b->s) b->s[0] = '\0'; }

void cot_buf_free(cot_buf_t *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

size_t cot_utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, eight bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        if (p[i] < 0x80) { i++; continue; }
        size_t len = cot_utf8_seq(p + i, n - i);
        if (!len) return i;
        i += len;
    }
    return n;
}

int cot_flush_stdout(void)
{
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout)) return COT_EXIT_OK;
    if (errno) cot_err("(stdout): write error: %s", strerror(errno));
    else cot_err("(stdout): write error");   /* an earlier write failed */
    return COT_EXIT_IO;
}

double cot_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

size_t cot_edit_distance(const char *a, size_t n, const char *b, size_t m)
{
    if (n > 255 || m > 255) return n > m ? n : m;
    size_t d[3][256], *pp = d[0], *p = d[1], *c = d[2];
    for (size_t j = 0; j <= m; j++) p[j] = j;
    for (size_t i = 1; i <= n; i++) {
        c[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = p[j] + 1;
            if (c[j - 1] + 1 < v) v = c[j - 1] + 1;
            if (p[j - 1] + cost < v) v = p[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
        }
        size_t *t = pp; pp = p; p = c; c = t;
    }
    return p[m];
}

int cot_write_file_atomic(const char *path, const void *data, size_t n)
{
    const unsigned char *p = data;
    cot_buf_t tmp = {0};
    cot_buf_printf(&tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp.s);
    if (fd < 0) {
        cot_err("%s: %s", path, strerror(errno));
        cot_buf_free(&tmp);
        return COT_EXIT_IO;
    }
    size_t off = 0;
    errno = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        off += (size_t)w;
    }
    int bad = off < n;
    if (bad && !errno) errno = ENOSPC;
    if (close(fd) < 0) bad = 1;
    if (bad || chmod(tmp.s, 0644) < 0 || rename(tmp.s, path) < 0) {
        cot_err("%s: %s", path, strerror(errno));
        unlink(tmp.s);
        cot_buf_free(&tmp);
        return COT_EXIT_IO;
    }
    cot_buf_free(&tmp);
    return 0;
}

int cot_read_file(const char *path, cot_buf_t *out, cot_buf_t *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        cot_buf_printf(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, fp)) > 0) cot_buf_add(out, tmp, k);
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        cot_buf_printf(err, "%s: read error", path);
        cot_buf_free(out);
        return -1;
    }
    return 0;
}

void *cot_map_file(const char *path, size_t hdr, const char *magic, const char *what,
                   size_t *n)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) { int e = errno; cot_err("%s: %s", path, strerror(e)); errno = e; return NULL; }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        cot_err("%s: %s", path, strerror(e));
        close(fd);
        errno = e;
        return NULL;
    }
    *n = (size_t)st.st_size;
    if (*n < hdr) {
        unsigned char h[8] = {0};
        ssize_t r = read(fd, h, sizeof h);
        close(fd);
        if (r == 8 && !memcmp(h, magic, 8))
            cot_err("%s: truncated %s (header incomplete)", path, what);
        else
            cot_err("%s: not a cot %s (bad magic)", path, what);
        errno = 0;
        return NULL;
    }
    void *m = mmap(NULL, *n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        int e = errno;
        cot_err("%s: mmap: %s", path, strerror(e));
        errno = e;
        return NULL;
    }
    return m;
}
