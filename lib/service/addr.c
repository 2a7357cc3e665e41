/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IP literals and socket addresses for services and endpoints. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "service/service-internal.h"

int lcont__service_parse_ip(const char *s, struct ipaddr *ret)
{
    struct ipaddr ip = { 0 };
    if (!s)
        return -EINVAL;
    if (inet_pton(AF_INET, s, ip.a) == 1)
        ip.family = AF_INET;
    else if (inet_pton(AF_INET6, s, ip.a) == 1)
        ip.family = AF_INET6;
    else
        return -EINVAL;
    *ret = ip;
    return 0;
}

int lcont__service_ip_from_sockaddr(const struct sockaddr *sa, struct ipaddr *ret,
                                    uint32_t *ret_port)
{
    struct ipaddr ip = { 0 };
    uint32_t port;
    if (!sa)
        return -EINVAL;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        ip.family = AF_INET;
        memcpy(ip.a, &in->sin_addr, 4);
        port = ntohs(in->sin_port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        /* A v4-mapped v6 address is the v4 address (dual-stack sockets report these). */
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
            ip.family = AF_INET;
            memcpy(ip.a, &in6->sin6_addr.s6_addr[12], 4);
        } else {
            ip.family = AF_INET6;
            memcpy(ip.a, &in6->sin6_addr, 16);
        }
        port = ntohs(in6->sin6_port);
    } else {
        return -EINVAL;
    }
    *ret = ip;
    if (ret_port)
        *ret_port = port;
    return 0;
}

size_t lcont__service_name_key(const char *ns, const char *name, char *buf, size_t size)
{
    size_t a = strlen(ns), b = strlen(name);
    if (a + b + 2 > size)
        return 0;
    memcpy(buf, ns, a);
    buf[a] = '/';
    memcpy(buf + a + 1, name, b + 1);
    return a + 1 + b;
}

void lcont__service_vip_key(const struct ipaddr *ip, uint32_t port, int protocol,
                            unsigned char out[VIP_KEY_LEN])
{
    memset(out, 0, VIP_KEY_LEN);
    memcpy(out, ip->a, 16);
    out[16] = (unsigned char)(port >> 8);
    out[17] = (unsigned char)port;
    out[18] = (unsigned char)protocol;
    out[19] = (unsigned char)ip->family;
}
