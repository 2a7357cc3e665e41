/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The read path's memory layout and the arena behind it: hot lines (a pick of
 * a simple service reads one cache line, which is rewritten only once no
 * reader can see it), endpoint ids built from (service, address), transparent
 * huge pages for big tables, no arena block lost through churn; plus what the
 * changes around them must keep: picks over mixed families, weighted
 * least-conn, and notifications for changes made before anyone asked for the fd.
 */
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "service-test.h"

static struct snap *snap_of(lcont_service_table *t, uint64_t id, uintptr_t *ret_tag)
{
    struct svc_slot *slot = lcont__service_svc_slot(t, lcont__service_id_slot(id));
    assert_non_null(slot);
    uintptr_t v = atomic_load(&slot->snap);
    *ret_tag = v & SNAP_TAG_MASK;
    return lcont__service_snap_untag(v);
}

static void set_eps(lcont_service_table *t, uint64_t id, const char *const *addrs, size_t n)
{
    lcont_endpoint_desc eps[16];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++)
        eps[i] = test_ep(addrs[i]);
    T_OK(lcont_service_set_endpoints(t, id, eps, n, 0, &_e));
}

/* Round robin over @n endpoints: one full cycle returns each address once, with port 8080. */
static void assert_cycle(lcont_service_table *t, uint64_t id, const char *const *addrs, size_t n)
{
    bool seen[16] = { false };
    char buf[INET6_ADDRSTRLEN];
    for (size_t k = 0; k < n; k++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
        assert_int_equal(p.port, 8080);
        pick_addr(&p, buf, sizeof(buf));
        size_t i = 0;
        while (i < n && strcmp(addrs[i], buf) != 0)
            i++;
        assert_true(i < n);
        assert_false(seen[i]);
        seen[i] = true;
        if (p.family == AF_INET) {
            assert_int_equal(p.sockaddr_len, sizeof(struct sockaddr_in));
            assert_int_equal(ntohs(((struct sockaddr_in *)(void *)p.sockaddr)->sin_port), 8080);
        } else {
            assert_int_equal(p.family, AF_INET6);
            assert_int_equal(p.sockaddr_len, sizeof(struct sockaddr_in6));
            assert_int_equal(ntohs(((struct sockaddr_in6 *)(void *)p.sockaddr)->sin6_port), 8080);
        }
    }
}

static struct hot_line *line_of(lcont_service_table *t, uint64_t id)
{
    return lcont__service_hot_line(t, lcont__service_id_slot(id));
}

/* The line answers for the slot's current snapshot. */
static bool is_hot(lcont_service_table *t, uint64_t id)
{
    uintptr_t tag;
    uint64_t g = atomic_load(&line_of(t, id)->generation);
    return g != 0 && g == snap_of(t, id, &tag)->generation;
}

static uint64_t v4_id(uint64_t service_id, const char *addr)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, addr, &a), 1);
    return lcont__service_ep_id(service_id, true, a.s_addr);
}

