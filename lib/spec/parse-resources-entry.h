/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SPEC_PARSE_RESOURCES_ENTRY_H
#define LCONT_SPEC_PARSE_RESOURCES_ENTRY_H

/*
 * Parsing one section of a config on its own, for operations on a running
 * container: `update` (a linux.resources object) and `exec --process` (a
 * process object). The result is a whole struct lcont_spec holding only that
 * section, so lcont__spec_free() releases it like any other.
 */

#include <stddef.h>

#include <lcont/error.h>

#include "spec/spec.h"

/* JSON text of a linux.resources object -> spec->linux_.resources (has_resources set). */
int lcont__spec_parse_resources_json(const char *json, size_t len, struct lcont_spec **ret,
                                     lcont_error **reterr);

/* JSON text of a process object -> spec->process (validated like config.json's). */
int lcont__spec_parse_process_json(const char *json, size_t len, struct lcont_spec **ret,
                                   lcont_error **reterr);

#endif
