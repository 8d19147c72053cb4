/* tags.h -- split one text into reasoning and answer by inline markers.
 *
 * Styles: <think>, <seed:think>, ◁think▷, [THINK], Cohere
 * <|START_THINKING|>/<|START_RESPONSE|>, OpenThoughts
 * <|begin_of_thought|>/<|begin_of_solution|>, "Here is my thought process:" /
 * "Here is my response:", GSM8K "#### N", and the detection (not the
 * parsing) of gpt-oss harmony, which lib/harmony.h parses.
 *
 * The closing-tag rule (documented in cot-extract(1)): every occurrence of
 * the closing marker after the opening one is a candidate.  A candidate that
 * is quoted (a quote or backtick right before or after it) or inside a ```
 * fence is never the real one.  Of the rest, the last one that ends its line
 * (only blanks up to a newline or the end of the text, or the style's answer
 * tag) wins; failing that the last one.  So a model that writes about its
 * own "</think>" inside its reasoning cannot break the split.
 *
 * Whitespace: cot and answer found by splitting are trimmed at their edges
 * (the newlines templates put around tags); nothing inside is touched.
 */
#ifndef COT_TAGS_H
#define COT_TAGS_H

#include <stddef.h>

typedef struct {
    const char *p;
    size_t n;
} cot_span_t;

typedef struct {
    const char *style;   /* style name ("think", ...), or NULL: no markers  */
    const char *state;   /* "ok", "empty", "unclosed" or "absent"           */
    cot_span_t cot;      /* trimmed; n == 0 when empty or absent            */
    cot_span_t answer;   /* trimmed; the whole text (untrimmed) when absent */
    cot_span_t before;   /* non-blank text before the opening marker        */
} cot_split_t;

/* Split text[0..n).  force: a style name to try alone ("think", "gsm8k",
 * "harmony", "none" ...) or NULL to detect; gsm8k: also try "#### N" when no
 * tag is found (flat layouts only).  When the style is "harmony" nothing is
 * split (the caller parses with cot_harmony_parse).  Returns 1 when markers
 * were found, 0 otherwise (style NULL, state "absent", answer = text). */
int cot_tags_split(const char *text, size_t n, const char *force, int gsm8k,
                   cot_split_t *s);

/* Is name a style that cot_tags_split knows?  1 or 0. */
int cot_tags_style_ok(const char *name);

/* Style i (0-based) and its one-line description; NULL past the end. */
const char *cot_tags_style_name(int i, const char **desc);

#endif
