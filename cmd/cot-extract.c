/* cot-extract -- raw generations in, canonical records out.
 *
 * Thin: options, then the common run loop; lib/extract.c does the work. */
#include "cli.h"
#include "logprob.h"
#include "record.h"
#include "extract.h"
#include "json.h"
#include "workers.h"

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

/* --logprobs without a PATH looks in lp_paths: asked for and found in no
 * record fails the run, as a PATH that matched none does (the records are
 * written; -o output is not committed); found in some, a warning.  --meta
 * keeps only what it names, which can leave them out. */
static void check_lp_default(cot_run_t *run, size_t nmeta)
{
    unsigned long long hit = cot_run_counter(run, "logprobs:aligned"),
                       miss = cot_run_counter(run, "logprobs:none");
    if (!miss) return;
    const char *meta = nmeta ? "; --meta keeps only the members it names: add --meta "
                               "for the one that holds them" : "";
    if (hit) {
        cot_warn("--logprobs: no logprobs where it looks in %llu of the %llu records "
                 "(they get no logprob_stats)%s", miss, hit + miss, meta);
        return;
    }
    cot_err("--logprobs: none of the %llu record%s holds logprobs where it looks "
            "(meta.logprobs, meta.choice.logprobs, meta.message.logprobs, "
            "meta.generation.logprobs, meta.prompt_logprobs)%s; name where they "
            "are with --logprobs=PATH, or leave --logprobs off", miss,
            miss == 1 ? "" : "s", meta);
    cot_run_fail(run, COT_EXIT_DATA);
}

/* ---- -@ N: records parsed and extracted on workers (lib/workers.h) ----- */

typedef struct {
    const cot_extract_opt_t *xo;
    cot_extractor_t *x;          /* the main thread's (inline, -@ 0)        */
    int require_cot, logprobs, lpf;
    const char *lp_path;
} xconf_t;

typedef struct {
    const xconf_t *cf;
    cot_extractor_t *x;          /* its own, made on first use (or cf->x)  */
    int own;
    cot_jsonl_parser_t parser;
    cot_buf_t err;
} xctx_t;

enum { XI_BAD_LINE, XI_REJECT, XI_OK };

/* One record of a line's fan-out: its counter keys and its printed JSON. */
typedef struct {
    size_t key0, nkeys;          /* keys in item->keys, NUL-separated      */
    size_t off, len;             /* its line in item->out, newline included */
    int lp;                      /* --logprobs: 1 aligned, 0 none          */
    cJSON *learn;                /* --logprobs=PATH missed: the record     */
} xrec_t;

typedef struct {
    cot_raw_t raw;               /* the line, where, why it is rejected    */
    cot_buf_t kindb, out, keys;  /* kindb: raw.kind when it is not static  */
    int state;
    xrec_t *rec;
    size_t nrec, caprec;
    int lp_reject;               /* record nrec had bad logprobs: reject   */
} xitem_t;

static void xitem_key(xitem_t *it, const char *a, const char *b)
{
    cot_buf_printf(&it->keys, "%s:%s", a, b);
    cot_buf_addc(&it->keys, '\0');
    it->rec[it->nrec].nkeys++;
}

static void xitem_reject(xitem_t *it, const char *kind, const char *why)
{
    it->state = XI_REJECT;
    cot_buf_clear(&it->kindb);
    cot_buf_adds(&it->kindb, kind);
    cot_raw_reject(&it->raw, it->kindb.s, why);
}

/* On a worker: parse the line, extract its records, print them (what the
 * serial loop did, minus the accounts and the writing). */
