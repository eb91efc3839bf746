"""Where the claims place what they report: a small map, drawn at build time as inline SVG.

`figure(points)` draws the located claims of a page (a brief's, or those
concerning an actor) on a world outline shipped with briefgen and returns a
raw HTML block ready to embed in a generated Markdown page:

    <figure class="bg-map" data-search-exclude="map"><svg ...>land, labels, points</svg><figcaption>legend, the points as a list</figcaption></figure>

- The outline: Natural Earth's 1:50m countries (public domain), by way of the
  npm package world-atlas (ISC), kept as `world.json` beside this module and
  made by tools/world/make_outline.py (its docstring says how to make it
  again; world.LICENSE credits both). Nothing is fetched when a page is read:
  no tiles, no script.
- The projection: equirectangular, its longitudes scaled by the cosine of the
  map's middle latitude so that shapes keep their proportions, cropped to the
  points' bounding box with a margin and at least `MIN_SPAN` degrees across
  (the Idleb brief's map shows north-western Syria, not the world). A map
  whose points straddle the antimeridian is drawn the long way round.
- Small pages: only the countries inside the crop are drawn, clipped to it,
  their outlines simplified to the pixel (`TOLERANCE`) and written as
  relative moves between whole pixels, all in one path; a country is named
  where its label fits without covering another's.
- The points: each a link to its claim (on the brief page its anchor, from an
  actor page the claim on its brief's page), named by its place, whether it
  is claimed or assessed, and the claim (its <title>, also its tooltip). A claimed
  location (where the source says it happened) is a filled circle, an
  assessed one (where the brief's analysts place it) a hollow diamond: they
  differ in shape, not only in colour. Points at the same place are fanned
  out around it on a spiral, the first on the place itself, so that each
  stays visible and can be clicked.
- Readable in both palettes and in print: land and borders are drawn in
  `currentColor` (the page's text colour, at low opacity), the points in a
  class the stylesheet colours from mkdocs-material's palette variables.
- Accessible without the picture: the caption names the two shapes, and a
  list gives every point, its place, its kind and a link to its claim.
- Safe to embed: one block without blank lines, no id attribute, no script;
  every author text (a claim's statement, its location) is escaped
  (`markup.plain`), in the SVG as in the list.
- At most `MAX_POINTS` points: an actor named in thousands of claims gets the
  most recently reported ones (`located` chooses), and the caption says so.

Only published claims reach it (the page lists are made from the published
corpus), so a withheld claim's point is on no map, and no map's crop is
widened to take it in.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from generator.format import vocab
from generator.output import markup
from generator.stages.analysis import date_key
from generator.stages.corpus import Corpus

WORLD = Path(__file__).with_name("world.json")
WIDTH = 640  # the map's width in SVG units; its height follows from the crop
MIN_HEIGHT, MAX_HEIGHT = 300, 440
MIN_SPAN = 6.0  # degrees of latitude (and as much longitude) a map shows at least: a city with its region
PAD = 0.2  # the margin around the points, as a share of their extent (plus a degree)
TOLERANCE = 0.6  # pixels: outline detail finer than this is dropped
MAX_POINTS = 300  # points on one map
SPIRAL = 8  # pixels between points fanned out around one place: a point's middle is never under another
CLOSE = 7  # points nearer than this (pixels) are at one place
EDGE = 3  # pixels beyond the frame where clipping cuts the land, so that its cut edges are not seen
SHAPE = {"claimed": "circle", "assessed": "diamond"}


@dataclass(frozen=True)
class Point:
    """One located claim as the map shows it."""

    lat: float
    lon: float
    basis: str  # claimed or assessed (`vocab.LOCATION_BASIS`)
    place: str  # the claim's location in words, or its coordinates written out
    statement: str
    href: str  # the link to the claim from the page the map is on


# --- the outline -------------------------------------------------------------------------


@dataclass(frozen=True)
class Country:
    name: str
    bbox: tuple[float, float, float, float]  # west, south, east, north
    label: tuple[float, float]  # lon, lat
    rings: tuple[tuple[tuple[float, float], ...], ...]  # (lon, lat) points


@functools.lru_cache(maxsize=1)
def world() -> tuple[Country, ...]:
    """The countries of `world.json`, their rings put together from the shared arcs (once a process)."""
    doc = json.loads(WORLD.read_text("utf-8"))
    scale = doc["scale"]
    arcs = []
    for flat in doc["arcs"]:
        x, y = flat[0], flat[1]
        points = [(x / scale, y / scale)]
        for i in range(2, len(flat), 2):
            x, y = x + flat[i], y + flat[i + 1]
            points.append((x / scale, y / scale))
        arcs.append(points)
    countries = []
    for c in doc["countries"]:
        rings = []
        for polygon in c["polygons"]:
            for ring in polygon:
                points: list[tuple[float, float]] = []
                for index in ring:
                    arc = arcs[index] if index >= 0 else arcs[~index][::-1]
                    points.extend(arc[1:] if points else arc)
                rings.append(tuple(points))
        countries.append(Country(c["name"], tuple(v / scale for v in c["bbox"]), (c["label"][0] / scale, c["label"][1] / scale), tuple(rings)))
    return tuple(countries)


# --- the crop -----------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """The crop: longitudes scaled by `k`, then `s` pixels a degree from the corner (x0, y1)."""

    x0: float  # west edge, in scaled degrees (lon * k)
    y1: float  # north edge, in degrees of latitude
    k: float
    s: float
    width: int
    height: int

    def px(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon * self.k - self.x0) * self.s, (self.y1 - lat) * self.s

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north, in degrees."""
        return (self.x0 / self.k, self.y1 - self.height / self.s, (self.x0 + self.width / self.s) / self.k, self.y1)


