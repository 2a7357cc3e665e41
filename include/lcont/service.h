/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SERVICE_H
#define LCONT_SERVICE_H

#include <lcont/common.h>

LCONT_BEGIN_DECLS

LCONT_END_DECLS

#endif
