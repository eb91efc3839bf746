"""Actor graphs: laid out by Graphviz at build time, inline SVG, linked, deterministic, escaped, legible."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import time
from xml.etree import ElementTree as ET

import markdown
import pytest

from support import REPO
from generator.output import graph
from generator.build import driver as pipeline
from generator.config import Project
from generator.stages.corpus import Policy

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/XML/1998/namespace"}


def _corpus(root=REPO):
    return pipeline.validate(Project(root), Policy()).corpus


@pytest.fixture(scope="module")
def corpus():
    return _corpus()


def _svg(figure: str) -> ET.Element:
    """The <svg> of a figure, parsed (which also proves it well-formed XML)."""
    return ET.fromstring(figure[figure.index("<svg"): figure.index("</svg>") + len("</svg>")])


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(SVG + "g") if cls in g.get("class", "").split()]


def _node_boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    """Bounding box of each node's shape, by the node's <title> (the actor's name)."""
    boxes = {}
    for g in _groups(root, "bg-node"):
        pts = []
        for el in g.iter():
            if el.tag in (SVG + "polygon", SVG + "polyline"):
                pts += [tuple(map(float, p.split(","))) for p in el.get("points").split()]
            elif el.tag == SVG + "ellipse":
                cx, cy, rx, ry = (float(el.get(k)) for k in ("cx", "cy", "rx", "ry"))
                pts += [(cx - rx, cy - ry), (cx + rx, cy + ry)]
            elif el.tag == SVG + "path":
                nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", el.get("d"))]
                pts += list(zip(nums[0::2], nums[1::2]))
        xs, ys = zip(*pts)
        boxes[g.find(SVG + "title").text] = (min(xs), min(ys), max(xs), max(ys))
    return boxes


def _overlapping(boxes) -> list[tuple[str, str]]:
    items = sorted(boxes.items(), key=lambda kv: kv[1][0])
    out = []
    for k, (a, ba) in enumerate(items):
        for b, bb in items[k + 1:]:
            if bb[0] >= ba[2] - 0.5:
                break
            if ba[1] < bb[3] - 0.5 and bb[1] < ba[3] - 0.5:
                out.append((a, b))
    return out


# --- the actor graph ----------------------------------------------------------


def test_actor_graph_shows_neighbours_links_labels_and_legend(corpus):
    svg = graph.actor_graph(corpus, "isis", lambda a: f"../{a}/")
    assert svg.startswith("<figure") and "<svg" in svg and "\n\n" not in svg
    for neighbour in ("hts", "abu-al-hussein-al-qurashi"):
        assert f'href="../{neighbour}/"' in svg
    assert "hostile to" in svg and "leads" in svg
    assert "legend" in svg.lower()
    assert f'role="{graph.SVG_ROLE}"' in svg and "aria-label" in svg


def test_actor_graph_nodes_edges_and_legend_in_detail(corpus):
    fig = graph.actor_graph(corpus, "isis", lambda a: f"../{a}/")
    root = _svg(fig)
    # one node per actor, each titled with its name and linked (both link forms, top frame)
    expected = {"isis"} | {r.actor for r in corpus.actors["isis"].relations} | {h for h, _ in corpus.relations_in["isis"]}
    names = {corpus.actors[a].name: a for a in expected}
    nodes = _groups(root, "bg-node")
    assert {g.find(SVG + "title").text for g in nodes} == set(names)
    for g in nodes:
        a = next(g.iter(SVG + "a"))
        actor = names[g.find(SVG + "title").text]
        assert a.get("href") == a.get("{http://www.w3.org/1999/xlink}href") == f"../{actor}/"
        assert a.get("target") == "_top"
    # the centre stands out
    centre = [g for g in nodes if "bg-centre" in g.get("class").split()]
    assert [g.find(SVG + "title").text for g in centre] == ["Islamic State (ISIS)"]
    # typed, directed, labelled edges, described in words
    edge_titles = {g.find(SVG + "title").text for g in _groups(root, "bg-edge")}
    assert "Abu al-Hussein al-Husseini al-Qurashi leads Islamic State (ISIS) (2022-11–2023-04)" in edge_titles
    assert any(t.startswith("Hay'at Tahrir al-Sham hostile to Islamic State (ISIS)") for t in edge_titles)
    labels = {t.text for g in _groups(root, "bg-edge") for t in g.iter(SVG + "text")}
    assert {"leads", "hostile to", "member of", "split from"} <= labels
    # the legend names the kinds and relation types drawn, and only those
    caption = fig[fig.index("<figcaption"):]
    for present in ("armed group", "person", "state", "government agency", "leads", "hostile to", "split from"):
        assert f"</svg>{present}</li>" in caption
    for absent in ("media", "allied with", "affiliated with"):
        assert f"</svg>{absent}</li>" not in caption
    # the whole graph is named for assistive technology
    assert root[0].tag == SVG + "title" and root[0].text.startswith("Relation graph of Islamic State (ISIS)")
    assert root.get("aria-label") == root[0].text


def test_actor_without_relations_has_no_graph(minimal):
    minimal.write("actors/lonely.yaml", "name: Lonely\nkind: person\n")
    assert graph.actor_graph(_corpus(minimal.root), "lonely", str) == ""


def test_symmetric_relation_held_both_ways_is_one_edge(minimal):
    minimal.write("actors/beta-state.yaml", "name: Beta State\nkind: state\nrelations:\n  - {type: hostile-to, actor: alpha-group}\n")
    root = _svg(graph.actor_graph(_corpus(minimal.root), "alpha-group", lambda a: a))
    edges = _groups(root, "bg-edge")
    assert len(edges) == 1
    assert edges[0].find(SVG + "title").text == "Alpha Group and Beta State: hostile to each other (since 2020)"


def test_actor_graph_of_a_hub_draws_the_most_connected_neighbours(minimal):
    n = graph.ACTOR_MAX_NEIGHBOURS + 15
    for i in range(n):
        minimal.write(f"actors/member-{i:03d}.yaml", f"name: Member {i}\nkind: person\nrelations:\n  - {{type: member-of, actor: beta-state}}\n")
    # two members are better connected than the rest, and must be among those drawn
    minimal.write("actors/member-050.yaml", "name: Member 50\nkind: person\nrelations:\n  - {type: member-of, actor: beta-state}\n  - {type: leads, actor: alpha-group}\n")
    corpus = _corpus(minimal.root)
    started = time.perf_counter()
    fig = graph.actor_graph(corpus, "beta-state", lambda a: a)
    assert time.perf_counter() - started < 5
    root = _svg(fig)
    titles = {g.find(SVG + "title").text for g in _groups(root, "bg-node")}
    assert len(titles) == graph.ACTOR_MAX_NEIGHBOURS + 1
    assert {"Beta State", "Alpha Group", "Member 50"} <= titles
    assert f"the {graph.ACTOR_MAX_NEIGHBOURS} most connected of {n + 1} related actors" in fig



def _write_clique(project, n: int) -> None:
    """n actors, each allied with every other."""
    for i in range(n):
        rels = "".join(f"  - {{type: allied-with, actor: member-{j:02d}}}\n" for j in range(n) if j != i)
        project.write(f"actors/member-{i:02d}.yaml", f"name: Member {i}\nkind: armed-group\nrelations:\n{rels}")


def test_neighbours_all_related_to_each_other_keep_their_labels_and_do_not_abort_the_build(minimal):
    # the relations among the neighbours lie on one rank; labelled the usual way, Graphviz aborted
    # the whole build (an assertion in dot, no message at all)
    _write_clique(minimal, 12)
    r = minimal.run("build")
    assert r.code == 0, r.err
    page = (minimal.root / "site/actors/member-00/index.html").read_text("utf-8")
    root = _svg(page[page.index('<figure class="bg-graph'):])
    assert len(_groups(root, "bg-node")) == 12 and len(_groups(root, "bg-edge")) == 11 + 55
    # every relation drawn keeps its label, placed beside its line
    assert [t.text for t in root.iter(SVG + "text")].count("allied with") == 11 + 55


def test_actor_graph_draws_at_most_so_many_relations_among_the_neighbours(minimal):
    _write_clique(minimal, 14)  # 13 neighbours, 78 relations among them
    corpus = _corpus(minimal.root)
    fig = graph.actor_graph(corpus, "member-00", lambda a: a)
    edges = _groups(_svg(fig), "bg-edge")
    assert len(edges) == 13 + graph.ACTOR_MAX_AROUND
    assert f"{graph.ACTOR_MAX_AROUND} of the 78 relations among them are drawn" in fig


# --- safe to embed ---------------------------------------------------------------


def test_hostile_names_are_escaped(minimal):
    minimal.write("actors/beta-state.yaml", 'name: "Beta <script>alert(1)</script> & \\"Co\\" Erdoğan"\nkind: state\n')
    corpus = _corpus(minimal.root)
    svg = graph.actor_graph(corpus, "alpha-group", lambda a: f"../{a}/")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Erdoğan" in svg


@pytest.mark.parametrize("name", [
    '<b>Bold</b> & "quoted" \'single\' Erdoğan',  # a name that looks like a Graphviz HTML label
    "Back\\slash \\N \\G \\L",  # Graphviz escape sequences, meant literally
    "<!-- not a comment --> ]]> <![CDATA[ x ]]>",
    "Tab\tand tab",  # a tab is not passed to XML (validation refuses the other control characters)
])
def test_any_name_is_shown_as_written(minimal, name):
    quoted = name.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\u0007", "\\a")
    minimal.write("actors/beta-state.yaml", f'name: "{quoted}"\nkind: state\n')
    corpus = _corpus(minimal.root)
    shown = " ".join(graph._CONTROL.sub("", corpus.actors["beta-state"].name).split())
    for fig in (graph.actor_graph(corpus, "alpha-group", lambda a: f"../{a}/"), graph.network_graph(corpus, lambda a: f"{a}/")):
        root = _svg(fig)  # well-formed
        node = next(g for g in _groups(root, "bg-node") if next(g.iter(SVG + "a")).get("href").endswith("beta-state/"))
        assert node.find(SVG + "title").text == shown
        assert " ".join(t.text for t in node.iter(SVG + "text")) == shown  # the label, maybe over lines
        assert "<b>" not in fig and "<!-- " not in fig and "<![CDATA[" not in fig


def test_figure_is_one_raw_html_block_markdown_leaves_alone(corpus):
    for fig in (graph.actor_graph(corpus, "isis", lambda a: f"../{a}/"), graph.network_graph(corpus, lambda a: f"{a}/")):
        assert fig.startswith('<figure class="bg-graph') and fig.endswith("</figure>")
        assert not re.search(r"\n\s*\n", fig), "a blank line would end the raw HTML block"
        assert "<?xml" not in fig and "<!DOCTYPE" not in fig and "<!--" not in fig
        assert not re.search(r"\sid=", fig), "ids could clash with the page's anchors"
        assert "<figcaption" in fig and "</figcaption>" in fig
        # the figure survives Markdown as the site converts it, byte for byte
        page = f"# Title\n\nSome *text*.\n\n{fig}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
        html = markdown.markdown(page, extensions=["attr_list", "tables", "toc", "admonition", "abbr"])
        assert fig in html


def test_no_outside_reference(corpus):
    for fig in (graph.actor_graph(corpus, "isis", lambda a: f"../{a}/"), graph.network_graph(corpus, lambda a: f"{a}/")):
        urls = set(re.findall(r"https?://[^\"' )<]+", fig))
        assert urls <= NAMESPACES
        assert "url(" not in fig and "<image" not in fig and "@import" not in fig
        assert 'font-family="Helvetica,Arial,sans-serif"' in fig


def test_figure_reads_in_both_palettes_and_scales_down(corpus):
    fig = graph.actor_graph(corpus, "isis", lambda a: f"../{a}/")
    root = _svg(fig)
    # a light panel under dark text, whatever the page's palette
    figure_style = fig[: fig.index(">")]
    assert "background:#ffffff" in figure_style and f"color:{graph.TEXT}" in figure_style
    assert "max-width:100%" in root.get("style") and "height:auto" in root.get("style")
    assert root.get("viewBox")
    texts = {t.get("fill") for t in root.iter(SVG + "text")}
    assert texts <= {graph.TEXT} | {s.color for s in graph.RELATION_STYLE.values()} | {None}


# --- determinism ------------------------------------------------------------------

_PRINT_GRAPHS = """
import hashlib, sys
sys.path.insert(0, {tests!r})
from generator.output import graph
from generator.build import driver as pipeline
from generator.config import Project
from generator.stages.corpus import Policy
from pathlib import Path
c = pipeline.validate(Project(Path({root!r})), Policy()).corpus
out = [graph.actor_graph(c, a, lambda x: "../" + x + "/") for a in sorted(c.actors)] + [graph.network_graph(c, lambda x: x + "/")]
print(hashlib.sha256("".join(out).encode()).hexdigest())
"""


def test_graphs_are_deterministic(corpus):
    assert graph.actor_graph(corpus, "hts", str) == graph.actor_graph(corpus, "hts", str)
    assert graph.network_graph(corpus, str) == graph.network_graph(corpus, str)


def test_graphs_are_byte_identical_across_processes(tmp_path):
    code = _PRINT_GRAPHS.format(tests=str(REPO / "tests"), root=str(REPO))
    digests = set()
    for seed in ("1", "2"):  # another hash seed: no set or dict order may leak into the output
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        digests.add(proc.stdout.strip())
    assert len(digests) == 1


# --- the network --------------------------------------------------------------------


def test_network_has_every_actor_and_no_outside_reference(corpus):
    svg = graph.network_graph(corpus, lambda a: f"{a}/")
    for actor in corpus.actors:
        assert f'href="{actor}/"' in svg
    urls = set(re.findall(r"https?://[^\"' )]+", svg))
    assert urls <= NAMESPACES


def test_network_of_200_actors_stays_legible(minimal):
    for i in range(200):
        rels = f"relations:\n  - {{type: allied-with, actor: actor-{(i * 7 + 3) % 200:03d}}}\n" if i % 3 else ""
        minimal.write(f"actors/actor-{i:03d}.yaml", f"name: Actor number {i}\nkind: armed-group\n{rels}")
    corpus = _corpus(minimal.root)
    svg = graph.network_graph(corpus, lambda a: f"{a}/")
    for i in range(200):
        assert f'href="actor-{i:03d}/"' in svg
    width, height = (float(x) for x in re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg).groups())
    # labels are drawn at a readable size and the canvas is not absurdly large
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= graph.MIN_NETWORK_FONT_PX
    assert width * height / 202 < 40_000  # on average less than a 200x200 pt square per actor
    assert not _overlapping(_node_boxes(_svg(svg)))


