#!/usr/bin/env python3
"""How long the leak check of a whole built site takes, in one process.

    python bench/leak_check.py PROJECT [SITE]

Makes what the check looks for from PROJECT's corpus (as `briefgen build`
does, without the cache of what it read before), then checks every file of
SITE (default: PROJECT/site) with it, in this process and no workers, and
prints the CPU and wall seconds of each part. PYTHONPATH chooses the code
measured, so two codes can be compared on the same site; a site built by
another commit is checked as it is. The figures are in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("project", type=Path, help="a briefgen project folder")
    ap.add_argument("site", type=Path, nargs="?", help="the built site to check (default: PROJECT/site)")
    args = ap.parse_args(argv)

    from generator.build import driver
    from generator.config import Project
    from generator.site.leaks import LeakCheck

    project = Project(args.project.resolve())
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


if __name__ == "__main__":
    raise SystemExit(main())