static void test_service_layout_hot_line(void **state)
{
    static const char *const v4[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                                      "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9", "10.0.0.10" };
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = test_service(t, "web", 0, 0, 0);
    set_eps(t, id, v4, 10);

    uintptr_t tag;
    struct snap *s = snap_of(t, id, &tag);
    assert_int_equal((uintptr_t)s % 64, 0);
    assert_true(is_hot(t, id));
    assert_int_equal(tag, s->prefetch_lines);
    const struct hot_line *h = line_of(t, id);
    assert_int_equal((uintptr_t)h % 64, 0);
    assert_int_equal(h->n, 10);
    assert_int_equal(h->port, 80);
    assert_int_equal(h->ep_port, 8080);
    assert_int_equal(h->svc_seq, id >> 32);
    assert_int_equal(h->generation, s->generation);
    for (int round = 0; round < 3; round++)
        assert_cycle(t, id, v4, 10);
    /* Picks from the line carry the ids the writer gave, and they count connections. */
    for (int i = 0; i < 10; i++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        char buf[INET6_ADDRSTRLEN];
        assert_int_equal(lcont_service_pick(t, id, NULL, 80, NULL, 0, 0, &p), 0);
        assert_int_equal(p.endpoint_id, v4_id(id, pick_addr(&p, buf, sizeof(buf))));
        assert_int_equal(p.generation, snap_of(t, id, &tag)->generation);
        lcont_endpoint_desc ep = test_ep(buf);
        uint64_t ep_id = 0;
        T_OK(lcont_service_upsert_endpoint(t, id, &ep, 0, &ep_id, &_e));
        assert_int_equal(ep_id, p.endpoint_id);
        assert_int_equal(lcont_service_conn_open(t, p.endpoint_id), 0);
    }
    /* Other port numbers are not this service's; a name takes the snapshot's path. */
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 81, NULL, 0, 0, &p), -ENOENT);
    assert_int_equal(lcont_service_pick(t, id, "grpc", 0, NULL, 0, 0, &p), -ENOENT);
    assert_int_equal(lcont_service_pick(t, id, "http", 0, NULL, 0, 0, &p), 0);
    assert_int_equal(p.port, 8080);

    /* One IPv6 endpoint: no hot line, picks stay exact. */
    static const char *const mixed[] = { "10.0.0.1", "fd00::1", "10.0.0.3", "fd00:1::abcd" };
    set_eps(t, id, mixed, 4);
    assert_false(is_hot(t, id));
    for (int round = 0; round < 3; round++)
        assert_cycle(t, id, mixed, 4);
    /* Back to IPv4 only: the line again, with the new members. */
    set_eps(t, id, v4, 3);
    assert_true(is_hot(t, id));
    assert_int_equal(line_of(t, id)->n, 3);
    assert_cycle(t, id, v4, 3);

    /* More endpoints than a line holds: the snapshot answers. */
    static const char *const many[] = { "10.0.1.1", "10.0.1.2",  "10.0.1.3", "10.0.1.4",
                                        "10.0.1.5", "10.0.1.6",  "10.0.1.7", "10.0.1.8",
                                        "10.0.1.9", "10.0.1.10", "10.0.1.11" };
    set_eps(t, id, many, 11);
    assert_false(is_hot(t, id));
    assert_int_equal(atomic_load(&line_of(t, id)->generation), 0);
    s = snap_of(t, id, &tag);
    assert_int_equal(tag, s->prefetch_lines);
    assert_cycle(t, id, many, 11);

    /* A removed service's id finds nothing, even once a new service has its slot. */
    set_eps(t, id, v4, 2);
    assert_true(is_hot(t, id));
    T_OK(lcont_service_remove(t, id, 0, &_e));
    uint64_t id2 = test_service(t, "web2", 0, 0, 0);
    set_eps(t, id2, v4, 2);
    assert_int_equal(lcont__service_id_slot(id2), lcont__service_id_slot(id));
    assert_true(is_hot(t, id2));
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), -ENOENT);
    assert_int_equal(lcont_service_conn_open(t, v4_id(id, "10.0.0.1")), -ENOENT);
    assert_int_equal(lcont_service_pick(t, id2, NULL, 0, NULL, 0, 0, &p), 0);
    lcont_service_table_unref(t);
}

