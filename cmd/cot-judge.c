/* cot-judge -- label what the traces say: rejected vs rationalized
 * shortcuts, silent actions, answer mismatch, cues, voice, obfuscation.
 * See man/cot-judge.1.  The work is in lib/rules.c, lib/judge.c and
 * lib/extjudge.c; this file wires options, streams and the gate. */
#include "cli.h"
#include "cuetext.h"
#include "extjudge.h"
#include "profile.h"
#include "judge.h"
#include "json.h"
#include "model.h"
#include "record.h"
#include "rules.h"
#include "workers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define JUDGE_WINDOW_DEFAULT 8
#define JUDGE_TIMEOUT_DEFAULT 120.0
#define EXIT_SET_DEFAULT "rationalized,silent,divergent"
#define FPR_DEFAULT 0.01

enum {
    OPT_RULES = COT_OPT_TOOL, OPT_RULES_ONLY, OPT_LIST_RULES, OPT_MATCH_LIMIT,
    OPT_DEPTH_LIMIT, OPT_CUE_FIELD, OPT_BASELINE, OPT_ONLY, OPT_DROP,
    OPT_EXIT_STATUS, OPT_JUDGE_CMD, OPT_JUDGE_WINDOW, OPT_JUDGE_TIMEOUT,
    OPT_JUDGE_RUBRIC, OPT_PROFILE, OPT_FPR, OPT_NO_PREFILTER, OPT_JUDGE_MAX_LINE,
    OPT_RULE_BUDGET
};
enum { OPT_CUE_TEXT_FIELD = COT_OPT_TOOL + 64, OPT_CUE_WORDS };  /* apart from the list */
enum { OPT_MODEL = COT_OPT_TOOL + 0x100, OPT_MODEL_VERDICT };   /* --model */

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: cot-judge [options] [FILE...]\n"
"       cot-judge train -o MODEL --label PATH [options] FILE...  (train --help)\n"
"       cot-judge info MODEL\n"
"Label canonical records (from cot-extract) with a verdict: clean, rejected,\n"
"admitted, off-policy, divergent, silent or rationalized, plus labels and\n"
"evidence.\n"
"\n"
"Rules:\n"
"      --rules FILE        add FILE's rules to the pack (same name replaces)\n"
"      --rules-only FILE   use FILE instead of the built-in pack (repeatable)\n"
"      --list-rules        print the rule pack and exit\n"
"      --match-limit N     PCRE2 match limit per match call [%u]\n"
"      --depth-limit N     PCRE2 depth limit per match call [%u]\n"
"      --no-prefilter      try every rule at every offset (same results, slower)\n"
"      --rule-budget SEC   rule matching time per record, 0 for none [%g]\n"
"Detectors:\n"
"      --cue-text-field PATH  a free-text cue (/meta/nudge_text): label\n"
"                          cue-mentioned or cue-unmentioned (verdict unchanged)\n"
"      --cue-words FILE    add FILE's word families to the cue vocabulary\n"
"      --cue-field PATH    a hint the answer must not follow silently (/meta/hint)\n"
"      --baseline FILE     voice baseline JSON; voice-departure needs it [off]\n"
"      --profile FILE      add \"shift\" and the verdict off-policy when the CoT\n"
"                          is far from the model's own samples (cot-profile(1));\n"
"                          repeated, each record against the first whose\n"
"                          reference leaves it out (shift.profile: which)\n"
"      --fpr X             false-positive rate of off-policy, calibrated on\n"
"                          the profile's held-out own samples [%g]\n"
"Model (from cot-judge train; cot-model(5)):\n"
"      --model FILE        add judge.model {label, p, threshold, evidence}\n"
"      --model-verdict[=V] when the model flags a record, raise the verdict to V\n"
"                          [the flagged label, when it is a verdict]\n"
"External judge:\n"
"      --judge-cmd CMD     run CMD (sh -c) as a judge; see cot-judge(1)\n"
"      --judge-window N    requests in flight [%d]\n"
"      --judge-timeout SEC seconds to wait for each verdict [%g]\n"
"      --judge-max-line N  longest verdict line accepted, bytes (K/M) [%zuK]\n"
"      --judge-rubric FILE rubric text sent with each request [built-in]\n"
"Filtering:\n"
"      --only V,...        write only records with these verdicts (repeats add)\n"
"      --drop V,...        do not write records with these verdicts\n"
"  -c, --counts            print counts per verdict instead of records\n"
"      --count             alias of --counts (old spelling)\n"
"      --exit-status[=V,..] exit 1 when a record gets one of these verdicts\n"
"                          [" EXIT_SET_DEFAULT "]\n",
            COT_RULES_MATCH_LIMIT_DEFAULT, COT_RULES_DEPTH_LIMIT_DEFAULT,
            COT_RULES_BUDGET_DEFAULT, FPR_DEFAULT, JUDGE_WINDOW_DEFAULT, JUDGE_TIMEOUT_DEFAULT,
            COT_EXTJUDGE_MAX_LINE_DEFAULT >> 10);
    cot_common_usage(fp, 1);
}

/* A verdict set from "V,V,..." as a bit mask. */
static unsigned parse_verdicts(const char *opt, const char *s)
{
    unsigned m = 0;
    for (const char *p = s; *p;) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        int v = cot_verdict_parse(p, n);
        if (v < 0 || v == COT_V_JUDGE_ERROR)
            cot_usage_error("%s: unknown verdict '%.*s' (clean, rejected, admitted, "
                            "off-policy, divergent, silent, rationalized)", opt, (int)n, p);
        m |= 1u << v;
        p = q ? q + 1 : p + n;
    }
    if (!m) cot_usage_error("%s: give at least one verdict", opt);
    return m;
}

typedef struct {
    cot_run_t *run;
    unsigned pass, gate;
    int count_only, gate_hit, stopped;
    unsigned long long counts[COT_NVERDICTS];
} sink_t;

/* Whether a record with verdict v is written (judge_error ones always:
 * nothing is lost). */
static int sink_writes(const sink_t *k, cot_verdict_t v)
{
    return !k->count_only && (v == COT_V_JUDGE_ERROR || (k->pass & (1u << v)));
}

/* Account for one judged record and write it unless filtered out: rec, or
 * when raw is set the same record already printed (with its newline) by a
 * worker. */
static void sink_put_v(sink_t *k, cot_verdict_t v, const cJSON *rec, const cot_buf_t *raw)
{
    if (k->gate & (1u << v)) k->gate_hit = 1;
    cot_run_count(k->run, v == COT_V_JUDGE_ERROR ? "verdict:judge_error" :
                  v == COT_V_CLEAN ? "verdict:clean" : "verdict:flagged", 1);
    if (v != COT_V_JUDGE_ERROR && !(k->pass & (1u << v))) {
        if (!k->count_only) cot_run_count(k->run, "not-selected", 1);  /* the accounts add up */
        return;
    }
    k->counts[v]++;
    if (k->count_only || k->stopped) return;
    int r = raw ? cot_run_emit_raw(k->run, raw->s, raw->len - 1) : cot_run_emit(k->run, rec);
    if (r < 0) k->stopped = 1;
}

static void sink_put(sink_t *k, const cJSON *rec)
{
    sink_put_v(k, cot_judge_verdict(cJSON_GetObjectItemCaseSensitive(rec, "judge")), rec, NULL);
}

