/* mathans.c -- see mathans.h */
#include "mathans.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define MATH_MAX 256

static int dig(const char *t, size_t n, size_t i) { return i < n && isdigit((unsigned char)t[i]); }
static int alpha(const char *t, size_t n, size_t i) { return i < n && isalpha((unsigned char)t[i]); }
static int blank(char c) { return c == ' ' || c == '\t'; }

/* t[i..] starts with the literal s */
static int lit(const char *t, size_t n, size_t i, const char *s)
{
    size_t k = strlen(s);
    return i <= n && n - i >= k && !memcmp(t + i, s, k);
}

/* The LaTeX command at t[i] ('\' and letters): the length of its name
 * with the '\', 0 when t[i] starts none. */
static size_t command(const char *t, size_t n, size_t i)
{
    if (i >= n || t[i] != '\\' || !alpha(t, n, i + 1)) return 0;
    size_t k = i + 1;
    while (alpha(t, n, k)) k++;
    return k - i;
}

static int command_is(const char *t, size_t n, size_t i, const char *name)
{
    size_t c = command(t, n, i), k = strlen(name);
    return c == k + 1 && !memcmp(t + i + 1, name, k);
}

/* Thousands separators, each before exactly three digits: ",", "{,}" and
 * "\,".  The length of the separator at t[i], else 0. */
static size_t thousands(const char *t, size_t n, size_t i)
{
    size_t l = lit(t, n, i, "{,}") ? 3 : lit(t, n, i, "\\,") ? 2 : i < n && t[i] == ',' ? 1 : 0;
    if (!l) return 0;
    size_t k = i + l;
    return dig(t, n, k) && dig(t, n, k + 1) && dig(t, n, k + 2) && !dig(t, n, k + 3) ? l : 0;
}

/* An infix operator at t[i]: its length, else 0. */
static size_t op_at(const char *t, size_t n, size_t i)
{
    if (i >= n) return 0;
    if (t[i] && strchr("<>!=", t[i]) && i + 1 < n && t[i + 1] == '=') return 2;   /* <= >= != == */
    if (t[i] && strchr("+-*/=<>:", t[i])) return 1;
    static const char *const u[] = {
        "\xC3\x97", "\xC3\xB7", "\xC2\xB7", "\xC2\xB1",          /* × ÷ · ± */
        "\xE2\x88\x92", "\xE2\x89\x88", "\xE2\x89\xA4", "\xE2\x89\xA5", "\xE2\x89\xA0", /* − ≈ ≤ ≥ ≠ */
        "\xE2\x88\xAA", "\xE2\x88\xA9",                                        /* ∪ ∩ */
    };
    for (size_t k = 0; k < sizeof u / sizeof *u; k++)
        if (lit(t, n, i, u[k])) return strlen(u[k]);
    static const char *const c[] = {"cdot", "times", "div", "pm", "mp", "le", "leq", "ge",
                                    "geq", "approx", "neq", "ne", "cup", "cap", "setminus"};
    for (size_t k = 0; k < sizeof c / sizeof *c; k++)
        if (command_is(t, n, i, c[k])) return strlen(c[k]) + 1;
    return 0;
}

/* A number, a command, a bracket or a sign before one starts at t[i];
 * with var, a lone letter too ("x", not "cm"). */
static int starts(const char *t, size_t n, size_t i, int var)
{
    if (i >= n) return 0;
    unsigned char c = (unsigned char)t[i];
    if (isdigit(c) || (c == '.' && dig(t, n, i + 1))) return 1;
    if (c == '(' || c == '[' || c == '{') return 1;
    if (lit(t, n, i, "\\$")) return 1;
    if (c == '\\') return command(t, n, i) && !op_at(t, n, i) && !command_is(t, n, i, "end");
    if (c == '-' || c == '+') return starts(t, n, i + 1, var);
    if (lit(t, n, i, "\xE2\x88\x92")) return starts(t, n, i + 3, var);
    return var && isalpha(c) && !alpha(t, n, i + 1) && !(i + 1 < n && t[i + 1] == '\'');
}

/* A balanced group opening at t[i]: the offset past it, or i when it does
 * not close on the line within the bound. */
