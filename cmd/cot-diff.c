/* cot-diff -- which SFT records had their chain of thought edited, and
 * exactly where: each SFT record is paired with the model's own original
 * (by prompt, id or any field) and passed through with a "diff" object.
 * Pairing lives in lib/pair.c, the token diff in lib/diff.c, the classes,
 * the diff object and the text view in lib/diffview.c. */
#include "answer.h"
#include "cli.h"
#include "diff.h"
#include "diffview.h"
#include "extract.h"
#include "fields.h"
#include "json.h"
#include "pair.h"
#include "profile.h"
#include "record.h"
#include "workers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REWRITE_BELOW_DEFAULT 0.5
#define FPR_DEFAULT 0.01
#define CONTEXT_DEFAULT 3
#define MIN_PAIRED_DEFAULT 0.5

enum { KEY_PROMPT, KEY_ID, KEY_PATH };
/* --only/--drop take both sets (they are disjoint): statuses, then edits. */
static const char *const value_names[] = {"unchanged", "edited", "rewritten",
                                          "no-source", "no-key", "none",
                                          "cot-only", "answer-only", "both"};

enum {
    OPT_KEY = COT_OPT_TOOL, OPT_SHARD, OPT_REWRITE_BELOW, OPT_FORMAT,
    OPT_COLOR, OPT_CONTEXT, OPT_EXIT_STATUS, OPT_HUNK_TEXT, OPT_UNMATCHED,
    OPT_ONLY_EDIT, OPT_ONLY_STATUS, OPT_PROFILE, OPT_FPR, OPT_MIN_PAIRED,
    OPT_ONLY, OPT_DROP
};
enum { OPT_ANSWER_SHIFT = COT_OPT_TOOL + 64, OPT_WITHIN };   /* apart: options are added above */

typedef struct {
    int key;
    const char *key_path;       /* --key as given                          */
    long shard_k, shard_n;      /* 1-based; shard_n == 0: no sharding       */
    double rewrite_below;
    double min_paired;          /* --min-paired: warn, or fail the gate     */
    int text, color;
    long context;
    int exit_status, hunk_text;
    int user_u;                 /* -u as given: text mode forces it on      */
    const char *unmatched;
    unsigned only_edit, only_status;    /* bit masks; 0 = everything       */
    unsigned drop_edit, drop_status;    /* --drop: bit masks               */
    int counts;                 /* -c: counts per status and edit only     */
    const char *profile;        /* --profile: add "shift" (cot-profile(1))  */
    const char *profiles[COT_PROFILE_SET_MAX];   /* --profile, repeated     */
    int nprofiles;
    double fpr;
    int fpr_given, context_given, color_given;
    int answer_shift;           /* --answer-shift: numeric answers (answer.h) */
    char *within_a, *within_b;  /* --within A,B: diff two fields of a record */
    const char *pair_opt;       /* an option that needs ORIG, as given      */
    /* Originals read again by their members, without a JSON tree, and
     * candidates after an identical CoT counted, not diffed (off:
     * COT_DIFF_NO_FASTPATH=1); the top-level member --key names, if any */
    int fast_read;
    const char *key_member;
    size_t key_member_len;
    /* The top-level members built from a line (json.h): an original's are
     * keys[0..nokeys), an SFT record's keys[0..nkeys) (those and the
     * members set, "diff" and "shift").  keys NULL (whole) when --key may
     * read the record as a whole.  json_off: COT_JSON_NO_FASTPATH. */
    const char *keys[8];
    size_t nkeys, nokeys;
    /* Indexing an original builds only ikeys[0..nikeys) (id, prompt, the
     * --key path's first key): its cot and answer are only checked to be
     * strings, by their spans (orig_view()) */
    const char *ikeys[3];
    size_t nikeys;
    /* An SFT record builds only skeys[0..nskeys) (the --key path's first
     * key, "diff", "shift"): its view is read from the spans (sft_view()) */
    const char *skeys[3];
    size_t nskeys;
    int whole, json_off;
    cot_buf_t key_head;
} opts_t;

static void usage(FILE *fp)
{
    fprintf(fp,
"Usage: cot-diff [options] ORIG [SFT...]\n"
"       cot-diff [options] --within A,B [FILE...]\n"
"Pair each SFT record (canonical records, from the files or stdin) with the\n"
"model's own original in ORIG and add a \"diff\" object: was the CoT edited,\n"
"where, and how much.  ORIG is indexed (keys and line offsets, not texts;\n"
"zstd or piped originals are spilled to TMPDIR, or a zstd file decompressed\n"
"again where TMPDIR is a tmpfs, missing, unwritable or short of room;\n"
"COT_DIFF_SPILL);\n"
"SFT records stream, diffed on -@ N worker threads.\n"
"\n"
"Pairing:\n"
"  -k, --key KEY         prompt, id, or a field as /json/pointer or a.b [prompt]\n"
"      --shard K/N       keep only the keys hashing to shard K of N (both sides)\n"
"      --unmatched FILE  write the originals no SFT record used to FILE\n"
"      --within A,B      no ORIG: diff field A against field B inside each\n"
"                        record (pointers or a.b; step lists are joined)\n"
"Diff:\n"
"      --rewrite-below X CoT similarity under X is 'rewritten' [%.2f]\n"
"      --hunk-text       add a_text/b_text to each hunk\n"
"      --answer-shift    add the numeric answers (a rating \"7/10\", \"Rating: 7\",\n"
"                        a final number) and their shift, SFT - original\n"
"      --only V,...      keep only records with these statuses (unchanged,\n"
"                        edited,rewritten,no-source,no-key) and edits (none,\n"
"                        cot-only,answer-only,both)\n"
"      --drop V,...      do not write records with these statuses or edits\n"
"      --only-edit LIST  alias of --only for edits only (old spelling)\n"
"      --only-status LIST alias of --only for statuses only (old spelling)\n"
"  -c, --counts          print counts per status and edit instead of records\n"
"Gates:\n"
"      --exit-status     exit 1 when any record's CoT was edited, or when too\n"
"                        few records found an original (--min-paired)\n"
"      --min-paired X    fewer than X of the records found an original: warn,\n"
"                        or fail with --exit-status; none ever passes [%.2f]\n"
"Distance from the model's own distribution:\n"
"      --profile FILE    add a \"shift\" object scored against a cot-profile(1)\n"
"                        profile: surprisal inside and outside the edits;\n"
"                        repeated, each record against the first whose\n"
"                        reference leaves it out (shift.profile: which)\n"
"      --fpr X           false-positive rate for shift.off_policy [%.2f]\n"
"Text view:\n"
"  -O, --output-fmt FMT  jsonl or text (a word diff: [-old-]{+new+}) [jsonl]\n"
"  -f, --format FMT      alias of --output-fmt (old spelling)\n"
"  -C, --context N       text: unchanged lines around changes; -1 all [%d]\n"
"      --color WHEN      text: auto, always or never [auto] (or --colour)\n",
            REWRITE_BELOW_DEFAULT, MIN_PAIRED_DEFAULT, FPR_DEFAULT, CONTEXT_DEFAULT);
    cot_common_usage(fp, 1);
}

static unsigned parse_list(const char *opt, const char *arg,
                           const char *const *names, int nnames)
{
    unsigned mask = 0;
    const char *p = arg;
    for (;;) {
        size_t n = strcspn(p, ",");
        int i;
        for (i = 0; i < nnames; i++)
            if (strlen(names[i]) == n && !strncmp(names[i], p, n)) break;
        if (i == nnames) {
            cot_buf_t v = {0};
            for (int k = 0; k < nnames; k++) cot_buf_printf(&v, "%s%s", k ? ", " : "", names[k]);
            cot_usage_error("%s: unknown value '%.*s' (%s)", opt, (int)n, p, v.s);
        }
        mask |= 1u << i;
        if (!p[n]) return mask;
        p += n + 1;
    }
}

static void parse_shard(opts_t *o, const char *arg)
{
    const char *slash = strchr(arg, '/');
    char k[32];
    if (!slash || (size_t)(slash - arg) >= sizeof k ||
        (memcpy(k, arg, slash - arg), k[slash - arg] = 0,
         cot_parse_long(slash + 1, 1, 1L << 20, &o->shard_n) < 0) ||
        cot_parse_long(k, 1, o->shard_n, &o->shard_k) < 0)
        cot_usage_error("--shard: expected K/N with 1 <= K <= N, not '%s'", arg);
}

/* The options that pair with ORIG, which --within has none of. */
static const char *pair_opt_name(int c)
{
    switch (c) {
    case 'k': return "--key";
    case OPT_SHARD: return "--shard";
    case OPT_UNMATCHED: return "--unmatched";
    case OPT_ANSWER_SHIFT: return "--answer-shift";
    case OPT_ONLY_EDIT: return "--only-edit";
    case OPT_MIN_PAIRED: return "--min-paired";
    case OPT_PROFILE: return "--profile";
    case OPT_FPR: return "--fpr";
    }
    return NULL;
}

/* --within A,B: two field paths, split at the one comma. */
static void parse_within(opts_t *o, const char *arg)
{
    const char *comma = strchr(arg, ',');
    if (!comma || comma == arg || !comma[1] || strchr(comma + 1, ','))
        cot_usage_error("--within: expected two fields A,B (the original, then "
                        "the edit), not '%s'", arg);
    free(o->within_a);
    free(o->within_b);
    o->within_a = cot_strndup(arg, comma - arg);
    o->within_b = cot_strndup(comma + 1, strlen(comma + 1));
    cot_record_path_usage("--within", o->within_a);
    cot_record_path_usage("--within", o->within_b);
    if (!strcmp(o->within_a, o->within_b))
        cot_usage_error("--within: A and B are the same field '%s'", o->within_a);
}

