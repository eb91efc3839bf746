"""The editor as authors use it: the real YAML language server (the engine of VS Code's YAML
extension) with the committed JSON Schemas mapped as README says, driven over stdio.

The server is the npm package in tests/editor/ (`make test` installs it with `npm ci`).
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from generator.format import models, vocab
from generator.format.schema import KINDS, schema
from support import REPO

NODE = shutil.which("node")
SERVER = REPO / "tests/editor/node_modules/yaml-language-server/bin/yaml-language-server"
TIMEOUT = 30


def _readme_settings() -> dict:
    """The VS Code settings README gives for the schemas, as written there."""
    text = (REPO / "README.md").read_text("utf-8")
    block = next(b for b in re.findall(r"```json\n(.*?)```", text, re.S) if '"yaml.schemas"' in b)
    return json.loads(block)


class LanguageServer:
    """A language server over stdio: LSP requests and the notifications it sends back."""

    def __init__(self, root: Path, settings: dict):
        self.proc = subprocess.Popen([NODE, str(SERVER), "--stdio"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        # the settings as VS Code hands them to the server, by section
        self.settings = {"yaml": {"schemas": settings["yaml.schemas"], "validate": True, "hover": True, "completion": True}}
        self.ids = itertools.count(1)
        self.responses: dict[int, dict] = {}
        self.diagnostics: dict[str, list] = {}
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {"textDocument": {
            "completion": {"completionItem": {"snippetSupport": True, "documentationFormat": ["markdown", "plaintext"]}},
            "hover": {"contentFormat": ["markdown", "plaintext"]}}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": self.settings})

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while (line := out.readline()).strip():
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                return
            message = json.loads(out.read(length))
            if "method" in message and "id" in message:  # the server asks: for settings, or nothing to answer
                section = [self.settings.get(item.get("section")) for item in message["params"].get("items", ())]
                self._send({"jsonrpc": "2.0", "id": message["id"],
                            "result": section if message["method"] == "workspace/configuration" else None})
            with self.changed:
                if "id" in message and "method" not in message:
                    self.responses[message["id"]] = message
                elif message.get("method") == "textDocument/publishDiagnostics":
                    self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
                self.changed.notify_all()

    def request(self, method: str, params: dict):
        i = next(self.ids)
        self._send({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        with self.changed:
            assert self.changed.wait_for(lambda: i in self.responses, TIMEOUT), f"no answer to {method}"
            answer = self.responses.pop(i)
        assert "error" not in answer, answer
        return answer["result"]

    def notify(self, method: str, params: dict) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def open(self, path: Path, text: str) -> "Document":
        """Open a document and wait for the server's first check of it."""
        uri = path.as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        with self.changed:
            assert self.changed.wait_for(lambda: uri in self.diagnostics, TIMEOUT), "no diagnostics"
        return Document(self, uri, text)

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.stdin.close()
            self.proc.stdout.close()


class Document:
    def __init__(self, server: LanguageServer, uri: str, text: str):
        self.server, self.uri, self.lines = server, uri, text.splitlines()

    def at(self, needle: str, offset: int = 0) -> dict:
        """The position just after the first `needle` (plus `offset`), as LSP counts it."""
        line = next(i for i, l in enumerate(self.lines) if needle in l)
        return {"line": line, "character": self.lines[line].index(needle) + len(needle) + offset}

    def hover(self, position: dict) -> str:
        result = self.server.request("textDocument/hover", {"textDocument": {"uri": self.uri}, "position": position})
        return result["contents"]["value"] if result else ""

    def complete(self, position: dict) -> list[dict]:
        result = self.server.request("textDocument/completion", {"textDocument": {"uri": self.uri}, "position": position})
        return result["items"] if isinstance(result, dict) else result

    @property
    def diagnostics(self) -> list[dict]:
        return self.server.diagnostics[self.uri]


@pytest.fixture(scope="module")
def editor(tmp_path_factory):
    """The language server on a project laid out as README says, with the committed schemas."""
    if NODE is None:
        pytest.skip("node is not installed: the editor tests drive the YAML language server, an npm package")
    if not SERVER.exists():
        pytest.fail("the YAML language server is not installed: run `make test`, or `npm ci --prefix tests/editor`")
    root = tmp_path_factory.mktemp("editor")
    shutil.copytree(REPO / "schema", root / "schema")
    server = LanguageServer(root, _readme_settings())
    server.root = root
    yield server
    server.close()


