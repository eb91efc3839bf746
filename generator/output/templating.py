"""What templates format with: the Jinja2 environment, its filters, the badges and the one-line references.

Templates format, they do not compute: every author text reaches the Markdown
through a filter of `markup` (`md`, `md_inline`, `text`, `attr`), each badge
and reference is made here once and reused. Page bodies are raw HTML blocks
(Python-Markdown copies them as they are, which is most of what makes mkdocs
fast on these pages); headings stay Markdown, for mkdocs' table of contents
and permalinks, and so does a link inside a heading.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jinja2

from generator.config import Project
from generator.format import vocab
from generator.format.models import evidence_path, other_names
from generator.output import links, maps, markup
from generator.stages import history
from generator.stages.corpus import Corpus


def human_date(date: str | None) -> str:
    """`2023` -> 2023, `2023-08` -> August 2023, `2023-08-03` -> 3 August 2023."""
    if not date:
        return ""
    parts = date.split("-")
    if len(parts) == 1:
        return parts[0]
    month = vocab.MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


_PLURALS = {"analysis": "analyses"}


def count(n: int, noun: str) -> str:
    """`count(1, "claim")` -> 1 claim, `count(2, "analysis")` -> 2 analyses."""
    return f"{n} {noun if n == 1 else _PLURALS.get(noun, noun + 's')}"


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


_TREND = {"raised": ("↑ raised", "raised since"), "lowered": ("↓ lowered", "lowered since"),
          "held": ("= held", "held since"), "new": ("new", "new since")}


def trend_badge(trend) -> str:
    """A judgment against the version before the current one (`stages.history.Trend`); nothing without one."""
    if trend is None:
        return ""
    text, said = _TREND[trend.direction]
    since = human_date(trend.since) if trend.since else "the last commit"
    moved = history.moves(trend)
    return _badge(text, f"trend bg-trend-{trend.direction}", f"{said} the version of {since}" + (f": {moved}" if moved else ""))


@functools.lru_cache(maxsize=None)
def rating_cell(code: str, gap: bool = False) -> str:
    """A cell of an ACH evidence matrix: the rating, or a gap (a hypothesis the evidence does not rate)."""
    t = vocab.RATING[code]
    if gap:
        return f'<td class="bg-{t.css} bg-gap" title="{t.label} (gap: not rated)">gap</td>'
    return f'<td class="bg-{t.css}" title="{t.label}">{code}</td>'


class References:
    """One-line references to items and entities in HTML, shared by every page type.

    A reference reads the same on every page except for its relative link: each
    is formatted once, as the HTML around its link's URL (pages show the same
    actors, sources and claims over and over, and formatting a reference is most
    of what showing it costs), and completed with the URL for each page (`links.HtmlLinks`,
    which records it for the build to check).
    """

    def __init__(self, corpus: Corpus, html_links: links.HtmlLinks):
        self.corpus = corpus
        self.links = html_links
        # (kind, id) -> the HTML before the URL, the docs path linked to, its anchor, the HTML after
        self._parts: dict[tuple[str, str], tuple[str, str, str, str]] = {}

    def globals(self) -> dict[str, Any]:
        def bind(kind: str):
            @jinja2.pass_context
            def ref(ctx, item_id: str) -> str:
                return self.reference(kind, item_id, ctx["page_path"])
            return ref

        names = ("claim", "analysis", "evidence", "actor", "source", "hypothesis", "brief")
        return {f"{name}_ref": bind(name) for name in names} | {"marking": marking}

    def reference(self, kind: str, item_id: str, page_path: str) -> str:
        """The reference to an item of `kind` from the page at `page_path`."""
        parts = self._parts.get((kind, item_id))
        if parts is None:
            parts = self._parts[kind, item_id] = self._formatted(kind, item_id)
        head, target, anchor, tail = parts
        return head + self.links.url(page_path, target, anchor) + tail

    def _formatted(self, kind: str, item_id: str) -> tuple[str, str, str, str]:
        """A reference's parts that are the same from every page."""
        before, text, link_kind, after = getattr(self, kind)(item_id)
        target, anchor = links.anchored(self.corpus, link_kind, item_id)
        return f'{before}<a href="', target, anchor, f'">{text}</a>{after}'

    # each: the HTML before the link, the link's text, the kind of page linked to, the HTML after the link
    def claim(self, claim_id: str) -> tuple[str, str, str, str]:
        c = self.corpus.claims[claim_id]
        return (f"{admiralty_badge(self.corpus.admiralty(c))} ", markup.plain(c.statement), "claim",
                f" — {markup.plain(self.corpus.sources[c.source].name)}, {human_date(c.reported)}")

    def analysis(self, analysis_id: str) -> tuple[str, str, str, str]:
        a = self.corpus.analyses[analysis_id]
        analyst = self.corpus.sources[a.analyst]
        date = f", {human_date(a.date)}" if a.date else ""
        return (f"{admiralty_badge(analyst.reliability + str(a.credibility))} ", markup.plain(a.title), "analysis",
                f" — {markup.plain(analyst.name)}{date}")

    def evidence(self, item_id: str) -> tuple[str, str, str, str]:
        return self.claim(item_id) if item_id in self.corpus.claims else self.analysis(item_id)

    def actor(self, actor_id: str) -> tuple[str, str, str, str]:
        return "", markup.plain(self.corpus.actors[actor_id].name), "actor", ""

    def source(self, source_id: str) -> tuple[str, str, str, str]:
        s = self.corpus.sources[source_id]
        return "", markup.plain(s.name), "source", f" {reliability_badge(s.reliability)}"

    def hypothesis(self, hypothesis_id: str) -> tuple[str, str, str, str]:
        return "", markup.plain(self.corpus.hypotheses[hypothesis_id].statement), "hypothesis", ""

    def brief(self, brief_id: str) -> tuple[str, str, str, str]:
        return "", markup.plain(self.corpus.briefs[brief_id].title), "brief", ""


