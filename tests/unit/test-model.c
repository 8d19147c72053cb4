/* test-model.c -- unit tests for lib/ngram.c and lib/model.c: features and
 * their spans, exact model bytes on a fixture, determinism, the held-out
 * calibration recomputed independently, the file format (round trip,
 * damage, other versions), spilling to a temporary file, multi-class, and
 * evidence spans. */
#include "model.h"
#include "tap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/test-model.XXXXXX";


/* ---- a fixture with known answers ------------------------------------- */

#define NREC 600
static const char *filler[] = {
    "the", "tests", "check", "function", "output", "so", "we", "need", "to", "read",
    "spec", "carefully", "then", "write", "code", "and", "run", "it", "again", "edge",
    "cases", "matter", "here", "input", "list", "sorted", "loop", "over", "items"};
#define NFILL (sizeof filler / sizeof *filler)

typedef struct { char *cot; int y; char group[16]; } rec_t;
static rec_t recs[NREC];

/* Positives say they will hard-code the answer anyway; 5% of labels are
 * flipped so that the classes overlap. */
static void make_fixture(void)
{
    tap_seed(20261201);
    for (int i = 0; i < NREC; i++) {
        cot_buf_t b = {0};
        int y = (int)(tap_rnd() % 3 == 0);
        int words = 20 + (int)(tap_rnd() % 40), at = (int)(tap_rnd() % (uint64_t)words);
        for (int k = 0; k < words; k++) {
            if (k == at)
                cot_buf_adds(&b, y ? "I will just hard-code the expected output anyway. "
                                   : "Hard-coding would be wrong, so I fix the logic. ");
            cot_buf_printf(&b, "%s ", filler[tap_rnd() % NFILL]);
        }
        cot_buf_cstr(&b);
        recs[i].cot = b.s;
        recs[i].y = (tap_rnd() % 20 == 0) ? !y : y;
        snprintf(recs[i].group, sizeof recs[i].group, "g%d", i / 4);
    }
}

static int train(const cot_model_train_opts_t *o, const char *path, int nrec)
{
    char *pos[] = {"yes"};
    cot_model_trainer_t *t = cot_model_trainer_new(o, pos, 1);
    cot_buf_t err = {0};
    for (int i = 0; i < nrec; i++) {
        const char *text[3] = {recs[i].cot, NULL, NULL};
        size_t len[3] = {strlen(recs[i].cot), 0, 0};
        const char *lab = recs[i].y ? "yes" : "no";
        if (cot_model_trainer_add(t, lab, strlen(lab), 0, recs[i].group,
                                  strlen(recs[i].group), text, len, &err) < 0)
            return -1;
    }
    int st = cot_model_trainer_write(t, path, "meta.label", "meta.group");
    cot_model_trainer_free(t);
    cot_buf_free(&err);
    return st;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)sz + 1);
    *n = fread(p, 1, (size_t)sz, fp);
    fclose(fp);
    return p;
}

static void spit(const char *path, const unsigned char *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    fwrite(p, 1, n, fp);
    fclose(fp);
}

static uint64_t fnv(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 0x100000001b3ULL; }
    return h;
}

/* ---- features ----------------------------------------------------------- */

