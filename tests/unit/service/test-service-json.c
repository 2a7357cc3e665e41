/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON persistence and Kubernetes Service/EndpointSlice objects (JSON and YAML). */
#include <stdlib.h>

#include "service-test.h"

static const char manifest[] = "apiVersion: v1\n"
                               "kind: Service\n"
                               "metadata:\n"
                               "  name: web\n"
                               "  namespace: shop\n"
                               "  annotations:\n"
                               "    lcont.io/picker: maglev\n"
                               "spec:\n"
                               "  clusterIP: 10.96.1.1\n"
                               "  selector: {app: web}\n"
                               "  sessionAffinity: ClientIP\n"
                               "  sessionAffinityConfig:\n"
                               "    clientIP: {timeoutSeconds: 300}\n"
                               "  internalTrafficPolicy: Cluster\n"
                               "  ports:\n"
                               "  - name: http\n"
                               "    port: 80\n"
                               "    targetPort: web\n"
                               "---\n"
                               "apiVersion: discovery.k8s.io/v1\n"
                               "kind: EndpointSlice\n"
                               "metadata:\n"
                               "  name: web-abc\n"
                               "  namespace: shop\n"
                               "  labels:\n"
                               "    kubernetes.io/service-name: web\n"
                               "addressType: IPv4\n"
                               "ports:\n"
                               "- name: http\n"
                               "  port: 8080\n"
                               "  protocol: TCP\n"
                               "endpoints:\n"
                               "- addresses: [\"10.1.0.1\"]\n"
                               "  conditions: {ready: true}\n"
                               "  nodeName: n1\n"
                               "  zone: z1\n"
                               "  hints: {forZones: [{name: z1}]}\n"
                               "  targetRef: {kind: Pod, namespace: shop, name: web-1}\n"
                               "- addresses: [\"10.1.0.2\"]\n"
                               "  conditions: {ready: false, serving: true, terminating: true}\n"
                               "  nodeName: n2\n"
                               "---\n"
                               "# other kinds are skipped\n"
                               "apiVersion: apps/v1\n"
                               "kind: Deployment\n"
                               "metadata: {name: web}\n";

static void picks(lcont_service_table *t, uint64_t id, const char *want)
{
    char buf[64];
    for (int i = 0; i < 20; i++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        assert_int_equal(lcont_service_pick(t, id, "http", 0, NULL, lcont__hash_mix64(i), 0, &p),
                         0);
        assert_string_equal(pick_addr(&p, buf, sizeof(buf)), want);
        assert_int_equal(p.port, 8080);
    }
}

static void test_service_k8s_yaml(void **state)
{
    lcont_service_table *t = test_table("n1", "z1");
    lcont_error *e = NULL;
    int r = lcont_service_table_apply_k8s(t, manifest, strlen(manifest), 0, &e);
    if (r < 0)
        fail_msg("apply: %s", lcont_error_message(e));
    assert_int_equal(r, 2);
    uint64_t id;
    assert_int_equal(lcont_service_lookup(t, "shop", "web", &id), 0);
    struct sockaddr_in vip = test_sin("10.96.1.1", 80);
    uint64_t vid;
    assert_int_equal(lcont_service_lookup_vip(t, (struct sockaddr *)&vip, 0, &vid), 0);
    assert_int_equal(vid, id);
    /* Only the ready endpoint (the other is terminating). */
    picks(t, id, "10.1.0.1");

    /* A second slice adds endpoints; re-applying the first one replaces only its own. */
    static const char slice2[] =
        "{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\","
        "\"metadata\":{\"name\":\"web-def\",\"namespace\":\"shop\","
        "\"labels\":{\"kubernetes.io/service-name\":\"web\"}},\"addressType\":\"IPv4\","
        "\"ports\":[{\"name\":\"http\",\"port\":8080}],"
        "\"endpoints\":[{\"addresses\":[\"10.1.0.3\"],\"hints\":{\"forZones\":[{\"name\":\"z1\"}]}}"
        "]}";
    assert_int_equal(lcont_service_table_apply_k8s(t, slice2, strlen(slice2), 0, NULL), 1);
    char *saved = NULL;
    T_OK(lcont_service_table_save_json(t, 0, &saved, &_e));
    assert_non_null(strstr(saved, "\"address\":\"10.1.0.3\""));
    assert_non_null(strstr(saved, "\"address\":\"10.1.0.1\""));
    assert_non_null(strstr(saved, "\"targetRef\":\"Pod/shop/web-1\""));
    assert_non_null(strstr(saved, "\"picker\":\"maglev\""));
    assert_non_null(strstr(saved, "\"affinityTimeout\":300"));
    assert_non_null(strstr(saved, "\"selector\":\"app=web\""));
    lcont_free(saved);

    static const char slice1_empty[] =
        "kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\n"
        "metadata: {name: web-abc, namespace: shop, labels: {kubernetes.io/service-name: web}}\n"
        "addressType: IPv4\nendpoints: []\n";
    assert_int_equal(lcont_service_table_apply_k8s(t, slice1_empty, strlen(slice1_empty), 0, NULL),
                     1);
    /* 10.1.0.3 has no port named http? it has: picks go there only now */
    picks(t, id, "10.1.0.3");
    lcont_service_table_unref(t);
}

