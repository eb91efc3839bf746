"""A question's ranking as the evidence arrived: the analysis, the page's section, corpus.json.

The corpus: evidence on one question arrives on three dates and the leading
hypothesis changes once; an amber brief's claim, reported later, would move
the ranking again if it were counted. Weights w = R x K:

    2024-01-10  claim, Daily News B2 (0.64):      a C, b I, c II  -> a 0, b 0.64, c 1.28   leader a
    2024-02     analysis, undated, in a brief published 2024-02, Expert C3 (0.36):
                                                  a II, b C, c N  -> a 0.72, b 0.64, c 1.28 leader b (changed)
    2024-02-15  claim, Group Channel E4 (0.08):   a I, b N, c C   -> a 0.80, b 0.64, c 1.28 leader b
                and an analysis dated 2024-02-15 in a brief published 2024-03, all N
    (2024-03-01 amber claim, Daily News B2:       b II            -> a 0.80, b 1.92, c 1.28 leader a, if counted)
"""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from lxml import html as lxml_html

import synthetic
from support import MINIMAL, Project, build_bundled_site

from generator.build import driver
from generator.config import Project as BriefProject
from generator.output import chart
from generator.stages import analysis
from generator.stages.corpus import Policy

FILES = {
    "actors/alpha-group.yaml": MINIMAL["actors/alpha-group.yaml"],
    "actors/beta-state.yaml": MINIMAL["actors/beta-state.yaml"],
    "sources/daily-news.yaml": MINIMAL["sources/daily-news.yaml"],
    "sources/group-channel.yaml": MINIMAL["sources/group-channel.yaml"],
    "sources/expert-one.yaml": """
        name: Expert One
        kind: expert
        reliability: C
        """,
    "questions/who-struck.yaml": """
        question: Who struck the depot?
        hypotheses:
          - {id: h-a, statement: "Alpha struck it <script>alert(1)</script>."}
          - {id: h-b, statement: Beta struck it.}
          - {id: h-c, statement: Nobody struck it; it was an accident.}
        """,
    "2024/first.yaml": """
        title: First
        published: "2024-02"
        tlp: clear
        summary: First.
        claims:
          - id: paper-says-alpha
            statement: The paper says Alpha struck the depot.
            source: daily-news
            reported: "2024-01-10"
            credibility: 2
            assessments: {h-a: C, h-b: I, h-c: II}
        analyses:
          - id: expert-doubts-alpha
            analyst: expert-one
            title: Alpha lacked the means
            summary: Alpha had no such weapons.
            credibility: 3
            assessments: {h-a: II, h-b: C, h-c: N}
        """,
    "2024/second.yaml": """
        title: Second
        published: "2024-03"
        tlp: clear
        summary: Second.
        claims:
          - id: channel-denies-accident
            statement: The channel says it was no accident.
            source: group-channel
            reported: "2024-02-15"
            credibility: 4
            assessments: {h-a: I, h-b: N, h-c: C}
        analyses:
          - id: expert-weighs-in
            analyst: expert-one
            date: "2024-02-15"
            title: Too early to tell
            summary: Nothing decides yet.
            credibility: 3
            assessments: {h-a: N, h-b: N, h-c: N}
        """,
    "2024/restricted.yaml": """
        title: Restricted
        published: "2024-03"
        tlp: amber
        summary: Restricted.
        claims:
          - id: informant-clears-beta
            statement: An informant says Beta was elsewhere.
            source: daily-news
            reported: "2024-03-01"
            credibility: 2
            assessments: {h-b: II, h-a: N, h-c: N}
        """,
}

EXPECTED = [
    ("2024-01-10", [("h-a", 1, 0.0), ("h-b", 2, 0.64), ("h-c", 3, 1.28)]),
    ("2024-02", [("h-b", 1, 0.64), ("h-a", 2, 0.72), ("h-c", 3, 1.28)]),
    ("2024-02-15", [("h-b", 1, 0.64), ("h-a", 2, 0.8), ("h-c", 3, 1.28)]),
]


@pytest.fixture
def corpus_project(project) -> Project:
    for rel, text in FILES.items():
        project.write(rel, text)
    return project


def _history(project: Project, policy: Policy) -> list:
    return driver.validate(BriefProject(project.root), policy, use_cache=False).findings


