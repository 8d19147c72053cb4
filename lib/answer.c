/* answer.c -- see answer.h */
#include "answer.h"
#include "util.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* A number, an optional range, then an optional scale or '%'.  Each rule's
 * pattern holds it once, so the group names are unique there. */
#define N "(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?"
#define NUMX "(?<num>(?<lo>" N ")(?:[*_]{0,2}[^\\S\\n]*(?:-|\xE2\x80\x93|\xE2\x80\x94|to)" \
             "[^\\S\\n]*(?<hi>" N "))?[*_]{0,2}" \
             "(?:[^\\S\\n]*(?:/|out[^\\S\\n]+of)[^\\S\\n]*(?<den>\\d+)|[^\\S\\n]*(?<pct>%))?)"
#define NUMX_DEN "(?<num>(?<lo>" N ")(?:[^\\S\\n]*(?:-|\xE2\x80\x93|\xE2\x80\x94|to)" \
             "[^\\S\\n]*(?<hi>" N "))?[*_]{0,2}" \
             "[^\\S\\n]*(?:/|out[^\\S\\n]+of)[^\\S\\n]*(?<den>\\d+))"
#define END "(?![A-Za-z0-9])"

static const char *const patterns[4] = {
    /* 1. labelled */
    "(?:\\b(?:final\\s+answer|rating|score|grade|mark|probability|likelihood|chance"
    "|estimate|assessment|evaluation|verdict|urgency|answer)\\b[^\\S\\n]*"
    "(?:\\([^()\\n]{0,40}\\)[^\\S\\n]*)?(?::|=|\\bis\\b)"
    "|\\b(?:rate|give|score)[^\\S\\n]+(?:it|this(?:[^\\S\\n]+\\w+)?|them|him|her)"
    "(?:[^\\S\\n]+(?:an?|at))?)"
    "[^\\S\\n]*(?:[*_#]+[^\\S\\n]*)?(?:(?:about|around|roughly|approximately)[^\\S\\n]+|~[^\\S\\n]*)?"
    NUMX END,
    /* 2. a ratio */
    "(?<![\\w.,/])" NUMX_DEN END,
    /* 3. a number opening the answer, not a list marker */
    "\\A[\\s#*_>]*" NUMX END "(?!\\.\\s|\\))",
    /* 4. the last line is a number */
    "(?m)^[^\\S\\n]*[#*_>]*[^\\S\\n]*(?:[A-Za-z][A-Za-z ]{0,30}:[^\\S\\n]*)?[*_]*[^\\S\\n]*"
    "(?<sign>[-+]|\xE2\x88\x92)?" NUMX END "[*_.!\\s]*\\z",
};

/* The patterns, compiled once for the process (pthread_once: threads may
 * call cot_answer_number at once); each call has its own match data. */
static pcre2_code *re[4];
static pthread_once_t re_once = PTHREAD_ONCE_INIT;

static void compile_patterns(void)
{
    for (int i = 0; i < 4; i++) {
        int ec;
        PCRE2_SIZE eo;
        re[i] = pcre2_compile((PCRE2_SPTR)patterns[i], PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_CASELESS, &ec, &eo, NULL);
        if (!re[i]) cot_die(COT_EXIT_IO, "answer.c: internal pattern %d failed at %zu",
                            i + 1, (size_t)eo);
        pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE);
    }
}

/* Group `name` of the last match: 1 with offsets, 0 when unset. */
static int group(pcre2_match_data *md, int r, const char *name, size_t *s, size_t *e)
{
    int k = pcre2_substring_number_from_name(re[r], (PCRE2_SPTR)name);
    if (k < 0) return 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if ((uint32_t)k >= pcre2_get_ovector_count(md) || ov[2 * k] == PCRE2_UNSET) return 0;
    *s = ov[2 * k];
    *e = ov[2 * k + 1];
    return 1;
}

static double number_at(const char *t, size_t s, size_t e)
{
    char tmp[64];
    size_t k = 0;
    for (size_t i = s; i < e && k + 1 < sizeof tmp; i++)
        if (t[i] != ',') tmp[k++] = t[i];
    tmp[k] = 0;
    double d = NAN;
    if (cot_parse_double(tmp, 0, INFINITY, &d) < 0) d = NAN;
    return d;
}

