/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lcont-gateway: shared types. A config is an immutable, refcounted snapshot; state that must
 * survive a reload (counters, endpoint health, connection pools) lives in the registry. */
#ifndef GW_H
#define GW_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define GW_MAX_WORKERS 64
#define GW_COALESCE_US_DEFAULT 100
#define GW_COALESCE_US_MAX 1000000
#define GW_HIST_BUCKETS 12
#define GW_ADDR_LEN 64
#define ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct cJSON;
struct ssl_ctx_st;

int64_t gw_now_ms(void);
int64_t gw_now_us(void);
void gw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "host:port" or "[v6]:port" to a socket address. */
int gw_parse_addr(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);
void gw_format_addr(const struct sockaddr *sa, char *buf, size_t len, bool with_port);
size_t gw_strv_len(char **v);
void gw_strv_free(char **v);
struct cJSON *gw_read_json_or_yaml(const char *path, char *err, size_t errlen);

/* ---- persistent state (registry.c): never freed while the program runs ---- */

/* One idle upstream connection kept for reuse, per worker. */
struct gw_upconn;
struct gw_pool {
    struct gw_upconn *head;
    int count;
};

struct gw_endpoint {
    char name[GW_ADDR_LEN]; /* "addr:port" */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    atomic_int healthy;              /* active health check verdict */
    atomic_int consecutive_failures; /* passive outlier detection */
    atomic_llong ejected_until_ms;
    atomic_llong picks;
    atomic_int active;         /* open upstream connections (pooled ones too) */
    atomic_int inflight;       /* HTTP requests / TCP connections using it now */
    atomic_ullong table_ep_id; /* id in the service table, 0 for static endpoints */
    /* owned by the health thread */
    int hc_ok_streak, hc_fail_streak;
    int64_t hc_next_ms;
    bool hc_inflight;
    struct gw_pool pools[GW_MAX_WORKERS];
};

struct gw_service_stats {
    char *name;
    atomic_llong requests, responses[6], retries, overflows, no_endpoint;
    atomic_llong upgrades; /* requests that became tunnels (101 Switching Protocols) */
    atomic_int tunnels;    /* of them, open now */
    atomic_llong hist[GW_HIST_BUCKETS + 1]; /* last one is +Inf */
    atomic_llong latency_sum_us;
    atomic_int active_requests, pending, connections, active_retries;
    atomic_ullong rr;
};

struct gw_route_stats {
    char *name;
    atomic_llong requests, rate_limited;
};

struct gw_listener_stats {
    char *name;
    atomic_llong accepted;
    atomic_int active;
};

struct gw_endpoint *gw_registry_endpoint(const char *service, const char *addr);
struct gw_service_stats *gw_registry_service(const char *name);
struct gw_route_stats *gw_registry_route(const char *name);
struct gw_listener_stats *gw_registry_listener(const char *name);
extern const double gw_hist_bounds[GW_HIST_BUCKETS];

/* ---- rate limiting (ratelimit.c) ---- */

struct gw_bucket {
    double tokens;
    int64_t last_us;
    uint64_t key; /* client address hash, 0 for the route bucket */
};

struct gw_limiter {
    pthread_mutex_t lock;
    double rate, burst;               /* per route; rate 0 = unlimited */
    double client_rate, client_burst; /* per client IP; 0 = unlimited */
    struct gw_bucket route;
    struct gw_bucket *clients; /* open-addressed by hash, collisions overwrite */
    size_t n_clients;
};

int gw_limiter_init(struct gw_limiter *l, double rate, double burst, double client_rate,
                    double client_burst);
void gw_limiter_done(struct gw_limiter *l);
/* true when the request may pass. */
bool gw_limiter_allow(struct gw_limiter *l, const struct sockaddr *client);

/* ---- configuration (config.c, yaml.c) ---- */

enum gw_picker {
    GW_PICK_RR = 0,
    GW_PICK_RANDOM = 1,
    GW_PICK_LEAST = 2,
};

struct gw_service {
    char *name;
    struct gw_service_stats *stats;
    struct gw_endpoint **eps;
    int *weights; /* per endpoint, 1..100 */
    size_t n_eps;
    uint16_t *wseq; /* smooth weighted round robin order of eps indexes; NULL = all weight 1 */
    size_t n_wseq;
    enum gw_picker picker;
    int connect_timeout_ms, response_timeout_ms;
    /* active health checks: type "" (off), "tcp" or "http" */
    char hc_type[8];
    char *hc_path;
    int hc_interval_ms, hc_timeout_ms, hc_expect, hc_healthy, hc_unhealthy;
    /* passive ejection */
    int outlier_failures, outlier_eject_ms;
    /* retries */
    int retry_attempts, retry_budget_percent, retry_min_concurrent;
    bool retry_5xx;
    bool retry_timeout;    /* an attempt without a response head by response_timeout_ms */
    size_t retry_body_max; /* request bodies up to this size are kept for a replay */
    /* circuit breaking (0 = unlimited) */
    int max_connections, max_pending, max_requests;
    /* table file source */
    char *table_file, *table_service, *table_port;
    uint64_t table_id;          /* service id in the process's lcont service table */
    uint32_t table_port_number; /* table_port as a number when that is unambiguous, else 0 */
};