def name_html(name: Any) -> str:
    """A name (`models.Alias`, `models.NativeName` or text), escaped; one with a language in an element
    that says it (`lang`), and that runs right to left (`dir="rtl"`, which also isolates it from the
    text around it, as `<bdi>` does) when its language or script does (`vocab.direction`)."""
    if isinstance(name, str) or getattr(name, "lang", None) is None:
        return markup.plain(name if isinstance(name, str) else name.name)
    direction = vocab.direction(name.lang)
    shown = f' dir="{direction}"' if direction else ""
    return f'<span lang="{markup.attr(name.lang)}"{shown}>{markup.plain(name.name)}</span>'


def marking(tlp: str) -> str:
    """The TLP marking paragraph at the top of a page."""
    return f'<p class="bg-marking">{tlp_badge(tlp)}</p>'


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


def environment(project: Project, corpus: Corpus, compiled: jinja2.BytecodeCache | None = None) -> jinja2.Environment:
    """The Jinja2 environment the page templates render in, with the filters and helpers they format with.

    It holds the corpus (its references' globals): a caller that is done with it clears
    `env.globals`, so the corpus is not kept alive by the environment's reference cycle.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in project.template_dirs]),  # the project's own first
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # output is Markdown; every field goes through a markup filter
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # an environment lives for one build: no template file is checked again for each page
        bytecode_cache=compiled,  # templates compiled by an earlier build, each keyed on its source
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
        trend=trend_badge,
        rating_cell=rating_cell,
        num2=lambda x: f"{x:.2f}",
        name=name_html,
    )
    html_links = links.HtmlLinks(directory_urls=project.mkdocs_options.get("use_directory_urls", True) is not False)

    @jinja2.pass_context
    def href(ctx, kind: str, item_id: str = "", anchor: str | None = None) -> str:
        """The URL of a link in raw HTML from the page being rendered (recorded, to be checked)."""
        return html_links.url(ctx["page_path"], *links.anchored(corpus, kind, item_id, anchor))

    @jinja2.pass_context
    def archived(ctx, archive) -> str:
        """The link to an item's archived copy (`models.Archive`), "archived 4 August 2023": a web address as
        written, escaped; a file kept under evidence/ by its relative URL in the site (recorded, to be checked)."""
        local = evidence_path(archive.url)
        url = html_links.url(ctx["page_path"], local) if local is not None else markup.attr(archive.url)
        title = f' title="{markup.attr("SHA-256 " + archive.sha256)}"' if archive.sha256 else ""
        rel = "" if local is not None else ' rel="noopener nofollow"'
        return f'<a class="bg-archive" href="{url}"{rel}{title}>archived {human_date(archive.captured)}</a>'

    @jinja2.pass_context
    def original(ctx, item) -> str:
        """Where an item (claim, analysis, source) can be read: its `url` as written, then its archived copy."""
        parts = [f'<a href="{markup.attr(item.url)}" rel="noopener nofollow">{markup.plain(item.url)}</a>'] if item.url else []
        if item.archive:
            parts.append(archived(ctx, item.archive))
        return " · ".join(parts)

    @jinja2.pass_context
    def here(ctx, anchor: str) -> str:
        """`#anchor`, a link in raw HTML to an anchor of the page being rendered (recorded, to be checked)."""
        return html_links.same_page(ctx["page_path"], anchor)

    @jinja2.pass_context
    def claims_map(ctx, claim_ids) -> str:
        """The map of the located claims among `claim_ids` (`maps.figure`), each point linking to its claim
        from the page being rendered (recorded, to be checked); "" when none is located."""
        page = ctx["page_path"]
        shown, total = maps.located(corpus, claim_ids)
        points = []
        for claim_id in shown:
            c = corpus.claims[claim_id]
            target, anchor = links.anchored(corpus, "claim", claim_id)
            url = html_links.same_page(page, anchor) if target == page else html_links.url(page, target, anchor)
            points.append(maps.Point(*c.coordinates, c.location_basis, maps.place_of(*c.coordinates, c.location), c.statement, url))
        return maps.figure(points, total)

    env.globals.update(link=links.link, href=href, here=here, original=original, claims_map=claims_map, front_matter=_front_matter, vocab=vocab.vocabularies(), count=count,
                       moves=history.moves, admiralty_title=vocab.admiralty_title, other_names=other_names)
    env.globals.update(References(corpus, html_links).globals())
    env.globals[_HTML_LINKS] = html_links
    return env


_HTML_LINKS = "_html_links"


def html_links(env: jinja2.Environment) -> links.HtmlLinks:
    """The links an environment's pages wrote into raw HTML (`links.HtmlLinks`), to check once they are written."""
    return env.globals[_HTML_LINKS]
