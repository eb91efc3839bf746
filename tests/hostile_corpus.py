"""A hostile corpus: a payload in every text field of every file kind and of site_config/site.yml.

The fields come from the models, not from a list written here: `free_leaves`
walks `model_fields` of `generator.models.MODELS` and `generator.config.Settings`
(nested models, `list[...]`, `dict[...]`, `Optional[...]`, `Annotated[...]`), and
each string field is tried with plain prose: a field that takes prose is free
text and gets the payloads, whatever validators it carries; one that refuses
prose is constrained (an id, a date, a controlled value, a web address) and
keeps the valid value of the base documents below. So a field added to the
format later carries payloads without anyone listing it here.

Every payload calls `__pwn(N)` with a number of its own; `HostileCorpus.origin`
names the field and the payload behind a number, so a failure says what leaked.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from generator.config import SETTINGS_FILE, Settings
from generator.format.models import MARKDOWN, MODELS

# --- payloads ---------------------------------------------------------------

# Each holds {n}, the number `__pwn` is called with. Together they try every
# place author text lands: HTML text, attributes in double and single quotes,
# <title>, <textarea>, JSON inside <script>, XML (CDATA), Jinja2 (a field must
# never be evaluated as a template: `{% raw %}` without its end would not even
# compile), Markdown attribute syntax, and `javascript:` as bare text.
PLAIN_PAYLOADS = {
    "script": "<script>__pwn({n})</script>",
    "img-onerror": "<img src=x onerror=__pwn({n})>",
    "svg-onload": "<svg onload=__pwn({n})>",
    "double-quote-breakout": '"><img src=x onerror=__pwn({n})>',
    "single-quote-breakout": "'><svg onload=__pwn({n})>",
    "bare-javascript-url": "javascript:__pwn({n})",
    "title-breakout": "</title><script>__pwn({n})</script>",
    "textarea-breakout": "</textarea><script>__pwn({n})</script>",
    "script-breakout": "</script><script>__pwn({n})</script>",
    "cdata-breakout": "]]><script>__pwn({n})</script>",
    "attr-list": "{{: onclick=__pwn({n}) }}",
    "raw-anchor": '<a href="javascript:__pwn({n})">a</a>',
    "details-ontoggle": "<details open ontoggle=__pwn({n})>",
    "autofocus-onfocus": "<input autofocus onfocus=__pwn({n})>",
    "iframe-srcdoc": '<iframe srcdoc="<script>parent.__pwn({n})</script>"></iframe>',
    "markdown-link": "[x](javascript:__pwn({n}))",
    # in a plain field Markdown is text, encoded links included (they are refused only in Markdown fields)
    "encoded-markdown-link": "[x](java&#115;cript&#58;__pwn({n}))",
    "jinja-raw": "{{% raw %}}",
}

# Markdown fields: the same, plus what only Markdown reads: links, autolinks, images and
# reference links that stay inert (script schemes are refused: see REFUSED_LINKS),
# attribute lists, block HTML, code, lists and tables holding markup.
MARKDOWN_PAYLOADS = {
    **{k: v for k, v in PLAIN_PAYLOADS.items() if k not in ("markdown-link", "encoded-markdown-link", "attr-list", "jinja-raw")},
    "md-autolink": " <javascript:__pwn({n})>",
    "md-percent-encoded": " [i](java%73cript:__pwn({n}))",
    "md-attr-list": '\n\n[click](https://example.org/ "t"){{: onclick="__pwn({n})" }}',
    "md-attr-list-block": "\n\nparagraph\n{{: onmouseover=__pwn({n}) }}",
    "md-block-html": '\n\n<div onmouseover="__pwn({n})">block html</div>',
    "md-list": "\n\n- item <details open ontoggle=__pwn({n})>",
    "md-code": "\n- `<script>__pwn({n})</script>`",
    "md-table": "\n\n| a | b |\n|---|---|\n| <img src=x onerror=__pwn({n})> | {{% raw %}} |",
    "md-fence": "\n\n```\n</div><script>__pwn({n})</script>\n```",
}

# A web address may hold markup in its path, query and fragment and still be valid.
URL_PAYLOADS = {
    "url-double-quote": 'https://example.org/"><script>__pwn({n})</script>',
    "url-single-quote": "/'><svg onload=__pwn({n})>",
    "url-query": "?q=<svg/onload=__pwn({n})>",
    "url-title": "&t=</title><script>__pwn({n})</script>",
    "url-cdata": "&c=]]><script>__pwn({n})</script>",
    "url-fragment": '#"onmouseover="__pwn({n})',
}
# The site's address becomes mkdocs' site_url, whose path is the 404 page's base: it keeps
# the path "/" and carries its payloads in the query.
SITE_URL_PAYLOADS = {
    "url-query-double-quote": 'https://example.org/?q="><script>__pwn({n})</script>',
    "url-query-single-quote": "&s='><svg onload=__pwn({n})>",
    "url-query-title": "&t=</title><script>__pwn({n})</script>",
}

# Links and images in Markdown whose address a browser would follow to a script or data URL,
# entity-encoded ones included (a browser decodes the entities of an href): validation must
# refuse each with its position (corpus `refused`).
REFUSED_LINKS = {
    "md-link-named-entities": "[x](javascript&colon;__pwn&lpar;{n}&rpar;)",
    "md-link-numeric-entities": "[x](java&#115;cript&#58;__pwn({n}))",
    "md-link-tab-entity": "[x](java&#9;script:__pwn({n}))",
    "md-link-javascript": "\n\n[a](javascript:__pwn({n}))",
    "md-link-mixed-case": " [b](JaVaScRiPt:__pwn({n}))",
    "md-link-vbscript": " [c](vbscript:__pwn({n}))",
    "md-link-data": " [d](data:text/html,<script>__pwn({n})</script>)",
    "md-link-space": " [e]( javascript:__pwn({n}))",
    "md-link-angle": " [f](<javascript:__pwn({n})>)",
    "md-image": " ![g](javascript:__pwn({n}))",
    "md-reference": "[h][hostile]\n\n[hostile]: javascript:__pwn({n})",
}

# Text a field must show as written: `T<field>:` and then this, in plain fields with `**x**` (shown
# with its stars) after it. A template engine would print 49 and drop the comment.
JINJA = "{{ 7*7 }}:{# c #}:"
PLAIN_SHOWN = JINJA + "**x**:"
SEARCH_WORD = "pwnword"  # in every field: search for it and every hostile page is a result
EVALUATED = re.compile(r"T\d+:(?:49|\{\{ 7\*7 \}\}):(?!\{# c #\})")
CANARY = re.compile(r"T(\d+):")
CALL = re.compile(r"__pwn\(\s*(\d+)\s*\)")


# --- the fields, from the models --------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A string, or something that is not a container: an int, a bool, a Literal."""

    tp: Any
    meta: tuple
    notes: str = ""  # the field's descriptions

    def adapter(self) -> TypeAdapter:
        return TypeAdapter(Annotated[(self.tp, *self.meta)] if self.meta else self.tp)

    @property
    def is_str(self) -> bool:
        return self.tp is str

    @property
    def markdown(self) -> bool:
        # marked as validation finds it: a description may say "Markdown" or not
        return any(m is MARKDOWN for m in self.meta)


