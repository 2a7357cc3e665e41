# SPDX-License-Identifier: LGPL-2.1-or-later
"""lcont.ServiceTable, Service, Endpoint: service endpoint tables and load-balancing picks."""
import asyncio
import dataclasses
import enum
import json
import os
import socket
import struct
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

from ._errors import check, new_errp
from ._lcont import ffi, lib
from ._util import HandleLock, cstr, cstrv, take_string

__all__ = ["ServiceTable", "Service", "ServicePort", "Endpoint", "EndpointPort", "EndpointPick",
           "Protocol", "Picker", "ServiceType", "TrafficPolicy", "selector_matches"]


class Protocol(enum.IntEnum):
    TCP = lib.LCONT_SERVICE_PROTO_TCP
    UDP = lib.LCONT_SERVICE_PROTO_UDP
    SCTP = lib.LCONT_SERVICE_PROTO_SCTP


class Picker(enum.IntEnum):
    ROUND_ROBIN = lib.LCONT_SERVICE_PICKER_ROUND_ROBIN
    WEIGHTED_ROUND_ROBIN = lib.LCONT_SERVICE_PICKER_WEIGHTED_RR
    RANDOM = lib.LCONT_SERVICE_PICKER_RANDOM
    LEAST_CONN = lib.LCONT_SERVICE_PICKER_LEAST_CONN
    MAGLEV = lib.LCONT_SERVICE_PICKER_MAGLEV
    RING_HASH = lib.LCONT_SERVICE_PICKER_RING_HASH


class ServiceType(enum.IntEnum):
    CLUSTER_IP = lib.LCONT_SERVICE_TYPE_CLUSTER_IP
    NODE_PORT = lib.LCONT_SERVICE_TYPE_NODE_PORT
    LOAD_BALANCER = lib.LCONT_SERVICE_TYPE_LOAD_BALANCER


class TrafficPolicy(enum.IntEnum):
    CLUSTER = lib.LCONT_SERVICE_TRAFFIC_CLUSTER
    LOCAL = lib.LCONT_SERVICE_TRAFFIC_LOCAL


# Spellings accepted for enum arguments besides the enum members and their values: the
# names of the table's JSON format ("round-robin", "ClientIP", "PreferClose") in any case,
# with or without '-'/'_'.
_ALIASES = {
    "weightedrr": Picker.WEIGHTED_ROUND_ROBIN, "wrr": Picker.WEIGHTED_ROUND_ROBIN,
    "rr": Picker.ROUND_ROBIN, "leastconnections": Picker.LEAST_CONN,
    "clusterip": ServiceType.CLUSTER_IP, "nodeport": ServiceType.NODE_PORT,
    "loadbalancer": ServiceType.LOAD_BALANCER,
}


def _enum(cls, value, what):
    if isinstance(value, cls):
        return value
    if isinstance(value, int):
        return cls(value)
    if isinstance(value, str):
        key = value.replace("-", "").replace("_", "").lower()
        if key in _ALIASES and isinstance(_ALIASES[key], cls):
            return _ALIASES[key]
        for m in cls:
            if m.name.replace("_", "").lower() == key:
                return m
    raise ValueError("%s: unknown value %r (one of %s)" %
                     (what, value, ", ".join(m.name.lower() for m in cls)))


def _cond(value: Optional[bool]) -> int:
    if value is None:
        return lib.LCONT_SERVICE_COND_UNSET
    return lib.LCONT_SERVICE_COND_TRUE if value else lib.LCONT_SERVICE_COND_FALSE


def _sockaddr(addr, keep):
    """A `struct sockaddr *` for a (host, port) tuple (IPv4 or IPv6 literal), or NULL."""
    if addr is None:
        return ffi.NULL
    host, port = addr[0], int(addr[1])
    if ":" in host:
        raw = (struct.pack("=H", socket.AF_INET6) + struct.pack("!HI", port, 0) +
               socket.inet_pton(socket.AF_INET6, host) + struct.pack("=I", 0))
    else:
        raw = (struct.pack("=H", socket.AF_INET) + struct.pack("!H", port) +
               socket.inet_pton(socket.AF_INET, host) + bytes(8))
    buf = ffi.new("char[]", raw)
    keep.append(buf)
    return ffi.cast("struct sockaddr *", buf)


