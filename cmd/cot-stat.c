/* cot-stat -- annotated records in, a report out: rates with Wilson
 * intervals, numeric summaries, trends with a Cochran-Armitage test, gates,
 * and mergeable partial states for sharded runs. */
#include "cli.h"
#include "fields.h"
#include "record.h"
#include "report.h"
#include "stats.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALPHA_DEFAULT 0.05

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: cot-stat [options] [FILE...]\n"
"       cot-stat --merge [options] PARTIAL...\n"
"       cot-stat --fresh PARTIAL [options] [FILE...]\n"
"Summarise annotated records: rates with 95%% Wilson intervals, numeric\n"
"summaries, trends over an ordered field, and gates for CI.\n"
"\n"
"Figures (FIELD: dotted path like judge.verdict, or JSON pointer /meta/env;\n"
"a FIELD that no record has is an error):\n"
"      --by FIELD[,FIELD]     group every figure by these fields\n"
"      --count FIELD[,...]    rates of each categorical value (repeatable)\n"
"      --num FIELD[,...]      count, mean, sd, min, p50/p90/p99, max (repeatable)\n"
"      --shift                distance from the model's own distribution: the\n"
"                             shift.off_policy rate and the means of\n"
"                             shift.excess_bits, shift.z, shift.score, and\n"
"                             shift.posterior, shift.mix.posterior and the\n"
"                             logprob NLL and its shift when any record has\n"
"                             them (cot-profile(1))\n"
"Trends:\n"
"      --trend FIELD          ordered field, e.g. meta.step\n"
"      --for FIELD=VALUE      the rate to follow over it (repeatable)\n"
"      --buckets N            N equal-width buckets [natural values]\n"
"      --scores index|value   trend scores [value when numeric, else index]\n"
"      --alpha A              a rise is z > 0 with two-sided p < A [%g]\n"
"      --fail-on-rise         a rise fails like a gate (exit 1), and so do no\n"
"                             data and data in fewer than two buckets\n"
"Gates (overall and per --by group; exit 1 when any fails):\n"
"      --max-rate FIELD=VALUE:LIMIT   rate must be <= LIMIT (repeatable)\n"
"      --min-rate FIELD=VALUE:LIMIT   rate must be >= LIMIT (repeatable)\n"
"      --max-mean FIELD:LIMIT         mean must be <= LIMIT (repeatable)\n"
"  A gate also fails when no record has its field, and in any group where a\n"
"  record holds a value of the wrong type there (a string under --max-mean)\n"
"Report:\n"
"  -o, --output FILE          write the report there [stdout]\n"
"      --json                 one JSON document\n"
"      --tsv                  a tab-separated table\n"
"      --svg FILE             also draw trends, counts and histograms as SVG\n"
"  -u, --uncompressed, --zstd, -l, --level N, -@, --threads N\n"
"                             as in every tool, for the --rejects file only:\n"
"                             reports and partials are plain text\n"
"Shards:\n"
"      --partial              write the mergeable state instead of a report\n"
"      --merge                inputs are partials: report as one pass would;\n"
"                             refuses partials that disagree, a part missing\n"
"                             and a shard given twice\n"
"      --part K/N             the partial is shard K of N (with --partial or\n"
"                             --fresh)\n"
"      --source FILE          the partial is made from FILE: its name, size and\n"
"                             mtime go in the fingerprint (repeatable)\n"
"      --pipeline TEXT        what made the records (commands, options): goes\n"
"                             in the fingerprint; merges need the same TEXT\n"
"      --fresh PARTIAL        exit 0 when PARTIAL is what this command line\n"
"                             with --partial would make from the files as they\n"
"                             are now, else 1 with the reason; reads no records\n",
            ALPHA_DEFAULT);
    cot_common_usage(fp, 0);
}

enum {
    OPT_BY = COT_OPT_TOOL, OPT_COUNT, OPT_NUM, OPT_TREND, OPT_FOR, OPT_BUCKETS,
    OPT_SCORES, OPT_ALPHA, OPT_FAIL_ON_RISE, OPT_MAX_RATE, OPT_MIN_RATE,
    OPT_MAX_MEAN, OPT_JSON, OPT_TSV, OPT_SVG, OPT_PARTIAL, OPT_MERGE, OPT_SHIFT,
    OPT_PART, OPT_SOURCE, OPT_PIPELINE, OPT_FRESH
};

typedef struct {
    cot_stat_opts_t so;
    cot_report_opts_t ro;
    int shaped;            /* a figure option was given on the command line */
    int json, tsv, partial, merge, shift;
    const char *trend_opt; /* the last of --buckets, --scores, --alpha given */
    char **given;          /* --num fields as the user gave them (they
                              point into dups, copies of the arguments) */
    size_t ngiven;
    char **dups;
    size_t ndups;
    char **quiet;          /* fields --shift adds that stay out of sight
                              when no record has them (ro.quiet)          */
    size_t nquiet;
    const char *svg;
    long part_k, part_n;   /* --part K/N; part_n == 0: none */
    char **src;            /* --source FILE... */
    size_t nsrc;
    const char *pipeline, *fresh;
} opts_t;

