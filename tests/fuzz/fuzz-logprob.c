/* fuzz-logprob -- logprob parsing (lib/logprob.c): the three shapes, the
 * alignment and the statistics.  The input is "JSON" or "JSON\nIDS" (a
 * token-id array for the prompt shape).  Checked: whatever parses has
 * consistent arrays (starts increasing within the text, alternatives in
 * range), aligns in range and gives statistics that add up. */
#include "fuzz.h"
#include "logprob.h"
#include "util.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    cot_prog = "fuzz-logprob";
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t jn = nl ? (size_t)(nl - p) : size;
    cJSON *v = cJSON_ParseWithLength(p, jn);
    cJSON *ids = nl ? cJSON_ParseWithLength(nl + 1, size - jn - 1) : NULL;
    cot_lp_t lp;
    const char *why = NULL;
    if (v && cot_lp_parse(v, ids, &lp, &why) == 0) {
        FUZZ_CHECK(lp.shape != NULL, "no shape");
        for (size_t i = 0; i < lp.n; i++) {
            size_t e = i + 1 < lp.n ? lp.start[i + 1] : lp.len;
            FUZZ_CHECK(lp.start[i] <= e && e <= lp.len, "token %zu out of the text", i);
            FUZZ_CHECK(lp.top[i] <= lp.top[i + 1], "alternatives of token %zu", i);
            FUZZ_CHECK(lp.rank[i] >= 0, "rank %d", lp.rank[i]);
        }
        cot_lp_stats_t st;
        cot_lp_stats(&lp, 0, lp.n, &st);
        FUZZ_CHECK(st.tokens == lp.n && st.scored <= st.tokens, "token counts");
        size_t g = 0;
        for (int k = 0; k < 5; k++) g += st.gltr[k];
        FUZZ_CHECK(g == st.tokens, "GLTR buckets add up to %zu of %zu", g, st.tokens);
        if (lp.n > 2) cot_lp_stats(&lp, 1, lp.n - 1, &st);
        size_t t0, t1, end;
        if (lp.len > 0) {
            size_t from = lp.len / 3, k = lp.len - from < 5 ? lp.len - from : 5;
            if (k && cot_lp_align(&lp, lp.text + from, k, 0, &t0, &t1, &end) == 0)
                FUZZ_CHECK(t0 <= t1 && t1 <= lp.n && end <= lp.len, "alignment out of range");
        }
        cot_lp_free(&lp);
    } else if (v) {
        FUZZ_CHECK(why && *why, "a failure without a reason");
    }
    cJSON_Delete(v);
    cJSON_Delete(ids);
    return 0;
}
