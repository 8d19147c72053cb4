/* diff.c -- see diff.h */
#include "diff.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- tokens ------------------------------------------------------------ */

enum { TK_WS, TK_WORD, TK_DIGIT, TK_SINGLE };

/* Decode one code point; an invalid or truncated sequence is one byte with
 * code point UINT32_MAX. */
static size_t u8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    unsigned c = p[0];
    size_t len;
    uint32_t v;
    if (c < 0x80) { *cp = c; return 1; }
    if (c >= 0xC2 && c <= 0xDF)      { len = 2; v = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; v = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; v = c & 0x07; }
    else { *cp = UINT32_MAX; return 1; }
    if (len > n) { *cp = UINT32_MAX; return 1; }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) { *cp = UINT32_MAX; return 1; }
        v = v << 6 | (p[i] & 0x3F);
    }
    *cp = v;
    return len;
}

static int tk_class(uint32_t c)
{
    if (c < 0x80) {
        if (c == ' ' || (c >= '\t' && c <= '\r')) return TK_WS;
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return TK_WORD;
        if (c == '_') return TK_WORD;
        if (c >= '0' && c <= '9') return TK_DIGIT;
        return TK_SINGLE;
    }
    if (c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
        c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000)
        return TK_WS;
    if (c < 0xC0 || c == 0xD7 || c == 0xF7) return TK_SINGLE; /* Latin-1 signs */
    if (c >= 0x2000) return TK_SINGLE;   /* punctuation, symbols, CJK, emoji */
    return TK_WORD;                       /* letters of alphabetic scripts    */
}

/* Classes of the ASCII bytes, so the common case needs no decoding. */
static const unsigned char ascii_class[128] = {
#define W TK_WS
#define L TK_WORD
#define D TK_DIGIT
#define S TK_SINGLE
    S, S, S, S, S, S, S, S, S, W, W, W, W, W, S, S,     /* \t..\r are space */
    S, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,
    W, S, S, S, S, S, S, S, S, S, S, S, S, S, S, S,     /* ' ' */
    D, D, D, D, D, D, D, D, D, D, S, S, S, S, S, S,     /* 0-9 */
    S, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,     /* A-O */
    L, L, L, L, L, L, L, L, L, L, L, S, S, S, S, L,     /* P-Z, _ */
    S, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,     /* a-o */
    L, L, L, L, L, L, L, L, L, L, L, S, S, S, S, S,     /* p-z */
#undef W
#undef L
#undef D
#undef S
};

/* Class of the code point at p[i] (of n), and its length in *len. */
static inline int class_at(const unsigned char *p, size_t n, size_t i, size_t *len)
{
    if (p[i] < 0x80) { *len = 1; return ascii_class[p[i]]; }
    uint32_t c;
    *len = u8_next(p + i, n - i, &c);
    return tk_class(c);
}

/* The class of the byte at p[*i] that the tokenizers' table loop leaves
 * (a '.' or a non-ASCII lead byte), *i moved past its character: a '.'
 * after a digit and before one is a digit (the number rule). */
static inline int class_slow(const unsigned char *p, size_t n, size_t *i, int prev)
{
    if (p[*i] == '.') {
        int e = prev == TK_DIGIT && *i + 1 < n && p[*i + 1] >= '0' && p[*i + 1] <= '9'
                ? TK_DIGIT : TK_SINGLE;
        (*i)++;
        return e;
    }
    size_t l;
    int e = class_at(p, n, *i, &l);
    *i += l;
    return e;
}

/* The tokenizers' state between runs: tokens and whitespace tokens so far,
 * and the class of the last character (-1 before the first). */
typedef struct {
    size_t nt, ws;
    int prev;
} tk_state_t;

/* The scalar tokenizer, the reference for the SIMD one below: from p[i]
 * until at least p[to] of p[0..n) (a character may run past to), the
 * start of each token into starts when not NULL, counts into *s; returns
 * where it stopped.  No branches on the common ASCII bytes: a token starts
 * where the class changes and at every single, a '.' between two digits
 * counting as a digit (the number rule). */
static size_t tok_scalar(const unsigned char *p, size_t i, size_t to, size_t n,
                         uint32_t *starts, tk_state_t *s)
{
    size_t nt = s->nt, ws = s->ws;
    int prev = s->prev;
    while (i < to) {
        /* The common bytes: ASCII other than '.', one table look-up each. */
        if (starts) {
            for (; i < to; i++) {
                unsigned c = p[i];
                if (c >= 0x80 || c == '.') break;
                int e = ascii_class[c];
                size_t start = (e != prev) | (e == TK_SINGLE);
                starts[nt] = (uint32_t)i;
                nt += start;
                ws += start & (e == TK_WS);
                prev = e;
            }
        } else {
            for (; i < to; i++) {
                unsigned c = p[i];
                if (c >= 0x80 || c == '.') break;
                int e = ascii_class[c];
                size_t start = (e != prev) | (e == TK_SINGLE);
                nt += start;
                ws += start & (e == TK_WS);
                prev = e;
            }
        }
        if (i >= to) break;
        size_t at = i;
        int e = class_slow(p, n, &i, prev);
        size_t start = (e != prev) | (e == TK_SINGLE);
        if (starts) starts[nt] = (uint32_t)at;
        nt += start;
        ws += start & (e == TK_WS);
        prev = e;
    }
    s->nt = nt;
    s->ws = ws;
    s->prev = prev;
    return i;
}

#ifdef __SSE2__
/* 0xFF at each byte of v (all below 0x80) in lo..hi: the range moved to
 * the bottom of the signed bytes, one compare. */
static inline __m128i in_range(__m128i v, int lo, int hi)
{
    return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo))),
                          _mm_set1_epi8((char)(-128 + hi - lo + 1)));
}

/* The 16 bytes v at p[i] of p[0..n) (i + 16 <= n), all ASCII, the class
 * of the character before them in byte 15 of *cls: 0xFF in *start at each
 * byte that starts a token and in *ws at each whitespace byte; *cls
 * becomes their classes.  The same rule as tok_scalar(), the classes by
 * range compares, each compared with the one before it (the vector
 * shifted by a byte, the last class carried in).  A '.' is a digit when
 * the byte before it is a digit and the byte after it is one: the
 * character before a '.' is then the byte before it (every ASCII byte is
 * decoded on its own), and its class is a digit exactly when that byte is
 * one (a '.' before a '.' is never a digit, the byte after it being no
 * digit), which is the scalar rule's prev == TK_DIGIT. */
static inline void tok_chunk(const unsigned char *p, size_t i, size_t n, __m128i v,
                             __m128i letters, __m128i *cls, __m128i *start, __m128i *ws)
{
    const __m128i ones = _mm_set1_epi8(-1);
    __m128i sp = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')), in_range(v, '\t', '\r'));
    __m128i word = _mm_or_si128(in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z'),
                                _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
    word = _mm_or_si128(word, letters);
    __m128i dig = in_range(v, '0', '9');
    __m128i dot = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
    if (_mm_movemask_epi8(dot)) {
        int before = i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9';
        int after = i + 16 < n && p[i + 16] >= '0' && p[i + 16] <= '9';
        __m128i dp = _mm_or_si128(_mm_slli_si128(dig, 1), _mm_cvtsi32_si128(before ? 0xFF : 0));
        __m128i dn = _mm_or_si128(_mm_srli_si128(dig, 1),
                                  _mm_slli_si128(_mm_cvtsi32_si128(after ? 0xFF : 0), 15));
        dig = _mm_or_si128(dig, _mm_and_si128(dot, _mm_and_si128(dp, dn)));
    }
    __m128i single = _mm_xor_si128(_mm_or_si128(_mm_or_si128(sp, word), dig), ones);
    __m128i c = _mm_or_si128(_mm_or_si128(_mm_and_si128(word, _mm_set1_epi8(TK_WORD)),
                                          _mm_and_si128(dig, _mm_set1_epi8(TK_DIGIT))),
                             _mm_and_si128(single, _mm_set1_epi8(TK_SINGLE)));
    __m128i pc = _mm_or_si128(_mm_slli_si128(c, 1), _mm_srli_si128(*cls, 15));
    *start = _mm_or_si128(_mm_xor_si128(_mm_cmpeq_epi8(c, pc), ones), single);
    *ws = sp;
    *cls = c;
}

/* The bytes of the 16 at v (hi: those >= 0x80) when every non-ASCII
 * byte among them belongs to a letter of two bytes wholly inside them,
 * else none: a lead 0xC3..0xDF (U+00C0..U+07FF, Latin to N'Ko, classed a
 * word by tk_class()) but not U+00D7 or U+00F7 (signs), each followed by
 * a continuation byte.  Such a chunk is cut as ASCII with those bytes
 * taken as letters: a letter's second byte, a word after its first, never
 * starts a token, as in the scalar rule where the letter is one character
 * of a word.  (Lead 0xC2 is signs and spaces, longer sequences and stray
 * bytes go to the scalar rule.) */
static inline __m128i two_byte_letters(__m128i v, unsigned hi)
{
    __m128i lead = in_range(v, 0xC3, 0xDF), cont = in_range(v, 0x80, 0xBF);
    unsigned ml = (unsigned)_mm_movemask_epi8(lead), mc = (unsigned)_mm_movemask_epi8(cont);
    unsigned sign = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC3))) << 1 &
                    (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)0x97)),
                                                             _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xB7))));
    if ((ml & 0x8000) || ml << 1 != mc || (ml | mc) != hi || sign) return _mm_setzero_si128();
    return _mm_or_si128(lead, cont);
}

