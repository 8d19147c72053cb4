/* cot-profile -- build a profile of a model's own CoT distribution, score
 * records against it ("shift"), and summarise per-token logprobs
 * ("logprobs").  The work is in lib/profile.c and lib/logprob.c. */
#include "cli.h"
#include "json.h"
#include "jsonl.h"
#include "logprob.h"
#include "profile.h"
#include "record.h"
#include "stats.h"
#include "workers.h"

#include <errno.h>
#include <math.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    OPT_ORDER = COT_OPT_TOOL, OPT_MIN_COUNT, OPT_HOLDOUT, OPT_MAX_MEM,
    OPT_PROFILE, OPT_WINDOW, OPT_FPR, OPT_PER_TOKEN, OPT_SPANS,
    OPT_LOGPROBS, OPT_BASE, OPT_TOKEN_IDS, OPT_REFERENCE, OPT_FIELD, OPT_BY,
    OPT_REF_FOLD, OPT_VIEWS
};

#define DEF_HOLDOUT 0.1
#define DEF_WINDOW  32
#define DEF_FPR     0.01
#define DEF_SPANS   "diff.hunks"
#define DEF_LOGPROBS "logprobs"

static void usage(FILE *fp)
{
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    fprintf(fp,
"Usage: cot-profile COMMAND [options] [FILE...]\n"
"Profiles of a model's own CoT distribution, and logprob statistics.\n"
"\n"
"Commands:\n"
"  build -o MODEL.prof [FILE...]   build a profile from own samples' cot\n"
"  score -p MODEL.prof [FILE...]   add \"shift\" to each record\n"
"  info MODEL.prof                 print what a profile holds\n"
"  mix [-p MODEL.prof] FILE...     fit own + off-policy on scored records:\n"
"                                  shift.posterior, the rewritten fraction\n"
"  logprobs [FILE...]              add \"logprob_stats\" to each record\n"
"\n"
"build:\n"
"      --order N         n-gram order 3..5 [%d]\n"
"      --min-count N     drop n-grams of order >= 2 seen fewer times [%u]\n"
"      --holdout F       fraction of records (by hash of id) held out for\n"
"                        the calibration [%g]\n"
"      --max-mem SIZE    count-table budget; above it, rare n-grams are\n"
"                        pruned on line (K/M/G) [half of physical memory]\n"
"      --reference FILE  records whose cot forms the reference views (a\n"
"                        generic corpus, or the SFT set itself): scores\n"
"                        become own-vs-reference log-likelihood ratios\n"
"      --reference-fold K/N  only fold K of N of them (by a hash of the\n"
"                        prompt, else the id), so that the other folds\n"
"                        can be scored against it\n"
"      --fpr F           the false-positive rate the calibration must hold:\n"
"                        warn when too few held-out units for it [%g]\n"
"  -o, --output FILE     the profile to write (required)\n"
"score:\n"
"  -p, --profile FILE    the profile to score against; repeated, each record\n"
"                        against the first whose reference leaves it out\n"
"                        (shift.profile: which)\n"
"      --window N        worst-window length in tokens [%d]\n"
"      --fpr F           false-positive rate of the off_policy threshold [%g]\n"
"      --per-token       add per_token: [[start, end, bits]...]\n"
"      --spans PATH      edited byte spans of the cot, as [start,end] pairs\n"
"                        or {b_start,b_end}/{start,end} objects [%s]\n"
"mix:\n"
"  -p, --profile FILE    the profile the records were scored with: the\n"
"                        interval counts its calibration's error too\n"
"                        (--views: each profile score was given, in order)\n"
"      --field PATH      the calibrated p-value to fit [shift.score_p]\n"
"      --by PATH         also fit each group of records with one value there\n"
"                        (the estimates on stderr; posteriors stay the set's)\n"
"      --views           also fit a mixture over the views' features (needs\n"
"                        -p): shift.mix {score, p, off_policy, posterior}\n"
"      --fpr F           false-positive rate of shift.mix.off_policy [%g]\n"
"logprobs:\n"
"      --logprobs PATH   where the record keeps its logprobs [%s]\n"
"      --base PATH       logprobs of the original (unedited) trace, for the\n"
"                        per-token NLL shift of the edit\n"
"      --token-ids PATH  prompt token ids for vLLM prompt_logprobs\n"
"                        [prompt_token_ids]\n",
            o.order, o.min_count, DEF_HOLDOUT, DEF_FPR, DEF_WINDOW, DEF_FPR, DEF_SPANS,
            DEF_FPR, DEF_LOGPROBS);
    cot_common_usage(fp, 1);
}

#define MAX_PROFILES COT_PROFILE_SET_MAX

typedef struct {
    cot_common_t c;
    cot_profile_opts_t po;
    double holdout, fpr;
    long window;
    int per_token, max_mem_set;
    const char *profile, *spans, *logprobs, *base, *token_ids;
    const char *profiles[MAX_PROFILES];   /* -p, repeatable for score   */
    int nprofiles;
    char *reference;
    const char *field, *by;
    int views;                         /* mix --views */
    unsigned given;                    /* the command options given: 1 << G_* */
} opts_t;

/* The options of one command or another, for the check that each given
 * applies to the command run (an option another command reads would be
 * ignored without a word: score --order 3 scores at the profile's order). */
enum { G_ORDER, G_MIN_COUNT, G_HOLDOUT, G_MAX_MEM, G_REFERENCE, G_PROFILE, G_WINDOW,
       G_FPR, G_PER_TOKEN, G_SPANS, G_FIELD, G_BY, G_LOGPROBS, G_BASE, G_TOKEN_IDS,
       G_REF_FOLD, G_VIEWS, G_N };
static const char *const g_name[G_N] = {
    "--order", "--min-count", "--holdout", "--max-mem", "--reference", "-p/--profile",
    "--window", "--fpr", "--per-token", "--spans", "--field", "--by", "--logprobs", "--base",
    "--token-ids", "--reference-fold", "--views"};
#define G(x) (1u << G_##x)
static const struct {
    const char *cmd;
    unsigned ok;
} g_cmds[] = {
    {"build", G(ORDER) | G(MIN_COUNT) | G(HOLDOUT) | G(MAX_MEM) | G(REFERENCE) | G(FPR) |
              G(REF_FOLD)},
    {"score", G(PROFILE) | G(WINDOW) | G(FPR) | G(PER_TOKEN) | G(SPANS)},
    {"info", 0},
    {"mix", G(PROFILE) | G(FIELD) | G(BY) | G(VIEWS) | G(FPR)},
    {"logprobs", G(LOGPROBS) | G(BASE) | G(TOKEN_IDS)},
};

/* A usage error for the first option given that cmd does not read, naming
 * the commands that do. */
static void check_given(const char *cmd, unsigned given)
{
    unsigned ok = ~0u;
    for (size_t i = 0; i < sizeof g_cmds / sizeof *g_cmds; i++)
        if (!strcmp(g_cmds[i].cmd, cmd)) ok = g_cmds[i].ok;
    unsigned bad = given & ~ok;
    if (!bad) return;
    int k = __builtin_ctz(bad);
    char users[64] = "";
    size_t nu = 0, left = 0;
    for (size_t i = 0; i < sizeof g_cmds / sizeof *g_cmds; i++) left += g_cmds[i].ok >> k & 1;
    for (size_t i = 0; i < sizeof g_cmds / sizeof *g_cmds; i++)
        if (g_cmds[i].ok >> k & 1) {      /* "a", "a and b", "a, b and c" */
            size_t l = strlen(users);
            nu++;
            snprintf(users + l, sizeof users - l, "%s%s",
                     nu == 1 ? "" : nu == left ? " and " : ", ", g_cmds[i].cmd);
        }
    cot_usage_error("%s: %s is an option of %s; %s does not use it", cmd, g_name[k], users,
                    cmd);
}