static size_t group(const char *t, size_t n, size_t i, size_t lim)
{
    int depth = 0;
    for (size_t k = i; k < n && k < lim; k++) {
        char c = t[k];
        if (c == '\n') break;
        if (c == '\\' && k + 1 < n && strchr("{}()[]", t[k + 1])) { k++; continue; }
        if (c == '(' || c == '[' || c == '{') depth++;
        else if (c == ')' || c == ']' || c == '}') {
            if (--depth == 0) return k + 1;
            if (depth < 0) break;
        }
    }
    return i;
}

/* One term: atoms with no blank between them ("2x", "\frac{1}{2}",
 * "x^{2}", "25\%").  The offset past it. */
static size_t term(const char *t, size_t n, size_t i, size_t lim)
{
    while (i < n && i < lim) {
        unsigned char c = (unsigned char)t[i];
        size_t l;
        if (isdigit(c)) {
            while (dig(t, n, i)) i++;
            while ((l = thousands(t, n, i))) i += l + 3;
            if (i + 1 < n && t[i] == '.' && dig(t, n, i + 1)) {
                i++;
                while (dig(t, n, i)) i++;
            }
        } else if (c == '.' && dig(t, n, i + 1)) {
            i++;
            while (dig(t, n, i)) i++;
        } else if (isalpha(c)) {
            /* one letter, a variable ("2x", "7i"); a word glued to a
             * number ("3.5Only", "17pаypаl") is no part of it */
            if (alpha(t, n, i + 1) || (i + 1 < n && (unsigned char)t[i + 1] >= 0x80) ||
                (dig(t, n, i - 1) && !islower(c)))
                break;
            i++;
        } else if (c == '\\') {
            if (op_at(t, n, i)) break;
            if ((l = command(t, n, i))) {
                if (command_is(t, n, i, "end")) break;
                i += l;
                if (i < n && t[i] == '[') {           /* \sqrt[3]{..} */
                    size_t g = group(t, n, i, lim);
                    if (g == i) break;
                    i = g;
                }
                while (i < n && t[i] == '{') {
                    size_t g = group(t, n, i, lim);
                    if (g == i) return i;
                    i = g;
                }
            } else if (i + 1 < n && strchr("%$,!;: {}", t[i + 1])) i += 2;
            else break;                    /* \) \] \\ close or break the math */
        } else if (c == '(' || c == '[' || c == '{') {
            size_t g = group(t, n, i, lim);
            if (g == i) break;
            i = g;
        } else if (c == '^' || c == '_') {
            size_t k = i + 1;
            if (k < n && t[k] == '{') {
                size_t g = group(t, n, k, lim);
                if (g == k) break;
                i = g;
            } else if ((l = command(t, n, k))) i = k + l;
            else if (dig(t, n, k) || alpha(t, n, k)) i = k + 1;
            else break;
        } else if (c == '%') {
            i++;
        } else if (lit(t, n, i, "\xC2\xB0")) {    /* ° */
            i += 2;
        } else if (c == '!') {
            /* a factorial only before an operator and a term ("5! * 3!");
             * else it ends the sentence */
            size_t k = i + 1;
            while (k < n && blank(t[k])) k++;
            if (!(l = op_at(t, n, k))) break;
            k += l;
            while (k < n && blank(t[k])) k++;
            if (!starts(t, n, k, 1)) break;
            i++;
        } else break;
    }
    return i;
}

