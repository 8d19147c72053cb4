/* model.h -- a linear classifier over hashed n-grams, trained on labels
 * that an expensive judge wrote (cot-judge train) and applied at stream
 * speed (cot-judge --model).  Reference design: fastText's supervised mode
 * (hashed word n-grams, linear model, logistic / softmax loss); here the
 * features are binary and L2-normalised per field (see ngram.h), the
 * optimiser is AdaGrad, and the file holds a calibration made on a
 * held-out split.  The file format is in cot-model(5).
 *
 * Classes.  Binary when positive label values are given (a record is
 * positive when its label is one of them, negative otherwise) or when the
 * labels are JSON booleans (true is positive): one logit, sigmoid.
 * Otherwise multi-class over the distinct label values (2..64, sorted by
 * bytes): softmax.
 *
 * Training memory.  Records are hashed once, on reading, into sparse
 * vectors (4 bytes per distinct feature plus 20 per record) kept in a
 * buffer of at most max_mem bytes.  When the buffer fills, it is shuffled
 * and written as one chunk to an unlinked temporary file in $TMPDIR (or
 * /tmp), and training reads the chunks back, one at a time, in a fresh
 * seeded order each epoch, shuffling the records inside each.  Held-out
 * scores for the calibration go to a reservoir of at most
 * COT_MODEL_RESERVOIR_BYTES (a uniform seeded sample when there are more).
 * The total is max_mem + 2^bits * C * 8 (weights and AdaGrad state;
 * C = 1 for binary, the class count otherwise) + 2^bits * 4 (feature
 * de-duplication) + the reservoir + 16 bytes per chunk + the longest line.
 *
 * Determinism.  Training runs on one thread; the shuffles use a seeded
 * splitmix64 and the held-out split a hash of the group value (or id) and
 * the seed, so the same inputs, options and seed give a byte-identical
 * file, whatever -@ says.
 */
#ifndef COT_MODEL_H
#define COT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "ngram.h"
#include "record.h"
#include "util.h"

#define COT_MODEL_VERSION 1
#define COT_MODEL_MAX_CLASSES 64
#define COT_MODEL_MAX_LABEL 256          /* bytes of a label value      */
#define COT_MODEL_RESERVOIR_BYTES (16u << 20)
#define COT_MODEL_EVIDENCE 5             /* evidence spans per record   */

/* ---- training ---------------------------------------------------------- */

typedef struct {
    cot_feat_opts_t feat;
    uint32_t epochs;          /* passes over the training records   [10]    */
    double lr;                /* AdaGrad learning rate               [0.05]  */
    double l2;                /* L2 penalty on touched weights       [1e-6]  */
    uint64_t seed;            /* shuffles and the held-out split     [1]     */
    double holdout;           /* fraction of groups held out         [0.2]   */
    double fpr;               /* false-positive rate of the threshold [0.01] */
    size_t max_mem;           /* sparse-vector buffer in bytes       [256M]  */
} cot_model_train_opts_t;

void cot_model_train_opts_init(cot_model_train_opts_t *o);

typedef struct cot_model_trainer cot_model_trainer_t;

/* positives[0..npos): the positive label values (npos 0: booleans give a
 * binary model, anything else a multi-class one). */
cot_model_trainer_t *cot_model_trainer_new(const cot_model_train_opts_t *o,
                                           char *const *positives, int npos);

/* Add one labelled record: its label value as text, the key of its group
 * for the held-out split (the --group value, or the id; NULL uses the
 * record's ordinal), and the field texts (NULL when absent).  is_bool says
 * the label was a JSON boolean.  Returns 0, or -1 with a message in *err
 * (too many classes, or a label of the wrong kind); the record is not
 * added then; -2 when the temporary file cannot be written (error
 * printed; an I/O error). */
int cot_model_trainer_add(cot_model_trainer_t *t, const char *label, size_t label_len,
                          int is_bool, const char *group, size_t group_len,
                          const char *const text[COT_FEAT_NFIELDS],
                          const size_t len[COT_FEAT_NFIELDS], cot_buf_t *err);

/* Whether a record is held out: by the hash of its group key (group[0..n))
 * and the seed, or, with group NULL, of its ordinal among the records
 * added (0-based).  The rule cot_model_trainer_add() applies. */
int cot_model_heldout(const cot_model_train_opts_t *o, const char *group, size_t n,
                      uint64_t ordinal);

/* The text of a label or group value: a string as it is, true/false, or
 * a number (integers without a decimal point).  Returns 1 for a boolean,
 * 0 for another scalar, -1 (nothing written) for null, an object or an
 * array. */
int cot_model_value_text(const cJSON *v, cot_buf_t *out);