static void test_service_k8s_slice_before_service(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    static const char slice[] =
        "{\"kind\":\"List\",\"items\":[{\"apiVersion\":\"discovery.k8s.io/"
        "v1\",\"kind\":\"EndpointSlice\","
        "\"metadata\":{\"name\":\"s1\",\"labels\":{\"kubernetes.io/service-name\":\"api\"}},"
        "\"ports\":[{\"name\":\"\",\"port\":9000}],\"endpoints\":[{\"addresses\":[\"fd00::5\"]}]},"
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"api\"},"
        "\"spec\":{\"clusterIPs\":[\"10.96.0.5\",\"fd00::1:5\"],\"ports\":[{\"port\":443,"
        "\"targetPort\":9000}]}}]}";
    lcont_error *e = NULL;
    int r = lcont_service_table_apply_k8s(t, slice, strlen(slice), 0, &e);
    if (r < 0)
        fail_msg("%s", lcont_error_message(e));
    assert_int_equal(r, 2);
    uint64_t id;
    assert_int_equal(lcont_service_lookup(t, "default", "api", &id), 0);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 443, NULL, 0, 0, &p), 0);
    assert_int_equal(p.family, AF_INET6);
    assert_int_equal(p.port, 9000);
    assert_int_equal(p.sockaddr_len, sizeof(struct sockaddr_in6));
    lcont_service_table_unref(t);
}

static void test_service_json_roundtrip(void **state)
{
    lcont_service_table *t = test_table("n1", "z1");
    assert_int_equal(lcont_service_table_apply_k8s(t, manifest, strlen(manifest), 0, NULL), 2);
    static const char svc[] =
        "{\"namespace\":\"a\",\"name\":\"b\",\"vips\":[\"10.0.0.9\"],\"picker\":\"least-conn\","
        "\"ports\":[{\"name\":\"x\",\"port\":1,\"protocol\":\"UDP\",\"targetPort\":2}],"
        "\"internalTrafficPolicy\":\"Local\",\"publishNotReadyAddresses\":true,"
        "\"endpoints\":[{\"address\":\"10.2.0.1\",\"weight\":7,\"ready\":false,"
        "\"hints\":{\"forNodes\":[\"n1\"]},\"node\":\"n1\"}]}";
    uint64_t id;
    T_OK(lcont_service_add_json(t, svc, 0, &id, &_e));
    char *one = NULL, *two = NULL;
    T_OK(lcont_service_table_save_json(t, 0, &one, &_e));

    lcont_service_table *t2 = test_table(NULL, NULL);
    T_OK(lcont_service_table_load_json(t2, one, 0, &_e));
    T_OK(lcont_service_table_save_json(t2, 0, &two, &_e));
    assert_string_equal(one, two);
    assert_int_equal(lcont_service_lookup(t2, "a", "b", &id), 0);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t2, id, "x", 0, NULL, 0, 0, &p), 0);
    assert_int_equal(p.port, 2);

    /* REPLACE drops services absent from the document. */
    uint64_t extra = test_service(t2, "extra", 0, 0, 0);
    T_OK(lcont_service_table_load_json(t2, one, LCONT_SERVICE_LOAD_REPLACE, &_e));
    assert_int_equal(lcont_service_lookup(t2, NULL, "extra", &extra), -ENOENT);
    assert_int_equal(lcont_service_table_get_size(t2), 2);
    lcont_free(one);
    lcont_free(two);
    lcont_service_table_unref(t);
    lcont_service_table_unref(t2);
}

