/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "core/sys.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RET(expr)                         \
    do {                                  \
        long _r = (expr);                 \
        return _r < 0 ? -errno : (int)_r; \
    } while (0)

pid_t lcont__sys_clone3(struct clone_args *args, size_t size)
{
    RET(syscall(SYS_clone3, args, size));
}
int lcont__sys_pidfd_open(pid_t pid, unsigned flags)
{
    RET(syscall(SYS_pidfd_open, pid, flags));
}
int lcont__sys_pidfd_send_signal(int pidfd, int sig, unsigned flags)
{
    RET(syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, flags));
}
int lcont__sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
    RET(syscall(SYS_openat2, dirfd, path, how, size));
}
int lcont__sys_close_range(unsigned first, unsigned last, unsigned flags)
{
    RET(syscall(SYS_close_range, first, last, flags));
}
int lcont__sys_pivot_root(const char *new_root, const char *put_old)
{
    RET(syscall(SYS_pivot_root, new_root, put_old));
}
int lcont__sys_mount(const char *source, const char *target, const char *type, unsigned long flags,
                     const void *data)
{
    RET(mount(source, target, type, flags, data));
}
int lcont__sys_umount2(const char *target, int flags)
{
    RET(umount2(target, flags));
}
int lcont__sys_mount_setattr(int dirfd, const char *path, unsigned flags, struct mount_attr *attr,
                             size_t size)
{
    RET(syscall(SYS_mount_setattr, dirfd, path, flags, attr, size));
}
int lcont__sys_open_tree(int dirfd, const char *path, unsigned flags)
{
    RET(syscall(SYS_open_tree, dirfd, path, flags));
}
int lcont__sys_fsopen(const char *fs_name, unsigned flags)
{
    RET(syscall(SYS_fsopen, fs_name, flags));
}
int lcont__sys_fsconfig(int fs_fd, unsigned cmd, const char *key, const void *value, int aux)
{
    RET(syscall(SYS_fsconfig, fs_fd, cmd, key, value, aux));
}
int lcont__sys_fsmount(int fs_fd, unsigned flags, unsigned attr_flags)
{
    RET(syscall(SYS_fsmount, fs_fd, flags, attr_flags));
}
int lcont__sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
                          unsigned flags)
{
    RET(syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags));
}
int lcont__sys_setns(int fd, int nstype)
{
    RET(syscall(SYS_setns, fd, nstype));
}
int lcont__sys_unshare(int flags)
{
    RET(syscall(SYS_unshare, flags));
}
int lcont__sys_seccomp(unsigned op, unsigned flags, void *args)
{
    RET(syscall(SYS_seccomp, op, flags, args));
}
int lcont__sys_bpf(int cmd, union bpf_attr *attr, unsigned size)
{
    RET(syscall(SYS_bpf, cmd, attr, size));
}
int lcont__sys_capget(void *hdr, void *data)
{
    RET(syscall(SYS_capget, hdr, data));
}
int lcont__sys_capset(void *hdr, const void *data)
{
    RET(syscall(SYS_capset, hdr, data));
}
int lcont__sys_ioprio_set(int which, int who, int ioprio)
{
    RET(syscall(SYS_ioprio_set, which, who, ioprio));
}
int lcont__sys_sched_setattr(pid_t pid, void *attr, unsigned flags)
{
    RET(syscall(SYS_sched_setattr, pid, attr, flags));
}
int lcont__sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
                     unsigned long a5)
{
    RET(prctl(option, a2, a3, a4, a5));
}
/* Raw set*id calls: glibc's wrappers broadcast to all threads under a lock, which a
 * child cloned from a multi-threaded caller must never touch. */
int lcont__sys_setgroups(size_t n, const gid_t *gids)
{
    RET(syscall(SYS_setgroups, n, gids));
}
int lcont__sys_setresgid(gid_t r, gid_t e, gid_t s)
{
    RET(syscall(SYS_setresgid, r, e, s));
}
int lcont__sys_setresuid(uid_t r, uid_t e, uid_t s)
{
    RET(syscall(SYS_setresuid, r, e, s));
}
int lcont__sys_prlimit(int resource, uint64_t cur, uint64_t max)
{
    struct {
        uint64_t cur, max;
    } lim = { cur, max };
    RET(syscall(SYS_prlimit64, 0, resource, &lim, NULL));
}
int lcont__sys_personality(unsigned long persona)
{
    RET(syscall(SYS_personality, persona));
}
int lcont__sys_setpriority(int which, int who, int prio)
{
    RET(syscall(SYS_setpriority, which, who, prio));
}
