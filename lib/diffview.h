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

/* A number node for d that needs no printf to be written: a fraction with
 * at most four decimals in (0,1) (a similarity) carries the text cJSON
 * would print; an integer is a plain number, which cot_json_print writes
 * without printf; so is anything else.  Never NULL. */
cJSON *cot_diffview_number(double d);

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

/* One compared record of cot-diff: a (the original) against b (the SFT
 * record).  Without a source (COT_DV_NOSOURCE, COT_DV_NOKEY) only
 * status and the b side are set. */
typedef struct {
    int status, edit;                   /* COT_DV_*                         */
    size_t candidates;                  /* originals under the key          */
    const char *source_id;              /* the original's id                */
    size_t source_id_len;
    const char *a_cot, *a_answer, *b_cot, *b_answer;
    size_t a_cot_len, a_answer_len, b_cot_len, b_answer_len;
} cot_diffview_rec_t;

/* The "diff" object of r: status, edit, source_id, candidates, and the cot
 * and answer parts.  cot is the diff of a_cot -> b_cot, its hunks still in
 * df; the answer is diffed in df afterwards. */
cJSON *cot_diffview_json(cot_differ_t *df, const cot_diffview_rec_t *r,
                         const cot_diff_t *cot, int hunk_text);

/* cot_diffview_json() written straight into out, byte for byte what
 * cot_json_print() writes for that tree (so it can be spliced, json.h),
 * with the members of the object extra (NULL: none) appended as
 * cot_json_print() writes them: no tree is built.  cot's hunks still in
 * df; the answer is diffed in df afterwards.  Returns 0, or -1 when a
 * member of extra cannot be printed (as cot_json_print()). */
int cot_diffview_write(cot_buf_t *out, cot_differ_t *df, const cot_diffview_rec_t *r,
                       const cot_diff_t *cot, int hunk_text, const cJSON *extra);

/* The same for one part (cot_diffview_part()) and for one number
 * (cot_json_print() of cot_diffview_number(d)). */
void cot_diffview_part_write(cot_buf_t *out, const cot_diff_t *r, const char *a,
                             const char *b, int hunk_text);
void cot_diffview_number_write(cot_buf_t *out, double d);

/* The text view of r, appended to out: nothing when unchanged; a header
 * "=== NAME vs SOURCE: STATUS, EDIT, cot similarity S" (cot gives S) and
 * "--- cot" / "--- answer" word diffs for the parts that changed (diffed
 * again in df), or "=== NAME: no-source" / "no-key". */
void cot_diffview_text(cot_buf_t *out, cot_differ_t *df,
                       const cot_diffview_rec_t *r, const cot_diff_t *cot,
                       const char *name, long context, int color);

/* --within: the "diff" object of fields fa -> fb of one record (status,
 * fields, and the part as "text"), and its text view ("=== NAME: FA vs FB:
 * STATUS, similarity S" and the word diff; nothing when unchanged). */
cJSON *cot_diffview_within_json(int status, const char *fa, const char *fb,
                                const cot_diff_t *r, const char *a,
                                const char *b, int hunk_text);
void cot_diffview_within_text(cot_buf_t *out, int status, const char *name,
                              const char *fa, const char *fb,
                              const cot_diff_t *r, const char *a, size_t alen,
                              const char *b, long context, int color);

#endif
