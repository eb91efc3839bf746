"""Make the world outline the maps are drawn on: generator/output/world.json.

Run once, and again only to change the outline (the file is committed):

    npm ci --prefix tools/world --no-audit --no-fund
    .venv/bin/python tools/world/make_outline.py

Input: `countries-50m.json` of the npm package world-atlas (pinned in
tools/world/package-lock.json), Natural Earth's 1:50m Admin 0 countries
(public domain) as TopoJSON by Mike Bostock (ISC). Output: the same topology,
its shared borders kept shared, made small:

- each arc simplified (Douglas-Peucker, `TOLERANCE` degrees, ends kept, so
  neighbouring countries still meet) and its points rounded to hundredths of
  a degree, written as the first point and then the differences, in
  hundredths (integers);
- each country: its English name, the bounding box of its rings, a point for
  its label (the centroid of its largest ring, or that ring's middle vertex if
  the centroid falls outside), and its polygons as rings of arc indices
  (TopoJSON's: `~i` is arc `i` reversed).

briefgen's own environment (for `maps.simplify`); the output is byte-identical for the same input.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))  # briefgen, whose maps simplify the land the same way

from generator.output.maps import simplify  # noqa: E402
SOURCE = HERE / "node_modules/world-atlas/countries-50m.json"
OUTPUT = HERE.parent.parent / "generator/output/world.json"
TOLERANCE = 0.02  # degrees: about two kilometres, two pixels at most on the smallest map drawn (`maps.MIN_SPAN`)
SCALE = 100  # points are kept in hundredths of a degree


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def rounded(points: list[tuple[float, float]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for x, y in points:
        p = (round(x * SCALE), round(y * SCALE))
        if not out or out[-1] != p:
            out.append(p)
    if len(out) == 1:  # an arc whose ends round to one point still joins its neighbours
        out.append(out[0])
    return out


def ring_points(ring: list[int], arcs: list[list[tuple[int, int]]]) -> list[tuple[int, int]]:
    points: list[tuple[int, int]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def area_and_centroid(points: list[tuple[int, int]]) -> tuple[float, tuple[float, float]]:
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if not a:
        return 0.0, points[0]
    return abs(a) / 2, (cx / (3 * a), cy / (3 * a))


def inside(point: tuple[float, float], ring: list[tuple[int, int]]) -> bool:
    x, y = point
    hit = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            hit = not hit
    return hit


def main() -> int:
    raw = SOURCE.read_bytes()
    topology = json.loads(raw)
    arcs = [rounded(simplify(arc, TOLERANCE)) for arc in decode_arcs(topology)]
    countries = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        rings = [ring_points(ring, arcs) for polygon in polygons for ring in polygon]
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        largest = max(rings, key=lambda r: area_and_centroid(r)[0])
        _, centre = area_and_centroid(largest)
        if not inside(centre, largest):
            centre = largest[len(largest) // 2]
        countries.append({
            "name": geometry["properties"]["name"],
            "bbox": [min(xs), min(ys), max(xs), max(ys)],
            "label": [round(centre[0]), round(centre[1])],
            "polygons": polygons,
        })
    countries.sort(key=lambda c: c["name"])
    packed = []
    for arc in arcs:
        flat = [*arc[0]]
        for (x0, y0), (x1, y1) in zip(arc, arc[1:]):
            flat += [x1 - x0, y1 - y0]
        packed.append(flat)
    doc = {
        "about": ("Natural Earth 1:50m Admin 0 countries (public domain, naturalearthdata.com), from the npm "
                  "package world-atlas 2.0.2 (ISC, Copyright 2013-2019 Michael Bostock): see world.LICENSE. "
                  "Made by tools/world/make_outline.py; arcs simplified and in hundredths of a degree, "
                  "delta-encoded; rings of arc indices, ~i reversed."),
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "scale": SCALE,
        "arcs": packed,
        "countries": countries,
    }
    OUTPUT.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n", "utf-8")
    print(f"{OUTPUT}: {OUTPUT.stat().st_size} bytes, {len(countries)} countries, {sum(len(a) for a in arcs)} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
