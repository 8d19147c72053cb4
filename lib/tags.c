/* tags.c -- inline reasoning markers (see tags.h for the rules). */
#define _GNU_SOURCE 1   /* memmem */
#include "tags.h"

#include <string.h>

typedef struct {
    const char *name, *open, *close, *aopen, *aclose, *desc;
} style_t;

static const style_t styles[] = {
    {"think", "<think>", "</think>", "<answer>", "</answer>",
     "<think>...</think> (DeepSeek-R1, Qwen3, QwQ); a lone </think> when the "
     "template injected <think>"},
    {"seed-think", "<seed:think>", "</seed:think>", NULL, NULL,
     "<seed:think>...</seed:think> (ByteDance Seed-OSS)"},
    {"kimi-think", "\xe2\x97\x81think\xe2\x96\xb7", "\xe2\x97\x81/think\xe2\x96\xb7",
     NULL, NULL, "\xe2\x97\x81think\xe2\x96\xb7...\xe2\x97\x81/think\xe2\x96\xb7 (Kimi)"},
    {"mistral-think", "[THINK]", "[/THINK]", NULL, NULL,
     "[THINK]...[/THINK] (Magistral)"},
    {"cohere", "<|START_THINKING|>", "<|END_THINKING|>", "<|START_RESPONSE|>",
     "<|END_RESPONSE|>",
     "<|START_THINKING|>...<|END_THINKING|> <|START_RESPONSE|>...<|END_RESPONSE|> (Command A)"},
    {"openthoughts", "<|begin_of_thought|>", "<|end_of_thought|>",
     "<|begin_of_solution|>", "<|end_of_solution|>",
     "<|begin_of_thought|>...<|end_of_thought|> <|begin_of_solution|>...<|end_of_solution|>"},
    {"thought-process", "Here is my thought process:", "Here is my response:",
     NULL, NULL, "plain text \"Here is my thought process:\" ... \"Here is my response:\""},
};
#define NSTYLES (sizeof styles / sizeof styles[0])

static const char *const extra_names[][2] = {
    {"think-answer", "<think>...</think><answer>...</answer> (R1-Zero template)"},
    {"harmony", "gpt-oss harmony channels: analysis -> cot, final -> answer, "
                "commentary and tool calls -> meta"},
    {"gsm8k", "GSM8K \"...\\n#### N\": cot before, N the answer (flat layouts)"},
    {"none", "no inline parsing: the text is the answer"},
};
#define NEXTRA (sizeof extra_names / sizeof extra_names[0])

const char *cot_tags_style_name(int i, const char **desc)
{
    if (i < 0) return NULL;
    if ((size_t)i < NSTYLES) {
        if (desc) *desc = styles[i].desc;
        return styles[i].name;
    }
    i -= (int)NSTYLES;
    if ((size_t)i < NEXTRA) {
        if (desc) *desc = extra_names[i][1];
        return extra_names[i][0];
    }
    return NULL;
}

