"""The typed models of the brief format (contract v1).

One pydantic model per kind of thing an author writes. Unknown keys are
refused; controlled values come from `vocab`; Markdown fields are marked
(`MARKDOWN`) for the checks of `format.markdown`. Validating a file against
its model, with positions, is a stage (`stages.validate`).

The models are also the source of the JSON Schemas editors read
(`format.schema`): each field's docstring is its description there, and a
field whose values come from a `vocab` table says what each value means
(`Vocabulary`).
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Optional
from urllib.parse import urlsplit

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, GetJsonSchemaHandler, WithJsonSchema,
                      model_serializer, model_validator)
from pydantic_core import CoreSchema

from generator.format import vocab

# --- field types -----------------------------------------------------------

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # every id, and the file name of every corpus file

# each field's docstring describes it; patternErrorMessage is what an editor says of a value that is no id
Slug = Annotated[str, Field(pattern=SLUG.pattern, max_length=80, json_schema_extra={
    "patternErrorMessage": "not an id: use lower-case letters, digits and single hyphens (e.g. al-qurashi)"})]

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$", re.ASCII)


def _date_pattern() -> str:
    """`_DATE` with `_check_date`'s rules as one regular expression, for editors: months
    01 to 12, and only the days each month has (29 February in leap years only)."""
    month, day = "(?:0[1-9]|1[0-2])", "(?:0[1-9]|1[0-9]|2[0-8])"
    leap = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
    return (f"^(?:[0-9]{{4}}(?:-{month})?"
            f"|[0-9]{{4}}-(?:{month}-{day}|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
            f"|{leap}-02-29)$")


DATE_PATTERN = _date_pattern()


def _date_to_text(value: Any) -> Any:
    # YAML reads `published: 2023` as a number; a date is text as written.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _check_date(value: str) -> str:
    m = _DATE.match(value)
    if not m:
        raise ValueError(f"'{value}' is not an ISO 8601 date: write 2023, 2023-08 or 2023-08-03")
    year, month, day = m.groups()
    if month and not 1 <= int(month) <= 12:
        raise ValueError(f"'{value}': month {month} does not exist")
    if day and not 1 <= int(day) <= calendar.monthrange(int(year), int(month))[1]:
        raise ValueError(f"'{value}': day {day} does not exist in {year}-{month}")
    return value


PartialDate = Annotated[
    str,
    BeforeValidator(_date_to_text),
    AfterValidator(_check_date),
    # `pattern` applies to text and the bounds to numbers: a year may be written as either
    WithJsonSchema({
        "type": ["string", "integer"],
        "pattern": DATE_PATTERN,
        "minimum": 1000,
        "maximum": 9999,
        "patternErrorMessage": "not a date: write 2023, 2023-08 or 2023-08-03, a month from 01 to 12 and a day the month has",
    }),
]


def _check_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError(f"'{value}' is not a web address: only http:// and https:// links are allowed")
    return value


Url = Annotated[str, AfterValidator(_check_url), Field(json_schema_extra={"format": "uri", "pattern": "^https?://"})]

EVIDENCE = "evidence"  # the project's folder of archived copies kept with the corpus; the site's too
_MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")  # what mkdocs renders as a page, not copies
_EVIDENCE_PATH = r"^evidence(/[^/\\.][^/\\]*)+$"  # as the JSON Schema says it: steps neither empty nor starting with a dot


def evidence_path(url: str) -> str | None:
    """The path under the project of an archived copy kept as a file (`evidence/...`); None for a web address."""
    return url if url.startswith(EVIDENCE + "/") else None


def _check_archive_url(value: str) -> str:
    if urlsplit(value.strip()).scheme.lower() in ("http", "https"):
        return _check_url(value)
    if evidence_path(value) is None:
        raise ValueError(f"'{value}' is neither a web address (http:// or https://) nor a file under {EVIDENCE}/ "
                         f"(write it from the project's folder, e.g. {EVIDENCE}/2023/report.pdf)")
    steps = value.split("/")[1:]
    if any(not step or step.startswith(".") for step in steps) or "\\" in value:
        raise ValueError(f"'{value}': each step of a path under {EVIDENCE}/ is a name: no '..', '.', empty step, "
                         "hidden file or backslash")
    if steps[-1].lower().endswith(_MARKDOWN_SUFFIXES):
        raise ValueError(f"'{value}': a Markdown file would be published as a page of the site: keep it as .txt")
    return value


ArchiveUrl = Annotated[str, AfterValidator(_check_archive_url), WithJsonSchema({
    "type": "string",
    "description": f"the archived copy: a web address (e.g. a web archive's snapshot), or a file kept under the project's {EVIDENCE}/ folder",
    "anyOf": [{"format": "uri", "pattern": "^https?://"}, {"pattern": _EVIDENCE_PATH}],
})]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _check_sha256(value: str) -> str:
    if not _SHA256.match(value):
        raise ValueError(f"'{value}' is not a SHA-256 digest: 64 lower-case hexadecimal digits (sha256sum prints it)")
    return value


Sha256 = Annotated[str, AfterValidator(_check_sha256), WithJsonSchema({
    "type": "string", "pattern": _SHA256.pattern, "description": "SHA-256 of the captured content, 64 lower-case hexadecimal digits"})]


def _number(value: Any) -> Any:
    # a number as YAML reads it: `"35.9"` (text), `true` and `.nan` are no coordinate
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a number: write degrees as a decimal number, without quotes (e.g. 35.93)")
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a number of degrees")
    return float(value)


def _pair(value: Any) -> Any:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        got = f"{len(value)} values" if isinstance(value, (list, tuple)) else repr(value)
        raise ValueError(f"write [latitude, longitude], two numbers in decimal degrees (e.g. [35.93, 36.63]); got {got}")
    return value


def _check_coordinates(value: tuple[float, float]) -> tuple[float, float]:
    lat, lon = value
    if not -90 <= lat <= 90:
        swapped = " (latitude comes first: did you write [longitude, latitude]?)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        raise ValueError(f"latitude {lat:g} is out of range: from -90 (south) to 90 (north){swapped}")
    if not -180 <= lon <= 180:
        raise ValueError(f"longitude {lon:g} is out of range: from -180 (west) to 180 (east)")
    return value


Degrees = Annotated[float, BeforeValidator(_number)]
Coordinates = Annotated[tuple[Degrees, Degrees], BeforeValidator(_pair), AfterValidator(_check_coordinates), WithJsonSchema({
    "type": "array",
    "description": "[latitude, longitude] in decimal degrees (WGS 84), north and east positive, e.g. [35.93, 36.63]",
    "prefixItems": [{"type": "number", "minimum": -90, "maximum": 90, "description": "latitude, -90 (south) to 90 (north)"},
                    {"type": "number", "minimum": -180, "maximum": 180, "description": "longitude, -180 (west) to 180 (east)"}],
    "minItems": 2,
    "maxItems": 2,
    "items": False,
})]


# A BCP 47 language tag (RFC 5646), well-formed: a language of two or three letters (ISO 639; the
# registry holds no longer one), with its extended language, script, region, variants and extensions
# if any, or private use alone (x-...). Letters in any case, as BCP 47 allows.
LANGUAGE_TAG = (
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?|[Xx](?:-[A-Za-z0-9]{1,8})+)$"
)
_LANGUAGE_TAG = re.compile(LANGUAGE_TAG)


def _check_language_tag(value: str) -> str:
    if not _LANGUAGE_TAG.match(value):
        known = {t.label.lower(): code for code, t in vocab.RTL_LANGUAGES.items() if "(" not in t.label}
        dashed = value.strip().replace("_", "-")  # ar_SY, as locales are written
        guess = known.get(dashed.lower()) or (dashed if dashed != value and _LANGUAGE_TAG.match(dashed) else None)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        raise ValueError(f"'{value}' is not a BCP 47 language tag: write a language code such as ar, fa or he, "
                         f"with a script or region if needed (az-Arab, ar-SY){hint}")
    return value


_LANGUAGE_TAG_ERROR = "not a BCP 47 language tag: write a language code such as ar, fa or he, with a script or region if needed (az-Arab, ar-SY)"
LanguageTag = Annotated[str, AfterValidator(_check_language_tag), WithJsonSchema({
    "type": "string", "pattern": LANGUAGE_TAG, "patternErrorMessage": _LANGUAGE_TAG_ERROR})]


class _MarkdownText:
    """Marks the `Markdown` type: validation checks the links of every field of that type."""


MARKDOWN = _MarkdownText()
Markdown = Annotated[str, MARKDOWN]


@dataclass(frozen=True)
class Vocabulary:
    """Marks a field whose values are the codes of a `vocab` table: its JSON Schema lists
    what each value means (`enumDescriptions`, which editors show on hover and in completions)."""

    table: dict

    def __hash__(self) -> int:
        return id(self.table)

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        schema = handler(core)
        terms = [self.table[str(value)] for value in schema["enum"]]
        schema["enumDescriptions"] = [t.meaning for t in terms]
        schema["markdownEnumDescriptions"] = [_markdown_meaning(t.meaning) for t in terms]
        if all(isinstance(value, int) for value in schema["enum"]):  # the editor's word for "3" and 7 alike
            schema["errorMessage"] = f"write one of {', '.join(map(str, schema['enum']))}: a number, without quotes"
        return schema


def _markdown_meaning(meaning: str) -> str:
    # the label in bold, and no '*' or '_' of the wording read as emphasis
    text = meaning.replace("*", "\\*").replace("_", "\\_")
    label, sep, rest = text.partition(" — ")
    return f"**{label}**{sep}{rest}" if sep else text


def _literal(table: dict, values: tuple | None = None) -> Any:
    return Annotated[Literal[values or tuple(table)], Vocabulary(table)]


Tlp = _literal(vocab.TLP)
Reliability = _literal(vocab.RELIABILITY)
Credibility = _literal(vocab.CREDIBILITY, tuple(int(code) for code in vocab.CREDIBILITY))  # written as a number
Rating = _literal(vocab.RATING)
Assessments = dict[Slug, Rating]


class Model(BaseModel):
    # a field's docstring is its description in the JSON Schemas
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, validate_default=False, use_attribute_docstrings=True)


# --- entities --------------------------------------------------------------


class Archive(Model):
    """An archived copy of what an address showed, for when the address no longer does."""

    url: ArchiveUrl
    """The archived copy: a web archive's address (http or https), or a file kept under the project's evidence/ folder."""
    captured: PartialDate
    """When the copy was taken: 2023, 2023-08 or 2023-08-03."""
    sha256: Optional[Sha256] = None
    """The SHA-256 of the captured content, 64 hex digits; checked for a file under evidence/."""


class NativeName(Model):
    """A name as written in its own language and script."""

    name: str
    """The name as written in its own script, e.g. هيئة تحرير الشام."""
    lang: LanguageTag
    """Its language, a BCP 47 tag (ar, fa, he, ur, az-Arab): pages mark the name with it, right to left where the language or script is."""


class Alias(Model):
    """Another name: plain text, or `{name, lang}` for a name in another language or script."""

    name: str
    """The other name as written, in its own script."""
    lang: Optional[LanguageTag] = None
    """Its language, a BCP 47 tag (ar, fa, he, ur, az-Arab): pages mark the name with it, right to left where the language or script is."""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        # a plain alias is its name; numbers are text, as in every text field
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return {"name": value}
        if not isinstance(value, (dict, Alias)):
            raise ValueError("an alias is a name (text), or {name, lang} for a name in another language")
        return value

    @model_serializer(mode="wrap")
    def _as_written(self, handler) -> Any:
        # a name without a language stays text, as authors write it and earlier exports held it
        return self.name if self.lang is None else handler(self)

    @classmethod
    def __get_pydantic_json_schema__(cls, core: CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        # text, or an object that gives its language; alike in the brief format and in corpus.json
        fields = cls.model_fields
        written = {"type": "object", "additionalProperties": False, "required": ["name", "lang"], "properties": {
            "name": {"type": "string", "description": fields["name"].description},
            "lang": {"type": "string", "pattern": LANGUAGE_TAG, "description": fields["lang"].description,
                     "patternErrorMessage": _LANGUAGE_TAG_ERROR},
        }}
        return {"description": cls.__doc__, "anyOf": [{"type": "string", "description": "the other name, as text"}, written]}


class Relation(Model):
    """A relation from this actor to another."""

    type: _literal(vocab.RELATION)
    """How this actor relates to the other."""
    actor: Slug
    """The other actor's id (its file name in briefs/actors/, without .yaml)."""
    since: Optional[PartialDate] = None
    """When the relation began: 2023, 2023-08 or 2023-08-03."""
    until: Optional[PartialDate] = None
    """When the relation ended, if it has: 2023, 2023-08 or 2023-08-03."""
    note: Optional[Markdown] = None
    """What the relation rests on, in Markdown."""
    source: Optional[Slug] = None
    """The id of the source that reports the relation."""


