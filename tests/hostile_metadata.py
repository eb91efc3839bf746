"""A project whose names, titles and site settings are script payloads, shared by the HTML and browser tests.

Each payload either calls alert() or sets window.__pwned if a page runs it;
each also holds characters that only show as written when escaped once
(`&`, `&amp;`, quotes, an apostrophe).
"""

from __future__ import annotations

import json
from pathlib import Path

from support import MINIMAL, Project

BRIEF_TITLE = """Brief <script>window.__pwned=1;alert(1)</script> & &amp; "quoted" it's"""
ACTOR_NAME = "Alpha <svg onload=alert(2)> Group"
ALIAS = '"><img src=x onerror=alert(3)>'
SOURCE_NAME = "Daily <img src=x onerror=alert(4)> News"
# names in Arabic script, with their language: marked right to left, and folded for search (hamza, taa marbuta, article)
NATIVE_NAME = 'جماعة ألفا <img src=x onerror=alert(10)> & "co"'
ARABIC_ALIAS = "الألفى '><svg onload=alert(11)>"
SOURCE_NATIVE_NAME = "الصحيفة <script>window.__pwned=12;alert(12)</script> &amp;"
QUESTION = "Who <script>window.__pwned=5;alert(5)</script> did it?"
HYPOTHESIS = "<img src=x onerror=alert(6)> Alpha did it."
PLACE = """Idleb <svg onload=alert(10)> & "north" it's"""  # a claim's location, on the maps of its brief and actor
SITE_TITLE = """Site <script>window.__pwned=7;alert(7)</script> "Desk" & co's"""
SITE_DESCRIPTION = 'About "><img src=x onerror=alert(8)> & more'
COPYRIGHT = "Copyright <img src=x onerror=alert(9)> & co"
# evidence a spreadsheet would run as formulas (OWASP's CSV injection)
FORMULA_CLAIM = '=HYPERLINK("http://evil","x")'
AT_CLAIM = "@SUM(1)"
FORMULA_HYPOTHESIS = "+Beta did it."

# the pages that show each title: path under site/ -> the page's title
TITLED_PAGES = {
    "index.html": SITE_TITLE,
    "briefs/first-brief/index.html": BRIEF_TITLE,
    "actors/alpha-group/index.html": ACTOR_NAME,
    "sources/daily-news/index.html": SOURCE_NAME,
    "hypotheses/who-did-it/index.html": QUESTION,
}


def _q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def hostile_project(root: Path) -> Project:
    """MINIMAL with the payloads in place, not built."""
    replacements = {
        "2024/first-brief.yaml": [("title: First brief", f"title: {_q(BRIEF_TITLE)}"),
                                  ("statement: Alpha says it did it.", f"statement: {_q(FORMULA_CLAIM)}"),
                                  ("credibility: 4\n", f"credibility: 4\n            location: {_q(PLACE)}\n            coordinates: [35.93, 36.63]\n"),
                                  ("statement: The paper says Beta did it.", f"statement: {_q(AT_CLAIM)}")],
        "actors/alpha-group.yaml": [("name: Alpha Group", f"name: {_q(ACTOR_NAME)}\n        native_name: {{name: {_q(NATIVE_NAME)}, lang: ar}}"),
                                    ('aliases: [Alfa, "al-Alpha"]', f"aliases: [Alfa, {_q(ALIAS)}, {{name: {_q(ARABIC_ALIAS)}, lang: ar}}]")],
        "sources/daily-news.yaml": [("name: Daily News", f"name: {_q(SOURCE_NAME)}\n        native_name: {{name: {_q(SOURCE_NATIVE_NAME)}, lang: ar}}")],
        "questions/who-did-it.yaml": [("question: Who did it?", f"question: {_q(QUESTION)}"),
                                      ("statement: Alpha did it.", f"statement: {_q(HYPOTHESIS)}"),
                                      ("statement: Beta did it.", f"statement: {_q(FORMULA_HYPOTHESIS)}")],
    }
    project = Project(root)
    for rel, text in MINIMAL.items():
        for old, new in replacements.get(rel, []):
            assert old in text, (rel, old)
            text = text.replace(old, new)
        project.write(rel, text)
    settings = project.root / "site_config/site.yml"
    kept = [line for line in settings.read_text("utf-8").splitlines() if not line.startswith(("title:", "description:"))]
    settings.write_text("\n".join([*kept, f"title: {_q(SITE_TITLE)}", f"description: {_q(SITE_DESCRIPTION)}",
                                   f"copyright: {_q(COPYRIGHT)}", "url: https://briefs.example.org/", ""]), "utf-8")
    return project


def build_hostile_site(parent: Path) -> Path:
    """The hostile project built with the CLI under `parent`; its site/."""
    project = hostile_project(parent / "proj")
    r = project.run("build")
    assert r.code == 0, r.err
    return project.root / "site"
