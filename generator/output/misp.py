"""The MISP feed: `/data/misp/manifest.json` and one event file a brief, `/data/misp/<uuid>.json`.

A MISP instance subscribes to a static feed (Sync Actions > Feeds > Add
Feed, source format "MISP Feed", URL ``<site>/data/misp``): its fetcher
reads ``<URL>/manifest.json`` (event uuid -> the event's ``info``, ``date``,
``analysis``, ``threat_level_id``, ``timestamp``, ``Orgc`` and ``Tag``),
then ``<URL>/<uuid>.json`` ({"Event": {...}}) for each event it does not hold or
holds with an older ``timestamp`` (MISP's app/Model/Feed.php). The files are
written exactly as PyMISP's feed generator writes them (`MISPEvent.to_feed`,
`MISPEvent.manifest`): tests/test_misp_feed.py loads every event with
PyMISP and compares. There is no ``hashes.csv``: MISP then caches the feed
by reading the events themselves.

Like every export, the feed is made from the published view only (`Corpus`):
a withheld brief has no event, and nothing of it is in another's.

Mapping
-------

=====================  ========================================================
briefgen               MISP
=====================  ========================================================
brief                  an event: ``info`` = title, ``date`` = published (a
                       reduced-precision date on its first day), ``timestamp``
                       and ``publish_timestamp`` = midnight UTC of ``updated``,
                       else of ``published`` (held within 1970 to 2038, which
                       MISP's signed 32-bit timestamps hold; year 0000 is year
                       1, where Python's and MISP's dates begin); ``analysis`` 2 (completed), 1
                       (ongoing) for a draft built with ``--drafts``, which is
                       also not ``published``; ``threat_level_id`` 4
                       (undefined: a brief has no threat level)
publisher              ``Orgc``: name = ``title`` of site_config/site.yml, uuid
                       from its ``url`` (its title when it has none)
TLP                    an event tag of MISP's ``tlp`` taxonomy (``tlp:clear``,
                       ``tlp:green``, ``tlp:amber``, ``tlp:amber+strict``,
                       ``tlp:red``), with the taxonomy's colour; every item
                       carries its brief's TLP
brief tags             event tags, as authored
actors                 tags ``briefgen:actor="<name>"`` (a double quote in the
                       name as a single one): on the event for every actor
                       its items name, on a claim's or analysis's statement
                       for its own. Not galaxy clusters: MISP's
                       threat-actor galaxy holds cyber actors, and a
                       ``misp-galaxy:`` tag naming a cluster an instance does
                       not hold attaches nothing there
summary, judgments     an event report (``EventReport``, Markdown, shown by
                       MISP with raw HTML as text): the summary, then the key
                       judgments with likelihood and confidence; and, when
                       site_config has a ``url``, a ``link`` attribute to the
                       brief's page
claim                  a ``report`` object (the misp-objects template every
                       MISP instance has had since 2017; a claim is what a
                       source reported, and an object keeps its statement, its
                       links and its grading together): ``summary`` = the
                       statement, tagged with the Admiralty code in MISP's
                       ``admiralty-scale`` taxonomy
                       (``admiralty-scale:source-reliability="c"``,
                       ``admiralty-scale:information-credibility="3"``) and
                       commented with the code and its wording ("C3: fairly
                       reliable source, possibly true"); a second ``summary``
                       = the source's own words (``quote``), if any; ``link``
                       = the claim's URL, and the originating source's web
                       address (commented "source: <name>"); the object's
                       comment names the claim, its originator with its grade,
                       the relays, the dates reported and occurred, the place
                       and the Admiralty code
analysis               a ``report`` object: ``title``, ``summary`` (the
                       summary and key points), ``link`` = its URL and the
                       analyst's address; graded and commented as a claim,
                       with the analyst as its source
judgment               a ``text`` attribute (category Other) = the statement,
                       tagged with MISP's ``estimative-language`` taxonomy
                       (``likelihood-probability`` and
                       ``confidence-in-analytic-judgment``, whose values are
                       the brief format's own) and commented with both
contradicts /          object references between the claims' objects, typed
corroborates           as authored, when both claims are in the brief (MISP
                       keeps a reference only inside an event: app/Model/
                       ObjectReference.php)
=====================  ========================================================

Every attribute has ``to_ids`` false (no claim is an indicator to block on).
UUIDs are stable and agree with the STIX export (`stix.uuid5`): an event's is
its brief's STIX report's, a claim's or analysis's object and a judgment's
attribute its STIX note's; the other attributes, references and event
reports take UUIDv5 of ``misp:`` names. Timestamps come from the briefs, so
two builds of the same corpus give the same bytes; MISP takes a new version
of an event only when its ``timestamp`` is later, so a brief changed after
subscribers fetched it reaches them when its ``updated`` date moves on.
"""

