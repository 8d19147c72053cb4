/* cot-judge -- label what the traces say: rejected vs rationalized
 * shortcuts, silent actions, answer mismatch, cues, voice, obfuscation.
 * See man/cot-judge.1.  The work is in lib/rules.c, lib/judge.c and
 * lib/extjudge.c; this file wires options, streams and the gate. */
#include "cli.h"
#include "extjudge.h"
#include "profile.h"
#include "judge.h"
#include "record.h"
#include "rules.h"

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

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: cot-judge [options] [FILE...]\n"
"Label canonical records (from cot-extract) with a verdict: clean, rejected,\n"
"admitted, rationalized, silent or divergent, plus labels and evidence.\n"
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
"      --cue-field PATH    a hint the answer must not follow silently (/meta/hint)\n"
"      --baseline FILE     voice baseline JSON [first pass over FILEs]\n"
"      --profile FILE      add \"shift\" and the verdict off-policy when the CoT\n"
"                          is far from the model's own samples (cot-profile(1))\n"
"      --fpr X             false-positive rate of off-policy, calibrated on\n"
"                          the profile's held-out own samples [%g]\n"
"External judge:\n"
"      --judge-cmd CMD     run CMD (sh -c) as a judge; see cot-judge(1)\n"
"      --judge-window N    requests in flight [%d]\n"
"      --judge-timeout SEC seconds to wait for each verdict [%g]\n"
"      --judge-max-line N  longest verdict line accepted, bytes (K/M) [%zuK]\n"
"      --judge-rubric FILE rubric text sent with each request [built-in]\n"
"Filtering:\n"
"      --only V,...        write only records with these verdicts\n"
"      --drop V,...        do not write records with these verdicts\n"
"  -c, --count             print counts per verdict instead of records\n"
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

/* Account for one judged record and write it unless filtered out.
 * judge_error records are always written: nothing is lost. */
