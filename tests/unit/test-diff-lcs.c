/* test-diff-lcs.c -- the bit-parallel LCS with traceback in lib/diff.c
 * against Myers: the same insert and delete counts (both minimal), a
 * script that turns a into b, the documented placement, the memory-bounded
 * variant (checkpoints) giving the same script as the whole one, the AUTO
 * threshold (rewritten pairs traced, edited pairs Myers' exactly), and the
 * work budget. */
#include "diff.h"
#include "lcsref.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ntok tokens from an alphabet of `alpha` words (each followed by a space
 * or a newline, so whitespace runs are tokens too); alpha 1-3 gives long
 * runs of equal tokens, thousands gives texts with little in common. */
static void gen(cot_buf_t *b, size_t ntok, size_t alpha)
{
    char w[32];
    for (size_t i = 0; i < ntok; i++) {
        size_t k = tap_rn(alpha);
        if (k < 3 && alpha <= 3) snprintf(w, sizeof w, "%c", "abc"[k]);
        else snprintf(w, sizeof w, "w%zu", k);
        cot_buf_adds(b, w);
        if (i + 1 < ntok) cot_buf_adds(b, tap_rn(10) ? " " : "\n");
    }
}

/* b = a with k word edits (replace, insert, delete). */
static void edit(const cot_buf_t *a, cot_buf_t *b, int k, size_t alpha)
{
    cot_buf_clear(b);
    cot_buf_add(b, a->s ? a->s : "", a->len);
    for (int e = 0; e < k && b->len; e++) {
        size_t at = tap_rn(b->len);
        while (at > 0 && b->s[at - 1] != ' ' && b->s[at - 1] != '\n') at--;
        size_t end = at;
        while (end < b->len && b->s[end] != ' ' && b->s[end] != '\n') end++;
        cot_buf_t w = {0}, t = {0};
        gen(&w, 1 + tap_rn(3), alpha);
        int op = (int)tap_rn(3);
        cot_buf_add(&t, b->s, at);
        if (op != 2) cot_buf_add(&t, w.s, w.len);
        if (op == 1) cot_buf_adds(&t, " ");
        cot_buf_add(&t, b->s + (op == 1 ? at : end), b->len - (op == 1 ? at : end));
        cot_buf_clear(b);
        cot_buf_add(b, t.s ? t.s : "", t.len);
        cot_buf_free(&w);
        cot_buf_free(&t);
    }
}

static int same_result(const cot_diff_t *x, const cot_diff_t *y)
{
    if (x->similarity != y->similarity || x->tokens_a != y->tokens_a ||
        x->tokens_b != y->tokens_b || x->inserted != y->inserted ||
        x->deleted != y->deleted || x->lcs != y->lcs || x->words_a != y->words_a ||
        x->words_b != y->words_b || x->words_kept != y->words_kept ||
        x->approx != y->approx || x->traced != y->traced || x->nhunks != y->nhunks)
        return 0;
    return !x->nhunks || !memcmp(x->hunks, y->hunks, x->nhunks * sizeof *x->hunks);
}

/* A copy of a result, hunks included (they belong to the differ). */
typedef struct { cot_diff_t r; cot_hunk_t *h; } saved_t;
static void save(saved_t *s, const cot_diff_t *r)
{
    s->r = *r;
    s->h = malloc((r->nhunks + 1) * sizeof *s->h);
    if (r->nhunks) memcpy(s->h, r->hunks, r->nhunks * sizeof *s->h);
    s->r.hunks = s->h;
}