def _parse_sockaddr(raw: bytes) -> Tuple[int, str, int]:
    """(family, host, port) of a sockaddr_in/sockaddr_in6."""
    family = struct.unpack_from("=H", raw)[0]
    port = struct.unpack_from("!H", raw, 2)[0]
    if family == socket.AF_INET6:
        return family, socket.inet_ntop(socket.AF_INET6, raw[8:24]), port
    return family, socket.inet_ntop(socket.AF_INET, raw[4:8]), port


@dataclasses.dataclass
class ServicePort:
    """A service port: clients connect to `port` on a VIP (or `node_port` on the host);
    endpoints are reached on `target_port`, or on their port named `target_port_name`."""
    port: int
    name: Optional[str] = None
    protocol: Union[Protocol, str, int] = Protocol.TCP
    target_port: int = 0
    target_port_name: Optional[str] = None
    node_port: int = 0


@dataclasses.dataclass
class EndpointPort:
    port: int
    name: Optional[str] = None
    protocol: Union[Protocol, str, int] = Protocol.TCP


@dataclasses.dataclass
class Endpoint:
    """One endpoint of a service. ready/serving/terminating are tri-state: None means
    unset, with Kubernetes' meaning (ready; serving = ready; not terminating). ports is a
    {name: port} mapping or a list of ints, (name, port[, protocol]) tuples or
    EndpointPort; hints are the zones (hint_nodes the nodes) it is meant for."""
    address: str
    ports: Union[Mapping[str, int], Sequence[Any]] = ()
    ready: Optional[bool] = None
    serving: Optional[bool] = None
    terminating: Optional[bool] = None
    node: Optional[str] = None
    zone: Optional[str] = None
    hints: Sequence[str] = ()
    hint_nodes: Sequence[str] = ()
    target_ref: Optional[str] = None
    weight: int = 0

    def _ports(self):
        if isinstance(self.ports, Mapping):
            return [EndpointPort(port, name) for name, port in self.ports.items()]
        out = []
        for p in self.ports:
            if isinstance(p, EndpointPort):
                out.append(p)
            elif isinstance(p, int):
                out.append(EndpointPort(p))
            else:
                name, port, *rest = p
                out.append(EndpointPort(port, name, *rest))
        return out

    def _fill(self, d, keep):
        """Fill the lcont_endpoint_desc @d (already initialised)."""
        d.address = cstr(self.address, keep)
        ports = self._ports()
        if ports:
            arr = ffi.new("lcont_endpoint_port[]", len(ports))
            keep.append(arr)
            for i, p in enumerate(ports):
                arr[i].name = cstr(p.name, keep)
                arr[i].protocol = _enum(Protocol, p.protocol, "endpoint port protocol")
                arr[i].port = p.port
            d.ports = arr
            d.n_ports = len(ports)
        d.ready = _cond(self.ready)
        d.serving = _cond(self.serving)
        d.terminating = _cond(self.terminating)
        d.node = cstr(self.node, keep)
        d.zone = cstr(self.zone, keep)
        d.hint_zones = cstrv(self.hints, keep) if self.hints else ffi.NULL
        d.hint_nodes = cstrv(self.hint_nodes, keep) if self.hint_nodes else ffi.NULL
        d.target_ref = cstr(self.target_ref, keep)
        d.weight = self.weight


@dataclasses.dataclass(frozen=True)
class EndpointPick:
    """The endpoint chosen for one connection: `address` is a (host, port) tuple and
    `sockaddr` the raw struct sockaddr_in/in6 bytes, both ready for connect()."""
    endpoint_id: int
    generation: int
    family: int
    host: str
    port: int
    sockaddr: bytes

    @property
    def address(self) -> Tuple[str, int]:
        return (self.host, self.port)


