/* cot-extract -- raw generations in, canonical records out.
 *
 * Thin: options, then the common run loop; lib/extract.c does the work. */
#include "cli.h"
#include "logprob.h"
#include "record.h"
#include "extract.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

enum {
    OPT_FORMAT = COT_OPT_TOOL, OPT_LIST_FORMATS, OPT_TURNS, OPT_NO_META,
    OPT_REQUIRE_COT, OPT_ID, OPT_PROMPT, OPT_COT, OPT_ANSWER, OPT_META,
    OPT_SPLIT, OPT_LOGPROBS
};

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: cot-extract [options] [FILE...]\n"
"Read raw generations (JSONL, plain or zstd; '-' or none for stdin) and\n"
"write one canonical record per reasoning trace (see cot-record(5)).\n"
"\n"
"Formats:\n"
"  --format NAME      force a layout, a style, or LAYOUT+STYLE [auto]\n"
"  --list-formats     print the layouts and styles, then exit\n"
"  --turns last|all   records for the last assistant turn, or each [last]\n"
"  --require-cot      reject records with no reasoning (cot_state absent)\n"
"  --no-meta          drop the unconsumed source fields (meta)\n"
"Custom layouts (RFC 6901 JSON pointers, e.g. /data/0/text; a record without\n"
"one gets no fallback and is counted; one that no record has fails the run):\n"
"  --id PTR           record id [id, _id, uuid, sample_id, idx; else a digest\n"
"                     of the source line, digest:HEX16]\n"
"  --prompt PTR       prompt text\n"
"  --cot PTR          reasoning text (a string, or an array of steps)\n"
"  --answer PTR       answer text; without --cot it is split inline\n"
"  --meta PTR         keep only these fields in meta (repeatable)\n"
"  --split REGEX      split the answer text with a PCRE2 pattern that has\n"
"                     named groups (?<cot>...) and (?<answer>...)\n"
"Logprobs:\n"
"  --logprobs[=PATH]  normalise per-token logprobs (OpenAI/vLLM chat, legacy\n"
"                     completions, vLLM prompt_logprobs), align them to the\n"
"                     cot and answer and add \"logprob_stats\" [the first of\n"
"                     meta.logprobs, meta.choice.logprobs, meta.message.logprobs,\n"
"                     meta.generation.logprobs, meta.prompt_logprobs]\n"
"\n");
    cot_common_usage(fp, 1);
}

/* Where logprobs land in a canonical record when --logprobs names none:
 * a source's own field, or the leftovers of a choice/message/generation. */
static const char *const lp_paths[] = {
    "meta.logprobs", "meta.choice.logprobs", "meta.message.logprobs",
    "meta.generation.logprobs", "meta.prompt_logprobs"};

/* --logprobs: re-read the record just built, add "logprob_stats" (see
 * lib/logprob.h) and write it.  Returns 0; -1 when the line was rejected
 * for malformed logprobs (and the run must stop when run->status is set);
 * -2 on a write error. */
static int emit_with_logprobs(cot_run_t *run, const cot_line_t *l,
                              const cot_extract_rec_t *rec, const char *path,
                              cot_fields_t *lpf)
{
    cJSON *j = cot_json_parse(rec->json, rec->len);   /* numbers keep their text */
    if (!j) cot_die(COT_EXIT_IO, "internal error: unparsable record");
    const char *why = NULL;
    cJSON *st = NULL;
    for (size_t i = 0; !st && !why && i < sizeof lp_paths / sizeof *lp_paths; i++) {
        const char *p = path ? path : lp_paths[i];
        const char *ids = !strcmp(p, "meta.prompt_logprobs") || !strcmp(p, "meta.logprobs")
                          ? "meta.prompt_token_ids" : NULL;
        st = cot_lp_record_json(j, p, ids, NULL, &why);
        if (path) break;
    }
    if (why) {
        cJSON_Delete(j);
        return cot_run_reject(run, l, "bad-logprobs", why) < 0 ? -1 : 0;
    }
    cot_run_count(run, st ? "logprobs:aligned" : "logprobs:none", 1);
    if (lpf) {   /* --logprobs=PATH: one that no record has fails the run */
        cot_fields_mark(lpf, 0, st ? COT_FIELD_HIT : COT_FIELD_MISS);
        if (!st) cot_fields_learn(lpf, j);
    }
    if (st) cot_record_set(j, "logprob_stats", st);
    int r = cot_run_emit(run, j);
    cJSON_Delete(j);
    return r < 0 ? -2 : 0;
}

