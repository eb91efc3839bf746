"""Stage 5: the published corpus and its analysis, through Jinja2 templates, to Markdown pages.

One template per page type, in the project's `templates/` folder. This module
decides which pages exist, at which paths, and what each template is given;
templates only format. Pages are written only when their bytes change, and
files that no page claims any more are removed, so an edit to one brief
touches only the pages it shows on.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import posixpath
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import jinja2

from generator.build import ahead
from generator.output import exports
from generator.output import graph
from generator.build import heap
from generator.build import incremental
from generator.output import markup
from generator.build import snapshot
from generator.format import vocab
from generator.build.cache import TemplateCache, code_folder
from generator.build.exports import data_exports
from generator.format.schema import KINDS as schema_kinds_, WHERE as schema_where
from generator.stages.analysis import Findings, date_key
from generator.config import Project, Settings
from generator.stages.corpus import Corpus
from generator.errors import ContentError, Problem
from generator.output.feed import atom_feed

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


@dataclass
class Page:
    path: str  # under the docs folder, e.g. "actors/isis.md"
    template: str
    context: dict[str, Any]
    inputs: frozenset[str] | None = incremental.EVERYTHING  # the corpus files it shows (see incremental)
    late: dict[str, Callable[[], Any]] = field(default_factory=dict)  # context computed only if the page is rendered


# --- formatting helpers given to templates ----------------------------------


def human_date(date: str | None) -> str:
    """`2023` -> 2023, `2023-08` -> August 2023, `2023-08-03` -> 3 August 2023."""
    if not date:
        return ""
    parts = date.split("-")
    if len(parts) == 1:
        return parts[0]
    month = MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def _badge(text: str, css: str, title: str) -> str:
    return f'<span class="bg-badge bg-{css}" title="{markup.attr(title)}">{markup.plain(text)}</span>'


@functools.lru_cache(maxsize=None)
def admiralty_badge(code: str) -> str:
    return _badge(code, "adm " + "bg-" + vocab.RELIABILITY[code[0]].css, f"{code}: {vocab.admiralty_title(code)}")


@functools.lru_cache(maxsize=None)
def reliability_badge(grade: str) -> str:
    t = vocab.RELIABILITY[grade]
    return _badge(grade, "adm bg-" + t.css, f"{grade}: {t.label} ({t.description})")


@functools.lru_cache(maxsize=None)
def credibility_badge(value: int) -> str:
    t = vocab.CREDIBILITY[str(value)]
    return _badge(str(value), "adm bg-" + t.css, f"{value}: {t.label} ({t.description})")


@functools.lru_cache(maxsize=None)
def likelihood_badge(code: str) -> str:
    t = vocab.LIKELIHOOD[code]
    return _badge(t.label, t.css, f"{t.label}: {t.description} probability")


@functools.lru_cache(maxsize=None)
def confidence_badge(code: str) -> str:
    t = vocab.CONFIDENCE[code]
    return _badge(t.label, t.css, f"{t.label}: {t.description}")


@functools.lru_cache(maxsize=None)
def tlp_badge(code: str) -> str:
    t = vocab.TLP[code]
    return _badge(t.label, t.css, t.description)


@functools.lru_cache(maxsize=None)
def rating_badge(code: str) -> str:
    t = vocab.RATING[code]
    return _badge(code, t.css, f"{code}: {t.label}")


@functools.lru_cache(maxsize=None)
def rating_cell(code: str, gap: bool = False) -> str:
    """A cell of an ACH evidence matrix: the rating, or a gap (a hypothesis the evidence does not rate)."""
    t = vocab.RATING[code]
    if gap:
        return f'<td class="bg-{t.css} bg-gap" title="{t.label} (gap: not rated)">gap</td>'
    return f'<td class="bg-{t.css}" title="{t.label}">{code}</td>'


class References:
    """One-line Markdown references to items and entities, shared by every page type.

    A reference reads the same on every page except for its relative link: each
    is formatted once, as the text around its link, and put together with the
    link once per folder it is linked from (pages show the same actors, sources
    and claims over and over: formatting them in template macros was a third of
    the render time, and formatting them again for each folder a sixth).
    """

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        # (kind, id) -> the text before the link, the linked page's folder, its file name and anchor, the text after
        self._parts: dict[tuple[str, str], tuple[str, str, str, str]] = {}
        self._cache: dict[tuple[str, str, str], str] = {}  # (kind, id, folder) -> the reference

    def globals(self) -> dict[str, Any]:
        def bind(kind: str):
            @jinja2.pass_context
            def ref(ctx, item_id: str) -> str:
                here = ctx["page_dir"]
                key = (kind, item_id, here)
                text = self._cache.get(key)
                if text is None:
                    text = self._cache[key] = self.reference(kind, item_id, here)
                return text
            return ref

        names = ("claim", "analysis", "evidence", "actor", "source", "hypothesis", "brief")
        return {f"{name}_ref": bind(name) for name in names} | {"marking": marking}

    def reference(self, kind: str, item_id: str, here: str) -> str:
        """The reference to an item of `kind` from a page in the folder `here`."""
        parts = self._parts.get((kind, item_id))
        if parts is None:
            parts = self._parts[kind, item_id] = self._formatted(kind, item_id)
        before, folder, name, after = parts
        return f"{before}({_folder_link(folder, here)}{name}){after}"

    def formatted_all(self) -> References:
        """Every published item's and entity's reference parts formatted now (before workers fork); itself."""
        c = self.corpus
        for kind, table in (("claim", c.claims), ("analysis", c.analyses), ("actor", c.actors), ("source", c.sources),
                            ("hypothesis", c.hypotheses), ("brief", c.briefs)):
            for item_id in table:
                parts = self._parts[kind, item_id] = self._formatted(kind, item_id)
                if kind in ("claim", "analysis"):
                    self._parts["evidence", item_id] = parts
        return self

    def _formatted(self, kind: str, item_id: str) -> tuple[str, str, str, str]:
        """A reference's parts that are the same from every folder (`link_from`'s link, split at its folder)."""
        before, link_kind, after = getattr(self, kind)(item_id)
        return before, *_target(self.corpus, link_kind, item_id), after

    # each: the text before the link, the kind of page linked to, the text after the link
    def claim(self, claim_id: str) -> tuple[str, str, str]:
        c = self.corpus.claims[claim_id]
        return (f"{admiralty_badge(self.corpus.admiralty(c))} [{markup.plain(c.statement)}]", "claim",
                f" — {markup.plain(self.corpus.sources[c.source].name)}, {human_date(c.reported)}")

    def analysis(self, analysis_id: str) -> tuple[str, str, str]:
        a = self.corpus.analyses[analysis_id]
        analyst = self.corpus.sources[a.analyst]
        date = f", {human_date(a.date)}" if a.date else ""
        return (f"{admiralty_badge(analyst.reliability + str(a.credibility))} [{markup.plain(a.title)}]", "analysis",
                f" — {markup.plain(analyst.name)}{date}")

    def evidence(self, item_id: str) -> tuple[str, str, str]:
        return self.claim(item_id) if item_id in self.corpus.claims else self.analysis(item_id)

    def actor(self, actor_id: str) -> tuple[str, str, str]:
        return f"[{markup.plain(self.corpus.actors[actor_id].name)}]", "actor", ""

    def source(self, source_id: str) -> tuple[str, str, str]:
        s = self.corpus.sources[source_id]
        return f"[{markup.plain(s.name)}]", "source", f" {reliability_badge(s.reliability)}"

    def hypothesis(self, hypothesis_id: str) -> tuple[str, str, str]:
        return f"[{markup.plain(self.corpus.hypotheses[hypothesis_id].statement)}]", "hypothesis", ""

    def brief(self, brief_id: str) -> tuple[str, str, str]:
        return f"[{markup.plain(self.corpus.briefs[brief_id].title)}]", "brief", ""


def marking(tlp: str) -> str:
    """The TLP marking paragraph at the top of a page."""
    return f'<p class="bg-marking">{tlp_badge(tlp)}</p>'


def fold(text: str) -> str:
    """`Erdoğan` -> `Erdogan`: letters without their diacritics, for search."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ı", "i").replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_terms(names: list[str]) -> list[str]:
    """Spellings a reader might type that differ from the written ones."""
    seen = {n.lower() for n in names}
    out = []
    for name in names:
        variants = [fold(name)]
        for article in ("al-", "el-", "Al-", "El-", "ad-", "as-", "an-", "at-"):
            variants += [v.replace(article, "") for v in list(variants) if article in v]
        variants += [v.replace("-", " ") for v in list(variants) if "-" in v]
        for v in variants:
            if v.lower() not in seen:
                seen.add(v.lower())
                out.append(v)
    return out


