/* cli.h -- what every cot tool shares on the command line: the common
 * options (same letter, same meaning everywhere), --help/--version, and a
 * run context that reads records, writes records, rejects bad lines and
 * keeps the accounts.
 *
 * A tool's main loop:
 *
 *     cot_run_t run;
 *     if ((st = cot_run_open(&run, &common, files, nfiles, 1))) return st;
 *     while ((r = cot_run_next(&run, &l)) == 0) {
 *         ... cot_run_emit(&run, l.json) or cot_run_reject(&run, &l, ...)
 *     }
 *     return cot_run_finish(&run);
 */
#ifndef COT_CLI_H
#define COT_CLI_H

#include <getopt.h>
#include <stdio.h>
#include "jsonl.h"
#include "stream.h"
#include "util.h"

enum {
    COT_OPT_VERSION = 0x1000,
    COT_OPT_SKIP_BAD,
    COT_OPT_REJECTS,
    COT_OPT_ZSTD,
    COT_OPT_TOOL = 0x2000          /* first value free for a tool's options */
};

#define COT_COMMON_SHORT "o:ul:@:qvh"
#define COT_COMMON_LONG                                   \
    {"output",       required_argument, 0, 'o'},          \
    {"uncompressed", no_argument,       0, 'u'},          \
    {"zstd",         no_argument,       0, COT_OPT_ZSTD}, \
    {"level",        required_argument, 0, 'l'},          \
    {"threads",      required_argument, 0, '@'},          \
    {"quiet",        no_argument,       0, 'q'},          \
    {"verbose",      no_argument,       0, 'v'},          \
    {"help",         no_argument,       0, 'h'},          \
    {"version",      no_argument,       0, COT_OPT_VERSION}, \
    {"skip-bad",     no_argument,       0, COT_OPT_SKIP_BAD}, \
    {"rejects",      required_argument, 0, COT_OPT_REJECTS}

typedef struct {
    const char *out_path;       /* -o FILE               ["-"]             */
    int uncompressed;           /* -u: plain output, whatever the name      */
    int zstd;                   /* --zstd: zstd output, whatever the name   */
    int level;                  /* -l LEVEL; 0: the stream's default (3; stored into a pipe) */
    int threads;                /* -@ N: record workers  [cot_threads_default()] */
    int threads_auto;           /* -@ not given: the pools adapt (workers.h) */
    int skip_bad;               /* --skip-bad                               */
    const char *rejects_path;   /* --rejects FILE                           */
    int more_compressed;        /* a compressed output of the tool's own,
                                   beside -o and --rejects (cot-diff
                                   --unmatched): -l applies to it            */
    void (*usage)(FILE *);      /* the tool's usage printer                 */
} cot_common_t;

/* Set defaults and the program name used in messages. */
void cot_common_init(cot_common_t *c, const char *prog, void (*usage)(FILE *));

/* Handle one getopt result if it is a common option: returns 1 when it was
 * (and consumed), 0 when the tool must handle it.  --help prints the usage
 * to stdout and exits 0; --version exits 0; a bad value exits 2. */
int cot_common_opt(cot_common_t *c, int opt, const char *arg);

/* For a command that reads no records and prints text on standard output
 * (what: "info", "--list-rules"): a usage error for the first common
 * option given that would have no effect there (-o, -u, --zstd, -l, -@,
 * --skip-bad, --rejects). */
void cot_common_no_records(const cot_common_t *c, const char *what);

/* A usage error for -l when nothing the run writes is compressed: the
 * records (want_out), the --rejects file, c->more_compressed.  Called by
 * cot_run_open(); a tool that works before it (cot-profile mix's first
 * pass) calls it first. */
void cot_common_check_level(const cot_common_t *c, int want_out);

/* For a command that writes a binary file, not JSONL (what: "build",
 * "train"): a usage error for -u or --zstd, which would apply to nothing
 * but a --rejects file (and are allowed with one). */
void cot_common_no_jsonl(const cot_common_t *c, const char *what);

/* Print the shared option block, with real defaults, for a usage text.
 * `records` says whether the tool writes records (-o/-u/-l/-@ apply). */
