/* profile.c -- n-gram profile: tokens, building (modified Kneser-Ney over
 * hashed counts), the binary file, loading by mmap, and scoring.
 * See profile.h for the model and docs/man cot-profile(1) for the format. */
#include "profile.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
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

/* ---- tokens ------------------------------------------------------------ */

enum { C_SPACE, C_WORD, C_DIGIT, C_PUNCT };
static unsigned char cls[256];
static int cls_ready;

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

/* ---- voice ------------------------------------------------------------- */

const char *const cot_pvoice_names[COT_PVOICE_N] = {"planner", "assistant"};

static const char *const voice_phrases[][4] = {
    {"the", "user", "wants", NULL}, {"we", "should", NULL, NULL},
    {"the", "assistant", "should", NULL},
    {"i", "will", NULL, NULL}, {"i", "'", "ll", NULL}, {"i", "think", NULL, NULL},
};
static const int voice_kind[] = {0, 0, 0, 1, 1, 1};
#define NPHRASE 6
static uint64_t voice_hash[NPHRASE][3];
static int voice_len[NPHRASE], voice_ready;

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
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < NPHRASE; k++) {
            int L = voice_len[k], j = 0;
            if (i + (size_t)L > n) continue;
            while (j < L && t[i + j].hash == voice_hash[k][j]) j++;
            if (j == L) cnt[voice_kind[k]]++;
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
 * Calibration: u64 n, u32 window, u32 kinds (2), f64 mean[2], f64 sd[2],
 * then n sorted f64 per kind (bits/token, worst window).
 * Voice: u64 records, u32 features, u32 0, then per feature char name[16],
 * f64 mean, f64 sd.
 * Checksum: over the whole file with the checksum field read as zero. */
#define HDR_SIZE 512
#define OFF_TABLES 216
#define OFF_CAL 336
#define OFF_VOICE 352
#define OFF_FSIZE 368
#define OFF_CSUM 376
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
    btab_t t[COT_PROFILE_MAX_ORDER + 1];
    size_t bytes, peak;
    unsigned cutoff, sweeps;
    uint64_t records, tokens;
    cot_ptok_t *toks;
    size_t tcap;
    cot_buf_t hold;           /* held-out texts, NUL-separated             */
    uint64_t nhold;
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

static void account(cot_profile_builder_t *b)
{
    size_t tot = 0;
    for (int n = 1; n <= b->o.order; n++) tot += b->t[n].slots * sizeof(bent_t);
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
        for (int n = 2; n <= b->o.order; n++) {
            btab_t *t = &b->t[n];
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

static bent_t *builder_get(cot_profile_builder_t *b, int n, uint64_t key)
{
    btab_t *t = &b->t[n];
    if ((double)(t->used + 1) > 0.7 * (double)t->slots) {
        size_t grow = t->slots * sizeof(bent_t) * 2;
        if (b->o.max_mem && b->bytes + grow > b->o.max_mem && n >= 2) {
            builder_sweep(b);
            t = &b->t[n];
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
}

cot_profile_builder_t *cot_profile_builder_new(const cot_profile_opts_t *o)
{
    cot_profile_builder_t *b = cot_calloc(1, sizeof *b);
    b->o = *o;
    for (int n = 1; n <= o->order; n++) btab_init(&b->t[n], 1024);
    account(b);
    bent_t *bos = builder_get(b, 1, BOS_HASH);
    bos->adj = BOSF;
    return b;
}

void cot_profile_builder_add(cot_profile_builder_t *b, const char *p, size_t n)
{
    size_t m = cot_profile_tokenize(p, n, &b->toks, &b->tcap);
    const int N = b->o.order;
    uint64_t hist[COT_PROFILE_MAX_ORDER];        /* hist[0]: previous token  */
    uint64_t prev[COT_PROFILE_MAX_ORDER + 1], cur[COT_PROFILE_MAX_ORDER + 1];
    hist[0] = BOS_HASH;
    prev[1] = BOS_HASH;
    size_t hlen = 1;
    for (size_t i = 0; i < m; i++) {
        uint64_t w = b->toks[i].hash;
        size_t maxn = hlen + 1 < (size_t)N ? hlen + 1 : (size_t)N;
        cur[1] = w;
        for (size_t k = 1; k <= maxn; k++) {
            if (k > 1) cur[k] = combine(hist[k - 2], cur[k - 1]);
            bent_t *e = builder_get(b, (int)k, cur[k]);
            if (k > 1) { e->ctx = prev[k - 1]; e->suf = cur[k - 1]; }
            if (k == hlen + 1) e->adj = BOSF;   /* starts with <s> */
            if (e->raw < UINT32_MAX) e->raw++;
        }
        for (size_t k = 1; k <= maxn; k++) prev[k] = cur[k];
        for (int k = N - 1; k > 0; k--) hist[k] = hist[k - 1];
        hist[0] = w;
        if (hlen < (size_t)N) hlen++;
    }
    double r[COT_PVOICE_N];
    cot_profile_voice(b->toks, m, r);
    for (int k = 0; k < COT_PVOICE_N; k++) { b->vsum[k] += r[k]; b->vsq[k] += r[k] * r[k]; }
    b->nvoice++;
    b->records++;
    b->tokens += m;
}

void cot_profile_builder_holdout(cot_profile_builder_t *b, const char *p, size_t n)
{
    cot_buf_add(&b->hold, p, n);
    cot_buf_addc(&b->hold, '\0');
    b->nhold++;
}

void cot_profile_builder_stats(const cot_profile_builder_t *b,
                               cot_profile_build_stats_t *s)
{
    memset(s, 0, sizeof *s);
    s->records = b->records;
    s->tokens = b->tokens;
    s->holdout = b->nhold;
    for (int n = 1; n <= b->o.order; n++) s->ngrams[n] = b->t[n].used;
    s->sweeps = b->sweeps;
    s->cutoff = b->cutoff;
    s->peak_bytes = b->peak;
}

void cot_profile_builder_free(cot_profile_builder_t *b)
{
    if (!b) return;
    for (int n = 1; n <= COT_PROFILE_MAX_ORDER; n++) free(b->t[n].e);
    free(b->toks);
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

struct cot_profile {
    const unsigned char *p;
    size_t n;
    int mapped;
    int order;
    ptab_t t[COT_PROFILE_MAX_ORDER + 1];
    double gamma0, uniform;
    const unsigned char *bos;
    uint64_t ncal;
    const unsigned char *cal[2];
    cot_profile_info_t info;
};

static const unsigned char *ptab_find(const ptab_t *t, uint64_t key)
{
    uint64_t i = key & t->mask;
    for (;;) {
        const unsigned char *e = t->base + i * ENT;
        uint64_t k = rd64(e);
        if (k == key) return e;
        if (!k) return NULL;
        i = (i + 1) & t->mask;
    }
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
    if (csz < 48) return "corrupted profile (calibration section)";
    uint64_t ncal = rd64(p + coff);
    if (rd32(p + coff + 12) != 2 || ncal > (csz - 48) / 16)
        return "corrupted profile (calibration section)";
    uint64_t voff = rd64(p + OFF_VOICE), vsz = rd64(p + OFF_VOICE + 8);
    if (vsz < 16 || rd32(p + voff + 8) > (vsz - 16) / 32)
        return "corrupted profile (voice section)";
    return NULL;
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
    cot_profile_t *pr = cot_calloc(1, sizeof *pr);
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
    for (int k = 0; k < 2; k++) {
        in->cal_mean[k] = rdf64(c + 16 + 8 * k);
        in->cal_sd[k] = rdf64(c + 32 + 8 * k);
        pr->cal[k] = c + 48 + (size_t)k * pr->ncal * 8;
    }
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
    int fd = open(path, O_RDONLY);
    if (fd < 0) { int e = errno; cot_err("%s: %s", path, strerror(e)); errno = e; return NULL; }
    struct stat st;
    if (fstat(fd, &st) < 0) { cot_err("%s: %s", path, strerror(errno)); close(fd); return NULL; }
    size_t n = (size_t)st.st_size;
    if (n < HDR_SIZE) {
        unsigned char h[8] = {0};
        ssize_t r = read(fd, h, sizeof h);
        close(fd);
        cot_err("%s: %s", path, r == 8 && !memcmp(h, "COTPROF", 8)
                ? "truncated profile (header incomplete)" : "not a cot profile (bad magic)");
        errno = 0;
        return NULL;
    }
    void *m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) { int e = errno; cot_err("%s: mmap: %s", path, strerror(e)); errno = e; return NULL; }
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

size_t cot_profile_surprisal(const cot_profile_t *pr, const char *text,
                             size_t n, cot_ptok_t **toks, size_t *tcap,
                             double **bits, size_t *bcap)
{
    size_t m = cot_profile_tokenize(text, n, toks, tcap);
    if (m > *bcap) {
        *bcap = m;
        *bits = cot_realloc(*bits, m * sizeof **bits);
    }
    const int N = pr->order;
    const cot_ptok_t *t = *toks;
    double *out = *bits;
    uint64_t hist[COT_PROFILE_MAX_ORDER];
    const unsigned char *prev[COT_PROFILE_MAX_ORDER + 1] = {0}, *cur[COT_PROFILE_MAX_ORDER + 1];
    hist[0] = BOS_HASH;
    prev[1] = pr->bos;
    const double base = pr->gamma0 * pr->uniform;
    for (size_t i = 0; i < m; i++) {
        uint64_t key = t[i].hash;
        const unsigned char *e = ptab_find(&pr->t[1], key);
        double p = (e ? rdf32(e + 8) : 0.0) + base;
        cur[1] = e;
        int k = 2;
        for (; k <= N; k++) {
            const unsigned char *ctx = prev[k - 1];
            if (!ctx) break;
            e = NULL;
            if (cur[k - 1]) {
                key = combine(hist[k - 2], key);
                e = ptab_find(&pr->t[k], key);
            }
            p = (e ? rdf32(e + 8) : 0.0) + rdf32(ctx + 12) * p;
            cur[k] = e;
        }
        for (; k <= N; k++) cur[k] = NULL;
        for (k = 1; k <= N; k++) prev[k] = cur[k];
        for (k = N - 1; k > 0; k--) hist[k] = hist[k - 1];
        hist[0] = t[i].hash;
        out[i] = p > 1e-30 ? -log2(p) : 99.66;
    }
    return m;
}

void cot_profile_summarise(const cot_ptok_t *t, const double *bits, size_t n,
                           size_t window, cot_profile_score_t *s)
{
    memset(s, 0, sizeof *s);
    s->tokens = n;
    if (!n) {
        s->bits_per_token = s->worst_bits = NAN;
        return;
    }
    double tot = 0;
    for (size_t i = 0; i < n; i++) tot += bits[i];
    s->bits_per_token = tot / (double)n;
    size_t W = window && window < n ? window : n;
    double w = 0, best = -1;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        w += bits[i];
        if (i >= W) w -= bits[i - W];
        if (i + 1 >= W && w > best) { best = w; at = i + 1 - W; }
    }
    s->worst_bits = best / (double)W;
    s->worst_tok0 = at;
    s->worst_tok1 = at + W;
    s->worst_start = t[at].start;
    s->worst_end = t[at + W - 1].end;
}

double cot_profile_z(const cot_profile_t *p, int which, double x)
{
    const cot_profile_info_t *in = &p->info;
    if (!p->ncal || !(in->cal_sd[which] > 0)) return NAN;
    return (x - in->cal_mean[which]) / in->cal_sd[which];
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
    if (!p->ncal || isnan(x)) return NAN;
    return (1.0 + (double)cal_ge(p, which, x)) / ((double)p->ncal + 1.0);
}

double cot_profile_threshold(const cot_profile_t *p, int which, double fpr)
{
    if (!p->ncal) return NAN;
    /* at most floor(fpr n) scores may lie strictly above the threshold */
    double a = floor(fpr * (double)p->ncal + 1e-9);
    uint64_t above = a < 0 ? 0 : (uint64_t)a;
    if (above >= p->ncal) above = p->ncal - 1;
    return rdf64(p->cal[which] + (p->ncal - 1 - above) * 8);
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
    memset(w, 0, sizeof *w);
}

void cot_profile_shift_opts_init(cot_profile_shift_opts_t *o)
{
    o->window = 32;
    o->fpr = 0.01;
    o->per_token = 0;
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

static void add_num(cJSON *o, const char *k, double x)
{
    if (isnan(x) || isinf(x)) cJSON_AddNullToObject(o, k);
    else cJSON_AddNumberToObject(o, k, r4(x));
}

cJSON *cot_profile_shift_json(const cot_profile_t *prof, const char *cot, size_t len,
                              long nspans, const cot_profile_shift_opts_t *o,
                              cot_profile_work_t *w, int *off)
{
    const double thr = cot_profile_threshold(prof, 0, o->fpr);
    const int cal_window = o->window == prof->info.cal_window;
    size_t n = cot_profile_surprisal(prof, cot, len, &w->toks, &w->tcap, &w->bits, &w->bcap);
    const cot_ptok_t *toks = w->toks;
    const double *bits = w->bits;
    cot_profile_score_t s;
    cot_profile_summarise(toks, bits, n, o->window, &s);
    cJSON *sh = cJSON_CreateObject();
    add_num(sh, "bits_per_token", s.bits_per_token);
    /* Bits per token over the own baseline (the calibration mean), the
     * figure cot-stat --shift averages per group. */
    cot_profile_info_t pi;
    cot_profile_info(prof, &pi);
    add_num(sh, "excess_bits", pi.ncal ? s.bits_per_token - pi.cal_mean[0] : NAN);
    cJSON_AddNumberToObject(sh, "tokens", (double)n);
    add_num(sh, "z", cot_profile_z(prof, 0, s.bits_per_token));
    add_num(sh, "p", cot_profile_p(prof, 0, s.bits_per_token));
    cJSON *ww = cJSON_AddObjectToObject(sh, "worst_window");
    add_num(ww, "bits", s.worst_bits);
    if (n) {
        cJSON_AddNumberToObject(ww, "start", (double)s.worst_start);
        cJSON_AddNumberToObject(ww, "end", (double)s.worst_end);
    }
    add_num(ww, "z", cal_window ? cot_profile_z(prof, 1, s.worst_bits) : NAN);
    add_num(ww, "p", cal_window ? cot_profile_p(prof, 1, s.worst_bits) : NAN);
    *off = n && !isnan(thr) && s.bits_per_token > thr;
    if (n && !isnan(thr)) cJSON_AddBoolToObject(sh, "off_policy", *off);
    else cJSON_AddNullToObject(sh, "off_policy");
    add_num(sh, "threshold", thr);
    cJSON_AddNumberToObject(sh, "fpr", o->fpr);
    double vr[COT_PVOICE_N];
    cot_profile_voice(toks, n, vr);
    cJSON *vo = cJSON_AddObjectToObject(sh, "voice");
    for (int k = 0; k < COT_PVOICE_N; k++) add_num(vo, cot_pvoice_names[k], vr[k]);
    if (nspans >= 0) {
        cot_profile_spans_t e;
        cot_profile_spans(toks, bits, n, (const size_t (*)[2])w->spans, (size_t)nspans, &e);
        cJSON *eo = cJSON_AddObjectToObject(sh, "edits");
        cJSON_AddNumberToObject(eo, "spans", (double)nspans);
        add_num(eo, "inside", e.inside);
        add_num(eo, "outside", e.outside);
        add_num(eo, "before", e.before);
        add_num(eo, "downstream", e.after);
        add_num(eo, "downstream_shift", e.after - e.before);
        cJSON_AddNumberToObject(eo, "tokens_inside", (double)e.n_inside);
        cJSON_AddNumberToObject(eo, "tokens_before", (double)e.n_before);
        cJSON_AddNumberToObject(eo, "tokens_downstream", (double)e.n_after);
    }
    if (o->per_token) {
        cJSON *pt = cJSON_AddArrayToObject(sh, "per_token");
        for (size_t i = 0; i < n; i++) {
            cJSON *t = cJSON_CreateArray();
            cJSON_AddItemToArray(t, cJSON_CreateNumber(toks[i].start));
            cJSON_AddItemToArray(t, cJSON_CreateNumber(toks[i].end));
            cJSON_AddItemToArray(t, cJSON_CreateNumber(r4(bits[i])));
            cJSON_AddItemToArray(pt, t);
        }
    }
    return sh;
}

/* ---- writing ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int write_file(const char *path, const unsigned char *p, size_t n)
{
    cot_buf_t tmp = {0};
    cot_buf_printf(&tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp.s);
    if (fd < 0) {
        cot_err("%s: %s", path, strerror(errno));
        cot_buf_free(&tmp);
        return COT_EXIT_IO;
    }
    size_t off = 0;
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

int cot_profile_builder_write(cot_profile_builder_t *b, const char *path)
{
    const int N = b->o.order;
    if (b->o.min_count > 1)
        for (int n = 2; n <= N; n++)
            btab_rehash(&b->t[n], b->t[n].slots, b->o.min_count, n);
    /* continuation counts: one per distinct left extension */
    for (int n = N; n >= 2; n--) {
        btab_t *t = &b->t[n];
        for (size_t i = 0; i < t->slots; i++) {
            if (!t->e[i].key) continue;
            bent_t *s = btab_find(&b->t[n - 1], t->e[i].suf);
            if (s && s->adj != BOSF) s->adj++;
        }
    }
    /* counts-of-counts, discounts, and context statistics */
    double D[COT_PROFILE_MAX_ORDER + 2][3];
    memset(D, 0, sizeof D);
    uint64_t sum0 = 0, d0 = 0, n10 = 0, n20 = 0;
    for (int n = N; n >= 1; n--) {
        btab_t *t = &b->t[n];
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
            bent_t *c = btab_find(&b->t[n - 1], e->ctx);
            if (!c) {                 /* its context was pruned: drop it    */
                e->raw = 0;
                if (e->adj != BOSF) e->adj = 0;
                continue;
            }
            c->sum += a; c->d++; c->n1 += a == 1; c->n2 += a == 2;
        }
        discounts(cc, D[n]);
    }
    double gamma0 = sum0 ? (D[1][0] * (double)n10 + D[1][1] * (double)n20 +
                            D[1][2] * (double)(d0 - n10 - n20)) / (double)sum0 : 1.0;
    uint64_t vocab = 0;
    /* the image: header, tables, calibration, voice */
    uint64_t off[COT_PROFILE_MAX_ORDER + 1], slots[COT_PROFILE_MAX_ORDER + 1],
             ents[COT_PROFILE_MAX_ORDER + 1];
    size_t total = HDR_SIZE;
    for (int n = 1; n <= N; n++) {
        btab_t *t = &b->t[n];
        uint64_t k = 0;
        for (size_t i = 0; i < t->slots; i++) {
            const bent_t *e = &t->e[i];
            if (e->key && (adjusted(e, n, N) || e->sum)) k++;
            if (n == 1 && e->key && adjusted(e, n, N)) vocab++;
        }
        ents[n] = k;
        slots[n] = pow2_for(k, 0.7);
        off[n] = total;
        total += slots[n] * ENT;
    }
    size_t ncal_max = b->nhold;
    size_t cal_off = total, cal_size = 48 + 16 * ncal_max;
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
    wr64(img + 32, vocab);
    wr64(img + 40, b->tokens);
    wr64(img + 48, b->records);
    wr64(img + 56, b->nhold);
    wrf64(img + 64, gamma0);
    for (int n = 1; n <= N; n++)
        for (int j = 0; j < 3; j++) wrf64(img + 72 + (n * 3 + j) * 8, D[n][j]);
    for (int n = 1; n <= N; n++) {
        unsigned char *d = img + OFF_TABLES + (n - 1) * 24;
        wr64(d, off[n]); wr64(d + 8, slots[n]); wr64(d + 16, ents[n]);
        btab_t *t = &b->t[n];
        uint64_t mask = slots[n] - 1;
        for (size_t i = 0; i < t->slots; i++) {
            const bent_t *e = &t->e[i];
            uint32_t a = e->key ? adjusted(e, n, N) : 0;
            if (!e->key || !(a || e->sum)) continue;
            double prob = 0, gamma = 1;
            if (a) {
                double S = (double)sum0;
                if (n > 1) {
                    const bent_t *c = btab_find(&b->t[n - 1], e->ctx);
                    S = c ? (double)c->sum : 0;
                }
                double v = (double)a - dsc(D[n], a);
                prob = S > 0 && v > 0 ? v / S : 0;
            }
            if (n < N && e->sum)
                gamma = (D[n + 1][0] * e->n1 + D[n + 1][1] * e->n2 +
                         D[n + 1][2] * (double)(e->d - e->n1 - e->n2)) / (double)e->sum;
            uint64_t j = e->key & mask;
            while (rd64(img + off[n] + j * ENT)) j = (j + 1) & mask;
            unsigned char *q = img + off[n] + j * ENT;
            wr64(q, e->key); wrf32(q + 8, (float)prob); wrf32(q + 12, (float)gamma);
        }
    }
    /* provisional sections so that the image validates, then score */
    wr64(img + OFF_CAL, cal_off); wr64(img + OFF_CAL + 8, cal_size);
    wr64(img + OFF_VOICE, voice_off); wr64(img + OFF_VOICE + 8, voice_size);
    wr64(img + OFF_FSIZE, total);
    wr32(img + cal_off + 8, 32);
    wr32(img + cal_off + 12, 2);
    wr64(img + voice_off, b->nvoice);
    wr32(img + voice_off + 8, COT_PVOICE_N);
    for (int k = 0; k < COT_PVOICE_N; k++) {
        unsigned char *q = img + voice_off + 16 + 32 * k;
        memcpy(q, cot_pvoice_names[k], strlen(cot_pvoice_names[k]));
        double mu = b->nvoice ? b->vsum[k] / (double)b->nvoice : 0;
        double var = b->nvoice > 1 ? (b->vsq[k] - (double)b->nvoice * mu * mu) /
                                     (double)(b->nvoice - 1) : 0;
        wrf64(q + 16, mu);
        wrf64(q + 24, var > 0 ? sqrt(var) : 0);
    }
    wr64(img + OFF_CSUM, checksum(img, total));
    const char *why = NULL;
    cot_profile_t *pr = cot_profile_open_mem(img, total, &why);
    if (!pr) cot_die(COT_EXIT_IO, "internal error: built profile invalid: %s", why);
    double *sc[2] = {cot_malloc((ncal_max + 1) * 8), cot_malloc((ncal_max + 1) * 8)};
    size_t ncal = 0;
    cot_ptok_t *toks = NULL; size_t tcap = 0;
    double *bits = NULL; size_t bcap = 0;
    for (size_t at = 0, k = 0; k < b->nhold; k++) {
        const char *s = b->hold.s + at;
        size_t len = strlen(s);
        at += len + 1;
        size_t m = cot_profile_surprisal(pr, s, len, &toks, &tcap, &bits, &bcap);
        if (!m) continue;
        cot_profile_score_t r;
        cot_profile_summarise(toks, bits, m, 32, &r);
        sc[0][ncal] = r.bits_per_token;
        sc[1][ncal] = r.worst_bits;
        ncal++;
    }
    cot_profile_close(pr);
    free(toks); free(bits);
    wr64(img + cal_off, ncal);
    for (int k = 0; k < 2; k++) {
        double mu = 0, var = 0;
        for (size_t i = 0; i < ncal; i++) mu += sc[k][i];
        mu = ncal ? mu / (double)ncal : 0;
        for (size_t i = 0; i < ncal; i++) var += (sc[k][i] - mu) * (sc[k][i] - mu);
        var = ncal > 1 ? var / (double)(ncal - 1) : 0;
        wrf64(img + cal_off + 16 + 8 * k, mu);
        wrf64(img + cal_off + 32 + 8 * k, sqrt(var));
        qsort(sc[k], ncal, sizeof(double), cmp_double);
        for (size_t i = 0; i < ncal; i++)
            wrf64(img + cal_off + 48 + ((size_t)k * ncal + i) * 8, sc[k][i]);
        free(sc[k]);
    }
    /* shrink the calibration section to what was used */
    size_t used = 48 + 16 * ncal;
    if (used < cal_size) {
        memmove(img + cal_off + used, img + voice_off, voice_size);
        voice_off = cal_off + used;
        total = voice_off + voice_size;
        wr64(img + OFF_CAL + 8, used);
        wr64(img + OFF_VOICE, voice_off);
        wr64(img + OFF_FSIZE, total);
    }
    wr64(img + OFF_CSUM, 0);
    wr64(img + OFF_CSUM, checksum(img, total));
    int st = write_file(path, img, total);
    free(img);
    return st;
}

double cot_profile_parse_fpr(const char *arg)
{
    double f;
    if (cot_parse_double(arg, 0, 1, &f) < 0 || f <= 0 || f >= 1)
        cot_usage_error("--fpr: must be a rate strictly between 0 and 1, not '%s'", arg);
    return f;
}