size_t cot_math_end(const char *t, size_t n, size_t s)
{
    if (!starts(t, n, s, 0)) return s;
    const size_t lim = n - s > MATH_MAX ? s + MATH_MAX : n;
    size_t e = term(t, n, s + (t[s] == '-' || t[s] == '+' ? 1 : lit(t, n, s, "\xE2\x88\x92") ? 3 : 0), lim);
    for (;;) {
        size_t j = e, k, l;
        while (j < lim && blank(t[j])) j++;
        if ((l = op_at(t, n, j))) {
            k = j + l;
            while (k < lim && blank(t[k])) k++;
            if (k < lim && (t[k] == '-' || t[k] == '+')) k++;        /* "= -2" */
            else if (lit(t, n, k, "\xE2\x88\x92")) k += 3;
            if (!starts(t, n, k, 1)) break;
        } else if (j < lim && t[j] == ',') {
            k = j + 1;
            while (k < lim && blank(t[k])) k++;
            if (!starts(t, n, k, 0)) break;
        } else if (j > e && (lit(t, n, j, "and") || lit(t, n, j, "or")) &&
                   !alpha(t, n, j + (t[j] == 'a' ? 3 : 2))) {
            k = j + (t[j] == 'a' ? 3 : 2);
            if (k >= lim || !blank(t[k])) break;
            while (k < lim && blank(t[k])) k++;
            if (!starts(t, n, k, 0)) break;
        } else if (j > e && dig(t, n, j) && dig(t, n, e - 1)) {
            /* a mixed number "3 1/2" */
            k = j;
            while (dig(t, n, k)) k++;
            if (!(k < lim && t[k] == '/' && dig(t, n, k + 1))) break;
            k = j;
        } else break;
        size_t e2 = term(t, n, k, lim);
        if (e2 == k || e2 > lim) break;
        e = e2;
    }
    return e;
}

/* ---- the value ----------------------------------------------------------- */

typedef struct {
    const char *t;
    size_t n, i;
    int pct, bad;
} parser_t;

static void skip(parser_t *p)
{
    for (;;) {
        size_t i = p->i;
        while (i < p->n && (isspace((unsigned char)p->t[i]) || p->t[i] == '$')) i++;
        if (i + 1 < p->n && p->t[i] == '\\' && strchr(",!;: $", p->t[i + 1])) i += 2;
        else if (command_is(p->t, p->n, i, "left") || command_is(p->t, p->n, i, "right"))
            i += command(p->t, p->n, i);
        else if (command_is(p->t, p->n, i, "displaystyle")) i += 13;
        if (i == p->i) return;
        p->i = i;
    }
}

static double expr(parser_t *p, int depth);

static double number(parser_t *p)
{
    char tmp[80];
    size_t k = 0, i = p->i;
    const char *t = p->t;
    while (dig(t, p->n, i) && k < 60) tmp[k++] = t[i++];
    size_t l;
    while ((l = thousands(t, p->n, i)) && k < 60) {
        i += l;
        for (int d = 0; d < 3; d++) tmp[k++] = t[i++];
    }
    if (i + 1 < p->n && t[i] == '.' && dig(t, p->n, i + 1)) {
        tmp[k++] = t[i++];
        while (dig(t, p->n, i) && k < 78) tmp[k++] = t[i++];
    }
    if (dig(t, p->n, i) || !k) { p->bad = 1; return 0; }
    tmp[k] = 0;
    p->i = i;
    double d;
    if (cot_parse_double(tmp, 0, INFINITY, &d) < 0) { p->bad = 1; return 0; }
    return d;
}

/* An argument of \frac or \sqrt: a group, or one digit ("\frac12"). */
static double arg(parser_t *p, int depth)
{
    skip(p);
    if (p->i < p->n && p->t[p->i] == '{') {
        p->i++;
        double v = expr(p, depth + 1);
        skip(p);
        if (p->i >= p->n || p->t[p->i] != '}') { p->bad = 1; return 0; }
        p->i++;
        return v;
    }
    if (dig(p->t, p->n, p->i)) return p->t[p->i++] - '0';
    p->bad = 1;
    return 0;
}

