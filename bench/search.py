#!/usr/bin/env python3
"""Measure the reader's wait for search on a built site, in Chromium via Playwright.

    python bench/search.py SITE_DIR [--query Q ...] [--repeat 3] [--json OUT]

For each query, in a fresh browser context (empty cache), for both ways a
reader opens the site:

- served: SITE_DIR on a local web server (127.0.0.1), searched through
  Pagefind (pagefind/);
- file://: SITE_DIR opened from the file system, searched by Material's lunr
  worker over search/search_index.js;

the home page is loaded and left to settle, the search box is clicked and the
query typed key by key (--delay ms apart), and the script prints:

- first result: time from the last keystroke to the first result of the
  final query being shown (the result list's first link, once it no longer
  changes; measured in the page with performance.now()); the time spent
  typing is printed beside it (with --delay 0 the keys come at once, and the
  first result also waits for the index to load);
- bytes: the sum of response bodies after the page had loaded, that is what
  opening the search box and the query fetched (served: HTTP response bodies;
  file://: sizes of the files read);
- hit: whether the expected page (--expect, or for an actor alias the
  actor's page) is among the results.

Without --query, queries are picked from the site: a few actor aliases (from
actor pages, with their expected page), a few Arabic names of actors typed as
readers type them (--arabic: without the article, with a bare alef and heh
for taa marbuta, which search folds) and a few words of claim statements.
Index sizes are printed first. Medians over queries and --repeat rounds are
printed last: the machine may be shared, so single figures are noisy.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHROMIUM = os.environ.get("BRIEFGEN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-sync", "--disable-gpu", "--disable-quic"]

# In the page: note the last keystroke and every change of the result list.
RECORDER = """() => {
  const list = document.querySelector('.md-search-result__list');
  const meta = document.querySelector('.md-search-result__meta');
  window.__bench = {events: [], lastKey: 0, firstKey: 0};
  document.addEventListener('keyup', () => { window.__bench.lastKey = performance.now(); }, true);
  document.addEventListener('keydown', () => { window.__bench.firstKey = window.__bench.firstKey || performance.now(); }, true);
  new MutationObserver(() => {
    const first = list.querySelector('a');
    window.__bench.events.push([performance.now(), first ? first.getAttribute('href') : null, meta.textContent.trim()]);
  }).observe(list, {childList: true, subtree: true});
  new MutationObserver(() => {
    const first = list.querySelector('a');
    window.__bench.events.push([performance.now(), first ? first.getAttribute('href') : null, meta.textContent.trim()]);
  }).observe(meta, {childList: true, characterData: true, subtree: true});
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def index_sizes(site: Path) -> dict:
    pf = site / "pagefind"
    meta = sorted(pf.glob("*.pf_meta"))
    return {
        "lunr_offline_js": _size(site / "search" / "search_index.js"),
        "lunr_stub_json": _size(site / "search" / "search_index.json"),
        "pagefind_total": _size(pf),
        "pagefind_files": sum(1 for p in pf.rglob("*") if p.is_file()) if pf.exists() else 0,
        "pagefind_meta": _size(meta[0]) if meta else 0,
        "pagefind_index_chunks": len(list((pf / "index").glob("*"))) if pf.exists() else 0,
        "html_pages": sum(1 for _ in site.rglob("*.html")),
    }


def as_typed(name: str) -> str:
    """An Arabic name as a reader may type it: each word without the article, hamza or taa marbuta."""
    words = [w.translate(_PLAIN_ARABIC) for w in name.split()]
    return " ".join(w[2:] if w.startswith("ال") and len(w) > 3 else w for w in words)


_PLAIN_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})
_SPAN = re.compile(r'<span lang="ar"[^>]*>([^<]*)</span>')


