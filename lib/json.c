/* json.c -- see json.h */
#include "json.h"

#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct {
    const unsigned char *p, *end;
    cot_buf_t *tmp;
    int depth;
    int canon;        /* nothing seen that cot_json_print() writes otherwise,
                         whitespace between tokens aside                  */
    int spaced;       /* whitespace seen between tokens or around the object */
    size_t skipped;   /* second-level members checked, not built (sub)    */
} parser_t;

static inline void skip_ws(parser_t *x)
{
    if (x->p < x->end && *x->p > ' ') return;     /* the usual case: none */
    const unsigned char *s = x->p;
    while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r' || *x->p == '\n'))
        x->p++;
    if (x->p != s) x->spaced = 1;
}

/* Bytes a string can hold as they are: not '"', '\\', a control character
 * or a non-ASCII byte (which gets its UTF-8 check). */
static size_t plain_run(const unsigned char *p, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\'), lim = _mm_set1_epi8(0x20);
    /* 32 bytes a step while nothing stops the run (the long CoTs), then
     * 16 to find where it stops */
    for (; i + 32 <= n; i += 32) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b)),
                                 _mm_cmplt_epi8(v, lim));
        __m128i m2 = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, q), _mm_cmpeq_epi8(w, b)),
                                  _mm_cmplt_epi8(w, lim));
        if (_mm_movemask_epi8(_mm_or_si128(m, m2))) break;
    }
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        /* signed compare: 0x00..0x1F and 0x80..0xFF are both "< 0x20" */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b)),
                                 _mm_cmplt_epi8(v, lim));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return i + (size_t)__builtin_ctz(mask);
    }
#endif
    for (; i < n; i++) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
    }
    return i;
}

static int hex4(const unsigned char *p, unsigned *v)
{
    unsigned r = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        r = r << 4 | d;
    }
    *v = r;
    return 0;
}

/* \uXXXX (and its low surrogate) after the "\u", written to u as UTF-8
 * (at most 4 bytes, never more than the escape): the length, or -1.  \u0000
 * and lone surrogates give up: the reader refuses the first with its own
 * message, cJSON the second. */
static int unicode(parser_t *x, char *u)
{
    unsigned cp, lo;
    if (x->end - x->p < 4 || hex4(x->p, &cp) < 0 || cp == 0) return -1;
    x->p += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return -1;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (x->end - x->p < 6 || x->p[0] != '\\' || x->p[1] != 'u' ||
            hex4(x->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) return -1;
        x->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    int n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    return n;
}

/* Whether the escape \uXXXX at h (the four digits), decoded to u[0..k),
 * is how cot_buf_add_json_str() writes that character: only a control
 * character without a short escape, as \u00 and two lower-case digits. */
static int canon_u(const unsigned char *h, const char *u, int k)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char c = (unsigned char)u[0];
    return k == 1 && c < 0x20 && c != '\b' && c != '\t' && c != '\n' && c != '\f' &&
           c != '\r' && h[0] == '0' && h[1] == '0' && h[2] == hex[c >> 4] &&
           h[3] == hex[c & 15];
}

/* ---- strings, 64 bytes a step ------------------------------------------
 *
 * A CoT breaks a plain run every few dozen bytes (a "\n", a non-ASCII
 * character), and plain_run() then starts over.  str_blocks() takes 64
 * bytes at a time instead: one pass of compares gives a bit per byte for
 * quotes, backslashes, control characters and non-ASCII bytes; the
 * escapes are walked in order (each checked as the scalar loop checks
 * it), and the UTF-8 of the whole block is checked with the masks: every
 * lead byte must be followed by exactly its continuation bytes, no byte
 * may be C0, C1 or F5..FF, and a three- or four-byte sequence gets
 * cot_utf8_seq() for its second byte's range (overlongs, surrogates,
 * past U+10FFFF).  That is the rule the scalar loop applies sequence by
 * sequence, so the same strings are taken, with the same decoding and the
 * same canon flag (test-json.c holds the two to each other).  A block
 * ends early where an escape or a character crosses its end; the next
 * block starts there.  Fewer than 64 bytes left: the scalar loop goes on. */

static int json_scalar_strings;     /* cot_json_scalar_strings(): tests */

void cot_json_scalar_strings(int on) { json_scalar_strings = on; }

#ifdef __SSE2__
enum { ESC_BAD, ESC_PLAIN, ESC_SLASH, ESC_U };

/* What follows a backslash: its class, and the byte it stands for. */
static const unsigned char esc_class[256] = {
    ['"'] = ESC_PLAIN, ['\\'] = ESC_PLAIN, ['b'] = ESC_PLAIN, ['f'] = ESC_PLAIN,
    ['n'] = ESC_PLAIN, ['r'] = ESC_PLAIN, ['t'] = ESC_PLAIN, ['/'] = ESC_SLASH,
    ['u'] = ESC_U,
};
static const char esc_byte[256] = {
    ['"'] = '"', ['\\'] = '\\', ['b'] = '\b', ['f'] = '\f', ['n'] = '\n',
    ['r'] = '\r', ['t'] = '\t', ['/'] = '/',
};

static inline uint64_t mask16(__m128i m, int k)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(m) << (16 * k);
}

/* Bits i..63 (i <= 64) and 0..i-1. */
static inline uint64_t from_bit(unsigned i) { return i >= 64 ? 0 : ~0ULL << i; }
static inline uint64_t below_bit(unsigned i) { return ~from_bit(i); }

