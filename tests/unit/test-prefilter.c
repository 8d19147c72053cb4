/* test-prefilter.c -- prefix literals, the Aho-Corasick scan, and the
 * promise that a prefiltered scan gives exactly the matches of a full one
 * (lib/prefilter.c, lib/rules.c). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "prefilter.h"
#include "rules.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The literals joined with '|', or "-" when there is no usable set. */
static const char *lits(const char *pat, uint32_t opt)
{
    static cot_buf_t o;
    cot_buf_t b = {0};
    cot_buf_clear(&o);
    int n = cot_prefix_literals(pat, opt, &b);
    if (n <= 0) { cot_buf_add(&o, "-", 1); }
    const char *p = b.s;
    for (int i = 0; i < n; i++) {
        if (i) cot_buf_add(&o, "|", 1);
        cot_buf_add(&o, p, strlen(p));
        p += strlen(p) + 1;
    }
    cot_buf_free(&b);
    return cot_buf_cstr(&o);
}

static void test_literals(void)
{
    tap_is_str(lits("hard[- ]?code", PCRE2_CASELESS), "hard code|hard-code|hardcode",
               "optional class");
    tap_is_str(lits("\\bfoo\\s+bar", 0), "foo bar",
               "\\b is zero-width; a run of spaces reads as one");
    tap_is_str(lits("\\b(?:I'll|[Ll]et\\s+me|we\\s*(?:\\s|[\\t ])+do)", 0),
               "i'll|let me|we do",
               "alternation, case and spaces folded");
    tap_is_str(lits("a\\s\\s\\nb|c\\s+", 0), "a b|c ", "spaces collapse");
    tap_is_str(lits("\\s+foo", 0), "-", "a leading space has no fixed start");
    tap_is_str(lits("(?:ab|cd)+e", 0), "ab|cd", "repeated group stops the prefix");
    tap_is_str(lits("ab{2,3}c", 0), "ab", "counted repeat stops the prefix");
    tap_is_str(lits("(?<=x)abc(?=d)", 0), "abc", "lookarounds are zero-width");
    tap_is_str(lits("(?<name>ab)c(?#note)d", 0), "abcd", "named group and comment");
    tap_is_str(lits("AB\\.c", 0), "ab.c", "case-sensitive literals are lowercased too");
    tap_is_str(lits("\xC3\xA9t\xC3\xA9", 0), "\xC3\xA9t\xC3\xA9", "UTF-8 literal, case-sensitive");
    tap_is_str(lits("x\xC3\xA9t", PCRE2_CASELESS), "-", "caseless non-ASCII ends the literal");
    tap_is_str(lits("^\\s*except", PCRE2_MULTILINE), "-", "one-byte literals are not worth it");
    tap_is_str(lits("a", 0), "-", "too short");
    tap_is_str(lits("x*foo", 0), "-", "optional lead");
    tap_is_str(lits("[^a]bc", 0), "-", "negated class");
    tap_is_str(lits("foo|", 0), "-", "empty alternative");
    tap_is_str(lits("(?i)foo", 0), "-", "inline options refused");
    tap_is_str(lits("foo\\Kbar", 0), "-", "\\K refused");
    tap_is_str(lits("(*COMMIT)foo", 0), "-", "verbs refused");
    tap_is_str(lits("\\Qfoo\\E", 0), "-", "\\Q refused");
    tap_is_str(lits("foo{", 0), "-", "a brace that is not a quantifier refused");
    tap_is_str(lits("foo", PCRE2_EXTENDED), "-", "extended mode refused");
    tap_is_str(lits("[[:alpha:]]oo", 0), "-", "POSIX classes refused");
    tap_is_str(lits("ab(", 0), "-", "unbalanced");
    /* A quantifier after a comment applies to the item before it. */
    tap_is_str(lits("pr(?#)?o", 0), "-", "comment then ? refused");
    tap_is_str(lits("ab(?#x)*c", 0), "-", "comment then * refused");
    tap_is_str(lits("ab(?#x)(?#y){2}c", 0), "-", "two comments then {2} refused");
    tap_is_str(lits("ab?(?#x)cd", 0), "abcd|acd", "a comment after a quantified item is zero-width");
    tap_is_str(lits("\\Eabc", 0), "-", "a lone \\E refused");
    tap_is_str(lits("(?x)ab c", 0), "-", "(?x) refused");
    tap_is_str(lits("ab(?C1)cd", 0), "-", "callouts refused");
    /* sets past 16 literals are searched by hash: still each once, in order */
    tap_is_str(lits("(?:a|b|c|d|e)(?:f|g|h|f)(?:ij|ij)", 0),
               "afij|agij|ahij|bfij|bgij|bhij|cfij|cgij|chij|dfij|dgij|dhij|efij|egij|ehij",
               "a cross product of 15, duplicates dropped");
    tap_is_str(lits("(?:[a-e][f-i]|af|ei)(?:x|x)|bg|dg", 0),
               "afx|agx|ahx|aix|bfx|bgx|bhx|bix|cfx|cgx|chx|cix|dfx|dgx|dhx|dix|efx|egx|ehx|eix|bg|dg",
               "a cross product of 20 and an alternation, duplicates dropped");
    tap_is_str(lits("(?:[a-e][f-i])+x|af|ei", 0),
               "af|ag|ah|ai|bf|bg|bh|bi|cf|cg|ch|ci|df|dg|dh|di|ef|eg|eh|ei|af|ei",
               "literals made inexact are kept apart from exact ones");
}

