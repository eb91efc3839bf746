"""A payload in every text field, built with the real CLI: every output file is scanned for anything live.

The corpus is tests/hostile_corpus.py's: its fields come from the models, so a
field added later is covered without a change here. The scan compares the
hostile site with a clean build of MINIMAL: the scripts, event handlers and
data: URLs the theme and the generator ship are allowed, nothing else is. The
browser half of this test is tests/browser/test_hostile_site.py.
"""

from __future__ import annotations

import csv
import html
import io
import json
import posixpath
import re
from collections import defaultdict
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

import hostile_corpus as hc
from support import Project, minimal_project

# --- builds -------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> hc.Built:
    return hc.build_hostile(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def site(hostile) -> Path:
    assert hostile.code == 0, f"the hostile corpus must build; briefgen said:\n{hostile.err}"
    return hostile.site


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> "Baseline":
    project = minimal_project(tmp_path_factory.mktemp("clean") / "proj")
    # an address, as the hostile settings have: the pages link the feed
    with (project.root / "site_config/site.yml").open("a", encoding="utf-8") as f:
        f.write("url: https://example.org/\n")
    r = project.run("build")
    assert r.code == 0, r.err
    return Baseline.of(project.root / "site")


# --- the scan -----------------------------------------------------------------

URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite", "codebase",
             "lowsrc", "dynsrc", "longdesc", "manifest", "icon", "ping", "srcset"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
# elements that can run or load something, or change where the page's links and forms go: allowed only
# with the attributes they have in the clean build (the theme's search form, its toggles, its meta tags)
GUARDED = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "input", "button", "textarea",
           "select", "meta", "link", "portal", "set", "animate", "math", "style", "template"}
# attributes where author text is expected as inert text (or as a checked URL)
TEXT_ATTRS = {"title", "xlink:title", "alt", "aria-label", "content", "id", "name", "class", "value", "placeholder"} | URL_ATTRS
RAW_TEXT = {"title", "textarea"}  # a browser reads their content as text, html.parser as markup


@dataclass
class Finding:
    check: str  # script, handler, url, element, attribute, xml, json, js, csv, jinja, shown
    file: str  # in site/
    detail: str


def _url(value: str) -> str:
    """A URL as a browser resolves its scheme: entities decoded (the parser did), whitespace and controls gone."""
    return re.sub(r"[\x00-\x20\x7f]", "", value).lower()


def _script_signature(rel: str, attrs: dict, text: str) -> str:
    src = attrs.get("src")
    if src is not None:
        return "src:" + (src.lstrip("/") if src.startswith("/") else posixpath.normpath(posixpath.join(posixpath.dirname(rel), src)))
    if attrs.get("type") == "application/json":
        try:
            config = json.loads(text)
        except ValueError:
            return "json:unparsable:" + text
        if isinstance(config, dict):
            config.pop("base", None)
            config.pop("search", None)
        return "json:" + json.dumps(config, sort_keys=True)
    return "inline:" + re.sub(r'new URL\("[^"]*",location\)', "new URL(BASE,location)", text.strip())


class _Scanner(HTMLParser):
    def __init__(self, rel: str):
        super().__init__(convert_charrefs=True)
        self.rel = rel
        self.scripts: list[str] = []
        self.handlers: list[tuple[str, str, str]] = []
        self.urls: list[tuple[str, str, str]] = []  # tag, attribute, decoded value
        self.elements: list[tuple[str, frozenset, str]] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self._script: dict | None = None
        self._buffer: list[str] = []
        self._raw: str | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs)
        if tag == "script":
            self._script, self._buffer = dict(attrs), []
        elif tag == "style":
            self._skip += 1
        elif tag in RAW_TEXT:
            self._raw = tag
            self.set_cdata_mode(tag)

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs)

    def _tag(self, tag, attrs):
        shown = "<" + tag + "".join(f" {k}={v!r}" for k, v in attrs) + ">"
        if tag in GUARDED:
            self.elements.append((tag, frozenset(k for k, _ in attrs), shown))
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.handlers.append((tag, name, value))
            if name in URL_ATTRS:
                for part in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((tag, name, _url(part.strip().split(" ")[0] if name == "srcset" else part)))
            if name == "srcdoc" or (name == "style" and re.search(r"javascript:|expression\(|__pwn", value, re.I)):
                self.attributes.append((tag, name, value))
            elif "__pwn" in value and name not in TEXT_ATTRS and not name.startswith("data-") and not name.startswith("on"):
                self.attributes.append((tag, name, value))

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(_script_signature(self.rel, self._script, "".join(self._buffer)))
            self._script = None
        elif tag == "style":
            self._skip = max(0, self._skip - 1)
        elif tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._script is not None:
            self._buffer.append(data)
        elif self._raw:
            self.text.append(html.unescape(data))
        elif not self._skip:
            self.text.append(data)

    def close(self):
        super().close()
        if self._script is not None:  # a script left open swallows the rest of the page
            self.scripts.append(_script_signature(self.rel, self._script, "".join(self._buffer)))