/* A class in byte 15, as tok_chunk() carries it, and back. */
static inline __m128i cls_in(int prev)
{
    return _mm_slli_si128(_mm_cvtsi32_si128(prev & 0xFF), 15);
}
static inline int cls_out(__m128i c)
{
    int e = _mm_extract_epi16(c, 7) >> 8;
    return e == 0xFF ? -1 : e;
}

static inline void add_counts(__m128i cnt, __m128i cws, tk_state_t *s)
{
    const __m128i zero = _mm_setzero_si128();
    __m128i a = _mm_sad_epu8(cnt, zero), b = _mm_sad_epu8(cws, zero);
    s->nt += (size_t)_mm_cvtsi128_si32(a) + (size_t)_mm_extract_epi16(a, 4);
    s->ws += (size_t)_mm_cvtsi128_si32(b) + (size_t)_mm_extract_epi16(b, 4);
}
#endif

/* The tokenizer: the start of each token into starts when not NULL (room
 * for n entries), the counts into *s; 16 ASCII bytes at a time with SSE2
 * unless scalar, the rest (a chunk's bytes up to the end of its first
 * non-ASCII character, the tail) by tok_scalar(), with the same result. */
static void tok_run(const char *text, size_t n, uint32_t *starts, tk_state_t *s,
                    int scalar)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    *s = (tk_state_t){0, 0, -1};
#ifdef __SSE2__
    if (!scalar && n >= 16) {
        const __m128i zero = _mm_setzero_si128();
        __m128i cnt = zero, cws = zero;     /* per-byte counts, < 255 chunks */
        __m128i cls = cls_in(-1);
        unsigned chunks = 0;
        while (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i)), st, sp;
            unsigned hi = (unsigned)_mm_movemask_epi8(v);
            __m128i letters = zero;
            if (hi && !(letters = two_byte_letters(v, hi), _mm_movemask_epi8(letters))) {
                /* to the first non-ASCII character's end */
                s->prev = cls_out(cls);
                i = tok_scalar(p, i, i + (size_t)__builtin_ctz(hi) + 1, n, starts, s);
                cls = cls_in(s->prev);
                continue;
            }
            tok_chunk(p, i, n, v, letters, &cls, &st, &sp);
            if (starts) {
                /* Eight starts written whatever their number, eight more
                 * when there are more, so the common chunk takes no
                 * branch on it (there is room: at most i tokens start
                 * before byte i, and i + 16 <= n); the whitespace tokens
                 * counted by bytes as without starts. */
                unsigned m = (unsigned)_mm_movemask_epi8(st);
                __m128i c = _mm_sad_epu8(_mm_and_si128(st, _mm_set1_epi8(1)), zero);
                size_t k = (size_t)_mm_cvtsi128_si32(c) + (size_t)_mm_extract_epi16(c, 4);
                uint32_t *o = starts + s->nt, at = (uint32_t)i;
                unsigned mm = m | 0xFFFF0000u;  /* ctz defined past the last */
#define START1(j) (o[j] = at + (uint32_t)__builtin_ctz(mm), mm &= mm - 1)
                START1(0); START1(1); START1(2); START1(3);
                START1(4); START1(5); START1(6); START1(7);
                if (k > 8) {
                    START1(8); START1(9); START1(10); START1(11);
                    START1(12); START1(13); START1(14); START1(15);
                }
#undef START1
                s->nt += k;
                cws = _mm_sub_epi8(cws, _mm_and_si128(st, sp));
                if (++chunks == 255) {
                    add_counts(zero, cws, s);
                    cws = zero;
                    chunks = 0;
                }
            } else {
                cnt = _mm_sub_epi8(cnt, st);
                cws = _mm_sub_epi8(cws, _mm_and_si128(st, sp));
                if (++chunks == 255) {
                    add_counts(cnt, cws, s);
                    cnt = cws = zero;
                    chunks = 0;
                }
            }
            i += 16;
        }
        add_counts(cnt, cws, s);
        s->prev = cls_out(cls);
    }
#else
    (void)scalar;
#endif
    tok_scalar(p, i, n, n, starts, s);
}

static size_t tokenize(const char *text, size_t n, uint32_t *starts, int scalar)
{
    tk_state_t s;
    tok_run(text, n, starts, &s, scalar);
    return s.nt;
}

/* The tokenizer's counts without its starts (tokens; whitespace tokens in
 * *nws). */
static size_t count_tokens(const char *text, size_t n, size_t *nws, int scalar)
{
    tk_state_t s;
    tok_run(text, n, NULL, &s, scalar);
    *nws = s.ws;
    return s.nt;
}

size_t cot_diff_tokenize(const char *text, size_t n, uint32_t *starts)
{
    size_t ws;
    return starts ? tokenize(text, n, starts, 0) : count_tokens(text, n, &ws, 0);
}

size_t cot_diff_tokens(const char *text, size_t n, uint32_t *starts, size_t *nws,
                       int scalar)
{
    tk_state_t s;
    tok_run(text, n, starts, &s, scalar);
    if (nws) *nws = s.ws;
    return s.nt;
}

/* 1 when q is sure to be a token boundary of p[0..n) whatever came before
 * it: the tokens of p[0..q) are then those of p that end by q, and the
 * tokens of p[q..n) those that start there (the tokenizer starts afresh at
 * every token).  0 when that cannot be told from the bytes around q (it
 * may still be a boundary).  Every byte below 0x80 and every lead byte is
 * a place where the tokenizer decodes (only continuation bytes are ever
 * consumed by a sequence, and only the digit after a '.' by the number
 * rule), which is what lets a code point be read backwards here. */
static int sure_boundary(const char *text, size_t n, size_t q)
{
    const unsigned char *p = (const unsigned char *)text;
    if (q == 0 || q >= n) return 1;
    if ((p[q] & 0xC0) == 0x80) return 0;    /* inside, or a stray byte */
    size_t l;
    int ky = class_at(p, n, q, &l);
    uint32_t c;
    if (p[q] >= 0x80 && (u8_next(p + q, n - q, &c), c == UINT32_MAX)) return 0;
    /* What p[q] starts: a single always stands alone, except a '.' a
     * number may take with the digit after it. */
    if (ky == TK_SINGLE && p[q] != '.') return 1;
    /* The code point that ends at q. */
    int kx;
    unsigned x = p[q - 1];
    if (x < 0x80) {
        kx = ascii_class[x];
        if (x == '.') return !(p[q] >= '0' && p[q] <= '9');
    } else {
        size_t s = q - 1, back = 1;
        while (back < 4 && s > 0 && (p[s] & 0xC0) == 0x80) { s--; back++; }
        if ((p[s] & 0xC0) == 0x80 || p[s] < 0x80) return 0;
        size_t len = u8_next(p + s, n - s, &c);
        if (c == UINT32_MAX || s + len != q) return 0;
        kx = tk_class(c);
    }
    if (kx == TK_SINGLE) return 1;
    if (kx == TK_DIGIT && p[q] == '.')       /* 3.14 or "3." */
        return !(q + 1 < n && p[q + 1] >= '0' && p[q + 1] <= '9');
    return kx != ky;
}

/* ---- workspace --------------------------------------------------------- */

typedef struct {
    const char *p;
    uint32_t len;
    int ws;                             /* a whitespace run                */
} tok_t;

/* An intern table entry: a token of up to 8 bytes by its bytes (zero
 * padded), a longer one by a 64-bit hash of them; len 0 is empty. */
typedef struct {
    uint64_t key;
    uint32_t len, id;
} slot_t;

/* The match vectors of x[0..n): for each token id, the set of positions
 * where x has it, one bit each.  Frequent tokens get a ready vector; rare
 * ones are set into and cleared out of a scratch vector, so a step costs
 * O(nw) either way. */
