"""Which pages the site has: for each, its path, its template, what the template is given and what it shows.

The page list of the whole site reads top to bottom as the site's sections: home,
briefs, actors, sources, reliability, hypotheses, schema, timeline,
contradictions. Each page also says what of the corpus it shows (`Shows`), so
that the build machinery renders again only the pages an edit touches; the
list itself neither renders nor tracks anything.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Iterator, Protocol

from generator.config import Project, Settings
from generator.format import vocab
from generator.format.schema import KINDS as SCHEMA_KINDS
from generator.format.schema import WHERE as SCHEMA_WHERE
from generator.format.models import other_names
from generator.output import chart, folding, graph
from generator.stages import evidence
from generator.stages.analysis import Findings, date_key, newest_first
from generator.stages.corpus import Corpus


@dataclass
class Page:
    path: str  # under the docs folder, e.g. "actors/isis.md"
    template: str
    context: dict[str, Any]
    inputs: frozenset[str] | None = None  # what of the corpus it shows, as `Shows` declared it; None: everything
    late: dict[str, Callable[[], Any]] = field(default_factory=dict)  # context computed only if the page is rendered


def fold(text: str) -> str:
    """`Erdoğan` -> `Erdogan`: letters without their diacritics, for search."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ı", "i").replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_terms(names: list[str]) -> list[str]:
    """Spellings a reader might type that differ from the written ones (names in Arabic script are
    folded as search folds them, `folded_names`, not shown)."""
    seen = {n.lower() for n in names}
    out = []
    for name in names:
        if folding.has_arabic(name):
            continue
        variants = [fold(name)]
        for article in ("al-", "el-", "Al-", "El-", "ad-", "as-", "an-", "at-"):
            variants += [v.replace(article, "") for v in list(variants) if article in v]
        variants += [v.replace("-", " ") for v in list(variants) if "-" in v]
        for v in variants:
            if v.lower() not in seen:
                seen.add(v.lower())
                out.append(v)
    return out


def all_names(entity) -> list[str]:
    """An actor's or source's name, native name and aliases, as written."""
    return [entity.name, *(n.name for n in other_names(entity))]


def folded_names(entity) -> list[str]:
    """The spellings search folds an actor's or source's names in Arabic script to, for a paragraph
    readers do not see and Pagefind indexes (the offline index folds its own text)."""
    return folding.name_forms(all_names(entity))


def _sorted_briefs(corpus: Corpus, brief_ids: Iterable[str] | None = None) -> list[str]:
    """The briefs, or those of `brief_ids`, newest first: a total order, so any of them keep their places relative to one another."""
    return sorted(corpus.briefs if brief_ids is None else brief_ids,
                  key=lambda b: (tuple(-x for x in date_key(corpus.briefs[b].published)), b))


def _network(corpus: Corpus) -> str:
    return graph.network_graph(corpus, lambda actor: f"{actor}/")


def graph_makers(corpus: Corpus) -> dict[tuple[str, str], Callable[[], str]]:
    """The graphs of the actor pages and of the actors index, each made when called."""
    return {("network", ""): functools.partial(_network, corpus)} | {
        ("actor", actor_id): functools.partial(graph.actor_graph, corpus, actor_id, _sibling) for actor_id in corpus.actors}


class Shows(Protocol):
    """What a page shows of the corpus, declared beside the page for the build machinery, which
    renders a page again only when something it shows changed (`build.incremental.Inputs`)."""

    all_shapes: frozenset[str]  # the counts and order of every brief's items, not their words
    all_titles: frozenset[str]  # those, and every brief's title

    def entity(self, kind: str, item_id: str) -> frozenset[str]: ...  # an entity's page
    def actor(self, actor_id: str, item_ids: Iterable[str]) -> frozenset[str]: ...  # an actor's page listing these items, with its graph's neighbours
    def file(self, kind: str, item_id: str) -> frozenset[str]: ...  # one corpus file alone
    def briefs(self, brief_ids: Iterable[str]) -> frozenset[str]: ...  # the words of these briefs
    def items_of(self, item_ids: Iterable[str]) -> frozenset[str]: ...  # these items, as their references show them
    def listing(self, kind: str, item_id: str, item_ids: Iterable[str]) -> frozenset[str]: ...  # an entity's page listing these items
    def shapes_of(self, item_ids: Iterable[str]) -> frozenset[str]: ...  # the counts and order of these items' briefs


