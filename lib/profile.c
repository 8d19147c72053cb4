/* profile.c -- n-gram profile: tokens, building (modified Kneser-Ney over
 * hashed counts), the binary file, loading by mmap, and scoring.
 * See profile.h for the model and docs/man cot-profile(1) for the format. */
#include "profile.h"
#include "json.h"

#include <endian.h>
#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- hashing ----------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x ? x : 1;
}

/* The key of the n-gram (left, rest...) from the key of its suffix. */
static uint64_t combine(uint64_t left, uint64_t suffix_key)
{
    return mix64(suffix_key * 0x9e3779b97f4a7c15ULL ^ (left + 0x632be59bd9b4e019ULL));
}

#define BOS_HASH 0x3c733e0000000001ULL   /* "<s>": no real token hashes here
                                            except by a 2^-64 accident      */

/* Order-sensitive over the token hashes, seeded with the count. */
uint64_t cot_profile_fingerprint(const cot_ptok_t *t, size_t n)
{
    uint64_t h = 0x6a09e667f3bcc909ULL ^ (uint64_t)n;
    for (size_t i = 0; i < n; i++) h = mix64(h * 0x9e3779b97f4a7c15ULL ^ t[i].hash);
    return h;
}

uint64_t cot_profile_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) { h ^= s[i]; h *= 0x100000001b3ULL; }
    return mix64(h);
}

int cot_profile_holdout_pick(uint64_t hash, double fraction)
{
    if (fraction <= 0) return 0;
    return (double)(hash >> 11) * 0x1.0p-53 < fraction;
}

unsigned cot_profile_fold(uint64_t h, unsigned folds)
{
    return 1 + (unsigned)(mix64(h ^ 0x5851f42d4c957f2dULL) % folds);
}

/* ---- tokens ------------------------------------------------------------ */

enum { C_SPACE, C_WORD, C_DIGIT, C_PUNCT };
static _Thread_local unsigned char cls[256];   /* per thread: -@ N workers */
static _Thread_local int cls_ready;

static void cls_init(void)
{
    for (int c = 0; c < 256; c++) {
        unsigned char k = C_SPACE;
        if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
            k = C_WORD;
        else if (c >= '0' && c <= '9') k = C_DIGIT;
        else if (c > 0x20 && c < 0x7f) k = C_PUNCT;
        cls[c] = k;
    }
    cls_ready = 1;
}

size_t cot_profile_tokenize(const char *text, size_t n, cot_ptok_t **toks,
                            size_t *cap)
{
    const unsigned char *p = (const unsigned char *)text;
    if (!cls_ready) cls_init();
    size_t m = 0, i = 0;
    while (i < n) {
        unsigned char k = cls[p[i]];
        if (k == C_SPACE) { i++; continue; }
        size_t s = i;
        uint64_t h = 0xcbf29ce484222325ULL;
        if (k == C_WORD) {
            for (; i < n && cls[p[i]] == C_WORD; i++) {
                unsigned char c = p[i];
                if (c >= 'A' && c <= 'Z') c += 32;
                h ^= c; h *= 0x100000001b3ULL;
            }
        } else if (k == C_DIGIT) {
            for (; i < n; i++) {
                unsigned char c = p[i];
                if (cls[c] == C_DIGIT) { h ^= c; h *= 0x100000001b3ULL; continue; }
                if ((c == '.' || c == ',') && i + 1 < n && cls[p[i + 1]] == C_DIGIT) {
                    h ^= c; h *= 0x100000001b3ULL; continue;
                }
                break;
            }
        } else {
            h ^= p[i]; h *= 0x100000001b3ULL; i++;
        }
        if (m == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *toks = cot_realloc(*toks, *cap * sizeof **toks);
        }
        (*toks)[m].start = (uint32_t)s;
        (*toks)[m].end = (uint32_t)i;
        (*toks)[m].hash = mix64(h);
        m++;
    }
    return m;
}

/* Character classes (see profile.h).  Token hashes are FNV over a kind
 * byte, the class or byte, and a flag for one space before it. */
const char *const cot_pview_names[COT_PVIEW_N] = {"words", "chars", "ref_words",
                                                  "ref_chars"};

static uint64_t chars_hash(unsigned kind, unsigned val, unsigned space)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h ^= kind; h *= 0x100000001b3ULL;
    h ^= val; h *= 0x100000001b3ULL;
    h ^= space; h *= 0x100000001b3ULL;
    return mix64(h ^ 0x5bd1e9955bd1e995ULL);
}

size_t cot_profile_tokenize_chars(const char *text, size_t n, cot_ptok_t **toks,
                                  size_t *cap)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t m = 0, i = 0;
    int space = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t s = i;
        unsigned kind, val = 0;
        if (c == ' ') {
            size_t j = i;
            while (j < n && p[j] == ' ') j++;
            if (j - i == 1 && j < n) { space = 1; i = j; continue; }
            kind = 's'; val = j - i > 3 ? 3 : (unsigned)(j - i);
            i = j;
        } else if ((c | 32) >= 'a' && (c | 32) <= 'z') {
            unsigned up = 0, lo = 0, len = 0;
            for (; i < n && (p[i] | 32) >= 'a' && (p[i] | 32) <= 'z'; i++, len++) {
                if (p[i] < 'a') up++; else lo++;
            }
            kind = 'a';
            val = !up ? 0 : up == len ? (len > 1 ? 2 : 1)
                : (up == 1 && c < 'a') ? 1 : 3;
        } else if (c >= '0' && c <= '9') {
            unsigned len = 0;
            for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) len++;
            kind = '9'; val = len > 4 ? 4 : len;
        } else {
            kind = 'b'; val = c; i++;
        }
        if (m == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *toks = cot_realloc(*toks, *cap * sizeof **toks);
        }
        (*toks)[m].start = (uint32_t)s;
        (*toks)[m].end = (uint32_t)i;
        (*toks)[m].hash = chars_hash(kind, val, (unsigned)space);
        space = 0;
        m++;
    }
    return m;
}

/* The scorer's chars tokens: the tokens of cot_profile_tokenize_chars() as
 * small ids, 1 + (kind << 9 | val << 1 | space) with kind 0..3 for 's',
 * 'a', '9', 'b' (0 stands for no token: before <s>), so that CID_BITS bits
 * hold a token exactly and a 64-bit word the last five; chars_id_hash()
 * gives the token's hash back.  The same pass counts the layout of
 * cot_profile_layout() (see layout_end()). */
#define CID_BITS 12
static const unsigned char cid_kind[4] = {'s', 'a', '9', 'b'};

static uint64_t chars_id_hash(unsigned id)
{
    unsigned x = id - 1;
    return chars_hash(cid_kind[x >> 9], x >> 1 & 255, x & 1);
}

typedef struct {
    double lines, sum, sq;
    size_t nonsp, dig, pun;
} layout_acc_t;

static void layout_end(const layout_acc_t *a, double f[COT_PLAYOUT_N]);

#define FNV(h, c) ((h) = ((h) ^ (c)) * 0x100000001b3ULL)
/* The byte classes of scan(), a constant: the class of cls[] in bits 0-1,
 * SK_ALPHA for an ASCII letter, SK_UPPER for an upper-case one. */
enum { SK_ALPHA = 4, SK_UPPER = 8 };
#define SK(c) ((c) >= 'a' && (c) <= 'z' ? C_WORD | SK_ALPHA                            \
               : (c) >= 'A' && (c) <= 'Z' ? C_WORD | SK_ALPHA | SK_UPPER             \
               : (c) >= 0x80 || (c) == '_' ? C_WORD                                 \
               : (c) >= '0' && (c) <= '9' ? C_DIGIT                                 \
               : (c) > 0x20 && (c) < 0x7f ? C_PUNCT : C_SPACE)
#define SK4(c) SK(c), SK((c) + 1), SK((c) + 2), SK((c) + 3)
#define SK16(c) SK4(c), SK4((c) + 4), SK4((c) + 8), SK4((c) + 12)
#define SK64(c) SK16(c), SK16((c) + 16), SK16((c) + 32), SK16((c) + 48)
static const unsigned char sk[256] = {SK64(0), SK64(64), SK64(128), SK64(192)};
#undef SK4
#undef SK16
#undef SK64
#undef SK

/* The scorer's one pass over a text: its word tokens (those of
 * cot_profile_tokenize()) into *toks, the ids of its chars tokens into
 * *ids, and the layout features of cot_profile_layout() into lf.  The two
 * tokenisations cut at the same places but for '_' and non-ASCII bytes
 * inside words (chars tokens of their own) and '.' or ',' inside numbers.
 * Returns the word token count; *mc is the chars token count. */
static size_t scan(const char *text, size_t n, cot_ptok_t **toks, size_t *tcap,
                   uint16_t **ids, size_t *icap, size_t *mc, double lf[COT_PLAYOUT_N])
{
    const unsigned char *p = (const unsigned char *)text;
    if (n + 1 > *icap) {
        *icap = n + 1 > 256 ? n + 1 : 256;
        free(*ids);
        *ids = cot_malloc(*icap * sizeof **ids);
    }
    uint16_t *o = *ids;
    cot_ptok_t *tk = *toks;
    size_t cap = *tcap;
    double lines = 0, sum = 0, sq = 0;
    size_t nonsp = 0, dig = 0, pun = 0;
    size_t m = 0, q = 0, i = 0, len = 0;  /* len: bytes of the line so far */
    int blank = 1;
    unsigned space = 0;
#define CHAR_TOK(kind, val) (o[q++] = (uint16_t)(1 + (((kind) << 8 | (val)) << 1 | space)), space = 0)
    while (i < n) {
        unsigned c = p[i], t = sk[c];
        const size_t s = i;
        uint64_t h = 0xcbf29ce484222325ULL;
        switch (t & 3) {
        case C_WORD:
            for (;;) {
                if (t & SK_ALPHA) {
                    const unsigned b = c;
                    const size_t a = i;
                    unsigned up = 0;
                    do {
                        up += t >> 3;
                        FNV(h, c | 32u);
                        if (++i == n) break;
                        c = p[i];
                        t = sk[c];
                    } while (t & SK_ALPHA);
                    const unsigned L = (unsigned)(i - a);
                    CHAR_TOK(1u, !up ? 0u : up == L ? (L > 1 ? 2u : 1u)
                                 : (up == 1 && b < 'a') ? 1u : 3u);
                } else {                 /* '_' or a byte >= 0x80 */
                    FNV(h, c);
                    CHAR_TOK(3u, c);
                    if (++i == n) break;
                    c = p[i];
                    t = sk[c];
                }
                if (i == n || (t & 3) != C_WORD) break;
            }
            nonsp += i - s;
            break;
        case C_DIGIT:
            for (;;) {
                const size_t a = i;
                do { FNV(h, c); if (++i == n) break; c = p[i]; } while (c - '0' < 10u);
                const size_t L = i - a;
                CHAR_TOK(2u, L > 4 ? 4u : (unsigned)L);
                dig += L;
                if (i + 1 < n && (c == '.' || c == ',') && (unsigned)(p[i + 1] - '0') < 10u) {
                    FNV(h, c);
                    CHAR_TOK(3u, c);
                    pun++;
                    c = p[++i];
                    continue;
                }
                break;
            }
            nonsp += i - s;
            break;
        case C_PUNCT:
            FNV(h, c);
            CHAR_TOK(3u, c);
            i++; nonsp++; pun++;
            break;
        default:                         /* white space: no word token */
            if (c == ' ') {
                size_t j = i + 1;
                while (j < n && p[j] == ' ') j++;
                len += j - i;
                if (j - i == 1 && j < n) space = 1;
                else CHAR_TOK(0u, j - i > 3 ? 3u : (unsigned)(j - i));
                i = j;
            } else {
                CHAR_TOK(3u, c);
                i++;
                if (c == '\n') {
                    if (!blank) { lines++; sum += (double)len; sq += (double)len * (double)len; }
                    len = 0; blank = 1;
                } else {
                    len++;
                    if (c > 0x20) { blank = 0; nonsp++; }   /* DEL */
                }
            }
            continue;
        }
        len += i - s;
        blank = 0;
        if (m == cap) {
            cap = cap ? cap * 2 : 256;
            tk = cot_realloc(tk, cap * sizeof *tk);
        }
        tk[m].start = (uint32_t)s;
        tk[m].end = (uint32_t)i;
        tk[m].hash = h;                  /* mixed below */
        m++;
        /* one space before another token: the white-space case's, here */
        if (i + 1 < n && p[i] == ' ' && p[i + 1] != ' ') { space = 1; len++; i++; }
    }
#undef CHAR_TOK
    for (size_t j = 0; j < m; j++) tk[j].hash = mix64(tk[j].hash);
    *toks = tk;
    *tcap = cap;
    if (!blank) { lines++; sum += (double)len; sq += (double)len * (double)len; }
    layout_acc_t acc = {lines, sum, sq, nonsp, dig, pun};
    layout_end(&acc, lf);
    *mc = q;
    return m;
}

int cot_profile_scan_check(const char *text, size_t n)
{
    cot_ptok_t *t = NULL, *u = NULL, *c = NULL;
    size_t tc = 0, uc = 0, cc = 0, ic = 0, mc = 0;
    uint16_t *id = NULL;
    double lf[COT_PLAYOUT_N], lg[COT_PLAYOUT_N];
    size_t m = scan(text, n, &t, &tc, &id, &ic, &mc, lf);
    size_t m2 = cot_profile_tokenize(text, n, &u, &uc);
    size_t mc2 = cot_profile_tokenize_chars(text, n, &c, &cc);
    cot_profile_layout(text, n, lg);
    int bad = m != m2 || mc != mc2 || memcmp(lf, lg, sizeof lf) != 0;
    for (size_t k = 0; !bad && k < m; k++)
        bad = t[k].start != u[k].start || t[k].end != u[k].end || t[k].hash != u[k].hash;
    for (size_t k = 0; !bad && k < mc; k++) bad = chars_id_hash(id[k]) != c[k].hash;
    free(t); free(u); free(c); free(id);
    return bad ? -1 : 0;
}

/* ---- layout ------------------------------------------------------------ */

const char *const cot_playout_names[COT_PLAYOUT_N] = {
    "line_bytes", "lines", "line_cv", "digits", "punct"};

void cot_profile_layout(const char *text, size_t n, double f[COT_PLAYOUT_N])
{
    const unsigned char *p = (const unsigned char *)text;
    if (!cls_ready) cls_init();
    double lines = 0, sum = 0, sq = 0;
    /* per-byte counts in integers: exact, as the doubles were below 2^53 */
    size_t nonsp = 0, dig = 0, pun = 0, len = 0;
    int blank = 1;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? p[i] : '\n';
        if (c == '\n') {
            if (!blank) { lines++; sum += (double)len; sq += (double)len * (double)len; }
            len = 0; blank = 1;
            continue;
        }
        len++;
        unsigned char k = cls[c];
        if (k == C_SPACE && c <= 0x20) continue;     /* space, tab, CR */
        blank = 0;
        nonsp++;
        dig += k == C_DIGIT;
        pun += k == C_PUNCT;
    }
    layout_acc_t a = {lines, sum, sq, nonsp, dig, pun};
    layout_end(&a, f);
}

static void layout_end(const layout_acc_t *a, double f[COT_PLAYOUT_N])
{
    double mean = a->lines ? a->sum / a->lines : 0;
    double var = a->lines ? a->sq / a->lines - mean * mean : 0;
    f[0] = log1p(mean);
    f[1] = log1p(a->lines);
    f[2] = mean > 0 && var > 0 ? sqrt(var) / mean : 0;
    f[3] = a->nonsp ? (double)a->dig / (double)a->nonsp : 0;
    f[4] = a->nonsp ? (double)a->pun / (double)a->nonsp : 0;
}

const char *const cot_pcal_names[COT_PCAL_N] = {
    "words_bits", "words_window", "words_peak", "chars_bits", "chars_peak",
    "layout", "words_llr", "chars_llr", "score"};

/* ---- voice ------------------------------------------------------------- */

const char *const cot_pvoice_names[COT_PVOICE_N] = {"planner", "assistant"};

static const char *const voice_phrases[][4] = {
    {"the", "user", "wants", NULL}, {"we", "should", NULL, NULL},
    {"the", "assistant", "should", NULL},
    {"i", "will", NULL, NULL}, {"i", "'", "ll", NULL}, {"i", "think", NULL, NULL},
};
static const int voice_kind[] = {0, 0, 0, 1, 1, 1};
#define NPHRASE 6
static _Thread_local uint64_t voice_hash[NPHRASE][3];
static _Thread_local int voice_len[NPHRASE], voice_ready;

static void voice_init(void)
{
    for (int i = 0; i < NPHRASE; i++) {
        int k = 0;
        for (; k < 3 && voice_phrases[i][k]; k++) {
            const char *w = voice_phrases[i][k];
            uint64_t h = 0xcbf29ce484222325ULL;
            for (; *w; w++) { h ^= (unsigned char)*w; h *= 0x100000001b3ULL; }
            voice_hash[i][k] = mix64(h);
        }
        voice_len[i] = k;
    }
    voice_ready = 1;
}

void cot_profile_voice(const cot_ptok_t *t, size_t n, double rate[COT_PVOICE_N])
{
    if (!voice_ready) voice_init();
    size_t cnt[COT_PVOICE_N] = {0};
    for (size_t i = 0; i < n; i++) {
        uint64_t h = t[i].hash;       /* every phrase starts with the, we or i */
        if (h != voice_hash[0][0] && h != voice_hash[1][0] && h != voice_hash[3][0])
            continue;
        for (int k = 0; k < NPHRASE; k++) {
            int L = voice_len[k], j = 0;
            if (i + (size_t)L > n) continue;
            while (j < L && t[i + j].hash == voice_hash[k][j]) j++;
            if (j == L) cnt[voice_kind[k]]++;
        }
    }
    for (int k = 0; k < COT_PVOICE_N; k++)
        rate[k] = n ? 1000.0 * (double)cnt[k] / (double)n : 0.0;
}

/* ---- little-endian encoding -------------------------------------------- */

static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return le64toh(v); }
static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return le32toh(v); }
static double rdf64(const unsigned char *p) { uint64_t v = rd64(p); double d; memcpy(&d, &v, 8); return d; }
static float rdf32(const unsigned char *p) { uint32_t v = rd32(p); float f; memcpy(&f, &v, 4); return f; }
static void wr64(unsigned char *p, uint64_t v) { v = htole64(v); memcpy(p, &v, 8); }
static void wr32(unsigned char *p, uint32_t v) { v = htole32(v); memcpy(p, &v, 4); }
static void wrf64(unsigned char *p, double d) { uint64_t v; memcpy(&v, &d, 8); wr64(p, v); }
static void wrf32(unsigned char *p, float f) { uint32_t v; memcpy(&v, &f, 4); wr32(p, v); }

