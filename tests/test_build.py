"""End to end: `briefgen build` runs the real mkdocs and the site has what readers need."""

from __future__ import annotations

import hashlib
from html import unescape
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from support import REPO, build_bundled_site, minimal_project

ACTORS = sorted(p.stem for p in (REPO / "briefs/actors").glob("*.yaml"))
SOURCES = sorted(p.stem for p in (REPO / "briefs/sources").glob("*.yaml"))
QUESTIONS = sorted(p.stem for p in (REPO / "briefs/questions").glob("*.yaml"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The bundled corpus, built once with the real CLI into a temporary copy of the project."""
    return build_bundled_site(tmp_path_factory.mktemp("bundled"))


def page(site: Path, url: str) -> str:
    path = site / url.strip("/") / "index.html" if not url.endswith(".json") else site / url.strip("/")
    assert path.exists(), f"{url} is missing"
    return path.read_text("utf-8")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_every_contract_url_exists(site):
    urls = ["/", "/briefs/", "/actors/", "/sources/", "/reliability/", "/hypotheses/", "/timeline/", "/timeline/2023/", "/contradictions/", "/methodology/", "/schema/"]
    urls += ["/briefs/idleb-isis-hts/", "/briefs/example-shared-entities/"]
    urls += [f"/actors/{a}/" for a in ACTORS] + [f"/sources/{s}/" for s in SOURCES] + [f"/hypotheses/{q}/" for q in QUESTIONS]
    urls += [f"/reliability/{g}/" for g in "abcdef"]
    for url in urls:
        assert "<html" in page(site, url)
    json.loads(page(site, "/data/corpus.json"))


def test_brief_page_has_anchors_codes_and_judgments(site):
    html = page(site, "/briefs/idleb-isis-hts/")
    data = json.loads(page(site, "/data/corpus.json"))
    brief = next(b for b in data["briefs"] if b["id"] == "idleb-isis-hts")
    for item_id in brief["claims"] + brief["analyses"] + brief["judgments"]:
        assert f'id="{item_id}"' in html, item_id
    text = text_of(html)
    assert "C3" in text and "fairly reliable source, possibly true" in html  # Admiralty badge with its wording
    assert "likely" in text and "low confidence" in text
    assert "Yassin Jamoul" in text and "Abbas Sharifa" in text
    assert "Bottom line" in text
    assert "TLP:CLEAR" in text


def test_actor_page_has_aliases_relations_both_ways_and_claims(site):
    text = text_of(page(site, "/actors/isis/"))
    assert "Daesh" in text and "ISIL" in text
    # relations held by other actors, shown from this side
    assert "led by Abu al-Hussein al-Husseini al-Qurashi" in text
    assert "hostile to Hay'at Tahrir al-Sham" in text
    # claims from both briefs concerning the actor
    data = json.loads(page(site, "/data/corpus.json"))
    briefs = {c["brief"] for c in data["claims"] if "isis" in c.get("actors", [])}
    assert briefs == {"idleb-isis-hts", "example-shared-entities"}
    for c in data["claims"]:
        if "isis" in c.get("actors", []):
            assert c["statement"][:40] in text.replace("&#x27;", "'").replace("&quot;", '"') or c["statement"][:40].replace("'", "’") in text


def test_source_and_reliability_pages(site):
    text = text_of(page(site, "/sources/turkish-presidency/"))
    assert "fairly reliable" in text
    grade_c = text_of(page(site, "/reliability/c/"))
    assert "Presidency" in grade_c and "C3" in grade_c
    grid = page(site, "/reliability/")
    assert 'class="bg-grid"' in grid


def test_question_page_has_matrix_scores_and_ranking(site):
    html = page(site, "/hypotheses/who-killed-al-qurashi/")
    for h in ("h-turkish-intelligence-operation", "h-hts-killed-him", "h-hts-turkish-cooperation", "h-other-actor-or-unknown"):
        assert f'id="{h}"' in html
    text = text_of(html)
    assert "Weighted inconsistency" in text and "0.16" in text and "0.96" in text and "Diagnosticity" in text
    assert "not diagnostic" in text  # the successor claim rates every hypothesis alike


def test_timeline_shows_reduced_precision_honestly(site):
    index = text_of(page(site, "/timeline/"))
    assert "2023" in index and "2011" in index  # one page a year
    text = text_of(page(site, "/timeline/2023/"))
    assert "30 April 2023" in text  # Erdogan's announcement, a full date
    assert "August 2023" in text
    assert not re.search(r"(?<!\d)1 August 2023", text)  # a month is not its first day


def test_contradictions_are_listed(site):
    text = text_of(page(site, "/contradictions/"))
    assert "contradicted by" in text and "Erdoğan" in text


def test_search_finds_actors_by_alias_and_plain_spelling(site):
    index = json.loads((site / "search/search_index.js").read_text("utf-8").removeprefix("var __index = "))  # the lunr index (file://)
    def pages_with(word):
        return {d["location"].split("#")[0] for d in index["docs"] if re.search(rf"\b{re.escape(word)}\b", d["text"] + " " + d["title"], re.I)}
    assert "actors/isis/" in pages_with("Daesh")
    assert "actors/hts/" in pages_with("Nusra")
    assert "actors/abu-muhammad-al-julani/" in pages_with("Jolani")
    assert "actors/turkish-intelligence/" in pages_with("MIT")
    assert "actors/recep-tayyip-erdogan/" in pages_with("Erdogan")
    assert "actors/abu-al-hussein-al-qurashi/" in pages_with("Qurashi")


def test_search_index_skips_pages_that_only_repeat_claims(site):
    """Timeline years, grade pages and contradictions list claims found on their briefs already."""
    index = json.loads((site / "search/search_index.js").read_text("utf-8").removeprefix("var __index = "))  # the lunr index (file://)
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "briefs/idleb-isis-hts/" in locations and "actors/isis/" in locations
    assert not any(l.startswith(("timeline/2", "reliability/c/", "contradictions/")) for l in locations)


def test_navigation_lists_sections_not_every_page(site):
    html = page(site, "/")
    nav = re.findall(r'href="([^"]+)" class="md-(?:nav|tabs)__link', html)
    assert not any("actors/isis" in h for h in nav)
    for section in ("actors/", "sources/", "reliability/", "hypotheses/", "timeline/", "contradictions/", "methodology/"):
        assert any(section in h for h in nav), section


def test_no_outside_requests_in_pages(site):
    for path in site.rglob("*.html"):
        html = path.read_text("utf-8")
        for tag, url in re.findall(r'<(script|link|img|iframe)[^>]+(?:src|href)="(https?:)?//', html):
            pytest.fail(f"{path.relative_to(site)} loads {tag} from an outside host")
        assert "fonts.googleapis" not in html


def test_corpus_json_contract(site):
    data = json.loads(page(site, "/data/corpus.json"))
    assert set(data) == {"briefs", "claims", "analyses", "judgments", "actors", "sources", "questions"}
    for kind, items in data.items():
        for item in items:
            assert "id" in item, kind
    for q in data["questions"]:
        weighted = [h["weighted_inconsistency"] for h in q["hypotheses"]]
        assert weighted == sorted(weighted)
        assert all(isinstance(h["inconsistency"], int) for h in q["hypotheses"])


# --- publishing rules -----------------------------------------------------------

AMBER = """
    title: Secret source network in Idleb
    published: "2024-05"
    tlp: amber
    summary: Restricted bottom line about informant Zephyrine.
    claims:
      - id: restricted-informant-report
        statement: Informant Zephyrine reports a meeting in Sarmada.
        source: daily-news
        reported: "2024-05"
        credibility: 2
        actors: [alpha-group]
    """

DRAFT = """
    title: Unfinished draft about Quellmark
    published: "2024-06"
    tlp: clear
    status: draft
    summary: Draft text mentioning Quellmark.
    claims:
      - id: draft-only-claim
        statement: The Quellmark convoy crossed the border.
        source: daily-news
        reported: "2024-06"
        credibility: 3
    """


def all_output(site: Path) -> str:
    return "\n".join(p.read_text("utf-8", errors="replace") for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".json", ".xml", ".js"))


def test_amber_brief_and_draft_are_not_published(minimal):
    minimal.write("2024/secret.yaml", AMBER)
    minimal.write("2024/draft.yaml", DRAFT)
    r = minimal.run("build")
    assert r.code == 0, r.err
    out = all_output(minimal.root / "site")
    for needle in ("Zephyrine", "Secret source network", "restricted-informant-report", "Quellmark", "draft-only-claim", "briefs/secret", "briefs/draft"):
        assert needle not in out, needle
    assert "First brief" in out
    data = json.loads((minimal.root / "site/data/corpus.json").read_text())
    assert [b["id"] for b in data["briefs"]] == ["first-brief"]
    # counts on the home page count only what is published
    assert "1 briefs" in text_of((minimal.root / "site/index.html").read_text())


def test_max_tlp_and_drafts_flags_publish_them(minimal):
    minimal.write("2024/secret.yaml", AMBER)
    minimal.write("2024/draft.yaml", DRAFT)
    r = minimal.run("build", "--max-tlp", "amber", "--drafts")
    assert r.code == 0, r.err
    out = all_output(minimal.root / "site")
    assert "Zephyrine" in out and "Quellmark" in out


def test_published_item_referencing_unpublished_one_is_an_error(minimal):
    minimal.write("2024/secret.yaml", AMBER)
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("contradicts: [alpha-claims-it]", "contradicts: [restricted-informant-report]"))
    r = minimal.run("build")
    assert r.code == 1
    assert r.lines == [
        "briefs/2024/first-brief.yaml:21:19: error: published claim 'news-says-beta' (TLP:CLEAR) references claim "
        "'restricted-informant-report' (TLP:AMBER), which this build does not publish (max TLP:CLEAR, no drafts)"
    ]
    assert not (minimal.root / "site").exists()


def test_restricted_actor_referenced_by_public_claim(minimal):
    minimal.write("actors/beta-state.yaml", "name: Beta State\nkind: state\ntlp: red\n")
    r = minimal.run("validate")
    assert r.code == 1
    assert any("references actor 'beta-state' (TLP:RED)" in l for l in r.lines)


def _tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


def test_failed_build_leaves_previous_site_untouched(minimal):
    assert minimal.run("build").code == 0
    before = _tree_digest(minimal.root / "site")
    minimal.write("actors/beta-state.yaml", "name: Beta State\nkind: country\n")
    r = minimal.run("build")
    assert r.code == 1
    assert _tree_digest(minimal.root / "site") == before
    assert not list(minimal.root.glob(".site-*"))  # no temporary folder left behind


def test_raw_html_in_fields_is_shown_as_text(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    path.write_text(path.read_text().replace("summary: The **bottom line**.", "summary: 'Look <script>alert(1)</script> <a href=\"javascript:alert(2)\">x</a> <img src=x onerror=alert(3)>'")
                    .replace("statement: Alpha says it did it.", "statement: 'Alpha <b onmouseover=alert(4)>says</b> it did it.'"))
    r = minimal.run("build")
    assert r.code == 0, r.err
    html = (minimal.root / "site/briefs/first-brief/index.html").read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "javascript:" not in html
    assert "<img src=x" not in html and "onerror=alert(3)>" not in html.replace("&gt;", ">").split("&lt;img")[0]
    assert "<b onmouseover" not in html


def test_site_dir_option(minimal, tmp_path):
    r = minimal.run("build", "--site-dir", str(tmp_path / "elsewhere"))
    assert r.code == 0, r.err
    assert (tmp_path / "elsewhere/index.html").exists()
    assert not (minimal.root / "site").exists()


def test_parallel_render_writes_the_same_pages_as_serial(minimal):
    """Large corpora render in forked workers; the output must not depend on it."""
    import hashlib

    from generator.build import driver as pipeline
    from generator.build import render
    from generator.config import Project as GenProject
    from generator.stages.corpus import Policy

    project = GenProject(minimal.root)
    settings = project.settings()
    generated = pipeline.validate(project, Policy())

    def digest():
        return {p.relative_to(project.docs).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in project.docs.rglob("*") if p.is_file()}

    old = render.PARALLEL_MIN_PAGES
    try:
        render.PARALLEL_MIN_PAGES = 10**9
        render.render(project, generated.corpus, generated.findings, settings)
        serial = digest()
        shutil.rmtree(project.docs)
        render.PARALLEL_MIN_PAGES = 1
        result = render.render(project, generated.corpus, generated.findings, settings, workers=2)
        assert digest() == serial
        assert len(result.written) == len(serial)
        # a template error inside a worker is still a positioned problem
        (minimal.root / "templates/actor.md.j2").write_text("{{ no_such_thing.attr }}\n")
        from generator.errors import ContentError
        with pytest.raises(ContentError) as err:
            render.render(project, generated.corpus, generated.findings, settings, workers=2)
        assert err.value.problems[0].path == "templates/actor.md.j2"
    finally:
        render.PARALLEL_MIN_PAGES = old


def test_a_pipe_in_a_relation_note_link_keeps_the_note_and_its_source(minimal):
    minimal.write("actors/alpha-group.yaml", """
        name: Alpha Group
        kind: armed-group
        relations:
          - {type: hostile-to, actor: beta-state, since: "2020", note: "Per [the report](https://a.example/a|b \\"x|y\\")", source: daily-news}
        """)
    r = minimal.run("build")
    assert r.code == 0, r.err
    for page in ("alpha-group", "beta-state"):  # the relation, and its inverse
        html = (minimal.root / f"site/actors/{page}/index.html").read_text()
        rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if "the report" in row]
        assert len(rows) == 1, rows
        row = rows[0]
        assert row.count("<td>") == 5
        assert '<a href="https://a.example/a%7Cb" rel="noopener nofollow" title="x&#124;y">the report</a>' in row
        assert 'href="../../sources/daily-news/">Daily News</a>' in row


def test_a_summary_of_unclosed_links_builds_in_time_linear_in_its_length(tmp_path):
    """`[a](` repeated: each link is looked for to the end of the summary."""
    seconds = []
    for units in (2_000, 8_000):
        project = minimal_project(tmp_path / str(units))
        brief = project.root / "briefs/2024/first-brief.yaml"
        brief.write_text(brief.read_text().replace("summary: The **bottom line**.", f"summary: '{'[a](' * units}'"))
        start = time.perf_counter()
        r = project.run("build")
        seconds.append(time.perf_counter() - start)
        assert r.code == 0, r.err
        assert "[a](" * units in unescape((project.root / "site/briefs/first-brief/index.html").read_text())
    assert seconds[1] < 2.5 * seconds[0], f"{seconds[0]:.1f} s for 8 KB, {seconds[1]:.1f} s for 32 KB"


def test_a_project_named_by_a_relative_path_gives_mkdocs_its_own_docs(minimal, monkeypatch):
    """mkdocs reads `docs_dir` relative to the mkdocs.yml in use, briefgen's own for a project without
    one: a project named from inside its folder (`Project(Path("."))`, as a script would) must still
    give mkdocs its own docs folder, not the one beside briefgen's mkdocs.yml."""
    from generator.config import Project as GenProject
    from generator.site.mkdocs import mkdocs_config

    (minimal.root / "mkdocs.yml").unlink()  # built with briefgen's
    monkeypatch.chdir(minimal.root)
    project = GenProject(Path("."))
    (minimal.root / "build/docs").mkdir(parents=True)  # as the generator leaves it
    config = mkdocs_config(project, project.settings(), project.site)
    assert Path(config.docs_dir) == minimal.root.resolve() / "build/docs"
    assert Path(config.site_dir) == minimal.root.resolve() / "site"