static void test_placement(void)
{
    cot_differ_t *d = cot_diff_new();
    cot_diff_set_lcs(d, COT_DIFF_LCS_BITS, 0);
    cot_diff_t r;
    /* "A B" -> "B A": one token can be kept; the trace keeps A, the
     * earliest in a: "B " inserted before it, " B" deleted after it. */
    cot_diff_run(d, "A B", 3, "B A", 3, &r);
    tap_ok(r.traced && r.nhunks == 2 && r.hunks[0].a_start == 0 &&
           r.hunks[0].a_end == 0 && r.hunks[0].b_start == 0 && r.hunks[0].b_end == 2 &&
           r.hunks[1].a_start == 1 && r.hunks[1].a_end == 3 &&
           r.hunks[1].b_start == 3 && r.hunks[1].b_end == 3,
           "placement: A B -> B A keeps A, the earliest token of a");
    /* "A C" -> "B A A D": "A " can be kept from either A of b; the
     * trace keeps the first. */
    cot_diff_run(d, "A C", 3, "B A A D", 7, &r);
    tap_ok(r.traced && r.nhunks == 2 && r.hunks[0].a_start == 0 && r.hunks[0].a_end == 0 &&
           r.hunks[0].b_start == 0 && r.hunks[0].b_end == 2 && r.hunks[1].a_start == 2 &&
           r.hunks[1].a_end == 3 && r.hunks[1].b_start == 4 && r.hunks[1].b_end == 7,
           "placement: A C -> B A A D keeps the first A of b");
    /* "x y x" -> "y": the y is kept whatever the tie-break; with "x x" ->
     * "x" the common prefix is Myers' first step, as before. */
    cot_diff_run(d, "q x y x", 7, "q y", 3, &r);
    tap_ok(r.traced && r.deleted == 4 && r.inserted == 0 && lcsref_applies("q x y x", 7, "q y", 3, &r),
           "placement: deletions only");
    /* Kept tokens early, changes late: "Z A A Q" -> "Y A R" keeps the
     * first " A " of a and replaces "A Q" at the end. */
    cot_diff_run(d, "Z A A Q", 7, "Y A R", 5, &r);
    tap_ok(r.traced && r.nhunks == 2 && r.hunks[0].a_start == 0 && r.hunks[0].a_end == 1 &&
           r.hunks[1].a_start == 4 && r.hunks[1].a_end == 7 && r.hunks[1].b_start == 4 &&
           r.hunks[1].b_end == 5, "placement: Z A A Q -> Y A R keeps the first A");
    cot_diff_free(d);
}

/* Random pairs over the shapes the brief names: small and large
 * alphabets, equal and very different lengths, empty sides, lengths
 * around multiples of 64.  The traced script against Myers' (both
 * minimal: the same counts), against the DP LCS, applied, and with a
 * tiny memory limit (checkpoints) against the whole trace. */
static void test_random(void)
{
    cot_differ_t *my = cot_diff_new(), *bits = cot_diff_new(), *small = cot_diff_new(),
                 *aut = cot_diff_new();
    cot_diff_set_lcs(my, COT_DIFF_LCS_MYERS, 0);
    cot_diff_set_lcs(bits, COT_DIFF_LCS_BITS, 0);
    cot_diff_set_lcs(small, COT_DIFF_LCS_BITS, 400);
    static const size_t around[] = {1, 2, 31, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257};
    static const size_t alphas[] = {1, 2, 3, 8, 40, 5000};
    int n = 0, bad_counts = 0, bad_dp = 0, bad_apply = 0, bad_small = 0, bad_auto = 0,
        not_traced = 0, nsmall = 0, nauto_traced = 0, napprox = 0;
    for (int it = 0; it < 2000; it++) {
        size_t alpha = alphas[tap_rn(6)];
        cot_buf_t a = {0}, b = {0};
        size_t la, lb;
        switch (it % 5) {
        case 0: la = around[tap_rn(15)]; lb = around[tap_rn(15)]; break;   /* tokens ~ 2 x words */
        case 1: la = tap_rn(300); lb = la; break;
        case 2: la = tap_rn(20); lb = 100 + tap_rn(400); break;
        case 3: la = tap_rn(4) ? 1 + tap_rn(300) : 0; lb = tap_rn(4) ? 1 + tap_rn(300) : 0; break;
        default: la = 50 + tap_rn(300); lb = 0; break;
        }
        if (it % 5 == 4) { gen(&a, la, alpha); edit(&a, &b, (int)tap_rn(40), alpha); }
        else { gen(&a, la, alpha); gen(&b, lb, alpha); }
        if (tap_rn(2)) { cot_buf_t t = a; a = b; b = t; }
        const char *as = a.s ? a.s : "", *bs = b.s ? b.s : "";
        cot_diff_t rm, rb, rs, ra;
        saved_t sm, sb;
        cot_diff_run(my, as, a.len, bs, b.len, &rm);
        save(&sm, &rm);
        cot_diff_run(bits, as, a.len, bs, b.len, &rb);
        save(&sb, &rb);
        cot_diff_run(small, as, a.len, bs, b.len, &rs);
        n++;
        napprox += sm.r.approx;
        int differ = !(a.len == b.len && !memcmp(as, bs, a.len));
        if (differ && a.len && b.len && !sb.r.traced && sm.r.inserted && sm.r.deleted)
            not_traced++;
        if (!sm.r.approx && (sb.r.inserted != sm.r.inserted || sb.r.deleted != sm.r.deleted ||
                             sb.r.lcs != sm.r.lcs || sb.r.tokens_a != sm.r.tokens_a ||
                             sb.r.tokens_b != sm.r.tokens_b)) {
            if (bad_counts++ < 3)
                tap_diag("counts differ: ins %zu/%zu del %zu/%zu", sb.r.inserted,
                         sm.r.inserted, sb.r.deleted, sm.r.deleted);
        }
        if (sb.r.approx || (a.len + b.len < 1500 && sb.r.lcs != lcsref(as, a.len, bs, b.len, 0)))
            bad_dp++;
        if (!lcsref_applies(as, a.len, bs, b.len, &sb.r)) bad_apply++;
        nsmall += rs.traced;
        if (rs.traced && !same_result(&rs, &sb.r)) bad_small++;
        /* AUTO: Myers' result exactly, or a traced one with its counts. */
        cot_diff_run(aut, as, a.len, bs, b.len, &ra);
        nauto_traced += ra.traced;
        if (ra.traced ? !same_result(&ra, &sb.r) : !same_result(&ra, &sm.r)) bad_auto++;
        free(sm.h);
        free(sb.h);
        cot_buf_free(&a);
        cot_buf_free(&b);
    }
    tap_diag("%d random pairs; Myers approx %d; traced with 400 words %d; AUTO traced %d",
             n, napprox, nsmall, nauto_traced);
    tap_is_long(not_traced, 0, "BITS: every pair with insertions and deletions is traced");
    tap_is_long(bad_counts, 0, "trace and Myers: the same inserted, deleted and lcs counts");
    tap_is_long(bad_dp, 0, "trace: exact, its lcs is the DP LCS");
    tap_is_long(bad_apply, 0, "trace: the hunks turn a into b, sorted and separated");
    tap_ok(nsmall > 700, "a 400-word memory limit (checkpoints past about 60 tokens): %d pairs traced", nsmall);
    tap_is_long(bad_small, 0, "... and gives the whole trace's result, every field");
    tap_is_long(bad_auto, 0, "AUTO = Myers' result, or the trace's when it hands over");
    cot_diff_free(my);
    cot_diff_free(bits);
    cot_diff_free(small);
    cot_diff_free(aut);
}

