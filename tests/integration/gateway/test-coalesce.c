/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The coalescing rule on its own: when a worker waits for a larger epoll batch, and how long.
 * Time is passed in, so every case is exact. */
#include <stddef.h>
#include <stdio.h>

#include "coalesce.h"

static int failures;

#define EXPECT_EQ(got, want, what)                                   \
    do {                                                             \
        long long g_ = (got), w_ = (want);                           \
        if (g_ != w_) {                                              \
            printf("FAIL: %s: got %lld, want %lld\n", what, g_, w_); \
            failures++;                                              \
        }                                                            \
    } while (0)

struct wait_case {
    int last, inflight, max_us, want;
    const char *what;
};

/* at 0.05 events per us */
static const struct wait_case at_005[] = {
    { 1, 50, 200, 160, "batch of 8 at 0.05/us" },
    { 7, 50, 200, 160, "last batch of 7 is still small" },
    { 8, 50, 200, 0, "last batch was full" },
    { 1, 1000, 200, 160, "batch capped at 8" },
    { 1, 6, 200, 60, "6 in flight: batch of 3" },
    { 3, 7, 200, 0, "7 in flight, 3 came" },
    { 0, 5, 200, 0, "5 in flight: a batch of 2 is too small" },
    { 0, 4, 200, 0, "4 in flight: never waits" },
    { 0, 0, 200, 0, "nothing in flight" },
    { 1, 50, 100, 100, "batch needs longer than allowed" },
    { 1, 50, 160, 160, "batch needs exactly the limit" },
    { 1, 50, 0, 0, "coalescing off" },
};

int main(void)
{
    struct gw_coalesce c = { 0 };
    EXPECT_EQ(gw_coalesce_wait_us(&c, 1, 50, 200), 0, "no rate measured yet");

    gw_coalesce_note(&c, 7, 1000000); /* opens the first window; its events are before it */
    gw_coalesce_note(&c, 10, 1000300);
    EXPECT_EQ(gw_coalesce_wait_us(&c, 1, 50, 200), 0, "window not over after 300 us");
    gw_coalesce_note(&c, 0, 1000900);  /* a timeout returns nothing: ignored */
    gw_coalesce_note(&c, -1, 1000900); /* EINTR: ignored */
    gw_coalesce_note(&c, 40, 1001000); /* 50 events in 1000 us: 0.05 per us */
    for (size_t i = 0; i < sizeof(at_005) / sizeof(at_005[0]); i++) {
        const struct wait_case *k = &at_005[i];
        EXPECT_EQ(gw_coalesce_wait_us(&c, k->last, k->inflight, k->max_us), k->want, k->what);
    }

    /* the load falls: 5 events in the next 1000 us (0.005/us) pull the rate halfway down */
    gw_coalesce_note(&c, 5, 1002000);
    EXPECT_EQ(gw_coalesce_wait_us(&c, 1, 50, 1000), 290, "8 events at 0.0275/us");
    /* and once it is light, the bound is what a small batch costs */
    gw_coalesce_note(&c, 1, 1012000); /* 1 event in 10 ms */
    EXPECT_EQ(gw_coalesce_wait_us(&c, 1, 50, 200), 200, "light load waits the bound");
    EXPECT_EQ(gw_coalesce_wait_us(&c, 0, 4, 200), 0, "light load, 4 in flight: no wait");

    if (failures)
        return 1;
    printf("coalesce: all cases pass\n");
    return 0;
}
