"""`briefgen links`: the addresses of the published corpus checked against a local HTTP server
that answers live, redirects, 404, 410, refuses HEAD, drops HEAD, answers too slowly; and a
port nobody listens on. Each dead or moved link is a positioned warning with its status."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from support import MINIMAL

SLOW = 3.0  # seconds the slow endpoint waits, well beyond the timeout the tests give


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0  # the most requests in progress at once

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self._answer(head=True)

    def do_GET(self):
        self._answer(head=False)

    def _answer(self, head: bool):
        s = self.server
        with s.lock:
            s.requests.append((self.command, self.path))
            s.running += 1
            s.most = max(s.most, s.running)
        self.counted = True
        try:
            self._route(head)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass
        finally:
            self._done()

    def _done(self):
        """No longer in progress: said before the answer is sent, since the client may ask again as soon as it has it."""
        if self.counted:
            self.counted = False
            with self.server.lock:
                self.server.running -= 1

    def _send(self, status: int, location: str | None = None, body: bytes = b"page"):
        self._done()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def _route(self, head: bool):
        path = self.path.split("?")[0]
        if path == "/live":
            self._send(200)
        elif path == "/old-permanent":
            self._send(301, "/live")
        elif path == "/old-temporary":
            self._send(302, f"{self.server.base}/live")
        elif path == "/chain":  # permanent, then temporary: moved, not permanently
            self._send(308, "/old-temporary")
        elif path == "/moved-then-gone":
            self._send(301, "/gone")
        elif path == "/gone":
            self._send(404)
        elif path == "/removed":
            self._send(410)
        elif path == "/no-head":
            self._send(405 if head else 200)
        elif path == "/head-drops":  # the connection closed on HEAD without an answer
            if head:
                self.close_connection = True
                return
            self._send(200)
        elif path == "/slow":
            time.sleep(SLOW)
            self._send(200)
        elif path == "/wait":
            time.sleep(0.3)
            self._send(200)
        else:
            self._send(500)


@pytest.fixture
def server():
    s = _Server()
    thread = threading.Thread(target=s.serve_forever, daemon=True)
    thread.start()
    yield s
    s.shutdown()
    s.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _claim(n: int, url: str, archive: str | None = None) -> str:
    text = (f"  - id: claim-{n}\n    statement: Claim number {n}.\n    source: daily-news\n"
            f'    reported: "2024-03-0{n % 9 + 1}"\n    credibility: 3\n    url: "{url}"\n')
    if archive:
        text += f'    archive: {{url: "{archive}", captured: "2024-03-10"}}\n'
    return text


def _corpus(minimal, urls: list[str], archives: dict[int, str] = {}, source_url: str | None = None):
    """The minimal corpus with a brief citing each of `urls` in a claim of its own."""
    brief = minimal.root / "briefs/2024/links.yaml"
    brief.write_text('title: Links\npublished: "2024-03"\ntlp: clear\nsummary: Addresses.\nclaims:\n'
                     + "".join(_claim(n, url, archives.get(n)) for n, url in enumerate(urls)), "utf-8")
    if source_url:
        minimal.write("sources/daily-news.yaml", MINIMAL["sources/daily-news.yaml"].rstrip() + f'\n        url: "{source_url}"\n')
    return brief


def _at(path, url: str, archive: bool = False) -> str:
    """`path:line:col` of the address `url` as a `url:` field, or as an `archive:`'s."""
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        field = line.lstrip()
        if (field.startswith("archive: {") if archive else field == f'url: "{url}"') and f'url: "{url}"' in field:
            col = line.index('"' + url + '"') + 1
            return f"{path.relative_to(path.parents[2]).as_posix()}:{n}:{col}"
    raise AssertionError(f"{url} not in {path}")


