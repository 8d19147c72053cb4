/* cli.c -- see cli.h */
#define _GNU_SOURCE 1   /* sched_getaffinity, CPU_COUNT */
#include "cli.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

void cot_common_init(cot_common_t *c, const char *prog, void (*usage)(FILE *))
{
    memset(c, 0, sizeof *c);
    c->out_path = "-";
    c->level = 0;                        /* the stream's: 3, -1000 into a pipe */
    c->threads = cot_threads_default();
    c->threads_auto = 1;
    c->usage = usage;
    cot_prog = prog;
    opterr = 0;   /* cot_bad_option() reports, in the house format */
}

int cot_threads_default(void)
{
    /* -@ N: N record workers beside the main thread (which reads, writes
     * and keeps the accounts), so by default one per CPU this process may
     * use; none on one CPU, where a worker only adds hand-offs. */
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#ifdef CPU_COUNT
    cpu_set_t set;   /* taskset and cgroup cpusets give fewer than online */
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) < n) n = CPU_COUNT(&set);
#endif
    if (n > COT_THREADS_MAX) n = COT_THREADS_MAX;
    return n > 1 ? (int)n : 0;
}

int cot_zstd_threads(int threads)
{
    /* Level-3 compression runs at about half the speed of the parser, so
     * two compression threads keep up with it and more buy nothing
     * (bench/extract: 1.8 s against 1.95 s with one, on 2 CPUs). */
    return threads < COT_ZSTD_THREADS_MAX ? threads : COT_ZSTD_THREADS_MAX;
}

/* The long option that stands for short option c, or NULL. */
static const struct option *long_of(const struct option *lo, int c)
{
    for (; lo && lo->name; lo++)
        if (lo->val == c) return lo;
    return NULL;
}

void cot_bad_option(char *const *argv, const struct option *longopts)
{
    const char *a = optind > 0 ? argv[optind - 1] : "?";
    if (a[0] == '-' && a[1] != '-') {
        /* A short option: getopt sets optopt to the letter.  One it knows
         * (its long form takes an argument) lacked its argument. */
        const struct option *l = optopt > 0 ? long_of(longopts, optopt) : NULL;
        if (l && l->has_arg == required_argument && optopt < 0x100 && optopt != '?')
            cot_usage_error("option '-%c' (--%s) needs an argument", optopt, l->name);
        if (optopt > 0 && optopt < 0x100 && optopt != '?')
            cot_usage_error("unknown option '-%c'", optopt);
        cot_usage_error("unknown option '%s'", a);
    }
    if (a[0] != '-' || a[1] != '-') cot_usage_error("unknown option '%s'", a);
    const char *name = a + 2;
    size_t n = strcspn(name, "=");
    /* Exact name first, then abbreviations (getopt_long takes a unique
     * prefix; several mean it gave up). */
    size_t nprefix = 0;
    cot_buf_t b = {0};
    for (const struct option *l = longopts; l && l->name; l++) {
        if (strlen(l->name) == n && !strncmp(l->name, name, n)) {
            cot_buf_free(&b);
            if (l->has_arg == no_argument && name[n] == '=')
                cot_usage_error("option '--%s' takes no argument", l->name);
            cot_usage_error("option '--%s' needs an argument", l->name);
        }
        if (!strncmp(l->name, name, n)) {
            cot_buf_printf(&b, "%s--%s", nprefix ? ", " : "", l->name);
            nprefix++;
        }
    }
    if (nprefix > 1) cot_usage_error("option '--%.*s' is ambiguous: %s", (int)n, name, b.s);
    cot_buf_free(&b);
    const char *best = NULL;
    size_t bd = (size_t)-1;
    for (const struct option *l = longopts; l && l->name; l++) {
        size_t d = cot_edit_distance(name, n, l->name, strlen(l->name));
        if (d < bd) { bd = d; best = l->name; }
    }
    /* Close means a slip of the fingers: at most a third of the name. */
    if (best && bd <= (n + 2) / 3)
        cot_usage_error("unknown option '--%.*s'; did you mean '--%s'?", (int)n, name, best);
    cot_usage_error("unknown option '--%.*s'", (int)n, name);
}

