# SPDX-License-Identifier: LGPL-2.1-or-later
"""No leaks across many create/destroy cycles of cheap objects."""
import gc

import lcont


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def cycle(i, store_root):
    with lcont.Context(state_root="/tmp/lcont-py-mem", store_root=store_root,
                       log=lambda lvl, msg: None) as ctx:
        with lcont.ImageStore(ctx, progress=lambda p: None) as store:
            try:
                store.lookup("missing:%d" % i)
            except FileNotFoundError:
                pass
            store.digests()
    lcont.generate_spec()
    try:
        lcont.Context(state_root="relative")
    except OSError:
        pass
    with lcont.ServiceTable() as t:
        svc = t.add(None, "s%d" % (i % 7), ports=[("http", 80)], vips=["10.0.0.1"])
        svc.set_endpoints([lcont.Endpoint("10.1.0.1", ports={"http": 8080}, zone="z",
                                          hints=["z"]),
                           lcont.Endpoint("10.1.0.2", ports={"http": 8080})])
        svc.pick("http")
        try:
            svc.pick(9)
        except FileNotFoundError:
            pass


def test_ten_thousand_cycles_do_not_grow_rss(tmp_path):
    store_root = str(tmp_path / "store")
    for i in range(500):  # warm up allocator and caches
        cycle(i, store_root)
    gc.collect()
    before = rss_kib()
    for i in range(10000):
        cycle(i, store_root)
    gc.collect()
    grown = rss_kib() - before
    # A leak of one context (~100 bytes) per cycle would be ~1 MiB; a leaked spec string
    # (~6 KiB) ~60 MiB; a leaked service table (eventfd, snapshots) or image store
    # (directory fds, lock) fd exhaustion and several MiB. Generous bound against
    # allocator noise.
    assert grown < 4096, "RSS grew by %d KiB over 10000 cycles" % grown