/* The UTF-8 of p[0..64) where `region` (bits 0..k-1) says, the block's
 * non-ASCII bytes being h: 1 when every sequence that starts in the region
 * is whole, valid and inside it, and no continuation byte stands alone.
 * *cut (64 on entry when the region may end at the block's end) comes
 * back as the first lead byte whose sequence crosses the block's end, the
 * region shortened to end before it. */
static int utf8_block(const unsigned char *p, uint64_t h, uint64_t *region,
                      unsigned *cut, size_t left)
{
    const __m128i b80 = _mm_set1_epi8((char)0xC0), bc1 = _mm_set1_epi8((char)0xC1),
                  bdf = _mm_set1_epi8((char)0xDF), bef = _mm_set1_epi8((char)0xEF),
                  bf4 = _mm_set1_epi8((char)0xF4);
    uint64_t cont = 0, ge_c2 = 0, ge_e0 = 0, ge_f0 = 0, ge_f5 = 0;
    for (int k = 0; k < 4; k++) {
        /* signed: 0x80..0xBF are -128..-65, 0xC0 is -64 */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        cont |= mask16(_mm_cmplt_epi8(v, b80), k);
        ge_c2 |= mask16(_mm_cmpgt_epi8(v, bc1), k);
        ge_e0 |= mask16(_mm_cmpgt_epi8(v, bdf), k);
        ge_f0 |= mask16(_mm_cmpgt_epi8(v, bef), k);
        ge_f5 |= mask16(_mm_cmpgt_epi8(v, bf4), k);
    }
    ge_c2 &= h, ge_e0 &= h, ge_f0 &= h, ge_f5 &= h;
    uint64_t l2 = ge_c2 & ~ge_e0, l3 = ge_e0 & ~ge_f0, l4 = ge_f0 & ~ge_f5;
    uint64_t bad = (h & ~cont & ~ge_c2) | ge_f5;    /* C0, C1, F5..FF */
    if (*cut == 64) {
        uint64_t cross = (l2 & 1ULL << 63) | (l3 & 3ULL << 62) | (l4 & 7ULL << 61);
        if (cross) {
            *cut = (unsigned)__builtin_ctzll(cross);
            *region &= below_bit(*cut);
        }
    }
    uint64_t r = *region;
    uint64_t lead = (l2 | l3 | l4) & r, wide = (l3 | l4) & r;
    uint64_t need = lead << 1 | wide << 2 | (l4 & r) << 3;
    if ((bad & r) || need != (cont & r)) return 0;
    for (; wide; wide &= wide - 1) {
        unsigned i = (unsigned)__builtin_ctzll(wide);
        if (!cot_utf8_seq(p + i, left - i)) return 0;
    }
    return 1;
}

/* The string from x->p (past its opening quote), 64 bytes a block while
 * 64 are left, decoded to *op when op is not NULL: 1 with x->p past the
 * closing quote (and *op past the text), -1 where the scalar loop would
 * give up, 0 when the rest is under 64 bytes (x->p and *op where the
 * scalar loop goes on). */
static int str_blocks(parser_t *x, char **op)
{
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
                  lim = _mm_set1_epi8(0x20);
    const unsigned char *p = x->p, *run = p;        /* run: not yet copied */
    char *o = op ? *op : NULL;
    if (x->end - p >= 16) {
        /* a key or a short value: its closing quote the first stop */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i mq = _mm_cmpeq_epi8(v, q);
        unsigned m = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(mq, _mm_cmpeq_epi8(v, bs)), _mm_cmplt_epi8(v, lim)));
        if (m & (unsigned)_mm_movemask_epi8(mq) & -m) {
            unsigned end = (unsigned)__builtin_ctz(m);
            if (o) { memcpy(o, p, end); *op = o + end; }
            x->p = p + end + 1;
            return 1;
        }
    }
    while (x->end - p >= 64) {
        uint64_t mq = 0, mb = 0, mc = 0, mh = 0;
        for (int k = 0; k < 4; k++) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
            mq |= mask16(_mm_cmpeq_epi8(v, q), k);
            mb |= mask16(_mm_cmpeq_epi8(v, bs), k);
            mc |= mask16(_mm_cmplt_epi8(v, lim), k);  /* controls and non-ASCII */
            mh |= mask16(v, k);
        }
        mc &= ~mh;
        uint64_t taken = 0;     /* bytes of escapes */
        unsigned next = 64;     /* where the next block starts */
        for (uint64_t e = mb; e;) {
            unsigned i = (unsigned)__builtin_ctzll(e);
            if (mq & ~taken & below_bit(i)) break;  /* the string ends first */
            if (i == 63) { next = 63; break; }
            unsigned char c = p[i + 1];
            unsigned len = 2;
            if (o) { memcpy(o, run, (size_t)(p + i - run)); o += p + i - run; }
            switch (esc_class[c]) {
            case ESC_BAD: return -1;
            case ESC_SLASH: x->canon = 0; /* fall through */
            case ESC_PLAIN: if (o) *o++ = esc_byte[c]; break;
            default: {
                char u[4], *dst = o ? o : u;
                x->p = p + i + 2;
                const unsigned char *hx = x->p;
                int k = unicode(x, dst);
                if (k < 0) return -1;
                if (x->canon && !canon_u(hx, dst, k)) x->canon = 0;
                if (o) o += k;
                len = (unsigned)(x->p - (p + i));
            }
            }
            run = p + i + len;
            if (i + len >= 64) { taken |= from_bit(i); next = i + len; break; }
            taken |= below_bit(i + len) & from_bit(i);
            e &= from_bit(i + len);
        }
        uint64_t region = below_bit(next), qs = mq & ~taken & region;
        unsigned end = qs ? (unsigned)__builtin_ctzll(qs) : 64;
        if (qs) region = below_bit(end);
        if (mc & region) return -1;
        if (mh & region) {
            unsigned cut = qs ? 0 : next;
            if (!utf8_block(p, mh, &region, &cut, (size_t)(x->end - p))) return -1;
            if (!qs && cut < next) {
                /* a sequence crosses the block's end; an escape after its
                 * lead would be in it, so that cannot be UTF-8 */
                if (p + cut < run) return -1;
                next = cut;
            }
        }
        if (qs) {
            if (o) { memcpy(o, run, (size_t)(p + end - run)); *op = o + (p + end - run); }
            x->p = p + end + 1;
            return 1;
        }
        p += next;
    }
    if (o) { memcpy(o, run, (size_t)(p - run)); *op = o + (p - run); }
    x->p = p;
    return 0;
}
#endif