/* The fields --shift adds.  Only some pipelines write each of them, so
 * they are not checked against the records (see wanted_fields). */
static const char *const SHIFT_NUM[] = {
    "shift.excess_bits", "shift.z", "shift.score", "shift.posterior",
    "shift.mix.posterior", "logprob_stats.cot.nll_mean",
    "logprob_stats.nll_shift.overall"};

static void opts_free_extra(opts_t *o)
{
    for (size_t i = 0; i < o->ndups; i++) free(o->dups[i]);
    free(o->dups);
    free(o->given);
    free(o->quiet);
}

static void strv_push(char ***v, size_t *n, const char *s)
{
    *v = cot_realloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = (char *)s;
}

static int strv_has(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s)) return 1;
    return 0;
}

static void check_path(const char *opt, const char *p)
{
    cot_record_path_usage(opt, p);
}

/* Split a comma list into fields (the strings live in argv). */
static void add_fields(const char *opt, char *arg, char ***v, size_t *n)
{
    for (char *p = arg;;) {
        char *c = strchr(p, ',');
        if (c) *c = 0;
        check_path(opt, p);
        if (!strv_has(*v, *n, p)) strv_push(v, n, p);
        if (!c) break;
        p = c + 1;
    }
}

static void add_gate(opts_t *o, int kind, const char *opt, const char *arg)
{
    o->ro.gates = cot_realloc(o->ro.gates, (o->ro.ngates + 1) * sizeof *o->ro.gates);
    const char *e = cot_gate_parse(&o->ro.gates[o->ro.ngates], kind, arg);
    if (e) cot_usage_error("%s '%s': %s", opt, arg, e);
    check_path(opt, o->ro.gates[o->ro.ngates].field);
    o->ro.ngates++;
}