/* The top-level member a --key path names when it names one and nothing
 * deeper ("qid", ".qid", "/qid"), else NULL: such keys are read from an
 * original's line without a JSON tree. */
static const char *key_member(const char *path)
{
    const char *name = path;
    if (*path == '/') {
        name = path + 1;
        /* cot_record_get() takes a pointer's step of up to 510 bytes */
        if (strpbrk(name, "/~") || strlen(name) > 510) return NULL;
    } else {
        if (*path == '.') name = path + 1;
        if (strpbrk(name, ".[")) return NULL;
    }
    return *name ? name : NULL;
}

/* The members cot-diff reads from a record (cot_record_view(), the --key
 * path's first key) and sets (diff_work(): "diff", then "shift"): only
 * these are built (json.h); the others are checked as fully as ever. */
static void set_keys(opts_t *o)
{
    static const char *const base[] = {"id", "prompt", "cot", "answer", "cot_state"};
    o->json_off = cot_json_fastpath_off();
    o->nkeys = 0;
    for (size_t i = 0; i < sizeof base / sizeof *base; i++) o->keys[o->nkeys++] = base[i];
    if (o->key == KEY_PATH) {
        if (cot_record_path_head(o->key_path, &o->key_head) < 0) o->whole = 1;
        else {
            size_t i = 0;
            while (i < o->nkeys && strcmp(o->keys[i], cot_buf_cstr(&o->key_head))) i++;
            if (i == o->nkeys) o->keys[o->nkeys++] = o->key_head.s;
        }
    }
    o->nokeys = o->nkeys;
    o->nikeys = 0;
    for (size_t i = 0; i < o->nkeys; i++)
        if (strcmp(o->keys[i], "cot") && strcmp(o->keys[i], "answer") &&
            strcmp(o->keys[i], "cot_state"))
            o->ikeys[o->nikeys++] = o->keys[i];
    o->nskeys = 0;
    if (o->key == KEY_PATH && !o->whole) o->skeys[o->nskeys++] = o->key_head.s;
    o->keys[o->nkeys++] = o->skeys[o->nskeys++] = "diff";   /* --answer-shift and --profile read it */
    o->keys[o->nkeys++] = o->skeys[o->nskeys++] = "shift";
}

static void parse_opts(int argc, char **argv, cot_common_t *common, opts_t *o)
{
    static const struct option longopts[] = {
        COT_COMMON_LONG,
        {"key", required_argument, 0, 'k'},
        {"shard", required_argument, 0, OPT_SHARD},
        {"unmatched", required_argument, 0, OPT_UNMATCHED},
        {"rewrite-below", required_argument, 0, OPT_REWRITE_BELOW},
        {"hunk-text", no_argument, 0, OPT_HUNK_TEXT},
        {"answer-shift", no_argument, 0, OPT_ANSWER_SHIFT},
        {"within", required_argument, 0, OPT_WITHIN},
        {"only-edit", required_argument, 0, OPT_ONLY_EDIT},
        {"only-status", required_argument, 0, OPT_ONLY_STATUS},
        {"only", required_argument, 0, OPT_ONLY},
        {"drop", required_argument, 0, OPT_DROP},
        {"counts", no_argument, 0, 'c'},
        {"exit-status", no_argument, 0, OPT_EXIT_STATUS},
        {"min-paired", required_argument, 0, OPT_MIN_PAIRED},
        {"profile", required_argument, 0, OPT_PROFILE},
        {"fpr", required_argument, 0, OPT_FPR},
        {"output-fmt", required_argument, 0, 'O'},
        {"format", required_argument, 0, 'f'},
        {"context", required_argument, 0, 'C'},
        {"color", required_argument, 0, OPT_COLOR},
        {"colour", required_argument, 0, OPT_COLOR},
        {0, 0, 0, 0}};
    const char *color = "auto";
    int c;
    memset(o, 0, sizeof *o);
    o->key_path = "prompt";
    o->rewrite_below = REWRITE_BELOW_DEFAULT;
    o->min_paired = MIN_PAIRED_DEFAULT;
    o->fpr = FPR_DEFAULT;
    o->context = CONTEXT_DEFAULT;
    while ((c = getopt_long(argc, argv, COT_COMMON_SHORT "k:f:O:C:c", longopts,
                            NULL)) >= 0) {
        if (cot_common_opt(common, c, optarg)) continue;
        if (pair_opt_name(c)) o->pair_opt = pair_opt_name(c);
        switch (c) {
        case 'k':
            o->key_path = optarg;
            if (!strcmp(optarg, "prompt")) o->key = KEY_PROMPT;
            else if (!strcmp(optarg, "id")) o->key = KEY_ID;
            else {
                cot_record_path_usage("--key", optarg);
                o->key = KEY_PATH;
            }
            break;
        case OPT_SHARD: parse_shard(o, optarg); break;
        case OPT_UNMATCHED: o->unmatched = optarg; break;
        case OPT_REWRITE_BELOW:
            if (cot_parse_double(optarg, 0, 1, &o->rewrite_below) < 0)
                cot_usage_error("--rewrite-below: expected a number in [0,1], "
                                "not '%s'", optarg);
            break;
        case OPT_HUNK_TEXT: o->hunk_text = 1; break;
        case OPT_ANSWER_SHIFT: o->answer_shift = 1; break;
        case OPT_WITHIN: parse_within(o, optarg); break;
        case OPT_ONLY_EDIT: o->only_edit = parse_list("--only-edit", optarg, cot_diffview_edit_names, 4); break;
        case OPT_ONLY_STATUS: o->only_status = parse_list("--only-status", optarg, cot_diffview_status_names, COT_DV_NSTATUS); break;
        case OPT_ONLY: case OPT_DROP: {
            unsigned m = parse_list(c == OPT_ONLY ? "--only" : "--drop", optarg,
                                    value_names, COT_DV_NSTATUS + 4);
            unsigned *st = c == OPT_ONLY ? &o->only_status : &o->drop_status;
            unsigned *ed = c == OPT_ONLY ? &o->only_edit : &o->drop_edit;
            *st |= m & ((1u << COT_DV_NSTATUS) - 1);
            *ed |= m >> COT_DV_NSTATUS;
            break;
        }
        case 'c': o->counts = 1; break;
        case OPT_EXIT_STATUS: o->exit_status = 1; break;
        case OPT_MIN_PAIRED:
            if (cot_parse_double(optarg, 0, 1, &o->min_paired) < 0)
                cot_usage_error("--min-paired: expected a fraction in [0,1], "
                                "not '%s'", optarg);
            break;
        case OPT_PROFILE:
            if (o->nprofiles == COT_PROFILE_SET_MAX)
                cot_usage_error("--profile: at most %d profiles", COT_PROFILE_SET_MAX);
            o->profiles[o->nprofiles++] = o->profile = optarg;
            break;
        case OPT_FPR:
            o->fpr = cot_profile_parse_fpr(optarg);
            o->fpr_given = 1;
            break;
        case 'f': case 'O':
            o->text = !strcmp(optarg, "text");
            if (!o->text && strcmp(optarg, "jsonl"))
                cot_usage_error("%s: expected jsonl or text, not '%s'",
                                c == 'O' ? "--output-fmt" : "--format", optarg);
            break;
        case 'C':
            if (cot_parse_long(optarg, -1, 1L << 30, &o->context) < 0)
                cot_usage_error("--context: expected a number >= -1, not '%s'", optarg);
            o->context_given = 1;
            break;
        case OPT_COLOR: color = optarg; o->color_given = 1; break;
        default: cot_bad_option(argv, longopts);
        }
    }
    if (!strcmp(color, "always")) o->color = 1;
    else if (!strcmp(color, "auto"))
        o->color = o->text && !strcmp(common->out_path, "-") && isatty(STDOUT_FILENO);
    else if (strcmp(color, "never"))
        cot_usage_error("--color: expected auto, always or never, not '%s'", color);
    if (o->answer_shift && o->text)
        cot_usage_error("--answer-shift adds fields to records; it has no effect with --output-fmt text");
    /* Options that shape something not asked for would be ignored. */
    if (o->fpr_given && !o->profile)
        cot_usage_error("--fpr needs --profile FILE: the profile whose off-policy "
                        "threshold it sets");
    if (o->text && (o->hunk_text || o->profile))
        cot_usage_error("%s adds fields to records; it has no effect with --output-fmt text",
                        o->hunk_text ? "--hunk-text" : "--profile");
    if (o->counts && (o->hunk_text || o->profile || o->answer_shift))
        cot_usage_error("-c/--counts prints counts instead of records: %s, which adds "
                        "fields to them, has no effect with it",
                        o->hunk_text ? "--hunk-text" : o->profile ? "--profile" : "--answer-shift");
    if (!o->text && (o->context_given || o->color_given))
        cot_usage_error("%s shapes the text view: give it with --output-fmt text",
                        o->context_given ? "-C/--context" : "--color");
    if (o->text && common->zstd)
        cot_usage_error("--output-fmt text writes plain text: --zstd has no effect with it");
    if (o->counts && o->text)
        cot_usage_error("-c/--counts prints counts instead of records; it cannot be "
                        "combined with --output-fmt text");
    if (o->counts && strcmp(common->out_path, "-"))
        cot_usage_error("-c/--counts prints counts on standard output; it does not "
                        "use -o (redirect it: > FILE)");
    if (o->within_a && (o->counts || o->drop_status || o->drop_edit || o->only_edit))
        cot_usage_error("--within takes --only with statuses only (unchanged, edited, "
                        "rewritten); -c, --drop and edit values are for paired runs");
    if (o->within_a && o->pair_opt)
        cot_usage_error("--within compares two fields of each record, with no ORIG: "
                        "%s has no meaning with it", o->pair_opt);
    if (!o->within_a && optind >= argc)
        cot_usage_error("missing ORIG, the file of original records");
    o->user_u = common->uncompressed;
    if (o->unmatched)         /* records, so -u decides (write_unmatched()) */
        common->more_compressed = cot_common_compressed(common, o->unmatched);
    if (o->text && common->level && !common->more_compressed && !common->rejects_path)
        cot_usage_error("--output-fmt text writes plain text: -l has no effect with it");
    if (o->text) common->uncompressed = 1;   /* text is for people */
    const char *e = getenv("COT_DIFF_NO_FASTPATH");
    o->fast_read = !(e && *e && strcmp(e, "0"));
    if (o->key == KEY_PROMPT) o->key_member = "prompt";
    else if (o->key == KEY_ID) o->key_member = "id";
    else o->key_member = key_member(o->key_path);
    o->key_member_len = o->key_member ? strlen(o->key_member) : 0;
    set_keys(o);
}

