"""Validated models of unchanged corpus files, kept between builds.

Parsing and validating every YAML file again is most of an incremental
build's work. After a successful validation each file's model is pickled under
the build folder (`build/.briefgen-cache/models/<code>/`), with the file's
size, mtime and digest; the next build takes the model of a file whose size
and mtime are unchanged instead of reading it (as make does). `<code>` hashes
the generator's source and the pydantic version, so a new briefgen never reads
models an older one wrote. Only files that loaded and validated without any
problem are kept, so every error is still found and positioned by a real
parse. The cache is local scratch: delete the build folder to drop it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
from pathlib import Path

import pydantic

from .load import Document

_CODE = Path(__file__).resolve().parent


def code_key() -> str:
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{sys.version_info[:2]} {pydantic.VERSION}".encode())
    for f in sorted(_CODE.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


class ModelCache:
    def __init__(self, root: Path):
        self.root = root
        self.dir = root / "models" / code_key()
        self.hits = 0

    def _entry(self, doc_path: str) -> Path:
        return self.dir / (hashlib.blake2b(doc_path.encode(), digest_size=12).hexdigest() + ".pickle")

    @staticmethod
    def _stamp(st: os.stat_result) -> tuple[int, int, int]:
        return (st.st_size, st.st_mtime_ns, st.st_ino)

    def get(self, file: Path, doc_path: str, kind: str, doc_id: str) -> Document | None:
        """The document with its model, if the file is unchanged since the model was kept."""
        try:
            stamp = self._stamp(file.stat())
            with open(self._entry(doc_path), "rb") as f:
                kept_path, kept_stamp, digest, model = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None
        if kept_path != doc_path or tuple(kept_stamp) != stamp:
            return None
        self.hits += 1
        return Document(file=file, path=doc_path, kind=kind, id=doc_id, digest=digest, stamp=stamp, model=model, from_cache=True)

    def save(self, docs: list[Document]) -> None:
        """Keep the model of every document that was read from its file this time."""
        fresh = [d for d in docs if d.model is not None and not d.from_cache and d.stamp is not None]
        if not fresh:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        for old in self.dir.parent.iterdir():
            if old != self.dir:
                shutil.rmtree(old, ignore_errors=True)
        for doc in fresh:
            # the stamp taken before the file was read: a file edited since is read again next time
            target = self._entry(doc.path)
            tmp = target.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump((doc.path, doc.stamp, doc.digest, doc.model), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
