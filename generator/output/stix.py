"""The STIX 2.1 export: `/data/stix-bundle.json` and `briefgen export stix`.

`stix_bundle(corpus, findings, settings)` turns the published corpus into one
STIX 2.1 bundle, valid for the OASIS validator; `BriefBundles` gives each
brief's own (`/briefs/<id>/stix.json`). Objects are built as plain dicts (the
`stix2` library validates each object it builds, which a large export cannot
afford); the tests check that each one is exactly what `stix2` builds and
writes for the same properties.
The bundle is written one object a line, keys sorted, so two exports diff by
object. It reads only the published view (`Corpus`) and the scores computed
from it (`Findings`), so nothing withheld can reach it.

Mapping
-------

=====================  ========================================================
briefgen               STIX 2.1
=====================  ========================================================
site (site_config)     ``identity`` of the publisher (class organization, name =
                       title, contact_information and an external reference =
                       url, description): the ``created_by_ref`` of every
                       object but itself, the briefgen identity and extension
                       and the TLP markings. Not the sources: importers take
                       the creator for the producing organisation (misp-stix
                       tags the events ``misp-galaxy:producer="<title>"``
                       and does not import a creator identity as an object)
brief                  ``report`` (name = title, description = summary,
                       published = published date, modified = the updated
                       date, or one millisecond after published (misp-stix
                       imports a report whose published equals its modified
                       unpublished), report_types ["threat-report"], labels =
                       tags, object_refs = its claims, analyses and
                       judgments, every actor and source they mention, and the
                       contradicts/corroborates relationships of its claims;
                       a brief with no items yet refers to its publisher,
                       since STIX requires one reference; its review, when
                       given, in ``x_briefgen_reviewed_by`` and
                       ``x_briefgen_approved``). Never a grouping:
                       misp-stix imports each report and each grouping as an
                       event and fails on a grouping inside a report
brief -> question      ``relationship`` report --related-to--> grouping
                       (``x_briefgen_relationship_type`` bears-on) for each
                       question its items rate or its judgments bear on
actor armed-group      ``threat-actor`` with ``aliases``. No ``intrusion-set``:
                       that type is for cyber-intrusion activity, which the
                       contract's actors are not.
actor person           ``identity``, identity_class individual
actor organization,    ``identity``, identity_class organization (a
media, government-     government agency with sectors ["government"])
agency
actor state            ``location`` with ``country`` (ISO 3166-1 alpha-2 code,
                       found by matching the name or an alias against the
                       English territory names of Babel/CLDR, which
                       mkdocs-material brings); when no code is found, an
                       ``identity`` (organization, sectors
                       ["government-national"]) instead, because a location
                       needs a region, a country or coordinates
actor other            ``identity``, identity_class unknown
actor aliases          threat-actor: ``aliases``; identity and location, which
                       have no such property: ``x_briefgen_aliases`` and an
                       "Also known as" line in the description. The native
                       name comes first among them. STIX gives an alias no
                       language: the names that have one (native name,
                       ``{name, lang}`` aliases) are listed again with it in
                       ``x_briefgen_names`` (``[{name, lang}]``)
actor relation         ``relationship``, relationship_type related-to (STIX
                       2.1 defines no type that means leads, member-of,
                       part-of, split-from, allied-with, hostile-to,
                       affiliated-with or supports: attributed-to, targets,
                       located-at and derived-from mean other things), the
                       contract's type in ``x_briefgen_relationship_type``
                       and in the description ("HTS hostile to ISIS."),
                       since/until as start_time/stop_time
                       (stop_time only when after start_time; the dates as
                       authored in ``x_briefgen_since``/``x_briefgen_until``),
                       its source in ``x_briefgen_source_ref``
source                 ``identity`` (individual for experts; organization for
                       outlets, officials, armed-group media, think tanks and
                       NGOs; unknown for social media, documents, other) with
                       ``x_briefgen_reliability`` (A-F) and the grade with its
                       label and note in the description; its native name
                       and aliases in ``x_briefgen_aliases`` and
                       ``x_briefgen_names``, as an actor's
source.actor           ``relationship`` source --related-to--> actor,
                       ``x_briefgen_relationship_type`` speaks-for
claim                  ``note``: abstract = statement, content = statement,
                       quote, source and relays, Admiralty code, dates,
                       location, the ids of the claims it contradicts or
                       corroborates; authors = [source name]; object_refs =
                       its report, its actors, the hypotheses it rates, and
                       the identities of its source and relays, which
                       importers keep (misp-stix attaches the note, as an
                       analyst note, to the event and to the MISP object of
                       each source; relationships from a note and external
                       references of a note it drops); the source also in
                       ``x_briefgen_source_ref``, the relays in
                       ``x_briefgen_via_refs``; ``confidence`` from the
                       credibility on the
                       STIX 2.1 Admiralty Credibility scale (1 -> 90, 2 -> 70,
                       3 -> 50, 4 -> 30, 5 -> 10, 6 -> no confidence), via
                       `stix2.confidence.scales`; ``x_briefgen_admiralty``
                       ("C3"), ``x_briefgen_reliability``,
                       ``x_briefgen_credibility``, ``x_briefgen_assessments``
claim coordinates      ``location`` (latitude, longitude; name = the claim's
                       location, or the coordinates written out; description
                       says whose location it is and of which claim) with
                       ``x_briefgen_location_basis`` claimed or assessed, one
                       for each located claim, marked and dated as the claim;
                       in the note's and the report's object_refs (misp-stix
                       imports it as a geolocation object of the event, the
                       claim's analyst note attached to it), and a
                       ``relationship`` note --related-to--> location,
                       ``x_briefgen_relationship_type`` located-at (STIX's own
                       located-at does not start at a note)
url, archive           of a source, claim or analysis: ``external_references``,
                       the address under the source's name, the archived copy
                       as "archived copy" (url; an evidence file's address on
                       the site, or its path when the site has no url;
                       description "archived <captured>"; hashes SHA-256)
claim contradicts /    ``relationship`` note --related-to--> note,
corroborates           ``x_briefgen_relationship_type`` contradicts or
                       corroborates, as authored
analysis               ``note`` (kind "analysis"): abstract = title, content =
                       summary and key points; like a claim otherwise, its
                       analyst as source. Not ``opinion``: an opinion states
                       (dis)agreement with *another* STIX object, while an
                       analysis is an expert's own assessment with a title,
                       summary and points; its ACH ratings are the brief
                       author's, not the analyst's.
judgment               ``note`` (kind "judgment"): abstract = statement;
                       object_refs = its basis, its hypothesis and its report;
                       authors = the brief's authors. ``confidence`` carries
                       the judgment's *analytic confidence* on the spec's
                       None/Low/Med/High scale (low -> 15, moderate -> 50,
                       high -> 85), since STIX confidence is the producer's
                       confidence in the object's correctness. The likelihood
                       is already part of the statement ("likely ..."), so it
                       is not turned into a confidence; it is kept in
                       ``x_briefgen_likelihood`` and
                       ``x_briefgen_likelihood_range`` ("55-80%").
question               ``grouping`` (context "unspecified"), linked from the
                       reports that bear on it, never listed in one (see
                       brief -> question): name = question,
                       description = context and the ACH result as Markdown
                       tables; object_refs = its hypotheses, the ACH note and
                       the evidence notes
ACH result             ``note`` (kind "ach-result") per question: the Markdown
                       ranking table (rank, hypothesis, inconsistency,
                       weighted inconsistency, unrated rows) and the evidence
                       matrix, as in `findings.matrices`
hypothesis             ``note`` (kind "hypothesis"): abstract = statement, with
                       ``x_briefgen_rank``, ``x_briefgen_inconsistency``,
                       ``x_briefgen_weighted_inconsistency``
TLP                    the FIRST TLP 2.0 ``marking-definition`` objects as
                       published by OASIS (cti-stix-common-objects,
                       extension-definition--60a3c5c5-...); those in use are
                       in the bundle. Each object carries the marking of its
                       item: brief items their brief's TLP, actors, sources
                       and questions their own; a relationship, a question's
                       objects or a hypothesis the most restrictive TLP of
                       everything it draws on.
=====================  ========================================================

Imported with misp-stix (`stix_2_to_misp`, tests/test_misp_import.py), the
bundle gives one published event a report (one unpublished event a
question's grouping) tagged with its TLP and producer; each source and each
actor that is an ``identity`` becomes an organization or identity object of
the events whose reports list it, threat actors and country locations galaxy
clusters, claims, analyses and judgments analyst notes with their Admiralty
code in the text. A relationship starting at an identity becomes a reference
of its MISP object with its relationship_type (which a MISP server keeps in
the events that also have the object it ends at), or, when it ends at a
threat actor or a country, that cluster on the object, untyped (which
misp-stix then no longer shows at the event's level). Relationships starting
at a threat actor or a country (misp-stix names the cluster
uuid5(STIX uuid + organisation uuid) and looks its relationships up by the
STIX uuid, for event-level clusters only), at a note, a report or a grouping
(misp-stix makes no MISP analyst relationships), and the ``x_briefgen_*``
properties, misp-stix drops. No parser option and no valid STIX for these
relations does better (reversing one ends it at a note, an event or a cluster,
which fares no better): tools/misp-stix-repro reproduces the losses, and
tests/test_misp_import.py asserts them as strict expected failures.

The published OASIS TLP 2.0 marking definitions have no ``created_by_ref``
(``identity--b3bca3c2-...`` is CISA, creator of the TLP 2.0 *extension
definition*), so they are reproduced without one.

The briefgen identity (class system) and extension definition are dated
`EXTENSION_DATE`, the date of this version of the extension.

Custom properties are all named ``x_briefgen_*``. They are declared by a
briefgen ``extension-definition`` of type toplevel-property-extension (created
by a briefgen ``identity`` of class system), and every object that has them
names that extension, as STIX 2.1 recommends. Every object built from the
corpus has ``x_briefgen_kind`` (actor, source, brief, claim, analysis,
judgment, question, hypothesis, ach-result, relation, speaks-for, contradicts,
corroborates, bears-on, location, located-at) and, but for the publisher, unless it is a relationship, ``x_briefgen_id`` (the
briefgen id; a question's ACH note has the question's). Actors and sources
also carry their contract kind in ``x_briefgen_actor_kind`` and
``x_briefgen_source_kind``.

Determinism
-----------

The same corpus gives byte-identical output: ids are UUIDv5 in `NAMESPACE` of
``"<kind>:<briefgen id>"``, objects are sorted by id, keys are sorted, and no
timestamp comes from the clock:

- a brief and everything in it: created = the brief's ``published``,
  modified = its ``updated`` (if later); reduced-precision dates expand to the
  first day (``2023-08`` -> ``2023-08-01T00:00:00.000Z``); its report's
  modified at least one millisecond after published (see above);
- an actor, a source, a question (its grouping, hypotheses and ACH note):
  created = the earliest created, modified = the latest modified of the
  briefs that mention it (`Dates`); one no brief mentions: created = modified
  = the earliest brief's created. A relation and a speaks-for relationship
  are dated as the actor or source they start from; the publisher created =
  modified = the earliest brief's created. Adding a brief older than those
  that mention an entity moves its ``created`` (STIX would keep it across
  versions): the price of a date that says when the entity first appears;
- the briefgen identity and extension: `EXTENSION_DATE`. `EPOCH`
  (1970-01-01) is left only for an export without any brief.

The bundle's own id is UUIDv5 of a digest of its objects: the XOR of a
128-bit hash of each object's line, with their number. It does not depend on
their order, so the digest of a brief's objects is kept with their ids, and
a bundle made again after an edit hashes only the objects made again.

The objects of a brief, of a question and of the actors and sources are made
in parts (`generator.output.lines.Parts`), each with the TLP markings its
objects use and the digest of their lines: a build may give the lines of a
part that did not change as those of the bundle it replaces, with the
markings and digest kept from when they were made. The keys of those parts
(`generator.build.exports.stix_part_keys`) also hold the publisher and the
dates above; a brief's own bundle is made again when the key of what it shows
changes (`generator.build.exports.brief_stix_keys`).
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from functools import lru_cache, partial
from typing import Iterable, Iterator, NamedTuple

from stix2.confidence.scales import admiralty_credibility_to_value, none_low_med_high_to_value

from generator.config import Settings
from generator.format import vocab
from generator.format.models import Actor, Analysis, Brief, Claim, Judgment, Question, other_names
from generator.output.lines import SEP, WHOLE, Parts, Stream, encode, join
from generator.stages.analysis import Findings, Matrix
from generator.stages.corpus import Corpus

NAMESPACE = uuid.UUID("2969bb6c-f12d-57f7-8d07-6e10b1db788a")  # uuid5(NAMESPACE_URL, "https://briefgen.invalid/stix")
EPOCH = "1970-01-01T00:00:00.000Z"  # only for what an export without any brief has no date for
# The date of this version of the briefgen extension definition (and of the briefgen identity that creates it).
EXTENSION_DATE = "2026-12-06T00:00:00.000Z"
EXTENSION_VERSION = "1.2.0"
# Every relationship's type: STIX 2.1 defines none that means what briefgen's relation types mean
# (attributed-to, targets, located-at, derived-from read otherwise), so all are its generic type, the
# precise one in x_briefgen_relationship_type (as authored: leads, member-of, ..., speaks-for, contradicts).
RELATIONSHIP_TYPE = "related-to"

# FIRST TLP 2.0, as published by OASIS in cti-stix-common-objects
# (extension-definition-specifications/tlp-2.0).
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_CREATED = "2022-10-01T00:00:00.000Z"
TLP_MARKINGS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

# Every custom property the export may write; declared by the briefgen extension.
EXTENSION_PROPERTIES = (
    "x_briefgen_actor_kind",
    "x_briefgen_admiralty",
    "x_briefgen_affiliation",
    "x_briefgen_aliases",
    "x_briefgen_approved",
    "x_briefgen_assessments",
    "x_briefgen_authors",
    "x_briefgen_confidence",
    "x_briefgen_country",
    "x_briefgen_credibility",
    "x_briefgen_date",
    "x_briefgen_gaps",
    "x_briefgen_id",
    "x_briefgen_inconsistency",
    "x_briefgen_kind",
    "x_briefgen_language",
    "x_briefgen_likelihood",
    "x_briefgen_likelihood_range",
    "x_briefgen_location",
    "x_briefgen_location_basis",
    "x_briefgen_names",
    "x_briefgen_occurred",
    "x_briefgen_question",
    "x_briefgen_rank",
    "x_briefgen_reliability",
    "x_briefgen_relationship_type",
    "x_briefgen_reported",
    "x_briefgen_reviewed_by",
    "x_briefgen_since",
    "x_briefgen_source_kind",
    "x_briefgen_source_ref",
    "x_briefgen_status",
    "x_briefgen_until",
    "x_briefgen_via_refs",
    "x_briefgen_weighted_inconsistency",
)

# Admiralty credibility digit -> the wording of the STIX 2.1 Admiralty Credibility scale.
_ADMIRALTY_SCALE = {
    1: "1 - Confirmed by other sources",
    2: "2 - Probably True",
    3: "3 - Possibly True",
    4: "4 - Doubtful",
    5: "5 - Improbable",
}
# Analytic confidence -> the wording of the STIX 2.1 None/Low/Med/High scale.
_CONFIDENCE_SCALE = {"low": "Low", "moderate": "Med", "high": "High"}

_SOURCE_CLASS = {
    "expert": "individual",
    "news-outlet": "organization",
    "official": "organization",
    "armed-group-media": "organization",
    "think-tank": "organization",
    "ngo": "organization",
    "social-media": "unknown",
    "document": "unknown",
    "other": "unknown",
}
_ACTOR_CLASS = {
    "person": ("individual", None),
    "organization": ("organization", None),
    "media": ("organization", None),
    "government-agency": ("organization", ["government"]),
    "state": ("organization", ["government-national"]),  # only when no country code is found
    "other": ("unknown", None),
}


# --- small helpers -----------------------------------------------------------


def stix_id(stix_type: str, kind: str, briefgen_id: str) -> str:
    """The deterministic STIX id of a briefgen item: a UUIDv5 of its kind and id."""
    return f"{stix_type}--{uuid5(f'{kind}:{briefgen_id}')}"


_NAMESPACE_BYTES = NAMESPACE.bytes


def uuid5(name: str) -> str:
    """`str(uuid.uuid5(NAMESPACE, name))` (RFC 4122: SHA-1, version and variant bits) without
    building UUID objects: a large export makes hundreds of thousands."""
    b = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name.encode("utf-8")).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50
    b[8] = (b[8] & 0x3F) | 0x80
    x = b.hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def timestamp(date: str) -> str:
    """A STIX timestamp from an ISO date of any precision: the first instant it names."""
    parts = date.split("-") + ["1", "1"]
    year, month, day = (int(p) for p in parts[:3])
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00.000Z"


def _seconds(stamp: str) -> str:
    """A timestamp to the second, as the stix2 library writes those that need no milliseconds."""
    return stamp.replace(".000Z", "Z")


def _later(*stamps: str) -> str:
    return max(stamps)  # same fixed format, so text order is time order


def _tick(stamp: str) -> str:
    """A timestamp of midnight, one millisecond later."""
    return stamp.replace("T00:00:00.000Z", "T00:00:00.001Z")


def _strictest(tlps: Iterable[str]) -> str:
    return max(tlps, key=vocab.tlp_rank, default="clear")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    """Folded English country name -> ISO 3166-1 alpha-2 code (empty without Babel)."""
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - mkdocs-material depends on Babel
        return {}
    territories = Locale.parse("en").territories
    return {_fold(name): code for code, name in sorted(territories.items()) if len(code) == 2 and code.isalpha()}


def country_code(actor: Actor) -> str | None:
    codes = _country_codes()
    for name in [actor.name, *(n.name for n in other_names(actor))]:
        code = codes.get(_fold(name))
        if code:
            return code
    return None


def _names(entity) -> tuple[list[str], list[dict]]:
    """An actor's or source's other names, native name first; and those that have a language, with it."""
    names = other_names(entity)
    return [n.name for n in names], [{"name": n.name, "lang": n.lang} for n in names if n.lang]


def _cell(text: str) -> str:
    """Text fit for one Markdown table cell."""
    return " ".join(str(text).split()).replace("\\", "\\\\").replace("|", "\\|")


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.strip().splitlines())


_DECLARED = frozenset(EXTENSION_PROPERTIES)
_EMPTY_KINDS = (str, list, dict)  # falsy values of these kinds are left out


def _clean(props: dict) -> dict:
    """Without the properties that are empty: None, "", [] and {} (0 and False stay)."""
    return {k: v for k, v in props.items() if v or (v is not None and type(v) not in _EMPTY_KINDS)}


# --- who published it, and when each entity was mentioned --------------------


class Publisher(NamedTuple):
    """The site that publishes the export (site_config's title and url): the creator of its objects."""

    name: str
    url: str | None = None
    description: str = ""

    @property
    def id(self) -> str:
        return stix_id("identity", "publisher", self.url or self.name)


def publisher_of(settings: Settings | None) -> Publisher:
    settings = settings or Settings()
    return Publisher(settings.title, settings.url, settings.description.strip())


class Dates:
    """When the published briefs first and last mention each actor, source and question.

    A brief's created is its ``published``, its modified its ``updated`` if later.
    An entity's span is (the earliest created, the latest modified) of the briefs
    that mention it: an actor in an item's actors, a source as an item's origin or
    relay, a question through an item rating one of its hypotheses or a judgment
    bearing on one. One mentioned by none gets (the earliest created, the same);
    with no brief at all, `EPOCH`.
    """

    def __init__(self, corpus: Corpus):
        self.created = {b: timestamp(brief.published) for b, brief in corpus.briefs.items()}
        self.modified = {b: _later(self.created[b], timestamp(brief.updated)) if brief.updated else self.created[b]
                         for b, brief in corpus.briefs.items()}
        first = min(self.created.values(), default=EPOCH)
        self.unmentioned = (first, first)
        self.first = first
        spans: dict[str, dict[str, list[str]]] = {"actor": {}, "source": {}, "question": {}}

        def mention(kind: str, item_id: str, created: str, modified: str) -> None:
            span = spans[kind].get(item_id)
            if span is None:
                spans[kind][item_id] = [created, modified]
            else:
                span[0], span[1] = min(span[0], created), max(span[1], modified)

        for b, brief in corpus.briefs.items():
            created, modified = self.created[b], self.modified[b]
            actors, sources, questions = set(), set(), set()
            for item, origin in [*((x, x.source) for x in brief.claims), *((x, x.analyst) for x in brief.analyses)]:
                sources.add(origin)
                sources.update(item.via)
                actors.update(item.actors)
                questions.update(corpus.question_of[h] for h in item.assessments)
            questions.update(corpus.question_of[j.hypothesis] for j in brief.judgments if j.hypothesis)
            for kind, ids in (("actor", actors), ("source", sources), ("question", questions)):
                for i in ids:
                    mention(kind, i, created, modified)
        self.spans = {kind: {i: (a, b) for i, (a, b) in table.items()} for kind, table in spans.items()}

    def span(self, kind: str, item_id: str) -> tuple[str, str]:
        """(created, modified) of an actor, a source or a question."""
        return self.spans[kind].get(item_id, self.unmentioned)

    def entities_key(self, corpus: Corpus) -> str:
        """A digest of the spans of every actor and source: what their objects' dates show."""
        h = hashlib.blake2b(digest_size=16)
        for kind, table in (("actor", corpus.actors), ("source", corpus.sources)):
            for i in sorted(table):
                h.update(f"{kind}:{i}={self.span(kind, i)}\0".encode())
        return h.hexdigest()


# --- the export --------------------------------------------------------------


def _encode(obj: dict) -> bytes:
    return encode(obj, sort_keys=True)


class _Lazy(dict):
    """A table whose values are made on first lookup."""

    def __init__(self, make):
        super().__init__()
        self.make = make

    def __missing__(self, key):
        value = self[key] = self.make(key)
        return value


def _digest(lines) -> int:
    """The XOR of a 128-bit hash of each line: the digest of a set of objects, in any order."""
    out = 0
    for line in lines:
        out ^= int.from_bytes(hashlib.sha256(line).digest()[:16], "big")
    return out


class _Export:
    def __init__(self, corpus: Corpus, findings: Findings, parts: Parts = WHOLE, publisher: Publisher | None = None,
                 dates: Dates | None = None):
        self.c = corpus
        self.f = findings
        self.parts = parts  # makes the parts (a brief's objects, a question's), or gives their lines as the last bundle's
        self.objects: dict[str, object] = {}  # those of the part being made, or those made outside any part
        self.lines: dict[str, bytes | None] = {}  # id -> the object's JSON line in UTF-8 (None: the last bundle's)
        self.digest = 0  # of the lines taken so far (`_digest`)
        self.markings_used: set[str] = {"clear"}  # the briefgen identity and extension are TLP:CLEAR
        self.system_id = stix_id("identity", "system", "briefgen")
        self.extension_id = stix_id("extension-definition", "extension", "briefgen")
        self.publisher = publisher or publisher_of(None)
        self.publisher_id = self.publisher.id
        self.dates = dates or Dates(corpus)
        # STIX ids of every item, known before any object is built
        self.actor_ref = {a: self._actor_ref(a, actor) for a, actor in corpus.actors.items()}
        self.source_ref = {s: stix_id("identity", "source", s) for s in corpus.sources}
        self.brief_ref = {b: stix_id("report", "brief", b) for b in corpus.briefs}
        self.item_ref = _Lazy(self._item_ref)  # made when first asked: a brief copied from the last bundle asks for none of its items
        self.hypothesis_ref = {h: stix_id("note", "hypothesis", h) for h in corpus.hypotheses}
        self.question_ref = {q: stix_id("grouping", "question", q) for q in corpus.questions}
        self.ach_ref = {q: stix_id("note", "ach", q) for q in corpus.questions}
        # dates and markings of briefs and questions
        self.brief_created = self.dates.created
        self.brief_modified = self.dates.modified
        self.question_tlp = _Lazy(self._question_tlp)

    def _briefs_of_question(self, question_id: str) -> set[str]:
        """The briefs that bear on a question: those of its evidence, every item rating one of its
        hypotheses (its matrix's rows), and those of the judgments on one of them."""
        judged = {self.c.brief_of[j] for h in self.c.questions[question_id].hypotheses for j in self.c.judgments_by_hypothesis.get(h.id, ())}
        return self._evidence_briefs(question_id) | judged

    def _evidence_briefs(self, question_id: str) -> set[str]:
        return {self.c.brief_of[row.id] for row in self.f.matrices[question_id].rows}

    def _question_tlp(self, question_id: str) -> str:
        briefs = self._evidence_briefs(question_id)
        return _strictest([self.c.questions[question_id].tlp, *(self.c.briefs[b].tlp for b in briefs)])

    # -- building blocks
    def _item_ref(self, item_id: str) -> str:
        for kind, table in (("claim", self.c.claims), ("analysis", self.c.analyses), ("judgment", self.c.judgments)):
            if item_id in table:
                return stix_id("note", kind, item_id)
        raise KeyError(item_id)

    def _actor_ref(self, actor_id: str, actor: Actor) -> str:
        if actor.kind == "armed-group":
            return stix_id("threat-actor", "actor", actor_id)
        if actor.kind == "state" and country_code(actor):
            return stix_id("location", "actor", actor_id)
        return stix_id("identity", "actor", actor_id)

    def marking(self, tlp: str) -> list[str]:
        self.markings_used.add(tlp)
        return [TLP_MARKINGS[tlp]]

    def add(self, stix_type: str, **props) -> None:
        """One STIX object as a plain dict (the `stix2` library validates the result in the tests)."""
        props.setdefault("created_by_ref", self.publisher_id)
        props = _clean(props)
        custom = {k for k in props if k[:2] == "x_"}
        if not custom <= _DECLARED:
            raise ValueError(f"undeclared custom properties {sorted(custom - _DECLARED)}")
        if custom:
            props["extensions"] = {self.extension_id: {"extension_type": "toplevel-property-extension"}}
        props["type"] = stix_type
        props["spec_version"] = "2.1"
        if not props["id"].startswith(stix_type + "--"):
            raise ValueError(f"{props['id']} is not a {stix_type} id")
        if props["id"] in self.objects:
            raise ValueError(f"duplicate STIX id {props['id']}")
        self.objects[props["id"]] = props

    def tlp_of_actor(self, actor_id: str) -> str:
        return self.c.actors[actor_id].tlp

    # -- actors and sources
    def actors(self) -> None:
        for actor_id, actor in self.c.actors.items():
            ref = self.actor_ref[actor_id]
            created, modified = self.dates.span("actor", actor_id)
            common = dict(
                id=ref,
                created=created,
                modified=modified,
                name=actor.name,
                labels=list(actor.tags),
                object_marking_refs=self.marking(actor.tlp),
                x_briefgen_id=actor_id,
                x_briefgen_kind="actor",
                x_briefgen_actor_kind=actor.kind,
            )
            aliases, common["x_briefgen_names"] = _names(actor)
            if ref.startswith("threat-actor--"):
                self.add("threat-actor", description=actor.description, aliases=aliases, **common)
                continue
            description = actor.description or ""
            if aliases:
                description = f"{description.rstrip()}\n\nAlso known as: {', '.join(aliases)}.".lstrip()
            if ref.startswith("location--"):
                self.add("location", description=description, country=country_code(actor), x_briefgen_aliases=aliases, **common)
            else:
                identity_class, sectors = _ACTOR_CLASS[actor.kind]
                self.add("identity", description=description, identity_class=identity_class, sectors=sectors,
                         x_briefgen_aliases=aliases, **common)
        for actor_id, actor in self.c.actors.items():
            seen: dict[str, int] = {}
            for rel in actor.relations:
                key = f"{actor_id}:{rel.type}:{rel.actor}"
                seen[key] = seen.get(key, 0) + 1
                if seen[key] > 1:
                    key = f"{key}:{seen[key]}"
                start = _seconds(timestamp(rel.since)) if rel.since else None
                stop = _seconds(timestamp(rel.until)) if rel.until else None
                if start and stop and stop <= start:
                    stop = None  # STIX needs stop_time after start_time; the authored dates stay in x_briefgen_*
                parts = [f"{actor.name} {vocab.RELATION[rel.type].label} {self.c.actors[rel.actor].name}.", rel.note or ""]
                if rel.source:
                    parts.append(f"Source: {self.c.sources[rel.source].name}.")
                tlps = [actor.tlp, self.tlp_of_actor(rel.actor)] + ([self.c.sources[rel.source].tlp] if rel.source else [])
                created, modified = self.dates.span("actor", actor_id)
                self.add(
                    "relationship",
                    id=stix_id("relationship", "relation", key),
                    created=created,
                    modified=modified,
                    relationship_type=RELATIONSHIP_TYPE,
                    source_ref=self.actor_ref[actor_id],
                    target_ref=self.actor_ref[rel.actor],
                    description="\n\n".join(p.strip() for p in parts if p.strip()),
                    start_time=start,
                    stop_time=stop,
                    object_marking_refs=self.marking(_strictest(tlps)),
                    x_briefgen_kind="relation",
                    x_briefgen_relationship_type=rel.type,
                    x_briefgen_since=rel.since,
                    x_briefgen_until=rel.until,
                    x_briefgen_source_ref=self.source_ref[rel.source] if rel.source else None,
                )

    def sources(self) -> None:
        for source_id, source in self.c.sources.items():
            grade = vocab.RELIABILITY[source.reliability]
            parts = [source.description or "", f"**Reliability: {source.reliability}** ({grade.label})."]
            if source.reliability_note:
                parts.append(source.reliability_note)
            if source.affiliation:
                parts.append(f"Affiliation: {source.affiliation}.")
            created, modified = self.dates.span("source", source_id)
            self.add(
                "identity",
                id=self.source_ref[source_id],
                created=created,
                modified=modified,
                name=source.name,
                identity_class=_SOURCE_CLASS[source.kind],
                description="\n\n".join(p.strip() for p in parts if p.strip()),
                external_references=self.references(source.name, source.url, source.archive),
                object_marking_refs=self.marking(source.tlp),
                x_briefgen_id=source_id,
                x_briefgen_kind="source",
                x_briefgen_source_kind=source.kind,
                x_briefgen_reliability=source.reliability,
                x_briefgen_affiliation=source.affiliation,
                x_briefgen_country=source.country,
                x_briefgen_language=source.language,
                x_briefgen_aliases=_names(source)[0],
                x_briefgen_names=_names(source)[1],
            )
            if source.actor:
                self.add(
                    "relationship",
                    id=stix_id("relationship", "speaks-for", f"{source_id}:{source.actor}"),
                    created=created,
                    modified=modified,
                    relationship_type=RELATIONSHIP_TYPE,
                    source_ref=self.source_ref[source_id],
                    target_ref=self.actor_ref[source.actor],
                    description=f"{source.name} speaks for {self.c.actors[source.actor].name}.",
                    object_marking_refs=self.marking(_strictest([source.tlp, self.tlp_of_actor(source.actor)])),
                    x_briefgen_kind="speaks-for",
                    x_briefgen_relationship_type="speaks-for",
                )

    def entities(self) -> None:
        """Actors, sources and their relationships: made again only when an actor or a source changed."""
        self.actors()
        self.sources()

    # -- briefs and what they hold
    def briefs(self) -> None:
        for brief_id, brief in self.c.briefs.items():
            self.part(f"brief:{brief_id}", self.brief, brief_id, brief)

    def part(self, name: str, make, *args) -> None:
        """Add the objects of a brief, a question or the entities: made, or given by `parts` (as the
        last bundle's lines, with the markings and digest of the objects they were made from)."""
        made, (markings, digest) = self.parts.part(name, partial(self.lines_of, make, *args))
        for object_id, line in made:
            if object_id in self.lines:
                raise ValueError(f"duplicate STIX id {object_id}")
            self.lines[object_id] = line
        self.markings_used |= markings
        self.digest ^= digest

    def lines_of(self, make, *args) -> tuple[list[tuple[str, bytes]], tuple[frozenset, int]]:
        """The JSON lines of the objects `make(*args)` adds, by id, with the TLP markings they use and their digest."""
        outer = self.objects, self.markings_used
        self.objects, self.markings_used = {}, set()
        make(*args)
        made = [(i, _encode(obj)) for i, obj in self.objects.items()]
        markings = frozenset(self.markings_used)
        self.objects, self.markings_used = outer
        return made, (markings, _digest(line for _, line in made))

    def references(self, name: str, url: str | None, archive) -> list[dict] | None:
        """An item's address and its archived copy as external references (an evidence file by its
        address on the site when the site's url is known, else by its path there)."""
        refs = [{"source_name": name, "url": url}] if url else []
        if archive is not None:
            where = archive.url if "://" in archive.url else (f"{self.publisher.url.rstrip('/')}/{archive.url}" if self.publisher.url else None)
            ref = {"source_name": "archived copy", "description": f"archived {archive.captured}"
                   + ("" if where else f" at {archive.url} on the site")}
            if where:
                ref["url"] = where
            if archive.sha256:
                ref["hashes"] = {"SHA-256": archive.sha256}
            refs.append(ref)
        return refs or None

    def brief(self, brief_id: str, brief: Brief) -> None:
        """The report of a brief and the objects of its items."""
        refs: set[str] = set()
        for claim in brief.claims:
            refs |= self.claim(brief_id, brief, claim)
        for analysis in brief.analyses:
            refs |= self.analysis(brief_id, brief, analysis)
        for judgment in brief.judgments:
            refs |= self.judgment(brief_id, brief, judgment)
        created = self.brief_created[brief_id]
        self.add(
            "report",
            id=self.brief_ref[brief_id],
            created=created,
            # later than published: importers such as misp-stix take a report modified when published for a draft
            modified=_later(self.brief_modified[brief_id], _tick(created)),
            published=_seconds(created),
            name=brief.title,
            description=brief.summary,
            report_types=["threat-report"],
            labels=list(brief.tags),
            object_refs=sorted(refs) or [self.publisher_id],  # STIX requires one; a brief with no items yet has its publisher
            object_marking_refs=self.marking(brief.tlp),
            x_briefgen_id=brief_id,
            x_briefgen_kind="brief",
            x_briefgen_authors=list(brief.authors),
            x_briefgen_status=brief.status,
            **({"x_briefgen_reviewed_by": list(brief.reviewed_by)} if brief.reviewed_by else {}),
            **({"x_briefgen_approved": brief.approved} if brief.approved else {}),
        )

    def _item_common(self, brief_id: str, brief: Brief, item_id: str, kind: str) -> dict:
        return dict(
            id=self.item_ref[item_id],
            created=self.brief_created[brief_id],
            modified=self.brief_modified[brief_id],
            object_marking_refs=self.marking(brief.tlp),
            x_briefgen_id=item_id,
            x_briefgen_kind=kind,
        )

    def _evidence(self, item: Claim | Analysis) -> dict:
        """Admiralty grading and ACH ratings of a claim or an analysis."""
        reliability = self.c.reliability_of(item)
        credibility = item.credibility
        confidence = admiralty_credibility_to_value(_ADMIRALTY_SCALE[credibility]) if credibility in _ADMIRALTY_SCALE else None
        return dict(
            confidence=confidence,
            x_briefgen_admiralty=f"{reliability}{credibility}",
            x_briefgen_reliability=reliability,
            x_briefgen_credibility=credibility,
            x_briefgen_assessments=dict(sorted(item.assessments.items())),
        )

    def _mentions(self, item: Claim | Analysis, origin: str) -> set[str]:
        refs = {self.source_ref[origin], *(self.source_ref[s] for s in item.via)}
        refs |= {self.actor_ref[a] for a in item.actors}
        return refs

    def _grading_lines(self, item: Claim | Analysis, origin: str) -> list[str]:
        source = self.c.sources[origin]
        code = f"{source.reliability}{item.credibility}"
        via = f", via {', '.join(self.c.sources[s].name for s in item.via)}" if item.via else ""
        return [
            f"- **Source:** {source.name}{via}",
            f"- **Admiralty code:** {code} ({vocab.admiralty_title(code)})",
        ]

    def _ratings_lines(self, item: Claim | Analysis) -> list[str]:
        lines = []
        for h, rating in sorted(item.assessments.items()):
            lines.append(f"- {vocab.RATING[rating].label} ({rating}) with `{h}`: {self.c.hypotheses[h].statement}")
        return ["", "**Consistency with the competing hypotheses:**", "", *lines] if lines else []

    def claim(self, brief_id: str, brief: Brief, claim: Claim) -> set[str]:
        source = self.c.sources[claim.source]
        lines = [claim.statement]
        if claim.quote:
            lines += ["", _quote(claim.quote)]
        lines += ["", *self._grading_lines(claim, claim.source), f"- **Reported:** {claim.reported}"]
        if claim.occurred:
            lines.append(f"- **Occurred:** {claim.occurred}")
        if claim.location:
            lines.append(f"- **Location:** {claim.location}")
        for label, others in (("Contradicts", claim.contradicts), ("Corroborates", claim.corroborates)):
            lines += [f"- **{label}:** claim `{other}`" for other in others]  # by id: its words are its brief's
        lines += self._ratings_lines(claim)
        note_refs = {self.brief_ref[brief_id], *(self.actor_ref[a] for a in claim.actors), *(self.hypothesis_ref[h] for h in claim.assessments),
                     self.source_ref[claim.source], *(self.source_ref[s] for s in claim.via)}
        located = self.location(brief_id, brief, claim)
        note_refs.update(located[:1])
        self.add(
            "note",
            abstract=claim.statement,
            content="\n".join(lines),
            authors=[source.name],
            object_refs=sorted(note_refs),
            labels=list(claim.tags),
            external_references=self.references(source.name, claim.url, claim.archive),
            x_briefgen_reported=claim.reported,
            x_briefgen_occurred=claim.occurred,
            x_briefgen_location=claim.location,
            x_briefgen_source_ref=self.source_ref[claim.source],
            x_briefgen_via_refs=[self.source_ref[s] for s in claim.via],
            **self._evidence(claim),
            **self._item_common(brief_id, brief, claim.id, "claim"),
        )
        refs = {self.item_ref[claim.id], *located} | self._mentions(claim, claim.source)
        for rel_type, others in (("contradicts", claim.contradicts), ("corroborates", claim.corroborates)):
            for other in others:
                rel_id = stix_id("relationship", rel_type, f"{claim.id}:{other}")
                other_brief = self.c.brief_of[other]
                self.add(
                    "relationship",
                    id=rel_id,
                    created=self.brief_created[brief_id],
                    modified=self.brief_modified[brief_id],
                    relationship_type=RELATIONSHIP_TYPE,
                    source_ref=self.item_ref[claim.id],
                    target_ref=self.item_ref[other],
                    description=f"{claim.statement}\n\n{rel_type}\n\n{self.c.claims[other].statement}",
                    object_marking_refs=self.marking(_strictest([brief.tlp, self.c.briefs[other_brief].tlp])),
                    x_briefgen_kind=rel_type,
                    x_briefgen_relationship_type=rel_type,
                )
                refs.add(rel_id)
        return refs

    def location(self, brief_id: str, brief: Brief, claim: Claim) -> tuple[str, ...]:
        """A located claim's ``location`` and the relationship from its note to it (their ids); () without coordinates."""
        if claim.coordinates is None:
            return ()
        lat, lon = claim.coordinates
        basis = vocab.LOCATION_BASIS[claim.location_basis]
        location_id = stix_id("location", "claim-location", claim.id)  # not "claim": MISP keeps only the UUID, the note has that one
        relationship_id = stix_id("relationship", "located-at", claim.id)
        common = dict(created=self.brief_created[brief_id], modified=self.brief_modified[brief_id],
                      object_marking_refs=self.marking(brief.tlp))
        name = claim.location or f"{lat:g}, {lon:g}"
        self.add(
            "location",
            id=location_id,
            name=name,
            description=f"{name}: {basis.label} of the claim: {claim.statement}",
            latitude=lat,
            longitude=lon,
            x_briefgen_id=claim.id,
            x_briefgen_kind="location",
            x_briefgen_location_basis=claim.location_basis,
            **common,
        )
        self.add(
            "relationship",
            id=relationship_id,
            relationship_type=RELATIONSHIP_TYPE,
            source_ref=self.item_ref[claim.id],
            target_ref=location_id,
            description=f"{claim.statement}\n\n{basis.label}: {name}",
            x_briefgen_kind="located-at",
            x_briefgen_relationship_type="located-at",
            **common,
        )
        return location_id, relationship_id

    def analysis(self, brief_id: str, brief: Brief, analysis: Analysis) -> set[str]:
        analyst = self.c.sources[analysis.analyst]
        lines = [analysis.summary.strip()]
        if analysis.points:
            lines += ["", "**Key points:**", "", *(f"- {' '.join(p.split())}" for p in analysis.points)]
        if analysis.quote:
            lines += ["", _quote(analysis.quote)]
        lines += ["", *self._grading_lines(analysis, analysis.analyst)]
        if analysis.date:
            lines.append(f"- **Date:** {analysis.date}")
        lines += self._ratings_lines(analysis)
        note_refs = {self.brief_ref[brief_id], *(self.actor_ref[a] for a in analysis.actors),
                     *(self.hypothesis_ref[h] for h in analysis.assessments),
                     self.source_ref[analysis.analyst], *(self.source_ref[s] for s in analysis.via)}
        self.add(
            "note",
            abstract=analysis.title,
            content="\n".join(lines),
            authors=[analyst.name],
            object_refs=sorted(note_refs),
            labels=list(analysis.tags),
            external_references=self.references(analyst.name, analysis.url, analysis.archive),
            x_briefgen_date=analysis.date,
            x_briefgen_source_ref=self.source_ref[analysis.analyst],
            x_briefgen_via_refs=[self.source_ref[s] for s in analysis.via],
            **self._evidence(analysis),
            **self._item_common(brief_id, brief, analysis.id, "analysis"),
        )
        return {self.item_ref[analysis.id]} | self._mentions(analysis, analysis.analyst)

    def judgment(self, brief_id: str, brief: Brief, judgment: Judgment) -> set[str]:
        likelihood = vocab.LIKELIHOOD[judgment.likelihood]
        confidence = vocab.CONFIDENCE[judgment.confidence]
        lines = [
            judgment.statement,
            "",
            f"- **Likelihood:** {likelihood.label} ({likelihood.description})",
            f"- **Confidence:** {confidence.label}",
            "",
            "**Basis:**",
            "",
        ]
        for b in judgment.basis:
            item = self.c.item(b)
            lines.append(f"- {item.statement if isinstance(item, Claim) else item.title}")
        refs = {self.brief_ref[brief_id], *(self.item_ref[b] for b in judgment.basis)}
        if judgment.hypothesis:
            lines += ["", f"**Bears on hypothesis** `{judgment.hypothesis}`: {self.c.hypotheses[judgment.hypothesis].statement}"]
            refs.add(self.hypothesis_ref[judgment.hypothesis])
        self.add(
            "note",
            abstract=judgment.statement,
            content="\n".join(lines),
            authors=list(brief.authors),
            object_refs=sorted(refs),
            confidence=none_low_med_high_to_value(_CONFIDENCE_SCALE[judgment.confidence]),
            x_briefgen_likelihood=judgment.likelihood,
            x_briefgen_likelihood_range=likelihood.description,
            x_briefgen_confidence=judgment.confidence,
            **self._item_common(brief_id, brief, judgment.id, "judgment"),
        )
        return {self.item_ref[judgment.id]}

    # -- questions, hypotheses and ACH
    def ach_markdown(self, question: Question, matrix: Matrix) -> str:
        ranking = matrix.ranking
        label = {s.id: f"H{s.rank}" for s in ranking}
        lines = [
            "**Competing hypotheses, least disproved first** (ranked by weighted inconsistency, "
            "then inconsistency; inconsistency counts 1 per I and 2 per II rating, weighted by "
            "source reliability × information credibility).",
            "",
            "| Rank | Hypothesis | Inconsistency | Weighted inconsistency | Unrated rows |",
            "|---:|---|---:|---:|---:|",
        ]
        for s in ranking:
            lines.append(f"| {label[s.id]} | {_cell(s.statement)} (`{s.id}`) | {s.inconsistency} | {s.weighted:.2f} | {s.gaps} |")
        if matrix.rows:
            heads = " | ".join(label[s.id] for s in ranking)
            lines += [
                "",
                "**Evidence** (CC very consistent, C consistent, N neutral, I inconsistent, II very inconsistent, NA not rated):",
                "",
                f"| Evidence | Kind | Admiralty | Weight | {heads} | Diagnosticity |",
                "|---|---|---|---:|" + "---|" * len(ranking) + "---:|",
            ]
            for row in matrix.rows:
                ratings = " | ".join(row.ratings[s.id] for s in ranking)
                lines.append(f"| {_cell(row.text)} | {row.kind} | {row.code} | {row.weight:.2f} | {ratings} | {row.diagnosticity} |")
        else:
            lines += ["", "No published evidence rates these hypotheses yet."]
        return "\n".join(lines)

    def questions(self) -> None:
        for q, question in self.c.questions.items():
            self.part(f"question:{q}", self.question, q, question)

    def question(self, q: str, question: Question) -> None:
        """The grouping of a question, its ACH result and its hypotheses."""
        matrix = self.f.matrices[q]
        tlp = self.question_tlp[q]
        created, modified = self.dates.span("question", q)
        evidence = sorted({self.item_ref[row.id] for row in matrix.rows})
        hypotheses = sorted(self.hypothesis_ref[h.id] for h in question.hypotheses)
        table = self.ach_markdown(question, matrix)
        description = f"{question.context.strip()}\n\n{table}" if question.context else table
        self.add(
            "grouping",
            id=self.question_ref[q],
            created=created,
            modified=modified,
            name=question.question,
            context="unspecified",
            description=description,
            object_refs=sorted({*hypotheses, *evidence, self.ach_ref[q]}),
            object_marking_refs=self.marking(tlp),
            x_briefgen_id=q,
            x_briefgen_kind="question",
        )
        self.add(
            "note",
            id=self.ach_ref[q],
            created=created,
            modified=modified,
            abstract=f"ACH: {question.question}",
            content=table,
            object_refs=sorted({self.question_ref[q], *hypotheses, *evidence}),
            object_marking_refs=self.marking(tlp),
            x_briefgen_id=q,
            x_briefgen_kind="ach-result",
            x_briefgen_question=q,
        )
        for b in sorted(self._briefs_of_question(q)):
            # the question's grouping is not in any report (importers such as misp-stix take each as an event of
            # its own): it is linked to the reports whose items bear on it
            brief = self.c.briefs[b]
            self.add(
                "relationship",
                id=stix_id("relationship", "bears-on", f"{b}:{q}"),
                created=self.brief_created[b],
                modified=self.brief_modified[b],
                relationship_type=RELATIONSHIP_TYPE,
                source_ref=self.brief_ref[b],
                target_ref=self.question_ref[q],
                description=f"{brief.title}\n\nbears on the question\n\n{question.question}",
                object_marking_refs=self.marking(_strictest([brief.tlp, question.tlp])),
                x_briefgen_kind="bears-on",
                x_briefgen_relationship_type="bears-on",
            )
        total = len(matrix.ranking)
        for s in matrix.ranking:
            self.add(
                "note",
                id=self.hypothesis_ref[s.id],
                created=created,
                modified=modified,
                abstract=s.statement,
                content=(
                    f"{s.statement}\n\n"
                    f"Hypothesis for: {question.question}\n\n"
                    f"- **Rank:** {s.rank} of {total}\n"
                    f"- **Inconsistency:** {s.inconsistency}\n"
                    f"- **Weighted inconsistency:** {s.weighted:.2f}\n"
                    f"- **Unrated evidence rows:** {s.gaps}"
                ),
                object_refs=[self.question_ref[q]],
                object_marking_refs=self.marking(tlp),
                x_briefgen_id=s.id,
                x_briefgen_kind="hypothesis",
                x_briefgen_question=q,
                x_briefgen_rank=s.rank,
                x_briefgen_inconsistency=s.inconsistency,
                x_briefgen_weighted_inconsistency=round(s.weighted, 4),
                x_briefgen_gaps=s.gaps,
            )

    # -- the fixed objects
    def system(self) -> None:
        publisher = self.publisher
        self.add(
            "identity",
            id=self.publisher_id,
            created_by_ref=None,  # it is the creator
            created=self.dates.first,  # not the last brief's date: a new brief leaves every brief's bundle alone
            modified=self.dates.first,
            name=publisher.name,
            identity_class="organization",
            description=publisher.description,
            contact_information=publisher.url,
            external_references=[{"source_name": publisher.name, "url": publisher.url}] if publisher.url else None,
            object_marking_refs=self.marking("clear"),
        )
        self.add(
            "identity",
            id=self.system_id,
            created_by_ref=None,
            created=EXTENSION_DATE,
            modified=EXTENSION_DATE,
            name="briefgen",
            identity_class="system",
            description="The briefgen static intelligence-brief site generator, which wrote this STIX export.",
            object_marking_refs=self.marking("clear"),
        )
        self.add(
            "extension-definition",
            id=self.extension_id,
            created_by_ref=self.system_id,
            created=EXTENSION_DATE,
            modified=EXTENSION_DATE,
            name="briefgen properties",
            description=(
                "Top-level x_briefgen_* properties written by briefgen: the briefgen id and kind of each "
                "object, Admiralty grading of claims and analyses, ACH ratings and scores, estimative "
                "likelihood of judgments, and the dates and aliases STIX has no property for."
            ),
            schema=(
                "Top-level properties (toplevel-property-extension). x_briefgen_id: the item's briefgen id "
                "(slug). x_briefgen_kind: its briefgen kind (actor, source, brief, claim, ...). "
                "x_briefgen_actor_kind, x_briefgen_source_kind: the kind of an actor or source. x_briefgen_admiralty: Admiralty code, source "
                "reliability letter A-F plus information credibility digit 1-6, e.g. C3. "
                "x_briefgen_reliability: A-F. x_briefgen_credibility: 1-6. x_briefgen_assessments: map of "
                "hypothesis id to CC, C, N, I, II or NA. x_briefgen_likelihood: estimative likelihood term; "
                "x_briefgen_likelihood_range: its probability range. x_briefgen_confidence: low, moderate or "
                "high. x_briefgen_rank, x_briefgen_inconsistency, x_briefgen_weighted_inconsistency, "
                "x_briefgen_gaps: ACH result of a hypothesis in question x_briefgen_question. "
                "x_briefgen_reported, x_briefgen_occurred, x_briefgen_date, x_briefgen_since, "
                "x_briefgen_until: ISO 8601 dates of reduced precision as authored. x_briefgen_aliases: other "
                "names. x_briefgen_names: the names that have a language, each {name, lang} (lang a BCP 47 tag). x_briefgen_via_refs: identities of the sources that relayed an item. "
                "x_briefgen_source_ref: identity of the source of an item or a relation. "
                "x_briefgen_relationship_type: the precise type of a related-to relationship (leads, member-of, "
                "part-of, split-from, allied-with, hostile-to, affiliated-with, supports, speaks-for, contradicts, "
                "corroborates, bears-on). Other x_briefgen_* properties "
                "carry the authored field of the same name."
            ),
            version=EXTENSION_VERSION,
            extension_types=["toplevel-property-extension"],
            extension_properties=list(EXTENSION_PROPERTIES),
            object_marking_refs=self.marking("clear"),
        )

    def tlp_markings(self, used: Iterable[str] | None = None) -> list[dict]:
        used = self.markings_used if used is None else set(used)
        return [
            {
                "created": TLP_CREATED,
                "extensions": {TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp}},
                "id": TLP_MARKINGS[tlp],
                "name": vocab.TLP[tlp].label,
                "spec_version": "2.1",
                "type": "marking-definition",
            }
            for tlp in TLP_MARKINGS
            if tlp in used
        ]

    def bundle(self) -> Iterator[bytes | list[tuple[str, bytes | None]]]:
        """The bundle's JSON text: literal UTF-8 pieces and its objects as (id, line) pairs, the line None where
        it is the last bundle's (`generator.output.lines.Stream`), so that a large export is never one string."""
        self.system()
        self.part("entities", self.entities)
        self.briefs()
        self.questions()
        rest = {}
        for obj in [*self.objects.values(), *self.tlp_markings()]:
            if obj["id"] in self.lines or obj["id"] in rest:
                raise ValueError(f"duplicate STIX id {obj['id']}")
            rest[obj["id"]] = _encode(obj)
        self.lines.update(rest)
        self.digest ^= _digest(rest.values())
        # one object a line, sorted by id: compact, yet a diff between two exports shows which objects changed
        order = sorted(self.lines)
        digest = f"{len(order)}:{self.digest:032x}"
        yield _encode({"id": stix_id("bundle", "bundle", digest), "type": "bundle"})[:-1] + b',"objects":[\n'
        lines = self.lines
        yield [(object_id, lines[object_id]) for object_id in order]
        yield b"\n]}\n"