/* ---- keys -------------------------------------------------------------- */

static unsigned need_fields(const opts_t *o)
{
    return COT_NEED_COT | COT_NEED_ANSWER |
           (o->key == KEY_PROMPT ? COT_NEED_PROMPT : 0) |
           (o->key == KEY_ID ? COT_NEED_ID : 0);
}

/* The join key of rec into kb; NULL, or why there is none (a bad record).
 * *empty: the key names nothing (no text, only whitespace, [] or {}), so
 * the record must never pair. */
static const char *get_key(const opts_t *o, const cJSON *rec,
                           const cot_record_view_t *v, cot_buf_t *kb,
                           int *empty)
{
    static _Thread_local char msg[300];   /* -@ N: one per worker */
    cot_buf_clear(kb);
    if (o->key == KEY_PROMPT) {
        cot_pair_normalize(v->prompt, v->prompt_len, kb);
    } else if (o->key == KEY_ID) {
        cot_buf_adds(kb, v->id);
    } else {
        const char *twice;
        const cJSON *j = cot_record_get_unique(rec, o->key_path, &twice);
        if (twice) return cot_record_twice_error(o->key_path, twice);   /* which one pairs? */
        if (!j || cJSON_IsNull(j)) {
            snprintf(msg, sizeof msg, "record has no '%s' field to pair on "
                     "(--key %s)", o->key_path, o->key_path);
            return msg;
        }
        if (cJSON_IsString(j)) {
            cot_buf_adds(kb, j->valuestring);
        } else if ((cJSON_IsArray(j) || cJSON_IsObject(j)) && !j->child) {
            /* [] and {} name nothing either: leave the key empty */
        } else {            /* numbers, objects...: their compact JSON, numbers
                             * as the source spells them (distinct ids beyond
                             * 2^53 stay distinct) */
            if (cot_json_print(kb, j) < 0) cot_die(COT_EXIT_DATA, "--key %s: a value "
                                                   "that cannot be printed", o->key_path);
        }
    }
    cot_buf_cstr(kb);
    *empty = cot_pair_key_empty(kb->s, kb->len);
    return NULL;
}

/* Records without a usable key (bad, or an empty key) belong to shard 1,
 * so N shards report each once. */
static int in_shard(const opts_t *o, const cot_buf_t *kb, int empty)
{
    if (empty) return !o->shard_n || o->shard_k == 1;
    return !o->shard_n ||
           cot_pair_hash(kb->s, kb->len) % (uint64_t)o->shard_n ==
               (uint64_t)(o->shard_k - 1);
}

/* ---- originals ----------------------------------------------------------- */

/* Indexing the originals on -@ N workers: the main thread reads the lines;
 * a worker parses one, finds its view and key and hashes the key; the main
 * thread then, in load order, rejects it, or spills it and adds it to the
 * index (lib/pair.h).  The index, the spill and the messages are those of
 * -@ 0, byte for byte. */
typedef struct {
    const opts_t *o;
    const cot_pair_index_t *ix;
    cot_jsonl_parser_t parser;
} octx_t;

typedef struct {
    const char *kind;
    const char *text;           /* the line: the reader's at -@ 0, else own */
    size_t len;
    unsigned long line;
    int unterminated, bad;      /* bad: rejected for kind and why          */
    int too_long;               /* bad already as the reader gave it       */
    int empty, in_shard;
    uint64_t h[2];              /* the key's hashes                        */
    cot_buf_t file, own, why, key;
} oitem_t;

typedef struct {
    cot_run_t *run;
    const opts_t *o;
    cot_pair_index_t *ix;
    cot_pair_src_t *src;
    unsigned long long other, nokey;
    int st;
    int src_failed;             /* the spill (or the file) failed          */
} oload_t;

static void oitem_free(void *p)
{
    oitem_t *it = p;
    cot_buf_free(&it->file);
    cot_buf_free(&it->own);
    cot_buf_free(&it->why);
    cot_buf_free(&it->key);
}

static void oitem_bad(oitem_t *it, const char *kind, const char *why)
{
    it->bad = 1;
    it->kind = kind;
    cot_buf_clear(&it->why);
    cot_buf_adds(&it->why, why);
}

/* cot_record_view() of an original being indexed, parsed with only
 * o->ikeys built: the fields built from the tree, cot and answer (which
 * come after them) by their spans.  NULL, or the message
 * cot_record_view() gives; *unsure: the spans cannot tell (the caller
 * builds the members and asks cot_record_view()). */
static const char *orig_view(const opts_t *o, const cot_jsonl_parser_t *p, const char *text,
                             const cJSON *rec, cot_record_view_t *v, int *unsure)
{
    static const char *const spanned[2] = {"cot", "answer"};
    const cot_json_members_t *m = &p->members;
    unsigned need = need_fields(o);
    *unsure = 0;
    if (!m->skipped)            /* every member built: the tree tells all */
        return cot_record_view(rec, need, v);
    const char *why = cot_record_view(rec, need & ~(COT_NEED_COT | COT_NEED_ANSWER), v);
    if (why) return why;
    for (int i = 0; i < 2; i++) {
        size_t at, end;
        int r = cot_json_member_find(text, m, spanned[i], &at, &end);
        int k = r > 0 ? cot_json_member_count(text, m, spanned[i]) : r;
        if (r < 0 || k < 0) { *unsure = 1; return NULL; }
        if (k > 1) return cot_record_field_error(spanned[i], 2);
        if (!r || text[at] == 'n') return cot_record_field_error(spanned[i], 0);
        if (text[at] != '"') return cot_record_field_error(spanned[i], 1);
    }
    /* cot_state is not read, but given twice it is refused as the tree's
     * reading refuses it (cot_record_view()) */
    int k = cot_json_member_count(text, m, "cot_state");
    if (k < 0) { *unsure = 1; return NULL; }
    return k > 1 ? cot_record_field_error("cot_state", 2) : NULL;
}

static void orig_work(void *ctxp, void *itp)
{
    octx_t *c = ctxp;
    oitem_t *it = itp;
    const opts_t *o = c->o;
    cot_line_t l = {.file = it->file.s, .line = it->line, .len = it->len};
    int narrow = !o->whole && !o->json_off;
    c->parser.members.keys = o->whole ? NULL : narrow ? o->ikeys : o->keys;
    c->parser.members.nkeys = o->whole ? 0 : narrow ? o->nikeys : o->nokeys;
    if (cot_jsonl_parse(&c->parser, &l, (char *)it->text, it->unterminated)) {
        oitem_bad(it, l.kind, l.reason);
        return;
    }
    cot_record_view_t v;
    int unsure = 0;
    const char *why = narrow ? orig_view(o, &c->parser, it->text, l.json, &v, &unsure)
                             : cot_record_view(l.json, need_fields(o), &v);
    if (unsure) {               /* a member name with an escape: build them */
        cJSON_Delete(c->parser.json);
        c->parser.members.keys = o->keys;
        c->parser.members.nkeys = o->nokeys;
        c->parser.json = l.json = cot_json_parse_members(it->text, it->len,
                                                         &c->parser.scratch,
                                                         &c->parser.members);
        if (!l.json)
            cot_die(COT_EXIT_IO, "%s:%lu: internal error: the line parsed once "
                    "does not parse again", it->file.s, it->line);
        why = cot_record_view(l.json, need_fields(o), &v);
    }
    if (why) { oitem_bad(it, cot_record_kind(why, "missing-field"), why); return; }
    if ((why = get_key(o, l.json, &v, &it->key, &it->empty))) {
        oitem_bad(it, cot_record_kind(why, "missing-key"), why);
        return;
    }
    it->in_shard = in_shard(o, &it->key, it->empty);
    if (it->in_shard && !it->empty)
        cot_pair_key_hash(c->ix, it->key.s, it->key.len, it->h);
}

static int orig_done(void *arg, void *itp)
{
    oload_t *m = arg;
    oitem_t *it = itp;
    const opts_t *o = m->o;
    /* every line the reader gave is counted where a zstd ORIG is read again */
    if ((it->bad && !it->too_long) || (!it->bad && !it->in_shard))
        cot_pair_src_skip(m->src, it->len);
    if (it->bad) {
        /* Unkeyable lines belong to shard 1, so N shards report each once. */
        if (o->shard_n && o->shard_k != 1) { m->other++; return 0; }
        cot_line_t l = {.file = it->file.s, .line = it->line, .text = it->text,
                        .len = it->len, .reason = it->why.s, .kind = it->kind};
        if (cot_run_reject_other(m->run, &l, it->kind, it->why.s, "orig-rejected") < 0) {
            m->st = m->run->status;
            return 1;
        }
        return 0;
    }
    if (!it->in_shard) { m->other++; return 0; }
    uint64_t off;
    if (cot_pair_src_add(m->src, it->line, it->text, it->len, &off) < 0) {
        m->st = COT_EXIT_IO;
        m->src_failed = 1;
        return 1;
    }
    /* An empty key is kept for --unmatched, but it would pair with every
     * other empty key: never found. */
    m->nokey += it->empty;
    cot_pair_add_hashed(m->ix, it->empty ? NULL : it->h, off, it->len, it->line);
    if (it->own.cap > COT_WORKERS_KEEP) cot_workers_trim(&it->own);
    return 0;
}

