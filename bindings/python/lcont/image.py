# SPDX-License-Identifier: LGPL-2.1-or-later
"""lcont.ImageStore and lcont.Image: load, name, list, remove, mount and unpack images."""
import enum
import json
import os
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple, Union

from ._errors import check, check_new, defer_callback_exception, new_errp
from ._lcont import ffi, lib
from ._util import HandleLock, borrowed_strv, cstr, pystr, take_strv
from .context import _lcont_py_destroy, hold
from .spec import spec_from_image

__all__ = ["ImageStore", "Image", "ImageMount", "ImageBundle", "ImageProgress", "ImagePhase"]


class ImagePhase(enum.IntEnum):
    COPY = lib.LCONT_IMAGE_PHASE_COPY
    UNPACK = lib.LCONT_IMAGE_PHASE_UNPACK
    DONE = lib.LCONT_IMAGE_PHASE_DONE

    def __str__(self):
        return self.name.lower()


class ImageProgress(NamedTuple):
    """One progress report, a copy of C's borrowed lcont_image_progress."""
    phase: Union[ImagePhase, int]
    index: int
    count: int
    digest: str
    bytes_done: int
    bytes_total: int
    entries: int


@ffi.def_extern()
def _lcont_py_image_progress(progress, userdata):
    fn = ffi.from_handle(userdata)
    try:
        phase = progress.phase
        if phase in ImagePhase._value2member_map_:
            phase = ImagePhase(phase)
        fn(ImageProgress(phase, progress.index, progress.count,
                         pystr(progress.digest) or "", progress.bytes_done,
                         progress.bytes_total, progress.entries))
    except BaseException as exc:  # re-raised after the C call returns
        defer_callback_exception(exc)


def _platform(platform) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """(os, architecture, variant) from "os/arch[/variant]", a tuple, or None."""
    if platform is None:
        return None, None, None
    parts = platform.split("/") if isinstance(platform, str) else list(platform)
    if not 2 <= len(parts) <= 3 or not all(parts):
        raise ValueError("platform must be 'os/architecture[/variant]', not %r" % (platform,))
    return parts[0], parts[1], parts[2] if len(parts) == 3 else None


