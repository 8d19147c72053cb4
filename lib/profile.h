/* profile.h -- a profile of a model's own CoT distribution: n-gram language
 * models with interpolated modified Kneser-Ney smoothing over two views of
 * the text (words, character classes; optionally the same two over a
 * reference corpus), a layout baseline, a combined score, a calibration of
 * per-record features on held-out own samples, and a baseline of voice
 * features.  One versioned (2), endian-safe binary file, memory-mapped.
 * What follows describes each model; the words view is the one that
 * cot_profile_surprisal() scores.  Memory: every view's tables count
 * towards max_mem.
 *
 * Tokens.  cot_profile_tokenize() cuts text into words (runs of ASCII
 * letters, '_' and any byte >= 0x80, so UTF-8 words stay whole), numbers
 * (digit runs, with '.' or ',' inside when a digit follows) and single ASCII
 * punctuation characters; whitespace separates.  ASCII letters are
 * lower-cased before hashing (non-ASCII bytes are kept as they are).  Each
 * token is identified by a 64-bit hash of its bytes; the model never stores
 * words.
 *
 * The model.  Order N in 3..5 (default 4).  A record is one sentence: its
 * tokens follow one <s>; there is no </s>.  Probabilities are interpolated
 * modified Kneser-Ney (Chen & Goodman 1998) with three discounts per order
 * estimated from counts-of-counts (D1, D2, D3+), adjusted counts as in
 * KenLM (raw counts for the highest order and for n-grams that start with
 * <s>, continuation counts otherwise).  Open vocabulary: the unigram level is
 * interpolated with a uniform distribution over V+1 words (V = distinct
 * words seen, +1 for <unk>), so a word never seen gets gamma0 / (V+1) and
 * every higher order backs off past it.
 *
 * Hashing.  N-grams are keyed by 64-bit hashes in open-addressing tables.
 * Two distinct n-grams of the same order collide with probability about
 * n^2 / 2^65 (n distinct n-grams): below 1e-2 for n = 6e8 -- a collision
 * merges two counts, it never fails.  No word strings are kept.
 *
 * Memory.  Building holds 48 bytes per distinct n-gram (all orders) at a
 * load factor of at most 0.7, so 48..96 bytes each, plus the held-out cot
 * text.  With a memory budget (cot_profile_opts_t.max_mem) the builder prunes
 * on line: when the tables would outgrow the budget, n-grams of order >= 2
 * seen fewer than T times are dropped and T grows by one per sweep (a lossy
 * count cut-off: an n-gram dropped early loses those early counts).  The
 * file holds 16 bytes per kept n-gram at load <= 0.7 (16..32 bytes).
 */
#ifndef COT_PROFILE_H
#define COT_PROFILE_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "util.h"

#define COT_PROFILE_VERSION   2
#define COT_PROFILE_MAX_ORDER 5

/* ---- tokens ------------------------------------------------------------ */

typedef struct {
    uint32_t start, end;      /* byte offsets in the text                   */
    uint64_t hash;            /* of the lower-cased bytes; never 0          */
} cot_ptok_t;

/* Cut p[0..n) into tokens, written to (*toks)[0..] (grown with
 * cot_realloc; *cap is its capacity).  Returns the number of tokens. */
size_t cot_profile_tokenize(const char *p, size_t n, cot_ptok_t **toks,
                            size_t *cap);

/* Views.  A profile holds up to four n-gram models over two tokenisations
 * of the same text: "words" (cot_profile_tokenize) and "chars", character
 * classes (cot_profile_tokenize_chars): a run of ASCII letters becomes its
 * case shape (lower, Capitalised, UPPER, miXed), a digit run its length
 * (1, 2, 3, 4+ digits), and every other byte -- punctuation, markup such as
 * "**", "<<", "$\\", list markers, non-ASCII bytes such as curly quotes,
 * newlines, tabs, runs of 2+ spaces -- is a token of its own; a single space
 * is folded into the next token (so "2+1" and "2 + 1" differ).  The
 * reference views, when built with a reference corpus, model that corpus
 * with the same tokenisations. */
enum { COT_PVIEW_WORDS, COT_PVIEW_CHARS, COT_PVIEW_REF_WORDS,
       COT_PVIEW_REF_CHARS, COT_PVIEW_N };
extern const char *const cot_pview_names[COT_PVIEW_N];
#define COT_PROFILE_CHARS_ORDER 5
size_t cot_profile_tokenize_chars(const char *p, size_t n, cot_ptok_t **toks,
                                  size_t *cap);

/* The scorer cuts both tokenisations and counts the layout in one pass
 * over the text; 0 when that pass gives exactly the word tokens, the chars
 * token hashes and the layout of the three functions here, else -1.  For
 * tests and fuzzers. */
int cot_profile_scan_check(const char *p, size_t n);

