"""Safe publishing: markings, the leak check, reproducible output."""

from __future__ import annotations


from test_build import AMBER, DRAFT, _tree_digest


def test_every_page_shows_its_marking(minimal):
    assert minimal.run("build").code == 0
    site = minimal.root / "site"
    for page in ["index.html", "briefs/first-brief/index.html", "actors/alpha-group/index.html", "sources/daily-news/index.html",
                 "hypotheses/who-did-it/index.html", "timeline/index.html", "reliability/index.html"]:
        assert "TLP&#58;CLEAR" in (site / page).read_text() or "TLP:CLEAR" in (site / page).read_text(), page
    # a clear build has no banner
    assert 'class="bg-banner"' not in (site / "index.html").read_text()


def test_build_above_clear_shows_highest_marking_in_every_banner(minimal):
    minimal.write("2024/secret.yaml", AMBER)
    assert minimal.run("build", "--max-tlp", "amber").code == 0
    for page in (minimal.root / "site").rglob("*.html"):
        html = page.read_text()
        if "md-content" in html:
            assert 'class="bg-banner"' in html and "TLP:AMBER" in html, page
    brief = (minimal.root / "site/briefs/secret/index.html").read_text()
    assert "TLP&#58;AMBER" in brief


def test_leak_check_fails_the_build_and_keeps_the_old_site(minimal):
    minimal.write("2024/secret.yaml", AMBER)
    assert minimal.run("build").code == 0
    before = _tree_digest(minimal.root / "site")
    # someone pastes restricted text into a hand-written page
    (minimal.root / "site_config/pages/notes.md").write_text("# Notes\n\nInformant Zephyrine reports a meeting in Sarmada.\n")
    r = minimal.run("build")
    assert r.code == 1
    assert "notes/index.html:1:1: error: leak: withheld brief 'secret' (TLP:AMBER) appears in the output" in r.err
    assert _tree_digest(minimal.root / "site") == before


def _namesakes(project) -> None:
    """Five sources of one name and three actors of another, all cited by one brief: lists sorted by name
    must still come out in one order, whatever order the sets they are made from iterate in."""
    for i in range(5):
        project.write(f"sources/wire-{i}.yaml", "name: Namesake Wire\nkind: news-outlet\nreliability: C\n")
    for i in range(3):
        project.write(f"actors/front-{i}.yaml", "name: Namesake Front\nkind: armed-group\n")
    claims = "".join(f"""
          - id: namesake-{i}
            statement: Namesake claim {i}.
            source: wire-{i}
            reported: "2024-04-0{i + 1}"
            credibility: 3
            actors: [front-{i % 3}]""" for i in range(5))
    project.write("2024/namesakes.yaml", f"""
        title: Namesakes
        published: "2024-04"
        tlp: clear
        summary: Sources and actors that share a name.
        claims:{claims}
        """)


def test_two_builds_are_byte_identical(minimal, tmp_path):
    minimal.write("2024/draft.yaml", DRAFT)
    _namesakes(minimal)
    # each process with its own hash seed: no set's order may reach the site
    assert minimal.run("build", "--site-dir", str(tmp_path / "a"), env={"PYTHONHASHSEED": "1"}).code == 0
    # a second build from scratch, later, in another folder
    import shutil
    shutil.rmtree(minimal.root / "build")
    assert minimal.run("build", "--site-dir", str(tmp_path / "b"), env={"PYTHONHASHSEED": "2"}).code == 0
    a, b = _tree_digest(tmp_path / "a"), _tree_digest(tmp_path / "b")
    assert a == b
    assert "sitemap.xml.gz" in a and "search/search_index.js" in a and "pagefind/pagefind-entry.json" in a
