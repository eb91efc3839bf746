"""`briefgen links`: every address the published corpus cites, asked whether it still answers.

What is checked: the `url` and the web `archive.url` of every published
source, claim and analysis (relations carry no address; an archived copy kept
under `evidence/` is a file, which every validation checks: `stages.evidence`).
Each address is asked once, however many items cite it, and reported at each
place that cites it, as `path:line:col: warning: …`:

- **dead**: no answer within the timeout, a refused connection, an unknown
  host, a TLS failure, too many redirects, or a final status that is not 2xx
  (`HTTP 404 Not Found`, `HTTP 410 Gone`, …);
- **moved**: one or more redirects ending at a page that answers 2xx: where
  to, and whether permanently (every redirect 301 or 308) or not.

How: `HEAD` first; `GET` (its body left unread) when the server refuses `HEAD`
(405, 403, 501) or drops the connection without an answer. Redirects are
followed one at a time (at most `MAX_REDIRECTS`), each hop a request of its
own. Requests run on threads, at most `per_host` at once to any one host
(scheme, name and port), each with the timeout on connecting and on every read.

This module is a layer of its own, above the build machinery and below the
command line (tests/test_layout.py): it reads the published corpus the driver
validated, and nothing a build runs can import it, so no build reaches the
network.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Iterator
from urllib.parse import urljoin, urlsplit

from generator import __version__
from generator.errors import Problem
from generator.format.models import evidence_path
from generator.stages.corpus import Corpus

MAX_REDIRECTS = 10
WORKERS = 16  # requests in flight at most, over all hosts
_RETRY_WITH_GET = (405, 403, 501)  # what servers that do not implement HEAD answer to it
_PERMANENT = (301, 308)
_REDIRECT = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Citation:
    """A place in the corpus that cites an address: `Corpus.problem`'s namespace and id, and the field."""

    namespace: str  # source, or item (a claim or analysis)
    id: str
    loc: tuple  # ("url",) or ("archive", "url")
    url: str


def citations(corpus: Corpus) -> list[Citation]:
    """Every web address the published corpus cites, in corpus order: sources, then each brief's claims and analyses."""
    out = []

    def cite(namespace: str, item_id: str, item) -> None:
        if item.url:
            out.append(Citation(namespace, item_id, ("url",), item.url))
        if item.archive is not None and evidence_path(item.archive.url) is None:
            out.append(Citation(namespace, item_id, ("archive", "url"), item.archive.url))

    for source_id, source in corpus.sources.items():
        cite("source", source_id, source)
    for brief in corpus.briefs.values():
        for item in (*brief.claims, *brief.analyses):
            cite("item", item.id, item)
    return out


@dataclass
class Outcome:
    """What an address answered, at the end of its redirects."""

    url: str
    status: int | None = None  # the last answer's HTTP status; None when there was none
    final: str = ""  # the address that gave it
    hops: list[int] = field(default_factory=list)  # the status of each redirect followed
    error: str | None = None  # why there was no answer, or why the redirects were not followed to the end

    @property
    def dead(self) -> bool:
        return self.error is not None or self.status is None or not 200 <= self.status < 300

    @property
    def moved(self) -> bool:
        return not self.dead and bool(self.hops)

    @property
    def permanent(self) -> bool:
        return all(s in _PERMANENT for s in self.hops)

    def describe(self) -> str:
        """What a reader is told of a dead or moved address."""
        redirected = f", redirected to {self.final}" if self.hops else ""
        if self.error is not None:
            return f"dead ({self.error}{redirected})"
        if self.dead:
            return f"dead ({_status(self.status)}{redirected})"
        how = "permanently" if self.permanent else "temporarily"
        statuses = _status(self.hops[0]) if len(self.hops) == 1 else "HTTP " + ", then ".join(map(str, self.hops))
        return f"moved {how} ({statuses}) to {self.final}"


def _status(code: int) -> str:
    try:
        return f"HTTP {code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"HTTP {code}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Each redirect comes back as an answer (`HTTPError` with its status and `Location`), to be followed here."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _NoAnswer(Exception):
    """A request that got no HTTP answer: `reason` says why; `retry` when a GET may get one where HEAD did not."""

    def __init__(self, reason: str, retry: bool = False):
        super().__init__(reason)
        self.reason, self.retry = reason, retry


