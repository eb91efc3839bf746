"""The published site in a real browser: search, navigation, visuals, no outside requests, accessibility."""

from __future__ import annotations

import re

import pytest

from browser_support import ALIASES, shot


@pytest.mark.parametrize("query,target", ALIASES)
def test_search_finds_actor_by_alias_and_opens_it(tab, base_url, query, target):
    page = tab.page
    page.goto(base_url + "/")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially(query, delay=30)
    page.locator(".md-search-result__meta", has_text=re.compile("matching")).wait_for(timeout=15000)
    page.wait_for_function(f"() => document.querySelector('input.md-search__input').value === {query!r}")
    link = page.locator(f'.md-search-result__list a[href*="/{target}?"], .md-search-result__list a[href$="/{target}"]').first
    link.wait_for(timeout=15000)
    with page.expect_navigation():
        link.click()
    assert f"/{target}" in page.url
    assert page.locator("h1").first.inner_text()
    assert not tab.outside_requests()


def test_every_navigation_entry_opens_a_page(tab, base_url):
    page = tab.page
    page.goto(base_url + "/")
    hrefs = page.eval_on_selector_all("a.md-tabs__link, nav.md-nav--primary a.md-nav__link", "els => els.map(e => e.href)")
    hrefs = sorted({h.split("#")[0] for h in hrefs})
    assert len(hrefs) >= 9
    for href in hrefs:
        response = page.goto(href)
        assert response.status == 200, href
        assert "404" not in page.title(), href
    assert not tab.outside_requests()


def test_every_link_on_every_page_type_resolves(tab, base_url):
    """Links in tables and graphs are raw HTML, which mkdocs does not check: the browser does."""
    page = tab.page
    checked: dict[str, str] = {}
    for url in PAGE_TYPES:
        page.goto(base_url + url)
        for href in page.eval_on_selector_all("article a[href], article svg a", "els => els.map(e => e.href.baseVal || e.href)"):
            if not href.startswith(base_url) or "?" in href:
                continue
            target, _, anchor = href.partition("#")
            if target not in checked:
                response = page.request.get(target)
                assert response.status == 200, f"{url} links to {href}"
                checked[target] = response.text()
            if anchor:
                assert f'id="{anchor}"' in checked[target], f"{url} links to a missing anchor {href}"
    assert len(checked) > 30


def test_admiralty_grid(tab, base_url):
    page = tab.page
    page.goto(base_url + "/reliability/")
    grid = page.locator("table.bg-grid")
    assert grid.is_visible()
    assert grid.locator("tbody tr").count() == 6 and grid.locator("thead th").count() == 7
    # the C3 cell counts the claims coded C3 and links to them
    shot(page, "reliability-grid")
    c3 = grid.locator("tbody tr").nth(2).locator("td").nth(2).locator("a")
    count = int(c3.inner_text())
    assert count >= 1
    c3.click()
    page.wait_for_url(re.compile(r"/reliability/c3/$"))
    assert page.locator("article ul").first.locator("li").count() == count


def test_badges_explain_themselves(tab, base_url):
    page = tab.page
    page.goto(base_url + "/briefs/idleb-isis-hts/")
    badge = page.locator("span.bg-badge", has_text=re.compile(r"^C3$")).first
    assert badge.get_attribute("title") == "C3: fairly reliable source, possibly true"
    likely = page.locator("span.bg-badge", has_text=re.compile(r"^likely$")).first
    assert "55–80%" in likely.get_attribute("title")
    conf = page.locator("span.bg-badge", has_text="low confidence").first
    assert conf.get_attribute("title").startswith("low confidence")
    # the browser's own tooltip: no script sets up one per title when the page loads (it blocked
    # the main thread), so a hovered badge keeps its title and no theme tooltip appears
    badge.hover()
    page.wait_for_timeout(600)
    assert badge.get_attribute("title") == "C3: fairly reliable source, possibly true"
    assert page.locator(".md-tooltip2, .md-tooltip").count() == 0
    # coloured: a badge is not the page's text colour on no background
    bg = badge.evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")
    shot(page, "brief-badges")


def test_ach_matrix_renders_and_sorts(tab, base_url):
    page = tab.page
    page.goto(base_url + "/hypotheses/who-killed-al-qurashi/")
    matrix = page.locator("table.bg-ach")
    assert matrix.is_visible()
    assert matrix.locator("tfoot tr").count() == 3  # inconsistency, weighted, rank
    assert matrix.locator("tr.bg-nondiagnostic").count() >= 1
    # coloured cells
    cc = matrix.locator("td.bg-r-cc").first
    assert cc.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")

    def column(name):
        idx = matrix.locator("thead th").all_inner_texts().index(name)
        return [float(v) for v in matrix.locator(f"tbody tr td:nth-child({idx + 1})").evaluate_all("els => els.map(e => e.dataset.value)")]

    matrix.get_by_role("button", name="Diagnosticity").click()
    values = column("Diagnosticity")
    assert values == sorted(values, reverse=True)
    matrix.get_by_role("button", name="Diagnosticity").click()
    assert column("Diagnosticity") == sorted(values)
    matrix.get_by_role("button", name="Weight").click()
    weights = column("Weight")
    assert weights == sorted(weights, reverse=True)
    shot(page, "ach-matrix")


