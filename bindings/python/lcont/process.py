# SPDX-License-Identifier: LGPL-2.1-or-later
"""lcont.Process: a process of a container, with a pidfd for event loops."""
import asyncio
import errno
import signal as _signal
from typing import Optional

from ._errors import check, new_errp
from ._lcont import ffi, lib

__all__ = ["Process"]


class Process:
    """A process handle (``lcont_process``): pid, pidfd, signal and wait.

    Only the process that created it (its parent) can wait for it. The exit status is
    the exit code, or 128 + the signal number when a signal killed it.
    """

    def __init__(self, ptr):
        self._ptr = ffi.gc(ptr, lib.lcont_process_unref)
        #: The pty master (binary file) of a Container.exec(tty=True) without a
        #: console_socket; None otherwise.
        self.pty = None

    @property
    def pid(self) -> int:
        return lib.lcont_process_get_pid(self._ptr)

    @property
    def pidfd(self) -> int:
        """The pidfd (borrowed: valid while this object lives); -1 if none."""
        return lib.lcont_process_get_pidfd(self._ptr)

    def signal(self, sig: int = _signal.SIGTERM) -> None:
        err = new_errp()
        check(lib.lcont_process_signal(self._ptr, int(sig), 0, err), err)

    def poll(self) -> Optional[int]:
        """The exit status if the process has exited (reaping it), else None."""
        status = ffi.new("int *")
        err = new_errp()
        rc = lib.lcont_process_wait(self._ptr, lib.LCONT_WAIT_NOHANG, status, err)
        if rc == -errno.EAGAIN:
            check(0, err)
            return None
        check(rc, err)
        return status[0]

    def wait(self) -> int:
        """Block until the process exits; returns its exit status."""
        status = ffi.new("int *")
        while True:
            err = new_errp()
            rc = lib.lcont_process_wait(self._ptr, 0, status, err)
            if rc == -errno.EINTR:
                check(0, err)
                continue
            check(rc, err)
            return status[0]

    async def wait_async(self) -> int:
        """Wait without blocking the event loop: the pidfd becomes readable on exit."""
        status = self.poll()
        if status is not None:
            return status
        fd = self.pidfd
        if fd < 0:
            return await asyncio.get_running_loop().run_in_executor(None, self.wait)
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.add_reader(fd, lambda: done.done() or done.set_result(None))
        try:
            await done
        finally:
            loop.remove_reader(fd)
        return self.wait()

    def __repr__(self):
        return "<lcont.Process pid=%d>" % self.pid
