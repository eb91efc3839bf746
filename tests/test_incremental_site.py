"""Incremental site builds: after any edit, `briefgen build` over the last site gives byte for byte
the site a fresh full build gives (every page, both search indexes, the data, the sitemap), while
mkdocs builds only the pages whose Markdown changed; a failed one leaves the last site as it was."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

import support
import synthetic
from generator.build import driver
from generator.config import Project
from generator.errors import ContentError
from generator.site import leaks
from test_incremental import EDITS, _edit, _published_brief


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A synthetic corpus of 40 briefs with shared actors, sources, questions, contradictions, built once."""
    out = tmp_path_factory.mktemp("site") / "corpus"
    synthetic.generate(40, out, seed=7, restricted=0.05)
    synthetic.copy_project_files(out)
    with pytest.MonkeyPatch.context() as m:
        support.small_pages(m)
        result = _build(out)
    assert result.pages[1] == result.pages[0]
    return out


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """Listings paginated at 40 briefs as they are at thousands (`support.SMALL_PAGES`)."""
    support.small_pages(monkeypatch)


def _build(root: Path, full: bool = False) -> driver.Generated:
    project = Project(root)
    settings = project.settings()
    return driver.build(project, settings, driver.policy_for(settings), root / "site", full=full)


def _site(root: Path) -> dict[str, bytes | None]:
    """Every file of the site with its bytes, and every folder (None): a folder left empty counts too."""
    site = root / "site"
    return {p.relative_to(site).as_posix(): p.read_bytes() if p.is_file() else None for p in sorted(site.rglob("*"))}


def _fresh_site(root: Path, tmp_path: Path) -> dict[str, bytes]:
    """The site a fresh full build of the same project gives (a copy without its build and site folders)."""
    fresh = tmp_path / "fresh"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("build", "site", ".site-*"))
    result = _build(fresh)
    assert result.pages[1] == result.pages[0]
    return _site(fresh)


def _same_site(root: Path, tmp_path: Path) -> None:
    after, fresh = _site(root), _fresh_site(root, tmp_path)
    assert after.keys() == fresh.keys(), (sorted(after.keys() - fresh.keys())[:5], sorted(fresh.keys() - after.keys())[:5])
    differing = sorted(k for k in fresh if after[k] != fresh[k])
    assert not differing, f"differs from a fresh build: {differing[:10]}"


@pytest.fixture
def project(corpus, tmp_path) -> Path:
    """A copy of the built corpus, its site's files linked to the built one's: the very files the
    record of that build names, which no build may write into."""
    root = tmp_path / "project"
    shutil.copytree(corpus, root, ignore=shutil.ignore_patterns("site", ".site-*"))
    shutil.copytree(corpus / "site", root / "site", copy_function=os.link)
    return root


def _unreferred_brief(root: Path) -> Path:
    """A published brief nobody refers to, so that withholding it breaks no reference."""
    project = Project(root)
    g = driver.validate(project, driver.policy_for(project.settings()))
    from generator.build.incremental import Inputs
    inputs = Inputs(g.corpus)
    return next(p for p in sorted((root / "briefs").rglob("*.yaml"))
                if p.stem in g.corpus.briefs and not inputs.referrers.get(f"brief:{p.stem}"))


def _turn_draft(root: Path):
    _edit(_unreferred_brief(root), lambda d: d.update(status="draft"))


def _template(root: Path):
    path = root / "templates/brief.md.j2"
    path.write_text(path.read_text("utf-8").replace("## Bottom line", "## The bottom line"), "utf-8")


def _mkdocs_yml(root: Path):
    path = root / "mkdocs.yml"
    path.write_text(path.read_text("utf-8").replace("accent: deep orange", "accent: indigo"), "utf-8")


SITE_EDITS = {**EDITS, "brief turned draft": _turn_draft}
EVERY_PAGE = {"template change": _template, "mkdocs.yml change": _mkdocs_yml}


@pytest.mark.parametrize("name", list(SITE_EDITS))
def test_an_incremental_site_equals_a_fresh_full_build(corpus, project, tmp_path, name):
    before = _stamps(corpus / "site")
    SITE_EDITS[name](project)
    result = _build(project)
    total, built = result.pages
    assert 0 < built < total / 2, f"'{name}': mkdocs built {built} of {total} pages"
    _same_site(project, tmp_path)
    assert _stamps(corpus / "site") == before  # the files it kept, linked, were not written into