static double primary(parser_t *p, int depth)
{
    skip(p);
    if (depth > 32 || p->i >= p->n) { p->bad = 1; return 0; }
    const char *t = p->t;
    char c = t[p->i];
    if (lit(t, p->n, p->i, "\\$")) { p->i += 2; return primary(p, depth + 1); }
    if (isdigit((unsigned char)c) || (c == '.' && dig(t, p->n, p->i + 1))) {
        double v = c == '.' ? 0 : number(p);
        if (c == '.') {                       /* ".5" */
            char tmp[40] = "0";
            size_t k = 1, i = p->i;
            while (i < p->n && k < 38 && (t[i] == '.' || isdigit((unsigned char)t[i]))) tmp[k++] = t[i++];
            tmp[k] = 0;
            p->i = i;
            if (cot_parse_double(tmp, 0, INFINITY, &v) < 0) p->bad = 1;
        }
        if (p->bad) return 0;
        /* a mixed number: "3\frac{1}{2}", "3 1/2" */
        size_t at = p->i;
        if (v == floor(v)) {
            size_t j = at;
            while (j < p->n && blank(t[j])) j++;
            if (j == at && (command_is(t, p->n, j, "frac") || command_is(t, p->n, j, "dfrac") ||
                            command_is(t, p->n, j, "tfrac"))) {
                p->i = j + command(t, p->n, j);
                double a = arg(p, depth), b = arg(p, depth);
                if (p->bad || b == 0) { p->bad = 1; return 0; }
                return v + a / b;
            }
            if (j > at && dig(t, p->n, j)) {
                size_t k = j;
                while (dig(t, p->n, k)) k++;
                if (k < p->n && t[k] == '/' && dig(t, p->n, k + 1)) {
                    p->i = j;
                    double a = number(p);
                    p->i++;                       /* '/' */
                    double b = number(p);
                    if (p->bad || b == 0) { p->bad = 1; return 0; }
                    return v + a / b;
                }
            }
        }
        return v;
    }
    if (c == '(' || c == '{') {
        p->i++;
        double v = expr(p, depth + 1);
        skip(p);
        if (p->i >= p->n || t[p->i] != (c == '(' ? ')' : '}')) { p->bad = 1; return 0; }
        p->i++;
        return v;
    }
    if (command_is(t, p->n, p->i, "frac") || command_is(t, p->n, p->i, "dfrac") ||
        command_is(t, p->n, p->i, "tfrac")) {
        p->i += command(t, p->n, p->i);
        double a = arg(p, depth), b = arg(p, depth);
        if (p->bad || b == 0) { p->bad = 1; return 0; }
        return a / b;
    }
    if (command_is(t, p->n, p->i, "sqrt")) {
        p->i += 5;
        double k = 2;
        if (p->i < p->n && t[p->i] == '[') {
            p->i++;
            k = expr(p, depth + 1);
            skip(p);
            if (p->i >= p->n || t[p->i] != ']' || k < 1 || k != floor(k)) { p->bad = 1; return 0; }
            p->i++;
        }
        double a = arg(p, depth);
        if (p->bad || a < 0) { p->bad = 1; return 0; }
        return k == 2 ? sqrt(a) : pow(a, 1 / k);
    }
    p->bad = 1;
    return 0;
}

/* A primary, then its powers, factorial and degree signs. */
static double power(parser_t *p, int depth)
{
    double v = primary(p, depth);
    while (!p->bad && p->i < p->n) {
        const char *t = p->t;
        if (t[p->i] == '^') {
            p->i++;
            if (command_is(t, p->n, p->i, "circ")) { p->i += 5; continue; }
            if (lit(t, p->n, p->i, "{\\circ}")) { p->i += 7; continue; }
            double e = p->i < p->n && t[p->i] == '{' ? arg(p, depth)
                     : dig(t, p->n, p->i) ? t[p->i++] - '0' : (p->bad = 1, 0);
            if (p->bad || e != floor(e) || fabs(e) > 64) { p->bad = 1; return 0; }
            v = pow(v, e);
        } else if (t[p->i] == '!') {
            if (v < 0 || v > 20 || v != floor(v)) { p->bad = 1; return 0; }
            double f = 1;
            for (int k = 2; k <= (int)v; k++) f *= k;
            v = f;
            p->i++;
        } else if (lit(t, p->n, p->i, "\xC2\xB0")) p->i += 2;
        else break;
    }
    return v;
}

static double factor(parser_t *p, int depth)
{
    skip(p);
    if (depth > 32) { p->bad = 1; return 0; }
    if (p->i < p->n && (p->t[p->i] == '-' || p->t[p->i] == '+')) {
        int neg = p->t[p->i++] == '-';
        double v = factor(p, depth + 1);
        return neg ? -v : v;
    }
    if (lit(p->t, p->n, p->i, "\xE2\x88\x92")) {
        p->i += 3;
        return -factor(p, depth + 1);
    }
    return power(p, depth);
}

