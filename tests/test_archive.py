"""Archived copies: `archive: {url, captured, sha256}` on sources, claims and analyses, shown beside
the original link; evidence files kept under evidence/ copied into the site (only those published
items cite) and checked against their digest on every validate and build, resumed builds included;
corpus.json and the schemas carry it; lint asks for it."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re

from generator.output.exports import corpus_schema

BRIEF = "briefs/2024/first-brief.yaml"
PAGE = b"<html><body>The paper's page as it was.</body></html>\n"
WEB_COPY = "https://web.archive.org/web/20240305/https://news.example.com/"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cite(minimal, archive: str, url: str = "https://news.example.com/beta") -> None:
    """The minimal brief's claim news-says-beta citing `url`, with `archive` (YAML lines under `archive:`)."""
    path = minimal.root / BRIEF
    text = path.read_text("utf-8")
    anchor = "    contradicts: [alpha-claims-it]\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + f'    url: "{url}"\n' + (f"    archive:\n{archive}" if archive else "")), "utf-8")


def _evidence(minimal, rel: str, data: bytes = PAGE) -> None:
    path = minimal.root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _kept(minimal, sha: str | None = None) -> None:
    """news-says-beta's archived copy kept as evidence/2024/beta.html, with its digest."""
    _evidence(minimal, "evidence/2024/beta.html")
    _cite(minimal, '      url: evidence/2024/beta.html\n      captured: "2024-03-06"\n'
                   f'      sha256: "{sha or _sha(PAGE)}"\n')


def _position(minimal, rel: str, field: str) -> str:
    """`rel:line:col` of the value of the first line `field:` starts (indentation included, if `field` has any)."""
    for n, line in enumerate((minimal.root / rel).read_text("utf-8").splitlines(), 1):
        if (line if field.startswith(" ") else line.lstrip()).startswith(f"{field}:"):
            return f"{rel}:{n}:{len(line) - len(line.lstrip()) + len(field.strip()) + 3}"
    raise AssertionError(field)


def test_an_archive_is_validated_field_by_field(minimal):
    minimal.write("2024/bad-archives.yaml", """
        title: Bad archives
        published: "2024-03"
        tlp: clear
        summary: s
        claims:
          - {id: c-up, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: ../secret.txt, captured: "2024"}}
          - {id: c-dots, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: evidence/../x.pdf, captured: "2024"}}
          - {id: c-root, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: /etc/passwd, captured: "2024"}}
          - {id: c-hidden, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: evidence/.git/config, captured: "2024"}}
          - {id: c-page, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: evidence/notes.md, captured: "2024"}}
          - {id: c-js, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: "javascript:alert(1)", captured: "2024"}}
          - {id: c-sha, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: "https://a.example/", captured: "2024", sha256: ABC}}
          - {id: c-date, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: "https://a.example/", captured: "2024-13"}}
          - {id: c-none, statement: s, source: daily-news, reported: "2024", credibility: 3, archive: {url: "https://a.example/"}}
        """)
    r = minimal.run("validate")
    assert r.code == 1
    lines = (minimal.root / "briefs/2024/bad-archives.yaml").read_text().splitlines()

    def at(n: int, value: str, quoted: bool = False) -> str:  # where `value` (or the quote before it) starts on line n
        return f"briefs/2024/bad-archives.yaml:{n}:{lines[n - 1].index(value) + (0 if quoted else 1)}"

    assert r.lines == [
        f"{at(6, '../secret')}: error: claims[0].archive.url: '../secret.txt' is neither a web address (http:// or https://) nor a file under evidence/ (write it from the project's folder, e.g. evidence/2023/report.pdf)",
        f"{at(7, 'evidence/')}: error: claims[1].archive.url: 'evidence/../x.pdf': each step of a path under evidence/ is a name: no '..', '.', empty step, hidden file or backslash",
        f"{at(8, '/etc')}: error: claims[2].archive.url: '/etc/passwd' is neither a web address (http:// or https://) nor a file under evidence/ (write it from the project's folder, e.g. evidence/2023/report.pdf)",
        f"{at(9, 'evidence/')}: error: claims[3].archive.url: 'evidence/.git/config': each step of a path under evidence/ is a name: no '..', '.', empty step, hidden file or backslash",
        f"{at(10, 'evidence/')}: error: claims[4].archive.url: 'evidence/notes.md': a Markdown file would be published as a page of the site: keep it as .txt",
        f"{at(11, 'javascript', quoted=True)}: error: claims[5].archive.url: 'javascript:alert(1)' is neither a web address (http:// or https://) nor a file under evidence/ (write it from the project's folder, e.g. evidence/2023/report.pdf)",
        f"{at(12, 'ABC')}: error: claims[6].archive.sha256: 'ABC' is not a SHA-256 digest: 64 lower-case hexadecimal digits (sha256sum prints it)",
        f"{at(13, '2024-13', quoted=True)}: error: claims[7].archive.captured: '2024-13': month 13 does not exist",
        f"{at(14, '{url')}: error: missing required field 'captured' in claims[8].archive",
    ], r.err


