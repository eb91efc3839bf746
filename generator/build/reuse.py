"""What a build keeps of the last site: the pages whose Markdown did not change.

After an edit the generator rewrites only the Markdown files that changed, and
almost every page of the site would come out of mkdocs as it did the last
time. `LastSite` (the `site.mkdocs.Reuse` of a build) hard-links those pages'
output from the site in place into the build's scratch folder, copies the
site's other files (the theme's assets, the sitemap: mkdocs writes some of
them again, and must not write into the site in place), and lets mkdocs'
dirty mode build only the pages left out. The offline search index is then
completed with the kept pages' entries, saved by the last build.

Nothing is kept on trust. The record of the last build (`SiteRecord`) is
sealed in the build cache; every file of the site must be the very one that
build wrote (same inode, size and mtime), or nothing is kept; a page is kept
only if its Markdown holds the same bytes (by digest) as when it was built and
is not newer than its output (else mkdocs would write into the kept file);
and anything a page may show beyond its own Markdown (briefgen's code,
mkdocs.yml, site_config and the settings, the templates, the theme's
overrides, the installed mkdocs and theme) is a key that, when it changes,
makes a full build. Kept pages are read by the leak check again only when
what it looks for changed.

Linking a large site's files takes seconds, and the generator, which runs
first, leaves a core idle much of the time: `start` links every file of the
last site into a folder of its own, in a thread, while the generator runs;
`keep` then takes out of it the pages that changed and moves the rest into the
build's scratch folder, with the same result as linking them then.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import threading
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from generator.build import incremental, sealed
from generator.build.files import file_stamp
from generator.config import Project, Settings
from generator.errors import ContentError, Problem
from generator.site import search
from generator.site import swap
from generator.site.leaks import LeakCheck
from generator.site.swap import STAMP
from generator.stages.corpus import Policy
from generator.stages.load import file_digest

_PACKAGES = ("mkdocs", "mkdocs-material", "pymdown-extensions")  # what `incremental.salt` does not name


@dataclass
class SiteRecord:
    key: str  # what every page depends on beyond its own Markdown (`site_key`)
    docs: dict[str, tuple[list[int], str]]  # each Markdown or other file of the docs folder: its stamp and digest, as built
    outputs: dict[str, list[int]]  # each file of the site, but the stamp: its stamp once in place
    entries: dict[str, dict]  # each page's entry in the offline search index, by URL
    leaks: str | None  # the key of the leak check the site passed


def site_key(project: Project, settings: Settings, policy: Policy, highest_tlp: str) -> str:
    """What every page of the site depends on, beyond its own Markdown, as a hash: what every generated
    file does (`incremental.salt`: briefgen, the templates, site_config, mkdocs.yml, the settings),
    and the installed mkdocs and theme, and the theme's overrides (`Project.override_dirs`) wherever they are."""
    h = hashlib.blake2b(incremental.salt(project, settings, policy, highest_tlp).encode(), digest_size=16)
    for name in _PACKAGES:
        try:
            h.update(f"{name} {metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} -\0".encode())
    for folder in project.override_dirs:  # the project's and briefgen's own, in the order they are looked up
        incremental.hash_folder(h, project, "overrides", folder)
    return h.hexdigest()


def _same(st: os.stat_result, stamp: list[int]) -> bool:
    """`st` is the file of `stamp` (a `file_stamp`), unwritten since: same inode, size and mtime. Not its
    ctime, which linking the file into a build's scratch folder changes."""
    return (st.st_size, st.st_mtime_ns, st.st_ino) == (stamp[0], stamp[1], stamp[3])


def files_under(top: Path) -> dict[str, os.stat_result]:
    """Every file under `top` (`swap.entries`), by its path in it, with its `stat` (not following links)."""
    return {rel: entry.stat(follow_symlinks=False) for rel, entry in swap.entries(top).items()}


def output_paths(project: Project, sources) -> dict[str, str]:
    """Where mkdocs writes each of these files of the docs folder, by their paths in it."""
    docs, directory_urls = str(project.docs), bool(project.mkdocs_options.get("use_directory_urls", True))
    return {src: _output_path(src, docs, directory_urls) for src in sources}