/* Layout: log(1 + mean line length in bytes), log(1 + lines), the
 * coefficient of variation of line lengths, and the fractions of non-space
 * bytes that are digits and ASCII punctuation (blank lines are not lines). */
enum { COT_PLAYOUT_N = 5 };
extern const char *const cot_playout_names[COT_PLAYOUT_N];
void cot_profile_layout(const char *p, size_t n, double f[COT_PLAYOUT_N]);

/* Per-record features, each calibrated on the held-out own samples:
 * words bits/token, words worst window, words peak (mean of the 8 highest
 * token surprisals), chars bits/token, chars peak, layout (root mean square
 * of the layout z-scores against the training records), and with a
 * reference the log-likelihood ratios (bits under the own view minus bits
 * under the reference view, per token) of words and chars; last the
 * combined score.  COT_PCAL_WBITS and COT_PCAL_WWIN are the `which` 0 and 1
 * of cot_profile_z/p/threshold. */
enum { COT_PCAL_WBITS, COT_PCAL_WWIN, COT_PCAL_WPEAK, COT_PCAL_CBITS,
       COT_PCAL_CPEAK, COT_PCAL_LAYOUT, COT_PCAL_WLLR, COT_PCAL_CLLR,
       COT_PCAL_SCORE, COT_PCAL_N };
extern const char *const cot_pcal_names[COT_PCAL_N];
#define COT_PROFILE_PEAK 8
#define COT_PROFILE_COMB_MAX 8
/* Calibration units (see cot_profile_unit_threshold()). */
enum { COT_PUNIT_RECORD, COT_PUNIT_WINDOW, COT_PUNIT_STEP, COT_PUNIT_N };
extern const char *const cot_punit_names[COT_PUNIT_N];  /* records, windows, steps */

/* ---- voice features ---------------------------------------------------- */

/* Planner voice: "the user wants", "we should", "the assistant should";
 * assistant voice: "i will", "i'll", "i think" -- occurrences per 1000
 * tokens of a record (matched on token hashes, so case-insensitive). */
enum { COT_PVOICE_PLANNER, COT_PVOICE_ASSISTANT, COT_PVOICE_N };
extern const char *const cot_pvoice_names[COT_PVOICE_N];
void cot_profile_voice(const cot_ptok_t *t, size_t n, double rate[COT_PVOICE_N]);

/* ---- building ---------------------------------------------------------- */

typedef struct {
    int order;                /* 3..5                               [4]     */
    unsigned min_count;       /* drop n-grams of order >= 2 seen fewer
                                 times (after counting)             [1]     */
    size_t max_mem;           /* table budget in bytes; 0 = none    [0]     */
    unsigned ref_fold, ref_folds;   /* the reference is fold ref_fold (1..)
                                 of ref_folds (2..COT_PROFILE_MAX_FOLDS) of
                                 the records given, by a hash of id
                                 (cot_profile_fold()); 0, 0: all    [0, 0]  */
} cot_profile_opts_t;
#define COT_PROFILE_MAX_FOLDS 16
/* The fold (1..folds) of a record whose id (or text) hashes to h
 * (cot_profile_hash_bytes()); independent of cot_profile_holdout_pick(). */
unsigned cot_profile_fold(uint64_t h, unsigned folds);

void cot_profile_opts_init(cot_profile_opts_t *o);

typedef struct cot_profile_builder cot_profile_builder_t;

cot_profile_builder_t *cot_profile_builder_new(const cot_profile_opts_t *o);
/* Count one training record's text. */
void cot_profile_builder_add(cot_profile_builder_t *b, const char *p, size_t n);
/* Count one reference record's text into the reference views (a generic
 * corpus, a rewriter-style corpus, or the SFT set itself) and keep its
 * fingerprint (cot_profile_fingerprint()), so that a scored record with the
 * same words is known to be in the reference.  A record with the words of a
 * held-out own record is left out (returns 1, else 0): the calibration
 * needs held-out records the reference has not seen.  Call after every
 * cot_profile_builder_holdout(). */
int cot_profile_builder_reference(cot_profile_builder_t *b, const char *p,
                                  size_t n);
/* The fingerprint of a text's word tokens (cot_profile_tokenize(), so case
 * and white space aside): two texts with the same words share it. */
uint64_t cot_profile_fingerprint(const cot_ptok_t *t, size_t n);
/* Keep one held-out record's text for the calibration (copied). */
void cot_profile_builder_holdout(cot_profile_builder_t *b, const char *p,
                                 size_t n);
/* Estimate the model, score the held-out records, and write the file
 * atomically (temporary file + rename).  Returns 0, or an exit status after
 * printing an error. */
int cot_profile_builder_write(cot_profile_builder_t *b, const char *path);
/* Statistics for -v: tokens counted, distinct n-grams per order, prune
 * sweeps, peak table bytes. */
