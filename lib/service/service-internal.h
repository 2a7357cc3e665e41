/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef LCONT_SERVICE_INTERNAL_H
#define LCONT_SERVICE_INTERNAL_H

/*
 * Service tables: one writer, lock-free readers.
 *
 * Readers see immutable per-service snapshots (struct snap) through atomic
 * pointers in a chunked slot array, and lock-free hash indexes whose nodes
 * are never modified after publication. A writer replaces, never mutates:
 * it builds a new snapshot, swaps the pointer and retires the old one.
 *
 * Reclamation is epoch based without reader registration: a reader
 * increments one of the counters of the current epoch's parity (striped over
 * cache lines to limit contention) for the duration of its call. The writer
 * advances the epoch only when the counters of the other parity are zero,
 * and frees an object retired in epoch e once the epoch reaches e + 2: by
 * then every reader that could have loaded its pointer has left.
 *
 * Ordering: the writer unpublishes (pointer store) then reads the reader
 * counters; a reader increments a counter then loads the pointer. That is
 * the store-buffering pattern, so all four accesses are seq_cst (free on
 * x86-64: the loads stay plain moves, the stores are xchg/locked ops anyway).
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <lcont/service.h>

#include "core/hash.h"

#define EPOCH_STRIPES 16
#define SLOT_CHUNK_BITS 12
#define SLOT_CHUNK_SIZE (1u << SLOT_CHUNK_BITS)
#define SLOT_CHUNKS 1024 /* at most 4M services and 4M endpoints per table */
#define SLOT_MAX (SLOT_CHUNKS * SLOT_CHUNK_SIZE)

/*
 * Every service slot has a hot line: 64 bytes at an address computed from the
 * slot number, holding everything a pick needs when the service is simple
 * enough (see struct hot_line). Such a pick reads that one line and nothing
 * else (no slot pointer, no epoch counter): 30k services take 1.9 MiB of hot
 * lines, which stay cached while other tenants stream through the shared L3,
 * where the full snapshots (10+ MiB) do not. See hot.c.
 */
#define HOT_CHUNK_BITS SLOT_CHUNK_BITS /* allocated with the slot chunk: 256 KiB each */

#define SERVICE_NAME_MAX 253
#define ENDPOINTS_MAX 65536 /* per service */
#define PORTS_MAX 256       /* per service or endpoint */
#define HINTS_MAX 64
#define AFFINITY_DEFAULT_CAPACITY 4096 /* client IPs remembered per service */
#define AFFINITY_MAX_CAPACITY (1u << 20)
#define AFFINITY_WAYS 4
#define WRR_SEQ_MAX 65536
#define RING_POINTS_PER_WEIGHT 128
#define RING_POINTS_MAX (1u << 20)

struct epoch_stripe {
    _Atomic uint64_t readers;
} __attribute__((aligned(64)));

struct lcont_service_table;
typedef void (*retire_fn)(struct lcont_service_table *t, void *p);
struct retired {
    void *p;
    retire_fn free_fn;
    uint64_t epoch;
};

/*
 * The table's arena for read-path memory (snapshots, picker tables, slot
 * chunks): size classes carved from 2 MiB regions backed by transparent huge
 * pages, so that the data picks touch for 30k services is a few huge pages
 * (one TLB entry each) instead of thousands of 4 KiB pages. The first region
 * is small and on normal pages, so a small table stays small. Blocks are
 * 64-byte aligned; frees are sized and happen in the writer only (after the
 * epoch grace period for anything a reader may see). Memory is reused, and
 * returned when the table is freed.
 */
#define ARENA_CLASSES 56
#define ARENA_MAX_BLOCK (1u << 20)
struct arena_region {
    void *base;
    size_t size;
};
struct arena {
    void *free[ARENA_CLASSES]; /* singly linked through each free block's first word */
    char *bump, *end;
    struct arena_region *regions;
    size_t n_regions, cap_regions;
    size_t live; /* bytes handed out, for tests */
};

/* Connection counter of an endpoint; slots are never freed, only reused. */
struct ep_slot {
    _Atomic int64_t conns;
};

/*
 * A service's snapshot pointer. The low 6 bits (snapshots are 64-byte
 * aligned) hold how many of its cache lines a pick should prefetch at once,
 * so the prefetches need not wait for the header's cold load.
 */
