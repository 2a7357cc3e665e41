/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table API: ids, lookups, generations, notification, validation, selectors. */
#include <poll.h>
#include <unistd.h>

#include "service-test.h"

static void test_service_table_lookup(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    static const char *const vips[] = { "10.96.0.10", "fd00::10", NULL };
    lcont_service_port ports[2] = {
        { .name = "dns", .protocol = LCONT_SERVICE_PROTO_UDP, .port = 53 },
        { .name = "dns-tcp", .port = 53 }
    };
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    d.ns = "kube-system";
    d.name = "kube-dns";
    d.vips = vips;
    d.ports = ports;
    d.n_ports = 2;
    uint64_t id, got;
    T_OK(lcont_service_add(t, &d, 0, &id, &_e));
    assert_true(id != 0);
    assert_int_equal(lcont_service_lookup(t, "kube-system", "kube-dns", &got), 0);
    assert_int_equal(got, id);
    assert_int_equal(lcont_service_lookup(t, NULL, "kube-dns", &got), -ENOENT);
    assert_int_equal(lcont_service_table_get_size(t), 1);

    struct sockaddr_in v4 = test_sin("10.96.0.10", 53);
    assert_int_equal(
        lcont_service_lookup_vip(t, (struct sockaddr *)&v4, LCONT_SERVICE_PROTO_UDP, &got), 0);
    assert_int_equal(got, id);
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&v4, 0, &got), 0);
    assert_int_equal(
        lcont_service_lookup_vip(t, (struct sockaddr *)&v4, LCONT_SERVICE_PROTO_SCTP, &got),
        -ENOENT);
    v4.sin_port = htons(54);
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&v4, 0, &got), -ENOENT);
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(53) };
    inet_pton(AF_INET6, "fd00::10", &v6.sin6_addr);
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&v6, 0, &got), 0);
    /* v4-mapped v6 (dual-stack listeners) is the v4 VIP */
    inet_pton(AF_INET6, "::ffff:10.96.0.10", &v6.sin6_addr);
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&v6, 0, &got), 0);
    assert_int_equal(got, id);

    /* A second service cannot take the same VIP:port/protocol. */
    lcont_service_desc d2 = d;
    d2.name = "other";
    lcont_error *e = NULL;
    assert_int_equal(lcont_service_add(t, &d2, 0, NULL, &e), -EEXIST);
    assert_non_null(strstr(lcont_error_message(e), "used by another service"));
    lcont_error_free(e);

    /* Replace: new VIP indexed, old one gone, same id. */
    static const char *const vips2[] = { "10.96.0.11", NULL };
    d.vips = vips2;
    T_OK(lcont_service_add(t, &d, 0, &got, &_e));
    assert_int_equal(got, id);
    v4 = test_sin("10.96.0.10", 53);
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&v4, 0, &got), -ENOENT);
    v4 = test_sin("10.96.0.11", 53);
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&v4, 0, &got), 0);
    assert_int_equal(lcont_service_add(t, &d, LCONT_SERVICE_ADD_NO_REPLACE, NULL, NULL), -EEXIST);

    T_OK(lcont_service_remove(t, id, 0, &_e));
    assert_int_equal(lcont_service_lookup(t, "kube-system", "kube-dns", &got), -ENOENT);
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&v4, 0, &got), -ENOENT);
    assert_int_equal(lcont_service_remove(t, id, 0, NULL), -ENOENT);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), -ENOENT);

    /* A new service reusing the slot gets a different id; the stale id stays dead. */
    uint64_t id2 = test_service(t, "reuse", 0, 0, 0);
    assert_true(id2 != id);
    assert_int_equal(lcont__service_id_slot(id2), lcont__service_id_slot(id));
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), -ENOENT);
    uint64_t gen;
    assert_int_equal(lcont_service_get_generation(t, id, &gen), -ENOENT);
    lcont_service_table_unref(t);
}

