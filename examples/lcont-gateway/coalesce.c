/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why wait at all: a worker that answers each event at once sleeps and is woken about once per
 * request under load, and so are the clients and backends it feeds one response or request at
 * a time; on a VM each of those wake-ups is a halt and an exit. Batches cost everyone less.
 * Why these bounds: a wait longer than the batch takes to arrive only adds latency, and a batch
 * larger than what is in flight never arrives (a closed loop of 4 clients cannot send 8
 * requests), so with few exchanges in flight the worker never waits; the configured bound caps
 * what a slow trickle of events can cost.
 */
#include "coalesce.h"

void gw_coalesce_note(struct gw_coalesce *c, int events, int64_t now_us)
{
    if (events <= 0)
        return;
    if (c->window_start_us == 0) { /* the first batch only opens the first window */
        c->window_start_us = now_us;
        return;
    }
    c->window_events += events;
    int64_t span = now_us - c->window_start_us;
    if (span < GW_COALESCE_WINDOW_US)
        return;
    double rate = (double)c->window_events / (double)span;
    /* an even mix of the last window and the ones before: follows a change within a few ms */
    c->events_per_us = c->events_per_us > 0 ? (c->events_per_us + rate) / 2 : rate;
    c->window_start_us = now_us;
    c->window_events = 0;
}

int gw_coalesce_wait_us(const struct gw_coalesce *c, int last_batch, int inflight, int max_us)
{
    int batch = inflight / 2;
    if (batch > GW_COALESCE_BATCH_MAX)
        batch = GW_COALESCE_BATCH_MAX;
    if (max_us <= 0 || batch < GW_COALESCE_BATCH_MIN || last_batch >= batch ||
        c->events_per_us <= 0)
        return 0;
    double us = batch / c->events_per_us;
    return us > max_us ? max_us : (int)us;
}
