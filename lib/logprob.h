/* logprob.h -- per-token logprobs from the shapes people have, aligned to
 * the cot and answer text, and the statistics computed from them.
 *
 * Shapes (cot_lp_parse() detects which; a wrapping {"logprobs": X} or
 * {"prompt_logprobs": X} is looked through):
 *   chat         OpenAI / vLLM chat: {"content": [{token, logprob, bytes?,
 *                top_logprobs: [{token, logprob}...]}...]} or the bare array.
 *                When "bytes" is present it gives the token's exact bytes.
 *   completions  legacy: {tokens[], token_logprobs[], top_logprobs[{tok: lp}],
 *                text_offset[]}.  text_offset, when present, must agree with
 *                the concatenated token strings (else an error).
 *   prompt       vLLM prompt_logprobs: [null, {"ID": {logprob, rank,
 *                decoded_token}...}...].  The first entry (null) has no
 *                logprob and no text, and is skipped.  The token of a
 *                position is the map entry named by token_ids[i] when given
 *                (a record's prompt_token_ids), else the map's first entry
 *                (vLLM writes the prompt token first).
 * Logprobs are natural logs.  Ranks are 1-based: given by vLLM, otherwise
 * derived from top_logprobs (1 + the number of alternatives with a higher
 * logprob) when the token is among them, else unknown (0).
 */
#ifndef COT_LOGPROB_H
#define COT_LOGPROB_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *shape;          /* "chat", "completions" or "prompt"        */
    char *text;                 /* the token strings concatenated           */
    size_t len, n;              /* bytes of text, tokens                    */
    size_t *start;              /* token i is text[start[i] .. start[i+1])  */
    double *lp;                 /* logprob of token i; NAN when absent      */
    int32_t *rank;              /* 1-based; 0 = unknown                     */
    size_t *top;                /* alternatives of token i (the top-k list,
                                   plus the token itself when it is not in
                                   it): top_lp[top[i] .. top[i+1])          */
    double *top_lp;
} cot_lp_t;

/* Parse one logprobs value.  Returns 0, or -1 with *why set (static text,
 * valid until the next call).  token_ids may be NULL (see "prompt").
 * On success the caller frees lp with cot_lp_free(). */
int cot_lp_parse(const cJSON *v, const cJSON *token_ids, cot_lp_t *lp,
                 const char **why);
void cot_lp_free(cot_lp_t *lp);

/* Token range [*t0, *t1) covering the first occurrence of s[0..n) in the
 * token text at or after byte `from`; *end receives the byte just past the
 * occurrence.  Returns 0, or -1 when s does not occur (or n == 0). */
int cot_lp_align(const cot_lp_t *lp, const char *s, size_t n, size_t from,
                 size_t *t0, size_t *t1, size_t *end);

/* Statistics over tokens [t0, t1):
 *   nll_mean     mean of -logprob over tokens that have one (nats);
 *   gltr         ranks <=10, <=100, <=1000, >1000, unknown;
 *   curvature    analytic Fast-DetectGPT with the model as sampler and
 *                scorer: (sum lp - sum mu) / sqrt(sum var), mu and var the
 *                mean and variance of log p under the model's distribution
 *                at each position, from the known alternatives plus one
 *                lumped outcome holding the remaining mass (NAN without
 *                top lists);
 *   lumped_mass  mean remaining mass over the positions used. */
typedef struct {
    size_t tokens, scored, curv_tokens;
    double nll_mean;
    size_t gltr[5];
    double curvature, lumped_mass;
} cot_lp_stats_t;
void cot_lp_stats(const cot_lp_t *lp, size_t t0, size_t t1, cot_lp_stats_t *st);

/* Per-token NLL shift of an edit, both traces scored by the same model.
 * Tokens are matched on their strings (common prefix and suffix, then a
 * longest common subsequence of the middle when it has at most 4M cells;
 * otherwise the whole middle counts as changed).  Shifts are NLL(edited)
 * - NLL(original) in nats per token:
 *   same        matched tokens (context changed, token did not);
 *   downstream  matched tokens after the first change;
 *   changed     mean NLL of unmatched tokens, original and edited;
 *   overall     mean NLL edited - mean NLL original. */
typedef struct {
    size_t n_same, n_down, n_orig_changed, n_edit_changed;
    double same, downstream, orig_changed, edit_changed, overall;
} cot_lp_shift_t;
void cot_lp_shift(const cot_lp_t *orig, const cot_lp_t *edit, cot_lp_shift_t *s);

/* The "logprob_stats" object for a canonical record (see cot-profile(1)):
 * logprobs from `path` in rec (token ids from ids_path for the prompt
 * shape; may be NULL), aligned to rec's cot and answer; with base_path (may
 * be NULL) also nll_shift against the original trace found there.
 * Returns the object (caller owns it), NULL with *why = NULL when rec has
 * nothing at path, or NULL with *why set when the logprobs are malformed. */
cJSON *cot_lp_record_json(const cJSON *rec, const char *path, const char *ids_path,
                          const char *base_path, const char **why);

#endif
