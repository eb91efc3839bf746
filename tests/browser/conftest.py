"""Browser tests: the built site served on 127.0.0.1, read by Debian's Chromium via Playwright.

Chromium is found at $BRIEFGEN_CHROMIUM or /usr/bin/chromium (`make test`
installs it). Without it these tests are skipped locally and fail on CI
(CI=true), where a missing browser must not pass silently.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import REPO, build_bundled_site  # noqa: E402

CHROMIUM = os.environ.get("BRIEFGEN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run",
        "--disable-sync", "--disable-gpu", "--disable-quic"]


def _need_browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs it (apt-get install chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_dir(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    return build_bundled_site(tmp_path_factory.mktemp("browser"))


@pytest.fixture(scope="session")
def base_url(built_site):
    server, url = serve_dir(built_site)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser_context():
    _need_browser()
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, headless=True, args=ARGS,
                                                       viewport={"width": 1280, "height": 900})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


class Page:
    """A browser tab that records every request it makes."""

    def __init__(self, page):
        self.page = page
        self.requests: list[str] = []
        self.failed: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(r.url))

    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname != "127.0.0.1"]


@pytest.fixture
def tab(browser_context):
    page = browser_context.new_page()
    yield Page(page)
    page.close()