def _front_matter(**fields) -> str:
    """A page's front matter, its author texts escaped for where mkdocs-material prints them as they are.

    A `title` is HTML to mkdocs and the theme (as a title mkdocs takes from a
    heading is), printed in `<title>`, the header and the navigation: quotes
    need no escape there. The other texts (`description`) land in
    double-quoted attributes. The one place the theme escapes a page title
    itself, the aria-label of the footer's previous and next links
    (`navigation.footer`, not enabled here), escapes mkdocs' own titles twice alike.
    """
    lines = [f"{k}: {json.dumps(_theme_text(k, v), ensure_ascii=False)}" for k, v in fields.items() if v is not None]
    return "---\n" + "\n".join(lines) + "\n---\n"


def _theme_text(key: str, value: Any) -> Any:
    if isinstance(value, str):
        return markup.html_text(value) if key == "title" else markup.html_text_or_attr(value)
    if isinstance(value, list):
        return [_theme_text(key, v) for v in value]
    return value


def _steps(target: str, here_dir: str) -> list[str]:
    """The path steps from the folder `here_dir` to `target`, both inside the docs folder: `..` and names."""
    t = [p for p in target.split("/") if p and p != "."]
    h = [p for p in here_dir.split("/") if p and p != "."]
    common = 0
    while common < len(t) and common < len(h) and t[common] == h[common]:
        common += 1
    return [".."] * (len(h) - common) + t[common:]