def view_of(points: Sequence[Point]) -> View:
    """The crop that holds the points with a margin, `MIN_SPAN` degrees across at least."""
    lats, lons = [p.lat for p in points], [p.lon for p in points]
    south, north = min(lats), max(lats)
    k = max(math.cos(math.radians((south + north) / 2)), 0.2)
    west, east = min(lons) * k, max(lons) * k
    w, h = east - west, north - south
    pad = PAD * max(w, h) + 1
    w, h = max(w + 2 * pad, MIN_SPAN), max(h + 2 * pad, MIN_SPAN)
    # a frame neither taller than MIN_HEIGHT..MAX_HEIGHT allows at WIDTH, nor flatter: the short side grows
    w = max(w, h * WIDTH / MAX_HEIGHT)
    h = max(h, w * MIN_HEIGHT / WIDTH)
    cx, cy = (west + east) / 2, (south + north) / 2
    top = min(cy + h / 2, 89.0)
    top = max(top, -89.0 + h)
    s = WIDTH / w
    return View(cx - w / 2, top, k, s, WIDTH, round(h * s))


# --- drawing the land -------------------------------------------------------------------------


def _clip(ring: list[tuple[float, float]], lo_x: float, lo_y: float, hi_x: float, hi_y: float) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the ring cut to the rectangle (its cut edges run along the rectangle)."""
    def cut(points, inside, cross):
        out = []
        for i, cur in enumerate(points):
            prev = points[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
        return out

    def at_x(x):
        return lambda a, b: (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))

    def at_y(y):
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)

    for inside, cross in ((lambda p: p[0] >= lo_x, at_x(lo_x)), (lambda p: p[0] <= hi_x, at_x(hi_x)),
                          (lambda p: p[1] >= lo_y, at_y(lo_y)), (lambda p: p[1] <= hi_y, at_y(hi_y))):
        if not ring:
            break
        ring = cut(ring, inside, cross)
    return ring


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative; the first and last points are kept (a closed ring keeps its start,
    an arc its ends). tools/world/make_outline.py simplifies the outline's arcs with it too."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        norm = math.hypot(dx, dy)
        far, index = -1.0, -1
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else math.hypot(px - ax, py - ay)
            if d > far:
                far, index = d, i
        if far > tolerance:
            keep[index] = True
            stack += [(a, index), (index, b)]
    return [p for p, k in zip(points, keep) if k]


def _numbers(values: Iterable[int]) -> str:
    """Integers as SVG path data writes them: a minus sign separates as well as a space does."""
    out = []
    for v in values:
        text = str(v)
        out.append(text if out and text[0] == "-" else (" " + text if out else text))
    return "".join(out)


def _ring_path(ring: list[tuple[float, float]]) -> str:
    """A ring as `M x y l dx dy … z` in whole pixels; "" when nothing of it is left to see."""
    pts: list[tuple[int, int]] = []
    for x, y in ring:
        p = (round(x), round(y))
        if not pts or pts[-1] != p:
            pts.append(p)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        return ""
    moves = [v for (x0, y0), (x1, y1) in zip(pts, pts[1:]) for v in (x1 - x0, y1 - y0)]
    return f"M{_numbers(pts[0])}l{_numbers(moves)}z"


def _area_centre(ring: list[tuple[float, float]]) -> tuple[float, tuple[float, float]]:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        a, cx, cy = a + cross, cx + (x0 + x1) * cross, cy + (y0 + y1) * cross
    return (abs(a) / 2, (cx / (3 * a), cy / (3 * a))) if a else (0.0, ring[0])


def land(view: View) -> tuple[str, list[tuple[Country, tuple[float, float], float]]]:
    """The path data of the land in the crop, and the countries it shows, each with where its name
    goes (its label point, or the middle of its largest piece in the crop when that point is
    outside) and that piece's area, in pixels."""
    west, south, east, north = view.bounds
    margin = EDGE / view.s
    lo, hi = -EDGE, (view.width + EDGE, view.height + EDGE)
    parts, shown = [], []
    for country in world():
        w, s, e, n = country.bbox
        if e < west - margin or w > east + margin * 3 or n < south - margin or s > north + margin:
            continue
        largest = (0.0, (0.0, 0.0))
        for ring in country.rings:
            projected = [view.px(lon, lat) for lon, lat in ring]
            cut = _clip(projected, lo, lo, *hi)
            path = _ring_path(simplify(cut + cut[:1], TOLERANCE)[:-1]) if len(cut) >= 3 else ""
            if path:
                parts.append(path)
                largest = max(largest, _area_centre(cut), key=lambda a: a[0])
        if largest[0]:
            x, y = view.px(*country.label)
            inside = 0 <= x <= view.width and 0 <= y <= view.height
            shown.append((country, (x, y) if inside else largest[1], largest[0]))
    return "".join(parts), shown


