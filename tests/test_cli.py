"""The command line as authors use it: help, skeletons, schema, project discovery, preview."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import free_port, http_get, run_cli


@pytest.mark.parametrize("command", ["validate", "build", "serve", "new", "schema", "export"])
def test_every_command_explains_itself(project, command):
    r = project.run(command, "--help")
    assert r.code == 0
    assert "Usage:" in r.out and len(r.out.splitlines()) > 5


def test_outside_a_project_is_a_usage_error(tmp_path):
    r = run_cli("validate", cwd=tmp_path)
    assert r.code == 2
    assert "is not a briefgen project" in r.err and "-C DIR" in r.err


def test_dash_c_points_at_another_project(minimal, tmp_path):
    r = run_cli("-C", str(minimal.root), "validate", cwd=tmp_path)
    assert r.code == 0, r.err


def test_bad_option_value_is_a_usage_error(minimal):
    r = minimal.run("build", "--max-tlp", "purple")
    assert r.code == 2
    assert "'purple' is not one of" in r.err


@pytest.mark.parametrize("kind,path", [("brief", "briefs/new-brief.yaml"), ("actor", "briefs/actors/new-brief.yaml"),
                                       ("source", "briefs/sources/new-brief.yaml"), ("question", "briefs/questions/new-brief.yaml")])
def test_new_writes_a_valid_skeleton(minimal, kind, path):
    r = minimal.run("new", kind, "new-brief")
    assert r.code == 0, r.err
    text = (minimal.root / path).read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert f"{kind}.schema.json" in text.splitlines()[0]
    r = minimal.run("validate", "--drafts")
    assert r.code == 0, r.err


def test_new_refuses_to_overwrite_and_bad_ids(minimal):
    assert minimal.run("new", "actor", "alpha-group").code == 2
    r = minimal.run("new", "actor", "Bad Id")
    assert r.code == 2 and "not a valid id" in r.err


def test_new_brief_is_a_draft_until_published(minimal):
    minimal.run("new", "brief", "work-in-progress")
    r = minimal.run("validate")
    assert r.code == 0 and "1 briefs" in r.out and "1 withheld" in r.out


def test_schema_describes_every_kind(project):
    for kind, required in [("brief", {"title", "published", "tlp", "summary"}), ("actor", {"name", "kind"}),
                           ("source", {"name", "kind", "reliability"}), ("question", {"question", "hypotheses"})]:
        r = project.run("schema", kind)
        assert r.code == 0
        schema = json.loads(r.out)
        assert set(schema["required"]) == required
        assert schema["additionalProperties"] is False


def test_export_json_matches_the_site_data(minimal):
    r = minimal.run("export", "json")
    assert r.code == 0
    data = json.loads(r.out)
    claim = next(c for c in data["claims"] if c["id"] == "news-says-beta")
    assert claim["admiralty"] == "B2" and claim["statement"] == "The paper says Beta did it."
    assert minimal.run("build").code == 0
    assert (minimal.root / "site/data/corpus.json").read_text() == r.out


@contextlib.contextmanager
def _serving(project, *options):
    """`briefgen serve` running on a free port in `project`, its output in `_log(project)`; the address of its first brief."""
    port = free_port()
    with open(_log(project), "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "-a", f"127.0.0.1:{port}", *options],
                                cwd=project.root, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        yield f"http://127.0.0.1:{port}/briefs/first-brief/"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _log(project) -> Path:
    return project.root.parent / "serve.log"


def _page_holding(url: str, text: str) -> str:
    """The page at `url` once it holds `text` (within a minute), else as it is then."""
    deadline = time.time() + 60
    while time.time() < deadline and text not in (http_get(url) or ""):
        time.sleep(0.5)
    return http_get(url) or ""


@pytest.mark.parametrize("options", [(), ("--poll",)], ids=["file events", "polling"])
def test_serve_regenerates_on_edit(minimal, options):
    with _serving(minimal, *options) as url:
        assert "First brief" in _page_holding(url, "First brief")
        path = minimal.root / "briefs/2024/first-brief.yaml"
        path.write_text(path.read_text().replace("title: First brief", "title: Edited while serving"))
        assert "Edited while serving" in _page_holding(url, "Edited while serving")
        # then it waits for the next edit: reading the inputs (every build does) is no change to build again for
        time.sleep(2)
        builds = _log(minimal).read_text().count("preview:")
        time.sleep(3)
        assert _log(minimal).read_text().count("preview:") == builds <= 3, _log(minimal).read_text()[-2000:]


def test_serve_keeps_serving_after_a_broken_edit_and_shows_the_next_good_one(minimal):
    with _serving(minimal) as url:
        assert "First brief" in _page_holding(url, "First brief")
        path = minimal.root / "briefs/2024/first-brief.yaml"
        good = path.read_text()
        path.write_text(good.replace("title: First brief", "title: [unclosed"))
        time.sleep(3)  # the broken edit is built, and fails
        assert "First brief" in (http_get(url) or "")  # the last good page is still served
        path.write_text(good.replace("title: First brief", "title: Mended while serving"))
        assert "Mended while serving" in _page_holding(url, "Mended while serving")
        assert not (minimal.root / "site").exists()  # the preview is not the site


def test_serve_shows_the_settings_as_text_as_a_build_does(minimal):
    (minimal.root / "site_config/site.yml").write_text(
        'title: "Briefs <img src=x onerror=alert(1)>"\ndescription: "A \\"quoted\\" <b>site</b>"\ncopyright: "<script>alert(2)</script>"\n', "utf-8")
    with _serving(minimal) as url:
        page = _page_holding(url, "First brief")
        assert "<title>First brief - Briefs &lt;img src=x onerror=alert(1)&gt;</title>" in page
        assert '<meta name="description" content="A &quot;quoted&quot; &lt;b&gt;site&lt;/b&gt;">' in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
        assert "<img src=x" not in page and "<script>alert" not in page


def test_build_after_an_edit_of_words_resumes_and_after_any_other_edit_does_not(minimal):
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert "resumed" not in r.out  # the first build has nothing to resume from
    r = minimal.run("build")
    assert r.code == 0 and "resumed from the snapshot of the last full build (no brief changed since)" in r.out
    brief = minimal.root / "briefs/2024/first-brief.yaml"
    brief.write_text(brief.read_text("utf-8").replace("Alpha says it did it.", "Alpha says, again, it did it."), "utf-8")
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert "resumed from the snapshot of the last full build (since then only the words of 1 brief changed)" in r.out
    assert "Alpha says, again, it did it." in (minimal.root / "site/briefs/first-brief/index.html").read_text("utf-8")
    source = minimal.root / "briefs/sources/daily-news.yaml"  # an entity file: the full path
    source.write_text(source.read_text("utf-8").replace("name: Daily News", "name: The Daily News"), "utf-8")
    r = minimal.run("build")
    assert r.code == 0, r.err
    assert "resumed" not in r.out


def test_a_bad_setting_is_reported_where_it_is_written(minimal):
    (minimal.root / "site_config/site.yml").write_text("title: X\nmax_tlp: purple\nbogus: 1\n", "utf-8")
    r = minimal.run("validate")
    assert r.code == 1
    assert [l.split(": error: ")[0] for l in r.lines] == ["site_config/site.yml:2:10", "site_config/site.yml:3:1"]


def test_the_site_address_reaches_pages_as_a_browser_sends_it(minimal):
    (minimal.root / "site_config/site.yml").write_text(
        "title: X\nurl: \"https://example.org/b/?q=\\\"><script>alert(1)</script>&s='><svg onload=alert(2)>\"\n", "utf-8")
    r = minimal.run("build")
    assert r.code == 0, r.err
    html = (minimal.root / "site/index.html").read_text("utf-8")
    assert '<link rel="canonical" href="https://example.org/b/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&s=%27%3E%3Csvg%20onload=alert(2)%3E' in html
    assert "<script>alert" not in html and "<svg onload" not in html


LOOP = "briefs/2024/again:1:1: error: symbolic link loop: briefs/2024/again points back to briefs/2024"


@pytest.mark.parametrize("command", ["validate", "build", "serve"])
def test_a_symbolic_link_loop_is_a_positioned_error_for_every_command(minimal, command):
    (minimal.root / "briefs/2024/again").symlink_to("../2024")
    r = minimal.run(command, *(["-a", f"127.0.0.1:{free_port()}"] if command == "serve" else []))
    assert r.code == 1 and r.lines == [LOOP], r.err


def test_a_symbolic_link_loop_after_a_build_fails_the_resumed_build_and_keeps_the_site(minimal):
    assert minimal.run("build").code == 0
    page = minimal.root / "site/briefs/first-brief/index.html"
    before = page.read_bytes()
    (minimal.root / "briefs/2024/again").symlink_to("../2024")
    r = minimal.run("build")
    assert r.code == 1 and r.lines == [LOOP], r.err
    assert page.read_bytes() == before
