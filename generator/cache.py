"""Validated models of unchanged corpus files, kept between builds.

Parsing and validating every YAML file again is most of an incremental
build's work. After a file loads and validates without a problem its model is pickled under
the build folder (`build/.briefgen-cache/models/<code>/`) by whichever
process parsed it, with the file's
size, mtime and digest; the next build takes the model of a file whose size
and mtime are unchanged instead of reading it (as make does). `<code>` hashes
the generator's source and the pydantic version, so a new briefgen never reads
models an older one wrote. Only files that loaded and validated without any
problem are kept, so every error is still found and positioned by a real
parse. The cache is local scratch: delete the build folder to drop it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import sys
from pathlib import Path

import pydantic

from .load import Document, stamp_of

_CODE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def code_key() -> str:
    """A hash of briefgen's own source and the pydantic version: what every cache entry depends on."""
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{sys.version_info[:2]} {pydantic.VERSION}".encode())
    for f in sorted(_CODE.glob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
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


class ModelCache:
    def __init__(self, root: Path):
        self.root = root
        self.dir = root / "models" / code_key()
        self.hits = 0
        self._ready = False

    def _entry(self, doc_path: str) -> str:
        return os.path.join(self.dir, hashlib.blake2b(doc_path.encode(), digest_size=12).hexdigest() + ".pickle")

    def get(self, file: Path, doc_path: str, kind: str, doc_id: str) -> Document | None:
        """The document with its model, if the file is unchanged since the model was kept."""
        stamp = stamp_of(file)
        try:
            with open(self._entry(doc_path), "rb") as f:
                kept_path, kept_stamp, digest, model = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None
        if stamp is None or kept_path != doc_path or tuple(kept_stamp) != stamp:
            return None
        self.hits += 1
        return Document(file=file, path=doc_path, kind=kind, id=doc_id, digest=digest, stamp=stamp, model=model, from_cache=True)

    def put(self, doc: Document, had_problems: bool) -> bytes | None:
        """Keep the model of a document just read from its file, if it loaded and validated cleanly;
        the bytes kept (`model_of` reads the model back from them), or None."""
        if had_problems or doc.model is None or doc.problems or doc.stamp is None:
            return None
        if not self._ready:
            code_folder(self.dir.parent)
            self._ready = True
        # the stamp taken before the file was read: a file edited since is read again next time.
        # Written in place, not renamed into place (a temporary file and a rename per document took
        # twice as long for 13,500 entries): a torn or truncated entry fails to unpickle, which is a
        # miss, and anything after a complete pickle is never read.
        blob = pickle.dumps((doc.path, doc.stamp, doc.digest, doc.model), protocol=pickle.HIGHEST_PROTOCOL)
        with open(self._entry(doc.path), "wb") as f:
            f.write(blob)
        return blob

    @staticmethod
    def model_of(blob: bytes):
        """The model in bytes `put` kept."""
        return pickle.loads(blob)[3]
