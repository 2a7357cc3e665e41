# SPDX-License-Identifier: LGPL-2.1-or-later
"""lcont.Container: an OCI container's lifecycle."""
import enum
import json
import os
import signal as _signal
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ._errors import check, check_new, new_errp
from ._lcont import ffi, lib
from ._util import cstr, cstrv, env_list, fileno, pystr, take_string
from .process import Process

__all__ = ["Container", "Status"]


class Status(enum.IntEnum):
    CREATING = lib.LCONT_STATUS_CREATING
    CREATED = lib.LCONT_STATUS_CREATED
    RUNNING = lib.LCONT_STATUS_RUNNING
    STOPPED = lib.LCONT_STATUS_STOPPED
    PAUSED = lib.LCONT_STATUS_PAUSED

    def __str__(self):
        return self.name.lower()


class Container:
    """A container (``lcont_container``). Create one with Context.create() or
    Container.create(); as a context manager it is force-deleted on exit."""

    def __init__(self, ctx, ptr):
        self._ctx = ctx
        self._ptr = ffi.gc(ptr, lib.lcont_container_unref)

    @classmethod
    def create(cls, ctx, id: str, bundle, *, console_socket=None, pid_file=None,
               preserve_fds: int = 0, stdin=None, stdout=None, stderr=None,
               no_pivot: bool = False, no_new_keyring: bool = False) -> "Container":
        """Create container @id from the OCI bundle directory @bundle (config.json +
        rootfs). The process waits for start(). stdin/stdout/stderr (ints or objects with
        fileno()) replace the inherited stdio; the library borrows them for this call."""
        keep = []
        opts = ffi.new("lcont_create_opts *")
        check(lib.lcont_create_opts_init(opts, ffi.sizeof("lcont_create_opts")))
        opts.bundle = cstr(bundle, keep)
        opts.console_socket = cstr(console_socket, keep)
        opts.pid_file = cstr(pid_file, keep)
        opts.preserve_fds = preserve_fds
        flags = 0
        if stdin is not None or stdout is not None or stderr is not None:
            flags |= lib.LCONT_CREATE_STDIO
            opts.stdin_fd = fileno(stdin) if stdin is not None else 0
            opts.stdout_fd = fileno(stdout) if stdout is not None else 1
            opts.stderr_fd = fileno(stderr) if stderr is not None else 2
        if no_pivot:
            flags |= lib.LCONT_CREATE_NO_PIVOT
        if no_new_keyring:
            flags |= lib.LCONT_CREATE_NO_NEW_KEYRING
        ret = ffi.new("lcont_container **")
        err = new_errp()
        rc = lib.lcont_container_create(ctx.ptr, cstr(id, keep), opts, flags, ret, err)
        return check_new(rc, err, ret, lambda p: cls(ctx, p))

    @classmethod
    def load(cls, ctx, id: str) -> "Container":
        keep = []
        ret = ffi.new("lcont_container **")
        err = new_errp()
        rc = lib.lcont_container_load(ctx.ptr, cstr(id, keep), 0, ret, err)
        return check_new(rc, err, ret, lambda p: cls(ctx, p))

    @property
    def id(self) -> str:
        return pystr(lib.lcont_container_get_id(self._ptr))

    @property
    def bundle(self) -> str:
        return pystr(lib.lcont_container_get_bundle(self._ptr))

    @property
    def pid(self) -> int:
        """Pid of the init process (0 when there is none)."""
        return lib.lcont_container_get_pid(self._ptr)

    @property
    def status(self) -> Status:
        err = new_errp()
        return Status(check(lib.lcont_container_get_status(self._ptr, 0, err), err))

    @property
    def state(self) -> Dict[str, Any]:
        """The OCI state document (ociVersion, id, status, pid, bundle, annotations)."""
        ret = ffi.new("char **")
        err = new_errp()
        rc = lib.lcont_container_get_state_json(self._ptr, 0, ret, err)
        return json.loads(check_new(rc, err, ret, take_string))

    @property
    def init_process(self) -> Process:
        ret = ffi.new("lcont_process **")
        err = new_errp()
        rc = lib.lcont_container_get_init_process(self._ptr, 0, ret, err)
        return check_new(rc, err, ret, Process)

    def start(self) -> None:
        """Run the user process (the container must be created)."""
        err = new_errp()
        check(lib.lcont_container_start(self._ptr, 0, err), err)

    def kill(self, sig: int = _signal.SIGTERM, *, all: bool = False) -> None:
        """Signal the init process, or with all=True every process of the container."""
        err = new_errp()
        check(lib.lcont_container_kill(self._ptr, int(sig), lib.LCONT_KILL_ALL if all else 0,
                                       err), err)

    def delete(self, *, force: bool = False) -> None:
        """Remove the container (force: kill it first if it still runs)."""
        err = new_errp()
        check(lib.lcont_container_delete(self._ptr, lib.LCONT_DELETE_FORCE if force else 0,
                                         err), err)

    def wait(self) -> int:
        """Wait for the init process; returns its exit status (code, or 128 + signal)."""
        return self.init_process.wait()

    async def wait_async(self) -> int:
        """Like wait(), for asyncio: ``status = await container.wait_async()``."""
        return await self.init_process.wait_async()

    def exec(self, args: Optional[Sequence[str]] = None, *, env=None, cwd=None,
             user: Union[None, int, str, Tuple[int, int]] = None,
             additional_gids: Optional[Sequence[int]] = None,
             caps: Optional[Sequence[str]] = None, tty: bool = False, console_socket=None,
             pid_file=None, preserve_fds: int = 0, stdin=None, stdout=None, stderr=None,
             no_new_privs: bool = False, process: Union[None, str, Dict[str, Any]] = None,
             apparmor_profile: Optional[str] = None,
             selinux_label: Optional[str] = None) -> Process:
        """Run a new process in the (created or running) container and return it; wait()
        for it. Options apply on top of @process (an OCI "process" object, dict or JSON)
        or, without it, of the container's own process: @args replaces its args, @env
        (dict or "K=V" list) adds or replaces variables, @user is a uid, "uid:gid", a
        (uid, gid) tuple or "name[:group]" (looked up in the container's own /etc/passwd and
        /etc/group; the name's supplementary groups apply unless @additional_gids is
        given). tty=True needs @console_socket (it receives the pty master).
        stdin/stdout/stderr (ints or objects with fileno()) replace the caller's stdio.
        With tty=True and no console_socket, the binding receives the pty master itself:
        it is the returned process's ``pty`` (a binary file; reads raise EIO or return
        b"" once the process has exited)."""
        if tty and console_socket is None:
            from .console import ConsoleSocket
            with ConsoleSocket() as cs:
                p = self.exec(args, env=env, cwd=cwd, user=user, additional_gids=additional_gids,
                              caps=caps, tty=True, console_socket=cs.path, pid_file=pid_file,
                              preserve_fds=preserve_fds, stdin=stdin, stdout=stdout,
                              stderr=stderr, no_new_privs=no_new_privs, process=process,
                              apparmor_profile=apparmor_profile, selinux_label=selinux_label)
                p.pty = os.fdopen(cs.receive(timeout=30), "r+b", buffering=0)
                return p
        keep = []
        opts = ffi.new("lcont_exec_opts *")
        check(lib.lcont_exec_opts_init(opts, ffi.sizeof("lcont_exec_opts")))
        opts.args = cstrv(args, keep)
        opts.env = cstrv(env_list(env), keep)
        opts.cwd = cstr(cwd, keep)
        opts.caps = cstrv(caps, keep)
        opts.console_socket = cstr(console_socket, keep)
        opts.pid_file = cstr(pid_file, keep)
        opts.preserve_fds = preserve_fds
        opts.apparmor_profile = cstr(apparmor_profile, keep)
        opts.selinux_label = cstr(selinux_label, keep)
        flags = 0
        if additional_gids is not None and user is None:
            # LCONT_EXEC_USER replaces uid and gid too: do not silently make it root.
            raise ValueError("additional_gids needs user= as well")
        if user is not None:
            flags |= lib.LCONT_EXEC_USER
            uid, gid, groups = self._resolve_user(user)
            opts.uid, opts.gid = uid, gid
            if additional_gids is None and groups:
                additional_gids = groups
            if additional_gids:
                gids = ffi.new("gid_t[]", [int(g) for g in additional_gids])
                keep.append(gids)
                opts.additional_gids = gids
                opts.n_additional_gids = len(additional_gids)
        if stdin is not None or stdout is not None or stderr is not None:
            flags |= lib.LCONT_EXEC_STDIO
            opts.stdin_fd = fileno(stdin) if stdin is not None else 0
            opts.stdout_fd = fileno(stdout) if stdout is not None else 1
            opts.stderr_fd = fileno(stderr) if stderr is not None else 2
        if tty:
            flags |= lib.LCONT_EXEC_TERMINAL
        if no_new_privs:
            flags |= lib.LCONT_EXEC_NO_NEW_PRIVS
        if isinstance(process, dict):
            process = json.dumps(process)
        ret = ffi.new("lcont_process **")
        err = new_errp()
        rc = lib.lcont_container_exec(self._ptr, cstr(process, keep), opts, flags, ret, err)
        return check_new(rc, err, ret, Process)

    def pause(self) -> None:
        """Freeze every process of the container (status becomes PAUSED)."""
        err = new_errp()
        check(lib.lcont_container_pause(self._ptr, 0, err), err)

    def resume(self) -> None:
        """Thaw a paused container."""
        err = new_errp()
        check(lib.lcont_container_resume(self._ptr, 0, err), err)

    def update(self, resources: Union[str, bytes, Dict[str, Any]]) -> None:
        """Change cgroup resources: an OCI "linux.resources" object (dict or JSON); only
        the members it sets change, e.g. ``c.update({"pids": {"limit": 64}})``."""
        if isinstance(resources, dict):
            resources = json.dumps(resources)
        keep = []
        err = new_errp()
        check(lib.lcont_container_update(self._ptr, cstr(resources, keep), 0, err), err)

    def stats(self) -> Dict[str, Any]:
        """Resource usage (the "data" of runc's `events --stats`: cpu, memory, pids,
        blkio, hugetlb)."""
        ret = ffi.new("char **")
        err = new_errp()
        rc = lib.lcont_container_get_stats_json(self._ptr, 0, ret, err)
        return json.loads(check_new(rc, err, ret, take_string))

    def pids(self) -> List[int]:
        """Host pids of every process in the container's cgroup, sorted."""
        ret = ffi.new("pid_t **")
        n = ffi.new("size_t *")
        err = new_errp()
        check(lib.lcont_container_get_pids(self._ptr, 0, ret, n, err), err)
        try:
            return [ret[0][i] for i in range(n[0])]
        finally:
            lib.lcont_free(ret[0])

    def oom_fd(self) -> int:
        """A new fd (owned by the caller: close it) that polls readable on an OOM event
        in the container's cgroup; then compare the oom_kill counters of stats()."""
        err = new_errp()
        return check(lib.lcont_container_open_oom_fd(self._ptr, 0, err), err)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.delete(force=True)
        except FileNotFoundError:
            pass

    def _resolve_user(self, user) -> Tuple[int, int, List[int]]:
        """(uid, gid, supplementary gids) for exec's @user. Names ("user[:group]") are
        looked up in the container's own /etc/passwd and /etc/group, read inside its root
        filesystem (the bundle's root.path) with the library's image-user rules, never in
        the host's; numbers and tuples are taken as they are."""
        try:
            uid, gid = _parse_user(user)
            return uid, gid, []
        except ValueError:
            if not isinstance(user, str) or not user or user.startswith(":") or \
                    user.endswith(":"):
                raise
        from .spec import spec_from_image
        with open(os.path.join(self.bundle, "config.json")) as f:
            root = json.load(f).get("root", {}).get("path", "rootfs")
        rootfs = root if os.path.isabs(root) else os.path.join(self.bundle, root)
        minimal = {"os": "linux", "architecture": "amd64", "config": {"Cmd": ["true"]},
                   "rootfs": {"type": "layers", "diff_ids": []}}
        u = spec_from_image(minimal, rootfs, user=user)["process"]["user"]
        return int(u["uid"]), int(u["gid"]), [int(g) for g in u.get("additionalGids", [])]

    def __repr__(self):
        return "<lcont.Container id=%r pid=%d>" % (self.id, self.pid)


def _parse_user(user) -> Tuple[int, int]:
    """(uid, gid) from None (root), an int uid (gid 0), "uid[:gid]" or a tuple; ValueError
    for a name (Container._resolve_user looks names up)."""
    if user is None:
        return 0, 0
    if isinstance(user, int):
        return user, 0
    if isinstance(user, str):
        uid, _, gid = user.partition(":")
        try:
            return int(uid), int(gid or 0)
        except ValueError:
            raise ValueError("not a numeric 'uid[:gid]': %r" % user) from None
    uid, gid = user
    return int(uid), int(gid)