/* Index the originals: their keys and where their lines are (lib/pair.h);
 * the texts stay in the file, or in its spilled copy. */
static int load_originals(cot_run_t *run, const opts_t *o, int threads, int adapt, char *path,
                          cot_pair_index_t *ix, cot_pair_src_t *src)
{
    cot_jsonl_reader_t *rd = cot_jsonl_open(&path, 1);
    int nctx = threads ? threads : 1, read_st = 0;
    octx_t *ctx = cot_calloc((size_t)nctx, sizeof *ctx);
    void **ctxp = cot_calloc((size_t)nctx, sizeof *ctxp);
    for (int i = 0; i < nctx; i++) {
        ctx[i] = (octx_t){.o = o, .ix = ix};
        ctxp[i] = &ctx[i];
    }
    oload_t m = {.run = run, .o = o, .ix = ix, .src = src};
    cot_workers_opt_t wo = {.threads = threads, .ctx = ctxp, .item_size = sizeof(oitem_t),
                            .work = orig_work, .done = orig_done, .done_arg = &m,
                            .item_free = oitem_free, .adapt = adapt};
    cot_workers_t *pool = cot_workers_new(&wo);
    for (;;) {
        oitem_t *it = cot_workers_next(pool);
        cot_line_t l;
        int unterminated = 0;
        int r = cot_jsonl_next_raw(rd, &l, &unterminated);
        if (r <= -2) { read_st = r == -3 ? COT_EXIT_IO : COT_EXIT_DATA; break; }
        if (r == -1) break;
        cot_buf_clear(&it->file);
        cot_buf_adds(&it->file, l.file);
        cot_buf_cstr(&it->file);
        it->line = l.line;
        it->len = l.len;
        it->unterminated = unterminated;
        it->bad = it->empty = 0;
        it->too_long = r == 1;
        if (cot_workers_threaded(pool)) {   /* the worker parses it later: a copy */
            cot_buf_clear(&it->own);
            cot_buf_add(&it->own, l.text, l.len);
            it->text = it->own.s;
        } else {
            it->text = l.text;  /* parsed before the next read */
        }
        if (r == 1) oitem_bad(it, l.kind, l.reason);
        if (cot_workers_submit(pool, l.len, r == 0) < 0) break;
    }
    int st = cot_workers_finish(pool) < 0 ? m.st : read_st;
    cot_workers_free(pool);
    for (int i = 0; i < nctx; i++) cot_jsonl_parser_free(&ctx[i].parser);
    free(ctx);
    free(ctxp);
    cot_jsonl_close(rd);
    if (!st && cot_pair_src_done(src) < 0) st = COT_EXIT_IO, m.src_failed = 1;
    /* A spill that failed leaves an index that is thrown away, and how far
     * it got depends on when the writer thread's failure was seen (-@ N):
     * not counted, so that -v says the same at every N. */
    if (!(m.src_failed && cot_pair_src_spilled(src))) {
        cot_run_count(run, "orig:loaded", cot_pair_count(ix));
        cot_run_count(run, "orig:keys", cot_pair_keys(ix));
        cot_run_count(run, "orig:no-key", m.nokey);
        if (o->shard_n) cot_run_count(run, "orig:other-shard", m.other);
        cot_run_count(run, "orig:index-bytes", cot_pair_bytes(ix));
        if (cot_pair_src_spilled(src))
            cot_run_count(run, "orig:spilled-bytes", cot_pair_src_spill_bytes(src));
    }
    if (st) run->status = st;
    else if (m.nokey)
        cot_warn("%llu of %zu originals have an empty key (key: %s): never paired "
                 "(an empty key names nothing); pair on another field with --key",
                 m.nokey, cot_pair_count(ix), o->key_path);
    return st;
}

/* An original read again from the source: its record, its view and key,
 * and its id ("FILE:LINE" when it has none).  Read by its members
 * (orig_scan()), the view points into line and the d* buffers, and json
 * is NULL. */
typedef struct {
    cot_buf_t line, key, id, scratch;
    cot_buf_t dprompt, dcot, danswer, did;  /* decoded members           */
    cJSON *json;
    cot_record_view_t v;
    cot_json_members_t mem;     /* the members built (opts_t keys)        */
} orig_t;

static void orig_free(orig_t *g)
{
    cJSON_Delete(g->json);
    g->json = NULL;
}

static void orig_release(orig_t *g)
{
    orig_free(g);
    cot_buf_t *b[] = {&g->line, &g->key, &g->id, &g->scratch, &g->dprompt,
                      &g->dcot, &g->danswer, &g->did};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) cot_buf_free(b[i]);
    cot_json_members_free(&g->mem);
}

/* The id of a paired original into g->id: its own, else FILE:LINE. */
static void orig_id(orig_t *g, const char *orig_name, unsigned long long lineno,
                    const char *id, size_t idlen)
{
    cot_buf_clear(&g->id);
    if (id) cot_buf_add(&g->id, id, idlen);
    else cot_buf_printf(&g->id, "%s:%llu", orig_name, lineno);
    cot_buf_cstr(&g->id);
}

/* g->line read again by its members, without a JSON tree: what
 * cot_record_view() and get_key() find in the parsed line, found in the
 * text (lib/pair.h).  1 when its key is key[0..klen), 0 when another key
 * shares its hashes, -2 when the line holds something this reading is not
 * sure of (the caller parses it in full, which decides and explains).
 * sprompt: the SFT record's prompt, as it is (NULL: unknown).  key_only:
 * only the key is wanted (v and id are not set). */
static int orig_scan(const opts_t *o, const char *orig_name,
                     unsigned long long lineno, const char *key, size_t klen,
                     const char *sprompt, size_t sprompt_len, orig_t *g, int key_only)
{
    enum { M_KEY, M_ID, M_PROMPT, M_COT, M_ANSWER };
    const char *names[5] = {o->key_member, "id", "prompt", "cot", "answer"};
    size_t nlen[5] = {o->key_member_len, 2, 6, 3, 6};
    cot_pair_span_t sp[5];
    const char *k, *id = NULL, *t;
    size_t kn, idn = 0, tn;
    if (cot_pair_members(g->line.s, g->line.len, names, nlen, key_only ? 1 : 5, sp) < 0)
        return -2;
    if (cot_pair_string(sp[M_KEY], &g->dprompt, &k, &kn) != 1) return -2;
    if (o->key != KEY_PROMPT) {
        if (kn != klen || memcmp(k, key, klen)) return 0;
    } else if (!(sprompt && kn == sprompt_len && !memcmp(k, sprompt, kn))) {
        /* the same prompt as the SFT record's is the same key, unnormalised */
        cot_buf_clear(&g->key);
        cot_pair_normalize(k, kn, &g->key);
        if (g->key.len != klen || memcmp(g->key.s, key, klen)) return 0;
    }
    if (key_only) return 1;
    memset(&g->v, 0, sizeof g->v);
    int r = cot_pair_string(sp[M_ID], &g->did, &id, &idn);
    if (r < 0) return -2;
    if (r == 0) id = NULL;
    if (o->key == KEY_PROMPT) { g->v.prompt = k; g->v.prompt_len = kn; }
    if (cot_pair_string(sp[M_COT], &g->dcot, &t, &tn) != 1) return -2;
    g->v.cot = t;
    g->v.cot_len = tn;
    if (cot_pair_string(sp[M_ANSWER], &g->danswer, &t, &tn) != 1) return -2;
    g->v.answer = t;
    g->v.answer_len = tn;
    g->v.id = id;
    orig_id(g, orig_name, lineno, id, idn);
    return 1;
}

/* Read entry e into g.  1 when its key is key[0..klen) (a candidate), 0
 * when another key shares its hashes, -1 when it cannot be read again
 * (error printed: the run stops).  sv: the SFT record's view.  key_only:
 * only whether it is a candidate is wanted. */
static int orig_read(const opts_t *o, cot_pair_index_t *ix, cot_pair_src_t *src,
                     cot_pair_cache_t *rc, const char *orig_name, size_t e,
                     const char *key, size_t klen, const cot_record_view_t *sv,
                     orig_t *g, int key_only)
{
    uint64_t off;
    size_t len;
    unsigned long long lineno;
    int empty;
    cot_pair_where(ix, e, &off, &len, &lineno);
    orig_free(g);
    if (cot_pair_src_read_ahead(src, rc, off, len, &g->line) < 0) return -1;
    if (o->fast_read && o->key_member) {
        int r = orig_scan(o, orig_name, lineno, key, klen, sv->prompt, sv->prompt_len,
                          g, key_only);
        if (r >= 0) return r;
    }
    /* The line passed the reader's checks when it was indexed: the fast
     * parser, with this slot's scratch (building only the members read),
     * or cJSON for the rest. */
    if (!o->json_off && !o->whole) {
        g->mem.keys = o->keys;
        g->mem.nkeys = o->nokeys;
        g->json = cot_json_parse_members(g->line.s, g->line.len, &g->scratch, &g->mem);
    } else {
        g->json = cot_json_parse_fast(g->line.s, g->line.len, &g->scratch);
    }
    if (!g->json) g->json = cot_json_parse(g->line.s, g->line.len);
    if (!g->json ||
        cot_record_view(g->json, need_fields(o), &g->v) ||
        get_key(o, g->json, &g->v, &g->key, &empty)) {
        cot_err("%s:%llu: this original no longer reads as it did when it was "
                "indexed; run again on a copy that stays as it is", orig_name, lineno);
        return -1;
    }
    if (g->key.len != klen || memcmp(g->key.s, key, klen)) return 0;
    orig_id(g, orig_name, lineno, g->v.id, g->v.id ? strlen(g->v.id) : 0);
    return 1;
}

