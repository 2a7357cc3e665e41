# SPDX-License-Identifier: LGPL-2.1-or-later
"""lcont.Context: where state lives and where diagnostics go."""
import enum
from typing import Callable, List, Optional

from ._errors import check, check_new, defer_callback_exception, new_errp
from ._lcont import ffi, lib
from ._util import cstr, pystr, take_strv

__all__ = ["Context", "LogLevel", "version", "has_feature"]


class LogLevel(enum.IntEnum):
    """Log levels, numerically equal to syslog's."""
    ERROR = lib.LCONT_LOG_ERROR
    WARNING = lib.LCONT_LOG_WARNING
    INFO = lib.LCONT_LOG_INFO
    DEBUG = lib.LCONT_LOG_DEBUG


# Python objects the C library holds through a userdata handle, keyed by the handle's
# address. An entry lives exactly as long as C holds it: the library calls the destroy
# callback when it lets go (registration replaced or context freed).
_held = {}


def hold(obj):
    """A userdata handle for @obj, kept alive until _lcont_py_destroy() releases it."""
    handle = ffi.new_handle(obj)
    _held[int(ffi.cast("uintptr_t", handle))] = handle
    return handle


def held_count() -> int:
    """How many Python objects C currently holds (for tests)."""
    return len(_held)


@ffi.def_extern()
def _lcont_py_destroy(userdata):
    _held.pop(int(ffi.cast("uintptr_t", userdata)), None)


@ffi.def_extern()
def _lcont_py_log(level, msg, userdata):
    fn = ffi.from_handle(userdata)
    try:
        fn(LogLevel(level) if level in LogLevel._value2member_map_ else level,
           ffi.string(msg).decode("utf-8", "replace"))
    except BaseException as exc:  # re-raised after the C call returns
        defer_callback_exception(exc)


def version() -> str:
    """Version of the loaded liblcont, e.g. "0.2.0"."""
    return pystr(lib.lcont_version())


def has_feature(name: str) -> bool:
    """Whether the loaded library supports a named feature ("seccomp", "cgroup-v2", ...)."""
    keep = []
    return bool(lib.lcont_has_feature(cstr(name, keep)))


class Context:
    """A library context (``lcont_context``).

    ``state_root`` holds runtime state (default /run/lcont), ``store_root`` images
    (default /var/lib/lcont). ``log`` is called as ``log(level, message)`` for every
    diagnostic up to ``log_level``. Use it as a context manager or call close().
    """

    def __init__(self, state_root=None, store_root=None, *,
                 log: Optional[Callable[[int, str], None]] = None,
                 log_level: int = LogLevel.INFO):
        keep = []
        opts = ffi.new("lcont_context_opts *")
        check(lib.lcont_context_opts_init(opts, ffi.sizeof("lcont_context_opts")))
        opts.state_root = cstr(state_root, keep)
        opts.store_root = cstr(store_root, keep)
        ret = ffi.new("lcont_context **")
        err = new_errp()
        check(lib.lcont_context_new(opts, 0, ret, err), err)
        self._ptr = ffi.gc(ret[0], lib.lcont_context_unref)
        if log is not None:
            self.set_log(log, log_level)

    @property
    def ptr(self):
        if self._ptr is None:
            raise ValueError("context is closed")
        return self._ptr

    def set_log(self, fn: Optional[Callable[[int, str], None]], level: int = LogLevel.INFO):
        """Route diagnostics up to @level to fn(level, message); None turns logging off."""
        if fn is None:
            check(lib.lcont_context_set_log_fn(self.ptr, 0, ffi.NULL, ffi.NULL, ffi.NULL))
            return
        handle = hold(fn)
        rc = lib.lcont_context_set_log_fn(self.ptr, int(level), lib._lcont_py_log, handle,
                                          lib._lcont_py_destroy)
        if rc < 0:
            _lcont_py_destroy(handle)
        check(rc)

    @property
    def state_root(self) -> str:
        return pystr(lib.lcont_context_get_state_root(self.ptr))

    @property
    def store_root(self) -> str:
        return pystr(lib.lcont_context_get_store_root(self.ptr))

    def create(self, id: str, bundle, **kwargs):
        """Create a container from an OCI bundle; see Container.create()."""
        from .container import Container
        return Container.create(self, id, bundle, **kwargs)

    def load(self, id: str):
        """The existing container @id."""
        from .container import Container
        return Container.load(self, id)

    def container_ids(self) -> List[str]:
        """Ids of all containers under the state root, sorted."""
        ret = ffi.new("char ***")
        err = new_errp()
        rc = lib.lcont_container_list(self.ptr, 0, ret, err)
        return check_new(rc, err, ret, take_strv)

    def containers(self):
        """Iterate over the containers under the state root (skipping ones deleted
        meanwhile)."""
        for cid in self.container_ids():
            try:
                yield self.load(cid)
            except FileNotFoundError:
                continue

    def close(self):
        """Drop this reference now (objects created from it keep their own)."""
        if self._ptr is not None:
            ffi.release(self._ptr)
            self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self._ptr is None:
            return "<lcont.Context closed>"
        return "<lcont.Context state_root=%r store_root=%r>" % (self.state_root,
                                                                  self.store_root)