def scan_markup(rel: str, text: str) -> _Scanner:
    scanner = _Scanner(rel)
    scanner.feed(text)
    scanner.close()
    return scanner


@dataclass
class Baseline:
    """What a clean build holds: the theme's and generator's scripts, handlers, data: URLs, guarded elements."""

    scripts: set
    handlers: set
    data_urls: set
    elements: set
    js: dict  # path -> bytes

    @classmethod
    def of(cls, site: Path) -> "Baseline":
        b = cls(set(), set(), set(), set(), {})
        for path in sorted(site.rglob("*")):
            rel = path.relative_to(site).as_posix()
            if path.suffix in (".html", ".svg"):
                s = scan_markup(rel, path.read_text("utf-8"))
                b.scripts.update(s.scripts)
                b.handlers.update(s.handlers)
                b.data_urls.update(u for _, _, u in s.urls if u.startswith("data:"))
                b.elements.update((tag, names) for tag, names, _ in s.elements)
            elif path.suffix == ".js":
                b.js[rel] = path.read_bytes()
        return b


def _markup_findings(rel: str, s: _Scanner, clean: Baseline) -> list[Finding]:
    out = [Finding("script", rel, sig[:400]) for sig in s.scripts if sig not in clean.scripts]
    out += [Finding("handler", rel, f"<{t} {n}={v!r}>") for t, n, v in s.handlers if (t, n, v) not in clean.handlers]
    out += [Finding("url", rel, f"<{t} {n}={v!r}>") for t, n, v in s.urls
            if v.startswith(BAD_SCHEMES) and v not in clean.data_urls]
    out += [Finding("element", rel, shown[:400]) for tag, names, shown in s.elements if (tag, names) not in clean.elements]
    out += [Finding("attribute", rel, f"<{t} {n}={v[:300]!r}>") for t, n, v in s.attributes]
    return out


def _text_findings(rel: str, text: str, corpus: hc.HostileCorpus, html_text: bool) -> list[Finding]:
    """Jinja2 syntax is never evaluated; on pages, each field shows its canary as written."""
    text = re.sub(r"\s+", " ", text)  # graph labels wrap, HTML collapses white space
    out = [Finding("jinja", rel, text[max(0, m.start() - 40): m.end() + 40]) for m in hc.EVALUATED.finditer(text)]
    if html_text:
        for m in hc.CANARY.finditer(text):
            origin = corpus.fields[int(m.group(1)) - 1]
            expected = hc.JINJA if origin.kind == "markdown" else hc.PLAIN_SHOWN
            if not text.startswith(expected, m.end()):
                out.append(Finding("shown", rel, f"{origin.file}: {origin.path} shows {text[m.start(): m.end() + 40]!r}, "
                                                 f"not {m.group(0) + expected!r}"))
    return out


def _xml_findings(rel: str, raw: str, clean: Baseline) -> list[Finding]:
    try:
        root = ElementTree.fromstring(raw.encode("utf-8"))
    except ElementTree.ParseError as e:
        return [Finding("xml", rel, f"not well-formed: {e}")]
    out = []
    for el in root.iter():
        for name, value in el.attrib.items():
            if name in ("href", "src") and _url(value).startswith(BAD_SCHEMES):
                out.append(Finding("url", rel, f"<{el.tag} {name}={value!r}>"))
        if el.tag.endswith(("}loc", "}uri", "}icon", "}logo")) and _url(el.text or "").startswith(BAD_SCHEMES):
            out.append(Finding("url", rel, f"<{el.tag}>{el.text}"))
        if el.get("type") in ("html", "xhtml"):  # a feed reader renders it: the same rules as a page
            inner = (el.text or "") if el.get("type") == "html" else ElementTree.tostring(el, encoding="unicode")
            out += [Finding(f.check, f"{rel} <{el.tag.split('}')[-1]}>", f.detail) for f in _markup_findings(rel, scan_markup(rel, inner), clean)]
    return out


