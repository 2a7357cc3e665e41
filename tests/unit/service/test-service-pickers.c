/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pickers: exact rotations, weighted distributions under chi-square bounds
 * (fixed hash key, so the runs are deterministic), least-connections, Maglev
 * balance, weights and disruption, ring hash stability, client-IP affinity
 * with an injected clock.
 */
#include <stdlib.h>

#include "service-test.h"
#include "service/maglev.h"

#define P_RR LCONT_SERVICE_PICKER_ROUND_ROBIN
#define P_WRR LCONT_SERVICE_PICKER_WEIGHTED_RR
#define P_RANDOM LCONT_SERVICE_PICKER_RANDOM
#define P_LC LCONT_SERVICE_PICKER_LEAST_CONN
#define P_MAGLEV LCONT_SERVICE_PICKER_MAGLEV
#define P_RING LCONT_SERVICE_PICKER_RING_HASH

/* Service with n endpoints 10.0.<i/256>.<i%256 + 1>, weights w (or 1). */
static uint64_t weighted_service(lcont_service_table *t, int picker, size_t n, const uint32_t *w)
{
    uint64_t id = test_service(t, "svc", picker, 0, 0);
    lcont_endpoint_desc *eps = calloc(n, sizeof(*eps));
    char(*addrs)[32] = calloc(n, 32);
    for (size_t i = 0; i < n; i++) {
        snprintf(addrs[i], 32, "10.0.%zu.%zu", i / 256, i % 256 + 1);
        eps[i] = test_ep(addrs[i]);
        eps[i].weight = w ? w[i] : 1;
    }
    T_OK(lcont_service_set_endpoints(t, id, eps, n, 0, &_e));
    free(eps);
    free(addrs);
    return id;
}

static size_t ep_index(const lcont_endpoint_pick *p)
{
    const struct sockaddr_in *in = (const void *)p->sockaddr;
    const uint8_t *a = (const uint8_t *)&in->sin_addr;
    return (size_t)a[2] * 256 + a[3] - 1;
}

static void count_picks(lcont_service_table *t, uint64_t id, size_t picks, size_t *counts,
                        bool hash)
{
    for (size_t i = 0; i < picks; i++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        uint64_t h = hash ? lcont__hash_mix64(i) : 0;
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, h, 0, &p), 0);
        counts[ep_index(&p)]++;
    }
}

/* Pearson chi-square of counts against weights. */
static double chi_square(const size_t *counts, const uint32_t *w, size_t n, size_t total)
{
    double wsum = 0, x2 = 0;
    for (size_t i = 0; i < n; i++)
        wsum += w ? w[i] : 1;
    for (size_t i = 0; i < n; i++) {
        double expect = (double)total * (w ? w[i] : 1) / wsum;
        x2 += ((double)counts[i] - expect) * ((double)counts[i] - expect) / expect;
    }
    return x2;
}

/* Critical values at p = 0.001 for 3 and 9 degrees of freedom. */
#define CHI2_3DF 16.27
#define CHI2_9DF 27.88

static void test_service_picker_round_robin_exact(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = weighted_service(t, P_RR, 10, NULL);
    size_t counts[10] = { 0 };
    count_picks(t, id, 1000, counts, false);
    for (int i = 0; i < 10; i++)
        assert_int_equal(counts[i], 100);
    lcont_service_table_unref(t);
}

static void test_service_picker_wrr_smooth(void **state)
{
    static const uint32_t w[4] = { 1, 2, 3, 4 };
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = weighted_service(t, P_WRR, 4, w);
    /* Every window of one full cycle (10 picks) holds exactly the weights. */
    for (int cycle = 0; cycle < 50; cycle++) {
        size_t counts[4] = { 0 };
        count_picks(t, id, 10, counts, false);
        for (int i = 0; i < 4; i++)
            assert_int_equal(counts[i], w[i]);
    }
    /* Smooth: the heaviest endpoint is never picked 4 times in a row (nginx order). */
    int run = 0, max_run = 0;
    size_t last = 99;
    for (int i = 0; i < 100; i++) {
        size_t c[4] = { 0 };
        count_picks(t, id, 1, c, false);
        size_t e = c[0] ? 0 : c[1] ? 1 : c[2] ? 2 : 3;
        run = e == last ? run + 1 : 1;
        last = e;
        if (run > max_run)
            max_run = run;
    }
    assert_true(max_run <= 2);
    lcont_service_table_unref(t);
}

