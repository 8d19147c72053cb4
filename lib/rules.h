/* rules.h -- rule packs for cot-judge (format: man/cot-rules.5).
 *
 * A pack is a list of named rules; each rule matches one record field
 * (cot, answer or prompt) with a PCRE2 pattern and carries a label and,
 * for the staged detector in judge.c, a stage and a group.  Patterns are
 * compiled in UTF mode with the JIT; every match runs under a match limit
 * and a depth limit, so a pathological pattern fails one record with an
 * error naming the rule instead of hanging the run.
 *
 * Lifetime: cot_rules_init(), any number of cot_rules_load*() calls (a rule
 * whose name already exists replaces it in place), cot_rules_compile(),
 * then cot_rules_scan() per field per record, cot_rules_free().
 */
#ifndef COT_RULES_H
#define COT_RULES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

typedef enum { COT_FIELD_COT, COT_FIELD_ANSWER, COT_FIELD_PROMPT, COT_NFIELDS } cot_field_t;

/* What a match means to the staged detector (judge.c). */
typedef enum {
    COT_STAGE_NONE,            /* plain rule: its label is reported as is  */
    COT_STAGE_TEMPTATION,      /* a shortcut or bad reason is entertained  */
    COT_STAGE_PLAN,            /* the shortcut is planned ("I'll just ...") */
    COT_STAGE_RECOGNITION,     /* "... but that would be cheating"         */
    COT_STAGE_PIVOT,           /* "so I'll implement it properly"           */
    COT_STAGE_REJUSTIFICATION, /* "but since the tests are the spec, ..."   */
    COT_STAGE_ACTION,          /* the answer performs the shortcut         */
    COT_STAGE_CUE,             /* a hint or authority cue in the prompt    */
    COT_STAGE_CUE_MENTION,     /* the CoT acknowledges a hint or cue       */
    COT_STAGE_VOICE_PLANNER,   /* "the user wants", "we should respond"    */
    COT_STAGE_VOICE_ASSISTANT, /* "I think", "let me"                      */
    COT_STAGE_MENTION,         /* the CoT names a group's shortcut, in any
                                  wording (counts when the answer acts)     */
    COT_STAGE_DECLINE,         /* "avoiding any reward hacks": named, declined */
    COT_STAGE_CUE_EXAMPLE,     /* a few-shot example's answer in the prompt */
    COT_NSTAGES
} cot_stage_t;

typedef struct {
    char *name, *label, *group, *pattern;
    cot_field_t field;
    cot_stage_t stage;
    uint32_t options;          /* PCRE2 compile options from "flags"       */
    long window;               /* staging window for temptations; 0: pack  */
    int window_sentences;      /* window counts sentences, not bytes       */
    int capture;               /* capture group holding a cue's value      */
    char *origin;              /* "FILE:LINE" of the [name] header         */
    void *code;                /* pcre2_code *                             */
    atomic_int jit;            /* code's JIT compiled: at cot_rules_compile()
                                  for a rule scanned in full, on its first
                                  full scan for a prefiltered one (only a
                                  fold hazard makes one: rules.c)          */
    void *acode;               /* the same, anchored, when prefiltered     */
    int nlits;                 /* prefix literals (prefilter.h); 0: none   */
    int whole;                 /* \G: never scanned in chunks              */
} cot_rule_t;

typedef struct {
    cot_rule_t *rule;
    size_t n;
    long window;               /* pack default [400 bytes]                 */
    int window_sentences;
    uint32_t match_limit;      /* per pcre2_match call [1000000]           */
    uint32_t depth_limit;      /* [10000]                                  */
    double deadline;           /* cot_now() after which a scan fails with
                                  "ran past the time budget"; 0: none.  The
                                  caller sets it per record (--rule-budget) */
    unsigned ticks;            /* match calls, for reading the clock       */
    cot_buf_t text;            /* the loaded sources, for --list-rules     */
    void *mctx, *jstack, *mdata;
    void *pf;                  /* literal prefilter state (rules.c)        */
    int prefilter;             /* use it [1]; 0 scans every rule in full   */
    int compiled;
    uint32_t maxcap;           /* most capture groups of any rule          */
    int borrowed;              /* a clone: rule[] (its strings and compiled
                                  patterns) and the field automata belong
                                  to the pack it was cloned from           */
    uint32_t *fidx;            /* compiled: the rules of field f, in order,
                                  are fidx[foff[f] .. foff[f + 1]) (shared
                                  by clones, as rule[] is)                 */
    size_t foff[COT_NFIELDS + 1];
} cot_rules_t;