@functools.lru_cache(maxsize=65536)
def _relative(target: str, here_dir: str) -> str:
    """`posixpath.relpath` for clean relative paths inside the docs folder, without touching the disk."""
    return "/".join(_steps(target, here_dir)) or "."


@functools.lru_cache(maxsize=4096)
def _folder_link(folder: str, here_dir: str) -> str:
    """What goes before the name of a file in `folder` to link to it from a page in `here_dir`
    (`../briefs/`, or nothing): `_relative` of a file there, for a name no folder has (a file name
    has an extension), a lookup per folder pair instead of per file (300,000 links a page worker)."""
    return "".join(step + "/" for step in _steps(folder, here_dir))


_ANCHORED = ("claim", "analysis", "judgment", "hypothesis")  # linked as an anchor on their page


def _target(corpus: Corpus, kind: str, item_id: str = "", anchor: str | None = None) -> tuple[str, str]:
    """The folder of the page linked to, and its file name with the anchor."""
    folder, _, name = target_path(corpus, kind, item_id).rpartition("/")
    if kind in _ANCHORED:
        anchor = item_id
    return folder, name + (f"#{anchor}" if anchor else "")


def link_from(corpus: Corpus, here_dir: str, kind: str, item_id: str = "", anchor: str | None = None) -> str:
    """Relative link from a page in folder `here_dir` of the docs to another page."""
    folder, name = _target(corpus, kind, item_id, anchor)
    return _folder_link(folder, here_dir) + name


@jinja2.pass_context
def _link(ctx, kind: str, item_id: str = "", anchor: str | None = None) -> str:
    """Relative link from the page being rendered to another page."""
    return link_from(ctx["corpus"], ctx["page_dir"], kind, item_id, anchor)


def _page_url(path: str) -> str:
    """The URL folder of a docs file under mkdocs' directory URLs: `a/b.md` -> `a/b/`, `a/index.md` -> `a/`."""
    if not path.endswith(".md"):
        return path
    stem = path[: -len(".md")]
    if stem == "index" or stem.endswith("/index"):
        stem = stem[: -len("index")]
    else:
        stem += "/"
    return stem


@jinja2.pass_context
def _href(ctx, kind: str, item_id: str = "", anchor: str | None = None) -> str:
    """Like `link`, for raw HTML, which mkdocs does not rewrite: the final relative URL."""
    target = _page_url(target_path(ctx["corpus"], kind, item_id))
    here = _page_url(ctx["page_path"])
    here_dir = here if here.endswith("/") else posixpath.dirname(here) + "/"
    rel = _relative(target.rstrip("/") or ".", here_dir.rstrip("/"))
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    if kind in _ANCHORED:
        anchor = item_id
    return rel + (f"#{anchor}" if anchor else "")


def target_path(corpus: Corpus, kind: str, item_id: str = "") -> str:
    if kind in ("claim", "analysis", "judgment"):
        return f"briefs/{corpus.brief_of[item_id]}.md"
    if kind == "hypothesis":
        return f"hypotheses/{corpus.question_of[item_id]}.md"
    if kind == "evidence":
        return target_path(corpus, "claim" if item_id in corpus.claims else "analysis", item_id)
    if kind == "question":
        return f"hypotheses/{item_id}.md" if item_id else "hypotheses/index.md"
    if kind == "reliability":
        return f"reliability/{item_id.lower()}.md" if item_id else "reliability/index.md"
    if kind == "code":  # "c3", or "c3/2" for its second page
        return f"reliability/{item_id.lower()}.md"
    if kind == "csv":
        return exports.ach_csv_path(item_id)
    if kind == "data":
        return f"data/{item_id}"
    if kind == "schema":
        return f"schema/{item_id}.schema.json" if item_id else "schema/index.md"
    if kind in ("home", ""):
        return "index.md"
    if kind == "timeline":
        return f"timeline/{item_id}.md" if item_id else "timeline/index.md"
    if kind == "contradictions" and item_id:  # "2" for its second page
        return f"contradictions/{item_id}.md"
    if kind in ("contradictions", "methodology"):
        return f"{kind}.md"
    section = {"brief": "briefs", "actor": "actors", "source": "sources"}[kind]
    return f"{section}/{item_id}.md" if item_id else f"{section}/index.md"


def environment(project: Project) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(project.templates)),
        bytecode_cache=_template_cache(project),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # output is Markdown; every field goes through a markup filter
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # an environment lives for one build: no template file is checked again for each page
    )
    env.filters.update(
        md=markup.md_block,
        md_inline=markup.md_inline,
        text=markup.plain,
        attr=markup.attr,
        date=human_date,
        admiralty=admiralty_badge,
        reliability=reliability_badge,
        credibility=credibility_badge,
        likelihood=likelihood_badge,
        confidence=confidence_badge,
        tlp=tlp_badge,
        rating=rating_badge,
        rating_cell=rating_cell,
        num2=lambda x: f"{x:.2f}",
    )
    env.globals.update(link=_link, href=_href, front_matter=_front_matter, vocab=vocab.vocabularies(), admiralty_title=vocab.admiralty_title)
    return env