KINDS = ["person", "organization", "armed-group", "state", "government-agency", "media", "other"]
TYPES = ["leads", "member-of", "part-of", "split-from", "allied-with", "hostile-to", "affiliated-with", "supports"]


def _write_network(project, n: int, seed: int = 7) -> None:
    """A network the way real ones look: groups around hubs, ties between hubs, stray links, loners."""
    rng = random.Random(seed)
    syllables = ["ka", "ra", "mi", "do", "su", "al", "ze", "qu", "ha", "bi", "no", "ta", "ğa", "şe", "yü", "ri"]
    hubs = max(1, n // 12)
    for i in range(n):
        words = ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize() for _ in range(rng.randint(1, 4))]
        rels: set[tuple[str, int]] = set()
        if i < hubs:
            kind = rng.choice(["state", "armed-group", "organization"])
            rels |= {(rng.choice(["allied-with", "hostile-to", "split-from"]), rng.randrange(hubs)) for _ in range(2)}
        else:
            kind = KINDS[i % len(KINDS)]
            if i % 17:  # a few actors have no relation at all
                rels.add((rng.choice(["member-of", "part-of", "affiliated-with", "supports"]), i % hubs))
                if rng.random() < 0.35:
                    rels.add((rng.choice(TYPES), rng.randrange(i)))
        lines = [f'name: "{" ".join(words)} {i}"', f"kind: {kind}"]
        rels = {(t, j) for t, j in rels if j != i}
        if rels:
            lines += ["relations:"] + [f"  - {{type: {t}, actor: actor-{j:04d}}}" for t, j in sorted(rels)]
        project.write(f"actors/actor-{i:04d}.yaml", "\n".join(lines) + "\n")