typedef struct {
    uint64_t records, tokens, holdout, ref_records, ref_tokens;
    uint64_t ref_left_out;    /* reference records left out: held-out copies */
    uint64_t ngrams[COT_PROFILE_MAX_ORDER + 1];   /* [n], after pruning     */
    unsigned sweeps, cutoff;                       /* on-line pruning        */
    size_t peak_bytes;
} cot_profile_build_stats_t;
void cot_profile_builder_stats(const cot_profile_builder_t *b,
                               cot_profile_build_stats_t *s);
void cot_profile_builder_free(cot_profile_builder_t *b);

/* ---- loading ----------------------------------------------------------- */

typedef struct cot_profile cot_profile_t;

/* Map and validate a profile file: magic, version, sizes, section bounds and
 * the checksum.  Returns NULL after printing "PATH: reason" (a truncated,
 * corrupted or version-mismatched file is reported as such).  errno is 0
 * after a bad file, non-zero after an I/O error (exit 1 vs 3). */
cot_profile_t *cot_profile_load(const char *path);
/* The same over a memory image (not copied; must outlive the profile).
 * On failure returns NULL and sets *why (static text). */
cot_profile_t *cot_profile_open_mem(const void *p, size_t n, const char **why);
void cot_profile_close(cot_profile_t *p);
/* The checksum stored at byte 376 of an image of n bytes (read as zero
 * there); for tests and fuzzers that reseal a mutated image. */
uint64_t cot_profile_checksum(const void *p, size_t n);

typedef struct {
    uint32_t version, order, lowercase;
    uint64_t vocab, tokens, records, holdout;
    uint64_t entries[COT_PROFILE_MAX_ORDER + 1], slots[COT_PROFILE_MAX_ORDER + 1];
    double discount[COT_PROFILE_MAX_ORDER + 1][3];
    double gamma0;
    uint32_t min_count, cutoff;
    uint64_t file_size;
    /* calibration: per-record scores of held-out own samples */
    uint64_t ncal;
    uint64_t cal_rows;        /* their feature rows kept (mix --views); 0 in
                                 profiles built before them              */
    double cal_mean[2], cal_sd[2];       /* [0] bits/token, [1] worst window */
    uint32_t cal_window;
    /* voice baseline over the training records */
    uint64_t nvoice;
    double voice_mean[COT_PVOICE_N], voice_sd[COT_PVOICE_N];
    /* version 2: the views present (bit k = view k), per view its order,
     * vocabulary, tokens and n-grams per order */
    uint32_t views;
    struct {
        uint32_t order;
        uint64_t vocab, tokens, records;
        uint64_t entries[COT_PROFILE_MAX_ORDER + 1];
    } view[COT_PVIEW_N];
    /* mean and sd of every calibrated feature over the held-out records */
    double feat_mean[COT_PCAL_N], feat_sd[COT_PCAL_N];
    /* the layout baseline over the training records */
    double layout_mean[COT_PLAYOUT_N], layout_sd[COT_PLAYOUT_N];
    /* the combined score: its features (COT_PCAL_*) */
    uint32_t ncomb, comb[COT_PROFILE_COMB_MAX];
    /* the window and step calibration (absent in profiles built before it:
     * units 0): held-out units, disjoint ones, values kept, mean, sd */
    uint32_t units, unit_window;
    uint64_t unit_n[COT_PUNIT_N], unit_indep[COT_PUNIT_N], unit_kept[COT_PUNIT_N];
    double unit_mean[COT_PUNIT_N], unit_sd[COT_PUNIT_N];
    /* with a reference: whether the profile keeps its records'
     * fingerprints (profiles built before it do not), how many distinct
     * ones, and how many reference records were left out as copies of
     * held-out own records */
    int ref_kept;
    uint64_t ref_fingerprints, ref_left_out;
    uint32_t ref_fold, ref_folds;       /* 0, 0: the whole reference given */
    /* the training records' fingerprints (profiles built before them keep
     * none), distinct ones */
    int trained_kept;
    uint64_t trained_fingerprints;
} cot_profile_info_t;
void cot_profile_info(const cot_profile_t *p, cot_profile_info_t *info);

/* ---- scoring ----------------------------------------------------------- */

/* Surprisal in bits of every token of p[0..n) (the first predicted from <s>).
 * Fills *toks and *bits (grown with cot_realloc; caps in *tcap, *bcap) and
 * returns the token count. */
size_t cot_profile_surprisal(const cot_profile_t *prof, const char *p,
                             size_t n, cot_ptok_t **toks, size_t *tcap,
                             double **bits, size_t *bcap);

typedef struct {
    size_t tokens;
    double bits_per_token;             /* NAN when no tokens                */
    double worst_bits;                 /* mean bits of the worst window     */
    size_t worst_start, worst_end;     /* byte span of the worst window     */
    size_t worst_tok0, worst_tok1;     /* its token range                   */
} cot_profile_score_t;

