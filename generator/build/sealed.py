"""Cache files a build can trust: sealed with a checksum, named after briefgen's code, written whole.

Every file of the build cache that a build reads back is *sealed* (`seal`,
`write_sealed`): its bytes follow a header with their length and checksum, and
a file whose bytes do not match (`unsealed`) is treated as missing. Each is
also named after a hash of briefgen's own code (`code_key`), so a new briefgen
never reads what an older one wrote.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import mmap
import os
import pickle
import shutil
import sys
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import jinja2
import pydantic

from generator.build.files import write_atomic

_CODE = Path(__file__).resolve().parent.parent  # the whole generator package


@functools.lru_cache(maxsize=1)
def code_key() -> str:
    """A hash of briefgen's own source and the pydantic version: what every cache entry depends on."""
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{sys.version_info[:2]} {pydantic.VERSION}".encode())
    for f in sorted(_CODE.rglob("*.py")):
        h.update(f.relative_to(_CODE).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def code_folder(parent: Path) -> Path:
    """`parent/<code_key>`, made if missing, the folders of other code versions beside it removed.

    Safe when several workers call it at once: only the other versions' folders
    go, never `parent` (which another worker may be making this version's folder in).
    """
    folder = parent / code_key()
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        for old in parent.iterdir():
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
    return folder


def checksum(data, running: int = 0) -> int:
    """The CRC-32 of bytes (continuing a `running` one): what tells kept bytes from damaged or replaced
    ones. A CRC, not a cryptographic hash like `load.digest_of`, for its speed (the snapshot, hundreds
    of MB, is checked on every build): a cache file is damaged by accident, never forged, as whoever
    can write it can write the corpus."""
    return zlib.crc32(data, running)


_MAGIC = b"briefgen"
_HEADER = len(_MAGIC) + 4 + 8  # the magic, the payload's checksum, its length


def _header(crc: int, length: int) -> bytes:
    return _MAGIC + crc.to_bytes(4, "little") + length.to_bytes(8, "little")


def seal(data: bytes) -> bytes:
    """`data` as a sealed file holds it."""
    return _header(checksum(data), len(data)) + data


class _Checking:
    """A file being written, with a running checksum of what was written to it."""

    def __init__(self, out: BinaryIO):
        self.out, self.crc, self.length = out, 0, 0

    def write(self, data) -> int:
        self.crc = checksum(data, self.crc)
        self.length += len(data)
        return self.out.write(data)


def write_sealed(out: BinaryIO, dump: Callable[[BinaryIO], object]) -> None:
    """Seal what `dump` writes to a file (e.g. `pickle.dump`) as it goes, never holding it whole in
    memory; `out` is a new file, open for writing, which the header is written back into."""
    out.write(bytes(_HEADER))
    checking = _Checking(out)
    dump(checking)
    out.seek(0)
    out.write(_header(checking.crc, checking.length))
    out.seek(0, os.SEEK_END)


def unsealed(data) -> memoryview | None:
    """The payload of a sealed file's bytes, or None unless whole and unchanged."""
    view = memoryview(data)
    if len(view) < _HEADER or view[: len(_MAGIC)] != _MAGIC:
        return None
    payload = view[_HEADER:]
    crc = int.from_bytes(view[len(_MAGIC) : len(_MAGIC) + 4], "little")
    length = int.from_bytes(view[len(_MAGIC) + 4 : _HEADER], "little")
    if length != len(payload) or checksum(payload) != crc:
        return None
    return payload


@contextlib.contextmanager
def opened_sealed(path: Path) -> Iterator[memoryview | None]:
    """The payload of a sealed file, mapped, while the block runs; None if missing, damaged or not sealed."""
    try:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # missing, or empty (cannot be mapped)
        mapped = None
    if mapped is None:
        yield None
        return
    with mapped, memoryview(mapped) as view:
        payload = unsealed(view)
        try:
            yield payload
        finally:
            if payload is not None:
                payload.release()  # before the mapping closes


def read_sealed(path: Path) -> bytes | None:
    """The payload of a small sealed file, or None (`opened_sealed`)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    payload = unsealed(data)
    return None if payload is None else bytes(payload)


UNPICKLING = (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError, KeyError, MemoryError)


def load_sealed_pickle(path: Path):
    """What a sealed pickle holds (`pickle.dump` through `write_sealed`), or None when it cannot be
    read back whole and unchanged, or when briefgen's classes changed since (whatever unpickling raises)."""
    with opened_sealed(path) as payload:
        if payload is None:
            return None
        try:
            return pickle.loads(payload)
        except UNPICKLING:
            return None


def load_pickle(path: Path, default, kind: type | None = None):
    """A cache file written by `save_pickle`, or `default` when missing, damaged (it is sealed),
    unreadable or not a `kind` (by default, of the default's type)."""
    value = load_sealed_pickle(path)
    return value if isinstance(value, kind or type(default)) else default


def save_pickle(path: Path, value) -> None:
    write_atomic(path, lambda out: write_sealed(out, lambda sealed: pickle.dump(value, sealed, protocol=pickle.HIGHEST_PROTOCOL)))


def cache_pickle(cache: Path, name: str) -> Path:
    """`name` in the build cache, named after briefgen's code too: after an upgrade an older
    briefgen's file is not even read."""
    return cache / f"{name}.{code_key()[:16]}.pickle"


def replace_pickle(cache: Path, name: str, value) -> None:
    """Save `value` as `cache_pickle(cache, name)`, then remove what other versions of briefgen
    kept under that name and what a writer killed midway left (`write_atomic`'s temporary file)."""
    path = cache_pickle(cache, name)
    save_pickle(path, value)
    for pattern in (f"{name}.*.pickle", f".{name}.*.pickle.tmp*"):
        for old in cache.glob(pattern):
            if old != path:
                old.unlink(missing_ok=True)


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates as Jinja2 compiled them, kept between builds in `folder` (the theme's: mkdocs
    compiles them again for every build, a fixed part of an edit's). Jinja2 takes one only if it
    was compiled from the template's source as it is now (it keeps the source's checksum with
    it); a file whose seal does not match is a miss."""

    def __init__(self, folder: Path):
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = read_sealed(self.folder / f"{bucket.key}.jinja")
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / f"{bucket.key}.jinja", seal(bucket.bytecode_to_string()))
