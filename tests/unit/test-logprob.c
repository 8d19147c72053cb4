/* test-logprob.c -- unit tests for lib/logprob.c: the three shapes, the
 * alignment to cot and answer, NLL / GLTR / curvature, the NLL shift.
 * The text of every fixture is "Let me add. 4": cot "Let me add.",
 * answer "4"; tokens Let | " me" | " add" | "." | " 4". */
#include "logprob.h"
#include "tap.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *chat =
    "{\"content\":["
    "{\"token\":\"Let\",\"logprob\":-0.1,\"top_logprobs\":[{\"token\":\"Let\",\"logprob\":-0.1},{\"token\":\"I\",\"logprob\":-2.5}]},"
    "{\"token\":\" me\",\"logprob\":-0.2,\"top_logprobs\":[{\"token\":\" me\",\"logprob\":-0.2},{\"token\":\" us\",\"logprob\":-1.9}]},"
    "{\"token\":\" add\",\"logprob\":-1.0,\"top_logprobs\":[{\"token\":\" see\",\"logprob\":-0.7},{\"token\":\" add\",\"logprob\":-1.0}]},"
    "{\"token\":\".\",\"logprob\":-0.05,\"bytes\":[46],\"top_logprobs\":[{\"token\":\".\",\"logprob\":-0.05}]},"
    "{\"token\":\" 4\",\"logprob\":-4.0,\"top_logprobs\":[{\"token\":\" 5\",\"logprob\":-0.3}]}]}";

static const char *edited =
    "{\"logprobs\":{\"content\":["
    "{\"token\":\"Let\",\"logprob\":-0.1,\"top_logprobs\":[]},"
    "{\"token\":\" us\",\"logprob\":-1.9,\"top_logprobs\":[]},"
    "{\"token\":\" add\",\"logprob\":-1.5,\"top_logprobs\":[]},"
    "{\"token\":\".\",\"logprob\":-0.05,\"top_logprobs\":[]},"
    "{\"token\":\" 4\",\"logprob\":-3.0,\"top_logprobs\":[]}]}}";

static const char *completions =
    "{\"tokens\":[\"Let\",\" me\",\" add\",\".\",\" 4\"],"
    "\"token_logprobs\":[null,-0.2,-1.0,-0.05,-4.0],"
    "\"top_logprobs\":[null,{\" me\":-0.2,\" us\":-1.9},{\" see\":-0.7,\" add\":-1.0},"
    "{\".\":-0.05},{\" 5\":-0.3}],"
    "\"text_offset\":[100,103,106,110,111]}";

static const char *prompt =
    "[null,"
    "{\"1234\":{\"logprob\":-0.2,\"rank\":1,\"decoded_token\":\" me\"},"
    " \"99\":{\"logprob\":-1.9,\"rank\":2,\"decoded_token\":\" us\"}},"
    "{\"777\":{\"logprob\":-1.0,\"rank\":2,\"decoded_token\":\" add\"},"
    " \"5\":{\"logprob\":-0.7,\"rank\":1,\"decoded_token\":\" see\"}},"
    "{\"13\":{\"logprob\":-0.05,\"rank\":1,\"decoded_token\":\".\"}},"
    "{\"604\":{\"logprob\":-4.0,\"rank\":57,\"decoded_token\":\" 4\"},"
    " \"20\":{\"logprob\":-0.3,\"rank\":1,\"decoded_token\":\" 5\"}}]";

static int parse(const char *json, const char *ids, cot_lp_t *lp, const char **why)
{
    cJSON *v = cJSON_Parse(json), *i = ids ? cJSON_Parse(ids) : NULL;
    int r = cot_lp_parse(v, i, lp, why);
    cJSON_Delete(v);
    cJSON_Delete(i);
    return r;
}