class Actor(Model):
    """An actor: `briefs/actors/<id>.yaml`."""

    name: str
    """The actor's name as readers know it."""
    kind: _literal(vocab.ACTOR_KIND)
    """What kind of actor it is."""
    native_name: Optional[NativeName] = None
    """The actor's name in its own language and script, with its language: {name, lang}."""
    aliases: list[Alias] = []
    """Other names and spellings, each as text or {name, lang}; the site's search finds the actor by them, in any script."""
    description: Optional[Markdown] = None
    """Who the actor is, in Markdown."""
    relations: list[Relation] = []
    """Relations to other actors; each is shown on both actors' pages."""
    tags: list[Slug] = []
    """Topic tags (ids): lower-case letters, digits and single hyphens."""
    tlp: Tlp = "clear"
    """Traffic Light Protocol: who may see this actor; a build publishes it only up to its max_tlp."""


class Source(Model):
    """A source: `briefs/sources/<id>.yaml`."""

    name: str
    """The source's name as readers know it."""
    kind: _literal(vocab.SOURCE_KIND)
    """What kind of source it is."""
    reliability: Reliability
    """Admiralty source reliability, A (completely reliable) to E (unreliable), F when it cannot be judged."""
    native_name: Optional[NativeName] = None
    """The source's name in its own language and script, with its language: {name, lang}."""
    aliases: list[Alias] = []
    """Other names and spellings, each as text or {name, lang}; the site's search finds the source by them, in any script."""
    reliability_note: Optional[Markdown] = None
    """Why the source has this grade, in Markdown."""
    affiliation: Optional[str] = None
    """Who the source belongs to or speaks for, as text."""
    actor: Optional[Slug] = None
    """The id of the actor the source speaks for, if any."""
    url: Optional[Url] = None
    """The source's web address (http or https)."""
    archive: Optional[Archive] = None
    """An archived copy of what the address showed, for when it no longer does."""
    country: Optional[str] = None
    """Where the source is based."""
    language: Optional[str] = None
    """The language the source publishes in."""
    description: Optional[Markdown] = None
    """What the source is, in Markdown."""
    tlp: Tlp = "clear"
    """Traffic Light Protocol: who may see this source; a build publishes it only up to its max_tlp."""


