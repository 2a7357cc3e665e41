/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_COMMON_H
#define LCONT_COMMON_H

/**
 * @file common.h
 * Export, linkage and deprecation macros shared by every lcont header.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#if defined(__GNUC__) && __GNUC__ >= 4
#define LCONT_API extern __attribute__((visibility("default")))
#define LCONT_DEPRECATED(msg) __attribute__((deprecated(msg)))
#else
#define LCONT_API extern
#define LCONT_DEPRECATED(msg)
#endif

#ifdef __cplusplus
#define LCONT_BEGIN_DECLS extern "C" {
#define LCONT_END_DECLS }
#else
#define LCONT_BEGIN_DECLS
#define LCONT_END_DECLS
#endif

LCONT_BEGIN_DECLS

/**
 * Called when the library drops a callback registration, so a binding can
 * release whatever @p userdata refers to.
 * @since 0.1
 */
typedef void (*lcont_destroy_fn)(void *userdata);

LCONT_END_DECLS

#endif
