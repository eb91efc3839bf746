"""Where it happened: claims' coordinates, validated with their positions, drawn as maps on the brief
and actor pages of a real build (each point a link to its claim), and carried by corpus.json."""

from __future__ import annotations

import json
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from support import MINIMAL, Project
from generator.output import maps

# MINIMAL with a second brief: two located claims (one claimed, one assessed) and one not located, a third
# actor page; and a withheld (amber) brief whose located claim concerns a published actor, far from the others
LOCATED = {
    **MINIMAL,
    "2024/located-brief.yaml": """
        title: Located brief
        published: "2024-04"
        tlp: clear
        summary: Where things happened.
        claims:
          - id: news-places-alpha-in-idleb
            statement: The paper places Alpha in Idleb.
            source: daily-news
            reported: "2024-04-02"
            credibility: 2
            actors: [alpha-group]
            location: Idleb
            coordinates: [35.93, 36.63]
          - id: analysts-place-beta-near-aleppo
            statement: Beta's convoy was seen on the road north of the city.
            source: daily-news
            reported: "2024-04-03"
            credibility: 3
            actors: [alpha-group, beta-state]
            location: "<b>Aleppo</b> & \\"north\\" road"
            coordinates: [36.2, 37.16]
            location_basis: assessed
          - id: channel-says-nothing-of-where
            statement: The channel says nothing of where.
            source: group-channel
            reported: "2024-04-04"
            credibility: 4
            actors: [alpha-group]
        """,
    "2024/amber-located.yaml": """
        title: Restricted located brief
        published: "2024-05"
        tlp: amber
        summary: Restricted.
        claims:
          - id: informant-places-alpha-in-reykjavik
            statement: The informant places Alpha in a northern harbour town.
            source: daily-news
            reported: "2024-05-01"
            credibility: 3
            actors: [alpha-group]
            location: Secret Harbour Town
            coordinates: [64.15, -21.94]
        """,
}
PUBLISHED_LOCATED = {"news-places-alpha-in-idleb": "claimed", "analysts-place-beta-near-aleppo": "assessed"}


class _Elements(HTMLParser):
    """Every element with its attributes and its ancestors' tags; the ids of the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.found: list[tuple[str, dict, tuple[str, ...], list[str]]] = []  # tag, attrs, ancestors, text
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self.found.append((tag, attrs, tuple(t for t, _ in self.stack), []))
        if tag not in ("circle", "path", "rect", "br", "img", "meta", "link", "input", "hr", "line"):
            self.stack.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        self.found.append((tag, attrs, tuple(t for t, _ in self.stack), []))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for tag, attrs, ancestors, text in reversed(self.found):
            if tag == "title":
                text.append(data)
            break


def parse(path: Path, text: str | None = None) -> _Elements:
    p = _Elements()
    p.feed(path.read_text("utf-8") if text is None else text)
    p.close()
    return p


def the_map(path: Path) -> str:
    """The page's map figure, "" without one."""
    text = path.read_text("utf-8")
    return text.split('<figure class="bg-map"', 1)[1].split("</figure>", 1)[0] if '<figure class="bg-map"' in text else ""


def points(path: Path) -> list[dict]:
    """The links of the map's SVG: each with its href, name, shape and class."""
    page = parse(path, the_map(path))
    out = []
    for i, (tag, attrs, ancestors, _) in enumerate(page.found):
        if tag == "a" and "svg" in ancestors:
            shape = page.found[i + 2][0]  # <a><title/><shape/></a>
            title = "".join(page.found[i + 1][3])
            out.append({"href": attrs["href"], "label": attrs.get("aria-label"), "title": title, "shape": shape,
                        "class": attrs.get("class")})
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    project = Project(tmp_path_factory.mktemp("maps"))
    for rel, text in LOCATED.items():
        project.write(rel, text)
    r = project.run("build")  # TLP:CLEAR: the amber brief is withheld, and the leak check looks for it
    assert r.code == 0, r.err
    return project.root / "site"


def _target(site: Path, page: str, href: str) -> tuple[Path, str]:
    url = urlsplit(urljoin("http://x/" + page, href))
    return site / url.path.lstrip("/") / "index.html", url.fragment


