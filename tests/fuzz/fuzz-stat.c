/* fuzz-stat -- cot-stat partials (lib/stats.c), the current format: a
 * partial written, read back and merged into an empty run writes the same
 * bytes again; two partials merge.  The input is JSONL records (bad lines
 * count as rejects), cut in two at the first 0x01 byte.
 *
 * Known and owned elsewhere (issue 15 defects 6 and 7): non-finite sums and
 * sketch buckets of |x| > ~5e173 make unmergeable partials.  Records with a
 * number beyond 1e150 in "x" are left out until that is fixed. */
#include "fuzz.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <string.h>

static char *by[] = {"meta.env"}, *cnt[] = {"judge.verdict"}, *num[] = {"x", "meta.n"};
static char *forf[] = {"judge.verdict"}, *forv[] = {"rationalized"};

static void feed(cot_stat_t *st, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;
        cJSON *o = cJSON_ParseWithLength(p, k);
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, "x");
        st->lines++;   /* the accounts as cot-stat keeps them (a partial checks them) */
        if (!cJSON_IsObject(o)) {
            cot_stat_add_reject(st, "invalid-json", 1);
            st->rejected++;
        }
        else if (!cJSON_IsNumber(x) || fabs(x->valuedouble) <= 1e150) cot_stat_add(st, o);
        cJSON_Delete(o);
        p += k + (nl != NULL);
        n -= k + (nl != NULL);
    }
}

/* Read partial text back into a fresh run of the same options. */
static void reload(const cot_buf_t *b, cot_stat_t *into, const cot_stat_opts_t *want)
{
    cJSON *j = cJSON_ParseWithLength(b->s, b->len);
    FUZZ_CHECK(cJSON_IsObject(j), "a partial is not a JSON object: %.300s", b->s);
    cot_stat_opts_t po;
    memset(&po, 0, sizeof po);
    const char *e = cot_stat_partial_opts(j, &po);
    FUZZ_CHECK(!e, "partial options refused: %s", e);
    FUZZ_CHECK(!cot_stat_opts_differ(&po, want), "partial options differ");
    e = cot_stat_partial_merge(into, j);
    FUZZ_CHECK(!e, "partial refused: %s\n%.500s", e, b->s);
    cot_stat_opts_free(&po);
    cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384) return 0;
    cot_prog = "fuzz-stat";
    cot_stat_opts_t o = {by, cnt, num, 1, 1, 2, "meta.step", forf, forv, 1};
    const char *p = (const char *)data;
    const char *cut = memchr(p, 1, size);
    size_t na = cut ? (size_t)(cut - p) : size;
    cot_stat_t a, b, c;
    cot_stat_init(&a, &o);
    cot_stat_init(&b, &o);
    feed(&a, p, na);
    if (cut) feed(&b, cut + 1, size - na - 1);
    cot_buf_t wa = {0}, wc = {0}, wb = {0};
    cot_stat_partial_write(&a, &wa);
    cot_stat_init(&c, &o);
    reload(&wa, &c, &a.o);
    c.partials = a.partials;    /* a direct run has 0; a merge counts 1 */
    cot_stat_partial_write(&c, &wc);
    FUZZ_CHECK(wa.len == wc.len && !memcmp(wa.s, wc.s, wa.len),
               "a partial read back writes differently:\n%.800s\n%.800s", wa.s, wc.s);
    /* and two partials merge */
    cot_stat_partial_write(&b, &wb);
    reload(&wb, &c, &a.o);
    FUZZ_CHECK(c.records == a.records + b.records, "merged records %llu != %llu + %llu",
               (unsigned long long)c.records, (unsigned long long)a.records,
               (unsigned long long)b.records);
    cot_buf_free(&wa);
    cot_buf_free(&wb);
    cot_buf_free(&wc);
    cot_stat_free(&a);
    cot_stat_free(&b);
    cot_stat_free(&c);
    return 0;
}
