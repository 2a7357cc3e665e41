#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""lcont-gateway integration tests: usage gwtest.py GATEWAY_BINARY CASE.
Each case starts its own backends and gateway on loopback and checks real behaviour."""

import hashlib
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (WAIT, Backend, Fail, Gateway, TcpBackend, big_body, check,  # noqa
                     epoll_mask, eventually, free_port, http_get, http_listener, raw_exchange,
                     read_head, service, socket_of, tcp_inode, tempdir)

CASES = {}


def case(fn):
    CASES[fn.__name__[5:]] = fn
    return fn


def simple(binary, backends, fmt="json", svc_extra=None, listener_extra=None, route_extra=None,
           workers=None):
    port = free_port()
    route = {"match": {"path_prefix": "/"}, "service": "web"}
    route.update(route_extra or {})
    cfg = {
        "services": [service("web", [b.addr for b in backends], **(svc_extra or {}))],
        "listeners": [http_listener(port, [route], **(listener_extra or {}))],
    }
    return Gateway(binary, cfg, fmt, workers), port, cfg


# ---------------------------------------------------------------- L4


@case
def test_l4_forward_half_close(binary):
    be = TcpBackend()
    port = free_port()
    gw = Gateway(binary, {
        "services": [service("echo", [be.addr])],
        "listeners": [{"listen": "127.0.0.1:%d" % port, "protocol": "tcp", "service": "echo"}],
    }, "yaml")
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        payload = os.urandom(300000)
        threading.Thread(target=lambda: (s.sendall(payload), s.shutdown(socket.SHUT_WR)),
                         daemon=True).start()
        got = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            got += d
        s.close()
        # the backend only says bye after seeing our EOF: half-close went through both ways
        check(got == payload + b"bye:%d" % len(payload),
              "echo mismatch: got %d bytes, tail %r" % (len(got), got[-20:]))
    finally:
        gw.stop()


@case
def test_l4_connect_failure_retry(binary):
    be = TcpBackend()
    dead = "127.0.0.1:%d" % free_port()
    port = free_port()
    gw = Gateway(binary, {
        "services": [service("echo", [dead, be.addr], retries={"attempts": 2})],
        "listeners": [{"listen": "127.0.0.1:%d" % port, "protocol": "tcp", "service": "echo"}],
    })
    try:
        for _ in range(6):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"ping")
            s.shutdown(socket.SHUT_WR)
            got = b""
            while True:
                d = s.recv(100)
                if not d:
                    break
                got += d
            s.close()
            check(got == b"pingbye:4", "got %r" % got)
    finally:
        gw.stop()


# ---------------------------------------------------------------- HTTP proxying


@case
def test_http_routing(binary):
    a, b, c, d = Backend("a"), Backend("b"), Backend("c"), Backend("d")
    port = free_port()
    gw = Gateway(binary, {
        "services": [service("a", [a.addr]), service("b", [b.addr]), service("c", [c.addr]),
                     service("d", [d.addr])],
        "listeners": [http_listener(port, [
            {"match": {"host": "api.test", "path_prefix": "/v2"}, "service": "b"},
            {"match": {"host": "api.test"}, "service": "a"},
            {"match": {"headers": {"x-canary": "1"}}, "service": "c"},
            {"match": {"host": "*.wild.test"}, "service": "d"},
        ])],
    }, "yaml")
    try:
        def who(**kw):
            st, h, body = http_get(port, **kw)
            return st, h.get("x-backend")
        check(who(host="api.test", path="/v1/x") == (200, "a"), "host route")
        check(who(host="api.test:8080", path="/v2/x") == (200, "b"), "host+path route")
        check(who(host="other.test", headers={"X-Canary": "1"}) == (200, "c"), "header route")
        check(who(host="x.wild.test") == (200, "d"), "wildcard host route")
        check(who(host="other.test")[0] == 404, "no route must give 404")
        check(who(host="other.test", headers={"X-Canary": "2"})[0] == 404, "header value")
    finally:
        gw.stop()


@case
def test_http_keepalive_reuse(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for i in range(20):
            st, h, body = http_get(port, path="/k%d" % i, conn=conn)
            check(st == 200, "status %d" % st)
        conn.close()
        # a second client connection reuses the pooled upstream connection too
        for i in range(5):
            st, _, _ = http_get(port)
            check(st == 200, "status %d" % st)
        check(be.requests == 25, "backend saw %d requests" % be.requests)
        check(be.connections == 1, "upstream connections: %d (want 1, pooled)" % be.connections)
        check(gw.metric('lcont_gateway_accepted_connections_total{listener="web"}') == 6,
              "client connections")
    finally:
        gw.stop()


@case
def test_http_upstream_closes_pooled(binary):
    """An upstream that closes every connection right after a keep-alive response: the pooled
    connection is either seen closing while idle, or found stale by the next request (which
    is replayed for free), whatever the timing; never a 502."""
    be = Backend("a")
    be.one_shot = True
    gw, port, _ = simple(binary, [be], svc_extra={"retries": {"attempts": 0}})
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        for i in range(30):
            st, _, _ = http_get(port, path="/p%d" % i, conn=conn)
            check(st == 200, "request %d: status %d" % (i, st))
            if i % 3 == 0:
                time.sleep(0.01)  # sometimes let the close reach the idle pool first
        conn.close()
        check(be.requests == 30, "backend saw %d requests" % be.requests)
    finally:
        gw.stop()


@case
def test_http_non_idempotent_never_reuses_idle(binary):
    """POST and PATCH go out on a new upstream connection, never an idle pooled one that the
    upstream may be closing right now (they could not be replayed); GET reuses the pool."""
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        for i in range(2):
            st, _, _ = http_get(port, path="/g%d" % i, conn=conn)
            check(st == 200, "GET %d: status %d" % (i, st))
        check(be.connections == 1, "two GETs used %d upstream connections" % be.connections)
        for method in ("POST", "PATCH"):
            before = be.connections
            st, _, _ = http_get(port, path="/w", conn=conn, method=method, body=b"x" * 10)
            check(st == 200, "%s: status %d" % (method, st))
            check(be.connections == before + 1, "%s reused an idle upstream connection" % method)
        before = be.connections
        st, _, _ = http_get(port, path="/g", conn=conn)
        check(st == 200 and be.connections == before, "a GET after them reuses the pool")
        conn.close()
    finally:
        gw.stop()


@case
def test_http_client_writable_watched_on_demand(binary):
    """A client socket is watched for reading only (a fresh socket is writable: watching that
    would only cost an event per connection); EPOLLOUT is armed once a send to the client falls
    short, and a response far larger than the socket buffers reaches a slow reader whole."""
    EPOLLIN, EPOLLOUT = 0x1, 0x4
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        c = socket.socket()
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
        c.settimeout(WAIT)
        c.connect(("127.0.0.1", port))
        me = c.getsockname()[1]
        f = c.makefile("rb")

        def exchange(path):
            c.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path)
            head = read_head(f)
            check(head and head[0].startswith("HTTP/1.1 200"), "%s: head %r" % (path, head))
            length = [int(h.split(":", 1)[1]) for h in head
                      if h.lower().startswith("content-length")]
            return f.read(length[0])

        exchange(b"/small")
        mask = epoll_mask(gw.proc.pid, port, me)
        check(mask is not None and mask & EPOLLIN, "client socket watched for reading: %r" % mask)
        check(not mask & EPOLLOUT, "client socket watched for writing before any short send: %x"
              % mask)
        n = 16 << 20
        c.sendall(b"GET /big/%d HTTP/1.1\r\nHost: x\r\n\r\n" % n)
        # the client reads nothing yet: the gateway's sends fall short and it waits for EPOLLOUT
        eventually(lambda: (epoll_mask(gw.proc.pid, port, me) or 0) & EPOLLOUT,
                   "EPOLLOUT armed for a client that does not read")
        head = read_head(f)
        check(head and head[0].startswith("HTTP/1.1 200"), "big: head %r" % head)
        body = f.read(n)
        check(body == big_body(n), "big body: %d bytes, not the ones sent" % len(body))
        check(b"backend" in exchange(b"/after"), "the connection serves on after it")
        c.close()
    finally:
        gw.stop()


@case
def test_http_nodelay_from_listener(binary):
    """Client connections get TCP_NODELAY (a response head and body leave at once) by
    inheriting it from the listening socket, which costs one setsockopt per listener instead of
    one per accepted connection; HTTP and TCP listeners alike."""
    be = Backend("a")
    port, tcp_port = free_port(), free_port()
    gw = Gateway(binary, {
        "services": [service("web", [be.addr])],
        "listeners": [http_listener(port, [{"service": "web"}]),
                      {"listen": "127.0.0.1:%d" % tcp_port, "protocol": "tcp", "service": "web"}],
    })
    try:
        for p in (port, tcp_port):
            lsock = socket_of(gw.proc.pid, tcp_inode(p))
            check(lsock is not None, "listening socket on %d not found" % p)
            check(lsock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
                  "listener on %d without TCP_NODELAY" % p)
            lsock.close()
            c = socket.create_connection(("127.0.0.1", p), timeout=WAIT)
            c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            check(c.recv(65536).startswith(b"HTTP/1.1 200"), "an answer through %d" % p)
            inode = tcp_inode(p, c.getsockname()[1])
            conn = socket_of(gw.proc.pid, inode) if inode else None
            check(conn is not None, "the gateway's side of the connection to %d" % p)
            check(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
                  "accepted connection on %d without TCP_NODELAY" % p)
            conn.close()
            c.close()
    finally:
        gw.stop()


@case
def test_http_pipelining(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be], route_extra={"match": {"path_prefix": "/p"}})
    try:
        req = b"GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n" \
              b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" \
              b"GET /p3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        data, closed = raw_exchange(port, req)
        check(data.count(b"HTTP/1.1 200") == 3, "three proxied responses: %r" % data[:300])
        check(data.index(b'"/p1"') < data.index(b'"/p2"') < data.index(b"HTTP/1.1 404") <
              data.index(b'"/p3"'), "order, with a local 404 in the middle: %r" % data)
        check(closed, "Connection: close honoured")
    finally:
        gw.stop()


@case
def test_http_10_clients(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        data, closed = raw_exchange(port, b"GET /x HTTP/1.0\r\n\r\n")
        check(data.startswith(b"HTTP/1.0 200") and closed, "1.0 closes: %r" % data[:40])
        check(b"Connection: close" in data, "1.0 response says close")
        s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        for i in range(2):
            s.sendall(b"GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += s.recv(1)
            check(head.startswith(b"HTTP/1.0 200") and b"Connection: keep-alive" in head,
                  "1.0 keep-alive response %d: %r" % (i, head))
            n = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            body = b""
            while len(body) < n:
                body += s.recv(n - len(body))
        s.close()
    finally:
        gw.stop()


@case
def test_pickers(binary):
    a, b, c = Backend("a"), Backend("b"), Backend("c")
    port = free_port()
    gw = Gateway(binary, {
        "services": [service("rr", [a.addr, b.addr, c.addr]),
                     service("rnd", [a.addr, b.addr, c.addr], picker="random"),
                     service("lc", [a.addr, b.addr, c.addr], picker="least_connections"),
                     service("w", [{"address": a.addr, "weight": 3}, b.addr])],
        "listeners": [http_listener(port, [
            {"match": {"path_prefix": "/rr"}, "service": "rr"},
            {"match": {"path_prefix": "/rnd"}, "service": "rnd"},
            {"match": {"path_prefix": "/lc"}, "service": "lc"},
            {"match": {"path_prefix": "/w"}, "service": "w"}])],
    })
    try:
        seq = [http_get(port, path="/rr")[1]["x-backend"] for _ in range(9)]
        check(sorted(seq) == sorted("abc" * 3), "round robin spreads evenly: %r" % seq)
        check(seq[:3] == seq[3:6] == seq[6:], "round robin rotates: %r" % seq)
        w = [http_get(port, path="/w")[1]["x-backend"] for _ in range(8)]
        check(w.count("a") == 6 and w.count("b") == 2, "weights 3:1: %r" % w)
        check("bb" not in "".join(w), "smooth weighted order: %r" % w)
        seen = set(http_get(port, path="/rnd")[1]["x-backend"] for _ in range(60))
        check(seen == {"a", "b", "c"}, "random reaches every endpoint: %r" % seen)
        # least connections: while a holds a request, new ones avoid it
        a.hold.clear()
        t = threading.Thread(target=lambda: http_get(port, path="/lc/hold"))
        t.start()
        eventually(lambda: a.held + b.held + c.held == 1, "one request held")
        holder = [x for x in (a, b, c) if x.held][0].name
        others = [http_get(port, path="/lc")[1]["x-backend"] for _ in range(20)]
        check(holder not in others, "least connections avoids the busy endpoint: %s in %r" % (
            holder, others))
    finally:
        for x in (a, b, c):
            x.release()
        gw.stop()


@case
def test_http_chunked_bodies(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        import hashlib
        import http.client
        payload = os.urandom(200000)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        # request body: chunked (http.client chunks an iterable body)
        conn.request("POST", "/upload", body=iter([payload[:70000], payload[70000:]]),
                     headers={"Host": "x", "Transfer-Encoding": "chunked"},
                     encode_chunked=True)
        r = conn.getresponse()
        echo = json.loads(r.read())
        check(r.status == 200, "status")
        check(echo["body_len"] == len(payload), "chunked request length %d" % echo["body_len"])
        check(echo["body_sha"] == hashlib.sha256(payload).hexdigest(), "chunked request body")
        # Content-Length request body on the same connection
        conn.request("PUT", "/upload", body=payload[:12345], headers={"Host": "x"})
        r = conn.getresponse()
        echo = json.loads(r.read())
        check(echo["body_len"] == 12345, "content-length request body")
        # chunked response, decoded by the client
        conn.request("GET", "/chunked", headers={"Host": "x"})
        r = conn.getresponse()
        check(r.getheader("transfer-encoding") == "chunked", "response stays chunked")
        body = r.read()
        check(body == b"first," + b"second," * 100 + b"third", "chunked response body")
        # and the connection is still good afterwards
        st, _, _ = http_get(port, conn=conn)
        check(st == 200, "keep-alive after chunked")
        conn.close()
        check(be.connections == 1, "one upstream connection: %d" % be.connections)
    finally:
        gw.stop()


@case
def test_http_early_response(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        s.sendall(b"POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" +
                  b"x" * 100000)
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
        s.close()
        check(data.startswith(b"HTTP/1.1 413"), "early answer forwarded: %r" % data[:40])
        check(b"Connection: close" in data, "connection closes (the body was not consumed)")
        check(http_get(port)[0] == 200, "still serving")
    finally:
        gw.stop()


@case
def test_http_header_rewrite(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        st, h, body = http_get(port, headers={"X-Forwarded-For": "10.1.2.3",
                                              "Connection": "keep-alive, X-Secret",
                                              "X-Secret": "hop", "Keep-Alive": "timeout=5",
                                              "X-Keep": "end-to-end"})
        echo = json.loads(body)
        hdrs = {}
        for k, v in echo["headers"]:
            hdrs.setdefault(k.lower(), []).append(v)
        check(hdrs.get("x-forwarded-for") == ["10.1.2.3, 127.0.0.1"], "XFF: %r" % hdrs)
        data, _ = raw_exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.1.1.1\r\n"
                                     b"X-Forwarded-For: 2.2.2.2\r\nConnection: close\r\n\r\n")
        echo = json.loads(data.split(b"\r\n\r\n", 1)[1])
        xff = [v for k, v in echo["headers"] if k.lower() == "x-forwarded-for"]
        check(xff == ["1.1.1.1, 2.2.2.2, 127.0.0.1"], "several XFF joined in order: %r" % xff)
        check(hdrs.get("via") == ["1.1 lcont-gateway"], "Via to upstream")
        check(hdrs.get("x-forwarded-proto") == ["http"], "X-Forwarded-Proto")
        check("x-secret" not in hdrs, "header named in Connection must be dropped")
        check("keep-alive" not in hdrs and "connection" not in hdrs, "hop-by-hop dropped")
        check(hdrs.get("x-keep") == ["end-to-end"], "end-to-end header kept")
        check(h.get("via") == "1.1 lcont-gateway", "Via to client: %r" % h)
    finally:
        gw.stop()


@case
def test_http_backend_dies_mid_response(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        data, closed = raw_exchange(port, b"GET /die HTTP/1.1\r\nHost: x\r\n\r\n")
        check(data.startswith(b"HTTP/1.1 200"), "head forwarded: %r" % data[:50])
        check(closed, "client connection closed after the upstream died")
        check(len(data.split(b"\r\n\r\n", 1)[1]) < 1000, "truncated, not padded")
        check(gw.alive(), "gateway survived")
        st, _, _ = http_get(port)
        check(st == 200, "gateway still serves")
    finally:
        gw.stop()


@case
def test_http_no_endpoint_503(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be], svc_extra={
        "health": {"type": "http", "path": "/health", "interval_ms": 50,
                   "unhealthy_threshold": 1}})
    try:
        be.healthy = False
        eventually(lambda: http_get(port)[0] == 503, "503 when no endpoint is healthy")
    finally:
        gw.stop()


@case
def test_http_timeouts(binary):
    a = Backend("a")
    gw, port, _ = simple(binary, [a], svc_extra={"response_timeout_ms": 200},
                         listener_extra={"client_timeout_ms": 200})
    try:
        st, _, _ = http_get(port, path="/hold")
        check(st == 504, "upstream silent past response_timeout_ms: %d" % st)
        s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
        check(s.recv(100) == b"", "an unfinished head is closed after client_timeout_ms")
        s.close()
        check(http_get(port)[0] == 200, "still serving")
    finally:
        a.release()
        gw.stop()


UPGRADE = (b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n"
           b"Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZQ==\r\n\r\n")


def open_tunnel(port, early=b"", sock=None):
    """Send the upgrade request (and @early bytes right behind it); return (socket, status,
    response headers lower-cased)."""
    s = sock or socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    s.sendall(UPGRADE + early)
    head = b""
    while b"\r\n\r\n" not in head:
        d = s.recv(1)  # byte by byte: nothing after the head may be taken from the tunnel
        check(d, "closed before the response head: %r" % head)
        head += d
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return s, int(lines[0].split(" ")[1]), hdrs


def read_to_eof(s):
    got = b""
    while True:
        d = s.recv(65536)
        if not d:
            return got
        got += d


@case
def test_http_upgrade_tunnel(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        s, st, h = open_tunnel(port, early=b"early")
        check(st == 101, "status %d" % st)
        check(h.get("upgrade") == ["websocket"] and h.get("connection") == ["Upgrade"],
              "Upgrade and Connection to the client: %r" % h)
        check(h.get("via") == ["1.1 lcont-gateway"], "Via: %r" % h)
        seen = {}
        for k, v in json.loads(h["x-request-headers"][0]):
            seen.setdefault(k.lower(), []).append(v)
        check(seen.get("upgrade") == ["websocket"] and seen.get("connection") == ["Upgrade"],
              "the upstream was asked to upgrade, and only that: %r" % seen)
        check(seen.get("sec-websocket-key") == ["dGhlIHNhbXBsZQ=="], "end-to-end headers kept")
        check(seen.get("x-forwarded-for") == ["127.0.0.1"], "XFF: %r" % seen)
        # both ways at once, more than any buffer holds, then half-closes both ways: the
        # backend says bye only after our EOF reached it through the tunnel
        payload = os.urandom(3 * 1024 * 1024)
        threading.Thread(target=lambda: (s.sendall(payload), s.shutdown(socket.SHUT_WR)),
                         daemon=True).start()
        got = read_to_eof(s)
        s.close()
        want = b"early" + payload + b"bye:%d" % (len(payload) + 5)
        check(got == want, "tunnel: %d bytes back, %d wanted, tail %r" % (
            len(got), len(want), got[-20:]))
        m = gw.metrics()
        check(m['lcont_gateway_upgrades_total{service="web"}'] == 1, "upgrades_total")
        eventually(lambda: gw.metric('lcont_gateway_tunnels{service="web"}') == 0,
                   "the tunnel is closed in the gauge")
        check(m['lcont_gateway_responses_total{service="web",code="1xx"}'] == 1, "1xx counted")
        entry = json.loads(open(gw.log).read().splitlines()[-1])
        check(entry["status"] == 101 and entry["path"] == "/ws", "access log: %r" % entry)
        check(http_get(port)[0] == 200, "plain requests still served")
    finally:
        gw.stop()


@case
def test_http_upgrade_not_granted(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        # the upstream answers an upgrade request with 200: an ordinary keep-alive exchange
        s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        f = s.makefile("rb")
        for _ in range(2):
            s.sendall(UPGRADE.replace(b"/ws ", b"/plain "))
            head = read_head(f)
            check(head[0].startswith("HTTP/1.1 200"), "not upgraded: %r" % head)
            n = [int(x.split(":")[1]) for x in head if x.lower().startswith("content-length")][0]
            echo = json.loads(f.read(n))
            names = [k.lower() for k, _ in echo["headers"]]
            check("upgrade" in names, "the upstream was asked: %r" % names)
        s.close()
        # with a body it is not a switch of protocols: no Upgrade goes on
        st, _, body = http_get(port, method="POST", path="/plain", headers={
            "Connection": "Upgrade", "Upgrade": "websocket", "Content-Length": "4"}, body=b"data")
        names = [k.lower() for k, _ in json.loads(body)["headers"]]
        check(st == 200 and "upgrade" not in names, "upgrade with a body: %d %r" % (st, names))
        # HTTP/1.0 cannot upgrade
        data, _ = raw_exchange(port, b"GET /plain HTTP/1.0\r\nHost: x\r\nConnection: Upgrade\r\n"
                                     b"Upgrade: websocket\r\n\r\n")
        echo = json.loads(data.split(b"\r\n\r\n", 1)[1])
        check("upgrade" not in [k.lower() for k, _ in echo["headers"]], "HTTP/1.0: %r" % echo)
        # 101 to a request that did not ask, or without Upgrade: 502
        data, _ = raw_exchange(port, b"GET /ws-always HTTP/1.1\r\nHost: x\r\n"
                                     b"Connection: close\r\n\r\n")
        check(data.startswith(b"HTTP/1.1 502"), "unasked 101: %r" % data[:40])
        s, st, _ = open_tunnel(port)
        s.close()
        data, _ = raw_exchange(port, UPGRADE.replace(b"/ws ", b"/ws-no-upgrade ").replace(
            b"keep-alive, Upgrade", b"close, Upgrade"))
        check(data.startswith(b"HTTP/1.1 502"), "101 without Upgrade: %r" % data[:40])
        check(gw.metric('lcont_gateway_upgrades_total{service="web"}') == 1, "one upgrade only")
    finally:
        gw.stop()


@case
def test_http_upgrade_tunnel_timeout(binary):
    be = Backend("a")
    gw, port, _ = simple(binary, [be], listener_extra={"tunnel_timeout_ms": 300})
    try:
        s, st, _ = open_tunnel(port)
        check(st == 101, "status %d" % st)
        s.sendall(b"ping")
        check(s.recv(4) == b"ping", "echo through the tunnel")
        check(gw.metric('lcont_gateway_tunnels{service="web"}') == 1, "tunnel gauge")
        # idle both ways past tunnel_timeout_ms: closed (not by the backend: it has no
        # timeout and would say bye first)
        check(read_to_eof(s) == b"", "idle tunnel closed without a bye")
        s.close()
        eventually(lambda: gw.metric('lcont_gateway_tunnels{service="web"}') == 0, "gauge back")
    finally:
        gw.stop()


@case
def test_http_upgrade_over_tls(binary):
    be = Backend("a")
    d = tempdir("gwtls-")
    crt, key = make_cert(d, "a.test")
    port = free_port()
    gw = Gateway(binary, {
        "services": [service("web", [be.addr])],
        "listeners": [http_listener(port, [{"service": "web"}], tls={"certificates": [
            {"cert": crt, "key": key, "server_names": ["a.test"]}]})],
    })
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        t = ctx.wrap_socket(raw, server_hostname="a.test")
        t, st, h = open_tunnel(port, sock=t)
        check(st == 101, "status over TLS %d" % st)
        seen = [v for k, v in json.loads(h["x-request-headers"][0])
                if k.lower() == "x-forwarded-proto"]
        check(seen == ["https"], "X-Forwarded-Proto: %r" % seen)
        # one thread: an SSL socket must not read and write from two threads at once;
        # the echo of each piece is read before the next one is sent
        payload = os.urandom(512 * 1024)
        got = b""
        for i in range(0, len(payload), 16384):
            t.sendall(payload[i:i + 16384])
            while len(got) < min(i + 16384, len(payload)):
                d = t.recv(65536)
                check(d, "closed after %d bytes" % len(got))
                got += d
        check(got == payload, "echo over TLS")
        t.close()
        eventually(lambda: gw.metric('lcont_gateway_tunnels{service="web"}') == 0, "closed")
    finally:
        gw.stop()


# ---------------------------------------------------------------- health, retries, limits


@case
def test_health_ejection_and_return(binary):
    a, b = Backend("a"), Backend("b")
    gw, port, _ = simple(binary, [a, b], svc_extra={
        "health": {"type": "http", "path": "/health", "interval_ms": 50,
                   "unhealthy_threshold": 2, "healthy_threshold": 2, "expect_status": 200}})
    try:
        key = 'lcont_gateway_endpoint_healthy{service="web",endpoint="%s"}' % b.addr
        check(gw.metric(key) == 1, "b healthy at start")
        b.healthy = False
        eventually(lambda: gw.metric(key) == 0, "b marked unhealthy")
        before = b.requests
        for _ in range(10):
            st, h, _ = http_get(port)
            check(st == 200 and h["x-backend"] == "a", "only a serves while b is down")
        check(b.requests == before, "b got no proxied requests while unhealthy")
        b.healthy = True
        eventually(lambda: gw.metric(key) == 1, "b healthy again")
        seen = set(http_get(port)[1]["x-backend"] for _ in range(10))
        check(seen == {"a", "b"}, "b serves again: %r" % seen)
    finally:
        gw.stop()


@case
def test_health_tcp(binary):
    a = Backend("a")
    dead = "127.0.0.1:%d" % free_port()
    port = free_port()
    gw = Gateway(binary, {
        "services": [service("web", [a.addr, dead], health={"type": "tcp", "interval_ms": 50,
                                                             "unhealthy_threshold": 1})],
        "listeners": [http_listener(port, [{"service": "web"}])],
    })
    try:
        key = 'lcont_gateway_endpoint_healthy{service="web",endpoint="%s"}' % dead
        eventually(lambda: gw.metric(key) == 0, "dead endpoint marked unhealthy")
        check(gw.metric('lcont_gateway_endpoint_healthy{service="web",endpoint="%s"}' % a.addr)
              == 1, "live endpoint healthy")
    finally:
        gw.stop()


@case
def test_health_concurrent_blackhole(binary):
    """Checks run concurrently, each with its own timeout: an endpoint that never answers (its
    check hangs for 60 s) and one that drops SYNs do not delay another endpoint's ejection and
    return. With checks one after another, b's changes would wait for the 60 s check (longer
    than WAIT), so this fails."""
    b = Backend("b")
    silent = socket.socket()  # completes the handshake, never reads nor answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    full = socket.socket()  # accept queue of one, filled: further SYNs are dropped
    full.bind(("127.0.0.1", 0))
    full.listen(0)
    filler = socket.create_connection(full.getsockname(), timeout=WAIT)
    silent_addr = "127.0.0.1:%d" % silent.getsockname()[1]
    full_addr = "127.0.0.1:%d" % full.getsockname()[1]
    port = free_port()
    hc = {"type": "http", "path": "/health", "interval_ms": 50, "unhealthy_threshold": 1,
          "healthy_threshold": 1}
    gw = Gateway(binary, {
        "services": [
            service("web", [silent_addr, b.addr], health=dict(hc, timeout_ms=60000)),
            service("other", [full_addr], health=dict(hc, type="tcp", timeout_ms=300)),
        ],
        "listeners": [http_listener(port, [{"service": "web"}])],
    })
    try:
        key = 'lcont_gateway_endpoint_healthy{service="%s",endpoint="%s"}'
        eventually(lambda: b.health_checks >= 3, "b checked while silent's check hangs")
        b.healthy = False
        eventually(lambda: gw.metric(key % ("web", b.addr)) == 0, "b marked unhealthy")
        b.healthy = True
        eventually(lambda: gw.metric(key % ("web", b.addr)) == 1, "b healthy again")
        # the SYN black hole times out on its own (300 ms), unaffected by the 60 s check
        eventually(lambda: gw.metric(key % ("other", full_addr)) == 0,
                   "black-holed endpoint marked unhealthy")
        check(gw.metric(key % ("web", silent_addr)) == 1,
              "silent endpoint still healthy: its check is in flight")
    finally:
        gw.stop()
        filler.close()
        full.close()
        silent.close()


@case
def test_passive_ejection(binary):
    a = Backend("a")
    dead = "127.0.0.1:%d" % free_port()
    gw, port, _ = simple(binary, [a], svc_extra={
        "outlier": {"consecutive_failures": 2, "ejection_ms": 600000},
        "retries": {"attempts": 2}})
    try:
        cfg = {
            "services": [service("web", [dead, a.addr],
                                 outlier={"consecutive_failures": 2, "ejection_ms": 600000},
                                 retries={"attempts": 2})],
            "listeners": [http_listener(port, [{"service": "web"}])],
        }
        gw.reload(cfg)
        for _ in range(10):
            st, h, _ = http_get(port)
            check(st == 200 and h["x-backend"] == "a", "served by the live endpoint")
        key = 'lcont_gateway_endpoint_ejected{service="web",endpoint="%s"}' % dead
        check(gw.metric(key) == 1, "dead endpoint ejected")
        picks = 'lcont_gateway_endpoint_picks_total{service="web",endpoint="%s"}' % dead
        before = gw.metric(picks)
        for _ in range(10):
            http_get(port)
        check(gw.metric(picks) == before, "no picks of an ejected endpoint")
    finally:
        gw.stop()


@case
def test_retry_on_5xx(binary):
    a, b = Backend("a"), Backend("b")
    a.fail_status = 503
    gw, port, _ = simple(binary, [a, b], svc_extra={
        "retries": {"attempts": 1, "on_5xx": True, "budget_percent": 100, "min_concurrent": 10}})
    try:
        for _ in range(8):
            st, h, _ = http_get(port)
            check(st == 200 and h["x-backend"] == "b", "retried to b: %d" % st)
        check(gw.metric('lcont_gateway_retries_total{service="web"}') >= 4, "retries counted")
        # not idempotent: no retry, the 503 passes through
        codes = set(http_get(port, method="POST", body=b"x")[0] for _ in range(4))
        check(503 in codes, "POST is not retried: %r" % codes)
    finally:
        gw.stop()


@case
def test_retry_budget(binary):
    a = Backend("a")
    a.fail_status = 503
    gw, port, _ = simple(binary, [a], svc_extra={
        "retries": {"attempts": 3, "on_5xx": True, "budget_percent": 0, "min_concurrent": 0}})
    try:
        st, _, _ = http_get(port)
        check(st == 503, "no budget: the 503 passes through")
        check(a.requests == 1, "no retry without budget: %d" % a.requests)
        check(gw.metric('lcont_gateway_retries_total{service="web"}') == 0, "no retries")
    finally:
        gw.stop()


@case
def test_retry_connect_failure(binary):
    a = Backend("a")
    dead = "127.0.0.1:%d" % free_port()
    port = free_port()
    gw = Gateway(binary, {
        "services": [service("web", [dead, a.addr], retries={"attempts": 2})],
        "listeners": [http_listener(port, [{"service": "web"}])],
    })
    try:
        for _ in range(10):
            st, h, _ = http_get(port, method="POST", body=b"payload")
            check(st == 200 and h["x-backend"] == "a", "connect failures are retried")
    finally:
        gw.stop()


def send_body(port, method, body, chunked=False):
    """One request with a body (Content-Length, or chunked in 3 parts); (status, headers, json
    echo or raw body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    if chunked:
        third = len(body) // 3
        parts = [body[:third], body[third:2 * third], body[2 * third:]]
        conn.request(method, "/up", body=iter(parts), headers={"Host": "x"}, encode_chunked=True)
    else:
        conn.request(method, "/up", body=body, headers={"Host": "x"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    try:
        data = json.loads(data)
    except ValueError:
        pass
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


@case
def test_retry_on_timeout(binary):
    """retries.on_timeout: an attempt that gets no response head within response_timeout_ms is
    retried on another endpoint (idempotent requests, with their kept body); without it, 504."""
    a, b = Backend("a"), Backend("b")
    a.stall = True
    retries = {"attempts": 1, "budget_percent": 100, "min_concurrent": 10, "on_timeout": True}
    gw, port, cfg = simple(binary, [a, b], svc_extra={"retries": retries,
                                                      "response_timeout_ms": 300})
    try:
        for i in range(4):  # round robin: half of them try the stalled a first
            body = os.urandom(1000)
            st, h, echo = send_body(port, "PUT", body, False)
            check(st == 200 and h["x-backend"] == "b" and
                  echo["body_sha"] == hashlib.sha256(body).hexdigest(),
                  "PUT %d retried after a timeout: %d" % (i, st))
        check(a.requests >= 1, "a was tried: %d" % a.requests)
        before = a.requests
        st, _, _ = send_body(port, "POST", b"post", False)  # not idempotent: a timeout is final
        check(st in (200, 504), "POST: %d" % st)
        check(st == 200 or a.requests == before + 1, "POST tried once")
        cfg["services"] = [service("web", [a.addr], retries=dict(retries, on_timeout=False),
                                   response_timeout_ms=300)]
        gw.reload(cfg)
        st, _, _ = send_body(port, "PUT", b"x", False)
        check(st == 504, "without on_timeout: %d" % st)
    finally:
        gw.stop()


@case
def test_retry_kept_bodies_budget(binary):
    """kept_bodies_max_bytes bounds what a worker keeps for replays: a body that does not fit
    the budget streams without being kept, so its request is not retried (502), while one
    that fits is replayed as before."""
    a, b = Backend("a"), Backend("b")
    a.drop = True
    retries = {"attempts": 1, "budget_percent": 100, "min_concurrent": 10,
               "max_body_bytes": 65536}
    gw, port, cfg = simple(binary, [a], svc_extra={"retries": retries})
    try:
        cfg["kept_bodies_max_bytes"] = 8192
        cfg["services"] = [service("web", [a.addr, b.addr], retries=retries)]
        gw.reload(cfg)
        for size, want in ((3000, 200), (20000, 502), (3000, 200), (20000, 502)):
            body = os.urandom(size)
            st, h, echo = send_body(port, "PUT", body, False)
            if want == 200:
                check(st == 200 and h["x-backend"] == "b" and
                      echo["body_sha"] == hashlib.sha256(body).hexdigest(),
                      "a %d-byte PUT within the budget is replayed: %d" % (size, st))
            else:
                check(st == 502, "a %d-byte PUT over the budget is not replayed: %d" % (size, st))
    finally:
        gw.stop()


@case
def test_retry_with_body(binary):
    """Idempotent requests with a body within retries.max_body_bytes are replayed whole on
    another endpoint when the first one fails after reading them; larger bodies and POST are
    not (they were streamed). Round robin over [a, b] with a failing: every request tries a
    first, so every one of them needs its retry."""
    a, b = Backend("a"), Backend("b")
    a.drop = True
    retries = {"attempts": 1, "budget_percent": 100, "min_concurrent": 10,
               "max_body_bytes": 100000}
    gw, port, cfg = simple(binary, [a, b], svc_extra={"retries": retries})
    try:
        cases = [("PUT", os.urandom(60000), False), ("PUT", os.urandom(90000), True),
                 ("DELETE", b"d" * 10, False), ("PATCH", os.urandom(10), False)]
        for method, body, chunked in cases[:3]:
            st, h, echo = send_body(port, method, body, chunked)
            check(st == 200 and h["x-backend"] == "b", "%s retried to b: %d" % (method, st))
            check(echo["body_len"] == len(body) and
                  echo["body_sha"] == hashlib.sha256(body).hexdigest(),
                  "%s body replayed intact" % method)
        check(a.requests >= 3, "a saw the first attempts: %d" % a.requests)
        check(gw.metric('lcont_gateway_retries_total{service="web"}') >= 3, "retries counted")
        # a alone: a retry goes to a again, so a.requests counts the attempts
        cfg["services"] = [service("web", [a.addr], retries=retries)]
        gw.reload(cfg)
        for method, body, chunked, attempts in (
                ("PUT", b"small", True, 2),  # replayed, and failed again
                ("PATCH", b"patch", False, 1),  # not idempotent: sent once, so no retry
                ("PUT", os.urandom(150000), False, 1),  # over the limit: streamed, not kept
                ("PUT", os.urandom(150000), True, 1)):
            before = a.requests
            st, _, _ = send_body(port, method, body, chunked)
            check(st == 502 and a.requests - before == attempts,
                  "%s of %d bytes (chunked %s): status %d after %d attempts, want %d" % (
                      method, len(body), chunked, st, a.requests - before, attempts))
        # a 5xx answer (on_5xx): the kept body is replayed to b as well
        a.drop, a.fail_status = False, 503
        cfg["services"] = [service("web", [a.addr, b.addr], retries=dict(retries, on_5xx=True))]
        gw.reload(cfg)
        before = a.requests
        for _ in range(4):
            body = os.urandom(30000)
            st, h, echo = send_body(port, "PUT", body, True)
            check(st == 200 and h["x-backend"] == "b" and
                  echo["body_sha"] == hashlib.sha256(body).hexdigest(),
                  "PUT replayed after a 503: %d" % st)
        check(a.requests - before >= 2, "a answered 503 first: %d" % (a.requests - before))
        # back to a working endpoint on the same connection pool and worker
        cfg["services"] = [service("web", [b.addr], retries=retries)]
        gw.reload(cfg)
        st, h, echo = send_body(port, "PUT", b"small")
        check(st == 200 and echo["body_len"] == 5, "gateway still serves: %d" % st)
    finally:
        gw.stop()


@case
def test_circuit_breaking(binary):
    a = Backend("a")
    gw, port, _ = simple(binary, [a], svc_extra={"circuit": {"max_requests": 1}})
    try:
        results = []
        t = threading.Thread(target=lambda: results.append(http_get(port, path="/hold")))
        t.start()
        eventually(lambda: a.held == 1, "first request held by the backend")
        st, h, _ = http_get(port)
        check(st == 503 and h.get("x-gateway-overflow") == "requests", "overflow 503: %d" % st)
        a.release()
        t.join(10)
        check(results and results[0][0] == 200, "held request completed")
        check(http_get(port)[0] == 200, "circuit closes again")
        check(gw.metric('lcont_gateway_overflow_total{service="web"}') == 1, "overflow counted")
    finally:
        a.release()
        gw.stop()


@case
def test_rate_limit_route(binary):
    a = Backend("a")
    gw, port, _ = simple(binary, [a], route_extra={
        "name": "limited", "rate_limit": {"rps": 0.001, "burst": 3}})
    try:
        codes = [http_get(port)[0] for _ in range(5)]
        check(codes[:3] == [200, 200, 200] and codes[3:] == [429, 429], "codes %r" % codes)
        check(gw.metric('lcont_gateway_rate_limited_total{route="limited"}') == 2, "counted")
    finally:
        gw.stop()


@case
def test_rate_limit_per_client(binary):
    a = Backend("a")
    gw, port, _ = simple(binary, [a], route_extra={
        "name": "perclient", "rate_limit": {"per_client_rps": 0.001, "per_client_burst": 2}})
    try:
        codes = [http_get(port)[0] for _ in range(3)]
        check(codes == [200, 200, 429], "client 127.0.0.1: %r" % codes)
        # another source address has its own bucket
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                          source_address=("127.0.0.2", 0))
        st, _, _ = http_get(port, conn=conn)
        conn.close()
        check(st == 200, "client 127.0.0.2 has its own bucket: %d" % st)
    finally:
        gw.stop()


# ---------------------------------------------------------------- operations


@case
def test_reload_under_load(binary):
    a, b, echo = Backend("a"), Backend("b"), TcpBackend()
    port, tport = free_port(), free_port()
    cfg = {
        "services": [service("web", [a.addr]), service("echo", [echo.addr])],
        "listeners": [http_listener(port, [{"service": "web"}]),
                      {"name": "tcp", "listen": "127.0.0.1:%d" % tport, "protocol": "tcp",
                       "service": "echo"}],
    }
    gw = Gateway(binary, cfg, workers=2)
    failures, done = [], [0]
    stop = threading.Event()

    def client(keepalive):
        import http.client
        conn = None
        while not stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                st, _, _ = http_get(port, conn=conn)
                if st != 200:
                    failures.append(st)
                done[0] += 1
                if not keepalive:
                    conn.close()
                    conn = None
            except Exception as e:  # noqa: any failure is a dropped request
                failures.append(repr(e))
                conn = None

    def tcp_client():
        while not stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", tport), timeout=10)
                s.sendall(b"ping")
                s.shutdown(socket.SHUT_WR)
                got = b""
                while True:
                    d = s.recv(100)
                    if not d:
                        break
                    got += d
                s.close()
                if got != b"pingbye:4":
                    failures.append("tcp got %r" % got)
                done[0] += 1
            except Exception as e:  # noqa
                failures.append("tcp " + repr(e))

    threads = [threading.Thread(target=client, args=(ka,)) for ka in (True, False, True, False)]
    threads.append(threading.Thread(target=tcp_client))
    for t in threads:
        t.start()
    try:
        for i in range(6):
            new = json.loads(json.dumps(cfg))
            new["services"].append(service("b", [b.addr]))
            new["listeners"][0]["routes"].insert(0, {"match": {"path_prefix": "/b%d" % i},
                                                      "service": "b"})
            gw.reload(new)
            check(http_get(port, path="/b%d/x" % i)[1]["x-backend"] == "b", "new route live")
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join()
        gw.stop()
    check(not failures, "requests failed across reloads: %r" % failures[:5])
    check(done[0] > 50, "the client loop ran (%d requests)" % done[0])


@case
def test_reload_listeners(binary):
    a = Backend("a")
    p1, p2 = free_port(), free_port()
    one = {"services": [service("web", [a.addr])],
           "listeners": [http_listener(p1, [{"service": "web"}])]}
    both = json.loads(json.dumps(one))
    both["listeners"].append(dict(http_listener(p2, [{"service": "web"}]), name="second"))
    two = {"services": one["services"], "listeners": [both["listeners"][1]]}
    gw = Gateway(binary, one, workers=2)
    try:
        gw.reload(both)
        check(http_get(p1)[0] == 200 and http_get(p2)[0] == 200, "listener added")
        gw.reload(two)
        check(http_get(p2)[0] == 200, "remaining listener serves")
        try:
            socket.create_connection(("127.0.0.1", p1), timeout=5).close()
            check(False, "removed listener still accepts")
        except ConnectionRefusedError:
            pass
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        bad = json.loads(json.dumps(two))
        bad["listeners"].append(http_listener(taken.getsockname()[1], [{"service": "web"}]))
        bad["listeners"][-1]["name"] = "taken"
        gw.write(bad)
        gw.proc.send_signal(signal.SIGHUP)
        eventually(lambda: gw.metric("lcont_gateway_reload_failures_total") == 1,
                   "reload refused: address in use")
        taken.close()
        check(http_get(p2)[0] == 200, "old config still serving")
    finally:
        gw.stop()


@case
def test_reload_bad_config_keeps_running(binary):
    a = Backend("a")
    gw, port, cfg = simple(binary, [a])
    try:
        with open(gw.path, "w") as f:
            f.write('{"listeners": [}')
        gw.proc.send_signal(signal.SIGHUP)
        eventually(lambda: gw.metric("lcont_gateway_reload_failures_total") == 1, "failure")
        check(http_get(port)[0] == 200, "old config still serving")
    finally:
        gw.stop()


@case
def test_drain_on_sigterm(binary):
    a = Backend("a")
    gw, port, _ = simple(binary, [a])
    results = []
    t = threading.Thread(target=lambda: results.append(http_get(port, path="/hold")))
    t.start()
    eventually(lambda: a.held == 1, "request in flight")
    gw.proc.send_signal(signal.SIGTERM)

    def refused():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return False
        except OSError:
            return True
    refused = eventually(refused, "listener closed while draining")
    a.release()
    t.join(10)
    rc = gw.proc.wait(20)
    gw.stop()
    check(refused, "listener closed while draining")
    check(results and results[0][0] == 200, "in-flight request finished: %r" % results)
    check(rc == 0, "clean exit: %r" % rc)


@case
def test_metrics_content(binary):
    a = Backend("a")
    gw, port, _ = simple(binary, [a])
    try:
        for _ in range(3):
            http_get(port)
        http_get(port, path="/status/404")
        http_get(port, path="/status/500")
        m = gw.metrics()
        check(m['lcont_gateway_requests_total{service="web"}'] == 5, "requests")
        check(m['lcont_gateway_responses_total{service="web",code="2xx"}'] == 3, "2xx")
        check(m['lcont_gateway_responses_total{service="web",code="4xx"}'] == 1, "4xx")
        check(m['lcont_gateway_responses_total{service="web",code="5xx"}'] == 1, "5xx")
        check(m['lcont_gateway_request_duration_seconds_count{service="web"}'] == 5, "histogram")
        check(m['lcont_gateway_request_duration_seconds_bucket{service="web",le="+Inf"}'] == 5,
              "+Inf bucket")
        check(m['lcont_gateway_endpoint_picks_total{service="web",endpoint="%s"}' % a.addr] == 5,
              "picks")
        check(m['lcont_gateway_endpoint_healthy{service="web",endpoint="%s"}' % a.addr] == 1,
              "health gauge")
        check('lcont_gateway_active_connections{listener="web"}' in m, "active connections")
        text = gw.get_admin("/metrics")
        check("# TYPE lcont_gateway_request_duration_seconds histogram" in text, "TYPE lines")
        lines = open(gw.log).read().splitlines()
        check(len(lines) == 5, "access log lines: %d" % len(lines))
        entry = json.loads(lines[-1])
        check(entry["status"] == 500 and entry["service"] == "web" and entry["path"] ==
              "/status/500", "access log entry %r" % entry)
    finally:
        gw.stop()


@case
def test_table_file(binary):
    a, b = Backend("a"), Backend("b")
    port = free_port()
    tdir = tempdir("gwtable-")
    tfile = os.path.join(tdir, "slices.json")

    def write_table(backends):
        objs = {"kind": "List", "apiVersion": "v1", "items": [
            {"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": "web", "namespace": "shop"},
             "spec": {"clusterIP": "10.96.0.10",
                      "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
            {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
             "metadata": {"name": "web-1", "namespace": "shop",
                          "labels": {"kubernetes.io/service-name": "web"}},
             "addressType": "IPv4",
             "ports": [{"name": "http", "port": backends[0].port, "protocol": "TCP"}],
             "endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}]}]}
        with open(tfile + ".tmp", "w") as f:
            json.dump(objs, f)
        os.rename(tfile + ".tmp", tfile)

    write_table([a])
    gw = Gateway(binary, {
        "services": [{"name": "web", "table": {"file": tfile, "service": "shop/web",
                                               "port": "http"}}],
        "listeners": [http_listener(port, [{"service": "web"}])],
    })
    try:
        check(http_get(port)[1]["x-backend"] == "a", "picked from the table")
        write_table([b])  # the gateway watches the file
        eventually(lambda: http_get(port)[1]["x-backend"] == "b", "table change applied")
    finally:
        gw.stop()


@case
def test_table_port_name_resolution(binary):
    """table.port names one port of a multi-port service: requests reach that port's
    endpoints, also when TCP and UDP share its number. (The gateway picks by number when the
    number is unique, which can use the table's one-line fast path, and by name otherwise;
    a wrong choice there would be hidden by the fallback to the configured endpoints, so
    this checks the routing, not which call answered.)"""
    a, b = Backend("a"), Backend("b")
    port = free_port()
    tfile = os.path.join(tempdir("gwports-"), "table.json")

    def service(name, ports, slice_ports):
        return [{"apiVersion": "v1", "kind": "Service",
                 "metadata": {"name": name, "namespace": "shop"},
                 "spec": {"ports": ports}},
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                 "metadata": {"name": name + "-1", "namespace": "shop",
                              "labels": {"kubernetes.io/service-name": name}},
                 "addressType": "IPv4", "ports": slice_ports,
                 "endpoints": [{"addresses": ["127.0.0.1"], "conditions": {"ready": True}}]}]

    closed = free_port()  # nothing listens there: a pick of the wrong port fails the request
    items = service("dns", [{"name": "dns-udp", "port": 53, "protocol": "UDP"},
                            {"name": "dns", "port": 53, "protocol": "TCP"}],
                    [{"name": "dns-udp", "port": closed, "protocol": "UDP"},
                     {"name": "dns", "port": a.port, "protocol": "TCP"}])
    items += service("web", [{"name": "metrics", "port": 9090},
                             {"name": "http", "port": 80}],
                     [{"name": "metrics", "port": closed}, {"name": "http", "port": b.port}])
    with open(tfile, "w") as f:
        json.dump({"kind": "List", "apiVersion": "v1", "items": items}, f)
    gw = Gateway(binary, {
        "services": [{"name": "dns", "table": {"file": tfile, "service": "shop/dns",
                                               "port": "dns"}},
                     {"name": "web", "table": {"file": tfile, "service": "shop/web",
                                               "port": "http"}}],
        "listeners": [http_listener(port, [{"match": {"path_prefix": "/dns"}, "service": "dns"},
                                           {"service": "web"}])],
    })
    try:
        for _ in range(4):
            status, headers, _ = http_get(port, path="/dns")
            check(status == 200 and headers["x-backend"] == "a",
                  "shared port number: picked by name (%s %s)" % (status, headers))
            status, headers, _ = http_get(port, path="/")
            check(status == 200 and headers["x-backend"] == "b",
                  "unique port number: picked by number (%s %s)" % (status, headers))
    finally:
        gw.stop()


@case
def test_table_file_yaml_multidoc_metrics(binary):
    """A multi-document YAML table (Service, then EndpointSlice): the endpoints reach both
    the picks and /metrics, per endpoint."""
    a = Backend("a")
    port = free_port()
    tfile = os.path.join(tempdir("gwyaml-"), "web.yaml")
    with open(tfile, "w") as f:
        f.write("apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"
                "spec:\n  ports: [{name: http, port: 80, targetPort: http}]\n---\n"
                "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n"
                "metadata: {name: web-1, namespace: shop, "
                "labels: {kubernetes.io/service-name: web}}\n"
                "addressType: IPv4\nports: [{name: http, port: %d}]\n"
                "endpoints:\n  - addresses: [127.0.0.1]\n    conditions: {ready: true}\n"
                % a.port)
    gw = Gateway(binary, {
        "services": [{"name": "web", "table": {"file": tfile, "service": "shop/web",
                                               "port": "http"}}],
        "listeners": [http_listener(port, [{"service": "web"}])],
    })
    try:
        for _ in range(3):
            check(http_get(port)[1]["x-backend"] == "a", "picked from the YAML table")
        text = gw.get_admin("/metrics")
        want = 'lcont_gateway_endpoint_picks_total{service="web",endpoint="127.0.0.1:%d"} 3' % a.port
        check(want in text, "per-endpoint picks in /metrics: %r" % [
            l for l in text.splitlines() if "endpoint" in l])
    finally:
        gw.stop()


@case
def test_access_log_reopen(binary):
    a = Backend("a")
    gw, port, cfg = simple(binary, [a])
    try:
        http_get(port, path="/one")
        os.rename(gw.log, gw.log + ".1")  # rotation
        gw.reload(cfg)
        http_get(port, path="/two")
        old = open(gw.log + ".1").read()
        new = open(gw.log).read()
        check('"/one"' in old and '"/two"' not in old, "old file: %r" % old)
        check('"/two"' in new and '"/one"' not in new, "reopened file: %r" % new)
    finally:
        gw.stop()


@case
def test_http_coalesce_under_load(binary):
    """coalesce_us bounds how long a worker may wait after a small epoll batch for a larger
    one, and it waits only for a batch its requests in flight can fill. Idle keep-alive
    connections are not in flight (a new one counts for its first 100 ms only): with 8 of them
    open, sequential requests never wait even with a 300 ms bound. 16 concurrent keep-alive clients with 30 requests each do make it wait
    (lcont_gateway_coalesce_waits_total grows; the bound is 100 ms so that any rate these
    clients reach qualifies) and all get their own answers, nothing lost to the waits."""
    a = Backend("a")
    gw, port, cfg = simple(binary, [a])

    def waits():
        return gw.metrics().get("lcont_gateway_coalesce_waits_total", -1)

    try:
        cfg["coalesce_us"] = 300000
        gw.reload(cfg)
        idle = [socket.create_connection(("127.0.0.1", port), timeout=WAIT) for _ in range(8)]
        eventually(lambda: sum(v for k, v in gw.metrics().items()
                               if k.startswith("lcont_gateway_active_connections")) >= 8,
                   "8 connections")
        time.sleep(0.5)  # past the 100 ms for which a silent new connection counts
        before = waits()
        check(before >= 0, "no lcont_gateway_coalesce_waits_total in /metrics")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        for i in range(50):
            st, h, _ = http_get(port, "/seq/%d" % i, conn=conn)
            check(st == 200 and h["x-backend"] == "a", "sequential request %d: %d" % (i, st))
        conn.close()
        check(waits() == before, "sequential requests waited: %d -> %d" % (before, waits()))
        errors = []

        def client(k):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
            for i in range(30):
                st, h, data = http_get(port, "/c%d/%d" % (k, i), conn=conn)
                if st != 200 or ("/c%d/%d" % (k, i)).encode() not in data:
                    errors.append((k, i, st))
            conn.close()

        threads = [threading.Thread(target=client, args=(k,)) for k in range(16)]
        cfg["coalesce_us"] = 100000
        gw.reload(cfg)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(not errors, "answers under coalescing: %r" % errors[:5])
        check(waits() > before, "16 concurrent clients never made the worker wait")
        for s in idle:
            s.close()
    finally:
        gw.stop()


@case
def test_config_errors(binary):
    d = tempdir("gwcfg-")
    bad = {
        "unknown key": "services: []\nlisteners: []\nbogus: 1\n",
        "unknown service": "services:\n  - name: a\n    endpoints: [\"127.0.0.1:1\"]\n"
                           "listeners:\n  - listen: 127.0.0.1:1\n    routes:\n"
                           "      - service: nope\n",
        "bad address": "services:\n  - name: a\n    endpoints: [\"nowhere\"]\n"
                       "listeners:\n  - listen: 127.0.0.1:1\n    routes: [{service: a}]\n",
        "bad yaml": "services: [\n",
        "negative coalesce_us": "coalesce_us: -1\nservices: []\nlisteners: []\n",
        "coalesce_us over 1 s": "coalesce_us: 1000001\nservices: []\nlisteners: []\n",
        "bad json": "{\"services\": [}",
        "missing file": None,
    }
    for what, text in bad.items():
        path = os.path.join(d, "c.yaml")
        if text is None:
            path = os.path.join(d, "absent.yaml")
        else:
            open(path, "w").write(text)
        r = subprocess.run([binary, "--check", "-c", path], capture_output=True, text=True)
        check(r.returncode == 1 and "lcont-gateway:" in r.stderr, "%s: rc %d, %r" % (
            what, r.returncode, r.stderr))
    good = os.path.join(d, "good.json")
    json.dump({"services": [service("a", ["127.0.0.1:1"])],
               "listeners": [http_listener(1, [{"service": "a"}])]}, open(good, "w"))
    r = subprocess.run([binary, "--check", "-c", good], capture_output=True, text=True)
    check(r.returncode == 0, "good config: %r" % r.stderr)


@case
def test_table_file_persist_format(binary):
    a, b = Backend("a"), Backend("b")
    port = free_port()
    tfile = os.path.join(tempdir("gwtable-"), "table.json")
    json.dump({"kind": "lcont-service-table", "version": 1, "services": [{
        "namespace": "default", "name": "api",
        "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": "web"}],
        "picker": "round-robin",
        "endpoints": [{"address": "127.0.0.1", "ports": [{"name": "web", "port": x.port}],
                       "ready": True} for x in (a,)] +
                     [{"address": "127.0.0.2", "ports": [{"name": "web", "port": b.port}],
                       "ready": False}]}]}, open(tfile, "w"))
    gw = Gateway(binary, {
        "services": [{"name": "api", "table": {"file": tfile, "service": "api",
                                               "port": "http"}}],
        "listeners": [http_listener(port, [{"service": "api"}])],
    })
    try:
        seen = [http_get(port)[1]["x-backend"] for _ in range(6)]
        check(seen == ["a"] * 6, "only the ready endpoint of the table: %r" % seen)
        check(gw.metric('lcont_gateway_retries_total{service="api"}') == 0,
              "the not-ready endpoint was never tried")
        check(gw.metric("lcont_gateway_table_generation") > 0, "table generation exported")
    finally:
        gw.stop()


# ---------------------------------------------------------------- TLS


def make_cert(d, name):
    key, crt = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name,
                    "-keyout", key, "-out", crt], check=True, capture_output=True)
    return crt, key


def peer_cn(port, sni):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=sni) as t:
            der = t.getpeercert(binary_form=True)
            t.sendall(b"GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % sni.encode())
            data = b""
            while True:
                d = t.recv(65536)
                if not d:
                    break
                data += d
    pem = ssl.DER_cert_to_PEM_cert(der)
    out = subprocess.run(["openssl", "x509", "-noout", "-subject", "-serial"], input=pem,
                         capture_output=True, text=True, check=True).stdout
    return out, data


@case
def test_tls_sni_and_reload(binary):
    a = Backend("a")
    d = tempdir("gwtls-")
    ca, ka = make_cert(d, "a.test")
    cb, kb = make_cert(d, "b.test")
    port = free_port()
    cfg = {
        "services": [service("web", [a.addr])],
        "listeners": [http_listener(port, [{"service": "web"}], tls={"certificates": [
            {"cert": ca, "key": ka, "server_names": ["a.test"]},
            {"cert": cb, "key": kb, "server_names": ["b.test", "*.b.test"]}]})],
    }
    gw = Gateway(binary, cfg, "yaml")
    try:
        subj, data = peer_cn(port, "a.test")
        check("CN = a.test" in subj, "a.test cert: %s" % subj)
        check(data.startswith(b"HTTP/1.1 200"), "proxied over TLS: %r" % data[:40])
        check(b'"https"' in data, "X-Forwarded-Proto https reached the backend")
        subj, _ = peer_cn(port, "x.b.test")
        check("CN = b.test" in subj, "wildcard SNI: %s" % subj)
        subj, _ = peer_cn(port, "unknown.test")
        check("CN = a.test" in subj, "default cert: %s" % subj)
        serial_before = peer_cn(port, "b.test")[0]
        make_cert(d, "b.test")  # new key and serial in place
        gw.reload(cfg)
        serial_after = peer_cn(port, "b.test")[0]
        check(serial_before != serial_after, "certificate reloaded on SIGHUP")
    finally:
        gw.stop()


# ---------------------------------------------------------------- malformed requests


def malformed(binary, payload, want=b"HTTP/1.1 400"):
    a = Backend("a")
    gw, port, _ = simple(binary, [a])
    try:
        data, closed = raw_exchange(port, payload)
        check(data.startswith(want), "want %r, got %r" % (want, data[:60]))
        check(closed, "connection closed after the error")
        check(a.requests == 0, "nothing reached the backend")
        check(gw.alive(), "gateway alive")
        check(http_get(port)[0] == 200, "still serving")
    finally:
        gw.stop()


MALFORMED = {
    "cl_te_conflict": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "duplicate_cl_differs": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                            b"Content-Length: 5\r\n\r\nabcde",
    "cl_not_a_number": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4x\r\n\r\nabcd",
    "te_not_chunked": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "obs_fold": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n",
    "space_before_colon": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 0\r\n\r\n",
    "bare_lf": b"GET / HTTP/1.1\nHost: x\n\n",
    "bad_chunk_size": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"zz\r\nabc\r\n0\r\n\r\n",
    "missing_host": b"GET / HTTP/1.1\r\nUser-Agent: t\r\n\r\n",
    "double_host": b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    "bad_request_line": b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
    "nul_in_header": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
}

for _name, _payload in MALFORMED.items():
    def _mk(payload):
        return lambda binary: malformed(binary, payload)
    CASES["malformed_" + _name] = _mk(_payload)

@case
def test_garbage_input(binary):
    import random
    rnd = random.Random(5)
    be = Backend("a")
    gw, port, _ = simple(binary, [be])
    try:
        seeds = [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                 b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"5\r\nhello\r\n0\r\n\r\n",
                 b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"]
        for i in range(150):
            p = bytearray(rnd.choice(seeds))
            for _ in range(rnd.randint(1, 4)):
                p[rnd.randrange(len(p))] = rnd.randrange(256)
            p = bytes(p[:rnd.randint(1, len(p))]) if i % 3 == 0 else bytes(p)
            s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            s.sendall(p)
            s.shutdown(socket.SHUT_WR)  # no more input: every case must end
            s.settimeout(WAIT)
            try:
                while s.recv(65536):
                    pass
            except ConnectionResetError:
                pass
            s.close()
        check(gw.alive(), "gateway survived garbage")
        check(http_get(port)[0] == 200, "still serving")
    finally:
        gw.stop()


CASES["malformed_oversized_headers"] = lambda binary: malformed(
    binary, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
    b"HTTP/1.1 431")
CASES["malformed_too_many_headers"] = lambda binary: malformed(
    binary, b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(150)) +
    b"\r\n", b"HTTP/1.1 431")
CASES["malformed_http2_version"] = lambda binary: malformed(
    binary, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", b"HTTP/1.1 505")


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(sorted(CASES)))
        return 0
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print("usage: gwtest.py GATEWAY CASE\ncases: " + " ".join(sorted(CASES)))
        return 2
    try:
        CASES[sys.argv[2]](sys.argv[1])
    except Fail as e:
        print("FAIL %s: %s" % (sys.argv[2], e))
        return 1
    print("ok %s" % sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
