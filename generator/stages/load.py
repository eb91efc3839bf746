"""Stage 1: read the YAML files of a corpus, keeping enough to point at any field.

Parsing uses PyYAML's C parser. Values are plain Python data; dates stay the
strings the author wrote. A file that cannot be read becomes a `Problem` with
its position, never an exception. Positions of fields are looked up only when
a later stage reports a problem (`Document.position`), so a clean corpus pays
nothing for them.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ContentError, Problem
from generator.format import vocab
from generator.format.models import SLUG

try:  # the C parser; the pure-Python one is a fallback for odd installs
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _BaseLoader

MAX_FILE_BYTES = 1_000_000
MAX_EXPANDED_NODES = 200_000  # bound on a document after YAML aliases expand


class _Loader(_BaseLoader):
    """Safe loader that keeps timestamps as written and refuses duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[Any, int, int]] = []

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    mark = key_node.start_mark
                    self.duplicates.append((key_node.value, mark.line + 1, mark.column + 1))
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node, deep=False):
        # an explicit tag on a value it cannot read (`!!int abc`) raises a plain ValueError: give it the node's place
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as e:
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise _Unreadable(None, None, f"{tag} cannot read {str(node.value)[:40]!r} ({e})", node.start_mark) from None


class _Unreadable(yaml.constructor.ConstructorError):
    """A value its explicit tag cannot make (`!!int abc`)."""


def _keep_string(loader, node):
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _keep_string)