def test_kept_evidence_is_published_linked_and_exported(minimal):
    _kept(minimal)
    _evidence(minimal, "evidence/unused.pdf", b"%PDF cited by nothing")
    _evidence(minimal, "evidence/2024/secret.html", b"<p>only a withheld brief cites this</p>")
    minimal.write("2024/restricted.yaml", """
        title: Restricted
        published: "2024-05"
        tlp: amber
        summary: s
        claims:
          - id: restricted-claim
            statement: Restricted claim.
            source: daily-news
            reported: "2024-05"
            credibility: 2
            url: "https://restricted.example/"
            archive: {url: evidence/2024/secret.html, captured: "2024-05-02"}
        """)
    minimal.write("sources/daily-news.yaml", """
        name: Daily News
        kind: news-outlet
        reliability: B
        url: "https://news.example.com/"
        archive: {url: "%s", captured: "2024-03-05"}
        """ % WEB_COPY)
    r = minimal.run("build")
    assert r.code == 0, r.err
    site = minimal.root / "site"
    assert (site / "evidence/2024/beta.html").read_bytes() == PAGE
    assert not (site / "evidence/2024/secret.html").exists() and not (site / "evidence/unused.pdf").exists()
    assert not (minimal.root / "build/docs/evidence/2024/secret.html").exists()

    page = (site / "briefs/first-brief/index.html").read_text("utf-8")
    original = re.search(r"<li><strong>Original:</strong> (.*?)</li>", page).group(1)
    assert original == ('<a href="https://news.example.com/beta" rel="noopener nofollow">https&#58;//news.example.com/beta</a> · '
                        f'<a class="bg-archive" href="../../evidence/2024/beta.html" title="SHA-256 {_sha(PAGE)}">archived 6 March 2024</a>')
    # the relative link reaches the copy from the page's own URL (briefs/first-brief/)
    assert (site / posixpath.normpath(posixpath.join("briefs/first-brief", "../../evidence/2024/beta.html"))).read_bytes() == PAGE
    source = (site / "sources/daily-news/index.html").read_text("utf-8")
    assert (f' · <a class="bg-archive" href="{WEB_COPY}" rel="noopener nofollow">archived 5 March 2024</a></p>') in source

    data = json.loads((site / "data/corpus.json").read_text("utf-8"))
    claim = next(c for c in data["claims"] if c["id"] == "news-says-beta")
    assert claim["archive"] == {"url": "evidence/2024/beta.html", "captured": "2024-03-06", "sha256": _sha(PAGE)}
    assert next(s for s in data["sources"] if s["id"] == "daily-news")["archive"] == {"url": WEB_COPY, "captured": "2024-03-05"}
    stix = {o.get("x_briefgen_id"): o for o in json.loads((site / "data/stix-bundle.json").read_text("utf-8"))["objects"]}
    assert stix["news-says-beta"]["external_references"][1] == {  # the site has no url: the copy by its path there
        "source_name": "archived copy", "description": "archived 2024-03-06 at evidence/2024/beta.html on the site",
        "hashes": {"SHA-256": _sha(PAGE)}}
    assert stix["daily-news"]["external_references"][1] == {"source_name": "archived copy", "description": "archived 2024-03-05", "url": WEB_COPY}

    # a new capture, and its digest: the next build publishes it
    newer = PAGE.replace(b"as it was", b"as it was later")
    _evidence(minimal, "evidence/2024/beta.html", newer)
    (minimal.root / BRIEF).write_text((minimal.root / BRIEF).read_text().replace(_sha(PAGE), _sha(newer)))
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert (site / "evidence/2024/beta.html").read_bytes() == newer
    # the brief withheld: its evidence leaves the site with it
    (minimal.root / BRIEF).write_text((minimal.root / BRIEF).read_text().replace("tlp: clear", "tlp: amber"))
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert not (site / "evidence").exists() and not (minimal.root / "build/docs/evidence").exists()


def test_an_analysis_shows_its_archived_copy_without_an_address(minimal):
    _evidence(minimal, "evidence/report.pdf", b"%PDF-1.7 report")
    path = minimal.root / BRIEF
    path.write_text(path.read_text() + """analyses:
  - id: expert-view
    analyst: daily-news
    title: An expert's view
    summary: Beta did it.
    archive: {url: evidence/report.pdf, captured: "2024-03"}
""")
    r = minimal.run("build")
    assert r.code == 0, r.err
    page = (minimal.root / "site/briefs/first-brief/index.html").read_text("utf-8")
    assert '<li><strong>Original:</strong> <a class="bg-archive" href="../../evidence/report.pdf">archived March 2024</a></li>' in page
    assert (minimal.root / "site/evidence/report.pdf").read_bytes() == b"%PDF-1.7 report"