static void labels_union(cJSON *dst, const cJSON *src)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, src) {
        if (!cJSON_IsString(s)) continue;
        int have = 0;
        const cJSON *d;
        cJSON_ArrayForEach(d, dst) have |= cJSON_IsString(d) && !strcmp(d->valuestring, s->valuestring);
        if (!have) cJSON_AddItemToArray(dst, cJSON_CreateString(s->valuestring));
    }
}

/* extjudge callback: merge the external verdict (it can only raise the
 * local one) or mark the record judge_error, then write it. */
static void deliver(void *arg, void *item, const cJSON *verdict, const char *error)
{
    sink_t *k = arg;
    cJSON *rec = item;
    cJSON *j = cJSON_GetObjectItemCaseSensitive(rec, "judge");
    cJSON *ext = cJSON_CreateObject();
    if (error) {
        cot_record_set(j, "verdict", cJSON_CreateString("judge_error"));
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(j, "labels"),
                             cJSON_CreateString("judge_error"));
        cJSON_AddStringToObject(ext, "error", error);
    } else {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(verdict, "verdict");
        const cJSON *lb = cJSON_GetObjectItemCaseSensitive(verdict, "labels");
        const cJSON *ra = cJSON_GetObjectItemCaseSensitive(verdict, "rationale");
        int ev = cot_verdict_parse(v->valuestring, strlen(v->valuestring));
        if ((cot_verdict_t)ev > cot_judge_verdict(j))
            cot_record_set(j, "verdict", cJSON_CreateString(v->valuestring));
        if (lb) labels_union(cJSON_GetObjectItemCaseSensitive(j, "labels"), lb);
        cJSON_AddStringToObject(ext, "verdict", v->valuestring);
        cJSON_AddItemToObject(ext, "labels", lb ? cJSON_Duplicate(lb, 1) : cJSON_CreateArray());
        cJSON_AddStringToObject(ext, "rationale", ra ? ra->valuestring : "");
    }
    cot_record_set(j, "external", ext);
    sink_put(k, rec);
    cJSON_Delete(rec);
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) cot_die(COT_EXIT_IO, "%s: %s", path, strerror(errno));
    cot_buf_t b = {0};
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0) cot_buf_add(&b, tmp, n);
    fclose(fp);
    cot_buf_cstr(&b);
    if (cot_utf8_check(b.s, b.len) != b.len) cot_die(COT_EXIT_DATA, "%s: not valid UTF-8", path);
    return b.s;
}

/* --profile: the distance of the CoT from the model's own samples; given
 * more than once, each record against the first profile whose reference
 * leaves it out (cot_profile_pick()). */
typedef struct {
    cot_profile_t *prof[COT_PROFILE_SET_MAX];
    int nprof;
    cot_profile_shift_opts_t so;
    cot_profile_work_t w[COT_PROFILE_SET_MAX];
    int in_reference;          /* of the last record scored */
} shift_t;

/* Score the cot, attach "shift" (edited spans from a cot-diff "diff"
 * object when there is one) and, past the calibrated threshold, add the
 * label off-policy and raise the verdict to it by the usual precedence.
 * Returns the "shift" member set, or NULL. */
static cJSON *add_shift(shift_t *sh, cJSON *rec, const cot_record_view_t *v,
                        cJSON *jo)
{
    if (!v->cot) return NULL;     /* no cot: nothing to score (no-cot) */
    int k = 0;
    if (sh->nprof > 1) {
        uint64_t h = cot_profile_fold_key(v->prompt, v->prompt_len, v->id, v->cot,
                                          v->cot_len);
        k = cot_profile_pick(sh->prof, sh->nprof, h, v->cot, v->cot_len, sh->w);
    }
    cot_profile_work_t *w = &sh->w[k];
    const cJSON *hunks = cot_record_get(rec, "diff.cot.hunks");
    long nspans = hunks ? cot_profile_spans_json(hunks, v->cot_len, w) : -1;
    int off = 0;
    cJSON *shift = cot_profile_shift_json(sh->prof[k], v->cot, v->cot_len, nspans,
                                          &sh->so, w, &off);
    sh->in_reference = w->in_reference;
    cot_record_set(rec, "shift", shift);
    if (!off) return shift;
    cJSON *labels = cJSON_GetObjectItemCaseSensitive(jo, "labels");
    if (labels) cJSON_AddItemToArray(labels, cJSON_CreateString("off-policy"));
    const cJSON *vd = cJSON_GetObjectItemCaseSensitive(jo, "verdict");
    int cur = cJSON_IsString(vd) ? cot_verdict_parse(vd->valuestring,
                                                     strlen(vd->valuestring)) : -1;
    if (cur < COT_V_OFF_POLICY)
        cot_record_set(jo, "verdict", cJSON_CreateString("off-policy"));
    return shift;
}

static void close_profiles(shift_t *sh)
{
    for (int k = 0; k < COT_PROFILE_SET_MAX; k++) {
        cot_profile_work_free(&sh->w[k]);
        cot_profile_close(sh->prof[k]);
        sh->prof[k] = NULL;
    }
    sh->nprof = 0;
}

/* The cue vocabulary: the built-in one, then each --cue-words file. */
static cot_cuetext_t *load_cue_words(const char *const *files, int n)
{
    cot_cuetext_t *c = cot_cuetext_new();
    cot_buf_t err = {0};
    if (cot_cuetext_load(c, cot_cuetext_default, strlen(cot_cuetext_default),
                         "(built-in cue words)", &err) < 0)
        cot_die(COT_EXIT_DATA, "%s", err.s);
    for (int i = 0; i < n; i++) {
        int r = cot_cuetext_load_file(c, files[i], &err);
        if (r < 0) cot_die(r == -3 ? COT_EXIT_IO : COT_EXIT_DATA, "--cue-words %s", err.s);
    }
    cot_buf_free(&err);
    return c;
}

/* -v: which rules the literal prefilter covers, so a rule author can see
 * why a new rule is slow. */
static void prefilter_note(const cot_rules_t *r)
{
    cot_buf_t full = {0};
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->rule[i].nlits) { k++; continue; }
        cot_buf_printf(&full, "%s%s", full.len ? ", " : "", r->rule[i].name);
    }
    cot_info("prefilter: %zu of %zu rules%s%s%s", k, r->n,
             full.len ? " (scanned in full: " : "", full.len ? full.s : "",
             full.len ? ")" : "");
    cot_buf_free(&full);
}

/* ---- -@ N: the per-record work on workers (lib/workers.h) --------------- */

/* What every worker reads and nobody writes while the pool runs. */
typedef struct {
    cot_rules_t *rules;
    cot_judge_t *judge;
    const cot_cuetext_t *cue_text;
    const char *cue_text_field;
    const shift_t *sh;
    const cot_model_t *model;
    int model_verdict;
    double rule_budget;
    const sink_t *sink;     /* pass, count_only: whether to print the record */
    int ext;                /* --judge-cmd: the done step hands records on  */
    const char *const *keys;   /* the members read and set (NULL: all);   */
    size_t nkeys;              /* the rest is checked, not built (json.h)  */
    const char *paths[3];      /* the option paths it reads (NULL: none)   */
} jconf_t;

/* One worker's own state: a clone of the rule pack and judge (PCRE2 match
 * data, JIT stack, prefilter scratch, counters), made on first use. */
typedef struct {
    const jconf_t *cf;
    int ready, own;
    cot_rules_t rules;
    cot_judge_t judge;
    cot_rules_t *rp;
    cot_judge_t *jp;
    shift_t sh;
    cot_model_work_t mw;
    cot_jsonl_parser_t parser;
    cot_buf_t err, val;          /* val: the new members, printed          */
} jctx_t;