/* The issue-15 case: `pr(?#)?o` on "po" matches with a full scan. */
static void test_comment_quantifier(void)
{
    static const char *const pats[] = {"pr(?#)?o", "pr(?#c)*o", "pr(?#a)(?#b)?o",
                                       "pr\\E?o", "p\\Qr\\E?o", "(?x)p r ?o"};
    cot_buf_t rules = {0}, err = {0};
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
        cot_buf_clear(&rules);
        cot_buf_printf(&rules, "[r]\nlabel = hit\npattern = %s\n", pats[i]);
        cot_rules_t on, off;
        cot_rules_init(&on);
        cot_rules_init(&off);
        off.prefilter = 0;
        int ok = cot_rules_load(&on, rules.s, rules.len, "r", &err) == 0 &&
                 cot_rules_load(&off, rules.s, rules.len, "r", &err) == 0 &&
                 cot_rules_compile(&on, &err) == 0 && cot_rules_compile(&off, &err) == 0;
        cot_matches_t a = {0}, b = {0};
        unsigned long ca[2] = {0}, cb[2] = {0};
        int bd;
        const char *why;
        if (ok) {
            cot_rules_scan(&on, COT_FIELD_COT, 0, "x po y", 6, &a, ca, &bd, &why);
            cot_rules_scan(&off, COT_FIELD_COT, 0, "x po y", 6, &b, cb, &bd, &why);
        }
        tap_ok(ok && cb[0] == 1 && ca[0] == cb[0], "/%s/ on 'x po y': %lu match(es) prefiltered, "
               "%lu in a full scan", pats[i], ca[0], cb[0]);
        free(a.m); free(b.m);
        cot_rules_free(&on);
        cot_rules_free(&off);
    }
    cot_buf_free(&rules);
    cot_buf_free(&err);
}

typedef struct { char s[512]; size_t n; } hits_t;

static void hit(void *ctx, uint32_t id, size_t start)
{
    hits_t *h = ctx;
    h->n += (size_t)snprintf(h->s + h->n, sizeof h->s - h->n, "%u@%zu ", id, start);
}

typedef struct { uint64_t *v; size_t n, cap; } pairs_t;

static void pair_hit(void *ctx, uint32_t id, size_t start)
{
    pairs_t *p = ctx;
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 256;
        p->v = realloc(p->v, p->cap * sizeof *p->v);
    }
    p->v[p->n++] = (uint64_t)start << 8 | id;
}