def selector_matches(selector: str, labels: Union[Mapping[str, str], Iterable[str]]) -> bool:
    """Whether labels ({key: value} or "key=value" strings) match a label selector
    ("app=web,tier in (a,b),!old"). OSError(EINVAL) for a bad selector."""
    if isinstance(labels, Mapping):
        labels = ["%s=%s" % kv for kv in labels.items()]
    keep = []
    err = new_errp()
    return bool(check(lib.lcont_service_selector_matches(cstr(selector, keep),
                                                         cstrv(list(labels), keep), err), err))


class ServiceTable:
    """A service table (``lcont_service_table``): services with virtual addresses and
    ports, their endpoints, and lock-free picking. @node/@zone name this host (for Local
    traffic policies and topology hints)."""

    def __init__(self, *, node: Optional[str] = None, zone: Optional[str] = None):
        ret = ffi.new("lcont_service_table **")
        err = new_errp()
        check(lib.lcont_service_table_new(0, ret, err), err)
        self._ptr = ffi.gc(ret[0], lib.lcont_service_table_unref)
        # One writer at a time (the C rule); picks and lookups stay lock-free.
        self._wlock = HandleLock("service table")
        if node is not None or zone is not None:
            self.set_host(node, zone)

    @property
    def ptr(self):
        if self._ptr is None:
            raise ValueError("service table is closed")
        return self._ptr

    def set_host(self, node: Optional[str], zone: Optional[str] = None) -> None:
        keep = []
        err = new_errp()
        with self._wlock:
            rc = lib.lcont_service_table_set_host(self.ptr, cstr(node, keep), cstr(zone, keep), err)
        check(rc, err)

    @property
    def generation(self) -> int:
        """Bumped by every change."""
        return lib.lcont_service_table_get_generation(self.ptr)

    @property
    def notify_fd(self) -> int:
        """An eventfd that polls readable after a change (borrowed: valid while the table
        lives); clear_notify() resets it."""
        return check(lib.lcont_service_table_get_notify_fd(self.ptr))

    def clear_notify(self) -> int:
        """Reset the notify fd; returns how many changes it had counted (0 if none)."""
        try:
            return struct.unpack("=Q", os.read(self.notify_fd, 8))[0]
        except BlockingIOError:
            return 0

    async def wait_change(self) -> int:
        """Wait (asyncio) until the table changes; returns the new generation."""
        fd = self.notify_fd
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.add_reader(fd, lambda: done.done() or done.set_result(None))
        try:
            await done
        finally:
            loop.remove_reader(fd)
        self.clear_notify()
        return self.generation

    def __len__(self) -> int:
        with self._wlock:
            return lib.lcont_service_table_get_size(self.ptr)

    def reclaim(self) -> int:
        """Free memory retired by earlier writes; returns objects still waiting."""
        with self._wlock:
            return check(lib.lcont_service_table_reclaim(self.ptr))

    def add(self, ns: Optional[str], name: str, *, ports: Sequence[Any],
            vips: Sequence[str] = (), selector: Optional[str] = None,
            type: Union[ServiceType, str, int] = ServiceType.CLUSTER_IP,
            headless: bool = False, picker: Union[Picker, str, int] = Picker.ROUND_ROBIN,
            maglev_size: int = 0, affinity: Optional[str] = None, affinity_timeout: int = 0,
            affinity_capacity: int = 0,
            internal_traffic_policy: Union[TrafficPolicy, str, int] = TrafficPolicy.CLUSTER,
            external_traffic_policy: Union[TrafficPolicy, str, int] = TrafficPolicy.CLUSTER,
            prefer_close: bool = False, publish_not_ready: bool = False,
            replace: bool = True) -> "Service":
        """Add service @ns/@name (ns None = "default"), or replace its configuration
        (keeping its endpoints) unless replace=False (then FileExistsError). ports: ints,
        (name, port) tuples, dicts of ServicePort fields, or ServicePort. affinity:
        None or "ClientIP" (affinity_timeout seconds, affinity_capacity clients remembered;
        0 = defaults)."""
        keep = []
        d = ffi.new("lcont_service_desc *")
        check(lib.lcont_service_desc_init(d, ffi.sizeof("lcont_service_desc")))
        d.ns = cstr(ns, keep)
        d.name = cstr(name, keep)
        d.vips = cstrv(vips, keep) if vips else ffi.NULL
        sports = []
        for p in ports:
            if isinstance(p, ServicePort):
                sports.append(p)
            elif isinstance(p, int):
                sports.append(ServicePort(p))
            elif isinstance(p, Mapping):
                sports.append(ServicePort(**p))
            else:
                pname, pport, *rest = p
                sports.append(ServicePort(pport, pname, *rest))
        arr = ffi.new("lcont_service_port[]", max(len(sports), 1))
        keep.append(arr)
        for i, p in enumerate(sports):
            arr[i].name = cstr(p.name, keep)
            arr[i].protocol = _enum(Protocol, p.protocol, "port protocol")
            arr[i].port = p.port
            arr[i].target_port = p.target_port
            arr[i].target_port_name = cstr(p.target_port_name, keep)
            arr[i].node_port = p.node_port
        d.ports = arr
        d.n_ports = len(sports)
        d.selector = cstr(selector, keep)
        d.type = _enum(ServiceType, type, "type")
        d.headless = 1 if headless else 0
        d.picker = _enum(Picker, picker, "picker")
        d.maglev_size = maglev_size
        if affinity is None or str(affinity).lower() == "none":
            d.affinity = lib.LCONT_SERVICE_AFFINITY_NONE
        elif str(affinity).lower() in ("clientip", "client_ip", "client-ip"):
            d.affinity = lib.LCONT_SERVICE_AFFINITY_CLIENT_IP
        else:
            raise ValueError("affinity: None or 'ClientIP', not %r" % (affinity,))
        d.affinity_timeout = affinity_timeout
        d.affinity_capacity = affinity_capacity
        d.internal_traffic_policy = _enum(TrafficPolicy, internal_traffic_policy,
                                          "internal_traffic_policy")
        d.external_traffic_policy = _enum(TrafficPolicy, external_traffic_policy,
                                          "external_traffic_policy")
        d.traffic_distribution = (lib.LCONT_SERVICE_DISTRIBUTION_PREFER_CLOSE if prefer_close
                                  else lib.LCONT_SERVICE_DISTRIBUTION_DEFAULT)
        d.publish_not_ready = 1 if publish_not_ready else 0
        ret = ffi.new("uint64_t *")
        err = new_errp()
        with self._wlock:
            rc = lib.lcont_service_add(self.ptr, d,
                                       0 if replace else lib.LCONT_SERVICE_ADD_NO_REPLACE, ret, err)
        check(rc, err)
        return Service(self, ret[0], ns or "default", name)

    def add_json(self, obj: Union[str, bytes, Dict[str, Any]], *,
                 replace: bool = True) -> "Service":
        """Add a service from one object of the table's JSON format (its "endpoints",
        if present, replace the service's endpoints)."""
        text = json.dumps(obj) if isinstance(obj, dict) else obj
        doc = obj if isinstance(obj, dict) else json.loads(text)
        keep = []
        ret = ffi.new("uint64_t *")
        err = new_errp()
        with self._wlock:
            rc = lib.lcont_service_add_json(self.ptr, cstr(text, keep),
                                            0 if replace else lib.LCONT_SERVICE_ADD_NO_REPLACE,
                                            ret, err)
        check(rc, err)
        return Service(self, ret[0], doc.get("namespace") or "default", doc.get("name"))

    def service(self, ns: Optional[str], name: str) -> "Service":
        """The service @ns/@name; FileNotFoundError if there is none."""
        keep = []
        ret = ffi.new("uint64_t *")
        check(lib.lcont_service_lookup(self.ptr, cstr(ns, keep), cstr(name, keep), ret),
              what="service %s/%s" % (ns or "default", name))
        return Service(self, ret[0], ns or "default", name)

    def get(self, ns: Optional[str], name: str) -> Optional["Service"]:
        """Like service(), but None when there is none."""
        try:
            return self.service(ns, name)
        except FileNotFoundError:
            return None

    def service_by_vip(self, address: Tuple[str, int],
                       protocol: Union[Protocol, str, int] = Protocol.TCP) -> "Service":
        """The service owning virtual address @address ((host, port)); FileNotFoundError
        if none."""
        keep = []
        ret = ffi.new("uint64_t *")
        check(lib.lcont_service_lookup_vip(self.ptr, _sockaddr(address, keep),
                                           _enum(Protocol, protocol, "protocol"), ret),
              what="VIP %s:%d" % (address[0], address[1]))
        return Service(self, ret[0], None, None)

    def flow_hash(self, src: Tuple[str, int], dst: Tuple[str, int],
                  protocol: Union[Protocol, str, int] = Protocol.TCP) -> int:
        """The table's keyed hash of a connection (for Maglev and ring-hash picks)."""
        keep = []
        return lib.lcont_service_flow_hash(self.ptr, _sockaddr(src, keep), _sockaddr(dst, keep),
                                           _enum(Protocol, protocol, "protocol"))

    def pick(self, service: Union["Service", Tuple[Optional[str], str]], port=None,
             **kwargs) -> EndpointPick:
        """Pick an endpoint of @service (a Service or an (ns, name) tuple); see
        Service.pick()."""
        if not isinstance(service, Service):
            service = self.service(*service)
        return service.pick(port, **kwargs)

    def save_json(self) -> Dict[str, Any]:
        """The whole table (host, services, endpoints) in its JSON format."""
        ret = ffi.new("char **")
        err = new_errp()
        with self._wlock:
            rc = lib.lcont_service_table_save_json(self.ptr, 0, ret, err)
        check(rc, err)
        return json.loads(take_string(ret[0]))

    def load_json(self, doc: Union[str, bytes, Dict[str, Any]], *,
                  replace: bool = False) -> None:
        """Add or replace every service of a save_json() document (replace=True also
        drops services absent from it)."""
        if isinstance(doc, dict):
            doc = json.dumps(doc)
        keep = []
        err = new_errp()
        with self._wlock:
            rc = lib.lcont_service_table_load_json(self.ptr, cstr(doc, keep),
                                                   lib.LCONT_SERVICE_LOAD_REPLACE if replace else 0,
                                                   err)
        check(rc, err)

    def apply_k8s(self, text: Union[str, bytes]) -> int:
        """Apply Kubernetes Service and EndpointSlice objects (JSON or YAML, several
        documents, or a List); returns how many were applied."""
        if isinstance(text, str):
            text = text.encode()
        err = new_errp()
        with self._wlock:
            rc = lib.lcont_service_table_apply_k8s(self.ptr, text, len(text), 0, err)
        return check(rc, err)

    def close(self) -> None:
        if self._ptr is not None:
            ffi.release(self._ptr)
            self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self._ptr is None:
            return "<lcont.ServiceTable closed>"
        return "<lcont.ServiceTable services=%d generation=%d>" % (len(self), self.generation)