def _template_cache(project: Project) -> jinja2.BytecodeCache:
    """Compiled templates kept in the build cache, keyed by each template's source (Jinja2 checks it)
    and by briefgen's code (the environment's options live there), sealed (compiled code read back
    damaged is compiled again): every worker and every build after the first skips compiling."""
    return TemplateCache(str(code_folder(project.cache / "templates")))


# --- which pages exist -------------------------------------------------------


def _sorted_briefs(corpus: Corpus) -> list[str]:
    return sorted(corpus.briefs, key=lambda b: (tuple(-x for x in date_key(corpus.briefs[b].published)), b))


def _network(corpus: Corpus) -> str:
    return graph.network_graph(corpus, lambda actor: f"{actor}/")


def _graphs(corpus: Corpus) -> dict[tuple[str, str], Callable[[], str]]:
    """The graphs of the actor pages and of the actors index, each made when called."""
    return {("network", ""): functools.partial(_network, corpus)} | {
        ("actor", actor_id): functools.partial(graph.actor_graph, corpus, actor_id, _sibling) for actor_id in corpus.actors}


def draw_ahead(project: Project, corpus: Corpus) -> ahead.Ahead | None:
    """The graphs drawn in a forked child while this process analyses (`ahead`), for a first
    build of a large corpus: a later one renders few actor pages, and keeps the network graph."""
    if len(corpus.briefs) < PARALLEL_MIN_PAGES or incremental.manifest_path(project.docs).exists():
        return None
    return ahead.Ahead.start(project.cache, _graphs(corpus))


