"""The `briefgen` command line."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
import jinja2

from generator import __version__
from generator.build import driver
from generator.config import Project
from generator.errors import ContentError, Problem
from generator.format import schema as schemas
from generator.format import skeleton, vocab
from generator.format.models import SLUG
from generator.output import feed
from generator.site import swap

TLP_CHOICE = click.Choice(list(vocab.TLP), case_sensitive=False)


def _report(problems: list[Problem]) -> None:
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    for p in problems:
        click.echo(str(p), err=True)
        if github:
            click.echo(p.github())
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    parts = ([f"{errors} error{'s' if errors != 1 else ''}"] if errors or not warnings else []) + (
        [f"{warnings} warning{'s' if warnings != 1 else ''}"] if warnings else [])
    click.echo(", ".join(parts), err=True)


def _project(ctx: click.Context) -> Project:
    project = ctx.obj
    missing = project.missing()
    if missing:
        raise click.UsageError(
            f"{project.root} is not a briefgen project: no {', '.join(missing)} there. "
            "Run briefgen in the folder holding briefs/, point at it with -C DIR, or make one with `briefgen init`."
        )
    return project


def _run(action):
    """Run a stage; content errors become positioned lines and exit code 1."""
    try:
        return action()
    except ContentError as e:
        _report(e.problems)
        sys.exit(1)
    except jinja2.TemplateError as e:
        name = getattr(e, "filename", None) or getattr(e, "name", None) or "templates"
        line = getattr(e, "lineno", None) or 1
        _report([Problem(str(name), line, 1, f"template: {e.message or e}")])
        sys.exit(1)


def _policy(project: Project, max_tlp: str | None, drafts: bool | None):
    settings = _run(project.settings)
    return settings, driver.policy_for(settings, max_tlp and max_tlp.lower(), drafts)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefgen")
@click.option("-C", "project_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              help="Project folder (holding briefs/, and optionally site_config/, templates/, mkdocs.yml). Default: the current folder.")
@click.pass_context
def cli(ctx: click.Context, project_dir: Path):
    """briefgen: intelligence briefs in YAML, published as a static site.

    Validates the briefs under briefs/, renders them with briefgen's Jinja2
    templates (or the project's own, in templates/) into Markdown, and
    builds a searchable mkdocs-material site. `briefgen init` makes a new
    briefs repository. Exit codes: 0 success, 1 content errors, 2 usage
    errors.
    """
    ctx.obj = Project(project_dir.resolve())


_max_tlp = click.option("--max-tlp", type=TLP_CHOICE, default=None,
                        help="Publish items up to this TLP (clear, green, amber, amber+strict, red). Default: max_tlp in site_config/site.yml, else clear.")
_drafts = click.option("--drafts/--no-drafts", default=None,
                       help="Include briefs with status: draft. Default: drafts in site_config/site.yml, else no.")


@cli.command()
@_max_tlp
@_drafts
@click.pass_context
def validate(ctx, max_tlp, drafts):
    """Check the whole corpus and print every problem.

    Each problem is one line, path:line:col: error: message. With
    GITHUB_ACTIONS=true each is also printed as a workflow annotation.
    Exit 1 if there is any error. Writes nothing into the project: the
    model cache is in $XDG_CACHE_HOME/briefgen (default ~/.cache/briefgen).
    """
    project = _project(ctx)
    settings, policy = _policy(project, max_tlp, drafts)
    result = _run(lambda: driver.validate(project, policy, cache=project.user_cache))
    _schema_note(project)
    c = result.corpus
    click.echo(
        f"ok: {len(c.briefs)} briefs, {len(c.claims)} claims, {len(c.analyses)} analyses, {len(c.judgments)} judgments, "
        f"{len(c.actors)} actors, {len(c.sources)} sources, {len(c.questions)} questions published at TLP:{policy.max_tlp.upper()}"
        + (f"; {len(c.withheld)} withheld" if c.withheld else "")
    )


@cli.command()
@_max_tlp
@_drafts
@click.option("--site-dir", type=click.Path(path_type=Path), default=None,
              help="Where to write the site: an empty or new folder, or one briefgen built. Default: mkdocs.yml's site_dir, else site/ in the project folder.")
@click.option("--full", is_flag=True,
              help="Build every page of the site again, instead of keeping the last site's pages whose Markdown did not change.")
@click.pass_context
def build(ctx, max_tlp, drafts, site_dir, full):
    """Validate, render the pages and build the site with mkdocs.

    The site is built in a temporary folder and replaces the previous one
    only if the build and the leak check pass: a failed build leaves the old
    site untouched. The site folder is replaced whole, so briefgen refuses
    one that holds the project's files, or anything it did not build.

    After an edit, mkdocs builds only the pages whose Markdown changed; the
    others are kept from the last site, unless anything every page depends on
    changed (briefgen, mkdocs.yml, a template, the theme) or --full is given.
    """
    project = _project(ctx)
    settings, policy = _policy(project, max_tlp, drafts)
    target = site_dir if site_dir is not None else project.site
    started = time.perf_counter()
    try:  # checked before the work, and again when the site is swapped in
        swap.check_site_dir(project, target)
        result = _run(lambda: driver.build(project, settings, policy, target, full=full))
    except swap.SiteDirError as e:
        raise _Refused(f"--site-dir {e}" if site_dir is not None else str(e)) from None
    _history_note(result)
    _schema_note(project)
    r = result.rendered
    click.echo(
        f"built {target} in {time.perf_counter() - started:.1f}s: {len(result.corpus.briefs)} briefs at TLP:{policy.max_tlp.upper()}"
        f"{' with drafts' if policy.drafts else ''}; {len(r.written)} files written, {r.unchanged + r.skipped} unchanged ({r.skipped} not rendered again: their inputs did not change), {len(r.removed)} removed"
        + (f"; resumed from the snapshot of the last full build ({_briefs_edited(result.edited)})" if result.resumed else "")
        + (f"; mkdocs built {result.pages[1]} of {result.pages[0]} pages, the others kept from the last site"
           if result.pages[1] < result.pages[0] else "")
    )
    if not feed.has_feed(settings):
        click.echo("note: no feed.xml: the Atom feed's ids are made from the site's address; set url in site_config/site.yml", err=True)


def _schema_note(project: Project) -> None:
    """Once a command: the editor's schemas in schema/ (as `init` writes them) are not this briefgen's."""
    folder = project.root / "schema"
    stale = [k for k in schemas.KINDS
             if (folder / f"{k}.schema.json").is_file() and (folder / f"{k}.schema.json").read_text("utf-8") != schemas.schema_json(k)]
    if stale:
        click.echo(f"note: schema/ holds another briefgen's schemas ({', '.join(stale)}): your editor completes and checks "
                   "against them; run `briefgen schema --dir schema` to update them", err=True)


def _history_note(result: driver.Generated) -> None:
    """Once a command: why the briefs' history is missing from what it made, if it is."""
    history = result.corpus.history
    if history is not None and history.unavailable:
        click.echo(f"note: no history of the briefs: {history.unavailable}", err=True)


class _Refused(click.ClickException):
    """A usage the command refuses, said in one line (`Error: …`), with the usage errors' exit code."""

    exit_code = 2


def _briefs_edited(n: int) -> str:
    if not n:
        return "no brief changed since"
    return f"since then only the words of {'1 brief' if n == 1 else f'{n} briefs'} changed"


@cli.command()
@click.option("--strict", is_flag=True, help="Exit 1 if there is any warning (for CI).")
@_max_tlp
@_drafts
@click.pass_context
def lint(ctx, strict, max_tlp, drafts):
    """Point out analytic weaknesses: warnings, exit 0 unless --strict.

    Flags judgments that hedge outside the estimative vocabulary or state a
    probability in words; ACH gaps; questions with no diagnostic evidence;
    claims graded 1 (confirmed) without an independent corroborating claim;
    events dated after they were reported; claims and analyses citing an
    address with no archived copy.
    """
    from generator.stages.lint import lint as run_lint

    project = _project(ctx)
    settings, policy = _policy(project, max_tlp, drafts)
    result = _run(lambda: driver.validate(project, policy, with_history=True, cache=project.user_cache))
    _history_note(result)
    warnings = run_lint(result.corpus, result.findings)
    if warnings:
        _report(warnings)
    else:
        click.echo("no warnings")
    if strict and warnings:
        sys.exit(1)


@cli.command()
@click.option("--strict", is_flag=True, help="Exit 1 if any link is dead or moved (for CI).")
@_max_tlp
@_drafts
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True, metavar="S",
              help="Seconds to wait for a host to connect, and for each read of its answer.")