static void test_service_picker_random_chi_square(void **state)
{
    static const uint32_t w[4] = { 1, 2, 3, 4 };
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = weighted_service(t, P_RANDOM, 4, w);
    size_t counts[4] = { 0 };
    count_picks(t, id, 40000, counts, false);
    double x2 = chi_square(counts, w, 4, 40000);
    print_message("random weighted: chi2 = %.2f (3 dof)\n", x2);
    assert_true(x2 < CHI2_3DF);
    /* and not a constant: every endpoint picked */
    for (int i = 0; i < 4; i++)
        assert_true(counts[i] > 0);
    lcont_service_table_unref(t);

    /* Uniform weights over 10 endpoints. */
    t = test_table(NULL, NULL);
    id = weighted_service(t, P_RANDOM, 10, NULL);
    size_t c10[10] = { 0 };
    count_picks(t, id, 50000, c10, false);
    x2 = chi_square(c10, NULL, 10, 50000);
    print_message("random uniform: chi2 = %.2f (9 dof)\n", x2);
    assert_true(x2 < CHI2_9DF);
    lcont_service_table_unref(t);
}

static void test_service_picker_least_conn(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = weighted_service(t, P_LC, 4, NULL);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;

    /* Load endpoint 0 with 100 open connections: p2c never prefers it over an idle one. */
    uint64_t busy = 0;
    for (int i = 0; busy == 0 && i < 100; i++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
        if (ep_index(&p) == 0)
            busy = p.endpoint_id;
    }
    assert_true(busy != 0);
    for (int i = 0; i < 100; i++)
        assert_int_equal(lcont_service_conn_open(t, busy), 0);
    size_t counts[4] = { 0 };
    for (int i = 0; i < 60; i++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
        counts[ep_index(&p)]++;
        assert_int_equal(lcont_service_conn_open(t, p.endpoint_id), 0);
    }
    assert_int_equal(counts[0], 0);
    /* The picks spread evenly over the idle ones (each opened connection counts). */
    for (int i = 1; i < 4; i++)
        assert_true(counts[i] >= 15 && counts[i] <= 25);

    /* After closing, endpoint 0 is idle again and gets picked. */
    for (int i = 0; i < 100; i++)
        assert_int_equal(lcont_service_conn_close(t, busy), 0);
    memset(counts, 0, sizeof(counts));
    for (int i = 0; i < 40; i++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
        counts[ep_index(&p)]++;
        assert_int_equal(lcont_service_conn_open(t, p.endpoint_id), 0);
    }
    print_message("least-conn after close: %zu %zu %zu %zu\n", counts[0], counts[1], counts[2],
                  counts[3]);
    for (int i = 1; i < 4; i++)
        assert_true(counts[0] > counts[i]);
    assert_int_equal(lcont_service_conn_open(t, 12345), -ENOENT);
    lcont_service_table_unref(t);
}

static void maglev_table(size_t n, const uint32_t *w, size_t skip_backend, uint32_t m,
                         uint32_t *table)
{
    uint64_t *keys = calloc(n, sizeof(uint64_t));
    uint32_t *wt = calloc(n, sizeof(uint32_t));
    size_t k = 0;
    static const struct lcont_hash_key key = { 1, 2 };
    for (size_t i = 0; i < n; i++) {
        if (i == skip_backend)
            continue;
        char name[32];
        snprintf(name, sizeof(name), "backend-%zu", i);
        keys[k] = lcont__siphash13(&key, name, strlen(name));
        wt[k] = w ? w[i] : 1;
        k++;
    }
    assert_int_equal(lcont__maglev_build(keys, wt, (uint32_t)k, m, table), 0);
    /* Map back to original backend numbers. */
    for (uint32_t s = 0; s < m; s++) {
        assert_true(table[s] < k);
        if (skip_backend < n && table[s] >= skip_backend)
            table[s]++;
    }
    free(keys);
    free(wt);
}

static void test_service_maglev_balance_and_disruption(void **state)
{
    const uint32_t m = LCONT_SERVICE_MAGLEV_DEFAULT_SIZE;
    uint32_t *a = malloc(m * sizeof(uint32_t)), *b = malloc(m * sizeof(uint32_t));
    static const size_t sizes[] = { 10, 50, 100 };
    for (size_t si = 0; si < ELEMENTSOF(sizes); si++) {
        size_t n = sizes[si];
        maglev_table(n, NULL, SIZE_MAX, m, a);
        size_t *counts = calloc(n, sizeof(size_t));
        for (uint32_t s = 0; s < m; s++)
            counts[a[s]]++;
        size_t lo = SIZE_MAX, hi = 0;
        for (size_t i = 0; i < n; i++) {
            lo = counts[i] < lo ? counts[i] : lo;
            hi = counts[i] > hi ? counts[i] : hi;
        }
        /* Maglev fills round-robin: every backend within one slot of M/N. */
        assert_true(hi - lo <= 1);
        double sum = 0;
        int runs = 0;
        for (size_t victim = 0; victim < n; victim += n / 5) {
            maglev_table(n, NULL, victim, m, b);
            size_t moved = 0;
            for (uint32_t s = 0; s < m; s++)
                if (a[s] != b[s])
                    moved++;
            double frac = (double)moved / m;
            print_message("maglev N=%zu remove %zu: %.4f of slots moved (%.2f/N)\n", n, victim,
                          frac, frac * (double)n);
            /* goal: 1.6/N on average, no single removal far above */
            assert_true(frac <= 1.7 / (double)n);
            sum += frac;
            runs++;
            /* The victim's slots all moved. */
            for (uint32_t s = 0; s < m; s++)
                if (a[s] == victim)
                    assert_true(b[s] != victim);
        }
        assert_true(sum / runs <= 1.6 / (double)n);
        free(counts);
    }
    free(a);
    free(b);
}