static int pair_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int sp(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* Does lit (folded) occur at t[st]?  A space in lit is a run of spaces. */
static int brute(const char *t, size_t n, size_t st, const char *lit)
{
    size_t j = st;
    for (const char *c = lit; *c; c++) {
        if (j >= n) return 0;
        if (*c == ' ') {
            if (!sp(t[j])) return 0;
            if (c[1]) while (j < n && sp(t[j])) j++;
            else j++;
        } else {
            char x = t[j] >= 'A' && t[j] <= 'Z' ? (char)(t[j] + 32) : t[j];
            if (x != *c) return 0;
            j++;
        }
    }
    return 1;
}

static void test_ac(void)
{
    cot_ac_t ac;
    cot_ac_init(&ac);
    tap_is_long(cot_ac_add(&ac, "he", 2, 1), 0, "add");
    cot_ac_add(&ac, "she", 3, 2);
    cot_ac_add(&ac, "hers", 4, 3);
    cot_ac_add(&ac, "his", 3, 4);
    cot_ac_build(&ac);
    hits_t h = {{0}, 0};
    const char *t = "uSHErs hiS";
    cot_ac_scan(&ac, t, strlen(t), hit, &h);
    tap_is_str(h.s, "2@1 1@2 3@2 4@7 ", "every occurrence, any case, by end");
    cot_ac_free(&ac);

    cot_ac_init(&ac);
    char big[256];
    memset(big, 'a', sizeof big);
    int rc = 0;
    for (int i = 0; i < 400 && rc == 0; i++) {
        big[0] = (char)('a' + i % 26);
        big[1] = (char)('a' + i / 26);
        rc = cot_ac_add(&ac, big, 255, (uint32_t)i);
    }
    tap_is_long(rc, -1, "past 65535 states the automaton refuses");
    cot_ac_free(&ac);

    /* texts of every length take the one-stream walk (under 128 bytes),
     * the two-stream one (128+) or the four-stream one (512+, in blocks of
     * 32 steps walked again where one reports); compare with brute force */
    cot_ac_init(&ac);
    static const char *const L[] = {"he", "she", "hers", "h s", "e r", "rs ", "sis"};
    for (int i = 0; i < 7; i++) cot_ac_add(&ac, L[i], strlen(L[i]), (uint32_t)i);
    cot_ac_build(&ac);
    srand(99);
    int bad = 0;
    for (int round = 0; round < 120 && !bad; round++) {
        static char t2[20000];
        static const size_t top[] = {130, 520, 2100, 19999};
        size_t n2 = 1 + (size_t)rand() % top[round % 4];
        for (size_t i = 0; i < n2; i++) t2[i] = "hersiHERS \t\n"[rand() % 13];
        pairs_t got = {0}, want = {0};
        cot_ac_scan(&ac, t2, n2, pair_hit, &got);
        for (size_t st = 0; st < n2; st++)
            for (uint32_t id = 0; id < 7; id++)
                if (brute(t2, n2, st, L[id])) pair_hit(&want, id, st);
        if (got.n > 1) qsort(got.v, got.n, sizeof *got.v, pair_cmp);
        if (want.n > 1) qsort(want.v, want.n, sizeof *want.v, pair_cmp);
        bad = got.n != want.n || (got.n && memcmp(got.v, want.v, got.n * sizeof *got.v));
        if (bad) tap_diag("round %d: %zu hits, want %zu", round, got.n, want.n);
        free(got.v);
        free(want.v);
    }
    tap_ok(!bad, "120 random texts, 1 to 20,000 bytes: every hit, none extra, spaces folded");
    cot_ac_free(&ac);

    tap_ok(cot_fold_hazard("x \xC5\xBF" "andbag", 9) && cot_fold_hazard("\xE2\x84\xAA", 3) &&
           !cot_fold_hazard("caf\xC3\xA9 \xE2\x80\x94 \xC5\xBE", 11), "fold hazards");
}

/* ---- byte scans against byte-by-byte references ------------------------------ */

static int ref_hazard(const unsigned char *p, size_t n, size_t i)
{
    return (i + 2 <= n && p[i] == 0xC5 && p[i + 1] == 0xBF) ||
           (i + 3 <= n && p[i] == 0xE2 && p[i + 1] == 0x84 && p[i + 2] == 0xAA);
}

/* U+200B..F, U+202A..E, U+2060..4, U+FEFF */
static int ref_zw(const unsigned char *p, size_t n, size_t i)
{
    if (i + 3 > n) return 0;
    unsigned cp = (unsigned)(p[i] & 0x0F) << 12 | (unsigned)(p[i + 1] & 0x3F) << 6 |
                  (p[i + 2] & 0x3F);
    if ((p[i] & 0xF0) != 0xE0 || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80)
        return 0;
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF;
}

static int ref_answer(const unsigned char *p, size_t n, size_t i)
{
    if (i + 6 > n) return 0;
    for (int k = 0; k < 6; k++) {
        int c = p[i + k] >= 'A' && p[i + k] <= 'Z' ? p[i + k] + 32 : p[i + k];
        if (c != "answer"[k]) return 0;
    }
    return 1;
}

static void test_byte_scans(void)
{
    /* bytes that make up the sequences looked for, and their near misses */
    static const unsigned char alpha[] = {
        0xE2, 0x80, 0x81, 0x84, 0x8A, 0x8B, 0x8F, 0x90, 0xA0, 0xA4, 0xA5, 0xA9, 0xAA,
        0xAE, 0xAF, 0xEF, 0xBB, 0xBF, 0xC5, 0xBE, 0xCF, 0xD0, 0xD3, 0xD4, 'a', 'n', 's',
        'w', 'e', 'r', 'A', 'N', 'S', 'W', 'E', 'R', 'q', 'r' | 0x80, ' ', '\n',
        '+', 'z', '*', '{', '=', '_', '/', '0'};
    static unsigned char buf[600];
    tap_seed(14);
    int bad = 0;
    for (int round = 0; round < 20000 && !bad; round++) {
        size_t n = tap_rn(round % 10 ? 80 : sizeof buf);
        /* mostly one byte class, to make sequences and long quiet runs */
        size_t span = 1 + tap_rn(sizeof alpha);
        for (size_t i = 0; i < n; i++) buf[i] = alpha[tap_rn(span)];
        if (n && round % 3 == 0) {      /* plant one sequence */
            static const char *const seq[] = {"\xE2\x80\x8B", "\xE2\x80\xAE", "\xE2\x81\xA4",
                                              "\xEF\xBB\xBF", "\xC5\xBF", "\xE2\x84\xAA",
                                              "\xD0\x96", "AnSwEr", "\xE2\x80\x94",
                                              "QUJD+EVGR0hJSktM/TU5PUFF-U1RVVldY",
                                              "QUJDREVGR0hJ*ktMTU5PU{FSU1RVVldY"};
            const char *q = seq[tap_rn(11)];
            size_t at = tap_rn(n), k = strlen(q);
            memcpy(buf + at, q, at + k <= n ? k : n - at);
        }
        unsigned want = 0;
        for (size_t j = 0; j + 16 <= n; j += 16) {
            size_t k = 0;
            while (k < 16 && buf[j + k] >= '+' && buf[j + k] <= 'z') k++;
            if (k == 16) want |= COT_TEXT_B64_BLOCK;
        }
        for (size_t i = 0; i < n; i++) {
            want |= (ref_hazard(buf, n, i) ? COT_TEXT_HAZARD : 0) |
                    (ref_zw(buf, n, i) ? COT_TEXT_ZERO_WIDTH : 0) |
                    ((buf[i] & 0xFC) == 0xD0 ? COT_TEXT_CYRILLIC : 0) |
                    (ref_answer(buf, n, i) ? COT_TEXT_ANSWER : 0);
        }
        unsigned got = cot_text_scan((const char *)buf, n);
        if (got != want) { tap_diag("round %d (%zu bytes): flags %u, want %u", round, n, got, want); bad = 1; }
        if (cot_fold_hazard((const char *)buf, n) != !!(want & COT_TEXT_HAZARD)) {
            tap_diag("round %d: fold hazard", round);
            bad = 1;
        }
        /* every start offset: the next zero-width character from there */
        for (size_t i = 0; i <= n && !bad; i++) {
            size_t next = n;
            for (size_t j = i; j < n && next == n; j++)
                if (ref_zw(buf, n, j)) next = j;
            if (cot_find_zero_width((const char *)buf, n, i) != next ||
                cot_zero_width_at(buf + i, n - i) != (i < n && ref_zw(buf, n, i) ? 3 : 0)) {
                tap_diag("round %d: zero-width from %zu", round, i);
                bad = 1;
            }
        }
    }
    tap_ok(!bad, "20,000 random texts: cot_text_scan, cot_fold_hazard, cot_find_zero_width "
           "and cot_zero_width_at agree with byte-by-byte references");
    tap_is_long(cot_text_scan("x", 0), 0, "an empty text holds nothing");
    /* what judge.c relies on: a base64-like run of 80 bytes or more, at any
     * offset, in any text, sets COT_TEXT_B64_BLOCK */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-";
    bad = 0;
    for (int round = 0; round < 5000 && !bad; round++) {
        size_t n = 80 + tap_rn(sizeof buf - 80), len = 80 + tap_rn(n - 80 + 1);
        size_t at = tap_rn(n - len + 1);
        for (size_t i = 0; i < n; i++) buf[i] = alpha[tap_rn(sizeof alpha)];
        for (size_t i = 0; i < len; i++) buf[at + i] = (unsigned char)b64[tap_rn(sizeof b64 - 1)];
        if (!(cot_text_scan((const char *)buf, n) & COT_TEXT_B64_BLOCK)) {
            tap_diag("round %d: a run of %zu at %zu of %zu bytes", round, len, at, n);
            bad = 1;
        }
    }
    tap_ok(!bad, "5,000 texts with a base64-like run of 80+ bytes: COT_TEXT_B64_BLOCK set");
}

/* ---- prefiltered == full ----------------------------------------------------- */

static const char *const words[] = {
    "I'll", "I will", "let me", "Let's", "we should", "hard-code", "hardcode",
    "hard code", "special-case", "return the expected values", "sys.exit(0)",
    "os._exit", "pytest.skip", "skip the tests", "conftest.py", "edit the tests",
    "__eq__", "always returns True", "except Exception: pass", "catch all exceptions",
    "game the grader", "the grader only checks", "so I can just", "don't tell the user",
    "sandbagging", "deliberately underperform", "cheating", "is not acceptable",
    "instead, I'll", "rather than", "but since", "the tests are the spec",
    "is reasonable here", "The user wants", "the assistant should", "professor",
    "hint", "the answer is", "I think", "my answer", "\n", "  ", ".", ",", "(", ")",
    "def test_a():\n    sys.exit(0)\n", "EXPECTED = {", "if x == 3: return 4",
    "\xC5\xBF" "andbag", "\xE2\x84\xAA", "caf\xC3\xA9", "\xE2\x80\x94", "TESTS",
    "HARD", "Hard-Coding", "exit with status 0", "mark the tests as xfail", "x", "e",
};

static int same(const cot_matches_t *a, const cot_matches_t *b)
{
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->m[i].rule != b->m[i].rule || a->m[i].start != b->m[i].start ||
            a->m[i].end != b->m[i].end || a->m[i].cap_start != b->m[i].cap_start ||
            a->m[i].cap_end != b->m[i].cap_end) return 0;
    return 1;
}

