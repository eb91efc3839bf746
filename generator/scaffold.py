"""`briefgen init`: the files of a new briefs repository.

A briefs repository holds only its content: briefs/ (one example of each kind
of file, linked to one another, so that the first build shows every kind of
page), site_config/site.yml, and what makes it work in git, CI and the
editor: a .gitignore keeping out the site and the build folder, a
.pre-commit-config.yaml running this repository's hooks, a GitHub Actions
workflow that installs briefgen, validates, builds and deploys the site, the
JSON Schemas in schema/ and .vscode/settings.json mapping them to the files.
Templates, theme overrides, pages and the mkdocs configuration come from the
installed briefgen (`config.packaged`) until the repository brings its own.

pre-commit and CI install briefgen from a git repository and revision: by
default the one this briefgen was installed from (PEP 610's direct_url.json,
or the source checkout it runs from), else what `--repo` and `--rev` give.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from generator.config import SETTINGS_FILE, packaged
from generator.format import schema as schemas
from generator.format import skeleton, vocab

HOOKS = ("briefgen-validate", "briefgen-lint")  # the ids of this repository's .pre-commit-hooks.yaml
EXAMPLE_BRIEF = "example-brief"

SITE_YML = """\
# The site's own settings; briefgen's README lists them all.
title: Briefs
description: Intelligence briefs, with their sources graded and their hypotheses weighed.
# url: https://example.org/briefs/   # the published address: canonical links, the sitemap, the feed
language: en
# Publishing policy: items above max_tlp and drafts never reach the site.
max_tlp: clear   # clear, green, amber, amber+strict, red
drafts: false
"""

GITIGNORE = """\
# made by briefgen: never committed
/site/
/build/
"""

EXAMPLES = {
    "actor": ("example-group", """\
name: Example Group
kind: armed-group
aliases: [The Examples]
description: |
  An actor the example brief names. Replace the examples with your own files.
tlp: clear
"""),
    "source": ("example-news", """\
name: Example News
kind: news-outlet
reliability: C  # Admiralty: A completely reliable ... E unreliable, F cannot be judged
reliability_note: |
  A regional outlet, usually but not always right.
tlp: clear
"""),
    "question": ("who-did-it", """\
question: Who carried out the example attack?
context: |
  The question the example brief's evidence bears on.
hypotheses:
  - id: example-group-did-it
    statement: Example Group carried out the attack.
  - id: someone-else-did-it
    statement: Someone else carried out the attack.
tlp: clear
"""),
    "brief": (EXAMPLE_BRIEF, """\
title: An example brief
published: "2024-01"
tlp: clear
summary: |
  **Bottom line up front.** Example Group likely carried out the example attack.
claims:
  - id: example-news-names-example-group
    statement: Example News reports that Example Group carried out the attack.
    source: example-news
    reported: "2024-01-15"
    credibility: 3  # 1 confirmed ... 5 improbable, 6 cannot be judged
    location: Paris
    coordinates: [48.86, 2.35]  # [latitude, longitude]: the brief's page shows it on a map
    actors: [example-group]
    assessments: {example-group-did-it: C, someone-else-did-it: I}
judgments:
  - id: example-group-likely
    statement: Example Group likely carried out the attack.
    likelihood: likely
    confidence: low
    basis: [example-news-names-example-group]
    hypothesis: example-group-did-it
"""),
}

PRE_COMMIT = """\
# pre-commit (https://pre-commit.com): run `pre-commit install` once, and every
# commit that touches briefs/ or site_config/ is validated first.
repos:
  - repo: {repo}
    rev: {rev}
    hooks:
      - id: {validate}
      - id: {lint}   # analytic warnings; add `args: [--strict]` to fail on them
"""

# The same steps as briefgen's own .github/workflows/publish.yml, with briefgen installed from git;
# actions pinned by commit (the version in the comment), as `zizmor` asks.
WORKFLOW = """\
# Validate every pull request; build and deploy the public site from main
# (Settings > Pages > Source: GitHub Actions). The public build publishes
# TLP:CLEAR only, whatever site_config/site.yml says.
#
# Actions are pinned by commit (a tag can be moved; a commit cannot), with the
# release in a comment for Dependabot and for readers.
name: publish

on:
  pull_request:
  push:
    branches: [main]
  workflow_dispatch:

# Nothing by default: each job below asks for what it needs.
permissions: {{}}

concurrency:
  group: pages-${{{{ github.ref }}}}
  cancel-in-progress: true

