"""Loading a whole corpus: each file parsed and validated once, on every core, kept in the model cache.

The stages read one file at a time (`stages.load.load_document`,
`stages.validate.validate_document`); this is how a build drives them over
thousands of files: files whose bytes are unchanged since they last validated
cleanly come from the model cache (`cache.ModelCache`) without being parsed,
and the others are parsed and validated in forked workers when there are many.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterator

from generator.errors import Problem
from generator.stages.load import Document, corpus_listing, kind_of, load_document


def load_file(file: Path, shown: str, rel: str, briefs_dir: Path, root: Path, cache=None, validate=None) -> tuple[Document | None, list[Problem]]:
    """One corpus file as `load_corpus` loads it: from the model cache while its bytes are unchanged,
    else parsed (and validated, its model added to the cache: the caller saves the cache)."""
    cached = cache.get(file, shown, kind_of(rel), file.stem) if cache is not None else None
    return (cached, []) if cached is not None else _parse_and_cache(file, briefs_dir, root, validate, cache)


PARALLEL_MIN_FILES = 400  # below this, forking workers costs more than it saves
_JOB: tuple | None = None  # what forked workers parse: (files, briefs_dir, root, validate, cache)


def _parse(file: Path, briefs_dir: Path, root: Path, validate, cache) -> tuple[Document | None, list[Problem], bytes | None]:
    """Parse and validate one file: the document, its problems, and, with a model cache,
    the bytes to cache of its model (`ModelCache.dump`; None if there are none to cache)."""
    doc, found = load_document(file, briefs_dir, root)
    blob = None
    if doc is not None and validate is not None:
        doc.model, doc.problems = validate(doc)
        doc.validated = True
        if doc.model is not None:
            doc.data = None  # the model holds it; positions are re-read from the file if needed
        if cache is not None:
            blob = cache.dump(doc, bool(found))
    return doc, found, blob


def _parse_and_cache(file: Path, briefs_dir: Path, root: Path, validate, cache) -> tuple[Document | None, list[Problem]]:
    """`_parse` in the loading process: the document and its problems, its model added to the cache."""
    doc, found, blob = _parse(file, briefs_dir, root, validate, cache)
    if blob is not None:
        cache.add(doc, blob)
    return doc, found


def _parse_chunk(start: int, stop: int) -> list[tuple[Document | None, list[Problem], bytes | None]]:
    """A worker's share. A model for the cache travels back as the bytes cached, pickled once for both."""
    files, briefs_dir, root, validate, cache = _JOB
    out = []
    for f in files[start:stop]:
        doc, found, blob = _parse(f, briefs_dir, root, validate, cache)
        if blob is not None:
            doc.model = None
        out.append((doc, found, blob))
    return out


def load_corpus(briefs_dir: Path, root: Path, cache=None, validate=None, workers: int | None = None) -> tuple[list[Document], list[Problem]]:
    """Parse every file under `briefs_dir`; problems of all files together.

    With `validate` (`models.validate_document`), each parsed file is
    validated right away, and many files are parsed and validated on every
    core. With a `cache.ModelCache` too, files whose bytes are unchanged since
    they last validated cleanly are not parsed: their documents come with
    their models; the others' models are cached for next time (the cache is saved).
    """
    global _JOB
    entries = corpus_listing(briefs_dir, root)
    files = [file for _, _, file in entries]
    slots: list[tuple[Document | None, list[Problem]] | None] = [None] * len(files)
    todo: list[int] = []
    for i, (shown, rel, file) in enumerate(entries):
        if cache is not None:
            cached = cache.get(file, shown, kind_of(rel), file.stem)
            if cached is not None:
                slots[i] = (cached, [])
                continue
        todo.append(i)
    pending = [files[i] for i in todo]
    workers = workers or os.cpu_count() or 1
    if workers > 1 and validate is not None and len(pending) >= PARALLEL_MIN_FILES and "fork" in multiprocessing.get_all_start_methods():
        _JOB = (pending, briefs_dir, root, validate, cache)
        try:
            size = -(-len(pending) // (workers * 4))
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                parts = [pool.submit(_parse_chunk, i, i + size) for i in range(0, len(pending), size)]
                results = []
                for part in parts:
                    for doc, found, blob in part.result():
                        if blob is not None:
                            doc.model = cache.model_of(blob)
                            cache.add(doc, blob)  # written while the workers go on
                        results.append((doc, found))
        finally:
            _JOB = None
    else:
        results = [_parse_and_cache(f, briefs_dir, root, validate, cache) for f in pending]
    if cache is not None:
        cache.save(present={shown for shown, _, _ in entries})
    for i, result in zip(todo, results):
        slots[i] = result
    docs = [doc for doc, _ in slots if doc is not None]
    problems = [p for _, found in slots for p in found]
    return docs, problems


def forked_map(fn, *iterables, workers: int | None = None) -> Iterator:
    """The builtin `map`, its calls run in forked worker processes, one per core, when there is more
    than one (the arguments and results travel pickled; the results come in order)."""
    jobs = list(zip(*iterables))
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from (fn(*job) for job in jobs)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(fn, *zip(*jobs))