BRIEF = """\
title: A brief
published: "2024-13"
tlp: amber
summary: The bottom line.
claims:
  - id: first-claim
    statement: Something happened.
    source: daily-news
    reported: "2024-02-29"
    credibility: 3

judgments:
  - id: first-judgment
    statement: It will go on.
    likelihood: likely
    confidence: moderate
    basis: [first-claim]
"""


@pytest.fixture(scope="module")
def brief(editor):
    return editor.open(editor.root / "briefs/2024/a-brief.yaml", BRIEF)


def test_hover_on_credibility_shows_what_the_value_means(brief):
    shown = brief.hover(brief.at("credibility: ", 0))
    assert "Admiralty information credibility" in shown  # the field
    # the value first, with its meaning; then the other values, each with its own
    assert re.search(r"\* `3`: \*\*Possibly true\*\* — Not confirmed; reasonably logical in itself", shown), shown
    assert "* `1`: **Confirmed by other sources** — Confirmed by other independent sources" in shown
    assert "* `6`: **Truth cannot be judged**" in shown
    assert shown.index("`3`") < shown.index("`1`")


def test_hover_on_tlp_gives_its_sharing_rule(brief):
    shown = brief.hover(brief.at("tlp: "))
    assert "* `amber`: **TLP:AMBER** — Recipients can share this only on a need-to-know basis" in shown
    assert "* `red`: **TLP:RED** — For the eyes and ears of individual recipients only" in shown


def test_completing_a_likelihood_lists_every_term_with_its_range(brief):
    items = brief.complete(brief.at("likelihood: "))
    offered = {item["label"]: item["documentation"]["value"] for item in items}
    assert list(offered) == list(vocab.LIKELIHOOD)
    assert offered["likely"] == "**Likely** — 55–80%"
    assert offered["almost-no-chance"] == "**Almost no chance** — 1–5%"


def test_completing_a_credibility_explains_each_number(brief):
    items = brief.complete(brief.at("credibility: "))
    offered = {item["label"]: item["documentation"]["value"] for item in items}
    assert list(offered) == ["1", "2", "3", "4", "5", "6"]
    assert offered["5"].startswith("**Improbable** — Not confirmed; not logical in itself")


def test_an_impossible_date_is_an_error_in_the_editor(brief):
    # 2024-13 has no month 13; 29 February 2024 exists, and nothing else is wrong
    [problem] = brief.diagnostics
    assert problem["range"]["start"] == {"line": 1, "character": 11}
    assert problem["severity"] == 1  # an error
    assert problem["message"].startswith("not a date: write 2023, 2023-08 or 2023-08-03")


@pytest.mark.parametrize("date,error", [('"2023-02-29"', True), ('"2023-04-31"', True), ('"2023-00"', True),
                                        ("2023", False), ('"2023-12-31"', False), ("2023-08-03", False)])
def test_dates_the_editor_refuses_are_those_validate_refuses(editor, date, error):
    doc = editor.open(editor.root / f"briefs/dates/{re.sub(r'[^0-9-]', '', date)}.yaml",
                      f"title: T\npublished: {date}\ntlp: clear\nsummary: S\n")
    assert [d["range"]["start"]["line"] for d in doc.diagnostics] == ([1] if error else [])


def test_a_quoted_number_is_an_error_in_the_editor(editor):
    doc = editor.open(editor.root / "briefs/2024/quoted.yaml", BRIEF.replace('"2024-13"', '"2024"').replace("credibility: 3", 'credibility: "3"'))
    [problem] = doc.diagnostics
    assert problem["range"]["start"] == doc.at("credibility: ")
    assert problem["message"] == "write one of 1, 2, 3, 4, 5, 6: a number, without quotes"


def test_completing_a_claims_fields_inserts_no_null(editor):
    # the cursor on a line of its own at the end of the claim, indented as its fields
    text = BRIEF.replace('"2024-13"', '"2024"').replace("credibility: 3\n", "credibility: 3\n    \n")
    doc = editor.open(editor.root / "briefs/2024/completing.yaml", text)
    position = {"line": text.splitlines().index("    "), "character": 4}
    items = doc.complete(position)
    inserted = {item["label"]: item.get("insertText", item["label"]) for item in items}
    # the optional fields are offered, each left empty for the author to fill in
    assert {"occurred", "location", "quote", "url", "via"} <= set(inserted)
    assert inserted["occurred"].rstrip() == "occurred:" and inserted["url"].rstrip() == "url:", inserted
    assert not [text for text in inserted.values() if "null" in text], inserted