static void test_service_maglev_weights(void **state)
{
    static const uint32_t w[4] = { 1, 2, 3, 4 };
    const uint32_t m = 65537;
    uint32_t *a = malloc(m * sizeof(uint32_t));
    maglev_table(4, w, SIZE_MAX, m, a);
    size_t counts[4] = { 0 };
    for (uint32_t s = 0; s < m; s++)
        counts[a[s]]++;
    for (int i = 0; i < 4; i++) {
        double share = (double)counts[i] / m, want = w[i] / 10.0;
        print_message("maglev weight %u: share %.4f\n", w[i], share);
        assert_true(share > want * 0.98 && share < want * 1.02);
    }
    free(a);
}

/* Through the table: the same flow hash lands on the same endpoint; most flows stay. */
static void test_service_maglev_pick_consistency(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = weighted_service(t, P_MAGLEV, 20, NULL);
    enum {
        FLOWS = 4000
    };
    size_t *before = calloc(FLOWS, sizeof(size_t));
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    for (size_t f = 0; f < FLOWS; f++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, lcont__hash_mix64(f), 0, &p), 0);
        before[f] = ep_index(&p);
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, lcont__hash_mix64(f), 0, &p), 0);
        assert_int_equal(ep_index(&p), before[f]);
    }
    T_OK(lcont_service_remove_endpoint(t, id, "10.0.0.8", 0, &_e));
    size_t moved = 0;
    for (size_t f = 0; f < FLOWS; f++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, lcont__hash_mix64(f), 0, &p), 0);
        assert_true(ep_index(&p) != 7);
        if (before[f] != 7 && ep_index(&p) != before[f])
            moved++;
    }
    /* Flows of surviving endpoints barely move (Maglev: well under 1/N of them). */
    assert_true(moved < FLOWS / 20);
    free(before);
    lcont_service_table_unref(t);
}

static void test_service_ring_hash_stability(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = weighted_service(t, P_RING, 10, NULL);
    enum {
        FLOWS = 20000
    };
    size_t *before = calloc(FLOWS, sizeof(size_t)), counts[10] = { 0 };
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    for (size_t f = 0; f < FLOWS; f++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, lcont__hash_mix64(f), 0, &p), 0);
        before[f] = ep_index(&p);
        counts[before[f]]++;
    }
    /* Balance: 100 points per endpoint keeps every share within 50% of the mean. */
    for (int i = 0; i < 10; i++)
        assert_true(counts[i] > FLOWS / 10 / 2 && counts[i] < FLOWS / 10 * 3 / 2);
    T_OK(lcont_service_remove_endpoint(t, id, "10.0.0.4", 0, &_e));
    for (size_t f = 0; f < FLOWS; f++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, lcont__hash_mix64(f), 0, &p), 0);
        /* Ring hash: only the removed endpoint's flows move, exactly. */
        if (before[f] != 3)
            assert_int_equal(ep_index(&p), before[f]);
        else
            assert_true(ep_index(&p) != 3);
    }
    free(before);
    lcont_service_table_unref(t);
}

static uint64_t fake_now_ms;
static uint64_t fake_clock(void *userdata)
{
    return fake_now_ms;
}