struct snap;
#define SNAP_TAG_MASK ((uintptr_t)63)
#define SNAP_PREFETCH_LINES 16
struct svc_slot {
    _Atomic uintptr_t snap;
};

/* Lock-free-read hash index: chains of immutable nodes. */
struct rh_node {
    struct rh_node *next;
    uint64_t hash;
    uint64_t value;
    uint32_t klen;
    unsigned char key[];
};
struct rh_table {
    size_t mask;
    _Atomic(struct rh_node *) b[];
};
struct rhash {
    _Atomic(struct rh_table *) tab;
    size_t count;
};

struct ipaddr {
    int family; /* AF_INET / AF_INET6 */
    uint8_t a[16];
};

/* ---- writer-side model (owned by the single writer) ---- */

struct port_rec {
    char *name; /* never NULL ("" when unnamed) */
    int protocol;
    uint32_t port;
};

struct svc_port_rec {
    char *name;
    int protocol;
    uint32_t port, target_port, node_port;
    char *target_port_name; /* NULL if none */
};

struct ep_rec {
    char *address;
    struct ipaddr ip;
    struct port_rec *ports;
    size_t n_ports;
    int ready, serving, terminating; /* raw LCONT_SERVICE_COND_* */
    char *node, *zone, *target_ref;
    char **hint_zones, **hint_nodes;
    uint32_t weight;
    char *source;      /* EndpointSlice name, or NULL */
    uint64_t id;       /* public endpoint id, see lcont__service_ep_id() */
    uint32_t ep_slot;  /* its connection counter; EP_SLOT_NONE until allocated */
    uint64_t key_hash; /* of the address, for Maglev/ring permutations */
};
#define EP_SLOT_NONE UINT32_MAX

struct svc_conf {
    char **vips;
    struct ipaddr *vip_ips;
    size_t n_vips;
    struct svc_port_rec *ports;
    size_t n_ports;
    char *selector;
    int type, headless, picker, affinity;
    uint32_t maglev_size, affinity_timeout, affinity_capacity;
    int itp, etp, distribution, publish_not_ready;
    bool placeholder; /* created by an EndpointSlice before its Service */
};

struct aff_entry {
    _Atomic uint64_t key;
    _Atomic uint64_t ep_id;
    _Atomic uint64_t stamp_ms;
};

struct affinity {
    uint32_t sets; /* a power of two; AFFINITY_WAYS entries each */
    struct aff_entry e[];
};

struct service {
    uint64_t id;
    uint32_t slot;
    char *ns, *name;
    struct svc_conf conf;
    struct ep_rec *eps;
    size_t n_eps, cap_eps;
    struct affinity *aff; /* shared by snapshots; retired with the service */
    uint64_t generation;
};

/* ---- read-side snapshot (immutable once published) ---- */

/* A pool member: everything a pick returns, and its connection counter. */
struct member {
    uint64_t id;
    uint32_t ep_slot;
    uint16_t family;
    uint16_t port; /* endpoint port for this service port */
    uint8_t addr[16];
};

/* An endpoint id and its counter: the sorted index conn_open/close search. */
struct ep_ref {
    uint64_t id;
    uint64_t ep_slot;
};

struct ring_point {
    uint64_t hash;
    uint32_t member;
};

/* 32 bytes; the picker's table is the one of the snapshot's picker. */
struct pool {
    _Atomic uint64_t counter; /* rr position / random stream; the only mutable field */
    uint32_t n;
    uint32_t n_tab;   /* entries of the picker table (WRR sequence, Maglev, ring) */
    struct member *m; /* n members, in the snapshot's block */
    union {
        uint64_t *cum;           /* cumulative weights (random, p2c), in the block */
        uint32_t *seq;           /* smooth WRR sequence of members, NULL when uniform */
        uint32_t *maglev;        /* n_tab = table size entries: member */
        struct ring_point *ring; /* n_tab points sorted by hash */
    } tab;
};

struct snap_port {
    struct pool cluster, local;
    char *name;
    uint16_t protocol;
    uint16_t port, node_port;
};

/* After the ports: affinity settings and every endpoint's id (not only those in a pool). */
struct snap_tail {
    struct affinity *aff;
    uint32_t affinity_timeout_ms;
    uint32_t n_refs;
    struct ep_ref *refs; /* sorted by id */
};

