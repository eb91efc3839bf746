"""Archived copies kept as files: each one a published item cites must be there, and be what it was.

A source, claim or analysis may give `archive: {url, captured, sha256}`; its
`url` is a web address or a file under the project's `evidence/` folder
(`format.models.ArchiveUrl`). For every item this build publishes whose
archive is such a file, the file must exist inside that folder (a symbolic
link leading out of it is refused: the site would publish what it points at),
and when `sha256` is given, the file's bytes must hash to it. Each failure is
an error at the item's `archive` field.

Only published items count: their files are the ones the site copies and
links (`cited`); a withheld item's evidence is neither checked nor published.
The check reads the files on every validate and build, resumed builds
included (`build.driver`): the corpus files say nothing of an evidence file's
bytes, which can change while every brief stays the same.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator

from generator.errors import Problem
from generator.format.models import EVIDENCE, Archive, evidence_path
from generator.stages.corpus import Corpus


def archives(corpus: Corpus) -> Iterator[tuple[str, str, Archive]]:
    """(namespace, id, archive) of every published source, claim and analysis that gives one, in corpus order;
    the namespace is `Corpus.problem`'s (source, or item for a brief's claims and analyses)."""
    for source_id, source in corpus.sources.items():
        if source.archive is not None:
            yield "source", source_id, source.archive
    for brief in corpus.briefs.values():
        for item in (*brief.claims, *brief.analyses):
            if item.archive is not None:
                yield "item", item.id, item.archive


def cited(corpus: Corpus) -> list[str]:
    """The paths (`evidence/...`, from the project's folder) of the evidence files published items cite, sorted."""
    return sorted({path for _, _, a in archives(corpus) if (path := evidence_path(a.url)) is not None})


def _digest(file: Path) -> str:
    h = hashlib.sha256()
    with open(file, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _examine(root: Path, path: str) -> tuple[str | None, str | None]:
    """The SHA-256 of the evidence file at `path` under `root`; or None and why it cannot be published."""
    folder = (root / EVIDENCE).resolve()
    file = root / path
    try:
        real = file.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a dangling link, a loop of links
        return None, f"{path} does not exist: keep the archived copy at that path under the project, or correct the path"
    if not real.is_relative_to(folder):
        return None, f"{path} leads out of the {EVIDENCE}/ folder (a symbolic link): only files kept in it are published"
    if not real.is_file():
        return None, f"{path} is not a file"
    try:
        return _digest(real), None
    except OSError as e:
        return None, f"{path} cannot be read: {e.strerror or e}"


def check(corpus: Corpus, root: Path) -> list[Problem]:
    """Every problem of the evidence files the published items of `corpus` cite, `root` being the project's folder."""
    problems = []
    seen: dict[str, tuple[str | None, str | None]] = {}  # each file read once, however many items cite it
    for namespace, item_id, archive in archives(corpus):
        path = evidence_path(archive.url)
        if path is None:
            continue
        if path not in seen:
            seen[path] = _examine(root, path)
        digest, why = seen[path]
        if why is not None:
            problems.append(corpus.problem(namespace, item_id, ("archive", "url"), f"archive.url: {why}", level="error"))
        elif archive.sha256 is not None and archive.sha256 != digest:
            problems.append(corpus.problem(namespace, item_id, ("archive", "sha256"),
                f"archive.sha256: {path} does not hash to it (its SHA-256 is {digest}): the file changed since it was "
                "captured, or the digest is wrong", level="error"))
    return problems