class ImageStore:
    """An image store (``lcont_image_store``) under @root (default: the context's store
    root). Keyword limits (max_layer_bytes, max_layer_ratio, max_layer_entries,
    max_blob_bytes, max_index_depth, parallel_layers) fill lcont_image_store_opts; 0 keeps
    the library's default. ``progress`` is called as ``progress(ImageProgress)`` during
    load, mount and unpack; an exception it raises is re-raised when that call returns.
    """

    _LIMITS = ("max_layer_bytes", "max_layer_ratio", "max_layer_entries", "max_blob_bytes",
               "max_index_depth", "parallel_layers")

    def __init__(self, ctx, root=None, *,
                 progress: Optional[Callable[[ImageProgress], None]] = None, **limits):
        unknown = set(limits) - set(self._LIMITS)
        if unknown:
            raise TypeError("unknown image store option(s): %s" % ", ".join(sorted(unknown)))
        keep = []
        opts = ffi.new("lcont_image_store_opts *")
        check(lib.lcont_image_store_opts_init(opts, ffi.sizeof("lcont_image_store_opts")))
        opts.root = cstr(root, keep)
        for k, v in limits.items():
            setattr(opts, k, int(v))
        ret = ffi.new("lcont_image_store **")
        err = new_errp()
        check(lib.lcont_image_store_open(ctx.ptr, opts, 0, ret, err), err)
        self._ctx = ctx
        self._ptr = ffi.gc(ret[0], lib.lcont_image_store_unref)
        self._lock = HandleLock("image store")
        if progress is not None:
            self.set_progress(progress)

    @property
    def ptr(self):
        if self._ptr is None:
            raise ValueError("image store is closed")
        return self._ptr

    @property
    def root(self) -> str:
        return pystr(lib.lcont_image_store_get_root(self.ptr))

    def set_progress(self, fn: Optional[Callable[[ImageProgress], None]]) -> None:
        """Report progress of later calls to fn(ImageProgress); None turns it off."""
        if fn is None:
            with self._lock:
                check(lib.lcont_image_store_set_progress_fn(self.ptr, ffi.NULL, ffi.NULL,
                                                            ffi.NULL))
            return
        handle = hold(fn)
        with self._lock:
            rc = lib.lcont_image_store_set_progress_fn(self.ptr, lib._lcont_py_image_progress,
                                                       handle, lib._lcont_py_destroy)
        if rc < 0:
            _lcont_py_destroy(handle)
        check(rc)

    def load(self, source, name: Optional[str] = None, *, platform=None,
             cache_layers: bool = False) -> "Image":
        """Load an image from "oci:DIR[:TAG]", "oci-archive:FILE[:TAG]" or
        "docker-archive:FILE[:NAME]". @name names it ("repo:tag"); @platform
        ("linux/arm64/v8" or a tuple) selects from an index; cache_layers unpacks the
        layers into the layer cache now."""
        keep = []
        opts = ffi.new("lcont_image_load_opts *")
        check(lib.lcont_image_load_opts_init(opts, ffi.sizeof("lcont_image_load_opts")))
        opts.name = cstr(name, keep)
        os_, arch, variant = _platform(platform)
        opts.os = cstr(os_, keep)
        opts.architecture = cstr(arch, keep)
        opts.variant = cstr(variant, keep)
        flags = lib.LCONT_IMAGE_LOAD_CACHE_LAYERS if cache_layers else 0
        ret = ffi.new("lcont_image **")
        err = new_errp()
        with self._lock:
            rc = lib.lcont_image_load(self.ptr, cstr(source, keep), opts, flags, ret, err)
        return check_new(rc, err, ret, lambda p: Image(self, p))

    def lookup(self, name_or_digest: str) -> "Image":
        """The image named "repo[:tag]" (or a unique "/"-suffix of a name), or with this
        digest or image ID (or a unique hex prefix of 12+ digits). FileNotFoundError if
        there is none."""
        keep = []
        ret = ffi.new("lcont_image **")
        err = new_errp()
        with self._lock:
            rc = lib.lcont_image_lookup(self.ptr, cstr(name_or_digest, keep), 0, ret, err)
        return check_new(rc, err, ret, lambda p: Image(self, p))

    def get(self, name_or_digest: str) -> Optional["Image"]:
        """Like lookup(), but None when there is no such image."""
        try:
            return self.lookup(name_or_digest)
        except FileNotFoundError:
            return None

    def __contains__(self, name_or_digest) -> bool:
        return self.get(name_or_digest) is not None

    def digests(self) -> List[str]:
        """Manifest digests of all stored images, sorted."""
        ret = ffi.new("char ***")
        err = new_errp()
        with self._lock:
            rc = lib.lcont_image_list(self.ptr, 0, ret, err)
        return check_new(rc, err, ret, take_strv)

    def images(self) -> Iterator["Image"]:
        """Iterate over the stored images (skipping ones removed meanwhile)."""
        for digest in self.digests():
            img = self.get(digest)
            if img is not None:
                yield img

    __iter__ = images

    def __len__(self) -> int:
        return len(self.digests())

    def remove(self, name_or_digest: str, *, force: bool = False) -> None:
        """Remove a name (the image goes with its last name) or, by digest, the image
        with all its names. OSError(EBUSY) while mounted unless force."""
        keep = []
        err = new_errp()
        with self._lock:
            rc = lib.lcont_image_remove(self.ptr, cstr(name_or_digest, keep),
                                        lib.LCONT_IMAGE_REMOVE_FORCE if force else 0, err)
        check(rc, err)

    def prune(self, *, all: bool = False) -> int:
        """Remove unnamed (with all=True: every unmounted) image and unreferenced blobs
        and layers; returns the bytes freed (approximate)."""
        freed = ffi.new("uint64_t *")
        err = new_errp()
        with self._lock:
            rc = lib.lcont_image_prune(self.ptr, lib.LCONT_IMAGE_PRUNE_ALL if all else 0, freed,
                                       err)
        check(rc, err)
        return freed[0]

    def mount(self, image: Union["Image", str], target, *, readonly: bool = False,
              copy: bool = False, volatile: bool = False, upper_root=None) -> "ImageMount":
        """Mount @image (an Image or a name/digest) on the empty directory @target; the
        result is a context manager that unmounts."""
        if not isinstance(image, Image):
            image = self.lookup(image)
        keep = []
        opts = ffi.new("lcont_image_mount_opts *")
        check(lib.lcont_image_mount_opts_init(opts, ffi.sizeof("lcont_image_mount_opts")))
        opts.upper_root = cstr(upper_root, keep)
        flags = ((lib.LCONT_IMAGE_MOUNT_READONLY if readonly else 0) |
                 (lib.LCONT_IMAGE_MOUNT_COPY if copy else 0) |
                 (lib.LCONT_IMAGE_MOUNT_VOLATILE if volatile else 0))
        err = new_errp()
        with self._lock:
            rc = lib.lcont_image_mount(self.ptr, image._ptr, cstr(target, keep), opts, flags, err)
        check(rc, err)
        return ImageMount(self, image, target)

    def umount(self, target, *, detach: bool = False) -> None:
        """Undo mount() on @target (FileNotFoundError if it is not a mount of this store)."""
        keep = []
        err = new_errp()
        with self._lock:
            rc = lib.lcont_image_umount(self.ptr, cstr(target, keep),
                                        lib.LCONT_IMAGE_UMOUNT_DETACH if detach else 0, err)
        check(rc, err)

    def unpack(self, image: Union["Image", str], dir) -> None:
        """Write @image's flattened root filesystem into @dir (created, or empty)."""
        if not isinstance(image, Image):
            image = self.lookup(image)
        keep = []
        err = new_errp()
        with self._lock:
            rc = lib.lcont_image_unpack(self.ptr, image._ptr, cstr(dir, keep), ffi.NULL, 0, err)
        check(rc, err)

    def close(self) -> None:
        """Drop this reference now (images opened from it keep the store alive in C)."""
        if self._ptr is not None:
            ffi.release(self._ptr)
            self._ptr = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        if self._ptr is None:
            return "<lcont.ImageStore closed>"
        return "<lcont.ImageStore root=%r>" % self.root