/* Read the groups of rule r's match into *out: 0, or -1 when it does not
 * qualify (a ratio with N > D, a number that does not parse). */
static int read_match(pcre2_match_data *md, int r, const char *t, cot_answer_num_t *out)
{
    size_t s, e, hs, he, ds, de, ps, pe, ns, ne;
    if (!group(md, r, "lo", &s, &e) || !group(md, r, "num", &ns, &ne)) return -1;
    double lo = number_at(t, s, e), hi = lo;
    int range = group(md, r, "hi", &hs, &he);
    if (range) hi = number_at(t, hs, he);
    double den = 0;
    int has_den = group(md, r, "den", &ds, &de);
    if (has_den) den = number_at(t, ds, de);
    else if (group(md, r, "pct", &ps, &pe)) den = 100;
    if (isnan(lo) || isnan(hi) || isnan(den)) return -1;
    /* "/D" is a rating scale only for the usual D; "3/4" may as well be a
     * fraction (0.75), so it is no number rather than a wrong one */
    if (has_den && den != 5 && den != 10 && den != 20 && den != 100) return -1;
    if (den > 0 && (lo > den || hi > den)) return -1;
    if (range && hi < lo) return -1;
    out->value = range ? (lo + hi) / 2 : lo;
    out->scale = den;
    out->range = range;
    out->start = ns;
    out->end = ne;
    /* the markup after a number is not part of it */
    while (out->end > out->start && (t[out->end - 1] == '*' || t[out->end - 1] == '_'))
        out->end--;
    if (r == 3 && group(md, r, "sign", &s, &e) && t[s] != '+') {
        out->value = -out->value;
        out->start = s;
    }
    return 0;
}

int cot_answer_number(const char *t, size_t n, cot_answer_num_t *out)
{
    pthread_once(&re_once, compile_patterns);
    pcre2_match_data *md = pcre2_match_data_create(16, NULL);
    if (!md) cot_die(COT_EXIT_IO, "out of memory");
    int found = -1;
    for (int r = 0; r < 4 && found < 0; r++) {
        size_t off = 0;
        while (off <= n) {
            int rc = pcre2_match(re[r], (PCRE2_SPTR)t, n, off, 0, md, NULL);
            if (rc < 0) break;
            if (read_match(md, r, t, out) == 0) { found = 0; break; }
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
            off = ov[1] > off ? ov[1] : off + 1;
            while (off < n && ((unsigned char)t[off] & 0xC0) == 0x80) off++;
        }
    }
    pcre2_match_data_free(md);
    return found;
}

static double round6(double x)
{
    double r = round(x * 1e6) / 1e6;
    return r == 0 ? 0 : r;      /* no -0 */
}

void cot_answer_shift_add(cJSON *d, const char *a, size_t alen,
                          const char *b, size_t blen)
{
    cot_answer_num_t x, y;
    int hx = a && cot_answer_number(a, alen, &x) == 0;
    int hy = b && cot_answer_number(b, blen, &y) == 0;
    cJSON *num = cJSON_CreateObject();
    if (hx) cJSON_AddNumberToObject(num, "a", round6(x.value));
    else cJSON_AddNullToObject(num, "a");
    if (hy) cJSON_AddNumberToObject(num, "b", round6(y.value));
    else cJSON_AddNullToObject(num, "b");
    cJSON_DeleteItemFromObjectCaseSensitive(d, "answer_number");
    cJSON_DeleteItemFromObjectCaseSensitive(d, "answer_shift");
    cJSON_DeleteItemFromObjectCaseSensitive(d, "answer_moved");
    cJSON_AddItemToObject(d, "answer_number", num);
    if (hx && hy && !(x.scale > 0 && y.scale > 0 && x.scale != y.scale)) {
        double s = round6(y.value - x.value);
        cJSON_AddNumberToObject(d, "answer_shift", s);
        cJSON_AddBoolToObject(d, "answer_moved", s != 0);
    } else {
        cJSON_AddNullToObject(d, "answer_shift");
        cJSON_AddNullToObject(d, "answer_moved");
    }
}

