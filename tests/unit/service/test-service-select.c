/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Endpoint selection, one named case per kube-proxy rule: which endpoints a
 * service may route to for Cluster and Local traffic, topology hints, the
 * terminating fallback, publishNotReadyAddresses, reject vs drop.
 */
#include "service-test.h"

#define U LCONT_SERVICE_COND_UNSET
#define F LCONT_SERVICE_COND_FALSE
#define T LCONT_SERVICE_COND_TRUE
#define CL LCONT_SERVICE_TRAFFIC_CLUSTER
#define LO LCONT_SERVICE_TRAFFIC_LOCAL

struct ep_spec {
    const char *addr;
    int ready, serving, terminating;
    const char *node, *zone;
    const char *hint_zone, *hint_node;
};

struct sel_case {
    const char *name;
    int itp, etp, pnr, headless;
    uint64_t flags;
    struct ep_spec eps[6];
    int want_err;
    const char *want[6]; /* exact set of endpoints picked */
};

/* This host: node n1 in zone z1. */
static const struct sel_case cases[] = {
    { "cluster uses ready endpoints",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U }, { "10.0.0.2", F, F, U } },
      0,
      { "10.0.0.1" } },
    { "unset conditions mean ready",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", U, U, U }, { "10.0.0.2", U, U, U } },
      0,
      { "10.0.0.1", "10.0.0.2" } },
    { "not ready is excluded",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", F, U, U }, { "10.0.0.2", T, U, U } },
      0,
      { "10.0.0.2" } },
    { "ready wins over serving+terminating",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, T, F }, { "10.0.0.2", F, T, T } },
      0,
      { "10.0.0.1" } },
    { "no ready: fall back to serving+terminating",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", F, T, T }, { "10.0.0.2", F, F, T }, { "10.0.0.3", F, U, U } },
      0,
      { "10.0.0.1" } },
    { "unset serving follows ready (false): no fallback",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", F, U, T } },
      -ECONNREFUSED,
      { NULL } },
    { "serving but not terminating is no fallback",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", F, T, F } },
      -ECONNREFUSED,
      { NULL } },
    { "no endpoints rejects", CL, CL, 0, 0, 0, { { NULL } }, -ECONNREFUSED, { NULL } },
    { "zone hints used when all ready have hints and one matches",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U, "n2", "z1", "z1" }, { "10.0.0.2", T, U, U, "n3", "z2", "z2" } },
      0,
      { "10.0.0.1" } },
    { "hints ignored when one ready endpoint has none",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U, "n2", "z1", "z1" }, { "10.0.0.2", T, U, U, "n3", "z2" } },
      0,
      { "10.0.0.1", "10.0.0.2" } },
    { "hints ignored when none matches this zone",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U, "n2", "z2", "z2" }, { "10.0.0.2", T, U, U, "n3", "z3", "z3" } },
      0,
      { "10.0.0.1", "10.0.0.2" } },
    { "hints of not-ready endpoints do not matter",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U, "n2", "z1", "z1" }, { "10.0.0.2", F, F, U, "n3", "z2" } },
      0,
      { "10.0.0.1" } },
    { "node hints preferred over zone hints",
      CL,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U, "n1", "z1", "z1", "n1" },
        { "10.0.0.2", T, U, U, "n2", "z1", "z1", "n2" } },
      0,
      { "10.0.0.1" } },
    { "local uses ready endpoints on this node",
      LO,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U, "n1" }, { "10.0.0.2", T, U, U, "n2" } },
      0,
      { "10.0.0.1" } },
    { "local falls back to local serving+terminating",
      LO,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", F, T, T, "n1" }, { "10.0.0.2", T, U, U, "n2" } },
      0,
      { "10.0.0.1" } },
    { "local ignores topology hints",
      LO,
      CL,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U, "n1", "z2", "z2" }, { "10.0.0.2", T, U, U, "n2", "z1", "z1" } },
      0,
      { "10.0.0.1" } },
    { "local with only remote endpoints drops",
      LO,
      CL,
      0,
      0,
      0,
      { { "10.0.0.2", T, U, U, "n2" } },
      -EHOSTUNREACH,
      { NULL } },
    { "local with no endpoints at all rejects",
      LO,
      CL,
      0,
      0,
      0,
      { { NULL } },
      -ECONNREFUSED,
      { NULL } },
    { "external traffic follows externalTrafficPolicy",
      CL,
      LO,
      0,
      0,
      LCONT_SERVICE_PICK_EXTERNAL,
      { { "10.0.0.1", T, U, U, "n1" }, { "10.0.0.2", T, U, U, "n2" } },
      0,
      { "10.0.0.1" } },
    { "internal traffic ignores externalTrafficPolicy",
      CL,
      LO,
      0,
      0,
      0,
      { { "10.0.0.1", T, U, U, "n1" }, { "10.0.0.2", T, U, U, "n2" } },
      0,
      { "10.0.0.1", "10.0.0.2" } },
    { "publishNotReadyAddresses counts every endpoint as ready",
      CL,
      CL,
      1,
      0,
      0,
      { { "10.0.0.1", F, F, U }, { "10.0.0.2", T, U, U } },
      0,
      { "10.0.0.1", "10.0.0.2" } },
    { "headless services are not picked",
      CL,
      CL,
      0,
      1,
      0,
      { { "10.0.0.1", T, U, U } },
      -EOPNOTSUPP,
      { NULL } },
};

