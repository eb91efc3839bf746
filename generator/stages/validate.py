"""Stage 2: each loaded file checked against the contract, every problem at its line and column.

A file's data is validated against its kind's model (`format.models`); every
problem becomes a `Problem` positioned where the author wrote the value (or
its key), with a did-you-mean for a misspelt field, and a number written in
quotes where the vocabulary's values are numbers (`credibility: "3"`) is
told so, for every such field the models have. Texts are checked as
written too: characters no text may hold, Markdown fields over the length
limit, and links the contract refuses (`format.markdown`).
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Annotated, Any, Callable, Iterator, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from generator.errors import Problem, did_you_mean, field_path
from generator.format import markdown
from generator.format.models import MARKDOWN, MODELS, Model
from generator.stages.load import Document


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the last element of `loc`."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        inner = _first_model(info.annotation)
        if inner is None:
            return None
        model = inner
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _suggestion(model: type[BaseModel], loc: tuple) -> str | None:
    holder = _model_at(model, loc)
    if holder is None:
        return None
    match = difflib.get_close_matches(str(loc[-1]), list(holder.model_fields), n=1, cutoff=0.6)
    return match[0] if match else None


def _unwrapped(annotation: Any) -> Any:
    """`annotation` without Annotated's metadata and Optional's None."""
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated:
            annotation = args[0]
        elif origin is Union and type(None) in args and len(args) == 2:
            annotation = next(arg for arg in args if arg is not type(None))
        else:
            return annotation


def _annotation_at(model: type[BaseModel], loc: tuple) -> Any:
    """The type the models give the value at `loc` (a field, a list item, a mapping's
    value), or None where the models do not say."""
    annotation: Any = model
    for part in loc:
        annotation = _unwrapped(annotation)
        origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
            info = annotation.model_fields.get(part)
            if info is None:
                return None
            annotation = info.annotation
        elif origin is list and isinstance(part, int):
            annotation = get_args(annotation)[0]
        elif origin is dict:
            annotation = get_args(annotation)[1]
        else:
            return None
    return _unwrapped(annotation)


def _numbers(model: type[BaseModel], loc: tuple) -> dict[str, int]:
    """The values of the field at `loc` by their text, where the models make them numbers."""
    annotation = _annotation_at(model, loc)
    if get_origin(annotation) is not Literal:
        return {}
    return {str(choice): choice for choice in get_args(annotation) if isinstance(choice, int) and not isinstance(choice, bool)}


def _field_path(loc: tuple) -> str:
    """`field_path`, its invisible characters (in a key written with escapes) shown as escapes."""
    path = field_path(loc)
    return _shown(path, len(path))


def _message(model: type[BaseModel], error: dict) -> tuple[str, bool]:
    """A reader-facing message for one pydantic error; and whether it points at a key."""
    loc, kind, value = error["loc"], error["type"], error.get("input")
    name = _field_path(loc)
    if kind == "extra_forbidden":
        hint = _suggestion(model, loc)
        return f"unknown field '{loc[-1]}'" + (f" (did you mean '{hint}'?)" if hint else ""), True
    if kind == "missing":
        return f"missing required field '{loc[-1]}'" + (f" in {_field_path(loc[:-1])}" if len(loc) > 1 else ""), False
    if kind == "literal_error" and (numbers := _numbers(model, loc)):
        # the values are numbers: a quoted one is told so, and no text is offered as a near miss
        if isinstance(value, str) and value.strip() in numbers:
            return f'{name}: write {numbers[value.strip()]} without quotes (a number, not the text "{value}")', False
        return f"{name}: '{value}' is not allowed; expected one of {', '.join(numbers)}", False
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        allowed = re.findall(r"'([^']*)'|(\d+)", expected)
        choices = [a or b for a, b in allowed]
        hint = did_you_mean(value, choices) or (
            f" (did you mean '{value.upper()}'?)" if isinstance(value, str) and value.upper() in choices else ""
        )
        return f"{name}: '{value}' is not allowed; expected one of {', '.join(choices)}{hint}", False
    if kind == "string_pattern_mismatch":
        return f"{name}: '{value}' is not a valid id: use lower-case letters, digits and single hyphens (e.g. 'al-qurashi')", False
    if kind == "too_short" and loc and loc[-1] == "hypotheses":
        return "a question needs at least two competing hypotheses", False
    if kind == "too_short" and loc and loc[-1] == "basis":
        return f"{name}: a judgment needs at least one claim or analysis id as its basis", False
    if kind == "string_too_long":
        return f"{name}: id is longer than 80 characters", False
    msg = error["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    shown = "" if isinstance(value, (dict, list)) else f" (got {value!r})"
    return f"{name}: {msg}{shown if value is not None and kind != 'value_error' else ''}", False


# characters no text may hold: C0 controls but tab and line feed, DEL, C1 controls, lone
# surrogates (which cannot be written as UTF-8) and the two non-characters U+FFFE and U+FFFF
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _shown(text: str, limit: int = 60) -> str:
    """Author text quoted in a message: on one line, invisible characters as escapes, cut at `limit`."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text if text.isprintable() else "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _control_message(text: str) -> str:
    code = ord(_CONTROL.search(text).group())
    what = "control character" if code < 0xA0 else "character"
    return f"{what} U+{code:04X} is not allowed in text (remove the escape that writes it)"