static void extract_work(void *c, void *p)
{
    xctx_t *x = c;
    xitem_t *it = p;
    const xconf_t *cf = x->cf;
    if (!x->x) {
        if (!x->own) x->x = cf->x;
        else if (!(x->x = cot_extract_new(cf->xo, &x->err)))
            cot_die(COT_EXIT_USAGE, "%s", x->err.s);   /* checked once already */
    }
    it->nrec = 0;
    it->lp_reject = 0;
    cot_buf_clear(&it->out);
    cot_buf_clear(&it->keys);
    cot_line_t l = {.file = it->raw.file.s, .line = it->raw.line, .len = it->raw.text.len};
    if (cot_jsonl_parse(&x->parser, &l, it->raw.text.s, it->raw.unterminated)) {
        it->state = XI_BAD_LINE;
        cot_raw_reject(&it->raw, l.kind, l.reason);
        return;
    }
    const char *kind = NULL, *why = NULL;
    cot_extract_set_raw(x->x, it->raw.text.s, it->raw.text.len);
    int n = cot_extract_line(x->x, l.json, l.file, l.line, &kind, &why);
    if (n < 0) { xitem_reject(it, kind, why); return; }
    int bad = 0;
    for (int k = 0; cf->require_cot && k < n && !bad; k++)
        bad = !strcmp(cot_extract_get(x->x, k).cot_state, "absent");
    if (bad) {   /* the line is set aside whole: nothing half-written */
        xitem_reject(it, "no-cot", "no reasoning found (--require-cot)");
        return;
    }
    it->state = XI_OK;
    if ((size_t)n > it->caprec) {
        it->rec = cot_realloc(it->rec, (size_t)n * sizeof *it->rec);
        it->caprec = (size_t)n;
    }
    for (int k = 0; k < n; k++) {
        cot_extract_rec_t rec = cot_extract_get(x->x, k);
        xrec_t *r = &it->rec[it->nrec];
        memset(r, 0, sizeof *r);
        r->key0 = it->keys.len;
        xitem_key(it, "format", rec.format);
        xitem_key(it, "cot_state", rec.cot_state);
        xitem_key(it, "id", cot_extract_id_kind(x->x));
        if (rec.raw) xitem_key(it, rec.raw_field, rec.raw);
        r->off = it->out.len;
        if (!cf->logprobs) {
            cot_buf_add(&it->out, rec.json, rec.len);
        } else {                 /* --logprobs: re-read the record just built, add
                                    "logprob_stats" (lib/logprob.h) */
            cJSON *j = cot_json_parse(rec.json, rec.len);   /* numbers keep their text */
            if (!j) cot_die(COT_EXIT_IO, "internal error: unparsable record");
            const char *lwhy = NULL;
            cJSON *st = NULL;
            for (size_t i = 0; !st && !lwhy && i < sizeof lp_paths / sizeof *lp_paths; i++) {
                const char *lp = cf->lp_path ? cf->lp_path : lp_paths[i];
                const char *ids = !strcmp(lp, "meta.prompt_logprobs") ||
                                  !strcmp(lp, "meta.logprobs") ? "meta.prompt_token_ids" : NULL;
                st = cot_lp_record_json(j, lp, ids, NULL, &lwhy);
                if (cf->lp_path) break;
            }
            if (lwhy) {          /* the rest of the line is not written */
                cJSON_Delete(j);
                cot_buf_clear(&it->raw.why);
                cot_buf_adds(&it->raw.why, lwhy);
                it->lp_reject = 1;
                return;
            }
            r->lp = st != NULL;
            if (st) cot_record_set(j, "logprob_stats", st);
            if (cot_json_print(&it->out, j) < 0)
                cot_die(COT_EXIT_IO, "internal error: a record holds a value that "
                        "cannot be written as JSON");
            if (cf->lpf && !st) r->learn = j;   /* cot_fields_learn() in order */
            else cJSON_Delete(j);
        }
        cot_buf_addc(&it->out, '\n');
        r->len = it->out.len - r->off;
        it->nrec++;
    }
}

typedef struct {
    cot_run_t *run;
    cot_fields_t *lpf;
    int logprobs;
} xdone_t;

/* On the main thread, in input order: reject, count, write. */
static int extract_done(void *arg, void *p)
{
    xdone_t *d = arg;
    xitem_t *it = p;
    cot_line_t l = {it->raw.file.s, it->raw.line, it->raw.text.s ? it->raw.text.s : "", it->raw.text.len,
                    NULL, it->raw.why.s, it->raw.kind};
    int stop = 0;
    if (it->state != XI_OK)
        stop = cot_run_reject(d->run, &l, it->raw.kind, it->raw.why.s) < 0;
    for (size_t k = 0; it->state == XI_OK && k < it->nrec + (size_t)it->lp_reject && !stop; k++) {
        xrec_t *r = &it->rec[k];
        const char *key = it->keys.s + r->key0;
        for (size_t i = 0; i < r->nkeys; i++, key += strlen(key) + 1)
            cot_run_count(d->run, key, 1);
        if (k == it->nrec) {     /* bad logprobs: this record and the rest */
            stop = cot_run_reject(d->run, &l, "bad-logprobs", it->raw.why.s) < 0;
            break;
        }
        if (d->logprobs) {
            cot_run_count(d->run, r->lp ? "logprobs:aligned" : "logprobs:none", 1);
            if (d->lpf) {
                cot_fields_mark(d->lpf, 0, r->lp ? COT_FIELD_HIT : COT_FIELD_MISS);
                if (r->learn) cot_fields_learn(d->lpf, r->learn);
            }
        }
        stop = cot_run_emit_raw(d->run, it->out.s + r->off, r->len - 1) < 0;
    }
    for (size_t k = 0; k < it->nrec; k++) {
        cJSON_Delete(it->rec[k].learn);
        it->rec[k].learn = NULL;
    }
    cot_workers_trim(&it->raw.text);
    cot_workers_trim(&it->out);
    cot_workers_trim(&it->raw.why);
    if (stop) cot_run_stop_at(d->run, it->raw.lines, it->raw.blank);
    return stop;
}