/* File layout (all integers and floats little-endian):
 *   0 magic "COTPROF\0"   8 u32 version   12 u32 header size (512)
 *  16 u32 order  20 u32 flags (1 = lower-cased)  24 u32 min_count
 *  28 u32 on-line cut-off  32 u64 vocab  40 u64 tokens  48 u64 records
 *  56 u64 held-out records  64 f64 gamma0  72 f64 discount[6][3]
 * 216 per order 1..5: u64 offset, u64 slots, u64 entries
 * 336 u64 calibration offset, size   352 u64 voice offset, size
 * 368 u64 file size   376 u64 checksum   384..511 zero
 * Tables: slots (a power of two) of 16 bytes {u64 key, f32 prob, f32 gamma},
 * key 0 = empty, linear probing from key & (slots - 1).
 * 384 u32 views (bit k: view k of COT_PVIEW_*)  388 u32 0
 * 392 u64 offset, size of: the chars view, the reference words view, the
 *     reference chars view (size 0: absent), the layout baseline, the
 *     combined score (5 x 16 bytes, to 472).
 * The header's order, vocab, tokens, gamma0, discounts and tables are the
 * words view's.  Another view is a block of: u32 kind, u32 order, u64 vocab,
 * u64 tokens, f64 gamma0, f64 discount[6][3], then per order 1..5: u64
 * offset, u64 slots, u64 entries (296 bytes), its tables as above.
 * Calibration: u64 n, u32 window, u32 kinds (COT_PCAL_N), f64 mean[kinds],
 * f64 sd[kinds], then n sorted f64 per kind (NAN where undefined, sorted
 * last), then (absent in profiles built before them: the section ends
 * there) the n held-out records' rows, kinds f64 each, in held-out order.
 * Layout: u64 records, u32 features (5), u32 0, f64 mean[5], f64 sd[5].
 * Combined: u32 features, u32 0, u32 feature[8], f64 mean[8], f64 sd[8],
 * f64 inverse correlation[8][8] (680 bytes).
 * Voice: u64 records, u32 features, u32 0, then per feature char name[16],
 * f64 mean, f64 sd.
 * 472 u64 offset, size of the unit calibration (0, 0: absent, as in
 *     profiles built before it): u32 kinds (2: windows, steps), u32 window,
 *     per kind u64 n, u64 disjoint, u64 kept, f64 mean, f64 sd (40 bytes),
 *     then the kept sorted f64 values of each kind.
 * 488 u64 offset, size of the fingerprints (0, 0: a profile built before
 *     them): u64 r, u64 reference records left out (copies of held-out
 *     records), u32 fold, u32 folds (0, 0: the whole reference; else its
 *     fold of folds, 2..16), u64 t, then r distinct u64 fingerprints
 *     (cot_profile_fingerprint()) of the reference records and t of the
 *     training records, each in ascending order (r is 0 without a
 *     reference).
 * Checksum: over the whole file with the checksum field read as zero. */
#define HDR_SIZE 512
#define OFF_TABLES 216
#define OFF_CAL 336
#define OFF_VOICE 352
#define OFF_FSIZE 368
#define OFF_CSUM 376
#define OFF_VIEWS 384
#define OFF_SECT 392
#define OFF_UNITS 472
#define OFF_REFSET 488
#define REFSET_HDR 32
#define UNITS_HDR (8 + 40 * (COT_PUNIT_N - 1))
enum { SEC_CHARS, SEC_RWORDS, SEC_RCHARS, SEC_LAYOUT, SEC_COMB, SEC_N };
#define VIEW_SIZE 296
#define LAYOUT_SIZE 96
#define COMB_SIZE 680
#define CAL_HDR (16 + 16 * COT_PCAL_N)
#define ENT 16

static uint64_t checksum(const unsigned char *p, size_t n)
{
    uint64_t h = 0x243f6a8885a308d3ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = i == OFF_CSUM ? 0 : rd64(p + i);
        h = (h ^ w) * 0x9fb21c651e98df25ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ULL; }
    return mix64(h);
}

uint64_t cot_profile_checksum(const void *p, size_t n) { return checksum(p, n); }

/* ---- building: hashed count tables ------------------------------------ */

typedef struct {
    uint64_t key, ctx, suf;
    uint32_t raw, adj;        /* adj == BOSF: the n-gram starts with <s>    */
    uint32_t sum, d, n1, n2;  /* as a context: sum of adjusted counts of its
                                 continuations, distinct ones, ones, twos   */
} bent_t;
#define BOSF UINT32_MAX

typedef struct {
    bent_t *e;
    size_t slots, used;
} btab_t;

struct cot_profile_builder {
    cot_profile_opts_t o;
    btab_t t[COT_PROFILE_MAX_ORDER + 1];      /* the words view            */
    btab_t xt[COT_PVIEW_N][COT_PROFILE_MAX_ORDER + 1];   /* the others [1..] */
    uint64_t xtokens[COT_PVIEW_N], ref_records;
    cot_ptok_t *ctoks;
    size_t ctcap;
    double lsum[COT_PLAYOUT_N], lsq[COT_PLAYOUT_N];
    size_t bytes, peak;
    unsigned cutoff, sweeps;
    uint64_t records, tokens;
    cot_ptok_t *toks;
    size_t tcap;
    cot_buf_t hold;           /* held-out texts, NUL-separated             */
    uint64_t nhold;
    /* fingerprints of the held-out texts (sorted at the first reference
     * record) and of the reference records counted */
    uint64_t *hfp, *rfp, *tfp;         /* held-out, reference, training */
    size_t nhfp, hfcap, nrfp, rfcap, ntfp, tfcap;
    int hfp_sorted;
    uint64_t ref_left_out;
    double vsum[COT_PVOICE_N], vsq[COT_PVOICE_N];
    uint64_t nvoice;
};

static void btab_init(btab_t *t, size_t slots)
{
    t->e = cot_calloc(slots, sizeof *t->e);
    t->slots = slots;
    t->used = 0;
}

static bent_t *btab_find(const btab_t *t, uint64_t key)
{
    size_t mask = t->slots - 1, i = key & mask;
    for (;;) {
        bent_t *e = &t->e[i];
        if (e->key == key) return e;
        if (!e->key) return NULL;
        i = (i + 1) & mask;
    }
}

static bent_t *btab_slot(btab_t *t, uint64_t key)
{
    size_t mask = t->slots - 1, i = key & mask;
    while (t->e[i].key && t->e[i].key != key) i = (i + 1) & mask;
    return &t->e[i];
}

static void btab_rehash(btab_t *t, size_t slots, unsigned keep_min, int order)
{
    btab_t n;
    btab_init(&n, slots);
    for (size_t i = 0; i < t->slots; i++) {
        const bent_t *e = &t->e[i];
        if (!e->key) continue;
        if (order >= 2 && e->raw < keep_min) continue;
        *btab_slot(&n, e->key) = *e;
        n.used++;
    }
    free(t->e);
    *t = n;
}

static size_t pow2_for(size_t n, double load)
{
    size_t s = 8;
    while ((double)s * load < (double)n + 1) s *= 2;
    return s;
}

static btab_t *vtabs(cot_profile_builder_t *b, int v)
{
    return v ? b->xt[v] : b->t;
}

static int vorder(const cot_profile_builder_t *b, int v)
{
    return v == COT_PVIEW_WORDS || v == COT_PVIEW_REF_WORDS ? b->o.order
                                                             : COT_PROFILE_CHARS_ORDER;
}

static void account(cot_profile_builder_t *b)
{
    size_t tot = 0;
    for (int v = 0; v < COT_PVIEW_N; v++) {
        btab_t *T = vtabs(b, v);
        for (int n = 1; n <= vorder(b, v); n++) tot += T[n].slots * sizeof(bent_t);
    }
    b->bytes = tot;
    if (tot > b->peak) b->peak = tot;
}

/* Drop n-grams of order >= 2 seen fewer than the cut-off, raising it until
 * the tables use at most 3/4 of the budget. */
static void builder_sweep(cot_profile_builder_t *b)
{
    do {
        b->cutoff = b->cutoff < 2 ? 2 : b->cutoff + 1;
        b->sweeps++;
        for (int v = 0; v < COT_PVIEW_N; v++)
        for (int n = 2; n <= vorder(b, v); n++) {
            btab_t *t = &vtabs(b, v)[n];
            if (!t->e) continue;
            size_t live = 0;
            for (size_t i = 0; i < t->slots; i++)
                live += t->e[i].key && t->e[i].raw >= b->cutoff;
            size_t s = pow2_for(live, 0.5);
            if (s > t->slots) s = t->slots;
            btab_rehash(t, s, b->cutoff, n);
        }
        account(b);
    } while (b->bytes > b->o.max_mem / 4 * 3 && b->cutoff < 1000000);
}

static bent_t *builder_get(cot_profile_builder_t *b, int v, int n, uint64_t key)
{
    btab_t *t = &vtabs(b, v)[n];
    if ((double)(t->used + 1) > 0.7 * (double)t->slots) {
        size_t grow = t->slots * sizeof(bent_t) * 2;
        if (b->o.max_mem && b->bytes + grow > b->o.max_mem && n >= 2) {
            builder_sweep(b);
            t = &vtabs(b, v)[n];
        }
        if ((double)(t->used + 1) > 0.7 * (double)t->slots) {
            btab_rehash(t, t->slots * 2, 0, n);
            account(b);
        }
    }
    bent_t *e = btab_slot(t, key);
    if (!e->key) { e->key = key; t->used++; }
    return e;
}

void cot_profile_opts_init(cot_profile_opts_t *o)
{
    o->order = 4;
    o->min_count = 1;
    o->max_mem = 0;
    o->ref_fold = o->ref_folds = 0;
}

cot_profile_builder_t *cot_profile_builder_new(const cot_profile_opts_t *o)
{
    cot_profile_builder_t *b = cot_calloc(1, sizeof *b);
    b->o = *o;
    for (int v = 0; v < COT_PVIEW_N; v++) {
        /* the reference views are made on the first reference record */
        if (v >= COT_PVIEW_REF_WORDS) continue;
        for (int n = 1; n <= vorder(b, v); n++) btab_init(&vtabs(b, v)[n], 1024);
    }
    account(b);
    builder_get(b, COT_PVIEW_WORDS, 1, BOS_HASH)->adj = BOSF;
    builder_get(b, COT_PVIEW_CHARS, 1, BOS_HASH)->adj = BOSF;
    return b;
}

static void count_view(cot_profile_builder_t *b, int v, const cot_ptok_t *toks,
                       size_t m)
{
    const int N = vorder(b, v);
    uint64_t hist[COT_PROFILE_MAX_ORDER];        /* hist[0]: previous token  */
    uint64_t prev[COT_PROFILE_MAX_ORDER + 1], cur[COT_PROFILE_MAX_ORDER + 1];
    hist[0] = BOS_HASH;
    prev[1] = BOS_HASH;
    size_t hlen = 1;
    for (size_t i = 0; i < m; i++) {
        uint64_t w = toks[i].hash;
        size_t maxn = hlen + 1 < (size_t)N ? hlen + 1 : (size_t)N;
        cur[1] = w;
        for (size_t k = 1; k <= maxn; k++) {
            if (k > 1) cur[k] = combine(hist[k - 2], cur[k - 1]);
            bent_t *e = builder_get(b, v, (int)k, cur[k]);
            if (k > 1) { e->ctx = prev[k - 1]; e->suf = cur[k - 1]; }
            if (k == hlen + 1) e->adj = BOSF;   /* starts with <s> */
            if (e->raw < UINT32_MAX) e->raw++;
        }
        for (size_t k = 1; k <= maxn; k++) prev[k] = cur[k];
        for (int k = N - 1; k > 0; k--) hist[k] = hist[k - 1];
        hist[0] = w;
        if (hlen < (size_t)N) hlen++;
    }
    if (v) b->xtokens[v] += m;
}

/* The sample sd of n values from their sum and sum of squares.  A feature
 * that is the same in every record must get 0 (the scorer then leaves it
 * out), but sq - n mu^2 cancels to rounding noise there, not to 0, and an
 * sd of 1e-9 made a record that differs from it a z of millions.  So a
 * difference within the rounding error of summing the n squares (about
 * n eps sq) counts as none: a spread below about sqrt(n eps) of the mean
 * is no spread. */
static double sd_of(double n, double sum, double sq)
{
    if (n < 2) return 0;
    double mu = sum / n, d = sq - n * mu * mu;
    if (!(d > 4 * n * DBL_EPSILON * sq)) return 0;
    return sqrt(d / (n - 1));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int fp_find(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && v[lo] == x;
}

/* Sort v[0..n) and drop repeats; returns the count left. */
static size_t fp_unique(uint64_t *v, size_t n)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_u64);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[k - 1]) v[k++] = v[i];
    return k;
}

static void fp_push(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        *v = cot_realloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = x;
}

void cot_profile_builder_add(cot_profile_builder_t *b, const char *p, size_t n)
{
    size_t m = cot_profile_tokenize(p, n, &b->toks, &b->tcap);
    if (m) fp_push(&b->tfp, &b->ntfp, &b->tfcap, cot_profile_fingerprint(b->toks, m));
    count_view(b, COT_PVIEW_WORDS, b->toks, m);
    size_t mc = cot_profile_tokenize_chars(p, n, &b->ctoks, &b->ctcap);
    count_view(b, COT_PVIEW_CHARS, b->ctoks, mc);
    double lf[COT_PLAYOUT_N];
    cot_profile_layout(p, n, lf);
    for (int k = 0; k < COT_PLAYOUT_N; k++) { b->lsum[k] += lf[k]; b->lsq[k] += lf[k] * lf[k]; }
    double r[COT_PVOICE_N];
    cot_profile_voice(b->toks, m, r);
    for (int k = 0; k < COT_PVOICE_N; k++) { b->vsum[k] += r[k]; b->vsq[k] += r[k] * r[k]; }
    b->nvoice++;
    b->records++;
    b->tokens += m;
}

int cot_profile_builder_reference(cot_profile_builder_t *b, const char *p, size_t n)
{
    if (!b->hfp_sorted) {
        if (b->nhfp) qsort(b->hfp, b->nhfp, sizeof *b->hfp, cmp_u64);
        b->hfp_sorted = 1;
    }
    size_t m = cot_profile_tokenize(p, n, &b->toks, &b->tcap);
    const uint64_t fp = cot_profile_fingerprint(b->toks, m);
    if (m && fp_find(b->hfp, b->nhfp, fp)) { b->ref_left_out++; return 1; }
    if (!b->ref_records) {
        for (int v = COT_PVIEW_REF_WORDS; v < COT_PVIEW_N; v++)
            for (int k = 1; k <= vorder(b, v); k++) btab_init(&vtabs(b, v)[k], 1024);
        account(b);
        builder_get(b, COT_PVIEW_REF_WORDS, 1, BOS_HASH)->adj = BOSF;
        builder_get(b, COT_PVIEW_REF_CHARS, 1, BOS_HASH)->adj = BOSF;
    }
    if (m) fp_push(&b->rfp, &b->nrfp, &b->rfcap, fp);
    count_view(b, COT_PVIEW_REF_WORDS, b->toks, m);
    size_t mc = cot_profile_tokenize_chars(p, n, &b->ctoks, &b->ctcap);
    count_view(b, COT_PVIEW_REF_CHARS, b->ctoks, mc);
    b->ref_records++;
    return 0;
}

void cot_profile_builder_holdout(cot_profile_builder_t *b, const char *p, size_t n)
{
    cot_buf_add(&b->hold, p, n);
    cot_buf_addc(&b->hold, '\0');
    b->nhold++;
    size_t m = cot_profile_tokenize(p, n, &b->toks, &b->tcap);
    if (m) fp_push(&b->hfp, &b->nhfp, &b->hfcap, cot_profile_fingerprint(b->toks, m));
    b->hfp_sorted = 0;
}

void cot_profile_builder_stats(const cot_profile_builder_t *b,
                               cot_profile_build_stats_t *s)
{
    memset(s, 0, sizeof *s);
    s->records = b->records;
    s->tokens = b->tokens;
    s->holdout = b->nhold;
    s->ref_records = b->ref_records;
    s->ref_tokens = b->xtokens[COT_PVIEW_REF_WORDS];
    s->ref_left_out = b->ref_left_out;
    for (int n = 1; n <= b->o.order; n++) s->ngrams[n] = b->t[n].used;
    s->sweeps = b->sweeps;
    s->cutoff = b->cutoff;
    s->peak_bytes = b->peak;
}

void cot_profile_builder_free(cot_profile_builder_t *b)
{
    if (!b) return;
    for (int n = 1; n <= COT_PROFILE_MAX_ORDER; n++) {
        free(b->t[n].e);
        for (int v = 0; v < COT_PVIEW_N; v++) free(b->xt[v][n].e);
    }
    free(b->toks);
    free(b->ctoks);
    free(b->hfp);
    free(b->rfp);
    free(b->tfp);
    cot_buf_free(&b->hold);
    free(b);
}

/* Without pruning every n-gram below the top order that does not start
 * with <s> has a left extension, so adj >= 1.  Pruning can remove all of
 * them; such an n-gram keeps a continuation count of 1 rather than
 * vanishing (its words would otherwise become unknown). */
static uint32_t adjusted(const bent_t *e, int n, int N)
{
    if (n == N || e->adj == BOSF) return e->raw;
    return e->adj ? e->adj : e->raw ? 1 : 0;
}

/* Modified Kneser-Ney discounts from counts-of-counts (Chen & Goodman):
 * Y = n1/(n1+2 n2), D1 = 1-2Y n2/n1, D2 = 2-3Y n3/n2, D3+ = 3-4Y n4/n3.
 * When a count-of-counts is zero (tiny corpora) the fixed 0.5, 1, 1.5 are
 * used.  Each D_k is clamped to [0, k]. */
static void discounts(const uint64_t cc[5], double D[3])
{
    if (!cc[1] || !cc[2] || !cc[3] || !cc[4]) {
        D[0] = 0.5; D[1] = 1.0; D[2] = 1.5;
        return;
    }
    double Y = (double)cc[1] / ((double)cc[1] + 2.0 * (double)cc[2]);
    D[0] = 1 - 2 * Y * (double)cc[2] / (double)cc[1];
    D[1] = 2 - 3 * Y * (double)cc[3] / (double)cc[2];
    D[2] = 3 - 4 * Y * (double)cc[4] / (double)cc[3];
    for (int k = 0; k < 3; k++) {
        if (D[k] < 0) D[k] = 0;
        if (D[k] > k + 1) D[k] = k + 1;
    }
}

