/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SPEC_SPEC_H
#define LCONT_SPEC_SPEC_H

/*
 * Internal model of an OCI runtime config (config.json), Linux only.
 *
 * Produced by lcont__spec_parse(): every field is validated and already
 * converted to what the kernel wants (flag bits, numbers), so the runtime
 * never looks at JSON. Strings are owned by the model; string vectors are
 * NULL-terminated. "has_" members tell an explicit value from an absent one.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <lcont/error.h>

/* ---- process ---- */

struct lcont_spec_rlimit {
    int resource; /* RLIMIT_* */
    uint64_t soft;
    uint64_t hard;
};

struct lcont_spec_caps {
    /* bit n set = capability n; names the kernel does not know are dropped with a warning */
    uint64_t bounding, effective, inheritable, permitted, ambient;
    char **unknown; /* names not known to libcap-ng or above cap_last_cap */
};

struct lcont_spec_scheduler {
    bool has;
    int policy; /* SCHED_* */
    int nice;
    int priority;
    uint64_t flags; /* SCHED_FLAG_* */
    uint64_t runtime, deadline, period;
};

struct lcont_spec_io_priority {
    bool has;
    int class; /* IOPRIO_CLASS_* (1 RT, 2 BE, 3 IDLE) */
    int priority;
};

struct lcont_spec_process {
    bool terminal;
    unsigned console_height, console_width;
    char **args; /* non-empty */
    char **env;
    char *cwd; /* absolute */
    uid_t uid;
    gid_t gid;
    gid_t *additional_gids;
    size_t n_additional_gids;
    bool has_umask;
    mode_t umask;
    bool has_caps;
    struct lcont_spec_caps caps;
    struct lcont_spec_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
    char *apparmor_profile;
    char *selinux_label;
    bool has_oom_score_adj;
    int oom_score_adj;
    struct lcont_spec_scheduler scheduler;
    struct lcont_spec_io_priority io_priority;
};

/* ---- mounts ---- */

struct lcont_spec_mount {
    char *destination; /* absolute inside the container (relative ones are made absolute) */
    char *type;        /* NULL for bind mounts */
    char *source;
    char **options; /* the raw option strings */
    /* derived from options: */
    unsigned long flags;         /* MS_* to set */
    unsigned long clear_flags;   /* MS_* the options clear explicitly (rw, suid, ...) */
    unsigned long propagation;   /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, | MS_REC */
    uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for "r"-prefixed recursive options */
    char *data;                  /* the options the kernel takes as data, comma separated */
    bool bind;                   /* bind or rbind */
    bool recursive_bind;
};

/* ---- linux ---- */

enum lcont_ns_type {
    LCONT_NS_PID = 0,
    LCONT_NS_NET,
    LCONT_NS_MNT,
    LCONT_NS_IPC,
    LCONT_NS_UTS,
    LCONT_NS_USER,
    LCONT_NS_CGROUP,
    LCONT_NS_TIME,
    LCONT_NS_COUNT
};

struct lcont_spec_namespace {
    bool present; /* listed in linux.namespaces */
    char *path;   /* join this namespace instead of creating one */
};

struct lcont_spec_idmap {
    uint32_t container_id, host_id, size;
};

struct lcont_spec_device {
    char *path; /* absolute inside the container */
    char type;  /* 'c', 'b', 'u' (= 'c'), 'p' */
    int64_t major, minor;
    bool has_file_mode;
    mode_t file_mode;
    bool has_uid, has_gid;
    uid_t uid;
    gid_t gid;
};

struct lcont_spec_device_rule { /* linux.resources.devices */
    bool allow;
    char type;            /* 'a', 'c', 'b' */
    int64_t major, minor; /* -1 = wildcard */
    char access[4];       /* subset of "rwm" */
};

struct lcont_spec_kv {
    char *key;
    char *value;
};

/* linux.resources.blockIO.weightDevice[] */
struct lcont_spec_blkio_weight_device {
    int64_t major, minor;
    bool has_weight, has_leaf_weight;
    uint16_t weight, leaf_weight; /* v1 range 10..1000 (0 = unset) */
};

/* linux.resources.blockIO.throttle*Device[] */
struct lcont_spec_blkio_throttle_device {
    int64_t major, minor;
    uint64_t rate; /* bytes or operations per second; 0 = no limit */
};