/* The string at x->p (its opening quote), decoded into x->tmp: 0, or -1.
 * Decoding never lengthens a string, so the rest of the line fits. */
static int string(parser_t *x)
{
    cot_buf_t *t = x->tmp;
    t->len = 0;
    cot_buf_reserve(t, (size_t)(x->end - x->p) + 4);
    char *o = t->s;
    ++x->p;
#ifdef __SSE2__
    if (!json_scalar_strings) {
        int r = str_blocks(x, &o);
        if (r) {
            t->len = (size_t)(o - t->s);
            return r > 0 ? 0 : -1;
        }
    }
#endif
    const unsigned char *run = x->p;     /* bytes not yet copied */
    for (;;) {
        x->p += plain_run(x->p, (size_t)(x->end - x->p));
        if (x->p >= x->end) return -1;
        unsigned c = *x->p;
        if (c >= 0x80) {
            size_t l = cot_utf8_seq(x->p, (size_t)(x->end - x->p));
            if (!l) return -1;
            x->p += l;
            continue;
        }
        if (c < 0x20) return -1;         /* raw control character: cJSON decides */
        memcpy(o, run, (size_t)(x->p - run));
        o += x->p - run;
        if (c == '"') {
            x->p++;
            t->len = (size_t)(o - t->s);
            return 0;
        }
        if (x->end - x->p < 2) return -1;
        unsigned char e = x->p[1];
        x->p += 2;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; x->canon = 0; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            const unsigned char *h = x->p;
            int k = unicode(x, o);
            if (k < 0) return -1;
            if (x->canon && !canon_u(h, o, k)) x->canon = 0;
            o += k;
            break;
        }
        default: return -1;
        }
        run = x->p;
    }
}

static char *tmp_dup(const cot_buf_t *t)
{
    char *s = cJSON_malloc(t->len + 1);
    if (!s) cot_die(COT_EXIT_IO, "out of memory");
    if (t->len) memcpy(s, t->s, t->len);
    s[t->len] = '\0';
    return s;
}

static cJSON *node(cJSON *j)
{
    if (!j) cot_die(COT_EXIT_IO, "out of memory");
    return j;
}

static int digits(parser_t *x)
{
    const unsigned char *s = x->p;
    while (x->p < x->end && *x->p >= '0' && *x->p <= '9') x->p++;
    return x->p > s ? 0 : -1;
}

#define NUMBER_MAX 64      /* a number this long or longer gives up */

/* The RFC 8259 number at x->p: its length, or 0. */
static size_t rfc_number(parser_t *x)
{
    const unsigned char *s = x->p;
    if (*x->p == '-') x->p++;
    if (x->p >= x->end) return 0;
    if (*x->p == '0') x->p++;
    else if (digits(x) < 0) return 0;
    if (x->p < x->end && *x->p == '.') {
        x->p++;
        if (digits(x) < 0) return 0;
    }
    if (x->p < x->end && (*x->p == 'e' || *x->p == 'E')) {
        x->p++;
        if (x->p < x->end && (*x->p == '+' || *x->p == '-')) x->p++;
        if (digits(x) < 0) return 0;
    }
    return (size_t)(x->p - s);
}

/* The RFC 8259 number at x->p: its length (under NUMBER_MAX), or 0. */
static size_t scan_number(parser_t *x)
{
    size_t len = rfc_number(x);
    return len < NUMBER_MAX ? len : 0;
}

/* RFC 8259 number, converted as cJSON does (strtod of the same text), with
 * its source text kept in valuestring. */
static cJSON *number(parser_t *x)
{
    const unsigned char *s = x->p;
    size_t len = scan_number(x);
    char buf[NUMBER_MAX], *e;
    if (!len) return NULL;
    memcpy(buf, s, len);
    buf[len] = '\0';
    double d;
    size_t neg = buf[0] == '-', nd = len - neg;
    if (!memchr(buf, '.', len) && !memchr(buf, 'e', len) && !memchr(buf, 'E', len) && nd <= 15) {
        /* An integer of up to 15 digits (ids, offsets, counts: most
         * numbers) is exact in a double, so this is strtod's value
         * without strtod ("-0" included). */
        uint64_t v = 0;
        for (size_t i = neg; i < len; i++) v = v * 10 + (uint64_t)(buf[i] - '0');
        d = neg ? -(double)v : (double)v;
    } else {
        d = strtod(buf, &e);
        if (e != buf + len) return NULL;
    }
    cJSON *v = node(cJSON_CreateNumber(d));
    if (!(v->valuestring = cJSON_malloc(len + 1))) cot_die(COT_EXIT_IO, "out of memory");
    memcpy(v->valuestring, buf, len + 1);
    return v;
}

static int literal(parser_t *x, const char *w, size_t n)
{
    if ((size_t)(x->end - x->p) < n || memcmp(x->p, w, n)) return -1;
    x->p += n;
    return 0;
}