def test_dead_and_moved_links_are_positioned_warnings_with_their_status(minimal, server):
    b = server.base
    refused = f"http://127.0.0.1:{_closed_port()}/"
    urls = [f"{b}/live", f"{b}/old-permanent", f"{b}/old-temporary", f"{b}/chain", f"{b}/gone", f"{b}/removed",
            f"{b}/no-head", f"{b}/head-drops", f"{b}/slow", refused, f"{b}/moved-then-gone", f"{b}/live"]
    brief = _corpus(minimal, urls, archives={0: f"{b}/removed"}, source_url=f"{b}/old-permanent")
    source = minimal.root / "briefs/sources/daily-news.yaml"
    r = minimal.run("links", "--timeout", "0.5")
    assert r.code == 0, r.err  # warnings only, without --strict
    expected = sorted([
        f"{_at(brief, f'{b}/removed', archive=True)}: warning: archive.url {b}/removed: dead (HTTP 410 Gone)",
        f"{_at(brief, f'{b}/old-permanent')}: warning: url {b}/old-permanent: moved permanently (HTTP 301 Moved Permanently) to {b}/live",
        f"{_at(brief, f'{b}/old-temporary')}: warning: url {b}/old-temporary: moved temporarily (HTTP 302 Found) to {b}/live",
        f"{_at(brief, f'{b}/chain')}: warning: url {b}/chain: moved temporarily (HTTP 308, then 302) to {b}/live",
        f"{_at(brief, f'{b}/gone')}: warning: url {b}/gone: dead (HTTP 404 Not Found)",
        f"{_at(brief, f'{b}/removed')}: warning: url {b}/removed: dead (HTTP 410 Gone)",
        f"{_at(brief, f'{b}/slow')}: warning: url {b}/slow: dead (no answer within 0.5s)",
        f"{_at(brief, refused)}: warning: url {refused}: dead (connection refused)",
        f"{_at(brief, f'{b}/moved-then-gone')}: warning: url {b}/moved-then-gone: dead (HTTP 404 Not Found, redirected to {b}/gone)",
        f"{_at(source, f'{b}/old-permanent')}: warning: url {b}/old-permanent: moved permanently (HTTP 301 Moved Permanently) to {b}/live",
    ])
    assert r.lines == expected, r.err
    assert "checked 11 addresses (14 citations)" in r.out and ": 5 dead, 3 moved, 3 live" in r.out, r.out
    # HEAD first; GET only where HEAD was refused or dropped; an address cited twice asked once
    asked = server.requests
    assert ("HEAD", "/no-head") in asked and ("GET", "/no-head") in asked
    assert ("HEAD", "/head-drops") in asked and ("GET", "/head-drops") in asked
    assert asked.count(("HEAD", "/live")) == 4  # its own (cited twice, asked once), and the end of three redirects
    assert ("GET", "/live") not in asked and ("GET", "/gone") not in asked
    # --strict fails on them
    assert minimal.run("links", "--timeout", "0.5", "--strict").code == 1


def test_a_corpus_whose_links_all_answer_passes_strict(minimal, server):
    _corpus(minimal, [f"{server.base}/live", f"{server.base}/no-head"])
    r = minimal.run("links", "--strict")
    assert r.code == 0 and r.lines == [], r.err
    assert "checked 2 addresses (2 citations)" in r.out and "0 dead, 0 moved, 2 live" in r.out


def test_withheld_items_are_not_checked(minimal, server):
    brief = _corpus(minimal, [f"{server.base}/gone"])
    brief.write_text(brief.read_text().replace("tlp: clear", "tlp: amber"))
    r = minimal.run("links", "--strict")
    assert r.code == 0 and server.requests == [], r.err
    r = minimal.run("links", "--strict", "--max-tlp", "amber")
    assert r.code == 1 and len(r.lines) == 1 and "HTTP 404" in r.lines[0]


@pytest.mark.parametrize("per_host", [1, 3])
def test_no_more_than_per_host_requests_at_once_to_a_host(minimal, server, per_host):
    _corpus(minimal, [f"{server.base}/wait?n={n}" for n in range(7)])
    r = minimal.run("links", "--per-host", str(per_host))
    assert r.code == 0 and "7 live" in r.out, r.out + r.err
    assert len(server.requests) == 7, server.requests
    assert server.most == per_host  # concurrent up to the limit, never beyond


def test_a_build_never_checks_links(minimal, server):
    _corpus(minimal, [f"{server.base}/gone"])
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert server.requests == []


def test_bad_options_are_usage_errors(minimal):
    for args in (["--per-host", "0"], ["--timeout", "0"], ["--timeout", "soon"]):
        r = minimal.run("links", *args)
        assert r.code == 2 and "Invalid value" in r.err, r.err