def pages(corpus: Corpus, findings: Findings, settings: Settings, inputs: incremental.Inputs | None = None,
          cache: Path | None = None, salt: str = "", drawn: ahead.Ahead | None = None) -> Iterator[Page]:
    """Every page, with its template, context and inputs. With a `cache` folder,
    the network graph (which depends on the actors only) is kept between builds;
    with graphs `drawn` ahead, the pages take theirs."""
    inputs = inputs or incremental.Inputs(corpus)
    graphs = _graphs(corpus)
    if drawn is not None:
        graphs = {key: functools.partial(drawn.get, key, make) for key, make in graphs.items()}
    briefs = _sorted_briefs(corpus)
    counted = inputs.all_shapes  # an index of entities and counts: every brief's shape, not its words
    latest = briefs[: settings.latest]
    yield Page("index.md", "home.md.j2", {"latest": latest, "counts": _counts(corpus)}, inputs.briefs(latest) | counted)
    yield Page("briefs/index.md", "briefs_index.md.j2", {"briefs": briefs})
    for brief_id in briefs:
        brief = corpus.briefs[brief_id]
        yield Page(f"briefs/{brief_id}.md", "brief.md.j2", {"id": brief_id, "brief": brief}, inputs.entity("brief", brief_id),
                   late={name: functools.partial(make, corpus, brief) for name, make in _BRIEF_LISTS})

    by_name = lambda table: sorted(table, key=lambda i: (table[i].name.lower(), i))  # noqa: E731
    network = graphs["network", ""]
    actor_ids = by_name(corpus.actors)
    yield Page("actors/index.md", "actors_index.md.j2", {
        "by_kind": {k: [a for a in actor_ids if corpus.actors[a].kind == k] for k in vocab.ACTOR_KIND},
    }, counted, late={"network": lambda: network() if cache is None else incremental.memo(cache, "network-graph", salt, inputs, inputs.of("actor"), network)})
    for actor_id in actor_ids:
        actor = corpus.actors[actor_id]
        yield Page(f"actors/{actor_id}.md", "actor.md.j2", {
            "id": actor_id,
            "actor": actor,
            "relations_out": [(vocab.RELATION[r.type].label, r) for r in actor.relations],
            "relations_in": [(vocab.RELATION[corpus.actors[h].relations[i].type].inverse, h, corpus.actors[h].relations[i]) for h, i in corpus.relations_in.get(actor_id, [])],
            "claims": corpus.claims_by_actor.get(actor_id, []),
            "analyses": corpus.analyses_by_actor.get(actor_id, []),
            "sources": corpus.sources_by_actor.get(actor_id, []),
        }, inputs.actor(actor_id), late={
            "graph": graphs["actor", actor_id],
            "search_terms": functools.partial(search_terms, [actor.name, *actor.aliases]),
        })

    source_ids = by_name(corpus.sources)
    yield Page("sources/index.md", "sources_index.md.j2", {"sources": source_ids}, counted)
    for source_id in source_ids:
        yield Page(f"sources/{source_id}.md", "source.md.j2", {
            "id": source_id,
            "source": corpus.sources[source_id],
            "claims": corpus.claims_by_source.get(source_id, []),
            "relayed": corpus.relayed_by_source.get(source_id, []),
            "analyses": corpus.analyses_by_source.get(source_id, []),
        }, inputs.entity("source", source_id))

    grades = {g: [s for s in source_ids if corpus.sources[s].reliability == g] for g in vocab.RELIABILITY}
    yield Page("reliability/index.md", "reliability_index.md.j2", {"grades": grades, "grid": findings.admiralty_grid}, counted)
    for grade, members in grades.items():
        cells = findings.admiralty_grid[grade]
        cell_shapes = {k: inputs.shapes_of(ids) for k, ids in cells.items()}  # a cell's pages show its claim count and pager
        yield Page(f"reliability/{grade.lower()}.md", "reliability.md.j2", {
            "grade": grade, "sources": members, "cells": cells, "preview": GRADE_PREVIEW,
        }, frozenset().union(*cell_shapes.values(), *(inputs.briefs_of(ids[:GRADE_PREVIEW]) for ids in cells.values()))
           | {incremental.key("source", s) for s in members})
        for k, ids in cells.items():
            code = f"{grade}{k}"
            pager, chunks = _paginate(ids, CODE_PAGE_SIZE, code.lower(), f"{code.lower()}/")
            for (n, target), chunk in zip(pager, chunks):
                yield Page(f"reliability/{target}.md", "reliability_code.md.j2", {
                    "grade": grade, "credibility": k, "code": code, "claims": chunk, "total": len(ids),
                    "pager": pager, "number": n, "per_page": CODE_PAGE_SIZE,
                }, cell_shapes[k] | inputs.briefs_of(chunk))

    yield Page("hypotheses/index.md", "questions_index.md.j2", {"matrices": findings.matrices}, counted)
    for question_id, matrix in findings.matrices.items():
        yield Page(f"hypotheses/{question_id}.md", "question.md.j2", {
            "id": question_id,
            "question": corpus.questions[question_id],
            "matrix": matrix,
            "judgments": [j for h in matrix.hypotheses for j in corpus.judgments_by_hypothesis.get(h, [])],
        }, inputs.entity("question", question_id))
    yield Page("schema/index.md", "schema_index.md.j2", {"kinds": schema_kinds()}, frozenset())  # briefgen alone
    years = sorted(set(findings.occurred_by_year) | set(findings.reported_by_year), reverse=True)
    yield Page("timeline/index.md", "timeline.md.j2", {
        "years": years, "occurred": findings.occurred_by_year, "reported": findings.reported_by_year,
        "undated": len(corpus.claims) - len(findings.by_occurred),
    }, counted)
    for year in years:
        occurred, reported = findings.occurred_by_year.get(year, []), findings.reported_by_year.get(year, [])
        whole_year = {"year": year, "month": None, "period": str(year)}
        if max(len(occurred), len(reported)) <= TIMELINE_MONTHS_ABOVE:
            yield Page(f"timeline/{year}.md", "timeline_year.md.j2", {
                **whole_year, "by_occurred": occurred, "by_reported": reported, "months": [],
            }, inputs.briefs_of([*occurred, *reported]))
            continue
        # a long year: a page a month; claims dated only to the year (month 0) stay on the year's page
        occurred_in, reported_in = _by_month(corpus, occurred, "occurred"), _by_month(corpus, reported, "reported")
        months = sorted((set(occurred_in) | set(reported_in)) - {0})
        counts = [(m, MONTHS[m - 1], len(occurred_in.get(m, ())), len(reported_in.get(m, ()))) for m in months]
        shown = occurred_in.get(0, []), reported_in.get(0, [])
        yield Page(f"timeline/{year}.md", "timeline_year.md.j2", {
            **whole_year, "by_occurred": shown[0], "by_reported": shown[1], "months": counts,
        }, inputs.shapes_of([*occurred, *reported]) | inputs.briefs_of([*shown[0], *shown[1]]))  # the months' counts, the year's own claims
        for m in months:
            in_month = occurred_in.get(m, []), reported_in.get(m, [])
            yield Page(f"timeline/{year}/{m:02d}.md", "timeline_year.md.j2", {
                "year": year, "month": m, "period": f"{MONTHS[m - 1]} {year}", "by_occurred": in_month[0], "by_reported": in_month[1], "months": [],
            }, inputs.briefs_of([*in_month[0], *in_month[1]]))
    pairs = findings.contradictions
    counted_pairs = inputs.shapes_of(c for pair in pairs for c in pair)  # every page shows the count and the pager
    pager, chunks = _paginate(pairs, CONTRADICTIONS_PAGE_SIZE, "", "")
    for (n, target), chunk in zip(pager, chunks or [[]]):
        yield Page("contradictions.md" if n == 1 else f"contradictions/{n}.md", "contradictions.md.j2", {
            "pairs": chunk, "total": len(pairs), "pager": pager, "number": n, "per_page": CONTRADICTIONS_PAGE_SIZE,
        }, counted_pairs | inputs.briefs_of(c for pair in chunk for c in pair))


