"""Rendering the page list into the docs folder, incrementally and on every core.

`render` lists the pages (`output.pages`), fingerprints each by what it shows
(`incremental`), renders with the templates (`output.templating`) only the
pages whose fingerprint changed, writes a file only when its bytes change, and
removes the files no page claims any more; so an edit to one brief touches
only the pages it shows on. Large jobs run in forked workers that share the
corpus; the corpus-wide data exports start first, in a worker of their own.
"""

from __future__ import annotations

import multiprocessing
import os
import posixpath
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import jinja2

from generator.build import files, incremental, sealed, snapshot
from generator.build.exports import data_exports
from generator.config import Project, Settings
from generator.errors import ContentError, Problem
from generator.output import links, pages, templating
from generator.output.feed import FEED_PATH, atom_feed, has_feed
from generator.stages.analysis import Findings
from generator.stages.corpus import Corpus


def _write(path: Path, content: str | bytes | Iterable[bytes | files.Span]) -> bool:
    """Write only if the bytes differ; True when the file changed.

    Content in UTF-8 pieces (the corpus-wide exports, hundreds of MB) is streamed
    to a temporary file, compared with the old one and renamed over it if it differs.
    """
    if not isinstance(content, (str, bytes)):  # pieces: bytes, or spans of the file being replaced
        replaced = files.write_atomic(path, lambda out: files.write_pieces(out, content, same_as=str(path)), unless_same=True)
        if hasattr(content, "written"):  # the file's layout is kept for the next time (splice)
            content.written(path, replaced)
        return replaced
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


@dataclass
class RenderResult:
    written: list[str]  # files whose bytes changed
    unchanged: int  # files rendered again with the same bytes
    removed: list[str]  # files no page claims any more
    rendered: list[str] = field(default_factory=list)  # pages and data exports rendered (the others were fresh)
    skipped: int = 0  # pages and data exports whose inputs did not change


PARALLEL_MIN_PAGES = 400  # below this, starting worker processes costs more than it saves
_JOB: tuple | None = None  # what forked workers render: (project, pages, common, data exports)


Rendered = tuple[list[str], int, dict]  # the paths written, the count left unchanged, the links into raw HTML (`HtmlLinks.emitted`)


def _render_chunk(project: Project, page_list: list[pages.Page], common: dict) -> Rendered:
    """Render and write some pages in this process."""
    env = templating.environment(project, common["corpus"], _compiled(project))
    try:
        return _render_pages(project, page_list, common, env)
    finally:  # the environment is a reference cycle holding the corpus: it would live until the collector ran
        env.globals.clear()


def _render_pages(project: Project, page_list: list[pages.Page], common: dict, env: jinja2.Environment) -> Rendered:
    written, unchanged = [], 0
    for page in page_list:
        try:
            late = {name: make() for name, make in page.late.items()}
            text = env.get_template(page.template).render(**common, **page.context, **late, page_path=page.path,
                                                                page_dir=posixpath.dirname(page.path))
        except jinja2.TemplateError as e:
            raise ContentError([_template_problem(project, page, e)]) from None
        if _write(project.docs / page.path, text):
            written.append(page.path)
        else:
            unchanged += 1
    return written, unchanged, templating.html_links(env).take()


def _compiled(project: Project) -> sealed.CompiledTemplates:
    """Where the compiled page templates are kept, as the theme's are (`driver.build`)."""
    return sealed.CompiledTemplates(sealed.code_folder(project.cache / "templates"))


_WORKER_ENV: jinja2.Environment | None = None  # a page worker's environment, kept for all its chunks


def _chunk_job(start: int, stop: int) -> Rendered:
    global _WORKER_ENV
    project, page_list, common, _ = _JOB
    if _WORKER_ENV is None:  # once per worker: its references are formatted once for all its chunks
        _WORKER_ENV = templating.environment(project, common["corpus"], _compiled(project))
    return _render_pages(project, page_list[start:stop], common, _WORKER_ENV)


