/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SERVICE_H
#define LCONT_SERVICE_H

/**
 * @file service.h
 * Service endpoint tables: services (a stable name and virtual addresses)
 * in front of changing sets of endpoints, with kube-proxy's endpoint
 * selection rules and load-balancing pickers.
 *
 * Threading: one writer at a time (every function not marked "thread-safe,
 * lock-free" must be serialised by the caller), any number of concurrent
 * readers. The reader functions (lookups, lcont_service_pick(),
 * lcont_service_conn_open()/_close(), lcont_service_flow_hash(),
 * lcont_service_table_get_generation()) take no locks and may run in any
 * thread while the writer updates. Memory a reader may still see is freed
 * by later writer calls or by lcont_service_table_reclaim(); the library
 * starts no threads.
 *
 * Identifiers: services and endpoints are named by 64-bit ids, never 0.
 * An id stays valid until its object is removed; a stale id is detected
 * (-ENOENT), never confused with a newer object.
 */

#include <lcont/common.h>
#include <lcont/error.h>

LCONT_BEGIN_DECLS

struct sockaddr;

/** Refcounted service table handle. @since 0.2 */
typedef struct lcont_service_table lcont_service_table;

/** Protocols of service and endpoint ports (IANA numbers). @since 0.2 */
enum {
    LCONT_SERVICE_PROTO_TCP = 6,
    LCONT_SERVICE_PROTO_UDP = 17,
    LCONT_SERVICE_PROTO_SCTP = 132
};

/** Service type (Kubernetes spec.type). @since 0.2 */
enum {
    LCONT_SERVICE_TYPE_CLUSTER_IP = 0,
    LCONT_SERVICE_TYPE_NODE_PORT = 1,
    LCONT_SERVICE_TYPE_LOAD_BALANCER = 2
};

/** Picker (load-balancing algorithm) of a service. @since 0.2 */
enum {
    LCONT_SERVICE_PICKER_ROUND_ROBIN = 0, /**< plain rotation, weights ignored */
    LCONT_SERVICE_PICKER_WEIGHTED_RR = 1, /**< smooth weighted round robin */
    LCONT_SERVICE_PICKER_RANDOM = 2,      /**< weighted random */
    LCONT_SERVICE_PICKER_LEAST_CONN = 3,  /**< power of two choices on open connections */
    LCONT_SERVICE_PICKER_MAGLEV = 4,      /**< Maglev consistent hashing on flow_hash */
    LCONT_SERVICE_PICKER_RING_HASH = 5    /**< ring (Ketama-like) hashing on flow_hash */
};

/** Traffic policy (Kubernetes internal/externalTrafficPolicy). @since 0.2 */
enum {
    LCONT_SERVICE_TRAFFIC_CLUSTER = 0, /**< any usable endpoint */
    LCONT_SERVICE_TRAFFIC_LOCAL = 1    /**< endpoints on this host's node only */
};

/** Traffic distribution (Kubernetes spec.trafficDistribution). @since 0.2 */
enum {
    LCONT_SERVICE_DISTRIBUTION_DEFAULT = 0,
    LCONT_SERVICE_DISTRIBUTION_PREFER_CLOSE = 1 /**< prefer this node's zone (via hints) */
};

/** Session affinity. @since 0.2 */
enum {
    LCONT_SERVICE_AFFINITY_NONE = 0,
    LCONT_SERVICE_AFFINITY_CLIENT_IP = 1
};

/**
 * Tri-state endpoint condition. A zeroed field is UNSET and gets the
 * Kubernetes meaning: unset ready = ready; unset serving = same as ready;
 * unset terminating = not terminating.
 * @since 0.2
 */
enum {
    LCONT_SERVICE_COND_UNSET = 0,
    LCONT_SERVICE_COND_FALSE = 1,
    LCONT_SERVICE_COND_TRUE = 2
};

/** Default Maglev lookup table size (a prime). @since 0.2 */
#define LCONT_SERVICE_MAGLEV_DEFAULT_SIZE 65537
/** Default client-IP affinity timeout in seconds (as Kubernetes). @since 0.2 */
#define LCONT_SERVICE_AFFINITY_DEFAULT_TIMEOUT 10800

