# SPDX-License-Identifier: LGPL-2.1-or-later
"""Unprivileged: versions, contexts, errors, spec helpers, callbacks bookkeeping."""
import errno
import subprocess
import sys

import pytest

import lcont
from lcont import context as lcont_context


def test_version_matches_package():
    assert lcont.version() == lcont.__version__


def test_module_version_command():
    out = subprocess.run([sys.executable, "-m", "lcont", "--version"], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "liblcont %s, python bindings %s" % (lcont.version(),
                                                                 lcont.__version__)


def test_has_feature():
    assert lcont.has_feature("seccomp") is True
    assert lcont.has_feature("no-such-feature") is False


def test_context_roots_accept_paths(tmp_path):
    with lcont.Context(state_root=tmp_path / "state",
                       store_root=str(tmp_path / "store") + "//") as c:
        assert c.state_root == str(tmp_path / "state")
        assert c.store_root == str(tmp_path / "store")
    assert "closed" in repr(c)
    with pytest.raises(ValueError):
        c.state_root


def test_context_defaults():
    c = lcont.Context()
    assert c.state_root == "/run/lcont"
    assert c.store_root == "/var/lib/lcont"


def test_relative_root_is_einval_with_message():
    with pytest.raises(OSError) as e:
        lcont.Context(state_root="relative/dir")
    assert e.value.errno == errno.EINVAL
    assert "state root 'relative/dir' is not absolute" in str(e.value)


def test_embedded_nul_rejected():
    with pytest.raises(ValueError):
        lcont.Context(state_root="/tmp/a\0b")


def test_load_missing_container_is_file_not_found(tmp_path):
    with lcont.Context(state_root=str(tmp_path)) as c:
        with pytest.raises(FileNotFoundError) as e:
            c.load("nope")
        assert e.value.errno == errno.ENOENT
        assert "nope" in str(e.value)
        assert c.container_ids() == []


def test_generate_and_validate_spec():
    spec = lcont.generate_spec()
    assert spec["process"]["args"] == ["sh"]
    lcont.validate_spec(spec)
    rootless = lcont.generate_spec(rootless=True)
    assert any(ns["type"] == "user" for ns in rootless["linux"]["namespaces"])


def test_bad_spec_names_the_json_path():
    spec = lcont.generate_spec()
    spec["process"]["args"] = []
    with pytest.raises(OSError) as e:
        lcont.validate_spec(spec)
    assert e.value.errno == errno.EINVAL
    assert "process.args: must be a non-empty array of strings" in str(e.value)
    with pytest.raises(OSError):
        lcont.validate_spec(b"{not json")


def test_features_document():
    f = lcont.features()
    assert "linux" in f and "namespaces" in f["linux"]


def test_log_handle_released_when_context_dies(tmp_path):
    base = lcont_context.held_count()
    c = lcont.Context(state_root=str(tmp_path), log=lambda lvl, msg: None)
    assert lcont_context.held_count() == base + 1
    c.set_log(lambda lvl, msg: None)  # the first registration is released by C
    assert lcont_context.held_count() == base + 1
    c.close()
    assert lcont_context.held_count() == base
