#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Console socket receiver (what containerd's console socket does): accept one
connection on SOCKET, take the pty master passed with SCM_RIGHTS, optionally
type INPUT into it, and copy everything the container prints to OUT until the
container side closes (EIO)."""
import errno
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
typed = sys.argv[3].encode() if len(sys.argv) > 3 else b""

srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path + ".tmp")
srv.listen(1)
os.rename(path + ".tmp", path)  # the path appears only once connect() can succeed
conn, _ = srv.accept()
msg, fds, _, _ = socket.recv_fds(conn, 1024, 4)
conn.close()
srv.close()
if len(fds) != 1:
    sys.exit("expected exactly one fd, got %d" % len(fds))
master = fds[0]
if not os.isatty(master):
    sys.exit("received fd is not a terminal")
if typed:
    os.write(master, typed)
with open(out, "wb") as f:
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError as e:
            if e.errno == errno.EIO:  # every slave fd is closed: the container is gone
                break
            raise
        if not chunk:
            break
        f.write(chunk)
        f.flush()
