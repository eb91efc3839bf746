"""Search in a real browser: Pagefind when the site is served, lunr from a file:// copy; aliases, safety, accessibility."""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import pytest

from browser_support import ALIASES as BASE_ALIASES, shot
from conftest import serve_dir
from support import minimal_project

ALIASES = [  # and spellings with an article or a diacritic
    *BASE_ALIASES,
    ("al-Qurashi", "actors/abu-al-hussein-al-qurashi/"),
    ("Erdoğan", "actors/recep-tayyip-erdogan/"),
]

# Arabic names of the bundled corpus as written, and as readers type them: without the article ال or
# with it where the name has none, with a bare alef for أ إ آ, heh for taa marbuta, yeh for alef maqsura.
# Each single word but the names as written is found only if the page's script folds the query, or the
# build the index, or both.
ARABIC = [
    ("داعش", "actors/isis/"),
    ("الدولة الإسلامية", "actors/isis/"),
    ("هيئة تحرير الشام", "actors/hts/"),
    ("دولة", "actors/isis/"),  # both: the article dropped (index), taa marbuta (query)
    ("الدوله", "actors/isis/"),  # query: heh for taa marbuta
    ("الاسلاميه", "actors/isis/"),  # query: bare alef, heh
    ("هيئه", "actors/hts/"),  # index: heh
    ("الهيئة", "actors/hts/"),  # query: an article the name does not have
    ("النصره", "actors/hts/"),  # query: heh
    ("جولاني", "actors/abu-muhammad-al-julani/"),  # index: no article
    ("إثر", "sources/athr-press/"),  # query: alef with hamza below for hamza above
    ("نهار", "sources/an-nahar/"),  # index: no article
    ("والنهار", "sources/an-nahar/"),  # query: the article after wa-
    ("العربى", "sources/the-new-arab/"),  # query: alef maqsura for yeh
]


@pytest.fixture(scope="module")
def file_copy(built_site, tmp_path_factory) -> Path:
    """The built site copied elsewhere, as a reader would unpack it, opened from the file system."""
    copy = tmp_path_factory.mktemp("file-copy") / "site"
    shutil.copytree(built_site, copy)
    return copy


def search(page, query: str):
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially(query, delay=30)
    # a character no key of the browser's layout writes (Arabic) is inserted without the keyup
    # Material's search box listens to; a reader's own keyboard sends one with every key
    page.locator("input.md-search__input").press("End")
    page.locator(".md-search-result__meta", has_text=re.compile("matching")).wait_for(timeout=15000)
    page.wait_for_function(f"() => document.querySelector('input.md-search__input').value === {query!r}")


@pytest.mark.parametrize("query,target", ALIASES)
def test_served_search_answers_from_pagefind(tab, base_url, query, target):
    page = tab.page
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("data-bg-search") == "pagefind"
    search(page, query)
    link = page.locator(f'.md-search-result__list a[href*="/{target}?"], .md-search-result__list a[href$="/{target}"]').first
    link.wait_for(timeout=15000)
    assert any("/pagefind/pagefind.js" in u for u in tab.requests)
    assert not any(u.endswith("search_index.js") for u in tab.requests)  # the offline index is for file:// only
    with page.expect_navigation():
        link.click()
    assert page.url.split("?")[0].endswith(f"/{target}")
    assert page.locator("h1").first.inner_text()
    assert not tab.outside_requests()


@pytest.mark.parametrize("query,target", ALIASES)
def test_file_copy_searches_with_lunr_and_opens_the_actor(tab, file_copy, query, target):
    page = tab.page
    page.goto((file_copy / "index.html").as_uri())
    assert page.locator("html").get_attribute("data-bg-search") == "lunr"
    search(page, query)
    link = page.locator(f'.md-search-result__list a[href$="/{target}index.html"]').first
    link.wait_for(timeout=15000)
    with page.expect_navigation():
        link.click()
    assert page.url == (file_copy / target / "index.html").as_uri()
    assert page.locator("h1").first.inner_text()
    # and the page's own links open pages, not folder listings
    with page.expect_navigation():
        page.locator("a.md-tabs__link", has_text="Actors").click()
    assert page.url == (file_copy / "actors/index.html").as_uri()
    assert not tab.outside_requests()
    assert not any("/pagefind/" in u for u in tab.requests)


def _served_result(page, target: str):
    return page.locator(f'.md-search-result__list a[href*="/{target}?"], .md-search-result__list a[href$="/{target}"]').first


@pytest.mark.parametrize("query,target", ARABIC)
def test_served_search_finds_arabic_names_however_spelt(tab, base_url, query, target):
    page = tab.page
    page.goto(base_url + "/")
    search(page, query)
    link = _served_result(page, target)
    link.wait_for(timeout=15000)
    with page.expect_navigation():
        link.click()
    assert page.url.split("?")[0].endswith(f"/{target}")
    assert not tab.outside_requests()


@pytest.mark.parametrize("query,target", ARABIC)
def test_file_copy_finds_arabic_names_however_spelt(tab, file_copy, query, target):
    page = tab.page
    page.goto((file_copy / "index.html").as_uri())
    search(page, query)
    link = page.locator(f'.md-search-result__list a[href$="/{target}index.html"]').first
    link.wait_for(timeout=15000)
    with page.expect_navigation():
        link.click()
    assert page.url == (file_copy / target / "index.html").as_uri()


