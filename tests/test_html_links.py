"""Links written into raw HTML: the URLs mkdocs would have made of Markdown links, and the
generator's own check of them (mkdocs neither rewrites nor checks links inside HTML blocks)."""

from __future__ import annotations

import html
import posixpath
import re
import shutil
from pathlib import Path

import pytest
from mkdocs.structure.files import File
from support import REPO, run_cli

from generator.output.links import HtmlLinks

_PATHS = [
    "index.md", "contradictions.md", "contradictions/2.md", "methodology.md", "actors/index.md", "actors/x.md",
    "actors/y.md", "briefs/b.md", "timeline/index.md", "timeline/2023.md", "timeline/2023/08.md", "timeline/2024.md",
    "reliability/c3.md", "reliability/c3/2.md", "reliability/c.md", "schema/index.md", "schema/actor.schema.json",
    "data/corpus.json", "data/ach/q.csv",
]


@pytest.mark.parametrize("directory_urls", [True, False])
def test_urls_are_the_ones_mkdocs_makes(directory_urls):
    """Every pair of pages: the URL `HtmlLinks` writes is mkdocs' own rewriting of a Markdown link to the file."""
    links = HtmlLinks(directory_urls)
    files = {p: File(p, "/docs", "/site", directory_urls) for p in _PATHS}
    for here in (p for p in _PATHS if p.endswith(".md")):
        for target in _PATHS:
            expected = files[target].url_relative_to(files[here])
            assert links.url(here, target) == expected, (here, target)
            assert links.url(here, target, "x-1") == expected + "#x-1", (here, target)
    assert links.same_page("briefs/b.md", "c-1") == "#c-1"
    assert ("briefs/b.md", "c-1") in links.emitted and ("actors/x.md", "x-1") in links.emitted


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    for part in ("briefs", "templates", "site_config", "mkdocs.yml"):
        (shutil.copytree if (REPO / part).is_dir() else shutil.copy)(REPO / part, root / part)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_a_link_to_a_missing_anchor_fails_the_build(tmp_path):
    """A template that stops giving claims their anchors breaks every link to a claim: each is an error
    at its place in the generated page, and `briefgen build` fails before mkdocs runs (mkdocs no longer sees these links)."""
    root = _project(tmp_path)
    _edit(root / "templates/brief.md.j2", "{ #{{ c.id }} .bg-claim }", "{ .bg-claim }")
    result = run_cli("build", cwd=root)
    assert result.code == 1 and not (root / "site").exists()  # content errors, before mkdocs
    broken = [l for l in result.lines if "has no such anchor" in l]
    assert broken and len(broken) == len(result.lines)
    for line in broken:
        where, row, col, url = re.match(r"(build/docs/\S+\.md):(\d+):(\d+): error: broken link \(([^)]*)\)", line).groups()
        text = (root / where).read_text("utf-8").splitlines()[int(row) - 1]
        assert text[int(col) - 1:].startswith(f'href="{url}"') and "#" in url
    assert run_cli("build", cwd=root).code != 0  # the pages are not taken as rendered: the next run checks again
    _edit(root / "templates/brief.md.j2", "{ .bg-claim }", "{ #{{ c.id }} .bg-claim }")
    assert run_cli("build", cwd=root).code == 0


def test_a_link_to_a_page_the_build_does_not_make_fails_it(tmp_path):
    root = _project(tmp_path)
    _edit(root / "templates/source.md.j2", "## Claims made\n", "## Claims made\n\n<p><a href=\"{{ href('timeline', '1066') }}\">1066</a></p>\n")
    result = run_cli("build", cwd=root)
    assert result.code == 1
    assert result.lines and all("timeline/1066.md, which this build does not make" in l for l in result.lines)
    assert all(re.match(r"build/docs/sources/[\w-]+\.md:\d+:\d+: error:", l) for l in result.lines)


def _article_links(page: Path) -> list[str]:
    text = page.read_text("utf-8")
    body = text[text.index("<article"):text.index("</article>")]
    body = re.sub(r"<svg\b.*?</svg>", "", body, flags=re.S)  # the graphs' links are the graph module's own
    return [html.unescape(u) for u in re.findall(r'<a [^>]*?href="([^"]*)"', body)]


@pytest.mark.parametrize("directory_urls", [True, False])
def test_every_link_in_the_built_site_leads_to_a_page_and_anchor(tmp_path, directory_urls):
    """The built site, with and without directory URLs: every relative link of every page's content
    opens a file of the site, and its anchor is an id there."""
    root = _project(tmp_path)
    _edit(root / "mkdocs.yml", "use_directory_urls: true", f"use_directory_urls: {str(directory_urls).lower()}")
    assert run_cli("build", cwd=root).code == 0
    site = root / "site"
    ids: dict[Path, set[str]] = {}
    checked = 0
    for page in site.rglob("*.html"):
        if page.name == "404.html" or "pagefind" in page.parts:
            continue
        base = page.parent.relative_to(site).as_posix()
        for url in _article_links(page):
            if re.match(r"[a-z]+:", url) or url.startswith("//"):
                continue
            path, _, anchor = url.partition("#")
            target = page if not path else site / posixpath.normpath(posixpath.join(base, path))
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), (page, url)
            if anchor and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'\sid="([^"]*)"', target.read_text("utf-8")))
                assert anchor in ids[target], (page, url)
            checked += 1
    assert checked > 500