static double dsc(const double D[3], uint32_t a)
{
    return a >= 3 ? D[2] : D[a - 1];
}

/* ---- the profile view (over a file mapping or an image) --------------- */

typedef struct {
    const unsigned char *base;
    uint64_t mask;
} ptab_t;

typedef struct {
    int order;
    ptab_t t[COT_PROFILE_MAX_ORDER + 1];
    double gamma0, uniform;
    const unsigned char *bos;
    int big;                    /* tables past the L2 cache: prefetch    */
} pview_t;

typedef struct {
    int n;
    int f[COT_PROFILE_COMB_MAX];
    double mu[COT_PROFILE_COMB_MAX], sd[COT_PROFILE_COMB_MAX];
    double ri[COT_PROFILE_COMB_MAX][COT_PROFILE_COMB_MAX];
} comb_t;

struct cot_profile {
    const unsigned char *p;
    size_t n;
    int mapped;
    int order;
    ptab_t t[COT_PROFILE_MAX_ORDER + 1];
    double gamma0, uniform;
    const unsigned char *bos;
    uint64_t ncal;
    const unsigned char *cal[COT_PCAL_N];
    const unsigned char *rows;  /* the held-out rows; NULL: built before  */
    cot_profile_info_t info;
    pview_t v[COT_PVIEW_N];     /* v[0] repeats the words view above      */
    comb_t comb;
    const unsigned char *ux[COT_PUNIT_N];   /* kept unit values, sorted   */
    const unsigned char *rfp;               /* reference fingerprints     */
    const unsigned char *tfp;               /* training records' ones     */
    uint64_t serial;            /* this opening's, for the scorer's caches */
};

static const unsigned char *ptab_find(const ptab_t *t, uint64_t key)
{
    uint64_t i = key & t->mask;
    for (;;) {   /* ends: validate() checked that every table has an empty slot */
        const unsigned char *e = t->base + i * ENT;
        uint64_t k = rd64(e);
        if (k == key) return e;
        if (!k) return NULL;
        i = (i + 1) & t->mask;
    }
}

/* One table: a power of two of slots inside the file past the header, and
 * as many keys as it says, fewer than its slots (so that a probe for an
 * absent key ends). */
static const char *validate_table(const unsigned char *p, size_t n,
                                  uint64_t off, uint64_t slots, uint64_t ents)
{
    if (!slots || (slots & (slots - 1)) || ents >= slots || off % 8 ||
        off < HDR_SIZE || off > n || slots > (n - off) / ENT)
        return "corrupted profile (table layout)";
    uint64_t used = 0;
    for (uint64_t i = 0; i < slots; i++) used += rd64(p + off + i * ENT) != 0;
    if (used != ents) return "corrupted profile (table entries)";
    return NULL;
}

/* The version-2 sections: the other views, the layout baseline and the
 * combined score.  Called after the checksum. */
static const char *validate_v2(const unsigned char *p, size_t n)
{
    uint32_t views = rd32(p + OFF_VIEWS);
    if (views & ~((1u << COT_PVIEW_N) - 1) || !(views & 1) || !(views & 2) ||
        !(views & 4) != !(views & 8))
        return "corrupted profile (views)";
    static const uint64_t need[SEC_N] = {VIEW_SIZE, VIEW_SIZE, VIEW_SIZE,
                                         LAYOUT_SIZE, COMB_SIZE};
    for (int s = 0; s < SEC_N; s++) {
        uint64_t off = rd64(p + OFF_SECT + 16 * s), sz = rd64(p + OFF_SECT + 16 * s + 8);
        int present = s >= SEC_LAYOUT || (views >> (s + 1) & 1);
        if (!present) { if (off || sz) return "corrupted profile (views)"; continue; }
        if (off < HDR_SIZE || off > n || sz > n - off || sz < need[s] || off % 8)
            return "corrupted profile (section out of bounds)";
        if (s >= SEC_LAYOUT) continue;
        const unsigned char *b = p + off;
        uint32_t order = rd32(b + 4);
        if (rd32(b) != (uint32_t)(s + 1) || order < 3 || order > COT_PROFILE_MAX_ORDER)
            return "corrupted profile (view header)";
        for (uint32_t k = 1; k <= COT_PROFILE_MAX_ORDER; k++) {
            const unsigned char *d = b + 176 + (k - 1) * 24;
            if (k > order) { if (rd64(d + 8)) return "corrupted profile (table layout)"; continue; }
            const char *w = validate_table(p, n, rd64(d), rd64(d + 8), rd64(d + 16));
            if (w) return w;
        }
    }
    const unsigned char *l = p + rd64(p + OFF_SECT + 16 * SEC_LAYOUT);
    if (rd32(l + 8) != COT_PLAYOUT_N) return "corrupted profile (layout section)";
    const unsigned char *c = p + rd64(p + OFF_SECT + 16 * SEC_COMB);
    uint32_t nf = rd32(c);
    if (nf > COT_PROFILE_COMB_MAX) return "corrupted profile (combined score)";
    for (uint32_t k = 0; k < nf; k++)
        if (rd32(c + 8 + 4 * k) >= COT_PCAL_SCORE) return "corrupted profile (combined score)";
    uint64_t roff = rd64(p + OFF_REFSET), rsz = rd64(p + OFF_REFSET + 8);
    if (roff || rsz) {
        static const char bad[] = "corrupted profile (fingerprints)";
        if (roff < HDR_SIZE || roff > n || rsz > n - roff || rsz < REFSET_HDR || roff % 8 ||
            (rsz - REFSET_HDR) % 8)
            return bad;
        uint64_t nr = rd64(p + roff), nt = rd64(p + roff + 24), room = (rsz - REFSET_HDR) / 8;
        uint32_t fold = rd32(p + roff + 16), folds = rd32(p + roff + 20);
        if (nr > room || nt != room - nr || (nr && !(views & 4)) ||
            ((folds || rd64(p + roff + 8)) && !(views & 4)) ||
            folds == 1 || folds > COT_PROFILE_MAX_FOLDS || fold > folds || !fold != !folds)
            return bad;
        const unsigned char *q = p + roff + REFSET_HDR;
        for (uint64_t i = 1; i < nr; i++)
            if (rd64(q + 8 * i) <= rd64(q + 8 * (i - 1))) return bad;
        q += 8 * nr;
        for (uint64_t i = 1; i < nt; i++)
            if (rd64(q + 8 * i) <= rd64(q + 8 * (i - 1))) return bad;
    }
    uint64_t uoff = rd64(p + OFF_UNITS), usz = rd64(p + OFF_UNITS + 8);
    if (!uoff && !usz) return NULL;
    if (uoff < HDR_SIZE || uoff > n || usz > n - uoff || usz < UNITS_HDR || uoff % 8)
        return "corrupted profile (unit calibration)";
    const unsigned char *u = p + uoff;
    if (rd32(u) != COT_PUNIT_N - 1 || rd32(u + 4) == 0)
        return "corrupted profile (unit calibration)";
    uint64_t left = (usz - UNITS_HDR) / 8;
    for (int k = 1; k < COT_PUNIT_N; k++) {
        const unsigned char *h = u + 8 + 40 * (k - 1);
        uint64_t un = rd64(h), ind = rd64(h + 8), kept = rd64(h + 16);
        if (kept > left || kept > un || kept > COT_PROFILE_UNIT_CAP || ind > un ||
            un > (1ULL << 53) ||         /* exact as a double: the rank rule */
            (un <= COT_PROFILE_UNIT_CAP && kept != un) || (un && !kept))
            return "corrupted profile (unit calibration)";
        left -= kept;
    }
    if (left) return "corrupted profile (unit calibration)";
    return NULL;
}

static const char *validate(const unsigned char *p, size_t n)
{
    if (n < 8 || memcmp(p, "COTPROF", 8) != 0)
        return "not a cot profile (bad magic)";
    if (n < HDR_SIZE) return "truncated profile (header incomplete)";
    if (rd32(p + 8) != COT_PROFILE_VERSION) return NULL;   /* caller words it */
    if (rd32(p + 12) != HDR_SIZE) return "corrupted profile (bad header size)";
    uint64_t fsize = rd64(p + OFF_FSIZE);
    if (fsize > n) return "truncated profile (shorter than its header says)";
    if (fsize < n) return "corrupted profile (longer than its header says)";
    uint32_t order = rd32(p + 16);
    if (order < 3 || order > COT_PROFILE_MAX_ORDER)
        return "corrupted profile (order out of range)";
    for (uint32_t k = 1; k <= COT_PROFILE_MAX_ORDER; k++) {
        const unsigned char *d = p + OFF_TABLES + (k - 1) * 24;
        uint64_t off = rd64(d), slots = rd64(d + 8), ents = rd64(d + 16);
        if (k > order) { if (slots) return "corrupted profile (table layout)"; continue; }
        /* off > n first: (n - off) would wrap and pass any slot count */
        if (!slots || (slots & (slots - 1)) || ents >= slots || off % 8 ||
            off < HDR_SIZE || off > n || slots > (n - off) / ENT)
            return "corrupted profile (table layout)";
    }
    for (int s = 0; s < 2; s++) {
        uint64_t off = rd64(p + OFF_CAL + 16 * s), sz = rd64(p + OFF_CAL + 16 * s + 8);
        if (off < HDR_SIZE || off > n || sz > n - off)
            return "corrupted profile (section out of bounds)";
    }
    if (checksum(p, n) != rd64(p + OFF_CSUM))
        return "corrupted profile (checksum mismatch)";
    /* The checksum is not cryptographic: a crafted file can carry a valid
     * one.  ptab_find() stops only at an empty slot, so the entry count must
     * be the real one (and < slots, checked above). */
    for (uint32_t k = 1; k <= order; k++) {
        const unsigned char *d = p + OFF_TABLES + (k - 1) * 24;
        uint64_t off = rd64(d), slots = rd64(d + 8), used = 0;
        for (uint64_t i = 0; i < slots; i++) used += rd64(p + off + i * ENT) != 0;
        if (used != rd64(d + 16))
            return "corrupted profile (table entry count)";
    }
    uint64_t coff = rd64(p + OFF_CAL), csz = rd64(p + OFF_CAL + 8);
    if (csz < CAL_HDR) return "corrupted profile (calibration section)";
    uint64_t ncal = rd64(p + coff);
    if (rd32(p + coff + 12) != COT_PCAL_N || ncal > (csz - CAL_HDR) / (8 * COT_PCAL_N))
        return "corrupted profile (calibration section)";
    uint64_t voff = rd64(p + OFF_VOICE), vsz = rd64(p + OFF_VOICE + 8);
    if (vsz < 16 || rd32(p + voff + 8) > (vsz - 16) / 32)
        return "corrupted profile (voice section)";
    return validate_v2(p, n);
}

/* The version-2 parts of a validated image: views, layout, combined. */
static void open_v2(cot_profile_t *pr)
{
    const unsigned char *p = pr->p;
    cot_profile_info_t *in = &pr->info;
    in->views = rd32(p + OFF_VIEWS);
    pview_t *w = &pr->v[COT_PVIEW_WORDS];
    w->order = pr->order;
    memcpy(w->t, pr->t, sizeof w->t);
    w->gamma0 = pr->gamma0; w->uniform = pr->uniform; w->bos = pr->bos;
    uint64_t bytes = 0;
    for (int k = 1; k <= pr->order; k++) bytes += in->slots[k] * ENT;
    w->big = bytes > (2u << 20);
    in->view[0].order = in->order;
    in->view[0].vocab = in->vocab;
    in->view[0].tokens = in->tokens;
    in->view[0].records = in->records;
    memcpy(in->view[0].entries, in->entries, sizeof in->entries);
    for (int v = 1; v < COT_PVIEW_N; v++) {
        if (!(in->views >> v & 1)) continue;
        const unsigned char *b = p + rd64(p + OFF_SECT + 16 * (v - 1));
        pview_t *x = &pr->v[v];
        x->order = (int)rd32(b + 4);
        in->view[v].order = (uint32_t)x->order;
        in->view[v].vocab = rd64(b + 8);
        in->view[v].tokens = rd64(b + 16);
        x->gamma0 = rdf64(b + 24);
        for (int k = 1; k <= x->order; k++) {
            const unsigned char *d = b + 176 + (k - 1) * 24;
            x->t[k].base = p + rd64(d);
            x->t[k].mask = rd64(d + 8) - 1;
            in->view[v].entries[k] = rd64(d + 16);
        }
        x->uniform = 1.0 / ((double)in->view[v].vocab + 1.0);
        uint64_t bytes = 0;
        for (int k = 1; k <= x->order; k++) bytes += (x->t[k].mask + 1) * ENT;
        /* the reference words view's tables share the L2 cache with the
         * words view's: fetched ahead from 256 KiB (the chars views read
         * the cache of chars_view() instead) */
        x->big = bytes > (256u << 10);
        x->bos = ptab_find(&x->t[1], BOS_HASH);
    }
    const unsigned char *l = p + rd64(p + OFF_SECT + 16 * SEC_LAYOUT);
    for (int k = 0; k < COT_PLAYOUT_N; k++) {
        in->layout_mean[k] = rdf64(l + 16 + 8 * k);
        in->layout_sd[k] = rdf64(l + 16 + 8 * COT_PLAYOUT_N + 8 * k);
    }
    const unsigned char *c = p + rd64(p + OFF_SECT + 16 * SEC_COMB);
    comb_t *cb = &pr->comb;
    cb->n = (int)rd32(c);
    in->ncomb = (uint32_t)cb->n;
    for (int k = 0; k < cb->n; k++) {
        cb->f[k] = (int)rd32(c + 8 + 4 * k);
        in->comb[k] = (uint32_t)cb->f[k];
        cb->mu[k] = rdf64(c + 40 + 8 * k);
        cb->sd[k] = rdf64(c + 104 + 8 * k);
        for (int j = 0; j < cb->n; j++) cb->ri[k][j] = rdf64(c + 168 + 8 * (k * 8 + j));
    }
    uint64_t roff = rd64(p + OFF_REFSET);
    if (roff) {
        in->ref_kept = in->views >> COT_PVIEW_REF_WORDS & 1;
        in->ref_fingerprints = rd64(p + roff);
        in->ref_left_out = rd64(p + roff + 8);
        in->ref_fold = rd32(p + roff + 16);
        in->ref_folds = rd32(p + roff + 20);
        in->trained_kept = 1;
        in->trained_fingerprints = rd64(p + roff + 24);
        if (in->ref_kept) pr->rfp = p + roff + REFSET_HDR;
        pr->tfp = p + roff + REFSET_HDR + 8 * in->ref_fingerprints;
    }
    uint64_t uoff = rd64(p + OFF_UNITS);
    in->unit_n[COT_PUNIT_RECORD] = in->unit_indep[COT_PUNIT_RECORD] =
        in->unit_kept[COT_PUNIT_RECORD] = in->ncal;
    if (cb->n) {
        in->unit_mean[COT_PUNIT_RECORD] = in->feat_mean[COT_PCAL_SCORE];
        in->unit_sd[COT_PUNIT_RECORD] = in->feat_sd[COT_PCAL_SCORE];
        pr->ux[COT_PUNIT_RECORD] = pr->cal[COT_PCAL_SCORE];
    }
    if (!uoff) return;
    const unsigned char *u = p + uoff, *x = u + UNITS_HDR;
    in->units = rd32(u);
    in->unit_window = rd32(u + 4);
    for (int k = 1; k < COT_PUNIT_N; k++) {
        const unsigned char *h = u + 8 + 40 * (k - 1);
        in->unit_n[k] = rd64(h);
        in->unit_indep[k] = rd64(h + 8);
        in->unit_kept[k] = rd64(h + 16);
        in->unit_mean[k] = rdf64(h + 24);
        in->unit_sd[k] = rdf64(h + 32);
        pr->ux[k] = x;
        x += 8 * in->unit_kept[k];
    }
}

cot_profile_t *cot_profile_open_mem(const void *mem, size_t n, const char **why)
{
    static char vmsg[96];
    const unsigned char *p = mem;
    const char *w = validate(p, n);
    if (!w && rd32(p + 8) != COT_PROFILE_VERSION) {
        snprintf(vmsg, sizeof vmsg,
                 "profile format version %u, this build reads version %u; rebuild it",
                 (unsigned)rd32(p + 8), COT_PROFILE_VERSION);
        w = vmsg;
    }
    if (w) { *why = w; return NULL; }
    /* the tokenizer's and the voice's tables, now: scoring may run on
     * several threads at once (-@ N), which must only read them */
    if (!cls_ready) cls_init();
    if (!voice_ready) voice_init();
    cot_profile_t *pr = cot_calloc(1, sizeof *pr);
    static atomic_uint_least64_t serials;
    pr->serial = atomic_fetch_add(&serials, 1) + 1;
    cot_profile_info_t *in = &pr->info;
    pr->p = p; pr->n = n;
    pr->order = (int)rd32(p + 16);
    in->version = rd32(p + 8);
    in->order = (uint32_t)pr->order;
    in->lowercase = rd32(p + 20) & 1;
    in->min_count = rd32(p + 24);
    in->cutoff = rd32(p + 28);
    in->vocab = rd64(p + 32);
    in->tokens = rd64(p + 40);
    in->records = rd64(p + 48);
    in->holdout = rd64(p + 56);
    in->gamma0 = pr->gamma0 = rdf64(p + 64);
    for (int k = 1; k <= COT_PROFILE_MAX_ORDER; k++)
        for (int j = 0; j < 3; j++) in->discount[k][j] = rdf64(p + 72 + (k * 3 + j) * 8);
    for (int k = 1; k <= pr->order; k++) {
        const unsigned char *d = p + OFF_TABLES + (k - 1) * 24;
        pr->t[k].base = p + rd64(d);
        in->slots[k] = rd64(d + 8);
        pr->t[k].mask = in->slots[k] - 1;
        in->entries[k] = rd64(d + 16);
    }
    in->file_size = n;
    pr->uniform = 1.0 / ((double)in->vocab + 1.0);
    pr->bos = ptab_find(&pr->t[1], BOS_HASH);
    const unsigned char *c = p + rd64(p + OFF_CAL);
    pr->ncal = in->ncal = rd64(c);
    in->cal_window = rd32(c + 8);
    for (int k = 0; k < COT_PCAL_N; k++) {
        in->feat_mean[k] = rdf64(c + 16 + 8 * k);
        in->feat_sd[k] = rdf64(c + 16 + 8 * COT_PCAL_N + 8 * k);
        pr->cal[k] = c + CAL_HDR + (size_t)k * pr->ncal * 8;
        if (k < 2) { in->cal_mean[k] = in->feat_mean[k]; in->cal_sd[k] = in->feat_sd[k]; }
    }
    if (rd64(p + OFF_CAL + 8) >= CAL_HDR + 16ULL * COT_PCAL_N * pr->ncal) {
        pr->rows = c + CAL_HDR + (size_t)COT_PCAL_N * pr->ncal * 8;
        in->cal_rows = pr->ncal;
    }
    open_v2(pr);
    const unsigned char *v = p + rd64(p + OFF_VOICE);
    in->nvoice = rd64(v);
    uint32_t nf = rd32(v + 8);
    for (uint32_t k = 0; k < nf && k < COT_PVOICE_N; k++) {
        in->voice_mean[k] = rdf64(v + 16 + 32 * k + 16);
        in->voice_sd[k] = rdf64(v + 16 + 32 * k + 24);
    }
    return pr;
}