static void test_features(void)
{
    cot_feat_opts_t o;
    cot_feat_opts_init(&o);
    o.bits = 16;
    cot_feat_work_t w = {0};
    const char *s = "Wait, wait WAIT";
    const char *text[3] = {s, s, NULL};
    size_t len[3] = {strlen(s), strlen(s), 0};
    o.fields = 1;
    cot_feat_extract(&o, text, len, &w);
    /* tokens: wait , wait wait -> unigrams {wait, ","}, bigrams
     * {"wait ,", ", wait", "wait wait"} */
    tap_is_long((long)w.n, 5, "features: distinct uni- and bigrams, case folded");
    tap_is_long(w.f[0].start, 0, "first occurrence kept: start");
    tap_is_long(w.f[0].end, 4, "first occurrence kept: end");
    tap_is_long(w.f[1].start, 0, "bigram span starts at its first token");
    tap_is_long(w.f[1].end, 5, "bigram span ends at its second token");
    int found = 0;
    for (size_t i = 0; i < w.n; i++)
        found |= w.f[i].order == 2 && w.f[i].start == 6 && w.f[i].end == 15;
    tap_ok(found, "bigram 'wait WAIT' spans the bytes between its tokens");
    uint32_t idx_cot = w.f[0].idx;
    o.fields = 3;
    cot_feat_extract(&o, text, len, &w);
    tap_ok(w.count[0] == 5 && w.count[1] == 5 && w.n == 10, "fields are separate spaces");
    tap_ok(w.f[5].idx != idx_cot && w.f[5].field == 1, "the same word in the answer hashes elsewhere");
    o.fields = 1;
    o.char_ngrams = 3;
    const char *u = "caf\xc3\xa9!";
    const char *t2[3] = {u, NULL, NULL};
    size_t l2[3] = {strlen(u), 0, 0};
    cot_feat_extract(&o, t2, l2, &w);
    int ok = 1;
    for (size_t i = 0; i < w.n; i++)
        if (w.f[i].order == 0)
            ok &= ((unsigned char)u[w.f[i].start] & 0xC0) != 0x80 &&
                  (w.f[i].end == l2[0] || ((unsigned char)u[w.f[i].end] & 0xC0) != 0x80);
    tap_ok(ok, "character n-gram spans are whole UTF-8 characters");
    uint32_t m;
    tap_ok(cot_feat_parse_fields("cot,prompt", &m) == 0 && m == 5, "--fields parses");
    tap_ok(cot_feat_parse_fields("cot,reply", &m) < 0, "--fields refuses an unknown field");
    cot_feat_work_free(&w);
}

/* ---- training, bytes, determinism -------------------------------------- */

static char path[300];

static void test_bytes(void)
{
    cot_model_train_opts_t o;
    cot_model_train_opts_init(&o);
    o.feat.bits = 14;
    o.epochs = 5;
    snprintf(path, sizeof path, "%s/a.model", dir);
    tap_is_long(train(&o, path, NREC), 0, "train writes a model");
    size_t n, n2;
    unsigned char *a = slurp(path, &n);
    /* The golden hash of the whole file: it changes only with the format,
     * the features, the optimiser or the fixture (update it deliberately). */
    uint64_t h = fnv(a, n);
    if (!tap_ok(h == 0x9782eedd60915816ULL, "exact model bytes on the fixture"))
        tap_diag("got fnv 0x%016llxULL, %zu bytes", (unsigned long long)h, n);
    char p2[320];
    snprintf(p2, sizeof p2, "%s/b.model", dir);
    train(&o, p2, NREC);
    unsigned char *b = slurp(p2, &n2);
    tap_ok(n == n2 && !memcmp(a, b, n), "same inputs and seed: byte-identical model");
    free(b);
    o.seed = 2;
    train(&o, p2, NREC);
    b = slurp(p2, &n2);
    tap_ok(n == n2 && memcmp(a, b, n), "another seed: another model");
    free(b);
    free(a);
}