/* Mean surprisal and the worst window of `window` tokens (the whole record
 * when shorter).  toks/bits as returned by cot_profile_surprisal(). */
void cot_profile_summarise(const cot_ptok_t *t, const double *bits, size_t n,
                           size_t window, cot_profile_score_t *s);

/* Calibration: z-score and the empirical upper-tail p-value
 * (1 + #{cal >= x}) / (ncal + 1) of score x; which = 0 for bits per token,
 * 1 for the worst window.  NAN when the profile has no calibration. */
double cot_profile_z(const cot_profile_t *p, int which, double x);
double cot_profile_p(const cot_profile_t *p, int which, double x);
/* The threshold at false-positive rate fpr: the smallest calibration score
 * t such that at most fpr of the calibration scores exceed t.  NAN when
 * there is no calibration. */
double cot_profile_threshold(const cot_profile_t *p, int which, double fpr);

/* All features of one record (NAN where undefined: no tokens, no
 * calibration, no reference); the combined score is f[COT_PCAL_SCORE].
 * Word tokens and surprisals are left in w (toks, bits; with a reference
 * also rbits); returns the word-token count. */
typedef struct cot_profile_work cot_profile_work_t;
size_t cot_profile_features(const cot_profile_t *p, const char *text, size_t n,
                            size_t window, cot_profile_work_t *w,
                            double f[COT_PCAL_N]);
/* The chars views' probabilities of text[0..n) through the scorer's cache
 * in w (warm from earlier calls, or cold) against the same without it: 0
 * when they are the same doubles, else -1.  For tests and fuzzers. */
int cot_profile_chars_check(const cot_profile_t *p, const char *text, size_t n,
                            cot_profile_work_t *w);
/* The words views' surprisals of text[0..n) and their n-gram keys as the
 * scorer computes them (keys by rows, the lookups unrolled per order)
 * against the plain token-by-token
 * recurrences: 0 when every key and every double is the same, else -1.
 * For tests and fuzzers. */
int cot_profile_words_check(const cot_profile_t *p, const char *text, size_t n,
                            cot_profile_work_t *w);
/* Its z-score against the held-out records, its p-value, the threshold at
 * fpr (the conformal rule of cot_profile_unit_threshold(); NAN when fpr is
 * below 1/(n + 1)), and how many held-out scores lie above that threshold
 * (the number the threshold rests on). */
double cot_profile_feat_z(const cot_profile_t *p, int feat, double x);
double cot_profile_feat_p(const cot_profile_t *p, int feat, double x);
double cot_profile_feat_threshold(const cot_profile_t *p, int feat, double fpr,
                                  uint64_t *above);

/* Calibration units.  A flag holds its false-positive rate over units of
 * one kind: records (shift.score), windows (every position of a window of
 * cal_window word tokens; a record shorter than that is one window) and
 * steps (the non-blank lines of a cot; a step list is joined with
 * newlines).  A window's or a step's value is the mean over its word
 * tokens of the words surprisal in bits, or with a reference of the
 * words log-likelihood ratio (own bits minus reference bits).
 *
 * The threshold is conformal: with the n held-out values sorted, c_1 <= ...
 * <= c_n, and j = ceil((1 - fpr)(n + 1)), a unit is flagged when its value
 * exceeds c_j, so that a fresh own unit exchangeable with the held-out
 * ones is flagged with probability at most fpr.  When j > n (fpr below
 * 1/(n + 1)) no threshold holds the rate: the flag is null.  More than
 * COT_PROFILE_UNIT_CAP window or step values are kept as that many evenly
 * spaced order statistics (the largest included) and the threshold is the
 * first kept one at or above rank j (its rate errs low by under
 * 1/COT_PROFILE_UNIT_CAP).  Windows overlap, so `indep` counts disjoint
 * ones (floor(tokens / window), at least 1, per record): that, not n, is
 * how many the threshold's precision rests on. */
#define COT_PROFILE_UNIT_CAP 65536
/* A threshold rests on fewer units than this over fpr: build and score
 * warn (see cot-profile(1), CALIBRATION). */
#define COT_PROFILE_UNITS_PER_FPR 10
typedef struct {
    double t;           /* flag when value > t; NAN when !resolved         */
    int calibrated;     /* the profile holds this kind's calibration       */
    int resolved;       /* calibrated and fpr >= 1/(n + 1)                 */
    uint64_t n;         /* held-out units                                  */
    uint64_t indep;     /* of them disjoint (records, steps: n)            */
    uint64_t above;     /* held-out units above t                          */
    double min_fpr;     /* 1/(n + 1), the smallest rate it can hold        */
} cot_profile_thr_t;
/* The threshold of unit kind `unit` at fpr.  Returns t->resolved. */
int cot_profile_unit_threshold(const cot_profile_t *p, int unit, double fpr,
                               cot_profile_thr_t *t);
