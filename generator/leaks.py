"""After a build: prove that nothing withheld reached the output.

Every text of every withheld item (its page address, title, statement, quote,
summary) is searched for in every file of the built site, as written and as
HTML and JSON would escape it, with one Aho-Corasick pass over each file.
One hit fails the build.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import ahocorasick

from .corpus import Withheld
from .errors import Problem

_SCANNED = {".html", ".json", ".xml", ".txt", ".md", ".csv", ".js", ".svg"}
MIN_ID_LENGTH = 12  # shorter ids ("isis") are ordinary words; their texts are checked instead


_SECTION = {"actor": "actors", "source": "sources", "question": "hypotheses", "brief": "briefs"}


def _needles(item: Withheld) -> list[tuple[str, str]]:
    # the page address of the item, in links and in the sitemap
    out = [(f"{_SECTION[item.kind]}/{item.id}/", item.id)]
    texts = item.texts if item.kind in ("brief", "question") else []  # names are ordinary words
    for text in texts:
        text = " ".join(text.split())
        if text == item.id and len(text) < MIN_ID_LENGTH:
            continue
        if len(text) < 8:
            continue
        snippet = text[:120]
        forms = {snippet, html.escape(snippet, quote=False), html.escape(snippet), json.dumps(snippet, ensure_ascii=False)[1:-1], json.dumps(snippet)[1:-1]}
        out.extend((form, text) for form in forms)
    return out


def find_leaks(site_dir: Path, withheld: list[Withheld]) -> list[Problem]:
    """Every output file that contains a text of a withheld item (one pass per file)."""
    automaton = ahocorasick.Automaton()
    for item in withheld:
        for needle, text in _needles(item):
            if needle not in automaton:
                automaton.add_word(needle, (text, item.reason))
    if len(automaton) == 0:
        return []
    automaton.make_automaton()
    problems = []
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file() or path.suffix not in _SCANNED:
            continue
        content = " ".join(path.read_text("utf-8", errors="replace").split())
        for _, (text, reason) in automaton.iter(content):
            rel = path.relative_to(site_dir).as_posix()
            problems.append(Problem(rel, 1, 1, f"leak: withheld {reason} appears in the output: {text[:60]!r}"))
            break
    return problems
