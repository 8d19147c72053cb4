/* fuzz-pair -- cot-diff's reading of an original by its members
 * (lib/pair.c: cot_pair_members, cot_pair_string) as a differential against
 * the JSON tree: on any bytes it stays in bounds; on a line the strict
 * parser accepts, every member it finds is the one cJSON finds (the first
 * of its name), every one it misses is absent, and every string it decodes
 * is cJSON's, byte for byte.  It may always say "unsure" (the caller then
 * parses in full), never something else. */
#include "fuzz.h"
#include "json.h"
#include "pair.h"
#include "util.h"

#include <string.h>

static const char *const names[] = {"id", "prompt", "cot", "answer", "cot", ""};
static const size_t nlen[] = {2, 6, 3, 6, 3, 0};
#define NNAMES 6

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cot_buf_t scratch, dec;
    const char *s = (const char *)data;
    cot_pair_span_t sp[NNAMES];
    int r = cot_pair_members(s, size, names, nlen, NNAMES, sp);
    if (r == 0)
        for (int i = 0; i < NNAMES; i++) {
            FUZZ_CHECK(!sp[i].p || (sp[i].p >= s && sp[i].p + sp[i].n <= s + size),
                       "span of %s out of the input", names[i]);
            const char *p;
            size_t n;
            if (cot_pair_string(sp[i], &dec, &p, &n) == 1)
                FUZZ_CHECK(n == 0 || p, "decoded %s without text", names[i]);
        }
    cJSON *j = cot_json_parse_fast(s, size, &scratch);
    if (!j) return 0;
    if (r == 0 && cJSON_IsObject(j))
        for (int i = 0; i < NNAMES; i++) {
            const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, names[i]);
            FUZZ_CHECK(!m == !sp[i].p, "member %s: cJSON %s it, the scan %s", names[i],
                       m ? "finds" : "misses", sp[i].p ? "finds" : "misses");
            if (!m) continue;
            const char *p;
            size_t n;
            int k = cot_pair_string(sp[i], &dec, &p, &n);
            if (!cJSON_IsString(m)) {
                FUZZ_CHECK(k == 0, "member %s is no string, read as %d", names[i], k);
                continue;
            }
            FUZZ_CHECK(k != 0, "string %s read as no string", names[i]);
            if (k == 1)
                FUZZ_CHECK(n == strlen(m->valuestring) && !memcmp(p, m->valuestring, n),
                           "string %s decoded otherwise", names[i]);
        }
    cJSON_Delete(j);
    return 0;
}