/* Whether t rests on enough disjoint units for fpr:
 * indep >= COT_PROFILE_UNITS_PER_FPR / fpr. */
int cot_profile_thr_enough(const cot_profile_thr_t *t, double fpr);
/* Print a warning, saying what to do, for each unit kind in kinds (bit k:
 * COT_PUNIT_k) whose threshold at fpr cannot be resolved (its flags are
 * null) or, unless score, rests on fewer than COT_PROFILE_UNITS_PER_FPR /
 * fpr disjoint held-out units: build warns about both, a tool that scores
 * about the first; a tool that scores also warns when the profile keeps
 * no fingerprints of its training and reference records (built before
 * them: shift.trained and shift.in_reference cannot be told).  Returns
 * the number of warnings (for the accounts). */
int cot_profile_warn_calibration(const cot_profile_t *p, double fpr, unsigned kinds,
                                 int score);
/* The conformal rank rule on sorted values x[0..k) standing for n units
 * (k == n, or k evenly spaced order statistics of n): fills t (t->calibrated
 * from n > 0).  For tests. */
void cot_profile_conformal(const double *x, uint64_t k, uint64_t n, double fpr,
                           cot_profile_thr_t *t);

/* Surprisal split by byte spans (for instance the edited spans of a diff):
 * `inside` tokens overlap a span; `outside` do not; `before` are outside
 * tokens before the first span; `after` are outside tokens after the end of
 * any span (the downstream text).  Means in bits (NAN when no tokens). */
typedef struct {
    size_t n_inside, n_outside, n_before, n_after;
    double inside, outside, before, after;
} cot_profile_spans_t;
void cot_profile_spans(const cot_ptok_t *t, const double *bits, size_t n,
                       const size_t (*spans)[2], size_t nspans,
                       cot_profile_spans_t *out);

/* ---- the "shift" object, for any tool that takes --profile ----------- */

/* Scratch space reused between records; zero-initialise, free with
 * cot_profile_work_free(). */
struct cot_profile_work {
    cot_ptok_t *toks;
    size_t tcap;
    double *bits;
    size_t bcap;
    size_t (*spans)[2];
    size_t scap;
    /* the reference words surprisals (rbits, as bits) */
    double *rbits;
    size_t rbcap;
    cot_profile_score_t words;  /* the words summary of the last features */
    /* per-token unit values (words bits, or own minus reference bits), and
     * the steps of the last cot_profile_units() */
    double *ubits;
    size_t ubcap;
    struct cot_pstep { size_t start, end; double value; } *steps;
    size_t nsteps, stcap;
    /* the scorer's own: the word n-gram keys, the chars token ids, and a
     * cache of chars probabilities per chars view (the chars views give
     * their statistics, not per-token values) */
    uint64_t *keys;
    size_t kcap;
    uint16_t *cids;
    size_t cidcap;
    struct cot_pmemo *memo[2];
    /* set by the shift object's functions: 1 when the record's words are
     * those of a record in the profile's reference (its ratios are then
     * too high: score, score_p, the ratios and the flags are null), -1
     * when the profile has a reference but keeps no fingerprints (cannot
     * tell), else 0 */
    int in_reference;
    /* likewise 1 when the record's words are those of a record the profile
     * was trained on (it scores closer to the model than a fresh own
     * sample: "trained": true, and mix counts it as untouched), -1 when
     * the profile keeps no fingerprints, else 0 */
    int trained;
    /* set by cot_profile_pick() on the work of the profile it picks: its
     * place among the profiles, 1-based ("profile": K in the shift); 0
     * with one profile (nothing printed) */
    int picked;
};
/* After cot_profile_features(): the per-token unit values of its m word
 * tokens into w->ubits, and the steps of text[0..n) (non-blank lines: the
 * byte span from their first to their last token, and the mean unit value)
 * into w->steps, w->nsteps. */
void cot_profile_units(const cot_profile_t *p, const char *text, size_t n,
                       size_t m, cot_profile_work_t *w);
void cot_profile_work_free(cot_profile_work_t *w);

typedef struct {
    size_t window;            /* worst-window length in tokens   [32]     */
    double fpr;               /* off_policy false-positive rate  [0.01]   */
    int per_token;            /* add per_token                   [0]      */
    int units;                /* add windows and steps           [0]      */
} cot_profile_shift_opts_t;
void cot_profile_shift_opts_init(cot_profile_shift_opts_t *o);

/* Read edited byte spans of a cot from a JSON value: an array of [start,end]
 * pairs or of objects with b_start/b_end (cot-diff hunks) or start/end.
 * Returns the count (spans in w->spans), or -1 when the value is not such an
 * array or a span lies outside [0, cot_len]. */
