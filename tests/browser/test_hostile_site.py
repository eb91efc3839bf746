"""The hostile corpus's site in Chromium: every page loaded, every element hovered, every link clicked, search used.

Every payload of tests/hostile_corpus.py calls `__pwn(N)`; the page exposes
`__pwn` before anything loads and records each call, with the dialogs and the
script errors the page raises. Nothing may be recorded. Clicks stay on their
page: a link to another page is stopped before it navigates (a capturing
listener, and a route that answers any other page load with 204 No Content,
which leaves the browser where it is), while a link whose address a browser
reads as `javascript:` is let run.
"""

from __future__ import annotations

import shutil
import time
from collections import defaultdict
from pathlib import Path

import pytest

import hostile_corpus as hc
from conftest import serve_dir

# Installed in every page before its own scripts: stop link clicks that would leave the page,
# unless the browser reads the link as a script, which must be seen to run if it can.
GUARD = """
window.__hostileLinks = [];
document.addEventListener('click', (e) => {
  const a = e.target && e.target.closest && e.target.closest('a');
  if (!a) return;
  const raw = a.href && a.href.baseVal !== undefined ? a.href.baseVal : a.getAttribute('href');
  let protocol = '';
  try { protocol = new URL(raw || '', document.baseURI).protocol; } catch (err) {}
  if (protocol === 'javascript:') window.__hostileLinks.push(raw);
  else e.preventDefault();
}, true);
"""

# Hover (mouse and focus events) over every element under `root`; click every link and every element with a title.
EXERCISE = """
async (root) => {
  const tick = () => new Promise((r) => { const c = new MessageChannel(); c.port1.onmessage = r; c.port2.postMessage(0); });
  const all = [...document.querySelectorAll(root + ' *')];
  for (const el of all) {
    for (const type of ['mouseover', 'mouseenter', 'mousemove']) el.dispatchEvent(new MouseEvent(type, {bubbles: type !== 'mouseenter', view: window}));
    if (el.matches('a, [title], [tabindex], button, input, summary')) { try { el.focus({preventScroll: true}); } catch (err) {} }
  }
  await tick();
  const clicked = all.filter((el) => el.matches('a, [title]') && el.isConnected);
  for (const el of clicked) {
    el.removeAttribute('target');
    el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, view: window}));
    await tick();
  }
  return clicked.length;
}
"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> hc.Built:
    built = hc.build_hostile(tmp_path_factory.mktemp("hostile-browser"))
    assert built.code == 0, f"the hostile corpus must build; briefgen said:\n{built.err}"
    return built


class Watch:
    """A tab in which `__pwn` calls, dialogs and script errors are recorded, and pages are left only by `goto`."""

    def __init__(self, context, corpus: hc.HostileCorpus):
        self.corpus = corpus
        self.page = context.new_page()
        self.calls: list[tuple[str, str]] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.links: list[str] = []
        self.allowed: str | None = None
        self.clicked = 0
        self.pages: list[str] = []
        self.seconds = 0.0
        page = self.page
        page.expose_binding("__pwn", lambda source, n=None: self.calls.append((source["frame"].url, str(n))))
        page.add_init_script(GUARD)
        page.on("dialog", lambda d: (self.dialogs.append(f"{page.url}: {d.type} {d.message}"), d.dismiss()))
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on("popup", lambda p: p.close())
        # a page load that is not ours (a click that got past the guard) is refused
        for pattern in ("**/", "**/*.html"):  # globs match in the driver: other requests never wait for Python
            page.route(pattern, self._route)

    def _route(self, route):
        request = route.request
        if request.is_navigation_request() and request.frame == self.page.main_frame and request.url != self.allowed:
            route.fulfill(status=204)  # No Content: the browser stays on the page it is on
        else:
            route.continue_()

    def goto(self, url: str):
        self.allowed = url
        try:
            self.page.goto(url, wait_until="load")
        finally:
            self.allowed = None

    def exercise(self, root: str = "body") -> int:
        clicked = self.page.evaluate(EXERCISE, root)
        self.links += [f"{self.page.url}: {h}" for h in self.page.evaluate("() => window.__hostileLinks || []")]
        return clicked

    def settle(self, ms: int = 300):
        self.page.wait_for_timeout(ms)  # bindings report asynchronously

    @property
    def ran(self) -> bool:
        return bool(self.calls or self.dialogs or self.links)

    def report(self) -> str:
        """What ran, by field and payload, with the pages it ran on."""
        pages: dict[str, set] = defaultdict(set)
        for url, n in self.calls:
            pages[f"__pwn({n}) {self.corpus.origin(n) or 'unknown payload'}"].add(url)
        for url_link in self.links:
            url, _, link = url_link.partition(": ")
            pages[f"javascript: link clicked: {link[:150]}"].add(url)
        for d in self.dialogs:
            pages[f"dialog {d[:150]}"].add("")
        for e in self.errors:
            url, _, message = e.partition(": ")
            pages[f"script error: {message[:200]}"].add(url)
        lines = [f"{len(pages)} things ran:"]
        lines += [f"  {k}  on {len(v)} pages, e.g. {sorted(v)[0]}" for k, v in sorted(pages.items())]
        return "\n".join(lines)

    def forget(self) -> list[str]:
        """The report of what ran since the last call (empty if nothing), and a clean slate."""
        report = self.report().splitlines()[1:] if self.ran or self.errors else []
        self.calls, self.dialogs, self.errors, self.links = [], [], [], []
        return report

    def close(self):
        self.page.close()


def _pages(site: Path) -> list[str]:
    rels = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    return [r[: -len("index.html")] for r in rels] + (["404.html"] if (site / "404.html").exists() else [])


@pytest.fixture(scope="module")
def visited(browser_context, hostile_site) -> Watch:
    """Every page of the served site loaded, every element hovered, every link clicked."""
    watch = Watch(browser_context, hostile_site.corpus)
    server, base = serve_dir(hostile_site.site)
    started = time.monotonic()
    try:
        pages = _pages(hostile_site.site)
        assert len(pages) >= 20 and "briefs/hostile-brief/" in pages
        for rel in pages:
            watch.goto(f"{base}/{rel}")
            watch.clicked += watch.exercise()
        watch.settle()
        watch.pages = pages
        watch.seconds = time.monotonic() - started
        yield watch
    finally:
        server.shutdown()
        watch.close()


def test_no_payload_runs_on_any_page_hovered_and_clicked(visited, hostile_site):
    assert visited.clicked > 20 * len(visited.pages) and visited.seconds < 90
    assert not visited.ran, visited.report()


def test_no_page_raises_a_script_error(visited, hostile_site):
    """A payload that breaks the theme's scripts shows as an error even when it runs nothing."""
    assert not visited.errors, visited.report()


