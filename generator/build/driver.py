"""What each command runs, as named steps.

    validate   load every corpus file and validate it (stages.load, stages.validate),
               resolve the corpus and what may be published (stages.corpus), check the
               evidence files its published items cite (stages.evidence), analyse it
               (stages.analysis)
    generate   validate, read the briefs' history from git (stages.history), then render the
               pages and data exports into the docs folder (output.pages through build.render)
    build      generate, then build the site with mkdocs, index it for search, check it
               for leaks and swap it in (site.mkdocs)

The machinery of this folder makes the steps faster without making them
different: unchanged files come from the model cache (`loading`), a build
after an edit to the words of published briefs resumes from the last one's
state (`snapshot`) instead of validating again, only the pages that show an
edited file are rendered again (`render`, `incremental`), and mkdocs builds
only the pages whose Markdown changed, keeping the last site's others (`reuse`),
and a build with many pages to make gives part of them to a second process (`split`).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from generator.build import loading, render, reuse, sealed, snapshot, split
from generator.build.cache import Memo, ModelCache
from generator.config import Project, Settings
from generator.errors import ContentError
from generator.site import mkdocs
from generator.site.leaks import LeakCheck
from generator.stages import analysis, corpus, evidence, history
from generator.stages.corpus import Corpus, Policy
from generator.stages.validate import validate_document


@dataclass
class Generated:
    corpus: Corpus
    findings: analysis.Findings
    rendered: render.RenderResult | None = None
    files: dict[str, str] | None = None  # every corpus file's digest (`snapshot.files_of`)
    resumed: bool = False  # from the last build's snapshot, not loaded and validated again
    edited: int = 0  # resumed: the briefs whose words changed since that snapshot
    pages: tuple[int, int] | None = None  # built: the site's pages, and how many of them mkdocs built


def policy_for(settings: Settings, max_tlp: str | None = None, drafts: bool | None = None) -> Policy:
    return Policy(max_tlp=max_tlp or settings.max_tlp, drafts=settings.drafts if drafts is None else drafts,
                  require_review=settings.require_review)


@contextmanager
def collector_paused(collect: bool = False) -> Iterator[None]:
    """The one policy for Python's cyclic garbage collector: paused while a step runs, then what the
    step made is frozen out of its sight.

    A step makes millions of long-lived objects and next to no cyclic garbage: the
    collector, triggered by allocations alone, would walk that growing heap again and
    again, and a collection in a forked worker would copy the memory it shares with
    this process. Reference counting still frees everything acyclic.

    With `collect`, the step's cyclic garbage is collected before the freeze, which would
    otherwise keep it for as long as the process runs: a process that builds again and
    again (the preview) asks for it. Whatever an earlier step froze is not walked again.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collect:
            gc.collect()
        gc.freeze()
        if was:
            gc.enable()


def validate(project: Project, policy: Policy, use_cache: bool = True, with_history: bool = False,
             cache: Path | None = None) -> Generated:
    """Load and check the corpus; raises ContentError with every problem.

    Files unchanged since they last validated cleanly are taken from the
    model cache in `cache` (by default the build folder's) instead of being
    parsed again. With `with_history`, the briefs' history is read from git
    too (`read_history`), its memo kept in the same cache.
    """
    with collector_paused():
        models = ModelCache(cache or project.cache) if use_cache else None
        docs, problems = loading.load_corpus(project.briefs, project.root, models, validate=validate_document)
        published = corpus.build_corpus(docs, policy, problems)
        check_evidence(project, published)
        if with_history:
            read_history(project, published, cache)
        return Generated(published, analysis.analyse(published), files=snapshot.files_of(docs))


def check_evidence(project: Project, published: Corpus) -> None:
    """The evidence files the published items cite, read and hashed (`stages.evidence`); raises ContentError.
    A step of its own, run by a resumed build too: no corpus file tells when an evidence file changed."""
    problems = evidence.check(published, project.root)
    if problems:
        raise ContentError(problems)


def read_history(project: Project, published: Corpus, cache: Path | None = None) -> None:
    """The published briefs' history from git, into `published.history`; what it read of git's
    objects is kept in the build cache, by blob and by the commit the log was read up to. Versions
    not read before are read and parsed on every core."""
    memo = Memo(cache or project.cache, "history")
    published.history = history.read(project.root, published, memo, loading.forked_map)
    memo.save()


def generate(project: Project, settings: Settings, policy: Policy, workers: int | None = None,
             kept: snapshot.Kept | None = None) -> Generated:
    """Validate, analyse and write the Markdown pages into the docs folder;
    or, when only the words of published briefs changed, resume from the last build,
    or from the state `kept` in this process by the last one that rendered."""
    with collector_paused(collect=kept is not None):
        state = snapshot.resume(project, policy, ModelCache(project.cache), kept)
        if state is not None:
            check_evidence(project, state.corpus)
            result = Generated(state.corpus, state.findings, files=state.files, resumed=True, edited=state.edited_briefs)
        else:
            result = validate(project, policy)
            state = snapshot.Snapshot(policy, result.files, result.corpus, result.findings)
        read_history(project, result.corpus)
        if result.resumed:
            snapshot.history_read(state)
        result.rendered = render.render(project, result.corpus, result.findings, settings, workers, state)
        if kept is not None:
            kept.keep(project.cache, state)
    return result


def build(project: Project, settings: Settings, policy: Policy, site_dir: Path, full: bool = False,
          pagefind: bool = True, kept: snapshot.Kept | None = None) -> Generated:
    """Generate, then build the site with mkdocs, keeping the last site's pages whose Markdown did
    not change (unless `full`); the leak check guards the swap. Without `pagefind` (the preview)
    the site's search is its offline index. A project's own mkdocs.yml is checked first (`mkdocs.check_config`).
    `kept`: the generator's state between the builds of one process (`generate`)."""
    problems = mkdocs.check_config(project)
    if problems:
        raise ContentError(problems)
    last = reuse.LastSite(project, site_dir, full=full)
    last.start()  # the last site's files are linked into a scratch folder while the generator runs
    try:
        result = generate(project, settings, policy, kept=kept)
        highest_tlp = result.corpus.highest_tlp()
        read = Memo(project.cache, "leak-check")  # what the check read of each corpus file, by its bytes
        check = LeakCheck(project, policy, read, loading.forked_map)  # reads the corpus files again: never the models the build used
        last.key, last.check = reuse.site_key(project, settings, policy, highest_tlp), check
        try:
            compiled = sealed.CompiledTemplates(sealed.code_folder(project.cache / "templates"))
            result.pages = mkdocs.build_site(project, settings, site_dir, check=check, highest_tlp=highest_tlp,
                                             epoch=result.corpus.latest_epoch(), reuse=last, pagefind=pagefind,
                                             compiled=compiled, helper=split.Halves(project))
        finally:
            read.save()
    finally:
        last.stop()
    return result