class _Undeclared:
    """`Shows` for a page list nobody tracks: every declaration empty."""

    all_shapes: frozenset[str] = frozenset()
    all_titles: frozenset[str] = frozenset()

    def entity(self, *_) -> frozenset[str]:
        return frozenset()

    actor = file = briefs = items_of = listing = shapes_of = entity


class _Wanted:
    """The pages a listing makes (`pages`' `only`): every page, or those at the paths given."""

    def __init__(self, only: Collection[str] | None):
        self.only = None if only is None else frozenset(only)

    def __call__(self, path: str) -> bool:
        return self.only is None or path in self.only

    def ids(self, ids: Iterable[str], folder: str, paged: bool = False) -> Iterable[str]:
        """Of these ids, those whose page `<folder>/<id>.md` is wanted, in the same order; `paged`: or one
        of its further pages, `<folder>/<id>/<n>.md`."""
        if self.only is None:
            return ids
        above = {p.rpartition("/")[0] for p in self.only} if paged else set()
        return [i for i in ids if f"{folder}/{i}.md" in self.only or f"{folder}/{i}" in above]

    def under(self, folder: str) -> bool:
        """Whether a page in `folder` (a path ending in `/`) is wanted."""
        return self.only is None or any(p.startswith(folder) for p in self.only)


