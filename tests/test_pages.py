"""Long listings are split into pages (Admiralty codes, contradictions, timeline months): every item is on exactly one page."""

from __future__ import annotations

import re
import shutil

from support import REPO

from generator.build import driver as pipeline
from generator.build import render
from generator.output import pages
from generator.stages import analysis
from generator.config import Project


def _render_bundled(tmp_path, monkeypatch, templates: dict[str, str] | None = None, **sizes):
    """The bundled corpus rendered with smaller page sizes (pages.CODE_PAGE_SIZE=2 and the like), and
    the project's own `templates` (name -> text) over the bundled ones."""
    root = tmp_path / "proj"
    for part in ("briefs", "templates", "site_config", "mkdocs.yml"):
        (shutil.copytree if (REPO / part).is_dir() else shutil.copy)(REPO / part, root / part)
    for name, text in (templates or {}).items():
        (root / "templates" / name).write_text(text, "utf-8")
    for name, value in sizes.items():
        monkeypatch.setattr(pages, name, value)
    project = Project(root)
    settings = project.settings()
    g = pipeline.validate(project, pipeline.policy_for(settings))
    render.render(project, g.corpus, g.findings, settings, workers=1)
    return project, g


def test_code_pages_split_and_cover_every_claim(tmp_path, monkeypatch):
    project, g = _render_bundled(tmp_path, monkeypatch, CODE_PAGE_SIZE=2, GRADE_PREVIEW=1)
    docs = project.docs
    c3 = g.findings.admiralty_grid["C"][3]
    assert len(c3) > 2, "the bundled corpus has several C3 claims"
    pages = [docs / "reliability/c3.md"] + [docs / f"reliability/c3/{n}.md" for n in range(2, (len(c3) + 1) // 2 + 1)]
    shown = []
    for number, path in enumerate(pages, 1):
        text = path.read_text("utf-8")
        shown += re.findall(r'href="(?:\.\./)+briefs/[^#"]+/#([^"]+)"', text)
        assert f"<strong>{number}</strong>" in text  # the pager marks the page you are on
    assert sorted(shown) == sorted(c3)
    assert not (docs / f"reliability/c3/{len(pages) + 1}.md").exists()
    grade = (docs / "reliability/c.md").read_text("utf-8")
    assert f"{len(c3)} claims coded C3" in grade and "all " in grade and "{ #code-c3 }" in grade


def test_contradictions_split_into_pages(tmp_path, monkeypatch):
    project, g = _render_bundled(tmp_path, monkeypatch, CONTRADICTIONS_PAGE_SIZE=2)
    pairs = g.findings.contradictions
    assert len(pairs) > 2, "the bundled corpus has several contradictions"
    pages = [project.docs / "contradictions.md"] + [project.docs / f"contradictions/{n}.md" for n in range(2, (len(pairs) + 1) // 2 + 1)]
    headings = [line for p in pages for line in p.read_text("utf-8").splitlines() if line.startswith("## ")]
    assert len(headings) == len(pairs)
    assert '<a href="../">1</a>' in pages[1].read_text("utf-8")  # contradictions/2/ -> contradictions/


def test_a_long_year_gets_a_page_a_month(tmp_path, monkeypatch):
    project, g = _render_bundled(tmp_path, monkeypatch, TIMELINE_MONTHS_ABOVE=1)
    occurred, reported = g.findings.occurred_by_year[2023], g.findings.reported_by_year[2023]
    year = (project.docs / "timeline/2023.md").read_text("utf-8")
    assert "## Month by month" in year and '<a href="08/">August 2023</a>' in year  # timeline/2023/ -> timeline/2023/08/
    months = sorted((project.docs / "timeline/2023").glob("*.md"))
    rows = [line for p in [project.docs / "timeline/2023.md", *months] for line in p.read_text("utf-8").splitlines()
            if line.startswith("<td>") and "briefs/" in line]
    assert len(rows) == len(occurred) + len(reported)  # every claim once in each of its two tables
    august = (project.docs / "timeline/2023/08.md").read_text("utf-8")
    assert august.startswith('---\ntitle: "Timeline: August 2023"') and '<a href="../">all of 2023</a>' in august


def test_an_actors_claims_split_into_pages(tmp_path, monkeypatch):
    project, g = _render_bundled(tmp_path, monkeypatch, ACTOR_PAGE_SIZE=2)
    docs = project.docs
    actor, claims = max(g.corpus.claims_by_actor.items(), key=lambda kv: len(kv[1]))
    assert len(claims) > 4, "the bundled corpus has an actor with several claims"
    count = (len(claims) + 1) // 2
    pages = [docs / f"actors/{actor}.md"] + [docs / f"actors/{actor}/{n}.md" for n in range(2, count + 1)]
    shown = []
    for number, path in enumerate(pages, 1):
        text = path.read_text("utf-8").split("## Analyses concerning")[0]
        shown += re.findall(r'href="(?:\.\./)+briefs/[^#"]+/#([^"]+)"', text.split("## Claims concerning")[-1])
        assert f"<strong>{number}</strong>" in text  # the pager marks the page you are on
    assert shown == analysis.newest_first(g.corpus, claims)  # each claim once, newest report first
    dates = [analysis.date_key(g.corpus.claims[c].reported) for c in shown]
    assert dates == sorted(dates, reverse=True) and dates[0] > dates[-1]
    assert not (docs / f"actors/{actor}/{count + 1}.md").exists()
    first, second = pages[0].read_text("utf-8"), pages[1].read_text("utf-8")
    assert f'<a href="2/">2</a>' in first and '<a href="../">1</a>' in second  # actors/x/ <-> actors/x/2/
    assert 'search: {"exclude": true}' in second and "exclude" not in first.split("---")[1]  # the actor is found at its page
    assert f"{len(claims)} claims, newest report first, 2 a page" in first
    # the map of the first page places every located claim, not those of its page alone
    located = [c for c in claims if g.corpus.claims[c].coordinates is not None]
    assert f"{len(located)} located claim" in first
    # another actor, with fewer claims, has one page and no pager
    few = next(a for a, ids in g.corpus.claims_by_actor.items() if 0 < len(ids) <= 2)
    assert "Pages:" not in (docs / f"actors/{few}.md").read_text("utf-8") and not (docs / f"actors/{few}").exists()


def test_a_projects_own_actor_template_still_gets_every_claim(tmp_path, monkeypatch):
    """A project that copied actor.md.j2 before its claims were paginated lists `claims`: all of them."""
    own = "# {{ actor.name|text }}\n\n{% for c in claims %}{{ claim_ref(c) }}\n{% endfor %}"
    project, g = _render_bundled(tmp_path, monkeypatch, templates={"actor.md.j2": own}, ACTOR_PAGE_SIZE=2)
    actor, claims = max(g.corpus.claims_by_actor.items(), key=lambda kv: len(kv[1]))
    text = (project.docs / f"actors/{actor}.md").read_text("utf-8")
    assert re.findall(r'href="(?:\.\./)+briefs/[^#"]+/#([^"]+)"', text) == analysis.newest_first(g.corpus, claims)