/*
 * One arena block holds the header, ports, tail, pool members and id index, in
 * that order. Only the large picker tables (WRR sequence, Maglev, ring) are
 * separate blocks.
 */
struct snap {
    uint64_t service_id;
    uint64_t generation;
    uint8_t picker, affinity, itp, etp, headless;
    uint8_t prefetch_lines; /* lines a pick prefetches (in the tag of svc_slot.snap) */
    uint16_t n_ports;
    uint32_t block_size; /* bytes of the snapshot's arena block */
    uint32_t reserved;
    struct snap_port ports[];
};

_Static_assert(sizeof(struct snap) == 32, "snapshot header: half a cache line");
_Static_assert(sizeof(struct pool) == 32, "pool: the first one shares line 0 with the header");
_Static_assert(sizeof(struct member) == 32, "member stride");

/*
 * A hot line answers a pick for a service with one port, Cluster policy for
 * internal traffic, no client affinity, round robin (or weighted round robin
 * with equal weights) or random with equal weights, and 1 to HOT_MEMBERS IPv4
 * endpoints in its Cluster pool that share one port: the common case, in one
 * cache line. Endpoint ids are rebuilt from the addresses.
 *
 * The writer rewrites a line in place, as a sequence lock whose sequence is
 * the snapshot generation (unique, so no ABA): generation 0 while it writes,
 * or while the service is not simple; readers that see 0, or another
 * generation after reading, pick from the snapshot instead. Lines are never
 * freed while the table lives, so readers need no epoch for them. Every field
 * is an atomic, stored with release and loaded with acquire (plain moves on
 * x86-64), so that the races are defined and the ordering needs no fence.
 */
#define HOT_MEMBERS 10
#define HOT_RANDOM 1    /* else rotation */
#define HOT_ETP_LOCAL 2 /* external traffic needs the Local pool: not here */
struct hot_line {
    _Atomic uint64_t generation;      /* the sequence: 0 = use the snapshot */
    _Atomic uint32_t counter;         /* rotation / random stream; readers increment it */
    _Atomic uint32_t svc_seq;         /* service id >> 32 */
    _Atomic uint16_t port, node_port; /* the service port, its node port (0: none) */
    _Atomic uint16_t ep_port;         /* every member's port */
    _Atomic uint8_t n, flags;
    _Atomic uint32_t addr[HOT_MEMBERS]; /* network order, as in sin_addr */
};
_Static_assert(sizeof(struct hot_line) == 64, "one cache line");

/*
 * Endpoint ids name (service, address): bit 63 set for IPv4, 9 bits of the
 * service id's sequence, the service slot (22 bits), then 32 bits of token:
 * the IPv4 address itself, or for IPv6 a hash of the address made unique
 * within the service. So a hot-line pick rebuilds the id from the address,
 * and an address that leaves and comes back gets its id back.
 */
_Static_assert(SLOT_MAX == 1u << 22, "22 bits of service slot in an endpoint id");
static inline uint64_t lcont__service_ep_id(uint64_t service_id, bool ipv4, uint32_t token)
{
    uint64_t hi =
        (ipv4 ? 1ULL << 31 : 0) | ((service_id >> 32) & 511) << 22 | (service_id & (SLOT_MAX - 1));
    return hi << 32 | token;
}
static inline uint32_t lcont__service_ep_id_svc_slot(uint64_t endpoint_id)
{
    return (uint32_t)(endpoint_id >> 32) & (SLOT_MAX - 1);
}

static inline const struct snap_tail *lcont__service_snap_tail(const struct snap *s)
{
    return (const struct snap_tail *)&s->ports[s->n_ports];
}

static inline struct snap *lcont__service_snap_untag(uintptr_t v)
{
    return (struct snap *)(v & ~SNAP_TAG_MASK);
}

struct lcont_service_table {
    _Atomic unsigned refs;
    pid_t owner_pid;
    int notify_fd;
    struct lcont_hash_key key;
    _Atomic uint64_t generation;

    /* reclamation */
    _Atomic uint64_t epoch;
    struct epoch_stripe stripes[2][EPOCH_STRIPES];
    struct retired *retired;
    size_t n_retired, cap_retired;
    struct arena arena;