/* The AUTO threshold on CoT-sized texts: a text rewritten whole is traced,
 * an edited one keeps Myers' script exactly. */
static void test_threshold(void)
{
    cot_differ_t *my = cot_diff_new(), *aut = cot_diff_new();
    cot_diff_set_lcs(my, COT_DIFF_LCS_MYERS, 0);
    int rw_traced = 0, rw_counts = 0, ed_traced = 0, ed_same = 0;
    for (int it = 0; it < 20; it++) {
        cot_buf_t a = {0}, b = {0};
        gen(&a, 700 + tap_rn(800), 300);
        gen(&b, 700 + tap_rn(800), 300);        /* rewritten whole */
        cot_diff_t rm, ra;
        saved_t sm;
        cot_diff_run(my, a.s, a.len, b.s, b.len, &rm);
        save(&sm, &rm);
        cot_diff_run(aut, a.s, a.len, b.s, b.len, &ra);
        rw_traced += ra.traced && !ra.approx;
        rw_counts += !sm.r.approx && ra.inserted == sm.r.inserted &&
                     ra.deleted == sm.r.deleted && lcsref_applies(a.s, a.len, b.s, b.len, &ra);
        free(sm.h);
        edit(&a, &b, 1 + (int)tap_rn(60), 300);   /* edited */
        cot_diff_run(my, a.s, a.len, b.s, b.len, &rm);
        save(&sm, &rm);
        cot_diff_run(aut, a.s, a.len, b.s, b.len, &ra);
        ed_traced += ra.traced;
        ed_same += same_result(&ra, &sm.r);
        free(sm.h);
        cot_buf_free(&a);
        cot_buf_free(&b);
    }
    tap_is_long(rw_traced, 20, "AUTO: 1-3k-token texts rewritten whole are traced, exact");
    tap_is_long(rw_counts, 20, "... with Myers' counts, and the hunks apply");
    tap_is_long(ed_traced, 0, "AUTO: edited texts are not traced");
    tap_is_long(ed_same, 20, "... and get Myers' result, every field");

    /* A long text with many edits: Myers' work passes the trace's bound,
     * so the LCS is computed, but D is under a third of the tokens, so
     * Myers goes on and its result stands. */
    {
        cot_buf_t a = {0}, b = {0};
        gen(&a, 2500, 300);
        edit(&a, &b, 600, 300);
        cot_diff_t rm, ra;
        saved_t sm;
        cot_diff_run(my, a.s, a.len, b.s, b.len, &rm);
        save(&sm, &rm);
        cot_diff_run(aut, a.s, a.len, b.s, b.len, &ra);
        double drel = (double)(sm.r.inserted + sm.r.deleted) / (double)(sm.r.tokens_a + sm.r.tokens_b);
        tap_ok(!sm.r.approx && drel > 0.1 && drel < 0.3 && !ra.traced && same_result(&ra, &sm.r),
               "AUTO: many edits (D/(n+m) %.2f) checked by the LCS, Myers' result kept", drel);
        free(sm.h);
        cot_buf_free(&a);
        cot_buf_free(&b);
    }

    /* An 18k-token pair rewritten whole ("w123" is two tokens): Myers
     * alone gives up (approx); the trace, on checkpoints (its vectors
     * would take 40 MB whole), gives an exact script within the default
     * budget. */
    cot_buf_t a = {0}, b = {0};
    gen(&a, 6000, 3000);
    gen(&b, 6000, 3000);
    cot_diff_t r;
    cot_diff_run(my, a.s, a.len, b.s, b.len, &r);
    int myers_approx = r.approx;
    size_t ins = r.inserted;
    cot_diff_run(aut, a.s, a.len, b.s, b.len, &r);
    tap_ok(myers_approx && r.traced && !r.approx && r.inserted < ins &&
           lcsref_applies(a.s, a.len, b.s, b.len, &r),
           "18k tokens rewritten: traced and exact (%zu inserted, Myers approx %zu)",
           r.inserted, ins);
    cot_buf_free(&a);
    cot_buf_free(&b);
    cot_diff_free(my);
    cot_diff_free(aut);
}