def _plain(steps, digits: int = 4) -> list:
    return [(s.date, [(x.hypothesis, x.rank, round(x.weighted, digits)) for x in s.ranking]) for s in steps]


def test_ranking_at_each_date(corpus_project):
    findings = _history(corpus_project, Policy())
    steps = findings.history["who-struck"]
    assert _plain(steps) == EXPECTED
    assert [s.added for s in steps] == [1, 1, 2]
    assert [s.leader_before for s in steps] == [None, "h-a", None]  # the lead changed once, on 2024-02
    # the last step is the matrix's ranking
    ranking = findings.matrices["who-struck"].ranking
    assert [(x.hypothesis, x.rank, x.weighted, x.inconsistency) for x in steps[-1].ranking] == \
        [(s.id, s.rank, s.weighted, s.inconsistency) for s in ranking]


def test_history_equals_the_matrix_recomputed_at_each_date(tmp_path):
    # the incremental pass against the obvious quadratic one, on a synthetic corpus with dates of every precision
    synthetic.generate(60, tmp_path / "proj", seed=3, restricted=0.1)
    g = driver.validate(BriefProject(tmp_path / "proj"), Policy(), use_cache=False)
    corpus, findings = g.corpus, g.findings
    precisions = set()
    for q, m in findings.matrices.items():
        evidence = [corpus.claims[r.id] if r.kind == "claim" else corpus.analyses[r.id] for r in m.rows]
        dates = sorted({r.arrived for r in m.rows}, key=analysis.date_key)
        precisions |= {len(d) for d in dates}
        expected = []
        for d in dates:
            up_to = [e for e, r in zip(evidence, m.rows) if analysis.date_key(r.arrived) <= analysis.date_key(d)]
            expected.append((d, [(s.id, s.rank, s.weighted) for s in analysis.matrix(corpus, q, up_to).ranking]))
        assert _plain(findings.history[q], digits=9) == expected, q
    assert precisions == {4, 7, 10}  # years, months and days all occurred


def test_withheld_evidence_never_moves_the_history(corpus_project):
    # published at amber, the informant's claim is a fourth date and moves the lead back to a: the clear build's
    # three dates are not that by chance
    amber = _plain(_history(corpus_project, Policy(max_tlp="amber")).history["who-struck"])
    assert amber[:3] == EXPECTED
    assert amber[3] == ("2024-03-01", [("h-a", 1, 0.8), ("h-c", 2, 1.28), ("h-b", 3, 1.92)])
    assert _plain(_history(corpus_project, Policy()).history["who-struck"]) == EXPECTED


def test_ties_rank_as_the_matrix_ranks(project):
    # two hypotheses level on both scores: the id decides, as in the question's ranking, and a lead
    # taken from a tie says so
    for rel, text in FILES.items():
        if rel.startswith(("actors/", "sources/", "questions/")):
            project.write(rel, text)
    project.write("2024/tie.yaml", """
        title: Tie
        published: "2024-02"
        tlp: clear
        summary: Tie.
        claims:
          - id: neutral
            statement: Nothing decides.
            source: daily-news
            reported: "2024-01"
            credibility: 2
            assessments: {h-a: N, h-b: N, h-c: I}
          - id: against-a
            statement: Against a.
            source: daily-news
            reported: "2024-02"
            credibility: 2
            assessments: {h-a: I, h-b: N, h-c: N}
        """)
    steps = _history(project, Policy()).history["who-struck"]
    assert [s.leader for s in steps] == ["h-a", "h-b"]
    assert steps[0].tied and steps[1].leader_before == "h-a" and steps[1].tied_before and not steps[1].tied


@pytest.fixture
def built(corpus_project):
    r = corpus_project.run("build")
    assert r.code == 0, r.err
    return corpus_project.root / "site"