static void run_case(const struct sel_case *c)
{
    lcont_service_table *t = test_table("n1", "z1");
    lcont_service_port port = { .name = "http", .port = 80, .target_port = 8080 };
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    d.name = "svc";
    d.ports = &port;
    d.n_ports = 1;
    d.internal_traffic_policy = c->itp;
    d.external_traffic_policy = c->etp;
    d.publish_not_ready = c->pnr;
    d.headless = c->headless;
    uint64_t id;
    T_OK(lcont_service_add(t, &d, 0, &id, &_e));

    lcont_endpoint_desc eps[6];
    const char *hz[6][2] = { { NULL } }, *hn[6][2] = { { NULL } };
    size_t n = 0;
    for (; n < 6 && c->eps[n].addr; n++) {
        const struct ep_spec *s = &c->eps[n];
        eps[n] = test_ep(s->addr);
        eps[n].ready = s->ready;
        eps[n].serving = s->serving;
        eps[n].terminating = s->terminating;
        eps[n].node = s->node;
        eps[n].zone = s->zone;
        hz[n][0] = s->hint_zone;
        hn[n][0] = s->hint_node;
        eps[n].hint_zones = s->hint_zone ? hz[n] : NULL;
        eps[n].hint_nodes = s->hint_node ? hn[n] : NULL;
    }
    T_OK(lcont_service_set_endpoints(t, id, eps, n, 0, &_e));

    bool seen[6] = { false };
    for (int i = 0; i < 60; i++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        char buf[64];
        int r = lcont_service_pick(t, id, NULL, 0, NULL, (uint64_t)i * 0x9e3779b97f4a7c15ULL,
                                   c->flags, &p);
        if (c->want_err) {
            if (r != c->want_err)
                fail_msg("%s: pick = %d, want %d", c->name, r, c->want_err);
            continue;
        }
        if (r != 0)
            fail_msg("%s: pick = %d", c->name, r);
        assert_int_equal(p.port, 8080);
        pick_addr(&p, buf, sizeof(buf));
        size_t k = 0;
        while (k < 6 && c->want[k] && strcmp(c->want[k], buf) != 0)
            k++;
        if (k == 6 || !c->want[k])
            fail_msg("%s: picked %s, not in the expected set", c->name, buf);
        seen[k] = true;
    }
    for (size_t k = 0; !c->want_err && k < 6 && c->want[k]; k++)
        if (!seen[k])
            fail_msg("%s: %s never picked", c->name, c->want[k]);
    lcont_service_table_unref(t);
}

static void test_service_selection_rules(void **state)
{
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        print_message("[ CASE     ] %s\n", cases[i].name);
        run_case(&cases[i]);
    }
}

/* Named ports: the endpoint port named like the service port (or its targetPort name). */
static void test_service_named_ports(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    lcont_service_port ports[2] = {
        { .name = "http", .port = 80, .target_port_name = "web" },
        { .name = "metrics", .port = 9090 },
    };
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    d.name = "svc";
    d.ports = ports;
    d.n_ports = 2;
    uint64_t id;
    T_OK(lcont_service_add(t, &d, 0, &id, &_e));
    lcont_endpoint_port a_ports[2] = { { "web", 0, 8000 }, { "metrics", 0, 9100 } };
    lcont_endpoint_port b_ports[1] = { { "http", 0, 8001 } };
    lcont_endpoint_desc eps[2] = { test_ep("10.0.0.1"), test_ep("10.0.0.2") };
    eps[0].ports = a_ports;
    eps[0].n_ports = 2;
    eps[1].ports = b_ports;
    eps[1].n_ports = 1;
    T_OK(lcont_service_set_endpoints(t, id, eps, 2, 0, &_e));

    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    char buf[64];
    bool a = false, b = false;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(lcont_service_pick(t, id, "http", 0, NULL, 0, 0, &p), 0);
        /* b names its port like the service port: that wins over the target name */
        if (strcmp(pick_addr(&p, buf, sizeof(buf)), "10.0.0.1") == 0) {
            assert_int_equal(p.port, 8000);
            a = true;
        } else {
            assert_int_equal(p.port, 8001);
            b = true;
        }
    }
    assert_true(a && b);
    /* only a serves metrics; by number too */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 9090, NULL, 0, 0, &p), 0);
        assert_string_equal(pick_addr(&p, buf, sizeof(buf)), "10.0.0.1");
        assert_int_equal(p.port, 9100);
    }
    assert_int_equal(lcont_service_pick(t, id, "nope", 0, NULL, 0, 0, &p), -ENOENT);
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), -ENOENT);
    lcont_service_table_unref(t);
}

/* A host change reselects: the Local pool follows the node name. */
static void test_service_host_change(void **state)
{
    lcont_service_table *t = test_table("n1", NULL);
    uint64_t id = test_service(t, "svc", 0, LO, CL);
    lcont_endpoint_desc eps[2] = { test_ep("10.0.0.1"), test_ep("10.0.0.2") };
    eps[0].node = "n1";
    eps[1].node = "n2";
    T_OK(lcont_service_set_endpoints(t, id, eps, 2, 0, &_e));
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    char buf[64];
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
    assert_string_equal(pick_addr(&p, buf, sizeof(buf)), "10.0.0.1");
    T_OK(lcont_service_table_set_host(t, "n2", NULL, &_e));
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
    assert_string_equal(pick_addr(&p, buf, sizeof(buf)), "10.0.0.2");
    T_OK(lcont_service_table_set_host(t, "n3", NULL, &_e));
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), -EHOSTUNREACH);
    lcont_service_table_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_selection_rules),
        cmocka_unit_test(test_service_named_ports),
        cmocka_unit_test(test_service_host_change),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