long cot_profile_spans_json(const cJSON *v, size_t cot_len, cot_profile_work_t *w);

/* Whether text[0..n) is in p's reference, as the shift object's
 * in_reference says it (1 yes, 0 no or no reference, -1 cannot tell: no
 * fingerprints), from its word tokens alone (left in w->toks): for a tool
 * that picks, of several profiles, one whose reference leaves a record
 * out. */
int cot_profile_holds(const cot_profile_t *p, const char *text, size_t n,
                      cot_profile_work_t *w);

/* Several profiles scoring one set (cot-profile score -p A -p B,
 * cot-judge and cot-diff --profile A --profile B), at most this many. */
#define COT_PROFILE_SET_MAX 8
/* NULL when p[0..n) can score one set: each with a reference whose
 * fingerprints it keeps, all built from the same own samples with the same
 * options (the same held-out records, so that their scores mean the
 * same); else why, naming the profile (names[k]), in *why. */
/* names[0..n) of such a set for messages, appended to out: "A", or
 * "each of A, B and C". */
void cot_profile_set_names(const char *const *names, int n, cot_buf_t *out);
const char *cot_profile_set_check(cot_profile_t *const *p, int n, const char *const *names,
                                  cot_buf_t *why);
/* The hash that puts a record in its --reference-fold (cot_profile_fold()):
 * of its prompt, so that the records of one prompt share a fold (a
 * reference that holds a prompt's other records knows its topic, and the
 * ratio rises as it does for a record in the reference); of its id without
 * a prompt; of its cot without either (prompt, id may be NULL). */
uint64_t cot_profile_fold_key(const char *prompt, size_t prompt_len, const char *id,
                              const char *cot, size_t cot_len);
/* Which of p[0..n) scores the record of fold key `key`: the first whose
 * reference leaves it out -- built with a fold, one of another fold; built
 * without, one whose reference lacks the cot's words (w[k] is p[k]'s
 * scratch space) -- or, when every one holds it, 0 (whose shift then says
 * in_reference). */
int cot_profile_pick(cot_profile_t *const *p, int n, uint64_t key, const char *cot,
                     size_t cot_len, cot_profile_work_t *w);

/* The error for a run that scored records in the profile's reference
 * (w->in_reference == 1): n of them out of `of` scored, the first at
 * file:line.  The caller makes its exit status 1 (cot-profile(1), VIEWS). */
void cot_profile_in_reference_error(const char *profile, unsigned long long n,
                                    unsigned long long of, const char *file,
                                    unsigned long line);

/* Score cot[0..n) and build the "shift" object (see cot-profile(1)):
 * bits_per_token, excess_bits (bits_per_token minus the calibration mean;
 * null without a calibration), tokens, z, p, worst_window {bits, start,
 * end, z, p},
 * off_policy, threshold, fpr, in_reference (with a reference; see
 * cot_profile_work_t), voice {planner, assistant}; edits {...} when
 * nspans >= 0 (spans in w->spans); per_token when asked.  Numbers are
 * rounded to 4 decimals; undefined ones are null.  The caller owns the
 * result (cot_record_set() takes it).  *off is set to 1 when off_policy is
 * true, else 0. */
cJSON *cot_profile_shift_json(const cot_profile_t *p, const char *cot, size_t n,
                              long nspans, const cot_profile_shift_opts_t *o,
                              cot_profile_work_t *w, int *off);

/* The same object's text, as cot_json_print() writes that tree (after
 * cot_profile_add_logprob(curvature) when curvature is not NULL), appended
 * to out: for a caller that splices it into the record's line (json.h)
 * rather than setting it into the record's tree. */
void cot_profile_shift_print(cot_buf_t *out, const cot_profile_t *p, const char *cot,
                             size_t n, long nspans, const cot_profile_shift_opts_t *o,
                             cot_profile_work_t *w, int *off, const double *curvature);

/* 0 when cot_profile_shift_print() writes what cot_json_print() writes for
 * cot_profile_shift_json() (and cot_profile_add_logprob()) of the same
 * record, with the same *off; else -1.  For tests and fuzzers. */
int cot_profile_shift_check(const cot_profile_t *p, const char *cot, size_t n,
                            long nspans, const cot_profile_shift_opts_t *o,
                            cot_profile_work_t *w, const double *curvature);

/* Logprobs, when the record has them: add shift.logprob {curvature,
 * p, combined_p} to a shift object.  The Fast-DetectGPT curvature is about
 * N(0,1) on the model's own samples and lower on text it would not write, so
 * p = Phi(curvature) (lower tail); combined_p joins it with shift.score_p by
 * Fisher's method, -2 (ln p + ln score_p) against chi-square with 4 degrees
 * of freedom, which assumes the two are independent under the null (they
 * read different things: the model's own probabilities, the profile's
 * n-gram statistics).  combined_p is null without score_p. */