static int parse_opts(opts_t *o, int argc, char **argv)
{
    static const struct option longopts[] = {
        COT_COMMON_LONG,
        {"order", required_argument, 0, OPT_ORDER},
        {"min-count", required_argument, 0, OPT_MIN_COUNT},
        {"holdout", required_argument, 0, OPT_HOLDOUT},
        {"max-mem", required_argument, 0, OPT_MAX_MEM},
        {"profile", required_argument, 0, 'p'},
        {"window", required_argument, 0, OPT_WINDOW},
        {"fpr", required_argument, 0, OPT_FPR},
        {"per-token", no_argument, 0, OPT_PER_TOKEN},
        {"spans", required_argument, 0, OPT_SPANS},
        {"logprobs", required_argument, 0, OPT_LOGPROBS},
        {"base", required_argument, 0, OPT_BASE},
        {"token-ids", required_argument, 0, OPT_TOKEN_IDS},
        {"reference", required_argument, 0, OPT_REFERENCE},
        {"reference-fold", required_argument, 0, OPT_REF_FOLD},
        {"field", required_argument, 0, OPT_FIELD},
        {"by", required_argument, 0, OPT_BY},
        {"views", no_argument, 0, OPT_VIEWS},
        {0, 0, 0, 0}};
    int ch;
    long v;
    while ((ch = getopt_long(argc, argv, COT_COMMON_SHORT "p:", longopts, NULL)) >= 0) {
        if (cot_common_opt(&o->c, ch, optarg)) continue;
        switch (ch) {
        case OPT_ORDER:
            if (cot_parse_long(optarg, 3, COT_PROFILE_MAX_ORDER, &v))
                cot_usage_error("--order: must be 3..%d, not '%s'", COT_PROFILE_MAX_ORDER, optarg);
            o->po.order = (int)v; o->given |= G(ORDER); break;
        case OPT_MIN_COUNT:
            if (cot_parse_long(optarg, 1, 1000000, &v))
                cot_usage_error("--min-count: must be 1..1000000, not '%s'", optarg);
            o->po.min_count = (unsigned)v; o->given |= G(MIN_COUNT); break;
        case OPT_HOLDOUT:
            if (cot_parse_double(optarg, 0, 0.9, &o->holdout))
                cot_usage_error("--holdout: must be a fraction 0..0.9, not '%s'", optarg);
            o->given |= G(HOLDOUT); break;
        case OPT_MAX_MEM:
            if (cot_parse_size(optarg, &o->po.max_mem) || o->po.max_mem < (1u << 20))
                cot_usage_error("--max-mem: must be a size of at least 1M, not '%s'", optarg);
            o->max_mem_set = 1; o->given |= G(MAX_MEM); break;
        case 'p':
            if (o->nprofiles == MAX_PROFILES)
                cot_usage_error("-p: at most %d profiles", MAX_PROFILES);
            o->profiles[o->nprofiles++] = optarg;
            o->profile = o->profiles[0]; o->given |= G(PROFILE); break;
        case OPT_REF_FOLD: {
            unsigned k, n;
            char end;
            if (sscanf(optarg, "%u/%u%c", &k, &n, &end) != 2 || n < 2 ||
                n > COT_PROFILE_MAX_FOLDS || k < 1 || k > n)
                cot_usage_error("--reference-fold: must be K/N with 1 <= K <= N and "
                                "2 <= N <= %d, not '%s'", COT_PROFILE_MAX_FOLDS, optarg);
            o->po.ref_fold = k; o->po.ref_folds = n; o->given |= G(REF_FOLD); break;
        }
        case OPT_REFERENCE: o->reference = optarg; o->given |= G(REFERENCE); break;
        case OPT_FIELD:
            if (cot_record_path_ok(optarg)) cot_usage_error("--field: bad path '%s'", optarg);
            o->field = optarg; o->given |= G(FIELD); break;
        case OPT_BY:
            if (cot_record_path_ok(optarg)) cot_usage_error("--by: bad path '%s'", optarg);
            o->by = optarg; o->given |= G(BY); break;
        case OPT_VIEWS: o->views = 1; o->given |= G(VIEWS); break;
        case OPT_WINDOW:
            if (cot_parse_long(optarg, 1, 1000000, &o->window))
                cot_usage_error("--window: must be 1..1000000, not '%s'", optarg);
            o->given |= G(WINDOW); break;
        case OPT_FPR:
            o->fpr = cot_profile_parse_fpr(optarg);
            o->given |= G(FPR); break;
        case OPT_PER_TOKEN: o->per_token = 1; o->given |= G(PER_TOKEN); break;
        case OPT_SPANS:
            cot_record_path_usage("--spans", optarg);
            o->spans = optarg; o->given |= G(SPANS); break;
        case OPT_LOGPROBS:
            cot_record_path_usage("--logprobs", optarg);
            o->logprobs = optarg; o->given |= G(LOGPROBS); break;
        case OPT_BASE:
            cot_record_path_usage("--base", optarg);
            o->base = optarg; o->given |= G(BASE); break;
        case OPT_TOKEN_IDS:
            cot_record_path_usage("--token-ids", optarg);
            o->token_ids = optarg; o->given |= G(TOKEN_IDS); break;
        default: cot_bad_option(argv, longopts);
        }
    }
    return optind;
}

/* ---- calibration checks ------------------------------------------------ */

/* Warn, counted in the accounts, for every unit kind that cannot hold fpr. */
static void check_calibration(const cot_profile_t *p, double fpr, cot_run_t *run,
                              int score)
{
    int n = cot_profile_warn_calibration(p, fpr, (1u << COT_PUNIT_N) - 1, score);
    if (n) cot_run_count(run, "warning:calibration", (unsigned long long)n);
}

/* ---- build -------------------------------------------------------------- */


