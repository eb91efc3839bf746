"""Data exports of the published corpus: /data/corpus.json with its JSON Schema
and the ACH matrices as CSV (the STIX bundle is `stix`'s).

Like the pages, every export is made from the published view only. corpus.json
is written one item a line (`lines`), a brief's items made as one part, so
that a build can copy the lines of unchanged briefs from the file it
replaces. Which files a build writes, and what each draws on, the build
declares.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from generator.format import schema as schemas
from generator.format.models import Actor, Analysis, Brief, Claim, Judgment, Question, Slug, Source
from generator.output.lines import WHOLE, Lines, Parts, Stream, encode, join
from generator.stages.analysis import Findings
from generator.stages.corpus import Corpus

# --- /data/corpus.json and its schema -------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BriefOut(Brief):
    id: Slug
    claims: list[Slug] = Field(default=[], description="ids of the claims of this brief (in `claims`)")  # type: ignore[assignment]
    analyses: list[Slug] = Field(default=[], description="ids of the analyses of this brief (in `analyses`)")  # type: ignore[assignment]
    judgments: list[Slug] = Field(default=[], description="ids of the judgments of this brief (in `judgments`)")  # type: ignore[assignment]


class ClaimOut(Claim):
    brief: Slug = Field(description="id of the brief holding the claim")
    admiralty: str = Field(pattern=r"^[A-F][1-6]$", description="source reliability and claim credibility, e.g. C3")


class AnalysisOut(Analysis):
    brief: Slug


class JudgmentStep(_Out):
    date: Optional[str] = Field(description="the date (YYYY-MM-DD) of the commit from which the judgment read so; null: not committed yet")
    likelihood: Judgment.model_fields["likelihood"].annotation  # type: ignore[valid-type]
    confidence: Judgment.model_fields["confidence"].annotation  # type: ignore[valid-type]
    change_note: Optional[str] = Field(description="the change note of that version, Markdown")


class JudgmentOut(Judgment):
    brief: Slug
    history: list[JudgmentStep] = Field(default=[], description=(
        "each likelihood, confidence and change note the judgment took, oldest first, the last being the "
        "current version; from the git history of the brief's file, versions this build may not show left out; "
        "absent when the project's git history could not be read"))


class ActorOut(Actor):
    id: Slug


class SourceOut(Source):
    id: Slug


class RankedHypothesis(_Out):
    id: Slug
    statement: str
    rank: int = Field(ge=1, description="1 = least disproved")
    inconsistency: int = Field(ge=0, description="1 per I and 2 per II against the hypothesis")
    weighted_inconsistency: float = Field(ge=0, description="the same, each term times the evidence weight R x K; four decimals")


class HistoryStanding(_Out):
    hypothesis: Slug = Field(description="id of the hypothesis")
    rank: int = Field(ge=1, description="1 = least disproved by the evidence reported up to the date")
    weighted_inconsistency: float = Field(ge=0, description="over the evidence reported up to the date; four decimals")


class HistoryStep(_Out):
    date: str = Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="a date on which evidence on the question was reported (a claim's `reported`, an "
                                          "analysis's `date` or, undated, its brief's `published`), as written")
    ranking: list[HistoryStanding] = Field(description="the ranking over the evidence reported up to this date, in rank order")


class QuestionOut(Question):
    id: Slug
    hypotheses: list[RankedHypothesis] = Field(description="in rank order")  # type: ignore[assignment]
    history: list[HistoryStep] = Field(description="the ranking as the evidence arrived: one entry a date on which evidence on the "
                                                   "question was reported, oldest first (a date known to its month or year only "
                                                   "before that period's days); the last entry is the ranking in `hypotheses`")


class CorpusOut(_Out):
    """/data/corpus.json: every published item with its fields as authored."""

    briefs: list[BriefOut]
    claims: list[ClaimOut]
    analyses: list[AnalysisOut]
    judgments: list[JudgmentOut]
    actors: list[ActorOut]
    sources: list[SourceOut]
    questions: list[QuestionOut]


def corpus_schema() -> dict:
    doc = CorpusOut.model_json_schema(mode="serialization")
    return {"$schema": schemas.SCHEMA_DIALECT, "$id": "corpus.schema.json", **doc}


def _dump(model, **extra) -> dict:
    return {"id": extra.pop("id"), **model.model_dump(mode="json", exclude_unset=True), **extra}


_BRIEF_TABLES = ("briefs", "claims", "analyses", "judgments")


def _brief_items(corpus: Corpus, b: str) -> dict[str, list[tuple[str, dict]]]:
    """The corpus.json items of one brief: the brief, its claims, analyses and judgments."""
    brief = corpus.briefs[b]
    item = _dump(brief, id=b)
    for attr in ("claims", "analyses", "judgments"):
        item[attr] = [x.id for x in getattr(brief, attr)]
    return {
        "briefs": [(b, item)],
        "claims": [(c.id, _dump(c, id=c.id, brief=b, admiralty=corpus.admiralty(c))) for c in brief.claims],
        "analyses": [(a.id, _dump(a, id=a.id, brief=b)) for a in brief.analyses],
        "judgments": [(j.id, _dump(j, id=j.id, brief=b, **_trail(corpus, b, j.id))) for j in brief.judgments],
    }


def _trail(corpus: Corpus, b: str, j: str) -> dict:
    found = corpus.history.briefs.get(b) if corpus.history is not None else None
    if found is None:
        return {}
    return {"history": [{"date": s.date, "likelihood": s.likelihood, "confidence": s.confidence, "change_note": s.change_note}
                        for s in found.trails.get(j, ())]}


def _question_item(corpus: Corpus, findings: Findings, q: str) -> dict:
    item = _dump(corpus.questions[q], id=q)
    authored = {h.id: h.model_dump(mode="json", exclude_unset=True) for h in corpus.questions[q].hypotheses}
    item["hypotheses"] = [
        {**authored[s.id], "rank": s.rank, "inconsistency": s.inconsistency, "weighted_inconsistency": round(s.weighted, 4)}
        for s in findings.matrices[q].ranking
    ]
    item["history"] = [
        {"date": step.date, "ranking": [
            {"hypothesis": x.hypothesis, "rank": x.rank, "weighted_inconsistency": round(x.weighted, 4)} for x in step.ranking]}
        for step in findings.history[q]
    ]
    return item


def _entity_lines(corpus: Corpus) -> tuple[Lines, None]:
    """The lines of the actors and the sources."""
    return [(f"{t}/{i}", encode(_dump(table[i], id=i))) for t, table in (("actors", corpus.actors), ("sources", corpus.sources))
            for i in sorted(table)], None


def _question_lines(corpus: Corpus, findings: Findings, q: str) -> tuple[Lines, None]:
    return [(f"questions/{q}", encode(_question_item(corpus, findings, q)))], None


def corpus_schema_json() -> str:
    """`/data/corpus.schema.json`."""
    return json.dumps(corpus_schema(), ensure_ascii=False, indent=2) + "\n"


def corpus_json_lines(corpus: Corpus, findings: Findings, parts: Parts = WHOLE) -> Stream:
    """`/data/corpus.json`, the same document as `briefgen export json`, as a `generator.output.lines.Stream`.

    One item a line: grep and diff find items, and a C JSON encoder writes
    it (`lines.encode`; an indented dump goes through the pure-Python encoder, 5x slower).
    A brief's items are the part ``brief:<id>`` of `parts`, the actors and sources the part
    ``entities``, a question the part ``question:<id>``; a line's key is
    ``<table>/<item id>``, unique in the file.
    """
    tables: dict[str, Lines] = {t: [] for t in (*_BRIEF_TABLES, "actors", "sources", "questions")}
    made = [parts.part(f"brief:{b}", functools.partial(_brief_lines, corpus, b))[0] for b in corpus.briefs]
    made.append(parts.part("entities", functools.partial(_entity_lines, corpus))[0])
    made += [parts.part(f"question:{q}", functools.partial(_question_lines, corpus, findings, q))[0] for q in sorted(corpus.questions)]
    for lines in made:
        for key, line in lines:
            tables[key[:key.index("/")]].append((key, line))
    body = {t: sorted(rows, key=lambda r: r[0]) for t, rows in tables.items()}
    for n, (table, rows) in enumerate(body.items()):
        yield (b",\n" if n else b"{\n") + json.dumps(table).encode("utf-8") + (b":[\n" if rows else b":[]")
        yield rows
        if rows:
            yield b"\n]"
    yield b"\n}\n"


def _brief_lines(corpus: Corpus, b: str) -> tuple[Lines, None]:
    return [(f"{t}/{i}", encode(item)) for t, rows in _brief_items(corpus, b).items() for i, item in rows], None


def corpus_json(corpus: Corpus, findings: Findings) -> str:
    """`corpus_json_lines` as one string (made whole: no file to copy from)."""
    return join(corpus_json_lines(corpus, findings)).decode("utf-8")


# --- ACH matrices as CSV ---------------------------------------------------------


# What makes a spreadsheet read a cell as a formula (OWASP's list for CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _csv_cell(value: object) -> str:
    """A CSV cell, quoted as the csv module quotes it; a cell a spreadsheet would run as a formula
    starts with an apostrophe, which spreadsheets read as "text follows", and is always quoted."""
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "\"'" + text.replace('"', '""') + '"'
    if _NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_row(cells: list) -> str:
    return ",".join(_csv_cell(c) for c in cells) + "\r\n"


def ach_csv(corpus: Corpus, findings: Findings, question_id: str) -> str:
    """One question's ACH matrix for spreadsheets: a row per piece of evidence, then the scores."""
    m = findings.matrices[question_id]
    hyps = [s.id for s in m.ranking]
    out = [_csv_row(["evidence_id", "kind", "brief", "text", "admiralty", "weight", *hyps, "diagnosticity", "gaps"])]
    for r in m.rows:
        out.append(_csv_row([r.id, r.kind, r.brief, r.text, r.code, f"{r.weight:.2f}", *(r.ratings[h] for h in hyps), r.diagnosticity, " ".join(r.gaps)]))
    out.append(_csv_row([]))
    out.append(_csv_row(["hypothesis_id", "statement", "rank", "inconsistency", "weighted_inconsistency"]))
    for s in m.ranking:
        out.append(_csv_row([s.id, s.statement, s.rank, s.inconsistency, f"{s.weighted:.2f}"]))
    return "".join(out)


def ach_csv_path(question_id: str) -> str:
    return f"data/ach/{question_id}.csv"