static void test_chat(void)
{
    cot_lp_t lp;
    const char *why = NULL;
    size_t t0, t1, end;
    tap_is_long(parse(chat, NULL, &lp, &why), 0, "chat: parses");
    tap_is_str(lp.shape, "chat", "chat: shape");
    tap_is_str(lp.text, "Let me add. 4", "chat: token text concatenated");
    tap_is_long((long)lp.n, 5, "chat: 5 tokens");
    tap_ok(lp.rank[0] == 1 && lp.rank[1] == 1 && lp.rank[2] == 2 && lp.rank[3] == 1 &&
           lp.rank[4] == 0, "chat: ranks 1 1 2 1 unknown (token not in its top list)");
    tap_is_long(cot_lp_align(&lp, "Let me add.", 11, 0, &t0, &t1, &end), 0, "chat: cot aligned");
    tap_ok(t0 == 0 && t1 == 4 && end == 11, "chat: cot is tokens [0,4)");
    tap_is_long(cot_lp_align(&lp, "4", 1, end, &t0, &t1, &end), 0, "chat: answer aligned");
    tap_ok(t0 == 4 && t1 == 5, "chat: answer is token 4 (\" 4\" overlaps \"4\")");
    tap_is_long(cot_lp_align(&lp, "7", 1, 0, &t0, &t1, &end), -1, "chat: absent text not aligned");
    cot_lp_stats_t s;
    cot_lp_stats(&lp, 0, lp.n, &s);
    /* (0.1 + 0.2 + 1.0 + 0.05 + 4.0) / 5 */
    tap_is_double(s.nll_mean, 1.07, 1e-12, "chat: mean NLL");
    tap_ok(s.gltr[0] == 4 && s.gltr[4] == 1, "chat: GLTR 4 in <=10, 1 unknown");
    /* token "." alone: q = e^-0.05 = 0.951229, lumped r = 0.048771;
     * mu = q(-0.05) + r ln r = -0.194879; E[(log p)^2] = 0.447369;
     * var = 0.409391; curvature = (-0.05 + 0.194879) / 0.639837 = 0.22643 */
    cot_lp_stats(&lp, 3, 4, &s);
    tap_is_double(s.curvature, 0.22643, 1e-4, "chat: curvature of one token by hand");
    tap_is_double(s.lumped_mass, 0.048771, 1e-5, "chat: lumped mass reported");
    cot_lp_t e;
    tap_is_long(parse(edited, NULL, &e, &why), 0, "edited chat (wrapped in logprobs) parses");
    cot_lp_shift_t sh;
    cot_lp_shift(&lp, &e, &sh);
    /* matched Let, add, ., 4: shifts 0, +0.5, 0, -1.0; changed " me" -> " us" */
    tap_ok(sh.n_same == 4 && sh.n_orig_changed == 1 && sh.n_edit_changed == 1,
           "shift: 4 matched, 1 changed each side");
    tap_is_double(sh.same, -0.125, 1e-12, "shift: matched tokens");
    tap_is_double(sh.downstream, (0.5 - 1.0) / 3, 1e-12, "shift: downstream of the edit");
    tap_is_double(sh.orig_changed, 0.2, 1e-12, "shift: changed, original NLL");
    tap_is_double(sh.edit_changed, 1.9, 1e-12, "shift: changed, edited NLL");
    tap_is_double(sh.overall, 6.55 / 5 - 1.07, 1e-12, "shift: overall");
    cot_lp_free(&e);
    cot_lp_free(&lp);
}

static void test_completions(void)
{
    cot_lp_t lp;
    const char *why = NULL;
    size_t t0, t1, end;
    tap_is_long(parse(completions, NULL, &lp, &why), 0, "completions: parses");
    tap_is_str(lp.shape, "completions", "completions: shape");
    tap_is_str(lp.text, "Let me add. 4", "completions: text");
    tap_ok(isnan(lp.lp[0]) && lp.rank[0] == 0, "completions: null first logprob kept as absent");
    tap_ok(lp.rank[2] == 2 && lp.rank[4] == 0, "completions: ranks from top_logprobs");
    cot_lp_align(&lp, "Let me add.", 11, 0, &t0, &t1, &end);
    tap_ok(t0 == 0 && t1 == 4, "completions: cot tokens [0,4)");
    cot_lp_stats_t s;
    cot_lp_stats(&lp, 0, lp.n, &s);
    tap_is_double(s.nll_mean, 5.25 / 4, 1e-12, "completions: NLL over the 4 scored tokens");
    cot_lp_free(&lp);
    char *badoff = cot_strdup(completions);
    char *p = strstr(badoff, "110");
    p[1] = '2';
    tap_ok(parse(badoff, NULL, &lp, &why) < 0 && strstr(why, "text_offset disagrees") &&
           strstr(why, "token 3"), "completions: bad text_offset: %s", why);
    free(badoff);
}

