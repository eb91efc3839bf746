"""The history of every judgment, read from git: the brief page's History, the judgments' trends,
corpus.json's `history`, the lint warning on a judgment moved without a note, and nothing of a
period the build may not show (a brief that was TLP:AMBER before it was cleared)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from support import MINIMAL, Project, run_cli

BRIEF = "2024/first-brief.yaml"
SECRETS = ("AMBERCLAIM", "AMBERNOTE")  # words only the amber version held


def _git(root: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Analyst", "GIT_AUTHOR_EMAIL": "analyst@example.org",
           "GIT_COMMITTER_NAME": "Analyst", "GIT_COMMITTER_EMAIL": "analyst@example.org"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{date}T12:00:00+00:00"
    return subprocess.run(["git", "-C", str(root), *args], env=env, check=True, capture_output=True, text=True).stdout


def _brief(tlp: str, claims: list[dict], judgments: list[dict]) -> str:
    return yaml.safe_dump({"title": "First brief", "published": "2024-03", "tlp": tlp, "summary": "The bottom line.",
                           "claims": claims, "judgments": judgments}, sort_keys=False, allow_unicode=True)


def _claim(cid: str, statement: str, source: str = "daily-news") -> dict:
    return {"id": cid, "statement": statement, "source": source, "reported": "2024-03-05", "credibility": 3,
            "actors": ["beta-state"], "assessments": {"h-alpha": "I", "h-beta": "C"}}


def _judgment(jid: str, likelihood: str, confidence: str, note: str | None = None) -> dict:
    j = {"id": jid, "statement": f"Judgment {jid}.", "likelihood": likelihood, "confidence": confidence, "basis": ["news-says-beta"]}
    return j | ({"change_note": note} if note else {})


ALPHA = _claim("alpha-claims-it", "Alpha says it did it.", "group-channel")
NEWS = _claim("news-says-beta", "The paper says Beta did it.")
NOTE = "New imagery placed Beta's unit at the site."
VERSIONS = [  # (commit date, the brief then)
    ("2023-01-10", _brief("amber", [ALPHA, NEWS, _claim("amber-only", "AMBERCLAIM in the restricted version.")],
                          [_judgment("beta-did-it", "almost-certain", "high", "AMBERNOTE from the restricted version."),
                           _judgment("alpha-did-not", "unlikely", "moderate")])),
    ("2023-02-01", _brief("clear", [ALPHA, NEWS], [_judgment("beta-did-it", "likely", "low"), _judgment("alpha-did-not", "unlikely", "moderate")])),
    ("2023-03-01", _brief("clear", [ALPHA, NEWS, _claim("third-claim", "A third claim.")],
                          [_judgment("beta-did-it", "very-likely", "low", NOTE), _judgment("alpha-did-not", "unlikely", "moderate")])),
    ("2023-04-01", _brief("clear", [ALPHA, NEWS],
                          [_judgment("beta-did-it", "very-likely", "low", NOTE), _judgment("alpha-did-not", "very-unlikely", "moderate")])),
]


@pytest.fixture
def repo(tmp_path) -> Project:
    """A project in a git repository whose brief went from amber to clear, then moved its judgments."""
    project = Project(tmp_path / "repo")
    for rel, text in MINIMAL.items():
        if rel != BRIEF:
            project.write(rel, text)
    (project.root / ".gitignore").write_text("build/\nsite/\n")
    settings = project.root / "site_config/site.yml"  # the feed needs the site's address
    settings.write_text(settings.read_text("utf-8") + "url: https://briefs.example.org/\n", "utf-8")
    _git(project.root, "init", "-q", "-b", "main")
    for n, (date, text) in enumerate(VERSIONS):
        (project.root / "briefs" / BRIEF).parent.mkdir(parents=True, exist_ok=True)
        (project.root / "briefs" / BRIEF).write_text(text, "utf-8")
        _git(project.root, "add", "-A")
        _git(project.root, "commit", "-q", "-m", f"version {n}", date=date)
    return project


def _page(project: Project) -> str:
    return (project.root / "site/briefs/first-brief/index.html").read_text("utf-8")


def _history(page: str) -> str:
    start = page.index('<h2 id="history">')
    return page[start:page.index("<h2", start + 1)]


def _judgments(project: Project) -> dict[str, dict]:
    data = json.loads((project.root / "site/data/corpus.json").read_text("utf-8"))
    return {j["id"]: j for j in data["judgments"]}


def _published_text(site: Path) -> str:
    return "\n".join(p.read_text("utf-8", "replace") for p in site.rglob("*") if p.suffix in (".html", ".json", ".xml", ".csv", ".js"))


def test_the_brief_page_lists_each_version_with_what_changed(repo):
    r = repo.run("build")
    assert r.code == 0, r.err
    assert "no history" not in r.err
    history = _history(_page(repo))
    items = history.split("<li><strong>")[1:]
    # newest first; the amber version is not one of them
    assert [i.split("</strong>")[0] for i in items] == ["1 April 2023", "1 March 2023", "1 February 2023"]
    assert "Judgment alpha-did-not.</a>: unlikely → very unlikely" in items[0] and "1 claim withdrawn" in items[0]
    assert "Judgment beta-did-it.</a>: likely → very likely" in items[1] and "New imagery placed Beta" in items[1]
    assert "1 claim added" in items[1]
    assert "first version · 2 judgments, 2 claims, 0 analyses" in items[2]
    assert 'href="#beta-did-it"' in history


def test_each_judgment_shows_whether_it_moved_since_the_previous_version(repo):
    assert repo.run("build").code == 0
    page = _page(repo)
    block = lambda jid: page[page.index(f'id="{jid}"'):page.index("Basis:", page.index(f'id="{jid}"'))]  # noqa: E731
    assert "bg-trend-lowered" in block("alpha-did-not") and "lowered since the version of 1 March 2023: unlikely → very unlikely" in block("alpha-did-not")
    assert "bg-trend-held" in block("beta-did-it")
    assert "New imagery placed Beta" in block("beta-did-it")  # its current change note


def test_corpus_json_carries_each_judgments_trail(repo):
    assert repo.run("build").code == 0
    judgments = _judgments(repo)
    assert judgments["beta-did-it"]["history"] == [
        {"date": "2023-02-01", "likelihood": "likely", "confidence": "low", "change_note": None},
        {"date": "2023-03-01", "likelihood": "very-likely", "confidence": "low", "change_note": NOTE},
        {"date": "2023-04-01", "likelihood": "very-likely", "confidence": "low", "change_note": NOTE},
    ]
    assert [s["likelihood"] for s in judgments["alpha-did-not"]["history"]] == ["unlikely", "very-unlikely"]
    import jsonschema
    schema = json.loads((repo.root / "site/data/corpus.schema.json").read_text("utf-8"))
    jsonschema.validate(json.loads((repo.root / "site/data/corpus.json").read_text("utf-8")), schema)


def test_the_feed_says_what_changed_in_the_latest_version(repo):
    assert repo.run("build").code == 0
    feed = (repo.root / "site/feed.xml").read_text("utf-8")
    assert "What changed in the version of 1 April 2023:&lt;/strong&gt; Judgment alpha-did-not. (unlikely → very unlikely); 1 claim withdrawn" in feed


def test_nothing_of_the_amber_period_reaches_the_site(repo):
    assert repo.run("build").code == 0
    text = _published_text(repo.root / "site")
    for secret in SECRETS:
        assert secret not in text
    assert all(s["likelihood"] != "almost-certain" for s in _judgments(repo)["beta-did-it"]["history"])
    # a build that may show amber shows that version, and its change of marking
    r = repo.run("build", "--max-tlp", "amber")
    assert r.code == 0, r.err
    history = _history(_page(repo))
    assert "1 January 2023" not in history and "10 January 2023" in history
    assert "bg-tlp-amber" in history and "Judgment beta-did-it.</a>: almost certain → likely" in history


def test_lint_warns_on_a_judgment_moved_without_a_note(repo):
    r = repo.run("lint")
    lines = [l for l in r.err.splitlines() if "moved since" in l]
    assert len(lines) == 1, r.err
    text = (repo.root / "briefs" / BRIEF).read_text("utf-8").splitlines()
    line = next(n for n, l in enumerate(text, 1) if "very-unlikely" in l)
    assert lines[0].startswith(f"briefs/{BRIEF}:{line}:")
    assert "judgment 'alpha-did-not' moved since the version of 2023-03-01 (unlikely → very unlikely)" in lines[0]
    assert "beta-did-it" not in r.err


def test_an_edit_not_committed_yet_is_the_newest_version_and_a_commit_dates_it(repo, tmp_path):
    assert repo.run("build").code == 0
    brief = repo.root / "briefs" / BRIEF
    brief.write_text(_brief("clear", [ALPHA, NEWS], [_judgment("beta-did-it", "very-likely", "low", NOTE),
                                                      _judgment("alpha-did-not", "unlikely", "moderate", "The second source retracted.")]), "utf-8")
    assert repo.run("build").code == 0
    history = _history(_page(repo))
    assert history.split("<li><strong>")[1].startswith("Not committed yet</strong>")
    assert "very unlikely → unlikely" in history and "The second source retracted." in history
    assert "moved since" not in repo.run("lint").err  # it has its note
    _git(repo.root, "commit", "-q", "-a", "-m", "retraction", date="2023-05-01")
    r = repo.run("build")  # no file changed: the build resumes, and the commit still shows
    assert r.code == 0 and "resumed" in r.out, r.out
    history = _history(_page(repo))
    assert "Not committed yet" not in history and history.split("<li><strong>")[1].startswith("1 May 2023</strong>")
    # the same site as a fresh build of the same repository
    fresh = Project.__new__(Project)
    fresh.root = tmp_path / "fresh"
    shutil.copytree(repo.root, fresh.root, ignore=shutil.ignore_patterns("build", "site", ".site-*"))
    assert fresh.run("build").code == 0
    for rel in ("briefs/first-brief/index.html", "data/corpus.json", "feed.xml"):
        assert (repo.root / "site" / rel).read_bytes() == (fresh.root / "site" / rel).read_bytes(), rel


def test_without_git_the_build_says_so_once_and_builds_the_rest(minimal):
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert r.err.count("no history of the briefs: the project is not in a git repository") == 1
    assert 'id="history"' not in _page(minimal)
    assert all("history" not in j for j in _judgments(minimal).values())


def test_a_shallow_clone_says_so(repo, tmp_path):
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo.root}", str(clone)], check=True)
    r = run_cli("build", cwd=clone)
    assert r.code == 0, r.err
    assert "no history of the briefs: the repository is a shallow clone" in r.err