def test_a_tampered_or_missing_evidence_file_is_a_positioned_error(minimal):
    _kept(minimal)
    assert minimal.run("validate").code == 0
    (minimal.root / "evidence/2024/beta.html").write_bytes(PAGE + b"<!-- edited -->")
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [f"{_position(minimal, BRIEF, 'sha256')}: error: archive.sha256: evidence/2024/beta.html does not hash to it "
                       f"(its SHA-256 is {_sha(PAGE + b'<!-- edited -->')}): the file changed since it was captured, or the digest is wrong"]
    (minimal.root / "evidence/2024/beta.html").unlink()
    r = minimal.run("build")
    assert r.code == 1
    assert r.lines == [f"{_position(minimal, BRIEF, '      url')}: error: archive.url: evidence/2024/beta.html does not exist: "
                       "keep the archived copy at that path under the project, or correct the path"]


def test_an_evidence_link_out_of_the_folder_is_refused(minimal, tmp_path):
    outside = tmp_path / "private.txt"
    outside.write_bytes(PAGE)
    (minimal.root / "evidence/2024").mkdir(parents=True)
    (minimal.root / "evidence/2024/beta.html").symlink_to(outside)
    _cite(minimal, '      url: evidence/2024/beta.html\n      captured: "2024-03-06"\n')
    r = minimal.run("validate")
    assert r.code == 1
    assert r.lines == [f"{_position(minimal, BRIEF, '      url')}: error: archive.url: evidence/2024/beta.html leads out of the "
                       "evidence/ folder (a symbolic link): only files kept in it are published"]


def test_evidence_tampered_after_a_build_fails_the_resumed_build(minimal):
    _kept(minimal)
    assert minimal.run("build").code == 0
    site = minimal.root / "site"
    before = (site / "evidence/2024/beta.html").read_bytes()
    path = minimal.root / BRIEF
    path.write_text(path.read_text().replace("The paper says Beta did it.", "The paper says that Beta did it."))
    r = minimal.run("build")
    assert r.code == 0 and "resumed" in r.out, r.out  # an edit of words: the build resumes from the snapshot
    (minimal.root / "evidence/2024/beta.html").write_bytes(PAGE.upper())
    r = minimal.run("build")  # nothing else changed: it would resume again
    assert r.code == 1
    assert r.lines == [f"{_position(minimal, BRIEF, 'sha256')}: error: archive.sha256: evidence/2024/beta.html does not hash to it "
                       f"(its SHA-256 is {_sha(PAGE.upper())}): the file changed since it was captured, or the digest is wrong"]
    assert (site / "evidence/2024/beta.html").read_bytes() == before


def test_lint_warns_on_an_address_without_an_archived_copy(minimal):
    _cite(minimal, "")
    r = minimal.run("lint")
    assert r.code == 0
    assert r.lines == [f"{_position(minimal, BRIEF, 'url')}: warning: claim 'news-says-beta' cites an address with no archived copy: "
                       "add archive: {url, captured} (a web archive's snapshot, or a file under evidence/) so that it can still "
                       "be checked once the page is gone"]
    assert minimal.run("lint", "--strict").code == 1
    path = minimal.root / BRIEF
    path.write_text(path.read_text().replace('    url: "https://news.example.com/beta"\n', '    url: "https://news.example.com/beta"\n'
                                              f'    archive: {{url: "{WEB_COPY}", captured: "2024-03-05"}}\n'))
    r = minimal.run("lint", "--strict")
    assert r.code == 0 and r.lines == [], r.err


def test_the_schemas_document_the_archive(minimal):
    r = minimal.run("schema", "brief")
    brief = json.loads(r.out)
    archive = brief["$defs"]["Archive"]
    assert set(archive["properties"]) == {"url", "captured", "sha256"} and archive["required"] == ["url", "captured"]
    assert archive["properties"]["sha256"]["pattern"] == "^[0-9a-f]{64}$"
    patterns = [p["pattern"] for p in archive["properties"]["url"]["anyOf"]]
    assert patterns == ["^https?://", r"^evidence(/[^/\\.][^/\\]*)+$"]
    assert brief["$defs"]["Claim"]["properties"]["archive"]["anyOf"][0] == {"$ref": "#/$defs/Archive"}
    source = json.loads(minimal.run("schema", "source").out)
    assert "archive" in source["properties"]
    corpus = corpus_schema()
    for table in ("ClaimOut", "AnalysisOut", "SourceOut"):
        assert corpus["$defs"][table]["properties"]["archive"]["anyOf"][0] == {"$ref": "#/$defs/Archive"}
