# SPDX-License-Identifier: LGPL-2.1-or-later
"""OCI runtime config helpers: generate, validate, features."""
import json
from typing import Any, Dict, Union

from ._errors import check, new_errp
from ._lcont import ffi, lib
from ._util import cstr, cstrv, env_list, take_string

__all__ = ["generate_spec", "validate_spec", "features", "spec_from_image"]


def generate_spec(*, rootless: bool = False) -> Dict[str, Any]:
    """lcont's default config.json (like `runc spec`), as a dict."""
    ret = ffi.new("char **")
    err = new_errp()
    check(lib.lcont_spec_generate(lib.LCONT_SPEC_ROOTLESS if rootless else 0, ret, err), err)
    return json.loads(take_string(ret[0]))


def validate_spec(config: Union[str, bytes, Dict[str, Any]]) -> None:
    """Parse and validate a config; raises OSError(EINVAL) naming the bad JSON path."""
    if isinstance(config, dict):
        config = json.dumps(config)
    if isinstance(config, str):
        config = config.encode()
    err = new_errp()
    check(lib.lcont_spec_validate(config, len(config), 0, err), err)


def features() -> Dict[str, Any]:
    """The OCI runtime features document."""
    ret = ffi.new("char **")
    err = new_errp()
    check(lib.lcont_spec_get_features_json(0, ret, err), err)
    return json.loads(take_string(ret[0]))


def spec_from_image(image_config: Union[str, bytes, Dict[str, Any]], rootfs=None, *,
                    args=None, entrypoint=None, env=None, cwd=None, user=None,
                    groups=None, hostname=None, root_path=None, image_name=None,
                    image_digest=None, terminal: bool = False, readonly: bool = False,
                    rootless: bool = False) -> Dict[str, Any]:
    """The OCI runtime config of a container of an image, as a dict: lcont's defaults
    with the process from @image_config (an image config blob as JSON or a dict).
    @rootfs is the image's mounted or unpacked root filesystem, where users and groups
    are resolved (None: only numeric ones work). args replaces Cmd; entrypoint replaces
    Entrypoint (and drops Cmd; [] clears it); env (dict or "K=V" list) wins over the
    image's; user is "user[:group]"."""
    if isinstance(image_config, dict):
        image_config = json.dumps(image_config)
    if isinstance(image_config, str):
        image_config = image_config.encode()
    keep = []
    opts = ffi.new("lcont_image_spec_opts *")
    check(lib.lcont_image_spec_opts_init(opts, ffi.sizeof("lcont_image_spec_opts")))
    opts.args = cstrv(args, keep)
    opts.entrypoint = cstrv(entrypoint, keep)
    opts.env = cstrv(env_list(env), keep)
    opts.cwd = cstr(cwd, keep)
    opts.user = cstr(None if user is None else str(user), keep)
    opts.groups = cstrv(None if groups is None else [str(g) for g in groups], keep)
    opts.hostname = cstr(hostname, keep)
    opts.root_path = cstr(root_path, keep)
    opts.image_name = cstr(image_name, keep)
    opts.image_digest = cstr(image_digest, keep)
    opts.terminal = 1 if terminal else 0
    opts.readonly = 1 if readonly else 0
    ret = ffi.new("char **")
    err = new_errp()
    check(lib.lcont_spec_from_image_config(image_config, cstr(rootfs, keep), opts,
                                           lib.LCONT_SPEC_ROOTLESS if rootless else 0, ret,
                                           err), err)
    return json.loads(take_string(ret[0]))