typedef struct {
    size_t nw;
    uint32_t *start, *pos;              /* positions grouped by id         */
    uint32_t *dense;                    /* 1 + index into pv, or 0         */
    uint64_t *pv, *sc;
} peq_t;

/* A traced LCS between its forward pass and its trace (lcs_fwd()). */
typedef struct {
    peq_t q;
    const uint32_t *x, *y;              /* the core                        */
    size_t n, m, k, nblk, ncp;          /* k columns a block; checkpoints  */
    unsigned long long steps;
    int live;                           /* q allocated                     */
} trace_t;

struct cot_differ {
    uint32_t *sa, *sb, *ia, *ib;        /* token starts (n+1) and ids     */
    size_t cap_a, cap_b;
    tok_t *toks;                        /* distinct tokens, by id          */
    size_t ntoks, cap_toks;
    slot_t *tab;                        /* open addressing, linear probes  */
    size_t cap_tab, ntab;               /* allocated; in use this run      */
    unsigned tab_shift;                 /* 64 - log2(ntab)                 */
    char *ca, *cb;                      /* changed flags                   */
    size_t cap_ca, cap_cb;
    long *fd, *bd;                      /* diagonals, n+m+3 each           */
    size_t cap_diag;
    long *stack;
    size_t cap_stack;
    cot_hunk_t *hunks;
    size_t nhunks, cap_hunks;
    uint64_t *lv;                       /* the LCS trace's column vectors  */
    size_t cap_lv;
    trace_t tr;
    unsigned long long budget, work;
    unsigned long long probe;           /* Myers work at which the first
                                           search asks lcs_sure() (ULLONG_MAX:
                                           never) */
    unsigned long long escape;          /* Myers work that hands over to
                                           the LCS trace (ULLONG_MAX: never) */
    long too_expensive;
    int approx, exhausted, bail;
    int slow;                           /* no fast paths (testing aid)     */
    int scalar;                         /* the scalar tokenizer (testing)  */
    int lcs_mode;                       /* COT_DIFF_LCS_*                  */
    size_t lcs_mem;                     /* words for the trace's vectors   */
};

cot_differ_t *cot_diff_new(void)
{
    cot_differ_t *d = cot_calloc(1, sizeof *d);
    d->budget = COT_DIFF_BUDGET_DEFAULT;
    const char *e = getenv("COT_DIFF_NO_FASTPATH");
    d->slow = e && *e && strcmp(e, "0");
    e = getenv("COT_DIFF_SCALAR");
    d->scalar = e && *e && strcmp(e, "0");
    d->lcs_mem = COT_DIFF_LCS_MEM;
    e = getenv("COT_DIFF_LCS");
    if (e && !strcmp(e, "myers")) d->lcs_mode = COT_DIFF_LCS_MYERS;
    else if (e && !strcmp(e, "bits")) d->lcs_mode = COT_DIFF_LCS_BITS;
    return d;
}

void cot_diff_set_lcs(cot_differ_t *d, int mode, size_t mem_words)
{
    d->lcs_mode = mode;
    d->lcs_mem = mem_words ? mem_words : COT_DIFF_LCS_MEM;
}

void cot_diff_set_scalar(cot_differ_t *d, int on)
{
    d->scalar = on;
}

void cot_diff_set_fast(cot_differ_t *d, int on)
{
    d->slow = !on;
}

void cot_diff_free(cot_differ_t *d)
{
    if (!d) return;
    free(d->sa); free(d->sb); free(d->ia); free(d->ib);
    free(d->toks); free(d->tab); free(d->ca); free(d->cb);
    free(d->fd); free(d->bd); free(d->stack); free(d->hunks); free(d->lv);
    free(d);
}

void cot_diff_set_budget(cot_differ_t *d, unsigned long long work)
{
    d->budget = work ? work : COT_DIFF_BUDGET_DEFAULT;
}

static void grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    *p = cot_realloc(*p, c * elem);
    *cap = c;
}

/* The first 8 bytes at p as a word (any byte order: only compared). */
static inline uint64_t load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* FF in the first k bytes (1 <= k <= 8) of a word loaded by load8(). */
static inline uint64_t mask8(size_t k)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    static const uint64_t m[9] = {0, 0xFF, 0xFFFF, 0xFFFFFF, 0xFFFFFFFF, 0xFFFFFFFFFFull,
                                  0xFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFull, ~0ull};
    return m[k];
#else
    static const unsigned char m[16] = {255, 255, 255, 255, 255, 255, 255, 255};
    return load8((const char *)m + 8 - k);
#endif
}

/* A token of len > 8 bytes at p: 8 bytes a step, the last word being the
 * token's last 8 bytes (overlapping), so nothing past p[len) is read. */
static inline uint64_t long_key(const char *p, size_t len)
{
    uint64_t h = len * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i + 8 < len; i += 8) {
        h = (h ^ load8(p + i)) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
    }
    h = (h ^ load8(p + len - 8)) * 0xC4CEB9FE1A85EC53ull;
    return h ^ h >> 29;
}

/* a[0..len) == b[0..len) for len > 8, a word at a time (no call). */
static inline int same_long(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i + 8 < len; i += 8)
        if (load8(a + i) != load8(b + i)) return 0;
    return load8(a + len - 8) == load8(b + len - 8);
}

/* The first slot to probe for a key (a token's length is in the key of
 * a long one; short ones of different lengths share slots seldom). */
static inline size_t slot_of(uint64_t key, unsigned shift)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> shift);
}

/* A table of 2^bits empty slots. */
static void tab_make(cot_differ_t *d, unsigned bits)
{
    size_t n = (size_t)1 << bits;
    if (n > d->cap_tab) {
        free(d->tab);
        d->tab = cot_malloc(n * sizeof *d->tab);
        d->cap_tab = n;
    }
    d->ntab = n;
    d->tab_shift = 64 - bits;
    memset(d->tab, 0, n * sizeof *d->tab);
}

/* An empty intern table (its ids restart at 0) for texts of `tokens`
 * tokens: 64 to 512 slots, twice the tokens where fewer; it grows as
 * tokens come, kept at most half full. */
static void tab_reset(cot_differ_t *d, size_t tokens)
{
    unsigned bits = 6;
    while (bits < 9 && ((size_t)1 << bits) < 2 * (tokens + 1)) bits++;
    tab_make(d, bits);
    d->ntoks = 0;
}

/* Twice the slots, the tokens interned keeping their ids. */
static void tab_grow(cot_differ_t *d)
{
    size_t n = d->ntab;
    slot_t *old = cot_malloc(n * sizeof *old);
    memcpy(old, d->tab, n * sizeof *old);
    tab_make(d, 64 - d->tab_shift + 1);
    size_t mask = d->ntab - 1;
    for (size_t k = 0; k < n; k++) {
        if (!old[k].len) continue;
        size_t i = slot_of(old[k].key, d->tab_shift);
        while (d->tab[i].len) i = (i + 1) & mask;
        d->tab[i] = old[k];
    }
    free(old);
}

/* Whether a token starting with a non-ASCII byte is a whitespace run. */
static int ws_utf8(const char *p, uint32_t len)
{
    uint32_t c;
    u8_next((const unsigned char *)p, len, &c);
    return tk_class(c) == TK_WS;
}

/* The id of the token t[0..len) whose key is key (its bytes when len <= 8,
 * else long_key()): found, or made the next id (ids go in order of first
 * occurrence), the table grown when half full. */
static uint32_t intern_slow(cot_differ_t *d, const char *t, uint32_t len, uint64_t key)
{
    size_t mask = d->ntab - 1, j = slot_of(key, d->tab_shift);
    for (;; j = (j + 1) & mask) {
        const slot_t *e = &d->tab[j];
        if (e->key == key && e->len == len &&
            (len <= 8 || same_long(d->toks[e->id].p, t, len)))
            return e->id;
        if (!e->len) break;
    }
    grow((void **)&d->toks, &d->cap_toks, d->ntoks + 1, sizeof *d->toks);
    uint32_t id = (uint32_t)d->ntoks++;
    unsigned char c0 = (unsigned char)t[0];
    d->toks[id] = (tok_t){t, len, c0 < 0x80 ? ascii_class[c0] == TK_WS : ws_utf8(t, len)};
    d->tab[j] = (slot_t){key, len, id};
    if (2 * d->ntoks >= d->ntab) tab_grow(d);
    return id;
}

/* The ids of the nt tokens of p (starts[nt] its length).  The common case
 * inline: a token of up to 8 bytes, with 8 bytes of text from its start,
 * read as one word, found in its first slot; the rest by intern_slow(). */
