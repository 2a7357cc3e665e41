# SPDX-License-Identifier: LGPL-2.1-or-later
"""OCI runtime config helpers: generate, validate, features."""
import json
from typing import Any, Dict, Union

from ._errors import check, new_errp
from ._lcont import ffi, lib
from ._util import take_string

__all__ = ["generate_spec", "validate_spec", "features"]


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
