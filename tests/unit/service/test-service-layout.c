/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The read path's memory layout and the arena behind it: compact snapshots
 * (16-byte IPv4 members, pool and counter in the header's cache line, the
 * prefetch count in the slot's pointer tag), transparent huge pages for big
 * tables, no arena block lost through churn; plus what the changes around
 * them must keep: picks over mixed families, weighted least-conn, and
 * notifications for changes made before anyone asked for the fd.
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

static void test_service_layout_compact(void **state)
{
    static const char *const v4[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5",
                                      "10.0.0.6", "10.0.0.7", "10.0.0.8", "10.0.0.9", "10.0.0.10" };
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = test_service(t, "web", 0, 0, 0);
    set_eps(t, id, v4, 10);

    uintptr_t tag;
    struct snap *s = snap_of(t, id, &tag);
    assert_int_equal((uintptr_t)s % 64, 0);
    /* It fits its home, and no reader held the old one: it lives there. */
    assert_ptr_equal(s, lcont__service_home(t, lcont__service_id_slot(id)));
    assert_true(s->in_home);
    assert_int_equal(s->member_shift, MEMBER_SHIFT_V4);
    /* header, port, tail, 10 x 16-byte members, "http": 296 bytes, 5 lines */
    assert_int_equal(s->block_size, 296);
    assert_int_equal(tag, 5);
    assert_int_equal(s->prefetch_lines, 5);
    const struct pool *p = &s->ports[0].cluster;
    /* Round robin reads its pool and counter in the header's line. */
    assert_true((const char *)(p + 1) - (const char *)s <= 64);
    assert_int_equal(p->n, 10);
    assert_int_equal(p->m - (const char *)s, 128);
    assert_int_equal((const char *)lcont__service_member(s, p, 9) - p->m, 9 * 16);
    assert_cycle(t, id, v4, 10);

    /* One IPv6 endpoint: 32-byte members for the whole snapshot, picks stay exact. */
    static const char *const mixed[] = { "10.0.0.1", "fd00::1", "10.0.0.3", "fd00:1::abcd" };
    set_eps(t, id, mixed, 4);
    s = snap_of(t, id, &tag);
    assert_int_equal(s->member_shift, MEMBER_SHIFT_V6);
    assert_int_equal(tag, s->prefetch_lines);
    for (int round = 0; round < 3; round++)
        assert_cycle(t, id, mixed, 4);
    /* Back to IPv4 only. */
    set_eps(t, id, v4, 3);
    s = snap_of(t, id, &tag);
    assert_int_equal(s->member_shift, MEMBER_SHIFT_V4);
    assert_cycle(t, id, v4, 3);

    /* Too big for a home (16 endpoints): an arena block. */
    static const char *const many[] = { "10.0.1.1",  "10.0.1.2",  "10.0.1.3",  "10.0.1.4",
                                        "10.0.1.5",  "10.0.1.6",  "10.0.1.7",  "10.0.1.8",
                                        "10.0.1.9",  "10.0.1.10", "10.0.1.11", "10.0.1.12",
                                        "10.0.1.13", "10.0.1.14", "10.0.1.15", "10.0.1.16" };
    set_eps(t, id, many, 16);
    s = snap_of(t, id, &tag);
    assert_false(s->in_home);
    assert_true(s->block_size > HOME_SIZE);
    assert_int_equal(tag, s->prefetch_lines);
    assert_cycle(t, id, many, 16);
    lcont_service_table_unref(t);
}

/* A home is rewritten only once no reader can still be reading it. */
static void test_service_layout_home_grace(void **state)
{
    static const char *const a[] = { "10.5.0.1", "10.5.0.2" }, *const b[] = { "10.5.0.3" };
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = test_service(t, "g", 0, 0, 0);
    set_eps(t, id, a, 2);
    uintptr_t tag;
    char *home = lcont__service_home(t, lcont__service_id_slot(id));
    struct snap *s = snap_of(t, id, &tag);
    assert_ptr_equal(s, home);
    uint64_t g0 = s->generation;

    /* A reader is inside (it may hold the home): the update goes elsewhere. */
    _Atomic uint64_t *rc = lcont__service_read_enter(t);
    set_eps(t, id, b, 1);
    s = snap_of(t, id, &tag);
    assert_ptr_not_equal(s, home);
    assert_false(s->in_home);
    assert_int_equal(((struct snap *)home)->generation, g0); /* untouched */
    assert_true(lcont_service_table_reclaim(t) > 0);
    assert_ptr_not_equal(snap_of(t, id, &tag), home);
    assert_cycle(t, id, b, 1);

    /* Once it left, the next reclaim moves the snapshot home (same generation). */
    uint64_t g1 = s->generation;
    lcont__service_read_leave(rc);
    assert_int_equal(lcont_service_table_reclaim(t), 0);
    s = snap_of(t, id, &tag);
    assert_ptr_equal(s, home);
    assert_int_equal(s->generation, g1);
    assert_cycle(t, id, b, 1);
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
    /* Only the slot and home chunks are left: every snapshot and picker table came back. */
    assert_int_equal(t->arena.live,
                     SLOT_CHUNK_SIZE * (sizeof(struct svc_slot) + sizeof(struct ep_slot)) +
                         ((size_t)HOME_SIZE << HOME_CHUNK_BITS));
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

/* Endpoint lookup by address string compares parsed addresses first: spellings still differ. */
static void test_service_layout_address_spelling(void **state)
{
    lcont_service_table *t = test_table(NULL, NULL);
    uint64_t id = test_service(t, "sp", 0, 0, 0);
    lcont_endpoint_desc a = test_ep("fd00::1"), b = test_ep("fd00:0::1");
    uint64_t ida, idb, ida2;
    T_OK(lcont_service_upsert_endpoint(t, id, &a, 0, &ida, &_e));
    T_OK(lcont_service_upsert_endpoint(t, id, &b, 0, &idb, &_e));
    assert_true(ida != idb); /* another string: another endpoint, as before */
    T_OK(lcont_service_upsert_endpoint(t, id, &a, 0, &ida2, &_e));
    assert_int_equal(ida2, ida);
    assert_int_equal(lcont_service_remove_endpoint(t, id, "not-an-ip", 0, NULL), -ENOENT);
    assert_int_equal(lcont_service_remove_endpoint(t, id, "fd00:0::1", 0, NULL), 0);
    assert_int_equal(lcont_service_remove_endpoint(t, id, "fd00:0::1", 0, NULL), -ENOENT);
    lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
    assert_int_equal(lcont_service_pick(t, id, NULL, 0, NULL, 0, 0, &p), 0);
    assert_int_equal(p.endpoint_id, ida);
    lcont_service_table_unref(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_layout_compact),
        cmocka_unit_test(test_service_layout_home_grace),
        cmocka_unit_test(test_service_layout_huge_pages),
        cmocka_unit_test(test_service_layout_arena_churn),
        cmocka_unit_test(test_service_layout_least_conn_weights),
        cmocka_unit_test(test_service_layout_notify_late),
        cmocka_unit_test(test_service_layout_address_spelling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
