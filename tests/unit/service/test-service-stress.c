/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Concurrent readers and one writer: readers pick, look up and count
 * connections without locks while the writer churns endpoints and services.
 * Every pick must return an endpoint that belongs to the service (address
 * and port consistent with one of its snapshots); memory safety is checked
 * by ASan/TSan builds (see meson.build: service-stress-tsan).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "service-test.h"

#ifdef STRESS_LONG
#define WRITES 20000
#else
#define WRITES 4000
#endif
#define READERS 3
#define SERVICES 8

struct shared {
    lcont_service_table *t;
    _Atomic uint64_t ids[SERVICES]; /* the writer replaces ids while readers use them */
    atomic_int stop;
    atomic_ulong picks, bad;
};

static void *reader(void *arg)
{
    struct shared *s = arg;
    unsigned long n = 0;
    uint64_t h = (uint64_t)(uintptr_t)&n;
    while (!atomic_load(&s->stop)) {
        for (int i = 0; i < SERVICES; i++) {
            lcont_endpoint_pick p = LCONT_ENDPOINT_PICK_INIT;
            struct sockaddr_in client = test_sin("192.168.0.1", 1);
            h = lcont__hash_mix64(h);
            ((uint8_t *)&client.sin_addr)[3] = (uint8_t)h;
            int r =
                lcont_service_pick(s->t, s->ids[i], NULL, 0, (struct sockaddr *)&client, h, 0, &p);
            if (r == 0) {
                const struct sockaddr_in *in = (const void *)p.sockaddr;
                const uint8_t *a = (const uint8_t *)&in->sin_addr;
                /* endpoints of service i are 10.<i>.x.y, port 8000 + i */
                if (a[0] != 10 || a[1] != i || p.port != 8000u + (unsigned)i)
                    atomic_fetch_add(&s->bad, 1);
                /* IPv4 endpoint ids carry their address (hot-line picks rebuild them). */
                if ((uint32_t)p.endpoint_id != in->sin_addr.s_addr || !(p.endpoint_id >> 63))
                    atomic_fetch_add(&s->bad, 1);
                lcont_service_conn_open(s->t, p.endpoint_id);
                lcont_service_conn_close(s->t, p.endpoint_id);
                n++;
            } else if (r != -ECONNREFUSED && r != -ENOENT) {
                atomic_fetch_add(&s->bad, 1);
            }
            uint64_t id;
            char name[16];
            snprintf(name, sizeof(name), "s%d", i);
            lcont_service_lookup(s->t, NULL, name, &id);
            lcont_service_table_get_generation(s->t);
        }
    }
    atomic_fetch_add(&s->picks, n);
    return NULL;
}

static uint64_t add_service(lcont_service_table *t, int i, int picker)
{
    lcont_service_port port = { .name = "p", .port = 80, .target_port = 8000 + (uint32_t)i };
    char name[16];
    snprintf(name, sizeof(name), "s%d", i);
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    d.name = name;
    d.ports = &port;
    d.n_ports = 1;
    d.picker = picker;
    d.maglev_size = 251;
    d.affinity = i % 2;
    uint64_t id;
    T_OK(lcont_service_add(t, &d, 0, &id, &_e));
    return id;
}

static void test_service_stress_readers_writer(void **state)
{
    struct shared s = { 0 };
    s.t = test_table("n1", "z1");
    for (int i = 0; i < SERVICES; i++)
        s.ids[i] = add_service(s.t, i, i % 6);
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, reader, &s), 0);

    uint64_t rng = 42;
    for (int w = 0; w < WRITES; w++) {
        rng = lcont__hash_mix64(rng);
        int i = (int)(rng % SERVICES);
        char addr[32];
        snprintf(addr, sizeof(addr), "10.%d.%u.%u", i, (unsigned)(rng >> 8) % 4,
                 (unsigned)(rng >> 16) % 8 + 1);
        switch ((rng >> 32) % 8) {
        case 0: { /* remove and re-add the service: new id */
            T_OK(lcont_service_remove(s.t, s.ids[i], 0, &_e));
            s.ids[i] = add_service(s.t, i, (int)((rng >> 40) % 6));
            break;
        }
        case 1: { /* replace the whole list */
            lcont_endpoint_desc eps[5];
            char a[5][32];
            for (int k = 0; k < 5; k++) {
                snprintf(a[k], sizeof(a[k]), "10.%d.9.%d", i, k + 1);
                eps[k] = test_ep(a[k]);
                eps[k].weight = (uint32_t)k + 1;
            }
            T_OK(lcont_service_set_endpoints(s.t, s.ids[i], eps, (size_t)(rng >> 48) % 6, 0, &_e));
            break;
        }
        case 2:
            lcont_service_remove_endpoint(s.t, s.ids[i], addr, 0, NULL);
            break;
        case 3: /* reconfigure: picker change, same id */
            add_service(s.t, i, (int)((rng >> 40) % 6));
            break;
        default: {
            lcont_endpoint_desc ep = test_ep(addr);
            ep.ready = (rng >> 50) % 4 ? LCONT_SERVICE_COND_TRUE : LCONT_SERVICE_COND_FALSE;
            ep.node = (rng >> 52) % 2 ? "n1" : "n2";
            T_OK(lcont_service_upsert_endpoint(s.t, s.ids[i], &ep, 0, NULL, &_e));
        }
        }
    }
    atomic_store(&s.stop, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(th[i], NULL);
    print_message("picks: %lu, inconsistent: %lu\n", atomic_load(&s.picks), atomic_load(&s.bad));
    assert_int_equal(atomic_load(&s.bad), 0);
    assert_true(atomic_load(&s.picks) > 0);
    /* Readers gone: everything retired can be freed now. */
    assert_int_equal(lcont_service_table_reclaim(s.t), 0);
    lcont_service_table_unref(s.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_service_stress_readers_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