def pages(corpus: Corpus, findings: Findings, settings: Settings, inputs: Shows | None = None,
          graphs: dict[tuple[str, str], Callable[[], str]] | None = None, only: Collection[str] | None = None) -> Iterator[Page]:
    """Every page, with its template, its context, and what it shows (`inputs`) as `inputs` declares it.
    `graphs` (`graph_makers`) may be replaced by the caller's, e.g. graphs kept from the last build.
    With `only`, the pages at those paths alone, in the same order and the same as in the whole list:
    nothing is worked out for the others (a preview after an edit renders a handful of pages)."""
    inputs = inputs or _Undeclared()
    graphs = graphs or graph_makers(corpus)
    want = _Wanted(only)
    listing = want("index.md") or want("briefs/index.md")  # the pages that list every brief
    briefs = _sorted_briefs(corpus, None if listing else want.ids(corpus.briefs, "briefs"))
    counted = inputs.all_shapes  # an index of entities and counts: every brief's shape, not its words
    if want("index.md"):
        latest = briefs[: settings.latest]
        yield Page("index.md", "home.md.j2", {"latest": latest, "counts": _counts(corpus)}, inputs.briefs(latest) | counted)
    if want("briefs/index.md"):
        yield Page("briefs/index.md", "briefs_index.md.j2", {"briefs": briefs}, inputs.all_titles)
    for brief_id in want.ids(briefs, "briefs"):
        brief = corpus.briefs[brief_id]
        history = corpus.history.briefs.get(brief_id) if corpus.history is not None else None
        yield Page(f"briefs/{brief_id}.md", "brief.md.j2", {"id": brief_id, "brief": brief, "history": history},
                   inputs.listing("brief", brief_id, _others_shown(corpus, brief_id)),
                   late={name: functools.partial(make, corpus, brief) for name, make in _BRIEF_LISTS})

    by_name = lambda table: sorted(table, key=lambda i: (table[i].name.lower(), i))  # noqa: E731
    network = graphs["network", ""]
    actor_ids = by_name(corpus.actors)
    if want("actors/index.md"):
        yield Page("actors/index.md", "actors_index.md.j2", {
            "by_kind": {k: [a for a in actor_ids if corpus.actors[a].kind == k] for k in vocab.ACTOR_KIND},
        }, counted, late={"network": network})
    for actor_id in want.ids(actor_ids, "actors", paged=True):
        actor = corpus.actors[actor_id]
        claims, analyses = newest_first(corpus, corpus.claims_by_actor.get(actor_id, [])), corpus.analyses_by_actor.get(actor_id, [])
        # a long list of claims goes on pages of its own; the actor's page lists the newest and maps them all
        pager, chunks = _paginate(claims, ACTOR_PAGE_SIZE, actor_id, f"{actor_id}/")
        paging = {"total": len(claims), "pager": pager, "per_page": ACTOR_PAGE_SIZE}
        if want(f"actors/{actor_id}.md"):
            # its context holds every claim (it maps them, and a project's own template may list them)
            yield Page(f"actors/{actor_id}.md", "actor.md.j2", {
                "id": actor_id,
                "actor": actor,
                "relations_out": [(vocab.RELATION[r.type].label, r) for r in actor.relations],
                "relations_in": [(vocab.RELATION[corpus.actors[h].relations[i].type].inverse, h, corpus.actors[h].relations[i]) for h, i in corpus.relations_in.get(actor_id, [])],
                "claims": claims,
                "page_claims": chunks[0] if chunks else [],
                **paging, "number": 1,
                "analyses": analyses,
                "sources": corpus.sources_by_actor.get(actor_id, []),
            }, inputs.actor(actor_id, [*claims, *analyses]), late={
                "graph": graphs["actor", actor_id],
                "search_terms": functools.partial(search_terms, all_names(actor)),
                "folded_names": functools.partial(folded_names, actor),
            })
        further = [(n, target, chunk) for (n, target), chunk in zip(pager[1:], chunks[1:]) if want(f"actors/{target}.md")]
        if further:
            shared = inputs.file("actor", actor_id) | inputs.shapes_of(claims)  # its name; the pager's count and order
        for n, target, chunk in further:
            yield Page(f"actors/{target}.md", "actor_claims.md.j2", {
                "id": actor_id, "actor": actor, "page_claims": chunk, **paging, "number": n,
            }, shared | inputs.items_of(chunk))

    source_ids = by_name(corpus.sources)
    if want("sources/index.md"):
        yield Page("sources/index.md", "sources_index.md.j2", {"sources": source_ids}, counted)
    for source_id in want.ids(source_ids, "sources"):
        listed = {k: by.get(source_id, []) for k, by in (("claims", corpus.claims_by_source), ("relayed", corpus.relayed_by_source),
                                                         ("analyses", corpus.analyses_by_source))}
        yield Page(f"sources/{source_id}.md", "source.md.j2", {
            "id": source_id,
            "source": corpus.sources[source_id],
            **listed,
        }, inputs.listing("source", source_id, [i for ids in listed.values() for i in ids]),
            late={"folded_names": functools.partial(folded_names, corpus.sources[source_id])})

    grades = {g: [s for s in source_ids if corpus.sources[s].reliability == g] for g in vocab.RELIABILITY}
    if want("reliability/index.md"):
        yield Page("reliability/index.md", "reliability_index.md.j2", {"grades": grades, "grid": findings.admiralty_grid}, counted)
    for grade, members in grades.items():
        cells = findings.admiralty_grid[grade]
        cell_shapes = {k: inputs.shapes_of(ids) for k, ids in cells.items()}  # a cell's pages show its claim count and pager
        if want(f"reliability/{grade.lower()}.md"):
            yield Page(f"reliability/{grade.lower()}.md", "reliability.md.j2", {
                "grade": grade, "sources": members, "cells": cells, "preview": GRADE_PREVIEW,
            }, frozenset().union(*cell_shapes.values(), *(inputs.items_of(ids[:GRADE_PREVIEW]) for ids in cells.values()))
               | frozenset().union(*(inputs.file("source", s) for s in members)))
        for k, ids in cells.items():
            code = f"{grade}{k}"
            pager, chunks = _paginate(ids, CODE_PAGE_SIZE, code.lower(), f"{code.lower()}/")
            for (n, target), chunk in zip(pager, chunks):
                if not want(f"reliability/{target}.md"):
                    continue
                yield Page(f"reliability/{target}.md", "reliability_code.md.j2", {
                    "grade": grade, "credibility": k, "code": code, "claims": chunk, "total": len(ids),
                    "pager": pager, "number": n, "per_page": CODE_PAGE_SIZE,
                }, cell_shapes[k] | inputs.items_of(chunk))

    if want("hypotheses/index.md"):
        yield Page("hypotheses/index.md", "questions_index.md.j2", {"matrices": findings.matrices}, counted)
    for question_id in want.ids(findings.matrices, "hypotheses"):
        matrix = findings.matrices[question_id]
        question = corpus.questions[question_id]
        history = findings.history[question_id]  # its dates and ratings: the files of the evidence, as the matrix's
        yield Page(f"hypotheses/{question_id}.md", "question.md.j2", {
            "id": question_id,
            "question": question,
            "matrix": matrix,
            "history": history,
            "judgments": [j for h in matrix.hypotheses for j in corpus.judgments_by_hypothesis.get(h, [])],
        }, inputs.entity("question", question_id), late={"history_chart": functools.partial(
            chart.history_chart, history, [s.id for s in matrix.ranking], {h.id: h.statement for h in question.hypotheses})})
    if want("schema/index.md"):
        yield Page("schema/index.md", "schema_index.md.j2", {"kinds": schema_kinds()}, frozenset())  # briefgen alone
    years = sorted(set(findings.occurred_by_year) | set(findings.reported_by_year), reverse=True)
    if want("timeline/index.md"):
        yield Page("timeline/index.md", "timeline.md.j2", {
            "years": years, "occurred": findings.occurred_by_year, "reported": findings.reported_by_year,
            "undated": len(corpus.claims) - len(findings.by_occurred),
        }, counted)
    for year in years:
        if not (want(f"timeline/{year}.md") or want.under(f"timeline/{year}/")):
            continue
        occurred, reported = findings.occurred_by_year.get(year, []), findings.reported_by_year.get(year, [])
        whole_year = {"year": year, "month": None, "period": str(year)}
        if max(len(occurred), len(reported)) <= TIMELINE_MONTHS_ABOVE:
            yield Page(f"timeline/{year}.md", "timeline_year.md.j2", {
                **whole_year, "by_occurred": occurred, "by_reported": reported, "months": [],
            }, inputs.items_of([*occurred, *reported]))
            continue
        # a long year: a page a month; claims dated only to the year (month 0) stay on the year's page
        occurred_in, reported_in = _by_month(corpus, occurred, "occurred"), _by_month(corpus, reported, "reported")
        months = sorted((set(occurred_in) | set(reported_in)) - {0})
        counts = [(m, vocab.MONTHS[m - 1], len(occurred_in.get(m, ())), len(reported_in.get(m, ()))) for m in months]
        shown = occurred_in.get(0, []), reported_in.get(0, [])
        if want(f"timeline/{year}.md"):
            yield Page(f"timeline/{year}.md", "timeline_year.md.j2", {
                **whole_year, "by_occurred": shown[0], "by_reported": shown[1], "months": counts,
            }, inputs.shapes_of([*occurred, *reported]) | inputs.items_of([*shown[0], *shown[1]]))  # the months' counts, the year's own claims
        for m in months:
            if not want(f"timeline/{year}/{m:02d}.md"):
                continue
            in_month = occurred_in.get(m, []), reported_in.get(m, [])
            yield Page(f"timeline/{year}/{m:02d}.md", "timeline_year.md.j2", {
                "year": year, "month": m, "period": f"{vocab.MONTHS[m - 1]} {year}", "by_occurred": in_month[0], "by_reported": in_month[1], "months": [],
            }, inputs.items_of([*in_month[0], *in_month[1]]))
    pairs = findings.contradictions
    counted_pairs = inputs.shapes_of(c for pair in pairs for c in pair)  # every page shows the count and the pager
    pager, chunks = _paginate(pairs, CONTRADICTIONS_PAGE_SIZE, "", "")
    for (n, target), chunk in zip(pager, chunks or [[]]):
        path = "contradictions.md" if n == 1 else f"contradictions/{n}.md"
        if not want(path):
            continue
        yield Page(path, "contradictions.md.j2", {
            "pairs": chunk, "total": len(pairs), "pager": pager, "number": n, "per_page": CONTRADICTIONS_PAGE_SIZE,
        }, counted_pairs | inputs.items_of(c for pair in chunk for c in pair))