static void test_equivalence(void)
{
    cot_rules_t on, off;
    cot_buf_t err = {0};
    cot_rules_init(&on);
    cot_rules_init(&off);
    off.prefilter = 0;
    const char *extra = "[lit]\nlabel = x\npattern = (?:ab|cd)+e\n"
                        "[cs]\nlabel = y\npattern = EXPECTED|Hard\n"
                        "[fold]\nlabel = z\nflags = caseless\npattern = sandbag|kelvin\n";
    cot_rules_load(&on, cot_rules_default, strlen(cot_rules_default), "d", &err);
    cot_rules_load(&off, cot_rules_default, strlen(cot_rules_default), "d", &err);
    cot_rules_load(&on, extra, strlen(extra), "e", &err);
    cot_rules_load(&off, extra, strlen(extra), "e", &err);
    tap_ok(cot_rules_compile(&on, &err) == 0 && cot_rules_compile(&off, &err) == 0,
           "both packs compile");
    size_t pre = 0;
    for (size_t i = 0; i < on.n; i++) pre += on.rule[i].nlits > 0;
    tap_ok(pre >= on.n - 3, "most rules are prefiltered (%zu of %zu)", pre, on.n);
    size_t fold = on.n, jit = 0;
    for (size_t i = 0; i < on.n; i++) {
        if (!strcmp(on.rule[i].name, "fold")) fold = i;
        jit += atomic_load(&on.rule[i].jit) != 0;
    }
    tap_ok(fold < on.n && on.rule[fold].nlits && !atomic_load(&on.rule[fold].jit) &&
           jit == on.n - pre, "only the rules scanned in full have their JIT before a "
           "scan (%zu of %zu)", jit, on.n);
    tap_is_long(off.rule[0].nlits, 0, "none with the prefilter off");

    srand(12345);
    cot_matches_t a = {0}, b = {0};
    unsigned long ca[64], cb[64];
    cot_buf_t t = {0};
    int bad, diff = 0, total = 0;
    const char *why;
    size_t nw = sizeof words / sizeof *words;
    for (int k = 0; k < 3000 && !diff; k++) {
        cot_buf_clear(&t);
        int len = 1 + rand() % (k % 10 ? 40 : 400);   /* some take two streams */
        for (int w = 0; w < len; w++) {
            const char *s = words[rand() % nw];
            cot_buf_add(&t, s, strlen(s));
            if (rand() % 3) cot_buf_add(&t, " ", 1);
        }
        for (int f = 0; f < COT_NFIELDS; f++) {
            a.n = b.n = 0;
            memset(ca, 0, sizeof ca);
            memset(cb, 0, sizeof cb);
            int ra = cot_rules_scan(&on, f, 0, t.s, t.len, &a, ca, &bad, &why);
            int rb = cot_rules_scan(&off, f, 0, t.s, t.len, &b, cb, &bad, &why);
            total += (int)a.n;
            /* a caller that knows the hazard: the same */
            size_t an = a.n;
            int rh = cot_rules_scan_hazard(&on, f, 0, t.s, t.len, cot_fold_hazard(t.s, t.len),
                                           &a, NULL, &bad, &why);
            cot_matches_t h1 = {a.m, an, 0}, h2 = {a.m + an, a.n - an, 0};
            int hdiff = rh != ra || !same(&h1, &h2);
            a.n = an;
            if (ra != rb || hdiff || !same(&a, &b) || memcmp(ca, cb, on.n * sizeof *ca)) {
                diff = 1;
                tap_diag("field %d differs on: %s", f, t.s);
            }
        }
    }
    tap_ok(!diff, "3000 random texts: prefiltered matches == full-scan matches");
    tap_ok(total > 10000, "and they matched often (%d matches)", total);

    /* the fold hazard is real: ſ matches s caselessly, and is still found */
    const char *s = "pure \xC5\xBF" "andbagging here";
    a.n = 0;
    cot_rules_scan(&on, COT_FIELD_COT, 0, s, strlen(s), &a, NULL, &bad, &why);
    int found = 0;
    for (size_t i = 0; i < a.n; i++)
        found |= !strcmp(on.rule[a.m[i].rule].name, "fold") && a.m[i].start == 5;
    tap_ok(found, "a long s still matches a caseless 's' with the prefilter on");
    tap_ok(atomic_load(&on.rule[fold].jit), "and the scan compiled its JIT first");
    /* a caller's hazard answer: 1 scans caseless rules in full, as found */
    b.n = 0;
    cot_rules_scan_hazard(&on, COT_FIELD_COT, 0, s, strlen(s), 1, &b, NULL, &bad, &why);
    tap_ok(same(&a, &b), "cot_rules_scan_hazard(..., 1, ...) == cot_rules_scan on that text");
    free(a.m);
    free(b.m);
    cot_buf_free(&t);
    cot_buf_free(&err);
    cot_rules_free(&on);
    cot_rules_free(&off);
}