static void xitem_free(void *p)
{
    xitem_t *it = p;
    for (size_t k = 0; k < it->nrec; k++) cJSON_Delete(it->rec[k].learn);
    free(it->rec);
    cot_raw_free(&it->raw);
    cot_buf_free(&it->kindb);
    cot_buf_free(&it->out);
    cot_buf_free(&it->keys);
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
    if (logprobs && !lp_path && xo.no_meta)
        cot_usage_error("--logprobs looks in meta (meta.logprobs and the rest), which "
                        "--no-meta leaves out: give --logprobs=PATH outside meta, or keep "
                        "meta");
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
    /* The records go through the worker pool: -@ N workers parse and
     * extract, this thread reads, rejects, counts and writes in input order.
     * Custom pointers (--id, --prompt, --cot, --answer, --meta) run inline
     * (-@ 0): which of them matched, and the paths a "did you mean" offers,
     * are learnt from the records in their order. */
    cot_buf_t key = {0};
    xconf_t cf = {&xo, x, require_cot, logprobs, lpf != NULL, lp_path};
    int nthreads = cot_extract_fields(x) ? 0 : common.threads;
    int nctx = nthreads ? nthreads : 1;
    xctx_t *ctxs = cot_calloc((size_t)nctx, sizeof *ctxs);
    void **ctxp = cot_calloc((size_t)nctx, sizeof *ctxp);
    for (int i = 0; i < nctx; i++) {
        ctxs[i].cf = &cf;
        ctxs[i].own = nthreads > 0;
        ctxp[i] = &ctxs[i];
    }
    xdone_t xd = {&run, lpf, logprobs};
    cot_workers_opt_t wo = {.threads = nthreads, .ctx = ctxp, .item_size = sizeof(xitem_t),
                            .adapt = common.threads_auto,
                            .work = extract_work, .done = extract_done, .done_arg = &xd,
                            .item_free = xitem_free};
    cot_workers_t *pool = cot_workers_new(&wo);
    cot_run_set_idle(&run, cot_workers_idle, pool);   /* input pauses: deliver */
    int r;
    /* A damaged input sets the status when it is read; a record before it
     * that stops the run (delivered later) sets its own. */
    for (;;) {
        xitem_t *it = cot_workers_next(pool);
        size_t len;
        r = cot_run_read_item(&run, &it->raw, &len);
        if (r < 0) break;
        if (r == 1) {            /* too long: rejected in its place */
            it->state = XI_BAD_LINE;
            it->nrec = 0;
            it->lp_reject = 0;
        }
        if (cot_workers_submit(pool, len, r == 0) < 0) { r = 0; break; }
    }
    if (cot_workers_finish(pool) < 0) r = 0;      /* stopped: no end checks */
    cot_run_set_idle(&run, NULL, NULL);
    cot_workers_free(pool);
    for (int i = 0; i < nctx; i++) {
        if (ctxs[i].own && ctxs[i].x) cot_extract_free(ctxs[i].x);
        cot_jsonl_parser_free(&ctxs[i].parser);
        cot_buf_free(&ctxs[i].err);
    }
    free(ctxs);
    free(ctxp);
    if (r == -1) check_fields(&run, cot_extract_fields(x), &key);
    if (r == -1 && cot_fields_check(lpf, 0))
        cot_run_fail(&run, COT_EXIT_DATA);
    if (r == -1 && logprobs && !lp_path)
        check_lp_default(&run, xo.nmeta);
    cot_fields_free(lpf);
    cot_buf_free(&key);
    cot_extract_free(x);
    free(metas);
    return cot_run_finish(&run);
}
