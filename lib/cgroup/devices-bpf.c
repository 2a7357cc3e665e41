/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device rules on cgroup v2: v2 has no devices controller, the kernel asks a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup instead. We emit
 * that program from the rules (as runc and crun do):
 *
 *   r2 = type (ctx->access_type & 0xffff), r3 = access (>> 16), r4 = major, r5 = minor
 *   for each rule, last one first:  if it matches -> return allow (1) or deny (0)
 *   return 0                        (nothing matched: deny)
 *
 * Checking the rules backwards with "first match wins" gives the OCI meaning:
 * a later rule overrides an earlier one, and the usual list "deny all, then
 * allow these" works. An allow rule matches when it grants every access asked
 * for (open O_RDWR needs both r and w); a deny rule matches when it covers any
 * of them. Programs attach with BPF_F_ALLOW_MULTI, so a parent cgroup's
 * program (e.g. systemd's) still applies too. An update attaches the new
 * program first and then detaches the old ones, so the cgroup is never open.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"

#define MAX_INSNS_PER_RULE 8
#define MAX_OLD_PROGS 64

static int sys_bpf(int cmd, union bpf_attr *attr)
{
    return lcont__sys_bpf(cmd, attr, sizeof(*attr));
}

/* ---- instruction encoding ---- */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    return (
        struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

#define LDX_W(dst, src, off) insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU_K(op, dst, imm) insn(BPF_ALU64 | (op) | BPF_K, dst, 0, 0, imm)
#define MOV_X(dst, src) insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
/* 32-bit compares: majors/minors are u32 and a 64-bit compare would sign-extend the imm */
#define JMP32_K(op, dst, imm, off) insn(BPF_JMP32 | (op) | BPF_K, dst, 0, off, imm)
#define EXIT() insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int access_bits(const char *access)
{
    int bits = 0;

    if (!access[0])
        return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
    if (strchr(access, 'm'))
        bits |= BPF_DEVCG_ACC_MKNOD;
    if (strchr(access, 'r'))
        bits |= BPF_DEVCG_ACC_READ;
    if (strchr(access, 'w'))
        bits |= BPF_DEVCG_ACC_WRITE;
    return bits;
}

/*
 * The checks of one rule, each jumping to the end of the block when it fails.
 * *ret_final is set when the rule matches every access (no check at all).
 */
static size_t emit_rule(const struct lcont_spec_device_rule *d, struct bpf_insn *out,
                        bool *ret_final)
{
    const int all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
    int acc = access_bits(d->access);
    struct bpf_insn body[MAX_INSNS_PER_RULE];
    /* per check: its instructions, and which one is the jump to patch */
    size_t n = 0, jumps[MAX_INSNS_PER_RULE], n_jumps = 0;

    if (d->type == 'b' || d->type == 'c') {
        jumps[n_jumps++] = n;
        body[n++] =
            JMP32_K(BPF_JNE, 2, d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
    }
    if (d->allow && acc != all) { /* asked & ~granted must be empty */
        body[n++] = MOV_X(1, 3);
        body[n++] = ALU_K(BPF_AND, 1, ~acc & all);
        jumps[n_jumps++] = n;
        body[n++] = JMP32_K(BPF_JNE, 1, 0, 0);
    } else if (!d->allow && acc != all) { /* asked & denied must be non-empty */
        body[n++] = MOV_X(1, 3);
        body[n++] = ALU_K(BPF_AND, 1, acc);
        jumps[n_jumps++] = n;
        body[n++] = JMP32_K(BPF_JEQ, 1, 0, 0);
    }
    if (d->major >= 0) {
        jumps[n_jumps++] = n;
        body[n++] = JMP32_K(BPF_JNE, 4, (int32_t)(uint32_t)d->major, 0);
    }
    if (d->minor >= 0) {
        jumps[n_jumps++] = n;
        body[n++] = JMP32_K(BPF_JNE, 5, (int32_t)(uint32_t)d->minor, 0);
    }
    body[n++] = ALU_K(BPF_MOV, 0, d->allow ? 1 : 0);
    body[n++] = EXIT();
    for (size_t j = 0; j < n_jumps; j++)
        body[jumps[j]].off = (int16_t)(n - jumps[j] - 1);
    memcpy(out, body, n * sizeof(*body));
    *ret_final = n_jumps == 0;
    return n;
}

int lcont__cgroup_bpf_devices_program(const struct lcont_spec_device_rule *rules, size_t n_rules,
                                      struct bpf_insn **ret, size_t *ret_n)
{
    struct bpf_insn *prog = calloc(6 + n_rules * MAX_INSNS_PER_RULE + 2, sizeof(*prog));
    size_t n = 0;

    if (!prog)
        return -ENOMEM;
    prog[n++] = LDX_W(2, 1, 0); /* access_type */
    prog[n++] = ALU_K(BPF_AND, 2, 0xffff);
    prog[n++] = LDX_W(3, 1, 0);
    prog[n++] = ALU_K(BPF_RSH, 3, 16);
    prog[n++] = LDX_W(4, 1, 4); /* major */
    prog[n++] = LDX_W(5, 1, 8); /* minor */
    for (size_t i = n_rules; i-- > 0;) {
        bool final = false;
        n += emit_rule(&rules[i], prog + n, &final);
        /* e.g. "a *:* rwm": the rules before it can never be reached (the verifier refuses
         * unreachable code) */
        if (final) {
            *ret = prog;
            *ret_n = n;
            return 0;
        }
    }
    prog[n++] = ALU_K(BPF_MOV, 0, 0);
    prog[n++] = EXIT();
    *ret = prog;
    *ret_n = n;
    return 0;
}

/* ---- load, attach, replace ---- */

static int prog_load(const struct bpf_insn *prog, size_t n, lcont_error **reterr)
{
    char log[4096] = "";
    union bpf_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)prog;
    attr.insn_cnt = (uint32_t)n;
    attr.license = (uint64_t)(uintptr_t) "LGPL-2.1-or-later"; /* no GPL-only helpers used */
    fd = sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd == -EPERM || fd == -EACCES || fd == -ENOSYS)
        return lcont__error_setsys(reterr, fd,
                                   "cgroup: load the device eBPF program (needs CAP_BPF or "
                                   "CAP_SYS_ADMIN and a kernel with CONFIG_CGROUP_BPF)");
    if (fd < 0) {
        /* retry once with the verifier's log, for the message */
        attr.log_buf = (uint64_t)(uintptr_t)log;
        attr.log_size = sizeof(log);
        attr.log_level = 1;
        (void)sys_bpf(BPF_PROG_LOAD, &attr);
        log[strcspn(log, "\n")] = '\0';
        return lcont__error_setsys(reterr, fd, "cgroup: load the device eBPF program%s%s",
                                   log[0] ? ": " : "", log);
    }
    return fd;
}

/* Ids of the device programs attached to @cg_fd itself (not inherited ones). */
static int query_attached(int cg_fd, uint32_t *ids, uint32_t *n)
{
    union bpf_attr attr;
    int r;

    memset(&attr, 0, sizeof(attr));
    attr.query.target_fd = (uint32_t)cg_fd;
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
    attr.query.prog_cnt = *n;
    r = sys_bpf(BPF_PROG_QUERY, &attr);
    if (r < 0)
        return r;
    *n = attr.query.prog_cnt;
    return 0;
}

static int detach_id(int cg_fd, uint32_t id)
{
    _cleanup_close_ int fd = -1;
    union bpf_attr attr;

    memset(&attr, 0, sizeof(attr));
    attr.prog_id = id;
    attr.open_flags = 0;
    fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
    if (fd == -ENOENT)
        return 0; /* gone already */
    if (fd < 0)
        return fd;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cg_fd;
    attr.attach_bpf_fd = (uint32_t)fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    return sys_bpf(BPF_PROG_DETACH, &attr);
}

int lcont__cgroup_bpf_devices_apply(struct cg_hierarchy *h, const char *path,
                                    const struct lcont_spec_device_rule *rules, size_t n_rules,
                                    lcont_error **reterr)
{
    _cleanup_free_ struct bpf_insn *prog = NULL;
    _cleanup_close_ int cg_fd = -1, prog_fd = -1;
    uint32_t old[MAX_OLD_PROGS];
    uint32_t n_old = MAX_OLD_PROGS;
    union bpf_attr attr;
    size_t n = 0;
    int r;

    /*
     * Rootless (a delegated cgroup): loading needs CAP_BPF, and nothing needs filtering:
     * the user cannot mknod, and the container's /dev holds bind mounts of nodes whose
     * permissions already apply to that user. runc skips device rules the same way.
     */
    if (geteuid() != 0)
        return 0;
    if (h->dirfd < 0)
        return lcont__error_set(reterr, -ENOENT, "cgroup: %s%s does not exist", h->mount, path);
    r = lcont__cgroup_bpf_devices_program(rules, n_rules, &prog, &n);
    if (r < 0)
        return lcont__error_set(reterr, r, "cgroup: out of memory");
    /* BPF_PROG_ATTACH needs a real open directory, not our O_PATH fd */
    cg_fd = openat(h->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg_fd < 0)
        return lcont__error_setsys(reterr, -errno, "cgroup: open %s%s", h->mount, path);
    r = query_attached(cg_fd, old, &n_old);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: query device programs of %s%s", h->mount,
                                   path);
    prog_fd = prog_load(prog, n, reterr);
    if (prog_fd < 0)
        return prog_fd;
    memset(&attr, 0, sizeof(attr));
    attr.target_fd = (uint32_t)cg_fd;
    attr.attach_bpf_fd = (uint32_t)prog_fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    r = sys_bpf(BPF_PROG_ATTACH, &attr);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "cgroup: attach the device eBPF program to %s%s",
                                   h->mount, path);
    /* the new program is in force: now the old ones can go */
    for (uint32_t i = 0; i < n_old; i++) {
        r = detach_id(cg_fd, old[i]);
        if (r < 0)
            return lcont__error_setsys(reterr, r,
                                       "cgroup: detach the previous device program (id %u) "
                                       "from %s%s",
                                       old[i], h->mount, path);
    }
    return 0;
}