cot_profile_t *cot_profile_load(const char *path)
{
    size_t n;
    void *m = cot_map_file(path, HDR_SIZE, "COTPROF", "profile", &n);
    if (!m) return NULL;
    const char *why = NULL;
    cot_profile_t *pr = cot_profile_open_mem(m, n, &why);
    if (!pr) {
        munmap(m, n);
        cot_err("%s: %s", path, why);
        errno = 0;
        return NULL;
    }
    pr->mapped = 1;
    return pr;
}

void cot_profile_close(cot_profile_t *p)
{
    if (!p) return;
    if (p->mapped) munmap((void *)p->p, p->n);
    free(p);
}

void cot_profile_info(const cot_profile_t *p, cot_profile_info_t *info)
{
    *info = p->info;
}

/* ---- scoring ----------------------------------------------------------- */

/* Mean bits and the mean of the COT_PROFILE_PEAK highest bits from
 * probabilities: a running product renormalised by frexp (one logarithm per
 * record), and the smallest probabilities; fed one probability at a time
 * (pstat_add), in token order. */
typedef struct {
    double prod, low[COT_PROFILE_PEAK];
    long ex;
    size_t n, k, hi;                   /* hi: the largest of low[] */
} pstat_t;

static void pstat_init(pstat_t *a)
{
    a->prod = 1; a->ex = 0; a->n = a->k = a->hi = 0;
}

/* The product, and p into the lowest while they are fewer than
 * COT_PROFILE_PEAK: 1 when that took it. */
static inline int pstat_fill(pstat_t *a, double p)
{
    a->n++;
    a->prod *= p;
    if (a->prod < 0x1p-800) { int e; a->prod = frexp(a->prod, &e); a->ex += e; }
    if (a->k < COT_PROFILE_PEAK) {
        a->low[a->k] = p;
        if (a->low[a->k] > a->low[a->hi]) a->hi = a->k;
        a->k++;
        return 1;
    }
    return 0;
}

static inline void pstat_add(pstat_t *a, double p)
{
    if (pstat_fill(a, p)) return;
    if (p < a->low[a->hi]) {
        /* the new largest: the first above the replaced slot's p in index
         * order, as always (the order of the slots is that of pstat_end()'s
         * sum); k is COT_PROFILE_PEAK here, so the loop unrolls into
         * selects: its branches were a tenth of the scorer's mispredicted
         * ones on GSM8K records */
        size_t hi = a->hi;
        double x = p;
        a->low[hi] = p;
        for (size_t j = 0; j < COT_PROFILE_PEAK; j++) {
            const double y = a->low[j];
            const int gt = y > x;
            x = gt ? y : x;
            hi = gt ? j : hi;
        }
        a->hi = hi;
    }
}

/* pstat_add() as it was, a scan with branches: for the check. */
static void pstat_add_plain(pstat_t *a, double p)
{
    if (pstat_fill(a, p)) return;
    if (p < a->low[a->hi]) {
        a->low[a->hi] = p;
        for (size_t j = 0; j < a->k; j++) if (a->low[j] > a->low[a->hi]) a->hi = j;
    }
}

static void pstat_end(const pstat_t *a, double *mean, double *peak)
{
    *mean = a->n ? -(log2(a->prod) + (double)a->ex) / (double)a->n : NAN;
    double s = 0;
    for (size_t j = 0; j < a->k; j++) s += -log2(a->low[j]);
    *peak = a->k ? s / (double)a->k : NAN;
}

/* One token of a view.  prev[1..N-1] are the entries of the n-grams
 * ending at the token before (NULL where absent, or where a shorter one
 * is; before the first token prev[1] is <s> and the rest NULL), kk[k - 1]
 * the key of the k-gram ending at this token (read only where its context
 * and its suffix exist).  Fills cur[1..N]; returns the interpolated
 * probability. */
static inline double view_step(const pview_t *pr, const uint64_t *kk,
                               const unsigned char *const *prev,
                               const unsigned char **cur)
{
    const int N = pr->order;
    const unsigned char *e = ptab_find(&pr->t[1], kk[0]);
    double p = (e ? rdf32(e + 8) : 0.0) + pr->gamma0 * pr->uniform;
    cur[1] = e;
    int k = 2;
    for (; k <= N; k++) {
        const unsigned char *ctx = prev[k - 1];
        if (!ctx) break;
        e = cur[k - 1] ? ptab_find(&pr->t[k], kk[k - 1]) : NULL;
        p = (e ? rdf32(e + 8) : 0.0) + rdf32(ctx + 12) * p;
        cur[k] = e;
    }
    for (; k <= N; k++) cur[k] = NULL;
    return p;
}

/* The keys of the n-grams ending at every word token, order by order:
 * K[(k - 1) * m + j] for orders k = 1..S, with <s> before t[0]; the
 * orders that would reach past <s> are left unset (view_step() never reads
 * them).  Row k is combine(the token k - 1 back, row k - 1), one order at
 * a time; the same integers as word_keys_plain() (cot_profile_words_check()). */
static void word_keys(const cot_ptok_t *t, size_t m, int S, uint64_t *K)
{
    for (int k = 1; k <= S; k++) {
        size_t j = k > 1 ? (size_t)k - 1 : 0;
        if (k == 1) { for (; j < m; j++) K[j] = t[j].hash; continue; }
        uint64_t *row = K + (size_t)(k - 1) * m;
        const uint64_t *suf = row - m;
        if ((size_t)k - 2 < m) row[k - 2] = combine(BOS_HASH, suf[k - 2]);
        for (; j < m; j++) row[j] = combine(K[j - (size_t)(k - 1)], suf[j]);
    }
}

/* The same keys, one token at a time (the recurrence of the builder). */
static void word_keys_plain(const cot_ptok_t *t, size_t m, int S, uint64_t *K)
{
    for (size_t j = 0; j < m; j++) {
        uint64_t h = t[j].hash;
        K[j] = h;
        for (int k = 2; k <= S && (size_t)k <= j + 2; k++) {
            h = combine(j + 1 >= (size_t)k ? t[j + 1 - (size_t)k].hash : BOS_HASH, h);
            K[(size_t)(k - 1) * m + j] = h;
        }
    }
}

/* ptab_find() on a table held in registers. */
static inline __attribute__((always_inline)) const unsigned char *
tfind(const unsigned char *base, uint64_t mask, uint64_t key)
{
    uint64_t i = key & mask;
    for (;;) {
        const unsigned char *e = base + i * ENT;
        uint64_t k = rd64(e);
        if (__builtin_expect(k == key, 1)) return e;
        if (!k) return NULL;
        i = (i + 1) & mask;
    }
}

/* Surprisal in bits of every word token under view pr, from the keys of
 * word_keys(): view_step() token by token, with N a constant (3, 4 or 5)
 * so that the tables' bases and masks and the entries of the token before
 * stay in registers.  On a view whose tables pass the L2 cache the slots
 * of every order are fetched AHEAD tokens early (a miss costs more than
 * all the hashing), those of a record's first AHEAD tokens before its
 * first lookup: GSM8K's records have 100 to 150 tokens. */
static inline __attribute__((always_inline)) void
words_view_n(const pview_t *pr, const uint64_t *K, size_t m, double *out, const int N)
{
    const unsigned char *b[COT_PROFILE_MAX_ORDER + 1];
    uint64_t mk[COT_PROFILE_MAX_ORDER + 1];
    for (int k = 1; k <= N; k++) {
        b[k] = pr->t[k].base;
        mk[k] = pr->t[k].mask;
    }
    const int pf = pr->big;            /* fetch ahead */
    const unsigned char *prev[COT_PROFILE_MAX_ORDER + 1] = {0};
    prev[1] = pr->bos;
    const double base = pr->gamma0 * pr->uniform;
    /* AHEAD 8 and 32: 5% slower and the same, one process.  Fetching the
     * cache line after each slot too (for the probes that run past it) and
     * fetching by order, only the slots that will be read (view_step()'s
     * recurrence one order at a time over all the tokens) were no faster:
     * more instructions, the same stalls. */
    enum { AHEAD = 16 };
    if (pf) {                   /* the tokens the loop's fetches never reach */
        const size_t m0 = m < AHEAD ? m : AHEAD;
        for (size_t j = 0; j < m0; j++)
            for (int k = 1; k <= N && (size_t)k <= j + 2; k++)   /* the keys set */
                __builtin_prefetch(b[k] + (K[(size_t)(k - 1) * m + j] & mk[k]) * ENT);
    }
    for (size_t i = 0; i < m; i++) {
        _Static_assert(AHEAD >= COT_PROFILE_MAX_ORDER - 2, "keys ahead are all set");
        if (pf && i + AHEAD < m) {     /* i + AHEAD >= N - 2: every key is set */
            const size_t j = i + AHEAD;   /* order 1 too: the others' lines evict it */
#pragma GCC unroll 5
            for (int k = 1; k <= N; k++)
                __builtin_prefetch(b[k] + (K[(size_t)(k - 1) * m + j] & mk[k]) * ENT);
        }
        const uint64_t *kk = K + i;
        const unsigned char *cur[COT_PROFILE_MAX_ORDER + 1];
        const unsigned char *e = tfind(b[1], mk[1], kk[0]);
        double p = (e ? rdf32(e + 8) : 0.0) + base;
        cur[1] = e;
        int k = 2;
#pragma GCC unroll 5
        for (; k <= N; k++) {
            const unsigned char *ctx = prev[k - 1];
            if (!ctx) break;
            e = cur[k - 1] ? tfind(b[k], mk[k], kk[(size_t)(k - 1) * m]) : NULL;
            p = (e ? rdf32(e + 8) : 0.0) + rdf32(ctx + 12) * p;
            cur[k] = e;
        }
#pragma GCC unroll 5
        for (; k <= N; k++) cur[k] = NULL;
#pragma GCC unroll 5
        for (int k = 1; k < N; k++) prev[k] = cur[k];
        out[i] = p;
    }
    /* the logarithms apart: they wait on no lookup there */
    for (size_t i = 0; i < m; i++) out[i] = out[i] > 1e-30 ? -log2(out[i]) : 99.66;
}

static void words_view(const pview_t *pr, const uint64_t *K, size_t m, double *out)
{
    switch (pr->order) {
    case 3: words_view_n(pr, K, m, out, 3); break;
    case 4: words_view_n(pr, K, m, out, 4); break;
    default: words_view_n(pr, K, m, out, 5); break;
    }
}

/* The words view, and the reference words view when ref (into rbits), over
 * the word tokens in w->toks: one set of keys for both. */
static void words_score(const cot_profile_t *pr, cot_profile_work_t *w, size_t m,
                        int ref)
{
    const pview_t *v0 = &pr->v[COT_PVIEW_WORDS], *v1 = &pr->v[COT_PVIEW_REF_WORDS];
    int S = v0->order;
    if (ref && v1->order > S) S = v1->order;
    if (m * (size_t)S > w->kcap) {
        w->kcap = m * (size_t)S;
        free(w->keys);
        w->keys = cot_malloc(w->kcap * sizeof *w->keys);
    }
    word_keys(w->toks, m, S, w->keys);
    words_view(v0, w->keys, m, w->bits);
    if (ref) words_view(v1, w->keys, m, w->rbits);
}

/* The chars views: the probability of a token is a function of its last N
 * tokens (with <s> and nothing before the first), which the ids of
 * scan() spell exactly in one word, so a small cache keyed by that
 * word returns the very same double.  A miss runs chars_step()
 * (view_step() making its keys as it goes) from the entries of the token
 * before: kept when that token was computed too, else rebuilt from the
 * N - 1 tokens before it (the entries of order k at a token depend on its
 * last k tokens only). */
#define MEMO_BITS 16
#define CID_N (1 + (4 << 9))   /* the ids, 1..4 << 9, and 0 */
struct cot_pmemo {
    uint64_t serial;           /* of the profile, and the view: the owner  */
    int view;
    uint64_t idh[CID_N];       /* chars_id_hash() of every id, set once    */
    struct { uint64_t key; double p; } e[1u << MEMO_BITS];
};

static void chars_keys(const uint16_t *id, size_t j, int N, uint64_t *kk)
{
    uint64_t h = chars_id_hash(id[j]);
    kk[0] = h;
    for (int k = 2; k <= N && (size_t)k <= j + 2; k++) {
        h = combine(j + 1 >= (size_t)k ? chars_id_hash(id[j + 1 - (size_t)k]) : BOS_HASH, h);
        kk[k - 1] = h;
    }
}

/* view_step() for chars token j, each key made from the id hashes H[]
 * (those of the memo) only when the lookup of its order is reached: most
 * chains stop at order 2 or 3, and chars_keys() makes them all. */
static inline __attribute__((always_inline)) double
chars_step(const pview_t *pr, const uint64_t *H, const uint16_t *id, size_t j,
           const unsigned char *const *prev, const unsigned char **cur)
{
    const int N = pr->order;
    uint64_t h = H[id[j]];
    const unsigned char *e = ptab_find(&pr->t[1], h);
    double p = (e ? rdf32(e + 8) : 0.0) + pr->gamma0 * pr->uniform;
    cur[1] = e;
    int k = 2;
    for (; k <= N; k++) {
        const unsigned char *ctx = prev[k - 1];
        if (!ctx) break;       /* so k <= j + 2: the key below is defined */
        if (e) {
            h = combine(j + 1 >= (size_t)k ? H[id[j + 1 - (size_t)k]] : BOS_HASH, h);
            e = ptab_find(&pr->t[k], h);
        }
        p = (e ? rdf32(e + 8) : 0.0) + rdf32(ctx + 12) * p;
        cur[k] = e;
    }
    for (; k <= N; k++) cur[k] = NULL;
    return p;
}

/* Probabilities (floored at 2^-99.66 like the bits) of the chars tokens
 * id[0..m) under view pr. */
static inline __attribute__((always_inline)) void
chars_view_n(const cot_profile_t *prof, int v, struct cot_pmemo **mp,
             const uint16_t *id, size_t m, double *out, pstat_t *stp)
{
    pstat_t sa_ = {0}, *st = stp ? &sa_ : NULL;   /* in registers, not through *stp */
    if (stp) sa_ = *stp;
    const pview_t *pr = &prof->v[v];
    struct cot_pmemo *mo = *mp;
    if (!mo) {
        mo = *mp = cot_calloc(1, sizeof *mo);
        for (unsigned x = 1; x < CID_N; x++) mo->idh[x] = chars_id_hash(x);
    }
    if (mo->serial != prof->serial || mo->view != v) {
        memset(mo->e, 0, sizeof mo->e);
        mo->serial = prof->serial;
        mo->view = v;
    }
    const int N = pr->order;
    const uint64_t kmask = N * CID_BITS >= 64 ? ~0ULL : (1ULL << (N * CID_BITS)) - 1;
    const unsigned char *sa[COT_PROFILE_MAX_ORDER + 1] = {0}, *sb[COT_PROFILE_MAX_ORDER + 1] = {0};
    const unsigned char **prev = sa, **cur = sb;
    prev[1] = pr->bos;
    size_t next = 0;           /* prev holds the entries of token next - 1 */
    uint64_t key = 0, ahead = 0;
    enum { AHEAD = 8 };        /* the cache's slots are fetched ahead too */
    for (size_t i = 0; i < m && i < AHEAD; i++) ahead = (ahead << CID_BITS | id[i]) & kmask;
    for (size_t i = 0; i < m; i++) {
        if (i + AHEAD < m) {
            ahead = (ahead << CID_BITS | id[i + AHEAD]) & kmask;
            __builtin_prefetch(&mo->e[(ahead * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO_BITS)]);
        }
        key = (key << CID_BITS | id[i]) & kmask;
        __typeof__(mo->e[0]) *e = &mo->e[(key * 0x9e3779b97f4a7c15ULL) >> (64 - MEMO_BITS)];
        if (e->key == key) {
            if (out) out[i] = e->p;
            if (st) pstat_add(st, e->p);
            continue;
        }
        size_t j0 = i + 1 >= (size_t)N ? i + 1 - (size_t)N : 0;
        if (next < j0) {
            for (int k = 0; k <= COT_PROFILE_MAX_ORDER; k++) prev[k] = NULL;
            next = j0;
            if (!j0) prev[1] = pr->bos;
        }
        double p = 0;
        for (; next <= i; next++) {
            p = chars_step(pr, mo->idh, id, next, prev, cur);
            const unsigned char **x = prev; prev = cur; cur = x;
        }
        p = p > 1e-30 ? p : 0x1.4p-100;
        e->key = key;
        e->p = p;
        if (out) out[i] = p;
        if (st) pstat_add(st, p);
    }
    if (stp) *stp = sa_;
}

/* chars_view_n() for its two callers: the statistics (the scorer), the
 * probabilities (the check). */
static void chars_view(const cot_profile_t *prof, int v, struct cot_pmemo **mp,
                       const uint16_t *id, size_t m, double *out, pstat_t *st)
{
    if (out) chars_view_n(prof, v, mp, id, m, out, NULL);
    else chars_view_n(prof, v, mp, id, m, NULL, st);
}

/* chars_view() without the cache: every token from the one before. */
static void chars_view_plain(const pview_t *pr, const uint16_t *id, size_t m, double *out)
{
    const unsigned char *sa[COT_PROFILE_MAX_ORDER + 1] = {0}, *sb[COT_PROFILE_MAX_ORDER + 1] = {0};
    const unsigned char **prev = sa, **cur = sb;
    prev[1] = pr->bos;
    uint64_t kk[COT_PROFILE_MAX_ORDER];
    for (size_t i = 0; i < m; i++) {
        chars_keys(id, i, pr->order, kk);
        double p = view_step(pr, kk, prev, cur);
        const unsigned char **x = prev; prev = cur; cur = x;
        out[i] = p > 1e-30 ? p : 0x1.4p-100;
    }
}