static void parse(int argc, char **argv, cot_common_t *common, opts_t *o)
{
    static const struct option longopts[] = {
        COT_COMMON_LONG,
        {"by", required_argument, 0, OPT_BY},
        {"count", required_argument, 0, OPT_COUNT},
        {"num", required_argument, 0, OPT_NUM},
        {"trend", required_argument, 0, OPT_TREND},
        {"for", required_argument, 0, OPT_FOR},
        {"buckets", required_argument, 0, OPT_BUCKETS},
        {"scores", required_argument, 0, OPT_SCORES},
        {"alpha", required_argument, 0, OPT_ALPHA},
        {"fail-on-rise", no_argument, 0, OPT_FAIL_ON_RISE},
        {"max-rate", required_argument, 0, OPT_MAX_RATE},
        {"min-rate", required_argument, 0, OPT_MIN_RATE},
        {"max-mean", required_argument, 0, OPT_MAX_MEAN},
        {"json", no_argument, 0, OPT_JSON},
        {"tsv", no_argument, 0, OPT_TSV},
        {"svg", required_argument, 0, OPT_SVG},
        {"partial", no_argument, 0, OPT_PARTIAL},
        {"merge", no_argument, 0, OPT_MERGE},
        {"shift", no_argument, 0, OPT_SHIFT},
        {"part", required_argument, 0, OPT_PART},
        {"source", required_argument, 0, OPT_SOURCE},
        {"pipeline", required_argument, 0, OPT_PIPELINE},
        {"fresh", required_argument, 0, OPT_FRESH},
        {0, 0, 0, 0}};
    int c;
    long v;
    while ((c = getopt_long(argc, argv, COT_COMMON_SHORT, longopts, NULL)) >= 0) {
        if (cot_common_opt(common, c, optarg)) continue;
        switch (c) {
        case OPT_BY:
            if (o->so.nby) cot_usage_error("--by given twice; list fields with commas");
            add_fields("--by", optarg, &o->so.by, &o->so.nby);
            o->shaped = 1;
            break;
        case OPT_COUNT:
            add_fields("--count", optarg, &o->so.count, &o->so.ncount);
            o->shaped = 1;
            break;
        case OPT_NUM:
            strv_push(&o->dups, &o->ndups, cot_strdup(optarg));
            add_fields("--num", o->dups[o->ndups - 1], &o->given, &o->ngiven);
            add_fields("--num", optarg, &o->so.num, &o->so.nnum);
            o->shaped = 1;
            break;
        case OPT_TREND:
            check_path("--trend", optarg);
            o->so.trend = optarg;
            o->shaped = 1;
            break;
        case OPT_FOR: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg)
                cot_usage_error("--for '%s': expected FIELD=VALUE", optarg);
            *eq = 0;
            check_path("--for", optarg);
            strv_push(&o->so.forf, &o->so.nfor, optarg);
            o->so.nfor--;
            strv_push(&o->so.forv, &o->so.nfor, eq + 1);
            o->shaped = 1;
            break;
        }
        case OPT_BUCKETS:
            if (cot_parse_long(optarg, 1, 100000, &v) < 0)
                cot_usage_error("--buckets: expected 1..100000, not '%s'", optarg);
            o->ro.buckets = v;
            o->trend_opt = "--buckets";
            break;
        case OPT_SCORES:
            if (!strcmp(optarg, "index")) o->ro.scores = COT_SCORES_INDEX;
            else if (!strcmp(optarg, "value")) o->ro.scores = COT_SCORES_VALUE;
            else cot_usage_error("--scores: expected index or value, not '%s'", optarg);
            o->trend_opt = "--scores";
            break;
        case OPT_ALPHA:
            if (cot_parse_double(optarg, 0, 1, &o->ro.alpha) < 0 ||
                o->ro.alpha <= 0 || o->ro.alpha >= 1)
                cot_usage_error("--alpha: expected a level between 0 and 1, not '%s'",
                                optarg);
            o->trend_opt = "--alpha";
            break;
        case OPT_SHIFT: {
            /* The dataset-level answer of issue "how far do edits push the
             * model": fields written by cot-profile, cot-diff/cot-judge
             * --profile and cot-profile logprobs; absent ones show as
             * missing, never as zero. */
            for (size_t i = 0; i < sizeof SHIFT_NUM / sizeof *SHIFT_NUM; i++) {
                if (!strv_has(o->so.num, o->so.nnum, SHIFT_NUM[i]))
                    strv_push(&o->so.num, &o->so.nnum, SHIFT_NUM[i]);
                /* Logprobs and mixture posteriors (cot-profile mix) are
                 * rare: no section for them when no record has any,
                 * unless asked for by --num or a gate. */
                if ((!strncmp(SHIFT_NUM[i], "logprob_stats.", 14) ||
                     !strcmp(SHIFT_NUM[i], "shift.posterior") ||
                     !strcmp(SHIFT_NUM[i], "shift.mix.posterior")) &&
                    !strv_has(o->quiet, o->nquiet, SHIFT_NUM[i]))
                    strv_push(&o->quiet, &o->nquiet, SHIFT_NUM[i]);
            }
            if (!strv_has(o->so.count, o->so.ncount, "shift.off_policy"))
                strv_push(&o->so.count, &o->so.ncount, "shift.off_policy");
            break;
        }
        case OPT_FAIL_ON_RISE: o->ro.fail_on_rise = 1; break;
        case OPT_MAX_RATE: add_gate(o, COT_GATE_MAX_RATE, "--max-rate", optarg); break;
        case OPT_MIN_RATE: add_gate(o, COT_GATE_MIN_RATE, "--min-rate", optarg); break;
        case OPT_MAX_MEAN: add_gate(o, COT_GATE_MAX_MEAN, "--max-mean", optarg); break;
        case OPT_JSON: o->json = 1; break;
        case OPT_TSV: o->tsv = 1; break;
        case OPT_SVG: o->svg = optarg; break;
        case OPT_PARTIAL: o->partial = 1; break;
        case OPT_MERGE: o->merge = 1; break;
        case OPT_PART: {
            const char *sl = strchr(optarg, '/');
            char k[32];
            if (!sl || (size_t)(sl - optarg) >= sizeof k ||
                (memcpy(k, optarg, (size_t)(sl - optarg)), k[sl - optarg] = 0,
                 cot_parse_long(sl + 1, 1, 1L << 20, &o->part_n) < 0) ||
                cot_parse_long(k, 1, o->part_n, &o->part_k) < 0)
                cot_usage_error("--part: expected K/N with 1 <= K <= N, not '%s'", optarg);
            break;
        }
        case OPT_SOURCE: strv_push(&o->src, &o->nsrc, optarg); break;
        case OPT_PIPELINE: o->pipeline = optarg; break;
        case OPT_FRESH: o->fresh = optarg; break;
        default: cot_bad_option(argv, longopts);
        }
    }
    if (o->json && o->tsv) cot_usage_error("--json and --tsv exclude each other");
    if (o->so.trend && !o->so.nfor)
        cot_usage_error("--trend needs --for FIELD=VALUE: the rate to follow");
    if (o->so.nfor && !o->so.trend)
        cot_usage_error("--for needs --trend FIELD: the order to follow it in");
    if (o->partial && (o->ro.ngates || o->ro.fail_on_rise || o->json || o->tsv ||
                       o->svg))
        cot_usage_error("--partial writes state, not a report: give gates and "
                        "report formats to the final --merge");
    if (o->ro.fail_on_rise && !o->so.trend && !o->merge)
        cot_usage_error("--fail-on-rise needs --trend and --for");
    /* They shape the trend's report: without one they would be ignored. */
    if (o->trend_opt && !o->so.trend && !o->merge)
        cot_usage_error("%s shapes a trend: give it with --trend and --for, or to "
                        "the --merge of partials that hold one", o->trend_opt);
    if (o->trend_opt && o->partial && !o->merge)
        cot_usage_error("--partial writes state, not a report: give %s to the final "
                        "--merge", o->trend_opt);
    if (o->trend_opt && o->fresh)
        cot_usage_error("--fresh checks a partial, which holds no report: give %s to "
                        "the final --merge", o->trend_opt);
    /* A field named by --num or a gate is always shown. */
    size_t k = 0;
    for (size_t i = 0; i < o->nquiet; i++) {
        int named = strv_has(o->given, o->ngiven, o->quiet[i]);
        for (size_t g = 0; g < o->ro.ngates; g++)
            if (!strcmp(o->ro.gates[g].field, o->quiet[i])) named = 1;
        if (!named) o->quiet[k++] = o->quiet[i];
    }
    o->ro.quiet = o->quiet;
    o->ro.nquiet = o->nquiet = k;
    if (o->fresh && (o->partial || o->merge))
        cot_usage_error("--fresh checks a partial: give it the options of --partial, "
                        "not --partial or --merge");
    if (o->fresh && (o->ro.ngates || o->ro.fail_on_rise || o->json || o->tsv || o->svg))
        cot_usage_error("--fresh checks a partial: gates and report formats belong "
                        "to the merge");
    if ((o->part_n || o->nsrc || o->pipeline) && !((o->partial && !o->merge) || o->fresh))
        cot_usage_error("--part, --source and --pipeline describe a partial: use them "
                        "with --partial or --fresh (a merge keeps its inputs')");
}

