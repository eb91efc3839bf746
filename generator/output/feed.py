"""The Atom feed of published briefs (/feed.xml), newest first.

Dates come from the briefs (published, or updated when given), so the feed
is the same bytes for the same corpus.

The feed is written only when site_config/site.yml gives the site's `url`.
An Atom id must be permanent and unique to the site (RFC 4287, 4.2.6): the
feed's id is the site's address and each entry's id its brief page's
address. Without `url` briefgen knows nothing about a site that is both: its
title is shared ("Briefs") and can be renamed, its folder differs between
machines, and a random id would change at every build. So a site without
`url` has no feed (and its pages no link to one) rather than a feed whose
ids collide with every other such site's.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from generator.config import Settings
from generator.format import vocab
from generator.output import markup
from generator.output.templating import count, human_date
from generator.stages.analysis import date_key
from generator.stages.corpus import Corpus
from generator.stages.history import moves

MAX_ENTRIES = 50


def _stamp(date: str) -> str:
    y, m, d = date_key(date)
    return f"{y:04d}-{max(m, 1):02d}-{max(d, 1):02d}T00:00:00Z"


FEED_PATH = "feed.xml"


def has_feed(settings: Settings) -> bool:
    """Whether the site gets a feed: only with its address to make the ids from."""
    return bool(settings.url)


def _latest_changes(corpus: Corpus, brief_id: str) -> str:
    """What changed in the brief's latest version (`stages.history`), as a paragraph of HTML; nothing
    when it has no earlier version."""
    past = corpus.history.briefs.get(brief_id) if corpus.history is not None else None
    if past is None or len(past.versions) < 2:
        return ""
    v = past.versions[0]
    said = [f"Marking {vocab.TLP[a].label} → {vocab.TLP[b].label}" for a, b in filter(None, [v.tlp])]
    said += [f"status {a} → {b}" for a, b in filter(None, [v.status])]
    said += [f"judgment added: {corpus.judgments[j].statement}" for j in v.added]
    for m in v.moved:
        said.append(f"{corpus.judgments[m.id].statement} ({moves(m) or 'held, with a new note'})")
    said += [f"{count(n, what)} {how}" for n, what, how in v.counts()]
    when = f"the version of {human_date(v.date)}" if v.date else "the version not committed yet"
    text = "; ".join(said) if said else "wording edited; no judgment, claim or analysis added, withdrawn or re-rated"
    return f"\n<p><strong>What changed in {markup.plain(when)}:</strong> {markup.plain(text)}</p>"


def atom_feed(corpus: Corpus, settings: Settings) -> str:
    """The feed's XML; the site must have a feed (`has_feed`)."""
    if not has_feed(settings):
        raise ValueError("the Atom feed needs the site's url")
    base = settings.url.rstrip("/") + "/"

    order = sorted(corpus.briefs, key=lambda b: (date_key(corpus.briefs[b].updated or corpus.briefs[b].published), b), reverse=True)
    updated = _stamp(corpus.briefs[order[0]].updated or corpus.briefs[order[0]].published) if order else "1970-01-01T00:00:00Z"
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(settings.title)}</title>",
        f"  <subtitle>{escape(settings.description)}</subtitle>" if settings.description else None,
        f"  <id>{escape(base)}</id>",
        f'  <link rel="self" href={quoteattr(base + FEED_PATH)}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(base)}/>',
        f"  <updated>{updated}</updated>",
        "  <generator>briefgen</generator>",
    ]
    for brief_id in order[:MAX_ENTRIES]:
        brief = corpus.briefs[brief_id]
        out += [
            "  <entry>",
            f"    <title>{escape(brief.title)}</title>",
            f"    <id>{escape(f'{base}briefs/{brief_id}/')}</id>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(f"{base}briefs/{brief_id}/")}/>',
            f"    <published>{_stamp(brief.published)}</published>",
            f"    <updated>{_stamp(brief.updated or brief.published)}</updated>",
            *(f"    <author><name>{escape(a)}</name></author>" for a in (brief.authors or [settings.title])),
            *(f'    <category term={quoteattr(t)}/>' for t in brief.tags),
            f'    <summary type="html">{escape(markup.md_block(brief.summary) + _latest_changes(corpus, brief_id))}</summary>',
            "  </entry>",
        ]
    out.append("</feed>")
    return "\n".join(line for line in out if line is not None) + "\n"