static int write_unmatched(const cot_common_t *common, const opts_t *o,
                           const cot_pair_index_t *ix, cot_pair_src_t *src)
{
    cot_common_t c = *common;
    c.uncompressed = o->user_u;   /* records, so -u decides, as always */
    cot_stream_t *s = cot_common_open_out(&c, o->unmatched);
    if (!s) return -1;
    cot_buf_t line = {0};
    cot_pair_cache_t rc = {0};  /* the entries are in file order */
    cot_pair_src_rewind(src);
    for (size_t e = 0; e < cot_pair_count(ix); e++) {
        if (cot_pair_used(ix, e)) continue;
        uint64_t off;
        size_t len;
        unsigned long long lineno;
        cot_pair_where(ix, e, &off, &len, &lineno);
        if (cot_pair_src_read_ahead(src, &rc, off, len, &line) < 0 ||
            cot_stream_write(s, line.s, line.len) < 0 ||
            cot_stream_write(s, "\n", 1) < 0) {
            cot_buf_free(&line);
            cot_pair_cache_free(&rc);
            cot_stream_abort(s);
            return -1;
        }
    }
    cot_buf_free(&line);
    cot_pair_cache_free(&rc);
    return cot_stream_close(s);
}

/* ---- the records: read on the main thread, diffed on -@ N workers ------- */

/* What a worker needs; one per worker.  The index and the source are
 * shared and only read. */
typedef struct {
    const opts_t *o;
    cot_pair_index_t *ix;
    cot_pair_src_t *src;
    const char *orig_name, *out_name;
    cot_profile_t *const *prof; /* --profile: each record against the first */
    int nprof;                  /* whose reference leaves it out           */
    const cot_profile_shift_opts_t *so;
    cot_profile_work_t pw[COT_PROFILE_SET_MAX];
    cot_differ_t *df;
    orig_t g[2];                /* the candidate being read, the best one  */
    cot_buf_t name, val;        /* val: the members set, printed           */
    cot_buf_t vid, vprompt, vcot, vanswer;  /* sft_view(): decoded members */
    cot_pair_cache_t rc;        /* the originals read ahead                */
    cot_jsonl_parser_t parser;  /* the SFT lines are parsed here           */
    int build_all;              /* the last line was not canonical: build  */
} dctx_t;                       /* the next whole, not twice (diff_work()) */

enum { IT_RECORD, IT_OTHER_SHARD, IT_BAD_LINE, IT_REJECT };
/* Failures a worker hands to the main thread. */
enum { IT_OK, IT_READ_FAILED, IT_PRINT_FAILED };

/* One SFT line on its way through the pool: read on the main thread,
 * parsed, paired and diffed on a worker, counted and written in order. */
typedef struct {
    int kind;                   /* IT_*                                    */
    cot_raw_t raw;              /* the line, where, why it is rejected     */
    cJSON *rec;                 /* the record, owned                       */
    cot_record_view_t v;        /* into rec                                */
    cot_buf_t key;
    int empty;
    /* set by the worker */
    int status, edit, selected, failed, shift;  /* shift: 0; 1 in, 2 off, 3 in ref */
    size_t cands, best;
    cot_buf_t out;              /* the record's line or its text view      */
} ditem_t;

static void ditem_free(void *p)
{
    ditem_t *it = p;
    cJSON_Delete(it->rec);
    cot_buf_free(&it->key);
    cot_raw_free(&it->raw);
    cot_buf_free(&it->out);
}

/* Pair and diff one record.  The closest CoT among the candidates wins, the
 * first one on ties; c->g[1] holds it.  IT_OK or IT_READ_FAILED. */
static int diff_record(dctx_t *c, ditem_t *it, cot_diff_t *cot)
{
    const opts_t *o = c->o;
    const cot_record_view_t *v = &it->v;
    size_t first;
    it->cands = 0;
    size_t n = cot_pair_find(c->ix, it->key.s, it->key.len, &first);
    double best = -1;
    size_t last = COT_PAIR_NONE;      /* the entry cot was last diffed for */
    for (size_t e = first; n && e != COT_PAIR_NONE; e = cot_pair_next(c->ix, e)) {
        /* After a CoT as close as can be (similarity 1) no later candidate
         * wins (the first one wins ties): the rest are only counted. */
        int done = o->fast_read && best >= 1.0;
        int r = orig_read(o, c->ix, c->src, &c->rc, c->orig_name, e, it->key.s,
                          it->key.len, v, &c->g[0], done);
        if (r < 0) return IT_READ_FAILED;
        if (!r) continue;
        it->cands++;
        if (done) continue;
        cot_diff_run(c->df, c->g[0].v.cot, c->g[0].v.cot_len, v->cot, v->cot_len, cot);
        last = e;
        if (cot->similarity > best) {
            best = cot->similarity;
            it->best = e;
            orig_t t = c->g[0]; c->g[0] = c->g[1]; c->g[1] = t;
        }
    }
    if (!it->cands) {
        it->status = COT_DV_NOSOURCE;
        return IT_OK;
    }
    const cot_record_view_t *a = &c->g[1].v;
    if (last != it->best)    /* the hunks in the differ are the best one's */
        cot_diff_run(c->df, a->cot, a->cot_len, v->cot, v->cot_len, cot);
    int cot_same = a->cot_len == v->cot_len && !memcmp(a->cot, v->cot, v->cot_len);
    int ans_same = a->answer_len == v->answer_len &&
                   !memcmp(a->answer, v->answer, v->answer_len);
    it->edit = cot_diffview_edit(cot_same, ans_same);
    it->status = cot_diffview_status(it->edit, cot_same, cot->similarity,
                                     o->rewrite_below);
    return IT_OK;
}

static int is_unpaired(int status)
{
    return status == COT_DV_NOSOURCE || status == COT_DV_NOKEY;
}

/* --only/--drop: whether a record with this status and edit is written. */
static int selected(const opts_t *o, int status, int edit)
{
    int unpaired = is_unpaired(status);
    return !((o->only_status && !(o->only_status >> status & 1)) ||
             (o->only_edit && (unpaired || !(o->only_edit >> edit & 1))) ||
             (o->drop_status >> status & 1) ||
             (!unpaired && (o->drop_edit >> edit & 1)));
}

/* The view of one compared record: what lib/diffview.c renders. */
static cot_diffview_rec_t view_of(const dctx_t *c, const ditem_t *it)
{
    const cot_record_view_t *v = &it->v;
    cot_diffview_rec_t r = {.status = it->status, .edit = it->edit,
                            .candidates = it->cands,
                            .b_cot = v->cot, .b_cot_len = v->cot_len,
                            .b_answer = v->answer, .b_answer_len = v->answer_len};
    if (!is_unpaired(it->status)) {
        const orig_t *g = &c->g[1];
        r.source_id = g->id.s;
        r.source_id_len = g->id.len;
        r.a_cot = g->v.cot;
        r.a_cot_len = g->v.cot_len;
        r.a_answer = g->v.answer;
        r.a_answer_len = g->v.answer_len;
    }
    return r;
}

/* --profile's edited spans: the b offsets of the cot's hunks, as
 * cot_profile_spans_json() reads them from "diff.cot.hunks" (its checks
 * too), into w->spans.  The count, or -1. */
static long hunk_spans(const cot_diff_t *cot, size_t cot_len, cot_profile_work_t *w)
{
    if (w->scap < cot->nhunks) {
        w->scap = cot->nhunks;
        w->spans = cot_realloc(w->spans, w->scap * sizeof *w->spans);
    }
    for (size_t i = 0; i < cot->nhunks; i++) {
        const cot_hunk_t *h = &cot->hunks[i];
        if (h->b_end < h->b_start || h->b_end > cot_len) return -1;
        w->spans[i][0] = h->b_start;
        w->spans[i][1] = h->b_end;
    }
    return (long)cot->nhunks;
}

/* it->out: the record with "diff" (and "shift") set, as cot_record_set()
 * set them.  A canonical line (every cot tool's output) is its own bytes
 * with those members spliced in (json.h), and so is a spaced one (the
 * writer's form but for whitespace between tokens: json.dumps()'s): the
 * diff object is written straight as text (cot_diffview_write(), no tree).
 * Any other line, or one whose members were not all built, is printed from
 * its tree, the diff object built as a tree (cot_diffview_json()).  ans:
 * the --answer-shift members (NULL: none), added to the diff object;
 * sj: the "shift" object or NULL, owned.  -1 when a value cannot be
 * printed. */