@pytest.mark.parametrize("page", ["briefs/located-brief/", "actors/alpha-group/", "actors/beta-state/"])
def test_each_point_links_to_its_claims_anchor(site, page):
    found = points(site / page / "index.html")
    assert found, f"no map on {page}"
    for p in found:
        target, anchor = _target(site, page, p["href"])
        assert target.exists(), p
        assert anchor in PUBLISHED_LOCATED, p  # a located, published claim
        html = parse(target)
        assert anchor in html.ids, f"{p['href']} from {page}: no such anchor"
        heading = next(a for t, a, _, _ in html.found if a.get("id") == anchor)
        assert "bg-claim" in heading.get("class", ""), "the anchor is a claim's heading"
    expected = {c for c in PUBLISHED_LOCATED if page.startswith("briefs/") or page == "actors/alpha-group/" or c.endswith("aleppo")}
    assert sorted(_target(site, page, p["href"])[1] for p in found) == sorted(expected)


def test_claimed_and_assessed_points_differ_in_shape_and_name(site):
    found = {urlsplit(p["href"]).fragment: p for p in points(site / "briefs/located-brief/index.html")}
    claimed, assessed = found["news-places-alpha-in-idleb"], found["analysts-place-beta-near-aleppo"]
    assert (claimed["shape"], claimed["class"]) == ("circle", "bg-map-claimed")
    assert (assessed["shape"], assessed["class"]) == ("path", "bg-map-assessed")
    assert claimed["title"] == "Idleb (claimed location): The paper places Alpha in Idleb."
    # author text in the SVG reads as written: escaped once, no element made of it
    assert assessed["title"] == ("<b>Aleppo</b> & \"north\" road (assessed location): "
                                                     "Beta's convoy was seen on the road north of the city.")


def test_the_points_are_listed_beside_the_map(site):
    page = (site / "briefs/located-brief/index.html").read_text("utf-8")
    figure = page.split('<figure class="bg-map"', 1)[1].split("</figure>", 1)[0]
    listed = figure.split('<ul class="bg-map-list">', 1)[1]
    assert "Idleb (claimed location): " in listed and "(assessed location): " in listed
    assert "&lt;b&gt;Aleppo&lt;/b&gt; &amp; &quot;north&quot; road" in listed or "&lt;b&gt;Aleppo&lt;/b&gt; &amp; \"north\" road" in listed
    assert 'href="#news-places-alpha-in-idleb"' in listed and 'href="#analysts-place-beta-near-aleppo"' in listed
    assert "<b>" not in figure


def test_no_map_without_located_claims(site):
    assert '<figure class="bg-map"' not in (site / "briefs/first-brief/index.html").read_text("utf-8")


def test_a_withheld_claims_point_is_on_no_map(site):
    for path in site.rglob("*.html"):
        text = path.read_text("utf-8")
        assert "informant-places-alpha-in-reykjavik" not in text and "Secret Harbour Town" not in text, path
        for p in points(path):
            assert urlsplit(p["href"]).fragment in PUBLISHED_LOCATED, (path, p)
    # nor does it widen the crop of the map of the actor it concerns: Syria, not the North Atlantic
    page = (site / "actors/alpha-group/index.html").read_text("utf-8")
    label = page.split('<svg class="bg-map-plot"', 1)[1].split('aria-label="', 1)[1].split('"', 1)[0]
    assert "from 3" in label and " N, 3" in label and "W" not in label, label
    data = json.loads((site / "data/corpus.json").read_text("utf-8"))
    assert [64.15, -21.94] not in [c.get("coordinates") for c in data["claims"]]


