"""The typed models of the brief format (contract v1).

One pydantic model per kind of thing an author writes. Unknown keys are
refused; controlled values come from `vocab`; Markdown fields are marked
(`MARKDOWN`) for the checks of `format.markdown`. Validating a file against
its model, with positions, is a stage (`stages.validate`).
"""

from __future__ import annotations

import calendar
import re
from typing import Annotated, Any, Literal, Optional
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from generator.format import vocab

# --- field types -----------------------------------------------------------

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # every id, and the file name of every corpus file

Slug = Annotated[str, Field(pattern=SLUG.pattern, max_length=80, json_schema_extra={"description": "a slug: lower-case letters, digits and single hyphens"})]

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


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
    WithJsonSchema({
        "description": "ISO 8601 date, reduced precision allowed: 2023, 2023-08, 2023-08-03",
        "anyOf": [{"type": "string", "pattern": _DATE.pattern}, {"type": "integer", "minimum": 1000, "maximum": 9999}],
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


class _MarkdownText:
    """Marks the `Markdown` type: validation checks the links of every field of that type."""


MARKDOWN = _MarkdownText()
Markdown = Annotated[str, Field(json_schema_extra={"description": "Markdown; raw HTML is shown as text"}), MARKDOWN]


def _literal(table: dict) -> Any:
    return Literal[tuple(table)]


Tlp = _literal(vocab.TLP)
Reliability = _literal(vocab.RELIABILITY)
Credibility = Literal[1, 2, 3, 4, 5, 6]
Rating = _literal(vocab.RATING)
Assessments = dict[Slug, Rating]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True, validate_default=False)


# --- entities --------------------------------------------------------------


class Archive(Model):
    """An archived copy of what an address showed, for when the address no longer does."""

    url: ArchiveUrl
    captured: PartialDate  # when the copy was taken
    sha256: Optional[Sha256] = None  # of the captured content; checked for a file under evidence/


class Relation(Model):
    type: _literal(vocab.RELATION)
    actor: Slug
    since: Optional[PartialDate] = None
    until: Optional[PartialDate] = None
    note: Optional[Markdown] = None
    source: Optional[Slug] = None


class Actor(Model):
    """An actor: `briefs/actors/<id>.yaml`."""

    name: str
    kind: _literal(vocab.ACTOR_KIND)
    aliases: list[str] = []
    description: Optional[Markdown] = None
    relations: list[Relation] = []
    tags: list[Slug] = []
    tlp: Tlp = "clear"


class Source(Model):
    """A source: `briefs/sources/<id>.yaml`."""

    name: str
    kind: _literal(vocab.SOURCE_KIND)
    reliability: Reliability
    reliability_note: Optional[Markdown] = None
    affiliation: Optional[str] = None
    actor: Optional[Slug] = None
    url: Optional[Url] = None
    archive: Optional[Archive] = None
    country: Optional[str] = None
    language: Optional[str] = None
    description: Optional[Markdown] = None
    tlp: Tlp = "clear"


class Hypothesis(Model):
    id: Slug
    statement: str


class Question(Model):
    """A key question with its competing hypotheses: `briefs/questions/<id>.yaml`."""

    question: str
    context: Optional[Markdown] = None
    hypotheses: Annotated[list[Hypothesis], Field(min_length=2)]
    tlp: Tlp = "clear"


class Claim(Model):
    """What a source asserts."""

    id: Slug
    statement: str
    source: Slug
    via: list[Slug] = []
    reported: PartialDate
    occurred: Optional[PartialDate] = None
    credibility: Credibility
    actors: list[Slug] = []
    location: Optional[str] = None
    quote: Optional[str] = None
    url: Optional[Url] = None
    archive: Optional[Archive] = None
    assessments: Assessments = {}
    contradicts: list[Slug] = []
    corroborates: list[Slug] = []
    tags: list[Slug] = []


class Analysis(Model):
    """An expert's assessment."""

    id: Slug
    analyst: Slug
    via: list[Slug] = []
    date: Optional[PartialDate] = None
    title: str
    summary: Markdown
    points: list[Markdown] = []
    actors: list[Slug] = []
    credibility: Credibility = 6
    assessments: Assessments = {}
    quote: Optional[str] = None
    url: Optional[Url] = None
    archive: Optional[Archive] = None
    tags: list[Slug] = []


class Judgment(Model):
    """The brief's own key judgment."""

    id: Slug
    statement: str
    likelihood: _literal(vocab.LIKELIHOOD)
    confidence: _literal(vocab.CONFIDENCE)
    basis: Annotated[list[Slug], Field(min_length=1)]
    hypothesis: Optional[Slug] = None
    change_note: Optional[Markdown] = None  # why it moved, or held, since the last version


class Brief(Model):
    """A brief: any other YAML file under `briefs/`."""

    title: str
    published: PartialDate
    updated: Optional[PartialDate] = None
    authors: list[str] = []
    tlp: Tlp
    status: _literal(vocab.STATUS) = "published"
    reviewed_by: list[str] = []  # who reviewed it before publication
    approved: Optional[PartialDate] = None  # when its review approved it
    summary: Markdown
    tags: list[Slug] = []
    claims: list[Claim] = []
    analyses: list[Analysis] = []
    judgments: list[Judgment] = []


MODELS: dict[str, type[Model]] = dict(zip(vocab.KINDS, (Actor, Source, Question, Brief)))