/* Gates read figures: make sure the figures are collected. */
static void add_gate_fields(opts_t *o)
{
    for (size_t i = 0; i < o->ro.ngates; i++) {
        const cot_gate_t *g = &o->ro.gates[i];
        if (g->kind == COT_GATE_MAX_MEAN) {
            if (!strv_has(o->so.num, o->so.nnum, g->field))
                strv_push(&o->so.num, &o->so.nnum, g->field);
        } else if (!strv_has(o->so.count, o->so.ncount, g->field)) {
            strv_push(&o->so.count, &o->so.ncount, g->field);
        }
    }
}

/* The inputs' entries in the fingerprint: one per file, in order. */
static void add_inputs(cot_fp_part_t *p, char *const *files, int n)
{
    for (int i = 0; i < (n ? n : 1); i++)
        if (cot_fp_add_file(p, n ? files[i] : "-", 1) < 0)
            p->f[p->nf - 1].size = -1;  /* unreadable: the reader will say so */
}

/* Entry of the input that line l came from (names as the reader gives
 * them: "(stdin)" for "-"); inputs are read in order. */
static cot_fp_file_t *input_of(cot_fp_part_t *p, size_t *cur, const char *file)
{
    while (*cur < p->nf) {
        cot_fp_file_t *f = &p->f[*cur];
        const char *nm = strcmp(f->name, "-") ? f->name : "(stdin)";
        if (f->is_input && !strcmp(nm, file)) return f;
        ++*cur;
    }
    return NULL;
}

/* Register path under opt; -1 when it is not checked or already is. */
static int want(cot_fields_t *f, const char *opt, const char *path)
{
    for (size_t i = 0; i < sizeof SHIFT_NUM / sizeof *SHIFT_NUM; i++)
        if (!strcmp(path, SHIFT_NUM[i])) return -1;
    if (!strcmp(path, "shift.off_policy")) return -1;
    for (size_t i = 0; i < cot_fields_n(f); i++)
        if (!strcmp(cot_fields_get(f, i)->path, path)) return -1;
    return cot_fields_want(f, opt, path, NULL);
}

/* --merge: the partials hold counts, not records, so each field's counts
 * come from the merged aggregate (no closest field can be offered). */
static void want_merged(cot_fields_t *f, const cot_stat_t *st, const char *opt,
                        char kind, char **paths, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        int i = want(f, opt, paths[j]);
        if (i < 0) continue;
        uint64_t had, of;
        cot_stat_field_counts(st, kind, j, &had, &of);
        cot_fields_add(f, i, COT_FIELD_HIT, had);
        cot_fields_add(f, i, COT_FIELD_MISS, of - had);
    }
}

static int check_merged_fields(const cot_stat_t *st, const opts_t *o)
{
    const cot_stat_opts_t *so = &st->o;
    cot_fields_t *f = cot_fields_new();
    for (size_t g = 0; g < o->ro.ngates; g++) {   /* gates first, by their name */
        const cot_gate_t *gt = &o->ro.gates[g];
        int mean = gt->kind == COT_GATE_MAX_MEAN;
        char **list = mean ? so->num : so->count;
        size_t n = mean ? so->nnum : so->ncount, j = 0;
        while (j < n && strcmp(list[j], gt->field)) j++;
        if (j < n)
            want_merged(f, st, mean ? "--max-mean" : gt->kind == COT_GATE_MIN_RATE
                        ? "--min-rate" : "--max-rate", mean ? 'n' : 'c', list + j, 1);
    }
    want_merged(f, st, "--by", 'b', so->by, so->nby);
    want_merged(f, st, "--count", 'c', so->count, so->ncount);
    want_merged(f, st, "--num", 'n', so->num, so->nnum);
    if (so->trend) want_merged(f, st, "--trend", 't', (char **)&so->trend, 1);
    want_merged(f, st, "--for", 'f', so->forf, so->nfor);
    size_t errors = cot_fields_check(f, o->partial);
    cot_fields_free(f);
    return errors ? COT_EXIT_DATA : COT_EXIT_OK;
}

