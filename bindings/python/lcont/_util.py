# SPDX-License-Identifier: LGPL-2.1-or-later
"""Small conversions shared by the wrappers."""
import os

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