/* At the clean end: raw renderings that disagree with their split fields
 * are warned about once; each pointer missing in some records is counted
 * in the accounts ("missing: --cot=/x N") and warned about; one that
 * matched no record fails the run (status 1), although the records are
 * written to stdout (-o output is not committed). */
static void check_fields(cot_run_t *run, cot_fields_t *f, cot_buf_t *key)
{
    static const char *const raw[] = {"raw_output", "raw_response"};
    for (size_t i = 0; i < sizeof raw / sizeof *raw; i++) {
        unsigned long long n[3];
        static const char *const how[] = {"kept", "consumed", "used"};
        for (int k = 0; k < 3; k++) {
            cot_buf_clear(key);
            cot_buf_printf(key, "%s:%s", raw[i], how[k]);
            n[k] = cot_run_counter(run, key->s);
        }
        if (n[0])
            cot_warn("%s: says something other than the split fields (cot, answer, "
                     "prompt) in %llu of the %llu records that have both; kept in "
                     "meta.%s", raw[i], n[0], n[0] + n[1] + n[2], raw[i]);
    }
    for (size_t i = 0; i < cot_fields_n(f); i++) {
        const cot_field_t *e = cot_fields_get(f, i);
        if (!e->miss && !e->badtype) continue;
        cot_buf_clear(key);
        cot_buf_printf(key, "missing:%s=%s", e->opt, e->path);
        cot_run_count(run, key->s, e->miss + e->badtype);
    }
    if (cot_fields_check(f, 0)) cot_run_fail(run, COT_EXIT_DATA);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        COT_COMMON_LONG,
        {"format", required_argument, 0, OPT_FORMAT},
        {"list-formats", no_argument, 0, OPT_LIST_FORMATS},
        {"turns", required_argument, 0, OPT_TURNS},
        {"no-meta", no_argument, 0, OPT_NO_META},
        {"require-cot", no_argument, 0, OPT_REQUIRE_COT},
        {"id", required_argument, 0, OPT_ID},
        {"prompt", required_argument, 0, OPT_PROMPT},
        {"cot", required_argument, 0, OPT_COT},
        {"answer", required_argument, 0, OPT_ANSWER},
        {"meta", required_argument, 0, OPT_META},
        {"split", required_argument, 0, OPT_SPLIT},
        {"logprobs", optional_argument, 0, OPT_LOGPROBS},
        {0, 0, 0, 0}};
    cot_common_t common;
    cot_common_init(&common, "cot-extract", usage);
    cot_extract_opt_t xo;
    int logprobs = 0;
    const char *lp_path = NULL;
    memset(&xo, 0, sizeof xo);
    const char **metas = cot_calloc((size_t)argc + 1, sizeof *metas);
    xo.meta = metas;
    int require_cot = 0, c;
    while ((c = getopt_long(argc, argv, COT_COMMON_SHORT, longopts, NULL)) >= 0) {
        if (cot_common_opt(&common, c, optarg)) continue;
        switch (c) {
        case OPT_FORMAT: xo.format = optarg; break;
        case OPT_LIST_FORMATS:
            cot_extract_list_formats(stdout);
            free(metas);
            return cot_flush_stdout();
        case OPT_TURNS:
            if (!strcmp(optarg, "all")) xo.turns_all = 1;
            else if (!strcmp(optarg, "last")) xo.turns_all = 0;
            else cot_usage_error("--turns: expected 'last' or 'all', got '%s'", optarg);
            break;
        case OPT_NO_META: xo.no_meta = 1; break;
        case OPT_REQUIRE_COT: require_cot = 1; break;
        case OPT_ID: xo.id = optarg; break;
        case OPT_PROMPT: xo.prompt = optarg; break;
        case OPT_COT: xo.cot = optarg; break;
        case OPT_ANSWER: xo.answer = optarg; break;
        case OPT_META: metas[xo.nmeta++] = optarg; break;
        case OPT_SPLIT: xo.split = optarg; break;
        case OPT_LOGPROBS:
            if (optarg) cot_record_path_usage("--logprobs", optarg);
            logprobs = 1;
            lp_path = optarg;
            break;
        default: cot_bad_option(argv, longopts);
        }
    }
    cot_buf_t err = {0};
    cot_extractor_t *x = cot_extract_new(&xo, &err);
    if (!x) cot_usage_error("%s", err.s);
    cot_buf_free(&err);

    cot_run_t run;
    int st = cot_run_open(&run, &common, argv + optind, argc - optind, 1);
    if (st) {
        cot_extract_free(x);
        free(metas);
        return st;
    }
    cot_fields_t *lpf = NULL;
    if (lp_path) {
        lpf = cot_fields_new();
        cot_fields_want(lpf, "--logprobs", lp_path, "they get no logprob_stats");
    }
    cot_line_t l;
    cot_buf_t key = {0};
    int r;
    while ((r = cot_run_next(&run, &l)) == 0) {
        const char *kind = NULL, *why = NULL;
        cot_extract_set_raw(x, l.text, l.len);
        int n = cot_extract_line(x, l.json, l.file, l.line, &kind, &why);
        if (n < 0) {
            if (cot_run_reject(&run, &l, kind, why) < 0) break;
            continue;
        }
        int bad = 0;
        for (int k = 0; require_cot && k < n && !bad; k++)
            bad = !strcmp(cot_extract_get(x, k).cot_state, "absent");
        if (bad) {   /* the line is set aside whole: nothing half-written */
            if (cot_run_reject(&run, &l, "no-cot",
                               "no reasoning found (--require-cot)") < 0) break;
            continue;
        }
        for (int k = 0; k < n; k++) {
            cot_extract_rec_t rec = cot_extract_get(x, k);
            cot_buf_clear(&key);
            cot_buf_printf(&key, "format:%s", rec.format);
            cot_run_count(&run, key.s, 1);
            cot_buf_clear(&key);
            cot_buf_printf(&key, "cot_state:%s", rec.cot_state);
            cot_run_count(&run, key.s, 1);
            cot_buf_clear(&key);
            cot_buf_printf(&key, "id:%s", cot_extract_id_kind(x));
            cot_run_count(&run, key.s, 1);
            if (rec.raw) {
                cot_buf_clear(&key);
                cot_buf_printf(&key, "%s:%s", rec.raw_field, rec.raw);
                cot_run_count(&run, key.s, 1);
            }
            if (logprobs) {
                int e = emit_with_logprobs(&run, &l, &rec, lp_path, lpf);
                if (e == -2) { r = -2; break; }
                if (e == -1) break;   /* rejected: the rest of the line too */
                continue;
            }
            if (cot_run_emit_raw(&run, rec.json, rec.len) < 0) { r = -2; break; }
        }
        if (r == -2) break;
    }
    if (r == -1) check_fields(&run, cot_extract_fields(x), &key);
    if (r == -1 && cot_fields_check(lpf, 0))
        cot_run_fail(&run, COT_EXIT_DATA);
    cot_fields_free(lpf);
    cot_buf_free(&key);
    cot_extract_free(x);
    free(metas);
    return cot_run_finish(&run);
}