/* Which services a line can answer for; the others are picked from their snapshots. */
static void test_service_layout_hot_eligible(void **state)
{
    static const char *const v4[] = { "10.6.0.1", "10.6.0.2", "10.6.0.3" };
    lcont_service_table *t = test_table("node-a", NULL);
    struct {
        int picker, itp, etp, weighted;
        bool hot;
    } cases[] = {
        { LCONT_SERVICE_PICKER_ROUND_ROBIN, 0, 0, 0, true },
        { LCONT_SERVICE_PICKER_WEIGHTED_RR, 0, 0, 0, true },  /* equal weights: a rotation */
        { LCONT_SERVICE_PICKER_WEIGHTED_RR, 0, 0, 1, false }, /* a sequence */
        { LCONT_SERVICE_PICKER_RANDOM, 0, 0, 0, true },
        { LCONT_SERVICE_PICKER_RANDOM, 0, 0, 1, false },
        { LCONT_SERVICE_PICKER_LEAST_CONN, 0, 0, 0, false },
        { LCONT_SERVICE_PICKER_MAGLEV, 0, 0, 0, false },
        { LCONT_SERVICE_PICKER_RING_HASH, 0, 0, 0, false },
        { LCONT_SERVICE_PICKER_ROUND_ROBIN, LCONT_SERVICE_TRAFFIC_LOCAL, 0, 0, false },
        { LCONT_SERVICE_PICKER_ROUND_ROBIN, 0, LCONT_SERVICE_TRAFFIC_LOCAL, 0, true },
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char name[16];
        snprintf(name, sizeof(name), "e%zu", c);
        uint64_t id = test_service(t, name, cases[c].picker, cases[c].itp, cases[c].etp);
        lcont_endpoint_desc eps[3];
        for (int i = 0; i < 3; i++) {
            eps[i] = test_ep(v4[i]);
            eps[i].node = "node-b";
            eps[i].weight = cases[c].weighted ? 1 + (uint32_t)i : 2;
        }
        T_OK(lcont_service_set_endpoints(t, id, eps, 3, 0, &_e));
        assert_int_equal(is_hot(t, id), cases[c].hot);
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        /* Traffic under a Local policy with no local endpoint: dropped. */
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 7, 0, &p),
                         cases[c].itp == LCONT_SERVICE_TRAFFIC_LOCAL ? -EHOSTUNREACH : 0);
        int ext = lcont_service_pick(t, id, NULL, 0, NULL, 7, LCONT_SERVICE_PICK_EXTERNAL, &p);
        assert_int_equal(ext, cases[c].etp == LCONT_SERVICE_TRAFFIC_LOCAL ? -EHOSTUNREACH : 0);
    }

    /* Client affinity, two ports, endpoints on different ports: no line. */
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    lcont_service_port ports[2] = { { .name = "http", .port = 80, .target_port = 8080 },
                                    { .name = "admin", .port = 81, .target_port = 9090 } };
    d.name = "aff";
    d.ports = ports;
    d.n_ports = 1;
    d.affinity = LCONT_SERVICE_AFFINITY_CLIENT_IP;
    uint64_t aff, two, split;
    T_OK(lcont_service_add(t, &d, 0, &aff, &_e));
    d.name = "two";
    d.n_ports = 2;
    d.affinity = LCONT_SERVICE_AFFINITY_NONE;
    T_OK(lcont_service_add(t, &d, 0, &two, &_e));
    split = test_service(t, "split", 0, 0, 0);
    set_eps(t, aff, v4, 3);
    set_eps(t, two, v4, 3);
    lcont_endpoint_port named[2] = { { .name = "http", .protocol = IPPROTO_TCP, .port = 8080 },
                                     { .name = "http", .protocol = IPPROTO_TCP, .port = 8081 } };
    lcont_endpoint_desc eps[2] = { test_ep(v4[0]), test_ep(v4[1]) };
    eps[0].ports = &named[0];
    eps[0].n_ports = 1;
    eps[1].ports = &named[1];
    eps[1].n_ports = 1;
    T_OK(lcont_service_set_endpoints(t, split, eps, 2, 0, &_e));
    assert_false(is_hot(t, aff));
    assert_false(is_hot(t, two));
    assert_false(is_hot(t, split));
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, split, NULL, 0, NULL, 0, 0, &p), 0);
    uint32_t first = p.port;
    assert_int_equal(lcont_service_pick(t, split, NULL, 0, NULL, 0, 0, &p), 0);
    assert_true(first != p.port && (p.port == 8080 || p.port == 8081));
    lcont_service_table_unref(t);
}

/* Lines are rewritten in place, readers in a pick or not; a line being rewritten is not used. */
static void test_service_layout_hot_rewrite(void **state)
{
    static const char *const a[] = { "10.5.0.1", "10.5.0.2" }, *const b[] = { "10.5.0.3" };
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = test_service(t, "g", 0, 0, 0);
    set_eps(t, id, a, 2);
    struct hot_line *h = line_of(t, id);
    assert_true(is_hot(t, id));
    uint64_t g0 = atomic_load(&h->generation);

    _Atomic uint64_t *rc = lcont__service_read_enter(t);
    set_eps(t, id, b, 1);
    assert_true(is_hot(t, id));
    assert_true(atomic_load(&h->generation) > g0);
    assert_int_equal(atomic_load(&h->n), 1);
    assert_cycle(t, id, b, 1);
    lcont__service_read_leave(rc);

    /* Mid-rewrite (generation 0): picks come from the snapshot, the line's turn is not taken. */
    set_eps(t, id, a, 2);
    uint64_t g = atomic_load(&h->generation);
    atomic_store(&h->generation, 0);
    uint32_t turn = atomic_load(&h->counter);
    for (int round = 0; round < 2; round++)
        assert_cycle(t, id, a, 2);
    assert_int_equal(atomic_load(&h->counter), turn);
    /* Back: the line answers again and its rotation moves. */
    atomic_store(&h->generation, g);
    assert_cycle(t, id, a, 2);
    assert_int_equal(atomic_load(&h->counter), turn + 2);

    /* Removed: the line stops answering at once. */
    T_OK(lcont_service_remove(t, id, 0, &_e));
    assert_int_equal(atomic_load(&h->generation), 0);
    lcont_service_table_unref(t);
}

