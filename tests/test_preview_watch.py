"""`briefgen serve` over HTTP: the preview follows inputs the project creates while it runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import weakref

from support import REPO, free_port, http_get, minimal_project


def _wait_for(url: str, text: str, seconds: float = 90) -> str:
    deadline = time.time() + seconds
    while True:
        page = http_get(url)
        if page is not None and text in page:
            return page
        assert time.time() < deadline, f"{text!r} never showed at {url}"
        time.sleep(0.5)


def test_serve_watches_a_templates_folder_created_while_it_runs(tmp_path):
    # a briefs-only project: briefgen's own templates and mkdocs.yml, until it brings its own
    project = minimal_project(tmp_path / "proj")
    shutil.rmtree(project.root / "templates")
    (project.root / "mkdocs.yml").unlink()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "-a", f"127.0.0.1:{port}"], cwd=project.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/briefs/first-brief/"
    try:
        _wait_for(url, "First brief")
        time.sleep(1)  # the watches are in place once the server answers; let its first build settle
        own = project.root / "templates"
        own.mkdir()
        template = (REPO / "templates" / "brief.md.j2").read_text("utf-8")
        (own / "brief.md.j2").write_text(template + "\nOverridden while serving\n", "utf-8")
        _wait_for(url, "Overridden while serving")
        # an edit inside the new folder is seen too: it is watched, not only noticed once
        (own / "brief.md.j2").write_text(template + "\nEdited again\n", "utf-8")
        assert "Overridden while serving" not in _wait_for(url, "Edited again")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _saves(minimal, monkeypatch, cls, record):
    """A preview building after each of three saves of the brief's first claim; after each build, the
    instances of `cls` it made, as `record` keeps them (a weak reference, or the instance itself)."""
    from generator.build.serve import _Preview
    from generator.config import Project

    made = []
    init = cls.__init__

    def recorded(self, *args, **kwargs):
        init(self, *args, **kwargs)
        made.append(record(self))

    monkeypatch.setattr(cls, "__init__", recorded)
    preview = _Preview(Project(minimal.root), None, None)
    brief = minimal.root / "briefs/2024/first-brief.yaml"
    for words in ("Alpha says it did it.", "Alpha says it did it again.", "Alpha says it did it once more."):
        made.clear()
        brief.write_text(brief.read_text("utf-8").replace("Alpha says it did it", words.rstrip("."), 1), "utf-8")
        assert preview.build()
        assert made
        yield list(made)


def test_each_preview_build_lets_go_of_its_page_templates_when_done(minimal, monkeypatch):
    """The generator pauses the collector and freezes what it made, which keeps the cyclic garbage of
    a build (its Jinja2 environment and the templates it compiled) for as long as the process runs:
    the preview collects it before the freeze, so that every save does not keep a set of templates."""
    import jinja2

    for made in _saves(minimal, monkeypatch, jinja2.Environment, weakref.ref):
        assert not [env for env in made if env() is not None]


def test_each_preview_build_lets_go_of_its_search_entries_when_done(minimal, monkeypatch):
    """mkdocs keeps a build's plugins until the next build, and the next build's generator freezes
    them: the search plugin lets go of every page's entry and URL (Material's list too) once used."""
    from generator.site import search

    for made in _saves(minimal, monkeypatch, search.LightIndexPlugin, lambda plugin: plugin):
        assert all(p.active for p in made)
        assert [(p.entries, p.order, p.material) for p in made] == [({}, [], [])] * len(made)


def test_each_preview_build_lets_go_of_mkdocs_pages_when_done(minimal, monkeypatch):
    """The preview runs for hours: nothing of a build's mkdocs pages outlives it. mkdocs keeps its last
    plugins until the next build, and the next build's generator freezes what is left out of the
    collector's sight for good, so every save would have kept a site's worth of pages."""
    import mkdocs.structure.pages

    for made in _saves(minimal, monkeypatch, mkdocs.structure.pages.Page, weakref.ref):
        assert not [page for page in made if page() is not None]
