"""Splicing: an export of one object a line made again over the file it replaces.

After an edit to one brief, all but a few lines of the STIX bundle and of
corpus.json are the same. An export is mapped (`generator.output.lines`) as
literal bytes and lists of (key, line) pairs, its lines made in parts (a
brief, a question); a `Splice` is its `Parts`: a part whose key (from
`incremental.Inputs`) has not changed since the file being replaced was
written is not made again, its lines given as None. `Splice.splice` turns the
stream into bytes and spans of the old file (`files.Span`: copied by
the kernel, never through Python), runs of neighbouring copied lines as one
span. Which part made which lines, under which key, and where each line sits
in the file are kept in the build cache (`Layout`, sealed: see `sealed`), with
the file's stamp (`files.file_stamp`: its size, mtime, ctime and
inode): a layout describes that file only while it is untouched (an mtime can
be set back, a ctime cannot).

Lines are joined by `lines.SEP` inside a list; anything between two lists is
longer, so two copied lines are neighbours in the old file exactly when one
starts two bytes after the other ends.
"""

from __future__ import annotations

import os
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from generator.build.files import Span, file_stamp
from generator.build.sealed import cache_pickle, replace_pickle, load_pickle
from generator.output.lines import SEP, Lines, Parts, Stream


@dataclass
class Layout:
    """A file as written: its stamp (`files.file_stamp`: which file it is, however it is named,
    and that it was not written since); its parts (name -> the key of its inputs, its lines' keys and
    the extra its `make` gave: see `Splice.part`); its lines' keys in file order with their offsets and lengths."""

    stamp: list[int]
    parts: dict[str, tuple]
    keys: tuple[str, ...]
    offsets: array
    lengths: array

    def where(self) -> dict[str, tuple[int, int]]:
        """Line key -> (offset, length) in the file."""
        return {k: (o, n) for k, o, n in zip(self.keys, self.offsets, self.lengths)}

    def part(self, name: str, key: str | None) -> tuple | None:
        """What the file holds of a part, if its lines in the file were made for the same `key`."""
        held = self.parts.get(name) if key else None
        return held if held is not None and held[0] == key else None

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
        replace_pickle(cache, f"{name}-layout", self)


@dataclass
class Splice:
    """An export's parts (`part`) and pieces (`splice`), then its layout once written (`written`)."""

    cache: Path | None
    name: str
    source: str  # the file being replaced
    layout: Layout | None  # its layout, if it is the file the layout describes
    inputs: Mapping[str, str] = field(default_factory=dict)  # part name -> the key of its inputs
    parts: dict[str, tuple] = field(default_factory=dict)  # this export's, as `Layout.parts`
    keys: list[str] = field(default_factory=list)
    offsets: array = field(default_factory=lambda: array("Q"))
    lengths: array = field(default_factory=lambda: array("Q"))
    pieces: Iterator[bytes | Span] | None = None

    def __iter__(self):
        return self.pieces

    def part(self, name: str, make: Callable[[], tuple[Lines, Any]]) -> tuple[Lines, Any]:
        """`Parts.part`: the lines of the part `name` and its extra, as `make()` gives them; or, if
        the file being replaced holds its lines made for the same key of its inputs, their keys with
        lines None (copied from that file) and the extra kept with them."""
        key = self.inputs.get(name)
        held = self.layout.part(name, key) if self.layout is not None else None
        if held is not None:
            _, keys, extra = held
            lines = [(k, None) for k in keys]
        else:
            lines, extra = make()
            keys = tuple(k for k, _ in lines)
        self.parts[name] = (key, keys, extra)
        return lines, extra

    def splice(self, stream: Stream) -> Iterator[bytes | Span]:
        """Literal bytes and lists of (key, line) pairs (the lines of a JSON list, joined by `SEP`),
        in file order, as bytes and spans of the old file (a line None is the old file's line under
        that key); the new file's layout is noted."""
        # a line is first looked for where it was in the old file's order (an edit of words keeps the
        # order), then in a table of every old line, made only if one is not there
        old = self.layout or Layout([], {}, (), array("Q"), array("Q"))
        old_keys, old_offsets, old_lengths, where = old.keys, old.offsets, old.lengths, None
        index = 0  # of the line in the new file
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
                at, index = index, index + 1
                if line is None:
                    if at < len(old_keys) and old_keys[at] == key:
                        offset, length = old_offsets[at], old_lengths[at]
                    else:
                        if where is None:
                            where = old.where()
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


def start(cache: Path | None, name: str, target: Path | None, inputs: Mapping[str, str] | None,
          lines: Callable[[Parts], Stream]) -> Splice:
    """The export `name`, mapped by `lines(parts)`, as pieces that replace `target`; copying from the
    old file needs a cache folder, the key of each part's inputs (`incremental.Inputs`) and the target."""
    use = cache is not None and inputs is not None and target is not None
    out = Splice(cache if use else None, name, str(target) if use else "", Layout.load(cache, name, target) if use else None,
                 inputs if use else {})
    out.pieces = out.splice(lines(out))
    return out
