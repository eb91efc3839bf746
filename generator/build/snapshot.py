"""The published corpus, its analysis and its pages' inputs, kept between builds.

After a build that listed every page, the state it rendered from is pickled in
the build cache (`build/.briefgen-cache/snapshot.<code>.pickle`, sealed: see
`sealed`): the digest of every corpus file, the published corpus, the findings,
the files' links and tokens (`incremental.Inputs`) and, for each page, its
fingerprint, the tally of its inputs and the briefs and items among them. Loading it is
several times faster than loading, validating and analysing the corpus again
(docs/benchmarks.md).

The next build *resumes* from it (`resume`) when every corpus file whose bytes
changed since (each file is read and its digest compared) is a published brief
that still loads and validates cleanly and keeps its shape
(`incremental.shape_of`: the same ids, sources, dates, grades, ratings, links,
marking and status; only words changed). Then the ids, the references, what is
published, the backlinks, the timeline, the Admiralty grid, the contradictions
and which pages exist with which inputs are all as they were, and only these
change: the edited briefs' models in the corpus, the text of their rows in the
ACH matrices (made again for the questions they bear on), and their files'
digests. Only the pages whose inputs hold an edited file are fingerprinted
again; every other page keeps the fingerprint it had when the snapshot was
taken (so a page rendered from an edit since reverted is rendered again too).

A resumed build does not write a new snapshot (pickling it would cost about as
much as the rest of the edit's build), so the edits since the snapshot add up, and each resumed
build patches them all in; once they reach `REFRESH_AFTER` briefs, the
resumed build writes its state as the new snapshot.

A process that builds again and again (`briefgen serve`) keeps the state of its
last good build in memory (`Kept`) and resumes from that instead: it is the
snapshot as it would be saved after that build, so it is not read and
unpickled again, and only the edits since that build are patched in.

Anything else takes the full path (load, validate, analyse), which reports
every problem with its position and writes a new snapshot: a new, removed or
renamed file, an edited actor, source or question, a withheld brief, a brief
whose shape changed, a file with a problem, another publishing policy, another
briefgen, other templates or settings (`render` compares the salt).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from generator.build import incremental, sealed
from generator.build.loading import load_file
from generator.config import Project
from generator.stages import analysis
from generator.stages.analysis import Findings
from generator.stages.corpus import Corpus, Policy
from generator.stages.load import Document, corpus_listing, file_digest
from generator.stages.validate import validate_document

REFRESH_AFTER = 100  # briefs edited since the snapshot, above which a resumed build writes a new one


@dataclass
class Snapshot:
    policy: Policy
    files: dict[str, str]  # every corpus file, as shown -> the digest of its bytes when loaded
    corpus: Corpus
    findings: Findings
    # filled in by `render` when it lists the pages: path -> (fingerprint, tally of its inputs, its inputs);
    # saved with only the briefs and items among the inputs (None for a page drawing on everything)
    inputs: incremental.Inputs | None = None
    salt: str = ""
    pages: dict[str, tuple[str, tuple[int, int] | None, frozenset[str] | None]] = field(default_factory=dict)
    # set by `resume`, never saved: the key of each file edited since the snapshot was taken, and of each
    # item of theirs that changed -> its token then
    edited: dict[str, int] = field(default_factory=dict)

    @property
    def edited_briefs(self) -> int:
        """How many briefs were edited since the snapshot was taken."""
        return sum(k.startswith("brief:") for k in self.edited)

    def save(self, cache: Path) -> None:
        """Written with each page's briefs and items only: an edit that keeps every shape changes no other
        key's token (the inputs of all pages are many times more keys than the briefs among them). They
        replace the pages' inputs here too, as a state kept in memory (`Kept`) needs no more than a saved one."""
        worded = self.inputs.worded
        self.pages = {p: (fp, tally, None if inputs is None else worded.intersection(inputs))
                      for p, (fp, tally, inputs) in self.pages.items()}
        sealed.replace_pickle(cache, "snapshot", dataclasses.replace(self, edited={}))