int cot_tags_style_ok(const char *name)
{
    for (int i = 0; cot_tags_style_name(i, NULL); i++)
        if (!strcmp(cot_tags_style_name(i, NULL), name)) return 1;
    return 0;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static cot_span_t trim(const char *p, size_t n)
{
    while (n && is_ws(*p)) p++, n--;
    while (n && is_ws(p[n - 1])) n--;
    return (cot_span_t){p, n};
}

/* memchr on the first byte, then memcmp: markers are short and their
 * first byte is rare in prose, and glibc's memchr is vectorised, which
 * makes this several times faster than memmem here. */
static const char *find(const char *h, size_t hn, const char *needle)
{
    size_t nn = strlen(needle);
    if (hn < nn) return NULL;
    const char *end = h + hn - nn + 1, *p = h;
    while ((p = memchr(p, needle[0], (size_t)(end - p)))) {
        if (!memcmp(p + 1, needle + 1, nn - 1)) return p;
        p++;
    }
    return NULL;
}

static int starts(const char *p, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    return n >= k && !memcmp(p, pre, k);
}

/* A quote or backtick right before p or right after p+len. */
static int quoted(const char *text, const char *p, size_t len, const char *end)
{
    if (p > text) {
        char c = p[-1];
        if (c == '`' || c == '"' || c == '\'') return 1;
        if (p - text >= 3 && (unsigned char)p[-3] == 0xe2 &&
            (unsigned char)p[-2] == 0x80 &&
            ((unsigned char)p[-1] == 0x9c || (unsigned char)p[-1] == 0x98))
            return 1;
    }
    const char *q = p + len;
    if (q < end) {
        char c = *q;
        if (c == '`' || c == '"' || c == '\'') return 1;
        if (end - q >= 3 && (unsigned char)q[0] == 0xe2 &&
            (unsigned char)q[1] == 0x80 &&
            ((unsigned char)q[2] == 0x9d || (unsigned char)q[2] == 0x99))
            return 1;
    }
    return 0;
}

/* Only blanks to the end of the line (or text), or the answer tag next. */
static int ends_line(const char *q, const char *end, const char *aopen)
{
    while (q < end && (*q == ' ' || *q == '\t')) q++;
    if (q == end || *q == '\n' || *q == '\r') return 1;
    if (aopen) {
        while (q < end && is_ws(*q)) q++;
        return starts(q, (size_t)(end - q), aopen);
    }
    return 0;
}

/* The real closing marker in [from, end), or NULL (see tags.h). */
static const char *pick_close(const char *text, const char *from,
                              const char *end, const style_t *st)
{
    size_t cl = strlen(st->close);
    const char *best_line = NULL, *best = NULL;
    const char *fence_pos = from;   /* fences counted up to here */
    int in_fence = 0;
    for (const char *c = find(from, (size_t)(end - from), st->close); c;
         c = find(c + cl, (size_t)(end - c - cl), st->close)) {
        const char *f;
        while ((f = find(fence_pos, (size_t)(c - fence_pos), "```"))) {
            in_fence = !in_fence;
            fence_pos = f + 3;
        }
        fence_pos = c;
        if (in_fence || quoted(text, c, cl, end)) continue;
        best = c;
        if (ends_line(c + cl, end, st->aopen)) best_line = c;
    }
    return best_line ? best_line : best;
}

/* The answer after the closing marker, unwrapped from the answer tags. */
static cot_span_t answer_part(const char *p, const char *end, const style_t *st,
                              const char **style)
{
    cot_span_t a = trim(p, (size_t)(end - p));
    if (st->aopen && starts(a.p, a.n, st->aopen)) {
        size_t ol = strlen(st->aopen), cl = strlen(st->aclose);
        const char *b = a.p + ol, *e = a.p + a.n, *last = NULL;
        for (const char *c = find(b, (size_t)(e - b), st->aclose); c;
             c = find(c + cl, (size_t)(e - c - cl), st->aclose))
            last = c;
        if (last && trim(last + cl, (size_t)(e - last - cl)).n == 0) e = last;
        a = trim(b, (size_t)(e - b));
        if (!strcmp(st->name, "think")) *style = "think-answer";
    }
    return a;
}

static void split_style(const char *text, size_t n, const style_t *st,
                        cot_split_t *s)
{
    const char *end = text + n;
    const char *o = find(text, n, st->open);
    const char *c0 = find(text, n, st->close);
    const char *from = text;
    s->style = st->name;
    if (o && (!c0 || c0 > o)) {
        cot_span_t b = trim(text, (size_t)(o - text));
        if (b.n) s->before = b;
        from = o + strlen(st->open);
    }
    const char *c = pick_close(text, from, end, st);
    if (!c) {
        if (from == text) {   /* only quoted closing markers: not a split */
            s->style = NULL;
            s->state = "absent";
            s->answer = (cot_span_t){text, n};
            return;
        }
        s->state = "unclosed";
        s->cot = trim(from, (size_t)(end - from));
        s->answer = (cot_span_t){end, 0};
        return;
    }
    s->cot = trim(from, (size_t)(c - from));
    s->state = s->cot.n ? "ok" : "empty";
    s->answer = answer_part(c + strlen(st->close), end, st, &s->style);
}

static int split_gsm8k(const char *text, size_t n, cot_split_t *s)
{
    cot_span_t t = trim(text, n);
    if (!t.n) return 0;
    const char *line = t.p + t.n;
    while (line > t.p && line[-1] != '\n') line--;
    if (!starts(line, (size_t)(t.p + t.n - line), "#### ")) return 0;
    s->style = "gsm8k";
    s->cot = trim(t.p, (size_t)(line - t.p));
    s->answer = trim(line + 5, (size_t)(t.p + t.n - line - 5));
    s->state = s->cot.n ? "ok" : "empty";
    return 1;
}

static int is_harmony(const char *text, size_t n)
{
    cot_span_t t = trim(text, n);
    return starts(t.p, t.n, "<|channel|>") || starts(t.p, t.n, "<|start|>") ||
           find(t.p, t.n, "<|channel|>") != NULL;
}

int cot_tags_split(const char *text, size_t n, const char *force, int gsm8k,
                   cot_split_t *s)
{
    memset(s, 0, sizeof *s);
    s->state = "absent";
    s->answer = (cot_span_t){text, n};
    if (force) {
        if (!strcmp(force, "none")) return 0;
        if (!strcmp(force, "gsm8k")) return split_gsm8k(text, n, s);
        if (!strcmp(force, "harmony")) {
            if (!is_harmony(text, n)) return 0;
            s->style = "harmony";
            return 1;
        }
        for (size_t i = 0; i < NSTYLES; i++)
            if (!strcmp(force, styles[i].name) ||
                (!i && !strcmp(force, "think-answer"))) {
                if (!find(text, n, styles[i].open) &&
                    !find(text, n, styles[i].close)) return 0;
                split_style(text, n, &styles[i], s);
                return s->style != NULL;
            }
        return 0;
    }
    /* Fast path: the text opens with a marker (the usual case). */
    cot_span_t t = trim(text, n);
    for (size_t i = 0; i < NSTYLES; i++)
        if (starts(t.p, t.n, styles[i].open)) {
            split_style(text, n, &styles[i], s);
            return 1;
        }
    if (starts(t.p, t.n, "<|channel|>") || starts(t.p, t.n, "<|start|>")) {
        s->style = "harmony";
        return 1;
    }
    /* Otherwise the earliest marker of any style decides. */
    const style_t *best = NULL;
    const char *bp = NULL;
    for (size_t i = 0; i < NSTYLES; i++) {
        const char *o = find(text, n, styles[i].open);
        const char *c = find(text, n, styles[i].close);
        const char *m = o && (!c || o < c) ? o : c;
        if (m && (!bp || m < bp)) bp = m, best = &styles[i];
    }
    const char *h = find(text, n, "<|channel|>");
    if (h && (!bp || h < bp)) {
        s->style = "harmony";
        return 1;
    }
    if (best) {
        split_style(text, n, best, s);
        if (s->style) return 1;
        s->answer = (cot_span_t){text, n};
    }
    return gsm8k ? split_gsm8k(text, n, s) : 0;
}