static void sink_put(sink_t *k, const cJSON *rec)
{
    cot_verdict_t v = cot_judge_verdict(cJSON_GetObjectItemCaseSensitive(rec, "judge"));
    if (k->gate & (1u << v)) k->gate_hit = 1;
    cot_run_count(k->run, v == COT_V_JUDGE_ERROR ? "verdict:judge_error" :
                  v == COT_V_CLEAN ? "verdict:clean" : "verdict:flagged", 1);
    if (v != COT_V_JUDGE_ERROR && !(k->pass & (1u << v))) return;
    k->counts[v]++;
    if (k->count_only || k->stopped) return;
    if (cot_run_emit(k->run, rec) < 0) k->stopped = 1;
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

/* Voice baseline from a first pass over named files (not stdin). */
static void first_pass(cot_judge_t *j, char *const *files, int n, double budget)
{
    if (n == 0) return;
    for (int i = 0; i < n; i++) {
        FILE *fp = strcmp(files[i], "-") ? fopen(files[i], "rb") : NULL;
        if (!fp) return;   /* stdin, or an error the main pass reports */
        fclose(fp);
    }
    cot_jsonl_reader_t *rd = cot_jsonl_open(files, n);
    cot_line_t l;
    int r;
    cot_buf_t err = {0};
    while ((r = cot_jsonl_next(rd, &l)) >= 0) {
        if (r != 0) continue;   /* the main pass reports bad lines */
        cot_record_view_t v;
        cot_voice_t c;
        if (cot_record_view(l.json, 0, &v) || !v.cot || !v.cot_len) continue;
        cot_buf_clear(&err);
        j->rules->deadline = budget > 0 ? cot_now() + budget : 0;
        if (cot_judge_voice(j, v.cot, v.cot_len, &c, &err) == 0)
            cot_judge_baseline_add(j, c);
    }
    cot_buf_free(&err);
    cot_jsonl_close(rd);
    if (!j->have_base) j->have_base = 1;
}

/* --profile: the distance of the CoT from the model's own samples. */
typedef struct {
    cot_profile_t *prof;
    cot_profile_shift_opts_t so;
    cot_profile_work_t w;
} shift_t;

/* Score the cot, attach "shift" (edited spans from a cot-diff "diff"
 * object when there is one) and, past the calibrated threshold, add the
 * label off-policy and raise the verdict to it by the usual precedence. */
static void add_shift(shift_t *sh, cJSON *rec, const cot_record_view_t *v,
                      cJSON *jo)
{
    if (!v->cot) return;          /* no cot: nothing to score (no-cot) */
    const cJSON *hunks = cot_record_get(rec, "diff.cot.hunks");
    long nspans = hunks ? cot_profile_spans_json(hunks, v->cot_len, &sh->w) : -1;
    int off = 0;
    cot_record_set(rec, "shift", cot_profile_shift_json(sh->prof, v->cot,
                   v->cot_len, nspans, &sh->so, &sh->w, &off));
    if (!off) return;
    cJSON *labels = cJSON_GetObjectItemCaseSensitive(jo, "labels");
    if (labels) cJSON_AddItemToArray(labels, cJSON_CreateString("off-policy"));
    const cJSON *vd = cJSON_GetObjectItemCaseSensitive(jo, "verdict");
    int cur = cJSON_IsString(vd) ? cot_verdict_parse(vd->valuestring,
                                                     strlen(vd->valuestring)) : -1;
    if (cur < COT_V_OFF_POLICY)
        cot_record_set(jo, "verdict", cJSON_CreateString("off-policy"));
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

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        COT_COMMON_LONG,
        {"rules", required_argument, 0, OPT_RULES},
        {"rules-only", required_argument, 0, OPT_RULES_ONLY},
        {"list-rules", no_argument, 0, OPT_LIST_RULES},
        {"match-limit", required_argument, 0, OPT_MATCH_LIMIT},
        {"depth-limit", required_argument, 0, OPT_DEPTH_LIMIT},
        {"no-prefilter", no_argument, 0, OPT_NO_PREFILTER},
        {"rule-budget", required_argument, 0, OPT_RULE_BUDGET},
        {"cue-field", required_argument, 0, OPT_CUE_FIELD},
        {"baseline", required_argument, 0, OPT_BASELINE},
        {"only", required_argument, 0, OPT_ONLY},
        {"drop", required_argument, 0, OPT_DROP},
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
    cot_common_t common;
    cot_common_init(&common, "cot-judge", usage);
    const char **rule_files = cot_calloc((size_t)argc + 1, sizeof *rule_files);
    int nrule_files = 0, builtin = 1, list = 0, count_only = 0, prefilter = 1;
    long match_limit = COT_RULES_MATCH_LIMIT_DEFAULT, depth_limit = COT_RULES_DEPTH_LIMIT_DEFAULT;
    long judge_window = JUDGE_WINDOW_DEFAULT;
    double judge_timeout = JUDGE_TIMEOUT_DEFAULT;
    double rule_budget = COT_RULES_BUDGET_DEFAULT;
    size_t judge_max_line = COT_EXTJUDGE_MAX_LINE_DEFAULT;
    const char *cue_field = NULL, *baseline = NULL, *judge_cmd = NULL, *rubric_file = NULL;
    const char *profile = NULL;
    double fpr = FPR_DEFAULT;
    unsigned pass = (1u << COT_NVERDICTS) - 1, gate = 0;
    int c;
    while ((c = getopt_long(argc, argv, COT_COMMON_SHORT "c", longopts, NULL)) >= 0) {
        if (cot_common_opt(&common, c, optarg)) continue;
        switch (c) {
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
            if (cot_record_path_ok(optarg) < 0)
                cot_usage_error("--cue-field: bad path '%s' (use /a/b or a.b)", optarg);
            cue_field = optarg;
            break;
        case OPT_BASELINE: baseline = optarg; break;
        case OPT_ONLY: pass &= parse_verdicts("--only", optarg); break;
        case OPT_DROP: pass &= ~parse_verdicts("--drop", optarg); break;
        case 'c': count_only = 1; break;
        case OPT_EXIT_STATUS:
            gate = parse_verdicts("--exit-status", optarg ? optarg : EXIT_SET_DEFAULT);
            break;
        case OPT_JUDGE_CMD: judge_cmd = optarg; break;
        case OPT_JUDGE_WINDOW:
            if (cot_parse_long(optarg, 1, 4096, &judge_window) < 0)
                cot_usage_error("--judge-window: expected 1..4096, not '%s'", optarg);
            break;
        case OPT_JUDGE_TIMEOUT:
            if (cot_parse_double(optarg, 0.001, 1e6, &judge_timeout) < 0)
                cot_usage_error("--judge-timeout: expected seconds > 0, not '%s'", optarg);
            break;
        case OPT_JUDGE_RUBRIC: rubric_file = optarg; break;
        case OPT_JUDGE_MAX_LINE:
            if (cot_parse_size(optarg, &judge_max_line) < 0 || judge_max_line < 64)
                cot_usage_error("--judge-max-line: expected bytes >= 64 (K/M suffix), not '%s'",
                                optarg);
            break;
        case OPT_PROFILE: profile = optarg; break;
        case OPT_FPR:
            fpr = cot_profile_parse_fpr(optarg);
            break;
        default: cot_bad_option(argv);
        }
    }

    /* The profile first: a bad one fails before anything else is built. */
    shift_t sh = {0};
    if (profile) {
        if (!(sh.prof = cot_profile_load(profile))) {
            free(rule_files);
            return errno ? COT_EXIT_IO : COT_EXIT_DATA;
        }
        cot_profile_shift_opts_init(&sh.so);
        sh.so.fpr = fpr;
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

    cot_judge_t judge;
    cot_judge_init(&judge, &rules);
    judge.cue_field = cue_field;
    if (baseline && cot_judge_baseline_load(&judge, baseline, &err) < 0)
        cot_die(COT_EXIT_DATA, "--baseline %s", err.s);
    if (!baseline) first_pass(&judge, argv + optind, argc - optind, rule_budget);

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

    cot_line_t l;
    while (!sink.stopped && cot_run_next(&run, &l) == 0) {
        cot_record_view_t v;
        const char *why = cot_record_view(l.json, COT_NEED_ID | COT_NEED_PROMPT |
                                          COT_NEED_ANSWER, &v);
        if (why) {
            if (cot_run_reject(&run, &l, "not-canonical", why) < 0) break;
            continue;
        }
        cJSON *jo;
        cot_buf_clear(&err);
        rules.deadline = rule_budget > 0 ? cot_now() + rule_budget : 0;
        if (cot_judge_record(&judge, l.json, &v, &jo, &err) < 0) {
            if (cot_run_reject(&run, &l, "rule-limit", err.s) < 0) break;
            continue;
        }
        if (sh.prof) add_shift(&sh, l.json, &v, jo);
        if (!ext) {
            cot_record_set(l.json, "judge", jo);
            sink_put(&sink, l.json);
            continue;
        }
        cJSON *rec = cJSON_Duplicate(l.json, 1);
        cot_record_set(rec, "judge", jo);
        cot_extjudge_submit(ext, rec, v.id, v.prompt, v.cot, v.answer);
    }
    int ext_failed = ext && cot_extjudge_finish(ext) < 0;
    if (sink.stopped && run.status == COT_EXIT_OK) run.status = COT_EXIT_IO;
    if (count_only && run.status == COT_EXIT_OK) {
        for (int k = 0; k < COT_NVERDICTS; k++)
            if ((pass & (1u << k) && k != COT_V_JUDGE_ERROR) || sink.counts[k])
                printf("%s\t%llu\n", cot_verdict_name(k), sink.counts[k]);
        if (cot_flush_stdout()) run.status = COT_EXIT_IO;
    }
    st = cot_run_finish(&run);
    cot_judge_free(&judge);
    cot_rules_free(&rules);
    cot_profile_work_free(&sh.w);
    cot_profile_close(sh.prof);
    cot_buf_free(&err);
    free(rubric);
    if (st == COT_EXIT_OK && (ext_failed || sink.gate_hit)) st = COT_EXIT_DATA;
    return st;
}