static cJSON *value(parser_t *x);

/* Append v to the children of c, keeping the tail in *last; the first
 * child's prev points at the last, as cJSON keeps it. */
static void link_child(cJSON *c, cJSON **last, cJSON *v)
{
    if (!*last) c->child = v;
    else { (*last)->next = v; v->prev = *last; }
    *last = v;
    c->child->prev = v;
}

static int skip_value(parser_t *x);
static int sub_wanted(const cot_json_sub_t *f, const cot_buf_t *key);

/* An array, or an object; with f (an object's), only the members f names
 * are built, the others checked by skip_value(). */
static cJSON *container(parser_t *x, int obj, const cot_json_sub_t *f)
{
    if (++x->depth > COT_JSON_FAST_DEPTH) return NULL;
    char close = obj ? '}' : ']';
    cJSON *c = node(obj ? cJSON_CreateObject() : cJSON_CreateArray()), *last = NULL;
    x->p++;
    skip_ws(x);
    if (x->p < x->end && *x->p == close) {
        x->p++;
        x->depth--;
        return c;
    }
    for (;;) {
        char *key = NULL;
        if (obj) {
            if (x->p >= x->end || *x->p != '"' || string(x) < 0) goto fail;
            int build = !f || sub_wanted(f, x->tmp);
            key = build ? tmp_dup(x->tmp) : NULL;
            skip_ws(x);
            if (x->p >= x->end || *x->p != ':') { cJSON_free(key); goto fail; }
            x->p++;
            skip_ws(x);
            if (!build) {
                if (skip_value(x) < 0) goto fail;
                x->skipped++;
                goto next;
            }
        }
        cJSON *v = value(x);
        if (!v) { cJSON_free(key); goto fail; }
        v->string = key;
        link_child(c, &last, v);
    next:
        skip_ws(x);
        if (x->p < x->end && *x->p == ',') { x->p++; skip_ws(x); continue; }
        if (x->p < x->end && *x->p == close) { x->p++; break; }
        goto fail;
    }
    x->depth--;
    return c;
fail:
    cJSON_Delete(c);
    return NULL;
}

static cJSON *value(parser_t *x)
{
    if (x->p >= x->end) return NULL;
    cJSON *v;
    switch (*x->p) {
    case '{': return container(x, 1, NULL);
    case '[': return container(x, 0, NULL);
    case '"':
        if (string(x) < 0) return NULL;
        v = node(cJSON_CreateNull());
        v->type = cJSON_String;
        v->valuestring = tmp_dup(x->tmp);
        return v;
    case 't':
        if (literal(x, "true", 4) < 0) return NULL;
        v = node(cJSON_CreateTrue());
        v->valueint = 1;               /* as cJSON's parser sets it */
        return v;
    case 'f': return literal(x, "false", 5) < 0 ? NULL : node(cJSON_CreateFalse());
    case 'n': return literal(x, "null", 4) < 0 ? NULL : node(cJSON_CreateNull());
    default:
        if (*x->p == '-' || (*x->p >= '0' && *x->p <= '9')) return number(x);
        return NULL;
    }
}

cJSON *cot_json_parse_fast(const char *text, size_t n, cot_buf_t *scratch)
{
    return cot_json_parse_members(text, n, scratch, NULL);
}

/* ---- members: checked, not built ---------------------------------------- */

/* string() without the decoding: the same acceptance, nothing copied. */
static int skip_string(parser_t *x)
{
    x->p++;
#ifdef __SSE2__
    if (!json_scalar_strings) {
        int r = str_blocks(x, NULL);
        if (r) return r > 0 ? 0 : -1;
    }
#endif
    for (;;) {
        x->p += plain_run(x->p, (size_t)(x->end - x->p));
        if (x->p >= x->end) return -1;
        unsigned c = *x->p;
        if (c >= 0x80) {
            /* a run of non-ASCII text: sequence after sequence */
            do {
                size_t l = cot_utf8_seq(x->p, (size_t)(x->end - x->p));
                if (!l) return -1;
                x->p += l;
            } while (x->p < x->end && *x->p >= 0x80);
            continue;
        }
        if (c < 0x20) return -1;
        if (c == '"') {
            x->p++;
            return 0;
        }
        if (x->end - x->p < 2) return -1;
        unsigned char e = x->p[1];
        x->p += 2;
        switch (e) {
        case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't': break;
        case '/': x->canon = 0; break;
        case 'u': {
            char u[4];
            const unsigned char *h = x->p;
            int k = unicode(x, u);
            if (k < 0) return -1;
            if (x->canon && !canon_u(h, u, k)) x->canon = 0;
            break;
        }
        default: return -1;
        }
    }
}

static int skip_value(parser_t *x);

/* container() without the nodes. */
static int skip_container(parser_t *x, int obj)
{
    if (++x->depth > COT_JSON_FAST_DEPTH) return -1;
    char close = obj ? '}' : ']';
    x->p++;
    skip_ws(x);
    if (x->p < x->end && *x->p == close) {
        x->p++;
        x->depth--;
        return 0;
    }
    for (;;) {
        if (obj) {
            if (x->p >= x->end || *x->p != '"' || skip_string(x) < 0) return -1;
            skip_ws(x);
            if (x->p >= x->end || *x->p != ':') return -1;
            x->p++;
            skip_ws(x);
        }
        if (skip_value(x) < 0) return -1;
        skip_ws(x);
        if (x->p < x->end && *x->p == ',') { x->p++; skip_ws(x); continue; }
        if (x->p < x->end && *x->p == close) { x->p++; break; }
        return -1;
    }
    x->depth--;
    return 0;
}

