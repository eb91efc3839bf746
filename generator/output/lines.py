"""JSON lines of the exports of one object a line (the STIX bundle, corpus.json, the MISP manifest).

Such an export is given as a stream of literal bytes and of lists of (key,
line) pairs: the lines of one JSON list, joined by `SEP`, each under a key
unique in the file. Its lines are made in *parts* (a brief, a question, the
entities), each through a `Parts` object: `WHOLE` makes every part, as
`briefgen export` writes it; a build passes one that may give a part's lines
as None, meaning "the line under that key in the file being replaced", and
splices the stream over that file. `join` turns a stream whose lines are all
given into the file's bytes.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol

import orjson

SEP = b",\n"  # between two lines of a list

Lines = list[tuple[str, bytes | None]]  # a list's lines, or a part's: (key, line); None: the previous file's line
Stream = Iterable[bytes | Lines]


def encode(value: Any, sort_keys: bool = False) -> bytes:
    """One JSON line in UTF-8, compact: the bytes `json.dumps(value, ensure_ascii=False,
    separators=(",", ":"), sort_keys=sort_keys)` gives, faster (orjson; the two
    write floats alike but below 1e-4, which the exports' rounded weights and scores never are;
    tests/test_stix.py compares them on every object of an export)."""
    line = orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else 0)
    # copied into a bytes object of its own size: orjson's keeps the room it grew into, which the
    # STIX bundle's lines, all kept until the bundle is written, would hold too
    return bytes(memoryview(line))


class Parts(Protocol):
    def part(self, name: str, make: Callable[[], tuple[Lines, Any]]) -> tuple[Lines, Any]:
        """The lines of the part `name` and what the mapping keeps of it (`extra`): `make()`,
        or the same keys with lines None and the extra `make()` gave when those lines were made."""
        ...


class Whole:
    """Parts that are always made: a whole export, with no file to copy lines from."""

    def part(self, name: str, make: Callable[[], tuple[Lines, Any]]) -> tuple[Lines, Any]:
        return make()


WHOLE = Whole()


def join(stream: Stream) -> bytes:
    """The bytes of an export whose lines are all given."""
    return b"".join(item if isinstance(item, bytes) else SEP.join(line for _, line in item) for item in stream)
