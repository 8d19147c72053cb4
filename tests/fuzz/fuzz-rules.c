/* fuzz-rules -- rule packs (lib/rules.c) with the literal prefilter
 * (lib/prefilter.c) as a differential against a full scan.
 *
 * The input is "FLAGS\nPATTERN\nTEXT": one rule pack of a single rule is
 * built from FLAGS (each bit of its first byte one flag word) and PATTERN,
 * compiled with and without the prefilter, and both scan TEXT as the cot,
 * answer and prompt (when TEXT is valid UTF-8, as every field is): the matches, counts and errors must be the same.  The
 * default pack scans TEXT both ways too, and a full scan run in chunks (as
 * under cot-judge --rule-budget) must match the one-call scan.  Pack syntax errors are fine (the
 * loader must only not crash). */
#include "fuzz.h"
#include "rules.h"
#include "util.h"

#include <string.h>

static int same(const cot_matches_t *a, const cot_matches_t *b)
{
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->m[i].rule != b->m[i].rule || a->m[i].start != b->m[i].start ||
            a->m[i].end != b->m[i].end || a->m[i].cap_start != b->m[i].cap_start ||
            a->m[i].cap_end != b->m[i].cap_end) return 0;
    return 1;
}

static void compare(cot_rules_t *on, cot_rules_t *off, const char *t, size_t n)
{
    static cot_matches_t a, b;
    unsigned long *ca = calloc(on->n + 1, sizeof *ca), *cb = calloc(on->n + 1, sizeof *cb);
    for (int f = 0; f < COT_NFIELDS; f++) {
        a.n = b.n = 0;
        int ba = -1, bb = -1;
        const char *wa = NULL, *wb = NULL;
        int ra = cot_rules_scan(on, (cot_field_t)f, 0, t, n, &a, ca, &ba, &wa);
        int rb = cot_rules_scan(off, (cot_field_t)f, 0, t, n, &b, cb, &bb, &wb);
        /* A limit may be hit by one and not the other (the limits count per
         * tried position with the prefilter): compare only clean scans. */
        if (ra < 0 || rb < 0) continue;
        FUZZ_CHECK(same(&a, &b), "field %d: %zu matches prefiltered, %zu in a full scan "
                   "(pattern: %s)", f, a.n, b.n, on->n ? on->rule[0].pattern : "");
        FUZZ_CHECK(!memcmp(ca, cb, on->n * sizeof *ca), "field %d: match counts differ", f);
    }
    free(ca);
    free(cb);
}

static cot_rules_t dflt_on, dflt_off;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    cot_prog = "fuzz-rules";
    cot_buf_t err = {0};
    cot_rules_init(&dflt_on);
    cot_rules_init(&dflt_off);
    dflt_off.prefilter = 0;
    size_t n = strlen(cot_rules_default);
    if (cot_rules_load(&dflt_on, cot_rules_default, n, "default", &err) < 0 ||
        cot_rules_load(&dflt_off, cot_rules_default, n, "default", &err) < 0 ||
        cot_rules_compile(&dflt_on, &err) < 0 || cot_rules_compile(&dflt_off, &err) < 0) abort();
    cot_buf_free(&err);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384) return 0;
    const char *p = (const char *)data, *end = p + size;
    const char *nl1 = memchr(p, '\n', size);
    if (!nl1) return 0;
    const char *nl2 = memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1));
    if (!nl2) nl2 = end;
    const char *text = nl2 < end ? nl2 + 1 : end;
    size_t tn = (size_t)(end - text);
    /* Fields come from JSON strings, which the reader has checked: scans
     * take valid UTF-8 only (rules.h). */
    if (cot_utf8_check(text, tn) != tn) return 0;
    static const char *const flagw[] = {"caseless", "multiline", "dotall", "ucp", "extended"};
    static const char *const fields[] = {"cot", "answer", "prompt"};
    unsigned fl = nl1 > p ? (unsigned char)p[0] : 0;
    cot_buf_t pack = {0}, err = {0};
    cot_buf_printf(&pack, "[r]\nlabel = hit\nfield = %s\nflags =", fields[(fl >> 6) % 3]);
    for (int i = 0; i < 5; i++) if (fl & (1u << i)) cot_buf_printf(&pack, " %s", flagw[i]);
    cot_buf_adds(&pack, "\npattern = ");
    cot_buf_add(&pack, nl1 + 1, (size_t)(nl2 - nl1 - 1));
    cot_buf_adds(&pack, "\n");
    /* on: prefiltered; off: full scan in one call per match; chunked: full
     * scan in calls of COT_RULES_SCAN_CHUNK start positions (a deadline). */
    cot_rules_t on, off, chunked;
    cot_rules_init(&on);
    cot_rules_init(&off);
    cot_rules_init(&chunked);
    off.prefilter = chunked.prefilter = 0;
    on.match_limit = off.match_limit = chunked.match_limit = 100000;
    if (cot_rules_load(&on, pack.s, pack.len, "fuzz", &err) == 0 &&
        cot_rules_load(&off, pack.s, pack.len, "fuzz", &err) == 0 &&
        cot_rules_load(&chunked, pack.s, pack.len, "fuzz", &err) == 0 &&
        cot_rules_compile(&on, &err) == 0 && cot_rules_compile(&off, &err) == 0 &&
        cot_rules_compile(&chunked, &err) == 0) {
        chunked.deadline = cot_now() + 1e9;
        compare(&on, &off, text, tn);
        compare(&chunked, &off, text, tn);
    }
    cot_rules_free(&on);
    cot_rules_free(&off);
    cot_rules_free(&chunked);
    /* The whole input as a rule pack: the loader must not crash. */
    cot_rules_t any;
    cot_rules_init(&any);
    if (cot_rules_load(&any, p, size, "fuzz", &err) == 0) cot_rules_compile(&any, &err);
    cot_rules_free(&any);
    if (tn <= 4096) compare(&dflt_on, &dflt_off, text, tn);
    cot_buf_free(&pack);
    cot_buf_free(&err);
    return 0;
}
