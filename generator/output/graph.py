"""Actor-relation graphs, laid out at build time with Graphviz, as inline SVG.

`actor_graph` draws one actor with its neighbours (an actor page), and
`network_graph` the whole published network (the actors index). Both return a
raw HTML block ready to embed in a generated Markdown page:

    <figure class="bg-graph ..."><svg ...>...</svg><figcaption>... legend ...</figcaption></figure>

- Safe to embed: one block with no blank line inside (a blank line would end
  the raw HTML block), no XML declaration, DOCTYPE or comment, no `id`
  attribute (ids could clash with the page's anchors), no external reference.
  Every author text (names) is escaped: labels reach Graphviz as HTML-like
  labels built from escaped text with backslashes doubled (Graphviz expands
  `\\N` and the like even there), and titles, links and tooltips are set on
  the parsed SVG afterwards, so no markup or escape in a name can do anything.
  The figure is left out of the search index (`data-search-exclude`).
- Deterministic: nodes and edges are added in sorted order, the layouts get a
  fixed seed, positions are written rounded, and the Graphviz version comment
  is dropped, so the same corpus gives the same bytes.
- Readable: relation types differ by colour, line style and arrowhead, actor
  kinds by shape and fill; the legend lists the types actually drawn. The
  graph is drawn on a light panel, so it reads the same in the light and the
  dark (slate) palette, and scales down to the column width; the network
  scrolls sideways rather than shrink its labels below MIN_NETWORK_FONT_PX.
- Accessible: the SVG has role="group" (it holds links, which role="img"
  would hide), a <title> and an aria-label that summarise it; every node's
  <title> is the actor's name and every edge's the relation in words. The
  relation tables of the pages carry the same information as text.
- Cheap: an actor graph is one small `dot` layout of the actor and at most
  ACTOR_MAX_NEIGHBOURS neighbours and ACTOR_MAX_AROUND relations among them;
  the network graph is laid out group by group. Both grow about linearly
  with the corpus, whatever its shape (hubs, chains,
  cliques, thousands of groups or of actors without relations).
"""

from __future__ import annotations

import contextlib
import html
import io
import math
import re
from dataclasses import dataclass
from typing import Callable, Iterable
from xml.etree import ElementTree as ET

import pygraphviz

from generator.format import vocab
from generator.stages.corpus import Corpus

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

FONT = "Helvetica,Arial,sans-serif"  # generic: nothing is fetched, every system has one of them
TEXT = "#1a1a1a"
PANEL = "#ffffff"
SVG_ROLE = "group"  # not "img": the graph holds links, and an image cannot

# The network graph scrolls sideways instead of shrinking its labels below this
# size (CSS pixels); the actor graph is small enough to scale down freely.
MIN_NETWORK_FONT_PX = 9.0
NETWORK_FONT_PT = 11.0
NETWORK_WRAP = 18  # characters per label line
ACTOR_FONT_PT = 12.0
ACTOR_WRAP = 22  # characters per label line
ACTOR_MAX_NEIGHBOURS = 40  # an actor graph draws at most this many neighbours
ACTOR_MAX_AROUND = 60  # and at most this many relations between them (dot slows fast with more; a denser web reads as none)


# --- styles -------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeStyle:
    color: str  # contrast of at least 4.5:1 on the white panel, as edge labels use it too
    style: str  # solid, dashed or dotted
    arrowhead: str  # normal, empty, odiamond, tee
    penwidth: float = 1.2


@dataclass(frozen=True)
class NodeStyle:
    shape: str  # ellipse, box, hexagon, octagon, note
    fill: str
    border: str
    rounded: bool = False
    dashed: bool = False


RELATION_STYLE: dict[str, EdgeStyle] = {
    "leads": EdgeStyle("#0d47a1", "solid", "normal", 1.8),
    "member-of": EdgeStyle("#00695c", "solid", "empty"),
    "part-of": EdgeStyle("#4527a0", "solid", "odiamond"),
    "split-from": EdgeStyle("#6d4c41", "dashed", "normal"),
    "allied-with": EdgeStyle("#2e7d32", "solid", "normal"),
    "hostile-to": EdgeStyle("#c62828", "solid", "tee", 1.8),
    "affiliated-with": EdgeStyle("#546e7a", "dotted", "normal", 1.5),
    "supports": EdgeStyle("#a04a00", "dashed", "normal"),
}

KIND_STYLE: dict[str, NodeStyle] = {
    "person": NodeStyle("ellipse", "#fff3e0", "#e65100"),
    "organization": NodeStyle("box", "#e3f2fd", "#1565c0", rounded=True),
    "armed-group": NodeStyle("hexagon", "#ffebee", "#b71c1c"),
    "state": NodeStyle("octagon", "#e8f5e9", "#2e7d32"),
    "government-agency": NodeStyle("box", "#ede7f6", "#4527a0"),
    "media": NodeStyle("note", "#e0f7fa", "#00838f"),
    "other": NodeStyle("ellipse", "#f5f5f5", "#616161", dashed=True),
}

