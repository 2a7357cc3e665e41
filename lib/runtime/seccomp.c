/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seccomp: the parent compiles linux.seccomp to a BPF program with
 * libseccomp (which it may call: it allocates), the child only hands the
 * ready program to seccomp(2).
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error-internal.h"
#include "core/sys.h"
#include "core/util.h"
#include "runtime/security-internal.h"

#define MAX_SYSCALL_ARGS 6
#define MAX_BPF_INSNS 4096 /* BPF_MAXINSNS: the kernel refuses longer programs */

/* OCI names of architectures, as runc accepts them, to libseccomp tokens. */
static const struct {
    const char *name;
    uint32_t token;
} arch_table[] = {
    { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
    { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
    { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
    { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
    { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
    { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
    { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
    { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
    { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
    { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
    { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
    { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
    { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
    { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
    { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
    { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
    { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
    { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
    { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
    { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
    { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
    { "SCMP_ARCH_SH", SCMP_ARCH_SH },
    { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

enum flag_support {
    FLAG_REQUIRED, /* fail when the kernel lacks it */
    FLAG_OPTIONAL, /* silently dropped when the kernel lacks it */
    FLAG_IGNORED,  /* accepted and not passed on */
};

static const struct {
    const char *name;
    unsigned flag;
    enum flag_support support;
} flag_table[] = {
    /*
     * TSYNC syncs the filter to the other threads of the caller; the child
     * is single-threaded, and TSYNC is incompatible with NEW_LISTENER. runc
     * accepts and ignores it too.
     */
    { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC, FLAG_IGNORED },
    { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG, FLAG_REQUIRED },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW, FLAG_REQUIRED },
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
      FLAG_OPTIONAL },
};

static void ctx_releasep(scmp_filter_ctx *ctx)
{
    if (*ctx)
        seccomp_release(*ctx);
}

/* By enum lcont_seccomp_action; ERRNO and TRACE get errnoRet or'ed in. */
static const struct {
    const char *name;
    uint32_t action;
} action_table[] = {
    [LCONT_SCMP_KILL] = { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
    [LCONT_SCMP_KILL_PROCESS] = { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
    [LCONT_SCMP_KILL_THREAD] = { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
    [LCONT_SCMP_TRAP] = { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
    [LCONT_SCMP_ERRNO] = { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
    [LCONT_SCMP_TRACE] = { "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
    [LCONT_SCMP_ALLOW] = { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
    [LCONT_SCMP_LOG] = { "SCMP_ACT_LOG", SCMP_ACT_LOG },
    [LCONT_SCMP_NOTIFY] = { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};

/* By enum lcont_seccomp_op. */
static const enum scmp_compare op_table[] = {
    [LCONT_SCMP_CMP_NE] = SCMP_CMP_NE,
    [LCONT_SCMP_CMP_LT] = SCMP_CMP_LT,
    [LCONT_SCMP_CMP_LE] = SCMP_CMP_LE,
    [LCONT_SCMP_CMP_EQ] = SCMP_CMP_EQ,
    [LCONT_SCMP_CMP_GE] = SCMP_CMP_GE,
    [LCONT_SCMP_CMP_GT] = SCMP_CMP_GT,
    [LCONT_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static const char *action_name(enum lcont_seccomp_action a)
{
    if ((unsigned)a >= ELEMENTSOF(action_table) || !action_table[a].name)
        return "an unknown action";
    return action_table[a].name;
}

/* Like runc: errnoRet defaults to EPERM for both ERRNO and TRACE. @where names the JSON field. */
static int map_action(const char *where, enum lcont_seccomp_action a, bool has_errno_ret,
                      unsigned errno_ret, uint32_t *ret, lcont_error **reterr)
{
    unsigned e = has_errno_ret ? errno_ret : EPERM;

    if ((unsigned)a >= ELEMENTSOF(action_table) || !action_table[a].name)
        return lcont__error_set(reterr, -EINVAL, "%s: unknown action %d", where, (int)a);
    *ret = action_table[a].action;
    if (a == LCONT_SCMP_ERRNO || a == LCONT_SCMP_TRACE) {
        if (e > 0xffff) /* the action keeps 16 bits of data */
            return lcont__error_set(reterr, -EINVAL, "%s: errnoRet %u is above 65535", where, e);
        *ret |= e;
    }
    return 0;
}

static int map_op(enum lcont_seccomp_op op, enum scmp_compare *ret)
{
    if ((unsigned)op >= ELEMENTSOF(op_table) || !op_table[op])
        return -EINVAL;
    *ret = op_table[op];
    return 0;
}

/*
 * seccomp(2) checks the flags before it reads the program: a NULL program
 * gives EFAULT for known flags and EINVAL for unknown ones. This is how
 * libseccomp probes too.
 */
static bool kernel_has_filter_flag(unsigned flag)
{
    if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
        flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER; /* only valid together */
    return lcont__sys_seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) == -EFAULT;
}

static int parse_flags(char **names, unsigned *ret, lcont_error **reterr)
{
    unsigned flags = 0;

    for (size_t i = 0; names && names[i]; i++) {
        size_t k;
        for (k = 0; k < ELEMENTSOF(flag_table); k++)
            if (strcmp(names[i], flag_table[k].name) == 0)
                break;
        if (k == ELEMENTSOF(flag_table))
            return lcont__error_set(reterr, -EINVAL, "linux.seccomp.flags[%zu]: unknown flag '%s'",
                                    i, names[i]);
        if (flag_table[k].support == FLAG_IGNORED)
            continue;
        if (!kernel_has_filter_flag(flag_table[k].flag)) {
            if (flag_table[k].support == FLAG_OPTIONAL)
                continue;
            return lcont__error_set(reterr, -EOPNOTSUPP,
                                    "linux.seccomp.flags[%zu]: %s is not supported by this kernel",
                                    i, names[i]);
        }
        flags |= flag_table[k].flag;
    }
    *ret = flags;
    return 0;
}

static int add_architectures(scmp_filter_ctx ctx, char **names, lcont_error **reterr)
{
    for (size_t i = 0; names && names[i]; i++) {
        size_t k;
        int r;
        for (k = 0; k < ELEMENTSOF(arch_table); k++)
            if (strcmp(names[i], arch_table[k].name) == 0)
                break;
        if (k == ELEMENTSOF(arch_table))
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.seccomp.architectures[%zu]: unknown architecture '%s'",
                                    i, names[i]);
        r = seccomp_arch_add(ctx, arch_table[k].token);
        if (r < 0 && r != -EEXIST) /* the native one is always there */
            return lcont__error_setsys(reterr, r, "linux.seccomp.architectures[%zu]: add '%s'", i,
                                       names[i]);
    }
    return 0;
}

/* Errors found without libseccomp, in the order a reader of the JSON expects. */
static int validate(const struct lcont_spec_seccomp *sc, lcont_error **reterr)
{
    /*
     * The child sends the listener fd (and reports to its parent) after the
     * filter is loaded; a notifying write or default would block it forever
     * with nobody holding the listener. runc refuses both for this reason.
     */
    if (sc->default_action == LCONT_SCMP_NOTIFY)
        return lcont__error_set(reterr, -EINVAL,
                                "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as "
                                "default action");
    for (size_t i = 0; i < sc->n_rules; i++) {
        const struct lcont_spec_seccomp_rule *rule = &sc->rules[i];
        for (size_t a = 0; a < rule->n_args; a++)
            if (rule->args[a].index >= MAX_SYSCALL_ARGS)
                return lcont__error_set(reterr, -EINVAL,
                                        "linux.seccomp.syscalls[%zu].args[%zu].index: %u is not "
                                        "below %d",
                                        i, a, rule->args[a].index, MAX_SYSCALL_ARGS);
        if (rule->action != LCONT_SCMP_NOTIFY)
            continue;
        for (char **n = rule->names; n && *n; n++)
            if (strcmp(*n, "write") == 0)
                return lcont__error_set(reterr, -EINVAL,
                                        "linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot be "
                                        "used for the write syscall",
                                        i);
    }
    return 0;
}

/* Returns how many of the rule's names went into the filter. */
static int add_rule(scmp_filter_ctx ctx, size_t idx, const struct lcont_spec_seccomp_rule *rule,
                    uint32_t action, lcont_error **reterr)
{
    struct scmp_arg_cmp cmps[MAX_SYSCALL_ARGS * 4];
    unsigned per_index[MAX_SYSCALL_ARGS] = { 0 };
    bool split = false;
    size_t n = rule->n_args;
    int added = 0;

    if (n > ELEMENTSOF(cmps))
        return lcont__error_set(reterr, -E2BIG, "linux.seccomp.syscalls[%zu].args: too many", idx);
    for (size_t a = 0; a < n; a++) {
        const struct lcont_spec_seccomp_arg *arg = &rule->args[a];
        enum scmp_compare op;
        if (map_op(arg->op, &op) < 0)
            return lcont__error_set(reterr, -EINVAL,
                                    "linux.seccomp.syscalls[%zu].args[%zu].op: unknown operator",
                                    idx, a);
        /* MASKED_EQ: (arg & value) == valueTwo; the others compare with value only. */
        cmps[a] = (struct scmp_arg_cmp){
            .arg = arg->index,
            .op = op,
            .datum_a = arg->value,
            .datum_b = op == SCMP_CMP_MASKED_EQ ? arg->value_two : 0,
        };
        if (++per_index[arg->index] > 1)
            split = true;
    }

    for (char **name = rule->names; name && *name; name++) {
        int nr = seccomp_syscall_resolve_name(*name);
        int r = 0;

        if (nr == __NR_SCMP_ERROR)
            continue; /* unknown to libseccomp: not on this kernel, like runc */
        if (!split) {
            r = seccomp_rule_add_array(ctx, action, nr, (unsigned)n, n ? cmps : NULL);
        } else {
            /*
             * libseccomp cannot AND two comparisons of the same argument;
             * like runc, each comparison becomes a rule of its own (OR).
             */
            for (size_t a = 0; a < n && r >= 0; a++)
                r = seccomp_rule_add_array(ctx, action, nr, 1, &cmps[a]);
        }
        if (r < 0)
            return lcont__error_setsys(reterr, r, "linux.seccomp.syscalls[%zu]: add rule for '%s'",
                                       idx, *name);
        added++;
    }
    return added;
}

static int export_bpf(scmp_filter_ctx ctx, struct lcont_seccomp_plan *out, lcont_error **reterr)
{
    _cleanup_close_ int fd = -1;
    _cleanup_free_ struct sock_filter *prog = NULL;
    struct stat st;
    size_t len;
    int r;

    /* libseccomp 2.5 can only export to an fd. */
    fd = memfd_create("lcont-seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0)
        return lcont__error_setsys(reterr, -errno, "linux.seccomp: memfd_create");
    r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "linux.seccomp: export BPF");
    if (fstat(fd, &st) < 0)
        return lcont__error_setsys(reterr, -errno, "linux.seccomp: stat BPF");
    len = (size_t)st.st_size / sizeof(struct sock_filter);
    if (st.st_size <= 0 || (size_t)st.st_size % sizeof(struct sock_filter) != 0)
        return lcont__error_set(reterr, -EIO, "linux.seccomp: libseccomp exported %lld bytes",
                                (long long)st.st_size);
    if (len > MAX_BPF_INSNS)
        return lcont__error_set(reterr, -E2BIG,
                                "linux.seccomp: filter has %zu instructions, the kernel takes "
                                "at most %d",
                                len, MAX_BPF_INSNS);
    prog = calloc(len, sizeof(*prog));
    if (!prog)
        return lcont__error_set(reterr, -ENOMEM, "linux.seccomp: out of memory");
    if (lseek(fd, 0, SEEK_SET) < 0)
        return lcont__error_setsys(reterr, -errno, "linux.seccomp: seek BPF");
    r = lcont__read_all(fd, prog, len * sizeof(*prog));
    if (r < 0)
        return lcont__error_setsys(reterr, r, "linux.seccomp: read BPF");
    out->prog = TAKE_PTR(prog);
    out->len = (unsigned short)len;
    return 0;
}

int lcont__seccomp_plan_init(const struct lcont_spec_seccomp *sc, struct lcont_seccomp_plan *out,
                             lcont_error **reterr)
{
    _cleanup_(ctx_releasep) scmp_filter_ctx ctx = NULL;
    struct lcont_seccomp_plan p = { 0 };
    uint32_t default_action;
    int r;

    *out = (struct lcont_seccomp_plan){ 0 };
    if (!sc)
        return 0;

    r = validate(sc, reterr);
    if (r < 0)
        return r;
    r = map_action("linux.seccomp.defaultAction", sc->default_action, sc->has_default_errno_ret,
                   sc->default_errno_ret, &default_action, reterr);
    if (r < 0)
        return r;
    r = parse_flags(sc->flags, &p.flags, reterr);
    if (r < 0)
        return r;

    ctx = seccomp_init(default_action);
    if (!ctx)
        return lcont__error_set(reterr, -EINVAL,
                                "linux.seccomp.defaultAction: libseccomp refused %s",
                                action_name(sc->default_action));
    /* We set no_new_privs ourselves, only when the spec asks for it. */
    r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (r < 0)
        return lcont__error_setsys(reterr, r, "linux.seccomp: clear the NNP attribute");
    r = add_architectures(ctx, sc->architectures, reterr);
    if (r < 0)
        return r;
    /* A binary tree keeps long profiles fast; libseccomp <= 2.5.4 misbehaves with 0 rules. */
    if (sc->n_rules > 32)
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

    for (size_t i = 0; i < sc->n_rules; i++) {
        const struct lcont_spec_seccomp_rule *rule = &sc->rules[i];
        uint32_t action;
        char where[64];

        snprintf(where, sizeof(where), "linux.seccomp.syscalls[%zu]", i);
        r = map_action(where, rule->action, rule->has_errno_ret, rule->errno_ret, &action, reterr);
        if (r < 0)
            return r;
        /* libseccomp rejects rules that repeat the default; runc skips them. */
        if (action == default_action)
            continue;
        r = add_rule(ctx, i, rule, action, reterr);
        if (r < 0)
            return r;
        if (rule->action == LCONT_SCMP_NOTIFY && r > 0)
            p.notify = true;
    }

    if (p.notify)
        p.flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    else
        p.flags &= ~(unsigned)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; /* needs a listener */

    r = export_bpf(ctx, &p, reterr);
    if (r < 0)
        return r;
    *out = p;
    return 0;
}

void lcont__seccomp_plan_done(struct lcont_seccomp_plan *p)
{
    free(p->prog);
    *p = (struct lcont_seccomp_plan){ 0 };
}

/* ---- child ---- */

int lcont__seccomp_load_child(const struct lcont_seccomp_plan *p, int *ret_listener_fd,
                              struct lcont_child_error *err)
{
    struct sock_fprog prog = { .len = p->len, .filter = p->prog };
    int r;

    *ret_listener_fd = -1;
    if (!p->prog)
        return 0;
    r = lcont__sys_seccomp(SECCOMP_SET_MODE_FILTER, p->flags, &prog);
    if (r < 0)
        return lcont__child_fail(err, r, "load seccomp filter", NULL);
    if (p->notify)
        *ret_listener_fd = r; /* the kernel makes it O_CLOEXEC */
    return 0;
}
