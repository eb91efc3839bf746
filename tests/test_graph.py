"""Actor graphs: laid out by Graphviz at build time, inline SVG, linked, deterministic, escaped."""

from __future__ import annotations

import re

from support import REPO
from generator import graph, pipeline
from generator.config import Project
from generator.corpus import Policy


def _corpus(root=REPO):
    return pipeline.validate(Project(root), Policy()).corpus


def test_actor_graph_shows_neighbours_links_labels_and_legend():
    corpus = _corpus()
    svg = graph.actor_graph(corpus, "isis", lambda a: f"../{a}/")
    assert svg.startswith("<figure") and "<svg" in svg and "\n\n" not in svg
    for neighbour in ("hts", "abu-al-hussein-al-qurashi"):
        assert f'href="../{neighbour}/"' in svg
    assert "hostile to" in svg and "leads" in svg
    assert "legend" in svg.lower()
    assert 'role="group"' in svg and "aria-label" in svg


def test_graphs_are_deterministic():
    corpus = _corpus()
    assert graph.actor_graph(corpus, "hts", str) == graph.actor_graph(corpus, "hts", str)
    assert graph.network_graph(corpus, str) == graph.network_graph(corpus, str)


def test_network_has_every_actor_and_no_outside_reference():
    corpus = _corpus()
    svg = graph.network_graph(corpus, lambda a: f"{a}/")
    for actor in corpus.actors:
        assert f'href="{actor}/"' in svg
    urls = set(re.findall(r"https?://[^\"' )]+", svg))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/XML/1998/namespace"}


def test_hostile_names_are_escaped(minimal):
    minimal.write("actors/beta-state.yaml", 'name: "Beta <script>alert(1)</script> & \\"Co\\" Erdoğan"\nkind: state\n')
    corpus = _corpus(minimal.root)
    svg = graph.actor_graph(corpus, "alpha-group", lambda a: f"../{a}/")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Erdoğan" in svg


def test_actor_without_relations_has_no_graph(minimal):
    minimal.write("actors/lonely.yaml", "name: Lonely\nkind: person\n")
    assert graph.actor_graph(_corpus(minimal.root), "lonely", str) == ""


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
