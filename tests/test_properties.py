"""Property-based tests: generated corpora always build; mutated files always fail cleanly."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, event, example, given, settings, strategies as st

from support import MINIMAL, Project
from generator.build import driver as pipeline
from generator.format import vocab
from generator.config import Project as GenProject
from generator.stages.corpus import Policy
from generator.errors import ContentError

slug = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
# printable text, including Markdown and HTML characters authors really type
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(lambda s: s.strip())
date = st.builds(lambda y, m, d, p: f"{y}" if p == 0 else f"{y}-{m:02d}" if p == 1 else f"{y}-{m:02d}-{d:02d}",
                 st.integers(2000, 2030), st.integers(1, 12), st.integers(1, 28), st.integers(0, 2))


@st.composite
def corpora(draw):
    """A valid corpus as {relative path: data}."""
    ids = draw(st.lists(slug, min_size=8, max_size=16, unique=True))
    actors, sources, hyps = ids[:2], ids[2:4], ids[4:7]
    files = {}
    for a in actors:
        files[f"actors/{a}.yaml"] = {"name": draw(text), "kind": draw(st.sampled_from(list(vocab.ACTOR_KIND))),
                                     "aliases": draw(st.lists(text, max_size=2)),
                                     "relations": [{"type": draw(st.sampled_from(list(vocab.RELATION))), "actor": draw(st.sampled_from(actors))}]}
    for s in sources:
        files[f"sources/{s}.yaml"] = {"name": draw(text), "kind": draw(st.sampled_from(list(vocab.SOURCE_KIND))),
                                      "reliability": draw(st.sampled_from(list(vocab.RELIABILITY))), "reliability_note": draw(text)}
    files["questions/q.yaml"] = {"question": draw(text), "context": draw(text), "hypotheses": [{"id": h, "statement": draw(text)} for h in hyps]}
    claim_ids = [f"c{i}-{x}" for i, x in enumerate(ids[7:])]
    claims = []
    for cid in claim_ids:
        claims.append({
            "id": cid, "statement": draw(text), "source": draw(st.sampled_from(sources)), "reported": draw(date),
            "credibility": draw(st.integers(1, 6)), "actors": draw(st.lists(st.sampled_from(actors), max_size=2, unique=True)),
            "quote": draw(text),
            "assessments": draw(st.dictionaries(st.sampled_from(hyps), st.sampled_from(list(vocab.RATING)), max_size=3)),
            "contradicts": draw(st.lists(st.sampled_from(claim_ids), max_size=1)),
        })
    files["b/brief.yaml"] = {
        "title": draw(text), "published": draw(date), "tlp": "clear", "summary": draw(text), "claims": claims,
        "analyses": [{"id": "an-1", "analyst": sources[0], "title": draw(text), "summary": draw(text), "points": draw(st.lists(text, max_size=2)),
                      "assessments": {hyps[0]: "C"}}],
        "judgments": [{"id": "kj-1", "statement": draw(text), "likelihood": draw(st.sampled_from(list(vocab.LIKELIHOOD))),
                       "confidence": draw(st.sampled_from(list(vocab.CONFIDENCE))), "basis": [claim_ids[0]], "hypothesis": hyps[0]}],
    }
    return files


def _project(files: dict) -> Path:
    root = Path(tempfile.mkdtemp(prefix="prop-")) / "proj"
    Project(root)
    for rel, data in files.items():
        path = root / "briefs" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return root


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(corpora())
def test_generated_corpora_always_build(files):
    root = _project(files)
    try:
        project = GenProject(root)
        settings_ = project.settings()
        # strict mkdocs: a dangling link or anchor anywhere fails the build
        result = pipeline.build(project, settings_, Policy(), root / "site")
        site = root / "site"
        brief = (site / "briefs/brief/index.html").read_text("utf-8")
        for claim in result.corpus.claims:
            assert f'id="{claim}"' in brief
        for h in result.corpus.hypotheses:
            assert f'id="{h}"' in (site / "hypotheses/q/index.html").read_text("utf-8")
        for page in site.rglob("*.html"):
            if page.name == "404.html":
                continue  # served at any depth, so its links are absolute
            html = page.read_text("utf-8")
            assert "<script>alert" not in html
            for href in re.findall(r'href="([^"#:?]+/)(?:#[^"]*)?"', html):
                assert (page.parent / href / "index.html").resolve().exists() or (page.parent / href).resolve().exists(), (page, href)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


def _mutations():
    line_ops = st.sampled_from(["delete", "duplicate", "tab", "dedent", "indent", "truncate", "colon", "quote", "garbage"])
    return st.tuples(st.sampled_from(sorted(MINIMAL)), line_ops, st.integers(0, 40), st.integers(0, 30))


def _mutate(text: str, op: str, line_no: int, col: int) -> str:
    lines = text.splitlines()
    i = line_no % len(lines)
    line = lines[i]
    if op == "delete":
        del lines[i]
    elif op == "duplicate":
        lines.insert(i, line)
    elif op == "tab":
        lines[i] = "\t" + line
    elif op == "dedent":
        lines[i] = line[2:]
    elif op == "indent":
        lines[i] = "   " + line
    elif op == "truncate":
        lines[i] = line[: col % (len(line) + 1)]
    elif op == "colon":
        lines[i] = line[: col % (len(line) + 1)] + ": " + line[col % (len(line) + 1):]
    elif op == "quote":
        lines[i] = line[: col % (len(line) + 1)] + '"' + line[col % (len(line) + 1):]
    else:
        lines[i] = line[: col % (len(line) + 1)] + "]{&*!|>" + line[col % (len(line) + 1):]
    return "\n".join(lines) + "\n"


# One page per file: a mutation that leaves every file valid must still publish all of them.
_PAGES = {"actors/alpha-group.yaml": "actors/alpha-group.md", "actors/beta-state.yaml": "actors/beta-state.md",
          "sources/daily-news.yaml": "sources/daily-news.md", "sources/group-channel.yaml": "sources/group-channel.md",
          "questions/who-did-it.yaml": "hypotheses/who-did-it.md", "2024/first-brief.yaml": "briefs/first-brief.md"}
_POSITIONED = re.compile(r"briefs/(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error: [^\n]+")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_mutations(), min_size=1, max_size=3))
@example([("2024/first-brief.yaml", "tab", 0, 0)])  # always broken
@example([("actors/alpha-group.yaml", "delete", 2, 0)])  # drops the optional aliases: still valid
@example([("2024/first-brief.yaml", "truncate", 0, 15)])  # a shorter title: still valid
def test_mutated_files_fail_with_clear_positioned_errors(mutations):
    """A broken file gives positioned errors, never an exception; a file that survives its mutation builds.

    Most mutations break the file (see `--hypothesis-show-statistics`); the few that do not (a
    truncated name, a deleted optional field) must then validate and publish every file, so that
    no generated case passes without an assertion.
    """
    import textwrap

    assert set(_PAGES) == set(MINIMAL)
    root = Path(tempfile.mkdtemp(prefix="mut-")) / "proj"
    try:
        Project(root)
        texts = {rel: textwrap.dedent(t).lstrip("\n") for rel, t in MINIMAL.items()}
        for rel, op, line_no, col in mutations:
            texts[rel] = _mutate(texts[rel], op, line_no, col)
        for rel, t in texts.items():
            path = root / "briefs" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(t, "utf-8")
        project = GenProject(root)
        try:
            pipeline.validate(project, Policy())
        except ContentError as e:
            event("broken: positioned errors")
            assert e.problems
            for p in e.problems:
                m = _POSITIONED.fullmatch(str(p))
                assert m and m["path"] in texts, p
                n_lines = max(1, texts[m["path"]].count("\n") + 1)
                assert 1 <= p.line <= n_lines and p.col >= 1, p
                assert "Traceback" not in p.message
            return
        event("still valid: built")
        result = pipeline.generate(project, project.settings(), Policy())
        assert set(result.corpus.briefs) == {"first-brief"}
        assert not result.corpus.withheld
        for rel, page in _PAGES.items():
            assert (project.docs / page).is_file(), (rel, page)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)
