/* cot-stat -- annotated records in, a report out: rates with Wilson
 * intervals, numeric summaries, trends with a Cochran-Armitage test, gates,
 * and mergeable partial states for sharded runs. */
#include "cli.h"
#include "record.h"
#include "report.h"
#include "stats.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ALPHA_DEFAULT 0.05

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: cot-stat [options] [FILE...]\n"
"       cot-stat --merge [options] PARTIAL...\n"
"Summarise annotated records: rates with 95%% Wilson intervals, numeric\n"
"summaries, trends over an ordered field, and gates for CI.\n"
"\n"
"Figures (FIELD: dotted path like judge.verdict, or JSON pointer /meta/env):\n"
"      --by FIELD[,FIELD]     group every figure by these fields\n"
"      --count FIELD[,...]    rates of each categorical value (repeatable)\n"
"      --num FIELD[,...]      count, mean, sd, min, p50/p90/p99, max (repeatable)\n"
"      --shift                distance from the model's own distribution: the\n"
"                             shift.off_policy rate and the means of\n"
"                             shift.excess_bits, shift.z and the logprob NLL\n"
"                             and its shift (cot-profile(1))\n"
"Trends:\n"
"      --trend FIELD          ordered field, e.g. meta.step\n"
"      --for FIELD=VALUE      the rate to follow over it (repeatable)\n"
"      --buckets N            N equal-width buckets [natural values]\n"
"      --scores index|value   trend scores [value when numeric, else index]\n"
"      --alpha A              a rise is z > 0 with two-sided p < A [%g]\n"
"      --fail-on-rise         a rise fails like a gate (exit 1)\n"
"Gates (overall and per --by group; exit 1 when any fails):\n"
"      --max-rate FIELD=VALUE:LIMIT   rate must be <= LIMIT (repeatable)\n"
"      --min-rate FIELD=VALUE:LIMIT   rate must be >= LIMIT (repeatable)\n"
"      --max-mean FIELD:LIMIT         mean must be <= LIMIT (repeatable)\n"
"Report:\n"
"  -o, --output FILE          write the report there [stdout]\n"
"      --json                 one JSON document\n"
"      --tsv                  a tab-separated table\n"
"      --svg FILE             also draw trends and histograms as SVG\n"
"Shards:\n"
"      --partial              write the mergeable state instead of a report\n"
"      --merge                inputs are partials: report as one pass would\n",
            ALPHA_DEFAULT);
    cot_common_usage(fp, 0);
}

enum {
    OPT_BY = COT_OPT_TOOL, OPT_COUNT, OPT_NUM, OPT_TREND, OPT_FOR, OPT_BUCKETS,
    OPT_SCORES, OPT_ALPHA, OPT_FAIL_ON_RISE, OPT_MAX_RATE, OPT_MIN_RATE,
    OPT_MAX_MEAN, OPT_JSON, OPT_TSV, OPT_SVG, OPT_PARTIAL, OPT_MERGE, OPT_SHIFT
};

typedef struct {
    cot_stat_opts_t so;
    cot_report_opts_t ro;
    int shaped;            /* a figure option was given on the command line */
    int json, tsv, partial, merge;
    const char *svg;
} opts_t;

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
    if (cot_record_path_ok(p) < 0)
        cot_usage_error("%s: '%s' is not a field path (a.b.c or /a/b/c)", opt, p);
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
            break;
        case OPT_SCORES:
            if (!strcmp(optarg, "index")) o->ro.scores = COT_SCORES_INDEX;
            else if (!strcmp(optarg, "value")) o->ro.scores = COT_SCORES_VALUE;
            else cot_usage_error("--scores: expected index or value, not '%s'", optarg);
            break;
        case OPT_ALPHA:
            if (cot_parse_double(optarg, 0, 1, &o->ro.alpha) < 0 ||
                o->ro.alpha <= 0 || o->ro.alpha >= 1)
                cot_usage_error("--alpha: expected a level between 0 and 1, not '%s'",
                                optarg);
            break;
        case OPT_SHIFT: {
            /* The dataset-level answer of issue "how far do edits push the
             * model": fields written by cot-profile, cot-diff/cot-judge
             * --profile and cot-profile logprobs; absent ones show as
             * missing, never as zero. */
            static const char *const num[] = {
                "shift.excess_bits", "shift.z", "shift.score", "shift.posterior", "logprob_stats.cot.nll_mean",
                "logprob_stats.nll_shift.overall"};
            for (size_t i = 0; i < sizeof num / sizeof *num; i++)
                if (!strv_has(o->so.num, o->so.nnum, num[i]))
                    strv_push(&o->so.num, &o->so.nnum, num[i]);
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
        default: cot_bad_option(argv);
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

static int read_records(cot_common_t *common, char *const *files, int n,
                        cot_stat_t *st)
{
    cot_run_t run;
    int rc = cot_run_open(&run, common, files, n, 0);
    if (rc) return rc;
    cot_line_t l;
    int r;
    while ((r = cot_run_next(&run, &l)) == 0) cot_stat_add(st, l.json);
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
                         cot_stat_t *st, int *inited)
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
        if (e) {
            cot_err("%s:%lu: %s", l.file, l.line, e);
            cot_stat_opts_free(&po);
            rc = COT_EXIT_DATA;
            break;
        }
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
    return COT_EXIT_OK;
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

    cot_stat_t st;
    if (o.merge) {
        if (nfiles == 0 && isatty(0)) { usage(stderr); return COT_EXIT_USAGE; }
        rc = read_partials(&o, files, nfiles, &st, &inited);
        if (rc == COT_EXIT_OK) rc = check_gate_fields(&o, &st.o);
    } else {
        add_gate_fields(&o);
        cot_stat_init(&st, &o.so);
        inited = 1;
        rc = read_records(&common, files, nfiles, &st);
    }

    size_t fails = 0;
    if (rc == COT_EXIT_OK) {
        cot_buf_t out = {0};
        if (o.partial) {
            cot_stat_partial_write(&st, &out);
            rc = write_file(common.out_path, &out);
        } else {
            cot_report_t *r = cot_report_build(&st, &o.ro);
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
    for (size_t i = 0; i < o.ro.ngates; i++) cot_gate_free(&o.ro.gates[i]);
    free(o.ro.gates);
    free(o.so.by); free(o.so.count); free(o.so.num); free(o.so.forf); free(o.so.forv);
    if (rc == COT_EXIT_OK && fails) rc = COT_EXIT_DATA;
    return rc;
}
