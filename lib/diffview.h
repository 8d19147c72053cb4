/* diffview.h -- what cot-diff makes of a token diff (diff.h): the edit and
 * status classes of a record, the JSON of one diffed part, and the word
 * diff of the text view.  See cot-diff(1) for the formats.
 */
#ifndef COT_DIFFVIEW_H
#define COT_DIFFVIEW_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include "diff.h"
#include "util.h"

/* Edits: which parts changed. */
enum { COT_DV_NONE, COT_DV_COT, COT_DV_ANSWER, COT_DV_BOTH, COT_DV_NEDIT };
/* Statuses of a record. */
enum { COT_DV_UNCHANGED, COT_DV_EDITED, COT_DV_REWRITTEN, COT_DV_NOSOURCE,
       COT_DV_NOKEY, COT_DV_NSTATUS };
/* Their names, as written in the diff object and taken by --only-edit and
 * --only-status ("cot-only", "no-source"...). */
extern const char *const cot_diffview_edit_names[COT_DV_NEDIT];
extern const char *const cot_diffview_status_names[COT_DV_NSTATUS];

/* The edit (COT_DV_NONE..BOTH) from whether the cot and the answer are
 * byte-identical on both sides. */
int cot_diffview_edit(int cot_same, int ans_same);

/* The status of a paired record: unchanged when nothing was edited,
 * rewritten when the cot changed and its similarity is under
 * rewrite_below, else edited. */
int cot_diffview_status(int edit, int cot_same, double similarity,
                        double rewrite_below);

/* A similarity as written: four decimals, and 1 only when same (texts that
 * differ only in whitespace have similarity 1 before rounding: 0.9999). */
double cot_diffview_sim(double s, int same);

/* The JSON of one diffed part a -> b: similarity, tokens_a, tokens_b,
 * inserted, deleted, hunks (byte offsets; with hunk_text also a_text and
 * b_text), and approx when set.  Never NULL. */
cJSON *cot_diffview_part(const cot_diff_t *r, const char *a, const char *b,
                         int hunk_text);

/* The word diff of a -> b ([-old-]{+new+}, in red and green with color),
 * appended to out: the lines that show a change and `context` unchanged
 * lines around each (-1: every line), with "~~~" where lines were left
 * out.  Hunks apart only by whitespace are shown as one. */
void cot_diffview_words(cot_buf_t *out, const char *a, size_t alen,
                        const char *b, const cot_diff_t *r, long context,
                        int color);

#endif