static void intern_all(cot_differ_t *d, const char *p, const uint32_t *starts,
                       uint32_t *ids, size_t nt)
{
    size_t end = starts[nt], fast = nt;
    while (fast > 0 && starts[fast - 1] + 8 > end) fast--;
    const slot_t *tab = d->tab;
    unsigned sh = d->tab_shift;
    for (size_t i = 0; i < fast; i++) {
        uint32_t s0 = starts[i], len = starts[i + 1] - s0;
        const char *t = p + s0;
        if (len <= 8) {
            uint64_t key = load8(t) & mask8(len);
            const slot_t *e = &tab[slot_of(key, sh)];
            if (e->key == key && e->len == len) {
                ids[i] = e->id;
                continue;
            }
            ids[i] = intern_slow(d, t, len, key);
        } else {
            ids[i] = intern_slow(d, t, len, long_key(t, len));
        }
        tab = d->tab;
        sh = d->tab_shift;
    }
    for (size_t i = fast; i < nt; i++) {
        uint32_t len = starts[i + 1] - starts[i];
        const char *t = p + starts[i];
        uint64_t key = 0;
        if (len > 8) key = long_key(t, len);
        else memcpy(&key, t, len);
        ids[i] = intern_slow(d, t, len, key);
    }
}

/* Cut one text into tokens: their starts, and the end after them; the
 * whitespace tokens into *nws. */
static size_t cut(const char *p, size_t n, uint32_t **starts, uint32_t **ids,
                  size_t *cap, size_t *nws, int scalar)
{
    size_t need = n + 1;
    if (need > *cap) {
        size_t c = *cap ? *cap : 64;
        while (c < need) c *= 2;
        *starts = cot_realloc(*starts, c * sizeof **starts);
        *ids = cot_realloc(*ids, c * sizeof **ids);
        *cap = c;
    }
    tk_state_t s;
    tok_run(p, n, *starts, &s, scalar);
    (*starts)[s.nt] = (uint32_t)n;
    *nws = s.ws;
    return s.nt;
}

/* Tokenize and intern one text; the token count. */
static size_t load(cot_differ_t *d, const char *p, size_t n, uint32_t **starts,
                   uint32_t **ids, size_t *cap)
{
    size_t ws, nt = cut(p, n, starts, ids, cap, &ws, d->scalar);
    intern_all(d, p, *starts, *ids, nt);
    return nt;
}

/* Myers' work, as a multiple of the LCS trace's bound and at least
 * LCS_ESCAPE_MIN, after which the LCS decides whether the trace takes over
 * (lcs_decide()).  The minimum keeps small pairs, cheap either way, on
 * Myers' script: at 10,000 15 edited records of bench/pipeline's 20 MB
 * sample were re-placed, at 20,000 none; 50,000 re-places fewer
 * borderline PRMBench pairs (bench/diff/localise) for about 0.1 ms more
 * per rewritten pair. */
#define LCS_ESCAPE 1
#define LCS_ESCAPE_MIN 50000
/* The first search asks lcs_sure() at an eighth of that (it asked at half
 * until 2026-12-02), unless lcs_short() shows the answer is no: whenever
 * it asks, the script is the same (lcs_sure() says yes only where Myers
 * would hand over anyway), so only the speed depends on when.  On
 * bench/pipeline's 200 MB set: its 2,946 rewritten pairs 0.52 -> 0.43 CPU
 * s with the ORIG's index, its 17,659 edited ones the same within the
 * noise (at a sixteenth they lost 30-60 ms); without lcs_short() an eighth
 * cost the edited ones 40 ms. */

static int lcs_decide(cot_differ_t *d, int giving_up);
static int lcs_sure(cot_differ_t *d, long xoff, long xlim, long yoff, long ylim);

/* ---- Myers, linear space (after GNU diff's diag/compareseq) ------------- */

typedef struct { long x, y; } part_t;

/* The length of the common run x[0..k) == y[0..k), k <= lim: four ids a
 * compare with SSE2. */
static inline long snake_fwd(const uint32_t *x, const uint32_t *y, long lim)
{
    long k = 0;
#ifdef __SSE2__
    if (lim >= 4) {
        __m128i e = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)x),
                                    _mm_loadu_si128((const __m128i *)(const void *)y));
        unsigned m = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e));
        if (m != 0xF) return __builtin_ctz(~m);
        k = 4;
        for (; k + 8 <= lim; k += 8) {  /* a long snake: eight ids a step */
            __m128i e0 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x + k)),
                                         _mm_loadu_si128((const __m128i *)(const void *)(y + k)));
            __m128i e1 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x + k + 4)),
                                         _mm_loadu_si128((const __m128i *)(const void *)(y + k + 4)));
            unsigned m8 = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e0)) |
                          (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e1)) << 4;
            if (m8 != 0xFF) return k + __builtin_ctz(~m8);
        }
        for (; k + 4 <= lim; k += 4) {
            e = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x + k)),
                                _mm_loadu_si128((const __m128i *)(const void *)(y + k)));
            m = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e));
            if (m != 0xF) return k + __builtin_ctz(~m);
        }
    }
#endif
    while (k < lim && x[k] == y[k]) k++;
    return k;
}

/* The length of the common run ending at x and y: x[-k..0) == y[-k..0),
 * k <= lim. */
static inline long snake_bwd(const uint32_t *x, const uint32_t *y, long lim)
{
    long k = 0;
#ifdef __SSE2__
    if (lim >= 4) {
        __m128i e = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x - 4)),
                                    _mm_loadu_si128((const __m128i *)(const void *)(y - 4)));
        unsigned m = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e));
        if (m != 0xF) return __builtin_clz(~m << 28);
        k = 4;
        for (; k + 8 <= lim; k += 8) {
            __m128i e0 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x - k - 8)),
                                         _mm_loadu_si128((const __m128i *)(const void *)(y - k - 8)));
            __m128i e1 = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x - k - 4)),
                                         _mm_loadu_si128((const __m128i *)(const void *)(y - k - 4)));
            unsigned m8 = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e0)) |
                          (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e1)) << 4;
            if (m8 != 0xFF) return k + __builtin_clz(~m8 << 24);
        }
        for (; k + 4 <= lim; k += 4) {
            e = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)(const void *)(x - k - 4)),
                                _mm_loadu_si128((const __m128i *)(const void *)(y - k - 4)));
            m = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(e));
            if (m != 0xF) return k + __builtin_clz(~m << 28);
        }
    }
#endif
    while (k < lim && x[-k - 1] == y[-k - 1]) k++;
    return k;
}

/* One forward step on diagonal dd: from the furthest x of the diagonals
 * beside it, along its snake; fdv[dd] becomes where it ends.  Returns the
 * work (1 and the snake). */
static inline unsigned long long fwd_step(const uint32_t *xv, const uint32_t *yv,
                                          long *fdv, long dd, long xlim, long ylim)
{
    long tlo = fdv[dd - 1], thi = fdv[dd + 1];
    long x = tlo >= thi ? tlo + 1 : thi, y = x - dd;
    long run = snake_fwd(xv + x, yv + y, xlim - x < ylim - y ? xlim - x : ylim - y);
    fdv[dd] = x + run;
    return 1 + (unsigned long long)run;
}

/* The same backwards on bdv, towards xoff and yoff. */
static inline unsigned long long bwd_step(const uint32_t *xv, const uint32_t *yv,
                                          long *bdv, long dd, long xoff, long yoff)
{
    long tlo = bdv[dd - 1], thi = bdv[dd + 1];
    long x = tlo < thi ? tlo : thi - 1, y = x - dd;
    long run = snake_bwd(xv + x, yv + y, x - xoff < y - yoff ? x - xoff : y - yoff);
    bdv[dd] = x - run;
    return 1 + (unsigned long long)run;
}

/* Whether the paths Myers' search has found after its step c already
 * prove the core's D = n + m - 2 LCS at most a third of n + m, so that
 * lcs_sure() would say no (it asks for more): then its LCS pass is not
 * run.  A forward path to (x, y) after c steps holds c edits, so
 * (x - xoff + y - yoff - c) / 2 of its moves are matches, and so for a
 * backward path from (xlim, ylim); the best forward and the best backward
 * path, when the first ends above and left of where the second starts,
 * chain into one common subsequence, else the longer of the two is one.
 * An edited pair's search has run along most of both texts by the time
 * it is asked; a rewritten pair's has not. */
