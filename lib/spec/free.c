/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont__spec_free(): also used on half-built specs, so every member may be NULL/zero. */
#include "spec/spec.h"

#include <stdlib.h>

#include "core/util.h"

static void kv_free(struct lcont_spec_kv *kv, size_t n)
{
    for (size_t i = 0; kv && i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

static void process_free(struct lcont_spec_process *p)
{
    if (!p)
        return;
    lcont__strv_free(p->args);
    lcont__strv_free(p->env);
    free(p->cwd);
    free(p->additional_gids);
    lcont__strv_free(p->caps.unknown);
    free(p->rlimits);
    free(p->apparmor_profile);
    free(p->selinux_label);
    free(p);
}

static void mounts_free(struct lcont_spec_mount *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++) {
        free(m[i].destination);
        free(m[i].type);
        free(m[i].source);
        lcont__strv_free(m[i].options);
        free(m[i].data);
    }
    free(m);
}

static void hooks_free(struct lcont_spec_hooks *h)
{
    for (int k = 0; k < LCONT_HOOK_COUNT; k++) {
        for (size_t i = 0; h->hooks[k] && i < h->n_hooks[k]; i++) {
            free(h->hooks[k][i].path);
            lcont__strv_free(h->hooks[k][i].args);
            lcont__strv_free(h->hooks[k][i].env);
        }
        free(h->hooks[k]);
    }
}

static void seccomp_free(struct lcont_spec_seccomp *sc)
{
    if (!sc)
        return;
    lcont__strv_free(sc->architectures);
    lcont__strv_free(sc->flags);
    free(sc->listener_path);
    free(sc->listener_metadata);
    for (size_t i = 0; sc->rules && i < sc->n_rules; i++) {
        lcont__strv_free(sc->rules[i].names);
        free(sc->rules[i].args);
    }
    free(sc->rules);
    free(sc);
}

void lcont__spec_resources_free(struct lcont_spec_resources *res)
{
    free(res->cpu_cpus);
    free(res->cpu_mems);
    free(res->device_rules);
    kv_free(res->unified, res->n_unified);
    free(res->blkio_weight_devices);
    for (int k = 0; k < LCONT_BLKIO_THROTTLE_COUNT; k++)
        free(res->blkio_throttle[k]);
    for (size_t i = 0; res->hugepage_limits && i < res->n_hugepage_limits; i++)
        free(res->hugepage_limits[i].page_size);
    free(res->hugepage_limits);
    for (size_t i = 0; res->net_priorities && i < res->n_net_priorities; i++)
        free(res->net_priorities[i].name);
    free(res->net_priorities);
    for (size_t i = 0; res->rdma_limits && i < res->n_rdma_limits; i++)
        free(res->rdma_limits[i].device);
    free(res->rdma_limits);
    *res = (struct lcont_spec_resources){ 0 };
}

static void linux_free(struct lcont_spec_linux *lx)
{
    for (int t = 0; t < LCONT_NS_COUNT; t++)
        free(lx->namespaces[t].path);
    free(lx->uid_mappings);
    free(lx->gid_mappings);
    for (size_t i = 0; lx->devices && i < lx->n_devices; i++)
        free(lx->devices[i].path);
    free(lx->devices);
    free(lx->cgroups_path);
    lcont__spec_resources_free(&lx->resources);
    lcont__strv_free(lx->masked_paths);
    lcont__strv_free(lx->readonly_paths);
    free(lx->mount_label);
    kv_free(lx->sysctls, lx->n_sysctls);
    seccomp_free(lx->seccomp);
}

void lcont__spec_free(struct lcont_spec *spec)
{
    if (!spec)
        return;
    free(spec->oci_version);
    free(spec->root_path);
    free(spec->hostname);
    free(spec->domainname);
    process_free(spec->process);
    mounts_free(spec->mounts, spec->n_mounts);
    hooks_free(&spec->hooks);
    linux_free(&spec->linux_);
    kv_free(spec->annotations, spec->n_annotations);
    free(spec);
}