static void test_service_affinity_expiry(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    lcont__service_table_set_clock(t, fake_clock, NULL);
    fake_now_ms = 1000000;
    static const lcont_service_port port = { .name = "http", .port = 80 };
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    d.name = "sticky";
    d.ports = &port;
    d.n_ports = 1;
    d.affinity = LCONT_SERVICE_AFFINITY_CLIENT_IP;
    d.affinity_timeout = 60;
    uint64_t id;
    T_OK(lcont_service_add(t, &d, 0, &id, &_e));
    lcont_endpoint_desc eps[3] = { test_ep("10.0.0.1"), test_ep("10.0.0.2"), test_ep("10.0.0.3") };
    T_OK(lcont_service_set_endpoints(t, id, eps, 3, 0, &_e));

    struct sockaddr_in x = test_sin("192.168.1.10", 40000), y = test_sin("192.168.1.11", 40001);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&x, 0, 0, &p), 0);
    uint64_t first = p.endpoint_id;
    for (int i = 0; i < 20; i++) {
        /* other clients rotate the round robin; x stays */
        ((uint8_t *)&y.sin_addr)[3] = (uint8_t)(20 + i);
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&y, 0, 0, &p), 0);
        fake_now_ms += 50 * 1000; /* each use refreshes the 60 s timeout */
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&x, 0, 0, &p), 0);
        assert_int_equal(p.endpoint_id, first);
    }
    /* Expired: x gets a fresh round-robin pick. Rotate until a new client lands on x's old
     * endpoint, so that the next rotation step (x's pick) must be another one. */
    fake_now_ms += 61 * 1000;
    for (int i = 0;; i++) {
        struct sockaddr_in z = test_sin("172.16.0.1", 1);
        ((uint8_t *)&z.sin_addr)[3] = (uint8_t)(i + 1);
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&z, 0, 0, &p), 0);
        if (p.endpoint_id == first)
            break;
        assert_true(i < 10);
    }
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&x, 0, 0, &p), 0);
    assert_true(p.endpoint_id != first);
    uint64_t second = p.endpoint_id;

    /* Affinity sticks only while the endpoint is usable. */
    char buf[64];
    pick_addr(&p, buf, sizeof(buf));
    lcont_endpoint_desc down = test_ep(buf);
    down.ready = LCONT_SERVICE_COND_FALSE;
    T_OK(lcont_service_upsert_endpoint(t, id, &down, 0, NULL, &_e));
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&x, 0, 0, &p), 0);
    assert_true(p.endpoint_id != second);
    uint64_t third = p.endpoint_id;
    /* The old endpoint comes back: x stays on its new one. */
    down.ready = LCONT_SERVICE_COND_TRUE;
    T_OK(lcont_service_upsert_endpoint(t, id, &down, 0, NULL, &_e));
    for (int i = 0; i < 5; i++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&x, 0, 0, &p), 0);
        assert_int_equal(p.endpoint_id, third);
    }
    lcont_service_table_unref(t);
}

/* The affinity cache is bounded: beyond its capacity, the least recently used clients go. */
static void test_service_affinity_capacity(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    static const lcont_service_port port = { .name = "http", .port = 80 };
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    d.name = "sticky";
    d.ports = &port;
    d.n_ports = 1;
    d.affinity = LCONT_SERVICE_AFFINITY_CLIENT_IP;
    d.affinity_capacity = 16;
    uint64_t id;
    T_OK(lcont_service_add(t, &d, 0, &id, &_e));
    lcont_endpoint_desc eps[3] = { test_ep("10.0.0.1"), test_ep("10.0.0.2"), test_ep("10.0.0.3") };
    T_OK(lcont_service_set_endpoints(t, id, eps, 3, 0, &_e));
    lcont__service_table_set_clock(t, fake_clock, NULL);
    fake_now_ms = 5000;

    struct sockaddr_in x = test_sin("192.168.1.10", 1);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&x, 0, 0, &p), 0);
    uint64_t first = p.endpoint_id;
    /* 200 newer clients (later timestamps) push x out of its 4-way set. */
    for (int i = 0; i < 200; i++) {
        struct sockaddr_in z = test_sin("172.16.0.0", 1);
        ((uint8_t *)&z.sin_addr)[2] = (uint8_t)(i >> 8);
        ((uint8_t *)&z.sin_addr)[3] = (uint8_t)i;
        fake_now_ms++;
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&z, 0, 0, &p), 0);
    }
    /* Align the rotation so that a fresh pick cannot land on x's old endpoint. */
    for (int i = 0;; i++) {
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
        if (p.endpoint_id == first)
            break;
        assert_true(i < 10);
    }
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, (struct sockaddr *)&x, 0, 0, &p), 0);
    assert_true(p.endpoint_id != first);
    lcont_service_table_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_picker_round_robin_exact),
        cmocka_unit_test(test_service_picker_wrr_smooth),
        cmocka_unit_test(test_service_picker_random_chi_square),
        cmocka_unit_test(test_service_picker_least_conn),
        cmocka_unit_test(test_service_maglev_balance_and_disruption),
        cmocka_unit_test(test_service_maglev_weights),
        cmocka_unit_test(test_service_maglev_pick_consistency),
        cmocka_unit_test(test_service_ring_hash_stability),
        cmocka_unit_test(test_service_affinity_expiry),
        cmocka_unit_test(test_service_affinity_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