/* Endpoint ids name (service, address), and count connections whatever the endpoint's state. */
static void test_service_layout_endpoint_ids(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t s1 = test_service(t, "ids1", LCONT_SERVICE_PICKER_LEAST_CONN, 0, 0);
    uint64_t s2 = test_service(t, "ids2", 0, 0, 0);
    lcont_endpoint_desc a = test_ep("10.7.0.1"), b = test_ep("10.7.0.2");
    uint64_t ida, idb, ida2, id2a;
    T_OK(lcont_service_upsert_endpoint(t, s1, &a, 0, &ida, &_e));
    T_OK(lcont_service_upsert_endpoint(t, s1, &b, 0, &idb, &_e));
    T_OK(lcont_service_upsert_endpoint(t, s2, &a, 0, &id2a, &_e));
    assert_true(ida != idb && ida != id2a && ida != 0);
    /* Gone: its id finds nothing; back: the same id, a new connection count. */
    assert_int_equal(lcont_service_conn_open(t, ida), 0);
    assert_int_equal(lcont_service_remove_endpoint(t, s1, "10.7.0.1", 0, NULL), 0);
    assert_int_equal(lcont_service_conn_close(t, ida), -ENOENT);
    T_OK(lcont_service_upsert_endpoint(t, s1, &a, 0, &ida2, &_e));
    assert_int_equal(ida2, ida);
    assert_int_equal(lcont_service_conn_open(t, 12345), -ENOENT);
    assert_int_equal(lcont_service_conn_open(t, 0), -ENOENT);

    /* Not ready: out of every pool, but its connections still count (and close). */
    for (int i = 0; i < 3; i++)
        assert_int_equal(lcont_service_conn_open(t, idb), 0);
    b.ready = LCONT_SERVICE_COND_FALSE;
    T_OK(lcont_service_upsert_endpoint(t, s1, &b, 0, NULL, &_e));
    assert_int_equal(lcont_service_conn_close(t, idb), 0);
    b.ready = LCONT_SERVICE_COND_UNSET;
    T_OK(lcont_service_upsert_endpoint(t, s1, &b, 0, NULL, &_e));
    /* b still has 2, a has 0: least-conn keeps choosing a. */
    for (int i = 0; i < 10; i++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        assert_int_equal(lcont_service_pick(t, s1, NULL, 0, NULL, (uint64_t)i * 31, 0, &p), 0);
        assert_int_equal(p.endpoint_id, ida);
    }

    /* IPv6: ids stay unique among many, survive a list replacement, come back with the address. */
    enum {
        N6 = 2000
    };
    uint64_t s3 = test_service(t, "ids6", 0, 0, 0);
    lcont_endpoint_desc *eps = calloc(N6, sizeof(*eps));
    char(*addrs)[48] = calloc(N6, 48);
    uint64_t *ids = calloc(N6, sizeof(uint64_t));
    assert_true(eps && addrs && ids);
    for (int i = 0; i < N6; i++) {
        snprintf(addrs[i], 48, "fd00:%x::%x", i / 7, i);
        eps[i] = test_ep(addrs[i]);
    }
    T_OK(lcont_service_set_endpoints(t, s3, eps, N6, 0, &_e));
    for (int i = 0; i < N6; i++) {
        T_OK(lcont_service_upsert_endpoint(t, s3, &eps[i], 0, &ids[i], &_e));
        assert_false(ids[i] >> 63); /* IPv4 ids have bit 63 */
        for (int j = 0; j < i; j++)
            assert_true(ids[j] != ids[i]);
    }
    T_OK(lcont_service_set_endpoints(t, s3, eps + 1, N6 - 1, 0, &_e));
    uint64_t again;
    T_OK(lcont_service_upsert_endpoint(t, s3, &eps[5], 0, &again, &_e));
    assert_int_equal(again, ids[5]);
    T_OK(lcont_service_upsert_endpoint(t, s3, &eps[0], 0, &again, &_e));
    assert_int_equal(again, ids[0]);
    free(eps);
    free(addrs);
    free(ids);
    lcont_service_table_unref(t);
}