@pytest.mark.parametrize("name", list(EVERY_PAGE))
def test_what_every_page_depends_on_gives_a_full_site_build(project, tmp_path, name):
    EVERY_PAGE[name](project)
    result = _build(project)
    assert result.pages[1] == result.pages[0]
    _same_site(project, tmp_path)


def test_a_withheld_brief_leaves_no_file_and_no_search_entry(project):
    brief = _unreferred_brief(project)
    page = f"briefs/{brief.stem}/index.html"
    assert page in _site(project)
    _turn_draft(project)
    _build(project)
    site = _site(project)
    assert page not in site and f"briefs/{brief.stem}" not in site  # nor an empty folder named after it
    assert not [rel for rel, data in site.items() if data and f"briefs/{brief.stem}/".encode() in data and not rel.startswith("pagefind/")]
    assert f'"briefs/{brief.stem}/"'.encode() not in site["search/search_index.js"]


def _stamps(site: Path) -> dict[str, tuple]:
    return {p.relative_to(site).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_failed_incremental_build_leaves_the_last_site_as_it_was(project, tmp_path, monkeypatch):
    before = _stamps(project / "site")
    SITE_EDITS["claim statement"](project)

    def refuses(self, site_dir, under=None, last=None):
        assert last is not None  # the build kept the last site's pages, and the check knew it
        return [leaks.Problem("x", 1, 1, "leak: refused for the test")]

    with monkeypatch.context() as m:
        m.setattr(leaks.LeakCheck, "__call__", refuses)
        with pytest.raises(ContentError):
            _build(project)
    assert _stamps(project / "site") == before  # every file: its bytes, its mtime, the very same file
    assert not [p for p in project.iterdir() if p.name.startswith(".site-")]
    result = _build(project)  # and the next build still keeps what it can
    assert result.pages[1] < result.pages[0]
    _same_site(project, tmp_path)


def test_a_site_changed_by_hand_is_built_whole(project, tmp_path):
    page = project / "site/index.html"
    data = page.read_bytes()
    page.unlink()  # the fixture's site is linked to the one every test starts from
    page.write_bytes(data.replace(b"</body>", b"<p>added by hand</p></body>"))
    SITE_EDITS["claim statement"](project)
    result = _build(project)
    assert result.pages[1] == result.pages[0]
    _same_site(project, tmp_path)


def test_markdown_changed_by_hand_in_the_docs_folder_is_built_again(project, tmp_path):
    # the generator writes the page back; its mtime set back, only the bytes can tell
    doc = project / "build/docs/methodology.md"
    st = doc.stat()
    doc.write_bytes(doc.read_bytes().replace(b"#", b"# Hand-edited", 1))
    os.utime(doc, ns=(st.st_atime_ns, st.st_mtime_ns))
    result = _build(project)
    assert result.pages[1] >= 1
    _same_site(project, tmp_path)


def test_full_builds_every_page(project, tmp_path):
    SITE_EDITS["claim statement"](project)
    result = _build(project, full=True)
    assert result.pages[1] == result.pages[0]
    _same_site(project, tmp_path)


# --- the leak check of an incremental build ----------------------------------------


def test_withheld_text_pasted_after_an_incremental_build_fails_the_next(project):
    SITE_EDITS["claim statement"](project)
    result = _build(project)
    assert result.pages[1] < result.pages[0]
    restricted = [yaml.safe_load(p.read_text("utf-8")) for p in sorted((project / "briefs").rglob("*.yaml")) if p.parent.name.isdigit()]
    secret = next(c["statement"] for d in restricted if d.get("tlp", "clear") != "clear" for c in d.get("claims", [])
                  if len(c["statement"].split()) >= 8)
    before = hashlib.sha256(b"".join(v or b"" for v in _site(project).values())).hexdigest()
    _edit(_published_brief(project, 2), lambda d: d["claims"][0].update(statement=secret))
    with pytest.raises(ContentError) as e:
        _build(project)
    assert any("leak: withheld" in p.message for p in e.value.problems)
    assert hashlib.sha256(b"".join(v or b"" for v in _site(project).values())).hexdigest() == before


def _large(lines: list[str]) -> bytes:
    """An export as briefgen writes them: one object a line."""
    return "".join(json.dumps({"id": f"item-{i}", "text": line}) + "\n" for i, line in enumerate(lines)).encode()


def test_the_check_reads_what_a_checked_site_does_not_vouch_for(tmp_path, monkeypatch):
    secret = "the courier crossed twice at the northern checkpoint near the mill"
    check = leaks.LeakCheck(None, None)
    needle = leaks._needle(" ".join(secret.split()[:6]))
    check.keyed, check.windows = leaks._searchers({needle: leaks._Needle("brief 'x' (TLP:AMBER)", "summary")})
    check.digest = "k"
    monkeypatch.setattr(leaks, "LARGE", 1000)
    filler = [f"public line {i} about the weather in the valley" for i in range(200)]
    old, new = tmp_path / "old", tmp_path / "new"
    for site in (old, new):
        (site / "data").mkdir(parents=True)
    (old / "data/export.json").write_bytes(_large(filler))
    (old / "page.html").write_text(f"<p>{secret}</p>")  # vouched for by mistake: the same bytes are not read
    shutil.copy2(old / "page.html", new / "page.html")
    # a changed large file: only its new lines are read, and a leak in one is found
    (new / "data/export.json").write_bytes(_large(filler[:100] + [secret] + filler[100:]))
    assert [p.path for p in check(new, last=old)] == ["data/export.json"]
    assert sorted(p.path for p in check(new)) == ["data/export.json", "page.html"]
    # a leak in lines the old file held, but now after another line, is read too
    (old / "data/export.json").write_bytes(_large(filler[:100] + [secret] + filler[100:]))
    (new / "data/export.json").write_bytes(_large(filler[:50] + [secret] + filler[50:]))
    assert [p.path for p in check(new, last=old)] == ["data/export.json"]
    # unchanged lines are vouched for
    (new / "data/export.json").write_bytes(_large(filler[:100] + [secret] + filler[100:] + ["one more public line"]))
    assert check(new, last=old) == []
    # a page linked from the checked site at its path is not read, one written anew there is, a link to it elsewhere too
    (old / "briefs").mkdir()
    (old / "briefs/kept.html").write_text(f"<p>{secret}</p>")  # vouched for by mistake, as above
    (new / "briefs").mkdir()
    os.link(old / "briefs/kept.html", new / "briefs/kept.html")
    assert check(new, last=old) == [] and check(new, last=old, under="briefs") == []
    os.link(old / "briefs/kept.html", new / "briefs/moved.html")
    assert [p.path for p in check(new, last=old)] == ["briefs/moved.html"]
    (new / "briefs/moved.html").unlink()
    (new / "briefs/kept.html").unlink()
    (new / "briefs/kept.html").write_text(f"<p>{secret}.</p>")
    assert [p.path for p in check(new, last=old)] == ["briefs/kept.html"]
    assert [p.path for p in check(new, last=old, under="briefs")] == ["briefs/kept.html"]


def test_damaged_compiled_templates_are_compiled_again(project, tmp_path):
    compiled = list((project / "build/.briefgen-cache/templates").rglob("*.jinja"))
    assert compiled  # the page templates' and the theme's
    for path in compiled:
        data = path.read_bytes()
        path.write_bytes(data[:-20] + bytes(20))  # the seal no longer matches
    SITE_EDITS["claim statement"](project)
    _build(project)
    _same_site(project, tmp_path)


_KILLED = """
import os, sys
from pathlib import Path
sys.path[:0] = [{tests!r}]
import mkdocs.commands.build as mkdocs_build
from generator.build import driver
from generator.config import Project
from generator.output import pages
from support import SMALL_PAGES
for name, size in SMALL_PAGES.items():
    setattr(pages, name, size)
built = mkdocs_build._build_page
def dies(page, *args, **kwargs):
    built(page, *args, **kwargs)
    os._exit(9)  # killed in the middle of mkdocs' dirty build, one page written
mkdocs_build._build_page = dies
project = Project(Path({root!r}))
settings = project.settings()
driver.build(project, settings, driver.policy_for(settings), project.root / "site")
"""


def test_a_killed_incremental_build_leaves_the_last_site_as_it_was(project, tmp_path):
    import subprocess
    import sys

    before = _stamps(project / "site")
    SITE_EDITS["claim statement"](project)
    script = _KILLED.format(tests=str(Path(__file__).parent), root=str(project))
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert r.returncode == 9, r.stderr
    assert [p.name for p in project.iterdir() if p.name.startswith(".site-new-")]  # it died with its scratch folder
    assert _stamps(project / "site") == before
    result = _build(project)  # removes what the killed build left, and still keeps what it can
    assert result.pages[1] < result.pages[0]
    assert not [p for p in project.iterdir() if p.name.startswith(".site-new-")]
    _same_site(project, tmp_path)
