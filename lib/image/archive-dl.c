/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "image/archive-dl.h"

LCONT_DLSYM(archive_entry_acl_next);
LCONT_DLSYM(archive_entry_acl_reset);
LCONT_DLSYM(archive_entry_acl_types);
LCONT_DLSYM(archive_entry_atime);
LCONT_DLSYM(archive_entry_atime_is_set);
LCONT_DLSYM(archive_entry_atime_nsec);
LCONT_DLSYM(archive_entry_filetype);
LCONT_DLSYM(archive_entry_gid);
LCONT_DLSYM(archive_entry_hardlink);
LCONT_DLSYM(archive_entry_hardlink_utf8);
LCONT_DLSYM(archive_entry_mtime);
LCONT_DLSYM(archive_entry_mtime_nsec);
LCONT_DLSYM(archive_entry_pathname);
LCONT_DLSYM(archive_entry_pathname_utf8);
LCONT_DLSYM(archive_entry_perm);
LCONT_DLSYM(archive_entry_rdevmajor);
LCONT_DLSYM(archive_entry_rdevminor);
LCONT_DLSYM(archive_entry_size);
LCONT_DLSYM(archive_entry_symlink);
LCONT_DLSYM(archive_entry_symlink_utf8);
LCONT_DLSYM(archive_entry_uid);
LCONT_DLSYM(archive_entry_xattr_count);
LCONT_DLSYM(archive_entry_xattr_next);
LCONT_DLSYM(archive_entry_xattr_reset);
LCONT_DLSYM(archive_errno);
LCONT_DLSYM(archive_error_string);
LCONT_DLSYM(archive_filter_bytes);
LCONT_DLSYM(archive_read_data_block);
LCONT_DLSYM(archive_read_free);
LCONT_DLSYM(archive_read_header_position);
LCONT_DLSYM(archive_read_new);
LCONT_DLSYM(archive_read_next_header);
LCONT_DLSYM(archive_read_open);
LCONT_DLSYM(archive_read_open_filename);
LCONT_DLSYM(archive_read_support_filter_gzip);
LCONT_DLSYM(archive_read_support_filter_zstd);
LCONT_DLSYM(archive_read_support_format_empty);
LCONT_DLSYM(archive_read_support_format_gnutar);
LCONT_DLSYM(archive_read_support_format_tar);
LCONT_DLSYM(archive_set_error);

static const char *const archive_sonames[] = { "libarchive.so.13", NULL };
static const struct lcont_dlib_sym archive_syms[] = {
    LCONT_DLIB_SYM(archive_entry_acl_next),
    LCONT_DLIB_SYM(archive_entry_acl_reset),
    LCONT_DLIB_SYM(archive_entry_acl_types),
    LCONT_DLIB_SYM(archive_entry_atime),
    LCONT_DLIB_SYM(archive_entry_atime_is_set),
    LCONT_DLIB_SYM(archive_entry_atime_nsec),
    LCONT_DLIB_SYM(archive_entry_filetype),
    LCONT_DLIB_SYM(archive_entry_gid),
    LCONT_DLIB_SYM(archive_entry_hardlink),
    LCONT_DLIB_SYM(archive_entry_hardlink_utf8),
    LCONT_DLIB_SYM(archive_entry_mtime),
    LCONT_DLIB_SYM(archive_entry_mtime_nsec),
    LCONT_DLIB_SYM(archive_entry_pathname),
    LCONT_DLIB_SYM(archive_entry_pathname_utf8),
    LCONT_DLIB_SYM(archive_entry_perm),
    LCONT_DLIB_SYM(archive_entry_rdevmajor),
    LCONT_DLIB_SYM(archive_entry_rdevminor),
    LCONT_DLIB_SYM(archive_entry_size),
    LCONT_DLIB_SYM(archive_entry_symlink),
    LCONT_DLIB_SYM(archive_entry_symlink_utf8),
    LCONT_DLIB_SYM(archive_entry_uid),
    LCONT_DLIB_SYM(archive_entry_xattr_count),
    LCONT_DLIB_SYM(archive_entry_xattr_next),
    LCONT_DLIB_SYM(archive_entry_xattr_reset),
    LCONT_DLIB_SYM(archive_errno),
    LCONT_DLIB_SYM(archive_error_string),
    LCONT_DLIB_SYM(archive_filter_bytes),
    LCONT_DLIB_SYM(archive_read_data_block),
    LCONT_DLIB_SYM(archive_read_free),
    LCONT_DLIB_SYM(archive_read_header_position),
    LCONT_DLIB_SYM(archive_read_new),
    LCONT_DLIB_SYM(archive_read_next_header),
    LCONT_DLIB_SYM(archive_read_open),
    LCONT_DLIB_SYM(archive_read_open_filename),
    LCONT_DLIB_SYM(archive_read_support_filter_gzip),
    LCONT_DLIB_SYM(archive_read_support_filter_zstd),
    LCONT_DLIB_SYM(archive_read_support_format_empty),
    LCONT_DLIB_SYM(archive_read_support_format_gnutar),
    LCONT_DLIB_SYM(archive_read_support_format_tar),
    LCONT_DLIB_SYM(archive_set_error),
};
static struct lcont_dlib archive = LCONT_DLIB_INIT(archive_sonames, archive_syms, "libarchive13");

int lcont__archive_load(lcont_error **reterr)
{
    return lcont__dlib_ensure(&archive, reterr);
}
