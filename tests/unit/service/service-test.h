/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the lib/service unit tests. */
#ifndef LCONT_TEST_SERVICE_H
#define LCONT_TEST_SERVICE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <lcont/lcont.h>

#include "core/util.h"
#include "service/service-internal.h"

#define T_OK(expr)                                                       \
    do {                                                                 \
        lcont_error *_e = NULL;                                          \
        int _r = (expr);                                                 \
        if (_r < 0)                                                      \
            fail_msg("%s = %d: %s", #expr, _r, lcont_error_message(_e)); \
        lcont_error_free(_e);                                            \
    } while (0)

static inline lcont_service_table *test_table(const char *node, const char *zone)
{
    lcont_service_table *t = NULL;
    assert_int_equal(lcont_service_table_new(0, &t, NULL), 0);
    lcont__service_table_set_key(t, 0x0123456789abcdefULL, 0xfedcba9876543210ULL);
    if (node || zone)
        assert_int_equal(lcont_service_table_set_host(t, node, zone, NULL), 0);
    return t;
}

/* One-port ("http", 80 -> 8080) service with VIP 10.96.0.1 (+index). */
static inline uint64_t test_service(lcont_service_table *t, const char *name, int picker, int itp,
                                    int etp)
{
    static const lcont_service_port port = { .name = "http", .port = 80, .target_port = 8080 };
    lcont_service_desc d = LCONT_SERVICE_DESC_INIT;
    d.name = name;
    d.ports = &port;
    d.n_ports = 1;
    d.picker = picker;
    d.internal_traffic_policy = itp;
    d.external_traffic_policy = etp;
    uint64_t id = 0;
    lcont_error *e = NULL;
    if (lcont_service_add(t, &d, 0, &id, &e) < 0)
        fail_msg("add %s: %s", name, lcont_error_message(e));
    return id;
}

static inline lcont_endpoint_desc test_ep(const char *addr)
{
    lcont_endpoint_desc d = LCONT_ENDPOINT_DESC_INIT;
    d.address = addr;
    return d;
}

/* Text address of a pick result. */
static inline const char *pick_addr(const lcont_endpoint_pick *p, char *buf, size_t size)
{
    if (p->family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)p->sockaddr)->sin_addr, buf,
                  (socklen_t)size);
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)p->sockaddr)->sin6_addr,
                  buf, (socklen_t)size);
    return buf;
}

static inline struct sockaddr_in test_sin(const char *ip, uint16_t port)
{
    struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, ip, &s.sin_addr);
    return s;
}

#endif