struct gw_header_match {
    char *name, *value; /* value NULL = present */
};

struct gw_route {
    char *name;
    char *host; /* NULL = any; "*.x" suffix match */
    char *path_prefix;
    struct gw_header_match *headers;
    size_t n_headers;
    struct gw_service *service;
    struct gw_route_stats *stats;
    struct gw_limiter limiter;
    bool has_limiter;
};

struct gw_tls_cert {
    char **names; /* SNI names this cert serves */
    struct ssl_ctx_st *ctx;
};

enum gw_proto {
    GW_PROTO_TCP = 0,
    GW_PROTO_HTTP = 1,
};

struct gw_listener {
    char *name;
    char addr_key[GW_ADDR_LEN];
    struct sockaddr_storage addr;
    socklen_t addrlen;
    enum gw_proto proto;
    struct gw_service *service; /* tcp */
    struct gw_route *routes;    /* http */
    size_t n_routes;
    struct gw_tls_cert *certs;
    size_t n_certs;
    struct gw_listener_stats *stats;
    int client_timeout_ms, idle_timeout_ms;
    int tunnel_timeout_ms; /* http: an upgraded connection idle both ways this long closes */
    size_t max_header_bytes, max_headers;
    int pipe_size; /* tcp: splice pipe capacity */
};

struct gw_config {
    atomic_int refs;
    int workers;
    char *admin_addr;
    char *access_log; /* NULL/"off": none, "-": stdout, else a file path */
    int drain_timeout_ms;
    int coalesce_us;     /* longest wait before epoll_wait under load (coalesce.h), 0: never */
    int kept_bodies_max; /* per worker: request bodies kept for replays, in bytes */
    struct gw_service *services;
    size_t n_services;
    struct gw_listener *listeners;
    size_t n_listeners;
    char **watch_files; /* table files to watch */
    struct cJSON *json;
};

int gw_config_load(const char *path, struct gw_config **ret, char *err, size_t errlen);
struct gw_config *gw_config_ref(struct gw_config *c);
void gw_config_unref(struct gw_config *c);
struct gw_service *gw_config_service(struct gw_config *c, const char *name);
/* YAML text to a cJSON tree (yaml.c). */
struct cJSON *gw_yaml_to_json(const char *text, size_t len, char *err, size_t errlen);

/* ---- TLS (tls.c) ---- */
int gw_tls_load(struct gw_listener *l, struct cJSON *tls, char *err, size_t errlen);
void gw_tls_free(struct gw_listener *l);
/* A server-side TLS session on @fd for listener @l (SNI picks the certificate). */
struct ssl_st *gw_tls_new(struct gw_listener *l, int fd);

/* ---- upstream selection (upstream.c) ---- */

/* An endpoint is usable when healthy and not ejected. Returns NULL when none is. @avoid is an
 * endpoint tried before in this request (skipped unless it is the only one). */
struct gw_endpoint *gw_upstream_pick(struct gw_service *s, const struct sockaddr *client,
                                     struct gw_endpoint *avoid);
bool gw_endpoint_usable(struct gw_endpoint *e, int64_t now_ms);
void gw_upstream_report(struct gw_service *s, struct gw_endpoint *e, bool ok);
/* Retry budget: take one retry token or return false. */
bool gw_retry_acquire(struct gw_service *s);
void gw_retry_release(struct gw_service *s);

/* ---- process-wide state ---- */

struct gw_worker;

struct gw_global {
    pthread_mutex_t cfg_lock;
    struct gw_config *cfg;
    int n_workers;
    struct gw_worker *workers[GW_MAX_WORKERS];
    atomic_int log_fd; /* access log, -1 = off; its number never changes while on */
    atomic_int stopping;
    atomic_llong reloads, reload_failures;
};

extern struct gw_global gw;

/* current config with a new reference */
struct gw_config *gw_current_config(void);

/* ---- workers (loop.c) ---- */
int gw_worker_start(int id, char *err, size_t errlen);
void gw_worker_notify(struct gw_worker *w);
void gw_worker_join(struct gw_worker *w);
/* how often the worker waited for a larger epoll batch (coalesce.h) */
long long gw_worker_coalesce_waits(struct gw_worker *w);

/* health.c, admin.c */
int gw_health_start(void);
int gw_admin_start(const char *addr, char *err, size_t errlen);
void gw_access_log(const char *line, size_t len);

#endif
