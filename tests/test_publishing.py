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


def test_two_builds_are_byte_identical(minimal, tmp_path):
    minimal.write("2024/draft.yaml", DRAFT)
    assert minimal.run("build", "--site-dir", str(tmp_path / "a")).code == 0
    # a second build from scratch, later, in another folder
    import shutil
    shutil.rmtree(minimal.root / "build")
    assert minimal.run("build", "--site-dir", str(tmp_path / "b")).code == 0
    a, b = _tree_digest(tmp_path / "a"), _tree_digest(tmp_path / "b")
    assert a == b
    assert "sitemap.xml.gz" in a and "search/search_index.js" in a and "pagefind/pagefind-entry.json" in a
