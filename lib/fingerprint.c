/* fingerprint.c -- see fingerprint.h */
#include "fingerprint.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void cot_fp_init(cot_fp_t *fp, const char *pipeline, long k, long n)
{
    memset(fp, 0, sizeof *fp);
    fp->tool = cot_strdup("cot-stat " COT_VERSION);
    fp->pipeline = pipeline ? cot_strdup(pipeline) : NULL;
    fp->parts = cot_calloc(1, sizeof *fp->parts);
    fp->nparts = 1;
    fp->parts[0].k = k;
    fp->parts[0].n = n;
}

static cot_fp_file_t *part_add(cot_fp_part_t *p)
{
    p->f = cot_realloc(p->f, (p->nf + 1) * sizeof *p->f);
    cot_fp_file_t *f = &p->f[p->nf++];
    memset(f, 0, sizeof *f);
    f->size = -1;
    return f;
}

int cot_fp_add_file(cot_fp_part_t *p, const char *name, int is_input)
{
    cot_fp_file_t *f = part_add(p);
    f->name = cot_strdup(name);
    f->is_input = is_input;
    if (!strcmp(name, "-")) return 0;
    struct stat sb;
    if (stat(name, &sb) < 0) return -1;
    if (!S_ISREG(sb.st_mode)) return 0;
    char t[64];
    snprintf(t, sizeof t, "%lld.%09ld", (long long)sb.st_mtim.tv_sec,
             (long)sb.st_mtim.tv_nsec);
    f->size = (int64_t)sb.st_size;
    f->mtime = cot_strdup(t);
    return 0;
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

/* Four independent lanes over 32-byte blocks keep the multiplier busy: the
 * digest costs a few percent of cot-stat's time, not a fifth. */
uint64_t cot_fp_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t a = h ^ ((uint64_t)n * 0xff51afd7ed558ccdULL), b = a + 1, c = a + 2, d = a + 3;
    for (; n >= 32; s += 32, n -= 32) {
        a = mix(a, cot_load_le64(s));
        b = mix(b, cot_load_le64(s + 8));
        c = mix(c, cot_load_le64(s + 16));
        d = mix(d, cot_load_le64(s + 24));
    }
    for (; n >= 8; s += 8, n -= 8) a = mix(a, cot_load_le64(s));
    unsigned char t[8] = {0};
    memcpy(t, s, n);
    a = mix(a, cot_load_le64(t) ^ ((uint64_t)n << 59));
    h = mix(mix(mix(a, b), c), d);
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 32);
}

/* ---- JSON ---------------------------------------------------------------- */

static void put_str(cot_buf_t *b, const char *s)
{
    if (s) cot_buf_add_json_str(b, s, strlen(s));
    else cot_buf_adds(b, "null");
}

void cot_fp_write(const cot_fp_t *fp, cot_buf_t *b)
{
    cot_buf_adds(b, "{\"tool\":");
    put_str(b, fp->tool);
    cot_buf_adds(b, ",\"pipeline\":");
    put_str(b, fp->pipeline);
    cot_buf_adds(b, ",\"parts\":[");
    for (size_t i = 0; i < fp->nparts; i++) {
        const cot_fp_part_t *p = &fp->parts[i];
        if (i) cot_buf_addc(b, ',');
        if (p->n) cot_buf_printf(b, "{\"part\":[%ld,%ld]", p->k, p->n);
        else cot_buf_adds(b, "{\"part\":null");
        for (int in = 0; in <= 1; in++) {
            cot_buf_adds(b, in ? ",\"inputs\":[" : ",\"sources\":[");
            int first = 1;
            for (size_t j = 0; j < p->nf; j++) {
                const cot_fp_file_t *f = &p->f[j];
                if (f->is_input != in) continue;
                cot_buf_adds(b, first ? "{\"name\":" : ",{\"name\":");
                first = 0;
                put_str(b, f->name);
                if (f->size >= 0) cot_buf_printf(b, ",\"size\":%" PRId64, f->size);
                else cot_buf_adds(b, ",\"size\":null");
                cot_buf_adds(b, ",\"mtime\":");
                put_str(b, f->mtime);
                if (in)
                    cot_buf_printf(b, ",\"records\":%" PRIu64 ",\"digest\":\"%016" PRIx64
                                   "\"", f->records, f->digest);
                cot_buf_addc(b, '}');
            }
            cot_buf_addc(b, ']');
        }
        cot_buf_addc(b, '}');
    }
    cot_buf_adds(b, "]}");
}

static const cJSON *get(const cJSON *j, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(j, k);
}

