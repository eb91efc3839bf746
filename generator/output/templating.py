"""What templates format with: the Jinja2 environment, its filters, the badges and the one-line references.

Templates format, they do not compute: every author text reaches the Markdown
through a filter of `markup` (`md`, `md_inline`, `text`, `attr`), each badge
and reference is made here once and reused.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import jinja2

from generator.config import Project
from generator.format import vocab
from generator.output import links, markup
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
    and claims over and over, and formatting a reference is most of what showing
    it costs).
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
        return f"{before}({links.folder_link(folder, here)}{name}){after}"

    def _formatted(self, kind: str, item_id: str) -> tuple[str, str, str, str]:
        """A reference's parts that are the same from every folder (`link_from`'s link, split at its folder)."""
        before, link_kind, after = getattr(self, kind)(item_id)
        return before, *links.target(self.corpus, link_kind, item_id), after

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


def environment(project: Project, corpus: Corpus) -> jinja2.Environment:
    """The Jinja2 environment the page templates render in, with the filters and helpers they format with.

    It holds the corpus (its references' globals): a caller that is done with it clears
    `env.globals`, so the corpus is not kept alive by the environment's reference cycle.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(project.templates)),
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
    env.globals.update(link=links.link, href=links.href, front_matter=_front_matter, vocab=vocab.vocabularies(), admiralty_title=vocab.admiralty_title)
    env.globals.update(References(corpus).globals())
    return env
