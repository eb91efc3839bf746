"""Exports of one object a line (the STIX bundle, corpus.json), made again over the file they replace.

At 10,000 briefs the STIX bundle is 485 MB and corpus.json 118 MB; after an
edit to one brief, all but a few of their lines are the same. An export built
with `splice` is a stream of literal bytes and of lines, each line under a key
unique in the file: a line given as None is *kept*, and copied from the file
being replaced as it is (`files.Span`: by the kernel, never through
Python), runs of neighbouring kept lines as one span. Which part of the export
(a brief, a question) made which lines, under which key of its inputs, and
where each line sits in the file are kept in the build cache (`Layout`,
sealed: see `sealed`), with the file's stamp (`files.file_stamp`: its
size, mtime, ctime and inode): a layout describes that file only while it is
untouched (an mtime can be set back, a ctime cannot), and a part whose inputs
changed is made again.

Lines are joined by `,\\n` inside a list; anything between two lists is
longer, so two kept lines are neighbours in the old file exactly when one
starts two bytes after the other ends. An export gives each list's lines
together, as a list of (key, line) pairs.
"""

from __future__ import annotations

import os
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from generator.build.files import Span, file_stamp
from generator.build.sealed import cache_pickle, keep_pickle, load_pickle

SEP = b",\n"


def encode(value: Any, sort_keys: bool = False) -> bytes:
    """One JSON line in UTF-8, compact: the bytes `json.dumps(value, ensure_ascii=False,
    separators=(",", ":"), sort_keys=sort_keys)` gives, three times faster (orjson; the two
    write floats alike but below 1e-4, which the exports' rounded weights and scores never are;
    tests/test_stix.py compares them on every object of an export)."""
    line = orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    # copied into a bytes object of its own size: orjson's keeps the room it grew into, and the
    # STIX bundle's 485 MB of lines, kept until the bundle is written, took 1.7 GB that way
    return bytes(memoryview(line))


@dataclass
class Layout:
    """A file as written: its stamp (`files.file_stamp`: which file it is, however it is named,
    and that it was not written since); its parts (name -> what the export keeps of it: the key of
    its inputs first); its lines' keys in file order with their offsets and lengths."""

    stamp: list[int]
    parts: dict[str, tuple]
    keys: tuple[str, ...]
    offsets: array
    lengths: array

    def where(self) -> dict[str, tuple[int, int]]:
        """Line key -> (offset, length) in the file."""
        return {k: (o, n) for k, o, n in zip(self.keys, self.offsets, self.lengths)}

    def part(self, name: str, key: str | None) -> tuple | None:
        """What was kept of a part, if its lines in the file were made for the same `key`."""
        kept = self.parts.get(name) if key else None
        return kept if kept is not None and kept[0] == key else None

    @classmethod
    def load(cls, cache: Path, name: str, target: Path) -> "Layout | None":
        """The layout of the file at `target`, if that file is still the one it describes."""
        layout = load_pickle(cache_pickle(cache, f"{name}-layout"), None, cls)
        try:
            st = os.stat(target)
        except OSError:
            return None
        if layout is None or layout.stamp != file_stamp(st):
            return None
        return layout

    def save(self, cache: Path, name: str) -> None:
        keep_pickle(cache, f"{name}-layout", self)


@dataclass
class Splice:
    """An export's pieces (`splice`), then its layout once written (`written`)."""

    cache: Path | None
    name: str
    source: str  # the file being replaced
    layout: Layout | None  # its layout, if it is the file the layout describes
    parts: dict[str, tuple] = field(default_factory=dict)  # this export's, as `Layout.parts`
    keys: list[str] = field(default_factory=list)
    offsets: array = field(default_factory=lambda: array("Q"))
    lengths: array = field(default_factory=lambda: array("Q"))
    pieces: Iterator[bytes | Span] | None = None

    def __iter__(self):
        return self.pieces

    @property
    def spare(self) -> Path | None:
        """Where the file this export replaces is kept, to be written over next time (`write_atomic`)."""
        return self.cache / "spare" / self.name if self.cache is not None else None

    def reuse(self, name: str, key: str | None) -> tuple | None:
        """What the file being replaced keeps of the part `name`, if its lines there were made for `key`."""
        return self.layout.part(name, key) if self.layout is not None else None

    def splice(self, stream: Iterable[bytes | list[tuple[str, bytes | None]]]) -> Iterator[bytes | Span]:
        """Literal bytes and lists of (key, line) pairs (the lines of a JSON list, joined by `SEP`),
        in file order, as bytes and spans of the old file (a line None is the old file's line under
        that key); the new file's layout is noted."""
        where = self.layout.where() if self.layout is not None else {}
        source = self.source
        keys, offsets, lengths = self.keys.append, self.offsets.append, self.lengths.append
        gap = len(SEP)
        pending: list[bytes] = []  # literal bytes not yielded yet
        position = 0  # in the new file
        start = end = -1  # the old file's span being extended, if any
        for item in stream:
            if isinstance(item, bytes):
                if start >= 0:
                    yield Span(source, start, end - start)
                    start = -1
                pending.append(item)
                position += len(item)
                continue
            for n, (key, line) in enumerate(item):
                if n:
                    position += gap
                keys(key)
                offsets(position)
                if line is None:
                    offset, length = where[key]
                    lengths(length)
                    position += length
                    if n and start >= 0 and offset == end + gap:  # its neighbour in the old file too: the span grows
                        end = offset + length
                        continue
                    if start >= 0:
                        yield Span(source, start, end - start)
                    if n:
                        pending.append(SEP)
                    if pending:
                        yield b"".join(pending)
                        pending = []
                    start, end = offset, offset + length
                    continue
                if start >= 0:
                    yield Span(source, start, end - start)
                    start = -1
                if n:
                    pending.append(SEP)
                lengths(len(line))
                position += len(line)
                pending.append(line)
                if len(pending) > 8192:
                    yield b"".join(pending)
                    pending = []
        if start >= 0:
            yield Span(source, start, end - start)
        if pending:
            yield b"".join(pending)

    def written(self, path: Path, replaced: bool) -> None:
        """Called once the file is at `path` (`replaced`: it changed; else it held these bytes already)."""
        if self.cache is None or (not replaced and self.layout is not None and self.layout.parts == self.parts):
            return
        st = os.stat(path)
        Layout(file_stamp(st), self.parts, tuple(self.keys), self.offsets, self.lengths).save(self.cache, self.name)


def start(cache: Path | None, name: str, target: Path | None, inputs: Any) -> Splice:
    """A splice for the export `name` replacing `target`; copying from the old file needs a
    cache folder, the corpus's `incremental.Inputs` (the parts' keys) and the target."""
    use = cache is not None and inputs is not None and target is not None
    return Splice(cache if use else None, name, str(target) if use else "", Layout.load(cache, name, target) if use else None)
