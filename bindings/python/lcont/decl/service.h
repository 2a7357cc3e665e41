/* cffi declarations for <lcont/service.h>. */
struct sockaddr;
typedef struct lcont_service_table lcont_service_table;

#define LCONT_SERVICE_PROTO_TCP ...
#define LCONT_SERVICE_PROTO_UDP ...
#define LCONT_SERVICE_PROTO_SCTP ...
#define LCONT_SERVICE_TYPE_CLUSTER_IP ...
#define LCONT_SERVICE_TYPE_NODE_PORT ...
#define LCONT_SERVICE_TYPE_LOAD_BALANCER ...
#define LCONT_SERVICE_PICKER_ROUND_ROBIN ...
#define LCONT_SERVICE_PICKER_WEIGHTED_RR ...
#define LCONT_SERVICE_PICKER_RANDOM ...
#define LCONT_SERVICE_PICKER_LEAST_CONN ...
#define LCONT_SERVICE_PICKER_MAGLEV ...
#define LCONT_SERVICE_PICKER_RING_HASH ...
#define LCONT_SERVICE_TRAFFIC_CLUSTER ...
#define LCONT_SERVICE_TRAFFIC_LOCAL ...
#define LCONT_SERVICE_DISTRIBUTION_DEFAULT ...
#define LCONT_SERVICE_DISTRIBUTION_PREFER_CLOSE ...
#define LCONT_SERVICE_AFFINITY_NONE ...
#define LCONT_SERVICE_AFFINITY_CLIENT_IP ...
#define LCONT_SERVICE_COND_UNSET ...
#define LCONT_SERVICE_COND_FALSE ...
#define LCONT_SERVICE_COND_TRUE ...
#define LCONT_SERVICE_MAGLEV_DEFAULT_SIZE ...
#define LCONT_SERVICE_AFFINITY_DEFAULT_TIMEOUT ...

typedef struct lcont_service_port {
    const char *name;
    int protocol;
    uint32_t port;
    uint32_t target_port;
    const char *target_port_name;
    uint32_t node_port;
    ...;
} lcont_service_port;

typedef struct lcont_service_desc {
    uint64_t struct_size;
    const char *ns;
    const char *name;
    const char *const *vips;
    const lcont_service_port *ports;
    size_t n_ports;
    const char *selector;
    int type;
    int headless;
    int picker;
    uint32_t maglev_size;
    int affinity;
    uint32_t affinity_timeout;
    int internal_traffic_policy;
    int external_traffic_policy;
    int traffic_distribution;
    int publish_not_ready;
    uint32_t affinity_capacity;
    ...;
} lcont_service_desc;

int lcont_service_desc_init(lcont_service_desc *desc, size_t size);

typedef struct lcont_endpoint_port {
    const char *name;
    int protocol;
    uint32_t port;
    ...;
} lcont_endpoint_port;

typedef struct lcont_endpoint_desc {
    uint64_t struct_size;
    const char *address;
    const lcont_endpoint_port *ports;
    size_t n_ports;
    int ready;
    int serving;
    int terminating;
    const char *node;
    const char *zone;
    const char *const *hint_zones;
    const char *const *hint_nodes;
    const char *target_ref;
    uint32_t weight;
    ...;
} lcont_endpoint_desc;

int lcont_endpoint_desc_init(lcont_endpoint_desc *desc, size_t size);

typedef struct lcont_endpoint_pick {
    uint64_t struct_size;
    uint64_t endpoint_id;
    uint64_t generation;
    uint32_t sockaddr_len;
    uint32_t port;
    int family;
    int reserved;
    uint64_t sockaddr[4];
    ...;
} lcont_endpoint_pick;

int lcont_service_table_new(uint64_t flags, lcont_service_table **ret, lcont_error **reterr);
lcont_service_table *lcont_service_table_ref(lcont_service_table *t);
lcont_service_table *lcont_service_table_unref(lcont_service_table *t);
int lcont_service_table_set_host(lcont_service_table *t, const char *node, const char *zone,
                                 lcont_error **reterr);
uint64_t lcont_service_table_get_generation(const lcont_service_table *t);
int lcont_service_table_get_notify_fd(const lcont_service_table *t);
int lcont_service_table_reclaim(lcont_service_table *t);
size_t lcont_service_table_get_size(const lcont_service_table *t);

#define LCONT_SERVICE_ADD_NO_REPLACE ...

int lcont_service_add(lcont_service_table *t, const lcont_service_desc *desc, uint64_t flags,
                      uint64_t *ret_id, lcont_error **reterr);
int lcont_service_add_json(lcont_service_table *t, const char *json, uint64_t flags,
                           uint64_t *ret_id, lcont_error **reterr);
int lcont_service_remove(lcont_service_table *t, uint64_t service_id, uint64_t flags,
                         lcont_error **reterr);
int lcont_service_lookup(const lcont_service_table *t, const char *ns, const char *name,
                         uint64_t *ret_id);
int lcont_service_lookup_vip(const lcont_service_table *t, const struct sockaddr *vip, int protocol,
                             uint64_t *ret_id);
int lcont_service_get_generation(const lcont_service_table *t, uint64_t service_id, uint64_t *ret);
int lcont_service_set_endpoints(lcont_service_table *t, uint64_t service_id,
                                const lcont_endpoint_desc *eps, size_t n_eps, uint64_t flags,
                                lcont_error **reterr);
int lcont_service_upsert_endpoint(lcont_service_table *t, uint64_t service_id,
                                  const lcont_endpoint_desc *ep, uint64_t flags,
                                  uint64_t *ret_endpoint_id, lcont_error **reterr);
int lcont_service_remove_endpoint(lcont_service_table *t, uint64_t service_id, const char *address,
                                  uint64_t flags, lcont_error **reterr);

#define LCONT_SERVICE_PICK_EXTERNAL ...

int lcont_service_pick(const lcont_service_table *t, uint64_t service_id, const char *port_name,
                       uint32_t port, const struct sockaddr *client, uint64_t flow_hash,
                       uint64_t flags, lcont_endpoint_pick *out);
uint64_t lcont_service_flow_hash(const lcont_service_table *t, const struct sockaddr *src,
                                 const struct sockaddr *dst, int protocol);
int lcont_service_conn_open(const lcont_service_table *t, uint64_t endpoint_id);
int lcont_service_conn_close(const lcont_service_table *t, uint64_t endpoint_id);
int lcont_service_table_save_json(lcont_service_table *t, uint64_t flags, char **ret,
                                  lcont_error **reterr);

#define LCONT_SERVICE_LOAD_REPLACE ...

int lcont_service_table_load_json(lcont_service_table *t, const char *json, uint64_t flags,
                                  lcont_error **reterr);
int lcont_service_table_apply_k8s(lcont_service_table *t, const char *text, size_t len,
                                  uint64_t flags, lcont_error **reterr);
int lcont_service_selector_matches(const char *selector, const char *const *labels,
                                   lcont_error **reterr);