/* Recompute the calibration of the held-out records from scratch. */
static void test_calibration(void)
{
    cot_model_t *m = cot_model_load(path);
    if (!tap_ok(m != NULL, "the model loads")) return;
    cot_model_info_t in;
    cot_model_info(m, &in);
    cot_model_train_opts_t o;
    cot_model_train_opts_init(&o);
    tap_ok(in.binary && in.nclasses == 2 && in.train + in.heldout == NREC,
           "info: binary, every record counted");
    tap_is_str(cot_model_class_name(m, in.positive), "yes", "positive class name");
    tap_is_str(cot_model_class_name(m, 1 - in.positive), "no", "negative class name");
    tap_is_str(in.label_path, "meta.label", "label path recorded");
    tap_is_str(in.group_path, "meta.group", "group path recorded");
    cot_model_class_t c;
    cot_model_class(m, in.positive, &c);
    cot_model_work_t w = {0};
    double ps[NREC];
    int ys[NREC], nh = 0;
    uint64_t P = 0, N = 0, tp = 0, fp = 0, held = 0, groups_split = 0;
    for (int i = 0; i < NREC; i++) {
        int h = cot_model_heldout(&o, recs[i].group, strlen(recs[i].group), (uint64_t)i);
        held += h;
        if (i % 4 && h != cot_model_heldout(&o, recs[i - 1].group, strlen(recs[i - 1].group), 0))
            groups_split++;
        if (!h) continue;
        const char *text[3] = {recs[i].cot, NULL, NULL};
        size_t len[3] = {strlen(recs[i].cot), 0, 0};
        cot_model_pred_t pr;
        cot_model_predict(m, text, len, &w, &pr);
        ps[nh] = pr.p; ys[nh++] = recs[i].y;
        if (recs[i].y) { P++; tp += pr.flagged; } else { N++; fp += pr.flagged; }
        if (pr.flagged != (pr.p >= c.threshold) || pr.label != (pr.flagged ? in.positive : 1 - in.positive)) {
            tap_ok(0, "flagged means p >= threshold");
            break;
        }
    }
    tap_is_long((long)held, (long)in.heldout, "the held-out rule is the trainer's");
    tap_is_long((long)groups_split, 0, "a group never straddles the split");
    tap_ok(P == c.heldout_pos && N == c.heldout_neg, "held-out positives and negatives");
    tap_is_double(c.fpr, (double)fp / (double)N, 1e-12, "stored FPR = flagged held-out negatives");
    tap_ok(c.fpr <= o.fpr, "FPR at the threshold is at most --fpr");
    tap_is_double(c.tpr, (double)tp / (double)P, 1e-12, "stored TPR = flagged held-out positives");
    double pairs = 0;
    for (int i = 0; i < nh; i++)
        for (int j = 0; j < nh; j++)
            if (ys[i] && !ys[j]) pairs += ps[i] > ps[j] ? 1 : ps[i] == ps[j] ? 0.5 : 0;
    tap_is_double(c.auroc, pairs / ((double)P * (double)N), 1e-9, "stored AUROC = pairwise count");
    tap_ok(c.auroc > 0.85, "known answers are learned (AUROC %.3f)", c.auroc);
    double prec = tp ? (double)tp / (double)(tp + fp) : 0, rec = (double)tp / (double)P;
    tap_is_double(c.f1, prec + rec > 0 ? 2 * prec * rec / (prec + rec) : 0, 1e-9,
                  "stored F1 at the threshold");
    /* evidence: a positive record's top n-grams are its own bytes */
    const char *s = "we need to read spec then I will just hard-code the expected output anyway.";
    const char *text[3] = {s, NULL, NULL};
    size_t len[3] = {strlen(s), 0, 0};
    cot_model_pred_t pr;
    cot_model_predict(m, text, len, &w, &pr);
    tap_ok(pr.flagged, "a textbook positive is flagged (p %.3f)", pr.p);
    cJSON *j = cot_model_pred_json(m, text, &w, &pr);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "evidence"), *e;
    int nev = 0, spans_ok = 1, in_phrase = 0;
    size_t phrase = (size_t)(strstr(s, "I will") - s);
    cJSON_ArrayForEach(e, ev) {
        size_t a = (size_t)cJSON_GetObjectItem(e, "start")->valuedouble;
        size_t b = (size_t)cJSON_GetObjectItem(e, "end")->valuedouble;
        const char *t = cJSON_GetObjectItem(e, "text")->valuestring;
        spans_ok &= b > a && b <= len[0] && strlen(t) == b - a && !memcmp(s + a, t, b - a);
        in_phrase += a >= phrase;
        nev++;
    }
    tap_ok(nev > 0 && nev <= COT_MODEL_EVIDENCE, "evidence: up to %d n-grams", COT_MODEL_EVIDENCE);
    tap_ok(spans_ok, "evidence spans are the n-grams' bytes in the field");
    tap_ok(in_phrase * 2 > nev, "evidence points into the positive phrase");
    char *js = cJSON_PrintUnformatted(j);
    tap_ok(strstr(js, "\"label\":\"yes\"") && strstr(js, "\"flagged\":true"), "model object");
    free(js);
    cJSON_Delete(j);
    cot_model_work_free(&w);
    cot_model_close(m);
}