static void test_service_table_node_port(void **state)
{
    lcont_service_table *t = test_table("n1", NULL);
    lcont_service_port port = {
        .name = "http", .port = 80, .target_port = 8080, .node_port = 30080
    };
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    d.name = "np";
    d.ports = &port;
    d.n_ports = 1;
    d.type = LCONT_SERVICE_TYPE_NODE_PORT;
    d.external_traffic_policy = LCONT_SERVICE_TRAFFIC_LOCAL;
    uint64_t id, got;
    T_OK(lcont_service_add(t, &d, 0, &id, &_e));
    lcont_endpoint_desc eps[2] = { test_ep("10.0.0.1"), test_ep("10.0.0.2") };
    eps[0].node = "n1";
    eps[1].node = "n2";
    T_OK(lcont_service_set_endpoints(t, id, eps, 2, 0, &_e));
    /* Any local address with the node port finds it. */
    struct sockaddr_in any = test_sin("192.168.5.5", 30080);
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&any, 0, &got), 0);
    assert_int_equal(got, id);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    char buf[64];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(
            lcont_service_pick(t, id, NULL, 30080, NULL, 0, LCONT_SERVICE_PICK_EXTERNAL, &p), 0);
        assert_string_equal(pick_addr(&p, buf, sizeof(buf)), "10.0.0.1");
    }
    /* the node port is not a service port for internal traffic */
    assert_int_equal(lcont_service_pick(t, id, NULL, 30080, NULL, 0, 0, &p), -ENOENT);

    /* Another service cannot take the node port; a ClusterIP one does not claim it. */
    d.name = "np2";
    assert_int_equal(lcont_service_add(t, &d, 0, NULL, NULL), -EEXIST);
    d.type = LCONT_SERVICE_TYPE_CLUSTER_IP;
    assert_int_equal(lcont_service_add(t, &d, 0, NULL, NULL), 0);
    T_OK(lcont_service_remove(t, id, 0, &_e));
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&any, 0, &got), -ENOENT);
    lcont_service_table_unref(t);
}

/* Many services: index growth keeps every name findable. */
static void test_service_table_many(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    enum {
        N = 5000
    };
    uint64_t *ids = calloc(N, sizeof(uint64_t));
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "svc-%d", i);
        ids[i] = test_service(t, name, 0, 0, 0);
    }
    for (int i = 0; i < N; i += 2) {
        T_OK(lcont_service_remove(t, ids[i], 0, &_e));
    }
    for (int i = 0; i < N; i++) {
        uint64_t got;
        snprintf(name, sizeof(name), "svc-%d", i);
        int r = lcont_service_lookup(t, NULL, name, &got);
        if (i % 2) {
            assert_int_equal(r, 0);
            assert_int_equal(got, ids[i]);
        } else {
            assert_int_equal(r, -ENOENT);
        }
    }
    assert_int_equal(lcont_service_table_get_size(t), N / 2);
    /* Nothing is being read: everything retired is freed. */
    assert_int_equal(lcont_service_table_reclaim(t), 0);
    free(ids);
    lcont_service_table_unref(t);
}

