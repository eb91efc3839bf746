#!/usr/bin/env python3
"""Time the actor graphs and the network graph on corpora of extreme shapes.

    PYTHONPATH=$PWD python bench/graph_shapes.py [SHAPE[=N] ...] [--timeout S] [--keep DIR]

(the `generator` measured is the one on PYTHONPATH).

Each shape is a project of actors only (no briefs), written to a temporary
folder (or DIR/SHAPE-N with --keep), validated, and then the graph functions
are called directly, in a child process killed after --timeout seconds:

- isolated: N actors without any relation;
- star:     N actors each a member of one hub;
- fan:      one hub that leads N - 1 actors;
- chain:    N actors, each allied with the next;
- pairs:    N actors, fully related in pairs (every type, both ways);
- multi:    two actors, N relations of one type between them, each with its own dates;
- clique:   N actors, each allied with every other.

Without arguments: isolated=10000 star=10000 fan=10000 chain=10000
pairs=2000 multi=10000 clique=300. Prints, per shape, the network graph's
time and size, the time of every actor graph together and of the slowest
one; "-" for what did not finish (killed, or Graphviz aborted: the exit
status says which).
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT = ["isolated=10000", "star=10000", "fan=10000", "chain=10000", "pairs=2000", "multi=10000", "clique=300"]
TYPES = ["leads", "member-of", "part-of", "split-from", "allied-with", "hostile-to", "affiliated-with", "supports"]


def _actor(i: int) -> str:
    return f"actor-{i:05d}"


def relations(shape: str, n: int) -> dict[str, list[str]]:
    """Each actor's relations as YAML flow mappings, by actor id."""
    rels: dict[str, list[str]] = {_actor(i): [] for i in range(n)}
    if shape == "star":
        for i in range(1, n):
            rels[_actor(i)].append(f"{{type: member-of, actor: {_actor(0)}}}")
    elif shape == "chain":
        for i in range(n - 1):
            rels[_actor(i)].append(f"{{type: allied-with, actor: {_actor(i + 1)}}}")
    elif shape == "pairs":
        for i in range(0, n - 1, 2):
            for t in TYPES:
                rels[_actor(i)].append(f"{{type: {t}, actor: {_actor(i + 1)}}}")
                rels[_actor(i + 1)].append(f"{{type: {t}, actor: {_actor(i)}}}")
    elif shape == "fan":
        rels[_actor(0)] = [f"{{type: leads, actor: {_actor(i)}}}" for i in range(1, n)]
    elif shape == "multi":
        rels = {_actor(0): [], _actor(1): []}
        for k in range(n):
            since = f'"{1000 + k // 12:04d}-{k % 12 + 1:02d}"'
            rels[_actor(0)].append(f"{{type: supports, actor: {_actor(1)}, since: {since}}}")
    elif shape == "clique":
        for i in range(n):
            rels[_actor(i)] = [f"{{type: allied-with, actor: {_actor(j)}}}" for j in range(n) if j != i]
    elif shape != "isolated":
        raise SystemExit(f"unknown shape {shape!r}")
    return rels


def write(root: Path, shape: str, n: int) -> None:
    """A project at `root`: the repository's templates and config, and the shape's actors."""
    for name in ("templates", "site_config"):
        shutil.copytree(REPO / name, root / name, dirs_exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    actors = root / "briefs" / "actors"
    actors.mkdir(parents=True, exist_ok=True)
    for actor, rels in relations(shape, n).items():
        lines = [f"name: Actor {actor.removeprefix('actor-')} of the {shape}", "kind: armed-group"]
        if rels:
            lines += ["relations:"] + [f"  - {r}" for r in rels]
        (actors / f"{actor}.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def _measure(root: str, out) -> None:
    from generator.output import graph
    from generator.build import driver as pipeline
    from generator.config import Project
    from generator.stages.corpus import Policy

    corpus = pipeline.validate(Project(Path(root)), Policy(), use_cache=False).corpus
    started = time.perf_counter()
    svg = graph.network_graph(corpus, lambda a: f"{a}/")
    out.send(("network", time.perf_counter() - started, len(svg)))
    started = time.perf_counter()
    slowest = 0.0
    for actor in sorted(corpus.actors):
        t = time.perf_counter()
        graph.actor_graph(corpus, actor, lambda a: f"../{a}/")
        slowest = max(slowest, time.perf_counter() - t)
    out.send(("actors", time.perf_counter() - started, slowest))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shapes", nargs="*", default=DEFAULT)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args()
    print(f"{'shape':<16} {'network s':>10} {'actors s':>10} {'slowest s':>10} {'svg kB':>8}")
    for spec in args.shapes:
        shape, _, n = spec.partition("=")
        n = int(n or 1000)
        with tempfile.TemporaryDirectory() as tmp:
            root = (args.keep / f"{shape}-{n}") if args.keep else Path(tmp)
            write(root, shape, n)
            recv, send = multiprocessing.Pipe(duplex=False)
            child = multiprocessing.get_context("fork").Process(target=_measure, args=(str(root), send))
            child.start()
            child.join(args.timeout)
            killed = child.is_alive()
            if killed:
                child.kill()
                child.join()
            got = {}
            while recv.poll():
                kind, *values = recv.recv()
                got[kind] = values
            cells = [f"{got['network'][0]:.2f}" if "network" in got else "-",
                     f"{got['actors'][0]:.2f}" if "actors" in got else "-",
                     f"{got['actors'][1]:.3f}" if "actors" in got else "-",
                     f"{got['network'][1] / 1000:.0f}" if "network" in got else "-"]
            note = f" (killed after {args.timeout:g} s)" if killed else "" if len(got) == 2 else f" (exit {child.exitcode})"
            print(f"{spec:<16} {cells[0]:>10} {cells[1]:>10} {cells[2]:>10} {cells[3]:>8}{note}", flush=True)


if __name__ == "__main__":
    main()