int cot_profile_chars_check(const cot_profile_t *pr, const char *text, size_t n,
                            cot_profile_work_t *w)
{
    double lf[COT_PLAYOUT_N];
    size_t mc;
    scan(text, n, &w->toks, &w->tcap, &w->cids, &w->cidcap, &mc, lf);
    double *a = cot_malloc((mc + 1) * sizeof *a), *b = cot_malloc((mc + 1) * sizeof *b);
    int bad = 0;
    for (int v = COT_PVIEW_CHARS; v < COT_PVIEW_N; v += 2) {
        if (!(pr->info.views >> v & 1)) continue;
        chars_view(pr, v, &w->memo[v == COT_PVIEW_REF_CHARS], w->cids, mc, a, NULL);
        chars_view_plain(&pr->v[v], w->cids, mc, b);
        bad |= memcmp(a, b, mc * sizeof *a) != 0;
        /* the scorer's statistics, through the cache, against the plain
         * probabilities' */
        pstat_t s1, s2;
        pstat_init(&s1);
        pstat_init(&s2);
        chars_view(pr, v, &w->memo[v == COT_PVIEW_REF_CHARS], w->cids, mc, NULL, &s1);
        for (size_t i = 0; i < mc; i++) pstat_add_plain(&s2, b[i]);
        double m1, p1, m2, p2;
        pstat_end(&s1, &m1, &p1);
        pstat_end(&s2, &m2, &p2);
        bad |= memcmp(&m1, &m2, sizeof m1) != 0 || memcmp(&p1, &p2, sizeof p1) != 0;
        bad |= s1.k != s2.k || s1.hi != s2.hi ||
               memcmp(s1.low, s2.low, s1.k * sizeof *s1.low) != 0;   /* the same slots */
        /* the memo's id hashes (chars_step()'s keys) index every id there is */
        const struct cot_pmemo *mo = w->memo[v == COT_PVIEW_REF_CHARS];
        for (size_t i = 0; i < mc; i++) bad |= w->cids[i] >= CID_N;
        for (unsigned x = 1; x < CID_N; x++) bad |= mo->idh[x] != chars_id_hash(x);
    }
    free(a); free(b);
    return bad ? -1 : 0;
}

static void grow_bits(double **bits, size_t *cap, size_t m)
{
    if (m > *cap) {
        *cap = m;
        *bits = cot_realloc(*bits, m * sizeof **bits);
    }
}

/* The words views' surprisals of text[0..n) as the scorer computes them
 * (keys by row, the unrolled lookups) against the plain recurrences (keys
 * token by token, view_step()): 0 when every key and every double is the
 * same, else -1.  For tests and fuzzers. */
int cot_profile_words_check(const cot_profile_t *pr, const char *text, size_t n,
                            cot_profile_work_t *w)
{
    double lf[COT_PLAYOUT_N];
    size_t mc;
    size_t m = scan(text, n, &w->toks, &w->tcap, &w->cids, &w->cidcap, &mc, lf);
    const int ref = pr->info.views >> COT_PVIEW_REF_WORDS & 1;
    grow_bits(&w->bits, &w->bcap, m);
    if (ref) grow_bits(&w->rbits, &w->rbcap, m);
    words_score(pr, w, m, ref);
    int S = COT_PROFILE_MAX_ORDER, bad = 0;
    size_t nk = m * (size_t)S + 1;
    uint64_t *a = cot_calloc(nk, sizeof *a), *c = cot_calloc(nk, sizeof *c);
    word_keys(w->toks, m, S, a);
    word_keys_plain(w->toks, m, S, c);
    bad |= memcmp(a, c, nk * sizeof *a) != 0;
    double *x = cot_malloc((m + 1) * sizeof *x);
    uint64_t kk[COT_PROFILE_MAX_ORDER];
    for (int v = COT_PVIEW_WORDS; v <= COT_PVIEW_REF_WORDS; v += 2) {
        if (!(pr->info.views >> v & 1)) continue;
        const pview_t *pv = &pr->v[v];
        const unsigned char *sa[COT_PROFILE_MAX_ORDER + 1] = {0}, *sb[COT_PROFILE_MAX_ORDER + 1] = {0};
        const unsigned char **prev = sa, **cur = sb;
        prev[1] = pv->bos;
        for (size_t i = 0; i < m; i++) {
            for (int k = 1; k <= pv->order; k++) kk[k - 1] = c[(size_t)(k - 1) * m + i];
            double p = view_step(pv, kk, prev, cur);
            const unsigned char **t = prev; prev = cur; cur = t;
            x[i] = p > 1e-30 ? -log2(p) : 99.66;
        }
        if (m) bad |= memcmp(x, v ? w->rbits : w->bits, m * sizeof *x) != 0;
    }
    free(a); free(c); free(x);
    return bad ? -1 : 0;
}

size_t cot_profile_surprisal(const cot_profile_t *pr, const char *text,
                             size_t n, cot_ptok_t **toks, size_t *tcap,
                             double **bits, size_t *bcap)
{
    cot_profile_work_t w = {0};
    w.toks = *toks; w.tcap = *tcap; w.bits = *bits; w.bcap = *bcap;
    w.tcap = *tcap;
    size_t m = cot_profile_tokenize(text, n, &w.toks, &w.tcap);
    grow_bits(&w.bits, &w.bcap, m);
    words_score(pr, &w, m, 0);
    *toks = w.toks; *tcap = w.tcap; *bits = w.bits; *bcap = w.bcap;
    free(w.keys);
    return m;
}

static void summarise(const cot_ptok_t *t, const double *bits, size_t n,
                      size_t window, cot_profile_score_t *s, double *peak);

static double mean_diff(const double *a, const double *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] - b[i];
    return n ? s / (double)n : NAN;
}

/* The one-sided combined score: z+ = max(0, z) per feature (only a move
 * away from the model counts), sqrt(z+' R^-1 z+).  A feature that never
 * varied on the held-out records (sd 0: a set of copies) says nothing
 * while a record matches it, and puts a record above it beyond every one
 * of them: the score is then infinite (written as DBL_MAX, see put_num();
 * its p and flag still hold), not the 0 a z of 0 would give.  So is a
 * record with an infinite feature (see layout_rms()). */
static double comb_eval(const comb_t *c, const double f[COT_PCAL_N])
{
    if (!c->n) return NAN;
    double z[COT_PROFILE_COMB_MAX];
    for (int k = 0; k < c->n; k++) {
        double x = f[c->f[k]];
        if (isnan(x)) return NAN;
        if (x == INFINITY) return INFINITY;
        if (c->sd[k] > 0) z[k] = (x - c->mu[k]) / c->sd[k];
        else if (x > c->mu[k]) return INFINITY;
        else z[k] = 0;
        if (z[k] < 0) z[k] = 0;
    }
    double q = 0;
    for (int k = 0; k < c->n; k++)
        for (int j = 0; j < c->n; j++) q += z[k] * c->ri[k][j] * z[j];
    if (isnan(q)) return NAN;
    return q > 0 ? sqrt(q) : 0;
}

/* The layout view: the rms of the features' z-scores against the own
 * samples.  A feature that never varied there (sd 0: every own sample has
 * one line, or no digit) says nothing while a record matches it, and puts
 * a record that differs from it beyond every own sample: the view is then
 * infinite, not the 0 a z of 0 would give (a rewrite into a list of steps
 * must not pass unseen because the model never wrote one).  A difference
 * within 1e-6 of the mean is rounding, not a difference. */
static double layout_rms(const cot_profile_info_t *in, const double lf[COT_PLAYOUT_N])
{
    double q = 0;
    for (int k = 0; k < COT_PLAYOUT_N; k++) {
        double sd = in->layout_sd[k], d = lf[k] - in->layout_mean[k];
        if (sd > 0) { q += d / sd * (d / sd); continue; }
        if (fabs(d) > 1e-6 * fabs(in->layout_mean[k])) return INFINITY;
    }
    return sqrt(q / COT_PLAYOUT_N);
}

/* The features without the combined score. */
static size_t features_raw(const cot_profile_t *pr, const char *text, size_t n,
                           size_t window, cot_profile_work_t *w,
                           double f[COT_PCAL_N])
{
    for (int k = 0; k < COT_PCAL_N; k++) f[k] = NAN;
    const int ref = pr->info.views >> COT_PVIEW_REF_WORDS & 1;
    double lf[COT_PLAYOUT_N];
    size_t mc;
    size_t m = scan(text, n, &w->toks, &w->tcap, &w->cids, &w->cidcap, &mc, lf);
    grow_bits(&w->bits, &w->bcap, m);
    if (ref) grow_bits(&w->rbits, &w->rbcap, m);
    words_score(pr, w, m, ref);
    pstat_t st;
    pstat_init(&st);
    chars_view(pr, COT_PVIEW_CHARS, &w->memo[0], w->cids, mc, NULL, &st);
    double cmean, cpeak;
    pstat_end(&st, &cmean, &cpeak);
    if (ref) {
        pstat_init(&st);
        chars_view(pr, COT_PVIEW_REF_CHARS, &w->memo[1], w->cids, mc, NULL, &st);
        double rmean, rpeak;
        pstat_end(&st, &rmean, &rpeak);
        if (m) f[COT_PCAL_WLLR] = mean_diff(w->bits, w->rbits, m);
        if (mc) f[COT_PCAL_CLLR] = cmean - rmean;
    }
    double wpeak;
    summarise(w->toks, w->bits, m, window, &w->words, &wpeak);
    if (!m) return 0;
    const cot_profile_score_t s = w->words;
    f[COT_PCAL_WBITS] = s.bits_per_token;
    f[COT_PCAL_WWIN] = s.worst_bits;
    f[COT_PCAL_WPEAK] = wpeak;
    f[COT_PCAL_CBITS] = cmean;
    f[COT_PCAL_CPEAK] = cpeak;
    f[COT_PCAL_LAYOUT] = layout_rms(&pr->info, lf);
    return m;
}

size_t cot_profile_features(const cot_profile_t *pr, const char *text, size_t n,
                            size_t window, cot_profile_work_t *w,
                            double f[COT_PCAL_N])
{
    size_t m = features_raw(pr, text, n, window, w, f);
    if (m) f[COT_PCAL_SCORE] = comb_eval(&pr->comb, f);
    return m;
}

void cot_profile_units(const cot_profile_t *pr, const char *text, size_t n,
                       size_t m, cot_profile_work_t *w)
{
    const int has_ref = pr->info.views >> COT_PVIEW_REF_WORDS & 1;
    grow_bits(&w->ubits, &w->ubcap, m);
    for (size_t i = 0; i < m; i++)
        w->ubits[i] = has_ref ? w->bits[i] - w->rbits[i] : w->bits[i];
    /* steps: tokens never cross a newline (it is white space) */
    w->nsteps = 0;
    size_t i = 0, a = 0;
    while (i < m) {
        const char *nl = memchr(text + a, '\n', n - a);
        size_t b = nl ? (size_t)(nl - text) : n;
        if (w->toks[i].start >= b) { a = b + 1; continue; }
        size_t i0 = i;
        double sum = 0;
        for (; i < m && w->toks[i].start < b; i++) sum += w->ubits[i];
        if (w->nsteps == w->stcap) {
            w->stcap = w->stcap ? 2 * w->stcap : 64;
            w->steps = cot_realloc(w->steps, w->stcap * sizeof *w->steps);
        }
        struct cot_pstep *st = &w->steps[w->nsteps++];
        st->start = w->toks[i0].start;
        st->end = w->toks[i - 1].end;
        st->value = sum / (double)(i - i0);
        a = b + 1;
    }
}

/* cot_profile_summarise() and, when peak, peak_mean() of the same bits in
 * the same pass (each sum in the order of its own loop). */
static void summarise(const cot_ptok_t *t, const double *bits, size_t n,
                      size_t window, cot_profile_score_t *s, double *peak)
{
    memset(s, 0, sizeof *s);
    s->tokens = n;
    if (!n) {
        s->bits_per_token = s->worst_bits = NAN;
        if (peak) *peak = NAN;
        return;
    }
    size_t W = window && window < n ? window : n;
    double tot = 0, w = 0, best = -1, top[COT_PROFILE_PEAK];
    size_t at = 0, k = 0, lo = 0;      /* lo: the smallest of top[] */
    for (size_t i = 0; i < n; i++) {
        const double x = bits[i];
        tot += x;
        w += x;
        if (i >= W) w -= bits[i - W];
        if (i + 1 >= W && w > best) { best = w; at = i + 1 - W; }
        if (!peak) continue;
        if (k < COT_PROFILE_PEAK) {
            top[k] = x;
            if (top[k] < top[lo]) lo = k;
            k++;
        } else if (x > top[lo]) {
            top[lo] = x;
            for (size_t j = 0; j < k; j++) if (top[j] < top[lo]) lo = j;
        }
    }
    s->bits_per_token = tot / (double)n;
    s->worst_bits = best / (double)W;
    s->worst_tok0 = at;
    s->worst_tok1 = at + W;
    s->worst_start = t[at].start;
    s->worst_end = t[at + W - 1].end;
    if (peak) {
        double sum = 0;
        for (size_t j = 0; j < k; j++) sum += top[j];
        *peak = sum / (double)k;
    }
}

void cot_profile_summarise(const cot_ptok_t *t, const double *bits, size_t n,
                           size_t window, cot_profile_score_t *s)
{
    summarise(t, bits, n, window, s, NULL);
}

double cot_profile_z(const cot_profile_t *p, int which, double x)
{
    return cot_profile_feat_z(p, which, x);
}

/* A feature is calibrated when the profile has held-out scores of it. */
static int feat_ok(const cot_profile_t *p, int f)
{
    if (!p->ncal || f < 0 || f >= COT_PCAL_N) return 0;
    if (f == COT_PCAL_WLLR || f == COT_PCAL_CLLR)
        return p->info.views >> COT_PVIEW_REF_WORDS & 1;
    if (f == COT_PCAL_SCORE) return p->comb.n > 0;
    return 1;
}

/* The z of x against the held-out records.  Where they never varied (sd
 * 0 over two or more: a set of copies) a record that matches them (within
 * 1e-6 of the mean) is at 0 and one that does not is beyond every one of
 * them: +-infinity, as in comb_eval(), not the null of an undefined z,
 * which a gate on it would leave out. */
double cot_profile_feat_z(const cot_profile_t *p, int f, double x)
{
    const cot_profile_info_t *in = &p->info;
    if (!feat_ok(p, f) || isnan(x)) return NAN;
    const double mu = in->feat_mean[f], sd = in->feat_sd[f];
    if (sd > 0) return (x - mu) / sd;
    if (!(sd == 0) || p->ncal < 2 || isnan(mu)) return NAN;
    if (fabs(x - mu) <= 1e-6 * fabs(mu)) return 0;
    return x > mu ? INFINITY : -INFINITY;
}

/* Number of calibration scores >= x (the array is sorted ascending). */
static uint64_t cal_ge(const cot_profile_t *p, int which, double x)
{
    uint64_t lo = 0, hi = p->ncal;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (rdf64(p->cal[which] + mid * 8) < x) lo = mid + 1; else hi = mid;
    }
    return p->ncal - lo;
}

double cot_profile_p(const cot_profile_t *p, int which, double x)
{
    return cot_profile_feat_p(p, which, x);
}

double cot_profile_feat_p(const cot_profile_t *p, int f, double x)
{
    if (!feat_ok(p, f) || isnan(x)) return NAN;
    return (1.0 + (double)cal_ge(p, f, x)) / ((double)p->ncal + 1.0);
}

double cot_profile_threshold(const cot_profile_t *p, int which, double fpr)
{
    return cot_profile_feat_threshold(p, which, fpr, NULL);
}

const char *const cot_punit_names[COT_PUNIT_N] = {"records", "windows", "steps"};

/* The conformal rule over k sorted values standing for n units, read as
 * doubles (le 0) or little-endian f64 from a file (le 1). */
static double getv(const void *x, uint64_t i, int le)
{
    return le ? rdf64((const unsigned char *)x + i * 8) : ((const double *)x)[i];
}

static void conformal(const void *x, int le, uint64_t k, uint64_t n, double fpr,
                      cot_profile_thr_t *t)
{
    memset(t, 0, sizeof *t);
    t->t = NAN;
    t->n = t->indep = n;
    t->calibrated = n > 0 && k > 0 && k <= n && n <= (1ULL << 53);
    t->min_fpr = n ? 1.0 / ((double)n + 1.0) : NAN;
    if (!t->calibrated || !(fpr > 0 && fpr < 1)) return;
    /* j = ceil((1 - fpr)(n + 1)), 1-based; the 1e-9 keeps (1 - 0.01) * 100
     * at 99 despite rounding */
    double jj = ceil((1.0 - fpr) * ((double)n + 1.0) - 1e-9);
    if (jj > (double)n) return;                       /* not resolvable */
    uint64_t j = jj < 1 ? 1 : (uint64_t)jj, i, r;
    if (k == n) { i = j - 1; r = j; }
    else {
        /* kept value i is the order statistic of rank ceil((i + 1) n / k):
         * the first at or above rank j */
        i = (uint64_t)ceil((double)j * (double)k / (double)n - 1e-9);
        i = i ? i - 1 : 0;
        if (i >= k) i = k - 1;
        r = (uint64_t)ceil((double)(i + 1) * (double)n / (double)k - 1e-9);
    }
    t->t = getv(x, i, le);
    t->resolved = 1;
    if (k == n) {
        uint64_t lo = 0, hi = n;                      /* values > t */
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (getv(x, mid, le) <= t->t) lo = mid + 1; else hi = mid;
        }
        t->above = n - lo;
    } else t->above = n > r ? n - r : 0;
}

void cot_profile_conformal(const double *x, uint64_t k, uint64_t n, double fpr,
                           cot_profile_thr_t *t)
{
    conformal(x, 0, k, n, fpr, t);
}

int cot_profile_unit_threshold(const cot_profile_t *p, int unit, double fpr,
                               cot_profile_thr_t *t)
{
    const cot_profile_info_t *in = &p->info;
    if (unit < 0 || unit >= COT_PUNIT_N || !p->ux[unit]) {
        conformal(NULL, 1, 0, 0, fpr, t);
        return 0;
    }
    conformal(p->ux[unit], 1, in->unit_kept[unit], in->unit_n[unit], fpr, t);
    t->indep = in->unit_indep[unit];
    return t->resolved;
}

int cot_profile_thr_enough(const cot_profile_thr_t *t, double fpr)
{
    return t->calibrated && (double)t->indep * fpr >= COT_PROFILE_UNITS_PER_FPR - 1e-9;
}