static int cmd_build(opts_t *o, char **files, int nfiles)
{
    const char *out = o->c.out_path;
    if (!out || !strcmp(out, "-"))
        cot_usage_error("build: name the profile to write with -o FILE");
    if (!o->max_mem_set) {
        long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
        o->po.max_mem = pages > 0 && psz > 0 ? (size_t)pages / 2 * (size_t)psz : 0;
    }
    o->c.out_path = "-";
    if (o->po.ref_folds && !o->reference)
        cot_usage_error("build: --reference-fold needs --reference FILE");
    if (o->reference && !strcmp(o->reference, "-")) {
        int stdin_used = !nfiles;
        for (int i = 0; i < nfiles; i++) stdin_used |= !strcmp(files[i], "-");
        if (stdin_used)
            cot_usage_error("build: --reference - and the own samples cannot both be stdin");
    }
    cot_common_no_jsonl(&o->c, "build");
    cot_run_t run;
    int st = cot_run_open(&run, &o->c, files, nfiles, 0);
    if (st) return st;
    cot_profile_builder_t *b = cot_profile_builder_new(&o->po);
    cot_line_t l;
    double t0 = cot_now();
    while (cot_run_next(&run, &l) == 0) {
        cot_record_view_t v;
        const char *why = cot_record_view(l.json, COT_NEED_COT, &v);
        if (why) {
            if (cot_run_reject(&run, &l, cot_record_kind(why, "no-cot"), why) < 0) break;
            continue;
        }
        if (!v.cot_len) { cot_run_count(&run, "empty-cot", 1); continue; }
        uint64_t h = v.id ? cot_profile_hash_bytes(v.id, strlen(v.id))
                          : cot_profile_hash_bytes(v.cot, v.cot_len);
        if (cot_profile_holdout_pick(h, o->holdout)) {
            cot_profile_builder_holdout(b, v.cot, v.cot_len);
            cot_run_count(&run, "held-out", 1);
        } else {
            cot_profile_builder_add(b, v.cot, v.cot_len);
            cot_run_count(&run, "trained", 1);
        }
    }
    if (run.status == 0 && o->reference) {
        /* the reference corpus: every record's cot, none held out */
        cot_jsonl_reader_t *rd = cot_jsonl_open(&o->reference, 1);
        int r;
        unsigned long long nref = 0, left = 0, other = 0;
        while ((r = cot_jsonl_next(rd, &l)) != -1) {
            if (r <= -2) { run.status = r == -3 ? COT_EXIT_IO : COT_EXIT_DATA; break; }
            cot_record_view_t v;
            const char *why = l.reason, *kind = l.kind;
            if (r == 0 && (why = cot_record_view(l.json, COT_NEED_COT, &v)))
                kind = cot_record_kind(why, "no-cot");
            if (why) {
                if (cot_run_reject_other(&run, &l, kind, why, "ref-rejected") < 0) break;
                continue;
            }
            if (!v.cot_len) continue;
            if (o->po.ref_folds) {
                uint64_t h = cot_profile_fold_key(v.prompt, v.prompt_len, v.id, v.cot,
                                                  v.cot_len);
                if (cot_profile_fold(h, o->po.ref_folds) != o->po.ref_fold) {
                    other++;
                    continue;
                }
            }
            if (cot_profile_builder_reference(b, v.cot, v.cot_len)) left++;
            else nref++;
        }
        cot_jsonl_close(rd);
        cot_run_count(&run, "ref:records", nref);
        if (left) cot_run_count(&run, "ref:held-out-copies", left);
        if (o->po.ref_folds) cot_run_count(&run, "ref:other-folds", other);
        if (run.status == 0 && !nref && !left && other) {
            cot_err("%s: --reference-fold %u/%u: none of its %llu records with a cot "
                    "falls in that fold", o->reference, o->po.ref_fold, o->po.ref_folds,
                    other);
            run.status = COT_EXIT_DATA;
        } else if (run.status == 0 && !nref && left) {
            cot_err("%s: every reference record (%llu) has the words of a held-out own "
                    "record, and those are left out of the reference; give a reference "
                    "of other text", o->reference, left);
            run.status = COT_EXIT_DATA;
        } else if (run.status == 0 && !nref) {
            cot_err("%s: no cot text to build the reference views from", o->reference);
            run.status = COT_EXIT_DATA;
        }
    }
    cot_profile_build_stats_t s0;
    cot_profile_builder_stats(b, &s0);
    if (run.status == 0 && s0.tokens == 0) {
        cot_err("no cot text to build a profile from (%llu records held out)",
                (unsigned long long)s0.holdout);
        run.status = COT_EXIT_DATA;
    }
    if (run.status == 0) {
        double t1 = cot_now();
        st = cot_profile_builder_write(b, out);
        if (st) run.status = st;
        else if (o->holdout > 0) {
            cot_profile_t *p = cot_profile_load(out);
            if (!p) run.status = errno ? COT_EXIT_IO : COT_EXIT_DATA;
            else { check_calibration(p, o->fpr, &run, 0); cot_profile_close(p); }
        }
        cot_profile_build_stats_t s;
        cot_profile_builder_stats(b, &s);
        if (cot_verbose >= 2) {
            cot_info("built %s: %llu records, %llu tokens, %llu held out; "
                     "counting %.2fs, estimating and writing %.2fs",
                     out, (unsigned long long)s.records, (unsigned long long)s.tokens,
                     (unsigned long long)s.holdout, t1 - t0, cot_now() - t1);
            for (int n = 1; n <= o->po.order; n++)
                cot_info("order %d: %llu distinct n-grams", n, (unsigned long long)s.ngrams[n]);
            cot_info("peak count tables %.1f MiB; on-line prune sweeps %u (cut-off %u)",
                     (double)s.peak_bytes / 1048576.0, s.sweeps, s.cutoff);
        }
    }
    cot_profile_builder_free(b);
    return cot_run_finish(&run);
}

/* ---- info --------------------------------------------------------------- */