class Service:
    """A service of a ServiceTable, named by its id (stale ids raise FileNotFoundError)."""

    def __init__(self, table: ServiceTable, id: int, ns: Optional[str], name: Optional[str]):
        self.table = table
        self.id = id
        self.namespace = ns
        self.name = name

    @property
    def generation(self) -> int:
        """The table generation of this service's last change."""
        ret = ffi.new("uint64_t *")
        check(lib.lcont_service_get_generation(self.table.ptr, self.id, ret), what=repr(self))
        return ret[0]

    def set_endpoints(self, endpoints: Iterable[Endpoint]) -> None:
        """Replace the whole endpoint list (an EndpointSlice update); endpoints keep
        their ids when their address stays."""
        eps = list(endpoints)
        keep = []
        arr = ffi.new("lcont_endpoint_desc[]", max(len(eps), 1))
        for i, ep in enumerate(eps):
            check(lib.lcont_endpoint_desc_init(ffi.addressof(arr, i),
                                               ffi.sizeof("lcont_endpoint_desc")))
            ep._fill(arr[i], keep)
        err = new_errp()
        with self.table._wlock:
            rc = lib.lcont_service_set_endpoints(self.table.ptr, self.id, arr, len(eps), 0, err)
        check(rc, err)

    def upsert_endpoint(self, endpoint: Endpoint) -> int:
        """Add or update one endpoint (matched by address); returns its id."""
        keep = []
        d = ffi.new("lcont_endpoint_desc *")
        check(lib.lcont_endpoint_desc_init(d, ffi.sizeof("lcont_endpoint_desc")))
        endpoint._fill(d, keep)
        ret = ffi.new("uint64_t *")
        err = new_errp()
        with self.table._wlock:
            rc = lib.lcont_service_upsert_endpoint(self.table.ptr, self.id, d, 0, ret, err)
        check(rc, err)
        return ret[0]

    def remove_endpoint(self, address: str) -> None:
        keep = []
        err = new_errp()
        with self.table._wlock:
            rc = lib.lcont_service_remove_endpoint(self.table.ptr, self.id, cstr(address, keep), 0,
                                                   err)
        check(rc, err)

    def remove(self) -> None:
        """Remove the service and its endpoints."""
        err = new_errp()
        with self.table._wlock:
            rc = lib.lcont_service_remove(self.table.ptr, self.id, 0, err)
        check(rc, err)

    def pick(self, port: Union[None, int, str] = None, *,
             client: Optional[Tuple[str, int]] = None, flow_hash: int = 0,
             external: bool = False) -> EndpointPick:
        """Pick an endpoint for one connection to service port @port (a number, a name,
        or None for the only port). @client (host, port) keys client-IP affinity,
        @flow_hash Maglev/ring hash (ServiceTable.flow_hash()); external=True for node
        port / load balancer traffic. Raises ConnectionRefusedError when no endpoint is
        usable (reject), OSError(EHOSTUNREACH) under a Local policy with no local
        endpoint (drop), FileNotFoundError for an unknown service or port."""
        keep = []
        if isinstance(port, str):
            port_name, port_num = cstr(port, keep), 0
        else:
            port_name, port_num = ffi.NULL, port or 0
        out = ffi.new("lcont_endpoint_pick *")
        out.struct_size = ffi.sizeof("lcont_endpoint_pick")
        rc = lib.lcont_service_pick(self.table.ptr, self.id, port_name, port_num,
                                    _sockaddr(client, keep), flow_hash,
                                    lib.LCONT_SERVICE_PICK_EXTERNAL if external else 0, out)
        check(rc, what="pick %s" % self._label())
        raw = bytes(ffi.buffer(out.sockaddr)[:out.sockaddr_len])
        family, host, _ = _parse_sockaddr(raw)
        return EndpointPick(out.endpoint_id, out.generation, family, host, out.port, raw)

    def conn_open(self, pick: Union[EndpointPick, int]) -> None:
        """Count a connection opened to a picked endpoint (least-conn picker)."""
        eid = pick.endpoint_id if isinstance(pick, EndpointPick) else pick
        check(lib.lcont_service_conn_open(self.table.ptr, eid), what="endpoint %d" % eid)

    def conn_close(self, pick: Union[EndpointPick, int]) -> None:
        eid = pick.endpoint_id if isinstance(pick, EndpointPick) else pick
        check(lib.lcont_service_conn_close(self.table.ptr, eid), what="endpoint %d" % eid)

    def _label(self):
        if self.name is None:
            return "service #%d" % self.id
        return "service %s/%s" % (self.namespace, self.name)

    def __eq__(self, other):
        return isinstance(other, Service) and other.table is self.table and other.id == self.id

    def __hash__(self):
        return hash((id(self.table), self.id))

    def __repr__(self):
        return "<lcont.Service %s id=%d>" % (self._label(), self.id)

