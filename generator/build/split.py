"""Two processes for mkdocs: a build with many pages to make builds part of them in a second one.

mkdocs builds a site on one core, and in a cold build it is the longest step,
with nothing else to run beside it. `Halves` (the `site.mkdocs.Helper` of a
build) divides the pages mkdocs would build between the build's process and
a forked one, by the size of their Markdown, using mkdocs' own dirty mode:
each process finds in its folder an empty file in place of every page the
other builds (as new as the page's Markdown, so mkdocs takes it for built)
and builds only its own. The second process builds into a folder of its own
beside the scratch folder; its pages are then moved into the scratch folder
over their empty stand-ins, its search entries join the build's, and the
links between the two halves' pages are checked for anchors as one mkdocs
run would have checked them. Every page is rendered with the whole site's
files and navigation, so the site is the one a single process would build,
byte for byte (tests/test_split.py).

The split is made only where a fork is safe (a platform that forks, a build
with no other thread) and when there is enough Markdown to build that the
second process's fixed work (reading the configuration and the theme,
listing the files, writing the theme's assets) is small beside what it takes
over.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import tempfile
import threading
import traceback
from pathlib import Path
from typing import Callable

from generator.build import reuse
from generator.config import Project
from generator.errors import ContentError, Problem
from generator.site.mkdocs import Built
from generator.site.swap import discard

MIN_BYTES = 4_000_000  # of Markdown to build, below which one process builds it all
_RESULT = ".briefgen-split-result"  # what the second process hands back, in its folder


def _stand_in(folder: Path, dest: str, st: os.stat_result) -> None:
    """An empty file at `dest`, dated as the Markdown it stands for: mkdocs' dirty mode builds a page only
    if its output is missing or older than its Markdown. Never over a file that is there: a page kept
    from the last site is a link to the published one."""
    path = folder / dest
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:  # two files of the docs folder with one output (mkdocs warns of it): one stand-in
        return
    os.utime(path, ns=(st.st_mtime_ns, st.st_mtime_ns))


class Halves:
    """A second process for part of a build's pages (see above)."""

    def __init__(self, project: Project, min_bytes: int | None = None):
        self.project = project
        self.min_bytes = MIN_BYTES if min_bytes is None else min_bytes
        self.folder: Path | None = None
        self.pid: int | None = None
        self.theirs: list[str] = []  # the outputs the second process builds, by their path in the site

    @staticmethod
    def can_fork() -> bool:
        return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1

    def _plan(self, scratch: Path) -> tuple[list[tuple[str, str, os.stat_result]], list[tuple[str, str, os.stat_result]]]:
        """Every file of the docs folder (its path, its output's, its stat), and of them the pages mkdocs
        would build into `scratch`, largest first. Dot files and folders are left out, as mkdocs leaves them."""
        listed = {rel: st for rel, st in reuse.files_under(self.project.docs).items()
                  if not any(part.startswith(".") for part in rel.split("/"))}
        files = [(rel, dest, listed[rel]) for rel, dest in reuse.output_paths(self.project, listed).items()]
        # an output there is a page kept from the last site: this build's process decides, as without a split
        pages = [f for f in files if f[0].endswith(".md") and not os.path.lexists(scratch / f[1])]
        pages.sort(key=lambda page: (-page[2].st_size, page[0]))
        return files, pages

    def start(self, scratch: Path, run: Callable[[Path], Built]) -> bool:
        if not self.can_fork():
            return False
        files, pages = self._plan(scratch)
        if sum(st.st_size for _, _, st in pages) < self.min_bytes:
            return False
        # each page to the process with less Markdown so far, the largest first
        load, theirs = [0, 0], set()
        for rel, dest, st in pages:
            half = 0 if load[0] <= load[1] else 1
            load[half] += st.st_size
            if half:
                theirs.add(rel)
        self.theirs = list(dict.fromkeys(dest for rel, dest, _ in pages if rel in theirs))
        self.folder = Path(tempfile.mkdtemp(prefix=f".{scratch.name}-split-", dir=scratch.parent))
        try:
            pid = os.fork()
        except OSError:  # no process to spare (a limit reached): one process builds every page
            self.close()
            return False
        if pid == 0:
            self._second(run, files, theirs)
        self.pid = pid
        for rel, dest, st in pages:
            if rel in theirs:
                _stand_in(scratch, dest, st)
        return True

    def _second(self, run: Callable[[Path], Built], files: list[tuple[str, str, os.stat_result]], theirs: set[str]) -> None:
        """The second process: its mkdocs finds everything of the docs folder built but its own pages. Never returns."""
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the build's process, which ends this one
        try:
            # a stand-in for every other file, a page or not: the data exports need no copy here
            for rel, dest, st in files:
                if rel not in theirs:
                    _stand_in(self.folder, dest, st)
            built = run(self.folder)
            result = ("built", built.index.entries, built.anchors.present, built.anchors.unchecked)
        except ContentError as e:
            result = ("problems", e.problems)
        except BaseException:
            result = ("error", traceback.format_exc())
        try:
            with open(self.folder / _RESULT, "wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            os._exit(0)

    def finish(self, scratch: Path, built: Built) -> None:
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            with open(self.folder / _RESULT, "rb") as f:
                result = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            raise RuntimeError(f"the second mkdocs process ended without a result (status {status})")
        if result[0] == "problems":
            raise ContentError(result[1])
        if result[0] == "error":
            raise RuntimeError(f"the second mkdocs process failed:\n{result[1]}")
        _, entries, present, unchecked = result
        made: set[Path] = set()
        for dest in self.theirs:
            try:
                os.replace(self.folder / dest, scratch / dest)
            except FileNotFoundError:  # a page mkdocs does not build (exclude_docs): its stand-in goes
                (scratch / dest).unlink()
                made.add((scratch / dest).parent)
        for folder in sorted(made, key=lambda p: len(p.parts), reverse=True):
            while folder != scratch and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        built.index.entries.update(entries)
        messages = built.anchors.cross_check(present, unchecked)
        if messages:
            raise ContentError([Problem(self.project.mkdocs_yml.name, 1, 1, f"mkdocs: {m}") for m in messages])

    def close(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.pid = None
        if self.folder is not None:
            discard(self.folder)  # a folder for every page of the other half: removed by a process of its own
            self.folder = None
