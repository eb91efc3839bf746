#!/usr/bin/env python3
"""Write a synthetic, seeded briefgen project for benchmarks.

    python bench/make_corpus.py N [--out DIR] [--seed S] [--restricted PCT] [--git-commits C]

DIR (default bench/corpus-N) becomes a complete project folder with N briefs
and shared pools of actors, sources and questions that validates; see
tests/synthetic.py, which writes it (the tests build the same corpora), for
its shape. For the same N, seed and options the output is byte-identical.

With --git-commits C, DIR is also made a git repository with a history of C
commits (tests/synthetic.py, write_git_history): the first adds every file,
each other one changes one to three briefs as analysts do (a judgment's
likelihood or confidence raised or lowered, sometimes with a change_note; a
claim added or withdrawn; a statement reworded; a brief cleared from
TLP:AMBER), with commit dates rising from 2015 to 2024; the last commit's tree
is the corpus as written without the option. Written with `git fast-import`;
the same N, seed and C give the same commits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the corpus writer lives with the tests, which must not import bench/

from synthetic import copy_project_files, generate, is_complete  # noqa: E402

__all__ = ["copy_project_files", "generate", "is_complete", "main"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of briefs")
    ap.add_argument("--out", type=Path, help="project folder to write (default bench/corpus-N)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--restricted", type=float, default=5.0, help="percent of briefs above TLP:CLEAR or in draft (default 5)")
    ap.add_argument("--git-commits", type=int, default=0, metavar="C",
                    help="make DIR a git repository with a history of C commits over the briefs (default: no git)")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")
    if args.git_commits < 0:
        ap.error("--git-commits must not be negative")
    out = args.out or REPO / "bench" / f"corpus-{args.n}"
    summary = generate(args.n, out, args.seed, args.restricted / 100, args.git_commits)
    history = f", a git history of {args.git_commits} commits ({summary['git_seconds']:.1f}s)" if args.git_commits else ""
    print(f"wrote {out}: {summary['files']} files, {summary['bytes'] / 1e6:.1f} MB "
          f"({args.n} briefs, {summary['actors']} actors, {summary['sources']} sources, {summary['questions']} questions) "
          f"in {summary['seconds']:.1f}s{history}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