/* The work budget bounds both: the trace is used only when its cost fits
 * (BITS), or when Myers' work up to the hand-over and the trace's fit
 * (AUTO); otherwise Myers runs as before, approx when it runs out. */
static void test_budget(void)
{
    cot_differ_t *my = cot_diff_new(), *bits = cot_diff_new(), *aut = cot_diff_new();
    cot_diff_set_lcs(my, COT_DIFF_LCS_MYERS, 0);
    cot_diff_set_lcs(bits, COT_DIFF_LCS_BITS, 0);
    int bad = 0, napprox = 0, ntraced = 0, nbits_myers = 0, bad_apply = 0;
    for (int it = 0; it < 200; it++) {
        cot_buf_t a = {0}, b = {0};
        gen(&a, 100 + tap_rn(700), 200);
        gen(&b, 100 + tap_rn(700), 200);
        unsigned long long budget = 1000 + tap_rn(200000);
        cot_diff_set_budget(my, budget);
        cot_diff_set_budget(bits, budget);
        cot_diff_set_budget(aut, budget);
        cot_diff_t rm, rb, ra;
        saved_t sm;
        cot_diff_run(my, a.s, a.len, b.s, b.len, &rm);
        save(&sm, &rm);
        cot_diff_run(aut, a.s, a.len, b.s, b.len, &ra);
        ntraced += ra.traced;
        napprox += ra.approx;
        if (!ra.traced && !same_result(&ra, &sm.r)) bad++;
        if (!lcsref_applies(a.s, a.len, b.s, b.len, &ra)) bad_apply++;
        cot_diff_run(bits, a.s, a.len, b.s, b.len, &rb);
        if (!rb.traced) nbits_myers += same_result(&rb, &sm.r);
        else if (rb.approx) bad++;
        free(sm.h);
        cot_buf_free(&a);
        cot_buf_free(&b);
    }
    tap_ok(ntraced > 20 && napprox > 20, "budgets 1k-200k: some traced (%d), some approx (%d)",
           ntraced, napprox);
    tap_is_long(bad, 0, "a pair not traced gets Myers' result under the same budget");
    tap_is_long(bad_apply, 0, "... and every script applies");
    tap_ok(nbits_myers > 20, "BITS over budget falls back to Myers (%d)", nbits_myers);
    cot_diff_free(my);
    cot_diff_free(bits);
    cot_diff_free(aut);
}

/* The fast paths with the trace: trimming the common ends first gives the
 * whole comparison's result, every field, traced or not. */