/* Every field path the command line names, each once, under the first
 * option that names it. */
static cot_fields_t *wanted_fields(const opts_t *o)
{
    cot_fields_t *f = cot_fields_new();
    for (size_t i = 0; i < o->so.nby; i++) want(f, "--by", o->so.by[i]);
    for (size_t i = 0; i < o->so.ncount; i++) want(f, "--count", o->so.count[i]);
    for (size_t i = 0; i < o->so.nnum; i++) want(f, "--num", o->so.num[i]);
    if (o->so.trend) want(f, "--trend", o->so.trend);
    for (size_t i = 0; i < o->so.nfor; i++) want(f, "--for", o->so.forf[i]);
    for (size_t i = 0; i < o->ro.ngates; i++) {
        const cot_gate_t *g = &o->ro.gates[i];
        want(f, g->kind == COT_GATE_MAX_MEAN ? "--max-mean" :
                g->kind == COT_GATE_MIN_RATE ? "--min-rate" : "--max-rate", g->field);
    }
    return f;
}

/* The top-level members the figures read, and the partial's mark: the
 * reader builds only these, and checks the others as fully as ever without
 * building them (json.h).  Of a member that every path reads by a second
 * key (diff.status, diff.edit), only those second-level members are built
 * (cot_json_sub_t); a path that stops at the member (diff, diff[0]) builds
 * it whole.  keys NULL (every member) when a path may read the record as a
 * whole.  Free with free_keys(). */
typedef struct {
    char **k;                  /* the top-level keys                       */
    size_t n;
    char ***sk;                /* per key: its second-level keys           */
    size_t *nsk;
    int *whole;                /* per key: build it whole                  */
    cot_json_sub_t *sub;       /* per key, for the reader                  */
} rkeys_t;

static void free_keys(rkeys_t *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->k[i]);
        for (size_t j = 0; j < r->nsk[i]; j++) free(r->sk[i][j]);
        free(r->sk[i]);
    }
    free(r->k);
    free(r->sk);
    free(r->nsk);
    free(r->whole);
    free(r->sub);
    memset(r, 0, sizeof *r);
}

static size_t rkeys_add(rkeys_t *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->k[i], key)) return i;
    r->k = cot_realloc(r->k, (r->n + 1) * sizeof *r->k);
    r->sk = cot_realloc(r->sk, (r->n + 1) * sizeof *r->sk);
    r->nsk = cot_realloc(r->nsk, (r->n + 1) * sizeof *r->nsk);
    r->whole = cot_realloc(r->whole, (r->n + 1) * sizeof *r->whole);
    r->k[r->n] = cot_strdup(key);
    r->sk[r->n] = NULL;
    r->nsk[r->n] = 0;
    r->whole[r->n] = 0;
    return r->n++;
}

static void record_keys(const cot_stat_opts_t *so, rkeys_t *r)
{
    const char *const *lists[4] = {(const char *const *)so->by, (const char *const *)so->count,
                                   (const char *const *)so->num, (const char *const *)so->forf};
    size_t len[4] = {so->nby, so->ncount, so->nnum, so->nfor};
    cot_buf_t head = {0}, second = {0};
    memset(r, 0, sizeof *r);
    size_t mark = rkeys_add(r, "cot_stat_partial");
    r->whole[mark] = 1;
    for (int l = 0; l <= 4; l++) {
        size_t m = l < 4 ? len[l] : so->trend != NULL;
        for (size_t i = 0; i < m; i++) {
            const char *path = l < 4 ? lists[l][i] : so->trend;
            if (cot_record_path_head(path, &head) < 0) {
                free_keys(r);
                cot_buf_free(&head);
                cot_buf_free(&second);
                return;
            }
            size_t k = rkeys_add(r, cot_buf_cstr(&head));
            if (cot_record_path_second(path, &second) < 0) r->whole[k] = 1;
            else if (!strv_has(r->sk[k], r->nsk[k], second.s))
                strv_push(&r->sk[k], &r->nsk[k], cot_strdup(second.s));
        }
    }
    cot_buf_free(&head);
    cot_buf_free(&second);
    r->sub = cot_calloc(r->n, sizeof *r->sub);
    for (size_t i = 0; i < r->n; i++)
        if (!r->whole[i]) r->sub[i] = (cot_json_sub_t){(const char *const *)r->sk[i], r->nsk[i]};
}

/* While some field has matched no record yet, a record that misses one is
 * walked whole for suggestions (cot_fields_scan): it needs every member.
 * This is fields.c's own rule (suggestion_needed()); jsonfast.t
 * stat-missing-unread fails if the two part. */
static int fields_learning(const cot_fields_t *f)
{
    for (size_t i = 0; i < cot_fields_n(f); i++)
        if (!cot_fields_get(f, i)->hit) return 1;
    return 0;
}

/* Read the records into st.  A field path that matched none of them is an
 * error (status 1, no report) unless this is a --partial shard (lenient:
 * another shard may hold it); one that matched only some is a warning and
 * is counted in the -v accounts. */