/** A service port. @since 0.2 */
typedef struct lcont_service_port {
    const char *name;             /**< may be NULL or "" when the service has one port */
    int protocol;                 /**< LCONT_SERVICE_PROTO_*; 0 = TCP */
    uint32_t port;                /**< service (VIP) port, 1..65535 */
    uint32_t target_port;         /**< endpoint port number; 0 = same as port */
    const char *target_port_name; /**< or a named endpoint port (takes precedence) */
    uint32_t node_port;           /**< NodePort/LoadBalancer host port, 0 = none */
} lcont_service_port;

/** Description of a service for lcont_service_add(). @since 0.2 */
typedef struct lcont_service_desc {
    uint64_t struct_size;            /**< sizeof(lcont_service_desc) */
    const char *ns;                  /**< namespace; NULL = "default" */
    const char *name;                /**< required, at most 253 bytes */
    const char *const *vips;         /**< NULL-terminated IPv4/IPv6 literals; may be NULL */
    const lcont_service_port *ports; /**< array of n_ports */
    size_t n_ports;
    const char *selector;        /**< label selector text ("app=web,tier in (a,b),!old"), or NULL */
    int type;                    /**< LCONT_SERVICE_TYPE_* */
    int headless;                /**< 1: clusterIP None (no VIPs, no picking) */
    int picker;                  /**< LCONT_SERVICE_PICKER_* */
    uint32_t maglev_size;        /**< Maglev table size, a prime; 0 = default */
    int affinity;                /**< LCONT_SERVICE_AFFINITY_* */
    uint32_t affinity_timeout;   /**< seconds; 0 = default 10800 */
    int internal_traffic_policy; /**< LCONT_SERVICE_TRAFFIC_* for VIP traffic */
    int external_traffic_policy; /**< LCONT_SERVICE_TRAFFIC_* for node port/LB traffic */
    int traffic_distribution;    /**< LCONT_SERVICE_DISTRIBUTION_* */
    int publish_not_ready;       /**< 1: every endpoint counts as ready */
    uint32_t affinity_capacity;  /**< clients remembered for affinity; 0 = 4096, max 1048576 */
} lcont_service_desc;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_SERVICE_DESC_INIT { sizeof(lcont_service_desc), NULL, NULL, NULL, NULL, 0, NULL, \
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }
#else
#define LCONT_SERVICE_DESC_INIT { .struct_size = sizeof(lcont_service_desc) }
#endif
/* clang-format on */

/** Zero @p desc and set struct_size (for FFI). @return 0 or -EINVAL. @since 0.2 */
LCONT_API int lcont_service_desc_init(lcont_service_desc *desc, size_t size);

/** A named endpoint port. @since 0.2 */
typedef struct lcont_endpoint_port {
    const char *name; /**< matches a service port name (or its target_port_name) */
    int protocol;     /**< LCONT_SERVICE_PROTO_*; 0 = TCP */
    uint32_t port;    /**< 1..65535 */
} lcont_endpoint_port;

/** Description of an endpoint. @since 0.2 */
typedef struct lcont_endpoint_desc {
    uint64_t struct_size; /**< sizeof(lcont_endpoint_desc) */
    const char *address;  /**< IPv4/IPv6 literal; identifies the endpoint in its service */
    const lcont_endpoint_port *ports; /**< array of n_ports; may be empty */
    size_t n_ports;
    int ready;                     /**< LCONT_SERVICE_COND_* */
    int serving;                   /**< LCONT_SERVICE_COND_* */
    int terminating;               /**< LCONT_SERVICE_COND_* */
    const char *node;              /**< node name, or NULL */
    const char *zone;              /**< zone, or NULL */
    const char *const *hint_zones; /**< NULL-terminated topology hints (forZones) */
    const char *const *hint_nodes; /**< NULL-terminated topology hints (forNodes) */
    const char *target_ref;        /**< what backs it, e.g. "Pod/default/web-1", or NULL */
    uint32_t weight;               /**< 0 = 1; at most 65535 */
} lcont_endpoint_desc;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_ENDPOINT_DESC_INIT { sizeof(lcont_endpoint_desc), NULL, NULL, 0, 0, 0, 0, NULL, \
    NULL, NULL, NULL, NULL, 0 }