# Graphviz's dash patterns in SVG output, reused by the legend swatches.
_DASH = {"solid": None, "dashed": "5,2", "dotted": "1,5"}


# --- the graph model: which nodes and edges, in a fixed order -----------------


@dataclass
class _Edge:
    tail: str
    head: str
    type: str
    both: bool = False  # a symmetric relation held in both directions, drawn once
    spans: tuple[str, ...] = ()  # "since 2020", "2019–2021" for the tooltip
    near: bool = True  # touches the centre actor (actor graph)


def _span(rel) -> str:
    if rel.since and rel.until:
        return f"{rel.since}–{rel.until}"
    if rel.since:
        return f"since {rel.since}"
    if rel.until:
        return f"until {rel.until}"
    return ""


def _edges(corpus: Corpus, relations: Iterable[tuple[str, int]], centre: str | None = None) -> list[_Edge]:
    """One edge per (holder, type, target), sorted; symmetric pairs merged."""
    found: dict[tuple[str, str, str], dict[str, None]] = {}  # the spans in order, each once
    for holder, index in relations:
        rel = corpus.actors[holder].relations[index]
        spans = found.setdefault((holder, rel.type, rel.actor), {})
        span = _span(rel)
        if span:
            spans.setdefault(span)
    edges = []
    for (tail, kind, head), spans in sorted(found.items()):
        symmetric = vocab.RELATION[kind].label == vocab.RELATION[kind].inverse
        if symmetric and tail != head and (head, kind, tail) in found:
            if head < tail:
                continue  # drawn once, from the side with the smaller id
            edges.append(_Edge(tail, head, kind, True, tuple(spans | found[(head, kind, tail)])))
        else:
            edges.append(_Edge(tail, head, kind, False, tuple(spans)))
    if centre is not None:
        for e in edges:
            e.near = centre in (e.tail, e.head)
    return edges


# --- text ------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text fit for XML and a one-line label: no control characters, single spaces."""
    return " ".join(_CONTROL.sub("", text).split())


def _actor_name(corpus: Corpus, actor_id: str) -> str:
    return _clean(corpus.actors[actor_id].name) or actor_id


