"""Stage 4: what the evidence says — ACH matrices, contradictions, the timeline.

Everything here is computed from the published corpus only, so nothing
withheld can move a score. The ACH rules are those of the contract:
weight w = R x K, inconsistency counts 1 per I and 2 per II, hypotheses rank
by weighted inconsistency (lowest first), then inconsistency, then id.
"""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field

from generator.format import vocab
from generator.format.models import Analysis, Claim
from generator.stages.corpus import Corpus

_PENALTY = {"I": 1, "II": 2}


@dataclass(slots=True)
class Row:
    """One piece of evidence in a question's matrix."""

    id: str
    kind: str  # claim or analysis
    brief: str
    text: str
    reliability: str
    credibility: int
    weight: float
    ratings: dict[str, str]  # hypothesis id -> rating, NA where the author left it out
    gaps: list[str]  # hypotheses the row does not rate
    diagnosticity: int

    @property
    def code(self) -> str:
        return f"{self.reliability}{self.credibility}"



@dataclass
class Score:
    id: str
    statement: str
    inconsistency: int
    weighted: float
    rank: int = 0
    gaps: int = 0


@dataclass
class Matrix:
    question: str
    hypotheses: list[str]  # as authored
    rows: list[Row]
    ranking: list[Score]  # best first

    @property
    def gaps(self) -> int:
        return sum(len(r.gaps) for r in self.rows)

    @property
    def diagnostic_rows(self) -> int:
        return sum(1 for r in self.rows if r.diagnosticity > 0)

    def score(self, hypothesis: str) -> Score:
        return next(s for s in self.ranking if s.id == hypothesis)


@dataclass
class Findings:
    """Everything stage 4 produces, for the renderer."""

    matrices: dict[str, Matrix] = field(default_factory=dict)
    contradictions: list[tuple[str, str]] = field(default_factory=list)
    by_occurred: list[str] = field(default_factory=list)  # claim ids, event date order
    # the timeline, one page a year: year -> claim ids, by event date and by reported date
    occurred_by_year: dict[int, list[str]] = field(default_factory=dict)
    reported_by_year: dict[int, list[str]] = field(default_factory=dict)
    admiralty_grid: dict[str, dict[int, list[str]]] = field(default_factory=dict)  # reliability -> credibility -> claim ids


def weight(reliability: str, credibility: int) -> float:
    return vocab.RELIABILITY[reliability].weight * vocab.CREDIBILITY[str(credibility)].weight


def matrix(corpus: Corpus, question_id: str, evidence: list[Claim | Analysis]) -> Matrix:
    question = corpus.questions[question_id]
    hyps = [h.id for h in question.hypotheses]
    rating_weight = {code: t.weight for code, t in vocab.RATING.items()}
    weights = _weights()
    brief_of = corpus.brief_of
    rows = []
    # each hypothesis's inconsistency, weighted inconsistency and unrated rows, summed row by row
    inconsistency, weighted, gaps = dict.fromkeys(hyps, 0), dict.fromkeys(hyps, 0), dict.fromkeys(hyps, 0)
    for item in evidence:
        assessments = item.assessments
        ratings = {h: assessments.get(h, "NA") for h in hyps}  # NA where the author left it out
        unrated = [h for h in hyps if h not in assessments]
        values = [rating_weight[r] for r in ratings.values() if r != "NA"]
        is_claim = isinstance(item, Claim)
        reliability = corpus.reliability_of(item)
        credibility = item.credibility
        row_weight = weights[reliability, credibility]
        rows.append(Row(item.id, "claim" if is_claim else "analysis", brief_of[item.id], item.statement if is_claim else item.title,
                        reliability, credibility, row_weight, ratings, unrated, int(max(values) - min(values)) if values else 0))
        for h, rating in ratings.items():
            penalty = _PENALTY.get(rating, 0)
            inconsistency[h] += penalty
            weighted[h] += penalty * row_weight
        for h in unrated:
            gaps[h] += 1
    scores = [Score(h.id, h.statement, inconsistency[h.id], round(weighted[h.id], 9), gaps=gaps[h.id]) for h in question.hypotheses]
    scores.sort(key=lambda s: (s.weighted, s.inconsistency, s.id))
    for rank, s in enumerate(scores, 1):
        s.rank = rank
    return Matrix(question_id, hyps, rows, scores)


@functools.lru_cache(maxsize=1)
def _weights() -> dict[tuple[str, int], float]:
    """(reliability, credibility) -> the row weight, for every grade pair."""
    return {(r, int(k)): weight(r, int(k)) for r in vocab.RELIABILITY for k in vocab.CREDIBILITY}


@functools.lru_cache(maxsize=None)  # a few thousand distinct dates, sorted on again and again
def date_key(date: str) -> tuple[int, int, int]:
    parts = [int(p) for p in date.split("-")]
    return tuple(parts + [0] * (3 - len(parts)))  # type: ignore[return-value]


def analyse(corpus: Corpus) -> Findings:
    result = Findings()
    evidence: dict[str, list] = {q: [] for q in corpus.questions}
    for item in [*corpus.claims.values(), *corpus.analyses.values()]:
        for q in dict.fromkeys(corpus.question_of[h] for h in item.assessments):
            evidence[q].append(item)
    for q in sorted(corpus.questions):
        result.matrices[q] = matrix(corpus, q, evidence[q])

    result.contradictions = sorted({tuple(sorted((a, b))) for a, others in corpus.contradictions.items() for b in others})

    claims = corpus.claims
    # claims with their dates, sorted as tuples (the ids are unique, so no two tuples tie)
    reported = sorted((date_key(claim.reported), claim_id) for claim_id, claim in claims.items())
    occurred = sorted((date_key(claim.occurred), date_key(claim.reported), claim_id)
                      for claim_id, claim in claims.items() if claim.occurred)
    result.by_occurred = [claim_id for _, _, claim_id in occurred]
    for attr, dated in (("occurred_by_year", occurred), ("reported_by_year", reported)):
        years: dict[int, list[str]] = {}
        for entry in dated:
            years.setdefault(entry[0][0], []).append(entry[-1])
        setattr(result, attr, years)
    grid = {r: {k: [] for k in range(1, 7)} for r in vocab.RELIABILITY}
    # newest first, ids in order within a date: the reported order with its dates reversed
    same_date = [[claim_id for _, claim_id in group] for _, group in itertools.groupby(reported, key=operator.itemgetter(0))]
    for claim_id in itertools.chain.from_iterable(reversed(same_date)):
        claim = claims[claim_id]
        grid[corpus.sources[claim.source].reliability][claim.credibility].append(claim_id)
    result.admiralty_grid = grid
    return result