/* Which throttle list: index into lcont_spec_resources.blkio_throttle[]. */
enum lcont_spec_blkio_throttle {
    LCONT_BLKIO_READ_BPS = 0,
    LCONT_BLKIO_WRITE_BPS = 1,
    LCONT_BLKIO_READ_IOPS = 2,
    LCONT_BLKIO_WRITE_IOPS = 3,
    LCONT_BLKIO_THROTTLE_COUNT = 4,
};

struct lcont_spec_hugepage_limit { /* linux.resources.hugepageLimits[] */
    char *page_size;               /* "2MB", "1GB", "64KB" */
    uint64_t limit;                /* bytes */
};

struct lcont_spec_net_priority { /* linux.resources.network.priorities[] */
    char *name;                  /* interface */
    uint32_t priority;
};

struct lcont_spec_rdma_limit { /* linux.resources.rdma.<device> */
    char *device;
    bool has_hca_handles, has_hca_objects;
    uint32_t hca_handles, hca_objects;
};

struct lcont_spec_resources {
    /* memory */
    bool has_memory_limit, has_memory_reservation, has_memory_swap, has_memory_swappiness;
    int64_t memory_limit, memory_reservation, memory_swap; /* bytes; -1 = unlimited */
    uint64_t memory_swappiness;
    bool disable_oom_killer;
    /* accepted, never applied: kernel memory accounting limits are gone from Linux */
    bool has_memory_kernel, has_memory_kernel_tcp;
    int64_t memory_kernel, memory_kernel_tcp;
    bool memory_check_before_update; /* update: refuse a limit below the current usage */
    /* cpu */
    bool has_cpu_shares, has_cpu_quota, has_cpu_period, has_cpu_realtime_runtime,
        has_cpu_realtime_period, has_cpu_idle, has_cpu_burst;
    uint64_t cpu_shares, cpu_period, cpu_realtime_period, cpu_burst;
    int64_t cpu_quota, cpu_realtime_runtime, cpu_idle;
    char *cpu_cpus;
    char *cpu_mems;
    /* pids */
    bool has_pids_limit;
    int64_t pids_limit; /* <= 0 means unlimited */
    /* devices cgroup rules, in order */
    struct lcont_spec_device_rule *device_rules;
    size_t n_device_rules;
    /* cgroup v2 raw key/values */
    struct lcont_spec_kv *unified;
    size_t n_unified;
    /* blockIO */
    bool has_blkio_weight, has_blkio_leaf_weight;
    uint16_t blkio_weight, blkio_leaf_weight;
    struct lcont_spec_blkio_weight_device *blkio_weight_devices;
    size_t n_blkio_weight_devices;
    struct lcont_spec_blkio_throttle_device *blkio_throttle[LCONT_BLKIO_THROTTLE_COUNT];
    size_t n_blkio_throttle[LCONT_BLKIO_THROTTLE_COUNT];
    /* hugepageLimits */
    struct lcont_spec_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;
    /* network (v1 net_cls / net_prio) */
    bool has_net_class_id;
    uint32_t net_class_id;
    struct lcont_spec_net_priority *net_priorities;
    size_t n_net_priorities;
    /* rdma */
    struct lcont_spec_rdma_limit *rdma_limits;
    size_t n_rdma_limits;
};

/* Free what @res owns (not @res itself) and zero it; for resources parsed on their own. */
void lcont__spec_resources_free(struct lcont_spec_resources *res);

/* Seccomp actions and argument operators (values are ours, converted by lib/runtime). */
enum lcont_seccomp_action {
    LCONT_SCMP_KILL = 0, /* SCMP_ACT_KILL == KILL_THREAD */
    LCONT_SCMP_KILL_PROCESS,
    LCONT_SCMP_KILL_THREAD,
    LCONT_SCMP_TRAP,
    LCONT_SCMP_ERRNO,
    LCONT_SCMP_TRACE,
    LCONT_SCMP_ALLOW,
    LCONT_SCMP_LOG,
    LCONT_SCMP_NOTIFY,
};

enum lcont_seccomp_op {
    LCONT_SCMP_CMP_NE = 0,
    LCONT_SCMP_CMP_LT,
    LCONT_SCMP_CMP_LE,
    LCONT_SCMP_CMP_EQ,
    LCONT_SCMP_CMP_GE,
    LCONT_SCMP_CMP_GT,
    LCONT_SCMP_CMP_MASKED_EQ,
};

