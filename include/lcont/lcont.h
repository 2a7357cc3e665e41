/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_LCONT_H
#define LCONT_LCONT_H

/**
 * @file lcont.h
 * The one header users include.
 */

#include <lcont/common.h>
#include <lcont/version.h>
#include <lcont/error.h>
#include <lcont/context.h>
#include <lcont/process.h>
#include <lcont/container.h>
#include <lcont/spec.h>
#include <lcont/image.h>
#include <lcont/service.h>

#endif
