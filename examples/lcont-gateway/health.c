/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Active health checks in one thread: a TCP connect, or an HTTP GET whose status must match.
 * An endpoint goes down after unhealthy_threshold consecutive failures and comes back after
 * healthy_threshold successes (which also ends a passive ejection). Checks are blocking with a
 * timeout: simple, and they never touch the workers' loops. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw.h"

static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - gw_now_ms();
        if (left <= 0)
            return -ETIMEDOUT;
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, (int)left);
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

static bool check(struct gw_service *s, struct gw_endpoint *e)
{
    int64_t deadline = gw_now_ms() + s->hc_timeout_ms;
    int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool ok = false;
    if (connect(fd, (struct sockaddr *)&e->addr, e->addrlen) < 0 && errno != EINPROGRESS)
        goto out;
    if (wait_fd(fd, POLLOUT, deadline) < 0)
        goto out;
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
        goto out;
    if (strcmp(s->hc_type, "tcp") == 0) {
        ok = true;
        goto out;
    }
    char req[512], resp[64];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: lcont-gateway-health\r\n"
                     "Connection: close\r\n\r\n",
                     s->hc_path, e->name);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        goto out;
    size_t got = 0;
    while (got < 12) {
        if (wait_fd(fd, POLLIN, deadline) < 0)
            goto out;
        ssize_t r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);
        if (r <= 0)
            goto out;
        got += (size_t)r;
    }
    resp[got] = '\0';
    ok = strncmp(resp, "HTTP/1.", 7) == 0 && atoi(resp + 9) == s->hc_expect;
out:
    close(fd);
    return ok;
}

static void run_checks(struct gw_config *c)
{
    int64_t now = gw_now_ms();
    for (size_t i = 0; i < c->n_services; i++) {
        struct gw_service *s = &c->services[i];
        if (!s->hc_type[0])
            continue;
        for (size_t k = 0; k < s->n_eps; k++) {
            struct gw_endpoint *e = s->eps[k];
            if (e->hc_next_ms > now)
                continue;
            e->hc_next_ms = now + s->hc_interval_ms;
            if (check(s, e)) {
                e->hc_fail_streak = 0;
                if (++e->hc_ok_streak >= s->hc_healthy && !atomic_load(&e->healthy)) {
                    gw_log("endpoint %s of service %s is healthy", e->name, s->name);
                    atomic_store(&e->healthy, 1);
                    atomic_store(&e->ejected_until_ms, 0);
                }
            } else {
                e->hc_ok_streak = 0;
                if (++e->hc_fail_streak >= s->hc_unhealthy && atomic_load(&e->healthy)) {
                    gw_log("endpoint %s of service %s is unhealthy", e->name, s->name);
                    atomic_store(&e->healthy, 0);
                }
            }
        }
    }
}

static void *health_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&gw.stopping)) {
        struct gw_config *c = gw_current_config();
        run_checks(c);
        gw_config_unref(c);
        struct timespec ts = { 0, 50 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return NULL;
}

int gw_health_start(void)
{
    pthread_t t;
    int r = pthread_create(&t, NULL, health_main, NULL);
    if (r == 0)
        pthread_detach(t);
    return -r;
}
