"""ACH scores of the two seed questions, worked out by hand from the bundled briefs."""

from __future__ import annotations

import json

import pytest

from support import REPO, run_cli


@pytest.fixture(scope="module")
def exported():
    r = run_cli("export", "json", cwd=REPO)
    assert r.code == 0, r.err
    return json.loads(r.out)


def ranking(data, question):
    q = next(q for q in data["questions"] if q["id"] == question)
    return [(h["id"], h["inconsistency"], h["weighted_inconsistency"]) for h in q["hypotheses"]]


def test_who_killed_al_qurashi(exported):
    # Weights w = R x K of the rows that carry an I or II:
    #   Erdogan's announcement, Turkish presidency C3: 0.6 x 0.6 = 0.36  (HTS: II, other: II)
    #   ISIS's recording, ISIS channels E4:             0.2 x 0.4 = 0.08  (Turkish: II, other: II)
    #   HTS security service's denial D3:               0.4 x 0.6 = 0.24  (HTS: I, cooperation: I)
    # Turkish operation:  II by ISIS                  -> 2, 2 x 0.08              = 0.16
    # HTS and Turkey:     I by HTS denial             -> 1, 0.24                  = 0.24
    # another actor:      II by Erdogan, II by ISIS   -> 4, 2 x 0.36 + 2 x 0.08   = 0.88
    # HTS killed him:     II by Erdogan, I by denial  -> 3, 2 x 0.36 + 0.24       = 0.96
    assert ranking(exported, "who-killed-al-qurashi") == [
        ("h-turkish-intelligence-operation", 2, 0.16),
        ("h-hts-turkish-cooperation", 1, 0.24),
        ("h-other-actor-or-unknown", 4, 0.88),
        ("h-hts-killed-him", 3, 0.96),
    ]


def test_why_isis_leaders_shelter_in_hts_areas(exported):
    # Rows with an I (no II on this question), weight R x K:
    #   killed-and-arrested leaders, An-Nahar B2   0.8 x 0.8 = 0.64  (understanding: I)
    #   implicit understanding, An-Nahar B4        0.8 x 0.4 = 0.32  (chaos: I)
    #   Julani courts intelligence, An-Nahar B4    0.32              (chaos: I)
    #   ISIS says HTS killed him, E4               0.2 x 0.4 = 0.08  (understanding: I)
    #   covert cells, Sharifa C3                   0.6 x 0.6 = 0.36  (understanding: I, support: I)
    #   leaders based in HTS areas, Jamoul F3      0.5 x 0.6 = 0.30  (chaos: I)
    #   HTS leadership aware, Jamoul F4            0.5 x 0.4 = 0.20  (chaos: I)
    #   Sharifa's analysis C3                      0.36              (understanding: I, exploits: I)
    #   Jamoul's analysis F4                       0.20              (chaos: I)
    # exploits presence:   Sharifa analysis                         -> 1, 0.36
    # support from ranks:  covert cells                             -> 1, 0.36  (tie: by id, exploits first)
    # displacement chaos:  0.32 + 0.32 + 0.30 + 0.20 + 0.20         -> 5, 1.34
    # understanding:       0.64 + 0.08 + 0.36 + 0.36                -> 4, 1.44
    assert ranking(exported, "why-isis-leaders-shelter-in-hts-areas") == [
        ("h-hts-exploits-presence-for-intelligence-ties", 1, 0.36),
        ("h-support-from-within-hts-ranks", 1, 0.36),
        ("h-refuge-in-displacement-chaos", 5, 1.34),
        ("h-implicit-understanding-with-hts", 4, 1.44),
    ]


def test_ranks_are_positions(exported):
    for q in exported["questions"]:
        assert [h["rank"] for h in q["hypotheses"]] == list(range(1, len(q["hypotheses"]) + 1))


def test_claims_carry_admiralty_code(exported):
    codes = {c["id"]: c["admiralty"] for c in exported["claims"]}
    assert codes["erdogan-says-turkish-intelligence-killed-al-qurashi"] == "C3"
    assert codes["isis-says-hts-killed-al-qurashi"] == "E4"


def test_diagnosticity_and_gaps(minimal):
    from generator.build import driver as pipeline
    from generator.config import Project
    from generator.stages.corpus import Policy

    path = minimal.root / "briefs/2024/first-brief.yaml"
    # the first claim now rates only h-alpha: h-beta is a gap for it
    path.write_text(path.read_text().replace("{h-alpha: C, h-beta: I}", "{h-alpha: C}"))
    m = pipeline.validate(Project(minimal.root), Policy()).findings.matrices["who-did-it"]
    rows = {r.id: r for r in m.rows}
    assert rows["alpha-claims-it"].gaps == ["h-beta"]
    assert rows["alpha-claims-it"].diagnosticity == 0  # a single rating cannot discriminate
    assert rows["news-says-beta"].diagnosticity == 4  # CC (+2) minus II (-2)
    assert m.gaps == 1
    # weight of news-says-beta: B2 = 0.8 x 0.8; II against h-alpha
    assert [(s.id, s.inconsistency, round(s.weighted, 2)) for s in m.ranking] == [("h-beta", 0, 0.0), ("h-alpha", 2, 1.28)]
