"""The model cache: validated models of unchanged corpus files, kept between builds.

Parsing and validating every YAML file again is most of an incremental
build's work. After a file loads and validates without a problem its model is
pickled under the build folder (`build/.briefgen-cache/models/<code>/`) with the
digest of the file's bytes; the next build reads the file, and takes the model
of a file whose digest is the one kept instead of parsing it. No stamp (size,
mtime) stands in for the digest: a file edited in place with its mtime set back
is read as what it is. `<code>` hashes the generator's source and the pydantic
version, so a new briefgen never reads models an older one wrote. Only files
that loaded and validated without any problem are kept, so every error is
still found and positioned by a real parse. The cache is local scratch: delete
the build folder to drop it.

The models are appended to pack files (`*.pack`), with an index (`index.pickle`)
of where each one is and a checksum of its bytes, rather than a file each: a
first build of a large corpus would spend its time creating small files. A
build writes the models it made into one new pack, in the process that loads the corpus, as they arrive
from the workers. Packs whose models were mostly replaced since are compacted
into one. Whatever cannot be read or does not match its checksum (a pack
deleted, cut short or overwritten, a corrupt index) is a miss: the file is
parsed again: a cache makes a build faster, never different.
"""

from __future__ import annotations

import mmap
import os
import pickle
import time
from pathlib import Path

from generator.build.sealed import UNPICKLING, cache_pickle, checksum, code_folder, code_key, load_pickle, load_sealed_pickle, replace_pickle, write_sealed
from generator.stages.load import Document, file_digest

_INDEX = "index.pickle"
SLACK = 1 << 20  # bytes of replaced models the packs may hold beyond the models in use before they are compacted
MAX_PACKS = 16  # beyond this, the packs but the largest are merged (each build that parsed a file adds one)


def _new_pack_name() -> str:
    return f"{os.getpid()}-{time.time_ns()}.pack"  # unique to this process and moment: builds never share a pack


