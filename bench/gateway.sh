#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lcont-gateway vs HAProxy and nginx (http proxy for L7, stream for L4), one worker each, the
# same nginx backend serving a small static file, wrk and iperf3 on loopback. Peers are
# interleaved in shuffled order every round; medians, ratios and one final JSON line.
#
# usage: bench/gateway.sh [BUILD_DIR] [ROUNDS] [SECONDS]   (defaults: build 3 3; ~3 minutes)
# needs: wrk, iperf3, haproxy, nginx with libnginx-mod-stream.
set -eu

build=${1:-build}
rounds=${2:-3}
secs=${3:-3}
gateway=$build/examples/lcont-gateway/lcont-gateway
for p in wrk iperf3 haproxy nginx python3; do
    command -v $p >/dev/null || { echo "gateway.sh: $p not installed"; exit 77; }
done
[ -x "$gateway" ] || { echo "gateway.sh: $gateway not built"; exit 1; }
stream_mod=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f $stream_mod ] || { echo "gateway.sh: install libnginx-mod-stream"; exit 77; }

dir=$(mktemp -d /tmp/gwbench.XXXXXX)
chmod 755 "$dir" # nginx workers run as nobody
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM

BACKEND=19080 IPERF=19081
LC_HTTP=19100 LC_TCP=19101 LC_ADMIN=19102
HA_HTTP=19110 HA_TCP=19111
NG_HTTP=19120 NG_TCP=19121

mkdir -p "$dir/html" "$dir/be" "$dir/ng"
head -c 612 /dev/zero | tr '\0' 'x' >"$dir/html/index.html" # nginx's welcome page size

cat >"$dir/backend.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/be/nginx.pid;
error_log $dir/be/error.log;
events { worker_connections 20000; }
http {
    access_log off;
    keepalive_requests 100000000;
    server { listen 127.0.0.1:$BACKEND backlog=4096; root $dir/html; }
}
EOF

cat >"$dir/gateway.yaml" <<EOF
workers: 1
admin: 127.0.0.1:$LC_ADMIN
access_log: "off"
services:
  - name: web
    endpoints: ["127.0.0.1:$BACKEND"]
  - name: iperf
    endpoints: ["127.0.0.1:$IPERF"]
listeners:
  - name: http
    listen: 127.0.0.1:$LC_HTTP
    routes:
      - service: web
  - name: tcp
    listen: 127.0.0.1:$LC_TCP
    protocol: tcp
    service: iperf
    pipe_size: 1048576
EOF

cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option http-keep-alive
    http-reuse always
frontend fe_http
    bind 127.0.0.1:$HA_HTTP
    default_backend be_http
backend be_http
    server s1 127.0.0.1:$BACKEND
frontend fe_tcp
    mode tcp
    bind 127.0.0.1:$HA_TCP
    default_backend be_tcp
backend be_tcp
    mode tcp
    server s1 127.0.0.1:$IPERF
EOF

