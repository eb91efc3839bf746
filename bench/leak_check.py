#!/usr/bin/env python3
"""How long the leak check of a whole built site takes, in one process.

    python bench/leak_check.py PROJECT [SITE] [--parts N]

Makes what the check looks for from PROJECT's corpus (as `briefgen build`
does, without the cache of what it read before), then checks every file of
SITE (default: PROJECT/site) with it, in this process and no workers, and
prints the CPU and wall seconds of each part. PYTHONPATH chooses the code
measured, so two codes can be compared on the same site; a site built by
another commit is checked as it is. The figures are in docs/benchmarks.md.

`--parts N` times instead each part of the scan, in turn, over every Nth
file of the site (all of its text held in memory), in CPU nanoseconds per
byte of normalised text: reading and `decode`, normalising (`_normal`),
finding the words (`_Text`), the windows' hashes and the keys' hashes. It
needs the code of the scan by keys (since 2bd415d).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("project", type=Path, help="a briefgen project folder")
    ap.add_argument("site", type=Path, nargs="?", help="the built site to check (default: PROJECT/site)")
    ap.add_argument("--parts", type=int, metavar="N", help="time each part of the scan over every Nth file instead")
    args = ap.parse_args(argv)

    from generator.build import driver
    from generator.config import Project
    from generator.site.leaks import LeakCheck

    project = Project(args.project.resolve())
    if args.parts:
        return parts(project, args.site or project.site, args.parts)
    check = LeakCheck(project, driver.policy_for(project.settings()))
    cpu, wall = time.process_time(), time.perf_counter()
    check.key()
    print(f"what it looks for: {time.process_time() - cpu:.1f} s CPU, {time.perf_counter() - wall:.1f} s wall", flush=True)
    cpu, wall = time.process_time(), time.perf_counter()
    problems = check(args.site or project.site)
    print(f"the site's check: {time.process_time() - cpu:.1f} s CPU, {time.perf_counter() - wall:.1f} s wall, "
          f"{len(problems)} problems")
    for p in problems[:5]:
        print(f"  {p}")
    return 0


def parts(project, site: Path, every: int) -> int:
    import gc

    from generator.build import driver
    from generator.site import leaks

    found, _ = leaks.needles(project, driver.policy_for(project.settings()))
    keyed, windows = leaks._searchers(found)
    paths = [p for p in sorted(site.rglob("*")) if p.suffix not in leaks._SKIPPED and p.is_file()][::every]

    def cpu(f, items):
        gc.collect()
        t = time.process_time()
        out = [f(x) for x in items]
        return time.process_time() - t, out

    took = {}
    took["reading and decode"], chunks = cpu(lambda p: list(leaks._chunks(p)), paths)
    chunks = [c for cs in chunks for c in cs]
    took["normalising (_normal)"], texts = cpu(lambda c: leaks._normal(c), chunks)
    del chunks
    size = sum(map(len, texts))
    took["the words (_Text)"], texts = cpu(leaks._Text, texts)
    took["the windows' hashes"], _ = cpu(windows.find, texts)
    took["the keys' hashes"], _ = cpu(keyed.find, texts)
    print(f"{len(paths)} files, {size / 1e6:.0f} MB of normalised text; {len(windows.needles)} windows, "
          f"{len(keyed.needles)} other needles (keys of {keyed.sizes} words)")
    for name, seconds in took.items():
        print(f"  {name}: {seconds:.1f} s, {seconds / size * 1e9:.1f} ns a byte")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