static int lcs_short(long xoff, long xlim, long yoff, long ylim, const long *fdv,
                     long fmin, long fmax, const long *bdv, long bmin, long bmax, long c)
{
    long fm = -1, fx = 0, fy = 0, bm = -1, bx = 0, by = 0;
    for (long dd = fmax; dd >= fmin; dd -= 2) {
        long x = fdv[dd] < xlim ? fdv[dd] : xlim, y = x - dd;
        if (ylim < y) { x = ylim + dd; y = ylim; }
        long m = (x - xoff + y - yoff - c) / 2;
        if (m > fm) { fm = m; fx = x; fy = y; }
    }
    for (long dd = bmax; dd >= bmin; dd -= 2) {
        long x = bdv[dd] > xoff ? bdv[dd] : xoff, y = x - dd;
        if (y < yoff) { x = yoff + dd; y = yoff; }
        long m = (xlim - x + ylim - y - c) / 2;
        if (m > bm) { bm = m; bx = x; by = y; }
    }
    long l = fm > bm ? fm : bm;
    if (fm > 0 && bm > 0 && fx <= bx && fy <= by) l = fm + bm;
    long nm = (xlim - xoff) + (ylim - yoff);
    return l > 0 && 3 * (nm - 2 * l) <= nm;
}

/* Find the midpoint of the shortest edit script for x[xoff..xlim) and
 * y[yoff..ylim), both non-empty with differing first and last elements.
 * When the search grows too expensive, settle for the furthest-reaching
 * point found so far (valid, not minimal) and mark the result approx. */
static void diag(cot_differ_t *d, const uint32_t *xv, const uint32_t *yv,
                 long xoff, long xlim, long yoff, long ylim, long *const fdv,
                 long *const bdv, part_t *part)
{
    const long dmin = xoff - ylim, dmax = xlim - yoff;
    const long fmid = xoff - yoff, bmid = xlim - ylim;
    long fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
    const int odd = (fmid - bmid) & 1;
    fdv[fmid] = xoff;
    bdv[bmid] = xlim;
    unsigned long long work = d->work, probe = d->probe;
    d->probe = ULLONG_MAX;              /* the first search only */
    for (long c = 1;; c++) {
        long dd;
        if (fmin > dmin) fdv[--fmin - 1] = -1; else ++fmin;
        if (fmax < dmax) fdv[++fmax + 1] = -1; else --fmax;
        /* The overlap is looked for only on the odd side (forward when
         * the difference of the two mid diagonals is odd), and only on
         * the diagonals both searches have reached: each sweep goes down
         * its diagonals in three runs, the middle one with the test. */
        if (odd) {
            long hi = bmax < fmax ? bmax : fmax, lo = bmin > fmin ? bmin : fmin;
            dd = fmax;
            for (; dd >= fmin && dd > hi; dd -= 2) work += fwd_step(xv, yv, fdv, dd, xlim, ylim);
            for (; dd >= lo; dd -= 2) {
                work += fwd_step(xv, yv, fdv, dd, xlim, ylim);
                if (bdv[dd] <= fdv[dd]) {
                    d->work = work;
                    part->x = fdv[dd]; part->y = fdv[dd] - dd;
                    return;
                }
            }
            for (; dd >= fmin; dd -= 2) work += fwd_step(xv, yv, fdv, dd, xlim, ylim);
        } else {
            for (dd = fmax; dd >= fmin; dd -= 2) work += fwd_step(xv, yv, fdv, dd, xlim, ylim);
        }
        if (bmin > dmin) bdv[--bmin - 1] = LONG_MAX; else ++bmin;
        if (bmax < dmax) bdv[++bmax + 1] = LONG_MAX; else --bmax;
        if (odd) {
            for (dd = bmax; dd >= bmin; dd -= 2) work += bwd_step(xv, yv, bdv, dd, xoff, yoff);
        } else {
            long hi = fmax < bmax ? fmax : bmax, lo = fmin > bmin ? fmin : bmin;
            dd = bmax;
            for (; dd >= bmin && dd > hi; dd -= 2) work += bwd_step(xv, yv, bdv, dd, xoff, yoff);
            for (; dd >= lo; dd -= 2) {
                work += bwd_step(xv, yv, bdv, dd, xoff, yoff);
                if (bdv[dd] <= fdv[dd]) {
                    d->work = work;
                    part->x = bdv[dd]; part->y = bdv[dd] - dd;
                    return;
                }
            }
            for (; dd >= bmin; dd -= 2) work += bwd_step(xv, yv, bdv, dd, xoff, yoff);
        }
        d->work = work;
        if (work > probe) {
            probe = ULLONG_MAX;
            if (!lcs_short(xoff, xlim, yoff, ylim, fdv, fmin, fmax, bdv, bmin, bmax, c) &&
                (d->bail = lcs_sure(d, xoff, xlim, yoff, ylim))) {
                part->x = xoff; part->y = yoff; /* the LCS trace takes over */
                return;
            }
        }
        if ((d->work > d->escape || (c >= d->too_expensive && d->escape != ULLONG_MAX)) &&
            (d->bail = lcs_decide(d, c >= d->too_expensive))) {
            part->x = xoff; part->y = yoff;     /* the LCS trace takes over */
            return;
        }
        if (d->work > d->budget) d->exhausted = 1;
        if (c >= d->too_expensive || d->exhausted) {
            long fxybest = -1, fxbest = 0, bxybest = LONG_MAX, bxbest = 0;
            for (dd = fmax; dd >= fmin; dd -= 2) {
                long x = fdv[dd] < xlim ? fdv[dd] : xlim, y = x - dd;
                if (ylim < y) { x = ylim + dd; y = ylim; }
                if (fxybest < x + y) { fxybest = x + y; fxbest = x; }
            }
            for (dd = bmax; dd >= bmin; dd -= 2) {
                long x = bdv[dd] > xoff ? bdv[dd] : xoff, y = x - dd;
                if (y < yoff) { x = yoff + dd; y = yoff; }
                if (x + y < bxybest) { bxybest = x + y; bxbest = x; }
            }
            if ((xlim + ylim) - bxybest < fxybest - (xoff + yoff)) {
                part->x = fxbest; part->y = fxybest - fxbest;
            } else {
                part->x = bxbest; part->y = bxybest - bxbest;
            }
            d->approx = 1;
            return;
        }
    }
}

static void push(cot_differ_t *d, size_t *sp, long a, long b, long c, long e)
{
    grow((void **)&d->stack, &d->cap_stack, *sp + 4, sizeof *d->stack);
    d->stack[(*sp)++] = a; d->stack[(*sp)++] = b;
    d->stack[(*sp)++] = c; d->stack[(*sp)++] = e;
}

/* Mark the changed tokens of x[0..n) and y[0..m).  The flags do not depend
 * on the order subproblems are solved in, so an explicit stack replaces
 * GNU diff's recursion (no depth limit on pathological inputs). */
static void compareseq(cot_differ_t *d, long n, long m)
{
    const uint32_t *xv = d->ia, *yv = d->ib;
    long *fdv = d->fd + m + 1, *bdv = d->bd + m + 1;
    size_t sp = 0;
    push(d, &sp, 0, n, 0, m);
    while (sp) {
        long ylim = d->stack[--sp], yoff = d->stack[--sp];
        long xlim = d->stack[--sp], xoff = d->stack[--sp];
        long run = snake_fwd(xv + xoff, yv + yoff,
                             xlim - xoff < ylim - yoff ? xlim - xoff : ylim - yoff);
        xoff += run, yoff += run;
        run = snake_bwd(xv + xlim, yv + ylim, xlim - xoff < ylim - yoff ? xlim - xoff : ylim - yoff);
        xlim -= run, ylim -= run;
        d->work += 1;
        if (xoff == xlim || yoff == ylim || d->exhausted) {
            if (d->exhausted && xoff < xlim && yoff < ylim) d->approx = 1;
            memset(d->ca + xoff, 1, (size_t)(xlim - xoff));
            memset(d->cb + yoff, 1, (size_t)(ylim - yoff));
            continue;
        }
        part_t part;
        diag(d, xv, yv, xoff, xlim, yoff, ylim, fdv, bdv, &part);
        if (d->bail) return;
        if ((part.x == xoff && part.y == yoff) ||
            (part.x == xlim && part.y == ylim)) {   /* no progress: give up */
            d->approx = 1;
            memset(d->ca + xoff, 1, (size_t)(xlim - xoff));
            memset(d->cb + yoff, 1, (size_t)(ylim - yoff));
            continue;
        }
        push(d, &sp, xoff, part.x, yoff, part.y);
        push(d, &sp, part.x, xlim, part.y, ylim);
    }
}

/* ---- bit-parallel LCS (Allison-Dix, Hyyro) ------------------------------ */