/* ---- random patterns: the literal reader must be sound on anything ---------- */

static void rnd_atom(cot_buf_t *b, int depth)
{
    static const char *const atoms[] = {
        "a", "b", "ab", "ba", "A", "B", "k", "s", " ", "\\s", "\\s+", "\\s*", "\\b",
        "\\B", "\\d", "\\w", "\\S", ".", "[ab]", "[a-c]", "[^a]", "[ \\t]", "[Kk]",
        "\\.", "\\-", "-", "'", "\\n", "^", "$", "(?=a)", "(?!b)", "(?<=a)", "(?<!b)",
        "\xC3\xA9", "x", "\\t", "[\\s]", "[s-t]", "(?#c)", "(?#)", "\\E", "\\Qa)\\E",
        "\\Q", "(?x: a b )", "(?C1)",
    };
    int k = rand() % 10;
    if (depth < 3 && k == 0) {
        static const char *const open[] = {"(?:", "(", "(?<g>", "(?>"};
        cot_buf_adds(b, open[rand() % 4]);
        int alts = 1 + rand() % 3;
        for (int i = 0; i < alts; i++) {
            if (i) cot_buf_addc(b, '|');
            for (int j = rand() % 4; j >= 0; j--) rnd_atom(b, depth + 1);
        }
        cot_buf_addc(b, ')');
    } else {
        cot_buf_adds(b, atoms[rand() % (sizeof atoms / sizeof *atoms)]);
    }
    static const char *const quant[] = {"", "", "", "", "?", "*", "+", "{2}", "{0,2}", "{1,}",
                                        "??", "+?", "*+"};
    const char *last = b->len ? b->s + b->len - 1 : "";
    if (*last != '^' && *last != '$') cot_buf_adds(b, quant[rand() % 13]);
}

