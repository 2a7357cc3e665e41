/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_CGROUP_CGROUP_INTERNAL_H
#define LCONT_CGROUP_CGROUP_INTERNAL_H

/* Private to lib/cgroup: the layout of struct lcont_cgroup and the helpers its files share. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* One mounted hierarchy (a v1 controller set or the cgroup2 tree) and our directory in it. */
struct cg_hierarchy {
    char *mount;       /* mount point, e.g. "/sys/fs/cgroup/memory" */
    char *mount_root;  /* mountinfo "root" field: which cgroup the mount shows ("/" usually) */
    char *controllers; /* v1: "memory", "cpu,cpuacct", "name=systemd"; v2: "" */
    bool v2;
    int dirfd; /* O_PATH fd of the container's directory; -1 while it does not exist */
};

struct lcont_cgroup {
    enum lcont_cgroup_layout layout;
    char *path; /* canonical, relative to every hierarchy root: "/lcont/web" */
    struct cg_hierarchy *hier;
    size_t n_hier;
};

/* ---- detect.c ---- */

/* The hierarchies of @layout, from /proc/self/mountinfo. */
int lcont__cgroup_hierarchies_load(enum lcont_cgroup_layout layout, struct cg_hierarchy **ret,
                                   size_t *ret_n, lcont_error **reterr);
void lcont__cgroup_hierarchies_free(struct cg_hierarchy *hier, size_t n);

/* ---- path.c ---- */

/* True if @path is "/a/b" (no empty, "." or ".." component, no trailing '/', not "/"). */
bool lcont__cgroup_path_is_canonical(const char *path);
/* Turn linux.cgroupsPath (+ container id) into the canonical absolute path. */
int lcont__cgroup_path_resolve(const char *cgroups_path, const char *id,
                               const struct cg_hierarchy *hier, size_t n_hier, char **ret,
                               lcont_error **reterr);

/* ---- cgroup.c: lookups and file I/O relative to a hierarchy's directory fd ---- */

/* The v1 hierarchy carrying @controller ("memory", "name=systemd"), or NULL. */
struct cg_hierarchy *lcont__cgroup_find_v1(struct lcont_cgroup *cg, const char *controller);
/* The cgroup2 tree (v2 or the hybrid "unified" mount), or NULL. */
struct cg_hierarchy *lcont__cgroup_find_v2(struct lcont_cgroup *cg);
/* Whether the comma-separated @list contains @item. */
bool lcont__cgroup_list_has(const char *list, char sep, const char *item);

/* Write @value to @file; the error names both: "cgroup: write memory.max=1024: <strerror>". */
int lcont__cgroup_write(const struct cg_hierarchy *h, const char *file, const char *value,
                        lcont_error **reterr);
int lcont__cgroup_write_u64(const struct cg_hierarchy *h, const char *file, uint64_t value,
                            lcont_error **reterr);
int lcont__cgroup_write_i64(const struct cg_hierarchy *h, const char *file, int64_t value,
                            lcont_error **reterr);
/* Read a small cgroup file (trailing newline stripped). Errors name the file. */
int lcont__cgroup_read(const struct cg_hierarchy *h, const char *file, char **ret,
                       lcont_error **reterr);
/* Fail with -ENOENT naming the directory if @h's directory is not open (not created). */
int lcont__cgroup_require_dir(const struct cg_hierarchy *h, const char *path, lcont_error **reterr);

/* ---- v1.c / v2.c ---- */

int lcont__cgroup_v1_apply(struct lcont_cgroup *cg, const struct lcont_spec_resources *res,
                           lcont_error **reterr);
/* Give a fresh v1 cpuset directory its parent's cpus/mems (else no task can join it). */
int lcont__cgroup_v1_cpuset_inherit(int parent_fd, int dir_fd, const char *dir,
                                    lcont_error **reterr);

