"""A briefs repository that holds only briefs: briefgen installed from a wheel of this repository,
`briefgen init` in an empty folder, then validate and build with briefgen's own templates, theme and
mkdocs configuration; the project's own templates, pages and mkdocs.yml replacing them; and
pre-commit running this repository's hook without modifying the work tree."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from support import REPO, Result, run_cli

BRIEF_PAGE = "site/briefs/example-brief/index.html"


def _source_files() -> list[str]:
    """The repository's files as a clone of it would hold them, uncommitted edits included."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True)
    return [rel for rel in out.stdout.splitlines() if (REPO / rel).is_file()]


def _copy_source(dest: Path) -> Path:
    for rel in _source_files():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, dest / rel)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel of this repository, built as pip builds one (from a copy: setuptools writes into build/)."""
    top = tmp_path_factory.mktemp("wheel")
    src = _copy_source(top / "src")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(top / "dist"), str(src)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    [built] = (top / "dist").glob("briefgen-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed into a folder of its own (its dependencies are this interpreter's)."""
    target = tmp_path_factory.mktemp("installed")
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (target / "bin/briefgen").is_file()
    return target


def _briefgen(installed: Path, *args: str, cwd: Path) -> Result:
    """The installed `briefgen` command, importing nothing from this checkout."""
    env = {**os.environ, "PYTHONPATH": str(installed), "GITHUB_ACTIONS": ""}
    proc = subprocess.run([sys.executable, str(installed / "bin/briefgen"), *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts}


@pytest.fixture
def repo(installed, tmp_path) -> Path:
    """A new briefs repository, made by the installed briefgen."""
    root = tmp_path / "briefs-repo"
    r = _briefgen(installed, "init", str(root), "--repo", "https://example.org/briefgen.git", "--rev", "v1", cwd=tmp_path)
    assert r.code == 0, r.err
    return root


def test_the_wheel_carries_the_code_templates_pages_overrides_and_mkdocs_yml(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    data = [rel for rel in _source_files()
            if rel.startswith(("templates/", "site_config/pages/", "site_config/overrides/")) or rel == "mkdocs.yml"]
    assert "templates/brief.md.j2" in data and "site_config/pages/assets/briefgen.css" in data
    missing = [rel for rel in data if f"generator/_data/{rel}" not in names]
    missing += [rel for rel in _source_files() if rel.startswith("generator/") and rel.endswith(".py") and rel not in names]
    assert not missing, missing
    assert {"generator/output/world.json", "generator/output/world.LICENSE"} <= names, "the maps' outline and its licence"
    assert not any(n.startswith("generator/_data/briefs/") or "site.yml" in n for n in names), "the demo's content is not briefgen's"


def test_init_then_validate_and_build_from_the_installed_wheel(installed, repo, tmp_path):
    where = subprocess.run([sys.executable, "-c", "import generator.config as c; print(c.__file__); print(c.packaged())"],
                           env={**os.environ, "PYTHONPATH": str(installed)}, cwd=tmp_path, capture_output=True, text=True)
    assert where.stdout.splitlines() == [str(installed / "generator/config.py"), str(installed / "generator/_data")], where.stderr
    assert sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file()) == sorted([
        ".github/workflows/publish.yml", ".gitignore", ".pre-commit-config.yaml", ".vscode/settings.json",
        "briefs/actors/example-group.yaml", "briefs/example-brief.yaml", "briefs/questions/who-did-it.yaml",
        "briefs/sources/example-news.yaml", "schema/actor.schema.json", "schema/brief.schema.json",
        "schema/question.schema.json", "schema/source.schema.json", "site_config/site.yml"])

    before = _tree(repo)
    r = _briefgen(installed, "validate", cwd=repo)
    assert r.code == 0, r.err
    assert r.out.startswith("ok: 1 briefs, 1 claims, 0 analyses, 1 judgments, 1 actors, 1 sources, 1 questions")
    assert _briefgen(installed, "lint", cwd=repo).out.strip() == "no warnings"
    assert _tree(repo) == before, "validate and lint wrote into the work tree"
    from generator.config import Project

    assert list(Project(repo).user_cache.rglob("*.pack")), "the model cache is in the user's cache folder"

    r = _briefgen(installed, "build", cwd=repo)
    assert r.code == 0, r.err
    page = (repo / BRIEF_PAGE).read_text("utf-8")
    assert "An example brief" in page and "Example News reports that Example Group carried out the attack." in page
    where = page.split('<figure class="bg-map"', 1)[-1].split("</figure>", 1)[0]  # drawn on the wheel's world outline
    assert '<path class="bg-map-land" d="M' in where and '<a href="#example-news-names-example-group"' in where
    assert "assets/briefgen.css" in page and "briefgen-search.js" in page  # briefgen's mkdocs.yml and theme overrides
    for rel in ("site/actors/example-group/index.html", "site/sources/example-news/index.html",
                "site/hypotheses/who-did-it/index.html", "site/methodology/index.html", "site/pagefind/pagefind.js"):
        assert (repo / rel).is_file(), rel
    ignored = [line for line in (repo / ".gitignore").read_text().splitlines() if not line.startswith("#")]
    assert ignored == ["/site/", "/build/"]
    made = {p.relative_to(repo).parts[0] for p in repo.iterdir()} - {p.split("/")[0] for p in before}
    assert made == {"site", "build"}, "a build writes its site and build folder only, both ignored by git"


def test_the_projects_own_templates_and_pages_replace_briefgens(installed, repo):
    assert _briefgen(installed, "build", cwd=repo).code == 0
    assert "Bottom line" in (repo / BRIEF_PAGE).read_text("utf-8")
    (repo / "templates").mkdir()
    packaged = installed / "generator/_data"
    text = (packaged / "templates/brief.md.j2").read_text("utf-8")
    assert "## Bottom line" in text
    (repo / "templates/brief.md.j2").write_text(text.replace("## Bottom line", "## Our own bottom line"), "utf-8")
    (repo / "site_config/pages").mkdir()
    (repo / "site_config/pages/methodology.md").write_text("# How we work\n\nOur own methodology.\n", "utf-8")
    (repo / "site_config/overrides").mkdir()
    main = (packaged / "site_config/overrides/main.html").read_text("utf-8")
    (repo / "site_config/overrides/main.html").write_text(main.replace("{% block extrahead %}", "{% block extrahead %}<meta name=\"ours\" content=\"1\">"), "utf-8")

    r = _briefgen(installed, "build", cwd=repo)  # an incremental build: the overrides are among what every page depends on
    assert r.code == 0, r.err
    page = (repo / BRIEF_PAGE).read_text("utf-8")
    assert "Our own bottom line" in page and '<meta name="ours" content="1">' in page
    assert "briefgen-search.js" in page, "the rest of briefgen's theme override is kept"
    assert "Our own methodology." in (repo / "site/methodology/index.html").read_text("utf-8")
    assert (repo / "site/assets/briefgen.css").is_file(), "briefgen's pages the project does not replace are kept"
    assert "Our own bottom line" not in (installed / "generator/_data/templates/brief.md.j2").read_text("utf-8")


def test_a_changed_briefgen_template_or_theme_override_makes_a_full_build(installed, tmp_path):
    """briefgen's own templates and overrides, as an upgrade changes them, are among what every page depends on."""
    copy = tmp_path / "installed"
    shutil.copytree(installed, copy, symlinks=True)
    r = _briefgen(copy, "init", "repo", "--repo", "https://example.org/briefgen.git", "--rev", "v1", cwd=tmp_path)
    assert r.code == 0, r.err
    repo = tmp_path / "repo"
    assert _briefgen(copy, "build", cwd=repo).code == 0
    main = copy / "generator/_data/site_config/overrides/main.html"
    main.write_text(main.read_text("utf-8").replace("{% block extrahead %}", '{% block extrahead %}<meta name="upgraded" content="1">'), "utf-8")
    assert _briefgen(copy, "build", cwd=repo).code == 0
    assert '<meta name="upgraded" content="1">' in (repo / BRIEF_PAGE).read_text("utf-8")
    assert '<meta name="upgraded" content="1">' in (repo / "site/actors/example-group/index.html").read_text("utf-8")
    template = copy / "generator/_data/templates/brief.md.j2"
    template.write_text(template.read_text("utf-8").replace("## Bottom line", "## The upgraded bottom line"), "utf-8")
    assert _briefgen(copy, "build", cwd=repo).code == 0
    assert "The upgraded bottom line" in (repo / BRIEF_PAGE).read_text("utf-8")


def test_a_projects_mkdocs_yml_without_what_briefgen_needs_is_refused_line_by_line(installed, repo):
    (repo / "mkdocs.yml").write_text("site_name: Ours\ntheme:\n  name: readthedocs\nplugins:\n  - tags\n", "utf-8")
    r = _briefgen(installed, "build", cwd=repo)
    assert r.code == 1
    assert r.lines == [  # in the order of their lines
        "mkdocs.yml:1:1: error: extra_css: add `- assets/briefgen.css`: briefgen's badges, TLP colours and tables need it",
        "mkdocs.yml:1:1: error: extra_javascript: add `- assets/briefgen.js`: briefgen's badges, TLP colours and tables need it",
        "mkdocs.yml:1:1: error: markdown_extensions: add `- attr_list`: the pages' headings carry their anchors in its syntax",
        "mkdocs.yml:1:1: error: nav: missing: list the site's sections (Home: index.md, Briefs: briefs/index.md, ...) as briefgen's default mkdocs.yml does; without it mkdocs lists every page of the site in the navigation",
        "mkdocs.yml:2:1: error: theme: briefgen's pages, theme overrides and search need mkdocs-material: set `theme: {name: material}` (not 'readthedocs')",
        "mkdocs.yml:4:1: error: plugins: the search plugin is missing: add `- search` (briefgen's offline search index, and incremental builds, are made from its index)",
    ], r.err
    assert not (repo / "site").exists()

    (repo / "mkdocs.yml").write_text("docs_dir: briefs\n" + (installed / "generator/_data/mkdocs.yml").read_text("utf-8").replace("docs_dir: build/docs\n", ""), "utf-8")
    r = _briefgen(installed, "build", cwd=repo)
    assert r.code == 1 and len(r.lines) == 1 and r.lines[0].startswith("mkdocs.yml:1:1: error: docs_dir: briefgen writes the generated Markdown there"), r.err
    assert "(not one that is, holds or lies in briefs/)" in r.lines[0]

    (repo / "mkdocs.yml").write_text("nav: [\n", "utf-8")
    r = _briefgen(installed, "build", cwd=repo)
    assert r.code == 1 and len(r.lines) == 1 and r.lines[0].startswith("mkdocs.yml:2:1: error: YAML syntax"), r.err

    # briefgen's own mkdocs.yml, brought by the project and changed: it is the one used
    (repo / "mkdocs.yml").write_text((installed / "generator/_data/mkdocs.yml").read_text("utf-8").replace("site_name: Briefs", "site_name: Ours")
                                     .replace("  - Methodology: methodology.md\n", ""), "utf-8")
    r = _briefgen(installed, "build", cwd=repo)
    assert r.code == 0, r.err
    assert "Methodology" not in (repo / BRIEF_PAGE).read_text("utf-8").split('<nav class="md-tabs"')[1].split("</nav>")[0]


def test_init_overwrites_nothing(installed, repo, tmp_path):
    before = _tree(repo)
    (repo / "briefs/example-brief.yaml").unlink()
    r = _briefgen(installed, "init", str(repo), "--repo", "https://example.org/briefgen.git", cwd=tmp_path)
    assert r.code == 2
    assert r.err.startswith(f"Error: {repo} has briefs/actors/example-group.yaml, briefs/sources/example-news.yaml, ")
    assert "briefgen init overwrites nothing, so it wrote no file" in r.err
    assert not (repo / "briefs/example-brief.yaml").exists()
    (repo / "elsewhere").write_text("a file\n")
    r = _briefgen(installed, "init", str(repo / "elsewhere"), "--repo", "https://example.org/briefgen.git", cwd=tmp_path)
    assert r.code == 2 and "elsewhere' is a file" in r.err
    assert {k: v for k, v in _tree(repo).items() if k != "elsewhere"} == {k: v for k, v in before.items() if k != "briefs/example-brief.yaml"}


def test_init_without_a_known_source_asks_for_one(installed, tmp_path):
    """A wheel installed from a file: no git repository to point pre-commit and CI at."""
    r = _briefgen(installed, "init", str(tmp_path / "new"), cwd=tmp_path)
    assert r.code == 2 and "--repo URL" in r.err
    assert not (tmp_path / "new").exists()


def test_init_points_pre_commit_and_ci_at_this_checkout_and_its_hooks(tmp_path):
    from pre_commit.clientlib import load_config, load_manifest

    r = run_cli("init", "new", cwd=tmp_path)
    assert r.code == 0, r.err
    root = tmp_path / "new"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    [repo] = load_config(str(root / ".pre-commit-config.yaml"))["repos"]
    assert repo["rev"] == head
    origin = subprocess.run(["git", "remote", "get-url", "origin"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    # this checkout's origin (a clone of a clone, as CI's, names the folder it came from), else the checkout itself
    assert repo["repo"] == origin if origin else Path(repo["repo"]) == REPO
    hooks = {h["id"] for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert {h["id"] for h in repo["hooks"]} == hooks
    workflow = yaml.safe_load((root / ".github/workflows/publish.yml").read_text())
    steps = workflow["jobs"]["build"]["steps"]
    install = next(s["run"] for s in steps if s.get("name") == "Install briefgen")
    assert install.startswith("pip install 'briefgen @ git+") and install.endswith(f"@{head}'")
    runs = " ".join(s.get("run", "") for s in steps)
    assert "briefgen validate" in runs and "briefgen build --max-tlp clear --no-drafts" in runs
    assert all("@" in s["uses"] and len(s["uses"].split("@")[1]) == 40 for s in steps if "uses" in s)  # pinned by commit
    settings = (root / ".vscode/settings.json").read_text()
    assert '"schema/actor.schema.json": "briefs/actors/*.yaml"' in settings
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(root / ".github/workflows/publish.yml")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


def _uses(text: str) -> dict[str, str]:
    """Each action a workflow uses, with the commit and release it is pinned to."""
    return {m[0]: m[1] for m in re.findall(r"uses:\s*([\w.-]+/[\w.-]+)@(\S+\s*#\s*\S+)", text)}


def test_inits_workflow_matches_briefgens_own_and_zizmor_finds_nothing(tmp_path):
    r = run_cli("init", str(tmp_path / "new"), cwd=REPO)
    assert r.code == 0, r.err
    path = tmp_path / "new" / ".github/workflows/publish.yml"
    text, own = path.read_text(), (REPO / ".github/workflows/publish.yml").read_text()
    # one set of pins: a release moved in briefgen's workflow moves in what init writes
    assert _uses(text) == _uses(own)
    for workflow in (text, own):
        steps = [s.get("run", "") for s in yaml.safe_load(workflow)["jobs"]["build"]["steps"]]
        graphviz = next(i for i, run in enumerate(steps) if "libgraphviz-dev" in run)
        assert graphviz < next(i for i, run in enumerate(steps) if run.startswith("pip install"))
    zizmor = Path(sys.executable).parent / "zizmor"
    for persona in ("regular", "pedantic"):
        proc = subprocess.run([str(zizmor if zizmor.exists() else "zizmor"), "--offline", "--no-config", "--no-ignores",
                               f"--persona={persona}", "--format=json", str(path.parent)], capture_output=True, text=True)
        assert json.loads(proc.stdout or "null") == [], proc.stdout


def test_init_help_says_what_it_writes():
    r = run_cli("init", "--help", cwd=REPO)
    assert r.code == 0
    for words in ("briefs/", "site_config/site.yml", ".gitignore", ".pre-commit-config.yaml", "workflow", ".vscode/settings.json",
                  "--repo", "--rev", "overwrites nothing"):
        assert words.lower() in " ".join(r.out.split()).lower(), words


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """This repository as a committed git repository (uncommitted edits included), for pre-commit to install from."""
    src = _copy_source(tmp_path_factory.mktemp("hook-repo") / "briefgen")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([*git, *args], cwd=src, check=True, capture_output=True)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=src, capture_output=True, text=True, check=True).stdout.strip()
    return src, rev


def test_pre_commit_validates_a_briefs_only_repository_without_modifying_it(hook_repo, tmp_path):
    """`pre-commit try-repo` installs the hook from this repository with pip (it needs PyPI) and runs it."""
    src, rev = hook_repo
    r = run_cli("init", "repo", "--repo", str(src), "--rev", rev, cwd=tmp_path)
    assert r.code == 0, r.err
    root = tmp_path / "repo"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path.parent / "pre-commit-home"), "PYTHONPATH": ""}
    pre_commit = [sys.executable, "-m", "pre_commit", "try-repo", str(src), "briefgen-validate", "--ref", rev, "--all-files"]

    def run() -> tuple[subprocess.CompletedProcess, str]:
        proc = subprocess.run(pre_commit, cwd=root, capture_output=True, text=True, env=env, timeout=900)
        status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True).stdout
        return proc, status

    proc, status = run()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "briefgen validate" in proc.stdout and "Passed" in proc.stdout
    assert status == "", "the hook modified the work tree"

    brief = root / "briefs/example-brief.yaml"
    brief.write_text(brief.read_text().replace("credibility: 3", "credibility: 9"))
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    staged = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True).stdout
    proc, status = run()
    assert proc.returncode == 1, proc.stdout
    assert "Failed" in proc.stdout and "briefs/example-brief.yaml:" in proc.stdout and "credibility" in proc.stdout
    assert "files were modified by this hook" not in proc.stdout
    assert status == staged, "the hook modified the work tree"


def test_validate_and_build_say_when_the_editors_schemas_are_another_briefgens(tmp_path):
    root = tmp_path / "new"
    assert run_cli("init", str(root), cwd=REPO).code == 0
    r = run_cli("validate", cwd=root)
    assert r.code == 0 and "schema/" not in r.err, r.err
    # as an upgrade leaves them: written by an older briefgen, with a field it did not know
    path = root / "schema" / "brief.schema.json"
    path.write_text(path.read_text().replace('"properties": {', '"properties": {"old_field": {},', 1))
    for command in ("validate", "build"):
        r = run_cli(command, cwd=root)
        assert r.code == 0, r.err
        assert "schema/ holds another briefgen's schemas (brief)" in r.err and "briefgen schema --dir schema" in r.err
    assert run_cli("schema", "--dir", "schema", cwd=root).code == 0
    assert "schema/" not in run_cli("validate", cwd=root).err