void cot_common_usage(FILE *fp, int records);

/* -@ N gives N threads beside the main one: N record workers where the
 * tool has them (lib/workers.h; 0 runs everything in the main thread), and
 * cot_zstd_threads(N) zstd workers for compressed output. */
#define COT_THREADS_MAX 256
#define COT_ZSTD_THREADS_MAX 2
/* The default of -@: the CPUs this process may use (sched_getaffinity:
 * taskset and cgroup cpusets count), 0 on one CPU. */
int cot_threads_default(void);
/* zstd compression workers for -@ N: min(N, COT_ZSTD_THREADS_MAX). */
int cot_zstd_threads(int threads);

/* Tool version and the libzstd, cJSON and PCRE2 versions in use. */
void cot_version_print(FILE *fp);

/* For the final "unrecognised option" case of a getopt loop (opterr is 0):
 * prints one line and "Try 'PROG --help'", exits 2.  The line says which:
 *   an unknown option, with the closest one in longopts ("did you mean
 *   '--format'?") when one is close;
 *   an abbreviation that fits several ("'--s' is ambiguous: --shard,
 *   --skip-bad");
 *   an option that needs an argument and got none, naming it;
 *   a --flag=VALUE given to an option that takes no argument. */
void cot_bad_option(char *const *argv, const struct option *longopts)
    __attribute__((noreturn));

/* Whether records written to `path` are zstd-compressed: -u says no and
 * --zstd says yes, whatever the name; else a name ending in .zst or .zstd
 * says yes and one ending in .jsonl or .json says no; stdout ("-") and any
 * other name get zstd, the default. */
int cot_common_compressed(const cot_common_t *c, const char *path);

/* Open the output stream for `path` by cot_common_compressed() and
 * -l/-@; NULL on error. */
cot_stream_t *cot_common_open_out(const cot_common_t *c, const char *path);

typedef struct {
    const char *key;
    unsigned long long n;
} cot_tally_t;

typedef struct {
    cot_common_t *opt;
    cot_jsonl_reader_t *in;
    cot_stream_t *out;          /* NULL when the tool writes no records    */
    cot_stream_t *rejects;
    cot_buf_t scratch;
    unsigned long long written, rejected;
    cot_tally_t *tally;         /* rejection kinds and tool counters       */
    size_t ntally;
    double t0, t_shown;
    int progress_shown;
    int status;                 /* COT_EXIT_* to return                    */
    int failed_late;            /* cot_run_fail(): accounts still printed  */
    int line_stop;              /* a bad line stopped the run              */
    int out_failed;             /* writing a record failed                 */
    int read_ahead;             /* cot_run_stop_at(): the accounts count   */
    int (*idle)(void *);        /* cot_run_set_idle()                      */
    void *idle_arg;
    unsigned long long stop_lines, stop_blank;   /* lines up to the stop   */
} cot_run_t;

/* The same file named twice among the inputs (by device and inode, so
 * b.jsonl and ./b.jsonl, or a link, are one file) would be read twice and
 * its records counted twice: a usage error naming both (exit 2).  "-" and
 * names that cannot be stat()ed are left to the reader. */
void cot_inputs_distinct(char *const *files, int n);

/* Refuse, before any output is opened, an output that names the same file
 * (device and inode, when it exists) as an input or as another output:
 * writing it would replace the input (-o X X, --rejects IN IN) or the other
 * output.  outs[i] is the path given to option opts[i] (NULL or "-":
 * none); the inputs are files[0..n) (n == 0 or "-": standard input, when
 * it is a file).  A usage error naming both (exit 2). */
void cot_outputs_apart(char *const *files, int n, const char *const *outs,
                       const char *const *opts, size_t nout);

/* Open inputs, the output (when want_out) and --rejects.  With no files and
 * a terminal on stdin the usage is printed and the tool exits 2.
 * Returns 0, or an exit status after printing an error. */
int cot_run_open(cot_run_t *run, cot_common_t *opt, char *const *files,
                 int nfiles, int want_out);

