"""Where each page is and how pages link to each other.

Every page's path under the docs folder comes from `target_path`. Templates
link with `link` (Markdown links, which mkdocs checks and rewrites: kept in
headings) or `href` (raw HTML, which mkdocs leaves alone: the final relative
URL, made and recorded by `HtmlLinks`); `check` verifies every link recorded
against the pages written, as mkdocs' strict link validation would.
"""

from __future__ import annotations

import functools
import posixpath
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import jinja2

from generator.errors import Problem
from generator.format import vocab
from generator.output.exports import ach_csv_path
from generator.stages.corpus import Corpus


def _steps(target: str, here_dir: str) -> list[str]:
    """The path steps from the folder `here_dir` to `target`, both inside the docs folder: `..` and names."""
    t = [p for p in target.split("/") if p and p != "."]
    h = [p for p in here_dir.split("/") if p and p != "."]
    common = 0
    while common < len(t) and common < len(h) and t[common] == h[common]:
        common += 1
    return [".."] * (len(h) - common) + t[common:]


@functools.lru_cache(maxsize=4096)
def folder_link(folder: str, here_dir: str) -> str:
    """What goes before the name of a file in `folder` to link to it from `here_dir`, both folders of
    the docs (`../briefs/`, or nothing): a lookup per folder pair instead of per file (a page worker
    makes links by the hundred thousand)."""
    return "".join(step + "/" for step in _steps(folder, here_dir))


_ANCHORED = ("claim", "analysis", "judgment", "hypothesis")  # linked as an anchor on their page


def target(corpus: Corpus, kind: str, item_id: str = "", anchor: str | None = None) -> tuple[str, str]:
    """The folder of the page linked to, and its file name with the anchor."""
    folder, _, name = target_path(corpus, kind, item_id).rpartition("/")
    if kind in _ANCHORED:
        anchor = item_id
    return folder, name + (f"#{anchor}" if anchor else "")


def link_from(corpus: Corpus, here_dir: str, kind: str, item_id: str = "", anchor: str | None = None) -> str:
    """Relative link from a page in folder `here_dir` of the docs to another page."""
    folder, name = target(corpus, kind, item_id, anchor)
    return folder_link(folder, here_dir) + name


@jinja2.pass_context
def link(ctx, kind: str, item_id: str = "", anchor: str | None = None) -> str:
    """Relative link from the page being rendered to another page."""
    return link_from(ctx["corpus"], ctx["page_dir"], kind, item_id, anchor)


@functools.lru_cache(maxsize=65536)
def page_url(path: str, directory_urls: bool = True) -> str:
    """The URL mkdocs gives a docs file, from the site's root, percent-encoded as mkdocs does:
    `a/b.md` -> `a/b/` (`a/b.html` without directory URLs), `a/index.md` -> `a/` (`a/index.html`),
    `index.md` -> `` (`index.html`); any other file keeps its path."""
    if path.endswith(".md"):
        stem = path[: -len(".md")]
        folder, _, name = stem.rpartition("/")
        if not directory_urls:
            path = stem + ".html"
        elif name == "index":
            path = folder + "/" if folder else ""
        else:
            path = stem + "/"
    return quote(path)


class Here(NamedTuple):
    """Where a page's relative URLs start: its URL folder, the docs folder it is in, and the step between them;
    and the start of its URLs into each folder, once worked out."""

    url_dir: str  # `actors/x/` (or `actors/` without directory URLs, and for `actors/index.md`), `` at the root
    folder: str  # `actors`
    up: str  # `../` when the URL folder is the page's own (`actors/x/`), else ``
    into: dict[str, tuple[str, bool]]  # a target's URL folder -> what goes before its name; whether it holds `url_dir`


class Target(NamedTuple):
    """A page or file linked to: its URL, split at its last folder, and whether that URL is a folder."""

    url: str  # `briefs/b/`
    folder: str  # `briefs/`
    name: str  # `b/`, `b.html`, `corpus.json`
    is_dir: bool