    /* notification: the eventfd is written only once someone asked for it */
    atomic_bool notify_wanted, notify_primed;

    /* reader-visible slots */
    _Atomic(struct svc_slot *) svc_chunks[SLOT_CHUNKS];
    _Atomic(struct hot_line *) hot_chunks[SLOT_CHUNKS];
    _Atomic(struct ep_slot *) ep_chunks[SLOT_CHUNKS];
    struct rhash by_name; /* "ns/name" -> service id */
    struct rhash by_vip;  /* vip key -> service id */

    /* writer-only */
    struct service **services; /* by slot */
    size_t n_svc_slots, n_services;
    uint32_t *svc_free, *ep_free;
    size_t n_svc_free, cap_svc_free, n_ep_free, cap_ep_free;
    uint32_t n_ep_slots;
    uint32_t id_seq;
    char *host_node, *host_zone;

    /* test hook: monotonic milliseconds */
    uint64_t (*now_ms)(void *userdata);
    void *now_userdata;
};

/* epoch.c */
static inline unsigned lcont__service_stripe(void)
{
    /* Threads run on different stacks: the frame address spreads them over stripes. */
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    return (unsigned)((sp >> 13) ^ (sp >> 17)) % EPOCH_STRIPES;
}
static inline _Atomic uint64_t *lcont__service_read_enter(struct lcont_service_table *t)
{
    uint64_t e = atomic_load(&t->epoch);
    _Atomic uint64_t *c = &t->stripes[e & 1][lcont__service_stripe()].readers;
    atomic_fetch_add(c, 1);
    return c;
}
static inline void lcont__service_read_leave(_Atomic uint64_t *c)
{
    atomic_fetch_sub_explicit(c, 1, memory_order_release);
}
int lcont__service_retire(struct lcont_service_table *t, void *p, retire_fn free_fn);
size_t lcont__service_reclaim(struct lcont_service_table *t);
void lcont__service_reclaim_all(struct lcont_service_table *t);

/* hot.c */
static inline struct hot_line *lcont__service_hot_line(const struct lcont_service_table *t,
                                                       uint32_t idx)
{
    struct hot_line *c =
        atomic_load_explicit(&t->hot_chunks[idx >> HOT_CHUNK_BITS], memory_order_acquire);
    return c ? &c[idx & ((1u << HOT_CHUNK_BITS) - 1)] : NULL;
}
/* Publish @n (NULL to empty the slot) in slot @idx, and rewrite its hot line. */
void lcont__service_snap_replace(struct lcont_service_table *t, uint32_t idx, struct snap *n);

/* arena.c */
void *lcont__arena_alloc(struct arena *a, size_t size);
void lcont__arena_free(struct arena *a, void *p, size_t size);
void lcont__arena_destroy(struct arena *a);

/* slots.c */
/* Inline: it is the first step of every pick. */
static inline struct svc_slot *lcont__service_svc_slot(const struct lcont_service_table *t,
                                                       uint32_t idx)
{
    if (idx >= SLOT_MAX)
        return NULL;
    struct svc_slot *c =
        atomic_load_explicit(&t->svc_chunks[idx >> SLOT_CHUNK_BITS], memory_order_acquire);
    return c ? &c[idx & (SLOT_CHUNK_SIZE - 1)] : NULL;
}
struct ep_slot *lcont__service_ep_slot(const struct lcont_service_table *t, uint32_t idx);
int lcont__service_svc_slot_alloc(struct lcont_service_table *t, uint32_t *ret);
void lcont__service_svc_slot_release(struct lcont_service_table *t, uint32_t idx);
int lcont__service_ep_slot_alloc(struct lcont_service_table *t, uint32_t *ret);
void lcont__service_ep_slot_release(struct lcont_service_table *t, uint32_t idx);
uint64_t lcont__service_new_id(struct lcont_service_table *t, uint32_t idx);
static inline uint32_t lcont__service_id_slot(uint64_t id)
{
    return (uint32_t)(id & 0xffffffffu);
}
void lcont__service_slots_free(struct lcont_service_table *t);