static void test_fastpath(void)
{
    cot_differ_t *fast = cot_diff_new(), *slow = cot_diff_new();
    cot_diff_set_fast(slow, 0);
    int bad = 0, ntraced = 0;
    for (int it = 0; it < 300; it++) {
        int mode = it % 2 ? COT_DIFF_LCS_BITS : COT_DIFF_LCS_AUTO;
        cot_diff_set_lcs(fast, mode, it % 3 ? 0 : 100);
        cot_diff_set_lcs(slow, mode, it % 3 ? 0 : 100);
        cot_buf_t pre = {0}, a = {0}, b = {0}, suf = {0};
        gen(&pre, tap_rn(60), 20);
        gen(&suf, tap_rn(60), 20);
        cot_buf_add(&a, pre.s ? pre.s : "", pre.len);
        cot_buf_add(&b, pre.s ? pre.s : "", pre.len);
        gen(&a, tap_rn(700), it % 4 ? 400 : 3);
        gen(&b, tap_rn(700), it % 4 ? 400 : 3);
        cot_buf_add(&a, suf.s ? suf.s : "", suf.len);
        cot_buf_add(&b, suf.s ? suf.s : "", suf.len);
        const char *as = a.s ? a.s : "", *bs = b.s ? b.s : "";
        cot_diff_t rf, rs;
        saved_t sf;
        cot_diff_run(fast, as, a.len, bs, b.len, &rf);
        save(&sf, &rf);
        cot_diff_run(slow, as, a.len, bs, b.len, &rs);
        ntraced += rs.traced;
        if (!same_result(&sf.r, &rs)) bad++;
        free(sf.h);
        cot_buf_free(&pre); cot_buf_free(&a); cot_buf_free(&b); cot_buf_free(&suf);
    }
    tap_ok(ntraced > 100, "fast paths with the trace: %d of 300 traced", ntraced);
    tap_is_long(bad, 0, "... fast = whole comparison, every field");
    cot_diff_free(fast);
    cot_diff_free(slow);
}

/* Myers' early hand-over (lcs_sure(): at half the escape's work, sure to
 * hand over, it hands over at once) against Myers left to run up to the
 * hand-over (the fast paths off): every field, traced included, over
 * pairs from lightly edited to rewritten whole, the edit rates around the
 * third of D/(n+m) where the trace takes over, at the default budget and
 * at budgets that move the escape and the give-up step. */
static void test_probe(void)
{
    cot_differ_t *fast = cot_diff_new(), *slow = cot_diff_new();
    cot_diff_set_fast(slow, 0);
    int bad = 0, ntraced = 0, nmyers = 0, nmid = 0;
    for (int it = 0; it < 600; it++) {
        cot_buf_t a = {0}, b = {0};
        size_t alpha = it % 5 == 0 ? 20 : 300;
        if (it % 6 == 2 || it >= 360) {
            /* lopsided: few diagonals a step, so Myers can pass half the
             * escape and still end before it, D over a third */
            gen(&a, 100 + tap_rn(it % 4 ? 100 : 1500), 300);
            gen(&b, 2 + tap_rn(80), 300);
        } else if (it % 6 == 1) {   /* short, heavily edited: Myers may end first */
            size_t k = 80 + tap_rn(250);
            gen(&a, k, alpha);
            edit(&a, &b, (int)(k / 3 + tap_rn(k)), alpha);
        } else {
            gen(&a, 300 + tap_rn(1500), alpha);
            if (it % 6 == 0) gen(&b, 300 + tap_rn(1500), alpha);  /* rewritten */
            else edit(&a, &b, 1 + (int)tap_rn((unsigned)(a.len / 5)), alpha);
        }
        unsigned long long budget = it % 3 ? 0 : 20000 + tap_rn(400000);
        cot_diff_set_budget(fast, budget);
        cot_diff_set_budget(slow, budget);
        cot_diff_t rf, rs;
        saved_t sf;
        cot_diff_run(fast, a.s, a.len, b.s, b.len, &rf);
        save(&sf, &rf);
        cot_diff_run(slow, a.s, a.len, b.s, b.len, &rs);
        ntraced += rs.traced;
        nmyers += !rs.traced;
        double drel = (double)(rs.inserted + rs.deleted) / (double)(rs.tokens_a + rs.tokens_b);
        nmid += drel > 0.2 && drel < 0.45;
        if (!same_result(&sf.r, &rs) && bad++ < 3)
            tap_diag("differs: %zu and %zu tokens, D/(n+m) %.3f, budget %llu, traced %d/%d",
                     rs.tokens_a, rs.tokens_b, drel, budget, sf.r.traced, rs.traced);
        free(sf.h);
        cot_buf_free(&a);
        cot_buf_free(&b);
    }
    tap_ok(ntraced > 40 && nmyers > 40 && nmid > 20,
           "early hand-over: %d traced, %d Myers, %d with D/(n+m) 0.2-0.45", ntraced,
           nmyers, nmid);
    tap_is_long(bad, 0, "... the same result as Myers left to hand over, every field");
    cot_diff_free(fast);
    cot_diff_free(slow);
}

int main(void)
{
    tap_seed(20261201);
    test_placement();
    test_random();
    test_threshold();
    test_budget();
    test_fastpath();
    test_probe();
    return tap_done();
}