def _by_month(corpus: Corpus, claim_ids: list[str], field: str) -> dict[int, list[str]]:
    """Claims of one year by the month of their `field` date (0: dated to the year only), each month in the given order."""
    out: dict[int, list[str]] = {}
    for c in claim_ids:
        out.setdefault(date_key(getattr(corpus.claims[c], field))[1], []).append(c)
    return out


def _brief_actors(corpus: Corpus, brief) -> list[str]:
    """The actors a brief names, by name (its closing list)."""
    return sorted({a for item in (*brief.claims, *brief.analyses) for a in item.actors}, key=lambda a: corpus.actors[a].name.lower())


def _brief_sources(corpus: Corpus, brief) -> list[str]:
    return sorted(
        {s for c in brief.claims for s in (c.source, *c.via)} | {s for a in brief.analyses for s in (a.analyst, *a.via)},
        key=lambda s: corpus.sources[s].name.lower(),
    )


def _brief_questions(corpus: Corpus, brief) -> list[str]:
    return sorted({corpus.question_of[h] for item in (*brief.claims, *brief.analyses) for h in item.assessments}
                  | {corpus.question_of[j.hypothesis] for j in brief.judgments if j.hypothesis})


_BRIEF_LISTS = (("actors", _brief_actors), ("sources", _brief_sources), ("questions", _brief_questions))
GRADE_PREVIEW = 10  # claims of each Admiralty code shown on a grade page
CODE_PAGE_SIZE = 500  # claims a page on the pages of one Admiralty code
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
    return {k: schema_where[k] for k in schema_kinds_}


def _counts(corpus: Corpus) -> dict[str, int]:
    return {k: len(getattr(corpus, k)) for k in ("briefs", "claims", "analyses", "judgments", "actors", "sources", "questions")}


# --- writing -----------------------------------------------------------------


def _write(path: Path, content: str | bytes | Iterable[bytes | incremental.Span]) -> bool:
    """Write only if the bytes differ; True when the file changed.

    Content in UTF-8 pieces (the corpus-wide exports, hundreds of MB) is streamed
    to a temporary file, compared with the old one and renamed over it if it differs.
    """
    if not isinstance(content, (str, bytes)):  # pieces: bytes, or spans of the file being replaced
        replaced = incremental.write_atomic(path, lambda out: incremental.write_pieces(out, content, same_as=str(path)), unless_same=True,
                                            spare=getattr(content, "spare", None))
        if hasattr(content, "written"):  # the file's layout is kept for the next time (linefile)
            content.written(path, replaced)
        return replaced
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


@dataclass
class RenderResult:
    written: list[str]  # files whose bytes changed
    unchanged: int  # files rendered again with the same bytes
    removed: list[str]  # files no page claims any more
    rendered: list[str] = field(default_factory=list)  # pages and data exports rendered (the others were fresh)
    skipped: int = 0  # pages and data exports whose inputs did not change


PARALLEL_MIN_PAGES = 400  # below this, starting worker processes costs more than it saves
PARALLEL_MIN_BYTES = 5_000_000  # or this much Markdown last time (about 0.4 s of rendering)
_JOB: tuple | None = None  # what forked workers render: (project, pages, common, data exports, references)


def _page_environment(project: Project, common: dict, references: References | None = None) -> jinja2.Environment:
    env = environment(project)
    env.globals.update((references or References(common["corpus"])).globals())
    return env


def _render_chunk(project: Project, page_list: list[Page], common: dict, env: jinja2.Environment | None = None) -> tuple[list[str], int]:
    """Render and write some pages; the paths written and the count left unchanged."""
    own = env is None
    env = env or _page_environment(project, common)
    try:
        return _render_pages(project, page_list, common, env)
    finally:
        if own:  # the environment is a reference cycle holding the corpus: it would live until the collector ran
            env.globals.clear()


def _render_pages(project: Project, page_list: list[Page], common: dict, env: jinja2.Environment) -> tuple[list[str], int]:
    written, unchanged = [], 0
    for page in page_list:
        try:
            late = {name: make() for name, make in page.late.items()}
            text = env.get_template(page.template).render(**common, **page.context, **late, page_path=page.path,
                                                                page_dir=posixpath.dirname(page.path))
        except jinja2.TemplateError as e:
            raise ContentError([_template_problem(project, page, e)]) from None
        if _write(project.docs / page.path, text):
            written.append(page.path)
        else:
            unchanged += 1
    return written, unchanged


_WORKER_ENV: jinja2.Environment | None = None  # a page worker's environment, kept for all its chunks


def _chunk_job(start: int, stop: int) -> tuple[list[str], int]:
    global _WORKER_ENV
    project, page_list, common, _, references = _JOB
    if _WORKER_ENV is None:  # once per worker: its references are formatted once for all its chunks
        _WORKER_ENV = _page_environment(project, common, references)
    return _render_chunk(project, page_list[start:stop], common, _WORKER_ENV)


