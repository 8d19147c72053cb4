/* stream.h -- byte and zstd streams with a line reader on top.
 *
 * Layering (after htslib's hFILE/BGZF): raw file descriptors at the bottom,
 * with EINTR and partial writes retried; zstd (de)compression next; lines on
 * top.  Input compression is sniffed from the magic bytes, never from the
 * file name.  Errors are printed through cot_err() with the stream's name,
 * so callers only need to look at return values.
 */
#ifndef COT_STREAM_H
#define COT_STREAM_H

#include <stddef.h>
#include <sys/types.h>
#include <zstd.h>

typedef struct cot_stream cot_stream_t;

/* Largest line accepted (bytes, newline excluded).  The environment
 * variable COT_MAX_LINE (with K/M/G suffix) overrides it. */
#define COT_MAX_LINE_DEFAULT ((size_t)512 << 20)
#define COT_ZSTD_LEVEL_DEFAULT 3
/* ... and into a pipe (stdout or a named FIFO), where the next program
 * reads the stream once: stored zstd frames (raw blocks, no checksum),
 * which cost what plain JSONL does there (bench/pipeline/levels).  The
 * level it stands for in checks and messages: zstd's -1000 was the pipe's
 * default before, stored in effect, but at a third of a nanosecond a byte
 * on each side of the pipe. */
#define COT_ZSTD_LEVEL_PIPE (-1000)
/* zstd's fast levels (its --fast=N is level -N) go down to this one:
 * ZSTD_minCLevel(), -131072 in zstd 1.5. */
#define COT_ZSTD_LEVEL_FASTEST ZSTD_minCLevel()

/* Open `path` ("-" is stdin/stdout) with a mode string:
 *   "r"    read; zstd or plain is sniffed from the first bytes
 *   "w"    write zstd at the default level: stored frames when the
 *          output is a pipe, else COT_ZSTD_LEVEL_DEFAULT
 *   "wu"   write plain (uncompressed)
 *   "w19"  write zstd at level 19 (any level 1..22, or a fast level
 *          -1..COT_ZSTD_LEVEL_FASTEST: "w-3")
 * Writing to a named file goes to a temporary file beside it, which is
 * renamed over `path` only by a successful cot_stream_close().  Compressed
 * output to a terminal is refused.  Returns NULL after printing an error. */
cot_stream_t *cot_stream_open(const char *path, const char *mode);
/* Read, as "r" does, from a duplicate of the open file fd (its offset is
 * shared: the caller seeks first), with `name` in messages.  NULL after
 * printing an error. */
cot_stream_t *cot_stream_open_fd(int fd, const char *name);

/* Extra zstd compression threads (-@).  Returns 0, or -1 when the library
 * cannot (a warning is printed and the stream stays single-threaded).  A
 * stream of stored frames or at COT_ZSTD_LEVEL_PIPE or faster, plain or
 * read, stays single-threaded (returns 0). */
int cot_stream_set_threads(cot_stream_t *s, int nthreads);
/* The compression threads in use (0: the caller's thread). */
int cot_stream_threads(const cot_stream_t *s);

/* A stream on a pipe (stdin, stdout, a named FIFO) asks the kernel for a
 * pipe buffer this large, when it is smaller (F_SETPIPE_SZ; refused is
 * left as is). */
#define COT_PIPE_BYTES (1 << 20)

/* Called just before the reader would block waiting for more input: the
 * tools use it to flush their output so records reach the next program in a
 * pipeline promptly even when the input pauses. */
void cot_stream_set_idle(cot_stream_t *s, int (*idle)(void *), void *arg);

/* Read the next line.  On success *line points at its bytes (newline and a
 * CR before it removed; NUL-terminated; valid until the next call) and the
 * length is returned (>= 0).  Returns -1 at a clean end of input, -2 on bad
 * data (truncated or corrupt zstd, gzip input) and -3 on a read error
 * (errors printed), or COT_STREAM_TOO_LONG for a line over the limit: its
 * first cot_stream_kept() bytes are in *line, the rest was read past, and
 * the next call returns the next line (nothing printed). */
#define COT_STREAM_TOO_LONG (-4)
ssize_t cot_stream_getline(cot_stream_t *s, char **line);
/* Bytes of the over-long line kept (the limit), after COT_STREAM_TOO_LONG. */
size_t cot_stream_kept(const cot_stream_t *s);

/* Line number of the line last returned (1-based). */
unsigned long cot_stream_lineno(const cot_stream_t *s);
/* True when the last line returned had no newline at end of file. */
int cot_stream_unterminated(const cot_stream_t *s);
/* True when input was zstd. */
int cot_stream_is_zstd(const cot_stream_t *s);
/* Compressed (raw) bytes read so far, for progress reports. */
unsigned long long cot_stream_bytes_in(const cot_stream_t *s);
const char *cot_stream_name(const cot_stream_t *s);

/* Write n bytes.  Returns 0, or -1 after printing an error. */
int cot_stream_write(cot_stream_t *s, const void *p, size_t n);
/* Push everything written so far to the file descriptor (a zstd flush
 * ends the current block; the frame stays open).  0 or -1. */
int cot_stream_flush(cot_stream_t *s);

/* Finish and free.  For writers: end the zstd frame, flush, close, and
 * rename the temporary file into place.  Returns 0, or -1 after printing an
 * error (the temporary file is then removed).  NULL is accepted. */
int cot_stream_close(cot_stream_t *s);
/* Free without committing: a writer's temporary file is removed. */
void cot_stream_abort(cot_stream_t *s);

#endif