void cot_common_no_records(const cot_common_t *c, const char *what)
{
    if (strcmp(c->out_path, "-"))
        cot_usage_error("%s prints text on standard output; it does not use -o "
                        "(redirect it: > FILE)", what);
    const char *o = c->uncompressed ? "-u" : c->zstd ? "--zstd" : c->level ? "-l"
                  : !c->threads_auto ? "-@" : c->skip_bad ? "--skip-bad"
                  : c->rejects_path ? "--rejects" : NULL;
    if (o) cot_usage_error("%s reads no records and writes plain text: %s has no effect "
                           "with it", what, o);
}

void cot_common_check_level(const cot_common_t *c, int want_out)
{
    if (c->level && !c->more_compressed &&
        !(want_out && cot_common_compressed(c, c->out_path)) &&
        !(c->rejects_path && cot_common_compressed(c, c->rejects_path)))
        cot_usage_error("-l sets the zstd level, and nothing this run writes is "
                        "compressed (%s): drop -l",
                        !want_out ? "it writes no records" : c->uncompressed ? "-u"
                        : "a .jsonl or .json name");
}

void cot_common_no_jsonl(const cot_common_t *c, const char *what)
{
    if ((c->uncompressed || c->zstd) && !c->rejects_path)
        cot_usage_error("%s writes a binary file, not JSONL: %s has no effect with it "
                        "(it applies to a --rejects file)", what,
                        c->uncompressed ? "-u" : "--zstd");
}

int cot_common_opt(cot_common_t *c, int opt, const char *arg)
{
    long v;
    switch (opt) {
    case 'o': c->out_path = arg; return 1;
    case 'u':
        if (c->zstd) cot_usage_error("-u and --zstd exclude each other");
        c->uncompressed = 1;
        return 1;
    case COT_OPT_ZSTD:
        if (c->uncompressed) cot_usage_error("-u and --zstd exclude each other");
        c->zstd = 1;
        return 1;
    case 'l':
        if (cot_parse_long(arg, COT_ZSTD_LEVEL_FASTEST, ZSTD_maxCLevel(), &v) < 0 || v == 0)
            cot_usage_error("-l: level must be 1..%d, or %d..-1 for zstd's fast levels, not '%s'",
                            ZSTD_maxCLevel(), COT_ZSTD_LEVEL_FASTEST, arg);
        c->level = (int)v;
        return 1;
    case '@':
        if (cot_parse_long(arg, 0, COT_THREADS_MAX, &v) < 0)
            cot_usage_error("-@: threads must be 0..%d, not '%s'", COT_THREADS_MAX, arg);
        c->threads = (int)v;
        c->threads_auto = 0;
        return 1;
    case 'q': cot_verbose = 0; return 1;
    case 'v': cot_verbose++; return 1;
    case 'h':
        c->usage(stdout);
        exit(cot_flush_stdout());
    case COT_OPT_VERSION:
        cot_version_print(stdout);
        exit(cot_flush_stdout());
    case COT_OPT_SKIP_BAD: c->skip_bad = 1; return 1;
    case COT_OPT_REJECTS: c->rejects_path = arg; return 1;
    }
    return 0;
}

void cot_common_usage(FILE *fp, int records)
{
    if (records)
        fprintf(fp,
"Output:\n"
"  -o, --output FILE     write to FILE (via a temporary file) [stdout]; zstd\n"
"                        unless FILE ends in .jsonl or .json\n"
"  -u, --uncompressed    write plain JSONL, whatever the name\n"
"      --zstd            write zstd, whatever the name\n"
"  -l, --level N         zstd level 1..%d, or %d..-1 for the fast levels\n"
"                        [%d; stored zstd frames into a pipe]\n"
"  -@, --threads N       worker threads, and up to %d for zstd [%d]\n"
"                        (not given: the work goes back to the main thread\n"
"                        while the workers do not pay; cot(7))\n",
                ZSTD_maxCLevel(), COT_ZSTD_LEVEL_FASTEST, COT_ZSTD_LEVEL_DEFAULT,
                COT_ZSTD_THREADS_MAX,
                cot_threads_default());
    fprintf(fp,
"Bad input:\n"
"      --skip-bad        skip bad lines instead of stopping\n"
"      --rejects FILE    write bad lines there, with reason and location\n"
"General:\n"
"  -q, --quiet           print errors only\n"
"  -v, --verbose         print the accounts at the end (-vv: more)\n"
"  -h, --help            print this help and exit\n"
"      --version         print versions and exit\n");
}