/* The VmFlags of the mapping holding @addr contain @flag. */
static bool mapping_has_flag(const void *addr, const char *flag)
{
    FILE *f = fopen("/proc/self/smaps", "re");
    assert_non_null(f);
    char line[512];
    bool inside = false, found = false;
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = a >= lo && a < hi;
        } else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            char *tok = strtok(line + 8, " \n");
            for (; tok; tok = strtok(NULL, " \n"))
                if (strcmp(tok, flag) == 0)
                    found = true;
            break;
        }
    }
    fclose(f);
    return found;
}

static void test_service_layout_huge_pages(void **state)
{
    struct arena a = { 0 };
    void *first = lcont__arena_alloc(&a, 448), *later = NULL;
    assert_non_null(first);
    assert_int_equal((uintptr_t)first % 64, 0);
    /* 4 MiB of snapshots outgrow the small first region. */
    for (int i = 0; i < 4096; i++) {
        later = lcont__arena_alloc(&a, 1000);
        assert_non_null(later);
        assert_int_equal((uintptr_t)later % 64, 0);
        memset(later, 0xa5, 1000);
    }
    /* The first region stays on normal pages; later ones ask for huge pages. */
    assert_false(mapping_has_flag(first, "hg"));
    assert_true(mapping_has_flag(later, "hg"));
    assert_int_equal(a.live, 448 + 4096 * 1024); /* 448 is a class: 7 lines */
    /* Freed blocks are reused by size class. */
    lcont__arena_free(&a, later, 1000);
    assert_ptr_equal(lcont__arena_alloc(&a, 1024), later);
    lcont__arena_destroy(&a);
}

static void test_service_layout_arena_churn(void **state)
{
    static const char *const addrs[] = { "10.2.0.1", "10.2.0.2", "10.2.0.3", "fd00::2:4",
                                         "10.2.0.5", "10.2.0.6", "10.2.0.7", "10.2.0.8" };
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t ids[50];
    char name[32];
    static const int pickers[] = {
        LCONT_SERVICE_PICKER_ROUND_ROBIN, LCONT_SERVICE_PICKER_WEIGHTED_RR,
        LCONT_SERVICE_PICKER_RANDOM,      LCONT_SERVICE_PICKER_LEAST_CONN,
        LCONT_SERVICE_PICKER_MAGLEV,      LCONT_SERVICE_PICKER_RING_HASH
    };
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof(name), "s%d", i);
        ids[i] = test_service(t, name, pickers[i % 6], i % 3 == 0 ? 1 : 0, 0);
        set_eps(t, ids[i], addrs, 1 + (size_t)i % 8);
    }
    /* Churn: weight flips, removals, whole lists, services removed and re-added. */
    for (int k = 0; k < 3000; k++) {
        int i = k % 50;
        lcont_endpoint_desc ep = test_ep(addrs[k % 8]);
        ep.weight = 1 + (uint32_t)(k % 3);
        T_OK(lcont_service_upsert_endpoint(t, ids[i], &ep, 0, NULL, &_e));
        if (k % 7 == 0)
            assert_int_equal(lcont_service_remove_endpoint(t, ids[i], addrs[k % 8], 0, NULL), 0);
        if (k % 11 == 0)
            set_eps(t, ids[i], addrs, 1 + (size_t)k % 8);
        if (k % 97 == 0) {
            T_OK(lcont_service_remove(t, ids[i], 0, &_e));
            snprintf(name, sizeof(name), "s%d", i);
            ids[i] = test_service(t, name, pickers[k % 6], 0, 0);
        }
    }
    for (int i = 0; i < 50; i++)
        T_OK(lcont_service_remove(t, ids[i], 0, &_e));
    assert_int_equal(lcont_service_table_reclaim(t), 0);
    /* Only the slot and hot line chunks are left: every snapshot and picker table came back. */
    assert_int_equal(t->arena.live,
                     SLOT_CHUNK_SIZE * (sizeof(struct svc_slot) + sizeof(struct ep_slot)) +
                         (sizeof(struct hot_line) << HOT_CHUNK_BITS));
    lcont_service_table_unref(t);
}