class Kept:
    """The state of this process's last good build, to resume the next build from (see the module's
    docstring). A build patches the state it resumes from in place, so it takes the state out and
    gives it back only once its pages are rendered: a build that fails leaves none, and the next
    resumes from the saved snapshot."""

    def __init__(self) -> None:
        self._state: tuple[Path, Snapshot] | None = None

    def take(self, cache: Path) -> Snapshot | None:
        kept, self._state = self._state, None
        return kept[1] if kept is not None and kept[0] == cache else None

    def keep(self, cache: Path, state: Snapshot) -> None:
        """`state` as the last build rendered from: its pages' fingerprints current, nothing edited since."""
        state.edited = {}
        if state.inputs is not None:
            state.inputs.settle()
        self._state = (cache, state)


def _load(cache: Path) -> Snapshot | None:
    return sealed.load_pickle(sealed.cache_pickle(cache, "snapshot"), None, Snapshot)


def resume(project: Project, policy: Policy, models=None, kept: Kept | None = None) -> Snapshot | None:
    """The last build's state with the files edited since patched in, or None when the
    full path must run (see the module's docstring). `models`: the `cache.ModelCache`,
    saved with the models of the files read again. `kept`: the state of this process's
    last good build, resumed from instead of the saved snapshot, and kept there when the
    full path must run (nothing of it changed), in case that fails."""
    last = kept.take(project.cache) if kept is not None else None
    try:
        state = _resume(project, policy, models, last or _load(project.cache))
        if state is None and last is not None:
            kept.keep(project.cache, last)
        return state
    finally:
        if models is not None:
            models.save()


def _resume(project: Project, policy: Policy, models, last: Snapshot | None) -> Snapshot | None:
    """`last` with the files edited since patched in; it is left as it was when the answer is None."""
    listing = corpus_listing(project.briefs, project.root)
    if last is None or last.policy != policy or last.inputs is None or len(listing) != len(last.files):
        return None
    changed: list[Document] = []
    for shown, rel, file in listing:
        was = last.files.get(shown)
        if was is None:
            return None  # a file added, removed or renamed
        if file_digest(file) == was:
            continue
        doc, problems = load_file(file, shown, rel, project.briefs, project.root, models, validate_document)
        if doc is None or problems or doc.problems or doc.model is None:
            return None  # the full path reports it, with every other problem
        if doc.digest != was:  # else changed back since it was read a moment ago
            changed.append(doc)
    corpus = last.corpus
    for doc in changed:
        old = corpus.briefs.get(doc.id) if doc.kind == "brief" else None
        if old is None or ("brief", doc.id) not in corpus.origins or incremental.shape_of(doc.model) != incremental.shape_of(old):
            return None
    items = {}
    for doc in changed:
        _patch(last, doc)
        last.files[doc.path] = doc.digest
        items.update((k, t) for k, t in incremental.item_tokens(doc.id, doc.model).items() if last.inputs.items[k] != t)
    keys = {incremental.key("brief", doc.id): doc.digest for doc in changed}
    last.edited = {k: last.inputs.token[k] for k in (*keys, *items)}
    last.inputs.edited(keys, items)
    return last


def history_read(last: Snapshot) -> None:
    """After the briefs' history is read into a resumed corpus: the briefs whose history changed
    since the snapshot (a commit, a first edit since one) count as edited, as their pages show it."""
    inputs = last.inputs
    changed = {k: d for k, d in incremental.brief_digests(last.corpus).items() if inputs.digest.get(k) != d}
    for k in changed:
        last.edited.setdefault(k, inputs.token[k])
    if changed:
        inputs.edited(changed)


def _patch(last: Snapshot, doc: Document) -> None:
    """A brief's new model, of the same shape, in place of the old one, and the matrices it bears on."""
    corpus = last.corpus  # the brief's new model, with the same ids, in place of the old one
    corpus.briefs[doc.id] = doc.model
    corpus.origins[("brief", doc.id)] = (doc, ())
    corpus.place_items(doc.id, doc.model)
    brief = doc.model
    questions = {last.corpus.question_of[h] for item in (*brief.claims, *brief.analyses) for h in item.assessments}
    for q in questions:  # made again from the same evidence in the same order: only a row's text differs
        rows = last.findings.matrices[q].rows
        last.findings.matrices[q] = analysis.matrix(corpus, q, [corpus.claims[r.id] if r.id in corpus.claims else corpus.analyses[r.id] for r in rows])


def files_of(docs: list[Document]) -> dict[str, str]:
    """What a snapshot keeps of the loaded files: each one's digest."""
    return {d.path: d.digest for d in docs}
