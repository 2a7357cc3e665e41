# SPDX-License-Identifier: LGPL-2.1-or-later
"""Small conversions shared by the wrappers."""
import os
import threading

from ._lcont import ffi, lib


def cstr(value, keep):
    """A `const char *` for str/bytes/os.PathLike (None -> NULL); @keep holds the buffer
    alive for the duration of the C call."""
    if value is None:
        return ffi.NULL
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        value = os.fsencode(value)
    if not isinstance(value, bytes):
        raise TypeError("expected str, bytes or os.PathLike, not %s" % type(value).__name__)
    if b"\0" in value:
        raise ValueError("embedded NUL character")
    buf = ffi.new("char[]", value)
    keep.append(buf)
    return buf


def pystr(ptr):
    """str from a borrowed `const char *` (None for NULL)."""
    if ptr == ffi.NULL:
        return None
    return os.fsdecode(ffi.string(ptr))


def take_string(ptr):
    """str from a library-allocated `char *`, freed here with lcont_free()."""
    try:
        return pystr(ptr)
    finally:
        lib.lcont_free(ptr)


def take_strv(ptr):
    """[str] from a library-allocated NULL-terminated vector, freed with lcont_strv_free()."""
    out = []
    if ptr == ffi.NULL:
        return out
    try:
        i = 0
        while ptr[i] != ffi.NULL:
            out.append(pystr(ptr[i]))
            i += 1
    finally:
        lib.lcont_strv_free(ptr)
    return out


def fileno(obj):
    """An fd from an int or anything with fileno() (None -> -1)."""
    if obj is None:
        return -1
    if isinstance(obj, int):
        return obj
    return obj.fileno()


def cstrv(values, keep):
    """A NULL-terminated `const char *[]` from an iterable of str/bytes/os.PathLike
    (None -> NULL); @keep holds every buffer alive for the duration of the C call."""
    if values is None:
        return ffi.NULL
    if isinstance(values, (str, bytes)):
        raise TypeError("expected a sequence of strings, not a single string")
    items = [cstr(v, keep) for v in values]
    arr = ffi.new("char *[]", items + [ffi.NULL])
    keep.append(arr)
    return arr


def borrowed_strv(ptr):
    """[str] from a borrowed NULL-terminated `const char *const *` (NULL -> [])."""
    out = []
    if ptr == ffi.NULL:
        return out
    i = 0
    while ptr[i] != ffi.NULL:
        out.append(pystr(ptr[i]))
        i += 1
    return out


def env_list(env):
    """"KEY=value" strings from a mapping or an iterable of such strings (None -> None)."""
    if env is None:
        return None
    if hasattr(env, "items"):
        return ["%s=%s" % (k, v) for k, v in env.items()]
    return list(env)


class HandleLock:
    """Serialises the calls that the C library allows on one thread at a time per handle
    (cffi releases the GIL during C calls, so Python threads really run them in
    parallel). A re-entrant call from the same thread (from inside a callback of the
    call holding the lock) raises RuntimeError instead of deadlocking."""

    def __init__(self, what):
        self._lock = threading.Lock()
        self._owner = None
        self._what = what

    def __enter__(self):
        me = threading.get_ident()
        if self._owner == me:
            raise RuntimeError("%s: called again from inside one of its own callbacks"
                               % self._what)
        self._lock.acquire()
        self._owner = me
        return self

    def __exit__(self, *exc):
        self._owner = None
        self._lock.release()