class Checker:
    """Asks addresses whether they answer, on threads, at most `per_host` requests at once to a host."""

    def __init__(self, timeout: float = 10.0, per_host: int = 2, workers: int = WORKERS):
        self.timeout = timeout
        self.per_host = per_host
        self.workers = workers
        self._opener = urllib.request.build_opener(_NoRedirects)
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def check_all(self, urls: list[str]) -> dict[str, Outcome]:
        """Each distinct address's outcome, asked concurrently."""
        unique = list(dict.fromkeys(urls))
        if not unique:
            return {}
        with ThreadPoolExecutor(max_workers=min(self.workers, len(unique)), thread_name_prefix="briefgen-links") as pool:
            return dict(zip(unique, pool.map(self.check, unique)))

    def check(self, url: str) -> Outcome:
        """Follow `url` through its redirects to an answer, or to why there is none."""
        out = Outcome(url, final=url)
        seen = {url}
        while True:
            try:
                status, location = self._ask(out.final)
            except _NoAnswer as e:
                out.error = e.reason
                return out
            if status not in _REDIRECT or location is None:
                out.status = status
                return out
            out.hops.append(status)
            target = urljoin(out.final, location)
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                out.error = f"{_status(status)} to {target}, not a web address"
                return out
            out.final = target
            if target in seen:
                out.error = "a redirect loop"
                return out
            if len(out.hops) >= MAX_REDIRECTS:
                out.error = f"more than {MAX_REDIRECTS} redirects"
                return out
            seen.add(target)

    def _ask(self, url: str) -> tuple[int, str | None]:
        """One address's status and `Location`: HEAD, or GET where HEAD is refused or dropped."""
        try:
            status, location = self._request("HEAD", url)
        except _NoAnswer as e:
            if not e.retry:
                raise
            return self._request("GET", url)
        if status in _RETRY_WITH_GET:
            return self._request("GET", url)
        return status, location

    def _host(self, url: str) -> threading.BoundedSemaphore:
        parts = urlsplit(url)
        host = f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{parts.port or ''}"
        with self._lock:
            gate = self._hosts.get(host)
            if gate is None:
                gate = self._hosts[host] = threading.BoundedSemaphore(self.per_host)
            return gate

    def _request(self, method: str, url: str) -> tuple[int, str | None]:
        request = urllib.request.Request(url, method=method, headers={
            "User-Agent": f"briefgen/{__version__} (link check)", "Accept": "*/*"})
        with self._host(url):
            try:
                with self._opener.open(request, timeout=self.timeout) as response:  # the body is never read
                    return response.status, None
            except urllib.error.HTTPError as e:
                try:
                    return e.code, e.headers.get("Location")
                finally:
                    e.close()
            except urllib.error.URLError as e:
                raise _no_answer(e.reason, self.timeout) from None
            except (OSError, http.client.HTTPException, ValueError) as e:
                raise _no_answer(e, self.timeout) from None


def _no_answer(reason: object, timeout: float) -> _NoAnswer:
    """Why a request got no answer, as a reader is told it."""
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return _NoAnswer(f"no answer within {timeout:g}s")
    if isinstance(reason, ConnectionRefusedError):
        return _NoAnswer("connection refused")
    if isinstance(reason, (ConnectionResetError, http.client.RemoteDisconnected, http.client.BadStatusLine)):
        return _NoAnswer("the connection was closed without an answer", retry=True)
    if isinstance(reason, socket.gaierror):
        return _NoAnswer("unknown host")
    if isinstance(reason, ssl.SSLCertVerificationError):
        return _NoAnswer(f"TLS certificate not valid: {reason.verify_message}")
    if isinstance(reason, ssl.SSLError):
        return _NoAnswer(f"TLS failed: {reason.reason or reason}")
    if isinstance(reason, OSError) and reason.strerror:
        return _NoAnswer(reason.strerror.lower())
    return _NoAnswer(str(reason) or type(reason).__name__)


@dataclass
class Report:
    problems: list[Problem]  # a warning at each citation of a dead or moved address
    outcomes: dict[str, Outcome]
    cited: int  # citations checked

    def counts(self) -> Counter:
        return Counter("dead" if o.dead else "moved" if o.moved else "live" for o in self.outcomes.values())


def check_corpus(corpus: Corpus, checker: Checker) -> Report:
    """Every address the published corpus cites, checked; a warning at each place citing a dead or moved one."""
    cited = citations(corpus)
    outcomes = checker.check_all([c.url for c in cited])
    problems = sorted(_warnings(corpus, cited, outcomes))
    return Report(problems, outcomes, len(cited))


def _warnings(corpus: Corpus, cited: list[Citation], outcomes: dict[str, Outcome]) -> Iterator[Problem]:
    for c in cited:
        o = outcomes[c.url]
        if o.dead or o.moved:
            name = ".".join(c.loc)
            yield corpus.problem(c.namespace, c.id, c.loc, f"{name} {c.url}: {o.describe()}", level="warning")