def test_completing_a_new_claim_inserts_its_required_fields(editor):
    text = "title: T\npublished: \"2024\"\ntlp: clear\nsummary: S\nclaims:\n  - \n"
    doc = editor.open(editor.root / "briefs/2024/new-claim.yaml", text)
    items = doc.complete({"line": 5, "character": 4})
    skeleton = next(item["insertText"] for item in items if item["label"] == "Claim")
    assert re.sub(r"\$\d+", "", skeleton).split() == ["id:", "statement:", "source:", "reported:", "credibility:"]
    assert not [item for item in items if "null" in item.get("insertText", "")]


def test_each_file_kind_gets_its_own_schema(editor):
    doc = editor.open(editor.root / "briefs/actors/someone.yaml", "name: Someone\nkind: armed-group\nrelations:\n  - type: split-from\n    actor: other\n")
    assert doc.diagnostics == []
    assert "**Armed group** — A non-state group that uses armed force." in doc.hover(doc.at("kind: "))
    assert 'as "split from"; that actor\'s page shows "splinter group"' in doc.hover(doc.at("type: "))
    doc = editor.open(editor.root / "briefs/sources/somewhere.yaml", "name: Somewhere\nkind: news-outlet\nreliability: B\n")
    assert doc.diagnostics == []
    assert "**Usually reliable** — Minor doubt" in doc.hover(doc.at("reliability: "))


# --- the skeleton of `briefgen new brief` ----------------------------------


def _uncomment_example(text: str) -> str:
    """The skeleton with its commented example uncommented, as an author does: every line
    that is only a comment but the first (the schema line) loses its "# "."""
    first, *rest = text.splitlines(keepends=True)
    return first + "".join(re.sub(r"^(\s*)# ", r"\1", line) for line in rest)


def test_new_brief_stays_valid_with_its_example_claim_uncommented(project):
    assert project.run("new", "source", "a-source-id").code == 0  # the id the example names
    assert project.run("new", "brief", "fresh-brief").code == 0
    path = project.root / "briefs/fresh-brief.yaml"
    text = path.read_text()
    uncommented = _uncomment_example(text)
    assert uncommented != text and "\n  - id: fresh-brief-claim\n" in uncommented
    path.write_text(uncommented)
    r = project.run("validate", "--drafts")
    assert r.code == 0, r.err
    assert "1 briefs, 1 claims" in r.out, r.out
    # and the editor's schema agrees
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile", str(project.root / "schema/brief.schema.json"),
                           str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- the schemas themselves (no server needed) ------------------------------


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, path + (i,))


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_has_a_description_and_every_value_its_meaning(kind):
    doc = schema(kind)
    for path, node in _walk(doc):
        fields = node.get("properties") if path[-1:] != ("properties",) else None  # not a field named "properties"
        for name, field in (fields or {}).items():
            assert field.get("description"), f"{kind}: {'.'.join(map(str, path + (name,)))} has no description"
            assert "default" not in field or field["default"] is not None, f"{kind}: {name} defaults to null"
        if "enum" in node:
            assert len(node.get("enumDescriptions", ())) == len(node["enum"]), f"{kind}: {path} lacks meanings"
            assert len(node.get("markdownEnumDescriptions", ())) == len(node["enum"])
            assert all(node["enumDescriptions"]), path


def test_the_date_pattern_refuses_exactly_what_validate_refuses():
    pattern = re.compile(models.DATE_PATTERN)
    years = ["0000", "1000", "1900", "2000", "2023", "2024", "2100", "2400", "9999"]
    two = [f"{n:02d}" for n in range(0, 34)]
    texts = years + [f"{y}-{m}" for y in years for m in two] + [f"{y}-{m}-{d}" for y in years for m in two for d in two]
    texts += ["202", "20233", "2023-1", "2023-01-1", "２０２３", "٢٠٢٣", "2023-01-01T00:00", " 2023"]
    for text in texts:
        try:
            models._check_date(text)
            valid = True
        except ValueError:
            valid = False
        assert bool(pattern.fullmatch(text)) == valid, text