@dataclass
class Document:
    """One YAML file of the corpus, parsed."""

    file: Path  # on disk
    path: str  # as shown to the author, relative to the project
    kind: str  # actor, source, question or brief
    id: str  # the file stem
    data: Any = None
    digest: str = ""  # of the file's bytes (`digest_of`): what incremental builds and the caches compare
    model: Any = None  # the validated model, once there is one
    validated: bool = False  # validated while loading: `problems` are the validation's
    problems: list = field(default_factory=list)
    escapes: bool = True  # the file may write characters as escapes (`\`) or as !!binary (`!`): validation looks for control characters
    _nodes: Any = field(default=None, repr=False)

    def position(self, loc: tuple, key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the field at `loc`; with `key`, of its key.

        Falls back to the nearest enclosing field that exists.
        """
        if self._nodes is None:
            self._nodes = yaml.compose(self.file.read_text("utf-8"), Loader=_BaseLoader)
        node = self._nodes
        mark = node.start_mark if node is not None else None
        for i, part in enumerate(loc):
            last = i == len(loc) - 1
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if k.value == str(part):
                        mark = k.start_mark if (last and key) else v.start_mark
                        node = v
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        if mark is None:
            return 1, 1
        return mark.line + 1, mark.column + 1

    def problem(self, loc: tuple, message: str, key: bool = False, level: str = "error") -> Problem:
        line, col = self.position(loc, key=key)
        return Problem(self.path, line, col, message, level)


def kind_of(rel: Path | str) -> str:
    """The entity kind a file holds, from its place under `briefs/` (a path, or one in POSIX form)."""
    parts = rel.split("/") if isinstance(rel, str) else rel.parts
    if len(parts) == 2 and parts[0] in vocab.ENTITY_FOLDERS:
        return vocab.ENTITY_FOLDERS[parts[0]]
    return "brief"


def _corpus_entries(briefs_dir: Path) -> list[tuple[str, Path]]:
    """(path relative to `briefs_dir` in POSIX form, file) for every corpus file, sorted by the former.

    Folders are followed through symbolic links, each folder once. A link
    back to a folder it is in (a loop), a second way to a folder already
    read (its files would count twice), a link to nothing and a folder that
    cannot be read raise ContentError, each problem at the link or folder as
    the project shows it (`briefs/...`): none of them may drop briefs from
    the site unseen, nor walk forever.
    """
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []

    def shown(rel: str) -> str:
        return f"{briefs_dir.name}/{rel}".rstrip("/")

    def problem(rel: str, message: str) -> None:
        problems.append(Problem(shown(rel), 1, 1, message))

    try:
        top = os.stat(briefs_dir)
    except FileNotFoundError:
        return []
    except OSError as e:
        raise ContentError([Problem(shown(""), 1, 1, f"cannot read the folder: {e.strerror}")]) from None
    seen: dict[tuple[int, int], str] = {(top.st_dev, top.st_ino): ""}  # every folder read, by identity -> where
    # (folder, its path under briefs_dir ending in "/", the folders it is in by identity -> where), depth first
    stack: list[tuple[str, str, dict[tuple[int, int], str]]] = [(str(briefs_dir), "", dict(seen))]
    while stack:
        folder, prefix, above = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as e:
            problem(prefix, f"cannot read the folder: {e.strerror}")
            continue
        below = []
        for entry in entries:
            if entry.name.startswith(("_", ".")):
                continue
            rel = prefix + entry.name
            try:
                if entry.is_symlink():
                    st = os.stat(entry.path)  # where the link leads
                    is_dir, is_file = stat.S_ISDIR(st.st_mode), stat.S_ISREG(st.st_mode)
                else:
                    is_dir, is_file = entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False)
                    st = entry.stat(follow_symlinks=False) if is_dir else None
            except FileNotFoundError:  # a link to nothing, or an entry removed meanwhile
                if entry.is_symlink():
                    problem(rel, f"symbolic link to nothing: '{os.readlink(entry.path)}' does not exist")
                continue
            except OSError as e:
                problem(rel, f"cannot follow the symbolic link: {e.strerror}")
                continue
            if is_dir:
                key = (st.st_dev, st.st_ino)
                if key in above:
                    problem(rel, f"symbolic link loop: {shown(rel)} points back to {shown(above[key])}")
                elif key in seen:
                    problem(rel, f"folder already read as {shown(seen[key])}: a symbolic link leads to it twice, "
                                 "so its files would count twice; keep one way to it")
                else:
                    seen[key] = rel
                    below.append((entry.path, rel + "/", {**above, key: rel}))
            elif is_file and entry.name.endswith((".yaml", ".yml")):
                found.append((rel, entry.path))
        stack.extend(reversed(below))
    if problems:
        raise ContentError(problems)
    found.sort()
    return [(rel, Path(path)) for rel, path in found]


def _expanded_size(node, memo: dict) -> int:
    """How many nodes `node` stands for once aliases are expanded."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # a recursive alias counts once; the bound still applies
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[key] = size
    return size


def _may_expand(raw: bytes) -> bool:
    """Whether a file could stand for more than MAX_EXPANDED_NODES values. Without an anchor (`&`)
    there is no alias, and a file makes at most two nodes a byte (`{a,b}`: a key and its empty
    value for each letter and comma), so a short file without one needs no count."""
    return b"&" in raw or 2 * len(raw) > MAX_EXPANDED_NODES


def _position_in(text: bytes, offset: int) -> tuple[int, int]:
    before = text[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def shown_path(file: Path, root: Path) -> str:
    """A file's path as shown to the author: relative to the project when inside it."""
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()


def digest_of(raw: bytes) -> str:
    """What tells one version of a file from another: 128 bits of a SHA-256 of its bytes (SHA-256 for
    its speed: most processors compute it in hardware)."""
    return hashlib.sha256(raw).hexdigest()[:32]


def file_digest(file: Path) -> str | None:
    """`digest_of` the file's bytes as they are now, or None if it cannot be read. Every build reads
    every corpus file for it: a size and mtime can be set back (`touch -d`, a tool restoring them)
    and may not tell two writes within a clock tick apart, so no stamp stands in for the bytes."""
    try:
        fd = os.open(file, os.O_RDONLY)
    except OSError:
        return None
    try:
        h = hashlib.sha256()
        size = min(os.fstat(fd).st_size + 1, 1 << 22)  # the whole file in one read: fewer bytes is its end
        while True:
            chunk = os.read(fd, size)
            h.update(chunk)
            if len(chunk) < size:
                return h.hexdigest()[:32]
    except OSError:
        return None
    finally:
        os.close(fd)


def load_document(file: Path, briefs_dir: Path, root: Path) -> tuple[Document | None, list[Problem]]:
    """Parse one file; return the document (None if unreadable) and its problems."""
    shown = shown_path(file, root)
    doc = Document(file=file, path=shown, kind=kind_of(file.relative_to(briefs_dir)), id=file.stem)

    def fail(line: int, col: int, message: str):
        return None, [Problem(shown, line, col, message)]

    try:
        raw = file.read_bytes()
    except OSError as e:  # unreadable (permissions), or gone since the folder was listed
        return fail(1, 1, f"cannot read the file: {e.strerror or e}")
    doc.digest = digest_of(raw)
    doc.escapes = b"\\" in raw or b"!" in raw
    if len(raw) > MAX_FILE_BYTES:
        return fail(1, 1, f"file is {len(raw):,} bytes, over the limit of {MAX_FILE_BYTES:,}; split it into several briefs")
    if b"\0" in raw:
        return fail(*_position_in(raw, raw.index(b"\0")), "binary file: a brief must be UTF-8 text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return fail(*_position_in(raw, e.start), f"not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8")
    if not text.strip() or all(l.strip().startswith("#") or not l.strip() for l in text.splitlines()):
        return fail(1, 1, "file is empty: expected a mapping of fields")

    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _may_expand(raw) and _expanded_size(node, {}) > MAX_EXPANDED_NODES:
            return fail(1, 1, f"YAML aliases expand to more than {MAX_EXPANDED_NODES:,} values; write the content out instead")
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        message = f"YAML syntax: {e.problem or e.context}"
        if e.context_mark and e.context and "end of stream" in (e.problem or ""):
            # an unclosed quote or bracket: point where it opens, not at the end of the file
            mark = e.context_mark
            message = f"YAML syntax: {e.context.removeprefix('while ')} that starts here is never closed"
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if isinstance(e, _Unreadable):
            message = f"YAML tag {e.problem}"
        elif isinstance(e, yaml.constructor.ConstructorError) and "tag" in (e.problem or ""):
            tag = (e.problem or "").split("the tag", 1)[-1].strip(" '").replace("tag:yaml.org,2002:", "!!")
            message = f"YAML tag not allowed: {tag} (briefs are plain data)"
        source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        if "\t" in source_line[: max(col, 1)] or "'\\t'" in message:
            message = "tab character: YAML indents with spaces, not tabs"
        return fail(line, col, message)
    except yaml.YAMLError as e:  # pragma: no cover - marks are normally present
        return fail(1, 1, f"YAML: {e}")
    except RecursionError:
        return fail(1, 1, "YAML nesting is too deep")
    finally:
        loader.dispose()

    problems = [
        Problem(shown, line, col, f"duplicate key '{key}': an earlier value would be silently replaced")
        for key, line, col in loader.duplicates
    ]
    if not isinstance(data, dict):
        found = type(data).__name__ if data is not None else "nothing"
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node is not None else (1, 1)
        problems.append(Problem(shown, line, col, f"the file must be a mapping of fields, found {found}"))
        return None, problems
    if not SLUG.match(doc.id) or len(doc.id) > 80:
        problems.append(Problem(shown, 1, 1, f"file name '{file.name}': the id '{doc.id}' must be a slug of lower-case letters, digits and single hyphens, at most 80 characters"))
    doc.data = data
    return doc, problems


def plain_data(raw: bytes, only: dict[str, frozenset[str] | None] | None = None) -> Any:
    """An earlier version of a corpus file as plain data, under the limits `load_document` keeps, or
    None when it would not load (history reads it and skips it; its problems were its own time's).

    With `only` ({top-level key: the keys kept of each mapping in its list, or None to keep its
    value}), only those parts are made into Python values, from the parser's events (`_outline`):
    what history reads of thousands of versions, at a fraction of the cost."""
    if len(raw) > MAX_FILE_BYTES or b"\0" in raw:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # without an anchor (an alias leaves the outline _Unsure) no size bound is needed at this size
    if only is not None and _CParser is not None and b"!" not in raw and 2 * len(raw) <= MAX_EXPANDED_NODES:
        try:
            return _outline(text, only)
        except yaml.YAMLError:
            return None
        except _Unsure:
            pass  # the whole load decides
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None or (_may_expand(raw) and _expanded_size(node, {}) > MAX_EXPANDED_NODES):
            return None
        return loader.construct_document(node)
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover
    _CParser = None

_STRING = frozenset(("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"))  # timestamps are kept as written
_RESOLVER = yaml.resolver.Resolver()
_NOT_STRING = object()  # a scalar the loader makes something else than a string of
_MAX_DEPTH = 200  # deeper, the whole load decides (it may run out of recursion)


class _Unsure(Exception):
    """A document `_outline` cannot vouch for: an alias, a key that is a collection, a scalar that
    would be a merge or value key. The whole load reads it."""


def _string(ev) -> Any:
    """A scalar event's value as the loader makes it, if a string (a plain scalar is resolved)."""
    if not ev.implicit[0] or _RESOLVER.resolve(yaml.ScalarNode, ev.value, (True, False)) in _STRING:
        return ev.value
    return _NOT_STRING


def _outline(text: str, only: dict[str, frozenset[str] | None]) -> Any:
    """`only`'s parts of a document without an explicit tag, as `construct_document` would make them,
    from the parser's events: every event is read (a parse error anywhere is the document's), none
    made into a node. Raises _Unsure where that could differ from the whole load."""
    parser = _CParser(text)
    out: Any = None
    documents = 0
    # each frame: [is mapping, waiting for a key, what collects (dict, list or None), its spec, the key kept]
    stack: list[list] = []
    try:
        while (ev := parser.get_event()) is not None:
            kind = type(ev)
            if kind is yaml.ScalarEvent:
                if ev.anchor is not None or (ev.implicit[0] and ev.value in ("=", "<<")):
                    raise _Unsure
                if not stack:
                    continue  # the document is a scalar: not a brief
                frame = stack[-1]
                if frame[0]:
                    if frame[1]:  # a key
                        frame[1] = False
                        frame[4] = ev.value if frame[2] is not None and ev.value in frame[3] and _string(ev) is not _NOT_STRING else None
                    else:
                        frame[1] = True
                        if frame[4] is not None:
                            frame[2][frame[4]] = _string(ev) if frame[3] is not only or only[frame[4]] is None else None
                elif frame[2] is not None:
                    frame[2].append(None)  # an item that is not a mapping
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if ev.anchor is not None or len(stack) > _MAX_DEPTH:
                    raise _Unsure
                mapping = kind is yaml.MappingStartEvent
                collect = spec = None
                if not stack:
                    if mapping:
                        out = collect = {}
                        spec = only
                else:
                    frame = stack[-1]
                    if frame[0]:
                        if frame[1]:
                            raise _Unsure  # a key that is a collection: the loader refuses it
                        frame[1] = True
                        if frame[4] is not None:
                            keep = only[frame[4]] if frame[3] is only else None
                            if keep is not None and not mapping:
                                frame[2][frame[4]] = collect = []
                                spec = keep
                            else:
                                frame[2][frame[4]] = None if frame[3] is only else _NOT_STRING
                    elif frame[2] is not None:
                        frame[2].append({} if mapping else None)
                        if mapping:
                            collect, spec = frame[2][-1], frame[3]
                stack.append([mapping, True, collect, spec, None])
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
            elif kind is yaml.AliasEvent:
                raise _Unsure
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    return None  # the loader refuses a file of several documents
    finally:
        parser.dispose()
    return out


def corpus_listing(briefs_dir: Path, root: Path) -> list[tuple[str, str, Path]]:
    """(path as shown to the author, path under `briefs_dir`, file) for every corpus file, in a stable order."""
    shown_dir = shown_path(briefs_dir, root)
    shown_dir = "" if shown_dir == "." else shown_dir + "/"  # what `shown_path` gives each file, without a Path a file
    return [(shown_dir + rel, rel, file) for rel, file in _corpus_entries(briefs_dir)]