def _control_problems(doc: Document) -> list[Problem]:
    """A problem for every string of the file (values and keys, at any depth) holding a
    character no text may hold. YAML refuses them as they are, so they come from escapes in
    double-quoted strings (`"\\x00"`), or from `!!binary`, which is refused too."""
    problems = []

    def walk(value: Any, loc: tuple) -> None:
        if isinstance(value, str):
            if _CONTROL.search(value):
                problems.append(doc.problem(loc, f"{_field_path(loc)}: {_control_message(value)}"))
        elif isinstance(value, bytes):
            problems.append(doc.problem(loc, f"{_field_path(loc)}: binary data (!!binary) is not text"))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and _CONTROL.search(key):
                    where = f"{_field_path(loc)}: " if loc else ""
                    problems.append(doc.problem(loc + (key,), f"{where}key '{_shown(key)}': {_control_message(key)}", key=True))
                walk(item, loc + (key,))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, loc + (i,))

    walk(doc.data, ())
    return problems


_Walker = Callable[[Any, tuple], Iterator[tuple[tuple, str]]]


def _text(value: Any, loc: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield loc, value


@lru_cache(maxsize=None)
def _markdown_walker(annotation: Any) -> _Walker | None:
    """What yields (where, text) for every `Markdown` string in a value of type `annotation` as
    written (before validation): the fields to check are found from the models. None when
    the type holds no Markdown."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        fields = [(name, walker) for name, info in annotation.model_fields.items()
                  if (walker := _text if any(m is MARKDOWN for m in info.metadata) else _markdown_walker(info.annotation))]
        if not fields:
            return None

        def walk_model(value: Any, loc: tuple) -> Iterator[tuple[tuple, str]]:
            if isinstance(value, dict):
                for name, walker in fields:
                    if name in value:
                        yield from walker(value[name], loc + (name,))
        return walk_model
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _text if any(m is MARKDOWN for m in args[1:]) else _markdown_walker(args[0])
    if origin is Union:
        walkers = [w for arg in args if (w := _markdown_walker(arg))]
        return walkers[0] if walkers else None  # Optional[X]: X
    if origin in (list, dict) and (item := _markdown_walker(args[-1])):
        def walk_items(value: Any, loc: tuple) -> Iterator[tuple[tuple, str]]:
            if isinstance(value, dict if origin is dict else list):
                for key, v in (value.items() if origin is dict else enumerate(value)):
                    yield from item(v, loc + (key,))
        return walk_items
    return None


def _markdown_problems(doc: Document, model: type[Model]) -> list[Problem]:
    """A problem for every Markdown field too long to convert, and for every link or image of
    one that could not be published."""
    problems = []
    walker = _markdown_walker(model)
    for loc, text in walker(doc.data, ()) if walker else ():
        if len(text) > markdown.MARKDOWN_LIMIT:
            problems.append(doc.problem(loc, f"{_field_path(loc)}: {len(text):,} characters of Markdown, over the limit of {markdown.MARKDOWN_LIMIT:,}: shorten it"))
            continue
        for what, url in markdown.refused_links(text):
            problems.append(doc.problem(loc, f"{_field_path(loc)}: {what} '{_shown(url)}' is not allowed: only http, https, mailto and in-site links"))
    return problems


def validate_document(doc: Document) -> tuple[Model | None, list[Problem]]:
    """The document's model, or None and every problem with its position."""
    if doc.validated or doc.model is not None:  # validated while loading, or by an earlier build (cache)
        return doc.model, doc.problems
    model = MODELS[doc.kind]
    problems = _control_problems(doc) if doc.escapes else []
    problems += _markdown_problems(doc, model)
    try:
        validated = model.model_validate(doc.data)
        return (None, problems) if problems else (validated, [])
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # A misspelt required field is one mistake: report the unknown key
        # with its did-you-mean, not also the field as missing.
        typos = {
            err["loc"][:-1] + (hint,)
            for err in errors
            if err["type"] == "extra_forbidden"
            for hint in [_suggestion(model, err["loc"])]
            if hint
        }
        for error in errors:
            if error["type"] == "missing" and tuple(error["loc"]) in typos:
                continue
            message, at_key = _message(model, error)
            problems.append(doc.problem(error["loc"], message if message.isprintable() else _shown(message, len(message)), key=at_key))
        return None, problems


def text_problems(doc: Document, model: type[BaseModel]) -> list[Problem]:
    """The problems of a file's texts as written, for a model validated elsewhere (the site's
    settings): characters no text may hold, and links of its Markdown fields that could not be published."""
    return _control_problems(doc) + _markdown_problems(doc, model)