static void test_service_table_generation_notify(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    int fd = lcont_service_table_get_notify_fd(t);
    assert_true(fd >= 0);
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    assert_int_equal(poll(&pfd, 1, 0), 0);
    uint64_t g0 = lcont_service_table_get_generation(t);
    uint64_t id = test_service(t, "svc", 0, 0, 0);
    uint64_t g1 = lcont_service_table_get_generation(t);
    assert_true(g1 > g0);
    assert_int_equal(poll(&pfd, 1, 0), 1);
    uint64_t v;
    assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
    assert_int_equal(poll(&pfd, 1, 0), 0);

    lcont_endpoint_desc ep = test_ep("10.0.0.1");
    uint64_t ep_id, ep_id2;
    T_OK(lcont_service_upsert_endpoint(t, id, &ep, 0, &ep_id, &_e));
    uint64_t g2 = lcont_service_table_get_generation(t), sg;
    assert_true(g2 > g1);
    assert_int_equal(lcont_service_get_generation(t, id, &sg), 0);
    assert_int_equal(sg, g2);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
    assert_int_equal(p.generation, g2);
    assert_int_equal(p.endpoint_id, ep_id);
    assert_int_equal(p.family, AF_INET);
    assert_int_equal(p.sockaddr_len, sizeof(struct sockaddr_in));
    assert_int_equal(ntohs(((struct sockaddr_in *)(void *)p.sockaddr)->sin_port), 8080);

    /* An unrelated service's change leaves this snapshot alone. */
    uint64_t other = test_service(t, "other", 0, 0, 0);
    assert_int_equal(lcont_service_get_generation(t, id, &sg), 0);
    assert_int_equal(sg, g2);
    assert_true(lcont_service_table_get_generation(t) > g2);
    (void)other;

    /* Endpoint ids survive updates of the same address and set_endpoints. */
    ep.weight = 5;
    T_OK(lcont_service_upsert_endpoint(t, id, &ep, 0, &ep_id2, &_e));
    assert_int_equal(ep_id2, ep_id);
    lcont_endpoint_desc eps[2] = { test_ep("10.0.0.2"), test_ep("10.0.0.1") };
    T_OK(lcont_service_set_endpoints(t, id, eps, 2, 0, &_e));
    T_OK(lcont_service_upsert_endpoint(t, id, &ep, 0, &ep_id2, &_e));
    assert_int_equal(ep_id2, ep_id);
    assert_int_equal(lcont_service_conn_open(t, ep_id), 0);
    T_OK(lcont_service_remove_endpoint(t, id, "10.0.0.1", 0, &_e));
    assert_int_equal(lcont_service_remove_endpoint(t, id, "10.0.0.1", 0, NULL), -ENOENT);
    /* the removed endpoint's id is dead at once */
    assert_int_equal(lcont_service_conn_close(t, ep_id), -ENOENT);
    lcont_service_table_unref(t);
}

static void test_service_table_validation(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    lcont_service_port port = { .name = "http", .port = 80 };
    static const char *const badvip[] = { "10.0.0.300", NULL };
    lcont_service_desc good = LCONT_SERVICE_DESC_INIT;
    good.name = "svc";
    good.ports = &port;
    good.n_ports = 1;
    lcont_service_desc d;
    lcont_error *e = NULL;

#define EXPECT_BAD(mutation, needle)                                             \
    do {                                                                         \
        d = good;                                                                \
        mutation;                                                                \
        e = NULL;                                                                \
        assert_int_equal(lcont_service_add(t, &d, 0, NULL, &e), -EINVAL);        \
        if (!strstr(lcont_error_message(e), needle))                             \
            fail_msg("message '%s' lacks '%s'", lcont_error_message(e), needle); \
        lcont_error_free(e);                                                     \
    } while (0)

    EXPECT_BAD(d.name = NULL, "name");
    EXPECT_BAD(d.name = "a/b", "name");
    EXPECT_BAD(d.vips = badvip, "vips[0]");
    EXPECT_BAD(d.picker = 42, "picker");
    EXPECT_BAD(d.maglev_size = 65536, "maglev_size");
    EXPECT_BAD(d.selector = "app in (a", "selector");
    EXPECT_BAD(port.port = 0, "ports[0].port");
    port.port = 80;
    EXPECT_BAD(port.protocol = 7, "ports[0].protocol");
    port.protocol = 0;
    static const char *const onevip[] = { "10.0.0.1", NULL };
    EXPECT_BAD(d.headless = 1; d.vips = onevip, "headless");
    EXPECT_BAD(d.internal_traffic_policy = 2, "traffic policy");

    /* struct_size: too small is EINVAL, larger with non-zero tail is E2BIG. */
    d = good;
    d.struct_size = 8;
    assert_int_equal(lcont_service_add(t, &d, 0, NULL, NULL), -EINVAL);
    struct {
        lcont_service_desc d;
        uint64_t extra;
    } big = { good, 1 };
    big.d.struct_size = sizeof(big);
    assert_int_equal(lcont_service_add(t, &big.d, 0, NULL, NULL), -E2BIG);
    big.extra = 0;
    assert_int_equal(lcont_service_add(t, &big.d, 0, NULL, NULL), 0);
    assert_int_equal(lcont_service_add(t, &good, 1ULL << 40, NULL, NULL), -EINVAL);

    uint64_t id;
    assert_int_equal(lcont_service_lookup(t, NULL, "svc", &id), 0);
    lcont_endpoint_desc ep = test_ep("not-an-ip");
    e = NULL;
    assert_int_equal(lcont_service_upsert_endpoint(t, id, &ep, 0, NULL, &e), -EINVAL);
    assert_non_null(strstr(lcont_error_message(e), "address"));
    lcont_error_free(e);
    ep = test_ep("10.0.0.1");
    ep.weight = 70000;
    assert_int_equal(lcont_service_upsert_endpoint(t, id, &ep, 0, NULL, NULL), -EINVAL);
    ep.weight = 0;
    ep.ready = 3;
    assert_int_equal(lcont_service_upsert_endpoint(t, id, &ep, 0, NULL, NULL), -EINVAL);
    /* A bad endpoint in a list leaves the old list in place. */
    lcont_endpoint_desc list[2] = { test_ep("10.0.0.1"), test_ep("bad") };
    T_OK(lcont_service_set_endpoints(t, id, list, 1, 0, &_e));
    assert_int_equal(lcont_service_set_endpoints(t, id, list, 2, 0, NULL), -EINVAL);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
    p.struct_size = 8;
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), -EINVAL);
    lcont_service_table_unref(t);
}

