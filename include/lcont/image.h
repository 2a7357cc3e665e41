/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_IMAGE_H
#define LCONT_IMAGE_H

#include <lcont/common.h>

LCONT_BEGIN_DECLS

LCONT_END_DECLS

#endif