from __future__ import annotations

import calendar
import functools
from typing import Callable

from generator.config import Settings
from generator.format import vocab
from generator.format.models import Analysis, Brief, Claim
from generator.output.lines import WHOLE, Lines, Parts, Stream, encode, join
from generator.output.stix import uuid5
from generator.stages.analysis import date_key
from generator.stages.corpus import Corpus

FOLDER = "data/misp"
MANIFEST = f"{FOLDER}/manifest.json"

# misp-objects' `report` template as MISP writes it into an object
_REPORT = {
    "description": "Report object to describe a report along with its metadata.",
    "meta-category": "misc",
    "name": "report",
    "template_uuid": "70a68471-df22-4e3f-aa1a-5a3be19f82df",
    "template_version": "8",
}
# the colours of misp-taxonomies' tlp taxonomy, which a MISP instance gives a tag it creates
_TLP_COLOUR = {"clear": "#ffffff", "green": "#33FF00", "amber": "#FFC000", "amber+strict": "#FFC000", "red": "#FF2B2B"}
_WHITE = "#ffffff"
_MAX_STAMP = 2**31 - 1
_CATEGORY = {"text": "Other", "link": "External analysis"}  # MISP's default category of each type used
_MARKDOWN_SYNTAX = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~"})


def event_uuid(brief_id: str) -> str:
    """The event's UUID: the UUID of the brief's STIX report."""
    return uuid5(f"brief:{brief_id}")


def event_path(brief_id: str) -> str:
    return f"{FOLDER}/{event_uuid(brief_id)}.json"


def _ymd(date: str) -> tuple[int, int, int]:
    """A date of any precision as its first day; ISO's year 0000 as year 1, where dates in Python and MISP begin."""
    y, m, d = date_key(date)
    return max(y, 1), max(m, 1), max(d, 1)


def _day(date: str) -> str:
    return "%04d-%02d-%02d" % _ymd(date)


def _stamp(date: str) -> str:
    """Midnight UTC of a date as a Unix time, held within what MISP's signed 32-bit timestamps hold."""
    return str(min(max(calendar.timegm((*_ymd(date), 0, 0, 0)), 0), _MAX_STAMP))


def _tag(name: str, colour: str = _WHITE) -> dict:
    return {"colour": colour, "local": False, "name": name, "relationship_type": ""}


def _actor_tag(corpus: Corpus, actor_id: str) -> str:
    # a double quote would end the machine tag's value early
    return 'briefgen:actor="' + corpus.actors[actor_id].name.replace('"', "'") + '"'


def _orgc(settings: Settings) -> dict:
    return {"name": settings.title, "uuid": uuid5(f"misp:publisher:{settings.url or settings.title}")}


def _actors(brief: Brief) -> list[str]:
    return sorted({a for item in (*brief.claims, *brief.analyses) for a in item.actors})


def _event_tags(corpus: Corpus, brief: Brief) -> list[dict]:
    names = sorted(_actor_tag(corpus, a) for a in _actors(brief))
    return [_tag(f"tlp:{brief.tlp}", _TLP_COLOUR[brief.tlp]), *(_tag(t) for t in brief.tags), *(_tag(n) for n in names)]


def _head(corpus: Corpus, brief_id: str) -> dict:
    """The fields of an event that its manifest entry repeats, in PyMISP's order."""
    brief = corpus.briefs[brief_id]
    return {
        "analysis": "2" if brief.status == "published" else "1",
        "date": _day(brief.published),
        "info": brief.title,
        "threat_level_id": "4",
        "timestamp": _stamp(brief.updated or brief.published),
    }


def manifest_entry(corpus: Corpus, settings: Settings, brief_id: str) -> dict:
    """The manifest's entry of a brief's event, as `MISPEvent.manifest` gives it."""
    head, brief = _head(corpus, brief_id), corpus.briefs[brief_id]
    return {"Orgc": _orgc(settings), "Tag": _event_tags(corpus, brief), "info": head["info"], "date": head["date"],
            "analysis": int(head["analysis"]), "threat_level_id": int(head["threat_level_id"]), "timestamp": int(head["timestamp"])}


