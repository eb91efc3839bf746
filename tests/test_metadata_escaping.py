"""Author text that reaches the theme outside the page body (titles, descriptions, the site's settings)
and the CSV exports shows as written: no payload becomes an element, an attribute or a formula."""

from __future__ import annotations

import csv
import html
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.output import folding
from hostile_metadata import (ACTOR_NAME, ALIAS, ARABIC_ALIAS, AT_CLAIM, COPYRIGHT, FORMULA_CLAIM, FORMULA_HYPOTHESIS, HYPOTHESIS,
                              NATIVE_NAME, PLACE, SITE_DESCRIPTION, SITE_TITLE, SOURCE_NAME, SOURCE_NATIVE_NAME, TITLED_PAGES,
                              build_hostile_site)

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        """The text as shown, without a heading's permalink sign."""
        parts = [c if isinstance(c, str) else "" if c.has_class("headerlink") else c.text() for c in self.children]
        return " ".join("".join(parts).split())

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()


class _Tree(HTMLParser):
    """The page as a tree of elements, as html.parser reads it (entities decoded)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.here = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.here)
        self.here.children.append(node)
        if tag not in _VOID:
            self.here = node

    def handle_startendtag(self, tag, attrs):
        self.here.children.append(Node(tag, dict(attrs), self.here))

    def handle_endtag(self, tag):
        node = self.here
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.here = node.parent

    def handle_data(self, data):
        self.here.children.append(data)


def parse(path: Path) -> Node:
    tree = _Tree()
    tree.feed(path.read_text("utf-8"))
    tree.close()
    return tree.root


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    return build_hostile_site(tmp_path_factory.mktemp("hostile-metadata"))


def test_no_payload_becomes_an_element_or_attribute_on_any_page(hostile_site):
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        rel = page.relative_to(hostile_site).as_posix()
        for node in parse(page).iter():
            handlers = [name for name in node.attrs if name.startswith("on")]
            assert not handlers, f"{rel}: <{node.tag} {handlers}>"
            assert not (node.tag == "img" and node.attrs.get("src") == "x"), rel
            if node.tag == "script":
                assert "alert(" not in node.text() and "__pwned" not in node.text(), rel


@pytest.mark.parametrize("rel", sorted(TITLED_PAGES))
def test_titles_and_settings_show_as_written(hostile_site, rel):
    """In the browser tab's title, the header, the logo's tooltip and label, the feed link, the
    description and the footer, each text reads as the author wrote it: escaped once, not twice."""
    title = TITLED_PAGES[rel]
    doc = parse(hostile_site / rel)
    nodes = list(doc.iter())
    head_title = [n for n in nodes if n.tag == "title" and n.parent.tag == "head"]
    assert [n.text() for n in head_title] == [f"{title} - {SITE_TITLE}"]
    topics = [n.text() for n in nodes if n.has_class("md-header__topic")]
    assert topics == [SITE_TITLE, title]
    logos = [n for n in nodes if n.has_class("md-logo")]
    # the theme escapes the logo's title once more (for its HTML tooltips); briefgen.js sets it from the label
    assert logos and all(html.unescape(n.attrs["title"]) == SITE_TITLE and n.attrs["aria-label"] == SITE_TITLE for n in logos)
    feed = [n.attrs["title"] for n in nodes if n.tag == "link" and n.attrs.get("type") == "application/atom+xml"]
    assert feed == [f"{SITE_TITLE}: briefs"]
    descriptions = [n.attrs["content"] for n in nodes if n.tag == "meta" and n.attrs.get("name") == "description"]
    assert descriptions == [f"Alfa, {ALIAS}, {ARABIC_ALIAS}" if rel.startswith("actors/") else SITE_DESCRIPTION]
    assert [n.text() for n in nodes if n.has_class("md-copyright__highlight")] == [COPYRIGHT]
    assert [n.text() for n in nodes if n.tag == "h1"] == [title]


@pytest.mark.parametrize("rel", ["briefs/first-brief/index.html", "actors/alpha-group/index.html"])
def test_map_points_name_their_place_and_claim_as_written(hostile_site, rel):
    """A claim's location and statement in a map's SVG (a point's name and tooltip) and in its list read as written."""
    figures = [n for n in parse(hostile_site / rel).iter() if n.tag == "figure" and n.has_class("bg-map")]
    assert len(figures) == 1
    name = f"{PLACE} (claimed location): {FORMULA_CLAIM}"
    assert [n.text() for n in figures[0].iter() if n.tag == "title"] == [name]  # a point's name and tooltip
    assert [n.text() for n in figures[0].iter() if n.tag == "li"] == [name]


def test_offline_search_index_holds_titles_as_text_escaped_once(hostile_site):
    """Material's search shows an index title as HTML: escaped once, it reads as written."""
    script = (hostile_site / "search/search_index.js").read_text("utf-8")
    docs = json.loads(script.removeprefix("var __index = "))["docs"]
    titles = {d["location"]: d["title"] for d in docs}
    for rel, title in TITLED_PAGES.items():
        location = "" if rel == "index.html" else rel.removesuffix("index.html")
        assert "<" not in titles[location] and html.unescape(titles[location]) == title, rel


# the pages that show names in Arabic script, with every name of their actor or source
NAMED = {
    "actors/alpha-group/index.html": ([NATIVE_NAME, ARABIC_ALIAS], [ACTOR_NAME, NATIVE_NAME, "Alfa", ALIAS, ARABIC_ALIAS]),
    "actors/index.html": ([NATIVE_NAME, ARABIC_ALIAS], None),
    "sources/daily-news/index.html": ([SOURCE_NATIVE_NAME], [SOURCE_NAME, SOURCE_NATIVE_NAME]),
}


@pytest.mark.parametrize("rel", sorted(NAMED))
def test_names_in_arabic_show_as_written_marked_right_to_left(hostile_site, rel):
    """Each name given with `lang: ar` reads as written, in an element that says its language and runs
    right to left; the folded spellings Pagefind indexes are text too, and hidden."""
    marked, names = NAMED[rel]
    nodes = list(parse(hostile_site / rel).iter())
    spans = [n for n in nodes if n.attrs.get("lang") == "ar"]
    assert [n.text() for n in spans] == [" ".join(m.split()) for m in marked]
    assert all(n.tag == "span" and n.attrs.get("dir") == "rtl" and not n.children[1:] for n in spans)
    folded = [n for n in nodes if n.has_class("bg-folded")]
    if names is None:
        assert not folded
        return
    assert len(folded) == 1 and "hidden" in folded[0].attrs and not [c for c in folded[0].children if isinstance(c, Node)]
    assert folded[0].text() == " ".join(", ".join(folding.name_forms(names)).split())


def test_offline_search_index_holds_folded_names_as_text_escaped_once(hostile_site):
    script = (hostile_site / "search/search_index.js").read_text("utf-8")
    docs = {d["location"]: d for d in json.loads(script.removeprefix("var __index = "))["docs"]}
    actor = docs["actors/alpha-group/"]
    folded = " ".join(actor["tags_folded"])
    assert "<" not in folded and "<" not in actor["text_folded"]
    for name in (NATIVE_NAME, ARABIC_ALIAS):
        for word in folding.changed_words(name):
            assert word in html.unescape(folded).split(), word


def test_ach_csv_neutralises_formulas(hostile_site):
    raw = (hostile_site / "data/ach/who-did-it.csv").read_text("utf-8")
    rows = list(csv.reader(raw.splitlines(keepends=True)))
    cells = {row[0]: row for row in rows if row}
    assert cells["alpha-claims-it"][3] == "'" + FORMULA_CLAIM
    assert cells["news-says-beta"][3] == "'" + AT_CLAIM
    assert cells["h-beta"][1] == "'" + FORMULA_HYPOTHESIS
    assert cells["h-alpha"][1] == HYPOTHESIS  # text that is no formula stays as written
    # no cell starts a formula, and each neutralised cell is quoted in the file
    assert not [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert f"\"'{AT_CLAIM}\"" in raw and "\"'" + FORMULA_CLAIM.replace('"', '""') + '"' in raw
    assert f"\"'{FORMULA_HYPOTHESIS}\"" in raw