def test_network_of_200_clustered_actors_is_legible_and_quick(minimal):
    _write_network(minimal, 200)
    corpus = _corpus(minimal.root)
    started = time.perf_counter()
    fig = graph.network_graph(corpus, lambda a: f"{a}/")
    took = time.perf_counter() - started
    assert took < 20, f"network of 200 actors took {took:.1f}s"
    root = _svg(fig)
    boxes = _node_boxes(root)
    assert len(boxes) == len(corpus.actors) == 202
    assert not _overlapping(boxes), "labels must not cover each other"
    edges = _groups(root, "bg-edge")
    assert len(edges) >= 200
    assert all(e.find(SVG + "title").text for e in edges)
    # legible: every label at NETWORK_FONT_PT, on a canvas of modest size per actor,
    # neither a line nor a column (aspect) ...
    vb = [float(v) for v in root.get("viewBox").split()]
    width, height = vb[2], vb[3]
    assert {float(t.get("font-size")) for t in root.iter(SVG + "text")} == {graph.NETWORK_FONT_PT}
    assert width * height / len(boxes) < 40_000
    assert 1 / 3 < width / height < 3
    # ... and never drawn smaller than MIN_NETWORK_FONT_PX: the panel scrolls instead
    min_width = float(re.search(r"min-width:(\d+)px", root.get("style")).group(1))
    assert min_width * graph.NETWORK_FONT_PT / width >= graph.MIN_NETWORK_FONT_PX - 0.1
    assert "overflow-x:auto" in fig[: fig.index(">")]
    # the legend lists every kind and relation type drawn
    caption = fig[fig.index("<figcaption"):]
    for kind in KINDS:
        assert f"</svg>{kind.replace('-', ' ')}</li>" in caption
    assert "Network of 202 actors" in caption



