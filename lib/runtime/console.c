/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "runtime/console.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "core/sys.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* Best effort: a read-only /dev simply has no /dev/console. */
static void bind_dev_console(int slave)
{
    int devfd, target, tree;

    devfd = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (devfd < 0)
        return;
    target = openat(devfd, "console", O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
    if (target < 0 && errno == ELOOP) { /* an image's symlink: replace, never follow */
        unlinkat(devfd, "console", 0);
        target =
            openat(devfd, "console", O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (target >= 0) {
        tree = lcont__sys_open_tree(slave, "", OPEN_TREE_CLONE | AT_EMPTY_PATH | OPEN_TREE_CLOEXEC);
        if (tree >= 0) {
            lcont__sys_move_mount(tree, "", target, "",
                                  MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
            close(tree);
        }
        close(target);
    }
    close(devfd);
}

int lcont__console_setup_child(unsigned rows, unsigned cols, bool bind_console, int *ret_master,
                               struct lcont_child_error *err)
{
    struct statfs sfs;
    struct stat st;
    int master, slave, unlock = 0;

    master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
    if (master < 0)
        return lcont__child_fail(err, -errno, "terminal: open", "/dev/pts/ptmx");
    if (fstatfs(master, &sfs) < 0 || sfs.f_type != DEVPTS_SUPER_MAGIC || fstat(master, &st) < 0 ||
        !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 || minor(st.st_rdev) != 2) {
        close(master);
        return lcont__child_fail(err, -EPERM, "terminal: not a devpts ptmx", "/dev/pts/ptmx");
    }
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        goto fail;
    if (rows && cols) {
        struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
        if (ioctl(master, TIOCSWINSZ, &ws) < 0)
            goto fail;
    }
    slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0)
        goto fail;
    if (ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
        dup2(slave, 2) < 0) {
        close(slave);
        goto fail;
    }
    if (bind_console)
        bind_dev_console(slave);
    close(slave);
    *ret_master = master;
    return 0;
fail:
    lcont__child_fail(err, -errno, "terminal: set up pty", NULL);
    close(master);
    return err->code;
}
