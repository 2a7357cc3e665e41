#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Load an image into a store, mount it, and run a container of it.

usage: run_image.py [--store DIR] [--state DIR] [--name NAME] SOURCE [ARG...]
SOURCE is "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]" or "docker-archive:FILE[:NAME]";
ARGs replace the image's Cmd. (as root; PYTHONPATH=build/bindings/python for a build tree)
"""
import argparse
import json
import os
import sys
import tempfile

import lcont


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", help="image store directory (default: the context's)")
    ap.add_argument("--state", help="container state directory (default: /run/lcont)")
    ap.add_argument("--name", help="name to give the image")
    ap.add_argument("source")
    ap.add_argument("args", nargs=argparse.REMAINDER)
    opts = ap.parse_args()

    def progress(p):
        if p.phase == lcont.ImagePhase.COPY and p.bytes_done == p.bytes_total:
            print("  copied %s (%d bytes)" % (p.digest[:19], p.bytes_total), file=sys.stderr)

    with lcont.Context(state_root=opts.state) as ctx, \
            lcont.ImageStore(ctx, opts.store, progress=progress) as store:
        image = store.load(opts.source, opts.name)
        print("loaded %s %s (%d layers)" % (image.name, image.digest[:19], image.layer_count),
              flush=True)
        with tempfile.TemporaryDirectory(prefix="lcont-run-image-") as bundle:
            rootfs = os.path.join(bundle, "rootfs")
            os.mkdir(rootfs)
            with image.mount(rootfs):
                config = image.runtime_config(rootfs, root_path="rootfs",
                                              args=opts.args or None)
                with open(os.path.join(bundle, "config.json"), "w") as f:
                    json.dump(config, f)
                # The container writes to our stdout: flush ours first.
                sys.stdout.flush()
                with ctx.create("pyimage-%d" % os.getpid(), bundle) as c:
                    c.start()
                    status = c.wait()
    print("exit status:", status)
    return status


if __name__ == "__main__":
    sys.exit(main())