def pick_queries(site: Path, n_alias: int, n_words: int, seed: int, n_arabic: int = 0) -> list[tuple[str, str | None]]:
    """Actor aliases with their actor page, Arabic names as typed, and words of claim statements, from the built site."""
    rng = random.Random(seed)
    aliases, arabic = [], []
    actors = sorted(p for p in (site / "actors").glob("*/index.html"))
    for page in rng.sample(actors, min(len(actors), 200)):
        text = page.read_text("utf-8")
        m = re.search(r"Also known as:</strong>\s*(.*?)</p>", text)
        location = page.parent.relative_to(site).as_posix() + "/"
        if m:
            for alias in html.unescape(re.sub(r"<[^>]*>", "", m.group(1))).split(" · "):
                if len(alias) >= 5 and alias.isascii():  # typed as written: a word of it may be another actor's name
                    aliases.append((alias, location))
        names = re.search(r'<p class="bg-(?:native-name|aliases)"', text) and _SPAN.findall(text)
        arabic += [(as_typed(html.unescape(name)), location) for name in names or ()]
    rng.shuffle(aliases)
    rng.shuffle(arabic)
    words = []
    briefs = sorted((site / "briefs").glob("*/index.html"))
    for page in rng.sample(briefs, min(len(briefs), 50)):
        for statement in re.findall(r'class="bg-claim"[^>]*>(.*?)<', page.read_text("utf-8"))[:3]:
            words += [w for w in re.findall(r"[A-Za-z]{7,}", statement)]
    if not words:
        words = ["offensive", "checkpoint", "intelligence"]
    rng.shuffle(words)
    seen, out = set(), []
    for q, target in aliases[:n_alias * 3]:
        if q.lower() not in seen and len([o for o in out if o[1]]) < n_alias:
            seen.add(q.lower())
            out.append((q, target))
    for q, target in arabic:
        if q not in seen and len([o for o in out if o[1]]) < n_alias + n_arabic:
            seen.add(q)
            out.append((q, target))
    for w in words:
        if w.lower() not in seen and len(out) < n_alias + n_arabic + n_words:
            seen.add(w.lower())
            out.append((w, None))
    return out