@dataclass(frozen=True)
class ListOf:
    item: Any


@dataclass(frozen=True)
class DictOf:
    key: Any
    value: Any


@dataclass(frozen=True)
class Nested:
    model: type[BaseModel]


def _notes(*infos: Any) -> str:
    out = []
    for info in infos:
        if isinstance(info, FieldInfo):
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            out += [str(info.description or ""), str(extra.get("description", ""))]
    return " ".join(out)


def shape(tp: Any, meta: tuple = (), notes: str = "") -> Any:
    """What a field's annotation holds: a Leaf, a ListOf, a DictOf or a Nested model."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *extra = typing.get_args(tp)
        return shape(base, meta + tuple(extra), notes + " " + _notes(*extra))
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        assert len(args) == 1, f"a union of several types ({tp}): teach tests/hostile_corpus.py which to fill"
        return shape(args[0], meta, notes)
    if origin in (list, tuple, set, frozenset):
        return ListOf(shape(typing.get_args(tp)[0]))
    if origin is dict:
        key, value = typing.get_args(tp)
        return DictOf(shape(key), shape(value))
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return Nested(tp)
    return Leaf(tp, meta, notes)


def field_shape(info: FieldInfo) -> Any:
    return shape(info.annotation, tuple(info.metadata), _notes(info))


PROSE = "Plain words, with <b>markup</b> & \"quotes\" and 'apostrophes'."


def accepts(leaf: Leaf, value: Any) -> bool:
    try:
        leaf.adapter().validate_python(value)
        return True
    except ValidationError:
        return False


def kind_of(leaf: Leaf, name: str) -> str:
    """plain, markdown or url: what a string field gets; constrained: it keeps its valid value.

    A field is free text when it takes prose, whatever validators it has (a validator
    that refuses control characters leaves a field free). A free field named `url`
    (the site's address) is a web address: mkdocs refuses anything else as site_url."""
    if not leaf.is_str:
        return "constrained"
    if accepts(leaf, PROSE):
        if name == "url" or name.endswith("_url"):
            return "url"
        return "markdown" if leaf.markdown else "plain"
    if accepts(leaf, "https://example.org/"):
        return "url"
    return "constrained"


FREE = ("plain", "markdown", "url")
ROOTS: dict[str, type[BaseModel]] = {**MODELS, "settings": Settings}


def leaves(model: type[BaseModel], prefix: str) -> dict[str, str]:
    """Every string-or-scalar leaf of a model, as `kind.path[].field`, with its kind_of."""
    out: dict[str, str] = {}

    def walk(sh: Any, path: str, name: str) -> None:
        if isinstance(sh, Leaf):
            out[path] = kind_of(sh, name)
        elif isinstance(sh, ListOf):
            walk(sh.item, path + "[]", name)
        elif isinstance(sh, DictOf):
            walk(sh.key, path + "{key}", name)
            walk(sh.value, path + "{}", name)
        else:
            for sub, info in sh.model.model_fields.items():
                walk(field_shape(info), f"{path}.{sub}", sub)

    walk(Nested(model), prefix, prefix)
    return out


# --- the corpus ---------------------------------------------------------------

# Valid values for the constrained fields (ids, references, dates, controlled values, numbers).
# Free-text fields need not be here: every one is filled from the models. Every optional list
# of models has an item, so that the fields of its items are filled too. Tags are slugs
# (`^[a-z0-9]+(-[a-z0-9]+)*$`), which cannot hold markup: they keep plain ids.
BASE: dict[str, tuple[str, dict]] = {
    "actors/hostile-actor.yaml": ("actor", {
        "kind": "armed-group", "tags": ["hostile-tag"], "tlp": "clear",
        # names in other scripts: marked with their language, right to left or not
        "native_name": {"lang": "ar"}, "aliases": [{}, {"lang": "fa"}, {"lang": "ru"}],
        "relations": [{"type": "hostile-to", "actor": "other-actor", "since": "2020", "until": "2023-05", "source": "hostile-source"}],
    }),
    "actors/other-actor.yaml": ("actor", {
        "kind": "person", "native_name": {"lang": "az-Arab"}, "relations": [{"type": "member-of", "actor": "hostile-actor", "since": "2021-02-03"}],
    }),
    "sources/hostile-source.yaml": ("source", {"kind": "expert", "reliability": "C", "actor": "hostile-actor", "tlp": "clear",
                                           "archive": {"captured": "2023-08-04"}, "native_name": {"lang": "he"},
                                           "aliases": [{}, {"lang": "ur"}]}),
    "sources/other-source.yaml": ("source", {"kind": "news-outlet", "reliability": "B", "archive": {"captured": "2023"},
                                          "native_name": {"lang": "ar-SY"}}),
    "questions/hostile-question.yaml": ("question", {"tlp": "clear", "hypotheses": [{"id": "h-one"}, {"id": "h-two"}]}),
    "2024/hostile-brief.yaml": ("brief", {
        "published": "2024-03-02", "updated": "2024-04", "tlp": "clear", "status": "published", "tags": ["hostile-tag"],
        "claims": [
            {"id": "c-one", "source": "hostile-source", "via": ["other-source"], "reported": "2024-03-01", "occurred": "2024-02",
             "credibility": 3, "coordinates": [35.93, 36.63], "actors": ["hostile-actor", "other-actor"], "assessments": {"h-one": "CC", "h-two": "II"},
             "contradicts": ["c-two"], "tags": ["hostile-tag"], "archive": {"captured": "2024-03-01"}},
            {"id": "c-two", "source": "other-source", "reported": "2024", "credibility": 2, "actors": ["other-actor"],
             "coordinates": [36.2, 37.16], "location_basis": "assessed",
             "assessments": {"h-one": "I", "h-two": "C"}, "archive": {"captured": "2024"}},
            {"id": "c-three", "source": "other-source", "reported": "2023-12", "occurred": "2023", "credibility": 1,
             "actors": ["hostile-actor"], "corroborates": ["c-one"], "assessments": {"h-one": "C"},
             "archive": {"captured": "2023-12"}},
        ],
        "analyses": [{"id": "a-one", "analyst": "hostile-source", "via": ["other-source"], "date": "2024-03-03",
                      "actors": ["hostile-actor"], "credibility": 2, "assessments": {"h-one": "C", "h-two": "N"}, "tags": ["hostile-tag"],
                      "archive": {"captured": "2024-03-03"}}],
        "judgments": [{"id": "j-one", "likelihood": "likely", "confidence": "moderate", "basis": ["c-one", "a-one"], "hypothesis": "h-one"}],
    }),
}
BASE_SETTINGS = {"max_tlp": "clear", "drafts": False, "latest": 10}


@dataclass
class Origin:
    file: str  # e.g. briefs/2024/hostile-brief.yaml
    path: str  # the field, e.g. claims[0].statement
    kind: str  # plain, markdown or url
    payload: str  # the payload's name

    def __str__(self) -> str:
        return f"{self.file}: {self.path} ({self.kind}) payload {self.payload}"


@dataclass
class HostileCorpus:
    """Fills documents with payloads and remembers what each `__pwn` number stands for."""

    refused: bool = False  # the corpus of Markdown links validation must refuse
    origins: dict[int, Origin] = field(default_factory=dict)
    fields: list[Origin] = field(default_factory=list)  # one per filled field (payload: "")
    filled: set[str] = field(default_factory=set)  # generalised paths, as `leaves` names them
    refusals: list[tuple[str, int]] = field(default_factory=list)  # (file, line) of each refused link
    files: dict[str, Any] = field(default_factory=dict)  # shown path -> data

    def _number(self, origin: Origin) -> int:
        n = 1000 + len(self.origins)
        self.origins[n] = origin
        return n

    def _format(self, payload: str, origin: Origin) -> str:
        return payload.format(n=self._number(origin)) if "{n}" in payload else payload.format()

    def origin(self, n: int | str) -> Origin | None:
        return self.origins.get(int(n))

    def _text(self, file: str, path: str, kind: str) -> str:
        self.fields.append(Origin(file, path, kind, ""))
        f = len(self.fields)
        if self.refused:  # every refused link in each Markdown field, words elsewhere
            if kind != "markdown":
                return f"Words of {path}." if kind != "url" else "https://example.org/"
            links = [p.format(n=self._number(Origin(file, path, kind, name))).strip() for name, p in REFUSED_LINKS.items()]
            return f"Words of {path}, then links, each a paragraph of its own.\n\n" + "\n\n".join(links) + "\n"
        if kind == "url":
            table = SITE_URL_PAYLOADS if file.endswith(SETTINGS_FILE) else URL_PAYLOADS
            return "".join(self._format(p, Origin(file, path, kind, name)) for name, p in table.items())
        table = MARKDOWN_PAYLOADS if kind == "markdown" else PLAIN_PAYLOADS
        # a formula first (a spreadsheet must not run it), then the text that must show as written
        head = f"=__pwn({self._number(Origin(file, path, kind, 'csv-formula'))}) T{f}:"
        head += (JINJA + " " if kind == "markdown" else PLAIN_SHOWN) + f" {SEARCH_WORD} "
        body = " ".join(self._format(p, Origin(file, path, kind, name)) for name, p in table.items())
        if kind == "markdown":
            body += "\n\n**x**\n"
        return head + body

    def fill(self, model: type[BaseModel], data: dict, file: str, path: str, general: str) -> dict:
        data = dict(data)
        for name, info in model.model_fields.items():
            value = self._value(field_shape(info), data.get(name), file, f"{path}.{name}" if path else name,
                                f"{general}.{name}", name)
            if value is not None:
                data[name] = value
        return data

    def _value(self, sh: Any, value: Any, file: str, path: str, general: str, name: str) -> Any:
        if isinstance(sh, Leaf):
            kind = kind_of(sh, name)
            if kind in FREE:
                self.filled.add(general)
                return self._text(file, path, kind)
            return value
        if isinstance(sh, ListOf):
            if isinstance(sh.item, Nested):
                items = value or [{}]  # a list of models gets an item, so that its fields are filled
                return [self._value(sh.item, item, file, f"{path}[{i}]", general + "[]", name) for i, item in enumerate(items)]
            if isinstance(sh.item, Leaf) and kind_of(sh.item, name) in FREE:
                return [self._value(sh.item, None, file, f"{path}[{i}]", general + "[]", name) for i in range(2)]
            return value
        if isinstance(sh, DictOf):
            assert not (isinstance(sh.key, Leaf) and kind_of(sh.key, name) in FREE), f"{general}: free-text keys: fill them"
            if isinstance(sh.value, Leaf) and kind_of(sh.value, name) in FREE:
                return {k: self._value(sh.value, None, file, f"{path}.{k}", general + "{}", name) for k in (value or {})}
            return value
        return self.fill(sh.model, value or {}, file, path, general)

    def build(self) -> None:
        for rel, (kind, base) in BASE.items():
            self.files[f"briefs/{rel}"] = self.fill(MODELS[kind], base, f"briefs/{rel}", "", kind)
        self.files[f"site_config/{SETTINGS_FILE}"] = self.fill(Settings, BASE_SETTINGS, f"site_config/{SETTINGS_FILE}", "", "settings")

    def write(self, root: Path) -> None:
        """Writes the files into the project at `root`; for the refused corpus, notes each link's line."""
        for shown, data in self.files.items():
            text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1_000_000)
            (root / shown).parent.mkdir(parents=True, exist_ok=True)
            (root / shown).write_text(text, "utf-8")
            if self.refused:
                self._note_lines(shown, text)

    def _note_lines(self, shown: str, text: str) -> None:
        root = yaml.compose(text)
        for origin in self.origins.values():
            if origin.file != shown:
                continue
            node = root
            for part in re.findall(r"[^.\[\]]+", origin.path):
                if isinstance(node, yaml.SequenceNode):
                    node = node.value[int(part)]
                else:
                    node = next(v for k, v in node.value if k.value == part)
            self.refusals.append((shown, node.start_mark.line + 1))


def hostile_corpus(refused: bool = False) -> HostileCorpus:
    corpus = HostileCorpus(refused=refused)
    corpus.build()
    return corpus


def all_leaves() -> dict[str, str]:
    out: dict[str, str] = {}
    for kind, model in ROOTS.items():
        out.update(leaves(model, kind))
    return out


@dataclass
class Built:
    """The hostile corpus in a project built with the CLI (`code` and `err` as the build left them)."""

    root: Path
    corpus: HostileCorpus
    code: int
    err: str

    @property
    def site(self) -> Path:
        return self.root / "site"


def build_hostile(parent: Path) -> Built:
    from support import Project

    project = Project(parent / "proj")
    corpus = hostile_corpus()
    corpus.write(project.root)
    r = project.run("build")
    return Built(project.root, corpus, r.code, r.err)