def _search(page, word: str) -> bool:
    page.locator("input.md-search__input").focus()
    page.locator("input.md-search__input").press_sequentially(word, delay=20)
    try:
        page.locator(".md-search-result__item").first.wait_for(timeout=15000)
        return True
    except Exception:
        return False


@pytest.mark.parametrize("how", ["served", "file"])
def test_search_results_run_no_payload(browser_context, hostile_site, tmp_path, how):
    """Results show page titles and text: from Pagefind when served, from the lunr index from file://."""
    if how == "file":
        copy = tmp_path / "site"
        shutil.copytree(hostile_site.site, copy)
        urls = [(copy / "index.html").as_uri(), (copy / "briefs/hostile-brief/index.html").as_uri()]
        server = None
    else:
        server, base = serve_dir(hostile_site.site)
        urls = [f"{base}/", f"{base}/briefs/hostile-brief/"]
    watch = Watch(browser_context, hostile_site.corpus)
    found: list[bool] = []
    results: list[str] = []
    try:
        for url in urls:
            watch.goto(url)
            watch.settle()
            watch.forget()  # what the page itself runs is the other test's: here, only what the results run
            found.append(_search(watch.page, hc.SEARCH_WORD))
            watch.exercise(".md-search-result")
            watch.settle()
            results.extend(watch.forget())
    finally:
        watch.close()
        if server:
            server.shutdown()
    assert not results, "\n".join(results)
    assert all(found), f"searching for {hc.SEARCH_WORD!r} showed no result"