#else
#define LCONT_ENDPOINT_DESC_INIT { .struct_size = sizeof(lcont_endpoint_desc) }
#endif
/* clang-format on */

/** Zero @p desc and set struct_size (for FFI). @return 0 or -EINVAL. @since 0.2 */
LCONT_API int lcont_endpoint_desc_init(lcont_endpoint_desc *desc, size_t size);

/** Result of lcont_service_pick(). @since 0.2 */
typedef struct lcont_endpoint_pick {
    uint64_t struct_size;  /**< set by the caller: sizeof(lcont_endpoint_pick) */
    uint64_t endpoint_id;  /**< for lcont_service_conn_open()/_close() */
    uint64_t generation;   /**< generation of the service snapshot that answered */
    uint32_t sockaddr_len; /**< bytes used in sockaddr */
    uint32_t port;         /**< endpoint port (host order) */
    int family;            /**< AF_INET or AF_INET6 */
    int reserved;          /**< zero */
    uint64_t sockaddr[4];  /**< a struct sockaddr_in/sockaddr_in6, ready for connect() */
} lcont_endpoint_pick;

/* clang-format off */
#ifdef __cplusplus
#define LCONT_ENDPOINT_PICK_INIT { sizeof(lcont_endpoint_pick), 0, 0, 0, 0, 0, 0, { 0, 0, 0, 0 } }
#else
#define LCONT_ENDPOINT_PICK_INIT { .struct_size = sizeof(lcont_endpoint_pick) }
#endif
/* clang-format on */

/* ---- table ---- */

/**
 * Create an empty service table. No flags yet.
 * @param ret new reference, released with lcont_service_table_unref().
 * @return 0, -EINVAL, -ENOMEM, or -errno from eventfd().
 * @since 0.2
 */
LCONT_API int lcont_service_table_new(uint64_t flags, lcont_service_table **ret,
                                      lcont_error **reterr);

/** Take a reference; returns @p t. Thread-safe. @since 0.2 */
LCONT_API lcont_service_table *lcont_service_table_ref(lcont_service_table *t);

/**
 * Drop a reference; NULL is accepted; returns NULL. The last reference
 * frees everything: no reader may be inside the table then.
 * @since 0.2
 */
LCONT_API lcont_service_table *lcont_service_table_unref(lcont_service_table *t);

/**
 * Set the node name and zone of this host, used by Local traffic policies
 * and topology hints. NULL clears. Rebuilds every service's selection.
 * @return 0, -EINVAL, -ENOMEM. @since 0.2
 */
LCONT_API int lcont_service_table_set_host(lcont_service_table *t, const char *node,
                                           const char *zone, lcont_error **reterr);

/**
 * The table generation: bumped by every change. Thread-safe, lock-free.
 * @since 0.2
 */
LCONT_API uint64_t lcont_service_table_get_generation(const lcont_service_table *t);

/**
 * An eventfd (non-blocking, CLOEXEC) that becomes readable after a change.
 * Borrowed: valid as long as @p t; read it to reset. Thread-safe.
 * @return fd >= 0 or -EINVAL. @since 0.2
 */
LCONT_API int lcont_service_table_get_notify_fd(const lcont_service_table *t);

/**
 * Free memory retired by earlier writes that no reader can still see.
 * Writer calls do this too; call it when the table goes idle.
 * @return number of objects still waiting (>= 0). @since 0.2
 */
LCONT_API int lcont_service_table_reclaim(lcont_service_table *t);

/** Number of services in the table. @since 0.2 */
LCONT_API size_t lcont_service_table_get_size(const lcont_service_table *t);

/* ---- services ---- */

/** lcont_service_add(): fail with -EEXIST instead of replacing. @since 0.2 */
#define LCONT_SERVICE_ADD_NO_REPLACE (1ULL << 0)