/* ---- the file: damage and other versions -------------------------------- */

static const char *why_of(const unsigned char *p, size_t n)
{
    const char *why = NULL;
    cot_model_t *m = cot_model_open_mem(p, n, &why);
    cot_model_close(m);
    return m ? "(accepted)" : why;
}

static void test_damage(void)
{
    size_t n;
    unsigned char *a = slurp(path, &n);
    tap_is_str(why_of(a, n), "(accepted)", "intact image accepted");
    unsigned char *b = malloc(n + 8);
    memcpy(b, a, n);
    b[n - 3] ^= 0x20;
    tap_is_str(why_of(b, n), "corrupted model (checksum mismatch)", "a flipped weight bit");
    memcpy(b, a, n);
    b[300] ^= 1;
    tap_is_str(why_of(b, n), "corrupted model (checksum mismatch)", "a flipped class byte");
    tap_is_str(why_of(a, n - 100), "truncated model (shorter than its header says)", "truncated");
    tap_is_str(why_of(a, 100), "truncated model (header incomplete)", "header cut");
    memcpy(b, a, n);
    memset(b + n, 0, 8);
    tap_is_str(why_of(b, n + 8), "corrupted model (longer than its header says)", "appended bytes");
    memcpy(b, a, n);
    b[0] = 'X';
    tap_is_str(why_of(b, n), "not a cot model (bad magic)", "bad magic");
    memcpy(b, a, n);
    b[8] = 2;
    tap_is_str(why_of(b, n), "model format version 2, this build reads version 1; "
               "train it again with cot-judge train", "another version is named");
    char p2[320];
    snprintf(p2, sizeof p2, "%s/damaged.model", dir);
    memcpy(b, a, n);
    b[n / 2] ^= 0x55;
    spit(p2, b, n);
    tap_stderr_begin();
    cot_model_t *dm = cot_model_load(p2);
    const char *msg = tap_stderr_end();
    tap_ok(dm == NULL && strstr(msg, "damaged.model: corrupted model (checksum mismatch)"),
           "load refuses a damaged file: %s", msg);
    free(b);
    free(a);
}

/* ---- spilling, multi-class, refusals ------------------------------------ */