/* See profile.h; the messages are cot-profile(1)'s. */
int cot_profile_warn_calibration(const cot_profile_t *p, double fpr, unsigned kinds,
                                 int score)
{
    int nw = 0;
    for (int k = 0; k < COT_PUNIT_N; k++) {
        if (!(kinds >> k & 1)) continue;
        cot_profile_thr_t t;
        cot_profile_unit_threshold(p, k, fpr, &t);
        if (!t.calibrated) continue;
        const char *u = cot_punit_names[k];
        const char *dis = k == COT_PUNIT_WINDOW ? "disjoint " : "";
        double need = ceil(COT_PROFILE_UNITS_PER_FPR / fpr - 1e-9);
        if (!t.resolved) {
            cot_warn("calibration of %s: %llu held-out %s cannot hold --fpr %g "
                     "(the least they resolve is 1/(n+1) = %.4f), so %s null; hold "
                     "out %.0f or more %s%s to resolve it, %.0f for the rate to hold "
                     "(raise --holdout or give more own samples)",
                     u, (unsigned long long)t.n, u, fpr, t.min_fpr,
                     score ? "its flags are" : "flags at that rate will be",
                     ceil(1.0 / fpr - 1.0 - 1e-9), dis, u, need);
        } else if (!score && !cot_profile_thr_enough(&t, fpr)) {
            cot_warn("calibration of %s: the --fpr %g threshold rests on %llu "
                     "%sheld-out %s, fewer than %.0f (10/fpr), so the rate it holds "
                     "is uncertain (%llu held-out %s above it); raise --holdout or "
                     "give more own samples", u, fpr, (unsigned long long)t.indep,
                     dis, u, need, (unsigned long long)t.above, u);
        } else continue;
        nw++;
    }
    if (score && !p->info.trained_kept) {
        const int ref = p->info.views >> COT_PVIEW_REF_WORDS & 1;
        cot_warn("the profile was built before cot-profile kept fingerprints of its "
                 "records, so a scored record it was trained on (which scores closer "
                 "to the model than a fresh own sample, and which mix must count as "
                 "untouched)%s cannot be told%s; rebuild the profile",
                 ref ? ", or one in its reference (whose ratios are then too high),"
                     : "", ref ? ": shift.in_reference is null" : "");
        nw++;
    }
    return nw;
}

int cot_profile_comb(const cot_profile_t *p, int f[], double mu[], double sd[],
                     double ri[][COT_PROFILE_COMB_MAX])
{
    const comb_t *c = &p->comb;
    for (int i = 0; i < c->n; i++) {
        f[i] = c->f[i];
        mu[i] = c->mu[i];
        sd[i] = c->sd[i];
        for (int j = 0; j < c->n; j++) ri[i][j] = c->ri[i][j];
    }
    return c->n;
}

double cot_profile_cal_row(const cot_profile_t *p, uint64_t i, int kind)
{
    if (!p->rows || i >= p->ncal || kind < 0 || kind >= COT_PCAL_N) return NAN;
    return rdf64(p->rows + 8 * (i * COT_PCAL_N + (uint64_t)kind));
}

double cot_profile_feat_threshold(const cot_profile_t *p, int f, double fpr,
                                  uint64_t *nabove)
{
    if (nabove) *nabove = 0;
    if (!feat_ok(p, f)) return NAN;
    cot_profile_thr_t t;
    conformal(p->cal[f], 1, p->ncal, p->ncal, fpr, &t);
    if (nabove) *nabove = t.above;
    return t.t;
}

void cot_profile_spans(const cot_ptok_t *t, const double *bits, size_t n,
                       const size_t (*spans)[2], size_t nspans,
                       cot_profile_spans_t *o)
{
    double si = 0, so = 0, sb = 0, sa = 0;
    memset(o, 0, sizeof *o);
    size_t first = nspans ? spans[0][0] : (size_t)-1;
    for (size_t k = 1; k < nspans; k++) if (spans[k][0] < first) first = spans[k][0];
    for (size_t i = 0; i < n; i++) {
        int in = 0, after = 0;
        for (size_t k = 0; k < nspans; k++) {
            size_t a = spans[k][0], b = spans[k][1];
            /* an empty span (a deletion) touches the token it sits in */
            if (t[i].start < (b > a ? b : a + 1) && t[i].end > a) in = 1;
            if (t[i].start >= (b > a ? b : a)) after = 1;
        }
        if (in) { si += bits[i]; o->n_inside++; continue; }
        so += bits[i]; o->n_outside++;
        if (after) { sa += bits[i]; o->n_after++; }
        else if (t[i].end <= first) { sb += bits[i]; o->n_before++; }
    }
    o->inside = o->n_inside ? si / (double)o->n_inside : NAN;
    o->outside = o->n_outside ? so / (double)o->n_outside : NAN;
    o->before = o->n_before ? sb / (double)o->n_before : NAN;
    o->after = o->n_after ? sa / (double)o->n_after : NAN;
}

/* ---- the shift object -------------------------------------------------- */

void cot_profile_work_free(cot_profile_work_t *w)
{
    free(w->toks); free(w->bits); free(w->spans);
    free(w->rbits);
    free(w->ubits); free(w->steps);
    free(w->keys); free(w->cids); free(w->memo[0]); free(w->memo[1]);
    memset(w, 0, sizeof *w);
}

void cot_profile_shift_opts_init(cot_profile_shift_opts_t *o)
{
    o->window = 32;
    o->fpr = 0.01;
    o->per_token = 0;
    o->units = 0;
}

long cot_profile_spans_json(const cJSON *v, size_t cot_len, cot_profile_work_t *w)
{
    if (!cJSON_IsArray(v)) return -1;
    long n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        const cJSON *a, *b;
        if (cJSON_IsArray(it)) { a = cJSON_GetArrayItem(it, 0); b = cJSON_GetArrayItem(it, 1); }
        else {
            a = cJSON_GetObjectItemCaseSensitive(it, "b_start");
            b = cJSON_GetObjectItemCaseSensitive(it, "b_end");
            if (!a) { a = cJSON_GetObjectItemCaseSensitive(it, "start");
                      b = cJSON_GetObjectItemCaseSensitive(it, "end"); }
        }
        if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || a->valuedouble < 0 ||
            b->valuedouble < a->valuedouble || b->valuedouble > (double)cot_len)
            return -1;
        if ((size_t)n == w->scap) {
            w->scap = w->scap ? w->scap * 2 : 16;
            w->spans = cot_realloc(w->spans, w->scap * sizeof *w->spans);
        }
        w->spans[n][0] = (size_t)a->valuedouble;
        w->spans[n][1] = (size_t)b->valuedouble;
        n++;
    }
    return n;
}

static double r4(double x) { return round(x * 1e4) / 1e4; }

/* d = k / 10^4 rounded to a double, 0 < |k| < 10^15 and k not a multiple
 * of 10^4, is the double nearest to that decimal, so %1.15g spells the
 * decimal itself (at most 15 significant digits, no exponent for
 * 10^-4 <= |d| < 10^11, trailing zeros dropped) and it reads back as d:
 * cJSON's spelling, written into t here without printf and strtod.
 * Returns its start in t (the text ends at t + 32), or NULL for any other d
 * (an integer is the writer's, the rest printed as cJSON prints it). */
static const char *num4_text(double d, char t[32])
{
    double a = fabs(d);
    if (!(a < 1e11) || a == floor(a)) return NULL;
    long long k = llround(a * 1e4);
    if ((double)k / 1e4 != a) return NULL;
    char *q = t + 32;
    int f = (int)(k % 10000), nd = 4;
    while (f % 10 == 0) { f /= 10; nd--; }
    for (int i = 0; i < nd; i++, f /= 10) *--q = (char)('0' + f % 10);
    *--q = '.';
    k /= 10000;
    do *--q = (char)('0' + k % 10); while (k /= 10);
    if (d < 0) *--q = '-';
    return q;
}

cJSON *cot_profile_number(double d)
{
    cJSON *n = cJSON_CreateNumber(d);
    char t[32];
    const char *q = num4_text(d, t);
    if (q) n->valuestring = cot_strndup(q, (size_t)(t + 32 - q));
    return n;
}

/* The shift object is written once, through a sink that either builds its
 * cJSON tree (for a caller that sets it into a record's tree) or appends
 * the very text cot_json_print() would write for that tree (for a caller
 * that splices it into the record's line, json.h): the scorer's records
 * are short, and building, printing and freeing some sixty nodes cost it
 * more than scoring one.  Every value goes through one of the calls below,
 * each the tree's node and its text side by side; cot_profile_shift_check()
 * holds the two to the same bytes.  The keys are literals with nothing to
 * escape: not copied in the tree (cJSON_StringIsConst). */
#define SINK_DEPTH 6
typedef struct {
    cot_buf_t *b;              /* the text, or NULL: the tree             */
    cJSON *at[SINK_DEPTH];     /* tree: the open containers, at[0] the root */
    int first[SINK_DEPTH];     /* text: nothing in the open container yet   */
    int depth;
} sink_t;

static void sink_tree(sink_t *o, cJSON *root)
{
    memset(o, 0, sizeof *o);
    o->at[0] = root;
}

/* text: the members (or elements) of a container the caller opens and
 * closes, appended to b */
static void sink_text(sink_t *o, cot_buf_t *b)
{
    memset(o, 0, sizeof *o);
    o->b = b;
    o->first[0] = 1;
}

/* Where the next value goes: its comma and key (NULL in an array) written,
 * and room made for a value of up to 40 bytes (a number's longest is 24). */
static void sink_key(sink_t *o, const char *k)
{
    cot_buf_t *b = o->b;
    const size_t kn = k ? strlen(k) : 0;
    if (b->len + kn + 48 > b->cap) cot_buf_reserve(b, kn + 48);
    char *q = b->s + b->len;
    if (!o->first[o->depth]) *q++ = ',';
    o->first[o->depth] = 0;
    if (k) {
        *q++ = '"';
        memcpy(q, k, kn);
        q += kn;
        *q++ = '"';
        *q++ = ':';
    }
    b->len = (size_t)(q - b->s);
}

/* n bytes of a value (n <= 40) into the room sink_key() made */
static void sink_put(sink_t *o, const char *s, size_t n)
{
    memcpy(o->b->s + o->b->len, s, n);
    o->b->len += n;
}

static void sink_node(sink_t *o, const char *k, cJSON *x)
{
    if (k) cJSON_AddItemToObjectCS(o->at[o->depth], k, x);
    else cJSON_AddItemToArray(o->at[o->depth], x);
}

/* cJSON_CreateNumber(d) */
static void put_plain(sink_t *o, const char *k, double d)
{
    if (!o->b) { sink_node(o, k, cJSON_CreateNumber(d)); return; }
    sink_key(o, k);
    cJSON n = {.type = cJSON_Number, .valuedouble = d};
    cot_json_print_number(o->b, &n);
}

/* cot_profile_number(d) */
static void put_number(sink_t *o, const char *k, double d)
{
    if (!o->b) { sink_node(o, k, cot_profile_number(d)); return; }
    char t[32];
    const char *q = num4_text(d, t);
    if (!q) { put_plain(o, k, d); return; }
    sink_key(o, k);
    sink_put(o, q, (size_t)(t + 32 - q));
}

static void put_null(sink_t *o, const char *k)
{
    if (!o->b) { sink_node(o, k, cJSON_CreateNull()); return; }
    sink_key(o, k);
    sink_put(o, "null", 4);
}

static void put_bool(sink_t *o, const char *k, int v)
{
    if (!o->b) { sink_node(o, k, cJSON_CreateBool(v)); return; }
    sink_key(o, k);
    if (v) sink_put(o, "true", 4);
    else sink_put(o, "false", 5);
}

/* A shift number: rounded to four decimals; NaN (not defined) as null, and
 * an infinity (beyond every held-out record: unbounded) as +-DBL_MAX, as
 * jq writes one: a number, so a consumer's "above a limit" holds for it,
 * where a null would be read as missing (and cot-stat's --max-mean would
 * leave it out). */
static void put_num(sink_t *o, const char *k, double x)
{
    if (isnan(x)) put_null(o, k);
    else if (isinf(x)) put_plain(o, k, x > 0 ? DBL_MAX : -DBL_MAX);
    else put_number(o, k, r4(x));
}

/* An object ('{') or an array ('['), closed by put_close(). */
static void put_open(sink_t *o, const char *k, char c)
{
    if (o->depth + 1 >= SINK_DEPTH)            /* the shift object has a fixed shape */
        cot_die(COT_EXIT_IO, "internal error: the shift object nests past %d", SINK_DEPTH);
    if (!o->b) {
        cJSON *x = c == '{' ? cJSON_CreateObject() : cJSON_CreateArray();
        sink_node(o, k, x);
        o->at[++o->depth] = x;
        return;
    }
    sink_key(o, k);
    sink_put(o, &c, 1);
    o->first[++o->depth] = 1;
}

static void put_close(sink_t *o, char c)
{
    o->depth--;
    if (o->b) cot_buf_addc(o->b, c);
}

static void put_span(sink_t *o, size_t a, size_t b, double v)
{
    put_open(o, NULL, '[');
    put_plain(o, NULL, (double)a);
    put_plain(o, NULL, (double)b);
    put_number(o, NULL, r4(v));
    put_close(o, ']');
}

/* windows {threshold, of, flagged, spans} and steps {threshold, of,
 * flagged, spans}: the unit flags, each calibrated on its own held-out
 * units (null threshold: not calibrated, another --window, a record in the
 * reference when the values are its ratios, or fpr below
 * what the held-out units resolve). */
static void put_units(sink_t *sh, const cot_profile_t *prof, const char *cot,
                      size_t len, size_t m, const cot_profile_shift_opts_t *o,
                      cot_profile_work_t *w, int inref)
{
    cot_profile_units(prof, cot, len, m, w);
    const double *u = w->ubits;
    cot_profile_thr_t tw, ts;
    cot_profile_unit_threshold(prof, COT_PUNIT_WINDOW, o->fpr, &tw);
    cot_profile_unit_threshold(prof, COT_PUNIT_STEP, o->fpr, &ts);
    if (o->window != prof->info.unit_window) tw.resolved = 0;
    if (inref) tw.resolved = ts.resolved = 0;   /* the values are ratios */
    put_open(sh, "windows", '{');
    put_num(sh, "threshold", tw.resolved ? tw.t : NAN);
    size_t W = o->window && o->window < m ? o->window : m;
    size_t npos = m ? m - W + 1 : 0, nflag = 0;
    put_plain(sh, "of", (double)npos);
    /* The flag count comes before the spans, which are found in the same
     * pass: the text's spans are written apart and moved after it. */
    cot_buf_t spans = {0};
    sink_t sp;
    cJSON *arr = NULL;
    if (sh->b) sink_text(&sp, &spans);
    else sink_tree(&sp, arr = cJSON_CreateArray());
    if (tw.resolved && m) {
        /* flagged windows, overlapping ones merged: [start, end, max] */
        double sum = 0, best = 0;
        size_t open = 0, s0 = 0, e0 = 0;
        for (size_t i = 0; i < m; i++) {
            sum += u[i];
            if (i >= W) sum -= u[i - W];
            if (i + 1 < W) continue;
            size_t at = i + 1 - W;
            double v = sum / (double)W;
            if (!(v > tw.t)) continue;
            nflag++;
            size_t a = w->toks[at].start, b = w->toks[i].end;
            if (open && a <= e0) { e0 = b; if (v > best) best = v; continue; }
            if (open) put_span(&sp, s0, e0, best);
            open = 1; s0 = a; e0 = b; best = v;
        }
        if (open) put_span(&sp, s0, e0, best);
    }
    if (tw.resolved) put_plain(sh, "flagged", (double)nflag);
    else put_null(sh, "flagged");
    if (sh->b) {
        sink_key(sh, "spans");
        cot_buf_addc(sh->b, '[');
        cot_buf_add(sh->b, spans.s, spans.len);
        cot_buf_addc(sh->b, ']');
    } else sink_node(sh, "spans", arr);
    cot_buf_free(&spans);
    put_close(sh, '}');
    put_open(sh, "steps", '{');
    put_num(sh, "threshold", ts.resolved ? ts.t : NAN);
    put_plain(sh, "of", (double)w->nsteps);
    nflag = 0;
    for (size_t k = 0; ts.resolved && k < w->nsteps; k++) nflag += w->steps[k].value > ts.t;
    if (ts.resolved) put_plain(sh, "flagged", (double)nflag);
    else put_null(sh, "flagged");
    put_open(sh, "spans", '[');
    for (size_t k = 0; ts.resolved && k < w->nsteps; k++)
        if (w->steps[k].value > ts.t)
            put_span(sh, w->steps[k].start, w->steps[k].end, w->steps[k].value);
    put_close(sh, ']');
    put_close(sh, '}');
}

/* logprob {curvature, p, combined_p}; q is score_p as written (rounded;
 * NAN when null). */
static void put_logprob(sink_t *sh, double curv, double q)
{
    put_open(sh, "logprob", '{');
    put_num(sh, "curvature", curv);
    double p = isnan(curv) ? NAN : 0.5 * erfc(-curv / sqrt(2.0));
    if (p < 1e-300) p = 1e-300;
    put_num(sh, "p", p);
    double c = NAN;
    if (!isnan(p) && !isnan(q) && q > 0) {
        double x = -2 * (log(p) + log(q));
        c = exp(-x / 2) * (1 + x / 2);         /* chi-square, 4 df, upper tail */
    }
    if (isnan(c)) put_null(sh, "combined_p");
    else put_plain(sh, "combined_p", c < 1e-4 ? c : r4(c));
    put_close(sh, '}');
}

/* One n-gram view of views: bits, peak and (llr >= 0: with a reference)
 * llr, each with its z against the held-out own samples. */
static void put_view(sink_t *sh, const cot_profile_t *prof, const char *name,
                     const double f[COT_PCAL_N], int bits, int peak, int llr)
{
    put_open(sh, name, '{');
    put_num(sh, "bits", f[bits]);
    put_num(sh, "z", cot_profile_feat_z(prof, bits, f[bits]));
    put_num(sh, "peak", f[peak]);
    put_num(sh, "peak_z", cot_profile_feat_z(prof, peak, f[peak]));
    if (llr >= 0) {
        put_num(sh, "llr", f[llr]);
        put_num(sh, "llr_z", cot_profile_feat_z(prof, llr, f[llr]));
    }
    put_close(sh, '}');
}

/* Whether x is among the n ascending fingerprints at v. */
static int fp_in(const unsigned char *v, uint64_t n, uint64_t x)
{
    uint64_t lo = 0, hi = n;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (rd64(v + 8 * mid) < x) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && rd64(v + 8 * lo) == x;
}

/* Whether a record whose word tokens have fingerprint fp is one of the
 * reference (see cot_profile_work_t.in_reference). */
static int in_reference(const cot_profile_t *pr, uint64_t fp)
{
    if (!pr->rfp) return -1;
    return fp_in(pr->rfp, pr->info.ref_fingerprints, fp);
}