static int cmd_info(opts_t *o, char **files, int nfiles)
{
    cot_common_no_records(&o->c, "info");
    if (nfiles != 1) cot_usage_error("info: give one profile file");
    cot_profile_t *p = cot_profile_load(files[0]);
    if (!p) return errno ? COT_EXIT_IO : COT_EXIT_DATA;
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    printf("file\t%s\nversion\t%u\nsize\t%llu\norder\t%u\nlowercase\t%u\n"
           "records\t%llu\ntokens\t%llu\nheld_out\t%llu\nvocab\t%llu\n"
           "min_count\t%u\nonline_cutoff\t%u\n",
           files[0], in.version, (unsigned long long)in.file_size, in.order,
           in.lowercase, (unsigned long long)in.records,
           (unsigned long long)in.tokens, (unsigned long long)in.holdout,
           (unsigned long long)in.vocab, in.min_count, in.cutoff);
    for (uint32_t n = 1; n <= in.order; n++)
        printf("order%u\t%llu n-grams\tD=%.4f,%.4f,%.4f\n", n,
               (unsigned long long)in.entries[n], in.discount[n][0],
               in.discount[n][1], in.discount[n][2]);
    printf("calibration\t%llu records\twindow %u\n", (unsigned long long)in.ncal,
           in.cal_window);
    if (in.ncal) {
        if (in.cal_rows)
            printf("cal_rows\t%llu kept (the own component of mix --views)\n",
                   (unsigned long long)in.cal_rows);
        else
            printf("cal_rows\tnone (built before they were kept: rebuild it for "
                   "mix --views)\n");
        printf("cal_bits_per_token\tmean %.4f\tsd %.4f\n", in.cal_mean[0], in.cal_sd[0]);
        printf("cal_worst_window\tmean %.4f\tsd %.4f\n", in.cal_mean[1], in.cal_sd[1]);
        static const double fprs[] = {0.05, 0.01, 0.001};
        for (int k = 0; k < 3; k++) {
            double t = cot_profile_threshold(p, 0, fprs[k]);
            if (isnan(t)) printf("threshold@%g\tnone (too few held-out records)\n", fprs[k]);
            else printf("threshold@%g\t%.4f bits/token\n", fprs[k], t);
        }
        for (int f = 2; f < COT_PCAL_N; f++) {
            if (isnan(in.feat_mean[f])) continue;
            printf("cal_%s\tmean %.4f\tsd %.4f\n", cot_pcal_names[f], in.feat_mean[f],
                   in.feat_sd[f]);
        }
        for (int u = 0; u < COT_PUNIT_N; u++) {
            const char *un = cot_punit_names[u];
            if (u == COT_PUNIT_RECORD ? !in.ncomb : !in.units) {
                if (u) printf("cal_%s\tnone (profile built before window and step "
                              "calibration; rebuild it)\n", un);
                continue;
            }
            printf("cal_%s\t%llu held out", un, (unsigned long long)in.unit_n[u]);
            if (u == COT_PUNIT_WINDOW)
                printf(" (%llu disjoint; window %u)", (unsigned long long)in.unit_indep[u],
                       in.unit_window);
            printf("\tmean %.4f\tsd %.4f\n", in.unit_mean[u], in.unit_sd[u]);
            for (int k = 0; k < 3; k++) {
                cot_profile_thr_t t;
                cot_profile_unit_threshold(p, u, fprs[k], &t);
                const char *name = u == COT_PUNIT_RECORD ? "score" : un;
                if (!t.resolved)
                    printf("%s_threshold@%g\tnone\t%llu held-out %s resolve no rate "
                           "below %.4f\n", name, fprs[k], (unsigned long long)t.n, un,
                           t.min_fpr);
                else
                    printf("%s_threshold@%g\t%.4f\t%llu of %llu held-out %s above it%s\n",
                           name, fprs[k], t.t, (unsigned long long)t.above,
                           (unsigned long long)t.n, un,
                           cot_profile_thr_enough(&t, fprs[k]) ? "" : "; too few (10/fpr)");
            }
        }
    }
    printf("views\t");
    for (int v = 0, first = 1; v < COT_PVIEW_N; v++)
        if (in.views >> v & 1) { printf("%s%s", first ? "" : ",", cot_pview_names[v]); first = 0; }
    printf("\n");
    for (int v = 1; v < COT_PVIEW_N; v++) {
        if (!(in.views >> v & 1)) continue;
        printf("%s\torder %u\tvocab %llu\ttokens %llu\tn-grams", cot_pview_names[v],
               in.view[v].order, (unsigned long long)in.view[v].vocab,
               (unsigned long long)in.view[v].tokens);
        for (uint32_t n = 1; n <= in.view[v].order; n++)
            printf("%s%llu", n > 1 ? "," : " ", (unsigned long long)in.view[v].entries[n]);
        printf("\n");
    }
    if (in.trained_kept)
        printf("trained_fingerprints\t%llu distinct\n",
               (unsigned long long)in.trained_fingerprints);
    else
        printf("trained_fingerprints\tnone (profile built before them: a scored record "
               "it was trained on cannot be told; rebuild it)\n");
    if (in.views >> COT_PVIEW_REF_WORDS & 1) {
        if (in.ref_kept && in.ref_folds)
            printf("ref_fold\t%u of %u\n", in.ref_fold, in.ref_folds);
        else if (in.ref_kept)
            printf("ref_fold\tall\n");
        if (in.ref_kept)
            printf("ref_fingerprints\t%llu distinct\t%llu reference records left out "
                   "(copies of held-out own records)\n",
                   (unsigned long long)in.ref_fingerprints,
                   (unsigned long long)in.ref_left_out);
        else
            printf("ref_fingerprints\tnone (profile built before them: a scored record "
                   "in the reference cannot be told; rebuild it)\n");
    }
    printf("score_features\t");
    for (uint32_t k = 0; k < in.ncomb; k++)
        printf("%s%s", k ? "," : "", cot_pcal_names[in.comb[k]]);
    printf("%s\n", in.ncomb ? "" : "none (no calibration)");
    for (int k = 0; k < COT_PLAYOUT_N; k++)
        printf("layout_%s\tmean %.4f\tsd %.4f\n", cot_playout_names[k],
               in.layout_mean[k], in.layout_sd[k]);
    printf("voice\t%llu records\n", (unsigned long long)in.nvoice);
    for (int k = 0; k < COT_PVOICE_N; k++)
        printf("voice_%s\tmean %.4f\tsd %.4f per 1000 tokens\n", cot_pvoice_names[k],
               in.voice_mean[k], in.voice_sd[k]);
    cot_profile_close(p);
    return cot_flush_stdout();
}

/* ---- score -------------------------------------------------------------- */

/* Records are scored on the -@ N worker pool (lib/workers.h): workers
 * parse, score and print; this thread reads, rejects, counts and writes in
 * input order, so the output is the same for every N. */

typedef struct {               /* read by every worker, written by none */
    cot_profile_t *const *prof;   /* -p: each record is scored against the */
    int nprof;                    /* first whose reference leaves it out   */
    const cot_profile_shift_opts_t *so;
    const char *spans;
    /* the members a record's parse builds (json.h): what the scorer reads
     * and "shift", which it sets; NULL (nkeys 0) builds them all */
    const char *const *keys;
    size_t nkeys;
} sconf_t;

typedef struct {               /* one worker's own */
    const sconf_t *cf;
    cot_profile_work_t w[MAX_PROFILES];   /* one per profile: its caches */
    cot_jsonl_parser_t parser;
    cot_buf_t val;             /* the shift object's text */
} sctx_t;

enum { SI_BAD_LINE, SI_REJECT, SI_SCORED };

typedef struct {
    cJSON *rec;                /* kept when printing failed: emitted here */
    cot_raw_t raw;             /* the line, where, why it is rejected     */
    cot_buf_t out;
    int state, off, printed, inref, trained;
} sitem_t;

/* What score_done() keeps: the run, and the records in the reference */
typedef struct {
    cot_run_t *run;
    unsigned long long scored, inref;
    cot_buf_t file;            /* where the first in the reference is   */
    unsigned long line;
} sdone_t;

static void sitem_reject(sitem_t *it, const char *kind, const char *why)
{
    it->state = SI_REJECT;
    cot_raw_reject(&it->raw, kind, why);
}