/**
 * Add a service, or replace the configuration of an existing one with the
 * same namespace/name (its endpoints, id and affinity entries are kept).
 * @param ret_id the service id (optional).
 * @return 0; -EINVAL (message names the field); -EEXIST (NO_REPLACE; or a
 *         VIP:port/protocol owned by another service); -ENOMEM.
 * @since 0.2
 */
LCONT_API int lcont_service_add(lcont_service_table *t, const lcont_service_desc *desc,
                                uint64_t flags, uint64_t *ret_id, lcont_error **reterr);

/**
 * As lcont_service_add() from a JSON object in the persist format
 * (docs/service.md); an "endpoints" array, if present, replaces the
 * service's endpoints. Input is bounded to 16 MiB.
 * @since 0.2
 */
LCONT_API int lcont_service_add_json(lcont_service_table *t, const char *json, uint64_t flags,
                                     uint64_t *ret_id, lcont_error **reterr);

/** Remove a service and its endpoints. No flags yet. @return 0, -ENOENT. @since 0.2 */
LCONT_API int lcont_service_remove(lcont_service_table *t, uint64_t service_id, uint64_t flags,
                                   lcont_error **reterr);

/**
 * Find a service by namespace (NULL = "default") and name.
 * Thread-safe, lock-free. @return 0 and *ret_id, or -ENOENT, -EINVAL.
 * @since 0.2
 */
LCONT_API int lcont_service_lookup(const lcont_service_table *t, const char *ns, const char *name,
                                   uint64_t *ret_id);

/**
 * Find the service that owns a virtual address: @p vip is a sockaddr_in or
 * sockaddr_in6 with the service port. Failing that, a NodePort or
 * LoadBalancer service whose node port equals the port of @p vip (on any
 * address) is returned: pick for it with LCONT_SERVICE_PICK_EXTERNAL.
 * Thread-safe, lock-free.
 * @return 0 and *ret_id; -ENOENT; -EINVAL (bad address family).
 * @since 0.2
 */
LCONT_API int lcont_service_lookup_vip(const lcont_service_table *t, const struct sockaddr *vip,
                                       int protocol, uint64_t *ret_id);

/**
 * Generation of a service: the table generation of its last change.
 * Thread-safe, lock-free. @return 0 and *ret, or -ENOENT. @since 0.2
 */
LCONT_API int lcont_service_get_generation(const lcont_service_table *t, uint64_t service_id,
                                           uint64_t *ret);

/* ---- endpoints ---- */

/**
 * Replace the whole endpoint list of a service (the set operation of an
 * EndpointSlice). Endpoints keep their ids when their address stays.
 * No flags yet. Duplicate addresses: the last one wins.
 * @return 0, -ENOENT (service), -EINVAL (message names the endpoint), -ENOMEM.
 * @since 0.2
 */
LCONT_API int lcont_service_set_endpoints(lcont_service_table *t, uint64_t service_id,
                                          const lcont_endpoint_desc *eps, size_t n_eps,
                                          uint64_t flags, lcont_error **reterr);

/**
 * Add or update one endpoint (matched by address). Only this service is
 * rebuilt. No flags yet. @param ret_endpoint_id the endpoint id (optional).
 * @return 0, -ENOENT, -EINVAL, -ENOMEM. @since 0.2
 */
LCONT_API int lcont_service_upsert_endpoint(lcont_service_table *t, uint64_t service_id,
                                            const lcont_endpoint_desc *ep, uint64_t flags,
                                            uint64_t *ret_endpoint_id, lcont_error **reterr);

/**
 * Remove one endpoint by address. No flags yet.
 * @return 0, -ENOENT (service or endpoint), -EINVAL. @since 0.2
 */
LCONT_API int lcont_service_remove_endpoint(lcont_service_table *t, uint64_t service_id,
                                            const char *address, uint64_t flags,
                                            lcont_error **reterr);

/* ---- picking (readers) ---- */

/** lcont_service_pick(): the traffic arrived on a node port / LB address. @since 0.2 */
#define LCONT_SERVICE_PICK_EXTERNAL (1ULL << 0)