static int read_records(cot_common_t *common, char *const *files, int n,
                        cot_stat_t *st, cot_fp_part_t *fpp, cot_fields_t *f,
                        int lenient)
{
    cot_run_t run;
    int rc = cot_run_open(&run, common, files, n, 0);
    if (rc) return rc;
    cot_line_t l;
    int r;
    size_t cur = 0;
    rkeys_t keys;
    record_keys(&st->o, &keys);
    cot_jsonl_set_sub(run.in, keys.sub);
    for (;;) {
        cot_jsonl_set_keys(run.in, keys.k && !fields_learning(f) ? (const char *const *)keys.k
                                                                 : NULL, keys.n);
        if ((r = cot_run_next(&run, &l)) != 0) break;
        if (cot_stat_is_partial(l.json)) {
            /* A partial read as a record would be counted as one. */
            cot_err("%s:%lu: this is a cot-stat partial, not a record: use --merge",
                    l.file, l.line);
            free_keys(&keys);
            cot_run_finish(&run);
            return COT_EXIT_DATA;
        }
        const char *path, *twice = cot_stat_twice(st, l.json, &path);
        if (twice) {
            if (cot_run_reject(&run, &l, "field-twice", cot_record_twice_error(path, twice)) < 0)
                break;
            continue;
        }
        cot_fp_file_t *fe = fpp ? input_of(fpp, &cur, l.file) : NULL;
        if (fe) {
            fe->digest = cot_fp_hash(fe->digest, l.text, l.len);
            fe->records++;
        }
        cot_stat_add(st, l.json);
        cot_fields_scan(f, l.json);
    }
    cot_jsonl_set_keys(run.in, NULL, 0);
    cot_jsonl_set_sub(run.in, NULL);
    free_keys(&keys);
    for (size_t i = 0; r == -1 && i < cot_fields_n(f); i++) {
        const cot_field_t *e = cot_fields_get(f, i);
        if (!e->miss) continue;
        cot_buf_t key = {0};
        cot_buf_printf(&key, "missing:%s=%s", e->opt, e->path);
        cot_run_count(&run, key.s, e->miss);   /* -v accounts */
        cot_buf_free(&key);
    }
    if (r == -1 && cot_fields_check(f, lenient)) cot_run_fail(&run, COT_EXIT_DATA);
    if (r == -1) {
        st->lines = cot_jsonl_lines(run.in);
        st->rejected = run.rejected;
        for (size_t i = 0; i < run.ntally; i++)
            if (!strncmp(run.tally[i].key, "rejected:", 9))
                cot_stat_add_reject(st, run.tally[i].key + 9, run.tally[i].n);
    }
    return cot_run_finish(&run);
}

/* Merge partials (one JSON object per line; several files, or several
 * lines in one file, as concatenated partials piped to --merge - give). */
static int read_partials(const opts_t *o, char *const *files, int n,
                         cot_stat_t *st, int *inited, cot_fp_t *fp)
{
    cot_jsonl_reader_t *in = cot_jsonl_open(files, n);
    cot_line_t l;
    int r, rc = COT_EXIT_OK;
    cot_stat_opts_t first = {0};
    const char *first_file = NULL;
    while (rc == COT_EXIT_OK && (r = cot_jsonl_next(in, &l)) >= 0) {
        if (r == 1) {
            cot_err("%s:%lu: %s", l.file, l.line, l.reason);
            rc = COT_EXIT_DATA;
            break;
        }
        cot_stat_opts_t po;
        const char *e = cot_stat_partial_opts(l.json, &po);
        cot_fp_t pf = {0};
        char origin[4096];
        if (l.line == 1) snprintf(origin, sizeof origin, "%s", l.file);
        else snprintf(origin, sizeof origin, "%s:%lu", l.file, l.line);
        if (!e) e = cot_fp_read(cJSON_GetObjectItemCaseSensitive(l.json, "fingerprint"),
                                origin, &pf);
        if (!e && *inited && (e = cot_fp_differ(fp, &pf))) {
            cot_err("%s: cannot merge: made by %s than %s", origin,
                    e, fp->nparts ? fp->parts[0].origin : first_file);
            e = "";
        }
        if (e) {
            if (*e) cot_err("%s:%lu: %s", l.file, l.line, e);
            cot_stat_opts_free(&po);
            cot_fp_free(&pf);
            rc = COT_EXIT_DATA;
            break;
        }
        if (!*inited) {
            fp->tool = pf.tool; pf.tool = NULL;
            fp->pipeline = pf.pipeline; pf.pipeline = NULL;
        }
        cot_fp_take(fp, &pf);
        cot_fp_free(&pf);
        if (!*inited) {
            const char *d;
            if (o->shaped && (d = cot_stat_opts_differ(&o->so, &po))) {
                cot_err("%s:%lu: this partial was made with different %s options "
                        "than the command line gives", l.file, l.line, d);
                cot_stat_opts_free(&po);
                rc = COT_EXIT_DATA;
                break;
            }
            cot_stat_init(st, &po);
            *inited = 1;
            first = po;
            first_file = cot_strdup(l.file);
        } else {
            const char *d = cot_stat_opts_differ(&first, &po);
            cot_stat_opts_free(&po);
            if (d) {
                cot_err("%s:%lu: cannot merge: this partial was made with different "
                        "%s options than %s", l.file, l.line, d, first_file);
                rc = COT_EXIT_DATA;
                break;
            }
        }
        if ((e = cot_stat_partial_merge(st, l.json))) {
            cot_err("%s:%lu: %s", l.file, l.line, e);
            rc = COT_EXIT_DATA;
        }
    }
    if (rc == COT_EXIT_OK && r < -1) rc = r == -3 ? COT_EXIT_IO : COT_EXIT_DATA;
    if (rc == COT_EXIT_OK && !*inited) {
        cot_err("--merge: no partials in the input");
        rc = COT_EXIT_DATA;
    }
    /* A report must be one pass over all the input; a merged partial (a
     * step of a merge tree) need only hold no shard twice. */
    if (rc == COT_EXIT_OK && cot_fp_check(fp, !o->partial)) rc = COT_EXIT_DATA;
    cot_jsonl_close(in);
    cot_stat_opts_free(&first);
    free((char *)first_file);
    return rc;
}

