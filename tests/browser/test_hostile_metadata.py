"""Script in titles, names, aliases and the site's settings does not run in Chromium, on any page or in search."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import serve_dir
from hostile_metadata import BRIEF_TITLE, SITE_TITLE, build_hostile_site


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    return build_hostile_site(tmp_path_factory.mktemp("hostile-metadata"))


def test_no_payload_runs_on_any_page_or_in_offline_search(tab, hostile_site):
    page = tab.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pages = sorted(p.relative_to(hostile_site).as_posix() for p in hostile_site.rglob("*.html"))
    assert len(pages) > 20
    server, url = serve_dir(hostile_site)
    try:
        for rel in pages:
            page.goto(f"{url}/{rel}", wait_until="load")
            assert page.evaluate("() => window.__pwned") is None, rel
            assert dialogs == [], rel
    finally:
        server.shutdown()
    # the offline search shows the index's titles as HTML: they must read as written
    page.goto((hostile_site / "index.html").as_uri())
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially("Brief", delay=30)
    title = page.locator('.md-search-result__list a[href$="/briefs/first-brief/index.html"] h1').first
    title.wait_for(timeout=15000)
    page.wait_for_timeout(300)
    assert re.sub(r"\s+", " ", title.inner_text()).strip() == BRIEF_TITLE
    assert page.evaluate("() => window.__pwned") is None and dialogs == []


def test_the_logo_s_tooltip_shows_the_site_s_name_as_written(tab, hostile_site):
    page = tab.page
    server, url = serve_dir(hostile_site)
    try:
        page.goto(f"{url}/briefs/first-brief/", wait_until="load")
        logos = page.locator(".md-logo")
        assert logos.count() == 2
        for i in range(2):
            assert logos.nth(i).get_attribute("title") == SITE_TITLE
            assert logos.nth(i).get_attribute("aria-label") == SITE_TITLE
    finally:
        server.shutdown()
