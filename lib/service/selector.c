/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kubernetes label selectors in their text form (equality- and set-based). */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/error-internal.h"
#include "service/service-internal.h"

struct tok {
    const char *p;
    size_t n;
};

static void skip_ws(const char **s)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
}

static bool key_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == '/';
}

static struct tok word(const char **s)
{
    skip_ws(s);
    struct tok t = { *s, 0 };
    while (key_char((*s)[t.n]))
        t.n++;
    *s += t.n;
    return t;
}

/* Value of label @key in "k=v" @labels, or NULL. */
static const char *label_value(const char *const *labels, struct tok key)
{
    for (; labels && *labels; labels++)
        if (strncmp(*labels, key.p, key.n) == 0 && (*labels)[key.n] == '=')
            return *labels + key.n + 1;
    return NULL;
}

static bool tok_eq(struct tok t, const char *s)
{
    return s && strlen(s) == t.n && memcmp(s, t.p, t.n) == 0;
}

int lcont_service_selector_matches(const char *selector, const char *const *labels,
                                   lcont_error **reterr)
{
    if (!selector)
        return lcont__error_set(reterr, -EINVAL, "selector is NULL");
    const char *s = selector;
    bool all = true;
    skip_ws(&s);
    if (!*s)
        return 1; /* the empty selector matches everything */
    for (;;) {
        bool neg = false;
        skip_ws(&s);
        if (*s == '!') {
            neg = true;
            s++;
        }
        struct tok key = word(&s);
        if (key.n == 0 || key.n > 316)
            return lcont__error_set(reterr, -EINVAL, "selector: expected a key at offset %zu",
                                    (size_t)(s - selector));
        const char *have = label_value(labels, key);
        skip_ws(&s);
        bool ok;
        if (neg) {
            ok = !have;
        } else if (*s == '=' || (s[0] == '!' && s[1] == '=')) {
            bool ne = *s == '!';
            s += (s[0] == '=' && s[1] == '=') || ne ? 2 : 1;
            struct tok v = word(&s);
            ok = ne ? !tok_eq(v, have) : tok_eq(v, have);
        } else if (key_char(*s) || strncmp(s, "in", 2) == 0 || strncmp(s, "notin", 5) == 0) {
            struct tok op = word(&s);
            bool in = op.n == 2 && memcmp(op.p, "in", 2) == 0;
            if (!in && !(op.n == 5 && memcmp(op.p, "notin", 5) == 0))
                return lcont__error_set(reterr, -EINVAL,
                                        "selector: expected =, !=, in or notin at offset %zu",
                                        (size_t)(op.p - selector));
            skip_ws(&s);
            if (*s++ != '(')
                return lcont__error_set(reterr, -EINVAL, "selector: expected '(' after %.*s",
                                        (int)op.n, op.p);
            bool found = false;
            for (;;) {
                struct tok v = word(&s);
                if (tok_eq(v, have))
                    found = true;
                skip_ws(&s);
                if (*s == ',') {
                    s++;
                    continue;
                }
                if (*s == ')') {
                    s++;
                    break;
                }
                return lcont__error_set(reterr, -EINVAL, "selector: unterminated set at offset %zu",
                                        (size_t)(s - selector));
            }
            ok = in ? found : !found;
        } else {
            ok = have != NULL; /* existence */
        }
        all = all && ok;
        skip_ws(&s);
        if (*s == '\0')
            break;
        if (*s++ != ',')
            return lcont__error_set(reterr, -EINVAL, "selector: expected ',' at offset %zu",
                                    (size_t)(s - 1 - selector));
    }
    return all ? 1 : 0;
}