/* '*', '/' and their signs, or none before a group or command ("2(3)",
 * "2\sqrt{3}"). */
static double product(parser_t *p, int depth)
{
    double v = factor(p, depth);
    while (!p->bad) {
        skip(p);
        if (p->i >= p->n) break;
        const char *t = p->t;
        size_t i = p->i;
        int div;
        if (t[i] == '*' || t[i] == '/') { div = t[i] == '/'; p->i++; }
        else if (lit(t, p->n, i, "\xC3\x97") || lit(t, p->n, i, "\xC2\xB7")) { div = 0; p->i += 2; }
        else if (lit(t, p->n, i, "\xC3\xB7")) { div = 1; p->i += 2; }
        else if (command_is(t, p->n, i, "times") || command_is(t, p->n, i, "cdot")) {
            div = 0;
            p->i += command(t, p->n, i);
        } else if (command_is(t, p->n, i, "div")) { div = 1; p->i += 4; }
        else if (t[i] == '(' || (t[i] == '\\' && command(t, p->n, i) && !op_at(t, p->n, i) &&
                                 !command_is(t, p->n, i, "text") && !command_is(t, p->n, i, "mathrm") &&
                                 !command_is(t, p->n, i, "mbox")))
            div = 0;
        else break;
        double w = factor(p, depth);
        if (p->bad || (div && w == 0)) { p->bad = 1; return 0; }
        v = div ? v / w : v * w;
    }
    return v;
}

static double expr(parser_t *p, int depth)
{
    if (depth > 32) { p->bad = 1; return 0; }
    double v = product(p, depth);
    while (!p->bad) {
        skip(p);
        if (p->i >= p->n) break;
        int neg;
        if (p->t[p->i] == '+' || p->t[p->i] == '-') neg = p->t[p->i++] == '-';
        else if (lit(p->t, p->n, p->i, "\xE2\x88\x92")) { neg = 1; p->i += 3; }
        else break;
        double w = product(p, depth);
        v = neg ? v - w : v + w;
    }
    return v;
}

int cot_math_value(const char *t, size_t n, double *v, int *pct)
{
    parser_t p = {t, n, 0, 0, 0};
    double x = expr(&p, 0);
    skip(&p);
    if (!p.bad && p.i < n && t[p.i] == '%') { p.pct = 1; p.i++; }
    else if (!p.bad && lit(t, n, p.i, "\\%")) { p.pct = 1; p.i += 2; }
    skip(&p);
    /* a unit after: \text{ cm}, \mbox{..}, \mathrm{..} */
    if (!p.bad && (command_is(t, n, p.i, "text") || command_is(t, n, p.i, "mbox") ||
                   command_is(t, n, p.i, "mathrm"))) {
        size_t k = p.i + command(t, n, p.i);
        size_t g = k < n && t[k] == '{' ? group(t, n, k, n) : k;
        if (g == k) p.bad = 1;
        p.i = g;
        skip(&p);
    }
    while (p.i < n && (t[p.i] == '.' || isspace((unsigned char)t[p.i]))) p.i++;
    if (p.bad || p.i != n || !isfinite(x)) return -1;
    *v = x;
    *pct = p.pct;
    return 0;
}

/* ---- equality ------------------------------------------------------------- */

/* Trim blanks, '*', '"' and the sentence's '.' from both ends. */
static void trim(const char *t, size_t *a, size_t *b)
{
    while (*a < *b && (isspace((unsigned char)t[*a]) || t[*a] == '*' || t[*a] == '"')) ++*a;
    while (*b > *a && (isspace((unsigned char)t[*b - 1]) || strchr("*\".;:!,", t[*b - 1]))) --*b;
}

/* A relation other than '=' at t[i] (within t[0..n)): "<", ">=", "!=",
 * "==", \le, \geq, \neq, \approx, \lt, U+2264, U+2265, U+2260, U+2248. */