def manifest_lines(corpus: Corpus, settings: Settings, parts: Parts = WHOLE) -> Stream:
    """`/data/misp/manifest.json` as a `generator.output.lines.Stream`: every event, one a line, by UUID;
    a brief's entry is the part ``brief:<id>`` of `parts`, its line's key the event's UUID."""
    rows = sorted((line for b in corpus.briefs for line in parts.part(f"brief:{b}", functools.partial(_manifest_line, corpus, settings, b))[0]),
                  key=lambda r: r[0])
    if not rows:
        yield b"{}\n"
        return
    yield b"{\n"
    yield rows
    yield b"\n}\n"


def _manifest_line(corpus: Corpus, settings: Settings, brief_id: str) -> tuple[Lines, None]:
    uuid = event_uuid(brief_id)
    return [(uuid, encode(uuid) + b":" + encode(manifest_entry(corpus, settings, brief_id)))], None


def manifest_json(corpus: Corpus, settings: Settings) -> bytes:
    """`/data/misp/manifest.json`: every event, one a line, by UUID (`manifest_lines` made whole)."""
    return join(manifest_lines(corpus, settings))


def _attribute(uuid: str, type_: str, value: str, stamp: str, comment: str = "", relation: str | None = None,
               tags: list[dict] | None = None) -> dict:
    out = {"category": _CATEGORY[type_], "comment": comment, "disable_correlation": False}
    if relation is not None:
        out["object_relation"] = relation
    out.update({"timestamp": stamp, "to_ids": False, "type": type_, "uuid": uuid, "value": value})
    if tags:
        out["Tag"] = tags
    return out


def _grading_tags(code: str) -> list[dict]:
    return [_tag(f'admiralty-scale:source-reliability="{code[0].lower()}"'),
            _tag(f'admiralty-scale:information-credibility="{code[1:]}"')]


def _provenance(corpus: Corpus, item: Claim | Analysis, origin: str, code: str) -> str:
    """The object comment of a claim or analysis: who said it, through whom, when, and its grade."""
    source = corpus.sources[origin]
    words = [f"{'Claim' if isinstance(item, Claim) else 'Analysis'} {item.id} by {source.name} (source grade {source.reliability})"]
    if item.via:
        words.append("via " + ", ".join(corpus.sources[s].name for s in item.via))
    if isinstance(item, Claim):
        words.append(f"reported {item.reported}")
        if item.occurred:
            words.append(f"occurred {item.occurred}")
        if item.location:
            words.append(f"at {item.location}")
    elif item.date:
        words.append(f"dated {item.date}")
    words.append(f"Admiralty {code}: {vocab.admiralty_title(code)}")
    return "; ".join(words)


def _report_object(corpus: Corpus, item: Claim | Analysis, stamp: str, brief_claims: set[str]) -> dict:
    is_claim = isinstance(item, Claim)
    kind, origin = ("claim", item.source) if is_claim else ("analysis", item.analyst)
    code = f"{corpus.sources[origin].reliability}{item.credibility}"
    obj_uuid = uuid5(f"{kind}:{item.id}")

    def attr(relation: str, type_: str, value: str, n: int, comment: str = "", tags: list[dict] | None = None) -> dict:
        return _attribute(uuid5(f"misp:{kind}:{item.id}:{relation}:{n}"), type_, value, stamp, comment, relation, tags)

    tags = _grading_tags(code) + [_tag(n) for n in sorted(_actor_tag(corpus, a) for a in item.actors)]
    graded = f"{code}: {vocab.admiralty_title(code)}"
    attributes = []
    if is_claim:
        attributes.append(attr("summary", "text", item.statement, 0, graded, tags))
    else:
        attributes.append(attr("title", "text", item.title, 0))
        body = item.summary + "".join(f"\n\n- {p}" for p in item.points)
        attributes.append(attr("summary", "text", body, 0, graded, tags))
    if item.quote:
        attributes.append(attr("summary", "text", item.quote, 1, f"the words of {corpus.sources[origin].name}"))
    if item.url:
        attributes.append(attr("link", "link", item.url, 0, kind))
    if corpus.sources[origin].url:
        attributes.append(attr("link", "link", corpus.sources[origin].url, 1, f"source: {corpus.sources[origin].name}"))
    obj = {"comment": _provenance(corpus, item, origin, code), **_REPORT, "timestamp": stamp, "uuid": obj_uuid}
    if is_claim:
        refs = [(t, other) for t, others in (("contradicts", item.contradicts), ("corroborates", item.corroborates))
                for other in others if other in brief_claims]
        if refs:
            obj["ObjectReference"] = [
                {"comment": "", "object_uuid": obj_uuid, "referenced_uuid": uuid5(f"claim:{other}"), "relationship_type": t,
                 "timestamp": stamp, "uuid": uuid5(f"misp:reference:{item.id}:{t}:{other}")}
                for t, other in refs]
    obj["Attribute"] = attributes
    return obj