static int print_diffed(dctx_t *c, ditem_t *it, const cot_diffview_rec_t *r,
                        const cot_diff_t *cot, const cJSON *ans, cJSON *sj)
{
    const cot_json_members_t *m = &c->parser.members;
    cJSON *dj = NULL;
    int rc = -1;
    if (m->canonical || m->spaced) {
        cot_json_set_t set[2];
        size_t nset = 0, mid;
        cot_buf_clear(&c->val);
        if (cot_diffview_write(&c->val, c->df, r, cot, c->o->hunk_text, ans) < 0) goto done;
        mid = c->val.len;
        if (sj && cot_json_print(&c->val, sj) < 0) goto done;
        set[nset++] = (cot_json_set_t){"diff", c->val.s, mid};
        if (sj) set[nset++] = (cot_json_set_t){"shift", c->val.s + mid, c->val.len - mid};
        if (cot_json_splice(&it->out, it->raw.text.s, it->raw.text.len, m, set, nset) == 0) {
            rc = 0;
            goto done;
        }
        /* never (its spans are this line's): the diff read back */
        if (!(dj = cot_json_parse(c->val.s, mid)))
            cot_die(COT_EXIT_IO, "%s:%lu: internal error: the diff object written "
                    "does not parse", it->raw.file.s, it->raw.line);
    } else {
        dj = cot_diffview_json(c->df, r, cot, c->o->hunk_text);
        for (const cJSON *a = ans ? ans->child : NULL; a; a = a->next)
            cJSON_AddItemToObject(dj, a->string, cJSON_Duplicate(a, 1));
    }
    if (m->skipped)              /* never: a line with spans is canonical */
        cot_die(COT_EXIT_IO, "%s:%lu: internal error: a record not built whole "
                "cannot be printed", it->raw.file.s, it->raw.line);
    cot_record_set(it->rec, "diff", dj);    /* the first "diff" now */
    dj = NULL;
    if (sj) cot_record_set(it->rec, "shift", sj);
    sj = NULL;
    rc = cot_json_print(&it->out, it->rec);
done:
    cJSON_Delete(dj);
    cJSON_Delete(sj);
    return rc;
}

/* cot_record_view() of the SFT line text, parsed with its view's members
 * not built (o->skeys), read from their spans: each string points into the
 * line, or into c's buffers when it holds an escape (the id always there,
 * NUL-terminated); cot_state, which cot-diff does not read, is left NULL.
 * 1 with *why NULL or cot_record_view()'s message; 0 when the spans cannot
 * tell (a member name or a string this reading is not sure of): the
 * caller builds the members. */
static int sft_view(dctx_t *c, const char *text, unsigned need, cot_record_view_t *v,
                    const char **why)
{
    static const char *const names[4] = {"id", "prompt", "cot", "answer"};
    static const unsigned bits[4] = {COT_NEED_ID, COT_NEED_PROMPT, COT_NEED_COT,
                                     COT_NEED_ANSWER};
    cot_buf_t *bufs[4] = {&c->vid, &c->vprompt, &c->vcot, &c->vanswer};
    const char *p[4] = {NULL, NULL, NULL, NULL};
    size_t len[4] = {0, 0, 0, 0};
    const cot_json_members_t *m = &c->parser.members;
    memset(v, 0, sizeof *v);
    *why = NULL;
    for (int i = 0; i < 4; i++) {
        size_t at, end;
        int r = cot_json_member_find(text, m, names[i], &at, &end);
        int k = r > 0 ? cot_json_member_count(text, m, names[i]) : r;
        if (r < 0 || k < 0) return 0;
        if (k > 1) {                        /* readers differ on which counts */
            *why = cot_record_field_error(names[i], 2);
            return 1;
        }
        if (!r || text[at] != '"') {        /* absent, null, or not a string */
            if (need & bits[i]) {
                *why = cot_record_field_error(names[i], r && text[at] != 'n');
                return 1;
            }
            continue;
        }
        if (cot_pair_string((cot_pair_span_t){text + at, end - at}, bufs[i], &p[i],
                            &len[i]) != 1)
            return 0;
    }
    int k = cot_json_member_count(text, m, "cot_state");  /* as cot_record_view() */
    if (k < 0) return 0;
    if (k > 1) {
        *why = cot_record_field_error("cot_state", 2);
        return 1;
    }
    if (p[0] && p[0] != c->vid.s) {         /* the id as a C string */
        cot_buf_clear(&c->vid);
        cot_buf_add(&c->vid, p[0], len[0]);
        p[0] = cot_buf_cstr(&c->vid);
    }
    v->id = p[0];
    v->prompt = p[1];
    v->prompt_len = len[1];
    v->cot = p[2];
    v->cot_len = len[2];
    v->answer = p[3];
    v->answer_len = len[3];
    return 1;
}

/* The per-record work (lib/workers.h): on a worker, or inline with -@ 0. */
static void diff_work(void *ctxp, void *itp)
{
    dctx_t *c = ctxp;
    ditem_t *it = itp;
    const opts_t *o = c->o;
    cot_diff_t cot = {0};
    cot_buf_clear(&it->out);
    it->failed = IT_OK;
    it->shift = 0;
    it->edit = COT_DV_NONE;
    cot_line_t l = {.file = it->raw.file.s, .line = it->raw.line, .len = it->raw.text.len};
    cot_json_members_t *mem = &c->parser.members;
    /* A line not in the writer's form is printed from a whole tree: after
     * one, the next line is built whole at once (its spans are still
     * found, so it is spliced if it is canonical); after a canonical one,
     * only the members read.  Either way the output is the same. */
    int whole = o->whole || (c->build_all && !o->text && !o->counts);
    int narrow = !whole && !o->json_off;    /* the view from the spans */
    mem->keys = whole ? NULL : narrow ? o->skeys : o->keys;
    mem->nkeys = whole ? 0 : narrow ? o->nskeys : o->nkeys;
    if (cot_jsonl_parse(&c->parser, &l, it->raw.text.s, it->raw.unterminated)) {
        it->kind = IT_BAD_LINE;
        cot_raw_reject(&it->raw, l.kind, l.reason);
        return;
    }
    it->rec = cot_jsonl_parser_take(&c->parser);
    int splices = mem->canonical || mem->spaced;
    c->build_all = !splices;
    if (mem->skipped && !splices && !o->text && !o->counts) {
        /* A line that cannot be spliced is printed from its tree, so the
         * tree must be whole: the fast parser took the line, so it takes
         * it again (cot_jsonl_parse() would warn twice of a missing
         * newline). */
        cJSON_Delete(it->rec);
        if (!(it->rec = cot_json_parse_fast(it->raw.text.s, it->raw.text.len,
                                            &c->parser.scratch)))
            cot_die(COT_EXIT_IO, "%s:%lu: internal error: the line parsed once "
                    "does not parse again", it->raw.file.s, it->raw.line);
        mem->skipped = 0;
    }
    const char *why = NULL;
    if (!narrow || !mem->skipped ||
        !sft_view(c, it->raw.text.s, need_fields(o), &it->v, &why)) {
        if (narrow && mem->skipped) {       /* the spans cannot tell: build */
            cJSON_Delete(it->rec);
            mem->keys = o->keys;
            mem->nkeys = o->nkeys;
            if (!(it->rec = cot_json_parse_members(it->raw.text.s, it->raw.text.len,
                                                   &c->parser.scratch, mem)))
                cot_die(COT_EXIT_IO, "%s:%lu: internal error: the line parsed once "
                        "does not parse again", it->raw.file.s, it->raw.line);
        }
        why = cot_record_view(it->rec, need_fields(o), &it->v);
    }
    if (!why && !o->text && !o->counts) {
        /* The members it sets (built whole, every copy): replacing the
         * first of two would pass the stale second on to a reader that
         * takes the last. */
        static const char *const sets[] = {"diff", "shift"};
        const char *twice = cot_record_twice(it->rec, sets, o->profile ? 2 : 1);
        if (twice) why = cot_record_field_error(twice, 2);
    }
    const char *rkind = "missing-field";
    it->empty = 0;
    if (!why && (why = get_key(o, it->rec, &it->v, &it->key, &it->empty)))
        rkind = "missing-key";
    if (why) {
        /* Unkeyable lines belong to shard 1, so N shards report each once. */
        it->kind = o->shard_n && o->shard_k != 1 ? IT_OTHER_SHARD : IT_REJECT;
        cot_raw_reject(&it->raw, cot_record_kind(why, rkind), why);
        goto out;
    }
    if (!in_shard(o, &it->key, it->empty)) {
        it->kind = IT_OTHER_SHARD;
        goto out;
    }
    it->kind = IT_RECORD;
    if (it->empty) it->status = COT_DV_NOKEY;
    else if ((it->failed = diff_record(c, it, &cot)) != IT_OK) goto out;
    it->selected = selected(o, it->status, it->edit);
    if (!it->selected || o->counts) goto out;
    cot_diffview_rec_t r = view_of(c, it);
    if (o->text) {
        cot_buf_clear(&c->name);
        if (it->v.id) cot_buf_adds(&c->name, it->v.id);
        else cot_buf_printf(&c->name, "%s:%lu", it->raw.file.s, it->raw.line);
        cot_buf_cstr(&c->name);
        cot_diffview_text(&it->out, c->df, &r, &cot, c->name.s, o->context, o->color);
        goto out;
    }
    /* --profile splits the cot by its edited spans: its hunks, read
     * before the answer's diff reuses the differ; none without a source. */
    cJSON *ans = NULL, *sj = NULL;
    if (c->nprof) {
        int k = 0;
        if (c->nprof > 1) {
            uint64_t h = cot_profile_fold_key(it->v.prompt, it->v.prompt_len, it->v.id,
                                              it->v.cot, it->v.cot_len);
            k = cot_profile_pick(c->prof, c->nprof, h, it->v.cot, it->v.cot_len, c->pw);
        }
        cot_profile_work_t *pw = &c->pw[k];
        long nspans = is_unpaired(it->status) ? -1 : hunk_spans(&cot, it->v.cot_len, pw);
        int off = 0;
        sj = cot_profile_shift_json(c->prof[k], it->v.cot, it->v.cot_len, nspans, c->so,
                                    pw, &off);
        it->shift = pw->in_reference == 1 ? 3 : off ? 2 : 1;
    }
    if (o->answer_shift) {
        /* no original for no-source and no-key records (before, a no-key
         * record was compared with the original of an earlier record) */
        const cot_record_view_t *a = is_unpaired(it->status) ? NULL : &c->g[1].v;
        ans = cJSON_CreateObject();
        cot_answer_shift_add(ans, a ? a->answer : NULL, a ? a->answer_len : 0,
                             it->v.answer, it->v.answer_len);
    }
    if (print_diffed(c, it, &r, &cot, ans, sj) < 0) {
        cot_err("%s: internal error: a record holds a value that cannot be "
                "written as JSON", c->out_name);
        it->failed = IT_PRINT_FAILED;
    }
    cJSON_Delete(ans);
out:
    cJSON_Delete(it->rec);      /* the worker's to free: it made it grow */
    it->rec = NULL;
}