/**
 * Pick an endpoint for one connection or request. The service port is
 * named by @p port_name, or when that is NULL by its number @p port (0 =
 * the service's only port; with LCONT_SERVICE_PICK_EXTERNAL the node port
 * number also matches). @p client (sockaddr_in/in6, may be NULL) is used
 * for client-IP affinity; @p flow_hash keys Maglev and ring hash (see
 * lcont_service_flow_hash()). Thread-safe, lock-free, allocates nothing.
 * @param out filled on success; out->struct_size must be set by the caller.
 * @return 0; -ENOENT (no such service or port); -ECONNREFUSED (no usable
 *         endpoint: reject); -EHOSTUNREACH (Local policy and no usable endpoint
 *         on this node while others exist: drop); -EINVAL; -EOPNOTSUPP (headless).
 * @since 0.2
 */
LCONT_API int lcont_service_pick(const lcont_service_table *t, uint64_t service_id,
                                 const char *port_name, uint32_t port,
                                 const struct sockaddr *client, uint64_t flow_hash, uint64_t flags,
                                 lcont_endpoint_pick *out);

/**
 * Keyed hash (fast 128-bit multiply folds, per-table random key) of a
 * connection's 5-tuple, for lcont_service_pick(). Values differ between
 * tables and processes. @p src and @p dst are sockaddr_in/in6 of the
 * same family. Thread-safe. @return the hash (0 on bad input).
 * @since 0.2
 */
LCONT_API uint64_t lcont_service_flow_hash(const lcont_service_table *t, const struct sockaddr *src,
                                           const struct sockaddr *dst, int protocol);

/**
 * Count a connection opened to / closed on an endpoint (least-connections).
 * Thread-safe, lock-free. @return 0 or -ENOENT (endpoint gone).
 * @since 0.2
 */
LCONT_API int lcont_service_conn_open(const lcont_service_table *t, uint64_t endpoint_id);

/** See lcont_service_conn_open(). @since 0.2 */
LCONT_API int lcont_service_conn_close(const lcont_service_table *t, uint64_t endpoint_id);

/* ---- persistence and Kubernetes objects ---- */

/**
 * Serialise the whole table (host, services, endpoints) as JSON.
 * No flags yet. @param ret string freed with lcont_free().
 * @return 0, -ENOMEM. @since 0.2
 */
LCONT_API int lcont_service_table_save_json(lcont_service_table *t, uint64_t flags, char **ret,
                                            lcont_error **reterr);

/** lcont_service_table_load_json(): drop services absent from the document. @since 0.2 */
#define LCONT_SERVICE_LOAD_REPLACE (1ULL << 0)

/**
 * Add or replace every service of a document written by
 * lcont_service_table_save_json(). Input bounded to 64 MiB.
 * @return 0; -EINVAL (message says where); -ENOMEM. On error, services
 *         before the failing one are applied.
 * @since 0.2
 */
LCONT_API int lcont_service_table_load_json(lcont_service_table *t, const char *json,
                                            uint64_t flags, lcont_error **reterr);

/**
 * Apply Kubernetes objects: `Service` and `discovery.k8s.io/v1 EndpointSlice`
 * (also inside a `List`), from JSON or YAML (several documents allowed).
 * Other kinds are skipped. An EndpointSlice replaces the endpoints that
 * earlier came from the slice of the same name; a slice for an unknown
 * service creates a placeholder without ports. Bounded to 64 MiB, nesting
 * 64; YAML aliases are rejected. No flags yet.
 * @return number of objects applied (>= 0), or -EINVAL with the object and
 *         field in the message.
 * @since 0.2
 */
LCONT_API int lcont_service_table_apply_k8s(lcont_service_table *t, const char *text, size_t len,
                                            uint64_t flags, lcont_error **reterr);

/**
 * Whether NULL-terminated "key=value" @p labels match a label selector
 * (`k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, comma
 * separated). @return 1, 0, or -EINVAL (bad selector). @since 0.2
 */
LCONT_API int lcont_service_selector_matches(const char *selector, const char *const *labels,
                                             lcont_error **reterr);

#ifdef __GNUC__
static inline void lcont_service_table_unrefp(lcont_service_table **p)
{
    lcont_service_table_unref(*p);
}
#endif

LCONT_END_DECLS

#endif
