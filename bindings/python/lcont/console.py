# SPDX-License-Identifier: LGPL-2.1-or-later
"""lcont.ConsoleSocket: receive the pty master of a terminal container or exec."""
import os
import shutil
import socket
import tempfile
from typing import Optional

__all__ = ["ConsoleSocket"]


class ConsoleSocket:
    """A listening AF_UNIX socket for the library's console_socket option (like runc's
    --console-socket). Pass ``.path`` to create()/exec(), then ``receive()`` the pty
    master once the call has returned: the library connects, sends the fd and hangs up
    without waiting, so no thread is needed. Without @path, a private temporary
    directory holds the socket and is removed by close()."""

    def __init__(self, path=None):
        self._tmpdir = None
        if path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="lcont-console-")
            path = os.path.join(self._tmpdir, "console.sock")
        self.path = os.fsdecode(path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # CLOEXEC by default
        try:
            self._sock.bind(self.path)
            self._sock.listen(8)
        except BaseException:
            self.close()
            raise

    def receive(self, timeout: Optional[float] = None) -> int:
        """Accept one connection and return the fd it carries (owned by the caller).
        socket.timeout if nothing arrives within @timeout seconds."""
        self._sock.settimeout(timeout)
        conn, _ = self._sock.accept()
        with conn:
            conn.settimeout(timeout)
            _, fds, _, _ = socket.recv_fds(conn, 64, 4)
        if not fds:
            raise ConnectionError("console socket: the peer sent no file descriptor")
        for extra in fds[1:]:
            os.close(extra)
        return fds[0]

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None
        elif os.path.exists(self.path):
            os.unlink(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<lcont.ConsoleSocket %s>" % self.path