class Hypothesis(Model):
    """One competing answer to the question."""

    id: Slug
    """The hypothesis's id, unique in the corpus; claims and analyses rate it under assessments."""
    statement: str
    """The answer, as one sentence."""


class Question(Model):
    """A key question with its competing hypotheses: `briefs/questions/<id>.yaml`."""

    question: str
    """The key question, as one sentence."""
    context: Optional[Markdown] = None
    """Why the question matters, in Markdown."""
    hypotheses: Annotated[list[Hypothesis], Field(min_length=2)]
    """At least two competing answers, weighed against the evidence (ACH)."""
    tlp: Tlp = "clear"
    """Traffic Light Protocol: who may see this question; a build publishes it only up to its max_tlp."""


class Claim(Model):
    """What a source asserts."""

    id: Slug
    """The claim's id, unique in the corpus: lower-case letters, digits and single hyphens."""
    statement: str
    """What the source asserts, in neutral words."""
    source: Slug
    """The id of the source that originated the claim (its file name in briefs/sources/, without .yaml)."""
    via: list[Slug] = []
    """The ids of the sources that relayed the claim, in order."""
    reported: PartialDate
    """When the source reported it: 2023, 2023-08 or 2023-08-03."""
    occurred: Optional[PartialDate] = None
    """When what it reports happened, if known: 2023, 2023-08 or 2023-08-03."""
    credibility: Credibility
    """Admiralty information credibility, a number: 1 (confirmed by other sources) to 5 (improbable), 6 when truth cannot be judged."""
    actors: list[Slug] = []
    """The ids of the actors the claim concerns."""
    location: Optional[str] = None
    """Where it happened, in words."""
    coordinates: Optional[Coordinates] = None
    """The point on a map of where it happened: [latitude, longitude] in decimal degrees, e.g. [35.93, 36.63]."""
    location_basis: _literal(vocab.LOCATION_BASIS) = "claimed"
    """Whose location it is: claimed (the default), where the source says it happened; assessed, where the brief's analysts place it."""
    quote: Optional[str] = None
    """The source's own words."""
    url: Optional[Url] = None
    """Where the claim can be read (http or https)."""
    archive: Optional[Archive] = None
    """An archived copy of what the address showed, for when it no longer does."""
    assessments: Assessments = {}
    """ACH: how consistent the claim is with each hypothesis, by hypothesis id."""
    contradicts: list[Slug] = []
    """The ids of the claims this one contradicts."""
    corroborates: list[Slug] = []
    """The ids of the claims this one corroborates."""
    tags: list[Slug] = []
    """Topic tags (ids): lower-case letters, digits and single hyphens."""