static int get_int(const cJSON *j, double lo, double hi, double *out)
{
    if (!cJSON_IsNumber(j) || !(j->valuedouble >= lo && j->valuedouble <= hi) ||
        j->valuedouble != floor(j->valuedouble)) return -1;
    *out = j->valuedouble;
    return 0;
}

static const char *read_files(const cJSON *a, cot_fp_part_t *p, int in)
{
    const char *dmg = "damaged partial: bad fingerprint file entry";
    if (!cJSON_IsArray(a)) return dmg;
    for (const cJSON *e = a->child; e; e = e->next) {
        const cJSON *nm = get(e, "name"), *sz = get(e, "size"), *mt = get(e, "mtime");
        if (!cJSON_IsString(nm)) return dmg;
        cot_fp_file_t *f = part_add(p);
        f->name = cot_strdup(nm->valuestring);
        f->is_input = in;
        double v;
        if (cJSON_IsNull(sz)) f->size = -1;
        else if (get_int(sz, 0, 9007199254740992.0, &v) < 0) return dmg;
        else f->size = (int64_t)v;
        if (cJSON_IsString(mt)) f->mtime = cot_strdup(mt->valuestring);
        else if (!cJSON_IsNull(mt)) return dmg;
        if (in) {
            const cJSON *d = get(e, "digest");
            char *end;
            if (get_int(get(e, "records"), 0, 9007199254740992.0, &v) < 0 ||
                !cJSON_IsString(d) || strlen(d->valuestring) != 16) return dmg;
            f->records = (uint64_t)v;
            errno = 0;
            f->digest = strtoull(d->valuestring, &end, 16);
            if (*end || errno) return dmg;
        }
    }
    return NULL;
}

const char *cot_fp_read(const cJSON *j, const char *origin, cot_fp_t *fp)
{
    const char *dmg = "damaged partial: bad fingerprint";
    memset(fp, 0, sizeof *fp);
    if (!cJSON_IsObject(j)) return dmg;
    const cJSON *t = get(j, "tool"), *pl = get(j, "pipeline"), *ps = get(j, "parts");
    if (!cJSON_IsString(t) || !cJSON_IsArray(ps) ||
        !(cJSON_IsString(pl) || cJSON_IsNull(pl))) return dmg;
    fp->tool = cot_strdup(t->valuestring);
    fp->pipeline = cJSON_IsString(pl) ? cot_strdup(pl->valuestring) : NULL;
    size_t m = (size_t)cJSON_GetArraySize(ps);
    fp->parts = cot_calloc(m + 1, sizeof *fp->parts);
    for (const cJSON *e = ps->child; e; e = e->next) {
        cot_fp_part_t *p = &fp->parts[fp->nparts++];
        p->origin = cot_strdup(origin);
        const cJSON *kn = get(e, "part");
        if (cJSON_IsArray(kn) && cJSON_GetArraySize(kn) == 2) {
            double k, n;
            if (get_int(cJSON_GetArrayItem(kn, 1), 1, 1 << 20, &n) < 0 ||
                get_int(cJSON_GetArrayItem(kn, 0), 1, n, &k) < 0) return dmg;
            p->k = (long)k;
            p->n = (long)n;
        } else if (!cJSON_IsNull(kn)) return dmg;
        const char *err = read_files(get(e, "sources"), p, 0);
        if (!err) err = read_files(get(e, "inputs"), p, 1);
        if (err) return err;
    }
    return NULL;
}

/* ---- comparing ------------------------------------------------------------ */