/* rhash.c */
int lcont__rhash_init(struct rhash *h, size_t buckets);
void lcont__rhash_destroy(struct rhash *h);
/* Lock-free: the caller is inside a read section (or is the writer). */
int lcont__rhash_get(const struct rhash *h, uint64_t hash, const void *key, uint32_t klen,
                     uint64_t *ret);
int lcont__rhash_put(struct lcont_service_table *t, struct rhash *h, uint64_t hash, const void *key,
                     uint32_t klen, uint64_t value);
int lcont__rhash_del(struct lcont_service_table *t, struct rhash *h, uint64_t hash, const void *key,
                     uint32_t klen);

/* keys for the indexes */
size_t lcont__service_name_key(const char *ns, const char *name, char *buf, size_t size);
#define VIP_KEY_LEN 20
void lcont__service_vip_key(const struct ipaddr *ip, uint32_t port, int protocol,
                            unsigned char out[VIP_KEY_LEN]);

/* addr.c */
int lcont__service_parse_ip(const char *s, struct ipaddr *ret);
int lcont__service_ip_from_sockaddr(const struct sockaddr *sa, struct ipaddr *ret,
                                    uint32_t *ret_port);

/* table.c */
void lcont__service_commit(struct lcont_service_table *t);
uint64_t lcont__service_now_ms(const struct lcont_service_table *t);
/* Test hook: fixed hash key (deterministic pickers); call before adding services. */
void lcont__service_table_set_key(lcont_service_table *t, uint64_t k0, uint64_t k1);
/* Test hook: replace the monotonic clock. */
void lcont__service_table_set_clock(lcont_service_table *t, uint64_t (*now_ms)(void *),
                                    void *userdata);
struct service *lcont__service_get(lcont_service_table *t, uint64_t id);
struct service *lcont__service_find(lcont_service_table *t, const char *ns, const char *name);

/* service.c */
int lcont__service_add_placeholder(lcont_service_table *t, const char *ns, const char *name,
                                   struct service **ret, lcont_error **reterr);
/*
 * Replace the endpoints that came from @source (all when NULL). New endpoints
 * record @ep_sources[i] when given, else @source.
 */
int lcont__service_replace_endpoints(lcont_service_table *t, struct service *s, const char *source,
                                     const lcont_endpoint_desc *eps, const char *const *ep_sources,
                                     size_t n, lcont_error **reterr);
int lcont__service_publish(lcont_service_table *t, struct service *s, lcont_error **reterr);

/* snapshot.c */
int lcont__service_snap_build(lcont_service_table *t, const struct service *s, struct snap **ret);
void lcont__service_snap_free(lcont_service_table *t, void *p);
/* Tagged pointer for svc_slot.snap. */
uintptr_t lcont__service_snap_tag(const struct snap *s);
/* The address hash Maglev and ring hash place an endpoint by. */
uint64_t lcont__service_backend_hash(const char *address);
const char *lcont__service_picker_name(int picker);
int lcont__service_picker_from_name(const char *s);

/* yaml.c: parse YAML (all documents) into a cJSON array of documents. */
struct cJSON;
int lcont__service_yaml_to_json(const char *text, size_t len, struct cJSON **ret,
                                lcont_error **reterr);

/* json.c: strict field readers; @what names the object in error messages. */
int lcont__sj_string(const struct cJSON *o, const char *key, bool required, const char *what,
                     const char **ret, lcont_error **reterr);
int lcont__sj_uint(const struct cJSON *o, const char *key, uint64_t max, const char *what,
                   uint32_t *ret, lcont_error **reterr);
/* Sets *ret to LCONT_SERVICE_COND_* (UNSET when absent or null) */
int lcont__sj_cond(const struct cJSON *o, const char *key, const char *what, int *ret,
                   lcont_error **reterr);
/* NULL-terminated array of borrowed strings (free the array only). */
int lcont__sj_strv(const struct cJSON *o, const char *key, size_t max, const char *what,
                   const char ***ret, lcont_error **reterr);
int lcont__sj_protocol(const struct cJSON *o, const char *key, const char *what, int *ret,
                       lcont_error **reterr);
int lcont__service_apply_json_obj(lcont_service_table *t, const struct cJSON *obj, uint64_t flags,
                                  uint64_t *ret_id, lcont_error **reterr);
#define SERVICE_JSON_MAX (64u << 20)

#endif