class HtmlLinks:
    """Links written into raw HTML, which mkdocs neither rewrites nor checks.

    Each is the final relative URL mkdocs would have made of the Markdown link
    (`utils.get_relative_url` under the project's `use_directory_urls`), and
    each target page and anchor is recorded (`emitted`) for `check` to verify
    once the pages are written.
    """

    def __init__(self, directory_urls: bool = True):
        self.directory_urls = directory_urls
        self.emitted: dict[tuple[str, str], tuple[str, str]] = {}  # (target path, anchor) -> (first page linking, its URL)
        self._heres: dict[str, Here] = {}
        self._targets: dict[str, Target] = {}

    def here(self, page_path: str) -> Here:
        h = self._heres.get(page_path)
        if h is None:
            folder = posixpath.dirname(page_path)
            url = page_url(page_path, self.directory_urls)
            if url.endswith("/") or url == "":
                h = Here(url, folder, "" if url == (folder + "/" if folder else "") else "../", {})
            else:
                h = Here(folder + "/" if folder else "", folder, "", {})
            self._heres[page_path] = h
        return h

    def target(self, path: str) -> Target:
        t = self._targets.get(path)
        if t is None:
            url = page_url(path, self.directory_urls)
            is_dir = url.endswith("/") or url == ""
            folder, _, name = url.rstrip("/").rpartition("/")
            t = self._targets[path] = Target(url, folder + "/" if folder else "", name + "/" if is_dir and name else name, is_dir)
        return t

    def url(self, page_path: str, target: str, anchor: str = "") -> str:
        """The relative URL from the page at `page_path` to the docs file `target` (and its `anchor`), recorded."""
        here = self._heres.get(page_path) or self.here(page_path)
        t = self._targets.get(target) or self.target(target)
        into = here.into.get(t.folder)
        if into is None:
            into = here.into[t.folder] = self._into(here, t.folder)
        d = here.url_dir
        if into[1] and t.is_dir and d.startswith(t.url):  # the page itself, or a folder above it
            rel = "../" * (d.count("/") - t.url.count("/")) or "./"
        else:
            rel = into[0] + t.name
        if anchor:
            rel += "#" + anchor
        key = (target, anchor)
        if key not in self.emitted:
            self.emitted[key] = (page_path, rel)
        return rel

    @staticmethod
    def _into(here: Here, folder: str) -> tuple[str, bool]:
        """What goes before the name of a target in the URL folder `folder`, from `here`; and whether
        that folder holds the page's URL folder (a target there may be the page or a folder above it)."""
        d = here.url_dir
        if folder.startswith(d):  # below the page's URL folder
            return folder[len(d):], folder == d
        return here.up + folder_link(folder.rstrip("/"), here.folder), d.startswith(folder)

    def same_page(self, page_path: str, anchor: str) -> str:
        """`#anchor` on the page itself, recorded."""
        key = (page_path, anchor)
        if key not in self.emitted:
            self.emitted[key] = (page_path, "#" + anchor)
        return "#" + anchor

    def take(self) -> dict[tuple[str, str], tuple[str, str]]:
        """What was recorded since the last call."""
        out, self.emitted = self.emitted, {}
        return out


def target_path(corpus: Corpus, kind: str, item_id: str = "") -> str:
    if kind in ("claim", "analysis", "judgment"):
        return f"briefs/{corpus.brief_of[item_id]}.md"
    if kind == "hypothesis":
        return f"hypotheses/{corpus.question_of[item_id]}.md"
    if kind == "evidence":
        return target_path(corpus, "claim" if item_id in corpus.claims else "analysis", item_id)
    if kind == "question":
        return f"hypotheses/{item_id}.md" if item_id else "hypotheses/index.md"
    if kind == "reliability":
        return f"reliability/{item_id.lower()}.md" if item_id else "reliability/index.md"
    if kind == "code":  # "c3", or "c3/2" for its second page
        return f"reliability/{item_id.lower()}.md"
    if kind == "csv":
        return ach_csv_path(item_id)
    if kind == "data":
        return f"data/{item_id}"
    if kind == "stix":  # a brief's own STIX bundle, in its page's folder
        return f"briefs/{item_id}/stix.json"
    if kind == "schema":
        return f"schema/{item_id}.schema.json" if item_id else "schema/index.md"
    if kind in ("home", ""):
        return "index.md"
    if kind == "timeline":
        return f"timeline/{item_id}.md" if item_id else "timeline/index.md"
    if kind == "contradictions" and item_id:  # "2" for its second page
        return f"contradictions/{item_id}.md"
    if kind in ("contradictions", "methodology"):
        return f"{kind}.md"
    section = vocab.SITE_SECTION[kind]
    return f"{section}/{item_id}.md" if item_id else f"{section}/index.md"


def anchored(corpus: Corpus, kind: str, item_id: str = "", anchor: str | None = None) -> tuple[str, str]:
    """The docs path of the page linked to, and the anchor on it ("" for none)."""
    return target_path(corpus, kind, item_id), item_id if kind in _ANCHORED else (anchor or "")


# the ids a page gives: a heading's attribute list (`{ #id .class }`), an HTML element's `id`
_HEADING_IDS = re.compile(r"\{\s*#([^\s}]+)")
_HTML_IDS = re.compile(r' id="([^"]*)"')  # a literal start: searched fast


def page_ids(text: str) -> set[str]:
    """The anchors a generated page has that its links may point at."""
    return set(_HEADING_IDS.findall(text)) | set(_HTML_IDS.findall(text))


def check(emitted: dict[tuple[str, str], tuple[str, str]], files: set[str], docs: Path, shown: str) -> list[Problem]:
    """Every link recorded into raw HTML (`HtmlLinks.emitted`) against the docs folder as written:
    the target is a file of this build (`files`, paths under `docs`) and the anchor is on it.

    A broken link is a problem at its first place in the page linking (the docs folder
    shown as `shown`), as mkdocs' strict validation would fail on it in a Markdown link.
    """
    ids: dict[str, set[str]] = {}
    problems = []
    for (target, anchor), (page, url) in emitted.items():
        if target not in files:
            problems.append(_broken(docs, shown, page, url, f"links to {target}, which this build does not make"))
        elif anchor:
            if target not in ids:
                try:
                    ids[target] = page_ids((docs / target).read_text("utf-8")) if target.endswith(".md") else set()
                except OSError:
                    ids[target] = set()
            if anchor not in ids[target]:
                problems.append(_broken(docs, shown, page, url, f"links to #{anchor} on {target}, which has no such anchor"))
    return problems


def _broken(docs: Path, shown: str, page: str, url: str, message: str) -> Problem:
    """The problem of a broken link, at the first `href` to it in the page."""
    try:
        text = (docs / page).read_text("utf-8")
    except OSError:
        text = ""
    at = text.find(f'href="{url}"')
    line, col = (text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)) if at >= 0 else (1, 1)
    return Problem(f"{shown}/{page}" if shown else page, line, col, f"broken link ({url}): {message}")