/* Whether it is a record the profile was trained on (-1: cannot tell). */
static int in_training(const cot_profile_t *pr, uint64_t fp)
{
    if (!pr->tfp) return -1;
    return fp_in(pr->tfp, pr->info.trained_fingerprints, fp);
}

int cot_profile_holds(const cot_profile_t *p, const char *text, size_t n,
                      cot_profile_work_t *w)
{
    if (!(p->info.views >> COT_PVIEW_REF_WORDS & 1)) return 0;
    size_t m = cot_profile_tokenize(text, n, &w->toks, &w->tcap);
    return m ? in_reference(p, cot_profile_fingerprint(w->toks, m)) : 0;
}

void cot_profile_set_names(const char *const *names, int n, cot_buf_t *out)
{
    if (n > 1) cot_buf_adds(out, "each of ");
    for (int k = 0; k < n; k++)
        cot_buf_printf(out, "%s%s", k ? (k + 1 < n ? ", " : " and ") : "", names[k]);
}

const char *cot_profile_set_check(cot_profile_t *const *p, int n, const char *const *name,
                                  cot_buf_t *why)
{
    cot_profile_info_t a, b;
    cot_profile_info(p[0], &a);
    for (int k = 0; k < n; k++) {
        cot_profile_info(p[k], &b);
        if (!(b.views >> COT_PVIEW_REF_WORDS & 1) || !b.ref_kept) {
            cot_buf_printf(why, "%s: %s; with several profiles each needs a reference whose "
                           "records it knows (rebuild it with --reference)", name[k],
                           b.views >> COT_PVIEW_REF_WORDS & 1 ? "built before reference "
                           "fingerprints" : "has no reference");
            return why->s;
        }
        if (b.records != a.records || b.tokens != a.tokens || b.holdout != a.holdout ||
            b.ncal != a.ncal || b.order != a.order) {
            cot_buf_printf(why, "%s and %s were built from different own samples or "
                           "options (%llu and %llu records, %llu and %llu held out), so "
                           "their scores do not mean the same; build each from the same "
                           "own samples with the same options, only --reference-fold "
                           "differing", name[0], name[k], (unsigned long long)a.records,
                           (unsigned long long)b.records, (unsigned long long)a.holdout,
                           (unsigned long long)b.holdout);
            return why->s;
        }
    }
    return NULL;
}

uint64_t cot_profile_fold_key(const char *prompt, size_t prompt_len, const char *id,
                              const char *cot, size_t cot_len)
{
    if (prompt && prompt_len) return cot_profile_hash_bytes(prompt, prompt_len);
    if (id) return cot_profile_hash_bytes(id, strlen(id));
    return cot_profile_hash_bytes(cot, cot_len);
}

int cot_profile_pick(cot_profile_t *const *p, int n, uint64_t key, const char *cot,
                     size_t cot_len, cot_profile_work_t *w)
{
    for (int k = 0; k < n; k++) {
        const cot_profile_info_t *in = &p[k]->info;
        if (in->ref_folds ? cot_profile_fold(key, in->ref_folds) != in->ref_fold
                          : cot_profile_holds(p[k], cot, cot_len, &w[k]) != 1) {
            w[k].picked = k + 1;
            return k;
        }
    }
    w[0].picked = 1;
    return 0;
}

void cot_profile_in_reference_error(const char *profile, unsigned long long n,
                                    unsigned long long of, const char *file,
                                    unsigned long line)
{
    cot_err("%llu of %llu scored records are in the reference of %s (the same "
            "words; the first at %s:%lu), which makes their ratios too high, so "
            "their score, score_p, llr and flags are null; score each record "
            "against a profile whose reference leaves it out (build one profile "
            "per --reference-fold 1/2 and 2/2, then cot-profile score -p A -p B: "
            "cot-profile(1), VIEWS)", n, of, profile, file, line);
}

/* The members of the shift object into sh (see cot_profile_shift_json()),
 * and logprob last when curv is not NULL.  A record in the reference gets
 * null for every value that rests on the reference's ratios. */
static void put_shift(sink_t *sh, const cot_profile_t *prof, const char *cot, size_t len,
                      long nspans, const cot_profile_shift_opts_t *o,
                      cot_profile_work_t *w, int *off, const double *curv)
{
    const double thr = cot_profile_feat_threshold(prof, COT_PCAL_SCORE, o->fpr, NULL);
    const int cal_window = o->window == prof->info.cal_window;
    double f[COT_PCAL_N];
    size_t n = cot_profile_features(prof, cot, len, o->window, w, f);
    const cot_ptok_t *toks = w->toks;
    const double *bits = w->bits;
    const int has_ref = prof->info.views >> COT_PVIEW_REF_WORDS & 1;
    /* one fingerprint for both look-ups (a serial chain over the tokens) */
    const uint64_t fp = n && (prof->rfp || prof->tfp) ? cot_profile_fingerprint(toks, n) : 0;
    w->in_reference = has_ref && n ? in_reference(prof, fp) : 0;
    const int inref = w->in_reference == 1;
    if (inref) f[COT_PCAL_SCORE] = f[COT_PCAL_WLLR] = f[COT_PCAL_CLLR] = NAN;
    const cot_profile_score_t s = w->words;
    const double score_p = cot_profile_feat_p(prof, COT_PCAL_SCORE, f[COT_PCAL_SCORE]);
    put_num(sh, "score", f[COT_PCAL_SCORE]);
    put_num(sh, "score_p", score_p);
    put_num(sh, "bits_per_token", s.bits_per_token);
    /* Bits per token over the own baseline (the calibration mean), the
     * figure cot-stat --shift averages per group. */
    const cot_profile_info_t *pi = &prof->info;
    put_num(sh, "excess_bits", pi->ncal ? s.bits_per_token - pi->cal_mean[0] : NAN);
    put_plain(sh, "tokens", (double)n);
    put_num(sh, "z", cot_profile_z(prof, 0, s.bits_per_token));
    put_num(sh, "p", cot_profile_p(prof, 0, s.bits_per_token));
    put_open(sh, "worst_window", '{');
    put_num(sh, "bits", s.worst_bits);
    if (n) {
        put_plain(sh, "start", (double)s.worst_start);
        put_plain(sh, "end", (double)s.worst_end);
    }
    put_num(sh, "z", cal_window ? cot_profile_z(prof, 1, s.worst_bits) : NAN);
    put_num(sh, "p", cal_window ? cot_profile_p(prof, 1, s.worst_bits) : NAN);
    put_close(sh, '}');
    *off = n && !isnan(thr) && f[COT_PCAL_SCORE] > thr;
    if (n && !isnan(thr) && !inref) put_bool(sh, "off_policy", *off);
    else put_null(sh, "off_policy");
    put_num(sh, "threshold", thr);
    put_number(sh, "fpr", o->fpr);
    if (has_ref) {
        if (w->in_reference < 0 || !n) put_null(sh, "in_reference");
        else put_bool(sh, "in_reference", inref);
    }
    w->trained = n ? in_training(prof, fp) : 0;
    if (w->trained == 1) put_bool(sh, "trained", 1);
    if (w->picked) put_plain(sh, "profile", (double)w->picked);
    if (o->units) put_units(sh, prof, cot, len, n, o, w, inref);
    /* the views, each with its z against the held-out own samples */
    put_open(sh, "views", '{');
    put_view(sh, prof, "words", f, COT_PCAL_WBITS, COT_PCAL_WPEAK, has_ref ? COT_PCAL_WLLR : -1);
    put_view(sh, prof, "chars", f, COT_PCAL_CBITS, COT_PCAL_CPEAK, has_ref ? COT_PCAL_CLLR : -1);
    put_open(sh, "layout", '{');
    put_num(sh, "rms_z", f[COT_PCAL_LAYOUT]);
    put_num(sh, "z", cot_profile_feat_z(prof, COT_PCAL_LAYOUT, f[COT_PCAL_LAYOUT]));
    put_close(sh, '}');
    put_close(sh, '}');
    double vr[COT_PVOICE_N];
    cot_profile_voice(toks, n, vr);
    put_open(sh, "voice", '{');
    for (int k = 0; k < COT_PVOICE_N; k++) put_num(sh, cot_pvoice_names[k], vr[k]);
    put_close(sh, '}');
    if (nspans >= 0) {
        cot_profile_spans_t e;
        cot_profile_spans(toks, bits, n, (const size_t (*)[2])w->spans, (size_t)nspans, &e);
        put_open(sh, "edits", '{');
        put_plain(sh, "spans", (double)nspans);
        put_num(sh, "inside", e.inside);
        put_num(sh, "outside", e.outside);
        put_num(sh, "before", e.before);
        put_num(sh, "downstream", e.after);
        put_num(sh, "downstream_shift", e.after - e.before);
        put_plain(sh, "tokens_inside", (double)e.n_inside);
        put_plain(sh, "tokens_before", (double)e.n_before);
        put_plain(sh, "tokens_downstream", (double)e.n_after);
        put_close(sh, '}');
    }
    if (o->per_token) {
        put_open(sh, "per_token", '[');
        for (size_t i = 0; i < n; i++) {
            put_open(sh, NULL, '[');
            put_plain(sh, NULL, toks[i].start);
            put_plain(sh, NULL, toks[i].end);
            put_number(sh, NULL, r4(bits[i]));
            if (has_ref) put_number(sh, NULL, r4(w->rbits[i]));
            put_close(sh, ']');
        }
        put_close(sh, ']');
    }
    if (curv) {
        const double q = isnan(score_p) || isinf(score_p) ? NAN : r4(score_p);
        put_logprob(sh, *curv, q);
    }
}

cJSON *cot_profile_shift_json(const cot_profile_t *prof, const char *cot, size_t len,
                              long nspans, const cot_profile_shift_opts_t *o,
                              cot_profile_work_t *w, int *off)
{
    cJSON *root = cJSON_CreateObject();
    sink_t sh;
    sink_tree(&sh, root);
    put_shift(&sh, prof, cot, len, nspans, o, w, off, NULL);
    return root;
}

void cot_profile_shift_print(cot_buf_t *out, const cot_profile_t *prof, const char *cot,
                             size_t len, long nspans, const cot_profile_shift_opts_t *o,
                             cot_profile_work_t *w, int *off, const double *curvature)
{
    sink_t sh;
    sink_text(&sh, out);
    cot_buf_addc(out, '{');
    put_shift(&sh, prof, cot, len, nspans, o, w, off, curvature);
    cot_buf_addc(out, '}');
}

int cot_profile_shift_check(const cot_profile_t *prof, const char *cot, size_t len,
                            long nspans, const cot_profile_shift_opts_t *o,
                            cot_profile_work_t *w, const double *curvature)
{
    int off1 = -1, off2 = -2;
    cJSON *t = cot_profile_shift_json(prof, cot, len, nspans, o, w, &off1);
    if (curvature) cot_profile_add_logprob(t, *curvature);
    cot_buf_t a = {0}, b = {0};
    int bad = cot_json_print(&a, t) < 0;
    cJSON_Delete(t);
    cot_profile_shift_print(&b, prof, cot, len, nspans, o, w, &off2, curvature);
    bad |= off1 != off2 || a.len != b.len || (a.len && memcmp(a.s, b.s, a.len));
    cot_buf_free(&a);
    cot_buf_free(&b);
    return bad ? -1 : 0;
}

/* ---- writing ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);   /* NAN last */
    return x < y ? -1 : x > y;
}

/* One view's estimate: discounts per order, gamma0, the unigram total, and
 * the file layout of its tables. */
typedef struct {
    double D[COT_PROFILE_MAX_ORDER + 2][3];
    double gamma0;
    uint64_t sum0, vocab;
    uint64_t off[COT_PROFILE_MAX_ORDER + 1], slots[COT_PROFILE_MAX_ORDER + 1],
             ents[COT_PROFILE_MAX_ORDER + 1];
} vest_t;

/* Continuation counts, counts-of-counts, discounts and context statistics
 * of one view's tables, in place. */
static void view_estimate(btab_t *T, int N, unsigned min_count, vest_t *E)
{
    memset(E, 0, sizeof *E);
    if (min_count > 1)
        for (int n = 2; n <= N; n++)
            btab_rehash(&T[n], T[n].slots, min_count, n);
    /* continuation counts: one per distinct left extension */
    for (int n = N; n >= 2; n--) {
        btab_t *t = &T[n];
        for (size_t i = 0; i < t->slots; i++) {
            if (!t->e[i].key) continue;
            bent_t *s = btab_find(&T[n - 1], t->e[i].suf);
            if (s && s->adj != BOSF) s->adj++;
        }
    }
    uint64_t sum0 = 0, d0 = 0, n10 = 0, n20 = 0;
    for (int n = N; n >= 1; n--) {
        btab_t *t = &T[n];
        uint64_t cc[5] = {0};
        for (size_t i = 0; i < t->slots; i++) {
            bent_t *e = &t->e[i];
            if (!e->key) continue;
            uint32_t a = adjusted(e, n, N);
            if (!a) continue;
            if (a <= 4) cc[a]++;
            if (n == 1) {
                sum0 += a; d0++; n10 += a == 1; n20 += a == 2;
                continue;
            }
            bent_t *c = btab_find(&T[n - 1], e->ctx);
            if (!c) {                 /* its context was pruned: drop it    */
                e->raw = 0;
                if (e->adj != BOSF) e->adj = 0;
                continue;
            }
            c->sum += a; c->d++; c->n1 += a == 1; c->n2 += a == 2;
        }
        discounts(cc, E->D[n]);
    }
    E->sum0 = sum0;
    E->gamma0 = sum0 ? (E->D[1][0] * (double)n10 + E->D[1][1] * (double)n20 +
                        E->D[1][2] * (double)(d0 - n10 - n20)) / (double)sum0 : 1.0;
}

/* Place one view's tables from byte `total` on; returns the new end. */
static size_t view_place(const btab_t *T, int N, vest_t *E, size_t total)
{
    E->vocab = 0;
    for (int n = 1; n <= N; n++) {
        const btab_t *t = &T[n];
        uint64_t k = 0;
        for (size_t i = 0; i < t->slots; i++) {
            const bent_t *e = &t->e[i];
            if (e->key && (adjusted(e, n, N) || e->sum)) k++;
            if (n == 1 && e->key && adjusted(e, n, N)) E->vocab++;
        }
        E->ents[n] = k;
        E->slots[n] = pow2_for(k, 0.7);
        E->off[n] = total;
        total += E->slots[n] * ENT;
    }
    return total;
}

static void view_fill(const btab_t *T, int N, const vest_t *E, unsigned char *img)
{
    for (int n = 1; n <= N; n++) {
        const btab_t *t = &T[n];
        uint64_t mask = E->slots[n] - 1;
        for (size_t i = 0; i < t->slots; i++) {
            const bent_t *e = &t->e[i];
            uint32_t a = e->key ? adjusted(e, n, N) : 0;
            if (!e->key || !(a || e->sum)) continue;
            double prob = 0, gamma = 1;
            if (a) {
                double S = (double)E->sum0;
                if (n > 1) {
                    const bent_t *c = btab_find(&T[n - 1], e->ctx);
                    S = c ? (double)c->sum : 0;
                }
                double v = (double)a - dsc(E->D[n], a);
                prob = S > 0 && v > 0 ? v / S : 0;
            }
            if (n < N && e->sum)
                gamma = (E->D[n + 1][0] * e->n1 + E->D[n + 1][1] * e->n2 +
                         E->D[n + 1][2] * (double)(e->d - e->n1 - e->n2)) / (double)e->sum;
            uint64_t j = e->key & mask;
            while (rd64(img + E->off[n] + j * ENT)) j = (j + 1) & mask;
            unsigned char *q = img + E->off[n] + j * ENT;
            wr64(q, e->key); wrf32(q + 8, (float)prob); wrf32(q + 12, (float)gamma);
        }
    }
}

/* Invert the k x k matrix a (row stride COT_PROFILE_COMB_MAX) into r by
 * Gauss-Jordan with partial pivoting; 0, or -1 when singular. */
static int mat_inv(double a[][COT_PROFILE_COMB_MAX], int k,
                   double r[][COT_PROFILE_COMB_MAX])
{
    double m[COT_PROFILE_COMB_MAX][2 * COT_PROFILE_COMB_MAX];
    for (int i = 0; i < k; i++)
        for (int j = 0; j < 2 * k; j++) m[i][j] = j < k ? a[i][j] : (j - k == i);
    for (int c = 0; c < k; c++) {
        int piv = c;
        for (int i = c + 1; i < k; i++) if (fabs(m[i][c]) > fabs(m[piv][c])) piv = i;
        if (fabs(m[piv][c]) < 1e-12) return -1;
        for (int j = 0; j < 2 * k; j++) { double t = m[c][j]; m[c][j] = m[piv][j]; m[piv][j] = t; }
        double d = m[c][c];
        for (int j = 0; j < 2 * k; j++) m[c][j] /= d;
        for (int i = 0; i < k; i++) {
            if (i == c || m[i][c] == 0) continue;
            double f = m[i][c];
            for (int j = 0; j < 2 * k; j++) m[i][j] -= f * m[c][j];
        }
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) r[i][j] = m[i][k + j];
    return 0;
}

/* The mean and sample sd of v[0..n) without its infinities: a held-out
 * record can be infinitely far on a feature (layout_rms()), which says
 * where it is, not how the others spread.  A NaN (a feature the profile
 * does not have) makes both NaN.  The sd is 0 below 2 values. */
static void fin_mean_sd(const double *v, size_t n, double *mu, double *sd)
{
    double s = 0, q = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) if (!isinf(v[i])) { s += v[i]; m++; }
    *mu = m ? s / (double)m : 0;
    for (size_t i = 0; i < n; i++)
        if (!isinf(v[i])) q += (v[i] - *mu) * (v[i] - *mu);
    *sd = m > 1 ? sqrt(q / (double)(m - 1)) : 0;
}

/* The combined score's parameters from the held-out features sc[f][0..n):
 * the features' means and sds, and the inverse of their correlation matrix
 * shrunk towards the identity, (R + 0.05 I) / 1.05 (fixed a priori, not
 * tuned), so that two views that say the same thing count about once. */