class Image:
    """A stored image (``lcont_image``); get one from ImageStore.load() or lookup()."""

    def __init__(self, store: ImageStore, ptr):
        self._store = store
        self._ptr = ffi.gc(ptr, lib.lcont_image_unref)

    @property
    def store(self) -> ImageStore:
        return self._store

    @property
    def name(self) -> Optional[str]:
        """The name it was loaded or looked up by, else its first name, else None."""
        return pystr(lib.lcont_image_get_name(self._ptr))

    @property
    def names(self) -> List[str]:
        return borrowed_strv(lib.lcont_image_get_names(self._ptr))

    @property
    def digest(self) -> str:
        """The manifest digest, "sha256:<hex>"."""
        return pystr(lib.lcont_image_get_digest(self._ptr))

    @property
    def id(self) -> str:
        """The image ID: the config blob's digest."""
        return pystr(lib.lcont_image_get_id(self._ptr))

    @property
    def config(self) -> Dict[str, Any]:
        """The image config (OCI image config or Docker container config)."""
        return json.loads(ffi.string(lib.lcont_image_get_config_json(self._ptr)))

    @property
    def manifest(self) -> Dict[str, Any]:
        return json.loads(ffi.string(lib.lcont_image_get_manifest_json(self._ptr)))

    @property
    def created(self) -> Optional[str]:
        """The config's "created" time as written (RFC 3339), or None."""
        return pystr(lib.lcont_image_get_created(self._ptr))

    @property
    def size(self) -> int:
        """Bytes of the config and layer blobs (compressed)."""
        return lib.lcont_image_get_size(self._ptr)

    @property
    def layer_count(self) -> int:
        return lib.lcont_image_get_layer_count(self._ptr)

    def mount(self, target, **kwargs) -> "ImageMount":
        """Mount the root filesystem on @target; see ImageStore.mount(). Use it as
        ``with image.mount(dir) as rootfs:`` to unmount on exit."""
        return self._store.mount(self, target, **kwargs)

    def unpack(self, dir) -> None:
        """Write the flattened root filesystem into @dir."""
        self._store.unpack(self, dir)

    def bundle(self, dir, *, readonly: bool = False, volatile: bool = False,
               **spec_kwargs) -> "ImageBundle":
        """Make @dir an OCI bundle of this image: mount the image on dir/rootfs and write
        dir/config.json from runtime_config(**spec_kwargs). A context manager that
        unmounts (and removes config.json) on exit:
        ``with image.bundle(d, args=[...]) as b: ctx.create("id", b)``."""
        dir = os.fspath(dir)
        rootfs = os.path.join(dir, "rootfs")
        os.makedirs(rootfs, exist_ok=True)
        mount = self.mount(rootfs, readonly=readonly, volatile=volatile)
        try:
            spec_kwargs.setdefault("root_path", "rootfs")
            config = self.runtime_config(rootfs, **spec_kwargs)
            with open(os.path.join(dir, "config.json"), "w") as f:
                json.dump(config, f, indent=1)
        except BaseException:
            mount.umount()
            raise
        return ImageBundle(dir, config, mount)

    def runtime_config(self, rootfs=None, **kwargs) -> Dict[str, Any]:
        """The OCI runtime config of a container of this image (see
        lcont.spec_from_image(); image_name/image_digest default to this image's)."""
        kwargs.setdefault("image_name", self.name)
        kwargs.setdefault("image_digest", self.digest)
        return spec_from_image(ffi.string(lib.lcont_image_get_config_json(self._ptr)),
                               rootfs, **kwargs)

    def __eq__(self, other):
        return isinstance(other, Image) and other.digest == self.digest

    def __hash__(self):
        return hash(self.digest)

    def __repr__(self):
        return "<lcont.Image %s %s>" % (self.name or "<none>", self.digest)