static void test_random_patterns(void)
{
    srand(777);
    static const char *const pieces[] = {
        "a", "b", "ab", "ba", "A", "B", "AB", "k", "K", "s", "S", " ", "  ", "\t", "\n",
        " \t ", "1", "2", ".", "-", "'", "x", "\xC3\xA9", "\xC5\xBF", "\xE2\x84\xAA",
        "aab", "abab", "sk", "é",
    };
    cot_buf_t pat = {0}, rules = {0}, t = {0}, err = {0};
    cot_matches_t a = {0}, b = {0};
    unsigned long ca[2], cb[2];
    int bad = 0, prefiltered = 0, compiled = 0;
    for (int k = 0; k < 4000 && !bad; k++) {
        cot_buf_clear(&pat);
        int alts = 1 + rand() % 3;
        for (int i = 0; i < alts; i++) {
            static const char *const lead[] = {"ab", "ba", "sk", "ks", "aa", "b a", "a\\s+b",
                                               "[Aa]b", "(?:ab|ba)", "\\bab", "k\\s*s", "(?<=a)bb"};
            if (i) cot_buf_addc(&pat, '|');
            if (rand() % 4) cot_buf_adds(&pat, lead[rand() % 12]);
            for (int j = rand() % 4; j >= 0; j--) rnd_atom(&pat, 0);
        }
        static const char *const flags[] = {"", "caseless", "multiline", "caseless multiline", "dotall"};
        cot_buf_clear(&rules);
        cot_buf_printf(&rules, "[r]\nlabel = x\nflags = %s\npattern = %s\n",
                       flags[rand() % 5], pat.s);
        cot_rules_t on, off;
        cot_rules_init(&on);
        cot_rules_init(&off);
        off.prefilter = 0;
        if (cot_rules_load(&on, rules.s, rules.len, "r", &err) < 0 ||
            cot_rules_load(&off, rules.s, rules.len, "r", &err) < 0 ||
            cot_rules_compile(&on, &err) < 0 || cot_rules_compile(&off, &err) < 0) {
            cot_rules_free(&on);
            cot_rules_free(&off);
            continue;   /* PCRE2 refused the pattern: nothing to compare */
        }
        compiled++;
        prefiltered += on.rule[0].nlits > 0;
        for (int r = 0; r < 30 && !bad; r++) {
            cot_buf_clear(&t);
            for (int w = rand() % 30; w >= 0; w--)
                cot_buf_adds(&t, pieces[rand() % (sizeof pieces / sizeof *pieces)]);
            a.n = b.n = 0;
            ca[0] = cb[0] = 0;
            int bd;
            const char *why;
            int ra = cot_rules_scan(&on, COT_FIELD_COT, 0, t.s, t.len, &a, ca, &bd, &why);
            int rb = cot_rules_scan(&off, COT_FIELD_COT, 0, t.s, t.len, &b, cb, &bd, &why);
            if (ra != rb || ca[0] != cb[0] || !same(&a, &b)) {
                bad = 1;
                tap_diag("pattern /%s/ (%s) differs on '%s': %lu vs %lu matches", pat.s,
                         rules.s, t.s, ca[0], cb[0]);
            }
        }
        cot_rules_free(&on);
        cot_rules_free(&off);
    }
    tap_ok(!bad, "4000 random patterns x 30 texts: prefiltered == full scan");
    tap_ok(compiled > 2000 && prefiltered > compiled / 3,
           "and many of them were prefiltered (%d of %d)", prefiltered, compiled);
    free(a.m);
    free(b.m);
    cot_buf_free(&pat);
    cot_buf_free(&rules);
    cot_buf_free(&t);
    cot_buf_free(&err);
}

