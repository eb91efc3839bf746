"""Analytic lint: valid briefs that a careful reviewer would still send back.

Warnings, not errors: the corpus builds either way. Each warning points at the
field to look at (a claim or analysis citing an address without an archived
copy among them). With the briefs' history (`stages.history`), a judgment that moved
since the previous published version without a new `change_note` is one.
"""

from __future__ import annotations

import re

from generator.errors import Problem
from generator.format import vocab
from generator.stages.analysis import Findings
from generator.stages.corpus import Corpus
from generator.stages.history import moves

HEDGES = ("possibly", "possible", "might", "could", "may", "perhaps", "probably", "probable", "conceivably",
          "potentially", "presumably", "apparently", "seemingly", "chances are", "in all likelihood")
_HEDGE = re.compile(r"\b(" + "|".join(re.escape(h) for h in HEDGES) + r")\b", re.I)
_PROBABILITY = re.compile(r"\d+(?:\.\d+)?\s*(?:%|per\s?cent\b)|\b\d+\s+in\s+\d+\b|\bprobability of\s+(?:0?\.\d+|\d)", re.I)
# longest first, so "very unlikely" is not read as "unlikely"
_TERMS = sorted(((t.label, code) for code, t in vocab.LIKELIHOOD.items()), key=lambda x: -len(x[0]))
_TERM = re.compile(r"\b(" + "|".join(re.escape(label) for label, _ in _TERMS) + r")\b", re.I)


def _span(date: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Earliest and latest day a reduced-precision date can mean."""
    parts = [int(p) for p in date.split("-")]
    return tuple(parts + [0] * (3 - len(parts))), tuple(parts + [99] * (3 - len(parts)))  # type: ignore[return-value]


def lint(corpus: Corpus, findings: Findings) -> list[Problem]:
    out: list[Problem] = []
    labels = {label.lower(): code for label, code in _TERMS}

    for jid, j in corpus.judgments.items():
        hedge = _HEDGE.search(j.statement)
        if hedge:
            out.append(corpus.problem("item", jid, ("statement",),
                f"judgment '{jid}' hedges with '{hedge.group(1)}', outside the estimative vocabulary: "
                f"say it with likelihood ({vocab.LIKELIHOOD[j.likelihood].label}) instead"))
        prob = _PROBABILITY.search(j.statement)
        if prob:
            out.append(corpus.problem("item", jid, ("statement",),
                f"judgment '{jid}' states a probability in its text ('{prob.group(0)}'): the likelihood field carries it"))
        term = _TERM.search(j.statement)
        if term and labels[term.group(1).lower()] != j.likelihood:
            out.append(corpus.problem("item", jid, ("likelihood",),
                f"judgment '{jid}' says '{term.group(1)}' in its statement but its likelihood is '{j.likelihood}'"))

    for b, past in (corpus.history.briefs.items() if corpus.history is not None else ()):
        current = past.versions[0]
        for m in current.moved:
            if (m.likelihood or m.confidence) and not m.note:
                since = past.versions[1].date or "the last commit"
                out.append(corpus.problem("item", m.id, ("likelihood" if m.likelihood else "confidence",),
                    f"judgment '{m.id}' moved since the version of {since} ({moves(m)}) but has no new "
                    f"change_note saying why"))

    for qid, m in findings.matrices.items():
        for row in m.rows:
            if row.gaps:
                out.append(corpus.problem("item", row.id, ("assessments",),
                    f"ACH gap in '{qid}': {row.kind} '{row.id}' does not rate {', '.join(row.gaps)} (rate it, or write NA)", key=True))
        if not m.rows:
            out.append(corpus.problem("question", qid, ("hypotheses",), f"question '{qid}' has no evidence: no claim or analysis rates its hypotheses", key=True))
        elif m.diagnostic_rows == 0:
            out.append(corpus.problem("question", qid, ("hypotheses",),
                f"question '{qid}' has no diagnostic evidence: every piece rates all its hypotheses alike", key=True))

    for cid, c in corpus.claims.items():
        if c.credibility == 1:
            chain = {c.source, *c.via}
            independent = [o for o in corpus.corroborations.get(cid, []) if corpus.claims[o].source not in chain
                           and c.source not in corpus.claims[o].via]
            if not independent:
                out.append(corpus.problem("item", cid, ("credibility",),
                    f"claim '{cid}' is graded 1 (confirmed by other sources) but no claim from an independent originator "
                    f"corroborates it; repetition along the same reporting chain is not confirmation"))
        if c.occurred and _span(c.occurred)[0] > _span(c.reported)[1]:
            out.append(corpus.problem("item", cid, ("occurred",),
                f"claim '{cid}' reports an event ({c.occurred}) after the date it was reported ({c.reported})"))

    for kind, table in (("claim", corpus.claims), ("analysis", corpus.analyses)):
        for item_id, item in table.items():
            if item.url and item.archive is None:
                out.append(corpus.problem("item", item_id, ("url",),
                    f"{kind} '{item_id}' cites an address with no archived copy: add archive: {{url, captured}} (a web "
                    f"archive's snapshot, or a file under evidence/) so that it can still be checked once the page is gone"))
    return sorted(out)
