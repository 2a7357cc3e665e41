/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the OCI config parser (untrusted input: config.json
 * comes from whoever wrote the bundle). Besides "no crash, no leak" it checks
 * the invariants the rest of the library relies on.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        __builtin_trap();
}

static void check_spec(const struct lcont_spec *s)
{
    check(s->oci_version != NULL);
    check(s->root_path != NULL && s->root_path[0] != '\0');
    if (s->process) {
        check(s->process->args && s->process->args[0]);
        check(s->process->cwd && s->process->cwd[0] == '/');
    }
    for (size_t i = 0; i < s->n_mounts; i++) {
        const struct lcont_spec_mount *m = &s->mounts[i];
        check(m->destination && m->destination[0] == '/');
        check(m->bind ? m->type == NULL && m->source != NULL : m->type != NULL);
    }
    for (int t = 0; t < LCONT_NS_COUNT; t++)
        check(!s->linux_.namespaces[t].path || s->linux_.namespaces[t].path[0] == '/');
    if (s->linux_.n_uid_mappings || s->linux_.n_gid_mappings)
        check(s->linux_.namespaces[LCONT_NS_USER].present);
    if (s->hostname)
        check(s->linux_.namespaces[LCONT_NS_UTS].present);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lcont_spec *spec = NULL;
    lcont_error *err = NULL;
    int r = lcont__spec_parse((const char *)data, size, &spec, &err);

    if (r == 0) {
        check(spec != NULL && err == NULL);
        check_spec(spec);
        lcont__spec_free(spec);
    } else {
        /* Every failure explains itself; bad input is -EINVAL, never anything else. */
        check(spec == NULL && err != NULL);
        check(lcont_error_code(err) == r);
        check(lcont_error_message(err)[0] != '\0');
        check(r == -EINVAL || r == -ENOMEM);
        lcont_error_free(err);
    }
    return 0;
}