def _csv_findings(rel: str, raw: str) -> list[Finding]:
    out = []
    width = None
    for i, row in enumerate(csv.reader(io.StringIO(raw, newline=""))):
        if not row:
            width = None  # a blank line starts the next table
            continue
        if width is None:
            width = len(row)
        elif len(row) != width:
            out.append(Finding("csv", rel, f"row {i + 1} has {len(row)} cells, its header {width}: {row}"))
        out += [Finding("csv", rel, f"row {i + 1}: a formula a spreadsheet runs: {cell.split(')')[0]})")
                for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and "__pwn" in cell]
    return out


def scan_site(site: Path, clean: Baseline, corpus: hc.HostileCorpus) -> list[Finding]:
    findings: list[Finding] = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        if path.suffix not in (".html", ".xml", ".json", ".js", ".svg", ".csv"):
            continue
        raw = path.read_text("utf-8")
        findings += _text_findings(rel, raw if path.suffix != ".html" else "", corpus, False)
        if path.suffix in (".html", ".svg"):
            s = scan_markup(rel, raw)
            findings += _markup_findings(rel, s, clean)
            findings += _text_findings(rel, "".join(s.text), corpus, path.suffix == ".html")
        if path.suffix in (".xml", ".svg"):
            findings += _xml_findings(rel, raw, clean)
        if path.suffix == ".json":
            try:
                json.loads(raw)
            except ValueError as e:
                findings.append(Finding("json", rel, f"not JSON: {e}"))
        if path.suffix == ".js" and clean.js.get(rel) != path.read_bytes():
            # a script the theme ships keeps its bytes; one made from the corpus is `var name = <JSON>`
            m = re.fullmatch(r"\s*var\s+[\w$]+\s*=\s*(.*?);?\s*", raw, re.S)
            try:
                json.loads(m.group(1)) if m else json.loads("")
            except ValueError as e:
                findings.append(Finding("js", rel, f"not a theme script nor `var x = JSON`: {e}: {raw[:200]!r}"))
        if path.suffix == ".csv":
            findings += _csv_findings(rel, raw)
    return findings


@pytest.fixture(scope="module")
def findings(site, clean, hostile) -> list[Finding]:
    return scan_site(site, clean, hostile.corpus)


def explain(found: list[Finding], corpus: hc.HostileCorpus) -> str:
    """The findings by field and payload, with the site files they were seen in."""
    by_origin: dict[str, set] = defaultdict(set)
    other: dict[str, set] = defaultdict(set)
    for f in found:
        numbers = hc.CALL.findall(f.detail)
        for n in numbers:
            origin = corpus.origin(n)
            if origin is not None:
                by_origin[f"{origin.file}: {origin.path} [{origin.payload}]"].add(f.file)
        if not numbers:
            other[f.detail[:300]].add(f.file)
    lines = [f"{len(found)} findings; {len(by_origin)} payloads seen live:"]
    lines += [f"  {k}  in {len(v)} files, e.g. {sorted(v)[0]}" for k, v in sorted(by_origin.items())]
    lines += [f"  {k}  in {len(v)} files, e.g. {sorted(v)[0]}" for k, v in sorted(other.items())]
    lines += ["first findings:"] + [f"  {f.file}: {f.detail[:300]}" for f in found[:5]]
    return "\n".join(lines)


def _check(findings, corpus, *checks):
    found = [f for f in findings if f.check in checks]
    assert not found, explain(found, corpus)


# --- the tests -------------------------------------------------------------------


def test_every_free_text_field_of_every_kind_carries_a_payload(hostile):
    """Fields are derived from the models: every string that takes prose gets payloads; the rest are ids,
    dates, controlled values and numbers, which refuse markup and keep valid values."""
    corpus = hostile.corpus
    leaves = hc.all_leaves()
    assert {path.split(".")[0] for path in leaves} == {*hc.MODELS, "settings"}
    free = {path for path, kind in leaves.items() if kind in hc.FREE}
    assert free - corpus.filled == set(), "free-text fields without a payload"
    # a field left without a payload is one that cannot hold one
    script = "<script>__pwn(0)</script>"
    for path, kind in leaves.items():
        if path in corpus.filled:
            continue
        assert kind == "constrained", path
        leaf = _leaf_at(path)
        assert not leaf.is_str or not hc.accepts(leaf, script), f"{path} takes markup but carries no payload"
    # every kind of file and the settings are written, each payload kind is used
    assert {o.kind for o in corpus.fields} == set(hc.FREE)
    assert {o.file.split("/")[1] for o in corpus.fields} >= {"actors", "sources", "questions", "2024", "site.yml"}
    assert {"settings.title", "settings.description", "settings.copyright", "brief.claims[].quote",
            "brief.analyses[].points[]", "actor.aliases[].name", "actor.native_name.name", "source.aliases[].name",
            "source.native_name.name", "brief.authors[]", "source.affiliation"} <= corpus.filled