/* value() without the nodes: 0, or -1 where value() gives up. */
static int skip_value(parser_t *x)
{
    if (x->p >= x->end) return -1;
    switch (*x->p) {
    case '{': return skip_container(x, 1);
    case '[': return skip_container(x, 0);
    case '"': return skip_string(x);
    case 't': return literal(x, "true", 4);
    case 'f': return literal(x, "false", 5);
    case 'n': return literal(x, "null", 4);
    default:
        if (*x->p == '-' || (*x->p >= '0' && *x->p <= '9')) return scan_number(x) ? 0 : -1;
        return -1;
    }
}

/* The index of key in m's keys + 1; 0: not named; -1: every key wanted. */
static long wanted(const cot_json_members_t *m, const cot_buf_t *key)
{
    if (!m || !m->keys) return -1;
    for (size_t i = 0; i < m->nkeys; i++)
        if (strlen(m->keys[i]) == key->len && !memcmp(m->keys[i], key->s, key->len))
            return (long)i + 1;
    return 0;
}

static int sub_wanted(const cot_json_sub_t *f, const cot_buf_t *key)
{
    for (size_t i = 0; i < f->n; i++)
        if (strlen(f->keys[i]) == key->len && !memcmp(f->keys[i], key->s, key->len))
            return 1;
    return 0;
}

static void add_span(cot_json_members_t *m, size_t start, size_t key_end, size_t end)
{
    if (m->nspan == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->span = cot_realloc(m->span, m->cap * sizeof *m->span);
    }
    m->span[m->nspan++] = (cot_json_span_t){start, key_end, end};
}

/* The top-level object: container(x, 1) with the members filtered and
 * their spans recorded. */
static cJSON *top(parser_t *x, const unsigned char *base, cot_json_members_t *m)
{
    ++x->depth;
    cJSON *c = node(cJSON_CreateObject()), *last = NULL;
    x->p++;
    skip_ws(x);
    if (x->p < x->end && *x->p == '}') {
        x->p++;
        x->depth--;
        return c;
    }
    for (;;) {
        size_t start = (size_t)(x->p - base);
        if (x->p >= x->end || *x->p != '"' || string(x) < 0) goto fail;
        size_t key_end = (size_t)(x->p - base);
        long build = wanted(m, x->tmp);
        char *key = build ? tmp_dup(x->tmp) : NULL;
        skip_ws(x);
        if (x->p >= x->end || *x->p != ':') { cJSON_free(key); goto fail; }
        x->p++;
        skip_ws(x);
        if (build) {
            const cot_json_sub_t *f = build > 0 && m->sub ? &m->sub[build - 1] : NULL;
            cJSON *v = f && f->keys && x->p < x->end && *x->p == '{' ? container(x, 1, f)
                                                                     : value(x);
            if (!v) { cJSON_free(key); goto fail; }
            v->string = key;
            link_child(c, &last, v);
        } else {
            if (skip_value(x) < 0) goto fail;
            m->skipped++;
        }
        if (m) add_span(m, start, key_end, (size_t)(x->p - base));
        skip_ws(x);
        if (x->p < x->end && *x->p == ',') { x->p++; skip_ws(x); continue; }
        if (x->p < x->end && *x->p == '}') { x->p++; break; }
        goto fail;
    }
    x->depth--;
    return c;
fail:
    cJSON_Delete(c);
    return NULL;
}

cJSON *cot_json_parse_members(const char *text, size_t n, cot_buf_t *scratch,
                              cot_json_members_t *m)
{
    const unsigned char *base = (const unsigned char *)text;
    parser_t x = {base, base + n, scratch, 0, 1, 0, 0};
    if (m) {
        m->nspan = m->skipped = 0;
        m->canonical = m->spaced = 0;
    }
    while (x.p < x.end && (*x.p == ' ' || *x.p == '\t' || *x.p == '\r')) x.p++;
    if (x.p != base) x.spaced = 1;
    if (x.p >= x.end || *x.p != '{') return NULL;
    cJSON *o = top(&x, base, m);
    if (!o) {
        if (m) m->nspan = m->skipped = 0;
        return NULL;
    }
    if (x.p != x.end) x.spaced = 1;
    while (x.p < x.end && (*x.p == ' ' || *x.p == '\t' || *x.p == '\r')) x.p++;
    if (x.p != x.end) {
        cJSON_Delete(o);
        if (m) m->nspan = m->skipped = 0;
        return NULL;
    }
    if (m) {
        m->canonical = x.canon && !x.spaced;
        m->spaced = x.canon && x.spaced;
        m->skipped += x.skipped;
    }
    return o;
}

void cot_json_members_free(cot_json_members_t *m)
{
    free(m->span);
    m->span = NULL;
    m->nspan = m->cap = m->skipped = 0;
    m->canonical = m->spaced = 0;
}

/* Whether span s of text holds the key k (the line is canonical, so its
 * key is written as cot_buf_add_json_str() writes k). */
static int span_is(const char *text, const cot_json_span_t *s, const char *k, cot_buf_t *enc)
{
    size_t n = strlen(k), i = 0;
    while (i < n && (unsigned char)k[i] >= 0x20 && k[i] != '"' && k[i] != '\\') i++;
    if (i == n)                          /* written as it is: "judge" */
        return s->key_end - s->start == n + 2 && !memcmp(text + s->start + 1, k, n);
    cot_buf_clear(enc);
    cot_buf_add_json_str(enc, k, n);
    return s->key_end - s->start == enc->len && !memcmp(text + s->start, enc->s, enc->len);
}

static int is_jws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* After the opening quote at p[0]: the index after the closing one.  The
 * text passed the parser, so the string is closed. */