/* The whole v2 conversion; and its per-controller parts (hybrid uses them as a fallback). */
int lcont__cgroup_v2_apply(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                           lcont_error **reterr);
int lcont__cgroup_v2_memory(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                            lcont_error **reterr);
int lcont__cgroup_v2_cpu(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                         lcont_error **reterr);
int lcont__cgroup_v2_cpuset(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                            lcont_error **reterr);
int lcont__cgroup_v2_pids(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                          lcont_error **reterr);
/* Whether the v2 directory of @h lists @controller in its cgroup.controllers. */
bool lcont__cgroup_v2_has_controller(const struct cg_hierarchy *h, const char *controller);
int lcont__cgroup_v2_apply_unified(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                                   lcont_error **reterr);
/* Enable our controllers in @dir_fd's cgroup.subtree_control (best effort, see v2.c). */
void lcont__cgroup_v2_enable_controllers(int dir_fd);
/*
 * Device rules without a device controller to enforce them (cgroup v2 until the
 * eBPF program exists): the default "deny a *:* rwm" + allow list is accepted
 * unenforced; any other deny rule fails with -EOPNOTSUPP naming it.
 */
int lcont__cgroup_devices_unenforced(const struct lcont_spec_resources *res, lcont_error **reterr);

/* Which requested resources need which controller. */
bool lcont__cgroup_wants_memory(const struct lcont_spec_resources *res);
bool lcont__cgroup_wants_cpu(const struct lcont_spec_resources *res);
bool lcont__cgroup_wants_cpuset(const struct lcont_spec_resources *res);

/* ---- io.c, hugetlb-net-rdma.c, devices-bpf.c ---- */

bool lcont__cgroup_wants_io(const struct lcont_spec_resources *res);
bool lcont__cgroup_wants_net(const struct lcont_spec_resources *res);
int lcont__cgroup_v1_blkio(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                           lcont_error **reterr);
int lcont__cgroup_v2_io(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                        lcont_error **reterr);
/* blockIO weight (v1 10..1000) -> v2 io.weight (1..10000), runc's formula. */
uint64_t lcont__cgroup_blkio_weight_to_v2(uint64_t weight);
/* hugetlb.<size>.{limit_in_bytes,max} on @h, v1 or v2 names by @h->v2. */
int lcont__cgroup_hugetlb(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                          lcont_error **reterr);
int lcont__cgroup_rdma(struct cg_hierarchy *h, const struct lcont_spec_resources *res,
                       lcont_error **reterr);
/* net_cls.classid / net_prio.ifpriomap where those v1 controllers are mounted. */
int lcont__cgroup_v1_net(struct lcont_cgroup *cg, const struct lcont_spec_resources *res,
                         lcont_error **reterr);

struct bpf_insn;
/* The eBPF device program for @rules (malloc'ed, *ret_n instructions); -ENOMEM. */
int lcont__cgroup_bpf_devices_program(const struct lcont_spec_device_rule *rules, size_t n_rules,
                                      struct bpf_insn **ret, size_t *ret_n);
/* Load it and attach it to @h's directory, replacing the device programs attached before. */
int lcont__cgroup_bpf_devices_apply(struct cg_hierarchy *h, const char *path,
                                    const struct lcont_spec_device_rule *rules, size_t n_rules,
                                    lcont_error **reterr);

/* ---- freezer.c ---- */

/* The freezer used for @cg (v2 tree on pure v2, else the v1 freezer), or NULL if none/no dir. */
struct cg_hierarchy *lcont__cgroup_freezer(struct lcont_cgroup *cg);
/* 1 when the kernel reports the cgroup frozen, 0 if not (yet), -errno. */
int lcont__cgroup_freezer_state(struct cg_hierarchy *fz);
/* Whether a freeze was asked for (a paused container), settled or not: 1/0/-errno. */
int lcont__cgroup_freezer_requested(struct cg_hierarchy *fz);
int lcont__cgroup_freezer_set(struct cg_hierarchy *fz, bool freeze, lcont_error **reterr);
/* Freeze and wait until settled: 1 frozen, 0 gave up (left as asked), -errno. */
int lcont__cgroup_freezer_freeze_wait(struct cg_hierarchy *fz, lcont_error **reterr);

/* ---- kill.c ---- */

/* All pids in @dir_fd's cgroup and its descendants (v1 and v2). */
int lcont__cgroup_collect_pids(int dir_fd, pid_t **ret, size_t *ret_n);
/* nanosleep, resumed after signals. */
void lcont__cgroup_sleep_ms(long ms);

#endif
