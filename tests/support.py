"""Test helpers: throwaway projects on disk and a runner for the real CLI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return [l for l in self.err.splitlines() if ": error: " in l or ": warning: " in l]


def run_cli(*args: str, cwd: Path, env: dict | None = None) -> Result:
    """Run `python -m generator ARGS` as a user would, in `cwd`."""
    full_env = {**os.environ, "GITHUB_ACTIONS": "", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, capture_output=True, text=True, env=full_env, timeout=300)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


class Project:
    """A briefgen project in a temporary folder, with the repository's templates and config."""

    def __init__(self, root: Path):
        self.root = root
        for name in ("templates", "site_config"):
            shutil.copytree(REPO / name, root / name)
        shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
        (root / "briefs").mkdir()

    def write(self, rel: str, text: str) -> Path:
        path = self.root / "briefs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
        return path

    def run(self, *args: str, **kw) -> Result:
        return run_cli(*args, cwd=self.root, **kw)


MINIMAL = {
    "actors/alpha-group.yaml": """
        name: Alpha Group
        kind: armed-group
        aliases: [Alfa, "al-Alpha"]
        relations:
          - {type: hostile-to, actor: beta-state, since: "2020"}
        """,
    "actors/beta-state.yaml": """
        name: Beta State
        kind: state
        """,
    "sources/daily-news.yaml": """
        name: Daily News
        kind: news-outlet
        reliability: B
        reliability_note: Established outlet.
        """,
    "sources/group-channel.yaml": """
        name: Group Channel
        kind: armed-group-media
        reliability: E
        actor: alpha-group
        """,
    "questions/who-did-it.yaml": """
        question: Who did it?
        hypotheses:
          - {id: h-alpha, statement: Alpha did it.}
          - {id: h-beta, statement: Beta did it.}
        """,
    "2024/first-brief.yaml": """
        title: First brief
        published: "2024-03"
        tlp: clear
        summary: The **bottom line**.
        claims:
          - id: alpha-claims-it
            statement: Alpha says it did it.
            source: group-channel
            reported: "2024-03-02"
            occurred: "2024-03"
            credibility: 4
            actors: [alpha-group]
            assessments: {h-alpha: C, h-beta: I}
          - id: news-says-beta
            statement: The paper says Beta did it.
            source: daily-news
            reported: "2024-03-05"
            credibility: 2
            actors: [beta-state]
            assessments: {h-alpha: II, h-beta: CC}
            contradicts: [alpha-claims-it]
        judgments:
          - id: beta-likely
            statement: Beta likely did it.
            likelihood: likely
            confidence: moderate
            basis: [news-says-beta]
            hypothesis: h-beta
        """,
}


# listings paginated at 40 briefs as they are at thousands: Admiralty codes, contradictions, long years, an actor's claims
SMALL_PAGES = {"CODE_PAGE_SIZE": 4, "CONTRADICTIONS_PAGE_SIZE": 3, "TIMELINE_MONTHS_ABOVE": 6, "ACTOR_PAGE_SIZE": 8}


def small_pages(monkeypatch) -> None:
    """`SMALL_PAGES` set on `output.pages` for the test (or the `monkeypatch` context)."""
    from generator.output import pages

    for name, size in SMALL_PAGES.items():
        monkeypatch.setattr(pages, name, size)


def minimal_project(root: Path) -> Project:
    """A project at `root` holding the MINIMAL corpus: two actors, two sources, one question, one brief."""
    project = Project(root)
    for rel, text in MINIMAL.items():
        project.write(rel, text)
    return project




def build_bundled_site(parent: Path) -> Path:
    """Copy the repository's project (briefs, templates, config) under `parent`, build it with the CLI, return its site/."""
    root = parent / "proj"
    root.mkdir()
    for name in ("briefs", "templates", "site_config"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root)
    r = run_cli("build", cwd=root)
    assert r.code == 0, r.err
    assert "built" in r.out
    return root / "site"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str) -> str | None:
    """The page at `url` as text, or None while nothing answers there."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.read().decode("utf-8")
    except OSError:
        return None