static void score_work(void *c, void *p)
{
    sctx_t *x = c;
    sitem_t *it = p;
    const sconf_t *cf = x->cf;
    it->printed = it->off = it->inref = it->trained = 0;
    cot_line_t l = {.file = it->raw.file.s, .line = it->raw.line, .len = it->raw.text.len};
    cot_json_members_t *m = &x->parser.members;
    m->keys = cf->keys;
    m->nkeys = cf->nkeys;
    if (cot_jsonl_parse(&x->parser, &l, it->raw.text.s, it->raw.unterminated)) {
        it->state = SI_BAD_LINE;
        cot_raw_reject(&it->raw, l.kind, l.reason);
        return;
    }
    it->rec = cot_jsonl_parser_take(&x->parser);
    if (m->skipped && !m->canonical && !m->spaced) {
        /* A line that cannot be spliced is printed from its tree, which
         * must be whole then: the fast parser took the line, so it takes
         * it again (cot_jsonl_parse() would warn twice of a missing
         * newline). */
        cJSON_Delete(it->rec);
        if (!(it->rec = cot_json_parse_fast(it->raw.text.s, it->raw.text.len,
                                            &x->parser.scratch)))
            cot_die(COT_EXIT_IO, "%s:%lu: internal error: the line parsed once "
                    "does not parse again", it->raw.file.s, it->raw.line);
        m->skipped = 0;
    }
    cot_record_view_t v;
    const char *why = cot_record_view(it->rec, COT_NEED_COT, &v);
    if (why) { sitem_reject(it, cot_record_kind(why, "no-cot"), why); return; }
    /* The member it sets: replacing the first of two would pass the stale
     * second on to a reader that takes the last. */
    static const char *const sets[] = {"shift"};
    if (cot_record_twice(it->rec, sets, 1)) {
        sitem_reject(it, "field-twice", cot_record_field_error("shift", 2));
        return;
    }
    const char *paths[2] = {cf->spans, "logprob_stats.cot.curvature"};
    if ((why = cot_record_paths_twice(it->rec, paths, 2))) {
        sitem_reject(it, "field-twice", why);
        return;
    }
    /* the profile: the first whose reference leaves the record out */
    int k = 0;
    if (cf->nprof > 1) {
        uint64_t h = cot_profile_fold_key(v.prompt, v.prompt_len, v.id, v.cot, v.cot_len);
        k = cot_profile_pick(cf->prof, cf->nprof, h, v.cot, v.cot_len, x->w);
    }
    cot_profile_work_t *w = &x->w[k];
    const cot_profile_t *prof = cf->prof[k];
    long nsp = -1;
    const cJSON *spv = cot_record_get(it->rec, cf->spans);
    if (spv && (nsp = cot_profile_spans_json(spv, v.cot_len, w)) < 0) {
        cot_buf_clear(&it->raw.why);
        cot_buf_printf(&it->raw.why, "%s: expected an array of [start,end] byte spans "
                       "within the cot", cf->spans);
        it->state = SI_REJECT;
        it->raw.kind = "bad-spans";
        return;
    }
    /* logprob_stats from `cot-profile logprobs`, when present */
    const cJSON *cv = cot_record_get(it->rec, "logprob_stats.cot.curvature");
    const double curv = cJSON_IsNumber(cv) ? cv->valuedouble : NAN;
    it->state = SI_SCORED;
    cot_buf_clear(&it->out);
    if (m->canonical || m->spaced) {
        /* the line's own bytes with "shift" set, as cot_record_set() and
         * cot_json_print() would have it, without the shift's tree */
        cot_buf_clear(&x->val);
        cot_profile_shift_print(&x->val, prof, v.cot, v.cot_len, nsp, cf->so, w,
                                &it->off, cJSON_IsNumber(cv) ? &curv : NULL);
        cot_json_set_t set = {"shift", x->val.s, x->val.len};
        if (cot_json_splice(&it->out, it->raw.text.s, it->raw.text.len, m, &set, 1) < 0)
            cot_die(COT_EXIT_IO, "%s:%lu: internal error: a canonical line does not "
                    "splice", it->raw.file.s, it->raw.line);
    } else {
        cJSON *sh = cot_profile_shift_json(prof, v.cot, v.cot_len, nsp, cf->so, w,
                                           &it->off);
        if (cJSON_IsNumber(cv)) cot_profile_add_logprob(sh, curv);
        cot_record_set(it->rec, "shift", sh);
        if (cot_json_print(&it->out, it->rec) < 0) return;   /* cot_run_emit says why */
    }
    it->printed = 1;
    it->inref = w->in_reference == 1;
    it->trained = w->trained == 1;
    cJSON_Delete(it->rec);     /* freed by the thread that made it */
    it->rec = NULL;
}

static int score_done(void *arg, void *p)
{
    sdone_t *sd = arg;
    cot_run_t *run = sd->run;
    sitem_t *it = p;
    cot_line_t l = {it->raw.file.s, it->raw.line, it->raw.text.s ? it->raw.text.s : "", it->raw.text.len,
                    NULL, it->raw.why.s, it->raw.kind};
    int stop;
    if (it->state != SI_SCORED)
        stop = cot_run_reject(run, &l, it->raw.kind, it->raw.why.s) < 0;
    else {
        if (it->off) cot_run_count(run, "off-policy", 1);
        if (it->trained) cot_run_count(run, "trained", 1);
        sd->scored++;
        if (it->inref) {
            cot_run_count(run, "in-reference", 1);
            if (!sd->inref++) {
                cot_buf_adds(&sd->file, it->raw.file.s);
                sd->line = it->raw.line;
            }
        }
        stop = (it->printed ? cot_run_emit_raw(run, it->out.s, it->out.len)
                            : cot_run_emit(run, it->rec)) < 0;
    }
    cJSON_Delete(it->rec);
    it->rec = NULL;
    if (stop) cot_run_stop_at(run, it->raw.lines, it->raw.blank);
    return stop;
}

static void sitem_free(void *p)
{
    sitem_t *it = p;
    cJSON_Delete(it->rec);
    cot_raw_free(&it->raw);
    cot_buf_free(&it->out);
}

static int cmd_score(opts_t *o, char **files, int nfiles)
{
    if (!o->profile) cot_usage_error("score: name the profile with -p FILE");
    cot_profile_t *profs[MAX_PROFILES] = {0};
    int np = o->nprofiles;
    for (int k = 0; k < np; k++)
        if (!(profs[k] = cot_profile_load(o->profiles[k]))) {
            int e = errno;
            while (k--) cot_profile_close(profs[k]);
            return e ? COT_EXIT_IO : COT_EXIT_DATA;
        }
    cot_buf_t why = {0}, names = {0};
    if (np > 1 && cot_profile_set_check(profs, np, o->profiles, &why)) {
        cot_err("score: %s", why.s);
        cot_buf_free(&why);
        for (int k = 0; k < np; k++) cot_profile_close(profs[k]);
        return COT_EXIT_DATA;
    }
    cot_buf_free(&why);
    cot_profile_set_names(o->profiles, np, &names);
    cot_profile_shift_opts_t so;
    cot_profile_shift_opts_init(&so);
    so.window = (size_t)o->window;
    so.fpr = o->fpr;
    so.per_token = o->per_token;
    so.units = 1;
    cot_run_t run;
    int st = cot_run_open(&run, &o->c, files, nfiles, 1);
    if (st) {
        for (int k = 0; k < np; k++) cot_profile_close(profs[k]);
        cot_buf_free(&names);
        return st;
    }
    for (int k = 0; k < np; k++) check_calibration(profs[k], o->fpr, &run, 1);
    /* Build only what is read: cot_record_view()'s fields (each checked
     * for duplicates), --spans' first key, logprob_stats and "shift". */
    const char *keys[8] = {"id", "prompt", "cot", "answer", "cot_state", "logprob_stats",
                           "shift"};
    size_t nkeys = 7;
    cot_buf_t head = {0};
    int whole = 0;
    if (o->spans) {
        if (cot_record_path_head(o->spans, &head) < 0) whole = 1;
        else keys[nkeys++] = cot_buf_cstr(&head);
    }
    sconf_t cf = {.prof = profs, .nprof = np, .so = &so, .spans = o->spans,
                  .keys = whole ? NULL : keys, .nkeys = whole ? 0 : nkeys};
    sdone_t sd = {.run = &run};
    int nthreads = o->c.threads, nctx = nthreads ? nthreads : 1;
    sctx_t *ctxs = cot_calloc((size_t)nctx, sizeof *ctxs);
    void **ctxp = cot_calloc((size_t)nctx, sizeof *ctxp);
    for (int i = 0; i < nctx; i++) { ctxs[i].cf = &cf; ctxp[i] = &ctxs[i]; }
    cot_workers_opt_t wo = {.threads = nthreads, .ctx = ctxp, .item_size = sizeof(sitem_t),
                            .adapt = o->c.threads_auto,
                            .work = score_work, .done = score_done, .done_arg = &sd,
                            .item_free = sitem_free};
    cot_workers_t *pool = cot_workers_new(&wo);
    cot_run_set_idle(&run, cot_workers_idle, pool);   /* input pauses: deliver */
    int read_status = 0;
    for (;;) {
        sitem_t *it = cot_workers_next(pool);
        size_t len;
        int r = cot_run_read_item(&run, &it->raw, &len);
        if (r == -2) {         /* a damaged input counts after the records */
            read_status = run.status;   /* read before it               */
            run.status = COT_EXIT_OK;
        }
        if (r < 0) break;
        if (r == 1) it->state = SI_BAD_LINE;  /* a bad line: rejected in its place */
        if (cot_workers_submit(pool, len, r == 0) < 0) break;
    }
    if (cot_workers_finish(pool) == 0 && read_status) run.status = read_status;
    cot_run_set_idle(&run, NULL, NULL);
    cot_workers_free(pool);
    /* The records are whole (their nulls say what is not known), so they
     * are kept, as a gate's are; the status says the run failed. */
    if (sd.inref)
        cot_profile_in_reference_error(cot_buf_cstr(&names), sd.inref, sd.scored,
                                       cot_buf_cstr(&sd.file), sd.line);
    cot_buf_free(&sd.file);
    cot_buf_free(&names);
    for (int i = 0; i < nctx; i++) {
        for (int k = 0; k < MAX_PROFILES; k++) cot_profile_work_free(&ctxs[i].w[k]);
        cot_jsonl_parser_free(&ctxs[i].parser);
        cot_buf_free(&ctxs[i].val);
    }
    free(ctxs);
    free(ctxp);
    cot_buf_free(&head);
    for (int k = 0; k < np; k++) cot_profile_close(profs[k]);
    st = cot_run_finish(&run);
    return st == COT_EXIT_OK && sd.inref ? COT_EXIT_DATA : st;
}