struct lcont_spec_seccomp_arg {
    unsigned index;
    uint64_t value, value_two;
    enum lcont_seccomp_op op;
};

struct lcont_spec_seccomp_rule {
    char **names;
    enum lcont_seccomp_action action;
    bool has_errno_ret;
    unsigned errno_ret;
    struct lcont_spec_seccomp_arg *args;
    size_t n_args;
};

struct lcont_spec_seccomp {
    enum lcont_seccomp_action default_action;
    bool has_default_errno_ret;
    unsigned default_errno_ret;
    char **architectures; /* "SCMP_ARCH_X86_64", ... */
    char **flags;         /* "SECCOMP_FILTER_FLAG_LOG", ... */
    char *listener_path;
    char *listener_metadata;
    struct lcont_spec_seccomp_rule *rules;
    size_t n_rules;
};

struct lcont_spec_hook {
    char *path; /* absolute host path */
    char **args;
    char **env;
    int timeout; /* seconds; 0 = none */
};

enum lcont_hook_kind {
    LCONT_HOOK_PRESTART = 0,
    LCONT_HOOK_CREATE_RUNTIME,
    LCONT_HOOK_CREATE_CONTAINER,
    LCONT_HOOK_START_CONTAINER,
    LCONT_HOOK_POSTSTART,
    LCONT_HOOK_POSTSTOP,
    LCONT_HOOK_COUNT
};

struct lcont_spec_hooks {
    struct lcont_spec_hook *hooks[LCONT_HOOK_COUNT];
    size_t n_hooks[LCONT_HOOK_COUNT];
};

struct lcont_spec_linux {
    struct lcont_spec_namespace namespaces[LCONT_NS_COUNT];
    struct lcont_spec_idmap *uid_mappings, *gid_mappings;
    size_t n_uid_mappings, n_gid_mappings;
    struct lcont_spec_device *devices;
    size_t n_devices;
    char *cgroups_path;
    bool has_resources;
    struct lcont_spec_resources resources;
    unsigned long rootfs_propagation; /* MS_* | MS_REC; 0 = default (rslave) */
    char **masked_paths;
    char **readonly_paths;
    char *mount_label;
    struct lcont_spec_kv *sysctls;
    size_t n_sysctls;
    struct lcont_spec_seccomp *seccomp; /* NULL = none */
    bool has_personality;
    unsigned long personality; /* PER_LINUX or PER_LINUX32 | flags */
    bool has_time_offsets;
    int64_t boottime_secs, monotonic_secs;
    uint32_t boottime_nsecs, monotonic_nsecs;
};

struct lcont_spec {
    char *oci_version;
    char *root_path; /* as written; relative to the bundle unless absolute */
    bool root_readonly;
    char *hostname;
    char *domainname;
    struct lcont_spec_process *process; /* NULL if absent (valid only for exec-less uses) */
    struct lcont_spec_mount *mounts;
    size_t n_mounts;
    struct lcont_spec_hooks hooks;
    struct lcont_spec_linux linux_;
    struct lcont_spec_kv *annotations;
    size_t n_annotations;
};

/*
 * Parse and validate config.json text. Errors are -EINVAL with a message
 * naming the JSON path, e.g. "process.args: must be a non-empty array of
 * strings". Unknown fields are ignored; wrong types are errors.
 */
int lcont__spec_parse(const char *json, size_t len, struct lcont_spec **ret, lcont_error **reterr);

/* Read @path (at most 4 MiB) and parse it. */
int lcont__spec_load(const char *path, struct lcont_spec **ret, lcont_error **reterr);

void lcont__spec_free(struct lcont_spec *spec);

/* For _cleanup_(lcont__spec_freep). */
static inline void lcont__spec_freep(struct lcont_spec **p)
{
    lcont__spec_free(*p);
}

/* CLONE_NEW* flag for a namespace type. */
int lcont__spec_ns_clone_flag(enum lcont_ns_type type);
/* Name used in /proc/<pid>/ns/ ("pid", "net", "mnt", ...). */
const char *lcont__spec_ns_proc_name(enum lcont_ns_type type);
/* OCI hook kind name ("prestart", "createRuntime", ...). */
const char *lcont__spec_hook_name(enum lcont_hook_kind kind);

#endif
