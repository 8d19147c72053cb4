/* fuzz-profile -- the profile loader (lib/profile.c) on untrusted files.
 *
 * A small real profile is built once.  Byte 0 of the input picks the mode:
 * even, the input is the whole file; odd, the input is a list of patches
 * (u16 offset, u8 length, bytes) laid over the real profile, and the
 * checksum is recomputed, as a crafted file could (it is not
 * cryptographic).  Whatever opens must score any text in bounds and in
 * bounded time (libFuzzer's -timeout catches an endless probe). */
#include "fuzz.h"
#include "profile.h"
#include "util.h"

#include <string.h>
#include <unistd.h>

static unsigned char *good;
static size_t ngood;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    cot_prog = "fuzz-profile";
    cot_profile_opts_t o;
    cot_profile_opts_init(&o);
    o.order = 3;
    cot_profile_builder_t *b = cot_profile_builder_new(&o);
    static const char *const r[] = {
        "we need the total so we add the two numbers", "the total is the sum of the parts",
        "so we need to check the tests first", "I think the answer is 42 and we are done",
        "let me add 3 and 4, which gives 7.", "the user wants a short answer"};
    for (int k = 0; k < 40; k++) {
        if (k % 5 == 4) cot_profile_builder_holdout(b, r[k % 6], strlen(r[k % 6]));
        else cot_profile_builder_add(b, r[k % 6], strlen(r[k % 6]));
    }
    char path[] = "/tmp/fuzz-profile.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) abort();
    close(fd);
    if (cot_profile_builder_write(b, path) != 0) abort();
    cot_profile_builder_free(b);
    FILE *f = fopen(path, "rb");
    good = malloc(1 << 20);
    ngood = fread(good, 1, 1 << 20, f);
    fclose(f);
    unlink(path);
    return 0;
}

static void exercise(const cot_profile_t *p, const char *text, size_t n)
{
    static cot_profile_work_t w;
    cot_profile_shift_opts_t o;
    cot_profile_shift_opts_init(&o);
    o.window = 4;
    int off;
    cJSON *j = cot_profile_shift_json(p, text, n, -1, &o, &w, &off);
    cJSON_Delete(j);
    o.window = 32;            /* the calibrated window: flagged spans */
    o.units = 1;
    o.fpr = 0.2;
    j = cot_profile_shift_json(p, text, n, -1, &o, &w, &off);
    cJSON_Delete(j);
    for (int k = 0; k < COT_PUNIT_N; k++) {
        cot_profile_thr_t t;
        cot_profile_unit_threshold(p, k, 0.01, &t);
        cot_profile_unit_threshold(p, k, 0.5, &t);
    }
    /* the scorer's one pass and its chars cache (warm from other images)
     * give what the plain functions give */
    if (cot_profile_scan_check(text, n) || cot_profile_chars_check(p, text, n, &w) ||
        cot_profile_words_check(p, text, n, &w))
        abort();
    /* the shift object's text is its tree's (what score splices) */
    o.per_token = 1;
    const double curv = -2.5;
    if (cot_profile_shift_check(p, text, n, -1, &o, &w, &curv)) abort();
    cot_profile_info_t in;
    cot_profile_info(p, &in);
    cot_profile_threshold(p, 0, 0.01);
    cot_profile_threshold(p, 1, 0.5);
    /* mix --views on its held-out rows, whatever they hold */
    cot_profile_vmix_t m;
    const char *why;
    int which;
    cot_profile_t *pp = (cot_profile_t *)p;
    if (cot_profile_vmix_init(&m, &pp, 1, &why, &which) == 0) {
        o.per_token = 0;
        j = cot_profile_shift_json(p, text, n, -1, &o, &w, &off);
        double z[COT_PROFILE_COMB_MAX];
        int k;
        int r = cot_profile_vmix_record(&m, j, z, &k);
        for (int i = 0; r == 1 && i < 3; i++) cot_profile_vmix_add(&m, z, k);
        cot_profile_vmix_fit(&m, &pp);
        cot_profile_thr_t t;
        cot_profile_vmix_threshold(&m, 0.01, 0, &t);
        if (r == 1) {
            cot_profile_vmix_p(&m, cot_profile_vmix_score(&m, z, 0), 0);
            cot_profile_vmix_posterior(&m, z, 0);
        }
        cJSON_Delete(j);
        cot_profile_vmix_free(&m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *why = NULL;
    static const char text[] = "we need the total, then zzyzx qwfp 7 the sum";
    if (!(data[0] & 1)) {
        /* A private copy, so ASan sees reads past the end. */
        unsigned char *img = malloc(size);
        memcpy(img, data, size);
        cot_profile_t *p = cot_profile_open_mem(img, size, &why);
        if (p) exercise(p, text, sizeof text - 1);
        cot_profile_close(p);
        free(img);
        return 0;
    }
    unsigned char *img = malloc(ngood);
    memcpy(img, good, ngood);
    size_t i = 1;
    while (i + 3 <= size) {
        size_t off = ((size_t)data[i] | (size_t)data[i + 1] << 8) % ngood, len = data[i + 2];
        i += 3;
        if (len > size - i) len = size - i;
        if (len > ngood - off) len = ngood - off;
        memcpy(img + off, data + i, len);
        i += len;
    }
    uint64_t c = cot_profile_checksum(img, ngood);
    memcpy(img + 376, &c, 8);    /* little-endian host */
    cot_profile_t *p = cot_profile_open_mem(img, ngood, &why);
    if (p) exercise(p, text, sizeof text - 1);
    cot_profile_close(p);
    free(img);
    return 0;
}