def _leaf_at(path: str) -> hc.Leaf:
    parts = path.replace("[]", "").replace("{key}", ".{key}").replace("{}", ".{}").split(".")
    sh = hc.Nested(hc.ROOTS[parts[0]])
    for part in parts[1:]:
        while isinstance(sh, hc.ListOf):
            sh = sh.item
        if part == "{key}":
            sh = sh.key
        elif part == "{}":
            sh = sh.value
        else:
            sh = hc.field_shape(sh.model.model_fields[part])
    while isinstance(sh, hc.ListOf):
        sh = sh.item
    return sh


def test_hostile_corpus_builds(hostile):
    assert hostile.code == 0, hostile.err
    assert (hostile.site / "briefs/hostile-brief/index.html").exists()


def test_no_script_element_but_the_themes(findings, hostile):
    _check(findings, hostile.corpus, "script")


def test_no_event_handler_attribute(findings, hostile):
    _check(findings, hostile.corpus, "handler")


def test_no_script_or_data_url_in_any_link_or_source(findings, hostile):
    _check(findings, hostile.corpus, "url")


def test_no_injected_element_or_attribute(findings, hostile):
    _check(findings, hostile.corpus, "element", "attribute")


def test_feed_and_sitemap_are_well_formed_xml(findings, hostile, site):
    assert (site / "feed.xml").exists() and (site / "sitemap.xml").exists()
    _check(findings, hostile.corpus, "xml")


def test_every_json_and_data_script_parses(findings, hostile):
    _check(findings, hostile.corpus, "json", "js")


def test_ach_csv_keeps_its_cells_and_runs_no_formula(findings, hostile, site):
    assert list(site.glob("data/ach/*.csv"))
    _check(findings, hostile.corpus, "csv")


def test_template_syntax_is_never_evaluated(findings, hostile):
    _check(findings, hostile.corpus, "jinja")


def test_fields_show_template_and_markdown_syntax_as_written(findings, hostile, site):
    """`{{ 7*7 }}` shows as written, not 49; `**x**` in a plain field keeps its stars."""
    brief = scan_markup("brief", (site / "briefs/hostile-brief/index.html").read_text("utf-8"))
    text = "".join(brief.text)
    assert "{{ 7*7 }}:{# c #}:**x**:" in text and "{{ 7*7 }}:{# c #}:" in text
    _check(findings, hostile.corpus, "shown")


# --- Markdown links validation refuses ----------------------------------------------


def test_encoded_script_links_in_markdown_are_refused_with_their_position(tmp_path):
    """A link or image a browser would follow to script is refused by validate, entity-encoded ones
    too (a browser decodes entities in an href: `java&#115;cript:` is `javascript:`): one
    positioned error each, at its file and line."""
    project = Project(tmp_path / "proj")
    corpus = hc.hostile_corpus(refused=True)
    corpus.write(project.root)
    markdown_fields = [o for o in corpus.fields if o.kind == "markdown"]
    assert len(corpus.refusals) == len(markdown_fields) * len(hc.REFUSED_LINKS)
    assert {o.payload for o in corpus.origins.values()} == set(hc.REFUSED_LINKS)
    # the settings are read first, and a problem there stops the command before the briefs are read
    settings = [where for where in corpus.refusals if where[0].startswith("site_config/")]
    assert settings
    for expected in (settings, [where for where in corpus.refusals if where not in settings]):
        r = project.run("validate")
        errors = [l for l in r.err.splitlines() if ": error: " in l]
        where = sorted((m.group(1), int(m.group(2))) for l in errors if (m := re.match(r"(.+?):(\d+):\d+: error: ", l)))
        assert r.code == 1 and where == sorted(expected), (
            f"exit {r.code}; expected an error at each of\n  " + "\n  ".join(f"{f}:{l}" for f, l in sorted(expected))
            + f"\ngot:\n{r.err}")
        (project.root / "site_config/site.yml").write_text("title: Hostile\n", "utf-8")