static void peq_init(peq_t *q, const uint32_t *x, size_t n, size_t nid)
{
    size_t nw = (n + 63) / 64;
    q->nw = nw;
    q->start = cot_calloc(nid + 1, sizeof *q->start);
    q->pos = cot_malloc((n + 1) * sizeof *q->pos);
    for (size_t i = 0; i < n; i++) q->start[x[i] + 1]++;
    for (size_t i = 0; i < nid; i++) q->start[i + 1] += q->start[i];
    uint32_t *fill = cot_malloc((nid + 1) * sizeof *fill);
    memcpy(fill, q->start, (nid + 1) * sizeof *fill);
    for (size_t i = 0; i < n; i++) q->pos[fill[x[i]]++] = (uint32_t)i;
    free(fill);
    q->dense = cot_malloc((nid + 1) * sizeof *q->dense);
    size_t ndense = 0;
    for (size_t i = 0; i < nid; i++)
        q->dense[i] = q->start[i + 1] - q->start[i] >= nw ? (uint32_t)++ndense : 0;
    q->pv = cot_calloc(ndense * nw + 1, sizeof *q->pv);
    for (size_t i = 0; i < nid; i++)
        if (q->dense[i])
            for (uint32_t k = q->start[i]; k < q->start[i + 1]; k++)
                q->pv[(q->dense[i] - 1) * nw + q->pos[k] / 64] |= 1ULL << (q->pos[k] % 64);
    q->sc = cot_calloc(nw, sizeof *q->sc);
}

static void peq_free(peq_t *q)
{
    free(q->start); free(q->pos); free(q->dense); free(q->pv); free(q->sc);
}

/* One column: out = the vector after token c given in = the one before
 * (they may be the same).  A zero bit i of the vector after y[0..j) marks
 * LCS(x[0..i+1), y[0..j)) = LCS(x[0..i), y[0..j)) + 1. */
static inline void peq_step(peq_t *q, const uint64_t *in, uint64_t *out, uint32_t c)
{
    size_t nw = q->nw;
    if (q->start[c] == q->start[c + 1]) {               /* no match: V stays */
        if (out != in) memcpy(out, in, nw * sizeof *out);
        return;
    }
    const uint64_t *mv = q->sc;
    if (q->dense[c]) mv = q->pv + (q->dense[c] - 1) * nw;
    else
        for (uint32_t k = q->start[c]; k < q->start[c + 1]; k++)
            q->sc[q->pos[k] / 64] |= 1ULL << (q->pos[k] % 64);
    uint64_t carry = 0;
    for (size_t w = 0; w < nw; w++) {
        uint64_t vw = in[w], u = vw & mv[w], t = vw + u, s = t + carry;
        carry = (t < vw) | (s < t);
        out[w] = s | (vw & ~u);
    }
    if (!q->dense[c])
        for (uint32_t k = q->start[c]; k < q->start[c + 1]; k++) q->sc[q->pos[k] / 64] = 0;
}

/* Exact LCS length of x[0..n) and y[0..m) in O(n m / 64) word operations,
 * or -1 when that exceeds the budget. */
static long lcs_bits(cot_differ_t *d, const uint32_t *x, size_t n,
                     const uint32_t *y, size_t m)
{
    if (n > m) { const uint32_t *t = x; x = y; y = t; size_t s = n; n = m; m = s; }
    if (n == 0) return 0;
    size_t nw = (n + 63) / 64;
    if ((unsigned long long)nw * m > COT_DIFF_LCS_BUDGET) return -1;
    peq_t q;
    peq_init(&q, x, n, d->ntoks);
    uint64_t *v = cot_malloc(nw * sizeof *v);
    memset(v, 0xff, nw * sizeof *v);
    for (size_t j = 0; j < m; j++) peq_step(&q, v, v, y[j]);
    long l = 0;
    for (size_t w = 0; w < nw; w++) {
        uint64_t z = ~v[w];
        if (w == nw - 1 && n % 64) z &= (1ULL << (n % 64)) - 1;
        l += __builtin_popcountll(z);
    }
    peq_free(&q);
    free(v);
    return l;
}

/* One column of the trace: as peq_step(), and also the carries of its
 * addition into cout (nw + 1 words: the carry into bit i, i = 0..n).  The
 * carry into bit i is L(i, j+1) - L(i, j), the horizontal difference the
 * trace needs, so it reads it instead of counting bits. */
static inline void peq_step_carry(peq_t *q, const uint64_t *in, uint64_t *out,
                                  uint64_t *cout, uint32_t c)
{
    size_t nw = q->nw;
    if (q->start[c] == q->start[c + 1]) {               /* no match: V stays */
        memcpy(out, in, nw * sizeof *out);
        memset(cout, 0, (nw + 1) * sizeof *cout);
        return;
    }
    const uint64_t *mv = q->sc;
    if (q->dense[c]) mv = q->pv + (q->dense[c] - 1) * nw;
    else
        for (uint32_t k = q->start[c]; k < q->start[c + 1]; k++)
            q->sc[q->pos[k] / 64] |= 1ULL << (q->pos[k] % 64);
    uint64_t carry = 0;
    for (size_t w = 0; w < nw; w++) {
        uint64_t vw = in[w], u = vw & mv[w], t = vw + u, s = t + carry;
        cout[w] = s ^ vw ^ u;
        carry = (t < vw) | (s < t);
        out[w] = s | (vw & ~u);
    }
    cout[nw] = carry;
    if (!q->dense[c])
        for (uint32_t k = q->start[c]; k < q->start[c + 1]; k++) q->sc[q->pos[k] / 64] = 0;
}

/* The plan of a traced bit-parallel LCS of n by m tokens under a memory
 * limit of `mem` 64-bit words.  Each column keeps its vector and its
 * carries (2 nw + 1 words, nw = n/64 rounded up): all columns when they
 * fit, else a checkpoint vector every k columns and one block of k
 * columns at a time, recomputed from its checkpoint (k about the square
 * root of m).  Sets *k and returns an upper bound of the word steps the
 * trace costs, or 0 when it does not fit the memory. */
static unsigned long long trace_plan(size_t n, size_t m, size_t mem, size_t *k)
{
    size_t nw = (n + 63) / 64, col = 2 * nw + 1;
    unsigned long long cols = (unsigned long long)nw * m;
    if ((unsigned long long)(m + 1) * col <= mem) {
        *k = m;
        return cols + n + m;            /* the forward pass; the trace */
    }
    size_t b = 1;
    while (b * b < m) b++;
    if ((unsigned long long)((m + b - 1) / b + 1) * nw + (unsigned long long)(b + 1) * col > mem)
        return 0;
    *k = b;
    return 2 * cols + n + m;            /* forward, again by blocks, trace */
}

/* The traced LCS of the core x[0..n) and y[0..m) (both non-empty), in two
 * steps: lcs_fwd() runs the bit-parallel pass, keeping what the trace
 * needs (every column, or checkpoints and the last block, see
 * trace_plan()), and returns the LCS length; lcs_back() then marks the
 * changed tokens.  Between the two the state lives in d->tr. */
static long lcs_fwd(cot_differ_t *d, const uint32_t *x, size_t n,
                    const uint32_t *y, size_t m, size_t k)
{
    trace_t *t = &d->tr;
    peq_init(&t->q, x, n, d->ntoks);
    size_t nw = t->q.nw, col = 2 * nw + 1, nblk = (m + k - 1) / k, ncp = nblk > 1 ? nblk : 0;
    *t = (trace_t){.q = t->q, .x = x, .y = y, .n = n, .m = m, .k = k,
                   .nblk = nblk, .ncp = ncp, .live = 1};
    size_t need = ncp * nw + (k + 1) * col;     /* <= d->lcs_mem (trace_plan) */
    if (need > d->cap_lv) {                     /* exactly: no doubling past it */
        free(d->lv);
        d->lv = cot_malloc(need * sizeof *d->lv);
        d->cap_lv = need;
    }
    uint64_t *cp = d->lv, *blk = d->lv + ncp * nw;
    /* Checkpoints V_0, V_k, ... for the blocks before the last. */
    size_t j0 = (nblk - 1) * k;
    memset(blk, 0xff, nw * sizeof *blk);
    if (ncp) {
        memcpy(cp, blk, nw * sizeof *cp);
        for (size_t j = 0; j < j0; j++) {
            peq_step(&t->q, blk, blk, y[j]);
            if ((j + 1) % k == 0) memcpy(cp + (j + 1) / k * nw, blk, nw * sizeof *blk);
        }
    }
    /* The last block's columns j0 .. m, kept for the trace: column j at
     * blk + (j - j0) col, its vector V_j then the carries into it. */
    for (size_t j = j0; j < m; j++) {
        uint64_t *c = blk + (j - j0 + 1) * col;
        peq_step_carry(&t->q, c - col, c, c + nw, y[j]);
    }
    t->steps = (unsigned long long)nw * m;
    const uint64_t *v = blk + (m - j0) * col;
    long l = 0;
    for (size_t w = 0; w < nw; w++) {
        uint64_t z = ~v[w];
        if (w == nw - 1 && n % 64) z &= (1ULL << (n % 64)) - 1;
        l += __builtin_popcountll(z);
    }
    return l;
}

