/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CORE_SYS_H
#define LCONT_CORE_SYS_H

/*
 * Thin wrappers over raw system calls. They live in their own object file so
 * unit tests can intercept them with -Wl,--wrap=lcont__sys_<name> (STYLE §11.2).
 * Every wrapper returns the syscall's non-negative result or -errno, never
 * allocates and is safe to call between clone and exec.
 */

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct clone_args;
struct open_how;
struct mount_attr;

pid_t lcont__sys_clone3(struct clone_args *args, size_t size);
int lcont__sys_pidfd_open(pid_t pid, unsigned flags);
int lcont__sys_pidfd_send_signal(int pidfd, int sig, unsigned flags);
int lcont__sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size);
int lcont__sys_close_range(unsigned first, unsigned last, unsigned flags);
int lcont__sys_pivot_root(const char *new_root, const char *put_old);
int lcont__sys_mount(const char *source, const char *target, const char *type, unsigned long flags,
                     const void *data);
int lcont__sys_umount2(const char *target, int flags);
int lcont__sys_mount_setattr(int dirfd, const char *path, unsigned flags, struct mount_attr *attr,
                             size_t size);
int lcont__sys_open_tree(int dirfd, const char *path, unsigned flags);
int lcont__sys_fsopen(const char *fs_name, unsigned flags);
int lcont__sys_fsconfig(int fs_fd, unsigned cmd, const char *key, const void *value, int aux);
int lcont__sys_fsmount(int fs_fd, unsigned flags, unsigned attr_flags);
int lcont__sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path,
                          unsigned flags);
int lcont__sys_setns(int fd, int nstype);
int lcont__sys_unshare(int flags);
int lcont__sys_seccomp(unsigned op, unsigned flags, void *args);
union bpf_attr;
int lcont__sys_bpf(int cmd, union bpf_attr *attr, unsigned size);
int lcont__sys_capget(void *hdr, void *data);
int lcont__sys_capset(void *hdr, const void *data);
int lcont__sys_ioprio_set(int which, int who, int ioprio);
int lcont__sys_sched_setattr(pid_t pid, void *attr, unsigned flags);
int lcont__sys_setgroups(size_t n, const gid_t *gids);
int lcont__sys_setresgid(gid_t r, gid_t e, gid_t s);
int lcont__sys_setresuid(uid_t r, uid_t e, uid_t s);
/* prlimit64 on the calling process; RLIM64_INFINITY is ~0 */
int lcont__sys_prlimit(int resource, uint64_t cur, uint64_t max);
int lcont__sys_personality(unsigned long persona);
int lcont__sys_setpriority(int which, int who, int prio);
int lcont__sys_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
                     unsigned long a5);

#endif
