#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build a service table from Kubernetes YAML, add endpoints from Python, and pick.

usage: service_table.py [K8S_YAML_FILE]
(no privileges needed; PYTHONPATH=build/bindings/python for a build tree)
"""
import collections
import json
import sys

import lcont

DEFAULT_YAML = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  clusterIP: 10.96.0.80
  ports: [{name: http, port: 80, targetPort: 8080}]
"""


def main():
    text = open(sys.argv[1]).read() if len(sys.argv) > 1 else DEFAULT_YAML
    table = lcont.ServiceTable(node="node-a")
    print("applied %d objects" % table.apply_k8s(text))
    web = table.service("demo", "web")
    # Endpoints as an EndpointSlice controller would report them.
    web.set_endpoints([
        lcont.Endpoint("10.1.0.1", ports={"http": 8080}, node="node-a"),
        lcont.Endpoint("10.1.0.2", ports={"http": 8080}, node="node-b"),
        lcont.Endpoint("10.1.0.3", ports={"http": 8080}, node="node-b"),
        lcont.Endpoint("10.1.0.4", ports={"http": 8080}, ready=False),  # not picked
    ])
    counts = collections.Counter()
    for _ in range(9):
        pick = web.pick("http")
        counts["%s:%d" % pick.address] += 1
    for addr, n in sorted(counts.items()):
        print("%s picked %d times" % (addr, n))
    # A virtual address leads back to its service.
    print("10.96.0.80:80 ->", table.service_by_vip(("10.96.0.80", 80)).id == web.id)
    doc = table.save_json()
    print("saved %d service(s), generation %d" % (len(doc["services"]), table.generation))
    json.dump(doc, sys.stderr, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
