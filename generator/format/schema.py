"""JSON Schemas of the brief format, one per file kind, for editors and CI.

Made from the models (`format.models`): a field's docstring is its
description, and a field whose values come from `vocab` lists each value's
meaning in `enumDescriptions` and `markdownEnumDescriptions`, which the YAML
language server (VS Code's YAML extension) shows on hover and with each
completion. Two changes to pydantic's output are made for editors:

- An optional field is written as its type with `null` allowed (`"type":
  ["string", "null"]`), without `"default": null`: the language server inserts
  a field's default when it completes the field, and `null` is no value to
  start from.
- Dates carry the whole rule of `_check_date` as a pattern (`DATE_PATTERN`),
  so that `2024-13` is an error in the editor as it is in `briefgen validate`.
"""

from __future__ import annotations

import json

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from generator.format.models import MODELS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
KINDS = tuple(MODELS)  # actor, source, question, brief
WHERE = {
    "actor": "briefs/actors/<id>.yaml",
    "source": "briefs/sources/<id>.yaml",
    "question": "briefs/questions/<id>.yaml",
    "brief": "briefs/**/<id>.yaml (any other file)",
}
_NULL = {"type": "null"}


class EditorSchema(GenerateJsonSchema):
    """pydantic's JSON Schema, with optional fields as editors should complete them."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        kind = inner.get("type")
        if kind and "enum" not in inner and "const" not in inner and "$ref" not in inner:
            return {**inner, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}
        return {"anyOf": [inner, _NULL]}

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        # pydantic keeps a key's pattern in patternProperties only, where a key that does not
        # match is merely unconstrained: checked under propertyNames, it is an error
        doc = super().dict_schema(schema)
        names, patterns = doc.get("propertyNames"), list(doc.get("patternProperties", ()))
        if isinstance(names, dict) and len(patterns) == 1 and "pattern" not in names:
            names["pattern"] = patterns[0]
        return doc

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if schema.get("default", ...) is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def schema(kind: str) -> dict:
    """The JSON Schema of one file kind."""
    doc = MODELS[kind].model_json_schema(mode="validation", schema_generator=EditorSchema)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"{kind}.schema.json",
        "title": f"briefgen {kind}",
        "description": f"A briefgen {kind} file: {WHERE[kind]}. Brief format v1.",
        **{k: v for k, v in doc.items() if k != "title"},
    }


def schema_json(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"