class Analysis(Model):
    """An expert's assessment."""

    id: Slug
    """The analysis's id, unique in the corpus: lower-case letters, digits and single hyphens."""
    analyst: Slug
    """The id of the source (an expert, a think tank) whose assessment it is."""
    via: list[Slug] = []
    """The ids of the sources that relayed the assessment, in order."""
    date: Optional[PartialDate] = None
    """When the assessment was published: 2023, 2023-08 or 2023-08-03."""
    title: str
    """The assessment's title."""
    summary: Markdown
    """What the analyst concludes, in Markdown."""
    points: list[Markdown] = []
    """The analyst's main points, each in Markdown."""
    actors: list[Slug] = []
    """The ids of the actors the assessment concerns."""
    credibility: Credibility = 6
    """Admiralty information credibility, a number: 1 (confirmed by other sources) to 5 (improbable), 6 (the default) when truth cannot be judged."""
    assessments: Assessments = {}
    """ACH: how consistent the assessment is with each hypothesis, by hypothesis id."""
    quote: Optional[str] = None
    """The analyst's own words."""
    url: Optional[Url] = None
    """Where the assessment can be read (http or https)."""
    archive: Optional[Archive] = None
    """An archived copy of what the address showed, for when it no longer does."""
    tags: list[Slug] = []
    """Topic tags (ids): lower-case letters, digits and single hyphens."""