static void comb_fit(comb_t *c, int has_ref, double *const sc[COT_PCAL_N], size_t n)
{
    static const int own[] = {COT_PCAL_WBITS, COT_PCAL_WPEAK, COT_PCAL_CBITS,
                              COT_PCAL_CPEAK, COT_PCAL_LAYOUT};
    static const int ref[] = {COT_PCAL_WLLR, COT_PCAL_CLLR, COT_PCAL_LAYOUT};
    memset(c, 0, sizeof *c);
    if (n < 2) return;
    const int *fs = has_ref ? ref : own;
    int k = has_ref ? 3 : 5;
    double R[COT_PROFILE_COMB_MAX][COT_PROFILE_COMB_MAX];
    for (int i = 0; i < k; i++) {
        c->f[i] = fs[i];
        fin_mean_sd(sc[fs[i]], n, &c->mu[i], &c->sd[i]);
    }
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) {
            double s = 0;
            size_t m = 0;
            if (c->sd[i] > 0 && c->sd[j] > 0) {
                for (size_t r = 0; r < n; r++) {
                    double a = sc[fs[i]][r], b = sc[fs[j]][r];
                    if (isinf(a) || isinf(b)) continue;
                    s += (a - c->mu[i]) * (b - c->mu[j]);
                    m++;
                }
                s = m > 1 ? s / ((double)(m - 1) * c->sd[i] * c->sd[j]) : i == j;
            } else s = i == j;
            R[i][j] = (s + 0.05 * (i == j)) / 1.05;
        }
    if (mat_inv(R, k, c->ri) < 0) {        /* cannot happen with the ridge */
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) c->ri[i][j] = i == j;
    }
    c->n = k;
}

#define UNIT_WINDOW 32

static void unit_grow(double **v, size_t *cap, size_t need)
{
    if (need <= *cap) return;
    while (*cap < need) *cap = *cap ? 2 * *cap : 4096;
    *v = cot_realloc(*v, *cap * sizeof **v);
}

int cot_profile_builder_write(cot_profile_builder_t *b, const char *path)
{
    const int N = b->o.order;
    int have[COT_PVIEW_N];
    uint32_t views = 0;
    vest_t E[COT_PVIEW_N];
    for (int v = 0; v < COT_PVIEW_N; v++) {
        have[v] = v < COT_PVIEW_REF_WORDS || b->ref_records;
        if (!have[v]) continue;
        views |= 1u << v;
        view_estimate(vtabs(b, v), vorder(b, v), b->o.min_count, &E[v]);
    }
    /* the image: header, view blocks, layout, combined, tables,
     * calibration, voice */
    size_t total = HDR_SIZE, block[COT_PVIEW_N] = {0};
    for (int v = 1; v < COT_PVIEW_N; v++)
        if (have[v]) { block[v] = total; total += VIEW_SIZE; }
    size_t layout_off = total;
    total += LAYOUT_SIZE;
    size_t comb_off = total;
    total += COMB_SIZE;
    for (int v = 0; v < COT_PVIEW_N; v++)
        if (have[v]) total = view_place(vtabs(b, v), vorder(b, v), &E[v], total);
    size_t ncal_max = b->nhold;
    size_t cal_off = total, cal_size = CAL_HDR + 16 * COT_PCAL_N * ncal_max;
    total += cal_size;
    size_t voice_off = total, voice_size = 16 + 32 * COT_PVOICE_N;
    total += voice_size;
    unsigned char *img = cot_calloc(1, total);
    memcpy(img, "COTPROF", 8);
    wr32(img + 8, COT_PROFILE_VERSION);
    wr32(img + 12, HDR_SIZE);
    wr32(img + 16, (uint32_t)N);
    wr32(img + 20, 1);
    wr32(img + 24, b->o.min_count);
    wr32(img + 28, b->cutoff);
    wr64(img + 32, E[0].vocab);
    wr64(img + 40, b->tokens);
    wr64(img + 48, b->records);
    wr64(img + 56, b->nhold);
    wrf64(img + 64, E[0].gamma0);
    for (int n = 1; n <= N; n++)
        for (int j = 0; j < 3; j++) wrf64(img + 72 + (n * 3 + j) * 8, E[0].D[n][j]);
    for (int n = 1; n <= N; n++) {
        unsigned char *d = img + OFF_TABLES + (n - 1) * 24;
        wr64(d, E[0].off[n]); wr64(d + 8, E[0].slots[n]); wr64(d + 16, E[0].ents[n]);
    }
    wr32(img + OFF_VIEWS, views);
    for (int v = 1; v < COT_PVIEW_N; v++) {
        if (!have[v]) continue;
        const int Nv = vorder(b, v);
        unsigned char *q = img + block[v];
        wr64(img + OFF_SECT + 16 * (v - 1), block[v]);
        wr64(img + OFF_SECT + 16 * (v - 1) + 8, VIEW_SIZE);
        wr32(q, (uint32_t)v);
        wr32(q + 4, (uint32_t)Nv);
        wr64(q + 8, E[v].vocab);
        wr64(q + 16, b->xtokens[v]);
        wrf64(q + 24, E[v].gamma0);
        for (int n = 1; n <= Nv; n++)
            for (int j = 0; j < 3; j++) wrf64(q + 32 + (n * 3 + j) * 8, E[v].D[n][j]);
        for (int n = 1; n <= Nv; n++) {
            unsigned char *d = q + 176 + (n - 1) * 24;
            wr64(d, E[v].off[n]); wr64(d + 8, E[v].slots[n]); wr64(d + 16, E[v].ents[n]);
        }
    }
    for (int v = 0; v < COT_PVIEW_N; v++)
        if (have[v]) view_fill(vtabs(b, v), vorder(b, v), &E[v], img);
    /* the layout baseline over the training records */
    wr64(img + OFF_SECT + 16 * SEC_LAYOUT, layout_off);
    wr64(img + OFF_SECT + 16 * SEC_LAYOUT + 8, LAYOUT_SIZE);
    wr64(img + layout_off, b->records);
    wr32(img + layout_off + 8, COT_PLAYOUT_N);
    for (int k = 0; k < COT_PLAYOUT_N; k++) {
        double nr = (double)b->records;
        wrf64(img + layout_off + 16 + 8 * k, nr ? b->lsum[k] / nr : 0);
        wrf64(img + layout_off + 16 + 8 * COT_PLAYOUT_N + 8 * k, sd_of(nr, b->lsum[k], b->lsq[k]));
    }
    wr64(img + OFF_SECT + 16 * SEC_COMB, comb_off);
    wr64(img + OFF_SECT + 16 * SEC_COMB + 8, COMB_SIZE);
    /* provisional sections so that the image validates, then score */
    wr64(img + OFF_CAL, cal_off); wr64(img + OFF_CAL + 8, cal_size);
    wr64(img + OFF_VOICE, voice_off); wr64(img + OFF_VOICE + 8, voice_size);
    wr64(img + OFF_FSIZE, total);
    wr32(img + cal_off + 8, 32);
    wr32(img + cal_off + 12, COT_PCAL_N);
    wr64(img + voice_off, b->nvoice);
    wr32(img + voice_off + 8, COT_PVOICE_N);
    for (int k = 0; k < COT_PVOICE_N; k++) {
        unsigned char *q = img + voice_off + 16 + 32 * k;
        memcpy(q, cot_pvoice_names[k], strlen(cot_pvoice_names[k]));
        const double nv = (double)b->nvoice;
        wrf64(q + 16, nv ? b->vsum[k] / nv : 0);
        wrf64(q + 24, sd_of(nv, b->vsum[k], b->vsq[k]));
    }
    wr64(img + OFF_CSUM, checksum(img, total));
    const char *why = NULL;
    cot_profile_t *pr = cot_profile_open_mem(img, total, &why);
    if (!pr) cot_die(COT_EXIT_IO, "internal error: built profile invalid: %s", why);
    double *sc[COT_PCAL_N];
    for (int k = 0; k < COT_PCAL_N; k++) sc[k] = cot_malloc((ncal_max + 1) * 8);
    size_t ncal = 0;
    cot_profile_work_t w = {0};
    /* the unit values: every window position, every step */
    double *uv[COT_PUNIT_N] = {0};
    size_t un[COT_PUNIT_N] = {0}, ucap[COT_PUNIT_N] = {0};
    uint64_t windep = 0;
    const size_t W = UNIT_WINDOW;
    for (size_t at = 0, k = 0; k < b->nhold; k++) {
        const char *s = b->hold.s + at;
        size_t len = strlen(s);
        at += len + 1;
        double f[COT_PCAL_N];
        size_t m = features_raw(pr, s, len, W, &w, f);
        if (!m) continue;
        for (int j = 0; j < COT_PCAL_N; j++) sc[j][ncal] = f[j];
        ncal++;
        cot_profile_units(pr, s, len, m, &w);
        size_t Wr = W < m ? W : m, npos = m - Wr + 1;
        unit_grow(&uv[COT_PUNIT_WINDOW], &ucap[COT_PUNIT_WINDOW], un[COT_PUNIT_WINDOW] + npos);
        unit_grow(&uv[COT_PUNIT_STEP], &ucap[COT_PUNIT_STEP], un[COT_PUNIT_STEP] + w.nsteps);
        double sum = 0;
        for (size_t i = 0; i < m; i++) {
            sum += w.ubits[i];
            if (i >= Wr) sum -= w.ubits[i - Wr];
            if (i + 1 >= Wr) uv[COT_PUNIT_WINDOW][un[COT_PUNIT_WINDOW]++] = sum / (double)Wr;
        }
        windep += m >= W ? m / W : 1;
        for (size_t i = 0; i < w.nsteps; i++)
            uv[COT_PUNIT_STEP][un[COT_PUNIT_STEP]++] = w.steps[i].value;
    }
    cot_profile_work_free(&w);
    cot_profile_close(pr);
    comb_t cb;
    comb_fit(&cb, b->ref_records > 0, sc, ncal);
    for (size_t i = 0; i < ncal; i++) {
        double f[COT_PCAL_N];
        for (int j = 0; j < COT_PCAL_N; j++) f[j] = sc[j][i];
        sc[COT_PCAL_SCORE][i] = comb_eval(&cb, f);
    }
    unsigned char *q = img + comb_off;
    wr32(q, (uint32_t)cb.n);
    for (int i = 0; i < cb.n; i++) {
        wr32(q + 8 + 4 * i, (uint32_t)cb.f[i]);
        wrf64(q + 40 + 8 * i, cb.mu[i]);
        wrf64(q + 104 + 8 * i, cb.sd[i]);
        for (int j = 0; j < cb.n; j++) wrf64(q + 168 + 8 * (i * 8 + j), cb.ri[i][j]);
    }
    wr64(img + cal_off, ncal);
    /* the rows, before the columns are sorted */
    for (size_t i = 0; i < ncal; i++)
        for (int k = 0; k < COT_PCAL_N; k++)
            wrf64(img + cal_off + CAL_HDR + 8 * ((size_t)COT_PCAL_N * (ncal + i) + (size_t)k),
                  sc[k][i]);
    for (int k = 0; k < COT_PCAL_N; k++) {
        double mu, sd;
        fin_mean_sd(sc[k], ncal, &mu, &sd);
        wrf64(img + cal_off + 16 + 8 * k, mu);
        wrf64(img + cal_off + 16 + 8 * COT_PCAL_N + 8 * k, sd);
        if (ncal) qsort(sc[k], ncal, sizeof(double), cmp_double);
        for (size_t i = 0; i < ncal; i++)
            wrf64(img + cal_off + CAL_HDR + ((size_t)k * ncal + i) * 8, sc[k][i]);
        free(sc[k]);
    }
    /* shrink the calibration section to what was used */
    size_t used = CAL_HDR + 16 * COT_PCAL_N * ncal;
    if (used < cal_size) {
        memmove(img + cal_off + used, img + voice_off, voice_size);
        voice_off = cal_off + used;
        total = voice_off + voice_size;
        wr64(img + OFF_CAL + 8, used);
        wr64(img + OFF_VOICE, voice_off);
        wr64(img + OFF_FSIZE, total);
    }
    /* the unit calibration, appended */
    size_t kept[COT_PUNIT_N] = {0}, usize = UNITS_HDR;
    for (int k = 1; k < COT_PUNIT_N; k++) {
        kept[k] = un[k] < COT_PROFILE_UNIT_CAP ? un[k] : COT_PROFILE_UNIT_CAP;
        usize += 8 * kept[k];
    }
    size_t uoff = total;
    total += usize;
    img = cot_realloc(img, total);
    memset(img + uoff, 0, usize);
    wr64(img + OFF_UNITS, uoff);
    wr64(img + OFF_UNITS + 8, usize);
    wr32(img + uoff, COT_PUNIT_N - 1);
    wr32(img + uoff + 4, (uint32_t)W);
    unsigned char *x = img + uoff + UNITS_HDR;
    for (int k = 1; k < COT_PUNIT_N; k++) {
        unsigned char *h = img + uoff + 8 + 40 * (k - 1);
        double mu = 0, var = 0;
        for (size_t i = 0; i < un[k]; i++) mu += uv[k][i];
        mu = un[k] ? mu / (double)un[k] : 0;
        for (size_t i = 0; i < un[k]; i++) var += (uv[k][i] - mu) * (uv[k][i] - mu);
        var = un[k] > 1 ? var / (double)(un[k] - 1) : 0;
        if (un[k]) qsort(uv[k], un[k], sizeof(double), cmp_double);
        wr64(h, un[k]);
        wr64(h + 8, k == COT_PUNIT_WINDOW ? windep : un[k]);
        wr64(h + 16, kept[k]);
        wrf64(h + 24, mu);
        wrf64(h + 32, sqrt(var));
        /* kept value i: the order statistic of rank ceil((i + 1) n / kept) */
        for (size_t i = 0; i < kept[k]; i++) {
            size_t r = kept[k] == un[k] ? i + 1
                     : (size_t)ceil((double)(i + 1) * (double)un[k] / (double)kept[k] - 1e-9);
            if (r > un[k]) r = un[k];
            wrf64(x, uv[k][r - 1]);
            x += 8;
        }
        free(uv[k]);
    }
    /* the fingerprints of the reference and training records, appended */
    {
        size_t nf = fp_unique(b->rfp, b->nrfp), nt = fp_unique(b->tfp, b->ntfp);
        size_t roff = total, rsize = REFSET_HDR + 8 * (nf + nt);
        total += rsize;
        img = cot_realloc(img, total);
        wr64(img + OFF_REFSET, roff);
        wr64(img + OFF_REFSET + 8, rsize);
        wr64(img + roff, nf);
        wr64(img + roff + 8, b->ref_left_out);
        wr32(img + roff + 16, b->ref_records ? b->o.ref_fold : 0);
        wr32(img + roff + 20, b->ref_records ? b->o.ref_folds : 0);
        wr64(img + roff + 24, nt);
        unsigned char *q = img + roff + REFSET_HDR;
        for (size_t i = 0; i < nf; i++, q += 8) wr64(q, b->rfp[i]);
        for (size_t i = 0; i < nt; i++, q += 8) wr64(q, b->tfp[i]);
    }
    wr64(img + OFF_FSIZE, total);
    wr64(img + OFF_CSUM, 0);
    wr64(img + OFF_CSUM, checksum(img, total));
    int st = cot_write_file_atomic(path, img, total);
    free(img);
    return st;
}

/* ---- logprobs ---------------------------------------------------------- */

void cot_profile_add_logprob(cJSON *sh, double curv)
{
    cJSON_DeleteItemFromObjectCaseSensitive(sh, "logprob");
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(sh, "score_p");
    sink_t o;
    sink_tree(&o, sh);
    put_logprob(&o, curv, cJSON_IsNumber(sp) ? sp->valuedouble : NAN);
}

/* ---- mixture ----------------------------------------------------------- */

void cot_profile_mix_fit(const double *p, size_t n, uint64_t cal, cot_profile_mix_t *m)
{
    memset(m, 0, sizeof *m);
    m->n = n;
    m->cal = cal;
    m->lambda = 0.5;
    if (!n) { m->pi0 = m->rewritten = m->lo = m->hi = NAN; return; }
    double cnt[COT_PMIX_BINS] = {0}, above = 0;
    for (size_t i = 0; i < n; i++) {
        int b = (int)(p[i] * COT_PMIX_BINS);
        if (b < 0) b = 0;
        if (b >= COT_PMIX_BINS) b = COT_PMIX_BINS - 1;
        cnt[b]++;
        above += p[i] > m->lambda;
    }
    double N = (double)n, q = above / N, z = 1.959964;
    /* Wilson interval of q, the fraction above lambda */
    double den = 1 + z * z / N, mid = (q + z * z / (2 * N)) / den;
    double half = z * sqrt(q * (1 - q) / N + z * z / (4 * N * N)) / den;
    double pi0 = q / (1 - m->lambda);
    m->pi0 = pi0 > 1 ? 1 : pi0;
    m->rewritten = 1 - m->pi0;
    if (cal)       /* the calibration's error, shared by every own record */
        half = sqrt(half * half + z * z * m->pi0 * m->pi0 * m->lambda * (1 - m->lambda) /
                                      ((double)cal + 2));
    double hi0 = (mid + half) / (1 - m->lambda), lo0 = (mid - half) / (1 - m->lambda);
    m->lo = 1 - (hi0 > 1 ? 1 : hi0);
    m->hi = 1 - (lo0 > 1 ? 1 : lo0 < 0 ? 0 : lo0);
    /* density per bin, made non-increasing by pooling adjacent violators */
    double val[COT_PMIX_BINS], wt[COT_PMIX_BINS];
    int len[COT_PMIX_BINS], k = 0;
    for (int b = 0; b < COT_PMIX_BINS; b++) {
        val[k] = cnt[b] / N * COT_PMIX_BINS; wt[k] = 1; len[k] = 1; k++;
        while (k > 1 && val[k - 2] < val[k - 1]) {
            val[k - 2] = (val[k - 2] * wt[k - 2] + val[k - 1] * wt[k - 1]) / (wt[k - 2] + wt[k - 1]);
            wt[k - 2] += wt[k - 1]; len[k - 2] += len[k - 1]; k--;
        }
    }
    for (int j = 0, b = 0; j < k; j++)
        for (int r = 0; r < len[j]; r++) m->density[b++] = val[j];
}

void cot_profile_mix_known(cot_profile_mix_t *m, size_t known)
{
    m->known = known;
    if (!known) return;
    if (!m->n) { m->rewritten = m->lo = m->hi = 0; return; }
    const double f = (double)m->n / (double)(m->n + known);
    m->rewritten *= f;
    m->lo *= f;
    m->hi *= f;
}

double cot_profile_mix_posterior(const cot_profile_mix_t *m, double p)
{
    if (isnan(p) || !m->n) return NAN;
    int b = (int)(p * COT_PMIX_BINS);
    if (b < 0) b = 0;
    if (b >= COT_PMIX_BINS) b = COT_PMIX_BINS - 1;
    double f = m->density[b];
    double lfdr = f > 0 ? m->pi0 / f : 1;
    return lfdr >= 1 ? 0 : 1 - lfdr;
}

double cot_profile_parse_fpr(const char *arg)
{
    double f;
    if (cot_parse_double(arg, 0, 1, &f) < 0 || f <= 0 || f >= 1)
        cot_usage_error("--fpr: must be a rate strictly between 0 and 1, not '%s'", arg);
    return f;
}