/* Bad input: a clear error naming the problem, never a crash. */
static void test_service_bad_inputs(void **state)
{
    struct {
        const char *text;
        const char *needle;
    } k8s[] = {
        { "kind: Service\nmetadata: {name: x}\n", "spec" },
        { "kind: Service\nspec: {}\n", "metadata" },
        { "kind: Service\nmetadata: {name: 7}\nspec: {}\n", "name" },
        { "kind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 70000}]}\n", "port" },
        { "kind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 80, protocol: ICMP}]}\n",
          "protocol" },
        { "kind: Service\nmetadata: {name: x}\nspec: {clusterIP: 1.2.3}\n", "vips" },
        { "kind: Service\nmetadata: {name: x}\nspec: {type: Weird}\n", "Weird" },
        { "kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\nmetadata: {name: s}\n",
          "service-name" },
        { "kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\n"
          "metadata: {name: s, labels: {kubernetes.io/service-name: x}}\n"
          "endpoints: [{addresses: []}]\n",
          "addresses" },
        { "kind: EndpointSlice\napiVersion: discovery.k8s.io/v1\n"
          "metadata: {name: s, labels: {kubernetes.io/service-name: x}}\n"
          "endpoints: [{addresses: [\"1.1.1.1\"], conditions: {ready: maybe}}]\n",
          "ready" },
        { "a: &x [1]\nb: *x\n", "aliases" },
        { "kind: [unclosed\n", "yaml" },
        { "{\"kind\": ", "JSON" },
        { "- 1\n- 2\n", "mapping" },
        { "kind: List\nitems: 5\n", "items" },
    };
    for (size_t i = 0; i < ELEMENTSOF(k8s); i++) {
        lcont_service_table *t = test_table(NULL, NULL);
        lcont_error *e = NULL;
        int r = lcont_service_table_apply_k8s(t, k8s[i].text, strlen(k8s[i].text), 0, &e);
        if (r >= 0 || !strstr(lcont_error_message(e), k8s[i].needle))
            fail_msg("case %zu: r=%d message '%s' lacks '%s'", i, r, lcont_error_message(e),
                     k8s[i].needle);
        lcont_error_free(e);
        lcont_service_table_unref(t);
    }

    /* Nesting bomb. */
    char deep[400];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 199);
    deep[399] = 0;
    lcont_service_table *t = test_table(NULL, NULL);
    assert_int_equal(lcont_service_table_apply_k8s(t, deep, strlen(deep), 0, NULL), -EINVAL);

    struct {
        const char *text;
        const char *needle;
    } own[] = {
        { "{}", "name" },
        { "[]", "object" },
        { "{\"name\":\"x\",\"ports\":[{\"port\":\"80\"}]}", "port" },
        { "{\"name\":\"x\",\"picker\":\"fastest\"}", "picker" },
        { "{\"name\":\"x\",\"sessionAffinity\":\"Cookie\"}", "sessionAffinity" },
        { "{\"name\":\"x\",\"endpoints\":[{\"address\":\"1.1.1.1\",\"weight\":-1}]}", "weight" },
        { "{\"name\":\"x\",\"endpoints\":[{\"weight\":1}]}", "address" },
        { "{\"name\":\"x\",\"endpoints\":[{\"address\":\"1.1.1.1\",\"hints\":{\"forZones\":[1]}}]}",
          "forZones" },
        { "not json", "JSON" },
    };
    for (size_t i = 0; i < ELEMENTSOF(own); i++) {
        lcont_error *e = NULL;
        int r = lcont_service_add_json(t, own[i].text, 0, NULL, &e);
        if (r >= 0 || !strstr(lcont_error_message(e), own[i].needle))
            fail_msg("own case %zu: r=%d message '%s' lacks '%s'", i, r, lcont_error_message(e),
                     own[i].needle);
        lcont_error_free(e);
    }
    lcont_error *e = NULL;
    assert_int_equal(lcont_service_table_load_json(t, "{\"services\":{}}", 0, &e), -EINVAL);
    lcont_error_free(e);
    assert_int_equal(lcont_service_table_get_size(t), 0);
    lcont_service_table_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_k8s_yaml),
        cmocka_unit_test(test_service_k8s_slice_before_service),
        cmocka_unit_test(test_service_json_roundtrip),
        cmocka_unit_test(test_service_bad_inputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