/* With a time budget (cot-judge --rule-budget) a full scan runs in calls of
 * COT_RULES_SCAN_CHUNK start positions: the matches must be those of one
 * call, and a pattern that backtracks for seconds must stop at the budget. */
static void test_chunked_scan(void)
{
    static const char *const pats[] = {
        "ab", "(?<=a)b+", "\\bba\\b", "(?m)^a", "^ab", "b\\z", "a{0,3}", "x*", "\\Ka",
        "(?s)a.{300}b", "\\Gab", "(?<=\\w{3})ab", "\\B\xC3\xA9", "a(?=[^b]{200})",
    };
    cot_buf_t t = {0}, rules = {0}, err = {0};
    srand(4242);
    static const char *const pieces[] = {"a", "b", "ab", " ", "\n", "\xC3\xA9", "x", "ba"};
    for (int k = 0; k < 6000; k++) cot_buf_adds(&t, pieces[rand() % 8]);
    int bad = 0;
    for (size_t i = 0; i < sizeof pats / sizeof *pats; i++) {
        cot_buf_clear(&rules);
        cot_buf_printf(&rules, "[r]\nlabel = x\npattern = %s\n", pats[i]);
        cot_rules_t one, chunked;
        cot_rules_init(&one);
        cot_rules_init(&chunked);
        one.prefilter = chunked.prefilter = 0;
        if (cot_rules_load(&one, rules.s, rules.len, "r", &err) < 0 ||
            cot_rules_load(&chunked, rules.s, rules.len, "r", &err) < 0 ||
            cot_rules_compile(&one, &err) < 0 || cot_rules_compile(&chunked, &err) < 0) {
            tap_diag("pattern %s: %s", pats[i], err.s);
            bad = 1;
            continue;
        }
        chunked.deadline = cot_now() + 1e6;
        cot_matches_t a = {0}, b = {0};
        unsigned long ca[2] = {0}, cb[2] = {0};
        int bd;
        const char *why;
        int ra = cot_rules_scan(&one, COT_FIELD_COT, 0, t.s, t.len, &a, ca, &bd, &why);
        int rb = cot_rules_scan(&chunked, COT_FIELD_COT, 0, t.s, t.len, &b, cb, &bd, &why);
        if (ra || rb || ca[0] != cb[0] || !same(&a, &b)) {
            tap_diag("/%s/: %lu matches in one call, %lu in chunks", pats[i], ca[0], cb[0]);
            bad = 1;
        }
        free(a.m); free(b.m);
        cot_rules_free(&one);
        cot_rules_free(&chunked);
    }
    tap_ok(!bad, "chunked full scans give the matches of one call (%zu patterns, %zu bytes)",
           sizeof pats / sizeof *pats, t.len);
    /* A match just past a chunk without one (every 258 bytes: at lim + 1)
     * and at the chunk's last position (every 257: at lim). */
    for (int gap = 257; gap <= 258; gap++) {
        cot_buf_clear(&t);
        for (int k = 0; k < 30000; k++) cot_buf_addc(&t, k % gap ? 'a' : 'Z');
        cot_rules_t r;
        cot_rules_init(&r);
        r.prefilter = 0;
        const char *pk = "[z]\nlabel = z\npattern = Z\n";
        cot_rules_load(&r, pk, strlen(pk), "r", &err);
        cot_rules_compile(&r, &err);
        cot_matches_t m = {0};
        unsigned long c[2] = {0};
        int bd;
        const char *why;
        r.deadline = cot_now() + 1e6;
        cot_rules_scan(&r, COT_FIELD_COT, 0, t.s, t.len, &m, c, &bd, &why);
        tap_is_long((long)c[0], (30000 + gap - 1) / gap, gap == 257 ? "a match at the offset limit"
                                                                   : "a match just past it");
        free(m.m);
        cot_rules_free(&r);
    }
    /* issue 15: 42 KB of "ab" and a rule that backtracks ~700x700 at each */
    cot_buf_clear(&t);
    for (int k = 0; k < 21000; k++) cot_buf_adds(&t, "ab");
    for (int pre = 0; pre < 2; pre++) {
        cot_rules_t r;
        cot_rules_init(&r);
        r.prefilter = pre;
        const char *pk = "[bt]\nlabel = bt\npattern = ab[a-z ]{0,700}[a-z ]{0,700}[0-9]\n";
        cot_rules_load(&r, pk, strlen(pk), "r", &err);
        cot_rules_compile(&r, &err);
        cot_matches_t m = {0};
        int bd = -1;
        const char *why = NULL;
        double t0 = cot_now();
        r.deadline = t0 + 0.2;
        int rc = cot_rules_scan(&r, COT_FIELD_COT, 0, t.s, t.len, &m, NULL, &bd, &why);
        double dt = cot_now() - t0;
        tap_ok(rc == -1 && bd == 0 && why && strstr(why, "time budget") && dt < 2.0,
               "backtracking rule stops at a 0.2 s budget (%s): %.2f s, %s",
               pre ? "prefiltered" : "full scan", dt, why ? why : "no error");
        free(m.m);
        cot_rules_free(&r);
    }
    cot_buf_free(&t);
    cot_buf_free(&rules);
    cot_buf_free(&err);
}

int main(void)
{
    test_random_patterns();
    test_literals();
    test_comment_quantifier();
    test_chunked_scan();
    test_ac();
    test_byte_scans();
    test_equivalence();
    return tap_done();
}
