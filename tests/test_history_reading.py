"""How history reads thousands of versions: only what it compares of each (`load.plain_data`'s
outline, equal to what a whole load makes of it), in worker processes; and the synthetic corpus's
git history that bench/run.py measures it on (`synthetic.write_git_history`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from generator.build import driver, loading
from generator.config import Project
from generator.stages import history
from generator.stages.history import OUTLINE, State
from generator.stages.load import plain_data
from synthetic import generate

BRIEF = """\
title: "A brief"
tlp: clear
status: "published"
claims:
  - id: "first-claim"
    statement: "Words."
    reported: 2024-03-05
  - id: second-claim
    statement: |
      More words: id: not-an-id
      - id: not-a-claim
analyses:
  - id: "an-analysis"
judgments:
  - id: "kj-one"
    likelihood: likely
    confidence: "low"
    change_note: "Because."
  - id: kj-two
    likelihood: "unlikely"
    confidence: high
"""

VARIANTS = {
    "as written": BRIEF,
    "flow style": '{tlp: clear, claims: [{id: a}, {id: b}], judgments: [{id: j, likelihood: likely, confidence: low}]}\n',
    "anchors and aliases": BRIEF.replace('  - id: "an-analysis"', '  - &a\n    id: "an-analysis"\n  - *a'),
    "a merge key": BRIEF.replace('    likelihood: "unlikely"\n', '    <<: {likelihood: almost-certain}\n'),
    "an explicit tag": BRIEF.replace('likelihood: likely', 'likelihood: !!str likely'),
    "an unknown tag": BRIEF.replace('statement: "Words."', 'statement: !custom "Words."'),
    "the value key": BRIEF.replace('statement: "Words."', 'statement: ='),
    "a duplicate key": BRIEF.replace('  - id: "first-claim"\n', '  - id: "first-claim"\n    id: "the-last-wins"\n'),
    "a duplicate section": BRIEF + "claims:\n  - id: only-this-one\n",
    "ids that are not strings": BRIEF.replace('id: "first-claim"', "id: 12").replace("id: kj-two", "id: null"),
    "a date as an id": BRIEF.replace('id: "first-claim"', "id: 2024-01-01"),
    "a note that is not a string": BRIEF.replace('change_note: "Because."', "change_note: 3"),
    "status null": BRIEF.replace('status: "published"', "status:"),
    "status missing": BRIEF.replace('status: "published"\n', ""),
    "tlp a number": BRIEF.replace("tlp: clear", "tlp: 1"),
    "a section not a list": BRIEF.replace('analyses:\n  - id: "an-analysis"\n', "analyses: none\n"),
    "items not mappings": BRIEF.replace('  - id: "an-analysis"', '  - "an-analysis"'),
    "a key that is a list": BRIEF + "[a, b]: the loader refuses it\n",
    "a key that is a mapping": BRIEF.replace("    confidence: high\n", "    confidence: high\n    ? {a: b}\n    : refused\n"),
    "deep nesting": BRIEF + "deep: " + "[" * 300 + "]" * 300 + "\n",
    "a key that is a number": BRIEF.replace('title: "A brief"', '1: "A brief"'),
    "a list": "- tlp: clear\n",
    "a scalar": "clear\n",
    "two documents": BRIEF + "---\n" + BRIEF,
    "broken YAML": BRIEF.replace("claims:", "claims: [unclosed"),
    "comments": "# tlp: red\n" + BRIEF.replace("likelihood: likely", "likelihood: likely  # was unlikely"),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_the_outline_of_a_version_is_what_a_whole_load_makes_of_it(name):
    raw = VARIANTS[name].encode()
    whole = plain_data(raw)
    assert State.of_data(plain_data(raw, OUTLINE)) == State.of_data(whole)


def test_the_outline_reads_only_what_history_compares():
    outline = plain_data(BRIEF.encode(), OUTLINE)
    assert outline["claims"] == [{"id": "first-claim"}, {"id": "second-claim"}]
    assert "title" not in outline and outline["judgments"][0] == {"id": "kj-one", "likelihood": "likely", "confidence": "low",
                                                                     "change_note": "Because."}
    assert State.of_data(outline).judgments == (("kj-one", "likely", "low", "Because."), ("kj-two", "unlikely", "high", None))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("git") / "corpus"
    generate(30, out, seed=3, git_commits=120)
    return out


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout


def test_the_synthetic_history_ends_with_the_corpus_as_generated(corpus, tmp_path):
    assert _git(corpus, "rev-list", "--count", "HEAD").strip() == "120"
    assert _git(corpus, "status", "--porcelain").splitlines() == ["?? .bench-corpus.json"]  # the tree is the files
    dates = [int(x) for x in _git(corpus, "log", "--reverse", "--format=%ct").split()]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert len(_git(corpus, "show", "--name-only", "--format=", "HEAD~0").split()) in (1, 2, 3)
    again = tmp_path / "again"
    generate(30, again, seed=3, git_commits=120)
    assert _git(again, "rev-parse", "HEAD") == _git(corpus, "rev-parse", "HEAD")


def _read(root: Path, map=map) -> history.History:
    project = Project(root)
    published = driver.validate(project, driver.policy_for(project.settings()), use_cache=False).corpus
    return history.read(root, published, {}, map)


def test_the_synthetic_history_holds_what_analysts_change(corpus):
    found = _read(corpus)
    assert found.unavailable is None
    versions = [v for h in found.briefs.values() for v in h.versions]
    assert len(versions) > 100
    assert any(m.likelihood for v in versions for m in v.moved) and any(m.confidence for v in versions for m in v.moved)
    assert any(m.note for v in versions for m in v.moved)
    assert any(v.claims_added for v in versions) and any(v.claims_withdrawn for v in versions)
    assert any(not v.changed and not v.first for v in versions)  # wording only
    cleared = _git(corpus, "log", "--format=%s", "--grep", "TLP:AMBER to TLP:CLEAR")
    assert cleared  # and the amber versions before it are not shown (tests/test_history.py shows how)


def test_versions_read_in_worker_processes_are_the_same(corpus, monkeypatch):
    monkeypatch.setattr(history, "BLOBS_PER_JOB", 16)  # several jobs, on every core
    jobs = []

    def counting(fn, *iterables):
        jobs.append(len(list(zip(*iterables))))
        return loading.forked_map(fn, *iterables, workers=2)

    assert _read(corpus, counting) == _read(corpus)
    assert jobs and jobs[0] > 2