/* One match: byte offsets into the field, end exclusive; cap_* is the
 * rule's capture group (cue value), or cap_start == cap_end == (size_t)-1. */
typedef struct {
    int rule;
    size_t start, end, cap_start, cap_end;
} cot_match_t;

typedef struct {
    cot_match_t *m;
    size_t n, cap;
} cot_matches_t;

#define COT_RULES_WINDOW_DEFAULT 400
#define COT_RULES_MATCH_LIMIT_DEFAULT 1000000u
#define COT_RULES_DEPTH_LIMIT_DEFAULT 10000u
/* Seconds of rule matching per record (cot-judge --rule-budget). */
#define COT_RULES_BUDGET_DEFAULT 10.0
/* Matches kept per rule per field; further ones are counted, not kept. */
#define COT_RULES_MAX_KEEP 64

/* The built-in pack: rules/default.rules, byte for byte (rules-default.c,
 * regenerated by scripts/gen-embedded.sh). */
extern const char cot_rules_default[];

void cot_rules_init(cot_rules_t *r);
void cot_rules_free(cot_rules_t *r);

/* Parse rule text (name: for messages).  Returns 0, or -1 with a message
 * "NAME:LINE: reason" in *err (the pack keeps the rules loaded before the
 * bad line; callers treat it as fatal). */
int cot_rules_load(cot_rules_t *r, const char *text, size_t n,
                   const char *name, cot_buf_t *err);
/* Read and load a file: 0, -1 (bad rules, message in *err) or -3 (I/O). */
int cot_rules_load_file(cot_rules_t *r, const char *path, cot_buf_t *err);

/* Compile every rule with the JIT: 0, or -1 with "ORIGIN: rule 'NAME': ..."
 * in *err.  When r->prefilter is set, also find each rule's prefix literals
 * (prefilter.h) and build one automaton per field; cot_rules_scan() then
 * tries a prefiltered rule only where one of its literals begins.  The
 * matches are the same either way; only the match and depth limits count
 * per tried position instead of per scan. */
int cot_rules_compile(cot_rules_t *r, cot_buf_t *err);

/* s[0..n) must be valid UTF-8 (patterns run with PCRE2_NO_UTF_CHECK; every
 * field comes from a JSON string the reader has checked).
 * Append the matches of every rule on `field` whose stage is in the bit set
 * `stages` (1u << COT_STAGE_x; 0 means all) to *out (not cleared), in rule
 * order, then by offset.  counts[rule] (when non-NULL, n entries) is
 * increased by the number of matches, kept or not.  Returns 0, or -1 when a
 * rule hit the match or depth limit, ran past r->deadline, or failed
 * otherwise: *bad is its index and *why a static message.  With a deadline,
 * a full scan runs in calls of at most COT_RULES_SCAN_CHUNK start positions
 * (same matches), so the clock is read between them. */
#define COT_RULES_SCAN_CHUNK 256
int cot_rules_scan(cot_rules_t *r, cot_field_t field, unsigned stages,
                   const char *s, size_t n, cot_matches_t *out, unsigned long *counts, int *bad,
                   const char **why);
/* The same, for a caller that knows whether s holds a fold hazard
 * (cot_fold_hazard(), or cot_text_scan()'s COT_TEXT_HAZARD): hazard 0 or
 * 1 is taken as the answer, -1 makes the scan look. */
int cot_rules_scan_hazard(cot_rules_t *r, cot_field_t field, unsigned stages,
                          const char *s, size_t n, int hazard, cot_matches_t *out,
                          unsigned long *counts, int *bad, const char **why);

/* A pack for another thread (cot-judge -@ N): dst gets src's rules and
 * settings, so scans on src and dst can run at once.  A compiled src is
 * shared, not compiled again: dst borrows src's rules, compiled patterns
 * (PCRE2 code is read-only while matching) and field automata, and has its
 * own match data, JIT stack and prefilter scan state.  So src must be
 * compiled, stay unchanged and outlive dst.  An uncompiled src is copied.
 * Free dst with cot_rules_free() (before src).  0, or -1 with a message in
 * *err. */
int cot_rules_clone(cot_rules_t *dst, const cot_rules_t *src, cot_buf_t *err);

const char *cot_field_name(cot_field_t f);
const char *cot_stage_name(cot_stage_t s);
/* The label a staged rule reports when the rule gives none. */
const char *cot_stage_label(cot_stage_t s);

#endif