def _labels(view: View, countries: list[tuple[Country, tuple[float, float], float]]) -> str:
    """Country names where they fit: the largest first, none over another or over the frame's edge,
    none on a piece of land too small to hold it."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for c, (x, y), area in sorted(countries, key=lambda c: (-c[2], c[0].name)):
        half = len(c.name) * 3.2
        box = (x - half - 4, y - 9, x + half + 4, y + 4)
        if box[0] < 2 or box[1] < 2 or box[2] > view.width - 2 or box[3] > view.height - 2 or area < (2 * half) * 14:
            continue
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        out.append(f'<text x="{x:.0f}" y="{y:.0f}">{markup.html_text(c.name)}</text>')
    return "".join(out)


# --- the points --------------------------------------------------------------------------------


def _fanned(view: View, points: Sequence[Point]) -> list[tuple[float, float]]:
    """Where each point is drawn: at its place, or fanned out on a spiral around the place it shares."""
    out: list[tuple[float, float]] = []
    groups: dict[tuple[int, int], list[int]] = {}
    for i, p in enumerate(points):
        x, y = view.px(p.lon, p.lat)
        groups.setdefault((round(x / CLOSE), round(y / CLOSE)), []).append(i)
        out.append((x, y))
    for members in groups.values():
        cx, cy = out[members[0]]
        for n, i in enumerate(members):
            r, a = SPIRAL * math.sqrt(n), n * 2.39996  # the golden angle: an even spiral
            out[i] = (cx + r * math.cos(a), cy + r * math.sin(a))
    return out


def marker(shape: str, x: float, y: float) -> str:
    """A claimed point, a filled circle; an assessed one, a hollow diamond (its inside painted faintly, so
    that it is clicked as a whole)."""
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="currentColor" stroke="#fff" stroke-width="1.2"/>'
    return (f'<path d="M{x:.1f} {y - 6:.1f}l6 6-6 6-6-6z" fill="currentColor" fill-opacity=".2" '
            'stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>')


def _swatch(basis: str) -> str:
    return (f'<svg class="bg-map-swatch bg-map-{basis}" width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" '
            f'focusable="false">{marker(SHAPE[basis], 7, 7)}</svg>')


def place_of(lat: float, lon: float, location: str | None) -> str:
    """A point's place in words: the claim's location, or its coordinates written out."""
    if location:
        return location
    return f"{abs(lat):.2f}° {'N' if lat >= 0 else 'S'}, {abs(lon):.2f}° {'E' if lon >= 0 else 'W'}"


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _name(p: Point) -> str:
    return f"{p.place} ({vocab.LOCATION_BASIS[p.basis].label}): {p.statement}"


def located(corpus: Corpus, claim_ids: Iterable[str]) -> tuple[list[str], int]:
    """The claims among `claim_ids` that have coordinates, in order, at most `MAX_POINTS` of them (the
    most recently reported); and how many have coordinates."""
    ids = [c for c in claim_ids if corpus.claims[c].coordinates is not None]
    if len(ids) <= MAX_POINTS:
        return ids, len(ids)
    latest = set(sorted(ids, key=lambda c: (date_key(corpus.claims[c].reported), c), reverse=True)[:MAX_POINTS])
    return [c for c in ids if c in latest], len(ids)


def figure(points: Sequence[Point], total: int | None = None) -> str:
    """The map of `points` with its caption and list; "" without any point. `total`: how many
    located claims there are, when `points` holds only some of them."""
    if not points:
        return ""
    view = view_of(points)
    path, countries = land(view)
    at = _fanned(view, points)
    marks = []
    for p, (x, y) in sorted(zip(points, at), key=lambda pa: pa[0].basis != "assessed"):  # claimed points on top
        name = markup.plain(_name(p))
        # the <title> is the link's accessible name (SVG-AAM) and its tooltip: an aria-label would repeat it
        marks.append(f'<a href="{p.href}" class="bg-map-{p.basis}"><title>{name}</title>{marker(SHAPE[p.basis], x, y)}</a>')
    west, south, east, north = view.bounds
    count = len(points)
    shown = f"{count} located claim{'s' if count != 1 else ''}" + (f" of {total}" if total and total > count else "")
    label = (f"Map of {shown}, from {place_of(south, west, None)} to {place_of(north, east, None)}; "
             "the list below names each point and links to its claim.")
    svg = (f'<svg class="bg-map-plot" viewBox="0 0 {view.width} {view.height}" width="100%" role="group" '
           f'aria-label="{markup.attr(label)}" font-family="inherit" font-size="11" '
           f'style="display:block;max-width:{view.width}px;height:auto">'
           f'<rect class="bg-map-sea" width="{view.width}" height="{view.height}" fill="currentColor" fill-opacity=".12"/>'
           f'<path class="bg-map-land" d="{path}" fill="#fff" fill-rule="evenodd" '
           'stroke="currentColor" stroke-opacity=".45" stroke-width=".7" stroke-linejoin="round"/>'
           f'<g class="bg-map-labels" fill="currentColor" fill-opacity=".6" text-anchor="middle" aria-hidden="true">{_labels(view, countries)}</g>'
           f'<g class="bg-map-points">{"".join(marks)}</g></svg>')
    kinds = [b for b in vocab.LOCATION_BASIS if any(p.basis == b for p in points)]
    legend = "; ".join(f"{_swatch(b)} {vocab.LOCATION_BASIS[b].label}, {_lower(vocab.LOCATION_BASIS[b].description.split(':')[0])}"
                       for b in kinds)
    more = f" The {count} most recently reported of {total} located claims are shown." if total and total > count else ""
    items = "".join(f'<li>{_swatch(p.basis)} {markup.plain(p.place)} ({vocab.LOCATION_BASIS[p.basis].label}): '
                    f'<a href="{p.href}">{markup.plain(p.statement)}</a></li>' for p in points)
    caption = (f"Where the claims place what they report. {legend}.{more} Points at one place are fanned out around it. "
               "Outline: Natural Earth.")
    return (f'<figure class="bg-map" data-search-exclude="map">{svg}<figcaption>{caption}'
            f'<ul class="bg-map-list">{items}</ul></figcaption></figure>')
