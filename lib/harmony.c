/* harmony.c -- harmony rendering parser (see harmony.h). */
#define _GNU_SOURCE 1   /* memmem */
#include "harmony.h"
#include "util.h"

#include <string.h>

enum { T_NONE, T_START, T_CHANNEL, T_MESSAGE, T_END, T_RETURN, T_CALL,
       T_CONSTRAIN };

static const struct { const char *s; size_t n; int t; } toks[] = {
    {"<|start|>", 9, T_START},     {"<|channel|>", 11, T_CHANNEL},
    {"<|message|>", 11, T_MESSAGE}, {"<|end|>", 7, T_END},
    {"<|return|>", 10, T_RETURN},  {"<|call|>", 8, T_CALL},
    {"<|constrain|>", 13, T_CONSTRAIN},
};

/* Next special token at or after p: its kind and start; T_NONE at the end. */
static int next_tok(const char *p, const char *end, const char **at, size_t *len)
{
    for (const char *q = p; (q = memchr(q, '<', (size_t)(end - q))); q++) {
        if (end - q < 7 || q[1] != '|') continue;
        for (size_t i = 0; i < sizeof toks / sizeof toks[0]; i++)
            if ((size_t)(end - q) >= toks[i].n && !memcmp(q, toks[i].s, toks[i].n)) {
                *at = q;
                *len = toks[i].n;
                return toks[i].t;
            }
    }
    *at = end;
    *len = 0;
    return T_NONE;
}

static cot_span_t trim(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r')) e--;
    return (cot_span_t){p, (size_t)(e - p)};
}

/* "WORD to=RECIPIENT ..." -> word, and recipient when present. */
static void header_part(const char *p, const char *e, cot_span_t *word,
                        cot_span_t *recipient)
{
    cot_span_t t = trim(p, e);
    const char *w = t.p, *we = t.p;
    while (we < t.p + t.n && *we != ' ') we++;
    *word = (cot_span_t){w, (size_t)(we - w)};
    const char *to = t.n >= 3 ? memmem(t.p, t.n, "to=", 3) : NULL;
    if (to) {
        const char *r = to + 3, *re = r;
        while (re < t.p + t.n && *re != ' ') re++;
        *recipient = (cot_span_t){r, (size_t)(re - r)};
        if (to == w) *word = (cot_span_t){w, 0};
    }
}

size_t cot_harmony_parse(const char *text, size_t n, cot_harmony_msg_t **msgs,
                         size_t *cap)
{
    const char *p = text, *end = text + n, *at;
    size_t len, count = 0;
    int t = next_tok(p, end, &at, &len);
    /* A text that opens with a header token continues "<|start|>assistant". */
    int implicit = t == T_CHANNEL || t == T_MESSAGE || t == T_CONSTRAIN;
    if (implicit && trim(p, at).n) implicit = 0;
    while (t != T_NONE) {
        if (t != T_START && !implicit) {   /* stray token: skip */
            p = at + len;
            t = next_tok(p, end, &at, &len);
            continue;
        }
        cot_harmony_msg_t m;
        memset(&m, 0, sizeof m);
        if (implicit) {
            m.role = (cot_span_t){"assistant", 9};
            p = at;
            implicit = 0;
        } else {
            p = at + len;
        }
        /* Header: role part, then <|channel|> and <|constrain|> parts. */
        int part = T_START;
        const char *ps = p;
        for (;;) {
            t = next_tok(p, end, &at, &len);
            if (part == T_START && at > ps) header_part(ps, at, &m.role, &m.recipient);
            else if (part == T_CHANNEL) header_part(ps, at, &m.channel, &m.recipient);
            else if (part == T_CONSTRAIN) m.constrain = trim(ps, at);
            if (t == T_CHANNEL || t == T_CONSTRAIN) {
                part = t;
                p = ps = at + len;
                continue;
            }
            break;
        }
        /* A header with no <|message|> is the generation prompt the
         * template leaves open ("<|start|>assistant"): not a message. */
        if (t != T_MESSAGE) continue;
        p = at + len;
        /* Content runs to <|end|>, <|return|>, <|call|>, <|start|> or EOF;
         * a <|channel|> inside content is text, not structure. */
        const char *cs = p;
        for (;;) {
            t = next_tok(p, end, &at, &len);
            if (t == T_NONE || t == T_END || t == T_RETURN || t == T_CALL ||
                t == T_START) break;
            p = at + len;
        }
        m.content = trim(cs, at);
        m.end = t == T_END ? 'e' : t == T_RETURN ? 'r' : t == T_CALL ? 'c' : 0;
        if (count == *cap) {
            *cap = *cap ? 2 * *cap : 8;
            *msgs = cot_realloc(*msgs, *cap * sizeof **msgs);
        }
        (*msgs)[count++] = m;
        if (t == T_END || t == T_RETURN || t == T_CALL) {
            p = at + len;
            t = next_tok(p, end, &at, &len);
        }
    }
    return count;
}
