/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pins the layout of every released public options struct and the value of
 * every public constant (STYLE §6.4, §5.2). abidiff does not see macros, and
 * anonymous enums that no function signature uses are invisible to it, so
 * they are pinned here too.
 *
 * Rules: asserts may be ADDED (for a new field or a new struct), existing
 * ones are never changed. A failing assert here means an ABI break.
 */
#include <lcont/lcont.h>

#include <stddef.h>
#include <stdio.h>

#define PIN_SIZE(type, size) _Static_assert(sizeof(type) == (size), "sizeof(" #type ") changed")
#define PIN_OFFSET(type, field, off) \
    _Static_assert(offsetof(type, field) == (off), "offsetof(" #type ", " #field ") changed")
#define PIN_VALUE(name, value) _Static_assert((name) == (value), #name " changed")

/* The struct layouts below are those of x86-64 (LP64). */
#if defined(__x86_64__) && defined(__LP64__)

/* ---- lcont_context_opts, 0.1 (16 bytes), 0.2 appends store_root ---- */
PIN_SIZE(lcont_context_opts, 24);
PIN_OFFSET(lcont_context_opts, struct_size, 0);
PIN_OFFSET(lcont_context_opts, state_root, 8);
PIN_OFFSET(lcont_context_opts, store_root, 16);
_Static_assert(_Alignof(lcont_context_opts) == 8, "alignment of lcont_context_opts changed");

/* ---- lcont_create_opts, 0.1 ---- */
PIN_SIZE(lcont_create_opts, 48);
PIN_OFFSET(lcont_create_opts, struct_size, 0);
PIN_OFFSET(lcont_create_opts, bundle, 8);
PIN_OFFSET(lcont_create_opts, console_socket, 16);
PIN_OFFSET(lcont_create_opts, pid_file, 24);
PIN_OFFSET(lcont_create_opts, preserve_fds, 32);
PIN_OFFSET(lcont_create_opts, stdin_fd, 36);
PIN_OFFSET(lcont_create_opts, stdout_fd, 40);
PIN_OFFSET(lcont_create_opts, stderr_fd, 44);
_Static_assert(_Alignof(lcont_create_opts) == 8, "alignment of lcont_create_opts changed");

/* ---- lcont_exec_opts, 0.2 ---- */
PIN_SIZE(lcont_exec_opts, 112);
PIN_OFFSET(lcont_exec_opts, struct_size, 0);
PIN_OFFSET(lcont_exec_opts, args, 8);
PIN_OFFSET(lcont_exec_opts, env, 16);
PIN_OFFSET(lcont_exec_opts, cwd, 24);
PIN_OFFSET(lcont_exec_opts, uid, 32);
PIN_OFFSET(lcont_exec_opts, gid, 36);
PIN_OFFSET(lcont_exec_opts, additional_gids, 40);
PIN_OFFSET(lcont_exec_opts, n_additional_gids, 48);
PIN_OFFSET(lcont_exec_opts, caps, 56);
PIN_OFFSET(lcont_exec_opts, console_socket, 64);
PIN_OFFSET(lcont_exec_opts, pid_file, 72);
PIN_OFFSET(lcont_exec_opts, preserve_fds, 80);
PIN_OFFSET(lcont_exec_opts, stdin_fd, 84);
PIN_OFFSET(lcont_exec_opts, stdout_fd, 88);
PIN_OFFSET(lcont_exec_opts, stderr_fd, 92);
PIN_OFFSET(lcont_exec_opts, apparmor_profile, 96);
PIN_OFFSET(lcont_exec_opts, selinux_label, 104);
_Static_assert(_Alignof(lcont_exec_opts) == 8, "alignment of lcont_exec_opts changed");

/* ---- lcont_image_store_opts, 0.2 ---- */
PIN_SIZE(lcont_image_store_opts, 56);
PIN_OFFSET(lcont_image_store_opts, struct_size, 0);
PIN_OFFSET(lcont_image_store_opts, root, 8);
PIN_OFFSET(lcont_image_store_opts, max_layer_bytes, 16);
PIN_OFFSET(lcont_image_store_opts, max_layer_ratio, 24);
PIN_OFFSET(lcont_image_store_opts, max_layer_entries, 32);
PIN_OFFSET(lcont_image_store_opts, max_blob_bytes, 40);
PIN_OFFSET(lcont_image_store_opts, max_index_depth, 48);
PIN_OFFSET(lcont_image_store_opts, parallel_layers, 52);
_Static_assert(_Alignof(lcont_image_store_opts) == 8,
               "alignment of lcont_image_store_opts changed");

/* ---- lcont_image_load_opts, 0.2 ---- */
PIN_SIZE(lcont_image_load_opts, 40);
PIN_OFFSET(lcont_image_load_opts, struct_size, 0);
PIN_OFFSET(lcont_image_load_opts, name, 8);
PIN_OFFSET(lcont_image_load_opts, os, 16);
PIN_OFFSET(lcont_image_load_opts, architecture, 24);
PIN_OFFSET(lcont_image_load_opts, variant, 32);
_Static_assert(_Alignof(lcont_image_load_opts) == 8, "alignment of lcont_image_load_opts changed");

/* ---- lcont_image_mount_opts, 0.2 ---- */
PIN_SIZE(lcont_image_mount_opts, 16);
PIN_OFFSET(lcont_image_mount_opts, struct_size, 0);
PIN_OFFSET(lcont_image_mount_opts, upper_root, 8);
_Static_assert(_Alignof(lcont_image_mount_opts) == 8,
               "alignment of lcont_image_mount_opts changed");

/* ---- lcont_image_progress, 0.2 ---- */
PIN_SIZE(lcont_image_progress, 56);
PIN_OFFSET(lcont_image_progress, struct_size, 0);
PIN_OFFSET(lcont_image_progress, phase, 8);
PIN_OFFSET(lcont_image_progress, index, 12);
PIN_OFFSET(lcont_image_progress, count, 16);
PIN_OFFSET(lcont_image_progress, digest, 24);
PIN_OFFSET(lcont_image_progress, bytes_done, 32);
PIN_OFFSET(lcont_image_progress, bytes_total, 40);
PIN_OFFSET(lcont_image_progress, entries, 48);
_Static_assert(_Alignof(lcont_image_progress) == 8, "alignment of lcont_image_progress changed");

/* ---- lcont_image_spec_opts, 0.2 ---- */
PIN_SIZE(lcont_image_spec_opts, 96);
PIN_OFFSET(lcont_image_spec_opts, struct_size, 0);
PIN_OFFSET(lcont_image_spec_opts, args, 8);
PIN_OFFSET(lcont_image_spec_opts, entrypoint, 16);
PIN_OFFSET(lcont_image_spec_opts, env, 24);
PIN_OFFSET(lcont_image_spec_opts, cwd, 32);
PIN_OFFSET(lcont_image_spec_opts, user, 40);
PIN_OFFSET(lcont_image_spec_opts, groups, 48);
PIN_OFFSET(lcont_image_spec_opts, hostname, 56);
PIN_OFFSET(lcont_image_spec_opts, root_path, 64);
PIN_OFFSET(lcont_image_spec_opts, image_name, 72);
PIN_OFFSET(lcont_image_spec_opts, image_digest, 80);
PIN_OFFSET(lcont_image_spec_opts, terminal, 88);
PIN_OFFSET(lcont_image_spec_opts, readonly, 92);
_Static_assert(_Alignof(lcont_image_spec_opts) == 8, "alignment of lcont_image_spec_opts changed");

/* ---- lcont_service_port, 0.2 ---- */
PIN_SIZE(lcont_service_port, 40);
PIN_OFFSET(lcont_service_port, name, 0);
PIN_OFFSET(lcont_service_port, protocol, 8);
PIN_OFFSET(lcont_service_port, port, 12);
PIN_OFFSET(lcont_service_port, target_port, 16);
PIN_OFFSET(lcont_service_port, target_port_name, 24);
PIN_OFFSET(lcont_service_port, node_port, 32);
_Static_assert(_Alignof(lcont_service_port) == 8, "alignment of lcont_service_port changed");

/* ---- lcont_service_desc, 0.2 ---- */
PIN_SIZE(lcont_service_desc, 104);
PIN_OFFSET(lcont_service_desc, struct_size, 0);
PIN_OFFSET(lcont_service_desc, ns, 8);
PIN_OFFSET(lcont_service_desc, name, 16);
PIN_OFFSET(lcont_service_desc, vips, 24);
PIN_OFFSET(lcont_service_desc, ports, 32);
PIN_OFFSET(lcont_service_desc, n_ports, 40);
PIN_OFFSET(lcont_service_desc, selector, 48);
PIN_OFFSET(lcont_service_desc, type, 56);
PIN_OFFSET(lcont_service_desc, headless, 60);
PIN_OFFSET(lcont_service_desc, picker, 64);
PIN_OFFSET(lcont_service_desc, maglev_size, 68);
PIN_OFFSET(lcont_service_desc, affinity, 72);
PIN_OFFSET(lcont_service_desc, affinity_timeout, 76);
PIN_OFFSET(lcont_service_desc, internal_traffic_policy, 80);
PIN_OFFSET(lcont_service_desc, external_traffic_policy, 84);
PIN_OFFSET(lcont_service_desc, traffic_distribution, 88);
PIN_OFFSET(lcont_service_desc, publish_not_ready, 92);
PIN_OFFSET(lcont_service_desc, affinity_capacity, 96);
_Static_assert(_Alignof(lcont_service_desc) == 8, "alignment of lcont_service_desc changed");

/* ---- lcont_endpoint_port, 0.2 ---- */
PIN_SIZE(lcont_endpoint_port, 16);
PIN_OFFSET(lcont_endpoint_port, name, 0);
PIN_OFFSET(lcont_endpoint_port, protocol, 8);
PIN_OFFSET(lcont_endpoint_port, port, 12);
_Static_assert(_Alignof(lcont_endpoint_port) == 8, "alignment of lcont_endpoint_port changed");

/* ---- lcont_endpoint_desc, 0.2 ---- */
PIN_SIZE(lcont_endpoint_desc, 96);
PIN_OFFSET(lcont_endpoint_desc, struct_size, 0);
PIN_OFFSET(lcont_endpoint_desc, address, 8);
PIN_OFFSET(lcont_endpoint_desc, ports, 16);
PIN_OFFSET(lcont_endpoint_desc, n_ports, 24);
PIN_OFFSET(lcont_endpoint_desc, ready, 32);
PIN_OFFSET(lcont_endpoint_desc, serving, 36);
PIN_OFFSET(lcont_endpoint_desc, terminating, 40);
PIN_OFFSET(lcont_endpoint_desc, node, 48);
PIN_OFFSET(lcont_endpoint_desc, zone, 56);
PIN_OFFSET(lcont_endpoint_desc, hint_zones, 64);
PIN_OFFSET(lcont_endpoint_desc, hint_nodes, 72);
PIN_OFFSET(lcont_endpoint_desc, target_ref, 80);
PIN_OFFSET(lcont_endpoint_desc, weight, 88);
_Static_assert(_Alignof(lcont_endpoint_desc) == 8, "alignment of lcont_endpoint_desc changed");

/* ---- lcont_endpoint_pick, 0.2 ---- */
PIN_SIZE(lcont_endpoint_pick, 72);
PIN_OFFSET(lcont_endpoint_pick, struct_size, 0);
PIN_OFFSET(lcont_endpoint_pick, endpoint_id, 8);
PIN_OFFSET(lcont_endpoint_pick, generation, 16);
PIN_OFFSET(lcont_endpoint_pick, sockaddr_len, 24);
PIN_OFFSET(lcont_endpoint_pick, port, 28);
PIN_OFFSET(lcont_endpoint_pick, family, 32);
PIN_OFFSET(lcont_endpoint_pick, reserved, 36);
PIN_OFFSET(lcont_endpoint_pick, sockaddr, 40);
_Static_assert(_Alignof(lcont_endpoint_pick) == 8, "alignment of lcont_endpoint_pick changed");

#define LAYOUT_PINNED 1
#else
#define LAYOUT_PINNED 0
#endif

/* ---- constants, 0.1 (any architecture) ---- */
PIN_VALUE(LCONT_LOG_ERROR, 3);
PIN_VALUE(LCONT_LOG_WARNING, 4);
PIN_VALUE(LCONT_LOG_INFO, 6);
PIN_VALUE(LCONT_LOG_DEBUG, 7);

PIN_VALUE(LCONT_STATUS_CREATING, 0);
PIN_VALUE(LCONT_STATUS_CREATED, 1);
PIN_VALUE(LCONT_STATUS_RUNNING, 2);
PIN_VALUE(LCONT_STATUS_STOPPED, 3);
PIN_VALUE(LCONT_STATUS_PAUSED, 4);

PIN_VALUE(LCONT_CREATE_NO_PIVOT, 1ULL << 0);
PIN_VALUE(LCONT_CREATE_STDIO, 1ULL << 1);
PIN_VALUE(LCONT_KILL_ALL, 1ULL << 0);
PIN_VALUE(LCONT_DELETE_FORCE, 1ULL << 0);
PIN_VALUE(LCONT_WAIT_NOHANG, 1ULL << 0);
PIN_VALUE(LCONT_SPEC_ROOTLESS, 1ULL << 0);

/* ---- constants, 0.2 ---- */
PIN_VALUE(LCONT_CREATE_NO_NEW_KEYRING, 1ULL << 2);
PIN_VALUE(LCONT_EXEC_STDIO, 1ULL << 0);
PIN_VALUE(LCONT_EXEC_NO_NEW_PRIVS, 1ULL << 1);
PIN_VALUE(LCONT_EXEC_TERMINAL, 1ULL << 2);
PIN_VALUE(LCONT_EXEC_USER, 1ULL << 3);
PIN_VALUE(LCONT_IMAGE_LOAD_CACHE_LAYERS, 1ULL << 0);
PIN_VALUE(LCONT_IMAGE_REMOVE_FORCE, 1ULL << 0);
PIN_VALUE(LCONT_IMAGE_PRUNE_ALL, 1ULL << 0);
PIN_VALUE(LCONT_IMAGE_MOUNT_READONLY, 1ULL << 0);
PIN_VALUE(LCONT_IMAGE_MOUNT_COPY, 1ULL << 1);
PIN_VALUE(LCONT_IMAGE_MOUNT_VOLATILE, 1ULL << 2);
PIN_VALUE(LCONT_IMAGE_UMOUNT_DETACH, 1ULL << 0);
PIN_VALUE(LCONT_IMAGE_PHASE_COPY, 1);
PIN_VALUE(LCONT_IMAGE_PHASE_UNPACK, 2);
PIN_VALUE(LCONT_IMAGE_PHASE_DONE, 3);
PIN_VALUE(LCONT_SERVICE_MAGLEV_DEFAULT_SIZE, 65537);
PIN_VALUE(LCONT_SERVICE_AFFINITY_DEFAULT_TIMEOUT, 10800);
PIN_VALUE(LCONT_SERVICE_ADD_NO_REPLACE, 1ULL << 0);
PIN_VALUE(LCONT_SERVICE_PICK_EXTERNAL, 1ULL << 0);
PIN_VALUE(LCONT_SERVICE_LOAD_REPLACE, 1ULL << 0);
PIN_VALUE(LCONT_SERVICE_PROTO_TCP, 6);
PIN_VALUE(LCONT_SERVICE_PROTO_UDP, 17);
PIN_VALUE(LCONT_SERVICE_PROTO_SCTP, 132);
PIN_VALUE(LCONT_SERVICE_TYPE_CLUSTER_IP, 0);
PIN_VALUE(LCONT_SERVICE_TYPE_NODE_PORT, 1);
PIN_VALUE(LCONT_SERVICE_TYPE_LOAD_BALANCER, 2);
PIN_VALUE(LCONT_SERVICE_PICKER_ROUND_ROBIN, 0);
PIN_VALUE(LCONT_SERVICE_PICKER_WEIGHTED_RR, 1);
PIN_VALUE(LCONT_SERVICE_PICKER_RANDOM, 2);
PIN_VALUE(LCONT_SERVICE_PICKER_LEAST_CONN, 3);
PIN_VALUE(LCONT_SERVICE_PICKER_MAGLEV, 4);
PIN_VALUE(LCONT_SERVICE_PICKER_RING_HASH, 5);
PIN_VALUE(LCONT_SERVICE_TRAFFIC_CLUSTER, 0);
PIN_VALUE(LCONT_SERVICE_TRAFFIC_LOCAL, 1);
PIN_VALUE(LCONT_SERVICE_DISTRIBUTION_DEFAULT, 0);
PIN_VALUE(LCONT_SERVICE_DISTRIBUTION_PREFER_CLOSE, 1);
PIN_VALUE(LCONT_SERVICE_AFFINITY_NONE, 0);
PIN_VALUE(LCONT_SERVICE_AFFINITY_CLIENT_IP, 1);
PIN_VALUE(LCONT_SERVICE_COND_UNSET, 0);
PIN_VALUE(LCONT_SERVICE_COND_FALSE, 1);
PIN_VALUE(LCONT_SERVICE_COND_TRUE, 2);

/* Flags are uint64_t bits (STYLE §5.2): a flag macro must have that width. */
_Static_assert(sizeof(LCONT_CREATE_STDIO) == 8, "flags must be 1ULL << n");

int main(void)
{
    /* The checks above run at compile time; this only tells which ones did. */
    if (!LAYOUT_PINNED) {
        printf("struct layouts are pinned for x86-64 only; constants checked\n");
        return 77;
    }
    printf("layout of the option structs of 0.1 and 0.2 as pinned (lcont_context_opts %zu "
           "bytes, lcont_exec_opts %zu, lcont_service_desc %zu)\n",
           sizeof(lcont_context_opts), sizeof(lcont_exec_opts), sizeof(lcont_service_desc));
    return 0;
}