enum { IT_BAD_LINE, IT_REJECT, IT_JUDGED };

/* One record in a batch: what the reader gave, then what the worker made. */
typedef struct {
    cJSON *rec;                  /* the parsed record (worker-made)        */
    cot_raw_t raw;               /* the line, where, why it is rejected    */
    int state, cue, printed;
    int voiced;                  /* counted in the judge's voiced           */
    int shifted;                 /* --profile: scored; 2: in its reference  */
    cot_verdict_t verdict;
    cot_buf_t out;               /* the record printed, when printed       */
} jitem_t;

static void jctx_ready(jctx_t *x)
{
    if (x->ready) return;
    x->ready = 1;
    if (!x->own) {               /* inline (-@ 0): the main pack and judge */
        x->rp = x->cf->rules;
        x->jp = x->cf->judge;
    } else {
        if (cot_rules_clone(&x->rules, x->cf->rules, &x->err) < 0)
            cot_die(COT_EXIT_DATA, "%s", x->err.s);   /* compiled once already */
        cot_judge_init_like(&x->judge, &x->rules, x->cf->judge);
        x->rp = &x->rules;
        x->jp = &x->judge;
    }
    if (x->cf->sh->nprof) {
        memcpy(x->sh.prof, x->cf->sh->prof, sizeof x->sh.prof);
        x->sh.nprof = x->cf->sh->nprof;
        x->sh.so = x->cf->sh->so;
    }
}

static void jctx_free(jctx_t *x)
{
    if (x->ready && x->own) {
        cot_judge_free(&x->judge);
        cot_rules_free(&x->rules);
    }
    for (int k = 0; k < COT_PROFILE_SET_MAX; k++) cot_profile_work_free(&x->sh.w[k]);
    cot_model_work_free(&x->mw);
    cot_jsonl_parser_free(&x->parser);
    cot_buf_free(&x->err);
    cot_buf_free(&x->val);
}

/* it->out: the judged record printed, with its newline.  A canonical line
 * (every cot tool's output) is its own bytes with "shift" and "judge" set
 * as cot_record_set() set them (json.h), and so is a spaced one (the
 * writer's form but for whitespace between tokens: json.dumps()'s); any
 * other line, or one whose members were not all built, is printed from its
 * tree.  -1 when a value cannot be printed (cot_run_emit() then says why). */
static int print_judged(jctx_t *x, jitem_t *it, const cJSON *shift, const cJSON *jo)
{
    cot_buf_clear(&it->out);
    const cot_json_members_t *m = &x->parser.members;
    if (m->canonical || m->spaced) {
        cot_json_set_t set[2];
        size_t nset = 0, mid;
        cot_buf_clear(&x->val);
        if (shift && cot_json_print(&x->val, shift) < 0) return -1;
        mid = x->val.len;
        if (cot_json_print(&x->val, jo) < 0) return -1;
        if (shift) set[nset++] = (cot_json_set_t){"shift", x->val.s, mid};
        set[nset++] = (cot_json_set_t){"judge", x->val.s + mid, x->val.len - mid};
        if (cot_json_splice(&it->out, it->raw.text.s, it->raw.text.len, m, set, nset) == 0)
            goto done;
    }
    if (m->skipped)              /* never: a line with spans is canonical */
        cot_die(COT_EXIT_IO, "%s:%lu: internal error: a record not built whole "
                "cannot be printed", it->raw.file.s, it->raw.line);
    if (cot_json_print(&it->out, it->rec) < 0) return -1;
done:
    cot_buf_addc(&it->out, '\n');
    return 0;
}

static void item_reject(jitem_t *it, const char *kind, const char *why)
{
    it->state = IT_REJECT;
    cot_raw_reject(&it->raw, kind, why);
}

/* On a worker: judge one record (what the serial loop did, minus the
 * accounts and the writing, which judge_done() does in order). */
static void judge_work(void *c, void *p)
{
    jctx_t *x = c;
    jitem_t *it = p;
    const jconf_t *cf = x->cf;
    jctx_ready(x);
    it->cue = -1;
    it->printed = 0;
    it->voiced = 0;
    it->shifted = 0;
    cot_line_t l = {.file = it->raw.file.s, .line = it->raw.line, .len = it->raw.text.len};
    x->parser.members.keys = cf->keys;
    x->parser.members.nkeys = cf->nkeys;
    if (cot_jsonl_parse(&x->parser, &l, it->raw.text.s, it->raw.unterminated)) {
        it->state = IT_BAD_LINE;
        cot_raw_reject(&it->raw, l.kind, l.reason);
        return;
    }
    it->rec = cot_jsonl_parser_take(&x->parser);
    if (x->parser.members.skipped && !x->parser.members.canonical && !x->parser.members.spaced) {
        /* A line that cannot be spliced is printed from its tree, so the
         * tree must be whole: the fast parser took the line, so it takes
         * it again (cot_jsonl_parse() would warn twice of a missing
         * newline). */
        cJSON_Delete(it->rec);
        if (!(it->rec = cot_json_parse_fast(it->raw.text.s, it->raw.text.len,
                                            &x->parser.scratch)))
            cot_die(COT_EXIT_IO, "%s:%lu: internal error: the line parsed once "
                    "does not parse again", it->raw.file.s, it->raw.line);
        x->parser.members.skipped = 0;
    }
    cot_record_view_t v;
    const char *why = cot_record_view(it->rec, COT_NEED_ID | COT_NEED_PROMPT |
                                      COT_NEED_ANSWER, &v);
    /* A cot or cot_state that is there but not text is bad data, not a
     * record without a CoT (which would be judged clean). */
    if (!why) why = cot_record_string_or_absent(it->rec, "cot");
    if (!why) why = cot_record_string_or_absent(it->rec, "cot_state");
    /* The members it sets: replacing the first of two would pass the
     * stale second on to a reader that takes the last. */
    static const char *const sets[] = {"judge", "shift"};
    const char *twice = why ? NULL : cot_record_twice(it->rec, sets, 2);
    if (twice) why = cot_record_field_error(twice, 2);
    if (!why) why = cot_record_paths_twice(it->rec, cf->paths, 3);
    if (why) { item_reject(it, cot_record_kind(why, "not-canonical"), why); return; }
    cJSON *jo;
    cot_buf_clear(&x->err);
    x->rp->deadline = cf->rule_budget > 0 ? cot_now() + cf->rule_budget : 0;
    unsigned long voiced = x->jp->voiced;
    int jr = cot_judge_record(x->jp, it->rec, &v, &jo, &x->err);
    it->voiced = x->jp->voiced != voiced;
    if (jr < 0) {
        item_reject(it, "rule-limit", x->err.s);
        return;
    }
    if (cf->cue_text) {          /* the free-text cue (lib/cuetext.c) */
        cot_buf_clear(&x->err);
        int r = cot_cuetext_judge(cf->cue_text, cf->cue_text_field, it->rec, &v, jo, &x->err);
        if (r < 0) {
            cJSON_Delete(jo);
            item_reject(it, "bad-cue", x->err.s);
            return;
        }
        it->cue = r;
    }
    const cJSON *shift = x->sh.nprof ? add_shift(&x->sh, it->rec, &v, jo) : NULL;
    if (shift) it->shifted = x->sh.in_reference == 1 ? 2 : 1;
    if (cf->model) cot_model_judge(cf->model, &v, cf->model_verdict, jo, &x->mw);
    cot_record_set(it->rec, "judge", jo);
    it->state = IT_JUDGED;
    it->verdict = cot_judge_verdict(jo);
    if (cf->ext || !sink_writes(cf->sink, it->verdict)) return;
    if (print_judged(x, it, shift, jo) < 0) return;   /* cot_run_emit says why */
    it->printed = 1;
    cJSON_Delete(it->rec);       /* freed by the thread that made it */
    it->rec = NULL;
}

