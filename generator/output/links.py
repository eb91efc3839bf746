"""Where each page is and how pages link to each other.

Every page's path under the docs folder comes from `target_path`; templates
link with `link` (Markdown links, which mkdocs checks and rewrites) or `href`
(raw HTML, which mkdocs leaves alone: the final relative URL under mkdocs'
directory URLs).
"""

from __future__ import annotations

import functools
import posixpath

import jinja2

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


@functools.lru_cache(maxsize=65536)
def _relative(target: str, here_dir: str) -> str:
    """`posixpath.relpath` for clean relative paths inside the docs folder, without touching the disk."""
    return "/".join(_steps(target, here_dir)) or "."


@functools.lru_cache(maxsize=4096)
def folder_link(folder: str, here_dir: str) -> str:
    """What goes before the name of a file in `folder` to link to it from a page in `here_dir`
    (`../briefs/`, or nothing): `_relative` of a file there, for a name no folder has (a file name
    has an extension), a lookup per folder pair instead of per file (a page worker makes links by the hundred thousand)."""
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


def _page_url(path: str) -> str:
    """The URL folder of a docs file under mkdocs' directory URLs: `a/b.md` -> `a/b/`, `a/index.md` -> `a/`."""
    if not path.endswith(".md"):
        return path
    stem = path[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        stem = stem[: -len("index")]
    else:
        stem += "/"
    return stem


@jinja2.pass_context
def href(ctx, kind: str, item_id: str = "", anchor: str | None = None) -> str:
    """Like `link`, for raw HTML, which mkdocs does not rewrite: the final relative URL."""
    target = _page_url(target_path(ctx["corpus"], kind, item_id))
    here = _page_url(ctx["page_path"])
    here_dir = here if here.endswith("/") else posixpath.dirname(here) + "/"
    rel = _relative(target.rstrip("/") or ".", here_dir.rstrip("/"))
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    if kind in _ANCHORED:
        anchor = item_id
    return rel + (f"#{anchor}" if anchor else "")


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