/* ---- the numbers of a text -------------------------------------------- */

static const char *const num_words[] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen", "twenty"};
static const char *const tens_words[] = {
    "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

/* The value of the word t[a..b), or -1 when it is no number word. */
static double word_number(const char *t, size_t a, size_t b)
{
    char w[16];
    if (b - a >= sizeof w) return -1;
    for (size_t i = a; i < b; i++) w[i - a] = (char)tolower((unsigned char)t[i]);
    w[b - a] = 0;
    for (size_t i = 0; i < sizeof num_words / sizeof *num_words; i++)
        if (!strcmp(w, num_words[i])) return (double)i;
    for (size_t i = 0; i < sizeof tens_words / sizeof *tens_words; i++)
        if (!strcmp(w, tens_words[i])) return 30.0 + 10.0 * (double)i;
    if (!strcmp(w, "hundred")) return 100;
    if (!strcmp(w, "thousand")) return 1000;
    return -1;
}

static size_t digits_at(const char *t, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && isdigit((unsigned char)t[k])) k++;
    return k - i;
}

#define TOK_DIGITS 40

int cot_answer_next_number(const char *t, size_t n, size_t *at, cot_answer_tok_t *o)
{
    size_t i = *at;
    while (i < n) {
        unsigned char c = (unsigned char)t[i];
        if (isalpha(c)) {
            size_t b = i;
            while (b < n && isalpha((unsigned char)t[b])) b++;
            double w = word_number(t, i, b);
            if (w >= 0) {
                *o = (cot_answer_tok_t){.value = w, .quotient = NAN, .start = i,
                                        .end = b, .word = 1};
                *at = b;
                return 1;
            }
            i = b;
            continue;
        }
        if (!isdigit(c)) { i++; continue; }
        if (i > 0 && (t[i - 1] == '.' || isalnum((unsigned char)t[i - 1]))) {
            while (i < n && isalnum((unsigned char)t[i])) i++;   /* inside a word */
            continue;
        }
        const size_t s = i;
        int neg = i > 0 && t[i - 1] == '-' && (i == 1 || isspace((unsigned char)t[i - 2]) ||
                                               t[i - 2] == '(' || t[i - 2] == '$');
        char buf[2 * TOK_DIGITS + 2];
        size_t k = 0, d = digits_at(t, n, i);
        int skip = d > TOK_DIGITS;
        for (size_t e = 0; e < d && k < TOK_DIGITS; e++) buf[k++] = t[i + e];
        i += d;
        /* groups of three after ',' or one space, when the first had 1-3 */
        while (d <= 3 && i + 4 <= n && (t[i] == ',' || t[i] == ' ') &&
               digits_at(t, n, i + 1) == 3 && !(i + 4 < n && isalnum((unsigned char)t[i + 4]))) {
            for (size_t e = 1; e <= 3; e++) {
                if (k < TOK_DIGITS) buf[k++] = t[i + e];
                else skip = 1;
            }
            i += 4;
        }
        if (i + 1 < n && t[i] == '.' && isdigit((unsigned char)t[i + 1])) {
            size_t f = digits_at(t, n, i + 1);
            buf[k++] = '.';
            /* digits past a double's precision only round it */
            for (size_t e = 0; e < f && e < TOK_DIGITS; e++) buf[k++] = t[i + 1 + e];
            i += 1 + f;
        }
        buf[k] = 0;
        double x;
        if (skip || cot_parse_double(buf, -INFINITY, INFINITY, &x) < 0) continue;
        *o = (cot_answer_tok_t){.value = neg ? -x : x, .quotient = NAN,
                                .start = neg ? s - 1 : s, .end = i};
        if (i + 1 < n && t[i] == '/' && isdigit((unsigned char)t[i + 1])) {
            size_t f = digits_at(t, n, i + 1);
            char db[TOK_DIGITS + 1];
            double den;
            if (f <= TOK_DIGITS) {
                memcpy(db, t + i + 1, f);
                db[f] = 0;
                if (cot_parse_double(db, 0, INFINITY, &den) == 0 && den > 0)
                    o->quotient = o->value / den;
            }
        }
        *at = i;
        return 1;
    }
    *at = n;
    return 0;
}
