#!/usr/bin/env python3
"""Lighthouse's performance and accessibility scores of one page of each page type.

    python bench/lighthouse.py SITE [SITE ...] [--runs N] [--page PATH ...] [--json FILE]

Each SITE is a built site (`briefgen build`; the default pages are the bundled
project's), served with `python -m http.server` on 127.0.0.1. Each page is
audited N times (default 3) on each site, the sites in turn, so that two
builds (before and after a change) meet the same load on a shared machine.
The auditor is the real Lighthouse (bench/node: `npm ci --prefix bench/node`
installs it; the script does so when it is missing) in Debian's Chromium
(CHROME_PATH, default /usr/bin/chromium) with Lighthouse's default settings:
a mid-range phone on a slow 4G network, simulated. Shown for each page and
site: the median run's (by performance score) performance and accessibility
scores and Largest Contentful Paint, the median Total Blocking Time with its
range, and the accessibility audits that failed in any run. `python -m
http.server` sends files uncompressed, which the simulated network makes
slow to paint; --gzip serves them compressed, as a static host would.

Lighthouse is not part of `make test`; tests/browser runs axe on the pages.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODE = HERE / "node"
LIGHTHOUSE = NODE / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = "--headless=new --no-sandbox --disable-background-networking --disable-component-update --no-first-run"

# one page of each page type of the bundled project (briefs/)
PAGES = {
    "home": "/",
    "brief": "/briefs/idleb-isis-hts/",
    "briefs index": "/briefs/",
    "actor": "/actors/isis/",
    "actors index": "/actors/",
    "source": "/sources/athr-press/",
    "sources index": "/sources/",
    "reliability index": "/reliability/",
    "reliability grade": "/reliability/c/",
    "reliability code": "/reliability/c3/",
    "question": "/hypotheses/who-killed-al-qurashi/",
    "questions index": "/hypotheses/",
    "timeline index": "/timeline/",
    "timeline year": "/timeline/2023/",
    "contradictions": "/contradictions/",
    "methodology": "/methodology/",
    "data": "/schema/",
}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(site: Path, gzip: bool = False) -> tuple[subprocess.Popen, str]:
    port = _port()
    server = [__file__, "--serve-gzip"] if gzip else ["-m", "http.server"]
    proc = subprocess.Popen([sys.executable, *server, str(port), "--bind", "127.0.0.1", "--directory", str(site)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=1).close()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{site}: http.server did not answer")


def _serve_gzip(argv: list[str]) -> None:
    """http.server's files, text compressed with gzip as a static host (GitHub Pages, GitLab Pages) sends them."""
    import functools
    import gzip
    import http.server
    import io
    import mimetypes

    port, _, host, _, directory = argv
    cache: dict[str, bytes] = {}

    class Handler(http.server.SimpleHTTPRequestHandler):
        def send_head(self):
            path = self.translate_path(self.path)
            if os.path.isdir(path) and self.path.split("?")[0].endswith("/"):
                path = os.path.join(path, "index.html")
            ctype = mimetypes.guess_type(path)[0] or ""
            text = ctype.startswith("text/") or ctype in ("application/javascript", "application/json", "image/svg+xml")
            if not (text and os.path.isfile(path) and "gzip" in self.headers.get("Accept-Encoding", "")):
                return super().send_head()
            if path not in cache:
                cache[path] = gzip.compress(Path(path).read_bytes(), 6)
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(cache[path])))
            self.end_headers()
            return io.BytesIO(cache[path])

        def log_message(self, *args):
            pass

    handler = functools.partial(Handler, directory=directory)
    http.server.ThreadingHTTPServer((host, int(port)), handler).serve_forever()


def _audit(url: str, chrome: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(LIGHTHOUSE), url, "--only-categories=performance,accessibility", "--output=json",
               f"--output-path={out}", f"--chrome-flags={CHROME_FLAGS}", "--quiet"]
        proc = subprocess.run(cmd, env={**os.environ, "CHROME_PATH": chrome}, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0 or not out.exists():
            raise SystemExit(f"lighthouse failed on {url}:\n{proc.stderr[-2000:]}")
        report = json.loads(out.read_text("utf-8"))
    audits, cats = report["audits"], report["categories"]
    failed = sorted(ref["id"] for ref in cats["accessibility"]["auditRefs"]
                    if ref["weight"] and audits[ref["id"]]["score"] is not None and audits[ref["id"]]["score"] < 1)
    return {
        "performance": round(cats["performance"]["score"] * 100),
        "accessibility": round(cats["accessibility"]["score"] * 100),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "a11y_failed": failed,
        "lighthouse": report["lighthouseVersion"],
    }


def _summary(runs: list[dict]) -> str:
    median = sorted(runs, key=lambda r: r["performance"])[len(runs) // 2]
    tbts = [r["tbt_ms"] for r in runs]
    failed = sorted({a for r in runs for a in r["a11y_failed"]})
    return (f"{median['performance']:>4} {median['accessibility']:>4} {statistics.median(tbts):>5.0f} "
            f"({min(tbts)}-{max(tbts)}) {median['lcp_ms']:>5}{'  ' + ' '.join(failed) if failed else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sites", type=Path, nargs="+", metavar="SITE")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--page", action="append", help="a path under the site (repeatable); default: one of each page type")
    ap.add_argument("--json", type=Path, help="write every run's figures here")
    ap.add_argument("--gzip", action="store_true",
                    help="serve text compressed, as static hosts do (python -m http.server sends it as it is)")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on kill too
    chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--prefix", str(NODE), "--no-audit", "--no-fund"], check=True)
    pages = {p: p for p in args.page} if args.page else PAGES
    for site in args.sites:
        missing = [p for p in pages.values() if not (site / p.strip("/") / "index.html").exists()]
        if missing:
            raise SystemExit(f"{site}: no page at {', '.join(missing)}")
    servers = []
    results: dict = {str(site): {} for site in args.sites}
    try:
        for site in args.sites:
            servers.append(_serve(site, args.gzip))
        for i, site in enumerate(args.sites):
            print(f"site {i + 1}: {site}")
        print(f"{'page':<18} " + "   ".join(f"{f'site {i + 1}: perf a11y TBT ms (range) LCP ms':<40}" for i in range(len(args.sites))))
        for name, path in pages.items():
            runs: list[list[dict]] = [[] for _ in args.sites]
            for _ in range(args.runs):
                for i, (_, base) in enumerate(servers):
                    runs[i].append(_audit(base + path, chrome))
            for site, site_runs in zip(args.sites, runs):
                results[str(site)][name] = {"path": path, "runs": site_runs}
            print(f"{name:<18} " + "   ".join(f"{_summary(r):<40}" for r in runs), flush=True)
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-gzip"]:
        _serve_gzip(sys.argv[2:])
    else:
        main()