def test_question_page_shows_how_the_assessment_moved(built):
    page = (built / "hypotheses/who-struck/index.html").read_text("utf-8")
    doc = lxml_html.fromstring(page)
    heading = doc.xpath('//h2[@id="history"]')
    assert heading and heading[0].text_content().startswith("How the assessment moved")
    section = page[page.index('id="history"'):page.index('id="evidence-matrix"')]

    # the table: a caption, headers, a row a date, each hypothesis's weighted inconsistency and rank
    table = doc.xpath('//table[contains(@class, "bg-history")]')[0]
    assert table.xpath("caption")
    assert [th.get("scope") for th in table.xpath("thead/tr/th")] == ["col"] * 6
    rows = [[c.text_content().strip() for c in tr.xpath("th|td")] for tr in table.xpath("tbody/tr")]
    # columns in the current rank order: H1 = b, H2 = a, H3 = c
    assert rows == [
        ["10 January 2024", "1", "0.64 (rank 2)", "0.00 (rank 1)", "1.28 (rank 3)", "H2"],
        ["February 2024", "1", "0.64 (rank 1)", "0.72 (rank 2)", "1.28 (rank 3)", "H1 (took the lead)"],
        ["15 February 2024", "2", "0.64 (rank 1)", "0.80 (rank 2)", "1.28 (rank 3)", "H1"],
    ]

    # the change is named in text
    changes = doc.xpath('//ul[contains(@class, "bg-history-changes")]/li')
    assert [li.text_content() for li in changes] == [
        "February 2024: H1 Beta struck it. took the lead from H2 Alpha struck it <script>alert(1)</script>.."]

    # the chart: inline SVG with an accessible name and a title, no script, author text escaped
    svg = doc.xpath('//figure[contains(@class, "bg-chart")]//*[local-name()="svg" and @role="img"]')[0]
    assert "weighted inconsistency of 3 hypotheses" in svg.get("aria-label")
    assert "3 dates, 10 January 2024 to 15 February 2024" in svg.get("aria-label")
    assert svg.xpath('*[local-name()="title"]')[0].text_content() == svg.get("aria-label")
    assert len(svg.xpath('.//*[local-name()="path" and @fill="none"]')) == 3  # a line a hypothesis
    assert "<script" not in section
    assert "Alpha struck it &lt;script&gt;alert(1)&lt;/script&gt;." in section


def test_corpus_json_history_and_its_schema(built):
    data = json.loads((built / "data/corpus.json").read_text("utf-8"))
    jsonschema.validate(data, json.loads((built / "data/corpus.schema.json").read_text("utf-8")))
    question = next(q for q in data["questions"] if q["id"] == "who-struck")
    assert [(s["date"], [(x["hypothesis"], x["rank"], x["weighted_inconsistency"]) for x in s["ranking"]])
            for s in question["history"]] == EXPECTED
    assert [x["id"] for x in question["hypotheses"]] == [x["hypothesis"] for x in question["history"][-1]["ranking"]]
    assert "2024-03-01" not in json.dumps(question)  # the amber claim's date is no step
    bad = json.loads(json.dumps(data))
    bad["questions"][0]["history"][0]["ranking"][0]["rank"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json.loads((built / "data/corpus.schema.json").read_text("utf-8")))


def test_chart_escapes_and_draws_every_hypothesis(corpus_project):
    findings = _history(corpus_project, Policy())
    steps = findings.history["who-struck"]
    figure = chart.history_chart(steps, ["h-b", "h-a", "h-c"], {"h-a": "<b>A</b> & [x](y)", "h-b": "B", "h-c": "C"})
    assert "<b>A</b>" not in figure and "&lt;b&gt;A&lt;/b&gt; &amp;" in figure
    assert "\n\n" not in figure and " id=" not in figure and "<script" not in figure
    assert chart.history_chart([], [], {}) == ""
    one = chart.history_chart(steps[:1], ["h-a", "h-b", "h-c"], {"h-a": "A", "h-b": "B", "h-c": "C"})
    assert "1 date, 10 January 2024;" in one


def test_bundled_question_page_shows_the_section(tmp_path):
    site = build_bundled_site(tmp_path)
    page = (site / "hypotheses/who-killed-al-qurashi/index.html").read_text("utf-8")
    doc = lxml_html.fromstring(page)
    assert doc.xpath('//h2[@id="history"]')
    assert doc.xpath('//figure[contains(@class, "bg-chart")]//*[local-name()="svg" and @role="img"]')
    changes = [li.text_content() for li in doc.xpath('//ul[contains(@class, "bg-history-changes")]/li')]
    assert len(changes) == 1 and changes[0].startswith("August 2023: H1 Al-Qurashi was killed in an operation by Turkish intelligence")
    assert re.search(r"<th scope=\"row\">3 August 2023</th>", page)