def _chunks(total: int, workers: int, smallest: int = 16) -> list[tuple[int, int]]:
    """Split `total` pages into chunks that shrink as the work runs out (guided scheduling):
    each takes a share of what is left, so the last ones are small and no worker
    finishes long after the others (pages differ in cost a hundredfold)."""
    out, start = [], 0
    while start < total:
        size = max(smallest, (total - start) // (workers * 3))
        out.append((start, min(total, start + size)))
        start += size
    return out


def _write_data(docs: Path, data: dict[str, tuple], only: set[str]) -> Rendered:
    """Make and write the data exports in `only` (`data`: `build.exports.data_exports`); the paths written and the count left unchanged."""
    written, unchanged = [], 0
    for rel in sorted(only):
        if _write(docs / rel, data[rel][1]()):
            written.append(rel)
        else:
            unchanged += 1
    return written, unchanged, {}


def _data_job(only: set[str]) -> Rendered:
    project, _, _, data = _JOB
    return _write_data(project.docs, data, only)


def _list_pages(corpus: Corpus, findings: Findings, settings: Settings, inputs: incremental.Inputs, salt: str,
                fingerprints: dict[str, str], fresh: Callable[[str, str], bool],
                last: snapshot.Snapshot | None = None) -> tuple[list[pages.Page], dict, bool]:
    """The pages to render, those not `fresh` (`Manifest.fresh`) on disk, with their contexts; every
    page's fingerprint put in `fingerprints`; the pages' state for a snapshot (`Snapshot.pages`:
    path -> fingerprint, tally of its inputs, its inputs or the briefs and items among them); and
    whether the inputs were declared afresh.

    Resumed from a snapshot taken with the same salt (`last`), the pages are the
    snapshot's, their inputs not declared: a page whose inputs held an edited file
    has its tally updated for the files' new tokens and is fingerprinted again; the
    others keep the snapshot's fingerprint. Only the pages to render are listed; if
    one of them is no longer a page, every page is declared afresh.
    """
    if last is not None and last.salt == salt:
        state = {}
        for path, (fp, tally, worded) in last.pages.items():
            if tally is None:  # draws on everything
                fp = inputs.fingerprint_of(salt, path, None)
            elif hit := [k for k in last.edited if k in worded]:
                xor = tally[1]
                for k in hit:
                    xor ^= last.edited[k] ^ inputs.token[k]
                tally = (tally[0], xor)
                fp = inputs.fingerprint_of(salt, path, tally)
            state[path] = (fp, tally, worded)
        stale = [path for path, (fp, _, _) in state.items() if not fresh(path, fp)]
        listed = list(pages.pages(corpus, findings, settings, only=stale))  # declaring nothing: the inputs are the snapshot's
        if len(listed) == len(stale):
            fingerprints.update((path, fp) for path, (fp, _, _) in state.items())
            return listed, state, False
    listed = list(pages.pages(corpus, findings, settings, inputs))
    state = {}
    for p in listed:
        tally = inputs.tally(p.inputs)
        fingerprints[p.path] = fp = inputs.fingerprint_of(salt, p.path, tally)
        state[p.path] = (fp, tally, p.inputs)
    return [p for p in listed if not fresh(p.path, fingerprints[p.path])], state, True


def render(project: Project, corpus: Corpus, findings: Findings, settings: Settings, workers: int | None = None,
           state: snapshot.Snapshot | None = None) -> RenderResult:
    """Write every page, static file and data export into the docs folder.

    Only pages whose inputs changed since the last render are rendered again
    (see `incremental`). Large jobs run on every core: forked workers share
    the corpus; the data exports of a large corpus start first, in a worker of
    their own, while this process lists the pages and workers render them.

    With a `state` (`snapshot`): resumed from the last build's, its files' links and
    its pages' inputs are used as they are; a new one (no `inputs` yet) is completed
    with them once the pages are listed, and saved.
    """
    global _JOB
    resumed = state if state is not None and state.inputs is not None else None
    inputs = resumed.inputs if resumed else incremental.Inputs(corpus)
    data = data_exports(corpus, findings, inputs, project.cache, project.docs, settings)
    highest = corpus.highest_tlp()
    salt = incremental.salt(project, settings, corpus.policy, highest)
    common = {"corpus": corpus, "findings": findings, "settings": settings, "highest_tlp": highest}
    workers = workers or os.cpu_count() or 1
    fork = workers > 1 and "fork" in multiprocessing.get_all_start_methods()
    # a Path: its bytes, read when written
    others: dict[str, str | bytes | Path] = {FEED_PATH: atom_feed(corpus, settings)} if has_feed(settings) else {}
    for rel, extra in pages.static_files(project).items():
        others[rel] = extra.read_bytes()
    others.update(pages.evidence_files(project, corpus))

    # what changed since the last render: the data exports first
    manifest = incremental.Manifest(project.cache, project.docs)
    fingerprints = {rel: inputs.fingerprint(salt, rel, spec) for rel, (spec, _) in data.items()}
    need_data = {rel for rel in data if not manifest.fresh(rel, fingerprints[rel])}
    # the longest jobs: each corpus-wide export (STIX, corpus.json) on its own, the small ones together
    whole = [{rel} for rel in sorted(need_data) if data[rel][0] is incremental.EVERYTHING]
    data_jobs = [only for only in [*whole, need_data.difference(*whole)] if only]

    try:
        with ExitStack() as pools:
            # a large corpus's exports start at once in a worker of their own, and run while
            # this process lists the pages and renders them (the exports cost about a page a brief);
            # resumed from a snapshot, few pages are rendered again: each export gets a worker, on every core
            data_parts = None
            if fork and data_jobs and len(corpus.briefs) >= PARALLEL_MIN_PAGES:
                _JOB = (project, [], common, data)
                data_workers = min(len(data_jobs), workers) if resumed else 1
                data_pool = pools.enter_context(ProcessPoolExecutor(max_workers=data_workers, mp_context=multiprocessing.get_context("fork")))
                data_parts = [data_pool.submit(_data_job, only) for only in data_jobs]

            page_list, pages_state, declared = _list_pages(corpus, findings, settings, inputs, salt, fingerprints, manifest.fresh, resumed)
            # the state to resume from next time, saved after a full listing, or once many briefs were
            # edited since the snapshot (each resumed build patches them all in)
            if state is not None:
                state.inputs, state.salt, state.pages = inputs, salt, pages_state
                if declared or state.edited_briefs >= snapshot.REFRESH_AFTER:
                    state.save(project.cache)

            if fork and len(page_list) >= PARALLEL_MIN_PAGES:
                _JOB = (project, page_list, common, data)  # what the page workers, forked from here on, see
                pool = pools.enter_context(ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")))
                parts = [pool.submit(_chunk_job, start, stop) for start, stop in _chunks(len(page_list), workers)]
                results = [f.result() for f in parts]
            else:
                results = [_render_chunk(project, page_list, common)]
            if data_parts is None:
                results.append(_write_data(project.docs, data, need_data))
            else:
                results += [f.result() for f in data_parts]
    finally:
        _JOB = None

    written = [path for w, _, _ in results for path in w]
    unchanged = sum(u for _, u, _ in results)
    for rel, content in others.items():
        if _write(project.docs / rel, content.read_bytes() if isinstance(content, Path) else content):
            written.append(rel)
        else:
            unchanged += 1
    expected = set(fingerprints) | set(others)  # every page and data export, listed or not
    removed = _prune(project.docs, expected)
    # the links mkdocs no longer sees, in raw HTML: checked now that every page is written, before
    # the pages are recorded as rendered (a failed build renders them again)
    emitted: dict = {}
    for _, _, e in reversed(results):  # the first page (in page list order) to link to a target is the one shown
        emitted.update(e)
    problems = links.check(emitted, expected, project.docs, _shown(project, project.docs))
    if problems:
        raise ContentError(problems)
    for p in page_list:
        manifest.record(p.path, fingerprints[p.path])
    for rel in need_data:
        manifest.record(rel, fingerprints[rel])
    manifest.save(current=set(fingerprints))
    rendered = sorted([p.path for p in page_list] + list(need_data))
    return RenderResult(sorted(written), unchanged, removed, rendered, len(fingerprints) - len(rendered))


def _prune(docs: Path, expected: set[str]) -> list[str]:
    """Remove the files under `docs` that no page claims any more, then the folders left empty;
    the paths removed, in reverse order. Walked with `os.scandir` and string paths, which are
    much faster than pathlib over a docs folder of thousands of files."""
    removed: list[str] = []

    def walk(folder: str, prefix: str) -> bool:  # whether the folder is empty afterwards
        empty = True
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if walk(entry.path, rel + "/"):
                        os.rmdir(entry.path)
                    else:
                        empty = False
                elif rel in expected:
                    empty = False
                else:
                    os.unlink(entry.path)
                    removed.append(rel)
        return empty

    if docs.is_dir():
        walk(str(docs), "")
    return sorted(removed, reverse=True)


def _shown(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return path.as_posix()


def _template_problem(project: Project, page: pages.Page, error: jinja2.TemplateError) -> Problem:
    """Point at the template line that failed (Jinja2 keeps it in the traceback)."""
    found = [d / page.template for d in project.template_dirs if (d / page.template).is_file()]
    where, line = (found or [project.templates / page.template])[0], getattr(error, "lineno", None) or 1
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where, line = Path(tb.tb_frame.f_code.co_filename), tb.tb_lineno
        tb = tb.tb_next
    try:
        shown = where.relative_to(project.root).as_posix()
    except ValueError:
        shown = where.as_posix()
    return Problem(shown, line, 1, f"template: {error.message or error} (rendering {page.path})")