static size_t str_len(const char *p, size_t n)
{
    size_t i = 1;
    for (;;) {
        const char *q = memchr(p + i, '"', n - i);
        if (!q) return n;
        size_t j = (size_t)(q - p), b = 0;
        while (p[j - 1 - b] == '\\') b++;
        if (!(b & 1)) return j + 1;
        i = j + 1;
    }
}

/* Append the value p[0..n) (parsed, canonical but for whitespace between
 * tokens) without that whitespace: a string or a scalar as it is, a
 * container token by token. */
static void add_squeezed(cot_buf_t *out, const char *p, size_t n)
{
    if (*p != '{' && *p != '[') { cot_buf_add(out, p, n); return; }
    cot_buf_reserve(out, n);
    for (size_t i = 0; i < n;) {
        if (p[i] == '"') {
            size_t k = str_len(p + i, n - i);
            cot_buf_add(out, p + i, k);
            i += k;
        } else {
            if (!is_jws(p[i])) out->s[out->len++] = p[i];
            i++;
        }
    }
}

/* cot_json_splice() of a spaced line: member by member, each key as it is
 * and each value squeezed (a replaced one as given), then the appended
 * ones. */
static void splice_spaced(cot_buf_t *out, const char *text, const cot_json_members_t *m,
                          const cot_json_set_t *set, const size_t *at, size_t nat,
                          const size_t *app, size_t napp)
{
    size_t k = 0;
    cot_buf_addc(out, '{');
    for (size_t i = 0; i < m->nspan; i++) {
        const cot_json_span_t *sp = &m->span[i];
        if (i) cot_buf_addc(out, ',');
        size_t r = 0;
        while (r < nat && at[2 * r] != i) r++;
        if (r < nat) {
            const cot_json_set_t *v = &set[at[2 * r + 1]];
            cot_buf_add_json_str(out, v->key, strlen(v->key));
            cot_buf_addc(out, ':');
            cot_buf_add(out, v->text, v->len);
            continue;
        }
        cot_buf_add(out, text + sp->start, sp->key_end - sp->start);
        cot_buf_addc(out, ':');
        size_t v = sp->key_end;
        while (is_jws(text[v])) v++;
        v++;                                            /* the ':' */
        while (is_jws(text[v])) v++;
        add_squeezed(out, text + v, sp->end - v);
    }
    for (; k < napp; k++) {
        const cot_json_set_t *v = &set[app[k]];
        if (m->nspan || k) cot_buf_addc(out, ',');
        cot_buf_add_json_str(out, v->key, strlen(v->key));
        cot_buf_addc(out, ':');
        cot_buf_add(out, v->text, v->len);
    }
    cot_buf_addc(out, '}');
}

int cot_json_splice(cot_buf_t *out, const char *text, size_t n,
                    const cot_json_members_t *m, const cot_json_set_t *set, size_t nset)
{
    if (!(m->canonical || m->spaced) || nset > COT_JSON_SPLICE_MAX || n < 2) return -1;
    size_t close = n - 1;       /* the closing brace */
    if (m->spaced) {
        while (close > 0 && is_jws(text[close])) close--;
        if (text[close] != '}') return -1;
        if (m->nspan) {
            size_t e = m->span[m->nspan - 1].end;
            if (e > close) return -1;
            while (e < close && is_jws(text[e])) e++;
            if (e != close) return -1;                  /* not this line's */
        }
    } else if (m->nspan && m->span[m->nspan - 1].end != n - 1) {
        return -1;                                      /* not this line's */
    }
    /* Where each new member goes: the first member with its key (one set
     * before it may have put it there, or appended it), else the end. */
    struct { size_t span, set; } slot[COT_JSON_SPLICE_MAX];
    size_t nslot = 0, total = n;
    cot_buf_t enc = {0};
    for (size_t i = 0; i < nset; i++) {
        size_t s = 0;
        while (s < nslot && strcmp(set[slot[s].set].key, set[i].key)) s++;
        if (s < nslot) { slot[s].set = i; continue; }
        size_t k = 0;
        while (k < m->nspan && !span_is(text, &m->span[k], set[i].key, &enc)) k++;
        slot[nslot].span = k < m->nspan ? k : (size_t)-1;
        slot[nslot++].set = i;
    }
    cot_buf_free(&enc);
    for (size_t i = 0; i < nslot; i++)
        total += 2 * strlen(set[slot[i].set].key) + 8 + set[slot[i].set].len;
    cot_buf_reserve(out, total);
    if (m->spaced) {
        size_t at[2 * COT_JSON_SPLICE_MAX], app[COT_JSON_SPLICE_MAX], nat = 0, napp = 0;
        for (size_t i = 0; i < nslot; i++) {
            if (slot[i].span == (size_t)-1) { app[napp++] = slot[i].set; continue; }
            at[2 * nat] = slot[i].span;
            at[2 * nat++ + 1] = slot[i].set;
        }
        splice_spaced(out, text, m, set, at, nat, app, napp);
        return 0;
    }
    /* The members replaced in place, in the order of the line. */
    size_t pos = 0, appended = 0;
    for (;;) {
        size_t best = (size_t)-1;
        for (size_t i = 0; i < nslot; i++)
            if (slot[i].span != (size_t)-1 && m->span[slot[i].span].start >= pos &&
                (best == (size_t)-1 || slot[i].span < slot[best].span)) best = i;
        if (best == (size_t)-1) break;
        const cot_json_span_t *sp = &m->span[slot[best].span];
        const cot_json_set_t *v = &set[slot[best].set];
        cot_buf_add(out, text + pos, sp->start - pos);
        cot_buf_add_json_str(out, v->key, strlen(v->key));
        cot_buf_addc(out, ':');
        cot_buf_add(out, v->text, v->len);
        pos = sp->end;
    }
    cot_buf_add(out, text + pos, n - 1 - pos);              /* up to the '}' */
    for (size_t i = 0; i < nslot; i++) {
        if (slot[i].span != (size_t)-1) continue;
        const cot_json_set_t *v = &set[slot[i].set];
        if (m->nspan || appended++) cot_buf_addc(out, ',');
        cot_buf_add_json_str(out, v->key, strlen(v->key));
        cot_buf_addc(out, ':');
        cot_buf_add(out, v->text, v->len);
    }
    cot_buf_addc(out, '}');
    return 0;
}