static int relation(const char *t, size_t n, size_t i)
{
    if (t[i] == '<' || t[i] == '>' || (t[i] == '!' && i + 1 < n && t[i + 1] == '=') ||
        (t[i] == '=' && i + 1 < n && t[i + 1] == '='))
        return 1;
    if (lit(t, n, i, "\xE2\x89\xA4") || lit(t, n, i, "\xE2\x89\xA5") ||
        lit(t, n, i, "\xE2\x89\xA0") || lit(t, n, i, "\xE2\x89\x88"))
        return 1;
    static const char *const c[] = {"le", "leq", "ge", "geq", "neq", "ne", "approx", "lt", "gt"};
    for (size_t k = 0; k < sizeof c / sizeof *c; k++)
        if (command_is(t, n, i, c[k])) return 1;
    return 0;
}

/* The last side of t[a..b) when it is one chain of '=' with no list (a ','
 * that is no thousands separator, "and", "or") and no other relation ("x
 * >= 5" is not 5) outside brackets: *a moves past the last '='. */
static void last_side(const char *t, size_t *a, size_t b)
{
    int depth = 0;
    size_t eq = (size_t)-1;
    for (size_t i = *a; i < b; i++) {
        char c = t[i];
        if (!depth && relation(t, b, i)) return;
        if (c == '\\' && i + 1 < b) { i++; continue; }
        if (c == '(' || c == '[' || c == '{') depth++;
        else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
        else if (depth) continue;
        else if (c == '=') eq = i;
        else if (c == ',' && !(i > *a && isdigit((unsigned char)t[i - 1]) && thousands(t, b, i))) return;
        else if ((c == 'a' || c == 'o') && i > *a && blank(t[i - 1]) &&
                 (lit(t, b, i, "and ") || lit(t, b, i, "or "))) return;
    }
    if (eq != (size_t)-1) *a = eq + 1;
}

/* The canonical form: blanks, '$', \left, \right, \displaystyle, LaTeX
 * spacing, degree signs and the names of \text, \mathrm, \mbox, \textbf
 * (their braces too) out; \dfrac and \tfrac as \frac; ASCII case
 * folded. */
static void canon(const char *t, size_t n, cot_buf_t *o)
{
    cot_buf_clear(o);
    int drop[MATH_MAX + 1];          /* depths of the braces to drop */
    int nd = 0, depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        size_t l;
        if (blank(c) && depth == 0 && lit(t, n, i + 1, "and") && i + 4 < n && blank(t[i + 4])) {
            /* "2, 3 and 5" is "2, 3, 5" */
            if (!o->len || o->s[o->len - 1] != ',') cot_buf_addc(o, ',');
            i += 3;
            continue;
        }
        if (isspace((unsigned char)c) || c == '$') continue;
        if (c == '\\' && i + 1 < n && strchr(",!;: $", t[i + 1])) { i++; continue; }
        if (lit(t, n, i, "\\%")) { cot_buf_addc(o, '%'); i++; continue; }
        if (lit(t, n, i, "\xC2\xB0")) { i++; continue; }
        if (lit(t, n, i, "^\\circ")) { i += 5; continue; }
        if (lit(t, n, i, "^{\\circ}")) { i += 7; continue; }
        if (lit(t, n, i, "{,}")) { cot_buf_addc(o, ','); i += 2; continue; }
        if ((l = command(t, n, i))) {
            if (command_is(t, n, i, "left") || command_is(t, n, i, "right") ||
                command_is(t, n, i, "displaystyle")) { i += l - 1; continue; }
            if (command_is(t, n, i, "dfrac") || command_is(t, n, i, "tfrac")) {
                cot_buf_adds(o, "\\frac");
                i += l - 1;
                continue;
            }
            if ((command_is(t, n, i, "text") || command_is(t, n, i, "mathrm") ||
                 command_is(t, n, i, "mbox") || command_is(t, n, i, "textbf")) &&
                i + l < n && t[i + l] == '{' && nd < MATH_MAX) {
                drop[nd++] = depth++;
                i += l;                   /* past the '{' */
                continue;
            }
            cot_buf_add(o, t + i, l);
            i += l - 1;
            continue;
        }
        if (c == '{') depth++;
        if (c == '}' && depth > 0) {
            depth--;
            if (nd && drop[nd - 1] == depth) { nd--; continue; }
        }
        cot_buf_addc(o, (char)tolower((unsigned char)c));
    }
    cot_buf_cstr(o);
}

static int same(double x, double y)
{
    return x == y || fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y));
}