class ImageMount:
    """A mounted image; a context manager that unmounts it on exit."""

    def __init__(self, store: ImageStore, image: Image, target):
        self.store = store
        self.image = image
        self.path = target
        self._mounted = True

    def umount(self, *, detach: bool = False) -> None:
        if self._mounted:
            self.store.umount(self.path, detach=detach)
            self._mounted = False

    def __fspath__(self):
        return os.fspath(self.path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.umount()

    def __repr__(self):
        return "<lcont.ImageMount %s on %s%s>" % (self.image.digest, self.path,
                                                  "" if self._mounted else " (unmounted)")


class ImageBundle:
    """An OCI bundle directory made by Image.bundle(): ``path`` (also os.fspath()),
    ``config`` (the dict written to config.json) and ``mount`` (the rootfs ImageMount).
    close() / leaving the ``with`` unmounts the rootfs and removes config.json."""

    def __init__(self, path: str, config: Dict[str, Any], mount: ImageMount):
        self.path = path
        self.config = config
        self.mount = mount

    def close(self) -> None:
        self.mount.umount()
        try:
            os.unlink(os.path.join(self.path, "config.json"))
        except FileNotFoundError:
            pass

    def __fspath__(self):
        return self.path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return "<lcont.ImageBundle %s>" % self.path