def stix_lines(corpus: Corpus, findings: Findings, parts: Parts = WHOLE, settings: Settings | None = None,
               dates: Dates | None = None) -> Stream:
    """The published corpus as a STIX 2.1 bundle, a `generator.output.lines.Stream`; the same corpus gives the same bytes.

    Its parts, named for `parts`: ``entities`` (the actors, sources and their
    relationships), ``brief:<id>`` (a brief's report, its items and their
    relationships), ``question:<id>`` (a question's grouping, ACH note and
    hypotheses). A line's key is its object's id.
    """
    return _Export(corpus, findings, parts, publisher_of(settings), dates).bundle()


def stix_bundle(corpus: Corpus, findings: Findings, settings: Settings | None = None) -> str:
    """`stix_lines` as one string (made whole: no file to copy from)."""
    return join(stix_lines(corpus, findings, settings=settings)).decode("utf-8")


# --- one bundle per brief ------------------------------------------------------


def brief_bundle_path(brief_id: str) -> str:
    """Where a brief's own bundle is, under the docs folder: in the folder of its page's URL."""
    return f"briefs/{brief_id}/stix.json"


class BriefBundles:
    """The bundle of each brief (`/briefs/<id>/stix.json`), its objects those of the whole bundle.

    A brief's bundle holds its report, every object the report lists (its
    items, actors and sources, and the contradicts/corroborates relationships
    of its claims), the claims of other briefs at the other end of those
    relationships, the relationships among its actors and sources, and the
    publisher, the briefgen identity and extension and the TLP markings these
    use. What those objects refer to in turn (a hypothesis its claims rate,
    the report of another brief's claim) is not in it, nor are the questions'
    groupings (which importers such as misp-stix take as events of their own).
    The objects of each part (`stix_lines`) are made once and shared by every
    brief's bundle made in the same process.
    """

    def __init__(self, corpus: Corpus, findings: Findings, settings: Settings | None = None, dates: Dates | None = None):
        self.x = _Export(corpus, findings, WHOLE, publisher_of(settings), dates)
        self.made: dict[str, dict[str, tuple[dict, bytes]]] = {}  # part name -> id -> (object, line)
        self.fixed = self._made("system", self.x.system)
        self.entities = self._made("entities", self.x.entities)
        self.ends: dict[str, tuple[str, str]] = {}  # relationship id -> (source, target), for the entities part's
        for object_id, (obj, _) in self.entities.items():
            if obj["type"] == "relationship":
                self.ends[object_id] = (obj["source_ref"], obj["target_ref"])

    def _made(self, name: str, make, *args) -> dict[str, tuple[dict, bytes]]:
        found = self.made.get(name)
        if found is None:
            outer = self.x.objects, self.x.markings_used
            self.x.objects, self.x.markings_used = {}, set()
            make(*args)
            found = self.made[name] = {i: (obj, _encode(obj)) for i, obj in self.x.objects.items()}
            self.x.objects, self.x.markings_used = outer
        return found

    def _brief(self, brief_id: str) -> dict[str, tuple[dict, bytes]]:
        return self._made(f"brief:{brief_id}", self.x.brief, brief_id, self.x.c.briefs[brief_id])

    def bundle(self, brief_id: str) -> bytes:
        """The brief's bundle, one object a line as in the whole bundle."""
        c, x = self.x.c, self.x
        brief = c.briefs[brief_id]
        chosen: dict[str, tuple[dict, bytes]] = dict(self.fixed)
        chosen.update(self._brief(brief_id))
        for claim in brief.claims:
            for other in (*claim.contradicts, *claim.corroborates):
                note = x.item_ref[other]
                chosen[note] = self._brief(c.brief_of[other])[note]
        listed = set(chosen[x.brief_ref[brief_id]][0]["object_refs"])
        for object_id, made in self.entities.items():
            ends = self.ends.get(object_id)
            if object_id in listed or (ends is not None and ends[0] in listed and ends[1] in listed):
                chosen[object_id] = made
        markings = {m for obj, _ in chosen.values() for m in obj.get("object_marking_refs", ())}
        tlps = {tlp for tlp, ref in TLP_MARKINGS.items() if ref in markings}
        for obj in x.tlp_markings(tlps):
            chosen[obj["id"]] = (obj, _encode(obj))
        order = sorted(chosen)
        digest = f"{len(order)}:{_digest(chosen[i][1] for i in order):032x}"
        head = _encode({"id": stix_id("bundle", "bundle", digest), "type": "bundle"})[:-1] + b',"objects":[\n'
        return head + SEP.join(chosen[i][1] for i in order) + b"\n]}\n"