int cot_json_member_find(const char *text, const cot_json_members_t *m, const char *key,
                         size_t *v, size_t *end)
{
    size_t n = strlen(key);
    for (size_t i = 0; i < m->nspan; i++) {
        const cot_json_span_t *s = &m->span[i];
        const char *k = text + s->start + 1;
        size_t kl = s->key_end - s->start - 2;
        if (memchr(k, '\\', kl)) return -1;          /* cJSON decodes names */
        if (kl != n || memcmp(k, key, n)) continue;
        size_t p = s->key_end;
        while (is_jws(text[p])) p++;
        p++;                                            /* the ':' */
        while (is_jws(text[p])) p++;
        *v = p;
        *end = s->end;
        return 1;
    }
    return 0;
}

int cot_json_member_count(const char *text, const cot_json_members_t *m, const char *key)
{
    size_t n = strlen(key);
    int count = 0;
    for (size_t i = 0; i < m->nspan; i++) {
        const cot_json_span_t *s = &m->span[i];
        const char *k = text + s->start + 1;
        size_t kl = s->key_end - s->start - 2;
        if (memchr(k, '\\', kl)) return -1;
        count += kl == n && !memcmp(k, key, n);
    }
    return count;
}

int cot_json_fastpath_off(void)
{
    const char *e = getenv("COT_JSON_NO_FASTPATH");
    if (!e || !*e || !strcmp(e, "0")) return 0;
    return strcmp(e, "cjson") ? 1 : 2;
}

/* ---- source text for cJSON's trees ------------------------------------- */

typedef struct {
    const char *p, *end;
    cot_buf_t num;
} numscan_t;

/* The next number outside strings, as cJSON's parse_number reads it: the
 * run of [0-9+-.eE] that starts it, as far as strtod takes it.  Its length,
 * with the text in z->num; 0 when there is none. */
static size_t next_number(numscan_t *z)
{
    while (z->p < z->end) {
        char c = *z->p;
        if (c == '"') {                  /* a string (or a key): skip it */
            for (z->p++; z->p < z->end && *z->p != '"'; z->p++)
                if (*z->p == '\\') z->p++;
            z->p++;
            continue;
        }
        if (c != '-' && (c < '0' || c > '9')) { z->p++; continue; }
        size_t k = 0;
        while (z->p + k < z->end && strchr("0123456789+-.eE", z->p[k]) && z->p[k]) k++;
        cot_buf_clear(&z->num);
        cot_buf_add(&z->num, z->p, k);
        char *e;
        (void)strtod(cot_buf_cstr(&z->num), &e);
        k = (size_t)(e - z->num.s);
        if (k == 0) { z->p++; continue; }
        z->num.len = k;
        z->num.s[k] = '\0';
        z->p += k;
        return k;
    }
    return 0;
}

/* The first number of text[0..n), outside strings, that cJSON reads and
 * RFC 8259 does not ("01", "-00", "1.", "-.5", "1.e5"): its offset, with
 * its text in *num; -1 when every number is JSON. */
long cot_json_loose_number(const char *text, size_t n, cot_buf_t *num)
{
    numscan_t z = {text, text + n, {0}};
    long at = -1;
    size_t k;
    while ((k = next_number(&z))) {
        parser_t x = {0};
        x.p = (const unsigned char *)z.p - k;
        x.end = (const unsigned char *)z.p;
        if (rfc_number(&x) == k) continue;
        at = (long)(z.p - k - text);
        cot_buf_clear(num);
        cot_buf_add(num, z.num.s, k);
        cot_buf_cstr(num);
        break;
    }
    cot_buf_free(&z.num);
    return at;
}

/* Every number node, in document order, takes the next number of the
 * text (a node that has its text already keeps it). */
static int keep(cJSON *j, numscan_t *z)
{
    for (; j; j = j->next) {
        if (cJSON_IsNumber(j)) {
            size_t k = next_number(z);
            if (!k) return -1;
            if (!j->valuestring) {
                if (!(j->valuestring = cJSON_malloc(k + 1))) cot_die(COT_EXIT_IO, "out of memory");
                memcpy(j->valuestring, z->num.s, k + 1);
            }
        }
        if (j->child && keep(j->child, z) < 0) return -1;
    }
    return 0;
}

/* After a failed keep(): no number keeps a text that may be wrong. */
static void unkeep(cJSON *j)
{
    for (; j; j = j->next) {
        if (cJSON_IsNumber(j) && j->valuestring) {
            cJSON_free(j->valuestring);
            j->valuestring = NULL;
        }
        if (j->child) unkeep(j->child);
    }
}

int cot_json_keep_numbers(cJSON *root, const char *text, size_t n)
{
    if (!root) return 0;
    numscan_t z = {text, text + n, {0}};
    cJSON *next = root->next;
    root->next = NULL;                   /* the value, not its siblings */
    int r = keep(root, &z);
    if (r < 0) unkeep(root);
    root->next = next;
    cot_buf_free(&z.num);
    return r;
}