void cot_profile_add_logprob(cJSON *shift, double curvature);

/* A number node for d, with cJSON's spelling of it as its text when d is a
 * four-decimal value (what the shift object holds), so that it is printed
 * without printf; cJSON_CreateNumber(d) for any other d.  Same output. */
cJSON *cot_profile_number(double d);

/* The combined score's features (count returned, 0: none): per feature
 * its COT_PCAL_* kind, mean and sd over the held-out records, and the
 * inverse of their correlation matrix shrunk towards the identity. */
int cot_profile_comb(const cot_profile_t *p, int f[], double mu[], double sd[],
                     double ri[][COT_PROFILE_COMB_MAX]);
/* Held-out record i's feature `kind` as build computed it (NAN where it
 * has none, or when i >= info.cal_rows: a profile built before the rows
 * were kept has none). */
double cot_profile_cal_row(const cot_profile_t *p, uint64_t i, int kind);

/* ---- the mixture of own and off-policy records (cot-profile mix) ------ */

/* An SFT set mixes untouched records, whose calibrated p-values (shift.
 * score_p) are about uniform, and rewritten ones, whose p-values pile up
 * near 0: a two-component mixture f(p) = pi0 * 1 + (1 - pi0) * f1(p).
 * pi0 is Storey's estimate #{p > lambda} / (n (1 - lambda)) with lambda 0.5,
 * and the rewritten fraction 1 - pi0 gets a 95% interval: Wilson's from
 * the binomial count above lambda, widened by the calibration's own error
 * when cal, the held-out records the p-values rest on, is known (not 0).
 * A fresh own record's p-value is above lambda with a probability that is
 * itself estimated from those cal records, with variance about
 * lambda (1 - lambda) / (cal + 2); over the scored set that error is shared
 * by every own record, so it does not shrink with n: the half-width is
 * sqrt(w^2 + z^2 pi0^2 lambda (1 - lambda) / (cal + 2)), w Wilson's.  With
 * cal 0 the interval counts the scored set's sampling only, and covers
 * the truth far less than 95% of the time when n is large against the
 * held-out set (bench/eval, README).  The posterior of being off-policy is
 * 1 - lfdr(p), lfdr = pi0 / f(p) with f a histogram of 20 bins made
 * non-increasing in p (pooled adjacent violators), lfdr capped at 1. */
#define COT_PMIX_BINS 20
typedef struct {
    size_t n;                          /* records fitted                  */
    size_t known;                      /* and known to be untouched       */
    uint64_t cal;                      /* held-out records; 0: not known */
    double lambda, pi0, rewritten, lo, hi;
    double density[COT_PMIX_BINS];
} cot_profile_mix_t;
void cot_profile_mix_fit(const double *p, size_t n, uint64_t cal, cot_profile_mix_t *m);
/* After the fit: `known` more records are known to be untouched (the
 * profile was trained on them, so their p-values are not uniform and are
 * not fitted).  rewritten, lo and hi become fractions of all n + known
 * (times n / (n + known); 0 when none was fitted); pi0, the density and
 * so the posteriors of the fitted records stay the fit's. */
void cot_profile_mix_known(cot_profile_mix_t *m, size_t known);
double cot_profile_mix_posterior(const cot_profile_mix_t *m, double p);

/* ---- the mixture over the views (cot-profile mix --views) ------------- */

/* One p-value per record throws away which views moved.  This mixture
 * works on the combined score's features themselves, as z-scores against
 * the held-out own records (z = (x - mean) / sd, both signs): own records
 * are N(0, R), R the shrunk correlation the combined score uses, fitted
 * on the held-out records; off-policy ones N(m, S), m, S and the weight
 * pi fitted by EM on the scored set itself, no labels.  S has
 * COT_VMIX_RIDGE added to its diagonal (fixed a priori: the combined
 * score's shrinkage), so a handful of records cannot make it singular.
 * EM starts from m = 2 x the set's mean, S = R, pi = 1/2, and stops when
 * the mean log-likelihood moves by under 1e-9, or after COT_VMIX_ITERS
 * rounds (the environment's COT_VMIX_ITERS, 1 to 1000000, a testing aid,
 * sets another number: max_iters).  At most COT_VMIX_FIT records are fitted: beyond that, evenly
 * spaced ones (every 2nd, 4th, ...: the same for the same input; between
 * COT_VMIX_FIT / 2 and COT_VMIX_FIT of them), so that memory stays
 * bounded.  A record's score is the log-likelihood ratio
 * log N(z; m, S) - log N(z; 0, R): the direction the data say the
 * rewrites moved in, not a fixed one.  Its p-value and flag are
 * conformal against the same function of the held-out records' rows
 * (cot_profile_cal_row()), so they hold their rate whatever EM found
 * (with nothing rewritten, it fits noise, and the flag still holds its
 * rate).  The posterior is pi N(z; m, S) / (pi N(z; m, S) + (1 - pi)
 * N(z; 0, R)).  A record beyond every own sample on a feature (an
 * infinite feature, or one that never varied there) scores infinite, with
 * posterior 1, and is not fitted; one without a feature is not scored.
 * The held-out rows are fitted too, unlabelled like the set's records, so
 * that the fitted score treats a held-out own record and an own record of
 * the set alike (they must be exchangeable for the threshold to hold);
 * the weight reported is the set's mean posterior. */