def _wrap(text: str, width: int) -> list[str]:
    """Break a name into lines of about `width` characters, at spaces."""
    words = text.split(" ")
    if len(text) <= width or len(words) == 1:
        return [text]
    lines = math.ceil(len(text) / width)
    target = len(text) / lines  # balanced lines read better than greedy ones
    out, line = [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > target + 3 and len(out) < lines - 1:
            out.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    out.append(line)
    return out


def _html_label(lines: list[str], bold: bool = False) -> str:
    """A Graphviz HTML-like label showing `lines` as text (pygraphviz reads <...> as HTML)."""
    # Graphviz expands \N, \G and the like even in HTML labels; a doubled backslash is one backslash
    body = "<BR/>".join(html.escape(line.replace("\\", "\\\\"), quote=False) for line in lines)
    return f"<<B>{body}</B>>" if bold else f"<{body}>"


# --- Graphviz --------------------------------------------------------------


def _agraph(**attrs) -> pygraphviz.AGraph:
    g = pygraphviz.AGraph(directed=True, strict=False, name="G")
    g.graph_attr.update({"fontname": FONT, "bgcolor": PANEL, "pad": "0.15", "outputorder": "edgesfirst", **attrs})
    g.node_attr.update(fontname=FONT, fontcolor=TEXT, style="filled", penwidth="1.2", margin="0.12,0.05")
    g.edge_attr.update(fontname=FONT, arrowsize="0.8")
    return g


def _add_node(g: pygraphviz.AGraph, corpus: Corpus, actor_id: str, width: int, **extra) -> None:
    actor = corpus.actors[actor_id]
    s = KIND_STYLE[actor.kind]
    style = ["filled"] + (["rounded"] if s.rounded else []) + (["dashed"] if s.dashed else [])
    g.add_node(
        actor_id,
        label=_html_label(_wrap(_actor_name(corpus, actor_id), width), bold=extra.pop("bold", False)),
        shape=s.shape, fillcolor=s.fill, color=s.border, style=",".join(style),
        URL=actor_id,  # a placeholder: the real link is set on the parsed SVG
        target="_top", id=f"n-{actor_id}", **extra,
    )


def _add_edge(g: pygraphviz.AGraph, e: _Edge, index: int, label: bool, **extra) -> None:
    s = RELATION_STYLE[e.type]
    attrs = dict(color=s.color, style=s.style, arrowhead=s.arrowhead, arrowtail=s.arrowhead, penwidth=str(s.penwidth))
    if e.both:
        attrs["dir"] = "both"
    if label:
        attrs.update(label=_html_label([vocab.RELATION[e.type].label]), fontcolor=s.color)
    attrs.update(extra)
    g.add_edge(e.tail, e.head, key=str(index), id=f"e-{index}", **attrs)


@contextlib.contextmanager
def _quiet():
    """Silence Graphviz's own messages (written by C code to file descriptor 2)."""
    import os
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        with contextlib.redirect_stderr(io.StringIO()):  # and pygraphviz's Python warnings
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _layout(g: pygraphviz.AGraph, prog: str) -> bytes:
    with _quiet():
        return g.draw(format="svg", prog=prog)


# How far apart related actors are put, in node sizes: the median relation
# becomes this many average node widths long across and node heights down.
NETWORK_EDGE_LENGTH = 1.3
NETWORK_ASPECT = 1.0  # width / height of the network before overlaps are pushed apart
NETWORK_GAP = 8.0  # points kept free around every node
NETWORK_ROOM = 1.5  # a connected group takes at least this many times the area of its boxes
NEATO_MAX = 400  # up to this many actors neato (seeded, deterministic); beyond, sfdp scales


def _spread(g: pygraphviz.AGraph) -> None:
    """Turn a point layout into one where every label has room (node `pos`, in points).

    The layout engines place points; the labels are boxes, wider than tall.
    The points are scaled to the boxes' size (a relation about
    NETWORK_EDGE_LENGTH boxes long), then, within each connected group of
    actors, overlapping boxes are pushed apart, so a group grows in both
    directions and keeps its shape. The groups are then set in rows, largest
    first, in a block about NETWORK_ASPECT as wide as tall, and the actors
    without any relation in rows under them.
    """
    nodes = sorted(g.nodes(), key=str)
    n = len(nodes)
    index = {str(v): i for i, v in enumerate(nodes)}
    x, y = [0.0] * n, [0.0] * n
    for i, v in enumerate(nodes):
        x[i], y[i] = (float(c) for c in v.attr["pos"].rstrip("!").split(",")[:2])
        y[i] = -y[i]  # Graphviz's y grows upwards; rows are laid out downwards
    w = [float(v.attr["width"]) * 72 + NETWORK_GAP for v in nodes]
    h = [float(v.attr["height"]) * 72 + NETWORK_GAP for v in nodes]
    pairs = sorted({tuple(sorted((index[str(a)], index[str(b)]))) for a, b in g.edges() if a != b})

    # connected groups (union-find; each group's root is its smallest member)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(root(i), []).append(i)
    groups = [m for m in members.values() if len(m) > 1]
    lone = [m[0] for m in members.values() if len(m) == 1]

    gap = 2 * NETWORK_GAP
    blocks: list[tuple[list[int], float, float, float, float]] = []  # members, left, top, width, height
    if groups:
        lengths = sorted(math.dist((x[a], y[a]), (x[b], y[b])) for a, b in pairs)
        unit = lengths[len(lengths) // 2] or 1.0
        linked = [i for m in groups for i in m]
        sx = NETWORK_EDGE_LENGTH * sum(w[i] for i in linked) / len(linked) / unit
        sy = NETWORK_EDGE_LENGTH * sum(h[i] for i in linked) / len(linked) / unit
        # shape a group that holds most actors about NETWORK_ASPECT wide (labels
        # being wider than tall, a scale true to the boxes alone makes it wide)
        big = max(groups, key=len)
        if 2 * len(big) >= len(linked):
            span_x = (max(x[i] for i in big) - min(x[i] for i in big)) * sx or 1.0
            span_y = (max(y[i] for i in big) - min(y[i] for i in big)) * sy or 1.0
            if span_x / span_y > NETWORK_ASPECT:
                sy *= span_x / span_y / NETWORK_ASPECT
            else:
                sx *= NETWORK_ASPECT * span_y / span_x
        for m in groups:
            # and at least NETWORK_ROOM times the room its boxes take (a dense
            # core would take long to push apart)
            span = (max(x[i] for i in m) - min(x[i] for i in m)) * sx * (max(y[i] for i in m) - min(y[i] for i in m)) * sy
            grow = math.sqrt(max(1.0, NETWORK_ROOM * sum(w[i] * h[i] for i in m) / span)) if span > 0 else 1.0
            for i in m:
                x[i] *= sx * grow
                y[i] *= sy * grow
            _separate(m, x, y, w, h)
            left, top = min(x[i] - w[i] / 2 for i in m), min(y[i] - h[i] / 2 for i in m)
            right, bottom = max(x[i] + w[i] / 2 for i in m), max(y[i] + h[i] / 2 for i in m)
            blocks.append((m, left, top, right - left, bottom - top))
    # rows of groups, tallest first
    row_width = max([b[3] for b in blocks] + [math.sqrt(sum(b[3] * b[4] for b in blocks) * NETWORK_ASPECT)] or [0.0])
    cx = cy = row_h = 0.0
    for m, left, top, bw, bh in sorted(blocks, key=lambda b: (-b[4], -b[3], b[0][0])):
        if cx > 0 and cx + bw > row_width:
            cx, cy, row_h = 0.0, cy + row_h + gap, 0.0
        for i in m:
            x[i] += cx - left
            y[i] += cy - top
        cx += bw + gap
        row_h = max(row_h, bh)
    # the actors without relations: rows under the groups
    width = row_width or math.sqrt(sum(w[i] * h[i] for i in lone) * 2 * NETWORK_ASPECT)
    cx, cy, row_h = 0.0, cy + row_h + (gap if blocks else 0.0), 0.0
    for i in lone:
        if cx > 0 and cx + w[i] > width:
            cx, cy, row_h = 0.0, cy + row_h, 0.0
        x[i], y[i] = cx + w[i] / 2, cy + h[i] / 2
        cx += w[i]
        row_h = max(row_h, h[i])
    for i, v in enumerate(nodes):
        v.attr["pos"] = f"{x[i]:.2f},{-y[i]:.2f}"


def _separate(ids: list[int], x: list[float], y: list[float], w: list[float], h: list[float], rounds: int = 300) -> None:
    """Push apart the boxes (centre x, y; size w, h) of `ids` until no two overlap."""
    cw, ch = max(w[i] for i in ids), max(h[i] for i in ids)  # two boxes further apart never overlap
    stuck = 0
    for _ in range(rounds):
        grid: dict[tuple[int, int], list[int]] = {}
        for i in ids:
            grid.setdefault((int(x[i] // cw), int(y[i] // ch)), []).append(i)
        dx = dict.fromkeys(ids, 0.0)
        dy = dict.fromkeys(ids, 0.0)
        overlaps = 0
        for (gx, gy), members in grid.items():
            near = [j for ox in (-1, 0, 1) for oy in (-1, 0, 1) for j in grid.get((gx + ox, gy + oy), ())]
            for i in members:
                xi, yi, wi, hi = x[i], y[i], w[i], h[i]
                for j in near:
                    if j <= i:
                        continue
                    ox = (wi + w[j]) / 2 - abs(xi - x[j])
                    if ox <= 0:
                        continue
                    oy = (hi + h[j]) / 2 - abs(yi - y[j])
                    if oy <= 0:
                        continue
                    overlaps += 1
                    # apart along the axis the centres differ most, in box sizes
                    rx, ry = (x[j] - xi) / (wi + w[j]), (y[j] - yi) / (hi + h[j])
                    if abs(rx) >= abs(ry):
                        push = (ox / 2 + 0.01) * (1 if rx >= 0 else -1)
                        dx[i] -= push
                        dx[j] += push
                    else:
                        push = (oy / 2 + 0.01) * (1 if ry > 0 else -1)
                        dy[i] -= push
                        dy[j] += push
        if not overlaps:
            return
        # a node pushed by many neighbours moves at most its own size per round
        for i in ids:
            x[i] += max(-w[i], min(w[i], dx[i]))
            y[i] += max(-h[i], min(h[i], dy[i]))
        # a crowd that local pushes do not clear: give everyone a little more room
        stuck += 1
        if stuck % 20 == 0:
            for i in ids:
                x[i] *= 1.1
                y[i] *= 1.1


# --- SVG post-processing ----------------------------------------------------


def _q(tag: str, ns: str = SVG_NS) -> str:
    return f"{{{ns}}}{tag}"


def _svg(
    raw: bytes,
    corpus: Corpus,
    edges: list[_Edge],
    href: Callable[[str], str],
    title: str,
    centre: str | None = None,
) -> ET.Element:
    """Graphviz's SVG, made safe and self-describing."""
    root = ET.fromstring(raw)  # drops the XML declaration, DOCTYPE and comments
    for el in root.iter():
        if el.tag != _q("text"):
            if el.text is not None and not el.text.strip():
                el.text = "\n" if len(el) else None
        if el.tail is not None and not el.tail.strip():
            el.tail = "\n"
    for g in root.iter(_q("g")):
        ident = g.get("id", "")
        classes = g.get("class", "").split()
        title_el = g.find(_q("title"))
        if ident.startswith("n-") and "node" in classes:
            actor_id = ident[2:]
            actor = corpus.actors[actor_id]
            name = _actor_name(corpus, actor_id)
            if title_el is not None:
                title_el.text = name
            g.set("class", " ".join(["bg-node", f"bg-kind-{actor.kind}"] + (["bg-centre"] if actor_id == centre else [])))
            for a in g.iter(_q("a")):
                url = href(actor_id)
                a.attrib.clear()
                a.set("href", url)
                a.set(_q("href", XLINK_NS), url)
                a.set(_q("title", XLINK_NS), f"{name} ({vocab.ACTOR_KIND[actor.kind].label})")
                a.set("target", "_top")
        elif ident.startswith("e-") and "edge" in classes:
            e = edges[int(ident[2:])]
            if title_el is not None:
                title_el.text = _edge_text(corpus, e)
            g.set("class", f"bg-edge bg-rel-{e.type}")
        elif "graph" in classes:
            g.set("class", "bg-graph-body")
            if title_el is not None:
                g.remove(title_el)
        elif "node" in classes or "edge" in classes:  # not ours (none expected)
            g.set("class", "bg-" + classes[0])
    for el in root.iter():
        el.attrib.pop("id", None)
    # the whole figure: role, name and description
    svg_title = ET.Element(_q("title"))
    svg_title.text = title
    svg_title.tail = "\n"
    root.insert(0, svg_title)
    root.set("role", SVG_ROLE)
    root.set("aria-label", title)
    root.set("class", "bg-graph-svg")
    root.set("preserveAspectRatio", "xMidYMin meet")
    return root


def _edge_text(corpus: Corpus, e: _Edge) -> str:
    a, b = _actor_name(corpus, e.tail), _actor_name(corpus, e.head)
    label = vocab.RELATION[e.type].label
    text = f"{a} and {b}: {label} each other" if e.both else f"{a} {label} {b}"
    return text + (f" ({'; '.join(e.spans)})" if e.spans else "")


def _size(root: ET.Element) -> tuple[float, float]:
    """The natural width and height in points (Graphviz writes `123pt`)."""
    return tuple(float(root.get(k, "0").removesuffix("pt")) for k in ("width", "height"))  # type: ignore[return-value]


def _name(qname: str) -> str:
    """`{svg}path` -> `path`, `{xlink}href` -> `xlink:href`, `{xml}space` -> `xml:space`."""
    if not qname.startswith("{"):
        return qname
    ns, local = qname[1:].split("}")
    return {SVG_NS: local, XLINK_NS: f"xlink:{local}", XML_NS: f"xml:{local}"}[ns]


_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _esc_text(text: str) -> str:
    return text.translate(_TEXT_ESCAPES)


def _esc_attr(text: str) -> str:
    return text.translate(_ATTR_ESCAPES)


def _serialize(root: ET.Element) -> str:
    """The SVG as text: our own few lines, so the output is exactly what is wanted."""
    out: list[str] = []

    def write(el: ET.Element, attrs: dict[str, str]) -> None:
        tag = _name(el.tag)
        out.append(f"<{tag}")
        for key, value in attrs.items():
            out.append(f' {key}="{_esc_attr(value)}"')
        if el.text or len(el):
            out.append(">" + _esc_text(el.text or ""))
            for child in el:
                write(child, {_name(k): v for k, v in child.attrib.items()})
            out.append(f"</{tag}>")
        else:
            out.append("/>")
        out.append(_esc_text(el.tail or ""))

    attrs = {"xmlns": SVG_NS, "xmlns:xlink": XLINK_NS, **{_name(k): v for k, v in root.attrib.items()}}
    tail, root.tail = root.tail, None
    write(root, attrs)
    root.tail = tail
    return re.sub(r"\n\s*\n", "\n", "".join(out)).strip()


# --- legend -----------------------------------------------------------------


def _swatch_edge(kind: str) -> str:
    s = RELATION_STYLE[kind]
    dash = f' stroke-dasharray="{_DASH[s.style]}"' if _DASH[s.style] else ""
    c = s.color
    head = {
        "normal": f'<polygon points="27,1 35,5 27,9" fill="{c}" stroke="{c}"/>',
        "empty": f'<polygon points="27,1 35,5 27,9" fill="{PANEL}" stroke="{c}"/>',
        "odiamond": f'<polygon points="25,5 30,1.5 35,5 30,8.5" fill="{PANEL}" stroke="{c}"/>',
        "tee": f'<line x1="33" y1="0.5" x2="33" y2="9.5" stroke="{c}" stroke-width="2.5"/>',
    }[s.arrowhead]
    end = 25 if s.arrowhead == "odiamond" else 27 if s.arrowhead != "tee" else 33
    return (
        '<svg class="bg-swatch" width="36" height="10" viewBox="0 0 36 10" aria-hidden="true" focusable="false">'
        f'<line x1="1" y1="5" x2="{end}" y2="5" stroke="{c}" stroke-width="{s.penwidth}"{dash}/>{head}</svg>'
    )


def _swatch_node(kind: str) -> str:
    s = KIND_STYLE[kind]
    paint = f'fill="{s.fill}" stroke="{s.border}" stroke-width="1.2"' + (' stroke-dasharray="5,2"' if s.dashed else "")
    shape = {
        "ellipse": f'<ellipse cx="13" cy="7" rx="11.5" ry="5.5" {paint}/>',
        "box": f'<rect x="1.5" y="1.5" width="23" height="11" rx="{3 if s.rounded else 0}" {paint}/>',
        "hexagon": f'<polygon points="1.5,7 6.5,1.5 19.5,1.5 24.5,7 19.5,12.5 6.5,12.5" {paint}/>',
        "octagon": f'<polygon points="1.5,4.5 5,1.5 21,1.5 24.5,4.5 24.5,9.5 21,12.5 5,12.5 1.5,9.5" {paint}/>',
        "note": f'<polygon points="1.5,1.5 19.5,1.5 24.5,6 24.5,12.5 1.5,12.5" {paint}/><polyline points="19.5,1.5 19.5,6 24.5,6" fill="none" stroke="{s.border}" stroke-width="1"/>',
    }[s.shape]
    return (
        '<svg class="bg-swatch" width="26" height="14" viewBox="0 0 26 14" aria-hidden="true" focusable="false">'
        f"{shape}</svg>"
    )


def _legend(kinds: Iterable[str], relations: Iterable[str]) -> str:
    kinds, relations = set(kinds), set(relations)
    item = '<li style="display:inline-flex;align-items:center;gap:.3em;margin:0 .9em 0 0;padding:0">{}{}</li>'
    ul = '<ul class="bg-graph-legend bg-graph-legend-{}" style="list-style:none;margin:.2em 0;padding:0">'
    parts = []
    if kinds:
        parts.append(ul.format("kinds") + "".join(
            item.format(_swatch_node(k), html.escape(vocab.ACTOR_KIND[k].label)) for k in vocab.ACTOR_KIND if k in kinds
        ) + "</ul>")
    if relations:
        parts.append(ul.format("relations") + "".join(
            item.format(_swatch_edge(r), html.escape(vocab.RELATION[r].label)) for r in vocab.RELATION if r in relations
        ) + "</ul>")
    return "".join(parts)


# --- the figure ---------------------------------------------------------------

# Inline styles, so the figure needs no stylesheet; they also undo what
# mkdocs-material does to figures (a centred flex box as wide as its content,
# which would cut off the left of a scrolled network) and captions (italic,
# centred, 24rem wide). A stylesheet can still address the bg-graph classes.
_FIGURE_STYLE = (
    f"display:block;width:100%;max-width:100%;box-sizing:border-box;margin:1em 0;padding:.5em .6em;"
    f"background:{PANEL};color:{TEXT};border:1px solid #d0d7de;border-radius:6px;text-align:left"
)
_CAPTION_STYLE = (
    f"color:{TEXT};font-size:.72rem;font-style:normal;line-height:1.5;"
    "max-width:none;margin:.4em 0 0;text-align:left"
)


def _figure(svg: ET.Element, css: str, caption: str, legend: str, svg_style: str, figure_style: str = "") -> str:
    svg.set("style", svg_style)
    return (
        # data-search-exclude: mkdocs-material's search leaves the figure out of the index
        f'<figure class="bg-graph {css}" data-search-exclude="graph" style="{_FIGURE_STYLE}{figure_style}">\n'
        f"{_serialize(svg)}\n"
        f'<figcaption style="{_CAPTION_STYLE}">{html.escape(caption, quote=False)}{legend}</figcaption>\n'
        "</figure>"
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- public API ---------------------------------------------------------------


def actor_graph(corpus: Corpus, actor_id: str, href: Callable[[str], str]) -> str:
    """The actor, its neighbours and the relations between them, as a figure; "" if it has none.

    `href(actor_id)` gives the link put on each node (relative to the page).
    Laid out left to right with `dot`: who holds a relation toward the actor
    stands on its left, whom it holds one toward on its right. Relations
    between two neighbours are drawn thinner and do not pull the layout. An
    actor with more than ACTOR_MAX_NEIGHBOURS neighbours shows the most
    connected of them (the page's relation table lists them all), and at
    most ACTOR_MAX_AROUND relations between them, so a graph costs a bounded
    layout whatever the corpus. The rest of the work is proportional to the
    relations of the actor, not to those of its neighbours (a hub's may span
    the corpus) or to the corpus.
    """
    actor = corpus.actors[actor_id]
    held_in = corpus.relations_in.get(actor_id, [])
    if not actor.relations and not held_in:
        return ""
    related = {r.actor for r in actor.relations} | {holder for holder, _ in held_in}
    related.discard(actor_id)
    if len(related) > ACTOR_MAX_NEIGHBOURS:
        degree = lambda a: len(corpus.actors[a].relations) + len(corpus.relations_in.get(a, []))  # noqa: E731
        neighbours = set(sorted(related, key=lambda a: (-degree(a), a))[:ACTOR_MAX_NEIGHBOURS])
    else:
        neighbours = related
    shown = neighbours | {actor_id}
    incident = [(actor_id, i) for i, r in enumerate(actor.relations) if r.actor in shown]
    incident += [(h, i) for h, i in held_in if h in shown]
    # through each neighbour's relations by target: a hub's relations may span the corpus
    around = [(n, i) for n in sorted(neighbours) for i in sorted(
        i for m, held in corpus.relations_toward.get(n, {}).items() if m in neighbours for i in held)]
    edges = _edges(corpus, incident + around, centre=actor_id)
    among = sum(not e.near for e in edges)
    if among > ACTOR_MAX_AROUND:  # the first in order: the table of each neighbour lists the rest
        keep = {id(e) for e in [e for e in edges if not e.near][:ACTOR_MAX_AROUND]}
        edges = [e for e in edges if e.near or id(e) in keep]

    g = _actor_agraph(corpus, actor_id, neighbours, edges)
    outside = _crowded_flat_edges(g, edges)
    if outside:
        g = _actor_agraph(corpus, actor_id, neighbours, edges, outside)
    title = _actor_title(corpus, actor_id, neighbours, edges)
    root = _svg(_layout(g, "dot"), corpus, edges, href, title, centre=actor_id)

    name = _actor_name(corpus, actor_id)
    count = _plural(len(related), "related actor")
    if len(related) > len(neighbours):
        count = f"the {len(neighbours)} most connected of {count} (the table lists all)"
    if among > ACTOR_MAX_AROUND:
        count += f"; {ACTOR_MAX_AROUND} of the {among} relations among them are drawn"
    caption = f"Relations of {name}: {count}. Select an actor to open its page; hover over a line for the relation in words."
    kinds = {corpus.actors[a].kind for a in shown}
    w, _ = _size(root)
    return _figure(
        root, "bg-graph-actor", caption, _legend(kinds, {e.type for e in edges}),
        svg_style=f"display:block;margin:0 auto;width:{w:g}pt;max-width:100%;height:auto",
    )


def _actor_agraph(corpus: Corpus, actor_id: str, neighbours: set[str], edges: list[_Edge],
                  outside: Iterable[int] = ()) -> pygraphviz.AGraph:
    """The actor graph for `dot`; the edges numbered in `outside` with their label set after the layout."""
    g = _agraph(rankdir="LR", nodesep="0.22", ranksep="0.55", newrank="true")
    _add_node(g, corpus, actor_id, ACTOR_WRAP, bold=True, penwidth="3", fontsize=f"{ACTOR_FONT_PT + 1:g}")
    for n in sorted(neighbours):
        _add_node(g, corpus, n, ACTOR_WRAP, fontsize=f"{ACTOR_FONT_PT:g}")
    # many neighbours on one rank make a very tall column: stagger them over up
    # to three ranks (what Graphviz's `unflatten -l` does)
    stagger = min(3, 1 + len(neighbours) // 12)
    step = {n: 1 + k % stagger for k, n in enumerate(sorted(neighbours))}
    for i, e in enumerate(edges):
        extra: dict[str, str] = {"fontsize": "10"}
        if not e.near:
            extra.update(constraint="false", penwidth="0.9")
        elif stagger > 1:
            extra["minlen"] = str(step.get(e.head if e.tail == actor_id else e.tail, 1))
        if i in outside:
            extra.update(xlabel=_html_label([vocab.RELATION[e.type].label]), fontcolor=RELATION_STYLE[e.type].color)
        _add_edge(g, e, i, label=i not in outside, **extra)
    return g


def _crowded_flat_edges(g: pygraphviz.AGraph, edges: list[_Edge]) -> set[int]:
    """The edges between two neighbours whose label `dot` must place after the layout, or it may abort.

    An edge between two nodes of one rank (a flat edge) gets a node for its
    label on the rank before. When a rank holds the labels of flat edges that
    join different pairs of actors, dot reorders them with a routine that, for
    some orders, fails an assertion and aborts the whole process (Graphviz 14,
    `fixLabelOrder`); labels of edges joining one pair are left alone. So the
    flat edges of such a rank get their label as an `xlabel`, which dot sets
    beside the drawn edge and needs no node for. Edges touching the actor are
    never flat, and a rank-only pass of dot (`phase=1`) tells which others are.
    """
    far = [i for i, e in enumerate(edges) if not e.near and e.tail != e.head]
    pair = {i: frozenset((edges[i].tail, edges[i].head)) for i in far}
    if len(set(pair.values())) < 2:
        return set()
    probe = g.copy()
    probe.graph_attr["phase"] = "1"
    with _quiet():
        probe.layout(prog="dot")
    rank = {str(v): v.attr["rank"] for v in probe.nodes()}
    flat: dict[str, list[int]] = {}
    for i in far:
        if rank[edges[i].tail] == rank[edges[i].head]:
            flat.setdefault(rank[edges[i].tail], []).append(i)
    return {i for same in flat.values() if len({pair[i] for i in same}) > 1 for i in same}


def _actor_title(corpus: Corpus, actor_id: str, neighbours: set[str], edges: list[_Edge]) -> str:
    name = _actor_name(corpus, actor_id)
    near = [_edge_text(corpus, e) for e in edges if e.near]
    shown = "; ".join(near[:12]) + ("; …" if len(near) > 12 else "")
    return f"Relation graph of {name} and {_plural(len(neighbours), 'related actor')}: {shown}."


def network_graph(corpus: Corpus, href: Callable[[str], str]) -> str:
    """Every published actor and every relation between them, as a figure; "" without actors.

    Two passes. Graphviz places the actors as points: `neato` (stress
    majorization, seeded) up to NEATO_MAX actors, `sfdp` (multilevel
    force-directed, for thousands) beyond, each connected group apart and
    the groups packed as a plain grid: `_spread` sets them in rows of its
    own, and packing them closely, node by node, costs time growing with
    the square of their number (thousands of actors without relations, or
    in pairs, are as many groups). `_spread` then gives every label
    room (see there; Graphviz's own overlap removal is no good here: `prism`
    needs a library this build of Graphviz lacks, `scale` blows a few hundred
    actors up to a graph many screens wide, `vpsc` stacks them into a column), and the
    `nop` engine draws the result as it is. Edges are straight, drawn under
    the nodes, and not labelled, as at this size labels would cover the graph:
    the colour, line and arrowhead of each says its type, and its tooltip says
    it in words. The figure scales down with the column but not below the
    width at which labels stay MIN_NETWORK_FONT_PX high; the panel scrolls
    sideways instead.
    """
    if not corpus.actors:
        return ""
    ids = sorted(corpus.actors)
    held = [(a, i) for a in ids for i in range(len(corpus.actors[a].relations))]
    edges = _edges(corpus, held)
    linked = {x for e in edges for x in (e.tail, e.head)}

    g = _agraph(start="1", overlap="true", splines="false", pack="true", packmode="array")  # see above
    for a in ids:
        _add_node(g, corpus, a, NETWORK_WRAP, fontsize=f"{NETWORK_FONT_PT:g}")
    for i, e in enumerate(edges):
        _add_edge(g, e, i, label=False)
    with _quiet():
        if len(ids) <= NEATO_MAX:
            g.layout(prog="neato")
        else:  # sfdp's default repulsion leaves a dense core in a sparse ring: pull it in
            g.graph_attr["repulsiveforce"] = "0.2"
            g.layout(prog="sfdp")
    _spread(g)
    title = (
        f"Network of {_plural(len(ids), 'actor')} and {_plural(len(edges), 'relation')}"
        + (f"; {_plural(len(ids) - len(linked), 'actor')} without relations" if len(ids) > len(linked) else "")
        + "."
    )
    root = _svg(_layout(g, "nop"), corpus, edges, href, title)

    w, _ = _size(root)
    # viewBox units are points; below this width (CSS px) the labels would be
    # drawn smaller than MIN_NETWORK_FONT_PX, so the panel scrolls instead
    min_px = min(w * 4 / 3, w * MIN_NETWORK_FONT_PX / NETWORK_FONT_PT)
    caption = title + " Select an actor to open its page; hover over a line for the relation it stands for."
    if min_px > 700:
        caption += " On a narrow screen, scroll the panel sideways to see all of it."
    return _figure(
        root, "bg-graph-network", caption,
        _legend({corpus.actors[a].kind for a in ids}, {e.type for e in edges}),
        svg_style=f"display:block;margin:0 auto;width:100%;max-width:{w:g}pt;min-width:{min_px:.0f}px;height:auto",
        figure_style=";overflow-x:auto",
    )