int cot_math_equal(const char *a, size_t an, const char *b, size_t bn)
{
    size_t a0 = 0, a1 = an, b0 = 0, b1 = bn;
    trim(a, &a0, &a1);
    trim(b, &b0, &b1);
    if (a1 - a0 > MATH_MAX || b1 - b0 > MATH_MAX) return 0;
    last_side(a, &a0, a1);
    last_side(b, &b0, b1);
    trim(a, &a0, &a1);
    trim(b, &b0, &b1);
    if (a0 == a1 || b0 == b1) return 0;
    double x, y;
    int px, py;
    if (cot_math_value(a + a0, a1 - a0, &x, &px) == 0 &&
        cot_math_value(b + b0, b1 - b0, &y, &py) == 0)
        return same(x, y) || (px && !py && same(x / 100, y)) || (py && !px && same(x, y / 100));
    cot_buf_t u = {0}, v = {0};
    canon(a + a0, a1 - a0, &u);
    canon(b + b0, b1 - b0, &v);
    int eq = u.len && u.len == v.len && !memcmp(u.s, v.s, u.len);
    cot_buf_free(&u);
    cot_buf_free(&v);
    return eq;
}

/* ---- a concluding result ------------------------------------------------- */

/* Whether t[a..b) holds no digit and no math: "This is my final answer." */
static int wordy(const char *t, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (isdigit((unsigned char)t[i]) || t[i] == '$' || t[i] == '\\' || t[i] == '=') return 0;
    return 1;
}

int cot_math_concluded(const char *t, size_t n, size_t *s, size_t *e)
{
    /* the last line, past up to two short lines of words after it */
    size_t b = n;
    for (int skipped = 0;; skipped++) {
        while (b > 0 && isspace((unsigned char)t[b - 1])) b--;
        size_t a = b;
        while (a > 0 && t[a - 1] != '\n') a--;
        if (skipped < 2 && b > a && b - a < 80 && wordy(t, a, b)) {
            /* "I can add these values to get the final answer.": a step
             * still to come, so the line before holds no result */
            static const char *const todo[] = {"to get", "to find", "plug", "add ", "multiply",
                                               "need to", "next", "will "};
            for (size_t i = a; i < b; i++) {
                const int c = tolower((unsigned char)t[i]);
                for (size_t k = 0; k < sizeof todo / sizeof *todo; k++)
                    if (c == todo[k][0] && i + strlen(todo[k]) <= b &&
                        !strncasecmp(t + i, todo[k], strlen(todo[k])))
                        return -1;
            }
            b = a;
            continue;
        }
        /* the end of its sentence: '.', blanks and closing math delimiters off */
        for (int again = 1; again && b > a;) {
            again = 0;
            while (b > a && (isspace((unsigned char)t[b - 1]) || t[b - 1] == '.' || t[b - 1] == '$'))
                { b--; again = 1; }
            if (b >= a + 2 && t[b - 2] == '\\' && (t[b - 1] == ']' || t[b - 1] == ')')) { b -= 2; again = 1; }
        }
        if (b == a) return -1;
        /* the result: after the last '=', " is ", " equals " or " was " of the
         * line, when math alone follows it */
        size_t r = (size_t)-1;
        for (size_t i = b; i-- > a && r == (size_t)-1;) {   /* the last one */
            if (t[i] == '=' && !(i > a && strchr("<>!=", t[i - 1])) && !(i + 1 < b && t[i + 1] == '='))
                r = i + 1;
            else if (t[i] == ' ' && (lit(t, b, i, " is ") || lit(t, b, i, " was ")))
                r = i + (t[i + 1] == 'i' ? 4 : 5);
            else if (t[i] == ' ' && lit(t, b, i, " equals ")) r = i + 8;
        }
        if (r == (size_t)-1) return -1;
        while (r < b && (blank(t[r]) || t[r] == '$')) r++;
        if (lit(t, b, r, "\\(") || lit(t, b, r, "\\[")) r += 2;
        while (r < b && blank(t[r])) r++;
        if (r >= b || cot_math_end(t, b, r) != b) return -1;
        *s = r;
        *e = b;
        return 0;
    }
}
