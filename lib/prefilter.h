/* prefilter.h -- literal prefilters for rule packs.
 *
 * Most rules in a pack can only match where one of a few words begins:
 * `\b(?:hard[- ]?cod(?:e|ed)|special[- ]?case)` starts every match with
 * "hard" or "special".  cot_prefix_literals() finds such a set of prefix
 * literals by reading the pattern; a cot_ac_t (Aho-Corasick automaton over
 * folded bytes) then finds, in one pass over a field, every
 * position where some rule's literal occurs.  rules.c runs each rule's
 * anchored pattern only at those positions, which gives exactly the matches
 * a full left-to-right scan gives, at a fraction of the cost.
 *
 * Soundness is what matters here, not cleverness: the literal reader
 * understands the common subset of PCRE2 syntax and refuses anything else
 * (inline options, \K, backtracking verbs, \Q...\E, backreferences by name,
 * extended mode), and a refused rule is scanned in full as before.
 * Literals and text are compared folded: ASCII lowercased, and each run of
 * whitespace read as one ' ' (so `the\s+user` keeps "the user"); a literal
 * set is thus a superset filter for caseless and case-sensitive rules
 * alike.  Caseless non-ASCII letters end a literal.
 * Two non-ASCII characters fold to ASCII letters under PCRE2's caseless UTF
 * matching (U+212A KELVIN SIGN to k, U+017F LONG S to s); a field holding
 * either is scanned in full (cot_fold_hazard()).
 */
#ifndef COT_PREFILTER_H
#define COT_PREFILTER_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* Longest literal kept (folded bytes); longer prefixes are cut (a cut
 * literal is still a valid prefix).  Most literals per rule: past it the rule is scanned in
 * full. */
#define COT_PREFIX_MAXLEN 24
#define COT_PREFIX_MAXSET 256
/* Shortest literal worth filtering on; shorter sets mean a full scan. */
#define COT_PREFIX_MINLEN 2

/* Find the prefix literals of `pattern` compiled with PCRE2 `options`
 * (PCRE2_CASELESS, PCRE2_MULTILINE, ... as in rules.h).  On success returns
 * the number of literals (>= 1), appended to *out as NUL-terminated folded
 * strings one after another; every match of the pattern begins with one of
 * them, compared folded (see above).  Returns 0 when the pattern has no
 * usable set (a literal shorter than COT_PREFIX_MINLEN, too many literals,
 * or syntax this reader does not handle); *out is then unchanged. */
int cot_prefix_literals(const char *pattern, uint32_t options, cot_buf_t *out);

/* Aho-Corasick over folded bytes, dense transitions on byte classes. */
typedef struct {
    uint32_t *delta;           /* nstates * ncls: target * ncls, which is
                                  >= 2^shift for targets with outputs      */
    uint32_t *out_off;         /* nstates + 1: outputs of each state       */
    uint32_t *out;             /* (id << 8 | len) per output               */
    uint8_t cls[256];          /* byte (any case) -> class                 */
    uint32_t nstates, ncls, nout, maxlen, shift;
    /* build state */
    struct cot_ac_node *node;
    size_t nnode, cap, bytes;  /* literals, and their total length      */
} cot_ac_t;

void cot_ac_init(cot_ac_t *ac);
void cot_ac_free(cot_ac_t *ac);
/* Add a literal for id (0 .. 2^24-1): 1..255 bytes, folded by the caller
 * (ASCII lowercase; ' ' stands for a run of whitespace, so it may neither
 * lead nor repeat).  Returns 0, or -1 for a literal it cannot take or when
 * the automaton would exceed 65535 states (the caller scans in full). */
int cot_ac_add(cot_ac_t *ac, const char *lit, size_t n, uint32_t id);
/* Finish building; after this only cot_ac_scan() and cot_ac_free(). */
void cot_ac_build(cot_ac_t *ac);

/* Report every occurrence of every literal in s[0..n) (ASCII case ignored,
 * whitespace runs matching ' '): hit(ctx, id, start) in order of the
 * occurrence's end; a literal ending in ' ' ends at its run's first byte. */
typedef void (*cot_ac_hit_f)(void *ctx, uint32_t id, size_t start);
void cot_ac_scan(const cot_ac_t *ac, const char *s, size_t n, cot_ac_hit_f hit, void *ctx);

/* Non-zero when s holds U+212A or U+017F, which PCRE2 folds to ASCII k
 * and s in caseless UTF matching, so a folded-ASCII prefilter could
 * miss a match. */
int cot_fold_hazard(const char *s, size_t n);

/* Byte scans for the built-in detectors (judge.c), sixteen bytes at a time
 * where SSE2 is there.  cot_zero_width_at(): the length (3) of the
 * zero-width or bidi control character (U+200B..F, U+202A..E, U+2060..4,
 * U+FEFF) that p[0..left) begins with, or 0.  cot_find_zero_width(): the
 * first i' >= i where one begins, or n.  cot_text_scan(): in one pass,
 * which of these s holds: */
enum {
    COT_TEXT_HAZARD = 1,       /* U+212A or U+017F: cot_fold_hazard()     */
    COT_TEXT_ZERO_WIDTH = 2,   /* a character cot_zero_width_at() takes    */
    COT_TEXT_CYRILLIC = 4,     /* a byte D0..D3 (a Cyrillic letter's lead) */
    COT_TEXT_ANSWER = 8,       /* "answer" in any ASCII case               */
    COT_TEXT_B64_BLOCK = 16    /* s[16k .. 16k + 16), for some k, all in
                                  '+'..'z': so a run of 80 or more base64
                                  bytes ([A-Za-z0-9+/=_-]) is possible     */
};
int cot_zero_width_at(const unsigned char *p, size_t left);
size_t cot_find_zero_width(const char *s, size_t n, size_t i);
unsigned cot_text_scan(const char *s, size_t n);

#endif
