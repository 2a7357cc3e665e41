/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Name tables of the OCI config: namespaces, hooks, mount options, seccomp. */
#include "spec/parse-internal.h"

#include <ctype.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "core/util.h"

/* ---- namespaces and hooks ---- */

static const struct {
    const char *oci;
    const char *proc;
    int clone_flag;
} namespaces[LCONT_NS_COUNT] = {
    [LCONT_NS_PID] = { "pid", "pid", CLONE_NEWPID },
    [LCONT_NS_NET] = { "network", "net", CLONE_NEWNET },
    [LCONT_NS_MNT] = { "mount", "mnt", CLONE_NEWNS },
    [LCONT_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
    [LCONT_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
    [LCONT_NS_USER] = { "user", "user", CLONE_NEWUSER },
    [LCONT_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
    [LCONT_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

int lcont__spec_ns_clone_flag(enum lcont_ns_type type)
{
    if ((unsigned)type >= LCONT_NS_COUNT)
        return 0;
    return namespaces[type].clone_flag;
}

const char *lcont__spec_ns_proc_name(enum lcont_ns_type type)
{
    if ((unsigned)type >= LCONT_NS_COUNT)
        return NULL;
    return namespaces[type].proc;
}

const char *lcont__spec_ns_oci_name(enum lcont_ns_type type)
{
    if ((unsigned)type >= LCONT_NS_COUNT)
        return NULL;
    return namespaces[type].oci;
}

static const char *const hook_names[LCONT_HOOK_COUNT] = {
    [LCONT_HOOK_PRESTART] = "prestart",
    [LCONT_HOOK_CREATE_RUNTIME] = "createRuntime",
    [LCONT_HOOK_CREATE_CONTAINER] = "createContainer",
    [LCONT_HOOK_START_CONTAINER] = "startContainer",
    [LCONT_HOOK_POSTSTART] = "poststart",
    [LCONT_HOOK_POSTSTOP] = "poststop",
};

const char *lcont__spec_hook_name(enum lcont_hook_kind kind)
{
    if ((unsigned)kind >= LCONT_HOOK_COUNT)
        return NULL;
    return hook_names[kind];
}

/* ---- mount options (the same table runc uses; sorted for bsearch) ---- */

const struct spec_mount_opt lcont__spec_mount_opts[] = {
    { "async", SPEC_MOPT_FLAG_CLEAR, MS_SYNCHRONOUS },
    { "atime", SPEC_MOPT_FLAG_CLEAR, MS_NOATIME },
    { "bind", SPEC_MOPT_FLAG_SET, MS_BIND },
    { "defaults", SPEC_MOPT_NOOP, 0 },
    { "dev", SPEC_MOPT_FLAG_CLEAR, MS_NODEV },
    { "diratime", SPEC_MOPT_FLAG_CLEAR, MS_NODIRATIME },
    { "dirsync", SPEC_MOPT_FLAG_SET, MS_DIRSYNC },
    { "exec", SPEC_MOPT_FLAG_CLEAR, MS_NOEXEC },
    { "idmap", SPEC_MOPT_UNSUPPORTED, 0 },
    { "iversion", SPEC_MOPT_FLAG_SET, MS_I_VERSION },
    { "lazytime", SPEC_MOPT_FLAG_SET, MS_LAZYTIME },
    { "loud", SPEC_MOPT_FLAG_CLEAR, MS_SILENT },
    { "mand", SPEC_MOPT_FLAG_SET, MS_MANDLOCK },
    { "noatime", SPEC_MOPT_FLAG_SET, MS_NOATIME },
    { "nodev", SPEC_MOPT_FLAG_SET, MS_NODEV },
    { "nodiratime", SPEC_MOPT_FLAG_SET, MS_NODIRATIME },
    { "noexec", SPEC_MOPT_FLAG_SET, MS_NOEXEC },
    { "noiversion", SPEC_MOPT_FLAG_CLEAR, MS_I_VERSION },
    { "nolazytime", SPEC_MOPT_FLAG_CLEAR, MS_LAZYTIME },
    { "nomand", SPEC_MOPT_FLAG_CLEAR, MS_MANDLOCK },
    { "norelatime", SPEC_MOPT_FLAG_CLEAR, MS_RELATIME },
    { "nostrictatime", SPEC_MOPT_FLAG_CLEAR, MS_STRICTATIME },
    { "nosuid", SPEC_MOPT_FLAG_SET, MS_NOSUID },
    { "nosymfollow", SPEC_MOPT_FLAG_SET, MS_NOSYMFOLLOW },
    { "private", SPEC_MOPT_PROPAGATION, MS_PRIVATE },
    { "ratime", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_NOATIME },
    { "rbind", SPEC_MOPT_FLAG_SET, MS_BIND | MS_REC },
    { "rdev", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_NODEV },
    { "rdiratime", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_NODIRATIME },
    { "relatime", SPEC_MOPT_FLAG_SET, MS_RELATIME },
    { "remount", SPEC_MOPT_FLAG_SET, MS_REMOUNT },
    { "rexec", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_NOEXEC },
    { "ridmap", SPEC_MOPT_UNSUPPORTED, 0 },
    { "rnoatime", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_NOATIME },
    { "rnodev", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_NODEV },
    { "rnodiratime", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_NODIRATIME },
    { "rnoexec", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_NOEXEC },
    { "rnorelatime", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_RELATIME },
    { "rnostrictatime", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_STRICTATIME },
    { "rnosuid", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_NOSUID },
    { "rnosymfollow", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_NOSYMFOLLOW },
    { "ro", SPEC_MOPT_FLAG_SET, MS_RDONLY },
    { "rprivate", SPEC_MOPT_PROPAGATION, MS_PRIVATE | MS_REC },
    { "rrelatime", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_RELATIME },
    { "rro", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_RDONLY },
    { "rrw", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_RDONLY },
    { "rshared", SPEC_MOPT_PROPAGATION, MS_SHARED | MS_REC },
    { "rslave", SPEC_MOPT_PROPAGATION, MS_SLAVE | MS_REC },
    { "rstrictatime", SPEC_MOPT_ATTR_SET, MOUNT_ATTR_STRICTATIME },
    { "rsuid", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_NOSUID },
    { "rsymfollow", SPEC_MOPT_ATTR_CLEAR, MOUNT_ATTR_NOSYMFOLLOW },
    { "runbindable", SPEC_MOPT_PROPAGATION, MS_UNBINDABLE | MS_REC },
    { "rw", SPEC_MOPT_FLAG_CLEAR, MS_RDONLY },
    { "shared", SPEC_MOPT_PROPAGATION, MS_SHARED },
    { "silent", SPEC_MOPT_FLAG_SET, MS_SILENT },
    { "slave", SPEC_MOPT_PROPAGATION, MS_SLAVE },
    { "strictatime", SPEC_MOPT_FLAG_SET, MS_STRICTATIME },
    { "suid", SPEC_MOPT_FLAG_CLEAR, MS_NOSUID },
    { "symfollow", SPEC_MOPT_FLAG_CLEAR, MS_NOSYMFOLLOW },
    { "sync", SPEC_MOPT_FLAG_SET, MS_SYNCHRONOUS },
    { "tmpcopyup", SPEC_MOPT_EXTENSION, 0 },
    { "unbindable", SPEC_MOPT_PROPAGATION, MS_UNBINDABLE },
    { NULL, 0, 0 },
};

static int mount_opt_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct spec_mount_opt *)elem)->name);
}

const struct spec_mount_opt *lcont__spec_mount_opt_lookup(const char *name)
{
    size_t n = 0;
    while (lcont__spec_mount_opts[n].name)
        n++;
    return bsearch(name, lcont__spec_mount_opts, n, sizeof(lcont__spec_mount_opts[0]),
                   mount_opt_cmp);
}

/* ---- seccomp ---- */

const char *const lcont__spec_seccomp_action_names[] = {
    [LCONT_SCMP_KILL] = "SCMP_ACT_KILL",
    [LCONT_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [LCONT_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [LCONT_SCMP_TRAP] = "SCMP_ACT_TRAP",
    [LCONT_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
    [LCONT_SCMP_TRACE] = "SCMP_ACT_TRACE",
    [LCONT_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
    [LCONT_SCMP_LOG] = "SCMP_ACT_LOG",
    [LCONT_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
    NULL,
};

const char *const lcont__spec_seccomp_op_names[] = {
    [LCONT_SCMP_CMP_NE] = "SCMP_CMP_NE",
    [LCONT_SCMP_CMP_LT] = "SCMP_CMP_LT",
    [LCONT_SCMP_CMP_LE] = "SCMP_CMP_LE",
    [LCONT_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
    [LCONT_SCMP_CMP_GE] = "SCMP_CMP_GE",
    [LCONT_SCMP_CMP_GT] = "SCMP_CMP_GT",
    [LCONT_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
    NULL,
};

/* Every architecture name the runtime spec or libseccomp defines; filtered by arch_known(). */
const char *const lcont__spec_seccomp_arch_names[] = {
    "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

const char *const lcont__spec_seccomp_flag_names[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
    NULL,
};

bool lcont__spec_seccomp_arch_known(const char *name)
{
    static const char prefix[] = "SCMP_ARCH_";
    char lower[32];
    size_t n;

    if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
        return false;
    name += sizeof(prefix) - 1;
    n = strlen(name);
    if (n == 0 || n >= sizeof(lower))
        return false;
    /* libseccomp names architectures in lower case: "x86_64", "aarch64", ... */
    for (size_t i = 0; i <= n; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    for (size_t i = 0; lcont__spec_seccomp_arch_names[i]; i++)
        if (strcmp(lcont__spec_seccomp_arch_names[i] + sizeof(prefix) - 1, name) == 0)
            return seccomp_arch_resolve_name(lower) != 0;
    return false;
}

/* ---- capabilities ---- */

int lcont__spec_cap_last_cap(void)
{
    _cleanup_free_ char *text = NULL;
    char *end = NULL;
    long v;

    if (lcont__read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &text, NULL) < 0)
        return CAP_LAST_CAP;
    v = strtol(text, &end, 10);
    if (end == text || v < 0 || v > 63)
        return CAP_LAST_CAP;
    return (int)v;
}

const struct spec_name_value *lcont__spec_name_find(const struct spec_name_value *table, size_t n,
                                                    const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

int lcont__spec_get_flags(const cJSON *obj, const char *parent, const char *key,
                          const struct spec_name_value *table, size_t n, uint64_t *ret,
                          lcont_error **reterr)
{
    _cleanup_strv_ char **names = NULL;
    uint64_t value = 0;
    int r = lcont__spec_get_strv(obj, parent, key, &names, reterr);

    if (r <= 0)
        return r;
    for (size_t i = 0; names[i]; i++) {
        const struct spec_name_value *e = lcont__spec_name_find(table, n, names[i]);
        if (!e)
            return lcont__error_set(reterr, -EINVAL, "%s.%s[%zu]: unknown flag '%s'", parent, key,
                                    i, names[i]);
        value |= e->value;
    }
    *ret |= value;
    return 1;
}
