# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test harness for lcont-gateway: real backends on loopback (threads in this process), the
gateway as a subprocess with a generated config, and small raw-socket helpers."""

import atexit
import ctypes
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

WAIT = 20.0  # upper bound for "eventually" conditions; never a performance threshold


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def eventually(fn, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
            if last:
                return last
        except (OSError, http.client.HTTPException) as e:
            last = e
        time.sleep(0.05)
    raise Fail("timed out waiting for %s (last: %r)" % (what, last))


_tempdirs = []
atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _tempdirs])


def tempdir(prefix):
    """A directory removed when the test exits."""
    d = tempfile.mkdtemp(prefix=prefix)
    _tempdirs.append(d)
    return d


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- backends


def read_head(f):
    lines = []
    while True:
        line = f.readline(65537)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line.decode("latin-1").rstrip("\r\n"))


def read_chunked(f):
    body = b""
    while True:
        size = int(f.readline().split(b";")[0].strip(), 16)
        if size == 0:
            while f.readline() not in (b"\r\n", b"\n", b""):
                pass
            return body
        body += f.read(size)
        f.readline()


def big_body(n):
    """@n bytes that tell a lost or reordered block apart."""
    block = b"".join(b"%07d\n" % i for i in range(8192))  # 64 KiB
    return (block * (n // len(block) + 1))[:n]


def echo_then_bye(read, c):
    """Send back what read() returns until EOF, then 'bye:<n bytes>' (so that a peer can tell
    its EOF arrived)."""
    n = 0
    while True:
        d = read(65536)
        if not d:
            break
        n += len(d)
        c.sendall(d)
    c.sendall(b"bye:%d" % n)


class Backend:
    """A small HTTP/1.1 server with keep-alive. Paths:
    /status/N -> status N;  /chunked -> chunked response;  /health -> 200 or 503 (self.healthy);
    /hold -> waits until release();  /die -> half a response, then close;
    /big/N -> N bytes of big_body(N);  /ws -> 101 (a request asking to upgrade), then an
    echo until EOF, then 'bye:<n bytes>' and close;  /ws-no-upgrade -> 101 without Upgrade;
    /ws-always -> 101 even when not asked;
    others -> JSON echo.
    """

    def __init__(self, name):
        self.name = name
        self.healthy = True
        self.fail_status = None  # answer every non-health request with this status
        self.drop = False  # read every non-health request whole, then close without answering
        self.one_shot = False  # close each connection right after a response, unannounced
        self.stall = False  # read every non-health request, then never answer (until stop)
        self.connections = 0
        self.requests = 0  # proxied requests (health checks are counted apart)
        self.health_checks = 0
        self.tunnels = 0  # upgraded connections
        self.lock = threading.Lock()
        self.hold = threading.Event()
        self.held = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        threading.Thread(target=self._accept, daemon=True).start()

    def release(self):
        self.hold.set()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        f = c.makefile("rb")
        try:
            while self._one(c, f):
                pass
        except (OSError, ValueError):
            pass
        finally:
            f.close()
            c.close()

    def _one(self, c, f):
        head = read_head(f)
        if not head:
            return False
        method, path, version = head[0].split(" ")
        hdrs = []
        for line in head[1:]:
            k, v = line.split(":", 1)
            hdrs.append((k.strip(), v.strip()))
        lower = {}
        for k, v in hdrs:
            lower.setdefault(k.lower(), []).append(v)
        body = b""
        if path == "/early":  # answer before reading the request body
            self._send(c, 413, b"too large\n", True)
            return False
        if "chunked" in ",".join(lower.get("transfer-encoding", [])):
            body = read_chunked(f)
        elif "content-length" in lower:
            body = f.read(int(lower["content-length"][0]))
        with self.lock:
            if path == "/health":
                self.health_checks += 1
            else:
                self.requests += 1
        if self.drop and path != "/health":
            return False
        if self.stall and path != "/health":
            threading.Event().wait(WAIT)
            return False
        close = "close" in ",".join(lower.get("connection", [])).lower()
        if path == "/ws" and "upgrade" in ",".join(lower.get("connection", [])).lower() \
                and lower.get("upgrade"):
            self._tunnel(c, f, lower["upgrade"][0], hdrs)
            return False
        if path == "/ws-always":  # 101 whether asked or not
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      b"Connection: Upgrade\r\n\r\n")
            return False
        if path == "/ws-no-upgrade":
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n")
            return False
        if path == "/health":
            st = 200 if self.healthy else 503
            self._send(c, st, b"health\n", close)
        elif path.endswith("/hold"):
            with self.lock:
                self.held += 1
            self.hold.wait(WAIT)
            self._send(c, 200, b"released\n", close)
        elif path == "/die":
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
            c.shutdown(socket.SHUT_RDWR)
            return False
        elif path == "/chunked":
            parts = [b"first,", b"second," * 100, b"third"]
            out = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Backend: %s\r\n\r\n" % (
                self.name.encode())
            for p in parts:
                out += b"%x\r\n%s\r\n" % (len(p), p)
            out += b"0\r\n\r\n"
            c.sendall(out)
        elif path.startswith("/big/"):
            self._send(c, 200, big_body(int(path.split("/")[2])), close)
        elif path.startswith("/status/"):
            self._send(c, int(path.split("/")[2]), b"status\n", close)
        elif self.fail_status:
            self._send(c, self.fail_status, b"failing\n", close)
        else:
            echo = {
                "backend": self.name,
                "method": method,
                "path": path,
                "headers": hdrs,
                "body_len": len(body),
                "body_sha": hashlib.sha256(body).hexdigest(),
            }
            self._send(c, 200, json.dumps(echo).encode(), close, method == "HEAD")
        return not close and not self.one_shot

    def _tunnel(self, c, f, proto, hdrs):
        """101, the request's headers as JSON in X-Request-Headers, then echo what comes
        (bytes the client sent right after its head included) until EOF."""
        c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: %s\r\nConnection: Upgrade\r\n"
                  b"X-Backend: %s\r\nX-Request-Headers: %s\r\n\r\n" % (
                      proto.encode(), self.name.encode(), json.dumps(hdrs).encode()))
        with self.lock:
            self.tunnels += 1
        echo_then_bye(f.read1, c)

    def _send(self, c, status, body, close, head=False):
        out = b"HTTP/1.1 %d X\r\nContent-Length: %d\r\nX-Backend: %s\r\n" % (
            status, len(body), self.name.encode())
        if close:
            out += b"Connection: close\r\n"
        c.sendall(out + b"\r\n" + (b"" if head else body))

    def stop(self):
        self.sock.close()


class TcpBackend:
    """TCP: echoes until EOF, then sends 'bye:<n bytes>' and closes (half-close check)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        echo_then_bye(c.recv, c)
        c.close()