@contextlib.contextmanager
def _home(page, site: Path, how: str):
    """`page` at the home page of `site`, served over HTTP for the time of the block, or from file://."""
    if how != "served":
        page.goto((site / "index.html").as_uri())
        yield
        return
    server, url = serve_dir(site)
    try:
        page.goto(url + "/")
        yield
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def alef_maqsura_site(tmp_path_factory) -> Path:
    """An actor whose Arabic names end in alef maqsura, written with and without the article."""
    project = minimal_project(tmp_path_factory.mktemp("alef-maqsura") / "proj")
    actor = project.root / "briefs/actors/alpha-group.yaml"
    actor.write_text(actor.read_text().replace("aliases: [Alfa, \"al-Alpha\"]",
                                               'native_name: {name: "كتائب المصطفى", lang: ar}\naliases: [Alfa, {name: "سرايا الهدى", lang: ar}]'))
    r = project.run("build")
    assert r.code == 0, r.err
    return project.root / "site"


@pytest.mark.parametrize("how", ["served", "file"])
@pytest.mark.parametrize("query", ["كتائب المصطفى", "مصطفي", "المصطفي", "هدى", "الهدي"])
def test_alef_maqsura_and_yeh_find_one_another(tab, alef_maqsura_site, how, query):
    page = tab.page
    with _home(page, alef_maqsura_site, how):
        search(page, query)
        target = "actors/alpha-group/"
        link = _served_result(page, target) if how == "served" else page.locator(f'.md-search-result__list a[href$="/{target}index.html"]').first
        link.wait_for(timeout=15000)


def test_arabic_names_run_right_to_left_isolated_in_the_page(tab, base_url):
    """On the actor page each Arabic name is marked Arabic, laid out right to left and isolated, as the
    browser computes it, while the page around it stays left to right."""
    page = tab.page
    page.goto(base_url + "/actors/isis/")
    names = page.locator(".bg-native-name [lang], .bg-aliases [lang]")
    assert names.count() == 3
    for i in range(3):
        style = names.nth(i).evaluate("e => [e.lang, getComputedStyle(e).direction, getComputedStyle(e).unicodeBidi]")
        assert style == ["ar", "rtl", "isolate"]
    assert names.nth(1).inner_text() == "داعش"
    assert page.locator(".bg-aliases").evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert page.locator(".bg-folded").is_hidden()


def test_enter_opens_the_best_result(tab, base_url):
    page = tab.page
    page.goto(base_url + "/briefs/")
    page.keyboard.press("/")
    page.keyboard.type("Daesh", delay=30)
    page.locator('.md-search-result__list a[href*="/actors/isis/"]').first.wait_for(timeout=15000)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/actors/isis/" in page.url


def test_results_show_a_count_and_sections(tab, base_url):
    page = tab.page
    page.goto(base_url + "/")
    search(page, "Qurashi")
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    meta = page.locator(".md-search-result__meta").inner_text()
    assert re.match(r"^\d+( / \d+)? matching documents?$", meta), meta
    assert page.locator(".md-search-result__list mark").count() >= 1  # matches are highlighted in the excerpts
    shot(page, "search-served")


@pytest.mark.parametrize("how", ["served", "file"])
def test_search_with_results_open_has_no_serious_accessibility_violation(tab, base_url, file_copy, how):
    from axe_playwright_python.sync_playwright import Axe

    page = tab.page
    page.goto(base_url + "/" if how == "served" else (file_copy / "index.html").as_uri())
    search(page, "Qurashi")
    page.locator(".md-search-result__item").first.wait_for(timeout=15000)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in bad)
    shot(page, f"search-{how}")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """A brief whose claim statement is markup: the page shows it as text; search results must too."""
    project = minimal_project(tmp_path_factory.mktemp("hostile-search") / "proj")
    brief = project.root / "briefs/2024/first-brief.yaml"
    brief.write_text(brief.read_text().replace(
        "statement: Alpha says it did it.",
        "statement: \"Zorblax <img src=x onerror=window.__pwned=1> says <b>it</b> did it\""))
    r = project.run("build")
    assert r.code == 0, r.err
    return project.root / "site"


@pytest.mark.parametrize("how", ["served", "file"])
def test_search_results_show_markup_as_text(tab, hostile_site, how):
    page = tab.page
    with _home(page, hostile_site, how):
        search(page, "Zorblax")
        item = page.locator(".md-search-result__item").first
        item.wait_for(timeout=15000)
        page.wait_for_timeout(300)
        assert page.locator(".md-search-result__list img, .md-search-result__list b").count() == 0
        assert page.evaluate("() => window.__pwned") is None
        assert "<img" in page.locator(".md-search-result__list").inner_text() or "Zorblax" in page.locator(".md-search-result__list").inner_text()


def test_preview_searches_with_materials_worker(tab, tmp_path):
    """`briefgen serve` runs no Pagefind: its full lunr index is answered by Material's own worker."""
    import socket
    import subprocess
    import sys
    import time

    project = minimal_project(tmp_path / "proj")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "-a", f"127.0.0.1:{port}"], cwd=project.root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    page = tab.page
    try:
        deadline = time.time() + 60
        while True:
            try:
                if page.goto(f"http://127.0.0.1:{port}/").status == 200:
                    break
            except Exception:
                pass
            assert time.time() < deadline, "serve did not come up"
            time.sleep(0.5)
        search(page, "Alfa")
        page.locator('.md-search-result__list a[href*="/actors/alpha-group/"]').first.wait_for(timeout=15000)
        assert not any("/pagefind/" in u for u in tab.requests)
        assert not tab.outside_requests()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
