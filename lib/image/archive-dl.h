/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_IMAGE_ARCHIVE_DL_H
#define LCONT_IMAGE_ARCHIVE_DL_H

/*
 * libarchive, loaded on first use (core/dlib.h): call sym_archive_*() after
 * lcont__archive_load() succeeded. Only the tar reader is used.
 */

#include <archive.h>
#include <archive_entry.h>

#include "core/dlib.h"

/* 0, or -ENOENT with what to install when libarchive cannot be loaded. */
int lcont__archive_load(lcont_error **reterr);

extern LCONT_DLSYM(archive_entry_acl_next);
extern LCONT_DLSYM(archive_entry_acl_reset);
extern LCONT_DLSYM(archive_entry_acl_types);
extern LCONT_DLSYM(archive_entry_atime);
extern LCONT_DLSYM(archive_entry_atime_is_set);
extern LCONT_DLSYM(archive_entry_atime_nsec);
extern LCONT_DLSYM(archive_entry_filetype);
extern LCONT_DLSYM(archive_entry_gid);
extern LCONT_DLSYM(archive_entry_hardlink);
extern LCONT_DLSYM(archive_entry_hardlink_utf8);
extern LCONT_DLSYM(archive_entry_mtime);
extern LCONT_DLSYM(archive_entry_mtime_nsec);
extern LCONT_DLSYM(archive_entry_pathname);
extern LCONT_DLSYM(archive_entry_pathname_utf8);
extern LCONT_DLSYM(archive_entry_perm);
extern LCONT_DLSYM(archive_entry_rdevmajor);
extern LCONT_DLSYM(archive_entry_rdevminor);
extern LCONT_DLSYM(archive_entry_size);
extern LCONT_DLSYM(archive_entry_symlink);
extern LCONT_DLSYM(archive_entry_symlink_utf8);
extern LCONT_DLSYM(archive_entry_uid);
extern LCONT_DLSYM(archive_entry_xattr_count);
extern LCONT_DLSYM(archive_entry_xattr_next);
extern LCONT_DLSYM(archive_entry_xattr_reset);
extern LCONT_DLSYM(archive_errno);
extern LCONT_DLSYM(archive_error_string);
extern LCONT_DLSYM(archive_filter_bytes);
extern LCONT_DLSYM(archive_read_data_block);
extern LCONT_DLSYM(archive_read_free);
extern LCONT_DLSYM(archive_read_header_position);
extern LCONT_DLSYM(archive_read_new);
extern LCONT_DLSYM(archive_read_next_header);
extern LCONT_DLSYM(archive_read_open);
extern LCONT_DLSYM(archive_read_open_filename);
extern LCONT_DLSYM(archive_read_support_filter_gzip);
extern LCONT_DLSYM(archive_read_support_filter_zstd);
extern LCONT_DLSYM(archive_read_support_format_empty);
extern LCONT_DLSYM(archive_read_support_format_gnutar);
extern LCONT_DLSYM(archive_read_support_format_tar);
extern LCONT_DLSYM(archive_set_error);

#endif
