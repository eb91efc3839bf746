#!/usr/bin/env python3
"""How long `briefgen serve` takes from saving a brief to serving the page that shows the edit.

    python bench/serve.py PROJECT [--edits N] [--timeout S] [--json FILE]

Starts `briefgen serve` on PROJECT (a copy: the benchmark edits its briefs),
waits until the first brief's page is served and makes one untimed edit (so
that the server's own first build is over), then N times: changes the words
of that brief's first claim (words of this run alone, a new number each
save, so neither an earlier save nor a preview left by an earlier run holds
them), and polls the page over HTTP until it holds the new words. Each
figure is the wall time from the save (the file's write returning) to the
first response that shows the edit: what an author waits for in a preview.
The polling (every 50 ms, plain HTTP, no browser) adds at most that much.

The brief is bench/run.py's edit target: the first published, TLP:CLEAR,
non-draft brief with claims, from the middle of the sorted list. Run it on a
corpus from bench/make_corpus.py N; PYTHON and PYTHONPATH choose the code
measured, so two codes can be compared in turn.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

_STATEMENT = re.compile(r"^(\s+statement: )(.*)$", re.M)
_MARK = "Edited in the preview"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _target(root: Path) -> Path:
    briefs = sorted((root / "briefs").rglob("*.yaml"))
    briefs = [p for p in briefs if p.parent.name not in ("actors", "sources", "questions")]
    for path in briefs[len(briefs) // 2:] + briefs[: len(briefs) // 2]:
        text = path.read_text("utf-8")
        if (re.search(r'^tlp: "?clear"?$', text, re.M) and not re.search(r'^status: "?draft"?$', text, re.M)
                and "\nclaims:" in text):
            return path
    raise SystemExit(f"{root}: no published brief with claims to edit")


def _edit(path: Path, n: int, run: str = "") -> str:
    """Give the brief's first claim statement a new text, written on one line in place of the old
    one (on one line, or a block of more indented lines); the words the page will show: `run`
    and `n`, then a full stop, so that the words of edit 1 are not found in those of edit 11."""
    text = path.read_text("utf-8")
    m = _STATEMENT.search(text, text.index("\nclaims:"))
    end = m.end(2)
    if m.group(2).strip()[:1] in (">", "|"):  # a block scalar: its lines are indented deeper than the key
        key_indent = len(m.group(1)) - len(m.group(1).lstrip())
        for line in re.finditer(r"\n([ ]*)(\S[^\n]*)?(?=\n|$)", text[end:]):
            if line.group(2) is not None and len(line.group(1)) <= key_indent:
                break
            end += len(line.group(0))
    words = f"{_MARK} {run}{n}."
    path.write_text(text[: m.start(2)] + json.dumps(words) + text[end:], "utf-8")
    return words


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return None


def _wait_for(url: str, words: str | None, timeout: float, proc: subprocess.Popen) -> float:
    """Poll until the page is served (and holds `words`); the time it took."""
    start = time.perf_counter()
    while True:
        body = _get(url)
        if body is not None and (words is None or words in body):
            return time.perf_counter() - start
        if proc.poll() is not None:
            raise SystemExit(f"briefgen serve exited ({proc.returncode}); see its log")
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"no page at {url}{' showing the edit' if words else ''} after {timeout:.0f} s")
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("project", type=Path, help="a briefgen project folder (a copy: its briefs are edited)")
    ap.add_argument("--edits", type=int, default=5, help="how many saves to time (default 5)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for the server or an edit (default 600)")
    ap.add_argument("--log", type=Path, help="write briefgen serve's output here (default: discarded)")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    args = ap.parse_args(argv)

    root = args.project.resolve()
    brief = _target(root)
    original = brief.read_bytes()
    port = _port()
    log = open(args.log, "w") if args.log else subprocess.DEVNULL
    cmd = [os.environ.get("PYTHON", sys.executable), "-m", "generator", "-C", str(root), "serve", "-a", f"127.0.0.1:{port}"]
    started = time.perf_counter()
    # from the project: `python -m` puts the working folder first on the path, before PYTHONPATH
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=root)
    url = f"http://127.0.0.1:{port}/briefs/{brief.stem}/"
    seconds = []
    try:
        _wait_for(url, None, args.timeout, proc)
        up = time.perf_counter() - started
        print(f"serving {url} after {up:.1f}s", flush=True)
        run = f"run {os.getpid()}-{time.time_ns() % 10**6}, edit "
        for n in range(args.edits + 1):
            taken = _wait_for(url, _edit(brief, n, run), args.timeout, proc)
            if n == 0:
                print(f"warm-up edit: {taken:.2f}s (the server's first build, then this edit's)", flush=True)
                continue
            seconds.append(taken)
            print(f"edit {n}: {seconds[-1]:.2f}s from save to page", flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        brief.write_bytes(original)
    result = {"project": str(root), "brief": brief.relative_to(root).as_posix(), "startup_s": up, "edits_s": seconds,
              "median_s": statistics.median(seconds), "min_s": min(seconds), "max_s": max(seconds)}
    print(f"save -> page: median {result['median_s']:.2f}s (min {result['min_s']:.2f}, max {result['max_s']:.2f}) over {len(seconds)} edits")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
