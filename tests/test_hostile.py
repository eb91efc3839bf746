"""Hostile and broken input, from fixture files on disk: one clear positioned error each, never a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "hostile"


def _expected(path: Path) -> str:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8")
    m = re.match(r"# expect: (.*)$", first)
    assert m, f"{path.name} has no '# expect:' line"
    return m.group(1)


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_hostile_fixture(minimal, fixture):
    shutil.copy(fixture, minimal.root / "briefs" / fixture.name)
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [f"briefs/{fixture.name}:{_expected(fixture)}"], r.err


def test_hostile_brief_does_not_replace_the_site(minimal):
    assert minimal.run("build").code == 0
    before = {p: p.read_bytes() for p in (minimal.root / "site").rglob("*") if p.is_file()}
    for fixture in sorted(FIXTURES.glob("*.yaml")):
        shutil.copy(fixture, minimal.root / "briefs" / fixture.name)
    r = minimal.run("build")
    assert r.code == 1 and len(r.lines) == len(list(FIXTURES.glob("*.yaml")))
    after = {p: p.read_bytes() for p in (minimal.root / "site").rglob("*") if p.is_file()}
    assert after == before


def test_markdown_cannot_inject_attributes_or_script(minimal):
    path = minimal.root / "briefs/2024/first-brief.yaml"
    hostile = (
        "summary: |\n"
        "  [click](https://example.org \"t\"){: onclick=\"alert(1)\" }\n\n"
        "  <a href=\"javascript:alert(5)\">raw</a> <iframe src=\"https://evil.example\"></iframe>\n\n"
        "  ![pixel](https://tracker.example/p.gif)\n"
    )
    text = path.read_text().replace("summary: The **bottom line**.\n", hostile)
    text = text.replace("statement: Beta likely did it.", 'statement: "Beta {: onclick=alert(6) } did it <svg onload=alert(7)>"')
    path.write_text(text)
    r = minimal.run("build")
    assert r.code == 0, r.err
    html = (minimal.root / "site/briefs/first-brief/index.html").read_text()
    assert "onclick" not in html.replace("onclick=&quot;", "").replace("onclick=alert(6)", "") or 'onclick="' not in html
    assert not re.search(r"<[^>]+\son(click|load|error)=", html)
    assert not re.search(r'href="\s*(javascript|data):', html, re.I)
    assert "<iframe" not in html and "<svg onload" not in html
    assert "tracker.example/p.gif" not in re.findall(r'<img[^>]+src="([^"]+)"', html)  # no outside image loads
    assert "&lt;iframe" in html  # shown as text
