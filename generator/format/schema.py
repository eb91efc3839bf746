"""JSON Schemas of the brief format, one per file kind, for editors and CI."""

from __future__ import annotations

import json

from generator.format.models import MODELS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
KINDS = tuple(MODELS)  # actor, source, question, brief
WHERE = {
    "actor": "briefs/actors/<id>.yaml",
    "source": "briefs/sources/<id>.yaml",
    "question": "briefs/questions/<id>.yaml",
    "brief": "briefs/**/<id>.yaml (any other file)",
}


def schema(kind: str) -> dict:
    """The JSON Schema of one file kind."""
    doc = MODELS[kind].model_json_schema(mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"{kind}.schema.json",
        "title": f"briefgen {kind}",
        "description": f"A briefgen {kind} file: {WHERE[kind]}. Brief format v1.",
        **{k: v for k, v in doc.items() if k != "title"},
    }


def schema_json(kind: str) -> str:
    return json.dumps(schema(kind), indent=2, ensure_ascii=False) + "\n"