void cot_version_print(FILE *fp)
{
    char pcre[64] = "?";
    pcre2_config(PCRE2_CONFIG_VERSION, pcre);
    fprintf(fp, "%s %s\nlibzstd %s\ncJSON %s\nPCRE2 %s\n", cot_prog,
            COT_VERSION, ZSTD_versionString(), cJSON_Version(), pcre);
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n > k && !strcmp(s + n - k, tail);
}

int cot_common_compressed(const cot_common_t *c, const char *path)
{
    if (c->uncompressed) return 0;
    if (c->zstd) return 1;
    if (ends_with(path, ".jsonl") || ends_with(path, ".json")) return 0;
    return 1;   /* .zst, .zstd, stdout and every other name */
}

cot_stream_t *cot_common_open_out(const cot_common_t *c, const char *path)
{
    int z = cot_common_compressed(c, path);
    if (z && !strcmp(path, "-") && isatty(STDOUT_FILENO))
        cot_usage_error("refusing to write compressed data to a terminal; "
                        "use -u for plain JSONL, or -o FILE");
    char mode[8] = "wu";
    if (z && c->level) snprintf(mode, sizeof mode, "w%d", c->level);
    else if (z) mode[1] = '\0';            /* "w": the default for a file or a pipe */
    cot_stream_t *s = cot_stream_open(path, mode);
    if (s && c->threads > 0) cot_stream_set_threads(s, cot_zstd_threads(c->threads));
    return s;
}

/* ---- run context ------------------------------------------------------- */

static int flush_out(void *arg)
{
    cot_run_t *run = arg;
    int r = 0;
    if (run->idle && run->idle(run->idle_arg) < 0) r = -1;
    if (run->out && cot_stream_flush(run->out) < 0) r = -1;
    if (run->rejects && cot_stream_flush(run->rejects) < 0) r = -1;
    return r;
}

typedef struct {
    dev_t dev;
    ino_t ino;
    int i;
} file_id_t;

