#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Run several containers from one bundle concurrently and await them with asyncio.

usage: wait_async.py BUNDLE_DIR [N]
"""
import asyncio
import os
import sys

import lcont


async def run_one(ctx, bundle, i):
    with ctx.create("pyasync-%d-%d" % (os.getpid(), i), bundle) as c:
        c.start()
        return await c.wait_async()


async def main():
    bundle = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with lcont.Context() as ctx:
        statuses = await asyncio.gather(*(run_one(ctx, bundle, i) for i in range(n)))
    print("exit statuses:", statuses)


if __name__ == "__main__":
    asyncio.run(main())