static int write_file(const char *path, const cot_buf_t *b)
{
    cot_stream_t *s = cot_stream_open(path, "wu");
    if (!s) return COT_EXIT_IO;
    if (b->len && cot_stream_write(s, b->s, b->len) < 0) {
        cot_stream_abort(s);
        return COT_EXIT_IO;
    }
    return cot_stream_close(s) < 0 ? COT_EXIT_IO : COT_EXIT_OK;
}

/* In merge mode the figures come from the partials: every gate must name a
 * field they collected. */
static int check_gate_fields(const opts_t *o, const cot_stat_opts_t *so)
{
    for (size_t i = 0; i < o->ro.ngates; i++) {
        const cot_gate_t *g = &o->ro.gates[i];
        int mean = g->kind == COT_GATE_MAX_MEAN;
        if (!(mean ? strv_has(so->num, so->nnum, g->field)
                   : strv_has(so->count, so->ncount, g->field))) {
            cot_err("gate on %s: the partials did not collect it (make them with "
                    "%s %s)", g->field, mean ? "--num" : "--count", g->field);
            return COT_EXIT_USAGE;
        }
    }
    if (o->ro.fail_on_rise && !so->trend) {
        cot_err("--fail-on-rise: the partials hold no trend (--trend, --for)");
        return COT_EXIT_USAGE;
    }
    if (o->trend_opt && !so->trend) {
        cot_err("%s: the partials hold no trend (--trend, --for)", o->trend_opt);
        return COT_EXIT_USAGE;
    }
    return COT_EXIT_OK;
}

/* --fresh PARTIAL: would --partial with these options make PARTIAL from
 * the files as they are now?  0: yes; 1: no (missing, stale, damaged),
 * with the reason on stderr. */
static int check_fresh(const opts_t *o, char *const *files, int n)
{
    const char *path = o->fresh;
    struct stat sb;
    if (stat(path, &sb) < 0) {
        cot_err("%s: missing", path);
        return COT_EXIT_DATA;
    }
    cot_fp_t want, have = {0};
    cot_buf_t why = {0};
    cot_fp_init(&want, o->pipeline, o->part_k, o->part_n);
    for (size_t i = 0; i < o->nsrc; i++)
        if (cot_fp_add_file(&want.parts[0], o->src[i], 0) < 0 && !why.len)
            cot_buf_printf(&why, "--source %s: %s", o->src[i], strerror(errno));
    for (int i = 0; i < (n ? n : 1); i++)
        if (cot_fp_add_file(&want.parts[0], n ? files[i] : "-", 1) < 0 && !why.len)
            cot_buf_printf(&why, "%s: %s", files[i], strerror(errno));

    char *const one[1] = {(char *)path};
    cot_jsonl_reader_t *in = cot_jsonl_open(one, 1);
    cot_line_t l;
    int r = cot_jsonl_next(in, &l), rc = COT_EXIT_DATA;
    if (r < -1) {       /* the reader said why */
        rc = r == -3 ? COT_EXIT_IO : COT_EXIT_DATA;
        cot_buf_adds(&why, "it cannot be read");
    } else if (why.len) ;
    else if (r != 0) cot_buf_adds(&why, r == 1 ? l.reason : "empty");
    else {
        cot_stat_opts_t po;
        const char *e = cot_stat_partial_opts(l.json, &po), *d;
        if (!e) e = cot_fp_read(cJSON_GetObjectItemCaseSensitive(l.json, "fingerprint"),
                                path, &have);
        if (e) cot_buf_adds(&why, e);
        else if ((d = cot_stat_opts_differ(&o->so, &po)))
            cot_buf_printf(&why, "made with other %s options", d);
        else {
            cot_stat_t tmp;
            cot_stat_init(&tmp, &po);
            if ((e = cot_stat_partial_merge(&tmp, l.json))) cot_buf_adds(&why, e);
            else if (cot_jsonl_next(in, &l) != -1)
                cot_buf_adds(&why, "more than one partial in the file");
            else if (cot_fp_current(&have, &want, &why)) rc = COT_EXIT_OK;
            cot_stat_free(&tmp);
        }
        cot_stat_opts_free(&po);
    }
    if (rc == COT_EXIT_DATA) cot_err("%s: stale: %s", path, why.s ? why.s : "?");
    cot_jsonl_close(in);
    cot_buf_free(&why);
    cot_fp_free(&want);
    cot_fp_free(&have);
    return rc;
}