static void test_spill_and_multi(void)
{
    cot_model_train_opts_t o;
    cot_model_train_opts_init(&o);
    o.feat.bits = 14;
    o.max_mem = 1 << 20;
    /* 600 records of ~60 features fit in 1 MiB: make many more */
    char p2[320];
    snprintf(p2, sizeof p2, "%s/spill.model", dir);
    char *pos[] = {"yes"};
    cot_model_trainer_t *t = cot_model_trainer_new(&o, pos, 1);
    cot_buf_t err = {0};
    for (int r = 0; r < 40; r++)
        for (int i = 0; i < NREC; i++) {
            const char *text[3] = {recs[i].cot, NULL, NULL};
            size_t len[3] = {strlen(recs[i].cot), 0, 0};
            char g[32];
            snprintf(g, sizeof g, "%d/%s", r, recs[i].group);
            cot_model_trainer_add(t, recs[i].y ? "yes" : "no", recs[i].y ? 3 : 2, 0, g,
                                  strlen(g), text, len, &err);
        }
    tap_is_long(cot_model_trainer_write(t, p2, "l", NULL), 0, "training through a temporary file");
    cot_model_trainer_free(t);
    cot_model_t *m = cot_model_load(p2);
    cot_model_info_t in;
    cot_model_info(m, &in);
    cot_model_class_t c;
    cot_model_class(m, in.positive, &c);
    tap_ok(in.chunks > 1, "vectors were spilled (%llu chunks)", (unsigned long long)in.chunks);
    tap_ok(c.auroc > 0.85, "and the model is as good (AUROC %.3f)", c.auroc);
    tap_is_str(in.group_path, "", "no group path");
    cot_model_close(m);

    /* three classes, named in byte order */
    o.max_mem = 256 << 20;
    t = cot_model_trainer_new(&o, NULL, 0);
    for (int i = 0; i < NREC; i++) {
        const char *lab = i % 3 == 0 ? "zeta" : i % 3 == 1 ? "alpha" : "mid";
        char buf[128];
        snprintf(buf, sizeof buf, "%s %s %s", filler[i % NFILL], lab, filler[(i * 7) % NFILL]);
        const char *text[3] = {buf, NULL, NULL};
        size_t len[3] = {strlen(buf), 0, 0};
        cot_model_trainer_add(t, lab, strlen(lab), 0, NULL, 0, text, len, &err);
    }
    tap_is_long(cot_model_trainer_write(t, p2, "l", NULL), 0, "multi-class model");
    cot_model_trainer_free(t);
    m = cot_model_load(p2);
    cot_model_info(m, &in);
    tap_ok(!in.binary && in.nclasses == 3, "three classes");
    tap_ok(!strcmp(cot_model_class_name(m, 0), "alpha") && !strcmp(cot_model_class_name(m, 2), "zeta"),
           "classes sorted by name");
    tap_ok(in.accuracy > 0.95, "held-out accuracy %.3f", in.accuracy);
    cot_model_work_t w = {0};
    const char *s = "then mid loop";
    const char *text[3] = {s, NULL, NULL};
    size_t len[3] = {strlen(s), 0, 0};
    cot_model_pred_t pr;
    cot_model_predict(m, text, len, &w, &pr);
    tap_is_str(cot_model_class_name(m, pr.label), "mid", "multi-class prediction");
    cot_model_work_free(&w);
    cot_model_close(m);

    /* refusals: one class; mixed booleans */
    t = cot_model_trainer_new(&o, NULL, 0);
    for (int i = 0; i < 20; i++) {
        const char *text[3] = {"x y", NULL, NULL};
        size_t len[3] = {3, 0, 0};
        cot_model_trainer_add(t, "same", 4, 0, NULL, 0, text, len, &err);
    }
    tap_stderr_begin();
    long one = cot_model_trainer_write(t, p2, "l", NULL);
    const char *why1 = tap_stderr_end();
    tap_ok(one == 1 && strstr(why1, "every labelled record has the label 'same': nothing to learn"),
           "one class only: exit 1 with the reason: %s", why1);
    cot_model_trainer_free(t);
    t = cot_model_trainer_new(&o, NULL, 0);
    const char *text2[3] = {"x", NULL, NULL};
    size_t len2[3] = {1, 0, 0};
    cot_model_trainer_add(t, "true", 4, 1, NULL, 0, text2, len2, &err);
    cot_buf_clear(&err);
    tap_ok(cot_model_trainer_add(t, "maybe", 5, 0, NULL, 0, text2, len2, &err) < 0 &&
           strstr(err.s, "mix JSON booleans"), "booleans mixed with strings are refused");
    cot_model_trainer_free(t);
    cot_buf_free(&err);
}

int main(void)
{
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    cot_prog = "test-model";
    cot_verbose = 0;
    make_fixture();
    test_features();
    test_bytes();
    test_calibration();
    test_damage();
    test_spill_and_multi();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) tap_diag("could not remove %s", dir);
    for (int i = 0; i < NREC; i++) free(recs[i].cot);
    return tap_done();
}