/* ---- mix ---------------------------------------------------------------- */

/* Why rec is bad data for mix: its p-value's path goes through a member
 * given twice (which copy counts?), or it gives "shift", where the
 * posterior goes, or shift.posterior or (views: --views) shift.mix, which
 * mix replaces, twice (the stale second would survive); else NULL. */
static const char *mix_twice(const cJSON *rec, const char *field, const char *by, int views)
{
    static const char *const sets[] = {"shift"};
    static const char *const mine[] = {"posterior", "mix"};
    if (cot_record_twice(rec, sets, 1)) return cot_record_field_error("shift", 2);
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(rec, "shift");
    const char *k = cJSON_IsObject(sh) ? cot_record_twice(sh, mine, views ? 2 : 1) : NULL;
    if (k) return cot_record_field_error(strcmp(k, "mix") ? "shift.posterior" : "shift.mix", 2);
    const char *paths[] = {field, by};
    return cot_record_paths_twice(rec, paths, by ? 2 : 1);
}

/* The estimate of m on stderr: of the whole set (group NULL) or of one
 * --by group. */
static void mix_say(const cot_profile_mix_t *m, const char *field, const char *group,
                    uint64_t ncal, const char *profile)
{
    cot_buf_t g = {0};
    if (group) cot_buf_printf(&g, " in %s", group);
    if (m->known)       /* the records with a p-value, then how many of them */
        cot_buf_printf(&g, " (%zu of them trained on by the profile: untouched, "
                       "not fitted)", m->known);
    const size_t all = m->n + m->known;
    if (!all)
        fprintf(stderr, "%s: mix: no record%s has a p-value at %s (score them first); "
                "every posterior is null\n", cot_prog, group ? g.s : "", field);
    else if (ncal)
        fprintf(stderr, "%s: mix: %zu records%s with %s; estimated rewritten fraction "
                "%.4f (95%% CI %.4f-%.4f, with the error of the %llu held-out records "
                "of %s; Storey lambda %.2f)\n", cot_prog, all, g.len ? g.s : "", field,
                m->rewritten, m->lo, m->hi, (unsigned long long)ncal, profile, m->lambda);
    else
        fprintf(stderr, "%s: mix: %zu records%s with %s; estimated rewritten fraction "
                "%.4f (95%% CI %.4f-%.4f, this set's sampling only: give -p MODEL.prof "
                "to count the calibration's error too; Storey lambda %.2f)\n", cot_prog,
                all, g.len ? g.s : "", field, m->rewritten, m->lo, m->hi, m->lambda);
    cot_buf_free(&g);
}

/* The views' mixture on stderr. */
static void mix_views_say(const cot_profile_vmix_t *m, size_t beyond, double fpr,
                          const cot_profile_thr_t *t, const char *const *profiles)
{
    if (!m->n && !beyond) {
        fprintf(stderr, "%s: mix: views: no record has the features of the combined "
                "score (score them first); every shift.mix is null\n", cot_prog);
        return;
    }
    cot_buf_t thr = {0};
    for (int k = 0; k < m->np; k++) {
        cot_buf_printf(&thr, "%s%llu held-out records of %s: ", k ? "; " : "",
                       (unsigned long long)m->own[k].nh, profiles[k]);
        if (t[k].resolved)
            cot_buf_printf(&thr, "%.4f, above %llu of them", t[k].t,
                           (unsigned long long)t[k].above);
        else
            cot_buf_printf(&thr, "none: they resolve no rate below %.4f, so the flags "
                           "are null", t[k].min_fpr);
    }
    cot_buf_t fit = {0};
    if (m->seen > m->n)
        cot_buf_printf(&fit, " (every %zu%s of %zu: at most %d are fitted)", m->stride,
                       m->stride == 2 ? "nd" : "th", m->seen, COT_VMIX_FIT);
    fprintf(stderr, "%s: mix: views: %zu records fitted%s on %d features, %zu more "
            "beyond every own sample; off-policy weight %.4f (the fit's, without an "
            "interval; it overstates the fraction where rewrites and own records "
            "overlap: the estimated rewritten fraction is the one to go by); EM %s "
            "after %u rounds; the --fpr %g threshold of shift.mix.score, from %s\n",
            cot_prog, m->n, fit.len ? fit.s : "", m->d, beyond, m->n ? m->weight : 0.0,
            m->converged ? "converged" : "stopped", m->iters, fpr, thr.s);
    cot_buf_free(&fit);
    cot_buf_free(&thr);
}

/* A record's shift.mix, r and z[] as cot_profile_vmix_record() gave them
 * (scored by profile k): {score, p, off_policy, threshold, fpr,
 * posterior}, or null when it lacks a feature. */
static cJSON *mix_views_json(const cot_profile_vmix_t *m, int r, const double *z, int k,
                             int trained, double fpr, const cot_profile_thr_t *t)
{
    if (r < 1) return cJSON_CreateNull();
    double sc = r == 2 ? INFINITY : cot_profile_vmix_score(m, z, k);
    double post = trained ? 0 : r == 2 ? 1 : cot_profile_vmix_posterior(m, z, k);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "score", isinf(sc) ? DBL_MAX : round(sc * 1e4) / 1e4);
    double p = cot_profile_vmix_p(m, sc, k);
    cJSON_AddNumberToObject(o, "p", p < 1e-4 ? p : round(p * 1e4) / 1e4);
    if (t->resolved) {
        cJSON_AddBoolToObject(o, "off_policy", sc > t->t);
        cJSON_AddNumberToObject(o, "threshold", isinf(t->t) ? DBL_MAX : round(t->t * 1e4) / 1e4);
    } else {
        cJSON_AddNullToObject(o, "off_policy");
        cJSON_AddNullToObject(o, "threshold");
    }
    cJSON_AddNumberToObject(o, "fpr", fpr);
    cJSON_AddNumberToObject(o, "posterior", round(post * 1e4) / 1e4);
    return o;
}

