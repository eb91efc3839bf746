"""How generated files are written: whole or not at all, only when their bytes change.

A file is written to a temporary file renamed over it (`write_atomic`), so a
killed build never leaves half a file; one whose bytes are unchanged keeps its
mtime, which is how mkdocs and readers' caches tell what changed. Large
exports are written as pieces, some of them spans copied from the file they
replace by the kernel (`Span`, `write_pieces`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable


def write_atomic(path: Path, data: bytes | Callable[[BinaryIO], bool | None], unless_same: bool = False) -> bool:
    """Write `path` whole or not at all (a temporary file renamed over it); True if it was replaced.

    `data` is the bytes, or a function writing them to the open file (so that
    a large file is never one bytes object in memory); a function that can tell
    whether it wrote the bytes `path` holds returns True or False (`write_pieces`),
    else None. With `unless_same`, a file that already has those bytes is left
    alone, with its mtime.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666), "wb") as out:
            if callable(data):
                same = data(out)
            else:
                out.write(data)
                same = None
        if unless_same and (same if same is not None else same_bytes(tmp, path)):
            return False
        os.replace(tmp, path)
        return True
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Span:
    """Bytes `offset` to `offset + length` of the file `source`: a piece of a file being written
    that is copied from another as it is (`write_pieces`), by the kernel where it can."""

    source: str
    offset: int
    length: int


def write_pieces(out: BinaryIO, pieces: Iterable[bytes | Span], same_as: str | None = None) -> bool | None:
    """Write bytes, and spans of other files, to `out` in order. With `same_as`, the file these
    pieces replace, whether that file holds the same bytes, told as they are written without
    reading it whole: each span copied from it lands where it was, each other piece is the bytes
    it had there, and it ends where they end (a spliced export is too large to read again to compare)."""
    sources: dict[str, int] = {}
    position = 0
    old = -1  # `same_as` opened, while it may still hold the same bytes
    if same_as is not None:
        try:
            old = sources[same_as] = os.open(same_as, os.O_RDONLY)
        except OSError:
            pass
    try:
        for piece in pieces:
            if not isinstance(piece, Span):
                out.write(piece)
                if old >= 0 and os.pread(old, len(piece), position) != piece:
                    old = -1
                position += len(piece)
                continue
            out.flush()
            src = sources.get(piece.source)
            if src is None:
                src = sources[piece.source] = os.open(piece.source, os.O_RDONLY)
            _copy_span(src, out.fileno(), piece)
            if old >= 0 and (piece.source != same_as or piece.offset != position):
                old = -1
            position += piece.length
        return None if same_as is None else old >= 0 and os.fstat(old).st_size == position
    finally:
        for fd in sources.values():
            os.close(fd)


def _copy_span(src: int, dst: int, span: Span) -> None:
    offset, left = span.offset, span.length
    while left:
        try:
            n = os.copy_file_range(src, dst, left, offset)
        except (AttributeError, OSError):  # not on this system or file system: through memory
            n = 0
        if n == 0:
            data = os.pread(src, min(left, 1 << 22), offset)
            if not data:
                raise ValueError(f"{span.source} is shorter than a span to copy from it")
            n = os.write(dst, data)
        offset += n
        left -= n


def same_bytes(a: Path, b: Path, block: int = 1 << 20) -> bool:
    """Two files hold the same bytes (False if either is missing); read a block at a time."""
    try:
        if os.stat(a).st_size != os.stat(b).st_size:
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while chunk := fa.read(block):
                if chunk != fb.read(block):
                    return False
        return True
    except FileNotFoundError:
        return False


def file_stamp(st: os.stat_result) -> list[int]:
    """Which file a generated file is, and whether it was written since: its size, mtime, ctime and inode.
    A generated file is not read to tell (the exports are hundreds of MB); its ctime changes
    with any write and cannot be set back, as an mtime can (`touch -d`)."""
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
