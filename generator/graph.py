"""Actor-relation graphs, laid out at build time with Graphviz, as inline SVG.

`actor_graph` draws one actor with its neighbours (an actor page), and
`network_graph` the whole published network (the actors index). Both return a
raw HTML block ready to embed in a generated Markdown page:

    <figure class="bg-graph ..."><svg ...>...</svg><figcaption>... legend ...</figcaption></figure>

- Safe to embed: one block with no blank line inside (a blank line would end
  the raw HTML block), no XML declaration, DOCTYPE or comment, no `id`
  attribute (ids could clash with the page's anchors), no external reference.
  Every author text (names) is escaped: labels reach Graphviz as HTML-like
  labels built from escaped text, and titles, links and tooltips are set on
  the parsed SVG afterwards, so neither Graphviz's escape sequences nor
  markup in a name can do anything.
- Deterministic: nodes and edges are added in sorted order, the layouts that
  use randomness get a fixed seed, and the Graphviz version comment is
  dropped, so the same corpus gives the same bytes.
- Readable: relation types differ by colour, line style and arrowhead, actor
  kinds by shape and fill; the legend lists the types actually drawn. The
  graph is drawn on a light panel, so it reads the same in the light and the
  dark (slate) palette, and scales down to the column width; the network
  scrolls sideways rather than shrink its labels below legibility.
- Accessible: the SVG has role="group" (it holds links), a <title> and an aria-label that
  summarise it; every node's <title> is the actor's name and every edge's the
  relation in words. The relation tables of the pages carry the same
  information as text.
"""

from __future__ import annotations

import contextlib
import html
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable
from xml.etree import ElementTree as ET

import pygraphviz

from . import vocab
from .corpus import Corpus

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
    found: dict[tuple[str, str, str], list[str]] = {}
    for holder, index in relations:
        rel = corpus.actors[holder].relations[index]
        spans = found.setdefault((holder, rel.type, rel.actor), [])
        span = _span(rel)
        if span and span not in spans:
            spans.append(span)
    edges = []
    for (tail, kind, head), spans in sorted(found.items()):
        symmetric = vocab.RELATION[kind].label == vocab.RELATION[kind].inverse
        if symmetric and tail != head and (head, kind, tail) in found:
            if head < tail:
                continue  # drawn once, from the side with the smaller id
            spans = list(dict.fromkeys(spans + found[(head, kind, tail)]))
            edges.append(_Edge(tail, head, kind, True, tuple(spans)))
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
    body = "<BR/>".join(html.escape(line, quote=False) for line in lines)
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
        label=_html_label(_wrap(_clean(actor.name), width), bold=extra.pop("bold", False)),
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


# Room per node in the network, as a multiple of the average node's box, and the
# aspect (width/height) the points are spread to before overlap removal, which
# then stretches the layout mostly downwards (labels are wider than tall).
NEATO_MAX = 400  # up to this many actors neato (seeded, deterministic); beyond, sfdp scales
NETWORK_ROOM = 2.0
NETWORK_SPREAD_ASPECT = 1.6


def _spread(g: pygraphviz.AGraph) -> None:
    """Scale a point layout to the room its labels need (node `pos` in points)."""
    nodes = g.nodes()
    pos = [tuple(float(v) for v in n.attr["pos"].rstrip("!").split(",")[:2]) for n in nodes]
    w = sum(float(n.attr["width"]) for n in nodes) / len(nodes) * 72
    h = sum(float(n.attr["height"]) for n in nodes) / len(nodes) * 72
    xs, ys = [p[0] for p in pos], [p[1] for p in pos]
    dx, dy = max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0)
    area = NETWORK_ROOM * len(nodes) * w * h
    # scale so that the spread layout has `area` and the wanted aspect
    sy = math.sqrt(area / NETWORK_SPREAD_ASPECT) / dy
    sx = math.sqrt(area * NETWORK_SPREAD_ASPECT) / dx
    for n, (x, y) in zip(nodes, pos):
        n.attr["pos"] = f"{(x - min(xs)) * sx:.2f},{(y - min(ys)) * sy:.2f}"


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
            name = _clean(actor.name)
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
    a, b = _clean(corpus.actors[e.tail].name), _clean(corpus.actors[e.head].name)
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


def _esc_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _esc_attr(text: str) -> str:
    return _esc_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


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

_FIGURE_STYLE = (
    f"background:{PANEL};color:{TEXT};border:1px solid #d0d7de;border-radius:6px;"
    "padding:.5em .6em;margin:1em 0;max-width:100%;box-sizing:border-box"
)
_CAPTION_STYLE = f"color:{TEXT};font-size:.72rem;line-height:1.5;margin-top:.4em;text-align:left"