cat >"$dir/nginx-proxy.conf" <<EOF
load_module $stream_mod;
worker_processes 1;
daemon off;
pid $dir/ng/nginx.pid;
error_log $dir/ng/error.log;
events { worker_connections 20000; }
http {
    access_log off;
    upstream b { server 127.0.0.1:$BACKEND; keepalive 128; keepalive_requests 100000000; }
    server {
        listen 127.0.0.1:$NG_HTTP backlog=4096;
        keepalive_requests 100000000;
        location / {
            proxy_pass http://b;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
stream { server { listen 127.0.0.1:$NG_TCP; proxy_pass 127.0.0.1:$IPERF; } }
EOF

nginx -c "$dir/backend.conf" -p "$dir/be" & pids="$pids $!"
be_pid=$!
iperf3 -s -p $IPERF >/dev/null 2>&1 & pids="$pids $!"
"$gateway" -c "$dir/gateway.yaml" 2>"$dir/gateway.err" & pids="$pids $!"
lc_pid=$!
haproxy -f "$dir/haproxy.cfg" -db >/dev/null 2>&1 & pids="$pids $!"
ha_pid=$!
nginx -c "$dir/nginx-proxy.conf" -p "$dir/ng" & pids="$pids $!"
ng_pid=$!
sleep 1

python3 - "$rounds" "$secs" "$lc_pid" "$ha_pid" "$ng_pid" "$be_pid" <<EOF
import json, os, random, re, resource, statistics, subprocess, sys

rounds, secs = int(sys.argv[1]), int(sys.argv[2])
# CPU time each proxy spends per request is far less sensitive to a busy machine than rates
roots = {"lcont": int(sys.argv[3]), "haproxy": int(sys.argv[4]), "nginx": int(sys.argv[5]),
         "backend": int(sys.argv[6])}
tick = os.sysconf("SC_CLK_TCK")

def family(pid):
    out = [pid]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = open("/proc/%s/stat" % d).read()
            except OSError:
                continue
            if int(st.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d))
    return out

def cpu_us(peer):
    if peer not in roots:
        return 0.0
    total = 0
    for p in family(roots[peer]):
        try:
            f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(f[11]) + int(f[12])  # utime + stime
    return total * 1e6 / tick

http = {"direct": $BACKEND, "lcont": $LC_HTTP, "haproxy": $HA_HTTP, "nginx": $NG_HTTP}
tcp = {"direct": $IPERF, "lcont": $LC_TCP, "haproxy": $HA_TCP, "nginx": $NG_TCP}

def sleeps(peer):
    """Voluntary context switches of a proxy's threads and processes: how often it sleeps."""
    if peer not in roots:
        return 0
    n = 0
    for p in family(roots[peer]):
        try:
            for t in os.listdir("/proc/%d/task" % p):
                for line in open("/proc/%d/task/%s/status" % (p, t)):
                    if line.startswith("voluntary_ctxt_switches:"):
                        n += int(line.split()[1])
        except OSError:
            continue
    return n

def halts():
    """Idle entries of all CPUs (cpuidle states other than POLL): on a VM without guest
    halt-polling each one is a halt, and waking a process on that CPU costs a VM exit."""
    n = 0
    for cpu in os.listdir("/sys/devices/system/cpu"):
        d = "/sys/devices/system/cpu/%s/cpuidle" % cpu
        if not re.fullmatch(r"cpu\d+", cpu) or not os.path.isdir(d):
            continue
        for st in os.listdir(d):
            try:
                if open("%s/%s/name" % (d, st)).read().strip() != "POLL":
                    n += int(open("%s/%s/usage" % (d, st)).read())
            except OSError:
                pass
    return n

def children_cpu_us():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (ru.ru_utime + ru.ru_stime) * 1e6

def wrk(port, extra, conns):
    out = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % secs, "--latency"] + extra +
                         ["http://127.0.0.1:%d/" % port], capture_output=True, text=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not m:
        sys.exit("wrk against port %d failed:\n%s" % (port, out))
    rps = float(m.group(1))
    errs = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    lat = {}
    for pct, val, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        lat[pct] = float(val) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]
    return rps, lat, (errs.group(0) if errs else "")

def iperf(port):
    out = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", str(secs), "-J"],
                         capture_output=True, text=True).stdout
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9

res = {k: {"rps": [], "cps": [], "gbps": [], "p50": [], "p99": [], "cpu_req": [],
           "cpu_conn": [], "be_req": [], "wrk_req": [], "sleep_req": [], "halt_req": []}
       for k in http}
load0 = os.getloadavg()[0]
for r in range(rounds):
    order = list(http)
    random.shuffle(order)
    for peer in order:
        c0, b0, w0 = cpu_us(peer), cpu_us("backend"), children_cpu_us()
        s0, h0 = sleeps(peer), halts()
        rps, _, e1 = wrk(http[peer], [], 50)
        c1, b1, w1 = cpu_us(peer), cpu_us("backend"), children_cpu_us()
        s1, h1 = sleeps(peer), halts()
        # how often the proxy sleeps, and how often a CPU halts, per keep-alive request
        sleep_req = (s1 - s0) / (rps * secs) if rps else 0
        halt_req = (h1 - h0) / (rps * secs) if rps else 0
        # what the proxy makes the others spend: with the proxy, backend and wrk sharing few
        # cores, their CPU per request decides the rate as much as the proxy's own
        be_req = (b1 - b0) / (rps * secs) if rps else 0
        wrk_req = (w1 - w0) / (rps * secs) if rps else 0
        cps, _, e2 = wrk(http[peer], ["-H", "Connection: close"], 50)
        c2 = cpu_us(peer)
        cpu_req = (c1 - c0) / (rps * secs) if rps else 0
        cpu_conn = (c2 - c1) / (cps * secs) if cps else 0
        _, lat, e3 = wrk(http[peer], [], 1)
        gbps = iperf(tcp[peer])
        for k, v in (("rps", rps), ("cps", cps), ("gbps", gbps), ("p50", lat.get("50", 0)),
                     ("p99", lat.get("99", 0)), ("cpu_req", cpu_req), ("cpu_conn", cpu_conn),
                ("be_req", be_req), ("wrk_req", wrk_req), ("sleep_req", sleep_req),
                ("halt_req", halt_req)):
            res[peer][k].append(v)
        errs = " ".join(x for x in (e1, e2, e3) if x)
        print("round %d %-8s req/s %9.0f  conn/s %8.0f  p50 %7.1fus  p99 %7.1fus  %6.2f Gbit/s"
              "  cpu/req %5.1fus (+backend %4.1f +wrk %4.1f)  sleeps/req %.3f  halts/req %.3f"
              "  cpu/conn %5.1fus  load %.1f %s"
              % (r + 1, peer, rps, cps, lat.get("50", 0), lat.get("99", 0), gbps, cpu_req,
                 be_req, wrk_req, sleep_req, halt_req, cpu_conn, os.getloadavg()[0], errs),
              flush=True)