static int cmd_mix(opts_t *o, char **files, int nfiles)
{
    const char *field = o->field ? o->field : "shift.score_p";
    if (o->nprofiles > 1 && !o->views)
        cot_usage_error("mix: give one -p (profiles scored as one set share their "
                        "held-out records), or several with --views");
    if (!nfiles) cot_usage_error("mix: give the scored files (it reads them twice)");
    for (int i = 0; i < nfiles; i++)
        if (!strcmp(files[i], "-"))
            cot_usage_error("mix: reads its input twice, so not from stdin; give files");
    cot_common_check_level(&o->c, 1);   /* before the first pass, not after it */
    /* The held-out records the p-values rest on: their own error goes into
     * the interval (cot_profile_mix_fit()). */
    uint64_t ncal = 0;
    if (o->views && !o->profile)
        cot_usage_error("mix: --views needs -p, the profile the records were scored "
                        "with (its held-out records are the own component)");
    cot_profile_t *vprof[MAX_PROFILES] = {0};   /* --views: open to the end */
    int vnp = 0;
    cot_profile_vmix_t vm;
    memset(&vm, 0, sizeof vm);
    for (int k = 0; k < o->nprofiles; k++) {
        cot_profile_t *prof = cot_profile_load(o->profiles[k]);
        int e = errno;
        cot_profile_info_t in;
        if (prof) cot_profile_info(prof, &in);
        if (prof && !in.ncal)
            cot_err("%s: holds no calibration, so no p-value was scored against it; "
                    "rebuild it with --holdout above 0", o->profiles[k]);
        if (!prof || !in.ncal) {
            cot_profile_close(prof);
            for (int j = 0; j < vnp; j++) cot_profile_close(vprof[j]);
            return !prof && e ? COT_EXIT_IO : COT_EXIT_DATA;
        }
        if (!k) ncal = in.ncal;
        if (o->views) vprof[vnp++] = prof;
        else cot_profile_close(prof);
    }
    const char *why;
    int which;
    if (vnp && cot_profile_vmix_init(&vm, vprof, vnp, &why, &which) < 0) {
        cot_err("%s: mix --views: the profile %s", o->profiles[which], why);
        for (int j = 0; j < vnp; j++) cot_profile_close(vprof[j]);
        return COT_EXIT_DATA;
    }
    size_t vbeyond = 0;                /* --views: records beyond every own one */
    /* pass 1: the p-values (and with --by each one's group, keyed as
     * cot-stat keys them); bad lines are left to pass 2 */
    cot_jsonl_reader_t *rd = cot_jsonl_open(files, nfiles);
    double *pv = NULL;
    uint32_t *gi = NULL;
    unsigned char *kn = NULL;  /* trained on by the profile: untouched */
    size_t n = 0, cap = 0, present = 0, nknown = 0;
    unsigned long long inref = 0;
    cot_buf_t inref_file = {0};
    unsigned long inref_line = 0;
    cot_smap_t groups = {0};
    cot_buf_t key = {0};
    cot_line_t l;
    int r;
    while ((r = cot_jsonl_next(rd, &l)) != -1) {
        if (r <= -2) {
            cot_jsonl_close(rd); free(pv); free(gi); free(kn); cot_smap_free(&groups);
            cot_buf_free(&key); cot_profile_vmix_free(&vm);
            for (int j = 0; j < vnp; j++) cot_profile_close(vprof[j]);
            return r == -3 ? COT_EXIT_IO : COT_EXIT_DATA;
        }
        if (r || mix_twice(l.json, field, o->by, o->views)) continue;   /* rejected in pass 2 */
        if (cJSON_IsTrue(cot_record_get(l.json, "shift.in_reference")) && !inref++) {
            cot_buf_adds(&inref_file, l.file);
            inref_line = l.line;
        }
        if (vnp && !cJSON_IsTrue(cot_record_get(l.json, "shift.trained"))) {
            double z[COT_PROFILE_COMB_MAX];
            int pk, k = cot_profile_vmix_record(&vm, cot_record_get(l.json, "shift"), z, &pk);
            if (k == 1) cot_profile_vmix_add(&vm, z, pk);
            vbeyond += k == 2;
        }
        const cJSON *v = cot_record_get(l.json, field);
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1)) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            pv = cot_realloc(pv, cap * sizeof *pv);
            kn = cot_realloc(kn, cap);
            if (o->by) gi = cot_realloc(gi, cap * sizeof *gi);
        }
        kn[n] = cJSON_IsTrue(cot_record_get(l.json, "shift.trained"));
        nknown += kn[n];
        if (o->by) {
            cot_buf_clear(&key);
            int k = cot_stats_key(cot_record_get(l.json, o->by), &key);
            if (k == -1) cot_buf_adds(&key, COT_KEY_MISSING);
            else if (k == -2) cot_buf_adds(&key, COT_KEY_BADTYPE);
            else present++;
            gi[n] = (uint32_t)cot_smap_intern(&groups, key.s, key.len, NULL);
        }
        pv[n++] = v->valuedouble;
    }
    cot_jsonl_close(rd);
    if (o->by && n && !present) {
        cot_err("mix: --by %s: none of the %zu records with a p-value has it", o->by, n);
        free(pv); free(gi); free(kn); cot_smap_free(&groups); cot_buf_free(&key);
        cot_profile_vmix_free(&vm);
        for (int j = 0; j < vnp; j++) cot_profile_close(vprof[j]);
        return COT_EXIT_DATA;
    }
    cot_profile_thr_t vthr[MAX_PROFILES];
    memset(vthr, 0, sizeof vthr);
    if (vnp) {
        cot_profile_vmix_fit(&vm, vprof);
        for (int j = 0; j < vnp; j++) {
            cot_profile_vmix_threshold(&vm, o->fpr, j, &vthr[j]);
            if ((vm.n || vbeyond) && vthr[j].resolved && !cot_profile_thr_enough(&vthr[j], o->fpr))
                cot_warn("mix --views: the --fpr %g threshold of shift.mix.score rests on "
                         "the %llu held-out records of %s, fewer than %.0f (10/fpr), so "
                         "the rate it holds is uncertain (%llu of them above it); raise "
                         "--holdout or give more own samples", o->fpr,
                         (unsigned long long)vthr[j].n, o->profiles[j],
                         ceil(COT_PROFILE_UNITS_PER_FPR / o->fpr - 1e-9),
                         (unsigned long long)vthr[j].above);
        }
        if (cot_verbose >= 1) mix_views_say(&vm, vbeyond, o->fpr, vthr, o->profiles);
        if (vm.n && !vm.converged)      /* the flags hold their rate; the fit may be poor */
            cot_warn("mix --views: EM did not settle in %u rounds; shift.mix.off_policy "
                     "still holds --fpr, but the score and the posterior are of an unsettled "
                     "fit", vm.max_iters);
    }
    /* The fit is of the records the profile was not trained on (a trained
     * record's p-value is not uniform: it scores closer to the model than
     * a fresh own sample, and Storey's pi0 would count it twice); the
     * trained ones are untouched, and the fraction is of all. */
    cot_profile_mix_t m;
    double *fp = cot_malloc((n ? n : 1) * sizeof *fp);
    size_t nf = 0;
    for (size_t i = 0; i < n; i++)
        if (!kn[i]) fp[nf++] = pv[i];
    cot_profile_mix_fit(fp, nf, ncal, &m);
    cot_profile_mix_known(&m, nknown);
    free(fp);
    if (cot_verbose >= 1) mix_say(&m, field, NULL, ncal, o->profile);
    /* A record scored in its profile's reference has no p-value: the
     * fraction above is then of the others only, not of the set. */
    if (inref)
        cot_err("mix: %llu records were scored against a profile whose reference "
                "holds them (shift.in_reference; the first at %s:%lu), so they have "
                "no p-value and the fraction is not the set's; score them against a "
                "profile whose reference leaves them out (cot-profile(1), VIEWS)",
                inref, cot_buf_cstr(&inref_file), inref_line);
    cot_buf_free(&inref_file);
    /* each group's own fit (its posteriors stay the whole set's): the
     * p-values laid out group by group (a counting sort, linear in n) */
    double *gp = NULL;
    size_t *at = NULL;
    if (o->by && n && cot_verbose >= 1) {
        gp = cot_malloc(n * sizeof *gp);
        at = cot_calloc(groups.n + 1, sizeof *at);
        for (size_t i = 0; i < n; i++) at[gi[i] + 1]++;
        for (size_t g = 0; g < groups.n; g++) at[g + 1] += at[g];
        size_t *fill = cot_malloc((groups.n + 1) * sizeof *fill);
        memcpy(fill, at, (groups.n + 1) * sizeof *fill);
        /* each group's fitted p-values first, its trained records (NAN)
         * after them */
        for (size_t i = 0; i < n; i++)
            if (!kn[i]) gp[fill[gi[i]]++] = pv[i];
        for (size_t i = 0; i < n; i++)
            if (kn[i]) gp[fill[gi[i]]++] = NAN;
        free(fill);
    }
    for (size_t g = 0; gp && g < groups.n; g++) {
        cot_profile_mix_t mg;
        size_t gn = at[g + 1] - at[g], gf = 0;
        while (gf < gn && !isnan(gp[at[g] + gf])) gf++;
        cot_profile_mix_fit(gp + at[g], gf, ncal, &mg);
        cot_profile_mix_known(&mg, gn - gf);
        cot_buf_t label = {0}, shown = {0};
        cot_stats_key_show(groups.keys[g], &shown);
        cot_buf_printf(&label, "%s = %s", o->by, shown.s);
        mix_say(&mg, field, label.s, ncal, o->profile);
        cot_buf_free(&label);
        cot_buf_free(&shown);
    }
    free(gp);
    free(at);
    free(pv);
    free(gi);
    free(kn);
    cot_smap_free(&groups);
    cot_buf_free(&key);
    /* pass 2: each record with its posterior */
    cot_run_t run;
    int st = cot_run_open(&run, &o->c, files, nfiles, 1);
    if (st) {
        cot_profile_vmix_free(&vm);
        for (int j = 0; j < vnp; j++) cot_profile_close(vprof[j]);
        return st;
    }
    while (cot_run_next(&run, &l) == 0) {
        const char *why = mix_twice(l.json, field, o->by, o->views);
        if (why) {
            if (cot_run_reject(&run, &l, "field-twice", why) < 0) break;
            continue;
        }
        double vz[COT_PROFILE_COMB_MAX];
        int vk = 0, vr = 0;
        if (o->views) {
            vr = cot_profile_vmix_record(&vm, cot_record_get(l.json, "shift"), vz, &vk);
            if (vr < 0) {
                cot_buf_t m = {0};
                const cJSON *pk = cot_record_get(l.json, "shift.profile");
                char *v = pk ? cJSON_PrintUnformatted(pk) : NULL;
                if (vr == -1)
                    cot_buf_printf(&m, "shift.profile is %s, but mix --views was given "
                                   "%d profile%s: give mix the profiles score was given, "
                                   "in its order", v ? v : "missing", o->nprofiles,
                                   o->nprofiles > 1 ? "s" : "");
                else
                    cot_buf_printf(&m, "its shift.threshold or z-scores are not those %s "
                                   "gives, so the record was scored with another "
                                   "profile: give mix --views the profiles score was "
                                   "given, in its order", o->profiles[vk]);
                free(v);
                int rr = cot_run_reject(&run, &l, "bad-profile", m.s);
                cot_buf_free(&m);
                if (rr < 0) break;
                continue;
            }
        }
        const cJSON *v = cot_record_get(l.json, field);
        double p = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= 1
                 ? v->valuedouble : NAN;
        int trained = cJSON_IsTrue(cot_record_get(l.json, "shift.trained"));
        double post = trained && !isnan(p) ? 0 : cot_profile_mix_posterior(&m, p);
        cJSON *sh = cJSON_GetObjectItemCaseSensitive(l.json, "shift");
        if (!cJSON_IsObject(sh)) {
            sh = cJSON_CreateObject();
            cot_record_set(l.json, "shift", sh);
        }
        cJSON_DeleteItemFromObjectCaseSensitive(sh, "posterior");
        if (isnan(post)) { cJSON_AddNullToObject(sh, "posterior"); cot_run_count(&run, "no-score", 1); }
        else cJSON_AddNumberToObject(sh, "posterior", round(post * 1e4) / 1e4);
        if (o->views) {
            cJSON_DeleteItemFromObjectCaseSensitive(sh, "mix");
            cJSON *mx = mix_views_json(&vm, vr, vz, vk, trained, o->fpr, &vthr[vk]);
            if (cJSON_IsNull(mx)) cot_run_count(&run, "no-views", 1);
            cJSON_AddItemToObject(sh, "mix", mx);
        }
        if (cot_run_emit(&run, l.json) < 0) break;
    }
    st = cot_run_finish(&run);
    cot_profile_vmix_free(&vm);
    for (int j = 0; j < vnp; j++) cot_profile_close(vprof[j]);
    return st == COT_EXIT_OK && inref ? COT_EXIT_DATA : st;
}