def test_timeline_shows_reduced_precision(tab, base_url):
    page = tab.page
    page.goto(base_url + "/timeline/")
    page.get_by_role("link", name="2023", exact=True).click()
    page.wait_for_url(re.compile(r"/timeline/2023/$"))
    text = page.locator("article").inner_text()
    assert "August 2023" in text and not re.search(r"(?<!\d)1 August 2023", text)


def test_without_url_no_page_links_a_feed(tab, base_url):
    # the bundled project gives no url: no feed (its ids would be every such site's); tests/test_feed.py builds one
    page = tab.page
    for url in ("/", "/actors/isis/", "/briefs/idleb-isis-hts/"):
        page.goto(base_url + url)
        assert page.locator('link[type="application/atom+xml"]').count() == 0
    assert page.request.get(base_url + "/feed.xml").status == 404


def test_brief_prints_cleanly(tab, base_url):
    page = tab.page
    page.goto(base_url + "/briefs/idleb-isis-hts/")
    page.emulate_media(media="print")
    for selector in (".md-header", ".md-sidebar--primary", ".md-tabs"):
        el = page.locator(selector).first
        assert el.evaluate("e => getComputedStyle(e).display") == "none", selector
    page.goto(base_url + "/sources/an-nahar/")
    after = page.locator('article a[href^="http"]').first.evaluate("e => getComputedStyle(e, '::after').content")
    assert "http" in after  # links are written out on paper
    page.emulate_media(media="screen")


PAGE_TYPES = ["/", "/briefs/", "/briefs/idleb-isis-hts/", "/actors/", "/actors/isis/", "/sources/", "/sources/an-nahar/",
              "/reliability/", "/reliability/c/", "/hypotheses/", "/hypotheses/who-killed-al-qurashi/", "/timeline/", "/timeline/2023/",
              "/contradictions/", "/methodology/", "/schema/"]


@pytest.mark.parametrize("url", PAGE_TYPES)
def test_no_request_leaves_the_machine(tab, base_url, url):
    page = tab.page
    page.goto(base_url + url)
    page.wait_for_load_state("networkidle")
    assert tab.outside_requests() == []


@pytest.mark.parametrize("url", PAGE_TYPES)
def test_accessibility_no_serious_violations(tab, base_url, url):
    from axe_playwright_python.sync_playwright import Axe

    page = tab.page
    page.goto(base_url + url)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "\n".join(f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in bad)


def test_actor_graph_renders_and_nodes_link_to_actors(tab, base_url):
    page = tab.page
    page.goto(base_url + "/actors/isis/")
    figure = page.locator("figure.bg-graph").first
    assert figure.is_visible()
    box = figure.locator("svg").first.bounding_box()
    assert box["width"] > 200 and box["height"] > 100
    assert "hostile to" in figure.inner_text() or "hostile to" in figure.inner_html()
    shot(page, "actor-graph")
    node = figure.locator('svg a[href="../hts/"], svg a[*|href="../hts/"]').first
    with page.expect_navigation():
        node.click()
    assert page.url.endswith("/actors/hts/")
    page.goto(base_url + "/actors/")
    network = page.locator("figure.bg-graph-network")
    assert network.is_visible()
    shot(page, "actor-network")
    assert not tab.outside_requests()


def test_map_renders_and_a_point_opens_its_claim(tab, base_url):
    """The Idleb brief's located claims on the map of an actor they concern: drawn, named, and each a link."""
    page = tab.page
    page.goto(base_url + "/actors/hts/")
    figure = page.locator("figure.bg-map")
    assert figure.is_visible()
    box = figure.locator("svg.bg-map-plot").bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    shot(page, "actor-map")
    svg = figure.locator("svg.bg-map-plot")
    assert svg.get_by_role("link").count() == 8
    # a point by its accessible name, its <title>: place, basis and claim
    point = svg.get_by_role("link", name=re.compile(r"^Idleb countryside \(claimed location\): In an undated recording"))
    with page.expect_navigation():
        point.click()
    assert page.url.endswith("/briefs/idleb-isis-hts/#isis-says-hts-killed-al-qurashi")
    assert page.locator("#isis-says-hts-killed-al-qurashi").is_visible()
    # on the brief page, an assessed point goes to its claim on the same page
    assessed = page.locator("figure.bg-map svg.bg-map-plot").get_by_role("link", name=re.compile(r"^HTS-controlled north-western Syria \(assessed location\)"))
    assessed.click()
    page.wait_for_url(re.compile(r"#isis-leaders-based-in-hts-areas-not-northern-syria-at-large$"))
    assert not tab.outside_requests()