jobs:
  build:
    name: Validate and build
    runs-on: ubuntu-latest
    permissions:
      contents: read  # to check out the briefs
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1  # v7.0.1
        with:
          persist-credentials: false
          fetch-depth: 0  # the whole history: brief pages show each judgment's history from git
      - uses: actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97  # v7.0.0
        with:
          python-version: "3.11"
      - name: Install Graphviz (the actor graphs; pygraphviz builds against its headers)
        run: sudo apt-get update && sudo apt-get install -y --no-install-recommends graphviz libgraphviz-dev
      - name: Install briefgen
        run: {install}
      - name: Validate (problems show as annotations on the pull request)
        run: briefgen validate --max-tlp clear
      - name: Analytic lint (warnings)
        run: briefgen lint --max-tlp clear
      - name: Build the public site
        run: briefgen build --max-tlp clear --no-drafts
      - name: Upload the site
        if: github.event_name != 'pull_request'
        uses: actions/upload-pages-artifact@fc324d3547104276b827a68afc52ff2a11cc49c9  # v5.0.0
        with:
          path: site

  deploy:
    name: Deploy to GitHub Pages
    if: github.event_name != 'pull_request' && github.ref == 'refs/heads/main'
    needs: build
    runs-on: ubuntu-latest
    permissions:
      pages: write     # to create the Pages deployment
      id-token: write  # to prove to Pages that the deployment comes from this workflow on main
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@cd2ce8fcbc39b97be8ca5fce6e763baed58fa128  # v5.0.0
"""


@dataclass(frozen=True)
class Source:
    """Where pre-commit and CI get briefgen: a git repository (URL or local path) and a revision."""

    repo: str
    rev: str
    local: bool  # a path on this machine: fine for pre-commit here, not for CI


def _git(folder: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _from_folder(folder: Path) -> Source | None:
    """A git checkout of briefgen: its `origin` remote if it has one, else the folder; its HEAD commit."""
    rev = _git(folder, "rev-parse", "HEAD")
    if rev is None:
        return None
    origin = _git(folder, "remote", "get-url", "origin")
    if origin and "://" not in origin and not origin.startswith("git@") and not Path(origin).is_absolute():
        origin = str((folder / origin).resolve())  # a clone of a clone: a relative path
    repo = origin or str(folder)
    return Source(repo, rev, local="://" not in repo and not repo.startswith("git@"))


def installed_source() -> Source | None:
    """Where the running briefgen comes from, if that can be told."""
    data = packaged()
    if data.name != "_data":  # running from a source checkout (editable, or on PYTHONPATH)
        return _from_folder(data)
    try:
        info = json.loads(metadata.distribution("briefgen").read_text("direct_url.json") or "null")
    except (metadata.PackageNotFoundError, ValueError):
        info = None
    if not isinstance(info, dict) or not isinstance(info.get("url"), str):
        return None
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and vcs.get("commit_id"):
        return Source(info["url"], vcs["commit_id"], local=info["url"].startswith("file:"))
    url = urlparse(info["url"])
    return _from_folder(Path(unquote(url.path))) if url.scheme == "file" else None


def _schema_line(rel: str) -> str:
    """The first line of an example, pointing the YAML language server at its schema in schema/."""
    depth = rel.count("/")
    kind = next(k for k, (i, _) in EXAMPLES.items() if rel.endswith(f"/{i}.yaml"))
    return skeleton.SCHEMA_LINE.format(schema="../" * depth + f"schema/{kind}.schema.json")


def vscode_settings() -> str:
    """The YAML extension's mapping of every file kind to its schema in schema/."""
    folders = {k: vocab.PLURAL[k] for k in ("actor", "source", "question")}
    mapping: dict[str, str | list[str]] = {f"schema/{k}.schema.json": f"briefs/{f}/*.yaml" for k, f in folders.items()}
    mapping["schema/brief.schema.json"] = ["briefs/**/*.yaml", *(f"!briefs/{f}/*.yaml" for f in folders.values())]
    return json.dumps({"yaml.schemas": mapping}, indent=2) + "\n"


def files(source: Source) -> dict[str, str]:
    """Every file of a new briefs repository, by its path in it."""
    out: dict[str, str] = {}
    for kind, (item_id, text) in EXAMPLES.items():
        rel = skeleton.target(Path("briefs"), kind, item_id).as_posix()
        out[rel] = _schema_line(rel) + text
    out[f"site_config/{SETTINGS_FILE}"] = SITE_YML
    out[".gitignore"] = GITIGNORE
    out[".pre-commit-config.yaml"] = PRE_COMMIT.format(repo=json.dumps(source.repo), rev=json.dumps(source.rev),
                                                       validate=HOOKS[0], lint=HOOKS[1])
    repo = source.repo if not source.local else Path(source.repo).as_uri()
    install = "pip install " + shlex.quote(f"briefgen @ git+{repo}@{source.rev}")
    out[".github/workflows/publish.yml"] = WORKFLOW.format(install=json.dumps(install))
    for kind in schemas.KINDS:
        out[f"schema/{kind}.schema.json"] = schemas.schema_json(kind)
    out[".vscode/settings.json"] = vscode_settings()
    return out


def existing(root: Path, planned: dict[str, str]) -> list[str]:
    """The planned files that are there already (init overwrites nothing)."""
    return [rel for rel in planned if (root / rel).exists() or (root / rel).is_symlink()]


def write(root: Path, planned: dict[str, str]) -> None:
    for rel, text in planned.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as f:  # "x": never replaces a file made meanwhile
            f.write(text)