def _md_text(text: str) -> str:
    """A plain field as Markdown text: its syntax characters escaped, on one line."""
    return " ".join(text.split()).translate(_MARKDOWN_SYNTAX)


def _report_content(brief: Brief) -> str:
    parts = [brief.summary.strip()]
    if brief.judgments:
        parts.append("## Key judgments")
        parts.append("\n".join(
            f"- {_md_text(j.statement)} ({vocab.LIKELIHOOD[j.likelihood].label}, {vocab.LIKELIHOOD[j.likelihood].description}; "
            f"{vocab.CONFIDENCE[j.confidence].label})" for j in brief.judgments))
    return "\n\n".join(parts) + "\n"


def event(corpus: Corpus, settings: Settings, brief_id: str) -> dict:
    """A brief's event, as `MISPEvent.to_feed()` gives it: {"Event": {...}}."""
    brief = corpus.briefs[brief_id]
    head = _head(corpus, brief_id)
    stamp = head["timestamp"]
    attributes = []
    if settings.url:
        page = f"{settings.url.rstrip('/')}/briefs/{brief_id}/"
        attributes.append(_attribute(uuid5(f"misp:brief:{brief_id}:page"), "link", page, stamp, f"this brief on {settings.title}"))
    for j in brief.judgments:
        likelihood, confidence = vocab.LIKELIHOOD[j.likelihood], vocab.CONFIDENCE[j.confidence]
        attributes.append(_attribute(
            uuid5(f"judgment:{j.id}"), "text", j.statement, stamp,
            f"Key judgment {j.id}: {likelihood.label} ({likelihood.description}), {confidence.label}",
            tags=[_tag(f'estimative-language:likelihood-probability="{j.likelihood}"'),
                  _tag(f'estimative-language:confidence-in-analytic-judgment="{j.confidence}"')]))
    claims = {c.id for c in brief.claims}
    objects = [_report_object(corpus, item, stamp, claims) for item in (*brief.claims, *brief.analyses)]
    out = {
        "analysis": head["analysis"],
        "date": head["date"],
        "extends_uuid": "",
        "info": head["info"],
        "protected": False,
        "publish_timestamp": stamp,
        "published": brief.status == "published",
        "threat_level_id": head["threat_level_id"],
        "timestamp": stamp,
        "uuid": event_uuid(brief_id),
        "Orgc": _orgc(settings),
        "Tag": _event_tags(corpus, brief),
    }
    if attributes:
        out["Attribute"] = attributes
    if objects:
        out["Object"] = objects
    out["EventReport"] = [{"content": _report_content(brief), "name": brief.title, "timestamp": stamp,
                           "uuid": uuid5(f"misp:brief:{brief_id}:report")}]
    return {"Event": out}


def event_json(corpus: Corpus, settings: Settings, brief_id: str) -> bytes:
    """`/data/misp/<uuid>.json` of a brief, compact as PyMISP writes it (indented, a feed
    of thousands of briefs would be half as large again)."""
    return encode(event(corpus, settings, brief_id)) + b"\n"


def feed_files(corpus: Corpus, settings: Settings) -> dict[str, tuple[str | None, Callable[[], bytes]]]:
    """Every file of the feed: path under the docs folder -> (the brief it shows, or None for the manifest; how to make it)."""
    out: dict[str, tuple[str | None, Callable[[], bytes]]] = {MANIFEST: (None, lambda: manifest_json(corpus, settings))}
    for b in corpus.briefs:
        out[event_path(b)] = (b, lambda b=b: event_json(corpus, settings, b))
    return out
