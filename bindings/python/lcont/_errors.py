# SPDX-License-Identifier: LGPL-2.1-or-later
"""Mapping of lcont's (-errno, lcont_error) results to Python exceptions."""
import os
import threading

from ._lcont import ffi, lib

__all__ = ["Error", "check", "check_new", "new_errp", "defer_callback_exception"]


class Error(Exception):
    """Base class for lcont conditions that carry no errno."""


_pending = threading.local()


def defer_callback_exception(exc):
    """Remember an exception raised inside a C callback; the C call that made the callback
    re-raises it once it returns (the first one wins, later ones are chained)."""
    if getattr(_pending, "exc", None) is None:
        _pending.exc = exc


def _take_pending():
    exc = getattr(_pending, "exc", None)
    _pending.exc = None
    return exc


def new_errp():
    """A fresh `lcont_error **` for one call."""
    return ffi.new("lcont_error **")


def check(rc, errp=None, what=None):
    """Raise for a negative result: OSError(errno, message), which Python turns into the
    matching subclass (FileNotFoundError, PermissionError, ...). The message is lcont's
    when it gave one. A pending callback exception is raised first (with the C error as
    its context). Returns rc otherwise."""
    msg = None
    if errp is not None and errp[0] != ffi.NULL:
        msg = ffi.string(lib.lcont_error_message(errp[0])).decode("utf-8", "replace")
        lib.lcont_error_free(errp[0])
        errp[0] = ffi.NULL
    pending = _take_pending()
    if rc >= 0 and pending is None:
        return rc
    oserr = None
    if rc < 0:
        code = -rc
        text = msg or os.strerror(code)
        if what:
            text = "%s: %s" % (what, text)
        oserr = OSError(code, text)
    if pending is not None:
        raise pending from oserr
    raise oserr


def check_new(rc, errp, ret, wrap):
    """check() for a call that returns a new object through the out-pointer @ret: on
    success wrap(ret[0]) takes ownership before anything is raised, so the object is
    not leaked when a callback exception is re-raised after a successful call."""
    obj = wrap(ret[0]) if rc >= 0 else None
    try:
        check(rc, errp)
    except BaseException:
        obj = None  # not kept alive by the traceback's frame
        raise
    return obj