static void lcs_drop(cot_differ_t *d)
{
    if (d->tr.live) peq_free(&d->tr.q);
    d->tr.live = 0;
}

/* Mark the changed tokens of the core (in cx and cy) with a minimal edit
 * script from the columns.  The trace runs back from (n, m) with L(i, j)
 * the LCS of x[0..i) and y[0..j): it passes over x[i-1] (a deletion) when
 * L(i-1, j) = L(i, j) (bit i-1 of V_j set), else over y[j-1] (an
 * insertion) when L(i, j-1) = L(i, j) (no carry into bit i in column j),
 * and only else keeps the pair x[i-1] = y[j-1].  So among the longest
 * common subsequences it keeps the one whose tokens come as early as they
 * can in both texts, changes going as late as they can.  Returns the word
 * steps of both steps. */
static unsigned long long lcs_back(cot_differ_t *d, char *cx, char *cy)
{
    trace_t *t = &d->tr;
    size_t nw = t->q.nw, col = 2 * nw + 1, n = t->n, m = t->m, k = t->k, nblk = t->nblk;
    const uint32_t *y = t->y;
    unsigned long long steps = t->steps;
    uint64_t *cp = d->lv, *blk = d->lv + t->ncp * nw;
    size_t i = n, j = m;
    for (size_t b = nblk; b-- > 0 && i > 0 && j > 0;) {
        size_t j0 = b * k;              /* block: columns j0 .. j */
        if (j <= j0) continue;
        if (b + 1 < nblk) {             /* recomputed from its checkpoint */
            memcpy(blk, cp + b * nw, nw * sizeof *blk);
            for (size_t jj = j0; jj < j; jj++) {
                uint64_t *c = blk + (jj - j0 + 1) * col;
                peq_step_carry(&t->q, c - col, c, c + nw, y[jj]);
            }
            steps += (unsigned long long)nw * (j - j0);
        }
        while (i > 0 && j > j0) {
            const uint64_t *vj = blk + (j - j0) * col, *cj = vj + nw;
            if (vj[(i - 1) / 64] >> ((i - 1) % 64) & 1) {      /* L(i-1, j) = L(i, j) */
                cx[--i] = 1;
            } else if (!(cj[i / 64] >> (i % 64) & 1)) {         /* L(i, j-1) = L(i, j) */
                cy[--j] = 1;
            } else {                                            /* x[i-1] = y[j-1], kept */
                i--; j--;
            }
        }
    }
    while (i > 0) cx[--i] = 1;
    while (j > 0) cy[--j] = 1;
    lcs_drop(d);
    return steps + n + m;
}

/* Called when Myers' work passes d->escape, or when its search is about
 * to give up on minimality (giving_up: it would settle for an approx
 * script), while the trace fits the budget: the core's LCS decides.  When
 * D = n + m - 2 LCS is over a third of n + m, or Myers is giving up,
 * returns 1 (Myers stops; the trace gives the script, its forward pass
 * done); else 0 and Myers goes on undisturbed, never asking again.  That
 * LCS pass is not counted as Myers' work, so a pair that keeps Myers'
 * script gets exactly what Myers alone gives (the pass costs at most a
 * sixth of the budget). */
static int lcs_decide(cot_differ_t *d, int giving_up)
{
    d->escape = ULLONG_MAX;
    long l = lcs_fwd(d, d->tr.x, d->tr.n, d->tr.y, d->tr.m, d->tr.k);
    size_t dd = d->tr.n + d->tr.m - 2 * (size_t)l;
    if (giving_up || 3 * dd > d->tr.n + d->tr.m) return 1;
    lcs_drop(d);
    return 0;
}

/* Called once, in Myers' first search (on the whole core) when its work
 * passes d->probe: whether the search is sure to hand over to the trace,
 * so that going on with it would be work thrown away.  The core's LCS
 * gives D = n + m - 2 LCS, and the search cannot meet before its step
 * ceil(D/2).  Every step before that adds at least 1 to the work for each
 * diagonal it sweeps, and which diagonals each step sweeps does not depend
 * on the texts; so when D is over a third of n + m (lcs_decide() would
 * then hand over whenever asked) and either that count of the work passes
 * d->escape before step ceil(D/2), or that step is past too_expensive,
 * Myers would surely ask lcs_decide() and hand over.  Returns 1 then (the
 * forward pass kept for lcs_back(), the script the same), else 0 and
 * Myers goes on as if never asked. */
static int lcs_sure(cot_differ_t *d, long xoff, long xlim, long yoff, long ylim)
{
    if ((size_t)(xlim - xoff) != d->tr.n || (size_t)(ylim - yoff) != d->tr.m ||
        d->escape == ULLONG_MAX)
        return 0;
    long l = lcs_fwd(d, d->tr.x, d->tr.n, d->tr.y, d->tr.m, d->tr.k);
    size_t dd = d->tr.n + d->tr.m - 2 * (size_t)l;
    if (3 * dd > d->tr.n + d->tr.m) {
        const long dmin = xoff - ylim, dmax = xlim - yoff;
        long fmin = xoff - yoff, fmax = fmin, bmin = xlim - ylim, bmax = bmin;
        unsigned long long work = 1;    /* compareseq()'s, before the search */
        for (long c = 1; c < (long)(dd + 1) / 2; c++) {
            if (fmin > dmin) --fmin; else ++fmin;
            if (fmax < dmax) ++fmax; else --fmax;
            if (bmin > dmin) --bmin; else ++bmin;
            if (bmax < dmax) ++bmax; else --bmax;
            work += (unsigned long long)((fmax - fmin) / 2 + 1) + (unsigned long long)((bmax - bmin) / 2 + 1);
            if (work > d->escape || c >= d->too_expensive) return 1;
        }
    }
    lcs_drop(d);
    return 0;
}

/* ---- driver ------------------------------------------------------------ */

static void add_hunk(cot_differ_t *d, size_t as, size_t ae, size_t bs, size_t be,
                     size_t off)
{
    grow((void **)&d->hunks, &d->cap_hunks, d->nhunks + 1, sizeof *d->hunks);
    d->hunks[d->nhunks++] = (cot_hunk_t){off + d->sa[as], off + d->sa[ae],
                                         off + d->sb[bs], off + d->sb[be]};
}

/* The diff of a against b when a[0..pre) == b[0..pre) and the last suf
 * bytes of both are equal, pre and the starts of the suffixes being sure
 * token boundaries of both texts (sure_boundary()).  Only the middles are
 * tokenized, interned and compared; the ends are counted.  Every field of
 * *res is what the comparison of the whole texts gives (pre = suf = 0):
 * Myers' work on a middle is the work it would do on the whole after
 * stripping the same common tokens (its first step), the search limits
 * come from the whole token counts, and an approx result measures the LCS
 * over the whole token sequences, as without trimming. */