def run_query(browser, start_url: str, site: Path, query: str, expect: str | None, delay: int, timeout: float) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    loaded = threading.Event()
    bytes_after = {"http": 0, "file": 0, "requests": 0}
    outside: list[str] = []

    def on_response(response):
        if not loaded.is_set():
            return
        url = response.url
        scheme = urlsplit(url).scheme
        if scheme in ("http", "https"):
            # the server sends the site's files as they are (no compression): count their sizes
            path = site / unquote(urlsplit(url).path).lstrip("/")
            if path.is_dir():
                path = path / "index.html"
            bytes_after["http"] += path.stat().st_size if path.is_file() else 0
            bytes_after["requests"] += 1

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            outside.append(request.url)
        if loaded.is_set() and parts.scheme == "file":  # file:// reads have no response event: count the file
            path = Path(unquote(parts.path))
            if path.is_file():
                bytes_after["file"] += path.stat().st_size
                bytes_after["requests"] += 1

    page.on("response", on_response)
    page.on("request", on_request)
    page.goto(start_url)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    loaded.set()
    page.evaluate(RECORDER)
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator("input.md-search__input").press_sequentially(query, delay=delay)
    if not query.isascii():
        # characters no key of the browser's layout writes are inserted without the keyup Material's
        # search box listens to (a reader's keyboard sends one with every key): one key, as the last
        page.locator("input.md-search__input").press("End")
    # wait until the result list has settled for a while
    deadline = time.monotonic() + timeout
    settled_for = 1.5
    while time.monotonic() < deadline:
        state = page.evaluate("() => [performance.now(), window.__bench.lastKey, window.__bench.events.length ? window.__bench.events[window.__bench.events.length - 1][0] : 0]")
        now, last_key, last_event = state
        if last_event > last_key and now - last_event > settled_for * 1000:
            break
        page.wait_for_timeout(100)
    data = page.evaluate("() => window.__bench")

    hrefs = page.eval_on_selector_all(".md-search-result__list a", "els => els.map(e => e.href)")
    meta = page.locator(".md-search-result__meta").inner_text()
    context.close()

    last_key = data["lastKey"]
    events = [e for e in data["events"] if e[0] >= last_key]
    first_ms = typing_ms = None
    if events:
        final = events[-1][1]
        # the earliest change after the last key from which the first link stayed the final one
        t = None
        for ts, href, _ in reversed(events):
            if href != final:
                break
            t = ts
        first_ms = t - last_key if t is not None and final is not None else None
        typing_ms = last_key - data["firstKey"]
    hit = None
    if expect:
        hit = any(urlsplit(h).path.rstrip("/").endswith(expect.rstrip("/")) or
                  urlsplit(h).path.endswith(expect.rstrip("/") + "/index.html") for h in hrefs)
    return {"query": query, "first_result_ms": round(first_ms) if first_ms is not None else None,
            "typing_ms": round(typing_ms) if typing_ms is not None else None,
            "bytes": bytes_after["http"] + bytes_after["file"], "requests": bytes_after["requests"],
            "results": len(hrefs), "meta": meta.strip(), "hit": hit, "outside_requests": outside}


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.2f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path, help="a built site (briefgen build's site/)")
    ap.add_argument("--query", action="append", default=[], help="query to type (repeatable); default: picked from the site")
    ap.add_argument("--expect", action="append", default=[],
                    help="page the matching --query must find, e.g. actors/isis/ (repeatable, in order; '-' for none)")
    ap.add_argument("--aliases", type=int, default=3, help="actor aliases to pick when no --query (default 3)")
    ap.add_argument("--arabic", type=int, default=2, help="Arabic names of actors to pick, typed as readers type them, when no --query (default 2)")
    ap.add_argument("--words", type=int, default=3, help="claim words to pick when no --query (default 3)")
    ap.add_argument("--repeat", type=int, default=1, help="rounds over the queries (default 1)")
    ap.add_argument("--delay", type=int, default=80, help="ms between keystrokes (default 80)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds to wait for results (default 60)")
    ap.add_argument("--modes", default="served,file", help="served, file or both (default served,file)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)

    site = args.site.resolve()
    if not (site / "index.html").exists():
        ap.error(f"{site} holds no built site (index.html)")
    if not Path(CHROMIUM).exists():
        ap.error(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set BRIEFGEN_CHROMIUM)")
    sizes = index_sizes(site)
    print(f"site {site}: {sizes['html_pages']} HTML pages")
    print(f"  offline lunr index (search/search_index.js): {fmt_bytes(sizes['lunr_offline_js'])}; "
          f"search_index.json stub: {fmt_bytes(sizes['lunr_stub_json'])}")
    print(f"  Pagefind bundle: {fmt_bytes(sizes['pagefind_total'])} in {sizes['pagefind_files']} files "
          f"({sizes['pagefind_index_chunks']} index chunks, metadata {fmt_bytes(sizes['pagefind_meta'])})")

    if args.query:
        expects = args.expect + ["-"] * (len(args.query) - len(args.expect))
        queries = [(q, None if e == "-" else e) for q, e in zip(args.query, expects)]
    else:
        queries = pick_queries(site, args.aliases, args.words, args.seed, args.arabic)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]

    from playwright.sync_api import sync_playwright

    server, base = serve(site)
    results: dict[str, list[dict]] = {m: [] for m in modes}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            for round_ in range(args.repeat):
                for mode in modes:
                    start = base + "/" if mode == "served" else (site / "index.html").as_uri()
                    for q, expect in queries:
                        r = run_query(browser, start, site, q, expect, args.delay, args.timeout)
                        r["round"] = round_
                        results[mode].append(r)
                        print(f"  {mode:6} {q!r:24} first result {str(r['first_result_ms']) + ' ms':>9} "
                              f"(typed in {r['typing_ms']} ms)  "
                              f"{fmt_bytes(r['bytes']):>9} in {r['requests']:3} requests  {r['meta']!r}"
                              f"{'' if r['hit'] is None else '  found ' + expect if r['hit'] else '  MISSED ' + str(expect)}"
                              f"{'  OUTSIDE REQUESTS ' + str(r['outside_requests']) if r['outside_requests'] else ''}",
                              flush=True)
            browser.close()
    finally:
        server.shutdown()

    summary = {}
    print("\nmedians over queries and rounds:")
    for mode in modes:
        rs = results[mode]
        times = [r["first_result_ms"] for r in rs if r["first_result_ms"] is not None]
        summary[mode] = {
            "first_result_ms_median": statistics.median(times) if times else None,
            "first_result_ms_max": max(times) if times else None,
            "bytes_median": statistics.median(r["bytes"] for r in rs) if rs else None,
            "bytes_max": max(r["bytes"] for r in rs) if rs else None,
            "hits": sum(1 for r in rs if r["hit"]), "expected": sum(1 for r in rs if r["hit"] is not None),
            "no_result": sum(1 for r in rs if r["first_result_ms"] is None),
            "outside_requests": sum(len(r["outside_requests"]) for r in rs),
        }
        s = summary[mode]
        print(f"  {mode:6} first result {s['first_result_ms_median']} ms (max {s['first_result_ms_max']}), "
              f"{fmt_bytes(s['bytes_median'])} per query (max {fmt_bytes(s['bytes_max'])}), "
              f"expected page found {s['hits']}/{s['expected']}, no result {s['no_result']}, outside requests {s['outside_requests']}")
    if args.json:
        args.json.write_text(json.dumps({"site": str(site), "sizes": sizes, "summary": summary, "results": results}, indent=1))
    bad = any(summary[m]["outside_requests"] for m in modes)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