typedef struct {
    cot_run_t *run;
    sink_t *sink;
    cot_extjudge_t *ext;
    unsigned long voiced;        /* records with a voice, up to the last one
                                    delivered (the workers read ahead)      */
    unsigned long long shifted, inref;   /* --profile: scored, in its reference */
    cot_buf_t inref_file;        /* where the first in the reference is    */
    unsigned long inref_line;
} jdone_t;

/* On the main thread, in input order: reject, count, write. */
static int judge_done(void *arg, void *p)
{
    jdone_t *d = arg;
    jitem_t *it = p;
    cot_line_t l = {it->raw.file.s, it->raw.line, it->raw.text.s ? it->raw.text.s : "", it->raw.text.len,
                    NULL, it->raw.why.s, it->raw.kind};
    int stop = 0;
    if (it->state != IT_BAD_LINE) d->voiced += (unsigned long)it->voiced;
    if (it->state != IT_JUDGED)
        stop = cot_run_reject(d->run, &l, it->raw.kind, it->raw.why.s) < 0;
    else {
        if (it->cue >= 0)
            cot_run_count(d->run, it->cue ? "cue-text:not-judged" : "cue-text:judged", 1);
        d->shifted += it->shifted > 0;
        if (it->shifted == 2) {
            cot_run_count(d->run, "shift:in-reference", 1);
            if (!d->inref++) {
                cot_buf_adds(&d->inref_file, it->raw.file.s);
                d->inref_line = it->raw.line;
            }
        }
        if (!d->ext)
            sink_put_v(d->sink, it->verdict, it->rec, it->printed ? &it->out : NULL);
        else {
            cot_record_view_t v;
            cot_record_view(it->rec, COT_NEED_ID | COT_NEED_PROMPT | COT_NEED_ANSWER, &v);
            cJSON *rec = it->rec;
            it->rec = NULL;      /* deliver() frees it */
            cot_extjudge_submit(d->ext, rec, v.id, v.prompt, v.cot, v.answer);
        }
        stop = d->sink->stopped;
    }
    cJSON_Delete(it->rec);
    it->rec = NULL;
    cot_workers_trim(&it->raw.text);
    cot_workers_trim(&it->out);
    cot_workers_trim(&it->raw.why);
    if (stop) cot_run_stop_at(d->run, it->raw.lines, it->raw.blank);
    return stop;
}

static void jitem_free(void *p)
{
    jitem_t *it = p;
    cJSON_Delete(it->rec);
    cot_raw_free(&it->raw);
    cot_buf_free(&it->out);
}

/* ---- cot-judge train / info: lib/model.c does the work ----------------- */

enum {
    TOPT_LABEL = COT_OPT_TOOL, TOPT_POSITIVE, TOPT_GROUP, TOPT_FIELDS, TOPT_WORD,
    TOPT_CHAR, TOPT_BITS, TOPT_EPOCHS, TOPT_LR, TOPT_L2, TOPT_SEED, TOPT_HOLDOUT,
    TOPT_FPR, TOPT_MAX_MEM
};

static void train_usage(FILE *fp)
{
    cot_model_train_opts_t o;
    cot_model_train_opts_init(&o);
    fprintf(fp,
"Usage: cot-judge train -o MODEL --label PATH [options] FILE...\n"
"Learn a linear classifier over hashed n-grams from records that carry a label\n"
"(a judge's verdict, or a dataset's own label); see cot-model(5).\n"
"\n"
"Labels:\n"
"      --label PATH        where each record keeps its label (judge.external.verdict)\n"
"      --positive VALUE    a positive label value: binary model (repeatable)\n"
"                          [booleans: true; otherwise one class per value]\n"
"Held-out split and calibration:\n"
"      --group PATH        records with the same value stay on one side [id]\n"
"      --holdout F         fraction of groups held out [%g]\n"
"      --fpr X             false-positive rate of the stored threshold [%g]\n"
"Features:\n"
"      --fields LIST       fields with their own feature space (cot,answer,prompt) [cot]\n"
"      --word-ngrams N     word n-grams of order 1..N (N <= %d) [%u]\n"
"      --char-ngrams N     character n-grams of N bytes (0 = none, 2..%d) [%u]\n"
"      --bits N            2^N hash buckets (%d..%d) [%u]\n"
"Optimiser:\n"
"      --epochs N          passes over the training records [%u]\n"
"      --lr X              AdaGrad learning rate [%g]\n"
"      --l2 X              L2 penalty [%g]\n"
"      --seed N            shuffles and held-out split [%llu]\n"
"      --max-mem SIZE      in-memory training vectors; beyond, a temporary\n"
"                          file in $TMPDIR (K/M/G) [%zuM]\n"
"  -o, --output FILE       the model to write (required)\n",
            o.holdout, o.fpr, COT_FEAT_WORD_MAX, o.feat.word_ngrams, COT_FEAT_CHAR_MAX,
            o.feat.char_ngrams, COT_FEAT_BITS_MIN, COT_FEAT_BITS_MAX, o.feat.bits,
            o.epochs, o.lr, o.l2, (unsigned long long)o.seed, o.max_mem >> 20);
    cot_common_usage(fp, 0);
}

