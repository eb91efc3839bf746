"""Stage 4: what the evidence says — ACH matrices, contradictions, the timeline.

Everything here is computed from the published corpus only, so nothing
withheld can move a score. The ACH rules are those of the contract:
weight w = R x K, inconsistency counts 1 per I and 2 per II, hypotheses rank
by weighted inconsistency (lowest first), then inconsistency, then id.

A question's history (`history`) is its ranking as the evidence arrived: the
matrix again over the evidence reported up to each date on which evidence
bearing on the question was reported. A claim arrives on its `reported` date,
an analysis on its `date`, or, undated, on its brief's `published` date (the
latest it can have been known). A date known only to its month or year
(`2023-08`, `2023`) is a step of its own, labelled as written, and orders as
the timeline orders it (`date_key`): before the days of its period. The
history is accumulated in date order, one pass over the question's rows, so
it costs less than the matrix itself, not the matrix once per date; its last
step is the matrix's ranking.
"""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field
from typing import Iterable

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
    arrived: str  # the date it was reported: a claim's `reported`, an analysis's `date`, else its brief's `published`

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


@dataclass(slots=True)
class Standing:
    """A hypothesis's place at one date of a question's history."""

    hypothesis: str
    rank: int
    weighted: float  # weighted inconsistency of the evidence reported up to that date
    inconsistency: int


@dataclass(slots=True)
class Step:
    """A question's ranking over the evidence reported up to `date`."""

    date: str  # as written, at its own precision
    added: int  # pieces of evidence reported on that date
    ranking: list[Standing]  # best first, by the matrix's rule
    leader_before: str | None = None  # the previous step's leader, when this step's is another hypothesis
    tied_before: bool = False  # and that leader was level with the next on both scores (it led by id alone)

    @property
    def leader(self) -> str:
        return self.ranking[0].hypothesis

    @property
    def leader_changed(self) -> bool:
        return self.leader_before is not None

    @property
    def tied(self) -> bool:
        """The leader is level with the second on both scores: the rule's last key, the id, put it first."""
        a, b = self.ranking[0], self.ranking[1] if len(self.ranking) > 1 else None
        return b is not None and (a.weighted, a.inconsistency) == (b.weighted, b.inconsistency)

    def standing(self, hypothesis: str) -> Standing:
        return next(s for s in self.ranking if s.hypothesis == hypothesis)


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
    history: dict[str, list[Step]] = field(default_factory=dict)  # question id -> its ranking at each date, oldest first


def weight(reliability: str, credibility: int) -> float:
    return vocab.RELIABILITY[reliability].weight * vocab.CREDIBILITY[str(credibility)].weight


def matrix(corpus: Corpus, question_id: str, evidence: list[Claim | Analysis]) -> Matrix:
    question = corpus.questions[question_id]
    hyps = [h.id for h in question.hypotheses]
    rating_weight = {code: t.weight for code, t in vocab.RATING.items()}
    weights = _weights()
    brief_of, briefs = corpus.brief_of, corpus.briefs
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
        brief = brief_of[item.id]
        rows.append(Row(item.id, "claim" if is_claim else "analysis", brief, item.statement if is_claim else item.title,
                        reliability, credibility, row_weight, ratings, unrated, int(max(values) - min(values)) if values else 0,
                        item.reported if is_claim else item.date or briefs[brief].published))
        for h, rating in ratings.items():
            penalty = _PENALTY.get(rating, 0)
            inconsistency[h] += penalty
            weighted[h] += penalty * row_weight
        for h in unrated:
            gaps[h] += 1
    scores = [Score(h.id, h.statement, inconsistency[h.id], round(weighted[h.id], 9), gaps=gaps[h.id]) for h in question.hypotheses]
    scores.sort(key=_rank_key)
    for rank, s in enumerate(scores, 1):
        s.rank = rank
    return Matrix(question_id, hyps, rows, scores)


def _rank_key(s: Score | Standing) -> tuple[float, int, str]:
    """The ranking rule: weighted inconsistency, then inconsistency, then id (lowest first)."""
    return (s.weighted, s.inconsistency, s.id if isinstance(s, Score) else s.hypothesis)


def history(m: Matrix) -> list[Step]:
    """The matrix's ranking over the evidence reported up to each date, oldest first.

    One pass in date order adds each row's penalties to running totals and
    ranks the hypotheses after each date: linear in the rows (and dates x
    hypotheses), the same sums and rule as `matrix`. A date whose evidence
    moves no total keeps the previous step's ranking (the same list).
    """
    # dates as written sort as `date_key` sorts them (zero-padded fields; `2023-08` before `2023-08-03`)
    dated = sorted((row.arrived, n) for n, row in enumerate(m.rows))
    inconsistency, weighted = dict.fromkeys(m.hypotheses, 0), dict.fromkeys(m.hypotheses, 0.0)
    rows, penalties = m.rows, _PENALTY
    steps: list[Step] = []
    ranking: list[Standing] = []
    for date, group in itertools.groupby(dated, key=operator.itemgetter(0)):
        added, moved = 0, not steps
        for _, n in group:
            added += 1
            row = rows[n]
            for h, rating in row.ratings.items():
                penalty = penalties.get(rating)
                if penalty:
                    inconsistency[h] += penalty
                    weighted[h] += penalty * row.weight
                    moved = True
        if moved:
            ranking = sorted((Standing(h, 0, round(weighted[h], 9), inconsistency[h]) for h in m.hypotheses), key=_rank_key)
            for rank, s in enumerate(ranking, 1):
                s.rank = rank
        changed = moved and bool(steps) and steps[-1].leader != ranking[0].hypothesis
        steps.append(Step(date, added, ranking, steps[-1].leader if changed else None, changed and steps[-1].tied))
    return steps


@functools.lru_cache(maxsize=1)
def _weights() -> dict[tuple[str, int], float]:
    """(reliability, credibility) -> the row weight, for every grade pair."""
    return {(r, int(k)): weight(r, int(k)) for r in vocab.RELIABILITY for k in vocab.CREDIBILITY}


@functools.lru_cache(maxsize=None)  # a few thousand distinct dates, sorted on again and again
def date_key(date: str) -> tuple[int, int, int]:
    parts = [int(p) for p in date.split("-")]
    return tuple(parts + [0] * (3 - len(parts)))  # type: ignore[return-value]


def newest_first(corpus: Corpus, claim_ids: Iterable[str]) -> list[str]:
    """Claims by their report, newest first, ids in order within a date: as an Admiralty code lists them."""
    claims = corpus.claims
    return sorted(claim_ids, key=lambda c: (tuple(-part for part in date_key(claims[c].reported)), c))


def analyse(corpus: Corpus) -> Findings:
    result = Findings()
    evidence: dict[str, list] = {q: [] for q in corpus.questions}
    for item in [*corpus.claims.values(), *corpus.analyses.values()]:
        for q in dict.fromkeys(corpus.question_of[h] for h in item.assessments):
            evidence[q].append(item)
    for q in sorted(corpus.questions):
        result.matrices[q] = matrix(corpus, q, evidence[q])
        result.history[q] = history(result.matrices[q])

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
    # newest first, ids in order within a date (`newest_first`'s order): the reported order with its dates
    # reversed, which reuses that sort instead of sorting every claim again
    same_date = [[claim_id for _, claim_id in group] for _, group in itertools.groupby(reported, key=operator.itemgetter(0))]
    for claim_id in itertools.chain.from_iterable(reversed(same_date)):
        claim = claims[claim_id]
        grid[corpus.sources[claim.source].reliability][claim.credibility].append(claim_id)
    result.admiralty_grid = grid
    return result