def _figure(svg: ET.Element, css: str, caption: str, legend: str, svg_style: str, figure_style: str = "") -> str:
    svg.set("style", svg_style)
    return (
        f'<figure class="bg-graph {css}" style="{_FIGURE_STYLE}{figure_style}">\n'
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
    stands on its left, whom it holds one toward on its right.
    """
    actor = corpus.actors[actor_id]
    incident = [(actor_id, i) for i in range(len(actor.relations))] + list(corpus.relations_in.get(actor_id, []))
    if not incident:
        return ""
    neighbours = {actor.relations[i].actor for i in range(len(actor.relations))}
    neighbours |= {holder for holder, _ in corpus.relations_in.get(actor_id, [])}
    neighbours.discard(actor_id)
    # relations between two neighbours give context; they are drawn lighter and
    # do not pull the layout
    around = [
        (n, i) for n in sorted(neighbours) for i, r in enumerate(corpus.actors[n].relations) if r.actor in neighbours
    ]
    edges = _edges(corpus, incident + around, centre=actor_id)

    g = _agraph(rankdir="LR", nodesep="0.22", ranksep="0.55", newrank="true")
    _add_node(g, corpus, actor_id, 22, bold=True, penwidth="3", fontsize=str(ACTOR_FONT_PT + 1))
    for n in sorted(neighbours):
        _add_node(g, corpus, n, 22, fontsize=str(ACTOR_FONT_PT))
    # many neighbours on one rank make a very tall column: stagger the leaves
    # over up to three ranks (what Graphviz's `unflatten -l` does)
    stagger = min(3, 1 + len(neighbours) // 12)
    leaves = [e for e in edges if e.near]
    for i, e in enumerate(edges):
        extra: dict[str, str] = {"fontsize": "10"}
        if e.near:
            if stagger > 1:
                extra["minlen"] = str(1 + leaves.index(e) % stagger)
        else:
            extra.update(constraint="false", penwidth="0.9")
        _add_edge(g, e, i, label=True, **extra)
    root = _svg(_layout(g, "dot"), corpus, edges, href, _actor_title(corpus, actor_id, neighbours, edges), centre=actor_id)

    kinds = {corpus.actors[a].kind for a in neighbours | {actor_id}}
    caption = f"Relations of {_clean(actor.name)}: {_plural(len(neighbours), 'actor')}, {_plural(len(edges), 'relation')}. Select an actor to open its page."
    w, _ = _size(root)
    return _figure(
        root, "bg-graph-actor", caption, _legend(kinds, {e.type for e in edges}),
        svg_style=f"display:block;margin:0 auto;width:{w:g}pt;max-width:100%;height:auto",
    )


def _actor_title(corpus: Corpus, actor_id: str, neighbours: set[str], edges: list[_Edge]) -> str:
    name = _clean(corpus.actors[actor_id].name)
    near = [_edge_text(corpus, e) for e in edges if e.near]
    shown = "; ".join(near[:12]) + ("; …" if len(near) > 12 else "")
    return f"Relation graph of {name} and {_plural(len(neighbours), 'related actor')}: {shown}."


def network_graph(corpus: Corpus, href: Callable[[str], str]) -> str:
    """Every published actor and every relation between them, as a figure; "" without actors.

    Two Graphviz passes. `sfdp` (force-directed, multilevel: it scales to
    thousands of nodes) places the nodes as points; the layout is then scaled,
    more across than down, to the room the labels need, and the `nop` engine
    (neato -n: keep the positions) removes what overlap is left with `vpsc`,
    which moves nodes as little as possible. (Graphviz's own `prism` removal
    needs a library this build lacks, and uniform `scale` removal blows a
    200-node graph up to some 5,000 points across.) Edges are straight, drawn
    under the nodes, and not labelled, as at this size labels would cover the
    graph: the colour, line and arrowhead of each says its type, and its
    tooltip says it in words.
    """
    if not corpus.actors:
        return ""
    ids = sorted(corpus.actors)
    held = [(a, i) for a in ids for i in range(len(corpus.actors[a].relations))]
    edges = _edges(corpus, held)
    linked = {x for e in edges for x in (e.tail, e.head)}

    g = _agraph(start="1", overlap="true", splines="false", pack="true", packmode="node")
    for a in ids:
        _add_node(g, corpus, a, NETWORK_WRAP, fontsize=f"{NETWORK_FONT_PT:g}")
    for i, e in enumerate(edges):
        _add_edge(g, e, i, label=False)
    with _quiet():
        g.layout(prog="neato" if len(ids) <= NEATO_MAX else "sfdp")
    _spread(g)
    g.graph_attr.update(overlap="vpsc", sep="+8")
    title = (
        f"Network of {_plural(len(ids), 'actor')} and {_plural(len(edges), 'relation')}"
        + (f"; {_plural(len(ids) - len(linked), 'actor')} without relations" if len(ids) > len(linked) else "")
        + "."
    )
    root = _svg(_layout(g, "nop"), corpus, edges, href, title)

    w, _ = _size(root)
    # below this width (CSS px) the labels would shrink under MIN_NETWORK_FONT_PX: scroll instead
    min_px = min(w * 4 / 3, w * 4 / 3 * MIN_NETWORK_FONT_PX / (NETWORK_FONT_PT * 4 / 3))
    caption = title + " Select an actor to open its page; hover over a line for the relation it stands for."
    return _figure(
        root, "bg-graph-network", caption,
        _legend({corpus.actors[a].kind for a in ids}, {e.type for e in edges}),
        svg_style=f"display:block;margin:0 auto;width:100%;max-width:{w:g}pt;min-width:{min_px:.0f}px;height:auto",
        figure_style=";overflow-x:auto",
    )