@functools.cache  # the preview asks again for every file of the docs folder on every build
def _output_path(src: str, docs: str, directory_urls: bool) -> str:
    from mkdocs.structure.files import File

    return File(src, docs, docs, directory_urls).dest_uri


_REMOVED_AT_ONCE = 64  # folders of a scratch folder `stop` removes before it returns; more are removed in the background


@dataclass
class LastSite:
    """The `mkdocs.Reuse` of a build into `site_dir`: keeps what it can of the site there (see above)."""

    project: Project
    site_dir: Path
    key: str | None = None  # the `site_key` of this build, known once the generator has run
    check: LeakCheck | None = None
    full: bool = False  # keep nothing (`briefgen build --full`), but record this build for the next
    name: str = field(init=False)
    last: SiteRecord | None = field(init=False, default=None)
    docs: dict[str, tuple[list[int], str]] = field(init=False, default_factory=dict)
    linked: dict[str, list[int]] = field(init=False, default_factory=dict)
    _early: threading.Thread | None = field(init=False, default=None)
    _placed: tuple[Path, int | None, SiteRecord | None] | None = field(init=False, default=None)  # `start`'s folder, lock and record
    _made: set[str] = field(init=False, default_factory=set)  # the folders `_place` made
    _halt: threading.Event = field(init=False, default_factory=threading.Event)

    def __post_init__(self):
        # one record a site folder, named by where it is from the project: a project moved keeps its record
        where = os.path.relpath(self.site_dir.resolve(), self.project.root.resolve())
        self.name = "site-" + hashlib.blake2b(where.encode(), digest_size=8).hexdigest()

    def _read_docs(self, last: dict[str, tuple[list[int], str]]) -> None:
        """The docs folder's files with their digests; a file whose stamp is the one recorded keeps its digest."""
        for rel, st in files_under(self.project.docs).items():
            stamp = file_stamp(st)
            was = last.get(rel)
            self.docs[rel] = (stamp, was[1] if was is not None and was[0] == stamp else file_digest(self.project.docs / rel))

    def _load(self) -> SiteRecord | None:
        """The last build's record, if the site is still the one it left: every file, and only those, as it wrote them."""
        last = None if self.full else sealed.load_pickle(sealed.cache_pickle(self.project.cache, self.name), None, SiteRecord)
        if last is None:
            return None
        site = files_under(self.site_dir)
        site.pop(STAMP, None)
        if site.keys() != last.outputs.keys() or not all(_same(st, last.outputs[rel]) for rel, st in site.items()):
            return None  # the site is not the one the last build left
        return last

    def _place(self, last: SiteRecord, folder: Path, made: set[str], halt: threading.Event | None = None) -> None:
        """Every file of the last site but the offline index into `folder`: a page's output linked, the theme's
        assets and the sitemap copied (mkdocs writes some of them again, and must not write into the site).
        `made` gathers the folders made; `halt`, once set, stops it."""
        dest = self._outputs(last.docs)
        for rel in last.outputs:
            if halt is not None and halt.is_set():
                return
            if rel.startswith(search.WRITTEN):
                continue
            parent = os.path.dirname(rel)
            if parent not in made:  # made once each: a kept site has as many folders as pages
                os.makedirs(folder / parent, exist_ok=True)
                made.add(parent)
            if rel not in dest:
                shutil.copy2(self.site_dir / rel, folder / rel)
                continue
            try:
                os.link(self.site_dir / rel, folder / rel)
            except OSError:  # another device (the site is a mount point), or links not allowed: a copy
                shutil.copy2(self.site_dir / rel, folder / rel)

    def start(self) -> None:
        """Start keeping, beside the generator: the last site's files placed (`_place`) into a scratch folder of
        their own, in a thread; `keep` takes what changed out of it. Nothing is started for a site folder
        briefgen may not replace (the build says why), or a full build."""
        if self.full or not sealed.cache_pickle(self.project.cache, self.name).exists():
            return
        try:
            target = swap.check_site_dir(self.project, self.site_dir)
        except swap.SiteDirError:
            return
        if not target.parent.is_dir():
            return
        folder, lock = swap.claim(target)
        self._placed = (folder, lock, None)

        def place() -> None:
            try:
                last = self._load()
                if last is not None:
                    self._place(last, folder, self._made, self._halt)
                self._placed = (folder, lock, last)
            except Exception:  # a file gone, a disk full: nothing is kept, and the build says what fails then
                self._placed = (folder, lock, None)

        self._early = threading.Thread(target=place, name="briefgen-keep", daemon=True)
        self._early.start()

    def stop(self) -> None:
        """Stop `start`'s thread, and remove its folder if `keep` did not take it (the generator failed, or
        nothing could be kept)."""
        if self._early is not None:
            self._halt.set()
            self._early.join()
            self._early = None
        if self._placed is not None:
            self._release(remove=True)

    def _release(self, remove: bool) -> None:
        """Let go of `start`'s folder: emptied by `keep`, or `remove`d with what it holds."""
        folder, lock, _ = self._placed
        self._placed = None
        try:
            if not remove:
                os.unlink(folder / STAMP)
                os.rmdir(folder)
            elif len(self._made) < _REMOVED_AT_ONCE:
                shutil.rmtree(folder)
            else:  # most of a site's folders: removed in the background, as a replaced site is
                swap.discard(folder)
        finally:
            if lock is not None:
                os.close(lock)

    def keep(self, scratch: Path) -> bool:
        if self._early is not None:
            self._early.join()
            self._early = None
            folder, _, last = self._placed
        else:
            folder, last = scratch, self._load()
        self._read_docs(last.docs if last is not None else {})
        if last is None or last.key != self.key:
            return False  # `stop` removes what `start` placed
        if folder is scratch:
            self._place(last, scratch, self._made)
        self.last = last
        dest = self._outputs(last.docs)
        emptied = set()
        for rel, stamp in last.outputs.items():
            src = dest.get(rel)
            if src is None:
                continue
            if self._unchanged(src, stamp):
                self.linked[rel] = stamp
                continue
            os.unlink(folder / rel)  # mkdocs builds it again, unless its Markdown is gone
            if src not in self.docs:
                emptied.add(os.path.dirname(rel))
        for parent in sorted(emptied, key=len, reverse=True):  # a withheld page leaves no empty folder named after it
            while parent:
                try:
                    os.rmdir(folder / parent)
                except OSError:  # not empty, or removed already
                    break
                parent = os.path.dirname(parent)
        if folder is not scratch:
            for entry in os.listdir(folder):
                if entry != STAMP:
                    os.rename(folder / entry, scratch / entry)
            self._release(remove=False)
        return True

    def vouched(self) -> Path | None:
        same = self.check is not None and self.last.leaks is not None and self.last.leaks == self.check.key()
        return self.site_dir if same else None

    def _outputs(self, docs: dict) -> dict[str, str]:
        """Which file of the docs folder each output of the site comes from."""
        return {dest: src for src, dest in output_paths(self.project, docs).items()}

    def _unchanged(self, src: str, output: list[int]) -> bool:
        """The file's bytes are those it had when its output was made, and mkdocs will not make it again
        (it builds a page whose Markdown is newer than its output)."""
        now, was = self.docs.get(src), self.last.docs.get(src)
        return now is not None and was is not None and now[1] is not None and now[1] == was[1] and now[0][1] <= output[1]

    def search_docs(self, index: search.LightIndexPlugin) -> list[dict]:
        changed = [rel for rel, stamp in self.linked.items() if not _same(os.lstat(self.site_dir / rel), stamp)]
        if changed:  # the dirty build wrote into a page of the site in place: this build cannot be trusted
            raise ContentError([Problem(rel, 1, 1, "mkdocs wrote again a page kept from the last site: "
                                        "build the whole site with --full") for rel in changed])
        return index.docs(self.last.entries)

    def record(self, site_dir: Path, index: search.LightIndexPlugin) -> None:
        kept = self.last.entries if self.last is not None else {}
        entries = {entry["location"]: entry for entry in index.docs(kept)}
        outputs = {rel: file_stamp(st) for rel, st in files_under(site_dir).items() if rel != STAMP}
        leaks = self.check.key() if self.check is not None else None
        sealed.replace_pickle(self.project.cache, self.name, SiteRecord(self.key, self.docs, outputs, entries, leaks))