static void test_service_selector(void **state)
{
    static const char *const labels[] = { "app=web", "tier=front", "env=prod", NULL };
    struct {
        const char *sel;
        int want;
    } cases[] = {
        { "", 1 },
        { "app=web", 1 },
        { "app==web", 1 },
        { "app=db", 0 },
        { "app!=db", 1 },
        { "app!=web", 0 },
        { "missing!=x", 1 },
        { "app=web,tier=front", 1 },
        { "app=web, tier=back", 0 },
        { "tier in (front, back)", 1 },
        { "tier notin (front,back)", 0 },
        { "env notin (dev)", 1 },
        { "missing in (a)", 0 },
        { "missing notin (a)", 1 },
        { "app", 1 },
        { "!app", 0 },
        { "!legacy", 1 },
        { "app=web,!legacy,tier in (front)", 1 },
        { "app in (a", -EINVAL },
        { "=x", -EINVAL },
        { "app=web,", -EINVAL },
        { "app ~ x", -EINVAL },
        { "tier is (front)", -EINVAL },
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        int r = lcont_service_selector_matches(cases[i].sel, labels, NULL);
        if (r != cases[i].want)
            fail_msg("selector '%s' = %d, want %d", cases[i].sel, r, cases[i].want);
    }
}

static void test_service_flow_hash(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    struct sockaddr_in a = test_sin("10.0.0.1", 1000), b = test_sin("10.0.0.2", 80);
    uint64_t h1 = lcont_service_flow_hash(t, (struct sockaddr *)&a, (struct sockaddr *)&b, 6);
    uint64_t h2 = lcont_service_flow_hash(t, (struct sockaddr *)&a, (struct sockaddr *)&b, 6);
    assert_true(h1 != 0);
    assert_int_equal(h1, h2);
    a.sin_port = htons(1001);
    assert_true(lcont_service_flow_hash(t, (struct sockaddr *)&a, (struct sockaddr *)&b, 6) != h1);
    assert_true(lcont_service_flow_hash(t, (struct sockaddr *)&a, (struct sockaddr *)&b, 17) !=
                lcont_service_flow_hash(t, (struct sockaddr *)&a, (struct sockaddr *)&b, 6));
    /* SipHash-1-3 known answers: CPython 3.11 hash(bytes) with PYTHONHASHSEED=0 (key 0). */
    struct lcont_hash_key k = { 0, 0 };
    assert_int_equal(lcont__siphash13(&k, "abcdefgh", 8), 4574395652268504554ULL);
    assert_int_equal(lcont__siphash13(&k, "hello world, longer than sixteen", 32),
                     14792164240862944869ULL);
    lcont_service_table_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_table_lookup),
        cmocka_unit_test(test_service_table_node_port),
        cmocka_unit_test(test_service_table_many),
        cmocka_unit_test(test_service_table_generation_notify),
        cmocka_unit_test(test_service_table_validation),
        cmocka_unit_test(test_service_selector),
        cmocka_unit_test(test_service_flow_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