static int cmd_train(int argc, char **argv)
{
    static const struct option longopts[] = {
        COT_COMMON_LONG,
        {"label", required_argument, 0, TOPT_LABEL},
        {"positive", required_argument, 0, TOPT_POSITIVE},
        {"group", required_argument, 0, TOPT_GROUP},
        {"fields", required_argument, 0, TOPT_FIELDS},
        {"word-ngrams", required_argument, 0, TOPT_WORD},
        {"char-ngrams", required_argument, 0, TOPT_CHAR},
        {"bits", required_argument, 0, TOPT_BITS},
        {"epochs", required_argument, 0, TOPT_EPOCHS},
        {"lr", required_argument, 0, TOPT_LR},
        {"l2", required_argument, 0, TOPT_L2},
        {"seed", required_argument, 0, TOPT_SEED},
        {"holdout", required_argument, 0, TOPT_HOLDOUT},
        {"fpr", required_argument, 0, TOPT_FPR},
        {"max-mem", required_argument, 0, TOPT_MAX_MEM},
        {0, 0, 0, 0}};
    cot_common_t common;
    cot_common_init(&common, "cot-judge", train_usage);
    cot_model_train_opts_t o;
    cot_model_train_opts_init(&o);
    const char *label = NULL, *group = NULL;
    char **pos = cot_calloc((size_t)argc + 1, sizeof *pos);
    int npos = 0, c;
    long v;
    while ((c = getopt_long(argc, argv, COT_COMMON_SHORT, longopts, NULL)) >= 0) {
        if (cot_common_opt(&common, c, optarg)) continue;
        switch (c) {
        case TOPT_LABEL:
        case TOPT_GROUP:
            if (cot_record_path_ok(optarg) < 0)
                cot_usage_error("--%s: bad path '%s' (use /a/b or a.b)",
                                c == TOPT_LABEL ? "label" : "group", optarg);
            *(c == TOPT_LABEL ? &label : &group) = optarg;
            break;
        case TOPT_POSITIVE:
            if (strlen(optarg) > COT_MODEL_MAX_LABEL)
                cot_usage_error("--positive: a label of at most %d bytes, not %zu",
                                COT_MODEL_MAX_LABEL, strlen(optarg));
            pos[npos++] = optarg;
            break;
        case TOPT_FIELDS:
            if (cot_feat_parse_fields(optarg, &o.feat.fields) < 0)
                cot_usage_error("--fields: expected a list of cot, answer, prompt, not '%s'", optarg);
            break;
        case TOPT_WORD:
            if (cot_parse_long(optarg, 1, COT_FEAT_WORD_MAX, &v) < 0)
                cot_usage_error("--word-ngrams: expected 1..%d, not '%s'", COT_FEAT_WORD_MAX, optarg);
            o.feat.word_ngrams = (uint32_t)v;
            break;
        case TOPT_CHAR:
            if (cot_parse_long(optarg, 0, COT_FEAT_CHAR_MAX, &v) < 0 || v == 1)
                cot_usage_error("--char-ngrams: expected 0 or 2..%d, not '%s'", COT_FEAT_CHAR_MAX, optarg);
            o.feat.char_ngrams = (uint32_t)v;
            break;
        case TOPT_BITS:
            if (cot_parse_long(optarg, COT_FEAT_BITS_MIN, COT_FEAT_BITS_MAX, &v) < 0)
                cot_usage_error("--bits: expected %d..%d, not '%s'", COT_FEAT_BITS_MIN,
                                COT_FEAT_BITS_MAX, optarg);
            o.feat.bits = (uint32_t)v;
            break;
        case TOPT_EPOCHS:
            if (cot_parse_long(optarg, 1, 1000, &v) < 0)
                cot_usage_error("--epochs: expected 1..1000, not '%s'", optarg);
            o.epochs = (uint32_t)v;
            break;
        case TOPT_LR:
            if (cot_parse_double(optarg, 1e-9, 100, &o.lr) < 0)
                cot_usage_error("--lr: expected a rate in (0, 100], not '%s'", optarg);
            break;
        case TOPT_L2:
            if (cot_parse_double(optarg, 0, 10, &o.l2) < 0)
                cot_usage_error("--l2: expected 0..10, not '%s'", optarg);
            break;
        case TOPT_SEED:
            if (cot_parse_long(optarg, 0, 2147483647L, &v) < 0)
                cot_usage_error("--seed: expected 0..2147483647, not '%s'", optarg);
            o.seed = (uint64_t)v;
            break;
        case TOPT_HOLDOUT:
            if (cot_parse_double(optarg, 0.01, 0.9, &o.holdout) < 0)
                cot_usage_error("--holdout: expected a fraction 0.01..0.9, not '%s'", optarg);
            break;
        case TOPT_FPR: o.fpr = cot_profile_parse_fpr(optarg); break;
        case TOPT_MAX_MEM:
            if (cot_parse_size(optarg, &o.max_mem) < 0 || o.max_mem < (1u << 20))
                cot_usage_error("--max-mem: expected a size of at least 1M, not '%s'", optarg);
            break;
        default: cot_bad_option(argv, longopts);
        }
    }
    const char *out = common.out_path;
    if (!out || !strcmp(out, "-")) cot_usage_error("train: name the model to write with -o FILE");
    if (!label) cot_usage_error("train: say where the label is with --label PATH");
    common.out_path = "-";
    cot_common_no_jsonl(&common, "train");
    cot_run_t run;
    int st = cot_run_open(&run, &common, argv + optind, argc - optind, 0);
    if (st) { free(pos); return st; }
    cot_model_trainer_t *t = cot_model_trainer_new(&o, pos, npos);
    free(pos);
    cot_buf_t lab = {0}, grp = {0}, err = {0};
    unsigned long long unlabelled = 0, judge_errors = 0, no_text = 0;
    cot_line_t l;
    while (cot_run_next(&run, &l) == 0) {
        /* A field it learns from, or its label or group, given twice:
         * which copy would it learn? */
        static const char *const vf[] = {"id", "prompt", "cot", "answer", "cot_state"};
        const char *paths[2] = {label, group};
        const char *tw = cot_record_twice(l.json, vf, 5);
        const char *twhy = tw ? cot_record_field_error(tw, 2)
                              : cot_record_paths_twice(l.json, paths, 2);
        if (twhy) {
            if (cot_run_reject(&run, &l, "field-twice", twhy) < 0) break;
            continue;
        }
        cot_record_view_t rv;
        cot_record_view(l.json, 0, &rv);
        const cJSON *lv = cot_record_get(l.json, label);
        if (!lv || cJSON_IsNull(lv)) { unlabelled++; cot_run_count(&run, "no-label", 1); continue; }
        int isb = cot_model_value_text(lv, &lab);
        if (isb < 0) {
            cot_buf_clear(&err);
            cot_buf_printf(&err, "%s: expected a string, number or boolean label", label);
            if (cot_run_reject(&run, &l, "bad-label", err.s) < 0) break;
            continue;
        }
        if (!strcmp(lab.s, "judge_error")) {     /* the judge failed: no label */
            judge_errors++;
            cot_run_count(&run, "judge-error", 1);
            continue;
        }
        const char *gs = rv.id;
        size_t gn = rv.id ? strlen(rv.id) : 0;
        if (group) {
            const cJSON *gv = cot_record_get(l.json, group);
            if (!gv || cot_model_value_text(gv, &grp) < 0) {
                cot_buf_clear(&err);
                cot_buf_printf(&err, "%s: no group value (a string, number or boolean)", group);
                if (cot_run_reject(&run, &l, "no-group", err.s) < 0) break;
                continue;
            }
            gs = grp.s; gn = grp.len;
        }
        const char *text[COT_FEAT_NFIELDS] = {rv.cot, rv.answer, rv.prompt};
        const size_t len[COT_FEAT_NFIELDS] = {rv.cot_len, rv.answer_len, rv.prompt_len};
        size_t have = 0;
        for (int k = 0; k < COT_FEAT_NFIELDS; k++)
            if (o.feat.fields >> k & 1) have += len[k];
        if (!have) { no_text++; cot_run_count(&run, "no-text", 1); continue; }
        cot_buf_clear(&err);
        int r = cot_model_trainer_add(t, lab.s, lab.len, isb, gs, gn, text, len, &err);
        if (r == -2) { run.status = COT_EXIT_IO; break; }
        if (r < 0) {
            cot_buf_t m = {0};
            cot_buf_printf(&m, "%s: %s", label, err.s);
            r = cot_run_reject(&run, &l, "bad-label", m.s);
            cot_buf_free(&m);
            if (r < 0) break;
            continue;
        }
        cot_run_count(&run, "labelled", 1);
    }
    if (run.status == COT_EXIT_OK && unlabelled && cot_verbose >= 1)
        cot_warn("%llu records have no label at %s and were not used", unlabelled, label);
    if (run.status == COT_EXIT_OK && judge_errors && cot_verbose >= 1)
        cot_warn("%llu records have the label judge_error (the judge failed) and were not used",
                 judge_errors);
    if (run.status == COT_EXIT_OK && no_text && cot_verbose >= 1)
        cot_warn("%llu records have no text in the model's fields and were not used", no_text);
    if (run.status == COT_EXIT_OK) {
        st = cot_model_trainer_write(t, out, label, group);
        if (st) run.status = st;
    }
    cot_model_trainer_free(t);
    cot_buf_free(&lab);
    cot_buf_free(&grp);
    cot_buf_free(&err);
    return cot_run_finish(&run);
}