def _by_month(corpus: Corpus, claim_ids: list[str], field: str) -> dict[int, list[str]]:
    """Claims of one year by the month of their `field` date (0: dated to the year only), each month in the given order."""
    out: dict[int, list[str]] = {}
    for c in claim_ids:
        out.setdefault(date_key(getattr(corpus.claims[c], field))[1], []).append(c)
    return out


def _others_shown(corpus: Corpus, brief_id: str) -> set[str]:
    """The claims and analyses of other briefs that a brief's page shows: those contradicting or
    corroborating its claims, and the basis of its judgments."""
    brief = corpus.briefs[brief_id]
    shown = {o for c in brief.claims for o in (*corpus.contradictions.get(c.id, ()), *corpus.corroborations.get(c.id, ()))}
    shown.update(b for j in brief.judgments for b in j.basis)
    return {i for i in shown if corpus.brief_of[i] != brief_id}


def _brief_actors(corpus: Corpus, brief) -> list[str]:
    """The actors a brief names, by name (its closing list); two of one name by id, as they come from a set."""
    return sorted({a for item in (*brief.claims, *brief.analyses) for a in item.actors}, key=lambda a: (corpus.actors[a].name.lower(), a))


def _brief_sources(corpus: Corpus, brief) -> list[str]:
    """The sources a brief cites, by name; two of one name by id."""
    return sorted(
        {s for c in brief.claims for s in (c.source, *c.via)} | {s for a in brief.analyses for s in (a.analyst, *a.via)},
        key=lambda s: (corpus.sources[s].name.lower(), s),
    )


