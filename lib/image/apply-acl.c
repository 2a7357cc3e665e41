/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POSIX.1e ACLs of a layer entry (PAX SCHILY.acl.access / SCHILY.acl.default, which
 * libarchive parses), set as the kernel's system.posix_acl_access / _default xattrs.
 * Named users and groups are container ids: they go through the layer's id maps like the
 * owner. NFSv4 ACLs (SCHILY.acl.ace) have no Linux file system to land on and are skipped.
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/xattr.h>

#include "core/error-internal.h"
#include "core/util.h"
#include "image/apply-internal.h"
#include "image/archive-dl.h"

/* linux/posix_acl_xattr.h, which uapi no longer ships */
#define ACL_XATTR_VERSION 0x0002
#define ACL_TAG_USER_OBJ 0x01
#define ACL_TAG_USER 0x02
#define ACL_TAG_GROUP_OBJ 0x04
#define ACL_TAG_GROUP 0x08
#define ACL_TAG_MASK 0x10
#define ACL_TAG_OTHER 0x20
#define ACL_UNDEFINED_ID UINT32_MAX
#define ACL_MAX_ENTRIES 4096

struct acl_entry {
    uint16_t tag, perm;
    uint32_t id;
};

static int tag_of(int archive_tag)
{
    switch (archive_tag) {
    case ARCHIVE_ENTRY_ACL_USER_OBJ:
        return ACL_TAG_USER_OBJ;
    case ARCHIVE_ENTRY_ACL_USER:
        return ACL_TAG_USER;
    case ARCHIVE_ENTRY_ACL_GROUP_OBJ:
        return ACL_TAG_GROUP_OBJ;
    case ARCHIVE_ENTRY_ACL_GROUP:
        return ACL_TAG_GROUP;
    case ARCHIVE_ENTRY_ACL_MASK:
        return ACL_TAG_MASK;
    case ARCHIVE_ENTRY_ACL_OTHER:
        return ACL_TAG_OTHER;
    default:
        return -1;
    }
}

/* The kernel wants the entries in tag order (the tag values ascend) and ids ascending. */
static int cmp_entry(const void *a, const void *b)
{
    const struct acl_entry *x = a, *y = b;

    if (x->tag != y->tag)
        return x->tag < y->tag ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int set_one(struct lcont__apply *ap, struct archive_entry *e, int fd, int type,
                   const char *xattr, lcont_error **reterr)
{
    const struct lcont_layer_apply_opts *o = ap->opts;
    int n = sym_archive_entry_acl_reset(e, type), etype, perm, tag, qual, kt;
    _cleanup_free_ struct acl_entry *ents = NULL;
    _cleanup_free_ uint8_t *buf = NULL;
    const char *name;
    size_t count = 0, len;

    if (n <= 0)
        return 0;
    if (n > ACL_MAX_ENTRIES)
        return lcont__apply_error(ap, reterr, -E2BIG, false, "%d ACL entries", n);
    ents = calloc((size_t)n, sizeof(*ents));
    if (!ents)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    while (count < (size_t)n &&
           sym_archive_entry_acl_next(e, type, &etype, &perm, &tag, &qual, &name) == ARCHIVE_OK) {
        struct acl_entry *a = &ents[count];

        if ((kt = tag_of(tag)) < 0)
            return lcont__apply_error(ap, reterr, -EINVAL, false, "ACL entry of unknown tag %d",
                                      tag);
        a->tag = (uint16_t)kt;
        a->perm = (uint16_t)(perm & 07);
        a->id = ACL_UNDEFINED_ID;
        if (kt == ACL_TAG_USER || kt == ACL_TAG_GROUP) {
            bool user = kt == ACL_TAG_USER;
            if (!lcont__apply_map_id(user ? o->uid_map : o->gid_map,
                                     user ? o->n_uid_map : o->n_gid_map, qual, &a->id))
                return lcont__apply_error(ap, reterr, -EINVAL, false, "ACL %s %d is not mapped",
                                          user ? "uid" : "gid", qual);
        }
        count++;
    }
    qsort(ents, count, sizeof(*ents), cmp_entry);
    len = 4 + 8 * count;
    buf = malloc(len);
    if (!buf)
        return lcont__error_set(reterr, -ENOMEM, "out of memory");
    *(uint32_t *)buf = htole32(ACL_XATTR_VERSION);
    for (size_t i = 0; i < count; i++) {
        uint8_t *p = buf + 4 + 8 * i;
        *(uint16_t *)p = htole16(ents[i].tag);
        *(uint16_t *)(p + 2) = htole16(ents[i].perm);
        *(uint32_t *)(p + 4) = htole32(ents[i].id);
    }
    if (fsetxattr(fd, xattr, buf, len, 0) < 0) {
        /* no ACLs on this file system, or not allowed in a user namespace: counted */
        if (errno == EOPNOTSUPP || (o->unprivileged && (errno == EPERM || errno == EINVAL))) {
            ap->skipped_xattrs++;
            return 0;
        }
        return lcont__apply_error(ap, reterr, -errno, true, "set %s", xattr);
    }
    return 0;
}

int lcont__apply_acls(struct lcont__apply *ap, struct archive_entry *e, int fd, bool is_dir,
                      lcont_error **reterr)
{
    int types = sym_archive_entry_acl_types(e), r;

    if (!(types & ARCHIVE_ENTRY_ACL_TYPE_POSIX1E)) {
        if (types)
            ap->skipped_xattrs++; /* NFSv4 */
        return 0;
    }
    r = set_one(ap, e, fd, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, "system.posix_acl_access", reterr);
    if (r >= 0 && is_dir)
        r = set_one(ap, e, fd, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, "system.posix_acl_default", reterr);
    return r;
}