/* Before anything is opened: no input twice (its records would count
 * twice; partials given twice are the fingerprint's to tell), and no output
 * over an input (the records, partials, --source files) or over another
 * output. */
static void check_paths(const cot_common_t *c, const opts_t *o, char *const *files,
                        int n)
{
    if (!o->merge) cot_inputs_distinct(files, n);
    char **in = cot_calloc((size_t)n + o->nsrc + 2, sizeof *in);
    size_t m = 0;
    for (int i = 0; i < n; i++) in[m++] = files[i];
    if (!n) in[m++] = "-";
    for (size_t i = 0; i < o->nsrc; i++) in[m++] = o->src[i];
    const char *outs[3] = {c->out_path, c->rejects_path, o->svg};
    const char *const names[3] = {"-o", "--rejects", "--svg"};
    cot_outputs_apart(in, (int)m, outs, names, 3);
    free(in);
    if (o->svg && !o->partial && !cot_report_svg_target_ok(o->svg))
        cot_usage_error("--svg %s: the file exists and is not an SVG (did the SVG's name "
                        "go missing before an input?); name the SVG, or remove the file "
                        "first", o->svg);
}

int main(int argc, char **argv)
{
    cot_common_t common;
    cot_common_init(&common, "cot-stat", usage);
    opts_t o = {0};
    o.ro.alpha = ALPHA_DEFAULT;
    parse(argc, argv, &common, &o);
    char *const *files = argv + optind;
    int nfiles = argc - optind, rc, inited = 0;

    if (o.fresh) {
        rc = check_fresh(&o, files, nfiles);
        free(o.src);
        free(o.so.by); free(o.so.count); free(o.so.num); free(o.so.forf); free(o.so.forv);
        opts_free_extra(&o);
        return rc;
    }

    check_paths(&common, &o, files, nfiles);
    cot_stat_t st;
    cot_fp_t fp = {0};
    if (o.merge) {
        if (nfiles == 0 && isatty(0)) { usage(stderr); return COT_EXIT_USAGE; }
        rc = read_partials(&o, files, nfiles, &st, &inited, &fp);
        if (rc == COT_EXIT_OK) rc = check_gate_fields(&o, &st.o);
        if (rc == COT_EXIT_OK) rc = check_merged_fields(&st, &o);
    } else {
        cot_fields_t *f = wanted_fields(&o);
        add_gate_fields(&o);
        cot_stat_init(&st, &o.so);
        inited = 1;
        cot_fp_init(&fp, o.pipeline, o.part_k, o.part_n);
        int bad = 0;
        for (size_t i = 0; i < o.nsrc; i++)
            if (cot_fp_add_file(&fp.parts[0], o.src[i], 0) < 0) {
                cot_err("--source %s: %s", o.src[i], strerror(errno));
                bad = 1;
            }
        add_inputs(&fp.parts[0], files, nfiles);
        /* the records' digest goes into a partial's fingerprint, nowhere
         * else: a report alone does not hash every line */
        rc = bad ? COT_EXIT_IO
                 : read_records(&common, files, nfiles, &st, o.partial ? &fp.parts[0] : NULL,
                                f, o.partial);
        cot_fields_free(f);
    }
    if (inited) st.fp = &fp;

    size_t fails = 0;
    if (rc == COT_EXIT_OK) {
        cot_buf_t out = {0};
        if (o.partial) {
            cot_stat_partial_write(&st, &out);
            rc = write_file(common.out_path, &out);
        } else {
            cot_report_t *r = cot_report_build(&st, &o.ro);
            cot_report_warn_values(r);
            cot_report_warn_rejected(r);
            if (o.json) cot_report_json(r, &out);
            else if (o.tsv) cot_report_tsv(r, &out);
            else cot_report_table(r, &out);
            rc = write_file(common.out_path, &out);
            if (rc == COT_EXIT_OK && o.svg) {
                cot_buf_clear(&out);
                cot_report_svg(r, &out);
                rc = write_file(o.svg, &out);
            }
            fails = cot_report_failures(r);
            if (fails) cot_report_print_failures(r);
            cot_report_free(r);
        }
        cot_buf_free(&out);
    }
    if (inited) cot_stat_free(&st);
    cot_fp_free(&fp);
    free(o.src);
    for (size_t i = 0; i < o.ro.ngates; i++) cot_gate_free(&o.ro.gates[i]);
    free(o.ro.gates);
    free(o.so.by); free(o.so.count); free(o.so.num); free(o.so.forf); free(o.so.forv);
    opts_free_extra(&o);
    if (rc == COT_EXIT_OK && fails) rc = COT_EXIT_DATA;
    return rc;
}