def _brief_questions(corpus: Corpus, brief) -> list[str]:
    return sorted({corpus.question_of[h] for item in (*brief.claims, *brief.analyses) for h in item.assessments}
                  | {corpus.question_of[j.hypothesis] for j in brief.judgments if j.hypothesis})


_BRIEF_LISTS = (("actors", _brief_actors), ("sources", _brief_sources), ("questions", _brief_questions))
GRADE_PREVIEW = 10  # claims of each Admiralty code shown on a grade page
CODE_PAGE_SIZE = 500  # claims a page on the pages of one Admiralty code
ACTOR_PAGE_SIZE = 500  # claims a page on an actor's pages
CONTRADICTIONS_PAGE_SIZE = 500  # pairs a page on /contradictions/
TIMELINE_MONTHS_ABOVE = 500  # a year with more claims than this gets a page a month


def _paginate(items: list, size: int, first: str, prefix: str) -> tuple[list[tuple[int, str]], list[list]]:
    """Split a listing into pages: the pager [(number, link id)], page 1 at `first`, page n at `prefix`n; and the pages."""
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    pager = [(n, first if n == 1 else f"{prefix}{n}") for n in range(1, max(len(chunks), 1) + 1)]
    return pager, chunks


def _sibling(actor_id: str) -> str:
    return f"../{actor_id}/"


def schema_kinds() -> dict[str, str]:
    return {k: SCHEMA_WHERE[k] for k in SCHEMA_KINDS}


def _counts(corpus: Corpus) -> dict[str, int]:
    return {k: len(getattr(corpus, k)) for k in ("briefs", "claims", "analyses", "judgments", "actors", "sources", "questions")}


def static_files(project: Project) -> dict[str, Path]:
    """Hand-written pages and assets, by their path in the site: briefgen's own (`site_config/pages/`),
    and the project's `site_config/pages/`, whose file replaces briefgen's of the same name."""
    found: dict[str, Path] = {}
    for root in reversed(project.page_dirs):
        for p in sorted(root.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                found[p.relative_to(root).as_posix()] = p
    return dict(sorted(found.items()))


def evidence_files(project: Project, corpus: Corpus) -> list[tuple[str, Path]]:
    """The evidence files published items cite, each with its path in the site, the one it has under the
    project (`evidence/...`); those only withheld items cite stay out of it."""
    return [(path, project.root / path) for path in evidence.cited(corpus)]