@click.option("--per-host", type=click.IntRange(min=1), default=2, show_default=True, metavar="N",
              help="Requests at most at once to any one host.")
@click.pass_context
def links(ctx, strict, max_tlp, drafts, timeout, per_host):
    """Check that every address the published corpus cites still answers.

    Asks each url and archive.url of the published sources, claims and
    analyses over the network (concurrently; HEAD, then GET where HEAD is
    refused; redirects followed) and prints each dead or moved link as
    path:line:col: warning: …, with the HTTP status, then a summary. Exit 0
    unless --strict. A build never runs this check.
    """
    from generator import linkcheck

    project = _project(ctx)
    settings, policy = _policy(project, max_tlp, drafts)
    result = _run(lambda: driver.validate(project, policy))
    started = time.perf_counter()
    report = linkcheck.check_corpus(result.corpus, linkcheck.Checker(timeout=timeout, per_host=per_host))
    if report.problems:
        _report(report.problems)
    n = report.counts()
    click.echo(f"checked {len(report.outcomes)} addresses ({report.cited} citations) in {time.perf_counter() - started:.1f}s: "
               f"{n['dead']} dead, {n['moved']} moved, {n['live']} live")
    if strict and report.problems:
        sys.exit(1)


@cli.command()
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option("--poll", is_flag=True, help="Look for changes four times a second instead of waiting for the system's "
              "file events: for a project on a network share or mounted into a container, whose edits raise none.")
