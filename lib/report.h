/* report.h -- turn a cot_stat_t aggregate into figures (intervals, trend
 * tests, gate verdicts) and render them: an aligned table with sparklines,
 * one JSON document, a TSV table, or a self-contained SVG.
 *
 * Figures are computed once by cot_report_build(); every renderer reads the
 * same figures in the same order (groups sorted by key, values by count),
 * so the formats agree with each other and a merged run prints exactly what
 * a single pass prints.  Numbers are printed with fixed formats (%.6g in
 * JSON/TSV, fixed decimals in the table and SVG) so output is byte-stable.
 */
#ifndef COT_REPORT_H
#define COT_REPORT_H

#include "stats.h"
#include "util.h"

enum { COT_GATE_MAX_RATE, COT_GATE_MIN_RATE, COT_GATE_MAX_MEAN };
enum { COT_SCORES_AUTO, COT_SCORES_INDEX, COT_SCORES_VALUE };

typedef struct {
    int    kind;         /* COT_GATE_*                                    */
    char  *spec;         /* as given, e.g. "judge.verdict=rationalized:0.01" */
    char  *field;        /* FIELD                                         */
    char  *value;        /* VALUE (rate gates)                            */
    double limit;
} cot_gate_t;

/* Parse "FIELD=VALUE:LIMIT" (rate gates; LIMIT in [0,1]) or "FIELD:LIMIT"
 * (mean gates).  FIELD ends at the first '=', LIMIT starts after the last
 * ':'.  Returns NULL, or a message (static storage). */
const char *cot_gate_parse(cot_gate_t *g, int kind, const char *spec);
void cot_gate_free(cot_gate_t *g);

typedef struct {
    long   buckets;      /* 0: natural values                              */
    int    scores;       /* COT_SCORES_*: trend scores                     */
    double alpha;        /* rise flagged when z > 0 and two-sided p < alpha */
    int    fail_on_rise;
    cot_gate_t *gates;
    size_t ngates;
    /* Numeric fields left out of every rendering when no record has them
     * (the ones --shift adds: no logprob section without logprobs). */
    char *const *quiet;
    size_t nquiet;
} cot_report_opts_t;

typedef struct cot_report cot_report_t;

/* Compute every figure and evaluate the gates.  st and ro must outlive the
 * report. */
cot_report_t *cot_report_build(const cot_stat_t *st, const cot_report_opts_t *ro);
/* A rate gate (or a --for) on a value no record has passes (max-rate)
 * whether that is good news or a typo: where a value close to it was seen,
 * warn on stderr naming it, one that equals it as a number first ("did you
 * mean 1.0?" for 1). */
void cot_report_warn_values(const cot_report_t *r);
/* When gates were judged and lines were rejected (--skip-bad, --rejects),
 * warn on stderr that the gates saw only the records used: a gate passed
 * on 1 record of 10 lines must not look like one passed on 10. */
void cot_report_warn_rejected(const cot_report_t *r);
/* Number of failed gates (a rise counts when fail_on_rise is set). */
size_t cot_report_failures(const cot_report_t *r);
/* One line per failure on stderr, through cot_err(). */
void cot_report_print_failures(const cot_report_t *r);

void cot_report_table(const cot_report_t *r, cot_buf_t *b);
void cot_report_json(const cot_report_t *r, cot_buf_t *b);
void cot_report_tsv(const cot_report_t *r, cot_buf_t *b);
void cot_report_svg(const cot_report_t *r, cot_buf_t *b);
/* May an SVG be written to path?  1 when it does not exist, is empty, is
 * not a regular file or begins (after blanks) with '<', as SVG and XML do;
 * 0 for a file of other content (records: `--svg data.jsonl` with the SVG's
 * name forgotten would replace them). */
int  cot_report_svg_target_ok(const char *path);
void cot_report_free(cot_report_t *r);

#endif