static void test_service_layout_least_conn_weights(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = test_service(t, "lc", LCONT_SERVICE_PICKER_LEAST_CONN, 0, 0);
    lcont_endpoint_desc eps[2] = { test_ep("10.3.0.1"), test_ep("10.3.0.2") };
    eps[0].weight = 3;
    eps[1].weight = 1;
    T_OK(lcont_service_set_endpoints(t, id, eps, 2, 0, &_e));
    uint64_t ep_id[2] = { 0 };
    char buf[INET6_ADDRSTRLEN];
    for (int i = 0; i < 50 && (!ep_id[0] || !ep_id[1]); i++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, (uint64_t)i, 0, &p), 0);
        ep_id[strcmp(pick_addr(&p, buf, sizeof(buf)), "10.3.0.1") == 0 ? 0 : 1] = p.endpoint_id;
    }
    assert_true(ep_id[0] && ep_id[1]);
    /* 2 connections on weight 3 is a lighter load than 1 on weight 1. */
    for (int i = 0; i < 2; i++)
        assert_int_equal(lcont_service_conn_open(t, ep_id[0]), 0);
    assert_int_equal(lcont_service_conn_open(t, ep_id[1]), 0);
    for (int i = 0; i < 20; i++) {
        lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
        assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, (uint64_t)i * 7919, 0, &p), 0);
        assert_int_equal(p.endpoint_id, ep_id[0]);
    }
    lcont_service_table_unref(t);
}

static void test_service_layout_notify_late(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    /* Changes before anyone asked for the fd. */
    uint64_t id = test_service(t, "late", 0, 0, 0);
    lcont_endpoint_desc ep = test_ep("10.4.0.1");
    T_OK(lcont_service_upsert_endpoint(t, id, &ep, 0, NULL, &_e));
    int fd = lcont_service_table_get_notify_fd(t);
    assert_true(fd >= 0);
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    assert_int_equal(poll(&pfd, 1, 0), 1);
    uint64_t v;
    assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
    assert_int_equal(poll(&pfd, 1, 0), 0);
    /* Asking again does not signal the same changes twice. */
    assert_int_equal(lcont_service_table_get_notify_fd(t), fd);
    assert_int_equal(poll(&pfd, 1, 0), 0);
    /* Every later change signals. */
    for (int i = 0; i < 3; i++) {
        ep.weight = 2 + (uint32_t)i;
        T_OK(lcont_service_upsert_endpoint(t, id, &ep, 0, NULL, &_e));
        assert_int_equal(poll(&pfd, 1, 0), 1);
        assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
        assert_int_equal(v, 1);
    }
    lcont_service_table_unref(t);
}

/* An endpoint is its address, however spelled (as when a whole list is replaced). */
static void test_service_layout_address_spelling(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = test_service(t, "sp", 0, 0, 0);
    lcont_endpoint_desc a = test_ep("fd00::1"), b = test_ep("fd00:0::1");
    uint64_t ida, idb, ida2;
    T_OK(lcont_service_upsert_endpoint(t, id, &a, 0, &ida, &_e));
    T_OK(lcont_service_upsert_endpoint(t, id, &b, 0, &idb, &_e));
    assert_int_equal(idb, ida); /* the same endpoint */
    T_OK(lcont_service_upsert_endpoint(t, id, &a, 0, &ida2, &_e));
    assert_int_equal(ida2, ida);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
    assert_int_equal(p.endpoint_id, ida);
    assert_int_equal(lcont_service_remove_endpoint(t, id, "not-an-ip", 0, NULL), -ENOENT);
    assert_int_equal(lcont_service_remove_endpoint(t, id, "fd00:0::1", 0, NULL), 0);
    assert_int_equal(lcont_service_remove_endpoint(t, id, "fd00::1", 0, NULL), -ENOENT);
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), -ECONNREFUSED);
    lcont_service_table_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_layout_hot_line),
        cmocka_unit_test(test_service_layout_hot_eligible),
        cmocka_unit_test(test_service_layout_hot_rewrite),
        cmocka_unit_test(test_service_layout_endpoint_ids),
        cmocka_unit_test(test_service_layout_huge_pages),
        cmocka_unit_test(test_service_layout_arena_churn),
        cmocka_unit_test(test_service_layout_least_conn_weights),
        cmocka_unit_test(test_service_layout_notify_late),
        cmocka_unit_test(test_service_layout_address_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