# ---------------------------------------------------------------- the gateway


class Gateway:
    def __init__(self, binary, config, fmt="json", workers=None):
        self.binary = binary
        self.dir = tempdir("gwtest-")
        self.path = os.path.join(self.dir, "gateway." + ("yaml" if fmt == "yaml" else "json"))
        self.admin_port = free_port()
        self.fmt = fmt
        self.log = os.path.join(self.dir, "access.log")
        self.write(config)
        # GW_WRAPPER="valgrind -q --error-exitcode=99" runs the gateway under a tool
        args = os.environ.get("GW_WRAPPER", "").split() + [binary, "-c", self.path]
        if workers:
            args += ["--workers", str(workers)]
        self.stderr = open(os.path.join(self.dir, "stderr"), "w+")
        self.proc = subprocess.Popen(args, stderr=self.stderr)
        eventually(lambda: self.get_admin("/healthz") == "ok\n", "gateway admin /healthz")

    def write(self, config):
        config = dict(config)
        config.setdefault("admin", "127.0.0.1:%d" % self.admin_port)
        config.setdefault("access_log", self.log)
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            if self.fmt == "yaml":
                f.write(to_yaml(config))
            else:
                json.dump(config, f)
        os.rename(tmp, self.path)

    def reload(self, config):
        before = self.metric("lcont_gateway_reloads_total")
        self.write(config)
        self.proc.send_signal(signal.SIGHUP)
        eventually(lambda: self.metric("lcont_gateway_reloads_total") > before, "reload")

    def get_admin(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.admin_port, path),
                                    timeout=5) as r:
            return r.read().decode()

    def metrics(self):
        out = {}
        for line in self.get_admin("/metrics").splitlines():
            if line and not line.startswith("#"):
                k, v = line.rsplit(" ", 1)
                out[k] = float(v)
        return out

    def metric(self, key):
        return self.metrics().get(key, 0)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.seek(0)
        err = self.stderr.read()
        if self.proc.returncode != 0:
            raise Fail("gateway exit status %s; stderr:\n%s" % (self.proc.returncode, err))
        return err