class ModelCache:
    """The model cache of one build: `get` reads models cached earlier, `add` adds the ones made
    now, `save` writes them (their pack and the index) for the next build."""

    def __init__(self, root: Path):
        self.root = root
        self.dir = root / "models" / code_key()
        self.hits = 0
        self._index: dict[str, tuple] | None = None  # doc path -> (file digest, checksum of the model's bytes, pack, offset, length)
        self._packs: dict[str, memoryview | None] = {}  # pack name -> its bytes (mapped), None if unreadable
        self._out = None  # the pack this build writes, once it keeps a model
        self._out_name = ""
        self._added: dict[str, tuple] = {}  # what this build added, as in `_index`

    def index(self) -> dict[str, tuple]:
        if self._index is None:
            index = load_sealed_pickle(self.dir / _INDEX)
            self._index = index if isinstance(index, dict) else {}
        return self._index

    def _pack(self, name: str) -> memoryview | None:
        if name not in self._packs:
            try:
                with open(self.dir / name, "rb") as f:
                    self._packs[name] = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
            except (OSError, ValueError):  # missing, or empty (cannot be mapped)
                self._packs[name] = None
        return self._packs[name]

    def _blob(self, entry: tuple) -> memoryview | None:
        """A model's bytes in its pack, if they are whole and the ones kept."""
        _, check, name, offset, length = entry
        pack = self._pack(name)
        if pack is None or offset + length > len(pack):
            return None
        blob = pack[offset : offset + length]
        return blob if checksum(blob) == check else None

    def get(self, file: Path, doc_path: str, kind: str, doc_id: str) -> Document | None:
        """The document with its model, if the file's bytes are those the model was made from."""
        entry = self.index().get(doc_path)
        if entry is None:
            return None
        digest = file_digest(file)
        if digest is None or entry[0] != digest:
            return None
        blob = self._blob(entry)
        if blob is None:
            return None
        try:
            model = pickle.loads(blob)
        except UNPICKLING:
            return None
        self.hits += 1
        return Document(file=file, path=doc_path, kind=kind, id=doc_id, digest=digest, model=model)

    @staticmethod
    def dump(doc: Document, had_problems: bool) -> bytes | None:
        """The bytes to keep of a document just read from its file, if it loaded and validated
        cleanly (`model_of` reads the model back from them); else None. Any process can make them."""
        if had_problems or doc.model is None or doc.problems:
            return None
        return pickle.dumps(doc.model, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def model_of(blob: bytes):
        """The model in bytes `dump` made."""
        return pickle.loads(blob)

    def add(self, doc: Document, blob: bytes) -> None:
        """Add a document's model (`dump`'s bytes) to this build's pack, under the digest of the bytes
        it was made from; `save` makes it count."""
        if self._out is None:
            name = _new_pack_name()
            try:
                code_folder(self.dir.parent)
                self._out = open(self.dir / name, "wb")
            except OSError:
                return  # a read-only or full disk: the build goes on without keeping models
            self._out_name = name
        offset = self._out.tell()
        try:
            self._out.write(blob)
        except OSError:
            return
        self._added[doc.path] = (doc.digest, checksum(blob), self._out_name, offset, len(blob))

    def save(self, present: set[str] | None = None) -> None:
        """Write this build's pack and the index; with `present` (every corpus file's path), models
        of files no longer in the corpus are dropped. Packs mostly replaced are compacted."""
        if self._out is None and (present is None or self.index().keys() <= present):
            return
        try:
            if self._out is not None:
                self._out.close()
            before = {entry[2] for entry in self.index().values()}
            index = {path: entry for path, entry in self.index().items() if present is None or path in present}
            index.update(self._added)
            index = self._compacted(index)
            tmp = self.dir / f".{_INDEX}.tmp{os.getpid()}"
            with open(tmp, "wb") as f:
                write_sealed(f, lambda out: pickle.dump(index, out, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, self.dir / _INDEX)
        except OSError:
            return
        finally:
            self._out = None
        self._index, self._added = index, {}
        self._remove_unused(index, before)

    def _compacted(self, index: dict[str, tuple]) -> dict[str, tuple]:
        """The index, with the packs merged into one when they hold more bytes of replaced models
        than of models in use, or else the packs but the largest when there are too many."""
        sizes: dict[str, int] = {}
        for entry in index.values():
            sizes[entry[2]] = sizes.get(entry[2], 0) + entry[4]
        on_disk = {name: os.path.getsize(self.dir / name) for name in sizes if (self.dir / name).exists()}
        used = sum(sizes.values())
        if len(sizes) > 1 and sum(on_disk.values()) - used > max(used, SLACK):
            return self._merge(index, set(sizes))
        if len(sizes) > MAX_PACKS:
            return self._merge(index, set(sizes) - {max(on_disk, key=on_disk.get, default="")})
        return index

    def _merge(self, index: dict[str, tuple], packs: set[str]) -> dict[str, tuple]:
        """The models in `packs` copied into one new pack."""
        name = _new_pack_name()
        out: dict[str, tuple] = {}
        with open(self.dir / name, "wb") as f:
            for path, entry in index.items():
                if entry[2] not in packs:
                    out[path] = entry
                    continue
                blob = self._blob(entry)  # a damaged model is dropped, not carried over
                if blob is not None:
                    out[path] = (entry[0], entry[1], name, f.tell(), len(blob))
                    f.write(blob)
        return out

    def _remove_unused(self, index: dict[str, tuple], before: set[str]) -> None:
        """Packs the index stopped pointing at (merged, or all their models replaced), and packs
        a build stopped midway left (unused for an hour: a younger one may be another build's,
        still being written)."""
        used = {entry[2] for entry in index.values()}
        for pack in self.dir.glob("*.pack"):
            if pack.name in used:
                continue
            try:
                if pack.name in before or pack.name == self._out_name or time.time() - pack.stat().st_mtime > 3600:
                    pack.unlink()
            except OSError:
                pass


class Memo:
    """A table kept in the build cache between builds, for work keyed on content (sealed, named after
    briefgen's code, as every cache file): what a build looks up or adds is what it saves, so
    entries no build uses any more are dropped."""

    def __init__(self, cache: Path, name: str):
        self.cache, self.name = cache, name
        self.kept: dict = load_pickle(cache_pickle(cache, name), {})
        self.used: dict = {}

    def get(self, key):
        value = self.kept.get(key)
        if value is not None:
            self.used[key] = value
        return value

    def __setitem__(self, key, value) -> None:
        self.used[key] = value

    def save(self) -> None:
        if self.used.keys() != self.kept.keys() or any(self.kept[k] is not v for k, v in self.used.items()):
            replace_pickle(self.cache, self.name, self.used)
