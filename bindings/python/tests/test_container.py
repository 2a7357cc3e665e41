# SPDX-License-Identifier: LGPL-2.1-or-later
"""Real containers (root): lifecycle, output, exit status, signals, callbacks, asyncio."""
import asyncio
import os
import signal

import pytest

import lcont

pytestmark = pytest.mark.root


def run_capture(ctx, bundle, cid):
    r, w = os.pipe()
    try:
        c = ctx.create(cid, bundle.write(), stdout=w, stderr=w)
    finally:
        os.close(w)
    with os.fdopen(r, "rb") as out:
        c.start()
        status = c.wait()
        data = out.read().decode()
    return c, status, data


def test_run_reads_output_and_exit_status(ctx, bundle):
    bundle.script("echo hello from $(hostname); exit 7")
    bundle.config["hostname"] = "pybox"
    c, status, out = run_capture(ctx, bundle, "py-run")
    assert out == "hello from pybox\n"
    assert status == 7
    assert c.status == lcont.Status.STOPPED
    c.delete()
    assert ctx.container_ids() == []


def test_state_and_list(ctx, bundle):
    bundle.script("sleep 60")
    with ctx.create("py-state", bundle.write()) as c:
        assert c.status == lcont.Status.CREATED
        assert c.id == "py-state" and c.bundle == bundle.path
        st = c.state
        assert st["status"] == "created" and st["pid"] == c.pid > 0
        c.start()
        assert c.status == lcont.Status.RUNNING
        assert ctx.container_ids() == ["py-state"]
        assert [x.id for x in ctx.containers()] == ["py-state"]
        assert str(ctx.load("py-state").status) == "running"
        c.kill(signal.SIGKILL)
        assert c.wait() == 128 + signal.SIGKILL
    assert ctx.container_ids() == []  # the context manager deleted it


def test_pid_namespace_init_is_pid_1(ctx, bundle):
    bundle.script("echo $$")
    _, status, out = run_capture(ctx, bundle, "py-pid1")
    assert (status, out) == (0, "1\n")


def test_duplicate_id_is_file_exists(ctx, bundle):
    bundle.script("sleep 60")
    with ctx.create("py-dup", bundle.write()):
        with pytest.raises(FileExistsError):
            ctx.create("py-dup", bundle.path)


def test_bad_bundle_errors(ctx, tmpdir_short):
    with pytest.raises(FileNotFoundError):
        ctx.create("py-nobundle", os.path.join(tmpdir_short, "missing"))


def test_log_callback_receives_messages(tmpdir_short, bundle):
    lines = []
    with lcont.Context(state_root=os.path.join(tmpdir_short, "s"),
                       log=lambda lvl, msg: lines.append((lvl, msg)),
                       log_level=lcont.LogLevel.DEBUG) as ctx:
        bundle.script("true")
        with ctx.create("py-log", bundle.write()) as c:
            c.start()
            c.wait()
    assert lines and all(isinstance(m, str) for _, m in lines)
    assert any(lvl == lcont.LogLevel.DEBUG for lvl, _ in lines)


def test_exception_in_log_callback_is_raised_after_the_call(tmpdir_short, bundle):
    def boom(level, msg):
        raise RuntimeError("from the log callback")

    with lcont.Context(state_root=os.path.join(tmpdir_short, "s"), log=boom,
                       log_level=lcont.LogLevel.DEBUG) as ctx:
        bundle.script("true")
        with pytest.raises(RuntimeError, match="from the log callback"):
            ctx.create("py-boom", bundle.write())
        ctx.set_log(None)
        for c in ctx.containers():
            c.delete(force=True)


def test_asyncio_wait(ctx, bundle):
    bundle.script("sleep 0.2; exit 3")

    async def main():
        with ctx.create("py-async", bundle.write()) as c:
            c.start()
            ticks = 0

            async def ticker():
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            t = asyncio.ensure_future(ticker())
            status = await c.wait_async()
            t.cancel()
            return status, ticks

    status, ticks = asyncio.run(main())
    assert status == 3
    assert ticks > 0  # the loop kept running while the container ran


def test_init_process_handle(ctx, bundle):
    # pid 1 of a pid namespace ignores signals it has no handler for: trap TERM.
    bundle.script("trap 'exit 5' TERM; echo ready > /tmp/ready; while :; do sleep 0.05; done")
    with ctx.create("py-proc", bundle.write()) as c:
        c.start()
        p = c.init_process
        assert p.pid == c.pid and p.pidfd >= 0
        ready = os.path.join(bundle.path, "rootfs", "tmp", "ready")
        while not os.path.exists(ready):
            assert p.poll() is None
        p.signal(signal.SIGTERM)
        assert p.wait() == 5
        assert p.poll() == 5
        c.kill(signal.SIGKILL, all=True)