/* ---- logprobs ----------------------------------------------------------- */

static int cmd_logprobs(opts_t *o, char **files, int nfiles)
{
    cot_run_t run;
    int st = cot_run_open(&run, &o->c, files, nfiles, 1);
    if (st) return st;
    const char *ids_path = o->token_ids ? o->token_ids : "prompt_token_ids";
    cot_line_t l;
    while (cot_run_next(&run, &l) == 0) {
        const char *why;
        cJSON *out = cot_lp_record_json(l.json, o->logprobs, ids_path, o->base, &why);
        if (!out && why) {
            cot_buf_t m = {0};
            cot_buf_printf(&m, "%s: %s", o->logprobs, why);
            int r = cot_run_reject(&run, &l, "bad-logprobs", m.s);
            cot_buf_free(&m);
            if (r < 0) break;
            continue;
        }
        if (!out) {
            cot_run_count(&run, "no-logprobs", 1);
            out = cJSON_CreateNull();
        }
        cot_record_set(l.json, "logprob_stats", out);
        if (cot_run_emit(&run, l.json) < 0) break;
    }
    return cot_run_finish(&run);
}

int main(int argc, char **argv)
{
    opts_t o;
    memset(&o, 0, sizeof o);
    cot_common_init(&o.c, "cot-profile", usage);
    cot_profile_opts_init(&o.po);
    o.holdout = DEF_HOLDOUT;
    o.fpr = DEF_FPR;
    o.window = DEF_WINDOW;
    o.spans = DEF_SPANS;
    o.logprobs = DEF_LOGPROBS;
    if (argc < 2) cot_usage_error("missing command: build, score, info, mix or logprobs");
    const char *cmd = argv[1];
    if (cmd[0] == '-') {               /* --help, --version, or a mistake */
        parse_opts(&o, argc, argv);
        cot_usage_error("missing command: build, score, info, mix or logprobs");
    }
    int first = parse_opts(&o, argc - 1, argv + 1) + 1;
    char **files = argv + first;
    int nfiles = argc - first;
    check_given(cmd, o.given);
    if (!strcmp(cmd, "build")) return cmd_build(&o, files, nfiles);
    if (!strcmp(cmd, "score")) return cmd_score(&o, files, nfiles);
    if (!strcmp(cmd, "info")) return cmd_info(&o, files, nfiles);
    if (!strcmp(cmd, "logprobs")) return cmd_logprobs(&o, files, nfiles);
    if (!strcmp(cmd, "mix")) return cmd_mix(&o, files, nfiles);
    cot_usage_error("unknown command '%s': use build, score, info, mix or logprobs", cmd);
}