def _write_loners(project, n: int) -> None:
    for i in range(n):
        project.write(f"actors/loner-{i:04d}.yaml", f"name: Loner number {i}\nkind: person\n")


def test_actors_without_relations_stand_in_rows_under_the_related_ones(minimal):
    _write_loners(minimal, 300)
    fig = graph.network_graph(_corpus(minimal.root), lambda a: f"{a}/")
    boxes = _node_boxes(_svg(fig))
    assert len(boxes) == 302 and not _overlapping(boxes)
    assert "Network of 302 actors and 1 relation; 300 actors without relations." in fig
    related_bottom = max(boxes[name][3] for name in ("Alpha Group", "Beta State"))
    assert all(box[1] >= related_bottom for name, box in boxes.items() if name.startswith("Loner"))


def test_network_of_thousands_of_loners_and_pairs_is_drawn_in_seconds(minimal):
    # Graphviz packed each group (of one actor, of two) against all packed so far, node by node,
    # in time growing with the square of the groups, though they are set in rows afterwards anyway
    _write_loners(minimal, 3000)
    for i in range(0, 1000, 2):
        minimal.write(f"actors/pair-{i:04d}.yaml", f"name: Pair {i}\nkind: state\nrelations:\n  - {{type: allied-with, actor: pair-{i + 1:04d}}}\n")
        minimal.write(f"actors/pair-{i + 1:04d}.yaml", f"name: Pair {i + 1}\nkind: state\n")
    corpus = _corpus(minimal.root)
    started = time.perf_counter()
    fig = graph.network_graph(corpus, lambda a: f"{a}/")
    took = time.perf_counter() - started
    assert took < 60, f"network of 4,002 actors took {took:.0f}s"
    assert "Network of 4002 actors and 501 relations; 3000 actors without relations." in fig