@_max_tlp
@_drafts
@click.pass_context
def serve(ctx, dev_addr, poll, max_tlp, drafts):
    """Live preview: build the site into build/preview, serve it, and build it again on every change.

    A saved edit to briefs/, templates/, site_config/ or mkdocs.yml is built
    as `briefgen build` builds it, leak check included, but mkdocs builds
    only the pages it changed; the browser reloads by itself. Problems are
    printed and the last good pages stay up. The preview's search is the
    offline index: the Pagefind index is made by `briefgen build` only.
    """
    from generator.build.serve import serve as run_serve

    project = _project(ctx)
    _policy(project, max_tlp, drafts)  # bad options fail here, as for a build
    click.echo(f"serving the preview on http://{dev_addr}/ (Ctrl-C to stop)", err=True)
    run_serve(project, dev_addr, max_tlp and max_tlp.lower(), drafts, poll=poll)


@cli.command()
@click.argument("kind", type=click.Choice(["brief", "actor", "source", "question"]))
@click.argument("item_id", metavar="ID")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_context
def new(ctx, kind, item_id, force):
    """Write a valid skeleton for a new brief, actor, source or question.

    ID is the file name without .yaml: lower-case letters, digits and
    hyphens. A new brief starts as a draft.
    """
    project = _project(ctx)
    if not SLUG.match(item_id) or len(item_id) > 80:
        raise click.BadParameter(f"'{item_id}' is not a valid id: use lower-case letters, digits and single hyphens", param_hint="ID")
    path = skeleton.target(project.briefs, kind, item_id)
    if path.exists() and not force:
        raise click.UsageError(f"{path.relative_to(project.root)} exists already (use --force to overwrite)")
    settings = _run(project.settings)
    if settings.url:  # the schemas the site publishes
        base = settings.url.rstrip("/") + "/schema"
    else:  # a local copy beside the briefs, written on first use
        local = project.root / "schema" / f"{kind}.schema.json"
        if not local.exists():
            local.parent.mkdir(parents=True, exist_ok=True)
            local.write_text(schemas.schema_json(kind), "utf-8")
        base = os.path.relpath(local.parent, path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(skeleton.skeleton(kind, item_id, f"{base}/{kind}.schema.json"), "utf-8")
    click.echo(f"wrote {path.relative_to(project.root)}")


@cli.command()
@click.argument("directory", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--repo", metavar="URL",
              help="The git repository pre-commit and CI install briefgen from. Default: the one this briefgen was installed from.")
@click.option("--rev", metavar="REV", help="The tag or commit of --repo to install. Default: the installed one's commit.")
@click.pass_context
def init(ctx, directory, repo, rev):
    """Make a new briefs repository in DIR (default: the -C folder, else the current one).

    Writes briefs/ with one example of each kind of file (an actor, a
    source, a question and a brief), site_config/site.yml, a .gitignore
    (site/, build/), .pre-commit-config.yaml with briefgen's hooks, a GitHub
    Actions workflow that validates, builds and deploys the site, and the
    JSON Schemas in schema/ with the VS Code mapping in .vscode/settings.json.
    Then `briefgen validate`, `build` and `serve` work there as they are.

    Templates, pages, theme overrides and mkdocs.yml come from briefgen:
    put a file of the same name in the repository's templates/,
    site_config/pages/ or site_config/overrides/, or a mkdocs.yml, to
    replace briefgen's (see the README). Overwrites nothing: if any of
    these files exists, init writes none and exits with 2.
    """
    from generator import scaffold

    root = (directory if directory is not None else ctx.obj.root).resolve()
    if root.exists() and not root.is_dir():
        raise _Refused(f"{root} is a file, not a folder")
    found = scaffold.installed_source()
    if repo is None and found is None:
        raise _Refused("cannot tell which git repository briefgen was installed from: give it with --repo URL (and --rev)")
    source = scaffold.Source(repo, rev or "main", "://" not in repo and not repo.startswith("git@")) if repo else found
    if rev:
        source = scaffold.Source(source.repo, rev, source.local)
    planned = scaffold.files(source)
    there = scaffold.existing(root, planned)
    if there:
        shown = ", ".join(there[:4]) + (f" and {len(there) - 4} more" if len(there) > 4 else "")
        raise _Refused(f"{root} has {shown} already: briefgen init overwrites nothing, "
                       "so it wrote no file (move them away, or start in an empty folder)")
    try:
        scaffold.write(root, planned)
    except OSError as e:
        raise _Refused(f"cannot write into {root}: {e.strerror or e}")
    for rel in planned:
        click.echo(f"wrote {rel}")
    if source.local:
        click.echo(f"note: pre-commit and CI install briefgen from {source.repo}, a folder on this machine: "
                   "give --repo URL for a repository CI can clone", err=True)
    click.echo(f"next: cd {root} && briefgen validate && briefgen build (the site goes to site/)", err=True)


@cli.command()
@click.argument("kind", type=click.Choice(schemas.KINDS), default="brief")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Write the schemas of all four kinds into DIR as <kind>.schema.json.")
def schema(kind, output, directory):
    """Print the JSON Schema of a file kind (default: brief).

    Point your editor at it for completion and checks as you type; the
    README shows the VS Code set-up. The site publishes the same schemas
    under /schema/.
    """
    if directory:
        directory.mkdir(parents=True, exist_ok=True)
        for k in schemas.KINDS:
            (directory / f"{k}.schema.json").write_text(schemas.schema_json(k), "utf-8")
        click.echo(f"wrote {len(schemas.KINDS)} schemas into {directory}")
        return
    text = schemas.schema_json(kind)
    if output:
        output.write_text(text, "utf-8")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("fmt", metavar="FORMAT", type=click.Choice(["json", "stix"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
@_max_tlp
@_drafts
@click.pass_context
def export(ctx, fmt, output, max_tlp, drafts):
    """Write a data export of the published corpus.

    json: the same document as /data/corpus.json on the site.
    stix: a STIX 2.1 bundle, the same as /data/stix-bundle.json, for
    OpenCTI, MISP and other threat-intelligence platforms. Ids and
    timestamps come from the briefs, so re-exporting gives the same bytes.
    """
    from generator.output.exports import corpus_json
    from generator.output.stix import stix_bundle

    project = _project(ctx)
    settings, policy = _policy(project, max_tlp, drafts)
    result = _run(lambda: driver.validate(project, policy, with_history=True, cache=project.user_cache))
    _history_note(result)
    if fmt == "json":
        text = corpus_json(result.corpus, result.findings)
    else:
        text = stix_bundle(result.corpus, result.findings, settings)
    if output:
        output.write_text(text, "utf-8")
    else:
        click.echo(text, nl=False)


def main() -> None:
    try:
        cli(prog_name="briefgen")
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # a bug of ours: say so in one line; BRIEFGEN_DEBUG=1 shows the traceback
        if os.environ.get("BRIEFGEN_DEBUG"):
            raise
        click.echo(f"briefgen: internal error: {type(e).__name__}: {e} (rerun with BRIEFGEN_DEBUG=1 for details)", err=True)
        sys.exit(1)
