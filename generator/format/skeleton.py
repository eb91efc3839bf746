"""Skeletons for `briefgen new`: the smallest valid file of each kind, with comments.

A commented example (the brief's claim) is a whole YAML block, key included:
the file is valid with it commented out, and still valid once the author
removes the "# " of its lines (a field left out takes its default, `[]`).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from generator.format import vocab

SCHEMA_LINE = "# yaml-language-server: $schema={schema}\n"

TEMPLATES = {
    "actor": """\
name: {title}
kind: organization  # person, organization, armed-group, state, government-agency, media, other
aliases: []  # other names and spellings, each text or {{name: "داعش", lang: ar}}; readers search by them
description: |
  Who they are, in Markdown.
relations: []  # e.g. - {{type: hostile-to, actor: other-actor-id, since: "2023"}}
tags: []
tlp: clear
""",
    "source": """\
name: {title}
kind: news-outlet  # news-outlet, official, armed-group-media, expert, think-tank, ngo, social-media, document, other
reliability: F  # Admiralty: A completely reliable ... E unreliable, F cannot be judged
reliability_note: |
  Why this grade.
tlp: clear
""",
    "question": """\
question: {title}?
context: |
  Why the question matters, in Markdown.
hypotheses:  # at least two competing answers
  - id: {id}-first-answer
    statement: The first possible answer.
  - id: {id}-second-answer
    statement: The second possible answer.
tlp: clear
""",
    "brief": """\
title: {title}
published: "{today}"
authors: []
tlp: clear  # clear, green, amber, amber+strict, red
status: draft  # published when it is ready
summary: |
  The bottom line, up front, in Markdown.
tags: []
# claims:  # to add this example claim, remove the "# " at the start of each of its lines
#   - id: {id}-claim
#     statement: What the source asserts, in neutral words.
#     source: a-source-id
#     reported: "{today}"
#     credibility: 6  # 1 confirmed ... 5 improbable, 6 cannot be judged
analyses: []
judgments: []
""",
}


def target(briefs: Path, kind: str, item_id: str) -> Path:
    folder = briefs / vocab.PLURAL[kind] if kind != "brief" else briefs
    return folder / f"{item_id}.yaml"


def skeleton(kind: str, item_id: str, schema_url: str) -> str:
    title = item_id.replace("-", " ").capitalize()
    body = TEMPLATES[kind].format(title=title, id=item_id, today=datetime.date.today().isoformat())
    return SCHEMA_LINE.format(schema=schema_url) + body