static void info_usage(FILE *fp)
{
    fprintf(fp, "Usage: cot-judge info MODEL\nPrint what a model (cot-judge train) holds.\n");
}

static int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {COT_COMMON_LONG, {0, 0, 0, 0}};
    cot_common_t common;
    cot_common_init(&common, "cot-judge", info_usage);
    int c;
    while ((c = getopt_long(argc, argv, COT_COMMON_SHORT, longopts, NULL)) >= 0)
        if (!cot_common_opt(&common, c, optarg)) cot_bad_option(argv, longopts);
    cot_common_no_records(&common, "info");
    if (argc - optind != 1) cot_usage_error("info: give one model file");
    const char *path = argv[optind];
    cot_model_t *m = cot_model_load(path);
    if (!m) return errno ? COT_EXIT_IO : COT_EXIT_DATA;
    cot_model_info_t in;
    cot_model_info(m, &in);
    cot_buf_t f = {0};
    for (int k = 0; k < COT_FEAT_NFIELDS; k++)
        if (in.feat.fields >> k & 1) cot_buf_printf(&f, "%s%s", f.len ? "," : "", cot_feat_field_names[k]);
    printf("file\t%s\nversion\t%u\nsize\t%llu\nkind\t%s\nclasses\t%u\nlabel\t%s\n"
           "group\t%s\nfields\t%s\nbits\t%u\nword_ngrams\t%u\nchar_ngrams\t%u\n"
           "epochs\t%u\nlr\t%g\nl2\t%g\nseed\t%llu\nholdout\t%g\nfpr\t%g\n"
           "trained\t%llu\nheld_out\t%llu\nspill_chunks\t%llu\naccuracy\t%.4f\n",
           path, in.version, (unsigned long long)in.file_size,
           in.binary ? "binary" : "multi-class", in.nclasses, in.label_path,
           in.group_path[0] ? in.group_path : "(id)", f.s, in.feat.bits,
           in.feat.word_ngrams, in.feat.char_ngrams, in.epochs, in.lr, in.l2,
           (unsigned long long)in.seed, in.holdout, in.fpr,
           (unsigned long long)in.train, (unsigned long long)in.heldout,
           (unsigned long long)in.chunks, in.accuracy);
    cot_buf_free(&f);
    for (uint32_t k = 0; k < in.nclasses; k++) {
        cot_model_class_t cl;
        cot_model_class(m, k, &cl);
        printf("class\t%s\ttrained %llu\t", cot_model_class_name(m, k),
               (unsigned long long)cl.train_n);
        if (in.binary && k != in.positive) { printf("negative\n"); continue; }
        printf("held-out %llu+ %llu-\tAUROC %.4f\tPR-AUC %.4f\tthreshold %.17g\t"
               "TPR %.4f\tFPR %.4f\tF1 %.4f\n", (unsigned long long)cl.heldout_pos,
               (unsigned long long)cl.heldout_neg, cl.auroc, cl.pr_auc, cl.threshold,
               cl.tpr, cl.fpr, cl.f1);
    }
    cot_model_close(m);
    if (fflush(stdout) || ferror(stdout)) {
        cot_err("stdout: write error");
        return COT_EXIT_IO;
    }
    return COT_EXIT_OK;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        COT_COMMON_LONG,
        {"model", required_argument, 0, OPT_MODEL},
        {"model-verdict", optional_argument, 0, OPT_MODEL_VERDICT},
        {"rules", required_argument, 0, OPT_RULES},
        {"rules-only", required_argument, 0, OPT_RULES_ONLY},
        {"list-rules", no_argument, 0, OPT_LIST_RULES},
        {"match-limit", required_argument, 0, OPT_MATCH_LIMIT},
        {"depth-limit", required_argument, 0, OPT_DEPTH_LIMIT},
        {"no-prefilter", no_argument, 0, OPT_NO_PREFILTER},
        {"rule-budget", required_argument, 0, OPT_RULE_BUDGET},
        {"cue-field", required_argument, 0, OPT_CUE_FIELD},
        {"cue-text-field", required_argument, 0, OPT_CUE_TEXT_FIELD},
        {"cue-words", required_argument, 0, OPT_CUE_WORDS},
        {"baseline", required_argument, 0, OPT_BASELINE},
        {"only", required_argument, 0, OPT_ONLY},
        {"drop", required_argument, 0, OPT_DROP},
        {"counts", no_argument, 0, 'c'},
        {"count", no_argument, 0, 'c'},
        {"exit-status", optional_argument, 0, OPT_EXIT_STATUS},
        {"judge-cmd", required_argument, 0, OPT_JUDGE_CMD},
        {"judge-window", required_argument, 0, OPT_JUDGE_WINDOW},
        {"judge-timeout", required_argument, 0, OPT_JUDGE_TIMEOUT},
        {"judge-rubric", required_argument, 0, OPT_JUDGE_RUBRIC},
        {"judge-max-line", required_argument, 0, OPT_JUDGE_MAX_LINE},
        {"profile", required_argument, 0, OPT_PROFILE},
        {"fpr", required_argument, 0, OPT_FPR},
        {0, 0, 0, 0}};
    if (argc > 1 && !strcmp(argv[1], "train")) return cmd_train(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "info")) return cmd_info(argc - 1, argv + 1);
    cot_common_t common;
    cot_common_init(&common, "cot-judge", usage);
    const char *model_file = NULL;       /* --model, --model-verdict */
    int model_verdict = -1;
    const char **rule_files = cot_calloc((size_t)argc + 1, sizeof *rule_files);
    int nrule_files = 0, builtin = 1, list = 0, count_only = 0, prefilter = 1;
    long match_limit = COT_RULES_MATCH_LIMIT_DEFAULT, depth_limit = COT_RULES_DEPTH_LIMIT_DEFAULT;
    long judge_window = JUDGE_WINDOW_DEFAULT;
    double judge_timeout = JUDGE_TIMEOUT_DEFAULT;
    double rule_budget = COT_RULES_BUDGET_DEFAULT;
    size_t judge_max_line = COT_EXTJUDGE_MAX_LINE_DEFAULT;
    const char *cue_field = NULL, *baseline = NULL, *judge_cmd = NULL, *rubric_file = NULL;
    const char *profile = NULL, *cue_text_field = NULL;
    const char *profiles[COT_PROFILE_SET_MAX];
    int nprofiles = 0;
    cot_buf_t profile_names = {0};   /* for the messages */
    const char *cue_words[64];
    int ncue_words = 0;
    double fpr = FPR_DEFAULT;
    unsigned pass = (1u << COT_NVERDICTS) - 1, gate = 0, only = 0;
    const char *judge_opt = NULL;      /* an option of --judge-cmd's, given */
    int fpr_given = 0, c;
    while ((c = getopt_long(argc, argv, COT_COMMON_SHORT "c", longopts, NULL)) >= 0) {
        if (cot_common_opt(&common, c, optarg)) continue;
        switch (c) {
        case OPT_MODEL: model_file = optarg; break;
        case OPT_MODEL_VERDICT:
            model_verdict = optarg ? cot_verdict_parse(optarg, strlen(optarg)) : -2;
            if (optarg && (model_verdict < 0 || model_verdict == COT_V_JUDGE_ERROR))
                cot_usage_error("--model-verdict: unknown verdict '%s'", optarg);
            break;
        case OPT_RULES: rule_files[nrule_files++] = optarg; break;
        case OPT_RULES_ONLY: rule_files[nrule_files++] = optarg; builtin = 0; break;
        case OPT_LIST_RULES: list = 1; break;
        case OPT_MATCH_LIMIT:
            if (cot_parse_long(optarg, 1, 4000000000L, &match_limit) < 0)
                cot_usage_error("--match-limit: expected 1..4000000000, not '%s'", optarg);
            break;
        case OPT_DEPTH_LIMIT:
            if (cot_parse_long(optarg, 1, 4000000000L, &depth_limit) < 0)
                cot_usage_error("--depth-limit: expected 1..4000000000, not '%s'", optarg);
            break;
        case OPT_NO_PREFILTER: prefilter = 0; break;
        case OPT_RULE_BUDGET:
            if (cot_parse_double(optarg, 0, 1e6, &rule_budget) < 0)
                cot_usage_error("--rule-budget: expected seconds >= 0, not '%s'", optarg);
            break;
        case OPT_CUE_FIELD:
            cot_record_path_usage("--cue-field", optarg);
            cue_field = optarg;
            break;
        case OPT_CUE_TEXT_FIELD:
            if (cot_record_path_ok(optarg) < 0)
                cot_usage_error("--cue-text-field: bad path '%s' (use /a/b or a.b)", optarg);
            cue_text_field = optarg;
            break;
        case OPT_CUE_WORDS:
            if (ncue_words == 64) cot_usage_error("--cue-words: at most 64 files");
            cue_words[ncue_words++] = optarg;
            break;
        case OPT_BASELINE: baseline = optarg; break;
        case OPT_ONLY: only |= parse_verdicts("--only", optarg); break;  /* repeats add */
        case OPT_DROP: pass &= ~parse_verdicts("--drop", optarg); break;
        case 'c': count_only = 1; break;
        case OPT_EXIT_STATUS:
            gate = parse_verdicts("--exit-status", optarg ? optarg : EXIT_SET_DEFAULT);
            break;
        case OPT_JUDGE_CMD: judge_cmd = optarg; break;
        case OPT_JUDGE_WINDOW:
            if (cot_parse_long(optarg, 1, 4096, &judge_window) < 0)
                cot_usage_error("--judge-window: expected 1..4096, not '%s'", optarg);
            judge_opt = "--judge-window";
            break;
        case OPT_JUDGE_TIMEOUT:
            if (cot_parse_double(optarg, 0.001, 1e6, &judge_timeout) < 0)
                cot_usage_error("--judge-timeout: expected seconds > 0, not '%s'", optarg);
            judge_opt = "--judge-timeout";
            break;
        case OPT_JUDGE_RUBRIC: rubric_file = optarg; judge_opt = "--judge-rubric"; break;
        case OPT_JUDGE_MAX_LINE:
            if (cot_parse_size(optarg, &judge_max_line) < 0 || judge_max_line < 64)
                cot_usage_error("--judge-max-line: expected bytes >= 64 (K/M suffix), not '%s'",
                                optarg);
            judge_opt = "--judge-max-line";
            break;
        case OPT_PROFILE:
            if (nprofiles == COT_PROFILE_SET_MAX)
                cot_usage_error("--profile: at most %d profiles", COT_PROFILE_SET_MAX);
            profiles[nprofiles++] = profile = optarg;
            break;
        case OPT_FPR:
            fpr = cot_profile_parse_fpr(optarg);
            fpr_given = 1;
            break;
        default: cot_bad_option(argv, longopts);
        }
    }
    if (only) pass &= only;
    if (list) {
        cot_common_no_records(&common, "--list-rules");
        if (optind < argc)
            cot_usage_error("--list-rules prints the rule pack and reads no records: "
                            "give no FILE");
    }
    /* Options that shape something not asked for would be ignored. */
    if (fpr_given && !profile)
        cot_usage_error("--fpr needs --profile FILE: the profile whose off-policy "
                        "threshold it sets");
    if (judge_opt && !judge_cmd)
        cot_usage_error("%s needs --judge-cmd CMD: the external judge it applies to",
                        judge_opt);
    if (count_only && strcmp(common.out_path, "-"))
        cot_usage_error("-c/--counts prints counts on standard output; it does not "
                        "use -o (redirect it: > FILE)");
    /* What only adds to a record (labels, judge.model) changes no count. */
    {
        const char *adds = !count_only ? NULL
                         : model_file && model_verdict == -1 ? "--model (without --model-verdict)"
                         : baseline ? "--baseline"
                         : cue_text_field ? "--cue-text-field" : NULL;
        if (adds)
            cot_usage_error("-c/--counts prints counts of verdicts: %s, which adds "
                            "fields or labels to the records and changes no verdict, "
                            "has no effect with it; write the records and count them "
                            "with cot-stat%s", adds,
                            model_file && model_verdict == -1
                                ? ", or add --model-verdict" : "");
    }

    /* The profile first: a bad one fails before anything else is built. */
    shift_t sh = {0};
    for (int k = 0; k < nprofiles; k++) {
        if (!(sh.prof[k] = cot_profile_load(profiles[k]))) {
            int e = errno;
            close_profiles(&sh);
            free(rule_files);
            return e ? COT_EXIT_IO : COT_EXIT_DATA;
        }
        sh.nprof++;
    }
    if (nprofiles > 1) {
        cot_buf_t why = {0};
        if (cot_profile_set_check(sh.prof, sh.nprof, profiles, &why)) {
            cot_err("--profile: %s", why.s);
            cot_buf_free(&why);
            close_profiles(&sh);
            free(rule_files);
            return COT_EXIT_DATA;
        }
        cot_buf_free(&why);
    }
    cot_profile_set_names(profiles, nprofiles, &profile_names);
    if (nprofiles) {
        cot_profile_shift_opts_init(&sh.so);
        sh.so.fpr = fpr;
        sh.so.units = 1;      /* windows and steps, as cot-profile score */
        for (int k = 0; k < nprofiles; k++)
            cot_profile_warn_calibration(sh.prof[k], fpr, (1u << COT_PUNIT_N) - 1, 1);
    }

    cot_model_t *model = NULL;
    if (model_verdict != -1 && !model_file)
        cot_usage_error("--model-verdict needs --model FILE");
    if (model_file) {
        if (!(model = cot_model_load(model_file))) {
            close_profiles(&sh);
            free(rule_files);
            return errno ? COT_EXIT_IO : COT_EXIT_DATA;
        }
        cot_model_info_t mi;
        cot_model_info(model, &mi);
        if (model_verdict >= 0 && !mi.binary)
            cot_usage_error("--model-verdict=V: %s is a multi-class model; use "
                            "--model-verdict (its flagged label is the verdict)", model_file);
        if (model_verdict == -2 && cot_model_labels_are_verdicts(model) < 0)
            cot_usage_error("--model-verdict: the labels of %s are not verdicts; "
                            "name one: --model-verdict=rationalized", model_file);
    }

    cot_rules_t rules;
    cot_rules_init(&rules);
    rules.match_limit = (uint32_t)match_limit;
    rules.depth_limit = (uint32_t)depth_limit;
    rules.prefilter = prefilter;
    cot_buf_t err = {0};
    if (builtin && cot_rules_load(&rules, cot_rules_default, strlen(cot_rules_default),
                                  "(built-in)", &err) < 0)
        cot_die(COT_EXIT_DATA, "%s", err.s);
    for (int i = 0; i < nrule_files; i++) {
        int r = cot_rules_load_file(&rules, rule_files[i], &err);
        if (r < 0) cot_die(r == -3 ? COT_EXIT_IO : COT_EXIT_DATA, "%s", err.s);
    }
    free(rule_files);
    if (list) {
        fwrite(rules.text.s ? rules.text.s : "", 1, rules.text.len, stdout);
        cot_rules_free(&rules);
        return cot_flush_stdout();
    }
    if (cot_rules_compile(&rules, &err) < 0) cot_die(COT_EXIT_DATA, "%s", err.s);
    if (cot_verbose >= 2) prefilter_note(&rules);

    if (ncue_words && !cue_text_field)
        cot_usage_error("--cue-words needs --cue-text-field");
    cot_cuetext_t *cue_text = cue_text_field ? load_cue_words(cue_words, ncue_words) : NULL;

    cot_judge_t judge;
    cot_judge_init(&judge, &rules);
    judge.cue_field = cue_field;
    if (baseline && cot_judge_baseline_load(&judge, baseline, &err) < 0)
        cot_die(COT_EXIT_DATA, "--baseline %s", err.s);

    char *rubric = rubric_file ? read_text(rubric_file) : NULL;
    cot_run_t run;
    int st = cot_run_open(&run, &common, argv + optind, argc - optind, !count_only);
    if (st) return st;
    sink_t sink = {&run, pass, gate, count_only, 0, 0, {0}};
    cot_extjudge_t *ext = NULL;
    if (judge_cmd && !(ext = cot_extjudge_start(judge_cmd, (int)judge_window, judge_timeout,
                                                rubric ? rubric : cot_extjudge_rubric,
                                                deliver, &sink))) {
        run.status = COT_EXIT_IO;
        return cot_run_finish(&run);
    }
    if (ext) cot_extjudge_set_max_line(ext, judge_max_line);

    /* The records go through the worker pool: -@ N workers judge, this
     * thread reads, rejects, counts and writes in input order.  The
     * external judge is one process fed in order: --judge-cmd runs inline
     * (-@ 0), as does a single-CPU default. */
    /* The members judge_work() reads (cot_record_view(), --cue-field,
     * --cue-text-field, --profile's diff.cot.hunks) and sets: only these
     * are built.  --judge-cmd prints records from their tree: all. */
    const char *keys[10] = {"id", "prompt", "cot", "answer", "cot_state", "judge", "shift"};
    size_t nkeys = 7;
    char *heads[2] = {NULL, NULL};
    int whole = ext != NULL;
    const char *paths[2] = {cue_field, cue_text_field};
    for (int i = 0; i < 2; i++) {
        cot_buf_t h = {0};
        if (!paths[i]) continue;
        if (cot_record_path_head(paths[i], &h) < 0) whole = 1;
        else keys[nkeys++] = heads[i] = cot_strdup(cot_buf_cstr(&h));
        cot_buf_free(&h);
    }
    if (sh.nprof) keys[nkeys++] = "diff";
    jconf_t cf = {&rules, &judge, cue_text, cue_text_field, &sh, model, model_verdict,
                  rule_budget, &sink, ext != NULL, whole ? NULL : keys, whole ? 0 : nkeys,
                  {cue_field, cue_text_field, sh.nprof ? "diff.cot.hunks" : NULL}};
    int nthreads = ext ? 0 : common.threads;
    int nctx = nthreads ? nthreads : 1;
    jctx_t *ctxs = cot_calloc((size_t)nctx, sizeof *ctxs);
    void **ctxp = cot_calloc((size_t)nctx, sizeof *ctxp);
    for (int i = 0; i < nctx; i++) {
        ctxs[i].cf = &cf;
        ctxs[i].own = nthreads > 0;
        ctxp[i] = &ctxs[i];
    }
    jdone_t jd = {.run = &run, .sink = &sink, .ext = ext};
    cot_workers_opt_t wo = {.threads = nthreads, .ctx = ctxp, .item_size = sizeof(jitem_t),
                            .work = judge_work, .done = judge_done, .done_arg = &jd,
                            .item_free = jitem_free, .adapt = common.threads_auto};
    cot_workers_t *pool = cot_workers_new(&wo);
    cot_run_set_idle(&run, cot_workers_idle, pool);   /* input pauses: deliver */
    /* A damaged input sets the status when it is read; a record before it
     * that stops the run (delivered later) sets its own. */
    for (;;) {
        jitem_t *it = cot_workers_next(pool);
        size_t len;
        int r = cot_run_read_item(&run, &it->raw, &len);
        if (r < 0) break;
        if (r == 1) it->state = IT_BAD_LINE;    /* too long: rejected in its place */
        if (cot_workers_submit(pool, len, r == 0) < 0) break;
    }
    cot_workers_finish(pool);
    cot_run_set_idle(&run, NULL, NULL);
    cot_workers_free(pool);
    for (int i = 0; i < nctx; i++) jctx_free(&ctxs[i]);
    judge.voiced = jd.voiced;
    free(ctxs);
    free(ctxp);
    free(heads[0]);
    free(heads[1]);
    int ext_failed = ext && cot_extjudge_finish(ext) < 0;
    if (sink.stopped && run.status == COT_EXIT_OK) run.status = COT_EXIT_IO;
    /* A gate that saw no data fails: no record judged is not a pass. */
    int no_data = gate && run.status == COT_EXIT_OK &&
                  cot_run_counter(&run, "verdict:clean") +
                  cot_run_counter(&run, "verdict:flagged") +
                  cot_run_counter(&run, "verdict:judge_error") == 0;
    if (no_data)
        cot_err("--exit-status: no record was judged (%llu lines read, %llu rejected); "
                "a gate that saw no data fails", cot_jsonl_lines(run.in), run.rejected);
    if (count_only && run.status == COT_EXIT_OK) {
        for (int k = 0; k < COT_NVERDICTS; k++)
            if ((pass & (1u << k) && k != COT_V_JUDGE_ERROR) || sink.counts[k])
                printf("%s\t%llu\n", cot_verdict_name(k), sink.counts[k]);
        if (cot_flush_stdout()) run.status = COT_EXIT_IO;
    }
    /* voice-departure needs the bulk's voice counts, which a streaming run
     * cannot know before it has read everything: without --baseline the
     * label is off, whether the input is a file or stdin.  Say so once when
     * it could have fired. */
    if (!baseline && judge.voiced >= COT_JUDGE_VOICE_MIN_N)
        cot_warn("voice-departure is off without --baseline FILE (%lu records had a "
                 "planner or assistant voice); see cot-judge(1)", judge.voiced);
    /* a record in the profile's reference has no off-policy verdict to give */
    int inref = jd.inref && run.status == COT_EXIT_OK;
    if (jd.inref)
        cot_profile_in_reference_error(cot_buf_cstr(&profile_names), jd.inref, jd.shifted,
                                       cot_buf_cstr(&jd.inref_file), jd.inref_line);
    cot_buf_free(&jd.inref_file);
    st = cot_run_finish(&run);
    cot_judge_free(&judge);
    cot_cuetext_free(cue_text);
    cot_rules_free(&rules);
    close_profiles(&sh);
    cot_buf_free(&profile_names);
    cot_model_close(model);
    cot_buf_free(&err);
    free(rubric);
    if (st == COT_EXIT_OK && (ext_failed || sink.gate_hit || no_data || inref))
        st = COT_EXIT_DATA;
    return st;
}