med = {p: {k: statistics.median(v) for k, v in d.items()} for p, d in res.items()}
print("\nmedians over %d rounds (%ds each):" % (rounds, secs))
print("%-8s %10s %10s %10s %12s %12s %12s %12s %12s %11s %10s" % (
    "peer", "req/s", "conn/s", "Gbit/s", "+p50 us", "+p99 us", "cpu us/req", "all us/req",
    "cpu us/conn", "sleeps/req", "halts/req"))
for p in ("direct", "lcont", "haproxy", "nginx"):
    m = med[p]
    print("%-8s %10.0f %10.0f %10.2f %12.1f %12.1f %12.1f %12.1f %12.1f %11.3f %10.3f" % (
        p, m["rps"], m["cps"], m["gbps"], m["p50"] - med["direct"]["p50"],
        m["p99"] - med["direct"]["p99"], m["cpu_req"],
        statistics.median([a + b + c for a, b, c in
                           zip(res[p]["cpu_req"], res[p]["be_req"], res[p]["wrk_req"])]),
        m["cpu_conn"], m["sleep_req"], m["halt_req"]))
# The machine is shared: a round's rates move together with the neighbours' load, so the
# ratio within each round (peers interleaved seconds apart) is steadier than a ratio of medians.
def per_round(key):
    return [a / b for a, b in zip(res["lcont"][key], res["haproxy"][key]) if b]
round_ratios = {k: per_round(k) for k in ("rps", "cps")}
for k, v in round_ratios.items():
    print("lcont/haproxy %s per round: %s  (median %.3f, >= 1 in %d of %d)" % (
        k, " ".join("%.2f" % x for x in v), statistics.median(v), sum(x >= 1 for x in v), len(v)))
l, h, n = med["lcont"], med["haproxy"], med["nginx"]
out = {"bench": "gateway", "rounds": rounds, "seconds": secs,
       "loadavg_start": round(load0, 2), "loadavg_end": round(os.getloadavg()[0], 2),
       "lcont_rps": round(l["rps"]), "haproxy_rps": round(h["rps"]), "nginx_rps": round(n["rps"]),
       "direct_rps": round(med["direct"]["rps"]),
       "ratio_rps_vs_haproxy": round(l["rps"] / h["rps"], 3),
       "ratio_rps_vs_nginx": round(l["rps"] / n["rps"], 3),
       "lcont_cps": round(l["cps"]), "haproxy_cps": round(h["cps"]), "nginx_cps": round(n["cps"]),
       "ratio_cps_vs_haproxy": round(l["cps"] / h["cps"], 3),
       "ratio_cps_vs_nginx": round(l["cps"] / n["cps"], 3),
       "lcont_gbps": round(l["gbps"], 2), "haproxy_gbps": round(h["gbps"], 2),
       "nginx_gbps": round(n["gbps"], 2), "direct_gbps": round(med["direct"]["gbps"], 2),
       "ratio_gbps_vs_haproxy": round(l["gbps"] / h["gbps"], 3),
       "ratio_gbps_vs_nginx": round(l["gbps"] / n["gbps"], 3)}
for k, v in round_ratios.items():
    out["round_ratio_%s_vs_haproxy_median" % k] = round(statistics.median(v), 3)
    out["rounds_%s_ge_haproxy" % k] = sum(x >= 1 for x in v)
for p in ("lcont", "haproxy", "nginx"):
    out[p + "_cpu_us_per_req"] = round(med[p]["cpu_req"], 2)
    out[p + "_cpu_us_per_conn"] = round(med[p]["cpu_conn"], 2)
    out[p + "_sleeps_per_req"] = round(med[p]["sleep_req"], 3)
for p in ("direct", "lcont", "haproxy", "nginx"):
    out[p + "_halts_per_req"] = round(med[p]["halt_req"], 3)
for p in ("direct", "lcont", "haproxy", "nginx"):
    # CPU per keep-alive request of proxy + backend + wrk together (median of the rounds)
    out[p + "_all_cpu_us_per_req"] = round(statistics.median(
        [a + b + c for a, b, c in zip(res[p]["cpu_req"], res[p]["be_req"], res[p]["wrk_req"])]),
        2)
out["ratio_cpu_per_req_vs_haproxy"] = round(l["cpu_req"] / h["cpu_req"], 3) if h["cpu_req"] else 0
out["ratio_cpu_per_conn_vs_haproxy"] = round(l["cpu_conn"] / h["cpu_conn"], 3) \
    if h["cpu_conn"] else 0
out["ratio_all_cpu_per_req_vs_haproxy"] = round(
    out["lcont_all_cpu_us_per_req"] / out["haproxy_all_cpu_us_per_req"], 3) \
    if out["haproxy_all_cpu_us_per_req"] else 0
for p in ("lcont", "haproxy", "nginx"):
    out[p + "_added_p50_us"] = round(med[p]["p50"] - med["direct"]["p50"], 1)
    out[p + "_added_p99_us"] = round(med[p]["p99"] - med["direct"]["p99"], 1)
print(json.dumps(out))
EOF