/* The main thread's side, in input order: counts, the used flags, output. */
typedef struct {
    cot_run_t *run;
    const opts_t *o;
    cot_pair_index_t *ix;
    unsigned long long cot_edited, paired, compared, digest_ids;
    unsigned long long nstatus[COT_DV_NSTATUS], nedit[4];
    unsigned long long shifted, inref;   /* --profile: scored, in its reference */
    cot_buf_t inref_file;        /* where the first in the reference is     */
    unsigned long inref_line;
} dmain_t;

static int diff_done(void *arg, void *itp)
{
    dmain_t *m = arg;
    ditem_t *it = itp;
    cot_run_t *run = m->run;
    const opts_t *o = m->o;
    if (it->kind == IT_OTHER_SHARD) { cot_run_count(run, "other-shard", 1); return 0; }
    if (it->kind == IT_BAD_LINE || it->kind == IT_REJECT) {
        cot_line_t l = {it->raw.file.s, it->raw.line, it->raw.text.s ? it->raw.text.s : "",
                        it->raw.text.len, NULL, it->raw.why.s, it->raw.kind};
        if (cot_run_reject(run, &l, it->raw.kind, it->raw.why.s) == 0) return 0;
        cot_run_stop_at(run, it->raw.lines, it->raw.blank);   /* read ahead of it */
        return 1;
    }
    if (it->failed) {
        run->status = COT_EXIT_IO;
        if (it->failed == IT_PRINT_FAILED) run->out_failed = 1;
        cot_run_stop_at(run, it->raw.lines, it->raw.blank);
        return 1;
    }
    int unpaired = is_unpaired(it->status);
    m->compared++;
    m->paired += !unpaired;
    m->digest_ids += o->key == KEY_ID && !strncmp(it->key.s, "digest:", 7);
    if (!unpaired) cot_pair_mark_used(m->ix, it->best);
    char key[40];
    snprintf(key, sizeof key, "diff:%s", cot_diffview_status_names[it->status]);
    cot_run_count(run, key, 1);
    if (!unpaired && (it->edit == COT_DV_COT || it->edit == COT_DV_BOTH))
        m->cot_edited++;
    if (!it->selected) {
        cot_run_count(run, "not-selected", 1);
        return 0;
    }
    if (o->counts) {
        m->nstatus[it->status]++;
        if (!unpaired) m->nedit[it->edit]++;
        return 0;
    }
    if (o->text) {
        if (it->out.len && cot_stream_write(run->out, it->out.s, it->out.len) < 0) {
            run->status = COT_EXIT_IO;
            cot_run_stop_at(run, it->raw.lines, it->raw.blank);
            return 1;
        }
        cot_run_count(run, "shown", it->out.len > 0);
        return 0;
    }
    if (it->shift) {
        static const char *const k[] = {"shift:in-policy", "shift:off-policy",
                                        "shift:in-reference"};
        cot_run_count(run, k[it->shift - 1], 1);
        m->shifted++;
        if (it->shift == 3 && !m->inref++) {
            cot_buf_adds(&m->inref_file, it->raw.file.s);
            m->inref_line = it->raw.line;
        }
    }
    if (cot_run_emit_raw(run, it->out.s, it->out.len) == 0) return 0;
    cot_run_stop_at(run, it->raw.lines, it->raw.blank);
    return 1;
}

static void close_profiles(cot_profile_t **p)
{
    for (int k = 0; k < COT_PROFILE_SET_MAX; k++) {
        cot_profile_close(p[k]);
        p[k] = NULL;
    }
}

/* Read the SFT records and pair them on -@ N workers: the output, the
 * messages and the accounts are those of -@ 0, byte for byte.  Returns
 * with m's counts set. */
static void run_paired(cot_run_t *run, cot_common_t *common, const opts_t *o,
                       cot_pair_index_t *ix, cot_pair_src_t *src,
                       const char *orig_name, cot_profile_t *const *prof, int nprof,
                       const cot_profile_shift_opts_t *so, dmain_t *m)
{
    /* lib/answer.c keeps its matcher in globals: --answer-shift runs on
     * the main thread. */
    int nthreads = o->answer_shift ? 0 : common->threads;
    int nctx = nthreads ? nthreads : 1;
    dctx_t *ctx = cot_calloc((size_t)nctx, sizeof *ctx);
    void **ctxp = cot_calloc((size_t)nctx, sizeof *ctxp);
    for (int i = 0; i < nctx; i++) {
        ctx[i] = (dctx_t){.o = o, .ix = ix, .src = src, .orig_name = orig_name,
                          .out_name = run->out ? cot_stream_name(run->out) : "(stdout)",
                          .prof = prof, .nprof = nprof, .so = so, .df = cot_diff_new()};
        ctxp[i] = &ctx[i];
    }
    if (nprof) {    /* its tables are made on first use: make them here */
        cot_ptok_t *t = NULL;
        size_t cap = 0;
        cot_profile_tokenize("x", 1, &t, &cap);
        free(t);
    }
    cot_workers_opt_t wo = {.threads = nthreads, .ctx = ctxp,
                            .item_size = sizeof(ditem_t), .work = diff_work,
                            .done = diff_done, .done_arg = m, .item_free = ditem_free,
                            .adapt = common->threads_auto};
    cot_workers_t *pool = cot_workers_new(&wo);
    int read_status = 0;
    for (;;) {
        ditem_t *it = cot_workers_next(pool);
        size_t len;
        int r = cot_run_read_item(run, &it->raw, &len);
        if (r == -2) {           /* a damaged input: it counts after the */
            read_status = run->status;  /* records read before it         */
            run->status = COT_EXIT_OK;
        }
        if (r < 0) break;
        if (r == 1) it->kind = IT_BAD_LINE;    /* too long: rejected in its place */
        if (cot_workers_submit(pool, len, r == 0) < 0) break;
    }
    if (cot_workers_finish(pool) == 0 && read_status) run->status = read_status;
    cot_workers_free(pool);
    for (int i = 0; i < nctx; i++) cot_jsonl_parser_free(&ctx[i].parser);
    for (int i = 0; i < nctx; i++) {
        cot_diff_free(ctx[i].df);
        for (int k = 0; k < COT_PROFILE_SET_MAX; k++) cot_profile_work_free(&ctx[i].pw[k]);
        for (int k = 0; k < 2; k++) orig_release(&ctx[i].g[k]);
        cot_buf_free(&ctx[i].name);
        cot_buf_free(&ctx[i].val);
        cot_buf_free(&ctx[i].vid);
        cot_buf_free(&ctx[i].vprompt);
        cot_buf_free(&ctx[i].vcot);
        cot_buf_free(&ctx[i].vanswer);
        cot_pair_cache_free(&ctx[i].rc);
    }
    free(ctx);
    free(ctxp);
}

/* After the run: say once how many records had an empty key, and check
 * that enough records found an original (--min-paired).  An error with
 * --exit-status (returns 1: the gate fails), a warning without (0). */
static int check_pairing(cot_run_t *run, const opts_t *o,
                         unsigned long long paired, unsigned long long compared,
                         unsigned long long digest_ids)
{
    unsigned long long nokey = cot_run_counter(run, "diff:no-key");
    if (nokey)
        cot_warn("%llu of %llu records have an empty key (key: %s): status no-key, "
                 "never paired; pair on another field with --key",
                 nokey, compared, o->key_path);
    cot_buf_t what = {0}, msg = {0};
    cot_buf_printf(&what, "key: %s", o->key_path);
    if (o->shard_n) cot_buf_printf(&what, ", shard %ld/%ld", o->shard_k, o->shard_n);
    int bad = cot_pair_check(paired, compared, o->min_paired, what.s, &msg);
    if (bad && o->exit_status) cot_err("%s", msg.s);
    else if (bad) cot_warn("%s", msg.s);
    if (bad && digest_ids)
        (o->exit_status ? cot_err : cot_warn)(
            "%llu of the SFT ids are cot-extract's digests of source lines (the "
            "records had no id), which match only identical lines; pair on the "
            "prompt (--key prompt) or on a field", digest_ids);
    cot_buf_free(&what);
    cot_buf_free(&msg);
    return bad && o->exit_status;
}

/* ---- --within: the original and the edit in one record ---------------- */

/* Field text of rec at path into b: COT_FIELD_HIT, _MISS (absent or null)
 * or _BADTYPE (a value with no text, such as an object). */
static int within_text(const cJSON *j, cot_buf_t *b)
{
    if (!j || cJSON_IsNull(j)) return COT_FIELD_MISS;
    return cot_extract_text(j, b) ? COT_FIELD_HIT : COT_FIELD_BADTYPE;
}

/* Diff field A against field B of every record: the same statuses
 * (unchanged, edited, rewritten), hunks and text view as with ORIG.  A
 * record without either field is rejected; a field that no record has
 * fails the run (fields.h).  Returns 1 when some record was edited, or
 * when none was compared at all and there is a gate (--exit-status). */