static int str_differ(const char *a, const char *b)
{
    return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

const char *cot_fp_differ(const cot_fp_t *a, const cot_fp_t *b)
{
    if (str_differ(a->tool, b->tool)) return "a different cot-stat version";
    if (str_differ(a->pipeline, b->pipeline)) return "a different --pipeline";
    return NULL;
}

void cot_fp_take(cot_fp_t *a, cot_fp_t *b)
{
    a->parts = cot_realloc(a->parts, (a->nparts + b->nparts + 1) * sizeof *a->parts);
    memcpy(a->parts + a->nparts, b->parts, b->nparts * sizeof *b->parts);
    a->nparts += b->nparts;
    free(b->parts);
    b->parts = NULL;
    b->nparts = 0;
}

/* An input of a part, for telling a shard given twice by its content: the
 * records' digest and count, whatever the name it was given by (./b.jsonl
 * and b.jsonl, a file and a pipe of it), and two files of one name in two
 * directories are told apart.  An input of no records says nothing (it
 * cannot count anything twice), and the digest tells apart parts of one
 * source split by a filter upstream (cot-diff --shard K/N). */
typedef struct {
    uint64_t digest, records;
    size_t part, file;
} fp_in_t;

static int in_cmp(const void *x, const void *y)
{
    const fp_in_t *a = x, *b = y;
    if (a->digest != b->digest) return a->digest < b->digest ? -1 : 1;
    if (a->records != b->records) return a->records < b->records ? -1 : 1;
    if (a->part != b->part) return a->part < b->part ? -1 : 1;
    return (a->file > b->file) - (a->file < b->file);
}

/* How messages name input f of part p: its name, or for standard input
 * the part's first --source, which says what the pipe carried. */
static void in_name(const cot_fp_part_t *p, const cot_fp_file_t *f, cot_buf_t *b)
{
    if (strcmp(f->name, "-")) { cot_buf_adds(b, f->name); return; }
    for (size_t i = 0; i < p->nf; i++)
        if (!p->f[i].is_input) {
            cot_buf_printf(b, "stdin of --source %s", p->f[i].name);
            return;
        }
    cot_buf_adds(b, "(stdin)");
}

static const char *plural(size_t n) { return n == 1 ? "" : "s"; }

size_t cot_fp_check(const cot_fp_t *fp, int complete)
{
    size_t bad = 0, labelled = 0;
    const cot_fp_part_t *first_l = NULL, *first_u = NULL;
    for (size_t i = 0; i < fp->nparts; i++) {
        const cot_fp_part_t *p = &fp->parts[i];
        if (p->n) { labelled++; if (!first_l) first_l = p; }
        else if (!first_u) first_u = p;
    }
    if (first_l && first_u) {
        cot_err("%s is part %ld/%ld but %s has no --part: partials of different runs",
                first_l->origin, first_l->k, first_l->n, first_u->origin);
        bad++;
    }
    long n = first_l ? first_l->n : 0;
    for (size_t i = 0; i < fp->nparts; i++) {
        const cot_fp_part_t *p = &fp->parts[i];
        if (p->n && p->n != n) {
            cot_err("%s is part %ld/%ld but %s is part %ld/%ld: partials of runs with "
                    "different shard counts", first_l->origin, first_l->k, n, p->origin,
                    p->k, p->n);
            bad++;
        }
    }
    /* Each K once (among the parts with the first N). */
    if (n) {
        const cot_fp_part_t **seen = cot_calloc((size_t)n + 1, sizeof *seen);
        for (size_t i = 0; i < fp->nparts; i++) {
            const cot_fp_part_t *p = &fp->parts[i];
            if (p->n != n) continue;
            if (seen[p->k]) {
                cot_err("part %ld/%ld is in both %s and %s: a shard given twice", p->k, n,
                        seen[p->k]->origin, p->origin);
                bad++;
            } else seen[p->k] = p;
        }
        if (complete) {
            size_t missing = 0;
            for (long k = 1; k <= n; k++) if (!seen[k]) missing++;
            if (missing) {
                cot_buf_t m = {0};
                size_t shown = 0;
                for (long k = 1; k <= n && shown < 10; k++)
                    if (!seen[k]) cot_buf_printf(&m, "%s%ld", shown++ ? ", " : "", k);
                if (missing > shown) cot_buf_printf(&m, " and %zu more", missing - shown);
                cot_err("part%s %s of %ld %s missing: the merge would not be one pass "
                        "over all the input", plural(missing), m.s, n,
                        missing == 1 ? "is" : "are");
                cot_buf_free(&m);
                bad++;
            }
        }
        free(seen);
    }
    /* The same records twice, labelled or not: sort the inputs by content,
     * so that thousands of partials take a moment, not a quadratic while;
     * each pair of partials is named once. */
    size_t m = 0, cap = 0, *said = NULL, nsaid = 0;
    fp_in_t *in = NULL;
    for (size_t i = 0; i < fp->nparts; i++)
        for (size_t j = 0; j < fp->parts[i].nf; j++) {
            const cot_fp_file_t *f = &fp->parts[i].f[j];
            if (!f->is_input || !f->records) continue;
            if (m == cap) in = cot_realloc(in, (cap = cap ? 2 * cap : 16) * sizeof *in);
            in[m++] = (fp_in_t){f->digest, f->records, i, j};
        }
    if (m) qsort(in, m, sizeof *in, in_cmp);
    for (size_t j = 1; j < m; j++) {
        const fp_in_t *x = &in[j - 1], *y = &in[j];
        if (x->digest != y->digest || x->records != y->records || x->part == y->part)
            continue;
        const cot_fp_part_t *p = &fp->parts[x->part], *q = &fp->parts[y->part];
        if (p->n && p->n == q->n && p->k == q->k) continue;   /* said above */
        int again = 0;
        for (size_t k = 0; k < nsaid && !again; k++)
            again = said[2 * k] == x->part && said[2 * k + 1] == y->part;
        if (again) continue;
        said = cot_realloc(said, 2 * (nsaid + 1) * sizeof *said);
        said[2 * nsaid] = x->part;
        said[2 * nsaid++ + 1] = y->part;
        cot_buf_t a = {0}, b = {0};
        in_name(p, &p->f[x->file], &a);
        in_name(q, &q->f[y->file], &b);
        cot_err("%s and %s hold the same records (%s%s%s: %" PRIu64 " record%s, "
                "digest %016" PRIx64 "): a shard given twice", p->origin, q->origin,
                a.s, strcmp(a.s, b.s) ? " and " : "", strcmp(a.s, b.s) ? b.s : "",
                x->records, plural(x->records), x->digest);
        cot_buf_free(&a);
        cot_buf_free(&b);
        bad++;
    }
    free(in);
    free(said);
    return bad;
}

static int file_changed(const cot_fp_file_t *h, const cot_fp_file_t *w, cot_buf_t *why)
{
    if (strcmp(h->name, w->name)) {
        cot_buf_printf(why, "it was made from %s, not %s", h->name, w->name);
        return 1;
    }
    if (h->size < 0) {
        cot_buf_printf(why, "its input %s was a pipe; name the shard with --source",
                       h->name);
        return 1;
    }
    if (w->size < 0) {
        cot_buf_printf(why, "%s is not a regular file now", w->name);
        return 1;
    }
    if (h->size != w->size) {
        cot_buf_printf(why, "%s changed since (%" PRId64 " bytes, now %" PRId64 ")",
                       w->name, h->size, w->size);
        return 1;
    }
    if (str_differ(h->mtime, w->mtime)) {
        cot_buf_printf(why, "%s changed since (modified at %s, now %s)", w->name,
                       h->mtime ? h->mtime : "?", w->mtime ? w->mtime : "?");
        return 1;
    }
    return 0;
}

int cot_fp_current(const cot_fp_t *have, const cot_fp_t *want, cot_buf_t *why)
{
    const cot_fp_part_t *w = &want->parts[0];
    if (str_differ(have->tool, want->tool)) {
        cot_buf_printf(why, "made by %s, this is %s", have->tool ? have->tool : "?",
                       want->tool);
        return 0;
    }
    if (str_differ(have->pipeline, want->pipeline)) {
        cot_buf_adds(why, "made by another --pipeline");
        return 0;
    }
    if (have->nparts != 1) {
        cot_buf_printf(why, "a merge of %zu partials, not one shard's", have->nparts);
        return 0;
    }
    const cot_fp_part_t *h = &have->parts[0];
    if (h->n != w->n || h->k != w->k) {
        cot_buf_t a = {0}, b = {0};
        if (h->n) cot_buf_printf(&a, "part %ld/%ld", h->k, h->n);
        else cot_buf_adds(&a, "no --part");
        if (w->n) cot_buf_printf(&b, "part %ld/%ld", w->k, w->n);
        else cot_buf_adds(&b, "no --part");
        cot_buf_printf(why, "made as %s, now %s", a.s, b.s);
        cot_buf_free(&a);
        cot_buf_free(&b);
        return 0;
    }
    /* Sources in order, then the inputs when the command line names files
     * (with none, the records come from a pipe and the sources say it all). */
    size_t hs = 0, ws = 0, hi = 0, wi = 0;
    for (size_t i = 0; i < h->nf; i++) h->f[i].is_input ? hi++ : hs++;
    for (size_t i = 0; i < w->nf; i++) w->f[i].is_input ? wi++ : ws++;
    int check_inputs = !(wi == 1 && !strcmp(w->f[w->nf - 1].name, "-"));
    if (hs != ws || (check_inputs && hi != wi)) {
        cot_buf_adds(why, "made from other files");
        return 0;
    }
    if (!ws && !check_inputs) {
        cot_buf_adds(why, "its records come from a pipe: name the shard with --source");
        return 0;
    }
    for (size_t i = 0, j = 0; i < h->nf && j < w->nf; i++, j++) {
        const cot_fp_file_t *hf = &h->f[i], *wf = &w->f[j];
        if (wf->is_input && !check_inputs) break;
        if (file_changed(hf, wf, why)) return 0;
    }
    return 1;
}

void cot_fp_free(cot_fp_t *fp)
{
    for (size_t i = 0; i < fp->nparts; i++) {
        cot_fp_part_t *p = &fp->parts[i];
        for (size_t j = 0; j < p->nf; j++) {
            free(p->f[j].name);
            free(p->f[j].mtime);
        }
        free(p->f);
        free(p->origin);
    }
    free(fp->parts);
    free(fp->tool);
    free(fp->pipeline);
    memset(fp, 0, sizeof *fp);
}