static void test_prompt(void)
{
    cot_lp_t lp;
    const char *why = NULL;
    size_t t0, t1, end;
    tap_is_long(parse(prompt, NULL, &lp, &why), 0, "prompt: parses");
    tap_is_str(lp.shape, "prompt", "prompt: shape");
    tap_is_str(lp.text, " me add. 4", "prompt: first (null) entry skipped, first keys taken");
    tap_ok(lp.rank[1] == 2 && lp.rank[3] == 57, "prompt: ranks as given");
    cot_lp_stats_t s;
    cot_lp_stats(&lp, 0, lp.n, &s);
    tap_ok(s.gltr[0] == 3 && s.gltr[1] == 1, "prompt: GLTR 3 in <=10, 1 in <=100");
    tap_is_long(cot_lp_align(&lp, "add.", 4, 0, &t0, &t1, &end), 0, "prompt: aligned");
    tap_ok(t0 == 1 && t1 == 3, "prompt: \"add.\" is tokens [1,3)");
    cot_lp_free(&lp);
    tap_is_long(parse(prompt, "[1, 99, 777, 13, 604]", &lp, &why), 0, "prompt: with ids");
    tap_is_str(lp.text, " us add. 4", "prompt: token ids pick the entry");
    cot_lp_free(&lp);
    tap_ok(parse(prompt, "[1, 42]", &lp, &why) < 0 && strstr(why, "missing"),
           "prompt: unknown id rejected: %s", why);
    tap_ok(parse("{\"x\":1}", NULL, &lp, &why) < 0 && strstr(why, "not a logprobs value"),
           "unknown shape rejected");
}

/* No top_logprobs anywhere: no alternatives were ever stored, and the rank
 * lookup used to compute NULL + 0 (undefined; UBSan in the fuzz and asan
 * builds stops on it). */
static void test_no_alternatives(void)
{
    cot_lp_t lp;
    const char *why = NULL;
    cot_lp_stats_t st;
    tap_ok(parse("[{\"token\":\"a\",\"logprob\":-0.5},{\"token\":\"b\",\"logprob\":-1.5}]",
                 NULL, &lp, &why) == 0 && lp.n == 2 && lp.rank[0] == 0 && lp.rank[1] == 0,
           "chat without top_logprobs: two tokens, ranks unknown");
    cot_lp_stats(&lp, 0, lp.n, &st);
    tap_ok(st.gltr[4] == 2 && isnan(st.curvature), "and no curvature without alternatives");
    cot_lp_free(&lp);
    tap_ok(parse("{\"tokens\":[\"a\",\"b\"],\"token_logprobs\":[-0.5,-1.5]}",
                 NULL, &lp, &why) == 0 && lp.n == 2 && lp.rank[0] == 0,
           "completions without top_logprobs: ranks unknown");
    cot_lp_stats(&lp, 0, lp.n, &st);
    cot_lp_free(&lp);
    /* found by fuzz-logprob: a vLLM rank too large for int32 (the double to
     * int conversion was undefined) is clamped. */
    tap_ok(parse("[null,{\"7\":{\"logprob\":-1.0,\"rank\":5.5e73,\"decoded_token\":\" a\"}}]",
                 NULL, &lp, &why) == 0 && lp.n == 1 && lp.rank[0] == INT32_MAX,
           "prompt: a huge rank is clamped to INT32_MAX");
    cot_lp_stats(&lp, 0, lp.n, &st);
    tap_ok(st.gltr[3] == 1, "and counts as > 1000");
    cot_lp_free(&lp);
}

int main(void)
{
    cot_prog = "test-logprob";
    test_chat();
    test_completions();
    test_prompt();
    test_no_alternatives();
    return tap_done();
}
