/* harmony.h -- a state machine over OpenAI harmony renderings (gpt-oss).
 *
 *   <|start|>ROLE[ to=RECIPIENT][<|channel|>CHANNEL[ to=RECIPIENT]]
 *       [<|constrain|>TYPE]<|message|>CONTENT(<|end|>|<|return|>|<|call|>)
 *
 * A text may begin inside the first header (the chat template already wrote
 * "<|start|>assistant"), so a text that starts with <|channel|> is an
 * assistant message.  A message cut off by the end of the text, or by the
 * next <|start|>, has end == 0.  Content is trimmed of the whitespace at its
 * edges (template artefacts, as for inline tags); nothing inside is touched.
 */
#ifndef COT_HARMONY_H
#define COT_HARMONY_H

#include <stddef.h>
#include "tags.h"

typedef struct {
    cot_span_t role, channel, recipient, constrain, content;
    char end;                /* 'e' <|end|>, 'r' <|return|>, 'c' <|call|>,
                                0 cut off                                   */
} cot_harmony_msg_t;

/* Parse text[0..n) into messages.  *msgs / *cap is a growable array the
 * caller owns (start with NULL / 0; free(*msgs) when done); spans point into
 * text.  Returns the number of messages (0 when there are none). */
size_t cot_harmony_parse(const char *text, size_t n, cot_harmony_msg_t **msgs,
                         size_t *cap);

#endif