/* Train, calibrate on the held-out records and write the model atomically
 * (temporary file + rename).  label_path and group_path are recorded in the
 * file (group_path may be NULL).  Returns 0, or an exit status after
 * printing an error (1: the data cannot give a calibrated model, such as
 * one class only or no held-out positives; 3: I/O). */
int cot_model_trainer_write(cot_model_trainer_t *t, const char *path,
                            const char *label_path, const char *group_path);
void cot_model_trainer_free(cot_model_trainer_t *t);

/* ---- the model file ---------------------------------------------------- */

typedef struct cot_model cot_model_t;

/* Map and validate a model file: magic, version, sizes, section bounds and
 * the checksum.  NULL after printing "PATH: reason"; errno is 0 after a bad
 * file and non-zero after an I/O error (exit 1 vs 3). */
cot_model_t *cot_model_load(const char *path);
/* The same over a memory image (not copied; must outlive the model).  On
 * failure NULL, with *why set (static text). */
cot_model_t *cot_model_open_mem(const void *p, size_t n, const char **why);
void cot_model_close(cot_model_t *m);

/* Per class (binary: the positive class only), from the held-out split. */
typedef struct {
    double bias, threshold, auroc, pr_auc, f1, tpr, fpr;
    uint64_t heldout_pos, heldout_neg, train_n;
} cot_model_class_t;

typedef struct {
    uint32_t version, nclasses, binary, positive, epochs;
    cot_feat_opts_t feat;
    uint64_t seed, train, heldout, file_size, chunks;
    double fpr, lr, l2, holdout, accuracy;
    const char *label_path, *group_path;  /* point into the model          */
} cot_model_info_t;
void cot_model_info(const cot_model_t *m, cot_model_info_t *info);
/* Name of class k (0 <= k < nclasses): NUL-terminated, in the model. */
const char *cot_model_class_name(const cot_model_t *m, uint32_t k);
/* Calibration of class k (binary models: k = info.positive). */
void cot_model_class(const cot_model_t *m, uint32_t k, cot_model_class_t *c);

/* ---- scoring ----------------------------------------------------------- */

typedef struct {
    cot_feat_work_t fw;
    double *z, *contrib;
    size_t zcap;
    double norm[COT_FEAT_NFIELDS];
    cot_buf_t tmp;
} cot_model_work_t;
void cot_model_work_free(cot_model_work_t *w);

typedef struct {
    uint32_t label;       /* binary: positive when flagged, else negative;
                             multi-class: the most probable class          */
    double p;             /* binary: P(positive); multi: P(label)          */
    double threshold;     /* the calibrated threshold of that class        */
    int flagged;          /* p >= threshold                                 */
    uint64_t flags;       /* multi-class: bit k set when P(k) >= the
                             threshold of class k (each class calibrated
                             one-vs-rest); binary: bit positive = flagged */
} cot_model_pred_t;

/* Score one record's texts (fields the model does not use are ignored). */
void cot_model_predict(const cot_model_t *m, const char *const text[COT_FEAT_NFIELDS],
                       const size_t len[COT_FEAT_NFIELDS], cot_model_work_t *w,
                       cot_model_pred_t *out);

/* The "model" object for the last cot_model_predict() on the same texts:
 * {label, p, threshold, flagged, evidence: [{rule, label, field, start,
 * end, text, weight}...]}: up to COT_MODEL_EVIDENCE distinct n-grams that
 * pushed hardest towards the label, with byte offsets into their field.
 * Multi-class models add "flags": the classes past their own threshold. */
cJSON *cot_model_pred_json(const cot_model_t *m, const char *const text[COT_FEAT_NFIELDS],
                           const cot_model_work_t *w, const cot_model_pred_t *pr);

/* cot-judge --model: score v, add "model" to the judge object jo, and when
 * set_verdict is a verdict (>= 0, binary models; see judge.h) or -2 ("the
 * flagged label itself": the binary positive class, or every class of a
 * multi-class model past its threshold) and the record is flagged, add the
 * label "model" and the evidence to jo's labels/evidence and raise jo's
 * verdict by the usual precedence (the highest flagged verdict wins).
 * -1: never touch the verdict.  A record with no text in the model's
 * fields gets "model": null (training leaves such records out). */
void cot_model_judge(const cot_model_t *m, const cot_record_view_t *v,
                     int set_verdict, cJSON *jo, cot_model_work_t *w);

/* For --model-verdict without a value: 0 when the model has a class whose
 * name is a verdict (the binary positive class, or any class of a
 * multi-class model), else -1. */
int cot_model_labels_are_verdicts(const cot_model_t *m);

#endif