static int id_cmp(const void *x, const void *y)
{
    const file_id_t *a = x, *b = y;
    if (a->dev != b->dev) return a->dev < b->dev ? -1 : 1;
    if (a->ino != b->ino) return a->ino < b->ino ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

void cot_inputs_distinct(char *const *files, int n)
{
    file_id_t *id = cot_calloc((size_t)n + 1, sizeof *id);
    size_t m = 0;
    struct stat sb;
    for (int i = 0; i < n; i++)
        if (strcmp(files[i], "-") && stat(files[i], &sb) == 0)
            id[m++] = (file_id_t){sb.st_dev, sb.st_ino, i};
    /* Sorted: thousands of shards take a moment, not a quadratic while. */
    qsort(id, m, sizeof *id, id_cmp);
    for (size_t j = 1; j < m; j++)
        if (id[j].dev == id[j - 1].dev && id[j].ino == id[j - 1].ino) {
            const char *a = files[id[j - 1].i], *b = files[id[j].i];
            if (!strcmp(a, b))
                cot_usage_error("%s is given twice: its records would be counted twice; "
                                "give it once", a);
            cot_usage_error("%s and %s are the same file: its records would be counted "
                            "twice; give it once", a, b);
        }
    free(id);
}

/* Do a and b, of which neither exists yet, name one file?  By their
 * directories (device and inode) and last names: r.txt and ./r.txt do. */
static int same_new(const char *a, const char *b)
{
    const char *sa = strrchr(a, '/'), *sb = strrchr(b, '/');
    const char *na = sa ? sa + 1 : a, *nb = sb ? sb + 1 : b;
    if (strcmp(na, nb)) return 0;
    char *da = sa ? cot_strndup(a, (size_t)(sa - a) + 1) : cot_strdup(".");
    char *db = sb ? cot_strndup(b, (size_t)(sb - b) + 1) : cot_strdup(".");
    struct stat x, y;
    int same = stat(da, &x) == 0 && stat(db, &y) == 0 && x.st_dev == y.st_dev &&
               x.st_ino == y.st_ino;
    free(da);
    free(db);
    return same;
}

/* Where path is now; 0 when it does not exist (or cannot be stat()ed). */
static int file_id(const char *path, struct stat *sb)
{
    if (!strcmp(path, "-")) return fstat(0, sb) == 0 && S_ISREG(sb->st_mode);
    return stat(path, sb) == 0;
}

void cot_outputs_apart(char *const *files, int n, const char *const *outs,
                       const char *const *opts, size_t nout)
{
    struct stat so, si;
    for (size_t o = 0; o < nout; o++) {
        if (!outs[o] || !strcmp(outs[o], "-")) continue;
        int exists = stat(outs[o], &so) == 0;
        /* A device (/dev/null) is written, not replaced. */
        if (exists && !S_ISREG(so.st_mode)) continue;
        for (size_t p = 0; p < o; p++)
            if (outs[p] && strcmp(outs[p], "-") &&
                (exists ? stat(outs[p], &si) == 0 && si.st_dev == so.st_dev &&
                          si.st_ino == so.st_ino
                        : stat(outs[p], &si) < 0 && same_new(outs[p], outs[o])))
                cot_usage_error("%s %s and %s %s are the same file: one would replace "
                                "the other; name two files", opts[p], outs[p], opts[o],
                                outs[o]);
        for (int i = 0; exists && i < (n ? n : 1); i++) {
            const char *in = n ? files[i] : "-";
            if (file_id(in, &si) && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
                cot_usage_error("%s %s is the input %s: writing it would replace the "
                                "input; name another file", opts[o], outs[o],
                                strcmp(in, "-") ? in : "(stdin)");
        }
    }
}

int cot_run_open(cot_run_t *run, cot_common_t *opt, char *const *files,
                 int nfiles, int want_out)
{
    memset(run, 0, sizeof *run);
    run->opt = opt;
    run->t0 = run->t_shown = cot_now();
    if (nfiles == 0 && isatty(STDIN_FILENO)) {
        opt->usage(stderr);
        exit(COT_EXIT_USAGE);
    }
    cot_common_check_level(opt, want_out);
    if (want_out && !(run->out = cot_common_open_out(opt, opt->out_path)))
        return COT_EXIT_IO;
    if (opt->rejects_path &&
        !(run->rejects = cot_common_open_out(opt, opt->rejects_path))) {
        cot_stream_abort(run->out);
        return COT_EXIT_IO;
    }
    run->in = cot_jsonl_open(files, nfiles);
    cot_jsonl_set_idle(run->in, flush_out, run);
    return 0;
}

void cot_run_count(cot_run_t *run, const char *key, unsigned long long n)
{
    for (size_t i = 0; i < run->ntally; i++)
        if (!strcmp(run->tally[i].key, key)) { run->tally[i].n += n; return; }
    run->tally = cot_realloc(run->tally, (run->ntally + 1) * sizeof *run->tally);
    run->tally[run->ntally].key = cot_strdup(key);
    run->tally[run->ntally++].n = n;
}

unsigned long long cot_run_counter(const cot_run_t *run, const char *key)
{
    for (size_t i = 0; i < run->ntally; i++)
        if (!strcmp(run->tally[i].key, key)) return run->tally[i].n;
    return 0;
}

static void progress(cot_run_t *run)
{
    double now = cot_now();
    if (now - run->t_shown < 0.5 || now - run->t0 < 1.0) return;
    run->t_shown = now;
    run->progress_shown = 1;
    fprintf(stderr, "\r%s: %llu lines, %.1f MB read", cot_prog,
            cot_jsonl_lines(run->in), cot_jsonl_bytes_in(run->in) / 1e6);
}

static int write_reject(cot_run_t *run, const cot_line_t *l,
                        const char *kind, const char *reason)
{
    cot_buf_t *b = &run->scratch;
    cot_buf_clear(b);
    cot_buf_adds(b, "{\"file\":");
    cot_buf_add_json_str(b, l->file, strlen(l->file));
    cot_buf_printf(b, ",\"line\":%lu,\"kind\":", l->line);
    cot_buf_add_json_str(b, kind, strlen(kind));
    cot_buf_adds(b, ",\"reason\":");
    cot_buf_add_json_str(b, reason, strlen(reason));
    if (cot_utf8_check(l->text, l->len) == l->len) {
        cot_buf_adds(b, ",\"raw\":");
        cot_buf_add_json_str(b, l->text, l->len);
    } else {
        /* Not representable as a JSON string: keep the bytes in base64. */
        static const char tb[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *p = (const unsigned char *)l->text;
        cot_buf_adds(b, ",\"raw_base64\":\"");
        for (size_t i = 0; i < l->len; i += 3) {
            unsigned v = p[i] << 16 | (i + 1 < l->len ? p[i + 1] << 8 : 0) |
                         (i + 2 < l->len ? p[i + 2] : 0);
            char q[4] = {tb[v >> 18], tb[(v >> 12) & 63],
                         i + 1 < l->len ? tb[(v >> 6) & 63] : '=',
                         i + 2 < l->len ? tb[v & 63] : '='};
            cot_buf_add(b, q, 4);
        }
        cot_buf_addc(b, '"');
    }
    cot_buf_adds(b, "}\n");
    return cot_stream_write(run->rejects, b->s, b->len);
}

int cot_run_reject(cot_run_t *run, const cot_line_t *l, const char *kind,
                   const char *reason)
{
    if (!run->opt->skip_bad && !run->rejects) {
        run->line_stop = 1;
        cot_err("%s:%lu: %s", l->file, l->line, reason);
        fprintf(stderr, "%s: use --skip-bad to carry on past bad lines, or "
                "--rejects FILE to keep them\n", cot_prog);
        run->status = COT_EXIT_DATA;
        return -1;
    }
    run->rejected++;
    char key[80];
    snprintf(key, sizeof key, "rejected:%s", kind);
    cot_run_count(run, key, 1);
    if (run->rejects && write_reject(run, l, kind, reason) < 0) {
        run->status = COT_EXIT_IO;
        return -1;
    }
    if (cot_verbose >= 2) cot_warn("%s:%lu: skipped: %s", l->file, l->line, reason);
    return 0;
}

int cot_run_reject_other(cot_run_t *run, const cot_line_t *l, const char *kind,
                         const char *reason, const char *group)
{
    if (!run->opt->skip_bad && !run->rejects)
        return cot_run_reject(run, l, kind, reason);
    char key[80];
    snprintf(key, sizeof key, "%s:%s", group, kind);
    cot_run_count(run, key, 1);
    if (run->rejects && write_reject(run, l, kind, reason) < 0) {
        run->status = COT_EXIT_IO;
        return -1;
    }
    if (cot_verbose >= 2) cot_warn("%s:%lu: skipped: %s", l->file, l->line, reason);
    return 0;
}

/* One line through the reader, raw or parsed. */
static int run_read(cot_run_t *run, cot_line_t *l, int *unterminated)
{
    int r = unterminated ? cot_jsonl_next_raw(run->in, l, unterminated)
                         : cot_jsonl_next(run->in, l);
    if ((cot_jsonl_lines(run->in) & 4095) == 0 && cot_verbose >= 1 &&
        isatty(STDERR_FILENO))
        progress(run);
    if (r < -1) {
        run->status = r == -3 ? COT_EXIT_IO : COT_EXIT_DATA;
        return -2;
    }
    return r;
}

int cot_run_read_raw(cot_run_t *run, cot_line_t *l, int *unterminated)
{
    return run_read(run, l, unterminated);
}

int cot_run_read_item(cot_run_t *run, cot_raw_t *r, size_t *len)
{
    cot_line_t l;
    int unterminated;
    int rc = run_read(run, &l, &unterminated);
    if (rc < 0) return rc;
    cot_buf_clear(&r->file);
    cot_buf_adds(&r->file, l.file);
    cot_buf_cstr(&r->file);
    cot_buf_clear(&r->text);
    cot_buf_add(&r->text, l.text, l.len);
    cot_buf_cstr(&r->text);
    r->line = l.line;
    r->unterminated = unterminated;
    r->lines = cot_jsonl_lines(run->in);
    r->blank = cot_jsonl_blank(run->in);
    if (rc == 1) cot_raw_reject(r, l.kind, l.reason);
    *len = l.len;
    return rc;
}

void cot_raw_reject(cot_raw_t *r, const char *kind, const char *why)
{
    r->kind = kind;
    cot_buf_clear(&r->why);
    cot_buf_adds(&r->why, why);
}

void cot_raw_free(cot_raw_t *r)
{
    cot_buf_free(&r->file);
    cot_buf_free(&r->text);
    cot_buf_free(&r->why);
}

int cot_run_next(cot_run_t *run, cot_line_t *l)
{
    for (;;) {
        int r = run_read(run, l, NULL);
        if (r != 1) return r;
        if (cot_run_reject(run, l, l->kind, l->reason) < 0) return -2;
    }
}

int cot_run_emit(cot_run_t *run, const cJSON *rec)
{
    if (cot_jsonl_write(run->out, rec, &run->scratch) < 0) {
        run->status = COT_EXIT_IO;
        run->out_failed = 1;
        return -1;
    }
    run->written++;
    return 0;
}

int cot_run_emit_raw(cot_run_t *run, const char *p, size_t n)
{
    if (cot_stream_write(run->out, p, n) < 0 ||
        cot_stream_write(run->out, "\n", 1) < 0) {
        run->status = COT_EXIT_IO;
        run->out_failed = 1;
        return -1;
    }
    run->written++;
    return 0;
}

/* `out`: whether the tool writes records; `kept`: whether they reached
 * their destination (-o FILE is not renamed into place when the run
 * fails). */
static void print_accounts(cot_run_t *run, int out, int kept)
{
    unsigned long long lines = run->read_ahead ? run->stop_lines : cot_jsonl_lines(run->in);
    unsigned long long blank = run->read_ahead ? run->stop_blank : cot_jsonl_blank(run->in);
    cot_buf_t b = {0};
    cot_buf_printf(&b, "%llu lines read: %llu accepted, %llu rejected",
                   lines, lines - run->rejected - blank, run->rejected);
    if (blank) cot_buf_printf(&b, ", %llu skipped (blank)", blank);
    /* Group counters by the prefix before ':' in order of first use,
     * rejection kinds first so the line reads the same for every tool. */
    char *done = cot_calloc(run->ntally + 1, 1);
    for (size_t pass = 0; pass < 2 * run->ntally; pass++) {
        size_t i = pass % run->ntally;
        int rej = !strncmp(run->tally[i].key, "rejected:", 9);
        if (done[i] || (pass < run->ntally) != rej) continue;
        const char *ki = run->tally[i].key, *ci = strchr(ki, ':');
        size_t pl = ci ? (size_t)(ci - ki) : strlen(ki);
        if (!ci) {
            cot_buf_printf(&b, "; %s %llu", ki, run->tally[i].n);
            done[i] = 1;
            continue;
        }
        cot_buf_printf(&b, "; %.*s:", (int)pl, ki);
        for (size_t j = i; j < run->ntally; j++) {
            const char *kj = run->tally[j].key;
            if (done[j] || strncmp(kj, ki, pl + 1)) continue;
            cot_buf_printf(&b, " %s %llu", kj + pl + 1, run->tally[j].n);
            done[j] = 1;
        }
    }
    free(done);
    if (out && kept) cot_buf_printf(&b, "; %llu records written", run->written);
    else if (out)
        cot_buf_printf(&b, "; %llu records, not written to %s (the run failed)",
                       run->written, strcmp(run->opt->out_path, "-")
                       ? run->opt->out_path : "(stdout)");
    cot_err("%s", b.s);
    cot_buf_free(&b);
}

/* Without -v, a run that skipped bad lines (--skip-bad, --rejects) says
 * so once, by kind, those of each other input ("orig-rejected:") after
 * its own: the lines were not lost without a word. */
static int rejected_group(const char *k, const char *c)
{
    return (c - k == 8 && !strncmp(k, "rejected", 8)) ||
           (c - k > 9 && !strncmp(c - 9, "-rejected", 9));
}

static void warn_skipped(cot_run_t *run)
{
    cot_buf_t b = {0};
    unsigned long long n = 0;
    char *done = cot_calloc(run->ntally + 1, 1);
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < run->ntally; i++) {
            const char *k = run->tally[i].key, *c = strchr(k, ':');
            if (done[i] || !c || !rejected_group(k, c) || (c - k == 8) != !pass) continue;
            size_t pl = (size_t)(c - k);
            if (b.len) cot_buf_adds(&b, pass ? "; " : ", ");
            if (pass) cot_buf_printf(&b, "%.*s: ", (int)pl - 9, k);   /* "orig: " */
            for (size_t j = i, first = 1; j < run->ntally; j++) {
                const char *kj = run->tally[j].key;
                if (done[j] || strncmp(kj, k, pl + 1)) continue;
                cot_buf_printf(&b, "%s%s %llu", first ? "" : ", ", kj + pl + 1, run->tally[j].n);
                n += run->tally[j].n;
                done[j] = 1;
                first = 0;
            }
        }
    free(done);
    if (n)
        cot_warn("%llu bad line%s skipped (%s); %s", n, n == 1 ? "" : "s", b.s,
                 run->rejects ? "kept in the --rejects file, -v names each"
                              : "-v names each, --rejects FILE keeps them");
    cot_buf_free(&b);
}

void cot_run_set_idle(cot_run_t *run, int (*fn)(void *), void *arg)
{
    run->idle = fn;
    run->idle_arg = arg;
}

void cot_run_stop_at(cot_run_t *run, unsigned long long lines, unsigned long long blank)
{
    run->read_ahead = 1;
    run->stop_lines = lines;
    run->stop_blank = blank;
}

void cot_run_fail(cot_run_t *run, int status)
{
    run->status = status;
    run->failed_late = 1;
}

int cot_run_finish(cot_run_t *run)
{
    if (run->progress_shown) fprintf(stderr, "\r\033[K");
    int st = run->status, had_out = run->out != NULL;
    int to_stdout = !strcmp(run->opt->out_path, "-");
    /* kept: the records written reached their destination.  What went to
     * stdout is out there unless writing failed; -o FILE only when it is
     * renamed into place. */
    int kept = to_stdout && !run->out_failed;
    if (st == COT_EXIT_OK || st == COT_EXIT_DATA) {
        /* A data error still commits what was written before it, like
         * sort(1) would not; but -o output must not look whole: abort. */
        if (st == COT_EXIT_DATA && !to_stdout) {
            cot_stream_abort(run->out);
            run->out = NULL;
        }
        if (run->out && !to_stdout) kept = 1;
        if (cot_stream_close(run->out) < 0) st = COT_EXIT_IO, kept = 0;
        if (cot_stream_close(run->rejects) < 0) st = COT_EXIT_IO;
    } else {
        if (!to_stdout) kept = 0;
        cot_stream_abort(run->out);
        cot_stream_abort(run->rejects);
    }
    /* The accounts, also when the input ended in damage or an I/O error
     * (what was read before it is accounted for); not after a bad line
     * stopped the run, which the error names. */
    if (cot_verbose >= 2 && !run->line_stop) print_accounts(run, had_out, kept);
    else if (cot_verbose == 1 && !run->line_stop) warn_skipped(run);
    cot_jsonl_close(run->in);
    for (size_t i = 0; i < run->ntally; i++) free((char *)run->tally[i].key);
    free(run->tally);
    cot_buf_free(&run->scratch);
    return st;
}