static void run_trimmed(cot_differ_t *d, const char *a, size_t alen,
                        const char *b, size_t blen, size_t pre, size_t suf,
                        cot_diff_t *res)
{
    size_t np = 0, wsp = 0, ns = 0, wss = 0;
    if (pre) np = count_tokens(a, pre, &wsp, d->scalar);
    if (suf) ns = count_tokens(a + alen - suf, suf, &wss, d->scalar);
    const char *ma = a + pre, *mb = b + pre;
    size_t malen = alen - pre - suf, mblen = blen - pre - suf;
    size_t wsa, wsb;
    size_t n = cut(ma, malen, &d->sa, &d->ia, &d->cap_a, &wsa, d->scalar);
    size_t m = cut(mb, mblen, &d->sb, &d->ib, &d->cap_b, &wsb, d->scalar);
    tab_reset(d, n + m);
    intern_all(d, ma, d->sa, d->ia, n);
    intern_all(d, mb, d->sb, d->ib, m);
    d->work = 0;
    d->approx = d->exhausted = 0;
    d->nhunks = 0;
    long te = 1;
    for (size_t diags = (n + np + ns) + (m + np + ns) + 3; diags; diags >>= 2) te <<= 1;
    d->too_expensive = te < 4096 ? 4096 : te;

    /* The changed flags, and room past them for the hunk scan's sentinel
     * and its word reads (clear, for the sanitizers and valgrind). */
    grow((void **)&d->ca, &d->cap_ca, n + 9, 1);
    grow((void **)&d->cb, &d->cap_cb, m + 9, 1);
    memset(d->ca, 0, n + 9);
    memset(d->cb, 0, m + 9);
    if (n + m + 3 > d->cap_diag) {
        free(d->fd); free(d->bd);
        d->fd = cot_malloc((n + m + 3) * sizeof *d->fd);
        d->bd = cot_malloc((n + m + 3) * sizeof *d->bd);
        d->cap_diag = n + m + 3;
    }
    /* The core: what is left after Myers' first step strips the tokens
     * common to both ends.  A traced bit-parallel LCS of it has a cost
     * known in advance (trace_plan()); Myers' is about D squared.  So
     * Myers runs first, and when its work passes LCS_ESCAPE times the
     * trace's bound (and LCS_ESCAPE_MIN), the LCS length is computed: when
     * it shows D over a third of the core's tokens (a text rewritten
     * whole), the trace gives the script instead (lcs_decide()); else
     * Myers goes on.  So does a search about to give up on minimality
     * (too_expensive).  The escape is armed only when Myers' work up to it
     * and the trace together fit the budget.  Every other pair gets
     * Myers' script exactly as before.  COT_DIFF_LCS_BITS skips Myers. */
    size_t lo = 0, hx = n, hy = m, k = 0;
    while (lo < n && lo < m && d->ia[lo] == d->ib[lo]) lo++;
    while (hx > lo && hy > lo && d->ia[hx - 1] == d->ib[hy - 1]) hx--, hy--;
    unsigned long long cost = 0;
    if (hx > lo && hy > lo && d->lcs_mode != COT_DIFF_LCS_MYERS)
        cost = trace_plan(hx - lo, hy - lo, d->lcs_mem, &k);
    d->tr.x = d->ia + lo; d->tr.n = hx - lo;
    d->tr.y = d->ib + lo; d->tr.m = hy - lo;
    d->tr.k = k;
    int traced = 0;
    d->escape = d->probe = ULLONG_MAX;
    d->bail = 0;
    if (cost && d->lcs_mode == COT_DIFF_LCS_BITS) {
        if (cost <= d->budget) {
            lcs_fwd(d, d->tr.x, d->tr.n, d->tr.y, d->tr.m, k);
            traced = 1;
        }
    } else if (cost && cost <= d->budget / 2) {
        unsigned long long x = cost * LCS_ESCAPE;
        if (x < LCS_ESCAPE_MIN) x = LCS_ESCAPE_MIN;
        if (x > d->budget - cost) x = d->budget - cost;
        d->escape = x;
        d->probe = d->slow ? ULLONG_MAX : x / 8;    /* lcs_short(), lcs_sure() */
    }
    if (!traced) {
        compareseq(d, (long)n, (long)m);
        if (d->bail) {
            traced = 1;
            d->approx = 0;
            memset(d->ca, 0, n);
            memset(d->cb, 0, m);
        }
    }
    if (traced) d->work += lcs_back(d, d->ca + lo, d->cb + lo);

    /* The hunks: runs of changed tokens, found by skipping the unchanged
     * ones (both sides together) 8 flags a read, a set flag after each
     * text's last token stopping the scans.  Similarity counts words,
     * numbers and punctuation only (shared spaces would make unrelated
     * texts look a third alike): A and B from the tokenizer's counts, K
     * the words of a less those deleted. */
    size_t del = 0, ins = 0, delws = 0, i = 0, j = 0;
    d->ca[n] = d->cb[m] = 1;
    for (;;) {
        size_t ei = i, ej = j;
        while (load8(d->ca + ei) == 0) ei += 8;
        while (!d->ca[ei]) ei++;
        while (load8(d->cb + ej) == 0) ej += 8;
        while (!d->cb[ej]) ej++;
        size_t run = ei - i < ej - j ? ei - i : ej - j;
        i += run, j += run;
        if (i == n && j == m) break;
        size_t as = i, bs = j;
        while (i < n && d->ca[i]) delws += d->toks[d->ia[i++]].ws;
        while (j < m && d->cb[j]) j++;
        del += i - as;
        ins += j - bs;
        add_hunk(d, as, i, bs, j, pre);
    }
    size_t ends = (np - wsp) + (ns - wss);
    size_t wa = ends + n - wsa, wb = ends + m - wsb;
    size_t kept = wa - (del - delws);
    if (d->approx) {
        /* The script is valid but maybe not minimal: measure the LCS of
         * the non-space tokens itself when affordable, over the whole
         * texts (the trimmed ends interned now, in this rare case). */
        uint32_t *fa = cot_malloc((wa + 1) * sizeof *fa);
        uint32_t *fb = cot_malloc((wb + 1) * sizeof *fb);
        size_t na = 0, nb = 0, pre_w = 0, suf_w = 0;
        uint32_t *st = NULL, *ids = NULL;
        size_t cap = 0, nsfx = 0;
        size_t npre = load(d, a, pre, &st, &ids, &cap);
        for (size_t k = 0; k < npre; k++)
            if (!d->toks[ids[k]].ws) fa[na++] = fb[nb++] = ids[k];
        for (size_t k = 0; k < n; k++) if (!d->toks[d->ia[k]].ws) fa[na++] = d->ia[k];
        for (size_t k = 0; k < m; k++) if (!d->toks[d->ib[k]].ws) fb[nb++] = d->ib[k];
        nsfx = load(d, a + alen - suf, suf, &st, &ids, &cap);
        for (size_t k = 0; k < nsfx; k++)
            if (!d->toks[ids[k]].ws) fa[na++] = fb[nb++] = ids[k];
        free(st);
        free(ids);
        while (pre_w < na && pre_w < nb && fa[pre_w] == fb[pre_w]) pre_w++;
        while (suf_w < na - pre_w && suf_w < nb - pre_w &&
               fa[na - 1 - suf_w] == fb[nb - 1 - suf_w])
            suf_w++;
        long l = lcs_bits(d, fa + pre_w, na - pre_w - suf_w, fb + pre_w,
                          nb - pre_w - suf_w);
        if (l >= 0 && (size_t)l + pre_w + suf_w > kept) kept = (size_t)l + pre_w + suf_w;
        free(fa);
        free(fb);
    }
    res->tokens_a = n + np + ns;
    res->tokens_b = m + np + ns;
    res->inserted = ins;
    res->deleted = del;
    res->lcs = res->tokens_a - del;
    res->words_a = wa;
    res->words_b = wb;
    res->words_kept = kept;
    res->similarity = wa + wb ? 2.0 * (double)kept / (double)(wa + wb) : 1.0;
    res->approx = d->approx;
    res->traced = traced;
    res->hunks = d->hunks;
    res->nhunks = d->nhunks;
}

void cot_diff_run(cot_differ_t *d, const char *a, size_t alen,
                  const char *b, size_t blen, cot_diff_t *res)
{
    if (d->slow) {
        run_trimmed(d, a, alen, b, blen, 0, 0, res);
        return;
    }
    if (alen == blen && !memcmp(a, b, alen)) {
        /* The same text: no hunks, every token kept.  Counted, not diffed. */
        size_t ws, nt = count_tokens(a, alen, &ws, d->scalar);
        d->nhunks = 0;
        *res = (cot_diff_t){.similarity = 1.0, .tokens_a = nt, .tokens_b = nt,
                            .lcs = nt, .words_a = nt - ws, .words_b = nt - ws,
                            .words_kept = nt - ws, .hunks = d->hunks};
        return;
    }
    /* The common prefix and suffix, cut back to sure token boundaries;
     * the suffix never reaches into the common prefix, so it is what
     * Myers would strip after it. */
    size_t lim = alen < blen ? alen : blen, p = 0, s = 0;
    while (p < lim && a[p] == b[p]) p++;
    while (s < lim - p && a[alen - 1 - s] == b[blen - 1 - s]) s++;
    while (p > 0 && !(sure_boundary(a, alen, p) && sure_boundary(b, blen, p))) p--;
    while (s > 0 && !(sure_boundary(a, alen, alen - s) &&
                      sure_boundary(b, blen, blen - s)))
        s--;
    run_trimmed(d, a, alen, b, blen, p, s, res);
}

int cot_diff_apply(const char *a, size_t alen, const char *b, size_t blen,
                   const cot_hunk_t *h, size_t nh, cot_buf_t *out)
{
    size_t at = 0;
    for (size_t k = 0; k < nh; k++) {
        if (h[k].a_start < at || h[k].a_end < h[k].a_start || h[k].a_end > alen ||
            h[k].b_end < h[k].b_start || h[k].b_end > blen)
            return -1;
        cot_buf_add(out, a + at, h[k].a_start - at);
        cot_buf_add(out, b + h[k].b_start, h[k].b_end - h[k].b_start);
        at = h[k].a_end;
    }
    cot_buf_add(out, a + at, alen - at);
    return 0;
}
