/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Interrupt moderation in software: how long a worker waits after a small epoll batch so that
 * the next one is larger. Pure arithmetic on what the worker observed, so it is tested alone. */
#ifndef GW_COALESCE_H
#define GW_COALESCE_H

#include <stdint.h>

/* A worker waits only for a batch its requests in flight can fill: no more than half of them
 * (each answers with one event or two), at most BATCH_MAX events, and never for fewer than
 * BATCH_MIN: with 4 clients in a closed loop, waiting for 2 stalls the other 2 (-15% req/s
 * at wrk -c4, docs/benchmarks.md). */
#define GW_COALESCE_BATCH_MIN 3
#define GW_COALESCE_BATCH_MAX 8
#define GW_COALESCE_WINDOW_US 500 /* the arrival rate is measured over windows this long */

struct gw_coalesce {
    double events_per_us; /* smoothed arrival rate; 0 until the first window ends */
    int64_t window_start_us;
    int window_events;
};

/* Account @events returned by one epoll_wait at @now_us. */
void gw_coalesce_note(struct gw_coalesce *c, int events, int64_t now_us);

/*
 * Microseconds to wait before the next epoll_wait, 0 for none: the time a batch of
 * min(GW_COALESCE_BATCH_MAX, @inflight / 2) events takes to arrive at the measured rate, at
 * most @max_us, when that batch is at least GW_COALESCE_BATCH_MIN and the last one
 * (@last_batch events) was smaller.
 */
int gw_coalesce_wait_us(const struct gw_coalesce *c, int last_batch, int inflight, int max_us);

#endif