def to_yaml(v, indent=0):
    """Enough YAML for our configs (block style, quoted strings)."""
    pad = "  " * indent
    if isinstance(v, dict):
        if not v:
            return "{}\n"
        out = ""
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                out += "%s%s:\n%s" % (pad, k, to_yaml(x, indent + 1))
            else:
                out += "%s%s: %s" % (pad, k, to_yaml(x, 0))
        return out
    if isinstance(v, list):
        if not v:
            return "[]\n"
        out = ""
        for x in v:
            body = to_yaml(x, indent + 1)
            out += "%s- %s" % (pad, body.lstrip())
        return out
    if isinstance(v, bool):
        return ("true" if v else "false") + "\n"
    if isinstance(v, (int, float)):
        return "%s\n" % v
    return json.dumps(v) + "\n"


# ---------------------------------------------------------------- clients


def http_get(port, path="/", host="example.test", headers=None, conn=None, method="GET",
             body=None):
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    h = {"Host": host}
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    if own:
        conn.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def raw_exchange(port, payload):
    """Send raw bytes; return (everything the gateway sent, whether it closed the connection)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    s.sendall(payload)
    data = b""
    closed = False
    s.settimeout(5)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            data += d
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    s.close()
    return data, closed


def tcp_inode(local_port, peer_port=None):
    """Inode of the IPv4 TCP socket bound to @local_port: the listener when @peer_port is None,
    else the connection to 127.0.0.1:@peer_port (from /proc/net/tcp)."""
    with open("/proc/net/tcp") as f:
        for line in f.read().splitlines()[1:]:
            fields = line.split()
            lport = int(fields[1].split(":")[1], 16)
            rport = int(fields[2].split(":")[1], 16)
            listening = fields[3] == "0A"
            if lport == local_port and (listening if peer_port is None else rport == peer_port):
                return int(fields[9])
    return None


def epoll_mask(pid, local_port, peer_port):
    """The events under which an epoll set of process @pid watches its TCP socket
    127.0.0.1:@local_port <-> 127.0.0.1:@peer_port (from /proc/PID/fdinfo), or None."""
    inode = tcp_inode(local_port, peer_port)
    if inode is None:
        return None
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "anon_inode:[eventpoll]":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = f.read()
        except OSError:
            continue
        for m in re.finditer(r"^tfd:\s*\d+\s+events:\s*([0-9a-f]+).*?ino:([0-9a-f]+)", info, re.M):
            if int(m.group(2), 16) == inode:
                return int(m.group(1), 16)
    return None


def socket_of(pid, inode):
    """A duplicate (pidfd_getfd) of process @pid's socket with @inode, to query its options;
    None when it has none. Our child process: no privilege needed."""
    libc = ctypes.CDLL(None, use_errno=True)
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "socket:[%d]" % inode:
                continue
        except OSError:
            continue
        pidfd = os.pidfd_open(pid)
        try:
            dup = libc.syscall(438, pidfd, int(fd), 0)  # SYS_pidfd_getfd on x86-64 and arm64
            if dup < 0:
                raise OSError(ctypes.get_errno(), "pidfd_getfd")
        finally:
            os.close(pidfd)
        return socket.socket(fileno=dup)
    return None


def service(name, endpoints, **kw):
    d = {"name": name, "endpoints": endpoints}
    d.update(kw)
    return d


def http_listener(port, routes, **kw):
    d = {"name": "web", "listen": "127.0.0.1:%d" % port, "protocol": "http", "routes": routes}
    d.update(kw)
    return d
