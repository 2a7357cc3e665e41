/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_IMAGE_DECOMPRESS_H
#define LCONT_IMAGE_DECOMPRESS_H

/*
 * Streaming decompression of a layer blob read from an fd: gzip (ISA-L igzip when
 * available, else zlib), zstd (libzstd) or none. The format is sniffed from the magic
 * bytes and checked against what the media type promised.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <lcont/error.h>

#include "image/layer.h"

struct lcont__decomp;

/* Read the first bytes of @fd (borrowed; read from its current offset), sniff the format
 * and check it against @expected (AUTO accepts any). */
int lcont__decomp_new(int fd, enum lcont_layer_compression expected, size_t out_size,
                      struct lcont__decomp **ret, lcont_error **reterr);

/* Produce the next chunk of uncompressed data (up to out_size bytes, in a buffer owned by
 * the decompressor and valid until the next call). Returns its length, 0 at the clean end
 * of the stream, or -errno (-EBADMSG for corrupt or truncated data). */
ssize_t lcont__decomp_read(struct lcont__decomp *d, const void **ret_buf, lcont_error **reterr);

/* Compressed bytes consumed from the fd so far. */
uint64_t lcont__decomp_bytes_in(const struct lcont__decomp *d);
enum lcont_layer_compression lcont__decomp_format(const struct lcont__decomp *d);
const char *lcont__decomp_format_name(enum lcont_layer_compression c);

void lcont__decomp_free(struct lcont__decomp *d);
void lcont__decomp_freep(struct lcont__decomp **d);

#endif
