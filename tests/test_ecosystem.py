"""Fitting the analyst's tools: JSON Schemas, data exports, pre-commit, CI workflows."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from support import REPO, run_cli
from generator.stages.load import corpus_listing, kind_of

CHECK = [sys.executable, "-m", "check_jsonschema"]


def test_committed_schemas_are_current(tmp_path):
    r = run_cli("schema", "--dir", str(tmp_path), cwd=REPO)
    assert r.code == 0
    written = sorted(p.name for p in tmp_path.glob("*.schema.json"))
    assert written and written == sorted(p.name for p in (REPO / "schema").glob("*.schema.json")), written
    for path in tmp_path.glob("*.schema.json"):
        assert (REPO / "schema" / path.name).read_text() == path.read_text(), f"run `make schema`: {path.name} is stale"


@pytest.mark.parametrize("kind", ["brief", "actor", "source", "question"])
def test_bundled_files_validate_against_their_schema_with_check_jsonschema(kind):
    files = [file for _, rel, file in corpus_listing(REPO / "briefs", REPO) if kind_of(rel) == kind]
    assert files
    proc = subprocess.run([*CHECK, "--schemafile", str(REPO / "schema" / f"{kind}.schema.json"), *map(str, files)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_schema_catches_what_validate_catches(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text('title: T\npublished: "2024"\ntlp: purple\nsummary: s\nsumary: typo\n')
    proc = subprocess.run([*CHECK, "--schemafile", str(REPO / "schema/brief.schema.json"), str(bad)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "purple" in proc.stdout and "sumary" in proc.stdout


def test_site_publishes_schemas_and_data(minimal):
    assert minimal.run("build").code == 0
    site = minimal.root / "site"
    for kind in ("brief", "actor", "source", "question"):
        published = json.loads((site / f"schema/{kind}.schema.json").read_text())
        assert published == json.loads((REPO / f"schema/{kind}.schema.json").read_text())
    assert "brief.schema.json" in (site / "schema/index.html").read_text()
    data = json.loads((site / "data/corpus.json").read_text())
    schema = json.loads((site / "data/corpus.schema.json").read_text())
    jsonschema.validate(data, schema)
    # the schema is strict: an unexpected field is refused
    data["claims"][0]["secret"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_bundled_corpus_json_matches_its_schema():
    r = run_cli("export", "json", cwd=REPO)
    assert r.code == 0, r.err
    from generator.output.exports import corpus_schema

    jsonschema.validate(json.loads(r.out), corpus_schema())


def test_ach_matrix_as_csv(minimal):
    assert minimal.run("build").code == 0
    page = (minimal.root / "site/hypotheses/who-did-it/index.html").read_text()
    assert 'href="../../data/ach/who-did-it.csv"' in page
    text = (minimal.root / "site/data/ach/who-did-it.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["evidence_id", "kind", "brief", "text", "admiralty", "weight", "h-beta", "h-alpha", "diagnosticity", "gaps"]
    assert rows[1] == ["alpha-claims-it", "claim", "first-brief", "Alpha says it did it.", "E4", "0.08", "I", "C", "2", ""]
    assert rows[2] == ["news-says-beta", "claim", "first-brief", "The paper says Beta did it.", "B2", "0.64", "CC", "II", "4", ""]
    assert rows[4] == ["hypothesis_id", "statement", "rank", "inconsistency", "weighted_inconsistency"]
    assert rows[5] == ["h-beta", "Beta did it.", "1", "1", "0.08"]
    assert rows[6] == ["h-alpha", "Alpha did it.", "2", "2", "1.28"]


def test_new_skeleton_points_at_a_local_schema_that_validates_it(minimal):
    assert minimal.run("new", "source", "fresh-source").code == 0
    path = minimal.root / "briefs/sources/fresh-source.yaml"
    first = path.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schema/source.schema.json"
    schema = (path.parent / "../../schema/source.schema.json").resolve()
    proc = subprocess.run([*CHECK, "--schemafile", str(schema), str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def test_new_skeleton_uses_the_site_address_when_known(minimal):
    settings = minimal.root / "site_config/site.yml"
    settings.write_text(settings.read_text() + "url: https://briefs.example.org/\n")
    assert minimal.run("new", "actor", "someone").code == 0
    first = (minimal.root / "briefs/actors/someone.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=https://briefs.example.org/schema/actor.schema.json"


def test_pre_commit_hooks_manifest():
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert hooks["briefgen-validate"]["entry"] == "briefgen validate"
    assert hooks["briefgen-validate"]["pass_filenames"] is False
    import re
    assert re.search(hooks["briefgen-validate"]["files"], "briefs/2023/idleb-isis-hts.yaml")


def test_pre_commit_entry_fails_on_a_broken_brief(minimal):
    # what the hook runs, in a briefs repository
    hook = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())[0]
    bin_dir = Path(sys.executable).parent
    entry = [str(bin_dir / hook["entry"].split()[0]), *hook["entry"].split()[1:]]
    assert subprocess.run(entry, cwd=minimal.root, capture_output=True).returncode == 0
    minimal.write("actors/beta-state.yaml", "name: Beta\nkind: stat\n")
    proc = subprocess.run(entry, cwd=minimal.root, capture_output=True, text=True)
    assert proc.returncode == 1 and "briefs/actors/beta-state.yaml:2:7" in proc.stderr


@pytest.mark.parametrize("path,schema", [(".github/workflows/publish.yml", "vendor.github-workflows"), ("examples/gitlab-ci.yml", "vendor.gitlab-ci")])
def test_ci_files_validate_against_their_platform_schema(path, schema):
    proc = subprocess.run([*CHECK, "--builtin-schema", schema, str(REPO / path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _zizmor() -> str:
    # installed by the test extra next to the interpreter; PATH as a fallback
    local = Path(sys.executable).parent / "zizmor"
    found = str(local) if local.exists() else shutil.which("zizmor")
    assert found, "zizmor is missing: pip install -e '.[test]'"
    return found


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_finds_nothing_in_the_workflows(persona):
    # regular: pinned actions, no persisted checkout token, no injection;
    # pedantic adds that every permission is explained by a comment. No config
    # and no ignore comments, so that nothing can be silenced in the repository.
    proc = subprocess.run([_zizmor(), "--offline", "--no-config", "--no-ignores", "--strict-collection",
                           f"--persona={persona}", "--format=json", str(REPO / ".github/workflows")],
                          capture_output=True, text=True)
    findings = json.loads(proc.stdout or "null")
    assert findings == [], [(f["ident"], f["desc"], f["locations"][0]["concrete"]["feature"]) for f in findings or []]
    assert proc.returncode == 0, proc.stderr


def test_workflow_pins_actions_and_grants_each_job_only_documented_permissions():
    text = (REPO / ".github/workflows/publish.yml").read_text()
    wf = yaml.safe_load(text)
    # a release tag can be moved to other code, a commit cannot; the comment names the release
    uses = re.findall(r"uses:\s*(\S+)(.*)", text)
    assert uses
    for ref, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"\s+#\s+v\d+\.\d+\.\d+", comment), (ref, comment)
    steps = [s for job in wf["jobs"].values() for s in job.get("steps", [])]
    checkouts = [s for s in steps if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts and all(s.get("with", {}).get("persist-credentials") is False for s in checkouts)
    assert wf["permissions"] == {}
    for name, job in wf["jobs"].items():
        for scope, level in job["permissions"].items():
            line = re.search(rf"^\s*{re.escape(scope)}:\s*{level}\b(.*)$", text, re.M)
            assert line and re.match(r"\s+#\s*\S", line.group(1)), f"{name}: {scope}: {level} says not why"


def test_workflow_checks_pull_requests_and_deploys_main_only_at_clear():
    wf = yaml.safe_load((REPO / ".github/workflows/publish.yml").read_text())
    triggers = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads `on` as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    steps = " ".join(s.get("run", "") for s in wf["jobs"]["build"]["steps"])
    assert "briefgen validate" in steps and "briefgen build --max-tlp clear" in steps
    assert "pull_request" in wf["jobs"]["deploy"]["if"] and "refs/heads/main" in wf["jobs"]["deploy"]["if"]