class Judgment(Model):
    """The brief's own key judgment."""

    id: Slug
    """The judgment's id, unique in the corpus: lower-case letters, digits and single hyphens."""
    statement: str
    """The judgment, as one sentence."""
    likelihood: _literal(vocab.LIKELIHOOD)
    """How likely the judgment is, in estimative language: each term stands for a range of probability."""
    confidence: _literal(vocab.CONFIDENCE)
    """How much the evidence and reasoning support the judgment."""
    basis: Annotated[list[Slug], Field(min_length=1)]
    """The ids of the claims and analyses the judgment rests on, at least one."""
    hypothesis: Optional[Slug] = None
    """The id of the hypothesis the judgment speaks to, if any."""
    change_note: Optional[Markdown] = None
    """Why the judgment moved, or held, since the brief's last version, in Markdown."""


class Brief(Model):
    """A brief: any other YAML file under `briefs/`."""

    title: str
    """The brief's title."""
    published: PartialDate
    """When the brief was published: 2023, 2023-08 or 2023-08-03."""
    updated: Optional[PartialDate] = None
    """When the brief was last changed, if it was: 2023, 2023-08 or 2023-08-03."""
    authors: list[str] = []
    """Who wrote the brief."""
    tlp: Tlp
    """Traffic Light Protocol: who may see this brief; a build publishes it only up to its max_tlp."""
    status: _literal(vocab.STATUS) = "published"
    """Whether the brief is ready (published, the default) or a draft."""
    reviewed_by: list[str] = []
    """Who reviewed the brief before publication."""
    approved: Optional[PartialDate] = None
    """When the brief's review approved it: 2023, 2023-08 or 2023-08-03."""
    summary: Markdown
    """The bottom line, up front, in Markdown."""
    tags: list[Slug] = []
    """Topic tags (ids): lower-case letters, digits and single hyphens."""
    claims: list[Claim] = []
    """What sources assert, each graded with the Admiralty code."""
    analyses: list[Analysis] = []
    """Experts' assessments."""
    judgments: list[Judgment] = []
    """The brief's own key judgments, each with its likelihood, confidence and basis."""


def other_names(entity: Actor | Source) -> list[NativeName | Alias]:
    """An actor's or source's names besides `name`: its native name first, then its aliases, each with its `lang` if given."""
    return ([entity.native_name] if entity.native_name is not None else []) + list(entity.aliases)


MODELS: dict[str, type[Model]] = dict(zip(vocab.KINDS, (Actor, Source, Question, Brief)))