static pthread_mutex_t cjson_lock = PTHREAD_MUTEX_INITIALIZER;

cJSON *cot_cjson_parse(const char *text, size_t n, const char **end)
{
    const char *e = NULL;
    pthread_mutex_lock(&cjson_lock);
    cJSON *j = cJSON_ParseWithLengthOpts(text, n, &e, 0);
    pthread_mutex_unlock(&cjson_lock);
    if (end) *end = e;
    return j;
}

cJSON *cot_json_parse(const char *text, size_t n)
{
    cot_buf_t scratch = {0};
    cJSON *j = cot_json_parse_fast(text, n, &scratch);
    cot_buf_free(&scratch);
    if (j) return j;
    if (!(j = cot_cjson_parse(text, n, NULL))) return NULL;
    cot_buf_t num = {0};
    long loose = cot_json_loose_number(text, n, &num);
    cot_buf_free(&num);
    if (loose >= 0) {                    /* cJSON's, not JSON's */
        cJSON_Delete(j);
        return NULL;
    }
    if (cot_json_keep_numbers(j, text, n) < 0)
        cot_die(COT_EXIT_IO, "internal error: numbers not found in their text");
    return j;
}

/* cJSON's own test that a %1.15g spelling reads back. */
static int close_enough(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= m * DBL_EPSILON;
}

/* Direct writes into b: room made first (cot_buf_reserve() keeps a byte
 * for the NUL, which cot_json_print() writes at the end). */
static inline void put(cot_buf_t *b, char c)
{
    if (b->len + 2 > b->cap) cot_buf_reserve(b, 1);
    b->s[b->len++] = c;
}

static inline void put_n(cot_buf_t *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) cot_buf_reserve(b, n);
    memcpy(b->s + b->len, p, n);
    b->len += n;
}

/* An integral |d| < 1e15, as %1.15g spells it: its exact digits, no
 * exponent, and "-0" for negative zero. */
static void add_integer(cot_buf_t *b, double d)
{
    char s[24], *p = s + sizeof s;
    uint64_t v = (uint64_t)fabs(d);
    do *--p = (char)('0' + v % 10); while (v /= 10);
    if (signbit(d)) *--p = '-';
    put_n(b, p, (size_t)(s + sizeof s - p));
}

static void print_number(cot_buf_t *b, const cJSON *j)
{
    if (j->valuestring) { put_n(b, j->valuestring, strlen(j->valuestring)); return; }
    double d = j->valuedouble, t;
    char s[32];
    if (isnan(d) || isinf(d)) { put_n(b, "null", 4); return; }
    /* Counts, offsets and lengths: integers, written without printf. */
    if (fabs(d) < 1e15 && d == (double)(int64_t)d) { add_integer(b, d); return; }
    snprintf(s, sizeof s, "%1.15g", d);
    t = strtod(s, NULL);                 /* what cJSON's sscanf("%lg") reads */
    /* cJSON's epsilon test lets 2^53 through as 9.00719925474099e+15, which
     * reads back as ...990: a count or a sum changed in passing.  A whole
     * number below 2^64 must read back as itself, and one near DBL_MAX
     * as a number (1.79769313486232e+308 reads as infinity, which that
     * test takes as close). */
    if (!close_enough(t, d) || isinf(t) ||
        (t != d && d == floor(d) && fabs(d) < 0x1p64))
        snprintf(s, sizeof s, "%1.17g", d);
    put_n(b, s, strlen(s));
}

void cot_json_print_number(cot_buf_t *b, const cJSON *j)
{
    print_number(b, j);
    cot_buf_cstr(b);
}

/* A key or a string value: a short one with nothing to escape (the keys
 * and most values a tool writes) in one copy, any other as
 * cot_buf_add_json_str() writes it. */
static void print_str(cot_buf_t *b, const char *s)
{
    if (!s) s = "";                      /* cJSON prints NULL as "" */
    size_t n = 0;
    for (; n < 64 && s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x20 || c == '"' || c == '\\') break;
    }
    if (s[n]) {
        cot_buf_add_json_str(b, s, n + strlen(s + n));
        return;
    }
    if (b->len + n + 3 > b->cap) cot_buf_reserve(b, n + 2);
    char *o = b->s + b->len;
    *o++ = '"';
    memcpy(o, s, n);
    o[n] = '"';
    b->len += n + 2;
}

static int print(cot_buf_t *b, const cJSON *j)
{
    switch (j->type & 0xFF) {
    case cJSON_False: put_n(b, "false", 5); return 0;
    case cJSON_True: put_n(b, "true", 4); return 0;
    case cJSON_NULL: put_n(b, "null", 4); return 0;
    case cJSON_Number: print_number(b, j); return 0;
    case cJSON_String: print_str(b, j->valuestring); return 0;
    case cJSON_Raw:
        if (!j->valuestring) return -1;
        put_n(b, j->valuestring, strlen(j->valuestring));
        return 0;
    case cJSON_Array:
    case cJSON_Object: {
        int obj = (j->type & 0xFF) == cJSON_Object;
        put(b, obj ? '{' : '[');
        for (const cJSON *c = j->child; c; c = c->next) {
            if (c != j->child) put(b, ',');
            if (obj) {
                print_str(b, c->string);
                put(b, ':');
            }
            if (print(b, c) < 0) return -1;
        }
        put(b, obj ? '}' : ']');
        return 0;
    }
    default: return -1;
    }
}

int cot_json_print(cot_buf_t *b, const cJSON *j)
{
    int r = print(b, j);
    cot_buf_cstr(b);
    return r;
}