def _chunks(total: int, workers: int, smallest: int = 16) -> list[tuple[int, int]]:
    """Split `total` pages into chunks that shrink as the work runs out (guided scheduling):
    each takes a share of what is left, so the last ones are small and no worker
    finishes long after the others (pages differ in cost a hundredfold)."""
    out, start = [], 0
    while start < total:
        size = max(smallest, (total - start) // (workers * 3))
        out.append((start, min(total, start + size)))
        start += size
    return out


@heap.bulk()  # the corpus-wide exports hold every brief's lines (hundreds of thousands of objects) at once
def _write_data(docs: Path, data: dict[str, tuple], only: set[str]) -> tuple[list[str], int]:
    """Make and write the data exports in `only` (`data`: `exports.data_exports`); the paths written and the count left unchanged."""
    written, unchanged = [], 0
    for rel in sorted(only):
        if _write(docs / rel, data[rel][1]()):
            written.append(rel)
        else:
            unchanged += 1
    return written, unchanged


def _data_job(only: set[str]) -> tuple[list[str], int]:
    project, _, _, data, _ = _JOB
    return _write_data(project.docs, data, only)


def _list_pages(corpus: Corpus, findings: Findings, settings: Settings, inputs: incremental.Inputs, cache: Path, salt: str,
                fingerprints: dict[str, str], kept: snapshot.Snapshot | None = None,
                drawn: ahead.Ahead | None = None) -> tuple[list[Page], dict, bool]:
    """Every page, each with its fingerprint put in `fingerprints`; the pages' state for a
    snapshot (`Snapshot.pages`: path -> fingerprint, tally of its inputs, its inputs or the
    briefs among them); and whether the inputs were declared afresh.

    Resumed from a snapshot taken with the same salt (`kept`), the pages are listed
    without declaring their inputs: a page whose inputs held an edited file has its
    tally updated for the files' new tokens and is fingerprinted again; the others
    keep the snapshot's fingerprint. If the pages listed are not the snapshot's,
    they are declared afresh.
    """
    if kept is not None and kept.salt == salt:
        listed = list(pages(corpus, findings, settings, incremental.Undeclared(inputs), cache, salt))
        if len(listed) == len(kept.pages) and all(p.path in kept.pages for p in listed):
            state = {}
            for p in listed:
                fp, tally, briefs = kept.pages[p.path]
                if tally is None:  # draws on everything
                    fp = inputs.fingerprint_of(salt, p.path, None)
                elif hit := [k for k in kept.edited if k in briefs]:
                    xor = tally[1]
                    for k in hit:
                        xor ^= kept.edited[k] ^ inputs.token[k]
                    tally = (tally[0], xor)
                    fp = inputs.fingerprint_of(salt, p.path, tally)
                fingerprints[p.path] = fp
                state[p.path] = (fp, tally, briefs)
            return listed, state, False
    listed = list(pages(corpus, findings, settings, inputs, cache, salt, drawn))
    state = {}
    for p in listed:
        tally = inputs.tally(p.inputs)
        fingerprints[p.path] = fp = inputs.fingerprint_of(salt, p.path, tally)
        state[p.path] = (fp, tally, p.inputs)
    return listed, state, True


@heap.frozen()  # the corpus and the findings, made before, live through the render
def render(project: Project, corpus: Corpus, findings: Findings, settings: Settings, workers: int | None = None,
           state: snapshot.Snapshot | None = None, drawn: ahead.Ahead | None = None) -> RenderResult:
    """Write every page, static file and data export into the docs folder.

    Only pages whose inputs changed since the last render are rendered again
    (see `incremental`). Large jobs run on every core: forked workers share
    the corpus; the data exports of a large corpus start first, in a worker of
    their own, while this process lists the pages and workers render them.

    With a `state` (`snapshot`): resumed from the last build's, its files' links and
    its pages' inputs are used as they are; a new one (no `inputs` yet) is completed
    with them once the pages are listed and saved, in a forked child, while the
    pages render. Graphs `drawn` ahead (`draw_ahead`) are taken from there.
    """
    global _JOB
    resumed = state if state is not None and state.inputs is not None else None
    with heap.bulk():  # long-lived tables over the whole corpus: no collections while they grow
        inputs = resumed.inputs if resumed else incremental.Inputs(corpus, project.cache)
        data = data_exports(corpus, findings, inputs, project.cache, project.docs)
        inputs.export_keys()
    highest = corpus.highest_tlp()
    salt = incremental.salt(project, settings, corpus.policy, highest)
    common = {"corpus": corpus, "findings": findings, "settings": settings, "highest_tlp": highest}
    workers = workers or os.cpu_count() or 1
    fork = workers > 1 and "fork" in multiprocessing.get_all_start_methods()
    others: dict[str, str | bytes] = {"feed.xml": atom_feed(corpus, settings)}
    for extra in _static_files(project):
        others[extra.relative_to(project.site_config / "pages").as_posix()] = extra.read_bytes()

    # what changed since the last render: the data exports first
    manifest = incremental.Manifest(project.docs)
    fingerprints = {rel: inputs.fingerprint(salt, rel, spec) for rel, (spec, _) in data.items()}
    need_data = {rel for rel in data if not manifest.fresh(rel, fingerprints[rel])}
    # the longest jobs: each corpus-wide export (STIX, corpus.json) on its own, the small ones together
    whole = [{rel} for rel in sorted(need_data) if data[rel][0] is incremental.EVERYTHING]
    data_jobs = [only for only in [*whole, need_data.difference(*whole)] if only]

    saving = None  # the child saving the snapshot
    try:
        with heap.frozen(), ExitStack() as pools:  # frozen again: the inputs and exports too, before workers fork
            # a large corpus's exports start at once in a worker of their own, and run while
            # this process lists the pages and renders them (the exports cost about a page a brief);
            # resumed from a snapshot, few pages are rendered again: each export gets a worker, on every core
            data_parts = None
            if fork and data_jobs and len(corpus.briefs) >= PARALLEL_MIN_PAGES:
                _JOB = (project, [], common, data, None)
                data_workers = min(len(data_jobs), workers) if resumed else 1
                data_pool = pools.enter_context(ProcessPoolExecutor(max_workers=data_workers, mp_context=multiprocessing.get_context("fork")))
                data_parts = [data_pool.submit(_data_job, only) for only in data_jobs]

            with heap.bulk():
                all_pages, pages_state, declared = _list_pages(corpus, findings, settings, inputs, project.cache, salt, fingerprints, resumed, drawn)
            # the state to resume from next time, saved while the pages render: after a full listing,
            # or once many briefs were edited since the snapshot (each resumed build patches them all in)
            if state is not None and (declared or len(state.edited) >= snapshot.REFRESH_AFTER):
                state.inputs, state.salt, state.pages = inputs, salt, pages_state
                saving = snapshot.write_in_background(state, project.cache)
            page_list = [p for p in all_pages if not manifest.fresh(p.path, fingerprints[p.path])]

            # many pages, or a few large ones (after an edit: the listings, each hundreds of KB at 10,000 briefs);
            # but resumed from a snapshot, the exports' workers have both cores and a few pages render here
            if fork and (len(page_list) >= PARALLEL_MIN_PAGES
                         or (not resumed and sum(manifest.size(p.path) for p in page_list) >= PARALLEL_MIN_BYTES)):
                # most pages: each reference's parts formatted here once, not in every worker (1.7 s each at 10,000 briefs)
                references = References(corpus).formatted_all() if 2 * len(page_list) >= len(all_pages) else None
                _JOB = (project, page_list, common, data, references)  # what the page workers, forked from here on, see
                pool = pools.enter_context(ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")))
                parts = [pool.submit(_chunk_job, start, stop) for start, stop in _chunks(len(page_list), workers)]
                results = [f.result() for f in parts]
            else:
                results = [_render_chunk(project, page_list, common)]
            if data_parts is None:
                results.append(_write_data(project.docs, data, need_data))
            else:
                results += [f.result() for f in data_parts]
    finally:
        _JOB = None
        snapshot.wait(saving)

    written = [path for w, _ in results for path in w]
    unchanged = sum(u for _, u in results)
    for rel, content in others.items():
        if _write(project.docs / rel, content):
            written.append(rel)
        else:
            unchanged += 1
    expected = {p.path for p in all_pages} | set(others) | set(data)
    removed = _prune(project.docs, expected)
    for p in page_list:
        manifest.record(p.path, fingerprints[p.path])
    for rel in need_data:
        manifest.record(rel, fingerprints[rel])
    manifest.save(keep=set(fingerprints))
    rendered = sorted([p.path for p in page_list] + list(need_data))
    return RenderResult(sorted(written), unchanged, removed, rendered, len(all_pages) + len(data) - len(rendered))


def _prune(docs: Path, expected: set[str]) -> list[str]:
    """Remove the files under `docs` that no page claims any more, then the folders left empty;
    the paths removed, in reverse order. Walked with `os.scandir` and string paths (pathlib's
    rglob took half a second over 14,000 files)."""
    removed: list[str] = []

    def walk(folder: str, prefix: str) -> bool:  # whether the folder is empty afterwards
        empty = True
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if walk(entry.path, rel + "/"):
                        os.rmdir(entry.path)
                    else:
                        empty = False
                elif rel in expected:
                    empty = False
                else:
                    os.unlink(entry.path)
                    removed.append(rel)
        return empty

    if docs.is_dir():
        walk(str(docs), "")
    return sorted(removed, reverse=True)


def _template_problem(project: Project, page: Page, error: jinja2.TemplateError) -> Problem:
    """Point at the template line that failed (Jinja2 keeps it in the traceback)."""
    where, line = project.templates / page.template, getattr(error, "lineno", None) or 1
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):
            where, line = Path(tb.tb_frame.f_code.co_filename), tb.tb_lineno
        tb = tb.tb_next
    try:
        shown = where.relative_to(project.root).as_posix()
    except ValueError:
        shown = where.as_posix()
    return Problem(shown, line, 1, f"template: {error.message or error} (rendering {page.path})")


def _static_files(project: Project) -> list[Path]:
    """Hand-written pages and assets from `site_config/pages/`."""
    root = project.site_config / "pages"
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