#define COT_VMIX_RIDGE 0.05
#define COT_VMIX_ITERS 500
#define COT_VMIX_FIT 200000
/* Records scored against several profiles (cross-fitted folds: score -p A
 * -p B) each have the own component of the profile that scored them
 * (shift.profile), its held-out rows, p-values and threshold; the
 * off-policy component is one, in z units. */
typedef struct {
    double mu[COT_PROFILE_COMB_MAX], sd[COT_PROFILE_COMB_MAX];
    double ri0[COT_PROFILE_COMB_MAX][COT_PROFILE_COMB_MAX]; /* R^-1       */
    double r0[COT_PROFILE_COMB_MAX][COT_PROFILE_COMB_MAX];  /* R          */
    double ld0;                             /* log det R                   */
    double *h;                              /* held-out scores, sorted     */
    uint64_t nh;
    const cot_profile_t *p;                 /* the profile (kept open)     */
} cot_profile_vnull_t;
typedef struct {
    int d, np;                              /* features, profiles          */
    int f[COT_PROFILE_COMB_MAX];            /* their COT_PCAL_* kinds      */
    cot_profile_vnull_t own[COT_PROFILE_SET_MAX];
    double pi, m[COT_PROFILE_COMB_MAX];     /* pi: the fit's prior          */
    double weight;                          /* the set's mean posterior     */
    double l1[COT_PROFILE_COMB_MAX][COT_PROFILE_COMB_MAX];  /* chol(S)     */
    double ld1;                             /* log det S                   */
    size_t n, seen;                         /* fitted, of seen             */
    unsigned iters, max_iters;              /* rounds run, and allowed     */
    int converged;
    /* the rows kept for the fit, and each one's profile */
    double *z;
    unsigned char *zp;
    size_t nz, zcap, stride;
} cot_profile_vmix_t;
/* Set m up for the np profiles records were scored with (they stay open
 * while m is used: cot_profile_vmix_record() reads their thresholds): 0,
 * or -1 with
 * *why and *which (the profile: it keeps no held-out rows, being built
 * before them, or has no combined score; or its features differ from the
 * first's). */
int cot_profile_vmix_init(cot_profile_vmix_t *m, cot_profile_t *const *p, int np,
                          const char **why, int *which);
/* A record's z from the shift object of its score (shift.views...), and
 * in *k the profile that scored it (shift.profile - 1; 0 when there is
 * one): 1 with z[0..d) filled, 2 when it is beyond every own sample
 * (score infinite), 0 when it lacks a feature (not scored), -1 when
 * shift.profile is missing (several profiles) or not one of them, -2 when
 * its shift.threshold is not the one that profile gives at its shift.fpr,
 * or a feature's z written there is not that profile's (scored with
 * another profile: its z-scores would be read wrongly). */
int cot_profile_vmix_record(const cot_profile_vmix_t *m, const cJSON *shift, double *z, int *k);
/* Offer a record's z for the fit (records in input order). */
void cot_profile_vmix_add(cot_profile_vmix_t *m, const double *z, int k);
/* Fit on the records added, then score each profile's held-out rows. */
void cot_profile_vmix_fit(cot_profile_vmix_t *m, cot_profile_t *const *p);
double cot_profile_vmix_score(const cot_profile_vmix_t *m, const double *z, int k);
double cot_profile_vmix_posterior(const cot_profile_vmix_t *m, const double *z, int k);
/* The conformal p-value of a score against profile k's held-out records,
 * and their threshold at fpr. */
double cot_profile_vmix_p(const cot_profile_vmix_t *m, double score, int k);
void cot_profile_vmix_threshold(const cot_profile_vmix_t *m, double fpr, int k,
                                cot_profile_thr_t *t);
void cot_profile_vmix_free(cot_profile_vmix_t *m);

/* Parse a --fpr value, a rate strictly between 0 and 1, the same way in
 * every tool; a bad value is a usage error (exit 2). */
double cot_profile_parse_fpr(const char *arg);

/* 64-bit hash of a record id (or text), for a deterministic hold-out:
 * a record is held out when cot_profile_holdout_pick(hash, fraction). */
uint64_t cot_profile_hash_bytes(const void *p, size_t n);
int cot_profile_holdout_pick(uint64_t hash, double fraction);

#endif
