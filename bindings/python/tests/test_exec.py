# SPDX-License-Identifier: LGPL-2.1-or-later
"""exec, pause/resume, update, stats, pids and the OOM fd on real containers (root)."""
import errno
import os
import select
import signal

import pytest

import lcont

pytestmark = pytest.mark.root


def exec_capture(c, args, **kw):
    r, w = os.pipe()
    try:
        p = c.exec(args, stdout=w, stderr=w, **kw)
    finally:
        os.close(w)
    with os.fdopen(r, "rb") as out:
        data = out.read().decode()
    return p.wait(), data


@pytest.fixture
def running(ctx, bundle):
    bundle.script("echo started > /tmp/started; while :; do sleep 1; done")
    bundle.config["process"]["env"] = ["PATH=/bin", "FROM_CONFIG=yes"]
    with ctx.create("py-exec", bundle.write()) as c:
        c.start()
        yield c
        c.kill(signal.SIGKILL, all=True)
        c.wait()


def test_exec_reads_output_and_status(running):
    status, out = exec_capture(running, ["/bin/sh", "-c", "echo in $(hostname) as $$; exit 5"])
    assert status == 5
    assert out.startswith("in ") and out.split()[-1] != "1"  # not the init process


def test_exec_env_cwd_user(running):
    status, out = exec_capture(running, ["/bin/sh", "-c", "echo $FROM_CONFIG $EXTRA $(pwd) "
                                         "$(id -u):$(id -g)"],
                               env={"EXTRA": "x"}, cwd="/tmp", user="1000:1001")
    assert (status, out) == (0, "yes x /tmp 1000:1001\n")
    status, out = exec_capture(running, ["/bin/sh", "-c", "id -G"], user=(7, 8),
                               additional_gids=[20, 30])
    assert (status, sorted(out.split())) == (0, ["20", "30", "8"])


def test_exec_user_by_name(ctx, bundle):
    """Names come from the container's own /etc/passwd and /etc/group (not the host's), with
    the user's supplementary groups."""
    etc = os.path.join(bundle.path, "rootfs", "etc")
    with open(os.path.join(etc, "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\napp:x:1234:1234:App:/home/app:/bin/sh\n")
    with open(os.path.join(etc, "group"), "w") as f:
        f.write("root:x:0:\napp:x:1234:\nstaff:x:77:app\n")
    bundle.script("while :; do sleep 1; done")
    with ctx.create("py-exec-user", bundle.write()) as c:
        c.start()
        try:
            status, out = exec_capture(c, ["/bin/sh", "-c", "echo $(id -u):$(id -g):$(id -G)"],
                                       user="app")
            assert (status, out) == (0, "1234:1234:1234 77\n")
            status, out = exec_capture(c, ["/bin/sh", "-c", "echo $(id -u):$(id -g)"],
                                       user="app:staff")
            assert (status, out) == (0, "1234:77\n")
        finally:
            c.kill(signal.SIGKILL, all=True)
            c.wait()


def test_exec_process_json_and_pids(running):
    p = running.exec(process={"args": ["/bin/sleep", "30"], "cwd": "/", "env": ["PATH=/bin"],
                              "user": {"uid": 0, "gid": 0}})
    try:
        pids = running.pids()
        assert running.pid in pids and p.pid in pids and pids == sorted(pids)
    finally:
        p.signal(signal.SIGKILL)
    assert p.wait() == 128 + signal.SIGKILL


def test_exec_errors(running):
    with pytest.raises(FileNotFoundError):
        running.exec(["/no/such/binary"])
    with pytest.raises(OSError) as e:
        running.exec(["/bin/true"], cwd="relative")
    assert e.value.errno == errno.EINVAL
    with pytest.raises(FileNotFoundError):
        running.exec(["/bin/true"], user="nobody-here")  # not in the container's passwd
    with pytest.raises(ValueError):
        running.exec(["/bin/true"], user=":5")
    with pytest.raises(ValueError):
        running.exec(["/bin/true"], additional_gids=[5])  # would reset the user to root


def test_pause_resume(running):
    running.pause()
    assert running.status == lcont.Status.PAUSED
    assert running.state["status"] == "paused"
    with pytest.raises(OSError) as e:
        running.exec(["/bin/true"])
    assert e.value.errno == errno.EBUSY
    with pytest.raises(OSError) as e:
        running.pause()
    assert e.value.errno == errno.EBUSY
    running.resume()
    assert running.status == lcont.Status.RUNNING
    with pytest.raises(OSError) as e:
        running.resume()
    assert e.value.errno == errno.EBUSY
    assert exec_capture(running, ["/bin/true"]) == (0, "")


def test_stats_update_and_oom_fd(running):
    stats = running.stats()
    assert {"cpu", "memory", "pids"} <= set(stats)
    assert stats["pids"]["current"] >= 1
    running.update({"pids": {"limit": 42}})
    assert running.stats()["pids"]["limit"] == 42
    with pytest.raises(OSError) as e:
        running.update({"pids": {"limit": "many"}})
    assert e.value.errno == errno.EINVAL
    fd = running.oom_fd()
    try:
        assert fd >= 0
        assert select.select([fd], [], [], 0)[0] == []  # no OOM so far
    finally:
        os.close(fd)


def test_stopped_container_errors(ctx, bundle):
    bundle.script("true")
    with ctx.create("py-stopped", bundle.write()) as c:
        c.start()
        assert c.wait() == 0
        with pytest.raises(ProcessLookupError):
            c.exec(["/bin/true"])
        with pytest.raises(OSError) as e:
            c.pause()
        assert e.value.errno == errno.EBUSY


def read_pty(f):
    data = b""
    while True:
        try:
            chunk = f.read(4096)
        except OSError as e:  # EIO: the slave side is closed
            assert e.errno == errno.EIO
            break
        if not chunk:
            break
        data += chunk
    return data.decode()


def test_exec_with_a_terminal(running):
    p = running.exec(["/bin/sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo on-a-tty; exit 4"],
                     tty=True)
    with p.pty:
        out = read_pty(p.pty)
    assert p.wait() == 4
    assert out.replace("\r\n", "\n") == "on-a-tty\n"
    # Without a terminal the same test says no.
    assert exec_capture(running, ["/bin/sh", "-c", "[ -t 1 ] || echo no-tty"]) == (0, "no-tty\n")


def test_exec_terminal_with_own_console_socket(running):
    with lcont.ConsoleSocket() as cs:
        p = running.exec(["/bin/sh", "-c", "echo via-socket"], tty=True, console_socket=cs.path)
        with os.fdopen(cs.receive(timeout=30), "rb", buffering=0) as master:
            out = read_pty(master)
    assert p.pty is None and p.wait() == 0
    assert out == "via-socket\r\n"
    assert not os.path.exists(cs.path)
