"""Review records: who reviewed a brief and when it was approved, on its page and in the exports;
under `require_review`, a build refuses an unreviewed brief, and a drafts build marks it."""

from __future__ import annotations

import json

from support import Project


def _require_review(project: Project) -> None:
    settings = project.root / "site_config/site.yml"
    settings.write_text(settings.read_text("utf-8") + "require_review: true\n", "utf-8")


def _review(project: Project) -> None:
    brief = project.root / "briefs/2024/first-brief.yaml"
    brief.write_text(brief.read_text("utf-8").replace("tlp: clear\n", "tlp: clear\nreviewed_by: [Dana Reviewer, 'Omar <b>Checker</b>']\napproved: \"2024-03-20\"\n", 1), "utf-8")


def _page(project: Project) -> str:
    return (project.root / "site/briefs/first-brief/index.html").read_text("utf-8")


def test_a_reviewed_brief_shows_who_reviewed_it_and_the_exports_carry_it(minimal):
    _review(minimal)
    r = minimal.run("build")
    assert r.code == 0, r.err
    page = _page(minimal)
    assert "reviewed by Dana Reviewer, Omar &lt;b&gt;Checker&lt;/b&gt; · approved 20 March 2024" in page
    assert "<b>Checker" not in page and "not reviewed" not in page
    brief = json.loads((minimal.root / "site/data/corpus.json").read_text("utf-8"))["briefs"][0]
    assert brief["reviewed_by"] == ["Dana Reviewer", "Omar <b>Checker</b>"] and brief["approved"] == "2024-03-20"
    bundle = json.loads((minimal.root / "site/data/stix-bundle.json").read_text("utf-8"))
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    assert report["x_briefgen_reviewed_by"] == ["Dana Reviewer", "Omar <b>Checker</b>"] and report["x_briefgen_approved"] == "2024-03-20"


def test_require_review_refuses_an_unreviewed_brief_at_its_position(minimal):
    _require_review(minimal)
    r = minimal.run("build")
    assert r.code == 1
    assert r.lines == ["briefs/2024/first-brief.yaml:1:1: error: brief 'first-brief' has no reviewed_by and approved: site_config "
                       "requires a review before a brief is published (require_review: true); add reviewed_by and approved, "
                       "or build with --drafts to preview it marked \"not reviewed\""]
    assert not (minimal.root / "site").exists()
    brief = minimal.root / "briefs/2024/first-brief.yaml"
    brief.write_text(brief.read_text("utf-8").replace("tlp: clear\n", "tlp: clear\nreviewed_by: [Dana Reviewer]\n", 1), "utf-8")
    r = minimal.run("validate")
    assert r.code == 1 and r.lines[0].startswith("briefs/2024/first-brief.yaml:4:1: error: brief 'first-brief' has no approved:")


def test_a_drafts_build_shows_an_unreviewed_brief_marked(minimal):
    _require_review(minimal)
    r = minimal.run("build", "--drafts")
    assert r.code == 0, r.err
    assert '<span class="bg-badge bg-unreviewed">not reviewed</span>' in _page(minimal)


def test_require_review_is_met_by_a_reviewed_brief(minimal):
    _require_review(minimal)
    _review(minimal)
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert "not reviewed" not in _page(minimal)