/* Next good record in l->json.  Bad lines are rejected (with --skip-bad or
 * --rejects) or end the run with "FILE:LINE: reason".  Returns 0 for a
 * record, -1 at the clean end, -2 when the run must stop (run->status set). */
int cot_run_next(cot_run_t *run, cot_line_t *l);

/* cot_run_next() for a -@ N tool (lib/workers.h): the next line unparsed
 * (cot_jsonl_next_raw(); a worker parses it with cot_jsonl_parse()).  0
 * (a line), 1 (a bad line, l->kind and l->reason set: the caller passes it
 * to cot_run_reject() in its place), -1 (the clean end) or -2 (a damaged or
 * unreadable input; run->status set). */
int cot_run_read_raw(cot_run_t *run, cot_line_t *l, int *unterminated);

/* A line read for a -@ N worker (lib/workers.h), copied out of the
 * reader: where it came from, its bytes, and the reader's counts after it
 * (for the accounts of a run that stops there).  kind and why: the reason
 * it is rejected, when it is (static kind). */
typedef struct {
    cot_buf_t file, text, why;
    unsigned long line;
    unsigned long long lines, blank;
    int unterminated;            /* the last line, without a newline */
    const char *kind;
} cot_raw_t;

/* cot_run_read_raw() into r: 0 (a line), 1 (a bad line: r->kind and
 * r->why set, to be rejected in its place), -1 or -2 as there (r not
 * touched); *len: the line's length, for cot_workers_submit(). */
int cot_run_read_item(cot_run_t *run, cot_raw_t *r, size_t *len);

/* Mark r rejected for kind (static) and why. */
void cot_raw_reject(cot_raw_t *r, const char *kind, const char *why);

void cot_raw_free(cot_raw_t *r);

/* Reject a line for a reason found by the tool (kind: a short tag for the
 * accounts).  Returns 0 when the line was set aside and the run goes on, or
 * -1 when it must stop (neither --skip-bad nor --rejects; error printed,
 * run->status = 1). */
int cot_run_reject(cot_run_t *run, const cot_line_t *l, const char *kind,
                   const char *reason);

/* Like cot_run_reject(), for a line of a second input the tool reads itself
 * (cot-diff's originals): the same stop-or-set-aside rule and the same
 * --rejects record, but it is not counted in run->rejected (the accounts of
 * the main input); it is tallied as "GROUP:KIND" instead.  0 or -1. */
int cot_run_reject_other(cot_run_t *run, const cot_line_t *l, const char *kind,
                         const char *reason, const char *group);

/* Write a record, or a raw line (newline appended).  0 or -1 (status 3). */
int cot_run_emit(cot_run_t *run, const cJSON *rec);
int cot_run_emit_raw(cot_run_t *run, const char *p, size_t n);

/* Add n to a named counter shown in the -v accounts ("format:harmony"). */
void cot_run_count(cot_run_t *run, const char *key, unsigned long long n);
unsigned long long cot_run_counter(const cot_run_t *run, const char *key);

/* Before the reader blocks on its input the output is flushed; a -@ N tool
 * first delivers its records there (cot_workers_flush(): fn(arg) < 0 stops
 * the run like a write error). */
void cot_run_set_idle(cot_run_t *run, int (*fn)(void *), void *arg);

/* A -@ N tool reads ahead of the record it delivers: when a record stops
 * the run, the accounts must count the lines up to it, as -@ 0 would.
 * lines and blank: cot_jsonl_lines() and cot_jsonl_blank() just after that
 * record was read. */
void cot_run_stop_at(cot_run_t *run, unsigned long long lines, unsigned long long blank);

/* After the last line, the tool found that the run did not do what it was
 * asked (an option matched nothing): set the exit status (the message is
 * the tool's).  The -v accounts are still printed; -o output is not
 * committed, as for any data error. */
void cot_run_fail(cot_run_t *run, int status);

/* Close everything, print the -v accounts (also when the input was
 * damaged or unreadable part way: they count what was read before; not when
 * a bad line stopped the run); return the exit status. */
int cot_run_finish(cot_run_t *run);

#endif
