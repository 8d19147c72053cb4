/* tap.c -- see tap.h */
#include "tap.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static int n_run, n_failed;

static int report(int cond, const char *fmt, va_list ap)
{
    n_run++;
    if (!cond) n_failed++;
    printf("%sok %d - ", cond ? "" : "not ", n_run);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    return cond;
}

int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = report(cond, fmt, ap);
    va_end(ap);
    return r;
}

void tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

int tap_is_str(const char *got, const char *want, const char *name)
{
    int c = got && want ? strcmp(got, want) == 0 : got == want;
    if (!tap_ok(c, "%s", name))
        tap_diag("got '%s', want '%s'", got ? got : "(null)",
                 want ? want : "(null)");
    return c;
}

int tap_is_long(long got, long want, const char *name)
{
    if (!tap_ok(got == want, "%s", name))
        tap_diag("got %ld, want %ld", got, want);
    return got == want;
}

int tap_is_double(double got, double want, double tol, const char *name)
{
    int c = fabs(got - want) <= tol;
    if (!tap_ok(c, "%s", name))
        tap_diag("got %.10g, want %.10g (tolerance %g)", got, want, tol);
    return c;
}

int tap_done(void)
{
    printf("1..%d\n", n_run);
    return n_failed ? 1 : 0;
}

static int saved_fd = -1;
static FILE *cap;

void tap_stderr_begin(void)
{
    fflush(stderr);
    cap = tmpfile();
    saved_fd = dup(2);
    if (cap) dup2(fileno(cap), 2);
}

const char *tap_stderr_end(void)
{
    static char text[4096];
    text[0] = 0;
    fflush(stderr);
    if (saved_fd >= 0) { dup2(saved_fd, 2); close(saved_fd); saved_fd = -1; }
    if (!cap) return text;
    rewind(cap);
    size_t n = fread(text, 1, sizeof text - 1, cap);
    text[n] = 0;
    fclose(cap);
    cap = NULL;
    return text;
}

static uint64_t rng_state;

void tap_seed(uint64_t seed) { rng_state = seed; }
uint64_t tap_state(void) { return rng_state; }

uint64_t tap_rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

size_t tap_rn(size_t n) { return n ? (size_t)(tap_rnd() % n) : 0; }