def test_corpus_json_carries_coordinates_and_their_basis(site):
    data = json.loads((site / "data/corpus.json").read_text("utf-8"))
    claims = {c["id"]: c for c in data["claims"]}
    assert claims["news-places-alpha-in-idleb"]["coordinates"] == [35.93, 36.63]
    assert claims["analysts-place-beta-near-aleppo"]["coordinates"] == [36.2, 37.16]
    assert claims["analysts-place-beta-near-aleppo"]["location_basis"] == "assessed"
    assert "coordinates" not in claims["channel-says-nothing-of-where"]
    schema = json.loads((site / "data/corpus.schema.json").read_text("utf-8"))
    import jsonschema

    jsonschema.validate(data, schema)
    claim = schema["$defs"]["ClaimOut"]["properties"]
    assert "coordinates" in claim and claim["location_basis"]["enum"] == ["claimed", "assessed"]


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize("value, line, col, message", [
    ("[95.1, 36.6]", 9, 18, "claims[0].coordinates: latitude 95.1 is out of range: from -90 (south) to 90 (north)"),
    ("[36.6, 181]", 9, 18, "claims[0].coordinates: longitude 181 is out of range: from -180 (west) to 180 (east)"),
    ("[36.6, 95.1, 3]", 9, 18, "claims[0].coordinates: write [latitude, longitude], two numbers in decimal degrees"),
    ("[36.6]", 9, 18, "claims[0].coordinates: write [latitude, longitude], two numbers in decimal degrees"),
    ("Idleb", 9, 18, "claims[0].coordinates: write [latitude, longitude], two numbers in decimal degrees"),
    ('[35.9, "36.6"]', 9, 25, "claims[0].coordinates[1]: '36.6' is not a number"),
    ("[north, 36.6]", 9, 19, "claims[0].coordinates[0]: 'north' is not a number"),
    ("[.nan, 36.6]", 9, 19, "claims[0].coordinates[0]: nan is not a number of degrees"),
    ("[36.6, true]", 9, 25, "claims[0].coordinates[1]: True is not a number"),
    ("[100, 36.6]", 9, 18, "(latitude comes first: did you write [longitude, latitude]?)"),
])
def test_bad_coordinates_are_positioned_errors(project, value, line, col, message):
    for rel, text in MINIMAL.items():
        if not rel.startswith("2024/"):
            project.write(rel, text)
    project.write("2024/bad.yaml", textwrap.dedent(f"""\
        title: Bad
        published: "2024"
        tlp: clear
        summary: S.
        claims:
          - id: bad-claim
            statement: S.
            source: daily-news
            coordinates: {value}
            reported: "2024"
            credibility: 2
        """))
    r = project.run("validate")
    assert r.code == 1
    assert len(r.lines) == 1, r.err
    assert r.lines[0].startswith(f"briefs/2024/bad.yaml:{line}:{col}: error: "), r.lines[0]
    assert message in r.lines[0], r.lines[0]


def test_location_basis_is_a_controlled_value(project):
    for rel, text in MINIMAL.items():
        project.write(rel, text.replace("credibility: 4\n", "credibility: 4\n            coordinates: [1, 2]\n            location_basis: geolocated\n"))
    r = project.run("validate")
    assert r.code == 1 and len(r.lines) == 1, r.err
    assert "location_basis: 'geolocated' is not allowed; expected one of claimed, assessed" in r.lines[0]


# --- the drawing ---------------------------------------------------------------------------------


def _point(lat: float, lon: float, basis: str = "claimed") -> maps.Point:
    return maps.Point(lat, lon, basis, "Somewhere", "A claim.", "#c")


def test_the_crop_is_the_points_region_not_the_world():
    west, south, east, north = maps.view_of([_point(35.93, 36.63)]).bounds
    assert 30 < south < 35.93 < north < 41 and 30 < west < 36.63 < east < 43  # north-western Syria and around
    west, south, east, north = maps.view_of([_point(35.93, 36.63), _point(48.86, 2.35)]).bounds
    assert south < 35.93 and north > 48.86 and west < 2.35 and east > 36.63 and east - west < 60


def test_points_at_one_place_are_fanned_out_to_be_clicked_each():
    pts = [_point(35.93, 36.63) for _ in range(8)]
    at = maps._fanned(maps.view_of(pts), pts)
    assert len({(round(x), round(y)) for x, y in at}) == 8
    assert min(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for i, a in enumerate(at) for b in at[i + 1:]) >= 7.5


def test_the_idleb_map_stays_small():
    """The page-size cost of a map of north-western Syria (the bundled brief's): outline and eight points."""
    pts = [_point(35.93, 36.63, "assessed" if i % 4 == 0 else "claimed") for i in range(8)]
    html = maps.figure(pts)
    assert 4_000 < len(html.encode()) < 16_000, len(html.encode())
    assert "\n\n" not in html and " id=" not in html and "<script" not in html