static int run_within(cot_run_t *run, const opts_t *o)
{
    cot_fields_t *f = cot_fields_new();
    int fa = cot_fields_want(f, "--within", o->within_a, "they are rejected");
    int fb = cot_fields_want(f, "--within", o->within_b, "they are rejected");
    cot_differ_t *df = cot_diff_new();
    cot_buf_t a = {0}, b = {0}, out = {0}, why = {0};
    cot_diff_t r;
    cot_line_t l;
    int edited = 0, st;
    unsigned long long compared = 0;
    for (int i = COT_DV_UNCHANGED; i <= COT_DV_REWRITTEN; i++) {
        cot_buf_clear(&out);
        cot_buf_printf(&out, "diff:%s", cot_diffview_status_names[i]);
        cot_run_count(run, out.s, 0);
    }
    while ((st = cot_run_next(run, &l)) == 0) {
        const char *paths[2] = {o->within_a, o->within_b};
        const char *tw = cot_record_paths_twice(l.json, paths, 2);
        if (tw) {
            if (cot_run_reject(run, &l, "field-twice", tw) < 0) break;
            continue;
        }
        const cJSON *ja = cot_record_get(l.json, o->within_a);
        const cJSON *jb = cot_record_get(l.json, o->within_b);
        if (ja && ja == jb)     /* /a and a, spelt apart */
            cot_usage_error("--within: %s and %s are the same field",
                            o->within_a, o->within_b);
        int ha = within_text(ja, &a), hb = within_text(jb, &b);
        cot_fields_mark(f, fa, ha);
        cot_fields_mark(f, fb, hb);
        if (ha != COT_FIELD_HIT || hb != COT_FIELD_HIT) {
            const char *p = ha != COT_FIELD_HIT ? o->within_a : o->within_b;
            int how = ha != COT_FIELD_HIT ? ha : hb;
            if (how == COT_FIELD_MISS) cot_fields_learn(f, l.json);
            cot_buf_clear(&why);
            cot_buf_printf(&why, how == COT_FIELD_MISS
                           ? "record has no '%s' field (--within %s,%s)"
                           : "'%s' is not text or a list of steps (--within %s,%s)",
                           p, o->within_a, o->within_b);
            if (cot_run_reject(run, &l, "missing-field", why.s) < 0) break;
            continue;
        }
        cot_diff_run(df, a.s, a.len, b.s, b.len, &r);
        int same = a.len == b.len && !memcmp(a.s, b.s, a.len);
        int status = cot_diffview_status(cot_diffview_edit(same, 1), same,
                                         r.similarity, o->rewrite_below);
        edited |= !same;
        compared++;
        cot_buf_clear(&out);
        cot_buf_printf(&out, "diff:%s", cot_diffview_status_names[status]);
        cot_run_count(run, out.s, 1);
        if (o->only_status && !(o->only_status >> status & 1)) {
            cot_run_count(run, "not-selected", 1);
            continue;
        }
        if (o->text) {
            cot_buf_clear(&out);
            const cJSON *id = cot_record_get(l.json, "id");
            cot_buf_clear(&why);
            if (cJSON_IsString(id)) cot_buf_adds(&why, id->valuestring);
            else cot_buf_printf(&why, "%s:%lu", l.file, l.line);
            cot_buf_cstr(&why);
            cot_diffview_within_text(&out, status, why.s, o->within_a, o->within_b,
                                     &r, a.s, a.len, b.s, o->context, o->color);
            if (out.len && cot_stream_write(run->out, out.s, out.len) < 0) {
                run->status = COT_EXIT_IO;
                break;
            }
            cot_run_count(run, "shown", out.len > 0);
            continue;
        }
        cot_record_set(l.json, "diff", cot_diffview_within_json(
                           status, o->within_a, o->within_b, &r, a.s, b.s, o->hunk_text));
        if (cot_run_emit(run, l.json) < 0) break;
    }
    if (st == -1 && run->status == COT_EXIT_OK && cot_fields_check(f, 0))
        cot_run_fail(run, COT_EXIT_DATA);
    if (!compared && o->exit_status && run->status == COT_EXIT_OK) {
        cot_err("no record was compared (--within %s,%s): a gate that compared "
                "nothing does not pass", o->within_a, o->within_b);
        edited = 1;
    }
    cot_fields_free(f);
    cot_diff_free(df);
    cot_buf_free(&a);
    cot_buf_free(&b);
    cot_buf_free(&out);
    cot_buf_free(&why);
    return edited;
}

/* Everything after the options; main frees what they hold, on every
 * return. */
static int diff_main(cot_common_t *common, opts_t *o, int argc, char **argv)
{
    if (o->within_a) {
        cot_run_t run;
        int st = cot_run_open(&run, common, argv + optind, argc - optind, 1);
        if (st) return st;
        int edited = run_within(&run, o);
        st = cot_run_finish(&run);
        free(o->within_a);
        free(o->within_b);
        return st == COT_EXIT_OK && o->exit_status && edited ? COT_EXIT_DATA : st;
    }
    char *orig = argv[optind];
    char *const *files = argv + optind + 1;
    int nfiles = argc - optind - 1;
    if (!strcmp(orig, "-")) {
        int sft_stdin = nfiles == 0;
        for (int i = 0; i < nfiles; i++) sft_stdin |= !strcmp(files[i], "-");
        if (sft_stdin)
            cot_usage_error("ORIG and the SFT records cannot both come from stdin");
    }

    cot_profile_t *profs[COT_PROFILE_SET_MAX] = {0};
    const int np = o->nprofiles;
    for (int k = 0; k < np; k++)
        if (!(profs[k] = cot_profile_load(o->profiles[k]))) {
            int e = errno;
            close_profiles(profs);
            return e ? COT_EXIT_IO : COT_EXIT_DATA;
        }
    cot_buf_t pnames = {0};     /* for the messages */
    if (np > 1) {
        if (cot_profile_set_check(profs, np, o->profiles, &pnames)) {
            cot_err("--profile: %s", pnames.s);
            cot_buf_free(&pnames);
            close_profiles(profs);
            return COT_EXIT_DATA;
        }
        cot_buf_clear(&pnames);
    }
    cot_profile_set_names(o->profiles, np, &pnames);
    cot_profile_shift_opts_t so;
    cot_profile_shift_opts_init(&so);
    so.fpr = o->fpr;
    so.units = 1;             /* windows and steps, as cot-profile score */
    for (int k = 0; k < np; k++)
        cot_profile_warn_calibration(profs[k], o->fpr, (1u << COT_PUNIT_N) - 1, 1);

    /* The source first: a plain file is read again in place, a zstd file
     * decompressed again, anything else spilled as it is read (lib/pair.h). */
    cot_pair_src_t *src = cot_pair_src_open(orig);
    if (!src) {
        close_profiles(profs);
        cot_buf_free(&pnames);
        return COT_EXIT_IO;
    }
    if (common->threads) cot_pair_src_threaded(src);
    cot_pair_src_readers(src, common->threads);
    cot_run_t run;
    int st = cot_run_open(&run, common, files, nfiles, !o->counts);
    if (st) {
        cot_pair_src_close(src);
        close_profiles(profs);
        cot_buf_free(&pnames);
        return st;
    }
    cot_pair_index_t *ix = cot_pair_index_new();
    const char *orig_name = strcmp(orig, "-") ? orig : "(stdin)";
    if (load_originals(&run, o, common->threads, common->threads_auto, orig, ix, src)) {
        cot_pair_index_free(ix);
        cot_pair_src_close(src);
        close_profiles(profs);
        cot_buf_free(&pnames);
        return cot_run_finish(&run);
    }
    for (int s = 0; s < COT_DV_NSTATUS; s++) {
        char key[40];
        snprintf(key, sizeof key, "diff:%s", cot_diffview_status_names[s]);
        cot_run_count(&run, key, 0);
    }

    dmain_t m = {.run = &run, .o = o, .ix = ix};
    run_paired(&run, common, o, ix, src, orig_name, profs, np, &so, &m);
    cot_run_count(&run, "orig:unused", cot_pair_unused(ix));
    cot_run_count(&run, "paired", m.paired);
    int unpaired_gate = run.status == COT_EXIT_OK &&
                        check_pairing(&run, o, m.paired, m.compared, m.digest_ids);
    if (run.status == COT_EXIT_OK && o->unmatched &&
        write_unmatched(common, o, ix, src) < 0)
        run.status = COT_EXIT_IO;
    if (run.status == COT_EXIT_OK && cot_pair_src_check(src) < 0)
        run.status = COT_EXIT_IO;
    if (o->counts && run.status == COT_EXIT_OK) {   /* as cot-judge -c */
        for (int k = 0; k < COT_DV_NSTATUS; k++)
            if (((!o->only_status || o->only_status >> k & 1) && !(o->drop_status >> k & 1)) || m.nstatus[k])
                printf("%s\t%llu\n", cot_diffview_status_names[k], m.nstatus[k]);
        for (int k = 0; k < 4; k++)
            if (((!o->only_edit || o->only_edit >> k & 1) && !(o->drop_edit >> k & 1)) || m.nedit[k])
                printf("%s\t%llu\n", cot_diffview_edit_names[k], m.nedit[k]);
        if (cot_flush_stdout()) run.status = COT_EXIT_IO;
    }
    if (m.inref)               /* their records are kept, as a gate's are */
        cot_profile_in_reference_error(cot_buf_cstr(&pnames), m.inref, m.shifted,
                                       cot_buf_cstr(&m.inref_file), m.inref_line);
    cot_buf_free(&m.inref_file);
    cot_pair_index_free(ix);
    cot_pair_src_close(src);
    close_profiles(profs);
    cot_buf_free(&pnames);
    st = cot_run_finish(&run);
    if (st == COT_EXIT_OK && o->exit_status && (m.cot_edited || unpaired_gate))
        st = COT_EXIT_DATA;
    if (st == COT_EXIT_OK && m.inref) st = COT_EXIT_DATA;
    return st;
}

int main(int argc, char **argv)
{
    cot_common_t common;
    opts_t o;
    cot_common_init(&common, "cot-diff", usage);
    parse_opts(argc, argv, &common, &o);
    int st = diff_main(&common, &o, argc, argv);
    cot_buf_free(&o.key_head);
    return st;
}
